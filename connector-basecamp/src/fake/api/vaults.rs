//! Docs & Files: vaults (folders), documents and uploads. The document `PUT` is a full
//! replacement of `title` and `content` (an omitted title reads back as "Untitled").

use super::{children, created, edit, new_child, rich_text, show_found, status_filter};
use crate::fake::{
    model::{Kind, Store},
    reply::{ApiError, Reply},
    routes::{Field, Req},
};

pub fn vault(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Vault)
}

fn contents(store: &Store, req: &Req, kind: Kind) -> Result<Reply, ApiError> {
    let vault = req.find(store, req.id(0), |k| k == Kind::Vault)?;
    Ok(Reply::list(children(
        store,
        vault.id,
        |k| k == kind,
        status_filter(req),
    )))
}

pub fn vaults(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    contents(store, req, Kind::Vault)
}

pub fn documents(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    contents(store, req, Kind::Document)
}

pub fn uploads(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    contents(store, req, Kind::Upload)
}

pub fn create_vault(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let parent = req.find(store, req.id(0), |k| k == Kind::Vault)?.clone();
    let title = req.required("title", "Title")?;
    let mut vault = new_child(store, Kind::Vault, &parent, req.me);
    vault.title = title;
    vault.position = Some(store.next_position(parent.id));
    let id = store.insert(vault);
    created(store, id)
}

pub fn create_document(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let vault = req.find(store, req.id(0), |k| k == Kind::Vault)?.clone();
    let title = req.required("title", "Title")?;
    let content = req.required("content", "Content")?;
    let mut doc = new_child(store, Kind::Document, &vault, req.me);
    doc.title = title;
    doc.content = rich_text(store, Some(content));
    doc.position = Some(store.next_position(vault.id));
    let id = store.insert(doc);
    created(store, id)
}

pub fn document(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Document)
}

pub fn replace_document(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = req.find(store, req.id(0), |k| k == Kind::Document)?.id;
    if matches!(req.field("title"), Field::Absent) && matches!(req.field("content"), Field::Absent)
    {
        return Err(ApiError::bad_request(
            "param is missing or the value is empty: document",
        ));
    }
    let title = req
        .text("title")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "Untitled".to_owned());
    let content = rich_text(store, req.text("content"));
    edit(store, id, req.me, |d| {
        d.title = title;
        d.content = content;
    })
}

pub fn upload(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Upload)
}
