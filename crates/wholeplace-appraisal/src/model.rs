//! The appraisal model file (TOML, format version 1): the shape users write, documented in
//! docs/APPRAISAL-MODEL.md. This module only reads and writes the text and locates keys for error
//! messages; [`crate::Engine::prepare`] checks the content against the unit-cost library and the
//! parameters. Keep this format stable: hand-worked appraisals written by others must reproduce.

use crate::params::DiscountBand;
use crate::unitcost::LocalUnitCost;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use wholeplace_domain::FinancialYear;

/// The newest model file format version this engine reads (it reads every earlier one with that
/// version's rules: docs/APPRAISAL-MODEL.md, "Versions").
pub const FORMAT_VERSION: u32 = 2;

/// The versions this engine reads.
pub const FORMAT_VERSIONS: [u32; 2] = [1, 2];

/// A probability distribution for an uncertain input. Its point value (used by the deterministic
/// appraisal) is `point` if given, else the mode (triangular, PERT), the mean (uniform, normal)
/// or the median (lognormal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum Dist {
    /// Triangular on [min, max] with the given mode.
    Triangular {
        /// Lowest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Highest value.
        max: f64,
        /// Point value override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<f64>,
    },
    /// PERT (a beta distribution with shape 4) on [min, max] with the given mode.
    Pert {
        /// Lowest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Highest value.
        max: f64,
        /// Point value override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<f64>,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lowest value.
        min: f64,
        /// Highest value.
        max: f64,
        /// Point value override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<f64>,
    },
    /// Normal with mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Point value override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<f64>,
    },
    /// Lognormal given by its median and the standard deviation of its logarithm.
    Lognormal {
        /// Median (exp of the log-mean).
        median: f64,
        /// Standard deviation of ln(x).
        sigma: f64,
        /// Point value override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<f64>,
    },
}

impl Dist {
    /// The value the deterministic appraisal uses.
    pub fn point(&self) -> f64 {
        match *self {
            Dist::Triangular { mode, point, .. } | Dist::Pert { mode, point, .. } => {
                point.unwrap_or(mode)
            }
            Dist::Uniform { min, max, point } => point.unwrap_or((min + max) / 2.0),
            Dist::Normal { mean, point, .. } => point.unwrap_or(mean),
            Dist::Lognormal { median, point, .. } => point.unwrap_or(median),
        }
    }

    /// The low and high ends used by the tornado: min and max for bounded distributions, the 5th
    /// and 95th percentiles for normal and lognormal.
    pub fn tornado_range(&self) -> (f64, f64) {
        const Z95: f64 = 1.644_853_626_951_472_2;
        match *self {
            Dist::Triangular { min, max, .. }
            | Dist::Pert { min, max, .. }
            | Dist::Uniform { min, max, .. } => (min, max),
            Dist::Normal { mean, sd, .. } => (mean - Z95 * sd, mean + Z95 * sd),
            Dist::Lognormal { median, sigma, .. } => {
                (median * (-Z95 * sigma).exp(), median * (Z95 * sigma).exp())
            }
        }
    }

    /// What is wrong with the parameters, if anything.
    pub fn problem(&self) -> Option<String> {
        let fin = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Dist::Triangular { min, mode, max, .. } | Dist::Pert { min, mode, max, .. } => {
                if !(fin(&[min, mode, max]) && min <= mode && mode <= max) || min == max {
                    return Some(format!(
                        "needs min <= mode <= max with min < max (got min {min}, mode {mode}, max {max})"
                    ));
                }
            }
            Dist::Uniform { min, max, .. } => {
                if !fin(&[min, max]) || min >= max {
                    return Some(format!("needs min < max (got min {min}, max {max})"));
                }
            }
            Dist::Normal { mean, sd, .. } => {
                if !fin(&[mean, sd]) || sd <= 0.0 {
                    return Some(format!("needs a positive sd (got {sd})"));
                }
            }
            Dist::Lognormal { median, sigma, .. } => {
                if !fin(&[median, sigma]) || median <= 0.0 || sigma <= 0.0 {
                    return Some(format!(
                        "needs a positive median and sigma (got median {median}, sigma {sigma})"
                    ));
                }
            }
        }
        None
    }

    /// A short text form, e.g. `triangular(0.1, 0.2, 0.3)` (also read back by the workbook).
    pub fn to_text(&self) -> String {
        let pt = |p: Option<f64>| p.map(|p| format!(", point={p}")).unwrap_or_default();
        match *self {
            Dist::Triangular {
                min,
                mode,
                max,
                point,
            } => {
                format!("triangular({min}, {mode}, {max}{})", pt(point))
            }
            Dist::Pert {
                min,
                mode,
                max,
                point,
            } => {
                format!("pert({min}, {mode}, {max}{})", pt(point))
            }
            Dist::Uniform { min, max, point } => format!("uniform({min}, {max}{})", pt(point)),
            Dist::Normal { mean, sd, point } => format!("normal({mean}, {sd}{})", pt(point)),
            Dist::Lognormal {
                median,
                sigma,
                point,
            } => {
                format!("lognormal({median}, {sigma}{})", pt(point))
            }
        }
    }

    /// Reads the text form written by [`Dist::to_text`].
    pub fn from_text(s: &str) -> Result<Dist, String> {
        let s = s.trim();
        let help = "write a number, or a distribution such as triangular(min, mode, max), pert(min, mode, max), uniform(min, max), normal(mean, sd) or lognormal(median, sigma)";
        let (name, rest) = s
            .split_once('(')
            .ok_or_else(|| format!("'{s}' is not a number or a distribution: {help}"))?;
        let inner = rest
            .strip_suffix(')')
            .ok_or_else(|| format!("'{s}' lacks a closing bracket: {help}"))?;
        let mut nums = Vec::new();
        let mut point = None;
        for part in inner.split(',') {
            let part = part.trim();
            if let Some(p) = part.strip_prefix("point=") {
                point = Some(
                    p.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("'{part}' in '{s}' is not a number"))?,
                );
            } else {
                nums.push(
                    part.parse::<f64>()
                        .map_err(|_| format!("'{part}' in '{s}' is not a number: {help}"))?,
                );
            }
        }
        let need = |n: usize| {
            if nums.len() == n {
                Ok(())
            } else {
                Err(format!("'{s}' needs {n} numbers: {help}"))
            }
        };
        let d = match name.trim().to_ascii_lowercase().as_str() {
            "triangular" => {
                need(3)?;
                Dist::Triangular {
                    min: nums[0],
                    mode: nums[1],
                    max: nums[2],
                    point,
                }
            }
            "pert" => {
                need(3)?;
                Dist::Pert {
                    min: nums[0],
                    mode: nums[1],
                    max: nums[2],
                    point,
                }
            }
            "uniform" => {
                need(2)?;
                Dist::Uniform {
                    min: nums[0],
                    max: nums[1],
                    point,
                }
            }
            "normal" => {
                need(2)?;
                Dist::Normal {
                    mean: nums[0],
                    sd: nums[1],
                    point,
                }
            }
            "lognormal" => {
                need(2)?;
                Dist::Lognormal {
                    median: nums[0],
                    sigma: nums[1],
                    point,
                }
            }
            other => return Err(format!("'{other}' is not a distribution: {help}")),
        };
        Ok(d)
    }
}

/// A number that may be uncertain: either a plain number or a distribution table
/// (`{ dist = "triangular", min = 0.1, mode = 0.2, max = 0.3 }`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Num {
    /// A fixed value.
    Fixed(f64),
    /// A distribution.
    Dist(Dist),
}

impl Num {
    /// The deterministic value.
    pub fn point(&self) -> f64 {
        match self {
            Num::Fixed(x) => *x,
            Num::Dist(d) => d.point(),
        }
    }

    /// Text form: the number, or the distribution's text form.
    pub fn to_text(&self) -> String {
        match self {
            Num::Fixed(x) => x.to_string(),
            Num::Dist(d) => d.to_text(),
        }
    }

    /// Reads a number or a distribution's text form.
    pub fn from_text(s: &str) -> Result<Num, String> {
        let t = s.trim();
        if let Ok(x) = t.replace([',', '£'], "").parse::<f64>() {
            return Ok(Num::Fixed(x));
        }
        Dist::from_text(t).map(Num::Dist)
    }
}

impl From<f64> for Num {
    fn from(x: f64) -> Self {
        Num::Fixed(x)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a distribution table such as { dist = \"triangular\", min = 0.1, mode = 0.2, max = 0.3 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num::Fixed(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Num::from_text(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
                Dist::deserialize(de::value::MapAccessDeserializer::new(map)).map(Num::Dist)
            }
        }
        d.deserialize_any(V)
    }
}

/// A reference from an outcome line to a unit cost: a code, or a table with options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRef {
    /// The unit cost code (national or local).
    pub code: String,
    /// Units of the cost per outcome (e.g. 52 for a per-week cost over a year). Default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub quantity: f64,
    /// Give every fiscal part to this agency instead of the library's bearing agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_agency: Option<String>,
    /// Split every fiscal part between agencies by declared percentages (summing to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_split: Option<Vec<SplitShare>>,
    /// Which kinds of value to count: any of "fiscal", "economic", "social" (default all three).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// One agency's share of a fiscal value split between agencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitShare {
    /// The agency.
    pub agency: String,
    /// Its share in percent (the shares of one value add up to 100).
    pub percent: f64,
}

fn one() -> f64 {
    1.0
}
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueRefTable {
    code: String,
    #[serde(default = "one")]
    quantity: f64,
    #[serde(default)]
    fiscal_agency: Option<String>,
    #[serde(default)]
    fiscal_split: Option<Vec<SplitShare>>,
    #[serde(default)]
    values: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for ValueRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a unit cost code such as \"CR1.0\", or a table such as { code = \"HO7.4\", quantity = 52 }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ValueRef, E> {
                Ok(ValueRef {
                    code: v.trim().to_owned(),
                    quantity: 1.0,
                    fiscal_agency: None,
                    fiscal_split: None,
                    values: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueRef, A::Error> {
                let t = ValueRefTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueRef {
                    code: t.code,
                    quantity: t.quantity,
                    fiscal_agency: t.fiscal_agency,
                    fiscal_split: t.fiscal_split,
                    values: t.values,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `[appraisal]`: what is appraised, in which price base, from which year, for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppraisalSection {
    /// 1 or 2: the rules the figures are worked out by (docs/APPRAISAL-MODEL.md, "Versions").
    pub format_version: u32,
    /// Title shown on reports.
    pub title: String,
    /// A sentence or two on what is appraised.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The price base every value is uprated to, e.g. "2014/15". Required in version 1; in
    /// version 2 it defaults to the last year of the deflator series (today's prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_base: Option<FinancialYear>,
    /// The financial year of appraisal year 0.
    pub start_year: FinancialYear,
    /// Number of appraisal years (year 0 to horizon_years - 1).
    pub horizon_years: u32,
    /// Who the cohort is (for reports).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cohort: String,
    /// The partnership or place (for reports).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
}

/// `[parameters]`: the parameter set and any overrides (each override is shown in the report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParametersSection {
    /// Built-in parameter set id (default "green-book-2022").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// Replace the discount schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_schedule: Option<Vec<DiscountBand>>,
    /// Replace the health discount rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_discount_rate: Option<f64>,
    /// Replace the optimism-bias table: six fractions for grades 1..6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimism_bias: Option<Vec<f64>>,
    /// Flag values older than this many years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after_years: Option<u32>,
    /// N in "probability of payback within N years" (default: the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payback_within_years: Option<u32>,
}

/// What a cost line pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    /// Capital expenditure.
    Capital,
    /// Revenue (running) expenditure.
    Revenue,
    /// In-kind contribution (staff time, premises) valued in money.
    InKind,
}

impl CostKind {
    /// The word used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Capital => "capital",
            CostKind::Revenue => "revenue",
            CostKind::InKind => "in-kind",
        }
    }
}

/// `[[costs]]`: one cost line of an option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostLine {
    /// What the money buys.
    pub name: String,
    /// The option the line belongs to (default "To Be").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The agency that bears the cost.
    pub agency: String,
    /// capital, revenue or in-kind.
    pub kind: CostKind,
    /// Confidence grade 1 (best) .. 6 (worst).
    pub grade: u8,
    /// Price year of the amounts.
    pub price_year: FinancialYear,
    /// Amounts in pounds for appraisal years 0, 1, 2 ... (missing years are zero).
    pub amounts: Vec<f64>,
    /// Use a Mott MacDonald category (upper bound) instead of the grade table, e.g.
    /// "standard-buildings".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimism_bias_category: Option<String>,
    /// An explicit optimism-bias fraction for this line (overrides grade and category).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimism_bias: Option<f64>,
    /// Uncertainty as a multiplier of every amount (point value normally 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Num>,
    /// Notes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// `[[outcomes]]`: one outcome line of an option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeLine {
    /// What changes.
    pub name: String,
    /// The option the line belongs to (default "To Be").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// How one outcome is counted in words, for break-even sentences ("care entries prevented").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_as: Option<String>,
    /// The unit costs that value one outcome.
    pub unit_costs: Vec<ValueRef>,
    /// Number in need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<Num>,
    /// Instead of one cohort: the number entering in each year (a list from year 0, or a rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intakes: Option<Intakes>,
    /// Share engaging (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement: Option<Num>,
    /// Impact rate among those engaged (give this or impact_count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Num>,
    /// Absolute number of outcomes (instead of cohort x engagement x impact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_count: Option<Num>,
    /// Share that would have happened anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadweight: Option<Num>,
    /// A comparison group the impact was measured against (then the figure is net even without
    /// deadweight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<String>,
    /// Share due to others (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Num>,
    /// Share moved elsewhere rather than removed (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displacement: Option<Num>,
    /// Years before the outcome starts (default 0: starts in year 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_years: Option<u32>,
    /// Years the outcome lasts (default: to the end of the horizon, with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_years: Option<u32>,
    /// Share of the effect lost each year after the first (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_off: Option<Num>,
    /// Confidence grade 1..6 (optimism bias reduces the outcomes).
    pub grade: u8,
    /// Share of fiscal benefit that is cashable (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashable: Option<Num>,
    /// First appraisal year in which the cashable share applies (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashable_from_year: Option<u32>,
    /// Cashable share by appraisal year from year 0 (the last share holds for later years),
    /// instead of one `cashable` share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashable_schedule: Option<Vec<f64>>,
    /// The appraisal year capacity is removed (a post, bed or contract goes): nothing is cashable
    /// before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_removed_year: Option<u32>,
    /// What capacity is removed, in words ("one social worker post").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_removed: Option<String>,
    /// Discount at the health rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<bool>,
    /// The evidence the line rests on.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

/// The intakes of an outcome line: how many enter in each appraisal year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Intakes {
    /// The number entering in years 0, 1, 2 ...
    List(Vec<f64>),
    /// `per_year` entering in each of `years` years from `from_year`.
    Rule(IntakeRule),
}

/// "N a year for Y years".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRule {
    /// Number entering each year.
    pub per_year: f64,
    /// Number of yearly intakes.
    pub years: u32,
    /// Appraisal year of the first intake (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub from_year: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

impl Intakes {
    /// (appraisal year, number entering) of each intake.
    pub fn by_year(&self) -> Vec<(u32, f64)> {
        match self {
            Intakes::List(v) => v.iter().enumerate().map(|(y, n)| (y as u32, *n)).collect(),
            Intakes::Rule(r) => (0..r.years)
                .map(|k| (r.from_year.saturating_add(k), r.per_year))
                .collect(),
        }
    }

    /// Text form: `40, 40, 30` or `40 a year for 5 years from year 1`.
    pub fn to_text(&self) -> String {
        match self {
            Intakes::List(v) => v
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Intakes::Rule(r) => format!(
                "{} a year for {} years from year {}",
                r.per_year, r.years, r.from_year
            ),
        }
    }
}

/// `[[as_is]]`: current service use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsIsLine {
    /// What happens.
    pub name: String,
    /// Unit cost code.
    pub unit_cost: String,
    /// Events per year.
    pub events_per_year: f64,
    /// Units of the cost per event (default 1; e.g. weeks per stay).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub quantity: f64,
    /// Give the fiscal cost to this agency instead of the library's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// `[[doing_nothing.states]]`: one state of the doing-nothing projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDef {
    /// Name, used by transitions.
    pub name: String,
    /// How many are in this state in year 0.
    pub initial: f64,
    /// Unit cost code valuing one year in the state (fiscal value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<String>,
    /// Units of the unit cost per year in the state (default 1; 52 for weekly costs).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub quantity: f64,
    /// Or: an annual cost in pounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_cost: Option<f64>,
    /// Price year of annual_cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_year: Option<FinancialYear>,
    /// The agency bearing the cost (required with annual_cost; overrides the library's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// `[[doing_nothing.transitions]]`: yearly probability of moving between states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionDef {
    /// From state.
    pub from: String,
    /// To state.
    pub to: String,
    /// Probability per year (0..1). The rest of each row stays.
    pub probability: f64,
}

/// `[doing_nothing]`: the Markov cohort projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoingNothing {
    /// Years to project (default: the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u32>,
    /// The states.
    pub states: Vec<StateDef>,
    /// The transitions.
    #[serde(default)]
    pub transitions: Vec<TransitionDef>,
}

/// A whole model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// `[appraisal]`.
    pub appraisal: AppraisalSection,
    /// `[parameters]`.
    #[serde(default)]
    pub parameters: ParametersSection,
    /// `[[local_unit_costs]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_unit_costs: Vec<LocalUnitCost>,
    /// `[[as_is]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub as_is: Vec<AsIsLine>,
    /// `[doing_nothing]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doing_nothing: Option<DoingNothing>,
    /// `[[costs]]`.
    #[serde(default)]
    pub costs: Vec<CostLine>,
    /// `[[outcomes]]`.
    #[serde(default)]
    pub outcomes: Vec<OutcomeLine>,
}

/// One problem found in a model, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelIssue {
    /// Where: "outcomes #2 (Care entries avoided), deadweight" or "sheet Outcomes, cell F3".
    pub location: String,
    /// The line of the model file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ModelIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}, {}: {}", self.location, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

/// Every problem found at once (the GOV.UK error summary shows them all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub struct ModelErrors(pub Vec<ModelIssue>);

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the model has {} problem(s):", self.0.len())?;
        for i in &self.0 {
            writeln!(f, "  - {i}")?;
        }
        Ok(())
    }
}

/// Reads a model file. Every problem the format itself shows (syntax, unknown or misspelt keys,
/// whole numbers out of range, values of the wrong kind) is reported at once with its line, key
/// and fix; [`crate::Engine::prepare_text`] adds the engine's checks to the same list.
pub fn parse_model_toml(src: &str) -> Result<ModelFile, ModelErrors> {
    match crate::check::parse_lenient(src) {
        (Some(m), issues) if issues.is_empty() => Ok(m),
        (_, issues) => Err(ModelErrors(issues)),
    }
}

/// Where a problem is, in words: "outcomes #2 (Care entries avoided), deadweight" or
/// "[appraisal] price_base".
pub fn location(table: &str, index: usize, name: &str, key: Option<&str>) -> String {
    if table == "appraisal" || table == "parameters" {
        return match key {
            Some(k) => format!("[{table}] {k}"),
            None => format!("[{table}]"),
        };
    }
    if table == "model file" {
        return match key {
            Some(k) => format!("model file, {k}"),
            None => "model file".into(),
        };
    }
    match (name.is_empty(), key) {
        (true, Some(k)) => format!("{table} #{}, {k}", index + 1),
        (true, None) => format!("{table} #{}", index + 1),
        (false, Some(k)) => format!("{table} #{} ({name}), {k}", index + 1),
        (false, None) => format!("{table} #{} ({name})", index + 1),
    }
}

/// Writes a model file back as TOML.
pub fn model_to_toml(m: &ModelFile) -> Result<String, String> {
    toml::to_string_pretty(m).map_err(|e| e.to_string())
}

/// Finds the line of a key in the model text, for error messages: `table` is a header name such
/// as "outcomes" or "appraisal", `index` the 0-based position among `[[table]]` entries.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    keys: Vec<(String, usize, String, usize)>,
    headers: Vec<(String, usize, usize)>,
}

impl Locator {
    /// Indexes a model text.
    pub fn new(src: &str) -> Self {
        let mut loc = Locator::default();
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        let mut current = (String::new(), 0usize);
        for (i, raw) in src.lines().enumerate() {
            let line = raw.trim();
            if let Some(rest) = line.strip_prefix("[[") {
                let name = rest.split("]]").next().unwrap_or("").trim().to_owned();
                let c = counts.entry(name.clone()).or_insert(0);
                current = (name.clone(), *c);
                loc.headers.push((name, *c, i + 1));
                *c += 1;
            } else if let Some(rest) = line.strip_prefix('[') {
                let name = rest.split(']').next().unwrap_or("").trim().to_owned();
                current = (name.clone(), 0);
                loc.headers.push((name, 0, i + 1));
            } else if let Some((k, _)) = line.split_once('=')
                && !line.starts_with('#')
            {
                loc.keys
                    .push((current.0.clone(), current.1, k.trim().to_owned(), i + 1));
            }
        }
        loc
    }

    /// The line of `key` in the `index`th `[[table]]` (or `[table]`), or of the header itself.
    pub fn line(&self, table: &str, index: usize, key: Option<&str>) -> Option<usize> {
        let table = if table == "model file" { "" } else { table };
        if let Some(k) = key
            && let Some(l) = self
                .keys
                .iter()
                .find(|(t, i, kk, _)| t == table && *i == index && kk == k)
        {
            return Some(l.3);
        }
        self.headers
            .iter()
            .find(|(t, i, _)| t == table && *i == index)
            .map(|h| h.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
[appraisal]
format_version = 1
title = "t"
price_base = "2014/15"
start_year = "2015/16"
horizon_years = 3

[[outcomes]]
name = "a"
unit_costs = ["CR1.0", { code = "HO7.4", quantity = 52 }]
cohort = 10
impact = { dist = "triangular", min = 0.1, mode = 0.2, max = 0.4 }
grade = 2
"#;

    #[test]
    fn reads_numbers_distributions_and_codes() {
        let m = parse_model_toml(MIN).expect("parses");
        let o = &m.outcomes[0];
        assert_eq!(o.cohort, Some(Num::Fixed(10.0)));
        assert_eq!(o.impact.as_ref().map(Num::point), Some(0.2));
        assert_eq!(o.unit_costs[1].quantity, 52.0);
        let back = parse_model_toml(&model_to_toml(&m).expect("writes")).expect("reads back");
        assert_eq!(back, m);
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let bad = MIN.replace("grade = 2", "grade = 2\ndeadwieght = 0.3");
        let e = parse_model_toml(&bad).expect_err("typo");
        let s = e.to_string();
        assert!(s.contains("deadwieght") && s.contains("line 15"), "{s}");
        let bad = MIN.replace("min = 0.1, mode", "min = 0.1, mdoe");
        assert!(parse_model_toml(&bad).is_err());
    }

    #[test]
    fn distribution_text_round_trips() {
        for s in [
            "triangular(0.1, 0.2, 0.3)",
            "pert(1, 2, 4, point=2.5)",
            "uniform(0, 1)",
            "normal(5, 1)",
            "lognormal(100, 0.3)",
        ] {
            let d = Dist::from_text(s).expect(s);
            assert_eq!(Dist::from_text(&d.to_text()).expect("again"), d);
        }
        assert!(Dist::from_text("tri(1,2)").is_err());
        assert_eq!(Num::from_text("£1,200").expect("n"), Num::Fixed(1200.0));
    }

    #[test]
    fn locator_finds_keys_in_array_tables() {
        let l = Locator::new(MIN);
        assert_eq!(l.line("outcomes", 0, Some("grade")), Some(14));
        assert_eq!(l.line("appraisal", 0, Some("title")), Some(4));
        assert_eq!(l.line("outcomes", 0, Some("nope")), Some(9));
    }
}
