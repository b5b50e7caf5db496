//! The cost of As Is (today's service use priced with unit costs) and of doing nothing (a Markov
//! cohort projection of service use with escalation), by agency and year, in the price base.

use crate::model::{AsIsLine, DoingNothing};
use crate::price::{DeflatorSeries, Priced};
use crate::unitcost::UnitCostLibrary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wholeplace_domain::FinancialYear;

/// One priced As Is line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsIsRow {
    /// What happens.
    pub name: String,
    /// Unit cost code.
    pub code: String,
    /// Theme of the unit cost.
    pub theme: String,
    /// Events per year x quantity.
    pub units_per_year: f64,
    /// Fiscal cost per year (price base).
    pub fiscal: f64,
    /// Of which transfer payments.
    pub transfer: f64,
    /// Economic cost per year.
    pub economic: f64,
    /// Social cost per year.
    pub social: f64,
}

/// The annual cost of As Is in the price base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsIsCost {
    /// Price base.
    pub price_base: FinancialYear,
    /// Each line.
    pub rows: Vec<AsIsRow>,
    /// Fiscal cost per year by agency.
    pub by_agency: BTreeMap<String, f64>,
    /// Total (fiscal + economic + social) per year by theme.
    pub by_theme: BTreeMap<String, f64>,
    /// Fiscal only.
    pub fiscal_total: f64,
    /// Fiscal + economic + social.
    pub total: f64,
}

/// Prices current service use. Errors name the line and say how to fix it.
pub fn cost_as_is(
    lines: &[AsIsLine],
    library: &UnitCostLibrary,
    deflators: &DeflatorSeries,
    price_base: FinancialYear,
) -> Result<AsIsCost, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = AsIsCost {
        price_base,
        rows: Vec::new(),
        by_agency: BTreeMap::new(),
        by_theme: BTreeMap::new(),
        fiscal_total: 0.0,
        total: 0.0,
    };
    for (i, l) in lines.iter().enumerate() {
        let Some(uc) = library.get(&l.unit_cost) else {
            errors.push(format!(
                "as_is #{} ({}): {}",
                i + 1,
                l.name,
                crate::prepare::unknown_code(library, &l.unit_cost)
            ));
            continue;
        };
        let units = l.events_per_year * l.quantity;
        let up = |p: Priced| deflators.uprate(p, price_base).map(|v| v.pounds * units);
        let mut row = AsIsRow {
            name: l.name.clone(),
            code: uc.code.clone(),
            theme: uc.theme.clone(),
            units_per_year: units,
            fiscal: 0.0,
            transfer: 0.0,
            economic: 0.0,
            social: 0.0,
        };
        let mut fail = |e: crate::price::PriceError| {
            errors.push(format!("as_is #{} ({}): {e}", i + 1, l.name))
        };
        for fp in &uc.fiscal_parts {
            match up(fp.value) {
                Ok(v) => {
                    row.fiscal += v;
                    if fp.transfer {
                        row.transfer += v;
                    }
                    let agency = l.agency.clone().unwrap_or_else(|| fp.agency.clone());
                    *out.by_agency.entry(agency).or_insert(0.0) += v;
                }
                Err(e) => fail(e),
            }
        }
        if let Some(e) = uc.economic {
            match up(e) {
                Ok(v) => row.economic = v,
                Err(e) => fail(e),
            }
        }
        if let Some(s) = uc.social {
            match up(s) {
                Ok(v) => row.social = v,
                Err(e) => fail(e),
            }
        }
        let all = row.fiscal + row.economic + row.social;
        *out.by_theme.entry(uc.theme.clone()).or_insert(0.0) += all;
        out.fiscal_total += row.fiscal;
        out.total += all;
        out.rows.push(row);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks a doing-nothing projection: names, probabilities (each row sums to at most 1; the rest
/// stays), costs. Returns every problem.
pub fn check_doing_nothing(dn: &DoingNothing, library: &UnitCostLibrary) -> Vec<String> {
    check_doing_nothing_located(dn, library)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// A problem of the doing-nothing projection and where it is: the table
/// (`doing_nothing`, `doing_nothing.states` or `doing_nothing.transitions`), the entry's index
/// and the key.
#[derive(Debug, Clone, PartialEq)]
pub struct DnProblem {
    /// The table.
    pub table: &'static str,
    /// The entry's position (0 for `[doing_nothing]` itself).
    pub index: usize,
    /// The entry's name, if any.
    pub name: String,
    /// The key.
    pub key: Option<&'static str>,
    /// What is wrong and what to do.
    pub message: String,
}

/// [`check_doing_nothing`] with each problem's place.
pub fn check_doing_nothing_located(dn: &DoingNothing, library: &UnitCostLibrary) -> Vec<DnProblem> {
    let mut p = Vec::new();
    let mut at = |table: &'static str,
                  index: usize,
                  name: &str,
                  key: Option<&'static str>,
                  message: String| {
        p.push(DnProblem {
            table,
            index,
            name: name.to_owned(),
            key,
            message,
        })
    };
    const DN: &str = "doing_nothing";
    const ST: &str = "doing_nothing.states";
    if dn.states.is_empty() {
        at(
            DN,
            0,
            "",
            None,
            "give at least one [[doing_nothing.states]]".into(),
        );
    }
    // The projection holds every year in memory: a year count from outside is bounded like the
    // horizon (found by fuzzing: `years = 4294967295` asked for 34 GB and killed the process).
    if let Some(y) = dn.years
        && !(1..=300).contains(&y)
    {
        at(
            DN,
            0,
            "",
            Some("years"),
            format!(
                "years is {y}: project between 1 and 300 years (leave it out to use the horizon)"
            ),
        );
    }
    let names: Vec<&str> = dn.states.iter().map(|s| s.name.as_str()).collect();
    for (i, s) in dn.states.iter().enumerate() {
        if names.iter().filter(|n| **n == s.name).count() > 1 {
            at(
                ST,
                i,
                &s.name,
                Some("name"),
                format!(
                    "state '{}' is named twice; give each state a different name",
                    s.name
                ),
            );
        }
        if !(s.initial >= 0.0 && s.initial.is_finite()) {
            at(
                ST,
                i,
                &s.name,
                Some("initial"),
                format!(
                    "state '{}': initial must be a number that is not negative",
                    s.name
                ),
            );
        }
        match (&s.unit_cost, s.annual_cost) {
            (Some(c), None) => {
                if library.get(c).is_none() {
                    at(
                        ST,
                        i,
                        &s.name,
                        Some("unit_cost"),
                        format!(
                            "state '{}': {}",
                            s.name,
                            crate::prepare::unknown_code(library, c)
                        ),
                    );
                }
            }
            (None, Some(_)) => {
                if s.price_year.is_none() || s.agency.is_none() {
                    at(
                        ST,
                        i,
                        &s.name,
                        Some("annual_cost"),
                        format!(
                            "state '{}': annual_cost needs price_year and agency",
                            s.name
                        ),
                    );
                }
            }
            (None, None) => {}
            (Some(_), Some(_)) => at(
                ST,
                i,
                &s.name,
                Some("annual_cost"),
                format!(
                    "state #{} '{}': give unit_cost or annual_cost, not both",
                    i + 1,
                    s.name
                ),
            ),
        }
    }
    check_transitions(dn, &names, &mut at);
    p
}

/// Records a problem: table, entry, entry's name, key, message.
type Report<'f> = dyn FnMut(&'static str, usize, &str, Option<&'static str>, String) + 'f;

/// The transitions' problems: unknown states, probabilities outside 0..1, and states whose
/// leaving probabilities add up to more than 1.
fn check_transitions(dn: &DoingNothing, names: &[&str], at: &mut Report<'_>) {
    const TR: &str = "doing_nothing.transitions";
    for (k, t) in dn.transitions.iter().enumerate() {
        for (n, key) in [(&t.from, "from"), (&t.to, "to")] {
            if !names.contains(&n.as_str()) {
                at(
                    TR,
                    k,
                    "",
                    Some(key),
                    format!(
                        "transition {} -> {}: there is no state called '{n}'; name one of: {}",
                        t.from,
                        t.to,
                        names.join(", ")
                    ),
                );
            }
        }
        if !(0.0..=1.0).contains(&t.probability) {
            at(
                TR,
                k,
                "",
                Some("probability"),
                format!(
                    "transition {} -> {}: probability {} must be between 0 and 1 (write 30% as 0.3)",
                    t.from, t.to, t.probability
                ),
            );
        }
    }
    for s in names {
        let sum: f64 = dn
            .transitions
            .iter()
            .filter(|t| t.from == *s && t.to != *s)
            .map(|t| t.probability)
            .sum();
        let first = dn
            .transitions
            .iter()
            .position(|t| t.from == *s && t.to != *s);
        if sum > 1.0 + 1e-9 {
            at(
                TR,
                first.unwrap_or(0),
                "",
                Some("probability"),
                format!(
                    "the probabilities of leaving '{s}' add up to {sum:.3}, more than 1: lower them so that they add up to at most 1 (what is left over is the chance of staying)"
                ),
            );
        }
    }
}

/// The projected cost of doing nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoingNothingCost {
    /// State names.
    pub states: Vec<String>,
    /// Expected number in each state, per year: `occupancy[t][s]`.
    pub occupancy: Vec<Vec<f64>>,
    /// Cost per year by agency (undiscounted), price base.
    pub by_agency: BTreeMap<String, Vec<f64>>,
    /// Total per year (undiscounted).
    pub total: Vec<f64>,
    /// Total per year (discounted).
    pub total_discounted: Vec<f64>,
    /// Present value by agency.
    pub pv_by_agency: BTreeMap<String, f64>,
    /// Present value of the total.
    pub pv_total: f64,
}

/// Projects the doing-nothing Markov cohort model over `years` with the discount factors given.
/// Year 0 uses the initial numbers; each later year applies the transition matrix once.
pub fn project_doing_nothing(
    dn: &DoingNothing,
    library: &UnitCostLibrary,
    deflators: &DeflatorSeries,
    price_base: FinancialYear,
    discount_factors: &[f64],
) -> Result<DoingNothingCost, Vec<String>> {
    let errs = check_doing_nothing(dn, library);
    if !errs.is_empty() {
        return Err(errs);
    }
    let years = dn.years.unwrap_or(discount_factors.len() as u32) as usize;
    let n = dn.states.len();
    let idx = |name: &str| dn.states.iter().position(|s| s.name == name).unwrap_or(0);
    let mut p = vec![vec![0.0; n]; n];
    for t in &dn.transitions {
        let (a, b) = (idx(&t.from), idx(&t.to));
        if a != b {
            p[a][b] += t.probability;
        }
    }
    for (a, row) in p.iter_mut().enumerate() {
        let leave: f64 = row
            .iter()
            .enumerate()
            .filter(|(b, _)| *b != a)
            .map(|(_, x)| x)
            .sum();
        row[a] = 1.0 - leave;
    }
    // Annual cost per state by agency.
    let mut errors = Vec::new();
    let mut state_costs: Vec<Vec<(String, f64)>> = Vec::new();
    for s in &dn.states {
        let mut v = Vec::new();
        if let Some(code) = &s.unit_cost
            && let Some(uc) = library.get(code)
        {
            for fp in &uc.fiscal_parts {
                match deflators.uprate(fp.value, price_base) {
                    Ok(x) => v.push((
                        s.agency.clone().unwrap_or_else(|| fp.agency.clone()),
                        x.pounds * s.quantity,
                    )),
                    Err(e) => errors.push(format!("state '{}': {e}", s.name)),
                }
            }
        } else if let (Some(c), Some(y), Some(a)) = (s.annual_cost, s.price_year, &s.agency) {
            match deflators.uprate(Priced::new(c, y), price_base) {
                Ok(x) => v.push((a.clone(), x.pounds)),
                Err(e) => errors.push(format!("state '{}': {e}", s.name)),
            }
        }
        state_costs.push(v);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut occ = dn.states.iter().map(|s| s.initial).collect::<Vec<_>>();
    let mut out = DoingNothingCost {
        states: dn.states.iter().map(|s| s.name.clone()).collect(),
        occupancy: Vec::with_capacity(years),
        by_agency: BTreeMap::new(),
        total: vec![0.0; years],
        total_discounted: vec![0.0; years],
        pv_by_agency: BTreeMap::new(),
        pv_total: 0.0,
    };
    for t in 0..years {
        let df = discount_factors
            .get(t)
            .copied()
            .unwrap_or_else(|| discount_factors.last().copied().unwrap_or(1.0));
        for (s, costs) in state_costs.iter().enumerate() {
            for (agency, c) in costs {
                let v = occ[s] * c;
                out.by_agency
                    .entry(agency.clone())
                    .or_insert_with(|| vec![0.0; years])[t] += v;
                *out.pv_by_agency.entry(agency.clone()).or_insert(0.0) += v * df;
                out.total[t] += v;
                out.total_discounted[t] += v * df;
                out.pv_total += v * df;
            }
        }
        out.occupancy.push(occ.clone());
        let mut next = vec![0.0; n];
        for a in 0..n {
            for b in 0..n {
                next[b] += occ[a] * p[a][b];
            }
        }
        occ = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StateDef, TransitionDef};

    fn fy(s: &str) -> FinancialYear {
        s.parse().expect("y")
    }

    fn state(name: &str, initial: f64, cost: f64) -> StateDef {
        StateDef {
            name: name.into(),
            initial,
            unit_cost: None,
            quantity: 1.0,
            annual_cost: Some(cost),
            price_year: Some(fy("2014/15")),
            agency: Some("Council".into()),
        }
    }

    /// Hand-worked: 100 children in need (£1,000/yr), 10% a year escalate to looked after
    /// (£50,000/yr), flat 10% discount for easy arithmetic.
    /// Year 0: 100 CIN, 0 LAC -> £100,000.  Year 1: 90 CIN, 10 LAC -> £90,000 + £500,000 = £590,000.
    /// Year 2: 81 CIN, 19 LAC -> £81,000 + £950,000 = £1,031,000.
    /// PV = 100,000 + 590,000/1.1 + 1,031,000/1.21 = 100,000 + 536,363.64 + 852,066.12 = £1,488,429.75.
    #[test]
    fn markov_hand_worked() {
        let dn = DoingNothing {
            years: Some(3),
            states: vec![state("CIN", 100.0, 1_000.0), state("LAC", 0.0, 50_000.0)],
            transitions: vec![TransitionDef {
                from: "CIN".into(),
                to: "LAC".into(),
                probability: 0.1,
            }],
        };
        let lib = UnitCostLibrary::shipped().expect("lib");
        let d = DeflatorSeries::shipped();
        let df = crate::params::DiscountSchedule::flat(0.10).factors(3);
        let r = project_doing_nothing(&dn, &lib, &d, fy("2014/15"), &df).expect("ok");
        assert_eq!(
            r.total
                .iter()
                .map(|x| (x * 100.0).round() as i64)
                .collect::<Vec<_>>(),
            vec![10_000_000, 59_000_000, 103_100_000]
        );
        assert_eq!((r.pv_total * 100.0).round() as i64, 148_842_975);
        assert!((r.occupancy[2][1] - 19.0).abs() < 1e-9);
    }

    /// Found by `wholeplace-fuzz` (appraisal-toml): `years = 4294967295` passed the checks and
    /// the projection's discount factors asked for 34 GB, aborting the process.
    #[test]
    fn a_projection_over_more_years_than_a_horizon_may_have_is_refused() {
        let lib = UnitCostLibrary::shipped().expect("lib");
        for (years, refused) in [
            (Some(0), true),
            (Some(1), false),
            (Some(300), false),
            (Some(301), true),
            (Some(u32::MAX), true),
            (None, false),
        ] {
            let dn = DoingNothing {
                years,
                states: vec![state("A", 1.0, 1.0)],
                transitions: vec![],
            };
            let p = check_doing_nothing(&dn, &lib);
            assert_eq!(
                p.iter().any(|m| m.contains("between 1 and 300 years")),
                refused,
                "{years:?}: {p:?}"
            );
        }
    }

    #[test]
    fn rows_summing_above_one_are_refused() {
        let dn = DoingNothing {
            years: None,
            states: vec![
                state("A", 1.0, 1.0),
                state("B", 0.0, 1.0),
                state("C", 0.0, 1.0),
            ],
            transitions: vec![
                TransitionDef {
                    from: "A".into(),
                    to: "B".into(),
                    probability: 0.7,
                },
                TransitionDef {
                    from: "A".into(),
                    to: "C".into(),
                    probability: 0.4,
                },
                TransitionDef {
                    from: "A".into(),
                    to: "D".into(),
                    probability: 0.1,
                },
            ],
        };
        let lib = UnitCostLibrary::shipped().expect("lib");
        let p = check_doing_nothing(&dn, &lib);
        assert!(p.iter().any(|m| m.contains("add up to 1.200")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("no state called 'D'")), "{p:?}");
    }

    /// As Is: 4 ASB incidents a year at CR1.0 (£500, 2002/03, Police) in 2015/16 prices:
    /// 4 x £673.23122 = £2,692.92 to Police (rounded at the end, not per incident).
    #[test]
    fn as_is_by_agency_and_theme() {
        let lib = UnitCostLibrary::shipped().expect("lib");
        let d = DeflatorSeries::shipped();
        let lines = vec![AsIsLine {
            name: "ASB".into(),
            unit_cost: "CR1.0".into(),
            events_per_year: 4.0,
            quantity: 1.0,
            agency: None,
        }];
        let r = cost_as_is(&lines, &lib, &d, fy("2015/16")).expect("ok");
        assert_eq!((r.by_agency["Police"] * 100.0).round() as i64, 269_292);
        assert_eq!((r.by_theme["Crime"] * 100.0).round() as i64, 269_292);
        assert_eq!(r.fiscal_total, r.total);
        let bad = vec![AsIsLine {
            name: "x".into(),
            unit_cost: "CR99.9".into(),
            events_per_year: 1.0,
            quantity: 1.0,
            agency: None,
        }];
        assert!(cost_as_is(&bad, &lib, &d, fy("2015/16")).is_err());
    }
}
