//! An election as the rules count it: projects with costs, and voters grouped by identical ballot
//! (a group's voters always hold the same money, so they are counted together).

use std::collections::HashMap;

use crate::pabulib::Election;

/// The counting view of an election.
#[derive(Debug, Clone)]
pub struct Profile {
    pub budget: u64,
    pub ids: Vec<String>,
    pub costs: Vec<u64>,
    /// Voters who voted for each project (its raw vote count).
    pub votes: Vec<u64>,
    /// Points given to each project (the votes for approval ballots).
    pub points: Vec<u64>,
    /// Voters in each group.
    pub weights: Vec<u64>,
    /// Projects each group voted for.
    pub ballots: Vec<Vec<u32>>,
    /// Groups that voted for each project.
    pub approvers: Vec<Vec<u32>>,
    pub voters: u64,
}

impl Profile {
    /// Builds the profile from a parsed election (blank ballots count as voters who approve nothing).
    pub fn from_election(e: &Election) -> Profile {
        let ballots = e.votes.iter().map(|v| {
            let points = v.points.clone().unwrap_or_else(|| vec![1; v.vote.len()]);
            (v.vote.as_slice(), points)
        });
        let ids: Vec<String> = e.projects.iter().map(|p| p.id.clone()).collect();
        let costs = e.projects.iter().map(|p| p.cost).collect();
        Self::build(e.budget(), ids, costs, ballots)
    }

    /// Builds a profile from project ids, costs and ballots (each a list of project ids with
    /// points). Ballot ids that name no project are ignored (callers check ballots first).
    pub fn build<'a, I>(budget: u64, ids: Vec<String>, costs: Vec<u64>, ballots: I) -> Profile
    where
        I: IntoIterator<Item = (&'a [String], Vec<u64>)>,
    {
        let index: HashMap<&str, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let m = ids.len();
        let mut votes = vec![0; m];
        let mut points = vec![0; m];
        let mut groups: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut weights: Vec<u64> = Vec::new();
        let mut sets: Vec<Vec<u32>> = Vec::new();
        let mut voters = 0;
        for (vote, pts) in ballots {
            voters += 1;
            let mut set = Vec::new();
            for (id, p) in vote
                .iter()
                .zip(pts.iter().copied().chain(std::iter::repeat(1)))
            {
                if let Some(&c) = index.get(id.as_str()) {
                    votes[c as usize] += 1;
                    points[c as usize] += p;
                    if p > 0 {
                        set.push(c);
                    }
                }
            }
            set.sort_unstable();
            set.dedup();
            let g = *groups.entry(set.clone()).or_insert_with(|| {
                weights.push(0);
                sets.push(set);
                weights.len() - 1
            });
            weights[g] += 1;
        }
        let mut approvers = vec![Vec::new(); m];
        for (g, set) in sets.iter().enumerate() {
            for &c in set {
                approvers[c as usize].push(u32::try_from(g).unwrap_or(u32::MAX));
            }
        }
        Profile {
            budget,
            ids,
            costs,
            votes,
            points,
            weights,
            ballots: sets,
            approvers,
            voters,
        }
    }

    pub fn cost_of(&self, projects: &[usize]) -> u64 {
        projects.iter().map(|&c| self.costs[c]).sum()
    }
}
