//! Partnerships' pilots and projects.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::Field;
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::taxonomy::{self, PLACE_LEVELS};
use wholeplace_service::FieldError;
use wholeplace_service::ProjectForm;

#[derive(Template)]
#[template(path = "projects.html")]
pub(crate) struct ProjectsPage {
    layout: Layout,
    can_edit: bool,
    rows: Vec<(String, String, String, String, String, String)>,
    fields: Vec<Field>,
}

pub(crate) async fn projects_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &ProjectForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let projects = state.service.list_projects(&s.actor).await?;
    let partnerships = state.service.list_partnerships(&s.actor).await?;
    let places = state.service.list_places(&s.actor).await?;
    let agencies = state.service.list_agencies(&s.actor).await?;
    let dates = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("From {a}"),
        (true, false) => format!("Until {b}"),
        (false, false) => format!("{a} to {b}"),
    };
    let page = ProjectsPage {
        layout: layout(state, s, "funding").with_errors(errors),
        can_edit: s.user.role.can_edit_evidence(),
        rows: projects
            .into_iter()
            .map(|p| {
                let where_ = match (&p.place, p.theme.is_empty()) {
                    (Some(k), true) => k.name.clone(),
                    (Some(k), false) => format!("{} ({})", k.name, p.theme),
                    (None, _) => p.theme.clone(),
                };
                (
                    p.name,
                    p.partnership,
                    where_,
                    p.lead_agency.unwrap_or_default(),
                    dates(&p.start_date, &p.end_date),
                    p.aims,
                )
            })
            .collect(),
        fields: vec![
            Field::select(
                "partnership_id",
                "Partnership",
                options("Select", partnerships.into_iter().map(|p| (p.id, p.name))),
                &f.partnership_id,
            ),
            Field::text("name", "Name", "Such as 'Fairfields family hub'", &f.name),
            Field::select(
                "place_id",
                "Place (optional for a thematic project)",
                options(
                    "None",
                    places.into_iter().map(|p| {
                        (
                            p.id,
                            format!("{} ({})", p.name, taxonomy::label(PLACE_LEVELS, &p.level)),
                        )
                    }),
                ),
                &f.place_id,
            ),
            Field::text(
                "theme",
                "Theme (optional)",
                "For a project about a group rather than a place, such as 'transient singles with substance misuse'",
                &f.theme,
            ),
            Field::select(
                "lead_agency_id",
                "Lead agency (optional)",
                options("None", agencies.into_iter().map(|a| (a.id, a.name))),
                &f.lead_agency_id,
            ),
            Field::text("aims", "Aims (optional)", "", &f.aims),
            Field::text(
                "start_date",
                "Start date (optional)",
                "As year-month-day, such as 2013-04-01",
                &f.start_date,
            )
            .narrow(),
            Field::text(
                "end_date",
                "End date (optional)",
                "As year-month-day, such as 2015-03-31",
                &f.end_date,
            )
            .narrow(),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn projects(State(state): State<AppState>, s: SignedIn) -> PageResult {
    projects_page(
        &state,
        &s,
        StatusCode::OK,
        &ProjectForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_project(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: ProjectForm = form.typed()?;
    saved(
        state.service.create_project(&s.actor, &f).await,
        |_| "/projects".to_owned(),
        |status, errors| projects_page(&state, &s, status, &f, errors),
    )
    .await
}
