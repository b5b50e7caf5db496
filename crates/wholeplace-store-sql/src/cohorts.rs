//! [`CohortStore`] for [`SqlStore`]: cohorts, their weights, and the households they are applied to.

use crate::SqlStore;
use crate::audit::*;
use crate::families::{INVOLVEMENT_SELECT, involvement_from_row, keys, parse_keys};
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use wholeplace_domain::{CohortId, HouseholdId, Need};
use wholeplace_store::*;

const COHORTS: &str = "SELECT c.id, c.name, c.description, c.needs, c.min_needs, c.agency_id, a.name AS agency_name, \
     c.place_id, pl.name AS place_name, c.cost_points_per_thousand, c.salt, c.created_by, c.created_at \
     FROM cohort c LEFT JOIN agency a ON a.id = c.agency_id LEFT JOIN place pl ON pl.id = c.place_id";

fn cohort_from_row(r: &AnyRow, weights: &[AnyRow]) -> StoreResult<Cohort> {
    let cid: CohortId = id(r, "id")?;
    let mut mine: Vec<(Need, i64)> = Vec::new();
    for w in weights {
        if id::<CohortId>(w, "cohort_id")? == cid {
            mine.push((vocab(w, "need")?, w.try_get("weight").map_err(db_err)?));
        }
    }
    mine.sort_by_key(|(n, _)| {
        wholeplace_domain::taxonomy::NEEDS
            .iter()
            .position(|(k, _)| *k == n.as_str())
    });
    Ok(Cohort {
        id: cid,
        name: r.try_get("name").map_err(db_err)?,
        description: r.try_get("description").map_err(db_err)?,
        needs: parse_keys(r, "needs")?,
        min_needs: r.try_get("min_needs").map_err(db_err)?,
        agency_id: opt_id(r, "agency_id")?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        place_id: opt_id(r, "place_id")?,
        place_name: r.try_get("place_name").map_err(db_err)?,
        cost_points_per_thousand: r.try_get("cost_points_per_thousand").map_err(db_err)?,
        weights: mine,
        salt: r.try_get("salt").map_err(db_err)?,
        created_by: r.try_get("created_by").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

/// Writes a cohort's weights, replacing any it had.
async fn write_weights(
    tx: &mut Transaction<'static, Any>,
    cid: CohortId,
    weights: &[(Need, i64)],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM cohort_weight WHERE cohort_id = $1")
        .bind(cid.get())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for (need, weight) in weights {
        sqlx::query("INSERT INTO cohort_weight (cohort_id, need, weight) VALUES ($1, $2, $3)")
            .bind(cid.get())
            .bind(need.as_str().to_owned())
            .bind(*weight)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

impl SqlStore {
    async fn cohorts_where(&self, filter: &str, cid: Option<CohortId>) -> StoreResult<Vec<Cohort>> {
        let sql = format!("{COHORTS} {filter} ORDER BY c.name, c.id");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(c) = cid {
            q = q.bind(c.get());
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db_err)?;
        let weights = sqlx::query("SELECT cohort_id, need, weight FROM cohort_weight")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| cohort_from_row(r, &weights)).collect()
    }
}

#[async_trait]
impl CohortStore for SqlStore {
    async fn list_cohorts(&self) -> StoreResult<Vec<Cohort>> {
        self.cohorts_where("", None).await
    }

    async fn get_cohort(&self, cid: CohortId) -> StoreResult<Option<Cohort>> {
        Ok(self
            .cohorts_where("WHERE c.id = $1", Some(cid))
            .await?
            .into_iter()
            .next())
    }

    async fn create_cohort(&self, c: &NewCohort, audit: &AuditEvent) -> StoreResult<CohortId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO cohort (name, description, needs, min_needs, agency_id, place_id, cost_points_per_thousand, salt, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(c.name.clone())
        .bind(c.description.clone())
        .bind(keys(&c.needs.iter().map(|n| n.as_str()).collect::<Vec<_>>()))
        .bind(c.min_needs)
        .bind(c.agency_id.map(|v| v.get()))
        .bind(c.place_id.map(|v| v.get()))
        .bind(c.cost_points_per_thousand)
        .bind(c.salt.clone())
        .bind(c.created_by.clone())
        .bind(c.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a cohort called '{}'", c.name)))?;
        let cid: CohortId = id(&row, "id")?;
        write_weights(&mut tx, cid, &c.weights).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(cid.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(cid)
    }

    async fn update_cohort(
        &self,
        cid: CohortId,
        c: &NewCohort,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE cohort SET name = $1, description = $2, needs = $3, min_needs = $4, agency_id = $5, place_id = $6, cost_points_per_thousand = $7 WHERE id = $8",
        )
        .bind(c.name.clone())
        .bind(c.description.clone())
        .bind(keys(&c.needs.iter().map(|n| n.as_str()).collect::<Vec<_>>()))
        .bind(c.min_needs)
        .bind(c.agency_id.map(|v| v.get()))
        .bind(c.place_id.map(|v| v.get()))
        .bind(c.cost_points_per_thousand)
        .bind(cid.get())
        .execute(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a cohort called '{}'", c.name)))?;
        expect_one(done.rows_affected())?;
        write_weights(&mut tx, cid, &c.weights).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn delete_cohort(&self, cid: CohortId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM cohort WHERE id = $1").bind(cid.get());
        change_one(self, q, "records that use this cohort", audit).await
    }

    async fn cohort_candidates(&self) -> StoreResult<Vec<CohortCandidate>> {
        let households = sqlx::query("SELECT id, name, place_id FROM household ORDER BY id")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let sql = format!(
            "{INVOLVEMENT_SELECT} JOIN household_member m ON m.person_id = i.person_id \
             ORDER BY m.household_id, i.id"
        );
        let sql = sql.replacen("SELECT i.id,", "SELECT m.household_id, i.id,", 1);
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(households.len());
        for h in &households {
            out.push(CohortCandidate {
                household_id: id(h, "id")?,
                name: h.try_get("name").map_err(db_err)?,
                place_id: opt_id(h, "place_id")?,
                involvements: Vec::new(),
            });
        }
        for r in &rows {
            let hid: HouseholdId = id(r, "household_id")?;
            if let Ok(at) = out.binary_search_by_key(&hid, |c| c.household_id) {
                out[at].involvements.push(involvement_from_row(r)?);
            }
        }
        Ok(out)
    }
}
