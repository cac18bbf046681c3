//! Switchboard's gateway: the `switchboard` binary's library.
//!
//! It knows connectors only through `connector-core`'s erased traits and contains no
//! SaaS-specific code. Modules follow the request path: `server` (router and layers),
//! `auth`, `mcp` (the rmcp handler), `registry` (compiled-in connectors), with `config`,
//! `telemetry`, `app` (start-up shared by every command) and `demo` beside them.

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod connections;
pub mod demo;
pub mod hosts;
pub mod html;
pub mod mail;
pub mod mcp;
pub mod oauth;
pub mod registry;
pub mod server;
pub mod signing;
pub mod store;
pub mod telemetry;
pub mod vault;

/// Version, git commit and build time, as `/healthz`, `/readyz` and `--version` show.
pub fn build_info() -> serde_json::Value {
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "git_commit": env!("SWITCHBOARD_GIT_COMMIT"),
        "build_time": env!("SWITCHBOARD_BUILD_TIME"),
    })
}

/// One line for `--version`.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SWITCHBOARD_GIT_COMMIT"),
    ", built ",
    env!("SWITCHBOARD_BUILD_TIME"),
    ")"
);
