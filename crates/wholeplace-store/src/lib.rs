//! The storage port. The service layer speaks to a database only through [`Store`]; the adapter
//! (SQLite or PostgreSQL) implements it. Every method is one transaction. Every method that
//! changes data takes the [`AuditEvent`] that records it, so a change and its audit entry are
//! written together or not at all.
//!
//! One module a feature, each with its records (`X`, `NewX`, `XChange`) and its port trait
//! (`XStore`: `list_x`, `get_x`, `create_x`, `update_x`, `delete_x`); [`Store`] is all of them.
//! `use wholeplace_store::prelude::*` brings every trait into scope.
//!
//! A record and its `NewX` list the same fields (the stored one adds its id and what joins bring),
//! and the adapter's methods repeat their trait's signatures: the duplicate finder pairs them, but
//! they are one shape written where the language needs it, not logic said twice.

pub mod accounts;
pub mod agencies;
pub mod appraisals;
pub mod audit;
pub mod audit_chain;
pub mod budget;
pub mod cohorts;
pub mod contacts;
pub mod corrections;
pub mod dataset;
pub mod extracts;
pub mod families;
pub mod grants;
pub mod linking;
pub mod needs;
pub mod outcomes;
pub mod partnerships;
pub mod places;
pub mod projects;
pub mod realised;
pub mod retention;
pub mod soft_outcomes;
pub mod surveys;

pub use accounts::{AccountStore, ApiToken, NewUser, Session, User};
pub use agencies::{Agency, AgencyStore};
pub use appraisals::{AppraisalStore, NewAppraisal, StoredAppraisal};
pub use audit::{AuditEntry, AuditFilter, AuditStore};
pub use audit_chain::{AuditHead, ChainBreak, ChainVerified};
pub use budget::{BudgetLine, BudgetStore, BudgetTotals, NewBudgetLine};
pub use cohorts::{Cohort, CohortCandidate, CohortStore, NewCohort};
pub use contacts::{Contact, ContactStore};
pub use corrections::{
    CorrectionKind, CorrectionState, CorrectionStore, NewCorrection, PersonCorrection, PersonLinks,
    SourceRecord,
};
pub use dataset::{
    Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, DatasetStore, ImportCounts,
    PlaceKey,
};
pub use extracts::{Extract, ExtractStore, NewExtract, STAGED_FIELDS, StagedRecord, StagedValues};
pub use families::{
    BreakGlass, ConsentReceipt, Family, FamilyEvent, FamilyStore, FormerAddress, Goal, GoalReview,
    Handover, Household, HouseholdSummary, Involvement, Member, NewAgreement, NewConsent, NewGoal,
    NewHousehold, NewInvolvement, NewPerson, Participation, Person, PlanAction, SharingAgreement,
    SharingRefusal,
};
pub use grants::{Grant, GrantChange, GrantPublisher, GrantStore, NewGrant};
pub use linking::{
    LinkResult, LinkageRun, LinkageSettings, LinkedPerson, LinkingStore, NewReviewItem, Ppm,
    ReviewItem, ReviewPage, ReviewStatus, RunCounts, RunState,
};
pub use needs::{NeedStore, NeedTerm};
pub use outcomes::{Indicator, IndicatorValue, NewIndicator, OutcomeStore, Target};
pub use partnerships::{Partnership, PartnershipChange, PartnershipStore};
pub use places::{LaProfile, NewPlace, Place, PlaceStore, Related};
pub use projects::{Project, ProjectStore};
pub use realised::{AppraisalSnapshot, NewSnapshot, RealisedOutcome, RealisedStore};
pub use retention::{
    DisposalCandidate, DisposalRecord, LegalHold, NewRetentionRule, RetentionRule, RetentionStore,
};
pub use soft_outcomes::{
    Instrument, Ons4Published, Scale, ScaleReading, SoftOutcomeStore, StarReading, Subject,
    WellbeingReading, WemwbsRegistration,
};
pub use surveys::{Channel, Survey, SurveyResponse, SurveyRound, SurveyStore};

/// Every port trait, for `use wholeplace_store::prelude::*`.
pub mod prelude {
    pub use crate::{
        AccountStore, AgencyStore, AppraisalStore, AuditStore, BudgetStore, CohortStore,
        ContactStore, CorrectionStore, DatasetStore, ExtractStore, FamilyStore, GrantStore,
        LinkingStore, NeedStore, OutcomeStore, PartnershipStore, PlaceStore, ProjectStore,
        RealisedStore, RetentionStore, SoftOutcomeStore, Store, SurveyStore,
    };
}

use async_trait::async_trait;
use serde::Serialize;

/// Seconds since the Unix epoch, UTC. The service reads the clock; the store only keeps times.
pub type Timestamp = i64;

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (such as a username) is already taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The record asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database refused or failed; the text is for the operator's log, not for users.
    #[error("database error: {0}")]
    Backend(String),
}

/// Shorthand for results of the port.
pub type StoreResult<T> = Result<T, StoreError>;

/// One line of the audit log: who did what, to which record, from where, and whether it was allowed.
/// It never holds passwords, tokens or personal details beyond record ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: Timestamp,
    /// The signed-in user, if any.
    pub actor_user_id: Option<wholeplace_domain::UserId>,
    /// The actor's username at the time (an account name, not a person's details).
    pub actor: String,
    /// A dotted verb, such as `user.create` or `session.sign_in`.
    pub action: String,
    /// The kind of record acted on, such as `user`.
    pub record_type: String,
    /// The record's id, when there is one.
    pub record_id: Option<String>,
    /// The client's network address.
    pub address: String,
    /// Whether the action was allowed.
    pub allowed: bool,
    /// A short non-personal note, such as the reason for a refusal.
    pub detail: String,
}

/// Counts for the home page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// Active users.
    pub users: i64,
    /// Agencies.
    pub agencies: i64,
    /// Audit entries.
    pub audit_entries: i64,
}

/// The storage port: every feature's port, and what belongs to none.
#[async_trait]
pub trait Store:
    AccountStore
    + AuditStore
    + AgencyStore
    + PlaceStore
    + BudgetStore
    + GrantStore
    + PartnershipStore
    + ContactStore
    + ProjectStore
    + AppraisalStore
    + DatasetStore
    + FamilyStore
    + RetentionStore
    + ExtractStore
    + LinkingStore
    + NeedStore
    + OutcomeStore
    + CohortStore
    + CorrectionStore
    + RealisedStore
    + SoftOutcomeStore
    + SurveyStore
    + Send
    + Sync
    + 'static
{
    /// Which backend, for the start-up message: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Is the database reachable?
    async fn ping(&self) -> StoreResult<()>;
    /// Counts for the home page.
    async fn overview(&self) -> StoreResult<Overview>;
}
