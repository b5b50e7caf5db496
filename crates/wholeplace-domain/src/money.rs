//! Money held exactly, as whole pence, and shown the way UK public-sector readers expect.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An exact amount of money in pence. Arithmetic is checked: an overflow is an error, never a wrap.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why an amount of money could not be read or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a number of pounds.
    #[error(
        "'{0}' is not an amount of money: write pounds and pence, for example 1234.56 or £1,234.56"
    )]
    Format(String),
    /// More than two decimal places.
    #[error("'{0}' has more than two decimal places: money is kept to the penny")]
    TooPrecise(String),
    /// Too large to hold.
    #[error("amount is too large")]
    Overflow,
    /// Beyond what any public budget can be (see [`Money::LIMIT`]).
    #[error(
        "'{0}' is too large: an amount must be at most £1,000,000,000,000.00 (one trillion pounds) either way"
    )]
    OutOfRange(String),
}

impl Money {
    /// Zero pounds.
    pub const ZERO: Money = Money(0);

    /// The largest amount read from people or files, either way: one trillion pounds, more than any
    /// public budget (the UK's total public spending is about £1.3 trillion a year). Bounding amounts
    /// at the edge keeps every sum of them far from overflowing; sums are taken in `i128` besides.
    pub const LIMIT: Money = Money(100_000_000_000_000);

    /// Is the amount within [`Money::LIMIT`] either way?
    pub const fn is_within_limit(self) -> bool {
        self.0 >= -Self::LIMIT.0 && self.0 <= Self::LIMIT.0
    }

    /// From a whole number of pence.
    pub const fn from_pence(pence: i64) -> Self {
        Money(pence)
    }

    /// From whole pounds.
    pub fn from_pounds(pounds: i64) -> Result<Self, MoneyError> {
        pounds
            .checked_mul(100)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// The amount in pence.
    pub const fn pence(self) -> i64 {
        self.0
    }

    /// The amount in pounds as a float, for charts and ratios (never for storage).
    pub fn as_pounds_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Rounds a float number of pounds to the nearest penny (half away from zero).
    pub fn from_pounds_f64(pounds: f64) -> Result<Self, MoneyError> {
        let pence = (pounds * 100.0).round();
        if !pence.is_finite() || pence.abs() > 9.0e18 {
            return Err(MoneyError::Overflow);
        }
        Ok(Money(pence as i64))
    }

    /// Checked addition.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// Checked subtraction.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// Full form with pence and thousands separators: `£1,234.56`, `-£5.00`.
    pub fn to_full_string(self) -> String {
        total_full_string(i128::from(self.0))
    }

    /// Short form for headlines: `£1,234`, `£12,345`, `£1.2m`, `£3.4bn` (pounds rounded).
    pub fn to_short_string(self) -> String {
        total_short_string(i128::from(self.0))
    }
}

/// A total of pence (summed in `i128`, so it cannot overflow) in full: `£1,234.56`, `-£5.00`.
pub fn total_full_string(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}£{}.{:02}", group_digits(abs / 100), abs % 100)
}

/// A total of pence in short: `£1,234`, `£1.2m`, `£3.4bn` (pounds rounded).
pub fn total_short_string(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pounds = pence.unsigned_abs() as f64 / 100.0;
    if pounds >= 1.0e9 {
        format!("{sign}£{:.1}bn", pounds / 1.0e9)
    } else if pounds >= 1.0e6 {
        format!("{sign}£{:.1}m", pounds / 1.0e6)
    } else {
        format!("{sign}£{}", group_thousands(pounds.round() as u64))
    }
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(n: u64) -> String {
    group_digits(u128::from(n))
}

fn group_digits(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_full_string())
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    /// Reads `1234`, `1234.5`, `£1,234.56`, `-12.30`. Refuses more than two decimals and amounts
    /// beyond [`Money::LIMIT`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let original = s.trim();
        let bad = || MoneyError::Format(original.to_owned());
        let (neg, rest) = match original.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, original),
        };
        let rest = rest.strip_prefix('£').unwrap_or(rest).replace(',', "");
        if rest.is_empty() {
            return Err(bad());
        }
        let (whole, frac) = rest.split_once('.').unwrap_or((&rest, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise(original.to_owned()));
        }
        let too_large = || MoneyError::OutOfRange(original.to_owned());
        let pounds: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let pence: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let total = pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence))
            .ok_or_else(too_large)?;
        let m = Money(if neg { -total } else { total });
        if m.is_within_limit() {
            Ok(m)
        } else {
            Err(too_large())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_people_type() {
        for (text, pence) in [
            ("1234", 123_400),
            ("1234.5", 123_450),
            ("£1,234.56", 123_456),
            ("-12.30", -1_230),
            (".5", 50),
            ("  7 ", 700),
        ] {
            assert_eq!(text.parse::<Money>().expect(text).pence(), pence, "{text}");
        }
        for bad in ["", "£", "12.345", "1e3", "abc", "1.2.3", "--1"] {
            assert!(bad.parse::<Money>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn amounts_beyond_a_trillion_pounds_are_refused_and_say_the_bound() {
        assert_eq!(
            "1000000000000".parse::<Money>().expect("the limit"),
            Money::LIMIT
        );
        assert!("-1,000,000,000,000.00".parse::<Money>().is_ok());
        for too_large in [
            "1000000000000.01",
            "-1000000000000.01",
            "92233720368547758.07",
            "99999999999999999999999",
        ] {
            let e = too_large.parse::<Money>().expect_err(too_large);
            assert!(matches!(e, MoneyError::OutOfRange(_)), "{too_large}: {e:?}");
            assert!(e.to_string().contains("£1,000,000,000,000.00"), "{e}");
        }
    }

    #[test]
    fn shows_money_the_uk_way() {
        assert_eq!(
            total_full_string(i128::from(i64::MAX) * 3),
            "£276,701,161,105,643,274.21"
        );
        assert_eq!(Money::from_pence(123_456).to_full_string(), "£1,234.56");
        assert_eq!(Money::from_pence(-500).to_full_string(), "-£5.00");
        assert_eq!(Money::from_pence(123_456).to_short_string(), "£1,235");
        assert_eq!(Money::from_pence(955_000_000).to_short_string(), "£9.6m");
        assert_eq!(Money::from_pence(0).to_short_string(), "£0");
    }

    #[test]
    fn arithmetic_never_wraps() {
        assert_eq!(
            Money::from_pence(i64::MAX).checked_add(Money::from_pence(1)),
            Err(MoneyError::Overflow)
        );
        assert!(Money::from_pounds(i64::MAX).is_err());
        assert_eq!(Money::from_pounds_f64(673.225).expect("ok").pence(), 67_323);
    }

    proptest::proptest! {
        #[test]
        fn full_string_round_trips(p in -1_000_000_000_000i64..1_000_000_000_000) {
            let m = Money::from_pence(p);
            proptest::prop_assert_eq!(m.to_full_string().parse::<Money>().expect("round trip"), m);
        }
    }
}
