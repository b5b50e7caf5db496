//! Budget lines: adding, changing, deleting, and a place's lines as CSV and XLSX.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use std::collections::HashMap;
use wholeplace_domain::taxonomy::{self, PLACE_LEVELS, SERVICE_AREAS};
use wholeplace_service::AuditAction;
use wholeplace_service::{BudgetForm, pounds_text};
use wholeplace_service::{FieldError, ServiceError};

pub(crate) fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

pub async fn lines_csv(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let (place, table) = state
        .service
        .place_budget_table(&s.actor, parse_id(&id)?)
        .await?;
    let body = wholeplace_tabular::write_csv(&table);
    Ok(download(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("{}-budget-lines.csv", file_stem(&place.name)),
    ))
}

pub async fn lines_xlsx(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let (place, table) = state
        .service
        .place_budget_table(&s.actor, parse_id(&id)?)
        .await?;
    let body = wholeplace_tabular::write_xlsx(&[("Budget lines", &table, &[4])])
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}-budget-lines.xlsx", file_stem(&place.name)),
    ))
}

/// A select field: name, label, options (value, text), chosen value.
type Select = (&'static str, &'static str, Vec<(String, String)>, String);

#[derive(Template)]
#[template(path = "budget_new.html")]
pub(crate) struct BudgetPage {
    layout: Layout,
    heading: &'static str,
    action: String,
    submit: &'static str,
    selects: Vec<Select>,
    text_fields: Vec<(&'static str, &'static str, &'static str, String)>,
}

pub(crate) async fn budget_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &BudgetForm,
    errors: Vec<FieldError>,
) -> PageResult {
    budget_form_page(state, s, status, f, errors, None).await
}

/// The budget-line form: adding one, or changing line `edit`.
pub(crate) async fn budget_form_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &BudgetForm,
    errors: Vec<FieldError>,
    edit: Option<i64>,
) -> PageResult {
    let agencies = state
        .service
        .list_agencies(&s.actor)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    let places = state
        .service
        .list_places(&s.actor)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id.to_string(),
                format!("{} ({})", p.name, taxonomy::label(PLACE_LEVELS, &p.level)),
            )
        })
        .collect();
    let services = SERVICE_AREAS
        .iter()
        .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
        .collect();
    let kinds = vec![
        ("revenue".to_owned(), "Revenue".to_owned()),
        ("capital".to_owned(), "Capital".to_owned()),
    ];
    let page = BudgetPage {
        layout: layout(state, s, "places").with_errors(errors),
        heading: if edit.is_some() {
            "Change a budget line"
        } else {
            "Add a budget line"
        },
        action: edit.map_or_else(
            || "/budget-lines".to_owned(),
            |id| format!("/budget-lines/{id}/edit"),
        ),
        submit: if edit.is_some() {
            "Save budget line"
        } else {
            "Add budget line"
        },
        selects: vec![
            ("place", "Place", places, f.place.clone()),
            ("agency", "Agency", agencies, f.agency.clone()),
            (
                "service_area",
                "Service area",
                services,
                f.service_area.clone(),
            ),
            (
                "spend_kind",
                "Revenue or capital",
                kinds,
                if f.spend_kind.is_empty() {
                    "revenue".to_owned()
                } else {
                    f.spend_kind.clone()
                },
            ),
        ],
        text_fields: vec![
            (
                "financial_year",
                "Financial year",
                "April to March, written like 2024/25",
                f.financial_year.clone(),
            ),
            (
                "amount",
                "Amount",
                "In pounds, such as 9,550,000",
                f.amount.clone(),
            ),
            (
                "source",
                "Source (optional)",
                "Where the figure comes from, such as a budget book or a pilot report",
                f.source.clone(),
            ),
            (
                "confidence",
                "Confidence (optional)",
                "How sure the figure is, such as grade 2 or 'estimate'",
                f.confidence.clone(),
            ),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::BudgetLineCreate, None)
        .await?;
    let f = BudgetForm {
        place: q.get("place").cloned().unwrap_or_default(),
        ..Default::default()
    };
    budget_response(&state, &s, StatusCode::OK, &f, Vec::new()).await
}

pub async fn create_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: BudgetForm = form.typed()?;
    saved(
        state.service.add_budget_line(&s.actor, &f).await,
        |_| format!("/places/{}#resource-map", f.place.trim()),
        |status, errors| budget_response(&state, &s, status, &f, errors),
    )
    .await
}

pub async fn edit_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::BudgetLineUpdate, &id).await?;
    let l = state.service.budget_line(&s.actor, id).await?;
    let f = BudgetForm {
        agency: l.agency_id.to_string(),
        place: l.place_id.to_string(),
        service_area: l.service_area.to_string(),
        financial_year: l.financial_year.to_string(),
        amount: pounds_text(l.amount.pence()),
        spend_kind: l.spend_kind,
        source: l.source,
        confidence: l.confidence,
    };
    budget_form_page(&state, &s, StatusCode::OK, &f, Vec::new(), Some(id.get())).await
}

pub async fn save_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: BudgetForm = form.typed()?;
    match state.service.update_budget_line(&s.actor, id, &f).await {
        Ok(()) => {
            let place = state.service.budget_line(&s.actor, id).await?.place_id;
            Ok(Redirect::to(&format!("/places/{place}")).into_response())
        }
        Err(ServiceError::Validation(errors)) => {
            budget_form_page(
                &state,
                &s,
                problems_status(&errors),
                &f,
                errors,
                Some(id.get()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_delete_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::BudgetLineDelete, &id).await?;
    let l = state.service.budget_line(&s.actor, id).await?;
    let page = (
        "Are you sure you want to delete this budget line?".to_owned(),
        vec![
            ("Agency", l.agency_name.clone()),
            ("Place", l.place_name.clone()),
            (
                "Service area",
                taxonomy::label(SERVICE_AREAS, &l.service_area).to_owned(),
            ),
            ("Financial year", l.financial_year.to_string()),
            ("Amount", l.amount.to_full_string()),
        ],
        String::new(),
        format!("/budget-lines/{id}/delete"),
        format!("/places/{}", l.place_id),
        "Delete budget line",
    );
    confirm(&state, &s, "places", StatusCode::OK, page, Vec::new())
}

pub async fn delete_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let place = state.service.budget_line(&s.actor, id).await?.place_id;
    state.service.delete_budget_line(&s.actor, id).await?;
    Ok(Redirect::to(&format!("/places/{place}")).into_response())
}
