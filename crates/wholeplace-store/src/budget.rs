//! Budget lines: what each agency spends in each place (the resource map).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::ServiceArea;
use wholeplace_domain::{AgencyId, BudgetLineId, PlaceId};
use wholeplace_domain::{FinancialYear, Money};

/// One line of the resource map: what an agency spends in a place on a service in a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    /// Id.
    pub id: BudgetLineId,
    /// Agency.
    pub agency_id: AgencyId,
    /// Agency's name.
    pub agency_name: String,
    /// Place.
    pub place_id: PlaceId,
    /// Place's name.
    pub place_name: String,
    /// Service area key (see the domain's taxonomy).
    pub service_area: ServiceArea,
    /// Financial year by its starting calendar year (2024 = 2024/25).
    pub financial_year: FinancialYear,
    /// Amount in pence.
    pub amount: Money,
    /// `revenue` or `capital`.
    pub spend_kind: String,
    /// Where the figure comes from.
    pub source: String,
    /// How sure: a confidence grade or words.
    pub confidence: String,
}

/// What is needed to add a budget line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBudgetLine {
    /// Agency.
    pub agency_id: AgencyId,
    /// Place.
    pub place_id: PlaceId,
    /// Service area key.
    pub service_area: ServiceArea,
    /// Financial year (start year).
    pub financial_year: FinancialYear,
    /// Pence.
    pub amount: Money,
    /// `revenue` or `capital`.
    pub spend_kind: String,
    /// Source.
    pub source: String,
    /// Confidence.
    pub confidence: String,
}

/// A place's spending summed three ways, in pence (`i128`: no number of lines can overflow it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetTotals {
    /// How many budget lines.
    pub count: i64,
    /// By agency name.
    pub by_agency: Vec<(String, i128)>,
    /// By service-area key.
    pub by_service: Vec<(String, i128)>,
    /// By financial year (start year).
    pub by_year: Vec<(i32, i128)>,
}

/// The storage port for budget lines: what each agency spends in each place (the resource map).
#[async_trait]
pub trait BudgetStore: Send + Sync {
    /// Budget lines in a place, at most `limit` of them when given.
    async fn budget_lines_for_place(
        &self,
        place_id: PlaceId,
        limit: Option<i64>,
    ) -> StoreResult<Vec<BudgetLine>>;
    /// Totals of a place's budget lines by agency name, service-area key and year, summed by the database.
    async fn budget_totals_for_place(&self, place_id: PlaceId) -> StoreResult<BudgetTotals>;
    /// Every budget line (for export), ordered by id.
    async fn list_budget_lines(&self) -> StoreResult<Vec<BudgetLine>>;
    /// One budget line.
    async fn get_budget_line(&self, id: BudgetLineId) -> StoreResult<Option<crate::BudgetLine>>;
    /// Adds one budget line; its id, which the audit entry names.
    async fn create_budget_line(
        &self,
        line: &NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<BudgetLineId>;
    /// Adds budget lines, all or nothing, in one transaction with one audit entry.
    async fn insert_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<usize>;
    /// Imports budget lines in one transaction with one audit entry (its detail set to the
    /// counts), leaving out lines identical in every column to one already stored, so importing
    /// the same file again changes nothing. Returns (new, already present).
    async fn import_budget_lines(
        &self,
        lines: &[NewBudgetLine],
        audit: &AuditEvent,
    ) -> StoreResult<(usize, usize)>;
    /// Replaces a budget line.
    async fn update_budget_line(
        &self,
        id: BudgetLineId,
        line: &crate::NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a budget line.
    async fn delete_budget_line(&self, id: BudgetLineId, audit: &AuditEvent) -> StoreResult<()>;
}
