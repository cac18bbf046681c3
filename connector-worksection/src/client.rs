//! One Worksection account's client: request signing (the admin key's MD5 `hash`, or an
//! OAuth bearer token), the account's one-request-per-second budget, the response
//! envelope, a short read cache so paging a list does not re-download it, and downloads.

use std::{sync::Arc, time::Duration};

use connector_core::{
    Credentials, Error, ErrorKind, ExposeSecret, RateLimit, Redactor, Result, SecretString,
    Upstream,
    cache::{Kept, Snapshots},
    http::install_crypto_provider,
};
use http::{Method, header};
use md5::{Digest, Md5};
use serde_json::Value;
use url::Url;

use crate::{
    config::WorksectionConfig,
    error::{Call, parse_error, parse_http_error},
    model::WorksectionDate,
};

/// Request parameters in the order they are sent (the hash depends on the order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.0.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// A flag sent as `1` when true, omitted otherwise.
    pub fn flag(self, key: &str, on: bool) -> Self {
        if on { self.with(key, 1) } else { self }
    }

    /// A comma-separated list, omitted when empty.
    pub fn list(self, key: &str, values: &[String]) -> Self {
        if values.is_empty() {
            self
        } else {
            self.with(key, values.join(","))
        }
    }

    /// The dates (sent as `DD.MM.YYYY`) and budget that tasks and projects share.
    pub fn plan(
        self,
        start: Option<&crate::model::IsoDate>,
        due: Option<&crate::model::IsoDate>,
        max_time: Option<f64>,
        max_money: Option<f64>,
    ) -> Self {
        self.opt(
            "datestart",
            start.map(crate::model::IsoDate::to_worksection),
        )
        .opt("dateend", due.map(crate::model::IsoDate::to_worksection))
        .opt("max_time", max_time)
        .opt("max_money", max_money)
    }

    /// A repeated parameter (`todo[]=a&todo[]=b`).
    pub fn repeated(mut self, key: &str, values: &[String]) -> Self {
        for v in values {
            self.0.push((key.to_owned(), v.clone()));
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn encode(pairs: &[(String, String)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

/// The hash the admin API checks: MD5 of the exact query string sent, then the key.
pub fn admin_hash(query: &str, api_key: &str) -> String {
    hex::encode(Md5::digest(format!("{query}{api_key}").as_bytes()))
}

enum Auth {
    Admin {
        key: SecretString,
        default_author: Option<String>,
    },
    User {
        token: SecretString,
    },
}

/// Above this, long parameters move from the URL to the POST body (the URL limit is 8 KB).
const MAX_QUERY_BYTES: usize = 6_000;
/// Parameters that may be long and are safe to send in the body.
const BODY_PARAMS: &[&str] = &["text", "todo[]", "comment", "members"];
/// How long a list answer stays available to the pages that follow its first page.
const SNAPSHOT_TTL: Duration = Duration::from_secs(300);
/// Upper bound on the answers kept for paging, by size of the upstream body.
const SNAPSHOT_BYTES: usize = 64 * 1024 * 1024;
/// Downloaded files kept for repeated reads.
const FILE_CACHE_TTL: Duration = Duration::from_secs(600);
const FILE_CACHE_BYTES: usize = 32 * 1024 * 1024;

type Download = (bytes::Bytes, String, Option<String>);

pub struct WorksectionClient {
    account: Url,
    auth: Auth,
    upstream: Upstream,
    limit: RateLimit,
    redactor: Redactor,
    snapshots: Snapshots<Value>,
    files: Kept<String, Download>,
    pub(crate) max_file_bytes: u64,
}

impl std::fmt::Debug for WorksectionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The account URL is part of the credentials, so it is not shown either.
        f.debug_struct("WorksectionClient")
            .field(
                "mode",
                &if self.is_user_mode() {
                    "oauth"
                } else {
                    "admin key"
                },
            )
            .field("requests_per_second", &self.limit.requests)
            .finish_non_exhaustive()
    }
}

impl WorksectionClient {
    pub fn new(
        config: &WorksectionConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Self> {
        install_crypto_provider();
        let account_raw = credentials
            .require(crate::ID, "account_url")?
            .expose_secret()
            .to_owned();
        let account = Url::parse(account_raw.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    "the connection's Worksection account URL is not a URL such as https://acme.worksection.com; reconnect the account".to_owned(),
                )
            })?;
        let (auth, redactor) = if let Some(token) = credentials.get("access_token") {
            (
                Auth::User {
                    token: token.clone(),
                },
                Redactor::new().secret(token),
            )
        } else {
            let key = credentials.require(crate::ID, "api_key")?.clone();
            let default_author = credentials
                .get("default_author")
                .map(|a| a.expose_secret().to_owned())
                .filter(|a| !a.is_empty());
            let redactor = Redactor::new().secret(&key);
            (
                Auth::Admin {
                    key,
                    default_author,
                },
                redactor,
            )
        };
        Ok(WorksectionClient {
            account,
            auth,
            upstream: upstream.clone(),
            limit: RateLimit::per_second(config.requests_per_second),
            redactor,
            snapshots: Snapshots::new(SNAPSHOT_TTL, SNAPSHOT_BYTES),
            files: Kept::new(FILE_CACHE_TTL, FILE_CACHE_BYTES),
            max_file_bytes: config.max_file_bytes,
        })
    }

    /// Signed in as a person (OAuth), rather than with the account's admin key.
    pub fn is_user_mode(&self) -> bool {
        matches!(self.auth, Auth::User { .. })
    }

    /// The author for admin-key writes that need one (`email_user_from`).
    pub fn default_author(&self) -> Option<&str> {
        match &self.auth {
            Auth::Admin { default_author, .. } => default_author.as_deref(),
            Auth::User { .. } => None,
        }
    }

    pub fn account_host(&self) -> &str {
        self.account.host_str().unwrap_or("the Worksection account")
    }

    /// A read, always from Worksection.
    pub async fn read(&self, action: &str, params: Params) -> Result<Arc<Value>> {
        Ok(Arc::new(self.call(action, params, true).await?.0))
    }

    /// A read for a list tool. The first page (no cursor) asks Worksection and keeps the
    /// answer as a snapshot; later pages carry the snapshot's id in their cursor and page
    /// through the same answer. So a list that changes meanwhile is still seen exactly
    /// once, and a 5,000-task list is not downloaded again for every page.
    pub async fn read_list(
        &self,
        action: &str,
        params: Params,
        cursor: Option<&str>,
    ) -> Result<(Arc<Value>, u64)> {
        if let Some(kept) = self.snapshots.of_cursor(cursor)? {
            return Ok(kept);
        }
        let (value, size) = self.call(action, params, true).await?;
        Ok(self.snapshots.keep(value, size))
    }

    /// A change.
    pub async fn write(&self, action: &str, params: Params) -> Result<Value> {
        Ok(self.call(action, params, false).await?.0)
    }

    /// Sends one action and returns the `status: ok` envelope and the body's size.
    async fn call(&self, action: &str, params: Params, read: bool) -> Result<(Value, usize)> {
        let mut all = vec![("action".to_owned(), action.to_owned())];
        all.extend(params.0.iter().cloned());
        // "Too many requests" arrives inside HTTP 200, below the core client's retry:
        // it means the request was not processed, so it is safe to repeat, reads or writes.
        let mut attempt = 0u32;
        loop {
            match self.send_once(action, &all, &params, read).await {
                Err(e) if e.kind() == ErrorKind::RateLimited && attempt < 3 => {
                    attempt += 1;
                    let jitter = Duration::from_millis(rand::random::<u64>() % 250);
                    tokio::time::sleep(Duration::from_millis(1_000 * u64::from(attempt)) + jitter)
                        .await;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        action: &str,
        all: &[(String, String)],
        params: &Params,
        read: bool,
    ) -> Result<(Value, usize)> {
        let (mut query_pairs, mut body_pairs): (Vec<_>, Vec<_>) = (all.to_vec(), Vec::new());
        if Params::encode(&query_pairs).len() > MAX_QUERY_BYTES {
            (query_pairs, body_pairs) = all
                .iter()
                .cloned()
                .partition(|(k, _)| !BODY_PARAMS.contains(&k.as_str()));
        }
        let (url, auth_header) = self.signed_url(&Params::encode(&query_pairs));
        let mut req = self
            .upstream
            .request("Worksection", Method::POST, url)
            .idempotent(read)
            .rate_limit(format!("worksection:{}", self.account_host()), self.limit)
            .redact(&self.redactor);
        if let Some(h) = &auth_header {
            req = req
                .secret_header(header::AUTHORIZATION, h)?
                .redact(&Redactor::new().secret(h));
        }
        if !body_pairs.is_empty() {
            req = req.form(body_pairs);
        }
        let resp = req.send().await?;
        let call = Call {
            action,
            params,
            account: self.account_host(),
        };
        if resp.status.as_u16() != 200 {
            return Err(parse_http_error(
                resp.status.as_u16(),
                &resp.text(),
                resp.retry_after(),
                &call,
            ));
        }
        let body: Value = serde_json::from_slice(&resp.body).map_err(|_| {
            Error::new(
                ErrorKind::Upstream,
                format!("Worksection answered `{action}` with something that is not JSON; try again shortly"),
            )
            .with_retryable(true)
        })?;
        match body.get("status").and_then(Value::as_str) {
            Some("ok") => Ok((body, resp.body.len())),
            _ => Err(parse_error(&body, &call)),
        }
    }

    /// The URL for an encoded query: the admin endpoint with the query's `hash`, or the
    /// user endpoint with the bearer header to send.
    fn signed_url(&self, query: &str) -> (Url, Option<SecretString>) {
        match &self.auth {
            Auth::Admin { key, .. } => {
                let mut url = self.endpoint("/api/admin/v2/");
                url.set_query(Some(&format!(
                    "{query}&hash={}",
                    admin_hash(query, key.expose_secret())
                )));
                (url, None)
            }
            Auth::User { token } => {
                let mut url = self.endpoint("/api/oauth2");
                url.set_query(Some(query));
                (
                    url,
                    Some(SecretString::from(format!(
                        "Bearer {}",
                        token.expose_secret()
                    ))),
                )
            }
        }
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.account.clone();
        url.set_path(path);
        url
    }

    /// Downloads a file: (bytes, content type, file name), from the local cache when it
    /// was read in the last minutes. Refuses files over the cap without reading them.
    pub async fn download(&self, file_id: &str) -> Result<Download> {
        if let Some(hit) = self.files.get(&file_id.to_owned()) {
            return Ok(hit);
        }
        let params = Params::new().with("id_file", file_id);
        let mut all = vec![("action".to_owned(), "download".to_owned())];
        all.extend(params.0.iter().cloned());
        let call = Call {
            action: "download",
            params: &params,
            account: self.account_host(),
        };
        let mut attempt = 0u32;
        let resp = loop {
            let (url, auth_header) = self.signed_url(&Params::encode(&all));
            let mut req = self
                .upstream
                .request("Worksection", Method::GET, url)
                .rate_limit(format!("worksection:{}", self.account_host()), self.limit)
                .max_body(self.max_file_bytes)
                .redact(&self.redactor);
            if let Some(h) = &auth_header {
                req = req.secret_header(header::AUTHORIZATION, h)?;
            }
            let resp = req.send().await.map_err(|e| {
                if e.kind() == ErrorKind::InvalidInput {
                    Error::new(
                        ErrorKind::InvalidInput,
                        format!("file {file_id} is over the {} byte limit (connectors.worksection.settings.max_file_bytes); open it in Worksection instead", self.max_file_bytes),
                    )
                } else {
                    e
                }
            })?;
            if resp.status.as_u16() != 200 {
                return Err(parse_http_error(
                    resp.status.as_u16(),
                    &resp.text(),
                    resp.retry_after(),
                    &call,
                ));
            }
            // An error comes as a JSON envelope, whatever the Content-Type says.
            if resp.body.first() == Some(&b'{')
                && let Ok(body) = serde_json::from_slice::<Value>(&resp.body)
                && body.get("status").and_then(Value::as_str) == Some("error")
            {
                let e = parse_error(&body, &call);
                if e.kind() == ErrorKind::RateLimited && attempt < 3 {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(1_000 * u64::from(attempt))).await;
                    continue;
                }
                return Err(e);
            }
            break resp;
        };
        let content_type = resp
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let filename = resp
            .headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| disposition_filename(v.as_bytes()));
        let download = (resp.body.clone(), content_type, filename);
        self.files
            .insert(file_id.to_owned(), download.0.len(), download.clone());
        Ok(download)
    }

    /// The account URL of a relative `page` path (for links to files and tasks).
    pub fn absolute(&self, page: &str) -> String {
        self.endpoint(page).to_string()
    }
}

/// The file name of a `Content-Disposition` header: RFC 5987 `filename*=UTF-8''…` when
/// present, else `filename="…"`. Read from raw bytes, so non-ASCII names survive.
fn disposition_filename(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let mut plain = None;
    for part in text.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let encoded = v.split_once("''").map_or(v, |(_, rest)| rest);
            let decoded = url::form_urlencoded::parse(
                format!("x={}", encoded.replace('+', "%2B")).as_bytes(),
            )
            .next()
            .map(|(_, v)| v.into_owned());
            if let Some(name) = decoded.filter(|n| !n.is_empty()) {
                return Some(name);
            }
        } else if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_owned()).filter(|n| !n.is_empty());
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_content_disposition() {
        assert_eq!(
            disposition_filename(b"attachment; filename=\"a.txt\"").as_deref(),
            Some("a.txt")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"otchet.txt\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt".as_bytes()).as_deref(),
            Some("отчёт.txt")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"план.pdf\"".as_bytes()).as_deref(),
            Some("план.pdf")
        );
        assert_eq!(disposition_filename(b"inline"), None);
    }

    #[test]
    fn the_official_hash_example() {
        let q = Params::encode(&[
            ("action".into(), "get_tasks".into()),
            ("id_project".into(), "26".into()),
        ]);
        assert_eq!(q, "action=get_tasks&id_project=26");
        assert_eq!(
            admin_hash(&q, "7776461cd931e7b1c8e9632ff8e979ce"),
            "ec3ab2c28f21b4a07424f8ed688d6644"
        );
    }

    #[test]
    fn the_hash_covers_the_encoded_string_that_is_sent() {
        let pairs = vec![
            ("action".to_owned(), "post_task".to_owned()),
            ("title".to_owned(), "Отчёт за май & план = 100%".to_owned()),
            ("text".to_owned(), "two words".to_owned()),
        ];
        let q = Params::encode(&pairs);
        assert_eq!(
            q,
            "action=post_task&title=%D0%9E%D1%82%D1%87%D1%91%D1%82+%D0%B7%D0%B0+%D0%BC%D0%B0%D0%B9+%26+%D0%BF%D0%BB%D0%B0%D0%BD+%3D+100%25&text=two+words"
        );
        assert_eq!(
            admin_hash(&q, "k"),
            hex::encode(Md5::digest(format!("{q}k").as_bytes()))
        );
        // The decoded form differs, so the encoding pass is the one that matters.
        assert_ne!(
            admin_hash(&q, "k"),
            admin_hash(
                "action=post_task&title=Отчёт за май & план = 100%&text=two words",
                "k"
            )
        );
    }
}
