//! Outgoing mail: sign-up and sign-in codes. SMTP through lettre (STARTTLS, implicit
//! TLS, or plain for a relay on loopback), or, with no SMTP server configured, a local
//! outbox folder plus the log, so a developer reads the code without a mail server.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
};
use secrecy::ExposeSecret;

use crate::config::{MailConfig, SmtpTls};

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Outbox {
        dir: PathBuf,
        from: Mailbox,
        /// Also log each mail's text (development on loopback: the code is in the log).
        log_body: bool,
    },
}

/// Mail could not be sent; the message names the server and the reason.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(String);

impl Mailer {
    /// The mailer `config` describes; `outbox_dir` is used when no SMTP host is set.
    pub fn from_config(config: &MailConfig) -> Result<Mailer, MailError> {
        let from: Mailbox = config.from.parse().map_err(|e| {
            MailError(format!(
                "mail.from `{}` is not an address: {e}",
                config.from
            ))
        })?;
        let Some(smtp) = &config.smtp else {
            return Ok(Mailer::Outbox {
                dir: PathBuf::from(&config.outbox_dir),
                from,
                log_body: false,
            });
        };
        let tls_parameters = || -> Result<TlsParameters, MailError> {
            let mut b = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = &smtp.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    MailError(format!("mail.smtp.ca_file {path}: cannot be read: {e}"))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    MailError(format!(
                        "mail.smtp.ca_file {path}: not a PEM certificate: {e}"
                    ))
                })?;
                b = b.add_root_certificate(cert);
            }
            b.build()
                .map_err(|e| MailError(format!("mail.smtp: TLS setup failed: {e}")))
        };
        let tls = match smtp.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(smtp.timeout_secs)));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Mailer::Smtp {
            transport: builder.build(),
            from,
        })
    }

    /// Logs the text of outbox mail too: only where the log is the developer's own
    /// (loopback), since a code in the log lets its reader confirm as anyone.
    pub fn log_bodies(self, yes: bool) -> Mailer {
        match self {
            Mailer::Outbox { dir, from, .. } => Mailer::Outbox {
                dir,
                from,
                log_body: yes,
            },
            smtp => smtp,
        }
    }

    /// A mailer writing into `dir` and the log (demo, tests).
    pub fn outbox(dir: PathBuf) -> Mailer {
        Mailer::Outbox {
            log_body: true,
            dir,
            from: Mailbox::new(
                Some("Switchboard".into()),
                lettre::Address::new("no-reply", "switchboard.invalid")
                    .unwrap_or_else(|_| unreachable!("a valid literal address")),
            ),
        }
    }

    /// Mails a one-time code; if it cannot go out, its challenge is removed again, so a
    /// code nobody received counts against no limit.
    pub async fn send_code(
        &self,
        store: &crate::store::Store,
        challenge: &str,
        to: &str,
        code: &str,
        text: &str,
    ) -> Result<(), MailError> {
        let sent = self
            .send(to, &format!("Your Switchboard code: {code}"), text)
            .await;
        if let Err(e) = &sent {
            let _ = store.delete_challenge(challenge).await;
            tracing::error!(error = %e, "a one-time code could not be mailed");
        }
        sent
    }

    /// Sends a plain-text mail.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to_box: Mailbox = to
            .parse()
            .map_err(|e| MailError(format!("`{to}` is not an email address: {e}")))?;
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(to_box)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| MailError(format!("the mail could not be built: {e}")))?;
        match self {
            Mailer::Smtp { transport, .. } => {
                transport.send(message).await.map_err(|e| {
                    MailError(format!("the SMTP server did not accept the mail: {e}"))
                })?;
                tracing::info!(%to, subject, "mail sent");
            }
            Mailer::Outbox { dir, log_body, .. } => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    MailError(format!("cannot create the outbox {}: {e}", dir.display()))
                })?;
                let name = format!(
                    "{}-{}.eml",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_millis())
                        .unwrap_or(0),
                    hex::encode(rand::random::<[u8; 4]>())
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| {
                        MailError(format!(
                            "cannot write to the outbox {}: {e}",
                            path.display()
                        ))
                    })?;
                if *log_body {
                    // No SMTP server, on loopback: the log is where a developer reads it.
                    tracing::warn!(%to, subject, body, path = %path.display(), "no SMTP server configured (mail.smtp); the mail went to the outbox");
                } else {
                    tracing::warn!(%to, path = %path.display(), "no SMTP server configured (mail.smtp); the mail went to the outbox folder on this server");
                }
            }
        }
        Ok(())
    }
}
