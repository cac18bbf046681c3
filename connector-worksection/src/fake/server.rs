//! The fake's HTTP side: routes, parameter merging, injected faults, the md5 `hash` and
//! OAuth token checks, the per-account request limit, the URL length limit, and the
//! OAuth2 authorization server (authorize, token, refresh, resource).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use connector_core::fake::{Fault, FaultControl};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use super::{
    FakeOptions,
    actions::{self, ApiError, Caller, Params, Reply},
    model::Store,
    util::{self, DAY, percent_decode},
};

/// Access tokens live 24 hours, refresh tokens a month, codes ten minutes (as documented).
const ACCESS_TTL: i64 = DAY;
const REFRESH_TTL: i64 = 30 * DAY;
const CODE_TTL: i64 = 600;
/// The longest request line the API's web server takes.
const MAX_URL: usize = 8192;

pub const ALL_SCOPES: [&str; 17] = [
    "projects_read",
    "projects_write",
    "tasks_read",
    "tasks_write",
    "costs_read",
    "costs_write",
    "tags_read",
    "tags_write",
    "comments_read",
    "comments_write",
    "files_read",
    "files_write",
    "users_read",
    "users_write",
    "contacts_read",
    "contacts_write",
    "administrative",
];

#[derive(Debug)]
struct AccessToken {
    user: u64,
    expires: i64,
}

#[derive(Debug)]
struct RefreshToken {
    user: u64,
    access: String,
    scopes: Vec<String>,
    expires: i64,
}

#[derive(Debug)]
struct AuthCode {
    user: u64,
    redirect_uri: String,
    scopes: Vec<String>,
    expires: i64,
}

#[derive(Debug, Default)]
pub struct OAuth {
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    codes: HashMap<String, AuthCode>,
}

/// Everything the handlers share.
pub struct Shared {
    pub options: FakeOptions,
    pub api_key: String,
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub store: Mutex<Store>,
    pub oauth: Mutex<OAuth>,
    pub control: Arc<FaultControl>,
    pub actions: Mutex<HashMap<String, usize>>,
    limiter: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Locks a mutex, recovering the data if a holder panicked: the fake keeps serving.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        out.push_str(&format!("{:032x}", rand::random::<u128>()));
    }
    out.truncate(bytes * 2);
    out
}

impl Shared {
    pub fn new(options: FakeOptions, api_key: String, base_url: String, store: Store) -> Self {
        Self {
            options,
            api_key,
            base_url,
            client_id: random_hex(16),
            client_secret: random_hex(20),
            store: Mutex::new(store),
            oauth: Mutex::new(OAuth::default()),
            control: Arc::default(),
            actions: Mutex::new(HashMap::new()),
            limiter: Mutex::new(HashMap::new()),
        }
    }

    fn count_action(&self, action: &str) {
        *lock(&self.actions).entry(action.to_owned()).or_default() += 1;
    }

    /// Whether one more request fits the rolling one-second window of `account`.
    /// Refused requests are not recorded, so a client that waits a second gets through.
    fn allow(&self, account: &str) -> bool {
        let limit = self.options.requests_per_second as usize;
        if limit == 0 {
            return true;
        }
        let now = Instant::now();
        let mut map = lock(&self.limiter);
        let window = map.entry(account.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            window.pop_front();
        }
        if window.len() >= limit {
            return false;
        }
        window.push_back(now);
        true
    }

    /// Mints an access/refresh pair for `user`; `None` mints tokens nobody accepts.
    pub fn mint(
        &self,
        user: Option<u64>,
        client_id: &str,
        scopes: Vec<String>,
    ) -> (String, String) {
        let now = util::now();
        let access = jwt(client_id, user.unwrap_or(0), now, &scopes);
        let refresh = format!("def50200{}", random_hex(96));
        if let Some(user) = user {
            let mut o = lock(&self.oauth);
            o.access.insert(
                access.clone(),
                AccessToken {
                    user,
                    expires: now + ACCESS_TTL,
                },
            );
            o.refresh.insert(
                refresh.clone(),
                RefreshToken {
                    user,
                    access: access.clone(),
                    scopes,
                    expires: now + REFRESH_TTL,
                },
            );
        }
        (access, refresh)
    }

    pub fn expire_access_tokens(&self) {
        let now = util::now();
        for t in lock(&self.oauth).access.values_mut() {
            t.expires = now - 1;
        }
    }

    pub fn revoke_refresh_tokens(&self) {
        lock(&self.oauth).refresh.clear();
    }
}

/// An access token shaped like the real one: a JWT (RS256 header, `aud`, `jti`, `sub`,
/// `exp`, `scopes`) with a random signature. Only the server's table makes it valid.
fn jwt(client_id: &str, user: u64, now: i64, scopes: &[String]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256"}"#);
    let claims = json!({
        "aud": client_id, "jti": random_hex(40), "iat": now, "nbf": now,
        "exp": now + ACCESS_TTL, "sub": user.to_string(), "scopes": scopes,
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = URL_SAFE_NO_PAD.encode(random_hex(128));
    format!("{header}.{payload}.{signature}")
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/admin/v2", get(admin_api).post(admin_api))
        .route("/api/admin/v2/", get(admin_api).post(admin_api))
        .route("/api/oauth2", get(user_api).post(user_api))
        .route("/api/oauth2/", get(user_api).post(user_api))
        .route("/oauth2/authorize", get(authorize).post(authorize))
        .route("/oauth2/token", get(token).post(token))
        .route("/oauth2/refresh", get(refresh).post(refresh))
        .route("/oauth2/resource", get(resource).post(resource))
        .with_state(shared)
}

// ---- parameters ----

fn push_json(p: &mut Params, key: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::String(s) => p.push(2, key, s.as_str()),
        Value::Bool(b) => p.push(2, key, if *b { "1" } else { "0" }),
        Value::Number(n) => p.push(2, key, n.to_string()),
        Value::Array(items) => {
            // `todo: [..]` is the JSON form of repeated `todo[]`; other lists are also
            // offered comma-joined, the API's list notation.
            let base = key.trim_end_matches("[]");
            let mut joined = Vec::new();
            for item in items {
                let s = match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                p.push(2, format!("{base}[]"), s.as_str());
                joined.push(s);
            }
            p.push(2, base, joined.join(","));
        }
        Value::Object(_) => p.push(2, key, v.to_string()),
    }
}

/// Merges the query, an urlencoded form body and a JSON body.
fn params(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Params {
    let mut p = Params::default();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        p.push(0, k, v);
    }
    if body.is_empty() {
        return p;
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let looks_json = body.first() == Some(&b'{');
    if ctype.starts_with("application/json") || (ctype.is_empty() && looks_json) {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in &map {
                push_json(&mut p, k, v);
            }
        }
    } else if ctype.starts_with("application/x-www-form-urlencoded") || ctype.is_empty() {
        for (k, v) in url::form_urlencoded::parse(body) {
            p.push(1, k, v);
        }
    }
    p
}

// ---- responses ----

fn json_at(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn too_many_requests(shared: &Shared) -> Response {
    let body = json!({"status": "error", "message": "Too many requests"});
    if shared.options.rate_limit_http_429 {
        let mut r = json_at(StatusCode::TOO_MANY_REQUESTS, body);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        r
    } else {
        json_at(StatusCode::OK, body)
    }
}

fn hash_error() -> Response {
    json_at(
        StatusCode::OK,
        json!({"status": "error", "status_code": 2, "message": "Action hash is missed or invalid"}),
    )
}

fn token_error(message: &str) -> Response {
    json_at(
        StatusCode::UNAUTHORIZED,
        json!({"status": "error", "message": message}),
    )
}

/// The answer to an injected fault; `oauth` picks the OAuth endpoint's form of
/// `Unauthenticated`.
fn fault_response(shared: &Shared, fault: Fault, oauth: bool) -> Response {
    match fault {
        Fault::Unauthenticated if oauth => token_error("Access token is expired"),
        Fault::Unauthenticated => hash_error(),
        // Our choice: the API's answer to a forbidden call is undocumented; 403 with the
        // usual error envelope (no status_code) is what its web server would plausibly send.
        Fault::PermissionDenied => json_at(
            StatusCode::FORBIDDEN,
            json!({"status": "error", "message": "Access denied"}),
        ),
        Fault::NotFound => json_at(
            StatusCode::OK,
            json!({"status": "error", "status_code": 5, "message": "Task is invalid"}),
        ),
        Fault::RateLimited => too_many_requests(shared),
        _ => {
            let mut r = (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body><h1>500 Internal Server Error</h1></body></html>",
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
    }
}

fn url_too_large() -> Response {
    let mut r = (StatusCode::URI_TOO_LONG, "Request-URL Too Large").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return format!("attachment; filename=\"{name}\"");
    }
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn reply(result: Result<Reply, ApiError>) -> Response {
    match result {
        Ok(Reply::Json(v)) => json_at(StatusCode::OK, v),
        Ok(Reply::File { name, bytes }) => {
            let mut r = Response::new(Body::from(Bytes::from(bytes.to_vec())));
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(util::content_type(&name)) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(e) => json_at(StatusCode::OK, e.body()),
    }
}

// ---- the API endpoints ----

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// Checks `hash` = md5(query without `hash` + key). Accepts the query exactly as
/// received, or its percent-decoded form (with `+` read as a space or kept): clients
/// disagree on which one to hash and the live API's choice is unverified.
pub fn hash_ok(raw_query: &str, api_key: &str) -> bool {
    let mut hash = None;
    let kept: Vec<&str> = raw_query
        .split('&')
        .filter(|part| match part.strip_prefix("hash=") {
            Some(h) => {
                hash = Some(h);
                false
            }
            None => true,
        })
        .collect();
    let Some(hash) = hash.filter(|h| !h.is_empty()) else {
        return false;
    };
    let joined = kept.join("&");
    [
        joined.clone(),
        percent_decode(&joined, true),
        percent_decode(&joined, false),
    ]
    .iter()
    .any(|candidate| md5_hex(&format!("{candidate}{api_key}")) == hash)
}

/// The steps every API request goes through, in order: URL length, counting, faults,
/// auth, the request limit; then the action.
fn api(shared: &Shared, uri: &Uri, headers: &HeaderMap, body: &Bytes, oauth: bool) -> Response {
    let url_len = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    // The limit is on the request line, whatever the method: the web server in front
    // of the API refuses before the API sees the request.
    if url_len > MAX_URL {
        return url_too_large();
    }
    shared.control.count();
    let p = params(uri, headers, body);
    let action = p.get("action").unwrap_or("").trim().to_owned();
    if !action.is_empty() {
        shared.count_action(&action);
    }
    if let Some(fault) = shared.control.next_fault() {
        return fault_response(shared, fault, oauth);
    }
    let (caller, account) = if oauth {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let Some(token) = bearer.or_else(|| p.value("access_token")) else {
            return token_error("Access token is invalid");
        };
        let user = {
            let o = lock(&shared.oauth);
            match o.access.get(token) {
                None => return token_error("Access token is invalid"),
                Some(t) if t.expires <= util::now() => {
                    return token_error("Access token is expired");
                }
                Some(t) => t.user,
            }
        };
        (Caller::User(user), format!("token:{token}"))
    } else {
        if !hash_ok(uri.query().unwrap_or(""), &shared.api_key) {
            return hash_error();
        }
        (Caller::Admin, format!("key:{}", shared.api_key))
    };
    if !shared.allow(&account) {
        return too_many_requests(shared);
    }
    if action.is_empty() {
        return json_at(
            StatusCode::OK,
            json!({"status": "error", "status_code": 1, "message": "Action is invalid"}),
        );
    }
    let mut store = lock(&shared.store);
    reply(actions::dispatch(
        &mut store,
        caller,
        &action,
        &p,
        util::now(),
    ))
}

async fn admin_api(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(&shared, &uri, &headers, &body, false)
}

async fn user_api(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(&shared, &uri, &headers, &body, true)
}

// ---- the OAuth2 server ----

/// Token endpoint errors: HTTP 200 with camelCase `errorDescription`, as in the
/// official examples.
fn oauth_error(error: &str, description: &str) -> Response {
    json_at(
        StatusCode::OK,
        json!({"error": error, "errorDescription": description}),
    )
}

fn missing(param: &str) -> Response {
    oauth_error(
        "invalid_request",
        &format!(
            "The request is missing a required parameter, includes an invalid parameter value, \
             includes a parameter more than once, or is otherwise malformed. Check the `{param}` parameter."
        ),
    )
}

fn client_ok(shared: &Shared, p: &Params) -> bool {
    p.value("client_id") == Some(shared.client_id.as_str())
        && p.value("client_secret") == Some(shared.client_secret.as_str())
}

fn scopes_of(p: &Params) -> Vec<String> {
    let requested: Vec<String> = p
        .value("scope")
        .unwrap_or("")
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| ALL_SCOPES.contains(s))
        .map(str::to_owned)
        .collect();
    if requested.is_empty() {
        ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        requested
    }
}

/// Approves at once (no login page) and redirects back with a code. The user is the
/// account owner, or the user named by `login_hint` (a fake-only convenience).
async fn authorize(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count_action("oauth2_authorize");
    let p = params(&uri, &headers, &body);
    let bad = |error: &str, description: &str| {
        json_at(
            StatusCode::BAD_REQUEST,
            json!({"error": error, "errorDescription": description}),
        )
    };
    if p.value("client_id") != Some(shared.client_id.as_str()) {
        return bad("invalid_client", "Client authentication failed");
    }
    if p.value("response_type") != Some("code") {
        return bad(
            "unsupported_response_type",
            "The authorization server does not support obtaining an authorization code using this method.",
        );
    }
    let Some(redirect) = p.value("redirect_uri") else {
        return bad("invalid_request", "Check the `redirect_uri` parameter.");
    };
    let Ok(mut location) = url::Url::parse(redirect) else {
        return bad("invalid_request", "Check the `redirect_uri` parameter.");
    };
    let user = {
        let store = lock(&shared.store);
        p.value("login_hint")
            .and_then(|e| store.user_by_email(e))
            .unwrap_or(store.owner)
    };
    let code = format!("def50200{}", random_hex(128));
    lock(&shared.oauth).codes.insert(
        code.clone(),
        AuthCode {
            user,
            redirect_uri: redirect.to_owned(),
            scopes: scopes_of(&p),
            expires: util::now() + CODE_TTL,
        },
    );
    {
        let mut q = location.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(state) = p.get("state") {
            q.append_pair("state", state);
        }
    }
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn token_body(access: &str, refresh: &str, account_url: Option<&str>) -> Value {
    let mut v = json!({
        "token_type": "Bearer",
        "expires_in": ACCESS_TTL,
        "access_token": access,
        "refresh_token": refresh,
    });
    if let (Some(url), Some(o)) = (account_url, v.as_object_mut()) {
        o.insert("account_url".into(), url.into());
    }
    v
}

/// The code exchange (`grant_type=authorization_code`), GET or POST, query or form.
async fn token(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count_action("oauth2_token");
    let p = params(&uri, &headers, &body);
    if p.value("grant_type") != Some("authorization_code") {
        return oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    }
    if !client_ok(&shared, &p) {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    let Some(code) = p.value("code") else {
        return missing("code");
    };
    // A code works once: taking it out of the table revokes it.
    let Some(grant) = lock(&shared.oauth).codes.remove(code) else {
        return oauth_error("invalid_request", "Authorization code has been revoked");
    };
    if grant.expires <= util::now() {
        return oauth_error("invalid_request", "Authorization code has expired");
    }
    if p.value("redirect_uri")
        .is_some_and(|r| r != grant.redirect_uri)
    {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    let (access, refresh) = shared.mint(Some(grant.user), &shared.client_id, grant.scopes);
    json_at(
        StatusCode::OK,
        token_body(&access, &refresh, Some(&shared.base_url)),
    )
}

/// Refresh with rotation: the used refresh token and its access token stop working
/// (the league/oauth2-server behaviour Worksection's tokens point to).
async fn refresh(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count_action("oauth2_refresh");
    let p = params(&uri, &headers, &body);
    if p.value("grant_type") != Some("refresh_token") {
        return oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    }
    if !client_ok(&shared, &p) {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    let Some(token) = p.value("refresh_token") else {
        return missing("refresh_token");
    };
    let old = {
        let mut o = lock(&shared.oauth);
        let Some(old) = o.refresh.remove(token) else {
            return oauth_error("invalid_request", "Cannot decrypt the refresh token");
        };
        o.access.remove(&old.access);
        old
    };
    if old.expires <= util::now() {
        return oauth_error("invalid_request", "Token has expired");
    }
    let (access, refresh) = shared.mint(Some(old.user), &shared.client_id, old.scopes);
    json_at(StatusCode::OK, token_body(&access, &refresh, None))
}

/// The token's user, as `/oauth2/resource` describes it.
async fn resource(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count_action("oauth2_resource");
    let p = params(&uri, &headers, &body);
    if !client_ok(&shared, &p) {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = p.value("access_token").or(bearer) else {
        return missing("access_token");
    };
    let user = match lock(&shared.oauth).access.get(token) {
        None => return oauth_error("not_authorized", "Access token is invalid"),
        Some(t) if t.expires <= util::now() => {
            return oauth_error("not_authorized", "Access token is expired");
        }
        Some(t) => t.user,
    };
    let store = lock(&shared.store);
    let Some(u) = store.users.get(&user) else {
        return oauth_error("not_authorized", "Access token is invalid");
    };
    json_at(
        StatusCode::OK,
        json!({"id": u.id.to_string(), "first_name": u.first_name, "last_name": u.last_name,
               "email": u.email, "account_url": shared.base_url}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_hash_example() {
        assert_eq!(
            md5_hex("action=get_tasks&id_project=267776461cd931e7b1c8e9632ff8e979ce"),
            "ec3ab2c28f21b4a07424f8ed688d6644"
        );
        assert!(hash_ok(
            "action=get_tasks&id_project=26&hash=ec3ab2c28f21b4a07424f8ed688d6644",
            "7776461cd931e7b1c8e9632ff8e979ce"
        ));
        assert!(!hash_ok(
            "action=get_tasks&id_project=27&hash=ec3ab2c28f21b4a07424f8ed688d6644",
            "7776461cd931e7b1c8e9632ff8e979ce"
        ));
        assert!(!hash_ok(
            "action=get_tasks",
            "7776461cd931e7b1c8e9632ff8e979ce"
        ));
    }

    #[test]
    fn hash_of_raw_or_decoded_query() {
        let key = "k";
        let raw = "action=post_comment&id_task=1&text=a%20b+c";
        let h_raw = md5_hex(&format!("{raw}{key}"));
        let h_dec = md5_hex(&format!("action=post_comment&id_task=1&text=a b c{key}"));
        assert!(hash_ok(&format!("{raw}&hash={h_raw}"), key));
        assert!(hash_ok(&format!("{raw}&hash={h_dec}"), key));
        assert!(!hash_ok(&format!("{raw}&hash={}", md5_hex("x")), key));
    }
}
