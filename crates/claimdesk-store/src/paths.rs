//! Where ClaimDesk keeps its data on this computer.

use std::path::PathBuf;

/// Environment variable that overrides the data directory (tests, kiosks, portable installs).
pub const DATA_DIR_ENV: &str = "CLAIMDESK_DATA_DIR";

/// The application identifier; also the folder name under the OS data directory.
pub const APP_IDENTIFIER: &str = "com.claimdesk.app";

/// Environment variable that overrides where the app writes its log.
pub const LOG_DIR_ENV: &str = "CLAIMDESK_LOG_DIR";

/// The SQLite file inside the data directory.
pub const DATABASE_FILE: &str = "claimdesk.sqlite3";

/// The data directory: an explicit choice wins, then `CLAIMDESK_DATA_DIR`, then the OS
/// app-data directory (`~/.local/share/com.claimdesk.app` on Linux). Development builds of
/// the app pass `dev = true` and get a `dev/` subfolder, so trying things out never touches
/// the claims a real build keeps.
pub fn data_dir(explicit: Option<PathBuf>, dev: bool) -> PathBuf {
    if let Some(dir) = explicit {
        return dir;
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_IDENTIFIER);
    if dev {
        base.join("dev")
    } else {
        base
    }
}

/// Where the app writes its log: `CLAIMDESK_LOG_DIR`, else the OS's folder for such files
/// (`~/.local/state/com.claimdesk.app/logs` on Linux, the local app-data folder elsewhere),
/// with the same `dev/` subfolder rule as [`data_dir`].
pub fn log_dir(dev: bool) -> PathBuf {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_IDENTIFIER);
    let base = if dev { base.join("dev") } else { base };
    base.join("logs")
}

/// Who is using this computer, as the OS says (`$USER`, `$USERNAME` on Windows): recorded
/// with a withdrawal.
pub fn current_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// This computer's name (for receipts when no shop name is set).
pub fn computer_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "ClaimDesk".to_owned())
}
