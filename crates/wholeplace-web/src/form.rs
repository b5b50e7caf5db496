//! Form bodies read as name/value pairs, so repeated fields (checkboxes) and missing fields never
//! make a request fail before the handler can say, politely, what is wrong.

use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

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

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            WebError::BadRequest("The form could not be read. Go back and try again.".to_owned())
        })?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(FormFields)
            .map_err(|_| {
                WebError::BadRequest(
                    "The form could not be read. Go back and try again.".to_owned(),
                )
            })
    }
}
