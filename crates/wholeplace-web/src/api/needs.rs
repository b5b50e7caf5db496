//! `/api/v1/needs`: the need taxonomy involvements are recorded against, the shipped needs in
//! the partnership's words and the needs it added.

use super::*;

/// A need.
#[derive(Serialize, ToSchema)]
pub(crate) struct NeedApiView {
    /// The key an involvement's `need` takes.
    pub(crate) key: String,
    /// What the partnership calls it.
    pub(crate) label: String,
    /// Whether it is one of the shipped needs (otherwise the partnership added it).
    pub(crate) shipped: bool,
}

/// The need taxonomy, shipped needs first in their order, then the partnership's own.
#[utoipa::path(get, path = "/needs", security(("token" = [])), responses((status = 200, body = [NeedApiView])))]
pub(crate) async fn needs(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<NeedApiView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_needs(&actor)
            .await?
            .into_iter()
            .map(|n| NeedApiView {
                key: n.key,
                label: n.label,
                shipped: n.shipped.is_some(),
            })
            .collect(),
    ))
}
