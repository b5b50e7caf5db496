//! The counting rules: greedy, and the Method of Equal Shares with cost utilities for approval
//! ballots (equalshares.net; Peters, Pierczyński and Skowron, "Proportional participatory
//! budgeting with additive utilities", NeurIPS 2021), with the "add one" completion and the
//! comparison step as equalshares.net describes them.
//!
//! Ties break in the published order: the lower cost, then more votes, then a lot drawn from a
//! recorded seed; with no seed a tie that matters is an error ([`RuleError::UnbrokenTie`]).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::profile::Profile;

/// A counting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    /// Most votes (points) first, skipping a project that no longer fits.
    #[serde(rename = "greedy")]
    Greedy,
    /// The Method of Equal Shares, each voter holding budget / voters, not completed.
    #[serde(rename = "equalshares")]
    EqualShares,
    /// The Method of Equal Shares with the add-one completion.
    #[serde(rename = "equalshares/add1")]
    EqualSharesAdd1,
    /// Add-one completion, then the comparison step with greedy.
    #[serde(rename = "equalshares/add1-comparison")]
    EqualSharesAdd1Comparison,
}

impl Rule {
    pub const ALL: [Rule; 4] = [
        Rule::Greedy,
        Rule::EqualShares,
        Rule::EqualSharesAdd1,
        Rule::EqualSharesAdd1Comparison,
    ];

    /// The rule's name as pabulib's `rule` META field writes it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Greedy => "greedy",
            Rule::EqualShares => "equalshares",
            Rule::EqualSharesAdd1 => "equalshares/add1",
            Rule::EqualSharesAdd1Comparison => "equalshares/add1-comparison",
        }
    }

    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == text.trim())
    }
}

/// How a tie left after cost and votes is broken: by lot from this seed, or (no seed) an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(
        "projects {} are tied (same support, cost and votes) and no seed for a lot was recorded: record a seed to break the tie by lot",
        .projects.join(", ")
    )]
    UnbrokenTie { projects: Vec<String> },
    #[error("the election has no voters")]
    NoVoters,
}

/// A lot drawn to break a tie.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotDraw {
    pub tied: Vec<String>,
    pub chosen: Vec<String>,
    pub seed: u64,
}

/// Money a project's voters paid towards a funded project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub project: String,
    pub amount: f64,
}

/// One project's result and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectResult {
    pub id: String,
    pub cost: u64,
    pub votes: u64,
    pub points: u64,
    pub selected: bool,
    /// 1 for the first project funded, and so on.
    pub order: Option<usize>,
    /// Votes for greedy; under Equal Shares the effective vote count (cost / the most any voter
    /// pays) when it was funded or last counted, 0 once its voters could no longer pay for it.
    pub effective_support: f64,
    /// For a project not funded under Equal Shares: the funded projects its voters' shares paid
    /// for, most first.
    pub shares_went_to: Vec<Share>,
}

/// The comparison step's count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub prefer_equal_shares: u64,
    pub prefer_greedy: u64,
    pub greedy_selected: Vec<String>,
    pub chose_greedy: bool,
}

/// What a rule gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub rule: Rule,
    /// Funded projects in the order they were funded.
    pub selected: Vec<String>,
    pub spent: u64,
    pub budget: u64,
    pub voters: u64,
    /// Equal Shares: each voter's share at the start of the final count (exact, `p/q`) and as a number.
    pub per_voter: Option<String>,
    pub per_voter_amount: Option<f64>,
    pub completion_steps: u64,
    pub projects: Vec<ProjectResult>,
    pub lots: Vec<LotDraw>,
    pub comparison: Option<Comparison>,
}

/// splitmix64: a small, fully specified generator, so a lot can be redrawn from its seed.
struct Draw(u64);
impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// The tied projects in a random order (sorted by id first, so the order depends on the seed only).
    fn shuffle(&mut self, p: &Profile, mut tied: Vec<usize>) -> Vec<usize> {
        tied.sort_by(|a, b| p.ids[*a].cmp(&p.ids[*b]));
        for i in (1..tied.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
            tied.swap(i, j);
        }
        tied
    }
}

/// Breaks a tie among `tied` (more than one), choosing `take` of them.
fn break_tie(
    p: &Profile,
    mut tied: Vec<usize>,
    take: usize,
    lot: &Lot,
    draw: &mut Draw,
    lots: &mut Vec<LotDraw>,
) -> Result<Vec<usize>, RuleError> {
    let min_cost = tied.iter().map(|&c| p.costs[c]).min().unwrap_or(0);
    tied.retain(|&c| p.costs[c] == min_cost);
    let max_votes = tied.iter().map(|&c| p.votes[c]).max().unwrap_or(0);
    tied.retain(|&c| p.votes[c] == max_votes);
    if tied.len() <= take {
        return Ok(tied);
    }
    let Some(seed) = lot.seed else {
        let mut projects: Vec<String> = tied.iter().map(|&c| p.ids[c].clone()).collect();
        projects.sort();
        return Err(RuleError::UnbrokenTie { projects });
    };
    let order = draw.shuffle(p, tied.clone());
    let chosen: Vec<usize> = order.into_iter().take(take).collect();
    let mut names: Vec<String> = tied.iter().map(|&c| p.ids[c].clone()).collect();
    names.sort();
    lots.push(LotDraw {
        tied: names,
        chosen: chosen.iter().map(|&c| p.ids[c].clone()).collect(),
        seed,
    });
    Ok(chosen)
}

/// Greedy: by points (votes for approval ballots), then lower cost, then lot; a project that no
/// longer fits is skipped.
pub fn greedy(p: &Profile, lot: &Lot) -> Result<(Vec<usize>, Vec<LotDraw>), RuleError> {
    let mut order: Vec<usize> = (0..p.ids.len()).filter(|&c| p.points[c] > 0).collect();
    order.sort_by(|&a, &b| {
        p.points[b]
            .cmp(&p.points[a])
            .then(p.costs[a].cmp(&p.costs[b]))
    });
    let mut draw = Draw(lot.seed.unwrap_or(0));
    let mut lots = Vec::new();
    let mut chosen = Vec::new();
    let mut left = p.budget;
    let mut i = 0;
    while i < order.len() {
        let c = order[i];
        let mut j = i + 1;
        while j < order.len()
            && p.points[order[j]] == p.points[c]
            && p.costs[order[j]] == p.costs[c]
        {
            j += 1;
        }
        let group: Vec<usize> = order[i..j].to_vec();
        let fit =
            usize::try_from(left.checked_div(p.costs[c]).unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
        let take = if fit >= group.len() {
            group
        } else if fit == 0 {
            Vec::new()
        } else {
            break_tie(p, group, fit, lot, &mut draw, &mut lots)?
        };
        for c in take {
            left -= p.costs[c];
            chosen.push(c);
        }
        i = j;
    }
    Ok((chosen, lots))
}

/// One run of Equal Shares with a fixed share per voter.
pub(crate) struct Run<A> {
    pub winners: Vec<usize>,
    pub last_support: Vec<Option<A>>,
    /// Per group: (winner, what each of its voters paid towards it).
    pub paid: Vec<Vec<(usize, A)>>,
    pub lots: Vec<LotDraw>,
}

/// Voters' money as classes of equal value: a group points at its class, so a project's
/// support is computed from the few distinct amounts its voters hold. Classes are ordered by a
/// floating approximation of their amount (cheap to sort); the exact amounts decide every
/// comparison, and an order the approximation got wrong near the result is redone exactly.
struct Purses<A> {
    values: Vec<A>,
    approx: Vec<f64>,
    population: Vec<u64>,
    class_of: Vec<u32>,
    count: Vec<u64>,
    touched: Vec<u32>,
}

impl<A: Amount> Purses<A> {
    fn new(p: &Profile, share: &A) -> Self {
        Purses {
            values: vec![share.clone()],
            approx: vec![share.to_f64()],
            population: vec![p.voters],
            class_of: vec![0; p.weights.len()],
            count: vec![0],
            touched: Vec::new(),
        }
    }

    fn add_class(&mut self, value: A) -> u32 {
        self.approx.push(value.to_f64());
        self.values.push(value);
        self.population.push(0);
        self.count.push(0);
        u32::try_from(self.values.len() - 1).unwrap_or(u32::MAX)
    }

    /// The effective vote count of project `c` and the most a voter pays for it, or None when its
    /// voters together cannot pay for it.
    fn support(&mut self, p: &Profile, c: usize) -> Option<(A, A)> {
        for &g in &p.approvers[c] {
            let k = self.class_of[g as usize] as usize;
            if self.count[k] == 0 {
                self.touched.push(u32::try_from(k).unwrap_or(u32::MAX));
            }
            self.count[k] += p.weights[g as usize];
        }
        let mut touched = std::mem::take(&mut self.touched);
        self.order_poorest_first(p.costs[c], &mut touched);
        let found = match self.split(p, c, &touched) {
            Ok(found) => found,
            Err(()) => {
                // The approximation misordered amounts next to the result: order them exactly.
                touched.sort_by(|&a, &b| self.values[a as usize].compare(&self.values[b as usize]));
                self.split(p, c, &touched).unwrap_or(None)
            }
        };
        for &k in &touched {
            self.count[k as usize] = 0;
        }
        touched.clear();
        self.touched = touched;
        found
    }

    /// Puts the classes that (by the approximation) cannot pay an equal part of `cost` first, in
    /// order of their amount; the rest follow in any order. Only those first need ordering, and
    /// they are few (most voters can pay), so they are taken from a heap one at a time.
    fn order_poorest_first(&self, cost: u64, touched: &mut Vec<u32>) {
        // Amounts are never negative, so the bits of an f64 order as the numbers do.
        let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>> = touched
            .iter()
            .map(|&k| std::cmp::Reverse((self.approx[k as usize].to_bits(), k)))
            .collect();
        let mut left: u64 = touched.iter().map(|&k| self.count[k as usize]).sum();
        let mut paid = 0.0;
        touched.clear();
        while let Some(std::cmp::Reverse((bits, k))) = heap.pop() {
            touched.push(k);
            let most = (cost as f64 - paid) / left.max(1) as f64;
            let value = f64::from_bits(bits);
            if value >= most * (1.0 - 1e-9) {
                break;
            }
            paid += value * self.count[k as usize] as f64;
            left -= self.count[k as usize];
        }
        touched.extend(heap.into_iter().map(|std::cmp::Reverse((_, k))| k));
    }

    /// Splits the cost of `c` over its voters' classes in the order given: those who cannot pay
    /// an equal part pay all they hold, the rest the same amount. Err when a class after the
    /// stopping point holds less than that amount (the order was wrong).
    fn split(&self, p: &Profile, c: usize, order: &[u32]) -> Result<Option<(A, A)>, ()> {
        let cost = A::from_u64(p.costs[c]);
        let mut paid = A::zero();
        let mut left: u64 = order.iter().map(|&k| self.count[k as usize]).sum();
        for (i, &k) in order.iter().enumerate() {
            let (value, n) = (&self.values[k as usize], self.count[k as usize]);
            if value.is_zero() {
                left -= n;
                continue;
            }
            let most = cost.minus(&paid).over(left);
            if most.compare(value) == Ordering::Greater {
                paid = paid.plus(&value.times(n));
                left -= n;
                continue;
            }
            let band = most.to_f64() * (1.0 + 1e-9);
            let misordered = order[i + 1..].iter().any(|&r| {
                self.approx[r as usize] <= band
                    && self.values[r as usize].compare(&most) == Ordering::Less
            });
            if misordered {
                return Err(());
            }
            return Ok(Some((cost.divided_by(&most), most)));
        }
        Ok(None)
    }

    /// Each voter of `c` pays `most`, or all they hold if less.
    fn pay(&mut self, p: &Profile, c: usize, most: &A, paid: Option<&mut Vec<Vec<(usize, A)>>>) {
        let mut moved: HashMap<u32, u32> = HashMap::new();
        let mut paid = paid;
        for &g in &p.approvers[c] {
            let old = self.class_of[g as usize];
            let value = self.values[old as usize].clone();
            let new = match moved.get(&old) {
                Some(&new) => new,
                None => {
                    let rest = if value.compare(most) == Ordering::Greater {
                        value.minus(most)
                    } else {
                        A::zero()
                    };
                    let new = self.add_class(rest);
                    moved.insert(old, new);
                    new
                }
            };
            let w = p.weights[g as usize];
            self.population[old as usize] -= w;
            self.population[new as usize] += w;
            self.class_of[g as usize] = new;
            if let Some(paid) = paid.as_deref_mut() {
                let amount = if value.compare(most) == Ordering::Greater {
                    most.clone()
                } else {
                    value
                };
                paid[g as usize].push((c, amount));
            }
        }
    }
}

/// Equal Shares with `share` for each voter. `detail` also records every payment and counts every
/// project each round (for the explanation).
pub(crate) fn equal_shares_fixed<A: Amount>(
    p: &Profile,
    share: &A,
    lot: &Lot,
    detail: bool,
) -> Result<Run<A>, RuleError> {
    let mut purses = Purses::new(p, share);
    let mut remaining: Vec<(usize, A)> = (0..p.ids.len())
        .filter(|&c| p.costs[c] > 0 && p.votes[c] > 0 && !p.approvers[c].is_empty())
        .map(|c| (c, A::from_u64(p.votes[c])))
        .collect();
    let mut run = Run {
        winners: Vec::new(),
        last_support: vec![None; p.ids.len()],
        paid: if detail {
            vec![Vec::new(); p.weights.len()]
        } else {
            Vec::new()
        },
        lots: Vec::new(),
    };
    let mut draw = Draw(lot.seed.unwrap_or(0));
    loop {
        remaining.sort_by(|a, b| b.1.compare(&a.1));
        let mut best: Vec<usize> = Vec::new();
        let mut best_support: Option<(A, A)> = None;
        let mut keep = Vec::with_capacity(remaining.len());
        for (c, previous) in std::mem::take(&mut remaining) {
            let beaten = best_support
                .as_ref()
                .is_some_and(|(b, _)| previous.compare(b) == Ordering::Less);
            if beaten && !detail {
                keep.push((c, previous));
                continue;
            }
            let Some((support, most)) = purses.support(p, c) else {
                run.last_support[c] = Some(A::zero());
                continue;
            };
            run.last_support[c] = Some(support.clone());
            match best_support.as_ref().map(|(b, _)| support.compare(b)) {
                None | Some(Ordering::Greater) => {
                    best = vec![c];
                    best_support = Some((support.clone(), most));
                }
                Some(Ordering::Equal) => best.push(c),
                Some(Ordering::Less) => {}
            }
            keep.push((c, support));
        }
        remaining = keep;
        let Some((support, _)) = best_support else {
            break;
        };
        let chosen = if best.len() > 1 {
            break_tie(p, best, 1, lot, &mut draw, &mut run.lots)?[0]
        } else {
            best[0]
        };
        let most = A::from_u64(p.costs[chosen]).divided_by(&support);
        purses.pay(p, chosen, &most, detail.then_some(&mut run.paid));
        run.winners.push(chosen);
        remaining.retain(|(c, _)| *c != chosen);
    }
    Ok(run)
}
