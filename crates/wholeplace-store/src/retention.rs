//! Retention: how long agencies' records about families are kept after they end (rules per
//! class of data, optionally narrowed to an information-sharing agreement's parties), legal
//! holds that keep a whole family's records whatever the rules say, and disposal of the records
//! past their period. The decision of which rule governs a record is the domain's
//! ([`wholeplace_domain::retention::due`]); the store finds the records and applies it.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{
    AgreementId, DataClass, FamilyEventId, HouseholdId, InvolvementId, LegalHoldId, RetentionRuleId,
};

/// A retention rule: records of a class of data are kept this many whole years after they end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    /// Id.
    pub id: RetentionRuleId,
    /// The class of data it keeps.
    pub class: DataClass,
    /// The agreement it is narrowed to (records held by its parties), or `None` for the class's
    /// default rule.
    pub agreement_id: Option<AgreementId>,
    /// That agreement's title.
    pub agreement_title: Option<String>,
    /// Whole years kept after the record's end.
    pub keep_years: i64,
}

/// A rule to set: one rule for each class, and one for each class and agreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRetentionRule {
    /// Class.
    pub class: DataClass,
    /// Agreement, or `None` for the class's default.
    pub agreement_id: Option<AgreementId>,
    /// Years kept.
    pub keep_years: i64,
}

/// A legal hold: a family's records are kept, whatever the rules say, until it is lifted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LegalHold {
    /// Id.
    pub id: LegalHoldId,
    /// The family held.
    pub household_id: HouseholdId,
    /// What the partnership calls the family.
    pub household_name: String,
    /// Why (such as the proceedings it is kept for).
    pub reason: String,
    /// Who set it (an account name).
    pub set_by: String,
    /// When.
    pub set_at: Timestamp,
    /// Who lifted it, when it has been lifted.
    pub lifted_by: Option<String>,
    /// When it was lifted.
    pub lifted_at: Option<Timestamp>,
}

/// Which record a disposal candidate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DisposalRecord {
    /// An agency's involvement with a person.
    Involvement(InvolvementId),
    /// An event on a family's timeline.
    Event(FamilyEventId),
}

/// A record past its retention period on the day asked, in no family on legal hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisposalCandidate {
    /// The record.
    pub record: DisposalRecord,
    /// Its class of data.
    pub class: DataClass,
    /// The families it is about: an event's family; every family of an involvement's person
    /// (none when the person is in no family).
    pub households: Vec<HouseholdId>,
    /// The day it ended.
    pub ended_on: String,
    /// The rule that governs it.
    pub rule_id: RetentionRuleId,
}

/// The storage port for retention rules, legal holds and disposal.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Every rule, by class, the class's default first.
    async fn list_retention_rules(&self) -> StoreResult<Vec<RetentionRule>>;
    /// Sets the rule for a class (and agreement): adds it, or changes the years of the one there.
    async fn set_retention_rule(
        &self,
        rule: &NewRetentionRule,
        audit: &AuditEvent,
    ) -> StoreResult<RetentionRuleId>;
    /// Removes a rule.
    async fn delete_retention_rule(
        &self,
        id: RetentionRuleId,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Every legal hold, those in force first, newest first.
    async fn list_legal_holds(&self) -> StoreResult<Vec<LegalHold>>;
    /// Puts a family on legal hold; a family already held is a conflict.
    async fn set_legal_hold(
        &self,
        household: HouseholdId,
        reason: &str,
        set_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<LegalHoldId>;
    /// Lifts a hold in force (kept, with who lifted it and when: the audit event's time).
    async fn lift_legal_hold(
        &self,
        id: LegalHoldId,
        lifted_by: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The involvements and events past their period on `today` (`YYYY-MM-DD`) under the rule
    /// that governs each, leaving out open involvements, records without a rule, and every record
    /// about a family on legal hold or a person in one.
    async fn disposal_candidates(&self, today: &str) -> StoreResult<Vec<DisposalCandidate>>;
    /// Deletes the candidates, with the audit event, in one transaction. If any is gone, has
    /// been reopened or its family put on hold since it was found, nothing is deleted (a
    /// conflict): find the candidates again.
    async fn dispose(
        &self,
        candidates: &[DisposalCandidate],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
