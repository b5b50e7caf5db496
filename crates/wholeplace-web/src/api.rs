//! The JSON API under `/api/v1`: the same use cases as the pages, for scripts and other systems.
//! Callers authenticate with a personal API token (`Authorization: Bearer wp_...`). Errors come
//! in one envelope: `{"error": {"code": "...", "message": "...", "fields": [...]}}`.
//!
//! The router and the OpenAPI document are made from the same handler annotations
//! (`utoipa-axum`), so no route can be missing from the document; `contract.rs` adds the field
//! rules and the status codes every operation can answer, and checks bodies against the same rules.

use crate::AppState;
use crate::auth::client_address;
use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::ApiJson;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wholeplace_service::{Actor, FieldError, ServiceError};
use wholeplace_service::{BudgetForm, ContactForm, PlaceForm, ProjectForm, pounds_text};
use wholeplace_store::AuditFilter;

mod accounts;
mod agencies;
mod appraisals;
mod audit;
mod budget;
mod cohorts;
mod contacts;
pub mod contract;
mod corrections;
mod families;
mod family_records;
mod grants;
mod linking;
mod needs;
mod outcomes;
mod partnerships;
mod places;
mod projects;
mod realised;
mod sharing;
mod soft_outcomes;
mod surveys;

use self::{agencies::*, budget::*, places::*};

/// Every operation, its route and its documentation from one annotation each.
fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::users))
        .routes(routes!(audit::audit))
        .routes(routes!(needs::needs))
        .routes(routes!(outcomes::indicators, outcomes::create_indicator))
        .routes(routes!(outcomes::indicator))
        .routes(routes!(outcomes::add_figure))
        .routes(routes!(outcomes::create_target))
        .routes(routes!(outcomes::targets))
        .routes(routes!(outcomes::iati))
        .routes(routes!(realised::snapshots, realised::create_snapshot))
        .routes(routes!(realised::snapshot))
        .routes(routes!(realised::record_outcomes))
        .routes(routes!(soft_outcomes::scales, soft_outcomes::create_scale))
        .routes(routes!(soft_outcomes::scale))
        .routes(routes!(soft_outcomes::add_reading))
        .routes(routes!(soft_outcomes::ons4, soft_outcomes::add_ons4))
        .routes(routes!(soft_outcomes::wemwbs, soft_outcomes::add_wemwbs))
        .routes(routes!(surveys::surveys, surveys::create_survey))
        .routes(routes!(surveys::survey))
        .routes(routes!(surveys::create_round))
        .routes(routes!(surveys::add_response))
        .routes(routes!(places::places, places::create_place))
        .routes(routes!(
            places::place,
            places::update_place,
            places::delete_place
        ))
        .routes(routes!(budget::create_budget_line))
        .routes(routes!(
            budget::budget_line,
            budget::update_budget_line,
            budget::delete_budget_line
        ))
        .routes(routes!(
            appraisals::appraisals,
            appraisals::create_appraisal
        ))
        .routes(routes!(
            appraisals::appraisal,
            appraisals::update_appraisal,
            appraisals::delete_appraisal
        ))
        .routes(routes!(appraisals::unit_costs))
        .routes(routes!(agencies::agencies, agencies::create_agency))
        .routes(routes!(
            agencies::agency,
            agencies::update_agency,
            agencies::delete_agency
        ))
        .routes(routes!(agencies::update_identifiers))
        .routes(routes!(grants::grants))
        .routes(routes!(grants::publisher, grants::update_publisher))
        .routes(routes!(grants::package))
        .routes(routes!(grants::delete_grant))
        .routes(routes!(partnerships::partnerships))
        .routes(routes!(contacts::contacts, contacts::create_contact))
        .routes(routes!(contacts::delete_contact))
        .routes(routes!(projects::projects, projects::create_project))
        .routes(routes!(families::families))
        .routes(routes!(families::family))
        .routes(routes!(families::add_involvement))
        .routes(routes!(family_records::add_event))
        .routes(routes!(families::plan, families::update_plan))
        .routes(routes!(families::add_goal))
        .routes(routes!(families::break_glass))
        .routes(routes!(families::subject_access))
        .routes(routes!(sharing::agreements, sharing::create_agreement))
        .routes(routes!(sharing::break_glass_queue))
        .routes(routes!(sharing::review_break_glass))
        .routes(routes!(cohorts::cohorts, cohorts::create_cohort))
        .routes(routes!(
            cohorts::cohort,
            cohorts::update_cohort,
            cohorts::delete_cohort
        ))
        .routes(routes!(cohorts::start_appraisal))
        .routes(routes!(linking::extracts, linking::import_extract))
        .routes(routes!(linking::runs, linking::start_run))
        .routes(routes!(linking::cancel_run))
        .routes(routes!(linking::set_settings))
        .routes(routes!(linking::review))
        .routes(routes!(linking::decide))
        .routes(routes!(corrections::person))
        .routes(routes!(corrections::merge))
        .routes(routes!(corrections::split))
        .routes(routes!(corrections::corrections))
        .routes(routes!(corrections::confirm))
        .routes(routes!(corrections::undo))
}

/// The API's routes (nested at `/api/v1`).
pub fn router() -> Router<AppState> {
    let (router, _) = operations().split_for_parts();
    router
        .method_not_allowed_fallback(api_method_not_allowed)
        .fallback(api_not_found)
}

/// The OpenAPI 3.1 document: the operations' annotations with the contract applied.
pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, doc) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
            .nest("/api/v1", operations())
            .split_for_parts();
        contract::apply(serde_json::to_value(doc).unwrap_or_default())
    })
}

/// The document's frame: what it is, the error envelope and the token scheme.
#[derive(OpenApi)]
#[openapi(
    info(title = "wholeplace API", version = "1", description = "The shared workspace and evidence engine for place-based partnerships. Authenticate with a personal API token from your account page: `Authorization: Bearer wp_...`.\n\nOne rule for each error, across the API (every error is the envelope `{\"error\": {\"code\", \"message\", \"fields\"}}`): 400 the body or query is not JSON or not the documented shape, or a text in it holds a control character such as NUL (the field named); 401 no token, or one unknown, revoked or expired; 403 the token's account may not do this; 404 the path names no record; 409 the request is well formed but clashes with stored records (a name already taken, a record named that does not exist, a record still in use), each field named; 413 the body is over 2 MiB; 415 the body is not `application/json`; 422 a field breaks a documented rule, each field named. Ids are never reused, on either database."),
    components(schemas(ErrorEnvelope, ErrorBody, FieldErrorView)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The error envelope.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code: `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`, `too_large`, `unsupported_media_type`, `validation`, `throttled`, `internal`.
    code: &'static str,
    /// A sentence for people.
    message: String,
    /// Problems with particular fields.
    fields: Vec<FieldErrorView>,
}

/// A problem with one field.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorView {
    field: String,
    message: String,
}

/// An API error.
pub struct ApiError(StatusCode, &'static str, String, Vec<FieldError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(status, code, message, fields) = self;
        let body = ErrorEnvelope {
            error: ErrorBody {
                code,
                message,
                fields: fields
                    .into_iter()
                    .map(|f| FieldErrorView {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let answer = e.answer();
        let status =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (message, fields) = match e {
            ServiceError::Validation(f) if answer.code == "conflict" => (
                "The request clashes with stored records: see fields.".into(),
                f,
            ),
            ServiceError::Validation(f) => ("The request has problems: see fields.".into(), f),
            ServiceError::Unauthenticated(m) | ServiceError::Forbidden(m) => (m, vec![]),
            ServiceError::Throttled { retry_after_mins } => {
                (format!("Try again in {retry_after_mins} minutes."), vec![])
            }
            ServiceError::NotFound => ("No such record.".into(), vec![]),
            ServiceError::Conflict(w) => (
                format!("{w} already exists."),
                vec![FieldError::conflict(
                    "record",
                    format!("{w} already exists"),
                )],
            ),
            ServiceError::Internal(detail) => {
                let reference = crate::error::log_internal(&detail);
                (
                    format!(
                        "Something went wrong inside the service. Quote reference {reference} to your administrator."
                    ),
                    vec![],
                )
            }
        };
        ApiError(status, answer.code, message, fields)
    }
}

/// An authenticated API caller.
pub struct ApiCaller(pub Actor);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauth = || {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Send a personal API token: Authorization: Bearer wp_...".into(),
                vec![],
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauth)?;
        let user = state
            .service
            .authenticate_api_token(token.trim())
            .await?
            .ok_or_else(unauth)?;
        Ok(ApiCaller(Actor::user(user, client_address(parts), None)))
    }
}

/// Health.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// The service's version.
    version: &'static str,
}

/// Is the service up and its database reachable? No authentication needed.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn health(State(state): State<AppState>) -> Response {
    let ok = state.service.health().await.is_ok();
    let body = Health {
        status: if ok { "ok" } else { "unavailable" },
        database: state.service.backend(),
        version: env!("CARGO_PKG_VERSION"),
    };
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
        .into_response()
}

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(document()).unwrap_or_default()
}

/// This document (OpenAPI 3.1). No authentication needed.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

fn query_error(e: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("The query string is not valid: {}", e.body_text()),
        vec![],
    )
}

async fn api_method_not_allowed() -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method. See /api/v1/openapi.json.".into(),
        vec![],
    )
}

async fn api_not_found() -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such API endpoint. See /api/v1/openapi.json.".into(),
        vec![],
    )
}

/// The new record's id (also in the `Location` header when the record can be read).
#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// 201 with the new id, and where to read the record.
fn created(collection: &str, id: impl wholeplace_domain::RecordId) -> Response {
    let location = format!("/api/v1/{collection}/{id}");
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Created { id: id.raw() }),
    )
        .into_response()
}

/// 201 with the new id, for a record not read at an address of its own (an agreement is read
/// in the register, an involvement or a goal through its family).
fn created_within(id: impl wholeplace_domain::RecordId) -> (StatusCode, Json<Created>) {
    (StatusCode::CREATED, Json(Created { id: id.raw() }))
}

/// A record's id in a path: a whole number (`3` or `3.0`); anything else names no record (404).
fn path_id<T: wholeplace_domain::RecordId>(raw: &str) -> Result<T, ApiError> {
    raw.parse::<i64>()
        .ok()
        .or_else(|| {
            serde_json::from_str::<serde_json::Number>(raw)
                .ok()
                .and_then(|n| contract::integral(&n))
        })
        .filter(|n| *n > 0)
        .map(T::from_raw)
        .ok_or_else(|| ApiError::from(ServiceError::NotFound))
}
