//! The shared conformance suite against the fake Worksection API.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::testkit::conformance;
use connector_worksection::fake::{FakeOptions, start_with};
use serde_json::json;

#[tokio::test]
async fn passes_the_conformance_suite() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_second: 0,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut account = fake.account();
    account.config["requests_per_second"] = json!(100);
    let subject = conformance::Subject {
        connector: connector_core::erase(connector_worksection::Worksection).unwrap(),
        account,
        read_call: ("worksection_list_members", json!({})),
        list_call: ("worksection_list_all_tasks", json!({"limit": 7})),
    };
    conformance::run(&subject).await;
}
