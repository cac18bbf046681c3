//! Prints, as Markdown table rows, how much smaller the shaped project list and a 300+
//! to-do list are than Basecamp's own answers on the fake. Run by `cargo xtask bench`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    connector_core::http::install_crypto_provider();
    let fake = connector_basecamp::fake::start_with(connector_basecamp::fake::FakeOptions {
        requests_per_10s: 0,
        ..Default::default()
    })
    .await?;
    for r in connector_basecamp::bench::shaping(&fake).await? {
        println!("{}", r.markdown_row());
    }
    Ok(())
}
