//! The fake account's in-memory data and how each object is printed in the API's shapes
//! (string ids, `page` paths, `{id,email,name}` users, `{id: name}` tag maps, ...).

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use serde_json::{Map, Value, json};

use super::util::{
    fmt_date, fmt_datetime, fmt_hms, fmt_minutes, fmt_money, html_to_text, number_value,
};

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub rate: u32,
    pub group: String,
    pub department: String,
    /// As printed: `Owner`, `Account admin`, `User`, `Guest`, ...
    pub role: String,
    pub email: String,
    pub phones: Vec<String>,
    pub address: Option<String>,
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[derive(Debug, Clone)]
pub struct UserGroup {
    pub id: u64,
    pub title: String,
    pub client: bool,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub group: String,
    pub email: Option<String>,
    pub phones: Vec<String>,
}

/// Who a task is assigned to: a user or one of the two special values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Noone,
    Any,
    User(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    Active,
    Pending,
    Archive,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Archive => "archive",
        }
    }
}

pub const PROJECT_OPTIONS: [&str; 14] = [
    "allow_close",
    "allow_give",
    "allow_term",
    "allow_limit",
    "require_term",
    "require_tag",
    "require_limit",
    "require_hidden",
    "deny_comments_edit",
    "deny_task_edit",
    "deny_task_delete",
    "time_require",
    "time_today",
    "timer_only",
];

#[derive(Debug, Clone)]
pub struct Project {
    pub id: u64,
    pub name: String,
    pub status: ProjectStatus,
    pub company: String,
    pub user_from: u64,
    pub manager: Option<u64>,
    pub text: String,
    pub date_added: i64,
    pub date_start: Option<i64>,
    pub date_end: Option<i64>,
    pub date_closed: Option<i64>,
    /// Values of [`PROJECT_OPTIONS`], in that order.
    pub options: [u8; 14],
    pub max_time: Option<f64>,
    pub max_money: Option<f64>,
    pub tags: BTreeSet<u64>,
    pub members: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: u64,
    pub project: u64,
    pub parent: Option<u64>,
    pub name: String,
    pub done: bool,
    pub priority: u8,
    pub user_from: u64,
    pub user_to: Assignee,
    /// The description, stored as HTML.
    pub text: String,
    pub date_added: i64,
    pub date_start: Option<i64>,
    pub date_end: Option<i64>,
    pub time_start: Option<String>,
    pub time_end: Option<String>,
    pub date_closed: Option<i64>,
    pub max_time: Option<f64>,
    pub max_money: Option<f64>,
    pub tags: BTreeSet<u64>,
    pub subscribers: Vec<u64>,
    /// Child task ids, in creation order.
    pub children: Vec<u64>,
    /// Comment ids, in creation order.
    pub comments: Vec<u64>,
    /// Files attached to the task itself.
    pub files: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    FinishToStart,
    StartToStart,
}

/// `before` must finish (or start) before `after` starts: `after` lists it under `from`,
/// `before` lists `after` under `to`, as in the official get_tasks example.
#[derive(Debug, Clone)]
pub struct Relation {
    pub before: u64,
    pub after: u64,
    pub kind: RelationKind,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub task: u64,
    pub user_from: u64,
    /// Plain text with `\r\n` line ends, as the API prints comments.
    pub text: String,
    pub date_added: i64,
    pub files: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct File {
    pub id: u64,
    pub name: String,
    pub bytes: Arc<[u8]>,
    pub project: u64,
    pub task: Option<u64>,
    pub comment: Option<u64>,
    pub user_from: u64,
    pub date_added: i64,
}

#[derive(Debug, Clone)]
pub struct Cost {
    pub id: u64,
    pub task: u64,
    pub user_from: u64,
    pub comment: String,
    pub minutes: i64,
    pub money_cents: i64,
    pub date: i64,
    pub is_timer: bool,
}

#[derive(Debug, Clone)]
pub struct Timer {
    pub id: u64,
    pub user: u64,
    pub task: u64,
    pub started: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagScope {
    Task,
    Project,
}

#[derive(Debug, Clone)]
pub struct TagGroup {
    pub id: u64,
    pub scope: TagScope,
    pub title: String,
    /// `status` (one tag of the group per object) or `label`.
    pub kind: String,
    pub access: String,
    /// The unexplained `id_group` string the API prints inside a tag's group.
    pub id_group: String,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub id: u64,
    pub group: u64,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: u64,
    pub page: String,
    pub project: u64,
    pub date_added: i64,
    pub user_from: u64,
    pub new: Option<Value>,
    pub old: Option<Value>,
}

/// Id counters, one per kind, starting near the values of the official examples.
#[derive(Debug, Clone)]
pub struct Ids {
    pub user: u64,
    pub project: u64,
    pub task: u64,
    pub comment: u64,
    pub file: u64,
    pub cost: u64,
    pub timer: u64,
    pub group: u64,
}

impl Default for Ids {
    fn default() -> Self {
        Self {
            user: 5700,
            project: 8600,
            task: 332_000,
            comment: 19_000,
            file: 17_300,
            cost: 3_600,
            timer: 2_900,
            group: 4_400,
        }
    }
}

fn bump(n: &mut u64, step: u64) -> u64 {
    *n += step;
    *n
}

impl Ids {
    pub fn user(&mut self) -> u64 {
        bump(&mut self.user, 4)
    }
    pub fn project(&mut self) -> u64 {
        bump(&mut self.project, 4)
    }
    pub fn task(&mut self) -> u64 {
        bump(&mut self.task, 4)
    }
    pub fn comment(&mut self) -> u64 {
        bump(&mut self.comment, 4)
    }
    pub fn file(&mut self) -> u64 {
        bump(&mut self.file, 4)
    }
    pub fn cost(&mut self) -> u64 {
        bump(&mut self.cost, 4)
    }
    pub fn timer(&mut self) -> u64 {
        bump(&mut self.timer, 4)
    }
    pub fn group(&mut self) -> u64 {
        bump(&mut self.group, 4)
    }
}

/// The whole account.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// `http://host:port`, for the absolute avatar URLs.
    pub account_url: String,
    pub owner: u64,
    pub users: BTreeMap<u64, User>,
    pub user_groups: Vec<UserGroup>,
    /// Project folders (`type: folder` in get_project_groups).
    pub folders: Vec<(u64, String)>,
    pub contacts: BTreeMap<u64, Contact>,
    /// Contact folders (string ids, after the numeric presets).
    pub contact_folders: Vec<(u64, String)>,
    pub projects: BTreeMap<u64, Project>,
    pub tasks: BTreeMap<u64, Task>,
    pub relations: Vec<Relation>,
    pub comments: BTreeMap<u64, Comment>,
    pub files: BTreeMap<u64, File>,
    pub costs: BTreeMap<u64, Cost>,
    pub timers: BTreeMap<u64, Timer>,
    pub tag_groups: Vec<TagGroup>,
    pub tags: BTreeMap<u64, Tag>,
    pub events: Vec<Event>,
    pub ids: Ids,
}

/// Which optional parts of a task to print, from the `extra` parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra {
    pub text: bool,
    pub html: bool,
    pub files: bool,
    pub comments: bool,
    pub relations: bool,
    pub subtasks: bool,
    pub subscribers: bool,
    pub options: bool,
    pub users: bool,
    pub archive: bool,
}

impl Extra {
    pub fn parse(s: Option<&str>) -> Self {
        let mut e = Self::default();
        for part in s.unwrap_or("").split(',').map(str::trim) {
            match part {
                "text" => e.text = true,
                "html" => e.html = true,
                "files" => e.files = true,
                "comments" => e.comments = true,
                "relations" => e.relations = true,
                "subtasks" => e.subtasks = true,
                "subscribers" => e.subscribers = true,
                "options" => e.options = true,
                "users" => e.users = true,
                "archive" => e.archive = true,
                _ => {}
            }
        }
        e
    }
}

/// How deep `child` arrays go, and how much each child shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStyle {
    /// Full task objects (get_tasks, get_all_tasks).
    Full,
    /// `{id, name, page, status, priority}` only (get_task, as in its official example).
    Brief,
}

impl Store {
    pub fn user_json(&self, id: u64) -> Value {
        match self.users.get(&id) {
            Some(u) => json!({"id": u.id.to_string(), "email": u.email, "name": u.name()}),
            None => json!({"id": id.to_string(), "email": "", "name": ""}),
        }
    }

    pub fn assignee_json(&self, a: Assignee) -> Value {
        match a {
            Assignee::Noone => {
                json!({"id": "1", "email": "NOONE", "name": "Executive isn't assigned"})
            }
            Assignee::Any => json!({"id": "2", "email": "ANY", "name": "Anyone"}),
            Assignee::User(id) => self.user_json(id),
        }
    }

    pub fn manager_json(&self, m: Option<u64>) -> Value {
        match m {
            Some(id) => self.user_json(id),
            None => json!({"id": "0", "email": "NOONE", "name": "Manager isn't assigned"}),
        }
    }

    pub fn user_by_email(&self, email: &str) -> Option<u64> {
        let email = email.trim();
        self.users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .map(|u| u.id)
    }

    /// The full user object of get_users (`admin` adds `rate`, as the admin example does).
    pub fn user_full_json(&self, u: &User, admin: bool) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), u.id.to_string().into());
        m.insert("first_name".into(), u.first_name.clone().into());
        m.insert("last_name".into(), u.last_name.clone().into());
        m.insert("name".into(), u.name().into());
        m.insert("title".into(), u.title.clone().into());
        if admin {
            m.insert("rate".into(), u.rate.into());
        }
        m.insert(
            "avatar".into(),
            format!(
                "{}/images/user/{}/{}_2001.jpg",
                self.account_url, self.owner, u.id
            )
            .into(),
        );
        m.insert("group".into(), u.group.clone().into());
        m.insert("department".into(), u.department.clone().into());
        m.insert("role".into(), u.role.clone().into());
        m.insert("email".into(), u.email.clone().into());
        for (i, p) in u.phones.iter().enumerate().take(4) {
            let key = if i == 0 {
                "phone".to_owned()
            } else {
                format!("phone{}", i + 1)
            };
            m.insert(key, p.clone().into());
        }
        if let Some(a) = &u.address {
            m.insert("address".into(), a.clone().into());
        }
        Value::Object(m)
    }

    pub fn contact_json(&self, c: &Contact) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), c.id.to_string().into());
        m.insert("first_name".into(), c.first_name.clone().into());
        m.insert("last_name".into(), c.last_name.clone().into());
        m.insert(
            "name".into(),
            format!("{} {}", c.first_name, c.last_name).into(),
        );
        m.insert("title".into(), c.title.clone().into());
        m.insert("group".into(), c.group.clone().into());
        if let Some(e) = &c.email {
            m.insert("email".into(), e.clone().into());
        }
        for (i, p) in c.phones.iter().enumerate().take(4) {
            let key = if i == 0 {
                "phone".to_owned()
            } else {
                format!("phone{}", i + 1)
            };
            m.insert(key, p.clone().into());
        }
        Value::Object(m)
    }

    // ---- projects ----

    pub fn project_page(id: u64) -> String {
        format!("/project/{id}/")
    }

    pub fn project_ref(&self, id: u64) -> Value {
        let name = self
            .projects
            .get(&id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        json!({"id": id.to_string(), "name": name, "page": Self::project_page(id)})
    }

    fn tag_map(&self, tags: &BTreeSet<u64>) -> Map<String, Value> {
        tags.iter()
            .filter_map(|t| self.tags.get(t))
            .map(|t| (t.id.to_string(), Value::from(t.title.clone())))
            .collect()
    }

    pub fn project_json(&self, p: &Project, extra: Extra) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), p.id.to_string().into());
        m.insert("name".into(), p.name.clone().into());
        m.insert("page".into(), Self::project_page(p.id).into());
        m.insert("status".into(), p.status.as_str().into());
        m.insert("company".into(), p.company.clone().into());
        m.insert("user_from".into(), self.user_json(p.user_from));
        m.insert("user_to".into(), self.manager_json(p.manager));
        if extra.html {
            m.insert("text".into(), p.text.clone().into());
        } else if extra.text {
            m.insert("text".into(), html_to_text(&p.text).into());
        }
        m.insert("date_added".into(), fmt_datetime(p.date_added).into());
        if let Some(d) = p.date_start {
            m.insert("date_start".into(), fmt_date(d).into());
        }
        if let Some(d) = p.date_end {
            m.insert("date_end".into(), fmt_date(d).into());
        }
        if let Some(d) = p.date_closed {
            m.insert("date_closed".into(), fmt_datetime(d).into());
        }
        if extra.options {
            let opts: Map<String, Value> = PROJECT_OPTIONS
                .iter()
                .zip(p.options)
                .map(|(k, v)| ((*k).to_owned(), Value::from(v)))
                .collect();
            m.insert("options".into(), Value::Object(opts));
        }
        if let Some(v) = p.max_time {
            m.insert("max_time".into(), number_value(v));
        }
        if let Some(v) = p.max_money {
            m.insert("max_money".into(), number_value(v));
        }
        if !p.tags.is_empty() {
            m.insert("tags".into(), Value::Object(self.tag_map(&p.tags)));
        }
        if extra.users {
            let users: Vec<Value> = p.members.iter().map(|u| self.user_json(*u)).collect();
            m.insert("users".into(), users.into());
        }
        Value::Object(m)
    }

    // ---- tasks ----

    /// The top-level ancestor of a task (itself if top-level).
    pub fn top_of(&self, id: u64) -> u64 {
        let mut cur = id;
        for _ in 0..8 {
            match self.tasks.get(&cur).and_then(|t| t.parent) {
                Some(p) => cur = p,
                None => break,
            }
        }
        cur
    }

    /// 0 for a top-level task, 1 for a subtask, 2 for a sub-subtask.
    pub fn depth_of(&self, id: u64) -> usize {
        let mut depth = 0;
        let mut cur = id;
        while let Some(p) = self.tasks.get(&cur).and_then(|t| t.parent) {
            depth += 1;
            cur = p;
            if depth > 8 {
                break;
            }
        }
        depth
    }

    /// `/project/P/T/` for a task, `/project/P/TOP/T/` for a subtask at any depth (the
    /// official examples print sub-subtasks under the top-level task, not their parent).
    pub fn task_page(&self, t: &Task) -> String {
        match t.parent {
            None => format!("/project/{}/{}/", t.project, t.id),
            Some(_) => format!("/project/{}/{}/{}/", t.project, self.top_of(t.id), t.id),
        }
    }

    pub fn task_brief(&self, t: &Task) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), t.id.to_string().into());
        m.insert("name".into(), t.name.clone().into());
        m.insert("page".into(), self.task_page(t).into());
        m.insert(
            "status".into(),
            if t.done { "done" } else { "active" }.into(),
        );
        m.insert("priority".into(), t.priority.to_string().into());
        m
    }

    fn parent_json(&self, id: u64, depth: usize) -> Value {
        let Some(t) = self.tasks.get(&id) else {
            return Value::Null;
        };
        let mut m = self.task_brief(t);
        if let (Some(p), true) = (t.parent, depth < 2) {
            m.insert("parent".into(), self.parent_json(p, depth + 1));
        }
        Value::Object(m)
    }

    pub fn file_ref(&self, f: &File) -> Value {
        json!({"id": f.id.to_string(), "page": format!("/download/{}/", f.id),
               "name": f.name, "size": f.bytes.len().to_string()})
    }

    pub fn file_full(&self, f: &File) -> Value {
        json!({"id": f.id.to_string(), "page": format!("/download/{}/", f.id),
               "name": f.name, "size": f.bytes.len().to_string(),
               "date_added": fmt_datetime(f.date_added), "user_from": self.user_json(f.user_from)})
    }

    pub fn comment_json(&self, c: &Comment, with_files: bool) -> Value {
        let page = match self.tasks.get(&c.task) {
            Some(t) => format!("{}#com{}", self.task_page(t), c.id),
            None => String::new(),
        };
        let mut m = Map::new();
        m.insert("id".into(), c.id.to_string().into());
        m.insert("page".into(), page.into());
        m.insert("text".into(), c.text.clone().into());
        m.insert("date_added".into(), fmt_datetime(c.date_added).into());
        m.insert("user_from".into(), self.user_json(c.user_from));
        if with_files && !c.files.is_empty() {
            let files: Vec<Value> = c
                .files
                .iter()
                .filter_map(|f| self.files.get(f))
                .map(|f| self.file_ref(f))
                .collect();
            m.insert("files".into(), files.into());
        }
        Value::Object(m)
    }

    fn relations_json(&self, id: u64) -> Option<Value> {
        let kind = |k: RelationKind| match k {
            RelationKind::FinishToStart => "finish-to-start",
            RelationKind::StartToStart => "start-to-start",
        };
        let entry = |other: u64, k: RelationKind| {
            self.tasks
                .get(&other)
                .map(|t| json!({"type": kind(k), "task": Value::Object(self.task_brief(t))}))
        };
        let from: Vec<Value> = self
            .relations
            .iter()
            .filter(|r| r.after == id)
            .filter_map(|r| entry(r.before, r.kind))
            .collect();
        let to: Vec<Value> = self
            .relations
            .iter()
            .filter(|r| r.before == id)
            .filter_map(|r| entry(r.after, r.kind))
            .collect();
        if from.is_empty() && to.is_empty() {
            return None;
        }
        let mut m = Map::new();
        if !from.is_empty() {
            m.insert("from".into(), from.into());
        }
        if !to.is_empty() {
            m.insert("to".into(), to.into());
        }
        Some(Value::Object(m))
    }

    /// A task in the API's shape. `active_only` hides done subtasks (`filter=active`).
    pub fn task_json(
        &self,
        t: &Task,
        extra: Extra,
        children: Option<ChildStyle>,
        active_only: bool,
        all_comments: bool,
    ) -> Value {
        let mut m = self.task_brief(t);
        m.insert("user_from".into(), self.user_json(t.user_from));
        m.insert("user_to".into(), self.assignee_json(t.user_to));
        m.insert("project".into(), self.project_ref(t.project));
        if let Some(p) = t.parent {
            m.insert("parent".into(), self.parent_json(p, 1));
        }
        if extra.html {
            m.insert("text".into(), t.text.clone().into());
        } else if extra.text {
            m.insert("text".into(), html_to_text(&t.text).into());
        }
        m.insert("date_added".into(), fmt_datetime(t.date_added).into());
        if let Some(d) = t.date_start {
            m.insert("date_start".into(), fmt_date(d).into());
        }
        if let Some(d) = t.date_end {
            m.insert("date_end".into(), fmt_date(d).into());
        }
        if let Some(s) = &t.time_start {
            m.insert("time_start".into(), s.clone().into());
        }
        if let Some(s) = &t.time_end {
            m.insert("time_end".into(), s.clone().into());
        }
        if let Some(d) = t.date_closed {
            m.insert("date_closed".into(), fmt_datetime(d).into());
        }
        if let Some(v) = t.max_time {
            m.insert("max_time".into(), number_value(v));
        }
        if let Some(v) = t.max_money {
            m.insert("max_money".into(), number_value(v));
        }
        if !t.tags.is_empty() {
            m.insert("tags".into(), Value::Object(self.tag_map(&t.tags)));
        }
        if extra.subscribers {
            let subs: Vec<Value> = t.subscribers.iter().map(|u| self.user_json(*u)).collect();
            m.insert("subscribers".into(), subs.into());
        }
        if extra.files && !t.files.is_empty() {
            let files: Vec<Value> = t
                .files
                .iter()
                .filter_map(|f| self.files.get(f))
                .map(|f| self.file_ref(f))
                .collect();
            m.insert("files".into(), files.into());
        }
        // Our choice: `has_comments` comes with `extra=comments`; the official examples
        // show it exactly in the responses that asked for comments.
        if extra.comments {
            m.insert(
                "has_comments".into(),
                u8::from(!t.comments.is_empty()).into(),
            );
        }
        if extra.comments && !t.comments.is_empty() {
            // Newest first; lists carry the last five, get_task all of them.
            let limit = if all_comments { usize::MAX } else { 5 };
            let comments: Vec<Value> = t
                .comments
                .iter()
                .rev()
                .take(limit)
                .filter_map(|c| self.comments.get(c))
                .map(|c| self.comment_json(c, extra.files))
                .collect();
            m.insert("comments".into(), comments.into());
        }
        if extra.relations
            && let Some(r) = self.relations_json(t.id)
        {
            m.insert("relations".into(), r);
        }
        if let Some(style) = children {
            let kids = self.children_json(t, extra, style, active_only, all_comments);
            if !kids.is_empty() {
                m.insert("child".into(), kids.into());
            }
        }
        Value::Object(m)
    }

    fn children_json(
        &self,
        t: &Task,
        extra: Extra,
        style: ChildStyle,
        active_only: bool,
        all_comments: bool,
    ) -> Vec<Value> {
        t.children
            .iter()
            .filter_map(|c| self.tasks.get(c))
            .filter(|c| !active_only || !c.done)
            .map(|c| match style {
                ChildStyle::Full => {
                    let mut v = self.task_json(c, extra, Some(style), active_only, all_comments);
                    // Children sit inside their parent: no `parent` object repeated.
                    if let Some(o) = v.as_object_mut() {
                        o.remove("parent");
                    }
                    v
                }
                ChildStyle::Brief => {
                    let mut m = self.task_brief(c);
                    let kids = self.children_json(c, extra, style, active_only, all_comments);
                    if !kids.is_empty() {
                        m.insert("child".into(), kids.into());
                    }
                    Value::Object(m)
                }
            })
            .collect()
    }

    /// How many records a task list prints: the tasks, plus their subtasks when nested.
    pub fn count_with_children(&self, ids: &[u64], subtasks: bool, active_only: bool) -> usize {
        let mut n = 0;
        let mut stack: Vec<u64> = ids.to_vec();
        while let Some(id) = stack.pop() {
            n += 1;
            if subtasks && let Some(t) = self.tasks.get(&id) {
                stack.extend(
                    t.children
                        .iter()
                        .filter(|c| !active_only || self.tasks.get(c).is_some_and(|c| !c.done)),
                );
            }
        }
        n
    }

    // ---- costs, timers, tags, events ----

    pub fn task_plain(&self, id: u64) -> Value {
        match self.tasks.get(&id) {
            Some(t) => self.task_json(t, Extra::default(), None, false, false),
            None => Value::Null,
        }
    }

    pub fn cost_json(&self, c: &Cost) -> Value {
        json!({
            "id": c.id.to_string(),
            "comment": c.comment,
            "time": fmt_minutes(c.minutes),
            "money": fmt_money(c.money_cents),
            "date": fmt_date(c.date),
            "is_timer": c.is_timer,
            "user_from": self.user_json(c.user_from),
            "task": self.task_plain(c.task),
        })
    }

    pub fn timer_json(&self, t: &Timer, now: i64) -> Value {
        json!({
            "id": t.id.to_string(),
            "time": fmt_hms(now - t.started),
            "date_started": fmt_datetime(t.started),
            "user_from": self.user_json(t.user),
            "task": self.task_plain(t.task),
        })
    }

    pub fn tag_group(&self, id: u64) -> Option<&TagGroup> {
        self.tag_groups.iter().find(|g| g.id == id)
    }

    pub fn tag_json(&self, t: &Tag) -> Value {
        let group = self
            .tag_group(t.group)
            .map(|g| {
                json!({"title": g.title, "id": g.id, "id_group": g.id_group,
                       "type": g.kind, "access": g.access})
            })
            .unwrap_or(Value::Null);
        json!({"title": t.title, "id": t.id, "group": group})
    }

    pub fn tag_group_json(g: &TagGroup) -> Value {
        json!({"title": g.title, "id": g.id, "type": g.kind, "access": g.access})
    }

    pub fn event_json(&self, e: &Event) -> Value {
        let mut m = Map::new();
        m.insert("action".into(), e.action.into());
        m.insert(
            "object".into(),
            json!({"type": e.object_type, "id": e.object_id.to_string(), "page": e.page}),
        );
        m.insert("date_added".into(), fmt_datetime(e.date_added).into());
        m.insert("user_from".into(), self.user_json(e.user_from));
        if let Some(n) = &e.new {
            m.insert("new".into(), n.clone());
        }
        if let Some(o) = &e.old {
            m.insert("old".into(), o.clone());
        }
        Value::Object(m)
    }

    /// Records an event on an object at `at`; `new` is the object's new values.
    pub fn push_event(
        &mut self,
        action: &'static str,
        object_type: &'static str,
        object_id: u64,
        user_from: u64,
        at: i64,
        new: Option<Value>,
    ) {
        let (page, project) = match object_type {
            "project" => (Self::project_page(object_id), object_id),
            "task" => match self.tasks.get(&object_id) {
                Some(t) => (self.task_page(t), t.project),
                None => (String::new(), 0),
            },
            _ => match self
                .comments
                .get(&object_id)
                .and_then(|c| self.tasks.get(&c.task))
            {
                // The official example prints a comment event with its task's page.
                Some(t) => (self.task_page(t), t.project),
                None => (String::new(), 0),
            },
        };
        self.events.push(Event {
            action,
            object_type,
            object_id,
            page,
            project,
            date_added: at,
            user_from,
            new,
            old: None,
        });
    }

    /// Records an update of a task, with its old and new values.
    pub fn push_task_update(&mut self, task: u64, user_from: u64, at: i64, new: Value, old: Value) {
        self.push_event("update", "task", task, user_from, at, Some(new));
        if let Some(e) = self.events.last_mut() {
            e.old = Some(old);
        }
    }
}
