//! `testkit`: a small connector over a loopback "Notes" API, for the gateway's tests and
//! the conformance suite's own tests. Shaped like a real connector in miniature: typed
//! config, a client, one `parse_error`, tools, and a fake that behaves like a REST API
//! (bearer auth, JSON error bodies, page-numbered lists, 429 with `Retry-After`).

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use http::{HeaderValue, Method, header};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::{
    Access, Annotations, CallContext, Connector, ConnectorInfo, CredentialKind, CredentialSpec,
    Credentials, Error, ErrorKind, Page, PageRequest, RateLimit, Redactor, Result, SecretString,
    Tool, ToolSet, ToolSpec, Upstream, UpstreamResponse,
    fake::{FakeAccount, Fault, FaultControl},
    paginate,
    tool::DynTool,
};

pub const ID: &str = "testkit";

/// The test connector.
#[derive(Debug, Default, Clone, Copy)]
pub struct Notes;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesConfig {
    /// Base URL of the Notes API.
    pub base_url: Url,
}

/// One account's client.
#[derive(Debug)]
pub struct NotesClient {
    base: Url,
    token: SecretString,
    upstream: Upstream,
    redactor: Redactor,
}

impl Connector for Notes {
    type Config = NotesConfig;
    type Client = NotesClient;

    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            id: ID,
            display_name: "Testkit Notes",
            description: "A loopback notes service used by Switchboard's own tests.",
            credentials: vec![CredentialSpec {
                kind: CredentialKind::ApiKey,
                help: "Any token the fake was started with.",
                fields: &["api_key"],
            }],
            rate_limit: RateLimit::per_second(50),
            account_url: None,
        }
    }

    fn example_config(&self) -> &'static str {
        "# Where the Notes API lives.\nbase_url = \"http://127.0.0.1:9999\"\n"
    }

    fn validate(&self, config: &NotesConfig) -> Result<()> {
        match config.base_url.scheme() {
            "http" | "https" => Ok(()),
            other => Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!("connectors.testkit.base_url: scheme `{other}` is not http or https"),
            )),
        }
    }

    fn build(
        &self,
        config: &NotesConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<NotesClient> {
        let token = credentials.require(ID, "api_key")?.clone();
        Ok(NotesClient {
            base: config.base_url.clone(),
            redactor: Redactor::new().secret(&token),
            token,
            upstream: upstream.clone(),
        })
    }

    fn tools(&self) -> Result<Vec<Arc<dyn DynTool>>> {
        ToolSet::new()
            .with(EchoText)
            .with(ListNotes)
            .with(GetNote)
            .with(CreateNote)
            .with(TriggerPanic)
            .build()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Note {
    pub id: u64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

impl NotesClient {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<UpstreamResponse> {
        let url = self
            .base
            .join(path)
            .map_err(|e| Error::unexpected(format!("bad Notes path {path}: {e}")))?;
        let mut req = self
            .upstream
            .request("Notes", method, url)
            .secret_header(
                header::AUTHORIZATION,
                &SecretString::from(format!("Bearer {}", expose(&self.token))),
            )?
            .rate_limit(format!("{ID}:{}", self.base), RateLimit::per_second(50))
            .redact(&self.redactor);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        if resp.status.is_success() {
            Ok(resp)
        } else {
            Err(parse_error(&resp))
        }
    }

    async fn all_notes(&self) -> Result<Vec<Note>> {
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let resp = self
                .send(
                    Method::GET,
                    &format!("/v1/notes?page={page}&per_page=50"),
                    None,
                )
                .await?;
            let body: NotesPage = resp.json()?;
            out.extend(body.data);
            match body.meta.next_page {
                Some(next) if next > page => page = next,
                _ => return Ok(out),
            }
        }
    }
}

fn expose(s: &SecretString) -> &str {
    use secrecy::ExposeSecret;
    s.expose_secret()
}

#[derive(Deserialize)]
struct NotesPage {
    data: Vec<Note>,
    meta: PageMeta,
}

#[derive(Deserialize)]
struct PageMeta {
    next_page: Option<u32>,
}

/// The one place Notes API errors become kinds.
fn parse_error(resp: &UpstreamResponse) -> Error {
    let status = resp.status.as_u16();
    let detail = resp
        .json::<Value>()
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    let (kind, hint) = match status {
        401 => (
            ErrorKind::Unauthenticated,
            "reconnect the Notes account with a valid token",
        ),
        403 => (
            ErrorKind::PermissionDenied,
            "ask the account owner for access",
        ),
        404 => (ErrorKind::NotFound, "check the id; list notes to find it"),
        409 => (ErrorKind::Conflict, "reload and try again"),
        429 => (ErrorKind::RateLimited, "wait and retry"),
        _ => (ErrorKind::Upstream, "try again shortly"),
    };
    let mut e = Error::new(kind, format!("Notes answered {status}: {detail}; {hint}"))
        .with_upstream_status(status);
    if let Some(after) = resp.retry_after() {
        e = e.with_retry_after(after);
    }
    e
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EchoInput {
    /// The text to send back.
    pub text: String,
    /// Wait this long before answering (tests of calls in flight).
    #[schemars(range(max = 10000))]
    #[serde(default)]
    pub delay_ms: u64,
}

#[derive(Debug)]
pub struct EchoText;

impl Tool<NotesClient> for EchoText {
    type Input = EchoInput;
    type Output = Value;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "testkit_echo_text",
            title: "Echo text",
            description: "Returns the given text unchanged. Use it to check that the connection works.",
            access: Access::Read,
            annotations: Annotations::LOCAL,
        }
    }

    async fn call(&self, _: &NotesClient, input: EchoInput, _: &CallContext) -> Result<Value> {
        if input.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(input.delay_ms)).await;
        }
        Ok(json!({ "text": input.text }))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNotesInput {
    /// Only notes carrying this tag.
    pub tag: Option<String>,
    /// Page size; by default as many as fit.
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug)]
pub struct ListNotes;

impl Tool<NotesClient> for ListNotes {
    type Input = ListNotesInput;
    type Output = Page<Value>;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "testkit_list_notes",
            title: "List notes",
            description: "Lists notes (id, title, tags), optionally only those with a tag. Pages with `cursor`.",
            access: Access::Read,
            annotations: Annotations::READ,
        }
    }

    async fn call(
        &self,
        client: &NotesClient,
        input: ListNotesInput,
        ctx: &CallContext,
    ) -> Result<Page<Value>> {
        let notes: Vec<Value> = client
            .all_notes()
            .await?
            .into_iter()
            .filter(|n| input.tag.as_ref().is_none_or(|t| n.tags.contains(t)))
            .map(|n| json!({"id": n.id, "title": n.title, "tags": n.tags}))
            .collect();
        let query = json!({ "tag": input.tag });
        paginate(
            notes,
            PageRequest {
                cursor: input.cursor.as_deref(),
                limit: input.limit.map(|l| l as usize),
                query: &query,
                budget: ctx.budget,
                snapshot: None,
            },
        )
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetNoteInput {
    /// The note's id.
    pub id: u64,
}

#[derive(Debug)]
pub struct GetNote;

impl Tool<NotesClient> for GetNote {
    type Input = GetNoteInput;
    type Output = Note;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "testkit_get_note",
            title: "Get a note",
            description: "Returns one note with its full body. Find ids with testkit_list_notes.",
            access: Access::Read,
            annotations: Annotations::READ,
        }
    }

    async fn call(
        &self,
        client: &NotesClient,
        input: GetNoteInput,
        _: &CallContext,
    ) -> Result<Note> {
        client
            .send(Method::GET, &format!("/v1/notes/{}", input.id), None)
            .await?
            .json()
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteInput {
    /// A short title.
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
    /// The note's text.
    #[serde(default)]
    pub body: String,
    /// Tags to attach.
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug)]
pub struct CreateNote;

impl Tool<NotesClient> for CreateNote {
    type Input = CreateNoteInput;
    type Output = Note;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "testkit_create_note",
            title: "Create a note",
            description: "Creates a note and returns it with its new id.",
            access: Access::Write,
            annotations: Annotations::CREATE,
        }
    }

    async fn call(
        &self,
        client: &NotesClient,
        input: CreateNoteInput,
        _: &CallContext,
    ) -> Result<Note> {
        let body = json!({"title": input.title, "body": input.body, "tags": input.tags});
        client
            .send(Method::POST, "/v1/notes", Some(body))
            .await?
            .json()
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

/// Panics, so the gateway's tests can prove a failing tool never takes the server down.
#[derive(Debug)]
pub struct TriggerPanic;

impl Tool<NotesClient> for TriggerPanic {
    type Input = NoInput;
    type Output = Value;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "testkit_trigger_panic",
            title: "Trigger a panic",
            description: "Panics inside the tool. Exists only to test the gateway's panic isolation.",
            access: Access::Read,
            annotations: Annotations::LOCAL,
        }
    }

    #[allow(clippy::panic, reason = "the point of this test tool")]
    async fn call(&self, _: &NotesClient, _: NoInput, _: &CallContext) -> Result<Value> {
        panic!("testkit_trigger_panic was called")
    }
}

// ---- the fake Notes API ----

struct FakeState {
    token: String,
    notes: Mutex<Vec<Note>>,
    control: Arc<FaultControl>,
}

#[derive(Clone)]
struct Fake(Arc<FakeState>);

impl std::fmt::Debug for Fake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotesFake").finish_non_exhaustive()
    }
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": code, "message": message}))).into_response()
}

impl Fake {
    /// Counts the request, applies an injected fault, then checks the bearer token.
    fn gate(&self, headers: &HeaderMap) -> std::result::Result<(), Box<Response>> {
        self.0.control.count();
        if let Some(fault) = self.0.control.next_fault() {
            return Err(Box::new(match fault {
                Fault::Unauthenticated => api_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The access token is invalid or has been revoked.",
                ),
                Fault::PermissionDenied => api_error(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "This token may not read these notes.",
                ),
                Fault::NotFound => api_error(StatusCode::NOT_FOUND, "not_found", "No such note."),
                Fault::RateLimited => {
                    let mut r =
                        api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Slow down.");
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                    r
                }
                Fault::ServerError => api_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong.",
                ),
            }));
        }
        let expected = format!("Bearer {}", self.0.token);
        match headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            Some(v) if v == expected => Ok(()),
            _ => Err(Box::new(api_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token is invalid or has been revoked.",
            ))),
        }
    }
}

#[derive(Deserialize)]
struct PageParams {
    page: Option<usize>,
    per_page: Option<usize>,
}

async fn list_notes(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(p): Query<PageParams>,
) -> Response {
    if let Err(r) = fake.gate(&headers) {
        return *r;
    }
    let per_page = p.per_page.unwrap_or(25).clamp(1, 100);
    let page = p.page.unwrap_or(1).max(1);
    let notes = fake.0.notes.lock().map(|n| n.clone()).unwrap_or_default();
    let data: Vec<&Note> = notes
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let next_page = (page * per_page < notes.len()).then_some(page + 1);
    Json(
        json!({"data": data, "meta": {"page": page, "next_page": next_page, "total": notes.len()}}),
    )
    .into_response()
}

async fn get_note(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    if let Err(r) = fake.gate(&headers) {
        return *r;
    }
    let notes = fake.0.notes.lock().map(|n| n.clone()).unwrap_or_default();
    match notes.into_iter().find(|n| n.id == id) {
        Some(n) => Json(n).into_response(),
        None => api_error(StatusCode::NOT_FOUND, "not_found", "No such note."),
    }
}

async fn create_note(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = fake.gate(&headers) {
        return *r;
    }
    let Some(title) = body
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "title is required",
        );
    };
    let Ok(mut notes) = fake.0.notes.lock() else {
        return api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "store poisoned",
        );
    };
    let note = Note {
        id: notes.iter().map(|n| n.id).max().unwrap_or(0) + 1,
        title: title.to_owned(),
        body: body
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        tags: body
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    };
    notes.push(note.clone());
    (StatusCode::CREATED, Json(note)).into_response()
}

fn seed() -> Vec<Note> {
    const TAGS: [&str; 4] = ["ops", "sales", "design", "billing"];
    (1..=120)
        .map(|i| Note {
            id: i,
            title: format!("Note {i}: weekly review"),
            body: format!("Body of note {i}. ").repeat(8),
            tags: vec![TAGS[(i as usize) % TAGS.len()].to_owned()],
        })
        .collect()
}

/// Starts the fake on a loopback port with 120 seeded notes.
pub async fn start_fake() -> Result<FakeAccount> {
    let token = format!("notes-{:032x}", rand::random::<u128>());
    let fake = Fake(Arc::new(FakeState {
        token: token.clone(),
        notes: Mutex::new(seed()),
        control: Arc::default(),
    }));
    let app = Router::new()
        .route("/v1/notes", get(list_notes).post(create_note))
        .route("/v1/notes/{id}", get(get_note))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::unexpected(format!("fake could not bind: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::unexpected(format!("fake has no address: {e}")))?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let base_url = format!("http://{addr}");
    Ok(FakeAccount {
        config: json!({ "base_url": base_url }),
        credentials: Credentials::new(CredentialKind::ApiKey).with("api_key", token),
        label: format!("notes at {addr}"),
        base_url,
        control: fake.0.control.clone(),
    })
}

/// The gateway's registration entry for the test connector.
pub fn registration() -> crate::Registration {
    crate::Registration {
        id: ID,
        connector: || crate::erase(Notes),
        fake: Some(|| Box::pin(start_fake())),
    }
}
