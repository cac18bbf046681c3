//! Prints, as a Markdown table row, how much smaller the shaped task listing is than
//! Worksection's own `get_all_tasks` answer on the fake's large account.
//! Run by `cargo xtask bench`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    connector_core::http::install_crypto_provider();
    let fake = connector_worksection::fake::start_with(connector_worksection::fake::FakeOptions {
        dataset: connector_worksection::fake::Dataset::Large,
        requests_per_second: 0,
        ..Default::default()
    })
    .await?;
    let r = connector_worksection::bench::all_tasks_shaping(&fake).await?;
    println!("{}", r.markdown_row());
    Ok(())
}
