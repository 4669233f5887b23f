//! The `back-office-server` command line: `serve`, `migrate`, `admin create`, `demo`, `users`,
//! `tokens`.

use crate::app::{AppState, router};
use crate::storage::{self, Storage};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Default database: an SQLite file under `data/`, relative to the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite://data/trastienda.db";
/// Default listen address: local only (put a reverse proxy or `--tls-cert/--tls-key` in front for tills).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Parser)]
#[command(
    name = "back-office-server",
    version,
    about = "Trastienda HQ server: till sync API, HQ admin API, reports",
    long_about = "Trastienda HQ server: takes the tills' documents, sends the catalog down to them, \
                  and serves the HQ admin JSON API and reports (OpenAPI at /api/openapi.json).\n\n\
                  Databases: sqlite://PATH (default, one file, no set-up) or postgres://USER@HOST/DB."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "TRASTIENDA_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

#[derive(Debug, Args)]
pub struct ListenArg {
    /// Address to listen on.
    #[arg(long, env = "TRASTIENDA_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
}

/// Where HQ sends e-mail (the invoices to franchisees).
#[derive(Debug, Args, Clone, Default)]
pub struct MailArgs {
    /// SMTP server: smtp://HOST:PORT (plain, e.g. a local relay), smtp://USER:PASS@HOST:587?tls=required
    /// (STARTTLS) or smtps://USER:PASS@HOST (TLS). Without it invoices are not e-mailed.
    #[arg(long, env = "TRASTIENDA_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of HQ's e-mails.
    #[arg(
        long,
        env = "TRASTIENDA_SMTP_FROM",
        default_value = "Trastienda <facturacion@localhost>"
    )]
    pub smtp_from: String,
    /// Where people open the dashboard, e.g. https://hq.example.com: e-mails (the alert digest)
    /// link to the page each alert is on. `serve` without it uses its own address when that is
    /// a specific one (not 0.0.0.0), else the e-mails carry no links.
    #[arg(long, env = "TRASTIENDA_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl MailArgs {
    /// Sets the process's SMTP settings when a server is given, and the public URL.
    pub fn apply(&self) -> Result<()> {
        crate::services::mail::set_public_url(self.public_url.as_deref())
            .map_err(anyhow::Error::msg)?;
        if let Some(url) = &self.smtp_url {
            crate::services::mail::configure(crate::services::mail::MailConfig {
                url: url.clone(),
                from: self.smtp_from.clone(),
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    }
}

/// How requests reach the server: behind which reverse proxies.
#[derive(Debug, Args, Clone, Default)]
pub struct NetArgs {
    /// A reverse proxy whose X-Forwarded-For and X-Forwarded-Proto headers are believed: an
    /// address or a network (repeat for several; comma-separated in the environment variable).
    /// Without it the client is the TCP peer and forwarded headers are ignored.
    #[arg(long = "trusted-proxy", env = "TRASTIENDA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::net::parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Do not run the scheduled jobs on this instance (another instance runs them).
    #[arg(long)]
    pub no_jobs: bool,
    /// Another schedule for a job: NAME=CRON, e.g. "verify-chains=0 0 4 * * *" (seconds first,
    /// HQ's time zone; repeat for several; `;`-separated in the environment variable).
    #[arg(long = "schedule", env = "TRASTIENDA_SCHEDULES", value_delimiter = ';', value_parser = parse_schedule)]
    pub schedules: Vec<(String, String)>,
}

fn parse_schedule(s: &str) -> Result<(String, String), String> {
    let (name, cron) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: write NAME=CRON, e.g. verify-chains=0 0 4 * * *"))?;
    let name = name.trim();
    crate::jobs::find(name).map_err(|e| e.to_string())?;
    crate::jobs::check_schedule(cron.trim()).map_err(|e| format!("{name}: {e}"))?;
    Ok((name.to_string(), cron.trim().to_string()))
}

// Parsed once at start-up and consumed: the size of its biggest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API, admin API and reports (HTTPS when --tls-cert and --tls-key are given).
    Serve {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        listen: ListenArg,
        /// PEM certificate chain; serve HTTPS (with --tls-key). Without it, plain HTTP for a reverse proxy.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve HTTPS with this server's own certificate, made in this directory on first start
        /// (cert.pem, key.pem) and reused after: for a shop network without a public certificate.
        /// Tills enrol with the link the dashboard's Cajas page shows, which carries the
        /// certificate's SHA-256, and then accept no other certificate.
        #[arg(long, env = "TRASTIENDA_TLS_SELF_SIGNED", conflicts_with_all = ["tls_cert", "tls_key"])]
        tls_self_signed: Option<PathBuf>,
        /// A name or address the self-signed certificate is made for (repeat for several). Default:
        /// localhost, the loopback addresses, this machine's host name and its network address.
        #[arg(long = "tls-name", requires = "tls_self_signed")]
        tls_names: Vec<String>,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        aeat: AeatArgs,
    },
    /// Create the database if needed and bring its schema up to date, then exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// HQ administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Scheduled jobs (they also run on their own in `serve`, once across all instances).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Franchise invoicing: royalties and fees of a closed month.
    Invoicing {
        #[command(subcommand)]
        command: InvoicingCommand,
    },
    /// Document archive: one franchisee's month as a zip for its accountant.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// VERI*FACTU: export records as the AEAT envelopes, store certificates.
    Verifactu {
        #[command(subcommand)]
        command: VerifactuCommand,
    },
    /// Collections: bank statement imports, aging, SEPA remittances and returns.
    Collections {
        #[command(subcommand)]
        command: CollectionsCommand,
    },
    /// Seed a demo franchise once (if the database has no franchisees), print how to use it, and serve.
    Demo {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        listen: ListenArg,
        /// Days of trade the first run rings through the till core before serving (0 to 366).
        #[arg(long, default_value_t = crate::demo::HISTORY_DAYS, value_parser = clap::value_parser!(i64).range(0..=366))]
        history_days: i64,
    },
    /// Dashboard users: disable, enable, reset a password, end sessions (each in the audit log).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// HQ admin API tokens: list, revoke (each revocation in the audit log).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Replenishment: a store's suggested orders today, and a draft purchase order from one.
    Replenishment {
        #[command(subcommand)]
        command: ReplenishmentCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReplenishmentCommand {
    /// Today's suggested orders of a store, one CSV line per product (supplier, SKU, on hand, on
    /// order, forecast demand over the horizon, quantity to order, value).
    Suggestions {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        store: i64,
    },
    /// Today's suggested order of a store to a supplier as a draft purchase order (reviewed and
    /// approved on Pedidos or through the API); prints its id.
    Order {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        store: i64,
        #[arg(long)]
        supplier: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Every dashboard user with role, stores, state and open sessions.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Create a dashboard user (in the audit log). The password is read from TRASTIENDA_PASSWORD
    /// or the first line of standard input. `--role franchisee --franchisee ID`: a franchisee's
    /// own read-only user, seeing only that franchisee's stores, invoices, statement and mandates.
    Create {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
        /// The name shown on the dashboard (default: the user name).
        #[arg(long, default_value = "")]
        name: String,
        /// admin, analyst, manager or franchisee.
        #[arg(long)]
        role: String,
        /// A store a manager sees (repeat for several; managers only).
        #[arg(long = "store")]
        stores: Vec<i64>,
        /// The franchisee a franchisee user belongs to (franchisee users only).
        #[arg(long)]
        franchisee: Option<i64>,
    },
    /// Stop a user from signing in and end their sessions (not the last active admin).
    Disable {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
    },
    /// Let a disabled user sign in again.
    Enable {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
    },
    /// Set a new password and end the user's sessions. The password is read from
    /// TRASTIENDA_PASSWORD or the first line of standard input; with --one-time a random one is
    /// made and printed once.
    ResetPassword {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
        #[arg(long)]
        one_time: bool,
    },
    /// Sign a user out everywhere.
    EndSessions {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Every HQ admin API token: id, name, created, last used, revoked.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Revoke a token by its id (as `tokens list` shows it): it no longer opens the API.
    Revoke {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
    },
}

/// Where the VERI*FACTU sender posts.
#[derive(Debug, Args, Clone)]
pub struct AeatArgs {
    /// The AEAT's VerifactuSOAP endpoint. Default: the AEAT's test environment
    /// (https://prewww1.aeat.es/…); production is
    /// https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP
    #[arg(long, env = "TRASTIENDA_AEAT_ENDPOINT", default_value = crate::services::aeat::ENDPOINT_TEST)]
    pub aeat_endpoint: String,
    /// PEM file of CA certificates to trust for the endpoint besides the system's.
    #[arg(long, env = "TRASTIENDA_AEAT_CA")]
    pub aeat_ca: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum VerifactuCommand {
    /// Write a franchisee's records issued in a period (or, with `--franchisee hq`, HQ's own:
    /// its franchise invoices and credit notes) as the RegFactuSistemaFacturacion envelopes that
    /// carry (or would carry) them to the AEAT. More than 1,000 records make several envelopes:
    /// FILE-001.xml, FILE-002.xml, …
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// A franchisee's id, or `hq` for HQ's own records.
        #[arg(long)]
        franchisee: String,
        /// First issue date (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last issue date (YYYY-MM-DD), inclusive.
        #[arg(long)]
        to: chrono::NaiveDate,
        #[arg(long)]
        out: PathBuf,
    },
    /// Store a certificate (PKCS#12) for sending to the AEAT: a franchisee's, or HQ's own as
    /// representative (--owner hq with --hq-name and --hq-nif). The password is read from
    /// TRASTIENDA_CERT_PASSWORD or the first line of standard input. Needs TRASTIENDA_SECRET_KEY.
    Certificate {
        #[command(flatten)]
        db: DatabaseArg,
        /// A franchisee's id, or "hq".
        #[arg(long)]
        owner: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        hq_name: Option<String>,
        #[arg(long)]
        hq_nif: Option<String>,
    },
    /// Print a new random secret key for TRASTIENDA_SECRET_KEY.
    NewSecretKey,
}

#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// Import a bank statement (Norma 43 or camt.053): lines naming an open invoice become
    /// payments; importing the same file again changes nothing.
    ImportStatement {
        #[command(flatten)]
        db: DatabaseArg,
        /// The statement file.
        file: PathBuf,
    },
    /// Print the aging of what franchisees owe (CSV on standard output).
    Aging {
        #[command(flatten)]
        db: DatabaseArg,
        /// The day to age on (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Write a SEPA direct-debit remittance (pain.008.001.08) collecting every due invoice of
    /// franchisees with a valid mandate on the collection date, into `out`.
    Remittance {
        #[command(flatten)]
        db: DatabaseArg,
        /// Collection date (YYYY-MM-DD), after today.
        #[arg(long)]
        collection_date: chrono::NaiveDate,
        /// Where to write the XML.
        #[arg(long)]
        out: PathBuf,
    },
    /// Process returned debits (pain.002 or camt.054): their invoices are open again.
    Returns {
        #[command(flatten)]
        db: DatabaseArg,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum InvoicingCommand {
    /// Issue the invoice of every franchisee under contract for a closed month (YYYY-MM). Running
    /// it again issues nothing new; late sales of an invoiced month go in the next month's invoice.
    Run {
        #[command(flatten)]
        db: DatabaseArg,
        /// The month: YYYY-MM.
        #[arg(long)]
        period: String,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Write the month's invoices and credit notes (by issue date) as a journal CSV for the
    /// accountant (430/705/700/477/4775; ';', decimal comma) to stdout.
    Journal {
        #[command(flatten)]
        db: DatabaseArg,
        /// The month: YYYY-MM.
        #[arg(long)]
        month: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Write the zip of a franchisee's month (its invoices, credit notes, Z reports, delivery-note
    /// receipts and uploaded documents dated in it, with SHA256SUMS) for its accountant.
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// The franchisee's id.
        #[arg(long)]
        franchisee: i64,
        /// The month: YYYY-MM.
        #[arg(long)]
        period: String,
        /// Where to write the zip.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Every job with its schedule and its last runs.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Run a job now for a period (default: the current one). A period already done is not run again.
    Run {
        #[command(flatten)]
        db: DatabaseArg,
        /// The job's name, as `jobs list` shows it.
        name: String,
        /// The period: a day (YYYY-MM-DD) or a month (YYYY-MM), as the job counts them.
        #[arg(long)]
        period: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an HQ administrator and print its API token (shown once; only its hash is kept).
    /// Any number of admins may exist: each person or integration gets its own token.
    Create {
        #[command(flatten)]
        db: DatabaseArg,
        /// Who the token is for, e.g. "Ana (HQ)" or "ERP integration".
        #[arg(long)]
        name: String,
        /// Also create a web dashboard sign-in with this user name. The password is read from
        /// TRASTIENDA_PASSWORD or else from the first line of standard input (at least 10 characters).
        #[arg(long)]
        login: Option<String>,
        /// Dashboard role for --login: admin (HQ, read/write; also gets the API token), analyst
        /// (HQ, read-only) or manager (only the --store stores, read-only).
        #[arg(long, default_value = "admin", value_parser = ["admin", "analyst", "manager"], requires = "login")]
        role: String,
        /// A store a manager sees (repeat for several).
        #[arg(long = "store", requires = "login")]
        stores: Vec<i64>,
    },
}

async fn open(url: &str) -> Result<Arc<dyn Storage>> {
    storage::open(url).await.with_context(|| {
        format!(
            "opening the database {}",
            storage::postgres::redact_url(url)
        )
    })
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            tls_cert,
            tls_key,
            tls_self_signed,
            tls_names,
            net,
            mail,
            aeat,
        } => {
            mail.apply()?;
            let mut aeat_cfg = crate::services::aeat::AeatConfig::new(&aeat.aeat_endpoint);
            if let Some(ca) = &aeat.aeat_ca {
                aeat_cfg.extra_roots =
                    crate::services::aeat::read_pem_certs(ca).map_err(anyhow::Error::msg)?;
            }
            crate::services::verifactu::set_sender_config(
                crate::services::verifactu::SenderConfig {
                    aeat: aeat_cfg,
                    key: crate::services::certificates::SecretKey::from_env().ok(),
                },
            );
            let mut pinned = None;
            let tls = match (tls_cert, tls_key, tls_self_signed) {
                (Some(c), Some(k), None) => Some((c, k)),
                (None, None, None) => None,
                (None, None, Some(dir)) => {
                    let names = if tls_names.is_empty() {
                        crate::tls::default_names()
                    } else {
                        tls_names
                    };
                    let own = crate::tls::self_signed(&dir, &names)?;
                    println!(
                        "HTTPS with this server's own certificate ({}, {}): SHA-256 {}",
                        own.cert.display(),
                        if own.created {
                            format!("made now for {}", names.join(", "))
                        } else {
                            "kept from an earlier start".to_string()
                        },
                        own.sha256
                    );
                    println!(
                        "Tills enrol with the link on the dashboard's Cajas page (it carries this fingerprint)."
                    );
                    pinned = Some(own.sha256);
                    Some((own.cert, own.key))
                }
                _ => bail!("--tls-cert and --tls-key go together, without --tls-self-signed"),
            };
            if mail.public_url.is_none() && !listen.listen.ip().is_unspecified() {
                let scheme = if tls.is_some() { "https" } else { "http" };
                crate::services::mail::set_public_url(Some(&format!(
                    "{scheme}://{}",
                    listen.listen
                )))
                .map_err(anyhow::Error::msg)?;
            }
            let st = open(&db.database).await?;
            let mut opts = ServeOptions::new(tls, &net);
            opts.certificate_sha256 = pinned;
            serve(st, listen.listen, opts).await
        }
        Command::Migrate { db } => {
            let st = open(&db.database).await?;
            st.ping().await.context("checking the database")?;
            println!(
                "database {} ({}) is up to date",
                storage::postgres::redact_url(&db.database),
                st.backend()
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    db,
                    name,
                    login,
                    role,
                    stores,
                },
        } => {
            let name = name.trim();
            if name.is_empty() {
                bail!("--name must not be empty");
            }
            let st = open(&db.database).await?;
            if let Some(login) = login {
                let role = crate::storage::dashboard::DashboardRole::parse(&role)
                    .context("--role must be admin, analyst or manager")?;
                let password = match std::env::var("TRASTIENDA_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => {
                        eprintln!("Dashboard password for {login} (at least 10 characters):");
                        let mut line = String::new();
                        std::io::stdin()
                            .read_line(&mut line)
                            .context("reading the password from standard input")?;
                        line.trim_end_matches(['\r', '\n']).to_string()
                    }
                };
                let stores = stores.into_iter().map(sync_protocol::StoreId).collect();
                crate::services::accounts::create_user(
                    st.as_ref(),
                    &login,
                    name,
                    &password,
                    role,
                    stores,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("creating the dashboard user")?;
                println!(
                    "Dashboard user {login:?} ({}) created: sign in at /dashboard/login",
                    role.as_str()
                );
                if role != crate::storage::dashboard::DashboardRole::Admin {
                    return Ok(());
                }
            }
            let token = crate::auth::new_token();
            let id = st
                .create_admin(name, &crate::auth::hash_token(&token))
                .await
                .context("creating the admin")?;
            println!(
                "HQ admin #{id} \"{name}\" created. API token (shown only now, keep it safe):"
            );
            println!();
            println!("    {token}");
            println!();
            println!("Use it as: Authorization: Bearer {token}");
            Ok(())
        }
        Command::Jobs { command } => jobs_command(command).await,
        Command::Invoicing {
            command: InvoicingCommand::Run { db, period, mail },
        } => {
            mail.apply()?;
            let st = open(&db.database).await?;
            let progress = |done: usize, total: usize| {
                let width = 30;
                let filled = (done * width)
                    .checked_div(total)
                    .unwrap_or(width)
                    .min(width);
                eprint!(
                    "\r[{}{}] {done}/{total} franchisees",
                    "#".repeat(filled),
                    " ".repeat(width - filled)
                );
            };
            let s = crate::services::invoicing::run_and_send(
                st.as_ref(),
                crate::services::mail::config().as_ref(),
                period.trim(),
                chrono::Utc::now(),
                &progress,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!();
            for i in &s.issued {
                println!(
                    "issued {} to franchisee {}: net {} total {}",
                    i.full_number, i.franchisee_id, i.net, i.total
                );
            }
            println!(
                "{}: {} issued, {} already invoiced, {} failed",
                s.period,
                s.issued.len(),
                s.already,
                s.failed.len()
            );
            for (f, e) in &s.failed {
                println!("  franchisee {f}: {e} (nothing stored)");
            }
            if s.failed.is_empty() {
                Ok(())
            } else {
                bail!("{} invoices could not be issued", s.failed.len())
            }
        }
        Command::Invoicing {
            command: InvoicingCommand::Journal { db, month },
        } => {
            let st = open(&db.database).await?;
            let csv = crate::services::invoicing::journal_csv(st.as_ref(), month.trim())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            use std::io::Write;
            std::io::stdout().write_all(&csv)?;
            Ok(())
        }
        Command::Archive {
            command:
                ArchiveCommand::Export {
                    db,
                    franchisee,
                    period,
                    out,
                },
        } => {
            let st = open(&db.database).await?;
            let (_, bytes) = crate::services::archive::export_zip(
                st.as_ref(),
                sync_protocol::FranchiseeId(franchisee),
                period.trim(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} bytes, SHA-256 {})",
                out.display(),
                bytes.len(),
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
            );
            Ok(())
        }
        Command::Verifactu { command } => verifactu_command(command).await,
        Command::Users { command } => users_command(command).await,
        Command::Tokens { command } => tokens_command(command).await,
        Command::Collections { command } => collections_command(command).await,
        Command::Replenishment { command } => replenishment_command(command).await,
        Command::Demo {
            db,
            listen,
            history_days,
        } => {
            // The port first: a busy port is reported before anything is written or printed.
            let listener = std::net::TcpListener::bind(listen.listen).with_context(|| {
                format!(
                    "listening on {}: the port is busy (another server running?); choose another with --listen",
                    listen.listen
                )
            })?;
            let addr = listener
                .local_addr()
                .context("reading the listen address")?;
            let st = open(&db.database).await?;
            crate::demo::seed_and_print(
                &st,
                addr,
                crate::demo::SeedOptions {
                    history_days,
                    ..Default::default()
                },
            )
            .await?;
            serve_on(
                st,
                listener,
                ServeOptions::new(None, &NetArgs::default()),
                shutdown_signal(),
            )
            .await
        }
    }
}

/// A service's refusal as the command's error, in English.
fn refused(e: crate::storage::StorageError) -> anyhow::Error {
    match e.problem() {
        Some(p) => anyhow::anyhow!("{}", p.message(crate::i18n::Lang::En)),
        None => anyhow::anyhow!("{e}"),
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

async fn users_command(command: UsersCommand) -> Result<()> {
    use crate::services::people as svc;
    let by = svc::cli_actor();
    match command {
        UsersCommand::List { db } => {
            let st = open(&db.database).await?;
            for u in st
                .people()
                .list_users(chrono::Utc::now())
                .await
                .map_err(refused)?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{} sessions",
                    u.id,
                    u.username,
                    u.role.as_str(),
                    match u.franchisee {
                        Some(f) => format!("franchisee {}", f.0),
                        None => format!(
                            "stores {}",
                            u.stores
                                .iter()
                                .map(|s| s.0.to_string())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    },
                    if u.disabled { "disabled" } else { "active" },
                    u.sessions
                );
            }
            Ok(())
        }
        UsersCommand::Create {
            db,
            username,
            name,
            role,
            stores,
            franchisee,
        } => {
            let role = crate::storage::dashboard::DashboardRole::parse(&role)
                .context("--role must be admin, analyst, manager or franchisee")?;
            let st = open(&db.database).await?;
            let password = match std::env::var("TRASTIENDA_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Dashboard password for {username} (at least 10 characters):");
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let id = svc::create_user(
                st.as_ref(),
                &by,
                &username,
                &name,
                &password,
                role,
                stores.into_iter().map(sync_protocol::StoreId).collect(),
                franchisee.map(sync_protocol::FranchiseeId),
            )
            .await
            .map_err(refused)?;
            println!(
                "Dashboard user #{id} {username:?} ({}) created: sign in at /dashboard/login",
                role.as_str()
            );
            Ok(())
        }
        UsersCommand::Disable { db, username } => {
            let st = open(&db.database).await?;
            let id = svc::user_id_by_name(st.as_ref(), &username)
                .await
                .map_err(refused)?;
            svc::set_disabled(st.as_ref(), &by, id, true)
                .await
                .map_err(refused)?;
            println!("{username} is disabled and signed out everywhere");
            Ok(())
        }
        UsersCommand::Enable { db, username } => {
            let st = open(&db.database).await?;
            let id = svc::user_id_by_name(st.as_ref(), &username)
                .await
                .map_err(refused)?;
            svc::set_disabled(st.as_ref(), &by, id, false)
                .await
                .map_err(refused)?;
            println!("{username} may sign in again");
            Ok(())
        }
        UsersCommand::ResetPassword {
            db,
            username,
            one_time,
        } => {
            let st = open(&db.database).await?;
            let id = svc::user_id_by_name(st.as_ref(), &username)
                .await
                .map_err(refused)?;
            let password = if one_time {
                None
            } else {
                Some(match std::env::var("TRASTIENDA_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => {
                        eprintln!("New password for {username} (at least 10 characters):");
                        let mut line = String::new();
                        std::io::stdin()
                            .read_line(&mut line)
                            .context("reading the password from standard input")?;
                        line.trim_end_matches(['\r', '\n']).to_string()
                    }
                })
            };
            if password.as_deref().is_some_and(|p| p.trim().is_empty()) {
                bail!("the password is empty (use --one-time for a random one)");
            }
            match svc::reset_password(st.as_ref(), &by, id, password.as_deref())
                .await
                .map_err(refused)?
            {
                Some(p) => println!(
                    "{username}'s sessions ended. One-time password (shown only now):\n\n    {p}\n"
                ),
                None => println!("{username}'s password is set and their sessions ended"),
            }
            Ok(())
        }
        UsersCommand::EndSessions { db, username } => {
            let st = open(&db.database).await?;
            let id = svc::user_id_by_name(st.as_ref(), &username)
                .await
                .map_err(refused)?;
            let n = svc::end_sessions(st.as_ref(), &by, id)
                .await
                .map_err(refused)?;
            println!("{n} sessions of {username} ended");
            Ok(())
        }
    }
}

async fn tokens_command(command: TokensCommand) -> Result<()> {
    use crate::services::people as svc;
    match command {
        TokensCommand::List { db } => {
            let st = open(&db.database).await?;
            println!("id\tname\tcreated\tlast used\trevoked");
            for k in st.people().list_admin_tokens().await.map_err(refused)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    k.id,
                    k.name,
                    when(Some(k.created_at)),
                    when(k.last_used_at),
                    when(k.revoked_at)
                );
            }
            Ok(())
        }
        TokensCommand::Revoke { db, id } => {
            let st = open(&db.database).await?;
            svc::revoke_token(st.as_ref(), &svc::cli_actor(), id)
                .await
                .map_err(refused)?;
            println!("token {id} is revoked");
            Ok(())
        }
    }
}

/// `FILE.xml` for one envelope; `FILE-001.xml`, `FILE-002.xml`, … for several.
pub fn export_paths(out: &std::path::Path, n: usize) -> Vec<PathBuf> {
    if n <= 1 {
        return vec![out.to_path_buf()];
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "verifactu".into());
    let ext = out
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "xml".into());
    (1..=n)
        .map(|i| out.with_file_name(format!("{stem}-{i:03}.{ext}")))
        .collect()
}

async fn verifactu_command(command: VerifactuCommand) -> Result<()> {
    match command {
        VerifactuCommand::Export {
            db,
            franchisee,
            from,
            to,
            out,
        } => {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let hq = franchisee.trim().eq_ignore_ascii_case("hq");
            let id: Option<i64> = if hq {
                None
            } else {
                Some(franchisee.trim().parse().map_err(|_| {
                    anyhow::anyhow!(
                        "--franchisee takes a franchisee's id or `hq`, not {franchisee:?}"
                    )
                })?)
            };
            let st = open(&db.database).await?;
            let now = chrono::Utc::now();
            let envelopes = match id {
                None => crate::services::verifactu::export_hq(st.as_ref(), from, to, now).await,
                Some(id) => {
                    let f = sync_protocol::FranchiseeId(id);
                    crate::services::verifactu::export(st.as_ref(), f, from, to, now).await
                }
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if envelopes.is_empty() {
                match id {
                    None => bail!("HQ has no VERI*FACTU records issued from {from} to {to}"),
                    Some(id) => bail!(
                        "franchisee {id} has no VERI*FACTU records issued from {from} to {to}"
                    ),
                }
            }
            for (xml, path) in envelopes.iter().zip(export_paths(&out, envelopes.len())) {
                std::fs::write(&path, xml)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", path.display());
            }
            Ok(())
        }
        VerifactuCommand::Certificate {
            db,
            owner,
            file,
            hq_name,
            hq_nif,
        } => {
            use crate::services::certificates::{self, Owner, SecretKey};
            let key = SecretKey::from_env().map_err(|p| anyhow::anyhow!("{p}"))?;
            let owner = if owner.trim().eq_ignore_ascii_case("hq") {
                Owner::Hq {
                    name: hq_name.context("--owner hq needs --hq-name")?,
                    nif: hq_nif.context("--owner hq needs --hq-nif")?,
                }
            } else {
                Owner::Franchisee(sync_protocol::FranchiseeId(
                    owner
                        .trim()
                        .parse()
                        .context("--owner is a franchisee id or \"hq\"")?,
                ))
            };
            let data =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let password = match std::env::var("TRASTIENDA_CERT_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password of {}:", file.display());
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let st = open(&db.database).await?;
            let c = certificates::upload(
                st.as_ref(),
                &key,
                owner,
                &data,
                &password,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "certificate of {} ({}) stored, sealed; {} valid until {}",
                c.holder_name,
                c.holder_nif,
                c.subject,
                c.not_after.format("%Y-%m-%d")
            );
            Ok(())
        }
        VerifactuCommand::NewSecretKey => {
            println!(
                "{}",
                crate::services::certificates::SecretKey::generate_hex()
            );
            Ok(())
        }
    }
}

async fn replenishment_command(command: ReplenishmentCommand) -> Result<()> {
    let now = chrono::Utc::now();
    let today = crate::storage::sql::business_day(now);
    match command {
        ReplenishmentCommand::Suggestions { db, store } => {
            let st = open(&db.database).await?;
            let store = st.get_store(sync_protocol::StoreId(store)).await?;
            let plan = crate::services::purchasing::store_plan(st.as_ref(), &store, today).await?;
            println!(
                "supplier_id,supplier,sku,on_hand,on_order,demand,horizon_days,quantity,value"
            );
            for o in &plan.orders {
                for (p, l) in &o.lines {
                    println!(
                        "{},{},{},{},{},{},{},{},{}",
                        o.supplier.id,
                        o.supplier.name.replace(',', " "),
                        p.sku,
                        l.on_hand,
                        l.on_order,
                        l.demand,
                        l.horizon_days,
                        l.quantity,
                        l.value
                    );
                }
            }
            eprintln!("{} suggested orders for {}", plan.orders.len(), store.name);
            Ok(())
        }
        ReplenishmentCommand::Order {
            db,
            store,
            supplier,
        } => {
            let st = open(&db.database).await?;
            let store = st.get_store(sync_protocol::StoreId(store)).await?;
            let (o, done) = crate::services::purchasing::draft_from_suggestion(
                st.as_ref(),
                &store,
                supplier,
                "CLI",
                today,
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            use crate::storage::purchasing::JobDraft;
            let what = match done {
                JobDraft::Created(_) => "draft purchase order",
                JobDraft::Replaced(_) => "the replenishment job's draft, now with today's lines:",
                JobDraft::Left(_) => "an open draft already exists (left as it is):",
            };
            println!(
                "{what} {} for {} to {}: {} lines, {}",
                o.id,
                store.name,
                o.supplier_name,
                o.lines.len(),
                o.total()
            );
            Ok(())
        }
    }
}

async fn jobs_command(command: JobsCommand) -> Result<()> {
    use crate::jobs;
    match command {
        JobsCommand::List { db } => {
            let st = open(&db.database).await?;
            for def in jobs::all() {
                println!(
                    "{}  schedule \"{}\" ({}), one run per {}",
                    def.name,
                    def.schedule,
                    jobs::HQ_TIME_ZONE,
                    match def.period {
                        jobs::PeriodKind::Day => "day",
                        jobs::PeriodKind::Month => "month",
                        jobs::PeriodKind::LastMonth => "month (the one before)",
                        jobs::PeriodKind::Hour => "hour",
                        jobs::PeriodKind::Minute => "minute",
                    }
                );
                let runs = st.jobs().recent_runs(def.name, 5).await?;
                if runs.is_empty() {
                    println!("    never run");
                }
                for r in runs {
                    println!("    {}", describe_run(&r));
                }
            }
            Ok(())
        }
        JobsCommand::Run { db, name, period } => {
            let def = jobs::find(&name)?;
            let now = chrono::Utc::now();
            let period = match period {
                // The replenishment job runs hourly; by hand it also takes a day (every store).
                Some(p)
                    if def.name == "replenishment"
                        && jobs::PeriodKind::Day.parse(p.trim()).is_ok() =>
                {
                    p.trim().to_string()
                }
                Some(p) => def.period.parse(p.trim())?,
                None => def.period.current(now),
            };
            let st = open(&db.database).await?;
            match jobs::run(st, def, &period, crate::storage::jobs::Trigger::Manual, now).await? {
                jobs::RunReport::Ran(r) => {
                    println!("{}", describe_run(&r));
                    if let Some(e) = r.error {
                        bail!("job {name} failed for {period}: {e}");
                    }
                }
                jobs::RunReport::AlreadyTaken(r) => {
                    println!("nothing done: {name} for {period} already ran or is running");
                    println!("    {}", describe_run(&r));
                }
            }
            Ok(())
        }
    }
}

fn describe_run(r: &crate::storage::jobs::JobRun) -> String {
    let summary = r
        .summary
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} {} ({}, started {} on {}, attempt {}{}){}{}",
        r.period,
        r.status.as_str(),
        r.trigger.as_str(),
        r.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        r.instance,
        r.attempts,
        r.duration_ms
            .map(|d| format!(", {d} ms"))
            .unwrap_or_default(),
        if summary.is_empty() {
            String::new()
        } else {
            format!(": {summary}")
        },
        r.error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default(),
    )
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// PEM certificate chain and key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A connection must send a request's headers within this time (also between requests on a
    /// kept-alive connection), or it is closed: a client that trickles half a request (slowloris)
    /// cannot hold connections open.
    pub header_read_timeout: std::time::Duration,
    /// Run the scheduled jobs on this instance.
    pub jobs: bool,
    /// Schedules that replace a job's own (name, cron).
    pub schedules: Vec<(String, String)>,
    /// SHA-256 of the server's own certificate (`--tls-self-signed`), for enrolment links.
    pub certificate_sha256: Option<String>,
}

impl ServeOptions {
    pub fn new(tls: Option<(PathBuf, PathBuf)>, net: &NetArgs) -> Self {
        Self {
            tls,
            trusted_proxies: net.trusted_proxies.clone(),
            header_read_timeout: std::time::Duration::from_secs(15),
            jobs: !net.no_jobs,
            schedules: net.schedules.clone(),
            certificate_sha256: None,
        }
    }
}

/// Serves the router on `addr` until Ctrl-C / SIGTERM.
pub async fn serve(st: Arc<dyn Storage>, addr: SocketAddr, opts: ServeOptions) -> Result<()> {
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
    serve_on(st, listener, opts, shutdown_signal()).await
}

/// Serves the router on a bound listener until `shutdown` completes (tests use a port-0 listener).
pub async fn serve_on(
    st: Arc<dyn Storage>,
    listener: std::net::TcpListener,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    listener
        .set_nonblocking(true)
        .context("setting the listener non-blocking")?;
    let addr = listener
        .local_addr()
        .context("reading the listen address")?;
    // Dashboard invoicing runs left "running" by a server that died are marked interrupted now
    // (a run still beating in another instance is left alone).
    if let Err(e) =
        crate::services::invoicing::interrupt_stale_runs(st.as_ref(), chrono::Utc::now()).await
    {
        tracing::warn!(error = %e, "checking for interrupted invoicing runs");
    }
    // Every instance runs the schedule; the (job, period) claim makes each run happen once.
    let _scheduler = if opts.jobs {
        Some(
            crate::jobs::start_scheduler(st.clone(), &opts.schedules)
                .await
                .context("starting the job scheduler")?,
        )
    } else {
        None
    };
    let net = crate::net::NetConfig {
        trusted_proxies: opts.trusted_proxies.clone(),
        tls: opts.tls.is_some(),
        certificate_sha256: opts.certificate_sha256.clone(),
    };
    let app =
        router(AppState::with_net(st, net)).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    let timeout = opts.header_read_timeout;
    match &opts.tls {
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "loading TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            let mut server = axum_server::tls_rustls::from_tcp_rustls(listener, config)
                .context("serving HTTPS")?
                .handle(handle);
            server
                .http_builder()
                .http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(timeout);
            tracing::info!(%addr, "serving HTTPS");
            server.serve(app).await.context("serving HTTPS")?;
        }
        None => {
            let mut server = axum_server::from_tcp(listener)
                .context("serving HTTP")?
                .handle(handle);
            server
                .http_builder()
                .http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(timeout);
            tracing::info!(%addr, "serving HTTP");
            server.serve(app).await.context("serving HTTP")?;
        }
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

async fn collections_command(command: CollectionsCommand) -> Result<()> {
    use crate::services::collections as col;
    let now = chrono::Utc::now();
    match command {
        CollectionsCommand::ImportStatement { db, file } => {
            let st = open(&db.database).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let out = col::import_statement(st.as_ref(), &name, &bytes, "command line", now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if out.already_imported {
                println!("{name} was imported before: nothing changed");
            } else {
                println!(
                    "{name}: {} lines ({} new), {} matched, {} to match by hand on /dashboard/collections",
                    out.statement.line_count, out.statement.new_lines, out.matched, out.unmatched
                );
            }
            Ok(())
        }
        CollectionsCommand::Aging { db, as_of } => {
            let st = open(&db.database).await?;
            let day = as_of.unwrap_or_else(|| crate::storage::sql::business_day(now));
            let a = col::aging(st.as_ref(), day)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("franchisee_id,not_due,days_1_30,days_31_60,days_61_90,over_90,total");
            for r in &a.rows {
                let b = &r.buckets;
                println!(
                    "{},{},{},{},{},{},{}",
                    r.franchisee_id, b[0], b[1], b[2], b[3], b[4], r.total
                );
            }
            let b = &a.totals;
            println!(
                "total,{},{},{},{},{},{}",
                b[0], b[1], b[2], b[3], b[4], a.total
            );
            eprintln!(
                "DSO ({} days): {}",
                col::DSO_DAYS,
                a.dso_days.map_or("-".to_string(), |d| d.to_string())
            );
            Ok(())
        }
        CollectionsCommand::Remittance {
            db,
            collection_date,
            out,
        } => {
            let st = open(&db.database).await?;
            let r = col::create_remittance(st.as_ref(), collection_date, "command line", now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (_, xml) = st
                .sepa()
                .remittance_file(r.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, xml).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{}: {} debits, {} on {} written to {}",
                r.message_id,
                r.debit_count,
                r.control_sum,
                r.collection_date,
                out.display()
            );
            Ok(())
        }
        CollectionsCommand::Returns { db, file } => {
            let st = open(&db.database).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let o = col::process_returns(st.as_ref(), &bytes, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for (n, why) in &o.reopened {
                println!("{n} open again: {why}");
            }
            println!(
                "{} reopened, {} seen before, {} unknown",
                o.reopened.len(),
                o.already,
                o.unknown.len()
            );
            Ok(())
        }
    }
}
