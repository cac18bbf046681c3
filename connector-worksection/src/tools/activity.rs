//! Activity and reports: the event log for a period, project statistics, the team's
//! workload.

use std::collections::BTreeMap;

use connector_core::{
    Error, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ws, page, tasks::load_tasks};
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListEvents)
        .with(GetProjectStats)
        .with(GetTeamWorkload)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsInput {
    /// How far back: minutes (1m-360m), hours (1h-72h) or days (1d-30d), e.g. `3d`.
    #[schemars(regex(pattern = r"^[0-9]{1,3}[mhd]$"))]
    pub period: String,
    /// Only this project.
    pub project_id: Option<String>,
    /// Events per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

fn check_period(p: &str) -> connector_core::Result<()> {
    let (n, unit) = p.split_at(p.len().saturating_sub(1));
    let n: u32 = n.parse().map_err(|_| {
        Error::invalid_input(format!(
            "argument `period`: `{p}` is not like 3d, 12h or 30m"
        ))
    })?;
    let max = match unit {
        "m" => 360,
        "h" => 72,
        "d" => 30,
        _ => 0,
    };
    if n == 0 || n > max {
        return Err(Error::invalid_input(format!(
            "argument `period`: `{p}` is out of range (1m-360m, 1h-72h, 1d-30d)"
        )));
    }
    Ok(())
}

/// A value in an event's `new`/`old`: people compacted, text made readable.
fn change_value(key: &str, v: &Value) -> Value {
    let is_person = v.get("email").is_some() || (v.get("name").is_some() && v.get("id").is_some());
    if is_person {
        model::person(v)
    } else if key == "text" {
        json!(model::text(Some(v)))
    } else {
        v.clone()
    }
}

fn event(v: &Value) -> Value {
    let obj = v.get("object").unwrap_or(&Value::Null);
    let new = v.get("new").and_then(Value::as_object);
    let old = v.get("old").and_then(Value::as_object);
    // What changed: every key of `new`, with its old value when there is one.
    let mut changes = serde_json::Map::new();
    if let Some(new) = new {
        for (k, nv) in new {
            let mut c = json!({"new": change_value(k, nv)});
            if let Some(ov) = old.and_then(|o| o.get(k)) {
                c["old"] = change_value(k, ov);
            }
            changes.insert(k.clone(), c);
        }
    }
    // The project is in the object's page path: /project/6622/330090/.
    let project = obj
        .get("page")
        .and_then(Value::as_str)
        .and_then(|p| p.strip_prefix("/project/"))
        .and_then(|p| p.split('/').next())
        .filter(|id| !id.is_empty());
    let mut out = json!({
        "action": v.get("action"),
        "type": obj.get("type"),
        "object_id": obj.get("id").and_then(model::id),
        "project_id": project,
        "by": v.get("user_from").map(model::person),
        "at": model::iso(v.get("date_added")),
    });
    if let Some(name) = new.and_then(|n| n.get("title").or_else(|| n.get("name"))) {
        out["name"] = name.clone();
    }
    if !changes.is_empty() {
        out["changes"] = Value::Object(changes);
    }
    out
}

tool! {
    pub struct ListEvents for Ws {
        name: "worksection_list_events",
        title: "List recent activity",
        access: Read,
        annotations: READ,
        description: "Lists what happened in a recent period (e.g. 3d, 12h): who created, changed, closed or commented what, with counts by event type. One project or the whole account. Pages with `cursor`.",
    }
    async fn call(client, input: EventsInput, ctx) -> Value {
        check_period(&input.period)?;
        let (answer, snapshot) = client.read_list("get_events", Params::new().with("period", &input.period).opt("id_project", input.project_id.as_deref()), input.cursor.as_deref()).await?;
        let events: Vec<Value> = model::list(&answer).iter().map(event).collect();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in &events {
            let key = format!("{}:{}", e["type"].as_str().unwrap_or("other"), e["action"].as_str().unwrap_or("other"));
            *counts.entry(key).or_default() += 1;
        }
        let mut out = json!(page(events, input.cursor.as_deref(), input.limit, json!({"period": input.period, "project": input.project_id}), ctx.budget, snapshot)?);
        out["counts"] = json!(counts);
        Ok(out)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectId {
    /// The project's id.
    pub project_id: String,
}

tool! {
    pub struct GetProjectStats for Ws {
        name: "worksection_get_project_stats",
        title: "Get project statistics",
        access: Read,
        annotations: READ,
        description: "Summarises a project: tasks open and done, overdue, unassigned, by assignee and by priority, and the time and money logged against its budget.",
    }
    async fn call(client, input: ProjectId, _) -> Value {
        let (tasks, _) = load_tasks(client, Some(&input.project_id), false, true, None).await?;
        let today = model::today_iso();
        let open: Vec<&Value> = tasks.iter().filter(|t| t["status"] != "done").collect();
        let mut by_assignee: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_priority: BTreeMap<i64, usize> = BTreeMap::new();
        let mut unassigned = 0;
        for t in &open {
            match t.get("assignee").and_then(|a| a.get("email")).and_then(Value::as_str) {
                Some(e) => *by_assignee.entry(e.to_owned()).or_default() += 1,
                None => unassigned += 1,
            }
            *by_priority.entry(t.get("priority").and_then(Value::as_i64).unwrap_or(0)).or_default() += 1;
        }
        let overdue = open.iter().filter(|t| t.get("due").and_then(Value::as_str).is_some_and(|d| d < today.as_str())).count();
        let totals = client.read("get_costs_total", Params::new().with("id_project", &input.project_id)).await?;
        let project = client.read("get_project", Params::new().with("id_project", &input.project_id)).await?;
        let project = model::project(&model::object(&project, "project")?);
        Ok(json!({
            "project": {"id": project.get("id"), "name": project.get("name"), "status": project.get("status"), "due": project.get("due"), "max_time": project.get("max_time"), "max_money": project.get("max_money")},
            "tasks": {"total": tasks.len(), "open": open.len(), "done": tasks.len() - open.len(), "overdue": overdue, "unassigned": unassigned},
            "open_by_assignee": by_assignee,
            "open_by_priority": by_priority,
            "logged": totals.get("total"),
        }))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

tool! {
    pub struct GetTeamWorkload for Ws {
        name: "worksection_get_team_workload",
        title: "Get the team's workload",
        access: Read,
        annotations: READ,
        description: "Summarises the open work of every member: open and overdue tasks assigned to each, busiest first, plus how many open tasks nobody is assigned to.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let (tasks, _) = load_tasks(client, None, true, true, None).await?;
        let today = model::today_iso();
        let mut per: BTreeMap<String, (Value, usize, usize)> = BTreeMap::new();
        let mut unassigned = 0;
        for t in &tasks {
            let Some(a) = t.get("assignee").filter(|a| a.get("email").is_some()) else {
                unassigned += 1;
                continue;
            };
            let key = a.get("email").and_then(Value::as_str).unwrap_or_default().to_owned();
            let e = per.entry(key).or_insert_with(|| (a.clone(), 0, 0));
            e.1 += 1;
            if t.get("due").and_then(Value::as_str).is_some_and(|d| d < today.as_str()) {
                e.2 += 1;
            }
        }
        let mut members: Vec<Value> = per.into_values().map(|(who, open, overdue)| json!({"member": who, "open_tasks": open, "overdue_tasks": overdue})).collect();
        members.sort_by_key(|m| std::cmp::Reverse(m["open_tasks"].as_u64().unwrap_or(0)));
        Ok(json!({"open_tasks": tasks.len(), "unassigned": unassigned, "members": members}))
    }
}
