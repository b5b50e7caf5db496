//! UK financial years (1 April to 31 March), written `2024/25`, and their quarters.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A UK public-sector financial year, named by the calendar year in which it starts:
/// `FinancialYear::new(2024)` is 2024/25, from 1 April 2024 to 31 March 2025.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FinancialYear(i32);

/// Why a financial year could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YearError {
    /// The text is not shaped like `2024/25`.
    #[error("'{0}' is not a financial year: write it as 2024/25 (April 2024 to March 2025)")]
    Format(String),
    /// The two halves do not follow one another.
    #[error(
        "'{0}' is not a financial year: the second part must be the year after the first, as in 2024/25"
    )]
    NotConsecutive(String),
    /// Outside the range wholeplace accepts.
    #[error("financial year {0} is outside 1900/01 to 2199/00")]
    Range(i32),
}

impl FinancialYear {
    /// The year starting in April of `start_year`.
    pub fn new(start_year: i32) -> Result<Self, YearError> {
        if !(1900..=2199).contains(&start_year) {
            return Err(YearError::Range(start_year));
        }
        Ok(Self(start_year))
    }

    /// The calendar year in which this financial year starts.
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// The financial year starting in `start_year` as text, such as "2024/25" (how stored years,
    /// kept by their start year, are shown); "" for a year outside the supported range.
    pub fn label_of(start_year: i32) -> String {
        Self::new(start_year)
            .map(|y| y.to_string())
            .unwrap_or_default()
    }

    /// The financial year containing a calendar date (month 1..=12).
    pub fn containing(year: i32, month: u32) -> Result<Self, YearError> {
        if month >= 4 {
            Self::new(year)
        } else {
            Self::new(year - 1)
        }
    }

    /// The year `n` years later (or earlier when `n` is negative).
    pub fn offset(self, n: i32) -> Result<Self, YearError> {
        Self::new(self.0 + n)
    }

    /// Whole years from `self` to `later` (negative when `later` is earlier).
    pub fn years_until(self, later: FinancialYear) -> i32 {
        later.0 - self.0
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }
}

impl FromStr for FinancialYear {
    type Err = YearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (a, b) = t
            .split_once(['/', '-'])
            .ok_or_else(|| YearError::Format(t.to_owned()))?;
        let start: i32 = a
            .trim()
            .parse()
            .map_err(|_| YearError::Format(t.to_owned()))?;
        let b = b.trim();
        if a.trim().len() != 4 || !(b.len() == 2 || b.len() == 4) {
            return Err(YearError::Format(t.to_owned()));
        }
        let end: i32 = b.parse().map_err(|_| YearError::Format(t.to_owned()))?;
        let ok = if b.len() == 2 {
            (start + 1).rem_euclid(100) == end
        } else {
            start + 1 == end
        };
        if !ok {
            return Err(YearError::NotConsecutive(t.to_owned()));
        }
        Self::new(start)
    }
}

impl TryFrom<String> for FinancialYear {
    type Error = YearError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<FinancialYear> for String {
    fn from(y: FinancialYear) -> Self {
        y.to_string()
    }
}

/// A quarter of a financial year: Q1 is April to June.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Quarter {
    /// April to June.
    Q1,
    /// July to September.
    Q2,
    /// October to December.
    Q3,
    /// January to March.
    Q4,
}

impl Quarter {
    /// The quarter containing a calendar month (1..=12).
    pub fn of_month(month: u32) -> Option<Self> {
        match month {
            4..=6 => Some(Self::Q1),
            7..=9 => Some(Self::Q2),
            10..=12 => Some(Self::Q3),
            1..=3 => Some(Self::Q4),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_usual_form() {
        for (text, start) in [
            ("2024/25", 2024),
            ("1999/00", 1999),
            ("2002/03", 2002),
            ("2015-2016", 2015),
        ] {
            let y: FinancialYear = text.parse().expect(text);
            assert_eq!(y.start_year(), start, "{text}");
        }
        assert_eq!(
            FinancialYear::new(1999).expect("valid").to_string(),
            "1999/00"
        );
        assert_eq!(
            FinancialYear::new(2024).expect("valid").to_string(),
            "2024/25"
        );
    }

    #[test]
    fn a_stored_start_year_is_labelled() {
        assert_eq!(FinancialYear::label_of(2011), "2011/12");
        assert_eq!(FinancialYear::label_of(1999), "1999/00");
        assert_eq!(FinancialYear::label_of(i32::MAX), "");
    }

    #[test]
    fn refuses_malformed_years_with_a_reason() {
        for bad in ["2024", "2024/26", "24/25", "abcd/ef", "", "2024/2026"] {
            assert!(
                bad.parse::<FinancialYear>().is_err(),
                "{bad} should be refused"
            );
        }
        let msg = "2024/26"
            .parse::<FinancialYear>()
            .expect_err("bad")
            .to_string();
        assert!(msg.contains("year after"), "{msg}");
    }

    #[test]
    fn april_starts_the_year() {
        assert_eq!(
            FinancialYear::containing(2025, 3).expect("ok").to_string(),
            "2024/25"
        );
        assert_eq!(
            FinancialYear::containing(2025, 4).expect("ok").to_string(),
            "2025/26"
        );
        assert_eq!(Quarter::of_month(4), Some(Quarter::Q1));
        assert_eq!(Quarter::of_month(1), Some(Quarter::Q4));
        assert_eq!(Quarter::of_month(13), None);
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(start in 1900i32..2199) {
            let y = FinancialYear::new(start).expect("in range");
            let back: FinancialYear = y.to_string().parse().expect("round trip");
            proptest::prop_assert_eq!(y, back);
        }
    }
}
