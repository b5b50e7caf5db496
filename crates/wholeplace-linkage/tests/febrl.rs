//! FEBRL accuracy: dataset 4a+4b linked without labels, datasets 1-3 deduplicated.

use wholeplace_linkage::defaults::{PersonColumns, person_settings};
use wholeplace_linkage::evaluate;
use wholeplace_linkage::{LinkType, Linker, NoProgress, Table, TableBuilder, cluster};

fn load(files: &[&str]) -> (Table, Vec<String>) {
    let mut builder = None;
    let mut truth = Vec::new();
    for f in files {
        let path = format!("{}/../../data/febrl/{f}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("FEBRL data is in the repository");
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .expect("header")
            .split(',')
            .map(str::trim)
            .collect();
        let cols = PersonColumns::detect(&header[1..]);
        let specs = cols.column_specs();
        let b = builder.get_or_insert_with(|| (TableBuilder::new(&specs), specs.clone()));
        let idx: Vec<usize> =
            b.1.iter()
                .map(|s| header.iter().position(|h| *h == s.name).expect("column"))
                .collect();
        let src = b.0.source(f);
        for line in lines {
            let v: Vec<&str> = line.split(',').map(str::trim).collect();
            b.0.push(src, v[0], idx.iter().map(|&i| v[i]));
            let id = v[0];
            truth.push(id.split('-').nth(1).expect("rec-N").to_owned());
        }
    }
    (builder.expect("files").0.finish(), truth)
}

fn run(files: &[&str], link: LinkType) -> (f64, f64) {
    let (table, truth) = load(files);
    let header: Vec<&str> = vec![
        "given_name",
        "surname",
        "street_number",
        "address_1",
        "address_2",
        "suburb",
        "postcode",
        "state",
        "date_of_birth",
        "soc_sec_id",
    ];
    let settings = person_settings(&PersonColumns::detect(&header), link);
    let linker = Linker::new(&table, &settings).expect("settings");
    let model = linker.train(&NoProgress).expect("train");
    let pred = linker.predict(&model, 0.01, &NoProgress);
    let labels = evaluate::labels(&truth);
    let cross = link == LinkType::Link;
    let s = evaluate::pairwise(
        &table,
        &labels,
        pred.pairs
            .iter()
            .filter(|p| p.probability() >= 0.5)
            .map(|p| (p.a, p.b)),
        cross,
    );
    let guard = vec![cross; table.sources.len()];
    let c = cluster(&table, &pred.pairs, 0.5, &guard);
    let cs = evaluate::clusters(&table, &labels, &c, cross);
    eprintln!(
        "{files:?}: pairwise {s:?}\n  clusters {cs:?}\n  prior {} diag {:?}",
        model.prior, model.diagnostics
    );
    for (k, ps) in model.params.iter().enumerate() {
        eprintln!(
            "  {}: {}",
            model.settings.comparisons[k].name,
            ps.iter()
                .map(|l| format!("{}={:.3}/{:.5}", l.label, l.m, l.u))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    (s.f1, cs.pairs.f1)
}

#[test]
fn febrl4_links_at_f1_0_999_without_labels() {
    let (f1, _) = run(&["dataset4a.csv", "dataset4b.csv"], LinkType::Link);
    assert!(f1 >= 0.999, "pairwise F1 {f1}");
}

#[test]
fn febrl_1_to_3_deduplicate() {
    for (f, min) in [
        ("dataset1.csv", 0.9),
        ("dataset2.csv", 0.9),
        ("dataset3.csv", 0.8),
    ] {
        let (f1, _) = run(&[f], LinkType::Dedupe);
        assert!(f1 >= min, "{f}: F1 {f1}");
    }
}

#[test]
fn febrl4_privacy_preserving_links_at_f1_0_995() {
    use wholeplace_linkage::privacy::{EncodingSpec, encode, encoded_settings};
    let (table, truth) = load(&["dataset4a.csv", "dataset4b.csv"]);
    let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let header: Vec<&str> = names.iter().map(String::as_str).collect();
    let plain = person_settings(&PersonColumns::detect(&header), LinkType::Link);
    let spec = EncodingSpec::for_columns(&names, &plain.blocking);
    let encoded = encode(&table, b"a test key of thirty-two bytes!!", &spec).expect("encode");
    // Nothing but encodings and keyed blocking keys is linked.
    assert!(
        encoded
            .columns
            .iter()
            .all(|c| c.name.ends_with("_bf") || c.name == "clk" || c.name.starts_with("bk"))
    );
    let settings = encoded_settings(&spec, LinkType::Link);
    let linker = Linker::new(&encoded, &settings).expect("settings");
    let model = linker.train(&NoProgress).expect("train");
    let pred = linker.predict(&model, 0.01, &NoProgress);
    let labels = evaluate::labels(&truth);
    let s = evaluate::pairwise(
        &encoded,
        &labels,
        pred.pairs
            .iter()
            .filter(|p| p.probability() >= 0.5)
            .map(|p| (p.a, p.b)),
        true,
    );
    eprintln!("privacy-preserving FEBRL4: {s:?}");
    assert!(s.f1 >= 0.995, "pairwise F1 {}", s.f1);
}
