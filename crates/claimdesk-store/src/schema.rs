//! Embedded, versioned migrations (rusqlite_migration, tracked in `PRAGMA user_version`).

use super::{Result, StoreError};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/001_claims.sql")),
    M::up(include_str!("migrations/002_settings.sql")),
    M::up(include_str!("migrations/003_attachments.sql")),
    M::up(include_str!("migrations/004_sync.sql")),
    M::up(include_str!("migrations/005_queue.sql")),
    M::up(include_str!("migrations/006_retention.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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
    Migrations::from_slice(MIGRATIONS).to_version(conn, version)?;
    Ok(())
}
