//! [`SoftOutcomeStore`] for [`SqlStore`]: scales and their readings, wellbeing readings, the
//! published ONS4 means, the (S)WEMWBS registration and Outcomes Star readings. Lists of numbers
//! and words (anchors, item scores) are kept as JSON text.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::get;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{ScaleId, ScaleReadingId, WellbeingReadingId};
use wholeplace_store::*;

/// A JSON list column read back.
pub(crate) fn json_list<T: serde::de::DeserializeOwned>(
    r: &AnyRow,
    column: &str,
) -> StoreResult<Vec<T>> {
    let text: String = get(r, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Backend(format!("column {column}: {e}")))
}

/// A list as JSON text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_owned())
}

fn scale_from_row(r: &AnyRow) -> StoreResult<Scale> {
    Ok(Scale {
        id: id(r, "id")?,
        name: get(r, "name")?,
        description: get(r, "description")?,
        low: get(r, "low")?,
        high: get(r, "high")?,
        anchors: json_list(r, "anchors")?,
    })
}

fn scale_reading_from_row(r: &AnyRow) -> StoreResult<ScaleReading> {
    let subject = match (opt_id(r, "person_id")?, opt_id(r, "household_id")?) {
        (Some(p), _) => Subject::Person(p),
        (None, Some(h)) => Subject::Family(h),
        (None, None) => {
            return Err(StoreError::Backend(
                "a scale reading about no one".to_owned(),
            ));
        }
    };
    Ok(ScaleReading {
        id: id(r, "id")?,
        scale_id: id(r, "scale_id")?,
        subject,
        taken_on: get(r, "taken_on")?,
        score: get(r, "score")?,
    })
}

fn wellbeing_from_row(r: &AnyRow) -> StoreResult<WellbeingReading> {
    Ok(WellbeingReading {
        id: id(r, "id")?,
        instrument: vocab(r, "instrument")?,
        person_id: id(r, "person_id")?,
        taken_on: get(r, "taken_on")?,
        items: json_list(r, "items")?,
    })
}

const STAR_SQLITE: &str = "INSERT INTO star_reading (person_id, star, taken_on, area, score) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each($1) WHERE true \
     ON CONFLICT (person_id, star, taken_on, area) DO UPDATE SET score = excluded.score";

const STAR_POSTGRES: &str = "INSERT INTO star_reading (person_id, star, taken_on, area, score) \
     SELECT (e->>0)::BIGINT, e->>1, e->>2, e->>3, (e->>4)::BIGINT FROM jsonb_array_elements($1::TEXT::JSONB) AS e \
     ON CONFLICT (person_id, star, taken_on, area) DO UPDATE SET score = excluded.score";

#[async_trait]
impl SoftOutcomeStore for SqlStore {
    async fn list_scales(&self) -> StoreResult<Vec<Scale>> {
        sqlx::query(
            "SELECT id, name, description, low, high, anchors FROM outcome_scale ORDER BY name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(scale_from_row)
        .collect()
    }

    async fn create_scale(&self, s: &Scale, audit: &AuditEvent) -> StoreResult<ScaleId> {
        let q = sqlx::query(
            "INSERT INTO outcome_scale (name, description, low, high, anchors) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(s.name.clone())
        .bind(s.description.clone())
        .bind(s.low)
        .bind(s.high)
        .bind(to_json(&s.anchors));
        create_one(self, q, &format!("a scale called '{}'", s.name), audit).await
    }

    async fn scale_readings(&self, scale: ScaleId) -> StoreResult<Vec<ScaleReading>> {
        sqlx::query(
            "SELECT id, scale_id, person_id, household_id, taken_on, score FROM scale_reading WHERE scale_id = $1 ORDER BY taken_on, id",
        )
        .bind(scale.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(scale_reading_from_row)
        .collect()
    }

    async fn add_scale_reading(
        &self,
        r: &ScaleReading,
        audit: &AuditEvent,
    ) -> StoreResult<ScaleReadingId> {
        let (person, household) = match r.subject {
            Subject::Person(p) => (Some(p.get()), None),
            Subject::Family(h) => (None, Some(h.get())),
        };
        let q = sqlx::query(
            "INSERT INTO scale_reading (scale_id, person_id, household_id, taken_on, score) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(r.scale_id.get())
        .bind(person)
        .bind(household)
        .bind(r.taken_on.clone())
        .bind(r.score);
        create_one(self, q, "a reading", audit).await
    }

    async fn wellbeing_readings(
        &self,
        instrument: Instrument,
    ) -> StoreResult<Vec<WellbeingReading>> {
        sqlx::query(
            "SELECT id, instrument, person_id, taken_on, items FROM wellbeing_reading WHERE instrument = $1 ORDER BY taken_on, id",
        )
        .bind(instrument.as_str())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(wellbeing_from_row)
        .collect()
    }

    async fn add_wellbeing_reading(
        &self,
        r: &WellbeingReading,
        audit: &AuditEvent,
    ) -> StoreResult<WellbeingReadingId> {
        let q = sqlx::query(
            "INSERT INTO wellbeing_reading (instrument, person_id, taken_on, items) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(r.instrument.as_str())
        .bind(r.person_id.get())
        .bind(r.taken_on.clone())
        .bind(to_json(&r.items));
        create_one(self, q, "a wellbeing reading", audit).await
    }

    async fn ons4_published(&self) -> StoreResult<Vec<Ons4Published>> {
        sqlx::query(
            "SELECT o.place_id, p.name AS place_name, o.period, o.life_satisfaction, o.worthwhile, o.happiness, o.anxiety, o.source \
             FROM ons4_published o JOIN place p ON p.id = o.place_id ORDER BY p.name, o.period",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(Ons4Published {
                place_id: id(r, "place_id")?,
                place_name: get(r, "place_name")?,
                period: get(r, "period")?,
                means: [
                    get(r, "life_satisfaction")?,
                    get(r, "worthwhile")?,
                    get(r, "happiness")?,
                    get(r, "anxiety")?,
                ],
                source: get(r, "source")?,
            })
        })
        .collect()
    }

    async fn put_ons4_published(&self, p: &Ons4Published, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO ons4_published (place_id, period, life_satisfaction, worthwhile, happiness, anxiety, source) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (place_id, period) DO UPDATE SET life_satisfaction = excluded.life_satisfaction, worthwhile = excluded.worthwhile, happiness = excluded.happiness, anxiety = excluded.anxiety, source = excluded.source",
        )
        .bind(p.place_id.get())
        .bind(p.period.clone())
        .bind(p.means[0])
        .bind(p.means[1])
        .bind(p.means[2])
        .bind(p.means[3])
        .bind(p.source.clone());
        write_one(self, q, "published figures", audit).await
    }

    async fn wemwbs_registration(&self) -> StoreResult<Option<WemwbsRegistration>> {
        sqlx::query("SELECT registered_by, registered_on, licence_reference, recorded_by, recorded_at FROM wemwbs_registration WHERE id = 1")
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .map(|r| {
                Ok(WemwbsRegistration {
                    registered_by: get(&r, "registered_by")?,
                    registered_on: get(&r, "registered_on")?,
                    licence_reference: get(&r, "licence_reference")?,
                    recorded_by: get(&r, "recorded_by")?,
                    recorded_at: get(&r, "recorded_at")?,
                })
            })
            .transpose()
    }

    async fn set_wemwbs_registration(
        &self,
        r: &WemwbsRegistration,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO wemwbs_registration (id, registered_by, registered_on, licence_reference, recorded_by, recorded_at) VALUES (1, $1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET registered_by = excluded.registered_by, registered_on = excluded.registered_on, licence_reference = excluded.licence_reference, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        )
        .bind(r.registered_by.clone())
        .bind(r.registered_on.clone())
        .bind(r.licence_reference.clone())
        .bind(r.recorded_by.clone())
        .bind(r.recorded_at);
        write_one(self, q, "the registration", audit).await
    }

    async fn star_readings(&self) -> StoreResult<Vec<StarReading>> {
        sqlx::query(
            "SELECT person_id, star, taken_on, area, score FROM star_reading ORDER BY star, person_id, taken_on, area",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(StarReading {
                person_id: id(r, "person_id")?,
                star: get(r, "star")?,
                taken_on: get(r, "taken_on")?,
                area: get(r, "area")?,
                score: get(r, "score")?,
            })
        })
        .collect()
    }

    async fn put_star_readings(
        &self,
        rs: &[StarReading],
        audit: &AuditEvent,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let sql = if is_postgres(&tx) {
            STAR_POSTGRES
        } else {
            STAR_SQLITE
        };
        for chunk in rs.chunks(5000) {
            let rows: Vec<serde_json::Value> = chunk
                .iter()
                .map(|r| {
                    serde_json::json!([r.person_id.get(), r.star, r.taken_on, r.area, r.score])
                })
                .collect();
            sqlx::query(sql)
                .bind(serde_json::Value::Array(rows).to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| fk_or(e, "a reading"))?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rs.len())
    }
}
