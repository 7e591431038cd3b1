//! Embedded, versioned migrations (rusqlite_migration, tracked in `PRAGMA user_version`).

use super::{Result, StoreError};
use claimdesk_model::Status;
use rusqlite::{Connection, Transaction};
use rusqlite_migration::{HookResult, Migrations, M};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_claims.sql"),
    include_str!("migrations/002_settings.sql"),
    include_str!("migrations/003_attachments.sql"),
    include_str!("migrations/004_sync.sql"),
    include_str!("migrations/005_queue.sql"),
    include_str!("migrations/006_retention.sql"),
    include_str!("migrations/007_withdrawn.sql"),
    include_str!("migrations/008_duplicates.sql"),
    include_str!("migrations/009_proof.sql"),
    include_str!("migrations/010_supersedes.sql"),
    include_str!("migrations/011_review.sql"),
    include_str!("migrations/012_additions.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The migrations, with the hooks some of them need.
fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, sql)| match i + 1 {
                7 => M::up_with_hook(sql, status_check_from_enum),
                _ => M::up(sql),
            })
            .collect(),
    )
}

/// Rewrites the `claims` table's status CHECK to list exactly [`Status::ALL`], by editing the
/// schema text (the table's stored rows do not change), then bumps the schema cookie so every
/// connection reloads it.
fn status_check_from_enum(tx: &Transaction<'_>) -> HookResult {
    let sql: String = tx.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'claims'",
        [],
        |r| r.get(0),
    )?;
    let head = "CHECK (status IN (";
    let (Some(start), Some(len)) = (
        sql.find(head).map(|s| s + head.len()),
        sql.find(head).and_then(|s| sql[s + head.len()..].find(')')),
    ) else {
        return Err(rusqlite_migration::HookError::Hook(
            "the claims table has no status CHECK to widen".into(),
        ));
    };
    let names: Vec<String> = Status::ALL
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let widened = format!(
        "{}{}{}",
        &sql[..start],
        names.join(", "),
        &sql[start + len..]
    );
    let version: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
    tx.execute_batch("PRAGMA writable_schema = ON;")?;
    tx.execute(
        "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = 'claims'",
        [widened],
    )?;
    tx.execute_batch("PRAGMA writable_schema = OFF;")?;
    tx.pragma_update(None, "schema_version", version + 1)?;
    Ok(())
}

/// Brings `conn` to [`SCHEMA_VERSION`]; refuses a newer file rather than touching it.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION as usize)
}

/// Brings `conn` to `version` (tests use this to build every earlier schema).
#[doc(hidden)]
pub fn migrate_to(conn: &mut Connection, version: usize) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found < version as i64 {
        tracing::info!(from = found, to = version, "migrating the store's schema");
    }
    migrations().to_version(conn, version)?;
    Ok(())
}
