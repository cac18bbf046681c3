//! Deployment-wide Basecamp settings (`[connectors.basecamp.settings]`).
//!
//! Per-account facts (the account's API URL and its tokens) are credentials, not config.

use connector_core::{Error, ErrorKind, Result, SecretString};
use serde::Deserialize;
use url::Url;

fn default_launchpad() -> String {
    "https://launchpad.37signals.com".to_owned()
}

fn default_requests() -> u32 {
    50
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasecampConfig {
    /// Where Launchpad (37signals' sign-in and token service) lives.
    #[serde(default = "default_launchpad")]
    pub launchpad_url: String,
    /// The operator's contact, an email address or URL. Basecamp requires every request's
    /// `User-Agent` to name the app and a contact: `Switchboard (<contact>)`.
    pub contact: String,
    /// The OAuth app registered at launchpad.37signals.com/integrations.
    #[serde(default)]
    pub oauth_client_id: Option<String>,
    #[serde(default)]
    pub oauth_client_secret: Option<SecretString>,
    /// Requests per ten seconds per account; Basecamp's first limit is 50.
    #[serde(default = "default_requests")]
    pub requests_per_10s: u32,
}

impl BasecampConfig {
    pub fn launchpad(&self) -> Result<Url> {
        Url::parse(self.launchpad_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    "connectors.basecamp.settings.launchpad_url: must be an https URL such as https://launchpad.37signals.com",
                )
            })
    }

    /// A Launchpad path (`/authorization/token`).
    pub fn launchpad_at(&self, path: &str) -> Result<Url> {
        let mut url = self.launchpad()?;
        url.set_path(path);
        Ok(url)
    }

    /// The `User-Agent` every request carries.
    pub fn user_agent(&self) -> String {
        format!(
            "Switchboard/{} ({})",
            env!("CARGO_PKG_VERSION"),
            self.contact.trim()
        )
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| {
            Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!("connectors.basecamp.settings.{key}: {msg}"),
            ))
        };
        self.launchpad()?;
        let c = self.contact.trim();
        let looks_like_contact = (c.contains('@') && !c.starts_with('@') && !c.ends_with('@'))
            || c.starts_with("https://")
            || c.starts_with("http://");
        if !looks_like_contact
            || c.chars()
                .any(|ch| ch.is_control() || ch == '(' || ch == ')')
        {
            return bad(
                "contact",
                "give the operator's email address or URL; Basecamp refuses requests whose User-Agent names no contact",
            );
        }
        if !(1..=500).contains(&self.requests_per_10s) {
            return bad(
                "requests_per_10s",
                "must be between 1 and 500 (Basecamp allows 50)",
            );
        }
        if self.oauth_client_id.is_some() != self.oauth_client_secret.is_some() {
            return bad(
                "oauth_client_secret",
                "set both oauth_client_id and oauth_client_secret, or neither",
            );
        }
        Ok(())
    }
}
