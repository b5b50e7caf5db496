//! `/api/v1/surveys`: place perception surveys, each survey's rounds with their response rates
//! and mean score per theme (overall and per group), adding rounds and entering responses.

use super::*;
use wholeplace_domain::soft_outcomes::Hundredths;
use wholeplace_domain::surveys::THEMES;
use wholeplace_service::{ResponseForm, RoundForm, SurveyForm};

/// A survey.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyView {
    pub(crate) id: i64,
    pub(crate) place_id: i64,
    pub(crate) place: String,
    pub(crate) name: String,
    pub(crate) description: String,
}

fn survey_view(s: wholeplace_store::Survey) -> SurveyView {
    SurveyView {
        id: s.id.get(),
        place_id: s.place_id.get(),
        place: s.place_name,
        name: s.name,
        description: s.description,
    }
}

/// A theme's mean (two decimals, as text; empty where no one scored it).
#[derive(Serialize, ToSchema)]
pub(crate) struct ThemeMean {
    pub(crate) theme: String,
    pub(crate) mean: String,
}

fn theme_means(means: &[Option<Hundredths>; 14]) -> Vec<ThemeMean> {
    THEMES
        .iter()
        .zip(means)
        .map(|(t, m)| ThemeMean {
            theme: (*t).to_owned(),
            mean: m.map(|m| m.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// A group's means in a round.
#[derive(Serialize, ToSchema)]
pub(crate) struct GroupMeans {
    pub(crate) group: String,
    pub(crate) responses: usize,
    pub(crate) means: Vec<ThemeMean>,
}

/// A round with its response rate and means.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoundView {
    pub(crate) id: i64,
    pub(crate) label: String,
    pub(crate) opens_on: String,
    pub(crate) closes_on: String,
    pub(crate) invited: Option<i64>,
    pub(crate) responses: usize,
    /// Responses out of those invited, a percentage to two decimals (empty when not known).
    pub(crate) response_rate: String,
    /// The path of the round's public page (`/survey/{token}`).
    pub(crate) link: String,
    pub(crate) groups: Vec<String>,
    pub(crate) means: Vec<ThemeMean>,
    pub(crate) group_means: Vec<GroupMeans>,
    pub(crate) good: Vec<String>,
    pub(crate) better: Vec<String>,
}

/// A survey with its rounds, oldest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyDetail {
    pub(crate) survey: SurveyView,
    pub(crate) rounds: Vec<RoundView>,
}

/// A survey to add.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SurveyInput {
    /// The place: its name, GSS code or id.
    pub(crate) place: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// A round to add.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RoundInput {
    pub(crate) label: String,
    /// YYYY-MM-DD.
    pub(crate) opens_on: String,
    /// YYYY-MM-DD.
    pub(crate) closes_on: String,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) invited: Option<i64>,
    #[serde(default)]
    pub(crate) groups: Vec<String>,
}

/// A response entered from paper: fourteen scores in the themes' order, each 1 to 7 or null.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ResponseInput {
    /// The day the paper form was filled in, YYYY-MM-DD.
    pub(crate) received_on: String,
    pub(crate) scores: Vec<Option<i64>>,
    #[serde(default)]
    pub(crate) group: String,
    #[serde(default)]
    pub(crate) good: String,
    #[serde(default)]
    pub(crate) better: String,
}

/// Every survey.
#[utoipa::path(get, path = "/surveys", security(("token" = [])), responses((status = 200, body = [SurveyView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn surveys(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<SurveyView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_surveys(&actor)
            .await?
            .into_iter()
            .map(survey_view)
            .collect(),
    ))
}

/// Adds a survey of a place (analysts and administrators); a place that does not exist, or a
/// survey of the place with the same name, is a conflict.
#[utoipa::path(post, path = "/surveys", request_body = SurveyInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_survey(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(i): ApiJson<SurveyInput>,
) -> Result<Response, ApiError> {
    let f = SurveyForm {
        place: i.place,
        name: i.name,
        description: i.description,
    };
    Ok(created(
        "surveys",
        state.service.create_survey(&actor, &f).await?,
    ))
}

/// A survey with each round's response rate and mean score per theme, overall and per group.
#[utoipa::path(get, path = "/surveys/{id}", params(("id" = i64, Path, minimum = 1, description = "Survey id")), security(("token" = [])), responses((status = 200, body = SurveyDetail), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn survey(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SurveyDetail>, ApiError> {
    let r = state.service.survey_report(&actor, path_id(&id)?).await?;
    Ok(Json(SurveyDetail {
        survey: survey_view(r.survey),
        rounds: r
            .rounds
            .into_iter()
            .map(|v| RoundView {
                id: v.round.id.get(),
                label: v.round.label,
                opens_on: v.round.opens_on,
                closes_on: v.round.closes_on,
                invited: v.round.invited,
                responses: v.responses,
                response_rate: v.rate.map(|r| r.to_string()).unwrap_or_default(),
                link: format!("/survey/{}", v.round.token),
                groups: v.round.groups,
                means: theme_means(&v.means),
                group_means: v
                    .groups
                    .iter()
                    .map(|g| GroupMeans {
                        group: g.group.clone(),
                        responses: g.responses,
                        means: theme_means(&g.means),
                    })
                    .collect(),
                good: v.good,
                better: v.better,
            })
            .collect(),
    }))
}

/// Adds a round to a survey, with its public link (analysts and administrators); a label the
/// survey already has is a conflict.
#[utoipa::path(post, path = "/surveys/{id}/rounds", params(("id" = i64, Path, minimum = 1, description = "Survey id")), request_body = RoundInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_round(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<RoundInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = RoundForm {
        label: i.label,
        opens_on: i.opens_on,
        closes_on: i.closes_on,
        invited: i.invited.map(|n| n.to_string()).unwrap_or_default(),
        groups: i.groups.join("\n"),
    };
    let id = state
        .service
        .create_survey_round(&actor, path_id(&id)?, &f)
        .await?;
    Ok(created_within(id))
}

/// Enters a response from paper (analysts and administrators).
#[utoipa::path(post, path = "/survey-rounds/{id}/responses", params(("id" = i64, Path, minimum = 1, description = "Round id")), request_body = ResponseInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn add_response(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ResponseInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = ResponseForm {
        received_on: i.received_on,
        ..ResponseForm::from_scores(&i.scores, &i.group, &i.good, &i.better)
    };
    let round = path_id(&id)?;
    let survey = state.service.survey_of_round(&actor, round).await?;
    let id = state
        .service
        .add_paper_response(&actor, survey, round, &f)
        .await?;
    Ok(created_within(id))
}
