//! The endpoint handlers, one file per area of the API, plus what they share: listing
//! filters (`status`, `sort`, `direction`), new recordings under a parent, rich text as a
//! client writes it, and the standard 200/201 answers.

pub mod cards;
pub mod chats;
pub mod cross;
pub mod messages;
pub mod projects;
pub mod schedules;
pub mod todos;
pub mod vaults;

use std::cmp::Reverse;

use super::{
    model::{Kind, Recording, Status, Store},
    render,
    reply::{ApiError, Item, Reply},
    rich,
    routes::Req,
    util::Millis,
};

/// The `status` filter of a listing: active unless `archived` or `trashed` is asked for.
pub fn status_filter(req: &Req) -> Status {
    req.param("status")
        .and_then(Status::parse)
        .unwrap_or(Status::Active)
}

/// The children of `parent` of the wanted kinds and status, in display order.
pub fn children(
    store: &Store,
    parent: i64,
    kind: impl Fn(Kind) -> bool,
    status: Status,
) -> Vec<Item> {
    store
        .children(parent)
        .into_iter()
        .filter(|r| r.status == status && kind(r.kind))
        .map(|r| Item::Recording(r.id))
        .collect()
}

/// Orders by `sort` (`created_at`, the default, or `updated_at`) and `direction` (`asc` or
/// `desc`; `newest_first` says which is the default).
pub fn sorted(mut recs: Vec<&Recording>, req: &Req, newest_first: bool) -> Vec<Item> {
    let by_update = req.param("sort") == Some("updated_at");
    let desc = match req.param("direction") {
        Some("asc") => false,
        Some("desc") => true,
        _ => newest_first,
    };
    let key = |r: &Recording| {
        (
            if by_update {
                r.updated_at
            } else {
                r.created_at
            },
            r.id,
        )
    };
    if desc {
        recs.sort_by_key(|r| Reverse(key(r)));
    } else {
        recs.sort_by_key(|r| key(r));
    }
    recs.into_iter().map(|r| Item::Recording(r.id)).collect()
}

/// A new recording of `kind` under `parent`, created now by the caller (not yet stored).
pub fn new_child(store: &mut Store, kind: Kind, parent: &Recording, me: i64) -> Recording {
    let (bucket, parent_id) = (parent.bucket, parent.id);
    let id = store.recording_id();
    let now = store.now();
    Recording::new(kind, id, bucket, Some(parent_id), me, now)
}

/// Moves recording `id` from parent `from` to `to`, if they differ: the siblings it leaves
/// are renumbered and the move is recorded as an `adopted` event.
pub fn adopt(store: &mut Store, id: i64, from: i64, to: i64, me: i64, now: Millis) {
    if from == to {
        return;
    }
    if let Some(r) = store.rec_mut(id) {
        r.parent = Some(to);
    }
    store.renumber(from);
    store.record_event(
        id,
        "adopted",
        serde_json::json!({"new_parent_id": to, "parent_id_was": from}),
        me,
        now,
    );
}

/// Rich text as a client writes it: bare `<bc-attachment>` mentions and files expanded.
pub fn rich_text(store: &Store, html: Option<String>) -> Option<String> {
    html.map(|h| rich::expand(store, &h))
}

/// `200` with a recording as `GET` shows it.
pub fn shown(store: &Store, id: i64) -> Result<Reply, ApiError> {
    let r = store.rec(id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::recording(store, r, true), r.updated_at))
}

/// `200` with the recording the path's id names, if it is of an accepted kind (else 404).
pub fn show_found(
    store: &Store,
    req: &Req,
    accept: impl Fn(Kind) -> bool,
) -> Result<Reply, ApiError> {
    shown(store, req.find(store, req.id(0), accept)?.id)
}

/// `201` with the new recording and its HTML URL in `Location`.
pub fn created(store: &Store, id: i64) -> Result<Reply, ApiError> {
    let r = store.rec(id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::created(
        render::recording(store, r, true),
        r.updated_at,
        render::app_url(store, r),
    ))
}

/// Records a content edit: the event, and `updated_at` moved to now.
pub fn edited(store: &mut Store, id: i64, me: i64) {
    let now = store.touch(id);
    store.record_event(id, "content_changed", serde_json::json!({}), me, now);
}

/// Applies `change` to the stored recording `id`, records the edit and answers with the
/// result.
pub fn edit(
    store: &mut Store,
    id: i64,
    me: i64,
    change: impl FnOnce(&mut Recording),
) -> Result<Reply, ApiError> {
    if let Some(r) = store.rec_mut(id) {
        change(r);
    }
    edited(store, id, me);
    shown(store, id)
}

/// Stores `rec` over the recording it was read from (a full replacement), records the edit
/// and answers with the result.
pub fn replaced(store: &mut Store, rec: Recording, me: i64) -> Result<Reply, ApiError> {
    let id = rec.id;
    store.recordings.insert(id, rec);
    edited(store, id, me);
    shown(store, id)
}
