//! Test databases: a fresh SQLite file and a fresh PostgreSQL database per test, both dropped
//! afterwards. PostgreSQL is found through `KLYNGE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When no server answers, the PostgreSQL half
//! is skipped with a message, except under `CI=true`, where that is a failure.

use std::sync::atomic::{AtomicU32, Ordering};

use klynge_store::{DatabaseUrl, Store};
use sqlx::Connection;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDb {
    pub store: Store,
    pub backend: &'static str,
    _guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, name } = self {
            let (admin_url, db) = (admin_url.clone(), name.clone());
            // Drop runs outside async code; use a runtime of its own on a fresh thread.
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await?;
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                })
                .map_err(|e| std::io::Error::other(e.to_string()))
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: could not drop test database {name}: {dropped:?}");
            }
        }
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("KLYNGE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "klynge_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::parse(&format!(
        "sqlite:{}",
        dir.path().join("klynge.sqlite").display()
    ))
    .unwrap();
    let store = Store::open(&url).await.expect("open SQLite test database");
    TestDb {
        store,
        backend: "SQLite",
        _guard: Guard::Sqlite(dir),
    }
}

/// A fresh PostgreSQL database, or `None` (with a message) when no server answers outside CI.
pub async fn postgres() -> Option<TestDb> {
    let admin_url = pg_admin_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => {
            if in_ci() {
                panic!("CI=true but PostgreSQL at {admin_url} does not answer: {e}");
            }
            eprintln!(
                "PostgreSQL at {admin_url} does not answer ({e}); skipping the PostgreSQL half"
            );
            return None;
        }
    };
    let name = unique_name();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let guard = Guard::Postgres {
        admin_url: admin_url.clone(),
        name: name.clone(),
    };
    let mut url = url::Url::parse(&admin_url).expect("KLYNGE_TEST_PG_URL is a URL");
    url.set_path(&name);
    let store = Store::open(&DatabaseUrl::parse(url.as_str()).unwrap())
        .await
        .expect("open PostgreSQL test database");
    Some(TestDb {
        store,
        backend: "PostgreSQL",
        _guard: guard,
    })
}

/// Both backends (PostgreSQL only when reachable, see the module docs).
pub async fn backends() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

/// Runs the same scenario on every backend; failures name the backend.
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident, |$db:ident| $body:block) => {
        #[tokio::test]
        async fn $name() {
            for $db in $crate::common::backends().await {
                eprintln!("{} on {}", stringify!($name), $db.backend);
                $body
                $db.store.close().await;
            }
        }
    };
}
