//! Retention (`/privacy/retention`): the privacy officer's rules for how long records are kept,
//! legal holds, what a run today would dispose of (an audited dry run), and disposing of it
//! after a confirmation page.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin` and the page; a post is the typed form, the
//! service use case and `page::saved`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::Field;
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::sharing::DATA_CLASSES;
use wholeplace_service::clock::{day_of, format_time};
use wholeplace_service::{
    AuditAction, FieldError, LegalHoldForm, RetentionOverview, RetentionReport, RetentionRuleForm,
};

/// One rule as the page lists it.
pub(crate) struct RuleRow {
    id: String,
    class: &'static str,
    agreement: String,
    keep_years: i64,
}

/// One legal hold as the page lists it.
pub(crate) struct HoldRow {
    id: String,
    family: String,
    reason: String,
    set: String,
    lifted: Option<String>,
}

#[derive(Template)]
#[template(path = "retention.html")]
pub(crate) struct RetentionPage {
    layout: Layout,
    rules: Vec<RuleRow>,
    holds: Vec<HoldRow>,
    report: RetentionReport,
    by_class: Vec<(&'static str, usize)>,
    by_family: Vec<(String, usize)>,
    rule_fields: Vec<Field>,
    hold_fields: Vec<Field>,
}

/// The forms the page holds, as sent back after a problem (or empty).
#[derive(Clone, Default)]
pub(crate) struct RetentionForms {
    rule: RetentionRuleForm,
    hold: LegalHoldForm,
}

fn rule_fields(f: &RetentionRuleForm, v: &RetentionOverview) -> Vec<Field> {
    vec![
        Field::select(
            "class",
            "Class of data",
            vocabulary(DATA_CLASSES),
            &f.class,
        ),
        Field {
            hint: "A rule for an agreement governs the records held by its parties, instead of the class's rule for every agency".into(),
            ..Field::select(
                "agreement_id",
                "Only for the parties to an agreement (optional)",
                options(
                    "None: every agency",
                    v.agreements.iter().map(|(id, t)| (*id, t.clone())),
                ),
                &f.agreement_id,
            )
        },
        Field::text(
            "keep_years",
            "Years kept after the record ends",
            "A whole number from 1 to 100",
            &f.keep_years,
        )
        .narrow(),
    ]
}

fn hold_fields(f: &LegalHoldForm, v: &RetentionOverview) -> Vec<Field> {
    vec![
        Field::select(
            "household_id",
            "Family",
            options(
                "Select",
                v.families
                    .iter()
                    .map(|(id, name)| (*id, format!("{name} (family {id})"))),
            ),
            &f.household_id,
        ),
        Field::text(
            "reason",
            "Why its records are kept",
            "Such as the proceedings or the request they are needed for",
            &f.reason,
        ),
    ]
}

fn rows(v: &RetentionOverview) -> (Vec<RuleRow>, Vec<HoldRow>) {
    let rules = v
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.to_string(),
            class: r.class.label(),
            agreement: r
                .agreement_title
                .clone()
                .unwrap_or_else(|| "Every agency".to_owned()),
            keep_years: r.keep_years,
        })
        .collect();
    let holds = v
        .holds
        .iter()
        .map(|h| HoldRow {
            id: h.id.to_string(),
            family: format!("{} (family {})", h.household_name, h.household_id),
            reason: h.reason.clone(),
            set: format!("{} by {}", format_time(h.set_at), h.set_by),
            lifted: h.lifted_at.map(|at| {
                format!(
                    "{} by {}",
                    format_time(at),
                    h.lifted_by.clone().unwrap_or_default()
                )
            }),
        })
        .collect();
    (rules, holds)
}

pub(crate) async fn retention_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    forms: RetentionForms,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> PageResult {
    let v = state.service.retention_overview(&s.actor).await?;
    let (rules, holds) = rows(&v);
    let page = RetentionPage {
        layout: layout(state, s, "privacy")
            .with_errors(errors)
            .with_flash(flash),
        rules,
        holds,
        by_class: v
            .report
            .by_class
            .iter()
            .map(|(c, n)| (c.label(), *n))
            .collect(),
        by_family: v
            .report
            .by_household
            .iter()
            .map(|(h, n)| {
                let family = h.map_or_else(|| "In no family".to_owned(), |h| format!("Family {h}"));
                (family, *n)
            })
            .collect(),
        rule_fields: rule_fields(&forms.rule, &v),
        hold_fields: hold_fields(&forms.hold, &v),
        report: v.report,
    };
    Ok((status, render(&page)?).into_response())
}

/// `?disposed=N` after a disposal.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DisposedQuery {
    disposed: String,
}

pub async fn retention(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<DisposedQuery>,
) -> PageResult {
    let flash = q.disposed.parse::<usize>().ok().map(|n| {
        format!(
            "{n} record{} past {} retention period {} disposed of",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its" } else { "their" },
            if n == 1 { "was" } else { "were" }
        )
    });
    retention_page(
        &state,
        &s,
        StatusCode::OK,
        RetentionForms::default(),
        Vec::new(),
        flash,
    )
    .await
}

/// The page again after a form's problems.
async fn again(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    forms: RetentionForms,
    errors: Vec<FieldError>,
) -> PageResult {
    retention_page(state, s, status, forms, errors, None).await
}

pub async fn set_rule(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let rule: RetentionRuleForm = form.typed()?;
    let forms = RetentionForms {
        rule: rule.clone(),
        ..Default::default()
    };
    saved(
        state.service.set_retention_rule(&s.actor, &rule).await,
        |_| "/privacy/retention#rules".to_owned(),
        |status, errors| again(&state, &s, status, forms, errors),
    )
    .await
}

pub async fn delete_rule(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.delete_retention_rule(&s.actor, id).await?;
    Ok(axum::response::Redirect::to("/privacy/retention#rules").into_response())
}

pub async fn set_hold(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let hold: LegalHoldForm = form.typed()?;
    let forms = RetentionForms {
        hold: hold.clone(),
        ..Default::default()
    };
    saved(
        state.service.set_legal_hold(&s.actor, &hold).await,
        |_| "/privacy/retention#holds".to_owned(),
        |status, errors| again(&state, &s, status, forms, errors),
    )
    .await
}

pub async fn lift_hold(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.lift_legal_hold(&s.actor, id).await?;
    Ok(axum::response::Redirect::to("/privacy/retention#holds").into_response())
}

/// "Are you sure?" before disposing: what a run today disposes of (itself an audited dry run).
pub async fn confirm_apply(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::RetentionDispose, None)
        .await?;
    let today = day_of(state.service.now());
    let r = state
        .service
        .retention_report(&s.actor, &today, false)
        .await?;
    let mut rows = vec![
        ("As of", today),
        ("Involvements", r.involvements.to_string()),
        ("Events", r.events.to_string()),
    ];
    rows.extend(r.by_class.iter().map(|(c, n)| (c.label(), n.to_string())));
    let warning = format!(
        "Disposed records are deleted and cannot be brought back. Families on legal hold ({}) are left out. The audit log records the run.",
        r.holds
    );
    confirm(
        &state,
        &s,
        "privacy",
        StatusCode::OK,
        (
            "Dispose of the records past their retention period?".to_owned(),
            rows,
            warning,
            "/privacy/retention/apply".to_owned(),
            "/privacy/retention".to_owned(),
            "Dispose of these records",
        ),
        Vec::new(),
    )
}

pub async fn apply(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let today = day_of(state.service.now());
    saved(
        state.service.retention_report(&s.actor, &today, true).await,
        |r| format!("/privacy/retention?disposed={}", r.total()),
        |status, errors| again(&state, &s, status, RetentionForms::default(), errors),
    )
    .await
}
