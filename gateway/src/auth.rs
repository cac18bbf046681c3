//! Bearer-token authentication for the MCP endpoint.
//!
//! Static tokens are configured by their SHA-256, so the config never holds a usable
//! secret. A missing or unknown token gets 401 with a `WWW-Authenticate` challenge that
//! points at the protected-resource metadata URL.

use std::{collections::HashSet, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

/// Who is calling, put into the request extensions for the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Anonymous access on loopback (`auth.allow_anonymous`): the configured accounts.
    Anonymous,
    /// A static operator token, identified by the first 12 hex digits of its hash: the
    /// configured accounts.
    Token { id: String },
    /// A team's token: that team's connections only.
    Tenant(crate::store::TokenGrant),
}

#[derive(Debug)]
pub struct TokenAuth {
    hashes: HashSet<[u8; 32]>,
    allow_anonymous: bool,
    resource_metadata_url: String,
    /// The canonical MCP URL: OAuth tokens must have been issued for it.
    resource: String,
    /// The scopes a client should ask for, named in the 401 challenge.
    scopes: Vec<String>,
    store: Option<Arc<crate::store::Store>>,
    /// In `demo --allow-anonymous`: who a token-less request acts as.
    anonymous_as: Option<crate::store::TokenGrant>,
}

/// The SHA-256 of a token, hex-encoded, as `auth.token_sha256` takes it.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks the scopes a token is to carry: `tenant:admin`, or `<connector>:read` /
/// `<connector>:write` for one of `connectors`. None at all means every tool.
pub fn check_scopes(scopes: &[String], connectors: &[&str]) -> Result<(), String> {
    for scope in scopes {
        let known = scope == crate::api::ADMIN_SCOPE
            || scope.split_once(':').is_some_and(|(c, level)| {
                connectors.contains(&c) && (level == "read" || level == "write")
            });
        if !known {
            let mut examples: Vec<String> = connectors
                .iter()
                .flat_map(|c| [format!("{c}:read"), format!("{c}:write")])
                .collect();
            examples.push(crate::api::ADMIN_SCOPE.to_owned());
            return Err(format!(
                "`{scope}` is not a scope; the scopes are {}",
                examples.join(", ")
            ));
        }
    }
    Ok(())
}

/// A fresh random token: 32 bytes, URL-safe.
pub fn new_token() -> String {
    format!("sb_{}", hex::encode(rand::random::<[u8; 32]>()))
}

impl TokenAuth {
    pub fn new(
        hex_hashes: &[String],
        allow_anonymous: bool,
        resource_metadata_url: String,
    ) -> Self {
        let hashes = hex_hashes
            .iter()
            .filter_map(|h| hex::decode(h).ok())
            .filter_map(|b| <[u8; 32]>::try_from(b).ok())
            .collect();
        TokenAuth {
            hashes,
            allow_anonymous,
            resource_metadata_url,
            resource: String::new(),
            scopes: Vec::new(),
            store: None,
            anonymous_as: None,
        }
    }

    /// The resource tokens must be for, and the scopes the 401 challenge names.
    pub fn with_resource(mut self, resource: String, scopes: Vec<String>) -> Self {
        self.resource = resource;
        self.scopes = scopes;
        self
    }

    /// Also accepts teams' tokens from the store.
    pub fn with_store(mut self, store: Arc<crate::store::Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Token-less requests act as this team member (demo, loopback only).
    pub fn with_anonymous_as(mut self, grant: crate::store::TokenGrant) -> Self {
        self.anonymous_as = Some(grant);
        self
    }

    /// Static tokens first (`verdict`), then the store's. Takes the token owned, so the
    /// request is not held across the store's await.
    async fn authenticate(
        &self,
        verdict: Result<Caller, &'static str>,
        token: Option<String>,
    ) -> Result<Caller, &'static str> {
        match verdict {
            Ok(Caller::Anonymous) => Ok(self
                .anonymous_as
                .clone()
                .map_or(Caller::Anonymous, Caller::Tenant)),
            Err("the bearer token is not valid") if self.store.is_some() => {
                let token = token.ok_or("the bearer token is not valid")?;
                let Some(store) = &self.store else {
                    return Err("the bearer token is not valid");
                };
                match store.verify_token_for(&token, &self.resource).await {
                    Ok(Some(grant)) => Ok(Caller::Tenant(grant)),
                    Ok(None) => {
                        Err("the bearer token is not valid, was revoked, or its team is not active")
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "token check failed");
                        Err("the token could not be checked just now; try again")
                    }
                }
            }
            other => other,
        }
    }

    fn verify(&self, req: &Request) -> Result<Caller, &'static str> {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return if self.allow_anonymous {
                Ok(Caller::Anonymous)
            } else {
                Err("a bearer token is required")
            };
        }
        let token = bearer(req).ok_or("the Authorization header must be `Bearer <token>`")?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Set membership on a hash of the token: timing reveals nothing about the token.
        if self.hashes.contains(&digest) {
            Ok(Caller::Token {
                id: hex::encode(&digest[..6]),
            })
        } else {
            Err("the bearer token is not valid")
        }
    }

    /// 401 with the RFC 9728 pointer and the scopes to ask for. A request without a
    /// token gets no error code (RFC 6750 §3.1); a bad token gets `invalid_token`.
    fn challenge(&self, description: &str, token_given: bool) -> Response {
        let mut value = format!(
            "Bearer resource_metadata=\"{}\"",
            self.resource_metadata_url
        );
        if !self.scopes.is_empty() {
            value.push_str(&format!(", scope=\"{}\"", self.scopes.join(" ")));
        }
        if token_given {
            value.push_str(&format!(
                ", error=\"invalid_token\", error_description=\"{description}\""
            ));
        }
        let mut resp = (
            StatusCode::UNAUTHORIZED,
            axum::Json(
                serde_json::json!({"error": "invalid_token", "error_description": description}),
            ),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim)
}

/// The axum middleware in front of `/mcp`.
pub async fn require_token(
    State(auth): State<Arc<TokenAuth>>,
    mut req: Request,
    next: Next,
) -> Response {
    let verdict = auth.verify(&req);
    let token = bearer(&req).map(str::to_owned);
    match auth.authenticate(verdict, token).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(why) => auth.challenge(why, req.headers().contains_key(header::AUTHORIZATION)),
    }
}

/// Whether a token's `scopes` cover `connector` for reading or writing
/// (`<connector>:read` or `<connector>:write`; write includes read; none means all).
pub fn scopes_allow(scopes: &[String], connector: &str, writes: bool) -> Result<(), String> {
    let write_scope = format!("{connector}:write");
    let needed = if writes {
        write_scope.clone()
    } else {
        format!("{connector}:read")
    };
    if scopes.is_empty() || scopes.iter().any(|s| *s == needed || *s == write_scope) {
        Ok(())
    } else {
        Err(format!(
            "this token lacks the scope {needed}; issue a token with it"
        ))
    }
}

/// The tool a JSON-RPC message calls, if it is a `tools/call`.
fn tool_called(message: &serde_json::Value) -> Option<String> {
    (message["method"] == "tools/call")
        .then(|| message["params"]["name"].as_str().map(str::to_owned))
        .flatten()
}

/// What the scope check before the MCP endpoint needs.
#[derive(Debug)]
pub struct ScopeGate {
    pub registry: Arc<crate::registry::Registry>,
    pub resource_metadata_url: String,
}

/// Refuses a `tools/call` whose tool needs a scope the token lacks, with 403
/// `insufficient_scope` naming every scope to ask for (the token's own plus the one
/// missing), before the request reaches rmcp. The tool comes from `Mcp-Method` /
/// `Mcp-Name` (2026-07-28) or from the JSON-RPC body (2025-11-25).
pub async fn require_scope(
    State(gate): State<Arc<ScopeGate>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(Caller::Tenant(grant)) = req.extensions().get::<Caller>().cloned() else {
        return next.run(req).await;
    };
    if grant.scopes.is_empty() || req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (method, name) = (header("mcp-method"), header("mcp-name"));
    // The body was read and checked as JSON by the guard in front; this is a copy.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    // The body decides (a header that disagrees with it does not); on 2026-07-28 the
    // headers name the same call, and a legacy batch is checked call by call.
    let mut tools: Vec<String> = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Array(calls)) => calls.iter().filter_map(tool_called).collect(),
        Ok(one) => tool_called(&one).into_iter().collect(),
        Err(_) => Vec::new(),
    };
    if tools.is_empty()
        && method.as_deref() == Some("tools/call")
        && let Some(n) = name
    {
        tools.push(n);
    }
    let mut missing: Vec<(String, String)> = Vec::new();
    for tool in &tools {
        if let Some((t, active)) = gate.registry.tool(tool) {
            let connector = active.connector.info().id;
            let writes = t.spec().access == connector_core::Access::Write;
            if let Err(why) = scopes_allow(&grant.scopes, connector, writes) {
                missing.push((
                    format!("{connector}:{}", if writes { "write" } else { "read" }),
                    why,
                ));
            }
        }
    }
    if let Some((_, why)) = missing.first() {
        let mut scopes = grant.scopes.clone();
        for (needed, _) in &missing {
            if !scopes.contains(needed) {
                scopes.push(needed.clone());
            }
        }
        let value = format!(
            "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}\", error_description=\"{why}\"",
            scopes.join(" "),
            gate.resource_metadata_url
        );
        let mut resp = (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"error": "insufficient_scope", "error_description": why, "scope": scopes.join(" ")})),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return resp;
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_hash() {
        let token = new_token();
        let auth = TokenAuth::new(
            &[hash_token(&token)],
            false,
            "http://x/.well-known/oauth-protected-resource/mcp".into(),
        );
        let req = |v: Option<&str>| {
            let mut b = axum::http::Request::builder();
            if let Some(v) = v {
                b = b.header(header::AUTHORIZATION, v);
            }
            b.body(axum::body::Body::empty()).unwrap()
        };
        assert!(matches!(
            auth.verify(&req(Some(&format!("Bearer {token}")))),
            Ok(Caller::Token { .. })
        ));
        assert!(auth.verify(&req(Some("Bearer wrong"))).is_err());
        assert!(auth.verify(&req(None)).is_err());
        assert!(auth.verify(&req(Some(&token))).is_err());
    }
}
