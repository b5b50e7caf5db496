//! `/api/v1/scales` and `/api/v1/wellbeing`: the partnership's soft-outcome scales and their
//! readings with the distance travelled, ONS4 (each question apart, means to two decimals, the
//! published means beside them) and (S)WEMWBS (only once registered, the notice in every answer).
//! Decided and audited by the same service use cases as the pages.

use super::*;
use wholeplace_domain::soft_outcomes::{CohortDistance, Hundredths};
use wholeplace_service::soft_outcomes::mean_text;
use wholeplace_service::{Ons4Form, ScaleForm, ScaleReadingForm, WemwbsForm};

/// A partnership-defined scale.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScaleView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) low: i64,
    pub(crate) high: i64,
    /// The wording of each point from `low` to `high` (empty where a point has none).
    pub(crate) anchors: Vec<String>,
}

fn scale_view(s: wholeplace_store::Scale) -> ScaleView {
    ScaleView {
        id: s.id.get(),
        name: s.name,
        description: s.description,
        low: s.low,
        high: s.high,
        anchors: s.anchors,
    }
}

/// A scale to add.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ScaleInput {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    /// The highest point: 5 or 10 (the lowest is 1).
    pub(crate) high: i64,
    /// Two anchors (the lowest and highest points) or one per point.
    pub(crate) anchors: Vec<String>,
}

/// A reading of a scale.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReadingView {
    /// `person` or `family`.
    pub(crate) subject: String,
    /// The person's or family's record number.
    pub(crate) subject_id: i64,
    pub(crate) taken_on: String,
    pub(crate) score: i64,
}

/// A person's or family's first and latest readings.
#[derive(Serialize, ToSchema)]
pub(crate) struct TravelledView {
    pub(crate) subject: String,
    pub(crate) subject_id: i64,
    pub(crate) readings: usize,
    pub(crate) first: i64,
    pub(crate) first_on: String,
    pub(crate) latest: i64,
    pub(crate) latest_on: String,
    /// Latest less first.
    pub(crate) change: i64,
}

/// A cohort's distance travelled: over everyone measured at least twice; means to two
/// decimals, as text.
#[derive(Serialize, ToSchema)]
pub(crate) struct CohortView {
    pub(crate) measured_twice: usize,
    pub(crate) measured_once: usize,
    pub(crate) mean_first: String,
    pub(crate) mean_latest: String,
    pub(crate) mean_change: String,
    pub(crate) up: usize,
    pub(crate) same: usize,
    pub(crate) down: usize,
}

fn cohort_view(c: &CohortDistance) -> CohortView {
    CohortView {
        measured_twice: c.measured_twice,
        measured_once: c.measured_once,
        mean_first: mean_text(&c.mean_first),
        mean_latest: mean_text(&c.mean_latest),
        mean_change: mean_text(&c.mean_change),
        up: c.up,
        same: c.same,
        down: c.down,
    }
}

fn subject(s: wholeplace_store::Subject) -> (String, i64) {
    match s {
        wholeplace_store::Subject::Person(p) => ("person".to_owned(), p.get()),
        wholeplace_store::Subject::Family(f) => ("family".to_owned(), f.get()),
    }
}

/// A scale with its readings and the distance travelled.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScaleDetail {
    pub(crate) scale: ScaleView,
    pub(crate) readings: Vec<ReadingView>,
    pub(crate) travelled: Vec<TravelledView>,
    pub(crate) cohort: CohortView,
}

/// A reading to record: a person's or a family's record number (one of them).
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReadingInput {
    #[serde(default)]
    pub(crate) person_id: Option<i64>,
    #[serde(default)]
    pub(crate) family_id: Option<i64>,
    /// YYYY-MM-DD.
    pub(crate) taken_on: String,
    pub(crate) score: i64,
}

/// Every scale (no one's readings).
#[utoipa::path(get, path = "/scales", security(("token" = [])), responses((status = 200, body = [ScaleView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn scales(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<ScaleView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_scales(&actor)
            .await?
            .into_iter()
            .map(scale_view)
            .collect(),
    ))
}

/// Adds a scale (analysts and administrators); a name already used is a conflict.
#[utoipa::path(post, path = "/scales", request_body = ScaleInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_scale(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(i): ApiJson<ScaleInput>,
) -> Result<Response, ApiError> {
    let f = ScaleForm {
        name: i.name,
        description: i.description,
        high: i.high.to_string(),
        anchors: i.anchors.join("\n"),
    };
    let id = state.service.create_scale(&actor, &f).await?;
    Ok(created("scales", id))
}

/// A scale's readings and the distance travelled by each person or family and the cohort
/// (practitioners, analysts and administrators; every read audited).
#[utoipa::path(get, path = "/scales/{id}", params(("id" = i64, Path, minimum = 1, description = "Scale id")), security(("token" = [])), responses((status = 200, body = ScaleDetail), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn scale(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ScaleDetail>, ApiError> {
    let r = state.service.scale_report(&actor, path_id(&id)?).await?;
    Ok(Json(ScaleDetail {
        readings: r
            .readings
            .iter()
            .map(|x| {
                let (subject, subject_id) = subject(x.subject);
                ReadingView {
                    subject,
                    subject_id,
                    taken_on: x.taken_on.clone(),
                    score: x.score,
                }
            })
            .collect(),
        travelled: r
            .travelled
            .iter()
            .map(|t| {
                let (subject, subject_id) = subject(t.subject);
                TravelledView {
                    subject,
                    subject_id,
                    readings: t.readings,
                    first: t.first.1,
                    first_on: t.first.0.clone(),
                    latest: t.latest.1,
                    latest_on: t.latest.0.clone(),
                    change: t.change,
                }
            })
            .collect(),
        cohort: cohort_view(&r.cohort),
        scale: scale_view(r.scale),
    }))
}

/// Records a reading of a scale for a person or family (practitioners and administrators); a
/// person or family that does not exist is a conflict.
#[utoipa::path(post, path = "/scales/{id}/readings", params(("id" = i64, Path, minimum = 1, description = "Scale id")), request_body = ReadingInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn add_reading(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ReadingInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = ScaleReadingForm {
        person: i.person_id.map(|p| p.to_string()).unwrap_or_default(),
        family: i.family_id.map(|p| p.to_string()).unwrap_or_default(),
        taken_on: i.taken_on,
        score: i.score.to_string(),
    };
    let id = state
        .service
        .add_scale_reading(&actor, path_id(&id)?, &f)
        .await?;
    Ok(created_within(id))
}

/// One ONS4 measure summarised: never combined with the others.
#[derive(Serialize, ToSchema)]
pub(crate) struct Ons4MeasureView {
    /// `life_satisfaction`, `worthwhile`, `happiness` or `anxiety`.
    pub(crate) measure: String,
    pub(crate) answers: usize,
    /// The mean to two decimals, as the ONS gives it (text, such as `7.45`).
    pub(crate) mean: String,
    /// Answers in each ONS threshold band, lowest scores first.
    pub(crate) bands: Vec<BandView>,
    /// First against latest reading of everyone measured at least twice.
    pub(crate) distance: CohortView,
}

/// A threshold band's answers.
#[derive(Serialize, ToSchema)]
pub(crate) struct BandView {
    /// `very_low`, `low`, `medium`, `high` or `very_high`.
    pub(crate) band: String,
    pub(crate) answers: usize,
    /// Their share, a percentage to two decimals.
    pub(crate) percent: String,
}

/// A local authority's published means.
#[derive(Serialize, ToSchema)]
pub(crate) struct PublishedView {
    pub(crate) place: String,
    pub(crate) period: String,
    pub(crate) life_satisfaction: Option<f64>,
    pub(crate) worthwhile: Option<f64>,
    pub(crate) happiness: Option<f64>,
    pub(crate) anxiety: Option<f64>,
    pub(crate) source: String,
}

/// ONS4: each measure apart, and the published means beside them.
#[derive(Serialize, ToSchema)]
pub(crate) struct Ons4View {
    pub(crate) readings: usize,
    pub(crate) people: usize,
    pub(crate) measures: Vec<Ons4MeasureView>,
    pub(crate) published: Vec<PublishedView>,
}

/// An ONS4 reading: the four answers, each 0 to 10.
#[derive(Deserialize, ToSchema)]
pub(crate) struct Ons4Input {
    pub(crate) person_id: i64,
    /// YYYY-MM-DD.
    pub(crate) taken_on: String,
    pub(crate) life_satisfaction: i64,
    pub(crate) worthwhile: i64,
    pub(crate) happiness: i64,
    pub(crate) anxiety: i64,
}

fn band_key(b: wholeplace_domain::soft_outcomes::Ons4Band) -> String {
    serde_json::to_value(b)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// ONS4 summarised: each question's mean to two decimals and its threshold bands, never one
/// combined score, beside the published means (every read audited).
#[utoipa::path(get, path = "/wellbeing/ons4", security(("token" = [])), responses((status = 200, body = Ons4View), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn ons4(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Ons4View>, ApiError> {
    let r = state.service.ons4_report(&actor).await?;
    let percent = |h: &Option<Hundredths>| mean_text(h);
    Ok(Json(Ons4View {
        readings: r.readings,
        people: r.people,
        measures: r
            .summary
            .iter()
            .zip(&r.distance)
            .map(|(s, d)| Ons4MeasureView {
                measure: s.measure.as_str().to_owned(),
                answers: s.n,
                mean: mean_text(&s.mean),
                bands: s
                    .bands
                    .iter()
                    .map(|b| BandView {
                        band: band_key(b.0),
                        answers: b.1,
                        percent: percent(&b.2),
                    })
                    .collect(),
                distance: cohort_view(d),
            })
            .collect(),
        published: r
            .published
            .into_iter()
            .map(|p| PublishedView {
                place: p.place_name,
                period: p.period,
                life_satisfaction: p.means[0],
                worthwhile: p.means[1],
                happiness: p.means[2],
                anxiety: p.means[3],
                source: p.source,
            })
            .collect(),
    }))
}

/// Records an ONS4 reading (practitioners and administrators).
#[utoipa::path(post, path = "/wellbeing/ons4", request_body = Ons4Input, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn add_ons4(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(i): ApiJson<Ons4Input>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = Ons4Form {
        person: i.person_id.to_string(),
        taken_on: i.taken_on,
        life_satisfaction: i.life_satisfaction.to_string(),
        worthwhile: i.worthwhile.to_string(),
        happiness: i.happiness.to_string(),
        anxiety: i.anxiety.to_string(),
    };
    Ok(created_within(
        state.service.add_ons4_reading(&actor, &f).await?,
    ))
}

/// A (S)WEMWBS reading with its total.
#[derive(Serialize, ToSchema)]
pub(crate) struct WemwbsReadingView {
    pub(crate) person_id: i64,
    pub(crate) taken_on: String,
    /// `wemwbs` or `swemwbs`.
    pub(crate) scale: String,
    pub(crate) items: Vec<i64>,
    /// WEMWBS 14 to 70; SWEMWBS the raw 7 to 35 (not converted to a metric score).
    pub(crate) total: i64,
}

/// (S)WEMWBS readings, with the notice every output carries.
#[derive(Serialize, ToSchema)]
pub(crate) struct WemwbsView {
    /// The licence notice, naming the registration.
    pub(crate) notice: String,
    pub(crate) readings: Vec<WemwbsReadingView>,
}

/// A (S)WEMWBS reading entered by number.
#[derive(Deserialize, ToSchema)]
pub(crate) struct WemwbsInput {
    /// `wemwbs` (14 items) or `swemwbs` (7 items).
    pub(crate) scale: String,
    pub(crate) person_id: i64,
    /// YYYY-MM-DD.
    pub(crate) taken_on: String,
    /// The item scores in the scale's order, each 1 to 5.
    pub(crate) items: Vec<i64>,
}

/// (S)WEMWBS readings with their totals and the notice; 403 until an administrator has recorded
/// the registration (every read audited).
#[utoipa::path(get, path = "/wellbeing/wemwbs", security(("token" = [])), responses((status = 200, body = WemwbsView), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn wemwbs(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<WemwbsView>, ApiError> {
    let r = state.service.wemwbs_report(&actor).await?;
    Ok(Json(WemwbsView {
        notice: r.notice,
        readings: r
            .readings
            .into_iter()
            .map(|(w, total)| WemwbsReadingView {
                person_id: w.person_id.get(),
                taken_on: w.taken_on,
                scale: w.instrument.as_str().to_owned(),
                items: w.items,
                total,
            })
            .collect(),
    }))
}

/// Records a (S)WEMWBS reading by item number (practitioners and administrators); 403 until the
/// registration is recorded.
#[utoipa::path(post, path = "/wellbeing/wemwbs", request_body = WemwbsInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn add_wemwbs(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(i): ApiJson<WemwbsInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = WemwbsForm {
        scale: i.scale,
        person: i.person_id.to_string(),
        taken_on: i.taken_on,
        items: i
            .items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
    };
    Ok(created_within(
        state.service.add_wemwbs_reading(&actor, &f).await?,
    ))
}
