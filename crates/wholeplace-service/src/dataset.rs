//! The whole places-and-partners dataset as sheets: export to an XLSX workbook (or one CSV per
//! sheet) and import from the same shape. Every problem names its sheet, row and column and says
//! how to fix it. An import is all or nothing unless invalid rows are skipped, when they come back
//! with a reason column. Records are matched by natural keys (agency name; place name and level;
//! partnership name), so an export imports into any database, and importing the same file twice
//! changes nothing.

use crate::audit_action::AuditAction;
use crate::budget::pounds_text;
use crate::{
    Access, Actor, BudgetForm, ContactForm, DataClass, FieldError, GrantChangeForm, GrantForm,
    PartnershipForm, PlaceForm, ProjectForm, Service, ServiceError, ServiceResult,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use wholeplace_domain::AgencyKind;
use wholeplace_domain::taxonomy::{self, PLACE_LEVELS};
use wholeplace_store::{
    Contact, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, GrantChange,
    ImportCounts, LaProfile, NewPlace, PlaceKey, Project,
};
use wholeplace_tabular::Table;

/// One sheet of the dataset workbook: its name, its columns in order, how many of the first
/// columns are required, and which columns are numbers in a workbook.
#[derive(Clone, Copy, Debug)]
pub struct SheetDef {
    /// Sheet name (and the CSV file's stem, in lower case with hyphens).
    pub name: &'static str,
    /// Columns.
    pub columns: &'static [&'static str],
    /// The first `required` columns must be present.
    pub required: usize,
    /// Numeric columns (by index) in a workbook.
    pub numeric: &'static [usize],
}

/// The sheets, in the order they are read (later sheets refer to earlier ones).
pub const SHEETS: [SheetDef; 11] = [
    SheetDef {
        name: "Agencies",
        columns: &["name", "kind", "identifiers"],
        required: 2,
        numeric: &[],
    },
    SheetDef {
        name: "Places",
        columns: &[
            "name",
            "level",
            "gss_code",
            "gss_vintage",
            "population",
            "description",
        ],
        required: 2,
        numeric: &[4],
    },
    SheetDef {
        name: "Place relations",
        columns: &["parent", "parent_level", "child", "child_level", "relation"],
        required: 5,
        numeric: &[],
    },
    SheetDef {
        name: "Local authority profiles",
        columns: &[
            "place",
            "place_level",
            "population",
            "population_year",
            "claimant_rate_pct",
            "median_earnings_gbp",
            "imd_rank",
            "imd_total",
            "domain_ranks",
        ],
        required: 2,
        numeric: &[2, 3, 4, 5, 6, 7],
    },
    SheetDef {
        name: "Coverage",
        columns: &["agency", "place", "place_level"],
        required: 3,
        numeric: &[],
    },
    SheetDef {
        name: "Contacts",
        columns: &["agency", "name", "role", "email", "phone"],
        required: 2,
        numeric: &[],
    },
    SheetDef {
        name: "Partnerships",
        columns: &["name", "description", "governance", "members", "places"],
        required: 1,
        numeric: &[],
    },
    SheetDef {
        name: "Projects",
        columns: &[
            "partnership",
            "name",
            "place",
            "place_level",
            "theme",
            "lead_agency",
            "aims",
            "start_date",
            "end_date",
        ],
        required: 2,
        numeric: &[],
    },
    SheetDef {
        name: "Budget lines",
        columns: &[
            "agency",
            "place",
            "place_level",
            "service_area",
            "financial_year",
            "amount",
            "spend_kind",
            "source",
            "confidence",
        ],
        required: 6,
        numeric: &[5],
    },
    SheetDef {
        name: "Grants",
        columns: &[
            "funder",
            "title",
            "purpose",
            "amount",
            "start_year",
            "end_year",
            "conditions",
            "recipients",
            "places",
            "reference",
        ],
        required: 6,
        numeric: &[3],
    },
    SheetDef {
        name: "Grant changes",
        columns: &["funder", "title", "from_year", "new_amount", "reason"],
        required: 4,
        numeric: &[3],
    },
];

/// The sheet whose name, or CSV file stem ("budget-lines"), is `name` (any case).
pub fn sheet_named(name: &str) -> Option<&'static SheetDef> {
    let n = name.trim().to_lowercase().replace(['-', '_'], " ");
    SHEETS.iter().find(|s| s.name.to_lowercase() == n)
}

/// The class of data a sheet holds: the contacts sheet names people (personal data); the
/// others are the partnership's non-personal information.
pub fn sheet_class(def: &SheetDef) -> DataClass {
    if def.name == "Contacts" {
        DataClass::Personal
    } else {
        DataClass::Reference
    }
}

/// The sheet a CSV file's header row belongs to: the one with every required column present,
/// preferring the most columns matched.
pub fn sheet_for_headers(headers: &[String]) -> Option<&'static SheetDef> {
    let has = |c: &str| headers.iter().any(|h| h.trim().eq_ignore_ascii_case(c));
    SHEETS
        .iter()
        .filter(|s| s.columns[..s.required].iter().all(|c| has(c)))
        .max_by_key(|s| (s.columns.iter().filter(|c| has(c)).count(), s.required))
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct DatasetOutcome {
    /// What was written.
    pub counts: ImportCounts,
    /// Rows refused, by sheet, with a reason column (only when invalid rows were skipped).
    pub rejected: Vec<(String, Table)>,
}

/// A place reference as written in a list cell: `Sherwood [ward]`, or just `Sherwood`.
pub fn place_ref_text(k: &PlaceKey) -> String {
    format!("{} [{}]", k.name, k.level)
}

fn list_cell(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join("; ")
}

fn opt_num<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The rows of one sheet's table, from the dataset.
type SheetRowsOf = fn(&Dataset) -> Vec<Vec<String>>;

/// The dataset as tables, one per sheet, in [`SHEETS`] order.
pub fn dataset_tables(d: &Dataset) -> Vec<(&'static SheetDef, Table)> {
    let rows: [SheetRowsOf; 11] = [
        agency_rows,
        place_rows,
        relation_rows,
        profile_rows,
        coverage_rows,
        contact_rows,
        partnership_rows,
        project_rows,
        budget_line_rows,
        grant_rows,
        grant_change_rows,
    ];
    SHEETS
        .iter()
        .zip(rows)
        .map(|(def, rows)| {
            let headers = def.columns.iter().map(|c| (*c).to_owned()).collect();
            (
                def,
                Table {
                    headers,
                    rows: rows(d),
                },
            )
        })
        .collect()
}

fn agency_rows(d: &Dataset) -> Vec<Vec<String>> {
    let ids: HashMap<&str, &[wholeplace_domain::OrgIdentifier]> = d
        .agency_identifiers
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_slice()))
        .collect();
    d.agencies
        .iter()
        .map(|(n, k)| {
            let list = ids.get(n.as_str()).copied().unwrap_or_default();
            vec![
                n.clone(),
                k.to_string(),
                crate::agencies::identifiers_text(list),
            ]
        })
        .collect()
}

fn place_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.places
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.level.to_string(),
                p.gss_code.clone().unwrap_or_default(),
                p.gss_vintage.clone().unwrap_or_default(),
                opt_num(p.population),
                p.description.clone(),
            ]
        })
        .collect()
}

fn relation_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.relations
        .iter()
        .map(|(a, b, r)| {
            vec![
                a.name.clone(),
                a.level.to_string(),
                b.name.clone(),
                b.level.to_string(),
                r.clone(),
            ]
        })
        .collect()
}

fn profile_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.profiles
        .iter()
        .map(|(k, p)| {
            vec![
                k.name.clone(),
                k.level.to_string(),
                opt_num(p.population),
                opt_num(p.population_year),
                opt_num(p.claimant_rate_pct),
                opt_num(p.median_earnings_gbp),
                opt_num(p.imd_rank),
                opt_num(p.imd_total),
                p.domain_ranks.clone(),
            ]
        })
        .collect()
}

fn coverage_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.coverage
        .iter()
        .map(|(a, k)| vec![a.clone(), k.name.clone(), k.level.to_string()])
        .collect()
}

fn contact_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.contacts
        .iter()
        .map(|c| {
            vec![
                c.agency.clone(),
                c.name.clone(),
                c.role.clone(),
                c.email.clone(),
                c.phone.clone(),
            ]
        })
        .collect()
}

fn partnership_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.partnerships
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.description.clone(),
                p.governance.clone(),
                list_cell(p.members.clone()),
                list_cell(p.places.iter().map(place_ref_text)),
            ]
        })
        .collect()
}

fn project_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.projects
        .iter()
        .map(|j| {
            vec![
                j.partnership.clone(),
                j.name.clone(),
                j.place.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                j.place
                    .as_ref()
                    .map(|k| k.level.to_string())
                    .unwrap_or_default(),
                j.theme.clone(),
                j.lead_agency.clone().unwrap_or_default(),
                j.aims.clone(),
                j.start_date.clone(),
                j.end_date.clone(),
            ]
        })
        .collect()
}

fn budget_line_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.budget_lines
        .iter()
        .map(|b| {
            vec![
                b.agency.clone(),
                b.place.name.clone(),
                b.place.level.to_string(),
                b.service_area.to_string(),
                b.financial_year.to_string(),
                pounds_text(b.amount.pence()),
                b.spend_kind.clone(),
                b.source.clone(),
                b.confidence.clone(),
            ]
        })
        .collect()
}

fn grant_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.grants
        .iter()
        .map(|g| {
            vec![
                g.funder.clone(),
                g.title.clone(),
                g.purpose.clone(),
                pounds_text(g.amount.pence()),
                g.start_year.to_string(),
                g.end_year.to_string(),
                g.conditions.clone(),
                list_cell(g.recipients.clone()),
                list_cell(g.places.iter().map(place_ref_text)),
                g.reference.clone(),
            ]
        })
        .collect()
}

fn grant_change_rows(d: &Dataset) -> Vec<Vec<String>> {
    d.grants
        .iter()
        .flat_map(|g| {
            g.changes.iter().map(move |c| {
                vec![
                    g.funder.clone(),
                    g.title.clone(),
                    c.from_year.to_string(),
                    pounds_text(c.new_amount.pence()),
                    c.reason.clone(),
                ]
            })
        })
        .collect()
}

/// The dataset tables as one workbook (reproducible: the same data gives the same bytes).
pub fn dataset_xlsx(tables: &[(&'static SheetDef, Table)]) -> ServiceResult<Vec<u8>> {
    let sheets: Vec<(&str, &Table, &[usize])> =
        tables.iter().map(|(s, t)| (s.name, t, s.numeric)).collect();
    wholeplace_tabular::write_xlsx_reproducible(&sheets)
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Reads every dataset sheet a workbook has (sheets with other names are ignored; a workbook
/// with none of them is an error).
pub fn read_dataset_workbook(bytes: &[u8]) -> Result<Vec<(String, Table)>, String> {
    let mut out = Vec::new();
    for s in &SHEETS {
        match wholeplace_tabular::read_xlsx(bytes, s.name) {
            Ok(t) => out.push((s.name.to_owned(), t)),
            Err(wholeplace_tabular::ReadError::NoSheet(_))
            | Err(wholeplace_tabular::ReadError::Empty) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if out.is_empty() {
        return Err(format!(
            "the workbook has none of the sheets {}: export a workbook to see the shape",
            SHEETS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(out)
}

/// Names known to the import: from the database and from the rows read so far, any case.
#[derive(Default)]
struct Names {
    agencies: HashMap<String, String>,
    places: HashMap<(String, String), PlaceKey>,
    places_by_name: HashMap<String, Vec<PlaceKey>>,
    places_by_gss: HashMap<String, PlaceKey>,
    partnerships: HashMap<String, String>,
}

impl Names {
    fn add_agency(&mut self, name: &str) {
        self.agencies.insert(name.to_lowercase(), name.to_owned());
    }

    fn add_place(&mut self, k: &PlaceKey, gss: Option<&str>) {
        let lower = (k.name.to_lowercase(), k.level.to_string());
        if self.places.insert(lower, k.clone()).is_none() {
            self.places_by_name
                .entry(k.name.to_lowercase())
                .or_default()
                .push(k.clone());
        }
        if let Some(g) = gss {
            self.places_by_gss.insert(g.to_lowercase(), k.clone());
        }
    }

    fn agency(&self, raw: &str, what: &str) -> Result<String, String> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(format!("give the {what}'s name"));
        }
        self.agencies
            .get(&t.to_lowercase())
            .cloned()
            .ok_or_else(|| format!("there is no agency called '{t}': add it to the Agencies sheet, or check the spelling"))
    }

    /// A place by name and level, by name alone when only one place has it, or by GSS code.
    fn place(&self, name: &str, level: &str) -> Result<PlaceKey, String> {
        let (n, l) = (name.trim(), level.trim());
        if n.is_empty() {
            return Err("give the place's name".into());
        }
        if !l.is_empty() {
            let level = taxonomy::find(PLACE_LEVELS, l)
                .ok_or_else(|| format!("'{l}' is not a kind of place"))?;
            return self
                .places
                .get(&(n.to_lowercase(), level.to_owned()))
                .cloned()
                .ok_or_else(|| format!("there is no {level} called '{n}': add it to the Places sheet, or check the name and level"));
        }
        if let Some(k) = self.places_by_gss.get(&n.to_lowercase()) {
            return Ok(k.clone());
        }
        match self
            .places_by_name
            .get(&n.to_lowercase())
            .map(Vec::as_slice)
        {
            Some([one]) => Ok(one.clone()),
            Some(many) if many.len() > 1 => Err(format!(
                "{} places are called '{n}': give the level too ({})",
                many.len(),
                many.iter()
                    .map(|k| k.level.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => Err(format!(
                "there is no place called '{n}': add it to the Places sheet, or check the spelling"
            )),
        }
    }

    /// A list cell of places: `Sherwood [ward]; Tunbridge Wells [district]`.
    fn place_list(&self, cell: &str) -> Result<Vec<PlaceKey>, String> {
        let mut out = Vec::new();
        for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, level) = match item.strip_suffix(']').and_then(|x| x.rsplit_once(" [")) {
                Some((n, l)) => (n, l),
                None => (item, ""),
            };
            out.push(self.place(name, level)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn agency_list(&self, cell: &str, what: &str) -> Result<Vec<String>, String> {
        let mut out = cell
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|a| self.agency(a, what))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// One sheet being read: cells by column name, and the problems found.
struct SheetRows {
    def: &'static SheetDef,
    cols: Vec<Option<usize>>,
}

impl SheetRows {
    fn new(def: &'static SheetDef, table: &Table) -> Result<Self, String> {
        let cols: Vec<Option<usize>> = def
            .columns
            .iter()
            .map(|c| {
                table
                    .headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(c))
            })
            .collect();
        let missing: Vec<&str> = def.columns[..def.required]
            .iter()
            .zip(&cols)
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{}: the header row has no column {}; the columns are {}",
                def.name,
                missing.join(", "),
                def.columns.join(", ")
            ));
        }
        Ok(Self { def, cols })
    }

    /// Does the sheet have the column `name`?
    fn has(&self, name: &str) -> bool {
        self.def
            .columns
            .iter()
            .position(|c| *c == name)
            .is_some_and(|i| self.cols[i].is_some())
    }

    fn cell<'r>(&self, row: &'r [String], name: &str) -> &'r str {
        self.def
            .columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.cols[i])
            .and_then(|c| row.get(c))
            .map_or("", |s| s.trim())
    }
}

/// Problems of one row: (column, message).
type RowErrors = Vec<(&'static str, String)>;

impl SheetRows {
    /// A record parser's problems, each on the sheet's column of the field's name (the forms'
    /// field names are the sheets' column names).
    fn located(&self, errs: Vec<FieldError>) -> RowErrors {
        errs.into_iter()
            .map(|e| {
                let field = e.field.strip_suffix("_id").unwrap_or(&e.field);
                let column = self
                    .def
                    .columns
                    .iter()
                    .find(|c| **c == e.field || **c == field)
                    .copied()
                    .unwrap_or("row");
                (column, e.message)
            })
            .collect()
    }
}

fn need<T>(errs: &mut RowErrors, col: &'static str, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| errs.push((col, e))).ok()
}

fn opt_parse<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, String> {
    let t = raw.replace(',', "");
    if t.trim().is_empty() {
        return Ok(None);
    }
    t.trim()
        .parse::<T>()
        .map(Some)
        .map_err(|_| format!("'{raw}' is not {what}"))
}

/// What a row parser makes of one row: its record, or its problems.
type RowResult<T> = Result<T, RowErrors>;

/// Reads every sheet into a dataset, checking every row.
struct Reader {
    names: Names,
    errors: Vec<FieldError>,
    rejected: BTreeMap<&'static str, Table>,
    skip_invalid: bool,
}

impl Reader {
    /// Reads the sheets in [`SHEETS`] order (later sheets refer to names read from earlier
    /// ones), each by its row parser.
    fn dataset(&mut self, sheets: &HashMap<&'static str, &Table>) -> Dataset {
        let mut seen = HashSet::new();
        let agencies = self.sheet(sheets, "Agencies", agency_row);
        let mut references = HashSet::new();
        let mut d = Dataset {
            agency_identifiers: agencies
                .iter()
                .filter_map(|(n, _, ids)| Some((n.clone(), ids.clone()?)))
                .collect(),
            agencies: agencies.into_iter().map(|(n, k, _)| (n, k)).collect(),
            places: self.sheet(sheets, "Places", place_row),
            relations: self.sheet(sheets, "Place relations", relation_row),
            profiles: self.sheet(sheets, "Local authority profiles", profile_row),
            coverage: self.sheet(sheets, "Coverage", coverage_row),
            contacts: self.sheet(sheets, "Contacts", contact_row),
            partnerships: self.sheet(sheets, "Partnerships", partnership_row),
            projects: self.sheet(sheets, "Projects", project_row),
            budget_lines: self.sheet(sheets, "Budget lines", budget_line_row),
            grants: self.sheet(sheets, "Grants", |n, s, row| {
                grant_row(n, (&mut seen, &mut references), s, row)
            }),
        };
        let changes = self.sheet(sheets, "Grant changes", |n, s, row| {
            grant_change_row(n, &d.grants, s, row)
        });
        for (i, c) in changes {
            d.grants[i].changes.push(c);
        }
        d
    }

    /// Runs `parse` on each row of the sheet called `name` (if given) and gives the records of
    /// the good rows; rows with problems are reported or rejected.
    fn sheet<T, F>(
        &mut self,
        sheets: &HashMap<&'static str, &Table>,
        name: &str,
        mut parse: F,
    ) -> Vec<T>
    where
        F: FnMut(&mut Names, &SheetRows, &[String]) -> RowResult<T>,
    {
        let mut out = Vec::new();
        let Some((def, table)) = sheet_named(name).and_then(|d| Some((d, *sheets.get(d.name)?)))
        else {
            return out;
        };
        let rows = match SheetRows::new(def, table) {
            Ok(r) => r,
            Err(e) => {
                self.errors.push(FieldError::new("file", e));
                return out;
            }
        };
        for (n, row) in table.rows.iter().enumerate() {
            match parse(&mut self.names, &rows, row) {
                Ok(record) => out.push(record),
                Err(errs) => self.refuse(def, table, n, row, errs),
            }
        }
        out
    }

    /// Reports the problems of row `n` (from 0) of a sheet, or rejects the row with a reason.
    fn refuse(
        &mut self,
        def: &'static SheetDef,
        table: &Table,
        n: usize,
        row: &[String],
        errs: RowErrors,
    ) {
        if errs.is_empty() {
            return;
        }
        if self.skip_invalid {
            let reason = errs
                .iter()
                .map(|(c, m)| format!("column {c}: {m}"))
                .collect::<Vec<_>>()
                .join("; ");
            let t = self.rejected.entry(def.name).or_insert_with(|| Table {
                headers: [table.headers.clone(), vec!["reason".to_owned()]].concat(),
                rows: Vec::new(),
            });
            t.rows.push([row.to_vec(), vec![reason]].concat());
        } else if self.errors.len() < 200 {
            for (c, m) in errs {
                self.errors.push(FieldError::new(
                    "file",
                    format!("{}, row {}, column {c}: {m}", def.name, n + 2),
                ));
            }
        }
    }
}

/// An agency row: its name, kind and, when the sheet has the column, its identifiers.
type AgencyRow = (
    String,
    AgencyKind,
    Option<Vec<wholeplace_domain::OrgIdentifier>>,
);

fn agency_row(names: &mut Names, s: &SheetRows, row: &[String]) -> RowResult<AgencyRow> {
    let agency = crate::agencies::parse_agency(s.cell(row, "name"), s.cell(row, "kind"))
        .map_err(|errs| s.located(errs));
    let ids = if s.has("identifiers") {
        let cell = s.cell(row, "identifiers");
        crate::agencies::parse_identifiers(&crate::agencies::split_identifiers(cell))
            .map(Some)
            .map_err(|errs| s.located(errs))
    } else {
        Ok(None)
    };
    match (agency, ids) {
        (Ok((name, kind)), Ok(ids)) => {
            names.add_agency(&name);
            Ok((name, kind, ids))
        }
        (a, i) => Err([a.err(), i.err()].into_iter().flatten().flatten().collect()),
    }
}

fn place_row(names: &mut Names, s: &SheetRows, row: &[String]) -> RowResult<NewPlace> {
    let form = PlaceForm {
        name: s.cell(row, "name").to_owned(),
        level: s.cell(row, "level").to_owned(),
        gss_code: s.cell(row, "gss_code").to_owned(),
        gss_vintage: s.cell(row, "gss_vintage").to_owned(),
        population: s.cell(row, "population").to_owned(),
        parent_id: String::new(),
        description: s.cell(row, "description").to_owned(),
    };
    let place = form.parse().map_err(|errs| s.located(errs))?;
    names.add_place(
        &PlaceKey {
            name: place.name.clone(),
            level: place.level,
        },
        place.gss_code.as_deref(),
    );
    Ok(place)
}

fn relation_row(
    names: &mut Names,
    s: &SheetRows,
    row: &[String],
) -> RowResult<(PlaceKey, PlaceKey, String)> {
    let mut e = RowErrors::new();
    let parent = need(
        &mut e,
        "parent",
        names.place(s.cell(row, "parent"), s.cell(row, "parent_level")),
    );
    let child = need(
        &mut e,
        "child",
        names.place(s.cell(row, "child"), s.cell(row, "child_level")),
    );
    let rel = s.cell(row, "relation").to_lowercase();
    if rel != "contains" && rel != "overlaps" {
        e.push(("relation", "write contains or overlaps".into()));
    }
    match (parent, child, e.is_empty()) {
        (Some(p), Some(c), true) if p == c => {
            e.push(("child", "a place cannot contain or overlap itself".into()));
            Err(e)
        }
        (Some(p), Some(c), true) => Ok((p, c, rel)),
        _ => Err(e),
    }
}

fn profile_row(
    names: &mut Names,
    s: &SheetRows,
    row: &[String],
) -> RowResult<(PlaceKey, LaProfile)> {
    let mut e = RowErrors::new();
    let place = need(
        &mut e,
        "place",
        names.place(s.cell(row, "place"), s.cell(row, "place_level")),
    );
    let int = |e: &mut RowErrors, c: &'static str| {
        need(e, c, opt_parse::<i64>(s.cell(row, c), "a whole number")).flatten()
    };
    let profile = LaProfile {
        population: int(&mut e, "population"),
        population_year: int(&mut e, "population_year"),
        claimant_rate_pct: need(
            &mut e,
            "claimant_rate_pct",
            opt_parse::<f64>(s.cell(row, "claimant_rate_pct"), "a number"),
        )
        .flatten(),
        median_earnings_gbp: int(&mut e, "median_earnings_gbp"),
        imd_rank: int(&mut e, "imd_rank"),
        imd_total: int(&mut e, "imd_total"),
        domain_ranks: s.cell(row, "domain_ranks").to_owned(),
    };
    match (place, e.is_empty()) {
        (Some(p), true) => Ok((p, profile)),
        _ => Err(e),
    }
}

fn coverage_row(names: &mut Names, s: &SheetRows, row: &[String]) -> RowResult<(String, PlaceKey)> {
    let mut e = RowErrors::new();
    let a = need(
        &mut e,
        "agency",
        names.agency(s.cell(row, "agency"), "agency"),
    );
    let p = need(
        &mut e,
        "place",
        names.place(s.cell(row, "place"), s.cell(row, "place_level")),
    );
    match (a, p) {
        (Some(a), Some(p)) => Ok((a, p)),
        _ => Err(e),
    }
}

fn contact_row(names: &mut Names, s: &SheetRows, row: &[String]) -> RowResult<Contact> {
    let mut e = RowErrors::new();
    let agency = need(
        &mut e,
        "agency",
        names.agency(s.cell(row, "agency"), "agency"),
    );
    let form = ContactForm {
        name: s.cell(row, "name").to_owned(),
        role: s.cell(row, "role").to_owned(),
        email: s.cell(row, "email").to_owned(),
        phone: s.cell(row, "phone").to_owned(),
        ..ContactForm::default()
    };
    let contact = form.parse().map_err(|errs| e.extend(s.located(errs)));
    let (Some(agency), Ok(contact)) = (agency, contact) else {
        return Err(e);
    };
    Ok(Contact { agency, ..contact })
}

fn partnership_row(
    names: &mut Names,
    s: &SheetRows,
    row: &[String],
) -> RowResult<DatasetPartnership> {
    let mut e = RowErrors::new();
    let form = PartnershipForm {
        name: s.cell(row, "name").to_owned(),
        description: s.cell(row, "description").to_owned(),
        governance: s.cell(row, "governance").to_owned(),
        ..PartnershipForm::default()
    };
    let own = form.values().map_err(|errs| e.extend(s.located(errs))).ok();
    let members = need(
        &mut e,
        "members",
        names.agency_list(s.cell(row, "members"), "member agency"),
    );
    let places = need(&mut e, "places", names.place_list(s.cell(row, "places")));
    let (Some(own), Some(members), Some(places), true) = (own, members, places, e.is_empty())
    else {
        return Err(e);
    };
    names
        .partnerships
        .insert(own.name.to_lowercase(), own.name.clone());
    Ok(DatasetPartnership {
        name: own.name,
        description: own.description,
        governance: own.governance,
        members,
        places,
    })
}

fn project_row(names: &mut Names, s: &SheetRows, row: &[String]) -> RowResult<Project> {
    let mut e = RowErrors::new();
    let pname = s.cell(row, "partnership");
    let partnership = need(&mut e, "partnership", names.partnerships.get(&pname.to_lowercase()).cloned().ok_or_else(|| {
        format!("there is no partnership called '{pname}': add it to the Partnerships sheet, or check the spelling")
    }));
    let place = if s.cell(row, "place").is_empty() {
        Some(None)
    } else {
        need(
            &mut e,
            "place",
            names
                .place(s.cell(row, "place"), s.cell(row, "place_level"))
                .map(Some),
        )
    };
    let lead = if s.cell(row, "lead_agency").is_empty() {
        Some(None)
    } else {
        need(
            &mut e,
            "lead_agency",
            names
                .agency(s.cell(row, "lead_agency"), "lead agency")
                .map(Some),
        )
    };
    let form = ProjectForm {
        name: s.cell(row, "name").to_owned(),
        place_id: s.cell(row, "place").to_owned(),
        theme: s.cell(row, "theme").to_owned(),
        aims: s.cell(row, "aims").to_owned(),
        start_date: s.cell(row, "start_date").to_owned(),
        end_date: s.cell(row, "end_date").to_owned(),
        ..ProjectForm::default()
    };
    let own = form.values().map_err(|errs| e.extend(s.located(errs))).ok();
    let (Some(partnership), Some(own), Some(place), Some(lead_agency), true) =
        (partnership, own, place, lead, e.is_empty())
    else {
        return Err(e);
    };
    Ok(Project {
        partnership,
        place,
        lead_agency,
        ..own
    })
}

fn budget_line_row(
    names: &mut Names,
    s: &SheetRows,
    row: &[String],
) -> RowResult<DatasetBudgetLine> {
    let mut e = RowErrors::new();
    let agency = need(
        &mut e,
        "agency",
        names.agency(s.cell(row, "agency"), "agency"),
    );
    let place = need(
        &mut e,
        "place",
        names.place(s.cell(row, "place"), s.cell(row, "place_level")),
    );
    let form = BudgetForm {
        service_area: s.cell(row, "service_area").to_owned(),
        financial_year: s.cell(row, "financial_year").to_owned(),
        amount: s.cell(row, "amount").to_owned(),
        spend_kind: s.cell(row, "spend_kind").to_owned(),
        source: s.cell(row, "source").to_owned(),
        confidence: s.cell(row, "confidence").to_owned(),
        ..BudgetForm::default()
    };
    let values = form.values().map_err(|errs| e.extend(s.located(errs)));
    let (Some(agency), Some(place), Ok(v)) = (agency, place, values) else {
        return Err(e);
    };
    Ok(DatasetBudgetLine {
        agency,
        place,
        service_area: v.service_area,
        financial_year: v.financial_year,
        amount: v.amount,
        spend_kind: v.spend_kind,
        source: v.source,
        confidence: v.confidence,
    })
}

/// A grant row; `seen` holds the funder and title of every row of the sheet so far, so that a
/// title repeated for one funder is refused.
/// The grants already read from the sheet: their (funder, title) and their references.
type SeenGrants<'a> = (&'a mut HashSet<(String, String)>, &'a mut HashSet<String>);

fn grant_row(
    names: &mut Names,
    (seen, references): SeenGrants<'_>,
    s: &SheetRows,
    row: &[String],
) -> RowResult<DatasetGrant> {
    let mut e = RowErrors::new();
    let reference = crate::grants::parse_reference(s.cell(row, "reference"))
        .map_err(|err| e.extend(s.located(vec![err])))
        .unwrap_or_default();
    if !reference.is_empty() && !references.insert(reference.clone()) {
        e.push((
            "reference",
            format!("another grant in this sheet has the reference '{reference}': references must differ"),
        ));
    }
    let funder = need(
        &mut e,
        "funder",
        names.agency(s.cell(row, "funder"), "funder"),
    );
    let form = GrantForm {
        title: s.cell(row, "title").to_owned(),
        purpose: s.cell(row, "purpose").to_owned(),
        amount: s.cell(row, "amount").to_owned(),
        start_year: s.cell(row, "start_year").to_owned(),
        end_year: s.cell(row, "end_year").to_owned(),
        conditions: s.cell(row, "conditions").to_owned(),
        ..GrantForm::default()
    };
    let values = form.values().map_err(|errs| e.extend(s.located(errs))).ok();
    let recipients = need(
        &mut e,
        "recipients",
        names.agency_list(s.cell(row, "recipients"), "recipient"),
    );
    if recipients.as_ref().is_some_and(Vec::is_empty) {
        e.extend(s.located(vec![crate::grants::recipients_missing()]));
    }
    let places = need(&mut e, "places", names.place_list(s.cell(row, "places")));
    if let (Some(f), Some(v)) = (&funder, &values)
        && !seen.insert((f.clone(), v.title.clone()))
    {
        e.push((
            "title",
            format!(
                "{f} has another grant called '{}' in this sheet: titles must differ",
                v.title
            ),
        ));
    }
    let (Some(funder), Some(v), Some(recipients), Some(places), true) =
        (funder, values, recipients, places, e.is_empty())
    else {
        return Err(e);
    };
    Ok(DatasetGrant {
        funder,
        title: v.title,
        reference,
        purpose: v.purpose,
        amount: v.amount,
        start_year: v.start_year,
        end_year: v.end_year,
        conditions: v.conditions,
        recipients,
        places,
        changes: Vec::new(),
    })
}

/// A grant change row: the index in `grants` (the Grants sheet's good rows) of the grant it
/// changes, and the change.
fn grant_change_row(
    names: &mut Names,
    grants: &[DatasetGrant],
    s: &SheetRows,
    row: &[String],
) -> RowResult<(usize, GrantChange)> {
    let mut e = RowErrors::new();
    let funder = need(
        &mut e,
        "funder",
        names.agency(s.cell(row, "funder"), "funder"),
    );
    let title = s.cell(row, "title");
    let Some(funder) = funder else {
        return Err(e);
    };
    let Some(g) = grants
        .iter()
        .position(|g| g.funder == funder && g.title.eq_ignore_ascii_case(title))
    else {
        e.push(("title", format!("There is no grant called '{title}' from this funder in the Grants sheet: a change comes with its grant")));
        return Err(e);
    };
    let form = GrantChangeForm {
        from_year: s.cell(row, "from_year").to_owned(),
        new_amount: s.cell(row, "new_amount").to_owned(),
        reason: s.cell(row, "reason").to_owned(),
    };
    let change = form
        .parse(grants[g].start_year, grants[g].end_year)
        .map_err(|errs| s.located(errs))?;
    Ok((g, change))
}

impl Service {
    /// Every place-and-partner record as sheets (recorded in the audit log: the workbook holds
    /// the contacts, personal data, so the policy keeps it from viewers).
    pub async fn export_dataset(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(&'static SheetDef, Table)>> {
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Read,
            AuditAction::DatasetExport,
            "dataset",
            None,
        )
        .await?;
        self.export_all(actor).await
    }

    /// One sheet of the export, such as `Contacts` (by its name; `None` if there is no such
    /// sheet). A sheet of personal data is refused to roles that may not read it; every export
    /// is recorded in the audit log as the whole workbook's is.
    pub async fn export_sheet(
        &self,
        actor: &Actor,
        name: &str,
    ) -> ServiceResult<Option<(&'static SheetDef, Table)>> {
        let Some(def) = sheet_named(name) else {
            return Ok(None);
        };
        self.authorize(
            actor,
            sheet_class(def),
            Access::Read,
            AuditAction::DatasetExport,
            "dataset",
            Some(def.name.to_owned()),
        )
        .await?;
        Ok(self
            .export_all(actor)
            .await?
            .into_iter()
            .find(|(d, _)| d.name == def.name))
    }

    async fn export_all(&self, actor: &Actor) -> ServiceResult<Vec<(&'static SheetDef, Table)>> {
        let d = self.store().export_dataset().await?;
        let ev = self.event(
            actor,
            AuditAction::DatasetExport,
            "dataset",
            None,
            true,
            &format!("{} contacts", d.contacts.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(dataset_tables(&d))
    }

    /// Imports sheets (by sheet name) into the database in one transaction. All or nothing: one
    /// bad row writes nothing and every problem is listed with its sheet, row and column, unless
    /// `skip_invalid`, when good rows are written and bad ones come back with a reason.
    pub async fn import_dataset(
        &self,
        actor: &Actor,
        sheets: &[(String, Table)],
        skip_invalid: bool,
    ) -> ServiceResult<DatasetOutcome> {
        self.require_editor(actor, AuditAction::DatasetImport, "dataset", None)
            .await?;
        let by_name = sheets_by_name(sheets)?;
        let mut r = Reader {
            names: self.known_names().await?,
            errors: Vec::new(),
            rejected: BTreeMap::new(),
            skip_invalid,
        };
        let d = r.dataset(&by_name);
        if !r.errors.is_empty() {
            return Err(ServiceError::Validation(r.errors));
        }
        let total: usize = sheets.iter().map(|(_, t)| t.rows.len()).sum();
        let ev = self.event(
            actor,
            AuditAction::DatasetImport,
            "dataset",
            None,
            true,
            &format!("{total} rows read"),
        );
        let counts = self.store().import_dataset(&d, &ev).await?;
        Ok(DatasetOutcome {
            counts,
            rejected: r
                .rejected
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        })
    }

    /// The names the database already has: agencies, places and partnerships.
    async fn known_names(&self) -> ServiceResult<Names> {
        let mut names = Names::default();
        for a in self.store().list_agencies().await? {
            names.add_agency(&a.name);
        }
        for p in self.store().list_places().await? {
            names.add_place(
                &PlaceKey {
                    name: p.name.clone(),
                    level: p.level,
                },
                p.gss_code.as_deref(),
            );
        }
        for p in self.store().list_partnerships().await? {
            names
                .partnerships
                .insert(p.name.to_lowercase(), p.name.clone());
        }
        Ok(names)
    }
}

/// The sheets by their dataset sheet name; an error lists every sheet name that is not one.
fn sheets_by_name(sheets: &[(String, Table)]) -> ServiceResult<HashMap<&'static str, &Table>> {
    let mut by_name: HashMap<&'static str, &Table> = HashMap::new();
    let mut errors = Vec::new();
    for (name, t) in sheets {
        match sheet_named(name) {
            Some(def) => {
                by_name.insert(def.name, t);
            }
            None => errors.push(FieldError::new(
                "file",
                format!(
                    "there is no sheet called '{name}': the sheets are {}",
                    SHEETS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(by_name)
}

impl Service {
    /// Does the database hold demonstration data?
    pub async fn is_demo(&self) -> ServiceResult<bool> {
        Ok(self.store().is_demo().await?)
    }
}

impl Service {
    /// Marks the database as demonstration data.
    pub async fn mark_demo(&self) -> ServiceResult<()> {
        Ok(self.store().mark_demo(self.now()).await?)
    }
}
