//! `/outcomes`: the indicator catalogue with every target's red/amber/green, an indicator's page
//! (its versions, targets with "turn the curve" charts, places compared, the funnel plot and the
//! figures by place and period), entering and importing figures, setting targets, and the exports
//! (CSV, XLSX and IATI-like JSON, suppressed as the pages are).

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::render;
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_appraisal_report::charts::{Series, XyChart};
use wholeplace_domain::IndicatorId;
use wholeplace_domain::outcomes::{Polarity, Unit};
use wholeplace_domain::taxonomy::PLACE_LEVELS;
use wholeplace_service::outcomes::{Comparator, Funnel};
use wholeplace_service::{
    Access, AuditAction, DataClass, FieldError, IndicatorForm, IndicatorReport, OutcomeFile,
    TargetForm, TargetView, ValueForm,
};
use wholeplace_store::Indicator;

#[derive(Template)]
#[template(path = "outcomes.html")]
pub(crate) struct OutcomesPage {
    layout: Layout,
    indicators: Vec<Indicator>,
    targets: Vec<(Indicator, TargetView)>,
    can_edit: bool,
    fields: Vec<Field>,
}

/// The unit of an indicator as an axis title or a column heading.
pub(crate) fn unit_title(i: &Indicator) -> String {
    match (i.unit, i.per) {
        (Unit::Rate, Some(per)) => format!(
            "Rate per {}",
            wholeplace_domain::money::group_thousands(per.unsigned_abs())
        ),
        (u, _) => u.label().to_owned(),
    }
}

fn indicator_fields(f: &IndicatorForm, indicators: &[Indicator]) -> Vec<Field> {
    let units = Unit::ALL
        .iter()
        .map(|u| (u.as_str().to_owned(), u.label().to_owned()));
    vec![
        Field::text(
            "name",
            "Name",
            "Such as 'Children on child protection plans'",
            &f.name,
        ),
        Field {
            rows: 3,
            ..Field::text(
                "definition",
                "Definition",
                "What is counted, and how",
                &f.definition,
            )
        },
        Field::select("unit", "Unit", options("Select a unit", units), &f.unit),
        Field::text(
            "per",
            "Per",
            "For a rate: per how many, such as 10000",
            &f.per,
        )
        .narrow(),
        Field::select(
            "polarity",
            "Which way is better",
            options(
                "Select",
                [Polarity::Higher, Polarity::Lower]
                    .iter()
                    .map(|p| (p.as_str().to_owned(), p.label().to_owned())),
            ),
            &f.polarity,
        ),
        Field::text(
            "source",
            "Source",
            "Such as 'DfE Children in need census'",
            &f.source,
        ),
        Field::select(
            "geography",
            "Geography",
            options(
                "Select a level of place",
                PLACE_LEVELS
                    .iter()
                    .map(|(k, l)| ((*k).to_owned(), (*l).to_owned())),
            ),
            &f.geography,
        ),
        Field::select(
            "origin",
            "Local or national",
            vec![
                ("local".into(), "Local".into()),
                (
                    "national".into(),
                    "National (imported from a published source)".into(),
                ),
            ],
            &f.origin,
        ),
        Field::select(
            "replaces",
            "A new version of",
            options(
                "None: a new indicator",
                indicators.iter().map(|i| {
                    (
                        i.id.to_string(),
                        format!("{} (version {})", i.name, i.version),
                    )
                }),
            ),
            &f.replaces,
        ),
        Field {
            rows: 2,
            ..Field::text(
                "bridging_note",
                "Bridging note",
                "For a new version: how figures on the old and new definitions compare",
                &f.bridging_note,
            )
        },
    ]
}

async fn outcomes_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &IndicatorForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let indicators = state.service.list_indicators(&s.actor).await?;
    let page = OutcomesPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        targets: state.service.list_targets(&s.actor).await?,
        can_edit: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        fields: indicator_fields(f, &indicators),
        indicators,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn outcomes(State(state): State<AppState>, s: SignedIn) -> PageResult {
    outcomes_page(
        &state,
        &s,
        StatusCode::OK,
        &IndicatorForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_indicator(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: IndicatorForm = form.typed()?;
    saved(
        state.service.create_indicator(&s.actor, &f).await,
        |id| format!("/outcomes/{id}"),
        |status, errors| outcomes_page(&state, &s, status, &f, errors),
    )
    .await
}

/// A target with its chart.
pub(crate) struct Charted {
    pub view: TargetView,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "indicator.html")]
pub(crate) struct IndicatorPage {
    layout: Layout,
    r: IndicatorReport,
    unit: String,
    targets: Vec<Charted>,
    funnel: Option<(Funnel, String)>,
    comparators: Vec<Comparator>,
    can_edit: bool,
}

/// Actuals against the baseline trend and the target, by period.
fn turn_the_curve(i: &Indicator, t: &TargetView, n: usize) -> String {
    let ticks: Vec<(f64, String)> = t
        .periods
        .iter()
        .enumerate()
        .map(|(k, p)| (k as f64, p.clone()))
        .collect();
    let actual: Vec<(f64, f64)> = t
        .actuals
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|v| (k as f64, v)))
        .collect();
    let trend: Vec<(f64, f64)> = t
        .trend
        .iter()
        .enumerate()
        .map(|(k, v)| (k as f64, *v))
        .collect();
    let last = t.periods.len().saturating_sub(1) as f64;
    let series = [
        Series {
            name: "Actual".into(),
            points: actual,
            colour: "#1d70b8",
            dashed: false,
            line: true,
            dots: true,
        },
        Series {
            name: format!("Baseline trend (from {})", t.target.baseline_period),
            points: trend,
            colour: "#505a5f",
            dashed: true,
            line: true,
            dots: false,
        },
        Series {
            name: format!(
                "Target {} by {}",
                t.target.target_value, t.target.target_date
            ),
            points: vec![(0.0, t.target.target_value), (last, t.target.target_value)],
            colour: "#00703c",
            dashed: true,
            line: true,
            dots: false,
        },
    ];
    XyChart::new(
        &format!("curve-{n}"),
        &format!("{}: {}, turning the curve", i.name, t.target.place_name),
        "Actual figures by period against the straight-line trend to the baseline and the target; the same figures are in the table of figures below.",
        ("Period", &ticks),
        &unit_title(i),
        &series,
    )
    .to_string()
}

/// The places' rates against their populations, with the overall rate and its control limits.
fn funnel_chart(i: &Indicator, f: &Funnel) -> String {
    // The scale is the places' own (with room around them): the limits are drawn where they fall
    // within it, so one very small place's wide limits do not flatten every other point.
    let (y_lo, y_hi) = f
        .points
        .iter()
        .map(|p| p.value)
        .chain([f.mean])
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y_lo, y_hi) = (y_lo * 0.8, y_hi * 1.2);
    let limit = |k: usize| {
        f.limits
            .iter()
            .map(|l| (l.0, [l.1, l.2, l.3, l.4][k]))
            .filter(|p| (y_lo..=y_hi).contains(&p.1))
            .collect::<Vec<_>>()
    };
    let (lo, hi) = (
        f.limits.first().map_or(0.0, |l| l.0),
        f.limits.last().map_or(1.0, |l| l.0),
    );
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|k| {
            let x = lo + (hi - lo) * f64::from(k) / 4.0;
            (
                x,
                wholeplace_domain::money::group_thousands(x.max(0.0).round() as u64),
            )
        })
        .collect();
    let line = |name: &str, points, colour, dashed| Series {
        name: name.into(),
        points,
        colour,
        dashed,
        line: true,
        dots: false,
    };
    let series = [
        Series {
            name: "Places".into(),
            points: f.points.iter().map(|p| (p.denominator, p.value)).collect(),
            colour: "#1d70b8",
            dashed: false,
            line: false,
            dots: true,
        },
        line(
            "Overall rate",
            vec![(lo, f.mean), (hi, f.mean)],
            "#0b0c0c",
            false,
        ),
        line("95% control limit, lower", limit(1), "#f47738", true),
        line("95% control limit, upper", limit(2), "#f47738", true),
        line("99.8% control limit, lower", limit(0), "#d4351c", true),
        line("99.8% control limit, upper", limit(3), "#d4351c", true),
    ];
    XyChart::new(
        "funnel",
        &format!("{}: places compared, {}", i.name, f.period),
        "Each place's figure against its population, with the overall figure and the 95% and 99.8% control limits; the figures are in the table beside it.",
        ("Population", &ticks),
        &unit_title(i),
        &series,
    )
    .to_string()
}

/// The query of an indicator's page: the place compared with its comparators.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct IndicatorQuery {
    place: String,
}

pub async fn indicator(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> PageResult {
    let place = if q.place.trim().is_empty() {
        None
    } else {
        Some(parse_id(&q.place)?)
    };
    let r = state
        .service
        .indicator_report(&s.actor, parse_id(&id)?, place)
        .await?;
    let page = indicator_page(&state, &s, r);
    Ok(render(&page)?.into_response())
}

/// The indicator's page from its report (also what the benchmark renders).
pub(crate) fn indicator_page(state: &AppState, s: &SignedIn, r: IndicatorReport) -> IndicatorPage {
    let targets = r
        .targets
        .iter()
        .enumerate()
        .map(|(n, t)| Charted {
            chart: turn_the_curve(&r.indicator, t, n),
            view: t.clone(),
        })
        .collect();
    IndicatorPage {
        layout: layout(state, s, "outcomes"),
        unit: unit_title(&r.indicator),
        funnel: r.funnel.clone().map(|f| {
            let chart = funnel_chart(&r.indicator, &f);
            (f, chart)
        }),
        // Comparators are shown when any of them has a figure to compare.
        comparators: if r
            .comparators
            .iter()
            .any(|c| !c.chosen && c.latest.is_some())
        {
            r.comparators.clone()
        } else {
            Vec::new()
        },
        can_edit: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        targets,
        r,
    }
}

#[derive(Template)]
#[template(path = "indicator_figures.html")]
pub(crate) struct FiguresPage {
    layout: Layout,
    indicator: Indicator,
    fields: Vec<Field>,
}

async fn figures_page(
    state: &AppState,
    s: &SignedIn,
    id: IndicatorId,
    status: StatusCode,
    f: &ValueForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let indicator = state
        .service
        .list_indicators(&s.actor)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(wholeplace_service::ServiceError::NotFound)?;
    let fields = vec![
        Field::text("place", "Place", "Its name or GSS code", &f.place),
        Field::text(
            "period",
            "Period",
            "Such as 2023/24, 2024 or 2024-Q1",
            &f.period,
        )
        .narrow(),
        Field::text(
            "value",
            "Figure",
            &format!("In the indicator's unit: {}", unit_title(&indicator)),
            &f.value,
        )
        .narrow(),
        Field::text(
            "numerator",
            "Count it is made from (optional)",
            "For a rate or percentage: the count, which suppression and intervals need",
            &f.numerator,
        )
        .narrow(),
        Field::text(
            "denominator",
            "Population (optional)",
            "For a rate or percentage: the population it is out of",
            &f.denominator,
        )
        .narrow(),
        Field::select(
            "illustrative",
            "Published or illustrative",
            vec![
                ("no".into(), "A published figure".into()),
                ("yes".into(), "Illustrative, not a published figure".into()),
            ],
            &f.illustrative,
        ),
    ];
    let page = FiguresPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        indicator,
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn figures(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::IndicatorValues, &id).await?;
    figures_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &ValueForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_figure(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: IndicatorId = parse_id(&id)?;
    let f: ValueForm = form.typed()?;
    saved(
        state.service.add_indicator_value(&s.actor, id, &f).await,
        |_| format!("/outcomes/{id}"),
        |status, errors| figures_page(&state, &s, id, status, &f, errors),
    )
    .await
}

pub async fn import(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let id: IndicatorId = parse_id(&id)?;
    let bad = |e: &(dyn std::error::Error + 'static)| crate::form::upload_error(e);
    let mut multipart = multipart.map_err(|e| bad(&e))?;
    let (mut csrf, mut file) = (String::new(), OutcomeFile::default());
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        match field.name().unwrap_or("") {
            "csrf_token" => csrf = field.text().await.map_err(|e| bad(&e))?,
            "file" => {
                file.name = field.file_name().unwrap_or("").to_owned();
                file.bytes = field.bytes().await.map_err(|e| bad(&e))?.to_vec();
            }
            _ => {}
        }
    }
    check_csrf(&s.session, &csrf)?;
    let blank = ValueForm::default();
    saved(
        state
            .service
            .import_indicator_values(&s.actor, id, &file)
            .await,
        |_| format!("/outcomes/{id}"),
        |status, errors| figures_page(&state, &s, id, status, &blank, errors),
    )
    .await
}

async fn target_page(
    state: &AppState,
    s: &SignedIn,
    id: IndicatorId,
    status: StatusCode,
    f: &TargetForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let r = state.service.indicator_report(&s.actor, id, None).await?;
    let page = FormPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        heading: format!("Set a target: {}", r.indicator.name),
        intro: vec![
            "A target is saved only with its baseline (figure, period and source), the figure aimed at and the date, its owner, which way is better and the tolerance.".into(),
            format!("Red, amber or green is worked out from the tolerance: on the target or better is green; short of it by no more than the tolerance is amber; further short is red. Figures are in the indicator's unit ({}).", unit_title(&r.indicator)),
        ],
        back: (format!("/outcomes/{id}"), format!("Back to {}", r.indicator.name)),
        action: format!("/outcomes/{id}/targets"),
        fields: vec![
            Field::text("place", "Place", "Its name or GSS code", &f.place),
            Field::text("baseline_value", "Baseline figure", "", &f.baseline_value).narrow(),
            Field::text("baseline_period", "Baseline period", "Such as 2011/12", &f.baseline_period).narrow(),
            Field::text("baseline_source", "Baseline source", "Where the baseline figure comes from", &f.baseline_source),
            Field::text("target_value", "Target figure", "", &f.target_value).narrow(),
            Field::text("target_date", "Target date", "Year-month-day, such as 2015-03-31", &f.target_date).narrow(),
            Field::text("owner", "Owner", "Who answers for the target", &f.owner),
            Field::select(
                "polarity",
                "Which way is better",
                vec![("".into(), format!("As the indicator: {}", r.indicator.polarity.label())), ("higher".into(), "Higher is better".into()), ("lower".into(), "Lower is better".into())],
                &f.polarity,
            ),
            Field::text("tolerance", "Tolerance", "How far short of the target is still amber, in the indicator's unit (0 for none)", &f.tolerance).narrow(),
        ],
        submit: "Save target",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_target(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::TargetCreate, &id).await?;
    target_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &TargetForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_target(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: IndicatorId = parse_id(&id)?;
    let f: TargetForm = form.typed()?;
    saved(
        state.service.create_target(&s.actor, id, &f).await,
        |_| format!("/outcomes/{id}"),
        |status, errors| target_page(&state, &s, id, status, &f, errors),
    )
    .await
}

async fn csv(state: &AppState, s: &SignedIn, which: usize) -> PageResult {
    let tables = state.service.outcome_tables(&s.actor).await?;
    let (name, table) = &tables[which];
    Ok(download(
        wholeplace_tabular::write_csv(table).into_bytes(),
        "text/csv; charset=utf-8",
        &format!("outcomes-{name}.csv"),
    ))
}

pub async fn indicators_csv(State(state): State<AppState>, s: SignedIn) -> PageResult {
    csv(&state, &s, 0).await
}

pub async fn figures_csv(State(state): State<AppState>, s: SignedIn) -> PageResult {
    csv(&state, &s, 1).await
}

pub async fn targets_csv(State(state): State<AppState>, s: SignedIn) -> PageResult {
    csv(&state, &s, 2).await
}

pub async fn outcomes_xlsx(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let bytes = state.service.outcomes_xlsx(&s.actor).await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "outcomes.xlsx",
    ))
}

pub async fn outcomes_json(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let v = state.service.outcomes_iati(&s.actor).await?;
    let body = serde_json::to_vec_pretty(&v)
        .map_err(|e| wholeplace_service::ServiceError::Internal(e.to_string()))?;
    Ok(download(body, "application/json", "outcomes-iati.json"))
}

/// The GOV.UK tag colour of a red/amber/green (the label always says it in words too).
pub(crate) fn rag_class(r: &wholeplace_domain::outcomes::Rag) -> &'static str {
    use wholeplace_domain::outcomes::Rag;
    match r {
        Rag::Green => "govuk-tag--green",
        Rag::Amber => "govuk-tag--yellow",
        Rag::Red => "govuk-tag--red",
        Rag::NoData => "govuk-tag--grey",
    }
}
