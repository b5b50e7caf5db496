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
    Migration {
        version: AUTOINCREMENT_VERSION,
        name: "ids never reused",
        sql: include_str!("../migrations/sqlite/0006_ids_never_reused.sql"),
    },
    Migration {
        version: 7,
        name: "families and sharing agreements",
        sql: include_str!("../migrations/sqlite/0007_families.sql"),
    },
    Migration {
        version: 8,
        name: "family plan",
        sql: include_str!("../migrations/sqlite/0008_family_plan.sql"),
    },
    Migration {
        version: 9,
        name: "family records: taking part, consent, decisions not to share, handovers, moves, reviews",
        sql: include_str!("../migrations/sqlite/0009_family_records.sql"),
    },
    Migration {
        version: 10,
        name: "retention rules and legal holds",
        sql: include_str!("../migrations/sqlite/0010_retention.sql"),
    },
    Migration {
        version: 11,
        name: "linkage: staged extracts, runs, people's sources, linked households, the review queue",
        sql: include_str!("../migrations/sqlite/0011_linkage.sql"),
    },
    Migration {
        version: 12,
        name: "cohorts",
        sql: include_str!("../migrations/sqlite/0012_cohorts.sql"),
    },
    Migration {
        version: 13,
        name: "need terms",
        sql: include_str!("../migrations/sqlite/0013_need_terms.sql"),
    },
    Migration {
        version: 14,
        name: "person corrections",
        sql: include_str!("../migrations/sqlite/0014_person_corrections.sql"),
    },
    Migration {
        version: 15,
        name: "organisation identifiers, grant references, the 360Giving publisher",
        sql: include_str!("../migrations/sqlite/0015_org_identifiers.sql"),
    },
    Migration {
        version: 16,
        name: "encoded extracts, runs' probabilities",
        sql: include_str!("../migrations/sqlite/0016_encodings_and_probabilities.sql"),
    },
    Migration {
        version: 17,
        name: "outcomes: indicators, their figures by place and period, targets",
        sql: include_str!("../migrations/sqlite/0017_outcomes.sql"),
    },
    Migration {
        version: 18,
        name: "linkage per partnership: extracts, settings, runs and the review queue",
        sql: include_str!("../migrations/sqlite/0018_linkage_per_partnership.sql"),
    },
    Migration {
        version: 19,
        name: "forecast against realised savings: appraisal snapshots, outcomes achieved",
        sql: include_str!("../migrations/sqlite/0019_realised_savings.sql"),
    },
    Migration {
        version: 20,
        name: "soft outcomes: scales and readings, ONS4, (S)WEMWBS registration, Outcomes Star",
        sql: include_str!("../migrations/sqlite/0020_soft_outcomes.sql"),
    },
    Migration {
        version: 21,
        name: "place perception surveys: surveys, rounds, responses",
        sql: include_str!("../migrations/sqlite/0021_surveys.sql"),
    },
];

/// The SQLite migration that rebuilds [`AUTOINCREMENT_TABLES`] before running its SQL.
const AUTOINCREMENT_VERSION: i64 = 6;

/// Every SQLite table with an integer id whose rows can be deleted: rebuilt with AUTOINCREMENT so
/// an id is never given twice. (The audit log is append-only: its ids cannot be freed.)
pub const AUTOINCREMENT_TABLES: &[&str] = &[
    "agency",
    "app_user",
    "login_failure",
    "api_token",
    "place",
    "budget_line",
    "grant_award",
    "grant_change",
    "partnership",
    "appraisal",
    "contact",
    "project",
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
    Migration {
        version: 6,
        name: "ids never reused",
        sql: include_str!("../migrations/postgres/0006_ids_never_reused.sql"),
    },
    Migration {
        version: 7,
        name: "families and sharing agreements",
        sql: include_str!("../migrations/postgres/0007_families.sql"),
    },
    Migration {
        version: 8,
        name: "family plan",
        sql: include_str!("../migrations/postgres/0008_family_plan.sql"),
    },
    Migration {
        version: 9,
        name: "family records: taking part, consent, decisions not to share, handovers, moves, reviews",
        sql: include_str!("../migrations/postgres/0009_family_records.sql"),
    },
    Migration {
        version: 10,
        name: "retention rules and legal holds",
        sql: include_str!("../migrations/postgres/0010_retention.sql"),
    },
    Migration {
        version: 11,
        name: "linkage: staged extracts, runs, people's sources, linked households, the review queue",
        sql: include_str!("../migrations/postgres/0011_linkage.sql"),
    },
    Migration {
        version: 12,
        name: "cohorts",
        sql: include_str!("../migrations/postgres/0012_cohorts.sql"),
    },
    Migration {
        version: 13,
        name: "need terms",
        sql: include_str!("../migrations/postgres/0013_need_terms.sql"),
    },
    Migration {
        version: 14,
        name: "person corrections",
        sql: include_str!("../migrations/postgres/0014_person_corrections.sql"),
    },
    Migration {
        version: 15,
        name: "organisation identifiers, grant references, the 360Giving publisher",
        sql: include_str!("../migrations/postgres/0015_org_identifiers.sql"),
    },
    Migration {
        version: 16,
        name: "encoded extracts, runs' probabilities",
        sql: include_str!("../migrations/postgres/0016_encodings_and_probabilities.sql"),
    },
    Migration {
        version: 17,
        name: "outcomes: indicators, their figures by place and period, targets",
        sql: include_str!("../migrations/postgres/0017_outcomes.sql"),
    },
    Migration {
        version: 18,
        name: "linkage per partnership: extracts, settings, runs and the review queue",
        sql: include_str!("../migrations/postgres/0018_linkage_per_partnership.sql"),
    },
    Migration {
        version: 19,
        name: "forecast against realised savings: appraisal snapshots, outcomes achieved",
        sql: include_str!("../migrations/postgres/0019_realised_savings.sql"),
    },
    Migration {
        version: 20,
        name: "soft outcomes: scales and readings, ONS4, (S)WEMWBS registration, Outcomes Star",
        sql: include_str!("../migrations/postgres/0020_soft_outcomes.sql"),
    },
    Migration {
        version: 21,
        name: "place perception surveys: surveys, rounds, responses",
        sql: include_str!("../migrations/postgres/0021_surveys.sql"),
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
            .map(|r| r.get::<i64, _>("version"))
            .collect();
        let mut done = Vec::new();
        for m in self.migrations() {
            if applied.contains(&m.version) {
                continue;
            }
            if self.backend_kind() == Backend::Sqlite && m.version == AUTOINCREMENT_VERSION {
                self.rebuild_with_autoincrement(m)
                    .await
                    .map_err(|e| fail(m.version, m.name, e))?;
                tracing::info!(version = m.version, name = m.name, "applied migration");
                done.push(m.version);
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
                crate::audit::chain_existing_audit_entries(&mut tx)
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

    /// SQLite's table rebuild (<https://sqlite.org/lang_altertable.html#otheralter>) for
    /// [`AUTOINCREMENT_TABLES`], in one transaction with the migration's record: each table is
    /// created anew from its stored definition with `AUTOINCREMENT` added to its id, its rows
    /// copied, the old table dropped and the new one renamed, then its indexes and triggers made
    /// again. Foreign keys are off on this connection meanwhile (dropping a parent table would
    /// otherwise cascade) and checked before the commit. Working from the stored definitions keeps
    /// any column an earlier migration added.
    async fn rebuild_with_autoincrement(&self, m: &Migration) -> Result<(), sqlx::Error> {
        use sqlx::Acquire;
        let mut conn = self.pool().acquire().await?;
        sqlx::raw_sql("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await?;
        let result = async {
            let mut tx = conn.begin().await?;
            for table in AUTOINCREMENT_TABLES {
                let create: String = sqlx::query(
                    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = $1",
                )
                .bind(*table)
                .fetch_one(&mut *tx)
                .await?
                .get("sql");
                let Some(rewritten) = autoincrement_definition(&create, table) else {
                    return Err(sqlx::Error::Protocol(format!(
                        "table {table} has no 'id INTEGER PRIMARY KEY' column to give AUTOINCREMENT"
                    )));
                };
                let others: Vec<String> = sqlx::query(
                    "SELECT sql FROM sqlite_schema WHERE tbl_name = $1 AND type IN ('index', 'trigger') AND sql IS NOT NULL",
                )
                .bind(*table)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.get::<String, _>("sql"))
                .collect();
                let new = format!("{table}__rebuilt");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "{rewritten}; INSERT INTO {new} SELECT * FROM {table}; DROP TABLE {table}; ALTER TABLE {new} RENAME TO {table};"
                )))
                .execute(&mut *tx)
                .await?;
                for sql in others {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut *tx)
                .await?;
            if !broken.is_empty() {
                return Err(sqlx::Error::Protocol(format!(
                    "{} rows would break a foreign key after the rebuild",
                    broken.len()
                )));
            }
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(0_i64)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await;
        let restored = sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await;
        result.and(restored.map(|_| ()))
    }
}

/// `CREATE TABLE name (id INTEGER PRIMARY KEY, ...)` as `CREATE TABLE name__rebuilt (id INTEGER
/// PRIMARY KEY AUTOINCREMENT, ...)`; `None` when the definition has no such id column.
fn autoincrement_definition(create: &str, table: &str) -> Option<String> {
    let head = format!("CREATE TABLE {table} (");
    let rest = create.strip_prefix(&head)?;
    let column = "id INTEGER PRIMARY KEY,";
    let at = rest.find(column)?;
    if rest[..at].trim() != "" {
        return None;
    }
    Some(format!(
        "CREATE TABLE {table}__rebuilt ({}id INTEGER PRIMARY KEY AUTOINCREMENT,{}",
        &rest[..at],
        &rest[at + column.len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::autoincrement_definition;

    #[test]
    fn an_id_column_gets_autoincrement_and_the_rest_is_kept() {
        assert_eq!(
            autoincrement_definition(
                "CREATE TABLE agency (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL UNIQUE\n) STRICT",
                "agency"
            )
            .as_deref(),
            Some(
                "CREATE TABLE agency__rebuilt (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    name TEXT NOT NULL UNIQUE\n) STRICT"
            )
        );
        assert_eq!(
            autoincrement_definition(
                "CREATE TABLE s (token TEXT PRIMARY KEY, id INTEGER PRIMARY KEY, x INT)",
                "s"
            ),
            None
        );
    }
}
