//! The message board (messages, posting and editing them) and comments on any
//! recording: to-dos, messages, cards, documents, schedule entries, uploads.

use connector_core::{
    Error, ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, container, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListMessages)
        .with(GetMessage)
        .with(PostMessage)
        .with(UpdateMessage)
        .with(ListComments)
        .with(PostComment)
        .with(UpdateComment)
}

const MESSAGE_FINDER: &str = "basecamp_list_messages";

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMessagesInput {
    /// The project; its message board is found from its tools. Give this or `message_board_id`.
    pub project_id: Option<i64>,
    pub message_board_id: Option<i64>,
    /// Messages per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// A message as a list row: its text clipped.
fn message_row(v: &Value) -> Value {
    let mut row = model::compact(v.clone());
    if let Some(text) = row.get("content").and_then(Value::as_str) {
        row["content"] = json!(connector_core::text::clip(text, 300));
    }
    row
}

tool! {
    pub struct ListMessages for Bc {
        name: "basecamp_list_messages",
        title: "List a project's messages",
        access: Read,
        annotations: READ,
        description: "Lists the messages on a project's message board, newest first: id, subject, author, when, comment count and the start of the text. Pages with `cursor`; basecamp_get_message has the whole text.",
    }
    async fn call(client, input: ListMessagesInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let board = container(client, input.message_board_id, input.project_id, "message_board", "message_board_id").await?;
            gather(client, &format!("/message_boards/{board}/messages.json"), &[], about("message board", Some(board), "basecamp_get_project"), message_row).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRef {
    pub message_id: i64,
}

tool! {
    pub struct GetMessage for Bc {
        name: "basecamp_get_message",
        title: "Get a message",
        access: Read,
        annotations: READ,
        description: "Returns one message: subject, the whole text (mentions as @Name, attachments named), author, category, when, and how many comments it has (basecamp_list_comments reads them).",
    }
    async fn call(client, input: MessageRef, _ctx) -> Value {
        let m = client
            .get(&format!("/messages/{}.json", input.message_id), &[], about("message", Some(input.message_id), MESSAGE_FINDER))
            .await?;
        Ok(model::compact((*m).clone()))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageInput {
    /// The project; its message board is found from its tools. Give this or `message_board_id`.
    pub project_id: Option<i64>,
    pub message_board_id: Option<i64>,
    #[schemars(length(min = 1))]
    pub subject: String,
    /// The message (plain text or Basecamp rich text HTML).
    pub content: Option<String>,
    /// A message type (category) id.
    pub category_id: Option<i64>,
}

tool! {
    pub struct PostMessage for Bc {
        name: "basecamp_post_message",
        title: "Post a message",
        access: Write,
        annotations: CREATE,
        description: "Posts a message (announcement, update, pitch) to a project's message board; the project's people are notified as their settings say. Returns the message with its id.",
    }
    async fn call(client, input: PostMessageInput, _ctx) -> Value {
        let board = container(client, input.message_board_id, input.project_id, "message_board", "message_board_id").await?;
        let body = json!({"subject": input.subject, "content": input.content, "category_id": input.category_id, "status": "active"});
        let created = client
            .write(Method::POST, &format!("/message_boards/{board}/messages.json"), Some(body), about("message board", Some(board), "basecamp_get_project"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMessageInput {
    pub message_id: i64,
    pub subject: Option<String>,
    /// The new text (plain text or rich text HTML).
    pub content: Option<String>,
    pub category_id: Option<i64>,
}

tool! {
    pub struct UpdateMessage for Bc {
        name: "basecamp_update_message",
        title: "Edit a message",
        access: Write,
        annotations: UPDATE,
        description: "Changes a message's subject, text or category; what is not given stays as it is.",
    }
    async fn call(client, input: UpdateMessageInput, _ctx) -> Value {
        if input.subject.is_none() && input.content.is_none() && input.category_id.is_none() {
            return Err(Error::invalid_input("give `subject`, `content` or `category_id`: what to change"));
        }
        let call = about("message", Some(input.message_id), MESSAGE_FINDER);
        let path = format!("/messages/{}.json", input.message_id);
        let current = client.get(&path, &[], call).await?;
        let body = json!({
            "subject": input.subject.clone().or_else(|| current["subject"].as_str().map(str::to_owned)),
            "content": input.content.clone().or_else(|| current["content"].as_str().map(str::to_owned)),
            "category_id": input.category_id.or_else(|| current["category"]["id"].as_i64()),
        });
        let saved = client.write(Method::PUT, &path, Some(body), call).await?.unwrap_or_default();
        Ok(model::compact(saved))
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCommentsInput {
    /// The to-do, message, card, document, schedule entry or upload commented on.
    pub recording_id: i64,
    /// Comments per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListComments for Bc {
        name: "basecamp_list_comments",
        title: "List comments",
        access: Read,
        annotations: READ,
        description: "Lists the comments on any recording (to-do, message, card, document, schedule entry, upload), oldest first: author, when, text with mentions as @Name. Pages with `cursor`.",
    }
    async fn call(client, input: ListCommentsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, &format!("/recordings/{}/comments.json", input.recording_id), &[], about("recording", Some(input.recording_id), "basecamp_search_recordings"), |c| model::compact(c.clone())).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostCommentInput {
    /// The to-do, message, card, document, schedule entry or upload to comment on.
    pub recording_id: i64,
    /// The comment (plain text or Basecamp rich text HTML).
    #[schemars(length(min = 1))]
    pub content: String,
}

tool! {
    pub struct PostComment for Bc {
        name: "basecamp_post_comment",
        title: "Comment",
        access: Write,
        annotations: CREATE,
        description: "Adds a comment to a to-do, message, card, document, schedule entry or upload; the recording's subscribers are notified. Returns the comment with its id.",
    }
    async fn call(client, input: PostCommentInput, _ctx) -> Value {
        let created = client
            .write(Method::POST, &format!("/recordings/{}/comments.json", input.recording_id), Some(json!({"content": input.content})), about("recording", Some(input.recording_id), "basecamp_search_recordings"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommentInput {
    pub comment_id: i64,
    /// The new text.
    #[schemars(length(min = 1))]
    pub content: String,
}

tool! {
    pub struct UpdateComment for Bc {
        name: "basecamp_update_comment",
        title: "Edit a comment",
        access: Write,
        annotations: UPDATE,
        description: "Replaces a comment's text.",
    }
    async fn call(client, input: UpdateCommentInput, _ctx) -> Value {
        let saved = client
            .write(Method::PUT, &format!("/comments/{}.json", input.comment_id), Some(json!({"content": input.content})), about("comment", Some(input.comment_id), "basecamp_list_comments"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(saved))
    }
}
