//! [`OutcomeStore`] for [`SqlStore`]: indicators, their figures and targets.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::get;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{IndicatorId, PlaceId, TargetId};
use wholeplace_store::*;

/// Figures written by one statement. They travel as one JSON text parameter read back by the
/// database (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL), so a statement has
/// two parameters however many rows it carries: SQLite looks numbered parameters up by name, and
/// a statement with thousands of them costs the square of their number (see `extracts.rs`).
const BATCH: usize = 5000;

const INDICATORS: &str = "SELECT id, name, definition, unit, per, polarity, source, geography, national, version, replaces_id, bridging_note FROM indicator";

fn indicator_from_row(r: &AnyRow) -> StoreResult<Indicator> {
    let national: i64 = get(r, "national")?;
    Ok(Indicator {
        id: id(r, "id")?,
        name: get(r, "name")?,
        definition: get(r, "definition")?,
        unit: vocab(r, "unit")?,
        per: get(r, "per")?,
        polarity: vocab(r, "polarity")?,
        source: get(r, "source")?,
        geography: vocab(r, "geography")?,
        national: national != 0,
        version: get(r, "version")?,
        replaces: opt_id(r, "replaces_id")?,
        bridging_note: get(r, "bridging_note")?,
    })
}

fn value_from_row(r: &AnyRow) -> StoreResult<IndicatorValue> {
    let illustrative: i64 = get(r, "illustrative")?;
    Ok(IndicatorValue {
        place_id: id(r, "place_id")?,
        place_name: get(r, "place_name")?,
        period: get(r, "period")?,
        value: get(r, "value")?,
        numerator: get(r, "numerator")?,
        denominator: get(r, "denominator")?,
        illustrative: illustrative != 0,
    })
}

fn target_from_row(r: &AnyRow) -> StoreResult<Target> {
    Ok(Target {
        id: id(r, "id")?,
        indicator_id: id(r, "indicator_id")?,
        place_id: id(r, "place_id")?,
        place_name: get(r, "place_name")?,
        baseline_value: get(r, "baseline_value")?,
        baseline_period: get(r, "baseline_period")?,
        baseline_source: get(r, "baseline_source")?,
        target_value: get(r, "target_value")?,
        target_date: get(r, "target_date")?,
        owner: get(r, "owner")?,
        polarity: vocab(r, "polarity")?,
        tolerance: get(r, "tolerance")?,
    })
}

/// A number as JSON (`null` when absent or not finite: the service refuses those first).
fn json_number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:?}"),
        _ => "null".to_owned(),
    }
}

/// A chunk of figures as one JSON array of `[place, period, value, numerator, denominator,
/// illustrative]` rows.
fn chunk_json(chunk: &[&IndicatorValue]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(chunk.len() * 48);
    out.push('[');
    for (i, v) in chunk.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let plain = !v
            .period
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control());
        let period = if plain {
            format!("\"{}\"", v.period)
        } else {
            serde_json::Value::String(v.period.clone()).to_string()
        };
        let _ = write!(
            out,
            "[{},{period},{},{},{},{}]",
            v.place_id.get(),
            json_number(Some(v.value)),
            json_number(v.numerator),
            json_number(v.denominator),
            i64::from(v.illustrative)
        );
    }
    out.push(']');
    out
}

const UPSERT_SQLITE: &str = "INSERT INTO indicator_value (indicator_id, place_id, period, value, numerator, denominator, illustrative) \
     SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]') FROM json_each($2) WHERE true \
     ON CONFLICT (indicator_id, place_id, period) DO UPDATE SET value = excluded.value, numerator = excluded.numerator, denominator = excluded.denominator, illustrative = excluded.illustrative";

const UPSERT_POSTGRES: &str = "INSERT INTO indicator_value (indicator_id, place_id, period, value, numerator, denominator, illustrative) \
     SELECT $1, (e->>0)::BIGINT, e->>1, (e->>2)::DOUBLE PRECISION, (e->>3)::DOUBLE PRECISION, (e->>4)::DOUBLE PRECISION, (e->>5)::BIGINT FROM jsonb_array_elements($2::TEXT::JSONB) AS e \
     ON CONFLICT (indicator_id, place_id, period) DO UPDATE SET value = excluded.value, numerator = excluded.numerator, denominator = excluded.denominator, illustrative = excluded.illustrative";

#[async_trait]
impl OutcomeStore for SqlStore {
    async fn list_indicators(&self) -> StoreResult<Vec<Indicator>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{INDICATORS} ORDER BY name, version"
        )))
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(indicator_from_row)
        .collect()
    }

    async fn create_indicator(
        &self,
        i: &NewIndicator,
        audit: &AuditEvent,
    ) -> StoreResult<IndicatorId> {
        let q = sqlx::query(
            "INSERT INTO indicator (name, definition, unit, per, polarity, source, geography, national, version, replaces_id, bridging_note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(i.name.clone())
        .bind(i.definition.clone())
        .bind(i.unit.as_str())
        .bind(i.per)
        .bind(i.polarity.as_str())
        .bind(i.source.clone())
        .bind(i.geography.as_str().to_owned())
        .bind(i64::from(i.national))
        .bind(i.version)
        .bind(i.replaces.map(|r| r.get()))
        .bind(i.bridging_note.clone());
        create_one(
            self,
            q,
            &format!("version {} of an indicator called '{}'", i.version, i.name),
            audit,
        )
        .await
    }

    async fn indicator_values(&self, indicator: IndicatorId) -> StoreResult<Vec<IndicatorValue>> {
        sqlx::query(
            "SELECT v.place_id, p.name AS place_name, v.period, v.value, v.numerator, v.denominator, v.illustrative \
             FROM indicator_value v JOIN place p ON p.id = v.place_id WHERE v.indicator_id = $1 ORDER BY v.period, p.name",
        )
        .bind(indicator.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(value_from_row)
        .collect()
    }

    async fn put_indicator_values(
        &self,
        indicator: IndicatorId,
        values: &[IndicatorValue],
        audit: &AuditEvent,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let sql = if is_postgres(&tx) {
            UPSERT_POSTGRES
        } else {
            UPSERT_SQLITE
        };
        // In the primary key's order, so the table's B-tree is appended to rather than split at
        // random (a million figures arrive period by period: sorted, they are written in under
        // half the time).
        let mut sorted: Vec<&IndicatorValue> = values.iter().collect();
        let order = |a: &&IndicatorValue, b: &&IndicatorValue| {
            (a.place_id, &a.period).cmp(&(b.place_id, &b.period))
        };
        if !sorted.is_sorted_by(|a, b| order(a, b).is_le()) {
            sorted.sort_unstable_by(order);
        }
        for chunk in sorted.chunks(BATCH) {
            sqlx::query(sql)
                .bind(indicator.get())
                .bind(chunk_json(chunk))
                .execute(&mut *tx)
                .await
                .map_err(|e| fk_or(e, "a figure"))?;
        }
        let mut ev = audit.clone();
        ev.record_id = Some(indicator.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(values.len())
    }

    async fn list_targets(&self, indicator: Option<IndicatorId>) -> StoreResult<Vec<Target>> {
        sqlx::query(
            "SELECT t.id, t.indicator_id, t.place_id, p.name AS place_name, t.baseline_value, t.baseline_period, t.baseline_source, \
             t.target_value, t.target_date, t.owner, t.polarity, t.tolerance \
             FROM outcome_target t JOIN place p ON p.id = t.place_id \
             WHERE $1 = 0 OR t.indicator_id = $1 ORDER BY t.indicator_id, p.name, t.target_date",
        )
        .bind(indicator.map_or(0, |i| i.get()))
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(target_from_row)
        .collect()
    }

    async fn create_target(&self, t: &Target, audit: &AuditEvent) -> StoreResult<TargetId> {
        let q = sqlx::query(
            "INSERT INTO outcome_target (indicator_id, place_id, baseline_value, baseline_period, baseline_source, target_value, target_date, owner, polarity, tolerance) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(t.indicator_id.get())
        .bind(t.place_id.get())
        .bind(t.baseline_value)
        .bind(t.baseline_period.clone())
        .bind(t.baseline_source.clone())
        .bind(t.target_value)
        .bind(t.target_date.clone())
        .bind(t.owner.clone())
        .bind(t.polarity.as_str())
        .bind(t.tolerance);
        create_one(
            self,
            q,
            &format!("a target for that place due on {}", t.target_date),
            audit,
        )
        .await
    }

    async fn la_profiles(&self) -> StoreResult<Vec<(PlaceId, LaProfile)>> {
        let rows = sqlx::query("SELECT place_id, population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks FROM la_profile ORDER BY place_id")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    id(r, "place_id")?,
                    LaProfile {
                        population: get(r, "population")?,
                        population_year: get(r, "population_year")?,
                        claimant_rate_pct: get(r, "claimant_rate_pct")?,
                        median_earnings_gbp: get(r, "median_earnings_gbp")?,
                        imd_rank: get(r, "imd_rank")?,
                        imd_total: get(r, "imd_total")?,
                        domain_ranks: get(r, "domain_ranks")?,
                    },
                ))
            })
            .collect()
    }
}
