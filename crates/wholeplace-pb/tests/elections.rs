//! The rules on four published elections from pabulib, the participatory budgeting library
//! (Faliszewski, Flis, Peters, Pierczyński, Skowron, Stolicki, Szufa and Talmon, "Participatory
//! Budgeting: Data, Tools, and Analysis", IJCAI 2023). pabulib states no licence for its files, so
//! they are not in this repository: they are read from `../shared/data/pabulib` beside the
//! workspace (see its README), where the developers' machines and CI have them.

use std::path::PathBuf;

use wholeplace_pb::{Exact, Float, Lot, Profile, Rule, count, parse};

fn pabulib_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pabulib")
}

fn election(name: &str) -> wholeplace_pb::Election {
    let path = pabulib_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} must be readable (see shared/data/pabulib/README.md): {e}",
            path.display()
        )
    });
    parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The rule the file's META names, counted exactly, gives the file's `selected` projects.
fn reproduces(name: &str, expected_winners: usize) {
    let e = election(name);
    let rule = Rule::parse(e.meta_value("rule").expect("rule")).expect("known rule");
    let published = sorted(e.published_winners());
    assert_eq!(
        published.len(),
        expected_winners,
        "{name}: the published winners"
    );
    let p = Profile::from_election(&e);
    let exact = count::<Exact>(&p, rule, &Lot::default()).expect("exact");
    assert_eq!(
        sorted(exact.selected.clone()),
        published,
        "{name}: exact {}",
        rule.name()
    );
    let float = count::<Float>(&p, rule, &Lot::default()).expect("float");
    assert_eq!(
        float.selected, exact.selected,
        "{name}: float and exact agree"
    );
    assert!(exact.spent <= exact.budget);
}

#[test]
fn equal_shares_reproduces_assen_2024() {
    reproduces("Netherlands_Assen_2024.pb", 9);
}

#[test]
fn equal_shares_reproduces_swiecie_2023() {
    reproduces("Poland_Swiecie_2023.pb", 17);
}

#[test]
fn equal_shares_reproduces_wieliczka_2023() {
    reproduces("Poland_Wieliczka_2023_Green_Budget.pb", 30);
}

#[test]
fn greedy_reproduces_the_files_marked_greedy() {
    let mut checked = 0;
    for entry in std::fs::read_dir(pabulib_dir())
        .expect("pabulib dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".pb") {
            continue;
        }
        let e = election(&name);
        if e.meta_value("rule") != Some("greedy") {
            continue;
        }
        reproduces(&name, e.published_winners().len());
        checked += 1;
    }
    assert!(checked >= 1, "at least one file is marked rule;greedy");
}

#[test]
fn greedy_differs_from_equal_shares_on_assen() {
    let e = election("Netherlands_Assen_2024.pb");
    let p = Profile::from_election(&e);
    let greedy = count::<Exact>(&p, Rule::Greedy, &Lot::default()).expect("greedy");
    let mes = count::<Exact>(&p, Rule::EqualSharesAdd1, &Lot::default()).expect("mes");
    assert_ne!(sorted(greedy.selected), sorted(mes.selected));
}

#[test]
fn the_export_of_every_fixture_passes_the_pabulib_checks_and_round_trips() {
    let mut checked = 0;
    for entry in std::fs::read_dir(pabulib_dir())
        .expect("pabulib dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".pb") {
            continue;
        }
        let e = election(&name);
        let text = wholeplace_pb::write(&e);
        let errors = wholeplace_pb::check::check(&text);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(
            parse(&text).expect("reparse"),
            e,
            "{name}: parse(write(e)) == e"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn the_checks_find_what_they_look_for() {
    let e = election("Netherlands_Assen_2024.pb");
    let good = wholeplace_pb::write(&e);
    let kinds = |text: &str| -> Vec<&'static str> {
        wholeplace_pb::check::check(text)
            .into_iter()
            .map(|c| c.kind)
            .collect()
    };
    // The budget cut below the selected projects' cost.
    let over = good.replace("budget;100000", "budget;70000");
    assert!(kinds(&over).contains(&"budget exceeded"));
    // A ballot dropped without updating META, and an empty line.
    let mut lines: Vec<&str> = good.lines().collect();
    lines.pop();
    lines.insert(3, "");
    let broken = lines.join("\n");
    let k = kinds(&broken);
    assert!(k.contains(&"different number of votes"), "{k:?}");
    assert!(k.contains(&"empty lines"), "{k:?}");
    assert!(k.contains(&"different values in votes"), "{k:?}");
    // Assen asks for at least two projects per ballot.
    let short = good.replacen("1,2,6,9,13\n", "13\n", 1);
    assert!(kinds(&short).contains(&"vote length too short"));
}

#[test]
fn a_project_left_out_is_explained_by_where_its_voters_money_went() {
    let e = election("Netherlands_Assen_2024.pb");
    let out =
        wholeplace_pb::results(&e, Some(Rule::EqualSharesAdd1), &Lot::default()).expect("count");
    let left_out = out
        .projects
        .iter()
        .find(|p| p.id == "8")
        .expect("project 8");
    assert!(!left_out.selected);
    assert!(!left_out.shares_went_to.is_empty());
    for share in &left_out.shares_went_to {
        assert!(
            out.selected.contains(&share.project),
            "{} was funded",
            share.project
        );
        assert!(share.amount > 0.0);
    }
    let funded = out
        .projects
        .iter()
        .find(|p| p.id == "3")
        .expect("project 3");
    assert!(funded.selected && funded.effective_support > 0.0 && funded.shares_went_to.is_empty());
    // The effective support of a funded project is at most its votes.
    for p in out.projects.iter().filter(|p| p.selected) {
        assert!(p.effective_support <= p.votes as f64 + 1e-9, "{}", p.id);
    }
}
