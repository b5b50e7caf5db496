//! What a use case can answer instead of a result. Front ends map each kind to a page or a status.

use wholeplace_store::StoreError;

/// One problem with one field of a form, said so that the user can fix it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The form field's name (the id the error summary links to).
    pub field: String,
    /// What is wrong and how to put it right.
    pub message: String,
    /// The value is well formed but clashes with stored records: a name already taken, a
    /// record that does not exist, a record still in use. The API answers 409 when every problem
    /// is of this kind, 422 otherwise; pages show both alike.
    #[serde(skip)]
    pub conflict: bool,
}

impl FieldError {
    /// A field error: the value itself breaks a rule.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            conflict: false,
        }
    }

    /// A field whose value clashes with stored records (see [`FieldError::conflict`]).
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self {
            conflict: true,
            ..Self::new(field, message)
        }
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is invalid; every problem is listed.
    #[error("the request has {} problem(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// Not signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed sign-ins.
    #[error("too many failed sign-ins: try again in {retry_after_mins} minutes")]
    Throttled {
        /// Minutes until the next try.
        retry_after_mins: i64,
    },
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such record.
    #[error("not found")]
    NotFound,
    /// Clashes with an existing record.
    #[error("{0} already exists")]
    Conflict(String),
    /// Something failed inside; details go to the operator's log only.
    #[error("internal error")]
    Internal(String),
}

/// How every front end answers a [`ServiceError`]: the HTTP status and the API's error code.
/// Pages and the API both read this one table, so the same refusal has the same status
/// everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The API's `error.code`.
    pub code: &'static str,
}

impl ServiceError {
    /// This error's [`Answer`]:
    ///
    /// | error | status | code |
    /// | --- | --- | --- |
    /// | validation, every problem a clash with stored records | 409 | `conflict` |
    /// | validation | 422 | `validation` |
    /// | not signed in | 401 | `unauthenticated` |
    /// | throttled | 429 | `throttled` |
    /// | forbidden | 403 | `forbidden` |
    /// | not found | 404 | `not_found` |
    /// | conflict (a name taken) | 409 | `conflict` |
    /// | internal | 500 | `internal` |
    pub fn answer(&self) -> Answer {
        let (status, code) = match self {
            ServiceError::Validation(f) => return validation_answer(f),
            ServiceError::Unauthenticated(_) => (401, "unauthenticated"),
            ServiceError::Throttled { .. } => (429, "throttled"),
            ServiceError::Forbidden(_) => (403, "forbidden"),
            ServiceError::NotFound => (404, "not_found"),
            ServiceError::Conflict(_) => (409, "conflict"),
            ServiceError::Internal(_) => (500, "internal"),
        };
        Answer { status, code }
    }
}

/// The [`Answer`] for these problems with a request: 409 `conflict` when every one is a clash with
/// stored records, else 422 `validation`. A page that shows its form again with the problems
/// answers with this status too.
pub fn validation_answer(problems: &[FieldError]) -> Answer {
    if !problems.is_empty() && problems.iter().all(|e| e.conflict) {
        Answer {
            status: 409,
            code: "conflict",
        }
    } else {
        Answer {
            status: 422,
            code: "validation",
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict(what) => ServiceError::Conflict(what),
            StoreError::Backend(msg) => ServiceError::Internal(msg),
        }
    }
}

/// Shorthand.
pub type ServiceResult<T> = Result<T, ServiceError>;
