//! End to end: `synth` writes extracts, `link` reads them and writes
//! pairs, clusters, weak links, the report and the model; a second run links new records into
//! the first run's entities; bad configuration and bad CSV are refused naming the file, line
//! and key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use wholeplace_linkage::{LinkType, NoProgress};
use wholeplace_linkage_job::{JobError, LinkOptions, LinkOutcome, SynthOptions, link, synth};

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("linkage-job-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temporary directory");
    d
}

fn args(inputs: Vec<PathBuf>, output_dir: PathBuf) -> LinkOptions {
    LinkOptions {
        inputs,
        output_dir,
        ..LinkOptions::default()
    }
}

/// Links without showing progress.
fn run_link(options: &LinkOptions) -> Result<(), JobError> {
    link(options, &NoProgress).map(drop)
}

/// Rows of a CSV file, header first.
fn rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| r.expect("record").iter().map(ToOwned::to_owned).collect())
        .collect()
}

/// Writes rows as CSV.
fn write_rows(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).expect("create");
    for r in rows {
        w.write_record(r).expect("write");
    }
    w.flush().expect("flush");
}

/// The input files `synth` wrote (every CSV but the truth), in name order.
fn extracts(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("synth output")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "csv")
                && p.file_name().is_some_and(|f| f != "truth.csv")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn link_writes_pairs_clusters_weak_links_report_and_model_and_relinks_new_records() {
    let d = dir("e2e");
    synth(&SynthOptions {
        people: 400,
        seed: 3,
        sources: 2,
        duplicate_rate: None,
        corruption: 1.0,
        output_dir: d.join("synth"),
    })
    .expect("synth");
    let inputs = extracts(&d.join("synth"));
    assert_eq!(inputs.len(), 2);
    let out = d.join("out");
    let mut a = args(inputs.clone(), out.clone());
    a.mode = Some(LinkType::Link);
    a.save_model = Some(d.join("model.json"));
    a.truth = Some(d.join("synth/truth.csv"));
    let outcome = link(&a, &NoProgress).expect("link");

    // pairs.csv: the documented columns, only pairs across the two files, probabilities at or
    // above the default floor.
    let pairs = rows(&out.join("pairs.csv"));
    assert_eq!(
        pairs[0][..6],
        [
            "source_l",
            "record_id_l",
            "source_r",
            "record_id_r",
            "match_weight",
            "match_probability"
        ]
    );
    assert!(pairs[0].contains(&"first_name_level".to_owned()));
    assert!(pairs.len() > 100, "{} pairs", pairs.len() - 1);
    for r in &pairs[1..] {
        assert_eq!(r.len(), pairs[0].len());
        assert_ne!(r[0], r[2], "link mode pairs records of different files");
        let p: f64 = r[5].parse().expect("probability");
        assert!((0.01..=1.0).contains(&p), "{p}");
    }

    // clusters.csv: every input record exactly once, with an entity and a household.
    let clusters = rows(&out.join("clusters.csv"));
    assert_eq!(
        clusters[0],
        ["source", "record_id", "entity_id", "household"]
    );
    let input_records: usize = inputs.iter().map(|p| rows(p).len() - 1).sum();
    assert_eq!(clusters.len() - 1, input_records);
    let LinkOutcome::Linked {
        records, entities, ..
    } = outcome
    else {
        panic!("linked, not encoded: {outcome:?}");
    };
    assert_eq!(records, input_records);
    let entity: HashMap<(String, String), String> = clusters[1..]
        .iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].clone()))
        .collect();
    assert_eq!(entity.len(), input_records, "no record twice");
    assert!(
        clusters[1..]
            .iter()
            .all(|r| r[2].starts_with('E') && r[3].starts_with('H'))
    );
    let distinct: std::collections::HashSet<&String> = entity.values().collect();
    assert!(distinct.len() < input_records, "some records were linked");
    assert_eq!(entities, distinct.len());

    assert_eq!(
        rows(&out.join("weak_links.csv"))[0],
        [
            "entity_id",
            "source_l",
            "record_id_l",
            "source_r",
            "record_id_r",
            "match_probability"
        ]
    );
    let report = std::fs::read_to_string(out.join("report.html")).expect("report");
    for part in [
        "<h1>Record linkage report</h1>",
        "Accuracy against the truth given",
        "Parameter estimates",
        "Distribution of match weights",
    ] {
        assert!(report.contains(part), "the report lacks {part}");
    }
    let model: wholeplace_linkage::Model =
        serde_json::from_str(&std::fs::read_to_string(d.join("model.json")).expect("model"))
            .expect("a saved model");
    assert_eq!(model.settings.link_type, wholeplace_linkage::LinkType::Link);

    // A third extract arrives with copies of five records of the first file under new ids:
    // with the saved model and the first run's clusters, each copy joins its original's
    // entity, and the old records keep their ids.
    let first = rows(&inputs[0]);
    let mut third = vec![first[0].clone()];
    for (k, r) in first[1..6].iter().enumerate() {
        let mut r = r.clone();
        r[0] = format!("new-{k}");
        third.push(r);
    }
    let third_path = d.join("housing.csv");
    write_rows(&third_path, &third);
    let out2 = d.join("out2");
    let mut b = args(
        vec![inputs[0].clone(), inputs[1].clone(), third_path],
        out2.clone(),
    );
    b.mode = Some(LinkType::Link);
    b.model = Some(d.join("model.json"));
    b.existing_clusters = Some(out.join("clusters.csv"));
    run_link(&b).expect("incremental link");
    let clusters2 = rows(&out2.join("clusters.csv"));
    assert_eq!(clusters2.len() - 1, input_records + 5);
    let entity2: HashMap<(String, String), String> = clusters2[1..]
        .iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].clone()))
        .collect();
    let source_a = inputs[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    for (k, r) in first[1..6].iter().enumerate() {
        let original = &entity[&(source_a.clone(), r[0].clone())];
        assert_eq!(
            &entity2[&("housing.csv".to_owned(), format!("new-{k}"))],
            original,
            "copy {k} joins the entity of record {}",
            r[0]
        );
    }
    let changed = entity
        .iter()
        .filter(|(k, v)| entity2.get(*k) != Some(*v))
        .count();
    assert!(
        changed <= 5,
        "{changed} old records changed entity id (only merges through the new records may)"
    );
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).expect("write");
    path.to_owned()
}

const CSV: &str = "record_id,first_name,surname,dob,postcode\n\
1,Ann,Smith,01/02/1980,SW1A 1AA\n\
2,Anne,Smith,01/02/1980,SW1A 1AA\n\
3,Bob,Jones,03/04/1975,M1 1AE\n";

#[test]
fn a_bad_configuration_is_refused_naming_the_file_line_and_key() {
    let d = dir("bad-config");
    let input = write(&d.join("people.csv"), CSV);
    let cases = [
        (
            "mode = \"dedupe\"\nthreshold = 0.5\ncolums = { first_name = \"first_name\" }\n",
            "line 3",
            "colums",
        ),
        (
            "threshold = 0.5\n\nblocking = [[\"surname:sounds_like\"]]\n",
            "line 3",
            "sounds_like",
        ),
        ("mode = \"merge\"\n", "line 1", "merge"),
        ("threshold = 1.5\n", "threshold", "between 0 and 1"),
    ];
    for (k, (toml, line, key)) in cases.iter().enumerate() {
        let config = write(&d.join(format!("linkage-{k}.toml")), toml);
        let mut a = args(vec![input.clone()], d.join("out"));
        a.config = Some(config.clone());
        let err = format!("{:#}", run_link(&a).expect_err("a bad configuration"));
        assert!(
            err.contains(&config.display().to_string()),
            "case {k}: the file is named: {err}"
        );
        assert!(err.contains(line), "case {k}: {line} is named: {err}");
        assert!(err.contains(key), "case {k}: {key} is named: {err}");
        assert!(err.contains("fix"), "case {k}: a fix is given: {err}");
    }
    // A configured column the file lacks is named with the columns the file has.
    let config = write(
        &d.join("linkage-columns.toml"),
        "[columns]\nfirst_name = \"forename\"\nsurname = \"surname\"\n",
    );
    let mut a = args(vec![input.clone()], d.join("out"));
    a.config = Some(config);
    let err = format!("{:#}", run_link(&a).expect_err("a missing column"));
    assert!(
        err.contains("people.csv") && err.contains("`forename`"),
        "{err}"
    );
    assert!(
        err.contains("record_id, first_name, surname, dob, postcode"),
        "{err}"
    );
}

#[test]
fn a_bad_csv_is_refused_naming_the_file_and_line() {
    let d = dir("bad-csv");
    // A row with a field too many on line 4.
    let extra = write(
        &d.join("extra.csv"),
        &(CSV.to_owned() + "4,Cat,Brown,05/06/1990,B1 1AA,surplus\n"),
    );
    let err = format!(
        "{:#}",
        run_link(&args(vec![extra], d.join("out"))).expect_err("too many fields")
    );
    assert!(err.contains("extra.csv") && err.contains("line 5"), "{err}");
    assert!(err.contains("fields"), "{err}");
    // A row that is not UTF-8 on line 3.
    let mut bytes =
        b"record_id,first_name,surname,dob,postcode\n1,Ann,Smith,01/02/1980,SW1A 1AA\n".to_vec();
    bytes.extend_from_slice(b"2,Ren\xe9e,Smith,01/02/1980,SW1A 1AA\n");
    let latin1 = d.join("latin1.csv");
    std::fs::write(&latin1, bytes).expect("write");
    let err = format!(
        "{:#}",
        run_link(&args(vec![latin1], d.join("out"))).expect_err("not UTF-8")
    );
    assert!(
        err.contains("latin1.csv") && err.contains("line 3"),
        "{err}"
    );
    assert!(err.contains("UTF-8"), "{err}");
    // A file that does not exist.
    let err = format!(
        "{:#}",
        run_link(&args(vec![d.join("missing.csv")], d.join("out"))).expect_err("no file")
    );
    assert!(err.contains("missing.csv"), "{err}");
}

#[test]
fn line_numbers_count_from_the_file_start_across_read_chunks() {
    // Large enough to be read in several chunks, with a quoted field holding a line break
    // before the bad row: the error still names the right line.
    let d = dir("chunks");
    let mut text = String::from("record_id,first_name,surname,dob,postcode\n");
    text.push_str("0,\"Ann\nMarie\",Smith,01/02/1980,SW1A 1AA\n");
    // The next row starts on line 4.
    let mut line = 4;
    for i in 1..60_000 {
        text.push_str(&format!("{i},Name{i},Surname,01/02/1980,SW1A 1AA\n"));
        line += 1;
    }
    text.push_str("bad,row\n");
    let path = write(&d.join("big.csv"), &text);
    let err = format!(
        "{:#}",
        run_link(&args(vec![path], d.join("out"))).expect_err("a short row")
    );
    assert!(err.contains(&format!("line {line}")), "line {line}: {err}");
}

#[test]
fn the_shipped_example_configuration_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/linkage/linkage.toml");
    let cfg = wholeplace_linkage_job::LinkConfig::load(&path).expect("the example loads");
    assert_eq!(cfg.mode, Some(wholeplace_linkage::LinkType::Dedupe));
    assert_eq!(cfg.threshold, Some(0.5));
    let columns = cfg.columns.expect("a [columns] table");
    assert_eq!(columns.address.as_deref(), Some("street"));
}

/// Collects the warnings a run gives.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);

impl wholeplace_linkage::Progress for Warnings {
    fn warn(&self, message: &str) {
        self.0.lock().expect("lock").push(message.to_owned());
    }
}

impl wholeplace_linkage_job::JobProgress for Warnings {}

#[test]
fn encoded_files_keep_every_value_when_a_field_is_missing_from_the_first_rows() {
    let d = dir("encoded-widths");
    let head = "record_id,first_name,surname,dob,nhs_number\n";
    // The first file's first record has no NHS number, and the first file has no later one
    // either until its third row; the second file's first record has one.
    let a = write(
        &d.join("a.csv"),
        &format!(
            "{head}a1,Ann,Lee,1980-02-01,\na2,Bob,Hill,1975-06-30,\na3,Cal,Moss,1990-12-12,9434765919\n"
        ),
    );
    let b = write(
        &d.join("b.csv"),
        &format!(
            "{head}b1,Cal,Moss,1990-12-12,9434765919\nb2,Ann,Lee,1980-02-01,\nb3,Dee,Ray,1988-03-03,4010232137\n"
        ),
    );
    let key = write(&d.join("key"), "a key held by both agencies only");
    let mut enc = args(vec![a, b], d.join("enc"));
    enc.encode = true;
    enc.key_file = Some(key);
    run_link(&enc).expect("encode");
    let mut linked = args(
        vec![d.join("enc/a.encoded.csv"), d.join("enc/b.encoded.csv")],
        d.join("out"),
    );
    linked.encoded = true;
    linked.mode = Some(LinkType::Link);
    let seen = Warnings::default();
    link(&linked, &seen).expect("link encoded");
    let warnings = seen.0.lock().expect("lock").clone();
    assert!(
        warnings.iter().all(|w| !w.contains("invalid")),
        "no encoded value is dropped: {warnings:?}"
    );
}
