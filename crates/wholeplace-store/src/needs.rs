//! The need taxonomy's local terms: a partnership renames a shipped need or adds its own. The
//! shipped terms are `wholeplace_domain::taxonomy::NEEDS`; the service merges the two.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;

/// A need as the partnership words it: a shipped key with a new label, or a local need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NeedTerm {
    /// The key involvements store, such as `parenting` or `local_food_poverty`.
    pub key: String,
    /// What the partnership calls it.
    pub label: String,
}

/// The storage port for the partnership's need terms.
#[async_trait]
pub trait NeedStore: Send + Sync {
    /// The partnership's terms, by key.
    async fn list_need_terms(&self) -> StoreResult<Vec<NeedTerm>>;
    /// Adds a term, or relabels the one with its key.
    async fn set_need_term(&self, term: &NeedTerm, audit: &AuditEvent) -> StoreResult<()>;
}
