//! The audit log: appended with every change (see [`crate::AuditEvent`]), read as pages and as a hash chain.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;

/// A stored audit entry with its place in the hash chain (see [`audit_chain`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Sequence number, increasing.
    pub id: i64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The chain hash of the entry before it ([`audit_chain::GENESIS_HASH`] for the first);
    /// `None` only if it was removed in the database, which verification reports.
    pub prev_hash: Option<String>,
    /// This entry's chain hash: SHA-256 over its content and `prev_hash`, lower-case hex.
    pub hash: Option<String>,
}

/// Which audit entries to list. Empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Exact actor username.
    pub actor: Option<String>,
    /// Action prefix, such as `user.` or `session.sign_in`.
    pub action_prefix: Option<String>,
    /// Only allowed or only refused actions.
    pub allowed: Option<bool>,
    /// From this time (inclusive).
    pub from: Option<Timestamp>,
    /// Before this time (exclusive).
    pub until: Option<Timestamp>,
    /// Newest first, at most this many (the adapter caps it).
    pub limit: i64,
    /// Skip this many.
    pub offset: i64,
}

/// The storage port for the audit log: appended with every change (see [`crate::AuditEvent`]), read as pages and as a hash chain.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Append an entry that is not part of a change (a read of restricted data, a refusal).
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// List entries, newest first, and the total matching the filter.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, i64)>;
    /// Entries with ids above `after_id`, oldest first, at most `limit`: the chain read a page at
    /// a time for verification ([`audit_chain::verify_chain`]).
    async fn audit_chain_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<AuditEntry>>;
    /// The newest entry and its chain hash, if there is any entry.
    async fn audit_head(&self) -> StoreResult<Option<AuditHead>>;
}
