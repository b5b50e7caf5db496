//! Ballot kinds and the check of one ballot: approval (a set of projects), knapsack (a set whose
//! cost stays within a limit) and cumulative points (a number of points spread over projects);
//! each with a minimum and a maximum number of projects, and the blank vote (taking part while
//! choosing nothing) allowed or not.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotKind {
    Approval,
    Knapsack,
    Cumulative,
}

impl BallotKind {
    pub const ALL: [BallotKind; 3] = [
        BallotKind::Approval,
        BallotKind::Knapsack,
        BallotKind::Cumulative,
    ];

    pub fn key(self) -> &'static str {
        match self {
            BallotKind::Approval => "approval",
            BallotKind::Knapsack => "knapsack",
            BallotKind::Cumulative => "cumulative",
        }
    }

    pub fn parse(text: &str) -> Option<BallotKind> {
        BallotKind::ALL.into_iter().find(|k| k.key() == text.trim())
    }

    /// pabulib's `vote_type` for the kind (a knapsack ballot is an approval ballot with a cost limit).
    pub fn vote_type(self) -> &'static str {
        match self {
            BallotKind::Approval | BallotKind::Knapsack => "approval",
            BallotKind::Cumulative => "cumulative",
        }
    }
}

/// What a ballot may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotRules {
    pub kind: BallotKind,
    pub min_projects: u32,
    pub max_projects: Option<u32>,
    /// Knapsack: the most the chosen projects may cost together.
    pub max_cost: Option<u64>,
    /// Cumulative: the points each voter spreads.
    pub points: Option<u64>,
    pub allow_blank: bool,
}

/// Why a ballot is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotProblem {
    #[error("`{0}` is not a project in this vote")]
    UnknownProject(String),
    #[error("`{0}` is chosen twice")]
    Repeated(String),
    #[error("choose at least {0} projects")]
    TooFew(u32),
    #[error("choose at most {0} projects")]
    TooMany(u32),
    #[error("the projects chosen cost {cost}, more than the {limit} allowed")]
    OverCost { cost: u64, limit: u64 },
    #[error("{given} points given, more than the {limit} each voter has")]
    TooManyPoints { given: u64, limit: u64 },
    #[error("give each project chosen at least one point")]
    ZeroPoints,
    #[error("a blank vote is not allowed here: choose at least one project")]
    BlankNotAllowed,
}

impl BallotRules {
    /// Checks one ballot: projects with their points (1 for approval and knapsack ballots). An
    /// empty ballot is a blank vote.
    pub fn check(
        &self,
        choice: &[(String, u64)],
        costs: &HashMap<String, u64>,
    ) -> Result<(), Vec<BallotProblem>> {
        let mut problems = Vec::new();
        if choice.is_empty() {
            return if self.allow_blank {
                Ok(())
            } else {
                Err(vec![BallotProblem::BlankNotAllowed])
            };
        }
        let mut seen = HashSet::new();
        let mut cost = 0;
        let mut points = 0;
        for (id, p) in choice {
            match costs.get(id) {
                None => problems.push(BallotProblem::UnknownProject(id.clone())),
                Some(c) => cost += c,
            }
            if !seen.insert(id) {
                problems.push(BallotProblem::Repeated(id.clone()));
            }
            if self.kind == BallotKind::Cumulative && *p == 0 {
                problems.push(BallotProblem::ZeroPoints);
            }
            points += p;
        }
        let n = u32::try_from(choice.len()).unwrap_or(u32::MAX);
        if n < self.min_projects {
            problems.push(BallotProblem::TooFew(self.min_projects));
        }
        if let Some(max) = self.max_projects.filter(|m| n > *m) {
            problems.push(BallotProblem::TooMany(max));
        }
        if let (BallotKind::Knapsack, Some(limit)) = (self.kind, self.max_cost)
            && cost > limit
        {
            problems.push(BallotProblem::OverCost { cost, limit });
        }
        if let (BallotKind::Cumulative, Some(limit)) = (self.kind, self.points)
            && points > limit
        {
            problems.push(BallotProblem::TooManyPoints {
                given: points,
                limit,
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs() -> HashMap<String, u64> {
        [("a", 100), ("b", 200), ("c", 300)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
    fn pick(ids: &[(&str, u64)]) -> Vec<(String, u64)> {
        ids.iter().map(|(i, p)| ((*i).to_string(), *p)).collect()
    }
    fn rules(kind: BallotKind) -> BallotRules {
        BallotRules {
            kind,
            min_projects: 1,
            max_projects: Some(2),
            max_cost: Some(350),
            points: Some(10),
            allow_blank: true,
        }
    }

    #[test]
    fn each_kind_refuses_what_it_must() {
        let c = costs();
        let approval = rules(BallotKind::Approval);
        assert!(approval.check(&pick(&[("a", 1), ("b", 1)]), &c).is_ok());
        assert_eq!(
            approval.check(&pick(&[("a", 1), ("b", 1), ("c", 1)]), &c),
            Err(vec![BallotProblem::TooMany(2)])
        );
        assert_eq!(
            approval.check(&pick(&[("z", 1)]), &c),
            Err(vec![BallotProblem::UnknownProject("z".into())])
        );
        assert_eq!(
            approval.check(&pick(&[("a", 1), ("a", 1)]), &c),
            Err(vec![BallotProblem::Repeated("a".into())])
        );
        let knapsack = rules(BallotKind::Knapsack);
        assert!(knapsack.check(&pick(&[("a", 1), ("b", 1)]), &c).is_ok());
        assert_eq!(
            knapsack.check(&pick(&[("b", 1), ("c", 1)]), &c),
            Err(vec![BallotProblem::OverCost {
                cost: 500,
                limit: 350
            }])
        );
        let cumulative = rules(BallotKind::Cumulative);
        assert!(cumulative.check(&pick(&[("a", 7), ("b", 3)]), &c).is_ok());
        assert_eq!(
            cumulative.check(&pick(&[("a", 7), ("b", 4)]), &c),
            Err(vec![BallotProblem::TooManyPoints {
                given: 11,
                limit: 10
            }])
        );
        assert_eq!(
            cumulative.check(&pick(&[("a", 0)]), &c),
            Err(vec![BallotProblem::ZeroPoints])
        );
    }

    #[test]
    fn a_blank_vote_counts_only_where_allowed() {
        let c = costs();
        let mut r = rules(BallotKind::Approval);
        assert!(r.check(&[], &c).is_ok());
        r.allow_blank = false;
        assert_eq!(r.check(&[], &c), Err(vec![BallotProblem::BlankNotAllowed]));
        r.min_projects = 2;
        assert_eq!(
            r.check(&pick(&[("a", 1)]), &c),
            Err(vec![BallotProblem::TooFew(2)])
        );
    }
}
