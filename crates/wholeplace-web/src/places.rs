//! Places: the list, a place's page (its resource map, profile and links), adding, changing,
//! relating and deleting places.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use std::collections::HashMap;
use wholeplace_appraisal_report::charts::{Amount, AmountBars};
use wholeplace_domain::money::{group_thousands, total_full_string, total_short_string};
use wholeplace_domain::taxonomy::{self, PLACE_LEVELS, SERVICE_AREAS};
use wholeplace_service::AuditAction;
use wholeplace_service::FieldError;
use wholeplace_service::{PlaceForm, england_medians};

#[derive(Template)]
#[template(path = "places.html")]
pub(crate) struct PlacesPage {
    layout: Layout,
    can_edit: bool,
    places: Vec<(
        wholeplace_domain::PlaceId,
        String,
        &'static str,
        String,
        String,
    )>,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let places = state.service.list_places(&s.actor).await?;
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
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let n = state.service.import_local_authorities(&s.actor).await?;
    Ok(Redirect::to(&format!("/places?done={n}")).into_response())
}

#[derive(Template)]
#[template(path = "place_new.html")]
pub(crate) struct NewPlacePage {
    layout: Layout,
    text_fields: Vec<(&'static str, &'static str, &'static str, String)>,
    levels: &'static [(&'static str, &'static str)],
    level: String,
    parents: Vec<(wholeplace_domain::PlaceId, String)>,
    parent_id: String,
}

pub(crate) async fn new_place_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &PlaceForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let parents = state
        .service
        .list_places(&s.actor)
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
        .begin(&s.actor, AuditAction::PlaceCreate, None)
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: PlaceForm = form.typed()?;
    saved(
        state.service.create_place(&s.actor, &f).await,
        |id| format!("/places/{id}"),
        |status, errors| new_place_response(&state, &s, status, &f, errors),
    )
    .await
}

pub(crate) struct Chart {
    title: String,
    key: &'static str,
    /// The chart, an askama template that escapes its own text (so `safe` in the page).
    svg: AmountBars,
    rows: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "place.html")]
pub(crate) struct PlacePage {
    layout: Layout,
    id: wholeplace_domain::PlaceId,
    name: String,
    level: &'static str,
    gss: String,
    population: String,
    parents: Vec<(wholeplace_domain::PlaceId, String, String)>,
    children: Vec<(wholeplace_domain::PlaceId, String, String)>,
    agencies: String,
    profile: Vec<(String, String, String)>,
    total: String,
    per_head: String,
    has_population: bool,
    line_count: usize,
    lines_shown: usize,
    charts: Vec<Chart>,
    lines: Vec<(
        String,
        String,
        &'static str,
        String,
        String,
        wholeplace_domain::BudgetLineId,
    )>,
    can_edit: bool,
}

/// A bar chart of amounts in pence, each written short (£9.6m) at the end of its bar.
fn spending_chart(id: &str, title: &str, rows: &[(String, i128)]) -> AmountBars {
    let bars: Vec<Amount> = rows
        .iter()
        .map(|(label, pence)| Amount {
            label: label.clone(),
            value: *pence as f64,
            shown: total_short_string(*pence),
        })
        .collect();
    AmountBars::new(id, title, &bars)
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let v = state.service.place_view(&s.actor, parse_id(&id)?).await?;
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
        svg: spending_chart(&format!("chart-{n}"), &title, &rows),
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
                    l.financial_year.to_string(),
                    l.agency_name.clone(),
                    taxonomy::label(SERVICE_AREAS, &l.service_area),
                    l.amount.to_full_string(),
                    l.source.clone(),
                    l.id,
                )
            })
            .collect(),
        can_edit: s.user.role.can_edit_evidence(),
    };
    Ok(render(&page)?.into_response())
}

/// The form that changes a place; `stored` is its name as stored, for the heading (the form
/// shown again may hold a blank name).
pub(crate) async fn place_form(
    state: &AppState,
    s: &SignedIn,
    (id, stored): (wholeplace_domain::PlaceId, &str),
    status: StatusCode,
    f: &PlaceForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "places").with_errors(errors),
        heading: format!("Change {stored}"),
        intro: vec!["Where it sits and what it overlaps are kept as they are.".into()],
        back: (format!("/places/{id}"), "Back to the place".into()),
        action: format!("/places/{id}/edit"),
        fields: vec![
            Field::text("name", "Name", "", &f.name),
            Field::select("level", "Kind of place", vocabulary(PLACE_LEVELS), &f.level),
            Field::text(
                "gss_code",
                "GSS code (optional)",
                "Nine characters, such as E05011234 for a ward",
                &f.gss_code,
            )
            .narrow(),
            Field::text(
                "gss_vintage",
                "Boundary vintage of the code",
                "The year of the boundaries the code belongs to, such as 2023",
                &f.gss_vintage,
            )
            .narrow(),
            Field::text(
                "population",
                "Population (optional)",
                "Used for spending per head",
                &f.population,
            )
            .narrow(),
            Field::text("description", "Description (optional)", "", &f.description),
        ],
        submit: "Save place",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::PlaceUpdate, &id).await?;
    let p = state.service.get_place(&s.actor, id).await?;
    let f = PlaceForm {
        name: p.name.clone(),
        level: p.level.to_string(),
        gss_code: p.gss_code.unwrap_or_default(),
        gss_vintage: p.gss_vintage.unwrap_or_default(),
        population: p.population.map(|n| n.to_string()).unwrap_or_default(),
        parent_id: String::new(),
        description: p.description,
    };
    place_form(&state, &s, (id, &p.name), StatusCode::OK, &f, Vec::new()).await
}

pub async fn save_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    // Where a place sits is changed by relating it, never by this form.
    let f = PlaceForm {
        parent_id: String::new(),
        ..form.typed()?
    };
    saved(
        state.service.update_place(&s.actor, id, &f).await,
        |_| format!("/places/{id}"),
        |status, errors| async move {
            let stored = state.service.get_place(&s.actor, id).await?.name;
            place_form(&state, &s, (id, &stored), status, &f, errors).await
        },
    )
    .await
}

pub(crate) async fn place_confirm(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::PlaceId,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(&s.actor, id).await?;
    let page = (
        format!("Are you sure you want to delete {}?", v.place.name),
        vec![
            ("Place", v.place.name.clone()),
            ("Kind", taxonomy::label(PLACE_LEVELS, &v.place.level).to_owned()),
            ("Places inside or overlapping it", v.children.len().to_string()),
            ("Budget lines", v.map.count.to_string()),
        ],
        "Its links to other places, its coverage and its profile go with it. A place that budget lines, grants, partnerships or projects use cannot be deleted until they are changed.".to_owned(),
        format!("/places/{id}/delete"),
        format!("/places/{id}"),
        "Delete place",
    );
    confirm(state, s, "places", status, page, errors)
}

pub async fn confirm_delete_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::PlaceDelete, &id).await?;
    place_confirm(&state, &s, id, StatusCode::OK, Vec::new()).await
}

pub async fn delete_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    saved(
        state.service.delete_place(&s.actor, id).await,
        |_| "/places".to_owned(),
        |status, errors| place_confirm(&state, &s, id, status, errors),
    )
    .await
}

pub(crate) async fn links_form(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::PlaceId,
    status: StatusCode,
    how: &str,
    other: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(&s.actor, id).await?;
    let mut others = vec![(String::new(), "Select".to_owned())];
    others.extend(
        state
            .service
            .list_places(&s.actor)
            .await?
            .into_iter()
            .filter(|p| p.id != id)
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{} ({})", p.name, taxonomy::label(PLACE_LEVELS, &p.level)),
                )
            }),
    );
    let hows = [
        ("", "Select"),
        ("contains", "contains the other place"),
        ("inside", "is inside the other place"),
        ("overlaps", "overlaps the other place"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let page = FormPage {
        layout: layout(state, s, "places").with_errors(errors),
        heading: format!("Relate {} to another place", v.place.name),
        intro: vec!["A place may sit in more than one hierarchy: a ward in a district, and a police neighbourhood that cuts across wards.".into()],
        back: (format!("/places/{id}"), "Back to the place".into()),
        action: format!("/places/{id}/relations"),
        fields: vec![
            Field::select("how", "This place", hows, how),
            Field::select("other_id", "Other place", others, other),
        ],
        submit: "Record relation",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_relation(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::PlaceRelate, &id).await?;
    links_form(&state, &s, id, StatusCode::OK, "", "", Vec::new()).await
}

pub async fn create_relation(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let (how, other) = (form.get("how"), form.get("other_id"));
    saved(
        state
            .service
            .relate_place_from_form(&s.actor, id, other, how)
            .await,
        |_| format!("/places/{id}"),
        |status, errors| links_form(&state, &s, id, status, how, other, errors),
    )
    .await
}

pub(crate) fn place_list(places: &[(wholeplace_domain::PlaceId, String)]) -> String {
    places
        .iter()
        .map(|(_, n)| n.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) const PLACES_HINT: &str = "Names or GSS codes separated by semicolons, such as 'Sandpits, Ludlow; Fairfields, Market Drayton'";
