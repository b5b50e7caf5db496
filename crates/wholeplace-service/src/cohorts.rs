//! Cohorts: the families a partnership should work with, found by an analyst's saved rules over
//! needs, involvements and place, and scored by Sherwood's two drivers (seed 003) made
//! transparent: the cost a year of existing interventions (the priced jigsaw) and the weights
//! of the needs the partnership defines. The rules and the scoring are pure
//! ([`wholeplace_domain::cohort`]); this module gathers each family's current involvements,
//! decides what a reader sees and audits each read of the families once.
//!
//! Who sees what (the policy's `Cohorts` and `CohortScores` lines): analysts and administrators
//! see every family the cohort finds under a pseudonym keyed by the cohort (never a name, an
//! address or a record id), with its score and every part of it, and the cohort's cost by
//! agency; practitioners see how many families it finds and, by name, only those their own
//! agency works with (their records then through the access gate on the family's page), with no
//! scores; viewers see nothing. The audit entry of a read names the cohort and counts, nothing
//! personal.
//!
//! "Start an appraisal from this cohort" writes a model in the documented format whose As Is is
//! the cohort's priced jigsaw by agency (a local unit cost per agency, service and recorded unit
//! cost, valued at what the involvements cost a year as recorded), stored by the appraisals
//! slice's own use case, so its As Is reconciles to the penny with the cohort.

use crate::audit_action::AuditAction;
use crate::clock::day_of;
use crate::families::cost_by_agency;
use crate::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use wholeplace_appraisal::model::AsIsLine;
use wholeplace_appraisal::unitcost::LocalUnitCost;
use wholeplace_domain::cohort::{Candidate, CohortRules, Involved, Score};
use wholeplace_domain::{AgencyId, AppraisalId, CohortId, HouseholdId, Money, Need, PlaceId};
use wholeplace_store::{Cohort, CohortCandidate, Involvement, NewCohort};

/// The "build a cohort" form (also the API's body, and the edit form).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CohortForm {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The needs the rule counts (keys of the need taxonomy, ticked).
    #[serde(skip)]
    pub needs: Vec<String>,
    /// How many of them a family must have.
    pub min_needs: String,
    /// An agency the family must be involved with (an id), or empty.
    pub agency_id: String,
    /// The place the family must live in (an id), or empty.
    pub place_id: String,
    /// Points for each £1,000 a year of existing interventions.
    pub cost_points_per_thousand: String,
    /// Points for each need (need key, points as typed); empty points score 0.
    #[serde(skip)]
    pub weights: Vec<(String, String)>,
}

/// A whole number from `lo` to `hi` (empty is 0), or the problem on `field`.
fn whole(errors: &mut Vec<FieldError>, field: &str, raw: &str, hi: i64, what: &str) -> i64 {
    let t = raw.trim();
    if t.is_empty() {
        return 0;
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=hi).contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                format!("Enter {what} as a whole number from 0 to {hi}"),
            ));
            0
        }
    }
}

impl CohortForm {
    /// The cohort's rules and weights (agency and place checked against the stored ones by the
    /// caller), or every problem at once.
    pub fn parse(&self) -> Result<NewCohort, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = fields::text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter a name for the cohort, such as 'Three or more needs in Harlescott'"),
        );
        let description = fields::text(&mut errors, "description", &self.description, 2000, None);
        let mut needs = Vec::new();
        for n in &self.needs {
            match Need::parse(n) {
                Ok(k) if !needs.contains(&k) => needs.push(k),
                Ok(_) => {}
                Err(_) => errors.push(FieldError::new("needs", "Tick needs from the list")),
            }
        }
        let min_needs = whole(
            &mut errors,
            "min_needs",
            &self.min_needs,
            13,
            "how many needs",
        );
        if min_needs > i64::try_from(needs.len()).unwrap_or(i64::MAX) {
            errors.push(FieldError::new(
                "min_needs",
                "A family cannot have more of the needs than are ticked: tick more needs or ask for fewer",
            ));
        }
        let cost_points_per_thousand = whole(
            &mut errors,
            "cost_points_per_thousand",
            &self.cost_points_per_thousand,
            1000,
            "the points for each £1,000 a year",
        );
        let mut weights = Vec::new();
        for (key, raw) in &self.weights {
            let Ok(need) = Need::parse(key) else {
                errors.push(FieldError::new("weights", format!("'{key}' is not a need")));
                continue;
            };
            let w = whole(
                &mut errors,
                &format!("weight_{key}"),
                raw,
                100,
                "the points for the need",
            );
            if w > 0 && !weights.iter().any(|(n, _)| *n == need) {
                weights.push((need, w));
            }
        }
        let id_of = |errors: &mut Vec<FieldError>, field: &str, raw: &str, what: &str| {
            let t = raw.trim();
            (!t.is_empty())
                .then(|| {
                    t.parse::<i64>().ok().filter(|v| *v > 0).or_else(|| {
                        errors.push(FieldError::new(
                            field,
                            format!("Choose {what} from the list"),
                        ));
                        None
                    })
                })
                .flatten()
        };
        let agency_id =
            id_of(&mut errors, "agency_id", &self.agency_id, "an agency").map(AgencyId::new);
        let place_id = id_of(&mut errors, "place_id", &self.place_id, "a place").map(PlaceId::new);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewCohort {
            name,
            description,
            needs,
            min_needs,
            agency_id,
            place_id,
            cost_points_per_thousand,
            weights,
            salt: String::new(),
            created_by: String::new(),
            at: 0,
        })
    }

    /// The form filled in from a saved cohort (for editing).
    pub fn of(c: &Cohort) -> Self {
        let id_text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            name: c.name.clone(),
            description: c.description.clone(),
            needs: c.needs.iter().map(|n| n.as_str().to_owned()).collect(),
            min_needs: c.min_needs.to_string(),
            agency_id: id_text(c.agency_id.map(AgencyId::get)),
            place_id: id_text(c.place_id.map(PlaceId::get)),
            cost_points_per_thousand: c.cost_points_per_thousand.to_string(),
            weights: c
                .weights
                .iter()
                .map(|(n, w)| (n.as_str().to_owned(), w.to_string()))
                .collect(),
        }
    }
}

/// One family of a cohort as an analyst sees it: a pseudonym, the score and its parts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScoredFamily {
    /// The family's pseudonym in this cohort (the same family has another in another cohort).
    pub reference: String,
    /// The score and every contribution.
    pub score: Score,
    /// The cost a year by agency, most first.
    pub cost_by_agency: Vec<(String, Money)>,
}

/// A cohort as one reader may see it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CohortView {
    /// The cohort's rules and weights.
    pub cohort: Cohort,
    /// How many families it finds.
    pub families: usize,
    /// Every family with its score, highest first (analysts and administrators only).
    pub scored: Option<Vec<ScoredFamily>>,
    /// The cohort's cost a year by agency, most first (analysts and administrators only).
    pub cost_by_agency: Option<Vec<(String, Money)>>,
    /// Its total.
    pub total_cost: Option<Money>,
    /// The families in it the reader's agency works with (id, name): practitioners only.
    pub yours: Vec<(HouseholdId, String)>,
}

/// A family the rules found, with the involvements that made it.
struct Found {
    household: HouseholdId,
    name: String,
    involvements: Vec<Involvement>,
    score: Score,
}

/// Whether an involvement is open on `today` (started, not ended before).
fn current(i: &Involvement, today: &str) -> bool {
    i.started_on.as_str() <= today && i.ended_on.as_deref().is_none_or(|e| e >= today)
}

fn rules_of(c: &Cohort) -> CohortRules {
    CohortRules {
        needs: c.needs.clone(),
        min_needs: c.min_needs,
        agency: c.agency_id,
        place: c.place_id,
        cost_points_per_thousand: c.cost_points_per_thousand,
        weights: c.weights.clone(),
    }
}

/// The families `c`'s rules find among `candidates`, on `today`, highest score first.
fn find(c: &Cohort, candidates: Vec<CohortCandidate>, today: &str) -> Vec<Found> {
    let rules = rules_of(c);
    let mut out: Vec<Found> = candidates
        .into_iter()
        .filter_map(|h| {
            let involvements: Vec<Involvement> = h
                .involvements
                .into_iter()
                .filter(|i| current(i, today))
                .collect();
            let candidate = Candidate {
                household: h.household_id,
                place: h.place_id,
                involvements: involvements
                    .iter()
                    .filter_map(|i| {
                        Need::parse(&i.need).ok().map(|need| Involved {
                            agency: i.agency_id,
                            need,
                            annual_cost: i.annual_cost(),
                        })
                    })
                    .collect(),
            };
            rules.matches(&candidate).then(|| Found {
                household: h.household_id,
                name: h.name,
                score: rules.score(&candidate),
                involvements,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total
            .cmp(&a.score.total)
            .then(a.household.cmp(&b.household))
    });
    out
}

/// A family's pseudonym in a cohort: keyed by the cohort's own secret, so it names no record
/// and cannot be matched across cohorts.
fn pseudonym(salt: &str, household: HouseholdId) -> String {
    let digest = Sha256::digest(format!("{salt}:{household}").as_bytes());
    format!("F-{}", hex::encode(&digest[..5]).to_uppercase())
}

/// Every involvement of the found families once (a person in two of them counts once).
fn involvements_of(found: &[Found]) -> Vec<Involvement> {
    let mut all: Vec<Involvement> = found.iter().flat_map(|f| f.involvements.clone()).collect();
    all.sort_by_key(|i| i.id);
    all.dedup_by_key(|i| i.id);
    all
}

impl Service {
    /// Every saved cohort (their rules name no one).
    pub async fn list_cohorts(&self, actor: &Actor) -> ServiceResult<Vec<Cohort>> {
        self.authorize(
            actor,
            DataClass::Cohorts,
            Access::Read,
            AuditAction::CohortRead,
            "cohort",
            None,
        )
        .await?;
        Ok(self.store().list_cohorts().await?)
    }

    /// One saved cohort's rules (for its edit form).
    pub async fn cohort(&self, actor: &Actor, id: CohortId) -> ServiceResult<Cohort> {
        self.authorize(
            actor,
            DataClass::Cohorts,
            Access::Read,
            AuditAction::CohortRead,
            "cohort",
            Some(id.to_string()),
        )
        .await?;
        self.store()
            .get_cohort(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The cohort and the families it finds today, as the reader may see them; one audit entry
    /// for the read, with counts only.
    pub async fn cohort_view(&self, actor: &Actor, id: CohortId) -> ServiceResult<CohortView> {
        let cohort = self.cohort(actor, id).await?;
        let found = find(
            &cohort,
            self.store().cohort_candidates().await?,
            &day_of(self.now()),
        );
        let families = found.len();
        let detail;
        let mut view = CohortView {
            cohort,
            families,
            scored: None,
            cost_by_agency: None,
            total_cost: None,
            yours: Vec::new(),
        };
        if self.may(actor, DataClass::CohortScores, Access::Read) {
            let (by, total) = cost_by_agency(&involvements_of(&found));
            let salt = view.cohort.salt.clone();
            view.scored = Some(
                found
                    .into_iter()
                    .map(|f| ScoredFamily {
                        reference: pseudonym(&salt, f.household),
                        cost_by_agency: cost_by_agency(&f.involvements).0,
                        score: f.score,
                    })
                    .collect(),
            );
            view.cost_by_agency = Some(by);
            view.total_cost = Some(total);
            detail = format!("{families} families scored under pseudonyms");
        } else {
            let readers = Self::reader_agencies(actor);
            view.yours = found
                .into_iter()
                .filter(|f| {
                    f.involvements
                        .iter()
                        .any(|i| readers.contains(&i.agency_id))
                })
                .map(|f| (f.household, f.name))
                .collect();
            detail = format!(
                "{} of {families} families shown: those the reader's agency works with",
                view.yours.len()
            );
        }
        let ev = self.event(
            actor,
            AuditAction::CohortRead,
            "cohort",
            Some(id.to_string()),
            true,
            &detail,
        );
        self.store().append_audit(&ev).await?;
        Ok(view)
    }

    /// Checks the form and that its agency and place exist.
    async fn cohort_values(&self, f: &CohortForm) -> ServiceResult<NewCohort> {
        let mut new = f.parse();
        if let Ok(c) = &new {
            let mut errors = Vec::new();
            if let Some(a) = c.agency_id
                && !self
                    .store()
                    .list_agencies()
                    .await?
                    .iter()
                    .any(|x| x.id == a)
            {
                errors.push(FieldError::conflict(
                    "agency_id",
                    "Choose an agency from the list",
                ));
            }
            if let Some(p) = c.place_id
                && self.store().get_place(p).await?.is_none()
            {
                errors.push(FieldError::conflict(
                    "place_id",
                    "Choose a place from the list",
                ));
            }
            if !errors.is_empty() {
                new = Err(errors);
            }
        }
        new.map_err(ServiceError::Validation)
    }

    /// A name taken is a problem on the name field.
    fn cohort_name_taken(e: wholeplace_store::StoreError) -> ServiceError {
        match e {
            wholeplace_store::StoreError::Conflict(_) => {
                ServiceError::Validation(vec![FieldError::conflict(
                    "name",
                    "There is already a cohort with this name: choose another",
                )])
            }
            other => other.into(),
        }
    }

    /// Saves a cohort (analysts and administrators).
    pub async fn create_cohort(&self, actor: &Actor, f: &CohortForm) -> ServiceResult<CohortId> {
        self.begin(actor, AuditAction::CohortCreate, None).await?;
        let mut new = self.cohort_values(f).await?;
        new.salt = secret::random_token("");
        new.created_by = actor.name();
        new.at = self.now();
        let ev = self.event(actor, AuditAction::CohortCreate, "cohort", None, true, "");
        self.store()
            .create_cohort(&new, &ev)
            .await
            .map_err(Self::cohort_name_taken)
    }

    /// Replaces a cohort's rules and weights (its pseudonyms stay).
    pub async fn update_cohort(
        &self,
        actor: &Actor,
        id: CohortId,
        f: &CohortForm,
    ) -> ServiceResult<()> {
        self.begin(actor, AuditAction::CohortUpdate, Some(id.get()))
            .await?;
        let new = self.cohort_values(f).await?;
        let ev = self.event(
            actor,
            AuditAction::CohortUpdate,
            "cohort",
            Some(id.to_string()),
            true,
            "",
        );
        self.store()
            .update_cohort(id, &new, &ev)
            .await
            .map_err(Self::cohort_name_taken)
    }

    /// Deletes a cohort (appraisals started from it keep their model).
    pub async fn delete_cohort(&self, actor: &Actor, id: CohortId) -> ServiceResult<()> {
        self.begin(actor, AuditAction::CohortDelete, Some(id.get()))
            .await?;
        let ev = self.event(
            actor,
            AuditAction::CohortDelete,
            "cohort",
            Some(id.to_string()),
            true,
            "",
        );
        self.store()
            .delete_cohort(id, &ev)
            .await
            .map_err(fields::in_use)
    }

    /// Starts an appraisal whose As Is is the cohort's priced jigsaw today, by agency, through
    /// the appraisals slice's own use case; one audit entry for the read of the cohort's families
    /// (counts only) besides the appraisal's own.
    pub async fn appraisal_from_cohort(
        &self,
        actor: &Actor,
        id: CohortId,
    ) -> ServiceResult<AppraisalId> {
        self.begin(actor, AuditAction::CohortAppraisal, Some(id.get()))
            .await?;
        let cohort = self
            .store()
            .get_cohort(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let found = find(
            &cohort,
            self.store().cohort_candidates().await?,
            &day_of(self.now()),
        );
        let (price_base, start_year, _) = self.appraisal_defaults()?;
        let text = cohort_model_text(&cohort, &found, &price_base, &start_year)?;
        let aid = self.create_appraisal_from_text(actor, "", &text).await?;
        let ev = self.event(
            actor,
            AuditAction::CohortAppraisal,
            "cohort",
            Some(id.to_string()),
            true,
            &format!("appraisal {aid} from {} families", found.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(aid)
    }
}

/// An As Is group: agency, service, unit-cost code, recorded unit cost (pence) and unit.
type GroupKey = (String, String, String, i64, String);
/// A group's cost a year (pence), units a year (hundredths) and involvements.
type GroupSum = (i128, i64, usize);

/// The model text: the appraisal's header from the start form's own writer, then one local unit
/// cost and one As Is line for each agency, service and recorded unit cost of the cohort.
fn cohort_model_text(
    cohort: &Cohort,
    found: &[Found],
    price_base: &str,
    start_year: &str,
) -> ServiceResult<String> {
    let form = appraisals::StartForm {
        partnership_id: String::new(),
        title: format!("{}: business case", cohort.name),
        description: format!(
            "Started from the cohort '{}'. Its As Is is the cohort's priced jigsaw on the day it was started: what the agencies' current involvements with its families cost a year, as recorded with them (not uprated: each local unit cost names its library code).",
            cohort.name
        ),
        cohort: format!("{} ({} families)", cohort.name, found.len()),
        place: cohort.place_name.clone().unwrap_or_default(),
        price_base: price_base.to_owned(),
        start_year: start_year.to_owned(),
        horizon_years: "5".to_owned(),
    };
    let mut text = appraisals::start_model_text(&form).map_err(ServiceError::Validation)?;
    let price_year = price_base
        .parse::<wholeplace_domain::FinancialYear>()
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    // Grouped by agency, service, unit-cost code, recorded unit cost and unit.
    let mut groups: BTreeMap<GroupKey, GroupSum> = BTreeMap::new();
    for i in involvements_of(found) {
        let key = (
            i.agency_name.clone(),
            i.service.clone(),
            i.unit_cost_code.clone().unwrap_or_default(),
            i.unit_cost.pence(),
            i.unit.clone(),
        );
        let g = groups.entry(key).or_insert((0, 0, 0));
        g.0 += i128::from(i.annual_cost().pence());
        g.1 += i.units_per_year_hundredths;
        g.2 += 1;
    }
    for (n, ((agency, service, code, unit_pence, unit), (pence, units, count))) in
        groups.into_iter().enumerate()
    {
        let local = format!("COHORT-{}", n + 1);
        let annual = Money::from_pence(i64::try_from(pence).unwrap_or(i64::MAX));
        let library = if code.is_empty() {
            "no library code".to_owned()
        } else {
            format!("library code {code}")
        };
        let luc = LocalUnitCost {
            code: local.clone(),
            description: format!(
                "{service}: {count} involvement(s), {} {unit} x {} a year ({library})",
                Money::from_pence(unit_pence),
                crate::units_text(units)
            ),
            unit: "Per year".to_owned(),
            theme: String::new(),
            agency: agency.clone(),
            fiscal: Some(annual.as_pounds_f64()),
            economic: None,
            social: None,
            price_year,
            transfer_share: 0.0,
            source: format!("The cohort's involvements as recorded ({library}), not uprated"),
            grade: 3,
            partner: agency.clone(),
            overrides: None,
        };
        let line = AsIsLine {
            name: format!("{agency}: {service}"),
            unit_cost: local,
            events_per_year: 1.0,
            quantity: 1.0,
            agency: Some(agency),
        };
        let _ = writeln!(text);
        text.push_str(&appraisals::line_text("local_unit_costs", &luc)?);
        text.push_str(&appraisals::line_text("as_is", &line)?);
    }
    Ok(text)
}
