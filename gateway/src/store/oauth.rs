//! The OAuth authorization server's state: clients (registered, pre-registered,
//! metadata documents), pending authorization requests, browser sign-in sessions,
//! authorization codes and refresh-token families. Secrets (codes, tokens, client
//! secrets, session ids) are stored as SHA-256 only.

use sqlx::Row;

use super::{Result, Store, StoreError, new_id, now};
use crate::auth::hash_token;

/// A client as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    /// `dcr`, `static` (pre-registered by the operator) or `cimd` (a metadata document).
    pub kind: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// `none`, `client_secret_basic` or `client_secret_post`.
    pub auth_method: String,
    pub secret_sha256: Option<String>,
    pub fetched_at: Option<i64>,
}

/// An authorization request waiting for the person to sign in and consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
}

/// A browser's sign-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_sha256: String,
    /// The email the session proved it holds, once the code was right.
    pub email: Option<String>,
    /// The email a code was sent to, waiting for it.
    pub pending_email: Option<String>,
}

/// What an authorization code grants, once redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub tenant_id: String,
    pub member_id: String,
    pub family_id: String,
}

/// Why a refresh token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRefused {
    /// Unknown, expired, revoked, or of another client.
    Invalid,
    /// Already used once: the whole family is now revoked.
    Reused,
}

/// A team's own OIDC provider. `Debug` hides the secret.
#[derive(Clone)]
pub struct Sso {
    pub tenant_id: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub email_domain: String,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("tenant_id", &self.tenant_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("email_domain", &self.email_domain)
            .finish_non_exhaustive()
    }
}

/// A sign-in at a team's provider, waiting for its answer.
#[derive(Debug, Clone)]
pub struct SsoState {
    pub request_id: String,
    pub session_sha256: String,
    pub tenant_id: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// Freshly minted tokens. `Debug` shows no token.
#[derive(Clone)]
pub struct Minted {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for Minted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minted")
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

impl Store {
    // ---- teams' own sign-in (SSO) ----

    /// Sets a team's OIDC provider; the client secret is sealed like a credential.
    pub async fn set_sso(&self, sso: &Sso) -> Result<()> {
        let dek = self.data_key(&sso.tenant_id, None).await?;
        let sealed = Self::seal_credentials(
            &dek,
            &connector_core::Credentials::new(
                connector_core::CredentialKind::OAuth2ClientCredentials,
            )
            .with("client_secret", sso.client_secret.clone()),
            crate::vault::Binding {
                tenant_id: &sso.tenant_id,
                connection_id: "sso",
            },
        )?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM tenant_sso WHERE tenant_id = $1")
            .bind(&sso.tenant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO tenant_sso (tenant_id, issuer, client_id, client_secret, email_domain, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&sso.tenant_id)
            .bind(&sso.issuer)
            .bind(&sso.client_id)
            .bind(&sealed)
            .bind(sso.email_domain.to_ascii_lowercase())
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("another team already signs in {} through its own provider", sso.email_domain)),
                other => other,
            })?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_sso(&self, tenant_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM tenant_sso WHERE tenant_id = $1")
            .bind(tenant_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sso_from(&self, r: &sqlx::any::AnyRow) -> Result<Sso> {
        let tenant_id: String = r.try_get("tenant_id")?;
        let sealed: String = r.try_get("client_secret")?;
        let dek = self
            .data_key(&tenant_id, Some(crate::vault::sealed_key_id(&sealed)?))
            .await?;
        let creds = Self::open_credentials(&dek, &sealed, &tenant_id, "sso")?;
        use connector_core::ExposeSecret;
        Ok(Sso {
            client_secret: creds
                .get("client_secret")
                .map(|s| s.expose_secret().to_owned())
                .unwrap_or_default(),
            tenant_id,
            issuer: r.try_get("issuer")?,
            client_id: r.try_get("client_id")?,
            email_domain: r.try_get("email_domain")?,
        })
    }

    /// The active team whose provider signs in addresses at `domain`, if one does.
    pub async fn sso_for_domain(&self, domain: &str) -> Result<Option<Sso>> {
        let row = sqlx::query("SELECT s.tenant_id, s.issuer, s.client_id, s.client_secret, s.email_domain FROM tenant_sso s JOIN tenants t ON t.id = s.tenant_id WHERE s.email_domain = $1 AND t.status = 'active'")
            .bind(domain.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.sso_from(&r).await?)),
            None => Ok(None),
        }
    }

    pub async fn sso_of(&self, tenant_id: &str) -> Result<Option<Sso>> {
        let row = sqlx::query("SELECT tenant_id, issuer, client_id, client_secret, email_domain FROM tenant_sso WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.sso_from(&r).await?)),
            None => Ok(None),
        }
    }

    /// Records a sign-in sent to a team's provider; returns the `state` to send.
    pub async fn create_sso_state(&self, s: &SsoState, ttl_secs: i64) -> Result<String> {
        sqlx::query("DELETE FROM oauth_sso_states WHERE expires_at < $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        let id = format!("sso_{}", hex::encode(rand::random::<[u8; 24]>()));
        sqlx::query("INSERT INTO oauth_sso_states (id, request_id, session_sha256, tenant_id, nonce, code_verifier, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&id)
            .bind(&s.request_id)
            .bind(&s.session_sha256)
            .bind(&s.tenant_id)
            .bind(&s.nonce)
            .bind(&s.code_verifier)
            .bind(now() + ttl_secs)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// Takes a pending provider sign-in by its `state`, once.
    pub async fn take_sso_state(&self, id: &str) -> Result<Option<SsoState>> {
        let row = sqlx::query("SELECT request_id, session_sha256, tenant_id, nonce, code_verifier FROM oauth_sso_states WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let taken = sqlx::query("DELETE FROM oauth_sso_states WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(SsoState {
            request_id: r.try_get("request_id")?,
            session_sha256: r.try_get("session_sha256")?,
            tenant_id: r.try_get("tenant_id")?,
            nonce: r.try_get("nonce")?,
            code_verifier: r.try_get("code_verifier")?,
        }))
    }

    // ---- clients ----

    /// Saves a client; for `dcr` and `static` a new id is made, for `cimd` the id is
    /// the document's URL (saved again when refetched).
    pub async fn save_client(&self, client: &OAuthClient) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM oauth_clients WHERE client_id = $1 AND kind = 'cimd'")
            .bind(&client.client_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO oauth_clients (client_id, kind, name, redirect_uris, auth_method, secret_sha256, created_at, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&client.client_id)
            .bind(&client.kind)
            .bind(&client.name)
            .bind(serde_json::to_string(&client.redirect_uris).unwrap_or_default())
            .bind(&client.auth_method)
            .bind(&client.secret_sha256)
            .bind(now())
            .bind(client.fetched_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets self-registered clients older than `age_secs` that never got a grant.
    pub async fn prune_unused_clients(&self, age_secs: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM oauth_clients WHERE kind = 'dcr' AND created_at < $1 AND client_id NOT IN (SELECT client_id FROM oauth_codes) AND client_id NOT IN (SELECT client_id FROM oauth_refresh_tokens)")
            .bind(now() - age_secs)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub fn new_client_id(&self) -> String {
        new_id("client")
    }

    pub async fn client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        let row = sqlx::query("SELECT client_id, kind, name, redirect_uris, auth_method, secret_sha256, fetched_at FROM oauth_clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Self::client_from(&r)).transpose()
    }

    fn client_from(r: &sqlx::any::AnyRow) -> Result<OAuthClient> {
        let uris: String = r.try_get("redirect_uris")?;
        Ok(OAuthClient {
            client_id: r.try_get("client_id")?,
            kind: r.try_get("kind")?,
            name: r.try_get("name")?,
            redirect_uris: serde_json::from_str(&uris).unwrap_or_default(),
            auth_method: r.try_get("auth_method")?,
            secret_sha256: r.try_get("secret_sha256")?,
            fetched_at: r.try_get("fetched_at")?,
        })
    }

    /// The operator's clients (pre-registered), by name.
    pub async fn static_clients(&self) -> Result<Vec<OAuthClient>> {
        let rows = sqlx::query("SELECT client_id, kind, name, redirect_uris, auth_method, secret_sha256, fetched_at FROM oauth_clients WHERE kind = 'static' ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::client_from).collect()
    }

    /// Replaces a client's secret; returns the new one (shown once).
    pub async fn rotate_client_secret(&self, client_id: &str) -> Result<String> {
        let secret = format!("sbcs_{}", hex::encode(rand::random::<[u8; 32]>()));
        let done = sqlx::query(
            "UPDATE oauth_clients SET secret_sha256 = $1 WHERE client_id = $2 AND kind = 'static'",
        )
        .bind(hash_token(&secret))
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "no pre-registered client {client_id}; `switchboard client list` shows them"
            )));
        }
        Ok(secret)
    }

    pub async fn remove_client(&self, client_id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM oauth_clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("no client {client_id}")));
        }
        // Its tokens stop working with it.
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- authorization requests and sessions ----

    pub async fn create_auth_request(&self, r: &AuthRequest) -> Result<()> {
        sqlx::query("DELETE FROM oauth_requests WHERE expires_at < $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO oauth_requests (id, client_id, redirect_uri, state, code_challenge, resource, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&r.id)
            .bind(&r.client_id)
            .bind(&r.redirect_uri)
            .bind(&r.state)
            .bind(&r.code_challenge)
            .bind(&r.resource)
            .bind(r.scopes.join(" "))
            .bind(now())
            .bind(r.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub fn new_request_id(&self) -> String {
        new_id("ar")
    }

    /// A live authorization request.
    pub async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>> {
        let row = sqlx::query("SELECT id, client_id, redirect_uri, state, code_challenge, resource, scopes, expires_at FROM oauth_requests WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(AuthRequest {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            redirect_uri: r.try_get("redirect_uri")?,
            state: r.try_get("state")?,
            code_challenge: r.try_get("code_challenge")?,
            resource: r.try_get("resource")?,
            scopes: split(&r.try_get::<String, _>("scopes")?),
            expires_at: r.try_get("expires_at")?,
        }))
    }

    /// Ends an authorization request (it was answered); `false` if it already was.
    pub async fn finish_auth_request(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM oauth_requests WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces a session's id (after sign-in, or to sign out): a cookie someone planted
    /// before does not become a signed-in session. Returns the new id.
    pub async fn renew_session(
        &self,
        old: &str,
        email: Option<&str>,
        ttl_secs: i64,
    ) -> Result<String> {
        sqlx::query("DELETE FROM oauth_sessions WHERE id_sha256 = $1")
            .bind(hash_token(old))
            .execute(&self.pool)
            .await?;
        let id = format!("sbs_{}", hex::encode(rand::random::<[u8; 32]>()));
        sqlx::query("INSERT INTO oauth_sessions (id_sha256, email, pending_email, created_at, expires_at) VALUES ($1, $2, NULL, $3, $4)")
            .bind(hash_token(&id))
            .bind(email)
            .bind(now())
            .bind(now() + ttl_secs)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// A new browser session; returns its id (the cookie's value).
    pub async fn create_session(&self, ttl_secs: i64) -> Result<String> {
        sqlx::query("DELETE FROM oauth_sessions WHERE expires_at < $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        let id = format!("sbs_{}", hex::encode(rand::random::<[u8; 32]>()));
        sqlx::query("INSERT INTO oauth_sessions (id_sha256, email, pending_email, created_at, expires_at) VALUES ($1, NULL, NULL, $2, $3)")
            .bind(hash_token(&id))
            .bind(now())
            .bind(now() + ttl_secs)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn session(&self, id: &str) -> Result<Option<Session>> {
        let row = sqlx::query("SELECT id_sha256, email, pending_email FROM oauth_sessions WHERE id_sha256 = $1 AND expires_at > $2")
            .bind(hash_token(id))
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Session {
            id_sha256: r.try_get("id_sha256")?,
            email: r.try_get("email")?,
            pending_email: r.try_get("pending_email")?,
        }))
    }

    /// Records the email a code went to, waiting for the code.
    pub async fn set_session_pending(&self, id: &str, email: &str) -> Result<()> {
        sqlx::query("UPDATE oauth_sessions SET pending_email = $1 WHERE id_sha256 = $2")
            .bind(email)
            .bind(hash_token(id))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the email a code was sent to (the code failed; another may be asked for).
    pub async fn clear_session_pending(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE oauth_sessions SET pending_email = NULL WHERE id_sha256 = $1")
            .bind(hash_token(id))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The active teams `email` is a member of: (tenant id, slug, name, member id).
    pub async fn memberships(&self, email: &str) -> Result<Vec<(String, String, String, String)>> {
        let rows = sqlx::query("SELECT t.id, t.slug, t.name, m.id AS member_id FROM members m JOIN tenants t ON t.id = m.tenant_id WHERE m.email = $1 AND t.status = 'active' ORDER BY t.name")
            .bind(email.trim().to_ascii_lowercase())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("slug")?,
                    r.try_get("name")?,
                    r.try_get("member_id")?,
                ))
            })
            .collect()
    }

    // ---- codes and tokens ----

    /// An authorization code for an approved request (10 minutes, single use).
    pub async fn issue_code(&self, grant: &CodeGrant, ttl_secs: i64) -> Result<String> {
        let code = format!("sbc_{}", hex::encode(rand::random::<[u8; 32]>()));
        sqlx::query("INSERT INTO oauth_codes (code_sha256, client_id, redirect_uri, code_challenge, resource, scopes, tenant_id, member_id, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(hash_token(&code))
            .bind(&grant.client_id)
            .bind(&grant.redirect_uri)
            .bind(&grant.code_challenge)
            .bind(&grant.resource)
            .bind(grant.scopes.join(" "))
            .bind(&grant.tenant_id)
            .bind(&grant.member_id)
            .bind(&grant.family_id)
            .bind(now())
            .bind(now() + ttl_secs)
            .execute(&self.pool)
            .await?;
        Ok(code)
    }

    pub fn new_family_id(&self) -> String {
        new_id("fam")
    }

    /// Redeems a code once. A code presented again revokes what the first redemption
    /// issued (RFC 6749 §4.1.2) and is refused.
    pub async fn redeem_code(&self, code: &str) -> Result<Option<CodeGrant>> {
        let hash = hash_token(code);
        let row = sqlx::query("SELECT client_id, redirect_uri, code_challenge, resource, scopes, tenant_id, member_id, family_id, expires_at, used_at FROM oauth_codes WHERE code_sha256 = $1")
            .bind(&hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let family: String = r.try_get("family_id")?;
        let used = sqlx::query(
            "UPDATE oauth_codes SET used_at = $1 WHERE code_sha256 = $2 AND used_at IS NULL",
        )
        .bind(now())
        .bind(&hash)
        .execute(&self.pool)
        .await?;
        if used.rows_affected() == 0 {
            self.revoke_family(&family).await?;
            return Ok(None);
        }
        if r.try_get::<i64, _>("expires_at")? <= now() {
            return Ok(None);
        }
        Ok(Some(CodeGrant {
            client_id: r.try_get("client_id")?,
            redirect_uri: r.try_get("redirect_uri")?,
            code_challenge: r.try_get("code_challenge")?,
            resource: r.try_get("resource")?,
            scopes: split(&r.try_get::<String, _>("scopes")?),
            tenant_id: r.try_get("tenant_id")?,
            member_id: r.try_get("member_id")?,
            family_id: family,
        }))
    }

    /// An access token (stored hashed, bound to `resource`) and a refresh token in
    /// `family`.
    #[allow(clippy::too_many_arguments, reason = "one row's columns")]
    pub async fn mint_tokens(
        &self,
        tenant_id: &str,
        member_id: &str,
        client_id: &str,
        scopes: &[String],
        resource: &str,
        family_id: &str,
        access_ttl_secs: i64,
        refresh_ttl_secs: i64,
    ) -> Result<Minted> {
        if scopes.is_empty() {
            // No scopes means every tool for an API token; an OAuth grant always names them.
            return Err(StoreError::Conflict(
                "an OAuth token must carry scopes".into(),
            ));
        }
        let access = crate::auth::new_token();
        let refresh = format!("sbr_{}", hex::encode(rand::random::<[u8; 32]>()));
        let at = now();
        let mut tx = self.pool.begin().await?;
        let live = sqlx::query("SELECT 1 AS ok FROM members m JOIN tenants t ON t.id = m.tenant_id WHERE m.id = $1 AND t.id = $2 AND t.status = 'active'")
            .bind(member_id)
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
        if live.is_none() {
            return Err(StoreError::Conflict(
                "the team is not active or the person is no longer its member".into(),
            ));
        }
        let revoked = sqlx::query("SELECT 1 AS r FROM oauth_revoked_families WHERE family_id = $1")
            .bind(family_id)
            .fetch_optional(&mut *tx)
            .await?;
        if revoked.is_some() {
            return Err(StoreError::Conflict("this grant was revoked".into()));
        }
        sqlx::query("INSERT INTO api_tokens (id, tenant_id, member_id, token_sha256, name, scopes, created_at, expires_at, client_id, resource, family_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(new_id("k"))
            .bind(tenant_id)
            .bind(member_id)
            .bind(hash_token(&access))
            .bind(format!("oauth:{client_id}"))
            .bind(scopes.join(" "))
            .bind(at)
            .bind(at + access_ttl_secs)
            .bind(client_id)
            .bind(resource)
            .bind(family_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO oauth_refresh_tokens (token_sha256, family_id, tenant_id, member_id, client_id, scopes, resource, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(hash_token(&refresh))
            .bind(family_id)
            .bind(tenant_id)
            .bind(member_id)
            .bind(client_id)
            .bind(scopes.join(" "))
            .bind(resource)
            .bind(at)
            .bind(at + refresh_ttl_secs)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Minted {
            access_token: access,
            refresh_token: refresh,
            expires_in: access_ttl_secs,
            scopes: scopes.to_vec(),
        })
    }

    /// Exchanges a refresh token of `client_id` once: the old one is spent and a new
    /// pair is minted in the same family. A spent token presented again revokes the
    /// family (someone holds a copy). `scopes`, if given, may only narrow.
    pub async fn rotate_refresh(
        &self,
        refresh: &str,
        client_id: &str,
        scopes: Option<&[String]>,
        access_ttl_secs: i64,
        refresh_ttl_secs: i64,
    ) -> Result<std::result::Result<Minted, RefreshRefused>> {
        let hash = hash_token(refresh);
        let row = sqlx::query("SELECT family_id, tenant_id, member_id, client_id, scopes, resource, expires_at, rotated_at, revoked_at FROM oauth_refresh_tokens WHERE token_sha256 = $1")
            .bind(&hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else {
            return Ok(Err(RefreshRefused::Invalid));
        };
        let family: String = r.try_get("family_id")?;
        if r.try_get::<String, _>("client_id")? != client_id
            || r.try_get::<Option<i64>, _>("revoked_at")?.is_some()
            || r.try_get::<i64, _>("expires_at")? <= now()
        {
            return Ok(Err(RefreshRefused::Invalid));
        }
        // Checked before the token is spent, so a request asking for too much leaves the
        // grant as it was.
        let granted = split(&r.try_get::<String, _>("scopes")?);
        let scopes = match scopes {
            Some(asked) if !asked.is_empty() => {
                if asked.iter().any(|s| !granted.contains(s)) {
                    return Ok(Err(RefreshRefused::Invalid));
                }
                asked.to_vec()
            }
            _ => granted,
        };
        let spent = sqlx::query("UPDATE oauth_refresh_tokens SET rotated_at = $1 WHERE token_sha256 = $2 AND rotated_at IS NULL")
            .bind(now())
            .bind(&hash)
            .execute(&self.pool)
            .await?;
        if spent.rows_affected() == 0 {
            self.revoke_family(&family).await?;
            tracing::warn!(family = %family, "a rotated refresh token was used again; its family is revoked");
            return Ok(Err(RefreshRefused::Reused));
        }
        let minted = self
            .mint_tokens(
                &r.try_get::<String, _>("tenant_id")?,
                &r.try_get::<String, _>("member_id")?,
                client_id,
                &scopes,
                &r.try_get::<String, _>("resource")?,
                &family,
                access_ttl_secs,
                refresh_ttl_secs,
            )
            .await?;
        Ok(Ok(minted))
    }

    /// Revokes every token of a grant family, for good: the family is recorded, so tokens
    /// a concurrent request mints into it afterwards are refused too.
    pub async fn revoke_family(&self, family_id: &str) -> Result<()> {
        match sqlx::query(
            "INSERT INTO oauth_revoked_families (family_id, revoked_at) VALUES ($1, $2)",
        )
        .bind(family_id)
        .bind(now())
        .execute(&self.pool)
        .await
        {
            Ok(_) => {}
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict(_) => {}
                other => return Err(other),
            },
        }
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(family_id)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(family_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// RFC 7009: revokes an access or refresh token of `client_id`. Revoking a refresh
    /// token revokes its family. Unknown tokens are not an error.
    pub async fn revoke_oauth_token(&self, token: &str, client_id: &str) -> Result<()> {
        let hash = hash_token(token);
        if let Some(r) = sqlx::query(
            "SELECT family_id FROM oauth_refresh_tokens WHERE token_sha256 = $1 AND client_id = $2",
        )
        .bind(&hash)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        {
            return self
                .revoke_family(&r.try_get::<String, _>("family_id")?)
                .await;
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE token_sha256 = $2 AND client_id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(&hash)
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
