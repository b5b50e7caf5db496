//! Form fields rendered by `templates/fields.html` (GOV.UK form groups with hint, error and value),
//! the generic one-form page (`templates/form.html`) and the generic delete confirmation.

use crate::layout::Layout;
use askama::Template;

/// One form field: a text input, a select (when it has options), checkboxes (when it has options
/// and `chosen`), or a textarea (when it has rows).
pub(crate) struct Field {
    pub chosen: Option<Vec<String>>,
    pub name: &'static str,
    pub label: &'static str,
    pub hint: String,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub rows: u32,
    pub width: &'static str,
}

impl Field {
    pub fn text(name: &'static str, label: &'static str, hint: &str, value: &str) -> Self {
        Self {
            name,
            label,
            hint: hint.to_owned(),
            value: value.to_owned(),
            options: Vec::new(),
            rows: 0,
            width: "",
            chosen: None,
        }
    }

    /// Checkboxes: pick any of `options`; `chosen` are ticked.
    pub fn checkboxes(
        name: &'static str,
        label: &'static str,
        hint: &str,
        options: Vec<(String, String)>,
        chosen: &[String],
    ) -> Self {
        Self {
            options,
            chosen: Some(chosen.to_vec()),
            ..Self::text(name, label, hint, "")
        }
    }

    pub fn narrow(mut self) -> Self {
        self.width = "govuk-input--width-10";
        self
    }

    pub fn select(
        name: &'static str,
        label: &'static str,
        options: Vec<(String, String)>,
        value: &str,
    ) -> Self {
        Self {
            options,
            ..Self::text(name, label, "", value)
        }
    }
}

/// A page with one form of [`Field`]s (and, for appraisals, the upload form).
#[derive(Template)]
#[template(path = "form.html")]
pub(crate) struct FormPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: Vec<String>,
    pub back: (String, String),
    pub action: String,
    pub fields: Vec<Field>,
    pub submit: &'static str,
    pub upload: Option<Vec<(String, String)>>,
}

/// "Are you sure?" before a destructive change: what will go, and the button that does it.
#[derive(Template)]
#[template(path = "confirm_delete.html")]
pub(crate) struct ConfirmDeletePage {
    pub layout: Layout,
    pub heading: String,
    pub rows: Vec<(&'static str, String)>,
    pub warning: String,
    pub action: String,
    pub cancel: String,
    pub button: &'static str,
}
