//! The contract between Switchboard and its connectors.
//!
//! A connector crate implements [`Connector`] and a set of [`Tool`]s against this crate
//! alone. The core supplies what every connector needs and none should rewrite: schemas
//! and argument validation, one error taxonomy, secret types, the upstream HTTP client
//! (timeouts, retries, rate limits, redaction) and response shaping.
//!
//! It must never know about tenants, OAuth for AI clients, databases or HTTP serving;
//! the `testkit` feature (tests only) is the one place that serves HTTP, for fakes.

pub mod bench;
pub mod cache;
pub mod connector;
pub mod error;
pub mod fake;
pub mod http;
pub mod limit;
pub mod oauth;
pub mod schema;
pub mod secret;
pub mod shape;
pub mod text;
pub mod tool;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use connector::{
    AccountUrl, Connector, ConnectorInfo, DynConnector, Registration, ResourceContent,
    ResourceTemplate, erase,
};
pub use error::{Error, ErrorKind, Result};
pub use http::{Redactor, Upstream, UpstreamConfig, UpstreamResponse};
pub use limit::{InProcessLimiter, RateLimit, UpstreamLimiter};
pub use oauth::{Grant, OAuthApp, TokenBody, TokenSet};
pub use schema::{InputSchema, IsoDate};
pub use secret::{CredentialKind, CredentialSpec, Credentials, ExposeSecret, SecretString};
pub use shape::{
    Budget, Cursor, Page, PageRequest, cursor_query, fit_value, page_of, paginate, table,
};
pub use tool::{
    Access, Annotations, BoxFuture, CallContext, ClientHandle, Content, DynTool, Tool, ToolOutput,
    ToolSet, ToolSpec, check_tool_name,
};

// Re-exported so connector crates use the same versions without naming them.
pub use schemars;
pub use serde_json;
