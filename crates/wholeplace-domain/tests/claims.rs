//! The claim checker on 24 hand-built families, each with the decision and every reason code a
//! person working it out from the framework's rules would give. "Today" is 30 November 2026;
//! the day counts in the comments are worked from the calendar (2026 is not a leap year).

use wholeplace_domain::claims::{
    FamilyCase, Framework, Progress, Reason, Route, decide, supporting_families,
};

const TODAY: &str = "2026-11-30";

fn done<'a>(outcome: &'a str, on: &'a str) -> Progress<'a> {
    Progress {
        outcome,
        achieved_on: Some(on),
        evidenced: true,
        lapsed_on: None,
    }
}

fn sustained(o: &str) -> Reason {
    Reason::Sustained {
        outcome: o.to_owned(),
    }
}

fn family<'a>(needs: &[&'a str], progress: Vec<Progress<'a>>) -> FamilyCase<'a> {
    FamilyCase {
        needs: needs.to_vec(),
        progress,
        ..Default::default()
    }
}

/// A local variant: secure housing only, no employment route.
fn housing_only() -> Framework {
    let mut f = supporting_families();
    f.name = "Local housing framework".into();
    f.version = "1".into();
    f.outcomes.retain(|o| o.key == "housing");
    f.employment_days = None;
    f
}

/// A family: its name, the framework, the case, today, the route expected and the reasons.
type Case<'a> = (
    &'static str,
    &'a Framework,
    FamilyCase<'a>,
    &'static str,
    Option<Route>,
    Vec<Reason>,
);

#[test]
fn twenty_four_hand_built_families() {
    let sf = supporting_families();
    let local = housing_only();
    let cases: Vec<Case<'_>> = vec![
        (
            "1 already claimed: nothing else is looked at",
            &sf,
            FamilyCase {
                claimed: true,
                ..family(&["housing"], vec![done("housing", "2025-01-01")])
            },
            TODAY,
            None,
            vec![Reason::AlreadyClaimed],
        ),
        (
            "2 no needs, no work",
            &sf,
            family(&[], vec![]),
            TODAY,
            None,
            vec![Reason::NoNeeds],
        ),
        (
            "3 no needs, in work since 1 January (333 days, over 182)",
            &sf,
            FamilyCase {
                work_from: Some("2026-01-01"),
                ..family(&[], vec![])
            },
            TODAY,
            Some(Route::Employment),
            vec![Reason::NoNeeds, Reason::WorkSustained],
        ),
        (
            "4 housing secured on 1 January and evidenced: 333 days sustained",
            &sf,
            family(&["housing"], vec![done("housing", "2026-01-01")]),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("housing")],
        ),
        (
            "5 housing secured on 1 June: 182 days so far, one to go",
            &sf,
            family(&["housing"], vec![done("housing", "2026-06-01")]),
            TODAY,
            None,
            vec![Reason::NotSustained {
                outcome: "housing".into(),
                days_to_go: 1,
            }],
        ),
        (
            "6 housing secured on 31 May: exactly 183 days, sustained",
            &sf,
            family(&["housing"], vec![done("housing", "2026-05-31")]),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("housing")],
        ),
        (
            "7 housing secured but no evidence recorded",
            &sf,
            family(
                &["housing"],
                vec![Progress {
                    evidenced: false,
                    ..done("housing", "2026-01-01")
                }],
            ),
            TODAY,
            None,
            vec![Reason::NoEvidence {
                outcome: "housing".into(),
            }],
        ),
        (
            "8 housing secured, then an eviction notice on 1 October",
            &sf,
            family(
                &["housing"],
                vec![Progress {
                    lapsed_on: Some("2026-10-01"),
                    ..done("housing", "2026-01-01")
                }],
            ),
            TODAY,
            None,
            vec![Reason::Lapsed {
                outcome: "housing".into(),
                on: "2026-10-01".into(),
            }],
        ),
        (
            "9 a lapse dated after today has not happened yet",
            &sf,
            family(
                &["housing"],
                vec![Progress {
                    lapsed_on: Some("2027-01-01"),
                    ..done("housing", "2026-01-01")
                }],
            ),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("housing")],
        ),
        (
            "10 housing need, nothing achieved",
            &sf,
            family(&["housing"], vec![]),
            TODAY,
            None,
            vec![Reason::NotAchieved {
                outcome: "housing".into(),
            }],
        ),
        (
            "11 debt and worklessness both call for financial stability, checked once",
            &sf,
            family(
                &["debt", "worklessness"],
                vec![done("financial", "2026-02-01")],
            ),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("financial")],
        ),
        (
            "12 three needs, one outcome 31 days short (offending: 1 July + 183 days = 31 December)",
            &sf,
            family(
                &["parenting", "offending", "mental_health"],
                vec![
                    done("relationships", "2026-01-15"),
                    done("crime", "2026-07-01"),
                    done("health", "2026-03-01"),
                ],
            ),
            TODAY,
            None,
            vec![
                sustained("relationships"),
                Reason::NotSustained {
                    outcome: "crime".into(),
                    days_to_go: 31,
                },
                sustained("health"),
            ],
        ),
        (
            "13 school attendance from 1 March: 274 days, over three terms (273)",
            &sf,
            family(
                &["school_attendance"],
                vec![done("education", "2026-03-01")],
            ),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("education")],
        ),
        (
            "14 school attendance from 3 March: 272 days, one to go",
            &sf,
            family(
                &["school_attendance"],
                vec![done("education", "2026-03-03")],
            ),
            TODAY,
            None,
            vec![Reason::NotSustained {
                outcome: "education".into(),
                days_to_go: 1,
            }],
        ),
        (
            "15 a local framework that has no outcome for debt",
            &local,
            family(&["housing", "debt"], vec![done("housing", "2026-01-01")]),
            TODAY,
            None,
            vec![
                Reason::NeedNotInFramework {
                    need: "debt".into(),
                },
                sustained("housing"),
            ],
        ),
        (
            "16 needs not met, but an adult in work since 1 January 2025",
            &sf,
            FamilyCase {
                work_from: Some("2025-01-01"),
                ..family(&["housing"], vec![])
            },
            TODAY,
            Some(Route::Employment),
            vec![
                Reason::NotAchieved {
                    outcome: "housing".into(),
                },
                Reason::WorkSustained,
            ],
        ),
        (
            "17 in work since 1 October: 60 days of 182, 122 to go",
            &sf,
            FamilyCase {
                work_from: Some("2026-10-01"),
                ..family(&[], vec![])
            },
            TODAY,
            None,
            vec![
                Reason::NoNeeds,
                Reason::WorkNotSustained { days_to_go: 122 },
            ],
        ),
        (
            "18 both routes: the whole-family route is named",
            &sf,
            FamilyCase {
                work_from: Some("2025-06-01"),
                ..family(&["housing"], vec![done("housing", "2026-01-01")])
            },
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("housing"), Reason::WorkSustained],
        ),
        (
            "19 an achieved day that is not a date",
            &sf,
            family(&["housing"], vec![done("housing", "2026-02-30")]),
            TODAY,
            None,
            vec![Reason::BadDate {
                day: "2026-02-30".into(),
            }],
        ),
        (
            "20 today that is not a date",
            &sf,
            family(&["housing"], vec![done("housing", "2026-01-01")]),
            "30/11/2026",
            None,
            vec![Reason::BadDate {
                day: "30/11/2026".into(),
            }],
        ),
        (
            "21 a framework with no employment route ignores work",
            &local,
            FamilyCase {
                work_from: Some("2020-01-01"),
                ..family(&[], vec![])
            },
            TODAY,
            None,
            vec![Reason::NoNeeds],
        ),
        (
            "22 child protection and missing from home both call for children safe",
            &sf,
            family(
                &["child_protection", "missing"],
                vec![done("children_safe", "2026-04-01")],
            ),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("children_safe")],
        ),
        (
            "23 a lapse recorded before the achievement still counts against it",
            &sf,
            family(
                &["domestic_abuse"],
                vec![Progress {
                    lapsed_on: Some("2025-12-01"),
                    ..done("domestic_abuse", "2026-01-01")
                }],
            ),
            TODAY,
            None,
            vec![Reason::Lapsed {
                outcome: "domestic_abuse".into(),
                on: "2025-12-01".into(),
            }],
        ),
        (
            "24 progress on an outcome the needs do not call for is not required",
            &sf,
            family(
                &["housing"],
                vec![done("health", "2026-11-01"), done("housing", "2026-01-01")],
            ),
            TODAY,
            Some(Route::WholeFamily),
            vec![sustained("housing")],
        ),
    ];
    assert!(cases.len() >= 20);
    for (name, framework, case, today, route, reasons) in &cases {
        let d = decide(framework, case, today);
        assert_eq!(d.claimable, *route, "{name}: route");
        assert_eq!(&d.reasons, reasons, "{name}: reasons");
    }
}
