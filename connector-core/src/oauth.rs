//! OAuth 2.0 toward upstream SaaS accounts (authorization code with refresh), in the
//! form connectors describe it and the gateway's tenancy drives it.
//!
//! The connector says where its provider's endpoints are and how a token becomes its
//! `Credentials`; the exchange and the refresh themselves are done once, here.
//! Refresh tokens may rotate: the new one in a refresh answer replaces the old.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use crate::{Error, ErrorKind, Redactor, Result, Upstream};

/// A connector's OAuth application at its provider.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// Names the provider in errors ("Worksection").
    pub label: &'static str,
    pub client_id: String,
    pub client_secret: SecretString,
    pub authorize_url: Url,
    pub token_url: Url,
    /// Where refreshes go; many providers use `token_url`.
    pub refresh_url: Url,
    pub scopes: Vec<String>,
    /// How scopes are joined in the authorize URL (`" "` by the RFC, `","` for some).
    pub scope_separator: &'static str,
    /// How the token endpoint takes its parameters.
    pub token_body: TokenBody,
    /// Parameters a provider still needs beside the standard ones, per grant (Launchpad's
    /// legacy `type=web_server` and `type=refresh`).
    pub extra_params: &'static [(Grant, &'static str, &'static str)],
    /// The `User-Agent` token requests carry, for providers that want to know who calls
    /// (37signals asks for the app's name and a contact); Switchboard's own when `None`.
    pub user_agent: Option<String>,
}

/// The body format of token requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBody {
    /// `application/x-www-form-urlencoded`, as RFC 6749 says.
    Form,
    /// A JSON object, for providers documented that way.
    Json,
}

/// The token grants a connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    AuthorizationCode,
    RefreshToken,
    /// The client id and secret are the account's own credentials (no person signs in).
    ClientCredentials,
}

impl Grant {
    fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
        }
    }
}

/// Tokens from a code exchange or a refresh.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    /// Other string fields of the answer (`account_url`, …).
    pub extra: serde_json::Map<String, Value>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"**REDACTED**")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "**REDACTED**"),
            )
            .field("expires_at", &self.expires_at)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenSet {
    /// Credentials of `kind` holding these tokens: the access token, the refresh token
    /// (the new one, else the one `previous` had: not every provider sends it again on a
    /// refresh), and when the access token expires.
    pub fn credentials(
        &self,
        kind: crate::CredentialKind,
        previous: Option<&crate::Credentials>,
    ) -> crate::Credentials {
        let mut creds =
            crate::Credentials::new(kind).with("access_token", self.access_token.expose_secret());
        let refresh = self
            .refresh_token
            .as_ref()
            .or_else(|| previous.and_then(|p| p.get("refresh_token")));
        if let Some(r) = refresh {
            creds = creds.with("refresh_token", r.expose_secret());
        }
        if let Some(at) = self.expires_at {
            creds = creds.with("expires_at", at.to_string());
        }
        creds
    }

    /// Whether the access token expires within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= now_secs().saturating_add(margin.as_secs()))
    }
}

impl OAuthApp {
    /// An app whose provider follows RFC 6749 plainly: refreshes at the token endpoint,
    /// form bodies, no scopes and no extra parameters until set.
    pub fn new(
        label: &'static str,
        client_id: String,
        client_secret: SecretString,
        authorize_url: Url,
        token_url: Url,
    ) -> Self {
        OAuthApp {
            label,
            client_id,
            client_secret,
            authorize_url,
            refresh_url: token_url.clone(),
            token_url,
            scopes: Vec::new(),
            scope_separator: " ",
            token_body: TokenBody::Form,
            extra_params: &[],
            user_agent: None,
        }
    }

    /// The URL a person opens to approve access.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> Url {
        let mut url = self.authorize_url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("state", state);
            if !self.scopes.is_empty() {
                q.append_pair("scope", &self.scopes.join(self.scope_separator));
            }
            for (grant, k, v) in self.extra_params {
                if *grant == Grant::AuthorizationCode {
                    q.append_pair(k, v);
                }
            }
        }
        url
    }

    /// Exchanges an authorization code for tokens.
    pub async fn exchange_code(
        &self,
        upstream: &Upstream,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenSet> {
        let form = vec![
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), redirect_uri.to_owned()),
        ];
        self.token_request(
            upstream,
            Grant::AuthorizationCode,
            self.token_url.clone(),
            form,
        )
        .await
    }

    /// Gets a token with the client credentials grant: the app's id and secret are the
    /// account's own credentials, so a refusal means the account must be reconnected.
    pub async fn client_credentials(&self, upstream: &Upstream) -> Result<TokenSet> {
        self.token_request(
            upstream,
            Grant::ClientCredentials,
            self.token_url.clone(),
            Vec::new(),
        )
        .await
    }

    /// Refreshes; a refused refresh token is `Unauthenticated` with "reconnect".
    pub async fn refresh(
        &self,
        upstream: &Upstream,
        refresh_token: &SecretString,
    ) -> Result<TokenSet> {
        let form = vec![(
            "refresh_token".to_owned(),
            refresh_token.expose_secret().to_owned(),
        )];
        self.token_request(
            upstream,
            Grant::RefreshToken,
            self.refresh_url.clone(),
            form,
        )
        .await
    }

    async fn token_request(
        &self,
        upstream: &Upstream,
        grant: Grant,
        url: Url,
        params: Vec<(String, String)>,
    ) -> Result<TokenSet> {
        let mut form = vec![("grant_type".to_owned(), grant.as_str().to_owned())];
        form.extend(params);
        for (g, k, v) in self.extra_params {
            if *g == grant {
                form.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        form.push(("client_id".to_owned(), self.client_id.clone()));
        form.push((
            "client_secret".to_owned(),
            self.client_secret.expose_secret().to_owned(),
        ));
        let mut redactor = Redactor::new().secret(&self.client_secret);
        for (k, v) in &form {
            if k == "refresh_token" || k == "code" {
                redactor = redactor.secret(&SecretString::from(v.clone()));
            }
        }
        let mut request = upstream.request(self.label, Method::POST, url);
        if let Some(ua) = self
            .user_agent
            .as_deref()
            .and_then(|ua| http::HeaderValue::from_str(ua).ok())
        {
            request = request.header(http::header::USER_AGENT, ua);
        }
        let request = match self.token_body {
            TokenBody::Form => request.form(form),
            TokenBody::Json => request.json(Value::Object(
                form.into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )),
        };
        let resp = request.redact(&redactor).send().await?;
        let body: Value = resp.json()?;
        // Some providers (Worksection) answer errors with HTTP 200, some with 400/401.
        if let Some(error) = body.get("error").and_then(Value::as_str) {
            let description = body
                .get("error_description")
                .or_else(|| body.get("errorDescription"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let kind = match error {
                "invalid_grant"
                | "invalid_request"
                | "invalid_token"
                | "access_denied"
                | "authorization_expired" => ErrorKind::Unauthenticated,
                // With client credentials the client is the account itself.
                "invalid_client" | "unauthorized_client" if grant == Grant::ClientCredentials => {
                    ErrorKind::Unauthenticated
                }
                "invalid_client" | "unauthorized_client" => ErrorKind::ConfigInvalid,
                _ => ErrorKind::Upstream,
            };
            let fix = match (kind, grant) {
                (ErrorKind::Unauthenticated, Grant::ClientCredentials) => {
                    "reconnect the account with its current client id and secret"
                }
                (ErrorKind::Unauthenticated, _) => {
                    "the account must be reconnected (sign in to it again)"
                }
                (ErrorKind::ConfigInvalid, _) => {
                    "check the OAuth client id and secret in the connector settings"
                }
                _ => "try again shortly",
            };
            let description = redactor.redact(description.trim());
            let why = if description.is_empty() {
                error.to_owned()
            } else {
                format!("{error}: {description}")
            };
            return Err(Error::new(
                kind,
                format!("{} refused the token request ({why}); {fix}", self.label),
            )
            .with_upstream_status(resp.status.as_u16()));
        }
        if !resp.status.is_success() {
            return Err(Error::new(
                ErrorKind::Upstream,
                format!(
                    "{} token endpoint answered HTTP {}; try again shortly",
                    self.label,
                    resp.status.as_u16()
                ),
            )
            .with_upstream_status(resp.status.as_u16()));
        }
        let Some(Value::Object(mut map)) = Some(body) else {
            return Err(Error::new(
                ErrorKind::Upstream,
                format!("{} token answer is not an object", self.label),
            ));
        };
        let access = map
            .remove("access_token")
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("{} token answer has no access_token", self.label),
                )
            })?;
        let refresh = map
            .remove("refresh_token")
            .and_then(|v| v.as_str().map(str::to_owned));
        let expires_at = map
            .remove("expires_in")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .map(|secs| now_secs().saturating_add(secs));
        map.remove("token_type");
        Ok(TokenSet {
            access_token: SecretString::from(access),
            refresh_token: refresh.map(SecretString::from),
            expires_at,
            extra: map,
        })
    }
}
