//! Monte Carlo of format version 2 models: the draws are cut into blocks of [`BLOCK`], each
//! drawn from its own stream of the seed (`SeededRng::stream(seed, block)`), so blocks can run on
//! any number of threads and the results are the same for a seed whatever the thread count (the
//! blocks' outputs are merged in block order). Each draw is evaluated over a structure of arrays:
//! the inputs that count each simple line's outcomes (cohort or count, engagement, impact,
//! deadweight, attribution, displacement) sit in six contiguous arrays, in line order, so the
//! samplers write into them and the evaluation is a few multiply-adds over contiguous memory.
//! Lines whose drop-off is uncertain keep the per-year loop. Format version 1 models keep the one
//! sequential stream of [`crate::montecarlo::monte_carlo`], so their results do not change.

use crate::appraise::{Headline, line_spans};
use crate::model::Num;
use crate::prepare::{ImpactInputs, InputKind, PreparedModel, PreparedOption, clamp};
use crate::sampler::{DrawRng, Sampler, Samplers};

/// Draws per block (each block its own stream).
pub const BLOCK: u64 = 256;

/// The six factors of a simple line's outcomes, in the order of the arrays.
const FACTORS: usize = 6;

/// A line whose drop-off is uncertain: evaluated year by year (positions in the draw buffer).
#[derive(Debug, Clone)]
struct YearlyLine {
    factors: [usize; FACTORS],
    keep_ob: f64,
    drop_off: usize,
    spans: Vec<(usize, usize, f64)>,
    health: bool,
    fiscal: f64,
    public_per: f64,
}

/// One option laid out for the draw buffer.
#[derive(Debug, Clone)]
pub(crate) struct SoaOption {
    h: usize,
    /// (position of the scale, 1 + optimism bias, PV of the amounts, offset in `amounts`).
    costs: Vec<(usize, f64, f64, usize)>,
    amounts: Vec<f64>,
    df: Vec<f64>,
    dfh: Vec<f64>,
    /// Simple lines: how many, and where their six arrays start in the draw buffer.
    n: usize,
    at: usize,
    keep_ob: Vec<f64>,
    /// Per simple line: sum of persistence x DF x fiscal, and of persistence x DF x public value.
    wf: Vec<f64>,
    wp: Vec<f64>,
    /// Per simple line: (offset in `weights`, first year, end year) of its per-year fiscal weights.
    spans: Vec<(usize, usize, usize)>,
    weights: Vec<f64>,
    yearly: Vec<YearlyLine>,
    base: Vec<f64>,
    cost_d: Vec<f64>,
    fiscal_d: Vec<f64>,
}

/// Where every input of a model lives in the draw buffer, and the buffer's starting values.
pub(crate) struct Layout {
    pub(crate) pos: Vec<usize>,
    pub(crate) init: Vec<f64>,
    pub(crate) options: Vec<SoaOption>,
}

fn factors_of(impact: ImpactInputs, dw: usize, at: usize, di: usize) -> [Option<usize>; FACTORS] {
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

/// Lays out the inputs: each option's simple lines as six arrays, then every other input.
pub(crate) fn layout(m: &PreparedModel) -> Layout {
    let base = m.point_values();
    let mut pos = vec![usize::MAX; m.inputs.len()];
    let mut init: Vec<f64> = Vec::new();
    let mut simple_of: Vec<(Vec<usize>, usize)> = Vec::new();
    for opt in &m.options {
        let simple: Vec<usize> = opt
            .outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(m.inputs[o.drop_off].num, Num::Fixed(_)))
            .map(|(i, _)| i)
            .collect();
        let n = simple.len();
        let at = init.len();
        init.resize(at + FACTORS * n, 1.0);
        for (l, &li) in simple.iter().enumerate() {
            let o = &opt.outcomes[li];
            let f = factors_of(o.impact, o.deadweight, o.attribution, o.displacement);
            for (j, input) in f.iter().enumerate() {
                let cell = at + j * n + l;
                // Complement factors (deadweight, attribution, displacement) default to 0.
                init[cell] = if j >= 3 { 0.0 } else { 1.0 };
                if let Some(i) = *input {
                    pos[i] = cell;
                    init[cell] = base[i];
                }
            }
        }
        simple_of.push((simple, at));
    }
    for (i, p) in pos.iter_mut().enumerate() {
        if *p == usize::MAX {
            *p = init.len();
            init.push(base[i]);
        }
    }
    let options = m
        .options
        .iter()
        .zip(&simple_of)
        .map(|(opt, (simple, at))| soa_option(m, opt, simple, *at, &pos))
        .collect();
    Layout { pos, init, options }
}

fn soa_option(
    m: &PreparedModel,
    opt: &PreparedOption,
    simple: &[usize],
    at: usize,
    pos: &[usize],
) -> SoaOption {
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
            (pos[c.scale], 1.0 + c.optimism_bias, pv, at)
        })
        .collect();
    let (mut keep_ob, mut wf, mut wp, mut spans, mut weights) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut yearly = Vec::new();
    for (li, o) in opt.outcomes.iter().enumerate() {
        let line_spans = line_spans(o, h);
        let public_per = o.fiscal - o.transfer + o.economic + o.social;
        let d = if o.health { &dfh } else { &df };
        if simple.contains(&li) {
            let keep = 1.0 - clamp(m.inputs[o.drop_off].kind, m.inputs[o.drop_off].num.point());
            let (mut prof, mut gprof) = (vec![0.0; h], vec![0.0; h]);
            crate::appraise::add_profile(&line_spans, keep, &mut prof, &mut gprof);
            let start = line_spans.iter().map(|s| s.0).min().unwrap_or(h);
            let end = line_spans.iter().map(|s| s.1).max().unwrap_or(h).max(start);
            let (mut f, mut p) = (0.0, 0.0);
            spans.push((weights.len(), start, end));
            for (&dt, &pr) in d[start..end].iter().zip(&prof[start..end]) {
                weights.push(pr * dt * o.fiscal);
                f += pr * dt * o.fiscal;
                p += pr * dt * public_per;
            }
            keep_ob.push(1.0 - o.optimism_bias);
            wf.push(f);
            wp.push(p);
        } else {
            let f = factors_of(o.impact, o.deadweight, o.attribution, o.displacement);
            yearly.push(YearlyLine {
                factors: f.map(|i| i.map_or(usize::MAX, |i| pos[i])),
                keep_ob: 1.0 - o.optimism_bias,
                drop_off: pos[o.drop_off],
                spans: line_spans,
                health: o.health,
                fiscal: o.fiscal,
                public_per,
            });
        }
    }
    SoaOption {
        h,
        costs,
        amounts,
        df,
        dfh,
        n: simple.len(),
        at,
        keep_ob,
        wf,
        wp,
        spans,
        weights,
        yearly,
        base: vec![0.0; simple.len()],
        cost_d: vec![0.0; h],
        fiscal_d: vec![0.0; h],
    }
}

/// Sum of `a[i] x b[i]` with four running sums (a loop the compiler turns into SIMD).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl SoaOption {
    /// The headline figures for the draw buffer `xs`; with `years` the per-year streams are
    /// formed for the discounted payback year (as [`crate::appraise::FastOption`] does).
    pub(crate) fn headline(&mut self, xs: &[f64], years: bool) -> Headline {
        let h = self.h;
        let mut pv_costs = 0.0;
        if years {
            self.cost_d.fill(0.0);
            self.fiscal_d.fill(0.0);
            for &(p, uplift, _, at) in &self.costs {
                let s = xs[p] * uplift;
                for ((cd, a), d) in self.cost_d.iter_mut().zip(&self.amounts[at..at + h]).zip(&self.df) {
                    *cd += a * s * d;
                }
            }
        } else {
            for &(p, uplift, pv, _) in &self.costs {
                pv_costs += xs[p] * uplift * pv;
            }
        }
        let n = self.n;
        let cells = &xs[self.at..self.at + FACTORS * n];
        let (cnt, rest) = cells.split_at(n);
        let (eng, rest) = rest.split_at(n);
        let (imp, rest) = rest.split_at(n);
        let (dw, rest) = rest.split_at(n);
        let (at, di) = rest.split_at(n);
        for l in 0..n {
            self.base[l] = cnt[l]
                * eng[l]
                * imp[l]
                * ((1.0 - dw[l]) * (1.0 - at[l]) * (1.0 - di[l]))
                * self.keep_ob[l];
        }
        let mut pv_public_value = dot(&self.base, &self.wp);
        let mut pv_fiscal = 0.0;
        if years {
            for (l, &(w, start, end)) in self.spans.iter().enumerate() {
                let b = self.base[l];
                for (f, wt) in self.fiscal_d[start..end].iter_mut().zip(&self.weights[w..]) {
                    *f += b * wt;
                }
            }
        } else {
            pv_fiscal = dot(&self.base, &self.wf);
        }
        for y in &self.yearly {
            let v = |i: usize| if i == usize::MAX { 1.0 } else { xs[i] };
            let base = v(y.factors[0])
                * v(y.factors[1])
                * v(y.factors[2])
                * ((1.0 - xs[y.factors[3]]) * (1.0 - xs[y.factors[4]]) * (1.0 - xs[y.factors[5]]))
                * y.keep_ob;
            let keep = 1.0 - xs[y.drop_off];
            let d = if y.health { &self.dfh } else { &self.df };
            let mut public = 0.0;
            for &(start, end, w) in &y.spans {
                let mut persistence = base * w;
                for (f, dt) in self.fiscal_d[start..end].iter_mut().zip(&d[start..end]) {
                    let v = persistence * dt;
                    if years {
                        *f += v * y.fiscal;
                    }
                    public += v;
                    persistence *= keep;
                }
            }
            if !years {
                pv_fiscal += public * y.fiscal;
            }
            pv_public_value += public * y.public_per;
        }
        if years {
            pv_costs = self.cost_d.iter().sum();
            pv_fiscal = self.fiscal_d.iter().sum();
        }
        let ratio = |a: f64, b: f64| if b > 0.0 { Some(a / b) } else { None };
        let froi = ratio(pv_fiscal, pv_costs);
        Headline {
            pv_costs,
            pv_fiscal,
            pv_public_value,
            npbi: pv_fiscal - pv_costs,
            froi,
            bcr: ratio(pv_public_value, pv_costs),
            payback_year_discounted: if years && froi.is_some_and(|f| f > 1.0) {
                crate::appraise::payback_of(&self.fiscal_d, &self.cost_d)
            } else {
                None
            },
        }
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

/// What every worker shares.
pub(crate) struct Shared<'a> {
    pub(crate) samplers: &'a Samplers,
    pub(crate) groups: &'a [(Sampler, Vec<(usize, InputKind)>)],
    pub(crate) seed: u64,
    pub(crate) draws: u64,
    pub(crate) years: bool,
    pub(crate) payback_within: u32,
}

/// Runs block `b`: its draws for every option, draw-major (`out[d * options + k]`).
fn run_block(sh: &Shared<'_>, b: u64, opts: &mut [SoaOption], xs: &mut [f64]) -> Vec<DrawOut> {
    let mut rng = DrawRng::stream(sh.seed, b);
    let first = b * BLOCK;
    let last = (first + BLOCK).min(sh.draws);
    let mut out = Vec::with_capacity(((last - first) as usize) * opts.len());
    for _ in first..last {
        for (s, targets) in sh.groups {
            sh.samplers.fill(s, targets, xs, &mut rng);
        }
        for o in opts.iter_mut() {
            let s = o.headline(xs, sh.years);
            let froi = s.froi.unwrap_or(f64::NAN);
            let paid = if sh.years {
                s.payback_year_discounted
                    .is_some_and(|y| y < sh.payback_within)
            } else {
                froi > 1.0
            };
            out.push(DrawOut {
                npbi: s.npbi,
                froi,
                bcr: s.bcr.unwrap_or(f64::NAN),
                has_costs: s.froi.is_some(),
                paid,
            });
        }
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
    let mut workers: Vec<(Vec<SoaOption>, Vec<f64>)> = (0..threads)
        .map(|_| (layout.options.clone(), layout.init.clone()))
        .collect();
    let wave = threads * WAVE_PER_THREAD;
    let mut first = 0;
    while first < blocks {
        let last = (first + wave).min(blocks);
        let work = |w: u64, (opts, xs): &mut (Vec<SoaOption>, Vec<f64>)| {
            let mut done = Vec::new();
            let mut b = first + w;
            while b < last {
                done.push((b, run_block(sh, b, opts, xs)));
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
