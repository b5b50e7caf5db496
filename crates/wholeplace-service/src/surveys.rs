//! Place perception surveys: a Place Standard style survey of a place (fourteen themes scored 1
//! to 7, with what is good and what could be better), in rounds, each collected through a link
//! anyone holding it may answer without signing in (checked, limited in rate, asking nothing
//! personal) or entered from paper; each round's means by theme, overall and per group, its
//! response rate, and the rounds side by side for the trend. Survey answers are the
//! partnership's non-personal information: read by anyone signed in, run by analysts and
//! administrators.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::soft_outcomes::Hundredths;
use wholeplace_domain::surveys::{HIGHEST, LOWEST, Scores, THEMES, response_rate, theme_means};
use wholeplace_domain::{SurveyId, SurveyResponseId, SurveyRoundId};
use wholeplace_store::{AuditEvent, Channel, StoreError, Survey, SurveyResponse, SurveyRound};

/// Responses a round takes through its link in a minute, at most (a survey link is public:
/// this keeps a script from flooding a round; paper entry is not limited).
pub const LINK_RESPONSES_PER_MINUTE: usize = 30;

/// The "add a survey" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SurveyForm {
    /// The place: its id, name or GSS code.
    pub place: String,
    /// The survey's name.
    pub name: String,
    /// Who runs it and how.
    pub description: String,
}

/// The "add a round" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RoundForm {
    /// Its label, such as "Spring 2024".
    pub label: String,
    /// Opens, year-month-day.
    pub opens_on: String,
    /// Closes, year-month-day.
    pub closes_on: String,
    /// How many were invited (optional; for the response rate).
    pub invited: String,
    /// The groups responses may be counted in, one a line (optional).
    pub groups: String,
}

/// A response, from the link or from paper: `theme_1` to `theme_14` each 1 to 7 or empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResponseForm {
    /// The group it counts in (one of the round's), or empty.
    pub group: String,
    /// Theme scores, 1 to 7 or empty, in the themes' order.
    pub theme_1: String,
    /// Theme 2.
    pub theme_2: String,
    /// Theme 3.
    pub theme_3: String,
    /// Theme 4.
    pub theme_4: String,
    /// Theme 5.
    pub theme_5: String,
    /// Theme 6.
    pub theme_6: String,
    /// Theme 7.
    pub theme_7: String,
    /// Theme 8.
    pub theme_8: String,
    /// Theme 9.
    pub theme_9: String,
    /// Theme 10.
    pub theme_10: String,
    /// Theme 11.
    pub theme_11: String,
    /// Theme 12.
    pub theme_12: String,
    /// Theme 13.
    pub theme_13: String,
    /// Theme 14.
    pub theme_14: String,
    /// What is good.
    pub good: String,
    /// What could be better.
    pub better: String,
    /// For a paper response: the day it was filled in, year-month-day (empty for today; a
    /// response through the link is always dated when it arrives).
    pub received_on: String,
    /// Left empty by people; a form that fills it is from a script and is refused.
    pub website: String,
}

impl ResponseForm {
    /// The theme fields in order.
    pub fn themes(&self) -> [&str; 14] {
        [
            &self.theme_1,
            &self.theme_2,
            &self.theme_3,
            &self.theme_4,
            &self.theme_5,
            &self.theme_6,
            &self.theme_7,
            &self.theme_8,
            &self.theme_9,
            &self.theme_10,
            &self.theme_11,
            &self.theme_12,
            &self.theme_13,
            &self.theme_14,
        ]
    }

    /// A form from fourteen scores (for the API and the demonstration).
    pub fn from_scores(scores: &[Option<i64>], group: &str, good: &str, better: &str) -> Self {
        let s = |k: usize| {
            scores
                .get(k)
                .copied()
                .flatten()
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        ResponseForm {
            group: group.to_owned(),
            theme_1: s(0),
            theme_2: s(1),
            theme_3: s(2),
            theme_4: s(3),
            theme_5: s(4),
            theme_6: s(5),
            theme_7: s(6),
            theme_8: s(7),
            theme_9: s(8),
            theme_10: s(9),
            theme_11: s(10),
            theme_12: s(11),
            theme_13: s(12),
            theme_14: s(13),
            good: good.to_owned(),
            better: better.to_owned(),
            received_on: String::new(),
            website: String::new(),
        }
    }

    /// The response to `round`, or every problem at once.
    pub fn parse(
        &self,
        round: &SurveyRound,
        channel: Channel,
        received_at: i64,
    ) -> Result<SurveyResponse, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut scores: Scores = [None; 14];
        for (k, raw) in self.themes().iter().enumerate() {
            let t = raw.trim();
            if t.is_empty() {
                continue;
            }
            match t.parse::<i64>() {
                Ok(v) if (LOWEST..=HIGHEST).contains(&v) => scores[k] = Some(v),
                _ => errors.push(FieldError::new(
                    &format!("theme_{}", k + 1),
                    format!("Choose a score for {} from 1 to 7", THEMES[k]),
                )),
            }
        }
        if errors.is_empty() && scores.iter().all(Option::is_none) {
            errors.push(FieldError::new(
                "theme_1",
                "Score at least one theme from 1 to 7",
            ));
        }
        let group = self.group.trim();
        if !group.is_empty() && !round.groups.iter().any(|g| g == group) {
            errors.push(FieldError::new(
                "group",
                "Choose one of the groups listed, or leave it empty",
            ));
        }
        let mut received_at = received_at;
        if channel == Channel::Paper && !self.received_on.trim().is_empty() {
            let day = date(&mut errors, "received_on", &self.received_on);
            if let Some(t) = crate::clock::parse_date(&day) {
                received_at = t;
            }
        }
        let good = text(&mut errors, "good", &self.good, 2000, None);
        let better = text(&mut errors, "better", &self.better, 2000, None);
        if !self.website.trim().is_empty() {
            errors.push(FieldError::new(
                "website",
                "Leave the last box empty: it is there to catch automated responses",
            ));
        }
        if errors.is_empty() {
            Ok(SurveyResponse {
                id: SurveyResponseId::new(1),
                round_id: round.id,
                received_at,
                channel,
                group: group.to_owned(),
                scores,
                good,
                better,
            })
        } else {
            Err(errors)
        }
    }
}

/// A group's means in a round.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupView {
    /// The group.
    pub group: String,
    /// Its responses.
    pub responses: usize,
    /// Its mean per theme.
    pub means: [Option<Hundredths>; 14],
}

/// A round with its response rate and means.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RoundView {
    /// The round.
    pub round: SurveyRound,
    /// Its responses.
    pub responses: usize,
    /// Of them, through the link.
    pub by_link: usize,
    /// Responses out of those invited, as a percentage to two decimals.
    pub rate: Option<Hundredths>,
    /// The mean per theme.
    pub means: [Option<Hundredths>; 14],
    /// Each group's (only groups with responses).
    pub groups: Vec<GroupView>,
    /// What is good, as people wrote it (non-empty answers).
    pub good: Vec<String>,
    /// What could be better.
    pub better: Vec<String>,
    /// Whether it is open today.
    pub open: bool,
}

/// A survey with its rounds, oldest first (the trend).
#[derive(Clone, Debug, serde::Serialize)]
pub struct SurveyReport {
    /// The survey.
    pub survey: Survey,
    /// Its rounds.
    pub rounds: Vec<RoundView>,
}

/// What a person answering through a link is shown.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicRound {
    /// The survey's name.
    pub survey: String,
    /// The place.
    pub place: String,
    /// The round.
    pub round: SurveyRound,
    /// Whether it takes responses today.
    pub open: bool,
}

fn round_view(round: SurveyRound, responses: &[SurveyResponse], today: &str) -> RoundView {
    let scores: Vec<Scores> = responses.iter().map(|r| r.scores).collect();
    let groups = round
        .groups
        .iter()
        .filter_map(|g| {
            let of: Vec<Scores> = responses
                .iter()
                .filter(|r| &r.group == g)
                .map(|r| r.scores)
                .collect();
            (!of.is_empty()).then(|| GroupView {
                group: g.clone(),
                responses: of.len(),
                means: theme_means(&of),
            })
        })
        .collect();
    let texts = |f: fn(&SurveyResponse) -> &String| {
        responses
            .iter()
            .map(f)
            .filter(|t| !t.is_empty())
            .cloned()
            .collect()
    };
    RoundView {
        responses: responses.len(),
        by_link: responses
            .iter()
            .filter(|r| r.channel == Channel::Link)
            .count(),
        rate: response_rate(responses.len() as i64, round.invited),
        means: theme_means(&scores),
        groups,
        good: texts(|r| &r.good),
        better: texts(|r| &r.better),
        open: round.opens_on.as_str() <= today && today <= round.closes_on.as_str(),
        round,
    }
}

impl Service {
    /// Every survey.
    pub async fn list_surveys(&self, actor: &Actor) -> ServiceResult<Vec<Survey>> {
        self.may_read(actor).await?;
        Ok(self.store().list_surveys().await?)
    }

    /// Adds a survey of a place (analysts and administrators).
    pub async fn create_survey(&self, actor: &Actor, f: &SurveyForm) -> ServiceResult<SurveyId> {
        self.require_editor(actor, AuditAction::SurveyCreate, "survey", None)
            .await?;
        let mut errors = Vec::new();
        let lookup = Lookup::new(&[], &self.store().list_places().await?);
        let place = place_field(
            &mut errors,
            "place",
            &f.place,
            "Enter the place surveyed",
            |p| lookup.place(p),
        );
        let name = text(
            &mut errors,
            "name",
            &f.name,
            200,
            Some("Enter the survey's name"),
        );
        let description = text(&mut errors, "description", &f.description, 2000, None);
        let Some(place_id) = place.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let s = Survey {
            id: SurveyId::new(1),
            place_id,
            place_name: String::new(),
            name,
            description,
        };
        let ev = self.event(actor, AuditAction::SurveyCreate, "survey", None, true, "");
        self.store()
            .create_survey(&s, &ev)
            .await
            .map_err(already("name"))
    }

    async fn survey(&self, id: SurveyId) -> ServiceResult<Survey> {
        self.store()
            .list_surveys()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(ServiceError::NotFound)
    }

    /// Adds a round to a survey, with a fresh link token (analysts and administrators).
    pub async fn create_survey_round(
        &self,
        actor: &Actor,
        survey: SurveyId,
        f: &RoundForm,
    ) -> ServiceResult<SurveyRoundId> {
        self.require_editor(
            actor,
            AuditAction::SurveyRound,
            "survey",
            Some(survey.to_string()),
        )
        .await?;
        self.survey(survey).await?;
        let mut errors = Vec::new();
        let label = text(
            &mut errors,
            "label",
            &f.label,
            100,
            Some("Enter the round's label, such as Spring 2024"),
        );
        let opens_on = date(&mut errors, "opens_on", &f.opens_on);
        let closes_on = date(&mut errors, "closes_on", &f.closes_on);
        for (field, v) in [("opens_on", &opens_on), ("closes_on", &closes_on)] {
            if v.is_empty() {
                errors.push(FieldError::new(field, "Enter the day, such as 2024-04-01"));
            }
        }
        if errors.is_empty() && closes_on < opens_on {
            errors.push(FieldError::new(
                "closes_on",
                "The round must close on or after the day it opens",
            ));
        }
        let invited = match f.invited.trim() {
            "" => None,
            t => match t.replace(',', "").parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "invited",
                        "Enter how many were invited as a whole number above 0, or leave it empty",
                    ));
                    None
                }
            },
        };
        let groups: Vec<String> = f
            .groups
            .lines()
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        if groups.len() > 20 || groups.iter().any(|g| g.chars().count() > 100) {
            errors.push(FieldError::new(
                "groups",
                "List at most 20 groups, each of 100 characters or fewer",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let r = SurveyRound {
            id: SurveyRoundId::new(1),
            survey_id: survey,
            label,
            opens_on,
            closes_on,
            invited,
            token: crate::secret::random_token("ps_"),
            groups,
        };
        let ev = self.event(
            actor,
            AuditAction::SurveyRound,
            "survey_round",
            None,
            true,
            &format!("survey {survey}"),
        );
        self.store()
            .create_survey_round(&r, &ev)
            .await
            .map_err(already("label"))
    }

    /// A survey with each round's response rate, means by theme and group, and answers.
    pub async fn survey_report(&self, actor: &Actor, id: SurveyId) -> ServiceResult<SurveyReport> {
        self.may_read(actor).await?;
        let survey = self.survey(id).await?;
        let today = crate::clock::day_of(self.now());
        let mut rounds = Vec::new();
        for r in self.store().survey_rounds(id).await? {
            let responses = self.store().survey_responses(r.id).await?;
            rounds.push(round_view(r, &responses, &today));
        }
        Ok(SurveyReport { survey, rounds })
    }

    async fn round(&self, survey: SurveyId, round: SurveyRoundId) -> ServiceResult<SurveyRound> {
        self.store()
            .survey_rounds(survey)
            .await?
            .into_iter()
            .find(|r| r.id == round)
            .ok_or(ServiceError::NotFound)
    }

    /// The survey and round a form for paper entry is about (editors).
    pub async fn survey_round(
        &self,
        actor: &Actor,
        survey: SurveyId,
        round: SurveyRoundId,
    ) -> ServiceResult<(Survey, SurveyRound)> {
        self.may_read(actor).await?;
        Ok((self.survey(survey).await?, self.round(survey, round).await?))
    }

    /// The survey of a round a response is to be entered in (analysts and administrators: the
    /// refusal comes before any lookup, so a refused caller learns nothing of which rounds exist).
    pub async fn survey_of_round(
        &self,
        actor: &Actor,
        round: SurveyRoundId,
    ) -> ServiceResult<SurveyId> {
        self.require_editor(
            actor,
            AuditAction::SurveyResponse,
            "survey_round",
            Some(round.to_string()),
        )
        .await?;
        for s in self.store().list_surveys().await? {
            if self
                .store()
                .survey_rounds(s.id)
                .await?
                .iter()
                .any(|r| r.id == round)
            {
                return Ok(s.id);
            }
        }
        Err(ServiceError::NotFound)
    }

    /// Enters a response from paper (analysts and administrators).
    pub async fn add_paper_response(
        &self,
        actor: &Actor,
        survey: SurveyId,
        round: SurveyRoundId,
        f: &ResponseForm,
    ) -> ServiceResult<SurveyResponseId> {
        self.require_editor(
            actor,
            AuditAction::SurveyResponse,
            "survey_round",
            Some(round.to_string()),
        )
        .await?;
        let r = self.round(survey, round).await?;
        let response = f
            .parse(&r, Channel::Paper, self.now())
            .map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::SurveyResponse,
            "survey_response",
            None,
            true,
            &format!("round {round}, from paper"),
        );
        Ok(self.store().add_survey_response(&response, &ev).await?)
    }

    /// The round a link's token opens (no sign-in: the token is the key).
    pub async fn public_round(&self, token: &str) -> ServiceResult<PublicRound> {
        let round = self
            .store()
            .survey_round_by_token(token.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let survey = self.survey(round.survey_id).await?;
        let today = crate::clock::day_of(self.now());
        Ok(PublicRound {
            survey: survey.name,
            place: survey.place_name,
            open: round.opens_on.as_str() <= today.as_str()
                && today.as_str() <= round.closes_on.as_str(),
            round,
        })
    }

    /// A response through a round's link: only while the round is open, at most
    /// [`LINK_RESPONSES_PER_MINUTE`] a minute for the round, nothing personal asked or kept
    /// (the audit entry names the round, not the address).
    pub async fn respond_by_link(
        &self,
        token: &str,
        f: &ResponseForm,
    ) -> ServiceResult<SurveyResponseId> {
        let p = self.public_round(token).await?;
        if !p.open {
            return Err(ServiceError::Validation(vec![FieldError::conflict(
                "round",
                format!(
                    "This survey takes responses from {} to {}: it is not open today",
                    p.round.opens_on, p.round.closes_on
                ),
            )]));
        }
        let now = self.now();
        let recent = self
            .store()
            .survey_responses(p.round.id)
            .await?
            .iter()
            .filter(|r| r.channel == Channel::Link && r.received_at > now - 60)
            .count();
        if recent >= LINK_RESPONSES_PER_MINUTE {
            return Err(ServiceError::Validation(vec![FieldError::conflict(
                "round",
                "Many people are answering just now: please send your answers again in a minute",
            )]));
        }
        let response = f
            .parse(&p.round, Channel::Link, now)
            .map_err(ServiceError::Validation)?;
        let ev = AuditEvent {
            at: now,
            actor_user_id: None,
            actor: "survey-link".to_owned(),
            action: AuditAction::SurveyResponse.as_str().to_owned(),
            record_type: "survey_response".to_owned(),
            record_id: None,
            address: "survey link".to_owned(),
            allowed: true,
            detail: format!("round {}, through its link", p.round.id),
        };
        self.store()
            .add_survey_response(&response, &ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::NotFound,
                other => other.into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round() -> SurveyRound {
        SurveyRound {
            id: SurveyRoundId::new(1),
            survey_id: SurveyId::new(1),
            label: "Spring".into(),
            opens_on: "2024-01-01".into(),
            closes_on: "2024-03-31".into(),
            invited: Some(300),
            token: "ps_x".into(),
            groups: vec!["16-24".into(), "65 and over".into()],
        }
    }

    #[test]
    fn a_response_is_checked_theme_by_theme() {
        let mut f = ResponseForm::from_scores(&[Some(4), None, Some(8)], "", "", "");
        f.group = "Martians".into();
        f.website = "http://spam".into();
        let e = f
            .parse(&round(), Channel::Link, 0)
            .expect_err("bad response");
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["theme_3", "group", "website"]);
        assert_eq!(
            e[0].message,
            "Choose a score for Traffic and parking from 1 to 7"
        );
        let none = ResponseForm::default()
            .parse(&round(), Channel::Paper, 0)
            .expect_err("nothing scored");
        assert_eq!(none[0].field, "theme_1");
        let ok = ResponseForm::from_scores(&[Some(4), None, Some(7)], "16-24", "Parks", "Buses")
            .parse(&round(), Channel::Paper, 5)
            .expect("good");
        assert_eq!(&ok.scores[..3], &[Some(4), None, Some(7)]);
        assert_eq!(ok.group, "16-24");
    }

    #[test]
    fn a_round_shows_its_response_rate_and_each_groups_means() {
        let r = round();
        let resp = |scores: [Option<i64>; 14], group: &str, channel| SurveyResponse {
            id: SurveyResponseId::new(1),
            round_id: r.id,
            received_at: 0,
            channel,
            group: group.into(),
            scores,
            good: "Good".into(),
            better: String::new(),
        };
        let list: Vec<SurveyResponse> = (0..99)
            .map(|k| {
                resp(
                    [Some(1 + k % 7); 14],
                    if k % 2 == 0 { "16-24" } else { "" },
                    Channel::Link,
                )
            })
            .collect();
        let v = round_view(r, &list, "2024-02-01");
        assert_eq!(v.rate.map(|h| h.to_string()).as_deref(), Some("33.00"));
        assert_eq!(v.groups.len(), 1);
        assert_eq!(v.groups[0].responses, 50);
        assert_eq!(v.good.len(), 99);
        assert!(v.better.is_empty());
        assert!(v.open);
        let scores: Vec<i64> = (0..99).map(|k| 1 + k % 7).collect();
        assert_eq!(v.means[0], Hundredths::mean(&scores));
    }
}
