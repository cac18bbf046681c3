//! The REST API teams use without an operator: self-registration (`/api/register`,
//! `/api/confirm`), their connections (`/api/connections`) and tokens (`/api/tokens`),
//! and the browser pages behind a connect link (`/connect/…`).
//!
//! Errors are `{"error": {"code": "...", "message": "..."}}` with a message that names
//! the problem and the fix. Secrets are accepted here and never returned.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{delete, get, post},
};
use connector_core::{Credentials, ErrorKind};
use serde_json::{Value, json};

use crate::{
    config::RegistrationConfig,
    connections::{Connections, LINK_PURPOSE},
    html::{cookie, escape, page},
    mail::Mailer,
    registry::Active,
    store::{CodeError, ConnectLink, Connection, Role, StoreError, TokenGrant},
};

/// The scope of a team admin's token: the REST API, not tools.
pub const ADMIN_SCOPE: &str = "tenant:admin";
const REGISTER: &str = "register";
const CODE_TTL_SECS: i64 = 600;
const STATE_PURPOSE: &str = "oauth-state";
const STATE_TTL_SECS: i64 = 600;

/// What the API needs.
#[derive(Debug, Clone)]
pub struct Api {
    pub connections: Arc<Connections>,
    pub mailer: Mailer,
    pub registration: RegistrationConfig,
    pub mcp_url: String,
}

/// An API failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn internal(what: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "{what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{what}; try again shortly, and tell the operator if it persists"),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            other => ApiError::internal("the store failed", other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response();
        if let Some(after) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&after.max(1).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses a JSON object body, naming what is wrong.
fn json_object(body: &Bytes) -> ApiResult<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad(
            "invalid_body",
            "the body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad(
            "invalid_body",
            format!("the body is not JSON ({e}); send Content-Type: application/json"),
        )),
    }
}

/// Refuses keys the request does not know, so a misspelt one is not silently ignored.
fn only_keys(m: &serde_json::Map<String, Value>, allowed: &[&str]) -> ApiResult<()> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::bad(
            "invalid_body",
            format!("unknown field `{k}`; the fields are {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn string_field(m: &serde_json::Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(_) => Err(ApiError::bad(
            "invalid_body",
            format!("`{key}` must be a string"),
        )),
    }
}

fn required(m: &serde_json::Map<String, Value>, key: &str, example: &str) -> ApiResult<String> {
    string_field(m, key)?.ok_or_else(|| {
        ApiError::bad(
            "invalid_body",
            format!("`{key}` is required, e.g. {{\"{key}\": \"{example}\"}}"),
        )
    })
}

fn check_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_ascii_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace)
        && email.parse::<lettre::Address>().is_ok();
    if valid {
        Ok(email)
    } else {
        Err(ApiError::bad(
            "invalid_email",
            format!("`{email}` is not an email address"),
        ))
    }
}

pub fn router(api: Api) -> Router {
    Router::new()
        .route("/api/register", post(register))
        .route("/api/confirm", post(confirm))
        .route(
            "/api/connections",
            get(list_connections).post(add_connection),
        )
        .route("/api/connections/{id}", delete(remove_connection))
        .route("/api/tokens", post(issue_token))
        .route("/api/tokens/{id}", delete(revoke_token))
        .route("/connect/callback", get(oauth_callback))
        .route("/connect/{token}", get(connect_page).post(connect_submit))
        .route("/connect/{token}/oauth", get(connect_oauth))
        .with_state(Arc::new(api))
}

// ---- registration ----

/// The client's address: from `header_name` (set by the operator's proxy) when
/// configured, else the connection's.
pub fn client_ip(header_name: &str, headers: &HeaderMap, req_addr: Option<SocketAddr>) -> String {
    let name = header_name.trim();
    if !name.is_empty()
        && let Some(v) = headers.get(name).and_then(|v| v.to_str().ok())
        // The right-most entry is the one the operator's proxy added; entries to its
        // left come from the client and prove nothing.
        && let Some(last) = v.rsplit(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return last.to_owned();
    }
    req_addr.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

async fn register(
    State(api): State<Arc<Api>>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> ApiResult<Response> {
    if !api.registration.enabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            "this server does not take sign-ups; ask its operator for a team",
        ));
    }
    let m = json_object(&body)?;
    only_keys(&m, &["company", "email"])?;
    let company = required(&m, "company", "Acme Inc.")?;
    if company.chars().count() > 100 {
        return Err(ApiError::bad(
            "invalid_body",
            "`company` must be at most 100 characters",
        ));
    }
    let email = check_email(&required(&m, "email", "you@example.com")?)?;
    let store = api.connections.store();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&api.registration.client_ip_header, &parts.headers, peer);
    let client_key = store.signer("client-ip").signature(&ip);
    let since = now() - 3600;
    for (is_email, value, limit, what) in [
        (
            true,
            email.as_str(),
            api.registration.per_email_per_hour,
            "this email address",
        ),
        (
            false,
            client_key.as_str(),
            api.registration.per_ip_per_hour,
            "your network address",
        ),
    ] {
        let (e, k) = if is_email {
            (Some(value), None)
        } else {
            (None, Some(value))
        };
        if store.recent_challenges(REGISTER, e, k, since).await? >= limit {
            let oldest = store
                .oldest_recent_challenge(REGISTER, is_email, value, since)
                .await?
                .unwrap_or(since);
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many codes were requested for {what} in the last hour; try again later (see Retry-After)"
                ),
            );
            err.retry_after = Some(oldest + 3600 - now());
            return Err(err);
        }
    }
    let (tenant, _) = store.pending_registration(&company, &email).await?;
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let challenge = store
        .create_challenge(
            REGISTER,
            &email,
            Some(&tenant.id),
            &code,
            &client_key,
            CODE_TTL_SECS,
        )
        .await?;
    // The company name is the registrant's own text: it stays out of the mail, which
    // goes to an address nobody has verified yet.
    let body = format!(
        "Your Switchboard sign-up code is {code}.\n\nIt works for 10 minutes. Confirm with:\n\n  POST {base}/api/confirm {{\"email\": \"{email}\", \"code\": \"{code}\"}}\n\nIf you did not sign up, ignore this mail.\n",
        base = api.connections.public_url(),
    );
    if api
        .mailer
        .send_code(store, &challenge, &email, &code, &body)
        .await
        .is_err()
    {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "mail_failed",
            "the code could not be mailed just now; try again in a minute",
        ));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "status": "code_sent",
            "email": email,
            "expires_in_secs": CODE_TTL_SECS,
            "next": "POST /api/confirm with {\"email\", \"code\"} (the 6-digit code from the mail)",
        })),
    )
        .into_response())
}

async fn confirm(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult<Json<Value>> {
    let m = json_object(&body)?;
    only_keys(&m, &["email", "code"])?;
    let email = check_email(&required(&m, "email", "you@example.com")?)?;
    let code = required(&m, "code", "123456")?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad(
            "invalid_code",
            "`code` is the 6-digit code from the mail",
        ));
    }
    let store = api.connections.store();
    let challenge = match store.check_code(REGISTER, &email, &code).await? {
        Ok(c) => c,
        Err(CodeError::NoChallenge) => {
            return Err(ApiError::bad(
                "no_pending_code",
                format!(
                    "there is no live code for {email}: it expired, was used, or was never sent; POST /api/register again"
                ),
            ));
        }
        Err(CodeError::Wrong { left }) => {
            return Err(ApiError::bad(
                "wrong_code",
                format!("that code is not right; {left} attempt(s) left"),
            ));
        }
        Err(CodeError::TooManyAttempts) => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many wrong codes; POST /api/register again for a new one",
            ));
        }
    };
    let scopes = vec![ADMIN_SCOPE.to_owned()];
    let activated = async {
        let tenant_id = challenge.tenant_id.clone().ok_or_else(|| {
            ApiError::internal("the code names no team", "challenge without tenant")
        })?;
        let tenant = store.activate_registered(&tenant_id).await?;
        let member = store
            .members(&tenant.id)
            .await?
            .into_iter()
            .find(|m| m.email == email)
            .ok_or_else(|| ApiError::internal("the registering member is missing", &email))?;
        let (token_id, token) = store
            .issue_token(
                &tenant.id,
                Some(&member.id),
                "team admin (registration)",
                &scopes,
            )
            .await?;
        Ok::<_, ApiError>((tenant, token_id, token))
    }
    .await;
    let (tenant, token_id, token) = match activated {
        Ok(x) => x,
        Err(e) => {
            // The code was right: let the person confirm again once the fault is gone.
            let _ = store.unconsume_challenge(&challenge.id).await;
            return Err(e);
        }
    };
    tracing::info!(team = %tenant.slug, "team registered");
    Ok(Json(json!({
        "team": {"slug": tenant.slug, "name": tenant.name, "status": tenant.status.as_str()},
        "admin_token": token,
        "admin_token_id": token_id,
        "scopes": scopes,
        "mcp_url": api.mcp_url,
        "next": "connect an account with POST /api/connections, then issue a token for your AI client with POST /api/tokens (both with Authorization: Bearer <admin_token>)",
    })))
}

// ---- the team admin's API ----

async fn team_admin(api: &Api, headers: &HeaderMap) -> ApiResult<TokenGrant> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send Authorization: Bearer <admin_token> (from POST /api/confirm)",
            )
        })?;
    let grant = api
        .connections
        .store()
        .verify_token(token)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "the token is not valid, was revoked, or its team is not active",
            )
        })?;
    if !grant.scopes.iter().any(|s| s == ADMIN_SCOPE) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this token lacks the scope {ADMIN_SCOPE}; use the team admin token"),
        ));
    }
    Ok(grant)
}

/// The member of the team with `email`, named in a request body.
async fn member_by_email(
    api: &Api,
    tenant_id: &str,
    email: &str,
) -> ApiResult<crate::store::Member> {
    let email = check_email(email)?;
    api.connections
        .store()
        .members(tenant_id)
        .await?
        .into_iter()
        .find(|x| x.email == email)
        .ok_or_else(|| {
            ApiError::bad(
                "unknown_member",
                format!("{email} is not a member of this team"),
            )
        })
}

fn connection_json(c: &Connection, members: &[crate::store::Member]) -> Value {
    let member = c
        .member_id
        .as_ref()
        .and_then(|id| members.iter().find(|m| &m.id == id))
        .map(|m| m.email.clone());
    json!({
        "id": c.id,
        "connector": c.connector,
        "label": c.label,
        "scope": if c.member_id.is_some() { "member" } else { "team" },
        "member": member,
        "status": c.status,
        "last_error": c.last_error,
    })
}

async fn list_connections(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let grant = team_admin(&api, &headers).await?;
    let store = api.connections.store();
    let members = store.members(&grant.tenant_id).await?;
    let list: Vec<Value> = store
        .connections(&grant.tenant_id)
        .await?
        .iter()
        .map(|c| connection_json(c, &members))
        .collect();
    Ok(Json(json!({"connections": list})))
}

fn active_connector<'a>(api: &'a Api, id: &str) -> ApiResult<&'a Active> {
    api.connections.connector(id).ok_or_else(|| {
        let ids: Vec<&str> = api
            .connections
            .registry()
            .connectors()
            .map(|a| a.connector.info().id)
            .collect();
        ApiError::bad(
            "unknown_connector",
            format!(
                "this server has no connector `{id}`; it offers: {}",
                ids.join(", ")
            ),
        )
    })
}

/// Checks a team's credentials live and saves them: the one path for the API and the
/// connect page.
async fn connect_with_fields(
    api: &Api,
    tenant_id: &str,
    member_id: Option<&str>,
    active: &Active,
    fields: BTreeMap<String, String>,
    label: Option<String>,
) -> ApiResult<Connection> {
    let info = active.connector.info();
    let Some(spec) = info.credentials.iter().find(|c| c.kind.is_typed_in()) else {
        return Err(ApiError::bad(
            "oauth_only",
            format!(
                "{} connects through sign-in only: POST /api/connections with just {{\"connector\": \"{}\"}} for a connect link",
                info.display_name, info.id
            ),
        ));
    };
    if let Some(unknown) = fields.keys().find(|k| !spec.fields.contains(&k.as_str())) {
        return Err(ApiError::bad(
            "invalid_credentials",
            format!(
                "{} credentials have no field `{unknown}`; the fields are {}",
                info.display_name,
                spec.fields.join(", ")
            ),
        ));
    }
    let mut fields: BTreeMap<String, String> = fields
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    if let Some((field, rule)) = &active.account_url {
        let raw = fields.get(*field).ok_or_else(|| {
            ApiError::bad(
                "invalid_credentials",
                format!(
                    "`{field}` is required: the address of your {} account",
                    info.display_name
                ),
            )
        })?;
        let url = rule
            .check(raw, field)
            .await
            .map_err(|m| ApiError::bad("host_not_allowed", m))?;
        fields.insert(
            (*field).to_owned(),
            url.as_str().trim_end_matches('/').to_owned(),
        );
    }
    let creds = fields
        .iter()
        .fold(Credentials::new(spec.kind), |c, (k, v)| c.with(k, v.trim()));
    let client = active
        .connector
        .build(&active.settings, &creds, api.connections.upstream())
        .map_err(|e| ApiError::bad("invalid_credentials", e.to_string()))?;
    let verified = active
        .connector
        .verify(&client)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Unauthenticated
            | ErrorKind::PermissionDenied
            | ErrorKind::InvalidInput
            | ErrorKind::NotFound => ApiError::bad(
                "credentials_rejected",
                format!("{} refused these credentials: {e}", info.display_name),
            ),
            _ => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                format!(
                    "{} could not be reached to check the credentials: {e}",
                    info.display_name
                ),
            ),
        })?;
    let label = label
        .or(verified)
        .unwrap_or_else(|| info.display_name.to_owned());
    let store = api.connections.store();
    store
        .replace_broken_connections(tenant_id, member_id, info.id)
        .await?;
    let connection = store
        .add_connection(tenant_id, member_id, info.id, &label, &creds)
        .await?;
    tracing::info!(connection = %connection.id, connector = info.id, "account connected");
    Ok(connection)
}

async fn add_connection(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let grant = team_admin(&api, &headers).await?;
    let m = json_object(&body)?;
    only_keys(&m, &["connector", "credentials", "member", "label"])?;
    let connector = required(&m, "connector", "worksection")?;
    let active = active_connector(&api, &connector)?;
    let store = api.connections.store();
    let member_id = match string_field(&m, "member")? {
        None => None,
        Some(email) => Some(member_by_email(&api, &grant.tenant_id, &email).await?.id),
    };
    let members = store.members(&grant.tenant_id).await?;
    match m.get("credentials") {
        Some(Value::Object(c)) => {
            let mut fields = BTreeMap::new();
            for (k, v) in c {
                let Value::String(s) = v else {
                    return Err(ApiError::bad(
                        "invalid_credentials",
                        format!("credential field `{k}` must be a string"),
                    ));
                };
                fields.insert(k.clone(), s.clone());
            }
            let connection = connect_with_fields(
                &api,
                &grant.tenant_id,
                member_id.as_deref(),
                active,
                fields,
                string_field(&m, "label")?,
            )
            .await?;
            Ok((
                StatusCode::CREATED,
                Json(json!({"connection": connection_json(&connection, &members)})),
            )
                .into_response())
        }
        Some(_) => Err(ApiError::bad(
            "invalid_credentials",
            "`credentials` must be an object of fields, e.g. {\"api_key\": \"…\"}",
        )),
        None => {
            let info = active.connector.info();
            let has_oauth = matches!(active.connector.oauth_app(&active.settings), Ok(Some(_)));
            if !has_oauth {
                let fields = info
                    .credentials
                    .iter()
                    .find(|c| c.kind.is_typed_in())
                    .map(|c| c.fields.join(", "))
                    .unwrap_or_default();
                return Err(ApiError::bad(
                    "credentials_required",
                    format!(
                        "give `credentials` ({fields}); this server has no OAuth app for {}",
                        info.display_name
                    ),
                ));
            }
            let url = api
                .connections
                .connect_link(&grant.tenant_id, member_id.as_deref(), info.id)
                .await
                .map_err(|e| ApiError::internal("a connect link could not be made", e))?;
            Ok((
                StatusCode::CREATED,
                Json(json!({
                    "connect_url": url,
                    "message": format!("open connect_url in a browser to sign in to {} and approve access; the link works once", info.display_name),
                })),
            )
                .into_response())
        }
    }
}

async fn remove_connection(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let grant = team_admin(&api, &headers).await?;
    api.connections
        .store()
        .remove_connection(&grant.tenant_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn issue_token(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let grant = team_admin(&api, &headers).await?;
    let m = if body.is_empty() {
        Default::default()
    } else {
        json_object(&body)?
    };
    only_keys(&m, &["name", "scopes", "member"])?;
    let name = string_field(&m, "name")?.unwrap_or_else(|| "AI client".to_owned());
    let scopes: Vec<String> = match m.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                s.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::bad(
                        "invalid_body",
                        "`scopes` must be an array of strings such as \"worksection:read\"",
                    )
                })
            })
            .collect::<ApiResult<_>>()?,
        Some(_) => {
            return Err(ApiError::bad(
                "invalid_body",
                "`scopes` must be an array of strings such as \"worksection:read\"",
            ));
        }
    };
    let connectors: Vec<&str> = api
        .connections
        .registry()
        .connectors()
        .map(|a| a.connector.info().id)
        .collect();
    crate::auth::check_scopes(&scopes, &connectors)
        .map_err(|m| ApiError::bad("invalid_scope", m))?;
    let store = api.connections.store();
    let member = match string_field(&m, "member")? {
        None => match &grant.member_id {
            Some(id) => Some(store.member(&grant.tenant_id, id).await?),
            None => None,
        },
        Some(email) => Some(member_by_email(&api, &grant.tenant_id, &email).await?),
    };
    if member.as_ref().is_some_and(|m| m.role == Role::Member)
        && scopes.iter().any(|s| s == ADMIN_SCOPE)
    {
        return Err(ApiError::bad(
            "invalid_scope",
            format!("{ADMIN_SCOPE} is for owners and admins only"),
        ));
    }
    let (id, token) = store
        .issue_token(
            &grant.tenant_id,
            member.as_ref().map(|m| m.id.as_str()),
            &name,
            &scopes,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "token": token,
            "scopes": scopes,
            "member": member.map(|m| m.email),
            "mcp_url": api.mcp_url,
            "message": "give the MCP URL and this token (Authorization: Bearer <token>) to your AI client; it is shown only once",
        })),
    )
        .into_response())
}

async fn revoke_token(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let grant = team_admin(&api, &headers).await?;
    api.connections
        .store()
        .revoke_token(&grant.tenant_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- connect pages ----

fn dead_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This link no longer works",
        "<p>Connect links work once and for a limited time. Ask your AI client to call the tool again for a new link, or ask a team admin.</p>",
    )
}

/// The live link a signed token names.
async fn link_of(api: &Api, token: &str) -> Result<ConnectLink, Response> {
    let Some(id) = api.connections.store().signer(LINK_PURPOSE).verify(token) else {
        return Err(dead_link());
    };
    match api.connections.store().live_connect_link(id).await {
        Ok(Some(link)) => Ok(link),
        Ok(None) => Err(dead_link()),
        Err(e) => Err(ApiError::internal("the link could not be read", e).into_response()),
    }
}

async fn connect_page(State(api): State<Arc<Api>>, Path(token): Path<String>) -> Response {
    let link = match link_of(&api, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(active) = api.connections.connector(&link.connector) else {
        return dead_link();
    };
    let info = active.connector.info();
    let mut body = who_connects(&api, &link).await;
    if matches!(active.connector.oauth_app(&active.settings), Ok(Some(_))) {
        body.push_str(&format!(
            "<p><a class=\"button\" href=\"/connect/{}/oauth\">Sign in with {}</a></p>",
            escape(&token),
            escape(info.display_name)
        ));
    }
    if let Some(spec) = info.credentials.iter().find(|c| c.kind.is_typed_in()) {
        body.push_str(&format!(
            "<p>{}</p><form method=\"post\">",
            escape(spec.help)
        ));
        for field in spec.fields {
            let secret = ["key", "secret", "token", "password"]
                .iter()
                .any(|s| field.contains(s));
            body.push_str(&format!(
                "<label>{f}<input name=\"{f}\" type=\"{t}\" autocomplete=\"off\"></label>",
                f = escape(field),
                t = if secret { "password" } else { "text" }
            ));
        }
        body.push_str("<button type=\"submit\">Connect</button></form>");
    }
    page(
        StatusCode::OK,
        &format!("Connect {}", info.display_name),
        &body,
    )
}

async fn connect_submit(
    State(api): State<Arc<Api>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let link = match link_of(&api, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(active) = api.connections.connector(&link.connector) else {
        return dead_link();
    };
    let fields: BTreeMap<String, String> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The credentials are checked before the link is spent, so a typo can be fixed.
    let result = async {
        let connection = connect_with_fields(
            &api,
            &link.tenant_id,
            link.member_id.as_deref(),
            active,
            fields,
            None,
        )
        .await?;
        if !api.connections.store().consume_link(&link.id, None).await? {
            // Someone else used the link meanwhile: keep one connection, not two.
            let _ = api
                .connections
                .store()
                .remove_connection(&link.tenant_id, &connection.id)
                .await;
            return Err(ApiError::bad("link_used", "this link was used already"));
        }
        Ok(connection)
    }
    .await;
    match result {
        Ok(c) => connected_page(active, &c),
        Err(e) => page(
            e.status,
            "Not connected",
            &format!(
                "<p>{}</p><p><a href=\"/connect/{}\">Try again</a></p>",
                escape(&e.message),
                escape(&token)
            ),
        ),
    }
}

/// Whose account the page connects: the team, and the member for a member's own link.
/// Shown so nobody connects their account to a team they do not know.
async fn who_connects(api: &Api, link: &ConnectLink) -> String {
    let store = api.connections.store();
    let team = store
        .tenant_by_id(&link.tenant_id)
        .await
        .map(|t| t.name)
        .unwrap_or_else(|_| "this team".into());
    let member = match &link.member_id {
        Some(id) => store
            .member(&link.tenant_id, id)
            .await
            .ok()
            .map(|m| m.email),
        None => None,
    };
    match member {
        Some(email) => format!(
            "<p>This connects your account for <strong>{}</strong> in the team <strong>{}</strong>. If you do not know this team, close this page.</p>",
            escape(&email),
            escape(&team)
        ),
        None => format!(
            "<p>This connects an account that the whole team <strong>{}</strong> will use. If you do not know this team, close this page.</p>",
            escape(&team)
        ),
    }
}

/// The cookie that ties an upstream sign-in to the browser that started it.
fn state_cookie_name(api: &Api) -> &'static str {
    if api.connections.public_url().starts_with("https://") {
        "__Host-sb_connect"
    } else {
        "sb_connect"
    }
}

fn connected_page(active: &Active, c: &Connection) -> Response {
    page(
        StatusCode::OK,
        &format!("{} connected", active.connector.info().display_name),
        &format!(
            "<p>{} is connected. You can close this page and ask your AI client to try again.</p>",
            escape(&c.label)
        ),
    )
}

async fn connect_oauth(State(api): State<Arc<Api>>, Path(token): Path<String>) -> Response {
    let link = match link_of(&api, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(active) = api.connections.connector(&link.connector) else {
        return dead_link();
    };
    let Ok(Some(app)) = active.connector.oauth_app(&active.settings) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in is not available",
            "<p>This server has no OAuth app for this service; use the form instead.</p>",
        );
    };
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    if let Err(e) = api
        .connections
        .store()
        .start_link_oauth(&link.id, &nonce)
        .await
    {
        return ApiError::internal("the sign-in could not start", e).into_response();
    }
    let state = api.connections.store().signer(STATE_PURPOSE).sign(&format!(
        "{}~{nonce}~{}",
        link.id,
        now() + STATE_TTL_SECS
    ));
    let mut resp = Redirect::to(
        app.authorize_url(&api.connections.oauth_redirect_uri(), &state)
            .as_str(),
    )
    .into_response();
    // The callback must come back to this browser: a sign-in URL passed to someone else
    // would otherwise connect their account to this team.
    let secure = if api.connections.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={nonce}; Path=/; HttpOnly; SameSite=Lax; Max-Age={STATE_TTL_SECS}{secure}",
        state_cookie_name(&api)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Debug, serde::Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn oauth_callback(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let failed = |message: String| {
        page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            &format!("<p>{}</p>", escape(&message)),
        )
    };
    let store = api.connections.store();
    let Some(value) = q
        .state
        .as_deref()
        .and_then(|s| store.signer(STATE_PURPOSE).verify(s))
    else {
        return failed(
            "The sign-in answer is not one this server started. Open the connect link again."
                .into(),
        );
    };
    let mut parts = value.split('~');
    let (Some(link_id), Some(nonce), Some(expires)) = (parts.next(), parts.next(), parts.next())
    else {
        return failed("The sign-in answer is malformed. Open the connect link again.".into());
    };
    if expires.parse::<i64>().unwrap_or(0) < now() {
        return failed("The sign-in took too long. Open the connect link again.".into());
    }
    if cookie(&headers, state_cookie_name(&api)) != Some(nonce) {
        return failed("This sign-in was started in another browser. Open the connect link in the browser you sign in with.".into());
    }
    if let Some(error) = &q.error {
        return failed(format!(
            "The sign-in was not approved ({error}{}). Open the connect link again to retry.",
            q.error_description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
    }
    let Some(code) = q.code.as_deref() else {
        return failed("The sign-in answer has no code. Open the connect link again.".into());
    };
    let link = match store.live_connect_link(link_id).await {
        Ok(Some(l)) if l.oauth_nonce.as_deref() == Some(nonce) => l,
        Ok(_) => return dead_link(),
        Err(e) => return ApiError::internal("the link could not be read", e).into_response(),
    };
    // Spent before the exchange: a replayed answer finds the link used.
    match store.consume_link(&link.id, Some(nonce)).await {
        Ok(true) => {}
        Ok(false) => return dead_link(),
        Err(e) => return ApiError::internal("the link could not be used", e).into_response(),
    }
    let Some(active) = api.connections.connector(&link.connector) else {
        return dead_link();
    };
    let info = active.connector.info();
    let result = async {
        let app = active
            .connector
            .oauth_app(&active.settings)?
            .ok_or_else(|| connector_core::Error::new(ErrorKind::ConfigInvalid, "no OAuth app"))?;
        let tokens = app
            .exchange_code(
                api.connections.upstream(),
                code,
                &api.connections.oauth_redirect_uri(),
            )
            .await?;
        let creds = active
            .connector
            .complete_sign_in(&active.settings, &tokens, api.connections.upstream())
            .await?;
        if let Some((field, rule)) = &active.account_url
            && let Some(url) = creds.get(field)
        {
            use connector_core::ExposeSecret;
            rule.check(url.expose_secret(), field)
                .await
                .map_err(|m| connector_core::Error::new(ErrorKind::PermissionDenied, m))?;
        }
        let client =
            active
                .connector
                .build(&active.settings, &creds, api.connections.upstream())?;
        let label = active.connector.verify(&client).await?;
        Ok::<_, connector_core::Error>((creds, label))
    }
    .await;
    let (creds, label) = match result {
        Ok(x) => x,
        Err(e) => {
            return failed(format!(
                "{} did not complete the sign-in: {e}. Ask for a new connect link.",
                info.display_name
            ));
        }
    };
    let label = label.unwrap_or_else(|| info.display_name.to_owned());
    let saved = async {
        store
            .replace_broken_connections(&link.tenant_id, link.member_id.as_deref(), info.id)
            .await?;
        store
            .add_connection(
                &link.tenant_id,
                link.member_id.as_deref(),
                info.id,
                &label,
                &creds,
            )
            .await
    }
    .await;
    match saved {
        Ok(c) => {
            tracing::info!(connection = %c.id, connector = info.id, "account connected through OAuth");
            connected_page(active, &c)
        }
        Err(e) => ApiError::internal("the connection could not be saved", e).into_response(),
    }
}
