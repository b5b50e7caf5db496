//! The model workbook: the same content as the TOML model file (docs/APPRAISAL-MODEL.md) as an XLSX
//! workbook, for partners who work in spreadsheets. [`model_xlsx`] writes one from a model (the
//! shipped template is `examples/appraisal/family-intervention.xlsx`); [`read_model_xlsx`] reads
//! one back, naming the sheet and cell of every problem and saying how to fix it. It never panics
//! on a broken or unexpected workbook.
//!
//! Sheets (the layout is documented in docs/APPRAISAL-MODEL.md, "The model workbook"):
//! `Read me` (not read), `Appraisal` and `Parameters` (key, value, note), and one table sheet per
//! list of the model, with a header row of the TOML key names and one line per row: `Costs`
//! (amounts in columns `year 0`, `year 1` ...), `Outcomes`, `Local unit costs`, `As Is`,
//! `Doing nothing states` and `Doing nothing transitions`. Uncertain inputs are written in a cell
//! as `pert(0.02, 0.05, 0.1)`, `triangular(min, mode, max)`, `uniform(min, max)`,
//! `normal(mean, sd)` or `lognormal(median, sigma)`, optionally with `, point=x`.

use crate::xlsx::{Cell, Sheet};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::Serialize;
use serde_json::{Map, Value};
use wholeplace_appraisal::model::{
    DoingNothing, ModelErrors, ModelFile, ModelIssue, Num, ParametersSection, ValueRef,
};
use wholeplace_appraisal::params::DiscountBand;
use wholeplace_domain::FinancialYear;
use wholeplace_tabular::ReadError;
use wholeplace_tabular::workbook::{Data, Limits, SheetCells, Workbook as ReadWorkbook};

/// How a column's cells are read and written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Float,
    /// A number or a distribution.
    Num,
    Bool,
    Year,
    UnitCosts,
    /// A TOML value written as text: a list `[0, 0.5, 1]` or a table `{ per_year = 40, years = 5 }`.
    Toml,
}

type Spec = &'static [(&'static str, Kind)];

const COSTS: Spec = &[
    ("name", Kind::Text),
    ("option", Kind::Text),
    ("agency", Kind::Text),
    ("kind", Kind::Text),
    ("grade", Kind::Int),
    ("price_year", Kind::Year),
    ("optimism_bias_category", Kind::Text),
    ("optimism_bias", Kind::Float),
    ("scale", Kind::Num),
    ("notes", Kind::Text),
];

const OUTCOMES: Spec = &[
    ("name", Kind::Text),
    ("option", Kind::Text),
    ("counted_as", Kind::Text),
    ("unit_costs", Kind::UnitCosts),
    ("cohort", Kind::Num),
    ("intakes", Kind::Toml),
    ("engagement", Kind::Num),
    ("impact", Kind::Num),
    ("impact_count", Kind::Num),
    ("deadweight", Kind::Num),
    ("comparison", Kind::Text),
    ("attribution", Kind::Num),
    ("displacement", Kind::Num),
    ("lag_years", Kind::Int),
    ("duration_years", Kind::Int),
    ("drop_off", Kind::Num),
    ("grade", Kind::Int),
    ("cashable", Kind::Num),
    ("cashable_from_year", Kind::Int),
    ("cashable_schedule", Kind::Toml),
    ("capacity_removed_year", Kind::Int),
    ("capacity_removed", Kind::Text),
    ("health", Kind::Bool),
    ("evidence", Kind::Text),
];

const LOCAL: Spec = &[
    ("code", Kind::Text),
    ("description", Kind::Text),
    ("unit", Kind::Text),
    ("theme", Kind::Text),
    ("agency", Kind::Text),
    ("fiscal", Kind::Float),
    ("economic", Kind::Float),
    ("social", Kind::Float),
    ("price_year", Kind::Year),
    ("transfer_share", Kind::Float),
    ("source", Kind::Text),
    ("grade", Kind::Int),
    ("partner", Kind::Text),
    ("overrides", Kind::Text),
];

const AS_IS: Spec = &[
    ("name", Kind::Text),
    ("unit_cost", Kind::Text),
    ("events_per_year", Kind::Float),
    ("quantity", Kind::Float),
    ("agency", Kind::Text),
];

const STATES: Spec = &[
    ("name", Kind::Text),
    ("initial", Kind::Float),
    ("unit_cost", Kind::Text),
    ("quantity", Kind::Float),
    ("annual_cost", Kind::Float),
    ("price_year", Kind::Year),
    ("agency", Kind::Text),
];

const TRANSITIONS: Spec = &[
    ("from", Kind::Text),
    ("to", Kind::Text),
    ("probability", Kind::Float),
];

const APPRAISAL: Spec = &[
    ("format_version", Kind::Int),
    ("title", Kind::Text),
    ("description", Kind::Text),
    ("price_base", Kind::Year),
    ("start_year", Kind::Year),
    ("horizon_years", Kind::Int),
    ("cohort", Kind::Text),
    ("place", Kind::Text),
    ("doing_nothing_years", Kind::Int),
];

const PARAMETERS: Spec = &[
    ("set", Kind::Text),
    ("discount_schedule", Kind::Text),
    ("health_discount_rate", Kind::Float),
    ("optimism_bias", Kind::Text),
    ("stale_after_years", Kind::Int),
    ("payback_within_years", Kind::Int),
];

/// The table sheets: (sheet name, model table name used in messages, columns).
const TABLES: [(&str, &str, Spec); 6] = [
    ("Costs", "costs", COSTS),
    ("Outcomes", "outcomes", OUTCOMES),
    ("Local unit costs", "local_unit_costs", LOCAL),
    ("As Is", "as_is", AS_IS),
    ("Doing nothing states", "doing_nothing", STATES),
    (
        "Doing nothing transitions",
        "doing_nothing_transitions",
        TRANSITIONS,
    ),
];

fn note(key: &str) -> &'static str {
    match key {
        "format_version" => {
            "1 or 2: the rules the figures follow (docs/APPRAISAL-MODEL.md, Versions); new models use 2."
        }
        "title" => "Shown on reports.",
        "description" => "A sentence or two on what is appraised.",
        "price_base" => {
            "Every value is uprated to this financial year, e.g. 2014/15 (version 2: empty means the deflator series' last year, today's prices)."
        }
        "start_year" => "The financial year of appraisal year 0.",
        "horizon_years" => "Number of appraisal years (year 0 to horizon - 1).",
        "cohort" => "Who the cohort is (for reports).",
        "place" => "The partnership or place (for reports).",
        "doing_nothing_years" => {
            "Years of the doing-nothing projection (empty: the horizon). Used only when the sheet 'Doing nothing states' has rows."
        }
        "set" => "Built-in parameter set (empty: green-book-2022).",
        "discount_schedule" => {
            "Replace the discount schedule: bands 'from[-to]: rate' separated by ';', e.g. 0-29: 0.035; 30: 0.03"
        }
        "health_discount_rate" => {
            "Discount health lines at this rate flat, e.g. 0.015 (empty: the Green Book health schedule in version 2)."
        }
        "optimism_bias" => {
            "Replace the optimism bias for grades 1 to 6: six fractions, e.g. 0, 0.05, 0.1, 0.15, 0.25, 0.4"
        }
        "stale_after_years" => "Flag unit-cost values older than this many years.",
        "payback_within_years" => {
            "N in 'probability of payback within N years' (empty: the horizon)."
        }
        _ => "",
    }
}

const READ_ME: [&str; 17] = [
    "wholeplace appraisal model workbook (format versions 1 and 2: see format_version on the Appraisal sheet)",
    "The same content as the TOML model file described in docs/APPRAISAL-MODEL.md; the key and column names are the TOML key names.",
    "Run it with: wholeplace appraise MODEL.xlsx (add --format html --output report.html for the report).",
    "Sheets: Appraisal and Parameters (a key in column A, its value in column B); Costs, Outcomes, Local unit costs, As Is, Doing nothing states, Doing nothing transitions (a header row, then one line per row).",
    "Leave a cell empty for the default. Blank rows are skipped. This sheet is not read.",
    "Rates are fractions: write 30% as 0.3.",
    "Uncertain inputs (Costs: scale; Outcomes: cohort, engagement, impact, impact_count, deadweight, attribution, displacement, drop_off, cashable) take a number or a distribution:",
    "  triangular(min, mode, max)   pert(min, mode, max)   uniform(min, max)   normal(mean, sd)   lognormal(median, sigma)",
    "  add ', point=x' inside the brackets to set the value the deterministic appraisal uses, e.g. pert(0.02, 0.05, 0.1, point=0.06).",
    "Costs: amounts for appraisal years 0, 1, 2 ... go in the columns 'year 0', 'year 1' ...; add more 'year N' columns if needed.",
    "Outcomes, unit_costs: codes separated by commas, e.g. CR1.0, HO7.4; for options write a TOML inline table, e.g. CR1.0, { code = \"HO7.4\", quantity = 52, fiscal_agency = \"Council\" } or { code = \"SS1.0\", fiscal_split = [{ agency = \"Council\", percent = 60 }, { agency = \"NHS\", percent = 40 }] }",
    "Outcomes, intakes: a list such as [40, 40, 30] (the numbers entering in years 0, 1, 2) or { per_year = 40, years = 5 }; cashable_schedule: a list of shares by year such as [0, 0.5, 1].",
    "kind (Costs) is capital, revenue or in-kind; grade is a confidence grade from 1 (audited, current local data) to 6 (expert judgement).",
    "Financial years are written as 2014/15.",
    "Find unit-cost codes with: wholeplace unit-costs search WORDS",
    "Make this workbook from a TOML model with: wholeplace appraise MODEL.toml --format model-xlsx --output MODEL.xlsx",
    "Unit costs: GMCA Unit Cost Database v1.4 (CC BY 4.0); see the attribution in every report.",
];

// ---------------------------------------------------------------------------------------------
// Writing.

fn unit_costs_text(refs: &[ValueRef]) -> String {
    refs.iter()
        .map(|r| {
            if r.quantity == 1.0
                && r.fiscal_agency.is_none()
                && r.fiscal_split.is_none()
                && r.values.is_none()
            {
                r.code.clone()
            } else {
                let mut parts = vec![format!("code = {}", toml_str(&r.code))];
                if r.quantity != 1.0 {
                    parts.push(format!("quantity = {}", r.quantity));
                }
                if let Some(a) = &r.fiscal_agency {
                    parts.push(format!("fiscal_agency = {}", toml_str(a)));
                }
                if let Some(split) = &r.fiscal_split {
                    let shares: Vec<String> = split
                        .iter()
                        .map(|s| {
                            format!(
                                "{{ agency = {}, percent = {} }}",
                                toml_str(&s.agency),
                                s.percent
                            )
                        })
                        .collect();
                    parts.push(format!("fiscal_split = [{}]", shares.join(", ")));
                }
                if let Some(v) = &r.values {
                    let list: Vec<String> = v.iter().map(|s| toml_str(s)).collect();
                    parts.push(format!("values = [{}]", list.join(", ")));
                }
                format!("{{ {} }}", parts.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML value on one line: `[0, 0.5, 1]`, `{ per_year = 40, years = 5 }`.
fn toml_inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{k} = {}", toml_inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One cell of a serialised field.
fn cell_of(v: Option<&Value>, kind: Kind) -> Cell {
    match (v, kind) {
        (None | Some(Value::Null), _) => Cell::E,
        (Some(v), Kind::Num) => match serde_json::from_value::<Num>(v.clone()) {
            Ok(Num::Fixed(x)) => Cell::G(x),
            Ok(n) => Cell::t(n.to_text()),
            Err(_) => Cell::E,
        },
        (Some(v), Kind::UnitCosts) => match serde_json::from_value::<Vec<ValueRef>>(v.clone()) {
            Ok(r) => Cell::t(unit_costs_text(&r)),
            Err(_) => Cell::E,
        },
        (Some(v), Kind::Toml) => match serde_json::from_value::<toml::Value>(v.clone()) {
            Ok(t) => Cell::t(toml_inline(&t)),
            Err(_) => Cell::E,
        },
        (Some(Value::Number(n)), _) => n.as_f64().map(Cell::G).unwrap_or(Cell::E),
        (Some(Value::Bool(b)), _) => Cell::t(if *b { "true" } else { "false" }),
        (Some(Value::String(s)), _) => Cell::t(s.clone()),
        (Some(other), _) => Cell::t(other.to_string()),
    }
}

fn rows_of<T: Serialize>(items: &[T], spec: Spec, amounts: bool) -> (Vec<String>, Vec<Vec<Cell>>) {
    let objects: Vec<Map<String, Value>> = items
        .iter()
        .map(|i| match serde_json::to_value(i) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        })
        .collect();
    let years = if amounts {
        objects
            .iter()
            .filter_map(|o| o.get("amounts").and_then(Value::as_array).map(Vec::len))
            .max()
            .unwrap_or(0)
            .max(1)
    } else {
        0
    };
    let mut headers: Vec<String> = spec.iter().map(|(k, _)| (*k).to_owned()).collect();
    headers.extend((0..years).map(|t| format!("year {t}")));
    let rows = objects
        .iter()
        .map(|o| {
            let mut row: Vec<Cell> = spec
                .iter()
                .map(|(k, kind)| cell_of(o.get(*k), *kind))
                .collect();
            if amounts {
                let a = o.get("amounts").and_then(Value::as_array);
                row.extend((0..years).map(|t| {
                    a.and_then(|a| a.get(t))
                        .and_then(Value::as_f64)
                        .map(Cell::G)
                        .unwrap_or(Cell::E)
                }));
            }
            row
        })
        .collect();
    (headers, rows)
}

/// The cost lines as a header and rows (also used by the results workbook's Inputs sheet).
pub(crate) fn cost_rows(m: &ModelFile) -> (Vec<String>, Vec<Vec<Cell>>) {
    rows_of(&m.costs, COSTS, true)
}

/// The outcome lines as a header and rows.
pub(crate) fn outcome_rows(m: &ModelFile) -> (Vec<String>, Vec<Vec<Cell>>) {
    rows_of(&m.outcomes, OUTCOMES, false)
}

fn bands_text(b: &[DiscountBand]) -> String {
    b.iter()
        .map(|b| match b.to_year {
            Some(to) => format!("{}-{}: {}", b.from_year, to, b.rate),
            None => format!("{}: {}", b.from_year, b.rate),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes the model workbook.
pub fn model_xlsx(m: &ModelFile) -> Result<Vec<u8>, String> {
    write_model(m).map_err(|e| format!("cannot write the workbook: {e}"))
}

fn write_model(m: &ModelFile) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    {
        let mut s = Sheet::new(&mut wb, "Read me")?;
        s.widths(&[140.0])?;
        s.heading(&[READ_ME[0]])?;
        for l in &READ_ME[1..] {
            s.row(&[Cell::t(*l)])?;
        }
    }
    let a = &m.appraisal;
    let kv = |wb: &mut Workbook, name: &str, rows: Vec<(&str, Cell)>| -> Result<(), XlsxError> {
        let mut s = Sheet::new(wb, name)?;
        s.widths(&[24.0, 40.0, 90.0])?;
        s.heading(&["key", "value", "what it is"])?;
        for (k, v) in rows {
            s.row(&[Cell::t(k), v, Cell::t(note(k))])?;
        }
        Ok(())
    };
    let t = |s: &str| {
        if s.is_empty() { Cell::E } else { Cell::t(s) }
    };
    kv(
        &mut wb,
        "Appraisal",
        vec![
            ("format_version", Cell::G(a.format_version as f64)),
            ("title", t(&a.title)),
            ("description", t(&a.description)),
            (
                "price_base",
                a.price_base
                    .map(|p| Cell::t(p.to_string()))
                    .unwrap_or(Cell::E),
            ),
            ("start_year", Cell::t(a.start_year.to_string())),
            ("horizon_years", Cell::G(a.horizon_years as f64)),
            ("cohort", t(&a.cohort)),
            ("place", t(&a.place)),
            (
                "doing_nothing_years",
                m.doing_nothing
                    .as_ref()
                    .and_then(|d| d.years)
                    .map(|y| Cell::G(y as f64))
                    .unwrap_or(Cell::E),
            ),
        ],
    )?;
    let p = &m.parameters;
    let on = |x: Option<f64>| x.map(Cell::G).unwrap_or(Cell::E);
    let oi = |x: Option<u32>| x.map(|v| Cell::G(v as f64)).unwrap_or(Cell::E);
    kv(
        &mut wb,
        "Parameters",
        vec![
            ("set", p.set.as_deref().map(Cell::t).unwrap_or(Cell::E)),
            (
                "discount_schedule",
                p.discount_schedule
                    .as_deref()
                    .map(|b| Cell::t(bands_text(b)))
                    .unwrap_or(Cell::E),
            ),
            ("health_discount_rate", on(p.health_discount_rate)),
            (
                "optimism_bias",
                p.optimism_bias
                    .as_ref()
                    .map(|v| {
                        Cell::t(
                            v.iter()
                                .map(|x| x.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    })
                    .unwrap_or(Cell::E),
            ),
            ("stale_after_years", oi(p.stale_after_years)),
            ("payback_within_years", oi(p.payback_within_years)),
        ],
    )?;
    let dn = m.doing_nothing.as_ref();
    let tables = [
        cost_rows(m),
        outcome_rows(m),
        rows_of(&m.local_unit_costs, LOCAL, false),
        rows_of(&m.as_is, AS_IS, false),
        rows_of(
            dn.map(|d| d.states.as_slice()).unwrap_or(&[]),
            STATES,
            false,
        ),
        rows_of(
            dn.map(|d| d.transitions.as_slice()).unwrap_or(&[]),
            TRANSITIONS,
            false,
        ),
    ];
    for ((name, _, _), (headers, rows)) in TABLES.iter().zip(tables) {
        let mut s = Sheet::new(&mut wb, name)?;
        s.widths(&vec![16.0; headers.len()])?;
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        s.heading(&h)?;
        for r in rows {
            s.row(&r)?;
        }
    }
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// (table name, sheet, each column's key and index, each item's sheet row).
type TableLayout = (String, String, Vec<(String, u32)>, Vec<u32>);

/// Where each model item came from in a workbook, to turn engine messages into sheet and cell.
#[derive(Debug, Clone, Default)]
pub struct WorkbookLayout {
    /// Per table name: the sheet, each column's key and index, and each item's sheet row (0-based).
    tables: Vec<TableLayout>,
    /// Per key-value sheet: (table name, sheet, key, row).
    keys: Vec<(String, String, String, u32)>,
}

/// A spreadsheet cell name, e.g. (2, 0) -> "A3".
pub fn cell_name(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push((b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

impl WorkbookLayout {
    /// Rewrites an engine message's location ("outcomes #2 (Care), deadweight", "[appraisal]
    /// horizon_years") as the sheet and cell it came from, keeping the original in brackets.
    pub fn locate(&self, issue: &ModelIssue) -> ModelIssue {
        let loc = issue.location.as_str();
        let found = if let Some(rest) = loc.strip_prefix('[') {
            rest.split_once(']').and_then(|(table, key)| {
                let key = key.trim();
                self.keys
                    .iter()
                    .find(|(t, _, k, _)| t == table && k == key)
                    .map(|(_, sheet, _, row)| format!("sheet {sheet}, cell {}", cell_name(*row, 1)))
            })
        } else {
            let (table, rest) = loc.split_once(" #").unwrap_or((loc, ""));
            let n: usize = rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(1);
            let key = loc.rsplit_once(", ").map(|(_, k)| k.trim());
            self.tables
                .iter()
                .find(|(t, ..)| t == table)
                .and_then(|(_, sheet, cols, rows)| {
                    let row = *rows.get(n.saturating_sub(1))?;
                    let key = if key == Some("amounts") {
                        Some("year 0")
                    } else {
                        key
                    };
                    Some(match key.and_then(|k| cols.iter().find(|(c, _)| c == k)) {
                        Some((_, col)) => format!("sheet {sheet}, cell {}", cell_name(row, *col)),
                        None => format!("sheet {sheet}, row {}", row + 1),
                    })
                })
        };
        match found {
            Some(place) => ModelIssue {
                location: format!("{place} ({loc})"),
                line: None,
                message: issue.message.clone(),
            },
            None => issue.clone(),
        }
    }

    /// [`Self::locate`] for every issue.
    pub fn locate_all(&self, e: ModelErrors) -> ModelErrors {
        ModelErrors(e.0.iter().map(|i| self.locate(i)).collect())
    }
}

/// A model sheet: only its filled cells are held (see `wholeplace_tabular::workbook`).
type Grid = SheetCells;

/// What a model workbook may hold: a model has hundreds of lines, not a million.
/// The longest horizon the engine accepts (`horizon_years` is 1 to 300).
const MAX_HORIZON_YEARS: usize = 300;

fn model_limits() -> Limits {
    Limits {
        max_rows: 20_000,
        max_columns: 500,
        max_cells: 500_000,
        ..Limits::default()
    }
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

struct Problems {
    issues: Vec<ModelIssue>,
}

impl Problems {
    fn at(&mut self, sheet: &str, row: u32, col: u32, message: String) {
        self.issues.push(ModelIssue {
            location: format!("sheet {sheet}, cell {}", cell_name(row, col)),
            line: None,
            message,
        });
    }
}

/// Reads one cell as the JSON value serde expects for its kind (None: empty).
fn read_cell(d: &Data, kind: Kind) -> Result<Option<Value>, String> {
    if let Data::Error(e) = d {
        return Err(format!(
            "the cell holds a spreadsheet error ({e:?}): type a value"
        ));
    }
    let text = text_of(d);
    if text.is_empty() {
        return Ok(None);
    }
    let number = |d: &Data| match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    };
    let v = match kind {
        Kind::Text => match number(d) {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => Value::String(format!("{}", x as i64)),
            _ => Value::String(text),
        },
        Kind::Int => {
            let x = number(d)
                .or_else(|| text.parse::<f64>().ok())
                .ok_or_else(|| {
                    format!("'{text}' is not a whole number: write a number such as 3")
                })?;
            if x < 0.0 || x.fract() != 0.0 || x > u32::MAX as f64 {
                return Err(format!(
                    "{x} is not a whole number of 0 or more: write a number such as 3"
                ));
            }
            Value::from(x as u64)
        }
        Kind::Float => {
            let x = number(d)
                .or_else(|| text.replace([',', '£'], "").parse::<f64>().ok())
                .ok_or_else(|| {
                    format!("'{text}' is not a number: write a number such as 0.25 or 1200")
                })?;
            serde_json::Number::from_f64(x)
                .map(Value::Number)
                .ok_or_else(|| format!("{x} is not a finite number"))?
        }
        Kind::Num => match number(d) {
            Some(x) => serde_json::Number::from_f64(x)
                .map(Value::Number)
                .ok_or_else(|| format!("{x} is not a finite number"))?,
            None => match Num::from_text(&text)? {
                Num::Fixed(x) => serde_json::Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{x} is not a finite number"))?,
                Num::Dist(dist) => Value::String(dist.to_text()),
            },
        },
        Kind::Bool => match d {
            Data::Bool(b) => Value::Bool(*b),
            _ => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => {
                    return Err(format!(
                        "'{text}' is not true or false: write true or false"
                    ));
                }
            },
        },
        Kind::Year => {
            text.parse::<FinancialYear>().map_err(|e| e.to_string())?;
            Value::String(text)
        }
        Kind::Toml => {
            let t: toml::Table = toml::from_str(&format!("v = {text}")).map_err(|_| {
                format!("'{text}' is not a list or table: write a list such as [0, 0.5, 1] or a table such as {{ per_year = 40, years = 5 }}")
            })?;
            let v = t
                .get("v")
                .cloned()
                .unwrap_or(toml::Value::Array(Vec::new()));
            serde_json::to_value(v).map_err(|e| e.to_string())?
        }
        Kind::UnitCosts => Value::Array(
            parse_unit_costs(&text)?
                .into_iter()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .collect(),
        ),
    };
    Ok(Some(v))
}

/// Reads "CR1.0, { code = \"HO7.4\", quantity = 52 }".
fn parse_unit_costs(text: &str) -> Result<Vec<ValueRef>, String> {
    let mut pieces = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
    for (i, ch) in text.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    let items: Vec<String> = pieces
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.starts_with('{') || p.starts_with('"') {
                p.to_owned()
            } else {
                toml_str(p)
            }
        })
        .collect();
    #[derive(serde::Deserialize)]
    struct W {
        unit_costs: Vec<ValueRef>,
    }
    let src = format!("unit_costs = [{}]", items.join(", "));
    toml::from_str::<W>(&src).map(|w| w.unit_costs).map_err(|e| {
        format!(
            "'{text}' is not a list of unit costs ({}): write codes separated by commas, e.g. CR1.0, HO7.4, or {{ code = \"HO7.4\", quantity = 52 }} for a code with options",
            e.message().trim()
        )
    })
}

fn serde_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    let m = m.split(" at line ").next().unwrap_or(&m).to_owned();
    if m.contains("missing field") {
        format!("{m}: fill in that column (see docs/APPRAISAL-MODEL.md for what each line needs)")
    } else if m.contains("unknown variant") {
        format!("{m}: use one of the values listed")
    } else {
        m
    }
}

/// Reads a key-value sheet into a JSON object.
fn read_keys(
    g: &Grid,
    table: &str,
    spec: Spec,
    problems: &mut Problems,
    layout: &mut WorkbookLayout,
) -> Map<String, Value> {
    let mut out = Map::new();
    for r in g.filled_rows() {
        let key = text_of(g.get(r, 0));
        if key.is_empty() || (r == 0 && key.eq_ignore_ascii_case("key")) {
            continue;
        }
        let Some((k, kind)) = spec.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)) else {
            let known: Vec<&str> = spec.iter().map(|(k, _)| *k).collect();
            problems.at(
                &g.name,
                r,
                0,
                format!(
                    "'{key}' is not a key of this sheet: use one of {}",
                    known.join(", ")
                ),
            );
            continue;
        };
        layout
            .keys
            .push((table.into(), g.name.clone(), (*k).into(), r));
        let kind = if *k == "discount_schedule" || *k == "optimism_bias" {
            Kind::Text
        } else {
            *kind
        };
        match read_cell(g.get(r, 1), kind) {
            Ok(Some(v)) => {
                out.insert((*k).into(), v);
            }
            Ok(None) => {}
            Err(m) => problems.at(&g.name, r, 1, m),
        }
    }
    out
}

/// Reads a table sheet into JSON objects, one per non-blank row.
fn read_table(
    g: &Grid,
    table: &str,
    spec: Spec,
    amounts: bool,
    problems: &mut Problems,
    layout: &mut WorkbookLayout,
) -> Vec<(u32, Map<String, Value>)> {
    let mut cols: Vec<(String, u32, Kind)> = Vec::new();
    let mut years: Vec<(usize, u32)> = Vec::new();
    for c in 0..g.cols() {
        let h = text_of(g.get(0, c));
        if h.is_empty() {
            continue;
        }
        let year = h
            .to_ascii_lowercase()
            .strip_prefix("year ")
            .and_then(|n| n.trim().parse::<usize>().ok());
        match (spec.iter().find(|(k, _)| k.eq_ignore_ascii_case(&h)), year) {
            (Some((k, kind)), _) => cols.push(((*k).into(), c, *kind)),
            // Amounts are held for every year up to the last column's: a year no horizon
            // reaches is refused, not allocated (`year 4294967295` asked for 32 GB; fuzzing).
            (None, Some(t)) if amounts && t >= MAX_HORIZON_YEARS => problems.at(
                &g.name,
                0,
                c,
                format!(
                    "'{h}': years count from 0 to {} (a horizon is at most {MAX_HORIZON_YEARS} years): correct the year or delete the column",
                    MAX_HORIZON_YEARS - 1
                ),
            ),
            (None, Some(t)) if amounts => years.push((t, c)),
            _ => {
                let mut known: Vec<&str> = spec.iter().map(|(k, _)| *k).collect();
                if amounts {
                    known.push("year 0, year 1 ...");
                }
                problems.at(
                    &g.name,
                    0,
                    c,
                    format!(
                        "'{h}' is not a column of this sheet: rename it to one of {} (or delete it)",
                        known.join(", ")
                    ),
                );
            }
        }
    }
    let mut col_names: Vec<(String, u32)> = cols.iter().map(|(k, c, _)| (k.clone(), *c)).collect();
    if let Some((_, c)) = years.iter().min_by_key(|(t, _)| *t) {
        col_names.push(("year 0".into(), *c));
    }
    let mut rows = Vec::new();
    let mut out = Vec::new();
    for r in g.filled_rows().into_iter().filter(|r| *r > 0) {
        let blank = g.row(r).all(|(_, d)| text_of(d).is_empty());
        if blank {
            continue;
        }
        let mut obj = Map::new();
        let before = problems.issues.len();
        for (k, c, kind) in &cols {
            match read_cell(g.get(r, *c), *kind) {
                Ok(Some(v)) => {
                    obj.insert(k.clone(), v);
                }
                Ok(None) => {}
                Err(m) => problems.at(&g.name, r, *c, format!("{k}: {m}")),
            }
        }
        if amounts {
            let mut a: Vec<(usize, f64)> = Vec::new();
            for (t, c) in &years {
                match read_cell(g.get(r, *c), Kind::Float) {
                    Ok(Some(v)) => a.push((*t, v.as_f64().unwrap_or(0.0))),
                    Ok(None) => {}
                    Err(m) => problems.at(&g.name, r, *c, format!("year {t}: {m}")),
                }
            }
            let len = a.iter().map(|(t, _)| t + 1).max().unwrap_or(0);
            let mut v = vec![0.0; len];
            for (t, x) in a {
                v[t] = x;
            }
            obj.insert(
                "amounts".into(),
                serde_json::to_value(v).unwrap_or(Value::Null),
            );
        }
        rows.push(r);
        // A row whose cells could not be read is reported once, by cell, not again as a whole.
        if problems.issues.len() == before {
            out.push((r, obj));
        }
    }
    layout
        .tables
        .push((table.into(), g.name.clone(), col_names, rows));
    out
}

fn build<T: serde::de::DeserializeOwned>(
    sheet: &str,
    items: Vec<(u32, Map<String, Value>)>,
    problems: &mut Problems,
) -> Vec<T> {
    let mut out = Vec::new();
    for (r, obj) in items {
        match serde_json::from_value::<T>(Value::Object(obj)) {
            Ok(t) => out.push(t),
            Err(e) => problems.issues.push(ModelIssue {
                location: format!("sheet {sheet}, row {}", r + 1),
                line: None,
                message: serde_message(&e),
            }),
        }
    }
    out
}

fn parse_bands(text: &str) -> Result<Vec<DiscountBand>, String> {
    let help = "write bands as 'from[-to]: rate' separated by ';', e.g. 0-29: 0.035; 30: 0.03";
    text.split(';')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| {
            let (years, rate) = b
                .split_once(':')
                .ok_or_else(|| format!("'{b}' lacks a ':': {help}"))?;
            let rate: f64 = rate
                .trim()
                .parse()
                .map_err(|_| format!("'{}' is not a rate: {help}", rate.trim()))?;
            let num = |s: &str| {
                s.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("'{}' is not a year number: {help}", s.trim()))
            };
            let (from, to) = match years.split_once('-') {
                Some((f, t)) => (num(f)?, Some(num(t)?)),
                None => (num(years)?, None),
            };
            Ok(DiscountBand {
                from_year: from,
                to_year: to,
                rate,
            })
        })
        .collect()
}

/// Reads a model workbook. Every problem is reported at once, each naming its sheet and cell.
/// Returns the model and where each of its items came from (see [`WorkbookLayout::locate`]).
pub fn read_model_xlsx(bytes: &[u8]) -> Result<(ModelFile, WorkbookLayout), ModelErrors> {
    let fail = |m: String| {
        ModelErrors(vec![ModelIssue {
            location: "workbook".into(),
            line: None,
            message: m,
        }])
    };
    let mut wb = ReadWorkbook::open(bytes, model_limits()).map_err(|e| match e {
        ReadError::TooLarge(m) => fail(format!("{m}: a model workbook holds a few sheets of lines, one a row")),
        e => fail(format!(
            "this is not an XLSX workbook that can be read ({e}): save it as an Excel workbook (.xlsx)"
        )),
    })?;
    let names = wb.sheet_names();
    let mut grid = |name: &str| -> Result<Option<Grid>, ModelErrors> {
        let Some(actual) = names.iter().find(|n| n.eq_ignore_ascii_case(name)) else {
            return Ok(None);
        };
        wb.sheet(actual).map(Some).map_err(|e| match e {
            ReadError::TooLarge(m) => fail(m),
            e => fail(format!("sheet {actual} cannot be read: {e}")),
        })
    };
    let appraisal = grid("Appraisal")?.ok_or_else(|| {
        fail("the workbook has no sheet named Appraisal: start from the template made by wholeplace appraise MODEL.toml --format model-xlsx --output MODEL.xlsx".into())
    })?;
    let parameters = grid("Parameters")?;
    let mut tables = Vec::new();
    for (name, ..) in TABLES {
        tables.push(grid(name)?);
    }
    let mut problems = Problems { issues: Vec::new() };
    let mut layout = WorkbookLayout::default();

    let mut a = read_keys(
        &appraisal,
        "appraisal",
        APPRAISAL,
        &mut problems,
        &mut layout,
    );
    let dn_years = a.remove("doing_nothing_years");
    let appraisal_section = match serde_json::from_value(Value::Object(a)) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.issues.push(ModelIssue {
                location: "sheet Appraisal".into(),
                line: None,
                message: serde_message(&e),
            });
            None
        }
    };

    let mut params = ParametersSection::default();
    if let Some(g) = &parameters {
        let mut p = read_keys(g, "parameters", PARAMETERS, &mut problems, &mut layout);
        let row_of = |layout: &WorkbookLayout, key: &str| {
            layout
                .keys
                .iter()
                .find(|(t, _, k, _)| t == "parameters" && k == key)
                .map(|k| k.3)
                .unwrap_or(0)
        };
        if let Some(Value::String(s)) = p.remove("discount_schedule") {
            match parse_bands(&s) {
                Ok(b) => params.discount_schedule = Some(b),
                Err(m) => problems.at(&g.name, row_of(&layout, "discount_schedule"), 1, m),
            }
        }
        if let Some(Value::String(s)) = p.remove("optimism_bias") {
            let v: Result<Vec<f64>, _> = s.split(',').map(|x| x.trim().parse::<f64>()).collect();
            match v {
                Ok(v) => params.optimism_bias = Some(v),
                Err(_) => problems.at(
                    &g.name,
                    row_of(&layout, "optimism_bias"),
                    1,
                    format!("'{s}' is not six fractions: write e.g. 0, 0.05, 0.1, 0.15, 0.25, 0.4"),
                ),
            }
        }
        match serde_json::from_value::<ParametersSection>(Value::Object(p)) {
            Ok(rest) => {
                params.set = rest.set;
                params.health_discount_rate = rest.health_discount_rate;
                params.stale_after_years = rest.stale_after_years;
                params.payback_within_years = rest.payback_within_years;
            }
            Err(e) => problems.issues.push(ModelIssue {
                location: format!("sheet {}", g.name),
                line: None,
                message: serde_message(&e),
            }),
        }
    }

    let mut read = |i: usize, amounts: bool| match &tables[i] {
        Some(g) => {
            let (_, table, spec) = TABLES[i];
            let rows = read_table(g, table, spec, amounts, &mut problems, &mut layout);
            (g.name.clone(), rows)
        }
        None => (TABLES[i].0.to_owned(), Vec::new()),
    };
    let costs = read(0, true);
    let outcomes = read(1, false);
    let local = read(2, false);
    let as_is = read(3, false);
    let states = read(4, false);
    let transitions = read(5, false);
    let costs = build(&costs.0, costs.1, &mut problems);
    let outcomes = build(&outcomes.0, outcomes.1, &mut problems);
    let local_unit_costs = build(&local.0, local.1, &mut problems);
    let as_is = build(&as_is.0, as_is.1, &mut problems);
    let states = build(&states.0, states.1, &mut problems);
    let transitions = build(&transitions.0, transitions.1, &mut problems);
    let doing_nothing = if states.is_empty() && transitions.is_empty() {
        None
    } else {
        Some(DoingNothing {
            years: dn_years.and_then(|v| v.as_u64()).map(|y| y as u32),
            states,
            transitions,
        })
    };
    match appraisal_section {
        Some(appraisal) if problems.issues.is_empty() => Ok((
            ModelFile {
                appraisal,
                parameters: params,
                local_unit_costs,
                as_is,
                doing_nothing,
                costs,
                outcomes,
            },
            layout,
        )),
        _ => Err(ModelErrors(problems.issues)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names_are_spreadsheet_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(2, 7), "H3");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(0, 27 * 26), "AAA1");
    }

    #[test]
    fn unit_cost_lists_round_trip() {
        let refs = parse_unit_costs(
            "CR1.0, { code = \"HO7.4\", quantity = 52, fiscal_agency = \"Town, Council\", values = [\"fiscal\", \"social\"] }",
        )
        .expect("parses");
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].quantity, 52.0);
        assert_eq!(refs[1].fiscal_agency.as_deref(), Some("Town, Council"));
        assert_eq!(
            parse_unit_costs(&unit_costs_text(&refs)).expect("again"),
            refs
        );
        let e = parse_unit_costs("CR1.0, { code = ").expect_err("broken");
        assert!(e.contains("codes separated by commas"), "{e}");
    }

    #[test]
    fn discount_bands_round_trip() {
        let b = parse_bands("0-29: 0.035; 30: 0.03").expect("bands");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].to_year, Some(29));
        assert_eq!(parse_bands(&bands_text(&b)).expect("again"), b);
        assert!(parse_bands("0 0.035").is_err());
    }
}
