//! The edge of the application: what every request and every error response passes through.
//!
//! - Control characters (NUL and the other C0 codes that are not white space, and
//!   DEL) are refused where they enter: in the query here (400 naming the parameter; a path with
//!   one names nothing, so 404); in form fields by [`crate::form::FormFields`]; in API bodies by
//!   the contract's field rules (`api/contract.rs`, 422 naming the field); in uploaded tables by
//!   `wholeplace-tabular`. (SQLite stores NUL; PostgreSQL cannot, so
//!   letting one through made the two backends differ and PostgreSQL answer 500.)
//! - Error responses made by the framework rather than by our handlers (a body over the size
//!   limit, a wrong content type, an unreadable body) have no page of ours: they are replaced by
//!   the house-style error page, or by the JSON error envelope under `/api/`.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest request body: uploads of spreadsheets and model workbooks included.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub use wholeplace_tabular::is_refused_control;

/// The position (1-based, in characters) of the first refused character, if any.
pub fn refused_position(text: &str) -> Option<usize> {
    text.chars().position(is_refused_control).map(|p| p + 1)
}

/// The sentence that says where a control character was found and what to do.
pub fn control_message(what: &str, position: usize) -> String {
    format!(
        "{what} contains a control character (an invisible character such as NUL) at character {position}: remove it and try again"
    )
}

/// A percent-encoded path: is any encoded byte a refused control character?
fn encoded_control(path: &str) -> bool {
    let b = path.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    b.windows(3).any(|w| {
        w[0] == b'%'
            && matches!((hex(w[1]), hex(w[2])), (Some(h), Some(l)) if {
                let v = h * 16 + l;
                (v < 0x20 && !(0x09..=0x0d).contains(&v)) || v == 0x7f
            })
    })
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A 4xx in the shape the caller expects: the JSON error envelope under `/api/`, the house page
/// elsewhere. `field` names the parameter or field at fault, if one is.
pub fn client_error(api: bool, status: StatusCode, field: Option<&str>, message: &str) -> Response {
    if api {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::UNPROCESSABLE_ENTITY => "validation",
            _ => "bad_request",
        };
        let fields: Vec<serde_json::Value> = field
            .map(|f| serde_json::json!({ "field": f, "message": message }))
            .into_iter()
            .collect();
        let body =
            serde_json::json!({ "error": { "code": code, "message": message, "fields": fields } });
        (status, axum::Json(body)).into_response()
    } else {
        let heading = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "The file is too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "The request is in a form this page cannot read",
            StatusCode::METHOD_NOT_ALLOWED => "This page cannot be used that way",
            StatusCode::NOT_FOUND => "Page not found",
            _ => "There is a problem with the request",
        };
        crate::error::message_page(
            status,
            heading,
            vec![message.to_owned()],
            Some(("/", "Go to the home page")),
        )
    }
}

/// What to say for a framework-made error with this status.
fn framework_message(status: StatusCode) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "The request is larger than {} MiB, the most wholeplace accepts. Split the file into smaller ones and upload each.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "The request body is not of the content type this address reads (the API reads application/json)."
                .to_owned()
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            "The address is right, but it does not accept that kind of request.".to_owned()
        }
        StatusCode::NOT_FOUND => "There is nothing at this address.".to_owned(),
        _ => "The request could not be read. Check it and try again.".to_owned(),
    }
}

/// Refuses control characters in the path and query, and in JSON bodies; answers with the
/// house style any error response that has no page or envelope of its own.
pub async fn guard(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let api = is_api(&path);
    if encoded_control(&path) {
        // No page or record is named with a control character: there is nothing at this address.
        return client_error(
            api,
            StatusCode::NOT_FOUND,
            None,
            "There is nothing at this address: it contains a control character (such as %00).",
        );
    }
    if let Some(query) = request.uri().query()
        && encoded_control(query)
    {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let name = pairs
            .iter()
            .find(|(k, v)| refused_position(k).is_some() || refused_position(v).is_some())
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| "query".to_owned());
        let pos = pairs
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| refused_position(v))
            .unwrap_or(1);
        return client_error(
            api,
            StatusCode::BAD_REQUEST,
            Some(&name),
            &control_message(&format!("The query parameter '{name}'"), pos),
        );
    }
    let response = next.run(request).await;
    house_style(api, response)
}

/// Replaces an error response that is not one of ours (not HTML, not JSON) with one that is.
fn house_style(api: bool, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if ours {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let retry = response.headers().get(header::RETRY_AFTER).cloned();
    let mut replaced = client_error(api, status, None, &framework_message(status));
    *replaced.status_mut() = status;
    for (name, value) in [(header::ALLOW, allow), (header::RETRY_AFTER, retry)] {
        if let Some(v) = value {
            replaced.headers_mut().insert(name, v);
        }
    }
    replaced
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_and_located() {
        assert_eq!(refused_position("Kent County Council"), None);
        assert_eq!(refused_position("line one\r\nline two\tend"), None);
        assert_eq!(refused_position("a\0b"), Some(2));
        assert_eq!(refused_position("\u{7f}"), Some(1));
        assert_eq!(refused_position("caf\u{e9} \u{1b}"), Some(6));
        // Non-ASCII letters and symbols are text, not control characters.
        assert_eq!(refused_position("Ynys M\u{f4}n \u{a3}12"), None);
    }

    #[test]
    fn encoded_controls_in_paths_and_queries_are_seen() {
        assert!(encoded_control("/audit?actor=a%00b"));
        assert!(encoded_control("actor=a%1fb"));
        assert!(encoded_control("x=%7F"));
        assert!(!encoded_control("actor=a%20b&line=%0A"));
        assert!(!encoded_control("/places/12"));
        assert!(!encoded_control("q=100%"));
    }
}
