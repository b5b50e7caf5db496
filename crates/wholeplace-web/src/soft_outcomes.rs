//! `/soft-outcomes`: the partnership's scales (and adding one), a scale's readings with the
//! distance each person or family and the cohort has travelled, ONS4 personal wellbeing beside
//! the local authorities' published means, (S)WEMWBS once registered (its notice on the page and
//! in the CSV and XLSX), the registration itself (administrators), and Outcomes Star readings
//! imported from a CSV export.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::render;
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::ScaleId;
use wholeplace_domain::soft_outcomes::{Hundredths, Ons4Measure};
use wholeplace_service::soft_outcomes::{StarArea, mean_text};
use wholeplace_service::{
    Access, AuditAction, DataClass, FieldError, Ons4Form, Ons4Report, PublishedForm,
    RegistrationForm, ScaleForm, ScaleReadingForm, ScaleReport, StarFile, WemwbsForm, WemwbsReport,
};
use wholeplace_store::{Scale, WemwbsRegistration};

/// A mean or a dash (for templates).
pub(crate) fn mean(h: &Option<Hundredths>) -> String {
    mean_text(h)
}

/// The `k`th mean of a list, or a dash.
pub(crate) fn mean_at(list: &[Option<Hundredths>], k: &usize) -> String {
    list.get(*k).map_or_else(|| "–".to_owned(), mean_text)
}

/// The `k`th distance of a list.
pub(crate) fn distance_at(
    list: &[wholeplace_domain::soft_outcomes::CohortDistance],
    k: &usize,
) -> Option<wholeplace_domain::soft_outcomes::CohortDistance> {
    list.get(*k).cloned()
}

/// A published mean to two decimals, or a dash.
pub(crate) fn published(v: &Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

#[derive(Template)]
#[template(path = "soft_outcomes.html")]
pub(crate) struct SoftOutcomesPage {
    layout: Layout,
    scales: Vec<Scale>,
    can_define: bool,
    can_read: bool,
    registration: Option<WemwbsRegistration>,
    is_admin: bool,
    fields: Vec<Field>,
}

fn scale_fields(f: &ScaleForm) -> Vec<Field> {
    vec![
        Field::text(
            "name",
            "Name",
            "Such as 'Feeling safe in my street'",
            &f.name,
        ),
        Field {
            rows: 2,
            ..Field::text(
                "description",
                "What it measures (optional)",
                "How the question is asked, and when",
                &f.description,
            )
        },
        Field::select(
            "high",
            "Range",
            vec![
                ("".into(), "Select".into()),
                ("5".into(), "1 to 5".into()),
                ("10".into(), "1 to 10".into()),
            ],
            &f.high,
        ),
        Field {
            rows: 5,
            ..Field::text(
                "anchors",
                "Anchor wording",
                "Two lines (what the lowest and highest points mean), or one line for each point from 1",
                &f.anchors,
            )
        },
    ]
}

async fn index_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &ScaleForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = SoftOutcomesPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        scales: state.service.list_scales(&s.actor).await?,
        can_define: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        can_read: state
            .service
            .may(&s.actor, DataClass::Wellbeing, Access::Read),
        registration: state.service.wemwbs_registration(&s.actor).await?,
        is_admin: state
            .service
            .may(&s.actor, DataClass::Accounts, Access::Change),
        fields: scale_fields(f),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn soft_outcomes(State(state): State<AppState>, s: SignedIn) -> PageResult {
    index_page(
        &state,
        &s,
        StatusCode::OK,
        &ScaleForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_scale(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: ScaleForm = form.typed()?;
    saved(
        state.service.create_scale(&s.actor, &f).await,
        |id| format!("/soft-outcomes/scales/{id}"),
        |status, errors| index_page(&state, &s, status, &f, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "scale.html")]
pub(crate) struct ScalePage {
    layout: Layout,
    r: ScaleReport,
    can_record: bool,
    fields: Vec<Field>,
}

async fn scale_page(
    state: &AppState,
    s: &SignedIn,
    id: ScaleId,
    status: StatusCode,
    f: &ScaleReadingForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let r = state.service.scale_report(&s.actor, id).await?;
    let fields = vec![
        Field::text(
            "person",
            "Person's record number",
            "For a reading of one person; leave empty for a family",
            &f.person,
        )
        .narrow(),
        Field::text(
            "family",
            "Or the family's record number",
            "For a reading of a whole family",
            &f.family,
        )
        .narrow(),
        Field::text(
            "taken_on",
            "Day of the reading",
            "Year-month-day, such as 2024-05-01",
            &f.taken_on,
        )
        .narrow(),
        Field::text(
            "score",
            "Score",
            &format!("A whole number from {} to {}", r.scale.low, r.scale.high),
            &f.score,
        )
        .narrow(),
    ];
    let page = ScalePage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        can_record: state
            .service
            .may(&s.actor, DataClass::Wellbeing, Access::Change),
        r,
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn scale(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    scale_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        &ScaleReadingForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_reading(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: ScaleId = parse_id(&id)?;
    let f: ScaleReadingForm = form.typed()?;
    saved(
        state.service.add_scale_reading(&s.actor, id, &f).await,
        |_| format!("/soft-outcomes/scales/{id}"),
        |status, errors| scale_page(&state, &s, id, status, &f, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "ons4.html")]
pub(crate) struct Ons4Page {
    layout: Layout,
    r: Ons4Report,
    measures: [Ons4Measure; 4],
    can_record: bool,
    can_publish: bool,
    fields: Vec<Field>,
    published_fields: Vec<Field>,
}

fn answer(name: &'static str, label: &'static str, value: &str) -> Field {
    Field::text(name, label, "0 to 10", value).narrow()
}

async fn ons4_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    (f, p): (Ons4Form, PublishedForm),
    errors: Vec<FieldError>,
) -> PageResult {
    let r = state.service.ons4_report(&s.actor).await?;
    let fields = vec![
        Field::text("person", "Person's record number", "", &f.person).narrow(),
        Field::text(
            "taken_on",
            "Day of the reading",
            "Year-month-day, such as 2024-05-01",
            &f.taken_on,
        )
        .narrow(),
        answer(
            "life_satisfaction",
            "Life satisfaction",
            &f.life_satisfaction,
        ),
        answer("worthwhile", "Worthwhile", &f.worthwhile),
        answer("happiness", "Happiness (yesterday)", &f.happiness),
        answer("anxiety", "Anxiety (yesterday)", &f.anxiety),
    ];
    let mean_field = |name: &'static str, label: &'static str, v: &str| {
        Field::text(name, label, "The published mean, such as 7.45", v).narrow()
    };
    let published_fields = vec![
        Field::text("place", "Local authority", "Its name or GSS code", &p.place),
        Field::text("period", "Period", "Such as 2022/23", &p.period).narrow(),
        mean_field(
            "life_satisfaction",
            "Life satisfaction",
            &p.life_satisfaction,
        ),
        mean_field("worthwhile", "Worthwhile", &p.worthwhile),
        mean_field("happiness", "Happiness", &p.happiness),
        mean_field("anxiety", "Anxiety", &p.anxiety),
        Field::text(
            "source",
            "Source",
            "Such as ONS Annual Population Survey, personal well-being estimates",
            &p.source,
        ),
    ];
    let page = Ons4Page {
        layout: layout(state, s, "outcomes").with_errors(errors),
        r,
        measures: Ons4Measure::ALL,
        can_record: state
            .service
            .may(&s.actor, DataClass::Wellbeing, Access::Change),
        can_publish: state
            .service
            .may(&s.actor, DataClass::Reference, Access::Change),
        fields,
        published_fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn ons4(State(state): State<AppState>, s: SignedIn) -> PageResult {
    ons4_page(
        &state,
        &s,
        StatusCode::OK,
        (Ons4Form::default(), PublishedForm::default()),
        Vec::new(),
    )
    .await
}

pub async fn add_ons4(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: Ons4Form = form.typed()?;
    saved(
        state.service.add_ons4_reading(&s.actor, &f).await,
        |_| "/soft-outcomes/ons4".to_owned(),
        |status, errors| {
            ons4_page(
                &state,
                &s,
                status,
                (f.clone(), PublishedForm::default()),
                errors,
            )
        },
    )
    .await
}

pub async fn add_published(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let p: PublishedForm = form.typed()?;
    saved(
        state.service.put_ons4_published(&s.actor, &p).await,
        |_| "/soft-outcomes/ons4".to_owned(),
        |status, errors| ons4_page(&state, &s, status, (Ons4Form::default(), p.clone()), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "wemwbs.html")]
pub(crate) struct WemwbsPage {
    layout: Layout,
    r: WemwbsReport,
    can_record: bool,
    fields: Vec<Field>,
}

async fn wemwbs_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &WemwbsForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let r = state.service.wemwbs_report(&s.actor).await?;
    let fields = vec![
        Field::select(
            "scale",
            "Scale",
            vec![
                ("".into(), "Select".into()),
                ("wemwbs".into(), "WEMWBS (14 items)".into()),
                ("swemwbs".into(), "SWEMWBS (7 items)".into()),
            ],
            &f.scale,
        ),
        Field::text("person", "Person's record number", "", &f.person).narrow(),
        Field::text(
            "taken_on",
            "Day of the reading",
            "Year-month-day, such as 2024-05-01",
            &f.taken_on,
        )
        .narrow(),
        Field::text(
            "items",
            "Item scores",
            "Each item's score, 1 to 5, in the scale's order, separated by spaces (14 for WEMWBS, 7 for SWEMWBS)",
            &f.items,
        ),
    ];
    let page = WemwbsPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        r,
        can_record: state
            .service
            .may(&s.actor, DataClass::Wellbeing, Access::Change),
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn wemwbs(State(state): State<AppState>, s: SignedIn) -> PageResult {
    wemwbs_page(
        &state,
        &s,
        StatusCode::OK,
        &WemwbsForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_wemwbs(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: WemwbsForm = form.typed()?;
    saved(
        state.service.add_wemwbs_reading(&s.actor, &f).await,
        |_| "/soft-outcomes/wemwbs".to_owned(),
        |status, errors| wemwbs_page(&state, &s, status, &f, errors),
    )
    .await
}

pub async fn wemwbs_csv(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let table = state.service.wemwbs_table(&s.actor).await?;
    Ok(download(
        wholeplace_tabular::write_csv(&table).into_bytes(),
        "text/csv; charset=utf-8",
        "wemwbs.csv",
    ))
}

pub async fn wemwbs_xlsx(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let table = state.service.wemwbs_table(&s.actor).await?;
    let bytes = wholeplace_tabular::write_xlsx(&[("wemwbs", &table, &[4][..])])
        .map_err(|e| wholeplace_service::ServiceError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "wemwbs.xlsx",
    ))
}

async fn registration_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &RegistrationForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = FormPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        heading: "(S)WEMWBS registration".into(),
        intro: vec![
            "The Warwick-Edinburgh Mental Wellbeing Scales are licensed: register their use with the University of Warwick first, then record the registration here. Until it is recorded, wholeplace offers no (S)WEMWBS form, score, API or export.".into(),
            "wholeplace holds no item wording: readings are entered as item scores by number. SWEMWBS totals are shown as raw scores, not converted to metric scores.".into(),
        ],
        back: ("/soft-outcomes".into(), "Back to soft outcomes".into()),
        action: "/soft-outcomes/wemwbs/registration".into(),
        fields: vec![
            Field::text("registered_by", "Registered by", "The person or organisation that registered", &f.registered_by),
            Field::text("registered_on", "Registered on", "Year-month-day, such as 2024-04-01", &f.registered_on).narrow(),
            Field::text("licence_reference", "Licence or registration reference", "As the licence holder gave it", &f.licence_reference),
        ],
        submit: "Record the registration",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn registration(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::WemwbsRegister, None)
        .await?;
    registration_page(
        &state,
        &s,
        StatusCode::OK,
        &RegistrationForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn register(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: RegistrationForm = form.typed()?;
    saved(
        state.service.register_wemwbs(&s.actor, &f).await,
        |()| "/soft-outcomes/wemwbs".to_owned(),
        |status, errors| registration_page(&state, &s, status, &f, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "star.html")]
pub(crate) struct StarPage {
    layout: Layout,
    areas: Vec<StarArea>,
    can_import: bool,
}

async fn star_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = StarPage {
        layout: layout(state, s, "outcomes").with_errors(errors),
        areas: state.service.star_report(&s.actor).await?,
        can_import: state
            .service
            .may(&s.actor, DataClass::Wellbeing, Access::Change),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn star(State(state): State<AppState>, s: SignedIn) -> PageResult {
    star_page(&state, &s, StatusCode::OK, Vec::new()).await
}

pub async fn star_import(
    State(state): State<AppState>,
    s: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let bad = |e: &(dyn std::error::Error + 'static)| crate::form::upload_error(e);
    let mut multipart = multipart.map_err(|e| bad(&e))?;
    let (mut csrf, mut file) = (String::new(), StarFile::default());
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
    saved(
        state.service.import_star_readings(&s.actor, &file).await,
        |_| "/soft-outcomes/star".to_owned(),
        |status, errors| star_page(&state, &s, status, errors),
    )
    .await
}
