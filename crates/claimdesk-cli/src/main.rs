//! `claimdesk-cli`: the back-office command line over ClaimDesk's local store.
//!
//! Exit codes: 0 success; 1 an import skipped rows that failed validation (the good rows
//! were imported), or `sync` left claims that the service refused (fix them in the app);
//! 2 the command could not run (unreadable file, store error, bad id); 3 `sync` could not
//! finish now (offline, service busy, network login page) — it will work later; 4 `sync` is
//! not set up or the service refused this device's token.

mod import;
mod photo;
mod sync;

use claimdesk_model::ClaimId;
use claimdesk_model::{catalogue, ErrorCode};
use claimdesk_store::records::{self, Format};
use claimdesk_store::{paths, perms, Store, StoreError, Vault};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// ClaimDesk's command line: list, show, export and import claims in the local store.
#[derive(Parser)]
#[command(name = "claimdesk-cli", version)]
struct Cli {
    /// The data folder (default: $CLAIMDESK_DATA_DIR, else the app's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log what happens to standard error (-v: each claim sent or refused; -vv: every step).
    /// Logs name claims by id, never by what the customer gave.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One line per claim: id, status, case reference, the office's review status, created,
    /// customer, product.
    List,
    /// Send queued claims to the claims service (the app's engine, headless).
    Sync {
        /// One pass, then exit: 0 when nothing is left to send, non-zero with the reason.
        #[arg(long)]
        once: bool,
        /// The service's address (default: the app's Settings, else $CLAIMDESK_SERVER_URL).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// This device's token (with --server; default: $CLAIMDESK_DEVICE_TOKEN).
        #[arg(long, value_name = "TOKEN", requires = "server")]
        token: Option<String>,
    },
    /// Every field of one claim, and the office's review (status, note, tracking), as JSON.
    Show {
        /// The claim id (a UUID).
        id: String,
    },
    /// Every claim, as JSON or CSV (see README, "Export format").
    Export {
        /// json or csv.
        #[arg(long, value_enum, default_value_t = FormatArg::Json)]
        format: FormatArg,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Normalise one photo or PDF exactly as the app does (for batch use and benchmarks).
    Photo {
        /// The input file (JPEG, PNG, WebP, HEIC or PDF; detected by content).
        input: PathBuf,
        /// Where to write the result.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Longest edge in pixels.
        #[arg(long, default_value_t = 1600)]
        max_edge: u32,
        /// JPEG quality, 1–100.
        #[arg(long, default_value_t = 82, value_parser = clap::value_parser!(u8).range(1..=100))]
        quality: u8,
        /// Also write the 256 px thumbnail here.
        #[arg(long, value_name = "FILE")]
        thumb: Option<PathBuf>,
    },
    /// Withdraw a claim (draft, queued or needing attention): it is never sent, stays listed
    /// as withdrawn with who and when, and its attachments are deleted.
    Withdraw {
        /// The claim id (a UUID).
        id: String,
    },
    /// Write the customer's receipt for a claim as a PDF (what the app prints).
    Receipt {
        /// The claim id (a UUID).
        id: String,
        /// The PDF file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// a4, or 80mm for a thermal receipt printer.
        #[arg(long, default_value = "a4", value_parser = clap::value_parser!(PaperArg))]
        paper: PaperArg,
    },
    /// Apply the retention settings now, as the app does at start and daily: sent claims
    /// past their time lose their photos, then their personal data (a tombstone keeps the
    /// case reference). Unsent claims are never touched.
    Purge {
        /// Only say what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import claims from an export file (.json or .csv) as `ready`; ids already stored are
    /// left untouched, so importing a file twice changes nothing.
    Import {
        /// The file; its format comes from its extension.
        file: PathBuf,
        /// Print `saved <id>` as each claim is committed.
        #[arg(long)]
        progress: bool,
    },
}

/// The paper of `receipt`.
#[derive(Clone, Copy, ValueEnum)]
enum PaperArg {
    /// An A4 sheet.
    A4,
    /// An 80 mm thermal roll.
    #[value(name = "80mm")]
    Roll80,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Csv,
    /// The claims not yet sent with their attachments' bytes, to import on another device.
    Bundle,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json | FormatArg::Bundle => Format::Json,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The store could not be opened or used.
    #[error("{} ({})", catalogue::message(.0.code(), None, &.0.params()), .0)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Writing to standard output failed.
    #[error("could not write output: {0}")]
    Output(#[from] std::io::Error),
    /// The file is not an export.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: records::FileError,
    },
    /// The argument is not a claim id.
    #[error("{0}")]
    BadId(#[from] claimdesk_model::claim::BadClaimId),
    /// No claim has this id.
    #[error("{}", catalogue::text("cli.not_found", &[("id".into(), .0.to_string())]))]
    NotFound(ClaimId),
    /// The file's extension says neither JSON nor CSV.
    #[error("{}", catalogue::text("cli.unknown_format", &[("path".into(), .0.display().to_string())]))]
    UnknownFormat(PathBuf),
    /// The photo cannot be used.
    #[error("{path}: {source}")]
    Photo {
        /// The input.
        path: PathBuf,
        /// Why.
        source: claimdesk_photos::PhotoError,
    },
    /// Some rows were rejected (the rest were imported).
    #[error("{}", catalogue::plural("cli.rows_rejected", *.0 as u64, &[]))]
    RowsRejected(usize),
    /// The service refused some claims (the rest were sent).
    #[error("{}", catalogue::plural("cli.needs_attention", *.0, &[]))]
    NeedsAttention(u64),
    /// Sending stopped before the queue was empty.
    #[error("{} ({})", .0.problem().message, .0)]
    SyncStopped(claimdesk_sync::SyncError),
    /// A queued claim could not be checked with the service before withdrawing it.
    #[error("{0}")]
    Withdraw(#[from] claimdesk_sync::EditError),
    /// The receipt could not be made.
    #[error("{}", catalogue::message(.0.code(), None, &.0.params()))]
    Receipt(#[from] claimdesk_receipt::ReceiptError),
    /// Another process sends from this data folder.
    #[error("{}", catalogue::message(ErrorCode::SyncAlreadyRunning, None, &[]))]
    AlreadySending,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Messages (a refused row's, a receipt's) in the language the environment asks for.
    claimdesk_model::locale::set_language(claimdesk_model::locale::from_env());
    if cli.verbose > 0 {
        let level = if cli.verbose > 1 {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_max_level(level)
            .with_target(false)
            .init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("claimdesk-cli: {e}");
            ExitCode::from(match &e {
                CliError::RowsRejected(_) | CliError::NeedsAttention(_) => 1,
                CliError::SyncStopped(s) if s.needs_settings() => 4,
                CliError::SyncStopped(_) => 3,
                _ => 2,
            })
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    // The photo pipeline needs no store.
    if let Command::Photo {
        input,
        output,
        max_edge,
        quality,
        thumb,
    } = &cli.command
    {
        let options = claimdesk_photos::Options {
            max_edge: *max_edge,
            quality: *quality,
            ..Default::default()
        };
        return photo::run(input, output, thumb.as_deref(), &options);
    }
    let dir = paths::data_dir(cli.data_dir, false);
    let mut store = Store::open_dir(&dir, &Vault::for_data_dir(&dir))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::List => {
            for c in store.list()? {
                writeln!(
                    out,
                    "{}  {:<15}  {:<12}  {:<19}  {}  {}  {}",
                    c.id,
                    c.status.as_str(),
                    c.case_reference.as_deref().unwrap_or("-"),
                    c.review.as_ref().map_or("-", |r| r.status.as_str()),
                    c.created_at,
                    one_line(&c.contact_name),
                    one_line(&c.product_name)
                )?;
            }
        }
        Command::Withdraw { id } => {
            let id: ClaimId = id.parse()?;
            let store = std::sync::Mutex::new(store);
            let fallback = claimdesk_sync::SyncSettings::from_env();
            let by = paths::current_user();
            let done = sync::runtime()?.block_on(claimdesk_sync::withdraw(
                &store,
                fallback.as_ref(),
                id,
                &by,
            ))?;
            match done {
                claimdesk_sync::Withdrawal::Withdrawn(row) => {
                    writeln!(out, "withdrawn {} {}", row.id, row.claim_number)?;
                }
                claimdesk_sync::Withdrawal::AlreadySent(receipt) => {
                    writeln!(
                        out,
                        "not withdrawn: the claims service already has {id} (case {})",
                        receipt.case_reference
                    )?;
                }
            }
            return Ok(());
        }
        Command::Receipt { id, output, paper } => {
            let id: ClaimId = id.parse()?;
            let paper = match paper {
                PaperArg::A4 => claimdesk_receipt::Paper::A4,
                PaperArg::Roll80 => claimdesk_receipt::Paper::Roll80,
            };
            let pdf = claimdesk_receipt::Receipt::of(&store, id)
                .and_then(|r| claimdesk_receipt::render(&r, paper))?;
            let mut file = perms::private_file(&output).map_err(|source| CliError::Io {
                path: output.clone(),
                source,
            })?;
            file.write_all(&pdf)
                .and_then(|()| file.sync_all())
                .map_err(|source| CliError::Io {
                    path: output.clone(),
                    source,
                })?;
            writeln!(out, "receipt {} {}", id, output.display())?;
        }
        Command::Purge { dry_run } => {
            let r = store.retention()?;
            let report = store.purge(chrono::Utc::now(), dry_run)?;
            let verb = if dry_run { "would remove" } else { "removed" };
            writeln!(
                out,
                "{verb} {} photos and the personal data of {} sent claims (photos kept {} days, personal data {} days){}",
                report.photos,
                report.claims,
                r.photo_days,
                r.personal_days,
                if dry_run {
                    String::new()
                } else {
                    format!("; {} bytes freed", report.bytes_freed)
                }
            )?;
        }
        Command::Show { id } => {
            let id: ClaimId = id.parse()?;
            let claim = store.get(id)?.ok_or(CliError::NotFound(id))?;
            // The fields, and what the office decided (status, note, tracking) once known.
            #[derive(serde::Serialize)]
            struct Shown<'a> {
                #[serde(flatten)]
                claim: &'a claimdesk_model::Claim,
                review: Option<claimdesk_model::claim::Review>,
            }
            let review = store.summary(id)?.and_then(|s| s.review);
            let shown = Shown {
                claim: &claim,
                review,
            };
            serde_json::to_writer_pretty(&mut out, &shown).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Command::Export { format, output } => {
            let claims = match format {
                FormatArg::Bundle => Vec::new(),
                _ => store.export_all()?,
            };
            let bundle = match format {
                FormatArg::Bundle => Some(store.bundle()?),
                _ => None,
            };
            let write = |w: &mut dyn Write| -> Result<(), records::FileError> {
                let mut w = std::io::BufWriter::new(w);
                match (format, &bundle) {
                    (FormatArg::Bundle, Some(b)) => {
                        serde_json::to_writer(&mut w, b).map_err(std::io::Error::from)?;
                        w.flush()?;
                        Ok(())
                    }
                    (FormatArg::Csv, _) => records::write_csv(&claims, &mut w),
                    _ => records::write_json(&claims, &mut w),
                }
            };
            match output {
                Some(path) => {
                    let mut file = perms::private_file(&path).map_err(|source| CliError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    write(&mut file).map_err(|source| CliError::File { path, source })?;
                }
                None => write(&mut out).map_err(|source| CliError::File {
                    path: "<stdout>".into(),
                    source,
                })?,
            }
        }
        Command::Import { file, progress } => {
            import::run(&mut store, &file, progress, &mut out)?;
        }
        Command::Sync {
            once,
            server,
            token,
        } => {
            let engine = sync::engine(store, server, token, !once);
            // One engine per data folder: refuse while the app (or another sync) sends.
            let lock = engine.take_sending_lock().map_err(|source| CliError::Io {
                path: engine.store().path().to_owned(),
                source,
            })?;
            if lock.is_none() {
                return Err(CliError::AlreadySending);
            }
            if !once {
                // The loop takes the lock itself, for as long as it runs.
                drop(lock);
                return sync::forever(engine);
            }
            match sync::once(engine, &mut out)? {
                sync::Finished::AllSent => {}
                sync::Finished::NeedsAttention(n) => return Err(CliError::NeedsAttention(n)),
                sync::Finished::Stopped(e) => return Err(CliError::SyncStopped(e)),
            }
        }
        Command::Photo { .. } => unreachable!("handled before the store is opened"),
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
