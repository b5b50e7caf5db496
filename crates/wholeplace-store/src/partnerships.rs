//! Partnerships: member agencies and the places they work in.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId};

/// A partnership of agencies working in places.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Partnership {
    /// Id.
    pub id: PartnershipId,
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

/// A partnership's details, members and places, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartnershipChange {
    /// Name.
    pub name: String,
    /// Description and aims.
    pub description: String,
    /// Governance.
    pub governance: String,
    /// Member agency ids.
    pub member_ids: Vec<AgencyId>,
    /// Place ids.
    pub place_ids: Vec<PlaceId>,
}

/// The storage port for partnerships: member agencies and the places they work in.
#[async_trait]
pub trait PartnershipStore: Send + Sync {
    /// All partnerships.
    async fn list_partnerships(&self) -> StoreResult<Vec<Partnership>>;
    /// Makes a partnership with its members and places.
    async fn create_partnership(
        &self,
        name: &str,
        description: &str,
        governance: &str,
        member_ids: &[AgencyId],
        place_ids: &[PlaceId],
        audit: &AuditEvent,
    ) -> StoreResult<PartnershipId>;
    /// Replaces a partnership's name, description, governance, members and places.
    async fn update_partnership(
        &self,
        id: PartnershipId,
        p: &PartnershipChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
