//! `claimdesk-cli photo`: the app's photo pipeline on one file.

use crate::CliError;
use claimdesk_photos::{self as photos, Options};
use std::io::Write;
use std::path::Path;

/// Normalises `input` into `output` (and the thumbnail into `thumb`).
pub fn run(
    input: &Path,
    output: &Path,
    thumb: Option<&Path>,
    options: &Options,
) -> Result<(), CliError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CliError::Io { path, source }
    };
    let out = photos::process_file(input, options).map_err(|source| CliError::Photo {
        path: input.to_owned(),
        source,
    })?;
    // A receipt is personal data: the files are the user's alone, like the data folder's.
    let write = |path: &Path, bytes: &[u8]| {
        claimdesk_store::perms::private_file(path).and_then(|mut f| f.write_all(bytes))
    };
    write(output, &out.bytes).map_err(io(output))?;
    if let (Some(path), Some(t)) = (thumb, &out.thumbnail) {
        write(path, t).map_err(io(path))?;
    }
    Ok(())
}
