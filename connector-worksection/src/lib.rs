//! The Worksection connector for Switchboard. It depends on `connector-core` only.
//!
//! Worksection has one URL per account and picks the operation with `action`. Admin-key
//! calls are signed with an MD5 `hash` of the query string; user calls carry an OAuth
//! bearer token. Errors arrive inside HTTP 200, the API allows one request per second
//! per account, and lists are never paginated: this crate pages them for the model.
//!
//! Layout: `config.rs`, `client.rs` (signing, envelope, limits, cache), `error.rs`
//! (`parse_error`), `model.rs` (lenient decoding and compaction), `tools/` (one file per
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

use std::sync::Arc;

use connector_core::{
    AccountUrl, Budget, Connector, ConnectorInfo, CredentialKind, CredentialSpec, Credentials,
    DynTool, Error, ErrorKind, ExposeSecret, OAuthApp, RateLimit, Registration, ResourceContent,
    ResourceTemplate, Result, SecretString, TokenSet, Upstream,
};

pub use client::{Params, WorksectionClient, admin_hash};
pub use config::WorksectionConfig;
pub use model::today_iso;

/// The connector id: the prefix of every tool name.
pub const ID: &str = "worksection";

/// The OAuth scopes user mode asks for: everything the tools read and write.
pub const OAUTH_SCOPES: &[&str] = &[
    "projects_read",
    "projects_write",
    "tasks_read",
    "tasks_write",
    "costs_read",
    "costs_write",
    "tags_read",
    "tags_write",
    "comments_read",
    "comments_write",
    "files_read",
    "users_read",
    "contacts_read",
];

/// The Worksection connector.
#[derive(Debug, Default, Clone, Copy)]
pub struct Worksection;

impl Connector for Worksection {
    type Config = WorksectionConfig;
    type Client = WorksectionClient;

    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            id: ID,
            display_name: "Worksection",
            description: "Projects, tasks, comments, time and money costs, timers, members, tags and files in Worksection.",
            credentials: vec![
                CredentialSpec {
                    kind: CredentialKind::ApiKey,
                    help: "The account URL (https://<account>.worksection.com) and the admin API key: Account → API → Show API key (only the owner sees it). Optionally the email of the member admin-key writes are attributed to.",
                    fields: &["account_url", "api_key", "default_author"],
                },
                CredentialSpec {
                    kind: CredentialKind::OAuth2AuthorizationCode,
                    help: "Sign in to Worksection and approve access; calls then act as that person.",
                    fields: &["account_url", "access_token", "refresh_token", "expires_at"],
                },
            ],
            rate_limit: RateLimit::per_second(1),
            account_url: Some(AccountUrl {
                field: "account_url",
                allowed_hosts: &["*.worksection.com"],
            }),
        }
    }

    fn example_config(&self) -> &'static str {
        include_str!("../example-config.toml")
    }

    fn validate(&self, config: &WorksectionConfig) -> Result<()> {
        config.validate()
    }

    fn build(
        &self,
        config: &WorksectionConfig,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Result<WorksectionClient> {
        WorksectionClient::new(config, credentials, upstream)
    }

    fn tools(&self) -> Result<Vec<Arc<dyn DynTool>>> {
        tools::all()
    }

    /// `get_users` with the admin key (the cheapest action it may call), `me` for a
    /// signed-in person, whose name then labels the connection.
    async fn verify(&self, client: &WorksectionClient) -> Result<Option<String>> {
        let host = client.account_host().to_owned();
        if !client.is_user_mode() {
            client.read("get_users", Params::new()).await?;
            return Ok(Some(host));
        }
        let me = client.read("me", Params::new()).await?;
        let who = me["data"]["email"]
            .as_str()
            .or_else(|| me["data"]["name"].as_str())
            .map(str::to_owned);
        Ok(Some(match who {
            Some(w) => format!("{w} @ {host}"),
            None => host,
        }))
    }

    fn resource_templates(&self) -> Vec<ResourceTemplate> {
        vec![
            ResourceTemplate {
                uri_template: "worksection://file/{id}",
                name: "worksection-file",
                title: "A Worksection file",
                description: "The content of a file attached to a task, comment or project: text for text-like files, base64 otherwise.",
                mime_type: None,
            },
            ResourceTemplate {
                uri_template: "worksection://task/{id}/context",
                name: "worksection-task-context",
                title: "A Worksection task with its discussion",
                description: "A task's fields and text, every comment, and every file attached anywhere in its thread, as JSON.",
                mime_type: Some("application/json"),
            },
        ]
    }

    async fn read_resource(
        &self,
        client: &WorksectionClient,
        uri: &str,
        budget: Budget,
    ) -> Result<Option<Vec<ResourceContent>>> {
        let Some(rest) = uri.strip_prefix("worksection://") else {
            return Ok(None);
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match rest.split('/').collect::<Vec<_>>().as_slice() {
            ["file", id] if digits(id) => {
                Ok(Some(vec![tools::files::file_resource(client, id).await?]))
            }
            ["task", id, "context"] if digits(id) => {
                let thread = tools::comments::discussion(client, id, budget).await?;
                Ok(Some(vec![ResourceContent::Text {
                    uri: uri.to_owned(),
                    mime_type: "application/json".into(),
                    text: thread.to_string(),
                }]))
            }
            _ => Ok(None),
        }
    }

    fn oauth_app(&self, config: &WorksectionConfig) -> Option<OAuthApp> {
        let (id, secret) = (
            config.oauth_client_id.clone()?,
            config.oauth_client_secret.clone()?,
        );
        let base = config.oauth_base().ok()?;
        let join = |p: &str| base.join(p).ok();
        let mut app = OAuthApp::new(
            "Worksection",
            id,
            secret,
            join("/oauth2/authorize")?,
            join("/oauth2/token")?,
        );
        // Worksection refreshes at its own endpoint, not the token endpoint.
        app.refresh_url = join("/oauth2/refresh")?;
        app.scopes = OAUTH_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        app.scope_separator = ",";
        Some(app)
    }

    fn credentials_from_tokens(
        &self,
        tokens: &TokenSet,
        previous: Option<&Credentials>,
    ) -> Result<Credentials> {
        // The code exchange names the account; a refresh answer does not, so keep it.
        let account = tokens
            .extra
            .get("account_url")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .or_else(|| {
                previous
                    .and_then(|p| p.get("account_url"))
                    .map(|a| a.expose_secret().to_owned())
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    "Worksection's token answer names no account_url; reconnect the account",
                )
            })?;
        Ok(tokens
            .credentials(CredentialKind::OAuth2AuthorizationCode, previous)
            .with("account_url", account))
    }

    fn credentials_expire_at(&self, credentials: &Credentials) -> Option<u64> {
        credentials.get("expires_at")?.expose_secret().parse().ok()
    }

    fn refresh_token<'c>(&self, credentials: &'c Credentials) -> Option<&'c SecretString> {
        credentials.get("refresh_token")
    }
}

/// The gateway's registration entry.
pub fn registration() -> Option<Registration> {
    Some(Registration {
        id: ID,
        connector: || connector_core::erase(Worksection),
        #[cfg(feature = "fake")]
        fake: Some(|| Box::pin(fake::start())),
        #[cfg(not(feature = "fake"))]
        fake: None,
    })
}
