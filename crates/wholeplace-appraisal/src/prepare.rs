//! Turns a model file into a prepared model: every unit cost looked up and uprated to the price
//! base, every parameter resolved, and every guard applied. Refusals (things that would make the
//! figures wrong) stop here with all problems at once; warnings travel with the results.

use crate::model::{
    AppraisalSection, CostKind, CostLine, Dist, Locator, ModelErrors, ModelFile, ModelIssue, Num,
    OutcomeLine, ParametersSection, ValueRef, location,
};
use crate::params::{DiscountSchedule, ParameterSet};
use crate::price::{DeflatorSeries, Priced};
use crate::unitcost::{Origin, UnitCost, UnitCostLibrary};
use serde::{Deserialize, Serialize};
use wholeplace_domain::FinancialYear;

/// How serious a guard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown with the results.
    Warning,
    /// Stops the appraisal.
    Refusal,
}

/// A guard raised on a model: what, where, and why it matters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    /// Warning or refusal.
    pub severity: Severity,
    /// A stable short code, e.g. `gross`, `transfer-excluded`, `double-count`.
    pub code: String,
    /// The line or value concerned.
    pub subject: String,
    /// The reason, in words a user understands.
    pub message: String,
}

/// The engine's reference data: the unit-cost library and the deflator series.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The unit-cost library (national, before a model's local costs).
    pub library: UnitCostLibrary,
    /// The deflator series of format version 1 models: the Unit Cost Database's own (HM Treasury,
    /// March 2015) unless replaced.
    pub deflators: DeflatorSeries,
    /// The deflator series of format version 2 models: a newer series (shipped: ONS YBGB to
    /// 2024/25) chained onto the database's index at an outturn year both hold.
    pub current: DeflatorSeries,
}

/// What kind of value an input is, which bounds it and how Monte Carlo draws are clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A share in 0..1.
    Rate,
    /// A count or multiplier, never negative.
    NonNegative,
}

/// An input of the model that the evaluation reads (fixed or uncertain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Plain label, e.g. "Family stays together: impact".
    pub label: String,
    /// The value or distribution.
    pub num: Num,
    /// Bounds.
    pub kind: InputKind,
}

/// One uprated value part of an outcome line or As Is line (per outcome, in the price base).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValuePart {
    /// Unit cost code.
    pub code: String,
    /// fiscal, economic or social.
    pub kind: String,
    /// The gaining agency (fiscal parts only).
    pub agency: Option<String>,
    /// Transfer payment (fiscal only).
    pub transfer: bool,
    /// Value as published, and its price year.
    pub original: Priced,
    /// index(price base) / index(price year).
    pub uprating_factor: f64,
    /// Units per outcome.
    pub quantity: f64,
    /// This agency's share of the value (a `fiscal_split` percentage / 100; otherwise 1).
    #[serde(default = "one")]
    pub share: f64,
    /// Which series and years uprated it.
    #[serde(default)]
    pub uprated_with: String,
    /// Per-outcome value in the price base = original x factor x quantity x share.
    pub value: f64,
}

fn one() -> f64 {
    1.0
}

/// A cost line ready to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedCost {
    /// Position in the model file.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Bearing agency (index into the option's agencies).
    pub agency: usize,
    /// Kind.
    pub kind: CostKind,
    /// Grade.
    pub grade: u8,
    /// Optimism bias applied (fraction) and where it comes from.
    pub optimism_bias: f64,
    /// Where the optimism bias comes from.
    pub optimism_source: String,
    /// Uprating factor to the price base.
    pub uprating_factor: f64,
    /// Amounts per year in the price base before optimism bias.
    pub amounts: Vec<f64>,
    /// Input index of the scale multiplier.
    pub scale: usize,
}

/// How the number of outcomes is given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImpactInputs {
    /// cohort x engagement x impact (input indices).
    Rate {
        /// Cohort input.
        cohort: usize,
        /// Engagement input.
        engagement: usize,
        /// Impact input.
        impact: usize,
    },
    /// An absolute count (input index).
    Count {
        /// Count input.
        count: usize,
    },
}

/// An outcome line ready to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedOutcome {
    /// Position in the model file.
    pub index: usize,
    /// Name.
    pub name: String,
    /// How one outcome is counted in words.
    pub counted_as: String,
    /// The number of outcomes.
    pub impact: ImpactInputs,
    /// Deadweight input.
    pub deadweight: usize,
    /// Attribution input.
    pub attribution: usize,
    /// Displacement input.
    pub displacement: usize,
    /// Drop-off input.
    pub drop_off: usize,
    /// Cashable-share input.
    pub cashable: usize,
    /// First year the cashable share applies (the later of `cashable_from_year` and
    /// `capacity_removed_year`).
    pub cashable_from_year: u32,
    /// Cashable share by year when given as a schedule (the last share holds for later years);
    /// empty: the `cashable` input.
    #[serde(default)]
    pub cashable_schedule: Vec<f64>,
    /// How the line's fiscal benefit becomes cashable, in words.
    #[serde(default)]
    pub cashable_rule: String,
    /// The intakes (appraisal year, number entering), each on its own timeline; empty: one
    /// cohort (the `cohort` input) entering in year 0.
    #[serde(default)]
    pub intakes: Vec<(u32, f64)>,
    /// Lag in years.
    pub lag_years: u32,
    /// Duration in years (None: to the horizon).
    pub duration_years: Option<u32>,
    /// Grade and its optimism bias.
    pub grade: u8,
    /// Optimism bias applied to outcomes.
    pub optimism_bias: f64,
    /// Discounted at the health rate.
    pub health: bool,
    /// No deadweight and no comparison: a gross figure.
    pub gross: bool,
    /// Value parts per outcome.
    pub parts: Vec<ValuePart>,
    /// Fiscal value per outcome by agency index: (agency, non-transfer, transfer).
    pub fiscal_by_agency: Vec<(usize, f64, f64)>,
    /// Fiscal (all) per outcome.
    pub fiscal: f64,
    /// Fiscal transfers per outcome.
    pub transfer: f64,
    /// Economic per outcome.
    pub economic: f64,
    /// Social per outcome.
    pub social: f64,
}

/// One option (a To Be way of working) ready to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedOption {
    /// Name.
    pub name: String,
    /// Agencies named by its costs and benefits, sorted.
    pub agencies: Vec<String>,
    /// Cost lines.
    pub costs: Vec<PreparedCost>,
    /// Outcome lines.
    pub outcomes: Vec<PreparedOutcome>,
}

/// A model with everything resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedModel {
    /// The model as written.
    pub file: ModelFile,
    /// Parameters after overrides.
    pub params: ParameterSet,
    /// The overrides applied, in words.
    pub overrides: Vec<String>,
    /// Library version used.
    pub library_version: String,
    /// Deflator series used.
    pub deflator_name: String,
    /// Price base.
    pub price_base: FinancialYear,
    /// Year 0.
    pub start_year: FinancialYear,
    /// Number of years.
    pub horizon: u32,
    /// DF(t) for t in 0..horizon.
    pub discount_factors: Vec<f64>,
    /// Health DF(t).
    pub health_discount_factors: Vec<f64>,
    /// All inputs (fixed and uncertain) read by the evaluation.
    pub inputs: Vec<Input>,
    /// The options.
    pub options: Vec<PreparedOption>,
    /// Library with local costs applied (for As Is, doing nothing and traces).
    pub library: UnitCostLibrary,
    /// Deflators.
    pub deflators: DeflatorSeries,
    /// Warnings raised.
    pub warnings: std::sync::Arc<[Guard]>,
    /// N for P(payback within N years).
    pub payback_within_years: u32,
}

impl PreparedModel {
    /// Point values of all inputs.
    pub fn point_values(&self) -> Vec<f64> {
        self.inputs
            .iter()
            .map(|i| clamp(i.kind, i.num.point()))
            .collect()
    }

    /// Inputs given as distributions (index, input).
    pub fn uncertain_inputs(&self) -> Vec<(usize, &Input)> {
        self.inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.num, Num::Dist(_)))
            .collect()
    }

    /// The financial year of appraisal year `t`.
    pub fn year_label(&self, t: u32) -> String {
        self.start_year
            .offset(t as i32)
            .map(|y| y.to_string())
            .unwrap_or_else(|_| format!("year {t}"))
    }
}

/// Clamps a value to its kind's bounds.
pub fn clamp(kind: InputKind, x: f64) -> f64 {
    match kind {
        InputKind::Rate => x.clamp(0.0, 1.0),
        InputKind::NonNegative => x.max(0.0),
    }
}

struct Ctx<'a> {
    loc: Locator,
    issues: Vec<ModelIssue>,
    warnings: Vec<Guard>,
    inputs: Vec<Input>,
    _p: std::marker::PhantomData<&'a ()>,
}

impl Ctx<'_> {
    fn refuse(
        &mut self,
        table: &str,
        index: usize,
        name: &str,
        key: Option<&str>,
        message: String,
    ) {
        self.issues.push(ModelIssue {
            location: location(table, index, name, key),
            line: self.loc.line(table, index, key),
            message,
        });
    }

    fn warn(&mut self, code: &str, subject: &str, message: String) {
        self.warnings.push(Guard {
            severity: Severity::Warning,
            code: code.into(),
            subject: subject.into(),
            message,
        });
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one place that registers and checks every input"
    )]
    fn input(
        &mut self,
        table: &str,
        index: usize,
        line_name: &str,
        key: &str,
        num: Option<&Num>,
        default: f64,
        kind: InputKind,
    ) -> usize {
        let num = num.cloned().unwrap_or(Num::Fixed(default));
        let check = |x: f64| match kind {
            InputKind::Rate => (0.0..=1.0).contains(&x),
            InputKind::NonNegative => (0.0..=crate::check::MAX_POUNDS).contains(&x),
        };
        let bounds = match kind {
            InputKind::Rate => "a rate between 0 and 1 (write 30% as 0.3)",
            InputKind::NonNegative => {
                "a number that is not negative, at most 1,000,000,000,000 (write it like 1.2)"
            }
        };
        match &num {
            Num::Fixed(x) => {
                if !check(*x) {
                    self.refuse(
                        table,
                        index,
                        line_name,
                        Some(key),
                        format!("{x} is outside its range: {key} must be {bounds}"),
                    );
                }
            }
            Num::Dist(d) => {
                if let Some(p) = d.problem() {
                    self.refuse(
                        table,
                        index,
                        line_name,
                        Some(key),
                        format!("the {} distribution {p}", d.to_text()),
                    );
                } else {
                    let (lo, hi) = match d {
                        Dist::Normal { .. } | Dist::Lognormal { .. } => (d.point(), d.point()),
                        _ => d.tornado_range(),
                    };
                    if !check(lo) || !check(hi) || !check(d.point()) {
                        self.refuse(
                            table,
                            index,
                            line_name,
                            Some(key),
                            format!(
                                "{} goes outside its range: {key} must be {bounds}",
                                d.to_text()
                            ),
                        );
                    } else if matches!(d, Dist::Normal { .. }) {
                        self.warn("clamped", line_name, format!("{key} is normally distributed; draws outside the allowed range are clamped to it"));
                    }
                }
            }
        }
        self.inputs.push(Input {
            label: format!("{line_name}: {key}"),
            num,
            kind,
        });
        self.inputs.len() - 1
    }
}

const ANNUAL_UNITS: [&str; 4] = ["per year", "per week", "per annum", "per month"];

impl Engine {
    /// The shipped library and deflators.
    pub fn shipped() -> Result<Self, crate::unitcost::LibraryError> {
        let deflators = DeflatorSeries::shipped();
        // The shipped files are tested; only a damaged build could fail to chain them.
        let current = DeflatorSeries::current().unwrap_or_else(|_| deflators.clone());
        Ok(Engine {
            library: UnitCostLibrary::shipped()?,
            deflators,
            current,
        })
    }

    /// Loads a newer deflator series: version 2 models use it chained onto the database's
    /// index ([`DeflatorSeries::chained`]), or as given when it shares no outturn year with that
    /// index (a value from a year it lacks is then refused, naming the year); version 1 models
    /// use it as given, as before.
    pub fn load_deflators(&mut self, newer: DeflatorSeries) {
        self.current = DeflatorSeries::shipped()
            .chained(&newer)
            .unwrap_or_else(|_| newer.clone());
        self.deflators = newer;
    }

    /// The deflator series a model of `format_version` uses.
    pub fn deflators_for(&self, format_version: u32) -> &DeflatorSeries {
        if format_version == 1 {
            &self.deflators
        } else {
            &self.current
        }
    }

    /// The default price base of new models: the last year of the current series (today's
    /// prices, as far as the series reaches).
    pub fn default_price_base(&self) -> Option<FinancialYear> {
        self.current.last_year()
    }

    /// Reads and checks a model text, reporting every problem at once: those of the format
    /// (syntax, keys, whole numbers) and those of the content (rates, codes, years ...).
    pub fn prepare_text(&self, src: &str) -> Result<PreparedModel, ModelErrors> {
        let (file, mut issues) = crate::check::parse_lenient(src);
        let Some(file) = file else {
            return Err(ModelErrors(issues));
        };
        match self.prepare(&file, Some(src)) {
            Ok(p) if issues.is_empty() => Ok(p),
            Ok(_) => Err(ModelErrors(issues)),
            Err(ModelErrors(more)) => {
                issues.extend(more);
                issues.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
                Err(ModelErrors(issues))
            }
        }
    }

    /// Checks and resolves a model. `src` (the TOML text, if any) lets errors name lines.
    pub fn prepare(
        &self,
        file: &ModelFile,
        src: Option<&str>,
    ) -> Result<PreparedModel, ModelErrors> {
        let mut cx = Ctx {
            loc: src.map(Locator::new).unwrap_or_default(),
            issues: Vec::new(),
            warnings: Vec::new(),
            inputs: Vec::new(),
            _p: std::marker::PhantomData,
        };
        let a = &file.appraisal;
        check_appraisal(&mut cx, a);
        let horizon = a.horizon_years.clamp(1, 300);
        let (mut params, overrides) = resolve_parameters(&mut cx, &file.parameters);
        if a.format_version == 1 || file.parameters.health_discount_rate.is_some() {
            params.health_discount = DiscountSchedule::flat(params.health_discount_rate);
        }
        let payback_within_years = file.parameters.payback_within_years.unwrap_or(horizon);

        // Library with local unit costs.
        let library = match self.library.clone().with_local(&file.local_unit_costs) {
            Ok(l) => l,
            Err(problems) => {
                for (i, m) in problems.into_iter().enumerate() {
                    cx.refuse("local_unit_costs", i, "", None, m);
                }
                self.library.clone()
            }
        };
        let deflators = self.deflators_for(a.format_version);
        let pb = match (a.price_base, a.format_version) {
            (Some(pb), _) => pb,
            (None, 1) => {
                cx.refuse("appraisal", 0, "", None, "price_base is missing: a format version 1 model names its price base, e.g. price_base = \"2014/15\" (or write format_version = 2, whose default is today's prices)".into());
                FinancialYear::new(2014).unwrap_or(a.start_year)
            }
            (None, _) => deflators.last_year().unwrap_or(a.start_year),
        };
        if let Err(e) = deflators.index_of(pb) {
            cx.refuse("appraisal", 0, "", Some("price_base"), e.to_string());
        }

        let refs = Refs {
            library: &library,
            deflators,
            params: &params,
            pb,
            start: a.start_year,
            horizon,
        };
        let options: Vec<PreparedOption> = option_names(file)
            .iter()
            .map(|name| prepare_option(&mut cx, &refs, file, name))
            .collect();
        if options.is_empty() && file.as_is.is_empty() && file.doing_nothing.is_none() {
            cx.refuse("appraisal", 0, "", None, "the model has no costs, outcomes, As Is lines or doing-nothing projection: add at least one [[costs]] and one [[outcomes]]".into());
        }
        check_as_is_and_doing_nothing(&mut cx, file, &library);
        if !cx.issues.is_empty() {
            return Err(ModelErrors(cx.issues));
        }
        let discount_factors = params.discount.factors(horizon);
        let health_discount_factors = params.health_schedule().factors(horizon);
        let prepared = PreparedModel {
            file: file.clone(),
            overrides,
            library_version: library.version.clone(),
            deflator_name: deflators.name.clone(),
            price_base: pb,
            start_year: a.start_year,
            horizon,
            discount_factors,
            health_discount_factors,
            inputs: cx.inputs,
            options,
            library,
            deflators: deflators.clone(),
            warnings: cx.warnings.into(),
            payback_within_years,
            params,
        };
        check_results_finite(&prepared, &cx.loc)?;
        Ok(prepared)
    }
}

/// Refuses a model whose figures at its point values overflow or are not numbers: they are
/// errors, never empty figures.
fn check_results_finite(m: &PreparedModel, loc: &Locator) -> Result<(), ModelErrors> {
    let x = m.point_values();
    let mut ws = crate::appraise::Workspace::default();
    for opt in &m.options {
        let s = crate::appraise::evaluate(m, opt, &x, &mut ws);
        let figures = [
            s.pv_costs,
            s.pv_fiscal,
            s.pv_public_value,
            s.npbi,
            s.nppv,
            s.froi.unwrap_or(0.0),
            s.bcr.unwrap_or(0.0),
            s.sroi_gross.unwrap_or(0.0),
        ];
        if figures
            .iter()
            .any(|f| !f.is_finite() || f.abs() > 100.0 * crate::check::MAX_POUNDS)
        {
            return Err(ModelErrors(vec![ModelIssue {
                location: format!("option {}", opt.name),
                line: loc.line("appraisal", 0, None),
                message: "the figures overflow (they are too large to be worked out): check the amounts, counts and quantities for pence written as pounds or a stray exponent".into(),
            }]));
        }
    }
    Ok(())
}

/// The reference data that one option's lines are resolved against.
struct Refs<'a> {
    library: &'a UnitCostLibrary,
    deflators: &'a DeflatorSeries,
    params: &'a ParameterSet,
    /// Price base.
    pb: FinancialYear,
    /// Year 0.
    start: FinancialYear,
    horizon: u32,
}

/// Checks the `[appraisal]` table's format version and horizon.
fn check_appraisal(cx: &mut Ctx<'_>, a: &AppraisalSection) {
    if !crate::model::FORMAT_VERSIONS.contains(&a.format_version) {
        cx.refuse(
            "appraisal",
            0,
            "",
            Some("format_version"),
            format!(
                "format_version {} is not supported: this engine reads versions 1 and 2; write format_version = {}",
                a.format_version,
                crate::model::FORMAT_VERSION
            ),
        );
    }
    if !(1..=300).contains(&a.horizon_years) {
        cx.refuse(
            "appraisal",
            0,
            "",
            Some("horizon_years"),
            format!(
                "{} years: the horizon must be between 1 and 300 years",
                a.horizon_years
            ),
        );
    }
}

/// The parameter set named by `[parameters]` with the model's overrides applied, and those
/// overrides in words.
fn resolve_parameters(cx: &mut Ctx<'_>, p: &ParametersSection) -> (ParameterSet, Vec<String>) {
    let set_id = p.set.clone().unwrap_or_else(|| "green-book-2022".into());
    let mut params = match ParameterSet::by_id(&set_id) {
        Some(s) => s,
        None => {
            let known: Vec<String> = ParameterSet::builtin().into_iter().map(|s| s.id).collect();
            cx.refuse(
                "parameters",
                0,
                "",
                Some("set"),
                format!(
                    "unknown parameter set '{set_id}'; use one of: {}",
                    known.join(", ")
                ),
            );
            ParameterSet::green_book_2022()
        }
    };
    let mut overrides = Vec::new();
    if let Some(bands) = &p.discount_schedule {
        let s = DiscountSchedule {
            bands: bands.clone(),
        };
        if let Err(e) = s.validate() {
            cx.refuse("parameters", 0, "", Some("discount_schedule"), e);
        }
        overrides.push(format!(
            "discount schedule replaced: {}",
            bands
                .iter()
                .map(|b| format!("{}% from year {}", b.rate * 100.0, b.from_year))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        params.discount = s;
    }
    if let Some(r) = p.health_discount_rate {
        if !(0.0..1.0).contains(&r) {
            cx.refuse(
                "parameters",
                0,
                "",
                Some("health_discount_rate"),
                format!("{r} is not a rate: write 1.5% as 0.015"),
            );
        }
        overrides.push(format!("health discount rate set to {}%", r * 100.0));
        params.health_discount_rate = r;
    }
    if let Some(t) = &p.optimism_bias {
        if t.len() != 6 || t.iter().any(|x| !(0.0..=5.0).contains(x)) {
            cx.refuse(
                "parameters",
                0,
                "",
                Some("optimism_bias"),
                "give six fractions for grades 1 to 6, e.g. [0, 0.05, 0.10, 0.15, 0.25, 0.40]"
                    .into(),
            );
        } else {
            params.optimism_bias.copy_from_slice(t);
            overrides.push(format!("optimism bias by grade set to {:?}", t));
        }
    }
    if let Some(s) = p.stale_after_years {
        params.stale_after_years = s;
        overrides.push(format!("values older than {s} years flagged"));
    }
    (params, overrides)
}

/// The option a line belongs to ("To Be" when it names none).
fn option_of(o: &Option<String>) -> String {
    o.clone().unwrap_or_else(|| "To Be".to_owned())
}

/// The options named by cost and outcome lines, in order of first mention.
pub fn option_names(file: &ModelFile) -> Vec<String> {
    let mut option_names: Vec<String> = Vec::new();
    for n in file
        .costs
        .iter()
        .map(|c| option_of(&c.option))
        .chain(file.outcomes.iter().map(|o| option_of(&o.option)))
    {
        if !option_names.contains(&n) {
            option_names.push(n);
        }
    }
    option_names
}

/// Resolves the cost and outcome lines of one option.
fn prepare_option(
    cx: &mut Ctx<'_>,
    refs: &Refs<'_>,
    file: &ModelFile,
    name: &str,
) -> PreparedOption {
    let mut agencies: Vec<String> = Vec::new();
    let mut costs = Vec::new();
    let mut outcomes = Vec::new();
    for (i, c) in file
        .costs
        .iter()
        .enumerate()
        .filter(|(_, c)| option_of(&c.option) == name)
    {
        costs.push(prepare_cost(cx, refs, i, c, &mut agencies));
    }
    let mut used: Vec<(usize, String, String)> = Vec::new();
    for (i, o) in file
        .outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| option_of(&o.option) == name)
    {
        if let Some(po) = prepare_outcome(cx, refs, i, o, &mut agencies) {
            for v in &o.unit_costs {
                used.push((i, o.name.clone(), v.code.clone()));
            }
            outcomes.push(po);
        }
    }
    warn_overlaps(cx, refs.library, &used);
    let agencies = sort_agencies(&agencies, &mut costs, &mut outcomes);
    PreparedOption {
        name: name.to_owned(),
        agencies,
        costs,
        outcomes,
    }
}

/// Checks and resolves one cost line.
fn prepare_cost(
    cx: &mut Ctx<'_>,
    refs: &Refs<'_>,
    i: usize,
    c: &CostLine,
    agencies: &mut Vec<String>,
) -> PreparedCost {
    let horizon = refs.horizon;
    if !(1..=6).contains(&c.grade) {
        cx.refuse("costs", i, &c.name, Some("grade"), format!("grade {} is not a confidence grade: use 1 (audited, current local data) to 6 (expert judgement)", c.grade));
    }
    if c.amounts.len() > horizon as usize {
        cx.refuse("costs", i, &c.name, Some("amounts"), format!("{} amounts given but the horizon is {horizon} years: remove the extra years or lengthen horizon_years", c.amounts.len()));
    }
    if c.amounts
        .iter()
        .any(|x| !x.is_finite() || x.abs() > crate::check::MAX_POUNDS)
    {
        cx.refuse(
            "costs",
            i,
            &c.name,
            Some("amounts"),
            "every amount must be a number of pounds, at most 1,000,000,000,000 (check for pence written as pounds or a stray exponent); write them like amounts = [125000, 90000]".into(),
        );
    }
    if c.amounts.iter().any(|x| *x < 0.0) {
        cx.warn(
            "negative-cost",
            &c.name,
            "a negative cost is treated as income that offsets costs".into(),
        );
    }
    if c.agency.trim().is_empty() {
        cx.refuse(
            "costs",
            i,
            &c.name,
            Some("agency"),
            "name the agency that bears this cost".into(),
        );
    }
    let factor = match refs.deflators.factor(c.price_year, refs.pb) {
        Ok(f) => f,
        Err(e) => {
            cx.refuse("costs", i, &c.name, Some("price_year"), e.to_string());
            1.0
        }
    };
    let (ob, src) = cost_optimism_bias(cx, refs.params, i, c);
    let scale = cx.input(
        "costs",
        i,
        &c.name,
        "scale",
        c.scale.as_ref(),
        1.0,
        InputKind::NonNegative,
    );
    let mut amounts: Vec<f64> = c.amounts.iter().map(|x| x * factor).collect();
    amounts.resize(horizon as usize, 0.0);
    PreparedCost {
        index: i,
        name: c.name.clone(),
        agency: agency_index(agencies, &c.agency),
        kind: c.kind,
        grade: c.grade,
        optimism_bias: ob,
        optimism_source: src,
        uprating_factor: factor,
        amounts,
        scale,
    }
}

/// A cost line's optimism bias and where it comes from: the line, a capital category or the
/// grade table.
fn cost_optimism_bias(
    cx: &mut Ctx<'_>,
    params: &ParameterSet,
    i: usize,
    c: &CostLine,
) -> (f64, String) {
    if let Some(x) = c.optimism_bias {
        if !(0.0..=5.0).contains(&x) {
            cx.refuse(
                "costs",
                i,
                &c.name,
                Some("optimism_bias"),
                format!("{x} is not a sensible optimism-bias fraction (24% is 0.24)"),
            );
        }
        (x, "set on the line".to_owned())
    } else if let Some(cat) = &c.optimism_bias_category {
        match params.capital_optimism_bias.iter().find(|m| &m.id == cat) {
            Some(m) => (m.upper, format!("Mott MacDonald upper bound, {}", m.name)),
            None => {
                let ids: Vec<&str> = params
                    .capital_optimism_bias
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect();
                cx.refuse(
                    "costs",
                    i,
                    &c.name,
                    Some("optimism_bias_category"),
                    format!("unknown category '{cat}'; use one of: {}", ids.join(", ")),
                );
                (0.0, String::new())
            }
        }
    } else {
        (
            params.optimism_for_grade(c.grade).unwrap_or(0.0),
            format!("grade {} table", c.grade),
        )
    }
}

/// Warns about overlapping lines in one option: the same unit cost, or a headline with its
/// constituents. `used` holds (line index, line name, unit cost code).
fn warn_overlaps(cx: &mut Ctx<'_>, library: &UnitCostLibrary, used: &[(usize, String, String)]) {
    for x in 0..used.len() {
        for y in x + 1..used.len() {
            if used[x].0 == used[y].0 {
                continue;
            }
            if let (Some(ux), Some(uy)) = (library.get(&used[x].2), library.get(&used[y].2))
                && let Some(why) = ux
                    .double_counts_with(uy)
                    .or_else(|| uy.double_counts_with(ux))
            {
                cx.warn("overlap", &format!("{} / {}", used[x].1, used[y].1), format!("outcome lines '{}' and '{}' may count the same thing twice: {why}. If they concern different people, say so in the evidence; otherwise remove one", used[x].1, used[y].1));
            }
        }
    }
}

/// Sorts agencies alphabetically so results do not depend on line order, renumbering the
/// lines' agency indices; returns the sorted names.
fn sort_agencies(
    agencies: &[String],
    costs: &mut [PreparedCost],
    outcomes: &mut [PreparedOutcome],
) -> Vec<String> {
    let mut order: Vec<usize> = (0..agencies.len()).collect();
    order.sort_by(|&x, &y| agencies[x].cmp(&agencies[y]));
    let mut remap = vec![0; agencies.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new;
    }
    let sorted: Vec<String> = order.iter().map(|&o| agencies[o].clone()).collect();
    for c in costs {
        c.agency = remap[c.agency];
    }
    for o in outcomes {
        for f in &mut o.fiscal_by_agency {
            f.0 = remap[f.0];
        }
        o.fiscal_by_agency.sort_by_key(|f| f.0);
    }
    sorted
}

/// Checks the As Is lines and the doing-nothing projection; their own modules check the rest.
fn check_as_is_and_doing_nothing(cx: &mut Ctx<'_>, file: &ModelFile, library: &UnitCostLibrary) {
    for (i, l) in file.as_is.iter().enumerate() {
        if library.get(&l.unit_cost).is_none() {
            cx.refuse(
                "as_is",
                i,
                &l.name,
                Some("unit_cost"),
                unknown_code(library, &l.unit_cost),
            );
        }
        if !(l.events_per_year >= 0.0 && l.quantity >= 0.0) {
            cx.refuse(
                "as_is",
                i,
                &l.name,
                Some("events_per_year"),
                "events per year and quantity must not be negative".into(),
            );
        }
    }
    if let Some(dn) = &file.doing_nothing {
        for p in crate::asis::check_doing_nothing_located(dn, library) {
            cx.issues.push(ModelIssue {
                location: location(p.table, p.index, &p.name, p.key),
                line: cx.loc.line(p.table, p.index, p.key),
                message: p.message,
            });
        }
    }
}

fn agency_index(agencies: &mut Vec<String>, name: &str) -> usize {
    let n = name.trim();
    match agencies.iter().position(|a| a == n) {
        Some(i) => i,
        None => {
            agencies.push(n.to_owned());
            agencies.len() - 1
        }
    }
}

/// A message for an unknown unit cost code, with close matches.
pub fn unknown_code(library: &UnitCostLibrary, code: &str) -> String {
    let prefix: String = code.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let similar: Vec<&str> = library
        .entries
        .iter()
        .filter(|e| {
            !prefix.is_empty()
                && e.code.starts_with(&prefix)
                && e.code.len() + 1 >= code.len()
                && e.code.len() <= code.len() + 1
        })
        .map(|e| e.code.as_str())
        .take(5)
        .collect();
    format!(
        "no unit cost has the code '{code}'{}; find codes with: wholeplace unit-costs search WORDS, or add it under [[local_unit_costs]]",
        if similar.is_empty() {
            String::new()
        } else {
            format!(" (similar: {})", similar.join(", "))
        }
    )
}

/// Checks and resolves one outcome line against the reference data; None when the line has
/// problems (which are in `cx`).
fn prepare_outcome(
    cx: &mut Ctx<'_>,
    refs: &Refs<'_>,
    i: usize,
    o: &OutcomeLine,
    agencies: &mut Vec<String>,
) -> Option<PreparedOutcome> {
    let t = "outcomes";
    let n = o.name.as_str();
    let horizon = refs.horizon;
    let before = cx.issues.len();
    if !(1..=6).contains(&o.grade) {
        cx.refuse(t, i, n, Some("grade"), format!("grade {} is not a confidence grade: use 1 (audited, current local data) to 6 (expert judgement)", o.grade));
    }
    if o.unit_costs.is_empty() {
        cx.refuse(t, i, n, Some("unit_costs"), "give at least one unit cost code that values the outcome, e.g. unit_costs = [\"SS1.0\"]".into());
    }
    let impact = outcome_impact(cx, i, o);
    let rate = |cx: &mut Ctx<'_>, key: &str, num: Option<&Num>| {
        cx.input(t, i, n, key, num, 0.0, InputKind::Rate)
    };
    let deadweight = rate(cx, "deadweight", o.deadweight.as_ref());
    let attribution = rate(cx, "attribution", o.attribution.as_ref());
    let displacement = rate(cx, "displacement", o.displacement.as_ref());
    let drop_off = rate(cx, "drop_off", o.drop_off.as_ref());
    let cashable = rate(cx, "cashable", o.cashable.as_ref());
    let gross =
        o.deadweight.is_none() && o.comparison.as_deref().is_none_or(|c| c.trim().is_empty());
    if gross {
        cx.warn("gross", n, "no deadweight and no comparison group: this line's figures are GROSS, not net. Families chosen at a crisis peak improve anyway (regression to the mean); give deadweight or a comparison".into());
    }
    let lag = o.lag_years.unwrap_or(0);
    let intakes = outcome_intakes(cx, i, o, horizon);
    let first = intakes.first().map(|x| x.0).unwrap_or(0);
    if first.saturating_add(lag) >= horizon {
        cx.warn(
            "after-horizon",
            n,
            format!("the lag of {lag} years puts every outcome after the {horizon}-year horizon"),
        );
    }
    let active = active_years(&intakes, lag, o.duration_years, horizon);
    let plan = cashable_plan(cx, i, o, horizon, &active);
    if o.duration_years == Some(0) {
        cx.refuse(
            t,
            i,
            n,
            Some("duration_years"),
            "a duration of 0 years means no outcome: give at least 1 or remove the line".into(),
        );
    }
    let ob = refs.params.optimism_for_grade(o.grade).unwrap_or(0.0);
    let mut parts = Vec::new();
    let mut codes: Vec<&UnitCost> = Vec::new();
    for v in &o.unit_costs {
        let Some(uc) = refs.library.get(&v.code) else {
            cx.refuse(
                t,
                i,
                n,
                Some("unit_costs"),
                unknown_code(refs.library, &v.code),
            );
            continue;
        };
        let kinds = check_value_ref(cx, i, n, v, uc, &codes);
        codes.push(uc);
        warn_unit_cost(cx, refs, o, uc);
        parts.extend(value_parts(cx, refs, i, o, v, uc, &kinds));
    }
    if cx.issues.len() > before {
        return None;
    }
    let impact = impact?;
    let totals = Totals::of(&parts, agencies);
    Some(PreparedOutcome {
        index: i,
        name: o.name.clone(),
        counted_as: o
            .counted_as
            .clone()
            .unwrap_or_else(|| format!("outcomes of '{}'", o.name)),
        impact,
        deadweight,
        attribution,
        displacement,
        drop_off,
        cashable,
        cashable_from_year: plan.from,
        cashable_schedule: plan.schedule,
        cashable_rule: plan.rule,
        intakes,
        lag_years: lag,
        duration_years: o.duration_years,
        grade: o.grade,
        optimism_bias: ob,
        health: o.health.unwrap_or(false),
        gross,
        parts,
        fiscal_by_agency: totals.fiscal_by_agency,
        fiscal: totals.fiscal,
        transfer: totals.transfer,
        economic: totals.economic,
        social: totals.social,
    })
}

/// The inputs that count an outcome line's outcomes: a rate of a cohort, or an absolute count.
fn outcome_impact(cx: &mut Ctx<'_>, i: usize, o: &OutcomeLine) -> Option<ImpactInputs> {
    let t = "outcomes";
    let n = o.name.as_str();
    match (&o.impact, &o.impact_count) {
        (Some(_), Some(_)) => {
            cx.refuse(t, i, n, Some("impact_count"), "give impact (a rate, with cohort) or impact_count (a number of outcomes), not both".into());
            None
        }
        (None, None) => {
            cx.refuse(
                t,
                i,
                n,
                Some("impact"),
                "give impact (a rate, with cohort) or impact_count (a number of outcomes)".into(),
            );
            None
        }
        (Some(rate), None) if o.intakes.is_some() => {
            let one = Num::Fixed(1.0);
            let cohort = cx.input(
                t,
                i,
                n,
                "each intake",
                Some(&one),
                1.0,
                InputKind::NonNegative,
            );
            let engagement = cx.input(
                t,
                i,
                n,
                "engagement",
                o.engagement.as_ref(),
                1.0,
                InputKind::Rate,
            );
            let impact = cx.input(t, i, n, "impact", Some(rate), 0.0, InputKind::Rate);
            Some(ImpactInputs::Rate {
                cohort,
                engagement,
                impact,
            })
        }
        (Some(rate), None) => {
            if o.cohort.is_none() {
                cx.refuse(
                    t,
                    i,
                    n,
                    Some("cohort"),
                    "an impact rate needs a cohort (the number in need)".into(),
                );
            }
            let cohort = cx.input(
                t,
                i,
                n,
                "cohort",
                o.cohort.as_ref(),
                0.0,
                InputKind::NonNegative,
            );
            let engagement = cx.input(
                t,
                i,
                n,
                "engagement",
                o.engagement.as_ref(),
                1.0,
                InputKind::Rate,
            );
            let impact = cx.input(t, i, n, "impact", Some(rate), 0.0, InputKind::Rate);
            Some(ImpactInputs::Rate {
                cohort,
                engagement,
                impact,
            })
        }
        (None, Some(c)) => {
            if o.cohort.is_some() || o.engagement.is_some() {
                cx.warn("count-ignores-cohort", n, "impact_count is an absolute number of outcomes: cohort and engagement are not used for this line".into());
            }
            let count = cx.input(
                t,
                i,
                n,
                "impact_count",
                Some(c),
                0.0,
                InputKind::NonNegative,
            );
            Some(ImpactInputs::Count { count })
        }
    }
}

/// The intakes of outcome line `i` (appraisal year, number entering), checked; empty when the
/// line has one cohort.
fn outcome_intakes(cx: &mut Ctx<'_>, i: usize, o: &OutcomeLine, horizon: u32) -> Vec<(u32, f64)> {
    let (t, n) = ("outcomes", o.name.as_str());
    let Some(intakes) = &o.intakes else {
        return Vec::new();
    };
    if o.cohort.is_some() {
        cx.refuse(t, i, n, Some("intakes"), "give cohort (one group in year 0) or intakes (the numbers entering each year), not both: remove one".into());
    }
    if o.impact_count.is_some() {
        cx.refuse(t, i, n, Some("intakes"), "intakes are the numbers entering each year and go with impact (a rate of them): remove impact_count, or remove intakes".into());
    }
    let count = match intakes {
        crate::model::Intakes::List(v) => v.len(),
        crate::model::Intakes::Rule(r) => r.years as usize,
    };
    if count > horizon as usize {
        cx.refuse(t, i, n, Some("intakes"), format!("{count} yearly intakes but the horizon is {horizon} years: give at most one intake a year within the horizon"));
        return Vec::new();
    }
    let by_year = intakes.by_year();
    if by_year.is_empty() {
        cx.refuse(t, i, n, Some("intakes"), "no intakes given: write them like intakes = [40, 40, 30] or intakes = { per_year = 40, years = 5 }".into());
    }
    for (y, k) in &by_year {
        if !(0.0..=crate::check::MAX_POUNDS).contains(k) {
            cx.refuse(t, i, n, Some("intakes"), format!("the intake of year {y} is {k}: each intake is a number of people that is not negative, e.g. intakes = [40, 40, 30]"));
        }
    }
    let lag = o.lag_years.unwrap_or(0);
    let late: Vec<String> = by_year
        .iter()
        .filter(|(y, _)| y.saturating_add(lag) >= horizon)
        .map(|(y, _)| y.to_string())
        .collect();
    if !late.is_empty() {
        cx.warn("never-takes-effect", n, format!("the intakes of year(s) {} start (with a lag of {lag}) after the {horizon}-year horizon: they can never take effect and add nothing", late.join(", ")));
    }
    by_year
}

/// Whether the line has outcomes in each appraisal year.
fn active_years(
    intakes: &[(u32, f64)],
    lag: u32,
    duration: Option<u32>,
    horizon: u32,
) -> Vec<bool> {
    let h = horizon as usize;
    let mut active = vec![false; h];
    let starts: Vec<u32> = if intakes.is_empty() {
        vec![0]
    } else {
        intakes.iter().map(|x| x.0).collect()
    };
    for s in starts {
        let from = (s.saturating_add(lag) as usize).min(h);
        let to = duration.map_or(h, |d| (from + d as usize).min(h));
        for a in &mut active[from..to] {
            *a = true;
        }
    }
    active
}

/// How an outcome line's fiscal benefit becomes cashable.
struct CashablePlan {
    from: u32,
    schedule: Vec<f64>,
    rule: String,
}

/// Checks and resolves the cashable share, schedule and capacity rule of outcome line `i`;
/// warns when the line gives nothing cashable, or a setting can never take effect.
fn cashable_plan(
    cx: &mut Ctx<'_>,
    i: usize,
    o: &OutcomeLine,
    horizon: u32,
    active: &[bool],
) -> CashablePlan {
    let (t, n) = ("outcomes", o.name.as_str());
    let schedule = o.cashable_schedule.clone().unwrap_or_default();
    if o.cashable_schedule.is_some() {
        if o.cashable.is_some() {
            cx.refuse(t, i, n, Some("cashable_schedule"), "give cashable (one share) or cashable_schedule (a share by year), not both: remove one".into());
        }
        if schedule.is_empty() {
            cx.refuse(t, i, n, Some("cashable_schedule"), "the schedule is empty: write a share for each year from year 0, e.g. cashable_schedule = [0, 0.5, 1]".into());
        }
        if schedule.len() > horizon as usize {
            cx.refuse(
                t,
                i,
                n,
                Some("cashable_schedule"),
                format!(
                    "{} shares given but the horizon is {horizon} years: remove the extra years",
                    schedule.len()
                ),
            );
        }
        for (y, x) in schedule.iter().enumerate() {
            if !(0.0..=1.0).contains(x) {
                cx.refuse(t, i, n, Some("cashable_schedule"), format!("the share of year {y} is {x}: each share is a rate between 0 and 1 (write 50% as 0.5)"));
            }
        }
    }
    let from = o
        .cashable_from_year
        .unwrap_or(0)
        .max(o.capacity_removed_year.unwrap_or(0));
    let share_at = |y: usize| -> f64 {
        if (y as u32) < from {
            0.0
        } else if schedule.is_empty() {
            o.cashable.as_ref().map_or(0.0, |c| match c {
                Num::Fixed(x) => *x,
                Num::Dist(d) => d.tornado_range().1,
            })
        } else {
            schedule[y.min(schedule.len() - 1)]
        }
    };
    let any_share = o.cashable.is_some() || o.cashable_schedule.is_some();
    let ever = (0..active.len()).any(|y| active[y] && share_at(y) > 0.0);
    if !any_share {
        cx.warn("non-cashable", n, "no cashable share given: all fiscal benefit is treated as non-cashable (freed capacity), never assumed to leave a budget".into());
        if o.cashable_from_year.is_some() || o.capacity_removed_year.is_some() {
            cx.warn("never-takes-effect", n, "cashable_from_year or capacity_removed_year is given without cashable or cashable_schedule: it can never take effect; give the cashable share".into());
        }
    } else if !ever {
        let why = if from >= horizon {
            format!(
                "nothing is cashable before year {from} (cashable_from_year or capacity_removed_year), which is beyond the {horizon}-year horizon: the setting can never take effect; give a year from 0 to {}",
                horizon - 1
            )
        } else {
            format!(
                "the line has no outcomes with a cashable share in any year from year {from}: the cashable setting can never take effect"
            )
        };
        cx.warn(
            "non-cashable",
            n,
            format!("no cashable share in any year: all fiscal benefit is non-cashable. {why}"),
        );
    }
    if o.capacity_removed.is_some() && o.capacity_removed_year.is_none() {
        cx.warn("never-takes-effect", n, "capacity_removed says what capacity goes but not when: give capacity_removed_year (nothing is cashable before it)".into());
    }
    let pct = |x: f64| format!("{}%", (x * 1e6).round() / 1e4);
    let mut rule = if !schedule.is_empty() {
        format!(
            "cashable by year from year 0: {} (the last share holds)",
            schedule
                .iter()
                .map(|x| pct(*x))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else if let Some(c) = &o.cashable {
        format!(
            "{} cashable",
            match c {
                Num::Fixed(x) => pct(*x),
                Num::Dist(d) => d.to_text(),
            }
        )
    } else {
        "none cashable (freed capacity)".to_owned()
    };
    if let Some(y) = o.capacity_removed_year {
        rule.push_str(&format!(
            "; cashable only from year {y}, when capacity is removed{}",
            o.capacity_removed
                .as_ref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default()
        ));
    }
    if from > o.capacity_removed_year.unwrap_or(0) {
        rule.push_str(&format!("; none before year {from}"));
    }
    CashablePlan {
        from,
        schedule,
        rule,
    }
}

/// Checks one unit cost reference of outcome line `i` (named `n`) against the codes before it;
/// returns the kinds of value it asks for.
fn check_value_ref(
    cx: &mut Ctx<'_>,
    i: usize,
    n: &str,
    v: &ValueRef,
    uc: &UnitCost,
    codes: &[&UnitCost],
) -> Vec<String> {
    let t = "outcomes";
    if !(v.quantity.is_finite() && v.quantity >= 0.0) {
        cx.refuse(
            t,
            i,
            n,
            Some("unit_costs"),
            format!(
                "quantity {} for {} must be a number that is not negative",
                v.quantity, v.code
            ),
        );
    }
    let kinds: Vec<String> = v
        .values
        .clone()
        .unwrap_or_else(|| vec!["fiscal".into(), "economic".into(), "social".into()]);
    for k in &kinds {
        if !["fiscal", "economic", "social"].contains(&k.as_str()) {
            cx.refuse(
                t,
                i,
                n,
                Some("unit_costs"),
                format!("'{k}' is not a kind of value: use fiscal, economic or social"),
            );
        }
    }
    for prev in codes {
        if let Some(why) = prev
            .double_counts_with(uc)
            .or_else(|| uc.double_counts_with(prev))
        {
            cx.refuse(
                t,
                i,
                n,
                Some("unit_costs"),
                format!("double counting: {why}. Use the headline or its constituents, not both"),
            );
        }
    }
    kinds
}

/// Warns about a unit cost used by outcome line `o`: no value, stale, rated Red, a local
/// override, or a yearly value on a line without a duration.
fn warn_unit_cost(cx: &mut Ctx<'_>, refs: &Refs<'_>, o: &OutcomeLine, uc: &UnitCost) {
    let n = o.name.as_str();
    if uc.fiscal.is_none() && uc.economic.is_none() && uc.social.is_none() {
        cx.warn(
            "no-value",
            n,
            format!("{} has no value in the library and adds nothing", uc.code),
        );
    }
    if let Some(age) = uc.age_years(refs.start)
        && age > refs.params.stale_after_years as i32
    {
        cx.warn("stale", &uc.code, format!("{} ({}) uses values from {} years before the appraisal starts (RAG {}): check for newer local data", uc.code, uc.description, age, if uc.rag.is_empty() { "n/a" } else { &uc.rag }));
    }
    if uc.rag == "R" {
        cx.warn(
            "red-rag",
            &uc.code,
            format!("{} is rated Red (weak robustness) by the database", uc.code),
        );
    }
    if let Origin::Local {
        partner,
        overrides: Some(over),
        ..
    } = &uc.origin
    {
        cx.warn(
            "local-override",
            &uc.code,
            format!(
                "{} replaces the national value {over} with a local estimate from {partner}",
                uc.code
            ),
        );
    }
    let unit = uc.unit.to_ascii_lowercase();
    if o.duration_years.is_none() && ANNUAL_UNITS.iter().any(|u| unit.contains(u)) {
        cx.warn("no-duration", n, format!("{} is a value {} but the line gives no duration_years: the outcome is assumed to last every year to the end of the horizon; give a duration (or a drop-off)", uc.code, uc.unit.to_lowercase()));
    }
}

/// The value parts (per outcome, uprated to the price base) of one unit cost reference of
/// outcome line `i`, for the kinds of value it asks for.
fn value_parts(
    cx: &mut Ctx<'_>,
    refs: &Refs<'_>,
    i: usize,
    o: &OutcomeLine,
    v: &ValueRef,
    uc: &UnitCost,
    kinds: &[String],
) -> Vec<ValuePart> {
    let n = o.name.as_str();
    let mut parts = Vec::new();
    let mut push = |kind: &str,
                    p: Priced,
                    (agency, share): (Option<String>, f64),
                    transfer: bool,
                    code: &str,
                    cx: &mut Ctx<'_>| {
        let factor = match refs.deflators.factor(p.price_year, refs.pb) {
            Ok(f) => f,
            Err(e) => {
                cx.refuse("outcomes", i, n, Some("unit_costs"), e.to_string());
                1.0
            }
        };
        parts.push(ValuePart {
            code: code.to_owned(),
            kind: kind.into(),
            agency,
            transfer,
            original: p,
            uprating_factor: factor,
            quantity: v.quantity,
            share,
            uprated_with: refs.deflators.describe(p.price_year, refs.pb),
            value: p.pounds * factor * v.quantity * share,
        });
    };
    let split = check_split(cx, i, n, v);
    if kinds.iter().any(|k| k == "fiscal") {
        for fp in &uc.fiscal_parts {
            let agency = v.fiscal_agency.clone().unwrap_or_else(|| {
                if fp.agency.trim().is_empty() {
                    "Unspecified agency".into()
                } else {
                    fp.agency.clone()
                }
            });
            let code = fp.from_code.clone().unwrap_or_else(|| uc.code.clone());
            match &split {
                Some(shares) => {
                    for (a, share) in shares {
                        push(
                            "fiscal",
                            fp.value,
                            (Some(a.clone()), *share),
                            fp.transfer,
                            &code,
                            cx,
                        );
                    }
                }
                None => push(
                    "fiscal",
                    fp.value,
                    (Some(agency), 1.0),
                    fp.transfer,
                    &code,
                    cx,
                ),
            }
        }
        if uc.transfer_share > 0.0 {
            cx.warn("transfer-excluded", n, format!("{}: {:.0}% of the fiscal value is a transfer payment (benefits or tax); it counts in the financial case but is excluded from public value (NPPV, BCR)", uc.code, uc.transfer_share * 100.0));
        }
    }
    if kinds.iter().any(|k| k == "economic")
        && let Some(e) = uc.economic
    {
        push("economic", e, (None, 1.0), false, &uc.code, cx);
    }
    if kinds.iter().any(|k| k == "social")
        && let Some(s) = uc.social
    {
        push("social", s, (None, 1.0), false, &uc.code, cx);
    }
    parts
}

/// The checked `fiscal_split` of a unit cost reference: (agency, share as a fraction).
fn check_split(cx: &mut Ctx<'_>, i: usize, n: &str, v: &ValueRef) -> Option<Vec<(String, f64)>> {
    let shares = v.fiscal_split.as_ref()?;
    let t = "outcomes";
    let key = Some("unit_costs");
    if v.fiscal_agency.is_some() {
        cx.refuse(
            t,
            i,
            n,
            key,
            format!(
                "{}: give fiscal_agency (all to one agency) or fiscal_split (shares), not both",
                v.code
            ),
        );
    }
    let mut out = Vec::new();
    let mut total = 0.0;
    for s in shares {
        if s.agency.trim().is_empty() {
            cx.refuse(t, i, n, key, format!("{}: every fiscal_split share names its agency, e.g. {{ agency = \"Council\", percent = 60 }}", v.code));
        }
        if !(s.percent.is_finite() && s.percent > 0.0 && s.percent <= 100.0) {
            cx.refuse(t, i, n, key, format!("{}: the share of {} is {}%: each share is a percentage above 0 and at most 100, e.g. percent = 60", v.code, s.agency, s.percent));
        }
        if out
            .iter()
            .any(|(a, _): &(String, f64)| a == s.agency.trim())
        {
            cx.refuse(
                t,
                i,
                n,
                key,
                format!(
                    "{}: {} has two shares: give each agency one share",
                    v.code, s.agency
                ),
            );
        }
        total += s.percent;
        out.push((s.agency.trim().to_owned(), s.percent / 100.0));
    }
    if (total - 100.0).abs() > 1e-9 {
        cx.refuse(t, i, n, key, format!("{}: the fiscal_split shares add up to {total}%: they must add up to 100 (e.g. 60 and 40)", v.code));
    }
    Some(out)
}

/// An outcome line's value per outcome, summed from its parts.
struct Totals {
    /// Fiscal value by agency index: (agency, non-transfer, transfer).
    fiscal_by_agency: Vec<(usize, f64, f64)>,
    fiscal: f64,
    transfer: f64,
    economic: f64,
    social: f64,
}

impl Totals {
    /// Sums `parts`, adding the fiscal parts' agencies to `agencies`.
    fn of(parts: &[ValuePart], agencies: &mut Vec<String>) -> Self {
        let mut fiscal_by_agency: Vec<(usize, f64, f64)> = Vec::new();
        let (mut fiscal, mut transfer, mut economic, mut social) = (0.0, 0.0, 0.0, 0.0);
        for p in parts {
            match p.kind.as_str() {
                "fiscal" => {
                    fiscal += p.value;
                    let a = agency_index(
                        agencies,
                        p.agency.as_deref().unwrap_or("Unspecified agency"),
                    );
                    let entry = match fiscal_by_agency.iter_mut().find(|f| f.0 == a) {
                        Some(e) => e,
                        None => {
                            fiscal_by_agency.push((a, 0.0, 0.0));
                            let last = fiscal_by_agency.len() - 1;
                            &mut fiscal_by_agency[last]
                        }
                    };
                    if p.transfer {
                        transfer += p.value;
                        entry.2 += p.value;
                    } else {
                        entry.1 += p.value;
                    }
                }
                "economic" => economic += p.value,
                _ => social += p.value,
            }
        }
        Totals {
            fiscal_by_agency,
            fiscal,
            transfer,
            economic,
            social,
        }
    }
}
