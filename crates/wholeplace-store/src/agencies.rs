//! Partner agencies and the places each covers.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::AgencyKind;
use wholeplace_domain::{AgencyId, OrgIdentifier, PlaceId};

/// A partner agency (the places-and-partners capability extends it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Agency {
    /// Id.
    pub id: AgencyId,
    /// Name, such as "Kent County Council".
    pub name: String,
    /// Kind, such as `county_council`.
    pub kind: AgencyKind,
}

/// The storage port for partner agencies and the places each covers.
#[async_trait]
pub trait AgencyStore: Send + Sync {
    /// All agencies, by name.
    async fn list_agencies(&self) -> StoreResult<Vec<Agency>>;
    /// Make an agency.
    async fn create_agency(
        &self,
        name: &str,
        kind: AgencyKind,
        audit: &AuditEvent,
    ) -> StoreResult<AgencyId>;
    /// Changes an agency's name and kind.
    async fn update_agency(
        &self,
        id: AgencyId,
        name: &str,
        kind: AgencyKind,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes an agency with its coverage and contacts; refused (`Conflict`) while users,
    /// budget lines, grants, partnerships or projects use it.
    async fn delete_agency(&self, id: AgencyId, audit: &AuditEvent) -> StoreResult<()>;
    /// Set the places an agency covers.
    async fn add_agency_coverage(
        &self,
        agency_id: AgencyId,
        place_id: PlaceId,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The agencies covering a place.
    async fn agencies_covering(&self, place_id: PlaceId) -> StoreResult<Vec<Agency>>;
    /// Every agency's registered identifiers (org-id.guide), each agency's in the order they
    /// were given (the first is the one an export names it by); agencies with none are absent.
    async fn agency_identifiers(&self) -> StoreResult<Vec<(AgencyId, Vec<OrgIdentifier>)>>;
    /// Replaces an agency's registered identifiers with these, in this order; `NotFound` for
    /// an agency that does not exist.
    async fn set_agency_identifiers(
        &self,
        id: AgencyId,
        identifiers: &[OrgIdentifier],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
