//! Measurements against the fake (feature `fake`): how much smaller the shaped results
//! are than Worksection's own answers. Used by the tests and by `cargo xtask bench`.

use connector_core::{Result, Upstream, UpstreamConfig, bench::ShapingReport};
use serde_json::json;

use crate::fake::FakeWorksection;

/// Every task of the account: `get_all_tasks&extra=subtasks` as Worksection sends it,
/// against every page of `worksection_list_all_tasks` (default budget) that covers them.
pub async fn all_tasks_shaping(fake: &FakeWorksection) -> Result<ShapingReport> {
    let query = "action=get_all_tasks&extra=subtasks";
    let key = fake.api_key();
    let upstream = Upstream::new(UpstreamConfig::default())?;
    let url = url::Url::parse(&format!(
        "{}/api/admin/v2/?{query}&hash={}",
        fake.base_url(),
        crate::admin_hash(query, &key)
    ))
    .map_err(|e| connector_core::Error::unexpected(format!("bad fake URL: {e}")))?;
    let raw = upstream
        .request("Worksection", http::Method::POST, url)
        .send()
        .await?
        .body
        .len();

    let connector = connector_core::erase(crate::Worksection)?;
    let mut config = fake.account().config;
    config["requests_per_second"] = json!(100);
    let client = connector.build(&config, &fake.account().credentials, &upstream)?;
    let Some(tool) = connector
        .tools()
        .iter()
        .find(|t| t.spec().name == "worksection_list_all_tasks")
        .cloned()
    else {
        return Err(connector_core::Error::unexpected(
            "no worksection_list_all_tasks tool",
        ));
    };
    let pages =
        connector_core::bench::every_page(tool.as_ref(), &client, json!({"active_only": false}))
            .await?;
    Ok(ShapingReport {
        connector: crate::ID,
        what: "`get_all_tasks&extra=subtasks` vs every page of `worksection_list_all_tasks`".into(),
        items: pages
            .iter()
            .map(|p| p["rows"].as_array().map_or(0, Vec::len))
            .sum(),
        pages: pages.len(),
        raw_bytes: raw,
        shaped_bytes: pages.iter().map(|p| p.to_string().len()).sum(),
    })
}
