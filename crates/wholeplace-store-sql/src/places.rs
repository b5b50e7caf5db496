//! [`PlaceStore`] for [`SqlStore`]: places, how they nest and overlap, local-authority profiles.

use crate::SqlStore;
use crate::audit::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use wholeplace_domain::PlaceId;
use wholeplace_store::*;

pub(crate) const PLACE_COLUMNS: &str =
    "p.id, p.name, p.level, p.gss_code, p.gss_vintage, p.population, p.description";

pub(crate) fn place_from_row(r: &AnyRow) -> StoreResult<Place> {
    Ok(Place {
        id: crate::store::id(r, "id")?,
        name: r.try_get("name").map_err(db_err)?,
        level: crate::store::vocab(r, "level")?,
        gss_code: r.try_get("gss_code").map_err(db_err)?,
        gss_vintage: r.try_get("gss_vintage").map_err(db_err)?,
        population: r.try_get("population").map_err(db_err)?,
        description: r.try_get("description").map_err(db_err)?,
    })
}

#[async_trait]
impl PlaceStore for SqlStore {
    async fn list_places(&self) -> StoreResult<Vec<Place>> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM place p ORDER BY p.level, p.name");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(place_from_row).collect()
    }

    async fn get_place(&self, id: PlaceId) -> StoreResult<Option<Place>> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM place p WHERE p.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| place_from_row(&r)).transpose()
    }

    async fn create_place(&self, p: &NewPlace, audit: &AuditEvent) -> StoreResult<PlaceId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO place (name, level, gss_code, gss_vintage, population, description) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(p.name.clone())
        .bind(p.level.as_str())
        .bind(p.gss_code.clone())
        .bind(p.gss_vintage.clone())
        .bind(p.population)
        .bind(p.description.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a place called '{}' at that level, or with that GSS code,", p.name)))?;
        let id: PlaceId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn update_place(&self, id: PlaceId, p: &NewPlace, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("UPDATE place SET name = $1, level = $2, gss_code = $3, gss_vintage = $4, population = $5, description = $6 WHERE id = $7")
            .bind(p.name.clone())
            .bind(p.level.as_str())
            .bind(p.gss_code.clone())
            .bind(p.gss_vintage.clone())
            .bind(p.population)
            .bind(p.description.clone())
            .bind(id.get());
        change_one(
            self,
            q,
            "a place with that name and level, or that GSS code,",
            audit,
        )
        .await
    }

    async fn delete_place(&self, id: PlaceId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM place WHERE id = $1").bind(id.get());
        change_one(
            self,
            q,
            "budget lines, grants, partnerships or projects that use this place",
            audit,
        )
        .await
    }

    async fn relate_places(
        &self,
        parent_id: PlaceId,
        child_id: PlaceId,
        relation: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO place_relation (parent_id, child_id, relation) VALUES ($1, $2, $3) ON CONFLICT (parent_id, child_id) DO UPDATE SET relation = excluded.relation")
            .bind(parent_id.get())
            .bind(child_id.get())
            .bind(relation.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(|e| fk_or(e, "that relation"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn place_relations(&self, id: PlaceId) -> StoreResult<(Vec<Related>, Vec<Related>)> {
        let mut out = (Vec::new(), Vec::new());
        for (join, which) in [("r.parent_id", 0), ("r.child_id", 1)] {
            let filter = if which == 0 {
                "r.child_id"
            } else {
                "r.parent_id"
            };
            let sql = format!(
                "SELECT {PLACE_COLUMNS}, r.relation FROM place_relation r JOIN place p ON p.id = {join} WHERE {filter} = $1 ORDER BY p.name"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            let list = rows
                .iter()
                .map(|r| {
                    Ok(Related {
                        place: place_from_row(r)?,
                        relation: r.try_get("relation").map_err(db_err)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            if which == 0 {
                out.0 = list
            } else {
                out.1 = list
            }
        }
        Ok(out)
    }

    async fn upsert_local_authorities(
        &self,
        rows: &[(NewPlace, LaProfile)],
        audit: &AuditEvent,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        for (p, prof) in rows {
            let row = sqlx::query(
                "INSERT INTO place (name, level, gss_code, gss_vintage, population, description) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (name, level) DO UPDATE SET gss_code = excluded.gss_code, gss_vintage = excluded.gss_vintage, population = excluded.population RETURNING id",
            )
            .bind(p.name.clone())
            .bind(p.level.as_str())
            .bind(p.gss_code.clone())
            .bind(p.gss_vintage.clone())
            .bind(p.population)
            .bind(p.description.clone())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| fk_or(e, &format!("a place with GSS code {}", p.gss_code.clone().unwrap_or_default())))?;
            let id: i64 = row.try_get("id").map_err(db_err)?;
            crate::dataset::upsert_profile(&mut tx, id, prof).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rows.len())
    }

    async fn la_profile(&self, place_id: PlaceId) -> StoreResult<Option<LaProfile>> {
        let row = sqlx::query("SELECT population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks FROM la_profile WHERE place_id = $1")
            .bind(place_id.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(LaProfile {
                population: r.try_get("population").map_err(db_err)?,
                population_year: r.try_get("population_year").map_err(db_err)?,
                claimant_rate_pct: r.try_get("claimant_rate_pct").map_err(db_err)?,
                median_earnings_gbp: r.try_get("median_earnings_gbp").map_err(db_err)?,
                imd_rank: r.try_get("imd_rank").map_err(db_err)?,
                imd_total: r.try_get("imd_total").map_err(db_err)?,
                domain_ranks: r.try_get("domain_ranks").map_err(db_err)?,
            })
        })
        .transpose()
    }
}
