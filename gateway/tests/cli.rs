//! The command line: configuration errors name the key, `check` reports, tokens hash.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use common::run;

#[test]
fn check_names_the_bad_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = \"not an address\"\n[auth]\nallow_anonymous = true\n",
    )
    .unwrap();
    let (ok, out) = run(&["check", "--config", path.to_str().unwrap()], &[]);
    assert!(!ok);
    assert!(
        out.contains("server.listen") && out.contains("127.0.0.1:8080"),
        "{out}"
    );

    // The same problem stops `serve` at start.
    let (ok, out) = run(&["serve", "--config", path.to_str().unwrap()], &[]);
    assert!(!ok);
    assert!(out.contains("server.listen"), "{out}");

    // Environment variables override the file and are checked the same way.
    let (ok, out) = run(
        &["check"],
        &[
            ("SWITCHBOARD_AUTH__ALLOW_ANONYMOUS", "true"),
            ("SWITCHBOARD_SERVER__TOOLS_PAGE_SIZE", "0"),
        ],
    );
    assert!(!ok);
    assert!(out.contains("server.tools_page_size"), "{out}");
}

#[test]
fn a_connector_not_compiled_in_is_named_with_the_list() {
    let (ok, out) = run(
        &["check"],
        &[
            ("SWITCHBOARD_AUTH__ALLOW_ANONYMOUS", "true"),
            ("SWITCHBOARD_CONNECTORS__JIRA__ENABLED", "true"),
        ],
    );
    assert!(!ok);
    assert!(
        out.contains("connectors.jira") && out.contains("not compiled into this build"),
        "{out}"
    );
    assert!(
        out.contains("compiled in: ") && out.contains("testkit") && out.contains("worksection"),
        "{out}"
    );
}

#[test]
fn check_reports_a_valid_config() {
    let (ok, out) = run(
        &["check"],
        &[
            ("SWITCHBOARD_AUTH__ALLOW_ANONYMOUS", "true"),
            ("SWITCHBOARD_SERVER__PUBLIC_URL", "https://mcp.example.com"),
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("MCP URL: https://mcp.example.com/mcp"),
        "{out}"
    );
    assert!(out.contains("mcp.example.com"), "{out}");
}

#[test]
fn a_missing_config_file_is_named() {
    let (ok, out) = run(&["check", "--config", "/nonexistent/switchboard.toml"], &[]);
    assert!(!ok);
    assert!(
        out.contains("/nonexistent/switchboard.toml does not exist"),
        "{out}"
    );
}

#[test]
fn token_issue_prints_a_token_and_its_hash() {
    let (ok, out) = run(&["token", "issue"], &[]);
    assert!(ok);
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("token:  "))
        .unwrap();
    let hash = out
        .lines()
        .find_map(|l| l.strip_prefix("sha256: "))
        .unwrap();
    assert_eq!(gateway::auth::hash_token(token), hash);
}
