//! Corrections to the people linkage formed: a merge (two people are one) or a split (some of a
//! person's source records are someone else). Each keeps its lineage (what it moved, who made
//! it, who confirmed it, who undid it) and can be undone; a merge across data classes can be
//! made to wait for a second reviewer.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{
    AgencyId, CorrectionId, DataClass, ExtractId, HouseholdId, PersonId, StagedRecordId,
};

/// Merge or split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// The other person's records, involvements and memberships move to the person.
    Merge,
    /// Some of the person's source records move to a new person.
    Split,
}

impl CorrectionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionKind::Merge => "merge",
            CorrectionKind::Split => "split",
        }
    }
    /// The kind a stored name names.
    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "merge" => Ok(CorrectionKind::Merge),
            "split" => Ok(CorrectionKind::Split),
            other => Err(StoreError::Backend(format!("unknown correction {other}"))),
        }
    }
}

/// Where a correction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionState {
    /// Waiting for a second reviewer; nothing has moved.
    Awaiting,
    /// Done: the records moved.
    Applied,
    /// Undone: the records moved back.
    Undone,
    /// Withdrawn before a second reviewer confirmed it; nothing moved.
    Withdrawn,
}

impl CorrectionState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionState::Awaiting => "awaiting",
            CorrectionState::Applied => "applied",
            CorrectionState::Undone => "undone",
            CorrectionState::Withdrawn => "withdrawn",
        }
    }
    /// The state a stored name names.
    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "awaiting" => Ok(CorrectionState::Awaiting),
            "applied" => Ok(CorrectionState::Applied),
            "undone" => Ok(CorrectionState::Undone),
            "withdrawn" => Ok(CorrectionState::Withdrawn),
            other => Err(StoreError::Backend(format!(
                "unknown correction state {other}"
            ))),
        }
    }
}

/// A correction as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCorrection {
    /// Merge or split.
    pub kind: CorrectionKind,
    /// The person kept (a merge) or split from (a split).
    pub person: PersonId,
    /// A merge: the person merged into `person`.
    pub merged: Option<PersonId>,
    /// A split: the source records that are someone else.
    pub records: Vec<StagedRecordId>,
    /// A split: the new person's details.
    pub new_person: Option<NewPerson>,
    /// Why.
    pub reason: String,
    /// Whether the two sides' records come from different data classes.
    pub cross_class: bool,
    /// Whether it waits for a second reviewer (else it is applied at once).
    pub awaits_second: bool,
    /// Who asked.
    pub made_by: String,
    /// When.
    pub made_at: Timestamp,
}

/// A correction with its lineage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonCorrection {
    /// Id.
    pub id: CorrectionId,
    /// Merge or split.
    pub kind: CorrectionKind,
    /// The person kept (a merge) or split from (a split).
    pub person: PersonId,
    /// The person merged away (a merge) or split off (a split, once applied).
    pub other: Option<PersonId>,
    /// The source records it moved (a split: the records chosen).
    pub records: Vec<StagedRecordId>,
    /// Involvements a merge moved.
    pub involvements: Vec<wholeplace_domain::InvolvementId>,
    /// Households whose membership a merge moved to the kept person, or dropped where the kept
    /// person was already a member (`true`), with the merged person's relationship there.
    pub memberships: Vec<(HouseholdId, String, bool)>,
    /// Why.
    pub reason: String,
    /// Whether the two sides came from different data classes.
    pub cross_class: bool,
    /// Where it stands.
    pub state: CorrectionState,
    /// Who asked, and when.
    pub made_by: String,
    /// When.
    pub made_at: Timestamp,
    /// The second reviewer, once confirmed.
    pub confirmed_by: Option<String>,
    /// Who undid or withdrew it.
    pub undone_by: Option<String>,
    /// When.
    pub undone_at: Option<Timestamp>,
}

/// One of a person's source records, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    /// The staged record.
    pub id: StagedRecordId,
    /// Its extract.
    pub extract_id: ExtractId,
    /// The partnership whose linkage the extract was staged for.
    pub partnership_id: wholeplace_domain::PartnershipId,
    /// The agency that sent it.
    pub agency_id: AgencyId,
    /// That agency's name.
    pub agency_name: String,
    /// The extract's data class.
    pub data_class: DataClass,
    /// The agency's own key for the record.
    pub record_key: String,
    /// The fields after the record's id, in [`STAGED_FIELDS`] order (`given_name` first).
    pub values: Vec<String>,
}

/// A person and what hangs on them, for deciding whether a correction may go ahead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonLinks {
    /// The person.
    pub person: Person,
    /// The person's source records.
    pub records: Vec<SourceRecord>,
    /// Involvements recorded against the person: (id, data class).
    pub involvements: Vec<(wholeplace_domain::InvolvementId, DataClass)>,
    /// Households the person belongs to.
    pub households: Vec<HouseholdId>,
    /// Consent receipts the person gave.
    pub consents: i64,
    /// Events on a family's timeline naming the person.
    pub events: i64,
}

/// The storage port for corrections.
#[async_trait]
pub trait CorrectionStore: Send + Sync {
    /// What hangs on a person; `None` when there is no such person.
    async fn person_links(&self, person: PersonId) -> StoreResult<Option<PersonLinks>>;
    /// Records a correction, applying it at once unless it awaits a second reviewer.
    async fn create_correction(
        &self,
        c: &NewCorrection,
        audit: &AuditEvent,
    ) -> StoreResult<CorrectionId>;
    /// Applies a correction that awaited a second reviewer.
    async fn confirm_correction(
        &self,
        id: CorrectionId,
        by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Undoes an applied correction (moving back what it moved) or withdraws an awaiting one.
    async fn undo_correction(
        &self,
        id: CorrectionId,
        by: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// One correction.
    async fn get_correction(&self, id: CorrectionId) -> StoreResult<Option<PersonCorrection>>;
    /// Corrections, newest first; only those touching `person` when given.
    async fn list_corrections(
        &self,
        person: Option<PersonId>,
    ) -> StoreResult<Vec<PersonCorrection>>;
}
