//! Fresh, empty databases for tests: an SQLite file in a temporary folder, or a new database on
//! the PostgreSQL server named by `WHOLEPLACE_TEST_POSTGRES_URL`. Used by the conformance suite
//! here and by the HTTP tests of the web crate, so both run on both backends.

use rand::RngCore;
use sqlx::Executor;
use wholeplace_store_sql::{OpenOptions, SqlStore};

/// The environment variable naming a PostgreSQL server for tests, such as
/// `postgres://postgres@localhost/postgres`. In CI it must be set (see `.ci/run`).
pub const POSTGRES_ENV: &str = "WHOLEPLACE_TEST_POSTGRES_URL";

/// A test database; the SQLite folder is removed, and the PostgreSQL database dropped, when this
/// is dropped.
pub struct TestDb {
    /// The opened, migrated store.
    pub store: SqlStore,
    /// Its URL (for tests that open it again).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server's URL and the database's name, to drop it afterwards.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.pg.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its
        // own runtime drops the database (FORCE ends the store's still-open connections).
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = sqlx::AnyPool::connect(&server)
                    .await
                    .map_err(|e| e.to_string())?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("note: the test database could not be dropped: {e}");
        }
    }
}

/// Runs each named test function on SQLite and on PostgreSQL: `both_backends!(a, b)` passes each
/// a [`TestDb`]; `both_backends!(store: a, b)` passes `&db.store`. The PostgreSQL half needs
/// `WHOLEPLACE_TEST_POSTGRES_URL`: without it the tests are reported as ignored (skipped), never
/// as passed; with `CI` set they run and fail. (The calling crate's `build.rs` sets the
/// `no_test_postgres` cfg: see this crate's.)
#[macro_export]
macro_rules! both_backends {
    (store: $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let db = $crate::sqlite().await; super::$name(&db.store).await; })*
        }
        mod postgres {
            $(#[tokio::test]
            #[cfg_attr(no_test_postgres, ignore = "WHOLEPLACE_TEST_POSTGRES_URL is not set, so PostgreSQL was not tested")]
            async fn $name() { let db = $crate::postgres_required().await; super::$name(&db.store).await; })*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name($crate::sqlite().await).await; })*
        }
        mod postgres {
            $(#[tokio::test]
            #[cfg_attr(no_test_postgres, ignore = "WHOLEPLACE_TEST_POSTGRES_URL is not set, so PostgreSQL was not tested")]
            async fn $name() { super::$name($crate::postgres_required().await).await; })*
        }
    };
}

/// A new PostgreSQL test database; panics, saying how to fix it, when no server is named.
pub async fn postgres_required() -> TestDb {
    match postgres().await {
        Some(db) => db,
        None => panic!(
            "{POSTGRES_ENV} is not set: name a PostgreSQL server (see .ci/run), or build without CI set to skip these tests"
        ),
    }
}

/// A new SQLite database in a temporary folder.
pub async fn sqlite() -> TestDb {
    sqlite_with(true).await
}

/// A new SQLite database with no migrations applied (for upgrade tests).
pub async fn sqlite_unmigrated() -> TestDb {
    sqlite_with(false).await
}

async fn sqlite_with(migrate: bool) -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = wholeplace_store_sql::sqlite_url_for_path(&dir.path().join("test.db"));
    let options = OpenOptions {
        migrate,
        ..OpenOptions::default()
    };
    let store = wholeplace_store_sql::open(&url, &options)
        .await
        .expect("open sqlite");
    TestDb {
        store,
        url,
        _dir: Some(dir),
        pg: None,
    }
}

/// The PostgreSQL server URL for tests, if one is configured. When `CI` is set, a missing server
/// is a failure, not a skip: CI must run the suite on both backends.
pub fn postgres_server() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "{POSTGRES_ENV} must be set in CI so the PostgreSQL suite runs"
            );
            None
        }
    }
}

/// A new, empty database on the test PostgreSQL server, if one is configured.
pub async fn postgres() -> Option<TestDb> {
    postgres_with(true).await
}

/// A new database on the test PostgreSQL server with no migrations applied (for upgrade tests).
pub async fn postgres_unmigrated() -> Option<TestDb> {
    postgres_with(false).await
}

async fn postgres_with(migrate: bool) -> Option<TestDb> {
    let server = postgres_server()?;
    let mut suffix = [0_u8; 6];
    rand::rng().fill_bytes(&mut suffix);
    let name = format!(
        "wp_test_{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&server)
        .await
        .expect("connect to the test PostgreSQL server");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    admin.close().await;
    let (base, _) = server
        .rsplit_once('/')
        .expect("the PostgreSQL URL names a database");
    let url = format!("{base}/{name}");
    let store = wholeplace_store_sql::open(
        &url,
        &OpenOptions {
            migrate,
            max_connections: 4,
        },
    )
    .await
    .expect("open postgres");
    Some(TestDb {
        store,
        url,
        _dir: None,
        pg: Some((server, name)),
    })
}
