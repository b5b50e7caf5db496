//! [`ExtractStore`] for [`SqlStore`]: staged extracts and their column mappings.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::get;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{AgencyId, DataClass, ExtractId, PartnershipId};
use wholeplace_store::*;

/// Records inserted by one statement (12 values each). Small on purpose: SQLite looks each
/// numbered parameter up by name, so a statement's cost grows with the square of its parameters
/// (500 records a statement staged 5,900 records a second; see docs/BENCHMARKS.md).
const BATCH: usize = 40;

/// The staged columns after the key, in [`STAGED_FIELDS`] order.
pub(crate) const STAGED_COLUMNS: &str = "record_key, given_name, family_name, date_of_birth, sex, house_number, street, town, postcode, nhs_number, ni_number";

fn staged_from_row(r: &AnyRow) -> StoreResult<StagedRecord> {
    let mut values: StagedValues = Default::default();
    for (v, c) in values.iter_mut().zip(STAGED_COLUMNS.split(", ")) {
        *v = get(r, c)?;
    }
    Ok(StagedRecord {
        id: id(r, "id")?,
        extract_id: id(r, "extract_id")?,
        agency_id: id(r, "agency_id")?,
        values,
        person_id: opt_id(r, "person_id")?,
        encoding: get(r, "encoding")?,
    })
}

fn extract_from_row(r: &AnyRow) -> StoreResult<Extract> {
    Ok(Extract {
        id: id(r, "id")?,
        partnership_id: id(r, "partnership_id")?,
        agency_id: id(r, "agency_id")?,
        agency_name: get(r, "agency_name")?,
        data_class: vocab(r, "data_class")?,
        file_name: get(r, "file_name")?,
        records: get(r, "records")?,
        imported_at: get(r, "imported_at")?,
        imported_by: get(r, "imported_by")?,
        encoded_columns: get::<String>(r, "encoded_columns")?
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The mapping as stored: one `field=column` a line.
fn mapping_text(columns: &[(String, String)]) -> String {
    columns
        .iter()
        .map(|(f, c)| format!("{f}={c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn insert_records(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    extract: ExtractId,
    records: &[StagedValues],
    encodings: &[String],
) -> StoreResult<()> {
    for (n, chunk) in records.chunks(BATCH).enumerate() {
        let mut sql =
            format!("INSERT INTO staged_record (extract_id, {STAGED_COLUMNS}, encoding) VALUES ");
        let width = STAGED_FIELDS.len() + 2;
        for (i, _) in chunk.iter().enumerate() {
            let params: Vec<String> = (1..=width).map(|k| format!("${}", i * width + k)).collect();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&params.join(", "));
            sql.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, r) in chunk.iter().enumerate() {
            q = q.bind(extract.get());
            for v in r {
                q = q.bind(v.clone());
            }
            q = q.bind(encodings.get(n * BATCH + i).cloned().unwrap_or_default());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl ExtractStore for SqlStore {
    async fn extract_mapping(
        &self,
        agency: AgencyId,
        class: DataClass,
    ) -> StoreResult<Option<Vec<(String, String)>>> {
        let row = sqlx::query(
            "SELECT columns FROM extract_mapping WHERE agency_id = $1 AND data_class = $2",
        )
        .bind(agency.get())
        .bind(class.as_str().to_owned())
        .fetch_optional(self.pool())
        .await
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let text: String = get(&row, "columns")?;
        Ok(Some(
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(f, c)| (f.to_owned(), c.to_owned()))
                .collect(),
        ))
    }

    async fn save_extract_mapping(
        &self,
        agency: AgencyId,
        class: DataClass,
        columns: &[(String, String)],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO extract_mapping (agency_id, data_class, columns) VALUES ($1, $2, $3) \
             ON CONFLICT (agency_id, data_class) DO UPDATE SET columns = excluded.columns",
        )
        .bind(agency.get())
        .bind(class.as_str().to_owned())
        .bind(mapping_text(columns));
        write_one(self, q, "that agency", audit).await
    }

    async fn create_extract(&self, e: &NewExtract, audit: &AuditEvent) -> StoreResult<ExtractId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO extract (agency_id, data_class, file_name, records, imported_at, imported_by, encoded_columns, partnership_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.agency_id.get())
        .bind(e.data_class.as_str().to_owned())
        .bind(e.file_name.clone())
        .bind(e.records.len() as i64)
        .bind(e.imported_at)
        .bind(e.imported_by.clone())
        .bind(e.encoded_columns.join(","))
        .bind(e.partnership_id.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| fk_or(err, "that extract"))?;
        let new: ExtractId = id(&row, "id")?;
        insert_records(&mut tx, new, &e.records, &e.encodings).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(new.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(new)
    }

    async fn list_extracts(&self) -> StoreResult<Vec<Extract>> {
        sqlx::query(
            "SELECT e.id, e.partnership_id, e.agency_id, a.name AS agency_name, e.data_class, e.file_name, e.records, e.imported_at, e.imported_by, e.encoded_columns \
             FROM extract e JOIN agency a ON a.id = e.agency_id ORDER BY e.id DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(extract_from_row)
        .collect()
    }

    async fn staged_records(&self, partnership: PartnershipId) -> StoreResult<Vec<StagedRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.id, s.extract_id, e.agency_id, {STAGED_COLUMNS}, s.encoding, ps.person_id \
             FROM staged_record s JOIN extract e ON e.id = s.extract_id \
             LEFT JOIN person_source ps ON ps.staged_record_id = s.id \
             WHERE e.partnership_id = $1 ORDER BY s.id"
        )))
        .bind(partnership.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(staged_from_row)
        .collect()
    }
}
