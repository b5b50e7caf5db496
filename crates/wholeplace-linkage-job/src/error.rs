//! The job's error: one message that names the file, line or key at fault and how to fix it,
//! with the causes after it as `context: cause: cause`. Built with [`Context`] and the
//! [`ensure!`] and [`bail!`] macros, crate-internal.

use std::error::Error;
use std::fmt::{self, Display, Write as _};

/// Why a linkage job stopped: the file, line or key at fault and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    message: String,
}

impl JobError {
    /// An error with this message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message, with its causes.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for JobError {}

/// An error's message followed by each of its causes, `error: cause: cause`.
fn with_causes(e: &dyn Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let _ = write!(s, ": {c}");
        cause = c.source();
    }
    s
}

macro_rules! from_errors {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for JobError {
            fn from(e: $t) -> Self {
                Self::new(with_causes(&e))
            }
        })*
    };
}

from_errors!(
    std::io::Error,
    std::fmt::Error,
    csv::Error,
    serde_json::Error,
    wholeplace_linkage::LinkageError,
);

/// Context on a failure: what was being done, before the cause.
pub(crate) trait Context<T> {
    /// Puts `context` before the cause (or, on `None`, makes it the message).
    fn context<C: Display>(self, context: C) -> Result<T, JobError>;
    /// As `context`, computed only on failure.
    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T, JobError>;
}

impl<T, E: Into<JobError>> Context<T> for Result<T, E> {
    fn context<C: Display>(self, context: C) -> Result<T, JobError> {
        self.with_context(|| context)
    }

    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T, JobError> {
        self.map_err(|e| JobError::new(format!("{}: {}", f(), e.into().message)))
    }
}

impl<T> Context<T> for Option<T> {
    fn context<C: Display>(self, context: C) -> Result<T, JobError> {
        self.with_context(|| context)
    }

    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T, JobError> {
        self.ok_or_else(|| JobError::new(f().to_string()))
    }
}

/// Returns a [`JobError`] with the formatted message.
macro_rules! bail {
    ($($arg:tt)+) => {
        return Err($crate::JobError::new(format!($($arg)+)))
    };
}

/// Returns a [`JobError`] with the formatted message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            $crate::error::bail!($($arg)+);
        }
    };
}

pub(crate) use {bail, ensure};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_comes_before_the_cause_and_causes_follow() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Err::<(), _>(io)
            .context("cannot open a.csv")
            .expect_err("fails");
        assert_eq!(e.to_string(), "cannot open a.csv: no such file");
        let e = Err::<(), _>(e).context("reading").expect_err("fails");
        assert_eq!(e.message(), "reading: cannot open a.csv: no such file");
        let e = None::<()>.context("no records read").expect_err("none");
        assert_eq!(e.to_string(), "no records read");
    }
}
