//! Money with its price year, and the deflator series that moves values between price years.
//! A value in 2002/03 prices cannot be added to one in 2015/16 prices: [`Priced::checked_add`]
//! refuses, and [`DeflatorSeries::uprate`] is the only way to change a value's price year.

use crate::csvtext;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wholeplace_domain::{FinancialYear, Money};

/// The HM Treasury GDP deflator series held in the Unit Cost Database v1.4 (Budget 2015).
pub const SHIPPED_DEFLATORS_CSV: &str =
    include_str!("../../../data/gmca-unit-cost-database/gdp-deflators.csv");

/// The name the shipped deflator series is recorded under in every appraisal.
pub const SHIPPED_DEFLATORS_NAME: &str =
    "HM Treasury GDP deflators at market prices, March 2015 (Budget 2015), 1989/90 = 100";

/// The ONS GDP deflator (series YBGB, 2022 = 100) by financial year, 2000/01 to 2024/25 (OGL v3).
pub const ONS_DEFLATORS_CSV: &str =
    include_str!("../../../data/ons-gdp-deflator/financial-years.csv");

/// The name the ONS series is recorded under.
pub const ONS_DEFLATORS_NAME: &str = "ONS GDP deflator at market prices, series YBGB (2022 = 100), release of 30 June 2025; contains public sector information licensed under the Open Government Licence v3.0";

/// The year at which a newer series is joined onto the Unit Cost Database's own index: its last
/// outturn year (its later years are forecasts made in 2014).
pub const CHAIN_YEAR: &str = "2013/14";

/// Why a value could not be priced or uprated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceError {
    /// Two values in different price years were combined.
    #[error(
        "cannot combine a value in {0} prices with one in {1} prices: uprate both to one price base first"
    )]
    Mismatch(FinancialYear, FinancialYear),
    /// The deflator series lacks a year.
    #[error(
        "the deflator series '{series}' has no index for {year} (it covers {first} to {last}): choose a price base in that range or load a newer deflator series (wholeplace unit-costs import FILE)"
    )]
    MissingYear {
        /// The series' name.
        series: String,
        /// The year asked for.
        year: FinancialYear,
        /// First year covered.
        first: String,
        /// Last year covered.
        last: String,
    },
    /// The deflator text could not be read.
    #[error("deflator series: {0}")]
    Format(String),
}

/// An amount in pounds in the prices of one financial year. Kept as a float for the arithmetic of
/// appraisal (rates, discount factors); shown and stored to the penny through [`Priced::money`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Priced {
    /// Pounds.
    pub pounds: f64,
    /// The financial year whose prices the amount is in.
    pub price_year: FinancialYear,
}

impl Priced {
    /// An amount in the prices of `price_year`.
    pub fn new(pounds: f64, price_year: FinancialYear) -> Self {
        Priced { pounds, price_year }
    }

    /// Adds two amounts; refuses if their price years differ.
    pub fn checked_add(self, other: Priced) -> Result<Priced, PriceError> {
        if self.price_year != other.price_year {
            return Err(PriceError::Mismatch(self.price_year, other.price_year));
        }
        Ok(Priced::new(self.pounds + other.pounds, self.price_year))
    }

    /// Multiplies by a plain number (a count or a rate); the price year is kept.
    pub fn scale(self, factor: f64) -> Priced {
        Priced::new(self.pounds * factor, self.price_year)
    }

    /// The amount to the penny (half away from zero). Non-finite amounts become zero.
    pub fn money(self) -> Money {
        Money::from_pounds_f64(self.pounds).unwrap_or(Money::ZERO)
    }
}

/// A price index by financial year (for example the GDP deflator, 1989/90 = 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeflatorSeries {
    /// What the series is and where it comes from; recorded in every appraisal.
    pub name: String,
    /// The index value of each year.
    pub index: BTreeMap<FinancialYear, f64>,
    /// "outturn" or "forecast" when the source says so.
    pub status: BTreeMap<FinancialYear, String>,
    /// When the series is two joined together: the older series, the newer one and the year
    /// they are joined at (up to it the older series' index, after it the newer one's growth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
}

/// How a chained series was joined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// The older series (used up to and including `year`).
    pub older: String,
    /// The newer series (its growth from `year` on).
    pub newer: String,
    /// The join year, an outturn year both hold.
    pub year: FinancialYear,
    /// The newer series' own index by year (to show its figures in traces).
    pub newer_index: BTreeMap<FinancialYear, f64>,
}

impl DeflatorSeries {
    /// The series shipped with the Unit Cost Database v1.4.
    pub fn shipped() -> Self {
        match Self::from_csv(SHIPPED_DEFLATORS_NAME, SHIPPED_DEFLATORS_CSV) {
            Ok(s) => s,
            // The shipped file is tested; an empty series only results if it was damaged.
            Err(_) => DeflatorSeries {
                name: SHIPPED_DEFLATORS_NAME.to_owned(),
                index: BTreeMap::new(),
                status: BTreeMap::new(),
                chain: None,
            },
        }
    }

    /// The shipped ONS series (YBGB) alone.
    pub fn ons() -> Result<Self, PriceError> {
        Self::from_csv(ONS_DEFLATORS_NAME, ONS_DEFLATORS_CSV)
    }

    /// Today's prices: the ONS series chained onto the Unit Cost Database's index at 2013/14
    /// ([`DeflatorSeries::chained`]). Format version 2 models use it.
    pub fn current() -> Result<Self, PriceError> {
        Self::shipped().chained(&Self::ons()?)
    }

    /// This series continued by `newer`, joined at [`CHAIN_YEAR`] when both hold it (else at the
    /// last year of this series marked outturn, or held without status, that `newer` holds):
    /// years up to the join keep this series' index; a later year y gets
    /// `index(join) x newer(y) / newer(join)`. So values after the join are uprated with the newer
    /// series alone, and values before it with this series up to the join.
    pub fn chained(&self, newer: &DeflatorSeries) -> Result<Self, PriceError> {
        let preferred: FinancialYear = CHAIN_YEAR
            .parse()
            .map_err(|e| PriceError::Format(format!("{e}")))?;
        let outturn = |y: &FinancialYear| {
            self.status
                .get(y)
                .is_none_or(|s| s.is_empty() || s.eq_ignore_ascii_case("outturn"))
        };
        let year = if self.index.contains_key(&preferred) && newer.index.contains_key(&preferred) {
            preferred
        } else {
            self.index
                .keys()
                .rev()
                .find(|y| outturn(y) && newer.index.contains_key(y))
                .copied()
                .ok_or_else(|| {
                    PriceError::Format(format!(
                        "'{}' shares no outturn year with '{}': a newer series must hold {CHAIN_YEAR} (or another outturn year of the older one) to be joined onto it",
                        newer.name, self.name
                    ))
                })?
        };
        let base = self.index_of(year)?;
        let newer_base = newer.index_of(year)?;
        let mut index: BTreeMap<FinancialYear, f64> =
            self.index.range(..=year).map(|(y, v)| (*y, *v)).collect();
        let mut status: BTreeMap<FinancialYear, String> = self
            .status
            .range(..=year)
            .map(|(y, v)| (*y, v.clone()))
            .collect();
        for (y, v) in newer.index.range(year..).skip(1) {
            index.insert(*y, base * v / newer_base);
            status.insert(
                *y,
                newer
                    .status
                    .get(y)
                    .cloned()
                    .unwrap_or_else(|| "outturn".into()),
            );
        }
        Ok(DeflatorSeries {
            name: format!(
                "{} to {year}, then {} (chained at {year})",
                self.name, newer.name
            ),
            index,
            status,
            chain: Some(Chain {
                older: self.name.clone(),
                newer: newer.name.clone(),
                year,
                newer_index: newer.index.clone(),
            }),
        })
    }

    /// Which series and years uprate a value from `from` to `to`, in words, e.g.
    /// "ONS YBGB 112.375 / 83.750 (2015/16 to 2024/25)".
    pub fn describe(&self, from: FinancialYear, to: FinancialYear) -> String {
        let idx = |s: &BTreeMap<FinancialYear, f64>, y: FinancialYear| {
            s.get(&y)
                .map(|v| format!("{v}"))
                .unwrap_or_else(|| "?".into())
        };
        match &self.chain {
            Some(c) if from >= c.year && to >= c.year => format!(
                "{} index {} / {} ({from} to {to})",
                c.newer,
                idx(&c.newer_index, to),
                idx(&c.newer_index, from)
            ),
            Some(c) if from < c.year && to < c.year => format!(
                "{} index {} / {} ({from} to {to})",
                c.older,
                idx(&self.index, to),
                idx(&self.index, from)
            ),
            Some(c) => format!(
                "{} and {} chained at {} ({from} to {to}): index {} / {}",
                c.older,
                c.newer,
                c.year,
                idx(&self.index, to),
                idx(&self.index, from)
            ),
            None => format!(
                "{} index {} / {} ({from} to {to})",
                self.name,
                idx(&self.index, to),
                idx(&self.index, from)
            ),
        }
    }

    /// Reads a series in the shipped shape: a header with `financial_year` and a column whose name
    /// starts with `index` (optionally `status`), one row per year. Errors name the line.
    pub fn from_csv(name: &str, text: &str) -> Result<Self, PriceError> {
        let records = csvtext::parse(text).map_err(PriceError::Format)?;
        let Some(header) = records.first() else {
            return Err(PriceError::Format(
                "the file is empty: it needs a header line 'financial_year,index' and one line per year"
                    .into(),
            ));
        };
        let find = |pred: &dyn Fn(&str) -> bool| {
            header
                .fields
                .iter()
                .position(|h| pred(h.trim().to_ascii_lowercase().as_str()))
        };
        let year_col = find(&|h| h == "financial_year" || h == "year").ok_or_else(|| {
            PriceError::Format("line 1: no 'financial_year' column in the header".into())
        })?;
        let index_col = find(&|h| h.starts_with("index")).ok_or_else(|| {
            PriceError::Format(
                "line 1: no index column in the header (a column whose name starts with 'index')"
                    .into(),
            )
        })?;
        let status_col = find(&|h| h == "status");
        let mut index = BTreeMap::new();
        let mut status = BTreeMap::new();
        for r in &records[1..] {
            let get = |c: usize| r.fields.get(c).map(|s| s.trim()).unwrap_or("");
            let year: FinancialYear = get(year_col)
                .parse()
                .map_err(|e| PriceError::Format(format!("line {}: {e}", r.line)))?;
            let v: f64 = get(index_col).parse().map_err(|_| {
                PriceError::Format(format!(
                    "line {}: index '{}' is not a number; write it like 195.97",
                    r.line,
                    get(index_col)
                ))
            })?;
            if !(v.is_finite() && v > 0.0) {
                return Err(PriceError::Format(format!(
                    "line {}: index must be a positive number",
                    r.line
                )));
            }
            if index.insert(year, v).is_some() {
                return Err(PriceError::Format(format!(
                    "line {}: {year} appears twice; keep one line per year",
                    r.line
                )));
            }
            if let Some(c) = status_col {
                status.insert(year, get(c).to_owned());
            }
        }
        if index.is_empty() {
            return Err(PriceError::Format("the file has no years".into()));
        }
        Ok(DeflatorSeries {
            name: name.to_owned(),
            index,
            status,
            chain: None,
        })
    }

    /// The index of a year.
    pub fn index_of(&self, year: FinancialYear) -> Result<f64, PriceError> {
        self.index
            .get(&year)
            .copied()
            .ok_or_else(|| PriceError::MissingYear {
                series: self.name.clone(),
                year,
                first: self.first_year().map(|y| y.to_string()).unwrap_or_default(),
                last: self.last_year().map(|y| y.to_string()).unwrap_or_default(),
            })
    }

    /// index(to) / index(from): the factor that moves a value from one price year to another.
    pub fn factor(&self, from: FinancialYear, to: FinancialYear) -> Result<f64, PriceError> {
        Ok(self.index_of(to)? / self.index_of(from)?)
    }

    /// `value x index(to) / index(from)`.
    pub fn uprate(&self, value: Priced, to: FinancialYear) -> Result<Priced, PriceError> {
        Ok(Priced::new(
            value.pounds * self.factor(value.price_year, to)?,
            to,
        ))
    }

    /// The first year covered.
    pub fn first_year(&self) -> Option<FinancialYear> {
        self.index.keys().next().copied()
    }

    /// The last year covered.
    pub fn last_year(&self) -> Option<FinancialYear> {
        self.index.keys().next_back().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fy(s: &str) -> FinancialYear {
        s.parse().expect("year")
    }

    /// Golden: the database's own uprating check.
    /// index(2015/16) = 195.969699, index(2002/03) = 145.544126;
    /// 500 x 195.969699 / 145.544126 = 500 x 1.346462... = 673.2313... -> £673.23.
    #[test]
    fn cr1_0_uprating_check_to_the_penny() {
        let d = DeflatorSeries::shipped();
        let v = d
            .uprate(Priced::new(500.0, fy("2002/03")), fy("2015/16"))
            .expect("covered");
        assert_eq!(v.money().pence(), 67_323);
        assert_eq!(v.price_year, fy("2015/16"));
    }

    #[test]
    fn mixing_price_years_is_refused() {
        let a = Priced::new(1.0, fy("2002/03"));
        let b = Priced::new(1.0, fy("2015/16"));
        assert!(matches!(a.checked_add(b), Err(PriceError::Mismatch(..))));
        assert_eq!(a.checked_add(a).expect("same year").pounds, 2.0);
    }

    #[test]
    fn missing_year_says_how_to_fix() {
        let d = DeflatorSeries::shipped();
        let e = d
            .uprate(Priced::new(1.0, fy("2015/16")), fy("2024/25"))
            .expect_err("not covered");
        let msg = e.to_string();
        assert!(msg.contains("2024/25") && msg.contains("1989/90") && msg.contains("2019/20"));
    }

    /// The shipped chain: up to 2013/14 the database's own index, after it YBGB's growth:
    /// index(2024/25) = 190.033434 x 112.375 / 82.175 = 259.872311; the factor from 2015/16 to
    /// 2024/25 is YBGB's own, 112.375 / 83.750.
    #[test]
    fn the_ons_series_is_chained_at_2013_14() {
        let d = DeflatorSeries::current().expect("chains");
        let c = d.chain.as_ref().expect("chained");
        assert_eq!(c.year, fy("2013/14"));
        assert_eq!(d.index_of(fy("2002/03")).expect("held"), 145.544126);
        assert_eq!(d.index_of(fy("2013/14")).expect("held"), 190.033434);
        assert!((d.index_of(fy("2024/25")).expect("held") - 259.872311).abs() < 1e-6);
        let f = d.factor(fy("2015/16"), fy("2024/25")).expect("factor");
        assert!((f - 112.375 / 83.750).abs() < 1e-12);
        assert!(
            d.describe(fy("2015/16"), fy("2024/25"))
                .contains("112.375 / 83.75")
        );
        assert!(
            d.describe(fy("2002/03"), fy("2024/25"))
                .contains("chained at 2013/14")
        );
        // A newer series without 2013/14 is joined at the last outturn year both hold.
        let later =
            DeflatorSeries::from_csv("later", "financial_year,index\n2012/13,90\n2030/31,150\n")
                .expect("ok");
        let j = DeflatorSeries::shipped().chained(&later).expect("joins");
        assert_eq!(j.chain.as_ref().map(|c| c.year), Some(fy("2012/13")));
        let apart =
            DeflatorSeries::from_csv("apart", "financial_year,index\n2030/31,150\n").expect("ok");
        assert!(DeflatorSeries::shipped().chained(&apart).is_err());
    }

    #[test]
    fn loads_another_series_and_names_bad_lines() {
        let d =
            DeflatorSeries::from_csv("test", "financial_year,index\n2023/24,100\n2024/25,103\n")
                .expect("ok");
        assert!((d.factor(fy("2023/24"), fy("2024/25")).expect("f") - 1.03).abs() < 1e-12);
        let e =
            DeflatorSeries::from_csv("t", "financial_year,index\n2023/24,abc\n").expect_err("bad");
        assert!(e.to_string().contains("line 2"));
    }
}
