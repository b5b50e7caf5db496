//! The Fellegi-Sunter model: settings, training (u by random sampling, m by expectation
//! maximisation without labels over aggregated comparison patterns, the prior from deterministic
//! rules or from EM), scoring with term-frequency adjustments, and explanations (a waterfall of
//! every comparison's contribution to a pair's match weight).
//!
//! EM runs over the counts of distinct comparison vectors, not over pairs: one streaming pass
//! counts the patterns, after which each iteration costs microseconds. Scoring is a second
//! streaming pass that keeps only pairs above a probability floor.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{BlockingRule, Blocks, PairFilter, Task};
use crate::compare::{ComparisonSpec, Compiled, Ctx, Pred};
use crate::prepared::{FastMap, Memo, Need, Prepared};
use crate::records::Table;
use crate::rng::Rng;
use crate::{LinkageError, Progress};

/// Whether to deduplicate one population or link between sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    /// Every pair, within and across sources.
    #[default]
    Dedupe,
    /// Only pairs from different sources.
    Link,
}

/// How the prior (probability that two random records match) is estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum PriorMethod {
    /// Count pairs satisfying any deterministic rule and divide by their assumed recall.
    Deterministic {
        /// Rules (exact agreement on all parts).
        rules: Vec<BlockingRule>,
        /// Share of true matches the rules are assumed to find.
        recall: f64,
    },
    /// The expected number of matches among candidate pairs from EM.
    Em,
    /// A fixed value.
    Fixed {
        /// The probability.
        value: f64,
    },
}

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Training {
    /// Random pairs sampled to estimate u, at most: ten per record, at least 100,000 (an
    /// exact-match level's u is computed from the value counts instead).
    pub u_sample_pairs: u64,
    /// Seed for sampling.
    pub seed: u64,
    /// Maximum EM iterations.
    pub em_max_iterations: usize,
    /// Stop when no parameter moves more than this.
    pub em_tolerance: f64,
    /// Candidate pairs used for EM at most (blocks are sub-sampled deterministically beyond).
    pub em_max_pairs: u64,
    /// Prior estimation.
    pub prior: PriorMethod,
    /// EM training sessions: for each rule, m is estimated by EM (u fixed from random sampling)
    /// on the pairs that rule blocks, for the comparisons not on the rule's columns; each
    /// comparison's m is the mean over the sessions that estimated it. Empty: one EM over all
    /// candidate pairs with u free.
    pub em_sessions: Vec<BlockingRule>,
}

impl Default for Training {
    fn default() -> Self {
        Self {
            u_sample_pairs: 400_000,
            seed: 42,
            em_max_iterations: 100,
            em_tolerance: 1e-6,
            em_max_pairs: 1_000_000,
            prior: PriorMethod::Em,
            em_sessions: Vec::new(),
        }
    }
}

/// Everything that defines a linkage model apart from its fitted parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Dedupe or link.
    #[serde(default)]
    pub link_type: LinkType,
    /// Blocking rules whose candidate pairs are united.
    pub blocking: Vec<BlockingRule>,
    /// Comparisons.
    pub comparisons: Vec<ComparisonSpec>,
    /// Training parameters.
    #[serde(default)]
    pub training: Training,
    /// Blocks larger than this are skipped (reported).
    #[serde(default = "default_max_block")]
    pub max_block_size: usize,
}

fn default_max_block() -> usize {
    3000
}

/// One level's fitted parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    /// Label.
    pub label: String,
    /// Null level (no evidence).
    pub null: bool,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
}

impl LevelParams {
    /// Match weight in bits, `log2(m/u)`; 0 for the null level.
    #[must_use]
    pub fn weight(&self) -> f64 {
        if self.null {
            0.0
        } else {
            (self.m.max(1e-12) / self.u.max(1e-12)).log2()
        }
    }
}

/// A trained model: settings plus m, u per level and the prior. Serialisable, so it can be
/// saved and reused on new data without retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Settings it was trained with.
    pub settings: Settings,
    /// Per comparison, per level.
    pub params: Vec<Vec<LevelParams>>,
    /// Probability two random records match.
    pub prior: f64,
    /// Training diagnostics.
    pub diagnostics: Diagnostics,
}

/// What happened in training, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Diagnostics {
    /// EM iterations run.
    pub em_iterations: usize,
    /// Whether EM converged.
    pub em_converged: bool,
    /// Candidate pairs used in EM.
    pub em_pairs: u64,
    /// Estimated candidate pairs in total.
    pub candidate_pairs_estimate: f64,
    /// EM's share of matches among candidate pairs.
    pub em_match_share: f64,
    /// Random pairs sampled for u.
    pub u_pairs: u64,
    /// Total possible pairs.
    pub total_pairs: f64,
    /// Pairs found by the deterministic rules (when used).
    pub deterministic_pairs: Option<u64>,
}

impl Model {
    /// Prior weight in bits.
    #[must_use]
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }
}

/// Converts a match weight (bits, including the prior) to a probability.
#[must_use]
pub fn probability(weight: f64) -> f64 {
    let o = weight.exp2();
    if o.is_infinite() { 1.0 } else { o / (1.0 + o) }
}

/// Converts a probability to a match weight.
#[must_use]
pub fn weight_of(probability: f64) -> f64 {
    let p = probability.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// A scored candidate pair (record indices into the table, `a < b`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match weight in bits, prior included.
    pub weight: f64,
    /// The comparison levels, four bits per comparison.
    pub pattern: u64,
}

impl ScoredPair {
    /// Match probability.
    #[must_use]
    pub fn probability(&self) -> f64 {
        probability(self.weight)
    }
    /// The level of comparison `k`.
    #[must_use]
    pub fn level(&self, k: usize) -> u8 {
        ((self.pattern >> (4 * k)) & 0xF) as u8
    }
}

/// Histogram of match weights over all candidate pairs, in bins of 0.5 bits from -40 to +40.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightHistogram {
    /// Lower edge of the first bin.
    pub low: f64,
    /// Bin width.
    pub width: f64,
    /// Counts.
    pub counts: Vec<u64>,
}

impl Default for WeightHistogram {
    fn default() -> Self {
        Self {
            low: -40.0,
            width: 0.5,
            counts: vec![0; 160],
        }
    }
}

impl WeightHistogram {
    fn add(&mut self, w: f64) {
        let k = ((w - self.low) / self.width)
            .floor()
            .clamp(0.0, (self.counts.len() - 1) as f64) as usize;
        self.counts[k] += 1;
    }
    fn merge(mut self, o: &Self) -> Self {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self
    }
    /// Pairs with weight at least `w` (to bin resolution).
    #[must_use]
    pub fn at_least(&self, w: f64) -> u64 {
        let k = ((w - self.low) / self.width).floor().max(0.0) as usize;
        self.counts.iter().skip(k).sum()
    }
    /// Total pairs.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The result of scoring.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// Pairs with probability at least the floor, sorted by (a, b).
    pub pairs: Vec<ScoredPair>,
    /// All candidate pairs' weights.
    pub histogram: WeightHistogram,
    /// Candidate pairs scored.
    pub candidates: u64,
}

/// One comparison's contribution to a pair's weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Comparison name.
    pub comparison: String,
    /// Level label.
    pub level: String,
    /// The two values compared (as standardised).
    pub values: (String, String),
    /// m of the level.
    pub m: f64,
    /// u of the level.
    pub u: f64,
    /// `log2(m/u)`.
    pub weight: f64,
    /// Term-frequency adjustment in bits.
    pub tf_adjustment: f64,
}

/// A waterfall: the prior, then each comparison, summing to the final weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Source and id of each record.
    pub records: ((String, String), (String, String)),
    /// Prior weight in bits.
    pub prior_weight: f64,
    /// Contributions in comparison order.
    pub contributions: Vec<Contribution>,
    /// Final weight.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// The linkage engine bound to one table and one set of settings.
pub struct Linker<'t> {
    table: &'t Table,
    settings: Settings,
    compiled: Vec<Compiled>,
    blocks: Blocks,
    /// Interned values, postcode parts, day numbers and term frequencies.
    prep: Prepared,
    /// Per tf column index not prepared as text: frequency of each record's value.
    tf: HashMap<usize, Vec<f32>>,
    /// Canonical rank of each record (by source name, id), for order-independent sampling.
    canon: Vec<u32>,
    filter: PairFilter,
}

impl std::fmt::Debug for Linker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker")
            .field("records", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl<'t> Linker<'t> {
    /// Compiles settings against a table and builds the blocking index.
    ///
    /// # Errors
    /// When settings name unknown columns or are malformed.
    pub fn new(table: &'t Table, settings: &Settings) -> Result<Self, LinkageError> {
        if settings.comparisons.is_empty() || settings.comparisons.len() > 16 {
            return Err(LinkageError::Settings(
                "between 1 and 16 comparisons are needed".into(),
            ));
        }
        if settings.blocking.is_empty() {
            return Err(LinkageError::Settings(
                "at least one blocking rule is needed".into(),
            ));
        }
        if table.len() >= u32::MAX as usize {
            return Err(LinkageError::Settings("too many records".into()));
        }
        let mut compiled = settings
            .comparisons
            .iter()
            .map(|c| Compiled::new(table, c))
            .collect::<Result<Vec<_>, _>>()?;
        let blocks = Blocks::build(table, &settings.blocking, settings.max_block_size)?;
        let mut needs = vec![Need::default(); table.columns.len()];
        for c in &compiled {
            c.needs(table, &mut needs);
        }
        let prep = Prepared::build(table, &needs);
        for c in &mut compiled {
            c.prepare(table, &prep);
        }
        let mut tf = HashMap::new();
        for c in &compiled {
            for l in &c.levels {
                if let Some(col) = l.tf
                    && prep.text[col].is_none()
                    && !tf.contains_key(&col)
                {
                    tf.insert(col, term_frequencies(table, col));
                }
            }
        }
        let mut order: Vec<u32> = (0..table.len() as u32).collect();
        order.par_sort_by(|&x, &y| {
            (table.source_name(x as usize), table.id(x as usize), x).cmp(&(
                table.source_name(y as usize),
                table.id(y as usize),
                y,
            ))
        });
        let mut canon = vec![0u32; table.len()];
        for (r, &i) in order.iter().enumerate() {
            canon[i as usize] = r as u32;
        }
        let filter = PairFilter {
            cross_source_only: settings.link_type == LinkType::Link,
            new_from: 0,
        };
        Ok(Self {
            table,
            settings: settings.clone(),
            compiled,
            blocks,
            prep,
            tf,
            canon,
            filter,
        })
    }

    /// Restricts pairs to those involving at least one record at index `>= new_from`.
    pub fn only_pairs_with_records_from(&mut self, new_from: usize) {
        self.filter.new_from = new_from;
    }

    /// The table.
    #[must_use]
    pub fn table(&self) -> &Table {
        self.table
    }

    /// The blocking index (for statistics such as skipped blocks).
    #[must_use]
    pub fn blocks(&self) -> &Blocks {
        &self.blocks
    }

    fn cx(&self) -> Ctx<'_> {
        Ctx {
            t: self.table,
            p: &self.prep,
        }
    }

    /// The comparison pattern of a pair.
    #[must_use]
    pub fn pattern(&self, a: usize, b: usize) -> u64 {
        let cx = self.cx();
        let pr = cx.pair(a, b);
        let mut memo = Memo::default();
        let mut p = 0u64;
        for (k, c) in self.compiled.iter().enumerate() {
            p |= u64::from(c.level(&cx, &pr, &mut memo)) << (4 * k);
        }
        p
    }

    fn total_pairs(&self) -> f64 {
        let n = self.table.len() as f64;
        match self.settings.link_type {
            LinkType::Dedupe => n * (n - 1.0) / 2.0,
            LinkType::Link => {
                let mut counts = vec![0f64; self.table.sources.len()];
                for &s in &self.table.source {
                    counts[s as usize] += 1.0;
                }
                let sq: f64 = counts.iter().map(|c| c * c).sum();
                (n * n - sq) / 2.0
            }
        }
    }

    /// Estimates u for every level by comparing `pairs` random pairs.
    #[must_use]
    pub fn estimate_u(&self, pairs: u64, seed: u64) -> Vec<Vec<f64>> {
        let n = self.table.len();
        let mut by_rank = vec![0u32; n];
        for (i, &r) in self.canon.iter().enumerate() {
            by_rank[r as usize] = i as u32;
        }
        let chunks = 64u64;
        let per = pairs.div_ceil(chunks);
        let link = self.settings.link_type == LinkType::Link && self.table.sources.len() > 1;
        let cx = self.cx();
        let counts: Vec<Vec<u64>> = (0..chunks)
            .into_par_iter()
            .map(|ch| {
                let mut rng = Rng::stream(seed, ch);
                let mut counts: Vec<Vec<u64>> = self
                    .compiled
                    .iter()
                    .map(|c| vec![0u64; c.levels.len()])
                    .collect();
                if n < 2 {
                    return counts;
                }
                let mut done = 0;
                let mut attempts = 0;
                while done < per && attempts < per * 20 {
                    attempts += 1;
                    let a = by_rank[rng.index(n)] as usize;
                    let b = by_rank[rng.index(n)] as usize;
                    if a == b || (link && self.table.source[a] == self.table.source[b]) {
                        continue;
                    }
                    done += 1;
                    let mut memo = Memo::default();
                    let pr = cx.pair(a, b);
                    for (k, c) in self.compiled.iter().enumerate() {
                        counts[k][c.level(&cx, &pr, &mut memo) as usize] += 1;
                    }
                }
                counts
            })
            .reduce(
                || {
                    self.compiled
                        .iter()
                        .map(|c| vec![0u64; c.levels.len()])
                        .collect()
                },
                |mut x, y| {
                    for (a, b) in x.iter_mut().zip(&y) {
                        for (p, q) in a.iter_mut().zip(b) {
                            *p += q;
                        }
                    }
                    x
                },
            );
        counts
            .iter()
            .zip(&self.compiled)
            .map(|(cs, c)| {
                let non_null: u64 = cs
                    .iter()
                    .zip(&c.levels)
                    .filter(|(_, l)| !l.null)
                    .map(|(x, _)| *x)
                    .sum();
                let levels = c.levels.iter().filter(|l| !l.null).count().max(1) as f64;
                let mut u: Vec<f64> = cs
                    .iter()
                    .zip(&c.levels)
                    .map(|(&x, l)| {
                        if l.null {
                            0.0
                        } else {
                            (x as f64 + 0.5) / (non_null as f64 + 0.5 * levels)
                        }
                    })
                    .collect();
                // An exact-match first level's u is known exactly from the value counts: use
                // it, and share the rest among the other levels as sampled.
                let first = c.levels.iter().position(|l| !l.null);
                if let Some(f) = first
                    && let Pred::Exact(col) = c.levels[f].pred
                    && let Some(exact) = self.exact_u(col)
                    && u[f] < 1.0 - 1e-12
                {
                    let rest = (1.0 - exact) / (1.0 - u[f]);
                    for (l, x) in u.iter_mut().enumerate() {
                        if !c.levels[l].null {
                            *x = if l == f { exact.max(1e-12) } else { *x * rest };
                        }
                    }
                }
                u
            })
            .collect()
    }

    /// The probability that two random records (of different sources when linking), both
    /// having a value in `col`, have the same value; from the value counts. `None` when the
    /// column is not prepared or too few values are present.
    fn exact_u(&self, col: usize) -> Option<f64> {
        let slot = self.prep.text_slot[col].or(self.prep.date_slot[col])?;
        let link = self.settings.link_type == LinkType::Link && self.table.sources.len() > 1;
        let groups = if link { self.table.sources.len() } else { 1 };
        let mut counts: Vec<FastMap<u32, u64>> = vec![FastMap::default(); groups];
        for i in 0..self.table.len() {
            let v = self.prep.row(i)[slot];
            if v != 0 {
                let g = if link {
                    self.table.source[i] as usize
                } else {
                    0
                };
                *counts[g].entry(v).or_insert(0) += 1;
            }
        }
        // Integer arithmetic: exact, so independent of the order values were counted in.
        let sizes: Vec<u128> = counts
            .iter()
            .map(|m| m.values().map(|&c| u128::from(c)).sum())
            .collect();
        let (equal, total) = if link {
            let mut all: FastMap<u32, (u128, u128)> = FastMap::default();
            for m in &counts {
                for (&v, &c) in m {
                    let e = all.entry(v).or_insert((0, 0));
                    e.0 += u128::from(c);
                    e.1 += u128::from(c) * u128::from(c);
                }
            }
            let equal: u128 = all.values().map(|(s, sq)| (s * s - sq) / 2).sum();
            let m: u128 = sizes.iter().sum();
            let sq: u128 = sizes.iter().map(|x| x * x).sum();
            (equal, (m * m - sq) / 2)
        } else {
            let equal: u128 = counts[0]
                .values()
                .map(|&c| u128::from(c) * u128::from(c.saturating_sub(1)) / 2)
                .sum();
            (equal, sizes[0] * sizes[0].saturating_sub(1) / 2)
        };
        let (equal, total) = (equal as f64, total as f64);
        (total >= 1.0).then(|| equal / total)
    }

    fn run_tasks<A: Send>(
        &self,
        tasks: &[Task],
        progress: &dyn Progress,
        stage: &str,
        init: impl Fn() -> A + Sync + Send,
        work: impl Fn(&mut A, usize, usize) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        self.run_tasks_in(
            &self.blocks,
            tasks,
            None,
            progress,
            stage,
            init,
            work,
            merge,
        )
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "internal helper threading closures"
    )]
    fn run_tasks_in<A: Send>(
        &self,
        blocks: &Blocks,
        tasks: &[Task],
        keep: Option<&[bool]>,
        progress: &dyn Progress,
        stage: &str,
        init: impl Fn() -> A + Sync + Send,
        work: impl Fn(&mut A, usize, usize) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let total: u64 = tasks.iter().map(Blocks::task_pairs).sum();
        let done = AtomicU64::new(0);
        let step = (total / 20).max(1);
        progress.stage(stage, 0, total);
        tasks
            .par_iter()
            .fold(&init, |mut acc, t| {
                blocks.for_each_pair_among(self.table, t, self.filter, keep, |a, b| {
                    work(&mut acc, a, b);
                });
                let tp = Blocks::task_pairs(t);
                let before = done.fetch_add(tp, Ordering::Relaxed);
                if (before + tp) / step != before / step {
                    progress.stage(stage, before + tp, total);
                }
                acc
            })
            .reduce(&init, merge)
    }

    /// Counts the distinct comparison patterns over candidate pairs (sub-sampling blocks
    /// deterministically beyond `max_pairs`), returning sorted (pattern, count) and the sampled
    /// share of pairs.
    #[must_use]
    pub fn pattern_counts(
        &self,
        max_pairs: u64,
        progress: &dyn Progress,
    ) -> (Vec<(u64, u64)>, f64) {
        self.pattern_counts_in(&self.blocks, max_pairs, progress)
    }

    fn pattern_counts_in(
        &self,
        blocks: &Blocks,
        max_pairs: u64,
        progress: &dyn Progress,
    ) -> (Vec<(u64, u64)>, f64) {
        let tasks = blocks.tasks();
        let total: u64 = tasks.iter().map(Blocks::task_pairs).sum();
        // Beyond `max_pairs`, a deterministic sample spread over every block: the pairs among
        // a sample of records (each kept when a hash of its canonical rank, independent of
        // record order, falls below the square root of the share), so that only the sampled
        // pairs are visited.
        let share = if total > max_pairs {
            max_pairs as f64 / total as f64
        } else {
            1.0
        };
        let keep: Option<Vec<bool>> = (share < 1.0).then(|| {
            let cut = (share.sqrt() * u64::MAX as f64) as u64;
            self.canon
                .par_iter()
                .map(|&r| pair_hash(r, 0x5eed) <= cut)
                .collect()
        });
        let map = self.run_tasks_in(
            blocks,
            &tasks,
            keep.as_deref(),
            progress,
            "counting comparison patterns",
            FastMap::<u64, u64>::default,
            |m, a, b| *m.entry(self.pattern(a, b)).or_insert(0) += 1,
            |mut x, y| {
                for (k, v) in y {
                    *x.entry(k).or_insert(0) += v;
                }
                x
            },
        );
        let mut v: Vec<(u64, u64)> = map.into_iter().collect();
        v.sort_unstable();
        (v, share)
    }

    /// Counts pairs satisfying any of the deterministic rules (exact agreement on all parts).
    ///
    /// # Errors
    /// On unknown columns.
    pub fn count_deterministic(&self, rules: &[BlockingRule]) -> Result<u64, LinkageError> {
        let blocks = Blocks::build(self.table, rules, usize::MAX)?;
        let tasks = blocks.tasks();
        let filter = self.filter;
        Ok(tasks
            .par_iter()
            .map(|t| {
                let mut c = 0u64;
                blocks.for_each_pair(self.table, t, filter, |_, _| c += 1);
                c
            })
            .sum())
    }

    /// Trains a model: u by random sampling, m by EM on candidate pairs, and the prior.
    ///
    /// # Errors
    /// When deterministic rules name unknown columns.
    pub fn train(&self, progress: &dyn Progress) -> Result<Model, LinkageError> {
        let tr = &self.settings.training;
        let u_pairs = tr
            .u_sample_pairs
            .min((self.table.len() as u64 * 10).max(100_000));
        progress.stage("estimating u from random pairs", 0, u_pairs);
        let u_random = self.estimate_u(u_pairs, tr.seed);
        progress.stage("estimating u from random pairs", u_pairs, u_pairs);
        let (patterns, share) = self.pattern_counts(tr.em_max_pairs, progress);
        let mut em = em(
            &self.compiled,
            &self.settings.comparisons,
            &patterns,
            &u_random,
            tr.em_max_iterations,
            tr.em_tolerance,
            None,
        );
        let session_prior_matches = if tr.em_sessions.is_empty() {
            None
        } else {
            self.em_sessions(&mut em, &u_random, progress)?
        };
        progress.stage(
            "expectation maximisation",
            em.iterations as u64,
            em.iterations as u64,
        );
        let em_pairs: u64 = patterns.iter().map(|p| p.1).sum();
        let candidates = em_pairs as f64 / share.max(1e-12);
        let total = self.total_pairs().max(1.0);
        let mut diagnostics = Diagnostics {
            em_iterations: em.iterations,
            em_converged: em.converged,
            em_pairs,
            candidate_pairs_estimate: candidates,
            em_match_share: em.lambda,
            u_pairs,
            total_pairs: total,
            deterministic_pairs: None,
        };
        let prior = match &tr.prior {
            PriorMethod::Em => session_prior_matches.unwrap_or(em.lambda * candidates) / total,
            PriorMethod::Fixed { value } => *value,
            PriorMethod::Deterministic { rules, recall } => {
                let c = self.count_deterministic(rules)?;
                diagnostics.deterministic_pairs = Some(c);
                c as f64 / recall.clamp(0.01, 1.0) / total
            }
        };
        let prior = prior.clamp(1e-12, 0.5);
        let params = self
            .settings
            .comparisons
            .iter()
            .enumerate()
            .map(|(k, spec)| {
                spec.levels
                    .iter()
                    .enumerate()
                    .map(|(l, ls)| LevelParams {
                        label: ls.label.clone(),
                        null: ls.null,
                        m: ls.m.unwrap_or(em.m[k][l]),
                        u: ls.u.unwrap_or(u_random[k][l]),
                    })
                    .collect()
            })
            .collect();
        Ok(Model {
            settings: self.settings.clone(),
            params,
            prior,
            diagnostics,
        })
    }

    /// Runs EM again within each of the training's session rules (blind to the comparisons on
    /// the rule's columns) and replaces `em`'s m by the sessions' average; returns the number
    /// of matches in all pairs that the sessions estimate, if any does.
    fn em_sessions(
        &self,
        em: &mut EmResult,
        u_random: &[Vec<f64>],
        progress: &dyn Progress,
    ) -> Result<Option<f64>, LinkageError> {
        let mut sum: Vec<Vec<f64>> = em.m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut n = vec![0f64; self.compiled.len()];
        let mut session_matches: Vec<(f64, Vec<bool>, f64)> = Vec::new();
        for rule in &self.settings.training.em_sessions {
            let Some(s) = self.em_session(rule, u_random, progress)? else {
                // No pairs (the rule's columns are empty): nothing to learn here.
                continue;
            };
            let r = &s.em;
            // Each session's m counts in proportion to the matches it saw.
            let weight = if r.lambda * s.counted >= MIN_SESSION_MATCHES {
                1.0
            } else {
                0.0
            };
            for k in 0..self.compiled.len() {
                if !s.excluded[k] && weight > 0.0 {
                    n[k] += weight;
                    for (a, b) in sum[k].iter_mut().zip(&r.m[k]) {
                        *a += weight * b;
                    }
                }
            }
            em.iterations += r.iterations;
            em.converged &= r.converged;
            session_matches.push((r.lambda * s.pairs, s.excluded, s.present * s.present));
        }
        for k in 0..self.compiled.len() {
            if n[k] > 0.0 {
                em.m[k] = sum[k].iter().map(|x| x / n[k]).collect();
            }
        }
        // Matches in all pairs: each session's expected matches divided by the share of
        // matches that agree exactly on the session's rule (the exact levels' m).
        let estimates: Vec<f64> = session_matches
            .iter()
            .filter(|(_, _, both_present)| *both_present >= 0.5)
            .filter_map(|(found, excl, _)| {
                let agree: f64 = (0..self.compiled.len())
                    .filter(|&k| excl[k])
                    .map(|k| {
                        let first = (0..self.compiled[k].levels.len())
                            .find(|&l| !self.compiled[k].levels[l].null)
                            .unwrap_or(0);
                        em.m[k][first]
                    })
                    .product::<f64>();
                (agree > 0.05).then(|| found / agree)
            })
            .collect();
        Ok((!estimates.is_empty()).then(|| estimates.iter().sum::<f64>() / estimates.len() as f64))
    }

    /// EM on the candidate pairs of one session rule, blind to the comparisons on the rule's
    /// columns; `None` when the rule finds no pairs.
    fn em_session(
        &self,
        rule: &BlockingRule,
        u_random: &[Vec<f64>],
        progress: &dyn Progress,
    ) -> Result<Option<Session>, LinkageError> {
        let tr = &self.settings.training;
        let blocks = Blocks::build(
            self.table,
            std::slice::from_ref(rule),
            self.settings.max_block_size,
        )?;
        let cols: Vec<String> = rule.0.iter().map(|p| p.column.clone()).collect();
        let excluded: Vec<bool> = self
            .settings
            .comparisons
            .iter()
            .map(|c| {
                c.levels
                    .iter()
                    .any(|l| pred_columns(&l.when).iter().any(|x| cols.contains(x)))
            })
            .collect();
        let (pats, sh) = self.pattern_counts_in(&blocks, tr.em_max_pairs, progress);
        let counted = pats.iter().map(|p| p.1 as f64).sum::<f64>();
        if counted == 0.0 {
            return Ok(None);
        }
        let session_pairs = counted / sh.max(1e-12);
        // Share of records with every column of the rule: a match can agree on the
        // rule only when both records have them.
        let rule_cols: Vec<usize> = cols
            .iter()
            .filter_map(|c| self.table.column_index(c))
            .collect();
        let present = (0..self.table.len())
            .filter(|&i| rule_cols.iter().all(|&c| !self.table.columns[c].is_null(i)))
            .count() as f64
            / self.table.len().max(1) as f64;
        let r = self::em(
            &self.compiled,
            &self.settings.comparisons,
            &pats,
            u_random,
            tr.em_max_iterations,
            tr.em_tolerance,
            Some(&excluded),
        );
        Ok(Some(Session {
            em: r,
            counted,
            pairs: session_pairs,
            excluded,
            present,
        }))
    }

    /// A model from fixed parameters in the settings (levels' `m` and `u`), as imported from
    /// Splink, with a given prior.
    ///
    /// # Errors
    /// When a non-null level lacks m or u.
    pub fn fixed_model(&self, prior: f64) -> Result<Model, LinkageError> {
        let params = self
            .settings
            .comparisons
            .iter()
            .map(|spec| {
                spec.levels
                    .iter()
                    .map(|ls| {
                        if ls.null {
                            return Ok(LevelParams {
                                label: ls.label.clone(),
                                null: true,
                                m: 0.0,
                                u: 0.0,
                            });
                        }
                        match (ls.m, ls.u) {
                            (Some(m), Some(u)) => Ok(LevelParams {
                                label: ls.label.clone(),
                                null: false,
                                m,
                                u,
                            }),
                            _ => Err(LinkageError::Settings(format!(
                                "level `{}` of `{}` has no m or u probability",
                                ls.label, spec.name
                            ))),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Model {
            settings: self.settings.clone(),
            params,
            prior,
            diagnostics: Diagnostics::default(),
        })
    }

    fn weight_tables(&self, model: &Model) -> Vec<Vec<f64>> {
        model
            .params
            .iter()
            .map(|ls| ls.iter().map(LevelParams::weight).collect())
            .collect()
    }

    fn tf_adjust(&self, model: &Model, k: usize, level: usize, a: usize, b: usize) -> f64 {
        let l = &self.compiled[k].levels[level];
        let Some(col) = l.tf else { return 0.0 };
        let (fa, fb) = if let (Some(x), Some(s)) = (&self.prep.text[col], self.prep.text_slot[col])
        {
            (
                x.frequency[self.prep.row(a)[s] as usize],
                x.frequency[self.prep.row(b)[s] as usize],
            )
        } else if let Some(freqs) = self.tf.get(&col) {
            (freqs[a], freqs[b])
        } else {
            return 0.0;
        };
        let spec = &self.settings.comparisons[k].levels[level];
        let f = f64::from(fa.max(fb)).max(1.0 / self.table.len().max(1) as f64);
        let u = model.params[k][level].u;
        spec.tf_weight * (u / f).log2()
    }

    fn score_pair(
        &self,
        model: &Model,
        weights: &[Vec<f64>],
        prior_w: f64,
        a: usize,
        b: usize,
    ) -> (f64, u64) {
        let cx = self.cx();
        let pr = cx.pair(a, b);
        let mut memo = Memo::default();
        let mut w = prior_w;
        let mut p = 0u64;
        for (k, c) in self.compiled.iter().enumerate() {
            let l = c.level(&cx, &pr, &mut memo) as usize;
            p |= (l as u64) << (4 * k);
            w += weights[k][l];
            if c.levels[l].tf.is_some() {
                w += self.tf_adjust(model, k, l, a, b);
            }
        }
        (w, p)
    }

    /// Scores one pair.
    #[must_use]
    pub fn score(&self, model: &Model, a: usize, b: usize) -> ScoredPair {
        let weights = self.weight_tables(model);
        let (w, p) = self.score_pair(model, &weights, model.prior_weight(), a, b);
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        ScoredPair {
            a: a as u32,
            b: b as u32,
            weight: w,
            pattern: p,
        }
    }

    /// Scores every candidate pair, keeping those with probability at least `floor`.
    #[must_use]
    pub fn predict(&self, model: &Model, floor: f64, progress: &dyn Progress) -> Prediction {
        let weights = self.weight_tables(model);
        let prior_w = model.prior_weight();
        let min_w = weight_of(floor);
        let tasks = self.blocks.tasks();
        let (mut pairs, histogram, candidates) = self.run_tasks(
            &tasks,
            progress,
            "scoring candidate pairs",
            || (Vec::new(), WeightHistogram::default(), 0u64),
            |acc, a, b| {
                let (w, p) = self.score_pair(model, &weights, prior_w, a, b);
                acc.1.add(w);
                acc.2 += 1;
                if w >= min_w {
                    acc.0.push(ScoredPair {
                        a: a as u32,
                        b: b as u32,
                        weight: w,
                        pattern: p,
                    });
                }
            },
            |mut x, y| {
                x.0.extend(y.0);
                (x.0, x.1.merge(&y.1), x.2 + y.2)
            },
        );
        pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
        Prediction {
            pairs,
            histogram,
            candidates,
        }
    }

    /// The waterfall for one pair.
    #[must_use]
    pub fn explain(&self, model: &Model, a: usize, b: usize) -> Explanation {
        let prior_w = model.prior_weight();
        let mut total = prior_w;
        let mut contributions = Vec::new();
        let cx = self.cx();
        let pr = cx.pair(a, b);
        let mut memo = Memo::default();
        for (k, c) in self.compiled.iter().enumerate() {
            let l = c.level(&cx, &pr, &mut memo) as usize;
            let lp = &model.params[k][l];
            let tf = if c.levels[l].tf.is_some() {
                self.tf_adjust(model, k, l, a, b)
            } else {
                0.0
            };
            let w = lp.weight();
            total += w + tf;
            let col = first_column(&c.levels[0].pred)
                .or_else(|| c.levels.iter().find_map(|x| first_column(&x.pred)));
            let values = col.map_or((String::new(), String::new()), |col| {
                (
                    self.table.columns[col].text(a).into_owned(),
                    self.table.columns[col].text(b).into_owned(),
                )
            });
            contributions.push(Contribution {
                comparison: self.settings.comparisons[k].name.clone(),
                level: lp.label.clone(),
                values,
                m: lp.m,
                u: lp.u,
                weight: w,
                tf_adjustment: tf,
            });
        }
        Explanation {
            records: (
                (
                    self.table.source_name(a).to_owned(),
                    self.table.id(a).to_owned(),
                ),
                (
                    self.table.source_name(b).to_owned(),
                    self.table.id(b).to_owned(),
                ),
            ),
            prior_weight: prior_w,
            contributions,
            weight: total,
            probability: probability(total),
        }
    }
}

fn first_column(p: &Pred<usize>) -> Option<usize> {
    match p {
        Pred::Else => None,
        Pred::Null(c)
        | Pred::Exact(c)
        | Pred::CrossExact(c, _)
        | Pred::JaroWinkler(c, _)
        | Pred::Jaro(c, _)
        | Pred::Levenshtein(c, _)
        | Pred::Damerau(c, _)
        | Pred::Alternatives(c)
        | Pred::Swapped(c, _)
        | Pred::DateTransposed(c)
        | Pred::DateWithinDays(c, _)
        | Pred::PostcodeSector(c)
        | Pred::PostcodeDistrict(c)
        | Pred::PostcodeArea(c)
        | Pred::NumberWithin(c, _)
        | Pred::NumberWithinPercent(c, _)
        | Pred::DiceAtLeast(c, _) => Some(*c),
        Pred::And(v) | Pred::Or(v) => v.iter().find_map(first_column),
        Pred::Not(q) => first_column(q),
    }
}

fn pred_columns(p: &Pred<String>) -> Vec<String> {
    let mut v = Vec::new();
    let _ = p.try_map(&mut |c: &String| -> Result<(), ()> {
        v.push(c.clone());
        Ok(())
    });
    v
}

fn term_frequencies(table: &Table, col: usize) -> Vec<f32> {
    let c = &table.columns[col];
    let mut counts: HashMap<std::borrow::Cow<'_, str>, u32> = HashMap::new();
    let mut non_null = 0u32;
    for i in 0..table.len() {
        if !c.is_null(i) {
            *counts.entry(c.text(i)).or_insert(0) += 1;
            non_null += 1;
        }
    }
    let n = f64::from(non_null.max(1));
    (0..table.len())
        .map(|i| {
            if c.is_null(i) {
                0.0
            } else {
                (f64::from(counts[&c.text(i)]) / n) as f32
            }
        })
        .collect()
}

/// An EM session whose blocks hold fewer expected matches than this teaches too little about
/// m to count (an identifier column that is nearly empty, say).
const MIN_SESSION_MATCHES: f64 = 200.0;

/// A well-mixed hash of two record ranks.
fn pair_hash(x: u32, y: u32) -> u64 {
    let mut z = (u64::from(x) << 32 | u64::from(y)) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct EmResult {
    m: Vec<Vec<f64>>,
    lambda: f64,
    iterations: usize,
    converged: bool,
}

/// What EM within one session rule found.
struct Session {
    em: EmResult,
    /// Pairs counted (sampled).
    counted: f64,
    /// Candidate pairs of the rule (estimated from the sample).
    pairs: f64,
    /// Per comparison: whether it reads a column of the rule (and was left out).
    excluded: Vec<bool>,
    /// Share of records with every column of the rule.
    present: f64,
}

/// Expectation maximisation over pattern counts: estimates m (and, internally, u among
/// candidate pairs, which blocking makes different from u over all pairs) and the share of
/// matches, assuming comparisons independent given match status.
fn em(
    compiled: &[Compiled],
    specs: &[ComparisonSpec],
    patterns: &[(u64, u64)],
    u_random: &[Vec<f64>],
    max_iter: usize,
    tol: f64,
    fixed_u_excluding: Option<&[bool]>,
) -> EmResult {
    let skip = |k: usize| fixed_u_excluding.is_some_and(|e| e[k]);
    let nc = compiled.len();
    let mut m: Vec<Vec<f64>> = compiled
        .iter()
        .map(|c| {
            let non_null: Vec<usize> = (0..c.levels.len()).filter(|&l| !c.levels[l].null).collect();
            let mut v = vec![0.0; c.levels.len()];
            // Initial m: most mass on the strongest level, decreasing geometrically.
            let mut mass = 0.0;
            for (r, &l) in non_null.iter().enumerate() {
                v[l] = if r == 0 {
                    0.9
                } else {
                    0.1 * 0.5f64.powi(r as i32)
                };
                mass += v[l];
            }
            for x in &mut v {
                *x /= mass.max(1e-12);
            }
            v
        })
        .collect();
    let mut u: Vec<Vec<f64>> = u_random.to_vec();
    let fixed_m: Vec<Vec<Option<f64>>> = specs
        .iter()
        .map(|s| s.levels.iter().map(|l| l.m).collect())
        .collect();
    for (k, row) in fixed_m.iter().enumerate() {
        for (l, f) in row.iter().enumerate() {
            if let Some(x) = f {
                m[k][l] = *x;
            }
        }
    }
    let mut lambda = 0.1;
    let levels_of = |p: u64, k: usize| ((p >> (4 * k)) & 0xF) as usize;
    let mut iterations = 0;
    let mut converged = false;
    let total: f64 = patterns.iter().map(|p| p.1 as f64).sum();
    if total == 0.0 {
        return EmResult {
            m,
            lambda: 0.0,
            iterations: 0,
            converged: true,
        };
    }
    for _ in 0..max_iter {
        iterations += 1;
        let mut mc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut uc: Vec<Vec<f64>> = u.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut matches = 0.0;
        for &(p, count) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for k in 0..nc {
                let l = levels_of(p, k);
                if compiled[k].levels[l].null || skip(k) {
                    continue;
                }
                pm *= m[k][l].max(1e-300);
                pu *= u[k][l].max(1e-300);
            }
            let post = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let c = count as f64;
            matches += c * post;
            for k in 0..nc {
                let l = levels_of(p, k);
                mc[k][l] += c * post;
                uc[k][l] += c * (1.0 - post);
            }
        }
        let mut delta: f64 = 0.0;
        for k in 0..nc {
            let nn = |v: &Vec<f64>| {
                v.iter()
                    .enumerate()
                    .filter(|(l, _)| !compiled[k].levels[*l].null)
                    .map(|(_, x)| *x)
                    .sum::<f64>()
            };
            let (sm, su) = (nn(&mc[k]), nn(&uc[k]));
            for l in 0..m[k].len() {
                if compiled[k].levels[l].null {
                    continue;
                }
                if fixed_m[k][l].is_none() {
                    let new_m = if sm > 0.0 {
                        (mc[k][l] / sm).max(1e-9)
                    } else {
                        m[k][l]
                    };
                    delta = delta.max((new_m - m[k][l]).abs());
                    m[k][l] = new_m;
                }
                if fixed_u_excluding.is_none() {
                    let new_u = if su > 0.0 {
                        (uc[k][l] / su).max(1e-9)
                    } else {
                        u[k][l]
                    };
                    u[k][l] = new_u;
                }
            }
        }
        let new_lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        delta = delta.max((new_lambda - lambda).abs());
        lambda = new_lambda;
        if delta < tol {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        lambda,
        iterations,
        converged,
    }
}
