//! Pages for appraisals (the evidence engine) and the unit-cost library.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::{WebError, render};
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::{self, begin_on, layout, parse_id, problems_status, saved};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use wholeplace_appraisal::ATTRIBUTION;
use wholeplace_domain::Money;
use wholeplace_service::AuditAction;
use wholeplace_service::appraisals::{
    CostForm, Download, MAX_DRAWS, OutcomeForm, StartForm, model_template_xlsx,
};
use wholeplace_service::{FieldError, ServiceError};

type PageResult = Result<Response, WebError>;

/// Pounds to the pound, as a UK reader expects.
pub(crate) fn pounds(x: f64) -> String {
    Money::from_pounds_f64(x.round())
        .map(|m| {
            let s = m.to_full_string();
            s.strip_suffix(".00").map(str::to_owned).unwrap_or(s)
        })
        .unwrap_or_else(|_| format!("£{x:.0}"))
}

fn ratio(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into())
}

struct Row {
    id: wholeplace_domain::AppraisalId,
    title: String,
    note: String,
    partnership: String,
    npbi: String,
    froi: String,
    bcr: String,
}

#[derive(Template)]
#[template(path = "appraisals.html")]
struct ListPage {
    layout: Layout,
    can_edit: bool,
    rows: Vec<Row>,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let rows = state
        .service
        .list_appraisals(&s.actor)
        .await?
        .into_iter()
        .map(|a| {
            let (npbi, froi, bcr, note) = match &a.headline {
                Some(h) => (
                    pounds(h.npbi),
                    ratio(h.froi),
                    ratio(h.bcr),
                    format!("{}: {}", h.option, h.payback),
                ),
                None => (
                    "–".into(),
                    "–".into(),
                    "–".into(),
                    format!(
                        "Not ready: {} problem{} to fix",
                        a.problems,
                        if a.problems == 1 { "" } else { "s" }
                    ),
                ),
            };
            Row {
                id: a.stored.id,
                title: a.stored.title,
                note,
                partnership: a.stored.partnership_name.unwrap_or_else(|| "None".into()),
                npbi,
                froi,
                bcr,
            }
        })
        .collect();
    let flash = q
        .get("deleted")
        .map(|_| "The appraisal was deleted".to_owned());
    let page = ListPage {
        layout: layout(&state, &s, "appraisals").with_flash(flash),
        can_edit: s.user.role.can_edit_evidence(),
        rows,
    };
    Ok(render(&page)?.into_response())
}

async fn partnership_options(
    state: &AppState,
    s: &SignedIn,
) -> Result<Vec<(String, String)>, WebError> {
    let mut v = vec![(String::new(), "None".to_owned())];
    v.extend(
        state
            .service
            .list_partnerships(&s.actor)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name)),
    );
    Ok(v)
}

fn grade_options() -> Vec<(String, String)> {
    [
        ("", "Select"),
        ("1", "1: independently audited cost or evaluated outcome"),
        ("2", "2: well-established local data or a robust evaluation"),
        ("3", "3: local data, or evidence from a similar place"),
        ("4", "4: an estimate with some evidence"),
        ("5", "5: an informed estimate"),
        ("6", "6: opinion, no evidence yet"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

async fn start_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &StartForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let parts = partnership_options(state, s).await?;
    let (_, _, range) = state.service.appraisal_defaults()?;
    let page = FormPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        heading: "Start an appraisal".into(),
        intro: vec![
            "Give the appraisal's title and time frame. You then add its cost lines and outcome lines, one at a time.".into(),
        ],
        back: ("/appraisals".into(), "Back to appraisals".into()),
        action: "/appraisals".into(),
        fields: vec![
            Field::select("partnership_id", "Partnership", parts.clone(), &f.partnership_id),
            Field::text("title", "Title", "Such as 'Family intervention service'", &f.title),
            Field::text("description", "What is appraised (optional)", "The new way of working, against what", &f.description),
            Field::text("place", "Place (optional)", "", &f.place),
            Field::text("cohort", "Cohort (optional)", "Who it serves, such as '40 families with multiple needs'", &f.cohort),
            Field::text("price_base", "Price base", &format!("The financial year whose prices every figure is shown in. {range}."), &f.price_base).narrow(),
            Field::text("start_year", "First year", "Year 0 of the appraisal, such as 2024/25", &f.start_year).narrow(),
            Field::text("horizon_years", "Years appraised", "How many years, counting year 0, such as 5", &f.horizon_years).narrow(),
        ],
        submit: "Start appraisal",
        upload: Some(parts),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_page(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::AppraisalCreate, None)
        .await?;
    let (price_base, start_year, _) = state.service.appraisal_defaults()?;
    let f = StartForm {
        price_base,
        start_year,
        horizon_years: "5".into(),
        ..Default::default()
    };
    start_page(&state, &s, StatusCode::OK, &f, Vec::new()).await
}

pub async fn start(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: StartForm = form.typed()?;
    saved(
        state.service.start_appraisal(&s.actor, &f).await,
        |id| format!("/appraisals/{id}"),
        |status, errors| start_page(&state, &s, status, &f, errors),
    )
    .await
}

/// Upload of a model workbook or model file (multipart form).
pub async fn upload(
    State(state): State<AppState>,
    s: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let bad = |e: &(dyn std::error::Error + 'static)| crate::form::upload_error(e);
    let mut multipart = multipart.map_err(|e| bad(&e))?;
    let (mut csrf, mut partnership, mut file_name, mut bytes) =
        (String::new(), String::new(), String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        match field.name().unwrap_or("") {
            "csrf_token" => csrf = field.text().await.map_err(|e| bad(&e))?,
            "partnership_id" => partnership = field.text().await.map_err(|e| bad(&e))?,
            "workbook" => {
                file_name = field.file_name().unwrap_or("").to_owned();
                bytes = field.bytes().await.map_err(|e| bad(&e))?.to_vec();
            }
            _ => {}
        }
    }
    check_csrf(&s.session, &csrf)?;
    state
        .service
        .begin(&s.actor, AuditAction::AppraisalCreate, None)
        .await?;
    let is_toml = file_name.to_ascii_lowercase().ends_with(".toml");
    let result = if bytes.is_empty() {
        Err(ServiceError::Validation(vec![FieldError::new(
            "workbook",
            "Choose a model workbook (.xlsx) or model file (.toml) to upload",
        )]))
    } else if is_toml {
        match String::from_utf8(bytes) {
            Ok(text) => {
                state
                    .service
                    .create_appraisal_from_text(&s.actor, &partnership, &text)
                    .await
            }
            Err(_) => Err(ServiceError::Validation(vec![FieldError::new(
                "workbook",
                "The model file is not UTF-8 text: save it as UTF-8 and upload it again",
            )])),
        }
    } else {
        state
            .service
            .create_appraisal_from_workbook(&s.actor, &partnership, &bytes)
            .await
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/appraisals/{id}")).into_response()),
        Err(ServiceError::Validation(errors)) => {
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new("workbook", e.message))
                .collect();
            let (price_base, start_year, _) = state.service.appraisal_defaults()?;
            let f = StartForm {
                partnership_id: partnership,
                price_base,
                start_year,
                horizon_years: "5".into(),
                ..Default::default()
            };
            start_page(&state, &s, problems_status(&errors), &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "appraisal.html")]
struct ShowPage {
    layout: Layout,
    id: wholeplace_domain::AppraisalId,
    title: String,
    problems: Vec<String>,
    report: String,
    partnership: String,
    cost_lines: usize,
    outcome_lines: usize,
    created_by: String,
    updated: String,
    can_edit: bool,
    has_model: bool,
    draws: String,
    seed: String,
    max_draws: u32,
}

fn date_text(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| {
            format!(
                "{} {} {} at {:02}:{:02} UTC",
                t.day(),
                t.month(),
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let number = |key: &str, default: u64, max: u64| -> Result<u64, WebError> {
        match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "The {key} must be a whole number from 0 to {max}. Go back and change it."
                ))
            }),
        }
    };
    let draws = number("draws", 0, u64::from(MAX_DRAWS))? as u32;
    let seed = number("seed", 1, u64::MAX)?;
    let v = state
        .service
        .appraisal_view(&s.actor, id, draws, seed)
        .await?;
    let flash = q.get("added").map(|what| match what.as_str() {
        "cost" => "The cost line was added".to_owned(),
        "outcome" => "The outcome line was added".to_owned(),
        _ => "The appraisal was saved".to_owned(),
    });
    let page = ShowPage {
        layout: layout(&state, &s, "appraisals").with_flash(flash),
        id,
        title: v.stored.title.clone(),
        report: v
            .report
            .as_ref()
            .map(wholeplace_appraisal_report::report_html_fragment)
            .unwrap_or_default(),
        partnership: v
            .stored
            .partnership_name
            .clone()
            .unwrap_or_else(|| "None".into()),
        cost_lines: v.model.as_ref().map_or(0, |m| m.costs.len()),
        outcome_lines: v.model.as_ref().map_or(0, |m| m.outcomes.len()),
        created_by: v.stored.created_by.clone(),
        updated: date_text(v.stored.updated_at),
        can_edit: s.user.role.can_edit_evidence(),
        has_model: v.model.is_some(),
        problems: v.problems,
        draws: if draws > 0 {
            draws.to_string()
        } else {
            "1000".into()
        },
        seed: seed.to_string(),
        max_draws: MAX_DRAWS,
    };
    Ok(render(&page)?.into_response())
}

pub async fn download(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> PageResult {
    let kind = Download::from_suffix(&file).ok_or(WebError::NotFound)?;
    let (name, body) = state
        .service
        .appraisal_download(&s.actor, parse_id(&id)?, kind)
        .await?;
    Ok(page::download(body, kind.content_type(), &name))
}

pub async fn template(_s: SignedIn) -> PageResult {
    let body = model_template_xlsx().map_err(WebError::from)?;
    Ok(page::download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "appraisal-model-template.xlsx",
    ))
}

async fn cost_page(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::AppraisalId,
    status: StatusCode,
    f: &CostForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let a = state.service.appraisal(&s.actor, id).await?;
    let kinds = [
        ("revenue", "Revenue"),
        ("capital", "Capital"),
        ("in-kind", "In kind (staff time, buildings)"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let page = FormPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        heading: "Add a cost line".into(),
        intro: vec![format!(
            "A cost of '{}': what one agency pays, year by year.",
            a.title
        )],
        back: (format!("/appraisals/{id}"), "Back to the appraisal".into()),
        action: format!("/appraisals/{id}/costs"),
        fields: vec![
            Field::text(
                "name",
                "What the money buys",
                "Such as 'Key workers (2 FTE)'",
                &f.name,
            ),
            Field::text(
                "agency",
                "Agency that bears the cost",
                "Such as 'Kent County Council'",
                &f.agency,
            ),
            Field::select("kind", "Kind of cost", kinds, &f.kind),
            Field::text(
                "amounts",
                "Amounts in pounds, year by year",
                "For year 0, year 1 ... separated by commas, such as 120000, 120000, 60000. Missing years are zero.",
                &f.amounts,
            ),
            Field::text(
                "price_year",
                "Price year of the amounts",
                "Such as 2019/20; amounts are uprated to the price base with the deflator series",
                &f.price_year,
            )
            .narrow(),
            Field::select("grade", "Confidence grade", grade_options(), &f.grade),
            Field::text(
                "option",
                "Option (optional)",
                "Leave empty for 'To Be'; name another option to compare options side by side",
                &f.option,
            ),
            Field::text("notes", "Notes (optional)", "", &f.notes),
        ],
        submit: "Add cost line",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_cost(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::AppraisalUpdate, &id).await?;
    let (price_year, _, _) = state.service.appraisal_defaults()?;
    let f = CostForm {
        kind: "revenue".into(),
        price_year,
        ..Default::default()
    };
    cost_page(&state, &s, id, StatusCode::OK, &f, Vec::new()).await
}

pub async fn add_cost(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: CostForm = form.typed()?;
    saved(
        state.service.add_cost_line(&s.actor, id, &f).await,
        |_| format!("/appraisals/{id}?added=cost"),
        |status, errors| cost_page(&state, &s, id, status, &f, errors),
    )
    .await
}

const RATE_HINT: &str =
    "A share from 0 to 1 such as 0.2, or a distribution such as triangular(0.1, 0.2, 0.3)";

async fn outcome_page(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::AppraisalId,
    status: StatusCode,
    f: &OutcomeForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let a = state.service.appraisal(&s.actor, id).await?;
    let page = FormPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        heading: "Add an outcome line".into(),
        intro: vec![
            format!("An outcome of '{}': what changes, for how many, valued with unit costs.", a.title),
            "Outcomes = cohort × engagement × impact, less deadweight, attribution and displacement. Leave a field empty for its default.".into(),
        ],
        back: (format!("/appraisals/{id}"), "Back to the appraisal".into()),
        action: format!("/appraisals/{id}/outcomes"),
        fields: vec![
            Field::text("name", "What changes", "Such as 'Children kept out of care'", &f.name),
            Field::text("unit_costs", "Unit-cost codes", "The codes that value one outcome, separated by commas, such as SS1.0. Find codes in the unit-cost library.", &f.unit_costs),
            Field::text("counted_as", "One outcome is counted as (optional)", "For break-even sentences, such as 'care entries prevented'", &f.counted_as),
            Field::text("cohort", "Cohort", "The number in need, such as 40", &f.cohort).narrow(),
            Field::text("engagement", "Engagement (optional)", &format!("{RATE_HINT}. Default 1."), &f.engagement),
            Field::text("impact", "Impact", RATE_HINT, &f.impact),
            Field::text("deadweight", "Deadweight", &format!("The share that would have happened anyway. {RATE_HINT}"), &f.deadweight),
            Field::text("comparison", "Comparison group (optional)", "If the impact was measured against a comparison group, name it instead of giving deadweight", &f.comparison),
            Field::text("attribution", "Attribution (optional)", "The share due to others. Default 0.", &f.attribution),
            Field::text("displacement", "Displacement (optional)", "The share moved elsewhere rather than removed. Default 0.", &f.displacement),
            Field::text("lag_years", "Lag in years (optional)", "Years before the outcome starts. Default 0.", &f.lag_years).narrow(),
            Field::text("duration_years", "Duration in years", "How many years the outcome lasts", &f.duration_years).narrow(),
            Field::text("drop_off", "Drop-off (optional)", "The share of the effect lost each year after the first. Default 0.", &f.drop_off),
            Field::text("cashable", "Cashable share (optional)", "The share of the fiscal benefit that can be taken out of budgets. Default 0.", &f.cashable),
            Field::select("grade", "Confidence grade", grade_options(), &f.grade),
            Field::text("option", "Option (optional)", "Leave empty for 'To Be'", &f.option),
            Field::text("evidence", "Evidence (optional)", "The evaluation or data the figures rest on", &f.evidence),
        ],
        submit: "Add outcome line",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_outcome(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::AppraisalUpdate, &id).await?;
    outcome_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &OutcomeForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_outcome(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: OutcomeForm = form.typed()?;
    saved(
        state.service.add_outcome_line(&s.actor, id, &f).await,
        |_| format!("/appraisals/{id}?added=outcome"),
        |status, errors| outcome_page(&state, &s, id, status, &f, errors),
    )
    .await
}

async fn edit_page(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::AppraisalId,
    status: StatusCode,
    partnership: &str,
    text: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let a = state.service.appraisal(&s.actor, id).await?;
    let page = FormPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        heading: format!("Edit {}", a.title),
        intro: vec![
            "The whole model as text, in the format documented in docs/APPRAISAL-MODEL.md. Problems are listed with their line.".into(),
        ],
        back: (format!("/appraisals/{id}"), "Back to the appraisal".into()),
        action: format!("/appraisals/{id}/edit"),
        fields: vec![
            Field::select("partnership_id", "Partnership", partnership_options(state, s).await?, partnership),
            Field {
                rows: 30,
                ..Field::text("model_toml", "Model text", "", text)
            },
        ],
        submit: "Save model",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::AppraisalUpdate, &id).await?;
    let a = state.service.appraisal(&s.actor, id).await?;
    let p = a.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    edit_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &p,
        &a.model_toml,
        Vec::new(),
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let (p, text) = (form.get("partnership_id"), form.get("model_toml"));
    saved(
        state
            .service
            .update_appraisal_text(&s.actor, id, p, text)
            .await,
        |_| format!("/appraisals/{id}?added=text"),
        |status, errors| edit_page(&state, &s, id, status, p, text, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "appraisal_delete.html")]
struct DeletePage {
    layout: Layout,
    id: wholeplace_domain::AppraisalId,
    title: String,
    partnership: String,
    lines: String,
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::AppraisalDelete, &id).await?;
    let v = state.service.appraisal_view(&s.actor, id, 0, 0).await?;
    let (c, o) = v
        .model
        .as_ref()
        .map_or((0, 0), |m| (m.costs.len(), m.outcomes.len()));
    let page = DeletePage {
        layout: layout(&state, &s, "appraisals"),
        id,
        title: v.stored.title,
        partnership: v.stored.partnership_name.unwrap_or_else(|| "None".into()),
        lines: format!("{c} cost line(s), {o} outcome line(s)"),
    };
    Ok(render(&page)?.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.delete_appraisal(&s.actor, id).await?;
    Ok(Redirect::to("/appraisals?deleted=1").into_response())
}

#[derive(Template)]
#[template(path = "unit_costs.html")]
struct UnitCostsPage {
    layout: Layout,
    version: String,
    q: String,
    theme: String,
    themes: Vec<String>,
    found: usize,
    rows: Vec<(String, String, String, String, String)>,
    attribution: &'static str,
}

/// How many unit costs a search lists.
const LISTED: usize = 100;

pub async fn unit_costs(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let text = q.get("q").cloned().unwrap_or_default();
    let theme = q.get("theme").cloned().unwrap_or_default();
    let (found, n) = state.service.search_unit_costs(&text, &theme, LISTED)?;
    let (themes, version) = state.service.unit_cost_library_info()?;
    let page = UnitCostsPage {
        layout: layout(&state, &s, "unit-costs"),
        version,
        themes,
        found: n,
        rows: found
            .into_iter()
            .map(|u| {
                let fiscal = u
                    .fiscal
                    .map(|p| format!("{} ({} prices)", pounds_exact(p.pounds), p.price_year))
                    .unwrap_or_else(|| "–".into());
                (u.code, u.description, u.unit, fiscal, u.rag)
            })
            .collect(),
        q: text,
        theme,
        attribution: ATTRIBUTION,
    };
    Ok(render(&page)?.into_response())
}

fn pounds_exact(x: f64) -> String {
    Money::from_pounds_f64(x)
        .map(|m| m.to_full_string())
        .unwrap_or_else(|_| format!("£{x:.2}"))
}

#[derive(Template)]
#[template(path = "unit_cost.html")]
struct UnitCostPage {
    layout: Layout,
    code: String,
    description: String,
    rows: Vec<(&'static str, String)>,
    attribution: &'static str,
}

pub async fn unit_cost(
    State(state): State<AppState>,
    s: SignedIn,
    Path(code): Path<String>,
) -> PageResult {
    let u = state.service.unit_cost(&code)?;
    let value = |p: Option<wholeplace_appraisal::Priced>| {
        p.map(|p| format!("{} in {} prices", pounds_exact(p.pounds), p.price_year))
            .unwrap_or_else(|| "None".into())
    };
    let mut rows = vec![
        ("Theme", u.theme.clone()),
        ("Outcome", format!("{} – {}", u.category, u.detail)),
        ("Unit", u.unit.clone()),
        ("Fiscal value", value(u.fiscal)),
        ("Economic value", value(u.economic)),
        ("Social value", value(u.social)),
        (
            "Bearing agency",
            format!("{} / {}", u.agency_level1, u.agency_level2),
        ),
        ("Robustness", u.rag.clone()),
        ("Source", u.source.clone()),
    ];
    if u.transfer_share > 0.0 {
        rows.push((
            "Transfer payment",
            format!(
                "{:.0}% of the fiscal value is a transfer (benefits or tax): it counts for the budget, not for public value",
                u.transfer_share * 100.0
            ),
        ));
    }
    if let Some(h) = &u.headline {
        rows.push(("Part of headline cost", h.clone()));
    }
    if !u.constituents.is_empty() {
        rows.push(("Made of", u.constituents.join(", ")));
    }
    if !u.comment.is_empty() {
        rows.push(("The database's comment", u.comment.clone()));
    }
    let page = UnitCostPage {
        layout: layout(&state, &s, "unit-costs"),
        code: u.code.clone(),
        description: u.description.clone(),
        rows,
        attribution: ATTRIBUTION,
    };
    Ok(render(&page)?.into_response())
}
