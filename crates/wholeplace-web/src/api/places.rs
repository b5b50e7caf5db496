//! `/api/v1/places`: places with their resource maps; creating, changing and deleting them. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A place.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlaceView {
    pub(crate) id: i64,
    pub(crate) name: String,
    /// country, region, county, district, unitary, ward, msoa, lsoa, neighbourhood, estate, street, police_area or cohort.
    pub(crate) level: String,
    pub(crate) gss_code: Option<String>,
    pub(crate) gss_vintage: Option<String>,
    pub(crate) population: Option<i64>,
}

pub(crate) fn place_view(p: wholeplace_store::Place) -> PlaceView {
    PlaceView {
        id: p.id.get(),
        name: p.name,
        level: p.level.to_string(),
        gss_code: p.gss_code,
        gss_vintage: p.gss_vintage,
        population: p.population,
    }
}

/// An amount in a resource-map breakdown.
#[derive(Serialize, ToSchema)]
pub(crate) struct Amount {
    /// Agency, service area or financial year.
    pub(crate) key: String,
    /// Pence, exactly (a sum: it may exceed 64 bits in principle, never in practice).
    #[schema(value_type = i64)]
    pub(crate) pence: i128,
    /// Pence per head of population, when the population is known.
    #[schema(value_type = Option<i64>)]
    pub(crate) per_head_pence: Option<i128>,
}

/// A place with its resource map.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlaceDetail {
    pub(crate) place: PlaceView,
    /// Total recorded spending, pence.
    #[schema(value_type = i64)]
    pub(crate) total_pence: i128,
    pub(crate) by_agency: Vec<Amount>,
    pub(crate) by_service_area: Vec<Amount>,
    pub(crate) by_financial_year: Vec<Amount>,
    pub(crate) budget_lines: usize,
}

/// Every place.
#[utoipa::path(get, path = "/places", security(("token" = [])), responses((status = 200, body = [PlaceView])))]
pub(crate) async fn places(
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
pub(crate) async fn place(
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

/// A place to create or change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct PlaceInput {
    pub(crate) name: String,
    /// country, region, county, district, unitary, ward, msoa, lsoa, neighbourhood, estate, street, police_area or cohort.
    pub(crate) level: String,
    #[serde(default)]
    pub(crate) gss_code: String,
    #[serde(default)]
    pub(crate) gss_vintage: String,
    /// Whole number, such as "8000" (empty when not known).
    #[serde(default)]
    pub(crate) population: String,
    #[serde(default)]
    pub(crate) description: String,
    /// On create only: the place it sits inside (none when absent or null).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) parent_id: Option<i64>,
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
pub(crate) async fn create_place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<PlaceInput>,
) -> Result<Response, ApiError> {
    let id = state.service.create_place(&actor, &b.form()).await?;
    Ok(created("places", id))
}

/// Changes a place (analysts and administrators).
#[utoipa::path(put, path = "/places/{id}", params(("id" = i64, Path, minimum = 1, description = "Place id")), request_body = PlaceInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn update_place(
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
pub(crate) async fn delete_place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_place(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
