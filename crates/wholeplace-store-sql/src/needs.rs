//! [`NeedStore`] for [`SqlStore`]: the partnership's need terms.

use crate::SqlStore;
use crate::store::*;
use async_trait::async_trait;
use sqlx::Row;
use wholeplace_store::*;

#[async_trait]
impl NeedStore for SqlStore {
    async fn list_need_terms(&self) -> StoreResult<Vec<NeedTerm>> {
        let rows = sqlx::query("SELECT key, label FROM need_term ORDER BY key")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(NeedTerm {
                    key: r.try_get("key").map_err(db_err)?,
                    label: r.try_get("label").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn set_need_term(&self, term: &NeedTerm, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO need_term (key, label) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET label = excluded.label",
        )
        .bind(term.key.clone())
        .bind(term.label.clone());
        write_one(self, q, &format!("a need called '{}'", term.label), audit).await
    }
}
