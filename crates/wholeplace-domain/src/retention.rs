//! How long agencies' records about families are kept: retention rules as data, and the one pure
//! decision of which rule governs a record and whether its period has run out ([`due`]).
//!
//! A rule keeps records of one class of data for a number of whole years after the record's
//! end (an involvement's last day, an event's day). A rule may be narrowed to an
//! information-sharing agreement: it then governs only records held by that agreement's
//! parties, and beats the class's default rule for them. A record with no rule is kept forever;
//! a record that has not ended (an open involvement) is never due. Legal holds are the store's
//! to apply: they take whole families out before this decision is asked.

use crate::ids::AgencyId;
use crate::sharing::{DataClass, Day};

/// Retention periods are whole years from 1 to this.
pub const MAX_KEEP_YEARS: i64 = 100;

/// The terms of one retention rule that the decision needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionTerms {
    /// The rule's id, named in the decision.
    pub id: i64,
    /// The class of data it keeps.
    pub class: DataClass,
    /// The parties of the agreement it is narrowed to; `None` for the class's default rule.
    pub parties: Option<Vec<AgencyId>>,
    /// Whole years kept after the record's end.
    pub keep_years: i64,
}

/// The rule that governs a record of `class` held by `holder`: a rule narrowed to an agreement
/// with the holder among its parties beats the class's default rule. Where several such rules
/// match (the holder is party to several agreements with rules), the longest period wins:
/// disposal cannot be undone, so keeping longer is the safe way to be wrong. `None`: no rule,
/// and the record is kept forever.
pub fn governing_rule(
    rules: &[RetentionTerms],
    class: DataClass,
    holder: AgencyId,
) -> Option<&RetentionTerms> {
    let longest = |narrowed: bool| {
        rules
            .iter()
            .filter(|r| r.class == class)
            .filter(|r| match &r.parties {
                Some(parties) => narrowed && parties.contains(&holder),
                None => !narrowed,
            })
            .max_by(|a, b| a.keep_years.cmp(&b.keep_years).then(b.id.cmp(&a.id)))
    };
    longest(true).or_else(|| longest(false))
}

/// `day` moved on by `years` whole years, as text (`2015-02-28` and 7 give `2022-02-28`; 29
/// February stays the 29th, which sorts between the 28th and 1 March as a day would). `None`
/// when `day` is not `YYYY-MM-DD`.
fn years_after(day: Day<'_>, years: i64) -> Option<String> {
    let (year, rest) = day.split_once('-')?;
    if year.len() != 4 || rest.len() != 5 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i64 = year.parse().ok()?;
    Some(format!("{:04}-{rest}", year + years))
}

/// Whether a record that ended on `end` is past a period of `keep_years` on `today`: it is kept
/// up to and including the anniversary `keep_years` after its end, and due from the day after.
/// A malformed day or a period under a year is never past (the record is kept).
pub fn past_period(end: Day<'_>, keep_years: i64, today: Day<'_>) -> bool {
    keep_years >= 1 && years_after(end, keep_years).is_some_and(|last| last.as_str() < today)
}

/// The rule under which a record of `class`, held by `holder`, that ended on `end` (`None`: it
/// has not ended) is due for disposal on `today`; `None` when it is to be kept.
pub fn due<'a>(
    rules: &'a [RetentionTerms],
    class: DataClass,
    holder: AgencyId,
    end: Option<Day<'_>>,
    today: Day<'_>,
) -> Option<&'a RetentionTerms> {
    let end = end?;
    governing_rule(rules, class, holder).filter(|r| past_period(end, r.keep_years, today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, class: &str, parties: Option<&[i64]>, keep_years: i64) -> RetentionTerms {
        RetentionTerms {
            id,
            class: DataClass::of(class),
            parties: parties.map(|p| p.iter().map(|n| AgencyId::new(*n)).collect()),
            keep_years,
        }
    }

    #[test]
    fn a_record_is_kept_through_its_anniversary_and_due_the_day_after() {
        assert!(!past_period("2015-03-31", 7, "2022-03-31"));
        assert!(past_period("2015-03-31", 7, "2022-04-01"));
        assert!(!past_period("2020-02-29", 1, "2021-02-28"));
        assert!(past_period("2020-02-29", 1, "2021-03-01"));
        assert!(!past_period("not a day", 1, "2099-01-01"));
        assert!(!past_period("2000-01-01", 0, "2099-01-01"));
    }

    #[test]
    fn an_agreement_rule_beats_the_class_default_for_its_parties_only() {
        let rules = [
            rule(1, "police", None, 6),
            rule(2, "police", Some(&[1, 2]), 2),
            rule(3, "health", None, 8),
        ];
        let police = DataClass::of("police");
        let of = |holder| governing_rule(&rules, police, AgencyId::new(holder)).map(|r| r.id);
        assert_eq!(of(1), Some(2), "a party: the agreement's rule");
        assert_eq!(of(3), Some(1), "not a party: the class default");
        assert_eq!(
            governing_rule(&rules, DataClass::of("housing"), AgencyId::new(1)),
            None,
            "no rule: kept forever"
        );
        let today = "2026-06-01";
        assert_eq!(
            due(&rules, police, AgencyId::new(1), Some("2021-01-01"), today).map(|r| r.id),
            Some(2)
        );
        assert_eq!(
            due(&rules, police, AgencyId::new(3), Some("2021-01-01"), today),
            None
        );
        assert_eq!(
            due(&rules, police, AgencyId::new(1), None, today),
            None,
            "an open record is never due"
        );
    }

    #[test]
    fn of_several_agreement_rules_the_longest_wins() {
        let rules = [
            rule(4, "health", Some(&[1]), 3),
            rule(5, "health", Some(&[1, 2]), 9),
            rule(6, "health", None, 1),
        ];
        let got = governing_rule(&rules, DataClass::of("health"), AgencyId::new(1));
        assert_eq!(got.map(|r| r.id), Some(5));
    }
}
