//! The shipped example model parses, prepares, appraises and runs Monte Carlo reproducibly.

use wholeplace_appraisal::montecarlo::{McConfig, monte_carlo};
use wholeplace_appraisal::{Engine, SeededRng, appraise, parse_model_toml};

const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

#[test]
fn example_model_appraises() {
    let e = Engine::shipped().expect("engine");
    let f = parse_model_toml(EXAMPLE).expect("parses");
    let p = e
        .prepare(&f, Some(EXAMPLE))
        .unwrap_or_else(|err| panic!("{err}"));
    let r = appraise(&p);
    assert_eq!(r.options.len(), 1);
    let o = &r.options[0];
    assert!(o.summary.pv_costs > 0.0 && o.summary.pv_fiscal > 0.0);
    assert!(
        o.summary.pv_transfers > 0.0,
        "E&E1.0's DWP benefits are transfers"
    );
    assert!(
        r.as_is
            .as_ref()
            .is_some_and(|a| a.by_agency.contains_key("Town and Country Housing"))
    );
    assert!(r.doing_nothing.as_ref().is_some_and(|d| d.pv_total > 0.0));
    assert_eq!(r.comparison.len(), 2);
    assert!(o.explanations.iter().any(|x| x.id == "npbi"));
    let ledger: f64 = o.ledger.iter().map(|l| l.pv_fiscal).sum();
    assert!((ledger - o.summary.pv_fiscal).abs() < 1e-6);
}

#[test]
fn same_seed_same_monte_carlo() {
    let e = Engine::shipped().expect("engine");
    let p = e
        .prepare(&parse_model_toml(EXAMPLE).expect("parses"), None)
        .expect("valid");
    let cfg = McConfig {
        draws: 500,
        keep_draws: true,
    };
    let a = monte_carlo(&p, &cfg, &mut SeededRng::new(2026));
    let b = monte_carlo(&p, &cfg, &mut SeededRng::new(2026));
    let c = monte_carlo(&p, &cfg, &mut SeededRng::new(2027));
    assert_eq!(a, b);
    assert_ne!(a.options[0].npbi.mean, c.options[0].npbi.mean);
    assert!(!a.options[0].tornado.is_empty());
    assert!(
        a.options[0].npbi.p5 <= a.options[0].npbi.p50
            && a.options[0].npbi.p50 <= a.options[0].npbi.p95
    );
}

/// Format version 2 draws in blocks, each its own stream of the seed: the same draws (and so the
/// same results) whatever the number of threads.
#[test]
fn same_seed_same_draws_across_thread_counts() {
    use wholeplace_appraisal::montecarlo::monte_carlo_threads;
    let e = Engine::shipped().expect("engine");
    let v2 = EXAMPLE.replace("format_version = 1", "format_version = 2");
    let p = e.prepare_text(&v2).unwrap_or_else(|err| panic!("{err}"));
    let cfg = McConfig {
        draws: 3_000,
        keep_draws: true,
    };
    let one = monte_carlo_threads(&p, &cfg, &mut SeededRng::new(7), 1);
    assert_eq!(one.options[0].draws.len(), 3_000);
    for threads in [2, 3, 8] {
        let many = monte_carlo_threads(&p, &cfg, &mut SeededRng::new(7), threads);
        assert_eq!(one, many, "{threads} threads");
    }
    let other = monte_carlo_threads(&p, &cfg, &mut SeededRng::new(8), 2);
    assert_ne!(one.options[0].npbi.mean, other.options[0].npbi.mean);
}

/// Appraisals made before format version 2 keep their figures: the example (a version 1 file)
/// gives, to the penny, what the engine gave before the second pass (figures taken from commit
/// b93435b, the engine before it, with this very test run against that commit's sources), Monte
/// Carlo included (version 1 keeps its sequential stream).
#[test]
fn example_model_figures_are_unchanged_to_the_penny() {
    let p = |x: f64| (x * 100.0).round() as i64;
    let e = Engine::shipped().expect("engine");
    let m = e
        .prepare(&parse_model_toml(EXAMPLE).expect("parses"), Some(EXAMPLE))
        .expect("valid");
    let r = appraise(&m);
    let s = &r.options[0].summary;
    assert_eq!(
        [
            p(s.pv_costs),
            p(s.pv_fiscal),
            p(s.pv_transfers),
            p(s.pv_economic),
            p(s.pv_social),
            p(s.npbi),
            p(s.nppv)
        ],
        [
            69_470_368,
            37_618_271,
            3_197_387,
            6_464_823,
            0,
            -31_852_097,
            -28_584_661
        ]
    );
    assert_eq!(s.froi.map(|x| (x * 1e6).round() as i64), Some(541_501));
    assert_eq!(
        s.sroi_gross.map(|x| (x * 1e6).round() as i64),
        Some(874_808)
    );
    let ledger: Vec<(String, i64, i64, i64)> = r.options[0]
        .ledger
        .iter()
        .map(|l| {
            (
                l.agency.clone(),
                p(l.pv_costs),
                p(l.pv_fiscal),
                p(l.pv_cashable),
            )
        })
        .collect();
    let want = [
        ("Criminal Justice System", 0, 805_535, 0),
        ("DWP", 4_596_589, 3_197_387, 3_197_387),
        ("Kent County Council", 56_816_183, 0, 0),
        ("Local Authority", 0, 25_878_180, 7_402_481),
        ("NHS", 0, 294_893, 195_985),
        ("Police", 0, 1_918_000, 0),
        ("Town and Country Housing", 3_827_596, 5_524_275, 1_381_069),
        ("Tunbridge Wells Borough Council", 4_230_000, 0, 0),
    ];
    assert_eq!(ledger.len(), want.len());
    for (got, w) in ledger.iter().zip(want) {
        assert_eq!((got.0.as_str(), got.1, got.2, got.3), w);
    }
    let lines: Vec<(i64, i64)> = r.options[0]
        .lines
        .iter()
        .map(|l| (p(l.pv_fiscal), p(l.pv_public_value)))
        .collect();
    assert_eq!(
        lines,
        vec![
            (23_911_736, 23_911_736),
            (1_918_000, 1_918_000),
            (3_393_372, 5_058_894),
            (5_524_275, 5_524_275),
            (2_870_889, 4_472_803)
        ]
    );
    assert_eq!(
        r.doing_nothing.as_ref().map(|d| p(d.pv_total)),
        Some(155_286_649)
    );
    let mc = monte_carlo(
        &m,
        &McConfig {
            draws: 500,
            keep_draws: false,
        },
        &mut SeededRng::new(2026),
    );
    let n = &mc.options[0].npbi;
    assert_eq!(
        [p(n.p5), p(n.p50), p(n.p95), p(n.mean)],
        [-44_195_800, -35_242_774, -26_405_366, -35_116_851]
    );
}

/// Version 2's blocked streams and region sampler draw the same distributions as version 1's
/// sequential stream: over one prepared model, the mean NPBI agrees within three standard errors.
#[test]
fn version_2_draws_agree_with_version_1_in_distribution() {
    let e = Engine::shipped().expect("engine");
    let v2 = e
        .prepare_text(&EXAMPLE.replace("format_version = 1", "format_version = 2"))
        .unwrap_or_else(|err| panic!("{err}"));
    let mut v1 = v2.clone();
    v1.file.appraisal.format_version = 1;
    let cfg = McConfig {
        draws: 8_000,
        keep_draws: false,
    };
    let a = &monte_carlo(&v1, &cfg, &mut SeededRng::new(5)).options[0].npbi;
    let b = &monte_carlo(&v2, &cfg, &mut SeededRng::new(5)).options[0].npbi;
    let se = ((a.sd * a.sd + b.sd * b.sd) / 8_000.0).sqrt();
    assert!(
        (a.mean - b.mean).abs() < 3.0 * se,
        "{} vs {} (se {se})",
        a.mean,
        b.mean
    );
    assert!((a.sd - b.sd).abs() < 0.05 * a.sd, "{} vs {}", a.sd, b.sd);
    assert_ne!(a.mean, b.mean, "two different streams");
}
