//! `/api/v1/grants`: grants in the 360Giving shape. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A grant with its recorded changes.
#[derive(Serialize, ToSchema)]
pub(crate) struct GrantView {
    pub(crate) id: i64,
    pub(crate) funder: String,
    pub(crate) title: String,
    pub(crate) purpose: String,
    /// Pounds as first awarded.
    pub(crate) amount: String,
    /// First and last financial years, such as 2009/10.
    pub(crate) start_year: String,
    pub(crate) end_year: String,
    pub(crate) conditions: String,
    pub(crate) recipients: Vec<String>,
    pub(crate) places: Vec<String>,
    /// Each change: from year, new amount and reason.
    pub(crate) changes: Vec<(String, String, String)>,
}

/// Every grant.
#[utoipa::path(get, path = "/grants", security(("token" = [])), responses((status = 200, body = [GrantView])))]
pub(crate) async fn grants(
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
                id: g.id.get(),
                funder: g.funder.name,
                title: g.title,
                purpose: g.purpose,
                amount: pounds_text(g.amount.pence()),
                start_year: g.start_year.to_string(),
                end_year: g.end_year.to_string(),
                conditions: g.conditions,
                recipients: g.recipients.into_iter().map(|a| a.name).collect(),
                places: g.places.into_iter().map(|p| p.1).collect(),
                changes: g
                    .changes
                    .into_iter()
                    .map(|c| {
                        (
                            c.from_year.to_string(),
                            pounds_text(c.new_amount.pence()),
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
pub(crate) async fn delete_grant(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_grant(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
