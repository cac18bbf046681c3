//! The shared conformance suite against the fake ServiceFusion API.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::testkit::conformance;
use connector_servicefusion::fake::{FakeOptions, start_with};
use serde_json::json;

#[tokio::test]
async fn passes_the_conformance_suite() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_minute: 0,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut account = fake.account();
    account.config["requests_per_minute"] = json!(600);
    let subject = conformance::Subject {
        connector: connector_core::erase(connector_servicefusion::ServiceFusion).unwrap(),
        account,
        read_call: ("servicefusion_get_me", json!({})),
        list_call: (
            "servicefusion_search_customers",
            json!({"city": "Austin", "limit": 7}),
        ),
    };
    conformance::run(&subject).await;
}
