//! What every signed-in page handler shares: its frame, its path ids and its file downloads.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::layout::Layout;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The page frame for the signed-in user, with `section` current in the navigation.
pub(crate) fn layout(state: &AppState, s: &SignedIn, section: &str) -> Layout {
    Layout::signed_in(&s.user, &s.session.csrf_token, section, state.config.demo)
}

/// A record id from the path; anything else is a page that does not exist.
pub(crate) fn parse_id(raw: &str) -> Result<i64, WebError> {
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
