//! Places, partners and the resource map: who spends what, where. Reading is open to every
//! signed-in role (it holds no personal data); changing needs an analyst or administrator.

use crate::{Actor, FieldError, Service, ServiceError, ServiceResult};
use std::collections::BTreeMap;
use wholeplace_domain::taxonomy::{self, AGENCY_KINDS, PLACE_LEVELS, SERVICE_AREAS};
use wholeplace_domain::{FinancialYear, GssCode, Money};
use wholeplace_store::{Agency, BudgetLine, LaProfile, NewBudgetLine, NewPlace, Place, Related};
use wholeplace_tabular::Table;

/// The columns of a budget-lines file, in order (CSV and XLSX, import and export).
pub const BUDGET_COLUMNS: [&str; 8] = [
    "agency",
    "place",
    "service_area",
    "financial_year",
    "amount",
    "spend_kind",
    "source",
    "confidence",
];

/// How many budget lines the place view lists; downloads hold them all.
pub const LINES_LISTED: i64 = 200;

/// Everything the place page shows.
#[derive(Clone, Debug)]
pub struct PlaceView {
    /// The place.
    pub place: Place,
    /// Places containing or overlapping it.
    pub parents: Vec<Related>,
    /// Places inside or overlapping it.
    pub children: Vec<Related>,
    /// Agencies covering it.
    pub agencies: Vec<Agency>,
    /// Its local-authority profile.
    pub profile: Option<LaProfile>,
    /// Its first budget lines (at most [`LINES_LISTED`]); `map.count` says how many there are.
    pub lines: Vec<BudgetLine>,
    /// The resource map of those lines.
    pub map: ResourceMap,
}

/// Totals of a set of budget lines, by agency, service area and year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceMap {
    /// Grand total, pence (summed in `i128`, so no number of lines can overflow it).
    pub total: i128,
    /// By agency name, largest first.
    pub by_agency: Vec<(String, i128)>,
    /// By service-area label, largest first.
    pub by_service: Vec<(String, i128)>,
    /// By financial year, in order.
    pub by_year: Vec<(FinancialYear, i128)>,
    /// Population used for per-head figures.
    pub population: Option<i64>,
    /// How many budget lines make it.
    pub count: i64,
}

impl ResourceMap {
    /// Totals the lines.
    pub fn of(lines: &[BudgetLine], population: Option<i64>) -> Self {
        let mut agency: BTreeMap<&str, i128> = BTreeMap::new();
        let mut service: BTreeMap<&str, i128> = BTreeMap::new();
        let mut year: BTreeMap<i32, i128> = BTreeMap::new();
        let mut total = 0_i128;
        for l in lines {
            let pence = i128::from(l.amount_pence);
            total += pence;
            *agency.entry(&l.agency_name).or_default() += pence;
            *service
                .entry(taxonomy::label(SERVICE_AREAS, &l.service_area))
                .or_default() += pence;
            *year.entry(l.financial_year).or_default() += pence;
        }
        let sorted = |m: BTreeMap<&str, i128>| {
            let mut v: Vec<(String, i128)> =
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Self {
            total,
            by_agency: sorted(agency),
            by_service: sorted(service),
            by_year: year
                .into_iter()
                .filter_map(|(y, v)| FinancialYear::new(y).ok().map(|fy| (fy, v)))
                .collect(),
            population: population.filter(|p| *p > 0),
            count: lines.len() as i64,
        }
    }

    /// The map from totals the database summed (the place page's fast path).
    pub fn from_totals(t: wholeplace_store::BudgetTotals, population: Option<i64>) -> Self {
        let sorted = |mut v: Vec<(String, i128)>| {
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let mut by_service: BTreeMap<&str, i128> = BTreeMap::new();
        for (k, v) in &t.by_service {
            *by_service
                .entry(taxonomy::label(SERVICE_AREAS, k))
                .or_default() += v;
        }
        let mut by_year: Vec<(FinancialYear, i128)> = t
            .by_year
            .iter()
            .filter_map(|(y, v)| FinancialYear::new(*y).ok().map(|fy| (fy, *v)))
            .collect();
        by_year.sort();
        Self {
            total: t.by_agency.iter().map(|(_, v)| *v).sum(),
            by_service: sorted(
                by_service
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ),
            by_agency: sorted(t.by_agency),
            by_year,
            population: population.filter(|p| *p > 0),
            count: t.count,
        }
    }

    /// Pence per head of population, when the population is known (whole pence, rounded; the
    /// quotient of a total by a population of at least one fits the total's type).
    pub fn per_head(&self, pence: i128) -> Option<i128> {
        self.population.map(|p| {
            let p = i128::from(p);
            let half = p / 2;
            if pence >= 0 {
                (pence + half) / p
            } else {
                (pence - half) / p
            }
        })
    }
}

/// The fields of the new-place form.
#[derive(Clone, Debug, Default)]
pub struct PlaceForm {
    /// Name.
    pub name: String,
    /// Level key.
    pub level: String,
    /// GSS code (optional).
    pub gss_code: String,
    /// Boundary vintage (optional).
    pub gss_vintage: String,
    /// Population (optional).
    pub population: String,
    /// Parent place id (optional).
    pub parent_id: String,
    /// Description.
    pub description: String,
}

/// The fields of a budget line as typed or imported (names or ids for agency and place).
#[derive(Clone, Debug, Default)]
pub struct BudgetForm {
    /// Agency id or name.
    pub agency: String,
    /// Place id, name or GSS code.
    pub place: String,
    /// Service area key or label.
    pub service_area: String,
    /// Financial year, 2024/25.
    pub financial_year: String,
    /// Amount in pounds.
    pub amount: String,
    /// revenue or capital.
    pub spend_kind: String,
    /// Source.
    pub source: String,
    /// Confidence.
    pub confidence: String,
}

/// The result of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOutcome {
    /// Rows written.
    pub imported: usize,
    /// Rows identical to a budget line already stored, left alone.
    pub already_present: usize,
    /// Rows refused: the original row and the reason (only when invalid rows were skipped).
    pub rejected: Table,
}

/// Agencies and places found by id, name (any case) or GSS code, in constant time per row.
pub(crate) struct Lookup {
    agencies: std::collections::HashMap<String, i64>,
    places: std::collections::HashMap<String, i64>,
}

impl Lookup {
    pub(crate) fn new(agencies: &[Agency], places: &[Place]) -> Self {
        let mut a = std::collections::HashMap::new();
        for x in agencies {
            a.insert(x.id.to_string(), x.id);
            a.insert(x.name.to_lowercase(), x.id);
        }
        let mut p = std::collections::HashMap::new();
        for x in places {
            p.insert(x.name.to_lowercase(), x.id);
            if let Some(g) = &x.gss_code {
                p.insert(g.to_lowercase(), x.id);
            }
        }
        // Ids win over names that happen to be digits.
        for x in places {
            p.insert(x.id.to_string(), x.id);
        }
        Self {
            agencies: a,
            places: p,
        }
    }

    fn agency(&self, key: &str) -> Option<i64> {
        self.agencies.get(&key.to_lowercase()).copied()
    }

    pub(crate) fn place(&self, key: &str) -> Option<i64> {
        self.places.get(&key.to_lowercase()).copied()
    }
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

impl Service {
    /// All places.
    pub async fn list_places(&self) -> ServiceResult<Vec<Place>> {
        Ok(self.store().list_places().await?)
    }

    /// Everything about one place, with its resource map.
    pub async fn place_view(&self, id: i64) -> ServiceResult<PlaceView> {
        let place = self
            .store()
            .place_by_id(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (parents, children) = self.store().place_relations(id).await?;
        let agencies = self.store().agencies_covering(id).await?;
        let profile = self.store().la_profile(id).await?;
        let lines = self
            .store()
            .budget_lines_for_place(id, Some(LINES_LISTED))
            .await?;
        let totals = self.store().budget_totals_for_place(id).await?;
        let population = place
            .population
            .or(profile.as_ref().and_then(|p| p.population));
        let map = ResourceMap::from_totals(totals, population);
        Ok(PlaceView {
            place,
            parents,
            children,
            agencies,
            profile,
            lines,
            map,
        })
    }

    /// Creates a place (analysts and administrators), optionally inside a parent.
    pub async fn create_place(&self, actor: &Actor, f: &PlaceForm) -> ServiceResult<i64> {
        self.require_editor(actor, "place.create", "place", None)
            .await?;
        let (new, parent) = self.validate_place(f).await?;
        let ev = self.event(actor, "place.create", "place", None, true, "");
        let id = self
            .store()
            .create_place(&new, &ev)
            .await
            .map_err(|e| match e {
                wholeplace_store::StoreError::Conflict(_) => {
                    ServiceError::Validation(vec![FieldError::conflict(
                        "name",
                        "There is already a place with this name and kind, or with this GSS code",
                    )])
                }
                other => other.into(),
            })?;
        if let Some(p) = parent {
            let ev = self.event(
                actor,
                "place.relate",
                "place",
                Some(id.to_string()),
                true,
                "contains",
            );
            self.store().relate_places(p, id, "contains", &ev).await?;
        }
        Ok(id)
    }

    /// Checks a place form: the place, and the place it sits inside, or every problem.
    pub(crate) async fn validate_place(
        &self,
        f: &PlaceForm,
    ) -> ServiceResult<(NewPlace, Option<i64>)> {
        let mut errors = Vec::new();
        let name = f.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Enter the place's name, up to 200 characters",
            ));
        }
        let level = taxonomy::find(PLACE_LEVELS, &f.level);
        if level.is_none() {
            errors.push(FieldError::new("level", "Select the kind of place"));
        }
        let gss = match opt_text(&f.gss_code) {
            None => None,
            Some(t) => match t.parse::<GssCode>() {
                Ok(c) => Some(c.to_string()),
                Err(e) => {
                    errors.push(FieldError::new("gss_code", e.to_string()));
                    None
                }
            },
        };
        let vintage = opt_text(&f.gss_vintage);
        if gss.is_some() && vintage.is_none() {
            errors.push(FieldError::new(
                "gss_vintage",
                "Enter the boundary vintage the GSS code belongs to, for example 2023",
            ));
        }
        let population = match opt_text(&f.population) {
            None => None,
            Some(t) => match t.replace(',', "").parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "population",
                        "Population must be a whole number, such as 118,054",
                    ));
                    None
                }
            },
        };
        let parent = match opt_text(&f.parent_id) {
            None => None,
            Some(t) => match t.parse::<i64>() {
                Ok(id) if self.store().place_by_id(id).await?.is_some() => Some(id),
                parsed => {
                    let message = "Select a place from the list, or none";
                    errors.push(if parsed.is_ok() {
                        FieldError::conflict("parent_id", message)
                    } else {
                        FieldError::new("parent_id", message)
                    });
                    None
                }
            },
        };
        let Some(level) = level else {
            return Err(ServiceError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let new = NewPlace {
            name: name.to_owned(),
            level: level.to_owned(),
            gss_code: gss,
            gss_vintage: vintage,
            population,
            description: f.description.trim().to_owned(),
        };
        Ok((new, parent))
    }

    /// Records that one place contains or overlaps another.
    pub async fn relate_places(
        &self,
        actor: &Actor,
        parent: i64,
        child: i64,
        relation: &str,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "place.relate", "place", Some(child.to_string()))
            .await?;
        if !matches!(relation, "contains" | "overlaps") || parent == child {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "relation",
                "Choose 'contains' or 'overlaps', between two different places",
            )]));
        }
        let ev = self.event(
            actor,
            "place.relate",
            "place",
            Some(child.to_string()),
            true,
            relation,
        );
        Ok(self
            .store()
            .relate_places(parent, child, relation, &ev)
            .await?)
    }

    /// Creates an agency (analysts and administrators).
    pub async fn create_agency(&self, actor: &Actor, name: &str, kind: &str) -> ServiceResult<i64> {
        self.require_editor(actor, "agency.create", "agency", None)
            .await?;
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Enter the agency's name, up to 200 characters",
            ));
        }
        let kind = taxonomy::find(AGENCY_KINDS, kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "Select the kind of agency"));
        }
        let (Some(kind), true) = (kind, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(actor, "agency.create", "agency", None, true, "");
        self.store()
            .create_agency(name, kind, &ev)
            .await
            .map_err(|e| match e {
                wholeplace_store::StoreError::Conflict(_) => {
                    ServiceError::Validation(vec![FieldError::conflict(
                        "name",
                        format!("There is already an agency called '{name}'"),
                    )])
                }
                other => other.into(),
            })
    }

    /// Records that an agency serves a place.
    pub async fn add_agency_coverage(
        &self,
        actor: &Actor,
        agency_id: i64,
        place_id: i64,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "agency.cover", "agency", Some(agency_id.to_string()))
            .await?;
        let ev = self.event(
            actor,
            "agency.cover",
            "agency",
            Some(agency_id.to_string()),
            true,
            &format!("place {place_id}"),
        );
        Ok(self
            .store()
            .add_agency_coverage(agency_id, place_id, &ev)
            .await?)
    }

    pub(crate) fn resolve_budget(
        &self,
        f: &BudgetForm,
        lookup: &Lookup,
        field: &dyn Fn(&str) -> String,
    ) -> Result<NewBudgetLine, Vec<FieldError>> {
        let mut errors = Vec::new();
        let a = f.agency.trim();
        let agency = lookup.agency(a);
        if agency.is_none() {
            errors.push(if a.is_empty() {
                FieldError::new(&field("agency"), "Select the agency that spends the money")
            } else {
                FieldError::conflict(
                    &field("agency"),
                    format!("There is no agency called '{a}': add it first, or check the spelling"),
                )
            });
        }
        let p = f.place.trim();
        let place = lookup.place(p);
        if place.is_none() {
            errors.push(if p.is_empty() {
                FieldError::new(&field("place"), "Select the place where the money is spent")
            } else {
                FieldError::conflict(
                    &field("place"),
                    format!(
                        "There is no place called '{p}': give its name or GSS code, or add it first"
                    ),
                )
            });
        }
        let service = taxonomy::find(SERVICE_AREAS, &f.service_area);
        if service.is_none() {
            errors.push(FieldError::new(
                &field("service_area"),
                format!(
                    "'{}' is not a service area: use one of {}",
                    f.service_area.trim(),
                    SERVICE_AREAS
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let year = f.financial_year.parse::<FinancialYear>();
        if let Err(e) = &year {
            errors.push(FieldError::new(&field("financial_year"), e.to_string()));
        }
        let amount = f.amount.parse::<Money>();
        match &amount {
            Err(e) => errors.push(FieldError::new(&field("amount"), e.to_string())),
            Ok(m) if m.pence() < 0 => errors.push(FieldError::new(
                &field("amount"),
                "Spending must not be negative: record a reduction as a smaller amount",
            )),
            Ok(_) => {}
        }
        let kind = match f.spend_kind.trim().to_lowercase().as_str() {
            "" | "revenue" => Some("revenue"),
            "capital" => Some("capital"),
            _ => {
                errors.push(FieldError::new(
                    &field("spend_kind"),
                    "Spend kind must be revenue or capital",
                ));
                None
            }
        };
        match (agency, place, service, year, amount, kind) {
            (Some(a), Some(p), Some(s), Ok(y), Ok(m), Some(k)) if errors.is_empty() => {
                Ok(NewBudgetLine {
                    agency_id: a,
                    place_id: p,
                    service_area: s.to_owned(),
                    financial_year: y.start_year(),
                    amount_pence: m.pence(),
                    spend_kind: k.to_owned(),
                    source: f.source.trim().to_owned(),
                    confidence: f.confidence.trim().to_owned(),
                })
            }
            _ => Err(errors),
        }
    }

    /// Adds one budget line from the form (analysts and administrators).
    pub async fn add_budget_line(&self, actor: &Actor, f: &BudgetForm) -> ServiceResult<i64> {
        self.require_editor(actor, "budget_line.create", "budget_line", None)
            .await?;
        let lookup = Lookup::new(
            &self.store().list_agencies().await?,
            &self.store().list_places().await?,
        );
        let line = self
            .resolve_budget(f, &lookup, &|f| f.to_owned())
            .map_err(ServiceError::Validation)?;
        let ev = self.event(actor, "budget_line.create", "budget_line", None, true, "");
        Ok(self.store().create_budget_line(&line, &ev).await?)
    }

    /// Deletes a budget line.
    pub async fn delete_budget_line(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        self.require_editor(
            actor,
            "budget_line.delete",
            "budget_line",
            Some(id.to_string()),
        )
        .await?;
        let ev = self.event(
            actor,
            "budget_line.delete",
            "budget_line",
            Some(id.to_string()),
            true,
            "",
        );
        Ok(self.store().delete_budget_line(id, &ev).await?)
    }

    /// Imports budget lines from a table (CSV or a workbook's sheet). All or nothing: one bad row
    /// writes nothing and every problem is reported with its row and column, unless
    /// `skip_invalid`, when good rows are written and bad ones come back with a reason column.
    pub async fn import_budget_lines(
        &self,
        actor: &Actor,
        sheet: &str,
        table: &Table,
        skip_invalid: bool,
    ) -> ServiceResult<ImportOutcome> {
        self.require_editor(actor, "budget_line.import", "budget_line", None)
            .await?;
        let mut cols = [0_usize; 8];
        let mut missing = Vec::new();
        for (i, name) in BUDGET_COLUMNS.iter().enumerate() {
            match table.column(name) {
                Some(c) => cols[i] = c,
                None if i >= 5 => cols[i] = usize::MAX,
                None => missing.push(*name),
            }
        }
        if !missing.is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "file",
                format!(
                    "{sheet}: the header row has no column {}; the columns are {}",
                    missing.join(", "),
                    BUDGET_COLUMNS.join(", ")
                ),
            )]));
        }
        let lookup = Lookup::new(
            &self.store().list_agencies().await?,
            &self.store().list_places().await?,
        );
        let cell = |row: &[String], i: usize| {
            if cols[i] == usize::MAX {
                String::new()
            } else {
                row.get(cols[i]).cloned().unwrap_or_default()
            }
        };
        let mut good = Vec::with_capacity(table.rows.len());
        let mut errors = Vec::new();
        let mut rejected = Table {
            headers: [table.headers.clone(), vec!["reason".to_owned()]].concat(),
            rows: Vec::new(),
        };
        for (i, row) in table.rows.iter().enumerate() {
            let row_no = i + 2;
            let f = BudgetForm {
                agency: cell(row, 0),
                place: cell(row, 1),
                service_area: cell(row, 2),
                financial_year: cell(row, 3),
                amount: cell(row, 4),
                spend_kind: cell(row, 5),
                source: cell(row, 6),
                confidence: cell(row, 7),
            };
            match self.resolve_budget(&f, &lookup, &|c| c.to_owned()) {
                Ok(line) => good.push(line),
                Err(errs) => {
                    let reason = errs
                        .iter()
                        .map(|e| format!("column {}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                    if skip_invalid {
                        rejected.rows.push([row.clone(), vec![reason]].concat());
                    } else if errors.len() < 100 {
                        for e in errs {
                            errors.push(FieldError::new(
                                "file",
                                format!("{sheet}, row {row_no}, column {}: {}", e.field, e.message),
                            ));
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.event(
            actor,
            "budget_line.import",
            "budget_line",
            None,
            true,
            &format!("{} rows", good.len()),
        );
        let (imported, already_present) = if good.is_empty() {
            (0, 0)
        } else {
            self.store().import_budget_lines(&good, &ev).await?
        };
        Ok(ImportOutcome {
            imported,
            already_present,
            rejected,
        })
    }

    /// Every budget line of a place as a table, in the import's shape (for downloads).
    pub async fn place_budget_table(&self, place_id: i64) -> ServiceResult<(Place, Table)> {
        let place = self
            .store()
            .place_by_id(place_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let lines = self.store().budget_lines_for_place(place_id, None).await?;
        Ok((place, budget_table(&lines)))
    }

    /// Every budget line as a table, in the import's shape.
    pub async fn export_budget_lines(&self) -> ServiceResult<Table> {
        let lines = self.store().all_budget_lines().await?;
        Ok(budget_table(&lines))
    }

    /// Loads the shipped local-authority profiles as places with their profiles.
    pub async fn import_local_authorities(&self, actor: &Actor) -> ServiceResult<usize> {
        self.require_editor(actor, "place.import_local_authorities", "place", None)
            .await?;
        let rows = shipped_local_authorities().map_err(ServiceError::Internal)?;
        let ev = self.event(
            actor,
            "place.import_local_authorities",
            "place",
            None,
            true,
            &format!("{} authorities", rows.len()),
        );
        Ok(self.store().upsert_local_authorities(&rows, &ev).await?)
    }

    /// Does the database hold demonstration data?
    pub async fn is_demo(&self) -> ServiceResult<bool> {
        Ok(self.store().is_demo().await?)
    }
}

/// Budget lines as a table in the import's shape (amounts in pounds with pence).
pub fn budget_table(lines: &[BudgetLine]) -> Table {
    Table {
        headers: BUDGET_COLUMNS.iter().map(|s| (*s).to_owned()).collect(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.agency_name.clone(),
                    l.place_name.clone(),
                    l.service_area.clone(),
                    FinancialYear::label_of(l.financial_year),
                    pounds_text(l.amount_pence),
                    l.spend_kind.clone(),
                    l.source.clone(),
                    l.confidence.clone(),
                ]
            })
            .collect(),
    }
}

/// Pence as plain pounds with two decimals, as the import reads them: `1234.56`, `-0.05`.
pub fn pounds_text(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    )
}

/// England's figures for comparison, from the same profiles file: median of authorities'
/// claimant rates and earnings (population-weighted averages would need every authority).
pub fn england_medians() -> (Option<f64>, Option<i64>) {
    let Ok(rows) = shipped_local_authorities() else {
        return (None, None);
    };
    let england: Vec<&LaProfile> = rows
        .iter()
        .filter(|(p, _)| p.gss_code.as_deref().is_some_and(|g| g.starts_with('E')))
        .map(|(_, pr)| pr)
        .collect();
    let mut claim: Vec<f64> = england.iter().filter_map(|p| p.claimant_rate_pct).collect();
    let mut earn: Vec<i64> = england
        .iter()
        .filter_map(|p| p.median_earnings_gbp)
        .collect();
    claim.sort_by(f64::total_cmp);
    earn.sort_unstable();
    (
        claim.get(claim.len() / 2).copied(),
        earn.get(earn.len() / 2).copied(),
    )
}

/// The shipped profiles (ONS, MHCLG; OGL v3) as places and profiles.
pub fn shipped_local_authorities() -> Result<Vec<(NewPlace, LaProfile)>, String> {
    const CSV: &str = include_str!("../../../data/local-authority-profiles/profiles.csv");
    let t = wholeplace_tabular::read_csv(CSV).map_err(|e| e.to_string())?;
    let col = |n: &str| {
        t.column(n)
            .ok_or_else(|| format!("profiles.csv has no column {n}"))
    };
    let (gss, name, pop, year, claim, earn, rank, total) = (
        col("gss_code")?,
        col("name")?,
        col("population_mid_year")?,
        col("population_year")?,
        col("claimant_rate_pct")?,
        col("median_earnings_gbp")?,
        col("imd_rank")?,
        col("imd_total_las")?,
    );
    let domains = [
        "income",
        "employment",
        "education",
        "health",
        "crime",
        "housing",
        "environment",
    ];
    let mut out = Vec::new();
    for r in &t.rows {
        let int = |i: usize| {
            r.get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| v.round() as i64)
        };
        let code = r[gss].clone();
        let level = match &code[..3.min(code.len())] {
            "E06" | "W06" | "S12" | "E08" | "E09" => "unitary",
            _ => "district",
        };
        let ranks = domains
            .iter()
            .filter_map(|d| {
                t.column(&format!("imd_{d}_rank"))
                    .and_then(|c| r.get(c))
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{d}={v}"))
            })
            .collect::<Vec<_>>()
            .join(";");
        out.push((
            NewPlace {
                name: r[name].clone(),
                level: level.to_owned(),
                gss_code: Some(code),
                gss_vintage: Some("2023".to_owned()),
                population: int(pop),
                description: String::new(),
            },
            LaProfile {
                population: int(pop),
                population_year: int(year),
                claimant_rate_pct: r.get(claim).and_then(|v| v.parse().ok()),
                median_earnings_gbp: int(earn),
                imd_rank: int(rank),
                imd_total: int(total),
                domain_ranks: ranks,
            },
        ));
    }
    Ok(out)
}

impl Service {
    /// All partnerships.
    pub async fn list_partnerships(&self) -> ServiceResult<Vec<wholeplace_store::Partnership>> {
        Ok(self.store().list_partnerships().await?)
    }

    /// All grants with their recorded changes.
    pub async fn list_grants(&self) -> ServiceResult<Vec<wholeplace_store::Grant>> {
        Ok(self.store().list_grants().await?)
    }

    /// Records a grant (analysts and administrators).
    pub async fn create_grant(
        &self,
        actor: &Actor,
        grant: &wholeplace_store::NewGrant,
    ) -> ServiceResult<i64> {
        self.require_editor(actor, "grant.create", "grant", None)
            .await?;
        let mut errors = Vec::new();
        if grant.title.trim().is_empty() {
            errors.push(FieldError::new("title", "Enter the grant's title"));
        }
        if grant.amount_pence <= 0 {
            errors.push(FieldError::new("amount", "The amount must be more than £0"));
        }
        if grant.end_year < grant.start_year {
            errors.push(FieldError::new(
                "end_year",
                "The last year must not be before the first",
            ));
        }
        if grant.recipient_ids.is_empty() {
            errors.push(FieldError::new(
                "recipients",
                "Select at least one recipient",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.event(actor, "grant.create", "grant", None, true, "");
        Ok(self.store().create_grant(grant, &ev).await?)
    }

    /// Records a change to a grant from a year on: a cut is a new record, never an overwrite.
    pub async fn change_grant(
        &self,
        actor: &Actor,
        grant_id: i64,
        change: &wholeplace_store::GrantChange,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "grant.change", "grant", Some(grant_id.to_string()))
            .await?;
        if change.new_amount_pence < 0 || change.reason.trim().is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "reason",
                "Give the new amount (£0 or more) and the reason for the change",
            )]));
        }
        let ev = self.event(
            actor,
            "grant.change",
            "grant",
            Some(grant_id.to_string()),
            true,
            "",
        );
        Ok(self.store().add_grant_change(grant_id, change, &ev).await?)
    }

    /// Makes a partnership (analysts and administrators).
    pub async fn create_partnership(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
        governance: &str,
        members: &[i64],
        places: &[i64],
    ) -> ServiceResult<i64> {
        self.require_editor(actor, "partnership.create", "partnership", None)
            .await?;
        if name.trim().is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "name",
                "Enter the partnership's name",
            )]));
        }
        let ev = self.event(actor, "partnership.create", "partnership", None, true, "");
        Ok(self
            .store()
            .create_partnership(
                name.trim(),
                description.trim(),
                governance.trim(),
                members,
                places,
                &ev,
            )
            .await?)
    }

    /// Grants in the 360Giving data standard's column shape: one row per recipient, the amount
    /// as currently awarded (after recorded changes), with the original amount in the description.
    pub async fn grants_360giving(&self) -> ServiceResult<Table> {
        let grants = self.store().list_grants().await?;
        let headers = [
            "Identifier",
            "Title",
            "Description",
            "Currency",
            "Amount Awarded",
            "Award Date",
            "Planned Dates:Start Date",
            "Planned Dates:End Date",
            "Recipient Org:Identifier",
            "Recipient Org:Name",
            "Funding Org:Identifier",
            "Funding Org:Name",
            "Beneficiary Location:Name",
        ];
        let mut rows = Vec::new();
        for g in &grants {
            let current = g
                .changes
                .last()
                .map_or(g.amount_pence, |c| c.new_amount_pence);
            let changes: Vec<String> = g
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "from {}: {} ({})",
                        FinancialYear::label_of(c.from_year),
                        Money::from_pence(c.new_amount_pence),
                        c.reason
                    )
                })
                .collect();
            let description = if changes.is_empty() {
                g.purpose.clone()
            } else {
                format!(
                    "{} Originally {}; changed {}.",
                    g.purpose,
                    Money::from_pence(g.amount_pence),
                    changes.join("; ")
                )
            };
            for r in &g.recipients {
                rows.push(vec![
                    format!("wholeplace-grant-{}-{}", g.id, r.id),
                    g.title.clone(),
                    description.clone(),
                    "GBP".to_owned(),
                    pounds_text(current),
                    format!("{}-04-01", g.start_year),
                    format!("{}-04-01", g.start_year),
                    format!("{}-03-31", g.end_year + 1),
                    format!("wholeplace-agency-{}", r.id),
                    r.name.clone(),
                    format!("wholeplace-agency-{}", g.funder.id),
                    g.funder.name.clone(),
                    g.places
                        .iter()
                        .map(|(_, n)| n.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ]);
            }
        }
        Ok(Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        })
    }

    /// Marks the database as demonstration data.
    pub async fn mark_demo(&self) -> ServiceResult<()> {
        Ok(self.store().mark_demo(self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(agency: &str, service: &str, year: i32, pence: i64) -> BudgetLine {
        BudgetLine {
            id: 0,
            agency_id: 0,
            agency_name: agency.to_owned(),
            place_id: 1,
            place_name: "Sherwood".to_owned(),
            service_area: service.to_owned(),
            financial_year: year,
            amount_pence: pence,
            spend_kind: "revenue".to_owned(),
            source: String::new(),
            confidence: String::new(),
        }
    }

    #[test]
    fn the_resource_map_totals_every_way() {
        let lines = [
            line("Kent County Council", "social_services", 2012, 955_000_000),
            line("NHS", "health", 2012, 532_000_000),
            line("Kent County Council", "education_skills", 2013, 100),
        ];
        let m = ResourceMap::of(&lines, Some(7_000));
        assert_eq!(m.total, 1_487_000_100);
        assert_eq!(
            m.by_agency[0],
            ("Kent County Council".to_owned(), 955_000_100)
        );
        assert_eq!(m.by_service.len(), 3);
        assert_eq!(m.by_year.len(), 2);
        assert_eq!(m.per_head(m.total), Some(212_429));
        assert_eq!(ResourceMap::of(&lines, Some(0)).per_head(1), None);
    }

    #[test]
    fn summed_totals_give_the_same_map_as_the_lines() {
        let lines = [
            line("Kent County Council", "social_services", 2012, 955_000_000),
            line("NHS", "health", 2013, 532_000_000),
            line("NHS", "health", 2012, 7),
        ];
        let totals = wholeplace_store::BudgetTotals {
            count: 3,
            by_agency: vec![
                ("NHS".to_owned(), 532_000_007),
                ("Kent County Council".to_owned(), 955_000_000),
            ],
            by_service: vec![
                ("health".to_owned(), 532_000_007),
                ("social_services".to_owned(), 955_000_000),
            ],
            by_year: vec![(2013, 532_000_000), (2012, 955_000_007)],
        };
        assert_eq!(
            ResourceMap::from_totals(totals, Some(10)),
            ResourceMap::of(&lines, Some(10))
        );
    }

    #[test]
    fn the_shipped_profiles_load() {
        let rows = shipped_local_authorities().expect("profiles");
        assert_eq!(rows.len(), 391);
        let tw = rows
            .iter()
            .find(|(p, _)| p.name == "Tunbridge Wells")
            .expect("Tunbridge Wells is there");
        assert_eq!(tw.0.level, "district");
        assert!(tw.1.imd_rank.is_some() && tw.1.domain_ranks.contains("income="));
        let (claim, earn) = england_medians();
        assert!(claim.is_some_and(|c| c > 0.0 && c < 20.0) && earn.is_some_and(|e| e > 10_000));
    }

    #[test]
    fn budget_tables_have_the_import_shape() {
        let t = budget_table(&[line("NHS", "health", 2024, 123_456)]);
        assert_eq!(t.headers, BUDGET_COLUMNS);
        assert_eq!(t.rows[0][3], "2024/25");
        assert_eq!(t.rows[0][4], "1234.56");
        assert_eq!(pounds_text(-5), "-0.05");
        assert_eq!(pounds_text(7), "0.07");
    }
}
