//! The one upstream HTTP client every connector uses (reqwest over rustls).
//!
//! It owns the cross-cutting behaviour so no connector re-implements it: timeouts, a
//! per-account rate limiter, retry with jittered exponential backoff that honours
//! `Retry-After`, no blind retry of writes, and redaction of credentials from every log
//! line and error it produces. It never interprets vendor bodies: a response of any
//! status is handed back, and the connector's `parse_error` decides what it means.

use std::{fmt, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, de::DeserializeOwned};
use url::Url;

use crate::{
    Error, ErrorKind, Result,
    limit::{InProcessLimiter, RateLimit, UpstreamLimiter},
};

/// Deployment-wide settings of the upstream client (`[upstream]` in the gateway config).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Whole-request timeout, in seconds.
    pub timeout_secs: f64,
    /// TCP + TLS connect timeout, in seconds.
    pub connect_timeout_secs: f64,
    /// Retries after the first attempt (only where a retry is safe).
    pub max_retries: u32,
    /// First backoff step, in milliseconds; doubled each retry, with full jitter.
    pub base_delay_ms: u64,
    /// Longest single wait between attempts, in milliseconds. A `Retry-After` longer
    /// than this is not waited out: the caller gets a rate-limit error instead.
    pub max_delay_ms: u64,
    /// Longest wait for the local rate limiter before answering "rate limited".
    pub max_queue_ms: u64,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        UpstreamConfig {
            timeout_secs: 30.0,
            connect_timeout_secs: 10.0,
            max_retries: 2,
            base_delay_ms: 250,
            max_delay_ms: 5_000,
            max_queue_ms: 2_000,
        }
    }
}

impl UpstreamConfig {
    /// Pure validation; each problem names the key.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !(self.timeout_secs > 0.0 && self.timeout_secs <= 600.0) {
            return Err("upstream.timeout_secs must be between 0 and 600".into());
        }
        if !(self.connect_timeout_secs > 0.0 && self.connect_timeout_secs <= self.timeout_secs) {
            return Err(
                "upstream.connect_timeout_secs must be above 0 and at most timeout_secs".into(),
            );
        }
        if self.max_retries > 10 {
            return Err("upstream.max_retries must be at most 10".into());
        }
        Ok(())
    }
}

/// Shared by every connector client: the HTTP connection pool, the limiter, the policy.
#[derive(Clone)]
pub struct Upstream {
    http: reqwest::Client,
    limiter: Arc<dyn UpstreamLimiter>,
    config: UpstreamConfig,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("limiter", &self.limiter)
            .field("config", &self.config)
            .finish()
    }
}

impl Upstream {
    /// A client with the in-process limiter.
    pub fn new(config: UpstreamConfig) -> Result<Self> {
        Self::with_limiter(config, Arc::new(InProcessLimiter::new()))
    }

    pub fn with_limiter(config: UpstreamConfig, limiter: Arc<dyn UpstreamLimiter>) -> Result<Self> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(config.timeout_secs))
            .connect_timeout(Duration::from_secs_f64(config.connect_timeout_secs))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    "could not build the upstream HTTP client",
                )
                .with_source(e)
            })?;
        Ok(Upstream {
            http,
            limiter,
            config,
        })
    }

    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// Holds every request on the account `key` for `wait`: the upstream said its budget
    /// is spent (a remaining count of 0 in a header the connector reads, say). A 429 with
    /// a retry hint does this by itself.
    pub async fn pause(&self, key: &str, wait: Duration) {
        self.limiter.pause(key, wait).await;
    }

    /// Starts a request. `label` names the upstream in errors ("Worksection").
    pub fn request(&self, label: &'static str, method: Method, url: Url) -> UpstreamRequest<'_> {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        UpstreamRequest {
            upstream: self,
            label,
            method,
            url,
            headers: HeaderMap::new(),
            body: Body::None,
            idempotent,
            limit: None,
            redactor: Redactor::default(),
            max_body: None,
            retry_after: parse_retry_after,
        }
    }
}

enum Body {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// A request being built; [`UpstreamRequest::send`] runs the policy.
pub struct UpstreamRequest<'u> {
    upstream: &'u Upstream,
    label: &'static str,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Body,
    idempotent: bool,
    limit: Option<(String, RateLimit)>,
    redactor: Redactor,
    max_body: Option<u64>,
    retry_after: fn(&HeaderMap) -> Option<Duration>,
}

impl fmt::Debug for UpstreamRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamRequest")
            .field("method", &self.method)
            .field("url", &self.redactor.redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl UpstreamRequest<'_> {
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A secret header (`Authorization`): marked sensitive, never logged.
    pub fn secret_header(mut self, name: HeaderName, value: &SecretString) -> Result<Self> {
        let mut v = HeaderValue::from_str(value.expose_secret()).map_err(|_| {
            Error::new(
                ErrorKind::Unauthenticated,
                format!("the {} credential contains characters not allowed in a header: reconnect the account", self.label),
            )
        })?;
        v.set_sensitive(true);
        self.redactor = self.redactor.secret(value);
        self.headers.insert(name, v);
        Ok(self)
    }

    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.url.query_pairs_mut().extend_pairs(pairs);
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn form(mut self, pairs: Vec<(String, String)>) -> Self {
        self.body = Body::Form(pairs);
        self
    }

    /// Declares that repeating this request is harmless (a write with an idempotency
    /// key, say). Reads are idempotent by default; POST and PATCH are not.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// Counts the request against `limit` for the account `key`.
    pub fn rate_limit(mut self, key: impl Into<String>, limit: RateLimit) -> Self {
        self.limit = Some((key.into(), limit));
        self
    }

    /// Refuses an answer whose body is larger than `bytes`, without reading it all: by
    /// `Content-Length` when sent, else while streaming.
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// How this upstream says when to retry, for APIs that do not send `Retry-After` (a
    /// reset time in a header of their own). The default reads `Retry-After`.
    pub fn retry_after_from(mut self, read: fn(&HeaderMap) -> Option<Duration>) -> Self {
        self.retry_after = read;
        self
    }

    /// Secrets and query parameters to hide from logs and errors.
    pub fn redact(mut self, redactor: &Redactor) -> Self {
        self.redactor = self.redactor.merge(redactor);
        self
    }

    /// Sends with the limiter and retry policy. Returns the response whatever its status
    /// (after retries); fails only when no response could be had.
    pub async fn send(self) -> Result<UpstreamResponse> {
        let cfg = &self.upstream.config;
        let shown_url = self.redactor.redact_url(&self.url);
        let mut attempt: u32 = 0;
        loop {
            if let Some((key, limit)) = &self.limit {
                self.acquire(key, *limit).await?;
            }
            let result = self.build().send().await;
            let delay = match result {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = (self.retry_after)(resp.headers());
                    // The budget is spent for every call on this account, not just this one.
                    if status == StatusCode::TOO_MANY_REQUESTS
                        && let (Some((key, _)), Some(wait)) = (&self.limit, retry_after)
                    {
                        self.upstream.limiter.pause(key, wait).await;
                    }
                    let retry = attempt < cfg.max_retries
                        && (status == StatusCode::TOO_MANY_REQUESTS
                            || (self.idempotent && is_transient(status)));
                    let delay = retry_after.unwrap_or_else(|| backoff(cfg, attempt));
                    if !retry || delay > Duration::from_millis(cfg.max_delay_ms) {
                        tracing::debug!(method = %self.method, url = %shown_url, status = status.as_u16(), attempt, "upstream response");
                        let headers = resp.headers().clone();
                        let body = self.read_body(resp).await?;
                        return Ok(UpstreamResponse {
                            status,
                            headers,
                            body,
                            label: self.label,
                        });
                    }
                    tracing::info!(method = %self.method, url = %shown_url, status = status.as_u16(), attempt, delay_ms = delay.as_millis() as u64, "upstream asked to retry");
                    delay
                }
                Err(e) => {
                    // A connect failure never reached the server: safe to repeat any request.
                    let retry = attempt < cfg.max_retries && (e.is_connect() || self.idempotent);
                    if !retry {
                        return Err(self.transport_error(e));
                    }
                    let delay = backoff(cfg, attempt);
                    tracing::info!(method = %self.method, url = %shown_url, attempt, error = %self.redactor.redact(&e.without_url().to_string()), "upstream request failed; retrying");
                    delay
                }
            };
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Bytes> {
        let Some(max) = self.max_body else {
            return resp.bytes().await.map_err(|e| self.transport_error(e));
        };
        let too_big = |size: String| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the {} answer is {size}, over the {max} byte limit for this request",
                    self.label
                ),
            )
        };
        if let Some(len) = resp.content_length().filter(|l| *l > max) {
            return Err(too_big(format!("{len} bytes")));
        }
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(e))? {
            if (body.len() + chunk.len()) as u64 > max {
                return Err(too_big("larger".to_owned()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    async fn acquire(&self, key: &str, limit: RateLimit) -> Result<()> {
        let max_wait = Duration::from_millis(self.upstream.config.max_queue_ms);
        loop {
            match self.upstream.limiter.try_acquire(key, limit).await {
                Ok(()) => return Ok(()),
                Err(wait) if wait <= max_wait => tokio::time::sleep(wait).await,
                Err(wait) => {
                    return Err(Error::new(
                        ErrorKind::RateLimited,
                        format!(
                            "the {} request budget for this account ({} per {} s) is used up; retry after {} s",
                            self.label,
                            limit.requests,
                            limit.per.as_secs(),
                            wait.as_secs().max(1)
                        ),
                    )
                    .with_retry_after(wait));
                }
            }
        }
    }

    fn build(&self) -> reqwest::RequestBuilder {
        let mut rb = self
            .upstream
            .http
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        match &self.body {
            Body::None => {}
            Body::Json(v) => rb = rb.json(v),
            Body::Form(pairs) => rb = rb.form(pairs),
        }
        rb
    }

    fn transport_error(&self, e: reqwest::Error) -> Error {
        let host = self.url.host_str().unwrap_or("the upstream").to_owned();
        let what = if e.is_timeout() {
            format!("{} did not answer in time ({host})", self.label)
        } else if e.is_connect() {
            format!("could not connect to {} at {host}", self.label)
        } else {
            format!("the request to {} at {host} failed", self.label)
        };
        let detail = self.redactor.redact(&e.without_url().to_string());
        Error::new(
            ErrorKind::Upstream,
            format!("{what}: {detail}; try again shortly"),
        )
        .with_retryable(true)
    }
}

/// reqwest is built without a bundled crypto provider (no aws-lc); this installs ring
/// process-wide. Idempotent; any process building a reqwest client calls it first.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

fn backoff(cfg: &UpstreamConfig, attempt: u32) -> Duration {
    let ceiling = cfg
        .base_delay_ms
        .saturating_mul(1u64 << attempt.min(16))
        .min(cfg.max_delay_ms);
    Duration::from_millis(rand::rng().random_range(0..=ceiling))
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// An upstream response of any status, body read in full.
#[derive(Debug)]
pub struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    label: &'static str,
}

impl UpstreamResponse {
    /// Decodes the body as JSON; a body that does not match is an `Upstream` error.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!(
                    "{} answered with a body this connector does not understand ({e}); the API may have changed",
                    self.label
                ),
            )
            .with_upstream_status(self.status.as_u16())
        })
    }

    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

const SENSITIVE_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "client_secret",
    "code",
    "hash",
    "key",
    "password",
    "refresh_token",
    "secret",
    "token",
];

/// Hides secrets: known secret values anywhere in a text, and the values of sensitive
/// query parameters in URLs.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<SecretString>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

const REDACTED: &str = "**REDACTED**";

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Also hides this value wherever it appears.
    pub fn secret(mut self, value: &SecretString) -> Self {
        if !value.expose_secret().is_empty() {
            self.secrets.push(value.clone());
        }
        self
    }

    fn merge(mut self, other: &Redactor) -> Self {
        self.secrets.extend(other.secrets.iter().cloned());
        self
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.expose_secret(), REDACTED);
        }
        out
    }

    pub fn redact_url(&self, url: &Url) -> String {
        let mut u = url.clone();
        if u.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let hide = SENSITIVE_PARAMS.contains(&k.to_ascii_lowercase().as_str());
                    (
                        k.into_owned(),
                        if hide {
                            REDACTED.to_owned()
                        } else {
                            v.into_owned()
                        },
                    )
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        let _ = u.set_password(None);
        self.redact(u.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_query_secrets_and_known_values() {
        let key = SecretString::from("s3cr3t-key".to_owned());
        let r = Redactor::new().secret(&key);
        let url = Url::parse("https://a.example/api?action=get&hash=abc123&x=s3cr3t-key").unwrap();
        let shown = r.redact_url(&url);
        assert!(!shown.contains("abc123"), "{shown}");
        assert!(!shown.contains("s3cr3t-key"), "{shown}");
        assert!(shown.contains("action=get"));
        assert_eq!(r.redact("token s3cr3t-key here"), "token **REDACTED** here");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = parse_retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
    }

    #[test]
    fn backoff_stays_under_the_ceiling() {
        let cfg = UpstreamConfig::default();
        for attempt in 0..20 {
            assert!(backoff(&cfg, attempt) <= Duration::from_millis(cfg.max_delay_ms));
        }
    }
}
