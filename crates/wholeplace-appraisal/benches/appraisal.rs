//! Benchmarks: a deterministic appraisal of 200 outcome lines over 10 years, and 10,000 Monte Carlo
//! draws of that model (format version 2: blocked streams over a structure of arrays, on one
//! thread and on two; and the same model as version 1, the sequential stream). Results go to
//! docs/BENCHMARKS.md (not timed tests).

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use wholeplace_appraisal::montecarlo::{McConfig, monte_carlo_threads};
use wholeplace_appraisal::{Engine, SeededRng, appraise, appraise_figures, parse_model_toml};

fn model(version: u32) -> String {
    let codes = [
        "SS1.0", "CR1.0", "E&E1.0", "HO1.0", "E&S1.0", "CR2.0", "HE2.1", "SS5.0",
    ];
    let mut s = format!(
        "[appraisal]\nformat_version = {version}\ntitle = \"bench\"\nprice_base = \"2014/15\"\nstart_year = \"2014/15\"\nhorizon_years = 10\n",
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
    let prepare = |v: u32| {
        let src = model(v);
        e.prepare(&parse_model_toml(&src).expect("parses"), None)
            .expect("valid")
    };
    let p = prepare(2);
    let p1 = prepare(1);
    c.bench_function(
        "deterministic appraisal, 200 lines x 10 years, figures (traces on request)",
        |b| b.iter(|| black_box(appraise_figures(black_box(&p)))),
    );
    c.bench_function("deterministic appraisal, 200 lines x 10 years", |b| {
        b.iter(|| black_box(appraise(black_box(&p))))
    });
    let mut g = c.benchmark_group("monte carlo");
    g.sample_size(10);
    let cfg = McConfig {
        draws: 10_000,
        keep_draws: false,
    };
    for threads in [1, 2] {
        g.bench_function(
            format!("10,000 draws, 200 lines x 10 years, {threads} thread(s)"),
            |b| {
                b.iter(|| {
                    black_box(monte_carlo_threads(
                        &p,
                        &cfg,
                        &mut SeededRng::new(1),
                        threads,
                    ))
                })
            },
        );
    }
    g.bench_function(
        "10,000 draws, 200 lines x 10 years, format version 1 (sequential stream)",
        |b| b.iter(|| black_box(monte_carlo_threads(&p1, &cfg, &mut SeededRng::new(1), 1))),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
