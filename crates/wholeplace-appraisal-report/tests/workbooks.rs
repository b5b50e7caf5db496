//! The XLSX workbooks: the results workbook's sheets and figures, the model workbook's round trip
//! (TOML -> workbook -> model is the same model, and gives the same results), the shipped example
//! workbook, and errors that name the sheet and cell.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;
use wholeplace_appraisal::model::{ModelFile, parse_model_toml};
use wholeplace_appraisal::{Engine, appraise};
use wholeplace_appraisal_report::{ModelSource, build_report, build_report_from};
use wholeplace_appraisal_report::{model_xlsx, read_model_xlsx, report_xlsx};

const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");
const EXAMPLE_XLSX_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/appraisal/family-intervention.xlsx"
);

/// The shipped example workbook. `WHOLEPLACE_WRITE_EXAMPLE_WORKBOOK=1 cargo test -p
/// wholeplace-appraisal-report` rewrites it from the TOML example first (the same as
/// `wholeplace appraise examples/appraisal/family-intervention.toml --format model-xlsx --output
/// examples/appraisal/family-intervention.xlsx`).
fn example_xlsx() -> Vec<u8> {
    if std::env::var_os("WHOLEPLACE_WRITE_EXAMPLE_WORKBOOK").is_some() {
        let bytes = model_xlsx(&parse_model_toml(EXAMPLE).expect("parses")).expect("writes");
        std::fs::write(EXAMPLE_XLSX_PATH, bytes).expect("write the example workbook");
    }
    std::fs::read(EXAMPLE_XLSX_PATH).expect("examples/appraisal/family-intervention.xlsx")
}

/// A model using every part of the format the example does not: parameter overrides, a discount
/// band with an end, a unit cost restricted to some values, distributions with a point value,
/// normal and lognormal inputs, a health line and a doing-nothing horizon.
const FULL: &str = r#"
[appraisal]
format_version = 1
title = "Everything, \"quoted\""
description = "A line, with a comma"
price_base = "2014/15"
start_year = "2015/16"
horizon_years = 6
cohort = "40 families"
place = "Sherwood"
[parameters]
set = "green-book-2022"
discount_schedule = [{ from_year = 0, to_year = 2, rate = 0.05 }, { from_year = 3, rate = 0.03 }]
health_discount_rate = 0.015
optimism_bias = [0, 0.05, 0.1, 0.15, 0.25, 0.4]
stale_after_years = 8
payback_within_years = 4
[[local_unit_costs]]
code = "L-1"
description = "Visit avoided"
unit = "per visit"
theme = "Local"
agency = "Council"
fiscal = 120.5
social = 40
price_year = "2014/15"
transfer_share = 0.25
source = "council finance, 2015"
grade = 2
partner = "Town"
[[as_is]]
name = "Police call-outs"
unit_cost = "CR1.0"
events_per_year = 12.5
quantity = 2
agency = "Police"
[doing_nothing]
years = 5
[[doing_nothing.states]]
name = "At risk"
initial = 40
annual_cost = 1000
price_year = "2014/15"
agency = "Council"
[[doing_nothing.states]]
name = "In care"
initial = 0
unit_cost = "SS1.0"
quantity = 1
[[doing_nothing.transitions]]
from = "At risk"
to = "In care"
probability = 0.05
[[costs]]
name = "Workers"
option = "Option B"
agency = "Council"
kind = "in-kind"
grade = 3
price_year = "2013/14"
amounts = [1000.25, 0, 500]
optimism_bias = 0.2
scale = { dist = "lognormal", median = 1.0, sigma = 0.1, point = 1.05 }
notes = "=SUM(A1) is text, not a formula"
[[costs]]
name = "Building"
agency = "NHS"
kind = "capital"
grade = 5
price_year = "2014/15"
amounts = [20000]
optimism_bias_category = "standard-buildings"
[[outcomes]]
name = "Visits avoided"
option = "Option B"
counted_as = "visits avoided"
unit_costs = ["L-1", { code = "CR1.0", quantity = 0.5, fiscal_agency = "Police, North", values = ["fiscal"] }]
cohort = { dist = "normal", mean = 40, sd = 3 }
engagement = 0.8
impact = { dist = "pert", min = 0.1, mode = 0.2, max = 0.4, point = 0.25 }
deadweight = { dist = "uniform", min = 0.1, max = 0.3 }
attribution = 0.1
displacement = 0.05
lag_years = 1
duration_years = 3
drop_off = 0.2
grade = 3
cashable = 0.4
cashable_from_year = 2
health = true
evidence = "trial, 2014"
[[outcomes]]
name = "Incidents"
unit_costs = ["CR1.0"]
impact_count = 12
comparison = "matched area"
grade = 1
health = false
"#;

fn engine() -> Engine {
    Engine::shipped().expect("engine")
}

fn round_trip(src: &str) -> ModelFile {
    let m = parse_model_toml(src).expect("parses");
    let bytes = model_xlsx(&m).expect("writes");
    let (back, _) = read_model_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, m);
    back
}

#[test]
fn toml_to_workbook_to_model_is_the_same_model() {
    round_trip(EXAMPLE);
    round_trip(FULL);
}

#[test]
fn toml_and_workbook_give_identical_results() {
    for src in [EXAMPLE, FULL] {
        let e = engine();
        let from_toml = build_report(&e, src, None, 300, 7, false).expect("toml");
        let bytes = model_xlsx(&parse_model_toml(src).expect("parses")).expect("writes");
        let (m, layout) = read_model_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let from_xlsx =
            build_report_from(&e, m, ModelSource::Workbook(&layout), None, 300, 7, false)
                .expect("workbook");
        assert_eq!(from_toml.results, from_xlsx.results);
        assert_eq!(from_toml.monte_carlo, from_xlsx.monte_carlo);
        assert!(
            from_toml
                .results
                .options
                .iter()
                .all(|o| o.summary.pv_costs > 0.0)
        );
    }
}

#[test]
fn the_shipped_example_workbook_is_the_example_model() {
    let (m, _) = read_model_xlsx(&example_xlsx()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m, parse_model_toml(EXAMPLE).expect("parses"));
    let p = engine().prepare(&m, None).unwrap_or_else(|e| panic!("{e}"));
    let from_toml = engine()
        .prepare(&parse_model_toml(EXAMPLE).expect("parses"), None)
        .expect("valid");
    assert_eq!(appraise(&p), appraise(&from_toml));
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("opens");
    let r = wb.worksheet_range(name).expect("sheet");
    r.rows().map(|row| row.to_vec()).collect()
}

fn find_number(rows: &[Vec<Data>], label: &str) -> Option<f64> {
    rows.iter()
        .find(|r| matches!(r.first(), Some(Data::String(s)) if s == label))
        .and_then(|r| match r.get(1) {
            Some(Data::Float(f)) => Some(*f),
            _ => None,
        })
}

#[test]
fn results_workbook_has_every_sheet_and_the_figures() {
    let report = build_report(&engine(), EXAMPLE, None, 200, 3, false).expect("report");
    let bytes = report_xlsx(&report, report.model.as_ref()).expect("writes");
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).expect("opens");
    assert_eq!(
        wb.sheet_names(),
        vec![
            "Inputs",
            "Per-year streams",
            "Ledger",
            "Results",
            "How calculated"
        ]
    );
    let o = &report.results.options[0];
    let results = sheet(&bytes, "Results");
    let npbi = find_number(&results, "Net present budget impact (NPBI)").expect("npbi");
    assert!(
        (npbi - o.summary.npbi).abs() < 1e-6,
        "{npbi} vs {}",
        o.summary.npbi
    );
    let pvc = find_number(&results, "PV costs (after optimism bias)").expect("pv costs");
    assert!((pvc - o.summary.pv_costs).abs() < 1e-6);
    for name in [
        "Inputs",
        "Per-year streams",
        "Ledger",
        "Results",
        "How calculated",
    ] {
        let rows = sheet(&bytes, name);
        assert!(
            rows.iter()
                .flatten()
                .any(|c| matches!(c, Data::String(s) if s == &report.results.attribution)),
            "{name} shows the attribution"
        );
    }
    let streams = sheet(&bytes, "Per-year streams");
    let year_rows = streams
        .iter()
        .filter(|r| matches!(r.first(), Some(Data::String(s)) if s == &o.name))
        .count();
    assert_eq!(year_rows, report.results.horizon_years as usize);
    let ledger = sheet(&bytes, "Ledger");
    for l in &o.ledger {
        assert!(
            ledger
                .iter()
                .any(|r| matches!(r.first(), Some(Data::String(s)) if s == &l.agency))
        );
    }
    assert!(
        ledger
            .iter()
            .flatten()
            .any(|c| matches!(c, Data::String(s) if s.starts_with("Who pays")))
    );
    let how = sheet(&bytes, "How calculated");
    let ids: Vec<&str> = how
        .iter()
        .filter_map(|r| match r.get(1) {
            Some(Data::String(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    for e in &o.explanations {
        assert!(ids.contains(&e.id.as_str()), "{} traced", e.id);
    }
    let inputs = sheet(&bytes, "Inputs");
    assert!(
        inputs
            .iter()
            .flatten()
            .any(|c| matches!(c, Data::String(s) if s.starts_with("pert(")))
    );
}

/// A workbook written cell by cell, to break it on purpose.
fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(x) => ws.write_number(r as u32, c as u16, x),
                    Err(_) => ws.write_string(r as u32, c as u16, *v),
                }
                .expect("write");
            }
        }
    }
    wb.save_to_buffer().expect("save")
}

const APPRAISAL: &[&[&str]] = &[
    &["key", "value"],
    &["format_version", "1"],
    &["title", "Broken"],
    &["price_base", "2014/15"],
    &["start_year", "2014/15"],
    &["horizon_years", "3"],
];

/// Found by `wholeplace-fuzz` (appraisal-xlsx): a `year 4294967295` column made the reader
/// allocate amounts for every year up to it (32 GB), aborting the process.
#[test]
fn a_year_column_beyond_any_horizon_is_refused_not_allocated() {
    for (header, refused) in [
        ("year 4294967295", true),
        ("year 18446744073709551615", true),
        ("year 300", true),
        ("year 299", false),
    ] {
        let bytes = workbook(&[
            ("Appraisal", APPRAISAL),
            (
                "Costs",
                &[
                    &["name", "agency", "kind", "grade", "price_year", header],
                    &["C", "Council", "revenue", "1", "2014/15", "100"],
                ],
            ),
        ]);
        let text = match read_model_xlsx(&bytes) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            text.contains("sheet Costs, cell F1") && text.contains("years count from 0 to 299"),
            refused,
            "{header}: {text}"
        );
    }
}

#[test]
fn errors_name_the_sheet_and_cell_and_say_how_to_fix() {
    let bytes = workbook(&[
        ("Appraisal", APPRAISAL),
        (
            "Outcomes",
            &[
                &[
                    "name",
                    "unit_costs",
                    "cohort",
                    "impact",
                    "grade",
                    "deadwieght",
                ],
                &["A", "CR1.0", "10", "pert(0.1, 0.2", "2", ""],
                &[],
                &["B", "CR1.0", "ten", "0.2", "two", ""],
            ],
        ),
        (
            "Costs",
            &[
                &["name", "agency", "kind", "grade", "price_year", "year 0"],
                &["C", "Council", "revenue", "1", "2014", "100"],
            ],
        ),
    ]);
    let e = read_model_xlsx(&bytes).expect_err("broken");
    let text = e.to_string();
    for want in [
        "sheet Outcomes, cell F1",
        "deadwieght",
        "sheet Outcomes, cell D2",
        "closing bracket",
        "sheet Outcomes, cell C4",
        "sheet Outcomes, cell E4",
        "whole number",
        "sheet Costs, cell E2",
        "is not a financial year",
    ] {
        assert!(text.contains(want), "'{want}' missing from:\n{text}");
    }
}

#[test]
fn engine_refusals_are_located_in_the_workbook() {
    let bytes = workbook(&[
        ("Appraisal", APPRAISAL),
        (
            "Outcomes",
            &[
                &[
                    "name",
                    "unit_costs",
                    "cohort",
                    "impact",
                    "grade",
                    "deadweight",
                ],
                &["A", "CR1.0", "10", "0.2", "2", "1.5"],
            ],
        ),
        (
            "Costs",
            &[
                &["name", "agency", "kind", "grade", "price_year", "year 0"],
                &["C", "Council", "revenue", "9", "2014/15", "100"],
            ],
        ),
    ]);
    let (m, layout) = read_model_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let err = build_report_from(
        &engine(),
        m,
        ModelSource::Workbook(&layout),
        None,
        0,
        1,
        false,
    )
    .expect_err("refused");
    let text = format!("{err:#}");
    assert!(text.contains("sheet Outcomes, cell F2"), "{text}");
    assert!(text.contains("sheet Costs, cell D2"), "{text}");
}

#[test]
fn unreadable_workbooks_are_errors_not_panics() {
    for bytes in [b"not a workbook".to_vec(), Vec::new(), {
        let m = model_xlsx(&parse_model_toml(EXAMPLE).expect("parses")).expect("writes");
        m[..m.len() / 2].to_vec()
    }] {
        let e = read_model_xlsx(&bytes).expect_err("unreadable");
        assert!(
            e.to_string().contains(".xlsx") || e.to_string().contains("sheet"),
            "{e}"
        );
    }
    let no_appraisal = workbook(&[("Costs", &[&["name"]])]);
    let e = read_model_xlsx(&no_appraisal).expect_err("no appraisal sheet");
    assert!(e.to_string().contains("no sheet named Appraisal"), "{e}");
}

/// Format version 2's keys travel through the workbook: intakes (list and rule), a cashable
/// schedule with the year capacity goes, and a fiscal split.
const SECOND_PASS: &str = r#"
[appraisal]
format_version = 2
title = "second pass"
start_year = "2024/25"
horizon_years = 6

[[costs]]
name = "panel"
agency = "Council"
kind = "revenue"
grade = 2
price_year = "2024/25"
amounts = [50000, 50000]

[[outcomes]]
name = "families"
unit_costs = [{ code = "SS1.0", fiscal_split = [{ agency = "Council", percent = 60 }, { agency = "NHS", percent = 40 }] }]
intakes = [10, 20, 30]
impact = 0.3
deadweight = 0.2
duration_years = 2
grade = 3
cashable_schedule = [0, 0.5, 1]
capacity_removed_year = 1
capacity_removed = "one key-worker post"

[[outcomes]]
name = "more families"
unit_costs = ["SS1.0"]
intakes = { per_year = 5, years = 3, from_year = 1 }
impact = 0.2
deadweight = 0.1
duration_years = 1
grade = 2
"#;

#[test]
fn second_pass_keys_round_trip_through_the_workbook() {
    let m = round_trip(SECOND_PASS);
    assert_eq!(m.appraisal.price_base, None);
    let e = engine();
    let from_toml = build_report(&e, SECOND_PASS, None, 0, 7, false).expect("toml");
    let bytes = model_xlsx(&m).expect("writes");
    let (back, layout) = read_model_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let from_xlsx = build_report_from(&e, back, ModelSource::Workbook(&layout), None, 0, 7, false)
        .expect("workbook");
    assert_eq!(from_toml.results, from_xlsx.results);
    assert_eq!(from_toml.results.price_base, "2024/25");
}
