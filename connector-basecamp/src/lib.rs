//! The Basecamp connector for Switchboard. It depends on `connector-core` only.
//!
//! Basecamp 4 (the bc3 API) is reached through one account URL per account, found from
//! Launchpad's `authorization.json` when a person signs in. Tokens last two weeks and are
//! refreshed at Launchpad. Every request names Switchboard and the operator's contact in
//! its `User-Agent`; lists come 15, 30, 50 then 100 at a time behind `Link` headers and
//! are always followed to the end; unchanged reads are conditional (304); the account's
//! budget (about 50 requests per 10 seconds) is shared by every call on it.
//!
//! Layout: `config.rs`, `client.rs` (headers, budget, conditional reads, `Link` paging),
//! `error.rs` (`parse_error`), `model.rs` (compaction, rich text), `tools/` (one file per
//! area), `fake/` (the fake API, feature `fake`).

mod client;
mod config;
mod error;
mod model;
mod tools;

#[cfg(feature = "fake")]
pub mod bench;
#[cfg(feature = "fake")]
pub mod fake;

use std::{sync::Arc, time::Duration};

use connector_core::{
    AccountUrl, Connector, ConnectorInfo, CredentialKind, CredentialSpec, Credentials, DynTool,
    Error, ErrorKind, ExposeSecret, Grant, OAuthApp, RateLimit, Registration, Result, SecretString,
    TokenSet, Upstream, connector::refresh_by_token,
};
use http::{HeaderValue, Method, header};
use serde_json::Value;

pub use client::BasecampClient;
pub use config::BasecampConfig;
pub use error::{Call, parse_error};

/// The connector id: the prefix of every tool name.
pub const ID: &str = "basecamp";

/// The Basecamp connector.
#[derive(Debug, Default, Clone, Copy)]
pub struct Basecamp;

impl Connector for Basecamp {
    type Config = BasecampConfig;
    type Client = BasecampClient;

    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            id: ID,
            display_name: "Basecamp",
            description: "Projects, to-dos, messages and comments, Campfire chat, schedules, card tables, docs and files in Basecamp.",
            credentials: vec![CredentialSpec {
                kind: CredentialKind::OAuth2AuthorizationCode,
                help: "Sign in to Basecamp (37signals Launchpad) and approve access; calls then act as that person in their Basecamp account.",
                fields: &["account_url", "access_token", "refresh_token", "expires_at"],
            }],
            rate_limit: RateLimit::new(50, Duration::from_secs(10)),
            account_url: Some(AccountUrl {
                field: "account_url",
                allowed_hosts: &["3.basecampapi.com"],
            }),
        }
    }

    fn example_config(&self) -> &'static str {
        include_str!("../example-config.toml")
    }

    fn validate(&self, config: &BasecampConfig) -> Result<()> {
        config.validate()
    }

    fn build(
        &self,
        config: &BasecampConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<BasecampClient> {
        BasecampClient::new(config, credentials, upstream)
    }

    fn tools(&self) -> Result<Vec<Arc<dyn DynTool>>> {
        tools::all()
    }

    /// `GET /my/profile.json`: the person, whose name and email label the connection.
    async fn verify(&self, client: &BasecampClient) -> Result<Option<String>> {
        let me = client
            .get(
                "/my/profile.json",
                &[],
                tools::about("profile", None, "basecamp_list_people"),
            )
            .await?;
        let name = me.get("name").and_then(Value::as_str).unwrap_or("someone");
        Ok(Some(
            match me.get("email_address").and_then(Value::as_str) {
                Some(email) => format!("{name} <{email}> in Basecamp {}", client.account_id()),
                None => format!("{name} in Basecamp {}", client.account_id()),
            },
        ))
    }

    fn oauth_app(&self, config: &BasecampConfig) -> Option<OAuthApp> {
        let (id, secret) = (
            config.oauth_client_id.clone()?,
            config.oauth_client_secret.clone()?,
        );
        let mut app = OAuthApp::new(
            "Basecamp",
            id,
            secret,
            config.launchpad_at("/authorization/new").ok()?,
            config.launchpad_at("/authorization/token").ok()?,
        );
        // Launchpad still documents its legacy `type` parameter; sending it beside
        // `grant_type` works with either form of the token endpoint.
        app.extra_params = &[
            (Grant::AuthorizationCode, "type", "web_server"),
            (Grant::RefreshToken, "type", "refresh"),
        ];
        app.user_agent = Some(config.user_agent());
        Some(app)
    }

    fn credentials_from_tokens(
        &self,
        tokens: &TokenSet,
        previous: Option<&Credentials>,
    ) -> Result<Credentials> {
        // The sign-in names the account (see `complete_sign_in`); a refresh does not.
        let account = tokens
            .extra
            .get("account_url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                previous
                    .and_then(|p| p.get("account_url"))
                    .map(|a| a.expose_secret().to_owned())
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    "Basecamp's sign-in did not say which account to use; reconnect the account",
                )
            })?;
        // Launchpad's refresh answer leaves out the refresh token, which stays valid.
        Ok(tokens
            .credentials(CredentialKind::OAuth2AuthorizationCode, previous)
            .with("account_url", account))
    }

    /// Asks Launchpad which accounts the person has and connects their Basecamp 4 one.
    async fn complete_sign_in(
        &self,
        config: &BasecampConfig,
        tokens: &TokenSet,
        upstream: &Upstream,
    ) -> Result<Credentials> {
        let mut tokens = tokens.clone();
        let account = bc3_account(config, &tokens.access_token, upstream).await?;
        tokens
            .extra
            .insert("account_url".into(), Value::String(account));
        self.credentials_from_tokens(&tokens, None)
    }

    fn credentials_expire_at(&self, credentials: &Credentials) -> Option<u64> {
        credentials.get("expires_at")?.expose_secret().parse().ok()
    }

    fn refresh_token<'c>(&self, credentials: &'c Credentials) -> Option<&'c SecretString> {
        credentials.get("refresh_token")
    }

    /// A refresh Launchpad refuses (a changed password, revoked access) says plainly
    /// that a person must sign in again.
    async fn refresh(
        &self,
        config: &BasecampConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Option<Credentials>> {
        refresh_by_token(self, config, credentials, upstream)
            .await
            .map_err(|e| {
                if e.kind() == ErrorKind::Unauthenticated {
                    Error::new(
                        ErrorKind::Unauthenticated,
                        "Basecamp no longer accepts this connection's sign-in: this happens after the person changes their password or removes the app's access. Reconnect the account by signing in again",
                    )
                    .with_source(e)
                } else {
                    e
                }
            })
    }
}

/// The account URL of the person's Basecamp 4 account, from Launchpad's
/// `authorization.json` (an identity can also hold Basecamp 2 or Highrise accounts).
async fn bc3_account(
    config: &BasecampConfig,
    token: &SecretString,
    upstream: &Upstream,
) -> Result<String> {
    let bearer = SecretString::from(format!("Bearer {}", token.expose_secret()));
    let ua = HeaderValue::from_str(&config.user_agent()).map_err(|_| {
        Error::new(
            ErrorKind::ConfigInvalid,
            "connectors.basecamp.settings.contact: not usable in a User-Agent header",
        )
    })?;
    let resp = upstream
        .request(
            "Basecamp",
            Method::GET,
            config.launchpad_at("/authorization.json")?,
        )
        .header(header::USER_AGENT, ua)
        .secret_header(header::AUTHORIZATION, &bearer)?
        .send()
        .await?;
    if !resp.status.is_success() {
        return Err(parse_error(
            resp.status.as_u16(),
            &resp.body,
            &resp.headers,
            &Call {
                what: "Launchpad authorization",
                id: None,
                finder: "the connect link",
            },
        ));
    }
    let auth: Value = resp.json()?;
    let accounts = auth
        .get("accounts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let bc3: Vec<&Value> = accounts
        .iter()
        .filter(|a| a.get("product").and_then(Value::as_str) == Some("bc3"))
        .collect();
    let Some(first) = bc3.first() else {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "the person who signed in has no Basecamp 4 account (only other 37signals products); sign in as someone with a Basecamp account",
        ));
    };
    if bc3.len() > 1 {
        tracing::info!(
            accounts = bc3.len(),
            "the person has several Basecamp accounts; connecting the first"
        );
    }
    first
        .get("href")
        .and_then(Value::as_str)
        .map(|h| h.trim_end_matches('/').to_owned())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                "Launchpad's account list has no address for the Basecamp account; try again",
            )
        })
}

/// The gateway's registration entry.
pub fn registration() -> Option<Registration> {
    Some(Registration {
        id: ID,
        connector: || connector_core::erase(Basecamp),
        #[cfg(feature = "fake")]
        fake: Some(|| Box::pin(fake::start())),
        #[cfg(not(feature = "fake"))]
        fake: None,
    })
}
