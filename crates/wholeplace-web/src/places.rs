//! Pages for places, partners and the resource map.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::charts::bar_chart;
use crate::error::{WebError, render};
use crate::form::FormFields;
use crate::layout::Layout;
use crate::page::{download, layout, parse_id};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use wholeplace_domain::money::{group_thousands, total_full_string};
use wholeplace_domain::taxonomy::{self, AGENCY_KINDS, PLACE_LEVELS, SERVICE_AREAS};
use wholeplace_domain::{FinancialYear, Money};
use wholeplace_service::places::{BudgetForm, PlaceForm, england_medians};
use wholeplace_service::{FieldError, ServiceError};

type PageResult = Result<Response, WebError>;

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    layout: Layout,
    can_edit: bool,
    places: Vec<(i64, String, &'static str, String, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let places = state.service.list_places().await?;
    let flash = q
        .get("done")
        .and_then(|d| d.parse::<usize>().ok())
        .map(|n| format!("{n} local authorities added or updated with their profiles"));
    let page = PlacesPage {
        layout: layout(&state, &s, "places").with_flash(flash),
        can_edit: s.user.role.can_edit_evidence(),
        places: places
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    p.name,
                    taxonomy::label(PLACE_LEVELS, &p.level),
                    p.gss_code.unwrap_or_default(),
                    p.population
                        .map(|n| group_thousands(n.max(0) as u64))
                        .unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn import_local_authorities(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let n = state.service.import_local_authorities(&s.actor).await?;
    Ok(Redirect::to(&format!("/places?done={n}")).into_response())
}

#[derive(Template)]
#[template(path = "place_new.html")]
struct NewPlacePage {
    layout: Layout,
    text_fields: Vec<(&'static str, &'static str, &'static str, String)>,
    levels: &'static [(&'static str, &'static str)],
    level: String,
    parents: Vec<(i64, String)>,
    parent_id: String,
}

async fn new_place_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &PlaceForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let parents = state
        .service
        .list_places()
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                format!("{} ({})", p.name, taxonomy::label(PLACE_LEVELS, &p.level)),
            )
        })
        .collect();
    let page = NewPlacePage {
        layout: layout(state, s, "places").with_errors(errors),
        text_fields: vec![
            ("name", "Name", "", f.name.clone()),
            (
                "gss_code",
                "GSS code (optional)",
                "Nine characters, such as E05011234 for a ward",
                f.gss_code.clone(),
            ),
            (
                "gss_vintage",
                "Boundary vintage of the code",
                "The year of the boundaries the code belongs to, such as 2023",
                f.gss_vintage.clone(),
            ),
            (
                "population",
                "Population (optional)",
                "Used for spending per head",
                f.population.clone(),
            ),
            (
                "description",
                "Description (optional)",
                "",
                f.description.clone(),
            ),
        ],
        levels: PLACE_LEVELS,
        level: f.level.clone(),
        parents,
        parent_id: f.parent_id.clone(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_place(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .require_editor(&s.actor, "place.create", "place", None)
        .await?;
    new_place_response(
        &state,
        &s,
        StatusCode::OK,
        &PlaceForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_place(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = PlaceForm {
        name: form.get("name").to_owned(),
        level: form.get("level").to_owned(),
        gss_code: form.get("gss_code").to_owned(),
        gss_vintage: form.get("gss_vintage").to_owned(),
        population: form.get("population").to_owned(),
        parent_id: form.get("parent_id").to_owned(),
        description: form.get("description").to_owned(),
    };
    match state.service.create_place(&s.actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/places/{id}")).into_response()),
        Err(ServiceError::Validation(errors)) => {
            new_place_response(&state, &s, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

struct Chart {
    title: String,
    key: &'static str,
    svg: String,
    rows: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    layout: Layout,
    id: i64,
    name: String,
    level: &'static str,
    gss: String,
    population: String,
    parents: Vec<(i64, String, String)>,
    children: Vec<(i64, String, String)>,
    agencies: String,
    profile: Vec<(String, String, String)>,
    total: String,
    per_head: String,
    has_population: bool,
    line_count: usize,
    lines_shown: usize,
    charts: Vec<Chart>,
    lines: Vec<(String, String, &'static str, String, String, i64)>,
    can_edit: bool,
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let v = state.service.place_view(parse_id(&id)?).await?;
    let map = &v.map;
    let share = |x: i128| {
        if map.total > 0 {
            format!("{:.1}%", x as f64 * 100.0 / map.total as f64)
        } else {
            String::new()
        }
    };
    let per_head = |x: i128| map.per_head(x).map(total_full_string).unwrap_or_default();
    let mk = |n: usize, title: String, key: &'static str, rows: Vec<(String, i128)>| Chart {
        svg: bar_chart(&format!("chart-{n}"), &title, &rows),
        title,
        key,
        rows: rows
            .iter()
            .map(|(l, x)| (l.clone(), total_full_string(*x), share(*x), per_head(*x)))
            .collect(),
    };
    let mut charts = Vec::new();
    if map.count > 0 {
        charts.push(mk(
            1,
            format!("Spending in {} by agency", v.place.name),
            "Agency",
            map.by_agency.clone(),
        ));
        charts.push(mk(
            2,
            format!("Spending in {} by service area", v.place.name),
            "Service area",
            map.by_service.clone(),
        ));
        charts.push(mk(
            3,
            format!("Spending in {} by financial year", v.place.name),
            "Financial year",
            map.by_year
                .iter()
                .map(|(y, x)| (y.to_string(), *x))
                .collect(),
        ));
    }
    let mut profile = Vec::new();
    if let Some(p) = &v.profile {
        let (eng_claim, eng_earn) = england_medians();
        profile.push((
            format!("Population ({})", p.population_year.unwrap_or_default()),
            p.population
                .map(|n| group_thousands(n.max(0) as u64))
                .unwrap_or_default(),
            "–".to_owned(),
        ));
        profile.push((
            "Claimant rate".to_owned(),
            p.claimant_rate_pct
                .map(|c| format!("{c:.1}%"))
                .unwrap_or_default(),
            eng_claim.map(|c| format!("{c:.1}%")).unwrap_or_default(),
        ));
        profile.push((
            "Median annual earnings".to_owned(),
            p.median_earnings_gbp
                .map(|e| format!("£{}", group_thousands(e.max(0) as u64)))
                .unwrap_or_default(),
            eng_earn
                .map(|e| format!("£{}", group_thousands(e.max(0) as u64)))
                .unwrap_or_default(),
        ));
        if let Some(r) = p.imd_rank {
            profile.push((
                "Deprivation rank (IMD 2019)".to_owned(),
                format!("{r} of {}", p.imd_total.unwrap_or(317)),
                "–".to_owned(),
            ));
        }
        for pair in p.domain_ranks.split(';').filter(|x| !x.is_empty()) {
            if let Some((d, r)) = pair.split_once('=') {
                profile.push((
                    format!("{}{} domain rank", d[..1].to_uppercase(), &d[1..]),
                    r.to_owned(),
                    "–".to_owned(),
                ));
            }
        }
    }
    let rel = |list: &[wholeplace_store::Related]| {
        list.iter()
            .map(|r| (r.place.id, r.place.name.clone(), r.relation.clone()))
            .collect()
    };
    let population = v
        .place
        .population
        .or(v.profile.as_ref().and_then(|p| p.population));
    let page = PlacePage {
        layout: layout(&state, &s, "places"),
        id: v.place.id,
        name: v.place.name.clone(),
        level: taxonomy::label(PLACE_LEVELS, &v.place.level),
        gss: match (&v.place.gss_code, &v.place.gss_vintage) {
            (Some(c), Some(y)) => format!("{c} (boundaries of {y})"),
            (Some(c), None) => c.clone(),
            _ => "None".to_owned(),
        },
        population: population
            .map(|n| group_thousands(n.max(0) as u64))
            .unwrap_or_else(|| "Not recorded".to_owned()),
        parents: rel(&v.parents),
        children: rel(&v.children),
        agencies: v
            .agencies
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        profile,
        total: if map.count == 0 {
            String::new()
        } else {
            total_full_string(map.total)
        },
        per_head: per_head(map.total),
        has_population: map.population.is_some(),
        line_count: map.count as usize,
        lines_shown: v.lines.len(),
        charts,
        lines: v
            .lines
            .iter()
            .map(|l| {
                (
                    FinancialYear::label_of(l.financial_year),
                    l.agency_name.clone(),
                    taxonomy::label(SERVICE_AREAS, &l.service_area),
                    Money::from_pence(l.amount_pence).to_full_string(),
                    l.source.clone(),
                    l.id,
                )
            })
            .collect(),
        can_edit: s.user.role.can_edit_evidence(),
    };
    Ok(render(&page)?.into_response())
}

fn file_stem(name: &str) -> String {
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
    _s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let (place, table) = state.service.place_budget_table(parse_id(&id)?).await?;
    let body = wholeplace_tabular::write_csv(&table);
    Ok(download(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("{}-budget-lines.csv", file_stem(&place.name)),
    ))
}

pub async fn lines_xlsx(
    State(state): State<AppState>,
    _s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let (place, table) = state.service.place_budget_table(parse_id(&id)?).await?;
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
struct BudgetPage {
    layout: Layout,
    heading: &'static str,
    action: String,
    submit: &'static str,
    selects: Vec<Select>,
    text_fields: Vec<(&'static str, &'static str, &'static str, String)>,
}

async fn budget_response(
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
        .list_agencies()
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    let places = state
        .service
        .list_places()
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
        .require_editor(&s.actor, "budget_line.create", "budget_line", None)
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
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = BudgetForm {
        agency: form.get("agency").to_owned(),
        place: form.get("place").to_owned(),
        service_area: form.get("service_area").to_owned(),
        financial_year: form.get("financial_year").to_owned(),
        amount: form.get("amount").to_owned(),
        spend_kind: form.get("spend_kind").to_owned(),
        source: form.get("source").to_owned(),
        confidence: form.get("confidence").to_owned(),
    };
    match state.service.add_budget_line(&s.actor, &f).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/places/{}#resource-map", f.place.trim())).into_response())
        }
        Err(ServiceError::Validation(errors)) => {
            budget_response(&state, &s, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    layout: Layout,
    agencies: Vec<(String, &'static str, i64)>,
    can_edit: bool,
    /// May this role read contacts (personal data)? Only then is the contacts page linked.
    can_read_personal: bool,
    kinds: &'static [(&'static str, &'static str)],
    name: String,
    kind: String,
}

async fn agencies_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    name: &str,
    kind: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let agencies = state
        .service
        .list_agencies()
        .await?
        .into_iter()
        .map(|a| (a.name, taxonomy::label(AGENCY_KINDS, &a.kind), a.id))
        .collect();
    let page = AgenciesPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        agencies,
        can_edit: s.user.role.can_edit_evidence(),
        can_read_personal: state.service.may(
            &s.actor,
            wholeplace_service::DataClass::Personal,
            wholeplace_service::Access::Read,
        ),
        kinds: AGENCY_KINDS,
        name: name.to_owned(),
        kind: kind.to_owned(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn agencies(State(state): State<AppState>, s: SignedIn) -> PageResult {
    agencies_response(&state, &s, StatusCode::OK, "", "", Vec::new()).await
}

pub async fn create_agency(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    match state
        .service
        .create_agency(&s.actor, form.get("name"), form.get("kind"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/agencies").into_response()),
        Err(ServiceError::Validation(errors)) => {
            agencies_response(
                &state,
                &s,
                StatusCode::BAD_REQUEST,
                form.get("name"),
                form.get("kind"),
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "funding.html")]
struct FundingPage {
    layout: Layout,
    partnerships: Vec<(String, String, String, String, String, i64)>,
    grants: Vec<(String, String, String, String, String, String, i64)>,
    can_edit: bool,
}

fn year_span(a: i32, b: i32) -> String {
    match (FinancialYear::new(a), FinancialYear::new(b)) {
        (Ok(x), Ok(_)) if a == b => x.to_string(),
        (Ok(x), Ok(y)) => format!("{x} to {y}"),
        _ => String::new(),
    }
}

pub async fn funding(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let partnerships = state
        .service
        .list_partnerships()
        .await?
        .into_iter()
        .map(|p| {
            (
                p.name,
                p.description,
                p.governance,
                p.members
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.places
                    .iter()
                    .map(|x| x.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.id,
            )
        })
        .collect();
    let grants = state
        .service
        .list_grants()
        .await?
        .into_iter()
        .map(|g| {
            let changes = g
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "From {}: {} ({})",
                        FinancialYear::label_of(c.from_year),
                        Money::from_pence(c.new_amount_pence).to_short_string(),
                        c.reason
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            (
                g.title,
                g.funder.name,
                g.recipients
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                year_span(g.start_year, g.end_year),
                Money::from_pence(g.amount_pence).to_short_string(),
                if changes.is_empty() {
                    "None".to_owned()
                } else {
                    changes
                },
                g.id,
            )
        })
        .collect();
    Ok(render(&FundingPage {
        layout: layout(&state, &s, "funding"),
        partnerships,
        grants,
        can_edit: s.user.role.can_edit_evidence(),
    })?
    .into_response())
}

pub async fn grants_csv(State(state): State<AppState>, _s: SignedIn) -> PageResult {
    let table = state.service.grants_360giving().await?;
    Ok(download(
        wholeplace_tabular::write_csv(&table).into_bytes(),
        "text/csv; charset=utf-8",
        "wholeplace-grants-360giving.csv",
    ))
}
