//! Cohorts: an analyst's saved rules over families' needs, involvements and place, with the
//! weights of the two-driver score, and the facts they are applied to. The rules name no one;
//! the families they find are computed by the service on every read (never stored), and who sees
//! what of them is decided there.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, CohortId, HouseholdId, Need, PlaceId};

/// A saved cohort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cohort {
    /// Id.
    pub id: CohortId,
    /// Name, such as "Three or more needs in Harlescott".
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The needs the rule counts.
    pub needs: Vec<Need>,
    /// How many of them a family must have.
    pub min_needs: i64,
    /// An agency the family must be involved with.
    pub agency_id: Option<AgencyId>,
    /// That agency's name.
    pub agency_name: Option<String>,
    /// The place the family must live in.
    pub place_id: Option<PlaceId>,
    /// That place's name.
    pub place_name: Option<String>,
    /// Points for each £1,000 a year of existing interventions.
    pub cost_points_per_thousand: i64,
    /// Points for each need, in the taxonomy's order; unlisted needs score 0.
    pub weights: Vec<(Need, i64)>,
    /// The cohort's own secret for its families' pseudonyms (never shown).
    #[serde(skip)]
    pub salt: String,
    /// Who saved it (their account name).
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// A cohort to save, or the new rules of one (then `salt`, `created_by` and `at` are kept as
/// they were).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCohort {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Needs counted.
    pub needs: Vec<Need>,
    /// How many.
    pub min_needs: i64,
    /// Agency.
    pub agency_id: Option<AgencyId>,
    /// Place.
    pub place_id: Option<PlaceId>,
    /// Points per £1,000 a year.
    pub cost_points_per_thousand: i64,
    /// Points per need.
    pub weights: Vec<(Need, i64)>,
    /// Pseudonym secret.
    pub salt: String,
    /// Who.
    pub created_by: String,
    /// When.
    pub at: Timestamp,
}

/// A household with its members' involvements: what cohort rules are applied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CohortCandidate {
    /// The household.
    pub household_id: HouseholdId,
    /// Its name (shown only to readers whose agency works with the family).
    pub name: String,
    /// Its place.
    pub place_id: Option<PlaceId>,
    /// Every involvement of its members.
    pub involvements: Vec<Involvement>,
}

/// The storage port for cohorts.
#[async_trait]
pub trait CohortStore: Send + Sync {
    /// Every cohort, by name.
    async fn list_cohorts(&self) -> StoreResult<Vec<Cohort>>;
    /// One cohort.
    async fn get_cohort(&self, id: CohortId) -> StoreResult<Option<Cohort>>;
    /// Saves a cohort.
    async fn create_cohort(&self, c: &NewCohort, audit: &AuditEvent) -> StoreResult<CohortId>;
    /// Replaces a cohort's name, description, rules and weights.
    async fn update_cohort(
        &self,
        id: CohortId,
        c: &NewCohort,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a cohort.
    async fn delete_cohort(&self, id: CohortId, audit: &AuditEvent) -> StoreResult<()>;
    /// Every household with its members' involvements, by household id.
    async fn cohort_candidates(&self) -> StoreResult<Vec<CohortCandidate>>;
}
