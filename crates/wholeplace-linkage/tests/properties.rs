//! Property tests: comparators are symmetric and bounded; scores do not depend on record order
//! or on which file is "left"; blocking never separates exact duplicates; the same seed gives
//! the same output.

use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;
use wholeplace_linkage::compare::dice;
use wholeplace_linkage::defaults::{PersonColumns, person_settings};
use wholeplace_linkage::standardise::{Date, postcode_parts};
use wholeplace_linkage::strings::{
    damerau_levenshtein, damerau_within, jaro, jaro_winkler, levenshtein, levenshtein_within,
};
use wholeplace_linkage::synth::{COLUMNS, SynthConfig, SynthRecord, generate};
use wholeplace_linkage::{
    BlockingRule, ColumnKind, ColumnSpec, ComparisonSpec, LevelSpec, LinkType, Linker, NoProgress,
    Pred, Settings, Table, TableBuilder, Template,
};

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-e]{0,9}",
        1 => "[a-cé ß]{0,6}",
        1 => "[a-z]{0,20}",
    ]
}

proptest! {
    #[test]
    fn string_measures_are_symmetric_and_bounded(a in word(), b in word()) {
        let (j, jw) = (jaro(&a, &b), jaro_winkler(&a, &b));
        prop_assert!((0.0..=1.0).contains(&j), "jaro {j}");
        prop_assert!((0.0..=1.0).contains(&jw), "jaro-winkler {jw}");
        prop_assert!(jw >= j);
        prop_assert_eq!(j.to_bits(), jaro(&b, &a).to_bits());
        prop_assert_eq!(jw.to_bits(), jaro_winkler(&b, &a).to_bits());
        let (la, lb) = (a.chars().count(), b.chars().count());
        let longest = la.max(lb);
        let lev = levenshtein(&a, &b);
        let dl = damerau_levenshtein(&a, &b);
        prop_assert_eq!(lev, levenshtein(&b, &a));
        prop_assert_eq!(dl, damerau_levenshtein(&b, &a));
        prop_assert!(lev <= longest && lev >= la.abs_diff(lb));
        prop_assert!(dl <= lev);
        prop_assert_eq!(lev == 0, a == b);
        prop_assert_eq!(dl == 0, a == b);
        if longest > 0 {
            for d in [lev, dl] {
                let normalised = 1.0 - d as f64 / longest as f64;
                prop_assert!((0.0..=1.0).contains(&normalised));
            }
        }
        if a == b {
            prop_assert_eq!(j, 1.0);
        }
        // The bounded checks used when scoring agree with the full distances.
        for k in 0..3 {
            prop_assert_eq!(levenshtein_within(&a, &b, k), lev <= k, "levenshtein within {}", k);
            prop_assert_eq!(damerau_within(&a, &b, k), dl <= k, "damerau within {}", k);
            prop_assert_eq!(damerau_within(&a, &b, k), damerau_within(&b, &a, k));
        }
    }

    #[test]
    fn one_edit_checks_agree_with_distances(a in "[ab]{0,6}", edit in 0usize..4, at in 0usize..7, c in "[abc]") {
        // Strings one typical edit apart (and unrelated ones), where the linear check matters.
        let mut chars: Vec<char> = a.chars().collect();
        let i = at.min(chars.len());
        let ch = c.chars().next().unwrap_or('c');
        match edit {
            0 => chars.insert(i, ch),
            1 if i < chars.len() => chars[i] = ch,
            2 if i + 1 < chars.len() => chars.swap(i, i + 1),
            _ => {}
        }
        let b: String = chars.into_iter().collect();
        prop_assert_eq!(damerau_within(&a, &b, 1), damerau_levenshtein(&a, &b) <= 1);
        prop_assert_eq!(levenshtein_within(&a, &b, 1), levenshtein(&a, &b) <= 1);
    }

    #[test]
    fn dice_is_symmetric_and_bounded(a in prop::collection::vec(any::<u64>(), 4), b in prop::collection::vec(any::<u64>(), 4)) {
        let d = dice(&a, &b);
        prop_assert!((0.0..=1.0).contains(&d));
        prop_assert_eq!(d.to_bits(), dice(&b, &a).to_bits());
        if a.iter().any(|w| *w != 0) {
            prop_assert_eq!(dice(&a, &a), 1.0);
        }
    }

    #[test]
    fn date_differences_are_symmetric(y1 in 1900u16..2030, m1 in 1u8..=12, d1 in 1u8..=28, y2 in 1900u16..2030, m2 in 1u8..=12, d2 in 1u8..=28) {
        let (x, y) = (Date::new(y1, m1, d1).expect("date"), Date::new(y2, m2, d2).expect("date"));
        prop_assert_eq!((x.days() - y.days()).abs(), (y.days() - x.days()).abs());
        prop_assert_eq!(x.days() == y.days(), x == y);
        prop_assert_eq!(x.days() < y.days(), x < y);
        prop_assert_eq!(Date::unpack(x.pack()), Some(x));
    }

    #[test]
    fn postcode_parts_nest(p in "[A-Z]{1,2}[0-9]{1,2}[A-Z]? [0-9][A-Z]{2}") {
        let parts = postcode_parts(&p).expect("parts");
        prop_assert!(parts.unit.starts_with(parts.sector));
        prop_assert!(parts.sector.starts_with(parts.district));
        prop_assert!(parts.district.starts_with(parts.area));
        prop_assert!(!parts.area.is_empty());
    }
}

/// One record of the comparator table: names, date, postcode, number, bits.
#[derive(Debug, Clone)]
struct Rec {
    first: String,
    surname: String,
    dob: String,
    postcode: String,
    age: String,
    bits: String,
}

fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => (1990u16..1993, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
    ]
}

fn postcode_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => ("(SW|S|M)", 1u8..3, 1u8..3, "[AB]{2}").prop_map(|(a, d, s, u)| format!("{a}{d} {s}{u}")),
        1 => "[0-9]{4}",
    ]
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        "[abe]{0,5}",
        "[abe]{0,5}",
        date_text(),
        postcode_text(),
        prop_oneof![Just(String::new()), (0u32..60).prop_map(|x| x.to_string())],
        prop_oneof![
            Just(String::new()),
            prop::collection::vec(any::<u64>(), 2)
                .prop_map(|w| w.iter().map(|x| format!("{x:016x}")).collect::<String>())
        ],
    )
        .prop_map(|(first, surname, dob, postcode, age, bits)| Rec {
            first,
            surname,
            dob,
            postcode,
            age,
            bits,
        })
}

fn level(label: &str, when: Pred<String>) -> LevelSpec {
    LevelSpec {
        label: label.into(),
        when,
        null: false,
        tf_column: None,
        tf_weight: 1.0,
        m: None,
        u: None,
    }
}

fn comparator_settings() -> Settings {
    let s = |x: &str| x.to_owned();
    let mut comparisons: Vec<ComparisonSpec> = vec![
        Template::Name {
            column: s("first"),
            swap_with: Some(s("surname")),
            nicknames: true,
            tf: true,
        }
        .expand(),
        Template::Name {
            column: s("surname"),
            swap_with: Some(s("first")),
            nicknames: false,
            tf: true,
        }
        .expand(),
        Template::Date { column: s("dob") }.expand(),
        Template::Postcode {
            column: s("postcode"),
            tf: true,
        }
        .expand(),
        Template::Number {
            column: s("age"),
            within: vec![1.0, 5.0],
        }
        .expand(),
        Template::Dice {
            column: s("bits"),
            thresholds: vec![],
        }
        .expand(),
    ];
    comparisons.push(ComparisonSpec {
        name: "other measures".into(),
        levels: vec![
            level("levenshtein 2", Pred::Levenshtein(s("surname"), 2)),
            level("jaro 0.8", Pred::Jaro(s("first"), 0.8)),
            level("within 10%", Pred::NumberWithinPercent(s("age"), 10.0)),
            level("sector", Pred::PostcodeSector(s("postcode"))),
            level("district", Pred::PostcodeDistrict(s("postcode"))),
            level("area", Pred::PostcodeArea(s("postcode"))),
            level("within a year", Pred::DateWithinDays(s("dob"), 366)),
            level("else", Pred::Else),
        ],
    });
    Settings {
        link_type: LinkType::Dedupe,
        blocking: vec![BlockingRule::parse(&["surname"]).expect("rule")],
        comparisons,
        training: Default::default(),
        max_block_size: 3000,
    }
}

fn comparator_table(recs: &[Rec]) -> Table {
    let specs = [
        ColumnSpec::new("first", ColumnKind::Name),
        ColumnSpec::new("surname", ColumnKind::Name),
        ColumnSpec::new("dob", ColumnKind::Date { formats: vec![] }),
        ColumnSpec::new("postcode", ColumnKind::Postcode),
        ColumnSpec::new("age", ColumnKind::Number),
        ColumnSpec::new("bits", ColumnKind::Bits { bits: 128 }),
    ];
    let mut b = TableBuilder::new(&specs);
    let s = b.source("s");
    for (i, r) in recs.iter().enumerate() {
        b.push(
            s,
            &i.to_string(),
            [
                r.first.as_str(),
                &r.surname,
                &r.dob,
                &r.postcode,
                &r.age,
                &r.bits,
            ],
        );
    }
    b.finish()
}

proptest! {
    /// Every comparison level (names with swaps and nicknames, edit distances, Jaro, dates with
    /// transpositions and differences, postcode parts, numbers, Dice) is the same whichever
    /// record comes first.
    #[test]
    fn comparison_levels_are_symmetric(recs in prop::collection::vec(rec(), 2..8)) {
        let table = comparator_table(&recs);
        let settings = comparator_settings();
        let linker = Linker::new(&table, &settings).expect("settings");
        for a in 0..table.len() {
            for b in 0..table.len() {
                prop_assert_eq!(linker.pattern(a, b), linker.pattern(b, a), "records {} and {}", a, b);
            }
        }
    }
}

fn synth_records(people: usize, seed: u64, sources: usize) -> Vec<SynthRecord> {
    let mut v = Vec::new();
    let mut cfg = SynthConfig::new(people, seed, sources);
    cfg.duplicate_rate = 0.3;
    generate(&cfg, |r| v.push(r.clone()));
    v
}

fn person_columns() -> PersonColumns {
    PersonColumns::detect(&COLUMNS[1..])
}

/// A table of synthetic records in the given order, sources named by `name`.
fn synth_table(records: &[&SynthRecord], name: impl Fn(usize) -> String) -> Table {
    let specs = person_columns().column_specs();
    let idx: Vec<usize> = specs
        .iter()
        .map(|s| {
            COLUMNS[1..]
                .iter()
                .position(|c| *c == s.name)
                .expect("column")
        })
        .collect();
    let mut b = TableBuilder::new(&specs);
    for r in records {
        let s = b.source(&name(r.source));
        b.push(s, &r.record_id, idx.iter().map(|&i| r.values[i].as_str()));
    }
    b.finish()
}

fn small_settings(link: LinkType) -> Settings {
    let mut s = person_settings(&person_columns(), link);
    s.training.u_sample_pairs = 20_000;
    s
}

/// Probabilities keyed by the two records' (source, id).
type PairScores = BTreeMap<((String, String), (String, String)), f64>;

/// Trains and scores, returning every candidate pair's probability keyed by the two records'
/// (source, id), the smaller key first.
fn scores(table: &Table, settings: &Settings) -> PairScores {
    let linker = Linker::new(table, settings).expect("settings");
    let model = linker.train(&NoProgress).expect("train");
    let pred = linker.predict(&model, 0.0, &NoProgress);
    pred.pairs
        .iter()
        .map(|p| {
            let key = |i: u32| {
                (
                    table.source_name(i as usize).to_owned(),
                    table.id(i as usize).to_owned(),
                )
            };
            let (x, y) = (key(p.a), key(p.b));
            let k = if x <= y { (x, y) } else { (y, x) };
            (k, p.probability())
        })
        .collect()
}

fn assert_same_scores(x: &PairScores, y: &PairScores) -> Result<(), TestCaseError> {
    prop_assert!(!x.is_empty(), "no pairs scored");
    prop_assert_eq!(x.len(), y.len());
    for (k, p) in x {
        let q = y.get(k);
        prop_assert!(q.is_some(), "pair {:?} missing", k);
        let q = q.copied().unwrap_or(f64::NAN);
        prop_assert!((p - q).abs() < 1e-9, "pair {:?}: {} vs {}", k, p, q);
    }
    Ok(())
}

fn shuffled(records: &[SynthRecord], seed: u64) -> Vec<&SynthRecord> {
    let mut v: Vec<&SynthRecord> = records.iter().collect();
    // Fisher-Yates with a small LCG: the order only has to differ from the original.
    let mut s = seed | 1;
    for i in (1..v.len()).rev() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        v.swap(i, (s >> 33) as usize % (i + 1));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Linking file A to file B gives the same pair probabilities as linking B to A, and as
    /// linking them with the records in any order.
    #[test]
    fn link_scores_do_not_depend_on_order_or_which_file_is_left(seed in 0u64..1_000_000, people in 60usize..160, shuffle in any::<u64>()) {
        let recs = synth_records(people, seed, 2);
        let name = |s: usize| ["left.csv", "right.csv"][s].to_owned();
        let a_then_b: Vec<&SynthRecord> = recs.iter().filter(|r| r.source == 0).chain(recs.iter().filter(|r| r.source == 1)).collect();
        let b_then_a: Vec<&SynthRecord> = recs.iter().filter(|r| r.source == 1).chain(recs.iter().filter(|r| r.source == 0)).collect();
        let settings = small_settings(LinkType::Link);
        let x = scores(&synth_table(&a_then_b, name), &settings);
        let y = scores(&synth_table(&b_then_a, name), &settings);
        assert_same_scores(&x, &y)?;
        let z = scores(&synth_table(&shuffled(&recs, shuffle), name), &settings);
        assert_same_scores(&x, &z)?;
    }

    /// Deduplication scores do not depend on the order of the records.
    #[test]
    fn dedupe_scores_do_not_depend_on_record_order(seed in 0u64..1_000_000, people in 60usize..160, shuffle in any::<u64>()) {
        let recs = synth_records(people, seed, 1);
        let name = |_: usize| "council.csv".to_owned();
        let settings = small_settings(LinkType::Dedupe);
        let x = scores(&synth_table(&recs.iter().collect::<Vec<_>>(), name), &settings);
        let y = scores(&synth_table(&shuffled(&recs, shuffle), name), &settings);
        assert_same_scores(&x, &y)?;
    }

    /// The same seed gives the same synthetic records and the same trained model and scores.
    #[test]
    fn same_seed_same_output(seed in 0u64..1_000_000, people in 40usize..120) {
        let a = synth_records(people, seed, 2);
        let b = synth_records(people, seed, 2);
        prop_assert_eq!(&a, &b);
        let c = synth_records(people, seed + 1, 2);
        prop_assert_ne!(&a, &c);
        let name = |s: usize| format!("s{s}.csv");
        let table = synth_table(&a.iter().collect::<Vec<_>>(), name);
        let settings = small_settings(LinkType::Dedupe);
        let linker = Linker::new(&table, &settings).expect("settings");
        let m1 = linker.train(&NoProgress).expect("train");
        let m2 = linker.train(&NoProgress).expect("train");
        prop_assert_eq!(&m1, &m2);
        let p1 = linker.predict(&m1, 0.0, &NoProgress);
        let p2 = linker.predict(&m2, 0.0, &NoProgress);
        prop_assert_eq!(p1.pairs, p2.pairs);
        prop_assert_eq!(p1.histogram, p2.histogram);
    }
}

/// Candidate pairs of a linker's blocking, each checked to appear once.
fn candidate_pairs(
    table: &Table,
    settings: &Settings,
) -> Result<HashSet<(usize, usize)>, TestCaseError> {
    let linker = Linker::new(table, settings).expect("settings");
    let blocks = linker.blocks();
    let filter = wholeplace_linkage::blocking::PairFilter {
        cross_source_only: settings.link_type == LinkType::Link,
        new_from: 0,
    };
    let mut seen = HashSet::new();
    let mut dup = None;
    for t in blocks.tasks() {
        blocks.for_each_pair(table, &t, filter, |a, b| {
            if !seen.insert((a, b)) {
                dup = Some((a, b));
            }
        });
    }
    prop_assert!(dup.is_none(), "pair {:?} produced twice", dup);
    Ok(seen)
}

fn person_value() -> impl Strategy<Value = [String; 11]> {
    (
        "(ann|anne|bob|rob|jo)",
        "(smith|smyth|jones|patel)",
        prop_oneof![
            Just(String::new()),
            (1980u16..1982, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| format!("{d:02}/{m:02}/{y}"))
        ],
        "(m|f|)",
        "(1|2|)",
        "(high street|mill lane|)",
        "(leeds|york|)",
        "(LS1 1AA|LS1 2AB|YO1 7HH|)",
    )
        .prop_map(|(f, s, d, sex, h, st, town, pc)| {
            [
                f,
                s,
                d,
                sex,
                h,
                st,
                town,
                pc,
                String::new(),
                String::new(),
                String::new(),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A record duplicated exactly (another id, same values) is always compared with its copy,
    /// in both modes, whatever else is in the table; and no pair is produced twice.
    #[test]
    fn blocking_never_separates_exact_duplicates(
        values in prop::collection::vec(person_value(), 1..40),
        pick in any::<prop::sample::Index>(),
        link in any::<bool>(),
    ) {
        let mut recs: Vec<SynthRecord> = values
            .into_iter()
            .enumerate()
            .map(|(i, values)| SynthRecord {
                source: i % 2,
                record_id: format!("r{i}"),
                values,
                ..SynthRecord::default()
            })
            .collect();
        let original = pick.index(recs.len());
        let mut copy = recs[original].clone();
        copy.record_id = "copy".into();
        // In link mode the copy is in the other file.
        copy.source = if link { 1 - copy.source } else { copy.source };
        recs.push(copy);
        let table = synth_table(&recs.iter().collect::<Vec<_>>(), |s| format!("f{s}"));
        let mut settings = small_settings(if link { LinkType::Link } else { LinkType::Dedupe });
        settings.max_block_size = usize::MAX;
        let pairs = candidate_pairs(&table, &settings)?;
        let c = recs.len() - 1;
        prop_assert!(pairs.contains(&(original.min(c), original.max(c))), "record {} and its copy were not compared", original);
    }
}
