//! A fake Worksection account on loopback (feature `fake`), for the connector's tests,
//! the conformance suite and `switchboard demo`. It behaves like the real API as
//! `shared/notes/saas-apis.md` part A and the official Postman examples describe it: the
//! admin endpoint with the md5 `hash`, the OAuth2 endpoint and authorization server,
//! HTTP 200 error envelopes with the API's codes, string ids and the API's date formats,
//! no pagination and the 10,000-record cap, one request per second per account, the
//! 8 KB URL limit, and the empty-list quirk. State is in memory: reads see writes.

mod actions;
mod filter;
mod model;
mod seed;
mod server;
mod util;

use std::{net::SocketAddr, sync::Arc};

use connector_core::{
    CredentialKind, Credentials, Error, Result,
    fake::{FakeAccount, FakeControl},
};
use serde_json::json;

use server::{Shared, lock};

/// Which seeded account to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// Six people, four projects, about forty tasks: enough for every action.
    Small,
    /// The small account plus 42 generated projects: over 5,200 tasks and subtasks
    /// (under the 10,000 cap), long HTML descriptions, thousands of comments.
    Large,
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    pub dataset: Dataset,
    /// Requests per rolling second per account (api key or access token); 0 = no limit.
    pub requests_per_second: u32,
    /// `false`: the limit is answered as an HTTP 200 error envelope; `true`: HTTP 429
    /// with `Retry-After: 1` and the same body. The live behaviour is unverified.
    pub rate_limit_http_429: bool,
    /// The admin API key; random (32 hex characters) when `None`.
    pub api_key: Option<String>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            dataset: Dataset::Small,
            requests_per_second: 1,
            rate_limit_http_429: false,
            api_key: None,
        }
    }
}

/// A handle to a running fake. Clones share the server.
#[derive(Clone)]
pub struct FakeWorksection {
    shared: Arc<Shared>,
    addr: SocketAddr,
    owner_email: String,
}

impl std::fmt::Debug for FakeWorksection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeWorksection")
            .field("addr", &self.addr)
            .field("dataset", &self.shared.options.dataset)
            .finish_non_exhaustive()
    }
}

impl FakeWorksection {
    /// `http://127.0.0.1:PORT`: the account URL, and the OAuth server's base too.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn api_key(&self) -> String {
        self.shared.api_key.clone()
    }

    /// The connector's view of this fake: config, credentials (admin key) and control.
    pub fn account(&self) -> FakeAccount {
        let base_url = self.base_url();
        FakeAccount {
            config: json!({
                "oauth_base_url": base_url,
                "requests_per_second": self.shared.options.requests_per_second,
                "oauth_client_id": self.shared.client_id,
                "oauth_client_secret": self.shared.client_secret,
            }),
            credentials: Credentials::new(CredentialKind::ApiKey)
                .with("account_url", base_url.clone())
                .with("api_key", self.shared.api_key.clone())
                .with("default_author", self.owner_email.clone()),
            label: format!("Worksection fake at {}", self.addr),
            base_url,
            control: self.control(),
        }
    }

    pub fn control(&self) -> Arc<dyn FakeControl> {
        self.shared.control.clone()
    }

    /// Mints OAuth tokens for a user (by email) without a browser: (access_token,
    /// refresh_token); access valid 24h. For an email that is no user of the account the
    /// tokens are refused like unknown ones.
    pub fn issue_oauth_tokens(&self, email: &str) -> (String, String) {
        let user = lock(&self.shared.store).user_by_email(email);
        let scopes = server::ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        self.shared.mint(user, &self.shared.client_id, scopes)
    }

    /// Makes every access token issued so far expired (for refresh tests).
    pub fn expire_access_tokens(&self) {
        self.shared.expire_access_tokens();
    }

    /// Revokes every refresh token (so a refresh fails: the "reconnect" path).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.revoke_refresh_tokens();
    }

    /// (client_id, client_secret) the fake's OAuth server accepts.
    pub fn oauth_client(&self) -> (String, String) {
        (
            self.shared.client_id.clone(),
            self.shared.client_secret.clone(),
        )
    }

    /// Number of API requests (admin + oauth2 endpoints) received, per action name.
    /// The OAuth server's endpoints count as `oauth2_authorize`, `oauth2_token`,
    /// `oauth2_refresh` and `oauth2_resource`.
    pub fn action_count(&self, action: &str) -> usize {
        lock(&self.shared.actions).get(action).copied().unwrap_or(0)
    }
}

/// Starts a fake on `127.0.0.1:0`, served by a spawned tokio task until the process ends.
pub async fn start_with(options: FakeOptions) -> Result<FakeWorksection> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::unexpected(format!("the Worksection fake could not bind: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::unexpected(format!("the Worksection fake has no address: {e}")))?;
    let base_url = format!("http://{addr}");
    let now = util::now();
    let store = match options.dataset {
        Dataset::Small => seed::small(now, &base_url),
        Dataset::Large => seed::large(now, &base_url),
    };
    let owner_email = store
        .users
        .get(&store.owner)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let api_key = options
        .api_key
        .clone()
        .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
    let shared = Arc::new(Shared::new(options, api_key, base_url, store));
    let app = server::router(shared.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(FakeWorksection {
        shared,
        addr,
        owner_email,
    })
}

/// Small dataset, default options: what `switchboard demo` and the conformance suite use.
pub async fn start() -> Result<FakeAccount> {
    Ok(start_with(FakeOptions::default()).await?.account())
}
