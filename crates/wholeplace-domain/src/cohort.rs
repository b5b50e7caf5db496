//! Cohorts: which families a partnership should work with, found by saved rules over their
//! needs, the agencies involved and their place, and Sherwood's two-driver score made
//! transparent (seed 003): the cost of existing interventions (the priced jigsaw, a year) and a
//! weighting of needs the partnership defines. Every score is the sum of parts that are shown;
//! there is no model behind it. Pure: the service passes in the families' current involvements.

use crate::ids::{AgencyId, HouseholdId, PlaceId};
use crate::money::Money;
use crate::taxonomy::Need;

/// A cohort's rules and weights.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CohortRules {
    /// The needs the rule counts.
    pub needs: Vec<Need>,
    /// How many of `needs` a family must have (0: any).
    pub min_needs: i64,
    /// An agency the family must be involved with, if any.
    pub agency: Option<AgencyId>,
    /// The place the family must live in, if any.
    pub place: Option<PlaceId>,
    /// Points for each £1,000 a year of existing interventions (the cost driver).
    pub cost_points_per_thousand: i64,
    /// Points for each need the family has (the needs driver); a need not listed scores 0.
    pub weights: Vec<(Need, i64)>,
}

/// One current involvement of a family, as the rules read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Involved {
    /// The agency.
    pub agency: AgencyId,
    /// The presenting need.
    pub need: Need,
    /// Its cost a year.
    pub annual_cost: Money,
}

/// A family as the rules read it: no name, no address, no person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The household.
    pub household: HouseholdId,
    /// Where it lives.
    pub place: Option<PlaceId>,
    /// Its members' current involvements.
    pub involvements: Vec<Involved>,
}

/// A family's score with every contribution, in hundredths of a point.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Score {
    /// The cost of existing interventions a year.
    pub annual_cost: Money,
    /// The cost driver's part: `annual_cost` / £1,000 x the points per £1,000.
    pub cost_part: i64,
    /// Each need the family has, with its weight's part (its weight, in hundredths).
    pub need_parts: Vec<(Need, i64)>,
    /// The needs of the rule the family has.
    pub rule_needs_met: i64,
    /// The sum of the parts.
    pub total: i64,
}

impl CohortRules {
    /// The family's distinct needs, in the taxonomy's order.
    fn needs_of(c: &Candidate) -> Vec<Need> {
        let mut needs: Vec<Need> = c.involvements.iter().map(|i| i.need).collect();
        needs.sort_by_key(|n| {
            crate::taxonomy::NEEDS
                .iter()
                .position(|(k, _)| *k == n.as_str())
        });
        needs.dedup();
        needs
    }

    /// Whether the family meets every rule.
    pub fn matches(&self, c: &Candidate) -> bool {
        let needs = Self::needs_of(c);
        let met = self.needs.iter().filter(|n| needs.contains(n)).count();
        i64::try_from(met).unwrap_or(i64::MAX) >= self.min_needs
            && self
                .agency
                .is_none_or(|a| c.involvements.iter().any(|i| i.agency == a))
            && self.place.is_none_or(|p| c.place == Some(p))
            && !c.involvements.is_empty()
    }

    /// The family's score: the cost part (rounded to the nearest hundredth of a point, halves
    /// up) plus the weight of each need it has.
    pub fn score(&self, c: &Candidate) -> Score {
        let pence: i128 = c
            .involvements
            .iter()
            .map(|i| i128::from(i.annual_cost.pence()))
            .sum();
        // pence / 100_000 pounds-thousands x points x 100 hundredths = pence x points / 1,000.
        let scaled = pence * i128::from(self.cost_points_per_thousand);
        let cost_part = i64::try_from((scaled + 500).div_euclid(1000)).unwrap_or(i64::MAX);
        let needs = Self::needs_of(c);
        let need_parts: Vec<(Need, i64)> = needs
            .iter()
            .map(|n| {
                let w = self
                    .weights
                    .iter()
                    .find(|(k, _)| k == n)
                    .map_or(0, |(_, w)| *w);
                (*n, w.saturating_mul(100))
            })
            .collect();
        let rule_needs_met = self.needs.iter().filter(|n| needs.contains(n)).count();
        let total = need_parts
            .iter()
            .fold(cost_part, |t, (_, p)| t.saturating_add(*p));
        Score {
            annual_cost: Money::from_pence(i64::try_from(pence).unwrap_or(i64::MAX)),
            cost_part,
            need_parts,
            rule_needs_met: i64::try_from(rule_needs_met).unwrap_or(i64::MAX),
            total,
        }
    }
}

/// Hundredths of a point as text: `1234` is `12.34`.
pub fn points_text(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", h / 100, h % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(k: &str) -> Need {
        Need::parse(k).expect("need")
    }

    fn family(place: i64, inv: &[(i64, &str, i64)]) -> Candidate {
        Candidate {
            household: HouseholdId::new(1),
            place: Some(PlaceId::new(place)),
            involvements: inv
                .iter()
                .map(|(a, n, p)| Involved {
                    agency: AgencyId::new(*a),
                    need: need(n),
                    annual_cost: Money::from_pence(*p),
                })
                .collect(),
        }
    }

    fn rules() -> CohortRules {
        CohortRules {
            needs: vec![need("parenting"), need("debt"), need("offending")],
            min_needs: 2,
            agency: Some(AgencyId::new(7)),
            place: Some(PlaceId::new(3)),
            cost_points_per_thousand: 2,
            weights: vec![(need("debt"), 5), (need("parenting"), 3)],
        }
    }

    #[test]
    fn rules_need_enough_needs_the_agency_and_the_place() {
        let r = rules();
        let f = family(3, &[(7, "parenting", 100), (8, "debt", 100)]);
        assert!(r.matches(&f));
        assert!(!r.matches(&family(4, &[(7, "parenting", 1), (8, "debt", 1)])));
        assert!(!r.matches(&family(3, &[(8, "parenting", 1), (8, "debt", 1)])));
        assert!(!r.matches(&family(3, &[(7, "parenting", 1), (7, "parenting", 1)])));
        assert!(!CohortRules::default().matches(&family(3, &[])));
    }

    #[test]
    fn a_score_is_the_sum_of_its_shown_parts() {
        // £12,345.67 a year at 2 points per £1,000 is 24.69 points; debt 5, parenting 3,
        // mental health unweighted.
        let f = family(
            3,
            &[
                (7, "debt", 1_000_000),
                (8, "parenting", 234_567),
                (8, "mental_health", 0),
            ],
        );
        let s = rules().score(&f);
        assert_eq!(s.annual_cost, Money::from_pence(1_234_567));
        assert_eq!(s.cost_part, 2469);
        assert_eq!(
            s.need_parts,
            vec![
                (need("parenting"), 300),
                (need("mental_health"), 0),
                (need("debt"), 500)
            ]
        );
        assert_eq!(s.rule_needs_met, 2);
        assert_eq!(s.total, 2469 + 800);
        assert_eq!(points_text(s.total), "32.69");
        assert_eq!(points_text(-5), "-0.05");
    }
}
