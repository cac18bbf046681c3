//! The one place ServiceFusion's answers become errors.
//!
//! ServiceFusion is a Yii2 REST application: failures come as
//! `{"code": 404, "name": "Not Found.", "message": "Item not found."}`, validation
//! failures as a 422 array of `{"field", "message"}`, and the rate limit as a 429 whose
//! reset time is in `X-Rate-Limit-Reset` (UTC epoch seconds), not `Retry-After`. Every
//! error names the thing and the fix; a field error names the argument to change.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connector_core::{Error, ErrorKind};
use http::HeaderMap;
use serde_json::Value;

/// What a failed request was about, for naming it in messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The API resource (`jobs`, `customers`, `calendar-tasks`, …).
    pub resource: &'a str,
    /// The record asked for, if one was.
    pub id: Option<i64>,
    /// Whether the request created something.
    pub create: bool,
}

/// The singular name of a resource and the tool that lists it.
fn noun(resource: &str) -> (&'static str, &'static str) {
    match resource {
        "customers" => ("customer", "servicefusion_search_customers"),
        "jobs" => ("job", "servicefusion_list_jobs"),
        "estimates" => ("estimate", "servicefusion_list_estimates"),
        "techs" => ("technician", "servicefusion_list_techs"),
        "invoices" => ("invoice", "servicefusion_list_invoices"),
        "calendar-tasks" => ("calendar task", "servicefusion_list_calendar_tasks"),
        "equipment" => (
            "piece of equipment",
            "servicefusion_list_customer_equipment",
        ),
        "job-statuses" => ("job status", "servicefusion_list_job_statuses"),
        "job-categories" => ("job category", "servicefusion_list_job_categories"),
        "sources" => ("source", "servicefusion_list_sources"),
        "payment-types" => ("payment type", "servicefusion_list_payment_types"),
        _ => ("record", "the matching list tool"),
    }
}

/// For a field ServiceFusion refused: the tool argument that carries it, and how to find
/// a value it accepts.
fn field_fix(field: &str) -> (&'static str, &'static str) {
    match field {
        "customer_name" | "customer" | "customer_id" | "parent_customer" => (
            "customer",
            "find the customer with servicefusion_search_customers and pass its id or its exact name",
        ),
        "status" => (
            "status",
            "servicefusion_list_job_statuses lists the statuses this company uses",
        ),
        "category" => (
            "category",
            "servicefusion_list_job_categories lists the categories",
        ),
        "source" => ("source", "servicefusion_list_sources lists the sources"),
        "payment_type" => (
            "payment_type",
            "servicefusion_list_payment_types lists the payment types",
        ),
        "techs_assigned" | "agents" | "opportunity_owner" | "agent" => (
            "techs",
            "servicefusion_list_techs lists the technicians by id and name",
        ),
        "priority" => ("priority", "use Low, Normal or High"),
        "credit_rating" => ("credit_rating", "use one of A+, A, B+, B, C+, C or U"),
        _ => ("", ""),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// How long until the access token's budget refills, from `X-Rate-Limit-Reset` (UTC
/// epoch seconds; a small number is read as seconds from now), or `Retry-After`.
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    if let Some(reset) = header_u64(headers, "x-rate-limit-reset") {
        let now = now_secs();
        // An epoch time is far above any sane wait; a small value is a delta.
        let wait = if reset > 1_000_000_000 {
            reset.saturating_sub(now)
        } else {
            reset
        };
        return Some(Duration::from_secs(wait.max(1)));
    }
    connector_core::http::parse_retry_after(headers)
}

/// The requests left in the token's current window, from `X-Rate-Limit-Remaining`.
pub fn rate_limit_remaining(headers: &HeaderMap) -> Option<u64> {
    header_u64(headers, "x-rate-limit-remaining")
}

/// Maps a non-success answer to an error.
pub fn parse_error(status: u16, body: &[u8], headers: &HeaderMap, call: &Call<'_>) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .map(|m| m.trim().trim_end_matches('.').to_owned())
        .unwrap_or_default();
    let (what, list_tool) = noun(call.resource);
    let thing = match call.id {
        Some(id) => format!("{what} {id}"),
        None => what.to_owned(),
    };
    let error = match status {
        400 => Error::new(
            ErrorKind::InvalidInput,
            format!(
                "ServiceFusion refused the request as invalid ({}); check the arguments' formats: dates as YYYY-MM-DD, ids as numbers",
                if message.is_empty() { "Bad Request" } else { &message }
            ),
        ),
        401 => Error::new(
            ErrorKind::Unauthenticated,
            "ServiceFusion rejected the connection's credentials (its access token is invalid or expired and no new one was granted); reconnect the account with the API user's current client id and secret (My Office → Developer Settings → API Credentials)",
        ),
        403 => Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "ServiceFusion does not let this API user see or change the {what} ({}); an administrator must give the user access in ServiceFusion, or connect a user who has it",
                if message.is_empty() { "Forbidden" } else { &message }
            ),
        ),
        404 if call.id.is_some() => Error::new(
            ErrorKind::NotFound,
            format!("ServiceFusion has no {thing}; {list_tool} finds the right id"),
        ),
        404 => Error::new(
            ErrorKind::NotFound,
            format!(
                "ServiceFusion has no {} endpoint at this address ({}); check connectors.servicefusion.settings.base_url",
                call.resource,
                if message.is_empty() { "Not Found" } else { &message }
            ),
        ),
        405 => Error::new(
            ErrorKind::Unsupported,
            format!(
                "ServiceFusion's API cannot do this to a {what}: it only lists, reads and creates records, and has no update or delete; make the change in ServiceFusion itself"
            ),
        ),
        415 => Error::new(
            ErrorKind::Upstream,
            "ServiceFusion did not accept the request's content type; the connector sends JSON, so the API may have changed",
        )
        .with_retryable(false),
        422 => return validation_error(parsed.as_ref(), what, call.create),
        429 => {
            let wait = rate_limit_reset(headers).unwrap_or(Duration::from_secs(60));
            Error::new(
                ErrorKind::RateLimited,
                format!(
                    "ServiceFusion allows 60 requests a minute per access token and this account's are used up; retry in {} s",
                    wait.as_secs().max(1)
                ),
            )
            .with_retry_after(wait)
        }
        500..=599 => Error::new(
            ErrorKind::Upstream,
            format!(
                "ServiceFusion failed ({status}{}); try again shortly",
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ),
        )
        .with_retryable(true),
        _ => Error::new(
            ErrorKind::Upstream,
            format!("ServiceFusion answered HTTP {status} unexpectedly; try again shortly"),
        ),
    };
    error.with_upstream_status(status)
}

/// A 422: every field ServiceFusion named, each with the argument to change and how.
fn validation_error(body: Option<&Value>, what: &str, create: bool) -> Error {
    let fields: Vec<(String, String)> = body
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f.get("field")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        f.get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("is invalid")
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let taken = fields
        .iter()
        .any(|(_, m)| m.contains("has already been taken"));
    let problems: Vec<String> = fields
        .iter()
        .map(|(field, message)| {
            let (argument, fix) = field_fix(field);
            let mut line = format!("`{field}`: {message}");
            if !argument.is_empty() && argument != field {
                line.push_str(&format!(" (argument `{argument}`)"));
            }
            if message.contains("cannot be blank") {
                line.push_str(" — give it a value");
            } else if !fix.is_empty() {
                line.push_str(&format!(" — {fix}"));
            }
            line
        })
        .collect();
    let verb = if create { "create the" } else { "accept the" };
    let summary = if problems.is_empty() {
        "the request failed validation".to_owned()
    } else {
        problems.join("; ")
    };
    let kind = if taken {
        ErrorKind::Conflict
    } else {
        ErrorKind::InvalidInput
    };
    let tail = if taken {
        "; another record already uses that value: pick another, or use the existing record"
    } else {
        ""
    };
    Error::new(
        kind,
        format!("ServiceFusion would not {verb} {what}: {summary}{tail}"),
    )
    .with_upstream_status(422)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const GET_JOB: Call<'static> = Call {
        resource: "jobs",
        id: Some(77),
        create: false,
    };
    const CREATE_JOB: Call<'static> = Call {
        resource: "jobs",
        id: None,
        create: true,
    };

    fn parse(status: u16, body: &str, call: &Call<'_>) -> Error {
        parse_error(status, body.as_bytes(), &HeaderMap::new(), call)
    }

    #[test]
    fn the_documented_bodies_map_to_kinds() {
        let cases = [
            (
                400,
                r#"{"code":400,"name":"Bad Request.","message":"Your request is invalid."}"#,
                ErrorKind::InvalidInput,
            ),
            (
                401,
                r#"{"code":401,"name":"Unauthorized.","message":"Your request was made with invalid credentials."}"#,
                ErrorKind::Unauthenticated,
            ),
            (
                403,
                r#"{"code":403,"name":"Forbidden.","message":"Login Required."}"#,
                ErrorKind::PermissionDenied,
            ),
            (
                404,
                r#"{"code":404,"name":"Not Found.","message":"Item not found."}"#,
                ErrorKind::NotFound,
            ),
            (
                405,
                "{\"code\":405,\"name\":\"Method not allowed.\",\"message\":\"Method Not Allowed. This url can only handle the following request methods: GET.\\n\"}",
                ErrorKind::Unsupported,
            ),
            (
                415,
                r#"{"code":415,"name":"Unsupported Media Type.","message":"None of your requested content types is supported."}"#,
                ErrorKind::Upstream,
            ),
            (
                500,
                r#"{"code":500,"name":"Internal server error.","message":"Failed to create the object for unknown reason."}"#,
                ErrorKind::Upstream,
            ),
            (503, "<html>Service Unavailable</html>", ErrorKind::Upstream),
        ];
        for (status, body, kind) in cases {
            let e = parse(status, body, &GET_JOB);
            assert_eq!(e.kind(), kind, "{status}: {e}");
            assert_eq!(e.upstream_status(), Some(status));
        }
        let e = parse(
            404,
            r#"{"code":404,"name":"Not Found.","message":"Item not found."}"#,
            &GET_JOB,
        );
        assert!(e.message().contains("no job 77"), "{e}");
        assert!(e.message().contains("servicefusion_list_jobs"), "{e}");
        assert!(parse(500, "{}", &GET_JOB).is_retryable());
        assert!(!parse(415, "{}", &GET_JOB).is_retryable());
        let e = parse(405, "{}", &GET_JOB);
        assert!(e.message().contains("no update or delete"), "{e}");
        let e = parse(401, "{}", &GET_JOB);
        assert!(e.message().contains("reconnect"), "{e}");
    }

    #[test]
    fn a_429_waits_for_the_reset_in_the_header() {
        let reset = now_secs() + 42;
        let h = headers(&[
            ("x-rate-limit-limit", "60".into()),
            ("x-rate-limit-remaining", "0".into()),
            ("x-rate-limit-reset", reset.to_string()),
        ]);
        let e = parse_error(
            429,
            br#"{"code":429,"name":"Too Many Requests.","message":"Rate limit exceeded."}"#,
            &h,
            &GET_JOB,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        let wait = e.retry_after().unwrap().as_secs();
        assert!((40..=42).contains(&wait), "{wait}");
        assert_eq!(rate_limit_remaining(&h), Some(0));
        // Without the header: a minute, the whole window.
        let e = parse(429, "{}", &GET_JOB);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    }

    #[test]
    fn validation_errors_name_the_field_and_the_fix() {
        let e = parse(
            422,
            r#"[{"field":"customer_name","message":"Customer Name cannot be blank."}]"#,
            &Call {
                resource: "customers",
                id: None,
                create: true,
            },
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(
            e.message()
                .contains("`customer_name`: Customer Name cannot be blank"),
            "{e}"
        );
        assert!(e.message().contains("give it a value"), "{e}");

        let e = parse(
            422,
            r#"[{"field":"status","message":"Status \"Bogus\" is invalid."},{"field":"customer_name","message":"Customer \"Nobody Inc\" is invalid."}]"#,
            &CREATE_JOB,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let m = e.message();
        assert!(m.contains("would not create the job"), "{m}");
        assert!(
            m.contains("Status \"Bogus\" is invalid")
                && m.contains("servicefusion_list_job_statuses"),
            "{m}"
        );
        assert!(
            m.contains("argument `customer`") && m.contains("servicefusion_search_customers"),
            "{m}"
        );

        let e = parse(
            422,
            r#"[{"field":"customer_name","message":"Customer Name \"Acme\" has already been taken."}]"#,
            &Call {
                resource: "customers",
                id: None,
                create: true,
            },
        );
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.message().contains("already uses that value"), "{e}");

        let e = parse(422, "not json", &CREATE_JOB);
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
