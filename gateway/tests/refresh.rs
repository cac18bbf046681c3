//! Upstream OAuth tokens across replicas: two `switchboard serve` processes share one
//! PostgreSQL database and a fake Worksection whose refresh tokens rotate (an old one
//! fails). Fifty concurrent calls straddling the token's expiry make exactly one
//! refresh and none fails; a revoked credential marks the connection needs-reconnect
//! and tells the model how to fix it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{call_tool, cli, result_json};
use connector_worksection::fake::{FakeOptions, start_with};
use serde_json::json;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_refresh_a_rotating_token_once_and_report_a_revoked_one() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let (client_id, client_secret) = fake.oauth_client();
    let pg = common::PgDb::new();
    let key = gateway::vault::MasterKey::generate()
        .to_base64()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let ports = [common::free_port(), common::free_port()];
    let config_for = |port: u16| {
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
             [store]\ndatabase_url = \"{db}\"\n\
             [connections]\nrefresh_before_expiry_secs = 2\n\
             [connectors.worksection.settings]\noauth_base_url = \"{base}\"\noauth_client_id = \"{client_id}\"\noauth_client_secret = \"{client_secret}\"\nrequests_per_second = 100\n",
            db = pg.url,
            base = fake.base_url(),
        )
    };
    let admin_config = dir.path().join("admin.toml");
    std::fs::write(&admin_config, config_for(ports[0])).unwrap();
    cli(
        &admin_config,
        &key,
        &[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--owner",
            "ada@acme.example",
            "--active",
        ],
    );
    let (access, refresh) = fake.issue_oauth_tokens("frank.harper@ws.com");
    // The token expires 4 s from now; refreshes are due 2 s before expiry, so from 2 s on.
    let expires_at = (now() + 4).to_string();
    cli(
        &admin_config,
        &key,
        &[
            "connection",
            "add",
            "acme",
            "--connector",
            "worksection",
            "--label",
            "Frank",
            "--credential",
            &format!("account_url={}", fake.base_url()),
            "--credential",
            &format!("access_token={access}"),
            "--credential",
            &format!("refresh_token={refresh}"),
            "--credential",
            &format!("expires_at={expires_at}"),
        ],
    );
    let token = cli(
        &admin_config,
        &key,
        &[
            "token",
            "issue",
            "--tenant",
            "acme",
            "--member",
            "ada@acme.example",
        ],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let replicas: Vec<common::Running> = ports
        .iter()
        .map(|p| common::serve_with_env(&config_for(*p), &[("SWITCHBOARD_MASTER_KEY", &key)]))
        .collect();
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();

    // 50 calls on both replicas: 20 together while the token is fresh, then 30 together
    // once its refresh is due, so both replicas want to refresh at the same moment.
    let started = std::time::Instant::now();
    let calls: Vec<_> = (0..50)
        .map(|i| {
            let url = urls[i % 2].clone();
            let token = token.clone();
            tokio::spawn(async move {
                if i >= 20 {
                    tokio::time::sleep(Duration::from_millis(2500)).await;
                }
                call_tool(&url, &token, "worksection_list_members", json!({})).await
            })
        })
        .collect();
    let mut failures = Vec::new();
    for (i, call) in calls.into_iter().enumerate() {
        match call.await.unwrap() {
            Ok(r) if r.is_error != Some(true) => {}
            Ok(r) => failures.push(format!("call {i}: {}", result_json(&r))),
            Err(e) => failures.push(format!("call {i}: {e}")),
        }
    }
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "the calls must straddle the refresh"
    );
    assert!(
        failures.is_empty(),
        "{} calls failed: {failures:#?}",
        failures.len()
    );
    assert_eq!(
        fake.action_count("oauth2_refresh"),
        1,
        "exactly one refresh across both replicas"
    );
    assert_eq!(pg.sql("SELECT version FROM connections"), "2");

    // The upstream revokes the grant: the next call says how to reconnect, and the
    // connection shows it.
    fake.revoke_refresh_tokens();
    fake.expire_access_tokens();
    let r = call_tool(&urls[1], &token, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let error = result_json(&r)["error"].clone();
    assert_eq!(error["kind"], "unauthenticated", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("connect"),
        "{error}"
    );
    assert!(
        error["connect_url"].as_str().unwrap().contains("/connect/"),
        "{error}"
    );
    assert_eq!(pg.sql("SELECT status FROM connections"), "needs-reconnect");
    assert!(!pg.sql("SELECT last_error FROM connections").is_empty());
    // The other replica gives the same answer without asking the upstream again.
    let refreshes = fake.action_count("oauth2_refresh");
    let r = call_tool(&urls[0], &token, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(result_json(&r)["error"]["connect_url"].is_string());
    assert_eq!(fake.action_count("oauth2_refresh"), refreshes);
    let listed = cli(&admin_config, &key, &["connection", "list", "acme"]);
    assert!(listed.to_string().contains("needs-reconnect"), "{listed}");
}
