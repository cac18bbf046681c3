//! Measurements against the fake (feature `fake`): how much smaller the shaped results
//! are than Basecamp's own answers for the same data. Used by the tests and by
//! `cargo xtask bench`.

use connector_core::{
    Error, ExposeSecret, Result, Upstream, UpstreamConfig,
    bench::{ShapingReport, every_page},
};
use http::{HeaderValue, Method, header};
use serde_json::{Value, json};

use crate::fake::FakeBasecamp;

/// Every page of a collection as Basecamp sends it (following `Link`): (items, bytes).
async fn raw_pages(fake: &FakeBasecamp, upstream: &Upstream, path: &str) -> Result<(usize, usize)> {
    let account = fake.account();
    let token = account
        .credentials
        .get("access_token")
        .map(|t| t.expose_secret().to_owned())
        .unwrap_or_default();
    let mut next = Some(format!("{}{path}", fake.api_base()));
    let (mut items, mut bytes) = (0, 0);
    while let Some(url) = next.take() {
        let url =
            url::Url::parse(&url).map_err(|e| Error::unexpected(format!("bad fake URL: {e}")))?;
        let resp = upstream
            .request("Basecamp", Method::GET, url)
            .header(
                header::USER_AGENT,
                HeaderValue::from_static("Switchboard bench (bench@switchboard.invalid)"),
            )
            .secret_header(header::AUTHORIZATION, &format!("Bearer {token}").into())?
            .send()
            .await?;
        bytes += resp.body.len();
        items += resp.json::<Value>()?.as_array().map_or(0, Vec::len);
        next = resp
            .headers
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.split_once('<'))
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(url, _)| url.to_owned());
    }
    Ok((items, bytes))
}

/// `get_projects` and the seed's 300+ to-do list: Basecamp's pages against every page of
/// the tools that show the same items.
pub async fn shaping(fake: &FakeBasecamp) -> Result<Vec<ShapingReport>> {
    let upstream = Upstream::new(UpstreamConfig::default())?;
    let connector = connector_core::erase(crate::Basecamp)?;
    let account = fake.account();
    let client = connector.build(&account.config, &account.credentials, &upstream)?;
    let seed = fake.seed();
    let cases = [
        (
            "`GET /projects.json` vs every page of `basecamp_list_projects`",
            "/projects.json".to_owned(),
            "basecamp_list_projects",
            json!({}),
        ),
        (
            "the open to-dos of a 300+ to-do list: `todos.json` pages vs every page of `basecamp_list_todos`",
            format!("/todolists/{}/todos.json", seed.big_todolist),
            "basecamp_list_todos",
            json!({"todolist_id": seed.big_todolist}),
        ),
    ];
    let mut reports = Vec::new();
    for (what, path, tool, args) in cases {
        let (items, raw_bytes) = raw_pages(fake, &upstream, &path).await?;
        let Some(tool) = connector
            .tools()
            .iter()
            .find(|t| t.spec().name == tool)
            .cloned()
        else {
            return Err(Error::unexpected(format!("no {tool} tool")));
        };
        let pages = every_page(tool.as_ref(), &client, args).await?;
        let shaped_items: usize = pages
            .iter()
            .map(|p| p["items"].as_array().map_or(0, Vec::len))
            .sum();
        if shaped_items != items {
            return Err(Error::unexpected(format!(
                "{what}: the tool showed {shaped_items} items of {items}"
            )));
        }
        reports.push(ShapingReport {
            connector: crate::ID,
            what: what.to_owned(),
            items,
            pages: pages.len(),
            raw_bytes,
            shaped_bytes: pages.iter().map(|p| p.to_string().len()).sum(),
        });
    }
    Ok(reports)
}
