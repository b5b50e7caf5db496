//! The part of the storage port for agencies' contacts, partnerships' projects, and the whole
//! places-and-partners dataset read or written at once (the "everything" workbook). A dataset
//! names things by their natural keys (agency name, place name and level, partnership name), never
//! by database ids, so an export imports into any database.

use crate::{AuditEvent, GrantChange, LaProfile, NewPlace, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

/// A place by its natural key: name and level are unique together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PlaceKey {
    /// Name.
    pub name: String,
    /// Level key.
    pub level: String,
}

/// A named person at an agency: the "identified link".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Id (0 in a dataset).
    pub id: i64,
    /// Their agency's name.
    pub agency: String,
    /// Name.
    pub name: String,
    /// Role, such as "Neighbourhood manager".
    pub role: String,
    /// Work email.
    pub email: String,
    /// Work phone.
    pub phone: String,
}

/// A partnership's pilot or project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Project {
    /// Id (0 in a dataset).
    pub id: i64,
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

/// A budget line by natural keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DatasetBudgetLine {
    /// Agency name.
    pub agency: String,
    /// Place.
    pub place: PlaceKey,
    /// Service-area key.
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

/// A grant by natural keys, with its changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatasetGrant {
    /// Funder agency name.
    pub funder: String,
    /// Title (unique per funder in a dataset).
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Amount first awarded, pence.
    pub amount_pence: i64,
    /// First year.
    pub start_year: i32,
    /// Last year.
    pub end_year: i32,
    /// Conditions.
    pub conditions: String,
    /// Recipient agency names.
    pub recipients: Vec<String>,
    /// Places.
    pub places: Vec<PlaceKey>,
    /// Changes, oldest first.
    pub changes: Vec<GrantChange>,
}

/// A partnership by natural keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatasetPartnership {
    /// Name.
    pub name: String,
    /// Description and aims.
    pub description: String,
    /// Governance.
    pub governance: String,
    /// Member agency names.
    pub members: Vec<String>,
    /// Places.
    pub places: Vec<PlaceKey>,
}

/// Every place-and-partner record, by natural keys, in a stable order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    /// Agencies: name and kind.
    pub agencies: Vec<(String, String)>,
    /// Places.
    pub places: Vec<NewPlace>,
    /// Place relations: parent, child, `contains` or `overlaps`.
    pub relations: Vec<(PlaceKey, PlaceKey, String)>,
    /// Local-authority profiles.
    pub profiles: Vec<(PlaceKey, LaProfile)>,
    /// Coverage: agency name and place.
    pub coverage: Vec<(String, PlaceKey)>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Partnerships.
    pub partnerships: Vec<DatasetPartnership>,
    /// Projects.
    pub projects: Vec<Project>,
    /// Budget lines.
    pub budget_lines: Vec<DatasetBudgetLine>,
    /// Grants.
    pub grants: Vec<DatasetGrant>,
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
    pub member_ids: Vec<i64>,
    /// Place ids.
    pub place_ids: Vec<i64>,
}

/// What an import wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Records created or updated, by sheet name.
    pub written: Vec<(String, usize)>,
    /// Budget lines and grants left alone because an identical one was already there.
    pub already_present: usize,
}

/// The storage port for contacts, projects and whole datasets.
#[async_trait]
pub trait PartnerStore: Send + Sync {
    /// Contacts, by agency then name.
    async fn list_contacts(&self) -> StoreResult<Vec<Contact>>;
    /// Adds a contact to an agency (by id).
    async fn create_contact(
        &self,
        agency_id: i64,
        c: &Contact,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Deletes a contact.
    async fn delete_contact(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// Projects, by partnership then name.
    async fn list_projects(&self) -> StoreResult<Vec<Project>>;
    /// Adds a project (partnership, place and lead agency by id).
    async fn create_project(
        &self,
        partnership_id: i64,
        place_id: Option<i64>,
        lead_agency_id: Option<i64>,
        p: &Project,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Changes a place's name, level, code, population and description.
    async fn update_place(&self, id: i64, p: &NewPlace, audit: &AuditEvent) -> StoreResult<()>;
    /// Deletes a place with its relations, coverage and profile; refused (`Conflict`) while
    /// budget lines, grants, partnerships or projects use it.
    async fn delete_place(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// Changes an agency's name and kind.
    async fn update_agency(
        &self,
        id: i64,
        name: &str,
        kind: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes an agency with its coverage and contacts; refused (`Conflict`) while users,
    /// budget lines, grants, partnerships or projects use it.
    async fn delete_agency(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// One budget line.
    async fn budget_line_by_id(&self, id: i64) -> StoreResult<Option<crate::BudgetLine>>;
    /// Replaces a budget line.
    async fn update_budget_line(
        &self,
        id: i64,
        line: &crate::NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Replaces a grant's details, recipients and places (its recorded changes stay).
    async fn update_grant(
        &self,
        id: i64,
        g: &crate::NewGrant,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Replaces a partnership's name, description, governance, members and places.
    async fn update_partnership(
        &self,
        id: i64,
        p: &PartnershipChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a grant with its recipients, places and changes.
    async fn delete_grant(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// Every record as a dataset, in a stable order.
    async fn export_dataset(&self) -> StoreResult<Dataset>;
    /// Writes a dataset in one transaction: named records are created or updated by their
    /// natural keys; links are added if missing; budget lines and grants identical to ones
    /// already stored are left alone (so importing the same file twice changes nothing). Any
    /// failure writes nothing.
    async fn import_dataset(&self, d: &Dataset, audit: &AuditEvent) -> StoreResult<ImportCounts>;
}
