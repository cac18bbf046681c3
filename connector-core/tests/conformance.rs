//! The conformance suite run against the test connector, which keeps the suite honest:
//! every check here must pass on a well-behaved connector.

#![cfg(feature = "testkit")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use connector_core::testkit::{conformance, notes};
use serde_json::json;

#[tokio::test]
async fn the_test_connector_passes_the_suite() {
    let subject = conformance::Subject {
        connector: connector_core::erase(notes::Notes).unwrap(),
        account: notes::start_fake().await.unwrap(),
        read_call: ("testkit_get_note", json!({"id": 3})),
        list_call: ("testkit_list_notes", json!({"limit": 25})),
    };
    conformance::run(&subject).await;
}

#[tokio::test]
async fn the_suite_catches_a_connector_that_maps_errors_wrongly() {
    // Reading a note through the echo tool never reaches the upstream, so injected
    // faults are never reported: the suite must fail.
    let subject = conformance::Subject {
        connector: connector_core::erase(notes::Notes).unwrap(),
        account: notes::start_fake().await.unwrap(),
        read_call: ("testkit_echo_text", json!({"text": "hi"})),
        list_call: ("testkit_list_notes", json!({})),
    };
    let outcome = tokio::spawn(async move {
        conformance::upstream_errors_map_to_kinds(&subject).await;
    })
    .await;
    let panic = outcome.unwrap_err().into_panic();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("was not reported as an error"), "{msg}");
}
