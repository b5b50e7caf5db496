//! The part of the storage port for places, agencies' coverage, local-authority profiles,
//! budget lines (the resource map), grants and partnerships.

use crate::{Agency, AuditEvent, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

/// A place at any level: county, district, ward, estate, or a thematic cohort.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// Id.
    pub id: i64,
    /// Name, such as "Sherwood".
    pub name: String,
    /// Level or kind, such as `district` or `cohort` (see the domain's place levels).
    pub level: String,
    /// GSS code, when it has one.
    pub gss_code: Option<String>,
    /// The boundary vintage the code belongs to, such as "2023".
    pub gss_vintage: Option<String>,
    /// Population, when known.
    pub population: Option<i64>,
    /// Free description.
    pub description: String,
}

/// What is needed to make a place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewPlace {
    /// Name.
    pub name: String,
    /// Level.
    pub level: String,
    /// GSS code.
    pub gss_code: Option<String>,
    /// Boundary vintage.
    pub gss_vintage: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// Description.
    pub description: String,
}

/// How two places relate: the parent contains the child, or they overlap (a police
/// neighbourhood that cuts across wards).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Related {
    /// The other place.
    pub place: Place,
    /// `contains` or `overlaps`.
    pub relation: String,
}

/// A local authority's profile (ONS and MHCLG figures).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LaProfile {
    /// Mid-year population.
    pub population: Option<i64>,
    /// Its year.
    pub population_year: Option<i64>,
    /// Claimant count as a share of residents aged 16-64, per cent.
    pub claimant_rate_pct: Option<f64>,
    /// Median annual earnings, pounds.
    pub median_earnings_gbp: Option<i64>,
    /// English Indices of Deprivation 2019 rank (1 = most deprived).
    pub imd_rank: Option<i64>,
    /// Out of how many.
    pub imd_total: Option<i64>,
    /// Domain ranks as `income=16;employment=5;...`.
    pub domain_ranks: String,
}

/// One line of the resource map: what an agency spends in a place on a service in a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    /// Id.
    pub id: i64,
    /// Agency.
    pub agency_id: i64,
    /// Agency's name.
    pub agency_name: String,
    /// Place.
    pub place_id: i64,
    /// Place's name.
    pub place_name: String,
    /// Service area key (see the domain's taxonomy).
    pub service_area: String,
    /// Financial year by its starting calendar year (2024 = 2024/25).
    pub financial_year: i32,
    /// Amount in pence.
    pub amount_pence: i64,
    /// `revenue` or `capital`.
    pub spend_kind: String,
    /// Where the figure comes from.
    pub source: String,
    /// How sure: a confidence grade or words.
    pub confidence: String,
}

/// What is needed to add a budget line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBudgetLine {
    /// Agency.
    pub agency_id: i64,
    /// Place.
    pub place_id: i64,
    /// Service area key.
    pub service_area: String,
    /// Financial year (start year).
    pub financial_year: i32,
    /// Pence.
    pub amount_pence: i64,
    /// `revenue` or `capital`.
    pub spend_kind: String,
    /// Source.
    pub source: String,
    /// Confidence.
    pub confidence: String,
}

/// A place's spending summed three ways, in pence (`i128`: no number of lines can overflow it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetTotals {
    /// How many budget lines.
    pub count: i64,
    /// By agency name.
    pub by_agency: Vec<(String, i128)>,
    /// By service-area key.
    pub by_service: Vec<(String, i128)>,
    /// By financial year (start year).
    pub by_year: Vec<(i32, i128)>,
}

/// A recorded change to a grant from a year on (a cut is a change, not an overwrite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantChange {
    /// From this financial year (start year).
    pub from_year: i32,
    /// The new amount in pence.
    pub new_amount_pence: i64,
    /// Why.
    pub reason: String,
}

/// A grant or funding stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Id.
    pub id: i64,
    /// The funder.
    pub funder: Agency,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Amount as first awarded, pence.
    pub amount_pence: i64,
    /// First financial year (start year).
    pub start_year: i32,
    /// Last financial year (start year).
    pub end_year: i32,
    /// Conditions.
    pub conditions: String,
    /// Recipients.
    pub recipients: Vec<Agency>,
    /// Places (ids and names).
    pub places: Vec<(i64, String)>,
    /// Changes, oldest first.
    pub changes: Vec<GrantChange>,
}

/// What is needed to record a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGrant {
    /// Funder agency.
    pub funder_agency_id: i64,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Pence.
    pub amount_pence: i64,
    /// First year.
    pub start_year: i32,
    /// Last year.
    pub end_year: i32,
    /// Conditions.
    pub conditions: String,
    /// Recipient agencies.
    pub recipient_ids: Vec<i64>,
    /// Places.
    pub place_ids: Vec<i64>,
}

/// A partnership of agencies working in places.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Partnership {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description and aims.
    pub description: String,
    /// Governance: board, steering group.
    pub governance: String,
    /// Member agencies.
    pub members: Vec<Agency>,
    /// Places.
    pub places: Vec<Place>,
}

/// The storage port for places and resources.
#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// All places by level and name.
    async fn list_places(&self) -> StoreResult<Vec<Place>>;
    /// One place.
    async fn place_by_id(&self, id: i64) -> StoreResult<Option<Place>>;
    /// Make a place.
    async fn create_place(&self, place: &NewPlace, audit: &AuditEvent) -> StoreResult<i64>;
    /// Relate two places.
    async fn relate_places(
        &self,
        parent_id: i64,
        child_id: i64,
        relation: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A place's parents and children.
    async fn place_relations(&self, id: i64) -> StoreResult<(Vec<Related>, Vec<Related>)>;
    /// Set the places an agency covers.
    async fn add_agency_coverage(
        &self,
        agency_id: i64,
        place_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The agencies covering a place.
    async fn agencies_covering(&self, place_id: i64) -> StoreResult<Vec<Agency>>;
    /// Creates or updates local-authority places by GSS code with their profiles, in one transaction.
    async fn upsert_local_authorities(
        &self,
        rows: &[(NewPlace, LaProfile)],
        audit: &AuditEvent,
    ) -> StoreResult<usize>;
    /// A place's local-authority profile.
    async fn la_profile(&self, place_id: i64) -> StoreResult<Option<LaProfile>>;

    /// Budget lines in a place, at most `limit` of them when given.
    async fn budget_lines_for_place(
        &self,
        place_id: i64,
        limit: Option<i64>,
    ) -> StoreResult<Vec<BudgetLine>>;
    /// Totals of a place's budget lines by agency name, service-area key and year, summed by the database.
    async fn budget_totals_for_place(&self, place_id: i64) -> StoreResult<BudgetTotals>;
    /// Every budget line (for export), ordered by id.
    async fn all_budget_lines(&self) -> StoreResult<Vec<BudgetLine>>;
    /// Adds budget lines, all or nothing, in one transaction with one audit entry.
    async fn insert_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<usize>;
    /// Imports budget lines in one transaction with one audit entry (its detail set to the
    /// counts), leaving out lines identical in every column to one already stored, so importing
    /// the same file again changes nothing. Returns (new, already present).
    async fn import_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<(usize, usize)>;
    /// Adds one budget line; its id, which the audit entry names.
    async fn create_budget_line(
        &self,
        line: &NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Deletes a budget line.
    async fn delete_budget_line(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;

    /// Records a grant.
    async fn create_grant(&self, grant: &NewGrant, audit: &AuditEvent) -> StoreResult<i64>;
    /// Records a change to a grant.
    async fn add_grant_change(
        &self,
        grant_id: i64,
        change: &GrantChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// All grants.
    async fn list_grants(&self) -> StoreResult<Vec<Grant>>;

    /// Makes a partnership with its members and places.
    async fn create_partnership(
        &self,
        name: &str,
        description: &str,
        governance: &str,
        member_ids: &[i64],
        place_ids: &[i64],
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// All partnerships.
    async fn list_partnerships(&self) -> StoreResult<Vec<Partnership>>;

    /// Marks the database as holding demonstration data.
    async fn mark_demo(&self, at: i64) -> StoreResult<()>;
    /// Does the database hold demonstration data?
    async fn is_demo(&self) -> StoreResult<bool>;
}
