//! Clients nobody here wrote, against the real binary: the Python SDK (`mcp`), the
//! TypeScript SDK (`@modelcontextprotocol/client`), both eras each, and the official
//! conformance suite with the baseline in `interop/conformance-baseline.yml`.
//!
//! Their runtimes live in `interop/` (a Python venv and `node_modules`, with Node 22
//! from the npm package `node@22`); `cargo xtask ci` installs them (`cargo xtask setup`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::process::Command;

use common::{interop_dir, require, run_ok};

#[test]
fn python_sdk_in_both_eras() {
    let python = require(interop_dir().join(".venv/bin/python"));
    let demo = common::demo(&[]);
    let out = run_ok(
        Command::new(python)
            .arg(interop_dir().join("python_client.py"))
            .args([&demo.url, &demo.token]),
        "the Python client",
    );
    assert!(
        out.contains("python mcp legacy: negotiated 2025-11-25"),
        "{out}"
    );
    assert!(
        out.contains("python mcp 2026-07-28: negotiated 2026-07-28"),
        "{out}"
    );
}

#[test]
fn typescript_sdk_in_both_eras() {
    let node = require(interop_dir().join("node_modules/.bin/node"));
    let demo = common::demo(&[]);
    let out = run_ok(
        Command::new(node)
            .current_dir(interop_dir())
            .arg("ts_client.mjs")
            .args([&demo.url, &demo.token]),
        "the TypeScript client",
    );
    assert!(
        out.contains("ts client legacy: negotiated 2025-11-25"),
        "{out}"
    );
    assert!(
        out.contains("ts client 2026-07-28: negotiated 2026-07-28"),
        "{out}"
    );
}

#[test]
fn official_conformance_scenarios() {
    let node = require(interop_dir().join("node_modules/.bin/node"));
    let suite =
        require(interop_dir().join("node_modules/@modelcontextprotocol/conformance/dist/index.js"));
    // The suite's client sends no token; anonymous access is loopback-only.
    let demo = common::demo(&["--allow-anonymous"]);
    let results = tempfile::tempdir().unwrap();
    for scenario in [
        "server-initialize",
        "tools-list",
        "http-header-validation",
        "dns-rebinding-protection",
        "caching",
        "server-stateless",
    ] {
        let out = run_ok(
            Command::new(&node)
                .arg(&suite)
                .args([
                    "server",
                    "--url",
                    &demo.url,
                    "--scenario",
                    scenario,
                    "--expected-failures",
                ])
                .arg(interop_dir().join("conformance-baseline.yml"))
                .arg("--output-dir")
                .arg(results.path())
                .env("NO_COLOR", "1"),
            &format!("conformance scenario {scenario}"),
        );
        assert!(out.contains("Passed:"), "{scenario}: no result line\n{out}");
    }
}
