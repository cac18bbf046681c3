//! The fake's HTTP side: one handler that counts and logs every request, then sends
//! `/oauth/*` to the OAuth server and takes `/v1/*` through the API's steps in order:
//! injected faults, path and method (404, 405), authentication (400, 401), the rate
//! limit (429), the unsorted-jobs hang, the action. Every `/v1` answer carries the
//! `X-Rate-Limit-*` headers.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, Uri, header},
    response::Response,
};
use connector_core::fake::{Fault, FaultControl};

use super::{
    FakeOptions, api,
    format::Clock,
    limit::{RateLimiter, RateState, epoch_after},
    model::Store,
    oauth::OAuth,
    query::Params,
    reply::{ApiError, Reply},
    route::{self, Collection, Route},
};

/// The limit the headers and the account config report when the fake runs unlimited.
const DOCUMENTED_LIMIT: u32 = 60;

/// Locks a mutex, recovering the data if a holder panicked: the fake keeps serving.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    pub options: FakeOptions,
    pub clock: Clock,
    pub base_url: String,
    pub store: Mutex<Store>,
    pub oauth: OAuth,
    pub limiter: RateLimiter,
    pub control: Arc<FaultControl>,
    pub unsorted_job_lists: AtomicUsize,
    counts: Mutex<HashMap<String, usize>>,
    log: Mutex<Vec<(String, String)>>,
}

impl Shared {
    pub fn new(options: FakeOptions, clock: Clock, base_url: String, store: Store) -> Self {
        Self {
            oauth: OAuth::new(Duration::from_secs(options.token_ttl_secs)),
            limiter: RateLimiter::new(options.requests_per_minute),
            options,
            clock,
            base_url,
            store: Mutex::new(store),
            control: Arc::default(),
            unsorted_job_lists: AtomicUsize::new(0),
            counts: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn count(&self, label: &str) -> usize {
        lock(&self.counts).get(label).copied().unwrap_or(0)
    }

    pub fn request_log(&self) -> Vec<(String, String)> {
        lock(&self.log).clone()
    }

    /// The limit as the headers and the account config state it.
    pub fn nominal_limit(&self) -> u32 {
        match self.limiter.limit() {
            0 => DOCUMENTED_LIMIT,
            n => n,
        }
    }

    fn record(&self, method: &Method, uri: &Uri, params: &Params) {
        self.control.count();
        let path = uri.path();
        let shown = match uri.query() {
            Some(_) => format!("{path}?{}", params.decoded()),
            None => path.to_owned(),
        };
        lock(&self.log).push((method.as_str().to_owned(), shown));
        *lock(&self.counts)
            .entry(route::label(method.as_str(), path))
            .or_default() += 1;
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(uri.query());
    shared.record(&method, &uri, &params);
    match uri.path() {
        "/oauth/access_token" if method == Method::POST => {
            shared.oauth.token_endpoint(&headers, &body)
        }
        "/oauth/access_token" => ApiError::MethodNotAllowed(&["POST"]).into_response(),
        "/oauth/authorize" if method == Method::GET => shared.oauth.authorize(&params),
        "/oauth/authorize" => ApiError::MethodNotAllowed(&["GET"]).into_response(),
        path if path.starts_with("/v1/") => {
            let request = V1Request {
                method: &method,
                path,
                params: &params,
                headers: &headers,
                body: &body,
            };
            v1(&shared, &request).await
        }
        _ => ApiError::PageNotFound.into_response(),
    }
}

/// A `/v1` request's parts, as its steps read them.
struct V1Request<'a> {
    method: &'a Method,
    path: &'a str,
    params: &'a Params,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

/// The access token a request presents, from the header and/or the query.
struct Presented<'a> {
    bearer: Option<&'a str>,
    query: Option<&'a str>,
}

impl<'a> Presented<'a> {
    fn of(headers: &'a HeaderMap, params: &'a Params) -> Self {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then_some(token.trim())
            });
        Self {
            bearer,
            query: params.get("access_token"),
        }
    }

    fn token(&self) -> Option<&'a str> {
        self.bearer.or(self.query)
    }

    /// The valid token: both ways at once is a 400, none or a bad one a 401.
    fn check(&self, oauth: &OAuth) -> Result<&'a str, ApiError> {
        if self.bearer.is_some() && self.query.is_some() {
            return Err(ApiError::invalid_request());
        }
        self.token()
            .filter(|t| oauth.is_valid(t))
            .ok_or(ApiError::Unauthorized)
    }
}

fn fault_error(fault: Fault) -> ApiError {
    match fault {
        Fault::Unauthenticated => ApiError::Unauthorized,
        Fault::PermissionDenied => ApiError::Forbidden,
        Fault::NotFound => ApiError::ItemNotFound,
        Fault::RateLimited => ApiError::TooManyRequests,
        _ => ApiError::Internal("An internal server error occurred."),
    }
}

async fn v1(shared: &Shared, request: &V1Request<'_>) -> Response {
    let presented = Presented::of(request.headers, request.params);
    let mut rate = None;
    let result = serve(shared, request, &presented, &mut rate).await;
    let mut response = match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(state) = rate.or_else(|| shared.limiter.peek(presented.token())) {
        state.write(response.headers_mut());
    }
    response
}

/// The `/v1` steps; `rate` receives the limit state when a step decided it.
async fn serve(
    shared: &Shared,
    request: &V1Request<'_>,
    presented: &Presented<'_>,
    rate: &mut Option<RateState>,
) -> Result<Reply, ApiError> {
    let V1Request {
        method,
        path,
        params,
        headers,
        body,
    } = *request;
    if let Some(fault) = shared.control.next_fault() {
        if fault == Fault::RateLimited {
            *rate = Some(RateState {
                limit: shared.nominal_limit(),
                remaining: 0,
                reset: epoch_after(Duration::from_secs(1)),
            });
        }
        return Err(fault_error(fault));
    }
    let route = Route::parse(path).ok_or(ApiError::PageNotFound)?;
    let allowed = route.methods();
    if !allowed.contains(&method.as_str()) {
        return Err(ApiError::MethodNotAllowed(allowed));
    }
    let token = presented.check(&shared.oauth)?;
    match shared.limiter.admit(token) {
        Ok(state) => *rate = state,
        Err(state) => {
            *rate = Some(state);
            return Err(ApiError::TooManyRequests);
        }
    }
    if *method == Method::GET && route == Route::List(Collection::Jobs) && !params.has("sort") {
        // The reported quirk: an unsorted job list hangs before it answers.
        shared.unsorted_job_lists.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(shared.options.unsorted_jobs_delay).await;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut store = lock(&shared.store);
    if *method == Method::POST {
        api::create(
            &mut store,
            route,
            params,
            content_type,
            body,
            shared.clock.now(),
            &shared.base_url,
        )
    } else {
        api::read(&store, route, params)
    }
}
