//! The one place Basecamp's answers become errors.
//!
//! Basecamp answers errors as JSON with an `error` string (and sometimes
//! `error_description` or a list of field errors), with a few quirks worth naming: an
//! inactive account is a 404 with `Reason: Account Inactive`, a plan limit is a 507, an
//! expired token a 401 that says "old age". Every error names the thing and the fix.

use std::time::Duration;

use connector_core::{Error, ErrorKind};
use http::HeaderMap;
use serde_json::Value;

/// What a failed request was about, for naming it in messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// What was asked for, in words (`to-do`, `card table`, `project`).
    pub what: &'a str,
    pub id: Option<i64>,
    /// The tool that finds the right id.
    pub finder: &'a str,
}

fn body_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        let main = v
            .get("error")
            .and_then(Value::as_str)
            .or_else(|| v.get("message").and_then(Value::as_str))?;
        let detail = v.get("error_description").and_then(Value::as_str);
        Some(match detail {
            Some(d) => format!("{main}: {d}"),
            None => main.to_owned(),
        })
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    // Launchpad's messages carry HTML links; a model needs the words.
    let plain = crate::model::strip_tags(&text);
    plain.chars().take(300).collect()
}

/// Maps a non-success answer to an error.
pub fn parse_error(status: u16, body: &[u8], headers: &HeaderMap, call: &Call<'_>) -> Error {
    let message = body_message(body);
    let said = |fallback: &str| {
        if message.is_empty() {
            fallback.to_owned()
        } else {
            message.clone()
        }
    };
    let thing = match call.id {
        Some(id) => format!("{} {id}", call.what),
        None => call.what.to_owned(),
    };
    let inactive = headers
        .get("reason")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|r| r.eq_ignore_ascii_case("Account Inactive"));
    let error = match status {
        400 => Error::new(
            ErrorKind::InvalidInput,
            format!(
                "Basecamp refused the request for the {thing} ({}); check the arguments",
                said("Bad Request")
            ),
        ),
        401 if message.contains("Unknown Basecamp ID") => Error::new(
            ErrorKind::Unauthenticated,
            "the signed-in person no longer belongs to this Basecamp account; reconnect with someone who does",
        ),
        401 => Error::new(
            ErrorKind::Unauthenticated,
            format!(
                "Basecamp did not accept the connection's access token ({}); it is refreshed automatically, and if that fails the account must be reconnected",
                said("Unauthorized")
            ),
        ),
        403 => Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "the connected Basecamp person may not do this to the {thing} ({}); ask a project admin for access, or connect someone who has it",
                said("Forbidden")
            ),
        ),
        404 if inactive => Error::new(
            ErrorKind::PermissionDenied,
            "the Basecamp account is inactive (its subscription lapsed or it was cancelled); an account owner must reactivate it at basecamp.com before anything can be read",
        ),
        404 => Error::new(
            ErrorKind::NotFound,
            format!(
                "Basecamp has no {thing} that the connected person can see (it was deleted, or they lack access); {} finds the right id",
                call.finder
            ),
        ),
        415 => Error::new(
            ErrorKind::Upstream,
            "Basecamp did not accept the request's content type; the connector sends JSON, so the API may have changed",
        )
        .with_retryable(false),
        422 => Error::new(
            ErrorKind::InvalidInput,
            format!(
                "Basecamp would not accept the {thing}: {}",
                said("the request failed validation")
            ),
        ),
        429 => {
            let wait = connector_core::http::parse_retry_after(headers)
                .unwrap_or(Duration::from_secs(10));
            Error::new(
                ErrorKind::RateLimited,
                format!(
                    "Basecamp is limiting this account's requests (about 50 every 10 seconds); retry in {} s",
                    wait.as_secs().max(1)
                ),
            )
            .with_retry_after(wait)
        }
        507 => Error::new(
            ErrorKind::Unsupported,
            format!(
                "the Basecamp account is at its plan's limit ({}); archive or delete what is no longer needed, or upgrade the plan",
                said("Insufficient Storage")
            ),
        ),
        500..=599 => Error::new(
            ErrorKind::Upstream,
            format!("Basecamp failed ({status}); try again shortly"),
        )
        .with_retryable(true),
        _ => Error::new(
            ErrorKind::Upstream,
            format!("Basecamp answered HTTP {status} unexpectedly; try again shortly"),
        ),
    };
    error.with_upstream_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET_A_TO_DO: Call<'static> = Call {
        what: "to-do",
        id: Some(1069479576),
        finder: "basecamp_list_todos",
    };

    fn parse(status: u16, body: &str) -> Error {
        parse_error(status, body.as_bytes(), &HeaderMap::new(), &GET_A_TO_DO)
    }

    #[test]
    fn the_documented_answers_map_to_kinds() {
        let e = parse(
            401,
            r#"{"error":"OAuth token expired (old age). Refresh your token or acquire a new one at <a href=\"https://launchpad.37signals.com/authorization/new\">https://launchpad.37signals.com/authorization/new</a>"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.message().contains("old age"), "{e}");
        assert!(!e.message().contains("<a href"), "{e}");
        let e = parse(401, "Unknown Basecamp ID.");
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.message().contains("no longer belongs"), "{e}");
        let e = parse(404, r#"{"status":404,"error":"Not Found"}"#);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(
            e.message().contains("to-do 1069479576") && e.message().contains("basecamp_list_todos"),
            "{e}"
        );
        let e = parse(
            507,
            r#"{"error":"The project limit for this account has been reached."}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.message().contains("project limit"), "{e}");
        let e = parse(400, r#"{"error":"Invalid scope: someday"}"#);
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("Invalid scope"), "{e}");
        assert_eq!(parse(403, "{}").kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            parse(422, r#"{"error":"Content can't be blank"}"#).kind(),
            ErrorKind::InvalidInput
        );
        let e = parse(503, "<html>down</html>");
        assert_eq!(e.kind(), ErrorKind::Upstream);
        assert!(e.is_retryable());
        assert!(!parse(415, "").is_retryable());
    }

    #[test]
    fn an_inactive_account_and_a_rate_limit_read_their_headers() {
        let mut h = HeaderMap::new();
        h.insert("reason", "Account Inactive".parse().unwrap());
        let e = parse_error(404, b"", &h, &GET_A_TO_DO);
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(e.message().contains("inactive"), "{e}");
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        let e = parse_error(429, b"", &h, &GET_A_TO_DO);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }
}
