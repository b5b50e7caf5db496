//! Grants in the 360Giving shape, with their changes over time.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, GrantId, PlaceId};
use wholeplace_domain::{FinancialYear, Money};

/// A grant or funding stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Id.
    pub id: GrantId,
    /// The funder.
    pub funder: Agency,
    /// The grant's own reference, unique among grants: its 360Giving identifier is the
    /// publisher's prefix and this (the grant's number unless it came with one from a workbook).
    pub reference: String,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Amount as first awarded, pence.
    pub amount: Money,
    /// First financial year (start year).
    pub start_year: FinancialYear,
    /// Last financial year (start year).
    pub end_year: FinancialYear,
    /// Conditions.
    pub conditions: String,
    /// Recipients.
    pub recipients: Vec<Agency>,
    /// Places (ids and names).
    pub places: Vec<(PlaceId, String)>,
    /// Changes, oldest first.
    pub changes: Vec<GrantChange>,
}

/// What is needed to record a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGrant {
    /// Funder agency.
    pub funder_agency_id: AgencyId,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Pence.
    pub amount: Money,
    /// First year.
    pub start_year: FinancialYear,
    /// Last year.
    pub end_year: FinancialYear,
    /// Conditions.
    pub conditions: String,
    /// Recipient agencies.
    pub recipient_ids: Vec<AgencyId>,
    /// Places.
    pub place_ids: Vec<PlaceId>,
}

/// A recorded change to a grant from a year on (a cut is a change, not an overwrite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantChange {
    /// From this financial year (start year).
    pub from_year: FinancialYear,
    /// The new amount in pence.
    pub new_amount: Money,
    /// Why.
    pub reason: String,
}

/// Who publishes the partnership's grants as 360Giving data: the prefix 360Giving registered
/// for it, its name and (optionally) identifier and website, and the data's licence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantPublisher {
    /// The 360Giving prefix, such as `360G-wholeplace`.
    pub prefix: String,
    /// The publisher's name.
    pub name: String,
    /// The publisher's registered identifier, if it has one.
    pub identifier: Option<wholeplace_domain::OrgIdentifier>,
    /// The publisher's website (empty if none).
    pub website: String,
    /// The canonical address of the licence the data is published under.
    pub licence: String,
}

/// The storage port for grants in the 360Giving shape, with their changes over time.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// All grants.
    async fn list_grants(&self) -> StoreResult<Vec<Grant>>;
    /// Records a grant.
    async fn create_grant(&self, grant: &NewGrant, audit: &AuditEvent) -> StoreResult<GrantId>;
    /// Records a change to a grant.
    async fn add_grant_change(
        &self,
        grant_id: GrantId,
        change: &GrantChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Replaces a grant's details, recipients and places (its recorded changes stay).
    async fn update_grant(
        &self,
        id: GrantId,
        g: &crate::NewGrant,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a grant with its recipients, places and changes.
    async fn delete_grant(&self, id: GrantId, audit: &AuditEvent) -> StoreResult<()>;
    /// The 360Giving publisher, once recorded.
    async fn grant_publisher(&self) -> StoreResult<Option<GrantPublisher>>;
    /// Records (or replaces) the 360Giving publisher.
    async fn set_grant_publisher(&self, p: &GrantPublisher, audit: &AuditEvent) -> StoreResult<()>;
}
