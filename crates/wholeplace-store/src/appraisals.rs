//! The part of the storage port for appraisals: the evidence engine's models, stored per
//! partnership as their model text (the documented TOML format), so that what was appraised can
//! always be read, re-run and downloaded again.

use crate::{AuditEvent, StoreResult};
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AppraisalId, PartnershipId};

/// A stored appraisal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredAppraisal {
    /// Id.
    pub id: AppraisalId,
    /// The partnership it belongs to, if any.
    pub partnership_id: Option<PartnershipId>,
    /// That partnership's name.
    pub partnership_name: Option<String>,
    /// Title (a copy of the model's title, for lists).
    pub title: String,
    /// The model text (TOML, format version 1).
    pub model_toml: String,
    /// Who made it.
    pub created_by: String,
    /// When (Unix seconds).
    pub created_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

/// What is needed to store an appraisal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAppraisal {
    /// Partnership.
    pub partnership_id: Option<PartnershipId>,
    /// Title.
    pub title: String,
    /// Model text.
    pub model_toml: String,
    /// Who.
    pub created_by: String,
    /// When.
    pub at: i64,
}

/// The storage port for appraisals.
#[async_trait]
pub trait AppraisalStore: Send + Sync {
    /// Every appraisal, by partnership then title.
    async fn list_appraisals(&self) -> StoreResult<Vec<StoredAppraisal>>;
    /// One appraisal.
    async fn get_appraisal(&self, id: AppraisalId) -> StoreResult<Option<StoredAppraisal>>;
    /// Stores a new appraisal; the audit event gets its id.
    async fn create_appraisal(
        &self,
        a: &NewAppraisal,
        audit: &AuditEvent,
    ) -> StoreResult<AppraisalId>;
    /// Replaces an appraisal's partnership, title and model text.
    async fn update_appraisal(
        &self,
        id: AppraisalId,
        a: &NewAppraisal,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes an appraisal.
    async fn delete_appraisal(&self, id: AppraisalId, audit: &AuditEvent) -> StoreResult<()>;
}
