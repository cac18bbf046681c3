//! Deployment-wide Worksection settings (`[connectors.worksection.settings]`).
//!
//! Per-account facts (the account URL, its key or tokens) are credentials, not config.

use connector_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use url::Url;

fn default_oauth_base() -> String {
    "https://worksection.com".to_owned()
}

fn default_rps() -> u32 {
    1
}

fn default_max_file_bytes() -> u64 {
    5 * 1024 * 1024
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorksectionConfig {
    /// Where the OAuth endpoints live (`/oauth2/authorize`, `/oauth2/token`, …).
    #[serde(default = "default_oauth_base")]
    pub oauth_base_url: String,
    /// The OAuth app for user mode (register it under Account → API → OAuth2 apps).
    #[serde(default)]
    pub oauth_client_id: Option<String>,
    #[serde(default)]
    pub oauth_client_secret: Option<connector_core::SecretString>,
    /// The account's request budget. Worksection allows one request per second.
    #[serde(default = "default_rps")]
    pub requests_per_second: u32,
    /// Largest file `worksection_read_file` downloads.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
}

impl WorksectionConfig {
    /// The OAuth base URL, parsed.
    pub fn oauth_base(&self) -> Result<Url> {
        Url::parse(&self.oauth_base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    "connectors.worksection.settings.oauth_base_url: not an http(s) URL",
                )
            })
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| {
            Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!("connectors.worksection.settings.{key}: {msg}"),
            ))
        };
        if self.oauth_base().is_err() {
            return bad(
                "oauth_base_url",
                "must be an https URL such as https://worksection.com",
            );
        }
        if !(1..=100).contains(&self.requests_per_second) {
            return bad(
                "requests_per_second",
                "must be between 1 and 100 (Worksection allows 1)",
            );
        }
        if self.oauth_client_id.is_some() != self.oauth_client_secret.is_some() {
            return bad(
                "oauth_client_secret",
                "set both oauth_client_id and oauth_client_secret, or neither",
            );
        }
        if self.max_file_bytes == 0 || self.max_file_bytes > 100 * 1024 * 1024 {
            return bad("max_file_bytes", "must be between 1 byte and 100 MiB");
        }
        Ok(())
    }
}
