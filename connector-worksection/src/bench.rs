//! Measurements against the fake (feature `fake`): how much smaller the shaped results
//! are than Worksection's own answers. Used by the tests and by `cargo xtask bench`.

use connector_core::{Budget, CallContext, Result, Upstream, UpstreamConfig};
use serde_json::json;

use crate::fake::FakeWorksection;

/// Raw upstream bytes against shaped result bytes for the same data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapingReport {
    pub tasks: usize,
    pub raw_bytes: usize,
    pub shaped_bytes: usize,
    pub pages: usize,
}

impl ShapingReport {
    pub fn ratio(&self) -> f64 {
        self.shaped_bytes as f64 / self.raw_bytes.max(1) as f64
    }
}

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
    let (mut shaped, mut pages, mut tasks) = (0, 0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"active_only": false});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = tool
            .call(
                &client,
                args,
                &CallContext {
                    budget: Budget::default(),
                },
            )
            .await?
            .structured;
        shaped += page.to_string().len();
        pages += 1;
        tasks += page["rows"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    Ok(ShapingReport {
        tasks,
        raw_bytes: raw,
        shaped_bytes: shaped,
        pages,
    })
}
