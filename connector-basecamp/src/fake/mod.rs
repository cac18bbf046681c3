//! A fake Basecamp 4 account on loopback (feature `fake`), with its Launchpad OAuth server
//! on the same host, for the connector's tests, the conformance suite and `switchboard
//! demo`. It behaves as `shared/notes/saas-apis.md` part C and the official bc3-api
//! examples describe: flat and `/buckets/{id}/` routes, bucket-form `url`s, `User-Agent`
//! and JSON content type required, OAuth tokens that expire, geared pagination with
//! `Link` and `X-Total-Count`, ETags and 304s, the 10-second request window with 429 and
//! `Retry-After`, full-replacement to-do updates, and the API's bloated JSON. State lives
//! in memory: reads see writes. It binds 127.0.0.1 only and never reaches the network.

mod api;
mod launchpad;
mod model;
mod render;
mod reply;
mod rich;
mod routes;
mod seed;
mod server;
mod util;

use std::{
    net::SocketAddr,
    sync::{Arc, atomic::Ordering},
};

use chrono::{NaiveDate, Utc};
use connector_core::{
    CredentialKind, Credentials, Error, Result,
    fake::{FakeAccount, FakeControl},
};
use serde_json::{Value, json};

use model::{Store, Urls};
use server::{Shared, lock};

/// The bc3 account id, as in the official examples.
const ACCOUNT_ID: i64 = 195_539_477;
const ACCOUNT_NAME: &str = "Honcho Design";
/// Signs the fake's sgids and avatar keys. Fixed, so the seed prints the same every run.
const SIGNING_SECRET: &str = "switchboard-fake-basecamp";

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Requests per 10-second sliding window for the whole fake (Basecamp: "50 requests
    /// per 10 seconds per IP"); 0 = unlimited.
    pub requests_per_10s: u32,
    /// Access-token lifetime in seconds (Launchpad: 1209600 = two weeks).
    pub token_ttl_secs: u64,
    /// Projects the account may have before `POST /projects.json` answers 507; `None` =
    /// no limit.
    pub project_limit: Option<usize>,
    /// The "today" the seed's dates are relative to; `None` = the real UTC today.
    pub today: Option<NaiveDate>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            requests_per_10s: 50,
            token_ttl_secs: 1_209_600,
            project_limit: None,
            today: None,
        }
    }
}

/// Seed facts tests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedIds {
    /// "The Leto Laptop": the project with the big to-do list and the busiest tools.
    pub big_project: i64,
    /// Its to-do set.
    pub todoset: i64,
    /// "Launch checklist": 327 to-dos.
    pub big_todolist: i64,
    /// Every to-do list of the big project, in position order (archived one excluded).
    pub todolists: Vec<i64>,
    /// "The Leto Locator": the project with two card tables.
    pub card_project: i64,
    pub card_tables: Vec<i64>,
    /// The big project's tools.
    pub message_board: i64,
    /// Its Campfire: 140 lines.
    pub chat: i64,
    pub schedule: i64,
    pub vault: i64,
    /// Every project, active ones first in creation order, then the archived and the
    /// trashed one.
    pub projects: Vec<i64>,
    pub archived_project: i64,
    pub trashed_project: i64,
    /// The account owner (Victor Cooper).
    pub owner: i64,
    /// Everyone, the owner first.
    pub people: Vec<i64>,
    /// The one client user.
    pub client: i64,
    /// A to-do assigned to the owner and due today.
    pub due_today_todo: i64,
    /// A to-do assigned to the owner and overdue.
    pub overdue_todo: i64,
}

/// A handle to a running fake. Clones share the server.
#[derive(Clone)]
pub struct FakeBasecamp {
    shared: Arc<Shared>,
    addr: SocketAddr,
    seed: Arc<SeedIds>,
}

impl std::fmt::Debug for FakeBasecamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeBasecamp")
            .field("addr", &self.addr)
            .field("account_id", &self.shared.account_id)
            .finish_non_exhaustive()
    }
}

impl FakeBasecamp {
    /// `http://127.0.0.1:PORT`: Launchpad's routes live here too.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bc3 account id.
    pub fn account_id(&self) -> i64 {
        self.shared.account_id
    }

    /// `{base_url}/{account_id}`, the account's `href`.
    pub fn api_base(&self) -> String {
        format!("{}/{}", self.base_url(), self.account_id())
    }

    /// The connector's view of this fake: config, fresh owner tokens and control.
    pub fn account(&self) -> FakeAccount {
        let base_url = self.base_url();
        let (access, refresh, expires_at) = self.shared.issue(self.seed.owner);
        FakeAccount {
            config: json!({
                "launchpad_url": base_url,
                "contact": "demo@switchboard.invalid",
                "oauth_client_id": self.shared.client_id,
                "oauth_client_secret": self.shared.client_secret,
            }),
            credentials: Credentials::new(CredentialKind::OAuth2AuthorizationCode)
                .with("account_url", self.api_base())
                .with("access_token", access)
                .with("refresh_token", refresh)
                .with("expires_at", expires_at.to_string()),
            label: format!("Basecamp fake at {}", self.addr),
            base_url,
            control: self.control(),
        }
    }

    pub fn control(&self) -> Arc<dyn FakeControl> {
        self.shared.control.clone()
    }

    /// (client_id, client_secret) Launchpad accepts.
    pub fn oauth_client(&self) -> (String, String) {
        (
            self.shared.client_id.clone(),
            self.shared.client_secret.clone(),
        )
    }

    /// Mints (access_token, refresh_token) for the person with this email (the owner if
    /// unknown), as an approval would.
    pub fn issue_tokens(&self, email: &str) -> (String, String) {
        let person = lock(&self.shared.store)
            .person_by_email(email)
            .unwrap_or(self.seed.owner);
        let (access, refresh, _) = self.shared.issue(person);
        (access, refresh)
    }

    /// Every access token issued so far answers 401 "OAuth token expired (old age)…".
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.grants).expire_access_tokens();
    }

    /// As a password change does: refreshing answers 400 `authorization_expired`.
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.shared.grants).revoke_refresh_tokens();
    }

    /// While inactive, every API request answers 404 with `Reason: Account Inactive`.
    pub fn set_account_inactive(&self, inactive: bool) {
        self.shared.inactive.store(inactive, Ordering::SeqCst);
    }

    /// Requests received per route label: `"METHOD /route.json"` with `{id}` for ids,
    /// without the account and bucket prefixes (`"GET /todolists/{id}/todos.json"`,
    /// `"POST /authorization/token"`). Counted on arrival, whatever the answer.
    pub fn count(&self, label: &str) -> usize {
        self.shared.count(label)
    }

    /// Every request in arrival order: (method, path and query, User-Agent, If-None-Match).
    pub fn request_log(&self) -> Vec<(String, String, Option<String>, Option<String>)> {
        self.shared.request_log()
    }

    /// 304s served.
    pub fn not_modified(&self) -> usize {
        self.shared.not_modified.load(Ordering::SeqCst)
    }

    /// 429s from the request window (injected ones not included).
    pub fn rate_limited(&self) -> usize {
        self.shared.rate_limited.load(Ordering::SeqCst)
    }

    /// The most API requests served within any 10-second window.
    pub fn max_requests_in_window(&self) -> usize {
        self.shared.max_in_window()
    }

    /// The stored record as `GET` would answer it. `kind` is the URL word: `projects`,
    /// `people`, `events`, `todosets`, `todolists`, `todos`, `message_boards`, `messages`,
    /// `comments`, `chats`, `lines`, `schedules`, `schedule_entries`, `card_tables`,
    /// `columns`, `cards`, `steps`, `vaults`, `documents`, `uploads`.
    pub fn record(&self, kind: &str, id: i64) -> Option<Value> {
        let store = lock(&self.shared.store);
        match kind {
            "projects" => store
                .projects
                .contains_key(&id)
                .then(|| render::project(&store, id)),
            "people" => store
                .people
                .contains_key(&id)
                .then(|| render::person(&store, id)),
            "events" => store
                .events
                .iter()
                .position(|e| e.id == id)
                .map(|i| render::event(&store, i)),
            _ => {
                let r = store.rec(id)?;
                let word = match r.kind {
                    k if k.is_line() => "lines",
                    k => k.segment().rsplit('/').next().unwrap_or_default(),
                };
                (word == kind).then(|| render::recording(&store, r, true))
            }
        }
    }

    /// Seed facts tests need.
    pub fn seed(&self) -> SeedIds {
        (*self.seed).clone()
    }
}

/// Starts a fake on `127.0.0.1:0`, served by a spawned tokio task until the process ends.
pub async fn start_with(options: FakeOptions) -> Result<FakeBasecamp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::unexpected(format!("the Basecamp fake could not bind: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::unexpected(format!("the Basecamp fake has no address: {e}")))?;
    let base = format!("http://{addr}");
    let api = format!("{base}/{ACCOUNT_ID}");
    let urls = Urls {
        base,
        app: api.clone(),
        api,
    };
    let mut store = Store::new(urls, ACCOUNT_ID, ACCOUNT_NAME, SIGNING_SECRET.to_owned());
    store.fixed_today = options.today;
    store.project_limit = options.project_limit;
    let today = options.today.unwrap_or_else(|| Utc::now().date_naive());
    let seed = seed::seed(&mut store, today);
    let shared = Arc::new(Shared::new(options, ACCOUNT_ID, store));
    let app = server::router(shared.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("the Basecamp fake stopped serving: {e}");
        }
    });
    Ok(FakeBasecamp {
        shared,
        addr,
        seed: Arc::new(seed),
    })
}

/// Default options: what `switchboard demo` and the conformance suite use.
pub async fn start() -> Result<FakeAccount> {
    Ok(start_with(FakeOptions::default()).await?.account())
}
