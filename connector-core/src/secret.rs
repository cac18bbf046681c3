//! Secret-carrying types. Their `Debug` output never shows the secret, and the memory is
//! zeroed on drop (via `secrecy`). Reading one takes an explicit `expose_secret()`.

use std::{collections::BTreeMap, fmt};

pub use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a connector needs to authenticate, as described to operators and the connect flow.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A static key or token the account owner copies from the SaaS settings.
    ApiKey,
    /// OAuth 2.0 authorization code: a person signs in at the SaaS and approves.
    OAuth2AuthorizationCode,
    /// OAuth 2.0 client credentials: a client id and secret, no person involved.
    OAuth2ClientCredentials,
}

impl CredentialKind {
    /// Whether a person types this credential in (a key, a client id and secret), as
    /// opposed to signing in at the SaaS and approving access.
    pub fn is_typed_in(self) -> bool {
        matches!(
            self,
            CredentialKind::ApiKey | CredentialKind::OAuth2ClientCredentials
        )
    }
}

/// One credential kind a connector accepts, with what the operator must supply for it.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialSpec {
    pub kind: CredentialKind,
    /// Shown on the connect form: where to find the secret.
    pub help: &'static str,
    /// Names of the fields the credential carries (for example `api_key`).
    pub fields: &'static [&'static str],
}

/// Resolved credentials for one upstream account, handed to a connector's `build`.
///
/// Every field is a secret. The map form keeps the core independent of any one SaaS: a
/// connector reads the fields it declared in its [`CredentialSpec`].
#[derive(Clone, Default, Deserialize)]
pub struct Credentials {
    kind: Option<CredentialKind>,
    #[serde(flatten)]
    fields: BTreeMap<String, SecretString>,
}

impl Credentials {
    pub fn new(kind: CredentialKind) -> Self {
        Credentials {
            kind: Some(kind),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a field; the value is moved into a zeroizing secret.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields
            .insert(name.to_owned(), SecretString::from(value.into()));
        self
    }

    pub fn kind(&self) -> Option<CredentialKind> {
        self.kind
    }

    /// The field, or an `Unauthenticated` error naming the missing field and the fix.
    pub fn require(&self, connector: &str, name: &str) -> crate::Result<&SecretString> {
        self.fields.get(name).ok_or_else(|| {
            crate::Error::new(
                crate::ErrorKind::Unauthenticated,
                format!(
                    "the {connector} connection has no `{name}`: reconnect the account and supply it"
                ),
            )
        })
    }

    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.fields.get(name)
    }

    /// Field names with their secrets, for storing the credential elsewhere.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Every secret value, for redaction by the upstream client.
    pub fn secret_values(&self) -> impl Iterator<Item = &SecretString> {
        self.fields.values()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        d.field("kind", &self.kind);
        for name in self.fields.keys() {
            d.field(name, &"**REDACTED**");
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_values() {
        let c = Credentials::new(CredentialKind::ApiKey).with("api_key", "sk-very-secret-123");
        let shown = format!("{c:?}");
        assert!(shown.contains("api_key"));
        assert!(!shown.contains("sk-very-secret-123"));
        let e = c.require("demo", "client_secret").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unauthenticated);
        assert!(e.message().contains("client_secret"));
    }
}
