//! Teams end to end, as an operator runs them: the CLI creates teams, connects their
//! Worksection accounts and issues their tokens; `switchboard serve` then answers each
//! team's AI client from that team's own account only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::process::{Command, Stdio};

use connector_worksection::fake::{FakeOptions, FakeWorksection, start_with};
use rmcp::{
    ClientLifecycleMode, ClientServiceExt,
    model::ProtocolVersion,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};

struct Operator {
    config: std::path::PathBuf,
    pg: Option<common::PgDb>,
    _dir: tempfile::TempDir,
}

impl Operator {
    /// An operator's config on SQLite, or on a fresh PostgreSQL database with a key
    /// file made beforehand (PostgreSQL never gets an invented key).
    fn new(settings_base: &str, port: u16, postgres: bool) -> Operator {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("switchboard.toml");
        let key = dir.path().join("master.key");
        let pg = postgres.then(common::PgDb::new);
        let db = match &pg {
            Some(pg) => {
                common::write_key_file(&key);
                pg.url.clone()
            }
            None => format!("sqlite://{}", dir.path().join("switchboard.db").display()),
        };
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
                 [store]\ndatabase_url = \"{db}\"\nmaster_key_file = \"{key}\"\n\
                 [connectors.worksection.settings]\noauth_base_url = \"{settings_base}\"\nrequests_per_second = 50\n",
                key = key.display(),
            ),
        )
        .unwrap();
        Operator {
            config,
            pg,
            _dir: dir,
        }
    }

    /// Everything the database holds, as a person with the file or a dump would see it.
    fn raw_database(&self) -> String {
        let bytes = match &self.pg {
            Some(pg) => {
                let out = Command::new("pg_dump").arg(&pg.url).output().unwrap();
                assert!(out.status.success());
                out.stdout
            }
            None => {
                let dir = self.config.parent().unwrap();
                let mut raw = std::fs::read(dir.join("switchboard.db")).unwrap();
                raw.extend(std::fs::read(dir.join("switchboard.db-wal")).unwrap_or_default());
                raw
            }
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Runs a CLI command with `--json`, feeding `stdin`; returns the parsed output.
    fn run(&self, args: &[&str], stdin: &str) -> Value {
        let mut child = Command::new(common::EXE)
            .args(args)
            .args(["--json", "--config"])
            .arg(&self.config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn team_with_account(&self, slug: &str, fake: Option<&FakeWorksection>) -> String {
        self.run(
            &[
                "tenant",
                "create",
                slug,
                "--name",
                slug,
                "--owner",
                &format!("owner@{slug}.example"),
                "--active",
            ],
            "",
        );
        if let Some(fake) = fake {
            let c = self.run(
                &[
                    "connection",
                    "add",
                    slug,
                    "--connector",
                    "worksection",
                    "--label",
                    &format!("{slug}.worksection.com"),
                    "--credential",
                    &format!("account_url={}", fake.base_url()),
                    "--credential",
                    "api_key=-",
                ],
                &format!("{}\n", fake.api_key()),
            );
            assert!(c["id"].as_str().unwrap().starts_with("c_"));
        }
        self.run(
            &[
                "token",
                "issue",
                "--tenant",
                slug,
                "--member",
                &format!("owner@{slug}.example"),
            ],
            "",
        )["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn call(url: &str, token: &str, tool: &str) -> Result<rmcp::model::CallToolResult, String> {
    common::call_tool(url, token, tool, json!({})).await
}

#[tokio::test]
async fn each_team_reaches_only_its_own_account_on_sqlite() {
    each_team_reaches_only_its_own_account(false).await;
}

#[tokio::test]
async fn each_team_reaches_only_its_own_account_on_postgresql() {
    each_team_reaches_only_its_own_account(true).await;
}

async fn each_team_reaches_only_its_own_account(postgres: bool) {
    connector_core::http::install_crypto_provider();
    let fake_a = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let fake_b = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let port = common::free_port();
    let op = Operator::new(&fake_a.base_url(), port, postgres);
    let acme = op.team_with_account("acme", Some(&fake_a));
    let globex = op.team_with_account("globex", Some(&fake_b));
    let initech = op.team_with_account("initech", None);

    // Listing shows no secret, and the database file holds none in plaintext.
    let listed = op.run(&["connection", "list", "acme"], "");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&fake_a.api_key()));
    let raw = op.raw_database();
    assert!(
        raw.contains("acme.worksection.com"),
        "the check reads the right file"
    );
    assert!(!raw.contains(&fake_a.api_key()) && !raw.contains(&fake_b.api_key()));

    let config_text = std::fs::read_to_string(&op.config).unwrap();
    let server = common::serve(&config_text);
    let url = server.url.clone();

    let r = call(&url, &acme, "worksection_list_members").await.unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    assert_eq!(
        (
            fake_a.action_count("get_users"),
            fake_b.action_count("get_users")
        ),
        (1, 0)
    );
    let r = call(&url, &globex, "worksection_list_members")
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    assert_eq!(
        (
            fake_a.action_count("get_users"),
            fake_b.action_count("get_users")
        ),
        (1, 1)
    );

    // A team with no account gets an error the model can relay.
    let r = call(&url, &initech, "worksection_list_members")
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let shown = serde_json::to_string(&r.content).unwrap();
    assert!(
        shown.contains("no Worksection account is connected") && shown.contains("/connect/"),
        "{shown}"
    );

    // Suspending a team stops its token at once; activating restores it.
    op.run(&["tenant", "suspend", "acme"], "");
    let e = call(&url, &acme, "worksection_list_members")
        .await
        .unwrap_err();
    assert!(e.contains("Auth") || e.contains("401"), "{e}");
    op.run(&["tenant", "activate", "acme"], "");
    call(&url, &acme, "worksection_list_members").await.unwrap();

    // A revoked token is refused.
    let extra = op.run(&["token", "issue", "--tenant", "globex"], "");
    call(
        &url,
        extra["token"].as_str().unwrap(),
        "worksection_list_members",
    )
    .await
    .unwrap();
    op.run(
        &["token", "revoke", "globex", extra["id"].as_str().unwrap()],
        "",
    );
    assert!(
        call(
            &url,
            extra["token"].as_str().unwrap(),
            "worksection_list_members"
        )
        .await
        .is_err()
    );
    drop(server);
}

#[test]
fn postgres_without_a_master_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = common::run(
        &["tenant", "list"],
        &[
            (
                "SWITCHBOARD_STORE__DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "SWITCHBOARD_STORE__MASTER_KEY_FILE",
                dir.path().join("absent.key").to_str().unwrap(),
            ),
        ],
    );
    assert!(!ok);
    assert!(out.contains("SWITCHBOARD_MASTER_KEY"), "{out}");
    // `check` reports the same problem, and creates nothing.
    let (ok, out) = common::run(
        &["check"],
        &[
            (
                "SWITCHBOARD_STORE__DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "SWITCHBOARD_STORE__MASTER_KEY_FILE",
                dir.path().join("absent.key").to_str().unwrap(),
            ),
        ],
    );
    assert!(!ok && out.contains("store.master_key_file"), "{out}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn sqlite_creates_its_key_file_owner_only_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    let (ok, out) = common::run(
        &["tenant", "list"],
        &[
            (
                "SWITCHBOARD_STORE__DATABASE_URL",
                &format!("sqlite://{}", dir.path().join("sb.db").display()),
            ),
            ("SWITCHBOARD_STORE__MASTER_KEY_FILE", key.to_str().unwrap()),
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("created a new master key file"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

async fn tool_names(url: &str, token: &str) -> Vec<String> {
    let t = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token.to_owned()),
    );
    let c = ()
        .serve_with_lifecycle(
            t,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let names = c
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    let _ = c.cancel().await;
    names
}

#[tokio::test]
async fn a_teams_policy_and_a_tokens_scopes_shape_what_it_can_do_on_sqlite() {
    a_teams_policy_and_a_tokens_scopes_shape_what_it_can_do(false).await;
}

#[tokio::test]
async fn a_teams_policy_and_a_tokens_scopes_shape_what_it_can_do_on_postgresql() {
    a_teams_policy_and_a_tokens_scopes_shape_what_it_can_do(true).await;
}

async fn a_teams_policy_and_a_tokens_scopes_shape_what_it_can_do(postgres: bool) {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let port = common::free_port();
    let op = Operator::new(&fake.base_url(), port, postgres);
    let token = op.team_with_account("acme", Some(&fake));
    let server = common::serve(&std::fs::read_to_string(&op.config).unwrap());
    let url = server.url.clone();

    let all = tool_names(&url, &token).await;
    assert!(all.contains(&"worksection_create_task".to_owned()));

    // Read-only mode: write tools leave tools/list and are refused when called anyway.
    let p = op.run(
        &[
            "tenant",
            "policy",
            "acme",
            "--read-only",
            "true",
            "--disable-tool",
            "worksection_list_contacts",
        ],
        "",
    );
    assert_eq!(p["read_only"], true);
    let limited = tool_names(&url, &token).await;
    assert!(!limited.contains(&"worksection_create_task".to_owned()));
    assert!(!limited.contains(&"worksection_list_contacts".to_owned()));
    assert!(limited.contains(&"worksection_list_members".to_owned()));
    let r = call(&url, &token, "worksection_delete_cost").await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        serde_json::to_string(&r.content)
            .unwrap()
            .contains("read-only"),
        "{:?}",
        r.content
    );
    let r = call(&url, &token, "worksection_list_contacts")
        .await
        .unwrap();
    assert!(
        serde_json::to_string(&r.content)
            .unwrap()
            .contains("turned off"),
        "{:?}",
        r.content
    );

    // Connectors can be turned off for the team as a whole.
    op.run(
        &[
            "tenant",
            "policy",
            "acme",
            "--read-only",
            "false",
            "--connectors",
            "basecamp",
        ],
        "",
    );
    assert!(
        tool_names(&url, &token)
            .await
            .iter()
            .all(|n| !n.starts_with("worksection_"))
    );
    op.run(
        &[
            "tenant",
            "policy",
            "acme",
            "--connectors",
            "all",
            "--enable-tool",
            "worksection_list_contacts",
        ],
        "",
    );
    assert_eq!(tool_names(&url, &token).await, all);

    // A token scoped to reading sees and calls only read tools.
    let reader = op.run(
        &[
            "token",
            "issue",
            "--tenant",
            "acme",
            "--scope",
            "worksection:read",
        ],
        "",
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let names = tool_names(&url, &reader).await;
    assert!(
        names.contains(&"worksection_list_members".to_owned())
            && !names.contains(&"worksection_create_task".to_owned())
    );
    // Calling a write tool anyway is refused before the endpoint: 403 insufficient_scope,
    // naming the scope to ask for.
    let resp = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&reader)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "worksection_delete_cost", "arguments": {}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("worksection:write"),
        "{challenge}"
    );
    drop(server);
}
