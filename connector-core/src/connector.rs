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
    Ok(Arc::new(Erased {
        connector,
        info,
        tools,
    }))
}
