//! Hand-worked cases of the engine's second pass (issue 14), each to the penny with the working in
//! comments: today's price base, the health schedule, intakes, cashable schedules, fiscal splits;
//! and the format's problems, all reported at once with line, key and fix.

use wholeplace_appraisal::price::{DeflatorSeries, Priced};
use wholeplace_appraisal::{AppraisalResults, Engine, appraise};

fn fy(s: &str) -> wholeplace_domain::FinancialYear {
    s.parse().expect("year")
}

fn pence(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn engine() -> Engine {
    Engine::shipped().expect("engine")
}

fn run(src: &str) -> AppraisalResults {
    let p = engine().prepare_text(src).unwrap_or_else(|e| panic!("{e}"));
    appraise(&p)
}

/// A version 2 model (price base: the default, 2024/25) with a local unit cost `LOCAL` of
/// £`value` fiscal to the Council in `price_year` prices, and `rest` appended.
fn model(horizon: u32, price_year: &str, value: f64, rest: &str) -> String {
    format!(
        r#"
[appraisal]
format_version = 2
title = "hand-worked"
start_year = "2024/25"
horizon_years = {horizon}

[[local_unit_costs]]
code = "LOCAL"
description = "a local saving"
agency = "Council"
fiscal = {value}
price_year = "{price_year}"
source = "hand-worked"
grade = 1

[[costs]]
name = "team"
agency = "Council"
kind = "revenue"
grade = 1
price_year = "2024/25"
amounts = [500]
{rest}"#
    )
}

/// Uprating a 2015/16 unit cost to 2024/25 with the shipped series. Both years are after the
/// chain year (2013/14), so only the ONS series (YBGB, 2022 = 100) moves it:
/// £1,000 x 112.375 / 83.750 = £1,000 x 1.341791... = £1,341.791... -> £1,341.79.
/// A 2002/03 value is uprated with the database's index to 2013/14 and YBGB after:
/// CR1.0 £500 x 190.033434 / 145.544126 x 112.375 / 82.175 = £500 x 1.305676 x 1.367508
/// = £892.761... -> £892.76.
#[test]
fn uprating_2015_16_to_2024_25_with_the_shipped_series() {
    let d = DeflatorSeries::current().expect("chains");
    assert_eq!(d.last_year(), Some(fy("2024/25")));
    let v = d
        .uprate(Priced::new(1000.0, fy("2015/16")), fy("2024/25"))
        .expect("covered");
    assert_eq!(v.money().pence(), 134_179);
    let cr = d
        .uprate(Priced::new(500.0, fy("2002/03")), fy("2024/25"))
        .expect("covered");
    assert_eq!(cr.money().pence(), 89_276);
    assert!(d.describe(fy("2015/16"), fy("2024/25")).contains("YBGB"));
    // The same through a model whose price base is the default (today's prices: 2024/25): one
    // outcome in year 0 of a £1,000 2015/16 value is £1,341.79, its trace names the series.
    let r = run(&model(
        1,
        "2015/16",
        1000.0,
        "[[outcomes]]\nname = \"o\"\nunit_costs = [\"LOCAL\"]\nimpact_count = 1\ndeadweight = 0\ngrade = 1\n",
    ));
    assert_eq!(r.price_base, "2024/25");
    assert_eq!(pence(r.options[0].summary.pv_fiscal), 134_179);
    assert!(r.deflator_series.contains("YBGB") && r.deflator_series.contains("2013/14"));
}

/// The health schedule in a model: £1,000,000 a year of health benefit in years 30 and 31, and
/// in years 75 and 76 (a second line), format version 2:
/// DF(30) = 1.015^-30 = 0.63976243; DF(31) = DF(30) / 1.0129 = 0.63161460
/// DF(75) = DF(30) / 1.0129^45 = 0.35935445; DF(76) = DF(75) / 1.0107 = 0.35555007
/// PV = 1,000,000 x (0.63976243 + 0.63161460) = £1,271,377.03 (to the penny from the unrounded
/// factors: 639,762.43 + 631,614.60) and 1,000,000 x (0.35935445 + 0.35555007) = £714,904.52.
/// A version 1 model keeps 1.5% flat: DF(76) = 1.015^-76 = 0.32290452.
#[test]
fn health_schedule_at_years_30_31_75_76() {
    let line = |name: &str, lag: u32| {
        format!(
            "[[outcomes]]\nname = \"{name}\"\nunit_costs = [\"LOCAL\"]\nimpact_count = 1\ndeadweight = 0\ngrade = 1\nlag_years = {lag}\nduration_years = 2\nhealth = true\n"
        )
    };
    let src = model(
        77,
        "2024/25",
        1_000_000.0,
        &(line("a", 30) + &line("b", 75)),
    );
    let r = run(&src);
    let lines = &r.options[0].lines;
    assert_eq!(pence(lines[0].pv_fiscal), 127_137_703);
    assert_eq!(pence(lines[1].pv_fiscal), 71_490_452);
    let v1 = src
        .replace(
            "format_version = 2",
            "format_version = 1\nprice_base = \"2024/25\"",
        )
        .replace("2024/25", "2014/15");
    let r1 = run(&v1);
    let l1 = &r1.options[0].lines[1];
    let flat = 1_000_000.0 * (1.015f64.powi(-75) + 1.015f64.powi(-76));
    assert_eq!(pence(l1.pv_fiscal), pence(flat));
}

/// Three intakes of 10, 20 and 30 families (years 0, 1, 2); impact 50%, lag 1, two years each,
/// 10% drop-off, £100 a family helped, 3.5% discount:
/// outcomes: intake 0: 5 in year 1, 4.5 in year 2; intake 1: 10 in year 2, 9 in year 3;
/// intake 2: 15 in year 3, 13.5 in year 4. By year: 5, 14.5, 24, 13.5.
/// fiscal: 500, 1,450, 2,400, 1,350 (years 1-4)
/// PV = 500/1.035 + 1450/1.071225 + 2400/1.108717875 + 1350/1.147523000625
///    = 483.0918 + 1353.5903 + 2164.6694 + 1176.4403 = £5,177.79
#[test]
fn three_intake_cohort() {
    let r = run(&model(
        5,
        "2024/25",
        100.0,
        "[[outcomes]]\nname = \"families\"\nunit_costs = [\"LOCAL\"]\nintakes = [10, 20, 30]\nimpact = 0.5\ndeadweight = 0\nlag_years = 1\nduration_years = 2\ndrop_off = 0.1\ngrade = 1\n",
    ));
    let o = &r.options[0];
    let n: Vec<i64> = o.lines[0].net_outcomes.iter().map(|x| pence(*x)).collect();
    assert_eq!(n, vec![0, 500, 1450, 2400, 1350]);
    assert_eq!(pence(o.summary.pv_fiscal), 517_779);
    // The rule form gives the same as the list it stands for.
    let rule = run(&model(
        5,
        "2024/25",
        100.0,
        "[[outcomes]]\nname = \"families\"\nunit_costs = [\"LOCAL\"]\nintakes = { per_year = 20, years = 3 }\nimpact = 0.5\ndeadweight = 0\nlag_years = 1\nduration_years = 2\ndrop_off = 0.1\ngrade = 1\n",
    ));
    let list = run(&model(
        5,
        "2024/25",
        100.0,
        "[[outcomes]]\nname = \"families\"\nunit_costs = [\"LOCAL\"]\nintakes = [20, 20, 20]\nimpact = 0.5\ndeadweight = 0\nlag_years = 1\nduration_years = 2\ndrop_off = 0.1\ngrade = 1\n",
    ));
    assert_eq!(
        pence(rule.options[0].summary.pv_fiscal),
        pence(list.options[0].summary.pv_fiscal)
    );
}

/// A ramped cashable schedule: 10 outcomes a year for 4 years at £100 (fiscal £1,000 a year),
/// cashable 0% in year 0, 50% in year 1, 100% from year 2 (the last share holds):
/// cashable = 0, 500, 1,000, 1,000; PV = 500/1.035 + 1000/1.071225 + 1000/1.108717875
///          = 483.0918 + 933.5106 + 901.9427 = £2,318.55 of PV fiscal £3,801.64.
/// With capacity removed only in year 2 (a post goes), year 1's 50% is not cashable:
/// PV = 933.5106 + 901.9427 = £1,835.45.
#[test]
fn ramped_cashable_schedule_and_capacity_rule() {
    let line = |extra: &str| {
        model(
            4,
            "2024/25",
            100.0,
            &format!(
                "[[outcomes]]\nname = \"o\"\nunit_costs = [\"LOCAL\"]\nimpact_count = 10\ndeadweight = 0\nduration_years = 4\ngrade = 1\ncashable_schedule = [0, 0.5, 1]\n{extra}"
            ),
        )
    };
    let r = run(&line(""));
    let o = &r.options[0];
    assert_eq!(pence(o.summary.pv_fiscal), 380_164);
    let council = o
        .ledger
        .iter()
        .find(|l| l.agency == "Council")
        .expect("row");
    assert_eq!(pence(council.pv_cashable), 231_855);
    assert_eq!(council.first_cashable_year, Some(1));
    assert_eq!(pence(o.matrix.cashable_cells[0][0]), 231_855);
    assert!(o.lines[0].cashable_rule.contains("0%, 50%, 100%"));
    let r = run(&line(
        "capacity_removed_year = 2\ncapacity_removed = \"one key-worker post\"\n",
    ));
    let o = &r.options[0];
    let council = o
        .ledger
        .iter()
        .find(|l| l.agency == "Council")
        .expect("row");
    assert_eq!(pence(council.pv_cashable), 183_545);
    assert_eq!(council.first_cashable_year, Some(2));
    assert!(o.lines[0].cashable_rule.contains("one key-worker post"));
}

/// A 60/40 split: one outcome in year 0 worth £1,000 fiscal, split Council 60%, NHS 40%:
/// Council £600.00, NHS £400.00; the Council bears all £500 of costs, so the matrix row of the
/// Council is [600, 400] and its net is 600 - 500 = £100.00.
#[test]
fn sixty_forty_split() {
    let r = run(&model(
        1,
        "2024/25",
        1000.0,
        "[[outcomes]]\nname = \"panel\"\nunit_costs = [{ code = \"LOCAL\", fiscal_split = [{ agency = \"Council\", percent = 60 }, { agency = \"NHS\", percent = 40 }] }]\nimpact_count = 1\ndeadweight = 0\ngrade = 1\n",
    ));
    let o = &r.options[0];
    let row = |a: &str| o.ledger.iter().find(|l| l.agency == a).expect("row");
    assert_eq!(pence(row("Council").pv_fiscal), 60_000);
    assert_eq!(pence(row("NHS").pv_fiscal), 40_000);
    assert_eq!(pence(row("Council").net), 10_000);
    assert_eq!(o.matrix.gainers, vec!["Council", "NHS"]);
    assert_eq!(
        o.matrix.cells[0]
            .iter()
            .map(|x| pence(*x))
            .collect::<Vec<_>>(),
        vec![60_000, 40_000]
    );
    let bad = model(
        1,
        "2024/25",
        1000.0,
        "[[outcomes]]\nname = \"panel\"\nunit_costs = [{ code = \"LOCAL\", fiscal_split = [{ agency = \"Council\", percent = 60 }, { agency = \"NHS\", percent = 30 }] }]\nimpact_count = 1\ndeadweight = 0\ngrade = 1\n",
    );
    let e = engine().prepare_text(&bad).expect_err("90%").to_string();
    assert!(
        e.contains("add up to 90%") && e.contains("unit_costs"),
        "{e}"
    );
}

/// One model with a misspelt key, a negative whole number and a rate outside 0..1: all three
/// are reported, each with its line, key and fix.
#[test]
fn three_problems_reported_at_once() {
    let src = model(
        3,
        "2024/25",
        100.0,
        "[[outcomes]]\nname = \"o\"\nunit_costs = [\"LOCAL\"]\nimpact_count = 1\ndeadwieght = 0.2\nlag_years = -1\nattribution = 1.5\ngrade = 1\n",
    );
    let e = engine().prepare_text(&src).expect_err("three problems");
    assert_eq!(e.0.len(), 3, "{e}");
    let text = e.to_string();
    assert!(text.contains("did you mean 'deadweight'"), "{text}");
    assert!(
        text.contains("lag_years") && text.contains("write it like lag_years = 1"),
        "{text}"
    );
    assert!(
        text.contains("attribution") && text.contains("write 30% as 0.3"),
        "{text}"
    );
    assert!(e.0.iter().all(|i| i.line.is_some()), "{text}");
}

/// Every bad input of the format document's list names the line, the key and a fix.
#[test]
fn every_bad_input_names_line_key_and_fix() {
    let o = |rest: &str| {
        model(
            3,
            "2024/25",
            100.0,
            &format!(
                "[[outcomes]]\nname = \"o\"\nunit_costs = [\"LOCAL\"]\ndeadweight = 0\n{rest}"
            ),
        )
    };
    let dn = "[doing_nothing]\n[[doing_nothing.states]]\nname = \"a\"\ninitial = 1\n[[doing_nothing.states]]\nname = \"b\"\ninitial = 0\n[[doing_nothing.transitions]]\nfrom = \"a\"\nto = \"b\"\nprobability = 0.7\n[[doing_nothing.transitions]]\nfrom = \"a\"\nto = \"b\"\nprobability = 0.6\n";
    // (model, key the problem must name, a word of the fix)
    let cases: Vec<(String, &str, &str)> = vec![
        (
            o("impact_count = 1\ngrade = 1\nattribution = 1.5"),
            "attribution",
            "0.3",
        ),
        (o("impact_count = 1\ngrade = 9"), "grade", "grade = 3"),
        (o("impact_count = 1\ngrade = -1"), "grade", "grade = 3"),
        (o("impact_count = 1\ngrade = 2.5"), "grade", "grade = 3"),
        (
            o("impact_count = 1\ngrade = 1\nlag_years = -1"),
            "lag_years",
            "lag_years = 1",
        ),
        (
            o("impact_count = 1\ngrade = 1\nduration_years = 1.5"),
            "duration_years",
            "duration_years = 3",
        ),
        (
            o("impact_count = 1\ngrade = 1\ncashable_from_year = -2"),
            "cashable_from_year",
            "cashable_from_year = 2",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace("horizon_years = 3", "horizon_years = -3"),
            "horizon_years",
            "horizon_years = 10",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace("\"LOCAL\"]", "\"CR9.9\"]"),
            "unit_costs",
            "unit-costs search",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace("\"LOCAL\"]", "\"E&E1.0\", \"E&E1.0.1\"]"),
            "unit_costs",
            "not both",
        ),
        (o("grade = 1"), "impact", "impact_count"),
        (
            o("impact_count = 1\nimpact = 0.2\ncohort = 4\ngrade = 1"),
            "impact_count",
            "not both",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace("amounts = [500]", "amounts = [1, 2, 3, 4]"),
            "amounts",
            "horizon_years",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace("amounts = [500]", "amounts = [1e308, 1]"),
            "amounts",
            "125000",
        ),
        (
            o("impact_count = 1\ngrade = 1").replace(
                "price_year = \"2024/25\"\namounts",
                "price_year = \"1970/71\"\namounts",
            ),
            "price_year",
            "price base",
        ),
        (
            o("impact_count = 1\ngrade = 1\ndeadwieght = 0.3"),
            "deadwieght",
            "did you mean 'deadweight'",
        ),
        (
            o("impact_count = 1\ngrade = 1\ncashable = 0.2\ncashable_schedule = [0.1]"),
            "cashable_schedule",
            "not both",
        ),
        (
            o("impact_count = 1\ngrade = 1\ncashable_schedule = [0, 1.5]"),
            "cashable_schedule",
            "0.5",
        ),
        (
            o("impact_count = 1\ngrade = 1\n") + dn,
            "transitions",
            "at most 1",
        ),
    ];
    let e = engine();
    for (src, key, fix) in cases {
        let Err(err) = e.prepare_text(&src) else {
            panic!("accepted, but {key} is wrong:\n{src}");
        };
        let hit = err.0.iter().find(|i| i.location.contains(key));
        let Some(i) = hit else {
            panic!("no problem names {key}: {err}");
        };
        assert!(i.line.is_some(), "{key}: no line: {err}");
        assert!(i.message.contains(fix), "{key}: no fix '{fix}': {err}");
    }
}

/// Settings that can never take effect are warnings; overflow is an error, never a null.
#[test]
fn never_effective_settings_warn_and_overflow_is_an_error() {
    let r = run(&model(
        3,
        "2024/25",
        100.0,
        "[[outcomes]]\nname = \"o\"\nunit_costs = [\"LOCAL\"]\nimpact_count = 1\ndeadweight = 0\ngrade = 1\ncashable = 0.5\ncashable_from_year = 7\n",
    ));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.code == "non-cashable" && w.message.contains("can never take effect")),
        "{:?}",
        r.warnings
    );
    let big = model(
        3,
        "2024/25",
        900_000_000_000.0,
        "[[outcomes]]\nname = \"o\"\nunit_costs = [{ code = \"LOCAL\", quantity = 1000000 }]\nimpact_count = 900000000000\ndeadweight = 0\ngrade = 1\n",
    );
    let e = engine().prepare_text(&big).expect_err("overflow");
    assert!(e.to_string().contains("overflow"), "{e}");
}
