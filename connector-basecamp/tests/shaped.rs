//! Snapshots of shaped outputs on the fake account (its "today" fixed, so the seed is the
//! same on every run), and the size of shaped results against Basecamp's own answers.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_basecamp::fake::{FakeOptions, start_with};
use connector_core::{IsoDate, Upstream, UpstreamConfig, testkit::Harness};
use serde_json::{Value, json};

async fn fake() -> connector_basecamp::fake::FakeBasecamp {
    connector_core::http::install_crypto_provider();
    start_with(FakeOptions {
        requests_per_10s: 0,
        today: IsoDate::parse("2026-03-25").ok().map(|d| d.0),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn shaped_outputs() {
    let fake = fake().await;
    let seed = fake.seed();
    let h = Harness::new(
        connector_core::erase(connector_basecamp::Basecamp).unwrap(),
        fake.account().config,
        &fake.account().credentials,
        &Upstream::new(UpstreamConfig::default()).unwrap(),
    );
    let call = |name: &'static str, args: Value| h.call(name, args);
    let todos = call(
        "basecamp_list_todos",
        json!({"todolist_id": seed.big_todolist, "limit": 3}),
    )
    .await;
    let messages = call(
        "basecamp_list_messages",
        json!({"project_id": seed.big_project, "limit": 2}),
    )
    .await;
    let tables = call(
        "basecamp_list_card_tables",
        json!({"project_id": seed.card_project}),
    )
    .await;
    let column = tables["card_tables"][1]["columns"][1]["id"].clone();
    insta::assert_json_snapshot!(
        "shaped",
        json!({
            "basecamp_get_project": call("basecamp_get_project", json!({"project_id": seed.big_project})).await,
            "basecamp_list_todos": todos,
            "basecamp_get_todo": call("basecamp_get_todo", json!({"todo_id": todos["items"][0]["id"]})).await,
            "basecamp_list_messages": messages,
            "basecamp_get_message": call("basecamp_get_message", json!({"message_id": messages["items"][0]["id"]})).await,
            "basecamp_list_comments": call("basecamp_list_comments", json!({"recording_id": messages["items"][0]["id"], "limit": 2})).await,
            "basecamp_list_chat_lines": call("basecamp_list_chat_lines", json!({"chat_id": seed.chat, "limit": 3})).await,
            "basecamp_list_card_tables": tables,
            "basecamp_list_cards": call("basecamp_list_cards", json!({"column_id": column, "limit": 2})).await,
            "basecamp_list_schedule_entries": call("basecamp_list_schedule_entries", json!({"project_id": seed.big_project, "from": "2026-03-25", "to": "2026-03-31"})).await,
            "basecamp_list_people": call("basecamp_list_people", json!({"limit": 2})).await,
        }),
        {".**.next_cursor" => "[cursor]"}
    );
}

#[tokio::test]
async fn shaped_results_are_at_most_a_quarter_of_basecamps_answers() {
    let fake = fake().await;
    for report in connector_basecamp::bench::shaping(&fake).await.unwrap() {
        assert!(report.items > 0, "{report:?}");
        assert!(
            report.ratio() <= 0.25,
            "{}: shaped {} bytes of {} raw ({:.3})",
            report.what,
            report.shaped_bytes,
            report.raw_bytes,
            report.ratio()
        );
    }
}
