//! [`BudgetStore`] for [`SqlStore`]: budget lines (the resource map).

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use wholeplace_domain::Money;
use wholeplace_domain::{BudgetLineId, PlaceId};
use wholeplace_store::*;

pub(crate) const BUDGET_SELECT: &str = "SELECT b.id, b.agency_id, a.name AS agency_name, b.place_id, p.name AS place_name, b.service_area, b.financial_year, b.amount_pence, b.spend_kind, b.source, b.confidence \
     FROM budget_line b JOIN agency a ON a.id = b.agency_id JOIN place p ON p.id = b.place_id";

/// Rows per multi-row INSERT when loading budget lines.
pub(crate) const BATCH: usize = 100;

pub(crate) fn budget_from_row(r: &AnyRow) -> StoreResult<BudgetLine> {
    Ok(BudgetLine {
        id: crate::store::id(r, "id")?,
        agency_id: crate::store::id(r, "agency_id")?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        place_id: crate::store::id(r, "place_id")?,
        place_name: r.try_get("place_name").map_err(db_err)?,
        service_area: crate::store::vocab(r, "service_area")?,
        financial_year: crate::store::year(r, "financial_year")?,
        amount: Money::from_pence(r.try_get("amount_pence").map_err(db_err)?),
        spend_kind: r.try_get("spend_kind").map_err(db_err)?,
        source: r.try_get("source").map_err(db_err)?,
        confidence: r.try_get("confidence").map_err(db_err)?,
    })
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
                .bind(l.agency_id.get())
                .bind(l.place_id.get())
                .bind(l.service_area.as_str())
                .bind(i64::from(l.financial_year.start_year()))
                .bind(l.amount.pence())
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

impl SqlStore {
    /// The budget line with this id (none or one).
    pub(crate) async fn all_budget_lines_where(
        &self,
        id: BudgetLineId,
    ) -> StoreResult<Vec<BudgetLine>> {
        let sql = format!("{BUDGET_SELECT} WHERE b.id = $1");
        sqlx::query(AssertSqlSafe(sql))
            .bind(id.get())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(budget_from_row)
            .collect()
    }
}

#[async_trait]
impl BudgetStore for SqlStore {
    async fn budget_lines_for_place(
        &self,
        place_id: PlaceId,
        limit: Option<i64>,
    ) -> StoreResult<Vec<BudgetLine>> {
        let limit = limit
            .map(|l| format!(" LIMIT {}", l.max(0)))
            .unwrap_or_default();
        let sql = format!(
            "{BUDGET_SELECT} WHERE b.place_id = $1 ORDER BY b.financial_year, a.name, b.service_area, b.id{limit}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(place_id.get())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(budget_from_row).collect()
    }

    /// Sums each group in two parts, the amounts divided by `SPLIT` and their remainders (both
    /// backends truncate towards zero, so `amount = high * SPLIT + low` exactly): neither part's sum
    /// can overflow a BIGINT for fewer than 9 billion lines, and the parts are joined in `i128`.
    /// A plain `SUM` overflows on SQLite (an error) once lines add up past 2^63 pence.
    async fn budget_totals_for_place(&self, place_id: PlaceId) -> StoreResult<BudgetTotals> {
        const SPLIT: i64 = 1_000_000_000;
        let mut totals = BudgetTotals::default();
        for (key, which) in [
            ("a.name", 0),
            ("b.service_area", 1),
            ("b.financial_year", 2),
        ] {
            let sql = format!(
                "SELECT {key} AS group_key, CAST(SUM(b.amount_pence / {SPLIT}) AS BIGINT) AS high, CAST(SUM(b.amount_pence % {SPLIT}) AS BIGINT) AS low, COUNT(*) AS n FROM budget_line b JOIN agency a ON a.id = b.agency_id WHERE b.place_id = $1 GROUP BY {key}"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(place_id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            let mut count = 0;
            for r in &rows {
                let high: i64 = r.try_get("high").map_err(db_err)?;
                let low: i64 = r.try_get("low").map_err(db_err)?;
                let sum = i128::from(high) * i128::from(SPLIT) + i128::from(low);
                count += r.try_get::<i64, _>("n").map_err(db_err)?;
                match which {
                    0 => totals
                        .by_agency
                        .push((r.try_get("group_key").map_err(db_err)?, sum)),
                    1 => totals
                        .by_service
                        .push((r.try_get("group_key").map_err(db_err)?, sum)),
                    _ => {
                        let y = i32::try_from(r.try_get::<i64, _>("group_key").map_err(db_err)?)
                            .map_err(|e| StoreError::Backend(e.to_string()))?;
                        totals.by_year.push((y, sum));
                    }
                }
            }
            totals.count = count;
        }
        Ok(totals)
    }

    async fn list_budget_lines(&self) -> StoreResult<Vec<BudgetLine>> {
        let sql = format!("{BUDGET_SELECT} ORDER BY b.id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(budget_from_row).collect()
    }

    async fn get_budget_line(
        &self,
        id: BudgetLineId,
    ) -> StoreResult<Option<wholeplace_store::BudgetLine>> {
        let lines = self.all_budget_lines_where(id).await?;
        Ok(lines.into_iter().next())
    }

    async fn create_budget_line(
        &self,
        l: &NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<BudgetLineId> {
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
        .try_get("id")
        .map_err(db_err)?;
        let id = BudgetLineId::new(id);
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
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

    async fn update_budget_line(
        &self,
        id: BudgetLineId,
        l: &NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = bind_line(sqlx::query("UPDATE budget_line SET agency_id = $1, place_id = $2, service_area = $3, financial_year = $4, amount_pence = $5, spend_kind = $6, source = $7, confidence = $8 WHERE id = $9"), l)
            .bind(id.get());
        change_one(self, q, "that budget line", audit).await
    }

    async fn delete_budget_line(&self, id: BudgetLineId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM budget_line WHERE id = $1").bind(id.get());
        change_one(self, q, "records that use this budget line", audit).await
    }
}
