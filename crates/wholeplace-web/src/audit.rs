//! The audit log pages: `/audit` (filtered, paged, with the chain head) and `/audit.csv`.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use wholeplace_service::FieldError;
use wholeplace_service::clock::{format_time, parse_date};
use wholeplace_store::AuditFilter;

/// The audit page's query, kept as typed so the form can show it back.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

pub(crate) const AUDIT_PAGE_SIZE: i64 = 100;

pub(crate) fn audit_filter(
    q: &AuditQuery,
    limit: i64,
) -> Result<(AuditFilter, i64), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut date = |field: &str, text: &str| -> Option<i64> {
        if text.trim().is_empty() {
            return None;
        }
        let parsed = parse_date(text);
        if parsed.is_none() {
            errors.push(FieldError::new(
                field,
                format!(
                    "Enter the date as year-month-day, for example 2026-11-01 (you entered '{}')",
                    text.trim()
                ),
            ));
        }
        parsed
    };
    let from = date("from", &q.from);
    let until = date("to", &q.to).map(|t| t + 86_400);
    let page = q
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    if !errors.is_empty() {
        return Err(errors);
    }
    let nonempty = |s: &str| {
        if s.trim().is_empty() {
            None
        } else {
            Some(s.trim().to_owned())
        }
    };
    Ok((
        AuditFilter {
            actor: nonempty(&q.actor).map(|a| a.to_lowercase()),
            action_prefix: nonempty(&q.action),
            allowed: match q.outcome.as_str() {
                "allowed" => Some(true),
                "refused" => Some(false),
                _ => None,
            },
            from,
            until,
            limit,
            offset: (page - 1) * limit,
        },
        page,
    ))
}

pub(crate) struct AuditRow {
    when: String,
    actor: String,
    action: String,
    record: String,
    address: String,
    allowed: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    entries: Vec<AuditRow>,
    total: i64,
    page: i64,
    page_size: i64,
    query_string: String,
    head: Option<wholeplace_store::AuditHead>,
}

pub(crate) fn audit_query_string(q: &AuditQuery) -> String {
    serde_urlencoded::to_string([
        ("actor", &q.actor),
        ("action", &q.action),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ])
    .unwrap_or_default()
}

pub async fn audit(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult {
    let (filter, page, errors) = match audit_filter(&q, AUDIT_PAGE_SIZE) {
        Ok((f, p)) => (f, p, Vec::new()),
        Err(errors) => (
            AuditFilter {
                limit: AUDIT_PAGE_SIZE,
                ..Default::default()
            },
            1,
            errors,
        ),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (entries, total) = state.service.list_audit(&s.actor, &filter).await?;
    let head = state.service.audit_head(&s.actor).await?;
    let page_view = AuditPage {
        head,
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "audit", state.config.demo)
            .with_errors(errors),
        query_string: audit_query_string(&q),
        q,
        entries: entries
            .into_iter()
            .map(|e| AuditRow {
                when: format_time(e.event.at),
                actor: e.event.actor,
                action: e.event.action,
                record: match e.event.record_id {
                    Some(id) => format!("{} {}", e.event.record_type, id),
                    None => e.event.record_type,
                },
                address: e.event.address,
                allowed: e.event.allowed,
                detail: e.event.detail,
            })
            .collect(),
        total,
        page,
        page_size: AUDIT_PAGE_SIZE,
    };
    Ok((status, render(&page_view)?).into_response())
}

pub async fn audit_csv(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult {
    let (filter, _) = audit_filter(&q, 10_000).map_err(|errs| {
        WebError::BadRequest(
            errs.into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(". "),
        )
    })?;
    let (entries, _) = state.service.list_audit(&s.actor, &filter).await?;
    let head = state.service.audit_head(&s.actor).await?;
    let body = wholeplace_service::audit::audit_csv(&entries, head.as_ref(), state.service.now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wholeplace-audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
