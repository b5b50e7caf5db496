//! Dated, versioned parameter sets: the discount schedule, the health discount rate, the optimism
//! bias table by confidence grade and the Mott MacDonald capital alternative. These are reference
//! data, not hidden constants: every appraisal records which set (and which overrides) it used.

use serde::{Deserialize, Serialize};

/// One band of a discount schedule: `rate` applies to each year step from `from_year` to
/// `to_year` inclusive (`None`: to infinity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountBand {
    /// First year of the band.
    pub from_year: u32,
    /// Last year of the band, or none for the open final band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_year: Option<u32>,
    /// The real discount rate, as a fraction (0.035 for 3.5%).
    pub rate: f64,
}

/// A real discount schedule, applied cumulatively year by year:
/// `DF(t) = prod over y = 1..t of 1 / (1 + r(y))`, where `r(y)` is the rate of the band holding
/// year `y`. `DF(0) = 1`. A later band's rate never applies from year 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountSchedule {
    /// The bands, in order.
    pub bands: Vec<DiscountBand>,
}

impl DiscountSchedule {
    /// The HM Treasury Green Book schedule: 3.5% years 0-30, 3.0% 31-75, 2.5% 76-125,
    /// 2.0% 126-200, 1.5% 201-300, 1.0% beyond.
    pub fn green_book() -> Self {
        let b = |from_year, to_year, rate| DiscountBand {
            from_year,
            to_year,
            rate,
        };
        DiscountSchedule {
            bands: vec![
                b(0, Some(30), 0.035),
                b(31, Some(75), 0.030),
                b(76, Some(125), 0.025),
                b(126, Some(200), 0.020),
                b(201, Some(300), 0.015),
                b(301, None, 0.010),
            ],
        }
    }

    /// The Green Book's reduced schedule for health effects (HM Treasury, The Green Book 2022,
    /// Annex A6 "Discounting", the long-term discount rates table: the health rate is the pure
    /// time preference part of the standard rate, 1.5% for years 0-30, falling in the same bands
    /// and proportion as the standard schedule): 1.50% years 0-30, 1.29% 31-75, 1.07% 76-125,
    /// 0.86% 126-200, 0.64% 201-300, 0.43% beyond (the rates as published, to two decimals).
    pub fn green_book_health() -> Self {
        let b = |from_year, to_year, rate| DiscountBand {
            from_year,
            to_year,
            rate,
        };
        DiscountSchedule {
            bands: vec![
                b(0, Some(30), 0.015),
                b(31, Some(75), 0.0129),
                b(76, Some(125), 0.0107),
                b(126, Some(200), 0.0086),
                b(201, Some(300), 0.0064),
                b(301, None, 0.0043),
            ],
        }
    }

    /// A single rate for every year (for example the 1.5% health rate).
    pub fn flat(rate: f64) -> Self {
        DiscountSchedule {
            bands: vec![DiscountBand {
                from_year: 0,
                to_year: None,
                rate,
            }],
        }
    }

    /// The rate for the step into year `y`. Years after the last band use its rate.
    pub fn rate_for_year(&self, y: u32) -> f64 {
        for b in &self.bands {
            if y >= b.from_year && b.to_year.is_none_or(|t| y <= t) {
                return b.rate;
            }
        }
        self.bands.last().map(|b| b.rate).unwrap_or(0.0)
    }

    /// The cumulative discount factor of year `t`.
    pub fn factor(&self, t: u32) -> f64 {
        (1..=t).fold(1.0, |df, y| df / (1.0 + self.rate_for_year(y)))
    }

    /// Factors for years `0..n`.
    pub fn factors(&self, n: u32) -> Vec<f64> {
        let mut out = Vec::with_capacity(n as usize);
        let mut df = 1.0;
        for y in 0..n {
            if y > 0 {
                df /= 1.0 + self.rate_for_year(y);
            }
            out.push(df);
        }
        out
    }

    /// Checks that rates lie in 0..1 and bands are contiguous from year 0.
    pub fn validate(&self) -> Result<(), String> {
        if self.bands.is_empty() {
            return Err("the discount schedule has no bands".into());
        }
        let mut expect = 0;
        for (i, b) in self.bands.iter().enumerate() {
            if !(0.0..1.0).contains(&b.rate) {
                return Err(format!(
                    "discount band {} has rate {}: write rates as fractions between 0 and 1 (0.035 for 3.5%)",
                    i + 1,
                    b.rate
                ));
            }
            if b.from_year != expect {
                return Err(format!(
                    "discount band {} starts at year {} but should start at year {expect}: bands must follow on without gaps",
                    i + 1,
                    b.from_year
                ));
            }
            match b.to_year {
                Some(t) if t < b.from_year => {
                    return Err(format!("discount band {} ends before it starts", i + 1));
                }
                Some(t) => expect = t + 1,
                None if i + 1 != self.bands.len() => {
                    return Err(format!(
                        "discount band {} has no end year but is not the last band",
                        i + 1
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }
}

/// One category of the Mott MacDonald optimism-bias study used by the Green Book for capital
/// projects (upper and lower bounds, as fractions). Unverified defaults: visible and overridable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapitalOptimismBias {
    /// Identifier used in model files, e.g. `standard-buildings`.
    pub id: String,
    /// Plain name.
    pub name: String,
    /// Upper bound (used by default).
    pub upper: f64,
    /// Lower bound.
    pub lower: f64,
}

/// A dated, versioned set of appraisal parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterSet {
    /// Identifier, e.g. `green-book-2022`.
    pub id: String,
    /// When the set was published or last reviewed (ISO date).
    pub dated: String,
    /// Where the values come from and what is unverified.
    pub notes: String,
    /// The real discount schedule.
    pub discount: DiscountSchedule,
    /// The rate for health effects (lines marked `health = true`) in years 0-30.
    pub health_discount_rate: f64,
    /// The schedule for health effects over every horizon (format version 2; version 1 files
    /// and a `health_discount_rate` override use the rate flat).
    pub health_discount: DiscountSchedule,
    /// Optimism bias by confidence grade 1..6 (index 0 is grade 1), as fractions.
    pub optimism_bias: [f64; 6],
    /// The Mott MacDonald capital alternative.
    pub capital_optimism_bias: Vec<CapitalOptimismBias>,
    /// Values older than this many years (price year to appraisal start) are flagged as stale.
    pub stale_after_years: u32,
}

impl ParameterSet {
    /// The built-in sets, newest first.
    pub fn builtin() -> Vec<ParameterSet> {
        vec![Self::green_book_2022()]
    }

    /// A built-in set by id.
    pub fn by_id(id: &str) -> Option<ParameterSet> {
        Self::builtin().into_iter().find(|p| p.id == id)
    }

    /// The Green Book (2022 edition) schedule with the local-partnership grade table.
    pub fn green_book_2022() -> ParameterSet {
        let c = |id: &str, name: &str, upper, lower| CapitalOptimismBias {
            id: id.to_owned(),
            name: name.to_owned(),
            upper,
            lower,
        };
        ParameterSet {
            id: "green-book-2022".into(),
            dated: "2022-11-18".into(),
            notes: "HM Treasury Green Book (2022) discount schedule and 1.5% health rate; optimism bias by confidence grade from the 2014 local-partnership CBA guidance (unverified default: 0/5/10/15/25/40%); Mott MacDonald upper/lower bounds for capital lines (unverified). HM Treasury opened a review of discounting in December 2025: check for a newer set.".into(),
            discount: DiscountSchedule::green_book(),
            health_discount_rate: 0.015,
            health_discount: DiscountSchedule::green_book_health(),
            optimism_bias: [0.0, 0.05, 0.10, 0.15, 0.25, 0.40],
            capital_optimism_bias: vec![
                c("standard-buildings", "Standard buildings (capital expenditure)", 0.24, 0.02),
                c("non-standard-buildings", "Non-standard buildings (capital expenditure)", 0.51, 0.04),
                c("standard-civil-engineering", "Standard civil engineering (capital expenditure)", 0.44, 0.03),
                c("non-standard-civil-engineering", "Non-standard civil engineering (capital expenditure)", 0.66, 0.06),
                c("equipment-development", "Equipment and development (capital expenditure)", 2.00, 0.10),
                c("outsourcing", "Outsourcing (operating expenditure)", 0.41, 0.0),
            ],
            stale_after_years: 10,
        }
    }

    /// Optimism bias for a confidence grade 1..6.
    pub fn optimism_for_grade(&self, grade: u8) -> Option<f64> {
        if (1..=6).contains(&grade) {
            Some(self.optimism_bias[usize::from(grade - 1)])
        } else {
            None
        }
    }

    /// The health schedule.
    pub fn health_schedule(&self) -> DiscountSchedule {
        self.health_discount.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pence(x: f64) -> i64 {
        (x * 1_000_000.0).round() as i64
    }

    /// Golden: Green Book cumulative discount factors (to six decimals, i.e. the value of £1,000,000).
    /// DF(1)  = 1/1.035                                   = 0.966184
    /// DF(30) = 1.035^-30                                 = 0.356278
    /// DF(31) = 1.035^-30 x 1.03^-1                       = 0.345901
    /// DF(50) = 1.035^-30 x 1.03^-20                      = 0.197263
    /// DF(76) = 1.035^-30 x 1.03^-45 x 1.025^-1           = 0.091916
    /// (1.035^30 = 2.806794; 1.03^20 = 1.806111; 1.03^45 = 3.781596.)
    #[test]
    fn green_book_cumulative_factors() {
        let s = DiscountSchedule::green_book();
        assert_eq!(s.factor(0), 1.0);
        assert_eq!(pence(s.factor(1)), 966_184);
        assert_eq!(pence(s.factor(30)), 356_278);
        assert_eq!(pence(s.factor(31)), 345_901);
        assert_eq!(pence(s.factor(50)), 197_263);
        assert_eq!(pence(s.factor(76)), 91_916);
        let f = s.factors(80);
        assert!((f[76] - s.factor(76)).abs() < 1e-15);
    }

    /// Hand-worked: the Green Book health schedule at its band boundaries, as the value of
    /// £1,000,000 in pence (x 100,000,000, rounded), cumulative year by year:
    /// DF(30) = 1.015^-30                          1.015^30 = 1.563080     -> 0.63976243
    /// DF(31) = DF(30) / 1.0129                    0.63976243 / 1.0129     -> 0.63161460
    /// DF(75) = DF(30) / 1.0129^45                 1.0129^45 = 1.780310    -> 0.35935445
    /// DF(76) = DF(75) / 1.0107                    0.35935445 / 1.0107     -> 0.35555007
    /// (so year 31 is discounted by 1.5% thirty times and 1.29% once, like the standard
    /// schedule's 3.5% and 3.0%).
    #[test]
    fn green_book_health_schedule_at_band_boundaries() {
        let s = DiscountSchedule::green_book_health();
        assert!(s.validate().is_ok());
        let p8 = |x: f64| (x * 100_000_000.0).round() as i64;
        let f = s.factors(77);
        assert_eq!(p8(f[30]), 63_976_243);
        assert_eq!(p8(f[31]), 63_161_460);
        assert_eq!(p8(f[75]), 35_935_445);
        assert_eq!(p8(f[76]), 35_555_007);
        assert_eq!(s.rate_for_year(30), 0.015);
        assert_eq!(s.rate_for_year(31), 0.0129);
        assert_eq!(s.rate_for_year(75), 0.0129);
        assert_eq!(s.rate_for_year(76), 0.0107);
        // Pence of £1,000,000 in year 76: the working above to the penny.
        assert_eq!((1_000_000.0 * f[76] * 100.0).round() as i64, 35_555_007);
    }

    #[test]
    fn validation_names_the_band() {
        let mut s = DiscountSchedule::green_book();
        s.bands[1].from_year = 40;
        assert!(s.validate().expect_err("gap").contains("band 2"));
        assert!(DiscountSchedule::flat(3.5).validate().is_err());
        assert!(DiscountSchedule::green_book().validate().is_ok());
    }

    #[test]
    fn grade_table_is_visible() {
        let p = ParameterSet::green_book_2022();
        assert_eq!(p.optimism_for_grade(1), Some(0.0));
        assert_eq!(p.optimism_for_grade(6), Some(0.40));
        assert_eq!(p.optimism_for_grade(7), None);
    }
}
