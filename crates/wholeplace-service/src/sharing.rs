//! Lawful sharing as data: the register of information-sharing agreements (parties, purposes,
//! classes of data, the Article 6 basis and, for special category data, the Article 9
//! condition, dates and signatories), owners warned before an agreement runs out, and the
//! privacy officer's queue of emergency accesses.

use crate::audit_action::AuditAction;
use crate::clock::{day_of, parse_date};
use crate::fields::*;
use crate::*;
use wholeplace_domain::{
    AgencyId, AgreementId, BreakGlassId, DataClass as SharedClass, LawfulBasis, Purpose,
    SpecialCondition,
};
use wholeplace_store::{BreakGlass, NewAgreement, SharingAgreement};

/// Owners are warned this many days before an agreement's review or expiry day.
pub const WARN_DAYS: i64 = 60;

/// What an agreement's owners must know on `today`: it expired or expires within [`WARN_DAYS`],
/// or its review is overdue or due within them; nothing once withdrawn.
fn warning_for(a: &SharingAgreement, today: &str) -> Option<String> {
    if a.withdrawn_on.is_some() {
        return None;
    }
    let review = days_until(today, &a.review_on);
    let expiry = days_until(today, &a.expires_on);
    match (expiry, review) {
        (Some(e), _) if e < 0 => Some(format!(
            "Expired on {}: nothing is shared under it",
            a.expires_on
        )),
        (Some(e), _) if e <= WARN_DAYS => Some(format!(
            "Expires in {e} days, on {}: renew it or sharing stops",
            a.expires_on
        )),
        (_, Some(r)) if r < 0 => Some(format!("Review overdue since {}", a.review_on)),
        (_, Some(r)) if r <= WARN_DAYS => {
            Some(format!("Review due in {r} days, on {}", a.review_on))
        }
        _ => None,
    }
}

/// The "record an information-sharing agreement" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AgreementForm {
    /// Title.
    pub title: String,
    /// Party agency ids (ticked).
    #[serde(skip)]
    pub parties: Vec<String>,
    /// Class keys (ticked).
    #[serde(skip)]
    pub classes: Vec<String>,
    /// Purpose keys (ticked).
    #[serde(skip)]
    pub purposes: Vec<String>,
    /// The Article 6 basis key.
    pub basis: String,
    /// The Article 9 condition key, for special category data.
    pub condition: String,
    /// First day in force.
    pub starts_on: String,
    /// Review day.
    pub review_on: String,
    /// Last day in force.
    pub expires_on: String,
    /// Who signed for each party.
    pub signatories: String,
}

/// An agreement with what its owners must know now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AgreementView {
    /// The agreement.
    pub agreement: SharingAgreement,
    /// In force today.
    pub in_force: bool,
    /// A warning for its owners: review or expiry within [`WARN_DAYS`], or past.
    pub warning: Option<String>,
}

impl AgreementForm {
    /// The agreement, or every problem: the one rule set for an agreement. No agreement without
    /// an Article 6 basis; none covering special category or criminal offence data without an
    /// Article 9 condition.
    pub fn parse(&self, agencies: &[AgencyId]) -> Result<NewAgreement, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = text(
            &mut errors,
            "title",
            &self.title,
            200,
            Some("Enter the agreement's title"),
        );
        let party_ids = ids(
            &mut errors,
            "parties",
            &self.parties,
            agencies,
            "Select the agencies party to the agreement",
        );
        if party_ids.len() < 2 && errors.iter().all(|e| e.field != "parties") {
            errors.push(FieldError::new(
                "parties",
                "Select at least two agencies: an agreement is between parties",
            ));
        }
        let classes: Vec<SharedClass> = self
            .classes
            .iter()
            .filter_map(|c| SharedClass::parse(c).ok())
            .collect();
        if classes.is_empty() || classes.len() != self.classes.len() {
            errors.push(FieldError::new(
                "classes",
                "Select the classes of data the agreement covers",
            ));
        }
        let purposes: Vec<Purpose> = self
            .purposes
            .iter()
            .filter_map(|p| Purpose::parse(p).ok())
            .collect();
        if purposes.is_empty() || purposes.len() != self.purposes.len() {
            errors.push(FieldError::new(
                "purposes",
                "Select the purposes the data is shared for",
            ));
        }
        let basis = LawfulBasis::parse(&self.basis)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "basis",
                    "Select the Article 6 lawful basis for sharing",
                ))
            })
            .ok();
        let condition = match opt_text(&self.condition) {
            None => None,
            Some(c) => SpecialCondition::parse(&c)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "condition",
                        "Select an Article 9 condition from the list",
                    ))
                })
                .ok(),
        };
        if condition.is_none()
            && classes.iter().any(|c| c.is_special())
            && errors.iter().all(|e| e.field != "condition")
        {
            errors.push(FieldError::new(
                "condition",
                "Select the Article 9 condition: health, social care and police data are special category or criminal offence data",
            ));
        }
        let starts_on = required_day(
            &mut errors,
            "starts_on",
            &self.starts_on,
            "Enter the first day the agreement is in force",
        );
        let review_on = required_day(
            &mut errors,
            "review_on",
            &self.review_on,
            "Enter the day the agreement is to be reviewed",
        );
        let expires_on = required_day(
            &mut errors,
            "expires_on",
            &self.expires_on,
            "Enter the last day the agreement is in force",
        );
        if !starts_on.is_empty() && !expires_on.is_empty() && expires_on < starts_on {
            errors.push(FieldError::new(
                "expires_on",
                "The last day must be on or after the first",
            ));
        }
        let signatories = text(
            &mut errors,
            "signatories",
            &self.signatories,
            1000,
            Some("Enter who signed for each party"),
        );
        match basis {
            Some(basis) if errors.is_empty() => Ok(NewAgreement {
                title,
                party_ids,
                classes,
                purposes,
                basis,
                condition,
                starts_on,
                review_on,
                expires_on,
                signatories,
            }),
            _ => Err(errors),
        }
    }
}

fn required_day(errors: &mut Vec<FieldError>, field: &str, raw: &str, missing: &str) -> String {
    let d = date(errors, field, raw);
    if raw.trim().is_empty() {
        errors.push(FieldError::new(field, missing));
    }
    d
}

/// Days from `today` to `day` (both `YYYY-MM-DD`).
fn days_until(today: &str, day: &str) -> Option<i64> {
    Some((parse_date(day)? - parse_date(today)?) / 86_400)
}

impl Service {
    /// Every agreement, with warnings for their owners (agreements hold no personal data).
    pub async fn list_agreements(&self, actor: &Actor) -> ServiceResult<Vec<AgreementView>> {
        self.authorize(
            actor,
            DataClass::SharingAgreements,
            Access::Read,
            AuditAction::AgreementList,
            "agreement",
            None,
        )
        .await?;
        let today = day_of(self.now());
        Ok(self
            .store()
            .list_agreements()
            .await?
            .into_iter()
            .map(|a| {
                let in_force = a.starts_on <= today
                    && today <= a.expires_on
                    && a.withdrawn_on.as_deref().is_none_or(|w| today.as_str() < w);
                let warning = warning_for(&a, &today);
                AgreementView {
                    agreement: a,
                    in_force,
                    warning,
                }
            })
            .collect())
    }

    /// The warnings an agreement's owners must see now (review or expiry within [`WARN_DAYS`],
    /// or past), for the agreements the reader's agencies are party to (every agreement for an
    /// administrator): the home page shows them. Nothing for a role that does not read the
    /// register; agreements hold no personal data, so the look is not audited.
    pub async fn agreement_warnings(&self, actor: &Actor) -> ServiceResult<Vec<(String, String)>> {
        if !self.may(actor, DataClass::SharingAgreements, Access::Read) {
            return Ok(Vec::new());
        }
        let readers = Self::reader_agencies(actor);
        let everything = actor.user.as_ref().is_none_or(|u| u.role.is_admin());
        let today = day_of(self.now());
        Ok(self
            .store()
            .list_agreements()
            .await?
            .into_iter()
            .filter(|a| everything || a.parties.iter().any(|p| readers.contains(&p.id)))
            .filter_map(|a| warning_for(&a, &today).map(|w| (a.title, w)))
            .collect())
    }

    /// Records an agreement (administrators, as the privacy officer).
    pub async fn create_agreement(
        &self,
        actor: &Actor,
        f: &AgreementForm,
    ) -> ServiceResult<AgreementId> {
        self.authorize(
            actor,
            DataClass::SharingAgreements,
            Access::Change,
            AuditAction::AgreementCreate,
            "agreement",
            None,
        )
        .await?;
        let new = f
            .parse(&self.agency_ids().await?)
            .map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::AgreementCreate,
            "agreement",
            None,
            true,
            new.basis.as_str(),
        );
        self.store()
            .create_agreement(&new, &ev)
            .await
            .map_err(|e| match e {
                wholeplace_store::StoreError::Conflict(_) => {
                    ServiceError::Validation(vec![FieldError::conflict(
                        "title",
                        "There is already an agreement with this title",
                    )])
                }
                other => other.into(),
            })
    }

    /// Withdraws an agreement from today: sharing under it stops at once.
    pub async fn withdraw_agreement(&self, actor: &Actor, id: AgreementId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::SharingAgreements,
            Access::Change,
            AuditAction::AgreementWithdraw,
            "agreement",
            rid.clone(),
        )
        .await?;
        let ev = self.event(
            actor,
            AuditAction::AgreementWithdraw,
            "agreement",
            rid,
            true,
            "",
        );
        Ok(self
            .store()
            .withdraw_agreement(id, &day_of(self.now()), &ev)
            .await?)
    }

    /// The privacy officer's queue: every emergency access, newest first, or a sample of
    /// `sample_percent` of those not yet reviewed (the same accesses each time for one
    /// percentage, so a sample can be worked through).
    pub async fn list_break_glass(
        &self,
        actor: &Actor,
        sample_percent: Option<u8>,
    ) -> ServiceResult<Vec<BreakGlass>> {
        self.authorize(
            actor,
            DataClass::PrivacyAlerts,
            Access::Read,
            AuditAction::BreakGlassList,
            "break_glass",
            None,
        )
        .await?;
        let all = self.store().list_break_glass().await?;
        let out: Vec<BreakGlass> = match sample_percent {
            None => all,
            Some(p) => all
                .into_iter()
                .filter(|b| b.reviewed_by.is_none() && sampled(b.id.get(), p))
                .collect(),
        };
        let ev = self.event(
            actor,
            AuditAction::BreakGlassList,
            "break_glass",
            None,
            true,
            &format!("{} accesses", out.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(out)
    }

    /// Records the privacy officer's finding on an emergency access.
    pub async fn review_break_glass(
        &self,
        actor: &Actor,
        id: BreakGlassId,
        finding: &str,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::PrivacyAlerts,
            Access::Change,
            AuditAction::BreakGlassReview,
            "break_glass",
            rid.clone(),
        )
        .await?;
        let mut errors = Vec::new();
        let finding = text(
            &mut errors,
            "finding",
            finding,
            1000,
            Some("Enter your finding, such as 'Justified: child missing overnight'"),
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.event(
            actor,
            AuditAction::BreakGlassReview,
            "break_glass",
            rid,
            true,
            "",
        );
        Ok(self
            .store()
            .review_break_glass(id, &actor.name(), &finding, &ev)
            .await?)
    }
}

/// Whether access `id` falls in a `percent` sample: a fixed scramble of the id, so the sample
/// does not follow the order accesses were made in.
pub fn sampled(id: i64, percent: u8) -> bool {
    let mut x = id as u64 ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    x % 100 < u64::from(percent.min(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AgreementForm {
        AgreementForm {
            title: "Early help ISA".into(),
            parties: vec!["1".into(), "2".into()],
            classes: vec!["identity".into(), "housing".into()],
            purposes: vec!["early_help".into()],
            basis: "public_task".into(),
            condition: String::new(),
            starts_on: "2026-01-01".into(),
            review_on: "2026-09-01".into(),
            expires_on: "2027-03-31".into(),
            signatories: "Director; Chief Executive".into(),
        }
    }

    fn agencies() -> Vec<AgencyId> {
        vec![AgencyId::new(1), AgencyId::new(2)]
    }

    #[test]
    fn an_agreement_needs_a_basis_and_special_data_a_condition() {
        assert!(form().parse(&agencies()).is_ok());
        let mut no_basis = form();
        no_basis.basis.clear();
        let e = no_basis.parse(&agencies()).expect_err("no basis");
        assert!(e.iter().any(|x| x.field == "basis"));
        let mut health = form();
        health.classes.push("health".into());
        let e = health.parse(&agencies()).expect_err("no condition");
        assert!(
            e.iter()
                .any(|x| x.field == "condition" && x.message.contains("Article 9"))
        );
        health.condition = "health_social_care".into();
        assert!(health.parse(&agencies()).is_ok());
    }

    #[test]
    fn samples_are_stable_and_about_the_size_asked() {
        let n = (1..=10_000).filter(|i| sampled(*i, 10)).count();
        assert!((800..1200).contains(&n), "{n}");
        assert!((1..=100).all(|i| sampled(i, 100)));
        assert!((1..=100).all(|i| !sampled(i, 0)));
    }
}
