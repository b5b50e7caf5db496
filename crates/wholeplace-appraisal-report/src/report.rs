//! Building a report from a model: reading a model file (TOML or an XLSX model workbook), applying
//! a price-base override, preparing the model and running the appraisal with its optional Monte
//! Carlo. Problems come back as a [`ReportError`] naming the file, line, sheet or cell.

use crate::{Report, WorkbookLayout, read_model_xlsx};
use std::path::{Path, PathBuf};
use wholeplace_appraisal::montecarlo::{McConfig, monte_carlo};
use wholeplace_appraisal::{Engine, ModelFile, SeededRng, appraise};

/// Why a report could not be built; the message says where and what.
#[derive(Debug)]
pub enum ReportError {
    /// The model file could not be read.
    Read {
        /// The model file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The model has problems: every one, by line or by sheet and cell.
    Model {
        /// The model file, when the model was read from one.
        file: Option<PathBuf>,
        /// The problems.
        problems: String,
    },
    /// The price-base override is not a financial year the engine can use.
    PriceBase(String),
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read { path, source } => {
                write!(f, "reading the model {}: {source}", path.display())
            }
            Self::Model {
                file: Some(path),
                problems,
            } => write!(f, "in {}: {problems}", path.display()),
            Self::Model {
                file: None,
                problems,
            } => f.write_str(problems),
            Self::PriceBase(m) => write!(f, "--price-base: {m}"),
        }
    }
}

impl std::error::Error for ReportError {}

impl ReportError {
    fn model(problems: impl std::fmt::Display) -> Self {
        Self::Model {
            file: None,
            problems: problems.to_string(),
        }
    }
}

/// Builds the report for a model text (used by the CLI and tests).
///
/// # Errors
/// When the model does not parse or prepare, or the price base is not usable.
pub fn build_report(
    engine: &Engine,
    src: &str,
    price_base: Option<&str>,
    draws: u32,
    seed: u64,
    keep_draws: bool,
) -> Result<Report, ReportError> {
    // Every problem at once: the format's and the engine's.
    if price_base.is_none()
        && let Err(e) = engine.prepare_text(src)
    {
        return Err(ReportError::model(e));
    }
    let file = wholeplace_appraisal::parse_model_toml(src).map_err(ReportError::model)?;
    build_report_from(
        engine,
        file,
        ModelSource::Toml(src),
        price_base,
        draws,
        seed,
        keep_draws,
    )
}

/// Where a model came from, so that problems name its lines or its sheets and cells.
#[derive(Debug, Clone, Copy)]
pub enum ModelSource<'a> {
    /// TOML text (problems name lines).
    Toml(&'a str),
    /// A model workbook (problems name sheets and cells).
    Workbook(&'a WorkbookLayout),
}

/// Builds the report for a model already read.
///
/// # Errors
/// When the model does not prepare, or the price base is not usable.
pub fn build_report_from(
    engine: &Engine,
    mut file: ModelFile,
    source: ModelSource<'_>,
    price_base: Option<&str>,
    draws: u32,
    seed: u64,
    keep_draws: bool,
) -> Result<Report, ReportError> {
    if let Some(pb) = price_base {
        file.appraisal.price_base = Some(
            pb.parse()
                .map_err(|e| ReportError::PriceBase(format!("{e}")))?,
        );
    }
    let prepared = match source {
        ModelSource::Toml(src) => engine.prepare(&file, Some(src)),
        ModelSource::Workbook(layout) => engine
            .prepare(&file, None)
            .map_err(|e| layout.locate_all(e)),
    }
    .map_err(ReportError::model)?;
    Ok(report_from_prepared(
        &prepared, file, draws, seed, keep_draws,
    ))
}

/// The report of a model already prepared (so a caller that needed the preparation's own
/// problems does not prepare twice): results, and Monte Carlo over `draws` draws from `seed`.
pub fn report_from_prepared(
    prepared: &wholeplace_appraisal::PreparedModel,
    file: ModelFile,
    draws: u32,
    seed: u64,
    keep_draws: bool,
) -> Report {
    let results = appraise(prepared);
    let monte_carlo = (draws > 0).then(|| {
        monte_carlo(
            prepared,
            &McConfig { draws, keep_draws },
            &mut SeededRng::new(seed),
        )
    });
    Report {
        results,
        monte_carlo,
        model: Some(file),
    }
}

/// Reads a model file: TOML, or an XLSX model workbook (by extension).
///
/// # Errors
/// When the file cannot be read, or does not parse (naming the file).
pub fn read_model(path: &Path, engine: &Engine) -> Result<(ModelFile, ModelInput), ReportError> {
    let is_xlsx = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("xlsx"));
    let read_error = |source| ReportError::Read {
        path: path.to_owned(),
        source,
    };
    let in_file = |problems: String| ReportError::Model {
        file: Some(path.to_owned()),
        problems,
    };
    if is_xlsx {
        let bytes = std::fs::read(path).map_err(read_error)?;
        let (file, layout) = read_model_xlsx(&bytes).map_err(|e| in_file(e.to_string()))?;
        Ok((file, ModelInput::Workbook(layout)))
    } else {
        let src = std::fs::read_to_string(path).map_err(read_error)?;
        // A file the format refuses is checked by the engine too, so every problem is named.
        let file = wholeplace_appraisal::parse_model_toml(&src)
            .map_err(|e| in_file(engine.prepare_text(&src).err().unwrap_or(e).to_string()))?;
        Ok((file, ModelInput::Toml(src)))
    }
}

/// What a model was read from (owned).
#[derive(Debug, Clone)]
pub enum ModelInput {
    /// The TOML text.
    Toml(String),
    /// The workbook's layout.
    Workbook(WorkbookLayout),
}

impl ModelInput {
    /// Borrowed form.
    pub fn source(&self) -> ModelSource<'_> {
        match self {
            ModelInput::Toml(s) => ModelSource::Toml(s),
            ModelInput::Workbook(l) => ModelSource::Workbook(l),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{report_json, text_summary};

    const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

    #[test]
    fn example_renders_in_every_format() {
        let e = Engine::shipped().expect("engine");
        let r = build_report(&e, EXAMPLE, None, 300, 7, false).expect("report");
        let t = text_summary(&r);
        assert!(t.contains("Net present budget impact") && t.contains("CC BY 4.0"));
        let j: serde_json::Value = serde_json::from_str(&report_json(&r)).expect("json");
        assert!(j["results"]["options"][0]["summary"]["npbi"].is_number());
        let frag = crate::report_html_fragment(&r);
        assert!(!frag.contains("<script") && !frag.contains("style="));
        assert_eq!(
            frag.matches("<svg").count(),
            frag.matches("<title id=").count()
        );
        assert!(frag.matches("<svg").count() >= 5);
        assert!(frag.contains("govuk-summary-list") && frag.contains("Unit Cost Database v1.4"));
        let doc = crate::report_html_document(&r);
        assert!(doc.starts_with("<!DOCTYPE html>") && doc.contains("<style>"));
    }

    #[test]
    fn price_base_override_outside_the_series_explains() {
        let e = Engine::shipped().expect("engine");
        let err = build_report(&e, EXAMPLE, Some("2024/25"), 0, 1, false).expect_err("not covered");
        assert!(format!("{err:#}").contains("newer deflator series"));
    }

    #[test]
    fn errors_name_the_option_and_the_file() {
        let e = Engine::shipped().expect("engine");
        let err = build_report(&e, EXAMPLE, Some("last year"), 0, 1, false).expect_err("no year");
        assert!(err.to_string().starts_with("--price-base: "), "{err}");
        let dir = std::env::temp_dir().join(format!("wholeplace-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[appraisal\n").expect("write");
        let err = read_model(&bad, &e).expect_err("does not parse");
        assert!(
            err.to_string()
                .starts_with(&format!("in {}: ", bad.display())),
            "{err}"
        );
        let missing = dir.join("missing.toml");
        let err = read_model(&missing, &e).expect_err("no file");
        assert!(
            err.to_string()
                .starts_with(&format!("reading the model {}: ", missing.display())),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
