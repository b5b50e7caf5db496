//! Forecast against realised savings: approved appraisals frozen as snapshots (the model text
//! and the engine's forecast as JSON), and the net outcomes achieved by outcome line and year.
//! The port stores and returns; the engine values them (`wholeplace_appraisal::realised`).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AppraisalId, SnapshotId};

/// Outcomes are kept in thousandths, exactly on both backends.
pub type Milli = i64;

/// A line's outcomes in a year to record: (line, year, thousandths, or `None` to clear).
pub type OutcomeChange = (i64, i64, Option<Milli>);

/// One observation: the net outcomes a line achieved in a year of the horizon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RealisedOutcome {
    /// The outcome line (its position in the snapshot).
    pub line: i64,
    /// The year of the horizon (0 = the appraisal's start year).
    pub year: i64,
    /// Net outcomes achieved, in thousandths.
    pub milli: Milli,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: Timestamp,
}

/// An approved appraisal, frozen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppraisalSnapshot {
    /// Id.
    pub id: SnapshotId,
    /// The appraisal.
    pub appraisal_id: AppraisalId,
    /// The option frozen.
    pub option_name: String,
    /// Who approved it and how (e.g. "Leaders board, minute 12").
    pub approval: String,
    /// The day it was approved (`YYYY-MM-DD`).
    pub approved_on: String,
    /// The model text as approved.
    pub model_toml: String,
    /// The engine's forecast (`wholeplace_appraisal::realised::Snapshot` as JSON).
    pub forecast: String,
    /// Who froze it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// The outcomes achieved so far, by line then year.
    pub observed: Vec<RealisedOutcome>,
}

/// A snapshot to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSnapshot {
    /// The appraisal.
    pub appraisal_id: AppraisalId,
    /// The option frozen.
    pub option_name: String,
    /// Who approved it and how.
    pub approval: String,
    /// The day it was approved.
    pub approved_on: String,
    /// The model text.
    pub model_toml: String,
    /// The forecast JSON.
    pub forecast: String,
    /// Who.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// The storage port for forecast against realised savings.
#[async_trait]
pub trait RealisedStore: Send + Sync {
    /// An appraisal's snapshots, newest first (without their observations).
    async fn list_snapshots(&self, appraisal: AppraisalId) -> StoreResult<Vec<AppraisalSnapshot>>;
    /// One snapshot with its observations.
    async fn get_snapshot(&self, id: SnapshotId) -> StoreResult<Option<AppraisalSnapshot>>;
    /// Freezes an approved appraisal; the audit event gets its id.
    async fn create_snapshot(&self, s: &NewSnapshot, audit: &AuditEvent)
    -> StoreResult<SnapshotId>;
    /// Records outcomes achieved: each (line, year, thousandths) set, or cleared when `None`;
    /// all of them or none.
    async fn record_outcomes(
        &self,
        snapshot: SnapshotId,
        values: &[OutcomeChange],
        by: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
