//! To-dos: a project's lists, a list's to-dos (all of them, never only the first 15),
//! one to-do, new lists and to-dos, changes that lose nothing, completion and order.
//!
//! Basecamp replaces a to-do whole on update: a field left out is cleared (leave out
//! `assignee_ids` and everyone is unassigned). So an update reads the to-do, changes
//! what the model asked for, and writes every field back.

use connector_core::{
    Error, IsoDate, ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, container, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListTodolists)
        .with(ListTodos)
        .with(GetTodo)
        .with(CreateTodolist)
        .with(CreateTodo)
        .with(UpdateTodo)
        .with(CompleteTodo)
        .with(UncompleteTodo)
        .with(RepositionTodo)
}

const TO_DO_LISTER: &str = "basecamp_list_todos";
const LIST_FINDER: &str = "basecamp_list_todolists";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListStatus {
    Active,
    Archived,
    Trashed,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTodolistsInput {
    /// The project; its to-do set is found from its tools. Give this or `todoset_id`.
    pub project_id: Option<i64>,
    /// The to-do set's id (the project's `todoset` tool).
    pub todoset_id: Option<i64>,
    /// Which lists; active when absent.
    pub status: Option<ListStatus>,
    /// Lists per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

fn status_query(status: Option<ListStatus>) -> Vec<(String, String)> {
    match status {
        Some(ListStatus::Archived) => vec![("status".into(), "archived".into())],
        Some(ListStatus::Trashed) => vec![("status".into(), "trashed".into())],
        _ => Vec::new(),
    }
}

tool! {
    pub struct ListTodolists for Bc {
        name: "basecamp_list_todolists",
        title: "List a project's to-do lists",
        access: Read,
        annotations: READ,
        description: "Lists a project's to-do lists (active by default, or archived or trashed): id, name, description, how many are done (`completed_ratio` such as \"3/7\"). Pages with `cursor`.",
    }
    async fn call(client, input: ListTodolistsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let todoset = container(client, input.todoset_id, input.project_id, "todoset", "todoset_id").await?;
            gather(client, &format!("/todosets/{todoset}/todolists.json"), &status_query(input.status), about("to-do set", Some(todoset), "basecamp_get_project"), |l| model::compact(l.clone())).await
        }).await
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TodoStatus {
    /// Not yet done (Basecamp's default).
    Active,
    Completed,
    Archived,
    Trashed,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTodosInput {
    pub todolist_id: i64,
    /// Which to-dos; open (not completed) ones when absent.
    pub status: Option<TodoStatus>,
    /// To-dos per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTodos for Bc {
        name: "basecamp_list_todos",
        title: "List to-dos",
        access: Read,
        annotations: READ,
        description: "Lists a to-do list's to-dos — every one, read through all of Basecamp's pages, then handed out a page at a time with `cursor` (each to-do exactly once). Open ones by default, or completed, archived or trashed. Each row: id, title (`content`), assignees, due and start dates, comment count, the start of the description.",
    }
    async fn call(client, input: ListTodosInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let query: Vec<(String, String)> = match input.status {
                Some(TodoStatus::Completed) => vec![("completed".into(), "true".into())],
                Some(TodoStatus::Archived) => vec![("status".into(), "archived".into())],
                Some(TodoStatus::Trashed) => vec![("status".into(), "trashed".into())],
                _ => Vec::new(),
            };
            gather(client, &format!("/todolists/{}/todos.json", input.todolist_id), &query, about("to-do list", Some(input.todolist_id), LIST_FINDER), model::todo_row).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoRef {
    pub todo_id: i64,
}

async fn read_todo(client: &Bc, id: i64) -> connector_core::Result<std::sync::Arc<Value>> {
    client
        .get(
            &format!("/todos/{id}.json"),
            &[],
            about("to-do", Some(id), TO_DO_LISTER),
        )
        .await
}

tool! {
    pub struct GetTodo for Bc {
        name: "basecamp_get_todo",
        title: "Get a to-do",
        access: Read,
        annotations: READ,
        description: "Returns one to-do: title, description as text (mentions as @Name, attachments named), assignees, who is notified on completion, due and start dates, whether and when it was completed and by whom, its list and project, comment count.",
    }
    async fn call(client, input: TodoRef, _ctx) -> Value {
        Ok(model::compact((*read_todo(client, input.todo_id).await?).clone()))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTodolistInput {
    /// The project; its to-do set is found from its tools. Give this or `todoset_id`.
    pub project_id: Option<i64>,
    pub todoset_id: Option<i64>,
    #[schemars(length(min = 1))]
    pub name: String,
    /// What the list is for (plain text or Basecamp rich text HTML).
    pub description: Option<String>,
}

tool! {
    pub struct CreateTodolist for Bc {
        name: "basecamp_create_todolist",
        title: "Create a to-do list",
        access: Write,
        annotations: CREATE,
        description: "Creates a to-do list in a project (a list holds to-dos; to add one to-do to an existing list use basecamp_create_todo). Returns the new list with its id.",
    }
    async fn call(client, input: CreateTodolistInput, _ctx) -> Value {
        let todoset = container(client, input.todoset_id, input.project_id, "todoset", "todoset_id").await?;
        let created = client
            .write(Method::POST, &format!("/todosets/{todoset}/todolists.json"), Some(json!({"name": input.name, "description": input.description})), about("to-do set", Some(todoset), "basecamp_get_project"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTodoInput {
    pub todolist_id: i64,
    /// What needs doing: the to-do's title.
    #[schemars(length(min = 1))]
    pub content: String,
    /// More detail (plain text or Basecamp rich text HTML).
    pub description: Option<String>,
    /// People to assign (ids from basecamp_list_project_people).
    #[serde(default)]
    pub assignee_ids: Vec<i64>,
    /// People to notify when it is completed.
    #[serde(default)]
    pub completion_subscriber_ids: Vec<i64>,
    pub due_on: Option<IsoDate>,
    pub starts_on: Option<IsoDate>,
    /// Tell the assignees now.
    #[serde(default)]
    pub notify: bool,
}

tool! {
    pub struct CreateTodo for Bc {
        name: "basecamp_create_todo",
        title: "Create a to-do",
        access: Write,
        annotations: CREATE,
        description: "Adds a to-do to a to-do list, with optional description, assignees, completion subscribers, due and start dates; `notify` tells the assignees. Returns the new to-do with its id.",
    }
    async fn call(client, input: CreateTodoInput, _ctx) -> Value {
        check_dates(input.starts_on.as_ref(), input.due_on.as_ref())?;
        let body = json!({
            "content": input.content,
            "description": input.description,
            "assignee_ids": input.assignee_ids,
            "completion_subscriber_ids": input.completion_subscriber_ids,
            "due_on": input.due_on,
            "starts_on": input.starts_on,
            "notify": input.notify,
        });
        let created = client
            .write(Method::POST, &format!("/todolists/{}/todos.json", input.todolist_id), Some(body), about("to-do list", Some(input.todolist_id), LIST_FINDER))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

fn check_dates(start: Option<&IsoDate>, due: Option<&IsoDate>) -> connector_core::Result<()> {
    if let (Some(s), Some(d)) = (start, due)
        && d < s
    {
        return Err(Error::invalid_input(format!(
            "argument `due_on`: {d} is before starts_on {s}"
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTodoInput {
    pub todo_id: i64,
    /// A new title.
    pub content: Option<String>,
    /// A new description (plain text or rich text HTML); `""` clears it.
    pub description: Option<String>,
    /// The complete new set of assignees (replaces the current ones).
    pub assignee_ids: Option<Vec<i64>>,
    /// People to assign in addition to the current ones.
    #[serde(default)]
    pub add_assignee_ids: Vec<i64>,
    /// People to unassign; the others stay.
    #[serde(default)]
    pub remove_assignee_ids: Vec<i64>,
    /// The complete new set of people notified on completion.
    pub completion_subscriber_ids: Option<Vec<i64>>,
    pub due_on: Option<IsoDate>,
    pub starts_on: Option<IsoDate>,
    /// Remove the due date.
    #[serde(default)]
    pub clear_due_on: bool,
    /// Remove the start date.
    #[serde(default)]
    pub clear_starts_on: bool,
    /// Tell newly assigned people.
    #[serde(default)]
    pub notify: bool,
}

/// The ids of a to-do's people under `key` (`assignees`, `completion_subscribers`).
fn ids_of(todo: &Value, key: &str) -> Vec<i64> {
    todo.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default()
}

/// The body of a full-replacement update: the to-do as it is, with `input`'s changes.
pub fn merged(current: &Value, input: &UpdateTodoInput) -> connector_core::Result<Value> {
    let mut assignees = input
        .assignee_ids
        .clone()
        .unwrap_or_else(|| ids_of(current, "assignees"));
    for id in &input.add_assignee_ids {
        if !assignees.contains(id) {
            assignees.push(*id);
        }
    }
    assignees.retain(|id| !input.remove_assignee_ids.contains(id));
    let keep = |key: &str| current.get(key).cloned().filter(|v| !v.is_null());
    let due_on = if input.clear_due_on {
        None
    } else {
        input.due_on.map(|d| json!(d)).or_else(|| keep("due_on"))
    };
    let starts_on = if input.clear_starts_on {
        None
    } else {
        input
            .starts_on
            .map(|d| json!(d))
            .or_else(|| keep("starts_on"))
    };
    if let (Some(s), Some(d)) = (
        starts_on
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|s| IsoDate::parse(s).ok()),
        due_on
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|d| IsoDate::parse(d).ok()),
    ) {
        check_dates(Some(&s), Some(&d))?;
    }
    let content = input
        .content
        .clone()
        .or_else(|| {
            current
                .get("content")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| Error::invalid_input("argument `content`: a to-do needs a title"))?;
    Ok(json!({
        "content": content,
        "description": input.description.clone().or_else(|| current.get("description").and_then(Value::as_str).map(str::to_owned)).unwrap_or_default(),
        "assignee_ids": assignees,
        "completion_subscriber_ids": input.completion_subscriber_ids.clone().unwrap_or_else(|| ids_of(current, "completion_subscribers")),
        "due_on": due_on,
        "starts_on": starts_on,
        "notify": input.notify,
    }))
}

tool! {
    pub struct UpdateTodo for Bc {
        name: "basecamp_update_todo",
        title: "Update a to-do",
        access: Write,
        annotations: UPDATE,
        description: "Changes a to-do and keeps everything not mentioned: title, description, assignees (replace the set, or add and remove some), completion subscribers, due and start dates (set or clear). Basecamp replaces a to-do whole, so this reads it first and writes every field back. Returns the to-do as saved.",
    }
    async fn call(client, input: UpdateTodoInput, _ctx) -> Value {
        let current = read_todo(client, input.todo_id).await?;
        let body = merged(&current, &input)?;
        let saved = client
            .write(Method::PUT, &format!("/todos/{}.json", input.todo_id), Some(body), about("to-do", Some(input.todo_id), TO_DO_LISTER))
            .await?
            .unwrap_or_default();
        Ok(model::compact(saved))
    }
}

tool! {
    pub struct CompleteTodo for Bc {
        name: "basecamp_complete_todo",
        title: "Complete a to-do",
        access: Write,
        annotations: UPDATE,
        description: "Marks a to-do done; its completion subscribers are notified. Undo with basecamp_uncomplete_todo.",
    }
    async fn call(client, input: TodoRef, _ctx) -> Value {
        client
            .write(Method::POST, &format!("/todos/{}/completion.json", input.todo_id), None, about("to-do", Some(input.todo_id), TO_DO_LISTER))
            .await?;
        Ok(json!({"todo_id": input.todo_id, "completed": true}))
    }
}

tool! {
    pub struct UncompleteTodo for Bc {
        name: "basecamp_uncomplete_todo",
        title: "Reopen a to-do",
        access: Write,
        annotations: UPDATE,
        description: "Marks a completed to-do as not done again.",
    }
    async fn call(client, input: TodoRef, _ctx) -> Value {
        client
            .write(Method::DELETE, &format!("/todos/{}/completion.json", input.todo_id), None, about("to-do", Some(input.todo_id), TO_DO_LISTER))
            .await?;
        Ok(json!({"todo_id": input.todo_id, "completed": false}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepositionInput {
    pub todo_id: i64,
    /// The new place in the list, 1 for the top.
    #[schemars(range(min = 1))]
    pub position: u32,
    /// Move it to this list (of the same project) as well.
    pub todolist_id: Option<i64>,
}

tool! {
    pub struct RepositionTodo for Bc {
        name: "basecamp_reposition_todo",
        title: "Move a to-do in its list",
        access: Write,
        annotations: UPDATE,
        description: "Moves a to-do to another place in its list (1 is the top), or to another list of the same project at that place.",
    }
    async fn call(client, input: RepositionInput, _ctx) -> Value {
        let mut body = json!({"position": input.position});
        if let Some(list) = input.todolist_id {
            body["parent_id"] = json!(list);
        }
        client
            .write(Method::PUT, &format!("/todos/{}/position.json", input.todo_id), Some(body), about("to-do", Some(input.todo_id), TO_DO_LISTER))
            .await?;
        Ok(json!({"todo_id": input.todo_id, "position": input.position, "todolist_id": input.todolist_id}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(changes: Value) -> UpdateTodoInput {
        let mut v = json!({"todo_id": 1});
        for (k, x) in changes.as_object().cloned().unwrap_or_default() {
            v[k] = x;
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn an_update_keeps_what_it_does_not_change() {
        let current = json!({
            "content": "Ship it", "description": "<div>All of <strong>this</strong></div>",
            "assignees": [{"id": 7, "name": "A"}, {"id": 8, "name": "B"}],
            "completion_subscribers": [{"id": 9, "name": "C"}],
            "due_on": "2026-03-01", "starts_on": null
        });
        let body = merged(&current, &input(json!({"add_assignee_ids": [10], "remove_assignee_ids": [7], "due_on": "2026-04-01"}))).unwrap();
        assert_eq!(
            body,
            json!({
                "content": "Ship it", "description": "<div>All of <strong>this</strong></div>",
                "assignee_ids": [8, 10], "completion_subscriber_ids": [9],
                "due_on": "2026-04-01", "starts_on": null, "notify": false
            })
        );
        let cleared = merged(
            &current,
            &input(json!({"clear_due_on": true, "description": ""})),
        )
        .unwrap();
        assert_eq!(cleared["due_on"], Value::Null);
        assert_eq!(cleared["description"], "");
        assert_eq!(cleared["assignee_ids"], json!([7, 8]));
        let e = merged(&current, &input(json!({"starts_on": "2026-05-01"}))).unwrap_err();
        assert!(e.message().contains("due_on"), "{e}");
    }
}
