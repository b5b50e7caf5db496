//! The web front end: server-rendered pages (askama templates with GOV.UK Frontend's classes,
//! without GOV.UK branding) and the `/api/v1` JSON API. Handlers only translate between HTTP and
//! the service layer: they authenticate the caller and call `wholeplace-service`, which decides
//! what is allowed and records it. This crate never touches SQL.

mod accounts;
mod agencies;
pub mod api;
mod appraisals;
mod audit;
mod auth;
mod budget;
mod cohorts;
mod contacts;
mod corrections;
mod data;
mod edge;
mod error;
mod families;
mod family_records;
mod fields;
mod form;
mod grants;
mod layout;
mod linking;
mod needs;
mod outcomes;
mod page;
mod partnerships;
mod places;
mod projects;
mod realised;
mod retention;
mod roles;
mod security;
mod sharing;
mod site;
mod soft_outcomes;
mod surveys;

use axum::Router;
use axum::routing::{get, post};
use std::path::PathBuf;
use std::sync::Arc;
use wholeplace_service::Service;

pub use auth::SESSION_COOKIE;
/// The form-body extractor, public so that `wholeplace-fuzz` can drive it with hostile bodies.
pub use form::FormFields;

/// Settings of the web front end.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Folder with the built stylesheet and GOV.UK Frontend's script and images (served at /assets).
    pub assets_dir: PathBuf,
    /// Mark cookies `Secure` (when the service is reached over HTTPS).
    pub secure_cookies: bool,
    /// Show the "demonstration data" banner.
    pub demo: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The service layer.
    pub service: Service,
    /// Web settings.
    pub config: Arc<WebConfig>,
}

/// Every page's route (the API is nested under `/api/v1` by [`router`]).
/// Families' records, the sharing agreements and the privacy officer's queue.
fn families_router() -> Router<AppState> {
    Router::new()
        .route(
            "/families",
            get(families::families).post(families::create_family),
        )
        .route("/families/{id}", get(families::family))
        .route("/families/{id}/members", post(families::add_member))
        .route("/families/{id}/goals", post(families::add_goal))
        .route(
            "/people/{id}/subject-access.json",
            get(families::subject_access),
        )
        .route("/families/{id}/plan", post(families::update_plan))
        .route(
            "/families/{id}/involvements",
            post(families::add_involvement),
        )
        .route(
            "/families/{id}/involvements.csv",
            get(families::involvements_csv),
        )
        .route("/families/{id}/family.xlsx", get(families::family_xlsx))
        .route("/needs", get(needs::needs).post(needs::set_need))
        .merge(outcomes_router())
        .merge(soft_outcomes_router())
        .route(
            "/families/{id}/records/{kind}",
            get(family_records::record_form).post(family_records::save_record),
        )
        .route(
            "/families/{id}/break-glass",
            get(families::new_break_glass).post(families::break_glass),
        )
        .route(
            "/sharing",
            get(sharing::sharing).post(sharing::create_agreement),
        )
        .route("/sharing/new", get(sharing::new_agreement))
        .route("/sharing/{id}/withdraw", post(sharing::withdraw_agreement))
        .route("/privacy", get(sharing::privacy))
        .route("/privacy/{id}/review", post(sharing::review))
}

/// Cohorts: finding the families to work with, their scores, and the appraisal from a cohort.
fn cohorts_router() -> Router<AppState> {
    Router::new()
        .route(
            "/cohorts",
            get(cohorts::cohorts).post(cohorts::create_cohort),
        )
        .route("/cohorts/{id}", get(cohorts::cohort))
        .route(
            "/cohorts/{id}/edit",
            get(cohorts::edit_cohort).post(cohorts::update_cohort),
        )
        .route(
            "/cohorts/{id}/delete",
            get(cohorts::confirm_delete_cohort).post(cohorts::delete_cohort),
        )
        .route("/cohorts/{id}/appraisal", post(cohorts::start_appraisal))
}

/// Outcomes: indicators, their figures, targets and the exports.
fn soft_outcomes_router() -> Router<AppState> {
    Router::new()
        .route(
            "/soft-outcomes",
            get(soft_outcomes::soft_outcomes).post(soft_outcomes::create_scale),
        )
        .route(
            "/soft-outcomes/scales/{id}",
            get(soft_outcomes::scale).post(soft_outcomes::add_reading),
        )
        .route(
            "/soft-outcomes/ons4",
            get(soft_outcomes::ons4).post(soft_outcomes::add_ons4),
        )
        .route(
            "/soft-outcomes/ons4/published",
            post(soft_outcomes::add_published),
        )
        .route(
            "/soft-outcomes/wemwbs",
            get(soft_outcomes::wemwbs).post(soft_outcomes::add_wemwbs),
        )
        .route("/soft-outcomes/wemwbs.csv", get(soft_outcomes::wemwbs_csv))
        .route(
            "/soft-outcomes/wemwbs.xlsx",
            get(soft_outcomes::wemwbs_xlsx),
        )
        .route(
            "/soft-outcomes/wemwbs/registration",
            get(soft_outcomes::registration).post(soft_outcomes::register),
        )
        .route(
            "/soft-outcomes/star",
            get(soft_outcomes::star).post(soft_outcomes::star_import),
        )
        .route(
            "/surveys",
            get(surveys::surveys).post(surveys::create_survey),
        )
        .route("/surveys/{id}", get(surveys::survey))
        .route("/surveys/{id}/rounds", post(surveys::create_round))
        .route(
            "/surveys/{id}/rounds/{round}/paper",
            get(surveys::paper).post(surveys::add_paper),
        )
        .route(
            "/survey/{token}",
            get(surveys::public).post(surveys::respond),
        )
}

fn outcomes_router() -> Router<AppState> {
    Router::new()
        .route(
            "/outcomes",
            get(outcomes::outcomes).post(outcomes::create_indicator),
        )
        .route("/outcomes.xlsx", get(outcomes::outcomes_xlsx))
        .route("/outcomes.json", get(outcomes::outcomes_json))
        .route("/outcomes/indicators.csv", get(outcomes::indicators_csv))
        .route("/outcomes/figures.csv", get(outcomes::figures_csv))
        .route("/outcomes/targets.csv", get(outcomes::targets_csv))
        .route("/outcomes/{id}", get(outcomes::indicator))
        .route(
            "/outcomes/{id}/figures",
            get(outcomes::figures).post(outcomes::add_figure),
        )
        .route("/outcomes/{id}/import", post(outcomes::import))
        .route(
            "/outcomes/{id}/targets",
            get(outcomes::new_target).post(outcomes::create_target),
        )
}

/// Linkage: agencies' extracts, the linking job, the review band and the review queue.
fn linking_router() -> Router<AppState> {
    Router::new()
        .route("/linking", get(linking::linking))
        .route("/linking/extracts", post(linking::upload_extract))
        .route("/linking/run", post(linking::run))
        .route("/linking/cancel", post(linking::cancel))
        .route("/linking/band", post(linking::band))
        .route("/linking/review", get(linking::review))
        .route("/linking/review/{id}", post(linking::decide))
        .route("/linking/people", get(corrections::find))
        .route("/linking/people/{id}", get(corrections::person))
        .route("/linking/people/{id}/merge", post(corrections::merge))
        .route("/linking/people/{id}/split", post(corrections::split))
        .route("/linking/corrections", get(corrections::corrections))
        .route(
            "/linking/corrections/{id}/confirm",
            post(corrections::confirm),
        )
        .route("/linking/corrections/{id}/undo", post(corrections::undo))
}

/// The privacy officer's retention rules, legal holds and disposal.
fn retention_router() -> Router<AppState> {
    Router::new()
        .route("/privacy/retention", get(retention::retention))
        .route("/privacy/retention/rules", post(retention::set_rule))
        .route(
            "/privacy/retention/rules/{id}/delete",
            post(retention::delete_rule),
        )
        .route("/privacy/retention/holds", post(retention::set_hold))
        .route(
            "/privacy/retention/holds/{id}/lift",
            post(retention::lift_hold),
        )
        .route(
            "/privacy/retention/apply",
            get(retention::confirm_apply).post(retention::apply),
        )
}

/// Signing in and out, one's own account, and the administrator's users.
fn accounts_router() -> Router<AppState> {
    Router::new()
        .route(
            "/sign-in",
            get(accounts::sign_in_page).post(accounts::sign_in),
        )
        .route("/sign-out", post(accounts::sign_out))
        .route("/account", get(accounts::account))
        .route(
            "/account/password",
            get(accounts::password_page).post(accounts::change_password),
        )
        .route("/account/tokens", post(accounts::create_token))
        .route("/account/tokens/{id}/revoke", post(accounts::revoke_token))
        .route(
            "/account/sessions/{id}/revoke",
            post(accounts::revoke_session),
        )
        .route("/users", get(accounts::users).post(accounts::create_user))
        .route("/users/new", get(accounts::new_user_page))
        .route("/users/{id}", get(accounts::show_user))
        .route("/users/{id}/disable", post(accounts::disable_user))
        .route("/users/{id}/enable", post(accounts::enable_user))
        .route("/users/{id}/reset-password", post(accounts::reset_password))
}

fn pages_router() -> Router<AppState> {
    Router::new()
        .route("/", get(site::home))
        .route("/places", get(places::list).post(places::create_place))
        .route("/places/new", get(places::new_place))
        .route(
            "/places/import-local-authorities",
            post(places::import_local_authorities),
        )
        .route("/places/{id}", get(places::show))
        .route(
            "/places/{id}/edit",
            get(places::edit_place).post(places::save_place),
        )
        .route(
            "/places/{id}/relations",
            get(places::new_relation).post(places::create_relation),
        )
        .route(
            "/places/{id}/coverage",
            get(agencies::new_coverage).post(agencies::create_coverage),
        )
        .route(
            "/places/{id}/delete",
            get(places::confirm_delete_place).post(places::delete_place),
        )
        .route(
            "/agencies/{id}/edit",
            get(agencies::edit_agency).post(agencies::save_agency),
        )
        .route(
            "/agencies/{id}/identifiers",
            get(agencies::edit_identifiers).post(agencies::save_identifiers),
        )
        .route(
            "/agencies/{id}/delete",
            get(agencies::confirm_delete_agency).post(agencies::delete_agency),
        )
        .route(
            "/budget-lines/{id}/edit",
            get(budget::edit_budget_line).post(budget::save_budget_line),
        )
        .route(
            "/budget-lines/{id}/delete",
            get(budget::confirm_delete_budget_line).post(budget::delete_budget_line),
        )
        .route("/grants", post(grants::create_grant))
        .route("/grants/new", get(grants::new_grant))
        .route(
            "/grants/{id}/change",
            get(grants::new_grant_change).post(grants::create_grant_change),
        )
        .route("/partnerships", post(partnerships::create_partnership))
        .route("/partnerships/new", get(partnerships::new_partnership))
        .route(
            "/partnerships/{id}/edit",
            get(partnerships::edit_partnership).post(partnerships::save_partnership),
        )
        .route(
            "/grants/{id}/edit",
            get(grants::edit_grant).post(grants::save_grant),
        )
        .route(
            "/grants/{id}/delete",
            get(grants::confirm_delete_grant).post(grants::delete_grant),
        )
        .route("/places/{id}/budget-lines.csv", get(budget::lines_csv))
        .route("/places/{id}/budget-lines.xlsx", get(budget::lines_xlsx))
        .route("/budget-lines", post(budget::create_budget_line))
        .route("/budget-lines/new", get(budget::new_budget_line))
        .route(
            "/agencies",
            get(agencies::agencies).post(agencies::create_agency),
        )
        .route("/funding", get(grants::funding))
        .route(
            "/contacts",
            get(contacts::contacts).post(contacts::create_contact),
        )
        .route(
            "/contacts/{id}/delete",
            get(contacts::confirm_delete_contact).post(contacts::delete_contact),
        )
        .route(
            "/projects",
            get(projects::projects).post(projects::create_project),
        )
        .merge(accounts_router())
        .merge(families_router())
        .merge(retention_router())
        .merge(cohorts_router())
        .merge(linking_router())
        .route("/data", get(data::data))
        .route("/data/import", post(data::import))
        .route("/data/{file}", get(data::export_file))
        .route("/grants.csv", get(grants::grants_csv))
        .route("/grants.json", get(grants::grants_json))
        .route(
            "/funding/publisher",
            get(grants::edit_publisher).post(grants::save_publisher),
        )
        .route("/appraisals", get(appraisals::list).post(appraisals::start))
        .route("/appraisals/new", get(appraisals::new_page))
        .route("/appraisals/upload", post(appraisals::upload))
        .route("/appraisals/template.xlsx", get(appraisals::template))
        .route("/appraisals/{id}", get(appraisals::show))
        .route(
            "/appraisals/{id}/edit",
            get(appraisals::edit).post(appraisals::save),
        )
        .route("/appraisals/{id}/costs/new", get(appraisals::new_cost))
        .route("/appraisals/{id}/costs", post(appraisals::add_cost))
        .route(
            "/appraisals/{id}/outcomes/new",
            get(appraisals::new_outcome),
        )
        .route("/appraisals/{id}/outcomes", post(appraisals::add_outcome))
        .route(
            "/appraisals/{id}/delete",
            get(appraisals::confirm_delete).post(appraisals::delete),
        )
        .route(
            "/appraisals/{id}/snapshots",
            get(realised::snapshots).post(realised::create_snapshot),
        )
        .route(
            "/appraisals/{id}/snapshots/{sid}",
            get(realised::snapshot).post(realised::record_outcomes),
        )
        .route(
            "/appraisals/{id}/snapshots/{sid}/variance.csv",
            get(realised::variance_csv),
        )
        .route("/appraisals/{id}/{file}", get(appraisals::download))
        .route("/unit-costs", get(appraisals::unit_costs))
        .route("/unit-costs/{code}", get(appraisals::unit_cost))
        .route("/audit", get(audit::audit))
        .route("/audit.csv", get(audit::audit_csv))
        .route("/about/data", get(site::about_data))
        .route("/about/accessibility", get(site::about_accessibility))
        .route("/about/roles", get(roles::about_roles))
        .route("/healthz", get(site::healthz))
        .route("/static/app.js", get(site::app_js))
        .route("/static/favicon.svg", get(site::favicon))
}

/// The whole application: pages, API, assets, health and security headers.
pub fn router(state: AppState) -> Router {
    let assets = tower_http::services::ServeDir::new(&state.config.assets_dir);
    layout::set_asset_version(&state.config.assets_dir);
    let hsts = state.config.secure_cookies;
    let app = pages_router()
        .method_not_allowed_fallback(site::method_not_allowed)
        .nest("/api/v1", api::router())
        .nest_service(
            "/assets",
            Router::new()
                .fallback_service(assets)
                .layer(axum::middleware::from_fn(security::asset_caching)),
        )
        .fallback(site::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(edge::MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            edge::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(edge::guard))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state);
    if hsts {
        // Only when the service is reached over HTTPS (the same setting as Secure cookies).
        app.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        app
    }
}
