//! `/api/v1/appraisals/{id}/snapshots` and `/api/v1/snapshots/{id}`: forecast against realised
//! savings. An approved appraisal's forecast frozen, the outcomes it achieved recorded by line and
//! year, and the variance by agency and year in whole pence. Decided and audited by the same
//! service use cases as the pages.

use super::*;
use wholeplace_appraisal::realised::Cell;
use wholeplace_service::realised::{OutcomesForm, RealisedView, SnapshotForm, outcome_field};

/// A frozen forecast.
#[derive(Serialize, ToSchema)]
pub(crate) struct SnapshotView {
    pub(crate) id: i64,
    pub(crate) appraisal_id: i64,
    /// The option frozen.
    pub(crate) option: String,
    /// Who approved it and how.
    pub(crate) approval: String,
    /// `YYYY-MM-DD`.
    pub(crate) approved_on: String,
    pub(crate) created_by: String,
    /// Unix seconds.
    pub(crate) created_at: i64,
}

/// Freezes an approved appraisal's forecast.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SnapshotInput {
    /// The option approved, by its number in the model from 1 (default: the first).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) option: Option<i64>,
    /// Who approved it and how, such as "Leaders board, minute 12".
    pub(crate) approval: String,
    /// The day it was approved, `YYYY-MM-DD`.
    pub(crate) approved_on: String,
}

/// Money in whole pence: forecast and realised fiscal value, and their cashable parts.
#[derive(Serialize, ToSchema)]
pub(crate) struct CellView {
    pub(crate) forecast_pence: i64,
    /// Null until every year it covers is reported.
    pub(crate) realised_pence: Option<i64>,
    /// Realised minus forecast.
    pub(crate) variance_pence: Option<i64>,
    pub(crate) forecast_cashable_pence: i64,
    pub(crate) realised_cashable_pence: Option<i64>,
}

fn cell(c: &Cell) -> CellView {
    CellView {
        forecast_pence: c.forecast,
        realised_pence: c.realised,
        variance_pence: c.variance(),
        forecast_cashable_pence: c.forecast_cashable,
        realised_cashable_pence: c.realised_cashable,
    }
}

/// One agency: a cell per year and the total.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgencyVarianceView {
    pub(crate) agency: String,
    pub(crate) years: Vec<CellView>,
    pub(crate) total: CellView,
}

/// One outcome line: forecast and observed net outcomes by year.
#[derive(Serialize, ToSchema)]
pub(crate) struct OutcomeLineView {
    /// Its number, for recording outcomes (from 0).
    pub(crate) line: usize,
    pub(crate) name: String,
    pub(crate) counted_as: String,
    pub(crate) forecast: Vec<f64>,
    /// Null where not yet recorded.
    pub(crate) observed: Vec<Option<f64>>,
}

/// A frozen forecast against what was realised.
#[derive(Serialize, ToSchema)]
pub(crate) struct VarianceView {
    pub(crate) snapshot: SnapshotView,
    /// The price base of every value (not discounted).
    pub(crate) price_base: String,
    /// The financial years (year 0 first).
    pub(crate) years: Vec<String>,
    /// Whether each year is reported (every line has a figure).
    pub(crate) reported: Vec<bool>,
    pub(crate) agencies: Vec<AgencyVarianceView>,
    pub(crate) year_totals: Vec<CellView>,
    pub(crate) total: CellView,
    pub(crate) lines: Vec<OutcomeLineView>,
}

/// One outcome achieved: a line's net outcomes in a year (null clears it).
#[derive(Deserialize, ToSchema)]
pub(crate) struct OutcomeInput {
    #[schema(minimum = 0)]
    pub(crate) line: i64,
    #[schema(minimum = 0)]
    pub(crate) year: i64,
    /// Net outcomes achieved, 0 or more; null clears the figure.
    pub(crate) value: Option<f64>,
}

/// Outcomes achieved, all recorded or none.
#[derive(Deserialize, ToSchema)]
pub(crate) struct OutcomesInput {
    pub(crate) outcomes: Vec<OutcomeInput>,
}

fn snapshot_view(s: &wholeplace_store::AppraisalSnapshot) -> SnapshotView {
    SnapshotView {
        id: s.id.get(),
        appraisal_id: s.appraisal_id.get(),
        option: s.option_name.clone(),
        approval: s.approval.clone(),
        approved_on: s.approved_on.clone(),
        created_by: s.created_by.clone(),
        created_at: s.created_at,
    }
}

fn variance_view(v: RealisedView) -> VarianceView {
    let r = v.report;
    VarianceView {
        snapshot: snapshot_view(&v.stored),
        price_base: v.forecast.price_base,
        agencies: r
            .agencies
            .iter()
            .map(|a| AgencyVarianceView {
                agency: a.agency.clone(),
                years: a.years.iter().map(cell).collect(),
                total: cell(&a.total),
            })
            .collect(),
        year_totals: r.year_totals.iter().map(cell).collect(),
        total: cell(&r.total),
        lines: r
            .lines
            .into_iter()
            .enumerate()
            .map(|(line, l)| OutcomeLineView {
                line,
                name: l.name,
                counted_as: l.counted_as,
                forecast: l.forecast,
                observed: l.observed,
            })
            .collect(),
        years: r.years,
        reported: r.reported,
    }
}

/// An appraisal's frozen forecasts, newest first.
#[utoipa::path(get, path = "/appraisals/{id}/snapshots", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), security(("token" = [])), responses((status = 200, body = [SnapshotView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn snapshots(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<SnapshotView>>, ApiError> {
    let all = state.service.list_snapshots(&actor, path_id(&id)?).await?;
    Ok(Json(all.iter().map(snapshot_view).collect()))
}

/// Freezes an option of an appraisal as approved (analysts and administrators); 422 when the
/// model cannot be appraised or the option has no outcome lines.
#[utoipa::path(post, path = "/appraisals/{id}/snapshots", params(("id" = i64, Path, minimum = 1, description = "Appraisal id")), request_body = SnapshotInput, security(("token" = [])), responses((status = 201, body = Created)))]
pub(crate) async fn create_snapshot(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SnapshotInput>,
) -> Result<Response, ApiError> {
    let f = SnapshotForm {
        option: b.option.map(|o| o.to_string()).unwrap_or_default(),
        approval: b.approval,
        approved_on: b.approved_on,
    };
    let sid = state
        .service
        .create_snapshot(&actor, path_id(&id)?, &f)
        .await?;
    Ok(created("snapshots", sid))
}

/// A frozen forecast against what was realised, by agency and year in whole pence.
#[utoipa::path(get, path = "/snapshots/{id}", params(("id" = i64, Path, minimum = 1, description = "Snapshot id")), security(("token" = [])), responses((status = 200, body = VarianceView), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn snapshot(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<VarianceView>, ApiError> {
    let v = state.service.realised(&actor, path_id(&id)?).await?;
    Ok(Json(variance_view(v)))
}

/// Records outcomes achieved (analysts and administrators): all or none; answers the variance.
#[utoipa::path(put, path = "/snapshots/{id}/outcomes", params(("id" = i64, Path, minimum = 1, description = "Snapshot id")), request_body = OutcomesInput, security(("token" = [])), responses((status = 200, body = VarianceView)))]
pub(crate) async fn record_outcomes(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OutcomesInput>,
) -> Result<Json<VarianceView>, ApiError> {
    let sid = path_id(&id)?;
    let f = OutcomesForm {
        values: b
            .outcomes
            .iter()
            .map(|o| {
                let name = match (usize::try_from(o.line), usize::try_from(o.year)) {
                    (Ok(l), Ok(y)) => outcome_field(l, y),
                    _ => format!("obs_{}_{}", o.line, o.year),
                };
                (name, o.value.map(|v| v.to_string()).unwrap_or_default())
            })
            .collect(),
    };
    state.service.record_outcomes(&actor, sid, &f).await?;
    let v = state.service.realised(&actor, sid).await?;
    Ok(Json(variance_view(v)))
}
