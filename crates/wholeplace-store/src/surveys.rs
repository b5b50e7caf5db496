//! Place perception surveys: a survey of a place, its rounds (each with its link's token and how
//! many were invited) and the responses (fourteen theme scores 1 to 7,
//! what is good and what could be better, an optional group; no personal data asked for).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::surveys::Scores;
use wholeplace_domain::{PlaceId, SurveyId, SurveyResponseId, SurveyRoundId};

/// A place perception survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Survey {
    /// Id (ignored when writing).
    pub id: SurveyId,
    /// The place surveyed.
    pub place_id: PlaceId,
    /// Its name (empty when writing).
    pub place_name: String,
    /// The survey's name, such as "Wychavon community survey".
    pub name: String,
    /// Who runs it and how (such as community researchers door to door).
    pub description: String,
}

/// A round of a survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SurveyRound {
    /// Id (ignored when writing).
    pub id: SurveyRoundId,
    /// The survey.
    pub survey_id: SurveyId,
    /// Its label, such as "Spring 2024".
    pub label: String,
    /// Opens, ISO 8601.
    pub opens_on: String,
    /// Closes, ISO 8601.
    pub closes_on: String,
    /// How many people were invited, when known (for the response rate).
    pub invited: Option<i64>,
    /// The link's random token: anyone with the link may respond (nothing more), so editors can
    /// always see it, unlike a password.
    pub token: String,
    /// The groups responses may be counted in (such as age bands), in order.
    pub groups: Vec<String>,
}

/// How a response came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Through the round's link.
    Link,
    /// Entered from paper.
    Paper,
}

impl Channel {
    /// Its key.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Link => "link",
            Channel::Paper => "paper",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "link" => Ok(Channel::Link),
            "paper" => Ok(Channel::Paper),
            other => Err(format!("'{other}' is not link or paper")),
        }
    }
}

/// A response to a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SurveyResponse {
    /// Id (ignored when writing).
    pub id: SurveyResponseId,
    /// The round.
    pub round_id: SurveyRoundId,
    /// When it was received.
    pub received_at: Timestamp,
    /// Through the link or from paper.
    pub channel: Channel,
    /// The group it counts in (one of the round's), or empty.
    pub group: String,
    /// The fourteen theme scores, 1 to 7 (`None` where not scored).
    pub scores: Scores,
    /// What is good.
    pub good: String,
    /// What could be better.
    pub better: String,
}

/// The storage port for place perception surveys.
#[async_trait]
pub trait SurveyStore: Send + Sync {
    /// Every survey, by place name then name.
    async fn list_surveys(&self) -> StoreResult<Vec<Survey>>;
    /// Adds a survey; `NotFound` without the place, `Conflict` when the place has one so named.
    async fn create_survey(&self, s: &Survey, audit: &AuditEvent) -> StoreResult<SurveyId>;
    /// A survey's rounds, oldest first.
    async fn survey_rounds(&self, survey: SurveyId) -> StoreResult<Vec<SurveyRound>>;
    /// Adds a round; `Conflict` when the survey has a round so labelled.
    async fn create_survey_round(
        &self,
        r: &SurveyRound,
        audit: &AuditEvent,
    ) -> StoreResult<SurveyRoundId>;
    /// The round whose link carries `token`.
    async fn survey_round_by_token(&self, token: &str) -> StoreResult<Option<SurveyRound>>;
    /// A round's responses, oldest first.
    async fn survey_responses(&self, round: SurveyRoundId) -> StoreResult<Vec<SurveyResponse>>;
    /// Adds a response; `NotFound` without the round.
    async fn add_survey_response(
        &self,
        r: &SurveyResponse,
        audit: &AuditEvent,
    ) -> StoreResult<SurveyResponseId>;
}
