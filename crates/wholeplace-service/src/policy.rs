//! The role policy: who may read and who may change each class of data, as one table.
//!
//! Every authorisation decision in the service goes through [`allows`] (by way of
//! [`Service::authorize`]); the about page `/about/roles` is rendered from [`POLICY`], and the
//! role-by-route test (`crates/wholeplace-web/tests/roles.rs`) holds every route to it.

use crate::AuditAction;
use crate::{Actor, Service, ServiceResult};
use wholeplace_domain::Role;

/// A class of data, by how sensitive it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataClass {
    /// The partnership's non-personal information: places, agencies and their coverage, budget
    /// lines, grants, partnerships, projects, appraisals and unit costs.
    Reference,
    /// Personal data about people other than the reader: agencies' named contacts, and any
    /// export that contains them (the contacts sheet and the whole workbook).
    Personal,
    /// The signed-in person's own account: their password, their API tokens, their profile.
    OwnAccount,
    /// Everyone's accounts: creating users, disabling them, resetting passwords, listing them.
    Accounts,
    /// The audit log: who did what, when and from where (itself personal data). Entries are
    /// written by the service as things happen; nobody can change or delete one.
    AuditLog,
    /// Families' records: people, households, agencies' involvements and events (personal and
    /// special category data). The role lets a person ask; each record is then shown only through
    /// the access gate (their agency's involvement and an agreement in force), every read audited.
    CaseRecords,
    /// The information-sharing agreements between agencies (no personal data).
    SharingAgreements,
    /// Cohorts: an analyst's saved rules over families' needs, involvements and place, and the
    /// weights of the two-driver score (no personal data in themselves); readers with this class
    /// see a cohort's rules and how many families it finds, and practitioners the families in it
    /// their own agency works with (by name, their records then through the access gate).
    Cohorts,
    /// The families a cohort finds, each with its score and every contribution (profiling from
    /// every agency's involvements): shown under pseudonyms keyed by the cohort, never with names
    /// or addresses, and never changed by hand (a score is recomputed on every read).
    CohortScores,
    /// The privacy officer's work: emergency ("break-glass") accesses and their review, subject
    /// access packs, retention rules, legal holds and disposal.
    PrivacyAlerts,
    /// Agencies' extracts staged for linkage, the linkage runs and the review queue of
    /// uncertain pairs (personal data: names, dates of birth, addresses, identifiers).
    Linkage,
    /// Soft outcomes and wellbeing: readings of people and families on the partnership's scales,
    /// ONS4 and (S)WEMWBS answers and Outcomes Star readings (personal data, every read audited).
    Wellbeing,
}

/// What is being done to the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Seeing, listing, downloading or exporting.
    Read,
    /// Adding, changing, importing or deleting.
    Change,
}

/// One line of the policy: the roles that may have `access` to `class`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The data.
    pub class: DataClass,
    /// Reading or changing it.
    pub access: Access,
    /// The roles allowed; every other role is refused, and the refusal is audited.
    pub roles: &'static [Role],
}

use Role::{Administrator, Analyst, Practitioner, Viewer};

/// The policy, as one table: class x access -> roles allowed. A class and access missing from
/// the table is allowed to nobody.
pub const POLICY: [Rule; 24] = [
    Rule {
        class: DataClass::Reference,
        access: Access::Read,
        roles: &[Viewer, Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::Reference,
        access: Access::Change,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::Personal,
        access: Access::Read,
        roles: &[Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::Personal,
        access: Access::Change,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::OwnAccount,
        access: Access::Read,
        roles: &[Viewer, Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::OwnAccount,
        access: Access::Change,
        roles: &[Viewer, Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::Accounts,
        access: Access::Read,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::Accounts,
        access: Access::Change,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::AuditLog,
        access: Access::Read,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::AuditLog,
        access: Access::Change,
        roles: &[],
    },
    Rule {
        class: DataClass::CaseRecords,
        access: Access::Read,
        roles: &[Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::CaseRecords,
        access: Access::Change,
        roles: &[Practitioner, Administrator],
    },
    Rule {
        class: DataClass::SharingAgreements,
        access: Access::Read,
        roles: &[Viewer, Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::SharingAgreements,
        access: Access::Change,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::Cohorts,
        access: Access::Read,
        roles: &[Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::Cohorts,
        access: Access::Change,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::CohortScores,
        access: Access::Read,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::CohortScores,
        access: Access::Change,
        roles: &[],
    },
    Rule {
        class: DataClass::PrivacyAlerts,
        access: Access::Read,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::PrivacyAlerts,
        access: Access::Change,
        roles: &[Administrator],
    },
    Rule {
        class: DataClass::Linkage,
        access: Access::Read,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::Linkage,
        access: Access::Change,
        roles: &[Analyst, Administrator],
    },
    Rule {
        class: DataClass::Wellbeing,
        access: Access::Read,
        roles: &[Practitioner, Analyst, Administrator],
    },
    Rule {
        class: DataClass::Wellbeing,
        access: Access::Change,
        roles: &[Practitioner, Administrator],
    },
];

impl DataClass {
    /// Every class, least sensitive first.
    pub const ALL: [DataClass; 12] = [
        DataClass::Reference,
        DataClass::SharingAgreements,
        DataClass::OwnAccount,
        DataClass::Personal,
        DataClass::Cohorts,
        DataClass::CohortScores,
        DataClass::Wellbeing,
        DataClass::CaseRecords,
        DataClass::Linkage,
        DataClass::Accounts,
        DataClass::PrivacyAlerts,
        DataClass::AuditLog,
    ];

    /// A short name, for pages and audit details.
    pub fn name(self) -> &'static str {
        match self {
            DataClass::Reference => "Partnership information (non-personal)",
            DataClass::Personal => "Personal data",
            DataClass::OwnAccount => "Your own account",
            DataClass::Accounts => "Everyone's accounts",
            DataClass::AuditLog => "The audit log",
            DataClass::CaseRecords => "Families' records",
            DataClass::SharingAgreements => "Information-sharing agreements",
            DataClass::Cohorts => "Cohorts (finding the families to work with)",
            DataClass::CohortScores => "Cohorts' families and their scores (pseudonymous)",
            DataClass::PrivacyAlerts => "Emergency accesses and retention (privacy officer)",
            DataClass::Linkage => "Agencies' extracts and record linkage",
            DataClass::Wellbeing => "Soft outcomes and wellbeing readings",
        }
    }

    /// What the class holds, in a sentence or two.
    pub fn description(self) -> &'static str {
        match self {
            DataClass::Reference => {
                "Places, agencies and the places they cover, budget lines, grants, partnerships, projects, appraisals and unit costs. None of it names a person."
            }
            DataClass::Personal => {
                "Agencies' named contacts (names, job titles, work email and phone), and every export that contains them: the contacts sheet and the whole workbook. Every read is recorded in the audit log."
            }
            DataClass::OwnAccount => {
                "Your password and your personal API tokens. Everyone may see and change their own."
            }
            DataClass::Accounts => {
                "Other people's accounts: adding users, choosing their role, disabling them and resetting their passwords."
            }
            DataClass::AuditLog => {
                "Who did what, when and from where, including every refusal. Entries are written as things happen and can never be changed or deleted, by anyone."
            }
            DataClass::CaseRecords => {
                "People, households, agencies' involvements and events: personal and special category data. Your role lets you ask; you then see a record only if it is your own agency's, or your agency works with the person and an agreement in force covers your agency, the record's agency, its class of data and the purpose. Every read is recorded in the audit log."
            }
            DataClass::SharingAgreements => {
                "Which agencies share which classes of data, why, on which lawful basis and until when. The agreements hold no personal data."
            }
            DataClass::Cohorts => {
                "An analyst's saved rules for finding the families to work with (at least so many of these needs, involved with an agency, living in a place) and the weights of the score. Readers see how many families a cohort finds; a practitioner sees by name only the families in it that their own agency works with, and their records only through the access gate. Every read of a cohort's families is recorded in the audit log."
            }
            DataClass::CohortScores => {
                "Each family a cohort finds, with its score and every part of it: the cost a year of every agency's involvements and the weight of each need. This is profiling from every agency's records, so it is shown under a pseudonym that changes from cohort to cohort, never with names or addresses, and no one can change a score by hand. Starting an appraisal from a cohort takes only its totals by agency."
            }
            DataClass::PrivacyAlerts => {
                "Every emergency access to a family's records beyond the agreements, with its written reason, for the privacy officer to review; how long each class of records is kept, the families on legal hold, and disposing of records past their period."
            }
            DataClass::Wellbeing => {
                "People's and families' readings on the partnership's soft-outcome scales, their ONS4 personal wellbeing answers, (S)WEMWBS item scores (only once an administrator has recorded the registration) and Outcomes Star readings imported from an export. Readings name people by record number only; practitioners record them, and every read is recorded in the audit log."
            }
            DataClass::Linkage => {
                "Agencies' extracts of people's records staged for linkage (names, dates of birth, addresses, NHS and NI numbers), each imported only under an agreement in force that covers the agency, the class of data and linkage; the runs that link them into people and households, and the review queue of uncertain pairs with their evidence. Every import, run and decision is recorded in the audit log."
            }
        }
    }
}

impl Access {
    /// Both kinds of access.
    pub const ALL: [Access; 2] = [Access::Read, Access::Change];

    /// The verb, for pages.
    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Change => "change",
        }
    }
}

/// The roles allowed `access` to `class` (none when the table has no line for it).
pub fn roles_for(class: DataClass, access: Access) -> &'static [Role] {
    POLICY
        .iter()
        .find(|r| r.class == class && r.access == access)
        .map_or(&[], |r| r.roles)
}

/// May `role` have `access` to `class`?
pub fn allows(role: Role, class: DataClass, access: Access) -> bool {
    roles_for(class, access).contains(&role)
}

/// Which class of data an action touches, and how: the policy line that decides it.
pub fn governs(action: AuditAction) -> (DataClass, Access) {
    use AuditAction as A;
    match action {
        A::UserList | A::UserView => (DataClass::Accounts, Access::Read),
        A::UserCreate | A::UserEnable | A::UserDisable | A::UserResetPassword => {
            (DataClass::Accounts, Access::Change)
        }
        A::UserChangePassword
        | A::SessionSignIn
        | A::SessionSignOut
        | A::SessionRevoke
        | A::SessionIdleTimeout
        | A::ApiTokenCreate
        | A::ApiTokenRevoke => (DataClass::OwnAccount, Access::Change),
        A::AuditView | A::AuditVerify => (DataClass::AuditLog, Access::Read),
        A::ContactList => (DataClass::Personal, Access::Read),
        A::ContactCreate | A::ContactDelete => (DataClass::Personal, Access::Change),
        A::DatasetExport | A::ReferenceRead => (DataClass::Reference, Access::Read),
        A::FamilyList | A::FamilyRead | A::FamilyExport => (DataClass::CaseRecords, Access::Read),
        A::FamilyCreate
        | A::FamilyMember
        | A::PersonCreate
        | A::InvolvementCreate
        | A::FamilyEvent
        | A::FamilyPlan
        | A::FamilyBreakGlass
        | A::FamilyParticipation
        | A::ConsentRecord
        | A::ConsentWithdraw
        | A::SharingRefusal
        | A::FamilyHandover
        | A::FamilyMove
        | A::InvolvementEnd => (DataClass::CaseRecords, Access::Change),
        A::AgreementList => (DataClass::SharingAgreements, Access::Read),
        A::CohortRead => (DataClass::Cohorts, Access::Read),
        A::CohortCreate | A::CohortUpdate | A::CohortDelete | A::CohortAppraisal => {
            (DataClass::Cohorts, Access::Change)
        }
        A::AgreementCreate | A::AgreementWithdraw => (DataClass::SharingAgreements, Access::Change),
        A::BreakGlassList | A::PersonSubjectAccess | A::RetentionDryRun => {
            (DataClass::PrivacyAlerts, Access::Read)
        }
        A::BreakGlassReview | A::RetentionRule | A::RetentionHold | A::RetentionDispose => {
            (DataClass::PrivacyAlerts, Access::Change)
        }
        A::ExtractList | A::LinkageRead => (DataClass::Linkage, Access::Read),
        A::ExtractImport
        | A::ExtractMapping
        | A::LinkageRun
        | A::LinkageCancel
        | A::LinkageFinish
        | A::LinkageSettings
        | A::LinkageReview
        | A::LinkageMerge
        | A::LinkageSplit
        | A::LinkageConfirm
        | A::LinkageUndo => (DataClass::Linkage, Access::Change),
        A::WellbeingRead => (DataClass::Wellbeing, Access::Read),
        A::ScaleReading | A::WellbeingReading | A::WellbeingStarImport => {
            (DataClass::Wellbeing, Access::Change)
        }
        A::WemwbsRegister => (DataClass::Accounts, Access::Change),
        A::AgencyCreate
        | A::AgencyUpdate
        | A::AgencyDelete
        | A::AgencyCover
        | A::AgencyIdentifiers
        | A::PlaceCreate
        | A::PlaceUpdate
        | A::PlaceDelete
        | A::PlaceRelate
        | A::PlaceImportLocalAuthorities
        | A::BudgetLineCreate
        | A::BudgetLineUpdate
        | A::BudgetLineDelete
        | A::BudgetLineImport
        | A::GrantCreate
        | A::GrantUpdate
        | A::GrantChange
        | A::GrantDelete
        | A::GrantPublisher
        | A::PartnershipCreate
        | A::PartnershipUpdate
        | A::ProjectCreate
        | A::AppraisalCreate
        | A::AppraisalUpdate
        | A::AppraisalDelete
        | A::DatasetImport
        | A::NeedSet
        | A::IndicatorCreate
        | A::IndicatorValues
        | A::TargetCreate
        | A::SnapshotCreate
        | A::RealisedRecord
        | A::ScaleCreate
        | A::WellbeingPublished
        | A::SurveyCreate
        | A::SurveyRound
        | A::SurveyResponse => (DataClass::Reference, Access::Change),
    }
}

impl Service {
    /// The first step of a change made through a form: before the form is shown (or an upload
    /// is read), may this actor make the change? The policy line for the action decides
    /// ([`governs`]); a refusal is audited like any other. The change's own use case decides
    /// again when the form is sent.
    pub async fn begin(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_id: Option<i64>,
    ) -> ServiceResult<()> {
        let (class, access) = governs(action);
        let record_type = action.as_str().split('.').next().unwrap_or_default();
        self.authorize(
            actor,
            class,
            access,
            action,
            record_type,
            record_id.map(|id| id.to_string()),
        )
        .await
    }

    /// Refuses (audited) unless the actor may read the partnership's non-personal information:
    /// the first step of every use case that reads it.
    pub(crate) async fn may_read(&self, actor: &Actor) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Reference,
            Access::Read,
            AuditAction::ReferenceRead,
            "reference",
            None,
        )
        .await
    }

    /// Refuses, and records the refusal in the audit log, unless the policy table lets the
    /// actor's role have `access` to `class`. Allowed actions are recorded by the use case itself
    /// (with the change, or as an audited read).
    pub async fn authorize(
        &self,
        actor: &Actor,
        class: DataClass,
        access: Access,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        self.require(
            actor,
            allows(actor.role(), class, access),
            action,
            record_type,
            record_id,
        )
        .await
    }

    /// May this actor have `access` to `class`? For pages deciding what to offer; the use case
    /// still decides with [`Service::authorize`].
    pub fn may(&self, actor: &Actor, class: DataClass, access: Access) -> bool {
        allows(actor.role(), class, access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_and_access_has_exactly_one_line() {
        for class in DataClass::ALL {
            for access in Access::ALL {
                let n = POLICY
                    .iter()
                    .filter(|r| r.class == class && r.access == access)
                    .count();
                assert_eq!(n, 1, "{class:?} {access:?}");
            }
        }
        assert_eq!(POLICY.len(), DataClass::ALL.len() * Access::ALL.len());
    }

    #[test]
    fn viewers_read_only_non_personal_information() {
        assert!(allows(Viewer, DataClass::Reference, Access::Read));
        assert!(!allows(Viewer, DataClass::Personal, Access::Read));
        assert!(!allows(Viewer, DataClass::Reference, Access::Change));
        for r in [Practitioner, Analyst, Administrator] {
            assert!(allows(r, DataClass::Personal, Access::Read), "{r}");
        }
        for r in Role::ALL {
            assert!(!allows(r, DataClass::AuditLog, Access::Change), "{r}");
            assert_eq!(
                allows(r, DataClass::Reference, Access::Change),
                r.can_edit_evidence()
            );
            assert_eq!(allows(r, DataClass::Accounts, Access::Change), r.is_admin());
        }
    }
}
