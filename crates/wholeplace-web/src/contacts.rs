//! Agencies' named contacts (personal data: each read is audited by the service).
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::fields::Field;
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use wholeplace_service::AuditAction;
use wholeplace_service::ContactForm;
use wholeplace_service::FieldError;

pub(crate) struct ContactRow {
    id: wholeplace_domain::ContactId,
    agency: String,
    name: String,
    role: String,
    email: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "contacts.html")]
pub(crate) struct ContactsPage {
    layout: Layout,
    can_edit: bool,
    rows: Vec<ContactRow>,
    fields: Vec<Field>,
}

pub(crate) async fn contacts_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &ContactForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let contacts = state.service.list_contacts(&s.actor).await?;
    let agencies = state.service.list_agencies(&s.actor).await?;
    let page = ContactsPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        can_edit: s.user.role.can_edit_evidence(),
        rows: contacts
            .into_iter()
            .map(|c| ContactRow {
                id: c.id,
                agency: c.agency,
                name: c.name,
                role: c.role,
                email: c.email,
                phone: c.phone,
            })
            .collect(),
        fields: vec![
            Field::select(
                "agency_id",
                "Agency",
                options("Select", agencies.into_iter().map(|a| (a.id, a.name))),
                &f.agency_id,
            ),
            Field::text("name", "Name", "", &f.name),
            Field::text(
                "role",
                "Role (optional)",
                "Such as 'Neighbourhood manager' or 'Identified link for Sherwood'",
                &f.role,
            ),
            Field::text("email", "Work email (optional)", "", &f.email),
            Field::text("phone", "Work phone (optional)", "", &f.phone).narrow(),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn contacts(State(state): State<AppState>, s: SignedIn) -> PageResult {
    contacts_page(
        &state,
        &s,
        StatusCode::OK,
        &ContactForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_contact(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: ContactForm = form.typed()?;
    saved(
        state.service.create_contact(&s.actor, &f).await,
        |_| "/contacts".to_owned(),
        |status, errors| contacts_page(&state, &s, status, &f, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "contact_delete.html")]
pub(crate) struct ContactDeletePage {
    layout: Layout,
    id: wholeplace_domain::ContactId,
    name: String,
    agency: String,
    role: String,
}

pub async fn confirm_delete_contact(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::ContactDelete, &id).await?;
    let c = state
        .service
        .list_contacts(&s.actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)?;
    let page = ContactDeletePage {
        layout: layout(&state, &s, "agencies"),
        id,
        name: c.name,
        agency: c.agency,
        role: c.role,
    };
    Ok(render(&page)?.into_response())
}

pub async fn delete_contact(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.delete_contact(&s.actor, id).await?;
    Ok(Redirect::to("/contacts").into_response())
}
