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
    store::{Connection, Lease, Store, StoreError, TokenGrant},
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
    tenant_id: String,
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
    /// How long one upstream request may take: a refresh lease lasts a little longer.
    upstream_timeout_secs: i64,
    /// Built clients by connection id, with the version they were built from. A client
    /// holds per-account state (paging snapshots, the file cache), so it is kept.
    clients: Mutex<HashMap<String, Cached>>,
    /// One refresh at a time per connection in this process; the database lock does
    /// the same across processes.
    refreshing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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
        upstream_timeout_secs: f64,
    ) -> Self {
        Connections {
            registry,
            store,
            upstream,
            public_url: public_url.trim_end_matches('/').to_owned(),
            settings,
            upstream_timeout_secs: upstream_timeout_secs.ceil() as i64,
            clients: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(HashMap::new()),
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

    /// Where the connect flow sends the upstream's OAuth answer.
    pub fn oauth_redirect_uri(&self) -> String {
        format!("{}/connect/callback", self.public_url)
    }

    /// Whether a token expiring at `expires_at`, issued (or last refreshed) at
    /// `updated_at`, is due for a refresh. The margin is at most half the token's
    /// lifetime, so a short-lived token is not refreshed on every call.
    fn expiring(&self, expires_at: Option<u64>, updated_at: i64) -> bool {
        expires_at.is_some_and(|at| {
            let lifetime = at.saturating_sub(u64::try_from(updated_at).unwrap_or(0));
            let margin = self.settings.refresh_before_expiry_secs.min(lifetime / 2);
            at <= now_secs().saturating_add(margin)
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

    /// Whom a connect link handed to `grant` connects: a broken team-wide connection is
    /// replaced team-wide only by an owner or admin; anyone else connects their own.
    async fn link_scope(&self, grant: &TokenGrant, broken: Option<&Connection>) -> Option<String> {
        let Some(member_id) = grant.member_id.clone() else {
            // An operator's token bound to no member: the team's account.
            return None;
        };
        if broken.is_some_and(|b| b.member_id.is_none()) {
            let role = self
                .store
                .member(&grant.tenant_id, &member_id)
                .await
                .map(|m| m.role);
            if matches!(
                role,
                Ok(crate::store::Role::Owner | crate::store::Role::Admin)
            ) {
                return None;
            }
        }
        Some(member_id)
    }

    /// [`Self::connect_error`] for a connection that stopped working.
    async fn reconnect_error(
        &self,
        grant: &TokenGrant,
        active: &Active,
        connection: &Connection,
        what: String,
    ) -> Error {
        let member = self.link_scope(grant, Some(connection)).await;
        self.connect_error(&grant.tenant_id, member.as_deref(), active, what)
            .await
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
                    "{} {} connection ({}) no longer works: {}",
                    if broken.member_id.is_some() {
                        "your"
                    } else {
                        "the team's"
                    },
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
            let member = self.link_scope(grant, of_connector.first().copied()).await;
            return Err(self
                .connect_error(&grant.tenant_id, member.as_deref(), active, what)
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
            && !self.expiring(c.expires_at, connection.updated_at)
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
        // Clients of the team's removed connections go when a new one is built.
        let live: Vec<&str> = connections.iter().map(|c| c.id.as_str()).collect();
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|id, c| c.tenant_id != grant.tenant_id || live.contains(&id.as_str()));
        if self.expiring(
            active.connector.credentials_expire_at(&creds),
            connection.updated_at,
        ) && let Some(fresh) = self
            .refresh(grant, active, connection, version, false)
            .await?
        {
            (creds, version) = fresh;
        }
        self.build(&grant.tenant_id, active, &connection.id, &creds, version)
    }

    fn build(
        &self,
        tenant_id: &str,
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
                    tenant_id: tenant_id.to_owned(),
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

    /// Refreshes a connection's OAuth token once across every replica. Callers in this
    /// process queue on the connection's mutex; across processes the first takes the
    /// lease in the row and the others wait for the version to change, then take its
    /// result (the old refresh token no longer works). `force` refreshes a token that is
    /// not about to expire (the upstream refused it). `Ok(None)`: the credentials cannot
    /// be refreshed (an API key).
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
        let outcome = {
            let _one_at_a_time = gate.lock().await;
            self.refresh_once(grant, active, connection, seen_version, force)
                .await
        };
        // The mutex goes when nobody else is queued on it.
        let mut gates = self.refreshing.lock().unwrap_or_else(|p| p.into_inner());
        if Arc::strong_count(&gate) <= 2 {
            gates.remove(&connection.id);
        }
        outcome
    }

    async fn refresh_once(
        &self,
        grant: &TokenGrant,
        active: &Active,
        connection: &Connection,
        seen_version: i64,
        force: bool,
    ) -> Result<Option<(Credentials, i64)>, Error> {
        let info = active.connector.info();
        let lease_secs = (self.upstream_timeout_secs + 5).max(10);
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_secs(lease_secs as u64 + 5);
        let lease = loop {
            let attempt = self
                .store
                .try_refresh_lease(&grant.tenant_id, &connection.id, seen_version, lease_secs)
                .await
                .map_err(|e| {
                    store_error("the connection could not be leased for a token refresh", e)
                })?;
            match attempt {
                Lease::Acquired(lease) => break lease,
                Lease::Changed => {
                    let (creds, version, status) = self
                        .store
                        .connection_state(&grant.tenant_id, &connection.id)
                        .await
                        .map_err(|e| store_error("the connection could not be read", e))?;
                    if status != "active" {
                        return Err(self
                            .reconnect_error(
                                grant,
                                active,
                                connection,
                                format!(
                                    "the {} connection needs to be reconnected",
                                    info.display_name
                                ),
                            )
                            .await);
                    }
                    return Ok(Some((creds, version)));
                }
                Lease::Busy if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Lease::Busy => {
                    return Err(Error::new(
                        ErrorKind::Upstream,
                        format!(
                            "another server is still refreshing the {} token; try again shortly",
                            info.display_name
                        ),
                    )
                    .with_retryable(true));
                }
            }
        };
        let expiring = self.expiring(
            active.connector.credentials_expire_at(&lease.credentials),
            connection.updated_at,
        );
        if !force && !expiring {
            let _ = self.store.abandon_refresh(&lease, None).await;
            return Ok(Some((lease.credentials.clone(), lease.version)));
        }
        // In its own task, so a caller that goes away cannot drop a refresh half done: the
        // upstream may already have rotated the refresh token, and the new one must be saved.
        let store = self.store.clone();
        let connector = active.connector.clone();
        let settings = active.settings.clone();
        let upstream = self.upstream.clone();
        let task = tokio::spawn(async move {
            let outcome = connector
                .refresh(&settings, &lease.credentials, &upstream)
                .await;
            match outcome {
                Ok(Some(new)) => {
                    let mut tries = 0;
                    loop {
                        match store.finish_refresh(&lease, &new).await {
                            Ok(version) => break Ok(Ok(Some((new, version)))),
                            Err(StoreError::Conflict(m)) => break Err(m),
                            Err(e) if tries < 3 => {
                                tries += 1;
                                tracing::warn!(error = %e, "saving a refreshed token failed; retrying");
                                tokio::time::sleep(std::time::Duration::from_millis(200 * tries))
                                    .await;
                            }
                            Err(e) => break Err(e.to_string()),
                        }
                    }
                }
                Ok(None) => {
                    let _ = store.abandon_refresh(&lease, None).await;
                    Ok(Ok(None))
                }
                Err(e) if e.kind() == ErrorKind::Unauthenticated => {
                    let why = e.to_string();
                    let _ = store
                        .abandon_refresh(&lease, Some((NEEDS_RECONNECT, &why)))
                        .await;
                    Ok(Err(e))
                }
                Err(e) => {
                    // A wrong OAuth client (an operator's mistake) or an upstream outage:
                    // reconnecting would not help, so the connection stays as it is.
                    let _ = store.abandon_refresh(&lease, None).await;
                    Ok(Err(e))
                }
            }
        });
        match task.await {
            Ok(Ok(Ok(Some((new, version))))) => {
                tracing::info!(connection = %connection.id, version, "upstream OAuth token refreshed");
                Ok(Some((new, version)))
            }
            Ok(Ok(Ok(None))) => Ok(None),
            Ok(Ok(Err(e))) if e.kind() == ErrorKind::Unauthenticated => {
                self.forget(&connection.id);
                tracing::warn!(connection = %connection.id, error = %e, "upstream refused the refresh; connection needs reconnecting");
                Err(self
                    .reconnect_error(grant, active, connection, e.to_string())
                    .await)
            }
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(lost)) => {
                tracing::error!(connection = %connection.id, error = %lost, "a refreshed token could not be saved");
                Err(Error::new(
                    ErrorKind::Upstream,
                    format!(
                        "the refreshed {} token could not be saved; try again",
                        info.display_name
                    ),
                )
                .with_retryable(true))
            }
            Err(_) => Err(Error::unexpected("the token refresh task failed")),
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
            Ok(Some((creds, version))) => {
                self.build(&grant.tenant_id, active, &connection.id, &creds, version)
            }
            Ok(None) => {
                // One refusal may be about this call only; the cheap check the connector
                // makes before saving an account says whether the credentials still work.
                match active.connector.verify(&failed.client).await {
                    Ok(_) => {
                        return Err(Error::new(error.kind(), error.message().to_owned()));
                    }
                    Err(e) if e.kind() != ErrorKind::Unauthenticated => return Err(e),
                    Err(_) => {}
                }
                let why = format!(
                    "{} refused the connection's credentials: {}",
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
                Err(self.reconnect_error(grant, active, connection, why).await)
            }
            Err(e) => Err(e),
        }
    }

    /// The connector `id`, if this deployment serves it.
    pub fn connector(&self, id: &str) -> Option<&Active> {
        self.registry.connector(id)
    }
}
