//! The web front end: server-rendered pages (askama templates with GOV.UK Frontend's classes,
//! without GOV.UK branding) and the `/api/v1` JSON API. Handlers only translate between HTTP and
//! the service layer: they authenticate the caller and call `wholeplace-service`, which decides
//! what is allowed and records it. This crate never touches SQL.

pub mod api;
mod appraisals;
mod auth;
mod changes;
mod charts;
mod edge;
mod error;
mod fields;
mod form;
mod layout;
mod page;
mod pages;
mod partners;
mod places;
mod roles;
mod security;

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
fn pages_router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/sign-in", get(pages::sign_in_page).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/account", get(pages::account))
        .route(
            "/account/password",
            get(pages::password_page).post(pages::change_password),
        )
        .route("/account/tokens", post(pages::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/account/sessions/{id}/revoke", post(pages::revoke_session))
        .route("/users", get(pages::users).post(pages::create_user))
        .route("/users/new", get(pages::new_user_page))
        .route("/users/{id}", get(pages::show_user))
        .route("/users/{id}/disable", post(pages::disable_user))
        .route("/users/{id}/enable", post(pages::enable_user))
        .route("/users/{id}/reset-password", post(pages::reset_password))
        .route("/places", get(places::list).post(places::create_place))
        .route("/places/new", get(places::new_place))
        .route(
            "/places/import-local-authorities",
            post(places::import_local_authorities),
        )
        .route("/places/{id}", get(places::show))
        .route(
            "/places/{id}/edit",
            get(changes::edit_place).post(changes::save_place),
        )
        .route(
            "/places/{id}/relations",
            get(changes::new_relation).post(changes::create_relation),
        )
        .route(
            "/places/{id}/coverage",
            get(changes::new_coverage).post(changes::create_coverage),
        )
        .route(
            "/places/{id}/delete",
            get(changes::confirm_delete_place).post(changes::delete_place),
        )
        .route(
            "/agencies/{id}/edit",
            get(changes::edit_agency).post(changes::save_agency),
        )
        .route(
            "/agencies/{id}/delete",
            get(changes::confirm_delete_agency).post(changes::delete_agency),
        )
        .route(
            "/budget-lines/{id}/edit",
            get(changes::edit_budget_line).post(changes::save_budget_line),
        )
        .route(
            "/budget-lines/{id}/delete",
            get(changes::confirm_delete_budget_line).post(changes::delete_budget_line),
        )
        .route("/grants", post(changes::create_grant))
        .route("/grants/new", get(changes::new_grant))
        .route(
            "/grants/{id}/change",
            get(changes::new_grant_change).post(changes::create_grant_change),
        )
        .route("/partnerships", post(changes::create_partnership))
        .route("/partnerships/new", get(changes::new_partnership))
        .route(
            "/partnerships/{id}/edit",
            get(changes::edit_partnership).post(changes::save_partnership),
        )
        .route(
            "/grants/{id}/edit",
            get(changes::edit_grant).post(changes::save_grant),
        )
        .route(
            "/grants/{id}/delete",
            get(changes::confirm_delete_grant).post(changes::delete_grant),
        )
        .route("/places/{id}/budget-lines.csv", get(places::lines_csv))
        .route("/places/{id}/budget-lines.xlsx", get(places::lines_xlsx))
        .route("/budget-lines", post(places::create_budget_line))
        .route("/budget-lines/new", get(places::new_budget_line))
        .route(
            "/agencies",
            get(places::agencies).post(places::create_agency),
        )
        .route("/funding", get(places::funding))
        .route(
            "/contacts",
            get(partners::contacts).post(partners::create_contact),
        )
        .route(
            "/contacts/{id}/delete",
            get(partners::confirm_delete_contact).post(partners::delete_contact),
        )
        .route(
            "/projects",
            get(partners::projects).post(partners::create_project),
        )
        .route("/data", get(partners::data))
        .route("/data/import", post(partners::import))
        .route("/data/{file}", get(partners::export_file))
        .route("/grants.csv", get(places::grants_csv))
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
        .route("/appraisals/{id}/{file}", get(appraisals::download))
        .route("/unit-costs", get(appraisals::unit_costs))
        .route("/unit-costs/{code}", get(appraisals::unit_cost))
        .route("/audit", get(pages::audit))
        .route("/audit.csv", get(pages::audit_csv))
        .route("/about/data", get(pages::about_data))
        .route("/about/accessibility", get(pages::about_accessibility))
        .route("/about/roles", get(roles::about_roles))
        .route("/healthz", get(pages::healthz))
        .route("/static/app.js", get(pages::app_js))
        .route("/static/favicon.svg", get(pages::favicon))
}

/// The whole application: pages, API, assets, health and security headers.
pub fn router(state: AppState) -> Router {
    let assets = tower_http::services::ServeDir::new(&state.config.assets_dir);
    layout::set_asset_version(&state.config.assets_dir);
    let hsts = state.config.secure_cookies;
    let app = pages_router()
        .method_not_allowed_fallback(pages::method_not_allowed)
        .nest("/api/v1", api::router())
        .nest_service(
            "/assets",
            Router::new()
                .fallback_service(assets)
                .layer(axum::middleware::from_fn(security::asset_caching)),
        )
        .fallback(pages::not_found)
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
