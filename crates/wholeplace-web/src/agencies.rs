//! Partner agencies: the list, adding, changing and deleting them, and the places each covers.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::taxonomy::{self, AGENCY_KINDS};
use wholeplace_service::AuditAction;
use wholeplace_service::FieldError;
use wholeplace_service::agencies::{identifiers_text, split_identifiers};

#[derive(Template)]
#[template(path = "agencies.html")]
pub(crate) struct AgenciesPage {
    layout: Layout,
    agencies: Vec<(String, &'static str, wholeplace_domain::AgencyId, String)>,
    can_edit: bool,
    /// May this role read contacts (personal data)? Only then is the contacts page linked.
    can_read_personal: bool,
    kinds: &'static [(&'static str, &'static str)],
    name: String,
    kind: String,
}

pub(crate) async fn agencies_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    name: &str,
    kind: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let ids: std::collections::HashMap<_, _> = state
        .service
        .agency_identifiers(&s.actor)
        .await?
        .into_iter()
        .collect();
    let agencies = state
        .service
        .list_agencies(&s.actor)
        .await?
        .into_iter()
        .map(|a| {
            let list = ids
                .get(&a.id)
                .map(|l| identifiers_text(l))
                .unwrap_or_default();
            (a.name, taxonomy::label(AGENCY_KINDS, &a.kind), a.id, list)
        })
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    saved(
        state
            .service
            .create_agency(&s.actor, form.get("name"), form.get("kind"))
            .await,
        |_| "/agencies".to_owned(),
        |status, errors| {
            agencies_response(
                &state,
                &s,
                status,
                form.get("name"),
                form.get("kind"),
                errors,
            )
        },
    )
    .await
}

/// The form that changes an agency; `stored` is its name as stored, for the heading (the form
/// shown again may hold a blank or clashing name).
pub(crate) async fn agency_form(
    state: &AppState,
    s: &SignedIn,
    (id, stored): (wholeplace_domain::AgencyId, &str),
    status: StatusCode,
    (name, kind): (&str, &str),
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        heading: format!("Change {stored}"),
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

pub(crate) async fn find_agency(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::AgencyId,
) -> Result<wholeplace_store::Agency, WebError> {
    state
        .service
        .list_agencies(&s.actor)
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
    let id = begin_on(&state, &s, AuditAction::AgencyUpdate, &id).await?;
    let a = find_agency(&state, &s, id).await?;
    agency_form(
        &state,
        &s,
        (id, &a.name),
        StatusCode::OK,
        (&a.name, &a.kind),
        Vec::new(),
    )
    .await
}

pub async fn save_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let (name, kind) = (form.get("name"), form.get("kind"));
    saved(
        state.service.update_agency(&s.actor, id, name, kind).await,
        |_| "/agencies".to_owned(),
        |status, errors| async move {
            let stored = find_agency(&state, &s, id).await?.name;
            agency_form(&state, &s, (id, &stored), status, (name, kind), errors).await
        },
    )
    .await
}

pub(crate) async fn agency_confirm(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::AgencyId,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let a = find_agency(state, s, id).await?;
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
    let id = begin_on(&state, &s, AuditAction::AgencyDelete, &id).await?;
    agency_confirm(&state, &s, id, StatusCode::OK, Vec::new()).await
}

pub async fn delete_agency(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    saved(
        state.service.delete_agency(&s.actor, id).await,
        |_| "/agencies".to_owned(),
        |status, errors| agency_confirm(&state, &s, id, status, errors),
    )
    .await
}

pub(crate) fn agency_options(agencies: &[wholeplace_store::Agency]) -> Vec<(String, String)> {
    agencies
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect()
}

pub(crate) async fn coverage_form(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::PlaceId,
    status: StatusCode,
    agency: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.place_view(&s.actor, id).await?;
    let mut agencies = vec![(String::new(), "Select".to_owned())];
    agencies.extend(agency_options(
        &state.service.list_agencies(&s.actor).await?,
    ));
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
        .begin(&s.actor, AuditAction::AgencyCover, None)
        .await?;
    coverage_form(&state, &s, id, StatusCode::OK, "", Vec::new()).await
}

pub async fn create_coverage(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let agency = form.get("agency_id");
    saved(
        state
            .service
            .cover_place_from_form(&s.actor, id, agency)
            .await,
        |_| format!("/places/{id}"),
        |status, errors| coverage_form(&state, &s, id, status, agency, errors),
    )
    .await
}

/// The form that changes an agency's registered identifiers, one a line.
pub(crate) async fn identifiers_form(
    state: &AppState,
    s: &SignedIn,
    (id, stored): (wholeplace_domain::AgencyId, &str),
    status: StatusCode,
    value: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        heading: format!("Identifiers of {stored}"),
        intro: vec![
            "An organisation's identifiers on the UK's registers, written as org-id.guide writes them: the scheme, a hyphen and the number or code. 360Giving, Open Referral UK and other partners' data match organisations on them.".into(),
            "The first is the one the 360Giving grants export names the organisation by; an organisation with none gets an identifier of the partnership's own there.".into(),
        ],
        back: ("/agencies".into(), "Back to agencies".into()),
        action: format!("/agencies/{id}/identifiers"),
        fields: vec![Field {
            rows: 5,
            ..Field::text(
                "identifiers",
                "Identifiers, one a line",
                "For example GB-LAE-KEN (an English council), GB-CHC-1234567 (a charity), GB-COH-01234567 (a company), GB-NHS-RXH (an NHS body), GB-GOR-D10 (a government organisation), GB-MPR-IP12345R (a mutual society), GB-SC-SC012345 (a Scottish charity). Leave empty for none.",
                value,
            )
        }],
        submit: "Save identifiers",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_identifiers(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::AgencyIdentifiers, &id).await?;
    let a = find_agency(&state, &s, id).await?;
    let list = state.service.identifiers_of(&s.actor, id).await?;
    let value = list
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    identifiers_form(
        &state,
        &s,
        (id, &a.name),
        StatusCode::OK,
        &value,
        Vec::new(),
    )
    .await
}

pub async fn save_identifiers(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let value = form.get("identifiers");
    saved(
        state
            .service
            .set_agency_identifiers(&s.actor, id, &split_identifiers(value))
            .await,
        |_| "/agencies".to_owned(),
        |status, errors| async move {
            let stored = find_agency(&state, &s, id).await?.name;
            identifiers_form(&state, &s, (id, &stored), status, value, errors).await
        },
    )
    .await
}
