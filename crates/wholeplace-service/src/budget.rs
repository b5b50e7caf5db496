//! Budget lines and the resource map: who spends what, where; imports and downloads of lines.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use std::collections::BTreeMap;
use wholeplace_domain::ServiceArea;
use wholeplace_domain::taxonomy::{self, SERVICE_AREAS};
use wholeplace_domain::{BudgetLineId, PlaceId};
use wholeplace_domain::{FinancialYear, Money};
use wholeplace_store::*;
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
            let pence = i128::from(l.amount.pence());
            total += pence;
            *agency.entry(&l.agency_name).or_default() += pence;
            *service
                .entry(taxonomy::label(SERVICE_AREAS, &l.service_area))
                .or_default() += pence;
            *year.entry(l.financial_year.start_year()).or_default() += pence;
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

/// The fields of a budget line as typed or imported (names or ids for agency and place).
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
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

/// A budget line's own values, whichever agency and place it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetValues {
    /// What the money is for.
    pub service_area: ServiceArea,
    /// The year it is spent in.
    pub financial_year: FinancialYear,
    /// How much (never negative).
    pub amount: Money,
    /// `revenue` or `capital`.
    pub spend_kind: String,
    /// Where the figure comes from.
    pub source: String,
    /// How sure the figure is.
    pub confidence: String,
}

impl BudgetForm {
    /// The line's own values, or every problem with them: the one rule set for a budget line's
    /// fields, used by the form, the API, the CSV import and the workbook import alike (its
    /// agency and place, references, are resolved by each of them).
    pub fn values(&self) -> Result<BudgetValues, Vec<FieldError>> {
        let mut errors = Vec::new();
        let service = ServiceArea::parse(&self.service_area).ok();
        if service.is_none() {
            errors.push(FieldError::new(
                "service_area",
                format!(
                    "'{}' is not a service area: use one of {}",
                    self.service_area.trim(),
                    SERVICE_AREAS
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let year = self.financial_year.parse::<FinancialYear>();
        if let Err(e) = &year {
            errors.push(FieldError::new("financial_year", e.to_string()));
        }
        let amount = self.amount.parse::<Money>();
        match &amount {
            Err(e) => errors.push(FieldError::new("amount", e.to_string())),
            Ok(m) if m.pence() < 0 => errors.push(FieldError::new(
                "amount",
                "Spending must not be negative: record a reduction as a smaller amount",
            )),
            Ok(_) => {}
        }
        let kind = match self.spend_kind.trim().to_lowercase().as_str() {
            "" | "revenue" => Some("revenue"),
            "capital" => Some("capital"),
            _ => {
                errors.push(FieldError::new(
                    "spend_kind",
                    "Spend kind must be revenue or capital",
                ));
                None
            }
        };
        match (service, year, amount, kind) {
            (Some(s), Ok(y), Ok(m), Some(k)) if errors.is_empty() => Ok(BudgetValues {
                service_area: s,
                financial_year: y,
                amount: m,
                spend_kind: k.to_owned(),
                source: self.source.trim().to_owned(),
                confidence: self.confidence.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
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
                    l.service_area.to_string(),
                    l.financial_year.to_string(),
                    pounds_text(l.amount.pence()),
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

impl Service {
    pub(crate) fn resolve_budget(
        &self,
        f: &BudgetForm,
        lookup: &Lookup,
    ) -> Result<NewBudgetLine, Vec<FieldError>> {
        let mut errors = Vec::new();
        let a = f.agency.trim();
        let agency = lookup.agency(a);
        if agency.is_none() {
            errors.push(if a.is_empty() {
                FieldError::new("agency", "Select the agency that spends the money")
            } else {
                FieldError::conflict(
                    "agency",
                    format!("There is no agency called '{a}': add it first, or check the spelling"),
                )
            });
        }
        let p = f.place.trim();
        let place = lookup.place(p);
        if place.is_none() {
            errors.push(if p.is_empty() {
                FieldError::new("place", "Select the place where the money is spent")
            } else {
                FieldError::conflict(
                    "place",
                    format!(
                        "There is no place called '{p}': give its name or GSS code, or add it first"
                    ),
                )
            });
        }
        let values = f.values().map_err(|e| errors.extend(e));
        match (agency, place, values) {
            (Some(agency_id), Some(place_id), Ok(v)) if errors.is_empty() => Ok(NewBudgetLine {
                agency_id,
                place_id,
                service_area: v.service_area,
                financial_year: v.financial_year,
                amount: v.amount,
                spend_kind: v.spend_kind,
                source: v.source,
                confidence: v.confidence,
            }),
            _ => Err(errors),
        }
    }

    /// A budget line form checked against the stored agencies and places: the line, or every
    /// problem (the one rule set for adding and changing lines).
    async fn budget_line_from_form(&self, f: &BudgetForm) -> ServiceResult<NewBudgetLine> {
        let lookup = Lookup::new(
            &self.store().list_agencies().await?,
            &self.store().list_places().await?,
        );
        self.resolve_budget(f, &lookup)
            .map_err(ServiceError::Validation)
    }

    /// Adds one budget line from the form (analysts and administrators).
    pub async fn add_budget_line(
        &self,
        actor: &Actor,
        f: &BudgetForm,
    ) -> ServiceResult<BudgetLineId> {
        self.require_editor(actor, AuditAction::BudgetLineCreate, "budget_line", None)
            .await?;
        let line = self.budget_line_from_form(f).await?;
        let ev = self.event(
            actor,
            AuditAction::BudgetLineCreate,
            "budget_line",
            None,
            true,
            "",
        );
        Ok(self.store().create_budget_line(&line, &ev).await?)
    }

    /// One budget line.
    pub async fn budget_line(&self, actor: &Actor, id: BudgetLineId) -> ServiceResult<BudgetLine> {
        self.may_read(actor).await?;
        self.store()
            .get_budget_line(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Replaces a budget line (analysts and administrators).
    pub async fn update_budget_line(
        &self,
        actor: &Actor,
        id: BudgetLineId,
        f: &BudgetForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(
            actor,
            AuditAction::BudgetLineUpdate,
            "budget_line",
            rid.clone(),
        )
        .await?;
        let line = self.budget_line_from_form(f).await?;
        let ev = self.event(
            actor,
            AuditAction::BudgetLineUpdate,
            "budget_line",
            rid,
            true,
            "",
        );
        Ok(self.store().update_budget_line(id, &line, &ev).await?)
    }

    /// Deletes a budget line.
    pub async fn delete_budget_line(&self, actor: &Actor, id: BudgetLineId) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::BudgetLineDelete,
            "budget_line",
            Some(id.to_string()),
        )
        .await?;
        let ev = self.event(
            actor,
            AuditAction::BudgetLineDelete,
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
        self.require_editor(actor, AuditAction::BudgetLineImport, "budget_line", None)
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
            match self.resolve_budget(&f, &lookup) {
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
            AuditAction::BudgetLineImport,
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
    pub async fn place_budget_table(
        &self,
        actor: &Actor,
        place_id: PlaceId,
    ) -> ServiceResult<(Place, Table)> {
        self.may_read(actor).await?;
        let place = self
            .store()
            .get_place(place_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let lines = self.store().budget_lines_for_place(place_id, None).await?;
        Ok((place, budget_table(&lines)))
    }

    /// Every budget line as a table, in the import's shape.
    pub async fn export_budget_lines(&self, actor: &Actor) -> ServiceResult<Table> {
        self.may_read(actor).await?;
        let lines = self.store().list_budget_lines().await?;
        Ok(budget_table(&lines))
    }
}
