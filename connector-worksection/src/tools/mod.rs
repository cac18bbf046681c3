//! The tools, one file per area, in catalog order.

mod activity;
pub(crate) mod comments;
mod costs;
pub(crate) mod files;
mod members;
mod projects;
mod tags;
mod tasks;
mod timers;

use std::sync::Arc;

use connector_core::{Budget, DynTool, Page, PageRequest, Result, ToolSet, paginate, schemars};
use serde_json::{Value, json};

use crate::client::WorksectionClient;

pub(crate) type Ws = WorksectionClient;

pub fn all() -> Result<Vec<Arc<dyn DynTool>>> {
    let set = ToolSet::<Ws>::new();
    let set = projects::register(set);
    let set = tasks::register(set);
    let set = comments::register(set);
    let set = costs::register(set);
    let set = timers::register(set);
    let set = members::register(set);
    let set = tags::register(set);
    let set = files::register(set);
    let set = activity::register(set);
    set.build()
}

/// The input of a list tool that takes nothing but paging.
#[derive(Debug, serde::Deserialize, connector_core::schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInput {
    /// Items per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// One page of `items`; the cursor is bound to `query` (the other arguments).
///
/// List inputs carry `limit` and `cursor` as fields of their own (not a flattened
/// struct): serde cannot refuse unknown arguments through a flatten.
pub fn page(
    items: Vec<Value>,
    cursor: Option<&str>,
    limit: Option<u32>,
    query: Value,
    budget: Budget,
    snapshot: u64,
) -> Result<Page<Value>> {
    paginate(
        items,
        PageRequest {
            cursor,
            limit: limit.map(|l| l as usize),
            query: &query,
            budget,
            snapshot: Some(snapshot),
        },
    )
}

/// A page as a table plus the people and projects its rows refer to, each listed once.
pub fn task_table(page: Page<Value>) -> Value {
    let mut people = serde_json::Map::new();
    let mut projects = serde_json::Map::new();
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|t| {
            let mut row = t.clone();
            for (key, col) in [("assignee", "assignee_id"), ("author", "author_id")] {
                if let Some(p) = t.get(key)
                    && let Some(id) = p.get("id").and_then(Value::as_str)
                {
                    people.insert(
                        id.to_owned(),
                        json!({"name": p.get("name"), "email": p.get("email")}),
                    );
                    row[col] = json!(id);
                }
            }
            if let Some(p) = t.get("project")
                && let Some(id) = p.get("id").and_then(Value::as_str)
            {
                projects.insert(id.to_owned(), p.get("name").cloned().unwrap_or(Value::Null));
                row["project_id"] = json!(id);
            }
            if let Some(p) = t.get("parent") {
                row["parent_id"] = p.get("id").cloned().unwrap_or(Value::Null);
            }
            row
        })
        .collect();
    let mut table = connector_core::table(
        Page { items, ..page },
        // Start and closed dates are left to worksection_get_task: rows stay short.
        &[
            "id",
            "name",
            "status",
            "priority",
            "project_id",
            "parent_id",
            "assignee_id",
            "due",
            "tags",
        ],
    );
    table["people"] = Value::Object(people);
    table["projects"] = Value::Object(projects);
    table
}

/// Flattens nested subtasks (`subtasks`) into one list, parents first.
pub fn flatten(tasks: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(tasks.len());
    fn walk(t: Value, parent: Option<Value>, out: &mut Vec<Value>) {
        let mut t = t;
        let children = t.as_object_mut().and_then(|o| o.remove("subtasks"));
        if let (Some(p), Some(o)) = (parent, t.as_object_mut()) {
            o.entry("parent").or_insert(p);
        }
        let me = json!({"id": t.get("id"), "name": t.get("name")});
        out.push(t);
        if let Some(Value::Array(cs)) = children {
            for c in cs {
                walk(c, Some(me.clone()), out);
            }
        }
    }
    for t in tasks {
        walk(t, None, &mut out);
    }
    out
}
