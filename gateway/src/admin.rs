//! The operator's command line over the store: teams, members, connections, tokens and
//! the master key. Every command prints plain text, or JSON with `--json` for scripts.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use connector_core::{CredentialKind, Credentials};
use serde_json::{Value, json};

use crate::{
    config::Config,
    store::{Role, Store, TenantStatus},
    vault::MasterKey,
};

#[derive(Debug, Args)]
pub struct Output {
    /// Print JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a team (pending until activated). With --owner, add its owner too.
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner: Option<String>,
        /// Activate it at once.
        #[arg(long)]
        active: bool,
    },
    /// List the teams.
    List,
    /// Stop a team's tokens and tool calls.
    Suspend { slug: String },
    /// Let a team's tokens and tool calls work.
    Activate { slug: String },
    /// Sign the team's people in through its own OIDC provider (company SSO) instead of
    /// by email code: everyone whose address is at --email-domain.
    Sso {
        slug: String,
        /// The provider's issuer URL (its /.well-known/openid-configuration is read).
        #[arg(long, required_unless_present = "remove")]
        issuer: Option<String>,
        #[arg(long, required_unless_present = "remove")]
        client_id: Option<String>,
        /// The client secret, or `-` to read it from stdin.
        #[arg(long, required_unless_present = "remove")]
        client_secret: Option<String>,
        /// Addresses at this domain sign in through the provider.
        #[arg(long, required_unless_present = "remove")]
        email_domain: Option<String>,
        /// Go back to sign-in by email code.
        #[arg(long)]
        remove: bool,
    },
    /// Show or change what a team may use. Without options, prints the policy.
    Policy {
        slug: String,
        /// Only tools that read (true), or all (false).
        #[arg(long)]
        read_only: Option<bool>,
        /// The connectors the team may use, comma-separated, or `all`.
        #[arg(long)]
        connectors: Option<String>,
        /// Turn a tool off (repeatable).
        #[arg(long = "disable-tool")]
        disable: Vec<String>,
        /// Turn a tool back on (repeatable).
        #[arg(long = "enable-tool")]
        enable: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member to a team.
    Add {
        slug: String,
        email: String,
        #[arg(long, value_parser = ["owner", "admin", "member"], default_value = "member")]
        role: String,
    },
    /// Remove a member, with their own connections and tokens.
    Remove { slug: String, email: String },
    /// List a team's members.
    List { slug: String },
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Connect a SaaS account for a team (or for one member with --member).
    Add {
        slug: String,
        #[arg(long)]
        connector: String,
        /// What the console shows, e.g. the account URL.
        #[arg(long)]
        label: String,
        #[arg(long)]
        member: Option<String>,
        /// A credential field, `name=value`; `name=-` reads the value from stdin so it
        /// stays out of shell history.
        #[arg(long = "credential", value_name = "NAME=VALUE")]
        credentials: Vec<String>,
    },
    /// List a team's connections (never their secrets).
    List { slug: String },
    /// Remove a connection.
    Remove { slug: String, id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-wrap every data key under a new master key, written to a new key file. Running
    /// servers keep serving; restart them with the new key when convenient.
    Rotate {
        /// Where to write the new key (must not exist).
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

/// `switchboard client`: OAuth clients the operator registers for AI clients that do not
/// register themselves (confidential, with a secret).
#[derive(Debug, clap::Subcommand)]
pub enum ClientCommand {
    /// Register a confidential client; its secret is printed once.
    Add {
        /// A name people see on the consent page.
        #[arg(long)]
        name: String,
        /// A redirect URI (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
    },
    /// The pre-registered clients (never their secrets).
    List,
    /// Replace a client's secret; the old one stops working at once.
    RotateSecret { client_id: String },
    /// Remove a client; its tokens stop working.
    Remove { client_id: String },
}

pub async fn client(config: &Config, cmd: ClientCommand, out: &Output) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    match cmd {
        ClientCommand::Add {
            name,
            redirect_uris,
        } => {
            for uri in &redirect_uris {
                crate::oauth::check_redirect_uri(uri)
                    .map_err(|why| anyhow::anyhow!("--redirect-uri {why}"))?;
            }
            let client_id = store.new_client_id();
            let secret = format!("sbcs_{}", hex::encode(rand::random::<[u8; 32]>()));
            store
                .save_client(&crate::store::OAuthClient {
                    client_id: client_id.clone(),
                    kind: "static".into(),
                    name: name.clone(),
                    redirect_uris: redirect_uris.clone(),
                    auth_method: "client_secret_basic".into(),
                    secret_sha256: Some(crate::auth::hash_token(&secret)),
                    fetched_at: None,
                })
                .await?;
            print(
                out,
                json!({"client_id": client_id, "client_secret": secret, "name": name, "redirect_uris": redirect_uris}),
                format!(
                    "client {client_id} ({name})\nsecret: {secret}\nThe secret is shown once; only its hash is stored. It authenticates with client_secret_basic or client_secret_post."
                ),
            );
        }
        ClientCommand::List => {
            let clients = store.static_clients().await?;
            let value: Vec<Value> = clients
                .iter()
                .map(|c| json!({"client_id": c.client_id, "name": c.name, "redirect_uris": c.redirect_uris}))
                .collect();
            let text = clients
                .iter()
                .map(|c| format!("{}  {}  {}", c.client_id, c.name, c.redirect_uris.join(" ")))
                .collect::<Vec<_>>()
                .join("\n");
            print(
                out,
                json!(value),
                if text.is_empty() {
                    "no clients".into()
                } else {
                    text
                },
            );
        }
        ClientCommand::RotateSecret { client_id } => {
            let secret = store.rotate_client_secret(&client_id).await?;
            print(
                out,
                json!({"client_id": client_id, "client_secret": secret}),
                format!("new secret for {client_id}:\n{secret}\nThe old one no longer works."),
            );
        }
        ClientCommand::Remove { client_id } => {
            store.remove_client(&client_id).await?;
            print(
                out,
                json!({"removed": client_id}),
                format!("removed {client_id}"),
            );
        }
    }
    Ok(())
}

fn print(out: &Output, value: Value, text: String) {
    if out.json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

pub async fn tenant(config: &Config, cmd: TenantCommand, out: &Output) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    match cmd {
        TenantCommand::Create {
            slug,
            name,
            owner,
            active,
        } => {
            let t = store.create_tenant(&slug, &name).await?;
            let owner = match owner {
                Some(email) => Some(store.add_member(&t.id, &email, Role::Owner).await?),
                None => None,
            };
            if active {
                store.set_tenant_status(&t.id, TenantStatus::Active).await?;
            }
            let status = if active { "active" } else { "pending" };
            print(
                out,
                json!({"id": t.id, "slug": t.slug, "name": t.name, "status": status, "owner": owner.as_ref().map(|o| &o.email)}),
                format!("created team {} ({}), {status}", t.slug, t.id),
            );
        }
        TenantCommand::List => {
            let all = store.tenants().await?;
            let rows: Vec<Value> = all.iter().map(|t| json!({"id": t.id, "slug": t.slug, "name": t.name, "status": t.status.as_str(), "tier": t.tier})).collect();
            let text = all
                .iter()
                .map(|t| format!("{:<20} {:<10} {}", t.slug, t.status.as_str(), t.name))
                .collect::<Vec<_>>()
                .join("\n");
            print(
                out,
                json!(rows),
                if text.is_empty() {
                    "no teams".into()
                } else {
                    text
                },
            );
        }
        TenantCommand::Sso {
            slug,
            issuer,
            client_id,
            client_secret,
            email_domain,
            remove,
        } => {
            let t = store.tenant_by_slug(&slug).await?;
            if remove {
                store.remove_sso(&t.id).await?;
                print(
                    out,
                    json!({"tenant": slug, "sso": null}),
                    format!("{slug} signs in by email code again"),
                );
                return Ok(());
            }
            let (Some(issuer), Some(client_id), Some(secret), Some(domain)) =
                (issuer, client_id, client_secret, email_domain)
            else {
                anyhow::bail!(
                    "give --issuer, --client-id, --client-secret and --email-domain, or --remove"
                );
            };
            let issuer = issuer.trim_end_matches('/').to_owned();
            let parsed =
                url::Url::parse(&issuer).map_err(|e| anyhow::anyhow!("--issuer {issuer}: {e}"))?;
            let loopback = parsed.host_str().is_some_and(|h| {
                h == "localhost"
                    || h.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                anyhow::bail!(
                    "--issuer must be an https URL (plain http only on loopback, for testing)"
                );
            }
            let secret = if secret == "-" {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                secret
            };
            let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
            if !domain.contains('.') || domain.contains('@') {
                anyhow::bail!("--email-domain {domain} is not a domain such as acme.example");
            }
            store
                .set_sso(&crate::store::Sso {
                    tenant_id: t.id.clone(),
                    issuer: issuer.clone(),
                    client_id: client_id.clone(),
                    client_secret: secret,
                    email_domain: domain.clone(),
                })
                .await?;
            print(
                out,
                json!({"tenant": slug, "sso": {"issuer": issuer, "client_id": client_id, "email_domain": domain}}),
                format!("{slug}: addresses at {domain} sign in through {issuer}"),
            );
        }
        TenantCommand::Policy {
            slug,
            read_only,
            connectors,
            disable,
            enable,
        } => {
            let t = store.tenant_by_slug(&slug).await?;
            let mut policy = store.policy(&t.id).await?;
            let changes = read_only.is_some()
                || connectors.is_some()
                || !disable.is_empty()
                || !enable.is_empty();
            if let Some(r) = read_only {
                policy.read_only = r;
            }
            if let Some(c) = connectors {
                policy.enabled_connectors = (c != "all").then(|| {
                    c.split(',')
                        .map(|x| x.trim().to_owned())
                        .filter(|x| !x.is_empty())
                        .collect()
                });
            }
            let known: Vec<String> = crate::registry::compiled_in()
                .iter()
                .filter_map(|r| (r.connector)().ok())
                .flat_map(|c| {
                    c.tools()
                        .iter()
                        .map(|t| t.spec().name.to_owned())
                        .collect::<Vec<_>>()
                })
                .collect();
            for tool in disable.iter().chain(&enable) {
                if !known.contains(tool) {
                    anyhow::bail!("there is no tool `{tool}` in this build");
                }
            }
            policy.disabled_tools.retain(|t| !enable.contains(t));
            for tool in disable {
                if !policy.disabled_tools.contains(&tool) {
                    policy.disabled_tools.push(tool);
                }
            }
            policy.disabled_tools.sort();
            if changes {
                store.set_policy(&t.id, &policy).await?;
            }
            let text = format!(
                "team {slug}: read-only {}, connectors {}, disabled tools {}",
                policy.read_only,
                policy
                    .enabled_connectors
                    .as_ref()
                    .map_or("all".to_owned(), |c| c.join(", ")),
                if policy.disabled_tools.is_empty() {
                    "none".to_owned()
                } else {
                    policy.disabled_tools.join(", ")
                }
            );
            print(out, serde_json::to_value(&policy)?, text);
        }
        TenantCommand::Suspend { slug } => {
            set_status(&store, &slug, TenantStatus::Suspended, out).await?
        }
        TenantCommand::Activate { slug } => {
            set_status(&store, &slug, TenantStatus::Active, out).await?
        }
    }
    Ok(())
}

async fn set_status(
    store: &Store,
    slug: &str,
    status: TenantStatus,
    out: &Output,
) -> anyhow::Result<()> {
    let t = store.tenant_by_slug(slug).await?;
    store.set_tenant_status(&t.id, status).await?;
    print(
        out,
        json!({"slug": slug, "status": status.as_str()}),
        format!("team {slug} is now {}", status.as_str()),
    );
    Ok(())
}

pub async fn member(config: &Config, cmd: MemberCommand, out: &Output) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    match cmd {
        MemberCommand::Add { slug, email, role } => {
            let t = store.tenant_by_slug(&slug).await?;
            let role = match role.as_str() {
                "owner" => Role::Owner,
                "admin" => Role::Admin,
                _ => Role::Member,
            };
            let m = store.add_member(&t.id, &email, role).await?;
            print(
                out,
                json!({"id": m.id, "email": m.email, "role": m.role.as_str()}),
                format!("added {} to {slug} as {}", m.email, m.role.as_str()),
            );
        }
        MemberCommand::Remove { slug, email } => {
            let t = store.tenant_by_slug(&slug).await?;
            store.remove_member(&t.id, &email).await?;
            print(
                out,
                json!({"removed": email}),
                format!("removed {email} from {slug}"),
            );
        }
        MemberCommand::List { slug } => {
            let t = store.tenant_by_slug(&slug).await?;
            let all = store.members(&t.id).await?;
            let rows: Vec<Value> = all
                .iter()
                .map(|m| json!({"id": m.id, "email": m.email, "role": m.role.as_str()}))
                .collect();
            let text = all
                .iter()
                .map(|m| format!("{:<40} {}", m.email, m.role.as_str()))
                .collect::<Vec<_>>()
                .join("\n");
            print(
                out,
                json!(rows),
                if text.is_empty() {
                    "no members".into()
                } else {
                    text
                },
            );
        }
    }
    Ok(())
}

pub async fn connection(
    config: &Config,
    cmd: ConnectionCommand,
    out: &Output,
) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    match cmd {
        ConnectionCommand::Add {
            slug,
            connector,
            label,
            member,
            credentials,
        } => {
            let t = store.tenant_by_slug(&slug).await?;
            let available = crate::registry::compiled_in();
            let Some(reg) = available.iter().find(|r| r.id == connector) else {
                let names: Vec<&str> = available.iter().map(|r| r.id).collect();
                anyhow::bail!(
                    "connector `{connector}` is not compiled into this build; compiled in: {}",
                    names.join(", ")
                );
            };
            let kind = (reg.connector)()?
                .info()
                .credentials
                .first()
                .map_or(CredentialKind::ApiKey, |c| c.kind);
            let mut creds = Credentials::new(kind);
            for pair in &credentials {
                let Some((name, value)) = pair.split_once('=') else {
                    anyhow::bail!(
                        "--credential `{}…` is not NAME=VALUE",
                        pair.chars().take(12).collect::<String>()
                    );
                };
                let value = if value == "-" {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                } else {
                    value.to_owned()
                };
                creds = creds.with(name, value);
            }
            let member_id = match member {
                Some(email) => Some(
                    store
                        .members(&t.id)
                        .await?
                        .into_iter()
                        .find(|m| m.email.eq_ignore_ascii_case(&email))
                        .map(|m| m.id)
                        .ok_or_else(|| anyhow::anyhow!("{email} is not a member of {slug}"))?,
                ),
                None => None,
            };
            let c = store
                .add_connection(&t.id, member_id.as_deref(), &connector, &label, &creds)
                .await?;
            print(
                out,
                json!({"id": c.id, "connector": c.connector, "label": c.label, "member_id": c.member_id}),
                format!("connected {connector} ({label}) for {slug}: {}", c.id),
            );
        }
        ConnectionCommand::List { slug } => {
            let t = store.tenant_by_slug(&slug).await?;
            let all = store.connections(&t.id).await?;
            let rows: Vec<Value> = all.iter().map(|c| json!({"id": c.id, "connector": c.connector, "label": c.label, "member_id": c.member_id, "status": c.status, "last_error": c.last_error})).collect();
            let text = all
                .iter()
                .map(|c| format!("{} {:<14} {:<16} {}", c.id, c.connector, c.status, c.label))
                .collect::<Vec<_>>()
                .join("\n");
            print(
                out,
                json!(rows),
                if text.is_empty() {
                    "no connections".into()
                } else {
                    text
                },
            );
        }
        ConnectionCommand::Remove { slug, id } => {
            let t = store.tenant_by_slug(&slug).await?;
            store.remove_connection(&t.id, &id).await?;
            print(out, json!({"removed": id}), format!("removed {id}"));
        }
    }
    Ok(())
}

/// `token issue --tenant`: a token stored hashed, printed once.
pub async fn issue_token(
    config: &Config,
    slug: &str,
    member: Option<&str>,
    name: &str,
    scopes: &[String],
    out: &Output,
) -> anyhow::Result<()> {
    let compiled: Vec<&str> = crate::registry::compiled_in()
        .iter()
        .map(|r| r.id)
        .collect();
    crate::auth::check_scopes(scopes, &compiled).map_err(|m| anyhow::anyhow!("--scope {m}"))?;
    let store = crate::app::open_store(config).await?;
    let t = store.tenant_by_slug(slug).await?;
    let member_id = match member {
        Some(email) => Some(
            store
                .members(&t.id)
                .await?
                .into_iter()
                .find(|m| m.email.eq_ignore_ascii_case(email))
                .map(|m| m.id)
                .ok_or_else(|| anyhow::anyhow!("{email} is not a member of {slug}"))?,
        ),
        None => None,
    };
    let (id, token) = store
        .issue_token(&t.id, member_id.as_deref(), name, scopes)
        .await?;
    print(
        out,
        json!({"id": id, "token": token, "tenant": slug}),
        format!("token {id} for {slug}:\n{token}\nIt is shown once; only its hash is stored."),
    );
    Ok(())
}

pub async fn revoke_token(
    config: &Config,
    slug: &str,
    id: &str,
    out: &Output,
) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    let t = store.tenant_by_slug(slug).await?;
    store.revoke_token(&t.id, id).await?;
    print(out, json!({"revoked": id}), format!("revoked {id}"));
    Ok(())
}

pub async fn keys(config: &Config, cmd: KeysCommand, out: &Output) -> anyhow::Result<()> {
    let KeysCommand::Rotate { new_key_file } = cmd;
    if new_key_file.exists() {
        anyhow::bail!(
            "{} already exists; give a new path for the new key",
            new_key_file.display()
        );
    }
    let store = crate::app::open_store(config).await?;
    let (new, _) = MasterKey::read_or_create_file(&new_key_file)?;
    let new_id = new.id().to_owned();
    let old_id = store.master_key_id();
    let count = store.rotate_master_key(new).await?;
    print(
        out,
        json!({"rewrapped": count, "old_key_id": old_id, "new_key_id": new_id, "new_key_file": new_key_file}),
        format!(
            "re-wrapped {count} data keys under master key {} (in {}).\nPoint SWITCHBOARD_MASTER_KEY or store.master_key_file at the new key before the next start; the old key {} no longer opens anything.",
            new_id,
            new_key_file.display(),
            old_id
        ),
    );
    Ok(())
}
