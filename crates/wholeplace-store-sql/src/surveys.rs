//! [`SurveyStore`] for [`SqlStore`]: place perception surveys, their rounds and responses (a
//! response's fourteen scores and a round's groups kept as JSON text).

use crate::SqlStore;
use crate::dataset::get;
use crate::soft_outcomes::{json_list, to_json};
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::surveys::Scores;
use wholeplace_domain::{SurveyId, SurveyResponseId, SurveyRoundId};
use wholeplace_store::*;

const ROUNDS: &str =
    "SELECT id, survey_id, label, opens_on, closes_on, invited, token, groups FROM survey_round";

fn round_from_row(r: &AnyRow) -> StoreResult<SurveyRound> {
    Ok(SurveyRound {
        id: id(r, "id")?,
        survey_id: id(r, "survey_id")?,
        label: get(r, "label")?,
        opens_on: get(r, "opens_on")?,
        closes_on: get(r, "closes_on")?,
        invited: get(r, "invited")?,
        token: get(r, "token")?,
        groups: json_list(r, "groups")?,
    })
}

fn response_from_row(r: &AnyRow) -> StoreResult<SurveyResponse> {
    let list: Vec<Option<i64>> = json_list(r, "scores")?;
    let scores: Scores = list
        .try_into()
        .map_err(|_| StoreError::Backend("a response without fourteen scores".to_owned()))?;
    Ok(SurveyResponse {
        id: id(r, "id")?,
        round_id: id(r, "round_id")?,
        received_at: get(r, "received_at")?,
        channel: vocab(r, "channel")?,
        group: get(r, "group_label")?,
        scores,
        good: get(r, "good")?,
        better: get(r, "better")?,
    })
}

#[async_trait]
impl SurveyStore for SqlStore {
    async fn list_surveys(&self) -> StoreResult<Vec<Survey>> {
        sqlx::query(
            "SELECT s.id, s.place_id, p.name AS place_name, s.name, s.description FROM survey s JOIN place p ON p.id = s.place_id ORDER BY p.name, s.name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(Survey {
                id: id(r, "id")?,
                place_id: id(r, "place_id")?,
                place_name: get(r, "place_name")?,
                name: get(r, "name")?,
                description: get(r, "description")?,
            })
        })
        .collect()
    }

    async fn create_survey(&self, s: &Survey, audit: &AuditEvent) -> StoreResult<SurveyId> {
        let q = sqlx::query(
            "INSERT INTO survey (place_id, name, description) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(s.place_id.get())
        .bind(s.name.clone())
        .bind(s.description.clone());
        create_one(
            self,
            q,
            &format!("a survey of that place called '{}'", s.name),
            audit,
        )
        .await
    }

    async fn survey_rounds(&self, survey: SurveyId) -> StoreResult<Vec<SurveyRound>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ROUNDS} WHERE survey_id = $1 ORDER BY opens_on, id"
        )))
        .bind(survey.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(round_from_row)
        .collect()
    }

    async fn create_survey_round(
        &self,
        r: &SurveyRound,
        audit: &AuditEvent,
    ) -> StoreResult<SurveyRoundId> {
        let q = sqlx::query(
            "INSERT INTO survey_round (survey_id, label, opens_on, closes_on, invited, token, groups) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.survey_id.get())
        .bind(r.label.clone())
        .bind(r.opens_on.clone())
        .bind(r.closes_on.clone())
        .bind(r.invited)
        .bind(r.token.clone())
        .bind(to_json(&r.groups));
        create_one(
            self,
            q,
            &format!("a round of that survey called '{}'", r.label),
            audit,
        )
        .await
    }

    async fn survey_round_by_token(&self, token: &str) -> StoreResult<Option<SurveyRound>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{ROUNDS} WHERE token = $1")))
            .bind(token.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?
            .as_ref()
            .map(round_from_row)
            .transpose()
    }

    async fn survey_responses(&self, round: SurveyRoundId) -> StoreResult<Vec<SurveyResponse>> {
        sqlx::query(
            "SELECT id, round_id, received_at, channel, group_label, scores, good, better FROM survey_response WHERE round_id = $1 ORDER BY received_at, id",
        )
        .bind(round.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?
        .iter()
        .map(response_from_row)
        .collect()
    }

    async fn add_survey_response(
        &self,
        r: &SurveyResponse,
        audit: &AuditEvent,
    ) -> StoreResult<SurveyResponseId> {
        let q = sqlx::query(
            "INSERT INTO survey_response (round_id, received_at, channel, group_label, scores, good, better) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.round_id.get())
        .bind(r.received_at)
        .bind(r.channel.as_str())
        .bind(r.group.clone())
        .bind(to_json(&r.scores))
        .bind(r.good.clone())
        .bind(r.better.clone());
        create_one(self, q, "a response", audit).await
    }
}
