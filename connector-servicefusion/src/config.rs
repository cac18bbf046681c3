//! Deployment-wide ServiceFusion settings (`[connectors.servicefusion.settings]`).
//!
//! Per-account facts (the API user's client id and secret, or a signed-in person's
//! tokens) are credentials, not config.

use connector_core::{Error, ErrorKind, Result, SecretString};
use serde::Deserialize;
use url::Url;

fn default_base_url() -> String {
    "https://api.servicefusion.com".to_owned()
}

fn default_rpm() -> u32 {
    60
}

fn default_currency() -> String {
    "USD".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFusionConfig {
    /// Where the API (`/v1/…`) and its OAuth endpoints (`/oauth/…`) live.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Requests per minute per access token. ServiceFusion allows 60.
    #[serde(default = "default_rpm")]
    pub requests_per_minute: u32,
    /// The OAuth app people connect through by signing in (authorization code); the
    /// usual path, client credentials, needs none.
    #[serde(default)]
    pub oauth_client_id: Option<String>,
    #[serde(default)]
    pub oauth_client_secret: Option<SecretString>,
    /// The currency amounts are in (the API sends bare numbers).
    #[serde(default = "default_currency")]
    pub currency: String,
}

impl ServiceFusionConfig {
    /// The base URL, parsed.
    pub fn base(&self) -> Result<Url> {
        Url::parse(self.base_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    "connectors.servicefusion.settings.base_url: must be an https URL such as https://api.servicefusion.com",
                )
            })
    }

    /// A path under the base URL (`/v1/jobs`, `/oauth/access_token`).
    pub fn url(&self, path: &str) -> Result<Url> {
        let mut url = self.base()?;
        url.set_path(path);
        Ok(url)
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| {
            Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!("connectors.servicefusion.settings.{key}: {msg}"),
            ))
        };
        self.base()?;
        if !(1..=600).contains(&self.requests_per_minute) {
            return bad(
                "requests_per_minute",
                "must be between 1 and 600 (ServiceFusion allows 60)",
            );
        }
        if self.oauth_client_id.is_some() != self.oauth_client_secret.is_some() {
            return bad(
                "oauth_client_secret",
                "set both oauth_client_id and oauth_client_secret, or neither",
            );
        }
        let c = self.currency.trim();
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return bad("currency", "must be an ISO 4217 code such as USD or CAD");
        }
        Ok(())
    }
}
