//! [`AuditStore`] for [`SqlStore`]: the audit log, appended as a hash chain.

use crate::SqlStore;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use wholeplace_store::audit_chain::{GENESIS_HASH, entry_hash};
use wholeplace_store::*;

/// The PostgreSQL advisory lock that serialises audit appends ("wpaudit" in ASCII).
pub(crate) const AUDIT_CHAIN_LOCK: i64 = 0x0077_7061_7564_6974;

pub(crate) const AUDIT_COLUMNS: &str = "id, at, actor_user_id, actor, action, record_type, record_id, address, allowed, detail, prev_hash, hash";

pub(crate) fn audit_entry_from_row(r: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id").map_err(db_err)?,
        event: AuditEvent {
            at: r.try_get("at").map_err(db_err)?,
            actor_user_id: crate::store::opt_id(r, "actor_user_id")?,
            actor: r.try_get("actor").map_err(db_err)?,
            action: r.try_get("action").map_err(db_err)?,
            record_type: r.try_get("record_type").map_err(db_err)?,
            record_id: r.try_get("record_id").map_err(db_err)?,
            address: r.try_get("address").map_err(db_err)?,
            allowed: r.try_get::<i64, _>("allowed").map_err(db_err)? != 0,
            detail: r.try_get("detail").map_err(db_err)?,
        },
        prev_hash: r.try_get("prev_hash").map_err(db_err)?,
        hash: r.try_get("hash").map_err(db_err)?,
    })
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
            r.try_get::<i64, _>("id").map_err(db_err)?,
            r.try_get::<Option<String>, _>("hash")
                .map_err(db_err)?
                .unwrap_or_default(),
        ),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let (id, sql) = if postgres {
        let row = sqlx::query("SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
        (
            row.try_get::<i64, _>("id").map_err(db_err)?,
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
        .bind(e.actor_user_id.map(|v| v.get()))
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

#[async_trait]
impl AuditStore for SqlStore {
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
        let count_sql = format!("SELECT COUNT(*) AS n FROM audit_log {where_sql}");
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
        let rows = q.fetch_all(self.pool()).await.map_err(db_err)?;
        let total: i64 = c
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?
            .try_get("n")
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
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(audit_entry_from_row).collect()
    }

    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        let row = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(AuditHead {
                id: r.try_get("id").map_err(db_err)?,
                hash: r
                    .try_get::<Option<String>, _>("hash")
                    .map_err(db_err)?
                    .unwrap_or_default(),
            })
        })
        .transpose()
    }
}
