//! Families and the service jigsaw: the use cases that add people, households, agencies'
//! involvements and events, and the one that shows a family to a reader: every record through
//! the domain's access gate ([`wholeplace_domain::sharing::decide`]), each read audited once,
//! with the As Is cost by agency priced from the involvements' unit costs.

use crate::audit_action::AuditAction;
use crate::clock::day_of;
use crate::fields::*;
use crate::*;
use std::collections::BTreeMap;
use wholeplace_domain::DataClass as SharedClass;
use wholeplace_domain::sharing::{self, AccessRequest, AgreementTerms, ConsentTerms, Decision};
use wholeplace_domain::{
    AgencyId, BreakGlassId, GoalId, HouseholdId, InvolvementId, Money, PersonId, Purpose,
};
use wholeplace_store::{
    ConsentReceipt, Family, FamilyEvent, FormerAddress, Goal, GoalReview, Handover, Household,
    HouseholdSummary, Involvement, Member, NewGoal, NewHousehold, NewInvolvement, NewPerson,
    Participation, PlanAction, SharingRefusal,
};

/// How long an emergency access lasts.
pub const BREAK_GLASS_SECS: i64 = 24 * 3600;

/// The "add a family" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HouseholdForm {
    /// What the partnership calls the family, such as "The Hill family".
    pub name: String,
    /// The place they live in (an id), or empty.
    pub place_id: String,
    /// Their address.
    pub address: String,
}

/// The "add a person to the family" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonForm {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// NHS number.
    pub nhs_number: String,
    /// National Insurance number.
    pub ni_number: String,
    /// How they belong to the household, such as "mother".
    pub relationship: String,
}

/// The "record an involvement" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct InvolvementForm {
    /// The family member (a person id).
    pub person_id: String,
    /// The reader's agency it is recorded for (an id), when they have several.
    pub agency_id: String,
    /// The service.
    pub service: String,
    /// The lead worker.
    pub lead_worker: String,
    /// The presenting need (a key of the need taxonomy, `Service::needs`).
    pub need: String,
    /// The class of data (a key of the data classes).
    pub class: String,
    /// First day.
    pub started_on: String,
    /// Last day, if it has ended.
    pub ended_on: String,
    /// The unit cost's code in the library, such as `SS18.2`.
    pub unit_cost_code: String,
    /// Units a year, such as `52` or `1.5`.
    pub units_per_year: String,
}

/// The "add a goal to the family's plan" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct GoalForm {
    /// The goal, in the family's words.
    pub goal: String,
    /// Worries.
    pub worries: String,
    /// Strengths.
    pub strengths: String,
    /// Next steps.
    pub next_steps: String,
    /// Where the family puts it now, 0 to 10.
    pub score: String,
    /// The owner agency (an id), when the reader has several.
    pub agency_id: String,
    /// When it is reviewed, `YYYY-MM-DD`.
    pub review_on: String,
}

/// The "add an action" and "record where a goal stands" forms.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActionForm {
    /// The goal (an id).
    pub goal_id: String,
    /// What is to be done (empty when only the score is recorded).
    pub action: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due_on: String,
    /// A new score, 0 to 10 (empty to leave it): a review of the goal.
    pub score: String,
    /// What was said at the review.
    pub note: String,
    /// The next review day (empty to keep the one set).
    pub next_review_on: String,
}

/// A score of 0 to 10, or the problem.
fn score(errors: &mut Vec<FieldError>, raw: &str) -> Option<i64> {
    match raw.trim().parse::<i64>() {
        Ok(n) if (0..=10).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new(
                "score",
                "Enter where the family puts it now, a whole number from 0 (nowhere near) to 10 (achieved)",
            ));
            None
        }
    }
}

/// The "emergency access" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BreakGlassForm {
    /// Why, in the reader's words.
    pub reason: String,
}

/// A family as one reader may see it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FamilyView {
    /// The household.
    pub household: Household,
    /// The purpose the records were read for.
    pub purpose: Purpose,
    /// The members whose identity the reader may see.
    pub members: Vec<Member>,
    /// Members the reader may not see.
    pub hidden_members: usize,
    /// The involvements the reader may see.
    pub involvements: Vec<Involvement>,
    /// Involvements the reader may not see.
    pub hidden_involvements: usize,
    /// The events the reader may see, by day.
    pub events: Vec<FamilyEvent>,
    /// Events the reader may not see.
    pub hidden_events: usize,
    /// The goals of the family's one plan the reader may see.
    pub plan: Vec<Goal>,
    /// Goals the reader may not see.
    pub hidden_goals: usize,
    /// The As Is cost a year by agency, of the involvements shown, most first.
    pub cost_by_agency: Vec<(String, Money)>,
    /// Their total.
    pub total_cost: Money,
    /// The agreements that let the reader see another agency's records (id, title).
    pub agreements_used: Vec<(i64, String)>,
    /// Whether the reader sees everything through an emergency access.
    pub break_glass: bool,
    /// The family's agreement to take part, and any change of mind, oldest first (not a lawful
    /// basis for sharing).
    pub participation: Vec<Participation>,
    /// The consent receipts of the members shown.
    pub consents: Vec<ConsentReceipt>,
    /// The decisions not to share that the reader's agency made or was told of.
    pub refusals: Vec<SharingRefusal>,
    /// Handovers of the lead practitioner, oldest first.
    pub handovers: Vec<Handover>,
    /// Where the family lived before, most recent first.
    pub former_addresses: Vec<FormerAddress>,
}

impl FamilyView {
    /// The jigsaw: for each member shown, the agencies involved with them for each need
    /// (members x needs -> agencies), with the labels of the needs any member has, in the
    /// taxonomy's order (a need no longer in `needs` last, by its key).
    pub fn jigsaw(&self, needs: &[crate::NeedView]) -> (Vec<String>, Vec<JigsawRow>) {
        let mut keys: Vec<(&str, String)> = needs
            .iter()
            .filter(|n| self.involvements.iter().any(|i| i.need == n.key))
            .map(|n| (n.key.as_str(), n.label.clone()))
            .collect();
        let mut unknown: Vec<&str> = self
            .involvements
            .iter()
            .map(|i| i.need.as_str())
            .filter(|k| !needs.iter().any(|n| n.key == *k))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        keys.extend(unknown.into_iter().map(|k| (k, k.to_owned())));
        let rows = self
            .members
            .iter()
            .map(|m| {
                let cells = keys
                    .iter()
                    .map(|(n, _)| {
                        let mut agencies: Vec<String> = self
                            .involvements
                            .iter()
                            .filter(|i| i.person_id == m.person.id && i.need == *n)
                            .map(|i| i.agency_name.clone())
                            .collect();
                        agencies.dedup();
                        agencies
                    })
                    .collect();
                (
                    format!("{} {}", m.person.given_name, m.person.family_name),
                    cells,
                )
            })
            .collect();
        (keys.into_iter().map(|(_, l)| l).collect(), rows)
    }

    /// A member's name, or "a family member" when the reader may not see who.
    pub fn name_of(&self, id: Option<PersonId>) -> String {
        id.and_then(|id| self.members.iter().find(|m| m.person.id == id))
            .map_or_else(
                || "the family".to_owned(),
                |m| format!("{} {}", m.person.given_name, m.person.family_name),
            )
    }
}

/// One row of the jigsaw: a member's name, and for each need the agencies involved.
pub type JigsawRow = (String, Vec<Vec<String>>);

/// One family in the reader's list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FamilySummary {
    /// Id.
    pub id: HouseholdId,
    /// Name.
    pub name: String,
    /// Place.
    pub place_name: Option<String>,
    /// Members.
    pub members: i64,
}

/// The As Is cost a year by agency, most first, and the total.
pub fn cost_by_agency(involvements: &[Involvement]) -> (Vec<(String, Money)>, Money) {
    let mut by: BTreeMap<String, i128> = BTreeMap::new();
    for i in involvements {
        *by.entry(i.agency_name.clone()).or_insert(0) += i128::from(i.annual_cost().pence());
    }
    let pence = |p: i128| Money::from_pence(i64::try_from(p).unwrap_or(i64::MAX));
    let total = pence(by.values().sum());
    let mut rows: Vec<(String, Money)> = by.into_iter().map(|(a, p)| (a, pence(p))).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (rows, total)
}

/// What the reader's read of one family comes to: which records the gate lets through.
struct Gate<'a> {
    readers: Vec<AgencyId>,
    involved: Vec<AgencyId>,
    agreements: &'a [AgreementTerms],
    purpose: Purpose,
    today: String,
    break_glass: bool,
    used: Vec<i64>,
    /// Each member's consents, as the gate reads them.
    consents: BTreeMap<PersonId, Vec<ConsentTerms>>,
    /// Every member's consents, for records about the whole family.
    family_consents: Vec<ConsentTerms>,
}

impl Gate<'_> {
    /// Whether the reader may see `holder`'s record of `class` about `subject` (a member, or
    /// the whole family when `None`).
    fn allows(&mut self, holder: AgencyId, class: SharedClass, subject: Option<PersonId>) -> bool {
        if self.break_glass {
            return true;
        }
        let consents: &[ConsentTerms] = match subject {
            Some(p) => self.consents.get(&p).map_or(&[], Vec::as_slice),
            None => &self.family_consents,
        };
        let decision = sharing::decide(
            &AccessRequest {
                reader_agencies: &self.readers,
                involved_agencies: &self.involved,
                holder,
                class,
                purpose: self.purpose,
                on: &self.today,
                consents,
            },
            self.agreements,
        );
        if let Decision::Agreement(id) = decision
            && !self.used.contains(&id)
        {
            self.used.push(id);
        }
        decision.allowed()
    }
}

impl Service {
    /// The reader's agencies (none for the operator at the command line).
    pub(crate) fn reader_agencies(actor: &Actor) -> Vec<AgencyId> {
        actor
            .user
            .as_ref()
            .map(|u| u.agencies.iter().map(|a| a.id).collect())
            .unwrap_or_default()
    }

    /// The agreements, as the gate reads them.
    pub(crate) async fn agreement_terms(
        &self,
    ) -> ServiceResult<(Vec<AgreementTerms>, Vec<(i64, String)>)> {
        let all = self.store().list_agreements().await?;
        let titles = all.iter().map(|a| (a.id.get(), a.title.clone())).collect();
        let terms = all
            .into_iter()
            .map(|a| AgreementTerms {
                id: a.id.get(),
                parties: a.parties.iter().map(|p| p.id).collect(),
                classes: a.classes,
                purposes: a.purposes,
                starts_on: a.starts_on,
                expires_on: a.expires_on,
                withdrawn_on: a.withdrawn_on,
                needs_consent: a.basis.as_str() == "consent",
            })
            .collect();
        Ok((terms, titles))
    }

    /// The families the reader holds an emergency access to that has not run out.
    async fn opened_families(&self, actor: &Actor) -> ServiceResult<Vec<HouseholdId>> {
        let Some(user) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let since = self.now() - BREAK_GLASS_SECS;
        Ok(self.store().break_glass_households(user, since).await?)
    }

    /// Whether the reader holds an emergency access to the family that has not run out.
    async fn has_break_glass(&self, actor: &Actor, household: HouseholdId) -> ServiceResult<bool> {
        Ok(self.opened_families(actor).await?.contains(&household))
    }

    /// The families the reader's agencies work with (and any they hold an emergency access to);
    /// an audited read.
    pub async fn list_families(&self, actor: &Actor) -> ServiceResult<Vec<FamilySummary>> {
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Read,
            AuditAction::FamilyList,
            "family",
            None,
        )
        .await?;
        let readers = Self::reader_agencies(actor);
        let opened = self.opened_families(actor).await?;
        let mut out = Vec::new();
        for h in self.store().list_households().await? {
            let HouseholdSummary {
                id,
                name,
                place_name,
                members,
                agencies,
            } = h;
            if agencies.iter().any(|a| readers.contains(a)) || opened.contains(&id) {
                out.push(FamilySummary {
                    id,
                    name,
                    place_name,
                    members,
                });
            }
        }
        let ev = self.event(
            actor,
            AuditAction::FamilyList,
            "family",
            None,
            true,
            &format!("{} families", out.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(out)
    }

    /// A family as the reader may see it, for `purpose`: each member's identity, involvement and
    /// event through the access gate; one audit entry for the read, naming what was shown and
    /// withheld. A reader whose agency does not work with the family (and who holds no emergency
    /// access) is refused, and the refusal is audited.
    pub async fn family_view(
        &self,
        actor: &Actor,
        id: HouseholdId,
        purpose: &str,
        action: AuditAction,
    ) -> ServiceResult<FamilyView> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Read,
            action,
            "family",
            rid.clone(),
        )
        .await?;
        let purpose = Purpose::parse(if purpose.trim().is_empty() {
            "early_help"
        } else {
            purpose
        })
        .map_err(|e| ServiceError::Validation(vec![FieldError::new("purpose", e.to_string())]))?;
        let family = self
            .store()
            .get_family(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (terms, titles) = self.agreement_terms().await?;
        let mut involved: Vec<AgencyId> = family.involvements.iter().map(|i| i.agency_id).collect();
        involved.sort();
        involved.dedup();
        let mut gate = Gate {
            readers: Self::reader_agencies(actor),
            involved,
            agreements: &terms,
            purpose,
            today: day_of(self.now()),
            break_glass: self.has_break_glass(actor, id).await?,
            used: Vec::new(),
            consents: BTreeMap::new(),
            family_consents: Vec::new(),
        };
        for c in &family.consents {
            let terms = ConsentTerms {
                agreement: c.agreement_id.get(),
                purposes: c.purposes.clone(),
                given_on: c.given_on.clone(),
                withdrawn_on: c.withdrawn_on.clone(),
            };
            gate.family_consents.push(terms.clone());
            gate.consents.entry(c.person_id).or_default().push(terms);
        }
        if !gate.break_glass && !gate.involved.iter().any(|a| gate.readers.contains(a)) {
            let ev = self.event(actor, action, "family", rid, false, "agency not involved");
            self.store().append_audit(&ev).await?;
            return Err(ServiceError::Forbidden(
                "Your agency does not work with this family. If a child or adult is at risk, you can ask for emergency access, giving your reason.".into(),
            ));
        }
        let lead_agencies = match family.household.lead_user_id {
            Some(u) => self
                .store()
                .get_user(u)
                .await?
                .map(|u| u.agencies.iter().map(|a| a.id).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let view = Self::gated(family, &mut gate, &titles, &lead_agencies);
        let detail = format!(
            "purpose {}; shown {} of {} members, {} of {} involvements, {} of {} events{}",
            purpose,
            view.members.len(),
            view.members.len() + view.hidden_members,
            view.involvements.len(),
            view.involvements.len() + view.hidden_involvements,
            view.events.len(),
            view.events.len() + view.hidden_events,
            if view.break_glass {
                "; emergency access"
            } else {
                ""
            }
        );
        let ev = self.event(actor, action, "family", rid, true, &detail);
        self.store().append_audit(&ev).await?;
        Ok(view)
    }

    /// The part of a family the gate lets through. A member no agency works with yet is held by
    /// the lead practitioner's agency (who added them), or failing that by the agencies working
    /// with the family.
    fn gated(
        family: Family,
        gate: &mut Gate<'_>,
        titles: &[(i64, String)],
        lead_agencies: &[AgencyId],
    ) -> FamilyView {
        let identity = SharedClass::of("identity");
        let Family {
            household,
            members,
            involvements,
            events,
            plan,
            participation,
            consents,
            refusals,
            handovers,
            former_addresses,
        } = family;
        // The plan is a social care record of the agency that owns each goal.
        let social_care = SharedClass::of("social_care");
        let (plan, hidden_goals): (Vec<Goal>, Vec<Goal>) = plan
            .into_iter()
            .partition(|g| gate.allows(g.owner_agency_id, social_care, None));
        let (involvements, hidden): (Vec<Involvement>, Vec<Involvement>) = involvements
            .into_iter()
            .partition(|i| gate.allows(i.agency_id, i.class, Some(i.person_id)));
        let all_involvements: Vec<(PersonId, AgencyId)> = involvements
            .iter()
            .chain(hidden.iter())
            .map(|i| (i.person_id, i.agency_id))
            .collect();
        let family_agencies = if lead_agencies.is_empty() {
            gate.involved.clone()
        } else {
            lead_agencies.to_vec()
        };
        let (members, hidden_members): (Vec<Member>, Vec<Member>) =
            members.into_iter().partition(|m| {
                let mut holders: Vec<AgencyId> = all_involvements
                    .iter()
                    .filter(|(p, _)| *p == m.person.id)
                    .map(|(_, a)| *a)
                    .collect();
                if holders.is_empty() {
                    holders.clone_from(&family_agencies);
                }
                holders
                    .iter()
                    .any(|h| gate.allows(*h, identity, Some(m.person.id)))
            });
        let shown: Vec<PersonId> = members.iter().map(|m| m.person.id).collect();
        let (involvements, hidden_of_unseen): (Vec<Involvement>, Vec<Involvement>) = involvements
            .into_iter()
            .partition(|i| shown.contains(&i.person_id));
        let (events, hidden_events): (Vec<FamilyEvent>, Vec<FamilyEvent>) =
            events.into_iter().partition(|e| {
                e.person_id.is_none_or(|p| shown.contains(&p))
                    && gate.allows(e.agency_id, e.class, e.person_id)
            });
        let (cost_by_agency, total_cost) = cost_by_agency(&involvements);
        FamilyView {
            household,
            purpose: gate.purpose,
            members,
            hidden_members: hidden_members.len(),
            involvements,
            hidden_involvements: hidden.len() + hidden_of_unseen.len(),
            events,
            hidden_events: hidden_events.len(),
            plan,
            hidden_goals: hidden_goals.len(),
            cost_by_agency,
            total_cost,
            agreements_used: titles
                .iter()
                .filter(|(id, _)| gate.used.contains(id))
                .cloned()
                .collect(),
            break_glass: gate.break_glass,
            participation,
            consents: consents
                .into_iter()
                .filter(|c| shown.contains(&c.person_id))
                .collect(),
            refusals: refusals
                .into_iter()
                .filter(|r| {
                    gate.break_glass
                        || gate.readers.contains(&r.holder_agency_id)
                        || gate.readers.contains(&r.requester_agency_id)
                })
                .collect(),
            handovers,
            former_addresses,
        }
    }

    /// Adds a family, led by the practitioner who adds it.
    pub async fn create_family(
        &self,
        actor: &Actor,
        f: &HouseholdForm,
    ) -> ServiceResult<HouseholdId> {
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Change,
            AuditAction::FamilyCreate,
            "family",
            None,
        )
        .await?;
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &f.name,
            200,
            Some("Enter what the partnership calls the family, such as 'The Hill family'"),
        );
        let address = text(&mut errors, "address", &f.address, 500, None);
        let place = match opt_text(&f.place_id) {
            None => None,
            Some(_) => Self::id_in(
                &mut errors,
                "place_id",
                &f.place_id,
                &self.place_ids().await?,
                "Select the place the family lives in, or none",
            ),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.event(actor, AuditAction::FamilyCreate, "family", None, true, "");
        Ok(self
            .store()
            .create_household(
                &NewHousehold {
                    name,
                    place_id: place,
                    address,
                    lead_user_id: actor.user_id(),
                },
                &ev,
            )
            .await?)
    }

    /// Refuses a change to a family the actor's agency does not work with (the lead practitioner
    /// who added it may add its first members and involvements).
    pub(crate) async fn may_change_family(
        &self,
        actor: &Actor,
        id: HouseholdId,
        action: AuditAction,
    ) -> ServiceResult<Family> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Change,
            action,
            "family",
            rid.clone(),
        )
        .await?;
        let family = self
            .store()
            .get_family(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let readers = Self::reader_agencies(actor);
        let leads = family.household.lead_user_id.is_some()
            && family.household.lead_user_id == actor.user_id();
        let involved = family
            .involvements
            .iter()
            .any(|i| readers.contains(&i.agency_id));
        // The operator at the command line loads agencies' records (as the demonstration does).
        let operator = actor.user.is_none();
        if operator || leads || involved || self.has_break_glass(actor, id).await? {
            return Ok(family);
        }
        let ev = self.event(actor, action, "family", rid, false, "agency not involved");
        self.store().append_audit(&ev).await?;
        Err(ServiceError::Forbidden(
            "Only a practitioner whose agency works with this family can change its records."
                .into(),
        ))
    }

    /// Adds a person to a family.
    pub async fn add_family_member(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &PersonForm,
    ) -> ServiceResult<PersonId> {
        self.may_change_family(actor, id, AuditAction::PersonCreate)
            .await?;
        let (person, relationship) = f
            .parse(&day_of(self.now()))
            .map_err(ServiceError::Validation)?;
        let ev = self.event(actor, AuditAction::PersonCreate, "person", None, true, "");
        let pid = self.store().create_person(&person, &ev).await?;
        let ev = self.event(
            actor,
            AuditAction::FamilyMember,
            "family",
            Some(id.to_string()),
            true,
            &format!("person {pid}"),
        );
        self.store().add_member(id, pid, &relationship, &ev).await?;
        Ok(pid)
    }

    /// Records the reader's agency's involvement with a family member, priced from the
    /// unit-cost library.
    pub async fn add_involvement(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &InvolvementForm,
    ) -> ServiceResult<InvolvementId> {
        let family = self
            .may_change_family(actor, id, AuditAction::InvolvementCreate)
            .await?;
        self.record_involvement(actor, &family, &Self::reader_agencies(actor), f)
            .await
    }

    /// Adds a goal to the family's one plan, owned by the reader's agency.
    pub async fn add_goal(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &GoalForm,
    ) -> ServiceResult<GoalId> {
        self.may_change_family(actor, id, AuditAction::FamilyPlan)
            .await?;
        let readers = Self::reader_agencies(actor);
        let mut errors = Vec::new();
        let goal = text(
            &mut errors,
            "goal",
            &f.goal,
            500,
            Some("Enter the goal in the family's own words"),
        );
        let worries = text(&mut errors, "worries", &f.worries, 2000, None);
        let strengths = text(&mut errors, "strengths", &f.strengths, 2000, None);
        let next_steps = text(&mut errors, "next_steps", &f.next_steps, 2000, None);
        let score = score(&mut errors, &f.score);
        let owner = if readers.len() == 1 && f.agency_id.trim().is_empty() {
            Some(readers[0])
        } else {
            Self::id_in(
                &mut errors,
                "agency_id",
                &f.agency_id,
                &readers,
                "Select your agency",
            )
        };
        let review_on = date(&mut errors, "review_on", &f.review_on);
        if review_on.is_empty() {
            errors.push(FieldError::new(
                "review_on",
                "Enter the day the goal is reviewed, such as 2027-03-01",
            ));
        }
        let (Some(score), Some(owner_agency_id), true) = (score, owner, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(
            actor,
            AuditAction::FamilyPlan,
            "family",
            Some(id.to_string()),
            true,
            "goal added",
        );
        Ok(self
            .store()
            .add_goal(
                id,
                &NewGoal {
                    goal,
                    worries,
                    strengths,
                    next_steps,
                    score,
                    owner_agency_id,
                    review_on,
                },
                &ev,
            )
            .await?)
    }

    /// Adds an action to a goal of the family's plan, records a new score, or both.
    pub async fn update_plan(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &ActionForm,
    ) -> ServiceResult<()> {
        let family = self
            .may_change_family(actor, id, AuditAction::FamilyPlan)
            .await?;
        let goals: Vec<GoalId> = family.plan.iter().map(|g| g.id).collect();
        let mut errors = Vec::new();
        let goal = Self::id_in(
            &mut errors,
            "goal_id",
            &f.goal_id,
            &goals,
            "Select the goal",
        );
        let new_score = if f.score.trim().is_empty() {
            None
        } else {
            score(&mut errors, &f.score)
        };
        let action = text(&mut errors, "action", &f.action, 500, None);
        let owner = text(&mut errors, "owner", &f.owner, 200, None);
        let due_on = date(&mut errors, "due_on", &f.due_on);
        let note = text(&mut errors, "note", &f.note, 2000, None);
        let next_review_on = date(&mut errors, "next_review_on", &f.next_review_on);
        let today = day_of(self.now());
        if !next_review_on.is_empty() && next_review_on < today {
            errors.push(FieldError::new(
                "next_review_on",
                "The next review day must be today or later",
            ));
        }
        if !action.is_empty() && (owner.is_empty() || due_on.is_empty()) {
            errors.push(FieldError::new(
                "owner",
                "Give the action an owner and a day it is due by",
            ));
        }
        if action.is_empty() && new_score.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "action",
                "Enter an action, or where the family puts the goal now",
            ));
        }
        let (Some(goal), true) = (goal, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let rid = Some(id.to_string());
        if let Some(n) = new_score {
            let ev = self.event(
                actor,
                AuditAction::FamilyPlan,
                "family",
                rid.clone(),
                true,
                &format!("goal {goal} reviewed, scored {n}"),
            );
            let next = if next_review_on.is_empty() {
                family
                    .plan
                    .iter()
                    .find(|g| g.id == goal)
                    .map(|g| g.review_on.clone())
                    .unwrap_or_default()
            } else {
                next_review_on
            };
            let review = GoalReview {
                day: today,
                score: n,
                note,
                reviewed_by: actor.name(),
            };
            self.store().review_goal(goal, &review, &next, &ev).await?;
        }
        if !action.is_empty() {
            let ev = self.event(
                actor,
                AuditAction::FamilyPlan,
                "family",
                rid,
                true,
                &format!("action added to goal {goal}"),
            );
            self.store()
                .add_plan_action(
                    goal,
                    &PlanAction {
                        action,
                        owner,
                        due_on,
                    },
                    &ev,
                )
                .await?;
        }
        Ok(())
    }

    /// Records an agency's involvement from the command line (the operator, loading an agency's
    /// records, as the demonstration does): the agency is named, not the reader's.
    pub async fn add_involvement_for_agency(
        &self,
        actor: &Actor,
        id: HouseholdId,
        agency: AgencyId,
        f: &InvolvementForm,
    ) -> ServiceResult<InvolvementId> {
        let family = self.operator_family(actor, id).await?;
        self.record_involvement(actor, &family, &[agency], f).await
    }

    /// Checks and records an involvement for one of `agencies`.
    async fn record_involvement(
        &self,
        actor: &Actor,
        family: &Family,
        agencies: &[AgencyId],
        f: &InvolvementForm,
    ) -> ServiceResult<InvolvementId> {
        let needs = self.needs().await?;
        let new = self.involvement_from_form(agencies, family, &needs, f)?;
        let ev = self.event(
            actor,
            AuditAction::InvolvementCreate,
            "involvement",
            None,
            true,
            &format!("family {}", family.household.id),
        );
        Ok(self.store().create_involvement(&new, &ev).await?)
    }

    /// The family, for the operator at the command line only (who records for other agencies).
    async fn operator_family(&self, actor: &Actor, id: HouseholdId) -> ServiceResult<Family> {
        if actor.user.is_some() {
            return Err(ServiceError::Forbidden(
                "Only the operator at the command line records for another agency.".into(),
            ));
        }
        self.store()
            .get_family(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Records an agency's event on a family's timeline from the command line (the operator,
    /// loading an agency's records): a visit, an incident, a meeting.
    pub async fn add_event_for_agency(
        &self,
        actor: &Actor,
        id: HouseholdId,
        event: &FamilyEvent,
    ) -> ServiceResult<()> {
        let family = self.operator_family(actor, id).await?;
        self.record_event(actor, &family, event).await
    }

    /// Checks an event against the family (its member, day and summary) and records it.
    pub(crate) async fn record_event(
        &self,
        actor: &Actor,
        family: &Family,
        event: &FamilyEvent,
    ) -> ServiceResult<()> {
        let mut errors = Vec::new();
        if event
            .person_id
            .is_some_and(|p| !family.members.iter().any(|m| m.person.id == p))
        {
            errors.push(FieldError::new(
                "person_id",
                "Select a member of the family",
            ));
        }
        date(&mut errors, "day", &event.day);
        let summary = text(
            &mut errors,
            "summary",
            &event.summary,
            500,
            Some("Say what happened, such as 'Home visit: school attendance discussed'"),
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let id = family.household.id;
        let ev = self.event(
            actor,
            AuditAction::FamilyEvent,
            "family",
            Some(id.to_string()),
            true,
            "",
        );
        let event = FamilyEvent {
            summary,
            ..event.clone()
        };
        Ok(self.store().add_family_event(id, &event, &ev).await?)
    }

    /// Checks an involvement form against the family and the agencies it may be recorded for.
    fn involvement_from_form(
        &self,
        readers: &[AgencyId],
        family: &Family,
        needs: &[crate::NeedView],
        f: &InvolvementForm,
    ) -> ServiceResult<NewInvolvement> {
        let mut errors = Vec::new();
        let members: Vec<PersonId> = family.members.iter().map(|m| m.person.id).collect();
        let person = Self::id_in(
            &mut errors,
            "person_id",
            &f.person_id,
            &members,
            "Select the family member",
        );
        let agency = if readers.len() == 1 && f.agency_id.trim().is_empty() {
            Some(readers[0])
        } else {
            Self::id_in(
                &mut errors,
                "agency_id",
                &f.agency_id,
                readers,
                "Select your agency",
            )
        };
        let service = text(
            &mut errors,
            "service",
            &f.service,
            200,
            Some("Enter the service, such as 'Early help family support'"),
        );
        let lead_worker = text(&mut errors, "lead_worker", &f.lead_worker, 200, None);
        let need = needs.iter().find(|n| n.key == f.need.trim());
        if need.is_none() {
            errors.push(FieldError::new("need", "Select the presenting need"));
        }
        let class = SharedClass::parse(&f.class)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "class",
                    "Select the class of data the record is",
                ))
            })
            .ok();
        let started_on = date(&mut errors, "started_on", &f.started_on);
        if started_on.is_empty() {
            errors.push(FieldError::new(
                "started_on",
                "Enter the first day, such as 2026-01-05",
            ));
        }
        let ended_on = opt_text(&date(&mut errors, "ended_on", &f.ended_on));
        if ended_on.as_deref().is_some_and(|e| e < started_on.as_str()) {
            errors.push(FieldError::new(
                "ended_on",
                "The last day must be on or after the first",
            ));
        }
        let (code, cost, unit) = match opt_text(&f.unit_cost_code) {
            None => (None, Money::ZERO, String::new()),
            Some(c) => {
                match self.unit_cost(&c) {
                    Ok(u) => match u.fiscal {
                        Some(p) => (
                            Some(u.code),
                            Money::from_pence((p.pounds * 100.0).round() as i64),
                            u.unit,
                        ),
                        None => {
                            errors.push(FieldError::new(
                                "unit_cost_code",
                                format!("{c} has no fiscal value to price with: choose another"),
                            ));
                            (None, Money::ZERO, String::new())
                        }
                    },
                    Err(_) => {
                        errors.push(FieldError::new("unit_cost_code", format!("There is no unit cost {c} in the library: search the unit costs page")));
                        (None, Money::ZERO, String::new())
                    }
                }
            }
        };
        let units = units_hundredths(&f.units_per_year);
        if units.is_none() {
            errors.push(FieldError::new(
                "units_per_year",
                "Enter how many units a year, such as 52 or 1.5",
            ));
        }
        match (person, agency, need, class, units) {
            (Some(person_id), Some(agency_id), Some(need), Some(class), Some(units))
                if errors.is_empty() =>
            {
                Ok(NewInvolvement {
                    person_id,
                    agency_id,
                    service,
                    lead_worker,
                    need: need.key.clone(),
                    class,
                    started_on,
                    ended_on,
                    unit_cost_code: code,
                    unit_cost: cost,
                    unit,
                    units_per_year_hundredths: units,
                })
            }
            _ => Err(ServiceError::Validation(errors)),
        }
    }

    /// Opens a family's records beyond the agreements for 24 hours, with a written reason: an
    /// audited act that raises an alert in the privacy officer's queue (the access's id).
    pub async fn break_glass(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &BreakGlassForm,
    ) -> ServiceResult<BreakGlassId> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Change,
            AuditAction::FamilyBreakGlass,
            "family",
            rid.clone(),
        )
        .await?;
        let Some(user) = actor.user_id() else {
            return Err(ServiceError::Forbidden(
                "Emergency access is for a signed-in practitioner.".into(),
            ));
        };
        self.store()
            .get_family(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reason = f.reason.trim();
        if reason.chars().count() < 20 || reason.chars().count() > 1000 {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "reason",
                "Give your reason in at least 20 characters: who is at risk and why you need these records now",
            )]));
        }
        let ev = self.event(
            actor,
            AuditAction::FamilyBreakGlass,
            "family",
            rid,
            true,
            "emergency access for 24 hours",
        );
        Ok(self
            .store()
            .record_break_glass(user, id, reason, &ev)
            .await?)
    }
}

/// Units a year as hundredths: `52` is 5200, `1.5` is 150; at most two decimals, not negative.
pub fn units_hundredths(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    w.checked_mul(100)?
        .checked_add(f)
        .filter(|n| *n <= 100_000_000)
}

impl PersonForm {
    /// The person and their relationship to the household, or every problem: the one rule set
    /// for a person (`today` bounds the date of birth).
    pub fn parse(&self, today: &str) -> Result<(NewPerson, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let given_name = text(
            &mut errors,
            "given_name",
            &self.given_name,
            100,
            Some("Enter their given name"),
        );
        let family_name = text(
            &mut errors,
            "family_name",
            &self.family_name,
            100,
            Some("Enter their family name"),
        );
        let dob = opt_text(&date(&mut errors, "date_of_birth", &self.date_of_birth));
        if dob.as_deref().is_some_and(|d| d > today) {
            errors.push(FieldError::new(
                "date_of_birth",
                "The date of birth must be in the past",
            ));
        }
        let nhs = opt_text(&self.nhs_number.replace(' ', ""));
        if nhs.as_deref().is_some_and(|n| !nhs_number_valid(n)) {
            errors.push(FieldError::new(
                "nhs_number",
                "Enter a valid 10-digit NHS number, such as 943 476 5919",
            ));
        }
        let ni = opt_text(&self.ni_number.replace(' ', "").to_uppercase());
        if ni.as_deref().is_some_and(|n| !ni_number_valid(n)) {
            errors.push(FieldError::new(
                "ni_number",
                "Enter a National Insurance number in the right format, such as AB 12 34 56 C",
            ));
        }
        let relationship = text(
            &mut errors,
            "relationship",
            &self.relationship,
            100,
            Some("Say how they belong to the household, such as 'mother' or 'son'"),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            NewPerson {
                given_name,
                family_name,
                date_of_birth: dob,
                nhs_number: nhs,
                ni_number: ni,
            },
            relationship,
        ))
    }
}

/// Whether ten digits pass the NHS number's modulus 11 check.
pub fn nhs_number_valid(n: &str) -> bool {
    let digits: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || n.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == digits[9]
}

/// Whether a National Insurance number has the published form: two letters (not D, F, I, Q, U
/// or V; the second not O), six digits, and a suffix A to D.
pub fn ni_number_valid(n: &str) -> bool {
    let c: Vec<char> = n.chars().collect();
    let bad = |x: char| "DFIQUV".contains(x);
    c.len() == 9
        && c[0].is_ascii_uppercase()
        && c[1].is_ascii_uppercase()
        && !bad(c[0])
        && !bad(c[1])
        && c[1] != 'O'
        && c[2..8].iter().all(char::is_ascii_digit)
        && "ABCD".contains(c[8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_hundredths() {
        assert_eq!(units_hundredths("52"), Some(5200));
        assert_eq!(units_hundredths("1.5"), Some(150));
        assert_eq!(units_hundredths(" 0.25 "), Some(25));
        for bad in ["", "-1", "1.234", "x", "1e3", ".5"] {
            assert_eq!(units_hundredths(bad), None, "{bad}");
        }
    }

    #[test]
    fn nhs_and_ni_numbers_are_checked() {
        assert!(nhs_number_valid("9434765919"));
        assert!(!nhs_number_valid("9434765918"));
        assert!(!nhs_number_valid("943476591"));
        assert!(!ni_number_valid("QQ123456C"), "Q is not a first letter");
        assert!(ni_number_valid("AB123456C"));
        assert!(!ni_number_valid("AB123456E"));
    }
}
