//! Configuration: a TOML file overlaid with `SWITCHBOARD_*` environment variables
//! (`__` separates levels: `SWITCHBOARD_SERVER__LISTEN=0.0.0.0:8080`), validated at start.
//! Every problem names the key and the fix; `switchboard check` prints the same report.

use std::{collections::BTreeMap, fmt, net::SocketAddr, path::Path};

use connector_core::UpstreamConfig;
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The top-level tables, as environment variables may name them.
const SECTIONS: &[&str] = &[
    "server",
    "log",
    "auth",
    "limits",
    "upstream",
    "store",
    "mail",
    "registration",
    "connections",
    "oauth",
    "connectors",
];

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    pub auth: AuthConfig,
    pub limits: LimitsConfig,
    pub upstream: UpstreamConfig,
    pub store: StoreConfig,
    pub mail: MailConfig,
    pub registration: RegistrationConfig,
    pub connections: ConnectionsConfig,
    pub oauth: OAuthConfig,
    /// One table per connector, keyed by connector id.
    pub connectors: BTreeMap<String, ConnectorSection>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// The URL clients use to reach this server (scheme, host, port; no path). The MCP
    /// endpoint is `<public_url>/mcp`.
    pub public_url: String,
    /// Host header values accepted (DNS-rebinding protection). Defaults to the host of
    /// `public_url` plus loopback names.
    pub allowed_hosts: Vec<String>,
    /// Origin header values accepted from browsers; `*` as a port matches any port.
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Tools per `tools/list` page.
    pub tools_page_size: usize,
    /// How long shutdown waits for calls in flight, in seconds.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            allowed_hosts: Vec::new(),
            allowed_origins: vec!["http://localhost:*".into(), "http://127.0.0.1:*".into()],
            max_body_bytes: 4 * 1024 * 1024,
            tools_page_size: 100,
            shutdown_grace_secs: 30,
        }
    }
}

/// Where teams, connections and tokens live, and the vault's master key.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://path` (created if missing) or `postgres://user@host/db`.
    pub database_url: String,
    /// The master key file, used when `SWITCHBOARD_MASTER_KEY` is not set. On SQLite it
    /// is created (mode 0600) if missing; on PostgreSQL a key must be supplied.
    pub master_key_file: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            database_url: "sqlite://./data/switchboard.db".into(),
            master_key_file: "./data/master.key".into(),
        }
    }
}

/// Outgoing mail (sign-up codes). Without `[mail.smtp]` mail goes to `outbox_dir` and
/// the log, which suits development only.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Where mail goes when no SMTP server is configured.
    pub outbox_dir: String,
    pub smtp: Option<SmtpConfig>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "Switchboard <no-reply@localhost>".into(),
            outbox_dir: "./data/outbox".into(),
            smtp: None,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same host.
    None,
}

/// `[mail.smtp]`. `Debug` hides the password.
#[derive(Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// Best set through `SWITCHBOARD_MAIL__SMTP__PASSWORD`.
    #[serde(skip_serializing)]
    pub password: Option<secrecy::SecretString>,
    /// A PEM CA certificate to trust besides the public roots (a private relay).
    pub ca_file: Option<String>,
    pub timeout_secs: u64,
}

impl PartialEq for SmtpConfig {
    fn eq(&self, o: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.host == o.host
            && self.port == o.port
            && self.tls == o.tls
            && self.username == o.username
            && self.password.as_ref().map(|p| p.expose_secret().to_owned())
                == o.password.as_ref().map(|p| p.expose_secret().to_owned())
            && self.ca_file == o.ca_file
            && self.timeout_secs == o.timeout_secs
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: None,
            password: None,
            ca_file: None,
            timeout_secs: 20,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "**REDACTED**"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// `POST /api/register` and `/api/confirm`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Whether teams may sign themselves up.
    pub enabled: bool,
    /// Codes sent per email address per hour.
    pub per_email_per_hour: i64,
    /// Codes sent per client address per hour.
    pub per_ip_per_hour: i64,
    /// Behind a proxy: the header holding the client's address (`x-forwarded-for`,
    /// first entry). Empty: the connection's own address.
    pub client_ip_header: String,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        RegistrationConfig {
            enabled: true,
            per_email_per_hour: 5,
            per_ip_per_hour: 20,
            client_ip_header: String::new(),
        }
    }
}

/// Teams' connections to their SaaS accounts.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionsConfig {
    /// OAuth access tokens are refreshed this long before they expire.
    pub refresh_before_expiry_secs: u64,
    /// How long a connect link works.
    pub connect_link_ttl_secs: i64,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        ConnectionsConfig {
            refresh_before_expiry_secs: 300,
            connect_link_ttl_secs: 1800,
        }
    }
}

/// The OAuth authorization server for AI clients.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthConfig {
    /// How long an access token works (30 days).
    pub access_token_ttl_secs: i64,
    /// How long a refresh token works unused (90 days); each use replaces it.
    pub refresh_token_ttl_secs: i64,
    /// Accept RFC 7591 dynamic client registration (`POST /oauth/register`).
    pub dynamic_registration: bool,
    /// Accept an `https://` client id naming a Client ID Metadata Document.
    pub client_metadata_documents: bool,
    /// Let metadata documents live on private, loopback or link-local addresses (tests).
    pub client_metadata_allow_private_addresses: bool,
    /// A PEM CA certificate to trust when fetching metadata documents (tests, private CAs).
    pub client_metadata_ca_file: Option<String>,
    /// Dynamic registrations taken from one client address per hour.
    pub registrations_per_ip_per_hour: i64,
    /// Sign-in codes asked for from one client address per hour.
    pub sign_ins_per_ip_per_hour: i64,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            access_token_ttl_secs: 30 * 86_400,
            refresh_token_ttl_secs: 90 * 86_400,
            dynamic_registration: true,
            client_metadata_documents: true,
            client_metadata_allow_private_addresses: false,
            client_metadata_ca_file: None,
            registrations_per_ip_per_hour: 30,
            sign_ins_per_ip_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `gateway=debug,info`. `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// SHA-256 (hex) of each accepted static bearer token. Issue one with
    /// `switchboard token hash`, keep the token, put its hash here.
    pub token_sha256: Vec<String>,
    /// Serve MCP without a token. Refused unless `server.listen` is a loopback address.
    pub allow_anonymous: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Serialized-character budget of one tool result.
    pub result_budget_chars: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            result_budget_chars: connector_core::Budget::DEFAULT_CHARS,
        }
    }
}

/// `[connectors.<id>]`: whether it is offered, its own settings, and (for single-team
/// deployments) the account credentials it uses. `Debug` shows credential names only.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectorSection {
    pub enabled: bool,
    /// The connector's own settings, checked by the connector.
    pub settings: Value,
    /// Credential fields of the deployment-wide account (`api_key = "…"`); best set
    /// through the environment, e.g. `SWITCHBOARD_CONNECTORS__WORKSECTION__CREDENTIALS__API_KEY`.
    pub credentials: BTreeMap<String, String>,
    /// Hosts a team's account URL may name, replacing the connector's own pattern
    /// (`*.worksection.com`); `*.` matches any subdomain.
    pub account_hosts: Option<Vec<String>>,
    /// Let teams' account URLs reach private, loopback and link-local addresses (a
    /// self-hosted upstream on the operator's network; the demo's fakes).
    pub allow_private_addresses: bool,
}

impl Default for ConnectorSection {
    fn default() -> Self {
        ConnectorSection {
            enabled: true,
            settings: Value::Object(Default::default()),
            credentials: BTreeMap::new(),
            account_hosts: None,
            allow_private_addresses: false,
        }
    }
}

impl fmt::Debug for ConnectorSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorSection")
            .field("enabled", &self.enabled)
            .field("settings", &redact_secrets(&self.settings))
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .field("account_hosts", &self.account_hosts)
            .field("allow_private_addresses", &self.allow_private_addresses)
            .finish()
    }
}

/// A copy of `v` with the values of secret-looking keys replaced.
fn redact_secrets(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let k_l = k.to_ascii_lowercase();
                    let secret = ["secret", "password", "token", "key"]
                        .iter()
                        .any(|s| k_l.contains(s));
                    (
                        k.clone(),
                        if secret {
                            Value::String("**REDACTED**".into())
                        } else {
                            redact_secrets(v)
                        },
                    )
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_secrets).collect()),
        other => other.clone(),
    }
}

/// One configuration problem: the key, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Loading failed; every problem found is listed.
#[derive(Debug)]
pub struct ConfigError(pub Vec<Problem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads `path` (if given; it must exist) and the environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = path {
            if !path.exists() {
                return Err(ConfigError(vec![Problem {
                    key: "--config".into(),
                    message: format!(
                        "{} does not exist; pass the path of a switchboard.toml",
                        path.display()
                    ),
                }]));
            }
            fig = fig.merge(Toml::file(path));
        }
        // Only variables naming a config section: SWITCHBOARD_CONFIG and others that are
        // not settings must not be read as unknown keys.
        let env = Env::prefixed("SWITCHBOARD_").split("__").filter(|key| {
            let section = key.as_str().split('.').next().unwrap_or_default();
            SECTIONS.iter().any(|s| section.eq_ignore_ascii_case(s))
        });
        Self::extract(fig.merge(env))
    }

    /// Parses a TOML document (tests and `check`), without the environment.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Self::extract(
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)),
        )
    }

    fn extract(fig: Figment) -> Result<Config, ConfigError> {
        let config: Config = fig.extract().map_err(|errors| {
            ConfigError(
                errors
                    .into_iter()
                    .map(|e| Problem {
                        key: if e.path.is_empty() {
                            "(root)".into()
                        } else {
                            e.path.join(".")
                        },
                        message: format!("{}", e.kind),
                    })
                    .collect(),
            )
        })?;
        let problems = config.validate();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError(problems))
        }
    }

    /// Pure checks across keys. Connector sections are checked by the registry, which
    /// knows the connectors.
    pub fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut problem = |key: &str, message: String| {
            out.push(Problem {
                key: key.into(),
                message,
            })
        };
        let listen = self.server.listen.parse::<SocketAddr>();
        if listen.is_err() {
            problem(
                "server.listen",
                format!(
                    "`{}` is not an address:port such as 127.0.0.1:8080",
                    self.server.listen
                ),
            );
        }
        match url::Url::parse(&self.server.public_url) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some() => {
                if u.path() != "/" || u.query().is_some() {
                    problem(
                        "server.public_url",
                        "give scheme, host and port only; the MCP path /mcp is added".into(),
                    );
                }
            }
            _ => problem(
                "server.public_url",
                format!(
                    "`{}` is not an http(s) URL such as https://mcp.example.com",
                    self.server.public_url
                ),
            ),
        }
        for origin in &self.server.allowed_origins {
            if origin != "null"
                && !(origin.starts_with("http://") || origin.starts_with("https://"))
            {
                problem(
                    "server.allowed_origins",
                    format!("`{origin}` is not an origin such as https://claude.ai"),
                );
            }
        }
        if self.server.max_body_bytes < 1024 {
            problem("server.max_body_bytes", "must be at least 1024".into());
        }
        if !(1..=1000).contains(&self.server.tools_page_size) {
            problem(
                "server.tools_page_size",
                "must be between 1 and 1000".into(),
            );
        }
        if self.limits.result_budget_chars < connector_core::Budget::MIN_CHARS {
            problem(
                "limits.result_budget_chars",
                format!("must be at least {}", connector_core::Budget::MIN_CHARS),
            );
        }
        if let Err(e) = self.upstream.validate() {
            let (key, msg) = e.split_once(' ').unwrap_or(("upstream", e.as_str()));
            problem(key, msg.to_owned());
        }
        for h in &self.auth.token_sha256 {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                problem(
                    "auth.token_sha256",
                    "each entry must be 64 hex digits (see `switchboard token hash`)".into(),
                );
            }
        }
        if self.auth.allow_anonymous
            && let Ok(addr) = listen
            && !addr.ip().is_loopback()
        {
            problem(
                "auth.allow_anonymous",
                format!("only allowed when server.listen is a loopback address, not {addr}"),
            );
        }
        if let Some(smtp) = &self.mail.smtp
            && smtp.host.is_empty()
        {
            problem(
                "mail.smtp.host",
                "set the SMTP server's host name, or remove [mail.smtp] to use the outbox".into(),
            );
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            problem(
                "mail.from",
                format!(
                    "`{}` is not an address such as Switchboard <no-reply@example.com>",
                    self.mail.from
                ),
            );
        }
        if self.registration.per_email_per_hour < 1 || self.registration.per_ip_per_hour < 1 {
            problem(
                "registration.per_email_per_hour",
                "the per-email and per-IP limits must be at least 1".into(),
            );
        }
        if !(60..=365 * 86_400).contains(&self.oauth.access_token_ttl_secs) {
            problem(
                "oauth.access_token_ttl_secs",
                "must be between 60 seconds and a year".into(),
            );
        }
        if self.oauth.refresh_token_ttl_secs < self.oauth.access_token_ttl_secs {
            problem(
                "oauth.refresh_token_ttl_secs",
                "must be at least oauth.access_token_ttl_secs".into(),
            );
        }
        if !(60..=86_400).contains(&self.connections.connect_link_ttl_secs) {
            problem(
                "connections.connect_link_ttl_secs",
                "must be between 60 and 86400".into(),
            );
        }
        let db = &self.store.database_url;
        if !(db.starts_with("sqlite://") || crate::store::is_postgres(db)) {
            problem(
                "store.database_url",
                "must start with sqlite:// (a file) or postgres:// (a server)".into(),
            );
        }
        out
    }

    /// The canonical MCP URL: `<public_url>/mcp`.
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.server.public_url.trim_end_matches('/'))
    }

    /// Host values accepted: configured ones, or the public host plus loopback names.
    pub fn allowed_hosts(&self) -> Vec<String> {
        if !self.server.allowed_hosts.is_empty() {
            return self.server.allowed_hosts.clone();
        }
        let mut hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        if let Ok(u) = url::Url::parse(&self.server.public_url)
            && let Some(h) = u.host_str()
        {
            hosts.push(h.trim_matches(['[', ']']).to_owned());
        }
        hosts.sort();
        hosts.dedup();
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_the_store_url_is_checked() {
        let c = Config::from_toml("").unwrap();
        assert!(c.store.database_url.starts_with("sqlite://"));
        let err = Config::from_toml("[store]\ndatabase_url = \"mysql://x\"\n").unwrap_err();
        assert_eq!(err.0[0].key, "store.database_url", "{err}");
    }

    #[test]
    fn errors_name_the_key() {
        let err =
            Config::from_toml("[server]\nlisten = \"nowhere\"\n[auth]\nallow_anonymous = true\n")
                .unwrap_err();
        assert_eq!(err.0[0].key, "server.listen", "{err}");
        let err = Config::from_toml("[server]\nlisten = 8080\n").unwrap_err();
        assert_eq!(err.0[0].key, "server.listen", "{err}");
        let err = Config::from_toml("[sever]\nlisten = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("sever"), "{err}");
        let err = Config::from_toml(
            "[server]\nlisten = \"0.0.0.0:8080\"\n[auth]\nallow_anonymous = true\n",
        )
        .unwrap_err();
        assert_eq!(err.0[0].key, "auth.allow_anonymous", "{err}");
    }

    #[test]
    fn debug_hides_connector_secrets() {
        let c = Config::from_toml(
            "[auth]\nallow_anonymous = true\n[connectors.x.settings]\nclient_secret = \"s3cret-setting\"\nregion = \"eu\"\n[connectors.x.credentials]\napi_key = \"s3cret-key\"\n",
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("api_key") && shown.contains("eu"), "{shown}");
    }

    #[test]
    fn hosts_default_to_the_public_host_and_loopback() {
        let c = Config::from_toml(
            "[server]\npublic_url = \"https://mcp.example.com\"\n[auth]\nallow_anonymous = true\n",
        )
        .unwrap();
        assert!(c.allowed_hosts().contains(&"mcp.example.com".to_owned()));
        assert_eq!(c.mcp_url(), "https://mcp.example.com/mcp");
    }
}
