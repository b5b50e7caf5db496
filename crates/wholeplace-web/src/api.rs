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
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::ApiJson;
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wholeplace_service::{Actor, FieldError, ServiceError};
use wholeplace_store::AuditFilter;

pub mod contract;
mod records;

/// Every operation, its route and its documentation from one annotation each.
fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi))
        .routes(routes!(me))
        .routes(routes!(users))
        .routes(routes!(audit))
        .routes(routes!(places, records::create_place))
        .routes(routes!(place, records::update_place, records::delete_place))
        .routes(routes!(create_budget_line))
        .routes(routes!(appraisals, create_appraisal))
        .routes(routes!(appraisal, update_appraisal, delete_appraisal))
        .routes(routes!(unit_costs))
        .merge(records::operations())
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

/// An agency.
#[derive(Serialize, ToSchema)]
pub struct AgencyView {
    id: i64,
    name: String,
    kind: String,
}

/// An account, without secrets.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    id: i64,
    username: String,
    display_name: String,
    /// administrator, analyst, practitioner or viewer.
    role: String,
    disabled: bool,
    must_change_password: bool,
    agencies: Vec<AgencyView>,
    /// RFC 3339.
    created_at: String,
}

fn user_view(u: wholeplace_store::User) -> UserView {
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: u.role.as_str().to_owned(),
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        agencies: u
            .agencies
            .into_iter()
            .map(|a| AgencyView {
                id: a.id,
                name: a.name,
                kind: a.kind,
            })
            .collect(),
        created_at: wholeplace_service::clock::format_rfc3339(u.created_at),
    }
}

/// The account the token belongs to.
#[utoipa::path(get, path = "/me", security(("token" = [])), responses((status = 200, body = UserView)))]
async fn me(ApiCaller(actor): ApiCaller) -> Result<Json<UserView>, ApiError> {
    let user = actor.user.ok_or(ApiError(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "No user".into(),
        vec![],
    ))?;
    Ok(Json(user_view(user)))
}

/// Every account (administrators only).
#[utoipa::path(get, path = "/users", security(("token" = [])), responses((status = 200, body = [UserView]), (status = 403, body = ErrorEnvelope)))]
async fn users(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_users(&actor)
            .await?
            .into_iter()
            .map(user_view)
            .collect(),
    ))
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    id: i64,
    /// RFC 3339.
    at: String,
    actor: String,
    actor_user_id: Option<i64>,
    action: String,
    record_type: String,
    record_id: Option<String>,
    address: String,
    allowed: bool,
    detail: String,
    /// This entry's chain hash (SHA-256, hex) over its content and the previous entry's hash.
    chain_hash: Option<String>,
}

/// The newest entry of the whole log and its chain hash.
#[derive(Serialize, ToSchema)]
pub struct ChainHeadView {
    /// The newest entry's id.
    id: i64,
    /// Its chain hash: record it outside wholeplace; `wholeplace audit verify --expect` checks it.
    chain_hash: String,
}

/// A page of audit entries.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    total: i64,
    entries: Vec<AuditEntryView>,
    /// The whole log's newest entry and chain hash, whatever the filter (null only while the log is empty).
    chain_head: Option<ChainHeadView>,
}

/// Audit filters.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Exact username.
    actor: Option<String>,
    /// Action prefix, such as `session.`.
    action: Option<String>,
    /// `true` for allowed, `false` for refused.
    allowed: Option<bool>,
    /// At most this many (default 100; below 1 counts as 1, above 1,000 as 1,000).
    limit: Option<i64>,
    /// Skip this many (below 0 counts as 0).
    offset: Option<i64>,
}

/// The audit log, newest first (administrators only).
#[utoipa::path(get, path = "/audit", params(AuditParams), security(("token" = [])), responses((status = 200, body = AuditPage), (status = 403, body = ErrorEnvelope)))]
async fn audit(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let filter = AuditFilter {
        actor: p.actor,
        action_prefix: p.action,
        allowed: p.allowed,
        from: None,
        until: None,
        limit: p.limit.unwrap_or(100).clamp(1, 1_000),
        offset: p.offset.unwrap_or(0).max(0),
    };
    let (entries, total) = state.service.list_audit(&actor, &filter).await?;
    let head = state.service.audit_head(&actor).await?;
    Ok(Json(AuditPage {
        total,
        chain_head: head.map(|h| ChainHeadView {
            id: h.id,
            chain_hash: h.hash,
        }),
        entries: entries
            .into_iter()
            .map(|e| AuditEntryView {
                id: e.id,
                at: wholeplace_service::clock::format_rfc3339(e.event.at),
                actor: e.event.actor,
                actor_user_id: e.event.actor_user_id,
                action: e.event.action,
                record_type: e.event.record_type,
                record_id: e.event.record_id,
                address: e.event.address,
                allowed: e.event.allowed,
                detail: e.event.detail,
                chain_hash: e.hash,
            })
            .collect(),
    }))
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

/// A place.
#[derive(Serialize, ToSchema)]
pub struct PlaceView {
    id: i64,
    name: String,
    /// country, region, county, district, unitary, ward, msoa, lsoa, neighbourhood, estate, street, police_area or cohort.
    level: String,
    gss_code: Option<String>,
    gss_vintage: Option<String>,
    population: Option<i64>,
}

fn place_view(p: wholeplace_store::Place) -> PlaceView {
    PlaceView {
        id: p.id,
        name: p.name,
        level: p.level,
        gss_code: p.gss_code,
        gss_vintage: p.gss_vintage,
        population: p.population,
    }
}

/// An amount in a resource-map breakdown.
#[derive(Serialize, ToSchema)]
pub struct Amount {
    /// Agency, service area or financial year.
    key: String,
    /// Pence, exactly (a sum: it may exceed 64 bits in principle, never in practice).
    #[schema(value_type = i64)]
    pence: i128,
    /// Pence per head of population, when the population is known.
    #[schema(value_type = Option<i64>)]
    per_head_pence: Option<i128>,
}

/// A place with its resource map.
#[derive(Serialize, ToSchema)]
pub struct PlaceDetail {
    place: PlaceView,
    /// Total recorded spending, pence.
    #[schema(value_type = i64)]
    total_pence: i128,
    by_agency: Vec<Amount>,
    by_service_area: Vec<Amount>,
    by_financial_year: Vec<Amount>,
    budget_lines: usize,
}

/// Every place.
#[utoipa::path(get, path = "/places", security(("token" = [])), responses((status = 200, body = [PlaceView])))]
async fn places(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<PlaceView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_places(&actor)
            .await?
            .into_iter()
            .map(place_view)
            .collect(),
    ))
}

/// One place and its resource map.
#[utoipa::path(get, path = "/places/{id}", params(("id" = i64, Path, minimum = 1, description = "Place id")), security(("token" = [])), responses((status = 200, body = PlaceDetail)))]
async fn place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<PlaceDetail>, ApiError> {
    let v = state.service.place_view(&actor, path_id(&id)?).await?;
    let m = &v.map;
    let amounts = |rows: Vec<(String, i128)>| {
        rows.into_iter()
            .map(|(key, pence)| Amount {
                per_head_pence: m.per_head(pence),
                key,
                pence,
            })
            .collect()
    };
    Ok(Json(PlaceDetail {
        total_pence: m.total,
        by_agency: amounts(m.by_agency.clone()),
        by_service_area: amounts(m.by_service.clone()),
        by_financial_year: amounts(m.by_year.iter().map(|(y, x)| (y.to_string(), *x)).collect()),
        budget_lines: m.count as usize,
        place: place_view(v.place),
    }))
}

/// A budget line to add: agency and place by id or name (place also by GSS code).
#[derive(serde::Deserialize, ToSchema)]
#[schema(title = "BudgetLineInput")]
pub struct BudgetLineInput {
    agency: String,
    place: String,
    /// crime, education_skills, employment_economy, fire, health, housing, social_services, benefits or other.
    service_area: String,
    /// Such as 2024/25.
    financial_year: String,
    /// Pounds, such as "9550000.00".
    amount: String,
    /// revenue (the default, also when empty) or capital.
    #[serde(default)]
    spend_kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
}

impl From<BudgetLineInput> for wholeplace_service::BudgetForm {
    fn from(b: BudgetLineInput) -> Self {
        Self {
            agency: b.agency,
            place: b.place,
            service_area: b.service_area,
            financial_year: b.financial_year,
            amount: b.amount,
            spend_kind: b.spend_kind,
            source: b.source,
            confidence: b.confidence,
        }
    }
}

/// Adds a budget line (analysts and administrators). An agency or place that does not exist is a
/// conflict (409).
#[utoipa::path(post, path = "/budget-lines", request_body = BudgetLineInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = ErrorEnvelope)))]
async fn create_budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<BudgetLineInput>,
) -> Result<Response, ApiError> {
    let form: wholeplace_service::BudgetForm = b.into();
    let id = state.service.add_budget_line(&actor, &form).await?;
    Ok(created("budget-lines", id))
}

/// Headline figures of an appraisal's first option.
#[derive(Serialize, ToSchema)]
pub struct HeadlineView {
    option: String,
    /// Net present budget impact, pounds.
    npbi_pounds: f64,
    /// Financial return on investment (PV fiscal benefits / PV costs).
    froi: Option<f64>,
    /// Public value per pound of cost.
    bcr: Option<f64>,
    /// Payback in words.
    payback: String,
}

/// An appraisal in a list.
#[derive(Serialize, ToSchema)]
pub struct AppraisalItem {
    id: i64,
    title: String,
    partnership_id: Option<i64>,
    partnership: Option<String>,
    /// How many problems stop it being appraised (0 when ready).
    problems: usize,
    headline: Option<HeadlineView>,
}

/// An appraisal with its model and results.
#[derive(Serialize, ToSchema)]
pub struct AppraisalDetail {
    id: i64,
    title: String,
    partnership_id: Option<i64>,
    partnership: Option<String>,
    /// The model text (docs/APPRAISAL-MODEL.md).
    model_toml: String,
    /// Every problem, each naming its line, when the model cannot be appraised.
    problems: Vec<String>,
    /// The results (as `wholeplace appraise --format json`) when the model can be appraised; null
    /// when it has problems.
    #[schema(value_type = Option<Object>)]
    results: Option<serde_json::Value>,
}

/// A model to store.
#[derive(serde::Deserialize, ToSchema)]
pub struct AppraisalInput {
    /// The partnership it belongs to (none when absent or null).
    #[serde(default)]
    #[schema(minimum = 1)]
    partnership_id: Option<i64>,
    /// The model text in the documented format.
    model_toml: String,
}

/// The new record's id (also in the `Location` header when the record can be read).
#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// 201 with the new id, and where to read the record.
fn created(collection: &str, id: i64) -> Response {
    let location = format!("/api/v1/{collection}/{id}");
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Created { id }),
    )
        .into_response()
}

/// Monte Carlo settings for one appraisal.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrawParams {
    /// Monte Carlo draws (default 0, none).
    #[param(minimum = 0, maximum = 20000)]
    draws: Option<u32>,
    /// Seed of the random draws (default 1).
    #[param(minimum = 0)]
    seed: Option<i64>,
}

/// A record's id in a path: a whole number (`3` or `3.0`); anything else names no record (404).
fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .or_else(|| {
            serde_json::from_str::<serde_json::Number>(raw)
                .ok()
                .and_then(|n| contract::integral(&n))
        })
        .ok_or_else(|| ApiError::from(ServiceError::NotFound))
}

/// Every appraisal with its headline figures.
#[utoipa::path(get, path = "/appraisals", security(("token" = [])), responses((status = 200, body = [AppraisalItem])))]
async fn appraisals(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<AppraisalItem>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_appraisals(&actor)
            .await?
            .into_iter()
            .map(|a| AppraisalItem {
                id: a.stored.id,
                title: a.stored.title,
                partnership_id: a.stored.partnership_id,
                partnership: a.stored.partnership_name,
                problems: a.problems,
                headline: a.headline.map(|h| HeadlineView {
                    option: h.option,
                    npbi_pounds: h.npbi,
                    froi: h.froi,
                    bcr: h.bcr,
                    payback: h.payback,
                }),
            })
            .collect(),
    ))
}

/// One appraisal: its model, and its results or problems.
#[utoipa::path(get, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id"), DrawParams), security(("token" = [])), responses((status = 200, body = AppraisalDetail)))]
async fn appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<Query<DrawParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AppraisalDetail>, ApiError> {
    let id = path_id(&id)?;
    let Query(q) = q.map_err(query_error)?;
    let draws = q.draws.unwrap_or(0);
    let seed = q.seed.unwrap_or(1);
    let max = wholeplace_service::appraisals::MAX_DRAWS;
    let mut fields = Vec::new();
    if draws > max {
        fields.push(FieldError::new(
            "draws",
            format!("Ask for 0 to {max} draws"),
        ));
    }
    if seed < 0 {
        fields.push(FieldError::new(
            "seed",
            "A seed is from 0 to 9223372036854775807",
        ));
    }
    if !fields.is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The query is outside the documented ranges: see fields.".into(),
            fields,
        ));
    }
    let v = state
        .service
        .appraisal_view(&actor, id, draws, seed.unsigned_abs())
        .await?;
    let results = v.report.as_ref().and_then(|r| serde_json::to_value(r).ok());
    Ok(Json(AppraisalDetail {
        id: v.stored.id,
        title: v.stored.title,
        partnership_id: v.stored.partnership_id,
        partnership: v.stored.partnership_name,
        model_toml: v.stored.model_toml,
        problems: v.problems,
        results,
    }))
}

/// Stores a new appraisal from its model text (analysts and administrators).
/// A model text that cannot be read is refused (422, each problem naming its line); a model that
/// can be read is stored even when incomplete. A partnership that does not exist is a conflict.
#[utoipa::path(post, path = "/appraisals", request_body = AppraisalInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = ErrorEnvelope)))]
async fn create_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<AppraisalInput>,
) -> Result<Response, ApiError> {
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    let id = state
        .service
        .create_appraisal_from_text(&actor, &p, &b.model_toml)
        .await?;
    Ok(created("appraisals", id))
}

/// Replaces an appraisal's model text and partnership (analysts and administrators).
#[utoipa::path(put, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), request_body = AppraisalInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = ErrorEnvelope)))]
async fn update_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(b): ApiJson<AppraisalInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    state
        .service
        .update_appraisal_text(&actor, id, &p, &b.model_toml)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an appraisal (analysts and administrators).
#[utoipa::path(delete, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
async fn delete_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .delete_appraisal(&actor, path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A unit cost from the library.
#[derive(Serialize, ToSchema)]
pub struct UnitCostView {
    code: String,
    theme: String,
    description: String,
    unit: String,
    /// Fiscal value in pounds, in the prices of `fiscal_price_year`.
    fiscal_pounds: Option<f64>,
    fiscal_price_year: Option<String>,
    economic_pounds: Option<f64>,
    social_pounds: Option<f64>,
    /// The bearing agency (level 1 / level 2).
    agency: String,
    /// Robustness (red, amber, green).
    rag: String,
    /// Share of the fiscal value that is a transfer payment.
    transfer_share: f64,
}

/// Unit-cost search.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitCostParams {
    /// Words that must all appear.
    q: Option<String>,
    /// Theme (part of its name).
    theme: Option<String>,
}

/// Searches the unit-cost library (at most 500 entries).
#[utoipa::path(get, path = "/unit-costs", params(UnitCostParams), security(("token" = [])), responses((status = 200, body = [UnitCostView])))]
async fn unit_costs(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
    q: Result<Query<UnitCostParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<UnitCostView>>, ApiError> {
    let Query(q) = q.map_err(query_error)?;
    let (found, _) = state.service.search_unit_costs(
        q.q.as_deref().unwrap_or(""),
        q.theme.as_deref().unwrap_or(""),
        500,
    )?;
    Ok(Json(
        found
            .into_iter()
            .map(|u| UnitCostView {
                fiscal_pounds: u.fiscal.map(|p| p.pounds),
                fiscal_price_year: u.fiscal.map(|p| p.price_year.to_string()),
                economic_pounds: u.economic.map(|p| p.pounds),
                social_pounds: u.social.map(|p| p.pounds),
                agency: format!("{} / {}", u.agency_level1, u.agency_level2),
                code: u.code,
                theme: u.theme,
                description: u.description,
                unit: u.unit,
                rag: u.rag,
                transfer_share: u.transfer_share,
            })
            .collect(),
    ))
}
