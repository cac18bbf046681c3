//! Message boards, messages and comments (on anything that has a `comments_url`).

use axum::http::StatusCode;
use serde_json::json;

use super::{created, edit, edited, new_child, rich_text, show_found, sorted};
use crate::fake::{
    model::{Kind, Store},
    render,
    reply::{ApiError, Reply},
    routes::{Field, Req},
};

pub fn board(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::MessageBoard)
}

/// Active messages, newest first unless `sort`/`direction` say otherwise.
pub fn messages(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let board = req.find(store, req.id(0), |k| k == Kind::MessageBoard)?;
    let messages = store.active_children(board.id, |k| k == Kind::Message);
    Ok(Reply::list(sorted(messages, req, true)))
}

/// Needs `subject` and `status: "active"` (the API's way of saying "publish now").
pub fn create(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let board = req
        .find(store, req.id(0), |k| k == Kind::MessageBoard)?
        .clone();
    let subject = req.required("subject", "Subject")?;
    if req.text("status").as_deref() != Some("active") {
        return Err(ApiError::invalid(
            "Status must be \"active\" to publish the message",
        ));
    }
    let mut message = new_child(store, Kind::Message, &board, req.me);
    message.title = subject;
    message.content = rich_text(store, req.text("content"));
    let id = store.insert(message);
    created(store, id)
}

pub fn show(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Message)
}

/// Changes what the body names (`subject`, `content`); the rest stays.
pub fn update(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), |k| k == Kind::Message)?.id;
    let subject = match req.field("subject") {
        Field::Absent => None,
        _ => Some(req.required("subject", "Subject")?),
    };
    let content = match req.field("content") {
        Field::Absent => None,
        _ => Some(rich_text(store, req.text("content"))),
    };
    edit(store, id, req.me, |m| {
        if let Some(s) = subject {
            m.title = s;
        }
        if let Some(c) = content {
            m.content = c;
        }
    })
}

/// Oldest first, the order a thread reads in.
pub fn comments(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let parent = req.find(store, req.id(0), Kind::commentable)?;
    let comments = store.active_children(parent.id, |k| k == Kind::Comment);
    Ok(Reply::list(sorted(comments, req, false)))
}

/// 201 with `Location` set to the comment's HTML URL; the parent gets a
/// `comment_created` event and a fresh `updated_at`.
pub fn comment(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let parent = req.find(store, req.id(0), Kind::commentable)?.clone();
    let content = req.required("content", "Content")?;
    let mut comment = new_child(store, Kind::Comment, &parent, req.me);
    comment.title = format!("Re: {}", parent.title);
    comment.content = rich_text(store, Some(content));
    comment.visible_to_clients = parent.visible_to_clients;
    let at = comment.created_at;
    let id = store.insert(comment);
    store.record_event(
        parent.id,
        "comment_created",
        json!({"comment_id": id}),
        req.me,
        at,
    );
    store.touch(parent.id);
    created(store, id)
}

/// `200` with the comment; `located` adds its HTML URL in `Location`.
fn comment_reply(store: &Store, id: i64, located: bool) -> Result<Reply, ApiError> {
    let c = store.rec(id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::Json {
        status: StatusCode::OK,
        body: render::recording(store, c, true),
        modified: c.updated_at,
        location: located.then(|| render::app_url(store, c)),
    })
}

pub fn show_comment(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    comment_reply(
        store,
        req.find(store, req.id(0), |k| k == Kind::Comment)?.id,
        false,
    )
}

/// 200 and, as documented, the comment's HTML URL in `Location`.
pub fn update_comment(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), |k| k == Kind::Comment)?.id;
    let content = rich_text(store, Some(req.required("content", "Content")?));
    if let Some(c) = store.rec_mut(id) {
        c.content = content;
    }
    edited(store, id, req.me);
    comment_reply(store, id, true)
}
