//! `/api/v1/agencies`: partner agencies. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// An agency.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgencyView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) kind: String,
}

/// An agency to create or change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AgencyInput {
    pub(crate) name: String,
    /// The kind of agency, such as county_council or nhs_trust.
    pub(crate) kind: String,
}

/// Every agency.
#[utoipa::path(get, path = "/agencies", security(("token" = [])), responses((status = 200, body = [AgencyView])))]
pub(crate) async fn agencies(
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
                id: a.id.get(),
                name: a.name,
                kind: a.kind.to_string(),
            })
            .collect(),
    ))
}

/// Creates an agency (analysts and administrators). A name already taken is a conflict.
#[utoipa::path(post, path = "/agencies", request_body = AgencyInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_agency(
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
pub(crate) async fn agency(
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
        id: a.id.get(),
        name: a.name,
        kind: a.kind.to_string(),
    }))
}

/// Changes an agency (analysts and administrators).
#[utoipa::path(put, path = "/agencies/{id}", params(("id" = i64, Path, minimum = 1, description = "Agency id")), request_body = AgencyInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn update_agency(
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
pub(crate) async fn delete_agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_agency(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
