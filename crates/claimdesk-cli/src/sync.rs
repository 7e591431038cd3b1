//! `claimdesk-cli sync`: the app's sync engine, headless.

use crate::CliError;
use claimdesk_store::Store;
use claimdesk_sync::{Backoff, Engine, SyncError, SyncEvent, SyncSettings};
use std::io::Write;
use std::sync::Arc;

/// What `sync --once` ended with, as an exit status.
pub enum Finished {
    /// Nothing is left to send.
    AllSent,
    /// The rest was sent; these claims were refused and need fixing in the app.
    NeedsAttention(u64),
    /// Sending stopped: the connection or the service (try again later), or the settings.
    Stopped(SyncError),
}

/// Server and token: the flags, else the stored settings, else the environment.
pub fn engine(
    store: Store,
    server: Option<String>,
    token: Option<String>,
    verbose: bool,
) -> Engine {
    let observer = Arc::new(move |event: SyncEvent| {
        if !verbose {
            return;
        }
        match event {
            SyncEvent::Claim {
                id,
                status,
                case_reference,
            } => println!("{status} {id} {}", case_reference.unwrap_or_default()),
            SyncEvent::Status(s) => {
                if let Some(p) = s.problem {
                    eprintln!("{}: {}", p.code, p.message);
                }
            }
            SyncEvent::Reviewed { id, status } => println!("reviewed {id} {status}"),
            SyncEvent::Answer { claim_id, status } => println!("answer {status} {claim_id}"),
            SyncEvent::Progress { .. } => {}
        }
    });
    let engine = Engine::new(store, SyncSettings::from_env(), observer);
    match server {
        Some(server_url) => engine.with_settings(SyncSettings {
            server_url,
            device_token: token.unwrap_or_default(),
            auto_send: true,
        }),
        None => engine,
    }
}

/// One pass: sends what is queued, prints a line per claim.
pub fn once(mut engine: Engine, out: &mut impl Write) -> Result<Finished, CliError> {
    let runtime = runtime()?;
    let report = runtime.block_on(engine.pass())?;
    for r in &report.sent {
        writeln!(out, "sent {} {}", r.id, r.case_reference)?;
    }
    for (id, problem) in &report.rejected {
        writeln!(
            out,
            "needs_attention {id} {}: {}",
            problem.code, problem.message
        )?;
    }
    for a in &report.answered {
        writeln!(out, "answered {} {}", a.claim_id, a.id)?;
    }
    for (claim, problem) in &report.answers_refused {
        writeln!(
            out,
            "answer_needs_attention {claim} {}: {}",
            problem.code, problem.message
        )?;
    }
    for a in &report.reviewed {
        writeln!(out, "reviewed {} {}", a.id, a.status)?;
    }
    let summary = engine.store().outbox_summary()?;
    // Claims and the clerk's answers to the office alike.
    let (answers_pending, answers_refused) = engine.store().additions_waiting()?;
    let pending = summary.pending + answers_pending;
    let refused = summary.needs_attention + answers_refused;
    if let Some(e) = report.stopped {
        if pending > 0 {
            return Ok(Finished::Stopped(e));
        }
        // Nothing was waiting, so nothing is left to send; still say what is wrong.
        writeln!(out, "note: {}", e.problem().message)?;
    }
    Ok(if refused > 0 {
        Finished::NeedsAttention(refused)
    } else {
        Finished::AllSent
    })
}

/// Runs until killed, sending whenever there is something queued and a connection.
pub fn forever(engine: Engine) -> Result<(), CliError> {
    let runtime = runtime()?;
    let (_wake, rx) = tokio::sync::mpsc::unbounded_channel();
    runtime.block_on(engine.run(Backoff::default(), rx));
    Ok(())
}

/// A single-threaded runtime for the CLI's network work.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
