//! Outcomes: the indicator catalogue (local and national indicators side by side, a changed
//! definition a new version with its bridging note), figures by place and period entered by form
//! or imported from CSV or XLSX (every problem named by row and column, all or nothing), targets
//! with their baselines and red/amber/green, places compared, and the exports. Outcomes are
//! place-level aggregates, not personal data: read by anyone signed in, changed by analysts and
//! administrators, as the partnership's other reference data is.
//!
//! How a figure is judged and published is `wholeplace_domain::outcomes` (pure): this module
//! gathers the figures and applies it, so that every output (page, CSV, workbook, JSON) shows
//! the same suppressed figures.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use std::collections::{BTreeSet, HashMap};
use wholeplace_domain::outcomes::{
    Interval, Polarity, Published, Rag, Trend, Unit, Z95, byar_rate, comparators, funnel_limits,
    publish, rag, wilson,
};
use wholeplace_domain::{IndicatorId, PlaceId, PlaceLevel, TargetId};
use wholeplace_store::{Indicator, IndicatorValue, NewIndicator, Target};
use wholeplace_tabular::Table;

/// Problems listed at most, so a wholly wrong file gives a readable page.
const MAX_PROBLEMS: usize = 25;
/// Comparator places shown beside the chosen one.
const COMPARATORS: usize = 5;

/// The "add an indicator" form (a new version when `replaces` names an indicator).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IndicatorForm {
    /// Name.
    pub name: String,
    /// Definition.
    pub definition: String,
    /// `count`, `rate`, `percentage` or `score`.
    pub unit: String,
    /// For a rate, per how many.
    pub per: String,
    /// `higher` or `lower`.
    pub polarity: String,
    /// Source.
    pub source: String,
    /// A level of place, such as `ward` or `district`.
    pub geography: String,
    /// `national` or `local`.
    pub origin: String,
    /// The id of the indicator this version replaces, or empty.
    pub replaces: String,
    /// How the old and new definitions compare.
    pub bridging_note: String,
}

fn number(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    missing: Option<&str>,
) -> Option<f64> {
    let trimmed = raw.trim();
    let t: std::borrow::Cow<'_, str> = if trimmed.contains(',') {
        trimmed.replace(',', "").into()
    } else {
        trimmed.into()
    };
    if t.is_empty() {
        if let Some(m) = missing {
            errors.push(FieldError::new(field, m));
        }
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("Enter a number, such as 12 or 3.5, not '{}'", raw.trim()),
            ));
            None
        }
    }
}

impl IndicatorForm {
    /// The indicator, or every problem at once. `existing` is the catalogue (for versions).
    pub fn parse(&self, existing: &[Indicator]) -> Result<NewIndicator, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            self.replaces
                .trim()
                .is_empty()
                .then_some("Enter the indicator's name"),
        );
        let definition = text(
            &mut errors,
            "definition",
            &self.definition,
            2000,
            Some("Enter the definition: what is counted, and how"),
        );
        let unit = Unit::parse(&self.unit).map_err(|_| {
            errors.push(FieldError::new(
                "unit",
                "Select the unit: count, rate per N, percentage or score",
            ))
        });
        let per = number(&mut errors, "per", &self.per, None).map(|v| v as i64);
        if matches!(unit, Ok(Unit::Rate)) && per.is_none_or(|p| p <= 0) {
            errors.push(FieldError::new(
                "per",
                "Enter what the rate is per, such as 10000 or 100000",
            ));
        }
        let polarity = Polarity::parse(&self.polarity).map_err(|_| {
            errors.push(FieldError::new(
                "polarity",
                "Select whether higher or lower is better",
            ))
        });
        let source = text(
            &mut errors,
            "source",
            &self.source,
            300,
            Some("Enter where the figures come from"),
        );
        let geography = PlaceLevel::parse(self.geography.trim()).map_err(|_| {
            errors.push(FieldError::new(
                "geography",
                "Select the level of place the figures are for",
            ))
        });
        let national = match self.origin.trim() {
            "national" => true,
            "local" | "" => false,
            _ => {
                errors.push(FieldError::new("origin", "Select local or national"));
                false
            }
        };
        let bridging_note = text(
            &mut errors,
            "bridging_note",
            &self.bridging_note,
            2000,
            None,
        );
        let (replaces, version) = if self.replaces.trim().is_empty() {
            let taken = existing.iter().any(|i| i.name.eq_ignore_ascii_case(&name));
            if taken {
                errors.push(FieldError::conflict(
                    "name",
                    "There is already an indicator of that name: add a new version of it instead",
                ));
            }
            (None, 1)
        } else {
            match existing
                .iter()
                .find(|i| i.id.to_string() == self.replaces.trim())
            {
                Some(old) => {
                    if bridging_note.is_empty() {
                        errors.push(FieldError::new(
                            "bridging_note",
                            "Say how figures on the old and new definitions compare",
                        ));
                    }
                    let latest = existing
                        .iter()
                        .filter(|i| i.name == old.name)
                        .map(|i| i.version)
                        .max()
                        .unwrap_or(old.version);
                    (Some(old.id), latest + 1)
                }
                None => {
                    errors.push(FieldError::new(
                        "replaces",
                        "Select the indicator this version replaces",
                    ));
                    (None, 1)
                }
            }
        };
        match (unit, polarity, geography) {
            (Ok(unit), Ok(polarity), Ok(geography)) if errors.is_empty() => Ok(Indicator {
                id: IndicatorId::new(1),
                name: replaces
                    .and_then(|r| existing.iter().find(|i| i.id == r))
                    .map_or(name, |old| old.name.clone()),
                definition,
                unit,
                per: per.filter(|_| unit == Unit::Rate),
                polarity,
                source,
                geography,
                national,
                version,
                replaces,
                bridging_note,
            }),
            _ => Err(errors),
        }
    }
}

/// One figure as the form, the API and each row of an import give it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ValueForm {
    /// The place: its id, name or GSS code.
    pub place: String,
    /// The period, such as `2023/24`.
    pub period: String,
    /// The figure.
    pub value: String,
    /// The count a rate or percentage is made from (optional).
    pub numerator: String,
    /// The population it is out of (optional).
    pub denominator: String,
    /// `yes` when the figure is illustrative, not published.
    pub illustrative: String,
}

impl ValueForm {
    /// The figure, or every problem at once, for an indicator in `unit`.
    pub(crate) fn parse(
        &self,
        unit: Unit,
        lookup: &Lookup,
    ) -> Result<IndicatorValue, Vec<FieldError>> {
        parse_value(
            &ValueCells {
                place: &self.place,
                period: &self.period,
                value: &self.value,
                numerator: &self.numerator,
                denominator: &self.denominator,
                illustrative: &self.illustrative,
            },
            unit,
            &mut |p| lookup.place(p),
        )
    }
}

/// A figure's fields as text, borrowed from a form or a row of a file.
struct ValueCells<'a> {
    place: &'a str,
    period: &'a str,
    value: &'a str,
    numerator: &'a str,
    denominator: &'a str,
    illustrative: &'a str,
}

/// The one parser of a figure (the form, the API and every row of an import): the figure, or
/// every problem at once, for an indicator in `unit`; `place_of` finds a place by id, name or
/// GSS code.
fn parse_value(
    c: &ValueCells<'_>,
    unit: Unit,
    place_of: &mut dyn FnMut(&str) -> Option<PlaceId>,
) -> Result<IndicatorValue, Vec<FieldError>> {
    let mut errors = Vec::new();
    let place = place_field(
        &mut errors,
        "place",
        c.place,
        "Enter the place: its name or GSS code",
        |p| place_of(p),
    );
    let period = text(
        &mut errors,
        "period",
        c.period,
        20,
        Some("Enter the period, such as 2023/24"),
    );
    let value = number(&mut errors, "value", c.value, Some("Enter the figure"));
    let numerator = number(&mut errors, "numerator", c.numerator, None);
    let denominator = number(&mut errors, "denominator", c.denominator, None);
    if let Some(v) = value {
        if v < 0.0 && unit != Unit::Score {
            errors.push(FieldError::new("value", "Enter a figure of 0 or more"));
        } else if unit == Unit::Percentage && v > 100.0 {
            errors.push(FieldError::new("value", "Enter a percentage from 0 to 100"));
        }
    }
    if numerator.is_some_and(|n| n < 0.0) {
        errors.push(FieldError::new("numerator", "Enter a count of 0 or more"));
    }
    if denominator.is_some_and(|d| d <= 0.0) {
        errors.push(FieldError::new("denominator", "Enter a population above 0"));
    } else if let (Some(n), Some(d)) = (numerator, denominator)
        && n > d
    {
        errors.push(FieldError::new(
            "numerator",
            "The count cannot be more than the population it is out of",
        ));
    }
    let illustrative = match c.illustrative.trim().to_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" => false,
        "yes" | "y" | "true" | "1" | "illustrative" => true,
        _ => {
            errors.push(FieldError::new("illustrative", "Enter yes or no"));
            false
        }
    };
    match (place, value) {
        (Some(place_id), Some(value)) if errors.is_empty() => Ok(IndicatorValue {
            place_id,
            place_name: String::new(),
            period,
            value,
            numerator,
            denominator,
            illustrative,
        }),
        _ => Err(errors),
    }
}

/// The "set a target" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TargetForm {
    /// The place: its id, name or GSS code.
    pub place: String,
    /// The baseline figure.
    pub baseline_value: String,
    /// Its period.
    pub baseline_period: String,
    /// Its source.
    pub baseline_source: String,
    /// The figure aimed at.
    pub target_value: String,
    /// By when, year-month-day.
    pub target_date: String,
    /// Who answers for it.
    pub owner: String,
    /// `higher` or `lower` (the indicator's, unless the target says otherwise).
    pub polarity: String,
    /// How far short of the target is still amber, in the indicator's unit.
    pub tolerance: String,
}

impl TargetForm {
    /// The target, or every problem at once: nothing is saved without its baseline (value, period,
    /// source), target value and date, owner, polarity and tolerance.
    pub(crate) fn parse(
        &self,
        indicator: &Indicator,
        lookup: &Lookup,
    ) -> Result<Target, Vec<FieldError>> {
        let mut errors = Vec::new();
        let place = place_field(
            &mut errors,
            "place",
            &self.place,
            "Enter the place the target is for",
            |p| lookup.place(p),
        );
        let baseline_value = number(
            &mut errors,
            "baseline_value",
            &self.baseline_value,
            Some("Enter the baseline figure"),
        );
        let baseline_period = text(
            &mut errors,
            "baseline_period",
            &self.baseline_period,
            20,
            Some("Enter the baseline's period, such as 2011/12"),
        );
        let baseline_source = text(
            &mut errors,
            "baseline_source",
            &self.baseline_source,
            300,
            Some("Enter where the baseline figure comes from"),
        );
        let target_value = number(
            &mut errors,
            "target_value",
            &self.target_value,
            Some("Enter the figure aimed at"),
        );
        let target_date = date(&mut errors, "target_date", &self.target_date);
        if target_date.is_empty() {
            errors.push(FieldError::new(
                "target_date",
                "Enter the date the target is due, such as 2015-03-31",
            ));
        }
        let owner = text(
            &mut errors,
            "owner",
            &self.owner,
            200,
            Some("Enter who answers for the target"),
        );
        let polarity = match self.polarity.trim() {
            "" => Some(indicator.polarity),
            p => Polarity::parse(p).ok().or_else(|| {
                errors.push(FieldError::new(
                    "polarity",
                    "Select whether higher or lower is better",
                ));
                None
            }),
        };
        let tolerance = number(
            &mut errors,
            "tolerance",
            &self.tolerance,
            Some("Enter the tolerance: how far short of the target is still amber (0 for none)"),
        );
        if tolerance.is_some_and(|t| t < 0.0) {
            errors.push(FieldError::new(
                "tolerance",
                "Enter a tolerance of 0 or more",
            ));
        }
        match (place, baseline_value, target_value, polarity, tolerance) {
            (
                Some(place_id),
                Some(baseline_value),
                Some(target_value),
                Some(polarity),
                Some(tolerance),
            ) if errors.is_empty() => Ok(Target {
                id: TargetId::new(1),
                indicator_id: indicator.id,
                place_id,
                place_name: String::new(),
                baseline_value,
                baseline_period,
                baseline_source,
                target_value,
                target_date,
                owner,
                polarity,
                tolerance,
            }),
            _ => Err(errors),
        }
    }
}

/// A file of figures to import.
#[derive(Clone, Debug, Default)]
pub struct OutcomeFile {
    /// Its name (`.csv` or `.xlsx`).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A figure as published: suppressed by the one rule, with its 95% interval.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The period.
    pub period: String,
    /// The figure as stored (never shown when suppressed).
    #[serde(skip)]
    pub raw: f64,
    /// The figure when it may be shown.
    pub value: Option<f64>,
    /// The figure as text: the number, "<5" or "suppressed".
    pub text: String,
    /// The count it is made from, as text ("<5" when small), or empty.
    pub numerator: String,
    /// The population, or empty.
    pub denominator: String,
    /// The 95% interval (Wilson for percentages, Byar for rates), when it may be shown.
    pub interval: Option<Interval>,
    /// Not a published figure.
    pub illustrative: bool,
}

/// The number of decimals figures of a unit are shown with.
fn decimals(unit: Unit, v: f64) -> usize {
    match unit {
        Unit::Count if v.fract() == 0.0 => 0,
        _ => 1,
    }
}

/// A stored figure as it may be published (the one place every output takes it from).
pub fn figure(indicator: &Indicator, v: &IndicatorValue) -> Figure {
    let p = publish(indicator.unit, v.value, v.numerator);
    let shown = p.value().is_some();
    let interval = match (indicator.unit, v.numerator, v.denominator) {
        (_, _, _) if !shown => None,
        (Unit::Percentage, Some(n), Some(d)) => wilson(n, d, Z95),
        (Unit::Rate, Some(n), Some(d)) => byar_rate(n, d, indicator.per.unwrap_or(1) as f64, Z95),
        _ => None,
    };
    let numerator = match v.numerator {
        Some(n) => publish(Unit::Count, n, None).text(decimals(Unit::Count, n)),
        None => String::new(),
    };
    Figure {
        period: v.period.clone(),
        raw: v.value,
        value: p.value(),
        text: p.text(decimals(indicator.unit, v.value)),
        numerator,
        denominator: v.denominator.map(|d| format!("{d}")).unwrap_or_default(),
        interval,
        illustrative: v.illustrative,
    }
}

/// One place's figures for the indicator's periods.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlaceSeries {
    /// The place.
    pub place_id: PlaceId,
    /// Its name.
    pub place_name: String,
    /// One entry per period of the report (none where there is no figure).
    pub figures: Vec<Option<Figure>>,
}

/// A target with its latest actual and red/amber/green, and its "turn the curve" data.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TargetView {
    /// The target.
    pub target: Target,
    /// The latest period with a figure for the place, if any.
    pub latest_period: Option<String>,
    /// The latest figure as published, if any.
    pub latest: Option<Figure>,
    /// Red, amber, green or no data (from the figure as stored: suppression hides, never changes, it).
    pub rag: Rag,
    /// The periods of the chart.
    pub periods: Vec<String>,
    /// The actuals at those periods (suppressed ones left out).
    pub actuals: Vec<Option<f64>>,
    /// The baseline trend at those periods: the straight line through the figures up to the
    /// baseline period (the baseline alone when there are none), drawn on.
    pub trend: Vec<f64>,
}

/// A place in the funnel plot of the latest period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FunnelPoint {
    /// The place.
    pub place_name: String,
    /// Its population.
    pub denominator: f64,
    /// Its rate.
    pub value: f64,
}

/// The funnel plot of the latest period: the places, the overall rate and the control limits.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Funnel {
    /// The period.
    pub period: String,
    /// The overall rate (all the places' counts over all their populations).
    pub mean: f64,
    /// The places.
    pub points: Vec<FunnelPoint>,
    /// (population, lower 99.8%, lower 95%, upper 95%, upper 99.8%) along the population axis.
    pub limits: Vec<(f64, f64, f64, f64, f64)>,
}

/// A comparator place's latest figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Comparator {
    /// The place.
    pub place_name: String,
    /// English Indices of Deprivation rank.
    pub imd_rank: Option<i64>,
    /// Population.
    pub population: Option<i64>,
    /// The latest figure, if any.
    pub latest: Option<Figure>,
    /// Whether it is the place compared with the others.
    pub chosen: bool,
}

/// Everything the indicator's page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct IndicatorReport {
    /// The indicator.
    pub indicator: Indicator,
    /// Every version of its definition, oldest first.
    pub versions: Vec<Indicator>,
    /// The periods with figures, in order.
    pub periods: Vec<String>,
    /// Each place's figures.
    pub places: Vec<PlaceSeries>,
    /// The targets.
    pub targets: Vec<TargetView>,
    /// The funnel plot, for rates and percentages with their counts and populations.
    pub funnel: Option<Funnel>,
    /// The chosen place and its comparators by deprivation and population.
    pub comparators: Vec<Comparator>,
    /// Any figure is illustrative.
    pub illustrative: bool,
}

/// Figures by place, with the periods in order.
fn series(indicator: &Indicator, values: &[IndicatorValue]) -> (Vec<String>, Vec<PlaceSeries>) {
    let periods: Vec<String> = values
        .iter()
        .map(|v| v.period.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let mut places: Vec<PlaceSeries> = Vec::new();
    let mut at: HashMap<PlaceId, usize> = HashMap::new();
    for v in values {
        let i = *at.entry(v.place_id).or_insert_with(|| {
            places.push(PlaceSeries {
                place_id: v.place_id,
                place_name: v.place_name.clone(),
                figures: vec![None; periods.len()],
            });
            places.len() - 1
        });
        places[i].figures[index[v.period.as_str()]] = Some(figure(indicator, v));
    }
    places.sort_by(|a, b| a.place_name.cmp(&b.place_name));
    (periods, places)
}

/// A target judged against the place's latest figure, with its turn-the-curve data.
fn target_view(t: &Target, periods: &[String], place: Option<&PlaceSeries>) -> TargetView {
    let figures: Vec<Option<&Figure>> = periods
        .iter()
        .enumerate()
        .map(|(i, _)| place.and_then(|p| p.figures[i].as_ref()))
        .collect();
    let latest_at = figures.iter().rposition(Option::is_some);
    let latest = latest_at.and_then(|i| figures[i].cloned());
    let baseline_at = periods.iter().position(|p| *p == t.baseline_period);
    let mut points: Vec<(f64, f64)> = figures
        .iter()
        .enumerate()
        .take(baseline_at.map_or(0, |b| b + 1))
        .filter_map(|(i, f)| f.map(|f| (i as f64, f.raw)))
        .collect();
    if points.is_empty() {
        points.push((baseline_at.unwrap_or(0) as f64, t.baseline_value));
    }
    let trend = Trend::fit(&points).map_or_else(Vec::new, |line| {
        (0..periods.len()).map(|i| line.at(i as f64)).collect()
    });
    TargetView {
        rag: rag(
            t.polarity,
            t.target_value,
            t.tolerance,
            latest.as_ref().map(|f| f.raw),
        ),
        latest_period: latest.as_ref().map(|f| f.period.clone()),
        latest,
        periods: periods.to_vec(),
        actuals: figures.iter().map(|f| f.and_then(|f| f.value)).collect(),
        trend,
        target: t.clone(),
    }
}

/// The funnel plot of the latest period with counts and populations (rates and percentages).
fn funnel(indicator: &Indicator, values: &[IndicatorValue]) -> Option<Funnel> {
    let per = match indicator.unit {
        Unit::Rate => indicator.per? as f64,
        Unit::Percentage => 100.0,
        _ => return None,
    };
    let period = values
        .iter()
        .filter(|v| v.numerator.is_some() && v.denominator.is_some())
        .map(|v| v.period.clone())
        .max()?;
    let latest: Vec<&IndicatorValue> = values
        .iter()
        .filter(|v| v.period == period && v.numerator.is_some() && v.denominator.is_some())
        .collect();
    let events: f64 = latest.iter().filter_map(|v| v.numerator).sum();
    let people: f64 = latest.iter().filter_map(|v| v.denominator).sum();
    if people <= 0.0 {
        return None;
    }
    let mean = events / people * per;
    let points: Vec<FunnelPoint> = latest
        .iter()
        .filter(|v| figure(indicator, v).value.is_some())
        .map(|v| FunnelPoint {
            place_name: v.place_name.clone(),
            denominator: v.denominator.unwrap_or(0.0),
            value: v.value,
        })
        .collect();
    let lo = latest
        .iter()
        .filter_map(|v| v.denominator)
        .fold(f64::MAX, f64::min)
        .max(1.0);
    let hi = latest
        .iter()
        .filter_map(|v| v.denominator)
        .fold(0.0, f64::max)
        .max(lo * 1.01);
    let limits = (0..=40)
        .filter_map(|i| {
            let n = lo * (hi / lo).powf(f64::from(i) / 40.0);
            let l95 = funnel_limits(mean, n, per, Z95)?;
            let l998 = funnel_limits(mean, n, per, wholeplace_domain::outcomes::Z998)?;
            Some((n, l998.lower, l95.lower, l95.upper, l998.upper))
        })
        .collect();
    Some(Funnel {
        period,
        mean,
        points,
        limits,
    })
}

impl Service {
    /// The indicator catalogue: every version, by name then version.
    pub async fn list_indicators(&self, actor: &Actor) -> ServiceResult<Vec<Indicator>> {
        self.may_read(actor).await?;
        Ok(self.store().list_indicators().await?)
    }

    async fn indicator(&self, id: IndicatorId) -> ServiceResult<Indicator> {
        self.store()
            .list_indicators()
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(ServiceError::NotFound)
    }

    async fn change_outcomes(&self, actor: &Actor, action: AuditAction) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Reference,
            Access::Change,
            action,
            "indicator",
            None,
        )
        .await
    }

    async fn place_lookup(&self) -> ServiceResult<Lookup> {
        Ok(Lookup::new(&[], &self.store().list_places().await?))
    }

    /// Adds an indicator, or a new version of one.
    pub async fn create_indicator(
        &self,
        actor: &Actor,
        f: &IndicatorForm,
    ) -> ServiceResult<IndicatorId> {
        self.change_outcomes(actor, AuditAction::IndicatorCreate)
            .await?;
        let existing = self.store().list_indicators().await?;
        let new = f.parse(&existing).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::IndicatorCreate,
            "indicator",
            None,
            true,
            "",
        );
        self.store()
            .create_indicator(&new, &ev)
            .await
            .map_err(crate::fields::already("name"))
    }

    /// Enters one figure (replacing the place's figure for the period).
    pub async fn add_indicator_value(
        &self,
        actor: &Actor,
        id: IndicatorId,
        f: &ValueForm,
    ) -> ServiceResult<()> {
        self.change_outcomes(actor, AuditAction::IndicatorValues)
            .await?;
        let indicator = self.indicator(id).await?;
        let v = f
            .parse(indicator.unit, &self.place_lookup().await?)
            .map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::IndicatorValues,
            "indicator",
            Some(id.to_string()),
            true,
            "1 figure entered",
        );
        self.store().put_indicator_values(id, &[v], &ev).await?;
        Ok(())
    }

    /// Imports figures from a CSV file or a workbook's first sheet: columns `place`, `period`,
    /// `value` and optionally `numerator`, `denominator`, `illustrative`. Every problem is named
    /// by its row and column, and nothing is imported unless every row is right.
    pub async fn import_indicator_values(
        &self,
        actor: &Actor,
        id: IndicatorId,
        file: &OutcomeFile,
    ) -> ServiceResult<usize> {
        self.change_outcomes(actor, AuditAction::IndicatorValues)
            .await?;
        let indicator = self.indicator(id).await?;
        let table = crate::extracts::read_extract(&crate::extracts::ExtractFile {
            name: file.name.clone(),
            bytes: file.bytes.clone(),
        })
        .map_err(|e| match e {
            ServiceError::Validation(list) => ServiceError::Validation(
                list.into_iter()
                    .map(|f| {
                        FieldError::new(
                            "file",
                            f.message.replace("the agency's extract", "the figures"),
                        )
                    })
                    .collect(),
            ),
            other => other,
        })?;
        let values = values_from_table(&table, indicator.unit, &self.place_lookup().await?)
            .map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::IndicatorValues,
            "indicator",
            Some(id.to_string()),
            true,
            &format!("{} figures imported", values.len()),
        );
        Ok(self.store().put_indicator_values(id, &values, &ev).await?)
    }

    /// Sets a target with its baseline on an indicator for a place.
    pub async fn create_target(
        &self,
        actor: &Actor,
        id: IndicatorId,
        f: &TargetForm,
    ) -> ServiceResult<TargetId> {
        self.change_outcomes(actor, AuditAction::TargetCreate)
            .await?;
        let indicator = self.indicator(id).await?;
        let t = f
            .parse(&indicator, &self.place_lookup().await?)
            .map_err(ServiceError::Validation)?;
        let ev = self.event(actor, AuditAction::TargetCreate, "target", None, true, "");
        self.store()
            .create_target(&t, &ev)
            .await
            .map_err(crate::fields::already("target_date"))
    }

    /// Every target with its latest actual and red/amber/green.
    pub async fn list_targets(&self, actor: &Actor) -> ServiceResult<Vec<(Indicator, TargetView)>> {
        self.may_read(actor).await?;
        let indicators = self.store().list_indicators().await?;
        let mut out = Vec::new();
        for i in indicators {
            let targets = self.store().list_targets(Some(i.id)).await?;
            if targets.is_empty() {
                continue;
            }
            let values = self.store().indicator_values(i.id).await?;
            let (periods, places) = series(&i, &values);
            for t in &targets {
                let place = places.iter().find(|p| p.place_id == t.place_id);
                out.push((i.clone(), target_view(t, &periods, place)));
            }
        }
        Ok(out)
    }

    /// An indicator's page: its versions, figures by place and period, targets, funnel plot and
    /// the `place` (or the first target's place) compared with its nearest places by deprivation
    /// and population.
    pub async fn indicator_report(
        &self,
        actor: &Actor,
        id: IndicatorId,
        place: Option<PlaceId>,
    ) -> ServiceResult<IndicatorReport> {
        self.may_read(actor).await?;
        let all = self.store().list_indicators().await?;
        let indicator = all
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let versions = all
            .iter()
            .filter(|i| i.name == indicator.name)
            .cloned()
            .collect();
        let values = self.store().indicator_values(id).await?;
        let (periods, places) = series(&indicator, &values);
        let targets: Vec<TargetView> = self
            .store()
            .list_targets(Some(id))
            .await?
            .iter()
            .map(|t| {
                target_view(
                    t,
                    &periods,
                    places.iter().find(|p| p.place_id == t.place_id),
                )
            })
            .collect();
        let chosen = place.or_else(|| targets.first().map(|t| t.target.place_id));
        let comparators = self.comparators_of(chosen, &places).await?;
        Ok(IndicatorReport {
            funnel: funnel(&indicator, &values),
            illustrative: values.iter().any(|v| v.illustrative),
            indicator,
            versions,
            periods,
            places,
            targets,
            comparators,
        })
    }

    /// The chosen place and its nearest local authorities by deprivation and population, each with
    /// its latest figure. A place that is not a local authority is compared through the local
    /// authority that contains it.
    async fn comparators_of(
        &self,
        chosen: Option<PlaceId>,
        places: &[PlaceSeries],
    ) -> ServiceResult<Vec<Comparator>> {
        let Some(mut chosen) = chosen else {
            return Ok(Vec::new());
        };
        let profiles = self.store().la_profiles().await?;
        if !profiles.iter().any(|(p, _)| *p == chosen) {
            let (parents, _) = self.store().place_relations(chosen).await?;
            match parents
                .iter()
                .find(|r| profiles.iter().any(|(p, _)| *p == r.place.id))
            {
                Some(r) => chosen = r.place.id,
                None => return Ok(Vec::new()),
            }
        }
        let as_profile = |(id, p): &(PlaceId, wholeplace_store::LaProfile)| {
            Some(wholeplace_domain::outcomes::Profile {
                key: *id,
                imd_rank: p.imd_rank? as f64,
                imd_total: p.imd_total.unwrap_or(317) as f64,
                population: p.population? as f64,
            })
        };
        let candidates: Vec<_> = profiles.iter().filter_map(as_profile).collect();
        let Some(of) = candidates.iter().find(|c| c.key == chosen) else {
            return Ok(Vec::new());
        };
        let mut keys = vec![chosen];
        keys.extend(comparators(of, &candidates, COMPARATORS));
        let names: HashMap<PlaceId, String> = self
            .store()
            .list_places()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        Ok(keys
            .iter()
            .map(|k| {
                let profile = profiles.iter().find(|(p, _)| p == k).map(|(_, p)| p);
                Comparator {
                    place_name: names.get(k).cloned().unwrap_or_default(),
                    imd_rank: profile.and_then(|p| p.imd_rank),
                    population: profile.and_then(|p| p.population),
                    latest: places
                        .iter()
                        .find(|s| s.place_id == *k)
                        .and_then(|s| s.figures.iter().rev().flatten().next().cloned()),
                    chosen: *k == chosen,
                }
            })
            .collect())
    }

    /// The outcomes as tables: indicators, figures (suppressed by the one rule) and targets with
    /// their red/amber/green, for the CSV files and the workbook.
    pub async fn outcome_tables(&self, actor: &Actor) -> ServiceResult<[(&'static str, Table); 3]> {
        self.may_read(actor).await?;
        let indicators = self.store().list_indicators().await?;
        let mut figures = Vec::new();
        for i in &indicators {
            for v in self.store().indicator_values(i.id).await? {
                figures.push(figure_row(i, &v));
            }
        }
        let targets = self
            .list_targets(actor)
            .await?
            .into_iter()
            .map(|(i, t)| target_row(&i, &t))
            .collect();
        Ok([
            (
                "indicators",
                table(
                    INDICATOR_HEADERS,
                    indicators.iter().map(indicator_row).collect(),
                ),
            ),
            ("figures", table(FIGURE_HEADERS, figures)),
            ("targets", table(TARGET_HEADERS, targets)),
        ])
    }

    /// The outcomes as a workbook of three sheets (figures suppressed as on the page).
    pub async fn outcomes_xlsx(&self, actor: &Actor) -> ServiceResult<Vec<u8>> {
        let tables = self.outcome_tables(actor).await?;
        let sheets: Vec<(&str, &Table, &[usize])> = vec![
            ("indicators", &tables[0].1, &[4, 8][..]),
            ("figures", &tables[1].1, &[5, 7, 8, 9][..]),
            ("targets", &tables[2].1, &[3, 6, 10, 12][..]),
        ];
        wholeplace_tabular::write_xlsx(&sheets).map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// The outcomes in an IATI-like shape (result, indicator, baseline, period with target and
    /// actual), so funders can take them in: one result per indicator, one indicator per place.
    pub async fn outcomes_iati(&self, actor: &Actor) -> ServiceResult<serde_json::Value> {
        self.may_read(actor).await?;
        let indicators = self.store().list_indicators().await?;
        let mut results = Vec::new();
        for i in &indicators {
            let values = self.store().indicator_values(i.id).await?;
            let targets = self.store().list_targets(Some(i.id)).await?;
            let (_, places) = series(i, &values);
            results.push(iati_result(i, &places, &targets));
        }
        Ok(serde_json::json!({
            "version": "2.03-like",
            "note": "Shaped after IATI's result / indicator / period; figures under five are shown as \"<5\" and rates from them withheld",
            "results": results,
        }))
    }
}

fn iati_result(i: &Indicator, places: &[PlaceSeries], targets: &[Target]) -> serde_json::Value {
    let per_place: Vec<serde_json::Value> = places
        .iter()
        .map(|p| {
            let target = targets.iter().find(|t| t.place_id == p.place_id);
            serde_json::json!({
                "title": format!("{} ({})", i.name, p.place_name),
                "location": p.place_name,
                "measure": match i.unit { Unit::Percentage => "percentage", Unit::Count => "unit", Unit::Rate => "rate", Unit::Score => "score" },
                "ascending": i.polarity == Polarity::Higher,
                "baseline": target.map(|t| serde_json::json!({"period": t.baseline_period, "value": t.baseline_value, "comment": t.baseline_source})),
                "target": target.map(|t| serde_json::json!({"date": t.target_date, "value": t.target_value, "tolerance": t.tolerance, "owner": t.owner})),
                "periods": p.figures.iter().flatten().map(|f| serde_json::json!({
                    "period": f.period,
                    "actual": { "value": f.text, "illustrative": f.illustrative },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "type": "outcome",
        "title": i.name,
        "description": i.definition,
        "version": i.version,
        "source": i.source,
        "indicators": per_place,
    })
}

/// Reads figures from a table (one [`ValueForm`] a row, so a row says what the form would),
/// naming every problem by row and column; all or nothing.
fn values_from_table(
    table: &Table,
    unit: Unit,
    lookup: &Lookup,
) -> Result<Vec<IndicatorValue>, Vec<FieldError>> {
    let cols = [
        "place",
        "period",
        "value",
        "numerator",
        "denominator",
        "illustrative",
    ];
    let at: Vec<Option<usize>> = cols.iter().map(|c| table.column(c)).collect();
    let mut errors: Vec<FieldError> = cols[..3]
        .iter()
        .zip(&at)
        .filter(|(_, a)| a.is_none())
        .map(|(c, _)| {
            FieldError::new(
                "file",
                format!("The file has no column called '{c}': it needs place, period and value"),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::with_capacity(table.rows.len());
    // Each place's name is looked up once, however many rows name it.
    let mut places: HashMap<&str, Option<PlaceId>> = HashMap::new();
    for (n, row) in table.rows.iter().enumerate() {
        let cell = |k: usize| at[k].and_then(|c| row.get(c)).map_or("", String::as_str);
        let cells = ValueCells {
            place: cell(0),
            period: cell(1),
            value: cell(2),
            numerator: cell(3),
            denominator: cell(4),
            illustrative: cell(5),
        };
        let mut place_of = |p: &str| *places.entry(cell(0)).or_insert_with(|| lookup.place(p));
        match parse_value(&cells, unit, &mut place_of) {
            Ok(v) => out.push((n, v)),
            Err(list) => errors.extend(list.into_iter().map(|e| {
                FieldError::new(
                    "file",
                    format!("Row {}, column '{}': {}", n + 2, e.field, e.message),
                )
            })),
        }
        if errors.len() > MAX_PROBLEMS {
            break;
        }
    }
    // A place and period given twice: sorted, the two rows are side by side.
    out.sort_unstable_by(|(i, a), (j, b)| {
        (a.place_id, &a.period, i).cmp(&(b.place_id, &b.period, j))
    });
    for w in out.windows(2) {
        if w[0].1.place_id == w[1].1.place_id
            && w[0].1.period == w[1].1.period
            && errors.len() <= MAX_PROBLEMS
        {
            errors.push(FieldError::new(
                "file",
                format!(
                    "Row {}: the place and period are given by row {} too",
                    w[1].0 + 2,
                    w[0].0 + 2
                ),
            ));
        }
    }
    let out: Vec<IndicatorValue> = out.into_iter().map(|(_, v)| v).collect();
    if errors.is_empty() {
        return Ok(out);
    }
    errors.truncate(MAX_PROBLEMS);
    errors.push(FieldError::new(
        "file",
        "Nothing was imported: put these right and upload the file again",
    ));
    Err(errors)
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

const INDICATOR_HEADERS: &[&str] = &[
    "id",
    "name",
    "definition",
    "unit",
    "per",
    "polarity",
    "source",
    "geography",
    "version",
    "replaces",
    "bridging_note",
    "origin",
];

fn indicator_row(i: &Indicator) -> Vec<String> {
    vec![
        i.id.to_string(),
        i.name.clone(),
        i.definition.clone(),
        i.unit.as_str().to_owned(),
        i.per.map(|p| p.to_string()).unwrap_or_default(),
        i.polarity.as_str().to_owned(),
        i.source.clone(),
        i.geography.as_str().to_owned(),
        i.version.to_string(),
        i.replaces.map(|r| r.to_string()).unwrap_or_default(),
        i.bridging_note.clone(),
        if i.national { "national" } else { "local" }.to_owned(),
    ]
}

const FIGURE_HEADERS: &[&str] = &[
    "indicator",
    "version",
    "place",
    "period",
    "unit",
    "value",
    "numerator_published",
    "denominator",
    "lower_95",
    "upper_95",
    "illustrative",
];

fn figure_row(i: &Indicator, v: &IndicatorValue) -> Vec<String> {
    let f = figure(i, v);
    vec![
        i.name.clone(),
        i.version.to_string(),
        v.place_name.clone(),
        v.period.clone(),
        i.unit.as_str().to_owned(),
        f.text,
        f.numerator,
        f.denominator,
        f.interval
            .map(|c| format!("{:.1}", c.lower))
            .unwrap_or_default(),
        f.interval
            .map(|c| format!("{:.1}", c.upper))
            .unwrap_or_default(),
        if f.illustrative { "yes" } else { "no" }.to_owned(),
    ]
}

const TARGET_HEADERS: &[&str] = &[
    "indicator",
    "place",
    "baseline_period",
    "baseline_value",
    "baseline_source",
    "target_date",
    "target_value",
    "owner",
    "polarity",
    "latest_period",
    "latest_actual",
    "rag",
    "tolerance",
];

fn target_row(i: &Indicator, t: &TargetView) -> Vec<String> {
    let num = |v: f64| format!("{v}");
    vec![
        i.name.clone(),
        t.target.place_name.clone(),
        t.target.baseline_period.clone(),
        num(t.target.baseline_value),
        t.target.baseline_source.clone(),
        t.target.target_date.clone(),
        num(t.target.target_value),
        t.target.owner.clone(),
        t.target.polarity.as_str().to_owned(),
        t.latest_period.clone().unwrap_or_default(),
        t.latest
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        t.rag.as_str().to_owned(),
        num(t.target.tolerance),
    ]
}

/// The text of a published figure (for callers that only have the figure and unit).
pub fn published_text(p: Published, unit: Unit, v: f64) -> String {
    p.text(decimals(unit, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(unit: Unit) -> Indicator {
        Indicator {
            id: IndicatorId::new(1),
            name: "Drug-related admissions".into(),
            definition: "Admissions".into(),
            unit,
            per: Some(100_000),
            polarity: Polarity::Lower,
            source: "NHS".into(),
            geography: PlaceLevel::parse("ward").expect("level"),
            national: false,
            version: 1,
            replaces: None,
            bridging_note: String::new(),
        }
    }

    fn value(period: &str, value: f64, numerator: Option<f64>) -> IndicatorValue {
        IndicatorValue {
            place_id: PlaceId::new(1),
            place_name: "Sherwood".into(),
            period: period.into(),
            value,
            numerator,
            denominator: Some(10_000.0),
            illustrative: false,
        }
    }

    #[test]
    fn small_counts_and_the_rates_from_them_are_suppressed_with_their_intervals() {
        let rate = indicator(Unit::Rate);
        let f = figure(&rate, &value("2024", 30.0, Some(3.0)));
        assert_eq!(
            (f.text.as_str(), f.numerator.as_str(), f.interval),
            ("suppressed", "<5", None)
        );
        let f = figure(&rate, &value("2024", 120.0, Some(12.0)));
        assert_eq!(f.text, "120.0");
        assert!(f.interval.is_some());
        let count = figure(&indicator(Unit::Count), &value("2024", 4.0, None));
        assert_eq!(count.text, "<5");
    }

    #[test]
    fn a_target_is_judged_on_the_latest_figure_and_its_trend_runs_through_the_baseline() {
        let rate = indicator(Unit::Rate);
        let values = [
            value("2010", 100.0, Some(10.0)),
            value("2011", 90.0, Some(9.0)),
            value("2012", 85.0, Some(8.5)),
        ];
        let (periods, places) = series(&rate, &values);
        let t = Target {
            id: TargetId::new(1),
            indicator_id: rate.id,
            place_id: PlaceId::new(1),
            place_name: "Sherwood".into(),
            baseline_value: 90.0,
            baseline_period: "2011".into(),
            baseline_source: "HES".into(),
            target_value: 80.0,
            target_date: "2015-03-31".into(),
            owner: "Public health".into(),
            polarity: Polarity::Lower,
            tolerance: 5.0,
        };
        let v = target_view(&t, &periods, places.first());
        assert_eq!(v.rag, Rag::Amber);
        assert_eq!(v.latest_period.as_deref(), Some("2012"));
        assert_eq!(v.trend.len(), 3);
        assert!((v.trend[2] - 80.0).abs() < 1e-9, "{:?}", v.trend);
        let none = target_view(&t, &periods, None);
        assert_eq!(none.rag, Rag::NoData);
    }

    #[test]
    fn an_import_names_each_bad_row_and_column_and_a_place_and_period_given_twice() {
        let place = wholeplace_store::Place {
            id: PlaceId::new(3),
            name: "Sherwood".into(),
            level: PlaceLevel::parse("ward").expect("level"),
            gss_code: None,
            gss_vintage: None,
            population: None,
            description: String::new(),
        };
        let lookup = Lookup::new(&[], &[place]);
        let table = wholeplace_tabular::read_csv(
            "place,period,value,numerator\nSherwood,2012,4,\nsherwood,2013,x,-1\nNowhere,2013,1,\nSherwood,2012,5,\n",
        )
        .expect("csv");
        let errors = values_from_table(&table, Unit::Count, &lookup).expect_err("bad rows");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Row 3, column 'value': Enter a number, such as 12 or 3.5, not 'x'",
                "Row 3, column 'numerator': Enter a count of 0 or more",
                "Row 4, column 'place': There is no place called 'Nowhere'",
                "Row 5: the place and period are given by row 2 too",
                "Nothing was imported: put these right and upload the file again",
            ]
        );
        let good = wholeplace_tabular::read_csv("place,period,value\n3,2012,4\nSHERWOOD,2011,2\n")
            .expect("csv");
        let values = values_from_table(&good, Unit::Count, &lookup).expect("good");
        assert_eq!(values.len(), 2);
        assert!(values.iter().all(|v| v.place_id == PlaceId::new(3)));
    }

    #[test]
    fn a_target_needs_every_part() {
        let lookup = Lookup::new(&[], &[]);
        let errors = TargetForm::default()
            .parse(&indicator(Unit::Count), &lookup)
            .expect_err("empty");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "place",
            "baseline_value",
            "baseline_period",
            "baseline_source",
            "target_value",
            "target_date",
            "owner",
            "tolerance",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }
}
