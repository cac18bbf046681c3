//! ServiceFusion through the whole gateway: a dispatcher's session in the Python MCP SDK
//! against `switchboard demo`, and a burst of 200 list calls on one team's connection
//! (`switchboard serve`, client credentials in the vault) against a fake that allows 60
//! requests a minute: every call is answered and the fake never has to say 429.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::time::{Duration, Instant};

use common::{call_tool, cli, result_json};
use connector_servicefusion::fake::{FakeOptions, start_with};
use serde_json::{Value, json};

#[test]
fn a_dispatcher_works_through_the_demo_with_the_python_sdk() {
    let demo = common::demo(&[]);
    common::python_scenario(
        "scenario_servicefusion.py",
        &demo,
        &[
            "servicefusion tools",
            "found by phone",
            "job history:",
            "open estimates:",
            "created customer Okafor Family Dental",
            "read back with",
            "an unknown status is refused",
        ],
    );
}

/// What one call came back with: its data, or how long the model is told to wait.
enum Outcome {
    Ok,
    Wait(u64),
}

fn outcome(r: &rmcp::model::CallToolResult) -> Outcome {
    let v = result_json(r);
    if r.is_error != Some(true) {
        assert!(v["items"].is_array(), "{v}");
        return Outcome::Ok;
    }
    let e = &v["error"];
    assert_eq!(e["kind"], "rate_limited", "{v}");
    let wait = e["retry_after_secs"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retry_after_secs: {v}"));
    assert!((1..=60).contains(&wait), "{v}");
    Outcome::Wait(wait)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_200_list_calls_on_one_team_earns_no_429() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions::default()).await.unwrap();
    assert_eq!(fake.account().config["requests_per_minute"], 60);
    let (client_id, client_secret) = fake.client_credentials();
    let key = gateway::vault::MasterKey::generate()
        .to_base64()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [store]\ndatabase_url = \"sqlite://{db}\"\n\
         [connectors.servicefusion.settings]\nbase_url = \"{base}\"\n",
        db = dir.path().join("sb.db").display(),
        base = fake.base_url(),
    );
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, &config).unwrap();
    cli(
        &path,
        &key,
        &[
            "tenant",
            "create",
            "hvac",
            "--name",
            "Lone Star HVAC",
            "--owner",
            "dispatch@hvac.example",
            "--active",
        ],
    );
    cli(
        &path,
        &key,
        &[
            "connection",
            "add",
            "hvac",
            "--connector",
            "servicefusion",
            "--label",
            "API user",
            "--credential",
            &format!("client_id={client_id}"),
            "--credential",
            &format!("client_secret={client_secret}"),
        ],
    );
    let token = cli(
        &path,
        &key,
        &[
            "token",
            "issue",
            "--tenant",
            "hvac",
            "--member",
            "dispatch@hvac.example",
        ],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let server = common::serve_with_env(&config, &[("SWITCHBOARD_MASTER_KEY", key.as_str())]);

    // 200 list calls at once, each a different page size so none is a repeat.
    let calls: Vec<Value> = (0..200)
        .map(|i| {
            let sort = ["name", "last_serviced", "newest"][i % 3];
            json!({"limit": 1 + i % 50, "sort": sort})
        })
        .collect();
    let first: Vec<_> = futures::future::join_all(calls.iter().map(|args| {
        let (url, token) = (server.url.clone(), token.clone());
        let args = args.clone();
        async move { call_tool(&url, &token, "servicefusion_search_customers", args).await }
    }))
    .await;
    let mut pending: Vec<(Value, u64)> = Vec::new();
    let mut answered = 0;
    for (args, r) in calls.iter().zip(&first) {
        let r = r
            .as_ref()
            .unwrap_or_else(|e| panic!("a call got no answer: {e}"));
        match outcome(r) {
            Outcome::Ok => answered += 1,
            Outcome::Wait(s) => pending.push((args.clone(), s)),
        }
    }
    assert_eq!(
        answered + pending.len(),
        200,
        "every call is answered at once"
    );
    assert!(
        answered >= 55,
        "the first minute's budget is used: {answered}"
    );
    assert_eq!(fake.rate_limited(), 0, "ServiceFusion never had to say 429");

    // A model that waits as told gets every answer.
    let deadline = Instant::now() + Duration::from_secs(300);
    while !pending.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} calls still waiting",
            pending.len()
        );
        let wait = pending.iter().map(|(_, s)| *s).min().unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(wait)).await;
        let round: Vec<_> = futures::future::join_all(pending.iter().map(|(args, _)| {
            let (url, token) = (server.url.clone(), token.clone());
            let args = args.clone();
            async move { call_tool(&url, &token, "servicefusion_search_customers", args).await }
        }))
        .await;
        let mut still = Vec::new();
        for ((args, _), r) in pending.iter().zip(&round) {
            match outcome(r.as_ref().unwrap()) {
                Outcome::Ok => answered += 1,
                Outcome::Wait(s) => still.push((args.clone(), s)),
            }
        }
        pending = still;
    }
    assert_eq!(answered, 200);
    assert_eq!(fake.rate_limited(), 0, "still no 429 from ServiceFusion");
    assert!(
        fake.max_requests_in_window() <= 60,
        "{} requests in one window",
        fake.max_requests_in_window()
    );
    // One token served the whole burst: got once by the gateway, shared through the store.
    assert_eq!(fake.token_grants("client_credentials"), 1);
}
