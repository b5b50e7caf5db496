//! [`RetentionStore`] for [`SqlStore`]: retention rules, legal holds, and the disposal of records
//! past their period. Which rule governs a record is decided by the domain
//! ([`wholeplace_domain::retention::due`]) over the rows read here.

use crate::SqlStore;
use crate::audit::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;
use wholeplace_domain::retention::{RetentionTerms, due};
use wholeplace_domain::{
    AgencyId, AgreementId, HouseholdId, LegalHoldId, PersonId, RetentionRuleId,
};
use wholeplace_store::*;

/// The people in a family on legal hold in force.
const HELD_PEOPLE: &str = "SELECT m.person_id FROM household_member m JOIN legal_hold h ON h.household_id = m.household_id \
     WHERE h.lifted_at IS NULL";

/// The families on legal hold in force.
const HELD_FAMILIES: &str = "SELECT household_id FROM legal_hold WHERE lifted_at IS NULL";

fn rule_from_row(r: &AnyRow) -> StoreResult<RetentionRule> {
    Ok(RetentionRule {
        id: id(r, "id")?,
        class: vocab(r, "data_class")?,
        agreement_id: opt_id(r, "agreement_id")?,
        agreement_title: r.try_get("agreement_title").map_err(db_err)?,
        keep_years: r.try_get("keep_years").map_err(db_err)?,
    })
}

fn hold_from_row(r: &AnyRow) -> StoreResult<LegalHold> {
    Ok(LegalHold {
        id: id(r, "id")?,
        household_id: id(r, "household_id")?,
        household_name: r.try_get("household_name").map_err(db_err)?,
        reason: r.try_get("reason").map_err(db_err)?,
        set_by: r.try_get("set_by").map_err(db_err)?,
        set_at: r.try_get("set_at").map_err(db_err)?,
        lifted_by: r.try_get("lifted_by").map_err(db_err)?,
        lifted_at: r.try_get("lifted_at").map_err(db_err)?,
    })
}

/// A candidate found by the domain's decision for one record row, or `None` when it is kept.
fn candidate(
    rules: &[RetentionTerms],
    r: &AnyRow,
    end_column: &str,
    today: &str,
    record: DisposalRecord,
    households: Vec<HouseholdId>,
) -> StoreResult<Option<DisposalCandidate>> {
    let class = vocab(r, "data_class")?;
    let holder: AgencyId = id(r, "agency_id")?;
    let ended_on: String = r.try_get(end_column).map_err(db_err)?;
    Ok(
        due(rules, class, holder, Some(&ended_on), today).map(|rule| DisposalCandidate {
            record,
            class,
            households,
            ended_on,
            rule_id: RetentionRuleId::new(rule.id),
        }),
    )
}

impl SqlStore {
    /// Every rule with the parties of the agreement it is narrowed to.
    async fn retention_terms(&self) -> StoreResult<Vec<RetentionTerms>> {
        let rules = self.list_retention_rules().await?;
        let parties = sqlx::query(
            "SELECT p.agreement_id, p.agency_id FROM agreement_party p \
             JOIN retention_rule r ON r.agreement_id = p.agreement_id ORDER BY p.agency_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut of: HashMap<AgreementId, Vec<AgencyId>> = HashMap::new();
        for p in &parties {
            of.entry(id(p, "agreement_id")?)
                .or_default()
                .push(id(p, "agency_id")?);
        }
        Ok(rules
            .into_iter()
            .map(|r| RetentionTerms {
                id: r.id.get(),
                class: r.class,
                parties: r
                    .agreement_id
                    .map(|a| of.get(&a).cloned().unwrap_or_default()),
                keep_years: r.keep_years,
            })
            .collect())
    }

    /// Each person's families.
    async fn families_of_people(&self) -> StoreResult<HashMap<PersonId, Vec<HouseholdId>>> {
        let rows = sqlx::query(
            "SELECT person_id, household_id FROM household_member ORDER BY household_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut out: HashMap<PersonId, Vec<HouseholdId>> = HashMap::new();
        for r in &rows {
            out.entry(id(r, "person_id")?)
                .or_default()
                .push(id(r, "household_id")?);
        }
        Ok(out)
    }

    /// Ended involvements past their period, of people in no family on hold.
    async fn involvements_due(
        &self,
        rules: &[RetentionTerms],
        today: &str,
    ) -> StoreResult<Vec<DisposalCandidate>> {
        let sql = format!(
            "SELECT i.id, i.person_id, i.agency_id, i.data_class, i.ended_on FROM involvement i \
             WHERE i.ended_on IS NOT NULL AND i.ended_on < $1 AND i.person_id NOT IN ({HELD_PEOPLE}) ORDER BY i.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(today.to_owned())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let families = self.families_of_people().await?;
        let mut out = Vec::new();
        for r in &rows {
            let person: PersonId = id(r, "person_id")?;
            let households = families.get(&person).cloned().unwrap_or_default();
            let record = DisposalRecord::Involvement(id(r, "id")?);
            out.extend(candidate(rules, r, "ended_on", today, record, households)?);
        }
        Ok(out)
    }

    /// Events past their period, of families not on hold and about no one in a family on hold.
    async fn events_due(
        &self,
        rules: &[RetentionTerms],
        today: &str,
    ) -> StoreResult<Vec<DisposalCandidate>> {
        let sql = format!(
            "SELECT e.id, e.household_id, e.agency_id, e.data_class, e.day FROM family_event e \
             WHERE e.day < $1 AND e.household_id NOT IN ({HELD_FAMILIES}) \
             AND (e.person_id IS NULL OR e.person_id NOT IN ({HELD_PEOPLE})) ORDER BY e.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(today.to_owned())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let record = DisposalRecord::Event(id(r, "id")?);
            let households = vec![id(r, "household_id")?];
            out.extend(candidate(rules, r, "day", today, record, households)?);
        }
        Ok(out)
    }
}

#[async_trait]
impl RetentionStore for SqlStore {
    async fn list_retention_rules(&self) -> StoreResult<Vec<RetentionRule>> {
        let rows = sqlx::query(
            "SELECT r.id, r.data_class, r.agreement_id, a.title AS agreement_title, r.keep_years \
             FROM retention_rule r LEFT JOIN sharing_agreement a ON a.id = r.agreement_id \
             ORDER BY r.data_class, COALESCE(r.agreement_id, 0), r.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(rule_from_row).collect()
    }

    async fn set_retention_rule(
        &self,
        rule: &NewRetentionRule,
        audit: &AuditEvent,
    ) -> StoreResult<RetentionRuleId> {
        let mut tx = self.begin().await?;
        let existing = sqlx::query(
            "SELECT id FROM retention_rule WHERE data_class = $1 AND COALESCE(agreement_id, 0) = $2",
        )
        .bind(rule.class.as_str())
        .bind(rule.agreement_id.map_or(0, |a| a.get()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let rid: RetentionRuleId = match existing {
            Some(r) => {
                let rid: RetentionRuleId = id(&r, "id")?;
                sqlx::query("UPDATE retention_rule SET keep_years = $1 WHERE id = $2")
                    .bind(rule.keep_years)
                    .bind(rid.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                rid
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO retention_rule (data_class, agreement_id, keep_years) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(rule.class.as_str())
                .bind(rule.agreement_id.map(|a| a.get()))
                .bind(rule.keep_years)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| fk_or(e, "a rule for that class and agreement"))?;
                id(&row, "id")?
            }
        };
        let mut ev = audit.clone();
        ev.record_id = Some(rid.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rid)
    }

    async fn delete_retention_rule(
        &self,
        rid: RetentionRuleId,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM retention_rule WHERE id = $1").bind(rid.get());
        change_one(self, q, "that rule", audit).await
    }

    async fn list_legal_holds(&self) -> StoreResult<Vec<LegalHold>> {
        let rows = sqlx::query(
            "SELECT l.id, l.household_id, h.name AS household_name, l.reason, l.set_by, l.set_at, l.lifted_by, l.lifted_at \
             FROM legal_hold l JOIN household h ON h.id = l.household_id \
             ORDER BY CASE WHEN l.lifted_at IS NULL THEN 0 ELSE 1 END, l.set_at DESC, l.id DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(hold_from_row).collect()
    }

    async fn set_legal_hold(
        &self,
        household: HouseholdId,
        reason: &str,
        set_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<LegalHoldId> {
        let q = sqlx::query(
            "INSERT INTO legal_hold (household_id, reason, set_by, set_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(household.get())
        .bind(reason.to_owned())
        .bind(set_by.to_owned())
        .bind(audit.at);
        create_one(self, q, "a legal hold on that family", audit).await
    }

    async fn lift_legal_hold(
        &self,
        hid: LegalHoldId,
        lifted_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "UPDATE legal_hold SET lifted_by = $1, lifted_at = $2 WHERE id = $3 AND lifted_at IS NULL",
        )
        .bind(lifted_by.to_owned())
        .bind(audit.at)
        .bind(hid.get());
        change_one(self, q, "that hold", audit).await
    }

    async fn disposal_candidates(&self, today: &str) -> StoreResult<Vec<DisposalCandidate>> {
        let rules = self.retention_terms().await?;
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = self.involvements_due(&rules, today).await?;
        out.extend(self.events_due(&rules, today).await?);
        Ok(out)
    }

    async fn dispose(
        &self,
        candidates: &[DisposalCandidate],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let involvement = format!(
            "DELETE FROM involvement WHERE id = $1 AND ended_on IS NOT NULL AND person_id NOT IN ({HELD_PEOPLE})"
        );
        let event = format!(
            "DELETE FROM family_event WHERE id = $1 AND household_id NOT IN ({HELD_FAMILIES}) \
             AND (person_id IS NULL OR person_id NOT IN ({HELD_PEOPLE}))"
        );
        let mut tx = self.begin().await?;
        for c in candidates {
            let (sql, raw) = match c.record {
                DisposalRecord::Involvement(i) => (&involvement, i.get()),
                DisposalRecord::Event(e) => (&event, e.get()),
            };
            let done = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(raw)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if done.rows_affected() != 1 {
                // Dropping the transaction rolls back what was deleted before.
                return Err(StoreError::Conflict(
                    "records changed since they were found".to_owned(),
                ));
            }
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
