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
