//! A fake ServiceFusion API on loopback (feature `fake`), for the connector's tests, the
//! conformance suite and `switchboard demo`. It behaves as `shared/notes/saas-apis.md`
//! part B and the vendor's documented examples describe the real API: OAuth2 with the
//! client-credentials, authorization-code and refresh grants (codes live 60 s, refresh
//! tokens rotate); Bearer or `access_token` query authentication; 60 requests per minute
//! per access token with the `X-Rate-Limit-*` headers; GET and POST only; Yii2-style
//! lists (`page`, `per-page` up to 50, `sort`, `fields`, `expand`, `filters[..]`) in the
//! `items`/`_expandable`/`_meta` envelope; `{code,name,message}` errors and 422 arrays;
//! and the reported hang of `GET /v1/jobs` without `sort`.
//!
//! The account is a Texas HVAC and plumbing company generated from a fixed seed, with
//! dates relative to "today". State is in memory: created records are read back at
//! once. The fake never binds anything but 127.0.0.1.

mod api;
mod create;
mod filter;
mod format;
mod limit;
mod model;
mod oauth;
mod order;
mod query;
mod refs;
mod reply;
mod route;
mod seed;
mod seed_data;
mod server;

use std::{
    net::SocketAddr,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use chrono::NaiveDate;
use connector_core::{
    CredentialKind, Credentials, Error, Result,
    fake::{FakeAccount, FakeControl},
};
use serde_json::json;

use format::Clock;
use route::Collection;
use server::{Shared, lock};

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Requests per minute per access token (the documented limit is 60); 0 = unlimited
    /// (and no `X-Rate-Limit-*` headers).
    pub requests_per_minute: u32,
    /// Lifetime of access tokens in seconds (documented: 3600).
    pub token_ttl_secs: u64,
    /// How long `GET /v1/jobs` without `sort` takes to answer (the reported hang).
    pub unsorted_jobs_delay: Duration,
    /// The "today" the seed's dates are relative to; `None` = the real UTC today.
    pub today: Option<NaiveDate>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            requests_per_minute: 60,
            token_ttl_secs: 3600,
            unsorted_jobs_delay: Duration::from_secs(3),
            today: None,
        }
    }
}

/// A handle to a running fake. Clones share the server.
#[derive(Clone)]
pub struct FakeServiceFusion {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for FakeServiceFusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServiceFusion")
            .field("addr", &self.addr)
            .field(
                "requests_per_minute",
                &self.shared.options.requests_per_minute,
            )
            .finish_non_exhaustive()
    }
}

impl FakeServiceFusion {
    /// `http://127.0.0.1:PORT`: the API is at `/v1/…`, OAuth at `/oauth/…`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The connector's view of this fake: config (with the OAuth app for the
    /// authorization-code flow), the API user's client credentials, and control.
    pub fn account(&self) -> FakeAccount {
        let base_url = self.base_url();
        let (app_id, app_secret) = self.oauth_app();
        let (client_id, client_secret) = self.client_credentials();
        FakeAccount {
            config: json!({
                "base_url": base_url,
                "requests_per_minute": self.shared.nominal_limit(),
                "oauth_client_id": app_id,
                "oauth_client_secret": app_secret,
            }),
            credentials: Credentials::new(CredentialKind::OAuth2ClientCredentials)
                .with("client_id", client_id)
                .with("client_secret", client_secret),
            label: format!("ServiceFusion fake at {}", self.addr),
            base_url,
            control: self.control(),
        }
    }

    pub fn control(&self) -> Arc<dyn FakeControl> {
        self.shared.control.clone()
    }

    /// The API user's `client_id` and `client_secret` (client-credentials grant).
    pub fn client_credentials(&self) -> (String, String) {
        self.shared.oauth.client_credentials()
    }

    /// The registered OAuth app's `client_id` and `client_secret` (authorization-code
    /// grant).
    pub fn oauth_app(&self) -> (String, String) {
        self.shared.oauth.app()
    }

    /// Mints an authorization code as `/oauth/authorize` would (for tests without a
    /// browser).
    pub fn authorize_code(&self, redirect_uri: &str) -> String {
        self.shared.oauth.code(redirect_uri)
    }

    /// Mints a token pair directly: `(access_token, refresh_token)`.
    pub fn issue_tokens(&self) -> (String, String) {
        self.shared.oauth.mint()
    }

    /// Every access token issued so far is now expired (401).
    pub fn expire_access_tokens(&self) {
        self.shared.oauth.expire_access_tokens();
    }

    /// Every refresh token stops working (`invalid_grant`).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.oauth.revoke_refresh_tokens();
    }

    /// Gives the API user a new client secret and returns it; the old one is then an
    /// `invalid_client`.
    pub fn rotate_client_secret(&self) -> String {
        self.shared.oauth.rotate_client_secret()
    }

    /// Requests received, by `METHOD /path` with ids replaced by `{id}`: `GET /v1/jobs`,
    /// `GET /v1/customers/{id}`, `POST /v1/jobs`, `POST /oauth/access_token`.
    pub fn count(&self, label: &str) -> usize {
        self.shared.count(label)
    }

    /// Every request as `(method, path with decoded query)`, in arrival order.
    pub fn request_log(&self) -> Vec<(String, String)> {
        self.shared.request_log()
    }

    /// 429s the rate limiter served (injected faults not counted).
    pub fn rate_limited(&self) -> usize {
        self.shared.limiter.refused()
    }

    /// The most `/v1` requests any one access token had served within one window.
    pub fn max_requests_in_window(&self) -> usize {
        self.shared.limiter.max_in_window()
    }

    /// `GET /v1/jobs` requests that came without `sort`.
    pub fn unsorted_job_lists(&self) -> usize {
        self.shared.unsorted_job_lists.load(Ordering::SeqCst)
    }

    /// Token grants served successfully, by grant type (`client_credentials`,
    /// `authorization_code`, `refresh_token`).
    pub fn token_grants(&self, grant_type: &str) -> usize {
        self.shared.oauth.grants(grant_type)
    }

    /// One record as the API would return it with every expansion, or `None`.
    /// `resource`: `customers`, `jobs`, `estimates`, `techs`, `invoices` or
    /// `calendar-tasks` (the lookups work too).
    pub fn record(&self, resource: &str, id: i64) -> Option<serde_json::Value> {
        let collection = Collection::from_resource(resource)?;
        let store = lock(&self.shared.store);
        api::show(&store, collection, id, &api::full_view(collection))
    }
}

/// Starts a fake on `127.0.0.1:0`, served by a spawned tokio task until the process
/// ends.
pub async fn start_with(options: FakeOptions) -> Result<FakeServiceFusion> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::unexpected(format!("the ServiceFusion fake could not bind: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::unexpected(format!("the ServiceFusion fake has no address: {e}")))?;
    let clock = Clock::new(options.today);
    let store = seed::company(clock.today());
    let shared = Arc::new(Shared::new(options, clock, format!("http://{addr}"), store));
    let app = server::router(shared.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(FakeServiceFusion { shared, addr })
}

/// Default options: what `switchboard demo` and the conformance suite use.
pub async fn start() -> Result<FakeAccount> {
    Ok(start_with(FakeOptions::default()).await?.account())
}
