//! The shared conformance suite. Each connector's `tests/conformance.rs` builds a
//! [`Subject`] from its fake and calls [`run`]; a failure panics with the connector, the
//! tool and what was wrong. Individual checks are public so a connector can run one alone.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use serde_json::{Map, Value, json};

use crate::{
    Access, Budget, ClientHandle, DynConnector, ErrorKind, Upstream, UpstreamConfig,
    check_tool_name,
    fake::{FakeAccount, Fault},
    shape::serialized_len,
};

/// What the suite needs to know about a connector under test.
#[derive(Debug)]
pub struct Subject {
    pub connector: Arc<dyn DynConnector>,
    pub account: FakeAccount,
    /// A read tool and valid arguments that reach the upstream.
    pub read_call: (&'static str, Value),
    /// A list tool and arguments whose result pages with `cursor`.
    pub list_call: (&'static str, Value),
}

/// An upstream client tuned for tests: real policy, short waits.
pub fn test_upstream() -> Upstream {
    let config = UpstreamConfig {
        max_retries: 1,
        base_delay_ms: 1,
        max_delay_ms: 50,
        max_queue_ms: 50,
        ..UpstreamConfig::default()
    };
    match Upstream::new(config) {
        Ok(u) => u,
        Err(e) => fail("testkit", &format!("upstream client: {e}")),
    }
}

#[track_caller]
fn fail(connector: &str, what: &str) -> ! {
    #[allow(clippy::panic, reason = "a conformance failure fails the calling test")]
    {
        panic!("conformance [{connector}]: {what}")
    }
}

impl Subject {
    fn id(&self) -> &'static str {
        self.connector.info().id
    }

    fn client(&self) -> ClientHandle {
        match self.connector.build(
            &self.account.config,
            &self.account.credentials,
            &test_upstream(),
        ) {
            Ok(c) => c,
            Err(e) => fail(self.id(), &format!("build against the fake failed: {e}")),
        }
    }

    async fn call(
        &self,
        client: &ClientHandle,
        name: &str,
        args: Value,
        budget: Budget,
    ) -> crate::Result<Value> {
        super::call_tool(self.connector.as_ref(), client, name, args, budget).await
    }
}

/// Runs every check.
pub async fn run(subject: &Subject) {
    catalog_is_valid(subject.connector.as_ref());
    example_config_parses(subject.connector.as_ref());
    no_secret_in_debug(subject);
    invalid_arguments_are_refused(subject).await;
    upstream_errors_map_to_kinds(subject).await;
    pagination_ends(subject).await;
    results_fit_the_budget(subject).await;
}

/// Names valid and unique, texts present, annotations consistent with access.
pub fn catalog_is_valid(connector: &dyn DynConnector) {
    let id = connector.info().id;
    let mut seen = BTreeSet::new();
    if connector.tools().is_empty() {
        fail(id, "the connector has no tools");
    }
    for tool in connector.tools() {
        let spec = tool.spec();
        if let Err(e) = check_tool_name(id, spec.name) {
            fail(id, &e);
        }
        if !seen.insert(spec.name) {
            fail(id, &format!("{}: defined twice", spec.name));
        }
        if spec.title.trim().is_empty() {
            fail(id, &format!("{}: no title", spec.name));
        }
        if spec.description.trim().len() < 20 {
            fail(
                id,
                &format!(
                    "{}: the description is too short to guide a model",
                    spec.name
                ),
            );
        }
        let read_only = spec.annotations.read_only;
        match spec.access {
            Access::Read if !read_only => {
                fail(id, &format!("{}: a read tool must be readOnly", spec.name))
            }
            Access::Write if read_only => fail(
                id,
                &format!("{}: a write tool cannot be readOnly", spec.name),
            ),
            _ => {}
        }
        if tool.input_schema().as_map().get("type") != Some(&json!("object")) {
            fail(id, &format!("{}: schema root is not an object", spec.name));
        }
    }
}

/// The connector's example config parses and validates.
pub fn example_config_parses(connector: &dyn DynConnector) {
    let id = connector.info().id;
    let parsed: toml::Table = match toml::from_str(connector.example_config()) {
        Ok(t) => t,
        Err(e) => fail(id, &format!("example config is not TOML: {e}")),
    };
    let value = match serde_json::to_value(parsed) {
        Ok(v) => v,
        Err(e) => fail(id, &format!("example config: {e}")),
    };
    if let Err(e) = connector.check_config(&value) {
        fail(id, &format!("example config does not validate: {e}"));
    }
}

/// Neither the credentials nor the built client print a secret.
pub fn no_secret_in_debug(subject: &Subject) {
    let client = subject.client();
    let shown = format!("{:?} {:?}", subject.account.credentials, client);
    for secret in subject.account.credentials.secret_values() {
        use secrecy::ExposeSecret;
        if shown.contains(secret.expose_secret()) {
            fail(subject.id(), "a secret appears in Debug output");
        }
    }
}

/// A wrong-typed or unknown argument is refused as `InvalidInput` naming the field.
pub async fn invalid_arguments_are_refused(subject: &Subject) {
    let client = subject.client();
    let before = subject.account.control.requests();
    for tool in subject.connector.tools() {
        let schema = tool.input_schema().as_map();
        let (args, field) = wrong_arguments(schema);
        let name = tool.spec().name;
        match subject
            .call(&client, name, args.clone(), Budget::default())
            .await
        {
            Ok(_) => fail(
                subject.id(),
                &format!("{name}: accepted invalid arguments {args}"),
            ),
            Err(e) if e.kind() != ErrorKind::InvalidInput => fail(
                subject.id(),
                &format!("{name}: invalid arguments gave {} ({e})", e.kind()),
            ),
            Err(e) if !e.message().contains(&field) => fail(
                subject.id(),
                &format!("{name}: the error does not name `{field}`: {e}"),
            ),
            Err(_) => {}
        }
    }
    if subject.account.control.requests() != before {
        fail(subject.id(), "invalid arguments reached the upstream");
    }
}

/// Builds arguments that break the schema, and the field the error must name.
fn wrong_arguments(schema: &Map<String, Value>) -> (Value, String) {
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some((name, prop)) = props.and_then(|p| p.iter().next()) {
        let wrong = match prop.get("type").and_then(Value::as_str) {
            Some("string") => json!(12345),
            Some("integer" | "number") => json!("not a number"),
            Some("boolean") => json!("not a boolean"),
            Some("array") => json!({"not": "an array"}),
            _ => json!({"unexpected": ["shape"]}),
        };
        let mut args = Map::new();
        args.insert(name.clone(), wrong);
        return (Value::Object(args), name.clone());
    }
    (
        json!({"unexpected_argument": 1}),
        "unexpected_argument".into(),
    )
}

/// Each upstream failure mode maps to the right kind, with a retry hint for 429.
pub async fn upstream_errors_map_to_kinds(subject: &Subject) {
    let client = subject.client();
    let (tool, args) = &subject.read_call;
    if let Err(e) = subject
        .call(&client, tool, args.clone(), Budget::default())
        .await
    {
        fail(
            subject.id(),
            &format!("{tool}: the read call fails without a fault: {e}"),
        );
    }
    let cases = [
        (Fault::Unauthenticated, ErrorKind::Unauthenticated),
        (Fault::PermissionDenied, ErrorKind::PermissionDenied),
        (Fault::NotFound, ErrorKind::NotFound),
        (Fault::RateLimited, ErrorKind::RateLimited),
        (Fault::ServerError, ErrorKind::Upstream),
    ];
    for (fault, kind) in cases {
        // Enough for every retry the policy allows.
        subject.account.control.inject(fault, 8);
        let result = subject
            .call(&client, tool, args.clone(), Budget::default())
            .await;
        // Faults the connector did not use up must not leak into the next case; a caller
        // told to wait waits (the account's budget is held meanwhile).
        subject.account.control.clear();
        if let Err(e) = &result
            && let Some(after) = e.retry_after()
        {
            tokio::time::sleep(after.min(Duration::from_secs(3))).await;
        }
        let err = match result {
            Ok(_) => fail(
                subject.id(),
                &format!("{tool}: {fault:?} was not reported as an error"),
            ),
            Err(e) => e,
        };
        if err.kind() != kind {
            fail(
                subject.id(),
                &format!(
                    "{tool}: {fault:?} mapped to {} instead of {kind} ({err})",
                    err.kind()
                ),
            );
        }
        if kind == ErrorKind::RateLimited && err.retry_after().is_none() {
            fail(
                subject.id(),
                &format!("{tool}: a rate limit without retry_after"),
            );
        }
        if kind == ErrorKind::Upstream && !err.is_retryable() {
            fail(
                subject.id(),
                &format!("{tool}: a server error should be retryable"),
            );
        }
        use secrecy::ExposeSecret;
        for secret in subject.account.credentials.secret_values() {
            if err.to_string().contains(secret.expose_secret())
                || format!("{err:?}").contains(secret.expose_secret())
            {
                fail(
                    subject.id(),
                    &format!("{tool}: a secret appears in the {fault:?} error"),
                );
            }
        }
    }
}

/// Following `next_cursor` ends, and no item appears twice.
pub async fn pagination_ends(subject: &Subject) {
    let client = subject.client();
    let (tool, args) = &subject.list_call;
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1_000 {
        let mut call_args = args.clone();
        if let (Some(c), Some(obj)) = (&cursor, call_args.as_object_mut()) {
            obj.insert("cursor".into(), json!(c));
        }
        let page = match subject
            .call(&client, tool, call_args, Budget::new(8_000))
            .await
        {
            Ok(p) => p,
            Err(e) => fail(subject.id(), &format!("{tool}: paging failed: {e}")),
        };
        // A page carries `items`, or `rows` when shaped as a table.
        let items = page
            .get("items")
            .or_else(|| page.get("rows"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for item in items {
            if !seen.insert(item.to_string()) {
                fail(
                    subject.id(),
                    &format!("{tool}: item seen twice while paging: {item}"),
                );
            }
        }
        match page.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                if seen.len() < 2 {
                    fail(
                        subject.id(),
                        &format!("{tool}: the list call should return several items"),
                    );
                }
                return;
            }
        }
    }
    fail(
        subject.id(),
        &format!("{tool}: paging did not end after 1000 pages"),
    );
}

/// List and read results stay within a small budget.
pub async fn results_fit_the_budget(subject: &Subject) {
    let client = subject.client();
    let budget = Budget::new(3_000);
    for (tool, args) in [&subject.list_call, &subject.read_call] {
        match subject.call(&client, tool, args.clone(), budget).await {
            Ok(v) => {
                let (shaped, _) = crate::fit_value(v, budget);
                let size = serialized_len(&shaped);
                if size > budget.chars {
                    fail(
                        subject.id(),
                        &format!("{tool}: {size} characters over a {} budget", budget.chars),
                    );
                }
            }
            Err(e) => fail(subject.id(), &format!("{tool}: {e}")),
        }
    }
    let (tool, args) = &subject.list_call;
    if let Ok(v) = subject.call(&client, tool, args.clone(), budget).await
        && serialized_len(&v) > budget.chars
    {
        fail(
            subject.id(),
            &format!("{tool}: a list page ignores the budget"),
        );
    }
}

/// The tool catalog as JSON, for an insta snapshot in the connector's tests.
pub fn catalog(connector: &dyn DynConnector) -> Value {
    Value::Array(
        connector
            .tools()
            .iter()
            .map(|t| {
                let s = t.spec();
                json!({
                    "name": s.name,
                    "title": s.title,
                    "description": s.description,
                    "access": s.access,
                    "annotations": s.annotations,
                    "input_schema": Value::Object((**t.input_schema().as_map()).clone()),
                })
            })
            .collect(),
    )
}
