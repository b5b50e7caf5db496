//! Places at every level, how they nest and overlap, and local-authority profiles.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::PlaceId;
use wholeplace_domain::PlaceLevel;

/// A place at any level: county, district, ward, estate, or a thematic cohort.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// Id.
    pub id: PlaceId,
    /// Name, such as "Sherwood".
    pub name: String,
    /// Level or kind, such as `district` or `cohort` (see the domain's place levels).
    pub level: PlaceLevel,
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
#[derive(Clone, Debug, PartialEq)]
pub struct NewPlace {
    /// Name.
    pub name: String,
    /// Level.
    pub level: PlaceLevel,
    /// GSS code.
    pub gss_code: Option<String>,
    /// Boundary vintage.
    pub gss_vintage: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// Description.
    pub description: String,
}

impl NewPlace {
    /// A place with a name and a level and nothing else known yet.
    pub fn new(name: impl Into<String>, level: PlaceLevel) -> Self {
        Self {
            name: name.into(),
            level,
            gss_code: None,
            gss_vintage: None,
            population: None,
            description: String::new(),
        }
    }
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

/// The storage port for places at every level, how they nest and overlap, and local-authority profiles.
#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// All places by level and name.
    async fn list_places(&self) -> StoreResult<Vec<Place>>;
    /// One place.
    async fn get_place(&self, id: PlaceId) -> StoreResult<Option<Place>>;
    /// Make a place.
    async fn create_place(&self, place: &NewPlace, audit: &AuditEvent) -> StoreResult<PlaceId>;
    /// Changes a place's name, level, code, population and description.
    async fn update_place(&self, id: PlaceId, p: &NewPlace, audit: &AuditEvent) -> StoreResult<()>;
    /// Deletes a place with its relations, coverage and profile; refused (`Conflict`) while
    /// budget lines, grants, partnerships or projects use it.
    async fn delete_place(&self, id: PlaceId, audit: &AuditEvent) -> StoreResult<()>;
    /// Relate two places.
    async fn relate_places(
        &self,
        parent_id: PlaceId,
        child_id: PlaceId,
        relation: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A place's parents and children.
    async fn place_relations(&self, id: PlaceId) -> StoreResult<(Vec<Related>, Vec<Related>)>;
    /// Creates or updates local-authority places by GSS code with their profiles, in one transaction.
    async fn upsert_local_authorities(
        &self,
        rows: &[(NewPlace, LaProfile)],
        audit: &AuditEvent,
    ) -> StoreResult<usize>;
    /// A place's local-authority profile.
    async fn la_profile(&self, place_id: PlaceId) -> StoreResult<Option<LaProfile>>;
}
