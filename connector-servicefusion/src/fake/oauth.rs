//! The OAuth side of the fake: `/oauth/authorize` (approves at once, no login page, and
//! redirects back with a code) and `/oauth/access_token` (the `client_credentials`,
//! `authorization_code` and `refresh_token` grants, JSON or form bodies), plus the table
//! of issued tokens that `/v1` checks. Two clients exist: the API user's credentials
//! (client credentials) and a registered OAuth app (authorization code). Codes live 60 s
//! and work once; refresh tokens rotate.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    format::random_token,
    query::Params,
    reply::{self, ApiError, OAuthError},
    server::lock,
};

/// Authorization codes live 60 seconds (documented).
const CODE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Code {
    redirect_uri: String,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Tokens {
    /// Access token → when it expires.
    access: HashMap<String, Instant>,
    refresh: HashSet<String>,
    codes: HashMap<String, Code>,
}

/// A client id and its secret.
#[derive(Clone)]
struct Client {
    id: String,
    secret: String,
}

impl Client {
    fn random() -> Self {
        Self {
            id: random_token(32),
            secret: random_token(40),
        }
    }

    fn accepts(&self, id: &str, secret: &str) -> bool {
        self.id == id && self.secret == secret
    }
}

pub struct OAuth {
    ttl: Duration,
    /// The API user's credentials (`client_credentials`); the secret can be rotated.
    api_user: Mutex<Client>,
    /// The registered app (`authorization_code`).
    app: Client,
    tokens: Mutex<Tokens>,
    grants: Mutex<HashMap<String, usize>>,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The grant parameters of a token request.
type Form = HashMap<String, String>;

/// Why a token request body could not be read.
#[derive(Debug)]
enum Unreadable {
    /// Neither JSON nor a form: the API's 415.
    MediaType,
    /// JSON that is not an object.
    Malformed,
}

/// Reads a token request body: JSON or form-urlencoded, nothing else.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Form, Unreadable> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mime = content_type.split(';').next().unwrap_or("").trim();
    match mime {
        "application/json" => {
            let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
                return Err(Unreadable::Malformed);
            };
            Ok(map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Null => None,
                    other => Some((k, other.to_string())),
                })
                .collect())
        }
        "application/x-www-form-urlencoded" => Ok(url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()),
        _ => Err(Unreadable::MediaType),
    }
}

fn param<'a>(form: &'a Form, name: &str) -> Result<&'a str, OAuthError> {
    form.get(name)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| OAuthError::missing(name))
}

impl OAuth {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            api_user: Mutex::new(Client::random()),
            app: Client::random(),
            tokens: Mutex::new(Tokens::default()),
            grants: Mutex::new(HashMap::new()),
        }
    }

    pub fn client_credentials(&self) -> (String, String) {
        let c = lock(&self.api_user);
        (c.id.clone(), c.secret.clone())
    }

    pub fn app(&self) -> (String, String) {
        (self.app.id.clone(), self.app.secret.clone())
    }

    pub fn rotate_client_secret(&self) -> String {
        let secret = random_token(40);
        lock(&self.api_user).secret = secret.clone();
        secret
    }

    /// A new access/refresh pair.
    pub fn mint(&self) -> (String, String) {
        let access = random_token(32);
        let refresh = random_token(32);
        let mut t = lock(&self.tokens);
        t.access.insert(access.clone(), Instant::now() + self.ttl);
        t.refresh.insert(refresh.clone());
        (access, refresh)
    }

    /// A code as `/oauth/authorize` hands out, bound to `redirect_uri`.
    pub fn code(&self, redirect_uri: &str) -> String {
        let code = random_token(40);
        lock(&self.tokens).codes.insert(
            code.clone(),
            Code {
                redirect_uri: redirect_uri.to_owned(),
                expires: Instant::now() + CODE_TTL,
            },
        );
        code
    }

    /// Whether `token` is an issued, unexpired access token.
    pub fn is_valid(&self, token: &str) -> bool {
        lock(&self.tokens)
            .access
            .get(token)
            .is_some_and(|expires| Instant::now() < *expires)
    }

    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for expires in lock(&self.tokens).access.values_mut() {
            *expires = now;
        }
    }

    pub fn revoke_refresh_tokens(&self) {
        lock(&self.tokens).refresh.clear();
    }

    pub fn grants(&self, grant_type: &str) -> usize {
        lock(&self.grants).get(grant_type).copied().unwrap_or(0)
    }

    /// `POST /oauth/access_token`.
    pub fn token_endpoint(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let form = match parse_body(headers, body) {
            Ok(f) => f,
            Err(Unreadable::MediaType) => return ApiError::UnsupportedMediaType.into_response(),
            Err(Unreadable::Malformed) => {
                return OAuthError::malformed("The request body is not a valid JSON object.")
                    .into_response();
            }
        };
        match self.grant(&form) {
            Ok((grant_type, access, refresh)) => {
                *lock(&self.grants).entry(grant_type.to_owned()).or_default() += 1;
                reply::json(
                    StatusCode::OK,
                    &json!({
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": self.ttl.as_secs(),
                        "refresh_token": refresh,
                    }),
                )
            }
            Err(e) => e.into_response(),
        }
    }

    fn grant(&self, form: &Form) -> Result<(&'static str, String, String), OAuthError> {
        match param(form, "grant_type")? {
            "client_credentials" => {
                let id = param(form, "client_id")?;
                let secret = param(form, "client_secret")?;
                if !lock(&self.api_user).accepts(id, secret) {
                    return Err(OAuthError::invalid_client());
                }
                let (a, r) = self.mint();
                Ok(("client_credentials", a, r))
            }
            "authorization_code" => {
                let id = param(form, "client_id")?;
                let secret = param(form, "client_secret")?;
                let code = param(form, "code")?;
                let redirect_uri = param(form, "redirect_uri")?;
                if !self.app.accepts(id, secret) {
                    return Err(OAuthError::invalid_client());
                }
                // A code works once, even when the exchange fails below.
                let issued = lock(&self.tokens).codes.remove(code);
                let Some(issued) = issued.filter(|c| Instant::now() < c.expires) else {
                    return Err(OAuthError::invalid_grant(
                        "Authorization code invalid or expired.",
                    ));
                };
                if issued.redirect_uri != redirect_uri {
                    return Err(OAuthError::invalid_grant(
                        "The redirect_uri does not match the one the authorization code was issued for.",
                    ));
                }
                let (a, r) = self.mint();
                Ok(("authorization_code", a, r))
            }
            "refresh_token" => {
                let token = param(form, "refresh_token")?;
                // Client credentials are optional here; when sent they must be right.
                let id = form.get("client_id").map(String::as_str);
                let secret = form.get("client_secret").map(String::as_str);
                if id.is_some() || secret.is_some() {
                    let (id, secret) = (id.unwrap_or(""), secret.unwrap_or(""));
                    if !self.app.accepts(id, secret) && !lock(&self.api_user).accepts(id, secret) {
                        return Err(OAuthError::invalid_client());
                    }
                }
                if !lock(&self.tokens).refresh.remove(token) {
                    return Err(OAuthError::invalid_grant(
                        "Refresh token invalid, expired or already used.",
                    ));
                }
                let (a, r) = self.mint();
                Ok(("refresh_token", a, r))
            }
            _ => Err(OAuthError::unsupported_grant_type()),
        }
    }

    /// `GET /oauth/authorize`: approves at once and redirects with `code` and `state`.
    pub fn authorize(&self, params: &Params) -> Response {
        if params.get("client_id") != Some(self.app.id.as_str()) {
            return OAuthError::unknown_client().into_response();
        }
        if params.get("response_type") != Some("code") {
            return OAuthError::unsupported_response_type().into_response();
        }
        let Some(redirect_uri) = params.get("redirect_uri").filter(|r| !r.is_empty()) else {
            return OAuthError::missing("redirect_uri").into_response();
        };
        let Ok(mut location) = url::Url::parse(redirect_uri) else {
            return OAuthError::malformed("The redirect_uri is not a valid URL.").into_response();
        };
        let code = self.code(redirect_uri);
        {
            let mut q = location.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(state) = params.get("state") {
                q.append_pair("state", state);
            }
        }
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(location.as_str()) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_expired_code_is_refused() {
        let o = OAuth::new(Duration::from_secs(3600));
        let code = o.code("http://localhost/cb");
        if let Some(c) = lock(&o.tokens).codes.get_mut(&code) {
            c.expires = Instant::now();
        }
        let (id, secret) = o.app();
        let err = o
            .grant(&form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("code", &code),
                ("redirect_uri", "http://localhost/cb"),
            ]))
            .err();
        assert_eq!(
            err.as_ref().map(OAuthError::description),
            Some("Authorization code invalid or expired.")
        );
        assert!(lock(&o.tokens).codes.is_empty(), "the code was used up");
    }

    #[test]
    fn expired_access_tokens_are_invalid() {
        let o = OAuth::new(Duration::from_secs(3600));
        let (a, _) = o.mint();
        assert!(o.is_valid(&a));
        o.expire_access_tokens();
        assert!(!o.is_valid(&a));
        assert!(!o.is_valid("nope"));
    }
}
