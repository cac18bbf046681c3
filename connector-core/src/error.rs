//! One error type for every connector, with a kind the gateway maps to MCP in one place.
//!
//! Connectors translate vendor responses into an [`ErrorKind`] in a single `parse_error`
//! function of their own; nothing downstream ever inspects vendor bodies again.

use std::{borrow::Cow, fmt, time::Duration};

/// What went wrong, in terms a caller can act on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The arguments are wrong: a missing field, a bad value, an unknown id format.
    InvalidInput,
    /// The thing asked for does not exist (or is not visible to this account).
    NotFound,
    /// The account is known but may not do this.
    PermissionDenied,
    /// The upstream rejected the credential: it is wrong, expired or revoked.
    Unauthenticated,
    /// Too many requests; `retry_after` says when to try again.
    RateLimited,
    /// The change collides with the current state (a duplicate, a stale version).
    Conflict,
    /// The upstream failed or answered something we could not understand.
    Upstream,
    /// The upstream or this connector cannot do what was asked.
    Unsupported,
    /// The connector's configuration is invalid.
    ConfigInvalid,
    /// A bug: an invariant did not hold.
    Unexpected,
}

impl ErrorKind {
    /// Whether an error of this kind is, by default, worth retrying unchanged.
    pub fn default_retryable(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::Upstream)
    }

    /// A stable snake_case name, used in logs, metrics and error results.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::NotFound => "not_found",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Upstream => "upstream",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::ConfigInvalid => "config_invalid",
            ErrorKind::Unexpected => "unexpected",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error every connector operation returns.
///
/// `message` is written for the reader who must act: it names the thing and the fix.
/// It must never contain a secret; the upstream client redacts before building one.
pub struct Error {
    kind: ErrorKind,
    retryable: bool,
    message: Cow<'static, str>,
    context: Vec<(&'static str, String)>,
    retry_after: Option<Duration>,
    upstream_status: Option<u16>,
    source: Option<Source>,
}

/// Shorthand used throughout the connectors.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind`; retryable per [`ErrorKind::default_retryable`].
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            retryable: kind.default_retryable(),
            message: message.into(),
            context: Vec::new(),
            retry_after: None,
            upstream_status: None,
            source: None,
        }
    }

    /// Shorthand for [`ErrorKind::InvalidInput`].
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for [`ErrorKind::Unexpected`].
    pub fn unexpected(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unexpected, message)
    }

    /// Adds a `key: value` pair shown after the message (ids, the operation, the account).
    pub fn with_context(mut self, key: &'static str, value: impl fmt::Display) -> Self {
        self.context.push((key, value.to_string()));
        self
    }

    /// Overrides whether retrying unchanged may succeed.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Sets when a retry may succeed (rate limits, maintenance windows).
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Records the upstream HTTP status this error came from.
    pub fn with_upstream_status(mut self, status: u16) -> Self {
        self.upstream_status = Some(status);
        self
    }

    /// Attaches the underlying cause (kept for logs; never shown to the model).
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    pub fn upstream_status(&self) -> Option<u16> {
        self.upstream_status
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.context.is_empty() {
            f.write_str(" (")?;
            for (i, (k, v)) in self.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k}: {v}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("retryable", &self.retryable)
            .field("message", &self.message);
        if !self.context.is_empty() {
            d.field("context", &self.context);
        }
        if let Some(after) = self.retry_after {
            d.field("retry_after", &after);
        }
        if let Some(status) = self.upstream_status {
            d.field("upstream_status", &status);
        }
        if let Some(source) = &self.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_context_after_the_message() {
        let e = Error::new(ErrorKind::NotFound, "task not found")
            .with_context("task", 42)
            .with_context("project", "P1");
        assert_eq!(e.to_string(), "task not found (task: 42, project: P1)");
        assert!(!e.is_retryable());
        assert!(Error::new(ErrorKind::RateLimited, "slow down").is_retryable());
    }
}
