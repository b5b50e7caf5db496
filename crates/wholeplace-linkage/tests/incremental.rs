//! Living with real use: new records linked into existing entities without re-running the
//! population, entity ids that survive a cluster's growth, and weak clusters reported and split.

use std::collections::HashMap;

use wholeplace_linkage::defaults::{PersonColumns, person_settings};
use wholeplace_linkage::incremental::{assign_ids, link_new};
use wholeplace_linkage::synth::{COLUMNS, SynthConfig, SynthRecord, generate};
use wholeplace_linkage::{
    ColumnKind, ColumnSpec, LinkType, Linker, NoProgress, ScoredPair, Table, TableBuilder, cluster,
    split_weak, weak_links, weight_of,
};

fn synth_records(people: usize, seed: u64) -> Vec<SynthRecord> {
    let mut v = Vec::new();
    let mut cfg = SynthConfig::new(people, seed, 1);
    cfg.duplicate_rate = 0.4;
    generate(&cfg, |r| v.push(r.clone()));
    v
}

/// A table of the records in order; `copies` are extra records repeating the values of an
/// earlier record under a new id.
fn table(records: &[&SynthRecord], copies: &[(&SynthRecord, &str)]) -> Table {
    let specs = PersonColumns::detect(&COLUMNS[1..]).column_specs();
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
    let s = b.source("council.csv");
    for r in records {
        b.push(s, &r.record_id, idx.iter().map(|&i| r.values[i].as_str()));
    }
    for (r, id) in copies {
        b.push(s, id, idx.iter().map(|&i| r.values[i].as_str()));
    }
    b.finish()
}

#[test]
fn new_records_join_existing_entities_which_keep_their_ids() {
    // The first extract holds two people in three, with up to two records each (so it has
    // duplicates to train on); the second brings their further records and everyone else.
    let generated = synth_records(1500, 7);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let (old, new): (Vec<SynthRecord>, Vec<SynthRecord>) = generated.into_iter().partition(|r| {
        let k = seen.entry(r.person).or_insert(0);
        *k += 1;
        r.person % 3 != 0 && (*k == 1 || (*k == 2 && r.person % 2 == 0))
    });
    let n_old = old.len();
    let records: Vec<SynthRecord> = old.into_iter().chain(new).collect();
    let old_refs: Vec<&SynthRecord> = records[..n_old].iter().collect();
    let all_refs: Vec<&SynthRecord> = records.iter().collect();
    let settings = person_settings(&PersonColumns::detect(&COLUMNS[1..]), LinkType::Dedupe);

    // The first run: train on the old records, cluster them, give each entity an id.
    let old_table = table(&old_refs, &[]);
    let linker = Linker::new(&old_table, &settings).expect("settings");
    let model = linker.train(&NoProgress).expect("train");
    let pred = linker.predict(&model, 0.01, &NoProgress);
    let clusters = cluster(&old_table, &pred.pairs, 0.5, &[false]);
    let (old_ids, merged) = assign_ids(&old_table, &clusters.cluster_of, &[]);
    assert!(merged.is_empty(), "a first run merges no earlier ids");

    // The second run: the remaining records plus exact copies of three old records arrive.
    let copies = [
        (&records[0], "copy-0"),
        (&records[n_old / 2], "copy-1"),
        (&records[n_old - 1], "copy-2"),
    ];
    let full = table(&all_refs, &copies);
    let res = link_new(&full, n_old, &old_ids, &model, 0.5, &NoProgress).expect("link");
    assert_eq!(res.entity.len(), full.len());
    assert!(
        res.pairs.iter().all(|p| p.b as usize >= n_old),
        "only pairs involving a new record are scored"
    );

    // An exact copy joins the entity of the record it copies, under that entity's id.
    for (k, &(r, _)) in copies.iter().enumerate() {
        let original = records
            .iter()
            .position(|x| std::ptr::eq(x, r))
            .expect("original");
        let copy = records.len() + k;
        assert_eq!(res.entity[copy], res.entity[original], "copy {k}");
        assert_eq!(
            res.entity[original], old_ids[original],
            "copy {k} kept the old id"
        );
    }

    // Every old record keeps its entity id, unless a new record joined its entity to another
    // (then the id is reported as merged into the survivor).
    let merged_into: HashMap<&str, &str> = res
        .merged
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut grown = 0;
    for (i, (now, before)) in res.entity.iter().zip(&old_ids).enumerate() {
        let (now, before) = (now.as_str(), before.as_str());
        assert!(
            now == before || merged_into.get(before) == Some(&now),
            "record {i}: id {before} became {now} without a merge"
        );
    }
    // Entities that grew: an old id now also held by a new record.
    let old_set: std::collections::HashSet<&str> = old_ids.iter().map(String::as_str).collect();
    for e in &res.entity[n_old..] {
        if old_set.contains(e.as_str()) {
            grown += 1;
        }
    }
    assert!(
        grown > 100,
        "only {grown} new records joined existing entities"
    );

    // New records of people already seen mostly join one of that person's old entities;
    // new records of people not seen before mostly get a fresh id.
    let person_old: HashMap<u64, Vec<usize>> =
        records[..n_old]
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut m, (i, r)| {
                m.entry(r.person).or_default().push(i);
                m
            });
    let (mut seen, mut joined, mut unseen, mut fresh) = (0, 0, 0, 0);
    for (i, r) in records.iter().enumerate().skip(n_old) {
        match person_old.get(&r.person) {
            Some(olds) => {
                seen += 1;
                if olds.iter().any(|&o| res.entity[o] == res.entity[i]) {
                    joined += 1;
                }
            }
            None => {
                unseen += 1;
                if !old_set.contains(res.entity[i].as_str()) {
                    fresh += 1;
                }
            }
        }
    }
    eprintln!(
        "{n_old} old, {} new records; {grown} joined old entities; {joined}/{seen} of known people joined, {fresh}/{unseen} new people fresh",
        records.len() - n_old
    );
    assert!(seen > 100 && unseen > 100, "seen {seen}, unseen {unseen}");
    assert!(
        joined * 100 >= seen * 90,
        "{joined} of {seen} new records of known people joined their entity"
    );
    assert!(
        fresh * 100 >= unseen * 90,
        "{fresh} of {unseen} new people got a fresh entity"
    );
}

#[test]
fn a_grown_cluster_keeps_the_id_most_of_its_old_records_had() {
    let specs = vec![ColumnSpec::new("name", ColumnKind::Name)];
    let mut b = TableBuilder::new(&specs);
    let s = b.source("a.csv");
    for (id, name) in [
        ("1", "ann"),
        ("2", "ann"),
        ("3", "ann"),
        ("4", "bob"),
        ("5", "ann"),
    ] {
        b.push(s, id, [name]);
    }
    let t = b.finish();
    // Records 0-2 were entity E-ANN (0 and 1) and E-OTHER (2); record 3 was E-BOB; record 4 is
    // new. Now 0-2 and 4 form one cluster.
    let previous = vec![
        Some("E-ANN".to_owned()),
        Some("E-ANN".to_owned()),
        Some("E-OTHER".to_owned()),
        Some("E-BOB".to_owned()),
        None,
    ];
    let (ids, merged) = assign_ids(&t, &[0, 0, 0, 1, 0], &previous);
    assert_eq!(ids, ["E-ANN", "E-ANN", "E-ANN", "E-BOB", "E-ANN"]);
    assert_eq!(merged, [("E-OTHER".to_owned(), "E-ANN".to_owned())]);
    // A cluster of new records only gets a fresh id, the same on every run.
    let (fresh, _) = assign_ids(&t, &[0, 0, 0, 1, 2], &previous);
    assert!(fresh[4].starts_with('E') && fresh[4] != "E-ANN" && fresh[4] != "E-BOB");
    assert_eq!(fresh, assign_ids(&t, &[0, 0, 0, 1, 2], &previous).0);
}

fn pair(a: u32, b: u32, probability: f64) -> ScoredPair {
    ScoredPair {
        a,
        b,
        weight: weight_of(probability),
        pattern: 0,
    }
}

#[test]
fn a_weak_cluster_is_reported_and_can_be_split() {
    let specs = vec![ColumnSpec::new("name", ColumnKind::Name)];
    let mut b = TableBuilder::new(&specs);
    let s = b.source("a.csv");
    for i in 0..7 {
        b.push(s, &i.to_string(), ["x"]);
    }
    let t = b.finish();
    // A triangle 0-1-2 held to the pair 3-4 by one weak link (2-3, probability 0.6); 4-5 is a
    // bridge too but a strong one; 6 stays alone (its only pair is below the threshold).
    let pairs = vec![
        pair(0, 1, 0.99),
        pair(0, 2, 0.98),
        pair(1, 2, 0.97),
        pair(2, 3, 0.6),
        pair(3, 4, 0.99),
        pair(4, 5, 0.95),
        pair(5, 6, 0.2),
    ];
    let c = cluster(&t, &pairs, 0.5, &[false]);
    assert_eq!(c.count, 2);
    assert!((0..6).all(|i| c.cluster_of[i] == c.cluster_of[0]));
    let weak = weak_links(&c, &pairs, 0.5, 0.9);
    assert_eq!(weak.len(), 1, "{weak:?}");
    assert_eq!((weak[0].pair.a, weak[0].pair.b), (2, 3));
    assert_eq!(weak[0].cluster, c.cluster_of[2]);
    // With a stricter bar the strong bridge 4-5 (0.95) is reported too; the triangle's links
    // are never bridges.
    let stricter = weak_links(&c, &pairs, 0.5, 0.999);
    let found: Vec<(u32, u32)> = stricter.iter().map(|w| (w.pair.a, w.pair.b)).collect();
    assert_eq!(found, [(2, 3), (3, 4), (4, 5)]);

    let split = split_weak(t.len(), &pairs, 0.5, &weak);
    assert_eq!(split.count, 3);
    assert!((0..3).all(|i| split.cluster_of[i] == split.cluster_of[0]));
    assert!((3..6).all(|i| split.cluster_of[i] == split.cluster_of[3]));
    assert_ne!(split.cluster_of[0], split.cluster_of[3]);
    assert!(weak_links(&split, &pairs, 0.5, 0.9).is_empty());
}
