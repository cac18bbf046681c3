//! One Basecamp account's client: the bearer token and the `User-Agent` Basecamp
//! requires, the account's shared request budget, conditional reads (an unchanged answer
//! costs a 304, and its body comes from here), and lists followed through their `Link`
//! headers to the end, never stopping at the first 15.

use std::{sync::Arc, time::Duration};

use connector_core::{
    Credentials, Error, ErrorKind, ExposeSecret, RateLimit, Redactor, Result, SecretString,
    Upstream, UpstreamResponse,
    cache::{Gathered, Kept, Snapshots},
    http::install_crypto_provider,
};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::Value;
use url::Url;

use crate::{
    config::BasecampConfig,
    error::{Call, parse_error},
};

/// Answers kept for conditional reads, by URL.
const ETAG_TTL: Duration = Duration::from_secs(3_600);
const ETAG_BYTES: usize = 32 * 1024 * 1024;
/// Lists read whole and kept for the pages after their first.
const SNAPSHOT_TTL: Duration = Duration::from_secs(600);
const SNAPSHOT_BYTES: usize = 32 * 1024 * 1024;

/// A read answer, as kept for the next conditional read of the same URL.
#[derive(Debug, Clone)]
struct Kept304 {
    etag: String,
    body: Arc<Value>,
    next: Option<Url>,
    total: Option<usize>,
}

/// A collection read only in part: how large it is, when Basecamp said.
#[derive(Debug, Clone, Copy)]
pub struct Unread {
    pub total: Option<usize>,
}

/// One page of a collection.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Arc<Value>,
    /// The `rel="next"` page, if there is one on this account's origin.
    pub next: Option<Url>,
    /// `X-Total-Count`: the collection's size.
    pub total: Option<usize>,
}

pub struct BasecampClient {
    api: Url,
    token: SecretString,
    user_agent: HeaderValue,
    upstream: Upstream,
    limit: RateLimit,
    key: String,
    redactor: Redactor,
    etags: Kept<String, Kept304>,
    pub(crate) snapshots: Snapshots<Gathered>,
}

impl std::fmt::Debug for BasecampClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasecampClient")
            .field("account", &self.account_id())
            .field("requests_per_10s", &self.limit.requests)
            .finish_non_exhaustive()
    }
}

impl BasecampClient {
    pub fn new(
        config: &BasecampConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Self> {
        install_crypto_provider();
        let account = credentials
            .require(crate::ID, "account_url")?
            .expose_secret();
        let api = Url::parse(account.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    "the Basecamp connection's account URL is not a URL such as https://3.basecampapi.com/999999999; reconnect the account",
                )
            })?;
        let token = credentials.require(crate::ID, "access_token")?.clone();
        let user_agent = HeaderValue::from_str(&config.user_agent()).map_err(|_| {
            Error::new(
                ErrorKind::ConfigInvalid,
                "connectors.basecamp.settings.contact: not usable in a User-Agent header",
            )
        })?;
        // The account URL names the account, not a secret: logs keep it readable.
        let mut redactor = Redactor::new().secret(&token);
        if let Some(refresh) = credentials.get("refresh_token") {
            redactor = redactor.secret(refresh);
        }
        let key = format!(
            "basecamp:{}",
            api.path().trim_matches('/').split('/').next().unwrap_or("")
        );
        Ok(BasecampClient {
            api,
            token,
            user_agent,
            upstream: upstream.clone(),
            limit: RateLimit::new(config.requests_per_10s, Duration::from_secs(10)),
            key,
            redactor,
            etags: Kept::new(ETAG_TTL, ETAG_BYTES),
            snapshots: Snapshots::new(SNAPSHOT_TTL, SNAPSHOT_BYTES),
        })
    }

    /// The account id, from the account URL (`…/195539477`).
    pub fn account_id(&self) -> &str {
        self.api
            .path()
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
    }

    /// An account path (`/todos/1.json`) as a URL.
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.api.clone();
        let base = self.api.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn request(
        &self,
        method: Method,
        url: Url,
    ) -> Result<connector_core::http::UpstreamRequest<'_>> {
        let bearer = SecretString::from(format!("Bearer {}", self.token.expose_secret()));
        Ok(self
            .upstream
            .request("Basecamp", method, url)
            .header(header::USER_AGENT, self.user_agent.clone())
            .secret_header(header::AUTHORIZATION, &bearer)?
            .redact(&self.redactor)
            .rate_limit(self.key.clone(), self.limit))
    }

    /// A conditional read of one URL: an unchanged answer is a 304 and comes from here.
    pub async fn read(&self, url: Url, call: Call<'_>) -> Result<Page> {
        let key = url.to_string();
        let kept = self.etags.get(&key);
        let mut req = self.request(Method::GET, url)?;
        if let Some(k) = &kept
            && let Ok(v) = HeaderValue::from_str(&k.etag)
        {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        let resp = req.send().await?;
        if resp.status == StatusCode::NOT_MODIFIED
            && let Some(k) = kept
        {
            return Ok(Page {
                body: k.body,
                next: k.next,
                total: k.total,
            });
        }
        if !resp.status.is_success() {
            return Err(self.error(&resp, call));
        }
        let body: Arc<Value> = Arc::new(resp.json()?);
        let next = self.next_link(&resp);
        let total = resp
            .headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        if let Some(etag) = resp.headers.get(header::ETAG).and_then(|v| v.to_str().ok()) {
            self.etags.insert(
                key,
                resp.body.len(),
                Kept304 {
                    etag: etag.to_owned(),
                    body: body.clone(),
                    next: next.clone(),
                    total,
                },
            );
        }
        Ok(Page { body, next, total })
    }

    /// One object or one page at an account path.
    pub async fn get(
        &self,
        path: &str,
        query: &[(String, String)],
        call: Call<'_>,
    ) -> Result<Arc<Value>> {
        Ok(self.read(self.url(path, query), call).await?.body)
    }

    /// Every item of a collection, following `rel="next"` up to `max_items`, and the
    /// collection's size (`X-Total-Count`) when reading stopped before its end.
    pub async fn list_all(
        &self,
        path: &str,
        query: &[(String, String)],
        call: Call<'_>,
        max_items: usize,
    ) -> Result<(Vec<Value>, Option<Unread>)> {
        let mut items = Vec::new();
        let mut next = Some(self.url(path, query));
        let mut total = None;
        while let Some(url) = next {
            if items.len() >= max_items {
                return Ok((items, Some(Unread { total })));
            }
            let page = self.read(url, call).await?;
            total = page.total.or(total);
            match &*page.body {
                Value::Array(a) => items.extend(a.iter().cloned()),
                other => {
                    return Err(Error::new(
                        ErrorKind::Upstream,
                        format!(
                            "Basecamp answered a list of {}s with {}; the API may have changed",
                            call.what,
                            if other.is_object() {
                                "an object"
                            } else {
                                "something else"
                            }
                        ),
                    ));
                }
            }
            next = page.next;
        }
        Ok((items, None))
    }

    /// A change: POST, PUT or DELETE with an optional JSON body. `Ok(None)` for a 204.
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        call: Call<'_>,
    ) -> Result<Option<Value>> {
        let mut req = self.request(method, self.url(path, &[]))?;
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        if !resp.status.is_success() {
            return Err(self.error(&resp, call));
        }
        if resp.status == StatusCode::NO_CONTENT || resp.body.is_empty() {
            return Ok(None);
        }
        resp.json().map(Some)
    }

    fn error(&self, resp: &UpstreamResponse, call: Call<'_>) -> Error {
        parse_error(resp.status.as_u16(), &resp.body, &resp.headers, &call)
    }

    /// The next page, only on this account's own origin: a `Link` elsewhere is not
    /// followed with the account's token.
    fn next_link(&self, resp: &UpstreamResponse) -> Option<Url> {
        let link = resp.headers.get(header::LINK)?.to_str().ok()?;
        let next = link.split(',').find_map(|part| {
            let (target, params) = part.split_once(';')?;
            params
                .split(';')
                .any(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p == "rel=\"next\"" || p == "rel=next"
                })
                .then(|| target.trim().trim_start_matches('<').trim_end_matches('>'))
        })?;
        let url = Url::parse(next).ok()?;
        let same_origin = url.scheme() == self.api.scheme()
            && url.host_str() == self.api.host_str()
            && url.port_or_known_default() == self.api.port_or_known_default();
        if !same_origin {
            tracing::warn!(next = %self.redactor.redact_url(&url), "Basecamp sent a next page on another origin; not followed");
            return None;
        }
        Some(url)
    }
}
