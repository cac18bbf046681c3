//! Every object the fake prints, in the shapes of the official bc3-api examples: people
//! (in full wherever one is nested, signed avatar URLs and all), the `bucket` and `parent`
//! references, the fields every recording shares, then each kind's own fields, projects
//! with their docks, events and assignments. The bloat is deliberate: the connector's job
//! is to trim it.

use serde_json::{Map, Value, json};

use super::{
    model::{ColumnKind, Kind, Recording, Span, Store},
    rich,
    util::{date_of, escape_html, fmt_date, fmt_time, plain_text, signed_gid, signed_int},
};

pub fn person_sgid(store: &Store, id: i64) -> String {
    signed_gid("Person", id, "attachable", &store.secret)
}

pub fn avatar_url(store: &Store, id: i64) -> String {
    format!(
        "{}/people/{}/avatar?v=1",
        store.urls.api,
        signed_int(id, &store.secret)
    )
}

pub fn person(store: &Store, id: i64) -> Value {
    let Some(p) = store.people.get(&id) else {
        return Value::Null;
    };
    let mut v = json!({
        "id": p.id,
        "attachable_sgid": person_sgid(store, p.id),
        "name": p.name,
        "email_address": p.email,
        "personable_type": "User",
        "title": p.title,
        "bio": p.bio,
        "location": p.location,
        "created_at": fmt_time(p.created_at),
        "updated_at": fmt_time(p.updated_at),
        "admin": p.admin,
        "owner": p.owner,
        "client": p.client,
        "employee": p.employee,
        "time_zone": p.time_zone,
        "avatar_url": avatar_url(store, p.id),
        "can_ping": true,
        "can_manage_projects": !p.client,
        "can_manage_people": !p.client,
        "can_access_timesheet": p.admin || p.owner,
        "can_access_hill_charts": !p.client,
    });
    if let (Some((cid, cname)), Some(map)) = (&p.company, v.as_object_mut()) {
        map.insert("company".into(), json!({"id": cid, "name": cname}));
    }
    v
}

pub fn people(store: &Store, ids: &[i64]) -> Value {
    Value::Array(
        ids.iter()
            .filter(|id| store.people.contains_key(id))
            .map(|id| person(store, *id))
            .collect(),
    )
}

pub fn bucket(store: &Store, project: i64) -> Value {
    let name = store.projects.get(&project).map(|p| p.name.as_str());
    json!({"id": project, "name": name, "type": "Project"})
}

/// `…/buckets/{project}/{segment}/{id}.json`, the form every `url` takes.
pub fn url(store: &Store, r: &Recording) -> String {
    let api = &store.urls.api;
    match (r.kind.is_line(), r.parent) {
        (true, Some(chat)) => format!(
            "{api}/buckets/{}/chats/{chat}/lines/{}.json",
            r.bucket, r.id
        ),
        _ => format!(
            "{api}/buckets/{}/{}/{}.json",
            r.bucket,
            r.kind.segment(),
            r.id
        ),
    }
}

pub fn app_url(store: &Store, r: &Recording) -> String {
    let app = &store.urls.app;
    let parent = r.parent.and_then(|p| store.rec(p));
    match (r.kind, parent) {
        (Kind::Comment | Kind::Step, Some(parent)) => {
            format!("{}#__recording_{}", app_url(store, parent), r.id)
        }
        (k, Some(chat)) if k.is_line() => {
            format!("{app}/buckets/{}/chats/{}@{}", r.bucket, chat.id, r.id)
        }
        _ => format!("{app}/buckets/{}/{}/{}", r.bucket, r.kind.segment(), r.id),
    }
}

/// `…/buckets/{project}/recordings/{id}/{what}`: subscription, comments, boosts.
fn recording_url(store: &Store, r: &Recording, what: &str) -> String {
    format!(
        "{}/buckets/{}/recordings/{}/{what}",
        store.urls.api, r.bucket, r.id
    )
}

fn bookmark_url(store: &Store, r: &Recording) -> String {
    format!(
        "{}/my/bookmarks/{}.json",
        store.urls.api,
        signed_gid("Recording", r.id, "readable", &store.secret)
    )
}

pub fn parent_ref(store: &Store, r: &Recording) -> Value {
    json!({
        "id": r.id,
        "title": r.title,
        "type": r.kind.type_name(),
        "url": url(store, r),
        "app_url": app_url(store, r),
    })
}

/// The fields every recording shares, in the examples' order of appearance.
fn base(store: &Store, r: &Recording) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("status".into(), json!(r.status.as_str()));
    m.insert("visible_to_clients".into(), json!(r.visible_to_clients));
    m.insert("created_at".into(), json!(fmt_time(r.created_at)));
    m.insert("updated_at".into(), json!(fmt_time(r.updated_at)));
    m.insert("title".into(), json!(r.title));
    m.insert("inherits_status".into(), json!(true));
    m.insert("type".into(), json!(r.kind.type_name()));
    m.insert("url".into(), json!(url(store, r)));
    m.insert("app_url".into(), json!(app_url(store, r)));
    m.insert("bookmark_url".into(), json!(bookmark_url(store, r)));
    if r.kind.subscribable() {
        m.insert(
            "subscription_url".into(),
            json!(recording_url(store, r, "subscription.json")),
        );
    }
    if r.kind.commentable() {
        m.insert("comments_count".into(), json!(store.comments_count(r.id)));
        m.insert(
            "comments_url".into(),
            json!(recording_url(store, r, "comments.json")),
        );
    }
    if r.kind.boostable() {
        m.insert("boosts_count".into(), json!(r.boosts));
        m.insert(
            "boosts_url".into(),
            json!(recording_url(store, r, "boosts.json")),
        );
    }
    if r.kind.shows_position()
        && let Some(p) = r.position
    {
        m.insert("position".into(), json!(p));
    }
    if let Some(parent) = r.parent.and_then(|p| store.rec(p)) {
        m.insert("parent".into(), parent_ref(store, parent));
    }
    m.insert("bucket".into(), bucket(store, r.bucket));
    m.insert("creator".into(), person(store, r.creator));
    m
}

/// (completed, total) over a list's active to-dos.
fn todo_ratio(store: &Store, list: i64) -> (usize, usize) {
    let todos = store.active_children(list, |k| k == Kind::Todo);
    let done = todos.iter().filter(|t| t.completion.is_some()).count();
    (done, todos.len())
}

fn completed(done: usize, total: usize) -> bool {
    total > 0 && done == total
}

/// A card counts as done when it sits in a Done column or was completed directly.
pub fn card_completed(store: &Store, r: &Recording) -> bool {
    r.completion.is_some()
        || r.parent
            .and_then(|p| store.rec(p))
            .is_some_and(|c| c.kind == Kind::Column(ColumnKind::Done))
}

/// Rich text as a recording prints it: the HTML under `key`, the files it embeds under
/// `{key}_attachments`.
fn rich_text(put: &mut impl FnMut(&str, Value), store: &Store, key: &str, html: Option<&str>) {
    put(key, json!(html.unwrap_or_default()));
    put(
        &format!("{key}_attachments"),
        rich::attachments_of(store, html),
    );
}

/// Who does an assignable recording (a to-do, a card) by when, and where it is completed.
fn assignment_fields(
    put: &mut impl FnMut(&str, Value),
    store: &Store,
    r: &Recording,
    completion_url: String,
) {
    put("due_on", json!(r.due_on.map(fmt_date)));
    put("assignees", people(store, &r.assignees));
    put(
        "completion_subscribers",
        people(store, &r.completion_subscribers),
    );
    put("completion_url", json!(completion_url));
}

/// A recording as `GET` answers it. `detail` adds what only the single-object form
/// carries (a card's steps).
pub fn recording(store: &Store, r: &Recording, detail: bool) -> Value {
    let mut m = base(store, r);
    let api = &store.urls.api;
    let b = r.bucket;
    let id = r.id;
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    match r.kind {
        Kind::Todoset => {
            let lists = store.active_children(id, |k| k == Kind::Todolist);
            let (mut done, mut total) = (0, 0);
            let summaries: Vec<Value> = lists
                .iter()
                .map(|l| {
                    let (d, t) = todo_ratio(store, l.id);
                    done += d;
                    total += t;
                    json!({
                        "id": l.id, "title": l.title,
                        "description": l.description.as_deref().filter(|d| !d.is_empty()),
                        "completed": completed(d, t), "completed_ratio": format!("{d}/{t}"),
                        "url": url(store, l), "app_url": app_url(store, l),
                    })
                })
                .collect();
            put("completed", json!(completed(done, total)));
            put("completed_ratio", json!(format!("{done}/{total}")));
            put("name", json!(r.title));
            put("todolists_count", json!(lists.len()));
            put("todolists", Value::Array(summaries));
            put(
                "todolists_url",
                json!(format!("{api}/buckets/{b}/todosets/{id}/todolists.json")),
            );
            // Sic: the API spells it this way.
            put(
                "app_todoslists_url",
                json!(format!(
                    "{}/buckets/{b}/todosets/{id}/todolists",
                    store.urls.app
                )),
            );
        }
        Kind::Todolist => {
            let (d, t) = todo_ratio(store, id);
            rich_text(&mut put, store, "description", r.description.as_deref());
            put("completed", json!(completed(d, t)));
            put("completed_ratio", json!(format!("{d}/{t}")));
            put("name", json!(r.title));
            put("color", json!(r.color));
            put(
                "groups_url",
                json!(format!("{api}/buckets/{b}/todolists/{id}/groups.json")),
            );
            put(
                "todos_url",
                json!(format!("{api}/buckets/{b}/todolists/{id}/todos.json")),
            );
            put(
                "app_todos_url",
                json!(format!(
                    "{}/buckets/{b}/todolists/{id}/todos",
                    store.urls.app
                )),
            );
            put(
                "comments_app_url",
                json!(format!(
                    "{}/buckets/{b}/recordings/{id}/comments",
                    store.urls.app
                )),
            );
        }
        Kind::Todo => {
            rich_text(&mut put, store, "description", r.description.as_deref());
            put("completed", json!(r.completion.is_some()));
            if let Some(c) = r.completion {
                put(
                    "completion",
                    json!({"created_at": fmt_time(c.at), "creator": person(store, c.by)}),
                );
            }
            put("content", json!(r.title));
            put("starts_on", json!(r.starts_on.map(fmt_date)));
            // The examples print this one flat, unlike every other URL.
            let completion_url = format!("{api}/todos/{id}/completion.json");
            assignment_fields(&mut put, store, r, completion_url);
        }
        Kind::MessageBoard => {
            put(
                "messages_count",
                json!(store.active_children(id, |k| k == Kind::Message).len()),
            );
            put(
                "messages_url",
                json!(format!(
                    "{api}/buckets/{b}/message_boards/{id}/messages.json"
                )),
            );
            put(
                "app_messages_url",
                json!(format!(
                    "{}/buckets/{b}/message_boards/{id}/messages",
                    store.urls.app
                )),
            );
        }
        Kind::Message => {
            rich_text(&mut put, store, "content", r.content.as_deref());
            put("subject", json!(r.title));
        }
        Kind::Comment => {
            rich_text(&mut put, store, "content", r.content.as_deref());
        }
        Kind::Chat => {
            put("topic", json!(r.title));
            put(
                "lines_url",
                json!(format!("{api}/buckets/{b}/chats/{id}/lines.json")),
            );
            put(
                "files_url",
                json!(format!("{api}/buckets/{b}/chats/{id}/uploads.json")),
            );
        }
        Kind::ChatText | Kind::ChatRichText => {
            put("content", json!(r.content.clone().unwrap_or_default()));
        }
        Kind::Schedule => {
            put("include_due_assignments", json!(true));
            put(
                "entries_count",
                json!(
                    store
                        .active_children(id, |k| k == Kind::ScheduleEntry)
                        .len()
                ),
            );
            put(
                "entries_url",
                json!(format!("{api}/schedules/{id}/entries.json")),
            );
        }
        Kind::ScheduleEntry => {
            rich_text(&mut put, store, "description", r.description.as_deref());
            put("summary", json!(r.title));
            let span = r.span.unwrap_or(Span {
                starts_at: r.created_at,
                ends_at: r.created_at,
                all_day: false,
            });
            put("all_day", json!(span.all_day));
            // All-day entries print bare dates, timed ones full timestamps.
            let when = |ms| {
                if span.all_day {
                    json!(fmt_date(date_of(ms)))
                } else {
                    json!(fmt_time(ms))
                }
            };
            put("starts_at", when(span.starts_at));
            put("ends_at", when(span.ends_at));
            put("participants", people(store, &r.people));
            put("join_url", Value::Null);
            put("highlighted", json!(false));
        }
        Kind::CardTable => {
            put("subscribers", people(store, &r.people));
            put(
                "public_link_url",
                json!(format!("{api}/buckets/{b}/recordings/{id}/publication")),
            );
            let lists: Vec<Value> = store
                .active_children(id, Kind::is_column)
                .into_iter()
                .map(|c| recording(store, c, false))
                .collect();
            put("lists", Value::Array(lists));
        }
        Kind::Column(_) => {
            put("description", json!(r.description));
            put("subscribers", people(store, &r.people));
            put("color", json!(r.color));
            put(
                "cards_count",
                json!(store.active_children(id, |k| k == Kind::Card).len()),
            );
            put("comment_count", json!(0));
            put(
                "cards_url",
                json!(format!(
                    "{api}/buckets/{b}/card_tables/lists/{id}/cards.json"
                )),
            );
        }
        Kind::Card => {
            rich_text(&mut put, store, "description", r.content.as_deref());
            put("completed", json!(card_completed(store, r)));
            put("content", json!(r.content.clone().unwrap_or_default()));
            let completion_url = format!("{api}/buckets/{b}/todos/{id}/completion.json");
            assignment_fields(&mut put, store, r, completion_url);
            put("comment_count", json!(store.comments_count(id)));
            if detail {
                let steps: Vec<Value> = store
                    .active_children(id, |k| k == Kind::Step)
                    .into_iter()
                    .map(|s| recording(store, s, false))
                    .collect();
                put("steps", Value::Array(steps));
            }
        }
        Kind::Step => {
            put("completed", json!(r.completion.is_some()));
            put("due_on", json!(r.due_on.map(fmt_date)));
            put("assignees", people(store, &r.assignees));
            // Relative, as in the examples.
            put(
                "completion_url",
                json!(format!(
                    "/{}/buckets/{b}/card_tables/steps/{id}/completions.json",
                    store.account_id
                )),
            );
        }
        Kind::Vault => {
            let count = |k: Kind| store.active_children(id, |c| c == k).len();
            put("documents_count", json!(count(Kind::Document)));
            put(
                "documents_url",
                json!(format!("{api}/vaults/{id}/documents.json")),
            );
            put("uploads_count", json!(count(Kind::Upload)));
            put(
                "uploads_url",
                json!(format!("{api}/vaults/{id}/uploads.json")),
            );
            put("vaults_count", json!(count(Kind::Vault)));
            put(
                "vaults_url",
                json!(format!("{api}/vaults/{id}/vaults.json")),
            );
        }
        Kind::Document => {
            rich_text(&mut put, store, "content", r.content.as_deref());
        }
        Kind::Upload => {
            rich_text(&mut put, store, "description", r.description.as_deref());
            if let Some(f) = &r.file {
                let download = format!(
                    "{api}/buckets/{b}/uploads/{id}/download/{}",
                    url::form_urlencoded::byte_serialize(f.filename.as_bytes()).collect::<String>()
                );
                put("content_type", json!(f.content_type));
                put("byte_size", json!(f.byte_size));
                put("filename", json!(f.filename));
                put("download_url", json!(download));
                put("app_download_url", json!(download));
                put("width", json!(f.width));
                put("height", json!(f.height));
            }
        }
    }
    Value::Object(m)
}

pub fn project(store: &Store, id: i64) -> Value {
    let Some(p) = store.projects.get(&id) else {
        return Value::Null;
    };
    let api = &store.urls.api;
    let dock: Vec<Value> = p
        .dock
        .iter()
        .map(|t| {
            json!({
                "id": t.id, "title": t.title, "name": t.name, "enabled": t.enabled,
                "position": t.position,
                "url": format!("{api}/buckets/{id}/{}/{}.json", t.segment(), t.id),
                "app_url": format!("{}/buckets/{id}/{}/{}", store.urls.app, t.segment(), t.id),
            })
        })
        .collect();
    let mut v = json!({
        "id": p.id,
        "status": p.status.as_str(),
        "created_at": fmt_time(p.created_at),
        "updated_at": fmt_time(p.updated_at),
        "name": p.name,
        "description": p.description,
        "purpose": "topic",
        "clients_enabled": p.clients_enabled,
        "timesheet_enabled": p.timesheet_enabled,
        "color": Value::Null,
        "last_needle_color": Value::Null,
        "last_needle_position": Value::Null,
        "previous_needle_position": Value::Null,
        "bookmark_url": format!(
            "{api}/my/bookmarks/{}.json",
            signed_gid("Bucket", p.id, "readable", &store.secret)
        ),
        "url": format!("{api}/projects/{id}.json"),
        "app_url": format!("{}/projects/{id}", store.urls.app),
        "dock": dock,
        "bookmarked": false,
    });
    if let Some(map) = v.as_object_mut() {
        if let Some((cid, cname)) = &p.client_company {
            map.insert("client_company".into(), json!({"id": cid, "name": cname}));
            map.insert(
                "clientside".into(),
                json!({
                    "url": format!("{api}/buckets/{id}/client/board.json"),
                    "app_url": format!("{}/buckets/{id}/client/board", store.urls.app),
                }),
            );
        }
        if let (Some(s), Some(e)) = (p.start_date, p.end_date) {
            map.insert("start_date".into(), json!(fmt_date(s)));
            map.insert("end_date".into(), json!(fmt_date(e)));
        }
    }
    v
}

pub fn event(store: &Store, index: usize) -> Value {
    let Some(e) = store.events.get(index) else {
        return Value::Null;
    };
    let bucket = store.rec(e.recording).map_or(0, |r| r.bucket);
    json!({
        "id": e.id,
        "recording_id": e.recording,
        "action": e.action,
        "details": e.details,
        "created_at": fmt_time(e.at),
        "creator": person(store, e.creator),
        "boosts_count": 0,
        "boosts_url": format!(
            "{}/buckets/{bucket}/recordings/{}/events/{}/boosts.json",
            store.urls.api, e.recording, e.id
        ),
    })
}

/// One entry of `/my/assignments*.json` (a to-do or a card assigned to the caller).
pub fn assignment(store: &Store, r: &Recording, priority: Option<i64>) -> Value {
    let app = &store.urls.app;
    let project = store.projects.get(&r.bucket);
    let parent = r.parent.and_then(|p| store.rec(p));
    let completed = match r.kind {
        Kind::Card => card_completed(store, r),
        _ => r.completion.is_some(),
    };
    // The three-key person of `_person_minimal`, not the full one.
    let assignees: Vec<Value> = r
        .assignees
        .iter()
        .filter_map(|id| store.people.get(id))
        .map(|p| json!({"id": p.id, "name": p.name, "avatar_url": avatar_url(store, p.id)}))
        .collect();
    let has_description = r
        .description
        .as_deref()
        .or(r.content.as_deref())
        .is_some_and(|d| !d.is_empty());
    let parent =
        parent.map(|p| json!({"id": p.id, "title": p.title, "app_url": app_url(store, p)}));
    let mut v = json!({
        "id": r.id,
        "app_url": app_url(store, r),
        "content": r.title,
        "starts_on": r.starts_on.map(fmt_date),
        "due_on": r.due_on.map(fmt_date),
        "bucket": {
            "id": r.bucket,
            "name": project.map(|p| p.name.as_str()),
            "app_url": format!("{app}/buckets/{}", r.bucket),
        },
        "completed": completed,
        "type": if r.kind == Kind::Card { "card" } else { "todo" },
        "assignees": assignees,
        "comments_count": store.comments_count(r.id),
        "has_description": has_description,
        "parent": parent,
        "children": [],
    });
    if let (Some(pid), Some(map)) = (priority, v.as_object_mut()) {
        map.insert("priority_recording_id".into(), json!(pid));
    }
    v
}

/// Search hits carry the recording plus plain-text renderings with the terms in `<em>`.
pub fn search_hit(store: &Store, r: &Recording, q: &str) -> Value {
    let mut v = recording(store, r, false);
    let content = r.content.as_deref();
    let description = r.description.as_deref();
    if let Some(map) = v.as_object_mut() {
        map.entry("content").or_insert(json!(content));
        map.entry("description").or_insert(json!(description));
        let text = content.map(plain_text).unwrap_or_else(|| r.title.clone());
        map.insert("plain_text_content".into(), json!(highlight(&text, q)));
        map.insert(
            "plain_text_description".into(),
            json!(highlight(
                &description.map(plain_text).unwrap_or_else(|| text.clone()),
                q
            )),
        );
    }
    v
}

/// HTML-escapes `text` and wraps case-insensitive matches of `q` in `<em>`.
fn highlight(text: &str, q: &str) -> String {
    let escape = escape_html;
    let lower = text.to_lowercase();
    let needle = q.trim().to_lowercase();
    // Lowercasing can change byte offsets outside ASCII; then no highlighting.
    if needle.is_empty() || lower.len() != text.len() {
        return escape(text);
    }
    let mut out = String::new();
    let mut at = 0;
    while let Some(pos) = lower[at..].find(&needle) {
        let start = at + pos;
        let end = start + needle.len();
        out.push_str(&escape(&text[at..start]));
        out.push_str("<em>");
        out.push_str(&escape(&text[start..end]));
        out.push_str("</em>");
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}
