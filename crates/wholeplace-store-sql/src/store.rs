//! [`SqlStore`]: the port's one implementation, in SQL both backends accept.

use crate::Backend;
use async_trait::async_trait;
use sqlx::AnyPool;
use sqlx::{Any, Row, Transaction};
use wholeplace_store::{Overview, Store, StoreError, StoreResult};

/// A store on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// A constraint the database refused a write for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A foreign key: a missing parent, or a row others still refer to.
    ForeignKey,
    /// A unique key.
    Unique,
}

/// Which constraint refused a write, on either backend. Through the `Any` driver not every
/// refusal keeps its kind, so the codes are checked too: SQLite's extended codes 787 (foreign
/// key), 1811 (an ON DELETE RESTRICT action, "FOREIGN KEY constraint failed"), 1555 and 2067
/// (unique); PostgreSQL's SQLSTATE 23503 and 23505.
pub(crate) fn refusal(e: &sqlx::Error) -> Option<Refusal> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    let code = d.code();
    if d.is_foreign_key_violation() || matches!(code.as_deref(), Some("787" | "1811" | "23503")) {
        Some(Refusal::ForeignKey)
    } else if d.is_unique_violation() || matches!(code.as_deref(), Some("1555" | "2067" | "23505"))
    {
        Some(Refusal::Unique)
    } else {
        None
    }
}

/// Maps a database error to the port's error, keeping unique-key clashes apart.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match (&e, refusal(&e)) {
        (sqlx::Error::RowNotFound, _) => StoreError::NotFound,
        (_, Some(Refusal::Unique)) => StoreError::Conflict("a record with that name".to_owned()),
        _ => StoreError::Backend(e.to_string()),
    }
}

impl SqlStore {
    pub(crate) fn new(pool: AnyPool, backend: Backend) -> Self {
        Self { pool, backend }
    }

    /// The connection pool (for adapters' own maintenance, such as migrations).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which backend this is.
    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections to finish (used on shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Checks SQLite's file for corruption (`PRAGMA integrity_check`); PostgreSQL answers `ok`.
    pub async fn integrity_check(&self) -> StoreResult<String> {
        match self.backend {
            Backend::Sqlite => {
                let row = sqlx::query("PRAGMA integrity_check")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(row
                    .try_get::<String, _>("integrity_check")
                    .map_err(db_err)?)
            }
            Backend::Postgres => Ok("ok".to_owned()),
        }
    }

    /// SQLite's journal mode (for the start-up check that WAL is on).
    pub async fn journal_mode(&self) -> StoreResult<Option<String>> {
        match self.backend {
            Backend::Sqlite => {
                let row = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                Ok(Some(
                    row.try_get::<String, _>("journal_mode").map_err(db_err)?,
                ))
            }
            Backend::Postgres => Ok(None),
        }
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at
    /// the start (waiting up to the busy timeout), so a transaction that reads before it writes,
    /// such as an audit append reading the chain's last hash, never fails to upgrade its lock.
    /// PostgreSQL serialises audit appends with an advisory lock instead ([`insert_audit`]).
    pub(crate) async fn begin(&self) -> StoreResult<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db_err)
    }
}

pub(crate) fn is_postgres(tx: &Transaction<'static, Any>) -> bool {
    tx.backend_name() == "PostgreSQL"
}

pub(crate) fn expect_one(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn overview(&self) -> StoreResult<Overview> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM app_user WHERE disabled = 0) AS users, (SELECT COUNT(*) FROM agency) AS agencies, (SELECT COUNT(*) FROM audit_log) AS audit_entries",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(Overview {
            users: row.try_get("users").map_err(db_err)?,
            agencies: row.try_get("agencies").map_err(db_err)?,
            audit_entries: row.try_get("audit_entries").map_err(db_err)?,
        })
    }
}

pub(crate) fn fk_or(e: sqlx::Error, what: &str) -> StoreError {
    match refusal(&e) {
        Some(Refusal::ForeignKey) => StoreError::NotFound,
        Some(Refusal::Unique) => StoreError::Conflict(what.to_owned()),
        None => db_err(e),
    }
}

/// A vocabulary key read from a column ([`wholeplace_domain::PlaceLevel`] and its kin): a value the
/// vocabulary does not know is a fault in the database, reported to the operator's log.
pub(crate) fn vocab<T>(r: &sqlx::any::AnyRow, column: &str) -> StoreResult<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = r.try_get(column).map_err(db_err)?;
    text.parse()
        .map_err(|e: T::Err| StoreError::Backend(format!("column {column}: {e}")))
}

/// A financial year stored as its start year.
pub(crate) fn year(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> StoreResult<wholeplace_domain::FinancialYear> {
    let start: i64 = r.try_get(column).map_err(db_err)?;
    i32::try_from(start)
        .ok()
        .and_then(|y| wholeplace_domain::FinancialYear::new(y).ok())
        .ok_or_else(|| {
            StoreError::Backend(format!("column {column}: {start} is not a financial year"))
        })
}

/// Runs one `INSERT ... RETURNING id` and its audit entry (naming the new record) in one
/// transaction; a refusal by the database names `what`.
pub(crate) async fn create_one<T: wholeplace_domain::RecordId>(
    store: &SqlStore,
    q: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    what: &str,
    audit: &wholeplace_store::AuditEvent,
) -> StoreResult<T> {
    let mut tx = store.begin().await?;
    let row = q.fetch_one(&mut *tx).await.map_err(|e| fk_or(e, what))?;
    let new: T = id(&row, "id")?;
    let mut ev = audit.clone();
    ev.record_id = Some(new.to_string());
    crate::audit::insert_audit(&mut tx, &ev).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(new)
}

/// Runs one write and its audit entry in one transaction; a refusal by the database (a record
/// named that does not exist, a clash) names `what`.
pub(crate) async fn write_one(
    store: &SqlStore,
    q: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    what: &str,
    audit: &wholeplace_store::AuditEvent,
) -> StoreResult<()> {
    write_all(store, vec![q], what, audit).await
}

/// Runs several writes and their audit entry in one transaction: all of them or none. The
/// first write must change a row (it names the record changed), or nothing is written and the
/// answer is `NotFound`.
pub(crate) async fn write_all(
    store: &SqlStore,
    qs: Vec<sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>>,
    what: &str,
    audit: &wholeplace_store::AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    for (n, q) in qs.into_iter().enumerate() {
        let done = q.execute(&mut *tx).await.map_err(|e| fk_or(e, what))?;
        if n == 0 && done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
    }
    crate::audit::insert_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn change_one(
    store: &SqlStore,
    q: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    in_use: &str,
    audit: &wholeplace_store::AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    let done = q.execute(&mut *tx).await.map_err(|e| match refusal(&e) {
        Some(_) => StoreError::Conflict(in_use.to_owned()),
        None => db_err(e),
    })?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    crate::audit::insert_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err)
}

/// Child rows grouped by their parent's id (read from `column`), each mapped by `f`, in the
/// rows' order: one pass, however many parents, instead of scanning every child for each parent.
pub(crate) fn group_by<K, T>(
    rows: &[sqlx::any::AnyRow],
    column: &str,
    f: impl Fn(&sqlx::any::AnyRow) -> StoreResult<T>,
) -> StoreResult<std::collections::HashMap<K, Vec<T>>>
where
    K: wholeplace_domain::RecordId + std::hash::Hash + Eq,
{
    let mut out: std::collections::HashMap<K, Vec<T>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(id(r, column)?).or_default().push(f(r)?);
    }
    Ok(out)
}

/// A record id read from a column.
pub(crate) fn id<T: wholeplace_domain::RecordId>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> StoreResult<T> {
    Ok(T::from_raw(r.try_get(column).map_err(db_err)?))
}

/// A record id read from a column that may be empty.
pub(crate) fn opt_id<T: wholeplace_domain::RecordId>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> StoreResult<Option<T>> {
    Ok(r.try_get::<Option<i64>, _>(column)
        .map_err(db_err)?
        .map(T::from_raw))
}
