//! Connectors: the typed trait each SaaS crate implements, and its object-safe twin.
//!
//! A connector has two phases, as in Vector's components: a pure `validate` of its typed
//! config (run at start-up and by `switchboard check`), and an effectful `build` that
//! turns config plus one account's credentials into a client the tools share.

use std::{fmt, sync::Arc};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    Error, ErrorKind, Result,
    http::Upstream,
    limit::RateLimit,
    secret::{CredentialSpec, Credentials},
    tool::{ClientHandle, DynTool},
};

/// The fixed facts about a connector.
#[derive(Debug, Clone)]
pub struct ConnectorInfo {
    /// Lowercase id, the prefix of every tool name (`worksection`).
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// The ways an account can be connected.
    pub credentials: Vec<CredentialSpec>,
    /// The upstream's documented limit for one account.
    pub rate_limit: RateLimit,
    /// The credential field holding the account's own URL, if accounts have one, and
    /// the hosts it may name. The gateway checks a URL a team supplies against these
    /// (and refuses private addresses) before any request goes there.
    pub account_url: Option<AccountUrl>,
}

/// Where an account lives, when each account has its own URL (`https://acme.worksection.com`).
#[derive(Debug, Clone, Copy)]
pub struct AccountUrl {
    /// The credential field (`account_url`).
    pub field: &'static str,
    /// Host patterns: `*.worksection.com` matches any subdomain, others match exactly.
    pub allowed_hosts: &'static [&'static str],
}

/// A family of resources a connector serves, by RFC 6570 URI template
/// (`worksection://file/{id}`). The scheme is the connector's id.
#[derive(Debug, Clone)]
pub struct ResourceTemplate {
    pub uri_template: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub mime_type: Option<&'static str>,
}

/// One piece of a read resource.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceContent {
    Text {
        uri: String,
        mime_type: String,
        text: String,
    },
    /// Base64 data.
    Blob {
        uri: String,
        mime_type: String,
        blob: String,
    },
}

/// Implemented once per SaaS crate.
pub trait Connector: Send + Sync + 'static {
    /// Deployment-wide settings (base URL overrides, timeouts), from the gateway config.
    type Config: DeserializeOwned + Send + Sync + 'static;
    /// What tools share for one upstream account.
    type Client: Send + Sync + fmt::Debug + 'static;

    fn info(&self) -> ConnectorInfo;

    /// A complete, commented example of the config section, in TOML. A test parses it.
    fn example_config(&self) -> &'static str;

    /// Pure checks of the config; no I/O.
    fn validate(&self, config: &Self::Config) -> Result<()>;

    /// Builds the client for one account. Must not perform I/O either: the first tool
    /// call is where a bad credential shows up, with the upstream's own reason.
    fn build(
        &self,
        config: &Self::Config,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<Self::Client>;

    /// The tools, in catalog order.
    fn tools(&self) -> Result<Vec<Arc<dyn DynTool>>>;

    /// Checks an account's credentials live with one cheap upstream request, before a
    /// team's connection is saved: a wrong key fails here with the upstream's reason.
    /// Returns a label for the account (its URL, the signed-in person) if it has a
    /// better one than the caller's. The default, for connectors that cannot check,
    /// accepts.
    fn verify<'a>(
        &'a self,
        _client: &'a Self::Client,
    ) -> impl std::future::Future<Output = Result<Option<String>>> + Send + 'a {
        std::future::ready(Ok(None))
    }

    /// The resource families this connector serves; none by default.
    fn resource_templates(&self) -> Vec<ResourceTemplate> {
        Vec::new()
    }

    /// Reads a resource of this connector. `Ok(None)` when no such resource exists.
    fn read_resource<'a>(
        &'a self,
        _client: &'a Self::Client,
        _uri: &'a str,
        _budget: crate::Budget,
    ) -> impl std::future::Future<Output = Result<Option<Vec<ResourceContent>>>> + Send + 'a {
        std::future::ready(Ok(None))
    }

    /// The OAuth application accounts connect through, if the config has one.
    fn oauth_app(&self, _config: &Self::Config) -> Option<crate::OAuthApp> {
        None
    }

    /// The credentials for an account from an OAuth token answer (after the code
    /// exchange, or a refresh with the account's `previous` credentials).
    fn credentials_from_tokens(
        &self,
        tokens: &crate::TokenSet,
        _previous: Option<&Credentials>,
    ) -> Result<Credentials> {
        let _ = tokens;
        Err(Error::new(
            ErrorKind::Unsupported,
            format!("{} does not connect through OAuth", self.info().id),
        ))
    }

    /// The credentials for an account someone just connected by signing in: by default
    /// [`Connector::credentials_from_tokens`]. A connector that must ask the provider
    /// more (which account the person chose) overrides this.
    fn complete_sign_in<'a>(
        &'a self,
        _config: &'a Self::Config,
        tokens: &'a crate::TokenSet,
        _upstream: &'a Upstream,
    ) -> impl std::future::Future<Output = Result<Credentials>> + Send + 'a {
        std::future::ready(self.credentials_from_tokens(tokens, None))
    }

    /// When the account's access token expires (unix seconds), if it does. A credential
    /// that has no token yet (client credentials before their first grant) may answer 0,
    /// so the gateway gets one, once, before the first call.
    fn credentials_expire_at(&self, _credentials: &Credentials) -> Option<u64> {
        None
    }

    /// The refresh token of an account's credentials, if it has one.
    fn refresh_token<'c>(&self, _credentials: &'c Credentials) -> Option<&'c crate::SecretString> {
        None
    }

    /// New credentials for an account whose token is about to expire or was refused;
    /// `Ok(None)` when these credentials cannot be refreshed (an API key). By default
    /// the refresh token goes to the config's OAuth app, and the answer becomes
    /// credentials through [`Connector::credentials_from_tokens`].
    fn refresh<'a>(
        &'a self,
        config: &'a Self::Config,
        credentials: &'a Credentials,
        upstream: &'a Upstream,
    ) -> impl std::future::Future<Output = Result<Option<Credentials>>> + Send + 'a {
        refresh_by_token(self, config, credentials, upstream)
    }
}

/// The default refresh: the credentials' refresh token goes to the config's OAuth app,
/// and the answer becomes credentials through [`Connector::credentials_from_tokens`].
/// `Ok(None)` without a refresh token. For connectors that refresh some credentials
/// their own way and the rest like this.
pub async fn refresh_by_token<K: Connector + ?Sized>(
    connector: &K,
    config: &K::Config,
    credentials: &Credentials,
    upstream: &Upstream,
) -> Result<Option<Credentials>> {
    let Some(refresh_token) = connector.refresh_token(credentials) else {
        return Ok(None);
    };
    let Some(app) = connector.oauth_app(config) else {
        return Err(Error::new(
            ErrorKind::ConfigInvalid,
            format!(
                "connectors.{}.settings has no OAuth client, so the account's token cannot be refreshed",
                connector.info().id
            ),
        ));
    };
    let tokens = app.refresh(upstream, refresh_token).await?;
    connector
        .credentials_from_tokens(&tokens, Some(credentials))
        .map(Some)
}

/// The object-safe twin of [`Connector`], held by the gateway's registry.
pub trait DynConnector: Send + Sync {
    fn info(&self) -> &ConnectorInfo;
    fn example_config(&self) -> &'static str;
    fn tools(&self) -> &[Arc<dyn DynTool>];
    /// Parses and validates a config section (JSON form of the TOML table).
    fn check_config(&self, config: &Value) -> Result<()>;
    fn build(
        &self,
        config: &Value,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<ClientHandle>;
    fn resource_templates(&self) -> &[ResourceTemplate];
    /// Checks an account live; see [`Connector::verify`].
    fn verify<'a>(
        &'a self,
        client: &'a ClientHandle,
    ) -> crate::BoxFuture<'a, Result<Option<String>>>;
    /// Reads a resource with the account's client; `Ok(None)` when it does not exist.
    fn read_resource<'a>(
        &'a self,
        client: &'a ClientHandle,
        uri: &'a str,
        budget: crate::Budget,
    ) -> crate::BoxFuture<'a, Result<Option<Vec<ResourceContent>>>>;
    /// The OAuth app of this config, if accounts connect through OAuth.
    fn oauth_app(&self, config: &Value) -> Result<Option<crate::OAuthApp>>;
    /// Refreshes an account's OAuth credentials, returning the new ones (the refresh
    /// token may have rotated). `Ok(None)` when the credentials need no refresh.
    fn refresh<'a>(
        &'a self,
        config: &'a Value,
        credentials: &'a Credentials,
        upstream: &'a Upstream,
    ) -> crate::BoxFuture<'a, Result<Option<Credentials>>>;
    /// Credentials for an account just connected by signing in, from the code-exchange
    /// answer; see [`Connector::complete_sign_in`].
    fn complete_sign_in<'a>(
        &'a self,
        config: &'a Value,
        tokens: &'a crate::TokenSet,
        upstream: &'a Upstream,
    ) -> crate::BoxFuture<'a, Result<Credentials>>;
    /// When the credentials expire (unix seconds), if they do.
    fn credentials_expire_at(&self, credentials: &Credentials) -> Option<u64>;
}

impl fmt::Debug for dyn DynConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynConnector")
            .field("id", &self.info().id)
            .field("tools", &self.tools().len())
            .finish()
    }
}

struct Erased<K> {
    connector: K,
    info: ConnectorInfo,
    tools: Vec<Arc<dyn DynTool>>,
    resources: Vec<ResourceTemplate>,
}

impl<K: Connector> Erased<K> {
    fn parse(&self, config: &Value) -> Result<K::Config> {
        let parsed: K::Config = serde_json::from_value(config.clone()).map_err(|e| {
            Error::new(
                ErrorKind::ConfigInvalid,
                format!("connectors.{}: {e}", self.info.id),
            )
        })?;
        self.connector.validate(&parsed)?;
        Ok(parsed)
    }

    fn client<'c>(&self, client: &'c ClientHandle) -> Result<&'c K::Client> {
        (**client)
            .as_any()
            .downcast_ref::<K::Client>()
            .ok_or_else(|| {
                Error::unexpected(format!(
                    "connector {} was handed another connector's client",
                    self.info.id
                ))
            })
    }
}

impl<K: Connector> DynConnector for Erased<K> {
    fn info(&self) -> &ConnectorInfo {
        &self.info
    }

    fn example_config(&self) -> &'static str {
        self.connector.example_config()
    }

    fn tools(&self) -> &[Arc<dyn DynTool>] {
        &self.tools
    }

    fn check_config(&self, config: &Value) -> Result<()> {
        self.parse(config).map(|_| ())
    }

    fn build(
        &self,
        config: &Value,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<ClientHandle> {
        let config = self.parse(config)?;
        let client = self.connector.build(&config, credentials, upstream)?;
        Ok(Arc::new(client))
    }

    fn resource_templates(&self) -> &[ResourceTemplate] {
        &self.resources
    }

    fn verify<'a>(
        &'a self,
        client: &'a ClientHandle,
    ) -> crate::BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move { self.connector.verify(self.client(client)?).await })
    }

    fn read_resource<'a>(
        &'a self,
        client: &'a ClientHandle,
        uri: &'a str,
        budget: crate::Budget,
    ) -> crate::BoxFuture<'a, Result<Option<Vec<ResourceContent>>>> {
        Box::pin(async move {
            self.connector
                .read_resource(self.client(client)?, uri, budget)
                .await
        })
    }

    fn oauth_app(&self, config: &Value) -> Result<Option<crate::OAuthApp>> {
        Ok(self.connector.oauth_app(&self.parse(config)?))
    }

    fn refresh<'a>(
        &'a self,
        config: &'a Value,
        credentials: &'a Credentials,
        upstream: &'a Upstream,
    ) -> crate::BoxFuture<'a, Result<Option<Credentials>>> {
        Box::pin(async move {
            let config = self.parse(config)?;
            self.connector.refresh(&config, credentials, upstream).await
        })
    }

    fn complete_sign_in<'a>(
        &'a self,
        config: &'a Value,
        tokens: &'a crate::TokenSet,
        upstream: &'a Upstream,
    ) -> crate::BoxFuture<'a, Result<Credentials>> {
        Box::pin(async move {
            let config = self.parse(config)?;
            self.connector
                .complete_sign_in(&config, tokens, upstream)
                .await
        })
    }

    fn credentials_expire_at(&self, credentials: &Credentials) -> Option<u64> {
        self.connector.credentials_expire_at(credentials)
    }
}

/// What a connector crate hands the gateway's registration list: its id, a constructor
/// and, where the crate has one, its fake upstream (for `demo` and tests).
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    pub id: &'static str,
    pub connector: fn() -> Result<Arc<dyn DynConnector>>,
    pub fake: Option<crate::fake::StartFake>,
}

/// Erases a connector for the gateway's registry. Fails if a tool's schema is invalid.
pub fn erase<K: Connector>(connector: K) -> Result<Arc<dyn DynConnector>> {
    let info = connector.info();
    let tools = connector.tools()?;
    let resources = connector.resource_templates();
    Ok(Arc::new(Erased {
        connector,
        info,
        tools,
        resources,
    }))
}
