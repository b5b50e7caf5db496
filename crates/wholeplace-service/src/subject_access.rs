//! The data subject's right of access: one person's pack, every record any agency holds about
//! them and every access to their family's records, with third parties left out, as one
//! download for the privacy officer to check and send.

use crate::audit_action::AuditAction;
use crate::clock::format_rfc3339;
use crate::*;
use wholeplace_domain::{HouseholdId, PersonId};
use wholeplace_store::{
    AuditFilter, ConsentReceipt, FamilyEvent, FormerAddress, Goal, Involvement, Participation,
    Person, SharingRefusal,
};

/// One access to the person's family's records, from the audit log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AccessRecord {
    /// When, RFC 3339.
    pub at: String,
    /// Who (an account name).
    pub who: String,
    /// What, such as `family.read`.
    pub action: String,
    /// Whether it was allowed.
    pub allowed: bool,
    /// What was shown or why it was refused.
    pub detail: String,
}

/// A family the person belongs to, as the pack names it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PackHousehold {
    /// The family's id.
    pub id: HouseholdId,
    /// What the partnership calls the family.
    pub name: String,
    /// How the person belongs to it.
    pub relationship: String,
}

/// Everything held about one person.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SubjectAccessPack {
    /// When the pack was made, RFC 3339.
    pub generated_at: String,
    /// What the pack holds and what was left out.
    pub notes: Vec<String>,
    /// The person.
    pub person: Person,
    /// Their families.
    pub households: Vec<PackHousehold>,
    /// Every agency's involvement with them.
    pub involvements: Vec<Involvement>,
    /// Every agency's events about them.
    pub events: Vec<FamilyEvent>,
    /// The goals of their families' plans, as written.
    pub plan_goals: Vec<Goal>,
    /// The person's consent receipts, withdrawals included.
    pub consents: Vec<ConsentReceipt>,
    /// Their families' word on taking part.
    pub participation: Vec<Participation>,
    /// Decisions not to share their families' records.
    pub decisions_not_to_share: Vec<SharingRefusal>,
    /// Their families' former addresses.
    pub former_addresses: Vec<FormerAddress>,
    /// Every access to their families' records.
    pub accesses: Vec<AccessRecord>,
}

impl Service {
    /// One person's subject access pack (the privacy officer: administrators). Records about
    /// other members of the family are left out; free text (goals, summaries) is as written and
    /// must be read for third parties before the pack is sent. The pack is itself an audited read.
    pub async fn subject_access(
        &self,
        actor: &Actor,
        person: PersonId,
    ) -> ServiceResult<SubjectAccessPack> {
        let rid = Some(person.to_string());
        self.authorize(
            actor,
            DataClass::PrivacyAlerts,
            Access::Read,
            AuditAction::PersonSubjectAccess,
            "person",
            rid.clone(),
        )
        .await?;
        let families = self.store().households_of(person).await?;
        let mut pack = SubjectAccessPack {
            generated_at: format_rfc3339(self.now()),
            notes: vec![
                "Every agency's records about this person, whatever the sharing agreements allow: a subject access is the person's right to see what is held about them.".into(),
                "Records about other members of the family are left out. Goals and event summaries are as the agencies wrote them: read them for third parties before sending the pack.".into(),
                "Accesses are every read, change and refusal recorded against the person's families in the audit log.".into(),
            ],
            person: wholeplace_store::Person {
                id: person,
                given_name: String::new(),
                family_name: String::new(),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            households: Vec::new(),
            involvements: Vec::new(),
            events: Vec::new(),
            plan_goals: Vec::new(),
            consents: Vec::new(),
            participation: Vec::new(),
            decisions_not_to_share: Vec::new(),
            former_addresses: Vec::new(),
            accesses: Vec::new(),
        };
        let mut found = false;
        for hid in &families {
            let Some(f) = self.store().get_family(*hid).await? else {
                continue;
            };
            if let Some(m) = f.members.iter().find(|m| m.person.id == person) {
                found = true;
                pack.person = m.person.clone();
                pack.households.push(PackHousehold {
                    id: *hid,
                    name: f.household.name.clone(),
                    relationship: m.relationship.clone(),
                });
            }
            pack.involvements
                .extend(f.involvements.into_iter().filter(|i| i.person_id == person));
            pack.events
                .extend(f.events.into_iter().filter(|e| e.person_id == Some(person)));
            pack.plan_goals.extend(f.plan);
            pack.consents
                .extend(f.consents.into_iter().filter(|c| c.person_id == person));
            pack.participation.extend(f.participation);
            pack.decisions_not_to_share.extend(f.refusals);
            pack.former_addresses.extend(f.former_addresses);
        }
        if !found {
            return Err(ServiceError::NotFound);
        }
        pack.accesses = self.accesses_to(&families).await?;
        let ev = self.event(
            actor,
            AuditAction::PersonSubjectAccess,
            "person",
            rid,
            true,
            &format!(
                "{} involvements, {} events, {} accesses",
                pack.involvements.len(),
                pack.events.len(),
                pack.accesses.len()
            ),
        );
        self.store().append_audit(&ev).await?;
        Ok(pack)
    }

    /// Every audit entry about these families, oldest first.
    async fn accesses_to(&self, families: &[HouseholdId]) -> ServiceResult<Vec<AccessRecord>> {
        let ids: Vec<String> = families.iter().map(ToString::to_string).collect();
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let (page, total) = self
                .store()
                .list_audit(&AuditFilter {
                    action_prefix: Some("family.".into()),
                    limit: 1000,
                    offset,
                    ..Default::default()
                })
                .await?;
            let n = page.len() as i64;
            out.extend(
                page.into_iter()
                    .filter(|e| e.event.record_id.as_ref().is_some_and(|r| ids.contains(r)))
                    .map(|e| AccessRecord {
                        at: format_rfc3339(e.event.at),
                        who: e.event.actor,
                        action: e.event.action,
                        allowed: e.event.allowed,
                        detail: e.event.detail,
                    }),
            );
            offset += n;
            if n == 0 || offset >= total {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }
}
