//! Worksection's payloads, decoded leniently and compacted for a model.
//!
//! The API is loose: ids come as strings or numbers, `tags` as a map or an empty array,
//! `data` may be missing from an empty list, dates come as `YYYY-MM-DD HH:MM` in account
//! time. Everything a tool returns passes through here: people become `{id, name, email}`,
//! projects `{id, name}`, `page` paths are dropped, HTML becomes text, long text is clipped.

use connector_core::{Error, Result, shape::is_blank};
use serde_json::{Map, Value, json};

/// An id as Worksection sends it (string or number), as a string.
pub fn id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `data` array of a list answer; a missing `data` is an empty list.
pub fn list(envelope: &Value) -> Vec<Value> {
    match envelope.get("data") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The `data` object of a single-object answer.
pub fn object(envelope: &Value, what: &str) -> Result<Value> {
    match envelope.get("data") {
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        Some(Value::Array(a)) if a.len() == 1 => Ok(a[0].clone()),
        _ => Err(Error::new(
            connector_core::ErrorKind::Upstream,
            format!("Worksection's answer has no {what}; the API may have changed"),
        )),
    }
}

/// A person: `{id, name, email}`; the "nobody" and "anyone" placeholders keep their name.
pub fn person(v: &Value) -> Value {
    let mut out = Map::new();
    if let Some(i) = v.get("id").and_then(id) {
        out.insert("id".into(), json!(i));
    }
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let first = v.get("first_name").and_then(Value::as_str).unwrap_or("");
            let last = v.get("last_name").and_then(Value::as_str).unwrap_or("");
            let full = format!("{first} {last}").trim().to_owned();
            (!full.is_empty()).then_some(full)
        });
    if let Some(n) = name {
        out.insert("name".into(), json!(n));
    }
    if let Some(e) = v
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
    {
        out.insert("email".into(), json!(e));
    }
    Value::Object(out)
}

/// A member with the fields worth showing.
pub fn member(v: &Value) -> Value {
    let mut out = person(v);
    if let Value::Object(o) = &mut out {
        for key in ["title", "group", "department", "role", "phone", "rate"] {
            if let Some(val) = v.get(key).filter(|x| !is_blank(x)) {
                o.insert(key.into(), val.clone());
            }
        }
    }
    out
}

/// A project reference: `{id, name}`.
pub fn project_ref(v: &Value) -> Value {
    json!({"id": v.get("id").and_then(id), "name": v.get("name").and_then(Value::as_str)})
}

/// `tags` as a list of names, whether a map, a list or absent.
pub fn tags(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Object(o)) => o
            .values()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .or_else(|| t.get("title").and_then(Value::as_str).map(str::to_owned))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `YYYY-MM-DD HH:MM` (account time) as ISO `YYYY-MM-DDTHH:MM`; dates stay `YYYY-MM-DD`.
pub fn iso(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    if s.is_empty() || s.starts_with("0000") {
        return None;
    }
    Some(match s.split_once(' ') {
        Some((d, t)) => format!("{d}T{t}"),
        None => s.to_owned(),
    })
}

pub use connector_core::text::{MAX_TEXT_CHARS, clip};

/// HTML (or text) as readable plain text, clipped with a marker.
pub fn text(v: Option<&Value>) -> Option<String> {
    connector_core::text::plain(v?.as_str()?, MAX_TEXT_CHARS)
}

/// Inserts `key: value` unless the value is blank.
fn put(o: &mut Map<String, Value>, key: &str, value: Value) {
    if !is_blank(&value) {
        o.insert(key.into(), value);
    }
}

/// Worksection's numeric strings (`"5"`, `"50"`) as numbers.
fn number(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Number(n)) => Value::Number(n.clone()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|f| {
                if f.fract() == 0.0 {
                    Some(json!(f as i64))
                } else {
                    serde_json::Number::from_f64(f).map(Value::Number)
                }
            })
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// A compact task. Nested subtasks (`child`) are compacted too.
pub fn task(v: &Value) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", json!(v.get("id").and_then(id)));
    put(
        &mut o,
        "name",
        v.get("name").cloned().unwrap_or(Value::Null),
    );
    put(
        &mut o,
        "status",
        v.get("status").cloned().unwrap_or(Value::Null),
    );
    put(&mut o, "priority", number(v.get("priority")));
    if let Some(p) = v.get("project") {
        put(&mut o, "project", project_ref(p));
    }
    if let Some(p) = v.get("parent") {
        put(
            &mut o,
            "parent",
            json!({"id": p.get("id").and_then(id), "name": p.get("name")}),
        );
    }
    if let Some(u) = v.get("user_to") {
        put(&mut o, "assignee", person(u));
    }
    if let Some(u) = v.get("user_from") {
        put(&mut o, "author", person(u));
    }
    dates_budget_tags_text(&mut o, v);
    if let Some(Value::Array(files)) = v.get("files") {
        put(
            &mut o,
            "files",
            Value::Array(files.iter().map(file).collect()),
        );
    }
    if let Some(Value::Array(comments)) = v.get("comments") {
        put(
            &mut o,
            "comments",
            Value::Array(comments.iter().map(comment).collect()),
        );
    }
    if let Some(Value::Array(subs)) = v.get("subscribers") {
        put(
            &mut o,
            "subscribers",
            Value::Array(subs.iter().map(person).collect()),
        );
    }
    if let Some(rel) = v.get("relations") {
        put(&mut o, "relations", relations(rel));
    }
    if let Some(Value::Array(children)) = v.get("child") {
        put(
            &mut o,
            "subtasks",
            Value::Array(children.iter().map(task).collect()),
        );
    }
    if v.get("has_comments")
        .is_some_and(|h| h == 1 || h == "1" || h == true)
    {
        o.insert("has_comments".into(), json!(true));
    }
    Value::Object(o)
}

/// The fields tasks and projects share: dates, budget, tags and text.
fn dates_budget_tags_text(o: &mut Map<String, Value>, v: &Value) {
    put(o, "created", json!(iso(v.get("date_added"))));
    put(o, "start", json!(iso(v.get("date_start"))));
    put(o, "due", json!(iso(v.get("date_end"))));
    put(o, "closed", json!(iso(v.get("date_closed"))));
    put(o, "max_time", number(v.get("max_time")));
    put(o, "max_money", number(v.get("max_money")));
    put(o, "tags", json!(tags(v.get("tags"))));
    put(o, "text", json!(text(v.get("text"))));
}

fn relations(v: &Value) -> Value {
    let side = |key: &str| -> Value {
        match v.get(key) {
            Some(Value::Array(a)) => Value::Array(
                a.iter()
                    .map(|r| {
                        let t = r.get("task").unwrap_or(&Value::Null);
                        json!({"type": r.get("type"), "task": {"id": t.get("id").and_then(id), "name": t.get("name"), "status": t.get("status")}})
                    })
                    .collect(),
            ),
            _ => Value::Array(Vec::new()),
        }
    };
    json!({"depends_on": side("from"), "blocks": side("to")})
}

/// A compact project.
pub fn project(v: &Value) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", json!(v.get("id").and_then(id)));
    put(
        &mut o,
        "name",
        v.get("name").cloned().unwrap_or(Value::Null),
    );
    put(
        &mut o,
        "status",
        v.get("status").cloned().unwrap_or(Value::Null),
    );
    put(
        &mut o,
        "folder",
        v.get("company").cloned().unwrap_or(Value::Null),
    );
    if let Some(u) = v.get("user_to") {
        put(&mut o, "manager", person(u));
    }
    if let Some(u) = v.get("user_from") {
        put(&mut o, "owner", person(u));
    }
    dates_budget_tags_text(&mut o, v);
    if let Some(Value::Array(users)) = v.get("users") {
        put(
            &mut o,
            "members",
            Value::Array(users.iter().map(person).collect()),
        );
    }
    if let Some(opts) = v.get("options").filter(|x| !is_blank(x)) {
        o.insert("options".into(), opts.clone());
    }
    Value::Object(o)
}

/// A compact comment.
pub fn comment(v: &Value) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", json!(v.get("id").and_then(id)));
    if let Some(u) = v.get("user_from") {
        put(&mut o, "author", person(u));
    }
    put(&mut o, "created", json!(iso(v.get("date_added"))));
    put(&mut o, "text", json!(text(v.get("text"))));
    if let Some(Value::Array(files)) = v.get("files") {
        put(
            &mut o,
            "files",
            Value::Array(files.iter().map(file).collect()),
        );
    }
    Value::Object(o)
}

/// A compact file reference.
pub fn file(v: &Value) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", json!(v.get("id").and_then(id)));
    put(
        &mut o,
        "name",
        v.get("name").cloned().unwrap_or(Value::Null),
    );
    put(&mut o, "size", number(v.get("size")));
    put(&mut o, "created", json!(iso(v.get("date_added"))));
    if let Some(u) = v.get("user_from") {
        put(&mut o, "author", person(u));
    }
    Value::Object(o)
}

/// A compact cost row; `time` stays Worksection's `h:mm` and gains decimal `hours`.
pub fn cost(v: &Value) -> Value {
    let mut o = Map::new();
    put(&mut o, "id", json!(v.get("id").and_then(id)));
    put(&mut o, "date", json!(iso(v.get("date"))));
    put(
        &mut o,
        "time",
        v.get("time").cloned().unwrap_or(Value::Null),
    );
    if let Some(h) = v.get("time").and_then(Value::as_str).and_then(hours) {
        o.insert("hours".into(), json!(h));
    }
    put(&mut o, "money", number(v.get("money")));
    put(&mut o, "comment", json!(text(v.get("comment"))));
    if v.get("is_timer")
        .is_some_and(|t| t == true || t == 1 || t == "1")
    {
        o.insert("from_timer".into(), json!(true));
    }
    if let Some(u) = v.get("user_from") {
        put(&mut o, "member", person(u));
    }
    if let Some(t) = v.get("task") {
        put(
            &mut o,
            "task",
            json!({"id": t.get("id").and_then(id), "name": t.get("name")}),
        );
        if let Some(p) = t.get("project") {
            put(&mut o, "project", project_ref(p));
        }
    }
    Value::Object(o)
}

/// `h:mm` (or `h:mm:ss`) as decimal hours, rounded to hundredths.
pub fn hours(hmm: &str) -> Option<f64> {
    let mut parts = hmm.trim().split(':');
    let h: f64 = parts.next()?.trim().parse().ok()?;
    let m: f64 = parts
        .next()
        .map(|m| m.trim().parse().unwrap_or(0.0))
        .unwrap_or(0.0);
    let s: f64 = parts
        .next()
        .map(|s| s.trim().parse().unwrap_or(0.0))
        .unwrap_or(0.0);
    Some(((h + m / 60.0 + s / 3600.0) * 100.0).round() / 100.0)
}

pub use connector_core::IsoDate;

/// A date argument in the form Worksection takes: `DD.MM.YYYY`.
pub trait WorksectionDate {
    fn to_worksection(&self) -> String;
}

impl WorksectionDate for IsoDate {
    fn to_worksection(&self) -> String {
        self.0.format("%d.%m.%Y").to_string()
    }
}

/// Today's date in UTC as ISO (Worksection's dates are account-local; a day's slack is
/// acceptable for "overdue").
pub fn today_iso() -> String {
    IsoDate::today().iso()
}

/// The ISO date `offset` days from today (negative: in the past).
pub fn iso_days_from_today(offset: i64) -> String {
    IsoDate::today().plus_days(offset).iso()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_decoding() {
        assert_eq!(id(&json!("6622")), Some("6622".into()));
        assert_eq!(id(&json!(72569)), Some("72569".into()));
        assert_eq!(tags(Some(&json!({"105554": "inner"}))), vec!["inner"]);
        assert!(tags(Some(&json!([]))).is_empty());
        assert!(list(&json!({"status": "ok"})).is_empty());
        assert_eq!(
            iso(Some(&json!("2021-01-02 11:21"))).as_deref(),
            Some("2021-01-02T11:21")
        );
        assert_eq!(hours("6:50"), Some(6.83));
    }

    #[test]
    fn dates_are_sent_the_worksection_way() {
        assert_eq!(
            IsoDate::parse("2026-03-31").unwrap().to_worksection(),
            "31.03.2026"
        );
    }

    #[test]
    fn a_task_is_compacted() {
        let raw = json!({
            "id": "330090", "name": "Write report", "page": "/project/6622/330090/", "status": "active", "priority": "5",
            "user_from": {"id": "3993", "email": "henry@ws.com", "name": "Henry"},
            "user_to": {"id": "1", "email": "NOONE", "name": "Executive isn't assigned"},
            "project": {"id": "6622", "name": "Site", "page": "/project/6622/"},
            "date_added": "2021-01-02 11:21", "date_end": "2021-02-01", "tags": {"1": "urgent"}, "max_time": "10"
        });
        let t = task(&raw);
        assert_eq!(t["id"], "330090");
        assert_eq!(t["priority"], 5);
        assert_eq!(t["project"], json!({"id": "6622", "name": "Site"}));
        assert_eq!(t["author"]["email"], "henry@ws.com");
        assert!(t["assignee"].get("email").is_none());
        assert_eq!(t["due"], "2021-02-01");
        assert!(t.get("page").is_none());
        assert_eq!(t["tags"], json!(["urgent"]));
    }
}
