//! A council's trained Splink model (its settings JSON, in the shape Splink saves) is loaded and
//! run unchanged: its blocking rules, comparison levels, m and u and prior are used as given,
//! without training.

use wholeplace_linkage::defaults::PersonColumns;
use wholeplace_linkage::{Linker, NoProgress, Table, TableBuilder, evaluate, splink};

const SETTINGS: &str = include_str!("fixtures/splink_febrl4_settings.json");

/// FEBRL4 as two sources, with the true entity of each record.
fn febrl4() -> (Table, Vec<String>) {
    let mut builder: Option<(TableBuilder, Vec<wholeplace_linkage::ColumnSpec>)> = None;
    let mut truth = Vec::new();
    for f in ["dataset4a.csv", "dataset4b.csv"] {
        let path = format!("{}/../../data/febrl/{f}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("FEBRL data is in the repository");
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .expect("header")
            .split(',')
            .map(str::trim)
            .collect();
        let b = builder.get_or_insert_with(|| {
            let specs = PersonColumns::detect(&header[1..]).column_specs();
            (TableBuilder::new(&specs), specs)
        });
        let idx: Vec<usize> =
            b.1.iter()
                .map(|s| header.iter().position(|h| *h == s.name).expect("column"))
                .collect();
        let src = b.0.source(f);
        for line in lines {
            let v: Vec<&str> = line.split(',').map(str::trim).collect();
            b.0.push(src, v[0], idx.iter().map(|&i| v[i]));
            truth.push(v[0].split('-').nth(1).expect("rec-N").to_owned());
        }
    }
    (builder.expect("files").0.finish(), truth)
}

#[test]
fn splink_settings_json_is_loaded_and_run_unchanged() {
    let sm = splink::load(SETTINGS).expect("the fixture translates");
    assert_eq!(sm.settings.link_type, wholeplace_linkage::LinkType::Link);
    assert!((sm.prior - 0.0002).abs() < 1e-15);
    let rules: Vec<String> = sm
        .settings
        .blocking
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        rules,
        [
            "given_name & surname",
            "surname & date_of_birth",
            "given_name & date_of_birth",
            "soc_sec_id",
            "postcode & given_name:initial"
        ]
    );
    let names: Vec<&str> = sm
        .settings
        .comparisons
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "given_name",
            "surname",
            "date_of_birth",
            "soc_sec_id",
            "street_number",
            "postcode"
        ]
    );

    let (table, truth) = febrl4();
    let linker = Linker::new(&table, &sm.settings).expect("the settings fit FEBRL's columns");
    let model = linker
        .fixed_model(sm.prior)
        .expect("every level has m and u");
    // Unchanged: every level's m and u and the prior are the JSON's, and nothing was trained.
    assert_eq!(model.prior, sm.prior);
    assert_eq!(model.diagnostics.em_iterations, 0);
    let given = &model.params[0];
    assert!(given[0].null);
    assert_eq!((given[1].m, given[1].u), (0.87, 0.0045));
    assert_eq!(given[1].label, "Exact match on given_name");
    assert_eq!((given[4].m, given[4].u), (0.025, 0.9824));
    let dob = &model.params[2];
    assert_eq!((dob[3].m, dob[3].u), (0.03, 0.22));
    assert_eq!(model.settings.comparisons[0].levels[1].m, Some(0.87));

    // It links FEBRL4 well, and each pair's weight is the sum of the JSON's level weights
    // (plus the term-frequency adjustment the JSON asks for on names).
    let pred = linker.predict(&model, 0.01, &NoProgress);
    let labels = evaluate::labels(&truth);
    let s = evaluate::pairwise(
        &table,
        &labels,
        pred.pairs
            .iter()
            .filter(|p| p.probability() >= 0.5)
            .map(|p| (p.a, p.b)),
        true,
    );
    eprintln!("FEBRL4 with the Splink model: {s:?}");
    assert!(s.f1 >= 0.99, "pairwise F1 {}", s.f1);
    let p = pred
        .pairs
        .iter()
        .find(|p| p.probability() > 0.99)
        .expect("a sure match");
    let e = linker.explain(&model, p.a as usize, p.b as usize);
    let sum: f64 = e.prior_weight
        + e.contributions
            .iter()
            .map(|c| c.weight + c.tf_adjustment)
            .sum::<f64>();
    assert!((sum - e.weight).abs() < 1e-9 && (e.weight - p.weight).abs() < 1e-9);
    for (k, c) in e.contributions.iter().enumerate() {
        let level = model.params[k]
            .iter()
            .find(|l| l.label == c.level)
            .expect("level");
        if !level.null {
            assert!((c.weight - (level.m / level.u).log2()).abs() < 1e-12);
        }
        if k >= 2 {
            assert_eq!(c.tf_adjustment, 0.0, "no tf adjustment on {}", c.comparison);
        }
    }
}

#[test]
fn an_untranslatable_splink_condition_is_refused_naming_it() {
    let bad = SETTINGS.replace(
        "levenshtein(\\\"postcode_l\\\", \\\"postcode_r\\\") <= 1",
        "regexp_extract(\\\"postcode_l\\\", '^[A-Z]+') = regexp_extract(\\\"postcode_r\\\", '^[A-Z]+')",
    );
    assert_ne!(bad, SETTINGS);
    let err = splink::load(&bad).expect_err("regexp_extract is not supported");
    let msg = err.to_string();
    assert!(msg.contains("postcode"), "{msg}");
    assert!(msg.contains("regexp_extract"), "{msg}");
}

#[test]
fn splink_dmetaphone_blocks_on_double_metaphone() {
    // Splink's dmetaphone() is Double Metaphone's primary code; it used to be mapped to
    // wholeplace's own Metaphone-like key, so a Splink model's blocks were not Splink's.
    let settings = SETTINGS.replace(
        r#""l.soc_sec_id = r.soc_sec_id""#,
        r#""dmetaphone(l.surname) = dmetaphone(r.surname) and l.date_of_birth = r.date_of_birth""#,
    );
    let sm = splink::load(&settings).expect("dmetaphone translates");
    let rules: Vec<String> = sm
        .settings
        .blocking
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        rules.contains(&"surname:double_metaphone & date_of_birth".to_owned()),
        "{rules:?}"
    );
    use wholeplace_linkage::blocking::double_metaphone;
    // Published examples: Smith and Smyth share SM0; Schmidt is XMT; Thompson TMPS.
    assert_eq!(double_metaphone("Smith"), "SM0");
    assert_eq!(double_metaphone("Smyth"), "SM0");
    assert_eq!(double_metaphone("Schmidt"), "XMT");
    assert_eq!(double_metaphone("Thompson"), "TMPS");
}
