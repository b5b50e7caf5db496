//! [`AppraisalStore`] for [`SqlStore`].

use crate::SqlStore;
use wholeplace_domain::AppraisalId;

use crate::audit::insert_audit;
use crate::store::{change_one, db_err, fk_or};
use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;
use wholeplace_store::{
    AppraisalStore, AuditEvent, NewAppraisal, StoreError, StoreResult, StoredAppraisal,
};

const SELECT: &str = "SELECT a.id, a.partnership_id, p.name AS partnership_name, a.title, a.model_toml, a.created_by, a.created_at, a.updated_at \
     FROM appraisal a LEFT JOIN partnership p ON p.id = a.partnership_id";

fn from_row(r: &AnyRow) -> StoreResult<StoredAppraisal> {
    Ok(StoredAppraisal {
        id: crate::store::id(r, "id")?,
        partnership_id: crate::store::opt_id(r, "partnership_id")?,
        partnership_name: r.try_get("partnership_name").map_err(db_err)?,
        title: r.try_get("title").map_err(db_err)?,
        model_toml: r.try_get("model_toml").map_err(db_err)?,
        created_by: r.try_get("created_by").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

#[async_trait]
impl AppraisalStore for SqlStore {
    async fn list_appraisals(&self) -> StoreResult<Vec<StoredAppraisal>> {
        let sql = format!("{SELECT} ORDER BY p.name, a.title, a.id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(from_row)
            .collect()
    }

    async fn get_appraisal(&self, id: AppraisalId) -> StoreResult<Option<StoredAppraisal>> {
        let sql = format!("{SELECT} WHERE a.id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn create_appraisal(
        &self,
        a: &NewAppraisal,
        audit: &AuditEvent,
    ) -> StoreResult<AppraisalId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO appraisal (partnership_id, title, model_toml, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(a.partnership_id.map(|v| v.get()))
        .bind(a.title.clone())
        .bind(a.model_toml.clone())
        .bind(a.created_by.clone())
        .bind(a.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "the appraisal"))?;
        let id: AppraisalId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn update_appraisal(
        &self,
        id: AppraisalId,
        a: &NewAppraisal,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE appraisal SET partnership_id = $1, title = $2, model_toml = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(a.partnership_id.map(|v| v.get()))
        .bind(a.title.clone())
        .bind(a.model_toml.clone())
        .bind(a.at)
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "the appraisal"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn delete_appraisal(&self, id: AppraisalId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM appraisal WHERE id = $1").bind(id.get());
        change_one(self, q, "records that use this appraisal", audit).await
    }
}
