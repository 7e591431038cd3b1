//! Free space on the data folder's disk: the form warns before a claim is started when it runs
//! low, long before a save fails for want of it (a failed save says so and keeps the form).

use serde::Serialize;
use std::path::Path;

/// Below this much free space the form warns: about 2,500 claims with their photos.
pub const LOW_DISK_BYTES: u64 = 500 * 1024 * 1024;

/// Environment variable that overrides [`LOW_DISK_BYTES`] (tests make any disk "low").
pub const LOW_DISK_ENV: &str = "CLAIMDESK_LOW_DISK_BYTES";

/// The data folder's disk at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DiskSpace {
    /// Bytes this user can still write.
    pub free_bytes: u64,
    /// Whether that is below the warning threshold.
    pub low: bool,
}

/// The free space where `dir` lives; `None` if the OS cannot say.
pub fn space(dir: &Path) -> Option<DiskSpace> {
    let free_bytes = fs4::available_space(dir).ok()?;
    let threshold = std::env::var(LOW_DISK_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(LOW_DISK_BYTES);
    Some(DiskSpace {
        free_bytes,
        low: free_bytes < threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_folder_has_some_free_space() {
        let dir = tempfile::tempdir().expect("tmp");
        let s = space(dir.path()).expect("the OS says");
        assert!(s.free_bytes > 0);
        assert!(space(&dir.path().join("missing")).is_none());
    }
}
