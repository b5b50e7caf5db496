//! [`CorrectionStore`] for [`SqlStore`]: merges and splits of people, each applied and undone
//! in one transaction with its audit entry, keeping the lists of what it moved.

use crate::SqlStore;
use crate::audit::insert_audit;
use crate::dataset::get;
use crate::extracts::STAGED_COLUMNS;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use wholeplace_domain::{CorrectionId, HouseholdId, InvolvementId, PersonId, RecordId};
use wholeplace_store::*;

type Tx = Transaction<'static, Any>;

const CORRECTIONS: &str = "SELECT id, kind, person_id, other_person_id, records, involvements, memberships, reason, cross_class, state, made_by, made_at, confirmed_by, undone_by, undone_at FROM person_correction";

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn id_list<T: RecordId>(ids: &[T]) -> String {
    to_json(&ids.iter().map(|i| i.raw()).collect::<Vec<_>>())
}

fn parse_json<T: serde::de::DeserializeOwned>(r: &AnyRow, column: &str) -> StoreResult<T> {
    let text: String = get(r, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Backend(format!("column {column}: {e}")))
}

fn correction_from_row(r: &AnyRow) -> StoreResult<PersonCorrection> {
    let kind: String = get(r, "kind")?;
    let state: String = get(r, "state")?;
    let cross: i64 = get(r, "cross_class")?;
    let records: Vec<i64> = parse_json(r, "records")?;
    let involvements: Vec<i64> = parse_json(r, "involvements")?;
    let memberships: Vec<(i64, String, bool)> = parse_json(r, "memberships")?;
    Ok(PersonCorrection {
        id: id(r, "id")?,
        kind: CorrectionKind::parse(&kind)?,
        person: id(r, "person_id")?,
        other: opt_id(r, "other_person_id")?,
        records: records.into_iter().map(RecordId::from_raw).collect(),
        involvements: involvements
            .into_iter()
            .map(InvolvementId::from_raw)
            .collect(),
        memberships: memberships
            .into_iter()
            .map(|(h, rel, dropped)| (HouseholdId::from_raw(h), rel, dropped))
            .collect(),
        reason: get(r, "reason")?,
        cross_class: cross != 0,
        state: CorrectionState::parse(&state)?,
        made_by: get(r, "made_by")?,
        made_at: get(r, "made_at")?,
        confirmed_by: get(r, "confirmed_by")?,
        undone_by: get(r, "undone_by")?,
        undone_at: get(r, "undone_at")?,
    })
}

/// `$from, $from+1, ...` for `n` parameters.
fn params(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|k| format!("${k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids a query of one id column returns.
async fn ids_of<T: RecordId>(
    tx: &mut Tx,
    sql: &'static str,
    person: PersonId,
) -> StoreResult<Vec<T>> {
    sqlx::query(sql)
        .bind(person.get())
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| id(r, "id"))
        .collect()
}

/// Moves rows of `table` whose id column is in `ids` from one person to another.
async fn move_rows<T: RecordId>(
    tx: &mut Tx,
    table: &str,
    id_column: &str,
    ids: &[T],
    (from, to): (PersonId, PersonId),
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE {table} SET person_id = $1 WHERE person_id = $2 AND {id_column} IN ({})",
        params(3, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(to.get())
        .bind(from.get());
    for i in ids {
        q = q.bind(i.raw());
    }
    q.execute(&mut **tx).await.map_err(db_err)?;
    Ok(())
}

/// A merge: everything of `merged` moves to `kept`; returns what moved.
async fn apply_merge(
    tx: &mut Tx,
    kept: PersonId,
    merged: PersonId,
) -> StoreResult<(Vec<i64>, Vec<i64>, Vec<(i64, String, bool)>)> {
    let records: Vec<wholeplace_domain::StagedRecordId> = ids_of(
        tx,
        "SELECT staged_record_id AS id FROM person_source WHERE person_id = $1 ORDER BY staged_record_id",
        merged,
    )
    .await?;
    let involvements: Vec<InvolvementId> = ids_of(
        tx,
        "SELECT id FROM involvement WHERE person_id = $1 ORDER BY id",
        merged,
    )
    .await?;
    move_rows(
        tx,
        "person_source",
        "staged_record_id",
        &records,
        (merged, kept),
    )
    .await?;
    move_rows(tx, "involvement", "id", &involvements, (merged, kept)).await?;
    let rows = sqlx::query(
        "SELECT m.household_id, m.relationship, \
         (SELECT COUNT(*) FROM household_member k WHERE k.household_id = m.household_id AND k.person_id = $2) AS kept_there \
         FROM household_member m WHERE m.person_id = $1 ORDER BY m.household_id",
    )
    .bind(merged.get())
    .bind(kept.get())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    let mut memberships = Vec::new();
    for r in &rows {
        let h: i64 = get(r, "household_id")?;
        let kept_there: i64 = get(r, "kept_there")?;
        let sql = if kept_there > 0 {
            "DELETE FROM household_member WHERE household_id = $1 AND person_id = $2 AND $3 = $3"
        } else {
            "UPDATE household_member SET person_id = $3 WHERE household_id = $1 AND person_id = $2"
        };
        sqlx::query(sql)
            .bind(h)
            .bind(merged.get())
            .bind(kept.get())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        memberships.push((h, get(r, "relationship")?, kept_there > 0));
    }
    Ok((
        records.iter().map(|r| r.get()).collect(),
        involvements.iter().map(|r| r.get()).collect(),
        memberships,
    ))
}

/// Undoes a merge: what it moved goes back to the merged person.
async fn undo_merge(tx: &mut Tx, c: &PersonCorrection) -> StoreResult<()> {
    let merged = c
        .other
        .ok_or_else(|| StoreError::Backend("a merge without its merged person".into()))?;
    move_rows(
        tx,
        "person_source",
        "staged_record_id",
        &c.records,
        (c.person, merged),
    )
    .await?;
    move_rows(tx, "involvement", "id", &c.involvements, (c.person, merged)).await?;
    for (h, rel, dropped) in &c.memberships {
        let moved_back = if *dropped {
            0
        } else {
            sqlx::query(
                "UPDATE household_member SET person_id = $1 WHERE household_id = $2 AND person_id = $3",
            )
            .bind(merged.get())
            .bind(h.get())
            .bind(c.person.get())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?
            .rows_affected()
        };
        if moved_back == 0 {
            sqlx::query(
                "INSERT INTO household_member (household_id, person_id, relationship) VALUES ($1, $2, $3) \
                 ON CONFLICT (household_id, person_id) DO NOTHING",
            )
            .bind(h.get())
            .bind(merged.get())
            .bind(rel.clone())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

/// A split: a new person with the chosen records.
async fn apply_split(tx: &mut Tx, c: &NewCorrection) -> StoreResult<PersonId> {
    let p = c
        .new_person
        .as_ref()
        .ok_or_else(|| StoreError::Backend("a split without the new person".into()))?;
    let row = sqlx::query(
        "INSERT INTO person (given_name, family_name, date_of_birth, nhs_number, ni_number) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(p.given_name.clone())
    .bind(p.family_name.clone())
    .bind(p.date_of_birth.clone())
    .bind(p.nhs_number.clone())
    .bind(p.ni_number.clone())
    .fetch_one(&mut **tx)
    .await
    .map_err(db_err)?;
    let new: PersonId = id(&row, "id")?;
    move_rows(
        tx,
        "person_source",
        "staged_record_id",
        &c.records,
        (c.person, new),
    )
    .await?;
    Ok(new)
}

/// Undoes a split: the records go back, and the split-off person, now with nothing, goes.
async fn undo_split(tx: &mut Tx, c: &PersonCorrection) -> StoreResult<()> {
    let new = c
        .other
        .ok_or_else(|| StoreError::Backend("a split without its new person".into()))?;
    move_rows(
        tx,
        "person_source",
        "staged_record_id",
        &c.records,
        (new, c.person),
    )
    .await?;
    // Linkage puts people in the households it forms; those memberships go with the person.
    sqlx::query(
        "DELETE FROM household_member WHERE person_id = $1 \
         AND household_id IN (SELECT household_id FROM linked_household)",
    )
    .bind(new.get())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    sqlx::query(
        "DELETE FROM person WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM person_source WHERE person_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM involvement WHERE person_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM household_member WHERE person_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM consent_receipt WHERE person_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM family_event WHERE person_id = $1)",
    )
    .bind(new.get())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn count(tx: &mut Tx, sql: &'static str, person: PersonId) -> StoreResult<i64> {
    let r = sqlx::query(sql)
        .bind(person.get())
        .fetch_one(&mut **tx)
        .await
        .map_err(db_err)?;
    get(&r, "n")
}

fn source_from_row(r: &AnyRow) -> StoreResult<SourceRecord> {
    let values = STAGED_COLUMNS
        .split(", ")
        .skip(1)
        .map(|c| get(r, c))
        .collect::<StoreResult<Vec<String>>>()?;
    Ok(SourceRecord {
        id: id(r, "id")?,
        extract_id: id(r, "extract_id")?,
        partnership_id: id(r, "partnership_id")?,
        agency_id: id(r, "agency_id")?,
        agency_name: get(r, "agency_name")?,
        data_class: vocab(r, "data_class")?,
        record_key: get(r, "record_key")?,
        values,
    })
}

async fn get_in(tx: &mut Tx, cid: CorrectionId) -> StoreResult<PersonCorrection> {
    sqlx::query(AssertSqlSafe(format!("{CORRECTIONS} WHERE id = $1")))
        .bind(cid.get())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(correction_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

#[async_trait]
impl CorrectionStore for SqlStore {
    async fn person_links(&self, person: PersonId) -> StoreResult<Option<PersonLinks>> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT id, given_name, family_name, date_of_birth, nhs_number, ni_number FROM person WHERE id = $1",
        )
        .bind(person.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        else {
            return Ok(None);
        };
        let details = Person {
            id: id(&row, "id")?,
            given_name: get(&row, "given_name")?,
            family_name: get(&row, "family_name")?,
            date_of_birth: get(&row, "date_of_birth")?,
            nhs_number: get(&row, "nhs_number")?,
            ni_number: get(&row, "ni_number")?,
        };
        let records = sqlx::query(AssertSqlSafe(format!(
            "SELECT s.id, s.extract_id, e.partnership_id, e.agency_id, a.name AS agency_name, e.data_class, s.{} \
             FROM person_source ps JOIN staged_record s ON s.id = ps.staged_record_id \
             JOIN extract e ON e.id = s.extract_id JOIN agency a ON a.id = e.agency_id \
             WHERE ps.person_id = $1 ORDER BY s.id",
            STAGED_COLUMNS.replace(", ", ", s.")
        )))
        .bind(person.get())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(source_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
        let involvements =
            sqlx::query("SELECT id, data_class FROM involvement WHERE person_id = $1 ORDER BY id")
                .bind(person.get())
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| Ok((id(r, "id")?, vocab(r, "data_class")?)))
                .collect::<StoreResult<Vec<_>>>()?;
        let households = ids_of(
            &mut tx,
            "SELECT household_id AS id FROM household_member WHERE person_id = $1 ORDER BY household_id",
            person,
        )
        .await?;
        let consents = count(
            &mut tx,
            "SELECT COUNT(*) AS n FROM consent_receipt WHERE person_id = $1",
            person,
        )
        .await?;
        let events = count(
            &mut tx,
            "SELECT COUNT(*) AS n FROM family_event WHERE person_id = $1",
            person,
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(PersonLinks {
            person: details,
            records,
            involvements,
            households,
            consents,
            events,
        }))
    }

    async fn create_correction(
        &self,
        c: &NewCorrection,
        audit: &AuditEvent,
    ) -> StoreResult<CorrectionId> {
        let mut tx = self.begin().await?;
        let state = if c.awaits_second {
            CorrectionState::Awaiting
        } else {
            CorrectionState::Applied
        };
        let row = sqlx::query(
            "INSERT INTO person_correction (kind, person_id, other_person_id, records, reason, cross_class, state, made_by, made_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(c.kind.as_str())
        .bind(c.person.get())
        .bind(c.merged.map(|p| p.get()))
        .bind(id_list(&c.records))
        .bind(c.reason.clone())
        .bind(i64::from(c.cross_class))
        .bind(state.as_str())
        .bind(c.made_by.clone())
        .bind(c.made_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that person"))?;
        let cid: CorrectionId = id(&row, "id")?;
        if !c.awaits_second {
            apply(&mut tx, cid, c, None).await?;
        }
        let mut ev = audit.clone();
        ev.record_id = Some(cid.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(cid)
    }

    async fn confirm_correction(
        &self,
        cid: CorrectionId,
        by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let c = get_in(&mut tx, cid).await?;
        if c.state != CorrectionState::Awaiting {
            return Err(StoreError::NotFound);
        }
        let new = NewCorrection {
            kind: c.kind,
            person: c.person,
            merged: c.other,
            records: c.records.clone(),
            new_person: None,
            reason: c.reason.clone(),
            cross_class: c.cross_class,
            awaits_second: false,
            made_by: c.made_by.clone(),
            made_at: c.made_at,
        };
        apply(&mut tx, cid, &new, Some(by)).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn undo_correction(
        &self,
        cid: CorrectionId,
        by: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let c = get_in(&mut tx, cid).await?;
        let next = match c.state {
            CorrectionState::Applied => {
                match c.kind {
                    CorrectionKind::Merge => undo_merge(&mut tx, &c).await?,
                    CorrectionKind::Split => undo_split(&mut tx, &c).await?,
                }
                CorrectionState::Undone
            }
            CorrectionState::Awaiting => CorrectionState::Withdrawn,
            CorrectionState::Undone | CorrectionState::Withdrawn => {
                return Err(StoreError::NotFound);
            }
        };
        sqlx::query(
            "UPDATE person_correction SET state = $1, undone_by = $2, undone_at = $3 WHERE id = $4",
        )
        .bind(next.as_str())
        .bind(by.to_owned())
        .bind(at)
        .bind(cid.get())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn get_correction(&self, cid: CorrectionId) -> StoreResult<Option<PersonCorrection>> {
        sqlx::query(AssertSqlSafe(format!("{CORRECTIONS} WHERE id = $1")))
            .bind(cid.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .as_ref()
            .map(correction_from_row)
            .transpose()
    }

    async fn list_corrections(
        &self,
        person: Option<PersonId>,
    ) -> StoreResult<Vec<PersonCorrection>> {
        let q = match person {
            Some(p) => sqlx::query(AssertSqlSafe(format!(
                "{CORRECTIONS} WHERE person_id = $1 OR other_person_id = $1 ORDER BY id DESC"
            )))
            .bind(p.get()),
            None => sqlx::query(AssertSqlSafe(format!("{CORRECTIONS} ORDER BY id DESC"))),
        };
        q.fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(correction_from_row)
            .collect()
    }
}

/// Applies a correction and records what it moved, its state and its second reviewer.
async fn apply(
    tx: &mut Tx,
    cid: CorrectionId,
    c: &NewCorrection,
    confirmed_by: Option<&str>,
) -> StoreResult<()> {
    let (other, records, involvements, memberships) = match c.kind {
        CorrectionKind::Merge => {
            let merged = c
                .merged
                .ok_or_else(|| StoreError::Backend("a merge without its merged person".into()))?;
            let (r, i, m) = apply_merge(tx, c.person, merged).await?;
            (merged, r, i, m)
        }
        CorrectionKind::Split => {
            let new = apply_split(tx, c).await?;
            let r = c.records.iter().map(|r| r.get()).collect();
            (new, r, Vec::new(), Vec::new())
        }
    };
    sqlx::query(
        "UPDATE person_correction SET state = 'applied', other_person_id = $1, records = $2, involvements = $3, memberships = $4, confirmed_by = $5 WHERE id = $6",
    )
    .bind(other.get())
    .bind(to_json(&records))
    .bind(to_json(&involvements))
    .bind(to_json(&memberships))
    .bind(confirmed_by.map(str::to_owned))
    .bind(cid.get())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}
