//! What the audit log records an actor doing: one name for each action, so a use case cannot
//! misspell one and the log's filter can offer the full list.

/// An action recorded in the audit log, shown there as `record_type.verb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// `user.create`
    UserCreate,
    /// `user.view`
    UserView,
    /// `user.list`
    UserList,
    /// `user.enable`
    UserEnable,
    /// `user.disable`
    UserDisable,
    /// `user.change_password`
    UserChangePassword,
    /// `user.reset_password`
    UserResetPassword,
    /// `session.sign_in`
    SessionSignIn,
    /// `session.sign_out`
    SessionSignOut,
    /// `session.revoke`
    SessionRevoke,
    /// `session.idle_timeout`
    SessionIdleTimeout,
    /// `api_token.create`
    ApiTokenCreate,
    /// `api_token.revoke`
    ApiTokenRevoke,
    /// `audit.view`
    AuditView,
    /// `audit.verify`
    AuditVerify,
    /// `agency.create`
    AgencyCreate,
    /// `agency.update`
    AgencyUpdate,
    /// `agency.delete`
    AgencyDelete,
    /// `agency.cover`
    AgencyCover,
    /// `agency.identifiers`
    AgencyIdentifiers,
    /// `place.create`
    PlaceCreate,
    /// `place.update`
    PlaceUpdate,
    /// `place.delete`
    PlaceDelete,
    /// `place.relate`
    PlaceRelate,
    /// `place.import_local_authorities`
    PlaceImportLocalAuthorities,
    /// `budget_line.create`
    BudgetLineCreate,
    /// `budget_line.update`
    BudgetLineUpdate,
    /// `budget_line.delete`
    BudgetLineDelete,
    /// `budget_line.import`
    BudgetLineImport,
    /// `grant.create`
    GrantCreate,
    /// `grant.update`
    GrantUpdate,
    /// `grant.change`
    GrantChange,
    /// `grant.delete`
    GrantDelete,
    /// `grant.publisher`
    GrantPublisher,
    /// `partnership.create`
    PartnershipCreate,
    /// `partnership.update`
    PartnershipUpdate,
    /// `contact.list`
    ContactList,
    /// `contact.create`
    ContactCreate,
    /// `contact.delete`
    ContactDelete,
    /// `project.create`
    ProjectCreate,
    /// `appraisal.create`
    AppraisalCreate,
    /// `appraisal.update`
    AppraisalUpdate,
    /// `appraisal.delete`
    AppraisalDelete,
    /// `family.list`
    FamilyList,
    /// `family.read`
    FamilyRead,
    /// `family.export`
    FamilyExport,
    /// `family.create`
    FamilyCreate,
    /// `family.member`
    FamilyMember,
    /// `person.create`
    PersonCreate,
    /// `involvement.create`
    InvolvementCreate,
    /// `family.event`
    FamilyEvent,
    /// `family.plan`
    FamilyPlan,
    /// `person.subject_access`
    PersonSubjectAccess,
    /// `family.break_glass`
    FamilyBreakGlass,
    /// `agreement.list`
    AgreementList,
    /// `agreement.create`
    AgreementCreate,
    /// `agreement.withdraw`
    AgreementWithdraw,
    /// `break_glass.list`
    BreakGlassList,
    /// `break_glass.review`
    BreakGlassReview,
    /// `family.participation`
    FamilyParticipation,
    /// `need.set`: renaming a need or adding one
    NeedSet,
    /// `family.consent`
    ConsentRecord,
    /// `family.consent_withdraw`
    ConsentWithdraw,
    /// `family.refusal`
    SharingRefusal,
    /// `family.handover`
    FamilyHandover,
    /// `family.move`
    FamilyMove,
    /// `involvement.end`
    InvolvementEnd,
    /// `retention.rule`: setting or removing a retention rule
    RetentionRule,
    /// `retention.hold`: setting or lifting a legal hold
    RetentionHold,
    /// `retention.dry_run`: counting what a retention run would dispose of
    RetentionDryRun,
    /// `retention.dispose`: disposing of the records past their retention period
    RetentionDispose,
    /// `cohort.view`: reading a cohort's families and their scores
    CohortRead,
    /// `cohort.create`
    CohortCreate,
    /// `cohort.update`
    CohortUpdate,
    /// `cohort.delete`
    CohortDelete,
    /// `cohort.appraisal`: starting an appraisal from a cohort's priced jigsaw
    CohortAppraisal,
    /// `dataset.export`
    DatasetExport,
    /// `dataset.import`
    DatasetImport,
    /// `reference.read`: reading the partnership's non-personal information (recorded only
    /// when refused)
    ReferenceRead,
    /// `extract.list`
    ExtractList,
    /// `extract.import`
    ExtractImport,
    /// `extract.mapping`
    ExtractMapping,
    /// `linkage.read`
    LinkageRead,
    /// `linkage.run`
    LinkageRun,
    /// `linkage.cancel`
    LinkageCancel,
    /// `linkage.finish`
    LinkageFinish,
    /// `linkage.settings`
    LinkageSettings,
    /// `linkage.review`
    LinkageReview,
    /// `linkage.merge`
    LinkageMerge,
    /// `linkage.split`
    LinkageSplit,
    /// `linkage.confirm`
    LinkageConfirm,
    /// `linkage.undo`
    LinkageUndo,
    /// `indicator.create`: adding an indicator or a new version of one
    IndicatorCreate,
    /// `indicator.values`: entering or importing an indicator's figures
    IndicatorValues,
    /// `target.create`: setting a target with its baseline
    TargetCreate,
    /// `appraisal.snapshot`: freezing an approved appraisal's forecast
    SnapshotCreate,
    /// `appraisal.realised`: recording the outcomes an approved appraisal achieved
    RealisedRecord,
    /// `scale.create`
    ScaleCreate,
    /// `scale.reading`
    ScaleReading,
    /// `wellbeing.read`
    WellbeingRead,
    /// `wellbeing.reading`
    WellbeingReading,
    /// `wellbeing.star_import`
    WellbeingStarImport,
    /// `wellbeing.published`
    WellbeingPublished,
    /// `wemwbs.register`
    WemwbsRegister,
    /// `survey.create`
    SurveyCreate,
    /// `survey.round`
    SurveyRound,
    /// `survey.response`
    SurveyResponse,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 106] = [
        AuditAction::SnapshotCreate,
        AuditAction::RealisedRecord,
        AuditAction::ScaleCreate,
        AuditAction::ScaleReading,
        AuditAction::WellbeingRead,
        AuditAction::WellbeingReading,
        AuditAction::WellbeingStarImport,
        AuditAction::WellbeingPublished,
        AuditAction::WemwbsRegister,
        AuditAction::SurveyCreate,
        AuditAction::SurveyRound,
        AuditAction::SurveyResponse,
        AuditAction::IndicatorCreate,
        AuditAction::IndicatorValues,
        AuditAction::TargetCreate,
        AuditAction::UserCreate,
        AuditAction::UserView,
        AuditAction::UserList,
        AuditAction::UserEnable,
        AuditAction::UserDisable,
        AuditAction::UserChangePassword,
        AuditAction::UserResetPassword,
        AuditAction::SessionSignIn,
        AuditAction::SessionSignOut,
        AuditAction::SessionRevoke,
        AuditAction::SessionIdleTimeout,
        AuditAction::ApiTokenCreate,
        AuditAction::ApiTokenRevoke,
        AuditAction::AuditView,
        AuditAction::AuditVerify,
        AuditAction::AgencyCreate,
        AuditAction::AgencyUpdate,
        AuditAction::AgencyDelete,
        AuditAction::AgencyCover,
        AuditAction::AgencyIdentifiers,
        AuditAction::PlaceCreate,
        AuditAction::PlaceUpdate,
        AuditAction::PlaceDelete,
        AuditAction::PlaceRelate,
        AuditAction::PlaceImportLocalAuthorities,
        AuditAction::BudgetLineCreate,
        AuditAction::BudgetLineUpdate,
        AuditAction::BudgetLineDelete,
        AuditAction::BudgetLineImport,
        AuditAction::GrantCreate,
        AuditAction::GrantUpdate,
        AuditAction::GrantChange,
        AuditAction::GrantDelete,
        AuditAction::GrantPublisher,
        AuditAction::PartnershipCreate,
        AuditAction::PartnershipUpdate,
        AuditAction::ContactList,
        AuditAction::ContactCreate,
        AuditAction::ContactDelete,
        AuditAction::ProjectCreate,
        AuditAction::AppraisalCreate,
        AuditAction::AppraisalUpdate,
        AuditAction::AppraisalDelete,
        AuditAction::DatasetExport,
        AuditAction::DatasetImport,
        AuditAction::FamilyList,
        AuditAction::FamilyRead,
        AuditAction::FamilyExport,
        AuditAction::FamilyCreate,
        AuditAction::FamilyMember,
        AuditAction::PersonCreate,
        AuditAction::InvolvementCreate,
        AuditAction::FamilyEvent,
        AuditAction::FamilyPlan,
        AuditAction::PersonSubjectAccess,
        AuditAction::FamilyBreakGlass,
        AuditAction::AgreementList,
        AuditAction::AgreementCreate,
        AuditAction::AgreementWithdraw,
        AuditAction::BreakGlassList,
        AuditAction::BreakGlassReview,
        AuditAction::FamilyParticipation,
        AuditAction::NeedSet,
        AuditAction::ConsentRecord,
        AuditAction::ConsentWithdraw,
        AuditAction::SharingRefusal,
        AuditAction::FamilyHandover,
        AuditAction::FamilyMove,
        AuditAction::InvolvementEnd,
        AuditAction::RetentionRule,
        AuditAction::RetentionHold,
        AuditAction::RetentionDryRun,
        AuditAction::RetentionDispose,
        AuditAction::ExtractList,
        AuditAction::ExtractImport,
        AuditAction::ExtractMapping,
        AuditAction::LinkageRead,
        AuditAction::LinkageRun,
        AuditAction::LinkageCancel,
        AuditAction::LinkageFinish,
        AuditAction::LinkageSettings,
        AuditAction::LinkageReview,
        AuditAction::LinkageMerge,
        AuditAction::LinkageSplit,
        AuditAction::LinkageConfirm,
        AuditAction::LinkageUndo,
        AuditAction::CohortRead,
        AuditAction::CohortCreate,
        AuditAction::CohortUpdate,
        AuditAction::CohortDelete,
        AuditAction::CohortAppraisal,
    ];

    /// The name stored in the log, such as `place.create`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ScaleCreate => "scale.create",
            AuditAction::ScaleReading => "scale.reading",
            AuditAction::WellbeingRead => "wellbeing.read",
            AuditAction::WellbeingReading => "wellbeing.reading",
            AuditAction::WellbeingStarImport => "wellbeing.star_import",
            AuditAction::WellbeingPublished => "wellbeing.published",
            AuditAction::WemwbsRegister => "wemwbs.register",
            AuditAction::SurveyCreate => "survey.create",
            AuditAction::SurveyRound => "survey.round",
            AuditAction::SurveyResponse => "survey.response",
            AuditAction::UserCreate => "user.create",
            AuditAction::UserView => "user.view",
            AuditAction::UserList => "user.list",
            AuditAction::UserEnable => "user.enable",
            AuditAction::UserDisable => "user.disable",
            AuditAction::UserChangePassword => "user.change_password",
            AuditAction::UserResetPassword => "user.reset_password",
            AuditAction::SessionSignIn => "session.sign_in",
            AuditAction::SessionSignOut => "session.sign_out",
            AuditAction::SessionRevoke => "session.revoke",
            AuditAction::SessionIdleTimeout => "session.idle_timeout",
            AuditAction::ApiTokenCreate => "api_token.create",
            AuditAction::ApiTokenRevoke => "api_token.revoke",
            AuditAction::AuditView => "audit.view",
            AuditAction::AuditVerify => "audit.verify",
            AuditAction::AgencyCreate => "agency.create",
            AuditAction::AgencyUpdate => "agency.update",
            AuditAction::AgencyDelete => "agency.delete",
            AuditAction::AgencyCover => "agency.cover",
            AuditAction::AgencyIdentifiers => "agency.identifiers",
            AuditAction::PlaceCreate => "place.create",
            AuditAction::PlaceUpdate => "place.update",
            AuditAction::PlaceDelete => "place.delete",
            AuditAction::PlaceRelate => "place.relate",
            AuditAction::PlaceImportLocalAuthorities => "place.import_local_authorities",
            AuditAction::BudgetLineCreate => "budget_line.create",
            AuditAction::BudgetLineUpdate => "budget_line.update",
            AuditAction::BudgetLineDelete => "budget_line.delete",
            AuditAction::BudgetLineImport => "budget_line.import",
            AuditAction::GrantCreate => "grant.create",
            AuditAction::GrantUpdate => "grant.update",
            AuditAction::GrantChange => "grant.change",
            AuditAction::GrantDelete => "grant.delete",
            AuditAction::GrantPublisher => "grant.publisher",
            AuditAction::PartnershipCreate => "partnership.create",
            AuditAction::PartnershipUpdate => "partnership.update",
            AuditAction::ContactList => "contact.list",
            AuditAction::ContactCreate => "contact.create",
            AuditAction::ContactDelete => "contact.delete",
            AuditAction::ProjectCreate => "project.create",
            AuditAction::AppraisalCreate => "appraisal.create",
            AuditAction::AppraisalUpdate => "appraisal.update",
            AuditAction::AppraisalDelete => "appraisal.delete",
            AuditAction::DatasetExport => "dataset.export",
            AuditAction::DatasetImport => "dataset.import",
            AuditAction::ReferenceRead => "reference.read",
            AuditAction::FamilyList => "family.list",
            AuditAction::FamilyRead => "family.read",
            AuditAction::FamilyExport => "family.export",
            AuditAction::FamilyCreate => "family.create",
            AuditAction::FamilyMember => "family.member",
            AuditAction::PersonCreate => "person.create",
            AuditAction::InvolvementCreate => "involvement.create",
            AuditAction::FamilyEvent => "family.event",
            AuditAction::FamilyPlan => "family.plan",
            AuditAction::PersonSubjectAccess => "person.subject_access",
            AuditAction::FamilyBreakGlass => "family.break_glass",
            AuditAction::AgreementList => "agreement.list",
            AuditAction::AgreementCreate => "agreement.create",
            AuditAction::AgreementWithdraw => "agreement.withdraw",
            AuditAction::BreakGlassList => "break_glass.list",
            AuditAction::BreakGlassReview => "break_glass.review",
            AuditAction::FamilyParticipation => "family.participation",
            AuditAction::NeedSet => "need.set",
            AuditAction::ConsentRecord => "family.consent",
            AuditAction::ConsentWithdraw => "family.consent_withdraw",
            AuditAction::SharingRefusal => "family.refusal",
            AuditAction::FamilyHandover => "family.handover",
            AuditAction::FamilyMove => "family.move",
            AuditAction::InvolvementEnd => "involvement.end",
            AuditAction::RetentionRule => "retention.rule",
            AuditAction::RetentionHold => "retention.hold",
            AuditAction::RetentionDryRun => "retention.dry_run",
            AuditAction::RetentionDispose => "retention.dispose",
            AuditAction::ExtractList => "extract.list",
            AuditAction::ExtractImport => "extract.import",
            AuditAction::ExtractMapping => "extract.mapping",
            AuditAction::LinkageRead => "linkage.read",
            AuditAction::LinkageRun => "linkage.run",
            AuditAction::LinkageCancel => "linkage.cancel",
            AuditAction::LinkageFinish => "linkage.finish",
            AuditAction::LinkageSettings => "linkage.settings",
            AuditAction::LinkageReview => "linkage.review",
            AuditAction::LinkageMerge => "linkage.merge",
            AuditAction::LinkageSplit => "linkage.split",
            AuditAction::LinkageConfirm => "linkage.confirm",
            AuditAction::LinkageUndo => "linkage.undo",
            AuditAction::CohortRead => "cohort.view",
            AuditAction::CohortCreate => "cohort.create",
            AuditAction::CohortUpdate => "cohort.update",
            AuditAction::CohortDelete => "cohort.delete",
            AuditAction::CohortAppraisal => "cohort.appraisal",
            AuditAction::IndicatorCreate => "indicator.create",
            AuditAction::SnapshotCreate => "appraisal.snapshot",
            AuditAction::RealisedRecord => "appraisal.realised",
            AuditAction::IndicatorValues => "indicator.values",
            AuditAction::TargetCreate => "target.create",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()), "{a} twice");
            let (kind, verb) = a.as_str().split_once('.').expect("dotted");
            assert!(!kind.is_empty() && !verb.is_empty(), "{a}");
        }
    }
}
