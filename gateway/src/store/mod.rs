//! The store: tenants, members, connections with sealed credentials, API tokens and
//! policies, in SQLite (a file, the default) or PostgreSQL (`postgres://…`), through one
//! code path (sqlx `Any`, `$n` placeholders, portable types).
//!
//! Credentials enter and leave only through the vault: the database sees sealed values,
//! and every read of a connection is scoped by tenant, so a guessed id from another
//! tenant finds nothing.

mod migrations;
mod oauth;
mod registration;

pub use oauth::{
    AuthRequest, CodeGrant, Minted, OAuthClient, RefreshRefused, Session, Sso, SsoState,
};

pub use registration::{Challenge, CodeError, ConnectLink};

use std::time::{SystemTime, UNIX_EPOCH};

use connector_core::{CredentialKind, Credentials, ExposeSecret};
use serde_json::{Map, Value};
use sqlx::{AnyPool, Row, any::AnyPoolOptions};

use crate::vault::{Binding, DataKey, MasterKey, VaultError, WrappedKey, sealed_key_id};

/// A store failure; the message names the thing and the fix.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database ({url}): {reason}")]
    Open { url: String, reason: String },
    #[error(
        "database migration {version} ({name}) failed: {reason}; the server does not start on a partly migrated database"
    )]
    Migration {
        version: i64,
        name: String,
        reason: String,
    },
    #[error(
        "the database has schema version {found}, newer than this binary knows ({known}); run the newer switchboard or restore a backup"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the vault refused: {0}")]
    Vault(#[from] VaultError),
    #[error("database error: {0}")]
    Db(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(format!("already exists: {}", d.message()))
            }
            _ => StoreError::Db(e.to_string()),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(rand::random::<[u8; 10]>()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    Pending,
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Pending => "pending",
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "active" => TenantStatus::Active,
            "suspended" => TenantStatus::Suspended,
            _ => TenantStatus::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub tier: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::Member,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub role: Role,
}

/// A connection as listed: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    pub tenant_id: String,
    /// `None`: the whole team's; `Some`: one member's own.
    pub member_id: Option<String>,
    pub connector: String,
    pub label: String,
    pub status: String,
    pub last_error: Option<String>,
    /// Bumped on every change of credentials or status, so replicas know a client they
    /// built is stale.
    pub version: i64,
    /// Unix seconds of the last change (a refresh, for OAuth credentials).
    pub updated_at: i64,
}

/// The right to refresh one connection's credentials, held by one caller on one replica
/// until `until` (a lease in the row, taken by compare-and-set). No transaction stays
/// open meanwhile: the upstream request is made outside the database.
#[derive(Clone)]
pub struct RefreshLease {
    pub tenant_id: String,
    pub connection_id: String,
    owner: String,
    /// The version the lease was taken at; the refresh makes it `version + 1`.
    pub version: i64,
    pub credentials: Credentials,
}

impl std::fmt::Debug for RefreshLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshLease")
            .field("connection_id", &self.connection_id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// What trying to take a refresh lease found.
#[derive(Debug)]
pub enum Lease {
    Acquired(RefreshLease),
    /// Someone else holds a live lease on this version: wait for its result.
    Busy,
    /// The connection is no longer at the version asked about (refreshed, marked or
    /// replaced meanwhile).
    Changed,
}

/// A verified API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub token_id: String,
    pub tenant_id: String,
    pub member_id: Option<String>,
    pub scopes: Vec<String>,
}

/// The database, with the vault's master key.
pub struct Store {
    pool: AnyPool,
    /// Behind a lock so a rotation switches this process to the new key at once.
    master: std::sync::RwLock<std::sync::Arc<MasterKey>>,
    postgres: bool,
    /// Every data key, unwrapped once: at start (which proves the master key) and when a
    /// team gets its first one. A rotation re-wraps rows, not these, so a running server
    /// keeps working through `switchboard keys rotate`.
    deks: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<DataKey>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("postgres", &self.postgres)
            .field("master", &self.master_key_id())
            .finish()
    }
}

/// `sqlite://…` (created if missing) or `postgres://…`.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Opens the database and runs the migrations.
    pub async fn open(url: &str, master: MasterKey) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let postgres = is_postgres(url);
        let shown = redact_url(url);
        let connect_url = if !postgres && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if postgres { 10 } else { 4 })
            .connect(&connect_url)
            .await
            .map_err(|e| StoreError::Open {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        let store = Store {
            pool,
            master: std::sync::RwLock::new(std::sync::Arc::new(master)),
            postgres,
            deks: Default::default(),
        };
        store.migrate().await?;
        store.load_data_keys().await?;
        Ok(store)
    }

    /// Runs the migrations; on PostgreSQL under an advisory lock, so replicas starting
    /// together on a fresh database take turns instead of colliding.
    async fn migrate(&self) -> Result<()> {
        if !self.postgres {
            return self.migrate_unlocked().await;
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(7270310051)")
            .execute(&mut *conn)
            .await?;
        let result = self.migrate_unlocked().await;
        sqlx::query("SELECT pg_advisory_unlock(7270310051)")
            .execute(&mut *conn)
            .await?;
        result
    }

    async fn migrate_unlocked(&self) -> Result<()> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let applied: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
                .fetch_one(&self.pool)
                .await?
                .try_get("v")?;
        let known = migrations::MIGRATIONS.last().map_or(0, |m| m.0);
        if applied > known {
            return Err(StoreError::TooNew {
                found: applied,
                known,
            });
        }
        for (version, name, sql) in migrations::MIGRATIONS.iter().filter(|m| m.0 > applied) {
            let fail = |e: sqlx::Error| StoreError::Migration {
                version: *version,
                name: (*name).to_owned(),
                reason: e.to_string(),
            };
            let mut tx = self.pool.begin().await.map_err(fail)?;
            for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sqlx::query(statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(fail)?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(version)
            .bind(*name)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            tracing::info!(version, name, "database migrated");
        }
        Ok(())
    }

    async fn load_data_keys(&self) -> Result<()> {
        let rows = sqlx::query("SELECT id, tenant_id, master_key_id, wrapped FROM data_keys")
            .fetch_all(&self.pool)
            .await?;
        let mut deks = self.deks.lock().unwrap_or_else(|p| p.into_inner());
        for row in &rows {
            let tenant_id: String = row.try_get("tenant_id")?;
            let wrapped = WrappedKey {
                data_key_id: row.try_get("id")?,
                master_key_id: row.try_get("master_key_id")?,
                blob: row.try_get("wrapped")?,
            };
            let dek = self.master().unwrap(&wrapped, &tenant_id)?;
            deks.insert(
                format!("{tenant_id}/{}", dek.id()),
                std::sync::Arc::new(dek),
            );
        }
        Ok(())
    }

    fn master(&self) -> std::sync::Arc<MasterKey> {
        self.master
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn master_key_id(&self) -> String {
        self.master().id().to_owned()
    }

    // ---- tenants and members ----

    pub async fn create_tenant(&self, slug: &str, name: &str) -> Result<Tenant> {
        if slug.is_empty()
            || slug.len() > 48
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(StoreError::Conflict(format!(
                "`{slug}` is not a team slug: use 1-48 lowercase letters, digits and dashes"
            )));
        }
        let tenant = Tenant {
            id: new_id("t"),
            slug: slug.to_owned(),
            name: name.to_owned(),
            status: TenantStatus::Pending,
            tier: "free".into(),
        };
        sqlx::query("INSERT INTO tenants (id, slug, name, status, tier, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&tenant.id)
            .bind(&tenant.slug)
            .bind(&tenant.name)
            .bind(tenant.status.as_str())
            .bind(&tenant.tier)
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("a team with the slug `{slug}` already exists; choose another")),
                other => other,
            })?;
        Ok(tenant)
    }

    fn tenant_from(row: &sqlx::any::AnyRow) -> Result<Tenant> {
        Ok(Tenant {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            status: TenantStatus::parse(&row.try_get::<String, _>("status")?),
            tier: row.try_get("tier")?,
        })
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Tenant> {
        let row = sqlx::query("SELECT id, slug, name, status, tier FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "no team `{slug}`; `switchboard tenant list` shows the teams"
                ))
            })?;
        Self::tenant_from(&row)
    }

    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, slug, name, status, tier FROM tenants ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::tenant_from).collect()
    }

    pub async fn set_tenant_status(&self, tenant_id: &str, status: TenantStatus) -> Result<()> {
        let done = sqlx::query("UPDATE tenants SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(tenant_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("no team with id {tenant_id}")));
        }
        Ok(())
    }

    pub async fn add_member(&self, tenant_id: &str, email: &str, role: Role) -> Result<Member> {
        let email = email.trim().to_ascii_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(StoreError::Conflict(format!(
                "`{email}` is not an email address"
            )));
        }
        let member = Member {
            id: new_id("m"),
            tenant_id: tenant_id.to_owned(),
            email,
            role,
        };
        sqlx::query("INSERT INTO members (id, tenant_id, email, role, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&member.id)
            .bind(tenant_id)
            .bind(&member.email)
            .bind(role.as_str())
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("{} is already a member of this team", member.email)),
                other => other,
            })?;
        Ok(member)
    }

    /// Removes a member; their own connections and tokens go with them.
    pub async fn remove_member(&self, tenant_id: &str, email: &str) -> Result<()> {
        let email = email.trim().to_ascii_lowercase();
        let done = sqlx::query("DELETE FROM members WHERE tenant_id = $1 AND email = $2")
            .bind(tenant_id)
            .bind(&email)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "{email} is not a member of this team"
            )));
        }
        Ok(())
    }

    pub async fn members(&self, tenant_id: &str) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, email, role FROM members WHERE tenant_id = $1 ORDER BY email",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    email: r.try_get("email")?,
                    role: Role::parse(&r.try_get::<String, _>("role")?),
                })
            })
            .collect()
    }

    // ---- the vault's data keys ----

    /// The tenant's data key (`key_id`, or its newest), created and wrapped by the master
    /// key on first use.
    async fn data_key(
        &self,
        tenant_id: &str,
        key_id: Option<&str>,
    ) -> Result<std::sync::Arc<DataKey>> {
        let cached = {
            let deks = self.deks.lock().unwrap_or_else(|p| p.into_inner());
            match key_id {
                Some(id) => deks.get(&format!("{tenant_id}/{id}")).cloned(),
                None => None,
            }
        };
        if let Some(dek) = cached {
            return Ok(dek);
        }
        let row = match key_id {
            Some(id) => sqlx::query("SELECT id, master_key_id, wrapped FROM data_keys WHERE tenant_id = $1 AND id = $2").bind(tenant_id).bind(id).fetch_optional(&self.pool).await?,
            None => sqlx::query("SELECT id, master_key_id, wrapped FROM data_keys WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1").bind(tenant_id).fetch_optional(&self.pool).await?,
        };
        let dek = if let Some(row) = row {
            let id: String = row.try_get("id")?;
            if let Some(hit) = self
                .deks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&format!("{tenant_id}/{id}"))
                .cloned()
            {
                return Ok(hit);
            }
            let wrapped = WrappedKey {
                data_key_id: id,
                master_key_id: row.try_get("master_key_id")?,
                blob: row.try_get("wrapped")?,
            };
            self.master().unwrap(&wrapped, tenant_id)?
        } else if key_id.is_some() {
            return Err(StoreError::Vault(VaultError::Tampered {
                what: "the data key it names is not this team's".into(),
            }));
        } else {
            let dek = DataKey::generate();
            let wrapped = self.master().wrap(&dek, tenant_id)?;
            sqlx::query("INSERT INTO data_keys (id, tenant_id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&wrapped.data_key_id)
                .bind(tenant_id)
                .bind(&wrapped.master_key_id)
                .bind(&wrapped.blob)
                .bind(now())
                .execute(&self.pool)
                .await?;
            dek
        };
        let dek = std::sync::Arc::new(dek);
        self.deks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("{tenant_id}/{}", dek.id()), dek.clone());
        Ok(dek)
    }

    /// Re-wraps every data key under `new`. Sealed credentials are untouched; this
    /// process switches to `new` at once, and afterwards only `new` opens the data.
    ///
    /// On PostgreSQL the table is locked so no replica adds a key under the old master
    /// meanwhile; on either backend the pass repeats until no row is left on the old key.
    pub async fn rotate_master_key(&self, new: MasterKey) -> Result<usize> {
        let old = self.master();
        let mut count = 0;
        for _ in 0..10 {
            let mut tx = self.pool.begin().await?;
            if self.postgres {
                sqlx::query("LOCK TABLE data_keys IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
            }
            let rows = sqlx::query("SELECT id, tenant_id, master_key_id, wrapped FROM data_keys WHERE master_key_id <> $1")
                .bind(new.id())
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                tx.commit().await?;
                *self.master.write().unwrap_or_else(|p| p.into_inner()) = std::sync::Arc::new(new);
                return Ok(count);
            }
            for row in &rows {
                let tenant_id: String = row.try_get("tenant_id")?;
                let wrapped = WrappedKey {
                    data_key_id: row.try_get("id")?,
                    master_key_id: row.try_get("master_key_id")?,
                    blob: row.try_get("wrapped")?,
                };
                let rewrapped = old.rewrap(&wrapped, &tenant_id, &new)?;
                sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2 WHERE id = $3")
                    .bind(&rewrapped.master_key_id)
                    .bind(&rewrapped.blob)
                    .bind(&rewrapped.data_key_id)
                    .execute(&mut *tx)
                    .await?;
                count += 1;
            }
            tx.commit().await?;
        }
        Err(StoreError::Conflict("data keys kept appearing under the old master key during rotation; run `switchboard keys rotate` again".into()))
    }

    // ---- connections ----

    fn seal_credentials(
        dek: &DataKey,
        creds: &Credentials,
        binding: Binding<'_>,
    ) -> Result<String> {
        let mut fields = Map::new();
        for (k, v) in creds.fields() {
            fields.insert(k.to_owned(), Value::String(v.expose_secret().to_owned()));
        }
        let plain = zeroize::Zeroizing::new(
            serde_json::json!({"kind": creds.kind(), "fields": fields}).to_string(),
        );
        Ok(dek.seal(plain.as_bytes(), binding)?)
    }

    /// Saves a connection with its credentials sealed for this tenant and connection.
    pub async fn add_connection(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        connector: &str,
        label: &str,
        creds: &Credentials,
    ) -> Result<Connection> {
        if let Some(member) = member_id {
            // A member id from another team would tie the connection to a stranger.
            self.member(tenant_id, member).await?;
        }
        let id = new_id("c");
        let dek = self.data_key(tenant_id, None).await?;
        let sealed = Self::seal_credentials(
            &dek,
            creds,
            Binding {
                tenant_id,
                connection_id: &id,
            },
        )?;
        sqlx::query(
            "INSERT INTO connections (id, tenant_id, member_id, connector, label, credentials, status, last_error, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'active', NULL, $7, $7)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(member_id)
        .bind(connector)
        .bind(label)
        .bind(&sealed)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(Connection {
            id,
            tenant_id: tenant_id.to_owned(),
            member_id: member_id.map(str::to_owned),
            connector: connector.to_owned(),
            label: label.to_owned(),
            status: "active".into(),
            last_error: None,
            version: 1,
            updated_at: now(),
        })
    }

    /// The tenant's connections, without secrets.
    pub async fn connections(&self, tenant_id: &str) -> Result<Vec<Connection>> {
        let rows = sqlx::query("SELECT id, tenant_id, member_id, connector, label, status, last_error, version, updated_at FROM connections WHERE tenant_id = $1 ORDER BY connector, label")
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Connection {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    member_id: r.try_get("member_id")?,
                    connector: r.try_get("connector")?,
                    label: r.try_get("label")?,
                    status: r.try_get("status")?,
                    last_error: r.try_get("last_error")?,
                    version: r.try_get("version")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// A connection's credentials, opened for one use. Scoped by tenant: another team's
    /// connection id finds nothing.
    pub async fn connection_credentials(
        &self,
        tenant_id: &str,
        connection_id: &str,
    ) -> Result<Credentials> {
        let row =
            sqlx::query("SELECT credentials FROM connections WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(connection_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| no_connection(connection_id))?;
        let sealed: String = row.try_get("credentials")?;
        let dek = self
            .data_key(tenant_id, Some(sealed_key_id(&sealed)?))
            .await?;
        Self::open_credentials(&dek, &sealed, tenant_id, connection_id)
    }

    /// Tries to take the refresh lease of a connection at `seen_version` for
    /// `lease_secs`; see [`Lease`].
    pub async fn try_refresh_lease(
        &self,
        tenant_id: &str,
        connection_id: &str,
        seen_version: i64,
        lease_secs: i64,
    ) -> Result<Lease> {
        let owner = new_id("lease");
        let at = now();
        let taken = sqlx::query("UPDATE connections SET refresh_owner = $1, refresh_lease_until = $2 WHERE tenant_id = $3 AND id = $4 AND version = $5 AND status = 'active' AND refresh_lease_until < $6")
            .bind(&owner)
            .bind(at + lease_secs)
            .bind(tenant_id)
            .bind(connection_id)
            .bind(seen_version)
            .bind(at)
            .execute(&self.pool)
            .await?;
        if taken.rows_affected() == 1 {
            return Ok(Lease::Acquired(RefreshLease {
                tenant_id: tenant_id.to_owned(),
                connection_id: connection_id.to_owned(),
                owner,
                version: seen_version,
                credentials: self
                    .connection_credentials(tenant_id, connection_id)
                    .await?,
            }));
        }
        let row =
            sqlx::query("SELECT version, status FROM connections WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(connection_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| no_connection(connection_id))?;
        let version: i64 = row.try_get("version")?;
        let status: String = row.try_get("status")?;
        Ok(if version != seen_version || status != "active" {
            Lease::Changed
        } else {
            Lease::Busy
        })
    }

    /// Saves refreshed credentials under the lease and releases it; returns the new
    /// version. Fails if the lease was lost (it expired and another caller took it).
    pub async fn finish_refresh(&self, lease: &RefreshLease, creds: &Credentials) -> Result<i64> {
        let dek = self.data_key(&lease.tenant_id, None).await?;
        let sealed = Self::seal_credentials(
            &dek,
            creds,
            Binding {
                tenant_id: &lease.tenant_id,
                connection_id: &lease.connection_id,
            },
        )?;
        let done = sqlx::query("UPDATE connections SET credentials = $1, status = 'active', last_error = NULL, version = version + 1, updated_at = $2, refresh_owner = NULL, refresh_lease_until = 0 WHERE tenant_id = $3 AND id = $4 AND refresh_owner = $5 AND version = $6")
            .bind(&sealed)
            .bind(now())
            .bind(&lease.tenant_id)
            .bind(&lease.connection_id)
            .bind(&lease.owner)
            .bind(lease.version)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the refresh lease was lost before the new token was saved".into(),
            ));
        }
        Ok(lease.version + 1)
    }

    /// Releases a lease without new credentials, marking the connection (`needs-reconnect`
    /// with the reason) if `mark` says so.
    pub async fn abandon_refresh(
        &self,
        lease: &RefreshLease,
        mark: Option<(&str, &str)>,
    ) -> Result<()> {
        match mark {
            Some((status, error)) => sqlx::query("UPDATE connections SET status = $1, last_error = $2, version = version + 1, updated_at = $3, refresh_owner = NULL, refresh_lease_until = 0 WHERE tenant_id = $4 AND id = $5 AND refresh_owner = $6")
                .bind(status)
                .bind(error)
                .bind(now())
                .bind(&lease.tenant_id)
                .bind(&lease.connection_id)
                .bind(&lease.owner)
                .execute(&self.pool)
                .await?,
            None => sqlx::query("UPDATE connections SET refresh_owner = NULL, refresh_lease_until = 0 WHERE tenant_id = $1 AND id = $2 AND refresh_owner = $3")
                .bind(&lease.tenant_id)
                .bind(&lease.connection_id)
                .bind(&lease.owner)
                .execute(&self.pool)
                .await?,
        };
        Ok(())
    }

    /// A connection's credentials with its version and status.
    pub async fn connection_state(
        &self,
        tenant_id: &str,
        connection_id: &str,
    ) -> Result<(Credentials, i64, String)> {
        let row = sqlx::query(
            "SELECT credentials, version, status FROM connections WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(connection_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| no_connection(connection_id))?;
        let sealed: String = row.try_get("credentials")?;
        let dek = self
            .data_key(tenant_id, Some(sealed_key_id(&sealed)?))
            .await?;
        Ok((
            Self::open_credentials(&dek, &sealed, tenant_id, connection_id)?,
            row.try_get("version")?,
            row.try_get("status")?,
        ))
    }

    /// Sets a connection's status (`needs-reconnect`, `revoked`) with the reason.
    pub async fn mark_connection(
        &self,
        tenant_id: &str,
        connection_id: &str,
        status: &str,
        error: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE connections SET status = $1, last_error = $2, version = version + 1, updated_at = $3 WHERE tenant_id = $4 AND id = $5")
            .bind(status)
            .bind(error)
            .bind(now())
            .bind(tenant_id)
            .bind(connection_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn open_credentials(
        dek: &DataKey,
        sealed: &str,
        tenant_id: &str,
        connection_id: &str,
    ) -> Result<Credentials> {
        let plain = dek.open(
            sealed,
            Binding {
                tenant_id,
                connection_id,
            },
        )?;
        let v: Value = serde_json::from_slice(&plain).map_err(|_| {
            StoreError::Vault(VaultError::Malformed {
                what: "credential JSON".into(),
            })
        })?;
        let kind: Option<CredentialKind> = serde_json::from_value(v["kind"].clone()).ok();
        let mut creds = Credentials::new(kind.unwrap_or(CredentialKind::ApiKey));
        if let Some(fields) = v["fields"].as_object() {
            for (k, val) in fields {
                creds = creds.with(k, val.as_str().unwrap_or_default());
            }
        }
        Ok(creds)
    }

    pub async fn remove_connection(&self, tenant_id: &str, connection_id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(connection_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(no_connection(connection_id));
        }
        Ok(())
    }

    // ---- API tokens ----

    /// Issues a token; only its hash is stored. The token is returned once.
    pub async fn issue_token(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        name: &str,
        scopes: &[String],
    ) -> Result<(String, String)> {
        let token = crate::auth::new_token();
        let id = new_id("k");
        sqlx::query("INSERT INTO api_tokens (id, tenant_id, member_id, token_sha256, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&id)
            .bind(tenant_id)
            .bind(member_id)
            .bind(crate::auth::hash_token(&token))
            .bind(name)
            .bind(scopes.join(" "))
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok((id, token))
    }

    /// The grant of a token that is neither revoked, expired, nor of a team that is not
    /// active. Tokens of the OAuth server are bound to one resource; they are refused
    /// here (the team API takes only its own tokens).
    pub async fn verify_token(&self, token: &str) -> Result<Option<TokenGrant>> {
        self.verify_token_where(token, None).await
    }

    /// [`Store::verify_token`] for the MCP endpoint at `resource`: API tokens, and OAuth
    /// access tokens issued for exactly this resource (RFC 8707 audience).
    pub async fn verify_token_for(
        &self,
        token: &str,
        resource: &str,
    ) -> Result<Option<TokenGrant>> {
        self.verify_token_where(token, Some(resource)).await
    }

    async fn verify_token_where(
        &self,
        token: &str,
        resource: Option<&str>,
    ) -> Result<Option<TokenGrant>> {
        let row = sqlx::query(
            "SELECT k.id, k.tenant_id, k.member_id, k.scopes, k.resource FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id \
             WHERE k.token_sha256 = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2) AND t.status = 'active' \
             AND (k.family_id IS NULL OR NOT EXISTS (SELECT 1 FROM oauth_revoked_families f WHERE f.family_id = k.family_id))",
        )
        .bind(crate::auth::hash_token(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let bound: Option<String> = r.try_get("resource")?;
        if bound.is_some() && bound.as_deref() != resource {
            return Ok(None);
        }
        Ok(Some(TokenGrant {
            token_id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            member_id: r.try_get("member_id")?,
            scopes: r
                .try_get::<String, _>("scopes")?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }))
    }

    pub async fn revoke_token(&self, tenant_id: &str, token_id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(tenant_id)
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "no live token {token_id} in this team"
            )));
        }
        Ok(())
    }

    /// For tests and tools: run a statement as is.
    #[doc(hidden)]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

fn no_connection(connection_id: &str) -> StoreError {
    StoreError::NotFound(format!("no connection {connection_id} in this team"))
}

/// The URL without its password.
fn redact_url(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return "(an unparsable URL)".to_owned();
    };
    if u.password().is_some() {
        let _ = u.set_password(Some("**REDACTED**"));
    }
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let secret = k.to_ascii_lowercase().contains("password");
            (
                k.into_owned(),
                if secret {
                    "**REDACTED**".to_owned()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    if !pairs.is_empty() {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// What a team allows: which connectors, which tools, whether anything may change.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    /// Only tools that read.
    pub read_only: bool,
    /// `None`: every connector of the deployment.
    pub enabled_connectors: Option<Vec<String>>,
    pub disabled_tools: Vec<String>,
}

impl Policy {
    /// Whether the team may use `connector` at all (its tools and its resources).
    pub fn allows_connector(&self, connector: &str) -> Result<(), String> {
        if self
            .enabled_connectors
            .as_ref()
            .is_some_and(|c| !c.iter().any(|c| c == connector))
        {
            return Err(format!(
                "the {connector} connector is turned off for your team; a team admin can enable it"
            ));
        }
        Ok(())
    }

    /// Whether a tool of `connector` may be listed and called under this policy.
    pub fn allows(&self, connector: &str, tool: &str, writes: bool) -> Result<(), String> {
        self.allows_connector(connector)?;
        if self.disabled_tools.iter().any(|t| t == tool) {
            return Err(format!(
                "{tool} is turned off for your team; a team admin can enable it"
            ));
        }
        if writes && self.read_only {
            return Err(format!(
                "your team is in read-only mode, so {tool} (which changes data) is not available; a team admin can turn read-only mode off"
            ));
        }
        Ok(())
    }
}

impl Store {
    /// The team's policy (everything allowed until one is set).
    pub async fn policy(&self, tenant_id: &str) -> Result<Policy> {
        let row = sqlx::query("SELECT read_only, enabled_connectors, disabled_tools FROM policies WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(Policy::default());
        };
        let list = |s: String| {
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        Ok(Policy {
            read_only: row.try_get::<i64, _>("read_only")? != 0,
            enabled_connectors: row
                .try_get::<Option<String>, _>("enabled_connectors")?
                .map(list),
            disabled_tools: list(row.try_get("disabled_tools")?),
        })
    }

    pub async fn set_policy(&self, tenant_id: &str, policy: &Policy) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM policies WHERE tenant_id = $1")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO policies (tenant_id, read_only, enabled_connectors, disabled_tools) VALUES ($1, $2, $3, $4)")
            .bind(tenant_id)
            .bind(i64::from(policy.read_only))
            .bind(policy.enabled_connectors.as_ref().map(|c| c.join(",")))
            .bind(policy.disabled_tools.join(","))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
