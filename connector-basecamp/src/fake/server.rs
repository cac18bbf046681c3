//! The fake's HTTP side: one axum fallback that logs and counts every request, hands
//! Launchpad paths to `launchpad.rs`, and runs API requests through the checks the real
//! API makes, in order: the 10-second request window, injected faults, `User-Agent`,
//! the bearer token, the account's state, the route table, the JSON content type; then
//! the handler and `reply::finish`.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, Uri, header},
    response::{IntoResponse, Response},
};
use connector_core::fake::{Fault, FaultControl};
use serde_json::{Map, Value};

use super::{
    FakeOptions,
    launchpad::{Bearer, Grants, Launchpad, bearer},
    model::Store,
    reply::{ApiError, Served, finish},
    routes::{self, Req, Verb},
    util::random_hex,
};

/// Basecamp's first rate limit: so many requests per 10 seconds.
const WINDOW: Duration = Duration::from_secs(10);

/// One request as the log keeps it: method, path and query, `User-Agent`, `If-None-Match`.
pub type LogEntry = (String, String, Option<String>, Option<String>);

/// A request's parts, as the Launchpad and API sides read them.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// API requests served within the last 10 seconds.
#[derive(Debug, Default)]
struct Window {
    served: VecDeque<Instant>,
    /// The most ever served within one window.
    max: usize,
}

/// Everything the handlers share.
pub struct Shared {
    pub options: FakeOptions,
    pub account_id: i64,
    pub client_id: String,
    pub client_secret: String,
    pub store: Mutex<Store>,
    pub grants: Mutex<Grants>,
    pub control: Arc<FaultControl>,
    pub not_modified: AtomicUsize,
    pub rate_limited: AtomicUsize,
    pub inactive: AtomicBool,
    labels: Mutex<HashMap<String, usize>>,
    log: Mutex<Vec<LogEntry>>,
    window: Mutex<Window>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No client secret, no tokens.
        f.debug_struct("Shared")
            .field("account_id", &self.account_id)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Locks a mutex, recovering the data if a holder panicked: the fake keeps serving.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The API wants the app's name and a way to reach its author: a URL or an email address.
fn user_agent_ok(headers: &HeaderMap) -> bool {
    header_text(headers, header::USER_AGENT)
        .is_some_and(|ua| !ua.trim().is_empty() && (ua.contains('@') || ua.contains("http")))
}

fn is_json(headers: &HeaderMap) -> bool {
    header_text(headers, header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    })
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Unauthenticated => ApiError::token_expired(),
        Fault::PermissionDenied => ApiError::forbidden(),
        Fault::NotFound => ApiError::not_found(),
        Fault::RateLimited => ApiError::rate_limited(1),
        // ServerError, and whatever the core adds later.
        _ => ApiError::server_error(),
    }
    .into_response()
}

impl Shared {
    pub fn new(options: FakeOptions, account_id: i64, store: Store) -> Self {
        Self {
            options,
            account_id,
            client_id: random_hex(20),
            client_secret: random_hex(32),
            store: Mutex::new(store),
            grants: Mutex::new(Grants::default()),
            control: Arc::default(),
            not_modified: AtomicUsize::new(0),
            rate_limited: AtomicUsize::new(0),
            inactive: AtomicBool::new(false),
            labels: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            window: Mutex::new(Window::default()),
        }
    }

    pub fn count(&self, label: &str) -> usize {
        lock(&self.labels).get(label).copied().unwrap_or(0)
    }

    pub fn request_log(&self) -> Vec<LogEntry> {
        lock(&self.log).clone()
    }

    pub fn max_in_window(&self) -> usize {
        lock(&self.window).max
    }

    /// Mints tokens for a person as Launchpad would after an approval.
    pub fn issue(&self, person: i64) -> (String, String, i64) {
        let secret = lock(&self.store).secret.clone();
        let mut grants = lock(&self.grants);
        let (access, expires_at) = grants.access_token(
            person,
            &self.client_id,
            self.options.token_ttl_secs,
            &secret,
        );
        let refresh = grants.refresh_token(person, &self.client_id, &secret);
        (access, refresh, expires_at)
    }

    fn bump(&self, label: String) {
        *lock(&self.labels).entry(label).or_default() += 1;
    }

    /// Admits one more API request into the window, or says in how many seconds a slot
    /// frees. Refused requests are not recorded, so a client that waits gets through.
    fn admit(&self) -> Result<(), u64> {
        let now = Instant::now();
        let mut w = lock(&self.window);
        while w
            .served
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            w.served.pop_front();
        }
        let limit = self.options.requests_per_10s as usize;
        if limit > 0 && w.served.len() >= limit {
            let oldest = w.served.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err((wait.as_secs_f64().ceil() as u64).max(1));
        }
        w.served.push_back(now);
        w.max = w.max.max(w.served.len());
        Ok(())
    }

    /// Records a request that was answered whatever the limit says (an injected fault).
    fn record_in_window(&self) {
        let mut w = lock(&self.window);
        w.served.push_back(Instant::now());
        w.max = w.max.max(w.served.len());
    }

    fn handle(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
        self.control.count();
        let path = uri.path();
        let path_and_query = uri.path_and_query().map_or(path, |pq| pq.as_str());
        lock(&self.log).push((
            method.as_str().to_owned(),
            path_and_query.to_owned(),
            header_text(headers, header::USER_AGENT),
            header_text(headers, header::IF_NONE_MATCH),
        ));
        let query: Vec<(String, String)> = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let inc = Incoming {
            method: method.as_str(),
            path,
            query: &query,
            headers,
            body,
        };
        let launchpad = {
            let store = lock(&self.store);
            let mut grants = lock(&self.grants);
            Launchpad {
                client_id: &self.client_id,
                client_secret: &self.client_secret,
                token_ttl: self.options.token_ttl_secs,
                secret: &store.secret,
            }
            .handle(&store, &mut grants, &inc)
        };
        if let Some((label, response)) = launchpad {
            self.bump(label);
            return response;
        }
        let mut response = self.api(&inc);
        if let Ok(id) = HeaderValue::from_str(&random_hex(16)) {
            response.headers_mut().insert("x-request-id", id);
        }
        response
    }

    fn api(&self, inc: &Incoming<'_>) -> Response {
        let verb = Verb::parse(inc.method);
        let prefix = format!("/{}/", self.account_id);
        let matched = verb
            .zip(inc.path.strip_prefix(&prefix))
            .and_then(|(v, rest)| routes::recognize(v, rest));
        if let Some(m) = &matched {
            self.bump(m.route.label());
        }
        // Injected faults fire first, whatever the limit, so tests control them exactly;
        // like every 429 they stay out of the window when they are 429s.
        if let Some(fault) = self.control.next_fault() {
            if fault != Fault::RateLimited {
                self.record_in_window();
            }
            return fault_response(fault);
        }
        if let Err(retry_after) = self.admit() {
            self.rate_limited.fetch_add(1, Ordering::SeqCst);
            return ApiError::rate_limited(retry_after).into_response();
        }
        if !user_agent_ok(inc.headers) {
            return ApiError::user_agent_required().into_response();
        }
        let me = match bearer(inc.headers).map(|t| lock(&self.grants).check(t)) {
            Some(Bearer::Valid { person, .. }) => person,
            Some(Bearer::Expired) => return ApiError::token_expired().into_response(),
            _ => return ApiError::token_invalid().into_response(),
        };
        if self.inactive.load(Ordering::SeqCst) {
            return ApiError::account_inactive().into_response();
        }
        let (Some(verb), Some(m)) = (verb, matched) else {
            return ApiError::not_found().into_response();
        };
        let mut body = Map::new();
        let has_body = !inc.body.iter().all(u8::is_ascii_whitespace);
        if matches!(verb, Verb::Post | Verb::Put) && has_body {
            if !is_json(inc.headers) {
                return ApiError::unsupported_media_type().into_response();
            }
            match serde_json::from_slice::<Value>(inc.body) {
                Ok(Value::Object(map)) => body = map,
                _ => return ApiError::malformed_json().into_response(),
            }
        }
        let req = Req {
            me,
            ids: m.ids,
            bucket: m.bucket,
            query: inc.query.to_vec(),
            body,
        };
        let mut store = lock(&self.store);
        match (m.route.handler)(&mut store, &req) {
            Ok(reply) => {
                let url = format!("{}{}", store.urls.base, inc.path);
                let served = Served {
                    is_get: verb == Verb::Get,
                    url: &url,
                    query: inc.query,
                    headers: inc.headers,
                };
                let done = finish(&store, &served, reply);
                if done.not_modified {
                    self.not_modified.fetch_add(1, Ordering::SeqCst);
                }
                done.response
            }
            Err(e) => e.into_response(),
        }
    }
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.handle(&method, &uri, &headers, &body)
}

/// Every path goes through `serve`: routing is the route table's job, so both URL forms
/// come from one place.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(serve).with_state(shared)
}
