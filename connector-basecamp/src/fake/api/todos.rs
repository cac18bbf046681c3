//! To-do sets, to-do lists and to-dos: listings with the `status`/`completed` filters,
//! creation, the full-replacement `PUT` (omitted fields are cleared), completion and
//! repositioning (also across lists).

use serde_json::json;

use super::{
    adopt, children, created, edit, edited, new_child, rich_text, show_found, shown, status_filter,
};
use crate::fake::{
    model::{Completion, Kind, Recording, Status, Store},
    reply::{ApiError, Item, Reply},
    routes::Req,
};

pub fn todoset(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Todoset)
}

pub fn lists(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let set = req.find(store, req.id(0), |k| k == Kind::Todoset)?;
    Ok(Reply::list(children(
        store,
        set.id,
        |k| k == Kind::Todolist,
        status_filter(req),
    )))
}

pub fn create_list(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let set = req.find(store, req.id(0), |k| k == Kind::Todoset)?.clone();
    let name = req.required("name", "Name")?;
    let mut list = new_child(store, Kind::Todolist, &set, req.me);
    list.title = name;
    list.description = rich_text(store, req.text("description"));
    list.position = Some(store.next_position(set.id));
    let id = store.insert(list);
    created(store, id)
}

pub fn list(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Todolist)
}

/// Full replacement: `name` is required, an omitted `description` is cleared.
pub fn update_list(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), |k| k == Kind::Todolist)?.id;
    let name = req.required("name", "Name")?;
    let description = rich_text(store, req.text("description"));
    edit(store, id, req.me, |l| {
        l.title = name;
        l.description = description;
    })
}

/// Active pending to-dos by default; `status=archived|trashed` shows those (pending and
/// completed); `completed=true` keeps only completed ones.
pub fn todos(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let list = req.find(store, req.id(0), |k| k == Kind::Todolist)?;
    let status = status_filter(req);
    let completed = req.param("completed") == Some("true");
    let items = store
        .children(list.id)
        .into_iter()
        .filter(|t| t.kind == Kind::Todo && t.status == status)
        .filter(|t| {
            let done = t.completion.is_some();
            if completed {
                done
            } else {
                status != Status::Active || !done
            }
        })
        .map(|t| Item::Recording(t.id))
        .collect();
    Ok(Reply::list(items))
}

/// The writable fields of a to-do, read from a create or replace body.
fn apply_todo_fields(store: &Store, req: &Req, todo: &mut Recording) -> Result<(), ApiError> {
    todo.title = req.required("content", "Content")?;
    todo.description = rich_text(store, req.text("description"));
    todo.assignees = req.people(store, "assignee_ids");
    todo.completion_subscribers = req.people(store, "completion_subscriber_ids");
    todo.due_on = req.date("due_on", "Due on")?;
    todo.starts_on = req.date("starts_on", "Starts on")?;
    Ok(())
}

fn pending_todo(r: &Recording) -> bool {
    r.kind == Kind::Todo && r.status == Status::Active && r.completion.is_none()
}

/// New to-dos go to the bottom of the pending ones.
pub fn create(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let list = req.find(store, req.id(0), |k| k == Kind::Todolist)?.clone();
    let mut todo = new_child(store, Kind::Todo, &list, req.me);
    apply_todo_fields(store, req, &mut todo)?;
    let id = store.insert(todo);
    let pending = store
        .children(list.id)
        .into_iter()
        .filter(|r| pending_todo(r) && r.id != id)
        .count();
    store.place(list.id, id, pending + 1, pending_todo);
    created(store, id)
}

pub fn show(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Todo)
}

/// Full replacement, as documented: every omitted field is cleared.
pub fn replace(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let mut todo = req.find(store, req.id(0), |k| k == Kind::Todo)?.clone();
    let before = todo.assignees.clone();
    apply_todo_fields(store, req, &mut todo)?;
    let id = todo.id;
    let after = todo.assignees.clone();
    store.recordings.insert(id, todo);
    edited(store, id, req.me);
    if before != after {
        let added: Vec<i64> = after
            .iter()
            .filter(|p| !before.contains(p))
            .copied()
            .collect();
        let removed: Vec<i64> = before
            .iter()
            .filter(|p| !after.contains(p))
            .copied()
            .collect();
        let now = store.now();
        store.record_event(
            id,
            "assignment_changed",
            json!({"added_person_ids": added, "removed_person_ids": removed}),
            req.me,
            now,
        );
    }
    shown(store, id)
}

fn completable(k: Kind) -> bool {
    // Cards complete through the same endpoint (their `completion_url` points here).
    matches!(k, Kind::Todo | Kind::Card)
}

pub fn complete(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), completable)?.id;
    if store.rec(id).is_some_and(|t| t.completion.is_none()) {
        let now = store.touch(id);
        if let Some(t) = store.rec_mut(id) {
            t.completion = Some(Completion {
                at: now,
                by: req.me,
            });
        }
        store.record_event(id, "completed", json!({}), req.me, now);
    }
    Ok(Reply::NoContent)
}

pub fn uncomplete(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), completable)?.id;
    if store.rec(id).is_some_and(|t| t.completion.is_some()) {
        let now = store.touch(id);
        if let Some(t) = store.rec_mut(id) {
            t.completion = None;
        }
        store.record_event(id, "uncompleted", json!({}), req.me, now);
    }
    Ok(Reply::NoContent)
}

/// `position` ≥ 1 among the list's to-dos in the same state; `parent_id` moves the to-do to
/// another list of the same project first.
pub fn reposition(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let todo = req.find(store, req.id(0), |k| k == Kind::Todo)?.clone();
    let position = req
        .int("position")
        .filter(|p| *p >= 1)
        .ok_or_else(|| ApiError::invalid("Position must be greater than or equal to 1"))?;
    let from = todo.parent.unwrap_or(0);
    let to = match req.int("parent_id") {
        Some(list) => {
            store
                .rec(list)
                .filter(|l| l.kind == Kind::Todolist && l.bucket == todo.bucket)
                .ok_or_else(ApiError::not_found)?
                .id
        }
        None => from,
    };
    let now = store.touch(todo.id);
    adopt(store, todo.id, from, to, req.me, now);
    let done = todo.completion.is_some();
    store.place(to, todo.id, position as usize, |r| {
        r.kind == Kind::Todo && r.status == todo.status && r.completion.is_some() == done
    });
    Ok(Reply::NoContent)
}
