//! The edge of the application: what every request and every error response passes through.
//!
//! - Control characters (NUL and the other C0 codes that are not white space, and
//!   DEL) are refused where they enter: in the path, the query and JSON bodies here; in form
//!   fields by [`crate::form::FormFields`]; in uploaded tables by `wholeplace-tabular`. Each
//!   refusal is a 400 naming the parameter or field. (SQLite stores NUL; PostgreSQL cannot, so
//!   letting one through made the two backends differ and PostgreSQL answer 500.)
//! - Error responses made by the framework rather than by our handlers (a body over the size
//!   limit, a wrong content type, an unreadable body) have no page of ours: they are replaced by
//!   the house-style error page, or by the JSON error envelope under `/api/`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
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
        return client_error(
            api,
            StatusCode::BAD_REQUEST,
            None,
            "The web address contains a control character (such as %00): remove it and try again",
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
    let request = if api && has_body(request.method()) && is_json(&request) {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return client_error(
                    true,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    None,
                    &framework_message(StatusCode::PAYLOAD_TOO_LARGE),
                );
            }
        };
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some((field, pos)) = json_control(&value, "")
        {
            let shown = if field.is_empty() { "/" } else { &field };
            return client_error(
                true,
                StatusCode::BAD_REQUEST,
                Some(shown),
                &control_message(&format!("The field '{shown}'"), pos),
            );
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    let response = next.run(request).await;
    house_style(api, response)
}

fn has_body(m: &Method) -> bool {
    matches!(*m, Method::POST | Method::PUT | Method::PATCH)
}

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// The JSON pointer of the first string (or key) holding a refused character, and where in it.
fn json_control(value: &serde_json::Value, at: &str) -> Option<(String, usize)> {
    match value {
        serde_json::Value::String(s) => refused_position(s).map(|p| (at.to_owned(), p)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| json_control(v, &format!("{at}/{i}"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            match refused_position(k) {
                Some(p) => Some((here, p)),
                None => json_control(v, &here),
            }
        }),
        _ => None,
    }
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

    #[test]
    fn json_strings_and_keys_are_checked_with_their_pointer() {
        let v =
            serde_json::json!({"name": "ok", "lines": [{"note": "fine"}, {"note": "bad\u{0}"}]});
        assert_eq!(json_control(&v, ""), Some(("/lines/1/note".into(), 4)));
        let v = serde_json::json!({"a/b\u{1}": 1});
        assert_eq!(json_control(&v, ""), Some(("/a~1b\u{1}".into(), 4)));
        assert_eq!(json_control(&serde_json::json!({"n": 3}), ""), None);
    }
}
