//! One error type for pages: each kind renders a page in the service's style with the right status.
//! Internal failures are logged with a reference the user can quote; their details never reach the page.

use crate::layout::Layout;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use wholeplace_service::ServiceError;

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: go to the sign-in page, then back to `next`.
    NotSignedIn(String),
    /// Signed in but must choose a password first.
    MustChangePassword,
    /// Not allowed.
    Forbidden(String),
    /// The form's token is missing or stale.
    Csrf,
    /// No such page or record.
    NotFound,
    /// The request itself is malformed.
    BadRequest(String),
    /// The service refused the request with this status (from [`ServiceError::answer`]).
    Refused(StatusCode, String),
    /// The request body is over the size limit.
    TooLarge,
    /// Something failed inside.
    Internal(String),
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
}

/// Renders a template, turning a rendering failure into a logged internal error.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, WebError> {
    t.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// A plain message page with a status.
pub fn message_page(
    status: StatusCode,
    heading: &str,
    paragraphs: Vec<String>,
    link: Option<(&str, &str)>,
) -> Response {
    let page = MessagePage {
        layout: Layout::default(),
        heading: heading.to_owned(),
        paragraphs,
        link: link.map(|(a, b)| (a.to_owned(), b.to_owned())),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, heading.to_owned()).into_response(),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotSignedIn(next) => {
                let target = if next.is_empty() || next == "/" {
                    "/sign-in".to_owned()
                } else {
                    format!("/sign-in?next={}", serde_urlencoded::to_string([("", next.as_str())]).unwrap_or_default().trim_start_matches('='))
                };
                Redirect::to(&target).into_response()
            }
            WebError::MustChangePassword => Redirect::to("/account/password").into_response(),
            WebError::Forbidden(msg) => message_page(
                StatusCode::FORBIDDEN,
                "You do not have permission to see this page",
                vec![msg, "If you need access, ask your partnership's administrator.".to_owned()],
                Some(("/", "Go to the home page")),
            ),
            WebError::Csrf => message_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                vec!["For your security, forms work only from the page that showed them, while you are signed in. Nothing was changed.".to_owned()],
                Some(("/", "Go to the home page and try again")),
            ),
            WebError::NotFound => message_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                vec!["If you typed the web address, check it is correct.".to_owned(), "If you pasted the web address, check you copied the entire address.".to_owned()],
                Some(("/", "Go to the home page")),
            ),
            WebError::TooLarge => message_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The file is too large",
                vec![format!("wholeplace accepts uploads of up to {} MiB. Split the file into smaller ones and upload each; nothing was changed.", crate::edge::MAX_BODY_BYTES / (1024 * 1024))],
                Some(("/", "Go to the home page")),
            ),
            WebError::BadRequest(msg) => message_page(StatusCode::BAD_REQUEST, "There is a problem with the request", vec![msg], Some(("/", "Go to the home page"))),
            WebError::Refused(status, msg) => message_page(status, "There is a problem with the request", vec![msg], Some(("/", "Go to the home page"))),
            WebError::Internal(detail) => {
                let reference = log_internal(&detail);
                let mut r = message_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    vec![format!("Try again later. If it keeps happening, tell your administrator and quote reference {reference}.")],
                    None,
                );
                r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
                r
            }
        }
    }
}

/// Logs an internal failure's details for the operator and returns the reference the user is
/// shown, so the two can be matched. Pages and the API both use it.
pub fn log_internal(detail: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    let reference = format!("{:08x}", h.finish() as u32);
    tracing::error!(reference = %reference, detail = %detail, "internal error");
    reference
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        let status = StatusCode::from_u16(e.answer().status).unwrap_or(StatusCode::BAD_REQUEST);
        match e {
            ServiceError::Forbidden(m) => WebError::Forbidden(m),
            ServiceError::NotFound => WebError::NotFound,
            ServiceError::Unauthenticated(_) => WebError::NotSignedIn(String::new()),
            ServiceError::Validation(errs) => WebError::Refused(
                status,
                errs.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(". "),
            ),
            ServiceError::Conflict(what) => {
                WebError::Refused(status, format!("{what} already exists"))
            }
            ServiceError::Throttled { retry_after_mins } => WebError::Refused(
                status,
                format!("Too many attempts: try again in {retry_after_mins} minutes"),
            ),
            ServiceError::Internal(detail) => WebError::Internal(detail),
        }
    }
}
