//! The export/import format back-office staff move claims with: a JSON array of objects, or
//! CSV with the same names as columns (see README, "Export format").

use crate::{Store, StoreError};
use chrono::NaiveDate;
use claimdesk_model::claim::HEAD_COLUMNS;
use claimdesk_model::claim_number::claim_number;
use claimdesk_model::wire::ErrorBody;
use claimdesk_model::{
    now_timestamp, validate, Claim, ClaimFields, ClaimId, ErrorCode, FieldError, Kind, MediaType,
    Status,
};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// What an export adds after the claim's own keys: what happened to it. Import ignores them
/// (an imported claim starts again as `ready`).
pub const HISTORY_COLUMNS: [&str; 9] = [
    "claim_number",
    "case_reference",
    "queued_at",
    "sent_at",
    "attempts",
    "problem",
    "supersedes",
    "no_proof_reason",
    "attachments",
];

/// The keys of one exported claim, in order: the CSV header.
pub fn header() -> Vec<&'static str> {
    HEAD_COLUMNS
        .into_iter()
        .chain(ClaimFields::NAMES)
        .chain(HISTORY_COLUMNS)
        .collect()
}

/// One exported claim: the claim with its keys as every earlier export had them, then its
/// claim number, what the service made of it and its attachments (described, not their bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRecord {
    /// The claim.
    #[serde(flatten)]
    pub claim: Claim,
    /// Its claim number (see `claimdesk_model::claim_number`).
    pub claim_number: String,
    /// The service's case reference, once sent.
    pub case_reference: Option<String>,
    /// When it was queued.
    pub queued_at: Option<String>,
    /// When the service received it.
    pub sent_at: Option<String>,
    /// Uploads started.
    pub attempts: i64,
    /// Why it was last not sent (the message shown to the clerk), if it was not.
    pub problem: Option<String>,
    /// The id of the claim it replaces (a correction, or a refused claim sent anew).
    pub supersedes: Option<String>,
    /// Why it was queued without a receipt: the clerk's reason, or `imported`.
    pub no_proof_reason: Option<String>,
    /// Its attachments.
    pub attachments: Vec<ExportedAttachment>,
}

/// An attachment as an export describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedAttachment {
    /// What it shows.
    pub kind: Kind,
    /// What it is.
    pub media_type: MediaType,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

impl Store {
    /// Every claim with its history, newest first, as exports write them.
    pub fn export_all(&self) -> Result<Vec<ExportRecord>, StoreError> {
        let mut attachments: HashMap<String, Vec<ExportedAttachment>> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT claim_id, kind, media_type, byte_size, sha256 FROM attachments
             ORDER BY claim_id, created_at, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (kind, media_type): (String, String) = (r.get(1)?, r.get(2)?);
            let bad = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
            attachments
                .entry(r.get(0)?)
                .or_default()
                .push(ExportedAttachment {
                    kind: kind.parse().map_err(|_| bad("attachment kind", &kind))?,
                    media_type: media_type
                        .parse()
                        .map_err(|_| bad("media type", &media_type))?,
                    bytes: r.get::<_, i64>(3)?.unsigned_abs(),
                    sha256: r.get(4)?,
                });
        }
        let mut history: HashMap<String, History> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT id, case_reference, queued_at, sent_at, attempts, sync_problem, no_proof_reason,
                 supersedes
             FROM claims",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let problem: Option<String> = r.get(5)?;
            history.insert(
                r.get(0)?,
                History {
                    case_reference: r.get(1)?,
                    queued_at: r.get(2)?,
                    sent_at: r.get(3)?,
                    attempts: r.get(4)?,
                    problem: problem.map(|p| {
                        serde_json::from_str::<ErrorBody>(&p).map_or(p, |body| body.message)
                    }),
                    no_proof_reason: r.get(6)?,
                    supersedes: r.get(7)?,
                },
            );
        }
        self.all()?
            .into_iter()
            .map(|claim| {
                let key = claim.id.to_string();
                let h = history.remove(&key).unwrap_or_default();
                Ok(ExportRecord {
                    claim_number: claim_number(claim.id),
                    case_reference: h.case_reference,
                    queued_at: h.queued_at,
                    sent_at: h.sent_at,
                    attempts: h.attempts,
                    problem: h.problem,
                    supersedes: h.supersedes,
                    no_proof_reason: h.no_proof_reason,
                    attachments: attachments.remove(&key).unwrap_or_default(),
                    claim,
                })
            })
            .collect()
    }
}

impl Store {
    /// Writes every claim to `path` (0600), as CSV unless the name ends in `.json`; returns
    /// how many. The app's *Export…* (the file chosen in the save dialog).
    pub fn export_file(&self, path: &std::path::Path) -> Result<usize, FileError> {
        let records = self
            .export_all()
            .map_err(|e| FileError::Write(std::io::Error::other(e.to_string())))?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut out = std::io::BufWriter::new(crate::perms::private_file(path)?);
        if json {
            write_json(&records, &mut out)?;
        } else {
            write_csv(&records, &mut out)?;
        }
        out.flush()?;
        out.into_inner()
            .map_err(|e| FileError::Write(e.into_error()))?
            .sync_all()?;
        Ok(records.len())
    }
}

/// A claim's history columns, read alongside it.
#[derive(Default)]
struct History {
    case_reference: Option<String>,
    queued_at: Option<String>,
    sent_at: Option<String>,
    attempts: i64,
    problem: Option<String>,
    no_proof_reason: Option<String>,
    supersedes: Option<String>,
}

/// Which file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// A file that cannot be read as an export at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not valid JSON, or not an array of objects.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Not readable as CSV.
    #[error("{0}")]
    Csv(String),
    /// Writing the export failed.
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes claims as a pretty-printed JSON array (`[]` when there are none).
pub fn write_json(claims: &[ExportRecord], out: &mut impl Write) -> Result<(), FileError> {
    serde_json::to_writer_pretty(&mut *out, claims).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes claims as CSV with a header row (only the header when there are none); the
/// attachments are one cell holding their JSON array.
pub fn write_csv(claims: &[ExportRecord], out: &mut impl Write) -> Result<(), FileError> {
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| FileError::Csv(e.to_string());
    w.write_record(header()).map_err(csv_err)?;
    for r in claims {
        let c = &r.claim;
        let id = c.id.to_string();
        let head = [
            id.as_str(),
            c.status.as_str(),
            c.created_at.as_str(),
            c.updated_at.as_str(),
        ];
        let attempts = r.attempts.to_string();
        let attachments = serde_json::to_string(&r.attachments).map_err(std::io::Error::from)?;
        let history = [
            r.claim_number.as_str(),
            r.case_reference.as_deref().unwrap_or(""),
            r.queued_at.as_deref().unwrap_or(""),
            r.sent_at.as_deref().unwrap_or(""),
            attempts.as_str(),
            r.problem.as_deref().unwrap_or(""),
            r.supersedes.as_deref().unwrap_or(""),
            r.no_proof_reason.as_deref().unwrap_or(""),
            attachments.as_str(),
        ];
        // Formula-like cells as text (OWASP CSV injection); `read` reverses it.
        w.write_record(
            head.into_iter()
                .chain(c.fields.values())
                .chain(history)
                .map(|cell| claimdesk_model::spreadsheet::neutralise(cell).into_owned()),
        )
        .map_err(csv_err)?;
    }
    w.flush()?;
    Ok(())
}

/// One record read from a file, before any checks.
#[derive(Debug, Clone, Default)]
pub struct RawRecord {
    /// Where it starts in the file (1-based line), for error messages.
    pub line: usize,
    /// The `id` column.
    pub id: String,
    /// The `status` column.
    pub status: String,
    /// The `created_at` column.
    pub created_at: String,
    /// The `updated_at` column.
    pub updated_at: String,
    /// The claim's fields.
    pub fields: ClaimFields,
}

impl RawRecord {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "id" => self.id = value,
            "status" => self.status = value,
            "created_at" => self.created_at = value,
            "updated_at" => self.updated_at = value,
            other => {
                // Keys from later versions are ignored, never an error.
                if let Some(slot) = self.fields.field_mut(other) {
                    *slot = value;
                }
            }
        }
    }
}

/// Reads every record of an export file.
pub fn read(text: &str, format: Format) -> Result<Vec<RawRecord>, FileError> {
    match format {
        Format::Json => read_json(text),
        Format::Csv => read_csv(text),
    }
}

fn read_csv(text: &str) -> Result<Vec<RawRecord>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| FileError::Csv(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if !headers.iter().any(|h| h == "id") {
        return Err(FileError::Csv(
            "the first row must be the header row of a ClaimDesk export (it has no “id” column)"
                .into(),
        ));
    }
    let mut out = Vec::new();
    for record in r.records() {
        let record = record.map_err(|e| FileError::Csv(e.to_string()))?;
        let mut raw = RawRecord {
            line: record.position().map(|p| p.line() as usize).unwrap_or(0),
            ..RawRecord::default()
        };
        for (key, value) in headers.iter().zip(record.iter()) {
            raw.set(key, claimdesk_model::spreadsheet::restore(value).to_owned());
        }
        out.push(raw);
    }
    Ok(out)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn json_err(text: &str, offset: usize, message: impl Into<String>) -> FileError {
    let (line, column) = line_col(text, offset);
    FileError::Json {
        line,
        column,
        message: message.into(),
    }
}

/// Reads a JSON array element by element, so each record knows the line it starts on.
fn read_json(text: &str) -> Result<Vec<RawRecord>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skip_ws = |mut pos: usize| {
        while text[pos..].starts_with(|c: char| c.is_ascii_whitespace()) {
            pos += 1;
        }
        pos
    };
    let mut pos = skip_ws(0);
    if !text[pos..].starts_with('[') {
        return Err(json_err(
            text,
            pos,
            "expected a JSON array “[ … ]” of claims",
        ));
    }
    pos = skip_ws(pos + 1);
    let mut out = Vec::new();
    if text[pos..].starts_with(']') {
        return Ok(out);
    }
    loop {
        let start = pos;
        let mut stream =
            serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Err(FileError::Json {
                    line: line_col(text, start).0 + e.line() - 1,
                    column: e.column(),
                    message: e.to_string(),
                })
            }
            None => return Err(json_err(text, start, "the array is not closed with “]”")),
        };
        pos = skip_ws(start + stream.byte_offset());
        let line = line_col(text, start).0;
        let serde_json::Value::Object(map) = value else {
            return Err(json_err(
                text,
                start,
                "each claim must be a JSON object { … }",
            ));
        };
        let mut raw = RawRecord {
            line,
            ..RawRecord::default()
        };
        for (key, value) in map {
            let value = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            raw.set(&key, value);
        }
        out.push(raw);
        if text[pos..].starts_with(',') {
            pos = skip_ws(pos + 1);
        } else if text[pos..].starts_with(']') {
            return Ok(out);
        } else {
            return Err(json_err(text, pos, "expected “,” or “]” after a claim"));
        }
    }
}

/// Turns a record into a claim to store as `ready`, checking it exactly as the form does.
pub fn prepare(raw: &RawRecord, today: NaiveDate) -> Result<Claim, Vec<FieldError>> {
    let mut errors = Vec::new();
    let id = match raw.id.trim() {
        "" => {
            errors.push(FieldError::new("id", ErrorCode::Required));
            None
        }
        text => match text.parse::<ClaimId>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("id", ErrorCode::IdInvalid).with("value", text));
                None
            }
        },
    };
    match raw.status.trim() {
        "" => {}
        s if matches!(Status::parse(s), Some(Status::Draft | Status::Ready)) => {}
        other => errors
            .push(FieldError::new("status", ErrorCode::StatusNotImportable).with("status", other)),
    }
    let fields = match validate::validate_on(&raw.fields, today) {
        Ok(f) => Some(f),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    match (id, fields) {
        (Some(id), Some(fields)) if errors.is_empty() => {
            let now = now_timestamp();
            let keep = |t: &str| {
                chrono::DateTime::parse_from_rfc3339(t.trim())
                    .ok()
                    .map(|_| t.trim().to_owned())
            };
            let created_at = keep(&raw.created_at).unwrap_or_else(|| now.clone());
            let updated_at = keep(&raw.updated_at).unwrap_or(now);
            Ok(Claim {
                id,
                status: Status::Ready,
                created_at,
                updated_at,
                fields,
            })
        }
        _ => Err(errors),
    }
}
