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
    /// Its registered identifiers in the org-id.guide form (`GB-CHC-1234567`), the first the one
    /// the 360Giving export names it by. Given by `/agencies` and `/agencies/{id}`; an agency
    /// inside another record (a partnership's members, a user's agencies) leaves it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) identifiers: Option<Vec<String>>,
}

/// An agency's registered identifiers, replacing those it has.
#[derive(Deserialize, ToSchema)]
pub(crate) struct IdentifiersInput {
    /// Each in the org-id.guide form: a known scheme (GB-LAE, GB-CHC, GB-SC, GB-NIC, GB-COH,
    /// GB-MPR, GB-NHS, GB-GOR, GB-PLA, GB-LAS, GB-LANI, GB-EDU, GB-UKPRN, GB-SHPE), a hyphen and
    /// a value of that scheme's form, such as GB-CHC-1234567; an empty list removes them all.
    pub(crate) identifiers: Vec<String>,
}

/// The identifiers as text.
fn texts(list: Option<&Vec<wholeplace_domain::OrgIdentifier>>) -> Option<Vec<String>> {
    Some(
        list.map(|l| l.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
    )
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
    let ids: std::collections::HashMap<_, _> = state
        .service
        .agency_identifiers(&actor)
        .await?
        .into_iter()
        .collect();
    Ok(Json(
        state
            .service
            .list_agencies(&actor)
            .await?
            .into_iter()
            .map(|a| AgencyView {
                id: a.id.get(),
                identifiers: texts(ids.get(&a.id)),
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
    let identifiers = state.service.identifiers_of(&actor, id).await?;
    Ok(Json(AgencyView {
        id: a.id.get(),
        name: a.name,
        kind: a.kind.to_string(),
        identifiers: texts(Some(&identifiers)),
    }))
}

/// Replaces an agency's registered identifiers (analysts and administrators). Each is checked
/// by its scheme's form; an unknown scheme, or one given twice, is a 422 naming the identifier by
/// its place in the list. Answers the identifiers as stored (in their written form).
#[utoipa::path(put, path = "/agencies/{id}/identifiers", params(("id" = i64, Path, minimum = 1, description = "Agency id")), request_body = IdentifiersInput, security(("token" = [])), responses((status = 200, body = [String])))]
pub(crate) async fn update_identifiers(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IdentifiersInput>,
) -> Result<Json<Vec<String>>, ApiError> {
    let id = path_id(&id)?;
    let items: Vec<&str> = input.identifiers.iter().map(String::as_str).collect();
    let list = state
        .service
        .set_agency_identifiers(&actor, id, &items)
        .await?;
    Ok(Json(list.iter().map(ToString::to_string).collect()))
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
