//! Role by route: every route of the router and every operation of the OpenAPI document,
//! requested as each role (and signed out), against one table of what each role may do. The
//! table is held to the service's policy (`wholeplace_service::policy`), and to the router
//! itself: a route in the router's source or an operation in the OpenAPI document without a line
//! here fails the test, naming it. On SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set)
//! PostgreSQL.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Browser, Resp, mono, multipart};
use std::collections::BTreeSet;
use wholeplace_domain::Role;
use wholeplace_service::ContactForm;
use wholeplace_service::policy::{self, Access, DataClass};
use wholeplace_service::{Actor, NewUserForm};
use wholeplace_service::{BudgetForm, PlaceForm};
use wholeplace_store::NewGrant;
use wholeplace_store::prelude::FamilyStore;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(every_role_gets_what_the_policy_says_on_every_route);

const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Need {
    /// Anyone, signed in or not.
    Open,
    /// The roles the policy allows this access to this class of data.
    Policy(DataClass, Access),
}

use Access::{Change, Read};
use DataClass::{
    Accounts, AuditLog, CaseRecords, Cohorts, Linkage, OwnAccount, Personal, PrivacyAlerts,
    Reference, SharingAgreements, Wellbeing,
};
use Need::{Open, Policy};

/// One request: the router's method and path pattern, the path requested (`{place}`,
/// `{agency}`, ... stand for records made for each role), who may, and the outcome expected
/// for viewer, practitioner, analyst and administrator in that order (`Y` allowed, `-` refused
/// with 403 and an audited refusal). Signed out, every route that is not [`Need::Open`] sends
/// pages to the sign-in page and the API answers 401.
struct Row {
    method: &'static str,
    route: &'static str,
    path: &'static str,
    need: Need,
    who: &'static str,
}

const fn r(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    need: Need,
    who: &'static str,
) -> Row {
    Row {
        method,
        route,
        path,
        need,
        who,
    }
}

const ALL: &str = "YYYY";
const EDITORS: &str = "--YY";
const NOT_VIEWERS: &str = "-YYY";
const ADMINS: &str = "---Y";
const PRACTITIONERS: &str = "-Y-Y";
const OPEN: &str = "YYYY";

/// The table: every route, HTML and API.
#[rustfmt::skip]
const ROUTES: &[Row] = &[
    // Signing in and out, your own account.
    r("GET", "/sign-in", "/sign-in", Open, OPEN),
    r("POST", "/sign-in", "/sign-in", Open, OPEN),
    r("POST", "/sign-out", "/sign-out", Policy(OwnAccount, Change), ALL),
    r("GET", "/account", "/account", Policy(OwnAccount, Read), ALL),
    r("GET", "/account/password", "/account/password", Policy(OwnAccount, Read), ALL),
    r("POST", "/account/password", "/account/password", Policy(OwnAccount, Change), ALL),
    r("POST", "/account/tokens", "/account/tokens", Policy(OwnAccount, Change), ALL),
    r("POST", "/account/tokens/{id}/revoke", "/account/tokens/{token}/revoke", Policy(OwnAccount, Change), ALL),
    r("POST", "/account/sessions/{id}/revoke", "/account/sessions/others/revoke", Policy(OwnAccount, Change), ALL),
    // Everyone's accounts.
    r("GET", "/users", "/users", Policy(Accounts, Read), ADMINS),
    r("POST", "/users", "/users", Policy(Accounts, Change), ADMINS),
    r("GET", "/users/new", "/users/new", Policy(Accounts, Change), ADMINS),
    r("GET", "/users/{id}", "/users/{user}", Policy(Accounts, Read), ADMINS),
    r("POST", "/users/{id}/disable", "/users/{user}/disable", Policy(Accounts, Change), ADMINS),
    r("POST", "/users/{id}/enable", "/users/{user}/enable", Policy(Accounts, Change), ADMINS),
    r("POST", "/users/{id}/reset-password", "/users/{user}/reset-password", Policy(Accounts, Change), ADMINS),
    // The partnership's non-personal information.
    r("GET", "/", "/", Policy(Reference, Read), ALL),
    r("GET", "/places", "/places", Policy(Reference, Read), ALL),
    r("POST", "/places", "/places", Policy(Reference, Change), EDITORS),
    r("GET", "/places/new", "/places/new", Policy(Reference, Change), EDITORS),
    r("POST", "/places/import-local-authorities", "/places/import-local-authorities", Policy(Reference, Change), EDITORS),
    r("GET", "/places/{id}", "/places/{place}", Policy(Reference, Read), ALL),
    r("GET", "/places/{id}/edit", "/places/{place}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/places/{id}/edit", "/places/{place}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/places/{id}/relations", "/places/{place}/relations", Policy(Reference, Change), EDITORS),
    r("POST", "/places/{id}/relations", "/places/{place}/relations", Policy(Reference, Change), EDITORS),
    r("GET", "/places/{id}/coverage", "/places/{place}/coverage", Policy(Reference, Change), EDITORS),
    r("POST", "/places/{id}/coverage", "/places/{place}/coverage", Policy(Reference, Change), EDITORS),
    r("GET", "/places/{id}/delete", "/places/{place}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/places/{id}/delete", "/places/{place}/delete", Policy(Reference, Change), EDITORS),
    r("GET", "/places/{id}/budget-lines.csv", "/places/{place}/budget-lines.csv", Policy(Reference, Read), ALL),
    r("GET", "/places/{id}/budget-lines.xlsx", "/places/{place}/budget-lines.xlsx", Policy(Reference, Read), ALL),
    r("GET", "/agencies", "/agencies", Policy(Reference, Read), ALL),
    r("POST", "/agencies", "/agencies", Policy(Reference, Change), EDITORS),
    r("GET", "/needs", "/needs", Policy(Reference, Read), ALL),
    r("GET", "/soft-outcomes", "/soft-outcomes", Policy(Reference, Read), ALL),
    r("POST", "/soft-outcomes", "/soft-outcomes", Policy(Reference, Change), EDITORS),
    r("GET", "/soft-outcomes/scales/{id}", "/soft-outcomes/scales/{scale}", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/soft-outcomes/scales/{id}", "/soft-outcomes/scales/{scale}", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/soft-outcomes/ons4", "/soft-outcomes/ons4", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/soft-outcomes/ons4", "/soft-outcomes/ons4", Policy(Wellbeing, Change), PRACTITIONERS),
    r("POST", "/soft-outcomes/ons4/published", "/soft-outcomes/ons4/published", Policy(Reference, Change), EDITORS),
    r("GET", "/soft-outcomes/wemwbs", "/soft-outcomes/wemwbs", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/soft-outcomes/wemwbs", "/soft-outcomes/wemwbs", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/soft-outcomes/wemwbs.csv", "/soft-outcomes/wemwbs.csv", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("GET", "/soft-outcomes/wemwbs.xlsx", "/soft-outcomes/wemwbs.xlsx", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("GET", "/soft-outcomes/wemwbs/registration", "/soft-outcomes/wemwbs/registration", Policy(Accounts, Change), ADMINS),
    r("POST", "/soft-outcomes/wemwbs/registration", "/soft-outcomes/wemwbs/registration", Policy(Accounts, Change), ADMINS),
    r("GET", "/soft-outcomes/star", "/soft-outcomes/star", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/soft-outcomes/star", "/soft-outcomes/star", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/surveys", "/surveys", Policy(Reference, Read), ALL),
    r("POST", "/surveys", "/surveys", Policy(Reference, Change), EDITORS),
    r("GET", "/surveys/{id}", "/surveys/{survey}", Policy(Reference, Read), ALL),
    r("POST", "/surveys/{id}/rounds", "/surveys/{survey}/rounds", Policy(Reference, Change), EDITORS),
    r("GET", "/surveys/{id}/rounds/{round}/paper", "/surveys/{survey}/rounds/{round}/paper", Policy(Reference, Change), EDITORS),
    r("POST", "/surveys/{id}/rounds/{round}/paper", "/surveys/{survey}/rounds/{round}/paper", Policy(Reference, Change), EDITORS),
    r("GET", "/survey/{token}", "/survey/{survey_token}", Open, OPEN),
    r("POST", "/survey/{token}", "/survey/{survey_token}", Open, OPEN),
    r("GET", "/outcomes", "/outcomes", Policy(Reference, Read), ALL),
    r("POST", "/outcomes", "/outcomes", Policy(Reference, Change), EDITORS),
    r("GET", "/outcomes.xlsx", "/outcomes.xlsx", Policy(Reference, Read), ALL),
    r("GET", "/outcomes.json", "/outcomes.json", Policy(Reference, Read), ALL),
    r("GET", "/outcomes/indicators.csv", "/outcomes/indicators.csv", Policy(Reference, Read), ALL),
    r("GET", "/outcomes/figures.csv", "/outcomes/figures.csv", Policy(Reference, Read), ALL),
    r("GET", "/outcomes/targets.csv", "/outcomes/targets.csv", Policy(Reference, Read), ALL),
    r("GET", "/outcomes/{id}", "/outcomes/{indicator}", Policy(Reference, Read), ALL),
    r("GET", "/outcomes/{id}/figures", "/outcomes/{indicator}/figures", Policy(Reference, Change), EDITORS),
    r("POST", "/outcomes/{id}/figures", "/outcomes/{indicator}/figures", Policy(Reference, Change), EDITORS),
    r("POST", "/outcomes/{id}/import", "/outcomes/{indicator}/import", Policy(Reference, Change), EDITORS),
    r("GET", "/outcomes/{id}/targets", "/outcomes/{indicator}/targets", Policy(Reference, Change), EDITORS),
    r("POST", "/outcomes/{id}/targets", "/outcomes/{indicator}/targets", Policy(Reference, Change), EDITORS),
    r("POST", "/needs", "/needs", Policy(Reference, Change), EDITORS),
    r("GET", "/agencies/{id}/edit", "/agencies/{agency}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/agencies/{id}/edit", "/agencies/{agency}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/agencies/{id}/identifiers", "/agencies/{agency}/identifiers", Policy(Reference, Change), EDITORS),
    r("POST", "/agencies/{id}/identifiers", "/agencies/{agency}/identifiers", Policy(Reference, Change), EDITORS),
    r("GET", "/agencies/{id}/delete", "/agencies/{agency}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/agencies/{id}/delete", "/agencies/{agency}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/budget-lines", "/budget-lines", Policy(Reference, Change), EDITORS),
    r("GET", "/budget-lines/new", "/budget-lines/new", Policy(Reference, Change), EDITORS),
    r("GET", "/budget-lines/{id}/edit", "/budget-lines/{line}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/budget-lines/{id}/edit", "/budget-lines/{line}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/budget-lines/{id}/delete", "/budget-lines/{line}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/budget-lines/{id}/delete", "/budget-lines/{line}/delete", Policy(Reference, Change), EDITORS),
    r("GET", "/funding", "/funding", Policy(Reference, Read), ALL),
    r("GET", "/grants.csv", "/grants.csv", Policy(Reference, Read), ALL),
    r("GET", "/grants.json", "/grants.json", Policy(Reference, Read), ALL),
    r("GET", "/funding/publisher", "/funding/publisher", Policy(Reference, Change), EDITORS),
    r("POST", "/funding/publisher", "/funding/publisher", Policy(Reference, Change), EDITORS),
    r("POST", "/grants", "/grants", Policy(Reference, Change), EDITORS),
    r("GET", "/grants/new", "/grants/new", Policy(Reference, Change), EDITORS),
    r("GET", "/grants/{id}/change", "/grants/{grant}/change", Policy(Reference, Change), EDITORS),
    r("POST", "/grants/{id}/change", "/grants/{grant}/change", Policy(Reference, Change), EDITORS),
    r("GET", "/grants/{id}/edit", "/grants/{grant}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/grants/{id}/edit", "/grants/{grant}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/grants/{id}/delete", "/grants/{grant}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/grants/{id}/delete", "/grants/{grant}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/partnerships", "/partnerships", Policy(Reference, Change), EDITORS),
    r("GET", "/partnerships/new", "/partnerships/new", Policy(Reference, Change), EDITORS),
    r("GET", "/partnerships/{id}/edit", "/partnerships/{partnership}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/partnerships/{id}/edit", "/partnerships/{partnership}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/projects", "/projects", Policy(Reference, Read), ALL),
    r("POST", "/projects", "/projects", Policy(Reference, Change), EDITORS),
    r("GET", "/data", "/data", Policy(Reference, Read), ALL),
    r("POST", "/data/import", "/data/import", Policy(Reference, Change), EDITORS),
    r("GET", "/data/{file}", "/data/agencies.csv", Policy(Reference, Read), ALL),
    r("GET", "/appraisals", "/appraisals", Policy(Reference, Read), ALL),
    r("POST", "/appraisals", "/appraisals", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/new", "/appraisals/new", Policy(Reference, Change), EDITORS),
    r("POST", "/appraisals/upload", "/appraisals/upload", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/template.xlsx", "/appraisals/template.xlsx", Policy(Reference, Read), ALL),
    r("GET", "/appraisals/{id}", "/appraisals/{appraisal}", Policy(Reference, Read), ALL),
    r("GET", "/appraisals/{id}/edit", "/appraisals/{appraisal}/edit", Policy(Reference, Change), EDITORS),
    r("POST", "/appraisals/{id}/edit", "/appraisals/{appraisal}/edit", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/costs/new", "/appraisals/{appraisal}/costs/new", Policy(Reference, Change), EDITORS),
    r("POST", "/appraisals/{id}/costs", "/appraisals/{appraisal}/costs", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/outcomes/new", "/appraisals/{appraisal}/outcomes/new", Policy(Reference, Change), EDITORS),
    r("POST", "/appraisals/{id}/outcomes", "/appraisals/{appraisal}/outcomes", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/delete", "/appraisals/{appraisal}/delete", Policy(Reference, Change), EDITORS),
    r("POST", "/appraisals/{id}/delete", "/appraisals/{appraisal}/delete", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/{file}", "/appraisals/{appraisal}/model.toml", Policy(Reference, Read), ALL),
    r("GET", "/appraisals/{id}/snapshots", "/appraisals/{snapped}/snapshots", Policy(Reference, Read), ALL),
    r("POST", "/appraisals/{id}/snapshots", "/appraisals/{snapped}/snapshots", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/snapshots/{sid}", "/appraisals/{snapped}/snapshots/{snapshot}", Policy(Reference, Read), ALL),
    r("POST", "/appraisals/{id}/snapshots/{sid}", "/appraisals/{snapped}/snapshots/{snapshot}", Policy(Reference, Change), EDITORS),
    r("GET", "/appraisals/{id}/snapshots/{sid}/variance.csv", "/appraisals/{snapped}/snapshots/{snapshot}/variance.csv", Policy(Reference, Read), ALL),
    r("GET", "/unit-costs", "/unit-costs", Policy(Reference, Read), ALL),
    r("GET", "/unit-costs/{code}", "/unit-costs/HO1.0", Policy(Reference, Read), ALL),
    // Personal data: contacts, and the exports that hold them.
    r("GET", "/contacts", "/contacts", Policy(Personal, Read), NOT_VIEWERS),
    r("POST", "/contacts", "/contacts", Policy(Personal, Change), EDITORS),
    r("GET", "/contacts/{id}/delete", "/contacts/{contact}/delete", Policy(Personal, Change), EDITORS),
    r("POST", "/contacts/{id}/delete", "/contacts/{contact}/delete", Policy(Personal, Change), EDITORS),
    r("GET", "/data/{file}", "/data/contacts.csv", Policy(Personal, Read), NOT_VIEWERS),
    r("GET", "/data/{file}", "/data/everything.xlsx", Policy(Personal, Read), NOT_VIEWERS),
    // Families' records (the role lets a person ask; the access gate decides each record).
    r("GET", "/families", "/families", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("POST", "/families", "/families", Policy(CaseRecords, Change), PRACTITIONERS),
    r("GET", "/families/{id}", "/families/{family}", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("GET", "/families/{id}/involvements.csv", "/families/{family}/involvements.csv", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("GET", "/families/{id}/family.xlsx", "/families/{family}/family.xlsx", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("POST", "/families/{id}/members", "/families/{family}/members", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/families/{id}/involvements", "/families/{family}/involvements", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/families/{id}/goals", "/families/{family}/goals", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/families/{id}/plan", "/families/{family}/plan", Policy(CaseRecords, Change), PRACTITIONERS),
    r("GET", "/families/{id}/break-glass", "/families/{family}/break-glass", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/families/{id}/break-glass", "/families/{family}/break-glass", Policy(CaseRecords, Change), PRACTITIONERS),
    r("GET", "/families/{id}/records/{kind}", "/families/{family}/records/move", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/families/{id}/records/{kind}", "/families/{family}/records/move", Policy(CaseRecords, Change), PRACTITIONERS),
    // Sharing agreements and the privacy officer's queue.
    r("GET", "/sharing", "/sharing", Policy(SharingAgreements, Read), ALL),
    r("POST", "/sharing", "/sharing", Policy(SharingAgreements, Change), ADMINS),
    r("GET", "/sharing/new", "/sharing/new", Policy(SharingAgreements, Change), ADMINS),
    r("POST", "/sharing/{id}/withdraw", "/sharing/{agreement}/withdraw", Policy(SharingAgreements, Change), ADMINS),
    r("GET", "/privacy", "/privacy", Policy(PrivacyAlerts, Read), ADMINS),
    r("GET", "/people/{id}/subject-access.json", "/people/{person}/subject-access.json", Policy(PrivacyAlerts, Read), ADMINS),
    r("POST", "/privacy/{id}/review", "/privacy/{glass}/review", Policy(PrivacyAlerts, Change), ADMINS),
    // Retention: rules, legal holds and disposal (the privacy officer).
    // Cohorts: the rules, the families they find, the appraisal from a cohort.
    r("GET", "/cohorts", "/cohorts", Policy(Cohorts, Read), NOT_VIEWERS),
    r("POST", "/cohorts", "/cohorts", Policy(Cohorts, Change), EDITORS),
    r("GET", "/cohorts/{id}", "/cohorts/{cohort}", Policy(Cohorts, Read), NOT_VIEWERS),
    r("GET", "/cohorts/{id}/edit", "/cohorts/{cohort}/edit", Policy(Cohorts, Change), EDITORS),
    r("POST", "/cohorts/{id}/edit", "/cohorts/{cohort}/edit", Policy(Cohorts, Change), EDITORS),
    r("GET", "/cohorts/{id}/delete", "/cohorts/{cohort}/delete", Policy(Cohorts, Change), EDITORS),
    r("POST", "/cohorts/{id}/delete", "/cohorts/{cohort}/delete", Policy(Cohorts, Change), EDITORS),
    r("POST", "/cohorts/{id}/appraisal", "/cohorts/{cohort}/appraisal", Policy(Cohorts, Change), EDITORS),
    r("GET", "/api/v1/cohorts", "/api/v1/cohorts", Policy(Cohorts, Read), NOT_VIEWERS),
    r("POST", "/api/v1/cohorts", "/api/v1/cohorts", Policy(Cohorts, Change), EDITORS),
    r("GET", "/api/v1/cohorts/{id}", "/api/v1/cohorts/{cohort}", Policy(Cohorts, Read), NOT_VIEWERS),
    r("PUT", "/api/v1/cohorts/{id}", "/api/v1/cohorts/{cohort}", Policy(Cohorts, Change), EDITORS),
    r("DELETE", "/api/v1/cohorts/{id}", "/api/v1/cohorts/{cohort}", Policy(Cohorts, Change), EDITORS),
    r("POST", "/api/v1/cohorts/{id}/appraisal", "/api/v1/cohorts/{cohort}/appraisal", Policy(Cohorts, Change), EDITORS),
    // Linkage: extracts, the linking job, the review band and queue.
    r("GET", "/linking", "/linking", Policy(Linkage, Read), EDITORS),
    r("POST", "/linking/extracts", "/linking/extracts", Policy(Linkage, Change), EDITORS),
    r("POST", "/linking/run", "/linking/run", Policy(Linkage, Change), EDITORS),
    r("POST", "/linking/cancel", "/linking/cancel", Policy(Linkage, Change), EDITORS),
    r("POST", "/linking/band", "/linking/band", Policy(Linkage, Change), EDITORS),
    r("GET", "/linking/review", "/linking/review", Policy(Linkage, Read), EDITORS),
    r("POST", "/linking/review/{id}", "/linking/review/1", Policy(Linkage, Change), EDITORS),
    r("GET", "/linking/people", "/linking/people?person={person}", Policy(Linkage, Read), EDITORS),
    r("GET", "/linking/people/{id}", "/linking/people/{person}", Policy(Linkage, Read), EDITORS),
    r("POST", "/linking/people/{id}/merge", "/linking/people/{person}/merge", Policy(Linkage, Change), EDITORS),
    r("POST", "/linking/people/{id}/split", "/linking/people/{person}/split", Policy(Linkage, Change), EDITORS),
    r("GET", "/linking/corrections", "/linking/corrections", Policy(Linkage, Read), EDITORS),
    r("POST", "/linking/corrections/{id}/confirm", "/linking/corrections/1/confirm", Policy(Linkage, Change), EDITORS),
    r("POST", "/linking/corrections/{id}/undo", "/linking/corrections/1/undo", Policy(Linkage, Change), EDITORS),
    r("GET", "/api/v1/extracts", "/api/v1/extracts", Policy(Linkage, Read), EDITORS),
    r("POST", "/api/v1/extracts", "/api/v1/extracts", Policy(Linkage, Change), EDITORS),
    r("GET", "/api/v1/linkage/runs", "/api/v1/linkage/runs?partnership={partnership}", Policy(Linkage, Read), EDITORS),
    r("POST", "/api/v1/linkage/runs", "/api/v1/linkage/runs", Policy(Linkage, Change), EDITORS),
    r("PUT", "/api/v1/linkage/settings", "/api/v1/linkage/settings", Policy(Linkage, Change), EDITORS),
    r("POST", "/api/v1/linkage/runs/current/cancel", "/api/v1/linkage/runs/current/cancel", Policy(Linkage, Change), EDITORS),
    r("GET", "/api/v1/linkage/review", "/api/v1/linkage/review?partnership={partnership}", Policy(Linkage, Read), EDITORS),
    r("POST", "/api/v1/linkage/review/{id}", "/api/v1/linkage/review/1", Policy(Linkage, Change), EDITORS),
    r("GET", "/api/v1/linkage/people/{id}", "/api/v1/linkage/people/{person}", Policy(Linkage, Read), EDITORS),
    r("POST", "/api/v1/linkage/people/{id}/merge", "/api/v1/linkage/people/{person}/merge", Policy(Linkage, Change), EDITORS),
    r("POST", "/api/v1/linkage/people/{id}/split", "/api/v1/linkage/people/{person}/split", Policy(Linkage, Change), EDITORS),
    r("GET", "/api/v1/linkage/corrections", "/api/v1/linkage/corrections", Policy(Linkage, Read), EDITORS),
    r("POST", "/api/v1/linkage/corrections/{id}/confirm", "/api/v1/linkage/corrections/1/confirm", Policy(Linkage, Change), EDITORS),
    r("POST", "/api/v1/linkage/corrections/{id}/undo", "/api/v1/linkage/corrections/1/undo", Policy(Linkage, Change), EDITORS),
    r("GET", "/privacy/retention", "/privacy/retention", Policy(PrivacyAlerts, Read), ADMINS),
    r("POST", "/privacy/retention/rules", "/privacy/retention/rules", Policy(PrivacyAlerts, Change), ADMINS),
    r("POST", "/privacy/retention/rules/{id}/delete", "/privacy/retention/rules/{rule}/delete", Policy(PrivacyAlerts, Change), ADMINS),
    r("POST", "/privacy/retention/holds", "/privacy/retention/holds", Policy(PrivacyAlerts, Change), ADMINS),
    r("POST", "/privacy/retention/holds/{id}/lift", "/privacy/retention/holds/{hold}/lift", Policy(PrivacyAlerts, Change), ADMINS),
    r("GET", "/privacy/retention/apply", "/privacy/retention/apply", Policy(PrivacyAlerts, Change), ADMINS),
    r("POST", "/privacy/retention/apply", "/privacy/retention/apply", Policy(PrivacyAlerts, Change), ADMINS),
    // The audit log.
    r("GET", "/audit", "/audit", Policy(AuditLog, Read), ADMINS),
    r("GET", "/audit.csv", "/audit.csv", Policy(AuditLog, Read), ADMINS),
    // Open to all.
    r("GET", "/about/data", "/about/data", Open, OPEN),
    r("GET", "/about/accessibility", "/about/accessibility", Open, OPEN),
    r("GET", "/about/roles", "/about/roles", Open, OPEN),
    r("GET", "/healthz", "/healthz", Open, OPEN),
    r("GET", "/static/app.js", "/static/app.js", Open, OPEN),
    r("GET", "/static/favicon.svg", "/static/favicon.svg", Open, OPEN),
    // The API.
    r("GET", "/api/v1/health", "/api/v1/health", Open, OPEN),
    r("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", Open, OPEN),
    r("GET", "/api/v1/me", "/api/v1/me", Policy(OwnAccount, Read), ALL),
    r("GET", "/api/v1/users", "/api/v1/users", Policy(Accounts, Read), ADMINS),
    r("GET", "/api/v1/audit", "/api/v1/audit", Policy(AuditLog, Read), ADMINS),
    r("GET", "/api/v1/places", "/api/v1/places", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/places", "/api/v1/places", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/places/{id}", "/api/v1/places/{place}", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/agencies/{id}", "/api/v1/agencies/{agency}", Policy(Reference, Read), ALL),
    r("PUT", "/api/v1/places/{id}", "/api/v1/places/{place}", Policy(Reference, Change), EDITORS),
    r("DELETE", "/api/v1/places/{id}", "/api/v1/places/{place}", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/agencies", "/api/v1/agencies", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/needs", "/api/v1/needs", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/scales", "/api/v1/scales", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/scales", "/api/v1/scales", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/scales/{id}", "/api/v1/scales/{scale}", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/api/v1/scales/{id}/readings", "/api/v1/scales/{scale}/readings", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/api/v1/wellbeing/ons4", "/api/v1/wellbeing/ons4", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/api/v1/wellbeing/ons4", "/api/v1/wellbeing/ons4", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/api/v1/wellbeing/wemwbs", "/api/v1/wellbeing/wemwbs", Policy(Wellbeing, Read), NOT_VIEWERS),
    r("POST", "/api/v1/wellbeing/wemwbs", "/api/v1/wellbeing/wemwbs", Policy(Wellbeing, Change), PRACTITIONERS),
    r("GET", "/api/v1/surveys", "/api/v1/surveys", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/surveys", "/api/v1/surveys", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/surveys/{id}", "/api/v1/surveys/{survey}", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/surveys/{id}/rounds", "/api/v1/surveys/{survey}/rounds", Policy(Reference, Change), EDITORS),
    r("POST", "/api/v1/survey-rounds/{id}/responses", "/api/v1/survey-rounds/{round}/responses", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/indicators", "/api/v1/indicators", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/indicators", "/api/v1/indicators", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/indicators/{id}", "/api/v1/indicators/{indicator}", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/indicators/{id}/figures", "/api/v1/indicators/{indicator}/figures", Policy(Reference, Change), EDITORS),
    r("POST", "/api/v1/indicators/{id}/targets", "/api/v1/indicators/{indicator}/targets", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/targets", "/api/v1/targets", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/outcomes/iati", "/api/v1/outcomes/iati", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/agencies", "/api/v1/agencies", Policy(Reference, Change), EDITORS),
    r("PUT", "/api/v1/agencies/{id}", "/api/v1/agencies/{agency}", Policy(Reference, Change), EDITORS),
    r("DELETE", "/api/v1/agencies/{id}", "/api/v1/agencies/{agency}", Policy(Reference, Change), EDITORS),
    r("PUT", "/api/v1/agencies/{id}/identifiers", "/api/v1/agencies/{agency}/identifiers", Policy(Reference, Change), EDITORS),
    r("POST", "/api/v1/budget-lines", "/api/v1/budget-lines", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/budget-lines/{id}", "/api/v1/budget-lines/{line}", Policy(Reference, Read), ALL),
    r("PUT", "/api/v1/budget-lines/{id}", "/api/v1/budget-lines/{line}", Policy(Reference, Change), EDITORS),
    r("DELETE", "/api/v1/budget-lines/{id}", "/api/v1/budget-lines/{line}", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/grants", "/api/v1/grants", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/grants/publisher", "/api/v1/grants/publisher", Policy(Reference, Read), ALL),
    r("PUT", "/api/v1/grants/publisher", "/api/v1/grants/publisher", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/grants/360giving", "/api/v1/grants/360giving", Policy(Reference, Read), ALL),
    r("DELETE", "/api/v1/grants/{id}", "/api/v1/grants/{grant}", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/partnerships", "/api/v1/partnerships", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/families", "/api/v1/families", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("GET", "/api/v1/families/{id}", "/api/v1/families/{family}", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("POST", "/api/v1/families/{id}/involvements", "/api/v1/families/{family}/involvements", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/api/v1/families/{id}/events", "/api/v1/families/{family}/events", Policy(CaseRecords, Change), PRACTITIONERS),
    r("GET", "/api/v1/families/{id}/plan", "/api/v1/families/{family}/plan", Policy(CaseRecords, Read), NOT_VIEWERS),
    r("POST", "/api/v1/families/{id}/plan", "/api/v1/families/{family}/plan", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/api/v1/families/{id}/goals", "/api/v1/families/{family}/goals", Policy(CaseRecords, Change), PRACTITIONERS),
    r("POST", "/api/v1/families/{id}/break-glass", "/api/v1/families/{family}/break-glass", Policy(CaseRecords, Change), PRACTITIONERS),
    r("GET", "/api/v1/break-glass", "/api/v1/break-glass", Policy(PrivacyAlerts, Read), ADMINS),
    r("POST", "/api/v1/break-glass/{id}/review", "/api/v1/break-glass/{glass}/review", Policy(PrivacyAlerts, Change), ADMINS),
    r("GET", "/api/v1/people/{id}/subject-access", "/api/v1/people/{person}/subject-access", Policy(PrivacyAlerts, Read), ADMINS),
    r("GET", "/api/v1/sharing-agreements", "/api/v1/sharing-agreements", Policy(SharingAgreements, Read), ALL),
    r("POST", "/api/v1/sharing-agreements", "/api/v1/sharing-agreements", Policy(SharingAgreements, Change), ADMINS),
    r("GET", "/api/v1/projects", "/api/v1/projects", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/projects", "/api/v1/projects", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/appraisals", "/api/v1/appraisals", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/appraisals", "/api/v1/appraisals", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/appraisals/{id}", "/api/v1/appraisals/{appraisal}", Policy(Reference, Read), ALL),
    r("PUT", "/api/v1/appraisals/{id}", "/api/v1/appraisals/{appraisal}", Policy(Reference, Change), EDITORS),
    r("DELETE", "/api/v1/appraisals/{id}", "/api/v1/appraisals/{appraisal}", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/appraisals/{id}/snapshots", "/api/v1/appraisals/{snapped}/snapshots", Policy(Reference, Read), ALL),
    r("POST", "/api/v1/appraisals/{id}/snapshots", "/api/v1/appraisals/{snapped}/snapshots", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/snapshots/{id}", "/api/v1/snapshots/{snapshot}", Policy(Reference, Read), ALL),
    r("PUT", "/api/v1/snapshots/{id}/outcomes", "/api/v1/snapshots/{snapshot}/outcomes", Policy(Reference, Change), EDITORS),
    r("GET", "/api/v1/unit-costs", "/api/v1/unit-costs", Policy(Reference, Read), ALL),
    r("GET", "/api/v1/contacts", "/api/v1/contacts", Policy(Personal, Read), NOT_VIEWERS),
    r("POST", "/api/v1/contacts", "/api/v1/contacts", Policy(Personal, Change), EDITORS),
    r("DELETE", "/api/v1/contacts/{id}", "/api/v1/contacts/{contact}", Policy(Personal, Change), EDITORS),
];

/// Routes whose forms are `multipart/form-data` (file uploads).
const MULTIPART: &[&str] = &[
    "/data/import",
    "/appraisals/upload",
    "/linking/extracts",
    "/outcomes/{id}/import",
    "/soft-outcomes/star",
];

/// A body every JSON endpoint can read but no use case accepts: each input's fields, empty.
const INVALID_JSON: &str = r#"{"name": "", "level": "", "kind": "", "agency": "", "place": "", "service_area": "", "financial_year": "", "amount": "", "model_toml": "", "agency_id": 0, "partnership_id": 0}"#;

/// The roles in the order of a row's `who`.
const ROLES: [Role; 4] = [
    Role::Viewer,
    Role::Practitioner,
    Role::Analyst,
    Role::Administrator,
];

fn is_api(route: &str) -> bool {
    route.starts_with("/api/")
}

// ---------------------------------------------------------------------------------------------
// Completeness: the router's source and the OpenAPI document against the table.

/// Every `(METHOD, path)` routed by `.route("...", ...)` calls in a source file, with `prefix`
/// (where the file's router is nested) added to each path.
fn routes_in_source(source: &str, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        // The call's arguments: up to the matching close parenthesis.
        let mut depth = 1;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &rest[..end];
        let open = args.find('"').expect("a route's path is a string literal");
        let close = args[open + 1..].find('"').expect("closing quote") + open + 1;
        let path = format!("{prefix}{}", &args[open + 1..close]);
        let handlers = &args[close + 1..];
        let mut found = false;
        for method in ["get", "post", "put", "delete", "patch"] {
            let call = format!("{method}(");
            let mut from = 0;
            while let Some(i) = handlers[from..].find(&call) {
                let i = from + i;
                let before = handlers[..i].chars().next_back();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    out.push((method.to_uppercase(), path.clone()));
                    found = true;
                    break;
                }
                from = i + call.len();
            }
        }
        assert!(found, "no method found for the route {path}: {args}");
    }
    out
}

/// Every route in the web crate's source: `src/lib.rs` at the root, `src/api.rs` and everything
/// in `src/api/` under `/api/v1`. Any other file that routes is named as unaccounted for.
fn router_routes() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut all = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        if !text.contains(".route(") {
            continue;
        }
        let rel = f
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let prefix = if rel == "lib.rs" {
            ""
        } else if rel == "api.rs" || rel.starts_with("api/") {
            // The API's router is built from its OpenAPI annotations (utoipa-axum's `routes!`),
            // so its routes are the document's operations, checked below; any plain `.route`
            // there is counted too.
            "/api/v1"
        } else {
            panic!(
                "src/{rel} adds routes, but this test does not know where its router is nested: add it to router_routes()"
            )
        };
        all.extend(routes_in_source(&text, prefix));
    }
    all
}

/// Every `(METHOD, path)` operation in an OpenAPI document.
fn openapi_operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn table_routes() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect()
}

/// The names of routes in `found` without a line in the table.
fn missing_from_table(found: &BTreeSet<(String, String)>) -> Vec<String> {
    let table = table_routes();
    found
        .iter()
        .filter(|k| !table.contains(k))
        .map(|(m, p)| format!("{m} {p}"))
        .collect()
}

#[test]
fn the_source_parser_finds_routes_split_over_lines_and_chained_methods() {
    let src = r#"
        Router::new()
            .route("/a", get(x::a).post(x::b))
            .route(
                "/b/{id}",
                get(changes::confirm_delete).post(changes::delete_place),
            )
            .route("/c/{id}", put(update_c).delete(delete_c))
            .route("/d", axum::routing::delete(delete_d))
    "#;
    let got: BTreeSet<_> = routes_in_source(src, "/p").into_iter().collect();
    let want: BTreeSet<_> = [
        ("GET", "/p/a"),
        ("POST", "/p/a"),
        ("GET", "/p/b/{id}"),
        ("POST", "/p/b/{id}"),
        ("PUT", "/p/c/{id}"),
        ("DELETE", "/p/c/{id}"),
        ("DELETE", "/p/d"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn every_route_and_every_openapi_operation_has_a_line_in_the_table() {
    let doc = serde_json::to_value(<wholeplace_web::api::ApiDoc as utoipa::OpenApi>::openapi())
        .expect("the OpenAPI document serialises");
    let mut routes = router_routes();
    routes.extend(openapi_operations(wholeplace_web::api::document()));
    assert!(
        routes.len() > 100,
        "the source parser found only {} routes",
        routes.len()
    );
    let missing = missing_from_table(&routes);
    assert!(
        missing.is_empty(),
        "routes in the router with no line in tests/roles.rs ROUTES (say who may use each): {missing:#?}"
    );
    let ops: BTreeSet<(String, String)> = openapi_operations(&doc)
        .into_iter()
        .chain(openapi_operations(wholeplace_web::api::document()))
        .collect();
    assert!(!ops.is_empty());
    let missing = missing_from_table(&ops);
    assert!(
        missing.is_empty(),
        "operations in the OpenAPI document with no line in tests/roles.rs ROUTES: {missing:#?}"
    );
    let stale: Vec<String> = table_routes()
        .into_iter()
        .filter(|k| !routes.contains(k))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "lines in ROUTES for routes the router does not have: {stale:#?}"
    );
}

#[test]
fn the_table_agrees_with_the_service_policy() {
    for row in ROUTES {
        assert_eq!(row.who.len(), 4, "{} {}", row.method, row.route);
        for (i, role) in ROLES.into_iter().enumerate() {
            let expected = row.who.as_bytes()[i] == b'Y';
            let policy = match row.need {
                Open => true,
                Policy(class, access) => policy::allows(role, class, access),
            };
            assert_eq!(
                expected, policy,
                "{} {} ({}) for {role}: the table says {}, the policy {}",
                row.method, row.path, row.route, expected, policy
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The requests.

/// Records made for one caller, so that each role changes and deletes its own.
struct Ids {
    place: i64,
    agency: i64,
    line: i64,
    grant: i64,
    partnership: i64,
    contact: i64,
    appraisal: i64,
    user: i64,
    token: i64,
    family: i64,
    person: i64,
    goal: i64,
    agreement: i64,
    glass: i64,
    rule: i64,
    hold: i64,
    cohort: i64,
    indicator: i64,
    /// An appraisal with a frozen forecast (so the one above can still be deleted).
    snapped: i64,
    snapshot: i64,
    scale: i64,
    survey: i64,
    round: i64,
    survey_token: String,
}

impl Ids {
    fn path(&self, pattern: &str) -> String {
        pattern
            .replace("{place}", &self.place.to_string())
            .replace("{agency}", &self.agency.to_string())
            .replace("{line}", &self.line.to_string())
            .replace("{grant}", &self.grant.to_string())
            .replace("{partnership}", &self.partnership.to_string())
            .replace("{contact}", &self.contact.to_string())
            .replace("{appraisal}", &self.appraisal.to_string())
            .replace("{user}", &self.user.to_string())
            .replace("{token}", &self.token.to_string())
            .replace("{family}", &self.family.to_string())
            .replace("{person}", &self.person.to_string())
            .replace("{agreement}", &self.agreement.to_string())
            .replace("{glass}", &self.glass.to_string())
            .replace("{rule}", &self.rule.to_string())
            .replace("{hold}", &self.hold.to_string())
            .replace("{cohort}", &self.cohort.to_string())
            .replace("{indicator}", &self.indicator.to_string())
            .replace("{snapped}", &self.snapped.to_string())
            .replace("{snapshot}", &self.snapshot.to_string())
            .replace("{scale}", &self.scale.to_string())
            .replace("{survey}", &self.survey.to_string())
            .replace("{round}", &self.round.to_string())
            .replace("{survey_token}", &self.survey_token)
    }
}

/// Makes a place, an agency with a budget line and a grant there, a partnership, a contact, an
/// appraisal and an account for `tag` to use; `owner` is the account whose spare API token the
/// caller may revoke (0 when signed out).
async fn seed(app: &App, tag: &str, owner: Option<&str>) -> Ids {
    let op = Actor::operator();
    let s = &app.service;
    let agency_name = format!("Agency {tag}");
    let agency = s
        .create_agency(&op, &agency_name, "police")
        .await
        .expect("agency");
    let place_name = format!("Place {tag}");
    let place = s
        .create_place(
            &op,
            &PlaceForm {
                name: place_name.clone(),
                level: key("ward"),
                population: "8000".into(),
                ..Default::default()
            },
        )
        .await
        .expect("place");
    s.add_budget_line(
        &op,
        &BudgetForm {
            agency: agency_name.clone(),
            place: place_name,
            service_area: key("social_services"),
            financial_year: "2012/13".into(),
            amount: "1000".into(),
            ..Default::default()
        },
    )
    .await
    .expect("budget line");
    let line = s
        .place_view(&Actor::operator(), place)
        .await
        .expect("place view")
        .lines[0]
        .id;
    let grant = s
        .create_grant(
            &op,
            &NewGrant {
                funder_agency_id: agency,
                title: format!("Grant {tag}"),
                purpose: String::new(),
                amount: wholeplace_domain::Money::from_pence(100_000),
                start_year: fy(2012),
                end_year: fy(2013),
                conditions: String::new(),
                recipient_ids: vec![agency],
                place_ids: vec![place],
            },
        )
        .await
        .expect("grant");
    s.set_grant_publisher(
        &op,
        &wholeplace_service::PublisherForm {
            prefix: "360G-roles".into(),
            name: "Roles partnership".into(),
            licence: wholeplace_service::LICENCES[0].0.into(),
            ..Default::default()
        },
    )
    .await
    .expect("publisher");
    let partnership = s
        .create_partnership(
            &op,
            &format!("Partnership {tag}"),
            "",
            "",
            &[agency],
            &[place],
        )
        .await
        .expect("partnership");
    let contact = s
        .create_contact(
            &op,
            &ContactForm {
                agency_id: agency.to_string(),
                name: format!("Contact {tag}"),
                ..Default::default()
            },
        )
        .await
        .expect("contact");
    let appraisal = s
        .create_appraisal_from_text(&op, "", EXAMPLE)
        .await
        .expect("appraisal");
    let (user, _) = s
        .create_user(
            &op,
            &NewUserForm {
                username: format!("target-{tag}"),
                display_name: format!("Target {tag}"),
                role: "viewer".into(),
                agency_ids: vec![agency],
            },
        )
        .await
        .expect("user");
    // A family the caller's agency works with, an
    // agreement to withdraw and an emergency access to review.
    let family = s
        .create_family(
            &op,
            &wholeplace_service::HouseholdForm {
                name: format!("Family {tag}"),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let person = s
        .add_family_member(
            &op,
            family,
            &wholeplace_service::PersonForm {
                given_name: "Alex".into(),
                family_name: format!("Role {tag}"),
                relationship: "parent".into(),
                ..Default::default()
            },
        )
        .await
        .expect("member");
    let involved = match owner {
        Some(name) => app
            .user_named(name)
            .await
            .agencies
            .first()
            .map_or(agency, |a| a.id),
        None => agency,
    };
    s.add_involvement_for_agency(
        &op,
        family,
        involved,
        &wholeplace_service::InvolvementForm {
            person_id: person.to_string(),
            service: "Support".into(),
            need: "parenting".into(),
            class: "social_care".into(),
            started_on: "2026-01-05".into(),
            units_per_year: "1".into(),
            ..Default::default()
        },
    )
    .await
    .expect("involvement");
    let goal = app
        .store
        .add_goal(
            family,
            &wholeplace_store::NewGoal {
                goal: format!("Goal {tag}"),
                worries: String::new(),
                strengths: String::new(),
                next_steps: String::new(),
                score: 2,
                owner_agency_id: involved,
                review_on: "2027-03-01".into(),
            },
            &app.service_event("family.plan"),
        )
        .await
        .expect("goal");
    let agreement = s
        .create_agreement(
            &op,
            &wholeplace_service::AgreementForm {
                title: format!("Agreement {tag}"),
                parties: vec![
                    agency.to_string(),
                    s.create_agency(&op, &format!("Partner {tag}"), "police")
                        .await
                        .expect("partner")
                        .to_string(),
                ],
                classes: vec!["identity".into()],
                purposes: vec!["early_help".into()],
                basis: "public_task".into(),
                starts_on: "2026-01-01".into(),
                review_on: "2026-06-01".into(),
                expires_on: "2027-01-01".into(),
                signatories: "Signed".into(),
                ..Default::default()
            },
        )
        .await
        .expect("agreement");
    let glass = app
        .store
        .record_break_glass(
            app.user_named("admin").await.id,
            family,
            "A reason long enough to be recorded",
            &app.service_event("family.break_glass"),
        )
        .await
        .expect("emergency access");
    let rule = s
        .set_retention_rule(
            &op,
            &wholeplace_service::RetentionRuleForm {
                class: "identity".into(),
                agreement_id: agreement.to_string(),
                keep_years: "6".into(),
            },
        )
        .await
        .expect("retention rule");
    let hold = s
        .set_legal_hold(
            &op,
            &wholeplace_service::LegalHoldForm {
                household_id: family.to_string(),
                reason: format!("Proceedings {tag}"),
            },
        )
        .await
        .expect("legal hold");
    let cohort = s
        .create_cohort(
            &op,
            &wholeplace_service::CohortForm {
                name: format!("Cohort {tag}"),
                ..Default::default()
            },
        )
        .await
        .expect("cohort");
    let token = match owner {
        Some(name) => {
            let me = Actor::user(app.user_named(name).await, "test", None);
            s.create_api_token(&me, "spare").await.expect("token");
            s.list_api_tokens(&me)
                .await
                .expect("tokens")
                .into_iter()
                .find(|t| t.name == "spare")
                .expect("the spare token")
                .id
                .get()
        }
        None => 0,
    };
    let indicator = s
        .create_indicator(
            &op,
            &wholeplace_service::IndicatorForm {
                name: format!("Indicator {tag}"),
                definition: "Counted".into(),
                unit: "count".into(),
                polarity: "lower".into(),
                source: "Local".into(),
                geography: "ward".into(),
                ..Default::default()
            },
        )
        .await
        .expect("indicator");
    let snapped = s
        .create_appraisal_from_text(&op, "", EXAMPLE)
        .await
        .expect("appraisal");
    let snapshot = s
        .create_snapshot(
            &op,
            snapped,
            &wholeplace_service::realised::SnapshotForm {
                approval: format!("Board {tag}"),
                approved_on: "2026-11-30".into(),
                ..Default::default()
            },
        )
        .await
        .expect("snapshot");
    let scale = s
        .create_scale(
            &op,
            &wholeplace_service::ScaleForm {
                name: format!("Scale {tag}"),
                high: "5".into(),
                anchors: "Low\nHigh".into(),
                ..Default::default()
            },
        )
        .await
        .expect("scale");
    s.register_wemwbs(
        &op,
        &wholeplace_service::RegistrationForm {
            registered_by: "Partnership".into(),
            registered_on: "2024-04-01".into(),
            licence_reference: "REF-1".into(),
        },
    )
    .await
    .expect("registration");
    let survey = s
        .create_survey(
            &op,
            &wholeplace_service::SurveyForm {
                place: place.to_string(),
                name: format!("Survey {tag}"),
                ..Default::default()
            },
        )
        .await
        .expect("survey");
    let round = s
        .create_survey_round(
            &op,
            survey,
            &wholeplace_service::RoundForm {
                label: "Always".into(),
                opens_on: "2020-01-01".into(),
                closes_on: "2099-12-31".into(),
                ..Default::default()
            },
        )
        .await
        .expect("round");
    let survey_token = s
        .survey_report(&op, survey)
        .await
        .expect("survey report")
        .rounds
        .into_iter()
        .find(|r| r.round.id == round)
        .expect("the round")
        .round
        .token;
    Ids {
        snapped: snapped.get(),
        snapshot: snapshot.get(),
        scale: scale.get(),
        survey: survey.get(),
        round: round.get(),
        survey_token,
        indicator: indicator.get(),
        place: place.get(),
        agency: agency.get(),
        line: line.get(),
        grant: grant.get(),
        partnership: partnership.get(),
        contact: contact.get(),
        appraisal: appraisal.get(),
        user: user.id.get(),
        token,
        family: family.get(),
        person: person.get(),
        goal: goal.get(),
        agreement: agreement.get(),
        glass: glass.get(),
        rule: rule.get(),
        hold: hold.get(),
        cohort: cohort.get(),
    }
}

/// One caller: signed in as a role (with a browser and an API token made on the account page),
/// or signed out.
struct Caller {
    name: String,
    role: Option<Role>,
    browser: Option<Browser>,
    token: Option<String>,
    ids: Ids,
}

async fn send(
    app: &App,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Resp {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path);
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    app.send(b.body(Body::from(body)).expect("request")).await
}

/// A body that keeps the API's contract (the API reads its JSON before any use case, so a body
/// that breaks the contract is a 422 for every role): a refused role then meets the policy's 403.
fn api_body(route: &str, ids: &Ids, tag: &str) -> String {
    let v = match route.trim_end_matches("/{id}") {
        "/api/v1/agencies" => {
            serde_json::json!({"name": format!("Role agency {tag}"), "kind": "police"})
        }
        "/api/v1/places" => {
            serde_json::json!({"name": format!("Role place {tag}"), "level": "estate"})
        }
        "/api/v1/agencies/{id}/identifiers" => {
            serde_json::json!({"identifiers": ["GB-CHC-1234567"]})
        }
        "/api/v1/grants/publisher" => serde_json::json!({
            "prefix": "360G-roles", "name": format!("Publisher {tag}"),
            "licence": "https://creativecommons.org/licenses/by/4.0/"
        }),
        "/api/v1/budget-lines" => serde_json::json!({
            "agency": ids.agency.to_string(), "place": ids.place.to_string(),
            "service_area": "health", "financial_year": "2024/25", "amount": "10.00"
        }),
        "/api/v1/contacts" => {
            serde_json::json!({"agency_id": ids.agency, "name": format!("Sam {tag}")})
        }
        "/api/v1/indicators" => serde_json::json!({
            "name": format!("Indicator {tag} new"), "definition": "Counted", "unit": "count",
            "polarity": "lower", "source": "Local", "geography": "ward"
        }),
        "/api/v1/indicators/{id}/figures" => serde_json::json!({
            "place": ids.place.to_string(), "period": format!("p-{tag}"), "value": "7"
        }),
        "/api/v1/appraisals/{id}/snapshots" => serde_json::json!({
            "approval": format!("Board {tag}"), "approved_on": "2026-11-30"
        }),
        "/api/v1/snapshots/{id}/outcomes" => serde_json::json!({
            "outcomes": [{"line": 0, "year": 1, "value": 3.5}]
        }),
        "/api/v1/indicators/{id}/targets" => serde_json::json!({
            "place": ids.place.to_string(), "baseline_value": "10", "baseline_period": "2011",
            "baseline_source": "Records", "target_value": "8",
            "target_date": format!("2030-01-{:02}", 1 + tag.len() % 28), "owner": "Team",
            "tolerance": "1"
        }),
        "/api/v1/scales" => serde_json::json!({
            "name": format!("Scale {tag} new"), "high": 5, "anchors": ["Low", "High"]
        }),
        "/api/v1/scales/{id}/readings" => {
            serde_json::json!({"person_id": ids.person, "taken_on": "2024-05-01", "score": 3})
        }
        "/api/v1/wellbeing/ons4" => serde_json::json!({
            "person_id": ids.person, "taken_on": "2024-05-01", "life_satisfaction": 7,
            "worthwhile": 8, "happiness": 6, "anxiety": 2
        }),
        "/api/v1/wellbeing/wemwbs" => serde_json::json!({
            "scale": "swemwbs", "person_id": ids.person, "taken_on": "2024-05-01",
            "items": [3, 3, 4, 4, 3, 2, 5]
        }),
        "/api/v1/surveys" => serde_json::json!({
            "place": ids.place.to_string(), "name": format!("Survey {tag} new")
        }),
        "/api/v1/surveys/{id}/rounds" => serde_json::json!({
            "label": format!("Round {tag}"), "opens_on": "2024-03-01", "closes_on": "2024-04-30"
        }),
        "/api/v1/survey-rounds/{id}/responses" => {
            serde_json::json!({"received_on": "2024-03-14", "scores": [4, 5, null, 3, 6, 2, 4, 4, 5, 5, 6, 3, 4, 2]})
        }
        "/api/v1/projects" => serde_json::json!({
            "partnership_id": ids.partnership, "name": format!("Pilot {tag}"), "theme": "housing"
        }),
        "/api/v1/appraisals" => serde_json::json!({"model_toml": EXAMPLE}),
        "/api/v1/families/{id}/involvements" => serde_json::json!({
            "person_id": ids.person, "service": format!("Support {tag}"), "need": "parenting",
            "class_of_data": "social_care", "started_on": "2026-01-05", "units_per_year": "1"
        }),
        "/api/v1/families/{id}/events" => serde_json::json!({
            "summary": format!("Home visit {tag}"), "class_of_data": "social_care"
        }),
        "/api/v1/families/{id}/goals" => serde_json::json!({
            "goal": format!("Goal {tag}"), "score": 3, "review_on": "2027-03-01"
        }),
        "/api/v1/families/{id}/plan" => serde_json::json!({"goal_id": ids.goal, "score": 4}),
        "/api/v1/families/{id}/break-glass" => {
            serde_json::json!({"reason": "A reason long enough to be recorded"})
        }
        "/api/v1/cohorts" => serde_json::json!({"name": format!("Role cohort {tag}")}),
        "/api/v1/extracts" => serde_json::json!({
            "agency_id": ids.agency, "data_class": "identity",
            "csv": "record_id,first_name,surname\np1,Ann,Lee\n"
        }),
        "/api/v1/linkage/review" => serde_json::json!({"decision": "accept"}),
        "/api/v1/linkage/settings" => {
            serde_json::json!({"lower_percent": "50", "upper_percent": "95"})
        }
        "/api/v1/linkage/people/{id}/merge" => {
            serde_json::json!({"other_person_id": 1, "reason": "Same NHS number"})
        }
        "/api/v1/linkage/people/{id}/split" => {
            serde_json::json!({"record_ids": [1], "reason": "Different people"})
        }
        "/api/v1/break-glass/{id}/review" => serde_json::json!({"finding": "Justified"}),
        "/api/v1/sharing-agreements" => serde_json::json!({
            "title": format!("Role agreement {tag}"), "party_ids": [ids.agency, ids.agency + 1],
            "classes": ["identity"], "purposes": ["early_help"], "basis": "public_task",
            "starts_on": "2026-01-01", "review_on": "2026-06-01", "expires_on": "2027-01-01",
            "signatories": "Signed"
        }),
        _ => return INVALID_JSON.to_owned(),
    };
    v.to_string()
}

/// Makes the row's request as the caller: pages with the session cookie and, for forms, its
/// form token and nothing else; the API with the bearer token and a body no use case accepts.
async fn request(app: &App, c: &Caller, row: &Row) -> Resp {
    let path = c.ids.path(row.path);
    if row.route == "/sign-in" && row.method == "POST" {
        return app
            .submit_sign_in(&format!("nobody-{}", c.name), "wrong password")
            .await;
    }
    if is_api(row.route) {
        let mut headers = Vec::new();
        if let Some(t) = &c.token {
            headers.push((header::AUTHORIZATION.as_str(), format!("Bearer {t}")));
        }
        let body = if matches!(row.method, "POST" | "PUT") {
            headers.push((header::CONTENT_TYPE.as_str(), "application/json".to_owned()));
            api_body(row.route, &c.ids, &c.name).into_bytes()
        } else {
            Vec::new()
        };
        return send(app, row.method, &path, &headers, body).await;
    }
    let browser = if row.route == "/sign-out" {
        // Sign out a session of its own, so the caller's stays.
        match c.browser {
            Some(_) => Some(app.sign_in(&c.name, common::PASSWORD).await),
            None => None,
        }
    } else {
        c.browser.clone()
    };
    if let (Some(b), "/sign-out") = (&browser, row.route) {
        let res = app.post_as(b, "/sign-out", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let after = app.get_as(b, "/account").await;
        assert!(
            after.status == StatusCode::SEE_OTHER && after.location().starts_with("/sign-in"),
            "{} is signed out",
            c.name
        );
        // Signing out sends you to the sign-in page: report it as the allowed outcome.
        return Resp {
            status: StatusCode::NO_CONTENT,
            ..res
        };
    }
    let mut headers = Vec::new();
    if let Some(b) = &browser {
        headers.push((header::COOKIE.as_str(), b.cookie()));
    }
    if row.method == "GET" {
        return send(app, "GET", &path, &headers, Vec::new()).await;
    }
    let csrf = browser.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
    let (content_type, body) = if MULTIPART.contains(&row.route) {
        multipart(&[("csrf_token", None, csrf.as_bytes())])
    } else {
        (
            "application/x-www-form-urlencoded".to_owned(),
            serde_urlencoded::to_string([("csrf_token", csrf.as_str())])
                .expect("form")
                .into_bytes(),
        )
    };
    headers.push((header::CONTENT_TYPE.as_str(), content_type));
    send(app, row.method, &path, &headers, body).await
}

/// Requests that change or delete go after the reads, and deletes last, so each read sees the
/// caller's records.
fn order(row: &Row) -> u8 {
    let deletes = row.method == "DELETE" || row.route.ends_with("/delete");
    match (row.method, deletes) {
        ("GET", _) => 0,
        (_, false) => 1,
        (_, true) => 2,
    }
}

async fn refusals(app: &App, name: &str) -> usize {
    app.audit()
        .await
        .iter()
        .filter(|e| !e.event.allowed && e.event.actor == name)
        .count()
}

async fn every_role_gets_what_the_policy_says_on_every_route(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let mut callers = Vec::new();
    let signed_out = seed(&app, "signed-out", None).await;
    callers.push(Caller {
        name: "signed-out".into(),
        role: None,
        browser: None,
        token: None,
        ids: signed_out,
    });
    for role in ROLES {
        let name = format!("the-{role}");
        let browser = app.user(&name, role.as_str()).await;
        let made = app
            .post_as(&browser, "/account/tokens", &[("token_name", "roles test")])
            .await;
        let token = mono(&made.body).unwrap_or_else(|| panic!("a token for {role}: {}", made.body));
        let ids = seed(&app, role.as_str(), Some(&name)).await;
        callers.push(Caller {
            name,
            role: Some(role),
            browser: Some(browser),
            token: Some(token),
            ids,
        });
    }

    let mut rows: Vec<&Row> = ROUTES.iter().collect();
    rows.sort_by_key(|r| order(r));
    let mut failures = Vec::new();
    for c in &callers {
        for row in &rows {
            let path = c.ids.path(row.path);
            let allowed = match c.role {
                None => matches!(row.need, Open),
                Some(role) => {
                    let i = ROLES.iter().position(|r| *r == role).expect("role");
                    row.who.as_bytes()[i] == b'Y'
                }
            };
            let before = if allowed || c.role.is_none() {
                0
            } else {
                refusals(&app, &c.name).await
            };
            let res = request(&app, c, row).await;
            let got = res.status;
            let what = format!("{} {} as {}", row.method, path, c.name);
            let sign_in = got == StatusCode::SEE_OTHER && res.location().starts_with("/sign-in");
            if got.is_server_error() {
                failures.push(format!("{what}: {got} (a server error)"));
                continue;
            }
            if allowed {
                let ok = if row.method == "GET" {
                    got == StatusCode::OK || (got == StatusCode::SEE_OTHER && !sign_in)
                } else if row.route == "/sign-in" {
                    got == StatusCode::BAD_REQUEST
                        || got == StatusCode::UNAUTHORIZED
                        || got == StatusCode::OK
                } else {
                    !matches!(
                        got,
                        StatusCode::UNAUTHORIZED
                            | StatusCode::FORBIDDEN
                            | StatusCode::METHOD_NOT_ALLOWED
                    ) && !sign_in
                };
                if !ok {
                    failures.push(format!(
                        "{what}: expected allowed, got {got} {} {}",
                        res.location(),
                        snippet(&res.body)
                    ));
                }
            } else if c.role.is_none() {
                let ok = if is_api(row.route) {
                    got == StatusCode::UNAUTHORIZED
                } else {
                    sign_in
                };
                if !ok {
                    failures.push(format!(
                        "{what}: expected the sign-in page (or 401 from the API), got {got} {}",
                        res.location()
                    ));
                }
            } else {
                let refused_by_role = got == StatusCode::FORBIDDEN
                    && if is_api(row.route) {
                        res.body.contains("\"forbidden\"")
                    } else {
                        res.body.contains("You do not have permission")
                    };
                if !refused_by_role {
                    failures.push(format!(
                        "{what}: expected 403 (refused by role), got {got} {} {}",
                        res.location(),
                        snippet(&res.body)
                    ));
                } else if refusals(&app, &c.name).await <= before {
                    failures.push(format!("{what}: refused but the refusal is not audited"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} requests did not get what the table says:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Every form posted without the session's token is refused before any use case runs, by
    // the administrator (who may do everything) as much as by anyone.
    let admin = callers.last().expect("the administrator");
    let cookie = admin.browser.as_ref().expect("a browser").cookie();
    let before = app.audit().await.len();
    for row in ROUTES.iter().filter(|r| {
        r.method == "POST" && !is_api(r.route) && r.route != "/sign-in" && !matches!(r.need, Open)
    }) {
        let path = admin.ids.path(row.path);
        let (content_type, body) = if MULTIPART.contains(&row.route) {
            multipart(&[("csrf_token", None, b"stale".as_slice())])
        } else {
            (
                "application/x-www-form-urlencoded".to_owned(),
                b"csrf_token=stale".to_vec(),
            )
        };
        let headers = [
            (header::COOKIE.as_str(), cookie.clone()),
            (header::CONTENT_TYPE.as_str(), content_type),
        ];
        let res = send(&app, "POST", &path, &headers, body).await;
        assert!(
            res.status == StatusCode::FORBIDDEN && res.body.contains("This form has expired"),
            "POST {path} with a stale form token: {} {}",
            res.status,
            snippet(&res.body)
        );
    }
    assert_eq!(
        app.audit().await.len(),
        before,
        "a refused form changes nothing"
    );

    // Personal data read by those allowed is still recorded, as before.
    let reads = app
        .audit()
        .await
        .iter()
        .filter(|e| {
            e.event.allowed
                && e.event.actor == "the-practitioner"
                && matches!(e.event.action.as_str(), "contact.list" | "dataset.export")
        })
        .count();
    assert!(
        reads >= 4,
        "the practitioner's reads of contacts and exports are audited ({reads})"
    );

    // The data page offers each role only the exports it may have.
    let by = |role: Role| {
        callers
            .iter()
            .find(|c| c.role == Some(role))
            .and_then(|c| c.browser.clone())
            .expect("a browser")
    };
    let viewer_data = app.get_as(&by(Role::Viewer), "/data").await;
    assert!(
        viewer_data.body.contains("/data/agencies.csv")
            && !viewer_data.body.contains("/data/contacts.csv")
            && !viewer_data.body.contains("/data/everything.xlsx")
            && viewer_data.body.contains("/about/roles"),
        "{}",
        viewer_data.body
    );
    let practitioner_data = app.get_as(&by(Role::Practitioner), "/data").await;
    assert!(
        practitioner_data.body.contains("/data/contacts.csv")
            && practitioner_data.body.contains("/data/everything.xlsx"),
        "{}",
        practitioner_data.body
    );

    // The OpenAPI document served is the one checked for completeness.
    let served = app.get_bearer("/api/v1/openapi.json", None).await;
    assert_eq!(served.status, StatusCode::OK);
    let missing = missing_from_table(&openapi_operations(&served.json()));
    assert!(missing.is_empty(), "{missing:?}");

    // The about page shows the table the service enforces.
    let about = app.get("/about/roles", None).await;
    assert_eq!(about.status, StatusCode::OK);
    assert!(about.body.contains("govuk-table"), "{}", about.body);
    for class in DataClass::ALL {
        assert!(
            about.body.contains(&askama_escape(class.name())),
            "{} on the page",
            class.name()
        );
    }
    let row = common::between(&about.body, ">Personal data</th>", "</tr>")
        .expect("the personal data row");
    let cells: Vec<&str> = row
        .split("<td class=\"govuk-table__cell\">")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap_or(""))
        .collect();
    assert_eq!(
        cells,
        ["read", "No", "Yes", "Yes", "Yes"],
        "viewer, practitioner, analyst, administrator"
    );
    assert!(
        about.body.find(">viewer<") < about.body.find(">administrator<"),
        "roles least trusted first"
    );
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('\'', "&#39;")
        .replace('"', "&quot;")
}

fn snippet(body: &str) -> String {
    let text =
        common::between(body, "<h1", "</h1>").unwrap_or_else(|| body.chars().take(200).collect());
    text.replace('\n', " ")
}

/// A vocabulary key (place level, agency kind, service area) for a test's records.
fn key<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("a key of its vocabulary")
}

/// A financial year for a test's records, by its start year.
fn fy(start_year: i32) -> wholeplace_domain::FinancialYear {
    wholeplace_domain::FinancialYear::new(start_year).expect("a financial year")
}
