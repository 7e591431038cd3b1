//! `claimdesk-cli import`: validate every row like the form does, store the good ones.

use crate::CliError;
use claimdesk_store::records::{self, Format};
use claimdesk_store::ImportOutcome;
use claimdesk_store::Store;
use std::io::Write;
use std::path::Path;

/// Claims stored per transaction.
const BATCH: usize = 500;

/// Imports `file` into `store`, reporting each rejected row on stderr with its line and
/// field, and a summary on `out`.
pub fn run(
    store: &mut Store,
    file: &Path,
    progress: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let format = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        _ => return Err(CliError::UnknownFormat(file.to_owned())),
    };
    let text = std::fs::read_to_string(file).map_err(|source| CliError::Io {
        path: file.to_owned(),
        source,
    })?;
    // A bundle (an object, where an export is an array) brings its claims' attachments too.
    if format == Format::Json && text.trim_start().starts_with('{') {
        return import_bundle(store, file, &text, out);
    }
    let raws = records::read(&text, format).map_err(|source| CliError::File {
        path: file.to_owned(),
        source,
    })?;
    let today = chrono_today();
    let (mut inserted, mut present, mut rejected) = (0usize, 0usize, 0usize);
    // Good rows are stored a batch per transaction: one fsync per batch, not per claim. A
    // claim is reported saved only once its batch is committed.
    let mut batch = Vec::with_capacity(BATCH);
    let mut flush =
        |batch: &mut Vec<claimdesk_model::Claim>, out: &mut dyn Write| -> Result<(), CliError> {
            for (claim, outcome) in batch.iter().zip(store.import_batch(batch)?) {
                match outcome {
                    ImportOutcome::Inserted => inserted += 1,
                    ImportOutcome::AlreadyPresent => present += 1,
                }
                if progress {
                    writeln!(out, "saved {}", claim.id)?;
                }
            }
            out.flush()?;
            batch.clear();
            Ok(())
        };
    for raw in &raws {
        match records::prepare(raw, today) {
            Ok(claim) => {
                batch.push(claim);
                if batch.len() == BATCH {
                    flush(&mut batch, out)?;
                }
            }
            Err(errors) => {
                rejected += 1;
                for e in errors {
                    eprintln!(
                        "{}:{}: {}: {}",
                        file.display(),
                        raw.line,
                        e.field,
                        e.message
                    );
                }
            }
        }
    }
    flush(&mut batch, out)?;
    writeln!(
        out,
        "imported {inserted}, already present {present}, rejected {rejected}"
    )?;
    if rejected > 0 {
        return Err(CliError::RowsRejected(rejected));
    }
    Ok(())
}

fn chrono_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Imports a bundle (`export --format bundle`): claims with their attachments, checked
/// against their hashes, idempotent by claim id.
fn import_bundle(
    store: &mut Store,
    file: &Path,
    text: &str,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let bundle: claimdesk_store::bundle::Bundle =
        serde_json::from_str(text).map_err(|e| CliError::File {
            path: file.to_owned(),
            source: records::FileError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            },
        })?;
    if bundle.format != claimdesk_store::bundle::FORMAT
        || bundle.version > claimdesk_store::bundle::VERSION
    {
        return Err(CliError::UnknownFormat(file.to_owned()));
    }
    let report = store.import_bundle(&bundle)?;
    for (id, why) in &report.refused {
        eprintln!("{}: claim {id}: {why}", file.display());
    }
    writeln!(
        out,
        "imported {}, already present {}, rejected {}",
        report.inserted,
        report.present,
        report.refused.len()
    )?;
    if report.refused.is_empty() {
        Ok(())
    } else {
        Err(CliError::RowsRejected(report.refused.len()))
    }
}
