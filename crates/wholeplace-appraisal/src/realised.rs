//! Forecast against realised savings: the evaluation mode of the cost-benefit method. An
//! approved appraisal is frozen as a [`Snapshot`] (each outcome line's forecast outcomes by year,
//! its fiscal value per outcome to each agency at the price base, and its cashable share by
//! year); the partnership then records the outcomes actually achieved, and [`variance`] values
//! them with the snapshot's own unit costs, by agency and year, cashable or not, beside the
//! forecast.
//!
//! Everything is computed from the snapshot alone, never from the unit-cost library or the model
//! as they are later, so the same snapshot and observations always give the same report, byte for
//! byte. Money is whole pence: each line's value to each agency in each year is rounded to the
//! penny once (half away from zero), and every total is a sum of those pence, so the report
//! reconciles to the penny by agency and by year.
//!
//! Observed outcomes are *net* outcomes: those achieved over and above what would have happened
//! anyway (measured against the comparison the model names), the same basis as the forecast.
//! A year is reported once every line has an observation for it; until then its realised
//! figures are "not yet reported", never zero.

use crate::appraise::AppraisalResults;
use crate::prepare::PreparedModel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One outcome line as frozen in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotLine {
    /// The line's name.
    pub name: String,
    /// How one outcome is counted, in words.
    pub counted_as: String,
    /// The forecast net outcomes in each year of the horizon.
    pub forecast_outcomes: Vec<f64>,
    /// The fiscal value of one outcome to each agency at the price base, in pounds: (index into
    /// [`Snapshot::agencies`], value).
    pub values: Vec<(usize, f64)>,
    /// The share of the fiscal value that is cashable, in each year of the horizon (the line's
    /// share, schedule and capacity rule, as the engine applies them).
    pub cashable_share: Vec<f64>,
}

/// An approved appraisal's forecast, frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The appraisal's title.
    pub title: String,
    /// The option frozen.
    pub option: String,
    /// The price base of every value.
    pub price_base: String,
    /// The financial year of each year of the horizon (year 0 first).
    pub years: Vec<String>,
    /// The agencies receiving fiscal value, sorted.
    pub agencies: Vec<String>,
    /// The outcome lines.
    pub lines: Vec<SnapshotLine>,
    /// The unit-cost library's version when frozen.
    pub library_version: String,
    /// The deflator series used when frozen.
    pub deflator_series: String,
}

/// Why a snapshot could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// No option of that number.
    NoSuchOption(usize),
    /// The option has no outcome lines: nothing could be realised.
    NoOutcomes(String),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::NoSuchOption(n) => write!(f, "the model has no option {}", n + 1),
            SnapshotError::NoOutcomes(o) => write!(
                f,
                "option '{o}' has no outcome lines: add the outcomes it expects before approving it"
            ),
        }
    }
}

/// Freezes option `option` of an appraised model.
pub fn snapshot(
    m: &PreparedModel,
    results: &AppraisalResults,
    option: usize,
) -> Result<Snapshot, SnapshotError> {
    let (Some(opt), Some(res)) = (m.options.get(option), results.options.get(option)) else {
        return Err(SnapshotError::NoSuchOption(option));
    };
    if opt.outcomes.is_empty() {
        return Err(SnapshotError::NoOutcomes(opt.name.clone()));
    }
    let x = m.point_values();
    let h = m.horizon as usize;
    let lines = opt
        .outcomes
        .iter()
        .zip(&res.lines)
        .map(|(o, r)| {
            let share = x[o.cashable];
            SnapshotLine {
                name: o.name.clone(),
                counted_as: o.counted_as.clone(),
                forecast_outcomes: r.net_outcomes.iter().take(h).copied().collect(),
                values: o
                    .fiscal_by_agency
                    .iter()
                    .map(|&(a, non_transfer, transfer)| (a, non_transfer + transfer))
                    .collect(),
                cashable_share: (0..h)
                    .map(|t| crate::appraise::cashable_share(o, t, share))
                    .collect(),
            }
        })
        .collect();
    Ok(Snapshot {
        title: results.title.clone(),
        option: opt.name.clone(),
        price_base: results.price_base.clone(),
        years: res.years.iter().map(|y| y.financial_year.clone()).collect(),
        agencies: opt.agencies.clone(),
        lines,
        library_version: results.library_version.clone(),
        deflator_series: results.deflator_series.clone(),
    })
}

/// The outcomes achieved: (line index, year index) to net outcomes.
pub type Observed = BTreeMap<(usize, usize), f64>;

/// Pounds to whole pence, half away from zero.
fn pence(pounds: f64) -> i64 {
    (pounds * 100.0).round() as i64
}

/// Forecast and realised value for one agency (or all) in one year (or all), in pence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Cell {
    /// Forecast fiscal value.
    pub forecast: i64,
    /// Of which cashable.
    pub forecast_cashable: i64,
    /// Realised fiscal value; `None` until every year it covers is reported.
    pub realised: Option<i64>,
    /// Of which cashable.
    pub realised_cashable: Option<i64>,
}

impl Cell {
    /// Realised minus forecast, once realised.
    pub fn variance(&self) -> Option<i64> {
        self.realised.map(|r| r - self.forecast)
    }
    /// Cashable realised minus cashable forecast, once realised.
    pub fn cashable_variance(&self) -> Option<i64> {
        self.realised_cashable.map(|r| r - self.forecast_cashable)
    }
    fn add(&mut self, o: &Cell) {
        self.forecast += o.forecast;
        self.forecast_cashable += o.forecast_cashable;
        self.realised = self.realised.zip(o.realised).map(|(a, b)| a + b);
        self.realised_cashable = self
            .realised_cashable
            .zip(o.realised_cashable)
            .map(|(a, b)| a + b);
    }
}

/// One agency's row: a cell per year and its total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRow {
    /// The agency.
    pub agency: String,
    /// One cell per year.
    pub years: Vec<Cell>,
    /// The sum over the years.
    pub total: Cell,
}

/// One line's outcomes: forecast and observed by year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineRow {
    /// The line.
    pub name: String,
    /// How one outcome is counted.
    pub counted_as: String,
    /// Forecast net outcomes by year.
    pub forecast: Vec<f64>,
    /// Observed net outcomes by year (`None` where not recorded).
    pub observed: Vec<Option<f64>>,
}

/// The variance report of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VarianceReport {
    /// The financial years.
    pub years: Vec<String>,
    /// Whether each year is reported (every line observed).
    pub reported: Vec<bool>,
    /// By agency.
    pub agencies: Vec<AgencyRow>,
    /// All agencies, by year.
    pub year_totals: Vec<Cell>,
    /// All agencies, all years.
    pub total: Cell,
    /// The outcomes behind the money.
    pub lines: Vec<LineRow>,
}

/// Values the observed outcomes beside the forecast, by agency and year.
pub fn variance(s: &Snapshot, observed: &Observed) -> VarianceReport {
    let h = s.years.len();
    let reported: Vec<bool> = (0..h)
        .map(|t| (0..s.lines.len()).all(|l| observed.contains_key(&(l, t))))
        .collect();
    let mut agencies: Vec<AgencyRow> = s
        .agencies
        .iter()
        .map(|a| AgencyRow {
            agency: a.clone(),
            years: (0..h)
                .map(|t| Cell {
                    realised: reported[t].then_some(0),
                    realised_cashable: reported[t].then_some(0),
                    ..Cell::default()
                })
                .collect(),
            total: Cell::default(),
        })
        .collect();
    for (l, line) in s.lines.iter().enumerate() {
        for &(a, value) in &line.values {
            let Some(row) = agencies.get_mut(a) else {
                continue;
            };
            for (t, cell) in row.years.iter_mut().enumerate() {
                let share = line.cashable_share.get(t).copied().unwrap_or(0.0);
                let n = line.forecast_outcomes.get(t).copied().unwrap_or(0.0);
                cell.forecast += pence(n * value);
                cell.forecast_cashable += pence(n * value * share);
                if let (true, Some(obs)) = (reported[t], observed.get(&(l, t))) {
                    cell.realised = cell.realised.map(|r| r + pence(obs * value));
                    cell.realised_cashable = cell
                        .realised_cashable
                        .map(|r| r + pence(obs * value * share));
                }
            }
        }
    }
    let mut year_totals: Vec<Cell> = (0..h)
        .map(|t| Cell {
            realised: reported[t].then_some(0),
            realised_cashable: reported[t].then_some(0),
            ..Cell::default()
        })
        .collect();
    let all_reported = reported.iter().all(|r| *r);
    let mut total = Cell {
        realised: all_reported.then_some(0),
        realised_cashable: all_reported.then_some(0),
        ..Cell::default()
    };
    for row in &mut agencies {
        row.total = Cell {
            realised: all_reported.then_some(0),
            realised_cashable: all_reported.then_some(0),
            ..Cell::default()
        };
        for (t, cell) in row.years.iter().enumerate() {
            row.total.add(cell);
            year_totals[t].add(cell);
        }
        total.add(&row.total);
    }
    VarianceReport {
        years: s.years.clone(),
        reported,
        agencies,
        year_totals,
        total,
        lines: s
            .lines
            .iter()
            .enumerate()
            .map(|(l, line)| LineRow {
                name: line.name.clone(),
                counted_as: line.counted_as.clone(),
                forecast: line.forecast_outcomes.clone(),
                observed: (0..h).map(|t| observed.get(&(l, t)).copied()).collect(),
            })
            .collect(),
    }
}

/// Pence as pounds with two decimals, e.g. `-1234.50`.
pub fn pounds(p: i64) -> String {
    let sign = if p < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (p / 100).abs(), (p % 100).abs())
}

fn csv_row(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| crate::csvtext::quote(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// The report as CSV: one row per agency and year, then each agency's total, each year's total
/// and the grand total; realised cells blank until reported.
pub fn variance_csv(r: &VarianceReport) -> String {
    let opt = |v: Option<i64>| v.map(pounds).unwrap_or_default();
    let row = |out: &mut String, agency: &str, year: &str, c: &Cell| {
        out.push_str(&csv_row(&[
            agency.to_owned(),
            year.to_owned(),
            pounds(c.forecast),
            opt(c.realised),
            opt(c.variance()),
            pounds(c.forecast_cashable),
            opt(c.realised_cashable),
            opt(c.cashable_variance()),
        ]));
    };
    let mut out = csv_row(&[
        "agency".to_owned(),
        "financial_year".to_owned(),
        "forecast".to_owned(),
        "realised".to_owned(),
        "variance".to_owned(),
        "forecast_cashable".to_owned(),
        "realised_cashable".to_owned(),
        "cashable_variance".to_owned(),
    ]);
    for a in &r.agencies {
        for (t, c) in a.years.iter().enumerate() {
            row(&mut out, &a.agency, &r.years[t], c);
        }
        row(&mut out, &a.agency, "all years", &a.total);
    }
    for (t, c) in r.year_totals.iter().enumerate() {
        row(&mut out, "all agencies", &r.years[t], c);
    }
    row(&mut out, "all agencies", "all years", &r.total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two lines, two agencies, three years, worked by hand.
    fn hand_worked() -> Snapshot {
        Snapshot {
            title: "Test".into(),
            option: "Family service".into(),
            price_base: "2024/25".into(),
            years: vec!["2024/25".into(), "2025/26".into(), "2026/27".into()],
            agencies: vec!["Council".into(), "Police".into()],
            lines: vec![
                SnapshotLine {
                    name: "Child stays at home".into(),
                    counted_as: "a child".into(),
                    forecast_outcomes: vec![0.0, 10.0, 8.5],
                    // £1,234.567 to the council per outcome.
                    values: vec![(0, 1234.567)],
                    cashable_share: vec![0.0, 0.5, 1.0],
                },
                SnapshotLine {
                    name: "Fewer call-outs".into(),
                    counted_as: "a call-out".into(),
                    forecast_outcomes: vec![20.0, 40.0, 40.0],
                    // £333.333 to the council and £100.005 to the police per outcome.
                    values: vec![(0, 333.333), (1, 100.005)],
                    cashable_share: vec![0.0, 0.0, 0.0],
                },
            ],
            library_version: "v1.4".into(),
            deflator_series: "test".into(),
        }
    }

    #[test]
    fn realised_reconciles_to_the_penny_by_agency_and_year() {
        let s = hand_worked();
        let mut obs = Observed::new();
        // Year 0 and year 1 reported; year 2 only half (line 0 missing).
        obs.insert((0, 0), 0.0);
        obs.insert((1, 0), 25.0);
        obs.insert((0, 1), 7.0);
        obs.insert((1, 1), 38.0);
        obs.insert((1, 2), 41.0);
        let r = variance(&s, &obs);
        assert_eq!(r.reported, vec![true, true, false]);
        let council = &r.agencies[0];
        // Year 0 forecast: 0 x 1234.567 = 0; 20 x 333.333 = 6,666.66 -> 666,666 p.
        assert_eq!(council.years[0].forecast, 666_666);
        // Realised: 25 x 333.333 = 8,333.325 -> 833,333 p (half away from zero on .5 p).
        assert_eq!(council.years[0].realised, Some(833_333));
        assert_eq!(council.years[0].variance(), Some(166_667));
        // Year 1 forecast: 10 x 1234.567 = 12,345.67 (1,234,567 p) + 40 x 333.333 = 13,333.32
        // (1,333,332 p) = 2,567,899 p; cashable: half of the first line = 6,172.835 -> 617,284 p.
        assert_eq!(council.years[1].forecast, 2_567_899);
        assert_eq!(council.years[1].forecast_cashable, 617_284);
        // Realised: 7 x 1234.567 = 8,641.969 -> 864,197 p + 38 x 333.333 = 12,666.654 ->
        // 1,266,665 p = 2,130,862 p; cashable half of 8,641.969 = 4,320.9845 -> 432,098 p.
        assert_eq!(council.years[1].realised, Some(2_130_862));
        assert_eq!(council.years[1].realised_cashable, Some(432_098));
        // Year 2 not reported: no realised figure, not zero.
        assert_eq!(council.years[2].realised, None);
        assert_eq!(council.total.realised, None);
        // Year 2 forecast: 8.5 x 1234.567 = 10,493.8195 -> 1,049,382 p + 1,333,332 p.
        assert_eq!(council.years[2].forecast, 2_382_714);
        assert_eq!(council.total.forecast, 666_666 + 2_567_899 + 2_382_714);
        let police = &r.agencies[1];
        // 20 x 100.005 = 2,000.10; 40 x 100.005 = 4,000.20; realised 25 x = 2,500.125 ->
        // 250,013 p; 38 x = 3,800.19.
        assert_eq!(
            police.years.iter().map(|c| c.forecast).collect::<Vec<_>>(),
            vec![200_010, 400_020, 400_020]
        );
        assert_eq!(police.years[0].realised, Some(250_013));
        assert_eq!(police.years[1].realised, Some(380_019));
        // Every total is the sum of its cells.
        for t in 0..3 {
            assert_eq!(
                r.year_totals[t].forecast,
                council.years[t].forecast + police.years[t].forecast
            );
        }
        assert_eq!(r.year_totals[1].realised, Some(2_130_862 + 380_019));
        assert_eq!(
            r.total.forecast,
            council.total.forecast + police.total.forecast
        );
        assert_eq!(r.total.realised, None, "a year is still to be reported");
    }

    #[test]
    fn every_year_reported_gives_totals_and_the_csv_is_the_same_each_time() {
        let s = hand_worked();
        let mut obs = Observed::new();
        for l in 0..2 {
            for t in 0..3 {
                obs.insert((l, t), s.lines[l].forecast_outcomes[t]);
            }
        }
        let r = variance(&s, &obs);
        assert_eq!(r.total.variance(), Some(0), "as forecast, no variance");
        assert_eq!(r.total.cashable_variance(), Some(0));
        let csv = variance_csv(&r);
        assert_eq!(csv, variance_csv(&variance(&s, &obs)), "byte-identical");
        assert!(csv.starts_with("agency,financial_year,forecast,realised,variance,"));
        assert!(
            csv.contains("Police,2024/25,2000.10,2000.10,0.00,0.00,0.00,0.00\n"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 1 + 2 * 4 + 3 + 1);
    }

    #[test]
    fn pounds_show_pence_and_sign() {
        assert_eq!(pounds(0), "0.00");
        assert_eq!(pounds(5), "0.05");
        assert_eq!(pounds(-123_450), "-1234.50");
        assert_eq!(pounds(-5), "-0.05");
    }
}
