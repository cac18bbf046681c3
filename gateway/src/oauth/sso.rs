//! Sign-in through a team's own OIDC provider (company SSO): an authorization-code flow
//! with PKCE and a nonce to the provider (`resource` is never forwarded to it), the ID
//! token verified against the provider's JWKS (RS256 or ES256), its issuer, audience,
//! expiry and nonce. The person's address must be at the team's domain; one who is not
//! yet a member becomes one.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AuthServer;
use crate::{
    auth::hash_token,
    html::{escape, page},
    store::{Role, Sso, SsoState},
};

const STATE_TTL_SECS: i64 = 600;
/// Clock skew allowed on `exp` and `iat`.
const SKEW_SECS: i64 = 120;

fn http() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}

/// The endpoints a provider's discovery document names.
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

async fn get_json(url: &str) -> Result<Value, String> {
    let resp = http()?
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url} could not be reached: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered HTTP {}", resp.status().as_u16()));
    }
    resp.json()
        .await
        .map_err(|e| format!("{url} did not answer JSON: {e}"))
}

async fn discover(sso: &Sso) -> Result<Provider, String> {
    let doc = get_json(&format!("{}/.well-known/openid-configuration", sso.issuer)).await?;
    if doc["issuer"].as_str().map(|i| i.trim_end_matches('/')) != Some(sso.issuer.as_str()) {
        return Err(format!(
            "the provider's discovery document names another issuer than {}",
            sso.issuer
        ));
    }
    let field = |k: &str| {
        doc[k]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("the provider's discovery document has no {k}"))
    };
    Ok(Provider {
        authorization_endpoint: field("authorization_endpoint")?,
        token_endpoint: field("token_endpoint")?,
        jwks_uri: field("jwks_uri")?,
    })
}

fn redirect_uri(server: &AuthServer) -> String {
    format!("{}/oauth/sso/callback", server.issuer)
}

/// Sends the browser to the team's provider for the pending `request_id`.
pub async fn start(server: &AuthServer, sso: &Sso, request_id: &str, session_id: &str) -> Response {
    let provider = match discover(sso).await {
        Ok(p) => p,
        Err(why) => {
            tracing::warn!(issuer = %sso.issuer, error = %why, "SSO discovery failed");
            return page(
                StatusCode::BAD_GATEWAY,
                "Your company's sign-in is not reachable",
                &format!(
                    "<p class=\"error\">{}</p><p>Try again shortly, or tell your team admin.</p>",
                    escape(&why)
                ),
            );
        }
    };
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let state = match server
        .connections
        .store()
        .create_sso_state(
            &SsoState {
                request_id: request_id.to_owned(),
                session_sha256: hash_token(session_id),
                tenant_id: sso.tenant_id.clone(),
                nonce: nonce.clone(),
                code_verifier: verifier,
            },
            STATE_TTL_SECS,
        )
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "SSO state not saved");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "<p>Try again.</p>",
            );
        }
    };
    let Ok(mut url) = url::Url::parse(&provider.authorization_endpoint) else {
        return page(
            StatusCode::BAD_GATEWAY,
            "Sign-in failed",
            "<p>The provider's authorization endpoint is not a URL.</p>",
        );
    };
    // No `resource`: that names this server to its own clients, not to the provider.
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &sso.client_id)
        .append_pair("redirect_uri", &redirect_uri(server))
        .append_pair("scope", "openid email")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    crate::html::harden(resp)
}

fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| "the ID token is not base64url".to_owned())
}

/// Verifies a compact JWS against a JWKS: RS256 or ES256 only (never `none` or HMAC).
pub fn verify_jws(token: &str, jwks: &Value) -> Result<Value, String> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a compact JWS".into());
    };
    let header: Value =
        serde_json::from_slice(&b64(h)?).map_err(|_| "the ID token's header is not JSON")?;
    let alg = header["alg"].as_str().unwrap_or_default();
    let kid = header["kid"].as_str();
    let keys = jwks["keys"]
        .as_array()
        .ok_or("the provider's JWKS has no keys")?;
    let key = keys
        .iter()
        .filter(|k| k["use"].as_str().is_none_or(|u| u == "sig"))
        .find(|k| kid.is_none_or(|kid| k["kid"].as_str() == Some(kid)))
        .ok_or("no key in the provider's JWKS matches the ID token")?;
    let message = format!("{h}.{p}");
    let signature = b64(s)?;
    let ok = match alg {
        "RS256" => {
            let (Some(n), Some(e)) = (key["n"].as_str(), key["e"].as_str()) else {
                return Err("the provider's RSA key lacks n or e".into());
            };
            ring::signature::RsaPublicKeyComponents {
                n: b64(n)?,
                e: b64(e)?,
            }
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .is_ok()
        }
        "ES256" => {
            let (Some(x), Some(y)) = (key["x"].as_str(), key["y"].as_str()) else {
                return Err("the provider's EC key lacks x or y".into());
            };
            let mut point = vec![4u8];
            point.extend(b64(x)?);
            point.extend(b64(y)?);
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                point,
            )
            .verify(message.as_bytes(), &signature)
            .is_ok()
        }
        other => {
            return Err(format!(
                "the ID token is signed with {other}; only RS256 and ES256 are accepted"
            ));
        }
    };
    if !ok {
        return Err("the ID token's signature does not verify".into());
    }
    serde_json::from_slice(&b64(p)?).map_err(|_| "the ID token's claims are not JSON".into())
}

/// `GET /oauth/sso/callback`: the provider's answer.
pub async fn callback(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let failed = |why: &str| {
        page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            &format!(
                "<p class=\"error\">{}</p><p>Start again from your AI client.</p>",
                escape(why)
            ),
        )
    };
    let store = server.connections.store();
    let Some(state) = q.get("state") else {
        return failed("The provider's answer has no state.");
    };
    let pending = match store.take_sso_state(state).await {
        Ok(Some(p)) => p,
        Ok(None) => return failed("This sign-in was already used or has expired."),
        Err(e) => {
            tracing::error!(error = %e, "SSO state lookup failed");
            return failed("The sign-in could not be checked just now.");
        }
    };
    let Some(session) = super::pages::session_cookie_value(&server, &headers) else {
        return failed("Your browser did not keep the sign-in cookie.");
    };
    if hash_token(session) != pending.session_sha256 {
        return failed("This sign-in was started in another browser.");
    }
    if let Some(error) = q.get("error") {
        return failed(&format!("Your company's sign-in refused: {error}"));
    }
    let Some(code) = q.get("code") else {
        return failed("The provider's answer has no code.");
    };
    let sso = match store.sso_of(&pending.tenant_id).await {
        Ok(Some(s)) => s,
        _ => return failed("The team no longer signs in through this provider."),
    };
    let email = match verified_email(&server, &sso, code, &pending).await {
        Ok(e) => e,
        Err(why) => {
            tracing::warn!(issuer = %sso.issuer, error = %why, "SSO sign-in refused");
            return failed(&why);
        }
    };
    // The provider vouches for the address; a person of the team's domain who is not
    // yet a member becomes one.
    let members = store.members(&sso.tenant_id).await.unwrap_or_default();
    if !members.iter().any(|m| m.email == email)
        && let Err(e) = store.add_member(&sso.tenant_id, &email, Role::Member).await
    {
        tracing::error!(error = %e, "SSO member not added");
        return failed("You could not be added to the team just now.");
    }
    match store
        .renew_session(session, Some(&email), super::SESSION_TTL_SECS)
        .await
    {
        Ok(id) => {
            tracing::info!(tenant = %sso.tenant_id, "signed in through the team's provider");
            let mut resp = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) =
                HeaderValue::from_str(&format!("/oauth/continue?request={}", pending.request_id))
            {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp.headers_mut().insert(
                header::SET_COOKIE,
                super::pages::session_cookie(&server, &id),
            );
            crate::html::harden(resp)
        }
        Err(e) => {
            tracing::error!(error = %e, "session not renewed");
            failed("The sign-in could not be saved; try again.")
        }
    }
}

/// Exchanges the code at the provider and checks its ID token; returns the address.
async fn verified_email(
    server: &AuthServer,
    sso: &Sso,
    code: &str,
    pending: &SsoState,
) -> Result<String, String> {
    let provider = discover(sso).await?;
    let resp = http()?
        .post(&provider.token_endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri(server)),
            ("client_id", &sso.client_id),
            ("client_secret", &sso.client_secret),
            ("code_verifier", &pending.code_verifier),
        ])
        .send()
        .await
        .map_err(|e| format!("the provider's token endpoint could not be reached: {e}"))?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!(
            "the provider refused the code ({})",
            body["error"].as_str().unwrap_or("no reason given")
        ));
    }
    let id_token = body["id_token"]
        .as_str()
        .ok_or("the provider sent no ID token")?;
    let jwks = get_json(&provider.jwks_uri).await?;
    let claims = verify_jws(id_token, &jwks)?;
    let now = super::token::now();
    if claims["iss"].as_str().map(|i| i.trim_end_matches('/')) != Some(sso.issuer.as_str()) {
        return Err("the ID token was issued by another provider".into());
    }
    let audience_ok = match &claims["aud"] {
        Value::String(a) => *a == sso.client_id,
        Value::Array(a) => a.iter().any(|x| x.as_str() == Some(sso.client_id.as_str())),
        _ => false,
    };
    if !audience_ok {
        return Err("the ID token is meant for another client".into());
    }
    if claims["exp"]
        .as_i64()
        .is_none_or(|exp| exp + SKEW_SECS < now)
    {
        return Err("the ID token has expired".into());
    }
    if claims["iat"]
        .as_i64()
        .is_some_and(|iat| iat > now + SKEW_SECS)
    {
        return Err("the ID token is issued in the future".into());
    }
    if claims["nonce"].as_str() != Some(pending.nonce.as_str()) {
        return Err("the ID token is not for this sign-in (nonce)".into());
    }
    if claims["email_verified"] == Value::Bool(false) {
        return Err("the provider has not verified your address".into());
    }
    let email = claims["email"]
        .as_str()
        .map(|e| e.trim().to_ascii_lowercase())
        .ok_or("the ID token names no email address")?;
    if !email.ends_with(&format!("@{}", sso.email_domain)) {
        return Err(format!("{email} is not an address at {}", sso.email_domain));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jws(alg: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(format!("{{\"alg\":\"{alg}\",\"kid\":\"k\"}}"));
        let p = URL_SAFE_NO_PAD.encode("{\"sub\":\"x\"}");
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode("sig"))
    }

    #[test]
    fn only_rs256_and_es256_signatures_are_accepted() {
        let jwks = serde_json::json!({"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]});
        for alg in ["none", "HS256", "RS512"] {
            let err = verify_jws(&jws(alg), &jwks).unwrap_err();
            assert!(err.contains("only RS256 and ES256"), "{alg}: {err}");
        }
        let err = verify_jws("a.b", &jwks).unwrap_err();
        assert!(err.contains("compact JWS"), "{err}");
        let rsa =
            serde_json::json!({"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]});
        let err = verify_jws(&jws("RS256"), &rsa).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
    }
}
