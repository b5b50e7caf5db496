//! The JSON API under `/api/v1`: the same use cases as the pages, for scripts and other systems.
//! Callers authenticate with a personal API token (`Authorization: Bearer wp_...`). Errors come
//! in one envelope: `{"error": {"code": "...", "message": "...", "fields": [...]}}`.

use crate::AppState;
use crate::auth::client_address;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use wholeplace_service::{Actor, FieldError, ServiceError};
use wholeplace_store::AuditFilter;

mod records;

/// The API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/users", get(users))
        .route("/audit", get(audit))
        .route("/places", get(places).post(records::create_place))
        .route(
            "/places/{id}",
            get(place)
                .put(records::update_place)
                .delete(records::delete_place),
        )
        .route("/budget-lines", axum::routing::post(create_budget_line))
        .route("/appraisals", get(appraisals).post(create_appraisal))
        .route(
            "/appraisals/{id}",
            get(appraisal)
                .put(update_appraisal)
                .delete(delete_appraisal),
        )
        .route("/unit-costs", get(unit_costs))
        .merge(records::router())
        .route("/openapi.json", get(openapi))
        .method_not_allowed_fallback(api_method_not_allowed)
        .fallback(api_not_found)
}

/// The OpenAPI 3.1 document.
#[derive(OpenApi)]
#[openapi(
    info(title = "wholeplace API", version = "1", description = "The shared workspace and evidence engine for place-based partnerships. Authenticate with a personal API token from your account page: `Authorization: Bearer wp_...`."),
    paths(health, me, users, audit, places, place, create_budget_line, appraisals, appraisal, create_appraisal, update_appraisal, delete_appraisal, unit_costs, records::create_place, records::update_place, records::delete_place, records::agencies, records::create_agency, records::update_agency, records::delete_agency, records::budget_line, records::update_budget_line, records::delete_budget_line, records::grants, records::delete_grant, records::partnerships, records::contacts, records::create_contact, records::delete_contact, records::projects, records::create_project),
    components(schemas(ErrorEnvelope, ErrorBody, FieldErrorView, Health, UserView, AgencyView, AuditEntryView, AuditPage, PlaceView, PlaceDetail, Amount, BudgetLineInput, HeadlineView, AppraisalItem, AppraisalDetail, AppraisalInput, Created, UnitCostView, records::PlaceInput, records::AgencyInput, records::BudgetLineView, records::GrantView, records::PartnershipView, records::ContactView, records::ContactInput, records::ProjectView, records::ProjectInput)),
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
    /// A stable machine-readable code: `unauthenticated`, `forbidden`, `not_found`, `method_not_allowed`, `validation`, `conflict`, `throttled`, `internal`.
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
        match e {
            ServiceError::Validation(f) => ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request has problems: see fields.".into(),
                f,
            ),
            ServiceError::Unauthenticated(m) => {
                ApiError(StatusCode::UNAUTHORIZED, "unauthenticated", m, vec![])
            }
            ServiceError::Throttled { retry_after_mins } => ApiError(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                format!("Try again in {retry_after_mins} minutes."),
                vec![],
            ),
            ServiceError::Forbidden(m) => ApiError(StatusCode::FORBIDDEN, "forbidden", m, vec![]),
            ServiceError::NotFound => ApiError(
                StatusCode::NOT_FOUND,
                "not_found",
                "No such record.".into(),
                vec![],
            ),
            ServiceError::Conflict(w) => ApiError(
                StatusCode::CONFLICT,
                "conflict",
                format!("{w} already exists."),
                vec![],
            ),
            ServiceError::Internal(detail) => {
                tracing::error!(detail = %detail, "internal error in API");
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong inside the service.".into(),
                    vec![],
                )
            }
        }
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
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health), (status = 503, body = Health)))]
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
#[utoipa::path(get, path = "/api/v1/me", security(("token" = [])), responses((status = 200, body = UserView), (status = 401, body = ErrorEnvelope)))]
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
#[utoipa::path(get, path = "/api/v1/users", security(("token" = [])), responses((status = 200, body = [UserView]), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
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
}

/// A page of audit entries.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    total: i64,
    entries: Vec<AuditEntryView>,
}

/// Audit filters.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Exact username.
    actor: Option<String>,
    /// Action prefix, such as `session.`.
    action: Option<String>,
    /// `true` for allowed, `false` for refused.
    allowed: Option<bool>,
    /// At most this many (1 to 1,000; default 100).
    limit: Option<i64>,
    /// Skip this many.
    offset: Option<i64>,
}

/// The audit log, newest first (administrators only).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), security(("token" = [])), responses((status = 200, body = AuditPage), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
async fn audit(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(p) = params.map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "validation",
            format!("The query string is not valid: {}", e.body_text()),
            vec![],
        )
    })?;
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
    Ok(Json(AuditPage {
        total,
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
            })
            .collect(),
    }))
}

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
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
#[utoipa::path(get, path = "/api/v1/places", security(("token" = [])), responses((status = 200, body = [PlaceView]), (status = 401, body = ErrorEnvelope)))]
async fn places(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
) -> Result<Json<Vec<PlaceView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_places()
            .await?
            .into_iter()
            .map(place_view)
            .collect(),
    ))
}

/// One place and its resource map.
#[utoipa::path(get, path = "/api/v1/places/{id}", params(("id" = i64, Path, description = "Place id")), security(("token" = [])), responses((status = 200, body = PlaceDetail), (status = 404, body = ErrorEnvelope)))]
async fn place(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<PlaceDetail>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::from(ServiceError::NotFound))?;
    let v = state.service.place_view(id).await?;
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
pub struct BudgetLineInput {
    agency: String,
    place: String,
    /// crime, education_skills, employment_economy, fire, health, housing, social_services, benefits or other.
    service_area: String,
    /// Such as 2024/25.
    financial_year: String,
    /// Pounds, such as "9550000.00".
    amount: String,
    /// revenue (default) or capital.
    #[serde(default)]
    spend_kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
}

impl From<BudgetLineInput> for wholeplace_service::places::BudgetForm {
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

/// Adds a budget line (analysts and administrators).
#[utoipa::path(post, path = "/api/v1/budget-lines", request_body = BudgetLineInput, security(("token" = [])), responses((status = 201), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<BudgetLineInput>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "validation",
            format!("The body is not a valid budget line: {}", e.body_text()),
            vec![],
        )
    })?;
    let form: wholeplace_service::places::BudgetForm = b.into();
    state.service.add_budget_line(&actor, &form).await?;
    Ok(StatusCode::CREATED)
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
    /// The results (as `wholeplace appraise --format json`), when the model can be appraised.
    #[schema(value_type = Object)]
    results: Option<serde_json::Value>,
}

/// A model to store.
#[derive(serde::Deserialize, ToSchema)]
pub struct AppraisalInput {
    /// The partnership it belongs to (none when absent).
    #[serde(default)]
    partnership_id: Option<i64>,
    /// The model text in the documented format.
    model_toml: String,
}

/// The new appraisal's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Monte Carlo settings for one appraisal.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct DrawParams {
    /// Monte Carlo draws (0 to 20000; default 0, none).
    draws: Option<u32>,
    /// Seed of the random draws (default 1).
    seed: Option<u64>,
}

fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
    what: &str,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "validation",
            format!("The body is not a valid {what}: {}", e.body_text()),
            vec![],
        )
    })
}

fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(ServiceError::NotFound))
}

/// Every appraisal with its headline figures.
#[utoipa::path(get, path = "/api/v1/appraisals", security(("token" = [])), responses((status = 200, body = [AppraisalItem]), (status = 401, body = ErrorEnvelope)))]
async fn appraisals(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
) -> Result<Json<Vec<AppraisalItem>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_appraisals()
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
#[utoipa::path(get, path = "/api/v1/appraisals/{id}", params(("id" = i64, Path, description = "Appraisal id"), DrawParams), security(("token" = [])), responses((status = 200, body = AppraisalDetail), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn appraisal(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<Query<DrawParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AppraisalDetail>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, "validation", e.body_text(), vec![]))?;
    let v = state
        .service
        .appraisal_view(path_id(&id)?, q.draws.unwrap_or(0), q.seed.unwrap_or(1))
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
#[utoipa::path(post, path = "/api/v1/appraisals", request_body = AppraisalInput, security(("token" = [])), responses((status = 201, body = Created), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<AppraisalInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let b = json_body(body, "appraisal")?;
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    let id = state
        .service
        .create_appraisal_from_text(&actor, &p, &b.model_toml)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replaces an appraisal's model text and partnership (analysts and administrators).
#[utoipa::path(put, path = "/api/v1/appraisals/{id}", params(("id" = i64, Path, description = "Appraisal id")), request_body = AppraisalInput, security(("token" = [])), responses((status = 204), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn update_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<AppraisalInput>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let b = json_body(body, "appraisal")?;
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    state
        .service
        .update_appraisal_text(&actor, id, &p, &b.model_toml)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an appraisal (analysts and administrators).
#[utoipa::path(delete, path = "/api/v1/appraisals/{id}", params(("id" = i64, Path, description = "Appraisal id")), security(("token" = [])), responses((status = 204), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
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
pub struct UnitCostParams {
    /// Words that must all appear.
    q: Option<String>,
    /// Theme (part of its name).
    theme: Option<String>,
}

/// Searches the unit-cost library (at most 500 entries).
#[utoipa::path(get, path = "/api/v1/unit-costs", params(UnitCostParams), security(("token" = [])), responses((status = 200, body = [UnitCostView]), (status = 401, body = ErrorEnvelope)))]
async fn unit_costs(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
    q: Result<Query<UnitCostParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<UnitCostView>>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, "validation", e.body_text(), vec![]))?;
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
