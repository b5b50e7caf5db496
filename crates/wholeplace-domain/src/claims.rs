//! Family outcomes and claims: a versioned outcome framework as data (the Supporting Families
//! programme's ten headline outcomes shipped as the default, local frameworks as variants) and the
//! claim checker that decides, per family, whether a claimable result is evidenced and sustained
//! for the framework's period, with a reason code for every part of the decision.
//!
//! A claim is a count of families whose recorded progress meets the framework's rules: it is not
//! evidence of impact (the Public Accounts Committee's finding on "families turned around"). An
//! estimate of impact needs a comparison group and an interval and is a separate view; nothing
//! here produces one.
//!
//! Two routes, as in the programme: the *whole family* route (every outcome the family's
//! identified needs call for is achieved, evidenced, not lapsed and sustained for the outcome's
//! period) and the *employment* route (an adult in continuous work for the framework's period).
//! Pure: days are ISO dates (`YYYY-MM-DD`), compared and counted here.

use serde::Serialize;

/// One outcome of a framework.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameworkOutcome {
    /// Stable key, such as `secure_housing`.
    pub key: String,
    /// Its wording.
    pub label: String,
    /// The needs (keys of the need taxonomy) that call for this outcome.
    pub needs: Vec<String>,
    /// How many days it must be sustained, from the day it was achieved, before it counts.
    pub sustain_days: u32,
}

/// A versioned outcome framework.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Framework {
    /// Its name.
    pub name: String,
    /// Its version (a changed rule is a new version; claims name the version they used).
    pub version: String,
    /// Its outcomes.
    pub outcomes: Vec<FrameworkOutcome>,
    /// The employment route: days of continuous work that make a claim (`None`: no such route).
    pub employment_days: Option<u32>,
}

/// Half a year: the usual period for an outcome to be sustained.
const SIX_MONTHS: u32 = 183;

/// The Supporting Families programme's ten headline outcomes (2022 framework), mapped onto the
/// project's need taxonomy, with six months' sustainment (three school terms, about nine months,
/// for education) and the employment route after 26 weeks of continuous work. A partnership's
/// own framework is a variant of this one.
pub fn supporting_families() -> Framework {
    let o = |key: &str, label: &str, needs: &[&str], days: u32| FrameworkOutcome {
        key: key.to_owned(),
        label: label.to_owned(),
        needs: needs.iter().map(|n| (*n).to_owned()).collect(),
        sustain_days: days,
    };
    Framework {
        name: "Supporting Families headline outcomes".to_owned(),
        version: "2022".to_owned(),
        outcomes: vec![
            o(
                "education",
                "Getting a good education",
                &["school_attendance"],
                273,
            ),
            o(
                "early_years",
                "Good early years development",
                &[],
                SIX_MONTHS,
            ),
            o(
                "health",
                "Improved mental and physical health",
                &["mental_health", "physical_health"],
                SIX_MONTHS,
            ),
            o(
                "substance_use",
                "Promoting recovery and reducing harm from substance use",
                &["substance_misuse"],
                SIX_MONTHS,
            ),
            o(
                "relationships",
                "Improved family relationships",
                &["parenting"],
                SIX_MONTHS,
            ),
            o(
                "children_safe",
                "Children safe from abuse and exploitation",
                &["child_protection", "missing"],
                SIX_MONTHS,
            ),
            o(
                "crime",
                "Crime prevention and tackling crime",
                &["offending", "antisocial_behaviour"],
                SIX_MONTHS,
            ),
            o(
                "domestic_abuse",
                "Safe from domestic abuse",
                &["domestic_abuse"],
                SIX_MONTHS,
            ),
            o("housing", "Secure housing", &["housing"], SIX_MONTHS),
            o(
                "financial",
                "Financial stability",
                &["debt", "worklessness"],
                SIX_MONTHS,
            ),
        ],
        employment_days: Some(182),
    }
}

/// A family's progress towards one outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress<'a> {
    /// The outcome's key.
    pub outcome: &'a str,
    /// The day it was achieved, if it has been.
    pub achieved_on: Option<&'a str>,
    /// Whether evidence of it is recorded (a source an auditor can check).
    pub evidenced: bool,
    /// The day it lapsed (the need came back), if it did.
    pub lapsed_on: Option<&'a str>,
}

/// What the checker knows of one family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FamilyCase<'a> {
    /// The needs identified when the family was taken on (keys of the need taxonomy).
    pub needs: Vec<&'a str>,
    /// Progress towards outcomes.
    pub progress: Vec<Progress<'a>>,
    /// The day an adult of the family began continuous work, if one has.
    pub work_from: Option<&'a str>,
    /// Whether a claim has already been made for the family under this framework.
    pub claimed: bool,
}

/// One part of a decision, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// A claim was already made for this family.
    AlreadyClaimed,
    /// No needs were identified, so the whole-family route has nothing to meet.
    NoNeeds,
    /// An identified need that no outcome of the framework answers.
    NeedNotInFramework {
        /// The need.
        need: String,
    },
    /// An outcome the needs call for is not achieved.
    NotAchieved {
        /// The outcome.
        outcome: String,
    },
    /// Achieved, but no evidence is recorded.
    NoEvidence {
        /// The outcome.
        outcome: String,
    },
    /// Achieved, then lapsed.
    Lapsed {
        /// The outcome.
        outcome: String,
        /// When.
        on: String,
    },
    /// Achieved and evidenced, not yet sustained for its period.
    NotSustained {
        /// The outcome.
        outcome: String,
        /// Days still to go.
        days_to_go: i64,
    },
    /// Achieved, evidenced and sustained.
    Sustained {
        /// The outcome.
        outcome: String,
    },
    /// Continuous work sustained for the employment route's period.
    WorkSustained,
    /// Continuous work, not yet for the period.
    WorkNotSustained {
        /// Days still to go.
        days_to_go: i64,
    },
    /// A day that is not a date (`YYYY-MM-DD`).
    BadDate {
        /// The text.
        day: String,
    },
}

/// How a claim is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Every outcome the family's needs call for, sustained.
    WholeFamily,
    /// An adult in continuous work.
    Employment,
}

/// The checker's decision on one family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The route by which the family may be claimed (the whole-family route first), if any.
    pub claimable: Option<Route>,
    /// Every part of the decision.
    pub reasons: Vec<Reason>,
}

/// Days since 1970-01-01 of an ISO date, or `None`.
pub fn day_number(day: &str) -> Option<i64> {
    let b = day.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| day.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days before the year, then before the month, then the day.
    let years = y - 1970;
    let leaps = |yr: i64| yr / 4 - yr / 100 + yr / 400;
    let before_year = years * 365 + leaps(y - 1) - leaps(1969);
    let before_month: i64 = month_days[..(m - 1) as usize].iter().sum();
    Some(before_year + before_month + d - 1)
}

/// Decides whether a family may be claimed under `framework` on `today`.
pub fn decide(framework: &Framework, case: &FamilyCase<'_>, today: &str) -> Decision {
    let mut reasons = Vec::new();
    let Some(now) = day_number(today) else {
        return Decision {
            claimable: None,
            reasons: vec![Reason::BadDate {
                day: today.to_owned(),
            }],
        };
    };
    if case.claimed {
        return Decision {
            claimable: None,
            reasons: vec![Reason::AlreadyClaimed],
        };
    }
    let whole = whole_family(framework, case, now, &mut reasons);
    let work = employment(framework, case, now, &mut reasons);
    Decision {
        claimable: if whole {
            Some(Route::WholeFamily)
        } else if work {
            Some(Route::Employment)
        } else {
            None
        },
        reasons,
    }
}

/// The whole-family route: every outcome the needs call for met; its reasons added.
fn whole_family(
    framework: &Framework,
    case: &FamilyCase<'_>,
    now: i64,
    reasons: &mut Vec<Reason>,
) -> bool {
    if case.needs.is_empty() {
        reasons.push(Reason::NoNeeds);
        return false;
    }
    let mut required: Vec<&FrameworkOutcome> = Vec::new();
    let mut met = true;
    for need in &case.needs {
        let answering: Vec<&FrameworkOutcome> = framework
            .outcomes
            .iter()
            .filter(|o| o.needs.iter().any(|n| n == need))
            .collect();
        if answering.is_empty() {
            reasons.push(Reason::NeedNotInFramework {
                need: (*need).to_owned(),
            });
            met = false;
        }
        for o in answering {
            if !required.iter().any(|r| r.key == o.key) {
                required.push(o);
            }
        }
    }
    for o in required {
        met &= outcome_met(o, case, now, reasons);
    }
    met
}

/// One outcome: achieved, evidenced, not lapsed, sustained; its reason added.
fn outcome_met(
    o: &FrameworkOutcome,
    case: &FamilyCase<'_>,
    now: i64,
    reasons: &mut Vec<Reason>,
) -> bool {
    let outcome = o.key.clone();
    let p = case.progress.iter().find(|p| p.outcome == o.key);
    let Some(achieved) = p.and_then(|p| p.achieved_on) else {
        reasons.push(Reason::NotAchieved { outcome });
        return false;
    };
    let Some(from) = day_number(achieved) else {
        reasons.push(Reason::BadDate {
            day: achieved.to_owned(),
        });
        return false;
    };
    let p = p.expect("progress found above");
    if let Some(lapsed) = p.lapsed_on {
        match day_number(lapsed) {
            Some(l) if l <= now => {
                reasons.push(Reason::Lapsed {
                    outcome,
                    on: lapsed.to_owned(),
                });
                return false;
            }
            Some(_) => {}
            None => {
                reasons.push(Reason::BadDate {
                    day: lapsed.to_owned(),
                });
                return false;
            }
        }
    }
    if !p.evidenced {
        reasons.push(Reason::NoEvidence { outcome });
        return false;
    }
    let to_go = from + i64::from(o.sustain_days) - now;
    if to_go > 0 {
        reasons.push(Reason::NotSustained {
            outcome,
            days_to_go: to_go,
        });
        return false;
    }
    reasons.push(Reason::Sustained { outcome });
    true
}

/// The employment route; its reason added when there is work to speak of.
fn employment(
    framework: &Framework,
    case: &FamilyCase<'_>,
    now: i64,
    reasons: &mut Vec<Reason>,
) -> bool {
    let (Some(days), Some(from)) = (framework.employment_days, case.work_from) else {
        return false;
    };
    let Some(start) = day_number(from) else {
        reasons.push(Reason::BadDate {
            day: from.to_owned(),
        });
        return false;
    };
    let to_go = start + i64::from(days) - now;
    if to_go > 0 {
        reasons.push(Reason::WorkNotSustained { days_to_go: to_go });
        false
    } else {
        reasons.push(Reason::WorkSustained);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_count_from_1970_with_leap_years() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("1970-12-31"), Some(364));
        assert_eq!(day_number("1972-03-01"), Some(365 + 365 + 31 + 29));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2026-11-30"), Some(20_787));
        assert_eq!(day_number("2100-02-29"), None, "not a leap year");
        assert_eq!(
            day_number("2024-02-29").map(|d| d + 1),
            day_number("2024-03-01")
        );
        for bad in [
            "",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "26-01-01",
            "2026/01/01",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_shipped_framework_has_the_ten_headline_outcomes_and_answers_every_need() {
        let f = supporting_families();
        assert_eq!(f.outcomes.len(), 10);
        for (need, _) in crate::taxonomy::NEEDS {
            assert!(
                f.outcomes.iter().any(|o| o.needs.iter().any(|n| n == need)),
                "{need} is answered by an outcome"
            );
        }
    }
}
