//! Projects: joint pieces of work of a partnership in a place.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId, ProjectId};

/// A partnership's pilot or project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Project {
    /// Id (0 in a dataset).
    pub id: ProjectId,
    /// The partnership's name.
    pub partnership: String,
    /// Name.
    pub name: String,
    /// Where (a place), or none for a thematic project.
    pub place: Option<PlaceKey>,
    /// Theme, such as "transient singles with substance misuse".
    pub theme: String,
    /// Lead agency's name.
    pub lead_agency: Option<String>,
    /// Aims.
    pub aims: String,
    /// Start date, ISO 8601 (YYYY-MM-DD), or "".
    pub start_date: String,
    /// End date, ISO 8601, or "".
    pub end_date: String,
}

/// The storage port for projects: joint pieces of work of a partnership in a place.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Projects, by partnership then name.
    async fn list_projects(&self) -> StoreResult<Vec<Project>>;
    /// Adds a project (partnership, place and lead agency by id).
    async fn create_project(
        &self,
        partnership_id: PartnershipId,
        place_id: Option<PlaceId>,
        lead_agency_id: Option<AgencyId>,
        p: &Project,
        audit: &AuditEvent,
    ) -> StoreResult<ProjectId>;
}
