//! Fresh, empty databases for tests: an SQLite file in a temporary folder, or a new database on
//! the PostgreSQL server named by `WHOLEPLACE_TEST_POSTGRES_URL`. Used by the conformance suite
//! here and by the HTTP tests of the web crate, so both run on both backends.

use rand::RngCore;
use sqlx::Executor;
use wholeplace_store_sql::{OpenOptions, SqlStore};

/// The environment variable naming a PostgreSQL server for tests, such as
/// `postgres://postgres@localhost/postgres`. In CI it must be set (see `.ci/run`).
pub const POSTGRES_ENV: &str = "WHOLEPLACE_TEST_POSTGRES_URL";

/// A test database; the SQLite folder is removed when this is dropped.
pub struct TestDb {
    /// The opened, migrated store.
    pub store: SqlStore,
    /// Its URL (for tests that open it again).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
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
            eprintln!(
                "note: {POSTGRES_ENV} is not set; the PostgreSQL half of this test did not run"
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
    })
}
