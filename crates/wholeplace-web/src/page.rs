//! What every signed-in page handler shares: its frame, its path ids and its file downloads.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::error::render;
use crate::fields::ConfirmDeletePage;
use crate::layout::Layout;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wholeplace_service::FieldError;

/// What a page handler answers.
pub(crate) type PageResult = Result<Response, WebError>;

/// The page frame for the signed-in user, with `section` current in the navigation.
pub(crate) fn layout(state: &AppState, s: &SignedIn, section: &str) -> Layout {
    Layout::signed_in(&s.user, &s.session.csrf_token, section, state.config.demo)
}

/// A record id from the path; anything else is a page that does not exist.
pub(crate) fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// A file to save, with its name.
pub(crate) fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn vocabulary(v: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "Select".to_owned()))
        .chain(v.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())))
        .collect()
}

pub(crate) fn confirm(
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

pub(crate) fn options(
    first: &str,
    items: impl IntoIterator<Item = (impl std::fmt::Display, String)>,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), first.to_owned()))
        .chain(items.into_iter().map(|(id, n)| (id.to_string(), n)))
        .collect()
}

/// A record id from the path, as text. A segment that is not even text (such as `%FF`) is a
/// page that does not exist, like any other id that is not a number.
pub struct PathSegment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathSegment {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|_| WebError::NotFound)
    }
}

/// A page's query string. One that the page's own form could not have sent (a repeated field,
/// say) gets the service's "problem with the request" page rather than the framework's text.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| Self(q))
            .map_err(|_| {
                WebError::BadRequest(
                    "The web address has a search this page cannot read. Use the page's own form to filter.".to_owned(),
                )
            })
    }
}

/// The status of a form shown again with its problems, from the service's answer table (the
/// API's for the same problems): 422, or 409 when every problem clashes with stored records.
pub(crate) fn problems_status(problems: &[FieldError]) -> StatusCode {
    StatusCode::from_u16(wholeplace_service::validation_answer(problems).status)
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// The end of every form post. The use case's result becomes a redirect to the page `to` names
/// (303 See Other) when it succeeded; the form again with its problems when the input had any
/// (`again`, given [`problems_status`] and the problems for the GOV.UK error summary); and any
/// other refusal its own page, with the status from the service's answer table.
pub(crate) async fn saved<T, Fut>(
    result: wholeplace_service::ServiceResult<T>,
    to: impl FnOnce(T) -> String,
    again: impl FnOnce(StatusCode, Vec<FieldError>) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match result {
        Ok(v) => Ok(axum::response::Redirect::to(&to(v)).into_response()),
        Err(wholeplace_service::ServiceError::Validation(errors)) => {
            again(problems_status(&errors), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The first step of a page that offers a change to the record its path names: the record's id,
/// once the service has let the actor begin `action` on it (a refusal is audited there).
pub(crate) async fn begin_on<T: wholeplace_domain::RecordId + std::str::FromStr>(
    state: &AppState,
    s: &SignedIn,
    action: wholeplace_service::AuditAction,
    raw_id: &str,
) -> Result<T, WebError> {
    let id: T = parse_id(raw_id)?;
    state
        .service
        .begin(&s.actor, action, Some(id.raw()))
        .await?;
    Ok(id)
}
