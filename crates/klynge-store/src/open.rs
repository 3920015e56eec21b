//! Opening a database and migrating it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::error::{Result, StoreError};
use crate::location::DatabaseUrl;
use crate::{Pool, Store};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

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
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).collect()
    }
}
