//! Attachment blobs in a folder, one file per blob named by its SHA-256: written to a
//! temporary name, synced, renamed into place and the folder synced, so a blob either is
//! there whole or not at all. Used by both storages (SQLite beside it, or PostgreSQL).

use crate::storage::StorageError;
use claimdesk_model::wire::is_sha256_hex;
use std::io::Write;
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Creates the folder if needed.
pub fn open(dir: &Path) -> Result<PathBuf, StorageError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    Ok(dir.to_owned())
}

/// Stores `bytes` as the blob `sha256` in `dir` (durably); keeps one already there.
pub fn write(dir: &Path, sha256: &str, bytes: &[u8]) -> Result<(), StorageError> {
    let path = dir.join(sha256);
    if path.exists() {
        return touch(&path);
    }
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| StorageError::Random(e.to_string()))?;
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".tmp-{suffix}"));
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

/// Stores the finished temporary file `tmp` (in `dir`) as the blob `sha256`: synced, renamed
/// into place and the folder synced; if the blob is there already, `tmp` is removed.
pub fn adopt(dir: &Path, sha256: &str, tmp: &Path) -> Result<(), StorageError> {
    let path = dir.join(sha256);
    if path.exists() {
        touch(&path)?;
        return remove(dir, &tmp.file_name().unwrap_or_default().to_string_lossy());
    }
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(tmp))?;
    std::fs::rename(tmp, &path).map_err(io(&path))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

/// Marks a blob written again as new, so the orphan sweep's grace period starts over for the
/// upload about to name it (an old orphan sent again must not be swept before its row
/// commits).
fn touch(path: &Path) -> Result<(), StorageError> {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .map_err(io(path))
}

/// The blob `sha256` in `dir`, if there.
pub fn read(dir: &Path, sha256: &str) -> Option<Vec<u8>> {
    is_sha256_hex(sha256)
        .then(|| std::fs::read(dir.join(sha256)).ok())
        .flatten()
}

/// The blobs in `dir` last written before `cutoff` (and temporary files a crash left), for
/// the orphan sweep: (name, is a leftover temporary file).
pub fn older_than(
    dir: &Path,
    cutoff: std::time::SystemTime,
) -> Result<Vec<(String, bool)>, StorageError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let temporary = name.starts_with(".tmp-");
        if !(temporary || is_sha256_hex(&name)) {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .map_err(io(&entry.path()))?;
        if modified < cutoff {
            out.push((name, temporary));
        }
    }
    Ok(out)
}

/// Removes the file `name` from `dir` (gone already is fine).
pub fn remove(dir: &Path, name: &str) -> Result<(), StorageError> {
    let path = dir.join(name);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(e)),
        _ => Ok(()),
    }
}

/// Whether `dir` can take blobs: a folder; its free bytes.
pub fn ready(dir: &Path) -> Result<u64, StorageError> {
    if !std::fs::metadata(dir).map_err(io(dir))?.is_dir() {
        return Err(StorageError::Io {
            path: dir.to_owned(),
            source: std::io::Error::other("the blob folder is not a folder"),
        });
    }
    fs4::available_space(dir).map_err(io(dir))
}
