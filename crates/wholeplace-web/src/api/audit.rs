//! `/api/v1/audit`: the audit log, filtered and paged, with the chain head. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditEntryView {
    pub(crate) id: i64,
    /// RFC 3339.
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) actor_user_id: Option<i64>,
    pub(crate) action: String,
    pub(crate) record_type: String,
    pub(crate) record_id: Option<String>,
    pub(crate) address: String,
    pub(crate) allowed: bool,
    pub(crate) detail: String,
    /// This entry's chain hash (SHA-256, hex) over its content and the previous entry's hash.
    pub(crate) chain_hash: Option<String>,
}

/// The newest entry of the whole log and its chain hash.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChainHeadView {
    /// The newest entry's id.
    pub(crate) id: i64,
    /// Its chain hash: record it outside wholeplace; `wholeplace audit verify --expect` checks it.
    pub(crate) chain_hash: String,
}

/// A page of audit entries.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    pub(crate) total: i64,
    pub(crate) entries: Vec<AuditEntryView>,
    /// The whole log's newest entry and chain hash, whatever the filter (null only while the log is empty).
    pub(crate) chain_head: Option<ChainHeadView>,
}

/// Audit filters.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// Exact username.
    pub(crate) actor: Option<String>,
    /// Action prefix, such as `session.`.
    pub(crate) action: Option<String>,
    /// `true` for allowed, `false` for refused.
    pub(crate) allowed: Option<bool>,
    /// At most this many (default 100; below 1 counts as 1, above 1,000 as 1,000).
    pub(crate) limit: Option<i64>,
    /// Skip this many (below 0 counts as 0).
    pub(crate) offset: Option<i64>,
}

/// The audit log, newest first (administrators only).
#[utoipa::path(get, path = "/audit", params(AuditParams), security(("token" = [])), responses((status = 200, body = AuditPage), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let filter = AuditFilter {
        actor: p.actor,
        action_prefix: p.action,
        allowed: p.allowed,
        from: None,
        until: None,
        limit: p.limit.unwrap_or(100).clamp(1, 1_000),
        offset: p.offset.unwrap_or(0).max(0),
    };
    let (entries, total) = state.service.list_audit(&actor, &filter).await?;
    let head = state.service.audit_head(&actor).await?;
    Ok(Json(AuditPage {
        total,
        chain_head: head.map(|h| ChainHeadView {
            id: h.id,
            chain_hash: h.hash,
        }),
        entries: entries
            .into_iter()
            .map(|e| AuditEntryView {
                id: e.id,
                at: wholeplace_service::clock::format_rfc3339(e.event.at),
                actor: e.event.actor,
                actor_user_id: e.event.actor_user_id.map(|v| v.get()),
                action: e.event.action,
                record_type: e.event.record_type,
                record_id: e.event.record_id,
                address: e.event.address,
                allowed: e.event.allowed,
                detail: e.event.detail,
                chain_hash: e.hash,
            })
            .collect(),
    }))
}
