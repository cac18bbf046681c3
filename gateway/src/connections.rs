//! Teams' connections at call time: which account a call uses, a client for it, OAuth
//! refreshes with one flight per credential across every replica, marking a connection
//! that stopped working, and the one-time links that (re)connect an account.
//!
//! Credentials are opened for building a client and kept only inside it; a client is
//! rebuilt when its connection's version changes, which is how a replica learns that
//! another one refreshed the token.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use connector_core::{ClientHandle, Credentials, Error, ErrorKind, Upstream};

use crate::{
    config::ConnectionsConfig,
    registry::{Active, Registry},
    store::{Connection, Store, StoreError, TokenGrant},
};

/// The status of a connection whose credentials no longer work.
pub const NEEDS_RECONNECT: &str = "needs-reconnect";

/// What the signed link tokens are signed for.
pub const LINK_PURPOSE: &str = "connect-link";

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A client for one call, and the connection it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub client: ClientHandle,
    pub connection_id: String,
    pub version: i64,
}

#[derive(Debug, Clone)]
struct Cached {
    client: ClientHandle,
    version: i64,
    expires_at: Option<u64>,
}

/// Teams' connections, shared by the MCP handler and the REST API.
#[derive(Debug)]
pub struct Connections {
    registry: Arc<Registry>,
    store: Arc<Store>,
    upstream: Upstream,
    public_url: String,
    settings: ConnectionsConfig,
    /// Built clients by connection id, with the version they were built from. A client
    /// holds per-account state (paging snapshots, the file cache), so it is kept.
    clients: Mutex<HashMap<String, Cached>>,
    /// One refresh at a time per connection in this process; the database lock does
    /// the same across processes.
    refreshing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    refreshes: std::sync::atomic::AtomicU64,
}

fn store_error(what: &str, e: StoreError) -> Error {
    match e {
        StoreError::NotFound(m) => Error::new(ErrorKind::NotFound, m),
        other => {
            tracing::error!(error = %other, "{what}");
            Error::new(ErrorKind::Upstream, format!("{what}; try again shortly"))
                .with_retryable(true)
        }
    }
}

impl Connections {
    pub fn new(
        registry: Arc<Registry>,
        store: Arc<Store>,
        upstream: Upstream,
        public_url: &str,
        settings: ConnectionsConfig,
    ) -> Self {
        Connections {
            registry,
            store,
            upstream,
            public_url: public_url.trim_end_matches('/').to_owned(),
            settings,
            clients: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(HashMap::new()),
            refreshes: Default::default(),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn shared_registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// OAuth refreshes this process has made.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Where the connect flow sends the upstream's OAuth answer.
    pub fn oauth_redirect_uri(&self) -> String {
        format!("{}/connect/callback", self.public_url)
    }

    fn expiring(&self, expires_at: Option<u64>) -> bool {
        expires_at.is_some_and(|at| {
            at <= now_secs().saturating_add(self.settings.refresh_before_expiry_secs)
        })
    }

    /// A signed one-time link that connects `connector` for the team (or for one member).
    pub async fn connect_link(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        connector: &str,
    ) -> Result<String, Error> {
        let link = self
            .store
            .create_connect_link(
                tenant_id,
                member_id,
                connector,
                self.settings.connect_link_ttl_secs,
            )
            .await
            .map_err(|e| store_error("a connect link could not be made", e))?;
        Ok(format!(
            "{}/connect/{}",
            self.public_url,
            self.store.signer(LINK_PURPOSE).sign(&link.id)
        ))
    }

    /// The error a model gets when an account must be (re)connected: what happened,
    /// and a link a person opens to fix it.
    async fn connect_error(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        active: &Active,
        what: String,
    ) -> Error {
        let info = active.connector.info();
        let minutes = self.settings.connect_link_ttl_secs / 60;
        match self.connect_link(tenant_id, member_id, info.id).await {
            Ok(url) => Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "{what}. Ask the user to open the connect link (it works once, for {minutes} minutes) to connect {}, then call the tool again",
                    info.display_name
                ),
            )
            .with_context("connect_url", url),
            Err(_) => Error::new(
                ErrorKind::Unauthenticated,
                format!("{what}; a team admin can connect it with POST /api/connections"),
            ),
        }
    }

    /// The connection a call by `grant` uses for `active` (the member's own, else the
    /// team's) and a client for it; refreshes an OAuth token about to expire.
    pub async fn resolve(&self, grant: &TokenGrant, active: &Active) -> Result<Resolved, Error> {
        let info = active.connector.info();
        let connections = self
            .store
            .connections(&grant.tenant_id)
            .await
            .map_err(|e| store_error("the team's connections could not be read", e))?;
        let mine = |c: &&Connection| c.member_id.is_some() && c.member_id == grant.member_id;
        let of_connector: Vec<&Connection> = connections
            .iter()
            .filter(|c| c.connector == info.id)
            .filter(|c| c.member_id.is_none() || mine(c))
            .collect();
        let usable = of_connector
            .iter()
            .filter(|c| c.status == "active")
            .find(|c| mine(c))
            .or_else(|| {
                of_connector
                    .iter()
                    .find(|c| c.status == "active" && c.member_id.is_none())
            });
        let Some(connection) = usable.copied() else {
            let what = match of_connector.first() {
                Some(broken) => format!(
                    "the team's {} connection ({}) no longer works: {}",
                    info.display_name,
                    broken.label,
                    broken
                        .last_error
                        .as_deref()
                        .unwrap_or("the account refused it")
                ),
                None => format!(
                    "no {} account is connected for you or your team",
                    info.display_name
                ),
            };
            let member = of_connector
                .first()
                .map_or(grant.member_id.as_deref(), |c| c.member_id.as_deref());
            return Err(self
                .connect_error(&grant.tenant_id, member, active, what)
                .await);
        };
        let cached = self
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&connection.id)
            .cloned();
        if let Some(c) = cached
            && c.version == connection.version
            && !self.expiring(c.expires_at)
        {
            return Ok(Resolved {
                client: c.client,
                connection_id: connection.id.clone(),
                version: c.version,
            });
        }
        let mut creds = self
            .store
            .connection_credentials(&grant.tenant_id, &connection.id)
            .await
            .map_err(|e| store_error("the connection's credentials could not be opened", e))?;
        let mut version = connection.version;
        if self.expiring(active.connector.credentials_expire_at(&creds))
            && let Some(fresh) = self
                .refresh(grant, active, connection, version, false)
                .await?
        {
            (creds, version) = fresh;
        }
        self.build(active, &connection.id, &creds, version)
    }

    fn build(
        &self,
        active: &Active,
        connection_id: &str,
        creds: &Credentials,
        version: i64,
    ) -> Result<Resolved, Error> {
        let client = active
            .connector
            .build(&active.settings, creds, &self.upstream)?;
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                connection_id.to_owned(),
                Cached {
                    client: client.clone(),
                    version,
                    expires_at: active.connector.credentials_expire_at(creds),
                },
            );
        Ok(Resolved {
            client,
            connection_id: connection_id.to_owned(),
            version,
        })
    }

    /// Refreshes a connection's OAuth token once across every replica: callers queue
    /// on the connection's lock, and whoever finds the version changed takes the
    /// result instead of refreshing again (the old refresh token no longer works).
    /// `force` refreshes even a token that is not about to expire (the upstream refused
    /// it). `Ok(None)`: the credentials cannot be refreshed (an API key).
    async fn refresh(
        &self,
        grant: &TokenGrant,
        active: &Active,
        connection: &Connection,
        seen_version: i64,
        force: bool,
    ) -> Result<Option<(Credentials, i64)>, Error> {
        let gate = self
            .refreshing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(connection.id.clone())
            .or_default()
            .clone();
        let _one_at_a_time = gate.lock().await;
        let lock = self
            .store
            .lock_connection(&grant.tenant_id, &connection.id)
            .await
            .map_err(|e| {
                store_error("the connection could not be locked for a token refresh", e)
            })?;
        let unchanged = lock.version == seen_version;
        if lock.status != "active" {
            let _ = lock.release().await;
            return Err(self
                .connect_error(
                    &grant.tenant_id,
                    connection.member_id.as_deref(),
                    active,
                    format!(
                        "the {} connection needs to be reconnected",
                        active.connector.info().display_name
                    ),
                )
                .await);
        }
        let expiring = self.expiring(active.connector.credentials_expire_at(&lock.credentials));
        if !unchanged || !(force || expiring) {
            let (creds, version) = (lock.credentials.clone(), lock.version);
            let _ = lock.release().await;
            return Ok(Some((creds, version)));
        }
        let outcome = active
            .connector
            .refresh(&active.settings, &lock.credentials, &self.upstream)
            .await;
        match outcome {
            Ok(Some(new)) => {
                let version = lock
                    .save(&new)
                    .await
                    .map_err(|e| store_error("the refreshed token could not be saved", e))?;
                self.refreshes
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(connection = %connection.id, version, "upstream OAuth token refreshed");
                Ok(Some((new, version)))
            }
            Ok(None) => {
                let _ = lock.release().await;
                Ok(None)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Unauthenticated | ErrorKind::ConfigInvalid
                ) =>
            {
                let why = e.to_string();
                let _ = lock.mark(NEEDS_RECONNECT, &why).await;
                self.forget(&connection.id);
                tracing::warn!(connection = %connection.id, error = %why, "upstream refused the refresh; connection needs reconnecting");
                Err(self
                    .connect_error(
                        &grant.tenant_id,
                        connection.member_id.as_deref(),
                        active,
                        why,
                    )
                    .await)
            }
            Err(e) => {
                let _ = lock.release().await;
                Err(e)
            }
        }
    }

    fn forget(&self, connection_id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(connection_id);
    }

    /// After the upstream refused a call's credentials: a client to retry with (the
    /// connection changed meanwhile, or its token could be refreshed), or the error for
    /// the model, with the connection marked as needing a reconnect.
    pub async fn recover(
        &self,
        grant: &TokenGrant,
        active: &Active,
        failed: &Resolved,
        error: &Error,
    ) -> Result<Resolved, Error> {
        let connections = self
            .store
            .connections(&grant.tenant_id)
            .await
            .map_err(|e| store_error("the team's connections could not be read", e))?;
        let Some(connection) = connections.iter().find(|c| c.id == failed.connection_id) else {
            return self.resolve(grant, active).await;
        };
        if connection.version != failed.version {
            // Another call or replica refreshed or replaced it meanwhile.
            return self.resolve(grant, active).await;
        }
        match self
            .refresh(grant, active, connection, failed.version, true)
            .await
        {
            Ok(Some((creds, version))) => self.build(active, &connection.id, &creds, version),
            Ok(None) => {
                let why = format!(
                    "{} refused the team's credentials: {}",
                    active.connector.info().display_name,
                    error.message()
                );
                if let Err(e) = self
                    .store
                    .mark_connection(&grant.tenant_id, &connection.id, NEEDS_RECONNECT, &why)
                    .await
                {
                    tracing::error!(error = %e, "could not mark the connection");
                }
                self.forget(&connection.id);
                tracing::warn!(connection = %connection.id, error = %why, "connection needs reconnecting");
                Err(self
                    .connect_error(
                        &grant.tenant_id,
                        connection.member_id.as_deref(),
                        active,
                        why,
                    )
                    .await)
            }
            Err(e) => Err(e),
        }
    }

    /// The connector `id`, if this deployment serves it.
    pub fn connector(&self, id: &str) -> Option<&Active> {
        self.registry.connector(id)
    }
}
