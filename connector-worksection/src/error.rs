//! The one place Worksection's answers become errors.
//!
//! Worksection reports most failures inside HTTP 200 as
//! `{"status":"error","status_code":N,"message":…,"message_details":…}`; the OAuth endpoint
//! uses HTTP 401 for bad tokens. Every error names the fix.

use std::time::Duration;

use connector_core::{Error, ErrorKind};
use serde_json::Value;

use crate::client::Params;

/// What a failed call was about, for naming ids in messages.
pub struct Call<'a> {
    pub action: &'a str,
    pub params: &'a Params,
    pub account: &'a str,
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    fn id_hint(&self, name: &str, what: &str) -> String {
        match self.param(name) {
            Some(id) => format!("{what} {id}"),
            None => what.to_owned(),
        }
    }
}

/// Maps an error envelope to an error.
pub fn parse_error(envelope: &Value, call: &Call<'_>) -> Error {
    let code = envelope.get("status_code").and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
    });
    let message = envelope
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("unknown error");
    let details = envelope.get("message_details").map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let details_txt = details.clone().unwrap_or_default();
    let lower = message.to_ascii_lowercase();
    let (kind, text) = if lower.contains("too many requests") {
        (ErrorKind::RateLimited, "Worksection allows one request per second per account and this account is over it; retry in a second".to_owned())
    } else if lower.contains("10000 max") || lower.contains("too many tasks") {
        (
            ErrorKind::InvalidInput,
            "Worksection returns at most 10,000 records per request and this query matches more; narrow it: one project, active tasks only, or a date range".to_owned(),
        )
    } else {
        match code {
            Some(1) => (
                ErrorKind::Unsupported,
                format!(
                    "Worksection does not allow `{}` with this connection ({message}); actions on \"my\" timer and profile need the account connected by signing in (OAuth), not the admin API key",
                    call.action
                ),
            ),
            Some(2) => (
                ErrorKind::Unauthenticated,
                format!(
                    "Worksection rejected the API key for {} ({message}); reconnect the account with the current admin API key (Account → API)",
                    call.account
                ),
            ),
            Some(4) if lower.contains("file") => (
                ErrorKind::NotFound,
                format!(
                    "Worksection has no {}; list files to find the id",
                    call.id_hint("id_file", "file")
                ),
            ),
            Some(4) => (
                ErrorKind::NotFound,
                format!(
                    "Worksection has no {} visible to this account; list projects to find the id",
                    call.id_hint("id_project", "project")
                ),
            ),
            Some(5) => (
                ErrorKind::NotFound,
                format!(
                    "Worksection has no {} visible to this account; search or list tasks to find the id",
                    call.id_hint("id_task", "task")
                ),
            ),
            Some(6) => (
                ErrorKind::Conflict,
                "a timer is already running for this user; stop it first".to_owned(),
            ),
            Some(7) => (
                ErrorKind::NotFound,
                "no timer is running; start one first".to_owned(),
            ),
            Some(8) => (
                ErrorKind::Conflict,
                "the parent task is closed; reopen it before adding subtasks".to_owned(),
            ),
            Some(10) => (
                ErrorKind::InvalidInput,
                if details_txt.is_empty() {
                    format!("Worksection needs more fields ({message})")
                } else {
                    format!("Worksection needs the field `{details_txt}` ({message}); supply it")
                },
            ),
            Some(11) => (
                ErrorKind::InvalidInput,
                format!(
                    "Worksection refused a value ({message}{}); correct it",
                    if details_txt.is_empty() {
                        String::new()
                    } else {
                        format!(": {details_txt}")
                    }
                ),
            ),
            Some(12) => (ErrorKind::Conflict, format!("nothing to change: {message}")),
            Some(13) => (
                ErrorKind::Conflict,
                "the task has open subtasks; complete them first".to_owned(),
            ),
            Some(14) => (
                ErrorKind::Conflict,
                "the parent task is done; reopen the parent first".to_owned(),
            ),
            Some(16) => (
                ErrorKind::InvalidInput,
                format!(
                    "Worksection does not know the tag {details_txt}; list tags to see the ones available"
                ),
            ),
            _ => (
                ErrorKind::Upstream,
                format!(
                    "Worksection failed `{}`: {message}{}",
                    call.action,
                    if details_txt.is_empty() {
                        String::new()
                    } else {
                        format!(" ({details_txt})")
                    }
                ),
            ),
        }
    };
    let mut e = Error::new(kind, text).with_context("action", call.action);
    if let Some(c) = code {
        e = e.with_context("worksection_code", c);
    }
    if kind == ErrorKind::RateLimited {
        e = e.with_retry_after(Duration::from_secs(1));
    }
    if kind == ErrorKind::Upstream {
        e = e.with_retryable(false);
    }
    e
}

/// Maps a non-200 HTTP answer to an error.
pub fn parse_http_error(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    call: &Call<'_>,
) -> Error {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let lower = message.to_ascii_lowercase();
    let (kind, text) = match status {
        401 if lower.contains("expired") => (
            ErrorKind::Unauthenticated,
            format!("the Worksection sign-in for {} has expired; reconnect the account (sign in to Worksection again)", call.account),
        ),
        401 => (
            ErrorKind::Unauthenticated,
            format!("Worksection rejected the sign-in for {} ({}); reconnect the account", call.account, if message.is_empty() { "HTTP 401" } else { &message }),
        ),
        403 => (
            ErrorKind::PermissionDenied,
            format!("Worksection refused `{}` for this account ({}); the connected user lacks the permission or the OAuth scope", call.action, if message.is_empty() { "HTTP 403" } else { &message }),
        ),
        414 => (
            ErrorKind::InvalidInput,
            "the request is too large for Worksection (URL over 8 KB); shorten the text or split it".to_owned(),
        ),
        429 => (ErrorKind::RateLimited, "Worksection allows one request per second per account; retry shortly".to_owned()),
        _ => (ErrorKind::Upstream, format!("Worksection is failing (HTTP {status}) for `{}`; try again shortly", call.action)),
    };
    let mut e = Error::new(kind, text)
        .with_upstream_status(status)
        .with_context("action", call.action);
    if kind == ErrorKind::RateLimited {
        e = e.with_retry_after(retry_after.unwrap_or(Duration::from_secs(1)));
    }
    if kind == ErrorKind::Upstream {
        e = e.with_retryable(true);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call<'a>(action: &'a str, params: &'a Params) -> Call<'a> {
        Call {
            action,
            params,
            account: "acme.worksection.com",
        }
    }

    #[test]
    fn envelope_codes_map_to_kinds_with_fixes() {
        let p = Params::new()
            .with("id_task", "330090")
            .with("id_project", "26");
        let cases = [
            (
                json!({"status":"error","status_code":2,"message":"Action hash is missed or invalid"}),
                ErrorKind::Unauthenticated,
                "reconnect",
            ),
            (
                json!({"status":"error","status_code":5,"message":"Task is invalid"}),
                ErrorKind::NotFound,
                "task 330090",
            ),
            (
                json!({"status":"error","status_code":4,"message":"Project is invalid"}),
                ErrorKind::NotFound,
                "project 26",
            ),
            (
                json!({"status":"error","status_code":10,"message":"Field is required","message_details":"title"}),
                ErrorKind::InvalidInput,
                "`title`",
            ),
            (
                json!({"status":"error","status_code":11,"message":"Invalid email","message_details":"bob@"}),
                ErrorKind::InvalidInput,
                "bob@",
            ),
            (
                json!({"status":"error","status_code":13,"message":"Task has children"}),
                ErrorKind::Conflict,
                "subtasks",
            ),
            (
                json!({"status":"error","status_code":16,"message":"Tag is invalid","message_details":"urgent"}),
                ErrorKind::InvalidInput,
                "urgent",
            ),
            (
                json!({"status":"error","message":"Too many requests"}),
                ErrorKind::RateLimited,
                "one request per second",
            ),
            (
                json!({"status":"error","message":"Too many tasks (10000 max)"}),
                ErrorKind::InvalidInput,
                "narrow",
            ),
            (
                json!({"status":"error","status_code":"12","message":"Task is already closed"}),
                ErrorKind::Conflict,
                "already closed",
            ),
            (
                json!({"status":"error","status_code":99,"message":"Strange"}),
                ErrorKind::Upstream,
                "Strange",
            ),
        ];
        for (body, kind, needle) in cases {
            let e = parse_error(&body, &call("get_task", &p));
            assert_eq!(e.kind(), kind, "{body}");
            assert!(e.to_string().contains(needle), "{e} lacks {needle}");
        }
        let e = parse_error(
            &json!({"status":"error","message":"Too many requests"}),
            &call("get_task", &p),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn http_statuses_map_to_kinds() {
        let p = Params::new();
        let c = call("get_tasks", &p);
        let e = parse_http_error(
            401,
            r#"{"status":"error","message":"Access token is expired"}"#,
            None,
            &c,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains("expired"));
        assert_eq!(
            parse_http_error(403, "{}", None, &c).kind(),
            ErrorKind::PermissionDenied
        );
        assert_eq!(
            parse_http_error(414, "Request-URL Too Large", None, &c).kind(),
            ErrorKind::InvalidInput
        );
        let e = parse_http_error(500, "<html>", None, &c);
        assert_eq!(e.kind(), ErrorKind::Upstream);
        assert!(e.is_retryable());
    }
}
