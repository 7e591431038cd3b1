//! Attachment parts written to disk as they arrive, hashed on the way: an upload never holds
//! a whole claim in memory, only the chunk in hand. A spooled part that is not stored (the
//! upload was refused, or failed) is removed when dropped; one a crash leaves behind is a
//! `.tmp-` file the orphan sweep removes.

use crate::storage::StorageError;
use axum::extract::multipart::{Field, MultipartError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// One attachment part on disk.
#[derive(Debug)]
pub struct Spooled {
    path: Option<PathBuf>,
    /// Its length in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of its bytes.
    pub sha256: String,
}

impl Spooled {
    /// The file, now the caller's to store (it is no longer removed on drop).
    pub fn take_path(&mut self) -> Option<PathBuf> {
        self.path.take()
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Why a part could not be spooled.
#[derive(Debug)]
pub enum SpoolError {
    /// Reading the upload failed (the client went away, a malformed body).
    Read(MultipartError),
    /// Writing the file failed.
    Write(StorageError),
}

/// Writes `field` to a new temporary file in `dir`, hashing it; `None` (and nothing left on
/// disk) if it is longer than `limit` bytes.
pub async fn spool(
    field: &mut Field<'_>,
    dir: &Path,
    limit: u64,
) -> Result<Option<Spooled>, SpoolError> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix)
        .map_err(|e| SpoolError::Write(StorageError::Random(e.to_string())))?;
    let name: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!(".tmp-{name}"));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SpoolError::Write(StorageError::Io { path, source })
    };
    let mut file = tokio::fs::File::create(&path).await.map_err(io(&path))?;
    // From here on the file is removed if anything goes wrong.
    let mut spooled = Spooled {
        path: Some(path.clone()),
        size: 0,
        sha256: String::new(),
    };
    let mut hasher = Sha256::new();
    while let Some(chunk) = field.chunk().await.map_err(SpoolError::Read)? {
        spooled.size += chunk.len() as u64;
        if spooled.size > limit {
            return Ok(None);
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io(&path))?;
    }
    file.flush().await.map_err(io(&path))?;
    spooled.sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some(spooled))
}
