//! `claimdesk-server`: run the reference claims service and manage its devices.
//!
//! Exit codes: 0 success; 1 the request was refused (device exists, unknown device);
//! 2 the command could not run (bad folder, port in use, store error).

use claimdesk_model::wire::ServiceStatus;
use claimdesk_server::backend::{Backend, OpenError, StoreArgs};
use claimdesk_server::office::accounts::{self, AccountError};
use claimdesk_server::office::Role;
use claimdesk_server::review::{Decision, ReviewError};
use claimdesk_server::storage::{Received, StorageError};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

/// ClaimDesk's reference claims service.
#[derive(Parser)]
#[command(name = "claimdesk-server", version)]
struct Cli {
    /// How log lines look on standard error: `text` for a terminal, `json` (one object per
    /// line) for a log collector.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CLAIMDESK_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Receive claims over HTTP; prints the address once it listens.
    Serve {
        /// Address to listen on (`127.0.0.1:0` picks a free port).
        #[arg(long, default_value = "127.0.0.1:8787", env = "CLAIMDESK_LISTEN")]
        listen: SocketAddr,
        /// Requests one device may make per minute (0: no limit); beyond: 429 + Retry-After.
        /// A device back online sends its backlog at up to this pace.
        #[arg(long, default_value_t = 600, env = "CLAIMDESK_RATE_LIMIT")]
        rate_limit: u32,
        /// Requests answered at once; more wait their turn.
        #[arg(long, default_value_t = 64, env = "CLAIMDESK_CONCURRENCY")]
        concurrency: usize,
        /// Seconds a client has to send its request headers.
        #[arg(long, default_value_t = 10, env = "CLAIMDESK_HEADER_TIMEOUT")]
        header_timeout: u64,
        /// Seconds an upload's body may go without sending anything.
        #[arg(long, default_value_t = 60, env = "CLAIMDESK_BODY_TIMEOUT")]
        body_timeout: u64,
        /// Orphan blobs younger than this are kept by the hourly sweep.
        #[arg(long, default_value = "24h", value_parser = parse_grace, env = "CLAIMDESK_ORPHAN_GRACE")]
        orphan_grace: std::time::Duration,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Register or revoke devices.
    Device {
        #[command(subcommand)]
        action: DeviceAction,
    },
    /// Remove attachment blobs no claim names (left by uploads that failed half-way) that are
    /// older than the grace period; prints how many. `serve` does this every hour.
    Sweep {
        /// Blobs younger than this are kept (uploads may still be under way).
        #[arg(long, default_value = "24h", value_parser = parse_grace)]
        older_than: std::time::Duration,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Record the office's decision on a claim, as the office page does: its new status and
    /// a note for the counter that sent it (which gets both at its next sync).
    Review {
        /// The claim: its id, case reference (CD-…) or claim number.
        claim: String,
        /// The new status: in_review, approved, rejected, more_info_needed,
        /// replacement_shipped or closed.
        #[arg(long, value_parser = parse_status)]
        status: ServiceStatus,
        /// What the counter is told, e.g. "a photo of the serial label".
        #[arg(long, default_value = "")]
        note: String,
        /// The carrier's tracking number (needed for replacement_shipped).
        #[arg(long)]
        tracking: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The audit log: every office decision and action, who, when and from where.
    Audit {
        /// Only the lines about this claim (its id).
        #[arg(long)]
        claim: Option<claimdesk_model::ClaimId>,
        #[command(flatten)]
        store: StoreArgs,
        /// json or csv.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Office staff: who may sign in at /office.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Read-only API tokens for the retailer's systems (GET /v1/office/…).
    ApiToken {
        #[command(subcommand)]
        action: ApiTokenAction,
    },
    /// Every received claim with its case reference and attachment hashes.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// json or csv.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum DeviceAction {
    /// Register a device; prints its token on standard output (and nothing else there).
    Add {
        /// A name for the device, e.g. `counter-1`.
        name: String,
        /// The fleet it belongs to (e.g. a retailer's name): its counters find each other's
        /// claims from a receipt (status only).
        #[arg(long)]
        fleet: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Give a device a new token (printed on standard output, and nothing else there); the
    /// old one keeps working for the grace period, so the device can be switched over.
    Rotate {
        /// The device's name.
        name: String,
        /// How long the old token keeps working: `0`, `30m`, `24h`, `7d` …
        #[arg(long, default_value = "24h", value_parser = parse_grace)]
        grace: std::time::Duration,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every device: name, registered, last seen, revoked.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a device's token: its next request gets 401.
    Revoke {
        /// The device's name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add an office user. The password is read from standard input (one line); from a
    /// terminal, a strong one is made up and printed once instead.
    Add {
        /// The user's name (letters, digits, dots, dashes, underscores).
        name: String,
        /// reviewer (find, inspect, decide claims) or admin (also devices and users).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every user: name, role, since, state.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable a user and end their sessions.
    Disable {
        /// The user's name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum ApiTokenAction {
    /// Make a read-only API token; prints it on standard output (and nothing else there).
    Add {
        /// What it is for, e.g. `erp`.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke the API tokens with this name.
    Revoke {
        /// The name given when it was made.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Csv,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("no device named “{0}” is registered")]
    UnknownDevice(String),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("no API token is named “{0}”")]
    UnknownToken(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to standard error (standard output carries the token and the address).
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false);
    match cli.log_format {
        LogFormat::Json => logs.json().with_current_span(false).init(),
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("claimdesk-server: {e}");
            let refused = match &e {
                CliError::UnknownDevice(_)
                | CliError::Storage(StorageError::DeviceExists(_))
                | CliError::Storage(StorageError::NameRetired(_)) => true,
                CliError::Review(r) => !matches!(r, ReviewError::Storage(_)),
                CliError::Account(a) => !matches!(a, AccountError::Storage(_)),
                CliError::UnknownToken(_) => true,
                _ => false,
            };
            ExitCode::from(if refused { 1 } else { 2 })
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                listen,
                store,
                rate_limit,
                concurrency,
                header_timeout,
                body_timeout,
                orphan_grace,
            } => {
                let limits = claimdesk_server::Limits {
                    header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
                    body_idle_timeout: std::time::Duration::from_secs(body_timeout.max(1)),
                    concurrency,
                    per_device_per_minute: rate_limit,
                    ..Default::default()
                };
                serve(listen, store.open().await?, limits, orphan_grace).await
            }
            Command::Device { action } => match action {
                DeviceAction::Add { name, fleet, store } => {
                    let backend = store.open().await?;
                    let token = backend.add_device(&name).await?;
                    if let Some(fleet) = fleet.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
                        claimdesk_server::lookup::set_fleet(&backend, &name, Some(fleet)).await?;
                    }
                    println!("{token}");
                    Ok(())
                }
                DeviceAction::Rotate { name, grace, store } => {
                    match store.open().await?.rotate_device(&name, grace).await? {
                        Some(token) => {
                            println!("{token}");
                            Ok(())
                        }
                        None => Err(CliError::UnknownDevice(name)),
                    }
                }
                DeviceAction::List { store } => {
                    let devices = store.open().await?.devices().await?;
                    let stdout = std::io::stdout();
                    let mut out = stdout.lock();
                    for d in devices {
                        writeln!(
                            out,
                            "{}\tregistered {}\tlast seen {}\t{}",
                            d.name,
                            d.created_at,
                            d.last_seen_at.as_deref().unwrap_or("never"),
                            d.revoked_at
                                .map(|at| format!("revoked {at}"))
                                .unwrap_or_else(|| "live".to_owned())
                        )?;
                    }
                    Ok(())
                }
                DeviceAction::Revoke { name, store } => {
                    if store.open().await?.revoke_device(&name).await? {
                        eprintln!("revoked {name}");
                        Ok(())
                    } else {
                        Err(CliError::UnknownDevice(name))
                    }
                }
            },
            Command::Sweep { older_than, store } => {
                let removed = store.open().await?.sweep(older_than).await?;
                println!("removed {removed} orphan blobs");
                Ok(())
            }
            Command::Review {
                claim,
                status,
                note,
                tracking,
                store,
            } => {
                let decision = Decision {
                    status,
                    note,
                    tracking,
                    actor: claimdesk_server::review::cli_actor(),
                    address: "local".to_owned(),
                };
                let done = store.open().await?.review(&claim, decision).await?;
                println!(
                    "{}\t{} → {}\tchange {} for {}",
                    done.case_reference, done.from, done.to, done.seq, done.device
                );
                Ok(())
            }
            Command::Audit {
                claim,
                store,
                format,
            } => {
                let lines = store.open().await?.audit_log(claim).await?;
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                match format {
                    Format::Json => {
                        serde_json::to_writer_pretty(&mut out, &lines)
                            .map_err(std::io::Error::from)?;
                        writeln!(out)?;
                    }
                    Format::Csv => {
                        let mut w = csv::Writer::from_writer(&mut out);
                        w.write_record(["at", "actor", "address", "action", "claim_id", "detail"])?;
                        for l in &lines {
                            let row = [
                                &l.at,
                                &l.actor,
                                &l.address,
                                &l.action,
                                l.claim_id.as_deref().unwrap_or(""),
                                &l.detail,
                            ];
                            w.write_record(row.iter().map(|c| {
                                claimdesk_model::spreadsheet::neutralise(c).into_owned()
                            }))?;
                        }
                        w.flush()?;
                    }
                }
                Ok(())
            }
            Command::User { action } => match action {
                UserAction::Add { name, role, store } => {
                    let backend = store.open().await?;
                    let (password, made_up) = if std::io::IsTerminal::is_terminal(&std::io::stdin())
                    {
                        (accounts::random_hex(12)?, true)
                    } else {
                        let mut line = String::new();
                        std::io::stdin().read_line(&mut line)?;
                        (line.trim_end_matches(['\n', '\r']).to_owned(), false)
                    };
                    accounts::add_user(&backend, &name, role, &password).await?;
                    backend
                        .audit(claimdesk_server::review::AuditEntry {
                            at: claimdesk_model::now_timestamp(),
                            actor: claimdesk_server::review::cli_actor(),
                            address: "local".to_owned(),
                            action: "user.add".to_owned(),
                            claim_id: None,
                            detail: format!("{name} ({role})"),
                        })
                        .await?;
                    if made_up {
                        println!("{password}");
                        eprintln!("added {name} ({role}); the password above is shown once");
                    } else {
                        eprintln!("added {name} ({role})");
                    }
                    Ok(())
                }
                UserAction::List { store } => {
                    let users = accounts::users(&store.open().await?).await?;
                    let stdout = std::io::stdout();
                    let mut out = stdout.lock();
                    for u in users {
                        let state = match (&u.disabled_at, &u.locked_until) {
                            (Some(at), _) => format!("disabled {at}"),
                            (None, Some(until)) => format!("locked until {until}"),
                            (None, None) => "active".to_owned(),
                        };
                        writeln!(
                            out,
                            "{}\t{}\tsince {}\t{state}",
                            u.name, u.role, u.created_at
                        )?;
                    }
                    Ok(())
                }
                UserAction::Disable { name, store } => {
                    accounts::disable_user(&store.open().await?, &name).await?;
                    eprintln!("disabled {name}");
                    Ok(())
                }
            },
            Command::ApiToken { action } => match action {
                ApiTokenAction::Add { name, store } => {
                    let token = accounts::add_api_token(&store.open().await?, &name).await?;
                    println!("{token}");
                    Ok(())
                }
                ApiTokenAction::Revoke { name, store } => {
                    if accounts::revoke_api_token(&store.open().await?, &name).await? {
                        eprintln!("revoked {name}");
                        Ok(())
                    } else {
                        Err(CliError::UnknownToken(name))
                    }
                }
            },
            Command::Export { store, format } => {
                let claims = store.open().await?.export().await?;
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                match format {
                    Format::Json => {
                        serde_json::to_writer_pretty(&mut out, &claims)
                            .map_err(std::io::Error::from)?;
                        writeln!(out)?;
                    }
                    Format::Csv => write_csv(&claims, &mut out)?,
                }
                Ok(())
            }
        }
    })
}

async fn serve(
    listen: SocketAddr,
    backend: Backend,
    limits: claimdesk_server::Limits,
    orphan_grace: std::time::Duration,
) -> Result<(), CliError> {
    let hourly = std::time::Duration::from_secs(3600);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
            match term.as_mut() {
                Ok(term) => {
                    tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
                }
                Err(_) => {
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    match backend {
        Backend::Sqlite(s) => {
            tokio::spawn(claimdesk_server::sweep_every(
                s.clone(),
                hourly,
                orphan_grace,
            ));
            claimdesk_server::serve_with(listener, s, shutdown, limits).await?
        }
        Backend::Postgres(p) => {
            tokio::spawn(claimdesk_server::sweep_every(
                p.clone(),
                hourly,
                orphan_grace,
            ));
            claimdesk_server::serve_with(listener, p, shutdown, limits).await?
        }
    }
    Ok(())
}

/// A grace period as `0`, `90s`, `30m`, `24h` or `7d`.
fn parse_grace(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("“{text}” is not a duration: use 0, 90s, 30m, 24h or 7d"))?;
    let secs = match unit {
        "" if n == 0 => 0,
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "“{text}” is not a duration: use 0, 90s, 30m, 24h or 7d"
            ))
        }
    };
    Ok(std::time::Duration::from_secs(secs))
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Role::names().collect();
        format!("“{text}” is not a role; use one of {}", names.join(", "))
    })
}

fn parse_status(text: &str) -> Result<ServiceStatus, String> {
    ServiceStatus::parse(text).ok_or_else(|| {
        let names: Vec<&str> = ServiceStatus::names().collect();
        format!("“{text}” is not a status; use one of {}", names.join(", "))
    })
}

fn write_csv(claims: &[Received], out: &mut impl Write) -> Result<(), CliError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["case_reference", "id", "received_at", "device"];
    header.extend(claimdesk_model::ClaimFields::NAMES);
    header.extend([
        "attachments",
        "claim_number",
        "supersedes",
        "superseded_by",
        "status",
        "status_note",
        "tracking",
        "updated_at",
    ]);
    w.write_record(&header)?;
    for c in claims {
        let mut row = vec![
            c.case_reference.clone(),
            c.claim.id.to_string(),
            c.received_at.clone(),
            c.device.clone(),
        ];
        row.extend(c.claim.fields.values().iter().map(|v| (*v).to_owned()));
        let hashes: Vec<&str> = c
            .claim
            .attachments
            .iter()
            .map(|a| a.sha256.as_str())
            .collect();
        row.push(hashes.join(" "));
        let id = |i: Option<claimdesk_model::ClaimId>| i.map(|i| i.to_string()).unwrap_or_default();
        row.extend([
            c.claim_number.clone(),
            id(c.claim.supersedes),
            id(c.superseded_by),
            c.status.clone(),
            c.status_note.clone(),
            c.tracking.clone().unwrap_or_default(),
            c.updated_at.clone(),
        ]);
        // Formula-like cells as text (OWASP CSV injection), as the app's export does.
        w.write_record(
            row.iter()
                .map(|c| claimdesk_model::spreadsheet::neutralise(c).into_owned()),
        )?;
    }
    w.flush()?;
    Ok(())
}
