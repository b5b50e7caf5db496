//! Red/amber/green, table-driven. The table was written from the rules before the code
//! (`outcomes::rag`): no actual is "no data", never green; on target or better is green; worse
//! by no more than the tolerance (exactly on it included) is amber; worse by more is red.

use wholeplace_domain::outcomes::{Polarity, Rag, rag};

use Polarity::{Higher, Lower};
use Rag::{Amber, Green, NoData, Red};

/// One case: (polarity, target, tolerance, actual, expected, why).
type Case = (Polarity, f64, f64, Option<f64>, Rag, &'static str);

const TABLE: &[Case] = &[
    // Higher is better.
    (Higher, 80.0, 5.0, Some(85.0), Green, "above target"),
    (Higher, 80.0, 5.0, Some(80.0), Green, "exactly on target"),
    (Higher, 80.0, 5.0, Some(79.9), Amber, "just short"),
    (Higher, 80.0, 5.0, Some(77.5), Amber, "inside tolerance"),
    (Higher, 80.0, 5.0, Some(75.0), Amber, "exactly on tolerance"),
    (Higher, 80.0, 5.0, Some(74.99), Red, "just past tolerance"),
    (Higher, 80.0, 5.0, Some(10.0), Red, "far short"),
    (Higher, 80.0, 5.0, None, NoData, "missing actual"),
    (
        Higher,
        80.0,
        0.0,
        Some(80.0),
        Green,
        "no tolerance, on target",
    ),
    (
        Higher,
        80.0,
        0.0,
        Some(79.99),
        Red,
        "no tolerance, any shortfall is red",
    ),
    (
        Higher,
        0.3,
        0.1,
        Some(0.2),
        Amber,
        "exactly on tolerance with binary fractions",
    ),
    (
        Higher,
        0.3,
        0.1,
        Some(0.3),
        Green,
        "exactly on a fractional target",
    ),
    (
        Higher,
        0.0,
        2.0,
        Some(-2.0),
        Amber,
        "negative figures, on tolerance",
    ),
    (
        Higher,
        0.0,
        2.0,
        Some(-2.5),
        Red,
        "negative figures, past tolerance",
    ),
    (
        Higher,
        80.0,
        -5.0,
        Some(75.0),
        Amber,
        "a negative tolerance counts as its size",
    ),
    (
        Higher,
        80.0,
        5.0,
        Some(f64::NAN),
        NoData,
        "an actual that is not a number",
    ),
    (
        Higher,
        1_000_000.0,
        1000.0,
        Some(999_000.0),
        Amber,
        "large figures on tolerance",
    ),
    // Lower is better.
    (Lower, 30.0, 3.0, Some(25.0), Green, "below target"),
    (Lower, 30.0, 3.0, Some(30.0), Green, "exactly on target"),
    (Lower, 30.0, 3.0, Some(30.1), Amber, "just over"),
    (Lower, 30.0, 3.0, Some(32.0), Amber, "inside tolerance"),
    (Lower, 30.0, 3.0, Some(33.0), Amber, "exactly on tolerance"),
    (Lower, 30.0, 3.0, Some(33.01), Red, "just past tolerance"),
    (Lower, 30.0, 3.0, Some(90.0), Red, "far over"),
    (Lower, 30.0, 3.0, None, NoData, "missing actual"),
    (
        Lower,
        30.0,
        0.0,
        Some(30.0),
        Green,
        "no tolerance, on target",
    ),
    (
        Lower,
        30.0,
        0.0,
        Some(30.01),
        Red,
        "no tolerance, any excess is red",
    ),
    (
        Lower,
        0.1,
        0.2,
        Some(0.3),
        Amber,
        "exactly on tolerance with binary fractions",
    ),
    (Lower, 0.0, 0.0, Some(0.0), Green, "a target of none, met"),
    (Lower, 0.0, 0.0, Some(1.0), Red, "a target of none, missed"),
    (Lower, 12.0, 2.0, Some(0.0), Green, "none at all is better"),
    (
        Lower,
        30.0,
        -3.0,
        Some(33.0),
        Amber,
        "a negative tolerance counts as its size",
    ),
    (
        Lower,
        30.0,
        3.0,
        Some(f64::INFINITY),
        NoData,
        "an actual that is not finite",
    ),
    (
        Lower,
        1_000_000.0,
        1000.0,
        Some(1_001_000.0),
        Amber,
        "large figures on tolerance",
    ),
];

#[test]
fn rag_matches_the_table_exactly() {
    assert!(TABLE.len() >= 30, "the issue asks for at least 30 cases");
    let mut wrong = Vec::new();
    for (polarity, target, tolerance, actual, expected, why) in TABLE {
        let got = rag(*polarity, *target, *tolerance, *actual);
        if got != *expected {
            wrong.push(format!(
                "{polarity} target {target} tolerance {tolerance} actual {actual:?}: {got:?}, expected {expected:?} ({why})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_missing_actual_is_never_green() {
    for polarity in [Higher, Lower] {
        for target in [-1.0, 0.0, 1.0, 1e9] {
            for tolerance in [0.0, 1.0, 1e12] {
                assert_eq!(rag(polarity, target, tolerance, None), NoData);
            }
        }
    }
}
