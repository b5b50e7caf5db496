//! Appraisals: the evidence engine's models stored per partnership, built through forms or
//! uploaded as a model workbook or model text, and their reports and downloads; and the
//! unit-cost library to browse. Reading is open to every signed-in role (appraisals hold no
//! personal data); creating, changing and deleting needs an analyst or administrator, and every
//! change is in the audit log.
//!
//! A stored appraisal is its model text in the documented format (docs/APPRAISAL-MODEL.md), so
//! what was appraised can always be read again. A model may be stored while it is incomplete (a
//! new appraisal has no lines yet); its page then lists what is missing and how to add it.

use crate::audit_action::AuditAction;
use crate::{Actor, FieldError, Service, ServiceError, ServiceResult};
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
use wholeplace_appraisal::model::{CostKind, CostLine, Num, OutcomeLine, ValueRef};
use wholeplace_appraisal::{Engine, ModelErrors, ModelFile, Query, UnitCost, parse_model_toml};
use wholeplace_appraisal_report::Report;
use wholeplace_appraisal_report::report_from_prepared;
use wholeplace_domain::FinancialYear;
use wholeplace_domain::{AppraisalId, PartnershipId};
use wholeplace_store::{NewAppraisal, StoredAppraisal};

/// The most Monte Carlo draws a page or API call may ask for.
pub const MAX_DRAWS: u32 = 20_000;

/// The shipped unit-cost library and deflators, read once.
pub fn engine() -> ServiceResult<Arc<Engine>> {
    static ENGINE: OnceLock<Result<Arc<Engine>, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::shipped().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(ServiceError::Internal)
}

/// One line of the appraisals list.
#[derive(Clone, Debug)]
pub struct AppraisalSummary {
    /// The stored appraisal.
    pub stored: StoredAppraisal,
    /// Headline results of the first option, when the model is complete.
    pub headline: Option<Headline>,
    /// How many problems stop it being appraised.
    pub problems: usize,
}

/// The headline figures of one option.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// Option name.
    pub option: String,
    /// Net present budget impact, pounds.
    pub npbi: f64,
    /// Financial return on investment.
    pub froi: Option<f64>,
    /// Public-value benefit-cost ratio.
    pub bcr: Option<f64>,
    /// Payback in words.
    pub payback: String,
}

/// An appraisal with its results, or the problems that stop it being appraised.
#[derive(Clone, Debug)]
pub struct AppraisalView {
    /// The stored appraisal.
    pub stored: StoredAppraisal,
    /// The model as read (None when the text no longer parses).
    pub model: Option<ModelFile>,
    /// The report, when the model is complete.
    pub report: Option<Report>,
    /// Every problem, each naming its line and saying how to fix it.
    pub problems: Vec<String>,
}

/// The fields of the "start an appraisal" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StartForm {
    /// Partnership id or "".
    pub partnership_id: String,
    /// Title.
    pub title: String,
    /// What it appraises.
    pub description: String,
    /// The cohort.
    pub cohort: String,
    /// The place.
    pub place: String,
    /// Price base, such as 2024/25.
    pub price_base: String,
    /// Year 0, such as 2024/25.
    pub start_year: String,
    /// Years appraised.
    pub horizon_years: String,
}

/// The fields of the "add a cost line" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CostForm {
    /// What the money buys.
    pub name: String,
    /// Option ("" for To Be).
    pub option: String,
    /// The agency bearing it.
    pub agency: String,
    /// capital, revenue or in-kind.
    pub kind: String,
    /// 1..6.
    pub grade: String,
    /// Price year of the amounts.
    pub price_year: String,
    /// Pounds for years 0, 1, 2 ... separated by commas.
    pub amounts: String,
    /// Notes.
    pub notes: String,
}

/// The fields of the "add an outcome line" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    /// What changes.
    pub name: String,
    /// Option ("" for To Be).
    pub option: String,
    /// How one outcome is counted in words.
    pub counted_as: String,
    /// Unit-cost codes separated by commas.
    pub unit_costs: String,
    /// Number in need.
    pub cohort: String,
    /// Share engaging.
    pub engagement: String,
    /// Impact rate.
    pub impact: String,
    /// Deadweight.
    pub deadweight: String,
    /// Comparison group (instead of deadweight).
    pub comparison: String,
    /// Attribution.
    pub attribution: String,
    /// Displacement.
    pub displacement: String,
    /// Lag in years.
    pub lag_years: String,
    /// Duration in years.
    pub duration_years: String,
    /// Drop-off per year.
    pub drop_off: String,
    /// 1..6.
    pub grade: String,
    /// Cashable share.
    pub cashable: String,
    /// Evidence.
    pub evidence: String,
}

/// Downloads of an appraisal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Download {
    /// The results workbook (inputs, per-year streams, ledger, results, how calculated).
    ResultsXlsx,
    /// The results as JSON.
    ResultsJson,
    /// The report as a standalone HTML document.
    ReportHtml,
    /// The model text.
    ModelToml,
    /// The model as a workbook (the template, filled in).
    ModelXlsx,
}

impl Download {
    /// Reads a download's file name suffix.
    pub fn from_suffix(s: &str) -> Option<Self> {
        Some(match s {
            "results.xlsx" => Self::ResultsXlsx,
            "results.json" => Self::ResultsJson,
            "report.html" => Self::ReportHtml,
            "model.toml" => Self::ModelToml,
            "model.xlsx" => Self::ModelXlsx,
            _ => return None,
        })
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::ResultsXlsx | Self::ModelXlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Self::ResultsJson => "application/json",
            Self::ReportHtml => "text/html; charset=utf-8",
            Self::ModelToml => "application/toml; charset=utf-8",
        }
    }
}

fn issues(e: &ModelErrors) -> Vec<String> {
    e.0.iter().map(ToString::to_string).collect()
}

fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Validation(vec![FieldError::new(field, message)])
}

/// Quotes a string as a TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn parse_year(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    raw: &str,
) -> Option<FinancialYear> {
    let y = raw.trim().parse::<FinancialYear>().ok();
    if y.is_none() {
        errors.push(FieldError::new(
            field,
            format!("Enter the {label} as a financial year, such as 2024/25"),
        ));
    }
    y
}

fn parse_grade(errors: &mut Vec<FieldError>, raw: &str) -> u8 {
    match raw.trim().parse::<u8>() {
        Ok(g @ 1..=6) => g,
        _ => {
            errors.push(FieldError::new(
                "grade",
                "Choose a confidence grade from 1 (independently audited) to 6 (opinion)",
            ));
            1
        }
    }
}

/// An optional number or distribution ("0.3", or "triangular(0.1, 0.2, 0.3)").
fn parse_num(errors: &mut Vec<FieldError>, field: &str, label: &str, raw: &str) -> Option<Num> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    match Num::from_text(t) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(FieldError::new(
                field,
                format!("{label} must be a number such as 0.25, or a distribution such as triangular(0.1, 0.2, 0.3): {e}"),
            ));
            None
        }
    }
}

fn parse_years(errors: &mut Vec<FieldError>, field: &str, label: &str, raw: &str) -> Option<u32> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<u32>() {
        Ok(n) if n <= 100 => Some(n),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label} must be a whole number of years from 0 to 100"),
            ));
            None
        }
    }
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && !t.eq_ignore_ascii_case("to be")).then(|| t.to_owned())
}

/// A complete new model's text from the start form.
pub fn start_model_text(f: &StartForm) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    if f.title.trim().is_empty() {
        errors.push(FieldError::new("title", "Enter a title for the appraisal"));
    }
    let price_base = parse_year(&mut errors, "price_base", "price base", &f.price_base);
    let start_year = parse_year(&mut errors, "start_year", "first year", &f.start_year);
    let horizon = match f.horizon_years.trim().parse::<u32>() {
        Ok(n @ 1..=100) => n,
        _ => {
            errors.push(FieldError::new(
                "horizon_years",
                "Enter how many years to appraise, a whole number from 1 to 100",
            ));
            1
        }
    };
    let (Some(price_base), Some(start_year), true) = (price_base, start_year, errors.is_empty())
    else {
        return Err(errors);
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Started in wholeplace; the format is docs/APPRAISAL-MODEL.md."
    );
    let _ = writeln!(
        s,
        "[appraisal]\nformat_version = {}",
        wholeplace_appraisal::model::FORMAT_VERSION
    );
    let _ = writeln!(s, "title = {}", quoted(f.title.trim()));
    for (k, v) in [
        ("description", &f.description),
        ("place", &f.place),
        ("cohort", &f.cohort),
    ] {
        if !v.trim().is_empty() {
            let _ = writeln!(s, "{k} = {}", quoted(v.trim()));
        }
    }
    let _ = writeln!(s, "price_base = {}", quoted(&price_base.to_string()));
    let _ = writeln!(s, "start_year = {}", quoted(&start_year.to_string()));
    let _ = writeln!(s, "horizon_years = {horizon}");
    let _ = writeln!(s, "\n[parameters]\nset = \"green-book-2022\"");
    Ok(s)
}

/// A cost line from its form.
pub fn cost_line(f: &CostForm) -> Result<CostLine, Vec<FieldError>> {
    let mut errors = Vec::new();
    if f.name.trim().is_empty() {
        errors.push(FieldError::new("name", "Enter what the money buys"));
    }
    if f.agency.trim().is_empty() {
        errors.push(FieldError::new(
            "agency",
            "Enter the agency that bears the cost",
        ));
    }
    let kind = match f.kind.trim() {
        "capital" => CostKind::Capital,
        "revenue" => CostKind::Revenue,
        "in-kind" => CostKind::InKind,
        _ => {
            errors.push(FieldError::new(
                "kind",
                "Choose revenue, capital or in-kind",
            ));
            CostKind::Revenue
        }
    };
    let grade = parse_grade(&mut errors, &f.grade);
    let price_year = parse_year(&mut errors, "price_year", "price year", &f.price_year);
    let mut amounts = Vec::new();
    for (i, part) in f.amounts.split(',').enumerate() {
        let t = part.trim().replace(['£', ' '], "");
        if t.is_empty() && f.amounts.trim().is_empty() {
            break;
        }
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => amounts.push(x),
            _ => {
                errors.push(FieldError::new(
                    "amounts",
                    format!(
                        "Amount {} ({}) is not a sum of money: give pounds for year 0, year 1 ... separated by commas, such as 120000, 120000, 60000",
                        i + 1,
                        part.trim()
                    ),
                ));
                break;
            }
        }
    }
    if amounts.is_empty() && !errors.iter().any(|e| e.field == "amounts") {
        errors.push(FieldError::new(
            "amounts",
            "Enter the amounts in pounds for year 0, year 1 ... separated by commas",
        ));
    }
    let (Some(price_year), true) = (price_year, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(CostLine {
        name: f.name.trim().to_owned(),
        option: opt_text(&f.option),
        agency: f.agency.trim().to_owned(),
        kind,
        grade,
        price_year,
        amounts,
        optimism_bias_category: None,
        optimism_bias: None,
        scale: None,
        notes: f.notes.trim().to_owned(),
    })
}

/// An outcome line from its form.
pub fn outcome_line(f: &OutcomeForm) -> Result<OutcomeLine, Vec<FieldError>> {
    let mut errors = Vec::new();
    if f.name.trim().is_empty() {
        errors.push(FieldError::new(
            "name",
            "Enter what changes, such as 'Care entries avoided'",
        ));
    }
    let unit_costs: Vec<ValueRef> = f
        .unit_costs
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| ValueRef {
            code: c.to_owned(),
            quantity: 1.0,
            fiscal_agency: None,
            fiscal_split: None,
            values: None,
        })
        .collect();
    if unit_costs.is_empty() {
        errors.push(FieldError::new(
            "unit_costs",
            "Enter at least one unit-cost code that values one outcome, such as SS1.0 (search the unit-cost library for codes)",
        ));
    }
    let cohort = parse_num(&mut errors, "cohort", "Cohort", &f.cohort);
    if cohort.is_none() && !errors.iter().any(|e| e.field == "cohort") {
        errors.push(FieldError::new(
            "cohort",
            "Enter the number of people or families in need",
        ));
    }
    let engagement = parse_num(&mut errors, "engagement", "Engagement", &f.engagement);
    let impact = parse_num(&mut errors, "impact", "Impact", &f.impact);
    if impact.is_none() && !errors.iter().any(|e| e.field == "impact") {
        errors.push(FieldError::new(
            "impact",
            "Enter the impact: the share of those engaged for whom the outcome changes, such as 0.3",
        ));
    }
    let deadweight = parse_num(&mut errors, "deadweight", "Deadweight", &f.deadweight);
    let attribution = parse_num(&mut errors, "attribution", "Attribution", &f.attribution);
    let displacement = parse_num(&mut errors, "displacement", "Displacement", &f.displacement);
    let drop_off = parse_num(&mut errors, "drop_off", "Drop-off", &f.drop_off);
    let cashable = parse_num(&mut errors, "cashable", "Cashable share", &f.cashable);
    let lag_years = parse_years(&mut errors, "lag_years", "Lag", &f.lag_years);
    let duration_years = parse_years(&mut errors, "duration_years", "Duration", &f.duration_years);
    let grade = parse_grade(&mut errors, &f.grade);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(OutcomeLine {
        name: f.name.trim().to_owned(),
        option: opt_text(&f.option),
        counted_as: opt_text(&f.counted_as),
        unit_costs,
        cohort,
        intakes: None,
        engagement,
        impact,
        impact_count: None,
        deadweight,
        comparison: opt_text(&f.comparison),
        attribution,
        displacement,
        lag_years,
        duration_years,
        drop_off,
        grade,
        cashable,
        cashable_from_year: None,
        cashable_schedule: None,
        capacity_removed_year: None,
        capacity_removed: None,
        health: None,
        evidence: f.evidence.trim().to_owned(),
    })
}

/// The TOML text of one `[[costs]]` or `[[outcomes]]` entry, to append to a model.
pub(crate) fn line_text<T: serde::Serialize>(table: &str, line: &T) -> ServiceResult<String> {
    let mut doc = toml::map::Map::new();
    let value = toml::Value::try_from(line).map_err(|e| ServiceError::Internal(e.to_string()))?;
    doc.insert(table.to_owned(), toml::Value::Array(vec![value]));
    toml::to_string(&toml::Value::Table(doc)).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The field a model problem is about, when it names one of the form's fields.
fn field_of(issue: &wholeplace_appraisal::model::ModelIssue, prefix: &str) -> Option<String> {
    let rest = issue.location.strip_prefix(prefix)?;
    let key = rest.rsplit_once(", ").map(|(_, k)| k).unwrap_or("name");
    Some(key.to_owned())
}

impl Service {
    /// Parses a partnership field: "" is none; anything else must name a partnership.
    async fn partnership_field(&self, raw: &str) -> ServiceResult<Option<PartnershipId>> {
        let t = raw.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let id = t
            .parse::<PartnershipId>()
            .map_err(|_| invalid("partnership_id", "Choose a partnership from the list"))?;
        if !self
            .store()
            .list_partnerships()
            .await?
            .iter()
            .any(|p| p.id == id)
        {
            return Err(ServiceError::Validation(vec![FieldError::conflict(
                "partnership_id",
                "Choose a partnership from the list",
            )]));
        }
        Ok(Some(id))
    }

    /// Every appraisal with its headline figures.
    pub async fn list_appraisals(&self, actor: &Actor) -> ServiceResult<Vec<AppraisalSummary>> {
        self.may_read(actor).await?;
        let engine = engine()?;
        let stored = self.store().list_appraisals().await?;
        Ok(stored
            .into_iter()
            .map(|a| {
                let (report, problems) = report_of(&engine, &a.model_toml, 0, 0);
                let headline = report.as_ref().and_then(|r| {
                    r.results.options.first().map(|o| Headline {
                        option: o.name.clone(),
                        npbi: o.summary.npbi,
                        froi: o.summary.froi,
                        bcr: o.summary.bcr,
                        payback: o.payback_statement.clone(),
                    })
                });
                AppraisalSummary {
                    stored: a,
                    headline,
                    problems: problems.len(),
                }
            })
            .collect())
    }

    /// One stored appraisal.
    pub async fn appraisal(
        &self,
        actor: &Actor,
        id: AppraisalId,
    ) -> ServiceResult<StoredAppraisal> {
        self.may_read(actor).await?;
        self.store()
            .get_appraisal(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// An appraisal with its report (and Monte Carlo over `draws` draws from `seed`).
    pub async fn appraisal_view(
        &self,
        actor: &Actor,
        id: AppraisalId,
        draws: u32,
        seed: u64,
    ) -> ServiceResult<AppraisalView> {
        if draws > MAX_DRAWS {
            return Err(invalid(
                "draws",
                format!("Ask for at most {MAX_DRAWS} Monte Carlo draws"),
            ));
        }
        let stored = self.appraisal(actor, id).await?;
        let engine = engine()?;
        let model = parse_model_toml(&stored.model_toml).ok();
        let (report, problems) = report_of(&engine, &stored.model_toml, draws, seed);
        Ok(AppraisalView {
            stored,
            model,
            report,
            problems,
        })
    }

    /// Stores a new appraisal from model text (TOML). Refused only when the text is not a model
    /// at all; problems that stop the appraisal (a missing line, an unknown code) are shown on
    /// its page.
    pub async fn create_appraisal_from_text(
        &self,
        actor: &Actor,
        partnership_id: &str,
        model_toml: &str,
    ) -> ServiceResult<AppraisalId> {
        self.require_editor(actor, AuditAction::AppraisalCreate, "appraisal", None)
            .await?;
        let partnership_id = self.partnership_field(partnership_id).await?;
        let file = parse_model_toml(model_toml).map_err(|e| {
            ServiceError::Validation(
                issues(&e)
                    .into_iter()
                    .map(|m| FieldError::new("model_toml", m))
                    .collect(),
            )
        })?;
        self.store_new(actor, partnership_id, &file.appraisal.title, model_toml)
            .await
    }

    /// Stores a new appraisal from a model workbook (the XLSX template filled in). Every problem
    /// names its sheet and cell.
    pub async fn create_appraisal_from_workbook(
        &self,
        actor: &Actor,
        partnership_id: &str,
        bytes: &[u8],
    ) -> ServiceResult<AppraisalId> {
        self.require_editor(actor, AuditAction::AppraisalCreate, "appraisal", None)
            .await?;
        let partnership_id = self.partnership_field(partnership_id).await?;
        if bytes.is_empty() {
            return Err(invalid(
                "workbook",
                "Choose a model workbook (.xlsx) or model file (.toml) to upload",
            ));
        }
        let (file, layout) = wholeplace_appraisal_report::read_model_xlsx(bytes).map_err(|e| {
            ServiceError::Validation(
                issues(&e)
                    .into_iter()
                    .map(|m| FieldError::new("workbook", m))
                    .collect(),
            )
        })?;
        // Problems the engine finds are reported against the workbook's cells before storing.
        if let Err(e) = engine()?.prepare(&file, None) {
            return Err(ServiceError::Validation(
                issues(&layout.locate_all(e))
                    .into_iter()
                    .map(|m| FieldError::new("workbook", m))
                    .collect(),
            ));
        }
        let text = toml::to_string(&file).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let header = "# Uploaded as a model workbook; the format is docs/APPRAISAL-MODEL.md.\n";
        self.store_new(
            actor,
            partnership_id,
            &file.appraisal.title,
            &format!("{header}{text}"),
        )
        .await
    }

    /// Starts an appraisal from the start form: the header and Green Book parameters, no lines.
    pub async fn start_appraisal(
        &self,
        actor: &Actor,
        f: &StartForm,
    ) -> ServiceResult<AppraisalId> {
        self.require_editor(actor, AuditAction::AppraisalCreate, "appraisal", None)
            .await?;
        let mut errors = Vec::new();
        let partnership_id = match self.partnership_field(&f.partnership_id).await {
            Ok(p) => p,
            Err(ServiceError::Validation(e)) => {
                errors.extend(e);
                None
            }
            Err(e) => return Err(e),
        };
        let text = match start_model_text(f) {
            Ok(t) => t,
            Err(e) => {
                errors.extend(e);
                String::new()
            }
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        self.store_new(actor, partnership_id, f.title.trim(), &text)
            .await
    }

    async fn store_new(
        &self,
        actor: &Actor,
        partnership_id: Option<PartnershipId>,
        title: &str,
        text: &str,
    ) -> ServiceResult<AppraisalId> {
        refuse_control_in_title(title)?;
        let ev = self.event(
            actor,
            AuditAction::AppraisalCreate,
            "appraisal",
            None,
            true,
            title,
        );
        Ok(self
            .store()
            .create_appraisal(
                &NewAppraisal {
                    partnership_id,
                    title: title.to_owned(),
                    model_toml: text.to_owned(),
                    created_by: actor.name(),
                    at: self.now(),
                },
                &ev,
            )
            .await?)
    }

    /// Replaces an appraisal's model text and partnership.
    pub async fn update_appraisal_text(
        &self,
        actor: &Actor,
        id: AppraisalId,
        partnership_id: &str,
        model_toml: &str,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(
            actor,
            AuditAction::AppraisalUpdate,
            "appraisal",
            rid.clone(),
        )
        .await?;
        self.appraisal(actor, id).await?;
        let partnership_id = self.partnership_field(partnership_id).await?;
        let file = parse_model_toml(model_toml).map_err(|e| {
            ServiceError::Validation(
                issues(&e)
                    .into_iter()
                    .map(|m| FieldError::new("model_toml", m))
                    .collect(),
            )
        })?;
        self.save(
            actor,
            id,
            partnership_id,
            &file.appraisal.title,
            model_toml,
            "model text edited",
        )
        .await
    }

    async fn save(
        &self,
        actor: &Actor,
        id: AppraisalId,
        partnership_id: Option<PartnershipId>,
        title: &str,
        text: &str,
        detail: &str,
    ) -> ServiceResult<()> {
        refuse_control_in_title(title)?;
        let ev = self.event(
            actor,
            AuditAction::AppraisalUpdate,
            "appraisal",
            Some(id.to_string()),
            true,
            detail,
        );
        Ok(self
            .store()
            .update_appraisal(
                id,
                &NewAppraisal {
                    partnership_id,
                    title: title.to_owned(),
                    model_toml: text.to_owned(),
                    created_by: actor.name(),
                    at: self.now(),
                },
                &ev,
            )
            .await?)
    }

    /// Appends a line to a stored model, refusing it if the engine finds a problem in the new
    /// line itself (problems elsewhere in an incomplete model do not stop it).
    async fn append_line(
        &self,
        actor: &Actor,
        id: AppraisalId,
        table: &str,
        text: String,
        detail: &str,
    ) -> ServiceResult<()> {
        let stored = self.appraisal(actor, id).await?;
        let before = parse_model_toml(&stored.model_toml).map_err(|e| {
            invalid(
                "name",
                format!(
                    "The stored model has a problem to fix first in its text: {}",
                    issues(&e).join("; ")
                ),
            )
        })?;
        let index = match table {
            "costs" => before.costs.len(),
            _ => before.outcomes.len(),
        };
        let mut new_text = stored.model_toml.clone();
        if !new_text.ends_with('\n') {
            new_text.push('\n');
        }
        new_text.push('\n');
        new_text.push_str(&text);
        let file = parse_model_toml(&new_text).map_err(|e| {
            ServiceError::Validation(
                issues(&e)
                    .into_iter()
                    .map(|m| FieldError::new("name", m))
                    .collect(),
            )
        })?;
        let engine = engine()?;
        if let Err(e) = engine.prepare(&file, Some(&new_text)) {
            let prefix = format!("{table} #{}", index + 1);
            let own: Vec<FieldError> =
                e.0.iter()
                    .filter_map(|i| {
                        field_of(i, &prefix).map(|f| FieldError::new(&f, i.message.clone()))
                    })
                    .collect();
            if !own.is_empty() {
                return Err(ServiceError::Validation(own));
            }
        }
        self.save(
            actor,
            id,
            stored.partnership_id,
            &file.appraisal.title,
            &new_text,
            detail,
        )
        .await
    }

    /// Adds a cost line from its form.
    pub async fn add_cost_line(
        &self,
        actor: &Actor,
        id: AppraisalId,
        f: &CostForm,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::AppraisalUpdate,
            "appraisal",
            Some(id.to_string()),
        )
        .await?;
        let line = cost_line(f).map_err(ServiceError::Validation)?;
        let text = line_text("costs", &line)?;
        self.append_line(
            actor,
            id,
            "costs",
            text,
            &format!("cost line added: {}", line.name),
        )
        .await
    }

    /// Adds an outcome line from its form.
    pub async fn add_outcome_line(
        &self,
        actor: &Actor,
        id: AppraisalId,
        f: &OutcomeForm,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::AppraisalUpdate,
            "appraisal",
            Some(id.to_string()),
        )
        .await?;
        let line = outcome_line(f).map_err(ServiceError::Validation)?;
        let text = line_text("outcomes", &line)?;
        self.append_line(
            actor,
            id,
            "outcomes",
            text,
            &format!("outcome line added: {}", line.name),
        )
        .await
    }

    /// Deletes an appraisal.
    pub async fn delete_appraisal(&self, actor: &Actor, id: AppraisalId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(
            actor,
            AuditAction::AppraisalDelete,
            "appraisal",
            rid.clone(),
        )
        .await?;
        let a = self.appraisal(actor, id).await?;
        let ev = self.event(
            actor,
            AuditAction::AppraisalDelete,
            "appraisal",
            rid,
            true,
            &a.title,
        );
        Ok(self.store().delete_appraisal(id, &ev).await?)
    }

    /// A download of an appraisal: its file name and bytes.
    pub async fn appraisal_download(
        &self,
        actor: &Actor,
        id: AppraisalId,
        kind: Download,
    ) -> ServiceResult<(String, Vec<u8>)> {
        let stored = self.appraisal(actor, id).await?;
        let name = format!("appraisal-{id}");
        if kind == Download::ModelToml {
            return Ok((format!("{name}-model.toml"), stored.model_toml.into_bytes()));
        }
        let engine = engine()?;
        let file = parse_model_toml(&stored.model_toml).map_err(|e| {
            invalid(
                "model_toml",
                format!("The model cannot be read: {}", issues(&e).join("; ")),
            )
        })?;
        if kind == Download::ModelXlsx {
            let bytes =
                wholeplace_appraisal_report::model_xlsx(&file).map_err(ServiceError::Internal)?;
            return Ok((format!("{name}-model.xlsx"), bytes));
        }
        let (report, problems) = report_of(&engine, &stored.model_toml, 0, 0);
        let report = report.ok_or_else(|| {
            invalid(
                "model_toml",
                format!(
                    "The appraisal cannot be run until its problems are fixed: {}",
                    problems.join("; ")
                ),
            )
        })?;
        Ok(match kind {
            Download::ResultsXlsx => (
                format!("{name}-results.xlsx"),
                wholeplace_appraisal_report::report_xlsx(&report, Some(&file))
                    .map_err(ServiceError::Internal)?,
            ),
            Download::ResultsJson => (
                format!("{name}-results.json"),
                wholeplace_appraisal_report::report_json(&report).into_bytes(),
            ),
            _ => (
                format!("{name}-report.html"),
                wholeplace_appraisal_report::report_html_document(&report).into_bytes(),
            ),
        })
    }

    /// Searches the shipped unit-cost library (at most `limit` entries) and says how many match.
    pub fn search_unit_costs(
        &self,
        text: &str,
        theme: &str,
        limit: usize,
    ) -> ServiceResult<(Vec<UnitCost>, usize)> {
        let engine = engine()?;
        let q = Query {
            text: text.trim().to_owned(),
            theme: opt_text(theme),
            agency: None,
        };
        let found = engine.library.search(&q);
        let n = found.len();
        Ok((found.into_iter().take(limit).cloned().collect(), n))
    }

    /// One unit cost by code.
    pub fn unit_cost(&self, code: &str) -> ServiceResult<UnitCost> {
        engine()?
            .library
            .get(code.trim())
            .cloned()
            .ok_or(ServiceError::NotFound)
    }

    /// Defaults for new appraisals and lines: the latest price year the deflator series covers
    /// (a price base must be one it covers), the current financial year as year 0, and the range
    /// the series covers in words.
    pub fn appraisal_defaults(&self) -> ServiceResult<(String, String, String)> {
        let engine = engine()?;
        let d = &engine.current;
        let last = engine
            .default_price_base()
            .map(|y| y.to_string())
            .unwrap_or_default();
        let range = match (d.first_year(), d.last_year()) {
            (Some(a), Some(b)) => format!("The deflator series covers {a} to {b}"),
            _ => String::new(),
        };
        let now = time::OffsetDateTime::from_unix_timestamp(self.now())
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let year = FinancialYear::containing(now.year(), u32::from(u8::from(now.month())))
            .map(|y| y.to_string())
            .unwrap_or_else(|_| last.clone());
        Ok((last, year, range))
    }

    /// The library's themes, version and attribution.
    pub fn unit_cost_library_info(&self) -> ServiceResult<(Vec<String>, String)> {
        let engine = engine()?;
        Ok((engine.library.themes(), engine.library.version.clone()))
    }
}

/// A blank model workbook to fill in and upload: a five-year appraisal with no lines yet.
pub fn model_template_xlsx() -> ServiceResult<Vec<u8>> {
    let last = engine()?
        .default_price_base()
        .map(|y| y.to_string())
        .unwrap_or_default();
    let text = start_model_text(&StartForm {
        title: "New appraisal".into(),
        price_base: last.clone(),
        start_year: last,
        horizon_years: "5".into(),
        ..Default::default()
    })
    .map_err(|e| ServiceError::Internal(format!("template: {e:?}")))?;
    let file = parse_model_toml(&text).map_err(|e| ServiceError::Internal(e.to_string()))?;
    wholeplace_appraisal_report::model_xlsx(&file).map_err(ServiceError::Internal)
}

/// Runs a model text: its report, or every problem (the model is prepared once).
fn report_of(engine: &Engine, text: &str, draws: u32, seed: u64) -> (Option<Report>, Vec<String>) {
    match engine.prepare_text(text) {
        Err(e) => (None, issues(&e)),
        Ok(prepared) => {
            let file = prepared.file.clone();
            (
                Some(report_from_prepared(&prepared, file, draws, seed, false)),
                Vec::new(),
            )
        }
    }
}

/// A model's title is stored beside it and named in the audit log, so a control character in it
/// (NUL, say, written `\u0000` in a model file) is refused: PostgreSQL cannot store NUL at all.
fn refuse_control_in_title(title: &str) -> ServiceResult<()> {
    match title
        .chars()
        .position(wholeplace_tabular::is_refused_control)
    {
        Some(p) => Err(ServiceError::Validation(vec![FieldError::new(
            "title",
            format!(
                "The model's title contains a control character (an invisible character such as NUL) at character {}: remove it and try again",
                p + 1
            ),
        )])),
        None => Ok(()),
    }
}
