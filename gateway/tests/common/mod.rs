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
    _dir: tempfile::TempDir,
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

/// Waits for a line starting with `prefix` on the child's stdout.
fn read_until(child: &mut Child, prefix: &str) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("switchboard exited before printing {prefix}");
        }
        if let Some(rest) = line.strip_prefix(prefix) {
            let found = rest.trim().to_owned();
            // Keep draining so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return found;
        }
    }
    panic!("switchboard did not print {prefix} in time");
}

/// `switchboard demo --port 0` with a token file.
pub fn demo(extra: &[&str]) -> Running {
    connector_core::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    let mut child = Command::new(EXE)
        .args(["demo", "--port", "0", "--token-file"])
        .arg(&token_file)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = read_until(&mut child, "MCP URL:");
    let token = std::fs::read_to_string(&token_file).unwrap();
    Running {
        child,
        base: url.trim_end_matches("/mcp").to_owned(),
        url,
        token,
        _dir: dir,
    }
}

/// `switchboard serve --config <file>` with `config` as the file's text. The port must
/// be free; `free_port` finds one.
pub fn serve(config: &str) -> Running {
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
