//! Campfire: chats and their lines. Lines list oldest first (the official SDK's default
//! `direction` is `asc`); a line is plain text unless posted with `content_type: "text/html"`.

use super::{created, new_child, rich_text, show_found, shown, sorted};
use crate::fake::{
    model::{Kind, Status, Store},
    reply::{ApiError, Item, Reply},
    routes::Req,
    util::plain_text,
};

/// Every active Campfire of the account's active projects.
pub fn chats(store: &mut Store, _req: &Req) -> Result<Reply, ApiError> {
    let items = store
        .recordings
        .values()
        .filter(|r| r.kind == Kind::Chat && r.status == Status::Active)
        .filter(|r| store.in_active_project(r))
        .map(|r| Item::Recording(r.id))
        .collect();
    Ok(Reply::list(items))
}

pub fn chat(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Chat)
}

pub fn lines(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let chat = req.find(store, req.id(0), |k| k == Kind::Chat)?;
    let lines = store.active_children(chat.id, Kind::is_line);
    Ok(Reply::list(sorted(lines, req, false)))
}

pub fn create_line(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let chat = req.find(store, req.id(0), |k| k == Kind::Chat)?.clone();
    let content = req.required("content", "Content")?;
    let html = req.text("content_type").as_deref() == Some("text/html");
    let kind = if html {
        Kind::ChatRichText
    } else {
        Kind::ChatText
    };
    let mut line = new_child(store, kind, &chat, req.me);
    line.title = if html {
        plain_text(&content)
    } else {
        content.clone()
    };
    line.content = if html {
        rich_text(store, Some(content))
    } else {
        Some(content)
    };
    let id = store.insert(line);
    created(store, id)
}

fn line_of(store: &Store, req: &Req) -> Result<i64, ApiError> {
    let chat = req.find(store, req.id(0), |k| k == Kind::Chat)?.id;
    let line = req.find(store, req.id(1), Kind::is_line)?;
    if line.parent != Some(chat) {
        return Err(ApiError::not_found());
    }
    Ok(line.id)
}

pub fn line(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    shown(store, line_of(store, req)?)
}

/// Deleted for good: the line is gone afterwards.
pub fn delete_line(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = line_of(store, req)?;
    store.recordings.remove(&id);
    Ok(Reply::NoContent)
}
