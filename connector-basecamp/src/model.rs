//! Basecamp's payloads, compacted for a model.
//!
//! A Basecamp record repeats itself: every nested person carries a signed avatar URL and
//! an attachable sgid, every record its API, app, bookmark, subscription and boosts URLs,
//! every project its whole dock. About four fifths of the bytes say nothing a model can
//! use. What stays: ids, titles, people as `{id, name}`, the project and parent as
//! `{id, name|title}`, dates, and rich text as readable text with mentions (`@Name`) and
//! attachments (`[file: plan.pdf]`) named.

use connector_core::{
    shape::is_blank,
    text::{MAX_TEXT_CHARS, escape_html, plain},
};
use serde_json::{Map, Value, json};

/// Keys that never help a model: URLs (API, app, bookmark, subscription, boosts,
/// comments…), signed ids, avatar images, list positions.
fn is_noise(key: &str) -> bool {
    key == "url"
        || key.ends_with("_url")
        || key.ends_with("_sgid")
        || matches!(
            key,
            "sgid" | "inherits_status" | "personable_type" | "bookmarked" | "position" | "dock"
        )
}

/// Values that only restate the default: zero counts, unset flags, an active status.
fn is_default(key: &str, v: &Value) -> bool {
    (key.ends_with("_count") && v.as_u64() == Some(0))
        || (matches!(
            key,
            "visible_to_clients" | "highlighted" | "all_day" | "clients_enabled" | "bookmarked"
        ) && v == &Value::Bool(false))
        || (key == "status" && v.as_str() == Some("active"))
}

/// Fields holding rich text (HTML).
const RICH: &[&str] = &["content", "description"];

/// Keys whose value is a person.
const PERSON: &[&str] = &["creator", "assignee", "owner", "completer"];
/// Keys whose value is a list of people.
const PEOPLE: &[&str] = &[
    "assignees",
    "completion_subscribers",
    "subscribers",
    "participants",
    "people",
];

/// A person inside another record: `{id, name}`.
pub fn person(v: &Value) -> Value {
    let mut out = Map::new();
    if let Some(id) = v.get("id") {
        out.insert("id".into(), id.clone());
    }
    if let Some(name) = v.get("name") {
        out.insert("name".into(), name.clone());
    }
    Value::Object(out)
}

/// A person in their own right (the people tools): who they are and what they may do.
pub fn profile(v: &Value) -> Value {
    let mut out = compact(v.clone());
    if let Some(o) = out.as_object_mut() {
        o.remove("bio");
        for flag in [
            "can_ping",
            "can_manage_projects",
            "can_manage_people",
            "can_access_timesheet",
            "can_access_hill_charts",
        ] {
            if o.get(flag) == Some(&json!(true)) {
                continue;
            }
            o.remove(flag);
        }
    }
    out
}

/// Rich text as readable text: mentions as `@Name`, attachments as `[file: name]`, the
/// rest through the HTML renderer, clipped with a marker.
pub fn rich_text(html: &str) -> Option<String> {
    plain(&name_attachments(html), MAX_TEXT_CHARS)
}

/// Replaces each `<bc-attachment …>…</bc-attachment>` with words: Basecamp embeds
/// mentions and files this way, and an HTML renderer would drop them.
fn name_attachments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<bc-attachment") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(open_end) = tail.find('>') else {
            rest = "";
            break;
        };
        let open = &tail[..open_end];
        let self_closing = open.ends_with('/');
        let (inner, after) = if self_closing {
            ("", &tail[open_end + 1..])
        } else {
            match tail.find("</bc-attachment>") {
                Some(close) => (
                    &tail[open_end + 1..close],
                    &tail[close + "</bc-attachment>".len()..],
                ),
                None => (&tail[open_end + 1..], ""),
            }
        };
        let content_type = attribute(open, "content-type").unwrap_or_default();
        let caption = between(inner, "<figcaption>", "</figcaption>")
            .map(|c| strip_tags(c).trim().to_owned())
            .filter(|c| !c.is_empty())
            .or_else(|| attribute(open, "caption"));
        let words = if content_type == "application/vnd.basecamp.mention" {
            let name = caption
                .or_else(|| Some(strip_tags(inner).trim().to_owned()).filter(|n| !n.is_empty()))
                .unwrap_or_else(|| "someone".to_owned());
            format!("@{name}")
        } else {
            let name = attribute(open, "filename")
                .or(caption)
                .unwrap_or_else(|| "attachment".to_owned());
            let kind = if content_type.starts_with("image/") {
                "image"
            } else {
                "file"
            };
            format!(" [{kind}: {name}] ")
        };
        out.push_str(&escape_html(&words));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

/// Text without its tags, entities decoded.
pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Compacts any Basecamp record (or list of them): noise keys go, people become
/// `{id, name}`, the project `{id, name}`, the parent `{id, title, type}`, rich text
/// becomes text, and empty values go.
pub fn compact(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if is_noise(&k) || is_default(&k, &v) {
                    continue;
                }
                let v = match k.as_str() {
                    "bucket" => {
                        out.insert(
                            "project".into(),
                            json!({"id": v.get("id"), "name": v.get("name")}),
                        );
                        continue;
                    }
                    "parent" => {
                        json!({"id": v.get("id"), "title": v.get("title"), "type": v.get("type")})
                    }
                    "completion" => json!({
                        "by": v.get("creator").map(person),
                        "at": v.get("created_at"),
                    }),
                    "company" => json!({"id": v.get("id"), "name": v.get("name")}),
                    key if PERSON.contains(&key) => person(&v),
                    key if PEOPLE.contains(&key) => match v {
                        Value::Array(a) => Value::Array(a.iter().map(person).collect()),
                        other => other,
                    },
                    key if RICH.contains(&key) => match v.as_str() {
                        Some(html) => rich_text(html).map_or(Value::Null, Value::String),
                        None => compact(v),
                    },
                    _ => compact(v),
                };
                if !is_blank(&v) {
                    out.insert(k, compact_nested(v));
                }
            }
            // Basecamp repeats a recording's subject, summary or plain content as `title`.
            if ["subject", "summary", "content"]
                .iter()
                .any(|k| out.get(*k).is_some() && out.get(*k) == out.get("title"))
            {
                out.remove("title");
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(compact).collect()),
        other => other,
    }
}

/// The parts built above hold nulls of their own; drop them too.
fn compact_nested(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !is_blank(v)).collect())
        }
        other => other,
    }
}

/// A project: its fields, and its enabled tools by name with their ids (what other
/// tools take), instead of the whole dock.
pub fn project(v: &Value, with_dock: bool) -> Value {
    let mut out = compact(v.clone());
    let tools: Vec<Value> = v
        .get("dock")
        .and_then(Value::as_array)
        .map(|dock| {
            dock.iter()
                .filter(|t| t.get("enabled") != Some(&json!(false)))
                .map(|t| json!({"name": t.get("name"), "title": t.get("title"), "id": t.get("id")}))
                .collect()
        })
        .unwrap_or_default();
    if !tools.is_empty() {
        out["tools"] = Value::Array(tools);
    }
    if with_dock && let Some(dock) = v.get("dock") {
        out["dock"] = dock
            .as_array()
            .map(|d| Value::Array(d.iter().map(|t| compact_keep_position(t.clone())).collect()))
            .unwrap_or(Value::Null);
    }
    out
}

fn compact_keep_position(v: Value) -> Value {
    let position = v.get("position").cloned();
    let enabled = v.get("enabled").cloned();
    let mut out = compact(v);
    if let Some(p) = position {
        out["position"] = p;
    }
    if let Some(e) = enabled {
        out["enabled"] = e;
    }
    out
}

/// A to-do as a list row: the title, state, people by name and dates.
pub fn todo_row(v: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "id",
        "content",
        "completed",
        "due_on",
        "starts_on",
        "comments_count",
    ] {
        if let Some(x) = v.get(key).filter(|x| !is_blank(x) && **x != json!(0)) {
            out.insert(key.to_owned(), x.clone());
        }
    }
    if let Some(Value::Array(a)) = v.get("assignees")
        && !a.is_empty()
    {
        out.insert(
            "assignees".into(),
            Value::Array(a.iter().map(person).collect()),
        );
    }
    if let Some(d) = v
        .get("description")
        .and_then(Value::as_str)
        .and_then(rich_text)
    {
        out.insert(
            "description".into(),
            json!(connector_core::text::clip(&d, 200)),
        );
    }
    if v.get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s != "active")
    {
        out.insert("status".into(), v["status"].clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_attachments_are_named() {
        let html = r#"<div>Hi <bc-attachment sgid="BAh7" content-type="application/vnd.basecamp.mention"><figure><img src="https://x/avatar"><figcaption>Annie Bryan</figcaption></figure></bc-attachment>, see <bc-attachment sgid="BAh8" content-type="application/pdf" filename="plan &amp; budget.pdf" url="https://x/f"></bc-attachment><br><strong>Thanks!</strong></div>"#;
        let t = rich_text(html).unwrap();
        assert!(t.contains("@Annie Bryan"), "{t}");
        assert!(t.contains("[file: plan & budget.pdf]"), "{t}");
        assert!(t.contains("Thanks!"), "{t}");
        assert!(!t.contains("avatar") && !t.contains("BAh7"), "{t}");
        let img = r#"<bc-attachment content-type="image/png" filename="mock.png"></bc-attachment>"#;
        assert!(rich_text(img).unwrap().contains("[image: mock.png]"));
    }

    #[test]
    fn a_todo_loses_its_noise_and_keeps_what_matters() {
        let raw = json!({
            "id": 1069479576, "status": "active", "title": "Clear and simple UI", "inherits_status": true,
            "url": "https://3.basecampapi.com/1/buckets/2/todos/1069479576.json", "app_url": "https://3.basecamp.com/1/x",
            "bookmark_url": "https://x", "subscription_url": "https://x", "comments_count": 2,
            "parent": {"id": 1069479573, "title": "Strategy ideas", "type": "Todolist", "url": "https://x", "app_url": "https://x"},
            "bucket": {"id": 2085958504, "name": "The Leto Laptop", "type": "Project"},
            "creator": {"id": 1049715938, "attachable_sgid": "BAh7", "name": "Annie Bryan", "avatar_url": "https://x/avatar", "company": {"id": 1, "name": "Honcho"}},
            "description": "<div><em>Try that new language!</em></div>", "completed": true,
            "completion": {"created_at": "2026-02-26T16:42:12.556Z", "creator": {"id": 7, "name": "Victor Cooper", "avatar_url": "https://x"}},
            "assignees": [{"id": 7, "name": "Victor Cooper", "avatar_url": "https://x"}],
            "starts_on": null, "due_on": "2026-03-01"
        });
        assert_eq!(
            compact(raw),
            json!({
                "id": 1069479576, "title": "Clear and simple UI", "comments_count": 2,
                "parent": {"id": 1069479573, "title": "Strategy ideas", "type": "Todolist"},
                "project": {"id": 2085958504, "name": "The Leto Laptop"},
                "creator": {"id": 1049715938, "name": "Annie Bryan"},
                "description": "*Try that new language!*", "completed": true,
                "completion": {"by": {"id": 7, "name": "Victor Cooper"}, "at": "2026-02-26T16:42:12.556Z"},
                "assignees": [{"id": 7, "name": "Victor Cooper"}],
                "due_on": "2026-03-01"
            })
        );
    }

    #[test]
    fn a_project_lists_its_enabled_tools_instead_of_the_dock() {
        let raw = json!({"id": 1, "name": "Leto", "dock": [
            {"id": 10, "title": "To-dos", "name": "todoset", "enabled": true, "position": 1, "url": "https://x"},
            {"id": 11, "title": "Card Table", "name": "kanban_board", "enabled": true, "position": 2, "url": "https://x"},
            {"id": 12, "title": "Card Table 2", "name": "kanban_board", "enabled": true, "position": 3, "url": "https://x"},
            {"id": 13, "title": "Questions", "name": "questionnaire", "enabled": false, "position": null, "url": "https://x"}
        ]});
        let p = project(&raw, false);
        assert_eq!(
            p["tools"],
            json!([
                {"name": "todoset", "title": "To-dos", "id": 10},
                {"name": "kanban_board", "title": "Card Table", "id": 11},
                {"name": "kanban_board", "title": "Card Table 2", "id": 12}
            ])
        );
        assert!(p.get("dock").is_none());
        assert_eq!(project(&raw, true)["dock"].as_array().unwrap().len(), 4);
    }
}
