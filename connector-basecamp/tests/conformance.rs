//! The shared conformance suite against the fake Basecamp API.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_basecamp::fake::{FakeOptions, start_with};
use connector_core::testkit::conformance;
use serde_json::json;

#[tokio::test]
async fn passes_the_conformance_suite() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_10s: 0,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let seed = fake.seed();
    let mut account = fake.account();
    account.config["requests_per_10s"] = json!(500);
    let subject = conformance::Subject {
        connector: connector_core::erase(connector_basecamp::Basecamp).unwrap(),
        account,
        read_call: ("basecamp_get_my_profile", json!({})),
        list_call: (
            "basecamp_list_todos",
            json!({"todolist_id": seed.big_todolist, "limit": 40}),
        ),
    };
    conformance::run(&subject).await;
}
