//! `/api/v1/projects`: partnerships' pilots and projects. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A partnership's pilot or project.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProjectView {
    pub(crate) partnership: String,
    pub(crate) name: String,
    /// The place's name and level, when it works in a place.
    pub(crate) place: Option<(String, String)>,
    pub(crate) theme: String,
    pub(crate) lead_agency: Option<String>,
    pub(crate) aims: String,
    pub(crate) start_date: String,
    pub(crate) end_date: String,
}

/// A project to add.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ProjectInput {
    #[schema(minimum = 1)]
    pub(crate) partnership_id: i64,
    pub(crate) name: String,
    /// The place it works in (none when absent or null: then give its theme).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) place_id: Option<i64>,
    /// Its theme (needed when it works in no place).
    #[serde(default)]
    pub(crate) theme: String,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) lead_agency_id: Option<i64>,
    #[serde(default)]
    pub(crate) aims: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub(crate) start_date: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub(crate) end_date: String,
}

/// Every project.
#[utoipa::path(get, path = "/projects", security(("token" = [])), responses((status = 200, body = [ProjectView])))]
pub(crate) async fn projects(
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
                place: p.place.map(|k| (k.name, k.level.to_string())),
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
pub(crate) async fn create_project(
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
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}
