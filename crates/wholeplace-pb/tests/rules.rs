//! The rules on small elections worked by hand.

use wholeplace_pb::{Exact, Float, Lot, Profile, Rule, RuleError, count, parse};

fn profile(budget: u64, projects: &[(&str, u64)], ballots: &[&[&str]]) -> Profile {
    let ids = projects.iter().map(|(i, _)| (*i).to_string()).collect();
    let costs = projects.iter().map(|(_, c)| *c).collect();
    let owned: Vec<Vec<String>> = ballots
        .iter()
        .map(|b| b.iter().map(|s| (*s).to_string()).collect())
        .collect();
    Profile::build(
        budget,
        ids,
        costs,
        owned.iter().map(|b| (b.as_slice(), vec![1; b.len()])),
    )
}

#[test]
fn equal_shares_is_proportional_where_greedy_is_not() {
    // 6 voters want red projects, 4 blue; the budget buys 5 of 10 projects at 100 each.
    let projects: Vec<(String, u64)> = (0..5)
        .map(|i| (format!("r{i}"), 100))
        .chain((0..5).map(|i| (format!("b{i}"), 100)))
        .collect();
    let p: Vec<(&str, u64)> = projects.iter().map(|(i, c)| (i.as_str(), *c)).collect();
    let red: Vec<&str> = (0..5).map(|i| p[i].0).collect();
    let blue: Vec<&str> = (5..10).map(|i| p[i].0).collect();
    let mut ballots: Vec<&[&str]> = vec![&red; 6];
    ballots.extend(vec![blue.as_slice(); 4]);
    let pr = profile(500, &p, &ballots);
    let lot = Lot { seed: Some(7) };
    let greedy = count::<Exact>(&pr, Rule::Greedy, &lot).expect("greedy");
    assert!(
        greedy.selected.iter().all(|s| s.starts_with('r')),
        "{:?}",
        greedy.selected
    );
    let mes = count::<Exact>(&pr, Rule::EqualShares, &lot).expect("mes");
    let reds = mes.selected.iter().filter(|s| s.starts_with('r')).count();
    let blues = mes.selected.iter().filter(|s| s.starts_with('b')).count();
    assert_eq!((reds, blues), (3, 2), "{:?}", mes.selected);
    // Equal costs and votes: the order among reds needed a lot, and it is recorded.
    assert!(!mes.lots.is_empty());
    assert!(mes.lots.iter().all(|l| l.seed == 7));
    let again = count::<Exact>(&pr, Rule::EqualShares, &lot).expect("again");
    assert_eq!(
        again.selected, mes.selected,
        "the same seed draws the same lot"
    );
}

#[test]
fn a_tie_without_a_seed_is_an_error_and_cost_then_votes_break_ties_first() {
    // a and b: same cost, same voters.
    let p = profile(100, &[("a", 100), ("b", 100)], &[&["a", "b"], &["a", "b"]]);
    let err = count::<Exact>(&p, Rule::EqualShares, &Lot::default()).expect_err("tie");
    assert_eq!(
        err,
        RuleError::UnbrokenTie {
            projects: vec!["a".into(), "b".into()]
        }
    );
    // The same support, different costs: the cheaper first.
    let p = profile(150, &[("big", 100), ("small", 50)], &[&["big"], &["small"]]);
    let out = count::<Exact>(&p, Rule::EqualShares, &Lot::default()).expect("count");
    assert_eq!(out.selected.first().map(String::as_str), Some("small"));
}

#[test]
fn exact_and_float_agree_and_the_per_voter_share_is_exact() {
    let p = profile(
        100,
        &[("a", 60), ("b", 40), ("c", 30)],
        &[&["a"], &["a", "b"], &["c"]],
    );
    let exact = count::<Exact>(&p, Rule::EqualShares, &Lot::default()).expect("exact");
    let float = count::<Float>(&p, Rule::EqualShares, &Lot::default()).expect("float");
    assert_eq!(exact.selected, float.selected);
    assert_eq!(exact.per_voter.as_deref(), Some("100/3"));
}

#[test]
fn parse_errors_name_line_column_and_fix() {
    let text = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;ten\nVOTES\nvoter_id;vote\nv1;1\n";
    let e = parse(text).expect_err("bad cost");
    assert_eq!((e.line, e.column), (6, 3));
    assert!(e.fix.contains("whole number"));
    let text = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\nv1;1,7\n";
    let e = parse(text).expect_err("unknown project");
    assert_eq!((e.line, e.column), (9, 4));
    let e = parse("PROJECTS\n").expect_err("no meta");
    assert_eq!(e.line, 1);
    let quoted = "META\nkey;value\nbudget;100\ndescription;\"a;b \"\"c\"\"\"\nPROJECTS\nproject_id;cost;name\n1;10;\"x;y\"\nVOTES\nvoter_id;vote\nv1;\n";
    let e = parse(quoted).expect("quoted fields");
    assert_eq!(e.meta_value("description"), Some("a;b \"c\""));
    assert_eq!(e.projects[0].values[2], "x;y");
    assert!(
        e.votes[0].vote.is_empty(),
        "an empty vote is a blank ballot"
    );
    assert_eq!(
        parse(&wholeplace_pb::write(&e))
            .expect("round trip")
            .projects,
        e.projects
    );
}

/// splitmix64 for generated elections.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn on_generated_elections_every_rule_stays_within_budget_and_equal_shares_is_fair_to_groups() {
    let mut g = Gen(13);
    for case in 0..200 {
        let m = 2 + (g.next() % 8) as usize;
        let ids: Vec<String> = (0..m).map(|i| format!("p{i}")).collect();
        let costs: Vec<u64> = (0..m).map(|_| 1 + g.next() % 100).collect();
        let budget = 50 + g.next() % 300;
        let voters = 1 + g.next() % 30;
        let ballots: Vec<Vec<String>> = (0..voters)
            .map(|_| {
                ids.iter()
                    .filter(|_| g.next().is_multiple_of(3))
                    .cloned()
                    .collect()
            })
            .collect();
        let p = Profile::build(
            budget,
            ids.clone(),
            costs.clone(),
            ballots.iter().map(|b| (b.as_slice(), vec![1; b.len()])),
        );
        let lot = Lot { seed: Some(case) };
        for rule in Rule::ALL {
            let out = count::<Exact>(&p, rule, &lot).expect("count with a seed never fails");
            assert!(
                out.spent <= budget,
                "case {case} {}: {} > {budget}",
                rule.name(),
                out.spent
            );
            assert_eq!(
                count::<Exact>(&p, rule, &lot).expect("again"),
                out,
                "deterministic"
            );
        }
        // Without completion, a group of voters with the same ballot that is a share s of the
        // electorate can always pay for an approved project costing at most s * budget, so some
        // project it approves is funded (the cohesive-group guarantee, here for one identical group).
        let out = count::<Exact>(&p, Rule::EqualShares, &lot).expect("mes");
        for (g_i, ballot) in p.ballots.iter().enumerate() {
            let w = p.weights[g_i];
            let affordable = ballot.iter().any(|&c| {
                p.costs[c as usize] as u128 * voters as u128 <= w as u128 * budget as u128
                    && p.costs[c as usize] > 0
            });
            let funded = ballot
                .iter()
                .any(|&c| out.selected.contains(&p.ids[c as usize]));
            assert!(
                !affordable || funded,
                "case {case}: a group of {w} voters lost every project it could pay for"
            );
        }
    }
}
