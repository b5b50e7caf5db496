//! Corrections to the people linkage formed: merging two people who are one, splitting off a
//! person's source records that are someone else, confirming a merge as a second reviewer, and
//! undoing any of them. Each is authorised as a change to linkage and audited (the entry names
//! record ids and counts, nothing personal); each keeps its lineage in the store, and the next
//! run keeps to it: a merge's records are linked to the person kept, a split's records are
//! never linked directly to the records they were split from.
//!
//! A merge moves the merged person's source records, involvements and household memberships
//! to the person kept. It is refused when the merged person has consent receipts or events of
//! their own (those are the person's own words and acts: merge the other way round). When the
//! two people's records come from different data classes (health and police, say) and the
//! partnership asks for it, the merge waits until someone other than its author confirms it.
//! Undo goes newest first: a correction cannot be undone while a later one touching the same
//! people stands.

use crate::audit_action::AuditAction;
use crate::*;
use std::collections::{BTreeSet, HashMap};
use wholeplace_domain::{CorrectionId, PersonId, StagedRecordId};
use wholeplace_store::{
    CorrectionKind, CorrectionState, NewCorrection, NewPerson, PersonCorrection, PersonLinks,
};

/// The merge form: the other person's number and why (also the API's body).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MergeForm {
    /// The number of the person to merge into this one.
    pub other: String,
    /// Why they are the same person.
    pub reason: String,
}

/// The split form: the source records that are someone else, and why.
#[derive(Clone, Debug, Default)]
pub struct SplitForm {
    /// The staged records' numbers.
    pub records: Vec<String>,
    /// Why they are someone else.
    pub reason: String,
}

/// A person's source records and the corrections touching them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PersonRecords {
    /// The person and what hangs on them.
    pub links: PersonLinks,
    /// Corrections touching the person, newest first.
    pub corrections: Vec<PersonCorrection>,
}

fn reason_of(raw: &str) -> Result<String, FieldError> {
    let r = raw.trim();
    if r.is_empty() {
        Err(FieldError::new(
            "reason",
            "Enter why: the evidence that they are the same person, or different people",
        ))
    } else if r.chars().count() > 500 {
        Err(FieldError::new(
            "reason",
            "The reason must be 500 characters or fewer",
        ))
    } else {
        Ok(r.to_owned())
    }
}

/// The data classes a person's records and involvements come from.
fn classes(l: &PersonLinks) -> BTreeSet<&'static str> {
    l.records
        .iter()
        .map(|r| r.data_class.as_str())
        .chain(l.involvements.iter().map(|(_, c)| c.as_str()))
        .collect()
}

/// The most common non-empty value of a field among records.
fn usual(records: &[&wholeplace_store::SourceRecord], field: usize) -> Option<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for r in records {
        let v = r.values[field].trim();
        if !v.is_empty() {
            *count.entry(v).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| v.to_owned())
}

/// A date as `YYYY-MM-DD` when it is one.
fn iso_day(v: Option<String>) -> Option<String> {
    v.filter(|d| d.len() == 10 && crate::clock::parse_date(d).is_some())
}

impl Service {
    /// Whether a merge across data classes of these people waits for a second reviewer: when
    /// any partnership whose linkage formed them asks for one (with no linked records, the
    /// default: it does).
    async fn second_review_for(&self, people: &[&PersonLinks]) -> ServiceResult<bool> {
        let partnerships: BTreeSet<_> = people
            .iter()
            .flat_map(|l| l.records.iter().map(|r| r.partnership_id))
            .collect();
        if partnerships.is_empty() {
            return Ok(wholeplace_store::LinkageSettings::default().second_review);
        }
        for p in partnerships {
            if self.store().linkage_settings(p).await?.second_review {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn links_of(&self, person: PersonId) -> ServiceResult<Option<PersonLinks>> {
        Ok(self.store().person_links(person).await?)
    }

    /// A person's source records and corrections (an audited read of personal data).
    pub async fn person_records(
        &self,
        actor: &Actor,
        person: PersonId,
    ) -> ServiceResult<PersonRecords> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "person",
            Some(person.to_string()),
        )
        .await?;
        let links = self.links_of(person).await?.ok_or(ServiceError::NotFound)?;
        let corrections = self.store().list_corrections(Some(person)).await?;
        let detail = format!("source records of person {person}: {}", links.records.len());
        let ev = self.event(
            actor,
            AuditAction::LinkageRead,
            "person",
            Some(person.to_string()),
            true,
            &detail,
        );
        self.store().append_audit(&ev).await?;
        Ok(PersonRecords { links, corrections })
    }

    /// Every correction, newest first (ids and lineage only: nothing personal).
    pub async fn list_corrections(&self, actor: &Actor) -> ServiceResult<Vec<PersonCorrection>> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "person_correction",
            None,
        )
        .await?;
        Ok(self.store().list_corrections(None).await?)
    }

    /// One correction with its lineage (ids only: nothing personal).
    pub async fn get_correction(
        &self,
        actor: &Actor,
        id: CorrectionId,
    ) -> ServiceResult<PersonCorrection> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "person_correction",
            Some(id.to_string()),
        )
        .await?;
        self.correction(id).await
    }

    /// Refuses a correction of a person with a merge waiting for a second reviewer.
    async fn none_awaiting(&self, people: &[PersonId]) -> ServiceResult<()> {
        for p in people {
            let waiting = self
                .store()
                .list_corrections(Some(*p))
                .await?
                .into_iter()
                .find(|c| c.state == CorrectionState::Awaiting);
            if let Some(c) = waiting {
                return Err(ServiceError::Validation(vec![FieldError::new(
                    "other",
                    format!(
                        "Person {p} has correction {} waiting for a second reviewer: confirm or withdraw it first",
                        c.id
                    ),
                )]));
            }
        }
        Ok(())
    }

    /// Merges another person into `kept`; it waits for a second reviewer when the two come
    /// from different data classes and the partnership asks for one.
    pub async fn merge_people(
        &self,
        actor: &Actor,
        kept: PersonId,
        form: &MergeForm,
    ) -> ServiceResult<CorrectionId> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageMerge,
            "person",
            Some(kept.to_string()),
        )
        .await?;
        let kept_links = self.links_of(kept).await?.ok_or(ServiceError::NotFound)?;
        let mut errors = Vec::new();
        let reason = reason_of(&form.reason).map_err(|e| errors.push(e)).ok();
        let other = match form.other.trim().trim_start_matches('#').parse::<i64>() {
            Ok(n) if n > 0 && n != kept.get() => Some(PersonId::new(n)),
            Ok(n) if n == kept.get() => {
                errors.push(FieldError::new(
                    "other",
                    "Enter another person's number: a person cannot be merged with themselves",
                ));
                None
            }
            _ => {
                errors.push(FieldError::new(
                    "other",
                    "Enter the number of the person to merge into this one, such as 42",
                ));
                None
            }
        };
        let other_links = match other {
            Some(o) => match self.links_of(o).await? {
                Some(l) => Some(l),
                None => {
                    errors.push(FieldError::new(
                        "other",
                        format!("There is no person {o}: check the number on their page"),
                    ));
                    None
                }
            },
            None => None,
        };
        if let Some(l) = &other_links
            && (l.consents > 0 || l.events > 0)
        {
            errors.push(FieldError::new(
                "other",
                format!(
                    "Person {} has consent receipts or events of their own, which must stay theirs: merge them the other way round (open person {} and merge person {kept} into them)",
                    l.person.id, l.person.id
                ),
            ));
        }
        let (Some(reason), Some(other_links), true) = (reason, other_links, errors.is_empty())
        else {
            return Err(ServiceError::Validation(errors));
        };
        let merged = other_links.person.id;
        self.none_awaiting(&[kept, merged]).await?;
        let (a, b) = (classes(&kept_links), classes(&other_links));
        let cross_class = !a.is_empty() && !b.is_empty() && a != b;
        let awaits_second =
            cross_class && self.second_review_for(&[&kept_links, &other_links]).await?;
        let c = NewCorrection {
            kind: CorrectionKind::Merge,
            person: kept,
            merged: Some(merged),
            records: Vec::new(),
            new_person: None,
            reason,
            cross_class,
            awaits_second,
            made_by: actor.name(),
            made_at: self.now(),
        };
        let detail = format!(
            "merge person {merged} into person {kept}{}",
            if awaits_second {
                ", waiting for a second reviewer"
            } else {
                ""
            }
        );
        let ev = self.event(
            actor,
            AuditAction::LinkageMerge,
            "person_correction",
            None,
            true,
            &detail,
        );
        Ok(self.store().create_correction(&c, &ev).await?)
    }

    /// Splits the chosen source records off `person` into a new person.
    pub async fn split_person(
        &self,
        actor: &Actor,
        person: PersonId,
        form: &SplitForm,
    ) -> ServiceResult<CorrectionId> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageSplit,
            "person",
            Some(person.to_string()),
        )
        .await?;
        let links = self.links_of(person).await?.ok_or(ServiceError::NotFound)?;
        let mut errors = Vec::new();
        let reason = reason_of(&form.reason).map_err(|e| errors.push(e)).ok();
        let chosen: BTreeSet<i64> = form
            .records
            .iter()
            .filter_map(|r| r.trim().parse::<i64>().ok())
            .collect();
        let picked: Vec<&wholeplace_store::SourceRecord> = links
            .records
            .iter()
            .filter(|r| chosen.contains(&r.id.get()))
            .collect();
        if picked.is_empty() || picked.len() != form.records.len() {
            errors.push(FieldError::new(
                "records",
                "Choose one or more of this person's source records to split off",
            ));
        } else if picked.len() == links.records.len() {
            errors.push(FieldError::new(
                "records",
                "Leave at least one source record with this person: choose only the records that are someone else",
            ));
        }
        let (Some(reason), true) = (reason, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        self.none_awaiting(&[person]).await?;
        let new_person = NewPerson {
            given_name: usual(&picked, 0).unwrap_or_default(),
            family_name: usual(&picked, 1).unwrap_or_default(),
            date_of_birth: iso_day(usual(&picked, 2)),
            nhs_number: usual(&picked, 8),
            ni_number: usual(&picked, 9),
        };
        let records: Vec<StagedRecordId> = picked.iter().map(|r| r.id).collect();
        let detail = format!(
            "split {} source record(s) off person {person}",
            records.len()
        );
        let c = NewCorrection {
            kind: CorrectionKind::Split,
            person,
            merged: None,
            records,
            new_person: Some(new_person),
            reason,
            cross_class: false,
            awaits_second: false,
            made_by: actor.name(),
            made_at: self.now(),
        };
        let ev = self.event(
            actor,
            AuditAction::LinkageSplit,
            "person_correction",
            None,
            true,
            &detail,
        );
        Ok(self.store().create_correction(&c, &ev).await?)
    }

    async fn correction(&self, id: CorrectionId) -> ServiceResult<PersonCorrection> {
        self.store()
            .get_correction(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Confirms a merge waiting for a second reviewer: someone other than its author.
    pub async fn confirm_correction(&self, actor: &Actor, id: CorrectionId) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageConfirm,
            "person_correction",
            Some(id.to_string()),
        )
        .await?;
        let c = self.correction(id).await?;
        if c.state != CorrectionState::Awaiting {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "confirm",
                format!("Correction {id} is not waiting for a second reviewer"),
            )]));
        }
        if c.made_by == actor.name() {
            let ev = self.event(
                actor,
                AuditAction::LinkageConfirm,
                "person_correction",
                Some(id.to_string()),
                false,
                "the author cannot be the second reviewer",
            );
            self.store().append_audit(&ev).await?;
            return Err(ServiceError::Forbidden(
                "You asked for this merge, so someone else must confirm it as the second reviewer"
                    .into(),
            ));
        }
        let ev = self.event(
            actor,
            AuditAction::LinkageConfirm,
            "person_correction",
            Some(id.to_string()),
            true,
            "confirmed as second reviewer",
        );
        Ok(self
            .store()
            .confirm_correction(id, &actor.name(), &ev)
            .await?)
    }

    /// Why an applied correction cannot be undone, if it cannot.
    async fn undo_blocker(&self, c: &PersonCorrection) -> ServiceResult<Option<String>> {
        let people: Vec<PersonId> = std::iter::once(c.person).chain(c.other).collect();
        for p in &people {
            let later = self
                .store()
                .list_corrections(Some(*p))
                .await?
                .into_iter()
                .find(|k| {
                    k.id.get() > c.id.get()
                        && matches!(
                            k.state,
                            CorrectionState::Applied | CorrectionState::Awaiting
                        )
                });
            if let Some(k) = later {
                return Ok(Some(format!(
                    "Correction {} came later and touches the same people: undo it first",
                    k.id
                )));
            }
        }
        if c.kind == CorrectionKind::Split
            && let Some(new) = c.other
            && let Some(l) = self.links_of(new).await?
        {
            let own = l.records.iter().any(|r| !c.records.contains(&r.id));
            if own || !l.involvements.is_empty() || l.consents > 0 {
                return Ok(Some(format!(
                    "Person {new} has records of their own since the split (source records, involvements or consents): merge them into person {} instead",
                    c.person
                )));
            }
        }
        Ok(None)
    }

    /// Undoes an applied correction, or withdraws one waiting for a second reviewer.
    pub async fn undo_correction(&self, actor: &Actor, id: CorrectionId) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageUndo,
            "person_correction",
            Some(id.to_string()),
        )
        .await?;
        let c = self.correction(id).await?;
        let why_not = match c.state {
            CorrectionState::Applied => self.undo_blocker(&c).await?,
            CorrectionState::Awaiting => None,
            CorrectionState::Undone | CorrectionState::Withdrawn => {
                Some(format!("Correction {id} has already been undone"))
            }
        };
        if let Some(msg) = why_not {
            return Err(ServiceError::Validation(vec![FieldError::new("undo", msg)]));
        }
        let verb = if c.state == CorrectionState::Awaiting {
            "withdrawn"
        } else {
            "undone"
        };
        let ev = self.event(
            actor,
            AuditAction::LinkageUndo,
            "person_correction",
            Some(id.to_string()),
            true,
            verb,
        );
        Ok(self
            .store()
            .undo_correction(id, &actor.name(), self.now(), &ev)
            .await?)
    }

    /// The decisions corrections add to the next run: a merge's records are linked to the
    /// person kept; a split's records are never linked directly to those left behind.
    pub(crate) async fn correction_decisions(
        &self,
        records: &[wholeplace_store::StagedRecord],
    ) -> ServiceResult<Vec<(StagedRecordId, StagedRecordId, bool)>> {
        let mut of_person: HashMap<PersonId, Vec<StagedRecordId>> = HashMap::new();
        for r in records {
            if let Some(p) = r.person_id {
                of_person.entry(p).or_default().push(r.id);
            }
        }
        let mut out = Vec::new();
        for c in self.store().list_corrections(None).await? {
            if c.state != CorrectionState::Applied {
                continue;
            }
            match c.kind {
                CorrectionKind::Merge => {
                    let all = of_person.get(&c.person).cloned().unwrap_or_default();
                    if let Some((first, rest)) = all.split_first() {
                        out.extend(rest.iter().map(|r| (*first, *r, true)));
                    }
                }
                CorrectionKind::Split => {
                    let left = of_person.get(&c.person).cloned().unwrap_or_default();
                    for a in &c.records {
                        out.extend(left.iter().map(|b| (*a, *b, false)));
                    }
                    if let Some((first, rest)) = c.records.split_first() {
                        out.extend(rest.iter().map(|r| (*first, *r, true)));
                    }
                }
            }
        }
        Ok(out)
    }
}
