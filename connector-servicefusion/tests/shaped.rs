//! Snapshots of shaped outputs on the fake company (its "today" fixed, so the seed is the
//! same on every run): a change in what a model sees shows up in review.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::{IsoDate, Upstream, UpstreamConfig, testkit::Harness};
use connector_servicefusion::fake::{FakeOptions, start_with};
use serde_json::{Value, json};

#[tokio::test]
async fn shaped_outputs() {
    connector_core::http::install_crypto_provider();
    let fake = start_with(FakeOptions {
        requests_per_minute: 0,
        today: IsoDate::parse("2026-06-15").ok().map(|d| d.0),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut config = fake.account().config;
    config["requests_per_minute"] = json!(600);
    let h = Harness::new(
        connector_core::erase(connector_servicefusion::ServiceFusion).unwrap(),
        config,
        &fake.account().credentials,
        &Upstream::new(UpstreamConfig::default()).unwrap(),
    );
    let call = |name: &'static str, args: Value| h.call(name, args);
    let customers = call("servicefusion_search_customers", json!({"limit": 2})).await;
    let customer = customers["items"][0]["id"].clone();
    let jobs = call(
        "servicefusion_list_jobs",
        json!({"limit": 2, "start_to": "2026-06-15"}),
    )
    .await;
    let job = jobs["items"][0]["id"].clone();
    let full_job = call(
        "servicefusion_get_job",
        json!({"job_id": job, "include": ["techs", "visits", "notes", "products", "services", "payments", "invoices", "equipment"]}),
    )
    .await;
    let estimates = call("servicefusion_list_estimates", json!({"limit": 1})).await;
    let estimate = call(
        "servicefusion_get_estimate",
        json!({"estimate_id": estimates["items"][0]["id"]}),
    )
    .await;
    let tech = full_job["techs"][0]["id"].clone();
    insta::assert_json_snapshot!(
        "shaped",
        json!({
            "servicefusion_search_customers": customers,
            "servicefusion_get_customer": call("servicefusion_get_customer", json!({"customer": customer, "include": ["contacts", "locations", "custom_fields"]})).await,
            "servicefusion_list_customer_equipment": call("servicefusion_list_customer_equipment", json!({"customer": customer, "limit": 2})).await,
            "servicefusion_list_jobs": jobs,
            "servicefusion_get_job": full_job,
            "servicefusion_get_estimate": estimate,
            "servicefusion_list_invoices": call("servicefusion_list_invoices", json!({"limit": 2})).await,
            "servicefusion_get_tech_schedule": call("servicefusion_get_tech_schedule", json!({"tech": tech, "from": "2026-06-15", "to": "2026-06-17"})).await,
            "servicefusion_list_calendar_tasks": call("servicefusion_list_calendar_tasks", json!({"limit": 2})).await,
            "servicefusion_list_job_statuses": call("servicefusion_list_job_statuses", json!({})).await,
            "servicefusion_get_me": call("servicefusion_get_me", json!({})).await,
        }),
        // Cursors carry a random snapshot id or a fingerprint; both are opaque.
        {".**.next_cursor" => "[cursor]"}
    );
}
