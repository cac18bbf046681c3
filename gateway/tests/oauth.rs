//! The OAuth 2.1 authorization server for AI clients, end to end: the Python SDK's own
//! OAuth client through the whole flow against `switchboard demo` (with registration and
//! with a Client ID Metadata Document), and the refusals the RFCs require, driven over
//! HTTP the way a browser and a client would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{call_tool, http_json, result_json};
use connector_worksection::fake::{FakeOptions, start_with};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn interop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

fn python() -> PathBuf {
    let p = interop().join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `cargo xtask setup`",
        p.display()
    );
    p
}

fn run_python_client(url: &str, outbox: &str, email: &str, metadata_url: Option<&str>) -> String {
    let mut cmd = Command::new(python());
    cmd.arg(interop().join("oauth_client.py"))
        .args([url, outbox, email]);
    if let Some(m) = metadata_url {
        cmd.arg(m);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the Python OAuth client failed:\n{text}"
    );
    text
}

#[test]
fn the_python_sdk_signs_in_with_registration_and_calls_a_tool() {
    let demo = common::demo(&[]);
    let outbox = demo.printed("The code arrives in the outbox:");
    let text = run_python_client(&demo.url, &outbox, "demo@switchboard.invalid", None);
    assert!(text.contains("oauth ok:"), "{text}");
    assert!(
        text.contains("client client_"),
        "registered a client: {text}"
    );
    assert!(text.contains("worksection:write"), "{text}");
}

#[test]
fn the_python_sdk_signs_in_with_a_client_metadata_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Command::new(python())
        .arg(interop().join("cimd_host.py"))
        .arg(dir.path())
        .arg("http://localhost:53682/callback")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(host.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let client_id = info["client_id"].as_str().unwrap().to_owned();
    let ca = info["ca_file"].as_str().unwrap().to_owned();
    let demo = common::demo_with_env(&[
        ("SWITCHBOARD_OAUTH__CLIENT_METADATA_CA_FILE", &ca),
        (
            "SWITCHBOARD_OAUTH__CLIENT_METADATA_ALLOW_PRIVATE_ADDRESSES",
            "true",
        ),
    ]);
    let outbox = demo.printed("The code arrives in the outbox:");
    let text = run_python_client(
        &demo.url,
        &outbox,
        "demo@switchboard.invalid",
        Some(&client_id),
    );
    assert!(text.contains(&format!("client {client_id}")), "{text}");
    let _ = host.kill();
    let _ = host.wait();
}

#[tokio::test]
async fn the_sign_in_and_consent_pages_work_in_headless_chromium() {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("Chromium is needed for this test: apt-get install chromium (.ci/run installs it)");
    let node = interop().join("node_modules/.bin/node");
    assert!(node.exists(), "run `cargo xtask setup` for Node 22");
    let demo = common::demo(&[]);
    let outbox = demo.printed("The code arrives in the outbox:");
    let redirect = "http://localhost:53682/callback";
    let (status, client) = http_json(
        Method::POST,
        &format!("{}/oauth/register", demo.base),
        None,
        Some(json!({"client_name": "Chromium check", "redirect_uris": [redirect], "token_endpoint_auth_method": "none"})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, challenge) = pkce();
    let mut authorize = url::Url::parse(&format!("{}/oauth/authorize", demo.base)).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client["client_id"].as_str().unwrap())
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "chromium")
        .append_pair("resource", &demo.url);
    let shots = std::env::var("SWITCHBOARD_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../results/screenshots")
        });
    let out = Command::new(node)
        .arg(interop().join("browser_check.mjs"))
        .arg(chromium)
        .arg(authorize.as_str())
        .arg(&outbox)
        .arg("demo@switchboard.invalid")
        .arg(&shots)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let back = url::Url::parse(report["redirect"].as_str().unwrap()).unwrap();
    assert!(
        query(&back, "code").is_some_and(|c| c.starts_with("sbc_")),
        "{back}"
    );
    assert_eq!(query(&back, "state").as_deref(), Some("chromium"));
    assert_eq!(query(&back, "iss").as_deref(), Some(demo.base.as_str()));
    for shot in report["screenshots"].as_array().unwrap() {
        let bytes = std::fs::read(shot.as_str().unwrap()).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{shot} is not a screenshot"
        );
    }
}

// ---- the refusals, over HTTP ----

fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// A browser: follows the sign-in and consent pages, keeping the session cookie.
struct Browser {
    http: reqwest::Client,
    cookie: Option<String>,
    base: String,
    outbox: PathBuf,
    seen: Vec<PathBuf>,
}

fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl Browser {
    fn new(base: &str, outbox: PathBuf) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
            base: base.to_owned(),
            outbox,
            seen: Vec::new(),
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let mut req = self.http.get(url);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.unwrap();
        if let Some(c) = resp.headers().get("set-cookie") {
            self.cookie = Some(c.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
        resp
    }

    async fn post(&mut self, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/oauth/continue", self.base))
            .form(form);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.unwrap();
        // Signing in replaces the session cookie.
        if let Some(c) = resp.headers().get("set-cookie") {
            self.cookie = Some(c.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
        resp
    }

    /// Signs in as `email` and approves: the client's redirect location.
    async fn approve(&mut self, authorize: &str, email: &str) -> url::Url {
        let r = self.get(authorize).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let page_url = format!("{}{}", self.base, r.headers()["location"].to_str().unwrap());
        let page = self.get(&page_url).await;
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert!(
            page.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let mut html = page.text().await.unwrap();
        if html.contains("Send me a code") {
            let (request, csrf) = (field(&html, "request"), field(&html, "csrf"));
            let r = self
                .post(&[
                    ("request", &request),
                    ("csrf", &csrf),
                    ("action", "email"),
                    ("email", email),
                ])
                .await;
            assert_eq!(r.status(), 303);
            let (code, _) = common::wait_for_code(&self.outbox, &mut self.seen);
            let r = self
                .post(&[
                    ("request", &request),
                    ("csrf", &csrf),
                    ("action", "code"),
                    ("code", &code),
                ])
                .await;
            assert_eq!(r.status(), 303);
            html = self.get(&page_url).await.text().await.unwrap();
        }
        assert!(html.contains("Allow access?"), "{html}");
        let (request, csrf, team) = (
            field(&html, "request"),
            field(&html, "csrf"),
            field(&html, "team"),
        );
        // A form without the session's CSRF token is refused.
        let forged = self
            .post(&[
                ("request", &request),
                ("csrf", "forged"),
                ("action", "approve"),
                ("team", &team),
            ])
            .await;
        assert_eq!(forged.status(), 403);
        let r = self
            .post(&[
                ("request", &request),
                ("csrf", &csrf),
                ("action", "approve"),
                ("team", &team),
            ])
            .await;
        assert_eq!(r.status(), 302, "never 307");
        url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
    }
}

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn token_request(base: &str, form: &impl serde::Serialize) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_authorization_server_refuses_what_the_rfcs_say_and_steps_up_scopes() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let pg = common::PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    common::write_key_file(&key_file);
    let outbox = dir.path().join("outbox");
    let port = common::free_port();
    let server = common::serve(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [store]\ndatabase_url = \"{}\"\nmaster_key_file = \"{}\"\n[mail]\noutbox_dir = \"{}\"\n\
         [connectors.worksection]\naccount_hosts = [\"127.0.0.1\"]\nallow_private_addresses = true\n\
         [connectors.worksection.settings]\noauth_base_url = \"{}\"\nrequests_per_second = 50\n",
        pg.url,
        key_file.display(),
        outbox.display(),
        fake.base_url()
    ));
    let base = server.base.clone();
    let mcp = server.url.clone();

    // A team with an account.
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Acme", "email": "ada@acme.example"})),
    )
    .await;
    assert_eq!(status, 202);
    let mut browser = Browser::new(&base, outbox.clone());
    let (code, _) = common::wait_for_code(&outbox, &mut browser.seen);
    let (_, confirmed) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    let admin = confirmed["admin_token"].as_str().unwrap().to_owned();
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/connections"),
        Some(&admin),
        Some(json!({"connector": "worksection", "credentials": {"account_url": fake.base_url(), "api_key": fake.api_key()}})),
    )
    .await;
    assert_eq!(status, 201);

    // Discovery.
    let (_, prm) = http_json(
        Method::GET,
        &format!("{base}/.well-known/oauth-protected-resource/mcp"),
        None,
        None,
    )
    .await;
    assert_eq!(prm["resource"], mcp.as_str());
    assert_eq!(prm["authorization_servers"], json!([base]));
    let (_, root_prm) = http_json(
        Method::GET,
        &format!("{base}/.well-known/oauth-protected-resource"),
        None,
        None,
    )
    .await;
    assert_eq!(root_prm, prm);
    let (_, meta) = http_json(
        Method::GET,
        &format!("{base}/.well-known/oauth-authorization-server"),
        None,
        None,
    )
    .await;
    assert_eq!(meta["issuer"], base.as_str());
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    assert!(
        meta["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none"))
    );
    assert!(
        meta["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("worksection:write"))
    );
    let (_, oidc) = http_json(
        Method::GET,
        &format!("{base}/.well-known/openid-configuration"),
        None,
        None,
    )
    .await;
    assert_eq!(oidc, meta);

    // 401 names the metadata and the scopes.
    let resp = reqwest::Client::new()
        .post(&mcp)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("resource_metadata=\"")
            && challenge.contains("scope=\"worksection:read"),
        "{challenge}"
    );

    // Registration: what Cursor sends is accepted; unsafe URIs are refused per RFC 7591.
    let (status, cursor) = http_json(
        Method::POST,
        &format!("{base}/oauth/register"),
        None,
        Some(json!({
            "client_name": "Cursor",
            "redirect_uris": ["cursor://anysphere.cursor-mcp/oauth/callback", "https://www.cursor.com/agents/mcp/oauth/callback", "http://localhost:8787/callback"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        })),
    )
    .await;
    assert_eq!(status, 201, "{cursor}");
    assert!(cursor.get("client_secret").is_none());
    for bad in [
        "http://evil.example/cb",
        "https://claude.ai/cb#x",
        "javascript:alert(1)",
    ] {
        let (status, body) = http_json(
            Method::POST,
            &format!("{base}/oauth/register"),
            None,
            Some(json!({"redirect_uris": [bad], "token_endpoint_auth_method": "none"})),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_redirect_uri")),
            "{bad}: {body}"
        );
    }
    let client_id = cursor["client_id"].as_str().unwrap().to_owned();
    let redirect = "http://localhost:8787/callback";

    let authorize = |challenge: &str, scope: &str, redirect: &str, resource: &str| {
        let mut u = url::Url::parse(&format!("{base}/oauth/authorize")).unwrap();
        u.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "st-1")
            .append_pair("scope", scope)
            .append_pair("resource", resource);
        u.to_string()
    };

    // A redirect URI the client did not register is shown an error, never redirected to.
    let r = browser
        .get(&authorize(
            "x".repeat(43).as_str(),
            "worksection:read",
            "https://evil.example/cb",
            &mcp,
        ))
        .await;
    assert_eq!(r.status(), 400);
    // Another resource is refused (shown, not redirected: a self-registered client's
    // redirect is no open redirector).
    let r = browser
        .get(&authorize(
            &pkce().1,
            "worksection:read",
            redirect,
            "https://other.example/mcp",
        ))
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("invalid_target"));

    // A read-only grant, through sign-in and consent; the redirect carries code, state, iss.
    let (_, challenge) = pkce();
    let back = browser
        .approve(
            &authorize(&challenge, "worksection:read", redirect, &mcp),
            "ada@acme.example",
        )
        .await;
    assert_eq!(query(&back, "state").as_deref(), Some("st-1"));
    assert_eq!(query(&back, "iss").as_deref(), Some(base.as_str()));
    let code = query(&back, "code").unwrap();
    let exchange = |code: &str, verifier: &str, redirect: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("code_verifier", verifier.to_owned()),
            ("redirect_uri", redirect.to_owned()),
            ("client_id", client_id.clone()),
            ("resource", mcp.clone()),
        ]
    };
    // A wrong verifier and a mismatched redirect URI are refused (and spend the code).
    let (wrong_verifier, _) = pkce();
    let f = exchange(&code, &wrong_verifier, redirect);
    let (status, body) = token_request(&base, &f).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (verifier, challenge) = pkce();
    let back = browser
        .approve(
            &authorize(&challenge, "worksection:read", redirect, &mcp),
            "ada@acme.example",
        )
        .await;
    let code = query(&back, "code").unwrap();
    let f = exchange(&code, &verifier, "http://localhost:8787/other");
    let (status, body) = token_request(&base, &f).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // The right exchange; then the same code again is refused.
    let (verifier, challenge) = pkce();
    let back = browser
        .approve(
            &authorize(&challenge, "worksection:read", redirect, &mcp),
            "ada@acme.example",
        )
        .await;
    let code = query(&back, "code").unwrap();
    let f = exchange(&code, &verifier, redirect);
    let (status, tokens) = token_request(&base, &f).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "worksection:read");
    assert_eq!(tokens["expires_in"], 30 * 86_400);
    let (status, body) = token_request(&base, &f).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Replaying the code revoked what it had issued.
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let e = call_tool(&mcp, &access, "worksection_list_members", json!({}))
        .await
        .unwrap_err();
    assert!(e.contains("401") || e.contains("Auth"), "{e}");

    // A fresh read grant: reads work, a write tool gets 403 insufficient_scope naming
    // every scope to ask for; a step-up grant then passes.
    let (verifier, challenge) = pkce();
    let back = browser
        .approve(
            &authorize(&challenge, "worksection:read", redirect, &mcp),
            "ada@acme.example",
        )
        .await;
    let f = exchange(&query(&back, "code").unwrap(), &verifier, redirect);
    let (_, tokens) = token_request(&base, &f).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let r = call_tool(&mcp, &access, "worksection_list_members", json!({}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    let write = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "worksection_create_project", "arguments": {"title": "Step-up"}}});
    let resp = reqwest::Client::new()
        .post(&mcp)
        .bearer_auth(&access)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&write)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let challenge_header = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge_header.contains("error=\"insufficient_scope\"")
            && challenge_header.contains("scope=\"worksection:read worksection:write\""),
        "{challenge_header}"
    );
    let (verifier, challenge) = pkce();
    let back = browser
        .approve(
            &authorize(
                &challenge,
                "worksection:read worksection:write",
                redirect,
                &mcp,
            ),
            "ada@acme.example",
        )
        .await;
    let f = exchange(&query(&back, "code").unwrap(), &verifier, redirect);
    let (_, stepped) = token_request(&base, &f).await;
    let r = call_tool(
        &mcp,
        stepped["access_token"].as_str().unwrap(),
        "worksection_create_project",
        json!({"title": "Step-up"}),
    )
    .await
    .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", result_json(&r));

    // An empty scope on refresh keeps the grant's scopes (it never widens to "all").
    let (status, same) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", client_id.as_str()),
            ("scope", " "),
        ],
    )
    .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["scope"], "worksection:read");
    let refresh = same["refresh_token"].as_str().unwrap().to_owned();

    // Refresh rotates; using the old refresh token again revokes the whole family.
    let (status, rotated) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new_access = rotated["access_token"].as_str().unwrap().to_owned();
    call_tool(&mcp, &new_access, "worksection_list_members", json!({}))
        .await
        .unwrap();
    let (status, body) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert!(
        call_tool(&mcp, &new_access, "worksection_list_members", json!({}))
            .await
            .is_err()
    );
    let (status, _) = token_request(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rotated["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(status, 400, "the family's newest refresh token went too");

    // Revocation (RFC 7009) stops a token at once.
    let stepped_access = stepped["access_token"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{base}/oauth/revoke"))
        .form(&[("token", stepped_access), ("client_id", client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        call_tool(&mcp, stepped_access, "worksection_list_members", json!({}))
            .await
            .is_err()
    );

    // Pre-registered confidential clients, by the operator's CLI: the secret is checked
    // (before the grant is), and a rotated secret replaces the old one at once.
    let admin_config = dir.path().join("admin.toml");
    std::fs::write(
        &admin_config,
        format!(
            "[store]\ndatabase_url = \"{}\"\nmaster_key_file = \"{}\"\n",
            pg.url,
            key_file.display()
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.extend(["--json", "--config", admin_config.to_str().unwrap()]);
        let (ok, out) = common::run(&all, &[]);
        assert!(ok, "{args:?}: {out}");
        serde_json::from_str(
            out.lines()
                .find(|l| l.starts_with('{') || l.starts_with('['))
                .unwrap(),
        )
        .unwrap()
    };
    let (ok, out) = common::run(
        &[
            "client",
            "add",
            "--name",
            "Ops",
            "--redirect-uri",
            "http://evil.example/cb",
            "--config",
            admin_config.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!ok && out.contains("not loopback"), "{out}");
    let added = cli(&[
        "client",
        "add",
        "--name",
        "Ops bot",
        "--redirect-uri",
        "https://ops.example/cb",
    ]);
    let ops_id = added["client_id"].as_str().unwrap().to_owned();
    let ops_secret = added["client_secret"].as_str().unwrap().to_owned();
    let listed = cli(&["client", "list"]);
    assert!(
        listed.to_string().contains(&ops_id) && !listed.to_string().contains(&ops_secret),
        "{listed}"
    );
    let basic = |secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{ops_id}:{secret}"))
        )
    };
    let exchange_as = |auth: String| {
        let base = base.clone();
        async move {
            let resp = reqwest::Client::new()
                .post(format!("{base}/oauth/token"))
                .header("authorization", auth)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", "sbc_bogus"),
                    ("code_verifier", &"v".repeat(43)),
                ])
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = exchange_as(basic(&ops_secret)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "authenticated: {body}"
    );
    let (status, body) = exchange_as(basic("sbcs_wrong")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let (status, body) = token_request(
        &base,
        &[
            ("grant_type", "authorization_code"),
            ("code", "sbc_bogus"),
            ("client_id", ops_id.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "a confidential client needs its secret: {body}"
    );
    let rotated_secret = cli(&["client", "rotate-secret", &ops_id])["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = exchange_as(basic(&ops_secret)).await;
    assert_eq!(status, 401, "the old secret stopped working");
    let (status, _) = exchange_as(basic(&rotated_secret)).await;
    assert_eq!(status, 400, "the new secret authenticates");
    // client_secret_post works the same.
    let (status, body) = token_request(
        &base,
        &[
            ("grant_type", "authorization_code"),
            ("code", "sbc_bogus"),
            ("code_verifier", &"v".repeat(43)),
            ("client_id", ops_id.as_str()),
            ("client_secret", rotated_secret.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    cli(&["client", "remove", &ops_id]);
    let (status, _) = exchange_as(basic(&rotated_secret)).await;
    assert_eq!(status, 401);

    // A person in two teams chooses one on the consent page.
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Globex", "email": "ada@acme.example"})),
    )
    .await;
    assert_eq!(status, 202);
    let (code, _) = common::wait_for_code(&outbox, &mut browser.seen);
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, challenge) = pkce();
    let r = browser
        .get(&authorize(&challenge, "worksection:read", redirect, &mcp))
        .await;
    let page_url = format!("{base}{}", r.headers()["location"].to_str().unwrap());
    let html = browser.get(&page_url).await.text().await.unwrap();
    assert!(
        html.contains("Which team?") && html.contains("Acme") && html.contains("Globex"),
        "{html}"
    );

    // A token issued for another resource is refused here.
    let store = gateway::store::Store::open(
        &pg.url,
        gateway::vault::MasterKey::read_file(&key_file).unwrap(),
    )
    .await
    .unwrap();
    let team = store.tenant_by_slug("acme").await.unwrap();
    let member = store.members(&team.id).await.unwrap().remove(0);
    let foreign = store
        .mint_tokens(
            &team.id,
            &member.id,
            &client_id,
            &["worksection:read".to_owned()],
            "https://other.example/mcp",
            "fam_foreign",
            3600,
            7200,
        )
        .await
        .unwrap();
    let e = call_tool(
        &mcp,
        &foreign.access_token,
        "worksection_list_members",
        json!({}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("401") || e.contains("Auth"), "{e}");
}

// ---- sign-in through a team's own OIDC provider ----

/// An OIDC provider for the test: discovery, authorize (approves at once, as one
/// person), token (an ES256-signed ID token), JWKS.
struct Idp {
    key: ring::signature::EcdsaKeyPair,
    issuer: String,
    email: String,
    codes: std::sync::Mutex<std::collections::HashMap<String, (String, String, String)>>,
    saw_resource: std::sync::atomic::AtomicBool,
    bad_signature: std::sync::atomic::AtomicBool,
}

async fn start_idp(email: &str) -> std::sync::Arc<Idp> {
    use axum::{
        Json, Router,
        extract::{Form, Query, State},
        response::{IntoResponse, Redirect},
        routing::{get, post},
    };
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use std::{collections::HashMap, sync::Arc};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let idp = Arc::new(Idp {
        key,
        issuer,
        email: email.to_owned(),
        codes: Default::default(),
        saw_resource: Default::default(),
        bad_signature: Default::default(),
    });
    async fn discovery(State(idp): State<Arc<Idp>>) -> Json<Value> {
        let i = &idp.issuer;
        Json(
            json!({"issuer": i, "authorization_endpoint": format!("{i}/authorize"), "token_endpoint": format!("{i}/token"), "jwks_uri": format!("{i}/jwks")}),
        )
    }
    async fn authorize(
        State(idp): State<Arc<Idp>>,
        Query(q): Query<HashMap<String, String>>,
    ) -> impl IntoResponse {
        if q.contains_key("resource") {
            idp.saw_resource
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let code = hex::encode(rand::random::<[u8; 16]>());
        idp.codes.lock().unwrap().insert(
            code.clone(),
            (
                q["nonce"].clone(),
                q["code_challenge"].clone(),
                q["redirect_uri"].clone(),
            ),
        );
        let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
        back.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &q["state"]);
        Redirect::to(back.as_str())
    }
    async fn token(
        State(idp): State<Arc<Idp>>,
        Form(f): Form<HashMap<String, String>>,
    ) -> impl IntoResponse {
        let Some((nonce, challenge, redirect)) = idp.codes.lock().unwrap().remove(&f["code"])
        else {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            );
        };
        let pkce = URL_SAFE_NO_PAD.encode(Sha256::digest(f["code_verifier"].as_bytes()));
        if pkce != challenge
            || f["redirect_uri"] != redirect
            || f["client_id"] != "sb-client"
            || f["client_secret"] != "sb-secret"
        {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            );
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header =
            URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}).to_string());
        let claims = URL_SAFE_NO_PAD.encode(
            json!({"iss": idp.issuer, "aud": "sb-client", "sub": "u-42", "email": idp.email, "email_verified": true, "nonce": nonce, "iat": now, "exp": now + 300})
                .to_string(),
        );
        let message = format!("{header}.{claims}");
        let mut signature = idp
            .key
            .sign(&ring::rand::SystemRandom::new(), message.as_bytes())
            .unwrap()
            .as_ref()
            .to_vec();
        if idp.bad_signature.load(std::sync::atomic::Ordering::SeqCst) {
            signature[10] ^= 1;
        }
        let id_token = format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature));
        (
            axum::http::StatusCode::OK,
            Json(json!({"access_token": "idp-at", "token_type": "Bearer", "id_token": id_token})),
        )
    }
    async fn jwks(State(idp): State<Arc<Idp>>) -> Json<Value> {
        let point = idp.key.public_key().as_ref();
        Json(
            json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]}),
        )
    }
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/jwks", get(jwks))
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    idp
}

#[tokio::test]
async fn a_team_signs_its_people_in_through_its_own_oidc_provider() {
    connector_core::http::install_crypto_provider();
    let idp = start_idp("grace@acme.example").await;
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let db = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let key_file = dir.path().join("master.key");
    let port = common::free_port();
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [store]\ndatabase_url = \"{db}\"\nmaster_key_file = \"{}\"\n[mail]\noutbox_dir = \"{}\"\n\
         [oauth]\nregistrations_per_ip_per_hour = 2\n",
        key_file.display(),
        outbox.display()
    );
    let config_path = dir.path().join("switchboard.toml");
    std::fs::write(&config_path, &config).unwrap();
    let server = common::serve(&config);
    let base = server.base.clone();
    let mut browser = Browser::new(&base, outbox.clone());
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(json!({"company": "Acme", "email": "ada@acme.example"})),
    )
    .await;
    assert_eq!(status, 202);
    let (code, _) = common::wait_for_code(&outbox, &mut browser.seen);
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    assert_eq!(status, 200);
    // The operator points the team at its provider (the secret from stdin).
    let mut sso = Command::new(common::EXE)
        .args([
            "tenant",
            "sso",
            "acme",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "sb-client",
            "--client-secret",
            "-",
            "--email-domain",
            "acme.example",
            "--json",
            "--config",
        ])
        .arg(&config_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(sso.stdin.as_mut().unwrap(), b"sb-secret\n").unwrap();
    let out = sso.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("sb-secret"));

    let (_, client) = http_json(
        Method::POST,
        &format!("{base}/oauth/register"),
        None,
        Some(json!({"client_name": "SSO check", "redirect_uris": ["http://localhost:53682/callback"], "token_endpoint_auth_method": "none"})),
    )
    .await;
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let sign_in = |verifier_challenge: &str| {
        let mut u = url::Url::parse(&format!("{base}/oauth/authorize")).unwrap();
        u.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", "http://localhost:53682/callback")
            .append_pair("code_challenge", verifier_challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "sso")
            .append_pair("resource", &server.url);
        u.to_string()
    };
    // Through the provider: the address goes to it instead of getting a code.
    let through_provider = async |browser: &mut Browser| {
        let (_, challenge) = pkce();
        let r = browser.get(&sign_in(&challenge)).await;
        let page_url = format!("{base}{}", r.headers()["location"].to_str().unwrap());
        let html = browser.get(&page_url).await.text().await.unwrap();
        let (request, csrf) = (field(&html, "request"), field(&html, "csrf"));
        let r = browser
            .post(&[
                ("request", &request),
                ("csrf", &csrf),
                ("action", "email"),
                ("email", "grace@acme.example"),
            ])
            .await;
        assert_eq!(r.status(), 302, "to the provider");
        let to_idp = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(to_idp.starts_with(&idp.issuer), "{to_idp}");
        assert!(
            to_idp.contains("nonce=") && to_idp.contains("code_challenge="),
            "{to_idp}"
        );
        let r = browser.get(&to_idp).await;
        let callback = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            callback.starts_with(&format!("{base}/oauth/sso/callback?")),
            "{callback}"
        );
        (callback, page_url)
    };
    let (callback, page_url) = through_provider(&mut browser).await;
    let r = browser.get(&callback).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert!(
        !idp.saw_resource.load(std::sync::atomic::Ordering::SeqCst),
        "resource must not reach the provider"
    );
    let html = browser.get(&page_url).await.text().await.unwrap();
    assert!(
        html.contains("Signed in as <strong>grace@acme.example</strong>"),
        "{html}"
    );
    // The provider's answer works once.
    let again = browser.get(&callback).await;
    assert_eq!(again.status(), 400);
    // Grace became a member of Acme.
    let (ok, members) = common::run(
        &[
            "member",
            "list",
            "acme",
            "--json",
            "--config",
            config_path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok && members.contains("grace@acme.example"), "{members}");

    // An ID token whose signature does not verify signs nobody in.
    idp.bad_signature
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let mut stranger = Browser::new(&base, outbox.clone());
    let (callback, _) = through_provider(&mut stranger).await;
    let r = stranger.get(&callback).await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("signature does not verify")
    );

    // Registrations are limited per client address (2 an hour here; one was made above).
    let (status, _) = http_json(
        Method::POST,
        &format!("{base}/oauth/register"),
        None,
        Some(json!({"redirect_uris": ["http://localhost:1/cb"], "token_endpoint_auth_method": "none"})),
    )
    .await;
    assert_eq!(status, 201);
    let resp = reqwest::Client::new()
        .post(format!("{base}/oauth/register"))
        .json(&json!({"redirect_uris": ["http://localhost:1/cb"], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
}
