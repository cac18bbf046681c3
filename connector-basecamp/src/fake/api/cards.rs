//! Card tables, their columns, cards and steps. A project may have several tables. Card
//! updates are presence-aware (an omitted key is left alone, `""`/`null` clears), and a
//! move takes a 1-based `position` (≤ 0 → 400).

use serde_json::Value;

use super::{adopt, created, new_child, replaced, rich_text, show_found};
use crate::fake::{
    model::{Kind, Store},
    reply::{ApiError, Item, Reply},
    routes::{Field, Req},
};

pub fn table(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::CardTable)
}

pub fn column(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, Kind::is_column)
}

pub fn cards(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let column = req.find(store, req.id(0), Kind::is_column)?;
    let cards = store.active_children(column.id, |k| k == Kind::Card);
    Ok(Reply::list(
        cards.iter().map(|c| Item::Recording(c.id)).collect(),
    ))
}

/// New cards go to the bottom of the column.
pub fn create(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let column = req.find(store, req.id(0), Kind::is_column)?.clone();
    let title = req.required("title", "Title")?;
    let due_on = req.date("due_on", "Due on")?;
    let mut card = new_child(store, Kind::Card, &column, req.me);
    card.title = title;
    card.content = rich_text(store, req.text("content"));
    card.due_on = due_on;
    card.position = Some(store.next_position(column.id));
    let id = store.insert(card);
    created(store, id)
}

pub fn card(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Card)
}

pub fn update(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let mut card = req.find(store, req.id(0), |k| k == Kind::Card)?.clone();
    if !matches!(req.field("title"), Field::Absent) {
        card.title = req.required("title", "Title")?;
    }
    match req.field("content") {
        Field::Absent => {}
        Field::Null => card.content = None,
        Field::Value(_) => card.content = rich_text(store, req.text("content")),
    }
    match req.field("due_on") {
        Field::Absent => {}
        Field::Null => card.due_on = None,
        Field::Value(Value::String(s)) if s.is_empty() => card.due_on = None,
        Field::Value(_) => card.due_on = req.date("due_on", "Due on")?,
    }
    if !matches!(req.field("assignee_ids"), Field::Absent) {
        card.assignees = req.people(store, "assignee_ids");
    }
    replaced(store, card, req.me)
}

/// `column_id` (any column of the project's tables) and an optional 1-based `position`
/// (default 1, the top).
pub fn move_card(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let card = req.find(store, req.id(0), |k| k == Kind::Card)?.clone();
    let column_id = match req.field("column_id") {
        Field::Absent | Field::Null => return Err(ApiError::bad_request("column_id is required")),
        _ => req
            .int("column_id")
            .ok_or_else(|| ApiError::bad_request("column_id must be a number"))?,
    };
    let position = match req.field("position") {
        Field::Absent | Field::Null => 1,
        _ => req
            .int("position")
            .filter(|p| *p >= 1)
            .ok_or_else(|| ApiError::bad_request("position must be a positive integer"))?,
    };
    let column = store
        .rec(column_id)
        .filter(|c| c.kind.is_column() && c.bucket == card.bucket)
        .ok_or_else(ApiError::not_found)?
        .id;
    let from = card.parent.unwrap_or(0);
    let now = store.touch(card.id);
    adopt(store, card.id, from, column, req.me, now);
    store.place(column, card.id, position as usize, |r| r.kind == Kind::Card);
    Ok(Reply::NoContent)
}

pub fn step(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Step)
}
