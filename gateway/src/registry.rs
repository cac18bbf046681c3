//! The connectors compiled into this build, and the registry the MCP endpoint serves.
//!
//! Compiled-in connectors come from one alphabetised `#[cfg(feature)]` list; the
//! registry holds only the erased forms from `connector-core`, so nothing here knows
//! about any one SaaS.

use std::{collections::BTreeMap, sync::Arc};

use connector_core::{
    ClientHandle, CredentialKind, Credentials, DynConnector, DynTool, Registration, Upstream,
};

use crate::config::{Config, Problem};

/// Every connector in this build, alphabetised. Adding a connector adds one entry here
/// and one feature in `gateway/Cargo.toml` (`cargo xtask new-connector` does both).
pub fn compiled_in() -> Vec<Registration> {
    #[allow(unused_mut, reason = "empty in a build without connectors")]
    let mut list: Vec<Registration> = Vec::new();
    // @registrations-start (alphabetised; `cargo xtask new-connector` inserts here)
    #[cfg(feature = "connector-basecamp")]
    list.extend(connector_basecamp::registration());
    #[cfg(feature = "connector-servicefusion")]
    list.extend(connector_servicefusion::registration());
    #[cfg(feature = "connector-worksection")]
    list.extend(connector_worksection::registration());
    #[cfg(feature = "test-connector")]
    list.push(connector_core::testkit::notes::registration());
    // @registrations-end
    list
}

/// A connector the deployment offers, with the client of its configured account.
#[derive(Debug)]
pub struct Active {
    pub connector: Arc<dyn DynConnector>,
    /// The connector's settings, for building teams' clients.
    pub settings: serde_json::Value,
    /// The deployment-wide account's client; `None` when the config has no account.
    pub client: Option<ClientHandle>,
    /// The credential field naming a team's account URL, and what it may be.
    pub account_url: Option<(&'static str, crate::hosts::HostRule)>,
}

/// What the MCP endpoint serves: tools by name, each with its connector.
#[derive(Debug, Default)]
pub struct Registry {
    connectors: BTreeMap<&'static str, Active>,
    tools: BTreeMap<&'static str, (&'static str, Arc<dyn DynTool>)>,
}

impl Registry {
    /// Builds the registry from config. A configured connector that is not compiled in,
    /// a bad section or a tool-name clash is a problem naming the key.
    pub fn build(
        config: &Config,
        available: &[Registration],
        upstream: &Upstream,
    ) -> Result<Registry, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut registry = Registry::default();
        for (id, section) in &config.connectors {
            let key = format!("connectors.{id}");
            let Some(reg) = available.iter().find(|r| r.id == id) else {
                let names: Vec<&str> = available.iter().map(|r| r.id).collect();
                problems.push(Problem {
                    key,
                    message: format!(
                        "connector `{id}` is not compiled into this build; compiled in: {}. Rebuild with the feature connector-{id}, or remove the section",
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    ),
                });
                continue;
            };
            if !section.enabled {
                continue;
            }
            let connector = match (reg.connector)() {
                Ok(c) => c,
                Err(e) => {
                    problems.push(Problem {
                        key,
                        message: format!("the connector failed to initialise: {e}"),
                    });
                    continue;
                }
            };
            if let Err(e) = connector.check_config(&section.settings) {
                problems.push(Problem {
                    key: format!("{key}.settings"),
                    message: e.to_string(),
                });
                continue;
            }
            let client = if section.credentials.is_empty() {
                None
            } else {
                let kind = connector
                    .info()
                    .credentials
                    .first()
                    .map_or(CredentialKind::ApiKey, |c| c.kind);
                let creds = section
                    .credentials
                    .iter()
                    .fold(Credentials::new(kind), |c, (k, v)| c.with(k, v.clone()));
                match connector.build(&section.settings, &creds, upstream) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        problems.push(Problem {
                            key: format!("{key}.credentials"),
                            message: e.to_string(),
                        });
                        continue;
                    }
                }
            };
            for tool in connector.tools() {
                let name = tool.spec().name;
                if let Some((other, _)) = registry.tools.get(name) {
                    problems.push(Problem {
                        key: key.clone(),
                        message: format!("tool {name} is also defined by connector {other}"),
                    });
                    continue;
                }
                registry
                    .tools
                    .insert(name, (connector.info().id, tool.clone()));
            }
            let account_url = connector.info().account_url.map(|a| {
                let patterns = section
                    .account_hosts
                    .clone()
                    .unwrap_or_else(|| a.allowed_hosts.iter().map(|h| (*h).to_owned()).collect());
                (
                    a.field,
                    crate::hosts::HostRule {
                        patterns,
                        allow_private: section.allow_private_addresses,
                    },
                )
            });
            registry.connectors.insert(
                connector.info().id,
                Active {
                    connector,
                    settings: section.settings.clone(),
                    client,
                    account_url,
                },
            );
        }
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(problems)
        }
    }

    /// Tools in name order (deterministic `tools/list`).
    pub fn tools(&self) -> impl Iterator<Item = &Arc<dyn DynTool>> {
        self.tools.values().map(|(_, t)| t)
    }

    /// Tools in name order, each with its connector's id.
    pub fn tools_with_connectors(&self) -> impl Iterator<Item = (&Arc<dyn DynTool>, &'static str)> {
        self.tools.values().map(|(c, t)| (t, *c))
    }

    pub fn tool_count(&self) -> usize {
        self.tools.len()
    }

    /// The tool and its connector's account client.
    pub fn tool(&self, name: &str) -> Option<(&Arc<dyn DynTool>, &Active)> {
        let (connector, tool) = self.tools.get(name)?;
        Some((tool, self.connectors.get(connector)?))
    }

    pub fn connector(&self, id: &str) -> Option<&Active> {
        self.connectors.get(id)
    }

    pub fn connectors(&self) -> impl Iterator<Item = &Active> {
        self.connectors.values()
    }
}
