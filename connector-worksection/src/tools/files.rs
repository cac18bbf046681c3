//! Files: a task's or project's files, every attachment of a task's thread, and reading
//! one: text for text-like files, an image block for small images, a link otherwise.

use base64::Engine;
use connector_core::{
    Access, Annotations, CallContext, Content, Error, Result, Tool, ToolOutput, ToolSet, ToolSpec,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Ws,
    comments::comments,
    page,
    tasks::{Include, get_task},
};
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListFiles).with(ListTaskAttachments).with(ReadFile)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilesInput {
    /// The project's id (all its files).
    pub project_id: Option<String>,
    /// The task's id (its files and its comments' files).
    pub task_id: Option<String>,
    /// Files per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListFiles for Ws {
        name: "worksection_list_files",
        title: "List files",
        access: Read,
        annotations: READ,
        description: "Lists the files of a project or a task: id, name, size, who added it and when. Read one with worksection_read_file.",
    }
    async fn call(client, input: ListFilesInput, ctx) -> Value {
        if input.project_id.is_none() && input.task_id.is_none() {
            return Err(Error::invalid_input("argument `project_id`: give a project_id or a task_id"));
        }
        let params = Params::new().opt("id_project", input.project_id.as_deref()).opt("id_task", input.task_id.as_deref());
        let (answer, snapshot) = client.read_list("get_files", params, input.cursor.as_deref()).await?;
        let items = model::list(&answer).iter().map(model::file).collect();
        let query = json!([input.project_id, input.task_id]);
        Ok(json!(page(items, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsInput {
    /// The task's id.
    pub task_id: String,
    /// Files per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTaskAttachments for Ws {
        name: "worksection_list_task_attachments",
        title: "List all of a task's attachments",
        access: Read,
        annotations: READ,
        description: "Lists every file attached to a task and to each of its comments, saying where each was attached.",
    }
    async fn call(client, input: AttachmentsInput, ctx) -> Value {
        let task = get_task(client, &input.task_id, &[Include::Files]).await?;
        let mut files: Vec<Value> = task
            .get("files")
            .and_then(Value::as_array)
            .map(|f| f.iter().map(|x| { let mut x = x.clone(); x["attached_to"] = json!("task"); x }).collect())
            .unwrap_or_default();
        let (thread, snapshot) = comments(client, &input.task_id, input.cursor.as_deref()).await?;
        for c in thread {
            for f in c.get("files").and_then(Value::as_array).cloned().unwrap_or_default() {
                let mut f = f;
                f["attached_to"] = json!({"comment": c.get("id")});
                files.push(f);
            }
        }
        let mut out = json!(page(files, input.cursor.as_deref(), input.limit, json!({"task": input.task_id}), ctx.budget, snapshot)?);
        out["task"] = json!({"id": task.get("id"), "name": task.get("name")});
        Ok(out)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileInput {
    /// The file's id (from worksection_list_files or a task's files).
    pub file_id: String,
}

/// What reading a file produced. (`render` moves `content` into the result's blocks.)
#[derive(Debug, serde::Serialize)]
pub struct FileRead {
    #[serde(flatten)]
    info: Value,
    #[serde(skip)]
    content: Vec<Content>,
}

fn is_text(mime: &str, name: &str) -> bool {
    mime.starts_with("text/")
        || [
            "application/json",
            "application/xml",
            "application/csv",
            "application/x-yaml",
        ]
        .iter()
        .any(|m| mime.starts_with(m))
        || [
            ".txt", ".md", ".csv", ".json", ".xml", ".yaml", ".yml", ".log", ".html",
        ]
        .iter()
        .any(|e| name.to_ascii_lowercase().ends_with(e))
}

/// Reads a file as a tool result; shared by the tool and the `worksection://file/{id}` resource.
pub async fn read_file(
    client: &Ws,
    file_id: &str,
    budget: connector_core::Budget,
) -> Result<FileRead> {
    let (bytes, mime, name) = client.download(file_id).await?;
    let name = name.unwrap_or_else(|| format!("file-{file_id}"));
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("application/octet-stream")
        .trim()
        .to_owned();
    let uri = format!("worksection://file/{file_id}");
    let mut info = json!({"file_id": file_id, "name": name, "mime_type": mime, "size": bytes.len(), "uri": uri});
    let room = budget.chars.saturating_sub(1_000);
    let content = if is_text(&mime, &name) {
        let text = String::from_utf8_lossy(&bytes);
        let shown = model::clip(&text, room);
        if shown != text {
            info["truncated"] = json!(true);
        }
        info["kind"] = json!("text");
        vec![Content::Text(shown)]
    } else if mime.starts_with("image/") && bytes.len() * 4 / 3 < room {
        info["kind"] = json!("image");
        vec![Content::Image {
            data: base64::engine::general_purpose::STANDARD.encode(&bytes),
            mime_type: mime.clone(),
        }]
    } else {
        info["kind"] = json!("link");
        info["note"] = json!(if mime.starts_with("image/") {
            "the image is too large to show inline; it is linked instead"
        } else {
            "this file type cannot be shown as text; it is linked instead"
        });
        vec![Content::ResourceLink {
            uri,
            name: name.clone(),
            mime_type: Some(mime.clone()),
        }]
    };
    Ok(FileRead { info, content })
}

/// The `worksection://file/{id}` resource: text for text-like files, base64 otherwise.
pub async fn file_resource(client: &Ws, file_id: &str) -> Result<connector_core::ResourceContent> {
    let (bytes, mime, name) = client.download(file_id).await?;
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("application/octet-stream")
        .trim()
        .to_owned();
    let uri = format!("worksection://file/{file_id}");
    Ok(if is_text(&mime, name.as_deref().unwrap_or_default()) {
        connector_core::ResourceContent::Text {
            uri,
            mime_type: mime,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    } else {
        connector_core::ResourceContent::Blob {
            uri,
            mime_type: mime,
            blob: base64::engine::general_purpose::STANDARD.encode(&bytes),
        }
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReadFile;

impl Tool<Ws> for ReadFile {
    type Input = ReadFileInput;
    type Output = FileRead;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "worksection_read_file",
            title: "Read a file",
            access: Access::Read,
            annotations: Annotations::READ,
            description: "Reads a file attached in Worksection: text-like files come back as text, small images as an image, anything else as a link. Files over the size cap are refused.",
        }
    }

    async fn call(&self, client: &Ws, input: ReadFileInput, ctx: &CallContext) -> Result<FileRead> {
        read_file(client, &input.file_id, ctx.budget).await
    }

    fn render(&self, output: FileRead) -> Result<ToolOutput> {
        Ok(ToolOutput {
            structured: output.info,
            content: output.content,
        })
    }
}
