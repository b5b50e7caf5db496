//! One target per parser of outside input. Each takes the fuzzer's bytes, hands them to the
//! parser the way the application does, and exercises what the application does next with a
//! parse that succeeds (an appraisal model is prepared and appraised, a linkage configuration
//! is turned into settings and compiled against a table): a panic or a hang anywhere on that
//! path is a finding.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::mutate::{Grammar, mutate};
use crate::rng::Rng;

/// How a target makes a mutated input from a seed when it knows the format's structure.
pub type Structured = fn(&mut Rng, &[u8], &[Vec<u8>], &Grammar) -> Vec<u8>;

/// A fuzz target.
#[derive(Clone, Copy)]
pub struct Target {
    /// Its name on the command line.
    pub name: &'static str,
    /// The entry point it calls, for the report.
    pub entry: &'static str,
    /// Stack of the thread that runs it: 2 MiB (tokio's workers and blocking pool, rayon)
    /// where the web application parses this input, 8 MiB (the main thread) where only the
    /// command line does.
    pub stack_bytes: usize,
    /// Tokens, nesting and size limit for the byte mutations.
    pub grammar: Grammar,
    /// The seed corpus.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// A format-aware mutation, used for half the inputs when given.
    pub structured: Option<Structured>,
    /// Runs the parser on one input; a panic is a finding.
    pub run: fn(&[u8]),
}

const MIB: usize = 1024 * 1024;

/// Every target.
pub fn all() -> Vec<Target> {
    vec![
        Target {
            name: "tabular-csv",
            entry: "wholeplace_tabular::read_csv",
            stack_bytes: 2 * MIB,
            grammar: Grammar {
                tokens: CSV_TOKENS,
                nest: &[(b"\"", b"\"")],
                max_len: 64 * 1024,
            },
            seeds: csv_seeds,
            structured: None,
            run: run_tabular_csv,
        },
        Target {
            name: "tabular-xlsx",
            entry: "wholeplace_tabular::read_xlsx",
            stack_bytes: 2 * MIB,
            grammar: Grammar {
                tokens: XML_TOKENS,
                nest: XML_NEST,
                max_len: 256 * 1024,
            },
            seeds: xlsx_seeds,
            structured: Some(structured_tabular_xlsx),
            run: run_tabular_xlsx,
        },
        Target {
            name: "appraisal-toml",
            entry: "wholeplace_appraisal::parse_model_toml, Engine::prepare, appraise",
            stack_bytes: 2 * MIB,
            grammar: Grammar {
                tokens: MODEL_TOKENS,
                nest: TOML_NEST,
                max_len: 64 * 1024,
            },
            seeds: model_toml_seeds,
            structured: None,
            run: run_appraisal_toml,
        },
        Target {
            name: "appraisal-xlsx",
            entry: "wholeplace_appraisal_report::read_model_xlsx, Engine::prepare, locate_all",
            stack_bytes: 2 * MIB,
            grammar: Grammar {
                tokens: XML_TOKENS,
                nest: XML_NEST,
                max_len: 512 * 1024,
            },
            seeds: model_xlsx_seeds,
            structured: Some(structured_zip),
            run: run_appraisal_xlsx,
        },
        Target {
            name: "linkage-config",
            entry: "wholeplace_linkage_job::LinkConfig::parse, settings, Linker::new",
            stack_bytes: 8 * MIB,
            grammar: Grammar {
                tokens: LINK_CONFIG_TOKENS,
                nest: TOML_NEST,
                max_len: 64 * 1024,
            },
            seeds: link_config_seeds,
            structured: None,
            run: run_linkage_config,
        },
        Target {
            name: "linkage-csv",
            entry: "wholeplace_linkage_job::input::read_csv (via a file)",
            stack_bytes: 8 * MIB,
            grammar: Grammar {
                tokens: CSV_TOKENS,
                nest: &[(b"\"", b"\"")],
                max_len: 64 * 1024,
            },
            seeds: link_csv_seeds,
            structured: None,
            run: run_linkage_csv,
        },
        Target {
            name: "splink-settings",
            entry: "wholeplace_linkage::splink::load",
            stack_bytes: 8 * MIB,
            grammar: Grammar {
                tokens: SPLINK_TOKENS,
                nest: &[(b"[", b"]"), (b"{\"a\":", b"}"), (b"(", b")")],
                max_len: 64 * 1024,
            },
            seeds: splink_seeds,
            structured: None,
            run: run_splink,
        },
        Target {
            name: "web-form",
            entry: "wholeplace_web::FormFields::from_request",
            stack_bytes: 2 * MIB,
            grammar: Grammar {
                tokens: FORM_TOKENS,
                nest: &[],
                max_len: 64 * 1024,
            },
            seeds: form_seeds,
            structured: None,
            run: run_web_form,
        },
    ]
}

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    all().into_iter().find(|t| t.name == name)
}

// ---------------------------------------------------------------------------------------------
// Tabular

const CSV_TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\"a,b\"",
    b"'=SUM(A1)",
    b"=SUM(A1)",
    b"'",
    b"\xef\xbb\xbf",
    b",,,,,,,,,,,,,,,,",
    b"2024/25",
    b"12.50",
    b"-12.50",
    b"31/02/2000",
    b"2000-13-45",
    b"19991231",
    b"SW1A 1AA",
    b"record_id",
    b"first_name",
    b"surname",
    b"dob",
    b"postcode",
];

fn csv_seeds() -> Vec<Vec<u8>> {
    vec![
        b"name,kind,amount\nSherwood,ward,12.50\nKent,county,-3\n".to_vec(),
        b"\xef\xbb\xbfName, Level ,GSS code\r\n\"Tunbridge Wells, Borough\",district,E07000116\r\n"
            .to_vec(),
        b"a,b,c\n\"multi\nline\",\"quote \"\"here\"\"\",'=1+1\n,,\n".to_vec(),
        b"funder,title,amount,year\nLottery,Youth club,\"1,000\",2024/25\n".to_vec(),
        b"only\n".to_vec(),
    ]
}

fn run_tabular_csv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = wholeplace_tabular::read_csv(&text) {
        // What importers do next: find columns, write the table back out.
        let _ = t.column("amount");
        let _ = wholeplace_tabular::write_csv(&t);
    }
}

const XML_TOKENS: &[&[u8]] = &[
    b"<row r=\"1\">",
    b"</row>",
    b"<row r=\"1048577\">",
    b"<c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is></c>",
    b"<c r=\"XFD1048576\"><v>1</v></c>",
    b"<c r=\"A0\"><v>1</v></c>",
    b"<c r=\"ZZZZZZ1\"><v>1</v></c>",
    b"<c><v>1</v></c>",
    b"<c r=\"B2\" t=\"s\"><v>0</v></c>",
    b"<c r=\"B2\" t=\"s\"><v>4294967296</v></c>",
    b"<c r=\"C3\" t=\"b\"><v>2</v></c>",
    b"<c r=\"C3\" t=\"e\"><v>#DIV/0!</v></c>",
    b"<c r=\"C3\" t=\"d\"><v>2024-13-45T25:00:00</v></c>",
    b"<c r=\"C3\" t=\"str\"><f>SUM(A1)</f><v>x</v></c>",
    b"<c r=\"D4\" s=\"99999\"><v>45000</v></c>",
    b" t=\"s\"",
    b" t=\"n\"",
    b" t=\"inlineStr\"",
    b" r=\"A1\"",
    b" r=\"",
    b"<v>",
    b"</v>",
    b"<v>1e308</v>",
    b"<v>-1e309</v>",
    b"<v>NaN</v>",
    b"<t>",
    b"</t>",
    b"<si><t>",
    b"</t></si>",
    b"&amp;",
    b"&lt;",
    b"&#0;",
    b"&#x1;",
    b"&#xD800;",
    b"&#x110000;",
    b"&#99999999999;",
    b"&unknown;",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE a [<!ENTITY x \"xxxxxxxxxx\"><!ENTITY y \"&x;&x;&x;&x;&x;&x;&x;&x;\">]>",
    b"&y;",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b" xml:space=\"preserve\"",
    b"<dimension ref=\"A1:XFD1048576\"/>",
    b"<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/>",
    b"Target=\"../../../etc/passwd\"",
    b"Target=\"worksheets/sheet1.xml\"",
    b"<mergeCell ref=\"A1:XFD1048576\"/>",
];

const XML_NEST: &[(&[u8], &[u8])] = &[
    (b"<a>", b"</a>"),
    (b"<is>", b"</is>"),
    (b"<r><t>", b"</t></r>"),
    (b"<row>", b"</row>"),
];

/// The sheet that the tabular target reads.
const SHEET: &str = "Data";

fn table(headers: &[&str], rows: &[&[&str]]) -> wholeplace_tabular::Table {
    wholeplace_tabular::Table {
        headers: headers.iter().map(|s| (*s).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect(),
    }
}

/// `<sheetData>` contents for hand-written workbooks.
const ROWS_XML: &[&str] = &[
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>amount</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Sherwood</t></is></c><c r="B2"><v>12.5</v></c></row>"#,
    r#"<row r="3"><c r="C3" t="inlineStr"><is><t>late header</t></is></c></row><row r="5"><c r="C5" t="b"><v>1</v></c><c r="D5" t="e"><v>#N/A</v></c></row>"#,
    r#"<row r="1"><c r="A1" t="str"><f>1+1</f><v>2</v></c><c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>"#,
    r#"<row r="1"><c r="A1" t="inlineStr"><is><r><t>rich</t></r><r><t> text</t></r></is></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>"#,
    r#"<row><c><v>1</v></c><c><v>2</v></c></row><row><c t="inlineStr"><is><t>'=cmd</t></is></c></row>"#,
];

const DIMENSIONS: &[&str] = &[
    "A1",
    "A1:B2",
    "A1:XFD1048576",
    "",
    "B2:A1",
    "ZZZZ9999999",
    "A0",
];

fn xlsx_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let t = table(
        &["name", "kind", "amount"],
        &[
            &["Sherwood", "ward", "12.50"],
            &["Kent", "county", "-3"],
            &["=1+1", "", "x"],
        ],
    );
    if let Ok(b) = wholeplace_tabular::write_xlsx(&[(SHEET, &t, &[2])]) {
        seeds.push(b);
    }
    let t2 = table(&["a"], &[&["\u{e9}t\u{e9}"], &[""], &["line\nbreak"]]);
    if let Ok(b) =
        wholeplace_tabular::write_xlsx_reproducible(&[(SHEET, &t2, &[]), ("Other", &t, &[])])
    {
        seeds.push(b);
    }
    for (i, rows) in ROWS_XML.iter().enumerate() {
        seeds.push(
            wholeplace_tabular::workbook::minimal_workbook_with_dimension(
                SHEET,
                DIMENSIONS[i % DIMENSIONS.len()],
                rows,
            ),
        );
    }
    seeds
}

/// Half the time a hand-written workbook whose sheet XML and declared dimension are mutated
/// (then zipped properly, so the zip reader lets it through); otherwise one part of a seed's
/// zip mutated and the zip rebuilt.
fn structured_tabular_xlsx(rng: &mut Rng, base: &[u8], seeds: &[Vec<u8>], g: &Grammar) -> Vec<u8> {
    if rng.chance(1, 2) {
        let rows: Vec<Vec<u8>> = ROWS_XML.iter().map(|r| r.as_bytes().to_vec()).collect();
        let base_rows = rng.pick(&rows).clone();
        let rows_xml = mutate(rng, &base_rows, &rows, g);
        let dim = if rng.chance(1, 4) {
            let d = rng.pick(DIMENSIONS).as_bytes().to_vec();
            String::from_utf8_lossy(&mutate(rng, &d, &[], &Grammar::PLAIN)).into_owned()
        } else {
            (*rng.pick(DIMENSIONS)).to_owned()
        };
        let sheet = if rng.chance(1, 16) {
            "Data\u{0}"
        } else {
            SHEET
        };
        wholeplace_tabular::workbook::minimal_workbook_with_dimension(
            sheet,
            &dim.replace('"', "&quot;"),
            &String::from_utf8_lossy(&rows_xml),
        )
    } else {
        structured_zip(rng, base, seeds, g)
    }
}

fn run_tabular_xlsx(data: &[u8]) {
    if let Ok(t) = wholeplace_tabular::read_xlsx(data, SHEET) {
        let _ = t.column("amount");
    }
}

/// The parts of a zip, or `None` when it cannot be read.
fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        let name = f.name().ok()?.into_owned();
        let mut data = Vec::new();
        f.by_ref()
            .take(8 * MIB as u64)
            .read_to_end(&mut data)
            .ok()?;
        parts.push((name, data));
    }
    Some(parts)
}

fn rezip(parts: &[(String, Vec<u8>)], stored: bool) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default().compression_method(if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    });
    for (name, data) in parts {
        if zip.start_file(name.as_str(), opts).is_ok() {
            zip.write_all(data).ok();
        }
    }
    zip.finish().ok();
    out.into_inner()
}

/// One part of the seed's zip mutated (the sheets, shared strings and workbook more often than
/// the rest), sometimes a part dropped, doubled or renamed, then the zip rebuilt. Raw byte
/// mutation of the zip itself for a quarter of the inputs, or when the seed is no zip.
fn structured_zip(rng: &mut Rng, base: &[u8], seeds: &[Vec<u8>], g: &Grammar) -> Vec<u8> {
    let parts = if rng.chance(1, 4) { None } else { unzip(base) };
    let Some(mut parts) = parts.filter(|p| !p.is_empty()) else {
        return mutate(rng, base, seeds, g);
    };
    let xml: Vec<usize> = (0..parts.len())
        .filter(|&i| {
            let n = &parts[i].0;
            n.contains("worksheets/") || n.contains("sharedStrings") || n.ends_with("workbook.xml")
        })
        .collect();
    let i = if !xml.is_empty() && rng.chance(3, 4) {
        *rng.pick(&xml)
    } else {
        rng.below(parts.len())
    };
    match rng.below(16) {
        0 => {
            parts.remove(i);
        }
        1 => {
            let p = parts[i].clone();
            parts.push(p);
        }
        2 => {
            let (_, data) = parts[i].clone();
            let j = rng.below(parts.len());
            parts[j].1 = data;
        }
        3 => {
            let name = parts[i].0.as_bytes().to_vec();
            parts[i].0 =
                String::from_utf8_lossy(&mutate(rng, &name, &[], &Grammar::PLAIN)).into_owned();
        }
        _ => {
            let others: Vec<Vec<u8>> = parts.iter().map(|(_, d)| d.clone()).collect();
            parts[i].1 = mutate(rng, &parts[i].1, &others, g);
        }
    }
    rezip(&parts, rng.chance(1, 4))
}

// ---------------------------------------------------------------------------------------------
// Appraisal models

const MODEL_TOML: &str = include_str!("../../../examples/appraisal/family-intervention.toml");
const MODEL_XLSX: &[u8] = include_bytes!("../../../examples/appraisal/family-intervention.xlsx");

const MODEL_TOKENS: &[&[u8]] = &[
    b"[appraisal]\n",
    b"[parameters]\n",
    b"[[outcomes]]\n",
    b"[[costs]]\n",
    b"[[as_is]]\n",
    b"[[local_unit_costs]]\n",
    b"[doing_nothing]\n",
    b"[[doing_nothing.states]]\n",
    b"[[doing_nothing.transitions]]\n",
    b"format_version = 1\n",
    b"horizon_years = 100000\n",
    b"horizon_years = 4294967296\n",
    b"start_year = \"2014/15\"\n",
    b"price_base = \"1900/01\"\n",
    b"\"2014/15\"",
    b"\"9999/00\"",
    b"\"2014/16\"",
    b"\"triangular(1, 2, 3)\"",
    b"\"triangular(3, 2, 1)\"",
    b"\"normal(0, -1)\"",
    b"\"uniform(1e308, -1e308)\"",
    b"\"pert(0, 0, 0)\"",
    b"\"lognormal(1, 1e308)\"",
    b"\"beta(0, 0)\"",
    b"[0, 0.05, 0.10, 0.15, 0.25, 0.40]",
    b"[{ from_year = 0, to_year = 30, rate = 0.035 }, { from_year = 31, rate = -1 }]",
    b"amounts = [1e308, -1e308, nan, inf]",
    b"lag_years = 4294967295\n",
    b"duration_years = 0\n",
    b"drop_off = 1.5\n",
    b"probability = 2\n",
    b"quantity = -1\n",
    b"years = [0, 99999]\n",
    b"unit_cost = \"XX-NOPE\"\n",
    b"grade = 99\n",
    b"nan",
    b"inf",
    b"-inf",
    b"1979-05-27T07:32:00Z",
    b"\"\"\"",
    b"'''",
    b"\\u0000",
    b"\\uD800",
    b"= ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"a.b.c = 1\n",
];

const TOML_NEST: &[(&[u8], &[u8])] = &[(b"[", b"]"), (b"{a=", b"}"), (b"a.", b"")];

fn model_toml_seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![MODEL_TOML.as_bytes().to_vec()];
    // A model stripped of its comments, and its header alone (an incomplete stored model).
    let bare: String = MODEL_TOML
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("{}\n", l.split(" #").next().unwrap_or(l)))
        .collect();
    let header: String = bare
        .lines()
        .take_while(|l| !l.starts_with("[[") && !l.starts_with("[parameters"))
        .map(|l| format!("{l}\n"))
        .collect();
    seeds.push(bare.into_bytes());
    seeds.push(header.into_bytes());
    seeds
}

fn engine() -> Option<&'static wholeplace_appraisal::Engine> {
    static ENGINE: OnceLock<Option<wholeplace_appraisal::Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| wholeplace_appraisal::Engine::shipped().ok())
        .as_ref()
}

fn run_appraisal_toml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(file) = wholeplace_appraisal::parse_model_toml(&text) else {
        return;
    };
    let Some(engine) = engine() else { return };
    // A stored model is prepared and appraised on every view.
    if let Ok(m) = engine.prepare(&file, Some(&text)) {
        let _ = wholeplace_appraisal::appraise(&m);
    }
}

fn model_xlsx_seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![MODEL_XLSX.to_vec()];
    if let Ok(file) = wholeplace_appraisal::parse_model_toml(MODEL_TOML)
        && let Ok(b) = wholeplace_appraisal_report::model_xlsx(&file)
    {
        seeds.push(b);
    }
    seeds
}

fn run_appraisal_xlsx(data: &[u8]) {
    let Ok((file, layout)) = wholeplace_appraisal_report::read_model_xlsx(data) else {
        return;
    };
    let Some(engine) = engine() else { return };
    // What the upload does: problems the engine finds are located in the workbook's cells.
    match engine.prepare(&file, None) {
        Ok(m) => {
            let _ = wholeplace_appraisal::appraise(&m);
        }
        Err(e) => {
            let _ = layout.locate_all(e);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Linkage

const LINK_TOML: &str = include_str!("../../../examples/linkage/linkage.toml");

const LINK_CONFIG_TOKENS: &[&[u8]] = &[
    b"mode = \"link\"\n",
    b"threshold = 0.99999999999\n",
    b"threshold = -0.0\n",
    b"id_column = \"nope\"\n",
    b"[columns]\n",
    b"[training]\n",
    b"[[extra_columns]]\n",
    b"date_formats = [\"%d/%m/%Y\", \"%Y-%m-%d\", \"%Y%m%d\", \"%d %b %Y\", \"%\", \"%%\", \"%y\", \"\"]\n",
    b"\"%d/%m/%Y\"",
    b"\"%\"",
    b"\"%Q\"",
    b"\"%b%b%b\"",
    b"blocking = [[\"first_name\", \"surname\"], [\"postcode:postcode_area\"], []]\n",
    b"blocking = []\n",
    b"\"surname:initial\"",
    b"\"dob:day_month_unordered\"",
    b"\"x:nope\"",
    b"\":\"",
    b"comparisons = [{ type = \"name\", column = \"first_name\", swap_with = \"surname\", nicknames = true }]\n",
    b"comparisons = []\n",
    b"{ type = \"date\", column = \"dob\" }",
    b"{ type = \"postcode\", column = \"postcode\" }",
    b"{ type = \"text\", column = \"street\" }",
    b"{ type = \"identifier\", column = \"nhs_number\" }",
    b"{ type = \"exact\", column = \"sex\" }",
    b"{ type = \"number\", column = \"house_number\" }",
    b"{ type = \"dice\", column = \"surname\" }",
    b"prior = { method = \"fixed\", probability = 0 }\n",
    b"prior = { method = \"em\" }\n",
    b"prior = { method = \"deterministic\" }\n",
    b"em_sessions = [[\"dob\"]]\n",
    b"em_max_iterations = 18446744073709551615\n",
    b"em_tolerance = -1\n",
    b"u_sample_pairs = 0\n",
    b"max_block_size = 0\n",
    b"weak_link_below = 2\n",
    b"household_columns = []\n",
    b"duplicate_free = [\"a.csv\"]\n",
    b"identifiers = [\"nhs_number\", \"nhs_number\"]\n",
    b"kind = \"date\"\n",
    b"name = \"dob\"\n",
];

fn link_config_seeds() -> Vec<Vec<u8>> {
    vec![
        LINK_TOML.as_bytes().to_vec(),
        b"".to_vec(),
        b"mode = \"link\"\nthreshold = 0.9\ndate_formats = [\"%Y%m%d\", \"%d %b %Y\"]\nblocking = [[\"surname:soundex\", \"dob:year\"], [\"postcode:postcode_sector\"]]\ncomparisons = [\n  { type = \"name\", column = \"first_name\", swap_with = \"surname\", nicknames = true },\n  { type = \"date\", column = \"dob\" },\n  { type = \"postcode\", column = \"postcode\" },\n]\n[training]\nseed = 1\nem_max_iterations = 5\nprior = { method = \"fixed\", probability = 0.001 }\nem_sessions = [[\"dob\"], [\"surname\"]]\n".to_vec(),
        b"[columns]\nfirst_name = \"given_name\"\nsurname = \"surname\"\ndob = \"date_of_birth\"\nidentifiers = [\"soc_sec_id\"]\n\n[[extra_columns]]\nname = \"street\"\nkind = \"text\"\n".to_vec(),
    ]
}

/// A small table's records, by header: what the configuration is compiled against.
const LINK_HEADERS: &[&str] = &[
    "record_id",
    "first_name",
    "surname",
    "dob",
    "sex",
    "postcode",
    "house_number",
    "street",
    "town",
    "nhs_number",
    "ni_number",
    "given_name",
    "date_of_birth",
    "soc_sec_id",
];
const LINK_ROWS: &[&[&str]] = &[
    &[
        "1",
        "Ann",
        "Smith",
        "1980-02-29",
        "F",
        "SW1A 1AA",
        "10",
        "Downing Street",
        "London",
        "9434765919",
        "QQ123456C",
        "Ann",
        "29/02/1980",
        "1234567",
    ],
    &[
        "2",
        "Anne",
        "Smyth",
        "29/02/1980",
        "f",
        "sw1a1aa",
        "10",
        "Downing St",
        "LONDON",
        "",
        "",
        "Anne",
        "1980-02-29",
        "1234568",
    ],
    &[
        "3",
        "Bob",
        "Jones",
        "31/12/1999",
        "M",
        "TN1 1AA",
        "",
        "High Street",
        "Tunbridge Wells",
        "9434765870",
        "",
        "Robert",
        "19991231",
        "",
    ],
    &[
        "4",
        "",
        "",
        "not a date",
        "",
        "ZZ99 9ZZ",
        "x",
        "",
        "",
        "1",
        "",
        "",
        "",
        "",
    ],
];

fn run_linkage_config(data: &[u8]) {
    use wholeplace_linkage::defaults::{PersonColumns, person_settings};
    use wholeplace_linkage::{ColumnKind, Linker, TableBuilder};
    let text = String::from_utf8_lossy(data);
    let Ok(cfg) = wholeplace_linkage_job::LinkConfig::parse(&text, Path::new("linkage.toml"))
    else {
        return;
    };
    // As `wholeplace link` does: columns, specs and settings from the configuration.
    let person = cfg
        .columns
        .clone()
        .unwrap_or_else(|| PersonColumns::detect(LINK_HEADERS));
    let mut specs = person.column_specs();
    specs.extend(cfg.extra_columns.iter().cloned());
    let mut s = person_settings(&person, cfg.mode.unwrap_or_default());
    cfg.apply_to(&mut s);
    if !cfg.date_formats.is_empty() {
        for spec in &mut specs {
            if let ColumnKind::Date { formats } = &mut spec.kind {
                *formats = cfg
                    .date_formats
                    .iter()
                    .map(|f| wholeplace_linkage::standardise::DateFormat(f.clone()))
                    .collect();
            }
        }
    }
    // Standardise a few records with those specs (date formats are parsed here) and compile.
    let mut b = TableBuilder::new(&specs);
    let src = b.source("a.csv");
    for row in LINK_ROWS {
        let get = |name: &str| {
            LINK_HEADERS
                .iter()
                .position(|h| *h == name)
                .map_or("", |i| row[i])
        };
        b.push(src, row[0], specs.iter().map(|c| get(&c.name)));
    }
    let table = b.finish();
    let _ = Linker::new(&table, &s);
}

fn link_csv_seeds() -> Vec<Vec<u8>> {
    let mut rows = String::from(
        "record_id,first_name,surname,dob,sex,postcode,house_number,street,town,nhs_number\n",
    );
    for r in LINK_ROWS {
        let cells: Vec<String> = r[..10]
            .iter()
            .map(|c| {
                if c.contains(',') || c.contains(' ') {
                    format!("\"{c}\"")
                } else {
                    (*c).to_owned()
                }
            })
            .collect();
        rows.push_str(&cells.join(","));
        rows.push('\n');
    }
    vec![
        rows.into_bytes(),
        b"rec_id,given_name,surname,date_of_birth,postcode,soc_sec_id\nrec-1-org,sarah,\"o'brien\",19560501,2615,5304218\nrec-1-dup-0,sara,obrien,19560105,2615,5304218\r\n".to_vec(),
        b"id,name\n\"1\",\"multi\nline, quoted \"\"name\"\"\"\n2,\n".to_vec(),
        b"\xef\xbb\xbfperson_id;surname\n1;Smith\n".to_vec(),
    ]
}

fn scratch_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wholeplace-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir.join("input.csv")
    })
}

/// Removes this process's scratch folder (the linkage CSV target's file), if it made one.
pub fn remove_scratch() {
    if let Some(dir) = scratch_file().parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn run_linkage_csv(data: &[u8]) {
    use wholeplace_linkage::defaults::PersonColumns;
    let path = scratch_file();
    if std::fs::write(path, data).is_err() {
        return;
    }
    // As `wholeplace link` does: specs recognised from the file's own headers.
    let Ok(heads) = wholeplace_linkage_job::input::headers(path) else {
        return;
    };
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let specs = PersonColumns::detect(&head_refs).column_specs();
    let mut table = None;
    let _ = wholeplace_linkage_job::input::read_csv(path, "input", &specs, None, 25, &mut table);
}

const SPLINK_JSON: &str =
    include_str!("../../wholeplace-linkage/tests/fixtures/splink_febrl4_settings.json");

const SPLINK_TOKENS: &[&[u8]] = &[
    b"\"sql_condition\": ",
    b"\"l.a = r.a\"",
    b"\"ELSE\"",
    b"\"\\\"a_l\\\" IS NULL OR \\\"a_r\\\" IS NULL\"",
    b"levenshtein(\\\"a_l\\\", \\\"a_r\\\") <= 1",
    b"damerau_levenshtein(a_l, a_r) <= 99999999999",
    b"jaro_winkler_similarity(a_l, a_r) >= 0.9",
    b"jaro_similarity(",
    b"abs(date_diff('year', a_l, a_r)) <= 1e308",
    b"abs(datediff('day', a_l, a_r)) <= -1",
    b"abs(",
    b"substr(l.a, 1, 4294967296) = substr(r.a, 1, 1)",
    b"substr(",
    b"array_length(list_intersect(a_l, a_r)) >= 1",
    b" AND ",
    b" and ",
    b" OR ",
    b" or ",
    b" IS NULL",
    b" >= ",
    b" <= ",
    b" = ",
    b"(",
    b")",
    b"'",
    b"\\\"",
    b"\"m_probability\": ",
    b"\"u_probability\": ",
    b"\"tf_adjustment_column\": \"a\"",
    b"\"tf_adjustment_weight\": 1e308",
    b"\"comparison_levels\": []",
    b"\"comparisons\": []",
    b"\"blocking_rules_to_generate_predictions\": []",
    b"\"link_type\": \"link_only\"",
    b"\"link_type\": \"dedupe_only\"",
    b"\"probability_two_random_records_match\": 1e-400",
    b"\"is_null_level\": true",
    b"null",
    b"true",
    b"0",
    b"-0",
    b"1.0000000000000002",
    b"\\u0000",
    b"\\ud800",
    b"\"",
    b",",
    b":",
];

fn splink_seeds() -> Vec<Vec<u8>> {
    vec![
        SPLINK_JSON.as_bytes().to_vec(),
        br#"{"link_type":"dedupe_only","probability_two_random_records_match":0.001,"blocking_rules_to_generate_predictions":["l.surname = r.surname"],"comparisons":[{"output_column_name":"surname","comparison_levels":[{"sql_condition":"surname_l IS NULL OR surname_r IS NULL","is_null_level":true},{"sql_condition":"surname_l = surname_r","m_probability":0.9,"u_probability":0.01,"tf_adjustment_column":"surname"},{"sql_condition":"levenshtein(surname_l, surname_r) <= 2","m_probability":0.05,"u_probability":0.05},{"sql_condition":"ELSE","m_probability":0.05,"u_probability":0.94}]}]}"#.to_vec(),
        b"{}".to_vec(),
    ]
}

fn run_splink(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = wholeplace_linkage::splink::load(&text);
}

// ---------------------------------------------------------------------------------------------
// Web forms

const FORM_TOKENS: &[&[u8]] = &[
    b"&",
    b"=",
    b"&&",
    b"==",
    b"+",
    b"%",
    b"%0",
    b"%00",
    b"%01",
    b"%7F",
    b"%FF",
    b"%C3%A9",
    b"%C3",
    b"%ED%A0%80",
    b"%F0%9F%98%80",
    b"%2B",
    b"%26",
    b"%3D",
    b"%GG",
    b"%%",
    b"csrf=",
    b"name=",
    b"tick=",
    b"tick=1&tick=2",
    b"amount=12.50",
    b"%0D%0A",
];

fn form_seeds() -> Vec<Vec<u8>> {
    vec![
        b"csrf=0123456789abcdef&name=Sherwood+ward&amount=12.50&year=2024%2F25".to_vec(),
        b"csrf=x&tick=1&tick=2&tick=3&note=caf%C3%A9+%26+bar".to_vec(),
        b"".to_vec(),
        b"name&=&=x&a==b".to_vec(),
    ]
}

fn run_web_form(data: &[u8]) {
    use axum::extract::FromRequest;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let Ok(req) = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(data.to_vec()))
    else {
        return;
    };
    let mut fut = std::pin::pin!(wholeplace_web::FormFields::from_request(req, &()));
    let mut cx = Context::from_waker(Waker::noop());
    // A complete in-memory body: the extractor finishes without waiting on anything.
    for _ in 0..16 {
        if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
            if let Ok(f) = r {
                let _ = (f.get("name"), f.all("tick"));
            }
            return;
        }
    }
    panic!("the form extractor did not finish on a complete in-memory body");
}
