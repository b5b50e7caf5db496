//! Outcomes measured by place and period: the rules an indicator's figures are judged and
//! published by. Pure: red/amber/green against a target's declared tolerance ([`rag`]), small-number
//! suppression ([`publish`]), confidence intervals on proportions ([`wilson`]) and rates
//! ([`byar_rate`]), funnel-plot control limits ([`funnel_limits`]), the baseline trend of a
//! "turn the curve" chart ([`Trend`]) and comparator places by deprivation and population
//! ([`comparators`]).

use std::fmt;

/// The standard normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_985;
/// The standard normal quantile for a two-sided 99.8% interval (funnel plots' outer limits).
pub const Z998: f64 = 3.090_232_306;

/// A published count below this is shown as "<5", and rates and percentages from it are withheld.
pub const SUPPRESS_BELOW: f64 = 5.0;

/// Why a word is not one of a vocabulary's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not one of: {1}")]
pub struct UnknownWord(pub String, pub &'static str);

/// What an indicator's figures count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things (children on child protection plans, evictions).
    Count,
    /// Events per N of a population (admissions per 100,000).
    Rate,
    /// A share of a population, 0 to 100.
    Percentage,
    /// A score on the indicator's own scale.
    Score,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 4] = [Unit::Count, Unit::Rate, Unit::Percentage, Unit::Score];

    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Rate => "rate",
            Unit::Percentage => "percentage",
            Unit::Score => "score",
        }
    }

    /// Its name on a page.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Rate => "Rate per N",
            Unit::Percentage => "Percentage",
            Unit::Score => "Score",
        }
    }

    /// The unit with this key.
    pub fn parse(s: &str) -> Result<Unit, UnknownWord> {
        Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == s.trim())
            .ok_or_else(|| UnknownWord(s.to_owned(), "count, rate, percentage, score"))
    }
}

impl std::str::FromStr for Unit {
    type Err = UnknownWord;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::parse(s)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// More is better (young people in education, employment or training).
    Higher,
    /// Less is better (evictions, admissions).
    Lower,
}

impl Polarity {
    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Higher => "higher",
            Polarity::Lower => "lower",
        }
    }

    /// Its name on a page.
    pub fn label(self) -> &'static str {
        match self {
            Polarity::Higher => "Higher is better",
            Polarity::Lower => "Lower is better",
        }
    }

    /// The polarity with this key.
    pub fn parse(s: &str) -> Result<Polarity, UnknownWord> {
        match s.trim() {
            "higher" => Ok(Polarity::Higher),
            "lower" => Ok(Polarity::Lower),
            _ => Err(UnknownWord(s.to_owned(), "higher, lower")),
        }
    }
}

impl std::str::FromStr for Polarity {
    type Err = UnknownWord;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Polarity::parse(s)
    }
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Red, amber, green, or no data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// On target or better.
    Green,
    /// Short of target by no more than the tolerance.
    Amber,
    /// Short of target by more than the tolerance.
    Red,
    /// No actual figure for the period: never green.
    NoData,
}

impl Rag {
    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
            Rag::NoData => "no_data",
        }
    }

    /// Its name on a page (the colour is never the only sign).
    pub fn label(self) -> &'static str {
        match self {
            Rag::Green => "Green: on target",
            Rag::Amber => "Amber: within tolerance",
            Rag::Red => "Red: off target",
            Rag::NoData => "No data",
        }
    }
}

/// Red/amber/green of an `actual` against a `target` with its declared `tolerance` (in the
/// indicator's own units) and `polarity`:
///
/// - no actual (or one that is not a number) is [`Rag::NoData`], never green;
/// - on the target or better is green (exactly on target is green);
/// - worse than the target by no more than the tolerance is amber (exactly on the tolerance is
///   amber);
/// - worse by more than the tolerance is red.
///
/// A negative tolerance counts as its size. Figures are compared with a margin of one part in
/// 10^9 of the larger of 1 and the target, so a figure written exactly on a boundary (such as
/// 0.3 - 0.1) falls on it rather than on either side because of binary fractions.
pub fn rag(polarity: Polarity, target: f64, tolerance: f64, actual: Option<f64>) -> Rag {
    let Some(actual) = actual.filter(|a| a.is_finite()) else {
        return Rag::NoData;
    };
    let eps = 1e-9 * target.abs().max(1.0);
    // How far worse than the target the actual is (negative: better).
    let shortfall = match polarity {
        Polarity::Higher => target - actual,
        Polarity::Lower => actual - target,
    };
    if shortfall <= eps {
        Rag::Green
    } else if shortfall <= tolerance.abs() + eps {
        Rag::Amber
    } else {
        Rag::Red
    }
}

/// A figure as it may be published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Published {
    /// Shown as it is.
    Value(f64),
    /// A count under five: shown as "<5".
    UnderFive,
    /// A rate or percentage from a count under five: withheld.
    Suppressed,
}

impl Published {
    /// The figure shown in a page, a CSV cell or a workbook cell, with `decimals` places.
    pub fn text(self, decimals: usize) -> String {
        match self {
            Published::Value(v) => format!("{v:.decimals$}"),
            Published::UnderFive => "<5".to_owned(),
            Published::Suppressed => "suppressed".to_owned(),
        }
    }

    /// The figure when it may be shown.
    pub fn value(self) -> Option<f64> {
        match self {
            Published::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// The one rule of small-number suppression, for every output (page, CSV, workbook, JSON): a
/// count under five is shown as "<5"; a rate or percentage whose numerator (the count it is made
/// from) is under five is withheld. A score, or a rate without its numerator, is shown as it is.
pub fn publish(unit: Unit, value: f64, numerator: Option<f64>) -> Published {
    match unit {
        Unit::Count if value < SUPPRESS_BELOW => Published::UnderFive,
        Unit::Rate | Unit::Percentage if numerator.is_some_and(|n| n < SUPPRESS_BELOW) => {
            Published::Suppressed
        }
        _ => Published::Value(value),
    }
}

/// A confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// The Wilson score interval of a proportion `x` out of `n`, as a percentage, at normal quantile
/// `z` (Wilson, E. B. (1927) "Probable inference, the law of succession, and statistical
/// inference", JASA 22: 209-212; the method Public Health England's and OHID's Fingertips use for
/// proportions: "Technical Guide: Confidence Intervals", PHE 2018). None when `n` is not positive.
pub fn wilson(x: f64, n: f64, z: f64) -> Option<Interval> {
    if n <= 0.0 || x < 0.0 || x > n || !x.is_finite() || !n.is_finite() {
        return None;
    }
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(Interval {
        lower: ((centre - half) * 100.0).max(0.0),
        upper: ((centre + half) * 100.0).min(100.0),
    })
}

/// Byar's approximation to the exact Poisson interval of an observed count `o`, as counts
/// (Breslow and Day (1987) "Statistical Methods in Cancer Research" vol. II, p. 69; the method
/// Public Health England's and OHID's Fingertips use for counts and crude rates: "Technical
/// Guide: Confidence Intervals", PHE 2018). The lower limit of a count of 0 is 0.
pub fn byar(o: f64, z: f64) -> Option<Interval> {
    if o < 0.0 || !o.is_finite() {
        return None;
    }
    let lower = if o == 0.0 {
        0.0
    } else {
        o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt())).powi(3)
    };
    let o1 = o + 1.0;
    let upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt())).powi(3);
    Some(Interval {
        lower: lower.max(0.0),
        upper,
    })
}

/// The interval of a crude rate per `per` of `o` events in a population of `n`, by [`byar`].
pub fn byar_rate(o: f64, n: f64, per: f64, z: f64) -> Option<Interval> {
    if n <= 0.0 || !n.is_finite() {
        return None;
    }
    byar(o, z).map(|i| Interval {
        lower: i.lower / n * per,
        upper: i.upper / n * per,
    })
}

/// A funnel plot's control limits for a rate per `per` in a population of `n`, around the
/// overall rate `mean` (per `per`): the interval within which the rate of a place like the
/// average would fall with the probability of `z` (1.96 for 95%, 3.09 for 99.8%), with the
/// expected count's Poisson limits by Byar's approximation (Spiegelhalter, D. J. (2005)
/// "Funnel plots for comparing institutional performance", Statistics in Medicine 24: 1185-1202;
/// PHE's "Technical Guide: Funnel plots" uses the same limits).
pub fn funnel_limits(mean: f64, n: f64, per: f64, z: f64) -> Option<Interval> {
    if n <= 0.0 || per <= 0.0 || mean < 0.0 {
        return None;
    }
    let expected = mean / per * n;
    if expected <= 0.0 {
        return Some(Interval {
            lower: 0.0,
            upper: 0.0,
        });
    }
    let lower = expected * (1.0 - 1.0 / (9.0 * expected) - z / (3.0 * expected.sqrt())).powi(3);
    let upper = expected * (1.0 - 1.0 / (9.0 * expected) + z / (3.0 * expected.sqrt())).powi(3);
    Some(Interval {
        lower: lower.max(0.0) / n * per,
        upper: upper / n * per,
    })
}

/// A straight line fitted by least squares through figures at periods 0, 1, 2 ... : the baseline
/// trend a "turn the curve" chart draws on into the future.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    /// Change per period.
    pub slope: f64,
    /// The figure at period 0.
    pub intercept: f64,
}

impl Trend {
    /// The line through `points` (period index, figure); flat through a single point; none
    /// without points.
    pub fn fit(points: &[(f64, f64)]) -> Option<Trend> {
        let n = points.len() as f64;
        if points.is_empty() {
            return None;
        }
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        Some(Trend {
            slope,
            intercept: my - slope * mx,
        })
    }

    /// The line's figure at period `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// A candidate comparator: a place with its deprivation rank (1 = most deprived) and population.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile<K> {
    /// The place.
    pub key: K,
    /// English Indices of Deprivation rank.
    pub imd_rank: f64,
    /// How many places the rank is out of.
    pub imd_total: f64,
    /// Population.
    pub population: f64,
}

/// The `k` places most like `of` by deprivation and size, nearest first: the distance is the
/// difference in deprivation rank as a share of the ranking plus the difference in the logarithm
/// of population (so twice as large counts as far as 0.69 of the whole ranking apart), a
/// two-variable cousin of CIPFA's nearest neighbours. Ties keep the candidates' order.
pub fn comparators<K: Copy + PartialEq>(
    of: &Profile<K>,
    candidates: &[Profile<K>],
    k: usize,
) -> Vec<K> {
    let distance = |c: &Profile<K>| {
        let total = of.imd_total.max(c.imd_total).max(1.0);
        let rank = (of.imd_rank - c.imd_rank).abs() / total;
        let size = (of.population.max(1.0).ln() - c.population.max(1.0).ln()).abs();
        rank + size
    };
    let mut scored: Vec<(f64, usize)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.key != of.key)
        .map(|(i, c)| (distance(c), i))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(k)
        .map(|(_, i)| candidates[i].key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_polarities_read_their_keys() {
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.as_str()), Ok(u));
        }
        assert!(Unit::parse("pounds").is_err());
        assert_eq!(Polarity::parse(" lower "), Ok(Polarity::Lower));
        assert!(Polarity::parse("up").is_err());
    }

    #[test]
    fn suppression_shows_small_counts_as_under_five_and_withholds_rates_from_them() {
        assert_eq!(publish(Unit::Count, 4.0, None).text(0), "<5");
        assert_eq!(publish(Unit::Count, 0.0, None).text(0), "<5");
        assert_eq!(publish(Unit::Count, 5.0, None).text(0), "5");
        assert_eq!(publish(Unit::Rate, 12.5, Some(3.0)), Published::Suppressed);
        assert_eq!(publish(Unit::Rate, 12.5, Some(5.0)).text(1), "12.5");
        assert_eq!(
            publish(Unit::Percentage, 2.0, Some(4.0)).text(1),
            "suppressed"
        );
        assert_eq!(publish(Unit::Rate, 12.5, None).text(1), "12.5");
        assert_eq!(publish(Unit::Score, 3.0, Some(1.0)).text(0), "3");
    }

    #[test]
    fn intervals_match_published_worked_figures() {
        // Wilson: 10 out of 100 at 95% is 5.52% to 17.44% (PHE's worked example).
        let w = wilson(10.0, 100.0, Z95).expect("interval");
        assert!(
            (w.lower - 5.52).abs() < 0.01 && (w.upper - 17.44).abs() < 0.01,
            "{w:?}"
        );
        // Byar: 10 events at 95% is 4.80 to 18.39 (the exact Poisson limits are 4.80 to 18.39).
        let b = byar(10.0, Z95).expect("interval");
        assert!(
            (b.lower - 4.795).abs() < 0.01 && (b.upper - 18.39).abs() < 0.01,
            "{b:?}"
        );
        let r = byar_rate(10.0, 1000.0, 100_000.0, Z95).expect("rate");
        assert!((r.lower - 479.5).abs() < 1.0, "{r:?}");
        assert_eq!(byar(0.0, Z95).map(|i| i.lower), Some(0.0));
        assert!(wilson(1.0, 0.0, Z95).is_none());
    }

    #[test]
    fn funnel_limits_narrow_as_populations_grow() {
        let small = funnel_limits(50.0, 10_000.0, 100_000.0, Z95).expect("limits");
        let large = funnel_limits(50.0, 1_000_000.0, 100_000.0, Z95).expect("limits");
        let outer = funnel_limits(50.0, 10_000.0, 100_000.0, Z998).expect("limits");
        assert!(small.lower < large.lower && large.upper < small.upper);
        assert!(outer.lower < small.lower && small.upper < outer.upper);
        assert!(large.lower < 50.0 && 50.0 < large.upper);
    }

    #[test]
    fn trends_are_least_squares_lines() {
        let t = Trend::fit(&[(0.0, 10.0), (1.0, 12.0), (2.0, 14.0)]).expect("line");
        assert!((t.slope - 2.0).abs() < 1e-12 && (t.at(4.0) - 18.0).abs() < 1e-12);
        let flat = Trend::fit(&[(3.0, 7.0)]).expect("line");
        assert_eq!((flat.slope, flat.at(9.0)), (0.0, 7.0));
        assert!(Trend::fit(&[]).is_none());
    }

    #[test]
    fn comparators_are_the_nearest_by_deprivation_and_size() {
        let p = |key: u32, rank: f64, population: f64| Profile {
            key,
            imd_rank: rank,
            imd_total: 317.0,
            population,
        };
        let of = p(1, 100.0, 100_000.0);
        let list = [
            of,
            p(2, 300.0, 100_000.0),
            p(3, 105.0, 110_000.0),
            p(4, 100.0, 1_000_000.0),
            p(5, 90.0, 95_000.0),
        ];
        assert_eq!(comparators(&of, &list, 2), vec![5, 3]);
        assert_eq!(comparators(&of, &list, 10).len(), 4);
    }
}
