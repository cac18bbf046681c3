//! Worksection through the whole gateway with rmcp's client: `switchboard demo` against
//! the fake (small team), and `switchboard serve` against the large account.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use rmcp::{
    ClientLifecycleMode, ClientServiceExt,
    model::{
        CallToolRequestParams, CallToolResult, ProtocolVersion, ReadResourceRequestParams,
        ResourceContents,
    },
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};

type Client = RunningService<rmcp::RoleClient, ()>;

async fn connect(url: &str, token: &str) -> Client {
    let t = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token.to_owned()),
    );
    ().serve_with_lifecycle(
        t,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    )
    .await
    .unwrap()
}

async fn call(c: &Client, name: &str, args: Value) -> CallToolResult {
    c.call_tool(
        CallToolRequestParams::new(name.to_owned())
            .with_arguments(args.as_object().unwrap().clone()),
    )
    .await
    .unwrap()
}

async fn ok(c: &Client, name: &str, args: Value) -> Value {
    let r = call(c, name, args.clone()).await;
    assert_ne!(r.is_error, Some(true), "{name}({args}): {:?}", r.content);
    r.structured_content.unwrap()
}

fn rows(table: &Value) -> Vec<Value> {
    let cols: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            Value::Object(
                cols.iter()
                    .zip(r.as_array().unwrap())
                    .map(|(c, v)| ((*c).to_owned(), v.clone()))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_model_works_a_task_through_the_demo() {
    let demo = common::demo(&[]);
    let c = connect(&demo.url, &demo.token).await;
    let tools = c.list_all_tools().await.unwrap();
    let ws: Vec<_> = tools
        .iter()
        .filter(|t| t.name.starts_with("worksection_"))
        .collect();
    assert!(ws.len() >= 45, "{} worksection tools", ws.len());
    for t in &ws {
        let a = t.annotations.as_ref().unwrap();
        let name = t.name.as_ref();
        let writes = [
            "create",
            "update",
            "close",
            "activate",
            "add",
            "remove",
            "complete",
            "reopen",
            "subscribe",
            "unsubscribe",
            "post",
            "delete",
            "start",
            "stop",
            "set",
        ]
        .iter()
        .any(|v| name.starts_with(&format!("worksection_{v}_")));
        if writes {
            assert_eq!(a.read_only_hint, Some(false), "{name}");
        } else {
            assert_eq!(a.read_only_hint, Some(true), "{name}");
        }
        if name.contains("_delete_") || name.contains("_remove_") {
            assert_eq!(a.destructive_hint, Some(true), "{name}");
        }
        assert!(t.title.is_some(), "{name}");
    }

    let projects = ok(&c, "worksection_list_projects", json!({"status": "active"})).await;
    let pid = projects["items"][0]["id"].as_str().unwrap().to_owned();
    let task = ok(&c, "worksection_create_task", json!({"project_id": pid, "title": "Call the supplier", "due_date": "2027-01-15", "priority": 6})).await;
    let tid = task["id"].as_str().unwrap().to_owned();
    ok(
        &c,
        "worksection_post_comment",
        json!({"task_id": tid, "text": "Left a voicemail."}),
    )
    .await;
    let members = ok(&c, "worksection_list_members", json!({})).await;
    let who = members["items"][0]["email"].as_str().unwrap().to_owned();
    ok(
        &c,
        "worksection_add_cost",
        json!({"task_id": tid, "hours": 0.5, "comment": "phone call", "member_email": who}),
    )
    .await;
    ok(&c, "worksection_complete_task", json!({"task_id": tid})).await;

    let back = ok(
        &c,
        "worksection_get_task",
        json!({"task_id": tid, "include": ["comments"]}),
    )
    .await;
    assert_eq!(back["status"], "done");
    assert_eq!(back["due"], "2027-01-15");
    let comments = ok(
        &c,
        "worksection_list_task_comments",
        json!({"task_id": tid}),
    )
    .await;
    assert!(
        comments["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("voicemail")
    );
    let costs = ok(&c, "worksection_list_costs", json!({"task_id": tid})).await;
    assert_eq!(costs["items"][0]["hours"], 0.5);

    // Resources: the templates are listed, a task's context and a file read back.
    let templates = c.list_all_resource_templates().await.unwrap();
    assert!(
        templates
            .iter()
            .any(|t| t.uri_template == "worksection://task/{id}/context")
    );
    let context = c
        .read_resource(ReadResourceRequestParams::new(format!(
            "worksection://task/{tid}/context"
        )))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents { text, .. } = &context.contents[0] else {
        panic!("text expected")
    };
    assert!(text.contains("voicemail"), "{text}");
    let missing = c
        .read_resource(ReadResourceRequestParams::new("worksection://file/424242"))
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("-32602"),
        "2026-07-28 answers a missing resource with -32602: {missing}"
    );

    // The errors a model meets are isError results that say what to do.
    let r = call(&c, "worksection_get_task", json!({"task_id": "424242"})).await;
    assert_eq!(r.is_error, Some(true));
    assert_eq!(
        r.structured_content.as_ref().unwrap()["error"]["kind"],
        "not_found"
    );
    let r = call(
        &c,
        "worksection_create_task",
        json!({"project_id": pid, "title": "x", "due_date": "15.01.2027"}),
    )
    .await;
    assert_eq!(r.is_error, Some(true));
    assert!(
        serde_json::to_string(&r.content)
            .unwrap()
            .contains("due_date")
    );
}

#[tokio::test]
async fn every_task_of_the_large_account_exactly_once() {
    connector_core::http::install_crypto_provider();
    let fake = connector_worksection::fake::start_with(connector_worksection::fake::FakeOptions {
        dataset: connector_worksection::fake::Dataset::Large,
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let port = common::free_port();
    let token = "sb_large_account_test";
    let server = common::serve(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n[auth]\ntoken_sha256 = [\"{}\"]\n\
         [connectors.worksection.settings]\noauth_base_url = \"{base}\"\nrequests_per_second = 50\n\
         [connectors.worksection.credentials]\naccount_url = \"{base}\"\napi_key = \"{key}\"\n",
        gateway::auth::hash_token(token),
        base = fake.base_url(),
        key = fake.api_key()
    ));
    let c = connect(&server.url, token).await;
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut a = json!({"active_only": false});
        if let Some(cur) = &cursor {
            a["cursor"] = json!(cur);
        }
        let r = call(&c, "worksection_list_all_tasks", a).await;
        let page = r.structured_content.unwrap();
        // Each page fits the default budget, with room for the text copy.
        assert!(page.to_string().len() <= 60_000);
        ids.extend(
            rows(&page)
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a task came twice");
    assert!(n >= 5_000, "{n}");
}
