//! The app's log: one file a day in the OS log folder, the last 7 kept. It says what happened
//! to which claim id, which connection state, which error code — never what a customer typed,
//! nor a token (the crates log ids and codes only; `tests/e2e.rs` greps a whole run's log for
//! the customer's details).

use std::path::Path;
use tracing_appender::rolling::{RollingFileAppender, Rotation};

/// File names are `claimdesk.YYYY-MM-DD.log`.
pub const PREFIX: &str = "claimdesk";

/// Starts logging to `dir`; the app runs on without a log if the folder cannot be used.
pub fn init(dir: &Path) {
    // The appender prunes old files as it starts, so the folder must exist first.
    let _ = std::fs::create_dir_all(dir);
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir);
    let Ok(appender) = appender else {
        eprintln!("ClaimDesk cannot write its log in {}", dir.display());
        return;
    };
    // Written as each line comes (no buffer a kill could lose); a few lines a minute.
    let _ = tracing_subscriber::fmt()
        .with_writer(appender)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Where, not what: a panic's message can quote the text it choked on (a customer's).
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(at, "panic");
        default(info);
    }));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "ClaimDesk started");
}

/// The last `n` warnings and errors in the newest log file, oldest first.
pub fn recent_problems(dir: &Path, n: usize) -> Vec<String> {
    let newest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        .max_by_key(|e| e.file_name());
    let Some(text) = newest.and_then(|e| std::fs::read_to_string(e.path()).ok()) else {
        return Vec::new();
    };
    let problems: Vec<String> = text
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .map(str::to_owned)
        .collect();
    problems[problems.len().saturating_sub(n)..].to_vec()
}
