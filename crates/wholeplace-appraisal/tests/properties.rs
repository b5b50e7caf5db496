//! Property tests of the engine: zero impact gives zero benefit; NPBI is linear in costs and
//! monotone in impact; results do not depend on the order of lines; a higher discount rate never
//! raises the PV of a positive future stream.

use proptest::prelude::*;
use wholeplace_appraisal::DiscountSchedule;
use wholeplace_appraisal::model::{CostKind, CostLine, ModelFile, Num, OutcomeLine, ValueRef};
use wholeplace_appraisal::{Engine, appraise, parse_model_toml};

const BASE: &str = r#"
[appraisal]
format_version = 1
title = "prop"
price_base = "2014/15"
start_year = "2014/15"
horizon_years = 6
[[local_unit_costs]]
code = "A"
description = "a"
agency = "Council"
fiscal = 1000
economic = 300
price_year = "2014/15"
source = "s"
grade = 1
[[local_unit_costs]]
code = "B"
description = "b"
agency = "NHS"
fiscal = 250
social = 100
price_year = "2013/14"
transfer_share = 0.4
source = "s"
grade = 2
"#;

fn model(costs: &[(f64, u8, usize)], outcomes: &[(f64, f64, u32, u8, bool)]) -> ModelFile {
    let mut f = parse_model_toml(BASE).expect("base parses");
    for (i, (amount, grade, agency)) in costs.iter().enumerate() {
        f.costs.push(CostLine {
            name: format!("c{i}"),
            option: None,
            agency: ["Council", "NHS", "Police"][*agency % 3].into(),
            kind: CostKind::Revenue,
            grade: *grade,
            price_year: "2014/15".parse().expect("y"),
            amounts: vec![*amount, *amount / 2.0],
            optimism_bias_category: None,
            optimism_bias: None,
            scale: None,
            notes: String::new(),
        });
    }
    for (i, (impact, dw, lag, grade, b)) in outcomes.iter().enumerate() {
        f.outcomes.push(OutcomeLine {
            name: format!("o{i}"),
            option: None,
            counted_as: None,
            unit_costs: vec![ValueRef {
                code: if *b { "B".into() } else { "A".into() },
                quantity: 1.0,
                fiscal_agency: None,
                fiscal_split: None,
                values: None,
            }],
            cohort: Some(Num::Fixed(50.0)),
            intakes: None,
            engagement: Some(Num::Fixed(0.8)),
            impact: Some(Num::Fixed(*impact)),
            impact_count: None,
            deadweight: Some(Num::Fixed(*dw)),
            comparison: None,
            attribution: None,
            displacement: None,
            lag_years: Some(*lag),
            duration_years: Some(3),
            drop_off: Some(Num::Fixed(0.1)),
            grade: *grade,
            cashable: Some(Num::Fixed(0.5)),
            cashable_from_year: None,
            cashable_schedule: None,
            capacity_removed_year: None,
            capacity_removed: None,
            health: None,
            evidence: String::new(),
        });
    }
    f
}

fn run(f: &ModelFile) -> wholeplace_appraisal::AppraisalResults {
    let e = Engine::shipped().expect("engine");
    appraise(&e.prepare(f, None).unwrap_or_else(|err| panic!("{err}")))
}

fn costs() -> impl Strategy<Value = Vec<(f64, u8, usize)>> {
    prop::collection::vec((1_000.0..100_000.0f64, 1u8..=6, 0usize..3), 1..4)
}
fn outcomes() -> impl Strategy<Value = Vec<(f64, f64, u32, u8, bool)>> {
    prop::collection::vec(
        (0.0..1.0f64, 0.0..0.9f64, 0u32..3, 1u8..=6, any::<bool>()),
        1..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn zero_impact_gives_zero_benefit(c in costs(), o in outcomes()) {
        let zero: Vec<_> = o.iter().map(|&(_, dw, lag, g, b)| (0.0, dw, lag, g, b)).collect();
        let r = run(&model(&c, &zero));
        let s = &r.options[0].summary;
        prop_assert_eq!(s.pv_fiscal, 0.0);
        prop_assert_eq!(s.pv_public_value, 0.0);
        prop_assert!((s.npbi + s.pv_costs).abs() < 1e-9);
    }

    #[test]
    fn npbi_is_linear_in_costs(c in costs(), o in outcomes(), k in 0.1..5.0f64) {
        let r1 = run(&model(&c, &o)).options[0].summary;
        let scaled: Vec<_> = c.iter().map(|&(a, g, ag)| (a * k, g, ag)).collect();
        let r2 = run(&model(&scaled, &o)).options[0].summary;
        // NPBI(k x costs) = PV fiscal - k x PV costs.
        prop_assert!((r2.npbi - (r1.pv_fiscal - k * r1.pv_costs)).abs() < 1e-6 * (1.0 + r1.pv_costs * k));
        prop_assert!((r2.pv_costs - k * r1.pv_costs).abs() < 1e-6 * (1.0 + r1.pv_costs * k));
    }

    #[test]
    fn npbi_is_monotone_in_impact(c in costs(), o in outcomes(), which in 0usize..5, bump in 0.0..0.5f64) {
        let r1 = run(&model(&c, &o)).options[0].summary;
        let mut more = o.clone();
        let i = which % more.len();
        more[i].0 = (more[i].0 + bump).min(1.0);
        let r2 = run(&model(&c, &more)).options[0].summary;
        prop_assert!(r2.npbi >= r1.npbi - 1e-9);
        prop_assert!(r2.pv_public_value >= r1.pv_public_value - 1e-9);
    }

    #[test]
    fn results_do_not_depend_on_line_order(c in costs(), o in outcomes()) {
        let a = run(&model(&c, &o));
        let mut rc = c.clone();
        rc.reverse();
        let mut ro = o.clone();
        ro.reverse();
        let b = run(&model(&rc, &ro));
        let (sa, sb) = (&a.options[0], &b.options[0]);
        let pence = |x: f64| (x * 100.0).round() as i64;
        prop_assert_eq!(pence(sa.summary.npbi), pence(sb.summary.npbi));
        prop_assert_eq!(pence(sa.summary.nppv), pence(sb.summary.nppv));
        prop_assert_eq!(sa.summary.payback_year_discounted, sb.summary.payback_year_discounted);
        let la: Vec<(String, i64, i64)> = sa.ledger.iter().map(|l| (l.agency.clone(), pence(l.pv_costs), pence(l.pv_fiscal))).collect();
        let lb: Vec<(String, i64, i64)> = sb.ledger.iter().map(|l| (l.agency.clone(), pence(l.pv_costs), pence(l.pv_fiscal))).collect();
        prop_assert_eq!(la, lb);
    }

    #[test]
    fn higher_rate_never_raises_pv(stream in prop::collection::vec(0.0..1e6f64, 1..60), r in 0.0..0.2f64, extra in 0.0..0.1f64) {
        let pv = |rate: f64| {
            let f = DiscountSchedule::flat(rate).factors(stream.len() as u32);
            stream.iter().zip(f).map(|(v, d)| v * d).sum::<f64>()
        };
        prop_assert!(pv(r + extra) <= pv(r) + 1e-6);
        let gb = DiscountSchedule::green_book().factors(stream.len() as u32);
        prop_assert!(gb.windows(2).all(|w| w[1] <= w[0]));
    }
}
