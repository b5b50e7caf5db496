//! Soft outcomes and wellbeing: the partnership's own scales (1 to 5 or 1 to 10, with anchor
//! wording) measured repeatedly per person or family, with the distance each has travelled and
//! the cohort's; ONS4 personal wellbeing (each question apart, banded by the ONS thresholds,
//! means to two decimals) beside the local authorities' published means; (S)WEMWBS only once
//! an administrator has recorded the registration, with its notice on every output; and
//! Outcomes Star readings imported from a CSV export (every problem named by row and column,
//! all or nothing).
//!
//! Scales are reference data (read by anyone signed in, defined by analysts and administrators);
//! readings are about people, [`DataClass::Wellbeing`]: every read is authorised and audited,
//! and people are named by record number only.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use std::collections::BTreeMap;
use wholeplace_domain::soft_outcomes::{
    CohortDistance, Dated, Hundredths, Ons4Measure, Ons4Summary, SCALE_RANGES, Travelled, Wemwbs,
    cohort_distance, distance_travelled, in_range, ons4_summary,
};
use wholeplace_domain::{HouseholdId, PersonId, ScaleId, ScaleReadingId, WellbeingReadingId};
use wholeplace_store::{
    Instrument, Ons4Published, Scale, ScaleReading, StarReading, StoreError, Subject,
    WellbeingReading, WemwbsRegistration,
};
use wholeplace_tabular::Table;

/// Problems listed at most, so a wholly wrong file gives a readable page.
const MAX_PROBLEMS: usize = 25;

/// The "add a scale" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScaleForm {
    /// Name.
    pub name: String,
    /// What it measures and how it is asked.
    pub description: String,
    /// The highest point: `5` or `10` (the lowest is 1).
    pub high: String,
    /// Anchor wording, one line per point from 1 (or two lines: the lowest and the highest).
    pub anchors: String,
}

impl ScaleForm {
    /// The scale, or every problem at once.
    pub fn parse(&self) -> Result<Scale, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the scale's name"),
        );
        let description = text(&mut errors, "description", &self.description, 2000, None);
        let high = match SCALE_RANGES
            .iter()
            .find(|(_, h)| h.to_string() == self.high.trim())
        {
            Some((_, h)) => *h,
            None => {
                errors.push(FieldError::new(
                    "high",
                    "Select the scale's range: 1 to 5 or 1 to 10",
                ));
                5
            }
        };
        let lines: Vec<String> = self
            .anchors
            .trim()
            .lines()
            .map(|l| l.trim().to_owned())
            .collect();
        let anchors: Vec<String> = if lines.len() == 2 {
            let mut all = vec![String::new(); high as usize];
            all[0].clone_from(&lines[0]);
            all[high as usize - 1].clone_from(&lines[1]);
            all
        } else {
            lines.clone()
        };
        if anchors.len() != high as usize
            || anchors.first().is_none_or(String::is_empty)
            || anchors.last().is_none_or(String::is_empty)
        {
            errors.push(FieldError::new(
                "anchors",
                format!(
                    "Enter the anchor wording: two lines (what 1 and what {high} mean), or one line for each of the {high} points, the first and last not empty"
                ),
            ));
        } else if anchors.iter().any(|a| a.chars().count() > 200) {
            errors.push(FieldError::new(
                "anchors",
                "Keep each anchor to 200 characters or fewer",
            ));
        }
        if errors.is_empty() {
            Ok(Scale {
                id: ScaleId::new(1),
                name,
                description,
                low: 1,
                high,
                anchors,
            })
        } else {
            Err(errors)
        }
    }
}

/// A reading of a scale: for a person or a family, on a day.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScaleReadingForm {
    /// The person's record number (or empty, for a family).
    pub person: String,
    /// The family's record number (or empty, for a person).
    pub family: String,
    /// When, year-month-day.
    pub taken_on: String,
    /// The score.
    pub score: String,
}

fn whole(errors: &mut Vec<FieldError>, field: &str, raw: &str, missing: &str) -> Option<i64> {
    match raw.trim() {
        "" => {
            errors.push(FieldError::new(field, missing));
            None
        }
        t => t.parse::<i64>().ok().or_else(|| {
            errors.push(FieldError::new(
                field,
                format!("Enter a whole number, not '{t}'"),
            ));
            None
        }),
    }
}

fn score_in(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    (low, high): (i64, i64),
    what: &str,
) -> Option<i64> {
    let missing = format!("Enter {what}: a whole number from {low} to {high}");
    let s = whole(errors, field, raw, &missing)?;
    in_range(s, low, high)
        .map_err(|e| {
            errors.push(FieldError::new(
                field,
                format!("Enter {what} from {low} to {high}: {e}"),
            ))
        })
        .ok()
}

fn day(errors: &mut Vec<FieldError>, raw: &str) -> String {
    let d = date(errors, "taken_on", raw);
    if raw.trim().is_empty() {
        errors.push(FieldError::new(
            "taken_on",
            "Enter the day of the reading, such as 2024-05-01",
        ));
    }
    d
}

fn person(errors: &mut Vec<FieldError>, raw: &str) -> Option<PersonId> {
    match raw.trim() {
        "" => {
            errors.push(FieldError::new(
                "person",
                "Enter the person's record number",
            ));
            None
        }
        t => t.parse().ok().or_else(|| {
            errors.push(FieldError::new(
                "person",
                "Enter the person's record number: a whole number from 1",
            ));
            None
        }),
    }
}

impl ScaleReadingForm {
    /// The reading on `scale`, or every problem at once.
    pub fn parse(&self, scale: &Scale) -> Result<ScaleReading, Vec<FieldError>> {
        let mut errors = Vec::new();
        let subject = match (self.person.trim(), self.family.trim()) {
            ("", "") => {
                errors.push(FieldError::new(
                    "person",
                    "Enter the person's record number, or the family's",
                ));
                None
            }
            (p, "") => person(&mut errors, p).map(Subject::Person),
            ("", f) => match f.parse::<HouseholdId>() {
                Ok(h) => Some(Subject::Family(h)),
                Err(_) => {
                    errors.push(FieldError::new(
                        "family",
                        "Enter the family's record number: a whole number from 1",
                    ));
                    None
                }
            },
            _ => {
                errors.push(FieldError::new(
                    "family",
                    "Enter a person or a family, not both",
                ));
                None
            }
        };
        let taken_on = day(&mut errors, &self.taken_on);
        let score = score_in(
            &mut errors,
            "score",
            &self.score,
            (scale.low, scale.high),
            "the score",
        );
        match (subject, score) {
            (Some(subject), Some(score)) if errors.is_empty() => Ok(ScaleReading {
                id: ScaleReadingId::new(1),
                scale_id: scale.id,
                subject,
                taken_on,
                score,
            }),
            _ => Err(errors),
        }
    }
}

/// An ONS4 reading: the four answers, each 0 to 10, kept apart.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Ons4Form {
    /// The person's record number.
    pub person: String,
    /// When, year-month-day.
    pub taken_on: String,
    /// Life satisfaction, 0 to 10.
    pub life_satisfaction: String,
    /// Worthwhile, 0 to 10.
    pub worthwhile: String,
    /// Happiness, 0 to 10.
    pub happiness: String,
    /// Anxiety, 0 to 10.
    pub anxiety: String,
}

impl Ons4Form {
    /// The reading, or every problem at once.
    pub fn parse(&self) -> Result<WellbeingReading, Vec<FieldError>> {
        let mut errors = Vec::new();
        let person_id = person(&mut errors, &self.person);
        let taken_on = day(&mut errors, &self.taken_on);
        let raw = [
            &self.life_satisfaction,
            &self.worthwhile,
            &self.happiness,
            &self.anxiety,
        ];
        let items: Vec<Option<i64>> = Ons4Measure::ALL
            .iter()
            .zip(raw)
            .map(|(m, r)| {
                score_in(
                    &mut errors,
                    m.as_str(),
                    r,
                    (0, 10),
                    &format!("the {} answer", m.label().to_lowercase()),
                )
            })
            .collect();
        match person_id {
            Some(person_id) if errors.is_empty() => Ok(WellbeingReading {
                id: WellbeingReadingId::new(1),
                instrument: Instrument::Ons4,
                person_id,
                taken_on,
                items: items.into_iter().flatten().collect(),
            }),
            _ => Err(errors),
        }
    }
}

/// A (S)WEMWBS reading entered by number: the item scores in the scale's order.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WemwbsForm {
    /// `wemwbs` (14 items) or `swemwbs` (7 items).
    pub scale: String,
    /// The person's record number.
    pub person: String,
    /// When, year-month-day.
    pub taken_on: String,
    /// The item scores, each 1 to 5, separated by spaces or commas.
    pub items: String,
}

impl WemwbsForm {
    /// The reading, or every problem at once.
    pub fn parse(&self) -> Result<WellbeingReading, Vec<FieldError>> {
        let mut errors = Vec::new();
        let scale = Wemwbs::parse(&self.scale);
        if scale.is_none() {
            errors.push(FieldError::new(
                "scale",
                "Select the scale: WEMWBS (14 items) or SWEMWBS (7 items)",
            ));
        }
        let person_id = person(&mut errors, &self.person);
        let taken_on = day(&mut errors, &self.taken_on);
        let parts: Vec<&str> = self
            .items
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let items: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        if items.len() != parts.len() {
            errors.push(FieldError::new(
                "items",
                "Enter each item's score as a whole number from 1 to 5, separated by spaces",
            ));
        } else if let Some(s) = scale
            && let Err(e) = s.total(&items)
        {
            errors.push(FieldError::new(
                "items",
                format!("Enter the item scores: {e}"),
            ));
        }
        match (scale, person_id) {
            (Some(s), Some(person_id)) if errors.is_empty() => Ok(WellbeingReading {
                id: WellbeingReadingId::new(1),
                instrument: match s {
                    Wemwbs::Full => Instrument::Wemwbs,
                    Wemwbs::Short => Instrument::Swemwbs,
                },
                person_id,
                taken_on,
                items,
            }),
            _ => Err(errors),
        }
    }
}

/// A local authority's published ONS4 means for a period.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PublishedForm {
    /// The place: its id, name or GSS code.
    pub place: String,
    /// The period, such as `2022/23`.
    pub period: String,
    /// Mean life satisfaction (empty when not published).
    pub life_satisfaction: String,
    /// Mean worthwhile.
    pub worthwhile: String,
    /// Mean happiness.
    pub happiness: String,
    /// Mean anxiety.
    pub anxiety: String,
    /// Where the figures come from.
    pub source: String,
}

impl PublishedForm {
    fn parse(&self, lookup: &Lookup) -> Result<Ons4Published, Vec<FieldError>> {
        let mut errors = Vec::new();
        let place = place_field(
            &mut errors,
            "place",
            &self.place,
            "Enter the local authority",
            |p| lookup.place(p),
        );
        let period = text(
            &mut errors,
            "period",
            &self.period,
            20,
            Some("Enter the period, such as 2022/23"),
        );
        let source = text(
            &mut errors,
            "source",
            &self.source,
            300,
            Some("Enter where the figures come from, such as ONS Annual Population Survey"),
        );
        let raw = [
            &self.life_satisfaction,
            &self.worthwhile,
            &self.happiness,
            &self.anxiety,
        ];
        let mut means = [None; 4];
        for (k, m) in Ons4Measure::ALL.iter().enumerate() {
            let t = raw[k].trim();
            if t.is_empty() {
                continue;
            }
            match t.parse::<f64>() {
                Ok(v) if (0.0..=10.0).contains(&v) => means[k] = Some(v),
                _ => errors.push(FieldError::new(
                    m.as_str(),
                    "Enter the published mean, from 0 to 10, such as 7.45",
                )),
            }
        }
        if means.iter().all(Option::is_none) && errors.is_empty() {
            errors.push(FieldError::new(
                "life_satisfaction",
                "Enter at least one of the four published means",
            ));
        }
        match place {
            Some(place_id) if errors.is_empty() => Ok(Ons4Published {
                place_id,
                place_name: String::new(),
                period,
                means,
                source,
            }),
            _ => Err(errors),
        }
    }
}

/// The registration of (S)WEMWBS use an administrator records.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    /// Who registered (a person or organisation).
    pub registered_by: String,
    /// When, year-month-day.
    pub registered_on: String,
    /// The licence or registration reference.
    pub licence_reference: String,
}

/// A file of Outcomes Star readings to import.
#[derive(Clone, Debug, Default)]
pub struct StarFile {
    /// Its name (`.csv` or `.xlsx`).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A scale with its readings and the distance travelled.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScaleReport {
    /// The scale.
    pub scale: Scale,
    /// Every reading, by date.
    pub readings: Vec<ScaleReading>,
    /// Each person's or family's first and latest readings.
    pub travelled: Vec<Travelled<Subject>>,
    /// The cohort's distance: everyone measured at least twice.
    pub cohort: CohortDistance,
}

/// ONS4: each measure apart, and the published means beside them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ons4Report {
    /// Readings counted.
    pub readings: usize,
    /// People measured.
    pub people: usize,
    /// Each measure's mean and bands.
    pub summary: Vec<Ons4Summary>,
    /// Each measure's distance travelled (first against latest reading), in the same order.
    pub distance: Vec<CohortDistance>,
    /// The local authorities' published means.
    pub published: Vec<Ons4Published>,
}

/// (S)WEMWBS readings with their totals and the notice every output carries.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WemwbsReport {
    /// The registration.
    pub registration: WemwbsRegistration,
    /// The notice to show with every (S)WEMWBS output.
    pub notice: String,
    /// Each reading with its total (WEMWBS 14 to 70; SWEMWBS the raw 7 to 35).
    pub readings: Vec<(WellbeingReading, i64)>,
    /// The distance travelled on each scale: (scale, its cohort's).
    pub distance: Vec<(String, CohortDistance)>,
}

/// One star's area, over everyone measured on it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StarArea {
    /// The star's name as exported.
    pub star: String,
    /// The area's name as exported.
    pub area: String,
    /// The cohort's distance on it.
    pub cohort: CohortDistance,
}

/// The (S)WEMWBS notice shown with every output, naming the registration.
pub fn wemwbs_notice(r: &WemwbsRegistration) -> String {
    format!(
        "(S)WEMWBS: the Warwick-Edinburgh Mental Wellbeing Scales are (c) University of Warwick, all rights reserved, and used here under registration {} (registered by {} on {}). SWEMWBS totals are raw scores (7 to 35), not converted to metric scores.",
        r.licence_reference, r.registered_by, r.registered_on
    )
}

/// A store refusal of a reading named on its field (a person, family or scale that does not
/// exist).
fn no_subject(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::Validation(vec![FieldError::conflict(
            "person",
            "There is no person or family with that record number",
        )]),
        other => other.into(),
    }
}

fn scores_of<'a>(readings: &'a [WellbeingReading], k: usize) -> Vec<Dated<'a, PersonId>> {
    readings
        .iter()
        .filter_map(|r| {
            Some(Dated {
                subject: r.person_id,
                on: r.taken_on.as_str(),
                score: *r.items.get(k)?,
            })
        })
        .collect()
}

impl Service {
    /// Refuses (audited) unless the actor may read wellbeing readings; else records the read.
    async fn read_wellbeing(
        &self,
        actor: &Actor,
        record_type: &str,
        record_id: Option<String>,
        detail: &str,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Wellbeing,
            Access::Read,
            AuditAction::WellbeingRead,
            record_type,
            record_id.clone(),
        )
        .await?;
        let ev = self.event(
            actor,
            AuditAction::WellbeingRead,
            record_type,
            record_id,
            true,
            detail,
        );
        Ok(self.store().append_audit(&ev).await?)
    }

    async fn change_wellbeing(&self, actor: &Actor, action: AuditAction) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Wellbeing,
            Access::Change,
            action,
            "wellbeing",
            None,
        )
        .await
    }

    /// Every scale (no one's readings).
    pub async fn list_scales(&self, actor: &Actor) -> ServiceResult<Vec<Scale>> {
        self.may_read(actor).await?;
        Ok(self.store().list_scales().await?)
    }

    async fn scale(&self, id: ScaleId) -> ServiceResult<Scale> {
        self.store()
            .list_scales()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(ServiceError::NotFound)
    }

    /// Adds a scale (analysts and administrators).
    pub async fn create_scale(&self, actor: &Actor, f: &ScaleForm) -> ServiceResult<ScaleId> {
        self.require_editor(actor, AuditAction::ScaleCreate, "scale", None)
            .await?;
        let s = f.parse().map_err(ServiceError::Validation)?;
        let ev = self.event(actor, AuditAction::ScaleCreate, "scale", None, true, "");
        self.store()
            .create_scale(&s, &ev)
            .await
            .map_err(already("name"))
    }

    /// A scale's readings and the distance travelled by each person or family and the cohort
    /// (an audited read of personal data).
    pub async fn scale_report(&self, actor: &Actor, id: ScaleId) -> ServiceResult<ScaleReport> {
        self.read_wellbeing(
            actor,
            "scale",
            Some(id.to_string()),
            "readings and distance travelled",
        )
        .await?;
        let scale = self.scale(id).await?;
        let readings = self.store().scale_readings(id).await?;
        let dated: Vec<Dated<'_, Subject>> = readings
            .iter()
            .map(|r| Dated {
                subject: r.subject,
                on: r.taken_on.as_str(),
                score: r.score,
            })
            .collect();
        let travelled = distance_travelled(&dated);
        Ok(ScaleReport {
            cohort: cohort_distance(&travelled),
            travelled,
            readings,
            scale,
        })
    }

    /// Adds a reading of a scale for a person or family (practitioners and administrators).
    pub async fn add_scale_reading(
        &self,
        actor: &Actor,
        id: ScaleId,
        f: &ScaleReadingForm,
    ) -> ServiceResult<ScaleReadingId> {
        self.change_wellbeing(actor, AuditAction::ScaleReading)
            .await?;
        let scale = self.scale(id).await?;
        let r = f.parse(&scale).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::ScaleReading,
            "scale_reading",
            None,
            true,
            &format!("scale {id}"),
        );
        self.store()
            .add_scale_reading(&r, &ev)
            .await
            .map_err(no_subject)
    }

    /// Adds an ONS4 reading (practitioners and administrators).
    pub async fn add_ons4_reading(
        &self,
        actor: &Actor,
        f: &Ons4Form,
    ) -> ServiceResult<WellbeingReadingId> {
        self.change_wellbeing(actor, AuditAction::WellbeingReading)
            .await?;
        let r = f.parse().map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::WellbeingReading,
            "wellbeing_reading",
            None,
            true,
            "ons4",
        );
        self.store()
            .add_wellbeing_reading(&r, &ev)
            .await
            .map_err(no_subject)
    }

    /// ONS4: each measure's mean (two decimals) and bands, its distance travelled, and the
    /// published means (an audited read).
    pub async fn ons4_report(&self, actor: &Actor) -> ServiceResult<Ons4Report> {
        self.read_wellbeing(actor, "wellbeing_reading", None, "ons4 summary")
            .await?;
        let readings = self.store().wellbeing_readings(Instrument::Ons4).await?;
        let answers: Vec<[i64; 4]> = readings
            .iter()
            .filter_map(|r| r.items.as_slice().try_into().ok())
            .collect();
        let distance = (0..4)
            .map(|k| cohort_distance(&distance_travelled(&scores_of(&readings, k))))
            .collect();
        let people = readings
            .iter()
            .map(|r| r.person_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Ok(Ons4Report {
            readings: readings.len(),
            people,
            summary: ons4_summary(&answers),
            distance,
            published: self.store().ons4_published().await?,
        })
    }

    /// Records a local authority's published ONS4 means for a period (analysts and
    /// administrators).
    pub async fn put_ons4_published(&self, actor: &Actor, f: &PublishedForm) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::WellbeingPublished,
            "ons4_published",
            None,
        )
        .await?;
        let lookup = Lookup::new(&[], &self.store().list_places().await?);
        let p = f.parse(&lookup).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::WellbeingPublished,
            "ons4_published",
            Some(p.place_id.to_string()),
            true,
            &p.period,
        );
        self.store()
            .put_ons4_published(&p, &ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::Validation(vec![FieldError::conflict(
                    "place",
                    "There is no such place",
                )]),
                other => other.into(),
            })
    }

    /// The (S)WEMWBS registration, if recorded (anyone signed in may know whether it is).
    pub async fn wemwbs_registration(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Option<WemwbsRegistration>> {
        self.may_read(actor).await?;
        Ok(self.store().wemwbs_registration().await?)
    }

    /// Records the (S)WEMWBS registration (administrators only).
    pub async fn register_wemwbs(&self, actor: &Actor, f: &RegistrationForm) -> ServiceResult<()> {
        self.require_admin(actor, AuditAction::WemwbsRegister, "wemwbs", None)
            .await?;
        let mut errors = Vec::new();
        let registered_by = text(
            &mut errors,
            "registered_by",
            &f.registered_by,
            200,
            Some("Enter who registered the use of (S)WEMWBS"),
        );
        let registered_on = date(&mut errors, "registered_on", &f.registered_on);
        if f.registered_on.trim().is_empty() {
            errors.push(FieldError::new(
                "registered_on",
                "Enter the day it was registered, such as 2024-04-01",
            ));
        }
        let licence_reference = text(
            &mut errors,
            "licence_reference",
            &f.licence_reference,
            200,
            Some("Enter the licence or registration reference"),
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let r = WemwbsRegistration {
            registered_by,
            registered_on,
            licence_reference,
            recorded_by: actor.name(),
            recorded_at: self.now(),
        };
        let ev = self.event(actor, AuditAction::WemwbsRegister, "wemwbs", None, true, "");
        Ok(self.store().set_wemwbs_registration(&r, &ev).await?)
    }

    /// The registration, or a refusal saying how to get one: no (S)WEMWBS without it.
    async fn wemwbs_gate(&self) -> ServiceResult<WemwbsRegistration> {
        self.store().wemwbs_registration().await?.ok_or_else(|| {
            ServiceError::Forbidden(
                "(S)WEMWBS is not available: it is licensed, and an administrator must first record the registration (who registered, when and the licence reference) under Soft outcomes, (S)WEMWBS registration.".to_owned(),
            )
        })
    }

    /// Whether (S)WEMWBS may be offered (the registration is recorded).
    pub async fn wemwbs_available(&self) -> ServiceResult<bool> {
        Ok(self.store().wemwbs_registration().await?.is_some())
    }

    /// Adds a (S)WEMWBS reading entered by number (only with the registration).
    pub async fn add_wemwbs_reading(
        &self,
        actor: &Actor,
        f: &WemwbsForm,
    ) -> ServiceResult<WellbeingReadingId> {
        self.change_wellbeing(actor, AuditAction::WellbeingReading)
            .await?;
        self.wemwbs_gate().await?;
        let r = f.parse().map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::WellbeingReading,
            "wellbeing_reading",
            None,
            true,
            r.instrument.as_str(),
        );
        self.store()
            .add_wellbeing_reading(&r, &ev)
            .await
            .map_err(no_subject)
    }

    /// (S)WEMWBS readings with their totals and the notice (only with the registration; an
    /// audited read).
    pub async fn wemwbs_report(&self, actor: &Actor) -> ServiceResult<WemwbsReport> {
        self.read_wellbeing(actor, "wellbeing_reading", None, "wemwbs readings")
            .await?;
        let registration = self.wemwbs_gate().await?;
        let mut readings = Vec::new();
        let mut distance = Vec::new();
        for (instrument, scale) in [
            (Instrument::Wemwbs, Wemwbs::Full),
            (Instrument::Swemwbs, Wemwbs::Short),
        ] {
            let list = self.store().wellbeing_readings(instrument).await?;
            let totals: Vec<(WellbeingReading, i64)> = list
                .into_iter()
                .filter_map(|r| scale.total(&r.items).ok().map(|t| (r, t)))
                .collect();
            let dated: Vec<Dated<'_, PersonId>> = totals
                .iter()
                .map(|(r, t)| Dated {
                    subject: r.person_id,
                    on: r.taken_on.as_str(),
                    score: *t,
                })
                .collect();
            distance.push((
                scale.label().to_owned(),
                cohort_distance(&distance_travelled(&dated)),
            ));
            readings.extend(totals);
        }
        Ok(WemwbsReport {
            notice: wemwbs_notice(&registration),
            registration,
            readings,
            distance,
        })
    }

    /// The (S)WEMWBS readings as a table for CSV and XLSX, the notice on every row.
    pub async fn wemwbs_table(&self, actor: &Actor) -> ServiceResult<Table> {
        let r = self.wemwbs_report(actor).await?;
        Ok(Table {
            headers: ["person", "taken_on", "scale", "items", "total", "notice"]
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            rows: r
                .readings
                .iter()
                .map(|(w, t)| {
                    vec![
                        w.person_id.to_string(),
                        w.taken_on.clone(),
                        w.instrument.as_str().to_owned(),
                        w.items
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                        t.to_string(),
                        r.notice.clone(),
                    ]
                })
                .collect(),
        })
    }

    /// Imports Outcomes Star readings from a CSV export (or a workbook's first sheet): columns
    /// `person`, `date`, `star`, and one column per area holding its score 1 to 10 (blank where
    /// not scored). Every problem is named by row and column; nothing is imported unless every
    /// row is right.
    pub async fn import_star_readings(
        &self,
        actor: &Actor,
        file: &StarFile,
    ) -> ServiceResult<usize> {
        self.change_wellbeing(actor, AuditAction::WellbeingStarImport)
            .await?;
        let table = crate::extracts::read_extract(&crate::extracts::ExtractFile {
            name: file.name.clone(),
            bytes: file.bytes.clone(),
        })
        .map_err(|e| match e {
            ServiceError::Validation(list) => ServiceError::Validation(
                list.into_iter()
                    .map(|f| {
                        FieldError::new(
                            "file",
                            f.message
                                .replace("the agency's extract", "the Outcomes Star export"),
                        )
                    })
                    .collect(),
            ),
            other => other,
        })?;
        let readings = star_from_table(&table).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::WellbeingStarImport,
            "star_reading",
            None,
            true,
            &format!("{} area scores imported", readings.len()),
        );
        self.store()
            .put_star_readings(&readings, &ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::Validation(vec![
                    FieldError::conflict(
                        "file",
                        "A person in the file has no record here: check the person column holds record numbers",
                    ),
                    FieldError::new(
                        "file",
                        "Nothing was imported: put these right and upload the file again",
                    ),
                ]),
                other => other.into(),
            })
    }

    /// The Outcomes Star readings' distance travelled by star and area (an audited read).
    pub async fn star_report(&self, actor: &Actor) -> ServiceResult<Vec<StarArea>> {
        self.read_wellbeing(actor, "star_reading", None, "outcomes star summary")
            .await?;
        let readings = self.store().star_readings().await?;
        let mut by_area: BTreeMap<(&str, &str), Vec<Dated<'_, PersonId>>> = BTreeMap::new();
        for r in &readings {
            by_area
                .entry((r.star.as_str(), r.area.as_str()))
                .or_default()
                .push(Dated {
                    subject: r.person_id,
                    on: r.taken_on.as_str(),
                    score: r.score,
                });
        }
        Ok(by_area
            .into_iter()
            .map(|((star, area), dated)| StarArea {
                star: star.to_owned(),
                area: area.to_owned(),
                cohort: cohort_distance(&distance_travelled(&dated)),
            })
            .collect())
    }
}

/// Reads Outcomes Star readings from a table, naming every problem by row and column; all or
/// nothing.
fn star_from_table(table: &Table) -> Result<Vec<StarReading>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let col = |c: &str| table.column(c);
    let (Some(p), Some(d), Some(s)) = (col("person"), col("date"), col("star")) else {
        return Err(vec![FieldError::new(
            "file",
            "The file needs columns called person, date and star, and one column per area with its score",
        )]);
    };
    let areas: Vec<(usize, &String)> = table
        .headers
        .iter()
        .enumerate()
        .filter(|(i, h)| ![p, d, s].contains(i) && !h.trim().is_empty())
        .collect();
    if areas.is_empty() {
        errors.push(FieldError::new(
            "file",
            "The file has no area columns: add one column per area, holding its score 1 to 10",
        ));
    }
    let mut out = Vec::new();
    let mut seen: BTreeMap<(PersonId, String, String), usize> = BTreeMap::new();
    for (n, row) in table.rows.iter().enumerate() {
        let cell = |k: usize| row.get(k).map_or("", |c| c.trim());
        let mut row_errors = Vec::new();
        let person_id = person(&mut row_errors, cell(p));
        let mut e2 = Vec::new();
        let taken_on = date(&mut e2, "date", cell(d));
        if cell(d).is_empty() {
            e2.push(FieldError::new(
                "date",
                "Enter the reading's date, such as 2024-05-01",
            ));
        }
        row_errors.extend(e2);
        let star = cell(s).to_owned();
        if star.is_empty() || star.chars().count() > 100 {
            row_errors.push(FieldError::new(
                "star",
                "Enter the star's name (100 characters or fewer)",
            ));
        }
        for (k, area) in &areas {
            if cell(*k).is_empty() {
                continue;
            }
            match cell(*k)
                .parse::<i64>()
                .ok()
                .and_then(|v| in_range(v, 1, 10).ok())
            {
                Some(score) => {
                    if let Some(person_id) = person_id {
                        out.push(StarReading {
                            person_id,
                            star: star.clone(),
                            taken_on: taken_on.clone(),
                            area: area.trim().to_owned(),
                            score,
                        });
                    }
                }
                None => row_errors.push(FieldError::new(
                    area.as_str(),
                    format!("Enter a score from 1 to 10, not '{}'", cell(*k)),
                )),
            }
        }
        if let Some(pid) = person_id
            && let Some(first) = seen.insert((pid, star.clone(), taken_on.clone()), n)
        {
            row_errors.push(FieldError::new(
                "person",
                format!(
                    "the person, star and date are given by row {} too",
                    first + 2
                ),
            ));
        }
        errors.extend(row_errors.into_iter().map(|e| {
            FieldError::new(
                "file",
                format!("Row {}, column '{}': {}", n + 2, e.field, e.message),
            )
        }));
        if errors.len() > MAX_PROBLEMS {
            break;
        }
    }
    if errors.is_empty() {
        return Ok(out);
    }
    errors.truncate(MAX_PROBLEMS);
    errors.push(FieldError::new(
        "file",
        "Nothing was imported: put these right and upload the file again",
    ));
    Err(errors)
}

/// A mean's text, or a dash.
pub fn mean_text(h: &Option<Hundredths>) -> String {
    h.map_or_else(|| "–".to_owned(), |h| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_needs_its_range_and_the_anchors_of_both_ends() {
        let errors = ScaleForm::default().parse().expect_err("empty");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "high", "anchors"]);
        let s = ScaleForm {
            name: "Feeling safe".into(),
            high: "5".into(),
            anchors: "Not at all safe\nCompletely safe".into(),
            ..Default::default()
        }
        .parse()
        .expect("two anchors");
        assert_eq!(
            s.anchors,
            ["Not at all safe", "", "", "", "Completely safe"]
        );
        let bad = ScaleForm {
            name: "x".into(),
            high: "10".into(),
            anchors: "a\nb\nc".into(),
            ..Default::default()
        }
        .parse()
        .expect_err("three lines for ten points");
        assert_eq!(bad[0].field, "anchors");
    }

    #[test]
    fn ons4_answers_are_each_0_to_10_and_named_by_question() {
        let e = Ons4Form {
            person: "3".into(),
            taken_on: "2024-01-01".into(),
            life_satisfaction: "11".into(),
            worthwhile: "x".into(),
            happiness: "10".into(),
            anxiety: String::new(),
        }
        .parse()
        .expect_err("bad answers");
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["life_satisfaction", "worthwhile", "anxiety"]);
        let ok = Ons4Form {
            person: "3".into(),
            taken_on: "2024-01-01".into(),
            life_satisfaction: "0".into(),
            worthwhile: "10".into(),
            happiness: "5".into(),
            anxiety: "6".into(),
        }
        .parse()
        .expect("good");
        assert_eq!(ok.items, [0, 10, 5, 6]);
    }

    #[test]
    fn a_star_import_names_each_bad_row_and_column_and_imports_nothing() {
        let t = wholeplace_tabular::read_csv(
            "person,date,star,Managing money,Living skills\n1,2024-01-01,Home Star,3,4\nx,2024-13-01,,11,\n1,2024-01-01,Home Star,5,\n",
        )
        .expect("csv");
        let errors = star_from_table(&t).expect_err("bad rows");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Row 3, column 'person': Enter the person's record number: a whole number from 1",
                "Row 3, column 'date': Enter a date as year-month-day, such as 2013-04-01",
                "Row 3, column 'star': Enter the star's name (100 characters or fewer)",
                "Row 3, column 'Managing money': Enter a score from 1 to 10, not '11'",
                "Row 4, column 'person': the person, star and date are given by row 2 too",
                "Nothing was imported: put these right and upload the file again",
            ]
        );
        let good = wholeplace_tabular::read_csv(
            "person,date,star,Managing money,Living skills\n1,2024-01-01,Home Star,3,4\n1,2024-06-01,Home Star,6,\n",
        )
        .expect("csv");
        let r = star_from_table(&good).expect("good");
        assert_eq!(r.len(), 3);
        assert_eq!((r[2].area.as_str(), r[2].score), ("Managing money", 6));
    }

    #[test]
    fn wemwbs_items_are_entered_by_number() {
        let f = WemwbsForm {
            scale: "swemwbs".into(),
            person: "2".into(),
            taken_on: "2024-02-01".into(),
            items: "1, 2 3 4 5 5 5".into(),
        };
        assert_eq!(f.parse().expect("seven").items, [1, 2, 3, 4, 5, 5, 5]);
        let bad = WemwbsForm {
            items: "1 2 3".into(),
            ..f
        }
        .parse()
        .expect_err("three items");
        assert_eq!(
            bad[0].message,
            "Enter the item scores: enter 7 item scores, not 3"
        );
    }
}
