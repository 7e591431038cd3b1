//! `claimdesk-cli photo`: the app's photo pipeline on one file.

use crate::CliError;
use claimdesk_photos::{self as photos, Options};
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
    std::fs::write(output, &out.bytes).map_err(io(output))?;
    if let (Some(path), Some(t)) = (thumb, &out.thumbnail) {
        std::fs::write(path, t).map_err(io(path))?;
    }
    Ok(())
}
