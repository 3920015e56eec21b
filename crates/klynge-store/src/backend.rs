//! The two backends behind one small query interface. SQL is written once, with `$1`-style
//! placeholders that both SQLite and PostgreSQL accept, and with types that both map the same
//! way (BIGINT/INTEGER ↔ i64, DATE/TEXT ↔ NaiveDate, BOOLEAN ↔ bool, TIMESTAMPTZ/TEXT ↔
//! DateTime<Utc>). Only this module matches on the backend.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Decode, PgConnection, Postgres, Row, Sqlite, SqliteConnection, Type};

use crate::recent::Writes;

/// A value bound to a placeholder. Nulls carry their type, since PostgreSQL needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(Some(v))
    }
}
impl From<Option<NaiveDate>> for Value {
    fn from(v: Option<NaiveDate>) -> Self {
        Value::Date(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Time(v)
    }
}

/// Builds a `Vec<Value>` from expressions of any type that converts into [`Value`].
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { vec![$($crate::backend::Value::from($v)),*] };
}

/// One connection of either backend: from the pool or inside a transaction. It tells the
/// store's kept reads about every statement that may have written (see [`crate::recent`]).
pub struct Conn<'c> {
    inner: ConnInner<'c>,
    writes: &'c Writes,
}

enum ConnInner<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Date(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
                Value::Time(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Dates as the text SQLite stores ("2025-03-31", what sqlx writes for a `NaiveDate`),
/// formatted directly: sqlx formats each date through a strftime pattern parsed anew, which
/// was a tenth of the CPU time of a million-row import.
fn sqlite_dates(values: Vec<Value>) -> Vec<Value> {
    use chrono::Datelike;
    use std::fmt::Write;
    values
        .into_iter()
        .map(|v| match v {
            Value::Date(Some(d)) if (0..=9999).contains(&d.year()) => {
                let mut s = String::with_capacity(10);
                let _ = write!(s, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
                Value::Text(Some(s))
            }
            other => other,
        })
        .collect()
}

/// SQLite treats `$1` as a *named* parameter and resolves each name by a linear search at
/// prepare time, which is quadratic in the number of parameters of a multi-row insert; `?1`
/// is numbered directly. Statements are written with `$n` once and turned into `?n` here.
fn sqlite_placeholders(sql: &str) -> String {
    // A multi-row insert is written with anonymous `?` already (90 KB of text per statement).
    if !sql.contains('$') {
        return sql.to_string();
    }
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

impl Conn<'_> {
    pub fn is_sqlite(&self) -> bool {
        matches!(self.inner, ConnInner::Sqlite(_))
    }

    fn dialect(&self, sql: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(match self.inner {
            ConnInner::Sqlite(_) => sqlite_placeholders(sql),
            ConnInner::Postgres(_) => sql.to_string(),
        })
    }

    /// Runs a statement; returns the number of rows it changed.
    ///
    /// The SQL text is always built by this crate from fixed fragments; values go through
    /// placeholders, never into the text.
    pub async fn execute(&mut self, sql: &str, values: Vec<Value>) -> Result<u64, sqlx::Error> {
        let sql = self.dialect(sql);
        let changed = match &mut self.inner {
            ConnInner::Sqlite(c) => bind_values!(sqlx::query(sql), sqlite_dates(values))
                .execute(&mut **c)
                .await
                .map(|done| done.rows_affected()),
            ConnInner::Postgres(c) => bind_values!(sqlx::query(sql), values)
                .execute(&mut **c)
                .await
                .map(|done| done.rows_affected()),
        };
        // Also after a failure: a statement may have written part of its rows.
        self.writes.record();
        changed
    }

    pub async fn fetch_all(
        &mut self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<AnyRow>, sqlx::Error> {
        let sql = self.dialect(sql);
        Ok(match &mut self.inner {
            ConnInner::Sqlite(c) => bind_values!(sqlx::query(sql), values)
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(AnyRow::Sqlite)
                .collect(),
            ConnInner::Postgres(c) => bind_values!(sqlx::query(sql), values)
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(AnyRow::Postgres)
                .collect(),
        })
    }

    pub async fn fetch_optional(
        &mut self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<AnyRow>, sqlx::Error> {
        let sql = self.dialect(sql);
        Ok(match &mut self.inner {
            ConnInner::Sqlite(c) => bind_values!(sqlx::query(sql), values)
                .fetch_optional(&mut **c)
                .await?
                .map(AnyRow::Sqlite),
            ConnInner::Postgres(c) => bind_values!(sqlx::query(sql), values)
                .fetch_optional(&mut **c)
                .await?
                .map(AnyRow::Postgres),
        })
    }

    /// Runs a query that returns one row with one BIGINT column (a count, an id).
    pub async fn fetch_i64(&mut self, sql: &str, values: Vec<Value>) -> Result<i64, sqlx::Error> {
        let row = self
            .fetch_optional(sql, values)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        row.try_get_index(0)
    }
}

/// A row of either backend, decoded by column name.
pub enum AnyRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl AnyRow {
    pub fn get<T>(&self, column: &str) -> Result<T, sqlx::Error>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        match self {
            AnyRow::Sqlite(row) => row.try_get(column),
            AnyRow::Postgres(row) => row.try_get(column),
        }
    }

    fn try_get_index<T>(&self, index: usize) -> Result<T, sqlx::Error>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        match self {
            AnyRow::Sqlite(row) => row.try_get(index),
            AnyRow::Postgres(row) => row.try_get(index),
        }
    }
}

/// A pooled connection of either backend.
pub struct PooledConn {
    inner: PooledInner,
    writes: Arc<Writes>,
}

enum PooledInner {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl PooledConn {
    pub(crate) fn sqlite(c: PoolConnection<Sqlite>, writes: Arc<Writes>) -> Self {
        PooledConn {
            inner: PooledInner::Sqlite(c),
            writes,
        }
    }

    pub(crate) fn postgres(c: PoolConnection<Postgres>, writes: Arc<Writes>) -> Self {
        PooledConn {
            inner: PooledInner::Postgres(c),
            writes,
        }
    }

    pub fn conn(&mut self) -> Conn<'_> {
        let inner = match &mut self.inner {
            PooledInner::Sqlite(c) => ConnInner::Sqlite(c),
            PooledInner::Postgres(c) => ConnInner::Postgres(c),
        };
        Conn {
            inner,
            writes: &self.writes,
        }
    }
}

/// A transaction of either backend. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: TxInner,
    writes: Arc<Writes>,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn sqlite(tx: sqlx::Transaction<'static, Sqlite>, writes: Arc<Writes>) -> Self {
        Tx {
            inner: TxInner::Sqlite(tx),
            writes,
        }
    }

    pub(crate) fn postgres(tx: sqlx::Transaction<'static, Postgres>, writes: Arc<Writes>) -> Self {
        Tx {
            inner: TxInner::Postgres(tx),
            writes,
        }
    }

    pub fn conn(&mut self) -> Conn<'_> {
        let inner = match &mut self.inner {
            TxInner::Sqlite(tx) => ConnInner::Sqlite(tx),
            TxInner::Postgres(tx) => ConnInner::Postgres(tx),
        };
        Conn {
            inner,
            writes: &self.writes,
        }
    }

    /// Commits; the store's kept reads are forgotten once the writes are visible.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let done = match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await,
            TxInner::Postgres(tx) => tx.commit().await,
        };
        self.writes.record();
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_dates_are_written_as_sqlx_writes_them() {
        for (y, m, d) in [(2025, 3, 1), (1999, 12, 31), (33, 1, 9)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            match sqlite_dates(vec![Value::Date(Some(day))]).as_slice() {
                [Value::Text(Some(t))] => assert_eq!(t, &day.format("%F").to_string()),
                other => panic!("{other:?}"),
            }
        }
    }
}
