//! Linking staged records into people and households: the runs of the linkage engine, the model
//! they train and reuse, the people and households they form (each person with the staged
//! records attached), and the review queue of uncertain pairs with the decisions taken on them.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{LinkageRunId, PartnershipId, PersonId, ReviewItemId, StagedRecordId};

/// Probabilities are stored as parts per million, exactly on both backends.
pub type Ppm = i64;

/// A partnership's linkage settings: the review band and the saved model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkageSettings {
    /// Pairs at or above this probability are linked without review.
    pub upper_ppm: Ppm,
    /// Pairs from this probability up to the upper one are queued for review; below, not linked.
    pub lower_ppm: Ppm,
    /// Whether a merge of people whose records come from different data classes waits for a
    /// second reviewer.
    pub second_review: bool,
    /// The trained model (the engine's JSON), once a run has trained one.
    pub model: Option<String>,
}

impl Default for LinkageSettings {
    /// A partnership's settings before it saves any: review from 50% to 95%, a second reviewer
    /// for merges across data classes, no model.
    fn default() -> Self {
        LinkageSettings {
            upper_ppm: 950_000,
            lower_ppm: 500_000,
            second_review: true,
            model: None,
        }
    }
}

/// How a run ended, or that it is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Started and not ended.
    Running,
    /// Its people, households and review queue were written.
    Finished,
    /// Stopped by a user; nothing was written.
    Cancelled,
    /// Failed, or the server stopped while it ran; nothing was written.
    Failed,
}

impl RunState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Cancelled => "cancelled",
            RunState::Failed => "failed",
        }
    }
    /// The state a stored name names.
    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "running" => Ok(RunState::Running),
            "finished" => Ok(RunState::Finished),
            "cancelled" => Ok(RunState::Cancelled),
            "failed" => Ok(RunState::Failed),
            other => Err(StoreError::Backend(format!("unknown run state {other}"))),
        }
    }
}

/// What a run found, as counts (no personal data).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Staged records linked.
    pub records: i64,
    /// Candidate pairs scored.
    pub pairs: i64,
    /// People the records form.
    pub people: i64,
    /// Of them, people new in this run.
    pub new_people: i64,
    /// Households of two or more people.
    pub households: i64,
    /// Pairs queued for review.
    pub queued: i64,
    /// Expected false matches among the pairs linked without review (sum of 1 - p).
    pub expected_false: i64,
    /// Expected missed matches among the pairs below the review band (sum of p).
    pub expected_missed: i64,
    /// Whether the model was trained in this run (rather than the saved one reused).
    pub trained: bool,
    /// The scored pairs by match probability: (bin, pairs, sum of their probabilities in parts
    /// per million), a bin being a tenth of a per cent (0 to 999), empty bins left out.
    pub probabilities: Vec<(u16, i64, i64)>,
}

/// A run of the linkage engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkageRun {
    /// Id.
    pub id: LinkageRunId,
    /// The partnership whose extracts it linked.
    pub partnership_id: PartnershipId,
    /// Who started it.
    pub started_by: String,
    /// When.
    pub started_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Its state.
    pub state: RunState,
    /// What it found (zero until finished).
    pub counts: RunCounts,
}

/// One person a run forms: an existing person (keeping their id) or a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedPerson {
    /// The person these records already belong to (most of them), if any.
    pub existing: Option<PersonId>,
    /// The person's details, for a new person.
    pub details: NewPerson,
    /// The staged records that are this person.
    pub records: Vec<StagedRecordId>,
}

/// A pair queued for review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReviewItem {
    /// The first record.
    pub a: StagedRecordId,
    /// The second record.
    pub b: StagedRecordId,
    /// The match probability.
    pub probability_ppm: Ppm,
    /// The field-by-field evidence (the engine's explanation, JSON).
    pub evidence: String,
}

/// Everything a finished run writes, in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkResult {
    /// The model used (JSON), saved for the next run.
    pub model: String,
    /// The people.
    pub people: Vec<LinkedPerson>,
    /// Households: groups of two or more people (indices into `people`), each with the name
    /// and address a new household is given (a household already formed by linkage keeps its
    /// own).
    pub households: Vec<(NewHousehold, Vec<usize>)>,
    /// The review queue's new pending pairs.
    pub review: Vec<NewReviewItem>,
    /// The counts.
    pub counts: RunCounts,
    /// When it ended.
    pub ended_at: Timestamp,
}

/// A review decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Not decided.
    Pending,
    /// The same person: linked in the next run.
    Accepted,
    /// Not the same person: never linked directly.
    Rejected,
}

impl ReviewStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
        }
    }
    /// The status a stored name names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(ReviewStatus::Pending),
            "accepted" => Some(ReviewStatus::Accepted),
            "rejected" => Some(ReviewStatus::Rejected),
            _ => None,
        }
    }
}

/// A pair in the review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// Id.
    pub id: ReviewItemId,
    /// The partnership whose linkage queued it.
    pub partnership_id: PartnershipId,
    /// The first record.
    pub a: StagedRecordId,
    /// The second record.
    pub b: StagedRecordId,
    /// The match probability.
    pub probability_ppm: Ppm,
    /// The evidence (JSON).
    pub evidence: String,
    /// Its status.
    pub status: ReviewStatus,
    /// Who decided, when decided.
    pub decided_by: Option<String>,
    /// The people the two records are now (after the last run and any merge or split).
    pub people: (Option<PersonId>, Option<PersonId>),
}

/// One page of the review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewPage {
    /// The items, most probable first.
    pub items: Vec<ReviewItem>,
    /// How many items have the status asked for.
    pub total: i64,
}

/// The storage port for linking. Each partnership links its own extracts: settings, runs,
/// the queue and decisions are the partnership's.
#[async_trait]
pub trait LinkingStore: Send + Sync {
    /// A partnership's review band and saved model (the defaults until it saves any).
    async fn linkage_settings(&self, partnership: PartnershipId) -> StoreResult<LinkageSettings>;
    /// Sets a partnership's review band and whether merges across data classes need a second
    /// reviewer.
    async fn save_review_band(
        &self,
        partnership: PartnershipId,
        lower_ppm: Ppm,
        upper_ppm: Ppm,
        second_review: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records the start of a partnership's run; its runs left running by a stopped server are
    /// marked failed.
    async fn start_linkage_run(
        &self,
        partnership: PartnershipId,
        audit: &AuditEvent,
    ) -> StoreResult<LinkageRunId>;
    /// Writes a finished run's people, households, attachments, review queue (replacing the
    /// pending pairs of the run's partnership) and model.
    async fn finish_linkage_run(
        &self,
        run: LinkageRunId,
        result: &LinkResult,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Ends a run that wrote nothing (cancelled or failed).
    async fn end_linkage_run(
        &self,
        run: LinkageRunId,
        state: RunState,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A partnership's runs, newest first.
    async fn list_linkage_runs(&self, partnership: PartnershipId) -> StoreResult<Vec<LinkageRun>>;
    /// A page of a partnership's review queue, most probable first.
    async fn review_page(
        &self,
        partnership: PartnershipId,
        status: ReviewStatus,
        offset: i64,
        limit: i64,
    ) -> StoreResult<ReviewPage>;
    /// One item of a queue.
    async fn get_review_item(&self, id: ReviewItemId) -> StoreResult<Option<ReviewItem>>;
    /// Accepts, rejects or (with `Pending`) undoes the decision on a pair.
    async fn decide_review(
        &self,
        id: ReviewItemId,
        status: ReviewStatus,
        decided_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Every decided pair of a partnership's queue: (a, b, accepted).
    async fn review_decisions(
        &self,
        partnership: PartnershipId,
    ) -> StoreResult<Vec<(StagedRecordId, StagedRecordId, bool)>>;
}
