//! Fast, exact sampling of the distributions users give for uncertain inputs, prepared once per
//! Monte Carlo run so that a draw costs a few nanoseconds and allocates nothing.
//!
//! - Triangular and uniform: inverse transform (one uniform).
//! - Normal and lognormal: Box-Muller, keeping the second deviate of each pair for the next call.
//! - PERT: a Beta(a, b) on [min, max] with a = 1 + 4 (mode - min) / (max - min) and
//!   b = 1 + 4 (max - mode) / (max - min), so a, b >= 1 and the density is bounded and unimodal.
//!   It is sampled exactly by rejection from a piecewise-constant envelope over 128 equal bins
//!   (the density's maximum on each bin, known exactly because the density is unimodal), with the
//!   bin chosen by Walker's alias method and a squeeze (the density's minimum on the bin) that
//!   accepts most proposals without evaluating the density. The acceptance rate is above 97% for
//!   PERT shapes, so a PERT draw costs about two random words (one for the bin; one split into
//!   32 bits of position within the bin, a resolution of 2^-39 of the range, and 32 bits for the
//!   acceptance test). Distributions with the same shape
//!   share one table.
//!
//! Format version 2 draws ([`Samplers::fill_slice`], a tight loop per input over a block's
//! draws) sample PERT from a finer envelope (256 bins) cut into each bin's squeeze rectangle and
//! its cap: one word chooses the region by the alias method (9 bits the slot, 55 bits the coin)
//! and, rescaled within the part of the coin's range it fell in, gives the position in the bin,
//! so most draws cost one word and no density; a draw in a cap (about 2%) takes a second word
//! and is tested against the density. Still exact: a proposal is uniform under the envelope and
//! accepted exactly under the density. Uniform and PERT draws whose support lies inside the
//! input's bounds are not clamped.
//!
//! The sequence for a seed is fixed by this file: changing a method here changes Monte Carlo
//! results for a given seed (the distributions stay the same). Version 1 draws
//! ([`Samplers::fill`], [`BetaTable::sample`]) are kept exactly as they were.

use crate::model::Dist;
use crate::prepare::{InputKind, clamp};
use crate::rng::SeededRng;

/// Number of envelope bins of a Beta table.
const BINS: usize = 128;
const BIN_BITS: u32 = 7;

/// A seeded generator that keeps the spare Box-Muller deviate.
#[derive(Debug, Clone)]
pub struct DrawRng {
    rng: SeededRng,
    spare: Option<f64>,
}

impl DrawRng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        DrawRng {
            rng: SeededRng::new(seed),
            spare: None,
        }
    }

    /// Stream `k` of `seed` (the blocks of a Monte Carlo run each draw from their own).
    pub fn stream(seed: u64, k: u64) -> Self {
        DrawRng {
            rng: SeededRng::stream(seed, k),
            spare: None,
        }
    }

    /// A uniform float in (0, 1).
    #[inline]
    pub fn open01(&mut self) -> f64 {
        self.rng.next_open01()
    }

    /// A uniform 64-bit word.
    #[inline]
    pub fn word(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A standard normal deviate (Box-Muller, both deviates of each pair used).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = self.rng.next_open01();
        let u2 = self.rng.next_open01();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (2.0 * std::f64::consts::PI * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

/// One envelope bin of a Beta table.
#[derive(Debug, Clone, Copy, Default)]
struct Bin {
    /// Alias threshold on the low 57 bits of a word: keep this bin below it, else take `alias`.
    threshold: u64,
    /// Envelope height (the density's maximum on the bin, slightly inflated).
    hi: f64,
    /// Squeeze height (the density's minimum on the bin, slightly deflated).
    lo: f64,
    /// The other bin of this alias slot.
    alias: u32,
}

/// An exact sampler of Beta(a, b) on [0, 1] for a, b >= 1 (see the module documentation).
#[derive(Debug, Clone)]
pub struct BetaTable {
    am1: f64,
    bm1: f64,
    bins: Box<[Bin; BINS]>,
    /// The finer envelope of format version 2 draws: (hi, lo) of each of `RBINS` bins.
    rbins: Box<[(f64, f64); RBINS]>,
    regions: Box<[Region; 2 * RBINS]>,
}

/// One slot of the region table of format version 2 draws (see [`BetaTable::sample_regions`]).
#[derive(Debug, Clone, Copy, Default)]
struct Region {
    /// Keep this slot's region when the coin is below this, else take `alias`.
    threshold: u64,
    /// Per choice (this slot's region, then the alias): the left edge of its bin, and the scale
    /// that turns the coin (less the threshold for the alias) into the position in the bin.
    off: [f64; 2],
    scale: [f64; 2],
    /// Per choice: its region (below RBINS a squeeze rectangle, else a cap).
    region: [u32; 2],
}

/// Bins of the format version 2 envelope (finer than version 1's, so fewer proposals fall in a
/// cap and need the density).
const RBINS: usize = 256;
const REGION_BITS: u32 = 9;
const COIN: u64 = 1 << 55;

/// The envelope (max, min of the density, slightly widened) of each of `n` equal bins.
fn envelope(am1: f64, bm1: f64, n: usize) -> Vec<(f64, f64)> {
    let dens = |x: f64| unnormalised_beta(am1, bm1, x);
    let mode = if am1 + bm1 > 0.0 {
        am1 / (am1 + bm1)
    } else {
        0.5
    };
    (0..n)
        .map(|i| {
            let (l, r) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
            let (fl, fr) = (dens(l), dens(r));
            let hi = if (l..=r).contains(&mode) {
                dens(mode).max(fl).max(fr)
            } else {
                fl.max(fr)
            };
            (hi * (1.0 + 1e-9), (fl.min(fr) * (1.0 - 1e-9)).max(0.0))
        })
        .collect()
}

/// Walker's alias table over 2 x RBINS regions: region r < RBINS is the squeeze rectangle of bin
/// r (height lo, always accepted), region RBINS + r the cap of bin r (from lo up to hi).
fn region_table(bins: &[(f64, f64); RBINS]) -> Box<[Region; 2 * RBINS]> {
    let n = 2 * RBINS;
    let mass: Vec<f64> = (0..n)
        .map(|r| {
            let (hi, lo) = bins[r % RBINS];
            if r < RBINS { lo } else { (hi - lo).max(0.0) }
        })
        .collect();
    let total: f64 = mass.iter().sum();
    let mut scaled: Vec<f64> = mass.iter().map(|m| m * n as f64 / total).collect();
    let mut regions = Box::new([Region::default(); 2 * RBINS]);
    for (i, r) in regions.iter_mut().enumerate() {
        r.region = [i as u32; 2];
        r.threshold = COIN;
    }
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        regions[s].threshold = (scaled[s] * COIN as f64) as u64;
        regions[s].region[1] = l as u32;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    let width = 1.0 / RBINS as f64;
    for r in regions.iter_mut() {
        let counts = [r.threshold.max(1), (COIN - r.threshold).max(1)];
        r.off = r.region.map(|g| (g as usize % RBINS) as f64 * width);
        r.scale = counts.map(|c| width / c as f64);
    }
    regions
}

impl BetaTable {
    /// The table for Beta(a, b); `None` unless a >= 1 and b >= 1 (finite).
    pub fn new(a: f64, b: f64) -> Option<Self> {
        if !(a.is_finite() && b.is_finite() && a >= 1.0 && b >= 1.0) {
            return None;
        }
        let (am1, bm1) = (a - 1.0, b - 1.0);
        let dens = |x: f64| unnormalised_beta(am1, bm1, x);
        let mode = if am1 + bm1 > 0.0 {
            am1 / (am1 + bm1)
        } else {
            0.5
        };
        let mut bins = Box::new([Bin::default(); BINS]);
        for (i, bin) in bins.iter_mut().enumerate() {
            let (l, r) = (i as f64 / BINS as f64, (i + 1) as f64 / BINS as f64);
            let (fl, fr) = (dens(l), dens(r));
            let hi = if (l..=r).contains(&mode) {
                dens(mode).max(fl).max(fr)
            } else {
                fl.max(fr)
            };
            bin.hi = hi * (1.0 + 1e-9);
            bin.lo = fl.min(fr) * (1.0 - 1e-9);
        }
        // Walker's alias table over the bins' envelope masses (equal widths: mass ~ height).
        let total: f64 = bins.iter().map(|b| b.hi).sum();
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let mut scaled: Vec<f64> = bins.iter().map(|b| b.hi * BINS as f64 / total).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..BINS).partition(|&i| scaled[i] < 1.0);
        let full = 1u64 << 57;
        for (i, b) in bins.iter_mut().enumerate() {
            b.alias = i as u32;
            b.threshold = full;
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            bins[s].threshold = (scaled[s] * full as f64) as u64;
            bins[s].alias = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever remains (rounding) keeps its own bin.
        let mut rbins = Box::new([(0.0, 0.0); RBINS]);
        for (r, e) in rbins.iter_mut().zip(envelope(am1, bm1, RBINS)) {
            *r = e;
        }
        let regions = region_table(&rbins);
        Some(BetaTable {
            am1,
            bm1,
            bins,
            rbins,
            regions,
        })
    }

    /// One draw in (0, 1). The alias choice is a select, not a branch (it is a coin toss the
    /// processor cannot predict), and the density is evaluated out of line, only when the
    /// squeeze does not accept: the same words give the same draws as before.
    #[inline(always)]
    pub fn sample(&self, rng: &mut DrawRng) -> f64 {
        loop {
            let w = rng.word();
            let slot = (w >> (64 - BIN_BITS)) as usize & (BINS - 1);
            let coin = w & ((1u64 << 57) - 1);
            let b = &self.bins[slot];
            // slot when the coin falls below the threshold, else the alias: selected by masks.
            let alias = b.alias as usize & (BINS - 1);
            let keep = usize::from(coin < b.threshold).wrapping_neg();
            let bin = alias ^ ((slot ^ alias) & keep);
            let env = &self.bins[bin];
            // A second word gives the position in the bin (high 32 bits) and the acceptance
            // uniform (low 32 bits), each on the open interval (0, 1).
            let w2 = rng.word();
            let half = |bits: u64| (bits as f64 + 0.5) * (1.0 / 4_294_967_296.0);
            let x = (bin as f64 + half(w2 >> 32)) * (1.0 / BINS as f64);
            let v = half(w2 & 0xFFFF_FFFF) * env.hi;
            if v <= env.lo || self.under_density(x, v) {
                return x;
            }
        }
    }

    /// One draw in (0, 1) for format version 2: an envelope of 256 bins, each cut into its squeeze
    /// rectangle (always accepted) and its cap, chosen by Walker's alias method over the 512
    /// regions with one word: 9 bits choose the slot, 55 bits the coin, and the coin rescaled
    /// within the part it fell in (below or above the slot's threshold, each uniform) is the
    /// position in the bin, so a proposal in a rectangle costs one word. A proposal in a cap
    /// (a few per cent) takes a second word for its height and is tested against the density.
    #[inline(always)]
    pub fn sample_regions(&self, rng: &mut DrawRng) -> f64 {
        loop {
            let w = rng.word();
            let slot = (w >> (64 - REGION_BITS)) as usize & (2 * RBINS - 1);
            let coin = w & (COIN - 1);
            let r = &self.regions[slot];
            // 0: this slot's region (coin below the threshold), 1: its alias; no branch.
            let k = usize::from(coin >= r.threshold);
            let delta = coin - (r.threshold & 0u64.wrapping_sub(k as u64));
            let x = r.off[k] + (delta as f64 + 0.5) * r.scale[k];
            let region = r.region[k] as usize;
            if region < RBINS {
                return x;
            }
            let (hi, lo) = self.rbins[region % RBINS];
            let v = lo + (hi - lo) * rng.open01();
            if self.under_density(x, v) {
                return x;
            }
        }
    }

    /// Whether `v` lies under the density at `x` (the rare case the squeeze leaves open).
    #[cold]
    #[inline(never)]
    fn under_density(&self, x: f64, v: f64) -> bool {
        v <= unnormalised_beta(self.am1, self.bm1, x)
    }
}

/// x^(a-1) (1-x)^(b-1), with 0^0 = 1.
#[inline]
fn unnormalised_beta(am1: f64, bm1: f64, x: f64) -> f64 {
    let t = |e: f64, y: f64| {
        if e == 0.0 {
            0.0
        } else if y <= 0.0 {
            f64::NEG_INFINITY
        } else {
            e * y.ln()
        }
    };
    (t(am1, x) + t(bm1, 1.0 - x)).exp()
}

/// A distribution prepared for fast sampling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Triangular by inverse transform.
    Triangular {
        /// min.
        min: f64,
        /// max.
        max: f64,
        /// (mode - min) / (max - min).
        c: f64,
        /// (max - min)(mode - min).
        lo: f64,
        /// (max - min)(max - mode).
        hi: f64,
    },
    /// PERT: min + range x Beta(a, b), with the Beta table's index.
    Pert {
        /// min.
        min: f64,
        /// max - min.
        range: f64,
        /// Index into the shared Beta tables.
        table: usize,
    },
    /// Uniform.
    Uniform {
        /// min.
        min: f64,
        /// max - min.
        range: f64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Lognormal.
    Lognormal {
        /// Median.
        median: f64,
        /// Standard deviation of the log.
        sigma: f64,
    },
}

/// The samplers of a set of distributions and the Beta tables they share.
#[derive(Debug, Clone, Default)]
pub struct Samplers {
    tables: Vec<((u64, u64), BetaTable)>,
}

impl Samplers {
    /// Prepares a distribution (checked distributions only: see [`Dist::problem`]).
    pub fn prepare(&mut self, d: &Dist) -> Sampler {
        match *d {
            Dist::Triangular { min, mode, max, .. } => Sampler::Triangular {
                min,
                max,
                c: (mode - min) / (max - min),
                lo: (max - min) * (mode - min),
                hi: (max - min) * (max - mode),
            },
            Dist::Pert { min, mode, max, .. } => {
                let a = 1.0 + 4.0 * (mode - min) / (max - min);
                let b = 1.0 + 4.0 * (max - mode) / (max - min);
                let key = (a.to_bits(), b.to_bits());
                let table = match self.tables.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => match BetaTable::new(a, b) {
                        Some(t) => {
                            self.tables.push((key, t));
                            self.tables.len() - 1
                        }
                        // Unchecked parameters (min = max, not finite): no shape to sample.
                        None => {
                            return Sampler::Uniform {
                                min,
                                range: max - min,
                            };
                        }
                    },
                };
                Sampler::Pert {
                    min,
                    range: max - min,
                    table,
                }
            }
            Dist::Uniform { min, max, .. } => Sampler::Uniform {
                min,
                range: max - min,
            },
            Dist::Normal { mean, sd, .. } => Sampler::Normal { mean, sd },
            Dist::Lognormal { median, sigma, .. } => Sampler::Lognormal { median, sigma },
        }
    }

    /// One draw for each target input `(index, kind)`, written to `x[index]` clamped to its kind:
    /// the distribution is matched once for the whole run of targets.
    #[inline]
    pub fn fill(
        &self,
        s: &Sampler,
        targets: &[(usize, InputKind)],
        x: &mut [f64],
        rng: &mut DrawRng,
    ) {
        macro_rules! each {
            (|| $e:expr) => {
                for &(i, kind) in targets {
                    x[i] = clamp(kind, $e);
                }
            };
        }
        match *s {
            Sampler::Pert { min, range, table } => {
                let t = &self.tables[table].1;
                each!(|| min + range * t.sample(rng))
            }
            Sampler::Uniform { min, range } => each!(|| min + range * rng.open01()),
            _ => each!(|| self.sample(s, rng)),
        }
    }

    /// `out.len()` draws into `out`, clamped to `kind`: one tight loop per distribution.
    pub fn fill_slice(&self, s: &Sampler, kind: InputKind, out: &mut [f64], rng: &mut DrawRng) {
        // A support inside the kind's bounds needs no clamping.
        let inside = |lo: f64, hi: f64| match kind {
            InputKind::Rate => lo >= 0.0 && hi <= 1.0,
            InputKind::NonNegative => lo >= 0.0,
        };
        match *s {
            Sampler::Uniform { min, range } if inside(min, min + range) => {
                for x in out.iter_mut() {
                    *x = min + range * rng.open01();
                }
            }
            Sampler::Uniform { min, range } => {
                for x in out.iter_mut() {
                    *x = clamp(kind, min + range * rng.open01());
                }
            }
            Sampler::Pert { min, range, table } if inside(min, min + range) => {
                let t = &self.tables[table].1;
                for x in out.iter_mut() {
                    *x = min + range * t.sample_regions(rng);
                }
            }
            Sampler::Pert { min, range, table } => {
                let t = &self.tables[table].1;
                for x in out.iter_mut() {
                    *x = clamp(kind, min + range * t.sample_regions(rng));
                }
            }
            Sampler::Triangular {
                min,
                max,
                c,
                lo,
                hi,
            } => {
                for x in out.iter_mut() {
                    let u = rng.open01();
                    let v = if u < c {
                        min + (lo * u).sqrt()
                    } else {
                        max - (hi * (1.0 - u)).sqrt()
                    };
                    *x = clamp(kind, v);
                }
            }
            _ => {
                for x in out.iter_mut() {
                    *x = clamp(kind, self.sample(s, rng));
                }
            }
        }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, s: &Sampler, rng: &mut DrawRng) -> f64 {
        match *s {
            Sampler::Triangular {
                min,
                max,
                c,
                lo,
                hi,
            } => {
                let u = rng.open01();
                if u < c {
                    min + (lo * u).sqrt()
                } else {
                    max - (hi * (1.0 - u)).sqrt()
                }
            }
            Sampler::Pert { min, range, table } => min + range * self.tables[table].1.sample(rng),
            Sampler::Uniform { min, range } => min + range * rng.open01(),
            Sampler::Normal { mean, sd } => mean + sd * rng.normal(),
            Sampler::Lognormal { median, sigma } => median * (sigma * rng.normal()).exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integral of the unnormalised density on [0, x], by Simpson's rule.
    fn beta_integral(a: f64, b: f64, x: f64) -> f64 {
        let n = 20_000;
        let f = |t: f64| unnormalised_beta(a - 1.0, b - 1.0, t);
        let simpson = |lo: f64, hi: f64| {
            let h = (hi - lo) / n as f64;
            let mut s = f(lo) + f(hi);
            for i in 1..n {
                s += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
            }
            s * h / 3.0
        };
        simpson(0.0, x)
    }

    fn beta_cdf(a: f64, b: f64, x: f64) -> f64 {
        beta_integral(a, b, x) / beta_integral(a, b, 1.0)
    }

    #[test]
    fn beta_tables_reproduce_the_distribution() {
        for (a, b) in [(2.5, 3.5), (1.0, 5.0), (5.0, 1.0), (3.0, 3.0), (1.2, 4.8)] {
            let t = BetaTable::new(a, b).expect("table");
            let envelope = t.bins.iter().map(|b| b.hi).sum::<f64>() / BINS as f64;
            let acceptance = beta_integral(a, b, 1.0) / envelope;
            assert!(
                acceptance > 0.97 && acceptance < 1.0,
                "{acceptance} for {a},{b}"
            );
            let mut r = DrawRng::new(11);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| t.sample(&mut r)).collect();
            assert!(xs.iter().all(|x| *x > 0.0 && *x < 1.0));
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            let (em, ev) = (a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1.0)));
            assert!((m - em).abs() < 0.003, "mean {m} vs {em} for {a},{b}");
            assert!((v - ev).abs() < 0.05 * ev, "var {v} vs {ev} for {a},{b}");
            for q in [0.05, 0.2, 0.5, 0.8, 0.95] {
                let share = xs.iter().filter(|x| **x <= q).count() as f64 / n as f64;
                let want = beta_cdf(a, b, q);
                assert!(
                    (share - want).abs() < 0.005,
                    "F({q}) = {share} vs {want} for {a},{b}"
                );
            }
        }
        assert!(BetaTable::new(0.5, 2.0).is_none());
    }

    /// The version 2 region sampler draws the same distribution.
    #[test]
    fn region_tables_reproduce_the_distribution() {
        for (a, b) in [
            (2.5, 3.5),
            (1.0, 5.0),
            (5.0, 1.0),
            (3.0, 3.0),
            (1.2, 4.8),
            (1.0, 1.0),
        ] {
            let t = BetaTable::new(a, b).expect("table");
            let mut r = DrawRng::stream(11, 3);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| t.sample_regions(&mut r)).collect();
            assert!(xs.iter().all(|x| *x >= 0.0 && *x <= 1.0));
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            let (em, ev) = (a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1.0)));
            assert!((m - em).abs() < 0.003, "mean {m} vs {em} for {a},{b}");
            assert!((v - ev).abs() < 0.05 * ev, "var {v} vs {ev} for {a},{b}");
            for q in [0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99] {
                let share = xs.iter().filter(|x| **x <= q).count() as f64 / n as f64;
                let want = beta_cdf(a, b, q);
                assert!(
                    (share - want).abs() < 0.005,
                    "F({q}) = {share} vs {want} for {a},{b}"
                );
            }
        }
    }

    #[test]
    fn normal_pairs_have_the_right_moments_and_pert_tables_are_shared() {
        let mut r = DrawRng::new(5);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "{m} {v}");
        let lag1 = xs.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / n as f64;
        assert!(lag1.abs() < 0.01, "pairs are independent: {lag1}");
        let mut s = Samplers::default();
        let p = |min, mode, max| Dist::Pert {
            min,
            mode,
            max,
            point: None,
        };
        s.prepare(&p(0.0, 0.3, 1.0));
        s.prepare(&p(10.0, 13.0, 20.0));
        s.prepare(&p(0.0, 0.5, 1.0));
        assert_eq!(s.tables.len(), 2);
    }
}
