//! `POST /oauth/token` (authorization code with PKCE, refresh with rotation) and
//! `POST /oauth/revoke` (RFC 7009).

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{AuthServer, clients, no_store, oauth_error};
use crate::store::{Minted, RefreshRefused};

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn form_of(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn grant_error(error: &str, description: impl Into<String>) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

fn issued(m: Minted) -> Response {
    no_store(
        Json(json!({
            "access_token": m.access_token,
            "token_type": "Bearer",
            "expires_in": m.expires_in,
            "refresh_token": m.refresh_token,
            "scope": m.scopes.join(" "),
        }))
        .into_response(),
    )
}

/// PKCE S256: BASE64URL(SHA256(verifier)) equals the challenge (RFC 7636 §4.6).
fn pkce_ok(verifier: &str, challenge: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

pub async fn token(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = form_of(&body);
    let client = match clients::authenticate(&server, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let store = server.connections.store();
    let access_ttl = server.config.access_token_ttl_secs;
    let refresh_ttl = server.config.refresh_token_ttl_secs;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (form.get("code"), form.get("code_verifier")) else {
                return grant_error("invalid_request", "code and code_verifier are required");
            };
            let grant = match store.redeem_code(code).await {
                Ok(Some(g)) => g,
                Ok(None) => {
                    return grant_error(
                        "invalid_grant",
                        "the authorization code is unknown, expired or already used",
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "code redemption failed");
                    return oauth_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "try again",
                    );
                }
            };
            if grant.client_id != client.client_id {
                return grant_error(
                    "invalid_grant",
                    "the authorization code was issued to another client",
                );
            }
            if form
                .get("redirect_uri")
                .is_some_and(|r| *r != grant.redirect_uri)
            {
                return grant_error(
                    "invalid_grant",
                    "redirect_uri differs from the one in the authorization request",
                );
            }
            if !pkce_ok(verifier, &grant.code_challenge) {
                return grant_error(
                    "invalid_grant",
                    "the code_verifier does not match the code_challenge",
                );
            }
            if form.get("resource").is_some_and(|r| *r != grant.resource) {
                return grant_error(
                    "invalid_target",
                    "resource differs from the one in the authorization request",
                );
            }
            match store
                .mint_tokens(
                    &grant.tenant_id,
                    &grant.member_id,
                    &client.client_id,
                    &grant.scopes,
                    &grant.resource,
                    &grant.family_id,
                    access_ttl,
                    refresh_ttl,
                )
                .await
            {
                Ok(m) => issued(m),
                Err(crate::store::StoreError::Conflict(why)) => grant_error("invalid_grant", why),
                Err(e) => {
                    tracing::error!(error = %e, "tokens not minted");
                    oauth_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "try again",
                    )
                }
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = form.get("refresh_token") else {
                return grant_error("invalid_request", "refresh_token is required");
            };
            if form.get("resource").is_some_and(|r| *r != server.resource) {
                return grant_error(
                    "invalid_target",
                    format!("this server issues tokens only for {}", server.resource),
                );
            }
            // An empty `scope` is no scope parameter: the grant's scopes, never none.
            let scopes: Option<Vec<String>> = form
                .get("scope")
                .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                .filter(|s| !s.is_empty());
            match store
                .rotate_refresh(
                    refresh,
                    &client.client_id,
                    scopes.as_deref(),
                    access_ttl,
                    refresh_ttl,
                )
                .await
            {
                Ok(Ok(m)) => issued(m),
                Ok(Err(RefreshRefused::Reused)) => grant_error(
                    "invalid_grant",
                    "this refresh token was already used; every token of this grant is now revoked, so sign in again",
                ),
                Ok(Err(RefreshRefused::Invalid)) => grant_error(
                    "invalid_grant",
                    "the refresh token is unknown, expired, revoked, of another client, or asks for more scopes than granted",
                ),
                Err(crate::store::StoreError::Conflict(why)) => grant_error("invalid_grant", why),
                Err(e) => {
                    tracing::error!(error = %e, "refresh failed");
                    oauth_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "try again",
                    )
                }
            }
        }
        Some(other) => grant_error(
            "unsupported_grant_type",
            format!(
                "grant_type `{other}` is not supported; use authorization_code or refresh_token"
            ),
        ),
        None => grant_error("invalid_request", "grant_type is required"),
    }
}

/// RFC 7009: always 200 for a well-formed request, whether or not the token existed.
pub async fn revoke(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = form_of(&body);
    let client = match clients::authenticate(&server, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = form.get("token") else {
        return grant_error("invalid_request", "token is required");
    };
    if let Err(e) = server
        .connections
        .store()
        .revoke_oauth_token(token, &client.client_id)
        .await
    {
        tracing::error!(error = %e, "revocation failed");
        return oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "try again",
        );
    }
    no_store(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_an_independent_computation() {
        // The challenge computed with Python's hashlib and base64 for this verifier.
        assert!(pkce_ok(
            "dBjftJeZ4CVP-mJ92K1EFDmcwR2MxjmtrdU-Ozsa_8U",
            "Zb5DeN7lpDB1k2R5mN4BgN3gMMVa1dzQG29J3R8u_Mo"
        ));
        assert!(!pkce_ok(
            "dBjftJeZ4CVP-mJ92K1EFDmcwR2MxjmtrdU-Ozsa_8V",
            "E9Melhoa2OwvFrEMTJguCHaoeUdtjtAjzv51lGzYkgU"
        ));
        assert!(!pkce_ok(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeUdtjtAjzv51lGzYkgU"
        ));
    }
}
