//! The storage adapters. One implementation of the [`Store`] port over sqlx's `Any` driver serves
//! both backends: the SQL is written once in the dialect SQLite and PostgreSQL share (numbered
//! `$1` parameters, `RETURNING`, `BIGINT` integers, `CAST(SUM(..) AS BIGINT)`), while each backend
//! keeps its own forward-only migrations (`migrations/sqlite`, `migrations/postgres`) for what
//! they do not share: identity columns, STRICT tables, triggers. See ARCHITECTURE.md for why.
//!
//! Each method's signature repeats its port trait's, and reads look alike (a query, its binds, a
//! row mapped by name): what is shared is kept in `store.rs` (`id`, `vocab`, `year`, `change_one`,
//! `fk_or`) and the per-record `*_from_row` functions; the likeness left is that shape.

mod accounts;
mod agencies;
mod appraisals;
mod audit;
mod budget;
mod cohorts;
mod contacts;
mod corrections;
mod dataset;
mod extracts;
mod families;
mod grants;
mod linking;
mod migrate;
mod needs;
mod outcomes;
mod partnerships;
mod places;
mod projects;
mod realised;
mod retention;
mod soft_outcomes;
mod store;
mod surveys;

pub use migrate::{AUTOINCREMENT_TABLES, MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE, Migration};
pub use store::SqlStore;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::time::Duration;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no backend wholeplace supports.
    #[error("the database URL must start with sqlite: or postgres: (got '{0}')")]
    UnknownScheme(String),
    /// Connecting failed.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A migration failed; nothing of it was applied.
    #[error("migration {version} ({name}) failed and was rolled back: {reason}")]
    Migration {
        /// Its number.
        version: i64,
        /// Its name.
        name: String,
        /// What the database said.
        reason: String,
    },
}

impl Backend {
    /// The backend a URL names.
    pub fn of_url(url: &str) -> Result<Backend, OpenError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            // Never echo a URL that might carry a password.
            let scheme = url.split(':').next().unwrap_or_default();
            Err(OpenError::UnknownScheme(format!("{scheme}:...")))
        }
    }
}

/// The SQLite URL for a file path, creating the file if it is missing.
pub fn sqlite_url_for_path(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Options for opening a store.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Apply pending migrations on open.
    pub migrate: bool,
    /// Most connections in the pool.
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            max_connections: 8,
        }
    }
}

/// Opens (and optionally migrates) the database a URL names.
pub async fn open(url: &str, options: &OpenOptions) -> Result<SqlStore, OpenError> {
    let backend = Backend::of_url(url)?;
    install_default_drivers();
    let pool_options = AnyPoolOptions::new()
        .max_connections(options.max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10));
    let pool_options = match backend {
        Backend::Sqlite => pool_options.after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .execute(conn)
                .await?;
                Ok(())
            })
        }),
        Backend::Postgres => pool_options,
    };
    let pool = pool_options
        .connect(url)
        .await
        .map_err(|e| OpenError::Connect(describe_connect_error(&e)))?;
    let store = SqlStore::new(pool, backend);
    if options.migrate {
        store.migrate().await?;
    }
    Ok(store)
}

fn describe_connect_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a connection".to_owned(),
        other => other.to_string(),
    }
}
