//! Statements written once for both stores. The office's tables and queries are plain SQL
//! that SQLite and PostgreSQL read alike, with `$1`, `$2`… placeholders and only text and
//! integer values; each store runs them through [`Db`]. (The claim intake and the review,
//! whose transactions lean on each database's own locking, stay written per store.)

use crate::storage::StorageError;
use std::future::Future;

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL.
    Null,
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
}

impl Value {
    /// The text, if the value is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The text, or empty.
    pub fn string(&self) -> String {
        self.text().unwrap_or_default().to_owned()
    }

    /// The integer, or 0.
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(n) => *n,
            _ => 0,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        s.map_or(Value::Null, Value::Text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

/// A row: its columns in `SELECT` order.
pub type Row = Vec<Value>;

/// One statement of an all-or-nothing batch ([`Db::atomically`]).
#[derive(Debug, Clone)]
pub struct Step {
    /// The statement, with `$N` placeholders.
    pub sql: String,
    /// Its values.
    pub params: Vec<Value>,
    /// Whether the batch stops (and rolls back) when this step changes no row.
    pub must_change: bool,
}

impl Step {
    /// A step whose row count does not matter.
    pub fn new(sql: impl Into<String>, params: Vec<Value>) -> Step {
        Step {
            sql: sql.into(),
            params,
            must_change: false,
        }
    }

    /// A step that must change a row, else nothing of the batch is kept.
    pub fn must_change(sql: impl Into<String>, params: Vec<Value>) -> Step {
        Step {
            must_change: true,
            ..Step::new(sql, params)
        }
    }
}

/// A store that runs shared statements.
pub trait Db: Clone + Send + Sync + 'static {
    /// Runs a query; its rows.
    fn query(
        &self,
        sql: &str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<Row>, StorageError>> + Send;

    /// Runs a statement; how many rows it changed.
    fn execute(
        &self,
        sql: &str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Runs `steps` in one transaction (SQLite: immediate; PostgreSQL: read committed, with
    /// the row locks its statements take): all of them, or — when a
    /// [`Step::must_change`] step changes no row — none; then `Some(index)` of that step.
    fn atomically(
        &self,
        steps: Vec<Step>,
    ) -> impl Future<Output = Result<Option<usize>, StorageError>> + Send;
}

/// `sql` with `$N` placeholders written as SQLite's `?N`.
pub fn for_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Int(n) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*n)),
        })
    }
}

impl Value {
    /// A column of a SQLite row.
    pub fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::Int(n),
            ValueRef::Real(f) => Value::Int(f as i64),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Value::Text(String::from_utf8_lossy(t).into_owned())
            }
        }
    }

    /// A column of a PostgreSQL row (text, or any integer width).
    pub fn from_postgres(row: &tokio_postgres::Row, i: usize) -> Value {
        if let Ok(v) = row.try_get::<_, Option<String>>(i) {
            return v.map_or(Value::Null, Value::Text);
        }
        if let Ok(v) = row.try_get::<_, Option<i64>>(i) {
            return v.map_or(Value::Null, Value::Int);
        }
        if let Ok(v) = row.try_get::<_, Option<i32>>(i) {
            return v.map_or(Value::Null, |n| Value::Int(i64::from(n)));
        }
        if let Ok(v) = row.try_get::<_, Option<bool>>(i) {
            return v.map_or(Value::Null, |b| Value::Int(i64::from(b)));
        }
        Value::Null
    }
}

impl tokio_postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use tokio_postgres::types::Type;
        match self {
            Value::Null => Ok(tokio_postgres::types::IsNull::Yes),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Int(n) => match *ty {
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
        }
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        <String as tokio_postgres::types::ToSql>::accepts(ty)
            || <i64 as tokio_postgres::types::ToSql>::accepts(ty)
            || <i32 as tokio_postgres::types::ToSql>::accepts(ty)
            || <i16 as tokio_postgres::types::ToSql>::accepts(ty)
    }

    tokio_postgres::types::to_sql_checked!();
}
