//! A rule run to its outcome: the add-one completion, the comparison step and the explanation.

use std::collections::HashMap;

use crate::amount::Amount;
use crate::profile::Profile;
use crate::rules::{
    Comparison, Lot, LotDraw, Outcome, ProjectResult, Rule, RuleError, Run, Share,
    equal_shares_fixed, greedy,
};

/// Whether every project someone voted for is funded (more money per voter cannot add any).
fn all_supported_funded(p: &Profile, chosen: &[usize]) -> bool {
    (0..p.ids.len()).all(|c| p.approvers[c].is_empty() || p.costs[c] == 0 || chosen.contains(&c))
}

/// Equal Shares completed by adding one currency unit to every voter's share at a time, for as
/// long as the next share's outcome stays within the budget (equalshares.net's "add1"; the
/// published results of Assen 2024, Świecie 2023 and Wieliczka 2023 are reproduced this way, the
/// last of them only without an extra stop at the first exhaustive outcome). Returns the final
/// run, its share and the number of steps taken.
fn add_one<A: Amount>(p: &Profile, lot: &Lot) -> Result<(Run<A>, A, u64), RuleError> {
    let mut share = A::ratio(p.budget, p.voters);
    let mut run = equal_shares_fixed(p, &share, lot, false)?;
    let mut steps = 0;
    // Once a share pays for every project alone no voter runs short, and once every project with
    // a voter is funded nothing can be added: either way more money changes nothing.
    let everything = A::from_u64(p.costs.iter().sum());
    while share.compare(&everything).is_lt() && !all_supported_funded(p, &run.winners) {
        let next = share.plus(&A::from_u64(1));
        let next_run = equal_shares_fixed(p, &next, lot, false)?;
        if p.cost_of(&next_run.winners) > p.budget {
            break;
        }
        share = next;
        run = next_run;
        steps += 1;
    }
    Ok((run, share, steps))
}

/// Voters who prefer each outcome: the one with more of the projects they voted for funded.
fn compare(p: &Profile, equal_shares: &[usize], greedy: &[usize]) -> (u64, u64) {
    let (mut prefer_es, mut prefer_greedy) = (0, 0);
    for (g, ballot) in p.ballots.iter().enumerate() {
        let es = ballot
            .iter()
            .filter(|c| equal_shares.contains(&(**c as usize)))
            .count();
        let gr = ballot
            .iter()
            .filter(|c| greedy.contains(&(**c as usize)))
            .count();
        match es.cmp(&gr) {
            std::cmp::Ordering::Greater => prefer_es += p.weights[g],
            std::cmp::Ordering::Less => prefer_greedy += p.weights[g],
            std::cmp::Ordering::Equal => {}
        }
    }
    (prefer_es, prefer_greedy)
}

/// Counts an election by `rule` in the arithmetic `A` (`Exact` or `Float`).
pub fn count<A: Amount>(p: &Profile, rule: Rule, lot: &Lot) -> Result<Outcome, RuleError> {
    if p.voters == 0 {
        return Err(RuleError::NoVoters);
    }
    if rule == Rule::Greedy {
        let (chosen, lots) = greedy(p, lot)?;
        return Ok(outcome(
            p,
            rule,
            &chosen,
            None::<&Run<A>>,
            None,
            0,
            lots,
            None,
        ));
    }
    let (run, share, steps) = match rule {
        Rule::EqualShares => (
            equal_shares_fixed(p, &A::ratio(p.budget, p.voters), lot, false)?,
            A::ratio(p.budget, p.voters),
            0,
        ),
        _ => add_one::<A>(p, lot)?,
    };
    // The final share counted again with every payment recorded, for the explanation.
    let detailed = equal_shares_fixed(p, &share, lot, true)?;
    debug_assert_eq!(detailed.winners, run.winners);
    let mut chosen = detailed.winners.clone();
    let mut lots = detailed.lots.clone();
    let mut comparison = None;
    if rule == Rule::EqualSharesAdd1Comparison {
        let (greedy_chosen, greedy_lots) = greedy(p, lot)?;
        let (prefer_es, prefer_greedy) = compare(p, &chosen, &greedy_chosen);
        let chose_greedy = prefer_greedy > prefer_es;
        comparison = Some(Comparison {
            prefer_equal_shares: prefer_es,
            prefer_greedy,
            greedy_selected: greedy_chosen.iter().map(|&c| p.ids[c].clone()).collect(),
            chose_greedy,
        });
        if chose_greedy {
            chosen = greedy_chosen;
            lots = greedy_lots;
        }
    }
    let used = comparison.as_ref().is_none_or(|c| !c.chose_greedy);
    Ok(outcome(
        p,
        rule,
        &chosen,
        used.then_some(&detailed),
        Some(&share),
        steps,
        lots,
        comparison,
    ))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one assembly of every part of the outcome"
)]
fn outcome<A: Amount>(
    p: &Profile,
    rule: Rule,
    chosen: &[usize],
    run: Option<&Run<A>>,
    share: Option<&A>,
    steps: u64,
    lots: Vec<LotDraw>,
    comparison: Option<Comparison>,
) -> Outcome {
    let order: HashMap<usize, usize> = chosen
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i + 1))
        .collect();
    let projects = (0..p.ids.len())
        .map(|c| {
            let support = match run {
                Some(run) => run.last_support[c].as_ref().map_or(0.0, Amount::to_f64),
                None => p.points[c] as f64,
            };
            let shares_went_to = match run {
                Some(run) if !order.contains_key(&c) => went_to(p, run, c),
                _ => Vec::new(),
            };
            ProjectResult {
                id: p.ids[c].clone(),
                cost: p.costs[c],
                votes: p.votes[c],
                points: p.points[c],
                selected: order.contains_key(&c),
                order: order.get(&c).copied(),
                effective_support: support,
                shares_went_to,
            }
        })
        .collect();
    Outcome {
        rule,
        selected: chosen.iter().map(|&c| p.ids[c].clone()).collect(),
        spent: p.cost_of(chosen),
        budget: p.budget,
        voters: p.voters,
        per_voter: share.map(Amount::to_text),
        per_voter_amount: share.map(Amount::to_f64),
        completion_steps: steps,
        projects,
        lots,
        comparison,
    }
}

/// What the voters of project `c` paid towards funded projects, most first.
fn went_to<A: Amount>(p: &Profile, run: &Run<A>, c: usize) -> Vec<Share> {
    let mut totals: Vec<Option<A>> = vec![None; p.ids.len()];
    for &g in &p.approvers[c] {
        for (w, amount) in &run.paid[g as usize] {
            let add = amount.times(p.weights[g as usize]);
            totals[*w] = Some(match &totals[*w] {
                Some(t) => t.plus(&add),
                None => add,
            });
        }
    }
    let mut shares: Vec<Share> = totals
        .into_iter()
        .enumerate()
        .filter_map(|(w, a)| a.filter(|a| !a.is_zero()).map(|a| (w, a)))
        .map(|(w, a)| Share {
            project: p.ids[w].clone(),
            amount: a.to_f64(),
        })
        .collect();
    shares.sort_by(|a, b| {
        b.amount
            .total_cmp(&a.amount)
            .then(a.project.cmp(&b.project))
    });
    shares
}
