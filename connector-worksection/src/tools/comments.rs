//! Comments: a task's comments, the whole discussion with every file; posting one.

use connector_core::{
    Error, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Ws, page,
    tasks::{Include, get_task},
};
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListTaskComments)
        .with(GetTaskDiscussion)
        .with(PostComment)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCommentsInput {
    /// The task's id.
    pub task_id: String,
    /// Comments per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// A task's comments, oldest first (Worksection sends the newest first), and the
/// snapshot id for paging them.
pub(crate) async fn comments(
    client: &Ws,
    task_id: &str,
    cursor: Option<&str>,
) -> connector_core::Result<(Vec<Value>, u64)> {
    let params = Params::new()
        .with("id_task", task_id)
        .with("extra", "files");
    let (answer, snapshot) = client.read_list("get_comments", params, cursor).await?;
    let mut thread: Vec<Value> = model::list(&answer).iter().map(model::comment).collect();
    thread.sort_by(|a, b| {
        a.get("created")
            .and_then(Value::as_str)
            .cmp(&b.get("created").and_then(Value::as_str))
    });
    Ok((thread, snapshot))
}

tool! {
    pub struct ListTaskComments for Ws {
        name: "worksection_list_task_comments",
        title: "List a task's comments",
        access: Read,
        annotations: READ,
        description: "Lists a task's comments, oldest first: author, time, text and attached files. Pages with `cursor`.",
    }
    async fn call(client, input: ListCommentsInput, ctx) -> Value {
        let (items, snapshot) = comments(client, &input.task_id, input.cursor.as_deref()).await?;
        Ok(json!(page(items, input.cursor.as_deref(), input.limit, json!({"task": input.task_id}), ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskId {
    /// The task's id.
    pub task_id: String,
}

/// A task's text, files and every comment, within the budget; also the
/// `worksection://task/{id}/context` resource.
pub(crate) async fn discussion(
    client: &Ws,
    task_id: &str,
    budget: connector_core::Budget,
) -> connector_core::Result<Value> {
    let task = get_task(client, task_id, &[Include::Text, Include::Files]).await?;
    let (thread, _) = comments(client, task_id, None).await?;
    let mut files: Vec<Value> = task
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for c in &thread {
        files.extend(
            c.get("files")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
    }
    let (mut out, cut) = connector_core::fit_value(
        json!({"task": task, "comments": thread, "all_files": files}),
        budget,
    );
    if cut {
        out["truncated"] = json!(true);
        out["note"] = json!(
            "the discussion was shortened to fit; use worksection_list_task_comments to page through every comment"
        );
    }
    Ok(out)
}

tool! {
    pub struct GetTaskDiscussion for Ws {
        name: "worksection_get_task_discussion",
        title: "Get a task's discussion",
        access: Read,
        annotations: READ,
        description: "Returns a task's whole discussion in one result: the task's text and files, then every comment with its files, and a list of all files attached anywhere in the thread.",
    }
    async fn call(client, input: TaskId, ctx) -> Value {
        discussion(client, &input.task_id, ctx.budget).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostCommentInput {
    /// The task's id.
    pub task_id: String,
    /// The comment (plain text).
    pub text: Option<String>,
    /// Checklist items to post as the comment (instead of or besides text).
    #[serde(default)]
    pub checklist: Vec<String>,
}

tool! {
    pub struct PostComment for Ws {
        name: "worksection_post_comment",
        title: "Comment on a task",
        access: Write,
        annotations: CREATE,
        description: "Posts a comment on a task (text, a checklist, or both). Returns the comment.",
    }
    async fn call(client, input: PostCommentInput, _) -> Value {
        if input.text.as_deref().is_none_or(|t| t.trim().is_empty()) && input.checklist.is_empty() {
            return Err(Error::invalid_input("argument `text`: give the comment's text (or a checklist)"));
        }
        let params = Params::new()
            .with("id_task", &input.task_id)
            .opt("email_user_from", if client.is_user_mode() { None } else { client.default_author() })
            .opt("text", input.text.as_deref())
            .repeated("todo[]", &input.checklist);
        let answer = client.write("post_comment", params).await?;
        Ok(match answer.get("data") {
            Some(c @ Value::Object(_)) => model::comment(c),
            _ => json!({"task_id": input.task_id, "posted": true}),
        })
    }
}
