//! Families: people, households, agencies' involvements and events (personal and special
//! category data), the information-sharing agreements that govern who may see them, and
//! emergency ("break-glass") accesses. The port stores and returns; who may see what is decided
//! in the service, every read through the domain's access gate.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{
    AgencyId, AgreementId, BreakGlassId, ConsentId, DataClass, GoalId, HouseholdId, InvolvementId,
    LawfulBasis, Money, PersonId, PlaceId, Purpose, SpecialCondition, UserId,
};

/// A person known to one or more agencies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Id.
    pub id: PersonId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`, when known.
    pub date_of_birth: Option<String>,
    /// NHS number (ten digits), when known.
    pub nhs_number: Option<String>,
    /// National Insurance number, when known.
    pub ni_number: Option<String>,
}

/// A person to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPerson {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// National Insurance number.
    pub ni_number: Option<String>,
}

/// A household: the family a partnership works with, in one place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Household {
    /// Id.
    pub id: HouseholdId,
    /// What the family is called in the partnership's work, such as "The Hill family".
    pub name: String,
    /// The place they live in, when recorded.
    pub place_id: Option<PlaceId>,
    /// That place's name.
    pub place_name: Option<String>,
    /// Their address.
    pub address: String,
    /// The lead practitioner's account, when one is named.
    pub lead_user_id: Option<UserId>,
    /// The lead practitioner's name.
    pub lead_name: Option<String>,
}

/// A household to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHousehold {
    /// Name.
    pub name: String,
    /// Place.
    pub place_id: Option<PlaceId>,
    /// Address.
    pub address: String,
    /// Lead practitioner.
    pub lead_user_id: Option<UserId>,
}

/// A member of a household.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The person.
    pub person: Person,
    /// How they belong, such as "mother" or "son, 14".
    pub relationship: String,
}

/// An agency's involvement with a person: who, what for, since when, and what it costs a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Involvement {
    /// Id.
    pub id: InvolvementId,
    /// The person.
    pub person_id: PersonId,
    /// The agency whose record this is.
    pub agency_id: AgencyId,
    /// That agency's name.
    pub agency_name: String,
    /// The service, such as "Children and Families: child in need".
    pub service: String,
    /// The lead worker's name at the agency.
    pub lead_worker: String,
    /// The presenting need (a key of the need taxonomy).
    pub need: String,
    /// The class of data the record is.
    pub class: DataClass,
    /// First day, `YYYY-MM-DD`.
    pub started_on: String,
    /// Last day, when it has ended.
    pub ended_on: Option<String>,
    /// The unit cost it is priced with (a code of the unit-cost library), when priced.
    pub unit_cost_code: Option<String>,
    /// The unit cost as priced when recorded.
    pub unit_cost: Money,
    /// What the unit is, such as "Per hour".
    pub unit: String,
    /// Units a year, in hundredths (52 sessions a year is 5200).
    pub units_per_year_hundredths: i64,
}

impl Involvement {
    /// What it costs a year: the unit cost times the units, to the nearest penny (halves away
    /// from zero).
    pub fn annual_cost(&self) -> Money {
        let exact = i128::from(self.unit_cost.pence()) * i128::from(self.units_per_year_hundredths);
        let pence = (exact + if exact >= 0 { 50 } else { -50 }) / 100;
        Money::from_pence(i64::try_from(pence).unwrap_or(i64::MAX))
    }
}

/// An involvement to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvolvement {
    /// The person.
    pub person_id: PersonId,
    /// The agency.
    pub agency_id: AgencyId,
    /// Service.
    pub service: String,
    /// Lead worker.
    pub lead_worker: String,
    /// Presenting need.
    pub need: String,
    /// Class of data.
    pub class: DataClass,
    /// First day.
    pub started_on: String,
    /// Last day.
    pub ended_on: Option<String>,
    /// Unit-cost code.
    pub unit_cost_code: Option<String>,
    /// Unit cost.
    pub unit_cost: Money,
    /// Unit.
    pub unit: String,
    /// Units a year, in hundredths.
    pub units_per_year_hundredths: i64,
}

/// Something that happened, recorded by an agency: a visit, an incident, a meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilyEvent {
    /// The person it concerns, when one.
    pub person_id: Option<PersonId>,
    /// The agency whose record it is.
    pub agency_id: AgencyId,
    /// That agency's name.
    pub agency_name: String,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// What happened, in a few words.
    pub summary: String,
    /// The class of data the record is.
    pub class: DataClass,
}

/// A goal of the family's one plan, in the family's words, with where it stands (0 to 10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Goal {
    /// Id.
    pub id: GoalId,
    /// The goal, in the family's words.
    pub goal: String,
    /// What worries the family and the workers.
    pub worries: String,
    /// What is going well.
    pub strengths: String,
    /// What happens next.
    pub next_steps: String,
    /// Where the family puts it now, 0 (nowhere near) to 10 (achieved).
    pub score: i64,
    /// The agency that owns the goal.
    pub owner_agency_id: AgencyId,
    /// That agency's name.
    pub owner_agency: String,
    /// When it is next reviewed.
    pub review_on: String,
    /// What is to be done, by whom, by when.
    pub actions: Vec<PlanAction>,
    /// Its reviews, oldest first: how the family's score moved.
    pub reviews: Vec<GoalReview>,
}

/// A review of a goal: where the family put it that day, and what was said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoalReview {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Where the family put it, 0 to 10.
    pub score: i64,
    /// What was said.
    pub note: String,
    /// Who recorded it (their account name).
    pub reviewed_by: String,
}

/// The family's agreement to take part in the work with them, or their decision not to (or to
/// stop): recorded apart from the lawful basis for sharing their records, which it is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// Whether they agreed to take part (`false`: declined or stopped).
    pub agreed: bool,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// How it was given, such as "at a home visit with the lead practitioner".
    pub how: String,
    /// Who recorded it (their account name).
    pub recorded_by: String,
}

/// A person's consent to an agreement whose lawful basis is consent: who, when, how, for what,
/// and its withdrawal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsentReceipt {
    /// Id.
    pub id: ConsentId,
    /// The person who gave it.
    pub person_id: PersonId,
    /// The agreement it is consent to.
    pub agreement_id: AgreementId,
    /// That agreement's title.
    pub agreement_title: String,
    /// The purposes consented to.
    pub purposes: Vec<Purpose>,
    /// The day it was given.
    pub given_on: String,
    /// How it was given, such as "signed form at the family hub".
    pub how: String,
    /// Who recorded it (their account name).
    pub recorded_by: String,
    /// The day it was withdrawn, if it was.
    pub withdrawn_on: Option<String>,
    /// How it was withdrawn.
    pub withdrawal_how: String,
}

/// A consent receipt to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConsent {
    /// The person.
    pub person_id: PersonId,
    /// The agreement.
    pub agreement_id: AgreementId,
    /// The purposes.
    pub purposes: Vec<Purpose>,
    /// The day.
    pub given_on: String,
    /// How.
    pub how: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A decision not to share: an agency holding a class of data about the family declined another
/// agency's request for it, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharingRefusal {
    /// The agency that holds the data and decided.
    pub holder_agency_id: AgencyId,
    /// Its name (read back; ignored when recording).
    pub holder_agency: String,
    /// The agency that asked.
    pub requester_agency_id: AgencyId,
    /// Its name (read back; ignored when recording).
    pub requester_agency: String,
    /// The class of data asked for.
    pub class: DataClass,
    /// Why it was not shared.
    pub reason: String,
    /// Who decided (their account name).
    pub decided_by: String,
    /// The day.
    pub day: String,
}

/// The lead practitioner handed over to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handover {
    /// Who led before (their name), empty when no one did.
    pub from_name: String,
    /// The new lead practitioner.
    pub to_user_id: UserId,
    /// Their name (read back; ignored when recording).
    pub to_name: String,
    /// The day.
    pub day: String,
    /// What the new lead needs to know (no more personal detail than the handover needs).
    pub note: String,
}

/// An address the family lived at before, until a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormerAddress {
    /// The address.
    pub address: String,
    /// The day they moved away.
    pub until_on: String,
}

/// A goal to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGoal {
    /// The goal.
    pub goal: String,
    /// Worries.
    pub worries: String,
    /// Strengths.
    pub strengths: String,
    /// Next steps.
    pub next_steps: String,
    /// Score, 0 to 10.
    pub score: i64,
    /// Owner agency.
    pub owner_agency_id: AgencyId,
    /// Review day.
    pub review_on: String,
}

/// An action of a goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanAction {
    /// What is to be done.
    pub action: String,
    /// Who does it (a name or a role).
    pub owner: String,
    /// By when, `YYYY-MM-DD`.
    pub due_on: String,
}

/// A family with everything held about it: the service decides what a reader sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Family {
    /// The household.
    pub household: Household,
    /// Its members.
    pub members: Vec<Member>,
    /// Every agency's involvements with them.
    pub involvements: Vec<Involvement>,
    /// Every agency's events, by day.
    pub events: Vec<FamilyEvent>,
    /// The family's one plan.
    pub plan: Vec<Goal>,
    /// The family's agreement to take part, and any change of mind, oldest first.
    pub participation: Vec<Participation>,
    /// The members' consent receipts.
    pub consents: Vec<ConsentReceipt>,
    /// Decisions not to share, oldest first.
    pub refusals: Vec<SharingRefusal>,
    /// Handovers of the lead practitioner, oldest first.
    pub handovers: Vec<Handover>,
    /// Where the family lived before, most recent first.
    pub former_addresses: Vec<FormerAddress>,
}

/// A household in the list: enough to decide whether a reader may see it at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HouseholdSummary {
    /// Id.
    pub id: HouseholdId,
    /// Name.
    pub name: String,
    /// Place name.
    pub place_name: Option<String>,
    /// How many members.
    pub members: i64,
    /// The agencies involved with any member.
    pub agencies: Vec<AgencyId>,
}

/// An information-sharing agreement: who shares what, why, on which lawful basis, until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharingAgreement {
    /// Id.
    pub id: AgreementId,
    /// Title.
    pub title: String,
    /// The agencies party to it.
    pub parties: Vec<crate::Agency>,
    /// The classes of data it covers.
    pub classes: Vec<DataClass>,
    /// The purposes it covers.
    pub purposes: Vec<Purpose>,
    /// The Article 6 lawful basis.
    pub basis: LawfulBasis,
    /// The Article 9 condition, for special category data.
    pub condition: Option<SpecialCondition>,
    /// First day in force.
    pub starts_on: String,
    /// Day it is to be reviewed.
    pub review_on: String,
    /// Last day in force.
    pub expires_on: String,
    /// The day it was withdrawn, if it was.
    pub withdrawn_on: Option<String>,
    /// Who signed it, for each party.
    pub signatories: String,
}

/// An agreement to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAgreement {
    /// Title.
    pub title: String,
    /// Parties.
    pub party_ids: Vec<AgencyId>,
    /// Classes.
    pub classes: Vec<DataClass>,
    /// Purposes.
    pub purposes: Vec<Purpose>,
    /// Article 6 basis.
    pub basis: LawfulBasis,
    /// Article 9 condition.
    pub condition: Option<SpecialCondition>,
    /// First day.
    pub starts_on: String,
    /// Review day.
    pub review_on: String,
    /// Last day.
    pub expires_on: String,
    /// Signatories.
    pub signatories: String,
}

/// An emergency access to a family's records beyond the agreements, with its written reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BreakGlass {
    /// Id.
    pub id: BreakGlassId,
    /// Who.
    pub user_id: UserId,
    /// Their account name.
    pub username: String,
    /// Which family.
    pub household_id: HouseholdId,
    /// Why, in their words.
    pub reason: String,
    /// When.
    pub at: Timestamp,
    /// Who reviewed it (the privacy officer), when reviewed.
    pub reviewed_by: Option<String>,
    /// The reviewer's finding.
    pub finding: String,
}

/// The storage port for families and the rules of sharing.
#[async_trait]
pub trait FamilyStore: Send + Sync {
    /// Adds a person.
    async fn create_person(&self, p: &NewPerson, audit: &AuditEvent) -> StoreResult<PersonId>;
    /// Adds a household.
    async fn create_household(
        &self,
        h: &NewHousehold,
        audit: &AuditEvent,
    ) -> StoreResult<HouseholdId>;
    /// Adds a person to a household.
    async fn add_member(
        &self,
        household: HouseholdId,
        person: PersonId,
        relationship: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The households a person belongs to.
    async fn households_of(&self, person: PersonId) -> StoreResult<Vec<HouseholdId>>;
    /// Every household, by name, with the agencies involved.
    async fn list_households(&self) -> StoreResult<Vec<HouseholdSummary>>;
    /// A family with everything held about it.
    async fn get_family(&self, id: HouseholdId) -> StoreResult<Option<Family>>;
    /// Adds an agency's involvement with a person.
    async fn create_involvement(
        &self,
        i: &NewInvolvement,
        audit: &AuditEvent,
    ) -> StoreResult<InvolvementId>;
    /// Adds an agency's event to a family's timeline.
    async fn add_family_event(
        &self,
        household: HouseholdId,
        e: &FamilyEvent,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Adds a goal to a family's plan.
    async fn add_goal(
        &self,
        household: HouseholdId,
        g: &NewGoal,
        audit: &AuditEvent,
    ) -> StoreResult<GoalId>;
    /// Adds an action to a goal.
    async fn add_plan_action(
        &self,
        goal: GoalId,
        a: &PlanAction,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a review of a goal: its score becomes the review's and its next review day
    /// `next_review_on`.
    async fn review_goal(
        &self,
        goal: GoalId,
        review: &GoalReview,
        next_review_on: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records the family's agreement to take part, or their decision not to.
    async fn record_participation(
        &self,
        household: HouseholdId,
        p: &Participation,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a consent receipt.
    async fn record_consent(&self, c: &NewConsent, audit: &AuditEvent) -> StoreResult<ConsentId>;
    /// Records the withdrawal of a consent from a day on.
    async fn withdraw_consent(
        &self,
        id: ConsentId,
        day: &str,
        how: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a decision not to share.
    async fn record_refusal(
        &self,
        household: HouseholdId,
        r: &SharingRefusal,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Hands the lead over to `h.to_user_id`, recording the handover.
    async fn hand_over(
        &self,
        household: HouseholdId,
        h: &Handover,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a move: the address becomes `address` and the old one a former address until
    /// `day`.
    async fn move_household(
        &self,
        household: HouseholdId,
        address: &str,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Ends an involvement on a day.
    async fn end_involvement(
        &self,
        id: InvolvementId,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Every agreement, by title.
    async fn list_agreements(&self) -> StoreResult<Vec<SharingAgreement>>;
    /// Adds an agreement.
    async fn create_agreement(
        &self,
        a: &NewAgreement,
        audit: &AuditEvent,
    ) -> StoreResult<AgreementId>;
    /// Withdraws an agreement from a day on.
    async fn withdraw_agreement(
        &self,
        id: AgreementId,
        day: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records an emergency access.
    async fn record_break_glass(
        &self,
        user: UserId,
        household: HouseholdId,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<BreakGlassId>;
    /// The families `user` has opened by emergency access at or after `since`.
    async fn break_glass_households(
        &self,
        user: UserId,
        since: Timestamp,
    ) -> StoreResult<Vec<HouseholdId>>;
    /// Every emergency access, newest first.
    async fn list_break_glass(&self) -> StoreResult<Vec<BreakGlass>>;
    /// Records the privacy officer's review of an emergency access.
    async fn review_break_glass(
        &self,
        id: BreakGlassId,
        reviewer: &str,
        finding: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
