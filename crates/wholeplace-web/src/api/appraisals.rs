//! `/api/v1/appraisals` and `/api/v1/unit-costs`: stored appraisals with their results, and the unit-cost library. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// Headline figures of an appraisal's first option.
#[derive(Serialize, ToSchema)]
pub(crate) struct HeadlineView {
    pub(crate) option: String,
    /// Net present budget impact, pounds.
    pub(crate) npbi_pounds: f64,
    /// Financial return on investment (PV fiscal benefits / PV costs).
    pub(crate) froi: Option<f64>,
    /// Public value per pound of cost.
    pub(crate) bcr: Option<f64>,
    /// Payback in words.
    pub(crate) payback: String,
}

/// An appraisal in a list.
#[derive(Serialize, ToSchema)]
pub(crate) struct AppraisalItem {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) partnership_id: Option<i64>,
    pub(crate) partnership: Option<String>,
    /// How many problems stop it being appraised (0 when ready).
    pub(crate) problems: usize,
    pub(crate) headline: Option<HeadlineView>,
}

/// An appraisal with its model and results.
#[derive(Serialize, ToSchema)]
pub(crate) struct AppraisalDetail {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) partnership_id: Option<i64>,
    pub(crate) partnership: Option<String>,
    /// The model text (docs/APPRAISAL-MODEL.md).
    pub(crate) model_toml: String,
    /// Every problem, each naming its line, when the model cannot be appraised.
    pub(crate) problems: Vec<String>,
    /// The results (as `wholeplace appraise --format json`) when the model can be appraised; null
    /// when it has problems.
    #[schema(value_type = Option<Object>)]
    pub(crate) results: Option<serde_json::Value>,
}

/// A model to store.
#[derive(serde::Deserialize, ToSchema)]
pub(crate) struct AppraisalInput {
    /// The partnership it belongs to (none when absent or null).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) partnership_id: Option<i64>,
    /// The model text in the documented format.
    pub(crate) model_toml: String,
}

/// Monte Carlo settings for one appraisal.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DrawParams {
    /// Monte Carlo draws (default 0, none).
    #[param(minimum = 0, maximum = 20000)]
    pub(crate) draws: Option<u32>,
    /// Seed of the random draws (default 1).
    #[param(minimum = 0)]
    pub(crate) seed: Option<i64>,
}

/// Every appraisal with its headline figures.
#[utoipa::path(get, path = "/appraisals", security(("token" = [])), responses((status = 200, body = [AppraisalItem])))]
pub(crate) async fn appraisals(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<AppraisalItem>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_appraisals(&actor)
            .await?
            .into_iter()
            .map(|a| AppraisalItem {
                id: a.stored.id.get(),
                title: a.stored.title,
                partnership_id: a.stored.partnership_id.map(|v| v.get()),
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
#[utoipa::path(get, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id"), DrawParams), security(("token" = [])), responses((status = 200, body = AppraisalDetail)))]
pub(crate) async fn appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<Query<DrawParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AppraisalDetail>, ApiError> {
    let id = path_id(&id)?;
    let Query(q) = q.map_err(query_error)?;
    let draws = q.draws.unwrap_or(0);
    let seed = q.seed.unwrap_or(1);
    let max = wholeplace_service::appraisals::MAX_DRAWS;
    let mut fields = Vec::new();
    if draws > max {
        fields.push(FieldError::new(
            "draws",
            format!("Ask for 0 to {max} draws"),
        ));
    }
    if seed < 0 {
        fields.push(FieldError::new(
            "seed",
            "A seed is from 0 to 9223372036854775807",
        ));
    }
    if !fields.is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The query is outside the documented ranges: see fields.".into(),
            fields,
        ));
    }
    let v = state
        .service
        .appraisal_view(&actor, id, draws, seed.unsigned_abs())
        .await?;
    let results = v.report.as_ref().and_then(|r| serde_json::to_value(r).ok());
    Ok(Json(AppraisalDetail {
        id: v.stored.id.get(),
        title: v.stored.title,
        partnership_id: v.stored.partnership_id.map(|v| v.get()),
        partnership: v.stored.partnership_name,
        model_toml: v.stored.model_toml,
        problems: v.problems,
        results,
    }))
}

/// Stores a new appraisal from its model text (analysts and administrators).
/// A model text that cannot be read is refused (422, each problem naming its line); a model that
/// can be read is stored even when incomplete. A partnership that does not exist is a conflict.
#[utoipa::path(post, path = "/appraisals", request_body = AppraisalInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = ErrorEnvelope)))]
pub(crate) async fn create_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<AppraisalInput>,
) -> Result<Response, ApiError> {
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    let id = state
        .service
        .create_appraisal_from_text(&actor, &p, &b.model_toml)
        .await?;
    Ok(created("appraisals", id))
}

/// Replaces an appraisal's model text and partnership (analysts and administrators).
#[utoipa::path(put, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), request_body = AppraisalInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = ErrorEnvelope)))]
pub(crate) async fn update_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(b): ApiJson<AppraisalInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let p = b.partnership_id.map(|p| p.to_string()).unwrap_or_default();
    state
        .service
        .update_appraisal_text(&actor, id, &p, &b.model_toml)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an appraisal (analysts and administrators).
#[utoipa::path(delete, path = "/appraisals/{id}", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_appraisal(
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
pub(crate) struct UnitCostView {
    pub(crate) code: String,
    pub(crate) theme: String,
    pub(crate) description: String,
    pub(crate) unit: String,
    /// Fiscal value in pounds, in the prices of `fiscal_price_year`.
    pub(crate) fiscal_pounds: Option<f64>,
    pub(crate) fiscal_price_year: Option<String>,
    pub(crate) economic_pounds: Option<f64>,
    pub(crate) social_pounds: Option<f64>,
    /// The bearing agency (level 1 / level 2).
    pub(crate) agency: String,
    /// Robustness (red, amber, green).
    pub(crate) rag: String,
    /// Share of the fiscal value that is a transfer payment.
    pub(crate) transfer_share: f64,
}

/// Unit-cost search.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UnitCostParams {
    /// Words that must all appear.
    pub(crate) q: Option<String>,
    /// Theme (part of its name).
    pub(crate) theme: Option<String>,
}

/// Searches the unit-cost library (at most 500 entries).
#[utoipa::path(get, path = "/unit-costs", params(UnitCostParams), security(("token" = [])), responses((status = 200, body = [UnitCostView])))]
pub(crate) async fn unit_costs(
    State(state): State<AppState>,
    ApiCaller(_actor): ApiCaller,
    q: Result<Query<UnitCostParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<UnitCostView>>, ApiError> {
    let Query(q) = q.map_err(query_error)?;
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
