//! Measurements for `cargo xtask bench` and the connectors' size tests: how much smaller
//! what a model receives is than what the upstream sent for the same data.

use serde_json::{Value, json};

use crate::{Budget, CallContext, ClientHandle, DynTool, Result};

/// Raw upstream bytes against shaped result bytes for the same data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapingReport {
    pub connector: &'static str,
    /// What was compared, for the report's table.
    pub what: String,
    pub items: usize,
    /// Pages the model needed to see every item.
    pub pages: usize,
    pub raw_bytes: usize,
    pub shaped_bytes: usize,
}

impl ShapingReport {
    pub fn ratio(&self) -> f64 {
        self.shaped_bytes as f64 / self.raw_bytes.max(1) as f64
    }

    /// The report as a row of `docs/benchmarks.md`'s table.
    pub fn markdown_row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} | {:.3} |",
            self.connector,
            self.what,
            self.items,
            self.pages,
            self.raw_bytes,
            self.shaped_bytes,
            self.ratio()
        )
    }
}

/// Calls a list tool page after page until its last, within the default budget: the
/// pages as the model receives them.
pub async fn every_page(
    tool: &dyn DynTool,
    client: &ClientHandle,
    args: Value,
) -> Result<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut a = args.clone();
        if let Some(c) = &cursor {
            a["cursor"] = json!(c);
        }
        let page = tool
            .call(
                client,
                a,
                &CallContext {
                    budget: Budget::default(),
                },
            )
            .await?
            .structured;
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        if cursor.is_none() {
            return Ok(pages);
        }
    }
}
