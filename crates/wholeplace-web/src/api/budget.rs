//! `/api/v1/budget-lines`: adding, reading, changing and deleting budget lines. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A budget line to add: agency and place by id or name (place also by GSS code).
#[derive(serde::Deserialize, ToSchema)]
#[schema(title = "BudgetLineInput")]
pub(crate) struct BudgetLineInput {
    pub(crate) agency: String,
    pub(crate) place: String,
    /// crime, education_skills, employment_economy, fire, health, housing, social_services, benefits or other.
    pub(crate) service_area: String,
    /// Such as 2024/25.
    pub(crate) financial_year: String,
    /// Pounds, such as "9550000.00".
    pub(crate) amount: String,
    /// revenue (the default, also when empty) or capital.
    #[serde(default)]
    pub(crate) spend_kind: String,
    #[serde(default)]
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) confidence: String,
}

/// Adds a budget line (analysts and administrators). An agency or place that does not exist is a
/// conflict (409).
#[utoipa::path(post, path = "/budget-lines", request_body = BudgetLineInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = ErrorEnvelope)))]
pub(crate) async fn create_budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<BudgetLineInput>,
) -> Result<Response, ApiError> {
    let form: wholeplace_service::BudgetForm = b.into();
    let id = state.service.add_budget_line(&actor, &form).await?;
    Ok(created("budget-lines", id))
}

/// A budget line.
#[derive(Serialize, ToSchema)]
pub(crate) struct BudgetLineView {
    pub(crate) id: i64,
    pub(crate) agency_id: i64,
    pub(crate) agency: String,
    pub(crate) place_id: i64,
    pub(crate) place: String,
    pub(crate) service_area: String,
    /// Such as 2024/25.
    pub(crate) financial_year: String,
    /// Pounds with two decimals, such as "9550000.00".
    pub(crate) amount: String,
    pub(crate) spend_kind: String,
    pub(crate) source: String,
    pub(crate) confidence: String,
}

/// One budget line.
#[utoipa::path(get, path = "/budget-lines/{id}", params(("id" = i64, Path, minimum = 1, description = "Budget line id")), security(("token" = [])), responses((status = 200, body = BudgetLineView)))]
pub(crate) async fn budget_line(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<BudgetLineView>, ApiError> {
    let l = state.service.budget_line(&actor, path_id(&id)?).await?;
    Ok(Json(BudgetLineView {
        id: l.id.get(),
        agency_id: l.agency_id.get(),
        agency: l.agency_name,
        place_id: l.place_id.get(),
        place: l.place_name,
        service_area: l.service_area.to_string(),
        financial_year: l.financial_year.to_string(),
        amount: pounds_text(l.amount.pence()),
        spend_kind: l.spend_kind,
        source: l.source,
        confidence: l.confidence,
    }))
}

/// Replaces a budget line (analysts and administrators).
#[utoipa::path(put, path = "/budget-lines/{id}", params(("id" = i64, Path, minimum = 1, description = "Budget line id")), request_body = super::BudgetLineInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn update_budget_line(
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
pub(crate) async fn delete_budget_line(
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

impl From<BudgetLineInput> for wholeplace_service::BudgetForm {
    fn from(b: BudgetLineInput) -> Self {
        Self {
            agency: b.agency,
            place: b.place,
            service_area: b.service_area,
            financial_year: b.financial_year,
            amount: b.amount,
            spend_kind: b.spend_kind,
            source: b.source,
            confidence: b.confidence,
        }
    }
}
