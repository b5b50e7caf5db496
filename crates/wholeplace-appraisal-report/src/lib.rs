//! The input and output edge of the evidence engine, as a library: reads model files (TOML or
//! an XLSX model workbook), builds reports, renders results as a terminal summary (`text`), JSON,
//! an XLSX results workbook (`xlsx`) and an HTML report from askama templates (`html`, with
//! `templates/report/`), and writes model workbooks (`model_xlsx`). `charts` holds every SVG chart
//! of the report and of the web pages (askama templates in `templates/charts/`). The
//! `wholeplace appraise` and `wholeplace unit-costs` command lines are the CLI crate's.

pub mod charts;
pub mod html;
pub mod model_xlsx;
pub mod report;
pub mod text;
pub mod xlsx;

pub use html::{report_html_document, report_html_fragment};
pub use model_xlsx::{WorkbookLayout, model_xlsx, read_model_xlsx};
pub use report::{
    ModelInput, ModelSource, ReportError, build_report, build_report_from, read_model,
    report_from_prepared,
};
pub use text::text_summary;
pub use xlsx::report_xlsx;

use wholeplace_appraisal::montecarlo::McResults;
use wholeplace_appraisal::{AppraisalResults, Engine, PreparedModel};

/// A model's results with its optional Monte Carlo run: what every renderer takes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Deterministic results.
    pub results: AppraisalResults,
    /// Monte Carlo results, if run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<McResults>,
    /// The model as read (for the workbook's Inputs sheet; not part of the JSON).
    #[serde(skip)]
    pub model: Option<wholeplace_appraisal::ModelFile>,
}

/// Parses and prepares a model from TOML text with the given engine (errors list every problem).
pub fn prepare_toml(
    engine: &Engine,
    src: &str,
) -> Result<PreparedModel, wholeplace_appraisal::ModelErrors> {
    engine.prepare_text(src)
}

/// Results as pretty JSON.
pub fn report_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Money as the UK reader expects, to the pound.
pub(crate) fn gbp(x: f64) -> String {
    wholeplace_domain::Money::from_pounds_f64(x)
        .map(|m| {
            let s = m.to_full_string();
            s.rsplit_once('.').map(|(a, _)| a.to_owned()).unwrap_or(s)
        })
        .unwrap_or_else(|_| format!("£{x:.0}"))
}

/// A ratio to two decimals or a dash.
pub(crate) fn ratio(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}
