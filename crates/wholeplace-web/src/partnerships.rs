//! Partnerships: adding and changing them (they are listed on the funding page).
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
use crate::page::*;
use crate::{agencies::*, places::*};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_service::AuditAction;
use wholeplace_service::FieldError;
use wholeplace_service::PartnershipForm;

pub(crate) async fn partnership_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &PartnershipForm,
    errors: Vec<FieldError>,
    edit: Option<i64>,
) -> PageResult {
    let agencies = state.service.list_agencies(&s.actor).await?;
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
        .begin(&s.actor, AuditAction::PartnershipCreate, None)
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
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f = partnership_fields(&form)?;
    saved(
        state
            .service
            .create_partnership_from_form(&s.actor, &f)
            .await,
        |_| "/funding".to_owned(),
        |status, errors| partnership_form(&state, &s, status, &f, errors, None),
    )
    .await
}

pub(crate) fn partnership_fields(form: &FormFields) -> Result<PartnershipForm, WebError> {
    let mut f: PartnershipForm = form.typed()?;
    f.members = form.all("members").into_iter().map(str::to_owned).collect();
    Ok(f)
}

pub async fn edit_partnership(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::PartnershipUpdate, &id).await?;
    let p = state
        .service
        .list_partnerships(&s.actor)
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
    partnership_form(&state, &s, StatusCode::OK, &f, Vec::new(), Some(id.get())).await
}

pub async fn save_partnership(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f = partnership_fields(&form)?;
    saved(
        state
            .service
            .update_partnership_from_form(&s.actor, id, &f)
            .await,
        |_| "/funding".to_owned(),
        |status, errors| partnership_form(&state, &s, status, &f, errors, Some(id.get())),
    )
    .await
}
