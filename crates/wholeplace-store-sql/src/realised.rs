//! [`RealisedStore`] for [`SqlStore`]: appraisal snapshots and the outcomes achieved.

use crate::SqlStore;
use crate::audit::insert_audit;
use crate::dataset::get;
use crate::store::{db_err, fk_or, id};
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{AppraisalId, SnapshotId};
use wholeplace_store::realised::OutcomeChange;
use wholeplace_store::*;

const SELECT: &str = "SELECT id, appraisal_id, option_name, approval, approved_on, model_toml, forecast, created_by, created_at FROM appraisal_snapshot";

fn from_row(r: &AnyRow) -> StoreResult<AppraisalSnapshot> {
    Ok(AppraisalSnapshot {
        id: id(r, "id")?,
        appraisal_id: id(r, "appraisal_id")?,
        option_name: get(r, "option_name")?,
        approval: get(r, "approval")?,
        approved_on: get(r, "approved_on")?,
        model_toml: get(r, "model_toml")?,
        forecast: get(r, "forecast")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        observed: Vec::new(),
    })
}

#[async_trait]
impl RealisedStore for SqlStore {
    async fn list_snapshots(&self, appraisal: AppraisalId) -> StoreResult<Vec<AppraisalSnapshot>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE appraisal_id = $1 ORDER BY id DESC"
        )))
        .bind(appraisal.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(from_row)
        .collect()
    }

    async fn get_snapshot(&self, sid: SnapshotId) -> StoreResult<Option<AppraisalSnapshot>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
            .bind(sid.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let mut s = from_row(&row)?;
        s.observed = sqlx::query(
            "SELECT line_index, year_index, milli, recorded_by, recorded_at FROM realised_outcome \
             WHERE snapshot_id = $1 ORDER BY line_index, year_index",
        )
        .bind(sid.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(RealisedOutcome {
                line: get(r, "line_index")?,
                year: get(r, "year_index")?,
                milli: get(r, "milli")?,
                recorded_by: get(r, "recorded_by")?,
                recorded_at: get(r, "recorded_at")?,
            })
        })
        .collect::<StoreResult<_>>()?;
        Ok(Some(s))
    }

    async fn create_snapshot(
        &self,
        s: &NewSnapshot,
        audit: &AuditEvent,
    ) -> StoreResult<SnapshotId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO appraisal_snapshot (appraisal_id, option_name, approval, approved_on, model_toml, forecast, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.appraisal_id.get())
        .bind(s.option_name.clone())
        .bind(s.approval.clone())
        .bind(s.approved_on.clone())
        .bind(s.model_toml.clone())
        .bind(s.forecast.clone())
        .bind(s.created_by.clone())
        .bind(s.created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that snapshot"))?;
        let new: SnapshotId = id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(new.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(new)
    }

    async fn record_outcomes(
        &self,
        snapshot: SnapshotId,
        values: &[OutcomeChange],
        by: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let exists = sqlx::query("SELECT id FROM appraisal_snapshot WHERE id = $1")
            .bind(snapshot.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        for &(line, year, milli) in values {
            let q = match milli {
                Some(m) => sqlx::query(
                    "INSERT INTO realised_outcome (snapshot_id, line_index, year_index, milli, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (snapshot_id, line_index, year_index) \
                     DO UPDATE SET milli = excluded.milli, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
                )
                .bind(snapshot.get())
                .bind(line)
                .bind(year)
                .bind(m)
                .bind(by.to_owned())
                .bind(at),
                None => sqlx::query(
                    "DELETE FROM realised_outcome WHERE snapshot_id = $1 AND line_index = $2 AND year_index = $3",
                )
                .bind(snapshot.get())
                .bind(line)
                .bind(year),
            };
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
