//! The whole dataset at once, by natural keys (the everything workbook), and the demo marker.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyKind, PlaceLevel, ServiceArea};
use wholeplace_domain::{FinancialYear, Money};

/// A place by its natural key: name and level are unique together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PlaceKey {
    /// Name.
    pub name: String,
    /// Level key.
    pub level: PlaceLevel,
}

/// A budget line by natural keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DatasetBudgetLine {
    /// Agency name.
    pub agency: String,
    /// Place.
    pub place: PlaceKey,
    /// Service-area key.
    pub service_area: ServiceArea,
    /// Financial year (start year).
    pub financial_year: FinancialYear,
    /// Pence.
    pub amount: Money,
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
    /// The grant's reference (its 360Giving identifier's own part); empty for a new grant to
    /// be given its number.
    pub reference: String,
    /// Purpose.
    pub purpose: String,
    /// Amount first awarded, pence.
    pub amount: Money,
    /// First year.
    pub start_year: FinancialYear,
    /// Last year.
    pub end_year: FinancialYear,
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
    pub agencies: Vec<(String, AgencyKind)>,
    /// Agencies' registered identifiers, by agency name, in order: an agency named here has
    /// exactly these (none, if the list is empty); an agency not named keeps those it has.
    pub agency_identifiers: Vec<(String, Vec<wholeplace_domain::OrgIdentifier>)>,
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

/// What an import wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Records created or updated, by sheet name.
    pub written: Vec<(String, usize)>,
    /// Budget lines and grants left alone because an identical one was already there.
    pub already_present: usize,
}

/// The storage port for the whole dataset at once, by natural keys (the everything workbook), and the demo marker.
#[async_trait]
pub trait DatasetStore: Send + Sync {
    /// Every record as a dataset, in a stable order.
    async fn export_dataset(&self) -> StoreResult<Dataset>;
    /// Writes a dataset in one transaction: named records are created or updated by their
    /// natural keys; links are added if missing; budget lines and grants identical to ones
    /// already stored are left alone (so importing the same file twice changes nothing). Any
    /// failure writes nothing.
    async fn import_dataset(&self, d: &Dataset, audit: &AuditEvent) -> StoreResult<ImportCounts>;
    /// Marks the database as holding demonstration data.
    async fn mark_demo(&self, at: i64) -> StoreResult<()>;
    /// Does the database hold demonstration data?
    async fn is_demo(&self) -> StoreResult<bool>;
}
