//! Runs the real `switchboard` binary for end-to-end tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub const EXE: &str = env!("CARGO_BIN_EXE_switchboard");

/// A running `switchboard` process, killed on drop.
pub struct Running {
    pub child: Child,
    pub url: String,
    pub base: String,
    pub token: String,
    /// Everything it printed on stdout so far.
    pub stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Running {
    /// The rest of the first stdout line starting with `prefix` (trimmed), waiting for it.
    pub fn printed(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(found) = self.stdout.lock().unwrap().iter().find_map(|l| {
                l.trim_start()
                    .strip_prefix(prefix)
                    .map(|r| r.trim().to_owned())
            }) {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("switchboard did not print a line starting with {prefix}");
    }

    /// The folder the process's own temporary files live in.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM first, so the server cleans up after itself (the demo's temp folder).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Lines = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Waits for a line starting with `prefix` on the child's stdout; every line is kept.
fn read_until(child: &mut Child, prefix: &str) -> (String, Lines) {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let lines: Lines = Default::default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("switchboard exited before printing {prefix}");
        }
        lines.lock().unwrap().push(line.trim_end().to_owned());
        if let Some(rest) = line.strip_prefix(prefix) {
            let found = rest.trim().to_owned();
            // Keep draining (and keeping) so the child never blocks on a full pipe.
            let keep = lines.clone();
            std::thread::spawn(move || {
                for l in reader.lines().map_while(Result::ok) {
                    keep.lock().unwrap().push(l);
                }
            });
            return (found, lines);
        }
    }
    panic!("switchboard did not print {prefix} in time");
}

/// `switchboard demo --port 0` with a token file.
pub fn demo(extra: &[&str]) -> Running {
    demo_full(extra, &[])
}

/// [`demo`] with environment variables (`SWITCHBOARD_OAUTH__…`).
pub fn demo_with_env(env: &[(&str, &str)]) -> Running {
    demo_full(&[], env)
}

fn demo_full(extra: &[&str], env: &[(&str, &str)]) -> Running {
    connector_core::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    let mut child = Command::new(EXE)
        .args(["demo", "--port", "0", "--token-file"])
        .arg(&token_file)
        .args(extra)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (url, stdout) = read_until(&mut child, "MCP URL:");
    let token = std::fs::read_to_string(&token_file).unwrap();
    Running {
        child,
        base: url.trim_end_matches("/mcp").to_owned(),
        url,
        token,
        stdout,
        _dir: dir,
    }
}

/// `switchboard serve --config <file>` with `config` as the file's text. The port must
/// be free; `free_port` finds one.
pub fn serve(config: &str) -> Running {
    serve_with_env(config, &[])
}

/// [`serve`] with extra environment variables (`SWITCHBOARD_MASTER_KEY`).
pub fn serve_with_env(config: &str, env: &[(&str, &str)]) -> Running {
    connector_core::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("switchboard.toml");
    // The store lives in the test's own folder, never in the working tree.
    let store = format!(
        "\n[store]\ndatabase_url = \"sqlite://{}\"\nmaster_key_file = \"{}\"\n",
        dir.path().join("switchboard.db").display(),
        dir.path().join("master.key").display()
    );
    let store = if config.contains("[store]") {
        String::new()
    } else {
        store
    };
    std::fs::write(&path, format!("{config}{store}")).unwrap();
    let mut child = Command::new(EXE)
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let listen = config
        .lines()
        .find_map(|l| l.strip_prefix("listen = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("config has listen");
    let base = format!("http://{listen}");
    wait_healthy(&base, &mut child);
    Running {
        child,
        url: format!("{base}/mcp"),
        base,
        token: String::new(),
        stdout: Default::default(),
        _dir: dir,
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_healthy(base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("switchboard serve exited ({status}) before listening at {base}");
        }
        if std::net::TcpStream::connect(base.trim_start_matches("http://")).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("switchboard did not start listening at {base}");
}

/// Runs `switchboard` with args to completion: (exit success, stdout + stderr).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(EXE)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The PostgreSQL server the tests use (`SWITCHBOARD_TEST_POSTGRES` to point elsewhere).
pub fn pg_admin_url() -> String {
    std::env::var("SWITCHBOARD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh PostgreSQL database, dropped with this value.
pub struct PgDb {
    pub url: String,
    pub name: String,
}

impl PgDb {
    pub fn new() -> PgDb {
        let name = format!("sbtest_{}", hex::encode(rand::random::<[u8; 6]>()));
        let out = Command::new("psql")
            .arg(pg_admin_url())
            .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
            .output()
            .expect("psql must be installed, and PostgreSQL run on 127.0.0.1:5432");
        assert!(
            out.status.success(),
            "CREATE DATABASE failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let base = pg_admin_url();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        PgDb { url, name }
    }

    /// Runs SQL in this database with psql; returns its unaligned output.
    pub fn sql(&self, statement: &str) -> String {
        let out = Command::new("psql")
            .arg(&self.url)
            .args(["-q", "-t", "-A", "-c", statement])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{statement}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Best effort: a left-over test database is harmless, only untidy.
        let _ = Command::new("psql")
            .arg(pg_admin_url())
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// Calls one tool over HTTP (2026-07-28) with a bearer token.
pub async fn call_tool(
    url: &str,
    token: &str,
    tool: &str,
    args: serde_json::Value,
) -> Result<rmcp::model::CallToolResult, String> {
    use rmcp::{
        ClientLifecycleMode, ClientServiceExt,
        model::{CallToolRequestParams, ProtocolVersion},
        transport::{
            StreamableHttpClientTransport,
            streamable_http_client::StreamableHttpClientTransportConfig,
        },
    };
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
        .map_err(|e| e.to_string())?;
    let r = c
        .call_tool(
            CallToolRequestParams::new(tool.to_owned())
                .with_arguments(args.as_object().cloned().unwrap_or_default()),
        )
        .await
        .map_err(|e| e.to_string());
    let _ = c.cancel().await;
    r
}

/// A JSON request: (status, body as JSON, or `null` if it had none).
pub async fn http_json(
    method: reqwest::Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// The 6-digit code in the newest mail of `folder` (an outbox or a mailbox), waiting
/// for one to arrive that is not in `seen`.
pub fn wait_for_code(folder: &std::path::Path, seen: &mut Vec<PathBuf>) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let mut mails: Vec<PathBuf> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml") && !seen.contains(p))
            .collect();
        mails.sort();
        if let Some(path) = mails.pop() {
            let text = std::fs::read_to_string(&path).unwrap();
            seen.push(path);
            let code = text
                .split("code is ")
                .nth(1)
                .map(|rest| rest.chars().take(6).collect::<String>())
                .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_else(|| panic!("no code in the mail:\n{text}"));
            return (code, text);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no mail arrived in {}", folder.display());
}

/// The text of a tool result's structured content (or its text blocks).
pub fn result_json(r: &rmcp::model::CallToolResult) -> serde_json::Value {
    r.structured_content.clone().unwrap_or_else(|| {
        serde_json::Value::String(
            r.content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// Writes a new master key file, owner-only (PostgreSQL needs one made beforehand).
pub fn write_key_file(path: &std::path::Path) {
    connector_core::http::install_crypto_provider();
    let key = gateway::vault::MasterKey::generate();
    std::fs::write(path, key.to_base64().as_bytes()).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

/// Signs a team up through the REST API: register, read the code from the outbox,
/// confirm. Returns the confirmation (with `admin_token`).
pub async fn register_and_confirm(
    base: &str,
    outbox: &std::path::Path,
    seen: &mut Vec<PathBuf>,
    company: &str,
    email: &str,
) -> serde_json::Value {
    let (status, body) = http_json(
        reqwest::Method::POST,
        &format!("{base}/api/register"),
        None,
        Some(serde_json::json!({"company": company, "email": email})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "code_sent");
    let (code, mail) = wait_for_code(outbox, seen);
    assert!(mail.contains(email), "{mail}");
    let (status, body) = http_json(
        reqwest::Method::POST,
        &format!("{base}/api/confirm"),
        None,
        Some(serde_json::json!({"email": email, "code": code})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Runs an upstream OAuth connect link as one browser would: the link's sign-in, the
/// upstream's approval (fakes approve at once) and the callback. Returns the callback
/// page's status and HTML.
pub async fn connect_by_signing_in(connect_url: &str) -> (u16, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let to_upstream = http
        .get(format!("{connect_url}/oauth"))
        .send()
        .await
        .unwrap();
    assert_eq!(to_upstream.status(), 303, "the connect link's sign-in");
    let cookie = to_upstream.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let authorize = to_upstream.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let back = http.get(&authorize).send().await.unwrap();
    assert_eq!(back.status(), 302, "the upstream's approval of {authorize}");
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let r = http
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The third-party clients' folder (`interop/`); `cargo xtask setup` installs them.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// A file that `cargo xtask setup` installs, or a failure that says to run it.
pub fn require(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask setup` (or `cargo xtask ci`, which runs it) to install the interop clients",
        path.display()
    );
    path
}

/// Runs a command to success: its stdout and stderr.
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// Runs a Python SDK scenario (`interop/<script>`) against a running switchboard and
/// checks that it printed each of `steps`.
pub fn python_scenario(script: &str, server: &Running, steps: &[&str]) -> String {
    let python = require(interop_dir().join(".venv/bin/python"));
    let out = run_ok(
        Command::new(python)
            .arg(interop_dir().join(script))
            .args([&server.url, &server.token]),
        script,
    );
    for step in steps {
        assert!(out.contains(step), "{script}: no `{step}` in:\n{out}");
    }
    out
}

/// Runs a `switchboard` admin command with `--json` against `config`, with the master
/// key in the environment: its JSON answer.
pub fn cli(config: &std::path::Path, key: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(EXE)
        .args(args)
        .args(["--json", "--config"])
        .arg(config)
        .env("SWITCHBOARD_MASTER_KEY", key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
