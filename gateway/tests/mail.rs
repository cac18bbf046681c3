//! Sign-up mail through a real SMTP server on loopback (aiosmtpd, from `interop/`):
//! plain, STARTTLS and implicit TLS, a certificate that is not trusted, and the whole
//! registration with the code read from the server's mailbox.

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
    process::{Child, Command, Stdio},
};

use gateway::{
    config::{MailConfig, SmtpConfig, SmtpTls},
    mail::Mailer,
};
use serde_json::{Value, json};

struct SmtpServer {
    child: Child,
    ports: Value,
    ca_file: String,
    mailbox: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_server() -> SmtpServer {
    let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    let python = interop.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask setup` to install the test SMTP server (aiosmtpd)",
        python.display()
    );
    let mailbox = tempfile::tempdir().unwrap();
    let mut child = Command::new(python)
        .arg(interop.join("smtp_server.py"))
        .arg(mailbox.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    SmtpServer {
        child,
        ports: info["ports"].clone(),
        ca_file: info["ca_file"].as_str().unwrap().to_owned(),
        mailbox,
    }
}

fn config(server: &SmtpServer, mode: &str, tls: SmtpTls, trust: bool) -> MailConfig {
    MailConfig {
        from: "Switchboard <no-reply@switchboard.test>".into(),
        outbox_dir: String::new(),
        smtp: Some(SmtpConfig {
            host: "localhost".into(),
            port: server.ports[mode].as_u64().unwrap() as u16,
            tls,
            ca_file: trust.then(|| server.ca_file.clone()),
            timeout_secs: 10,
            ..SmtpConfig::default()
        }),
    }
}

#[tokio::test]
async fn mail_goes_out_over_plain_starttls_and_tls_and_untrusted_servers_are_refused() {
    connector_core::http::install_crypto_provider();
    let server = smtp_server();
    let mut seen = Vec::new();
    for (mode, tls, encrypted) in [
        ("plain", SmtpTls::None, false),
        ("starttls", SmtpTls::Starttls, true),
        ("tls", SmtpTls::Tls, true),
    ] {
        let mailer = Mailer::from_config(&config(&server, mode, tls, true)).unwrap();
        mailer
            .send(
                "ada@acme.example",
                "Your code",
                &format!("Your Switchboard sign-up code is 12345{}.", seen.len()),
            )
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        let (code, mail) = common::wait_for_code(server.mailbox.path(), &mut seen);
        assert_eq!(code, format!("12345{}", seen.len() - 1));
        assert!(mail.contains("X-Envelope-To: ada@acme.example"), "{mail}");
        assert!(
            mail.contains(if encrypted { "X-Tls: yes" } else { "X-Tls: no" }),
            "{mode}: {mail}"
        );
        assert!(
            mail.contains("From: Switchboard <no-reply@switchboard.test>"),
            "{mail}"
        );
    }
    // A certificate nobody vouches for is not accepted...
    let untrusted =
        Mailer::from_config(&config(&server, "starttls", SmtpTls::Starttls, false)).unwrap();
    let err = untrusted
        .send("ada@acme.example", "x", "x")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("SMTP server did not accept"),
        "{err}"
    );
    // ...and a server that requires STARTTLS refuses plain mail.
    let plain = Mailer::from_config(&config(&server, "starttls", SmtpTls::None, true)).unwrap();
    let err = plain.send("ada@acme.example", "x", "x").await.unwrap_err();
    assert!(
        err.to_string().contains("SMTP server did not accept"),
        "{err}"
    );
}

#[tokio::test]
async fn registration_codes_arrive_by_smtp() {
    connector_core::http::install_crypto_provider();
    let server = smtp_server();
    let port = common::free_port();
    let running = common::serve(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         [mail]\nfrom = \"Switchboard <no-reply@switchboard.test>\"\n\
         [mail.smtp]\nhost = \"localhost\"\nport = {}\ntls = \"starttls\"\nca_file = \"{}\"\n",
        server.ports["starttls"], server.ca_file
    ));
    let (status, body) = common::http_json(
        reqwest::Method::POST,
        &format!("{}/api/register", running.base),
        None,
        Some(json!({"company": "Acme", "email": "ada@acme.example"})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (code, mail) = common::wait_for_code(server.mailbox.path(), &mut Vec::new());
    assert!(mail.contains("X-Tls: yes"), "{mail}");
    let (status, body) = common::http_json(
        reqwest::Method::POST,
        &format!("{}/api/confirm", running.base),
        None,
        Some(json!({"email": "ada@acme.example", "code": code})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["admin_token"].as_str().unwrap().starts_with("sb_"));
}
