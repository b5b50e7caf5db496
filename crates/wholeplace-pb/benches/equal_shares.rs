//! The Method of Equal Shares (fixed share and add-one completion, float arithmetic) and greedy on a generated
//! approval election of 100,000 voters and 200 projects (docs/BENCHMARKS.md).

use criterion::{Criterion, criterion_group, criterion_main};
use wholeplace_pb::{Exact, Float, Lot, Profile, Rule, count};

/// splitmix64, so the election is the same on every run.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// 100,000 voters, 200 projects costing 5,000 to 200,000, a budget of 4,000,000; each voter
/// approves 1 to 10 projects, popular projects (low numbers) more often.
pub fn election(voters: u64) -> Profile {
    let mut g = Gen(2024);
    let projects = 200;
    let ids: Vec<String> = (0..projects).map(|i| format!("p{i}")).collect();
    let costs: Vec<u64> = (0..projects)
        .map(|_| 5_000 + (g.next() % 196) * 1_000 + g.next() % 1_000)
        .collect();
    let ballots: Vec<Vec<String>> = (0..voters)
        .map(|_| {
            let k = 1 + g.next() % 10;
            let mut b: Vec<String> = Vec::new();
            while (b.len() as u64) < k {
                // The smaller of two draws: low-numbered projects are more popular.
                let p = (g.next() % projects).min(g.next() % projects);
                let id = format!("p{p}");
                if !b.contains(&id) {
                    b.push(id);
                }
            }
            b
        })
        .collect();
    Profile::build(
        4_000_000,
        ids,
        costs,
        ballots.iter().map(|b| (b.as_slice(), vec![1; b.len()])),
    )
}

fn bench(c: &mut Criterion) {
    let p = election(100_000);
    let lot = Lot { seed: Some(1) };
    if let Ok(o) = count::<Float>(&p, Rule::EqualSharesAdd1, &lot) {
        eprintln!(
            "add1 (float): {} steps, share {:?}, {} projects funded, {} of {} spent",
            o.completion_steps,
            o.per_voter_amount,
            o.selected.len(),
            o.spent,
            o.budget
        );
    }
    let mut group = c.benchmark_group("pb_100k_voters_200_projects");
    group.sample_size(10);
    group.bench_function("equalshares_fixed_float", |b| {
        b.iter(|| count::<Float>(&p, Rule::EqualShares, &lot))
    });
    group.bench_function("equalshares_add1_float", |b| {
        b.iter(|| count::<Float>(&p, Rule::EqualSharesAdd1, &lot))
    });
    group.bench_function("greedy", |b| {
        b.iter(|| count::<Exact>(&p, Rule::Greedy, &lot))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
