//! `/api/v1` for places, agencies, budget lines, grants, partnerships, contacts and projects:
//! the same use cases as the pages, decided and audited in the service layer.

use super::contract::ApiJson;
use super::{AgencyView, ApiCaller, ApiError, Created, PlaceView, created, path_id, place_view};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wholeplace_service::{BudgetForm, PlaceForm, pounds_text};
use wholeplace_service::{ContactForm, ProjectForm};

/// The operations.
pub(super) fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agencies, create_agency))
        .routes(routes!(agency, update_agency, delete_agency))
        .routes(routes!(budget_line, update_budget_line, delete_budget_line))
        .routes(routes!(grants))
        .routes(routes!(delete_grant))
        .routes(routes!(partnerships))
        .routes(routes!(contacts, create_contact))
        .routes(routes!(delete_contact))
        .routes(routes!(projects, create_project))
}

/// A place to create or change.
#[derive(Deserialize, ToSchema)]
pub struct PlaceInput {
    name: String,
    /// country, region, county, district, unitary, ward, msoa, lsoa, neighbourhood, estate, street, police_area or cohort.
    level: String,
    #[serde(default)]
    gss_code: String,
    #[serde(default)]
    gss_vintage: String,
    /// Whole number, such as "8000" (empty when not known).
    #[serde(default)]
    population: String,
    #[serde(default)]
    description: String,
    /// On create only: the place it sits inside (none when absent or null).
    #[serde(default)]
    #[schema(minimum = 1)]
    parent_id: Option<i64>,
}

impl PlaceInput {
    fn form(self) -> PlaceForm {
        PlaceForm {
            name: self.name,
            level: self.level,
            gss_code: self.gss_code,
            gss_vintage: self.gss_vintage,
            population: self.population,
            parent_id: self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            description: self.description,
        }
    }
}

/// Creates a place (analysts and administrators).
/// A place with the same name and level, or the same GSS code, or a parent that does not exist,
/// is a conflict.
#[utoipa::path(post, path = "/places", request_body = PlaceInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(super) async fn create_place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<PlaceInput>,
) -> Result<Response, ApiError> {
    let id = state.service.create_place(&actor, &b.form()).await?;
    Ok(created("places", id))
}

/// Changes a place (analysts and administrators).
#[utoipa::path(put, path = "/places/{id}", params(("id" = i64, Path, minimum = 1, description = "Place id")), request_body = PlaceInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
pub(super) async fn update_place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PlaceInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let f = b.form();
    state.service.update_place(&actor, id, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a place; refused (409) while budget lines, grants, partnerships or projects use it.
#[utoipa::path(delete, path = "/places/{id}", params(("id" = i64, Path, minimum = 1, description = "Place id")), security(("token" = [])), responses((status = 204, description = "Deleted"), (status = 409, body = super::ErrorEnvelope)))]
pub(super) async fn delete_place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_place(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An agency to create or change.
#[derive(Deserialize, ToSchema)]
pub struct AgencyInput {
    name: String,
    /// The kind of agency, such as county_council or nhs_trust.
    kind: String,
}

/// Every agency.
#[utoipa::path(get, path = "/agencies", security(("token" = [])), responses((status = 200, body = [AgencyView])))]
async fn agencies(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<AgencyView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_agencies(&actor)
            .await?
            .into_iter()
            .map(|a| AgencyView {
                id: a.id,
                name: a.name,
                kind: a.kind,
            })
            .collect(),
    ))
}

/// Creates an agency (analysts and administrators). A name already taken is a conflict.
#[utoipa::path(post, path = "/agencies", request_body = AgencyInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
async fn create_agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(a): ApiJson<AgencyInput>,
) -> Result<Response, ApiError> {
    let id = state
        .service
        .create_agency(&actor, &a.name, &a.kind)
        .await?;
    Ok(created("agencies", id))
}

/// One agency.
#[utoipa::path(get, path = "/agencies/{id}", params(("id" = i64, Path, minimum = 1, description = "Agency id")), security(("token" = [])), responses((status = 200, body = AgencyView)))]
async fn agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AgencyView>, ApiError> {
    let id = path_id(&id)?;
    let a = state
        .service
        .list_agencies(&actor)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(wholeplace_service::ServiceError::NotFound)?;
    Ok(Json(AgencyView {
        id: a.id,
        name: a.name,
        kind: a.kind,
    }))
}

/// Changes an agency (analysts and administrators).
#[utoipa::path(put, path = "/agencies/{id}", params(("id" = i64, Path, minimum = 1, description = "Agency id")), request_body = AgencyInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
async fn update_agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AgencyInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    state
        .service
        .update_agency(&actor, id, &a.name, &a.kind)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an agency; refused (409) while users, budget lines, grants, partnerships or projects use it.
#[utoipa::path(delete, path = "/agencies/{id}", params(("id" = i64, Path, minimum = 1, description = "Agency id")), security(("token" = [])), responses((status = 204, description = "Deleted"), (status = 409, body = super::ErrorEnvelope)))]
async fn delete_agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_agency(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A budget line.
#[derive(Serialize, ToSchema)]
pub struct BudgetLineView {
    id: i64,
    agency_id: i64,
    agency: String,
    place_id: i64,
    place: String,
    service_area: String,
    /// Such as 2024/25.
    financial_year: String,
    /// Pounds with two decimals, such as "9550000.00".
    amount: String,
    spend_kind: String,
    source: String,
    confidence: String,
}

/// One budget line.
#[utoipa::path(get, path = "/budget-lines/{id}", params(("id" = i64, Path, minimum = 1, description = "Budget line id")), security(("token" = [])), responses((status = 200, body = BudgetLineView)))]
async fn budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<BudgetLineView>, ApiError> {
    let l = state.service.budget_line(&actor, path_id(&id)?).await?;
    Ok(Json(BudgetLineView {
        id: l.id,
        agency_id: l.agency_id,
        agency: l.agency_name,
        place_id: l.place_id,
        place: l.place_name,
        service_area: l.service_area,
        financial_year: wholeplace_domain::FinancialYear::label_of(l.financial_year),
        amount: pounds_text(l.amount_pence),
        spend_kind: l.spend_kind,
        source: l.source,
        confidence: l.confidence,
    }))
}

/// Replaces a budget line (analysts and administrators).
#[utoipa::path(put, path = "/budget-lines/{id}", params(("id" = i64, Path, minimum = 1, description = "Budget line id")), request_body = super::BudgetLineInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
async fn update_budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<super::BudgetLineInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let f: BudgetForm = b.into();
    state.service.update_budget_line(&actor, id, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a budget line (analysts and administrators).
#[utoipa::path(delete, path = "/budget-lines/{id}", params(("id" = i64, Path, minimum = 1, description = "Budget line id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
async fn delete_budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .delete_budget_line(&actor, path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A grant with its recorded changes.
#[derive(Serialize, ToSchema)]
pub struct GrantView {
    id: i64,
    funder: String,
    title: String,
    purpose: String,
    /// Pounds as first awarded.
    amount: String,
    /// First and last financial years, such as 2009/10.
    start_year: String,
    end_year: String,
    conditions: String,
    recipients: Vec<String>,
    places: Vec<String>,
    /// Each change: from year, new amount and reason.
    changes: Vec<(String, String, String)>,
}

/// Every grant.
#[utoipa::path(get, path = "/grants", security(("token" = [])), responses((status = 200, body = [GrantView])))]
async fn grants(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<GrantView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_grants(&actor)
            .await?
            .into_iter()
            .map(|g| GrantView {
                id: g.id,
                funder: g.funder.name,
                title: g.title,
                purpose: g.purpose,
                amount: pounds_text(g.amount_pence),
                start_year: wholeplace_domain::FinancialYear::label_of(g.start_year),
                end_year: wholeplace_domain::FinancialYear::label_of(g.end_year),
                conditions: g.conditions,
                recipients: g.recipients.into_iter().map(|a| a.name).collect(),
                places: g.places.into_iter().map(|p| p.1).collect(),
                changes: g
                    .changes
                    .into_iter()
                    .map(|c| {
                        (
                            wholeplace_domain::FinancialYear::label_of(c.from_year),
                            pounds_text(c.new_amount_pence),
                            c.reason,
                        )
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// Deletes a grant with its changes (analysts and administrators).
#[utoipa::path(delete, path = "/grants/{id}", params(("id" = i64, Path, minimum = 1, description = "Grant id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
async fn delete_grant(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_grant(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A partnership.
#[derive(Serialize, ToSchema)]
pub struct PartnershipView {
    id: i64,
    name: String,
    description: String,
    governance: String,
    members: Vec<AgencyView>,
    places: Vec<PlaceView>,
}

/// Every partnership with its members and places.
#[utoipa::path(get, path = "/partnerships", security(("token" = [])), responses((status = 200, body = [PartnershipView])))]
async fn partnerships(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<PartnershipView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_partnerships(&actor)
            .await?
            .into_iter()
            .map(|p| PartnershipView {
                id: p.id,
                name: p.name,
                description: p.description,
                governance: p.governance,
                members: p
                    .members
                    .into_iter()
                    .map(|a| AgencyView {
                        id: a.id,
                        name: a.name,
                        kind: a.kind,
                    })
                    .collect(),
                places: p.places.into_iter().map(place_view).collect(),
            })
            .collect(),
    ))
}

/// A named contact at an agency.
#[derive(Serialize, ToSchema)]
pub struct ContactView {
    id: i64,
    agency: String,
    name: String,
    role: String,
    email: String,
    phone: String,
}

/// A contact to add.
#[derive(Deserialize, ToSchema)]
pub struct ContactInput {
    #[schema(minimum = 1)]
    agency_id: i64,
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

/// Every contact (personal data: each call is recorded in the audit log; viewers are refused).
#[utoipa::path(get, path = "/contacts", security(("token" = [])), responses((status = 200, body = [ContactView]), (status = 403, description = "The token's account may not read personal data (viewers): see /about/roles", body = super::ErrorEnvelope)))]
async fn contacts(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<ContactView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_contacts(&actor)
            .await?
            .into_iter()
            .map(|c| ContactView {
                id: c.id,
                agency: c.agency,
                name: c.name,
                role: c.role,
                email: c.email,
                phone: c.phone,
            })
            .collect(),
    ))
}

/// Adds a contact (analysts and administrators). A name already at that agency, or an agency
/// that does not exist, is a conflict.
#[utoipa::path(post, path = "/contacts", request_body = ContactInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
async fn create_contact(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(c): ApiJson<ContactInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = ContactForm {
        agency_id: c.agency_id.to_string(),
        name: c.name,
        role: c.role,
        email: c.email,
        phone: c.phone,
    };
    let id = state.service.create_contact(&actor, &f).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Deletes a contact (analysts and administrators).
#[utoipa::path(delete, path = "/contacts/{id}", params(("id" = i64, Path, minimum = 1, description = "Contact id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
async fn delete_contact(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_contact(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A partnership's pilot or project.
#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    partnership: String,
    name: String,
    /// The place's name and level, when it works in a place.
    place: Option<(String, String)>,
    theme: String,
    lead_agency: Option<String>,
    aims: String,
    start_date: String,
    end_date: String,
}

/// A project to add.
#[derive(Deserialize, ToSchema)]
pub struct ProjectInput {
    #[schema(minimum = 1)]
    partnership_id: i64,
    name: String,
    /// The place it works in (none when absent or null: then give its theme).
    #[serde(default)]
    #[schema(minimum = 1)]
    place_id: Option<i64>,
    /// Its theme (needed when it works in no place).
    #[serde(default)]
    theme: String,
    #[serde(default)]
    #[schema(minimum = 1)]
    lead_agency_id: Option<i64>,
    #[serde(default)]
    aims: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    start_date: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    end_date: String,
}

/// Every project.
#[utoipa::path(get, path = "/projects", security(("token" = [])), responses((status = 200, body = [ProjectView])))]
async fn projects(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<ProjectView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_projects(&actor)
            .await?
            .into_iter()
            .map(|p| ProjectView {
                partnership: p.partnership,
                name: p.name,
                place: p.place.map(|k| (k.name, k.level)),
                theme: p.theme,
                lead_agency: p.lead_agency,
                aims: p.aims,
                start_date: p.start_date,
                end_date: p.end_date,
            })
            .collect(),
    ))
}

/// Adds a pilot or project (analysts and administrators). A name already in the partnership, or a
/// partnership, place or agency that does not exist, is a conflict; a project needs a place or a
/// theme, and an end date on or after its start (422).
#[utoipa::path(post, path = "/projects", request_body = ProjectInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
async fn create_project(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(p): ApiJson<ProjectInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let opt = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    let f = ProjectForm {
        partnership_id: p.partnership_id.to_string(),
        name: p.name,
        place_id: opt(p.place_id),
        theme: p.theme,
        lead_agency_id: opt(p.lead_agency_id),
        aims: p.aims,
        start_date: p.start_date,
        end_date: p.end_date,
    };
    let id = state.service.create_project(&actor, &f).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
