//! Outcomes: the indicator catalogue (each version of a definition its own record, the new
//! version naming the one it replaces with a bridging note), figures per place and period, and
//! targets with their baselines. How figures are judged and published is
//! `wholeplace_domain::outcomes` (pure).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::outcomes::{Polarity, Unit};
use wholeplace_domain::{IndicatorId, PlaceId, PlaceLevel, TargetId};

/// An indicator: one version of its definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// Id.
    pub id: IndicatorId,
    /// Name, such as "Children on child protection plans".
    pub name: String,
    /// What is counted, and how.
    pub definition: String,
    /// Count, rate, percentage or score.
    pub unit: Unit,
    /// For a rate, per how many (such as 10,000 children).
    pub per: Option<i64>,
    /// Which way is better.
    pub polarity: Polarity,
    /// Where the figures come from, such as "DfE Children in need census".
    pub source: String,
    /// The level of place the figures are for.
    pub geography: PlaceLevel,
    /// A national indicator imported from a published source (otherwise local).
    pub national: bool,
    /// The version of the definition, from 1.
    pub version: i64,
    /// The version this one replaces, when the definition changed.
    pub replaces: Option<IndicatorId>,
    /// How figures on the old and new definitions compare.
    pub bridging_note: String,
}

/// What makes an indicator (the id is given by the store).
pub type NewIndicator = Indicator;

/// A figure of an indicator for a place and period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorValue {
    /// The place.
    pub place_id: PlaceId,
    /// Its name (empty when writing).
    pub place_name: String,
    /// The period, such as `2023/24`, `2024` or `2024-Q1`; periods sort as text.
    pub period: String,
    /// The figure in the indicator's unit.
    pub value: f64,
    /// The count a rate or percentage is made from, when known.
    pub numerator: Option<f64>,
    /// The population it is out of, when known.
    pub denominator: Option<f64>,
    /// Made up for a demonstration or an example, not a published figure.
    pub illustrative: bool,
}

/// A target for an indicator in a place, with its baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// Id (ignored when writing).
    pub id: TargetId,
    /// The indicator.
    pub indicator_id: IndicatorId,
    /// The place.
    pub place_id: PlaceId,
    /// Its name (empty when writing).
    pub place_name: String,
    /// The baseline figure.
    pub baseline_value: f64,
    /// Its period.
    pub baseline_period: String,
    /// Where it comes from.
    pub baseline_source: String,
    /// The figure aimed at.
    pub target_value: f64,
    /// When, ISO 8601.
    pub target_date: String,
    /// Who answers for it.
    pub owner: String,
    /// Which way is better.
    pub polarity: Polarity,
    /// How far short of the target is still amber, in the indicator's unit.
    pub tolerance: f64,
}

/// The storage port for outcomes: indicators, their figures and targets.
#[async_trait]
pub trait OutcomeStore: Send + Sync {
    /// Every indicator version, by name then version.
    async fn list_indicators(&self) -> StoreResult<Vec<Indicator>>;
    /// Adds an indicator (a version replacing another names it in `replaces`).
    async fn create_indicator(
        &self,
        i: &NewIndicator,
        audit: &AuditEvent,
    ) -> StoreResult<IndicatorId>;
    /// An indicator's figures, by period then place name.
    async fn indicator_values(&self, indicator: IndicatorId) -> StoreResult<Vec<IndicatorValue>>;
    /// Adds figures, replacing any for the same place and period, all or none, with one audit
    /// entry. `NotFound` when the indicator or a place does not exist.
    async fn put_indicator_values(
        &self,
        indicator: IndicatorId,
        values: &[IndicatorValue],
        audit: &AuditEvent,
    ) -> StoreResult<usize>;
    /// Targets, of one indicator or of all, by indicator then place name.
    async fn list_targets(&self, indicator: Option<IndicatorId>) -> StoreResult<Vec<Target>>;
    /// Adds a target; `Conflict` when the indicator already has one for the place and date.
    async fn create_target(&self, t: &Target, audit: &AuditEvent) -> StoreResult<TargetId>;
    /// Every local authority's profile with its place, for choosing comparators.
    async fn la_profiles(&self) -> StoreResult<Vec<(PlaceId, LaProfile)>>;
}
