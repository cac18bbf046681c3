//! Self-registration's state: OTP challenges, teams waiting for their code, and
//! one-time connect links. Codes are stored as HMACs under a key derived from the master
//! key, never as they were sent.

use sqlx::Row;

use super::{Member, Result, Role, Store, StoreError, Tenant, TenantStatus, new_id, now};
use crate::signing::Signer;

/// Wrong codes allowed per challenge.
pub const MAX_ATTEMPTS: i64 = 5;

/// A challenge whose code was right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub email: String,
    pub tenant_id: Option<String>,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// No live code for this email: never sent, expired or used.
    NoChallenge,
    /// Wrong; this many attempts are left.
    Wrong { left: i64 },
    /// The attempts are used up; a new code must be requested.
    TooManyAttempts,
}

/// A one-time connect link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectLink {
    pub id: String,
    pub tenant_id: String,
    pub member_id: Option<String>,
    pub connector: String,
    pub expires_at: i64,
    pub oauth_nonce: Option<String>,
}

/// A team slug from a company name: lowercase letters, digits and dashes.
pub fn slugify(company: &str) -> String {
    let mut slug = String::new();
    for c in company.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { "team".into() } else { slug }
}

impl Store {
    /// A signer for `purpose`, keyed by the master key.
    pub fn signer(&self, purpose: &str) -> Signer {
        Signer::new(self.master().derive(purpose))
    }

    fn code_value(id: &str, code: &str) -> String {
        format!("{id}|{code}")
    }

    /// Challenges created since `since` for `email`, or from `client_key`.
    pub async fn recent_challenges(
        &self,
        purpose: &str,
        email: Option<&str>,
        client_key: Option<&str>,
        since: i64,
    ) -> Result<i64> {
        let (column, value) = match (email, client_key) {
            (Some(e), _) => ("email", e),
            (None, Some(k)) => ("client_key", k),
            (None, None) => return Ok(0),
        };
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM otp_challenges WHERE purpose = $1 AND {column} = $2 AND created_at >= $3"
        ))
        .bind(purpose)
        .bind(value)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The oldest challenge counted by [`Store::recent_challenges`]: when the window frees up.
    pub async fn oldest_recent_challenge(
        &self,
        purpose: &str,
        column_is_email: bool,
        value: &str,
        since: i64,
    ) -> Result<Option<i64>> {
        let column = if column_is_email {
            "email"
        } else {
            "client_key"
        };
        let row = sqlx::query(&format!(
            "SELECT MIN(created_at) AS t FROM otp_challenges WHERE purpose = $1 AND {column} = $2 AND created_at >= $3"
        ))
        .bind(purpose)
        .bind(value)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("t")?)
    }

    /// Records a challenge for `code` (kept only as an HMAC); returns its id.
    pub async fn create_challenge(
        &self,
        purpose: &str,
        email: &str,
        tenant_id: Option<&str>,
        code: &str,
        client_key: &str,
        ttl_secs: i64,
    ) -> Result<String> {
        let id = new_id("otp");
        let mac = self.signer("otp").signature(&Self::code_value(&id, code));
        let at = now();
        sqlx::query("INSERT INTO otp_challenges (id, purpose, email, tenant_id, code_mac, client_key, attempts, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)")
            .bind(&id)
            .bind(purpose)
            .bind(email)
            .bind(tenant_id)
            .bind(&mac)
            .bind(client_key)
            .bind(at)
            .bind(at + ttl_secs)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// Checks `code` against the newest live challenge for `email`. Every check uses an
    /// attempt, counted in the database, so concurrent guesses get no more than
    /// [`MAX_ATTEMPTS`] between them; a right code is consumed once.
    pub async fn check_code(
        &self,
        purpose: &str,
        email: &str,
        code: &str,
    ) -> Result<std::result::Result<Challenge, CodeError>> {
        let at = now();
        let row = sqlx::query("SELECT id, tenant_id, code_mac, attempts FROM otp_challenges WHERE purpose = $1 AND email = $2 AND consumed_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 1")
            .bind(purpose)
            .bind(email)
            .bind(at)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(Err(CodeError::NoChallenge));
        };
        let id: String = row.try_get("id")?;
        let attempts: i64 = row.try_get("attempts")?;
        let counted = sqlx::query("UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND consumed_at IS NULL")
            .bind(&id)
            .bind(MAX_ATTEMPTS)
            .execute(&self.pool)
            .await?;
        if counted.rows_affected() == 0 {
            return Ok(Err(CodeError::TooManyAttempts));
        }
        let mac: String = row.try_get("code_mac")?;
        let token = format!("{}.{mac}", Self::code_value(&id, code.trim()));
        if self.signer("otp").verify(&token).is_none() {
            let left = MAX_ATTEMPTS - (attempts + 1);
            return Ok(Err(if left <= 0 {
                CodeError::TooManyAttempts
            } else {
                CodeError::Wrong { left }
            }));
        }
        let consumed = sqlx::query(
            "UPDATE otp_challenges SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL",
        )
        .bind(at)
        .bind(&id)
        .execute(&self.pool)
        .await?;
        if consumed.rows_affected() == 0 {
            return Ok(Err(CodeError::NoChallenge));
        }
        Ok(Ok(Challenge {
            id,
            email: email.to_owned(),
            tenant_id: row.try_get("tenant_id")?,
        }))
    }

    /// Counts one hit on `key` unless `limit` hits fell within the last `window_secs`; then
    /// returns the seconds until one ages out. Kept in the database, so every replica
    /// counts against the same budget.
    pub async fn rate_limited(
        &self,
        key: &str,
        limit: i64,
        window_secs: i64,
    ) -> Result<Option<i64>> {
        let at = now();
        sqlx::query("DELETE FROM rate_hits WHERE key = $1 AND at < $2")
            .bind(key)
            .bind(at - window_secs)
            .execute(&self.pool)
            .await?;
        let row =
            sqlx::query("SELECT COUNT(*) AS n, MIN(at) AS first FROM rate_hits WHERE key = $1")
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
        let n: i64 = row.try_get("n")?;
        if n >= limit {
            let first: Option<i64> = row.try_get("first")?;
            return Ok(Some((first.unwrap_or(at) + window_secs - at).max(1)));
        }
        sqlx::query("INSERT INTO rate_hits (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(None)
    }

    /// Removes a challenge whose code could not be sent.
    pub async fn delete_challenge(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM otp_challenges WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Makes a consumed challenge usable again (what it was for failed afterwards).
    pub async fn unconsume_challenge(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE otp_challenges SET consumed_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The team a registration creates, pending until its code is confirmed, with the
    /// registering person as owner. Registering again with the same company and email
    /// reuses the waiting team; teams whose registration was never confirmed are removed
    /// after a day.
    pub async fn pending_registration(
        &self,
        company: &str,
        email: &str,
    ) -> Result<(Tenant, Member)> {
        sqlx::query("DELETE FROM tenants WHERE status = 'pending' AND created_at < $1 AND id IN (SELECT tenant_id FROM otp_challenges WHERE purpose = 'register')")
            .bind(now() - 86_400)
            .execute(&self.pool)
            .await?;
        let existing = sqlx::query("SELECT t.id FROM tenants t JOIN members m ON m.tenant_id = t.id WHERE t.status = 'pending' AND t.name = $1 AND m.email = $2 AND m.role = 'owner' AND t.id IN (SELECT tenant_id FROM otp_challenges WHERE purpose = 'register') LIMIT 1")
            .bind(company)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = existing {
            let id: String = row.try_get("id")?;
            let tenant = self.tenant_by_id(&id).await?;
            let member = self
                .members(&id)
                .await?
                .into_iter()
                .find(|m| m.email == email)
                .ok_or_else(|| StoreError::NotFound(format!("{email} is not in team {id}")))?;
            return Ok((tenant, member));
        }
        let base = slugify(company);
        let mut tenant = None;
        for n in 1..=20 {
            let slug = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            match self.create_tenant(&slug, company).await {
                Ok(t) => {
                    tenant = Some(t);
                    break;
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        let tenant = match tenant {
            Some(t) => t,
            None => {
                self.create_tenant(
                    &format!("{base}-{}", hex::encode(rand::random::<[u8; 3]>())),
                    company,
                )
                .await?
            }
        };
        let member = self.add_member(&tenant.id, email, Role::Owner).await?;
        Ok((tenant, member))
    }

    pub async fn tenant_by_id(&self, id: &str) -> Result<Tenant> {
        let row = sqlx::query("SELECT id, slug, name, status, tier FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no team with id {id}")))?;
        Self::tenant_from(&row)
    }

    /// Activates a team whose registration code was confirmed.
    pub async fn activate_registered(&self, tenant_id: &str) -> Result<Tenant> {
        self.set_tenant_status(tenant_id, TenantStatus::Active)
            .await?;
        self.tenant_by_id(tenant_id).await
    }

    // ---- connect links ----

    /// A new link for connecting `connector` to the team (or to one member).
    pub async fn create_connect_link(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        connector: &str,
        ttl_secs: i64,
    ) -> Result<ConnectLink> {
        let at = now();
        // Spent and expired links are of no use to anyone.
        sqlx::query("DELETE FROM connect_links WHERE expires_at < $1")
            .bind(at - 3600)
            .execute(&self.pool)
            .await?;
        // A model asking again and again gets the same link while it has half its life left.
        let fresh = at + ttl_secs / 2;
        let reuse = match member_id {
            Some(m) => sqlx::query("SELECT id, expires_at FROM connect_links WHERE tenant_id = $1 AND member_id = $2 AND connector = $3 AND used_at IS NULL AND oauth_nonce IS NULL AND expires_at > $4 ORDER BY expires_at DESC LIMIT 1")
                .bind(tenant_id)
                .bind(m)
                .bind(connector)
                .bind(fresh)
                .fetch_optional(&self.pool)
                .await?,
            None => sqlx::query("SELECT id, expires_at FROM connect_links WHERE tenant_id = $1 AND member_id IS NULL AND connector = $2 AND used_at IS NULL AND oauth_nonce IS NULL AND expires_at > $3 ORDER BY expires_at DESC LIMIT 1")
                .bind(tenant_id)
                .bind(connector)
                .bind(fresh)
                .fetch_optional(&self.pool)
                .await?,
        };
        if let Some(row) = reuse {
            return Ok(ConnectLink {
                id: row.try_get("id")?,
                tenant_id: tenant_id.to_owned(),
                member_id: member_id.map(str::to_owned),
                connector: connector.to_owned(),
                expires_at: row.try_get("expires_at")?,
                oauth_nonce: None,
            });
        }
        let link = ConnectLink {
            id: new_id("l"),
            tenant_id: tenant_id.to_owned(),
            member_id: member_id.map(str::to_owned),
            connector: connector.to_owned(),
            expires_at: at + ttl_secs,
            oauth_nonce: None,
        };
        sqlx::query("INSERT INTO connect_links (id, tenant_id, member_id, connector, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&link.id)
            .bind(tenant_id)
            .bind(member_id)
            .bind(connector)
            .bind(at)
            .bind(link.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(link)
    }

    /// A link that is neither used nor expired, of a team that is active.
    pub async fn live_connect_link(&self, id: &str) -> Result<Option<ConnectLink>> {
        let row = sqlx::query("SELECT l.id, l.tenant_id, l.member_id, l.connector, l.expires_at, l.oauth_nonce FROM connect_links l JOIN tenants t ON t.id = l.tenant_id WHERE l.id = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND t.status = 'active'")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(ConnectLink {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            member_id: r.try_get("member_id")?,
            connector: r.try_get("connector")?,
            expires_at: r.try_get("expires_at")?,
            oauth_nonce: r.try_get("oauth_nonce")?,
        }))
    }

    /// Records the nonce of the OAuth flow a link started; a later start replaces it,
    /// so only the newest `state` can finish.
    pub async fn start_link_oauth(&self, id: &str, nonce: &str) -> Result<()> {
        sqlx::query("UPDATE connect_links SET oauth_nonce = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(nonce)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Uses a link up; `false` if it was already used (or its OAuth nonce is not
    /// `nonce`). Exactly one caller gets `true`.
    pub async fn consume_link(&self, id: &str, nonce: Option<&str>) -> Result<bool> {
        let at = now();
        let done = match nonce {
            Some(n) => sqlx::query("UPDATE connect_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1 AND oauth_nonce = $3")
                .bind(at)
                .bind(id)
                .bind(n)
                .execute(&self.pool)
                .await?,
            None => sqlx::query("UPDATE connect_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1")
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?,
        };
        Ok(done.rows_affected() == 1)
    }

    /// Puts a newly connected account in place of the connections it replaces: the
    /// same connector for the same scope (team-wide or the member's own) that no longer
    /// work. A working connection is kept beside it.
    pub async fn replace_broken_connections(
        &self,
        tenant_id: &str,
        member_id: Option<&str>,
        connector: &str,
    ) -> Result<u64> {
        let done = match member_id {
            Some(m) => sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND member_id = $2 AND connector = $3 AND status <> 'active'")
                .bind(tenant_id)
                .bind(m)
                .bind(connector)
                .execute(&self.pool)
                .await?,
            None => sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND member_id IS NULL AND connector = $2 AND status <> 'active'")
                .bind(tenant_id)
                .bind(connector)
                .execute(&self.pool)
                .await?,
        };
        Ok(done.rows_affected())
    }

    /// The member of this team with `id`.
    pub async fn member(&self, tenant_id: &str, member_id: &str) -> Result<Member> {
        self.members(tenant_id)
            .await?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or_else(|| StoreError::NotFound(format!("no member {member_id} in this team")))
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_from_company_names() {
        assert_eq!(slugify("Acme, Inc."), "acme-inc");
        assert_eq!(slugify("  Büro Müller  "), "b-ro-m-ller");
        assert_eq!(slugify("!!!"), "team");
    }
}
