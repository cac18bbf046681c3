//! What handlers answer and how it goes on the wire: the error bodies (all of them, in
//! one place), geared pagination with `Link` and `X-Total-Count`, and HTTP caching
//! (`ETag`, `Last-Modified`, `If-None-Match` → 304).

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    model::Store,
    render,
    util::{Millis, fmt_http_date, sha256_hex},
};

/// The link Launchpad's expired-token message points to (the real one, as the API says it).
const LAUNCHPAD_NEW: &str = "https://launchpad.37signals.com/authorization/new";

/// An error answer: status, JSON body with an `error` key, extra headers.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl ApiError {
    fn new(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Rails' exception page in JSON: `{"status":404,"error":"Not Found"}`.
    fn rails(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("Error");
        Self::new(status, json!({"status": status.as_u16(), "error": reason}))
    }

    pub fn not_found() -> Self {
        Self::rails(StatusCode::NOT_FOUND)
    }

    /// A malformed request: a missing or invalid parameter.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
    }

    /// A body that is not JSON (or not an object).
    pub fn malformed_json() -> Self {
        Self::rails(StatusCode::BAD_REQUEST)
    }

    /// A record that fails validation.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": message.into()}),
        )
    }

    pub fn user_agent_required() -> Self {
        Self::bad_request(
            "Missing or incomplete User-Agent header. Identify your application with its name and \
             a link to it or your email address, e.g. \"MyApp (yourname@example.com)\".",
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::rails(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    }

    fn unauthorized(message: String) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, json!({"error": message}))
            .with_header("www-authenticate", "Bearer realm=\"Basecamp\"")
    }

    pub fn token_invalid() -> Self {
        Self::unauthorized("OAuth token invalid".to_owned())
    }

    pub fn token_expired() -> Self {
        Self::unauthorized(format!(
            "OAuth token expired (old age). Refresh your token or acquire a new one at \
             <a href=\"{LAUNCHPAD_NEW}\">{LAUNCHPAD_NEW}</a>"
        ))
    }

    pub fn forbidden() -> Self {
        Self::rails(StatusCode::FORBIDDEN)
    }

    pub fn account_inactive() -> Self {
        Self::not_found().with_header("reason", "Account Inactive")
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::rails(StatusCode::TOO_MANY_REQUESTS)
            .with_header("retry-after", retry_after_secs.max(1).to_string())
    }

    pub fn server_error() -> Self {
        Self::rails(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn project_limit() -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            json!({"error": "The project limit for this account has been reached."}),
        )
    }

    /// Launchpad's OAuth errors: `{"error": "invalid_grant"}` and friends.
    pub fn oauth(status: StatusCode, error: &str) -> Self {
        Self::new(status, json!({"error": error}))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_response(self.status, &self.body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
        r
    }
}

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// One element of a listing, rendered only if it lands on the requested page.
#[derive(Debug, Clone)]
pub enum Item {
    Recording(i64),
    Project(i64),
    Person(i64),
    /// An index into `Store::events`.
    Event(usize),
    /// Already rendered (search hits), with its modification time.
    Rendered(Value, Millis),
}

impl Item {
    fn render(&self, store: &Store) -> Value {
        match self {
            Self::Recording(id) => store
                .rec(*id)
                .map_or(Value::Null, |r| render::recording(store, r, false)),
            Self::Project(id) => render::project(store, *id),
            Self::Person(id) => render::person(store, *id),
            Self::Event(i) => render::event(store, *i),
            Self::Rendered(v, _) => v.clone(),
        }
    }

    fn modified(&self, store: &Store) -> Millis {
        match self {
            Self::Recording(id) => store.rec(*id).map_or(0, |r| r.updated_at),
            Self::Project(id) => store.projects.get(id).map_or(0, |p| p.updated_at),
            Self::Person(id) => store.people.get(id).map_or(0, |p| p.updated_at),
            Self::Event(i) => store.events.get(*i).map_or(0, |e| e.at),
            Self::Rendered(_, at) => *at,
        }
    }
}

/// How a listing is split into pages.
#[derive(Debug, Clone, Copy)]
pub enum Paging {
    /// 15, 30, 50, then 100 per page (`?page=N`).
    Geared,
    /// A fixed page size (search's `per_page`).
    PerPage(usize),
}

/// The (offset, size) of a page under geared pagination.
pub fn geared(page: usize) -> (usize, usize) {
    match page {
        0 | 1 => (0, 15),
        2 => (15, 30),
        3 => (45, 50),
        // Saturating: `?page=` is the client's number, however large.
        n => (95usize.saturating_add((n - 4).saturating_mul(100)), 100),
    }
}

#[derive(Debug)]
pub enum Reply {
    /// One object (200, or 201 with a `Location`).
    Json {
        status: StatusCode,
        body: Value,
        modified: Millis,
        location: Option<String>,
    },
    List {
        items: Vec<Item>,
        paging: Paging,
    },
    NoContent,
}

impl Reply {
    pub fn ok(body: Value, modified: Millis) -> Self {
        Self::Json {
            status: StatusCode::OK,
            body,
            modified,
            location: None,
        }
    }

    pub fn created(body: Value, modified: Millis, location: String) -> Self {
        Self::Json {
            status: StatusCode::CREATED,
            body,
            modified,
            location: Some(location),
        }
    }

    pub fn list(items: Vec<Item>) -> Self {
        Self::List {
            items,
            paging: Paging::Geared,
        }
    }
}

/// What `finish` needs to know about the request.
#[derive(Debug)]
pub struct Served<'a> {
    pub is_get: bool,
    /// Absolute URL of the request without its query (for `Link`).
    pub url: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
}

/// Outcome of `finish`, so the server can count 304s.
#[derive(Debug)]
pub struct Finished {
    pub response: Response,
    pub not_modified: bool,
}

/// Turns a reply into the HTTP answer: pages, `Link`, `X-Total-Count`, caching headers.
pub fn finish(store: &Store, served: &Served<'_>, reply: Reply) -> Finished {
    let (status, body, modified, mut extra) = match reply {
        Reply::NoContent => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            return Finished {
                response: r,
                not_modified: false,
            };
        }
        Reply::Json {
            status,
            body,
            modified,
            location,
        } => {
            let extra: Vec<(&'static str, String)> =
                location.into_iter().map(|l| ("location", l)).collect();
            (status, body, modified, extra)
        }
        Reply::List { items, paging } => {
            let page = param(served.query, "page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let (offset, size) = match paging {
                Paging::Geared => geared(page),
                Paging::PerPage(n) => ((page - 1).saturating_mul(n), n),
            };
            let total = items.len();
            let modified = items.iter().map(|i| i.modified(store)).max().unwrap_or(0);
            let body: Vec<Value> = items
                .iter()
                .skip(offset)
                .take(size)
                .map(|i| i.render(store))
                .collect();
            let mut extra = vec![("x-total-count", total.to_string())];
            if offset.saturating_add(size) < total {
                extra.push((
                    "link",
                    format!(
                        "<{}>; rel=\"next\"",
                        page_url(served, page.saturating_add(1))
                    ),
                ));
            }
            (StatusCode::OK, Value::Array(body), modified, extra)
        }
    };
    let text = body.to_string();
    if served.is_get && status == StatusCode::OK {
        // The tag covers the headers that describe the collection too, so a page whose
        // items are unchanged still revalidates when the total or the next link moves.
        let mut tagged: Vec<&[u8]> = vec![text.as_bytes()];
        let meta: String = extra.iter().map(|(k, v)| format!("{k}:{v};")).collect();
        tagged.push(meta.as_bytes());
        let etag = format!("\"{}\"", &sha256_hex(&tagged)[..32]);
        let last_modified = fmt_http_date(modified);
        extra.push((
            "cache-control",
            "max-age=0, private, must-revalidate".to_owned(),
        ));
        if if_none_match(served.headers, &etag) {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            set(&mut r, &[("etag", etag), ("last-modified", last_modified)]);
            return Finished {
                response: r,
                not_modified: true,
            };
        }
        extra.push(("etag", etag));
        extra.push(("last-modified", last_modified));
    }
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    set(&mut r, &extra);
    Finished {
        response: r,
        not_modified: false,
    }
}

fn set(r: &mut Response, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            r.headers_mut().insert(*name, v);
        }
    }
}

pub fn param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The request's URL with `page` set to `page`, other parameters kept in order.
fn page_url(served: &Served<'_>, page: usize) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in served.query.iter().filter(|(k, _)| k != "page") {
        q.append_pair(k, v);
    }
    q.append_pair("page", &page.to_string());
    format!("{}?{}", served.url, q.finish())
}

/// Whether any tag in `If-None-Match` matches (weak comparison, as GET allows).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geared_pages() {
        assert_eq!(geared(1), (0, 15));
        assert_eq!(geared(2), (15, 30));
        assert_eq!(geared(3), (45, 50));
        assert_eq!(geared(4), (95, 100));
        assert_eq!(geared(5), (195, 100));
    }
}
