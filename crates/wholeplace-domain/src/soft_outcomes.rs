//! Soft outcomes and wellbeing, the pure rules: partnership-defined scales and the distance a
//! person or family travels on them ([`distance_travelled`], [`cohort_distance`]), the ONS
//! personal wellbeing questions (ONS4) with the ONS thresholds ([`Ons4Measure::band`]) and means
//! to two decimals as the ONS reports them ([`Hundredths`]), and the (S)WEMWBS totals from item
//! scores entered by number ([`Wemwbs::total`]). No wording of a licensed instrument is held here.

use std::fmt;

/// A scale's range: partnerships define scales of 1 to 5 or 1 to 10.
pub const SCALE_RANGES: [(i64, i64); 2] = [(1, 5), (1, 10)];

/// A value to two decimal places held exactly, as a whole number of hundredths (means are
/// reported to two decimals, as the ONS reports them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// The mean of whole-number scores rounded half away from zero to two decimals; `None` for
    /// no scores.
    pub fn mean(scores: &[i64]) -> Option<Hundredths> {
        if scores.is_empty() {
            return None;
        }
        let n = scores.len() as i64;
        let sum: i64 = scores.iter().sum();
        Some(Hundredths(div_round(sum * 100, n)))
    }

    /// `part` out of `whole` as a percentage to two decimals (a response rate); `None` when
    /// `whole` is not above 0.
    pub fn percent(part: i64, whole: i64) -> Option<Hundredths> {
        (whole > 0).then(|| Hundredths(div_round(part * 10_000, whole)))
    }

    /// As a number (for charts).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// `a / b` rounded half away from zero (`b` > 0).
fn div_round(a: i64, b: i64) -> i64 {
    let q = (2 * a.abs() + b) / (2 * b);
    if a < 0 { -q } else { q }
}

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// A reading's score is outside its scale.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{score} is outside {low} to {high}")]
pub struct OutOfRange {
    /// The score given.
    pub score: i64,
    /// The lowest allowed.
    pub low: i64,
    /// The highest allowed.
    pub high: i64,
}

/// Checks a score against a range, both ends included.
pub fn in_range(score: i64, low: i64, high: i64) -> Result<i64, OutOfRange> {
    if (low..=high).contains(&score) {
        Ok(score)
    } else {
        Err(OutOfRange { score, low, high })
    }
}

/// One dated score of one subject (a person or family), for distance travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dated<'a, K> {
    /// Who was measured.
    pub subject: K,
    /// When, ISO 8601 (sorts as text).
    pub on: &'a str,
    /// The score.
    pub score: i64,
}

/// How far one subject has travelled: their first and latest readings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Travelled<K> {
    /// Who.
    pub subject: K,
    /// How many readings.
    pub readings: usize,
    /// The first reading's date and score.
    pub first: (String, i64),
    /// The latest reading's date and score.
    pub latest: (String, i64),
    /// Latest less first (positive is up the scale).
    pub change: i64,
}

/// Each subject's first and latest readings (by date; on one date, the one given last), in the
/// order subjects first appear.
pub fn distance_travelled<K: Copy + Eq>(readings: &[Dated<'_, K>]) -> Vec<Travelled<K>> {
    let mut out: Vec<Travelled<K>> = Vec::new();
    for r in readings {
        match out.iter_mut().find(|t| t.subject == r.subject) {
            None => out.push(Travelled {
                subject: r.subject,
                readings: 1,
                first: (r.on.to_owned(), r.score),
                latest: (r.on.to_owned(), r.score),
                change: 0,
            }),
            Some(t) => {
                t.readings += 1;
                if r.on < t.first.0.as_str() {
                    t.first = (r.on.to_owned(), r.score);
                }
                if r.on >= t.latest.0.as_str() {
                    t.latest = (r.on.to_owned(), r.score);
                }
                t.change = t.latest.1 - t.first.1;
            }
        }
    }
    out
}

/// A cohort's distance travelled: over the subjects measured at least twice.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CohortDistance {
    /// Subjects measured at least twice.
    pub measured_twice: usize,
    /// Subjects measured once only (no distance yet).
    pub measured_once: usize,
    /// Mean of the first readings of those measured twice.
    pub mean_first: Option<Hundredths>,
    /// Mean of their latest readings.
    pub mean_latest: Option<Hundredths>,
    /// Mean change, latest less first.
    pub mean_change: Option<Hundredths>,
    /// How many moved up the scale, stayed, moved down.
    pub up: usize,
    /// Stayed where they were.
    pub same: usize,
    /// Moved down.
    pub down: usize,
}

/// The cohort's distance from each subject's first and latest readings.
pub fn cohort_distance<K>(travelled: &[Travelled<K>]) -> CohortDistance {
    let twice: Vec<&Travelled<K>> = travelled.iter().filter(|t| t.readings >= 2).collect();
    let firsts: Vec<i64> = twice.iter().map(|t| t.first.1).collect();
    let latests: Vec<i64> = twice.iter().map(|t| t.latest.1).collect();
    let changes: Vec<i64> = twice.iter().map(|t| t.change).collect();
    CohortDistance {
        measured_twice: twice.len(),
        measured_once: travelled.len() - twice.len(),
        mean_first: Hundredths::mean(&firsts),
        mean_latest: Hundredths::mean(&latests),
        mean_change: Hundredths::mean(&changes),
        up: changes.iter().filter(|c| **c > 0).count(),
        same: changes.iter().filter(|c| **c == 0).count(),
        down: changes.iter().filter(|c| **c < 0).count(),
    }
}

/// One of the four ONS personal wellbeing questions, each answered 0 to 10 and never combined
/// into one score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ons4Measure {
    /// Life satisfaction.
    LifeSatisfaction,
    /// Feeling the things done in life are worthwhile.
    Worthwhile,
    /// Happiness yesterday.
    Happiness,
    /// Anxiety yesterday (lower is better).
    Anxiety,
}

/// A band of the ONS thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ons4Band {
    /// Very low.
    VeryLow,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Very high.
    VeryHigh,
}

impl Ons4Band {
    /// Its name on a page.
    pub fn label(self) -> &'static str {
        match self {
            Ons4Band::VeryLow => "Very low",
            Ons4Band::Low => "Low",
            Ons4Band::Medium => "Medium",
            Ons4Band::High => "High",
            Ons4Band::VeryHigh => "Very high",
        }
    }
}

impl Ons4Measure {
    /// The four, in the ONS's order.
    pub const ALL: [Ons4Measure; 4] = [
        Ons4Measure::LifeSatisfaction,
        Ons4Measure::Worthwhile,
        Ons4Measure::Happiness,
        Ons4Measure::Anxiety,
    ];

    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Ons4Measure::LifeSatisfaction => "life_satisfaction",
            Ons4Measure::Worthwhile => "worthwhile",
            Ons4Measure::Happiness => "happiness",
            Ons4Measure::Anxiety => "anxiety",
        }
    }

    /// Its name on a page.
    pub fn label(self) -> &'static str {
        match self {
            Ons4Measure::LifeSatisfaction => "Life satisfaction",
            Ons4Measure::Worthwhile => "Worthwhile",
            Ons4Measure::Happiness => "Happiness",
            Ons4Measure::Anxiety => "Anxiety",
        }
    }

    /// The bands this measure's answers fall in, lowest score first.
    pub fn bands(self) -> [Ons4Band; 4] {
        match self {
            Ons4Measure::Anxiety => [
                Ons4Band::VeryLow,
                Ons4Band::Low,
                Ons4Band::Medium,
                Ons4Band::High,
            ],
            _ => [
                Ons4Band::Low,
                Ons4Band::Medium,
                Ons4Band::High,
                Ons4Band::VeryHigh,
            ],
        }
    }

    /// The ONS threshold band of an answer 0 to 10: life satisfaction, worthwhile and happiness
    /// 0-4 low, 5-6 medium, 7-8 high, 9-10 very high; anxiety 0-1 very low, 2-3 low, 4-5 medium,
    /// 6-10 high.
    pub fn band(self, score: i64) -> Result<Ons4Band, OutOfRange> {
        let s = in_range(score, 0, 10)?;
        Ok(match self {
            Ons4Measure::Anxiety => match s {
                0..=1 => Ons4Band::VeryLow,
                2..=3 => Ons4Band::Low,
                4..=5 => Ons4Band::Medium,
                _ => Ons4Band::High,
            },
            _ => match s {
                0..=4 => Ons4Band::Low,
                5..=6 => Ons4Band::Medium,
                7..=8 => Ons4Band::High,
                _ => Ons4Band::VeryHigh,
            },
        })
    }
}

/// One measure's summary over a set of readings: the mean to two decimals and how many answers
/// fell in each band.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Ons4Summary {
    /// The measure.
    pub measure: Ons4Measure,
    /// Answers counted.
    pub n: usize,
    /// The mean, to two decimals.
    pub mean: Option<Hundredths>,
    /// (band, answers in it, their share as a percentage to two decimals), lowest score first.
    pub bands: Vec<(Ons4Band, usize, Option<Hundredths>)>,
}

/// Each measure summarised apart (the four are never combined).
pub fn ons4_summary(readings: &[[i64; 4]]) -> Vec<Ons4Summary> {
    Ons4Measure::ALL
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let scores: Vec<i64> = readings.iter().map(|r| r[k]).collect();
            let bands = m
                .bands()
                .iter()
                .map(|b| {
                    let n = scores
                        .iter()
                        .filter(|s| m.band(**s).ok() == Some(*b))
                        .count();
                    (*b, n, Hundredths::percent(n as i64, scores.len() as i64))
                })
                .collect();
            Ons4Summary {
                measure: *m,
                n: scores.len(),
                mean: Hundredths::mean(&scores),
                bands,
            }
        })
        .collect()
}

/// The Warwick-Edinburgh scales, entered as item scores by number (no item wording is held).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Wemwbs {
    /// The 14-item scale, total 14 to 70.
    Full,
    /// The 7-item short scale: the raw total 7 to 35 (the metric conversion is not applied).
    Short,
}

/// Item scores that do not make a (S)WEMWBS total.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WemwbsError {
    /// The wrong number of items.
    #[error("enter {expected} item scores, not {given}")]
    Items {
        /// How many the scale has.
        expected: usize,
        /// How many were given.
        given: usize,
    },
    /// An item outside 1 to 5.
    #[error("item {item} is {score}: each item is scored 1 to 5")]
    Score {
        /// The item's number, from 1.
        item: usize,
        /// The score given.
        score: i64,
    },
}

impl Wemwbs {
    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Wemwbs::Full => "wemwbs",
            Wemwbs::Short => "swemwbs",
        }
    }

    /// Its name on a page.
    pub fn label(self) -> &'static str {
        match self {
            Wemwbs::Full => "WEMWBS (14 items)",
            Wemwbs::Short => "SWEMWBS (7 items, raw score)",
        }
    }

    /// The number of items.
    pub fn items(self) -> usize {
        match self {
            Wemwbs::Full => 14,
            Wemwbs::Short => 7,
        }
    }

    /// The scale with this key.
    pub fn parse(s: &str) -> Option<Wemwbs> {
        match s.trim() {
            "wemwbs" => Some(Wemwbs::Full),
            "swemwbs" => Some(Wemwbs::Short),
            _ => None,
        }
    }

    /// The total of the item scores (each 1 to 5): 14 to 70 for WEMWBS, the raw 7 to 35 for
    /// SWEMWBS.
    pub fn total(self, items: &[i64]) -> Result<i64, WemwbsError> {
        if items.len() != self.items() {
            return Err(WemwbsError::Items {
                expected: self.items(),
                given: items.len(),
            });
        }
        for (i, s) in items.iter().enumerate() {
            if !(1..=5).contains(s) {
                return Err(WemwbsError::Score {
                    item: i + 1,
                    score: *s,
                });
            }
        }
        Ok(items.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ons4_band_boundary_is_where_the_ons_puts_it() {
        use Ons4Band::*;
        use Ons4Measure::*;
        // (score, band) at each edge of each band, for the three positive measures.
        let positive = [
            (0, Low),
            (4, Low),
            (5, Medium),
            (6, Medium),
            (7, High),
            (8, High),
            (9, VeryHigh),
            (10, VeryHigh),
        ];
        for m in [LifeSatisfaction, Worthwhile, Happiness] {
            for (s, b) in positive {
                assert_eq!(m.band(s), Ok(b), "{m:?} {s}");
            }
        }
        let anxiety = [
            (0, VeryLow),
            (1, VeryLow),
            (2, Low),
            (3, Low),
            (4, Medium),
            (5, Medium),
            (6, High),
            (10, High),
        ];
        for (s, b) in anxiety {
            assert_eq!(Anxiety.band(s), Ok(b), "anxiety {s}");
        }
        for m in Ons4Measure::ALL {
            for s in [-1, 11] {
                assert_eq!(
                    m.band(s),
                    Err(OutOfRange {
                        score: s,
                        low: 0,
                        high: 10
                    })
                );
            }
        }
    }

    #[test]
    fn means_are_given_to_two_decimals_rounded_half_away_from_zero() {
        assert_eq!(
            Hundredths::mean(&[7, 8, 8]).map(|h| h.to_string()),
            Some("7.67".into())
        );
        assert_eq!(
            Hundredths::mean(&[1, 2]).map(|h| h.to_string()),
            Some("1.50".into())
        );
        // 1/8 = 0.125 rounds up to 0.13.
        assert_eq!(
            Hundredths::mean(&[1, 0, 0, 0, 0, 0, 0, 0]).map(|h| h.to_string()),
            Some("0.13".into())
        );
        assert_eq!(
            Hundredths::mean(&[-1, -2]).map(|h| h.to_string()),
            Some("-1.50".into())
        );
        assert_eq!(Hundredths::mean(&[]), None);
        assert_eq!(
            Hundredths::percent(33, 100).map(|h| h.to_string()),
            Some("33.00".into())
        );
        assert_eq!(
            Hundredths::percent(1, 3).map(|h| h.to_string()),
            Some("33.33".into())
        );
        assert_eq!(Hundredths::percent(1, 0), None);
    }

    #[test]
    fn the_four_measures_are_summarised_apart() {
        let s = ons4_summary(&[[8, 9, 7, 1], [4, 5, 6, 6], [9, 9, 9, 3]]);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].mean.map(|h| h.to_string()).as_deref(), Some("7.00"));
        assert_eq!(s[3].mean.map(|h| h.to_string()).as_deref(), Some("3.33"));
        let counts: Vec<usize> = s[0].bands.iter().map(|b| b.1).collect();
        assert_eq!(counts, [1, 0, 1, 1]);
        let anxiety: Vec<usize> = s[3].bands.iter().map(|b| b.1).collect();
        assert_eq!(anxiety, [1, 1, 0, 1]);
    }

    #[test]
    fn distance_travelled_is_latest_less_first_per_subject_and_cohort() {
        let r = [
            Dated {
                subject: 1,
                on: "2024-05-01",
                score: 4,
            },
            Dated {
                subject: 2,
                on: "2024-01-01",
                score: 2,
            },
            Dated {
                subject: 1,
                on: "2024-01-01",
                score: 2,
            },
            Dated {
                subject: 1,
                on: "2024-03-01",
                score: 3,
            },
            Dated {
                subject: 3,
                on: "2024-01-01",
                score: 5,
            },
            Dated {
                subject: 3,
                on: "2024-06-01",
                score: 3,
            },
            Dated {
                subject: 4,
                on: "2024-06-01",
                score: 3,
            },
            Dated {
                subject: 4,
                on: "2024-07-01",
                score: 3,
            },
        ];
        let t = distance_travelled(&r);
        let changes: Vec<(i32, usize, i64)> = t
            .iter()
            .map(|t| (t.subject, t.readings, t.change))
            .collect();
        assert_eq!(changes, [(1, 3, 2), (2, 1, 0), (3, 2, -2), (4, 2, 0)]);
        assert_eq!(t[0].first, ("2024-01-01".to_owned(), 2));
        assert_eq!(t[0].latest, ("2024-05-01".to_owned(), 4));
        let c = cohort_distance(&t);
        assert_eq!(
            (c.measured_twice, c.measured_once, c.up, c.same, c.down),
            (3, 1, 1, 1, 1)
        );
        assert_eq!(c.mean_first.map(|h| h.to_string()).as_deref(), Some("3.33"));
        assert_eq!(
            c.mean_latest.map(|h| h.to_string()).as_deref(),
            Some("3.33")
        );
        assert_eq!(
            c.mean_change.map(|h| h.to_string()).as_deref(),
            Some("0.00")
        );
    }

    #[test]
    fn wemwbs_totals_need_every_item_scored_one_to_five() {
        assert_eq!(Wemwbs::Full.total(&[3; 14]), Ok(42));
        assert_eq!(Wemwbs::Short.total(&[1, 2, 3, 4, 5, 5, 5]), Ok(25));
        assert_eq!(
            Wemwbs::Short.total(&[3; 6]),
            Err(WemwbsError::Items {
                expected: 7,
                given: 6
            })
        );
        let mut items = [3; 14];
        items[9] = 6;
        assert_eq!(
            Wemwbs::Full.total(&items),
            Err(WemwbsError::Score { item: 10, score: 6 })
        );
        items[9] = 0;
        assert!(Wemwbs::Full.total(&items).is_err());
    }
}
