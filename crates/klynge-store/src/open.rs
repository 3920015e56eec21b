//! Opening a database and migrating it.

use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::error::{Result, StoreError};
use crate::location::DatabaseUrl;
use crate::{Pool, Store};

/// The migrations of one dialect: (version, file name, SQL), in order.
type Migrations = [(i64, &'static str, &'static str)];

/// Lists the migration files of both dialects, compiled in. Listed here
/// rather than found by `sqlx::migrate!`: that macro needs sqlx's proc-macro
/// crate, which compiles both database drivers and SQLite's C source a
/// second time for the build host (about a minute of every cold build). A
/// test checks that the lists match the directories.
macro_rules! migrations {
    ($($version:literal $file:literal),* $(,)?) => {
        static SQLITE_FILES: &Migrations = &[$(
            ($version, $file, include_str!(concat!("../migrations/sqlite/", $file))),
        )*];
        static POSTGRES_FILES: &Migrations = &[$(
            ($version, $file, include_str!(concat!("../migrations/postgres/", $file))),
        )*];
    };
}

migrations! {
    1 "0001_registry.sql",
    2 "0002_accounts.sql",
    3 "0003_events.sql",
    5 "0005_market.sql",
    6 "0006_directory.sql",
    7 "0007_attendance.sql",
    8 "0008_breaks_bound.sql",
}

/// A migrator over `files`, as `sqlx::migrate!` builds it (the checksum is
/// the SQL's SHA-384 either way, so databases migrated before match; the
/// description is the file name's, `0008_breaks_bound.sql` → "breaks bound").
fn migrator(files: &'static Migrations) -> Migrator {
    Migrator::with_migrations(
        files
            .iter()
            .map(|&(version, file, sql)| {
                let stem = file.trim_end_matches(".sql");
                let description = stem.split_once('_').map_or(stem, |(_, d)| d);
                Migration::new(
                    version,
                    description.replace('_', " ").into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

static SQLITE_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(|| migrator(SQLITE_FILES));
static POSTGRES_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(|| migrator(POSTGRES_FILES));

/// How long to wait for a PostgreSQL server before calling it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens the database without touching its schema.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store> {
        let unreachable = |reason: String| StoreError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let pool = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                    && !parent.is_dir()
                {
                    return Err(unreachable(format!(
                        "the directory {} does not exist; expected an existing directory for the database file",
                        parent.display()
                    )));
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory")
                    .log_statements(tracing::log::LevelFilter::Trace)
                    .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                Pool::Sqlite(pool)
            }
            DatabaseUrl::Postgres(pg_url) => {
                let options = PgConnectOptions::from_str(pg_url.as_str()).map_err(|_| {
                    StoreError::InvalidUrl {
                        url: url.to_string(),
                    }
                })?;
                // One direct connection first: its error says why (refused, unknown host, no
                // such database, authentication) where the pool would only say it timed out.
                let probe =
                    tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
                        .await;
                match probe {
                    Ok(Ok(conn)) => {
                        let _ = conn.close().await;
                    }
                    Ok(Err(e)) => {
                        return Err(unreachable(format!(
                            "{e}; expected a PostgreSQL server that accepts connections at this address"
                        )));
                    }
                    Err(_elapsed) => {
                        return Err(unreachable(format!(
                            "no answer within {} s; expected a PostgreSQL server that accepts connections at this address",
                            CONNECT_TIMEOUT.as_secs()
                        )));
                    }
                }
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        unreachable(format!(
                            "{e}; expected a PostgreSQL server that accepts connections at this address"
                        ))
                    })?;
                Pool::Postgres(pool)
            }
        };
        Ok(Store {
            directory: Default::default(),
            kept: Default::default(),
            pool,
            url: url.clone(),
        })
    }

    /// Opens the database and brings its schema and reference data up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations, then writes the compiled-in reference geography.
    /// Returns the versions that were applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let before = self.applied_migrations().await.unwrap_or_default();
        let result = match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| StoreError::Migration {
            url: self.url.to_string(),
            reason: e.to_string(),
        })?;
        self.sync_reference_data().await?;
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// The migration versions recorded in the database.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let mut conn = self.acquire().await?;
        let rows = conn
            .conn()
            .fetch_all(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
                vec![],
            )
            .await?;
        rows.iter().map(|r| Ok(r.get::<i64>("version")?)).collect()
    }

    /// The migration versions this build knows, in order.
    pub fn known_migrations(&self) -> Vec<i64> {
        let migrator = match self.pool {
            Pool::Sqlite(_) => &*SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &*POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every migration file is listed, under its own name and version, and nothing else.
    #[test]
    fn the_listed_migrations_are_the_files_in_the_migration_directories() {
        for (dialect, files) in [("sqlite", SQLITE_FILES), ("postgres", POSTGRES_FILES)] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dialect);
            let mut on_disk: Vec<(i64, String, String)> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".sql"))
                .map(|name| {
                    let version = name
                        .split('_')
                        .next()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or_else(|| panic!("{name}: expected VERSION_description.sql"));
                    let sql = std::fs::read_to_string(dir.join(&name))
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    (version, name, sql)
                })
                .collect();
            on_disk.sort();
            let listed: Vec<(i64, String, String)> = files
                .iter()
                .map(|&(version, file, sql)| (version, file.to_string(), sql.to_string()))
                .collect();
            assert_eq!(
                listed, on_disk,
                "the {dialect} migrations listed in open.rs"
            );
        }
    }
}
