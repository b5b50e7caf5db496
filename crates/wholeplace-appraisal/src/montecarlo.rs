//! Monte Carlo over the inputs given as distributions, seeded by the caller, with memory that does
//! not grow with the number of draws: running moments (Welford), counters, and a fixed-size
//! reservoir (4,096 draws, Algorithm R on its own seeded stream) for percentiles and the histogram.
//! Percentiles are exact up to 4,096 draws and a uniform-sample estimate beyond. All draws are
//! kept only when asked for. Also the tornado of the largest drivers (one input at a time).

use crate::appraise::FastOption;
use crate::mcblock::{DrawOut, Shared, run_blocks};
use crate::model::{Dist, Num};
use crate::prepare::{InputKind, PreparedModel, clamp};
use crate::rng::{RandomSource, SeededRng, gamma, standard_normal};
use crate::sampler::{DrawRng, Sampler, Samplers};
use serde::{Deserialize, Serialize};

/// Reservoir size for percentiles.
pub const RESERVOIR: usize = 4096;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McConfig {
    /// Number of draws.
    pub draws: u32,
    /// Keep every draw's NPBI, FROI and BCR (memory grows with draws).
    pub keep_draws: bool,
}

/// Draws one value from a distribution.
pub fn sample(d: &Dist, rng: &mut dyn RandomSource) -> f64 {
    match *d {
        Dist::Triangular { min, mode, max, .. } => {
            let u = rng.next_open01();
            let c = (mode - min) / (max - min);
            if u < c {
                min + ((max - min) * (mode - min) * u).sqrt()
            } else {
                max - ((max - min) * (max - mode) * (1.0 - u)).sqrt()
            }
        }
        Dist::Pert { min, mode, max, .. } => {
            let a = 1.0 + 4.0 * (mode - min) / (max - min);
            let b = 1.0 + 4.0 * (max - mode) / (max - min);
            let x = gamma(a, rng);
            let y = gamma(b, rng);
            min + (max - min) * x / (x + y)
        }
        Dist::Uniform { min, max, .. } => min + (max - min) * rng.next_open01(),
        Dist::Normal { mean, sd, .. } => mean + sd * standard_normal(rng),
        Dist::Lognormal { median, sigma, .. } => median * (sigma * standard_normal(rng)).exp(),
    }
}

/// Streaming statistics of one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    n: u64,
    mean: f64,
    m2: f64,
    /// Smallest draw.
    pub min: f64,
    /// Largest draw.
    pub max: f64,
    #[serde(skip)]
    reservoir: Vec<f64>,
}

impl Stat {
    pub(crate) fn new() -> Self {
        Stat {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            reservoir: Vec::with_capacity(RESERVOIR),
        }
    }
    fn push(&mut self, x: f64, slot: Option<usize>) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if self.reservoir.len() < RESERVOIR {
            self.reservoir.push(x);
        } else if let Some(s) = slot {
            self.reservoir[s] = x;
        }
    }
    fn summary(&self) -> Distribution {
        let mut v = self.reservoir.clone();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if v.is_empty() {
                return f64::NAN;
            }
            let pos = p * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        let bins = 20;
        let mut histogram = vec![0u32; bins];
        let (lo, hi) = (
            v.first().copied().unwrap_or(0.0),
            v.last().copied().unwrap_or(0.0),
        );
        let width = if hi > lo {
            (hi - lo) / bins as f64
        } else {
            1.0
        };
        for x in &v {
            let b = (((x - lo) / width) as usize).min(bins - 1);
            histogram[b] += 1;
        }
        Distribution {
            draws: self.n,
            mean: self.mean,
            sd: if self.n > 1 {
                (self.m2 / (self.n - 1) as f64).sqrt()
            } else {
                0.0
            },
            min: self.min,
            max: self.max,
            p5: q(0.05),
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
            p95: q(0.95),
            histogram_from: lo,
            histogram_width: width,
            histogram,
        }
    }
}

/// Percentiles and moments of one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Number of draws.
    pub draws: u64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Lower edge of the first histogram bin.
    pub histogram_from: f64,
    /// Bin width.
    pub histogram_width: f64,
    /// Counts (of the reservoir sample) in 20 bins.
    pub histogram: Vec<u32>,
}

/// One bar of the tornado.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TornadoBar {
    /// The input.
    pub input: String,
    /// Low end of the input.
    pub low_value: f64,
    /// High end of the input.
    pub high_value: f64,
    /// NPBI with the input at its low end.
    pub npbi_at_low: f64,
    /// NPBI with the input at its high end.
    pub npbi_at_high: f64,
    /// |high - low|.
    pub swing: f64,
}

/// Monte Carlo results for one option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McOption {
    /// Option name.
    pub name: String,
    /// NPBI.
    pub npbi: Distribution,
    /// FROI (draws with costs).
    pub froi: Distribution,
    /// BCR (draws with costs).
    pub bcr: Distribution,
    /// Share of draws with FROI >= 1.
    pub prob_froi_at_least_1: f64,
    /// Share of draws paying back (discounted) within N years.
    pub prob_payback_within: f64,
    /// N.
    pub payback_within_years: u32,
    /// Tornado, largest swing first.
    pub tornado: Vec<TornadoBar>,
    /// Every draw's (NPBI, FROI, BCR) if asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<(f64, f64, f64)>,
}

/// Monte Carlo results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McResults {
    /// Draws run.
    pub draws: u32,
    /// Inputs that were uncertain.
    pub uncertain_inputs: Vec<String>,
    /// Per option.
    pub options: Vec<McOption>,
}

/// The streaming results of every option, fed one draw at a time in draw order.
struct Acc {
    stats: Vec<[Stat; 3]>,
    froi_ok: Vec<u64>,
    payback_ok: Vec<u64>,
    kept: Vec<Vec<(f64, f64, f64)>>,
    keep: bool,
    res_rng: SeededRng,
    draw: u64,
}

impl Acc {
    fn new(options: usize, keep: bool, res_seed: u64) -> Self {
        Acc {
            stats: (0..options)
                .map(|_| [Stat::new(), Stat::new(), Stat::new()])
                .collect(),
            froi_ok: vec![0; options],
            payback_ok: vec![0; options],
            kept: vec![Vec::new(); options],
            keep,
            res_rng: SeededRng::new(res_seed),
            draw: 0,
        }
    }

    /// The next draw's outputs, one per option.
    fn push(&mut self, outs: &[DrawOut]) {
        // One reservoir slot decision per draw, shared by all outputs (keeps them paired).
        let draw = self.draw;
        self.draw += 1;
        let slot = if draw as usize >= RESERVOIR {
            let j = (self.res_rng.next_u64() % (draw + 1)) as usize;
            (j < RESERVOIR).then_some(j)
        } else {
            None
        };
        for (k, o) in outs.iter().enumerate() {
            self.stats[k][0].push(o.npbi, slot);
            if o.has_costs {
                self.stats[k][1].push(o.froi, slot);
                self.stats[k][2].push(o.bcr, slot);
            }
            if o.froi >= 1.0 {
                self.froi_ok[k] += 1;
            }
            if o.paid {
                self.payback_ok[k] += 1;
            }
            if self.keep {
                self.kept[k].push((o.npbi, o.froi, o.bcr));
            }
        }
    }
}

/// Runs `cfg.draws` draws of every option on as many threads as the machine offers (the
/// results depend only on the seed, not on the threads: see [`monte_carlo_threads`]).
pub fn monte_carlo(m: &PreparedModel, cfg: &McConfig, rng: &mut dyn RandomSource) -> McResults {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    monte_carlo_threads(m, cfg, rng, threads)
}

/// Runs `cfg.draws` draws of every option. The caller's seeded generator gives two words: one
/// seeds the draws, the other the reservoir's own stream, so results depend only on the seed.
/// Format version 2 models draw in blocks, each block its own stream of the seed, spread over
/// `threads` threads and merged in block order, over a structure of arrays ([`crate::mcblock`]);
/// format version 1 models keep their one sequential stream (see [`crate::sampler`]) and so
/// their results. Nothing is allocated per draw unless `keep_draws`.
pub fn monte_carlo_threads(
    m: &PreparedModel,
    cfg: &McConfig,
    rng: &mut dyn RandomSource,
    threads: usize,
) -> McResults {
    let base = m.point_values();
    let mut samplers = Samplers::default();
    // Inputs with the same distribution are drawn together (in input order within a group, groups
    // in order of first appearance), so each draw is a few tight loops.
    let mut uncertain: Vec<usize> = Vec::new();
    let mut groups: Vec<(Sampler, Vec<(usize, InputKind)>)> = Vec::new();
    for (i, inp) in m.inputs.iter().enumerate() {
        let Num::Dist(d) = &inp.num else { continue };
        uncertain.push(i);
        let s = samplers.prepare(d);
        match groups.iter_mut().find(|(g, _)| *g == s) {
            Some((_, targets)) => targets.push((i, inp.kind)),
            None => groups.push((s, vec![(i, inp.kind)])),
        }
    }
    let res_seed = rng.next_u64();
    let draw_seed = rng.next_u64();
    let n_opt = m.options.len();
    let mut acc = Acc::new(n_opt, cfg.keep_draws, res_seed);
    // Paying back within N >= horizon years is FROI > 1: the per-year streams are then not needed.
    let years = m.payback_within_years < m.horizon;
    let mut fast: Vec<FastOption> = m.options.iter().map(|o| FastOption::new(m, o)).collect();
    if m.file.appraisal.format_version == 1 {
        let mut draw_rng = DrawRng::new(draw_seed);
        let mut x = base.clone();
        let mut outs = vec![
            DrawOut {
                npbi: 0.0,
                froi: 0.0,
                bcr: 0.0,
                has_costs: false,
                paid: false,
            };
            n_opt
        ];
        for _ in 0..cfg.draws {
            for (s, targets) in &groups {
                samplers.fill(s, targets, &mut x, &mut draw_rng);
            }
            for (k, f) in fast.iter_mut().enumerate() {
                let s = f.evaluate_with(&x, years);
                let froi = s.froi.unwrap_or(f64::NAN);
                outs[k] = DrawOut {
                    npbi: s.npbi,
                    froi,
                    bcr: s.bcr.unwrap_or(f64::NAN),
                    has_costs: s.froi.is_some(),
                    paid: if years {
                        s.payback_year_discounted
                            .is_some_and(|y| y < m.payback_within_years)
                    } else {
                        froi > 1.0
                    },
                };
            }
            acc.push(&outs);
        }
    } else {
        let layout = crate::mcblock::layout(m);
        let groups: Vec<(Sampler, Vec<(usize, InputKind)>)> = groups
            .iter()
            .map(|(s, t)| (*s, t.iter().map(|&(i, k)| (layout.slot[i], k)).collect()))
            .collect();
        let shared = Shared {
            samplers: &samplers,
            groups: &groups,
            seed: draw_seed,
            draws: u64::from(cfg.draws),
            years,
            payback_within: m.payback_within_years,
        };
        run_blocks(&shared, &layout, threads, &mut |outs| acc.push(outs));
    }
    let mut options = Vec::new();
    for (k, opt) in m.options.iter().enumerate() {
        let n = cfg.draws.max(1) as f64;
        options.push(McOption {
            name: opt.name.clone(),
            npbi: acc.stats[k][0].summary(),
            froi: acc.stats[k][1].summary(),
            bcr: acc.stats[k][2].summary(),
            prob_froi_at_least_1: acc.froi_ok[k] as f64 / n,
            prob_payback_within: acc.payback_ok[k] as f64 / n,
            payback_within_years: m.payback_within_years,
            tornado: tornado_fast(m, &mut fast[k], &base),
            draws: std::mem::take(&mut acc.kept[k]),
        });
    }
    McResults {
        draws: cfg.draws,
        uncertain_inputs: uncertain
            .iter()
            .map(|i| m.inputs[*i].label.clone())
            .collect(),
        options,
    }
}

/// Tornado: each uncertain input moved to its low and high ends (min and max, or the 5th and 95th
/// percentiles for normal and lognormal) with every other input at its point value.
pub fn tornado(m: &PreparedModel, option: usize, base: &[f64]) -> Vec<TornadoBar> {
    match m.options.get(option) {
        Some(opt) => tornado_fast(m, &mut FastOption::new(m, opt), base),
        None => Vec::new(),
    }
}

fn tornado_fast(m: &PreparedModel, f: &mut FastOption, base: &[f64]) -> Vec<TornadoBar> {
    let mut x = base.to_vec();
    let mut bars = Vec::new();
    for (i, inp) in m.inputs.iter().enumerate() {
        let Num::Dist(d) = &inp.num else { continue };
        let (lo, hi) = d.tornado_range();
        let (lo, hi) = (clamp(inp.kind, lo), clamp(inp.kind, hi));
        x[i] = lo;
        let a = f.evaluate_with(&x, false).npbi;
        x[i] = hi;
        let b = f.evaluate_with(&x, false).npbi;
        x[i] = base[i];
        bars.push(TornadoBar {
            input: inp.label.clone(),
            low_value: lo,
            high_value: hi,
            npbi_at_low: a,
            npbi_at_high: b,
            swing: (b - a).abs(),
        });
    }
    bars.sort_by(|p, q| {
        q.swing
            .total_cmp(&p.swing)
            .then_with(|| p.input.cmp(&q.input))
    });
    bars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_stay_in_range_and_centre_right() {
        let mut r = SeededRng::new(1);
        let n = 100_000;
        let tri = Dist::Triangular {
            min: 0.0,
            mode: 0.3,
            max: 1.0,
            point: None,
        };
        let pert = Dist::Pert {
            min: 0.0,
            mode: 0.3,
            max: 1.0,
            point: None,
        };
        let (mut st, mut sp) = (0.0, 0.0);
        for _ in 0..n {
            let a = sample(&tri, &mut r);
            let b = sample(&pert, &mut r);
            assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
            st += a;
            sp += b;
        }
        // Means: triangular (0+0.3+1)/3 = 0.4333; PERT (0 + 4x0.3 + 1)/6 = 0.3667.
        assert!((st / n as f64 - 0.4333).abs() < 0.005);
        assert!((sp / n as f64 - 0.3667).abs() < 0.005);
        let ln = Dist::Lognormal {
            median: 100.0,
            sigma: 0.5,
            point: None,
        };
        let mut v: Vec<f64> = (0..n).map(|_| sample(&ln, &mut r)).collect();
        v.sort_by(f64::total_cmp);
        assert!((v[n / 2] - 100.0).abs() < 2.0);
    }

    #[test]
    fn reservoir_is_bounded_and_exact_for_small_runs() {
        let mut s = Stat::new();
        for i in 0..100 {
            s.push(i as f64, None);
        }
        let d = s.summary();
        assert_eq!(d.p50, 49.5);
        assert_eq!(d.min, 0.0);
        let mut s = Stat::new();
        let mut r = SeededRng::new(3);
        for i in 0..50_000u64 {
            let slot = if i as usize >= RESERVOIR {
                let j = (r.next_u64() % (i + 1)) as usize;
                (j < RESERVOIR).then_some(j)
            } else {
                None
            };
            s.push(i as f64, slot);
        }
        assert_eq!(s.reservoir.len(), RESERVOIR);
        let d = s.summary();
        assert!((d.p50 - 25_000.0).abs() < 1_500.0, "{}", d.p50);
        assert!((d.mean - 24_999.5).abs() < 1e-6);
    }
}
