//! Campfire: the chats, their recent lines, and posting a line.

use connector_core::{
    ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, container, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListChats).with(ListChatLines).with(PostChatLine)
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListChatsInput {
    /// Chats per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListChats for Bc {
        name: "basecamp_list_chats",
        title: "List Campfires",
        access: Read,
        annotations: READ,
        description: "Lists every Campfire (project group chat) the connected person is in: its id, title and project. Pages with `cursor`.",
    }
    async fn call(client, input: ListChatsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, "/chats.json", &[], about("Campfire", None, "basecamp_list_chats"), |c| model::compact(c.clone())).await
        }).await
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatLinesInput {
    /// The project; its Campfire is found from its tools. Give this or `chat_id`.
    pub project_id: Option<i64>,
    pub chat_id: Option<i64>,
    /// Lines per page, newest first (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page, for older lines; omit for the latest.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListChatLines for Bc {
        name: "basecamp_list_chat_lines",
        title: "Read a Campfire",
        access: Read,
        annotations: READ,
        description: "Reads a Campfire's lines, newest first: who said what, when (rich text as plain text, uploads named). `next_cursor` goes further back.",
    }
    async fn call(client, input: ChatLinesInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let chat = container(client, input.chat_id, input.project_id, "chat", "chat_id").await?;
            let mut lines = gather(client, &format!("/chats/{chat}/lines.json"), &[], about("Campfire", Some(chat), "basecamp_list_chats"), |l| model::compact(l.clone())).await?;
            // Basecamp sends them oldest first; a reader wants the latest first.
            lines.items.sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
            Ok(lines)
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostLineInput {
    /// The project; its Campfire is found from its tools. Give this or `chat_id`.
    pub project_id: Option<i64>,
    pub chat_id: Option<i64>,
    /// What to say.
    #[schemars(length(min = 1))]
    pub content: String,
    /// `content` is rich text HTML (bold, links, mentions) rather than plain text.
    #[serde(default)]
    pub rich_text: bool,
}

tool! {
    pub struct PostChatLine for Bc {
        name: "basecamp_post_chat_line",
        title: "Say something in a Campfire",
        access: Write,
        annotations: CREATE,
        description: "Posts a line to a project's Campfire as the connected person. Plain text unless `rich_text` is set. Returns the line with its id.",
    }
    async fn call(client, input: PostLineInput, _ctx) -> Value {
        let chat = container(client, input.chat_id, input.project_id, "chat", "chat_id").await?;
        let mut body = json!({"content": input.content});
        if input.rich_text {
            body["content_type"] = json!("text/html");
        }
        let created = client
            .write(Method::POST, &format!("/chats/{chat}/lines.json"), Some(body), about("Campfire", Some(chat), "basecamp_list_chats"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}
