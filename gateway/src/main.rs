//! The `switchboard` command line.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use gateway::{
    LONG_VERSION, app,
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
    /// Static bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new random token and the hash to put in `auth.token_sha256`.
    Issue,
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
        Command::Token(TokenCommand::Issue) => {
            let token = new_token();
            println!("token:  {token}\nsha256: {}", hash_token(&token));
            println!("Give the token to the client; put the sha256 in auth.token_sha256.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Hash) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            println!("{}", hash_token(line.trim()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            telemetry::init(&config.log);
            serve(config, None).await
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
            let (config, token) = demo::prepare(&args).await?;
            if let Some(path) = &args.token_file {
                demo::write_token_file(path, &token)?;
            }
            serve(config, Some((token, args.allow_anonymous))).await
        }
    }
}

async fn serve(mut config: Config, demo: Option<(String, bool)>) -> anyhow::Result<ExitCode> {
    let handler = app::build_handler(&config)?;
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
    let tools = handler.registry().tool_count();
    let app = server::router(&config, handler);
    let shutdown = CancellationToken::new();
    server::cancel_on_signal(shutdown.clone());
    tracing::info!(%addr, mcp_url = %config.mcp_url(), tools, version = LONG_VERSION, "listening");
    if let Some((token, anonymous)) = &demo {
        println!(
            "{}",
            demo::banner(&config.mcp_url(), token, tools, *anonymous)
        );
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
