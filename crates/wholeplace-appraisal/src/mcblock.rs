//! Monte Carlo of format version 2 models: the draws are cut into blocks of [`BLOCK`], each
//! drawn from its own stream of the seed (`SeededRng::stream(seed, block)`), so blocks can run on
//! any number of threads and the results are the same for a seed whatever the thread count (the
//! blocks' outputs are merged in block order).
//!
//! Within a block, draws are taken [`CHUNK`] at a time as a structure of arrays: each uncertain
//! input has one array of `CHUNK` values (its draws, in draw order), filled by one tight loop per
//! input, and each line's figures are worked out for all the chunk's draws at once, a multiply-add
//! over contiguous arrays that the compiler turns into SIMD. The order of the draws within a block
//! (input by input, group by group, chunk by chunk) is part of the version 2 stream. Format
//! version 1 models keep the one sequential stream of [`crate::montecarlo::monte_carlo`], so
//! their results do not change.

use crate::appraise::line_spans;
use crate::model::Num;
use crate::prepare::{ImpactInputs, InputKind, PreparedModel, PreparedOption, clamp};
use crate::sampler::{DrawRng, Sampler, Samplers};

/// Draws per block (each block its own stream).
pub const BLOCK: u64 = 256;

/// Draws evaluated together.
pub const CHUNK: usize = 64;

/// A value the evaluation reads: fixed, or an uncertain input's array of draws.
#[derive(Debug, Clone, Copy, PartialEq)]
enum F {
    Fixed(f64),
    Slot(usize),
}

/// A line whose drop-off is fixed: its figures are `base x` fixed weights.
#[derive(Debug, Clone)]
struct Line {
    /// Product of its fixed factors and (1 - optimism bias).
    konst: f64,
    /// Its uncertain factors: (slot, taken as 1 - x).
    uncertain: Vec<(usize, bool)>,
    /// Sum of persistence x DF x fiscal, and of persistence x DF x public value.
    wf: f64,
    wp: f64,
    /// (offset in `weights`, first year, end year) of its per-year fiscal weights.
    span: (usize, usize, usize),
}

/// A line whose drop-off is uncertain: evaluated year by year, draw by draw.
#[derive(Debug, Clone)]
struct YearlyLine {
    factors: [F; 6],
    keep_ob: f64,
    drop_off: F,
    spans: Vec<(usize, usize, f64)>,
    health: bool,
    fiscal: f64,
    public_per: f64,
}

/// One option laid out for evaluating a chunk of draws.
#[derive(Debug, Clone)]
pub(crate) struct ChunkOption {
    h: usize,
    /// (scale, 1 + optimism bias, PV of the amounts, offset in `amounts`).
    costs: Vec<(F, f64, f64, usize)>,
    amounts: Vec<f64>,
    df: Vec<f64>,
    dfh: Vec<f64>,
    lines: Vec<Line>,
    weights: Vec<f64>,
    yearly: Vec<YearlyLine>,
    base: Vec<f64>,
    pv_costs: Vec<f64>,
    pv_fiscal: Vec<f64>,
    pv_public: Vec<f64>,
    /// Year-major: `cost_d[t * CHUNK + d]`.
    cost_d: Vec<f64>,
    fiscal_d: Vec<f64>,
}

/// The uncertain inputs' slots (`usize::MAX` for fixed inputs) and the options laid out.
pub(crate) struct Layout {
    pub(crate) slot: Vec<usize>,
    pub(crate) slots: usize,
    pub(crate) options: Vec<ChunkOption>,
}

/// The six factors of a line's outcomes: count (or cohort), engagement, impact, and the three
/// taken as 1 - x (deadweight, attribution, displacement).
fn factors_of(impact: ImpactInputs, dw: usize, at: usize, di: usize) -> [Option<usize>; 6] {
    match impact {
        ImpactInputs::Rate {
            cohort,
            engagement,
            impact,
        } => [
            Some(cohort),
            Some(engagement),
            Some(impact),
            Some(dw),
            Some(at),
            Some(di),
        ],
        ImpactInputs::Count { count } => [Some(count), None, None, Some(dw), Some(at), Some(di)],
    }
}

/// Lays out a model: a slot per uncertain input (in input order) and each option's lines.
pub(crate) fn layout(m: &PreparedModel) -> Layout {
    let mut slot = vec![usize::MAX; m.inputs.len()];
    let mut slots = 0;
    for (i, inp) in m.inputs.iter().enumerate() {
        if matches!(inp.num, Num::Dist(_)) {
            slot[i] = slots;
            slots += 1;
        }
    }
    let base = m.point_values();
    let value = |i: usize| {
        if slot[i] == usize::MAX {
            F::Fixed(base[i])
        } else {
            F::Slot(slot[i])
        }
    };
    let options = m
        .options
        .iter()
        .map(|opt| chunk_option(m, opt, &value))
        .collect();
    Layout {
        slot,
        slots,
        options,
    }
}

fn chunk_option(
    m: &PreparedModel,
    opt: &PreparedOption,
    value: &dyn Fn(usize) -> F,
) -> ChunkOption {
    let h = m.horizon as usize;
    let df = m.discount_factors.clone();
    let dfh = m.health_discount_factors.clone();
    let mut amounts = Vec::with_capacity(opt.costs.len() * h);
    let costs = opt
        .costs
        .iter()
        .map(|c| {
            let at = amounts.len();
            amounts.extend((0..h).map(|t| c.amounts.get(t).copied().unwrap_or(0.0)));
            let pv = amounts[at..].iter().zip(&df).map(|(a, d)| a * d).sum();
            (value(c.scale), 1.0 + c.optimism_bias, pv, at)
        })
        .collect();
    let (mut lines, mut weights, mut yearly) = (Vec::new(), Vec::new(), Vec::new());
    for o in &opt.outcomes {
        let spans = line_spans(o, h);
        let public_per = o.fiscal - o.transfer + o.economic + o.social;
        let d = if o.health { &dfh } else { &df };
        let factors = factors_of(o.impact, o.deadweight, o.attribution, o.displacement)
            .map(|i| i.map_or(F::Fixed(1.0), value));
        let F::Fixed(p) = value(o.drop_off) else {
            yearly.push(YearlyLine {
                factors,
                keep_ob: 1.0 - o.optimism_bias,
                drop_off: value(o.drop_off),
                spans,
                health: o.health,
                fiscal: o.fiscal,
                public_per,
            });
            continue;
        };
        let keep = 1.0 - clamp(InputKind::Rate, p);
        let (mut prof, mut gprof) = (vec![0.0; h], vec![0.0; h]);
        crate::appraise::add_profile(&spans, keep, &mut prof, &mut gprof);
        let start = spans.iter().map(|s| s.0).min().unwrap_or(h);
        let end = spans.iter().map(|s| s.1).max().unwrap_or(h).max(start);
        let (mut wf, mut wp) = (0.0, 0.0);
        let at = weights.len();
        for (&dt, &pr) in d[start..end].iter().zip(&prof[start..end]) {
            weights.push(pr * dt * o.fiscal);
            wf += pr * dt * o.fiscal;
            wp += pr * dt * public_per;
        }
        let mut konst = 1.0 - o.optimism_bias;
        let mut uncertain = Vec::new();
        for (j, f) in factors.iter().enumerate() {
            match *f {
                F::Fixed(v) if j >= 3 => konst *= 1.0 - v,
                F::Fixed(v) => konst *= v,
                F::Slot(s) => uncertain.push((s, j >= 3)),
            }
        }
        lines.push(Line {
            konst,
            uncertain,
            wf,
            wp,
            span: (at, start, end),
        });
    }
    ChunkOption {
        h,
        costs,
        amounts,
        df,
        dfh,
        lines,
        weights,
        yearly,
        base: vec![0.0; CHUNK],
        pv_costs: vec![0.0; CHUNK],
        pv_fiscal: vec![0.0; CHUNK],
        pv_public: vec![0.0; CHUNK],
        cost_d: vec![0.0; h * CHUNK],
        fiscal_d: vec![0.0; h * CHUNK],
    }
}

/// One draw of one option: NPBI, FROI and BCR (NaN without costs), paid back within N years.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DrawOut {
    pub(crate) npbi: f64,
    pub(crate) froi: f64,
    pub(crate) bcr: f64,
    pub(crate) has_costs: bool,
    pub(crate) paid: bool,
}

impl ChunkOption {
    /// The figures of the chunk's `n` draws (`vals[slot * CHUNK + d]`), appended to `out` in
    /// draw order.
    fn evaluate(&mut self, vals: &[f64], n: usize, sh: &Shared<'_>, out: &mut Vec<DrawOut>) {
        let years = sh.years;
        self.pv_costs[..n].fill(0.0);
        self.pv_fiscal[..n].fill(0.0);
        self.pv_public[..n].fill(0.0);
        if years {
            self.cost_d.fill(0.0);
            self.fiscal_d.fill(0.0);
        }
        self.costs_of(vals, n, years);
        self.lines_of(vals, n, years);
        self.yearly_of(vals, n, years);
        for d in 0..n {
            if years {
                self.pv_costs[d] = (0..self.h).map(|t| self.cost_d[t * CHUNK + d]).sum();
                self.pv_fiscal[d] = (0..self.h).map(|t| self.fiscal_d[t * CHUNK + d]).sum();
            }
            let (c, f, p) = (self.pv_costs[d], self.pv_fiscal[d], self.pv_public[d]);
            let has_costs = c > 0.0;
            let froi = if has_costs { f / c } else { f64::NAN };
            let paid = if years {
                froi > 1.0 && self.payback_year(d).is_some_and(|y| y < sh.payback_within)
            } else {
                froi > 1.0
            };
            out.push(DrawOut {
                npbi: f - c,
                froi,
                bcr: if has_costs { p / c } else { f64::NAN },
                has_costs,
                paid,
            });
        }
    }

    fn costs_of(&mut self, vals: &[f64], n: usize, years: bool) {
        let col = |s: usize| &vals[s * CHUNK..s * CHUNK + n];
        let h = if years { self.h } else { 0 };
        for &(scale, uplift, pv, at) in &self.costs {
            match scale {
                F::Fixed(s) => {
                    for c in &mut self.pv_costs[..n] {
                        *c += s * uplift * pv;
                    }
                    for t in 0..h {
                        let v = self.amounts[at + t] * s * uplift * self.df[t];
                        for c in &mut self.cost_d[t * CHUNK..t * CHUNK + n] {
                            *c += v;
                        }
                    }
                }
                F::Slot(k) => {
                    let x = col(k);
                    for (c, s) in self.pv_costs[..n].iter_mut().zip(x) {
                        *c += s * uplift * pv;
                    }
                    for t in 0..h {
                        let v = self.amounts[at + t] * uplift * self.df[t];
                        for (c, s) in self.cost_d[t * CHUNK..t * CHUNK + n].iter_mut().zip(x) {
                            *c += v * s;
                        }
                    }
                }
            }
        }
    }

    fn lines_of(&mut self, vals: &[f64], n: usize, years: bool) {
        let col = |s: usize| &vals[s * CHUNK..s * CHUNK + n];
        let base = &mut self.base[..n];
        for l in &self.lines {
            base.fill(l.konst);
            for &(s, complement) in &l.uncertain {
                let x = col(s);
                if complement {
                    for (b, v) in base.iter_mut().zip(x) {
                        *b *= 1.0 - v;
                    }
                } else {
                    for (b, v) in base.iter_mut().zip(x) {
                        *b *= v;
                    }
                }
            }
            for (p, b) in self.pv_public[..n].iter_mut().zip(base.iter()) {
                *p += b * l.wp;
            }
            if !years {
                for (f, b) in self.pv_fiscal[..n].iter_mut().zip(base.iter()) {
                    *f += b * l.wf;
                }
                continue;
            }
            let (w, start, end) = l.span;
            for (k, t) in (start..end).enumerate() {
                let wt = self.weights[w + k];
                for (f, b) in self.fiscal_d[t * CHUNK..t * CHUNK + n]
                    .iter_mut()
                    .zip(base.iter())
                {
                    *f += b * wt;
                }
            }
        }
    }

    fn yearly_of(&mut self, vals: &[f64], n: usize, years: bool) {
        for y in &self.yearly {
            let d_of = if y.health { &self.dfh } else { &self.df };
            for d in 0..n {
                let v = |f: F| match f {
                    F::Fixed(x) => x,
                    F::Slot(s) => vals[s * CHUNK + d],
                };
                let base = v(y.factors[0])
                    * v(y.factors[1])
                    * v(y.factors[2])
                    * ((1.0 - v(y.factors[3])) * (1.0 - v(y.factors[4])) * (1.0 - v(y.factors[5])))
                    * y.keep_ob;
                let keep = 1.0 - v(y.drop_off);
                let mut public = 0.0;
                for &(start, end, w) in &y.spans {
                    let mut persistence = base * w;
                    for (t, dt) in d_of.iter().enumerate().take(end).skip(start) {
                        let x = persistence * dt;
                        if years {
                            self.fiscal_d[t * CHUNK + d] += x * y.fiscal;
                        }
                        public += x;
                        persistence *= keep;
                    }
                }
                self.pv_fiscal[d] += public * y.fiscal;
                self.pv_public[d] += public * y.public_per;
            }
        }
    }

    /// The discounted payback year of draw `d` (the year-major streams formed).
    fn payback_year(&self, d: usize) -> Option<u32> {
        let (mut cb, mut cc) = (0.0, 0.0);
        for t in 0..self.h {
            cb += self.fiscal_d[t * CHUNK + d];
            cc += self.cost_d[t * CHUNK + d];
            if cc > 0.0 && cb >= cc - 1e-9 * cc.abs() {
                return Some(t as u32);
            }
        }
        None
    }
}

/// What every worker shares.
pub(crate) struct Shared<'a> {
    pub(crate) samplers: &'a Samplers,
    /// Each group's sampler and its targets (slot, kind).
    pub(crate) groups: &'a [(Sampler, Vec<(usize, InputKind)>)],
    pub(crate) seed: u64,
    pub(crate) draws: u64,
    pub(crate) years: bool,
    pub(crate) payback_within: u32,
}

/// Runs block `b`: its draws for every option, draw-major (`out[d * options + k]`).
fn run_block(sh: &Shared<'_>, b: u64, opts: &mut [ChunkOption], vals: &mut [f64]) -> Vec<DrawOut> {
    let mut rng = DrawRng::stream(sh.seed, b);
    let first = b * BLOCK;
    let last = (first + BLOCK).min(sh.draws);
    let k = opts.len();
    let mut out = Vec::with_capacity(((last - first) as usize) * k);
    let mut per_option: Vec<Vec<DrawOut>> = vec![Vec::with_capacity(CHUNK); k];
    let mut at = first;
    while at < last {
        let n = ((last - at) as usize).min(CHUNK);
        for (s, targets) in sh.groups {
            for &(slot, kind) in targets {
                sh.samplers.fill_slice(
                    s,
                    kind,
                    &mut vals[slot * CHUNK..slot * CHUNK + n],
                    &mut rng,
                );
            }
        }
        for (o, po) in opts.iter_mut().zip(per_option.iter_mut()) {
            po.clear();
            o.evaluate(vals, n, sh, po);
        }
        for d in 0..n {
            out.extend(per_option.iter().map(|po| po[d]));
        }
        at += n as u64;
    }
    out
}

/// Blocks run together before their draws are handed on (bounds the memory held per thread).
const WAVE_PER_THREAD: u64 = 16;

/// Runs every block on `threads` threads and hands each draw's outputs (one per option) to `take`
/// in draw order. Blocks run in waves of `threads x 16`, block b of a wave on thread
/// b mod threads, so the memory held does not grow with the number of draws and the results are
/// the same for a seed whatever `threads` is.
pub(crate) fn run_blocks(
    sh: &Shared<'_>,
    layout: &Layout,
    threads: usize,
    take: &mut dyn FnMut(&[DrawOut]),
) {
    let n_opt = layout.options.len().max(1);
    let blocks = sh.draws.div_ceil(BLOCK);
    let threads = (threads.max(1) as u64).min(blocks.max(1));
    let mut workers: Vec<(Vec<ChunkOption>, Vec<f64>)> = (0..threads)
        .map(|_| (layout.options.clone(), vec![0.0; layout.slots * CHUNK]))
        .collect();
    let wave = threads * WAVE_PER_THREAD;
    let mut first = 0;
    while first < blocks {
        let last = (first + wave).min(blocks);
        let work = |w: u64, (opts, vals): &mut (Vec<ChunkOption>, Vec<f64>)| {
            let mut done = Vec::new();
            let mut b = first + w;
            while b < last {
                done.push((b, run_block(sh, b, opts, vals)));
                b += threads;
            }
            done
        };
        let mut all: Vec<(u64, Vec<DrawOut>)> = if threads == 1 {
            work(0, &mut workers[0])
        } else {
            std::thread::scope(|sc| {
                let handles: Vec<_> = workers
                    .iter_mut()
                    .enumerate()
                    .map(|(w, state)| sc.spawn(move || work(w as u64, state)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        all.sort_by_key(|(b, _)| *b);
        for (_, outs) in &all {
            for draw in outs.chunks_exact(n_opt) {
                take(draw);
            }
        }
        first = last;
    }
}
