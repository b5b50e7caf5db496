//! Changing and deleting places, agencies, budget lines and grants. Every delete asks first on
//! a page that shows what will go; a delete refused because other records still use the record
//! says which, on the same page.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::{WebError, render};
use crate::fields::{ConfirmDeletePage, Field, FormPage};
use crate::form::FormFields;
use crate::page::{layout, parse_id};
use crate::places::budget_form_page;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use wholeplace_domain::taxonomy::{self, AGENCY_KINDS, PLACE_LEVELS, SERVICE_AREAS};
use wholeplace_domain::{FinancialYear, Money};
use wholeplace_service::partners::{GrantChangeForm, GrantForm, PartnershipForm};
use wholeplace_service::places::{BudgetForm, PlaceForm, pounds_text};
use wholeplace_service::{FieldError, ServiceError};

type PageResult = Result<Response, WebError>;

fn vocabulary(v: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "Select".to_owned()))
        .chain(v.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())))
        .collect()
}

fn confirm(
    state: &AppState,
    s: &SignedIn,
    section: &str,
    status: StatusCode,
    page: (
        String,
        Vec<(&'static str, String)>,
        String,
        String,
        String,
        &'static str,
    ),
    errors: Vec<FieldError>,
) -> PageResult {
    let (heading, rows, warning, action, cancel, button) = page;
    let p = ConfirmDeletePage {
        layout: layout(state, s, section).with_errors(errors),
        heading,
        rows,
        warning,
        action,
        cancel,
        button,
    };
    Ok((status, render(&p)?).into_response())
}

// ---------- places ----------

async fn place_form(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    f: &PlaceForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "places").with_errors(errors),
        heading: format!("Change {}", f.name),
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
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "place.update", "place", Some(id.to_string()))
        .await?;
    let p = state.service.place_view(id).await?.place;
    let f = PlaceForm {
        name: p.name,
        level: p.level,
        gss_code: p.gss_code.unwrap_or_default(),
        gss_vintage: p.gss_vintage.unwrap_or_default(),
        population: p.population.map(|n| n.to_string()).unwrap_or_default(),
        parent_id: String::new(),
        description: p.description,
    };
    place_form(&state, &s, id, StatusCode::OK, &f, Vec::new()).await
}

pub async fn save_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let g = |k: &str| form.get(k).to_owned();
    let f = PlaceForm {
        name: g("name"),
        level: g("level"),
        gss_code: g("gss_code"),
        gss_vintage: g("gss_vintage"),
        population: g("population"),
        parent_id: String::new(),
        description: g("description"),
    };
    match state.service.update_place(&s.actor, id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/places/{id}")).into_response()),
        Err(ServiceError::Validation(errors)) => {
            place_form(&state, &s, id, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn place_confirm(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(id).await?;
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
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "place.delete", "place", Some(id.to_string()))
        .await?;
    place_confirm(&state, &s, id, StatusCode::OK, Vec::new()).await
}

pub async fn delete_place(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    match state.service.delete_place(&s.actor, id).await {
        Ok(()) => Ok(Redirect::to("/places").into_response()),
        Err(ServiceError::Validation(errors)) => {
            place_confirm(&state, &s, id, StatusCode::CONFLICT, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- agencies ----------

async fn agency_form(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    name: &str,
    kind: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        heading: format!("Change {name}"),
        intro: Vec::new(),
        back: ("/agencies".into(), "Back to agencies".into()),
        action: format!("/agencies/{id}/edit"),
        fields: vec![
            Field::text("name", "Name", "", name),
            Field::select("kind", "Kind", vocabulary(AGENCY_KINDS), kind),
        ],
        submit: "Save agency",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

async fn find_agency(state: &AppState, id: i64) -> Result<wholeplace_store::Agency, WebError> {
    state
        .service
        .list_agencies()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(WebError::NotFound)
}

pub async fn edit_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "agency.update", "agency", Some(id.to_string()))
        .await?;
    let a = find_agency(&state, id).await?;
    agency_form(&state, &s, id, StatusCode::OK, &a.name, &a.kind, Vec::new()).await
}

pub async fn save_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let (name, kind) = (form.get("name"), form.get("kind"));
    match state.service.update_agency(&s.actor, id, name, kind).await {
        Ok(()) => Ok(Redirect::to("/agencies").into_response()),
        Err(ServiceError::Validation(errors)) => {
            agency_form(&state, &s, id, StatusCode::BAD_REQUEST, name, kind, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn agency_confirm(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let a = find_agency(state, id).await?;
    let page = (
        format!("Are you sure you want to delete {}?", a.name),
        vec![("Agency", a.name.clone()), ("Kind", taxonomy::label(AGENCY_KINDS, &a.kind).to_owned())],
        "Its coverage of places and its contacts go with it. An agency that users, budget lines, grants, partnerships or projects use cannot be deleted until they are changed.".to_owned(),
        format!("/agencies/{id}/delete"),
        "/agencies".to_owned(),
        "Delete agency",
    );
    confirm(state, s, "agencies", status, page, errors)
}

pub async fn confirm_delete_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "agency.delete", "agency", Some(id.to_string()))
        .await?;
    agency_confirm(&state, &s, id, StatusCode::OK, Vec::new()).await
}

pub async fn delete_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    match state.service.delete_agency(&s.actor, id).await {
        Ok(()) => Ok(Redirect::to("/agencies").into_response()),
        Err(ServiceError::Validation(errors)) => {
            agency_confirm(&state, &s, id, StatusCode::CONFLICT, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- budget lines ----------

pub async fn edit_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(
            &s.actor,
            "budget_line.update",
            "budget_line",
            Some(id.to_string()),
        )
        .await?;
    let l = state.service.budget_line(id).await?;
    let f = BudgetForm {
        agency: l.agency_id.to_string(),
        place: l.place_id.to_string(),
        service_area: l.service_area,
        financial_year: FinancialYear::label_of(l.financial_year),
        amount: pounds_text(l.amount_pence),
        spend_kind: l.spend_kind,
        source: l.source,
        confidence: l.confidence,
    };
    budget_form_page(&state, &s, StatusCode::OK, &f, Vec::new(), Some(id)).await
}

pub async fn save_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let g = |k: &str| form.get(k).to_owned();
    let f = BudgetForm {
        agency: g("agency"),
        place: g("place"),
        service_area: g("service_area"),
        financial_year: g("financial_year"),
        amount: g("amount"),
        spend_kind: g("spend_kind"),
        source: g("source"),
        confidence: g("confidence"),
    };
    match state.service.update_budget_line(&s.actor, id, &f).await {
        Ok(()) => {
            let place = state.service.budget_line(id).await?.place_id;
            Ok(Redirect::to(&format!("/places/{place}")).into_response())
        }
        Err(ServiceError::Validation(errors)) => {
            budget_form_page(&state, &s, StatusCode::BAD_REQUEST, &f, errors, Some(id)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_delete_budget_line(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(
            &s.actor,
            "budget_line.delete",
            "budget_line",
            Some(id.to_string()),
        )
        .await?;
    let l = state.service.budget_line(id).await?;
    let page = (
        "Are you sure you want to delete this budget line?".to_owned(),
        vec![
            ("Agency", l.agency_name.clone()),
            ("Place", l.place_name.clone()),
            (
                "Service area",
                taxonomy::label(SERVICE_AREAS, &l.service_area).to_owned(),
            ),
            ("Financial year", FinancialYear::label_of(l.financial_year)),
            ("Amount", Money::from_pence(l.amount_pence).to_full_string()),
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
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let place = state.service.budget_line(id).await?.place_id;
    state.service.delete_budget_line(&s.actor, id).await?;
    Ok(Redirect::to(&format!("/places/{place}")).into_response())
}

// ---------- grants ----------

pub async fn confirm_delete_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "grant.delete", "grant", Some(id.to_string()))
        .await?;
    let g = state
        .service
        .list_grants()
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(WebError::NotFound)?;
    let page = (
        format!("Are you sure you want to delete '{}'?", g.title),
        vec![
            ("Funder", g.funder.name.clone()),
            (
                "Amount first awarded",
                Money::from_pence(g.amount_pence).to_full_string(),
            ),
            ("Recorded changes", g.changes.len().to_string()),
        ],
        "Its recorded changes go with it.".to_owned(),
        format!("/grants/{id}/delete"),
        "/funding".to_owned(),
        "Delete grant",
    );
    confirm(&state, &s, "funding", StatusCode::OK, page, Vec::new())
}

pub async fn delete_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    state.service.delete_grant(&s.actor, id).await?;
    Ok(Redirect::to("/funding").into_response())
}

fn agency_options(agencies: &[wholeplace_store::Agency]) -> Vec<(String, String)> {
    agencies
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect()
}

const PLACES_HINT: &str = "Names or GSS codes separated by semicolons, such as 'Sandpits, Ludlow; Fairfields, Market Drayton'";

async fn grant_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &GrantForm,
    errors: Vec<FieldError>,
    edit: Option<i64>,
) -> PageResult {
    let agencies = state.service.list_agencies().await?;
    let mut funders = vec![(String::new(), "Select".to_owned())];
    funders.extend(agency_options(&agencies));
    let page = FormPage {
        layout: layout(state, s, "funding").with_errors(errors),
        heading: if edit.is_some() { format!("Change '{}'", f.title) } else { "Record a grant".into() },
        intro: vec!["A grant or funding stream as first awarded. Record a later cut or top-up as a change, so the history stays.".into()],
        back: ("/funding".into(), "Back to partnerships and funding".into()),
        action: edit.map_or_else(|| "/grants".to_owned(), |id| format!("/grants/{id}/edit")),
        fields: vec![
            Field::select("funder_id", "Funder", funders, &f.funder_id),
            Field::text("title", "Title", "Such as 'Areas of High Need reward grant: Bromsgrove'", &f.title),
            Field::text("purpose", "Purpose (optional)", "", &f.purpose),
            Field::text("amount", "Amount first awarded", "In pounds, such as 500,000", &f.amount).narrow(),
            Field::text("start_year", "First financial year", "Such as 2009/10", &f.start_year).narrow(),
            Field::text("end_year", "Last financial year", "Such as 2014/15", &f.end_year).narrow(),
            Field::text("conditions", "Conditions (optional)", "Such as 'Quarterly returns'", &f.conditions),
            Field::checkboxes("recipients", "Recipients", "Select all that apply", agency_options(&agencies), &f.recipients),
            Field::text("places", "Places (optional)", PLACES_HINT, &f.places),
        ],
        submit: if edit.is_some() { "Save grant" } else { "Record grant" },
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_grant(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .require_editor(&s.actor, "grant.create", "grant", None)
        .await?;
    grant_form(
        &state,
        &s,
        StatusCode::OK,
        &GrantForm::default(),
        Vec::new(),
        None,
    )
    .await
}

pub async fn create_grant(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = grant_fields(&form);
    match state.service.create_grant_from_form(&s.actor, &f).await {
        Ok(_) => Ok(Redirect::to("/funding").into_response()),
        Err(ServiceError::Validation(errors)) => {
            grant_form(&state, &s, StatusCode::BAD_REQUEST, &f, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn change_form(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    f: &GrantChangeForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let g = state
        .service
        .list_grants()
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(WebError::NotFound)?;
    let page = FormPage {
        layout: layout(state, s, "funding").with_errors(errors),
        heading: format!("Record a change to '{}'", g.title),
        intro: vec![format!(
            "First awarded: {} a year from {} to {}. The change applies from the year you give; earlier years keep their amount.",
            Money::from_pence(g.amount_pence).to_full_string(),
            FinancialYear::label_of(g.start_year),
            FinancialYear::label_of(g.end_year)
        )],
        back: ("/funding".into(), "Back to partnerships and funding".into()),
        action: format!("/grants/{id}/change"),
        fields: vec![
            Field::text(
                "from_year",
                "From financial year",
                "Such as 2011/12",
                &f.from_year,
            )
            .narrow(),
            Field::text(
                "new_amount",
                "New amount",
                "In pounds, such as 400,000",
                &f.new_amount,
            )
            .narrow(),
            Field::text(
                "reason",
                "Reason",
                "Such as '20% cut due to pressure on public funding'",
                &f.reason,
            ),
        ],
        submit: "Record change",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_grant_change(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "grant.change", "grant", Some(id.to_string()))
        .await?;
    change_form(
        &state,
        &s,
        id,
        StatusCode::OK,
        &GrantChangeForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_grant_change(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = GrantChangeForm {
        from_year: form.get("from_year").to_owned(),
        new_amount: form.get("new_amount").to_owned(),
        reason: form.get("reason").to_owned(),
    };
    match state.service.change_grant_from_form(&s.actor, id, &f).await {
        Ok(()) => Ok(Redirect::to("/funding").into_response()),
        Err(ServiceError::Validation(errors)) => {
            change_form(&state, &s, id, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn partnership_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &PartnershipForm,
    errors: Vec<FieldError>,
    edit: Option<i64>,
) -> PageResult {
    let agencies = state.service.list_agencies().await?;
    let page = FormPage {
        layout: layout(state, s, "funding").with_errors(errors),
        heading: if edit.is_some() {
            format!("Change {}", f.name)
        } else {
            "Add a partnership".into()
        },
        intro: vec![
            "Agencies working together in places, such as a neighbourhood community budget pilot."
                .into(),
        ],
        back: ("/funding".into(), "Back to partnerships and funding".into()),
        action: edit.map_or_else(
            || "/partnerships".to_owned(),
            |id| format!("/partnerships/{id}/edit"),
        ),
        fields: vec![
            Field::text(
                "name",
                "Name",
                "Such as 'Sherwood Neighbourhood Community Budget'",
                &f.name,
            ),
            Field::text("description", "Aims (optional)", "", &f.description),
            Field::text(
                "governance",
                "Governance (optional)",
                "Such as 'Leaders board; steering group'",
                &f.governance,
            ),
            Field::checkboxes(
                "members",
                "Member agencies",
                "Select all that apply",
                agency_options(&agencies),
                &f.members,
            ),
            Field::text(
                "places",
                "Places it works in (optional)",
                PLACES_HINT,
                &f.places,
            ),
        ],
        submit: if edit.is_some() {
            "Save partnership"
        } else {
            "Add partnership"
        },
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_partnership(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .require_editor(&s.actor, "partnership.create", "partnership", None)
        .await?;
    partnership_form(
        &state,
        &s,
        StatusCode::OK,
        &PartnershipForm::default(),
        Vec::new(),
        None,
    )
    .await
}

pub async fn create_partnership(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = partnership_fields(&form);
    match state
        .service
        .create_partnership_from_form(&s.actor, &f)
        .await
    {
        Ok(_) => Ok(Redirect::to("/funding").into_response()),
        Err(ServiceError::Validation(errors)) => {
            partnership_form(&state, &s, StatusCode::BAD_REQUEST, &f, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- how a place relates to other places and agencies ----------

async fn links_form(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    how: &str,
    other: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(id).await?;
    let mut others = vec![(String::new(), "Select".to_owned())];
    others.extend(
        state
            .service
            .list_places()
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
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "place.relate", "place", Some(id.to_string()))
        .await?;
    links_form(&state, &s, id, StatusCode::OK, "", "", Vec::new()).await
}

pub async fn create_relation(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let (how, other) = (form.get("how"), form.get("other_id"));
    match state
        .service
        .relate_place_from_form(&s.actor, id, other, how)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/places/{id}")).into_response()),
        Err(ServiceError::Validation(errors)) => {
            links_form(&state, &s, id, StatusCode::BAD_REQUEST, how, other, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn coverage_form(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    status: StatusCode,
    agency: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(id).await?;
    let mut agencies = vec![(String::new(), "Select".to_owned())];
    agencies.extend(agency_options(&state.service.list_agencies().await?));
    let page = FormPage {
        layout: layout(state, s, "places").with_errors(errors),
        heading: format!("Record an agency covering {}", v.place.name),
        intro: vec![
            "Agencies' boundaries do not all line up: record each agency that serves this place."
                .into(),
        ],
        back: (format!("/places/{id}"), "Back to the place".into()),
        action: format!("/places/{id}/coverage"),
        fields: vec![Field::select("agency_id", "Agency", agencies, agency)],
        submit: "Record coverage",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_coverage(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "agency.cover", "agency", None)
        .await?;
    coverage_form(&state, &s, id, StatusCode::OK, "", Vec::new()).await
}

pub async fn create_coverage(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let agency = form.get("agency_id");
    match state
        .service
        .cover_place_from_form(&s.actor, id, agency)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/places/{id}")).into_response()),
        Err(ServiceError::Validation(errors)) => {
            coverage_form(&state, &s, id, StatusCode::BAD_REQUEST, agency, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

fn grant_fields(form: &FormFields) -> GrantForm {
    let g = |k: &str| form.get(k).to_owned();
    GrantForm {
        funder_id: g("funder_id"),
        title: g("title"),
        purpose: g("purpose"),
        amount: g("amount"),
        start_year: g("start_year"),
        end_year: g("end_year"),
        conditions: g("conditions"),
        recipients: form
            .all("recipients")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        places: g("places"),
    }
}

fn partnership_fields(form: &FormFields) -> PartnershipForm {
    PartnershipForm {
        name: form.get("name").to_owned(),
        description: form.get("description").to_owned(),
        governance: form.get("governance").to_owned(),
        members: form.all("members").into_iter().map(str::to_owned).collect(),
        places: form.get("places").to_owned(),
    }
}

fn place_list(places: &[(i64, String)]) -> String {
    places
        .iter()
        .map(|(_, n)| n.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn edit_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(&s.actor, "grant.update", "grant", Some(id.to_string()))
        .await?;
    let g = state
        .service
        .list_grants()
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(WebError::NotFound)?;
    let f = GrantForm {
        funder_id: g.funder.id.to_string(),
        title: g.title,
        purpose: g.purpose,
        amount: pounds_text(g.amount_pence),
        start_year: FinancialYear::label_of(g.start_year),
        end_year: FinancialYear::label_of(g.end_year),
        conditions: g.conditions,
        recipients: g.recipients.iter().map(|a| a.id.to_string()).collect(),
        places: place_list(&g.places),
    };
    grant_form(&state, &s, StatusCode::OK, &f, Vec::new(), Some(id)).await
}

pub async fn save_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = grant_fields(&form);
    match state.service.update_grant_from_form(&s.actor, id, &f).await {
        Ok(()) => Ok(Redirect::to("/funding").into_response()),
        Err(ServiceError::Validation(errors)) => {
            grant_form(&state, &s, StatusCode::BAD_REQUEST, &f, errors, Some(id)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_partnership(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .require_editor(
            &s.actor,
            "partnership.update",
            "partnership",
            Some(id.to_string()),
        )
        .await?;
    let p = state
        .service
        .list_partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(WebError::NotFound)?;
    let f = PartnershipForm {
        name: p.name,
        description: p.description,
        governance: p.governance,
        members: p.members.iter().map(|a| a.id.to_string()).collect(),
        places: p
            .places
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    };
    partnership_form(&state, &s, StatusCode::OK, &f, Vec::new(), Some(id)).await
}

pub async fn save_partnership(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = partnership_fields(&form);
    match state
        .service
        .update_partnership_from_form(&s.actor, id, &f)
        .await
    {
        Ok(()) => Ok(Redirect::to("/funding").into_response()),
        Err(ServiceError::Validation(errors)) => {
            partnership_form(&state, &s, StatusCode::BAD_REQUEST, &f, errors, Some(id)).await
        }
        Err(e) => Err(e.into()),
    }
}
