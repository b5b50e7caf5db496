//! What a family's record holds beyond its involvements and plan, each kept by the practitioners
//! whose agency works with the family: the family's agreement to take part (which is not a lawful
//! basis for sharing, and is recorded apart from one), consent receipts where an agreement's basis
//! is consent (who, when, how, for what, and their withdrawal), decisions not to share, handovers
//! of the lead practitioner, moves, the end of an agency's involvement, and the agency's events on
//! the timeline. Every change is authorised here and audited with no personal detail.

use crate::audit_action::AuditAction;
use crate::clock::day_of;
use crate::fields::*;
use crate::*;
use wholeplace_domain::{
    AgencyId, AgreementId, ConsentId, DataClass as SharedClass, HouseholdId, InvolvementId,
    PersonId, Purpose, Role, UserId,
};
use wholeplace_store::{Family, FamilyEvent, Handover, NewConsent, Participation, SharingRefusal};

/// The family's agreement to take part, or their decision not to.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ParticipationForm {
    /// `yes` (they agreed to take part) or `no` (they declined, or stopped).
    pub agreed: String,
    /// The day (empty for today).
    pub day: String,
    /// How it was given.
    pub how: String,
}

/// A consent receipt for an agreement whose basis is consent.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    /// The member who consented (an id).
    pub person_id: String,
    /// The agreement (an id).
    pub agreement_id: String,
    /// The purposes consented to (ticked keys).
    #[serde(skip)]
    pub purposes: Vec<String>,
    /// The day (empty for today).
    pub given_on: String,
    /// How it was given.
    pub how: String,
}

/// The withdrawal of a consent.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WithdrawConsentForm {
    /// The receipt (an id).
    pub consent_id: String,
    /// The day (empty for today).
    pub day: String,
    /// How it was withdrawn.
    pub how: String,
}

/// A decision not to share.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RefusalForm {
    /// The deciding agency (an id; empty when the reader has one agency).
    pub agency_id: String,
    /// The agency that asked (an id).
    pub requester_id: String,
    /// The class of data asked for (a key).
    pub class: String,
    /// Why it is not shared.
    pub reason: String,
    /// The day (empty for today).
    pub day: String,
}

/// A handover of the lead practitioner.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HandoverForm {
    /// The new lead (a user id).
    pub to_user_id: String,
    /// What they need to know.
    pub note: String,
}

/// A move to a new address.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveForm {
    /// The new address.
    pub address: String,
    /// The day they moved (empty for today).
    pub day: String,
}

/// The end of an involvement.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EndInvolvementForm {
    /// The involvement (an id).
    pub involvement_id: String,
    /// Its last day (empty for today).
    pub ended_on: String,
}

/// An event on the family's timeline.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EventForm {
    /// The member it concerns (an id; empty for the whole family).
    pub person_id: String,
    /// The recording agency (an id; empty when the reader has one agency).
    pub agency_id: String,
    /// The day (empty for today).
    pub day: String,
    /// What happened.
    pub summary: String,
    /// The class of data it is (a key).
    pub class: String,
}

/// A practitioner the lead can be handed to.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LeadCandidate {
    /// Their account.
    pub id: UserId,
    /// Their name and agencies, as a list shows them.
    pub label: String,
}

/// A day no later than `today`, `today` when left empty.
fn past_day(errors: &mut Vec<FieldError>, field: &str, raw: &str, today: &str) -> String {
    let day = date(errors, field, raw);
    if day.is_empty() {
        return today.to_owned();
    }
    if day.as_str() > today && errors.iter().all(|e| e.field != field) {
        errors.push(FieldError::new(
            field,
            "The day cannot be in the future: enter today or an earlier day",
        ));
    }
    day
}

/// The day a record is closed (a consent withdrawn, an involvement ended): no later than today
/// (`today` when left empty), and not before `from`, the day it began.
fn closing_day(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    today: &str,
    from: Option<&str>,
    too_early: &str,
) -> String {
    let day = past_day(errors, field, raw, today);
    if from.is_some_and(|f| day.as_str() < f) {
        errors.push(FieldError::new(field, too_early));
    }
    day
}

/// The reader's agency for a record: their only one, or the one they chose.
fn own_agency(errors: &mut Vec<FieldError>, raw: &str, readers: &[AgencyId]) -> Option<AgencyId> {
    if readers.len() == 1 && raw.trim().is_empty() {
        return Some(readers[0]);
    }
    Service::id_in(errors, "agency_id", raw, readers, "Select your agency")
}

/// A class of data by key, or the problem.
fn class_field(errors: &mut Vec<FieldError>, raw: &str) -> Option<SharedClass> {
    match SharedClass::parse(raw.trim()) {
        Ok(c) => Some(c),
        Err(_) => {
            errors.push(FieldError::new("class", "Select the class of data"));
            None
        }
    }
}

impl Service {
    /// The members' ids.
    fn member_ids(family: &Family) -> Vec<PersonId> {
        family.members.iter().map(|m| m.person.id).collect()
    }

    /// Writes a change's audit event: the family's id, and a detail with no personal data.
    fn family_event(
        &self,
        actor: &Actor,
        action: AuditAction,
        id: HouseholdId,
        detail: &str,
    ) -> AuditEvent {
        self.event(actor, action, "family", Some(id.to_string()), true, detail)
    }

    /// Records the family's agreement to take part, or their decision not to (or to stop).
    pub async fn record_participation(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &ParticipationForm,
    ) -> ServiceResult<()> {
        self.may_change_family(actor, id, AuditAction::FamilyParticipation)
            .await?;
        let mut errors = Vec::new();
        let agreed = match f.agreed.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.push(FieldError::new(
                    "agreed",
                    "Select whether the family agreed to take part",
                ));
                None
            }
        };
        let day = past_day(&mut errors, "day", &f.day, &day_of(self.now()));
        let how = text(
            &mut errors,
            "how",
            &f.how,
            500,
            Some(
                "Say how the family told you, such as 'at a home visit with the lead practitioner'",
            ),
        );
        let (Some(agreed), true) = (agreed, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let detail = if agreed {
            "agreed to take part"
        } else {
            "declined to take part"
        };
        let ev = self.family_event(actor, AuditAction::FamilyParticipation, id, detail);
        let p = Participation {
            agreed,
            day,
            how,
            recorded_by: actor.name(),
        };
        Ok(self.store().record_participation(id, &p, &ev).await?)
    }

    /// Records a member's consent to an agreement whose basis is consent, for the purposes
    /// ticked (each one the agreement covers).
    pub async fn record_consent(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &ConsentForm,
    ) -> ServiceResult<ConsentId> {
        let family = self
            .may_change_family(actor, id, AuditAction::ConsentRecord)
            .await?;
        let by_consent: Vec<_> = self
            .store()
            .list_agreements()
            .await?
            .into_iter()
            .filter(|a| a.basis.as_str() == "consent")
            .collect();
        let mut errors = Vec::new();
        let person = Self::id_in(
            &mut errors,
            "person_id",
            &f.person_id,
            &Self::member_ids(&family),
            "Select the family member who gave consent",
        );
        let ids: Vec<AgreementId> = by_consent.iter().map(|a| a.id).collect();
        let agreement = Self::id_in(
            &mut errors,
            "agreement_id",
            &f.agreement_id,
            &ids,
            "Select an agreement whose lawful basis is consent: other agreements do not rest on consent, so no receipt is needed",
        )
        .and_then(|aid| by_consent.iter().find(|a| a.id == aid));
        let mut purposes = Vec::new();
        for key in &f.purposes {
            match Purpose::parse(key.trim()) {
                Ok(p) if agreement.is_none_or(|a| a.purposes.contains(&p)) => purposes.push(p),
                _ => errors.push(FieldError::new(
                    "purposes",
                    "Tick only purposes the agreement covers",
                )),
            }
        }
        if purposes.is_empty() && errors.iter().all(|e| e.field != "purposes") {
            errors.push(FieldError::new(
                "purposes",
                "Tick each purpose the person consented to",
            ));
        }
        purposes.dedup();
        let given_on = past_day(&mut errors, "given_on", &f.given_on, &day_of(self.now()));
        let how = text(
            &mut errors,
            "how",
            &f.how,
            500,
            Some("Say how consent was given, such as 'signed form at the family hub'"),
        );
        let (Some(person_id), Some(agreement), true) = (person, agreement, errors.is_empty())
        else {
            return Err(ServiceError::Validation(errors));
        };
        let detail = format!(
            "consent of person {person_id} to agreement {}",
            agreement.id
        );
        let ev = self.family_event(actor, AuditAction::ConsentRecord, id, &detail);
        let new = NewConsent {
            person_id,
            agreement_id: agreement.id,
            purposes,
            given_on,
            how,
            recorded_by: actor.name(),
        };
        Ok(self.store().record_consent(&new, &ev).await?)
    }

    /// Records the withdrawal of a consent: from that day the agreement no longer covers the
    /// person's records.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &WithdrawConsentForm,
    ) -> ServiceResult<()> {
        let family = self
            .may_change_family(actor, id, AuditAction::ConsentWithdraw)
            .await?;
        let open: Vec<ConsentId> = family
            .consents
            .iter()
            .filter(|c| c.withdrawn_on.is_none())
            .map(|c| c.id)
            .collect();
        let mut errors = Vec::new();
        let consent = Self::id_in(
            &mut errors,
            "consent_id",
            &f.consent_id,
            &open,
            "Select a consent that has not been withdrawn",
        );
        let given = consent
            .and_then(|c| family.consents.iter().find(|x| x.id == c))
            .map(|c| c.given_on.as_str());
        let day = closing_day(
            &mut errors,
            "day",
            &f.day,
            &day_of(self.now()),
            given,
            "Consent cannot be withdrawn before the day it was given",
        );
        let how = text(
            &mut errors,
            "how",
            &f.how,
            500,
            Some(
                "Say how the person withdrew consent, such as 'by phone to the lead practitioner'",
            ),
        );
        let (Some(consent), true) = (consent, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.family_event(
            actor,
            AuditAction::ConsentWithdraw,
            id,
            &format!("consent {consent} withdrawn"),
        );
        Ok(self
            .store()
            .withdraw_consent(consent, &day, &how, &ev)
            .await?)
    }

    /// Records the reader's agency's decision not to share a class of data with another agency.
    pub async fn record_refusal(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &RefusalForm,
    ) -> ServiceResult<()> {
        self.may_change_family(actor, id, AuditAction::SharingRefusal)
            .await?;
        let readers = Self::reader_agencies(actor);
        let mut errors = Vec::new();
        let holder = own_agency(&mut errors, &f.agency_id, &readers);
        let agencies: Vec<AgencyId> = self
            .store()
            .list_agencies()
            .await?
            .iter()
            .map(|a| a.id)
            .filter(|a| Some(*a) != holder)
            .collect();
        let requester = Self::id_in(
            &mut errors,
            "requester_id",
            &f.requester_id,
            &agencies,
            "Select the agency that asked for the data (not your own)",
        );
        let class = class_field(&mut errors, &f.class);
        let reason = text(
            &mut errors,
            "reason",
            &f.reason,
            2000,
            Some("Say why the data is not shared, so the decision can be reviewed"),
        );
        let day = past_day(&mut errors, "day", &f.day, &day_of(self.now()));
        let (Some(holder), Some(requester), Some(class), true) =
            (holder, requester, class, errors.is_empty())
        else {
            return Err(ServiceError::Validation(errors));
        };
        let detail = format!("agency {holder} declined to share {class} with agency {requester}");
        let ev = self.family_event(actor, AuditAction::SharingRefusal, id, &detail);
        let r = SharingRefusal {
            holder_agency_id: holder,
            holder_agency: String::new(),
            requester_agency_id: requester,
            requester_agency: String::new(),
            class,
            reason,
            decided_by: actor.name(),
            day,
        };
        Ok(self.store().record_refusal(id, &r, &ev).await?)
    }

    /// The practitioners the lead can be handed to: active practitioners with an agency.
    pub async fn lead_candidates(&self, actor: &Actor) -> ServiceResult<Vec<LeadCandidate>> {
        if !self.may(actor, DataClass::CaseRecords, Access::Change) {
            return Ok(Vec::new());
        }
        Ok(self
            .store()
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Practitioner && !u.disabled && !u.agencies.is_empty())
            .map(|u| LeadCandidate {
                id: u.id,
                label: format!(
                    "{} ({})",
                    u.display_name,
                    u.agencies
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect())
    }

    /// The agreements whose lawful basis is consent (id, title, purposes), for the consent form.
    pub async fn consent_agreements(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(AgreementId, String, Vec<Purpose>)>> {
        if !self.may(actor, DataClass::CaseRecords, Access::Change) {
            return Ok(Vec::new());
        }
        Ok(self
            .store()
            .list_agreements()
            .await?
            .into_iter()
            .filter(|a| a.basis.as_str() == "consent")
            .map(|a| (a.id, a.title, a.purposes))
            .collect())
    }

    /// Hands the lead over to another practitioner, recording who led before.
    pub async fn hand_over(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &HandoverForm,
    ) -> ServiceResult<()> {
        let family = self
            .may_change_family(actor, id, AuditAction::FamilyHandover)
            .await?;
        let candidates: Vec<UserId> = self
            .lead_candidates(actor)
            .await?
            .iter()
            .map(|c| c.id)
            .filter(|u| Some(*u) != family.household.lead_user_id)
            .collect();
        let mut errors = Vec::new();
        let to = Self::id_in(
            &mut errors,
            "to_user_id",
            &f.to_user_id,
            &candidates,
            "Select the practitioner who takes over the lead",
        );
        let note = text(&mut errors, "note", &f.note, 2000, None);
        let (Some(to_user_id), true) = (to, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.family_event(
            actor,
            AuditAction::FamilyHandover,
            id,
            &format!("lead handed to user {to_user_id}"),
        );
        let h = Handover {
            from_name: family.household.lead_name.clone().unwrap_or_default(),
            to_user_id,
            to_name: String::new(),
            day: day_of(self.now()),
            note,
        };
        Ok(self.store().hand_over(id, &h, &ev).await?)
    }

    /// Records a move: the new address, and the old one kept as a former address.
    pub async fn move_family(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &MoveForm,
    ) -> ServiceResult<()> {
        self.may_change_family(actor, id, AuditAction::FamilyMove)
            .await?;
        let mut errors = Vec::new();
        let address = text(
            &mut errors,
            "address",
            &f.address,
            500,
            Some("Enter the family's new address"),
        );
        let day = past_day(&mut errors, "day", &f.day, &day_of(self.now()));
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.family_event(actor, AuditAction::FamilyMove, id, "moved");
        Ok(self.store().move_household(id, &address, &day, &ev).await?)
    }

    /// Ends one of the reader's agency's involvements with a member.
    pub async fn end_involvement(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &EndInvolvementForm,
    ) -> ServiceResult<()> {
        let family = self
            .may_change_family(actor, id, AuditAction::InvolvementEnd)
            .await?;
        let readers = Self::reader_agencies(actor);
        let open: Vec<InvolvementId> = family
            .involvements
            .iter()
            .filter(|i| i.ended_on.is_none() && readers.contains(&i.agency_id))
            .map(|i| i.id)
            .collect();
        let mut errors = Vec::new();
        let which = Self::id_in(
            &mut errors,
            "involvement_id",
            &f.involvement_id,
            &open,
            "Select one of your agency's involvements that has not ended",
        );
        let started = which
            .and_then(|w| family.involvements.iter().find(|i| i.id == w))
            .map(|i| i.started_on.as_str());
        let day = closing_day(
            &mut errors,
            "ended_on",
            &f.ended_on,
            &day_of(self.now()),
            started,
            "An involvement cannot end before it started",
        );
        let (Some(which), true) = (which, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(
            actor,
            AuditAction::InvolvementEnd,
            "involvement",
            Some(which.to_string()),
            true,
            &format!("family {id}"),
        );
        Ok(self.store().end_involvement(which, &day, &ev).await?)
    }

    /// Records the reader's agency's event on the family's timeline.
    pub async fn add_event(
        &self,
        actor: &Actor,
        id: HouseholdId,
        f: &EventForm,
    ) -> ServiceResult<()> {
        let family = self
            .may_change_family(actor, id, AuditAction::FamilyEvent)
            .await?;
        let mut errors = Vec::new();
        let agency = own_agency(&mut errors, &f.agency_id, &Self::reader_agencies(actor));
        let person = if f.person_id.trim().is_empty() {
            None
        } else {
            Self::id_in(
                &mut errors,
                "person_id",
                &f.person_id,
                &Self::member_ids(&family),
                "Select a member of the family, or the whole family",
            )
        };
        let class = class_field(&mut errors, &f.class);
        let day = past_day(&mut errors, "day", &f.day, &day_of(self.now()));
        let (Some(agency_id), Some(class), true) = (agency, class, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let event = FamilyEvent {
            person_id: person,
            agency_id,
            agency_name: String::new(),
            day,
            summary: f.summary.clone(),
            class,
        };
        self.record_event(actor, &family, &event).await
    }
}
