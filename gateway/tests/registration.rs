//! Self-registration as a new team would do it: register with curl-like requests, read
//! the code from the mail, confirm, connect the Worksection account (checked live),
//! issue a token and call a tool; then the one-time connect link a model is handed when
//! no account works, the upstream OAuth connect flow, limits, and isolation between
//! teams. On SQLite (`switchboard demo`) and on PostgreSQL (`switchboard serve`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use common::{call_tool, http_json, register_and_confirm, result_json, wait_for_code};
use connector_worksection::fake::{FakeOptions, start_with};
use reqwest::Method;
use serde_json::{Value, json};

fn fake_credentials(demo: &common::Running) -> Value {
    let line = demo.printed("worksection: ");
    serde_json::from_str::<Value>(&line).unwrap()["credentials"].clone()
}

#[tokio::test]
async fn a_new_team_signs_up_connects_and_calls_a_tool_against_the_demo() {
    let demo = common::demo(&[]);
    let base = demo.base.clone();
    let outbox = std::path::PathBuf::from(demo.printed("The code arrives in the outbox:"));
    let creds = fake_credentials(&demo);
    let mut seen = Vec::new();

    // Bad input names the problem.
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Acme"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`email` is required"),
        "{body}"
    );
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Acme", "email": "not-an-address"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_email"))
    );

    // Register; a wrong code is refused with the attempts left.
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Acme Robotics", "email": "Ada@Acme.example"})),
    )
    .await;
    assert_eq!(status, 202);
    let (code, mail) = wait_for_code(&outbox, &mut seen);
    assert!(mail.contains("ada@acme.example"), "{mail}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": wrong})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "wrong_code");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("4 attempt"),
        "{body}"
    );
    let (status, confirmed) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["team"]["slug"], "acme-robotics");
    assert_eq!(confirmed["team"]["status"], "active");
    assert_eq!(confirmed["mcp_url"], demo.url);
    let admin = confirmed["admin_token"].as_str().unwrap().to_owned();
    // The code works once.
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("no_pending_code"))
    );

    // The admin token is for the API, not for tools: 403 insufficient_scope.
    let e = call_tool(&demo.url, &admin, "worksection_list_members", json!({}))
        .await
        .unwrap_err();
    assert!(e.contains("Insufficient scope"), "{e}");

    // Connecting: a wrong key is refused with Worksection's reason, a foreign host
    // before anything is sent, and the right key is checked live and saved.
    let connections = format!("{base}/api/connections");
    let mut wrong_key = creds.clone();
    wrong_key["api_key"] = json!("0123456789abcdef0123456789abcdef");
    let (status, body) = http_json(
        Method::POST,
        &connections,
        Some(&admin),
        Some(json!({"connector": "worksection", "credentials": wrong_key})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "credentials_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Worksection refused these credentials"),
        "{body}"
    );
    let mut foreign = creds.clone();
    foreign["account_url"] = json!("https://acme.example.com");
    let (status, body) = http_json(
        Method::POST,
        &connections,
        Some(&admin),
        Some(json!({"connector": "worksection", "credentials": foreign})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("host_not_allowed")),
        "{body}"
    );
    let (status, body) = http_json(
        Method::POST,
        &connections,
        Some(&admin),
        Some(json!({"connector": "nosuch", "credentials": {}})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unknown_connector")),
        "{body}"
    );
    let (status, body) = http_json(
        Method::POST,
        &connections,
        Some(&admin),
        Some(json!({"connector": "worksection", "credentials": creds})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let connection_id = body["connection"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["connection"]["status"], "active");
    assert_eq!(body["connection"]["scope"], "team");
    let (status, listed) = http_json(Method::GET, &connections, Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["connections"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
    let key = creds["api_key"].as_str().unwrap();
    assert!(
        !listed.to_string().contains(key),
        "a secret was listed: {listed}"
    );
    let (status, _) = http_json(Method::GET, &connections, None, None).await;
    assert_eq!(status, 401);

    // A token for the AI client, and a tool call with it.
    let (status, issued) = http_json(
        Method::POST,
        &format!("{base}/api/tokens"),
        Some(&admin),
        Some(json!({"name": "claude"})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let r = call_tool(&demo.url, &token, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    assert!(
        result_json(&r).to_string().contains('@'),
        "{:?}",
        r.structured_content
    );

    // With the account removed, the model gets a one-time connect link.
    let (status, _) = http_json(
        Method::DELETE,
        &format!("{connections}/{connection_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let r = call_tool(&demo.url, &token, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let error = result_json(&r)["error"].clone();
    assert_eq!(error["kind"], "unauthenticated", "{error}");
    let link = error["connect_url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{base}/connect/")), "{link}");
    let http = reqwest::Client::new();
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form") && html.contains("api_key"), "{html}");
    // A tampered link is refused.
    let tampered = format!("{}x", link.trim_end_matches('x'));
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 404);
    let form: Vec<(String, String)> = creds
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let done = http.post(&link).form(&form).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("is connected"));
    let r = call_tool(&demo.url, &token, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    // The link worked once.
    assert_eq!(http.get(&link).send().await.unwrap().status(), 404);
    assert_eq!(
        http.post(&link).form(&form).send().await.unwrap().status(),
        404
    );
    // The member's own connection now serves the call.
    let (_, listed) = http_json(Method::GET, &connections, Some(&admin), None).await;
    assert_eq!(listed["connections"][0]["scope"], "member", "{listed}");
    assert_eq!(
        listed["connections"][0]["member"], "ada@acme.example",
        "{listed}"
    );
}

fn serve_config(
    port: u16,
    db: &str,
    key_file: &std::path::Path,
    outbox: &std::path::Path,
    ws: &str,
) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [store]\ndatabase_url = \"{db}\"\nmaster_key_file = \"{}\"\n\
         [mail]\noutbox_dir = \"{}\"\n\
         [registration]\nper_email_per_hour = 3\nper_ip_per_hour = 50\n\
         {ws}",
        key_file.display(),
        outbox.display(),
    )
}

#[tokio::test]
async fn on_postgresql_teams_register_connect_through_oauth_and_stay_apart() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let (client_id, client_secret) = fake.oauth_client();
    let pg = common::PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    common::write_key_file(&key_file);
    let outbox = dir.path().join("outbox");
    let port = common::free_port();
    let ws = format!(
        "[connectors.worksection]\naccount_hosts = [\"127.0.0.1\"]\nallow_private_addresses = true\n\
         [connectors.worksection.settings]\noauth_base_url = \"{base}\"\noauth_client_id = \"{client_id}\"\noauth_client_secret = \"{client_secret}\"\nrequests_per_second = 50\n",
        base = fake.base_url(),
    );
    let server = common::serve(&serve_config(port, &pg.url, &key_file, &outbox, &ws));
    let base = server.base.clone();
    let mut seen = Vec::new();

    let acme = register_and_confirm(&base, &outbox, &mut seen, "Acme", "ada@acme.example").await;
    let acme_admin = acme["admin_token"].as_str().unwrap().to_owned();
    let globex =
        register_and_confirm(&base, &outbox, &mut seen, "Globex", "hank@globex.example").await;
    let globex_admin = globex["admin_token"].as_str().unwrap().to_owned();

    // Acme connects through Worksection's sign-in: a connect URL, which runs the
    // upstream authorization and stores the tokens on the callback.
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/connections"),
        Some(&acme_admin),
        Some(json!({"connector": "worksection"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let connect = body["connect_url"].as_str().unwrap().to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(&connect)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("the whole team <strong>Acme</strong>"),
        "{page}"
    );
    let to_upstream = http.get(format!("{connect}/oauth")).send().await.unwrap();
    assert_eq!(to_upstream.status(), 303);
    // The sign-in is bound to this browser by a cookie.
    let cookie = to_upstream.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let authorize = to_upstream.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(authorize.starts_with(&fake.base_url()), "{authorize}");
    assert!(authorize.contains("state="), "{authorize}");
    let back = http.get(&authorize).send().await.unwrap();
    assert_eq!(back.status(), 302);
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("{base}/connect/callback?")),
        "{callback}"
    );
    // A forged state is refused, and so is the real answer in another browser (no
    // cookie), which leaves the link usable; the real answer here connects the account.
    let forged = callback.replace("state=", "state=x");
    let r = http
        .get(&forged)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let elsewhere = http.get(&callback).send().await.unwrap();
    assert_eq!(elsewhere.status(), 400);
    assert!(elsewhere.text().await.unwrap().contains("another browser"));
    let r = http
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("is connected"), "{html}");
    // The same answer replayed finds the link spent.
    let replay = http
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 404);

    let (_, listed) = http_json(
        Method::GET,
        &format!("{base}/api/connections"),
        Some(&acme_admin),
        None,
    )
    .await;
    let acme_connection = listed["connections"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["connections"][0]["status"], "active", "{listed}");
    // Token requests name real scopes and fields only.
    for (body, code) in [
        (json!({"scopes": ["worksection:raed"]}), "invalid_scope"),
        (
            json!({"scopes": ["worksection:read tenant:admin"]}),
            "invalid_scope",
        ),
        (json!({"scopes": [""]}), "invalid_scope"),
        (json!({"scope": ["worksection:read"]}), "invalid_body"),
    ] {
        let (status, answer) = http_json(
            Method::POST,
            &format!("{base}/api/tokens"),
            Some(&acme_admin),
            Some(body),
        )
        .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{answer}"
        );
    }
    let (_, issued) = http_json(
        Method::POST,
        &format!("{base}/api/tokens"),
        Some(&acme_admin),
        None,
    )
    .await;
    let acme_token = issued["token"].as_str().unwrap().to_owned();
    let r = call_tool(
        &server.url,
        &acme_token,
        "worksection_list_members",
        json!({}),
    )
    .await
    .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);

    // Globex sees none of it, even with Acme's connection id.
    let (_, listed) = http_json(
        Method::GET,
        &format!("{base}/api/connections"),
        Some(&globex_admin),
        None,
    )
    .await;
    assert_eq!(listed["connections"], json!([]), "{listed}");
    let (status, body) = http_json(
        Method::DELETE,
        &format!("{base}/api/connections/{acme_connection}"),
        Some(&globex_admin),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains("Acme"), "{body}");
    let (_, issued) = http_json(
        Method::POST,
        &format!("{base}/api/tokens"),
        Some(&globex_admin),
        None,
    )
    .await;
    let globex_token = issued["token"].as_str().unwrap().to_owned();
    let r = call_tool(
        &server.url,
        &globex_token,
        "worksection_list_members",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(r.is_error, Some(true));
    let shown = result_json(&r).to_string();
    assert!(
        shown.contains("connect_url") && !shown.contains(&acme_connection),
        "{shown}"
    );
    // Acme's connection still works.
    let (_, listed) = http_json(
        Method::GET,
        &format!("{base}/api/connections"),
        Some(&acme_admin),
        None,
    )
    .await;
    assert_eq!(listed["connections"].as_array().unwrap().len(), 1);

    // Limits: codes per email per hour (3 here), attempts per code, expiry.
    for _ in 0..2 {
        let (status, _) = http_json(
            Method::POST,
            &format!("{base}/api/register"),
            None,
            Some(json!({"company": "Initech", "email": "peter@initech.example"})),
        )
        .await;
        assert_eq!(status, 202);
    }
    let (code, _) = wait_for_code(&outbox, &mut seen);
    let wrong = if code == "999999" { "888888" } else { "999999" };
    for left in (1..=4).rev() {
        let (status, body) = http_json(
            Method::POST,
            &format!("{base}/api/confirm"),
            None,
            Some(json!({"email": "peter@initech.example", "code": wrong})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} attempt")),
            "{body}"
        );
    }
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "peter@initech.example", "code": wrong})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "peter@initech.example", "code": code})),
    )
    .await;
    assert_eq!(
        status, 429,
        "the right code after five wrong ones still fails: {body}"
    );
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Initech", "email": "peter@initech.example"})),
    )
    .await;
    assert_eq!(status, 202);
    let (code, _) = wait_for_code(&outbox, &mut seen);
    pg.sql("UPDATE otp_challenges SET expires_at = 0 WHERE email = 'peter@initech.example'");
    let (status, body) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "peter@initech.example", "code": code})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("no_pending_code")),
        "{body}"
    );
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/register"))
        .json(&json!({"company": "Initech", "email": "peter@initech.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let after: i64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&after), "{after}");
    // One waiting team, not three, and codes are stored only as HMACs.
    assert_eq!(
        pg.sql("SELECT COUNT(*) FROM tenants WHERE name = 'Initech'"),
        "1"
    );
    assert_eq!(
        pg.sql(&format!(
            "SELECT COUNT(*) FROM otp_challenges WHERE code_mac LIKE '%{code}%'"
        )),
        "0"
    );
}

#[tokio::test]
async fn account_urls_must_match_the_pattern_and_stay_off_private_addresses() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let db = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let mut seen = Vec::new();
    for (hosts, expect) in [
        ("", "not an allowed host"),
        (
            "account_hosts = [\"127.0.0.1\"]\n",
            "private, loopback or link-local",
        ),
    ] {
        let port = common::free_port();
        let ws = format!(
            "[connectors.worksection]\n{hosts}[connectors.worksection.settings]\noauth_base_url = \"{}\"\n",
            fake.base_url()
        );
        let server = common::serve(&serve_config(
            port,
            &db,
            &dir.path().join("master.key"),
            &outbox,
            &ws,
        ));
        let email = format!("ops{port}@acme.example");
        let team = register_and_confirm(&server.base, &outbox, &mut seen, "Acme", &email).await;
        let admin = team["admin_token"].as_str().unwrap();
        let (status, body) = http_json(
            Method::POST,
            &format!("{}/api/connections", server.base),
            Some(admin),
            Some(json!({"connector": "worksection", "credentials": {"account_url": fake.base_url(), "api_key": fake.api_key()}})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "host_not_allowed", "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(expect),
            "{body}"
        );
        assert_eq!(
            fake.action_count("get_users"),
            0,
            "nothing may be sent to a refused host"
        );
    }
}
