//! The MCP endpoint end to end: the real binary (`switchboard demo`, test connector
//! compiled in) and rmcp's own client in both protocol eras, plus raw HTTP for the
//! answers to bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use rmcp::{
    ClientLifecycleMode, ClientServiceExt, ServiceExt,
    model::{CallToolRequestParams, JsonObject, ProtocolVersion},
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};

type Client = RunningService<rmcp::RoleClient, ()>;

async fn connect(url: &str, token: &str, modern: bool) -> Client {
    let transport = || {
        StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(url.to_owned())
                .auth_header(token.to_owned()),
        )
    };
    if modern {
        ().serve_with_lifecycle(
            transport(),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap()
    } else {
        ().serve(transport()).await.unwrap()
    }
}

fn args(v: Value) -> JsonObject {
    v.as_object().unwrap().clone()
}

async fn exercise(client: &Client, expect_version: &str) {
    assert_eq!(
        client
            .peer_info()
            .map(|i| i.protocol_version.to_string())
            .as_deref(),
        Some(expect_version)
    );
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "tools/list is in name order");
    // Every compiled-in connector's fake runs in the demo; these are the test connector's.
    let testkit: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with("testkit_"))
        .collect();
    assert_eq!(
        testkit,
        [
            "testkit_create_note",
            "testkit_echo_text",
            "testkit_get_note",
            "testkit_list_notes",
            "testkit_trigger_panic"
        ]
    );
    let get = tools.iter().find(|t| t.name == "testkit_get_note").unwrap();
    assert_eq!(get.title.as_deref(), Some("Get a note"));
    assert_eq!(
        get.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(true)
    );
    assert_eq!(get.input_schema.get("type"), Some(&json!("object")));

    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_get_note").with_arguments(args(json!({"id": 7}))),
        )
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true));
    let note = r.structured_content.unwrap();
    assert_eq!(note["id"], 7);
    assert!(note["body"].as_str().unwrap().contains("Body of note 7"));

    // Invalid arguments: an isError result naming the field and the expectation.
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_get_note")
                .with_arguments(args(json!({"id": "seven"}))),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let text = serde_json::to_string(&r.content).unwrap();
    assert!(
        text.contains("argument `id`") && text.contains("integer"),
        "{text}"
    );

    // A missing upstream object: isError with the kind, not a protocol error.
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_get_note")
                .with_arguments(args(json!({"id": 99999}))),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert_eq!(r.structured_content.unwrap()["error"]["kind"], "not_found");

    // Unknown tool: JSON-RPC -32602.
    let err = client
        .call_tool(CallToolRequestParams::new("testkit_no_such_tool"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("-32602"), "{err}");

    // A panicking tool fails its own call only.
    let err = client
        .call_tool(CallToolRequestParams::new("testkit_trigger_panic"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("crashed"), "{err}");
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_echo_text")
                .with_arguments(args(json!({"text": "still here"}))),
        )
        .await
        .unwrap();
    assert_eq!(r.structured_content.unwrap()["text"], "still here");
}

#[tokio::test]
async fn rmcp_client_in_both_eras() {
    let demo = common::demo(&[]);
    let legacy = connect(&demo.url, &demo.token, false).await;
    exercise(&legacy, "2025-11-25").await;
    legacy.cancel().await.unwrap();
    let modern = connect(&demo.url, &demo.token, true).await;
    exercise(&modern, "2026-07-28").await;
    modern.cancel().await.unwrap();
}

#[tokio::test]
async fn list_results_page_and_stay_in_budget() {
    let demo = common::demo(&[]);
    let client = connect(&demo.url, &demo.token, true).await;
    let mut cursor: Option<String> = None;
    let mut ids = Vec::new();
    loop {
        let mut a = json!({"limit": 50});
        if let Some(c) = &cursor {
            a["cursor"] = json!(c);
        }
        let r = client
            .call_tool(CallToolRequestParams::new("testkit_list_notes").with_arguments(args(a)))
            .await
            .unwrap();
        let page = r.structured_content.unwrap();
        assert_eq!(page["total"], 120);
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_u64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(page["truncated"], true);
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(ids, (1..=120).collect::<Vec<u64>>());
    // A cursor from another query is refused with a message naming the argument.
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_list_notes").with_arguments(args(
                json!({"tag": "ops", "cursor": cursor_for_other_query(&client).await}),
            )),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        serde_json::to_string(&r.content)
            .unwrap()
            .contains("argument `cursor`")
    );
}

async fn cursor_for_other_query(client: &Client) -> String {
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_list_notes")
                .with_arguments(args(json!({"limit": 5}))),
        )
        .await
        .unwrap();
    r.structured_content.unwrap()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn post(
    base: &str,
    token: Option<&str>,
    host: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut rb = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(h) = host {
        rb = rb.header("host", h);
    }
    rb.body(body).send().await.unwrap()
}

#[tokio::test]
async fn bad_requests_get_clear_answers() {
    let demo = common::demo(&[]);
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();

    // No token: 401 with a challenge pointing at the resource metadata.
    let r = post(&demo.base, None, None, list.clone()).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("resource_metadata=")
            && challenge.contains("/.well-known/oauth-protected-resource/mcp"),
        "{challenge}"
    );
    assert_eq!(
        post(&demo.base, Some("sb_wrong"), None, list.clone())
            .await
            .status(),
        401
    );

    // Host not allowed (DNS rebinding): 403.
    let r = post(
        &demo.base,
        Some(&demo.token),
        Some("evil.example"),
        list.clone(),
    )
    .await;
    assert_eq!(r.status(), 403);

    // Malformed JSON: a JSON-RPC parse error.
    let r = post(&demo.base, Some(&demo.token), None, "{\"jsonrpc\": ").await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32700, "{body}");

    // Over the body limit: 413.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let r = post(&demo.base, Some(&demo.token), None, big).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("server.max_body_bytes"));

    // Health endpoints carry the build.
    for path in ["healthz", "readyz"] {
        let v: Value = reqwest::get(format!("{}/{path}", demo.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["build"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(v["build"]["git_commit"].is_string() && v["build"]["build_time"].is_string());
    }
}

#[tokio::test]
async fn tools_list_is_paginated_and_deterministic() {
    let fake = connector_core::testkit::notes::start_fake().await.unwrap();
    let port = common::free_port();
    let token = "sb_paging_test_token";
    let key = connector_core::secret::ExposeSecret::expose_secret(
        fake.credentials.get("api_key").unwrap(),
    )
    .to_owned();
    let server = common::serve(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\ntools_page_size = 2\n\
         [auth]\ntoken_sha256 = [\"{}\"]\n\
         [connectors.testkit.settings]\nbase_url = \"{}\"\n[connectors.testkit.credentials]\napi_key = \"{key}\"\n",
        gateway::auth::hash_token(token),
        fake.base_url
    ));
    let first = post(
        &server.base,
        Some(token),
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
    )
    .await;
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["result"]["tools"].as_array().unwrap().len(), 2);
    let cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    let bad = post(&server.base, Some(token), None, json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"cursor": "nonsense"}}).to_string()).await;
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let second = post(
        &server.base,
        Some(token),
        None,
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"cursor": cursor}})
            .to_string(),
    )
    .await;
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["result"]["tools"][0]["name"], "testkit_get_note");

    let client = connect(&server.url, token, true).await;
    let all: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    let again: Vec<String> = connect(&server.url, token, false)
        .await
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(all.len(), 5);
    assert_eq!(all, again);
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_create_note")
                .with_arguments(args(json!({"title": "from the test"}))),
        )
        .await
        .unwrap();
    assert_eq!(r.structured_content.unwrap()["id"], 121);
}

#[tokio::test]
async fn sigterm_finishes_calls_in_flight() {
    let mut demo = common::demo(&[]);
    let client = connect(&demo.url, &demo.token, true).await;
    let call = tokio::spawn(async move {
        client
            .call_tool(
                CallToolRequestParams::new("testkit_echo_text")
                    .with_arguments(args(json!({"text": "slow", "delay_ms": 1500}))),
            )
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let pid = demo.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let r = call.await.unwrap().unwrap();
    assert_eq!(r.structured_content.unwrap()["text"], "slow");
    let status = demo.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // Once stopped, nothing listens any more.
    assert!(
        reqwest::get(format!("{}/healthz", demo.base))
            .await
            .is_err()
    );
}
