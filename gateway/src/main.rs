//! The `switchboard` command line.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use gateway::{
    LONG_VERSION, admin, app,
    auth::{hash_token, new_token},
    config::{Config, LogConfig},
    demo::{self, DemoArgs},
    server, telemetry,
};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version = LONG_VERSION, about = "A multi-tenant MCP gateway to the SaaS tools teams work in")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Everything in one process on 127.0.0.1, against seeded fake upstreams.
    Demo(DemoArgs),
    /// Run the server.
    Serve {
        /// Config file (TOML); SWITCHBOARD_* environment variables override it.
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Serve MCP over stdin/stdout for one local user.
    Stdio {
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Validate the configuration and print a report; exits non-zero on a problem.
    Check {
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Bearer tokens: a team's (stored hashed), or a static operator token.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// Teams (tenants).
    Tenant {
        #[command(subcommand)]
        command: admin::TenantCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// A team's members.
    Member {
        #[command(subcommand)]
        command: admin::MemberCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// A team's connected SaaS accounts.
    Connection {
        #[command(subcommand)]
        command: admin::ConnectionCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// OAuth clients the operator registers (confidential, with a secret).
    Client {
        #[command(subcommand)]
        command: admin::ClientCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// The vault's master key.
    Keys {
        #[command(subcommand)]
        command: admin::KeysCommand,
        #[command(flatten)]
        out: admin::Output,
        #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a token for a team (`--tenant`), stored hashed and shown once; without
    /// `--tenant`, print a static operator token and the hash for `auth.token_sha256`.
    Issue {
        #[arg(long)]
        tenant: Option<String>,
        /// The member the token acts as.
        #[arg(long, requires = "tenant")]
        member: Option<String>,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Scopes, e.g. `worksection:read`; all tools when none are given.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Revoke a team's token by id.
    Revoke { tenant: String, id: String },
    /// Print the hash of a token read from stdin.
    Hash,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { config } => {
            let (ok, report) = app::check_report(Config::load(config.as_deref()));
            print!("{report}");
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Token {
            command,
            out,
            config,
        } => {
            match command {
                TokenCommand::Issue { tenant: None, .. } => {
                    let token = new_token();
                    println!("token:  {token}\nsha256: {}", hash_token(&token));
                    println!("Give the token to the client; put the sha256 in auth.token_sha256.");
                }
                TokenCommand::Issue {
                    tenant: Some(slug),
                    member,
                    name,
                    scopes,
                } => {
                    let config = admin_config(config.as_deref())?;
                    admin::issue_token(&config, &slug, member.as_deref(), &name, &scopes, &out)
                        .await?;
                }
                TokenCommand::Revoke { tenant, id } => {
                    let config = admin_config(config.as_deref())?;
                    admin::revoke_token(&config, &tenant, &id, &out).await?;
                }
                TokenCommand::Hash => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    println!("{}", hash_token(line.trim()));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tenant {
            command,
            out,
            config,
        } => {
            admin::tenant(&admin_config(config.as_deref())?, command, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Member {
            command,
            out,
            config,
        } => {
            admin::member(&admin_config(config.as_deref())?, command, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Connection {
            command,
            out,
            config,
        } => {
            admin::connection(&admin_config(config.as_deref())?, command, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Client {
            command,
            out,
            config,
        } => {
            admin::client(&admin_config(config.as_deref())?, command, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command,
            out,
            config,
        } => {
            admin::keys(&admin_config(config.as_deref())?, command, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            telemetry::init(&config.log);
            let store = std::sync::Arc::new(app::open_store(&config).await?);
            serve(config, store, None).await
        }
        Command::Stdio { config } => {
            let config = Config::load(config.as_deref())?;
            telemetry::init(&config.log);
            let handler = app::build_handler(&config)?;
            let service = rmcp::ServiceExt::serve(handler, rmcp::transport::stdio())
                .await
                .map_err(|e| anyhow::anyhow!("stdio session failed to start: {e}"))?;
            service.waiting().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            telemetry::init(&LogConfig::default());
            let (config, accounts) = demo::prepare(&args).await?;
            let outbox = std::path::PathBuf::from(&config.mail.outbox_dir);
            let store = std::sync::Arc::new(app::open_store(&config).await?);
            let (token, grant) = demo::seed(&store, &accounts).await?;
            if let Some(path) = &args.token_file {
                demo::write_token_file(path, &token)?;
            }
            let anonymous_as = args.allow_anonymous.then_some(grant);
            serve(
                config,
                store,
                Some(Demo {
                    token,
                    outbox: Some(outbox),
                    accounts,
                    anonymous_as,
                }),
            )
            .await
        }
    }
}

/// The config for an admin command, with warnings (a new key file) on stderr.
fn admin_config(path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    let config = Config::load(path)?;
    telemetry::init(&LogConfig {
        level: "warn".into(),
        ..config.log.clone()
    });
    Ok(config)
}

/// What `demo` adds to serving: its token, and who token-less requests act as.
struct Demo {
    token: String,
    /// Where the demo's mail goes.
    outbox: Option<std::path::PathBuf>,
    accounts: demo::DemoAccounts,
    anonymous_as: Option<gateway::store::TokenGrant>,
}

async fn serve(
    mut config: Config,
    store: std::sync::Arc<gateway::store::Store>,
    demo: Option<Demo>,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {} (server.listen): {e}",
                config.server.listen
            )
        })?;
    let addr = listener.local_addr()?;
    if demo.is_some() {
        // With --port 0 the real port is known only now.
        config.server.public_url = format!("http://{addr}");
    }
    let (handler, connections) = app::build_serving_handler(&config, store.clone())?;
    let tools = handler.registry().tool_count();
    let anonymous_as = demo.as_ref().and_then(|d| d.anonymous_as.clone());
    let mailer = match demo.as_ref().and_then(|d| d.outbox.clone()) {
        Some(dir) => gateway::mail::Mailer::outbox(dir),
        None => {
            gateway::mail::Mailer::from_config(&config.mail)?.log_bodies(addr.ip().is_loopback())
        }
    };
    if let gateway::mail::Mailer::Outbox { dir, log_body, .. } = &mailer {
        tracing::warn!(
            outbox = %dir.display(),
            "no SMTP server configured (mail.smtp): sign-up codes go to the outbox folder{}; configure [mail.smtp] before teams sign up",
            if *log_body { " and the log" } else { "" }
        );
    }
    let oauth = gateway::oauth::AuthServer::new(
        connections.clone(),
        mailer.clone(),
        config.oauth.clone(),
        &config.server.public_url,
        &config.mcp_url(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .with_client_ip_header(&config.registration.client_ip_header);
    let api = gateway::api::Api {
        connections,
        mailer,
        registration: config.registration.clone(),
        mcp_url: config.mcp_url(),
    };
    let app = server::router(&config, handler, Some(api), Some(oauth), anonymous_as);
    let shutdown = CancellationToken::new();
    server::cancel_on_signal(shutdown.clone());
    tracing::info!(%addr, mcp_url = %config.mcp_url(), tools, version = LONG_VERSION, "listening");
    if let Some(d) = &demo {
        println!(
            "{}",
            demo::banner(&config.mcp_url(), &d.token, tools, d.anonymous_as.is_some())
        );
        if let Some(outbox) = &d.outbox {
            println!(
                "{}",
                demo::signup_help(
                    &config.server.public_url,
                    &outbox.display().to_string(),
                    &d.accounts
                )
            );
        }
    }
    server::serve(
        listener,
        app,
        shutdown,
        Duration::from_secs(config.server.shutdown_grace_secs),
    )
    .await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
