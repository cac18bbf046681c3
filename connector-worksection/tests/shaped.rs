//! Snapshots of shaped outputs on the small fake account, so a change in what a model
//! sees shows up in review. The seed's dates are relative to today, so they are redacted.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::{Budget, CallContext, Upstream, UpstreamConfig};
use connector_worksection::fake::{FakeOptions, start_with};
use serde_json::{Value, json};

async fn shaped(calls: &[(&str, Value)]) -> Vec<Value> {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let connector = connector_core::erase(connector_worksection::Worksection).unwrap();
    let mut config = fake.account().config;
    config["requests_per_second"] = json!(100);
    let client = connector
        .build(
            &config,
            &fake.account().credentials,
            &Upstream::new(UpstreamConfig::default()).unwrap(),
        )
        .unwrap();
    let mut out = Vec::new();
    for (name, args) in calls {
        let tool = connector
            .tools()
            .iter()
            .find(|t| t.spec().name == *name)
            .unwrap();
        out.push(
            tool.call(
                &client,
                args.clone(),
                &CallContext {
                    budget: Budget::default(),
                },
            )
            .await
            .unwrap()
            .structured,
        );
    }
    out
}

#[tokio::test]
async fn shaped_outputs() {
    let outputs = shaped(&[
        ("worksection_list_projects", json!({"limit": 3})),
        ("worksection_list_all_tasks", json!({"limit": 4})),
        (
            "worksection_get_task",
            json!({"task_id": "330090", "include": ["text", "files", "subtasks", "relations"]}),
        ),
        (
            "worksection_list_task_comments",
            json!({"task_id": "330090", "limit": 2}),
        ),
        ("worksection_list_costs", json!({"limit": 2})),
    ])
    .await;
    let names = [
        "list_projects",
        "list_all_tasks",
        "get_task",
        "list_task_comments",
        "list_costs",
    ];
    for (name, value) in names.iter().zip(outputs) {
        insta::assert_json_snapshot!(*name, value, {
            ".**.created" => "[date]",
            ".**.start" => "[date]",
            ".**.due" => "[date]",
            ".**.closed" => "[date]",
            ".**.date" => "[date]",
            ".rows[][7]" => "[date]",
            ".next_cursor" => "[cursor]",
        });
    }
}
