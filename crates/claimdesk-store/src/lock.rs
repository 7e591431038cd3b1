//! Exclusive locks on a data folder, held for as long as a process needs them. The OS releases
//! them when the process exits or is killed, so a crash never leaves a folder locked.
//!
//! - [`APP`]: one ClaimDesk window per data folder (two would restore and autosave the same
//!   draft, the last writer winning).
//! - [`SENDING`]: one sync engine per data folder (the app's, or `claimdesk-cli sync`).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock a ClaimDesk window holds on its data folder.
pub const APP: &str = "app";
/// The lock a sync engine holds on its data folder.
pub const SENDING: &str = "sending";
/// The lock held while a store is opened: making its key, converting a plaintext file.
pub const OPEN: &str = "open";

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

impl FolderLock {
    /// Takes the lock `name` on `dir` (the file `dir/<name>.lock`); `Ok(None)` while another
    /// process holds it.
    pub fn try_take(dir: &Path, name: &str) -> std::io::Result<Option<FolderLock>> {
        crate::perms::private_dir(dir)?;
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(dir.join(format!("{name}.lock")))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FolderLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Like [`FolderLock::try_take`], trying again for up to `patience` (a window that was
    /// just closed may still be exiting).
    pub fn take_within(
        dir: &Path,
        name: &str,
        patience: Duration,
    ) -> std::io::Result<Option<FolderLock>> {
        let deadline = Instant::now() + patience;
        loop {
            match FolderLock::try_take(dir, name)? {
                Some(lock) => return Ok(Some(lock)),
                None if Instant::now() >= deadline => return Ok(None),
                None => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_held_until_dropped() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = FolderLock::try_take(dir.path(), SENDING).expect("take");
        assert!(first.is_some());
        assert!(FolderLock::try_take(dir.path(), SENDING)
            .expect("try")
            .is_none());
        // Other locks on the same folder are independent.
        assert!(FolderLock::try_take(dir.path(), APP)
            .expect("app")
            .is_some());
        drop(first);
        assert!(FolderLock::try_take(dir.path(), SENDING)
            .expect("again")
            .is_some());
    }
}
