//! The tools, one file per area, in catalog order, and what they share: paging a list
//! read whole through its `Link` headers, a project's tools from its dock, and calls'
//! descriptions for errors.
//!
//! Basecamp pages collections 15, 30, 50, then 100 at a time and says what follows in a
//! `Link` header. A list tool reads the whole collection on its first page (each page a
//! conditional request, so an unchanged one costs a 304), keeps it, and hands the model
//! pages of it with a cursor: every item exactly once, never only the first 15.

mod cards;
mod chat;
mod docs;
mod messages;
mod people;
mod projects;
mod schedule;
mod search;
mod todos;

use std::{future::Future, sync::Arc};

use connector_core::{Budget, DynTool, Error, ErrorKind, Result, ToolSet, cache::Gathered};
use serde_json::Value;

use crate::{client::BasecampClient, error::Call};

pub(crate) type Bc = BasecampClient;

/// Items a list call returns when the model names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;
/// The most items one list reads from Basecamp before it says to narrow the request.
pub const MAX_ITEMS: usize = 5_000;

pub fn all() -> Result<Vec<Arc<dyn DynTool>>> {
    let set = ToolSet::<Bc>::new();
    let set = projects::register(set);
    let set = todos::register(set);
    let set = messages::register(set);
    let set = chat::register(set);
    let set = schedule::register(set);
    let set = cards::register(set);
    let set = docs::register(set);
    let set = search::register(set);
    let set = people::register(set);
    set.build()
}

/// What a request is about, for errors.
pub fn about<'a>(what: &'a str, id: Option<i64>, finder: &'a str) -> Call<'a> {
    Call { what, id, finder }
}

/// A page of a list read whole: the first page gathers it, later pages read the kept
/// snapshot their cursor names.
pub async fn list_page<F, Fut>(
    client: &Bc,
    args: &Value,
    cursor: Option<&str>,
    limit: Option<u32>,
    budget: Budget,
    gather: F,
) -> Result<Value>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Gathered>>,
{
    let limit = limit.map_or(DEFAULT_LIMIT, |l| l as usize).clamp(1, 500);
    client
        .snapshots
        .page(cursor, args, Some(limit), budget, gather)
        .await
}

/// A whole collection, shaped, with a note when it was longer than [`MAX_ITEMS`].
pub async fn gather(
    client: &Bc,
    path: &str,
    query: &[(String, String)],
    call: Call<'_>,
    shape: impl Fn(&Value) -> Value,
) -> Result<Gathered> {
    let (items, unread) = client.list_all(path, query, call, MAX_ITEMS).await?;
    Ok(Gathered {
        items: items.iter().map(shape).collect(),
        note: unread.map(|u| {
            let of = u.total.map(|t| format!(" of {t}")).unwrap_or_default();
            format!("only the first {MAX_ITEMS}{of} were read; narrow the request to see the rest")
        }),
    })
}

/// A project's tools of one kind from its dock (`todoset`, `message_board`, `chat`,
/// `schedule`, `vault`, `kanban_board`): `(id, title)` of each enabled one. A project
/// may have several card tables; most tools have one.
pub async fn dock(client: &Bc, project_id: i64, name: &str) -> Result<Vec<(i64, String)>> {
    let project = client
        .get(
            &format!("/projects/{project_id}.json"),
            &[],
            about("project", Some(project_id), "basecamp_list_projects"),
        )
        .await?;
    let found: Vec<(i64, String)> = project
        .get("dock")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("name").and_then(Value::as_str) == Some(name))
        .filter(|t| t.get("enabled").and_then(Value::as_bool) != Some(false))
        .filter_map(|t| {
            Some((
                t.get("id")?.as_i64()?,
                t.get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_owned(),
            ))
        })
        .collect();
    if found.is_empty() {
        let tool = match name {
            "todoset" => "To-dos",
            "message_board" => "Message Board",
            "chat" => "Campfire",
            "schedule" => "Schedule",
            "vault" => "Docs & Files",
            "kanban_board" => "Card Table",
            other => other,
        };
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "project {project_id} has no {tool} switched on; a project admin can turn it on in the project's tools, or basecamp_get_project shows which tools it has"
            ),
        ));
    }
    Ok(found)
}

/// The one tool of a kind a project has (all but card tables come singly).
pub async fn dock_one(client: &Bc, project_id: i64, name: &str) -> Result<i64> {
    Ok(dock(client, project_id, name).await?[0].0)
}

/// Either of two ways to say which container: its own id, or the project that has it.
pub async fn container(
    client: &Bc,
    own: Option<i64>,
    project_id: Option<i64>,
    dock_name: &str,
    own_arg: &str,
) -> Result<i64> {
    match (own, project_id) {
        (Some(id), _) => Ok(id),
        (None, Some(p)) => dock_one(client, p, dock_name).await,
        (None, None) => Err(Error::invalid_input(format!(
            "give `{own_arg}` or `project_id` to say which one"
        ))),
    }
}
