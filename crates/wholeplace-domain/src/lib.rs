//! The vocabulary every other part of wholeplace speaks: money in exact pence, UK financial years,
//! GSS area codes, roles, agency kinds and record ids. Nothing here does IO, reads a clock or the environment.

pub mod claims;
pub mod cohort;
pub mod gss;
pub mod ids;
pub mod money;
pub mod org_id;
pub mod outcomes;
pub mod retention;
pub mod rng;
pub mod role;
pub mod sharing;
pub mod soft_outcomes;
pub mod surveys;
pub mod taxonomy;
pub mod year;

pub use gss::{GssCode, GssError};
pub use ids::{
    AgencyId, AgreementId, ApiTokenId, AppraisalId, BadId, BreakGlassId, BudgetLineId, CohortId,
    ConsentId, ContactId, CorrectionId, ExtractId, FamilyEventId, GoalId, GrantId, HouseholdId,
    IndicatorId, InvolvementId, LegalHoldId, LinkageRunId, PartnershipId, PersonId, PlaceId,
    ProjectId, RecordId, RetentionRuleId, ReviewItemId, ScaleId, ScaleReadingId, SnapshotId,
    StagedRecordId, SurveyId, SurveyResponseId, SurveyRoundId, TargetId, UserId,
    WellbeingReadingId,
};
pub use money::{Money, MoneyError};
pub use org_id::{OrgIdError, OrgIdentifier};
pub use role::{Role, RoleError};
pub use sharing::{DataClass, Decision, LawfulBasis, Purpose, SpecialCondition};
pub use taxonomy::{AgencyKind, Need, PlaceLevel, ServiceArea, UnknownTerm};
pub use year::{FinancialYear, Quarter, YearError};
