//! Soft outcomes and wellbeing: partnership-defined scales and their readings per person or
//! family, ONS4 and (S)WEMWBS readings of people (item scores by number; no licensed wording is
//! stored), the local authorities' published ONS4 figures, the (S)WEMWBS registration, and
//! Outcomes Star readings imported from a CSV export. Readings are about people: personal data.
//! How they are judged is `wholeplace_domain::soft_outcomes` (pure).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{
    HouseholdId, PersonId, PlaceId, ScaleId, ScaleReadingId, WellbeingReadingId,
};

/// A partnership-defined scale, measured repeatedly.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scale {
    /// Id (ignored when writing).
    pub id: ScaleId,
    /// Name, such as "Feeling safe in my street".
    pub name: String,
    /// What it measures and how it is asked.
    pub description: String,
    /// The lowest point (1).
    pub low: i64,
    /// The highest point (5 or 10).
    pub high: i64,
    /// The wording of each point from `low` to `high` (empty where a point has none).
    pub anchors: Vec<String>,
}

/// Who a reading is about: a person or a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A person.
    Person(PersonId),
    /// A family (household).
    Family(HouseholdId),
}

impl Subject {
    /// As text: `person 3` or `family 2` (an id, never a name).
    pub fn label(&self) -> String {
        match self {
            Subject::Person(p) => format!("Person {p}"),
            Subject::Family(f) => format!("Family {f}"),
        }
    }
}

/// A reading of a scale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScaleReading {
    /// Id (ignored when writing).
    pub id: ScaleReadingId,
    /// The scale.
    pub scale_id: ScaleId,
    /// Who.
    pub subject: Subject,
    /// When, ISO 8601.
    pub taken_on: String,
    /// The score on the scale.
    pub score: i64,
}

/// Which wellbeing instrument a reading is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// The four ONS personal wellbeing questions, in their order: life satisfaction,
    /// worthwhile, happiness, anxiety (each 0 to 10).
    Ons4,
    /// WEMWBS, 14 items 1 to 5 (only with the registration recorded).
    Wemwbs,
    /// SWEMWBS, 7 items 1 to 5 (only with the registration recorded).
    Swemwbs,
}

impl Instrument {
    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ons4",
            Instrument::Wemwbs => "wemwbs",
            Instrument::Swemwbs => "swemwbs",
        }
    }
}

impl std::str::FromStr for Instrument {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ons4" => Ok(Instrument::Ons4),
            "wemwbs" => Ok(Instrument::Wemwbs),
            "swemwbs" => Ok(Instrument::Swemwbs),
            other => Err(format!("'{other}' is not ons4, wemwbs or swemwbs")),
        }
    }
}

/// A wellbeing reading of a person: the instrument's item scores, by number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WellbeingReading {
    /// Id (ignored when writing).
    pub id: WellbeingReadingId,
    /// The instrument.
    pub instrument: Instrument,
    /// Who.
    pub person_id: PersonId,
    /// When, ISO 8601.
    pub taken_on: String,
    /// The item scores in the instrument's order.
    pub items: Vec<i64>,
}

/// A local authority's published ONS4 means for a period (from the ONS's Annual Population
/// Survey estimates, or another published source).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ons4Published {
    /// The place.
    pub place_id: PlaceId,
    /// Its name (empty when writing).
    pub place_name: String,
    /// The period, such as `2022/23`.
    pub period: String,
    /// The four means in the ONS's order (each may be missing: suppressed or not published).
    pub means: [Option<f64>; 4],
    /// Where the figures come from.
    pub source: String,
}

/// The (S)WEMWBS registration an administrator records: without it, no (S)WEMWBS form, score,
/// API or export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WemwbsRegistration {
    /// Who registered the use with the licence holder (a person or organisation).
    pub registered_by: String,
    /// When, ISO 8601.
    pub registered_on: String,
    /// The licence or registration reference.
    pub licence_reference: String,
    /// The account that recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// One area's score of an Outcomes Star reading (the star's and areas' names are the user's,
/// from their own export: none is shipped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StarReading {
    /// Who.
    pub person_id: PersonId,
    /// The star's name as exported.
    pub star: String,
    /// When, ISO 8601.
    pub taken_on: String,
    /// The area's name as exported.
    pub area: String,
    /// Its score, 1 to 10.
    pub score: i64,
}

/// The storage port for soft outcomes and wellbeing.
#[async_trait]
pub trait SoftOutcomeStore: Send + Sync {
    /// Every scale, by name.
    async fn list_scales(&self) -> StoreResult<Vec<Scale>>;
    /// Adds a scale; `Conflict` when the name is taken.
    async fn create_scale(&self, s: &Scale, audit: &AuditEvent) -> StoreResult<ScaleId>;
    /// A scale's readings, by date then id.
    async fn scale_readings(&self, scale: ScaleId) -> StoreResult<Vec<ScaleReading>>;
    /// Adds a reading; `NotFound` when the scale, person or family does not exist.
    async fn add_scale_reading(
        &self,
        r: &ScaleReading,
        audit: &AuditEvent,
    ) -> StoreResult<ScaleReadingId>;
    /// Wellbeing readings of one instrument, by date then id.
    async fn wellbeing_readings(
        &self,
        instrument: Instrument,
    ) -> StoreResult<Vec<WellbeingReading>>;
    /// Adds a wellbeing reading; `NotFound` when the person does not exist.
    async fn add_wellbeing_reading(
        &self,
        r: &WellbeingReading,
        audit: &AuditEvent,
    ) -> StoreResult<WellbeingReadingId>;
    /// Published ONS4 means, by place name then period.
    async fn ons4_published(&self) -> StoreResult<Vec<Ons4Published>>;
    /// Adds or replaces a place's published means for a period; `NotFound` without the place.
    async fn put_ons4_published(&self, p: &Ons4Published, audit: &AuditEvent) -> StoreResult<()>;
    /// The (S)WEMWBS registration, when one is recorded.
    async fn wemwbs_registration(&self) -> StoreResult<Option<WemwbsRegistration>>;
    /// Records (or replaces) the registration.
    async fn set_wemwbs_registration(
        &self,
        r: &WemwbsRegistration,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Outcomes Star readings, by star, person, date then area.
    async fn star_readings(&self) -> StoreResult<Vec<StarReading>>;
    /// Adds Outcomes Star readings, all or none, with one audit entry (replacing a person's
    /// score for the same star, date and area); `NotFound` when a person does not exist.
    async fn put_star_readings(&self, r: &[StarReading], audit: &AuditEvent) -> StoreResult<usize>;
}
