//! Tasks: lists, one task, search, subtasks, relations, subscribers, the overdue and the
//! by-status and by-priority views; create, update, complete, reopen, (un)subscribe.

use connector_core::{
    Error, Result, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ws, flatten, page, task_table};
use crate::{
    client::Params,
    model::{self, IsoDate, WorksectionDate},
};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListAllTasks)
        .with(ListProjectTasks)
        .with(GetTask)
        .with(SearchTasks)
        .with(ListSubtasks)
        .with(GetTaskRelations)
        .with(ListTaskSubscribers)
        .with(ListOverdueTasks)
        .with(ListTasksByStatus)
        .with(ListTasksByPriority)
        .with(CreateTask)
        .with(UpdateTask)
        .with(CompleteTask)
        .with(ReopenTask)
        .with(SubscribeMember)
        .with(UnsubscribeMember)
}

fn yes() -> bool {
    true
}

/// Every task (and subtask) of the account or of one project, compacted and flattened.
pub(crate) async fn load_tasks(
    client: &Ws,
    project_id: Option<&str>,
    active_only: bool,
    subtasks: bool,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, u64)> {
    let extra = if subtasks { Some("subtasks") } else { None };
    let filter = if active_only { Some("active") } else { None };
    let (answer, snapshot) = match project_id {
        Some(p) => {
            let params = Params::new()
                .with("id_project", p)
                .opt("filter", filter)
                .opt("extra", extra);
            client.read_list("get_tasks", params, cursor).await?
        }
        None => {
            let params = Params::new().opt("filter", filter).opt("extra", extra);
            client.read_list("get_all_tasks", params, cursor).await?
        }
    };
    let tasks: Vec<Value> = model::list(&answer).iter().map(model::task).collect();
    let mut tasks = flatten(tasks);
    // `filter=active` keeps active parents; their done subtasks still come along.
    if active_only {
        tasks.retain(|t| t.get("status").and_then(Value::as_str) != Some("done"));
    }
    Ok((tasks, snapshot))
}

/// A member's tasks (open only by default), found by Worksection's own search rather
/// than by downloading every task of the account.
pub(crate) async fn member_tasks(
    client: &Ws,
    email: &str,
    active_only: bool,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, u64)> {
    let params = Params::new()
        .with("email_user_to", email)
        .opt("status", active_only.then_some("active"));
    let (answer, snapshot) = client.read_list("search_tasks", params, cursor).await?;
    let mut tasks = flatten(model::list(&answer).iter().map(model::task).collect());
    tasks.retain(|t| {
        t.get("assignee")
            .and_then(|a| a.get("email"))
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    });
    if active_only {
        tasks.retain(|t| t.get("status").and_then(Value::as_str) != Some("done"));
    }
    Ok((tasks, snapshot))
}

/// [`member_tasks`], open ones, for summaries.
pub(crate) async fn member_open_tasks(client: &Ws, email: &str) -> Result<Vec<Value>> {
    Ok(member_tasks(client, email, true, None).await?.0)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAllTasksInput {
    /// Only open tasks (the default); false includes completed ones.
    #[serde(default = "yes")]
    pub active_only: bool,
    /// Include subtasks as rows of their own (the default).
    #[serde(default = "yes")]
    pub include_subtasks: bool,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListAllTasks for Ws {
        name: "worksection_list_all_tasks",
        title: "List all tasks",
        access: Read,
        annotations: READ,
        description: "Lists tasks across every project as a table (columns, then one row per task; `people` and `projects` resolve the ids). Open tasks only by default. Pages with `cursor`: follow `next_cursor` to see every task exactly once. Use worksection_get_task for a task's text, files and comments.",
    }
    async fn call(client, input: ListAllTasksInput, ctx) -> Value {
        let (tasks, snapshot) = load_tasks(client, None, input.active_only, input.include_subtasks, input.cursor.as_deref()).await?;
        let query = json!({"all": true, "active_only": input.active_only, "subtasks": input.include_subtasks});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjectTasksInput {
    /// The project's id.
    pub project_id: String,
    /// Only open tasks (the default); false includes completed ones.
    #[serde(default = "yes")]
    pub active_only: bool,
    /// Include subtasks as rows of their own (the default).
    #[serde(default = "yes")]
    pub include_subtasks: bool,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListProjectTasks for Ws {
        name: "worksection_list_project_tasks",
        title: "List a project's tasks",
        access: Read,
        annotations: READ,
        description: "Lists one project's tasks as a table (columns, rows; `people` resolves assignee ids). Open tasks only by default. Pages with `cursor`.",
    }
    async fn call(client, input: ListProjectTasksInput, ctx) -> Value {
        let (tasks, snapshot) = load_tasks(client, Some(&input.project_id), input.active_only, input.include_subtasks, input.cursor.as_deref()).await?;
        let query = json!({"project": input.project_id, "active_only": input.active_only, "subtasks": input.include_subtasks});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Include {
    Text,
    Files,
    Comments,
    Subtasks,
    Relations,
    Subscribers,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskInput {
    /// The task's id.
    pub task_id: String,
    /// What to include besides the task's fields; by default its text.
    #[serde(default = "default_include")]
    pub include: Vec<Include>,
}

fn default_include() -> Vec<Include> {
    vec![Include::Text]
}

pub(crate) async fn get_task(client: &Ws, task_id: &str, include: &[Include]) -> Result<Value> {
    let extra: Vec<String> = include
        .iter()
        .map(|i| {
            match i {
                Include::Text => "text",
                Include::Files => "files",
                Include::Comments => "comments",
                Include::Subtasks => "subtasks",
                Include::Relations => "relations",
                Include::Subscribers => "subscribers",
            }
            .to_owned()
        })
        .collect();
    let answer = client
        .read(
            "get_task",
            Params::new().with("id_task", task_id).list("extra", &extra),
        )
        .await?;
    Ok(model::task(&model::object(&answer, "task")?))
}

tool! {
    pub struct GetTask for Ws {
        name: "worksection_get_task",
        title: "Get a task",
        access: Read,
        annotations: READ,
        description: "Returns one task: status, priority, assignee, dates, tags and, as asked in `include`, its text (HTML turned into plain text), files, last comments, subtasks, relations (depends_on / blocks) and subscribers.",
    }
    async fn call(client, input: GetTaskInput, _) -> Value {
        get_task(client, &input.task_id, &input.include).await
    }
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Active,
    Done,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Active => "active",
            TaskStatus::Done => "done",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SearchTasksInput {
    /// Only tasks of this project.
    pub project_id: Option<String>,
    /// Only subtasks of this task.
    pub parent_task_id: Option<String>,
    /// Task name contains this text.
    pub name_contains: Option<String>,
    /// Task name is exactly this.
    pub name_equals: Option<String>,
    /// active or done.
    pub status: Option<TaskStatus>,
    /// Assigned to this email.
    pub assignee_email: Option<String>,
    /// Created by this email.
    pub author_email: Option<String>,
    /// Created on or after.
    pub created_from: Option<IsoDate>,
    /// Created on or before.
    pub created_to: Option<IsoDate>,
    /// Starts on or after.
    pub start_from: Option<IsoDate>,
    /// Starts on or before.
    pub start_to: Option<IsoDate>,
    /// Due on or after.
    pub due_from: Option<IsoDate>,
    /// Due on or before.
    pub due_to: Option<IsoDate>,
    /// Closed on or after.
    pub closed_from: Option<IsoDate>,
    /// Closed on or before.
    pub closed_to: Option<IsoDate>,
    /// For experts: a raw Worksection filter, e.g. `(name has 'Report' or project=26) and dateend<'31.05.2026'`. Combined with the fields above by `and`.
    pub raw_filter: Option<String>,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// A quoted string for the filter; the grammar has no escape, so a quote is refused.
fn quoted(field: &str, value: &str) -> Result<String> {
    if value.contains('\'') {
        return Err(Error::invalid_input(format!(
            "argument `{field}`: Worksection's filter cannot contain a single quote ('); leave that character out"
        )));
    }
    Ok(format!("'{value}'"))
}

fn id_number(field: &str, value: &str) -> Result<String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_input(format!(
            "argument `{field}`: `{value}` is not a Worksection id (digits only)"
        )));
    }
    Ok(value.to_owned())
}

/// The `search_tasks` filter for the structured fields: valid by construction.
pub fn build_filter(input: &SearchTasksInput) -> Result<Option<String>> {
    let mut clauses = Vec::new();
    if let Some(p) = &input.parent_task_id {
        clauses.push(format!("parent={}", id_number("parent_task_id", p)?));
    }
    if let Some(n) = &input.name_contains {
        clauses.push(format!("name has {}", quoted("name_contains", n)?));
    }
    if let Some(n) = &input.name_equals {
        clauses.push(format!("name={}", quoted("name_equals", n)?));
    }
    // dateadd and dateclose are timestamps: "up to a day" means before the next day.
    let next = |d: &Option<IsoDate>| d.as_ref().map(IsoDate::next_day);
    let dates = [
        ("dateadd", ">=", input.created_from),
        ("dateadd", "<", next(&input.created_to)),
        ("datestart", ">=", input.start_from),
        ("datestart", "<=", input.start_to),
        ("dateend", ">=", input.due_from),
        ("dateend", "<=", input.due_to),
        ("dateclose", ">=", input.closed_from),
        ("dateclose", "<", next(&input.closed_to)),
    ];
    for (field, op, date) in dates {
        if let Some(d) = date {
            clauses.push(format!("{field}{op}'{}'", d.to_worksection()));
        }
    }
    if let Some(raw) = input
        .raw_filter
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        clauses.push(if clauses.is_empty() {
            raw.to_owned()
        } else {
            format!("({raw})")
        });
    }
    Ok((!clauses.is_empty()).then(|| clauses.join(" and ")))
}

tool! {
    pub struct SearchTasks for Ws {
        name: "worksection_search_tasks",
        title: "Search tasks",
        access: Read,
        annotations: READ,
        description: "Finds tasks by project, parent, name (contains or equals), status, assignee or author email, and created/start/due/closed date ranges (YYYY-MM-DD, inclusive). The fields are combined with `and`. `raw_filter` takes Worksection's own filter grammar for anything else. Returns a table; pages with `cursor`.",
    }
    async fn call(client, input: SearchTasksInput, ctx) -> Value {
        let filter = build_filter(&input)?;
        if input.project_id.is_none() && filter.is_none() && input.assignee_email.is_none() && input.author_email.is_none() {
            return Err(Error::invalid_input("give at least one search field: project_id, a name, an email, a date range or raw_filter (status alone is worksection_list_tasks_by_status)"));
        }
        let params = Params::new()
            .opt("id_project", input.project_id.as_deref())
            .opt("email_user_from", input.author_email.as_deref())
            .opt("email_user_to", input.assignee_email.as_deref())
            .opt("status", input.status.map(TaskStatus::as_str))
            .opt("filter", filter.as_deref());
        let (answer, snapshot) = client.read_list("search_tasks", params, input.cursor.as_deref()).await?;
        let tasks = flatten(model::list(&answer).iter().map(model::task).collect());
        let query = json!([input.project_id, input.parent_task_id, input.name_contains, input.name_equals, input.status.map(TaskStatus::as_str), input.assignee_email, input.author_email, filter]);
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskId {
    /// The task's id.
    pub task_id: String,
}

tool! {
    pub struct ListSubtasks for Ws {
        name: "worksection_list_subtasks",
        title: "List subtasks",
        access: Read,
        annotations: READ,
        description: "Lists a task's subtasks (two levels deep), with status, assignee and dates.",
    }
    async fn call(client, input: TaskId, _) -> Value {
        let task = get_task(client, &input.task_id, &[Include::Subtasks]).await?;
        Ok(json!({"task": {"id": task.get("id"), "name": task.get("name")}, "subtasks": task.get("subtasks").cloned().unwrap_or(json!([]))}))
    }
}

tool! {
    pub struct GetTaskRelations for Ws {
        name: "worksection_get_task_relations",
        title: "Get task dependencies",
        access: Read,
        annotations: READ,
        description: "Returns what a task depends on and what it blocks (finish-to-start and start-to-start links).",
    }
    async fn call(client, input: TaskId, _) -> Value {
        let task = get_task(client, &input.task_id, &[Include::Relations]).await?;
        Ok(json!({"task": {"id": task.get("id"), "name": task.get("name")}, "relations": task.get("relations").cloned().unwrap_or(json!({"depends_on": [], "blocks": []}))}))
    }
}

tool! {
    pub struct ListTaskSubscribers for Ws {
        name: "worksection_list_task_subscribers",
        title: "List task subscribers",
        access: Read,
        annotations: READ,
        description: "Lists the people subscribed to a task's updates.",
    }
    async fn call(client, input: TaskId, _) -> Value {
        let task = get_task(client, &input.task_id, &[Include::Subscribers]).await?;
        Ok(json!({"task": {"id": task.get("id"), "name": task.get("name")}, "subscribers": task.get("subscribers").cloned().unwrap_or(json!([]))}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopedList {
    /// Only this project; the whole account by default.
    pub project_id: Option<String>,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListOverdueTasks for Ws {
        name: "worksection_list_overdue_tasks",
        title: "List overdue tasks",
        access: Read,
        annotations: READ,
        description: "Lists open tasks whose due date has passed, most overdue first, as a table. Whole account or one project; pages with `cursor`.",
    }
    async fn call(client, input: ScopedList, ctx) -> Value {
        let today = model::today_iso();
        let (loaded, snapshot) = load_tasks(client, input.project_id.as_deref(), true, true, input.cursor.as_deref()).await?;
        let mut tasks: Vec<Value> = loaded.into_iter()
            .filter(|t| t.get("due").and_then(Value::as_str).is_some_and(|d| d < today.as_str()))
            .collect();
        tasks.sort_by(|a, b| a.get("due").and_then(Value::as_str).cmp(&b.get("due").and_then(Value::as_str)));
        let query = json!({"overdue": today, "project": input.project_id});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByStatusInput {
    /// active or done.
    pub status: TaskStatus,
    /// Only this project; the whole account by default.
    pub project_id: Option<String>,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTasksByStatus for Ws {
        name: "worksection_list_tasks_by_status",
        title: "List tasks by status",
        access: Read,
        annotations: READ,
        description: "Lists tasks that are active (open) or done, in one project or the whole account, as a table. Pages with `cursor`.",
    }
    async fn call(client, input: ByStatusInput, ctx) -> Value {
        let want = input.status.as_str();
        let (loaded, snapshot) = load_tasks(client, input.project_id.as_deref(), input.status == TaskStatus::Active, true, input.cursor.as_deref()).await?;
        let tasks: Vec<Value> = loaded.into_iter()
            .filter(|t| t.get("status").and_then(Value::as_str) == Some(want))
            .collect();
        let query = json!({"status": want, "project": input.project_id});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByPriorityInput {
    /// Lowest priority included (0 = none, 10 = highest).
    #[schemars(range(min = 0, max = 10))]
    pub min_priority: u8,
    /// Highest priority included; 10 by default.
    #[schemars(range(min = 0, max = 10))]
    pub max_priority: Option<u8>,
    /// Only this project; the whole account by default.
    pub project_id: Option<String>,
    /// Only open tasks (the default).
    #[serde(default = "yes")]
    pub active_only: bool,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTasksByPriority for Ws {
        name: "worksection_list_tasks_by_priority",
        title: "List tasks by priority",
        access: Read,
        annotations: READ,
        description: "Lists tasks whose priority (0-10) is within a range, highest first, as a table. Worksection cannot filter by priority, so this reads the tasks and filters them. Pages with `cursor`.",
    }
    async fn call(client, input: ByPriorityInput, ctx) -> Value {
        let max = input.max_priority.unwrap_or(10);
        if max < input.min_priority {
            return Err(Error::invalid_input("argument `max_priority`: must be at least min_priority"));
        }
        let prio = |t: &Value| t.get("priority").and_then(Value::as_i64).unwrap_or(0);
        let (loaded, snapshot) = load_tasks(client, input.project_id.as_deref(), input.active_only, true, input.cursor.as_deref()).await?;
        let mut tasks: Vec<Value> = loaded.into_iter()
            .filter(|t| (i64::from(input.min_priority)..=i64::from(max)).contains(&prio(t)))
            .collect();
        tasks.sort_by_key(|t| std::cmp::Reverse(prio(t)));
        let query = json!({"min": input.min_priority, "max": max, "project": input.project_id, "active": input.active_only});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskInput {
    /// The project to create it in.
    pub project_id: String,
    /// The task's name.
    #[schemars(length(min = 1, max = 500))]
    pub title: String,
    /// The description (plain text).
    pub description: Option<String>,
    /// Checklist items.
    #[serde(default)]
    pub checklist: Vec<String>,
    /// Assignee's email; `ANY` lets anyone take it, `NOONE` leaves it unassigned.
    pub assignee_email: Option<String>,
    pub start_date: Option<IsoDate>,
    pub due_date: Option<IsoDate>,
    /// 0 (none) to 10 (highest).
    #[schemars(range(min = 0, max = 10))]
    pub priority: Option<u8>,
    /// Tags by name (from the tag sets attached to the project).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Make it a subtask of this task.
    pub parent_task_id: Option<String>,
    /// Emails of people to subscribe.
    #[serde(default)]
    pub subscriber_emails: Vec<String>,
    /// Time budget in hours.
    #[schemars(range(min = 0.0))]
    pub max_time: Option<f64>,
    /// Money budget.
    #[schemars(range(min = 0.0))]
    pub max_money: Option<f64>,
}

tool! {
    pub struct CreateTask for Ws {
        name: "worksection_create_task",
        title: "Create a task",
        access: Write,
        annotations: CREATE,
        description: "Creates a task (or a subtask with parent_task_id) with an optional description, checklist, assignee, dates, priority, tags, subscribers and budget. Returns the new task with its id.",
    }
    async fn call(client, input: CreateTaskInput, _) -> Value {
        let params = Params::new()
            .with("id_project", &input.project_id)
            .with("title", &input.title)
            .opt("id_parent", input.parent_task_id.as_deref())
            .opt("email_user_from", if client.is_user_mode() { None } else { client.default_author() })
            .opt("email_user_to", input.assignee_email.as_deref())
            .opt("priority", input.priority)
            .opt("text", input.description.as_deref())
            .repeated("todo[]", &input.checklist)
            .plan(input.start_date.as_ref(), input.due_date.as_ref(), input.max_time, input.max_money)
            .list("subscribe", &input.subscriber_emails)
            .list("tags", &input.tags);
        let answer = client.write("post_task", params).await?;
        Ok(model::task(&model::object(&answer, "task")?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskInput {
    /// The task's id.
    pub task_id: String,
    /// A new name.
    pub title: Option<String>,
    /// A new assignee's email (`ANY`, `NOONE` allowed).
    pub assignee_email: Option<String>,
    /// 0 (none) to 10 (highest).
    #[schemars(range(min = 0, max = 10))]
    pub priority: Option<u8>,
    pub start_date: Option<IsoDate>,
    pub due_date: Option<IsoDate>,
    /// Time budget in hours.
    #[schemars(range(min = 0.0))]
    pub max_time: Option<f64>,
    /// Money budget.
    #[schemars(range(min = 0.0))]
    pub max_money: Option<f64>,
}

tool! {
    pub struct UpdateTask for Ws {
        name: "worksection_update_task",
        title: "Update a task",
        access: Write,
        annotations: UPDATE,
        description: "Changes a task's name, assignee, priority, dates or budget; fields left out stay as they are. (The description and checklist cannot be changed through the API: post a comment instead. Tags: worksection_set_task_tags.) Returns the task afterwards.",
    }
    async fn call(client, input: UpdateTaskInput, _) -> Value {
        let params = Params::new()
            .with("id_task", &input.task_id)
            .opt("title", input.title.as_deref())
            .opt("email_user_to", input.assignee_email.as_deref())
            .opt("priority", input.priority)
            .plan(input.start_date.as_ref(), input.due_date.as_ref(), input.max_time, input.max_money);
        client.write("update_task", params).await?;
        get_task(client, &input.task_id, &[]).await
    }
}

tool! {
    pub struct CompleteTask for Ws {
        name: "worksection_complete_task",
        title: "Complete a task",
        access: Write,
        annotations: UPDATE,
        description: "Marks a task done. A task with open subtasks cannot be completed until they are.",
    }
    async fn call(client, input: TaskId, _) -> Value {
        client.write("complete_task", Params::new().with("id_task", &input.task_id)).await?;
        get_task(client, &input.task_id, &[]).await
    }
}

tool! {
    pub struct ReopenTask for Ws {
        name: "worksection_reopen_task",
        title: "Reopen a task",
        access: Write,
        annotations: UPDATE,
        description: "Makes a done task active again (its parent must not be done).",
    }
    async fn call(client, input: TaskId, _) -> Value {
        client.write("reopen_task", Params::new().with("id_task", &input.task_id)).await?;
        get_task(client, &input.task_id, &[]).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    /// The task's id.
    pub task_id: String,
    /// The member's email.
    pub email: String,
}

tool! {
    pub struct SubscribeMember for Ws {
        name: "worksection_subscribe_member",
        title: "Subscribe a member to a task",
        access: Write,
        annotations: UPDATE,
        description: "Subscribes a member (by email) to a task's updates.",
    }
    async fn call(client, input: SubscribeInput, _) -> Value {
        client.write("subscribe", Params::new().with("id_task", &input.task_id).with("email_user", &input.email)).await?;
        Ok(json!({"task_id": input.task_id, "subscribed": input.email}))
    }
}

tool! {
    pub struct UnsubscribeMember for Ws {
        name: "worksection_unsubscribe_member",
        title: "Unsubscribe a member from a task",
        access: Write,
        annotations: UPDATE,
        description: "Stops a member's (by email) subscription to a task's updates.",
    }
    async fn call(client, input: SubscribeInput, _) -> Value {
        client.write("unsubscribe", Params::new().with("id_task", &input.task_id).with("email_user", &input.email)).await?;
        Ok(json!({"task_id": input.task_id, "unsubscribed": input.email}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_search_builds_a_valid_filter() {
        let input = SearchTasksInput {
            name_contains: Some("Report".into()),
            due_from: Some(IsoDate::parse("2021-05-25").unwrap()),
            due_to: Some(IsoDate::parse("2021-05-31").unwrap()),
            parent_task_id: Some("17".into()),
            raw_filter: Some("project in (1, 2) or project=3".into()),
            ..Default::default()
        };
        assert_eq!(
            build_filter(&input).unwrap().unwrap(),
            "parent=17 and name has 'Report' and dateend>='25.05.2021' and dateend<='31.05.2021' and (project in (1, 2) or project=3)"
        );
        let bad = SearchTasksInput {
            name_contains: Some("it's".into()),
            ..Default::default()
        };
        assert!(
            build_filter(&bad)
                .unwrap_err()
                .to_string()
                .contains("name_contains")
        );
        let bad = SearchTasksInput {
            parent_task_id: Some("abc".into()),
            ..Default::default()
        };
        assert!(build_filter(&bad).is_err());
    }
}
