//! `/api/v1/indicators` and `/api/v1/targets`: the outcomes catalogue, each indicator's figures
//! (suppressed as the pages are) and targets with their red/amber/green, and the IATI-like
//! export. Decided and audited by the same service use cases as the pages.

use super::*;
use wholeplace_service::{IndicatorForm, TargetForm, ValueForm};

/// An indicator (one version of its definition).
#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorApiView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) definition: String,
    /// `count`, `rate`, `percentage` or `score`.
    pub(crate) unit: String,
    /// For a rate, per how many.
    pub(crate) per: Option<i64>,
    /// `higher` or `lower` is better.
    pub(crate) polarity: String,
    pub(crate) source: String,
    /// A level of place.
    pub(crate) geography: String,
    /// Imported from a published national source (otherwise local).
    pub(crate) national: bool,
    pub(crate) version: i64,
    /// The id of the version this one replaces.
    pub(crate) replaces: Option<i64>,
    pub(crate) bridging_note: String,
}

fn indicator_view(i: wholeplace_store::Indicator) -> IndicatorApiView {
    IndicatorApiView {
        id: i.id.get(),
        name: i.name,
        definition: i.definition,
        unit: i.unit.as_str().to_owned(),
        per: i.per,
        polarity: i.polarity.as_str().to_owned(),
        source: i.source,
        geography: i.geography.to_string(),
        national: i.national,
        version: i.version,
        replaces: i.replaces.map(|r| r.get()),
        bridging_note: i.bridging_note,
    }
}

/// A figure for a place and period, as it may be published.
#[derive(Serialize, ToSchema)]
pub(crate) struct FigureView {
    pub(crate) place: String,
    pub(crate) period: String,
    /// The figure as text: the number, `<5` for a count under five, or `suppressed` for a rate
    /// or percentage from one.
    pub(crate) text: String,
    /// The figure when it may be published.
    pub(crate) value: Option<f64>,
    /// The count it is made from, as text (`<5` when small).
    pub(crate) numerator: String,
    pub(crate) denominator: String,
    /// The 95% interval's lower limit (Wilson for percentages, Byar for rates).
    pub(crate) lower_95: Option<f64>,
    pub(crate) upper_95: Option<f64>,
    /// Not a published figure.
    pub(crate) illustrative: bool,
}

/// A target with its baseline, latest figure and red/amber/green.
#[derive(Serialize, ToSchema)]
pub(crate) struct TargetApiView {
    pub(crate) id: i64,
    pub(crate) indicator_id: i64,
    pub(crate) indicator: String,
    pub(crate) place: String,
    pub(crate) baseline_value: f64,
    pub(crate) baseline_period: String,
    pub(crate) baseline_source: String,
    pub(crate) target_value: f64,
    pub(crate) target_date: String,
    pub(crate) owner: String,
    pub(crate) polarity: String,
    pub(crate) tolerance: f64,
    pub(crate) latest_period: Option<String>,
    /// The latest figure as published (`<5`, `suppressed` or the number).
    pub(crate) latest: Option<String>,
    /// `green`, `amber`, `red` or `no_data` (never green without a figure).
    pub(crate) rag: String,
}

fn target_view(
    i: &wholeplace_store::Indicator,
    t: wholeplace_service::TargetView,
) -> TargetApiView {
    TargetApiView {
        id: t.target.id.get(),
        indicator_id: i.id.get(),
        indicator: i.name.clone(),
        place: t.target.place_name,
        baseline_value: t.target.baseline_value,
        baseline_period: t.target.baseline_period,
        baseline_source: t.target.baseline_source,
        target_value: t.target.target_value,
        target_date: t.target.target_date,
        owner: t.target.owner,
        polarity: t.target.polarity.as_str().to_owned(),
        tolerance: t.target.tolerance,
        latest_period: t.latest_period,
        latest: t.latest.map(|f| f.text),
        rag: t.rag.as_str().to_owned(),
    }
}

/// An indicator with its figures and targets.
#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorDetail {
    pub(crate) indicator: IndicatorApiView,
    pub(crate) figures: Vec<FigureView>,
    pub(crate) targets: Vec<TargetApiView>,
}

/// An indicator to add, or a new version of one (`replaces` names it).
#[derive(Deserialize, ToSchema)]
pub(crate) struct IndicatorInput {
    pub(crate) name: String,
    pub(crate) definition: String,
    /// `count`, `rate`, `percentage` or `score`.
    pub(crate) unit: String,
    /// For a rate: per how many.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) per: Option<i64>,
    /// `higher` or `lower`.
    pub(crate) polarity: String,
    pub(crate) source: String,
    /// A level of place, such as `ward`.
    pub(crate) geography: String,
    #[serde(default)]
    pub(crate) national: bool,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) replaces: Option<i64>,
    #[serde(default)]
    pub(crate) bridging_note: String,
}

/// A figure to enter (replacing any for the place and period).
#[derive(Deserialize, ToSchema)]
pub(crate) struct FigureInput {
    /// The place: its name, GSS code or id.
    pub(crate) place: String,
    pub(crate) period: String,
    /// The figure, such as `12.5`.
    pub(crate) value: String,
    /// The count a rate or percentage is made from.
    #[serde(default)]
    pub(crate) numerator: String,
    /// The population it is out of.
    #[serde(default)]
    pub(crate) denominator: String,
    #[serde(default)]
    pub(crate) illustrative: bool,
}

/// A target with its baseline: every part is needed.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TargetInput {
    /// The place: its name, GSS code or id.
    pub(crate) place: String,
    pub(crate) baseline_value: String,
    pub(crate) baseline_period: String,
    pub(crate) baseline_source: String,
    pub(crate) target_value: String,
    /// YYYY-MM-DD.
    pub(crate) target_date: String,
    pub(crate) owner: String,
    /// `higher` or `lower`; empty for the indicator's.
    #[serde(default)]
    pub(crate) polarity: String,
    /// How far short of the target is still amber, in the indicator's unit.
    pub(crate) tolerance: String,
}

/// Figures saved.
#[derive(Serialize, ToSchema)]
pub(crate) struct FiguresSaved {
    pub(crate) figures: usize,
}

/// The indicator catalogue: every version, by name then version.
#[utoipa::path(get, path = "/indicators", security(("token" = [])), responses((status = 200, body = [IndicatorApiView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn indicators(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<IndicatorApiView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_indicators(&actor)
            .await?
            .into_iter()
            .map(indicator_view)
            .collect(),
    ))
}

/// Adds an indicator, or a new version of one (analysts and administrators). A name already
/// used (for a new indicator) is a conflict; a rate needs `per`, a new version a bridging note (422).
#[utoipa::path(post, path = "/indicators", request_body = IndicatorInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_indicator(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(i): ApiJson<IndicatorInput>,
) -> Result<Response, ApiError> {
    let f = IndicatorForm {
        name: i.name,
        definition: i.definition,
        unit: i.unit,
        per: i.per.map(|p| p.to_string()).unwrap_or_default(),
        polarity: i.polarity,
        source: i.source,
        geography: i.geography,
        origin: if i.national { "national" } else { "local" }.to_owned(),
        replaces: i.replaces.map(|r| r.to_string()).unwrap_or_default(),
        bridging_note: i.bridging_note,
    };
    let id = state.service.create_indicator(&actor, &f).await?;
    Ok(created("indicators", id))
}

/// One indicator with its figures (suppressed: a count under five is `<5`, a rate from one is
/// `suppressed`) and its targets.
#[utoipa::path(get, path = "/indicators/{id}", params(("id" = i64, Path, minimum = 1, description = "Indicator id")), security(("token" = [])), responses((status = 200, body = IndicatorDetail), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn indicator(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<IndicatorDetail>, ApiError> {
    let r = state
        .service
        .indicator_report(&actor, path_id(&id)?, None)
        .await?;
    let figures = r
        .places
        .iter()
        .flat_map(|p| {
            p.figures.iter().flatten().map(|f| FigureView {
                place: p.place_name.clone(),
                period: f.period.clone(),
                text: f.text.clone(),
                value: f.value,
                numerator: f.numerator.clone(),
                denominator: f.denominator.clone(),
                lower_95: f.interval.map(|c| c.lower),
                upper_95: f.interval.map(|c| c.upper),
                illustrative: f.illustrative,
            })
        })
        .collect();
    let targets = r
        .targets
        .iter()
        .cloned()
        .map(|t| target_view(&r.indicator, t))
        .collect();
    Ok(Json(IndicatorDetail {
        indicator: indicator_view(r.indicator),
        figures,
        targets,
    }))
}

/// Enters one figure for a place and period (analysts and administrators); a place that does
/// not exist is a conflict.
#[utoipa::path(post, path = "/indicators/{id}/figures", params(("id" = i64, Path, minimum = 1, description = "Indicator id")), request_body = FigureInput, security(("token" = [])), responses((status = 200, body = FiguresSaved), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn add_figure(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(v): ApiJson<FigureInput>,
) -> Result<Json<FiguresSaved>, ApiError> {
    let f = ValueForm {
        place: v.place,
        period: v.period,
        value: v.value,
        numerator: v.numerator,
        denominator: v.denominator,
        illustrative: if v.illustrative { "yes" } else { "no" }.to_owned(),
    };
    state
        .service
        .add_indicator_value(&actor, path_id(&id)?, &f)
        .await?;
    Ok(Json(FiguresSaved { figures: 1 }))
}

/// Sets a target with its baseline (analysts and administrators); a place that does not exist,
/// or a target for the place on the same date, is a conflict.
#[utoipa::path(post, path = "/indicators/{id}/targets", params(("id" = i64, Path, minimum = 1, description = "Indicator id")), request_body = TargetInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_target(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<TargetInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = TargetForm {
        place: t.place,
        baseline_value: t.baseline_value,
        baseline_period: t.baseline_period,
        baseline_source: t.baseline_source,
        target_value: t.target_value,
        target_date: t.target_date,
        owner: t.owner,
        polarity: t.polarity,
        tolerance: t.tolerance,
    };
    let id = state
        .service
        .create_target(&actor, path_id(&id)?, &f)
        .await?;
    Ok(created_within(id))
}

/// Every target with its latest figure and red/amber/green.
#[utoipa::path(get, path = "/targets", security(("token" = [])), responses((status = 200, body = [TargetApiView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn targets(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<TargetApiView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_targets(&actor)
            .await?
            .into_iter()
            .map(|(i, t)| target_view(&i, t))
            .collect(),
    ))
}

/// The outcomes as results, indicators and periods in a shape after IATI's (one result per
/// indicator, one indicator per place, each period's actual), suppressed as the pages are.
#[utoipa::path(get, path = "/outcomes/iati", security(("token" = [])), responses((status = 200, body = Object), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn iati(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.service.outcomes_iati(&actor).await?))
}
