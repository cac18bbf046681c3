//! Who may ask for tokens: clients registered by RFC 7591 Dynamic Client Registration,
//! clients whose `client_id` is the URL of a Client ID Metadata Document, and clients
//! the operator pre-registered (confidential, with a secret).

use std::{sync::Arc, time::Duration};

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use url::Url;

use super::{AuthServer, no_store, oauth_error};
use crate::{auth::hash_token, config::OAuthConfig, store::OAuthClient};

/// Schemes a browser must never be sent to with a code.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "blob", "about"];

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a redirect URI may be registered: `https://…`, `http://` to a loopback host
/// only (RFC 8252 §7.3), or a private-use scheme such as `cursor://…` (RFC 8252 §7.1);
/// never a fragment, and never a scheme that runs code in the browser.
pub fn check_redirect_uri(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URI ({e})"))?;
    if url.fragment().is_some() {
        return Err(format!(
            "`{raw}` has a fragment, which redirect URIs may not have"
        ));
    }
    match url.scheme() {
        "https" if url.host_str().is_none() => Err(format!("`{raw}` has no host")),
        "http" if !url.host_str().is_some_and(is_loopback_host) => Err(format!(
            "`{raw}` uses plain http to a host that is not loopback; use https, or http://localhost or http://127.0.0.1 for a local app"
        )),
        s if FORBIDDEN_SCHEMES.contains(&s) => Err(format!(
            "`{raw}` uses the scheme {s}:, which is not allowed"
        )),
        _ => Ok(()),
    }?;
    Ok(url)
}

/// Whether `asked` is one of `registered`: exact match, except that the port of a
/// loopback `http` URI may differ (RFC 8252 §7.3: native apps pick a free port).
pub fn redirect_matches(registered: &[String], asked: &str) -> bool {
    if asked.contains('#') {
        return false;
    }
    if registered.iter().any(|r| r == asked) {
        return true;
    }
    let Ok(a) = Url::parse(asked) else {
        return false;
    };
    if a.scheme() != "http" || !a.host_str().is_some_and(is_loopback_host) {
        return false;
    }
    registered
        .iter()
        .filter_map(|r| Url::parse(r).ok())
        .any(|r| {
            r.scheme() == "http"
                && r.host_str() == a.host_str()
                && r.path() == a.path()
                && r.query() == a.query()
        })
}

fn register_error(error: &str, description: impl Into<String>) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// `POST /oauth/register` (RFC 7591). What real clients send is accepted: Claude's and
/// ChatGPT's https callbacks, Cursor's three URIs with its custom scheme, loopback URIs.
pub async fn register(
    State(server): State<Arc<AuthServer>>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Response {
    if let Some(refused) = server
        .over_budget(
            "register",
            &parts,
            server.config.registrations_per_ip_per_hour,
        )
        .await
    {
        return refused;
    }
    if !server.config.dynamic_registration {
        return register_error(
            "invalid_client_metadata",
            "this server does not take dynamic registrations; ask its operator for a client id",
        );
    }
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&body) else {
        return register_error(
            "invalid_client_metadata",
            "the body must be a JSON object of client metadata",
        );
    };
    let uris: Vec<String> = match m.get("redirect_uris") {
        Some(Value::Array(a)) if !a.is_empty() => {
            match a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
            {
                Some(u) => u,
                None => {
                    return register_error("invalid_redirect_uri", "redirect_uris must be strings");
                }
            }
        }
        _ => {
            return register_error(
                "invalid_redirect_uri",
                "redirect_uris is required: a non-empty array of URIs",
            );
        }
    };
    if uris.len() > 10 || uris.iter().any(|u| u.len() > 2000) {
        return register_error(
            "invalid_redirect_uri",
            "at most 10 redirect_uris of at most 2000 characters each",
        );
    }
    for uri in &uris {
        if let Err(why) = check_redirect_uri(uri) {
            return register_error("invalid_redirect_uri", why);
        }
    }
    let auth_method = m
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .unwrap_or("client_secret_basic")
        .to_owned();
    if !["none", "client_secret_basic", "client_secret_post"].contains(&auth_method.as_str()) {
        return register_error(
            "invalid_client_metadata",
            format!(
                "token_endpoint_auth_method `{auth_method}` is not supported; use none, client_secret_basic or client_secret_post"
            ),
        );
    }
    let strings = |key: &str| -> Option<Vec<String>> {
        m.get(key)?.as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    };
    let grant_types = strings("grant_types").unwrap_or_else(|| vec!["authorization_code".into()]);
    if let Some(g) = grant_types
        .iter()
        .find(|g| !["authorization_code", "refresh_token"].contains(&g.as_str()))
    {
        return register_error(
            "invalid_client_metadata",
            format!("grant type `{g}` is not supported; use authorization_code and refresh_token"),
        );
    }
    let response_types = strings("response_types").unwrap_or_else(|| vec!["code".into()]);
    if response_types.iter().any(|r| r != "code") {
        return register_error(
            "invalid_client_metadata",
            "response_types may only be [\"code\"]",
        );
    }
    if let Some(scope) = m.get("scope").and_then(Value::as_str) {
        let supported = server.scopes_supported();
        if let Some(bad) = scope
            .split_whitespace()
            .find(|s| !supported.iter().any(|x| x == s))
        {
            return register_error(
                "invalid_client_metadata",
                format!(
                    "scope `{bad}` is not offered; the scopes are {}",
                    supported.join(" ")
                ),
            );
        }
    }
    let name = m
        .get("client_name")
        .and_then(Value::as_str)
        .map(|n| n.chars().take(100).collect::<String>())
        .unwrap_or_else(|| "an unnamed client".into());
    let store = server.connections.store();
    if let Err(e) = store.prune_unused_clients(30 * 86_400).await {
        tracing::warn!(error = %e, "unused clients not pruned");
    }
    let client_id = store.new_client_id();
    let secret = (auth_method != "none")
        .then(|| format!("sbcs_{}", hex::encode(rand::random::<[u8; 32]>())));
    let client = OAuthClient {
        client_id: client_id.clone(),
        kind: "dcr".into(),
        name: name.clone(),
        redirect_uris: uris.clone(),
        auth_method: auth_method.clone(),
        secret_sha256: secret.as_deref().map(hash_token),
        fetched_at: None,
    };
    if let Err(e) = store.save_client(&client).await {
        tracing::error!(error = %e, "client registration failed");
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the registration could not be saved; try again",
        );
    }
    tracing::info!(client_id = %client_id, client_name = %name, "client registered");
    let mut answer = json!({
        "client_id": client_id,
        "client_id_issued_at": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "client_name": name,
        "redirect_uris": uris,
        "token_endpoint_auth_method": auth_method,
        "grant_types": grant_types,
        "response_types": response_types,
    });
    if let Some(secret) = secret {
        answer["client_secret"] = json!(secret);
        answer["client_secret_expires_at"] = json!(0);
    }
    no_store((StatusCode::CREATED, Json(answer)).into_response())
}

/// Fetches Client ID Metadata Documents: https only, the address checked and pinned
/// (no private, loopback or link-local targets unless the operator allows them), no
/// redirects, a size and a time limit. Documents are kept for an hour.
#[derive(Debug)]
pub struct Fetcher {
    allow_private: bool,
    extra_root: Option<reqwest::Certificate>,
    /// At most a few fetches at once, whoever asks.
    slots: tokio::sync::Semaphore,
}

const DOCUMENT_MAX_BYTES: usize = 64 * 1024;
const DOCUMENT_TTL_SECS: i64 = 3600;

impl Fetcher {
    pub fn new(config: &OAuthConfig) -> Result<Fetcher, String> {
        let extra_root = match &config.client_metadata_ca_file {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("oauth.client_metadata_ca_file {path}: {e}"))?;
                Some(reqwest::Certificate::from_pem(&pem).map_err(|e| {
                    format!("oauth.client_metadata_ca_file {path}: not a PEM certificate: {e}")
                })?)
            }
        };
        Ok(Fetcher {
            allow_private: config.client_metadata_allow_private_addresses,
            extra_root,
            slots: tokio::sync::Semaphore::new(4),
        })
    }

    /// The document at `url`, checked: its `client_id` is `url`, its redirect URIs are
    /// allowed, it asks for no client secret.
    pub async fn fetch(&self, url: &Url) -> Result<OAuthClient, String> {
        if url.scheme() != "https" {
            return Err("a client id that is a URL must be https".into());
        }
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| "the fetcher is shutting down".to_owned())?;
        if url.path() == "/" || url.path().is_empty() {
            return Err("a client metadata document URL must have a path".into());
        }
        if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(
                "a client metadata document URL may carry no fragment or credentials".into(),
            );
        }
        let host = url
            .host_str()
            .ok_or("the client id URL has no host")?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let mut addresses: Vec<std::net::SocketAddr> =
            tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("{host} cannot be resolved: {e}"))?
                .collect();
        addresses.sort_by_key(|a| a.is_ipv6());
        let Some(addr) = addresses
            .iter()
            .find(|a| self.allow_private || !crate::hosts::is_private(a.ip()))
            .copied()
        else {
            return Err(format!(
                "{host} resolves only to private, loopback or link-local addresses"
            ));
        };
        if !self.allow_private && addresses.iter().any(|a| crate::hosts::is_private(a.ip())) {
            return Err(format!(
                "{host} resolves to a private, loopback or link-local address"
            ));
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            // No proxy: it would resolve the host itself, past the check.
            .no_proxy()
            // Connect to the address just checked, not one a second lookup returns.
            .resolve(&host, addr);
        if let Some(root) = &self.extra_root {
            builder = builder.tls_certs_merge([root.clone()]);
        }
        let http = builder
            .build()
            .map_err(|e| format!("the fetcher could not be built: {e}"))?;
        let mut resp = http
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("the client metadata document could not be fetched: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!(
                "the client metadata document answered HTTP {}",
                resp.status().as_u16()
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("the client metadata document could not be read: {e}"))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > DOCUMENT_MAX_BYTES {
                return Err(format!(
                    "the client metadata document is larger than {DOCUMENT_MAX_BYTES} bytes"
                ));
            }
        }
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("the client metadata document is not JSON: {e}"))?;
        if doc.get("client_id").and_then(Value::as_str) != Some(url.as_str()) {
            return Err("the client metadata document's client_id is not its own URL".into());
        }
        let uris: Vec<String> = doc
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if uris.is_empty() {
            return Err("the client metadata document lists no redirect_uris".into());
        }
        for uri in &uris {
            check_redirect_uri(uri)?;
        }
        match doc
            .get("token_endpoint_auth_method")
            .and_then(Value::as_str)
        {
            None | Some("none") => {}
            Some(other) => {
                return Err(format!(
                    "the client metadata document asks for {other}; only `none` is supported for such clients"
                ));
            }
        }
        Ok(OAuthClient {
            client_id: url.as_str().to_owned(),
            kind: "cimd".into(),
            name: doc
                .get("client_name")
                .and_then(Value::as_str)
                .map(|n| n.chars().take(100).collect())
                .unwrap_or_else(|| host.clone()),
            redirect_uris: uris,
            auth_method: "none".into(),
            secret_sha256: None,
            fetched_at: Some(super::token::now()),
        })
    }
}

/// The client `client_id` names: registered or pre-registered, or a metadata document
/// (fetched, or kept from a fetch within the hour).
pub async fn resolve(server: &AuthServer, client_id: &str) -> Result<OAuthClient, String> {
    let store = server.connections.store();
    let kept = store
        .client(client_id)
        .await
        .map_err(|e| format!("the client could not be looked up: {e}"))?;
    if let Some(c) = &kept
        && (c.kind != "cimd" || c.fetched_at.unwrap_or(0) + DOCUMENT_TTL_SECS > super::token::now())
    {
        return Ok(c.clone());
    }
    if !client_id.starts_with("https://") {
        return Err(format!(
            "unknown client `{client_id}`; register it first (POST /oauth/register)"
        ));
    }
    if !server.config.client_metadata_documents {
        return Err("this server does not accept client metadata documents".into());
    }
    let url = Url::parse(client_id).map_err(|e| format!("the client id is not a URL: {e}"))?;
    // A client id is fetched at most 20 times an hour, found or not: asking for the same
    // unknown document again and again makes no fetches.
    if let Ok(Some(after)) = store
        .rate_limited(&format!("cimd|{client_id}"), 20, 3600)
        .await
    {
        return Err(format!(
            "the client metadata document was fetched too often; try again in {after} s"
        ));
    }
    let client = server.fetcher.fetch(&url).await?;
    store
        .save_client(&client)
        .await
        .map_err(|e| format!("the client could not be saved: {e}"))?;
    Ok(client)
}

/// Authenticates the client of a token or revocation request: HTTP Basic
/// (`client_secret_basic`), `client_secret` in the form (`client_secret_post`), or only
/// `client_id` for a public client (`none`). A confidential client must use its secret.
pub async fn authenticate(
    server: &AuthServer,
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<OAuthClient, Response> {
    let invalid = |why: &str| {
        let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why.to_owned());
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Basic realm=\"switchboard\""),
        );
        r
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let decode = |x: &str| {
                url::form_urlencoded::parse(format!("x={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let (client_id, secret, method) = match (&basic, form.get("client_secret")) {
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone()), "client_secret_basic"),
        (None, Some(secret)) => match form.get("client_id") {
            Some(id) => (id.clone(), Some(secret.clone()), "client_secret_post"),
            None => return Err(invalid("client_id is required")),
        },
        (None, None) => match form.get("client_id") {
            Some(id) => (id.clone(), None, "none"),
            None => {
                return Err(invalid(
                    "client_id is required (or HTTP Basic client authentication)",
                ));
            }
        },
    };
    let client = resolve(server, &client_id)
        .await
        .map_err(|why| invalid(&why))?;
    match (&client.secret_sha256, secret) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(invalid(
                "this client has no secret; authenticate with client_id only",
            ));
        }
        (Some(_), None) => return Err(invalid("this client must authenticate with its secret")),
        (Some(hash), Some(secret)) => {
            // Hashes compared, so timing reveals nothing of the secret.
            if hash_token(&secret) != *hash {
                return Err(invalid("the client secret is wrong"));
            }
        }
    }
    if client.secret_sha256.is_some() && client.auth_method != method && client.kind != "static" {
        return Err(invalid(&format!(
            "this client registered {}; authenticate that way",
            client.auth_method
        )));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_real_clients_send_are_accepted() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "https://claude.com/api/mcp/auth_callback",
            "https://chatgpt.com/connector/oauth/abc123",
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "https://www.cursor.com/agents/mcp/oauth/callback",
            "http://localhost:8787/callback",
            "http://127.0.0.1:33418/",
            "http://[::1]:9000/cb",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/callback",
            "https://claude.ai/cb#frag",
            "javascript:alert(1)",
            "data:text/html,hi",
            "not a uri",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_redirects_match_on_any_port_and_others_exactly() {
        let registered = vec![
            "http://localhost:8787/callback".to_owned(),
            "https://claude.ai/api/mcp/auth_callback".to_owned(),
        ];
        assert!(redirect_matches(
            &registered,
            "http://localhost:51234/callback"
        ));
        assert!(!redirect_matches(
            &registered,
            "http://localhost:51234/other"
        ));
        assert!(redirect_matches(
            &registered,
            "https://claude.ai/api/mcp/auth_callback"
        ));
        assert!(!redirect_matches(
            &registered,
            "https://claude.ai/api/mcp/auth_callback/"
        ));
        assert!(!redirect_matches(
            &registered,
            "https://evil.example/api/mcp/auth_callback"
        ));
    }
}
