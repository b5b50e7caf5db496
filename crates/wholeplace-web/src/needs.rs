//! `/needs`: the need taxonomy a family's involvements are recorded against (the shipped needs in
//! the partnership's words, and the needs it added), and the form that renames or adds one.

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
use wholeplace_service::{Access, DataClass, FieldError, NeedForm, NeedView};

#[derive(Template)]
#[template(path = "needs.html")]
pub(crate) struct NeedsPage {
    layout: Layout,
    needs: Vec<NeedView>,
    can_edit: bool,
    fields: Vec<Field>,
}

async fn needs_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &NeedForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let needs = state.service.list_needs(&s.actor).await?;
    let fields = vec![
        Field::select(
            "key",
            "The need to rename",
            options(
                "None: add a new need",
                needs.iter().map(|n| (&n.key, n.label.clone())),
            ),
            &f.key,
        ),
        Field::text(
            "label",
            "What the partnership calls it",
            "Such as 'Food poverty'. Involvements already recorded keep their need and show the new name",
            &f.label,
        ),
    ];
    let page = NeedsPage {
        layout: layout(state, s, "families").with_errors(errors),
        can_edit: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        needs,
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn needs(State(state): State<AppState>, s: SignedIn) -> PageResult {
    needs_page(&state, &s, StatusCode::OK, &NeedForm::default(), Vec::new()).await
}

pub async fn set_need(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: NeedForm = form.typed()?;
    saved(
        state.service.set_need(&s.actor, &f).await,
        |_| "/needs".to_owned(),
        |status, errors| needs_page(&state, &s, status, &f, errors),
    )
    .await
}
