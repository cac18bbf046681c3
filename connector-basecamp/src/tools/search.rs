//! Across projects: search, the connected person's assignments, recordings of one kind,
//! and what happened to a recording.

use connector_core::{
    Result, ToolSet,
    cache::Gathered,
    cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(Search)
        .with(ListMyAssignments)
        .with(ListRecordings)
        .with(ListEvents)
}

/// What search and the recordings list can be narrowed to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
pub enum RecordingType {
    Todo,
    Todolist,
    Message,
    Comment,
    Document,
    Upload,
    #[serde(rename = "Kanban::Card")]
    Card,
    #[serde(rename = "Schedule::Entry")]
    ScheduleEntry,
    Vault,
}

impl RecordingType {
    fn as_str(self) -> &'static str {
        match self {
            RecordingType::Todo => "Todo",
            RecordingType::Todolist => "Todolist",
            RecordingType::Message => "Message",
            RecordingType::Comment => "Comment",
            RecordingType::Document => "Document",
            RecordingType::Upload => "Upload",
            RecordingType::Card => "Kanban::Card",
            RecordingType::ScheduleEntry => "Schedule::Entry",
            RecordingType::Vault => "Vault",
        }
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    /// Words to look for.
    #[schemars(length(min = 1))]
    pub query: String,
    /// Only this kind of recording.
    #[serde(rename = "type")]
    pub kind: Option<RecordingType>,
    /// Only in this project.
    pub project_id: Option<i64>,
    /// Only what this person made.
    pub creator_id: Option<i64>,
    /// Results per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// Search results come `per_page` at a time by page number.
const SEARCH_PAGE: usize = 50;
const SEARCH_MAX: usize = 500;

tool! {
    pub struct Search for Bc {
        name: "basecamp_search_recordings",
        title: "Search Basecamp",
        access: Read,
        annotations: READ,
        description: "Searches everything the connected person can see — to-dos, messages, comments, documents, cards, schedule entries, files — optionally one kind, one project or one author. Each result: id, type, title, project, author, when, and the matching text. Pages with `cursor`.",
    }
    async fn call(client, input: SearchInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let mut query = vec![("q".to_owned(), input.query.clone()), ("per_page".to_owned(), SEARCH_PAGE.to_string())];
            if let Some(k) = input.kind {
                query.push(("type".into(), k.as_str().into()));
            }
            if let Some(p) = input.project_id {
                query.push(("bucket_id".into(), p.to_string()));
            }
            if let Some(c) = input.creator_id {
                query.push(("creator_id".into(), c.to_string()));
            }
            search_all(client, query).await
        }).await
    }
}

async fn search_all(client: &Bc, query: Vec<(String, String)>) -> Result<Gathered> {
    let mut items = Vec::new();
    for page in 1.. {
        let mut q = query.clone();
        q.push(("page".into(), page.to_string()));
        let found = client
            .get(
                "/search.json",
                &q,
                about("search", None, "basecamp_search_recordings"),
            )
            .await?;
        let batch = found.as_array().cloned().unwrap_or_default();
        let last = batch.len() < SEARCH_PAGE;
        items.extend(batch.into_iter().map(model::compact));
        if last {
            return Ok(Gathered { items, note: None });
        }
        if items.len() >= SEARCH_MAX {
            break;
        }
    }
    Ok(Gathered {
        items,
        note: Some(format!(
            "only the first {SEARCH_MAX} results were read; narrow the search"
        )),
    })
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentScope {
    /// Everything still open, priorities first.
    #[default]
    Open,
    /// Recently completed.
    Completed,
    Overdue,
    DueToday,
    DueTomorrow,
    DueLaterThisWeek,
    DueNextWeek,
    DueLater,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentsInput {
    /// Which assignments; the open ones when absent.
    pub scope: Option<AssignmentScope>,
    /// Assignments per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListMyAssignments for Bc {
        name: "basecamp_list_my_assignments",
        title: "List my assignments",
        access: Read,
        annotations: READ,
        description: "Lists the to-dos and cards assigned to the connected person across all projects: open ones (priorities first), recently completed ones, or those due in a window (overdue, today, tomorrow, later this week, next week, later). Each: id, title, project, list, due date, assignees. Pages with `cursor`.",
    }
    async fn call(client, input: AssignmentsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let call = about("assignments", None, "basecamp_list_my_assignments");
            let (path, query): (&str, Vec<(String, String)>) = match input.scope.unwrap_or_default() {
                AssignmentScope::Open => ("/my/assignments.json", Vec::new()),
                AssignmentScope::Completed => ("/my/assignments/completed.json", Vec::new()),
                due => {
                    let scope = serde_json::to_value(due).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                    ("/my/assignments/due.json", vec![("scope".into(), scope)])
                }
            };
            let answer = client.get(path, &query, call).await?;
            let items: Vec<Value> = match &*answer {
                Value::Object(groups) => ["priorities", "non_priorities"]
                    .iter()
                    .flat_map(|g| {
                        let priority = *g == "priorities";
                        groups.get(*g).and_then(Value::as_array).cloned().unwrap_or_default().into_iter().map(move |a| {
                            let mut a = model::compact(a);
                            if priority {
                                a["priority"] = json!(true);
                            }
                            a
                        })
                    })
                    .collect(),
                Value::Array(a) => a.iter().cloned().map(model::compact).collect(),
                _ => Vec::new(),
            };
            Ok(Gathered { items, note: None })
        }).await
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    Active,
    Archived,
    Trashed,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingsInput {
    /// The kind of recording.
    #[serde(rename = "type")]
    pub kind: RecordingType,
    /// Only in these projects; every project when empty.
    #[serde(default)]
    pub project_ids: Vec<i64>,
    /// Active when absent.
    pub status: Option<RecordingStatus>,
    /// Order by last change instead of creation.
    #[serde(default)]
    pub by_updated: bool,
    /// Oldest first instead of newest first.
    #[serde(default)]
    pub oldest_first: bool,
    /// Recordings per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListRecordings for Bc {
        name: "basecamp_list_recordings",
        title: "List recordings of a kind",
        access: Read,
        annotations: READ,
        description: "Lists every recording of one kind (to-dos, messages, comments, documents, uploads, cards, schedule entries…) across all projects or some, newest first by default, or by last change — e.g. what was commented on lately. Pages with `cursor`.",
    }
    async fn call(client, input: RecordingsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let mut query = vec![("type".to_owned(), input.kind.as_str().to_owned())];
            if !input.project_ids.is_empty() {
                query.push(("bucket".into(), input.project_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")));
            }
            if let Some(s) = input.status {
                query.push(("status".into(), match s { RecordingStatus::Active => "active", RecordingStatus::Archived => "archived", RecordingStatus::Trashed => "trashed" }.into()));
            }
            query.push(("sort".into(), if input.by_updated { "updated_at" } else { "created_at" }.into()));
            query.push(("direction".into(), if input.oldest_first { "asc" } else { "desc" }.into()));
            gather(client, "/projects/recordings.json", &query, about("recording", None, "basecamp_search_recordings"), |r| model::compact(r.clone())).await
        }).await
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsInput {
    /// Any recording: to-do, message, card, document…
    pub recording_id: i64,
    /// Events per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListEvents for Bc {
        name: "basecamp_list_events",
        title: "List what happened to a recording",
        access: Read,
        annotations: READ,
        description: "Lists the changes to one recording, newest first: created, assigned, rescheduled, completed, commented, moved… with who did it, when and what changed. Pages with `cursor`.",
    }
    async fn call(client, input: EventsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, &format!("/recordings/{}/events.json", input.recording_id), &[], about("recording", Some(input.recording_id), "basecamp_search_recordings"), |e| model::compact(e.clone())).await
        }).await
    }
}
