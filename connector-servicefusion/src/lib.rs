//! The ServiceFusion connector for Switchboard. It depends on `connector-core` only.
//!
//! ServiceFusion is a field-service API (customers, jobs, estimates, technicians,
//! invoices, the calendar) that can list, read and create, but never update or delete.
//! Accounts connect with the API user's client id and secret (client credentials, the
//! usual path) or by signing in (authorization code); tokens last an hour. It allows 60
//! requests a minute per token and pages lists 50 at a time at most, so the client keeps
//! to the budget itself and list tools fetch only what the model asked for.
//!
//! Layout: `config.rs`, `client.rs` (tokens, budget, paging, lookups), `error.rs`
//! (`parse_error`), `model.rs` (compaction), `tools/` (one file per area), `fake/` (the
//! fake API, feature `fake`).

mod client;
mod config;
mod error;
mod model;
mod tools;

#[cfg(feature = "fake")]
pub mod fake;

use std::sync::Arc;

use connector_core::{
    Connector, ConnectorInfo, CredentialKind, CredentialSpec, Credentials, DynTool, ExposeSecret,
    OAuthApp, RateLimit, Registration, Result, SecretString, TokenBody, TokenSet, Upstream,
    connector::refresh_by_token,
};

pub use client::ServiceFusionClient;
pub use config::ServiceFusionConfig;
pub use error::{Call, parse_error};

/// The connector id: the prefix of every tool name.
pub const ID: &str = "servicefusion";

/// The ServiceFusion connector.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceFusion;

impl Connector for ServiceFusion {
    type Config = ServiceFusionConfig;
    type Client = ServiceFusionClient;

    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            id: ID,
            display_name: "ServiceFusion",
            description: "Customers, jobs, estimates, technicians and their schedules, invoices and the calendar in ServiceFusion.",
            credentials: vec![
                CredentialSpec {
                    kind: CredentialKind::OAuth2ClientCredentials,
                    help: "The API user's client id and secret: in ServiceFusion, My Office → Developer Settings → API Credentials.",
                    fields: &["client_id", "client_secret"],
                },
                CredentialSpec {
                    kind: CredentialKind::OAuth2AuthorizationCode,
                    help: "Sign in to ServiceFusion and approve access; calls then act as that person.",
                    fields: &["access_token", "refresh_token", "expires_at"],
                },
            ],
            rate_limit: RateLimit::per_minute(60),
            account_url: None,
        }
    }

    fn example_config(&self) -> &'static str {
        include_str!("../example-config.toml")
    }

    fn validate(&self, config: &ServiceFusionConfig) -> Result<()> {
        config.validate()
    }

    fn build(
        &self,
        config: &ServiceFusionConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<ServiceFusionClient> {
        ServiceFusionClient::new(config, credentials, upstream)
    }

    fn tools(&self) -> Result<Vec<Arc<dyn DynTool>>> {
        tools::all()
    }

    /// `GET /v1/me`: the API user, whose name and email label the connection.
    async fn verify(&self, client: &ServiceFusionClient) -> Result<Option<String>> {
        let me = tools::lookups::me(client).await?;
        let name = me.get("name").and_then(|n| n.as_str());
        let email = me.get("email").and_then(|e| e.as_str());
        Ok(match (name, email) {
            (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
            (Some(n), None) => Some(n.to_owned()),
            (None, Some(e)) => Some(e.to_owned()),
            (None, None) => None,
        })
    }

    fn oauth_app(&self, config: &ServiceFusionConfig) -> Option<OAuthApp> {
        let (id, secret) = (
            config.oauth_client_id.clone()?,
            config.oauth_client_secret.clone()?,
        );
        let mut app = OAuthApp::new(
            "ServiceFusion",
            id,
            secret,
            config.url("/oauth/authorize").ok()?,
            config.url("/oauth/access_token").ok()?,
        );
        app.token_body = TokenBody::Json;
        Some(app)
    }

    fn credentials_from_tokens(
        &self,
        tokens: &TokenSet,
        previous: Option<&Credentials>,
    ) -> Result<Credentials> {
        Ok(tokens.credentials(CredentialKind::OAuth2AuthorizationCode, previous))
    }

    /// Client credentials without a token yet answer 0: the gateway gets the first token
    /// (once, across replicas) and shares it through the store.
    fn credentials_expire_at(&self, credentials: &Credentials) -> Option<u64> {
        match credentials.get("expires_at") {
            Some(at) => at.expose_secret().parse().ok(),
            None if credentials.get("client_id").is_some() => Some(0),
            None => None,
        }
    }

    fn refresh_token<'c>(&self, credentials: &'c Credentials) -> Option<&'c SecretString> {
        credentials.get("refresh_token")
    }

    /// Client credentials are renewed with a new grant (nothing rotates, nothing can be
    /// lost); a signed-in person's token with its refresh token.
    async fn refresh(
        &self,
        config: &ServiceFusionConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Option<Credentials>> {
        match client::renew_client_credentials(config, credentials, upstream).await? {
            Some(renewed) => Ok(Some(renewed)),
            None => refresh_by_token(self, config, credentials, upstream).await,
        }
    }
}

/// The gateway's registration entry.
pub fn registration() -> Option<Registration> {
    Some(Registration {
        id: ID,
        connector: || connector_core::erase(ServiceFusion),
        #[cfg(feature = "fake")]
        fake: Some(|| Box::pin(fake::start())),
        #[cfg(not(feature = "fake"))]
        fake: None,
    })
}
