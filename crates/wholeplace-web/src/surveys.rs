//! `/surveys`: place perception surveys (a Place Standard style survey of a place, in rounds),
//! each survey's page with its compass charts (every round overlaid for the trend, and each
//! group of the latest round), the means as tables and in words, the response rates, adding a
//! round, and entering a response from paper; `/survey/{token}`: the public page a round's link
//! opens, answered without signing in.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::Field;
use crate::form::{CsrfForm, FormFields};
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_appraisal_report::charts::{Compass, CompassSeries};
use wholeplace_domain::soft_outcomes::Hundredths;
use wholeplace_domain::surveys::{THEMES, extremes};
use wholeplace_domain::{SurveyId, SurveyRoundId};
use wholeplace_service::surveys::{PublicRound, RoundView};
use wholeplace_service::{
    Access, AuditAction, DataClass, FieldError, ResponseForm, RoundForm, SurveyForm, SurveyReport,
};
use wholeplace_store::Survey;

/// The form fields of the fourteen themes.
pub(crate) const THEME_FIELDS: [&str; 14] = [
    "theme_1", "theme_2", "theme_3", "theme_4", "theme_5", "theme_6", "theme_7", "theme_8",
    "theme_9", "theme_10", "theme_11", "theme_12", "theme_13", "theme_14",
];

/// Colours for the rounds and groups on a compass, newest first.
const COLOURS: [&str; 6] = [
    "#1d70b8", "#d4351c", "#00703c", "#912b88", "#f47738", "#505a5f",
];

#[derive(Template)]
#[template(path = "surveys.html")]
pub(crate) struct SurveysPage {
    layout: Layout,
    surveys: Vec<Survey>,
    can_edit: bool,
    fields: Vec<Field>,
}

async fn surveys_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &SurveyForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = SurveysPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        surveys: state.service.list_surveys(&s.actor).await?,
        can_edit: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        fields: vec![
            Field::text("place", "Place", "Its name or GSS code", &f.place),
            Field::text("name", "Name", "Such as 'Community survey'", &f.name),
            Field {
                rows: 2,
                ..Field::text(
                    "description",
                    "How it is run (optional)",
                    "Such as: community researchers door to door, and online",
                    &f.description,
                )
            },
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn surveys(State(state): State<AppState>, s: SignedIn) -> PageResult {
    surveys_page(
        &state,
        &s,
        StatusCode::OK,
        &SurveyForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_survey(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: SurveyForm = form.typed()?;
    saved(
        state.service.create_survey(&s.actor, &f).await,
        |id| format!("/surveys/{id}"),
        |status, errors| surveys_page(&state, &s, status, &f, errors),
    )
    .await
}

/// A compass with its words: the chart, and a sentence saying what it shows.
pub(crate) struct Charted {
    pub heading: String,
    pub chart: String,
    pub text: String,
}

/// The sentence under a compass: the themes scored highest and lowest.
fn describe(name: &str, means: &[Option<Hundredths>; 14]) -> String {
    match extremes(means) {
        Some((hi, lo)) => format!(
            "{name}: highest {} ({}), lowest {} ({}), on a scale of 1 (a lot of room for improvement) to 7 (very little).",
            THEMES[hi],
            means[hi].map(|m| m.to_string()).unwrap_or_default(),
            THEMES[lo],
            means[lo].map(|m| m.to_string()).unwrap_or_default(),
        ),
        None => format!("{name}: no theme has been scored yet."),
    }
}

fn as_f64(means: &[Option<Hundredths>; 14]) -> [Option<f64>; 14] {
    std::array::from_fn(|k| means[k].map(Hundredths::as_f64))
}

/// The compass of every round overlaid (the trend), and one of the latest round's groups.
fn compasses(r: &SurveyReport) -> Vec<Charted> {
    let mut out = Vec::new();
    let rounds: Vec<&RoundView> = r.rounds.iter().filter(|v| v.responses > 0).collect();
    if let Some(latest) = rounds.last() {
        let series: Vec<CompassSeries> = rounds
            .iter()
            .rev()
            .take(COLOURS.len())
            .enumerate()
            .map(|(i, v)| CompassSeries {
                name: format!("{} ({} responses)", v.round.label, v.responses),
                colour: COLOURS[i],
                dashed: i > 0,
                scores: as_f64(&v.means),
            })
            .collect();
        let text = rounds
            .iter()
            .map(|v| describe(&v.round.label, &v.means))
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Charted {
            heading: format!("{}: every round", r.survey.place_name),
            chart: Compass::new(
                "compass-rounds",
                &format!(
                    "{}, {}: mean score by theme, each round",
                    r.survey.place_name, r.survey.name
                ),
                &text,
                &THEMES,
                &series,
            )
            .to_string(),
            text,
        });
        if !latest.groups.is_empty() {
            let series: Vec<CompassSeries> = latest
                .groups
                .iter()
                .take(COLOURS.len())
                .enumerate()
                .map(|(i, g)| CompassSeries {
                    name: format!("{} ({} responses)", g.group, g.responses),
                    colour: COLOURS[i],
                    dashed: false,
                    scores: as_f64(&g.means),
                })
                .collect();
            let text = latest
                .groups
                .iter()
                .map(|g| describe(&g.group, &g.means))
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Charted {
                heading: format!("{}: by group", latest.round.label),
                chart: Compass::new(
                    "compass-groups",
                    &format!(
                        "{}, {}: mean score by theme and group",
                        r.survey.place_name, latest.round.label
                    ),
                    &text,
                    &THEMES,
                    &series,
                )
                .to_string(),
                text,
            });
        }
    }
    out
}

#[derive(Template)]
#[template(path = "survey.html")]
pub(crate) struct SurveyPage {
    layout: Layout,
    r: SurveyReport,
    themes: [&'static str; 14],
    charts: Vec<Charted>,
    can_edit: bool,
    fields: Vec<Field>,
}

async fn survey_page(
    state: &AppState,
    s: &SignedIn,
    id: SurveyId,
    status: StatusCode,
    f: &RoundForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let r = state.service.survey_report(&s.actor, id).await?;
    let fields = vec![
        Field::text("label", "Label", "Such as Spring 2024", &f.label).narrow(),
        Field::text("opens_on", "Opens", "Year-month-day", &f.opens_on).narrow(),
        Field::text("closes_on", "Closes", "Year-month-day", &f.closes_on).narrow(),
        Field::text(
            "invited",
            "How many were invited (optional)",
            "For the response rate",
            &f.invited,
        )
        .narrow(),
        Field {
            rows: 3,
            ..Field::text(
                "groups",
                "Groups (optional)",
                "One a line, such as age bands or neighbourhoods: people choose theirs, and each gets its own compass",
                &f.groups,
            )
        },
    ];
    let page = SurveyPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        charts: compasses(&r),
        themes: THEMES,
        can_edit: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        r,
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn survey(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    survey_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &RoundForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_round(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: SurveyId = parse_id(&id)?;
    let f: RoundForm = form.typed()?;
    saved(
        state.service.create_survey_round(&s.actor, id, &f).await,
        |_| format!("/surveys/{id}"),
        |status, errors| survey_page(&state, &s, id, status, &f, errors),
    )
    .await
}

/// The response form's fields: the group, the fourteen themes (1 to 7) and the two texts.
fn response_fields(f: &ResponseForm, groups: &[String], paper: bool) -> Vec<Field> {
    let mut fields = Vec::new();
    if paper {
        fields.push(
            Field::text(
                "received_on",
                "Day it was filled in (optional)",
                "Year-month-day; empty for today",
                &f.received_on,
            )
            .narrow(),
        );
    }
    if !groups.is_empty() {
        fields.push(Field::select(
            "group",
            "Which group are you in? (optional)",
            std::iter::once((String::new(), "Rather not say".to_owned()))
                .chain(groups.iter().map(|g| (g.clone(), g.clone())))
                .collect(),
            &f.group,
        ));
    }
    let scores: Vec<(String, String)> = std::iter::once((String::new(), "Not scored".to_owned()))
        .chain((1..=7).map(|v| {
            let label = match v {
                1 => "1: a lot of room for improvement".to_owned(),
                7 => "7: very little room for improvement".to_owned(),
                v => v.to_string(),
            };
            (v.to_string(), label)
        }))
        .collect();
    for (k, name) in THEME_FIELDS.iter().enumerate() {
        fields.push(Field::select(
            name,
            THEMES[k],
            scores.clone(),
            f.themes()[k],
        ));
    }
    fields.push(Field {
        rows: 3,
        ..Field::text(
            "good",
            "What is good about the place?",
            "Optional. Please do not name anyone.",
            &f.good,
        )
    });
    fields.push(Field {
        rows: 3,
        ..Field::text(
            "better",
            "What could be better?",
            "Optional. Please do not name anyone.",
            &f.better,
        )
    });
    fields
}

async fn paper_page(
    state: &AppState,
    s: &SignedIn,
    (survey, round): (SurveyId, SurveyRoundId),
    status: StatusCode,
    f: &ResponseForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let (sv, r) = state.service.survey_round(&s.actor, survey, round).await?;
    let page = crate::fields::FormPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        heading: format!("Enter a paper response: {}, {}", sv.name, r.label),
        intro: vec![
            "Score each theme the respondent scored, from 1 (a lot of room for improvement) to 7 (very little); leave the rest as not scored.".into(),
        ],
        back: (format!("/surveys/{survey}"), format!("Back to {}", sv.name)),
        action: format!("/surveys/{survey}/rounds/{round}/paper"),
        fields: response_fields(f, &r.groups, true),
        submit: "Save response",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn paper(
    State(state): State<AppState>,
    s: SignedIn,
    Path((survey, round)): Path<(String, String)>,
) -> PageResult {
    let survey: SurveyId = parse_id(&survey)?;
    let round: SurveyRoundId = begin_on(&state, &s, AuditAction::SurveyResponse, &round).await?;
    paper_page(
        &state,
        &s,
        (survey, round),
        StatusCode::OK,
        &ResponseForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_paper(
    State(state): State<AppState>,
    s: SignedIn,
    Path((survey, round)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let survey: SurveyId = parse_id(&survey)?;
    let round: SurveyRoundId = parse_id(&round)?;
    let f: ResponseForm = form.typed()?;
    saved(
        state
            .service
            .add_paper_response(&s.actor, survey, round, &f)
            .await,
        |_| format!("/surveys/{survey}"),
        |status, errors| paper_page(&state, &s, (survey, round), status, &f, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "survey_public.html")]
pub(crate) struct PublicPage {
    layout: Layout,
    p: PublicRound,
    token: String,
    fields: Vec<Field>,
    thanks: bool,
}

fn public_page(
    state: &AppState,
    p: PublicRound,
    token: &str,
    f: &ResponseForm,
    errors: Vec<FieldError>,
    thanks: bool,
) -> PageResult {
    let fields = response_fields(f, &p.round.groups, false);
    Ok(render(&PublicPage {
        layout: Layout::anonymous("", state.config.demo).with_errors(errors),
        token: token.to_owned(),
        fields,
        thanks,
        p,
    })?
    .into_response())
}

/// The public page of a round's link: the questions, or a note when the round is closed.
pub async fn public(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let p = state.service.public_round(&token).await?;
    public_page(
        &state,
        p,
        &token,
        &ResponseForm::default(),
        Vec::new(),
        false,
    )
}

/// A response through a round's link (no sign-in: the link's token is the key; the form
/// carries no session, so there is nothing for a forged request to borrow).
pub async fn respond(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: FormFields,
) -> PageResult {
    let f: ResponseForm = form.typed()?;
    match state.service.respond_by_link(&token, &f).await {
        Ok(_) => {
            let p = state.service.public_round(&token).await?;
            public_page(
                &state,
                p,
                &token,
                &ResponseForm::default(),
                Vec::new(),
                true,
            )
        }
        Err(wholeplace_service::ServiceError::Validation(errors)) => {
            let p = state.service.public_round(&token).await?;
            let status = problems_status(&errors);
            Ok((status, public_page(&state, p, &token, &f, errors, false)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
