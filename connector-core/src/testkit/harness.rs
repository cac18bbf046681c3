//! A connector's tools against one client, as its own tests call them: by name, with
//! JSON arguments, within a budget, and list tools followed page by page to their end.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::{
    Budget, CallContext, ClientHandle, Credentials, DynConnector, Error, Result, Upstream,
    shape::serialized_len,
};

#[track_caller]
fn fail(what: &str) -> ! {
    #[allow(clippy::panic, reason = "a failed call fails the calling test")]
    {
        panic!("{what}")
    }
}

/// A connector, the config its client was built from, and the client.
#[derive(Debug)]
pub struct Harness {
    pub connector: Arc<dyn DynConnector>,
    pub config: Value,
    pub client: ClientHandle,
}

impl Harness {
    /// Builds the client for `credentials`; a connector that cannot is a test failure.
    pub fn new(
        connector: Arc<dyn DynConnector>,
        config: Value,
        credentials: &Credentials,
        upstream: &Upstream,
    ) -> Self {
        let client = match connector.build(&config, credentials, upstream) {
            Ok(c) => c,
            Err(e) => fail(&format!("the client did not build: {e}")),
        };
        Harness {
            connector,
            config,
            client,
        }
    }

    /// Calls a tool with another client (another account or person).
    pub async fn try_call_with(
        &self,
        client: &ClientHandle,
        name: &str,
        args: Value,
        budget: Budget,
    ) -> Result<Value> {
        call_tool(self.connector.as_ref(), client, name, args, budget).await
    }

    pub async fn try_call(&self, name: &str, args: Value) -> Result<Value> {
        self.try_call_with(&self.client, name, args, Budget::default())
            .await
    }

    /// The result of a call that must succeed.
    pub async fn call(&self, name: &str, args: Value) -> Value {
        match self.try_call(name, args.clone()).await {
            Ok(v) => v,
            Err(e) => fail(&format!("{name}({args}) failed: {e}")),
        }
    }

    /// The error of a call that must fail.
    pub async fn fails(&self, name: &str, args: Value) -> Error {
        match self.try_call(name, args.clone()).await {
            Ok(v) => fail(&format!("{name}({args}) succeeded: {v}")),
            Err(e) => e,
        }
    }

    /// Every item of a list tool (`items`, or a table's `rows` as objects), following
    /// `next_cursor`; each page must fit `budget`.
    pub async fn all_items(&self, name: &str, args: Value, budget: Budget) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1_000 {
            let mut a = args.clone();
            if let Some(c) = &cursor {
                a["cursor"] = json!(c);
            }
            let page = match self.try_call_with(&self.client, name, a, budget).await {
                Ok(p) => p,
                Err(e) => fail(&format!("{name}: {e}")),
            };
            if serialized_len(&page) > budget.chars {
                fail(&format!(
                    "{name}: a page over the budget of {}",
                    budget.chars
                ));
            }
            out.extend(rows(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
        fail(&format!("{name}: paging does not end"));
    }
}

/// Calls the connector's tool `name` (a missing tool fails the test): its structured
/// result.
pub async fn call_tool(
    connector: &dyn DynConnector,
    client: &ClientHandle,
    name: &str,
    args: Value,
    budget: Budget,
) -> Result<Value> {
    let Some(tool) = connector.tools().iter().find(|t| t.spec().name == name) else {
        fail(&format!("{}: no tool named {name}", connector.info().id));
    };
    tool.call(client, args, &CallContext { budget })
        .await
        .map(|o| o.structured)
}

/// A running fake and the connector's tools against it; derefs to the [`Harness`].
#[derive(Debug)]
pub struct WithFake<F> {
    pub fake: F,
    pub tools: Harness,
}

impl<F> std::ops::Deref for WithFake<F> {
    type Target = Harness;

    fn deref(&self) -> &Harness {
        &self.tools
    }
}

/// A page's items: `items`, or a table's `rows` paired with its `columns`.
pub fn rows(page: &Value) -> Vec<Value> {
    if let Some(items) = page["items"].as_array() {
        return items.clone();
    }
    let columns: Vec<&str> = page["columns"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    page["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    Value::Object(
                        columns
                            .iter()
                            .zip(r.as_array().into_iter().flatten())
                            .map(|(c, v)| ((*c).to_owned(), v.clone()))
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
