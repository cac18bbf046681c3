//! One ServiceFusion account's client: its access token (got and renewed here with the
//! client credentials grant, or handed over by the gateway for a signed-in person), the
//! 60-requests-a-minute budget per token, read from `X-Rate-Limit-*` and enforced before
//! the upstream has to say 429, lists followed page by page within what a tool asked
//! for, lookups kept for a few minutes, and snapshots of lists filtered here.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use connector_core::{
    Credentials, Error, ErrorKind, ExposeSecret, OAuthApp, RateLimit, Redactor, Result,
    SecretString, TokenBody, Upstream, UpstreamResponse,
    cache::{Gathered, Kept, Snapshots},
    http::install_crypto_provider,
};
use http::{Method, header};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    config::ServiceFusionConfig,
    error::{Call, parse_error, rate_limit_remaining, rate_limit_reset},
};

/// The most a list page may hold (`per-page`).
pub const MAX_PER_PAGE: usize = 50;
/// Renew a token this long before it expires.
const RENEW_MARGIN_SECS: u64 = 120;
/// How long lookups (statuses, categories, technicians) are kept.
const LOOKUP_TTL: Duration = Duration::from_secs(600);
/// How long a list filtered here stays available to the pages after its first.
const SNAPSHOT_TTL: Duration = Duration::from_secs(600);
const SNAPSHOT_BYTES: usize = 32 * 1024 * 1024;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Clone)]
struct Token {
    access: SecretString,
    /// Unix seconds; 0 when unknown.
    expires_at: u64,
}

enum Auth {
    /// The API user's client id and secret: this client gets its own tokens and renews
    /// them before they expire, one grant at a time.
    ClientCredentials {
        app: Box<OAuthApp>,
        token: tokio::sync::Mutex<Option<Token>>,
    },
    /// A signed-in person's token. The gateway refreshes it (the refresh token rotates,
    /// so only one party may ever spend it).
    Bearer { token: SecretString },
}

/// One page of a list, as ServiceFusion sent it.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub items: Vec<Value>,
    pub total: usize,
    pub page_count: usize,
}

/// A run of a list's items fetched from `offset` on.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub items: Vec<Value>,
    pub total: usize,
    /// Upstream requests it took.
    pub requests: usize,
}

pub struct ServiceFusionClient {
    config: ServiceFusionConfig,
    auth: Auth,
    upstream: Upstream,
    limit: RateLimit,
    redactor: Redactor,
    lookups: Kept<&'static str, Arc<Vec<Value>>>,
    pub(crate) snapshots: Snapshots<Gathered>,
}

impl std::fmt::Debug for ServiceFusionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceFusionClient")
            .field(
                "auth",
                &match self.auth {
                    Auth::ClientCredentials { .. } => "client credentials",
                    Auth::Bearer { .. } => "signed-in user",
                },
            )
            .field("requests_per_minute", &self.limit.requests)
            .finish_non_exhaustive()
    }
}

/// The token endpoint's app for an account's own client id and secret.
pub fn credentials_app(
    config: &ServiceFusionConfig,
    client_id: &str,
    client_secret: &SecretString,
) -> Result<OAuthApp> {
    let mut app = OAuthApp::new(
        "ServiceFusion",
        client_id.to_owned(),
        client_secret.clone(),
        config.url("/oauth/authorize")?,
        config.url("/oauth/access_token")?,
    );
    // The documentation's examples post JSON to the token endpoint.
    app.token_body = TokenBody::Json;
    Ok(app)
}

impl ServiceFusionClient {
    pub fn new(
        config: &ServiceFusionConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Self> {
        install_crypto_provider();
        let mut redactor = Redactor::new();
        for secret in credentials.secret_values() {
            redactor = redactor.secret(secret);
        }
        let expires_at = credentials
            .get("expires_at")
            .and_then(|e| e.expose_secret().parse().ok())
            .unwrap_or(0);
        let given = credentials.get("access_token").map(|t| Token {
            access: t.clone(),
            expires_at,
        });
        let auth = match (
            credentials.get("client_id"),
            credentials.get("client_secret"),
        ) {
            (Some(id), Some(secret)) => Auth::ClientCredentials {
                app: Box::new(credentials_app(config, id.expose_secret(), secret)?),
                token: tokio::sync::Mutex::new(given),
            },
            _ => match given {
                Some(t) => Auth::Bearer { token: t.access },
                None => {
                    return Err(Error::new(
                        ErrorKind::Unauthenticated,
                        "the ServiceFusion connection has neither a client id and secret nor an access token: reconnect the account with the API user's client id and secret (My Office → Developer Settings → API Credentials)",
                    ));
                }
            },
        };
        Ok(ServiceFusionClient {
            config: config.clone(),
            auth,
            upstream: upstream.clone(),
            limit: RateLimit::per_minute(config.requests_per_minute),
            redactor,
            lookups: Kept::new(LOOKUP_TTL, 8 * 1024 * 1024),
            snapshots: Snapshots::new(SNAPSHOT_TTL, SNAPSHOT_BYTES),
        })
    }

    pub fn currency(&self) -> &str {
        &self.config.currency
    }

    /// The access token to send: the one in hand while it is good for a while yet, else
    /// a new one from the client credentials grant (one grant at a time).
    async fn token(&self) -> Result<SecretString> {
        match &self.auth {
            Auth::Bearer { token } => Ok(token.clone()),
            Auth::ClientCredentials { app, token } => {
                let mut held = token.lock().await;
                if let Some(t) = held.as_ref()
                    && (t.expires_at == 0 || t.expires_at > now_secs() + RENEW_MARGIN_SECS)
                {
                    return Ok(t.access.clone());
                }
                let fresh = app.client_credentials(&self.upstream).await?;
                let t = Token {
                    access: fresh.access_token.clone(),
                    expires_at: fresh.expires_at.unwrap_or(0),
                };
                *held = Some(t.clone());
                Ok(t.access)
            }
        }
    }

    /// Forgets a token the API refused, if it is still the one in hand. Returns whether
    /// asking again may help (a new token can be granted).
    async fn drop_token(&self, refused: &SecretString) -> bool {
        match &self.auth {
            Auth::Bearer { .. } => false,
            Auth::ClientCredentials { token, .. } => {
                let mut held = token.lock().await;
                if held
                    .as_ref()
                    .is_some_and(|t| t.access.expose_secret() == refused.expose_secret())
                {
                    *held = None;
                }
                true
            }
        }
    }

    /// The budget's key: ServiceFusion counts requests per access token. A digest, so the
    /// token itself never sits in the limiter.
    fn limit_key(token: &SecretString) -> String {
        let digest = Sha256::digest(token.expose_secret().as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("servicefusion:{hex}")
    }

    /// One request with the account's token and budget. A refused token is replaced and
    /// the request repeated once (client credentials only).
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<Value>,
        call: Call<'_>,
    ) -> Result<UpstreamResponse> {
        let mut url: Url = self.config.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        for attempt in 0..2 {
            let token = self.token().await?;
            let key = Self::limit_key(&token);
            let bearer = SecretString::from(format!("Bearer {}", token.expose_secret()));
            let mut req = self
                .upstream
                .request("ServiceFusion", method.clone(), url.clone())
                .secret_header(header::AUTHORIZATION, &bearer)?
                .redact(&self.redactor.clone().secret(&token))
                .rate_limit(key.clone(), self.limit)
                .retry_after_from(rate_limit_reset);
            if let Some(b) = &body {
                req = req.json(b.clone());
            }
            let resp = req.send().await?;
            // Another client of the same token (a second replica) may have spent the
            // budget this one does not know about: hold further requests until the reset.
            if rate_limit_remaining(&resp.headers) == Some(0)
                && let Some(wait) = rate_limit_reset(&resp.headers)
            {
                self.upstream.pause(&key, wait).await;
            }
            if resp.status.is_success() {
                return Ok(resp);
            }
            if resp.status.as_u16() == 401 && attempt == 0 && self.drop_token(&token).await {
                continue;
            }
            return Err(parse_error(
                resp.status.as_u16(),
                &resp.body,
                &resp.headers,
                &call,
            ));
        }
        Err(Error::unexpected(
            "the request loop ended without an answer",
        ))
    }

    /// One object: `GET /v1/{path}`.
    pub async fn get(
        &self,
        path: &str,
        query: &[(String, String)],
        call: Call<'_>,
    ) -> Result<Value> {
        let resp = self
            .send(Method::GET, &format!("/v1/{path}"), query, None, call)
            .await?;
        resp.json()
    }

    /// Creates a record: `POST /v1/{resource}`, answered 201 with the record.
    pub async fn create(
        &self,
        resource: &'static str,
        body: Value,
        query: &[(String, String)],
    ) -> Result<Value> {
        let call = Call {
            resource,
            id: None,
            create: true,
        };
        let resp = self
            .send(
                Method::POST,
                &format!("/v1/{resource}"),
                query,
                Some(body),
                call,
            )
            .await?;
        // Lists filtered here may now be stale.
        self.lookups.clear();
        resp.json()
    }

    /// One page of a list. `query` carries filters, `fields`, `expand` and `sort`; a
    /// list without `sort` is sorted by id (an unsorted job list can hang upstream).
    pub async fn list_page(
        &self,
        path: &str,
        query: &[(String, String)],
        page: usize,
        per_page: usize,
    ) -> Result<ListPage> {
        let mut q: Vec<(String, String)> = query.to_vec();
        if !q.iter().any(|(k, _)| k == "sort") {
            q.push(("sort".into(), "id".into()));
        }
        q.push(("page".into(), page.to_string()));
        q.push(("per-page".into(), per_page.to_string()));
        let resource = resource_of(path);
        let call = Call {
            resource,
            id: None,
            create: false,
        };
        let resp = self
            .send(Method::GET, &format!("/v1/{path}"), &q, None, call)
            .await?;
        let body: Value = resp.json()?;
        let items = body
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    format!(
                        "ServiceFusion's {resource} list has no `items`; the API may have changed"
                    ),
                )
            })?;
        let meta = |k: &str, header: &str| {
            body.get("_meta")
                .and_then(|m| m.get(k))
                .and_then(Value::as_u64)
                .or_else(|| {
                    resp.headers
                        .get(header)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse().ok())
                })
                .map(|n| n as usize)
        };
        let total = meta("totalCount", "x-pagination-total-count").unwrap_or(items.len());
        let page_count = meta("pageCount", "x-pagination-page-count").unwrap_or(1);
        Ok(ListPage {
            items,
            total,
            page_count,
        })
    }

    /// `needed` items of a list from position `offset` on, following pages. Asks for
    /// pages the size of what is needed when the offset allows, else for full pages,
    /// and stops after `max_requests` requests: the caller's cursor continues from there.
    pub async fn fetch(
        &self,
        path: &str,
        query: &[(String, String)],
        offset: usize,
        needed: usize,
        max_requests: usize,
    ) -> Result<Fetched> {
        let needed = needed.max(1);
        let (per_page, mut page, mut skip) =
            if needed <= MAX_PER_PAGE && offset.is_multiple_of(needed) {
                (needed, offset / needed + 1, 0)
            } else {
                (
                    MAX_PER_PAGE,
                    offset / MAX_PER_PAGE + 1,
                    offset % MAX_PER_PAGE,
                )
            };
        let mut out = Fetched::default();
        while out.items.len() < needed && out.requests < max_requests.max(1) {
            let got = self.list_page(path, query, page, per_page).await?;
            out.requests += 1;
            out.total = got.total;
            // ServiceFusion clamps a page past the end to the last page: stop there.
            if page > got.page_count || got.items.is_empty() {
                break;
            }
            let want = needed - out.items.len();
            out.items
                .extend(got.items.into_iter().skip(skip).take(want));
            skip = 0;
            if page >= got.page_count {
                break;
            }
            page += 1;
        }
        Ok(out)
    }

    /// Every item of a list, page by page up to `max_requests` requests; the flag says
    /// whether the list was read to its end.
    pub async fn fetch_all(
        &self,
        path: &str,
        query: &[(String, String)],
        max_requests: usize,
        mut stop: impl FnMut(&Value) -> bool,
    ) -> Result<(Vec<Value>, bool)> {
        let mut items = Vec::new();
        let mut page = 1;
        loop {
            let got = self.list_page(path, query, page, MAX_PER_PAGE).await?;
            let last = page >= got.page_count || got.items.is_empty();
            for item in got.items {
                if stop(&item) {
                    return Ok((items, true));
                }
                items.push(item);
            }
            if last {
                return Ok((items, true));
            }
            if page >= max_requests {
                return Ok((items, false));
            }
            page += 1;
        }
    }

    /// A small list read whole (statuses, categories, sources, payment types,
    /// technicians), kept for ten minutes.
    pub async fn lookup(&self, resource: &'static str) -> Result<Arc<Vec<Value>>> {
        if let Some(hit) = self.lookups.get(&resource) {
            return Ok(hit);
        }
        let (items, _) = self.fetch_all(resource, &[], 20, |_| false).await?;
        let size = items.iter().map(|i| i.to_string().len()).sum();
        let items = Arc::new(items);
        self.lookups.insert(resource, size, items.clone());
        Ok(items)
    }
}

/// The resource a path names, for errors: `customers/12/equipment` → `equipment`.
pub fn resource_of(path: &str) -> &str {
    path.split('/')
        .rev()
        .find(|seg| !seg.is_empty() && !seg.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(path)
}

/// The job statuses whose category is open (`OPEN_ACTIVE`, `OPEN_INACTIVE`), by name.
pub async fn open_statuses(client: &ServiceFusionClient) -> Result<Vec<String>> {
    let statuses = client.lookup("job-statuses").await?;
    Ok(statuses
        .iter()
        .filter(|s| {
            s.get("category")
                .and_then(Value::as_str)
                .is_some_and(|c| c.to_ascii_uppercase().starts_with("OPEN"))
        })
        .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

/// The refresh of an account's credentials: a new client credentials grant when the
/// account has its own client id and secret, `None` otherwise (the caller then uses the
/// refresh token with the operator's app).
pub async fn renew_client_credentials(
    config: &ServiceFusionConfig,
    credentials: &Credentials,
    upstream: &Upstream,
) -> Result<Option<Credentials>> {
    let (Some(id), Some(secret)) = (
        credentials.get("client_id"),
        credentials.get("client_secret"),
    ) else {
        return Ok(None);
    };
    let app = credentials_app(config, id.expose_secret(), secret)?;
    let tokens = app.client_credentials(upstream).await?;
    Ok(Some(
        tokens
            .credentials(
                connector_core::CredentialKind::OAuth2ClientCredentials,
                None,
            )
            .with("client_id", id.expose_secret())
            .with("client_secret", secret.expose_secret()),
    ))
}
