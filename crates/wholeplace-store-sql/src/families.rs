//! [`FamilyStore`] for [`SqlStore`]: people, households, involvements, events, sharing agreements
//! and emergency accesses.

use crate::SqlStore;
use crate::audit::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use wholeplace_domain::{
    AgreementId, BreakGlassId, ConsentId, GoalId, HouseholdId, InvolvementId, Money, PersonId,
    UserId,
};
use wholeplace_store::*;

const PERSON_COLUMNS: &str =
    "p.id, p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.ni_number";

pub(crate) const INVOLVEMENT_SELECT: &str = "SELECT i.id, i.person_id, i.agency_id, a.name AS agency_name, i.service, i.lead_worker, \
     i.need, i.data_class, i.started_on, i.ended_on, i.unit_cost_code, i.unit_cost_pence, i.unit, i.units_per_year_hundredths \
     FROM involvement i JOIN agency a ON a.id = i.agency_id";

fn person_from_row(r: &AnyRow) -> StoreResult<Person> {
    Ok(Person {
        id: id(r, "id")?,
        given_name: r.try_get("given_name").map_err(db_err)?,
        family_name: r.try_get("family_name").map_err(db_err)?,
        date_of_birth: r.try_get("date_of_birth").map_err(db_err)?,
        nhs_number: r.try_get("nhs_number").map_err(db_err)?,
        ni_number: r.try_get("ni_number").map_err(db_err)?,
    })
}

pub(crate) fn involvement_from_row(r: &AnyRow) -> StoreResult<Involvement> {
    Ok(Involvement {
        id: id(r, "id")?,
        person_id: id(r, "person_id")?,
        agency_id: id(r, "agency_id")?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        service: r.try_get("service").map_err(db_err)?,
        lead_worker: r.try_get("lead_worker").map_err(db_err)?,
        need: r.try_get("need").map_err(db_err)?,
        class: vocab(r, "data_class")?,
        started_on: r.try_get("started_on").map_err(db_err)?,
        ended_on: r.try_get("ended_on").map_err(db_err)?,
        unit_cost_code: r.try_get("unit_cost_code").map_err(db_err)?,
        unit_cost: Money::from_pence(r.try_get("unit_cost_pence").map_err(db_err)?),
        unit: r.try_get("unit").map_err(db_err)?,
        units_per_year_hundredths: r.try_get("units_per_year_hundredths").map_err(db_err)?,
    })
}

/// Keys stored as one comma-separated column.
pub(crate) fn keys<T: std::ops::Deref<Target = str>>(items: &[T]) -> String {
    items.iter().map(|k| &**k).collect::<Vec<_>>().join(",")
}

/// A comma-separated column as typed keys.
pub(crate) fn parse_keys<T>(r: &AnyRow, column: &str) -> StoreResult<Vec<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = r.try_get(column).map_err(db_err)?;
    text.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            k.parse()
                .map_err(|e: T::Err| StoreError::Backend(format!("column {column}: {e}")))
        })
        .collect()
}

impl SqlStore {
    async fn family_plan(&self, hid: HouseholdId) -> StoreResult<Vec<Goal>> {
        let rows = sqlx::query(
            "SELECT g.id, g.goal, g.worries, g.strengths, g.next_steps, g.score, g.owner_agency_id, a.name AS owner_agency, g.review_on \
             FROM family_goal g JOIN agency a ON a.id = g.owner_agency_id WHERE g.household_id = $1 ORDER BY g.id",
        )
        .bind(hid.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let actions = sqlx::query(
            "SELECT x.goal_id, x.action, x.owner, x.due_on FROM family_action x JOIN family_goal g ON g.id = x.goal_id \
             WHERE g.household_id = $1 ORDER BY x.due_on, x.id",
        )
        .bind(hid.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let reviews = sqlx::query(
            "SELECT v.goal_id, v.day, v.score, v.note, v.reviewed_by FROM goal_review v JOIN family_goal g ON g.id = v.goal_id \
             WHERE g.household_id = $1 ORDER BY v.day, v.id",
        )
        .bind(hid.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut reviews = group_by::<GoalId, _>(&reviews, "goal_id", |v| {
            Ok(GoalReview {
                day: v.try_get("day").map_err(db_err)?,
                score: v.try_get("score").map_err(db_err)?,
                note: v.try_get("note").map_err(db_err)?,
                reviewed_by: v.try_get("reviewed_by").map_err(db_err)?,
            })
        })?;
        let mut actions = group_by::<GoalId, _>(&actions, "goal_id", |x| {
            Ok(PlanAction {
                action: x.try_get("action").map_err(db_err)?,
                owner: x.try_get("owner").map_err(db_err)?,
                due_on: x.try_get("due_on").map_err(db_err)?,
            })
        })?;
        let mut plan = Vec::new();
        for r in &rows {
            let gid: GoalId = id(r, "id")?;
            plan.push(Goal {
                id: gid,
                goal: r.try_get("goal").map_err(db_err)?,
                worries: r.try_get("worries").map_err(db_err)?,
                strengths: r.try_get("strengths").map_err(db_err)?,
                next_steps: r.try_get("next_steps").map_err(db_err)?,
                score: r.try_get("score").map_err(db_err)?,
                owner_agency_id: id(r, "owner_agency_id")?,
                owner_agency: r.try_get("owner_agency").map_err(db_err)?,
                review_on: r.try_get("review_on").map_err(db_err)?,
                actions: actions.remove(&gid).unwrap_or_default(),
                reviews: reviews.remove(&gid).unwrap_or_default(),
            });
        }
        Ok(plan)
    }

    async fn household(&self, hid: HouseholdId) -> StoreResult<Option<Household>> {
        let row = sqlx::query(
            "SELECT h.id, h.name, h.place_id, pl.name AS place_name, h.address, h.lead_user_id, u.display_name AS lead_name \
             FROM household h LEFT JOIN place pl ON pl.id = h.place_id LEFT JOIN app_user u ON u.id = h.lead_user_id WHERE h.id = $1",
        )
        .bind(hid.get())
        .fetch_optional(self.pool())
        .await
        .map_err(db_err)?;
        row.map(|r| {
            Ok(Household {
                id: id(&r, "id")?,
                name: r.try_get("name").map_err(db_err)?,
                place_id: opt_id(&r, "place_id")?,
                place_name: r.try_get("place_name").map_err(db_err)?,
                address: r.try_get("address").map_err(db_err)?,
                lead_user_id: opt_id(&r, "lead_user_id")?,
                lead_name: r.try_get("lead_name").map_err(db_err)?,
            })
        })
        .transpose()
    }

    async fn family_members(&self, hid: HouseholdId) -> StoreResult<Vec<Member>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, m.relationship FROM household_member m JOIN person p ON p.id = m.person_id \
             WHERE m.household_id = $1 ORDER BY p.date_of_birth, p.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(hid.get())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    person: person_from_row(r)?,
                    relationship: r.try_get("relationship").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn family_involvements(&self, hid: HouseholdId) -> StoreResult<Vec<Involvement>> {
        let sql = format!(
            "{INVOLVEMENT_SELECT} JOIN household_member m ON m.person_id = i.person_id \
             WHERE m.household_id = $1 ORDER BY i.started_on, i.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(hid.get())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(involvement_from_row).collect()
    }

    async fn family_events(&self, hid: HouseholdId) -> StoreResult<Vec<FamilyEvent>> {
        let rows = sqlx::query(
            "SELECT e.person_id, e.agency_id, a.name AS agency_name, e.day, e.summary, e.data_class \
             FROM family_event e JOIN agency a ON a.id = e.agency_id WHERE e.household_id = $1 ORDER BY e.day, e.id",
        )
        .bind(hid.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(FamilyEvent {
                    person_id: opt_id(r, "person_id")?,
                    agency_id: id(r, "agency_id")?,
                    agency_name: r.try_get("agency_name").map_err(db_err)?,
                    day: r.try_get("day").map_err(db_err)?,
                    summary: r.try_get("summary").map_err(db_err)?,
                    class: vocab(r, "data_class")?,
                })
            })
            .collect()
    }

    /// The family's agreement to take part, its members' consents, decisions not to share,
    /// handovers and former addresses.
    async fn family_records(&self, hid: HouseholdId) -> StoreResult<FamilyRecords> {
        let fetch = |sql: &'static str| sqlx::query(sql).bind(hid.get()).fetch_all(self.pool());
        let participation = fetch(
            "SELECT agreed, day, how, recorded_by FROM family_participation WHERE household_id = $1 ORDER BY day, id",
        )
        .await
        .map_err(db_err)?;
        let consents = fetch(
            "SELECT c.id, c.person_id, c.agreement_id, s.title AS agreement_title, c.purposes, c.given_on, c.how, c.recorded_by, \
             c.withdrawn_on, c.withdrawal_how FROM consent_receipt c JOIN sharing_agreement s ON s.id = c.agreement_id \
             JOIN household_member m ON m.person_id = c.person_id WHERE m.household_id = $1 ORDER BY c.given_on, c.id",
        )
        .await
        .map_err(db_err)?;
        let refusals = fetch(
            "SELECT r.holder_agency_id, h.name AS holder_agency, r.requester_agency_id, q.name AS requester_agency, r.data_class, \
             r.reason, r.decided_by, r.day FROM sharing_refusal r JOIN agency h ON h.id = r.holder_agency_id \
             JOIN agency q ON q.id = r.requester_agency_id WHERE r.household_id = $1 ORDER BY r.day, r.id",
        )
        .await
        .map_err(db_err)?;
        let handovers = fetch(
            "SELECT x.from_name, x.to_user_id, u.display_name AS to_name, x.day, x.note FROM lead_handover x \
             JOIN app_user u ON u.id = x.to_user_id WHERE x.household_id = $1 ORDER BY x.day, x.id",
        )
        .await
        .map_err(db_err)?;
        let former = fetch(
            "SELECT address, until_on FROM former_address WHERE household_id = $1 ORDER BY until_on DESC, id DESC",
        )
        .await
        .map_err(db_err)?;
        Ok(FamilyRecords {
            participation: participation
                .iter()
                .map(participation_from_row)
                .collect::<StoreResult<_>>()?,
            consents: consents
                .iter()
                .map(consent_from_row)
                .collect::<StoreResult<_>>()?,
            refusals: refusals
                .iter()
                .map(refusal_from_row)
                .collect::<StoreResult<_>>()?,
            handovers: handovers
                .iter()
                .map(|r| {
                    Ok(Handover {
                        from_name: r.try_get("from_name").map_err(db_err)?,
                        to_user_id: id(r, "to_user_id")?,
                        to_name: r.try_get("to_name").map_err(db_err)?,
                        day: r.try_get("day").map_err(db_err)?,
                        note: r.try_get("note").map_err(db_err)?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            former_addresses: former
                .iter()
                .map(|r| {
                    Ok(FormerAddress {
                        address: r.try_get("address").map_err(db_err)?,
                        until_on: r.try_get("until_on").map_err(db_err)?,
                    })
                })
                .collect::<StoreResult<_>>()?,
        })
    }
}

/// What [`SqlStore::family_records`] reads, in [`Family`]'s fields of the same names.
struct FamilyRecords {
    participation: Vec<Participation>,
    consents: Vec<ConsentReceipt>,
    refusals: Vec<SharingRefusal>,
    handovers: Vec<Handover>,
    former_addresses: Vec<FormerAddress>,
}

fn participation_from_row(r: &AnyRow) -> StoreResult<Participation> {
    let agreed: i64 = r.try_get("agreed").map_err(db_err)?;
    Ok(Participation {
        agreed: agreed != 0,
        day: r.try_get("day").map_err(db_err)?,
        how: r.try_get("how").map_err(db_err)?,
        recorded_by: r.try_get("recorded_by").map_err(db_err)?,
    })
}

fn consent_from_row(r: &AnyRow) -> StoreResult<ConsentReceipt> {
    Ok(ConsentReceipt {
        id: id(r, "id")?,
        person_id: id(r, "person_id")?,
        agreement_id: id(r, "agreement_id")?,
        agreement_title: r.try_get("agreement_title").map_err(db_err)?,
        purposes: parse_keys(r, "purposes")?,
        given_on: r.try_get("given_on").map_err(db_err)?,
        how: r.try_get("how").map_err(db_err)?,
        recorded_by: r.try_get("recorded_by").map_err(db_err)?,
        withdrawn_on: r.try_get("withdrawn_on").map_err(db_err)?,
        withdrawal_how: r.try_get("withdrawal_how").map_err(db_err)?,
    })
}

fn refusal_from_row(r: &AnyRow) -> StoreResult<SharingRefusal> {
    Ok(SharingRefusal {
        holder_agency_id: id(r, "holder_agency_id")?,
        holder_agency: r.try_get("holder_agency").map_err(db_err)?,
        requester_agency_id: id(r, "requester_agency_id")?,
        requester_agency: r.try_get("requester_agency").map_err(db_err)?,
        class: vocab(r, "data_class")?,
        reason: r.try_get("reason").map_err(db_err)?,
        decided_by: r.try_get("decided_by").map_err(db_err)?,
        day: r.try_get("day").map_err(db_err)?,
    })
}

#[async_trait]
impl FamilyStore for SqlStore {
    async fn create_person(&self, p: &NewPerson, audit: &AuditEvent) -> StoreResult<PersonId> {
        let q = sqlx::query(
            "INSERT INTO person (given_name, family_name, date_of_birth, nhs_number, ni_number) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(p.given_name.clone())
        .bind(p.family_name.clone())
        .bind(p.date_of_birth.clone())
        .bind(p.nhs_number.clone())
        .bind(p.ni_number.clone());
        create_one(self, q, "that person", audit).await
    }

    async fn create_household(
        &self,
        h: &NewHousehold,
        audit: &AuditEvent,
    ) -> StoreResult<HouseholdId> {
        let q = sqlx::query(
            "INSERT INTO household (name, place_id, address, lead_user_id) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(h.name.clone())
        .bind(h.place_id.map(|p| p.get()))
        .bind(h.address.clone())
        .bind(h.lead_user_id.map(|u| u.get()));
        create_one(self, q, "that household", audit).await
    }

    async fn add_member(
        &self,
        household: HouseholdId,
        person: PersonId,
        relationship: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO household_member (household_id, person_id, relationship) VALUES ($1, $2, $3) \
             ON CONFLICT (household_id, person_id) DO UPDATE SET relationship = excluded.relationship",
        )
        .bind(household.get())
        .bind(person.get())
        .bind(relationship.to_owned());
        write_one(self, q, "that member", audit).await
    }

    async fn households_of(&self, person: PersonId) -> StoreResult<Vec<HouseholdId>> {
        let rows = sqlx::query(
            "SELECT household_id FROM household_member WHERE person_id = $1 ORDER BY household_id",
        )
        .bind(person.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| id(r, "household_id")).collect()
    }

    async fn list_households(&self) -> StoreResult<Vec<HouseholdSummary>> {
        let rows = sqlx::query(
            "SELECT h.id, h.name, pl.name AS place_name, (SELECT COUNT(*) FROM household_member m WHERE m.household_id = h.id) AS members \
             FROM household h LEFT JOIN place pl ON pl.id = h.place_id ORDER BY h.name, h.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let links = sqlx::query(
            "SELECT DISTINCT m.household_id, i.agency_id FROM household_member m JOIN involvement i ON i.person_id = m.person_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut links = group_by::<HouseholdId, _>(&links, "household_id", |l| id(l, "agency_id"))?;
        let mut out = Vec::new();
        for r in &rows {
            let hid: HouseholdId = id(r, "id")?;
            let mut agencies = links.remove(&hid).unwrap_or_default();
            agencies.sort();
            out.push(HouseholdSummary {
                id: hid,
                name: r.try_get("name").map_err(db_err)?,
                place_name: r.try_get("place_name").map_err(db_err)?,
                members: r.try_get("members").map_err(db_err)?,
                agencies,
            });
        }
        Ok(out)
    }

    async fn get_family(&self, hid: HouseholdId) -> StoreResult<Option<Family>> {
        let Some(household) = self.household(hid).await? else {
            return Ok(None);
        };
        let FamilyRecords {
            participation,
            consents,
            refusals,
            handovers,
            former_addresses,
        } = self.family_records(hid).await?;
        Ok(Some(Family {
            household,
            members: self.family_members(hid).await?,
            involvements: self.family_involvements(hid).await?,
            events: self.family_events(hid).await?,
            plan: self.family_plan(hid).await?,
            participation,
            consents,
            refusals,
            handovers,
            former_addresses,
        }))
    }

    async fn create_involvement(
        &self,
        i: &NewInvolvement,
        audit: &AuditEvent,
    ) -> StoreResult<InvolvementId> {
        let q = sqlx::query(
            "INSERT INTO involvement (person_id, agency_id, service, lead_worker, need, data_class, started_on, ended_on, \
             unit_cost_code, unit_cost_pence, unit, units_per_year_hundredths) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(i.person_id.get())
        .bind(i.agency_id.get())
        .bind(i.service.clone())
        .bind(i.lead_worker.clone())
        .bind(i.need.clone())
        .bind(i.class.as_str())
        .bind(i.started_on.clone())
        .bind(i.ended_on.clone())
        .bind(i.unit_cost_code.clone())
        .bind(i.unit_cost.pence())
        .bind(i.unit.clone())
        .bind(i.units_per_year_hundredths);
        create_one(self, q, "that involvement", audit).await
    }

    async fn add_family_event(
        &self,
        household: HouseholdId,
        e: &FamilyEvent,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO family_event (household_id, person_id, agency_id, day, summary, data_class) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(household.get())
        .bind(e.person_id.map(|p| p.get()))
        .bind(e.agency_id.get())
        .bind(e.day.clone())
        .bind(e.summary.clone())
        .bind(e.class.as_str());
        write_one(self, q, "that event", audit).await
    }

    async fn add_goal(
        &self,
        household: HouseholdId,
        g: &NewGoal,
        audit: &AuditEvent,
    ) -> StoreResult<GoalId> {
        let q = sqlx::query(
            "INSERT INTO family_goal (household_id, goal, worries, strengths, next_steps, score, owner_agency_id, review_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(household.get())
        .bind(g.goal.clone())
        .bind(g.worries.clone())
        .bind(g.strengths.clone())
        .bind(g.next_steps.clone())
        .bind(g.score)
        .bind(g.owner_agency_id.get())
        .bind(g.review_on.clone());
        create_one(self, q, "that goal", audit).await
    }

    async fn add_plan_action(
        &self,
        goal: GoalId,
        a: &PlanAction,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO family_action (goal_id, action, owner, due_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(goal.get())
        .bind(a.action.clone())
        .bind(a.owner.clone())
        .bind(a.due_on.clone());
        write_one(self, q, "that action", audit).await
    }

    async fn review_goal(
        &self,
        goal: GoalId,
        review: &GoalReview,
        next_review_on: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let update = sqlx::query("UPDATE family_goal SET score = $1, review_on = $2 WHERE id = $3")
            .bind(review.score)
            .bind(next_review_on.to_owned())
            .bind(goal.get());
        let insert = sqlx::query(
            "INSERT INTO goal_review (goal_id, day, score, note, reviewed_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(goal.get())
        .bind(review.day.clone())
        .bind(review.score)
        .bind(review.note.clone())
        .bind(review.reviewed_by.clone());
        write_all(self, vec![update, insert], "that goal", audit).await
    }

    async fn record_participation(
        &self,
        household: HouseholdId,
        p: &Participation,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO family_participation (household_id, agreed, day, how, recorded_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(household.get())
        .bind(i64::from(p.agreed))
        .bind(p.day.clone())
        .bind(p.how.clone())
        .bind(p.recorded_by.clone());
        write_one(self, q, "that family", audit).await
    }

    async fn record_consent(&self, c: &NewConsent, audit: &AuditEvent) -> StoreResult<ConsentId> {
        let q = sqlx::query(
            "INSERT INTO consent_receipt (person_id, agreement_id, purposes, given_on, how, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(c.person_id.get())
        .bind(c.agreement_id.get())
        .bind(keys(&c.purposes))
        .bind(c.given_on.clone())
        .bind(c.how.clone())
        .bind(c.recorded_by.clone());
        create_one(self, q, "that person or agreement", audit).await
    }

    async fn withdraw_consent(
        &self,
        cid: ConsentId,
        day: &str,
        how: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "UPDATE consent_receipt SET withdrawn_on = $1, withdrawal_how = $2 WHERE id = $3 AND withdrawn_on IS NULL",
        )
        .bind(day.to_owned())
        .bind(how.to_owned())
        .bind(cid.get());
        change_one(self, q, "that consent", audit).await
    }

    async fn record_refusal(
        &self,
        household: HouseholdId,
        r: &SharingRefusal,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query(
            "INSERT INTO sharing_refusal (household_id, holder_agency_id, requester_agency_id, data_class, reason, decided_by, day) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(household.get())
        .bind(r.holder_agency_id.get())
        .bind(r.requester_agency_id.get())
        .bind(r.class.as_str())
        .bind(r.reason.clone())
        .bind(r.decided_by.clone())
        .bind(r.day.clone());
        write_one(self, q, "that family or agency", audit).await
    }

    async fn hand_over(
        &self,
        household: HouseholdId,
        h: &Handover,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let update = sqlx::query("UPDATE household SET lead_user_id = $1 WHERE id = $2")
            .bind(h.to_user_id.get())
            .bind(household.get());
        let insert = sqlx::query(
            "INSERT INTO lead_handover (household_id, from_name, to_user_id, day, note) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(household.get())
        .bind(h.from_name.clone())
        .bind(h.to_user_id.get())
        .bind(h.day.clone())
        .bind(h.note.clone());
        write_all(self, vec![update, insert], "that practitioner", audit).await
    }

    async fn move_household(
        &self,
        household: HouseholdId,
        address: &str,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        // The old address is kept before the household's row takes the new one.
        let keep = sqlx::query(
            "INSERT INTO former_address (household_id, address, until_on) SELECT id, address, $1 FROM household WHERE id = $2",
        )
        .bind(day.to_owned())
        .bind(household.get());
        let update = sqlx::query("UPDATE household SET address = $1 WHERE id = $2")
            .bind(address.to_owned())
            .bind(household.get());
        write_all(self, vec![keep, update], "that family", audit).await
    }

    async fn end_involvement(
        &self,
        iid: InvolvementId,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("UPDATE involvement SET ended_on = $1 WHERE id = $2")
            .bind(day.to_owned())
            .bind(iid.get());
        change_one(self, q, "that involvement", audit).await
    }

    async fn list_agreements(&self) -> StoreResult<Vec<SharingAgreement>> {
        let rows = sqlx::query(
            "SELECT id, title, classes, purposes, basis, special_condition, starts_on, review_on, expires_on, withdrawn_on, signatories \
             FROM sharing_agreement ORDER BY title",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let parties = sqlx::query(
            "SELECT p.agreement_id, a.id, a.name, a.kind FROM agreement_party p JOIN agency a ON a.id = p.agency_id ORDER BY a.name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut parties = group_by::<AgreementId, _>(&parties, "agreement_id", |p| {
            crate::agencies::agency_from_row(p, "")
        })?;
        let mut out = Vec::new();
        for r in &rows {
            let aid: AgreementId = id(r, "id")?;
            let members = parties.remove(&aid).unwrap_or_default();
            let condition: Option<String> = r.try_get("special_condition").map_err(db_err)?;
            out.push(SharingAgreement {
                id: aid,
                title: r.try_get("title").map_err(db_err)?,
                parties: members,
                classes: parse_keys(r, "classes")?,
                purposes: parse_keys(r, "purposes")?,
                basis: vocab(r, "basis")?,
                condition: condition.map(|c| c.parse()).transpose().map_err(
                    |e: wholeplace_domain::UnknownTerm| StoreError::Backend(e.to_string()),
                )?,
                starts_on: r.try_get("starts_on").map_err(db_err)?,
                review_on: r.try_get("review_on").map_err(db_err)?,
                expires_on: r.try_get("expires_on").map_err(db_err)?,
                withdrawn_on: r.try_get("withdrawn_on").map_err(db_err)?,
                signatories: r.try_get("signatories").map_err(db_err)?,
            });
        }
        Ok(out)
    }

    async fn create_agreement(
        &self,
        a: &NewAgreement,
        audit: &AuditEvent,
    ) -> StoreResult<AgreementId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO sharing_agreement (title, classes, purposes, basis, special_condition, starts_on, review_on, expires_on, signatories) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(a.title.clone())
        .bind(keys(&a.classes))
        .bind(keys(&a.purposes))
        .bind(a.basis.as_str())
        .bind(a.condition.map(|c| c.as_str()))
        .bind(a.starts_on.clone())
        .bind(a.review_on.clone())
        .bind(a.expires_on.clone())
        .bind(a.signatories.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("an agreement called '{}'", a.title)))?;
        let aid: AgreementId = id(&row, "id")?;
        for p in &a.party_ids {
            crate::dataset::link(
                &mut tx,
                "INSERT INTO agreement_party (agreement_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                aid.get(),
                p.get(),
            )
            .await?;
        }
        let mut ev = audit.clone();
        ev.record_id = Some(aid.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(aid)
    }

    async fn withdraw_agreement(
        &self,
        aid: AgreementId,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("UPDATE sharing_agreement SET withdrawn_on = $1 WHERE id = $2")
            .bind(day.to_owned())
            .bind(aid.get());
        change_one(self, q, "that agreement", audit).await
    }

    async fn record_break_glass(
        &self,
        user: UserId,
        household: HouseholdId,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<BreakGlassId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO break_glass (user_id, household_id, reason, at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.get())
        .bind(household.get())
        .bind(reason.to_owned())
        .bind(audit.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that access"))?;
        let bid: BreakGlassId = id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(household.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(bid)
    }

    async fn break_glass_households(
        &self,
        user: UserId,
        since: Timestamp,
    ) -> StoreResult<Vec<HouseholdId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT household_id FROM break_glass WHERE user_id = $1 AND at >= $2 ORDER BY household_id",
        )
        .bind(user.get())
        .bind(since)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| id(r, "household_id")).collect()
    }

    async fn list_break_glass(&self) -> StoreResult<Vec<BreakGlass>> {
        let rows = sqlx::query(
            "SELECT b.id, b.user_id, u.username, b.household_id, b.reason, b.at, b.reviewed_by, b.finding \
             FROM break_glass b JOIN app_user u ON u.id = b.user_id ORDER BY b.at DESC, b.id DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(BreakGlass {
                    id: id(r, "id")?,
                    user_id: id(r, "user_id")?,
                    username: r.try_get("username").map_err(db_err)?,
                    household_id: id(r, "household_id")?,
                    reason: r.try_get("reason").map_err(db_err)?,
                    at: r.try_get("at").map_err(db_err)?,
                    reviewed_by: r.try_get("reviewed_by").map_err(db_err)?,
                    finding: r.try_get("finding").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn review_break_glass(
        &self,
        bid: BreakGlassId,
        reviewer: &str,
        finding: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("UPDATE break_glass SET reviewed_by = $1, finding = $2 WHERE id = $3")
            .bind(reviewer.to_owned())
            .bind(finding.to_owned())
            .bind(bid.get());
        change_one(self, q, "that access", audit).await
    }
}
