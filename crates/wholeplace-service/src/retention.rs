//! Retention: the privacy officer's rules for how long each class of records is kept after it
//! ends (for every agency, or for one agreement's parties), legal holds that keep a family's
//! records whatever the rules say, and the run that disposes of what is past its period: a dry
//! run by default, applied only when asked, and audited either way. The report counts records by
//! class of data and by family id, never by name.

use crate::audit_action::AuditAction;
use crate::clock::{day_of, parse_date};
use crate::fields::*;
use crate::*;
use std::collections::BTreeMap;
use wholeplace_domain::retention::MAX_KEEP_YEARS;
use wholeplace_domain::sharing::DATA_CLASSES;
use wholeplace_domain::{
    AgreementId, DataClass as SharedClass, HouseholdId, LegalHoldId, RetentionRuleId,
};
use wholeplace_store::{
    DisposalCandidate, DisposalRecord, LegalHold, NewRetentionRule, RetentionRule, StoreError,
};

/// The "set a retention rule" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RetentionRuleForm {
    /// The class of data (a key of the data classes).
    pub class: String,
    /// The agreement it is narrowed to (an id), or empty for every agency.
    pub agreement_id: String,
    /// Whole years kept after the record ends.
    pub keep_years: String,
}

impl RetentionRuleForm {
    /// The rule, or every problem: a known class, an agreement that exists (or none), and a
    /// whole number of years from 1 to 100.
    pub fn parse(&self, agreements: &[AgreementId]) -> Result<NewRetentionRule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let class = SharedClass::parse(&self.class)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "class",
                    "Select the class of data the rule keeps",
                ))
            })
            .ok();
        let agreement_id = match opt_text(&self.agreement_id) {
            None => None,
            Some(raw) => Service::id_in(
                &mut errors,
                "agreement_id",
                &raw,
                agreements,
                "Select an agreement from the list, or none for every agency",
            ),
        };
        let keep_years = match self.keep_years.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_KEEP_YEARS).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "keep_years",
                    format!("Enter how many years the records are kept after they end, a whole number from 1 to {MAX_KEEP_YEARS}"),
                ));
                None
            }
        };
        match (class, keep_years) {
            (Some(class), Some(keep_years)) if errors.is_empty() => Ok(NewRetentionRule {
                class,
                agreement_id,
                keep_years,
            }),
            _ => Err(errors),
        }
    }
}

/// The "put a family on legal hold" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LegalHoldForm {
    /// The family (an id).
    pub household_id: String,
    /// Why its records are kept.
    pub reason: String,
}

impl LegalHoldForm {
    /// The family and the reason, or every problem.
    pub fn parse(
        &self,
        families: &[HouseholdId],
    ) -> Result<(HouseholdId, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let household = Service::id_in(
            &mut errors,
            "household_id",
            &self.household_id,
            families,
            "Select the family whose records are to be kept",
        );
        let reason = text(
            &mut errors,
            "reason",
            &self.reason,
            1000,
            Some(
                "Enter why the family's records are kept, such as the proceedings they are needed for",
            ),
        );
        match household {
            Some(h) if errors.is_empty() => Ok((h, reason)),
            _ => Err(errors),
        }
    }
}

/// What a retention run found, and whether it disposed of it: counts only, no names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    /// The day the periods were measured to, `YYYY-MM-DD`.
    pub today: String,
    /// Whether the records were disposed of (else a dry run).
    pub applied: bool,
    /// How many rules there are.
    pub rules: usize,
    /// How many families are on legal hold.
    pub holds: usize,
    /// Involvements past their period.
    pub involvements: usize,
    /// Events past their period.
    pub events: usize,
    /// Records past their period by class of data, in the vocabulary's order.
    pub by_class: Vec<(SharedClass, usize)>,
    /// Records past their period by family id (`None`: about a person in no family). An
    /// involvement of a person in two families counts in both.
    pub by_household: Vec<(Option<HouseholdId>, usize)>,
}

impl RetentionReport {
    fn of(today: &str, applied: bool, rules: usize, holds: usize, c: &[DisposalCandidate]) -> Self {
        let mut by_class: BTreeMap<usize, (SharedClass, usize)> = BTreeMap::new();
        let mut by_household: BTreeMap<Option<HouseholdId>, usize> = BTreeMap::new();
        for x in c {
            let order = DATA_CLASSES
                .iter()
                .position(|(k, _)| *k == x.class.as_str())
                .unwrap_or(usize::MAX);
            by_class.entry(order).or_insert((x.class, 0)).1 += 1;
            if x.households.is_empty() {
                *by_household.entry(None).or_default() += 1;
            }
            for h in &x.households {
                *by_household.entry(Some(*h)).or_default() += 1;
            }
        }
        let events = c
            .iter()
            .filter(|x| matches!(x.record, DisposalRecord::Event(_)))
            .count();
        Self {
            today: today.to_owned(),
            applied,
            rules,
            holds,
            involvements: c.len() - events,
            events,
            by_class: by_class.into_values().collect(),
            by_household: by_household.into_iter().collect(),
        }
    }

    /// Every record past its period.
    pub fn total(&self) -> usize {
        self.involvements + self.events
    }

    /// One line for the audit log and the command line, such as `as of 2026-06-01: 2
    /// involvements and 1 event past their period (police 3); 1 family on legal hold`.
    pub fn summary(&self) -> String {
        let classes = self
            .by_class
            .iter()
            .map(|(c, n)| format!("{} {n}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "as of {}: {} involvement{} and {} event{} past their period{}; {} rule{}; {} famil{} on legal hold",
            self.today,
            self.involvements,
            plural(self.involvements, "s"),
            self.events,
            plural(self.events, "s"),
            if classes.is_empty() {
                String::new()
            } else {
                format!(" ({classes})")
            },
            self.rules,
            plural(self.rules, "s"),
            self.holds,
            if self.holds == 1 { "y" } else { "ies" },
        )
    }
}

fn plural(n: usize, suffix: &'static str) -> &'static str {
    if n == 1 { "" } else { suffix }
}

/// What the privacy officer's retention page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RetentionOverview {
    /// Every rule.
    pub rules: Vec<RetentionRule>,
    /// Every legal hold, those in force first.
    pub holds: Vec<LegalHold>,
    /// Every family (id, name), to choose one to hold.
    pub families: Vec<(HouseholdId, String)>,
    /// Every agreement (id, title), to narrow a rule to.
    pub agreements: Vec<(AgreementId, String)>,
    /// What a run today would dispose of (the page's view is an audited dry run).
    pub report: RetentionReport,
}

impl Service {
    /// Refuses (audited) unless the actor may change retention (the privacy officer).
    async fn may_change_retention(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::PrivacyAlerts,
            Access::Change,
            action,
            record_type,
            record_id,
        )
        .await
    }

    /// The retention page: rules, holds, the families and agreements to choose from, and what a
    /// run today would dispose of (an audited dry run).
    pub async fn retention_overview(&self, actor: &Actor) -> ServiceResult<RetentionOverview> {
        let report = self
            .retention_report(actor, &day_of(self.now()), false)
            .await?;
        let families = self
            .store()
            .list_households()
            .await?
            .into_iter()
            .map(|h| (h.id, h.name))
            .collect();
        let agreements = self
            .store()
            .list_agreements()
            .await?
            .into_iter()
            .map(|a| (a.id, a.title))
            .collect();
        Ok(RetentionOverview {
            rules: self.store().list_retention_rules().await?,
            holds: self.store().list_legal_holds().await?,
            families,
            agreements,
            report,
        })
    }

    /// Sets the rule for a class (and agreement), or changes its years.
    pub async fn set_retention_rule(
        &self,
        actor: &Actor,
        f: &RetentionRuleForm,
    ) -> ServiceResult<RetentionRuleId> {
        self.may_change_retention(actor, AuditAction::RetentionRule, "retention_rule", None)
            .await?;
        let agreements: Vec<AgreementId> = self
            .store()
            .list_agreements()
            .await?
            .iter()
            .map(|a| a.id)
            .collect();
        let rule = f.parse(&agreements).map_err(ServiceError::Validation)?;
        let detail = format!(
            "{}{}: {} years",
            rule.class.as_str(),
            rule.agreement_id
                .map(|a| format!(", agreement {a}"))
                .unwrap_or_default(),
            rule.keep_years
        );
        let ev = self.event(
            actor,
            AuditAction::RetentionRule,
            "retention_rule",
            None,
            true,
            &detail,
        );
        Ok(self.store().set_retention_rule(&rule, &ev).await?)
    }

    /// Removes a rule: that class (or agreement) is then kept forever, or by the class's default.
    pub async fn delete_retention_rule(
        &self,
        actor: &Actor,
        id: RetentionRuleId,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.may_change_retention(
            actor,
            AuditAction::RetentionRule,
            "retention_rule",
            rid.clone(),
        )
        .await?;
        let ev = self.event(
            actor,
            AuditAction::RetentionRule,
            "retention_rule",
            rid,
            true,
            "removed",
        );
        Ok(self.store().delete_retention_rule(id, &ev).await?)
    }

    /// Puts a family on legal hold: none of its records is disposed of until it is lifted.
    pub async fn set_legal_hold(
        &self,
        actor: &Actor,
        f: &LegalHoldForm,
    ) -> ServiceResult<LegalHoldId> {
        self.may_change_retention(actor, AuditAction::RetentionHold, "legal_hold", None)
            .await?;
        let families: Vec<HouseholdId> = self
            .store()
            .list_households()
            .await?
            .iter()
            .map(|h| h.id)
            .collect();
        let (household, reason) = f.parse(&families).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::RetentionHold,
            "legal_hold",
            None,
            true,
            &format!("set on family {household}"),
        );
        self.store()
            .set_legal_hold(household, &reason, &actor.name(), &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "household_id",
                    "This family is already on legal hold",
                )]),
                other => other.into(),
            })
    }

    /// Lifts a legal hold (kept on the page and in the audit log, with who lifted it).
    pub async fn lift_legal_hold(&self, actor: &Actor, id: LegalHoldId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.may_change_retention(actor, AuditAction::RetentionHold, "legal_hold", rid.clone())
            .await?;
        let ev = self.event(
            actor,
            AuditAction::RetentionHold,
            "legal_hold",
            rid,
            true,
            "lifted",
        );
        Ok(self.store().lift_legal_hold(id, &actor.name(), &ev).await?)
    }

    /// Whether a family is on legal hold, for its page (a reader of families' records).
    pub async fn on_legal_hold(&self, actor: &Actor, id: HouseholdId) -> ServiceResult<bool> {
        self.authorize(
            actor,
            DataClass::CaseRecords,
            Access::Read,
            AuditAction::FamilyRead,
            "family",
            Some(id.to_string()),
        )
        .await?;
        Ok(self
            .store()
            .list_legal_holds()
            .await?
            .iter()
            .any(|h| h.household_id == id && h.lifted_at.is_none()))
    }

    /// The records past their retention period on `today` (`YYYY-MM-DD`), counted; disposed of
    /// only when `apply` (the privacy officer, never as of a day later than today). Either way
    /// the run is audited: a dry run as a read, a disposal in the same transaction as the
    /// deletions.
    pub async fn retention_report(
        &self,
        actor: &Actor,
        today: &str,
        apply: bool,
    ) -> ServiceResult<RetentionReport> {
        let (action, access) = if apply {
            (AuditAction::RetentionDispose, Access::Change)
        } else {
            (AuditAction::RetentionDryRun, Access::Read)
        };
        self.authorize(
            actor,
            DataClass::PrivacyAlerts,
            access,
            action,
            "retention",
            None,
        )
        .await?;
        let today = today.trim();
        if parse_date(today).is_none() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "today",
                "Enter the day as year-month-day, such as 2026-04-01",
            )]));
        }
        if apply && today > day_of(self.now()).as_str() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "today",
                "Records are disposed of as of today or an earlier day, never a later one: do a dry run to see what a later day would dispose of",
            )]));
        }
        let candidates = self.store().disposal_candidates(today).await?;
        let rules = self.store().list_retention_rules().await?.len();
        let holds = self
            .store()
            .list_legal_holds()
            .await?
            .iter()
            .filter(|h| h.lifted_at.is_none())
            .count();
        let report = RetentionReport::of(today, apply, rules, holds, &candidates);
        let ev = self.event(actor, action, "retention", None, true, &report.summary());
        if !apply {
            self.store().append_audit(&ev).await?;
            return Ok(report);
        }
        self.store()
            .dispose(&candidates, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "apply",
                    "Records changed while they were being disposed of, so none were: run it again",
                )]),
                other => other.into(),
            })?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_needs_a_known_class_an_agreement_that_exists_and_1_to_100_years() {
        let agreements = [AgreementId::new(3)];
        let good = RetentionRuleForm {
            class: "police".into(),
            agreement_id: "3".into(),
            keep_years: "6".into(),
        };
        assert_eq!(
            good.parse(&agreements),
            Ok(NewRetentionRule {
                class: SharedClass::of("police"),
                agreement_id: Some(AgreementId::new(3)),
                keep_years: 6
            })
        );
        for years in ["0", "101", "2.5", "six", ""] {
            let bad = RetentionRuleForm {
                keep_years: years.into(),
                ..good.clone()
            };
            let e = bad.parse(&agreements).expect_err(years);
            assert_eq!(e.len(), 1, "{years}");
            assert_eq!(e[0].field, "keep_years");
        }
        let all_bad = RetentionRuleForm {
            class: "gossip".into(),
            agreement_id: "4".into(),
            keep_years: "100".into(),
        };
        let e = all_bad.parse(&agreements).expect_err("bad");
        assert_eq!(
            e.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(),
            ["class", "agreement_id"]
        );
    }

    #[test]
    fn the_report_counts_by_class_and_family_without_names() {
        let c = |record, class: &str, households: Vec<i64>| DisposalCandidate {
            record,
            class: SharedClass::of(class),
            households: households.into_iter().map(HouseholdId::new).collect(),
            ended_on: "2010-01-01".into(),
            rule_id: RetentionRuleId::new(1),
        };
        let inv = |n| DisposalRecord::Involvement(wholeplace_domain::InvolvementId::new(n));
        let evt = |n| DisposalRecord::Event(wholeplace_domain::FamilyEventId::new(n));
        let found = [
            c(inv(1), "police", vec![2, 5]),
            c(evt(2), "social_care", vec![2]),
            c(inv(3), "social_care", vec![]),
        ];
        let r = RetentionReport::of("2026-06-01", false, 2, 1, &found);
        assert_eq!((r.involvements, r.events, r.total()), (2, 1, 3));
        assert_eq!(
            r.by_class,
            [
                (SharedClass::of("social_care"), 2),
                (SharedClass::of("police"), 1)
            ]
        );
        assert_eq!(
            r.by_household,
            [
                (None, 1),
                (Some(HouseholdId::new(2)), 2),
                (Some(HouseholdId::new(5)), 1)
            ]
        );
        assert_eq!(
            r.summary(),
            "as of 2026-06-01: 2 involvements and 1 event past their period (social_care 2, police 1); 2 rules; 1 family on legal hold"
        );
    }
}
