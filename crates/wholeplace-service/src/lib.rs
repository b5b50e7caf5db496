//! The service layer: every use case of wholeplace, with its authorisation and its audit record.
//! Web pages, the JSON API and the command line all call this; none of them decides who may do
//! what on its own, and none of them speaks to the store directly.
//!
//! Use cases keep one shape (authorise, check the form with the record's one parser, make the
//! audit event, call the port, name a clash on its field), so use cases of different records look
//! alike; the steps themselves are shared (`authorize`, `event`, `fields.rs`, `in_use`).

pub mod accounts;
pub mod agencies;
pub mod appraisals;
pub mod audit;
pub mod audit_action;
pub mod budget;
pub mod clock;
pub mod cohorts;
pub mod contacts;
pub mod corrections;
pub mod dataset;
pub mod error;
pub mod extracts;
pub mod families;
pub mod family_records;
pub mod family_workbook;
pub mod fields;
pub mod grants;
pub mod grants_360giving;
pub mod linking;
pub mod needs;
pub mod outcomes;
pub mod partnerships;
pub mod places;
pub mod policy;
pub mod projects;
pub mod realised;
pub mod retention;
pub mod secret;
pub mod sharing;
pub mod soft_outcomes;
pub mod subject_access;
pub mod surveys;

pub use accounts::{NewUserForm, SessionView, SignedIn};
pub use audit_action::AuditAction;
pub use budget::{BudgetForm, ImportOutcome, ResourceMap, budget_table, pounds_text};
pub use clock::{Clock, SystemClock};
pub use cohorts::{CohortForm, CohortView, ScoredFamily};
pub use contacts::ContactForm;
pub use error::{Answer, FieldError, ServiceError, ServiceResult, validation_answer};
pub use families::{
    ActionForm, BreakGlassForm, FamilySummary, FamilyView, GoalForm, HouseholdForm,
    InvolvementForm, PersonForm,
};
pub use family_records::{
    ConsentForm, EndInvolvementForm, EventForm, HandoverForm, LeadCandidate, MoveForm,
    ParticipationForm, RefusalForm, WithdrawConsentForm,
};
pub use family_workbook::units_text;
pub use grants::{GrantChangeForm, GrantForm};
pub use grants_360giving::{Grant360, LICENCES, PublisherForm};
pub use needs::{NeedForm, NeedView};
pub use outcomes::{
    Figure, IndicatorForm, IndicatorReport, OutcomeFile, PlaceSeries, TargetForm, TargetView,
    ValueForm,
};
pub use partnerships::PartnershipForm;
pub use places::{PlaceForm, PlaceView, england_medians, shipped_local_authorities};
pub use policy::{Access, DataClass};
pub use projects::ProjectForm;
pub use retention::{LegalHoldForm, RetentionOverview, RetentionReport, RetentionRuleForm};
pub use sharing::{AgreementForm, AgreementView};
pub use soft_outcomes::{
    Ons4Form, Ons4Report, PublishedForm, RegistrationForm, ScaleForm, ScaleReadingForm,
    ScaleReport, StarFile, WemwbsForm, WemwbsReport,
};
pub use surveys::{ResponseForm, RoundForm, SurveyForm, SurveyReport};

use std::sync::Arc;
use wholeplace_domain::Role;
use wholeplace_store::{AuditEvent, Store, User};

/// Tunable behaviour of the service (not domain parameters).
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// How long a browser session lasts at most, in seconds.
    pub session_ttl_secs: i64,
    /// A session unused for this long ends, in seconds.
    pub session_idle_secs: i64,
    /// Failed sign-ins for one account within `throttle_window_secs` before sign-in is refused.
    pub throttle_failures: i64,
    /// The window over which failures are counted, in seconds.
    pub throttle_window_secs: i64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_ttl_secs: 8 * 3600,
            session_idle_secs: 30 * 60,
            throttle_failures: 5,
            throttle_window_secs: 15 * 60,
        }
    }
}

/// Who is asking, and from where. Made by the front end after it has authenticated the caller.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The signed-in account; `None` for the operator at the command line.
    pub user: Option<User>,
    /// The client's address, or `cli` for the command line.
    pub address: String,
    /// The hash of the browser session, when there is one.
    pub session_hash: Option<String>,
}

impl Actor {
    /// The operator at the command line, who holds the machine and so acts as an administrator.
    pub fn operator() -> Self {
        Self {
            user: None,
            address: "cli".to_owned(),
            session_hash: None,
        }
    }

    /// A signed-in user.
    pub fn user(user: User, address: impl Into<String>, session_hash: Option<String>) -> Self {
        Self {
            user: Some(user),
            address: address.into(),
            session_hash,
        }
    }

    /// The role the actor holds (the operator is an administrator).
    pub fn role(&self) -> Role {
        self.user.as_ref().map_or(Role::Administrator, |u| u.role)
    }

    /// The account name for the audit log.
    pub fn name(&self) -> String {
        self.user
            .as_ref()
            .map_or_else(|| "cli-operator".to_owned(), |u| u.username.clone())
    }

    /// The account id for the audit log.
    pub fn user_id(&self) -> Option<wholeplace_domain::UserId> {
        self.user.as_ref().map(|u| u.id)
    }
}

/// The service: a store, a clock and settings.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    jobs: Arc<linking::Jobs>,
}

impl Service {
    /// A service over a store.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: ServiceConfig) -> Self {
        Self {
            store,
            clock,
            config,
            jobs: Arc::default(),
        }
    }

    /// The current time, from the service's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The backend name, for start-up messages and health.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Is the database reachable?
    pub async fn health(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// An audit event for an actor's action on a record.
    pub(crate) fn event(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
        allowed: bool,
        detail: &str,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor_user_id: actor.user_id(),
            actor: actor.name(),
            action: action.as_str().to_owned(),
            record_type: record_type.to_owned(),
            record_id,
            address: actor.address.clone(),
            allowed,
            detail: detail.to_owned(),
        }
    }

    /// Refuses (and records the refusal) unless `ok`.
    pub(crate) async fn require(
        &self,
        actor: &Actor,
        ok: bool,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        if ok {
            return Ok(());
        }
        let ev = self.event(
            actor,
            action,
            record_type,
            record_id,
            false,
            "role not permitted",
        );
        self.store.append_audit(&ev).await?;
        Err(ServiceError::Forbidden(format!(
            "Your role ({}) cannot do this.",
            actor.role()
        )))
    }

    /// Refuses unless the policy lets the actor change everyone's accounts (administrators):
    /// managing users and the command line's administrator-only actions.
    pub(crate) async fn require_admin(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Accounts,
            Access::Change,
            action,
            record_type,
            record_id,
        )
        .await
    }

    /// Refuses unless the policy lets the actor change the partnership's non-personal
    /// information (analysts and administrators).
    pub(crate) async fn require_editor(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Reference,
            Access::Change,
            action,
            record_type,
            record_id,
        )
        .await
    }
}
