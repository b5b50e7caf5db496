//! Benchmarks: a deterministic appraisal of 200 outcome lines over 10 years, and 10,000 Monte Carlo
//! draws of that model. Results go to docs/benchmarks/appraisal.md (not timed tests).

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use wholeplace_appraisal::montecarlo::{McConfig, monte_carlo};
use wholeplace_appraisal::{Engine, SeededRng, appraise, appraise_figures, parse_model_toml};

fn model() -> String {
    let codes = [
        "SS1.0", "CR1.0", "E&E1.0", "HO1.0", "E&S1.0", "CR2.0", "HE2.1", "SS5.0",
    ];
    let mut s = String::from(
        "[appraisal]\nformat_version = 1\ntitle = \"bench\"\nprice_base = \"2014/15\"\nstart_year = \"2014/15\"\nhorizon_years = 10\n",
    );
    for a in 0..5 {
        let _ = write!(
            s,
            "[[costs]]\nname = \"c{a}\"\nagency = \"Agency {a}\"\nkind = \"revenue\"\ngrade = 2\nprice_year = \"2014/15\"\namounts = [100000, 90000, 90000, 50000]\nscale = {{ dist = \"triangular\", min = 0.9, mode = 1.0, max = 1.3 }}\n"
        );
    }
    for i in 0..200 {
        let _ = write!(
            s,
            "[[outcomes]]\nname = \"o{i}\"\nunit_costs = [\"{}\"]\ncohort = 50\nengagement = 0.8\nimpact = {{ dist = \"pert\", min = 0.02, mode = 0.05, max = 0.1 }}\ndeadweight = {{ dist = \"uniform\", min = 0.2, max = 0.4 }}\nlag_years = {}\nduration_years = 5\ndrop_off = 0.1\ngrade = 3\ncashable = 0.3\n",
            codes[i % codes.len()],
            i % 3
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let e = Engine::shipped().expect("engine");
    let src = model();
    let p = e
        .prepare(&parse_model_toml(&src).expect("parses"), None)
        .expect("valid");
    c.bench_function(
        "deterministic appraisal, 200 lines x 10 years, figures (traces on request)",
        |b| b.iter(|| black_box(appraise_figures(black_box(&p)))),
    );
    c.bench_function("deterministic appraisal, 200 lines x 10 years", |b| {
        b.iter(|| black_box(appraise(black_box(&p))))
    });
    let mut g = c.benchmark_group("monte carlo");
    g.sample_size(10);
    g.bench_function("10,000 draws, 200 lines x 10 years", |b| {
        b.iter(|| {
            black_box(monte_carlo(
                &p,
                &McConfig {
                    draws: 10_000,
                    keep_draws: false,
                },
                &mut SeededRng::new(1),
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
