//! Forward-only migrations, one list per backend, embedded in the binary. Each migration runs in
//! its own transaction together with the row that records it, so a failed migration leaves nothing.

use crate::{Backend, OpenError, SqlStore};
use sqlx::Row;

/// The line in a migration at which existing audit entries are chained (see 0005).
const CHAIN_MARKER: &str = "-- @chain-existing-audit-entries";

/// One migration.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Its number; applied in increasing order.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// Its SQL (may hold several statements).
    pub sql: &'static str,
}

/// SQLite's migrations.
pub const MIGRATIONS_SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "places",
        sql: include_str!("../migrations/sqlite/0002_places.sql"),
    },
    Migration {
        version: 3,
        name: "appraisals",
        sql: include_str!("../migrations/sqlite/0003_appraisals.sql"),
    },
    Migration {
        version: 4,
        name: "contacts and projects",
        sql: include_str!("../migrations/sqlite/0004_contacts_projects.sql"),
    },
    Migration {
        version: 5,
        name: "audit chain and token expiry",
        sql: include_str!("../migrations/sqlite/0005_audit_chain.sql"),
    },
];

/// PostgreSQL's migrations.
pub const MIGRATIONS_POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "places",
        sql: include_str!("../migrations/postgres/0002_places.sql"),
    },
    Migration {
        version: 3,
        name: "appraisals",
        sql: include_str!("../migrations/postgres/0003_appraisals.sql"),
    },
    Migration {
        version: 4,
        name: "contacts and projects",
        sql: include_str!("../migrations/postgres/0004_contacts_projects.sql"),
    },
    Migration {
        version: 5,
        name: "audit chain and token expiry",
        sql: include_str!("../migrations/postgres/0005_audit_chain.sql"),
    },
];

impl SqlStore {
    /// The migrations for this store's backend.
    pub fn migrations(&self) -> &'static [Migration] {
        match self.backend_kind() {
            Backend::Sqlite => MIGRATIONS_SQLITE,
            Backend::Postgres => MIGRATIONS_POSTGRES,
        }
    }

    /// Applies every pending migration; returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, OpenError> {
        let fail = |version: i64, name: &str, e: sqlx::Error| OpenError::Migration {
            version,
            name: name.to_owned(),
            reason: e.to_string(),
        };
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(self.pool())
        .await
        .map_err(|e| fail(0, "schema_migration", e))?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migration")
            .fetch_all(self.pool())
            .await
            .map_err(|e| fail(0, "schema_migration", e))?
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
        let mut done = Vec::new();
        for m in self.migrations() {
            if applied.contains(&m.version) {
                continue;
            }
            let mut tx = self
                .pool()
                .begin()
                .await
                .map_err(|e| fail(m.version, m.name, e))?;
            // A migration may ask for the existing audit entries to be chained at a marker line,
            // between the SQL before it and the SQL after it, in the same transaction.
            let (before, after) = m
                .sql
                .split_once(CHAIN_MARKER)
                .map_or((m.sql, None), |(b, a)| (b, Some(a)));
            sqlx::raw_sql(before)
                .execute(&mut *tx)
                .await
                .map_err(|e| fail(m.version, m.name, e))?;
            if let Some(after) = after {
                crate::store::chain_existing_audit_entries(&mut tx)
                    .await
                    .map_err(|e| OpenError::Migration {
                        version: m.version,
                        name: m.name.to_owned(),
                        reason: e.to_string(),
                    })?;
                sqlx::raw_sql(after)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| fail(m.version, m.name, e))?;
            }
            sqlx::query(
                "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(0_i64)
            .execute(&mut *tx)
            .await
            .map_err(|e| fail(m.version, m.name, e))?;
            tx.commit().await.map_err(|e| fail(m.version, m.name, e))?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
            done.push(m.version);
        }
        Ok(done)
    }
}
