//! Runs the benchmark's Monte Carlo (10,000 draws of the 200-line, 10-year model) a number of
//! times, for measuring CPU time from outside, e.g.
//! `perf stat -e task-clock target/release/examples/monte_carlo_cpu 2 1 50`
//! (format version, threads, runs): task-clock / runs is the CPU time of one run.

use std::fmt::Write;
use std::hint::black_box;
use wholeplace_appraisal::montecarlo::{McConfig, monte_carlo_threads};
use wholeplace_appraisal::{Engine, SeededRng, parse_model_toml};

/// The benchmark's model (benches/appraisal.rs).
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

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (version, threads, runs) = (
        args.first().copied().unwrap_or(2),
        args.get(1).copied().unwrap_or(1),
        args.get(2).copied().unwrap_or(20),
    );
    let e = Engine::shipped().expect("engine");
    let p = e
        .prepare(&parse_model_toml(&model(version)).expect("parses"), None)
        .expect("valid");
    let cfg = McConfig {
        draws: 10_000,
        keep_draws: false,
    };
    for _ in 0..runs {
        black_box(monte_carlo_threads(
            &p,
            &cfg,
            &mut SeededRng::new(1),
            threads as usize,
        ));
    }
}
