//! [`LinkingStore`] for [`SqlStore`]: linkage runs, people's source records, linked
//! households and the review queue.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::get;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;
use wholeplace_domain::{
    HouseholdId, LinkageRunId, PartnershipId, PersonId, ReviewItemId, StagedRecordId,
};
use wholeplace_store::*;

type Tx = Transaction<'static, Any>;

/// Rows written by one multi-row statement: kept small because SQLite looks each numbered
/// parameter up by name, so a statement's cost grows with the square of its parameters.
const BATCH: usize = 100;

const RUN_COUNTS: [&str; 8] = [
    "records",
    "pairs",
    "people",
    "new_people",
    "households",
    "queued",
    "expected_false",
    "expected_missed",
];

/// `bin:pairs:sum;...` as written by [`bins_text`]; a malformed part is skipped.
fn parse_bins(text: &str) -> Vec<(u16, i64, i64)> {
    text.split(';')
        .filter_map(|part| {
            let mut it = part.split(':');
            Some((
                it.next()?.parse().ok()?,
                it.next()?.parse().ok()?,
                it.next()?.parse().ok()?,
            ))
        })
        .collect()
}

fn bins_text(bins: &[(u16, i64, i64)]) -> String {
    bins.iter()
        .map(|(b, n, s)| format!("{b}:{n}:{s}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn run_from_row(r: &AnyRow) -> StoreResult<LinkageRun> {
    let state: String = get(r, "state")?;
    let trained: i64 = get(r, "trained")?;
    Ok(LinkageRun {
        id: id(r, "id")?,
        partnership_id: id(r, "partnership_id")?,
        started_by: get(r, "started_by")?,
        started_at: get(r, "started_at")?,
        ended_at: get(r, "ended_at")?,
        state: RunState::parse(&state)?,
        counts: RunCounts {
            records: get(r, "records")?,
            pairs: get(r, "pairs")?,
            people: get(r, "people")?,
            new_people: get(r, "new_people")?,
            households: get(r, "households")?,
            queued: get(r, "queued")?,
            expected_false: get(r, "expected_false")?,
            expected_missed: get(r, "expected_missed")?,
            trained: trained != 0,
            probabilities: parse_bins(&get::<String>(r, "probabilities")?),
        },
    })
}

fn review_from_row(r: &AnyRow) -> StoreResult<ReviewItem> {
    let status: String = get(r, "status")?;
    Ok(ReviewItem {
        id: id(r, "id")?,
        partnership_id: id(r, "partnership_id")?,
        a: id(r, "a_record_id")?,
        b: id(r, "b_record_id")?,
        probability_ppm: get(r, "probability_ppm")?,
        evidence: get(r, "evidence")?,
        status: ReviewStatus::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("unknown review status {status}")))?,
        decided_by: get(r, "decided_by")?,
        people: (opt_id(r, "a_person_id")?, opt_id(r, "b_person_id")?),
    })
}

const REVIEW: &str = "SELECT r.id, r.partnership_id, r.a_record_id, r.b_record_id, r.probability_ppm, r.evidence, r.status, r.decided_by, \
     pa.person_id AS a_person_id, pb.person_id AS b_person_id FROM review_item r \
     LEFT JOIN person_source pa ON pa.staged_record_id = r.a_record_id \
     LEFT JOIN person_source pb ON pb.staged_record_id = r.b_record_id";

/// `($1, $2), ($3, $4), ...` for `rows` rows of `width` parameters.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|i| {
            let p: Vec<String> = (1..=width).map(|k| format!("${}", i * width + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn attach_records(tx: &mut Tx, pairs: &[(StagedRecordId, PersonId)]) -> StoreResult<()> {
    for chunk in pairs.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO person_source (staged_record_id, person_id) VALUES {} \
             ON CONFLICT (staged_record_id) DO UPDATE SET person_id = excluded.person_id",
            placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (r, p) in chunk {
            q = q.bind(r.get()).bind(p.get());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

/// Makes or finds each person; returns their ids in order and attaches their records.
async fn write_people(tx: &mut Tx, people: &[LinkedPerson]) -> StoreResult<Vec<PersonId>> {
    let mut ids = Vec::with_capacity(people.len());
    let mut attach = Vec::new();
    for p in people {
        let pid = match p.existing {
            Some(pid) => pid,
            None => {
                let row = sqlx::query(
                    "INSERT INTO person (given_name, family_name, date_of_birth, nhs_number, ni_number) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(p.details.given_name.clone())
                .bind(p.details.family_name.clone())
                .bind(p.details.date_of_birth.clone())
                .bind(p.details.nhs_number.clone())
                .bind(p.details.ni_number.clone())
                .fetch_one(&mut **tx)
                .await
                .map_err(db_err)?;
                id(&row, "id")?
            }
        };
        attach.extend(p.records.iter().map(|r| (*r, pid)));
        ids.push(pid);
    }
    attach_records(tx, &attach).await?;
    Ok(ids)
}

/// Forms each household: the linked household most of its people already belong to keeps
/// them, else a new one is made; members missing are added.
async fn write_households(
    tx: &mut Tx,
    households: &[(NewHousehold, Vec<usize>)],
    person_ids: &[PersonId],
) -> StoreResult<()> {
    let mut current: HashMap<i64, i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT m.person_id, m.household_id FROM household_member m JOIN linked_household l ON l.household_id = m.household_id",
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    {
        current.insert(get(&r, "person_id")?, get(&r, "household_id")?);
    }
    for (h, members) in households {
        let pids: Vec<i64> = members.iter().map(|&i| person_ids[i].get()).collect();
        let mut votes: HashMap<i64, usize> = HashMap::new();
        for p in &pids {
            if let Some(hh) = current.get(p) {
                *votes.entry(*hh).or_default() += 1;
            }
        }
        let kept = votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(hh, _)| hh);
        let hid = match kept {
            Some(hid) => hid,
            None => new_household(tx, h).await?.get(),
        };
        for p in pids.iter().filter(|p| current.get(p) != Some(&hid)) {
            sqlx::query(
                "INSERT INTO household_member (household_id, person_id, relationship) VALUES ($1, $2, '') ON CONFLICT DO NOTHING",
            )
            .bind(hid)
            .bind(*p)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

async fn new_household(tx: &mut Tx, h: &NewHousehold) -> StoreResult<HouseholdId> {
    let row = sqlx::query(
        "INSERT INTO household (name, place_id, address, lead_user_id) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(h.name.clone())
    .bind(h.place_id.map(|p| p.get()))
    .bind(h.address.clone())
    .bind(h.lead_user_id.map(|u| u.get()))
    .fetch_one(&mut **tx)
    .await
    .map_err(db_err)?;
    let hid: HouseholdId = id(&row, "id")?;
    sqlx::query("INSERT INTO linked_household (household_id) VALUES ($1)")
        .bind(hid.get())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(hid)
}

/// Replaces the pending pairs of a partnership's queue; decided pairs keep their decision.
async fn write_queue(
    tx: &mut Tx,
    partnership: PartnershipId,
    items: &[NewReviewItem],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM review_item WHERE status = 'pending' AND partnership_id = $1")
        .bind(partnership.get())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for chunk in items.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO review_item (a_record_id, b_record_id, probability_ppm, evidence, status, partnership_id) VALUES {} \
             ON CONFLICT (a_record_id, b_record_id) DO NOTHING",
            placeholders(chunk.len(), 6)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for it in chunk {
            q = q
                .bind(it.a.get())
                .bind(it.b.get())
                .bind(it.probability_ppm)
                .bind(it.evidence.clone())
                .bind("pending")
                .bind(partnership.get());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

async fn write_run_end(
    tx: &mut Tx,
    run: LinkageRunId,
    state: RunState,
    at: Timestamp,
    counts: &RunCounts,
) -> StoreResult<()> {
    let sets: Vec<String> = RUN_COUNTS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 5))
        .collect();
    let sql = format!(
        "UPDATE linkage_run SET state = $1, ended_at = $2, trained = $3, probabilities = $13, {} WHERE id = $4 AND state = 'running'",
        sets.join(", ")
    );
    let c = counts;
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(state.as_str())
        .bind(at)
        .bind(i64::from(c.trained))
        .bind(run.get())
        .bind(c.records)
        .bind(c.pairs)
        .bind(c.people)
        .bind(c.new_people)
        .bind(c.households)
        .bind(c.queued)
        .bind(c.expected_false)
        .bind(c.expected_missed)
        .bind(bins_text(&c.probabilities))
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    expect_one(done.rows_affected())
}

#[async_trait]
impl LinkingStore for SqlStore {
    async fn linkage_settings(&self, partnership: PartnershipId) -> StoreResult<LinkageSettings> {
        let row = sqlx::query(
            "SELECT lower_ppm, upper_ppm, second_review, model FROM partnership_linkage WHERE partnership_id = $1",
        )
        .bind(partnership.get())
        .fetch_optional(self.pool())
        .await
        .map_err(db_err)?;
        let Some(r) = row else {
            return Ok(LinkageSettings::default());
        };
        Ok(LinkageSettings {
            lower_ppm: get(&r, "lower_ppm")?,
            upper_ppm: get(&r, "upper_ppm")?,
            second_review: get::<i64>(&r, "second_review")? != 0,
            model: get(&r, "model")?,
        })
    }

    async fn save_review_band(
        &self,
        partnership: PartnershipId,
        lower_ppm: Ppm,
        upper_ppm: Ppm,
        second_review: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO partnership_linkage (partnership_id, lower_ppm, upper_ppm, second_review) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (partnership_id) DO UPDATE SET lower_ppm = excluded.lower_ppm, upper_ppm = excluded.upper_ppm, second_review = excluded.second_review",
        )
        .bind(partnership.get())
        .bind(lower_ppm)
        .bind(upper_ppm)
        .bind(i64::from(second_review));
        write_one(self, q, "that partnership", audit).await
    }

    async fn start_linkage_run(
        &self,
        partnership: PartnershipId,
        audit: &AuditEvent,
    ) -> StoreResult<LinkageRunId> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE linkage_run SET state = 'failed', ended_at = $1 WHERE state = 'running' AND partnership_id = $2",
        )
        .bind(audit.at)
        .bind(partnership.get())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let row = sqlx::query(
            "INSERT INTO linkage_run (started_by, started_at, state, partnership_id) VALUES ($1, $2, 'running', $3) RETURNING id",
        )
        .bind(audit.actor.clone())
        .bind(audit.at)
        .bind(partnership.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that partnership"))?;
        let run: LinkageRunId = id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(run.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(run)
    }

    async fn finish_linkage_run(
        &self,
        run: LinkageRunId,
        result: &LinkResult,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        write_run_end(
            &mut tx,
            run,
            RunState::Finished,
            result.ended_at,
            &result.counts,
        )
        .await?;
        let row = sqlx::query("SELECT partnership_id FROM linkage_run WHERE id = $1")
            .bind(run.get())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let partnership: PartnershipId = id(&row, "partnership_id")?;
        let person_ids = write_people(&mut tx, &result.people).await?;
        write_households(&mut tx, &result.households, &person_ids).await?;
        write_queue(&mut tx, partnership, &result.review).await?;
        let defaults = LinkageSettings::default();
        sqlx::query(
            "INSERT INTO partnership_linkage (partnership_id, lower_ppm, upper_ppm, second_review, model) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (partnership_id) DO UPDATE SET model = excluded.model",
        )
        .bind(partnership.get())
        .bind(defaults.lower_ppm)
        .bind(defaults.upper_ppm)
        .bind(result.model.clone())
        .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn end_linkage_run(
        &self,
        run: LinkageRunId,
        state: RunState,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        write_run_end(&mut tx, run, state, at, &RunCounts::default()).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_linkage_runs(&self, partnership: PartnershipId) -> StoreResult<Vec<LinkageRun>> {
        sqlx::query(
            "SELECT id, partnership_id, started_by, started_at, ended_at, state, records, pairs, people, new_people, households, queued, expected_false, expected_missed, trained, probabilities \
             FROM linkage_run WHERE partnership_id = $1 ORDER BY id DESC",
        )
        .bind(partnership.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(run_from_row)
        .collect()
    }

    async fn review_page(
        &self,
        partnership: PartnershipId,
        status: ReviewStatus,
        offset: i64,
        limit: i64,
    ) -> StoreResult<ReviewPage> {
        let items = sqlx::query(AssertSqlSafe(format!(
            "{REVIEW} WHERE r.partnership_id = $4 AND r.status = $1 ORDER BY r.probability_ppm DESC, r.id LIMIT $2 OFFSET $3"
        )))
        .bind(status.as_str())
        .bind(limit)
        .bind(offset)
        .bind(partnership.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(review_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM review_item WHERE partnership_id = $1 AND status = $2",
        )
        .bind(partnership.get())
        .bind(status.as_str())
        .fetch_one(self.pool())
        .await
        .map_err(db_err)?;
        Ok(ReviewPage {
            items,
            total: get(&r, "n")?,
        })
    }

    async fn get_review_item(&self, id: ReviewItemId) -> StoreResult<Option<ReviewItem>> {
        sqlx::query(AssertSqlSafe(format!("{REVIEW} WHERE r.id = $1")))
            .bind(id.get())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .as_ref()
            .map(review_from_row)
            .transpose()
    }

    async fn decide_review(
        &self,
        id: ReviewItemId,
        status: ReviewStatus,
        decided_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let by = (status != ReviewStatus::Pending).then(|| decided_by.to_owned());
        let q = sqlx::query("UPDATE review_item SET status = $1, decided_by = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(by)
            .bind(id.get());
        write_one(self, q, "that pair", audit).await
    }

    async fn review_decisions(
        &self,
        partnership: PartnershipId,
    ) -> StoreResult<Vec<(StagedRecordId, StagedRecordId, bool)>> {
        sqlx::query(
            "SELECT a_record_id, b_record_id, status FROM review_item WHERE partnership_id = $1 AND status <> 'pending' ORDER BY id",
        )
        .bind(partnership.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            let status: String = get(r, "status")?;
            Ok((id(r, "a_record_id")?, id(r, "b_record_id")?, status == "accepted"))
        })
        .collect()
    }
}
