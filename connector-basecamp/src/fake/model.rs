//! The fake account's data in memory: people, projects with their docks, recordings (every
//! to-do, message, line, card, document… is one, as in Basecamp), events and inline
//! attachments, plus the few store-wide operations the seed and the handlers share
//! (ids, the clock, ordering, events). How things are printed lives in `render.rs`.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::util::{self, Millis};

/// Where the fake answers: used by every URL the JSON carries.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `http://127.0.0.1:PORT` (Launchpad lives here too).
    pub base: String,
    /// `{base}/{account_id}`: the account's `href`, the root of API URLs.
    pub api: String,
    /// The root of HTML (`app_url`) URLs; the same host, since the fake has no web app.
    pub app: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    Archived,
    Trashed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Trashed => "trashed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            "trashed" => Some(Self::Trashed),
            _ => None,
        }
    }
}

/// A card table column's flavour; the type names say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Triage,
    NotNow,
    Column,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Todoset,
    Todolist,
    Todo,
    MessageBoard,
    Message,
    Comment,
    Chat,
    /// A Campfire line posted as plain text.
    ChatText,
    /// A Campfire line posted as HTML (`content_type: "text/html"`, or from the web app).
    ChatRichText,
    Schedule,
    ScheduleEntry,
    CardTable,
    Column(ColumnKind),
    Card,
    Step,
    Vault,
    Document,
    Upload,
}

impl Kind {
    /// The `type` the API prints.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Todoset => "Todoset",
            Self::Todolist => "Todolist",
            Self::Todo => "Todo",
            Self::MessageBoard => "Message::Board",
            Self::Message => "Message",
            Self::Comment => "Comment",
            Self::Chat => "Chat::Transcript",
            Self::ChatText => "Chat::Lines::Text",
            Self::ChatRichText => "Chat::Lines::RichText",
            Self::Schedule => "Schedule",
            Self::ScheduleEntry => "Schedule::Entry",
            Self::CardTable => "Kanban::Board",
            Self::Column(ColumnKind::Triage) => "Kanban::Triage",
            Self::Column(ColumnKind::NotNow) => "Kanban::NotNowColumn",
            Self::Column(ColumnKind::Column) => "Kanban::Column",
            Self::Column(ColumnKind::Done) => "Kanban::DoneColumn",
            Self::Card => "Kanban::Card",
            Self::Step => "Kanban::Step",
            Self::Vault => "Vault",
            Self::Document => "Document",
            Self::Upload => "Upload",
        }
    }

    /// The URL segment(s) before the id, e.g. `todos` in `/buckets/1/todos/2.json`.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Todoset => "todosets",
            Self::Todolist => "todolists",
            Self::Todo => "todos",
            Self::MessageBoard => "message_boards",
            Self::Message => "messages",
            Self::Comment => "comments",
            Self::Chat | Self::ChatText | Self::ChatRichText => "chats",
            Self::Schedule => "schedules",
            Self::ScheduleEntry => "schedule_entries",
            Self::CardTable => "card_tables",
            Self::Column(_) => "card_tables/columns",
            Self::Card => "card_tables/cards",
            Self::Step => "card_tables/steps",
            Self::Vault => "vaults",
            Self::Document => "documents",
            Self::Upload => "uploads",
        }
    }

    pub fn is_line(self) -> bool {
        matches!(self, Self::ChatText | Self::ChatRichText)
    }

    pub fn is_column(self) -> bool {
        matches!(self, Self::Column(_))
    }

    /// Whether it carries `comments_count`/`comments_url` (and so takes comments).
    pub fn commentable(self) -> bool {
        matches!(
            self,
            Self::Todolist
                | Self::Todo
                | Self::Message
                | Self::ScheduleEntry
                | Self::Card
                | Self::Document
                | Self::Upload
        )
    }

    pub fn subscribable(self) -> bool {
        matches!(
            self,
            Self::Todolist
                | Self::Todo
                | Self::Message
                | Self::Chat
                | Self::ScheduleEntry
                | Self::CardTable
                | Self::Column(_)
                | Self::Card
                | Self::Document
                | Self::Upload
        )
    }

    pub fn boostable(self) -> bool {
        matches!(
            self,
            Self::Todolist
                | Self::Todo
                | Self::Message
                | Self::Comment
                | Self::ChatText
                | Self::ChatRichText
                | Self::ScheduleEntry
                | Self::Card
                | Self::Document
                | Self::Upload
        )
    }

    /// Whether `position` is printed (the examples show it on these only).
    pub fn shows_position(self) -> bool {
        matches!(
            self,
            Self::Todoset
                | Self::Todolist
                | Self::Todo
                | Self::MessageBoard
                | Self::Chat
                | Self::Schedule
                | Self::Column(ColumnKind::Column)
                | Self::Card
                | Self::Step
                | Self::Vault
                | Self::Document
                | Self::Upload
        )
    }

    /// The kinds `GET /projects/recordings.json?type=…` accepts, by their type name.
    pub fn listable(type_name: &str) -> Option<Self> {
        Some(match type_name {
            "Comment" => Self::Comment,
            "Document" => Self::Document,
            "Kanban::Card" => Self::Card,
            "Kanban::Step" => Self::Step,
            "Message" => Self::Message,
            "Schedule::Entry" => Self::ScheduleEntry,
            "Todo" => Self::Todo,
            "Todolist" => Self::Todolist,
            "Upload" => Self::Upload,
            "Vault" => Self::Vault,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub bio: Option<String>,
    pub location: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub admin: bool,
    pub owner: bool,
    pub client: bool,
    pub employee: bool,
    pub company: Option<(i64, String)>,
    pub time_zone: String,
}

impl Person {
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }

    pub fn last_name(&self) -> String {
        self.name
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One tool in a project's dock. Disabled tools keep their id, as in the real API.
#[derive(Debug, Clone)]
pub struct DockTool {
    pub id: i64,
    /// `message_board`, `todoset`, `vault`, `chat`, `schedule`, `questionnaire`, `inbox`,
    /// `kanban_board`.
    pub name: &'static str,
    pub title: String,
    pub enabled: bool,
    pub position: Option<u32>,
}

impl DockTool {
    pub fn segment(&self) -> &'static str {
        match self.name {
            "message_board" => "message_boards",
            "todoset" => "todosets",
            "vault" => "vaults",
            "chat" => "chats",
            "schedule" => "schedules",
            "questionnaire" => "questionnaires",
            "inbox" => "inboxes",
            _ => "card_tables",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: i64,
    pub status: Status,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub name: String,
    pub description: Option<String>,
    pub clients_enabled: bool,
    pub client_company: Option<(i64, String)>,
    pub timesheet_enabled: bool,
    pub admissions: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub dock: Vec<DockTool>,
    /// People with access, in the order they were added.
    pub people: Vec<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Completion {
    pub at: Millis,
    pub by: i64,
}

/// A schedule entry's time span.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub all_day: bool,
}

#[derive(Debug, Clone)]
pub struct FileInfo {
    pub filename: String,
    pub content_type: String,
    pub byte_size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// One recording. The fields a kind does not use stay empty; `render.rs` prints per kind.
#[derive(Debug, Clone)]
pub struct Recording {
    pub id: i64,
    pub kind: Kind,
    pub bucket: i64,
    pub parent: Option<i64>,
    pub status: Status,
    pub visible_to_clients: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub creator: i64,
    /// Order among siblings (1-based); also kept for kinds that do not print it.
    pub position: Option<u32>,
    /// The name, subject, summary, title or file name.
    pub title: String,
    /// Rich text body: messages, comments, documents, cards, Campfire lines.
    pub content: Option<String>,
    /// Rich text description: to-dos, to-do lists, uploads, schedule entries.
    pub description: Option<String>,
    pub assignees: Vec<i64>,
    pub completion_subscribers: Vec<i64>,
    /// Schedule entry participants; subscribers of boards and columns.
    pub people: Vec<i64>,
    pub starts_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub span: Option<Span>,
    pub completion: Option<Completion>,
    pub color: Option<String>,
    pub file: Option<FileInfo>,
    pub boosts: u32,
}

impl Recording {
    pub fn new(
        kind: Kind,
        id: i64,
        bucket: i64,
        parent: Option<i64>,
        creator: i64,
        at: Millis,
    ) -> Self {
        Self {
            id,
            kind,
            bucket,
            parent,
            status: Status::Active,
            visible_to_clients: false,
            created_at: at,
            updated_at: at,
            creator,
            position: None,
            title: String::new(),
            content: None,
            description: None,
            assignees: Vec::new(),
            completion_subscribers: Vec::new(),
            people: Vec::new(),
            starts_on: None,
            due_on: None,
            span: None,
            completion: None,
            color: None,
            file: None,
            boosts: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub recording: i64,
    pub action: String,
    pub details: Value,
    pub at: Millis,
    pub creator: i64,
}

/// A file embedded in rich text with `<bc-attachment sgid=…>`.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub sgid: String,
    /// The blob key in preview and download URLs.
    pub key: String,
    pub file: FileInfo,
}

// Where each id sequence starts. Recording and event ids are above 2^32 on purpose, so a
// client that squeezes ids into 32 bits breaks on the first one; projects sit just above
// i32::MAX.
/// The id a counter holds, moving it on to the next one.
fn take_next(counter: &mut i64) -> i64 {
    let id = *counter;
    *counter += 1;
    id
}

const FIRST_RECORDING: i64 = 4_306_871_104;
const FIRST_EVENT: i64 = 7_301_915_462;
const FIRST_PROJECT: i64 = 2_147_483_659;
const FIRST_PERSON: i64 = 1_049_715_913;
const FIRST_ATTACHMENT: i64 = 5_529_184_310;

#[derive(Debug)]
pub struct Store {
    pub urls: Urls,
    pub account_id: i64,
    pub account_name: String,
    /// Signs sgids and avatar keys so they look (and stay) the same across requests.
    pub secret: String,
    pub people: BTreeMap<i64, Person>,
    pub projects: BTreeMap<i64, Project>,
    pub recordings: BTreeMap<i64, Recording>,
    pub events: Vec<Event>,
    /// Inline attachments by sgid.
    pub attachments: HashMap<String, Attachment>,
    /// Each person's prioritized assignments (`/my/assignments.json`).
    pub priorities: HashMap<i64, Vec<i64>>,
    pub owner: i64,
    /// `FakeOptions::today`; `None` follows the real date.
    pub fixed_today: Option<NaiveDate>,
    /// `FakeOptions::project_limit`.
    pub project_limit: Option<usize>,
    next_recording: i64,
    next_event: i64,
    next_project: i64,
    next_person: i64,
    next_attachment: i64,
    last_ms: Millis,
}

impl Store {
    pub fn new(urls: Urls, account_id: i64, account_name: &str, secret: String) -> Self {
        Self {
            urls,
            account_id,
            account_name: account_name.to_owned(),
            secret,
            people: BTreeMap::new(),
            projects: BTreeMap::new(),
            recordings: BTreeMap::new(),
            events: Vec::new(),
            attachments: HashMap::new(),
            priorities: HashMap::new(),
            owner: 0,
            fixed_today: None,
            project_limit: None,
            next_recording: FIRST_RECORDING,
            next_event: FIRST_EVENT,
            next_project: FIRST_PROJECT,
            next_person: FIRST_PERSON,
            next_attachment: FIRST_ATTACHMENT,
            last_ms: 0,
        }
    }

    /// The write clock: real time, but strictly after every stored instant, so an update
    /// always moves `updated_at` forward even when the seed's "today" is in the future.
    pub fn now(&mut self) -> Millis {
        self.last_ms = util::real_now_ms().max(self.last_ms + 1);
        self.last_ms
    }

    /// Lets the seed move the clock's floor past what it wrote.
    pub fn observe(&mut self, at: Millis) {
        self.last_ms = self.last_ms.max(at);
    }

    /// The day due-date scopes are relative to.
    pub fn today(&self) -> NaiveDate {
        self.fixed_today.unwrap_or_else(|| Utc::now().date_naive())
    }

    pub fn recording_id(&mut self) -> i64 {
        take_next(&mut self.next_recording)
    }

    pub fn project_id(&mut self) -> i64 {
        take_next(&mut self.next_project)
    }

    pub fn person_id(&mut self) -> i64 {
        take_next(&mut self.next_person)
    }

    pub fn attachment_id(&mut self) -> i64 {
        take_next(&mut self.next_attachment)
    }

    /// Whether the recording's project is active (not archived or trashed).
    pub fn in_active_project(&self, r: &Recording) -> bool {
        self.projects
            .get(&r.bucket)
            .is_some_and(|p| p.status == Status::Active)
    }

    pub fn rec(&self, id: i64) -> Option<&Recording> {
        self.recordings.get(&id)
    }

    pub fn rec_mut(&mut self, id: i64) -> Option<&mut Recording> {
        self.recordings.get_mut(&id)
    }

    pub fn person_by_email(&self, email: &str) -> Option<i64> {
        self.people
            .values()
            .find(|p| p.email.eq_ignore_ascii_case(email.trim()))
            .map(|p| p.id)
    }

    /// Children of a recording in display order (position, then age).
    pub fn children(&self, parent: i64) -> Vec<&Recording> {
        let mut out: Vec<&Recording> = self
            .recordings
            .values()
            .filter(|r| r.parent == Some(parent))
            .collect();
        out.sort_by_key(|r| (r.position.unwrap_or(u32::MAX), r.created_at, r.id));
        out
    }

    pub fn active_children(&self, parent: i64, kind: impl Fn(Kind) -> bool) -> Vec<&Recording> {
        self.children(parent)
            .into_iter()
            .filter(|r| r.status == Status::Active && kind(r.kind))
            .collect()
    }

    pub fn comments_count(&self, id: i64) -> usize {
        self.active_children(id, |k| k == Kind::Comment).len()
    }

    /// Stores a new recording and its `created` event.
    pub fn insert(&mut self, rec: Recording) -> i64 {
        let id = rec.id;
        self.observe(rec.updated_at);
        self.record_event(id, "created", json!({}), rec.creator, rec.created_at);
        self.recordings.insert(id, rec);
        id
    }

    pub fn record_event(
        &mut self,
        recording: i64,
        action: &str,
        mut details: Value,
        creator: i64,
        at: Millis,
    ) {
        if let Some(map) = details.as_object_mut() {
            map.entry("notified_recipient_ids")
                .or_insert_with(|| json!([]));
        }
        self.events.push(Event {
            id: take_next(&mut self.next_event),
            recording,
            action: action.to_owned(),
            details,
            at,
            creator,
        });
    }

    /// Puts `id` at `position` (1-based, clamped) among the siblings `group` selects under
    /// `parent`, then renumbers every child of `parent` 1..n so positions stay dense.
    pub fn place(
        &mut self,
        parent: i64,
        id: i64,
        position: usize,
        group: impl Fn(&Recording) -> bool,
    ) {
        let mut order: Vec<i64> = self
            .children(parent)
            .iter()
            .map(|r| r.id)
            .filter(|c| *c != id)
            .collect();
        let in_group: Vec<usize> = order
            .iter()
            .enumerate()
            .filter(|(_, c)| self.rec(**c).is_some_and(&group))
            .map(|(i, _)| i)
            .collect();
        let at = match position.max(1) - 1 {
            // Before the n-th member of the group, or right after the last one.
            n if n < in_group.len() => in_group[n],
            _ => in_group.last().map_or(0, |i| i + 1),
        };
        order.insert(at.min(order.len()), id);
        for (i, c) in order.iter().enumerate() {
            if let Some(r) = self.rec_mut(*c) {
                r.position = Some(i as u32 + 1);
            }
        }
    }

    /// Renumbers `parent`'s children 1..n in their current order (after one left).
    pub fn renumber(&mut self, parent: i64) {
        let order: Vec<i64> = self.children(parent).iter().map(|r| r.id).collect();
        for (i, c) in order.iter().enumerate() {
            if let Some(r) = self.rec_mut(*c) {
                r.position = Some(i as u32 + 1);
            }
        }
    }

    /// The next position at the end of `parent`'s children.
    pub fn next_position(&self, parent: i64) -> u32 {
        self.children(parent)
            .iter()
            .filter_map(|r| r.position)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// The project's tool by dock name (`todoset`, `chat`, …), if present.
    pub fn tool(&self, project: i64, name: &str) -> Option<i64> {
        self.projects
            .get(&project)?
            .dock
            .iter()
            .find(|t| t.name == name && t.enabled)
            .map(|t| t.id)
    }

    /// Creates a project with the standard dock: message board, to-dos, docs & files,
    /// chat and schedule enabled; check-ins, email forwards and the card table present but
    /// off. Returns the project id.
    pub fn create_project(
        &mut self,
        name: &str,
        description: Option<&str>,
        creator: i64,
        at: Millis,
    ) -> i64 {
        let id = self.project_id();
        // Disabled tools have no recording behind them, only an id in the dock.
        let tools: [(&'static str, &str, Option<Kind>); 8] = [
            ("message_board", "Message Board", Some(Kind::MessageBoard)),
            ("todoset", "To-dos", Some(Kind::Todoset)),
            ("vault", "Docs & Files", Some(Kind::Vault)),
            ("chat", "Chat", Some(Kind::Chat)),
            ("schedule", "Schedule", Some(Kind::Schedule)),
            ("questionnaire", "Automatic Check-ins", None),
            ("inbox", "Email Forwards", None),
            ("kanban_board", "Card Table", None),
        ];
        let mut dock = Vec::new();
        let mut position = 0;
        for (tool, title, kind) in tools {
            let tool_id = self.recording_id();
            if let Some(kind) = kind {
                position += 1;
                let mut rec = Recording::new(kind, tool_id, id, None, creator, at);
                rec.title = title.to_owned();
                rec.position = Some(position);
                self.insert(rec);
            }
            dock.push(DockTool {
                id: tool_id,
                name: tool,
                title: title.to_owned(),
                enabled: kind.is_some(),
                position: kind.map(|_| position),
            });
        }
        self.projects.insert(
            id,
            Project {
                id,
                status: Status::Active,
                created_at: at,
                updated_at: at,
                name: name.to_owned(),
                description: description.map(str::to_owned),
                clients_enabled: false,
                client_company: None,
                timesheet_enabled: false,
                admissions: "invite".to_owned(),
                start_date: None,
                end_date: None,
                dock,
                people: vec![creator],
            },
        );
        self.observe(at);
        id
    }

    /// Adds an enabled card table to a project's dock (a project may have several), with
    /// the columns every new table gets: Triage, Not now and Done.
    pub fn add_card_table(&mut self, project: i64, title: &str, creator: i64, at: Millis) -> i64 {
        let table = self.recording_id();
        let mut rec = Recording::new(Kind::CardTable, table, project, None, creator, at);
        rec.title = title.to_owned();
        rec.people = vec![creator];
        self.insert(rec);
        for (i, (kind, name)) in [
            (ColumnKind::Triage, "Triage"),
            (ColumnKind::NotNow, "Not now"),
            (ColumnKind::Done, "Done"),
        ]
        .into_iter()
        .enumerate()
        {
            let id = self.recording_id();
            let mut col = Recording::new(Kind::Column(kind), id, project, Some(table), creator, at);
            col.title = name.to_owned();
            col.position = Some(i as u32 + 1);
            col.people = vec![creator];
            self.insert(col);
        }
        if let Some(p) = self.projects.get_mut(&project) {
            // The first table takes the disabled placeholder's slot; later ones are added.
            let next = p.dock.iter().filter_map(|t| t.position).max().unwrap_or(0) + 1;
            match p
                .dock
                .iter_mut()
                .find(|t| t.name == "kanban_board" && !t.enabled)
            {
                Some(slot) => {
                    slot.id = table;
                    slot.title = title.to_owned();
                    slot.enabled = true;
                    slot.position = Some(next);
                }
                None => p.dock.push(DockTool {
                    id: table,
                    name: "kanban_board",
                    title: title.to_owned(),
                    enabled: true,
                    position: Some(next),
                }),
            }
        }
        table
    }

    /// Adds a regular column before Done.
    pub fn add_column(
        &mut self,
        table: i64,
        title: &str,
        color: Option<&str>,
        creator: i64,
        at: Millis,
    ) -> i64 {
        let bucket = self.rec(table).map_or(0, |t| t.bucket);
        let id = self.recording_id();
        let mut col = Recording::new(
            Kind::Column(ColumnKind::Column),
            id,
            bucket,
            Some(table),
            creator,
            at,
        );
        col.title = title.to_owned();
        col.color = color.map(str::to_owned);
        col.people = vec![creator];
        self.insert(col);
        let before_done = self
            .children(table)
            .iter()
            .filter(|c| c.kind != Kind::Column(ColumnKind::Done) && c.id != id)
            .count();
        self.place(table, id, before_done + 1, |_| true);
        id
    }

    /// Marks a recording updated now.
    pub fn touch(&mut self, id: i64) -> Millis {
        let now = self.now();
        if let Some(r) = self.rec_mut(id) {
            r.updated_at = now;
        }
        now
    }

    /// The person who can be `@`-mentioned with this sgid, if any.
    pub fn person_by_sgid(&self, sgid: &str) -> Option<&Person> {
        self.people
            .values()
            .find(|p| util::signed_gid("Person", p.id, "attachable", &self.secret) == sgid)
    }
}
