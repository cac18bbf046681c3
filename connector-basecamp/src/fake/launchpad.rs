//! The fake Launchpad (37signals' OAuth server), on the same host as the API:
//! `/authorization/new` approves at once and redirects with a code, `/authorization/token`
//! trades codes and refresh tokens (standard `grant_type` or legacy `type`, parameters in
//! a form body, JSON body or the query string), and `/authorization.json` says who the
//! token belongs to and which accounts it reaches. Also the token book the API checks.

use std::collections::HashMap;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    model::Store,
    reply::{ApiError, json_response},
    server::Incoming,
    util::{fmt_launchpad_time, launchpad_token, random_hex, real_now_secs},
};

/// Verification codes are short-lived and single-use.
const CODE_TTL_SECS: i64 = 600;

#[derive(Debug)]
struct AccessGrant {
    person: i64,
    expires_at: i64,
}

#[derive(Debug)]
struct RefreshGrant {
    person: i64,
    /// Set by a password change: the refresh answers `authorization_expired`.
    revoked: bool,
}

#[derive(Debug)]
struct CodeGrant {
    person: i64,
    redirect_uri: String,
    expires_at: i64,
}

/// What an access token is worth right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer {
    Valid { person: i64, expires_at: i64 },
    Expired,
    Invalid,
}

/// Every grant Launchpad has issued.
#[derive(Debug, Default)]
pub struct Grants {
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    codes: HashMap<String, CodeGrant>,
}

impl Grants {
    /// A fresh access token for `person`, valid `ttl` seconds: (token, expires_at).
    pub fn access_token(
        &mut self,
        person: i64,
        client_id: &str,
        ttl: u64,
        secret: &str,
    ) -> (String, i64) {
        let expires_at = real_now_secs().saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX / 2));
        let token = launchpad_token(
            &json!({"client_id": client_id, "expires_at": fmt_launchpad_time(expires_at),
                    "user_ids": [person], "version": 1}),
            secret,
        );
        self.access
            .insert(token.clone(), AccessGrant { person, expires_at });
        (token, expires_at)
    }

    /// A long-lived refresh token for `person`.
    pub fn refresh_token(&mut self, person: i64, client_id: &str, secret: &str) -> String {
        let token = launchpad_token(
            &json!({"client_id": client_id, "user_ids": [person], "version": 1, "refresh": true}),
            secret,
        );
        self.refresh.insert(
            token.clone(),
            RefreshGrant {
                person,
                revoked: false,
            },
        );
        token
    }

    pub fn check(&self, token: &str) -> Bearer {
        match self.access.get(token) {
            None => Bearer::Invalid,
            Some(g) if g.expires_at <= real_now_secs() => Bearer::Expired,
            Some(g) => Bearer::Valid {
                person: g.person,
                expires_at: g.expires_at,
            },
        }
    }

    pub fn expire_access_tokens(&mut self) {
        let past = real_now_secs() - 1;
        for g in self.access.values_mut() {
            g.expires_at = past;
        }
    }

    pub fn revoke_refresh_tokens(&mut self) {
        for g in self.refresh.values_mut() {
            g.revoked = true;
        }
    }
}

/// Launchpad's view of the server.
#[derive(Debug)]
pub struct Launchpad<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub token_ttl: u64,
    pub secret: &'a str,
}

/// The `Bearer` token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Query parameters, then the body's (form or JSON), later ones winning.
fn params(query: &[(String, String)], headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = query.iter().cloned().collect();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
    if json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in map {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                out.insert(k, v);
            }
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            out.insert(k.into_owned(), v.into_owned());
        }
    }
    out
}

impl Launchpad<'_> {
    /// Answers a Launchpad path with its route label, or `None` if the path is not one.
    pub fn handle(
        &self,
        store: &Store,
        grants: &mut Grants,
        inc: &Incoming<'_>,
    ) -> Option<(String, Response)> {
        let (label, answer) = match (inc.method, inc.path) {
            ("GET", "/authorization/new") => (
                "GET /authorization/new",
                self.authorize(store, grants, &params(inc.query, inc.headers, &[])),
            ),
            ("POST", "/authorization/token") => (
                "POST /authorization/token",
                self.token(grants, &params(inc.query, inc.headers, inc.body)),
            ),
            ("GET", "/authorization.json") => (
                "GET /authorization.json",
                authorization(store, grants, inc.headers),
            ),
            _ => return None,
        };
        Some((
            label.to_owned(),
            answer.unwrap_or_else(IntoResponse::into_response),
        ))
    }

    /// Approves as the owner (or the person named by the fake-only `login_hint`) and sends
    /// the browser back with a code and the caller's `state`.
    fn authorize(
        &self,
        store: &Store,
        grants: &mut Grants,
        p: &HashMap<String, String>,
    ) -> Result<Response, ApiError> {
        let get = |k: &str| p.get(k).map(String::as_str);
        if get("client_id") != Some(self.client_id) {
            return Err(ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_client"));
        }
        if get("response_type") != Some("code") && get("type") != Some("web_server") {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
            ));
        }
        let redirect = get("redirect_uri").unwrap_or("");
        let Ok(mut location) = url::Url::parse(redirect) else {
            return Err(ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request"));
        };
        let person = get("login_hint")
            .and_then(|e| store.person_by_email(e))
            .unwrap_or(store.owner);
        let code = random_hex(16);
        grants.codes.insert(
            code.clone(),
            CodeGrant {
                person,
                redirect_uri: redirect.to_owned(),
                expires_at: real_now_secs() + CODE_TTL_SECS,
            },
        );
        {
            let mut q = location.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(state) = get("state") {
                q.append_pair("state", state);
            }
        }
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(location.as_str()) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok(r)
    }

    /// Code exchange and refresh. Refresh keeps the same refresh token (Launchpad does not
    /// rotate) and leaves earlier access tokens valid until they expire.
    fn token(
        &self,
        grants: &mut Grants,
        p: &HashMap<String, String>,
    ) -> Result<Response, ApiError> {
        let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let grant = get("grant_type").or_else(|| get("type"));
        let refreshing = match grant {
            Some("authorization_code" | "web_server") => false,
            Some("refresh_token" | "refresh") => true,
            Some(_) => {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                ));
            }
            None => return Err(ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request")),
        };
        if get("client_id") != Some(self.client_id)
            || get("client_secret") != Some(self.client_secret)
        {
            return Err(ApiError::oauth(StatusCode::UNAUTHORIZED, "invalid_client"));
        }
        let invalid_grant = || ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant");
        let (person, refresh) = if refreshing {
            let token = get("refresh_token").ok_or_else(invalid_grant)?;
            let g = grants.refresh.get(token).ok_or_else(invalid_grant)?;
            if g.revoked {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "authorization_expired",
                ));
            }
            (g.person, token.to_owned())
        } else {
            let redirect = get("redirect_uri")
                .ok_or_else(|| ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request"))?;
            // Taking the code out of the table is what makes it single-use.
            let code = get("code")
                .and_then(|c| grants.codes.remove(c))
                .ok_or_else(invalid_grant)?;
            if code.expires_at <= real_now_secs() || code.redirect_uri != redirect {
                return Err(invalid_grant());
            }
            (
                code.person,
                grants.refresh_token(code.person, self.client_id, self.secret),
            )
        };
        let (access, _) = grants.access_token(person, self.client_id, self.token_ttl, self.secret);
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.token_ttl,
                "refresh_token": refresh,
            }),
        ))
    }
}

/// The token's identity and the accounts it reaches: a Basecamp 2 (`bcx`) account listed
/// first, so a client has to pick the `bc3` one by `product`.
fn authorization(
    store: &Store,
    grants: &Grants,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let (person, expires_at) = match bearer(headers).map(|t| grants.check(t)) {
        Some(Bearer::Valid { person, expires_at }) => (person, expires_at),
        Some(Bearer::Expired) => return Err(ApiError::token_expired()),
        _ => return Err(ApiError::token_invalid()),
    };
    let p = store
        .people
        .get(&person)
        .ok_or_else(ApiError::token_invalid)?;
    let classic = store.account_id / 100 + 2_000_000;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "expires_at": fmt_launchpad_time(expires_at),
            "identity": {
                "id": 9_000_000 + p.id % 1_000_000,
                "first_name": p.first_name(),
                "last_name": p.last_name(),
                "email_address": p.email,
            },
            "accounts": [
                {
                    "product": "bcx",
                    "id": classic,
                    "name": format!("{} (Classic)", store.account_name),
                    "href": format!("{}/{classic}/api/v1", store.urls.base),
                    "app_href": format!("{}/{classic}", store.urls.base),
                },
                {
                    "product": "bc3",
                    "id": store.account_id,
                    "name": store.account_name,
                    "href": store.urls.api,
                    "app_href": store.urls.app,
                },
            ],
        }),
    ))
}
