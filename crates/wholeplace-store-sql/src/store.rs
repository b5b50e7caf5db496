//! [`SqlStore`]: the port's one implementation, in SQL both backends accept.

use crate::Backend;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use sqlx::{AnyPool, AssertSqlSafe};
use wholeplace_domain::Role;
use wholeplace_store::audit_chain::{GENESIS_HASH, entry_hash};
use wholeplace_store::{
    Agency, ApiToken, AuditEntry, AuditEvent, AuditFilter, AuditHead, NewUser, Overview, Session,
    Store, StoreError, StoreResult, Timestamp, User,
};

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

const USER_COLUMNS: &str =
    "id, username, display_name, role, password_hash, must_change_password, disabled, created_at";

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
                Ok(row.try_get::<String, _>(0).map_err(db_err)?)
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
                Ok(Some(row.try_get::<String, _>(0).map_err(db_err)?))
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

    async fn agencies_of(&self, user_ids: &[i64]) -> StoreResult<Vec<(i64, Agency)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT ua.user_id, a.id, a.name, a.kind FROM user_agency ua JOIN agency a ON a.id = ua.agency_id ORDER BY a.name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut out = Vec::new();
        for r in rows {
            let uid: i64 = r.try_get(0).map_err(db_err)?;
            if user_ids.contains(&uid) {
                out.push((
                    uid,
                    Agency {
                        id: r.try_get(1).map_err(db_err)?,
                        name: r.try_get(2).map_err(db_err)?,
                        kind: r.try_get(3).map_err(db_err)?,
                    },
                ));
            }
        }
        Ok(out)
    }

    async fn with_agencies(&self, mut users: Vec<User>) -> StoreResult<Vec<User>> {
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        for (uid, agency) in self.agencies_of(&ids).await? {
            if let Some(u) = users.iter_mut().find(|u| u.id == uid) {
                u.agencies.push(agency);
            }
        }
        Ok(users)
    }

    async fn one_user(&self, where_sql: &str, bind: UserKey<'_>) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE {where_sql}");
        let q = sqlx::query(AssertSqlSafe(sql));
        let q = match bind {
            UserKey::Id(id) => q.bind(id),
            UserKey::Name(n) => q.bind(n.to_owned()),
        };
        let row = q.fetch_optional(&self.pool).await.map_err(db_err)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(self.with_agencies(vec![user_from_row(&r)?]).await?.pop()),
        }
    }
}

enum UserKey<'a> {
    Id(i64),
    Name(&'a str),
}

fn user_from_row(r: &AnyRow) -> StoreResult<User> {
    let role: String = r.try_get(3).map_err(db_err)?;
    Ok(User {
        id: r.try_get(0).map_err(db_err)?,
        username: r.try_get(1).map_err(db_err)?,
        display_name: r.try_get(2).map_err(db_err)?,
        role: role
            .parse::<Role>()
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        password_hash: r.try_get(4).map_err(db_err)?,
        must_change_password: r.try_get::<i64, _>(5).map_err(db_err)? != 0,
        disabled: r.try_get::<i64, _>(6).map_err(db_err)? != 0,
        agencies: Vec::new(),
        created_at: r.try_get(7).map_err(db_err)?,
    })
}

/// Revokes every live API token of a user (on a password reset, or when the account is disabled).
async fn revoke_user_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn session_from_row(r: &AnyRow, offset: usize) -> StoreResult<Session> {
    Ok(Session {
        token_hash: r.try_get(offset).map_err(db_err)?,
        user_id: r.try_get(offset + 1).map_err(db_err)?,
        csrf_token: r.try_get(offset + 2).map_err(db_err)?,
        created_at: r.try_get(offset + 3).map_err(db_err)?,
        expires_at: r.try_get(offset + 4).map_err(db_err)?,
        last_seen_at: r.try_get(offset + 5).map_err(db_err)?,
    })
}

/// The PostgreSQL advisory lock that serialises audit appends ("wpaudit" in ASCII).
const AUDIT_CHAIN_LOCK: i64 = 0x0077_7061_7564_6974;

const AUDIT_COLUMNS: &str = "id, at, actor_user_id, actor, action, record_type, record_id, address, allowed, detail, prev_hash, hash";

fn audit_entry_from_row(r: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get(0).map_err(db_err)?,
        event: AuditEvent {
            at: r.try_get(1).map_err(db_err)?,
            actor_user_id: r.try_get(2).map_err(db_err)?,
            actor: r.try_get(3).map_err(db_err)?,
            action: r.try_get(4).map_err(db_err)?,
            record_type: r.try_get(5).map_err(db_err)?,
            record_id: r.try_get(6).map_err(db_err)?,
            address: r.try_get(7).map_err(db_err)?,
            allowed: r.try_get::<i64, _>(8).map_err(db_err)? != 0,
            detail: r.try_get(9).map_err(db_err)?,
        },
        prev_hash: r.try_get(10).map_err(db_err)?,
        hash: r.try_get(11).map_err(db_err)?,
    })
}

fn is_postgres(tx: &Transaction<'static, Any>) -> bool {
    tx.backend_name() == "PostgreSQL"
}

/// Writes an audit entry inside a transaction (the change and its record land together), chained
/// to the entry before it. Appends are serialised, so two writers never chain from the same
/// entry: SQLite has one writer at a time (write transactions begin `IMMEDIATE`); PostgreSQL takes
/// a transaction-scoped advisory lock before reading the last entry, held until commit.
pub(crate) async fn insert_audit(
    tx: &mut Transaction<'static, Any>,
    e: &AuditEvent,
) -> StoreResult<()> {
    let postgres = is_postgres(tx);
    if postgres {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS chain_lock")
            .bind(AUDIT_CHAIN_LOCK)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    let last = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
    let (last_id, prev_hash) = match last {
        Some(r) => (
            r.try_get::<i64, _>(0).map_err(db_err)?,
            r.try_get::<Option<String>, _>(1)
                .map_err(db_err)?
                .unwrap_or_default(),
        ),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let (id, sql) = if postgres {
        let row = sqlx::query("SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
        (
            row.try_get::<i64, _>(0).map_err(db_err)?,
            "INSERT INTO audit_log (id, at, actor_user_id, actor, action, record_type, record_id, address, allowed, detail, prev_hash, hash) \
             OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
    } else {
        (
            last_id + 1,
            "INSERT INTO audit_log (id, at, actor_user_id, actor, action, record_type, record_id, address, allowed, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
    };
    let hash = entry_hash(id, e, &prev_hash);
    sqlx::query(sql)
        .bind(id)
        .bind(e.at)
        .bind(e.actor_user_id)
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.record_type.clone())
        .bind(e.record_id.clone())
        .bind(e.address.clone())
        .bind(i64::from(e.allowed))
        .bind(e.detail.clone())
        .bind(prev_hash)
        .bind(hash)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Chains the entries written before the log was a chain (migration 0005), in id order, the
/// same way [`insert_audit`] chains new ones, so an upgraded database verifies.
pub(crate) async fn chain_existing_audit_entries(
    tx: &mut Transaction<'static, Any>,
) -> StoreResult<u64> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut after = 0_i64;
    let mut done = 0;
    loop {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in &rows {
            let e = audit_entry_from_row(r)?;
            let hash = entry_hash(e.id, &e.event, &prev_hash);
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(prev_hash.clone())
                .bind(hash.clone())
                .bind(e.id)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
            prev_hash = hash;
            after = e.id;
            done += 1;
        }
    }
}

async fn set_user_agencies(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    agency_ids: &[i64],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_agency WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for a in agency_ids {
        sqlx::query(
            "INSERT INTO user_agency (user_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(*a)
        .execute(&mut **tx)
        .await
        .map_err(|e| match refusal(&e) {
            Some(Refusal::ForeignKey) => StoreError::NotFound,
            _ => db_err(e),
        })?;
    }
    Ok(())
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

    async fn list_agencies(&self) -> StoreResult<Vec<Agency>> {
        let rows = sqlx::query("SELECT id, name, kind FROM agency ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Agency {
                    id: r.try_get(0).map_err(db_err)?,
                    name: r.try_get(1).map_err(db_err)?,
                    kind: r.try_get(2).map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn create_agency(&self, name: &str, kind: &str, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO agency (name, kind) VALUES ($1, $2) RETURNING id")
            .bind(name.to_owned())
            .bind(kind.to_owned())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match db_err(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("an agency called '{name}'"))
                }
                other => other,
            })?;
        let id: i64 = row.try_get(0).map_err(db_err)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM app_user")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        row.try_get(0).map_err(db_err)
    }

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO app_user (username, display_name, role, password_hash, must_change_password, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
        )
        .bind(user.username.clone())
        .bind(user.display_name.clone())
        .bind(user.role.as_str())
        .bind(user.password_hash.clone())
        .bind(i64::from(user.must_change_password))
        .bind(audit.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user called '{}'", user.username)),
            other => other,
        })?;
        let id: i64 = row.try_get(0).map_err(db_err)?;
        set_user_agencies(&mut tx, id, &user.agency_ids).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        self.one_user("id = $1", UserKey::Id(id)).await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.one_user("username = $1", UserKey::Name(username))
            .await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY username");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let users = rows
            .iter()
            .map(user_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_agencies(users).await
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE app_user SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(password_hash.to_owned())
        .bind(i64::from(must_change))
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        sqlx::query("DELETE FROM session WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or("").to_owned())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if must_change {
            revoke_user_tokens(&mut tx, user_id, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE app_user SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        if disabled {
            sqlx::query("DELETE FROM session WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            revoke_user_tokens(&mut tx, user_id, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_user(
        &self,
        user_id: i64,
        display_name: &str,
        role: Role,
        agency_ids: &[i64],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE app_user SET display_name = $1, role = $2 WHERE id = $3")
            .bind(display_name.to_owned())
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        set_user_agencies(&mut tx, user_id, agency_ids).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn record_login_failure(&self, username: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failure (username, at) VALUES ($1, $2)")
            .bind(username.to_owned())
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn count_login_failures(&self, username: &str, since: Timestamp) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM login_failure WHERE username = $1 AND at >= $2")
                .bind(username.to_owned())
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
        row.try_get(0).map_err(db_err)
    }

    async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failure WHERE username = $1")
            .bind(username.to_owned())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn create_session(&self, s: &Session, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO session (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.token_hash.clone())
        .bind(s.user_id)
        .bind(s.csrf_token.clone())
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.last_seen_at)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn session_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(Session, User)>> {
        let sql = format!(
            "SELECT {cols}, s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at \
             FROM session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            cols = USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash.to_owned())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let user = user_from_row(&r)?;
        let session = session_from_row(&r, 8)?;
        let user = self
            .with_agencies(vec![user])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        Ok(Some((session, user)))
    }

    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE session SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_sessions(&self, user_id: i64, now: Timestamp) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at FROM session \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| session_from_row(r, 0)).collect()
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO api_token (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id)
            .bind(name.to_owned())
            .bind(token_hash.to_owned())
            .bind(at)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let id: i64 = row.try_get(0).map_err(db_err)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn list_api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, token_hash, created_at, last_used_at, revoked_at, expires_at FROM api_token WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get(0).map_err(db_err)?,
                    user_id: r.try_get(1).map_err(db_err)?,
                    name: r.try_get(2).map_err(db_err)?,
                    token_hash: r.try_get(3).map_err(db_err)?,
                    created_at: r.try_get(4).map_err(db_err)?,
                    last_used_at: r.try_get(5).map_err(db_err)?,
                    revoked_at: r.try_get(6).map_err(db_err)?,
                    expires_at: r.try_get(7).map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(at)
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT user_id FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let uid: i64 = r.try_get(0).map_err(db_err)?;
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(self.user_by_id(uid).await?.filter(|u| !u.disabled))
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_audit(&mut tx, event).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_audit(&self, f: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, i64)> {
        // Build the WHERE clause from fixed fragments; values are always bound, never spliced.
        let mut clauses: Vec<String> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if let Some(a) = &f.actor {
            clauses.push(format!("actor = ${}", next()));
            texts.push(a.clone());
        }
        if let Some(p) = &f.action_prefix {
            clauses.push(format!(
                "substr(action, 1, {}) = ${}",
                p.chars().count(),
                next()
            ));
            texts.push(p.clone());
        }
        let text_count = texts.len();
        if let Some(a) = f.allowed {
            clauses.push(format!("allowed = ${}", next()));
            ints.push(i64::from(a));
        }
        if let Some(t) = f.from {
            clauses.push(format!("at >= ${}", next()));
            ints.push(t);
        }
        if let Some(t) = f.until {
            clauses.push(format!("at < ${}", next()));
            ints.push(t);
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let limit = f.limit.clamp(1, 10_000);
        let offset = f.offset.max(0);
        let list_sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log {where_sql} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
        );
        let count_sql = format!("SELECT COUNT(*) FROM audit_log {where_sql}");
        debug_assert_eq!(texts.len(), text_count);
        let mut q = sqlx::query(AssertSqlSafe(list_sql));
        let mut c = sqlx::query(AssertSqlSafe(count_sql));
        for t in &texts {
            q = q.bind(t.clone());
            c = c.bind(t.clone());
        }
        for i in &ints {
            q = q.bind(*i);
            c = c.bind(*i);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        let total: i64 = c
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?
            .try_get(0)
            .map_err(db_err)?;
        let entries = rows
            .iter()
            .map(audit_entry_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((entries, total))
    }

    async fn audit_chain_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(audit_entry_from_row).collect()
    }

    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        let row = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(AuditHead {
                id: r.try_get(0).map_err(db_err)?,
                hash: r
                    .try_get::<Option<String>, _>(1)
                    .map_err(db_err)?
                    .unwrap_or_default(),
            })
        })
        .transpose()
    }

    async fn overview(&self) -> StoreResult<Overview> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM app_user WHERE disabled = 0), (SELECT COUNT(*) FROM agency), (SELECT COUNT(*) FROM audit_log)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(Overview {
            users: row.try_get(0).map_err(db_err)?,
            agencies: row.try_get(1).map_err(db_err)?,
            audit_entries: row.try_get(2).map_err(db_err)?,
        })
    }
}
