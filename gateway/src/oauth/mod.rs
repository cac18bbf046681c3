//! The OAuth 2.1 authorization server for AI clients (MCP authorization, 2025-11-25 and
//! 2026-07-28): discovery (RFC 9728, RFC 8414), clients (RFC 7591 registration, Client
//! ID Metadata Documents, pre-registered), `/oauth/authorize` with sign-in by email code
//! and consent, `/oauth/token` (PKCE S256, RFC 8707 `resource`, rotating refresh
//! tokens), `/oauth/revoke` (RFC 7009).
//!
//! Access tokens are opaque and stored hashed like the teams' API tokens; they carry the
//! team, member, client, scopes and the resource (this server's MCP URL) they are for.

mod clients;
mod pages;
mod sso;
mod token;

use std::sync::Arc;

use axum::{
    Json, Router,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{config::OAuthConfig, connections::Connections, mail::Mailer};

pub use clients::{Fetcher, check_redirect_uri};

/// Codes live ten minutes, as do pending authorization requests.
const CODE_TTL_SECS: i64 = 600;
/// A browser's sign-in lasts a day.
const SESSION_TTL_SECS: i64 = 86_400;

/// What the authorization server needs.
#[derive(Debug, Clone)]
pub struct AuthServer {
    pub connections: Arc<Connections>,
    pub mailer: Mailer,
    pub config: OAuthConfig,
    /// The issuer: `server.public_url`, without a trailing slash.
    pub issuer: String,
    /// The canonical MCP URL: the one resource tokens are issued for.
    pub resource: String,
    pub fetcher: Arc<Fetcher>,
    /// The header the operator's proxy puts the client's address in (`registration.client_ip_header`).
    pub client_ip_header: String,
}

impl AuthServer {
    pub fn new(
        connections: Arc<Connections>,
        mailer: Mailer,
        config: OAuthConfig,
        public_url: &str,
        mcp_url: &str,
    ) -> Result<AuthServer, String> {
        let fetcher = Fetcher::new(&config)?;
        Ok(AuthServer {
            connections,
            mailer,
            config,
            issuer: public_url.trim_end_matches('/').to_owned(),
            resource: mcp_url.to_owned(),
            fetcher: Arc::new(fetcher),
            client_ip_header: String::new(),
        })
    }

    /// `<connector>:read` and `<connector>:write` for every connector served.
    pub fn scopes_supported(&self) -> Vec<String> {
        scopes_of(self.connections.registry())
    }

    /// Where the client's address is found behind a proxy.
    pub fn with_client_ip_header(mut self, header: &str) -> Self {
        self.client_ip_header = header.to_owned();
        self
    }

    /// A per-address budget: `None` while it holds, else the 429 to answer.
    async fn over_budget(
        &self,
        what: &str,
        parts: &axum::http::request::Parts,
        limit: i64,
    ) -> Option<Response> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        let ip = crate::api::client_ip(&self.client_ip_header, &parts.headers, peer);
        let store = self.connections.store();
        let key = format!("{what}|{}", store.signer("client-ip").signature(&ip));
        match store.rate_limited(&key, limit, 3600).await {
            Ok(None) => None,
            Ok(Some(after)) => {
                let mut r = oauth_error(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "temporarily_unavailable",
                    format!("too many requests from your address; try again in {after} s"),
                );
                if let Ok(v) = axum::http::HeaderValue::from_str(&after.to_string()) {
                    r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                }
                Some(r)
            }
            Err(e) => {
                tracing::error!(error = %e, "rate counter failed");
                None
            }
        }
    }

    fn secure_cookies(&self) -> bool {
        self.issuer.starts_with("https://")
    }

    fn metadata(&self) -> Value {
        let iss = &self.issuer;
        json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/oauth/authorize"),
            "token_endpoint": format!("{iss}/oauth/token"),
            "registration_endpoint": self.config.dynamic_registration.then(|| format!("{iss}/oauth/register")),
            "revocation_endpoint": format!("{iss}/oauth/revoke"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "scopes_supported": self.scopes_supported(),
            "client_id_metadata_document_supported": self.config.client_metadata_documents,
            "authorization_response_iss_parameter_supported": true,
            "service_documentation": format!("{iss}/"),
        })
    }

    fn protected_resource(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": self.scopes_supported(),
            "bearer_methods_supported": ["header"],
            "resource_name": "Switchboard",
        })
    }
}

/// The scopes a registry's connectors define.
pub fn scopes_of(registry: &crate::registry::Registry) -> Vec<String> {
    registry
        .connectors()
        .flat_map(|a| {
            let id = a.connector.info().id;
            [format!("{id}:read"), format!("{id}:write")]
        })
        .collect()
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    resp
}

/// An RFC 6749 §5.2 / RFC 7591 §3.2.2 error body.
fn oauth_error(
    status: axum::http::StatusCode,
    error: &str,
    description: impl Into<String>,
) -> Response {
    no_store(
        (
            status,
            Json(json!({"error": error, "error_description": description.into()})),
        )
            .into_response(),
    )
}

pub fn router(server: AuthServer) -> Router {
    let server = Arc::new(server);
    let metadata = {
        let s = server.clone();
        move || {
            let s = s.clone();
            async move { Json(s.metadata()) }
        }
    };
    let resource = {
        let s = server.clone();
        move || {
            let s = s.clone();
            async move { Json(s.protected_resource()) }
        }
    };
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata.clone()),
        )
        .route(
            "/.well-known/oauth-authorization-server/mcp",
            get(metadata.clone()),
        )
        .route("/.well-known/openid-configuration", get(metadata.clone()))
        .route(
            "/.well-known/openid-configuration/mcp",
            get(metadata.clone()),
        )
        .route("/mcp/.well-known/openid-configuration", get(metadata))
        .route(
            "/.well-known/oauth-protected-resource",
            get(resource.clone()),
        )
        .route("/.well-known/oauth-protected-resource/mcp", get(resource))
        .route("/oauth/register", post(clients::register))
        .route("/oauth/authorize", get(pages::authorize))
        .route("/oauth/continue", get(pages::show).post(pages::act))
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .route("/oauth/sso/callback", get(sso::callback))
        .with_state(server)
}
