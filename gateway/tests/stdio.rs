//! `switchboard stdio` driven by rmcp's client over a child process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use rmcp::{
    ServiceExt,
    model::CallToolRequestParams,
    transport::{ConfigureCommandExt, TokioChildProcess},
};
use serde_json::json;

#[tokio::test]
async fn rmcp_client_over_stdio() {
    connector_core::http::install_crypto_provider();
    let fake = connector_core::testkit::notes::start_fake().await.unwrap();
    let key = connector_core::secret::ExposeSecret::expose_secret(
        fake.credentials.get("api_key").unwrap(),
    )
    .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            "[auth]\nallow_anonymous = true\n[connectors.testkit.settings]\nbase_url = \"{}\"\n[connectors.testkit.credentials]\napi_key = \"{key}\"\n",
            fake.base_url
        ),
    )
    .unwrap();
    let child = TokioChildProcess::new(tokio::process::Command::new(common::EXE).configure(|c| {
        c.arg("stdio")
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "info");
    }))
    .unwrap();
    let client = ().serve(child).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 5);
    let r = client
        .call_tool(
            CallToolRequestParams::new("testkit_get_note")
                .with_arguments(json!({"id": 2}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        r.structured_content.unwrap()["title"],
        "Note 2: weekly review"
    );
    // Logs go to stderr; stdout carried only protocol messages, or this client would
    // have failed to parse them.
    client.cancel().await.unwrap();
}
