//! Start-up shared by `serve`, `stdio`, `check` and `demo`: config → registry → handler.

use connector_core::{Budget, Upstream};

use crate::{
    config::{Config, ConfigError, Problem},
    mcp::McpHandler,
    registry::{self, Registry},
};

/// Builds the MCP handler for a validated config, or every problem found.
pub fn build_handler(config: &Config) -> Result<McpHandler, ConfigError> {
    let upstream = Upstream::new(config.upstream.clone()).map_err(|e| {
        ConfigError(vec![Problem {
            key: "upstream".into(),
            message: e.to_string(),
        }])
    })?;
    let registry =
        Registry::build(config, &registry::compiled_in(), &upstream).map_err(ConfigError)?;
    Ok(McpHandler::new(
        registry,
        config.server.tools_page_size,
        Budget::new(config.limits.result_budget_chars),
    ))
}

/// The report `switchboard check` prints: every problem, or a summary of what would run.
pub fn check_report(config: Result<Config, ConfigError>) -> (bool, String) {
    let config = match config {
        Ok(c) => c,
        Err(e) => return (false, e.to_string()),
    };
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
