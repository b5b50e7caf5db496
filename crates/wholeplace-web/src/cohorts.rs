//! Cohorts: the analyst's saved rules for finding the families to work with, each family's
//! two-driver score with every contribution (under a pseudonym), and "start an appraisal from
//! this cohort". What a reader sees is decided by the service; every read is audited there.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::Field;
use crate::form::{CsrfForm, FormFields};
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use wholeplace_domain::CohortId;
use wholeplace_domain::cohort::points_text;
use wholeplace_domain::taxonomy::{NEEDS, label};
use wholeplace_service::{Access, AuditAction, CohortForm, CohortView, DataClass, FieldError};
use wholeplace_store::Cohort;

/// One need's weight input: its field name, the need's words and the value typed.
pub(crate) struct WeightInput {
    name: String,
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "cohorts.html")]
pub(crate) struct CohortsPage {
    layout: Layout,
    cohorts: Vec<(CohortId, String, String)>,
    can_edit: bool,
    action: String,
    submit: &'static str,
    fields: Vec<Field>,
    weights: Vec<WeightInput>,
}

/// The rules in words, such as "at least 2 of: Parenting, Debt; involved with Kent Police".
fn rules_text(c: &Cohort) -> String {
    let mut parts = Vec::new();
    if !c.needs.is_empty() {
        let needs: Vec<&str> = c.needs.iter().map(|n| label(NEEDS, n.as_str())).collect();
        parts.push(format!("at least {} of: {}", c.min_needs, needs.join(", ")));
    }
    if let Some(a) = &c.agency_name {
        parts.push(format!("involved with {a}"));
    }
    if let Some(p) = &c.place_name {
        parts.push(format!("living in {p}"));
    }
    if parts.is_empty() {
        "every family any agency works with".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The cohort form's fields, filled in with `f`.
async fn form_fields(
    state: &AppState,
    s: &SignedIn,
    f: &CohortForm,
) -> Result<(Vec<Field>, Vec<WeightInput>), crate::error::WebError> {
    let agencies = state.service.list_agencies(&s.actor).await?;
    let places = state.service.list_places(&s.actor).await?;
    let needs: Vec<(String, String)> = NEEDS
        .iter()
        .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
        .collect();
    let fields = vec![
        Field::text("name", "Name", "Such as 'Three or more needs in Harlescott'", &f.name),
        Field::text("description", "What it is for (optional)", "", &f.description),
        Field::checkboxes(
            "needs",
            "Needs the rule counts",
            "A family is in the cohort when its members have at least the number below of these needs (through any agency's current involvement). Tick none to count no needs.",
            needs,
            &f.needs,
        ),
        Field::text("min_needs", "At least how many of them", "Such as 3", &f.min_needs).narrow(),
        Field::select(
            "agency_id",
            "Involved with this agency (optional)",
            options("Any agency", agencies.into_iter().map(|a| (a.id, a.name))),
            &f.agency_id,
        ),
        Field::select(
            "place_id",
            "Living in this place (optional)",
            options("Anywhere", places.into_iter().map(|p| (p.id, p.name))),
            &f.place_id,
        ),
        Field::text(
            "cost_points_per_thousand",
            "Points for each £1,000 a year of existing interventions",
            "The cost driver: what the agencies' current involvements cost a year, priced from unit costs. 0 leaves cost out of the score.",
            &f.cost_points_per_thousand,
        )
        .narrow(),
    ];
    let weights = NEEDS
        .iter()
        .map(|(k, l)| WeightInput {
            name: format!("weight_{k}"),
            label: l,
            value: f
                .weights
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, w)| w.clone())
                .unwrap_or_default(),
        })
        .collect();
    Ok((fields, weights))
}

/// The form as sent: ticked needs and each need's weight.
fn typed(form: &FormFields) -> Result<CohortForm, crate::error::WebError> {
    let mut f: CohortForm = form.typed()?;
    f.needs = form.all("needs").into_iter().map(str::to_owned).collect();
    f.weights = NEEDS
        .iter()
        .map(|(k, _)| ((*k).to_owned(), form.get(&format!("weight_{k}")).to_owned()))
        .filter(|(_, w)| !w.trim().is_empty())
        .collect();
    Ok(f)
}

pub(crate) async fn cohorts_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &CohortForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let cohorts = state.service.list_cohorts(&s.actor).await?;
    let (fields, weights) = form_fields(state, s, f).await?;
    let page = CohortsPage {
        layout: layout(state, s, "cohorts").with_errors(errors),
        cohorts: cohorts
            .iter()
            .map(|c| (c.id, c.name.clone(), rules_text(c)))
            .collect(),
        can_edit: state
            .service
            .may(&s.actor, DataClass::Cohorts, Access::Change),
        action: "/cohorts".to_owned(),
        submit: "Save cohort",
        fields,
        weights,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn cohorts(State(state): State<AppState>, s: SignedIn) -> PageResult {
    cohorts_page(
        &state,
        &s,
        StatusCode::OK,
        &CohortForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_cohort(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f = typed(&form)?;
    saved(
        state.service.create_cohort(&s.actor, &f).await,
        |id| format!("/cohorts/{id}"),
        |status, errors| cohorts_page(&state, &s, status, &f, errors),
    )
    .await
}

/// One scored family as the page shows it.
pub(crate) struct ScoredRow {
    reference: String,
    total: String,
    cost: String,
    cost_part: String,
    needs: Vec<(&'static str, String)>,
    agencies: String,
}

#[derive(Template)]
#[template(path = "cohort.html")]
pub(crate) struct CohortPage {
    layout: Layout,
    v: CohortView,
    rules: String,
    weights: Vec<(&'static str, i64)>,
    scored: Option<Vec<ScoredRow>>,
    costs: Vec<(String, String)>,
    total: String,
    can_edit: bool,
}

fn scored_rows(v: &CohortView) -> Option<Vec<ScoredRow>> {
    v.scored.as_ref().map(|rows| {
        rows.iter()
            .map(|f| ScoredRow {
                reference: f.reference.clone(),
                total: points_text(f.score.total),
                cost: f.score.annual_cost.to_full_string(),
                cost_part: points_text(f.score.cost_part),
                needs: f
                    .score
                    .need_parts
                    .iter()
                    .map(|(n, p)| (label(NEEDS, n.as_str()), points_text(*p)))
                    .collect(),
                agencies: f
                    .cost_by_agency
                    .iter()
                    .map(|(a, m)| format!("{a} {}", m.to_full_string()))
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect()
    })
}

pub async fn cohort(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
) -> PageResult {
    let id: CohortId = parse_id(&id)?;
    let v = state.service.cohort_view(&s.actor, id).await?;
    let page = CohortPage {
        layout: layout(&state, &s, "cohorts"),
        rules: rules_text(&v.cohort),
        weights: v
            .cohort
            .weights
            .iter()
            .map(|(n, w)| (label(NEEDS, n.as_str()), *w))
            .collect(),
        scored: scored_rows(&v),
        costs: v
            .cost_by_agency
            .iter()
            .flatten()
            .map(|(a, m)| (a.clone(), m.to_full_string()))
            .collect(),
        total: v.total_cost.map(|m| m.to_full_string()).unwrap_or_default(),
        can_edit: state
            .service
            .may(&s.actor, DataClass::Cohorts, Access::Change),
        v,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "cohort_edit.html")]
pub(crate) struct CohortEditPage {
    layout: Layout,
    id: CohortId,
    action: String,
    submit: &'static str,
    fields: Vec<Field>,
    weights: Vec<WeightInput>,
}

async fn edit_page(
    state: &AppState,
    s: &SignedIn,
    id: CohortId,
    status: StatusCode,
    f: &CohortForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let (fields, weights) = form_fields(state, s, f).await?;
    let page = CohortEditPage {
        layout: layout(state, s, "cohorts").with_errors(errors),
        id,
        action: format!("/cohorts/{id}/edit"),
        submit: "Save changes",
        fields,
        weights,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_cohort(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
) -> PageResult {
    let id: CohortId = begin_on(&state, &s, AuditAction::CohortUpdate, &id).await?;
    let c = state.service.cohort(&s.actor, id).await?;
    edit_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &CohortForm::of(&c),
        Vec::new(),
    )
    .await
}

pub async fn update_cohort(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: CohortId = parse_id(&id)?;
    let f = typed(&form)?;
    saved(
        state.service.update_cohort(&s.actor, id, &f).await,
        |()| format!("/cohorts/{id}"),
        |status, errors| edit_page(&state, &s, id, status, &f, errors),
    )
    .await
}

pub async fn confirm_delete_cohort(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
) -> PageResult {
    let id: CohortId = begin_on(&state, &s, AuditAction::CohortDelete, &id).await?;
    let c = state.service.cohort(&s.actor, id).await?;
    confirm(
        &state,
        &s,
        "cohorts",
        StatusCode::OK,
        (
            format!("Delete the cohort '{}'?", c.name),
            vec![("Rules", rules_text(&c))],
            "Its rules and weights go; the families and their records stay, and appraisals started from it keep their model.".to_owned(),
            format!("/cohorts/{id}/delete"),
            format!("/cohorts/{id}"),
            "Delete cohort",
        ),
        Vec::new(),
    )
}

pub async fn delete_cohort(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id: CohortId = parse_id(&id)?;
    state.service.delete_cohort(&s.actor, id).await?;
    Ok(Redirect::to("/cohorts").into_response())
}

/// "Start an appraisal from this cohort": to the new appraisal's page.
pub async fn start_appraisal(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id: CohortId = parse_id(&id)?;
    let aid = state.service.appraisal_from_cohort(&s.actor, id).await?;
    Ok(Redirect::to(&format!("/appraisals/{aid}")).into_response())
}
