//! [`PlaceStore`] for [`SqlStore`]: places, coverage, profiles, budget lines, grants, partnerships.

use crate::SqlStore;
use crate::store::{Refusal, db_err, insert_audit, refusal};
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use wholeplace_store::{
    Agency, AuditEvent, BudgetLine, BudgetTotals, Grant, GrantChange, LaProfile, NewBudgetLine,
    NewGrant, NewPlace, Partnership, Place, PlaceStore, Related, StoreError, StoreResult,
};

pub(crate) const PLACE_COLUMNS: &str =
    "p.id, p.name, p.level, p.gss_code, p.gss_vintage, p.population, p.description";
const BUDGET_SELECT: &str = "SELECT b.id, b.agency_id, a.name, b.place_id, p.name, b.service_area, b.financial_year, b.amount_pence, b.spend_kind, b.source, b.confidence \
     FROM budget_line b JOIN agency a ON a.id = b.agency_id JOIN place p ON p.id = b.place_id";
/// Rows per multi-row INSERT when loading budget lines.
pub(crate) const BATCH: usize = 100;

pub(crate) fn place_from_row(r: &AnyRow, o: usize) -> StoreResult<Place> {
    Ok(Place {
        id: r.try_get(o).map_err(db_err)?,
        name: r.try_get(o + 1).map_err(db_err)?,
        level: r.try_get(o + 2).map_err(db_err)?,
        gss_code: r.try_get(o + 3).map_err(db_err)?,
        gss_vintage: r.try_get(o + 4).map_err(db_err)?,
        population: r.try_get(o + 5).map_err(db_err)?,
        description: r.try_get(o + 6).map_err(db_err)?,
    })
}

pub(crate) fn agency_from_row(r: &AnyRow, o: usize) -> StoreResult<Agency> {
    Ok(Agency {
        id: r.try_get(o).map_err(db_err)?,
        name: r.try_get(o + 1).map_err(db_err)?,
        kind: r.try_get(o + 2).map_err(db_err)?,
    })
}

fn budget_from_row(r: &AnyRow) -> StoreResult<BudgetLine> {
    Ok(BudgetLine {
        id: r.try_get(0).map_err(db_err)?,
        agency_id: r.try_get(1).map_err(db_err)?,
        agency_name: r.try_get(2).map_err(db_err)?,
        place_id: r.try_get(3).map_err(db_err)?,
        place_name: r.try_get(4).map_err(db_err)?,
        service_area: r.try_get(5).map_err(db_err)?,
        financial_year: i32::try_from(r.try_get::<i64, _>(6).map_err(db_err)?)
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        amount_pence: r.try_get(7).map_err(db_err)?,
        spend_kind: r.try_get(8).map_err(db_err)?,
        source: r.try_get(9).map_err(db_err)?,
        confidence: r.try_get(10).map_err(db_err)?,
    })
}

pub(crate) fn fk_or(e: sqlx::Error, what: &str) -> StoreError {
    match refusal(&e) {
        Some(Refusal::ForeignKey) => StoreError::NotFound,
        Some(Refusal::Unique) => StoreError::Conflict(what.to_owned()),
        None => db_err(e),
    }
}

impl SqlStore {
    /// The budget line with this id (none or one).
    pub(crate) async fn all_budget_lines_where(&self, id: i64) -> StoreResult<Vec<BudgetLine>> {
        let sql = format!("{BUDGET_SELECT} WHERE b.id = $1");
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(budget_from_row)
            .collect()
    }
}

/// Inserts a grant with its recipients and places inside a transaction; returns its id.
pub(crate) async fn insert_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    g: &NewGrant,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO grant_award (funder_agency_id, title, purpose, amount_pence, start_year, end_year, conditions) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(g.funder_agency_id)
    .bind(g.title.clone())
    .bind(g.purpose.clone())
    .bind(g.amount_pence)
    .bind(i64::from(g.start_year))
    .bind(i64::from(g.end_year))
    .bind(g.conditions.clone())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| fk_or(e, "that grant"))?;
    let id: i64 = row.try_get(0).map_err(db_err)?;
    link_grant(tx, id, &g.recipient_ids, &g.place_ids).await?;
    Ok(id)
}

/// Adds a grant's recipients and places (those already linked are left as they are).
pub(crate) async fn link_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    recipient_ids: &[i64],
    place_ids: &[i64],
) -> StoreResult<()> {
    for a in recipient_ids {
        sqlx::query("INSERT INTO grant_recipient (grant_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*a)
            .execute(&mut **tx)
            .await
            .map_err(|e| fk_or(e, "recipient"))?;
    }
    for p in place_ids {
        sqlx::query(
            "INSERT INTO grant_place (grant_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(*p)
        .execute(&mut **tx)
        .await
        .map_err(|e| fk_or(e, "place"))?;
    }
    Ok(())
}

/// Inserts budget lines in multi-row statements of [`BATCH`] rows inside a transaction.
pub(crate) async fn insert_budget_batches(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    lines: &[NewBudgetLine],
) -> StoreResult<()> {
    for chunk in lines.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO budget_line (agency_id, place_id, service_area, financial_year, amount_pence, spend_kind, source, confidence) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for l in chunk {
            q = q
                .bind(l.agency_id)
                .bind(l.place_id)
                .bind(l.service_area.clone())
                .bind(i64::from(l.financial_year))
                .bind(l.amount_pence)
                .bind(l.spend_kind.clone())
                .bind(l.source.clone())
                .bind(l.confidence.clone());
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| fk_or(e, "that budget line"))?;
    }
    Ok(())
}

#[async_trait]
impl PlaceStore for SqlStore {
    async fn list_places(&self) -> StoreResult<Vec<Place>> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM place p ORDER BY p.level, p.name");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| place_from_row(r, 0)).collect()
    }

    async fn place_by_id(&self, id: i64) -> StoreResult<Option<Place>> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM place p WHERE p.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| place_from_row(&r, 0)).transpose()
    }

    async fn create_place(&self, p: &NewPlace, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO place (name, level, gss_code, gss_vintage, population, description) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(p.name.clone())
        .bind(p.level.clone())
        .bind(p.gss_code.clone())
        .bind(p.gss_vintage.clone())
        .bind(p.population)
        .bind(p.description.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a place called '{}' at that level, or with that GSS code,", p.name)))?;
        let id: i64 = row.try_get(0).map_err(db_err)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn relate_places(
        &self,
        parent_id: i64,
        child_id: i64,
        relation: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO place_relation (parent_id, child_id, relation) VALUES ($1, $2, $3) ON CONFLICT (parent_id, child_id) DO UPDATE SET relation = excluded.relation")
            .bind(parent_id)
            .bind(child_id)
            .bind(relation.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(|e| fk_or(e, "that relation"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn place_relations(&self, id: i64) -> StoreResult<(Vec<Related>, Vec<Related>)> {
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
                .bind(id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            let list = rows
                .iter()
                .map(|r| {
                    Ok(Related {
                        place: place_from_row(r, 0)?,
                        relation: r.try_get(7).map_err(db_err)?,
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

    async fn add_agency_coverage(
        &self,
        agency_id: i64,
        place_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO agency_place (agency_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(agency_id)
        .bind(place_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that coverage"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn agencies_covering(&self, place_id: i64) -> StoreResult<Vec<Agency>> {
        let rows = sqlx::query("SELECT a.id, a.name, a.kind FROM agency_place ap JOIN agency a ON a.id = ap.agency_id WHERE ap.place_id = $1 ORDER BY a.name")
            .bind(place_id)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| agency_from_row(r, 0)).collect()
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
            .bind(p.level.clone())
            .bind(p.gss_code.clone())
            .bind(p.gss_vintage.clone())
            .bind(p.population)
            .bind(p.description.clone())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| fk_or(e, &format!("a place with GSS code {}", p.gss_code.clone().unwrap_or_default())))?;
            let id: i64 = row.try_get(0).map_err(db_err)?;
            sqlx::query(
                "INSERT INTO la_profile (place_id, population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (place_id) DO UPDATE SET population = excluded.population, population_year = excluded.population_year, \
                 claimant_rate_pct = excluded.claimant_rate_pct, median_earnings_gbp = excluded.median_earnings_gbp, imd_rank = excluded.imd_rank, imd_total = excluded.imd_total, domain_ranks = excluded.domain_ranks",
            )
            .bind(id)
            .bind(prof.population)
            .bind(prof.population_year)
            .bind(prof.claimant_rate_pct)
            .bind(prof.median_earnings_gbp)
            .bind(prof.imd_rank)
            .bind(prof.imd_total)
            .bind(prof.domain_ranks.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rows.len())
    }

    async fn la_profile(&self, place_id: i64) -> StoreResult<Option<LaProfile>> {
        let row = sqlx::query("SELECT population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks FROM la_profile WHERE place_id = $1")
            .bind(place_id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(LaProfile {
                population: r.try_get(0).map_err(db_err)?,
                population_year: r.try_get(1).map_err(db_err)?,
                claimant_rate_pct: r.try_get(2).map_err(db_err)?,
                median_earnings_gbp: r.try_get(3).map_err(db_err)?,
                imd_rank: r.try_get(4).map_err(db_err)?,
                imd_total: r.try_get(5).map_err(db_err)?,
                domain_ranks: r.try_get(6).map_err(db_err)?,
            })
        })
        .transpose()
    }

    async fn budget_lines_for_place(
        &self,
        place_id: i64,
        limit: Option<i64>,
    ) -> StoreResult<Vec<BudgetLine>> {
        let limit = limit
            .map(|l| format!(" LIMIT {}", l.max(0)))
            .unwrap_or_default();
        let sql = format!(
            "{BUDGET_SELECT} WHERE b.place_id = $1 ORDER BY b.financial_year, a.name, b.service_area, b.id{limit}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(place_id)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(budget_from_row).collect()
    }

    /// Sums each group in two parts, the amounts divided by `SPLIT` and their remainders (both
    /// backends truncate towards zero, so `amount = high * SPLIT + low` exactly): neither part's sum
    /// can overflow a BIGINT for fewer than 9 billion lines, and the parts are joined in `i128`.
    /// A plain `SUM` overflows on SQLite (an error) once lines add up past 2^63 pence.
    async fn budget_totals_for_place(&self, place_id: i64) -> StoreResult<BudgetTotals> {
        const SPLIT: i64 = 1_000_000_000;
        let mut totals = BudgetTotals::default();
        for (key, which) in [
            ("a.name", 0),
            ("b.service_area", 1),
            ("b.financial_year", 2),
        ] {
            let sql = format!(
                "SELECT {key}, CAST(SUM(b.amount_pence / {SPLIT}) AS BIGINT), CAST(SUM(b.amount_pence % {SPLIT}) AS BIGINT), COUNT(*) FROM budget_line b JOIN agency a ON a.id = b.agency_id WHERE b.place_id = $1 GROUP BY {key}"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(place_id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            let mut count = 0;
            for r in &rows {
                let high: i64 = r.try_get(1).map_err(db_err)?;
                let low: i64 = r.try_get(2).map_err(db_err)?;
                let sum = i128::from(high) * i128::from(SPLIT) + i128::from(low);
                count += r.try_get::<i64, _>(3).map_err(db_err)?;
                match which {
                    0 => totals.by_agency.push((r.try_get(0).map_err(db_err)?, sum)),
                    1 => totals.by_service.push((r.try_get(0).map_err(db_err)?, sum)),
                    _ => {
                        let y = i32::try_from(r.try_get::<i64, _>(0).map_err(db_err)?)
                            .map_err(|e| StoreError::Backend(e.to_string()))?;
                        totals.by_year.push((y, sum));
                    }
                }
            }
            totals.count = count;
        }
        Ok(totals)
    }

    async fn all_budget_lines(&self) -> StoreResult<Vec<BudgetLine>> {
        let sql = format!("{BUDGET_SELECT} ORDER BY b.id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(budget_from_row).collect()
    }

    async fn insert_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        insert_budget_batches(&mut tx, lines).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(lines.len())
    }

    async fn create_budget_line(&self, l: &NewBudgetLine, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = crate::dataset::bind_line(
            sqlx::query(
                "INSERT INTO budget_line (agency_id, place_id, service_area, financial_year, amount_pence, spend_kind, source, confidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            ),
            l,
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get(0)
        .map_err(db_err)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn import_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (fresh, already) = crate::dataset::lines_not_stored(&mut tx, lines.to_vec()).await?;
        insert_budget_batches(&mut tx, &fresh).await?;
        let mut ev = audit.clone();
        ev.detail = format!("{} new, {already} already present", fresh.len());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((fresh.len(), already))
    }

    async fn delete_budget_line(&self, id: i64, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM budget_line WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn create_grant(&self, g: &NewGrant, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id = insert_grant(&mut tx, g).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn add_grant_change(
        &self,
        grant_id: i64,
        c: &GrantChange,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO grant_change (grant_id, from_year, new_amount_pence, reason) VALUES ($1, $2, $3, $4)")
            .bind(grant_id)
            .bind(i64::from(c.from_year))
            .bind(c.new_amount_pence)
            .bind(c.reason.clone())
            .execute(&mut *tx)
            .await
            .map_err(|e| fk_or(e, "that change"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_grants(&self) -> StoreResult<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT g.id, a.id, a.name, a.kind, g.title, g.purpose, g.amount_pence, g.start_year, g.end_year, g.conditions FROM grant_award g JOIN agency a ON a.id = g.funder_agency_id ORDER BY g.start_year, g.title",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let year = |r: &AnyRow, i: usize| -> StoreResult<i32> {
            i32::try_from(r.try_get::<i64, _>(i).map_err(db_err)?)
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        let mut grants = Vec::new();
        for r in &rows {
            grants.push(Grant {
                id: r.try_get(0).map_err(db_err)?,
                funder: agency_from_row(r, 1)?,
                title: r.try_get(4).map_err(db_err)?,
                purpose: r.try_get(5).map_err(db_err)?,
                amount_pence: r.try_get(6).map_err(db_err)?,
                start_year: year(r, 7)?,
                end_year: year(r, 8)?,
                conditions: r.try_get(9).map_err(db_err)?,
                recipients: Vec::new(),
                places: Vec::new(),
                changes: Vec::new(),
            });
        }
        for g in &mut grants {
            let rec = sqlx::query("SELECT a.id, a.name, a.kind FROM grant_recipient gr JOIN agency a ON a.id = gr.agency_id WHERE gr.grant_id = $1 ORDER BY a.name")
                .bind(g.id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.recipients = rec
                .iter()
                .map(|r| agency_from_row(r, 0))
                .collect::<StoreResult<_>>()?;
            let pl = sqlx::query("SELECT p.id, p.name FROM grant_place gp JOIN place p ON p.id = gp.place_id WHERE gp.grant_id = $1 ORDER BY p.name")
                .bind(g.id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.places = pl
                .iter()
                .map(|r| Ok((r.try_get(0).map_err(db_err)?, r.try_get(1).map_err(db_err)?)))
                .collect::<StoreResult<_>>()?;
            let ch = sqlx::query("SELECT from_year, new_amount_pence, reason FROM grant_change WHERE grant_id = $1 ORDER BY from_year, id")
                .bind(g.id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.changes = ch
                .iter()
                .map(|r| {
                    Ok(GrantChange {
                        from_year: year(r, 0)?,
                        new_amount_pence: r.try_get(1).map_err(db_err)?,
                        reason: r.try_get(2).map_err(db_err)?,
                    })
                })
                .collect::<StoreResult<_>>()?;
        }
        Ok(grants)
    }

    async fn create_partnership(
        &self,
        name: &str,
        description: &str,
        governance: &str,
        member_ids: &[i64],
        place_ids: &[i64],
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO partnership (name, description, governance) VALUES ($1, $2, $3) RETURNING id")
            .bind(name.to_owned())
            .bind(description.to_owned())
            .bind(governance.to_owned())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| fk_or(e, &format!("a partnership called '{name}'")))?;
        let id: i64 = row.try_get(0).map_err(db_err)?;
        for a in member_ids {
            sqlx::query("INSERT INTO partnership_member (partnership_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(id).bind(*a).execute(&mut *tx).await.map_err(|e| fk_or(e, "member"))?;
        }
        for p in place_ids {
            sqlx::query("INSERT INTO partnership_place (partnership_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(id).bind(*p).execute(&mut *tx).await.map_err(|e| fk_or(e, "place"))?;
        }
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn list_partnerships(&self) -> StoreResult<Vec<Partnership>> {
        let rows =
            sqlx::query("SELECT id, name, description, governance FROM partnership ORDER BY name")
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get(0).map_err(db_err)?;
            let members = sqlx::query("SELECT a.id, a.name, a.kind FROM partnership_member m JOIN agency a ON a.id = m.agency_id WHERE m.partnership_id = $1 ORDER BY a.name")
                .bind(id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| agency_from_row(r, 0))
                .collect::<StoreResult<_>>()?;
            let sql = format!(
                "SELECT {PLACE_COLUMNS} FROM partnership_place pp JOIN place p ON p.id = pp.place_id WHERE pp.partnership_id = $1 ORDER BY p.name"
            );
            let places = sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| place_from_row(r, 0))
                .collect::<StoreResult<_>>()?;
            out.push(Partnership {
                id,
                name: r.try_get(1).map_err(db_err)?,
                description: r.try_get(2).map_err(db_err)?,
                governance: r.try_get(3).map_err(db_err)?,
                members,
                places,
            });
        }
        Ok(out)
    }

    async fn mark_demo(&self, at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO demo_marker (id, loaded_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET loaded_at = excluded.loaded_at")
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn is_demo(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM demo_marker")
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?;
        Ok(row.try_get::<i64, _>(0).map_err(db_err)? > 0)
    }
}
