//! `/api/v1/contacts`: agencies' named contacts (personal data: reads are audited by the service). Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A named contact at an agency.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContactView {
    pub(crate) id: i64,
    pub(crate) agency: String,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) email: String,
    pub(crate) phone: String,
}

/// A contact to add.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ContactInput {
    #[schema(minimum = 1)]
    pub(crate) agency_id: i64,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) phone: String,
}

/// Every contact (personal data: each call is recorded in the audit log; viewers are refused).
#[utoipa::path(get, path = "/contacts", security(("token" = [])), responses((status = 200, body = [ContactView]), (status = 403, description = "The token's account may not read personal data (viewers): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn contacts(
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
                id: c.id.get(),
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
pub(crate) async fn create_contact(
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
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

/// Deletes a contact (analysts and administrators).
#[utoipa::path(delete, path = "/contacts/{id}", params(("id" = i64, Path, minimum = 1, description = "Contact id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_contact(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_contact(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
