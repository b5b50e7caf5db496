//! `/api/v1/partnerships`: partnerships, their members and places. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A partnership.
#[derive(Serialize, ToSchema)]
pub(crate) struct PartnershipView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) governance: String,
    pub(crate) members: Vec<AgencyView>,
    pub(crate) places: Vec<PlaceView>,
}

/// Every partnership with its members and places.
#[utoipa::path(get, path = "/partnerships", security(("token" = [])), responses((status = 200, body = [PartnershipView])))]
pub(crate) async fn partnerships(
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
                id: p.id.get(),
                name: p.name,
                description: p.description,
                governance: p.governance,
                members: p
                    .members
                    .into_iter()
                    .map(|a| AgencyView {
                        id: a.id.get(),
                        name: a.name,
                        kind: a.kind.to_string(),
                        identifiers: None,
                    })
                    .collect(),
                places: p.places.into_iter().map(place_view).collect(),
            })
            .collect(),
    ))
}
