//! `switchboard demo`: everything in one process on 127.0.0.1. Every compiled-in
//! connector's fake upstream starts seeded with data, the gateway is configured against
//! them, and the MCP URL, a bearer token and client snippets are printed.

use std::{io::Write, path::PathBuf};

use crate::{
    config::{Config, ConnectorSection},
    registry,
    store::{Role, Store, TenantStatus, TokenGrant},
};

/// Options of `switchboard demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Also write the bearer token to this file (mode 0600).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Serve requests without a token as the demo user (loopback only).
    #[arg(long)]
    pub allow_anonymous: bool,
}

/// The fakes' accounts, to connect for the demo team once the store is open.
#[derive(Debug, Default)]
pub struct DemoAccounts(Vec<(&'static str, connector_core::fake::FakeAccount)>);

/// Starts every compiled-in connector's fake and returns the config that points at
/// them: loopback, SQLite in a fresh temporary folder.
pub async fn prepare(args: &DemoArgs) -> anyhow::Result<(Config, DemoAccounts)> {
    // SWITCHBOARD_* variables still apply to what the demo does not set itself
    // (`SWITCHBOARD_OAUTH__…`, `SWITCHBOARD_LIMITS__…`).
    let mut config = Config::load(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    config.server.listen = format!("127.0.0.1:{}", args.port);
    config.auth.allow_anonymous = args.allow_anonymous;
    let dir = std::env::temp_dir().join(format!(
        "switchboard-demo-{}",
        hex::encode(rand::random::<[u8; 6]>())
    ));
    std::fs::create_dir_all(&dir)?;
    config.store.database_url = format!("sqlite://{}", dir.join("switchboard.db").display());
    config.store.master_key_file = dir.join("master.key").display().to_string();
    config.mail.outbox_dir = dir.join("outbox").display().to_string();
    let mut accounts = DemoAccounts::default();
    for reg in registry::compiled_in() {
        let Some(start) = reg.fake else { continue };
        let account = start()
            .await
            .map_err(|e| anyhow::anyhow!("the {} fake did not start: {e}", reg.id))?;
        tracing::info!(connector = reg.id, account = %account.label, url = %account.base_url, "fake upstream started");
        config.connectors.insert(
            reg.id.to_owned(),
            ConnectorSection {
                enabled: true,
                settings: account.config.clone(),
                credentials: Default::default(),
                // The fakes listen on loopback; a real deployment keeps teams off it.
                account_hosts: Some(vec!["127.0.0.1".into(), "localhost".into()]),
                allow_private_addresses: true,
            },
        );
        accounts.0.push((reg.id, account));
    }
    Ok((config, accounts))
}

/// Creates the demo team with its member, connects every fake account to it and issues
/// its token: (token, the grant token-less requests act as with --allow-anonymous).
pub async fn seed(store: &Store, accounts: &DemoAccounts) -> anyhow::Result<(String, TokenGrant)> {
    let team = store.create_tenant("demo", "Demo team").await?;
    store
        .set_tenant_status(&team.id, TenantStatus::Active)
        .await?;
    let member = store
        .add_member(&team.id, "demo@switchboard.invalid", Role::Owner)
        .await?;
    for (id, account) in &accounts.0 {
        store
            .add_connection(&team.id, None, id, &account.label, &account.credentials)
            .await?;
    }
    let (_, token) = store
        .issue_token(&team.id, Some(&member.id), "demo", &[])
        .await?;
    let grant = store
        .verify_token(&token)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo token does not verify"))?;
    Ok((token, grant))
}

/// The fake accounts and where the demo's mail goes, for trying self-registration:
/// register, read the code from the outbox, confirm, connect one of these accounts.
pub fn signup_help(base_url: &str, outbox: &str, accounts: &DemoAccounts) -> String {
    use connector_core::ExposeSecret;
    let mut out = format!(
        "Clients that sign in by OAuth (Claude, ChatGPT, Cursor, VS Code) need only the MCP URL.\nSign in as demo@switchboard.invalid; the code arrives in the outbox below.\n\nTry sign-up as a new team:\n  curl -s {base_url}/api/register -H 'content-type: application/json' -d '{{\"company\": \"Acme\", \"email\": \"you@example.com\"}}'\n  The code arrives in the outbox: {outbox}\n  curl -s {base_url}/api/confirm -H 'content-type: application/json' -d '{{\"email\": \"you@example.com\", \"code\": \"<code>\"}}'\nFake accounts to connect (POST /api/connections with these credentials):\n"
    );
    for (id, account) in &accounts.0 {
        // An account connected by signing in has no credentials to paste: the API hands
        // out a connect link, which signs in at the fake.
        if !account.credentials.kind().is_some_and(|k| k.is_typed_in()) {
            out.push_str(&format!(
                "  {id}: {{\"connector\": \"{id}\"}} (answers with a connect_url: open it to sign in)\n"
            ));
            continue;
        }
        let fields: Vec<String> = account
            .credentials
            .fields()
            .map(|(k, v)| format!("\"{k}\": \"{}\"", v.expose_secret()))
            .collect();
        out.push_str(&format!(
            "  {id}: {{\"connector\": \"{id}\", \"credentials\": {{{}}}}}\n",
            fields.join(", ")
        ));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}

/// Writes the token file with owner-only permissions.
pub fn write_token_file(path: &PathBuf, token: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot write the token file {}: {e}", path.display()))?;
    // An existing file keeps its old mode on open; make it owner-only either way.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(token.as_bytes())?;
    Ok(())
}

/// What the demo prints once it listens.
pub fn banner(url: &str, token: &str, tools: usize, anonymous: bool) -> String {
    let auth = format!("Authorization: Bearer {token}");
    format!(
        r#"Switchboard demo is running.

MCP URL: {url}
Bearer token: {token}
Tools: {tools}{anon}

Claude Code:
  claude mcp add --transport http switchboard {url} --header "{auth}"

Claude Desktop (claude_desktop_config.json):
  {{"mcpServers": {{"switchboard": {{"command": "npx", "args": ["-y", "mcp-remote", "{url}", "--header", "{auth}"]}}}}}}

Cursor (~/.cursor/mcp.json):
  {{"mcpServers": {{"switchboard": {{"url": "{url}", "headers": {{"Authorization": "Bearer {token}"}}}}}}}}

VS Code (.vscode/mcp.json):
  {{"servers": {{"switchboard": {{"type": "http", "url": "{url}", "headers": {{"Authorization": "Bearer {token}"}}}}}}}}
"#,
        anon = if anonymous {
            "\nRequests without a token are served too (--allow-anonymous)."
        } else {
            ""
        },
    )
}
