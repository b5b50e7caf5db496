//! Grants: the funding page, the 360Giving CSV, adding, changing (and recording changes to) and
//! deleting grants.
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
use crate::form::{CsrfForm, FormFields};
use crate::layout::Layout;
use crate::page::*;
use crate::{agencies::*, places::*};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use wholeplace_domain::FinancialYear;
use wholeplace_service::AuditAction;
use wholeplace_service::FieldError;
use wholeplace_service::pounds_text;
use wholeplace_service::{GrantChangeForm, GrantForm, LICENCES, PublisherForm};

#[derive(Template)]
#[template(path = "funding.html")]
pub(crate) struct FundingPage {
    layout: Layout,
    partnerships: Vec<(
        String,
        String,
        String,
        String,
        String,
        wholeplace_domain::PartnershipId,
    )>,
    grants: Vec<(
        String,
        String,
        String,
        String,
        String,
        String,
        wholeplace_domain::GrantId,
    )>,
    can_edit: bool,
    /// The 360Giving publisher: prefix, name, licence's name (when recorded).
    publisher: Option<(String, String, String)>,
}

pub(crate) fn year_span(a: FinancialYear, b: FinancialYear) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a} to {b}")
    }
}

pub async fn funding(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let partnerships = state
        .service
        .list_partnerships(&s.actor)
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
        .list_grants(&s.actor)
        .await?
        .into_iter()
        .map(|g| {
            let changes = g
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "From {}: {} ({})",
                        c.from_year,
                        c.new_amount.to_short_string(),
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
                g.amount.to_short_string(),
                if changes.is_empty() {
                    "None".to_owned()
                } else {
                    changes
                },
                g.id,
            )
        })
        .collect();
    let publisher = state.service.grant_publisher(&s.actor).await?.map(|p| {
        let licence = LICENCES
            .iter()
            .find(|(url, _)| *url == p.licence)
            .map_or(p.licence.clone(), |(_, name)| (*name).to_owned());
        (p.prefix, p.name, licence)
    });
    Ok(render(&FundingPage {
        layout: layout(&state, &s, "funding"),
        partnerships,
        grants,
        can_edit: s.user.role.can_edit_evidence(),
        publisher,
    })?
    .into_response())
}

/// The grants as the 360Giving standard's JSON grant package.
pub async fn grants_json(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let package = state.service.grants_360giving_package(&s.actor).await?;
    let text = serde_json::to_string_pretty(&package)
        .map_err(|e| wholeplace_service::ServiceError::Internal(e.to_string()))?;
    Ok(download(
        text.into_bytes(),
        "application/json",
        "wholeplace-grants-360giving.json",
    ))
}

/// The form that records the 360Giving publisher.
pub(crate) async fn publisher_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &PublisherForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let mut licences = vec![(String::new(), "Select".to_owned())];
    licences.extend(
        LICENCES
            .iter()
            .map(|(u, n)| ((*u).to_owned(), (*n).to_owned())),
    );
    let page = FormPage {
        layout: layout(state, s, "funding").with_errors(errors),
        heading: "360Giving publisher".into(),
        intro: vec![
            "The partnership publishes its grants as 360Giving open data under the prefix 360Giving registered for it. Each grant's identifier is that prefix and the grant's own reference, so it stays the same in every export.".into(),
        ],
        back: ("/funding".into(), "Back to partnerships and funding".into()),
        action: "/funding/publisher".into(),
        fields: vec![
            Field::text("prefix", "360Giving prefix", "360G- and the letters 360Giving gave the publisher, such as 360G-wholeplace", &f.prefix),
            Field::text("name", "Publisher's name", "Who publishes the data, such as the partnership or its accountable body", &f.name),
            Field::text("identifier", "Publisher's identifier (optional)", "Its identifier on a UK register, such as GB-LAE-KEN or GB-CHC-1234567", &f.identifier),
            Field::text("website", "Publisher's website (optional)", "Its full address, starting https://", &f.website),
            Field::select("licence", "Licence", licences, &f.licence),
        ],
        submit: "Save publisher",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_publisher(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::GrantPublisher, None)
        .await?;
    let f = state
        .service
        .grant_publisher(&s.actor)
        .await?
        .map(|p| PublisherForm::from_publisher(&p))
        .unwrap_or_else(|| PublisherForm {
            licence: LICENCES[0].0.to_owned(),
            ..PublisherForm::default()
        });
    publisher_form(&state, &s, StatusCode::OK, &f, Vec::new()).await
}

pub async fn save_publisher(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f = PublisherForm {
        prefix: form.get("prefix").to_owned(),
        name: form.get("name").to_owned(),
        identifier: form.get("identifier").to_owned(),
        website: form.get("website").to_owned(),
        licence: form.get("licence").to_owned(),
    };
    saved(
        state.service.set_grant_publisher(&s.actor, &f).await,
        |_| "/funding".to_owned(),
        |status, errors| publisher_form(&state, &s, status, &f, errors),
    )
    .await
}

pub async fn grants_csv(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let table = state.service.grants_360giving(&s.actor).await?;
    Ok(download(
        wholeplace_tabular::write_csv(&table).into_bytes(),
        "text/csv; charset=utf-8",
        "wholeplace-grants-360giving.csv",
    ))
}

/// The grant with this id, or the page that does not exist.
async fn find_grant(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::GrantId,
) -> Result<wholeplace_store::Grant, WebError> {
    state
        .service
        .list_grants(&s.actor)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(WebError::NotFound)
}

pub async fn confirm_delete_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::GrantDelete, &id).await?;
    let g = find_grant(&state, &s, id).await?;
    let page = (
        format!("Are you sure you want to delete '{}'?", g.title),
        vec![
            ("Funder", g.funder.name.clone()),
            ("Amount first awarded", g.amount.to_full_string()),
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
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.delete_grant(&s.actor, id).await?;
    Ok(Redirect::to("/funding").into_response())
}

pub(crate) async fn grant_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &GrantForm,
    errors: Vec<FieldError>,
    edit: Option<wholeplace_domain::GrantId>,
) -> PageResult {
    let agencies = state.service.list_agencies(&s.actor).await?;
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
        .begin(&s.actor, AuditAction::GrantCreate, None)
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f = grant_fields(&form)?;
    saved(
        state.service.create_grant_from_form(&s.actor, &f).await,
        |_| "/funding".to_owned(),
        |status, errors| grant_form(&state, &s, status, &f, errors, None),
    )
    .await
}

pub(crate) async fn change_form(
    state: &AppState,
    s: &SignedIn,
    id: wholeplace_domain::GrantId,
    status: StatusCode,
    f: &GrantChangeForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let g = find_grant(state, s, id).await?;
    let page = FormPage {
        layout: layout(state, s, "funding").with_errors(errors),
        heading: format!("Record a change to '{}'", g.title),
        intro: vec![format!(
            "First awarded: {} a year from {} to {}. The change applies from the year you give; earlier years keep their amount.",
            g.amount.to_full_string(),
            g.start_year.to_string(),
            g.end_year.to_string()
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
    let id = begin_on(&state, &s, AuditAction::GrantChange, &id).await?;
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: GrantChangeForm = form.typed()?;
    saved(
        state.service.change_grant_from_form(&s.actor, id, &f).await,
        |_| "/funding".to_owned(),
        |status, errors| change_form(&state, &s, id, status, &f, errors),
    )
    .await
}

pub(crate) fn grant_fields(form: &FormFields) -> Result<GrantForm, WebError> {
    let mut f: GrantForm = form.typed()?;
    f.recipients = form
        .all("recipients")
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(f)
}

pub async fn edit_grant(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::GrantUpdate, &id).await?;
    let g = find_grant(&state, &s, id).await?;
    let f = GrantForm {
        funder_id: g.funder.id.to_string(),
        title: g.title,
        purpose: g.purpose,
        amount: pounds_text(g.amount.pence()),
        start_year: g.start_year.to_string(),
        end_year: g.end_year.to_string(),
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f = grant_fields(&form)?;
    saved(
        state.service.update_grant_from_form(&s.actor, id, &f).await,
        |_| "/funding".to_owned(),
        |status, errors| grant_form(&state, &s, status, &f, errors, Some(id)),
    )
    .await
}
