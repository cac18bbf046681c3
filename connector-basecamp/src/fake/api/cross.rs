//! Endpoints that cut across projects and kinds: recordings by type, status changes
//! (trash, archive, restore), events, search, and the caller's assignments.

use std::cmp::Reverse;

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::sorted;
use crate::fake::{
    model::{Kind, Recording, Status, Store},
    render,
    reply::{ApiError, Item, Paging, Reply},
    routes::Req,
    util::plain_text,
};

/// `type` is required; `bucket` (comma-separated ids, default every active project),
/// `status` (default active), `sort` and `direction` (default `created_at` `desc`).
pub fn recordings(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    const TYPES: &str = "Comment, Document, Kanban::Card, Kanban::Step, Message, \
                         Question::Answer, Schedule::Entry, Todo, Todolist, Upload, Vault";
    let kind = match req.param("type") {
        None | Some("") => {
            return Err(ApiError::bad_request(format!(
                "The type parameter is required. Valid options: {TYPES}"
            )));
        }
        Some(t) => match Kind::listable(t) {
            Some(k) => k,
            // A valid type the fake has no recordings of.
            None if t == "Question::Answer" => return Ok(Reply::list(Vec::new())),
            None => {
                return Err(ApiError::bad_request(format!(
                    "Invalid type '{t}'. Valid options: {TYPES}"
                )));
            }
        },
    };
    let buckets: Vec<i64> = match req.param("bucket") {
        Some(list) if !list.trim().is_empty() => list
            .split(',')
            .filter_map(|b| b.trim().parse().ok())
            .collect(),
        _ => store
            .projects
            .values()
            .filter(|p| p.status == Status::Active)
            .map(|p| p.id)
            .collect(),
    };
    let status = super::status_filter(req);
    let recs: Vec<&Recording> = store
        .recordings
        .values()
        .filter(|r| r.kind == kind && r.status == status && buckets.contains(&r.bucket))
        .collect();
    Ok(Reply::list(sorted(recs, req, true)))
}

fn set_status(store: &mut Store, req: &Req, status: Status) -> Result<Reply, ApiError> {
    let r = req.find(store, req.id(0), |_| true)?;
    let (id, was) = (r.id, r.status);
    if was != status {
        let action = match (was, status) {
            (_, Status::Trashed) => "trashed",
            (_, Status::Archived) => "archived",
            (Status::Trashed, Status::Active) => "untrashed",
            _ => "unarchived",
        };
        let now = store.touch(id);
        if let Some(r) = store.rec_mut(id) {
            r.status = status;
        }
        store.record_event(id, action, json!({}), req.me, now);
    }
    Ok(Reply::NoContent)
}

pub fn trash(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    set_status(store, req, Status::Trashed)
}

pub fn archive(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    set_status(store, req, Status::Archived)
}

pub fn activate(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    set_status(store, req, Status::Active)
}

/// Newest first.
pub fn events(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), |_| true)?.id;
    let mut found: Vec<usize> = store
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.recording == id)
        .map(|(i, _)| i)
        .collect();
    found.sort_by_key(|i| store.events.get(*i).map(|e| Reverse((e.at, e.id))));
    Ok(Reply::list(found.into_iter().map(Item::Event).collect()))
}

/// Whether a recording answers to a search `type` key (the metadata's keys).
fn search_type(kind: Kind, key: &str) -> bool {
    match key {
        "Chat::Transcript" => kind.is_line(),
        "Attachment" => kind == Kind::Upload,
        other => kind.type_name() == other,
    }
}

fn searchable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Todo
            | Kind::Todolist
            | Kind::Message
            | Kind::Comment
            | Kind::Document
            | Kind::Upload
            | Kind::ScheduleEntry
            | Kind::Card
            | Kind::Vault
            | Kind::ChatText
            | Kind::ChatRichText
    )
}

/// All of `param` and `param[]` values.
fn values<'r>(req: &'r Req, name: &str) -> Vec<&'r str> {
    let array = format!("{name}[]");
    req.query
        .iter()
        .filter(|(k, _)| *k == name || *k == array)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .collect()
}

/// `q` (every word must appear in the title or text), filtered by `type`, `bucket_id`,
/// `creator_id`, `exclude_chat`; title matches rank first, then the most recent.
/// Paged with `page` and `per_page` (default 50).
pub fn search(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let q = req.param("q").map(str::trim).unwrap_or("");
    if q.is_empty() {
        return Err(ApiError::bad_request("The q parameter is required"));
    }
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let types = {
        let mut t = values(req, "type");
        t.extend(values(req, "type_names"));
        t
    };
    let ids = |name: &str, plural: &str| -> Vec<i64> {
        let mut v = values(req, name);
        v.extend(values(req, plural));
        v.iter().filter_map(|s| s.parse().ok()).collect()
    };
    let buckets = ids("bucket_id", "bucket_ids");
    let creators = ids("creator_id", "creator_ids");
    let exclude_chat = matches!(req.param("exclude_chat"), Some("1" | "true"));
    let per_page = req
        .param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(50);
    let mut hits: Vec<(bool, &Recording)> = store
        .recordings
        .values()
        .filter(|r| r.status == Status::Active && searchable(r.kind))
        .filter(|r| store.in_active_project(r))
        .filter(|r| types.is_empty() || types.iter().any(|t| search_type(r.kind, t)))
        .filter(|r| buckets.is_empty() || buckets.contains(&r.bucket))
        .filter(|r| creators.is_empty() || creators.contains(&r.creator))
        .filter(|r| !(exclude_chat && r.kind.is_line()))
        .filter_map(|r| {
            let title = r.title.to_lowercase();
            let text = [r.content.as_deref(), r.description.as_deref()]
                .into_iter()
                .flatten()
                .map(|h| plain_text(h).to_lowercase())
                .collect::<Vec<_>>()
                .join("\n");
            let all = words
                .iter()
                .all(|w| title.contains(w.as_str()) || text.contains(w.as_str()));
            all.then(|| (words.iter().all(|w| title.contains(w.as_str())), r))
        })
        .collect();
    hits.sort_by_key(|(in_title, r)| (Reverse(*in_title), Reverse((r.updated_at, r.id))));
    let items = hits
        .into_iter()
        .map(|(_, r)| Item::Rendered(render::search_hit(store, r, q), r.updated_at))
        .collect();
    Ok(Reply::List {
        items,
        paging: Paging::PerPage(per_page),
    })
}

pub fn search_metadata(_store: &mut Store, _req: &Req) -> Result<Reply, ApiError> {
    let kv = |k: Option<&str>, v: &str| json!({"key": k, "value": v});
    Ok(Reply::ok(
        json!({
            "recording_search_types": [
                kv(None, "Search Everything"), kv(Some("Kanban::Card"), "Card tables"),
                kv(Some("Chat::Transcript"), "Chats"), kv(Some("Comment"), "Comments"),
                kv(Some("Document"), "Documents"), kv(Some("Schedule::Entry"), "Events"),
                kv(Some("Attachment"), "Files"), kv(Some("Vault"), "Folders"),
                kv(Some("Message"), "Messages"), kv(Some("Todo"), "To-dos"),
            ],
            "file_search_types": [
                kv(None, "All files"), kv(Some("Image"), "Images"), kv(Some("Audio"), "Audios"),
                kv(Some("Video"), "Videos"), kv(Some("PDF"), "PDFs"),
            ],
            "default_creator_label": "by Anyone",
            "default_bucket_label": "Everywhere",
            "default_circle_label": "with Anyone",
            "default_file_type_label": "All files",
            "default_type_label": "Search Everything",
        }),
        0,
    ))
}

/// The caller's active to-dos and cards in active projects, `done` or not.
fn assigned(store: &Store, me: i64, done: bool) -> Vec<&Recording> {
    store
        .recordings
        .values()
        .filter(|r| matches!(r.kind, Kind::Todo | Kind::Card) && r.status == Status::Active)
        .filter(|r| r.assignees.contains(&me))
        .filter(|r| store.in_active_project(r))
        .filter(|r| {
            let completed = match r.kind {
                Kind::Card => render::card_completed(store, r),
                _ => r.completion.is_some(),
            };
            completed == done
        })
        .collect()
}

fn by_due_date(recs: &mut [&Recording]) {
    recs.sort_by_key(|r| (r.due_on.is_none(), r.due_on, r.created_at, r.id));
}

fn newest(recs: &[&Recording]) -> i64 {
    recs.iter().map(|r| r.updated_at).max().unwrap_or(0)
}

/// Not paginated: `{priorities, non_priorities}` in full.
pub fn assignments(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let mut open = assigned(store, req.me, false);
    by_due_date(&mut open);
    let chosen = store.priorities.get(&req.me).cloned().unwrap_or_default();
    let priorities: Vec<Value> = chosen
        .iter()
        .filter_map(|id| open.iter().find(|r| r.id == *id))
        .map(|r| render::assignment(store, r, Some(r.id + 1_000_000)))
        .collect();
    let others: Vec<Value> = open
        .iter()
        .filter(|r| !chosen.contains(&r.id))
        .map(|r| render::assignment(store, r, None))
        .collect();
    Ok(Reply::ok(
        json!({"priorities": priorities, "non_priorities": others}),
        newest(&open),
    ))
}

/// Not paginated; most recently completed first.
pub fn completed_assignments(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let mut done = assigned(store, req.me, true);
    done.sort_by_key(|r| Reverse((r.completion.map_or(r.updated_at, |c| c.at), r.id)));
    let body: Vec<Value> = done
        .iter()
        .map(|r| render::assignment(store, r, None))
        .collect();
    Ok(Reply::ok(Value::Array(body), newest(&done)))
}

const SCOPES: [&str; 6] = [
    "overdue",
    "due_today",
    "due_tomorrow",
    "due_later_this_week",
    "due_next_week",
    "due_later",
];

/// Whether `due` falls in `scope` as seen on `today` (weeks run Monday to Sunday).
fn in_scope(scope: &str, due: NaiveDate, today: NaiveDate) -> bool {
    let tomorrow = today + Duration::days(1);
    let week_end = today + Duration::days(6 - i64::from(today.weekday().num_days_from_monday()));
    let next_week_end = week_end + Duration::days(7);
    match scope {
        "overdue" => due < today,
        "due_today" => due == today,
        "due_tomorrow" => due == tomorrow,
        "due_later_this_week" => due > tomorrow && due <= week_end,
        "due_next_week" => due > week_end.max(tomorrow) && due <= next_week_end,
        _ => due > next_week_end,
    }
}

/// Not paginated; `scope` defaults to `overdue`; soonest due first.
pub fn due_assignments(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let scope = req.param("scope").unwrap_or("overdue");
    if !SCOPES.contains(&scope) {
        return Err(ApiError::bad_request(format!(
            "Invalid scope '{scope}'. Valid options: {}",
            SCOPES.join(", ")
        )));
    }
    let today = store.today();
    let mut due: Vec<&Recording> = assigned(store, req.me, false)
        .into_iter()
        .filter(|r| r.due_on.is_some_and(|d| in_scope(scope, d, today)))
        .collect();
    by_due_date(&mut due);
    let body: Vec<Value> = due
        .iter()
        .map(|r| render::assignment(store, r, None))
        .collect();
    Ok(Reply::ok(Value::Array(body), newest(&due)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_scopes_partition_the_future() {
        // A Wednesday.
        let today = NaiveDate::from_ymd_opt(2026, 3, 25).unwrap();
        let scope_of = |days: i64| {
            let due = today + Duration::days(days);
            SCOPES
                .iter()
                .filter(|s| in_scope(s, due, today))
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(scope_of(-1), ["overdue"]);
        assert_eq!(scope_of(0), ["due_today"]);
        assert_eq!(scope_of(1), ["due_tomorrow"]);
        assert_eq!(scope_of(4), ["due_later_this_week"]); // Sunday
        assert_eq!(scope_of(5), ["due_next_week"]); // Monday
        assert_eq!(scope_of(11), ["due_next_week"]); // Sunday after
        assert_eq!(scope_of(12), ["due_later"]);
    }
}
