//! Form fields rendered by `templates/fields.html` (GOV.UK form groups with hint, error and value).

/// One form field: a text input, a select (when it has options) or a textarea (when it has rows).
pub(crate) struct Field {
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
