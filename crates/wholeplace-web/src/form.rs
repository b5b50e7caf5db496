//! Form bodies read as name/value pairs, so repeated fields (checkboxes) and missing fields never
//! make a request fail before the handler can say, politely, what is wrong.

use crate::auth::ExpectedCsrf;
use crate::edge::{control_message, is_refused_control, refused_position};
use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use wholeplace_service::secret::constant_time_eq;

/// The fields of a submitted `application/x-www-form-urlencoded` form.
#[derive(Debug, Default)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every field, in the order sent.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The error for an unreadable request body or upload with this status: too large, or not
/// readable.
pub fn body_error(status: StatusCode, what: &str) -> WebError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge
    } else {
        WebError::BadRequest(format!(
            "The {what} could not be read. Go back and try again."
        ))
    }
}

/// The error for an upload that could not be read: too large when any error in the chain is the
/// body's length limit (the framework reports a limit met while streaming as a 500), else
/// unreadable.
pub fn upload_error(e: &(dyn std::error::Error + 'static)) -> WebError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>()
            || c.to_string().contains("length limit exceeded")
        {
            return WebError::TooLarge;
        }
        cause = c.source();
    }
    body_error(StatusCode::BAD_REQUEST, "upload")
}

/// A submitted form whose `csrf_token` field matched the signed-in session's: every form handler
/// takes this instead of checking the token by hand. It must follow a session extractor
/// ([`crate::auth::SignedIn`] or one of its kin), which leaves the expected token in the request;
/// without one, or with a wrong token, the answer is the "form has expired" page and nothing
/// changes.
#[derive(Debug)]
pub struct CsrfForm(pub FormFields);

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req.extensions().get::<ExpectedCsrf>().cloned();
        let fields = FormFields::from_request(req, state).await?;
        match expected {
            Some(ExpectedCsrf(token)) if constant_time_eq(&token, fields.get("csrf_token")) => {
                Ok(CsrfForm(fields))
            }
            _ => Err(WebError::Csrf),
        }
    }
}

impl FormFields {
    /// The fields as a typed form: each struct field takes the first value of the form field of
    /// its name ("" when absent, with `#[serde(default)]`). Repeated fields are read with
    /// [`FormFields::all`].
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Result<T, WebError> {
        let mut seen = std::collections::HashSet::new();
        let firsts: Vec<(&str, &str)> = self
            .0
            .iter()
            .filter(|(k, _)| seen.insert(k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let encoded = serde_urlencoded::to_string(firsts)
            .map_err(|_| body_error(StatusCode::BAD_REQUEST, "form"))?;
        serde_urlencoded::from_str(&encoded)
            .map_err(|_| body_error(StatusCode::BAD_REQUEST, "form"))
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status(), "form"))?;
        let fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map_err(|_| body_error(StatusCode::BAD_REQUEST, "form"))?;
        for (name, value) in &fields {
            if let Some(pos) = refused_position(value).or_else(|| refused_position(name)) {
                return Err(WebError::BadRequest(control_message(
                    &format!("The field '{}'", name.replace(is_refused_control, "?")),
                    pos,
                )));
            }
        }
        Ok(FormFields(fields))
    }
}
