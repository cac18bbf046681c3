//! Docs & Files: folders (vaults), documents (read, write, change) and uploaded files.

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
    set.with(ListVaults)
        .with(ListDocuments)
        .with(GetDocument)
        .with(CreateDocument)
        .with(UpdateDocument)
        .with(ListUploads)
        .with(GetUpload)
}

const VAULT_FINDER: &str = "basecamp_list_vaults";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultInput {
    /// The project; its top folder is found from its tools. Give this or `vault_id`.
    pub project_id: Option<i64>,
    /// A folder's id.
    pub vault_id: Option<i64>,
}

tool! {
    pub struct ListVaults for Bc {
        name: "basecamp_list_vaults",
        title: "List folders",
        access: Read,
        annotations: READ,
        description: "Shows a Docs & Files folder (a project's top folder by default) with how many documents, uploads and folders it holds, and its subfolders, each with its id.",
    }
    async fn call(client, input: VaultInput, _ctx) -> Value {
        let vault = container(client, input.vault_id, input.project_id, "vault", "vault_id").await?;
        let call = about("folder", Some(vault), VAULT_FINDER);
        let this = client.get(&format!("/vaults/{vault}.json"), &[], call).await?;
        let (folders, _) = client.list_all(&format!("/vaults/{vault}/vaults.json"), &[], call, super::MAX_ITEMS).await?;
        Ok(json!({
            "folder": model::compact((*this).clone()),
            "subfolders": folders.into_iter().map(model::compact).collect::<Vec<_>>(),
        }))
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FolderListInput {
    /// The project; its top folder is used. Give this or `vault_id`.
    pub project_id: Option<i64>,
    pub vault_id: Option<i64>,
    /// Items per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// A document or upload as a list row: the text clipped.
fn row(v: &Value) -> Value {
    let mut out = model::compact(v.clone());
    for key in ["content", "description"] {
        if let Some(text) = out.get(key).and_then(Value::as_str) {
            out[key] = json!(connector_core::text::clip(text, 200));
        }
    }
    out
}

tool! {
    pub struct ListDocuments for Bc {
        name: "basecamp_list_documents",
        title: "List documents",
        access: Read,
        annotations: READ,
        description: "Lists the documents in a folder (a project's top folder by default): id, title, author, when, the start of the text. Pages with `cursor`; basecamp_get_document has the whole text.",
    }
    async fn call(client, input: FolderListInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let vault = container(client, input.vault_id, input.project_id, "vault", "vault_id").await?;
            gather(client, &format!("/vaults/{vault}/documents.json"), &[], about("folder", Some(vault), VAULT_FINDER), row).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    pub document_id: i64,
}

tool! {
    pub struct GetDocument for Bc {
        name: "basecamp_get_document",
        title: "Read a document",
        access: Read,
        annotations: READ,
        description: "Returns one document: title and its whole text (headings, lists and links kept as text; mentions as @Name; attachments named), author, when, comment count.",
    }
    async fn call(client, input: DocumentRef, _ctx) -> Value {
        let d = client
            .get(&format!("/documents/{}.json", input.document_id), &[], about("document", Some(input.document_id), "basecamp_list_documents"))
            .await?;
        Ok(model::compact((*d).clone()))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocumentInput {
    /// The project; its top folder is used. Give this or `vault_id`.
    pub project_id: Option<i64>,
    pub vault_id: Option<i64>,
    #[schemars(length(min = 1))]
    pub title: String,
    /// The text (plain text or Basecamp rich text HTML).
    #[schemars(length(min = 1))]
    pub content: String,
}

tool! {
    pub struct CreateDocument for Bc {
        name: "basecamp_create_document",
        title: "Write a document",
        access: Write,
        annotations: CREATE,
        description: "Creates a document in a Docs & Files folder (a project's top folder by default) and publishes it. Returns the document with its id.",
    }
    async fn call(client, input: CreateDocumentInput, _ctx) -> Value {
        let vault = container(client, input.vault_id, input.project_id, "vault", "vault_id").await?;
        let created = client
            .write(Method::POST, &format!("/vaults/{vault}/documents.json"), Some(json!({"title": input.title, "content": input.content, "status": "active"})), about("folder", Some(vault), VAULT_FINDER))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDocumentInput {
    pub document_id: i64,
    pub title: Option<String>,
    /// The new text, replacing the old (plain text or rich text HTML).
    pub content: Option<String>,
}

tool! {
    pub struct UpdateDocument for Bc {
        name: "basecamp_update_document",
        title: "Change a document",
        access: Write,
        annotations: UPDATE,
        description: "Changes a document's title or replaces its text; what is not given stays as it is (the document is read first and written back whole).",
    }
    async fn call(client, input: UpdateDocumentInput, _ctx) -> Value {
        if input.title.is_none() && input.content.is_none() {
            return Err(Error::invalid_input("give `title` or `content`: what to change"));
        }
        let call = about("document", Some(input.document_id), "basecamp_list_documents");
        let path = format!("/documents/{}.json", input.document_id);
        let current = client.get(&path, &[], call).await?;
        let body = json!({
            "title": input.title.clone().or_else(|| current["title"].as_str().map(str::to_owned)),
            "content": input.content.clone().or_else(|| current["content"].as_str().map(str::to_owned)),
        });
        let saved = client.write(Method::PUT, &path, Some(body), call).await?.unwrap_or_default();
        Ok(model::compact(saved))
    }
}

tool! {
    pub struct ListUploads for Bc {
        name: "basecamp_list_uploads",
        title: "List uploaded files",
        access: Read,
        annotations: READ,
        description: "Lists the files uploaded to a folder (a project's top folder by default): id, file name, type, size, who uploaded it and when, its description. Pages with `cursor`.",
    }
    async fn call(client, input: FolderListInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let vault = container(client, input.vault_id, input.project_id, "vault", "vault_id").await?;
            gather(client, &format!("/vaults/{vault}/uploads.json"), &[], about("folder", Some(vault), VAULT_FINDER), row).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRef {
    pub upload_id: i64,
}

tool! {
    pub struct GetUpload for Bc {
        name: "basecamp_get_upload",
        title: "Get an uploaded file",
        access: Read,
        annotations: READ,
        description: "Returns one uploaded file's details: file name, content type, size, dimensions for images, description, who uploaded it and when, comment count.",
    }
    async fn call(client, input: UploadRef, _ctx) -> Value {
        let u = client
            .get(&format!("/uploads/{}.json", input.upload_id), &[], about("upload", Some(input.upload_id), "basecamp_list_uploads"))
            .await?;
        Ok(model::compact((*u).clone()))
    }
}
