//! Start-up shared by `serve`, `stdio`, `check` and `demo`: config → registry → handler.

use connector_core::{Budget, Upstream};

use crate::{
    config::{Config, ConfigError, Problem},
    mcp::McpHandler,
    registry::{self, Registry},
};

fn registry_and_upstream(config: &Config) -> Result<(Registry, Upstream), ConfigError> {
    let upstream = Upstream::new(config.upstream.clone()).map_err(|e| {
        ConfigError(vec![Problem {
            key: "upstream".into(),
            message: e.to_string(),
        }])
    })?;
    let registry =
        Registry::build(config, &registry::compiled_in(), &upstream).map_err(ConfigError)?;
    Ok((registry, upstream))
}

/// Builds the MCP handler for a validated config, or every problem found: the
/// configured accounts only (`stdio`, `check`).
pub fn build_handler(config: &Config) -> Result<McpHandler, ConfigError> {
    let (registry, _) = registry_and_upstream(config)?;
    Ok(McpHandler::new(
        registry,
        config.server.tools_page_size,
        Budget::new(config.limits.result_budget_chars),
    ))
}

/// The serving handler (teams' connections from the store, and the configured
/// accounts) and the connections it shares with the REST API.
pub fn build_serving_handler(
    config: &Config,
    store: std::sync::Arc<crate::store::Store>,
) -> Result<(McpHandler, std::sync::Arc<crate::connections::Connections>), ConfigError> {
    let (registry, upstream) = registry_and_upstream(config)?;
    let connections = std::sync::Arc::new(crate::connections::Connections::new(
        std::sync::Arc::new(registry),
        store,
        upstream,
        &config.server.public_url,
        config.connections.clone(),
        config.upstream.timeout_secs,
    ));
    let handler = McpHandler::with_connections(
        connections.clone(),
        config.server.tools_page_size,
        Budget::new(config.limits.result_budget_chars),
    );
    Ok((handler, connections))
}

/// The report `switchboard check` prints: every problem, or a summary of what would run.
pub fn check_report(config: Result<Config, ConfigError>) -> (bool, String) {
    let config = match config {
        Ok(c) => c,
        Err(e) => return (false, e.to_string()),
    };
    // The same rule `serve` applies, without creating anything.
    if crate::store::is_postgres(&config.store.database_url)
        && std::env::var(crate::vault::MASTER_KEY_ENV).is_err()
        && !std::path::Path::new(&config.store.master_key_file).exists()
    {
        return (
            false,
            format!(
                "invalid configuration:\n  - store.master_key_file: no master key for PostgreSQL; set {} or point store.master_key_file at an existing key file\n",
                crate::vault::MASTER_KEY_ENV
            ),
        );
    }
    match build_handler(&config) {
        Ok(h) => {
            let mut out = format!(
                "configuration is valid\n  listen: {}\n  MCP URL: {}\n  allowed hosts: {}\n  tools: {}\n",
                config.server.listen,
                config.mcp_url(),
                config.allowed_hosts().join(", "),
                h.registry().tool_count()
            );
            for a in h.registry().connectors() {
                out.push_str(&format!(
                    "  connector {}: {} tools, {}\n",
                    a.connector.info().id,
                    a.connector.tools().len(),
                    if a.client.is_some() {
                        "account configured"
                    } else {
                        "no account configured"
                    }
                ));
            }
            (true, out)
        }
        Err(e) => (false, e.to_string()),
    }
}

/// Loads the vault's master key: `SWITCHBOARD_MASTER_KEY`, else the key file. A missing
/// key file is created on SQLite (with a warning: it must be kept); on PostgreSQL, where
/// several replicas share the data, a missing key stops the start.
pub fn master_key(config: &Config) -> anyhow::Result<crate::vault::MasterKey> {
    master_key_created(config).map(|(k, _)| k)
}

/// [`master_key`], and whether this call created the key file.
fn master_key_created(config: &Config) -> anyhow::Result<(crate::vault::MasterKey, bool)> {
    use crate::vault::{MASTER_KEY_ENV, MasterKey};
    if let Ok(value) = std::env::var(MASTER_KEY_ENV) {
        return Ok((MasterKey::from_base64(&value, MASTER_KEY_ENV)?, false));
    }
    let path = std::path::Path::new(&config.store.master_key_file);
    if crate::store::is_postgres(&config.store.database_url) {
        if !path.exists() {
            anyhow::bail!(
                "no master key: on PostgreSQL set {MASTER_KEY_ENV} (base64 of 32 bytes) or store.master_key_file to an existing key file; switchboard does not invent a key that other replicas would not have"
            );
        }
        return Ok((MasterKey::read_file(path)?, false));
    }
    let (key, created) = MasterKey::read_or_create_file(path)?;
    if created {
        tracing::warn!(path = %path.display(), key_id = key.id(), "created a new master key file; keep it safe and backed up: without it no stored credential can be read");
    }
    Ok((key, created))
}

/// Opens the store (running its migrations) with the master key.
pub async fn open_store(config: &Config) -> anyhow::Result<crate::store::Store> {
    let (key, created) = master_key_created(config)?;
    let url = &config.store.database_url;
    if let Some(path) = url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path.split('?').next().unwrap_or(path)).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the database folder {} (store.database_url): {e}",
                dir.display()
            )
        })?;
    }
    match crate::store::Store::open(url, key).await {
        Ok(store) => Ok(store),
        Err(e) => {
            // A key made just now cannot open existing data; do not leave it behind to
            // be mistaken for the real one.
            if created {
                let _ = std::fs::remove_file(&config.store.master_key_file);
            }
            Err(e.into())
        }
    }
}
