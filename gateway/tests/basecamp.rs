//! Basecamp through the whole gateway: a project lead's session in the Python MCP SDK
//! against `switchboard demo`, and a team that connects Basecamp by signing in at
//! Launchpad, whose two-week token is refreshed for it, until a password change means
//! someone must sign in again.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use common::{call_tool, connect_by_signing_in, http_json, register_and_confirm, result_json};
use connector_basecamp::fake::{FakeOptions, start_with};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_project_lead_works_through_the_demo_with_the_python_sdk() {
    let demo = common::demo(&[]);
    common::python_scenario(
        "scenario_basecamp.py",
        &demo,
        &[
            "basecamp tools",
            "exactly once",
            "description and other assignee kept",
            "completed it and commented",
            "posted to the Campfire",
            "moved card",
        ],
    );
}

#[tokio::test]
async fn a_team_signs_in_to_basecamp_and_its_token_is_refreshed_until_a_password_change() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_10s: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let (client_id, client_secret) = fake.oauth_client();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    common::write_key_file(&key_file);
    let outbox = dir.path().join("outbox");
    let port = common::free_port();
    let server = common::serve(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [store]\ndatabase_url = \"sqlite://{db}\"\nmaster_key_file = \"{key}\"\n\
         [mail]\noutbox_dir = \"{outbox}\"\n\
         [connectors.basecamp]\naccount_hosts = [\"127.0.0.1\"]\nallow_private_addresses = true\n\
         [connectors.basecamp.settings]\nlaunchpad_url = \"{base}\"\ncontact = \"ops@switchboard.example\"\n\
         oauth_client_id = \"{client_id}\"\noauth_client_secret = \"{client_secret}\"\n",
        db = dir.path().join("sb.db").display(),
        key = key_file.display(),
        outbox = outbox.display(),
        base = fake.base_url(),
    ));
    let base = server.base.clone();
    let mut seen = Vec::new();
    let team = register_and_confirm(
        &base,
        &outbox,
        &mut seen,
        "Honcho",
        "victor@honchodesign.com",
    )
    .await;
    let admin = team["admin_token"].as_str().unwrap().to_owned();

    // Basecamp connects only by signing in: the API hands out a connect link.
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/connections"),
        Some(&admin),
        Some(json!({"connector": "basecamp"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, page) = connect_by_signing_in(body["connect_url"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("is connected"), "{page}");
    let (_, listed) = http_json(
        Method::GET,
        &format!("{base}/api/connections"),
        Some(&admin),
        None,
    )
    .await;
    let connection = &listed["connections"][0];
    assert_eq!(connection["connector"], "basecamp");
    // Labelled by the person and the account Launchpad named (the bc3 one).
    let label = connection["label"].as_str().unwrap();
    assert!(label.contains(&fake.account_id().to_string()), "{label}");
    assert!(!listed.to_string().contains("access_token"), "{listed}");

    let (_, issued) = http_json(
        Method::POST,
        &format!("{base}/api/tokens"),
        Some(&admin),
        Some(json!({"name": "lead"})),
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_owned();
    let me = call_tool(&server.url, &token, "basecamp_get_my_profile", json!({}))
        .await
        .unwrap();
    assert_ne!(me.is_error, Some(true), "{:?}", me.content);
    let before = fake.count("POST /authorization/token");

    // Two weeks later the access token has expired: the gateway refreshes it at
    // Launchpad and the call goes through.
    fake.expire_access_tokens();
    let r = call_tool(&server.url, &token, "basecamp_list_projects", json!({}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    assert_eq!(
        fake.count("POST /authorization/token"),
        before + 1,
        "one refresh"
    );

    // The person changed their password: the refresh is refused, the connection needs a
    // new sign-in, and the model is handed a link and told why.
    fake.expire_access_tokens();
    fake.revoke_refresh_tokens();
    let r = call_tool(&server.url, &token, "basecamp_list_projects", json!({}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let v = result_json(&r);
    assert_eq!(v["error"]["kind"], "unauthenticated", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("password") && message.contains("connect"),
        "{message}"
    );
    assert!(
        v["error"]["connect_url"]
            .as_str()
            .unwrap()
            .starts_with(&base),
        "{v}"
    );
    let (_, listed) = http_json(
        Method::GET,
        &format!("{base}/api/connections"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        listed["connections"][0]["status"], "needs-reconnect",
        "{listed}"
    );
}
