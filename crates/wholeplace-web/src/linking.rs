//! Linkage in the product: agencies' extracts uploaded into staging (`/linking`), linking as a
//! background job with its progress and cancel, the review band, and the review queue
//! (`/linking/review`) with each pair's field-by-field evidence.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a page calls the use cases it shows; a post is the form, the service use
//! case and `page::saved`. The upload is multipart, so it checks its form token by hand, as
//! `data::import` does.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::render;
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use wholeplace_domain::sharing::DATA_CLASSES;
use wholeplace_domain::{PartnershipId, ReviewItemId};
use wholeplace_service::clock::format_time;
use wholeplace_service::extracts::{ExtractFile, ExtractForm, FIELD_LABELS};
use wholeplace_service::linking::{REVIEW_PAGE_SIZE, ReviewBandForm, ReviewView};
use wholeplace_service::{FieldError, ServiceError};
use wholeplace_store::{RunState, STAGED_FIELDS};

/// One staged extract as the page lists it.
pub(crate) struct ExtractRow {
    agency: String,
    /// Encodings only (the privacy-preserving mode).
    encoded: bool,
    class: &'static str,
    file: String,
    records: i64,
    when: String,
    by: String,
}

/// One run as the page lists it.
pub(crate) struct RunRow {
    id: String,
    started: String,
    by: String,
    state: &'static str,
    counts: Option<wholeplace_store::RunCounts>,
}

/// The running job.
pub(crate) struct Running {
    id: String,
    stage: String,
    done: u64,
    total: u64,
    percent: u64,
}

/// A mapping field on the upload form: its name, label and value.
pub(crate) struct ColumnField {
    name: String,
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "linking.html")]
pub(crate) struct LinkingPage {
    layout: Layout,
    /// The partnership whose linkage this is: (id, name).
    partnership: (String, String),
    /// Every partnership, to choose another.
    partnerships: Vec<(String, String)>,
    extracts: Vec<ExtractRow>,
    /// Whether any staged extract is of encodings only.
    any_encoded: bool,
    staged: usize,
    runs: Vec<RunRow>,
    running: Option<Running>,
    model_saved: bool,
    agencies: Vec<(String, String)>,
    classes: Vec<(String, String)>,
    form: ExtractForm,
    columns: Vec<ColumnField>,
    lower: String,
    upper: String,
    second_review: bool,
    /// The last finished run's expected false and missed matches and its queue.
    expected: Option<(i64, i64, i64)>,
    pending: i64,
}

fn state_words(s: RunState) -> &'static str {
    match s {
        RunState::Running => "Running",
        RunState::Finished => "Finished",
        RunState::Cancelled => "Cancelled",
        RunState::Failed => "Failed",
    }
}

fn pct_text(p: f64) -> String {
    let s = format!("{p:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `?partnership=` on the linking pages: which partnership's linkage (blank: the first).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LinkingQuery {
    partnership: String,
}

/// The partnership a request names, or `None` for the default.
fn named_partnership(raw: &str) -> Result<Option<PartnershipId>, crate::error::WebError> {
    match raw.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Some(<PartnershipId as wholeplace_domain::RecordId>::from_raw(n)))
            .ok_or_else(|| {
                crate::error::WebError::BadRequest(
                    "The partnership must be given by its number, such as partnership=1."
                        .to_owned(),
                )
            }),
    }
}

/// The partnership a page shows: the one named, else the first there is (`None` when there is
/// none, and the service says what to do).
async fn page_partnership(
    state: &AppState,
    s: &SignedIn,
    raw: &str,
) -> Result<Option<PartnershipId>, crate::error::WebError> {
    Ok(match named_partnership(raw)? {
        Some(p) => Some(p),
        None => state
            .service
            .list_partnerships(&s.actor)
            .await?
            .first()
            .map(|p| p.id),
    })
}

/// Where the linking page of a partnership is.
fn linking_href(p: PartnershipId) -> String {
    format!("/linking?partnership={p}")
}

/// What the page shows after a post: the form as sent, a band as typed, a message.
#[derive(Default)]
pub(crate) struct Shown {
    form: ExtractForm,
    band: Option<ReviewBandForm>,
    imported: Option<String>,
}

pub(crate) async fn linking_page(
    state: &AppState,
    s: &SignedIn,
    (status, partnership): (StatusCode, Option<PartnershipId>),
    shown: Shown,
    errors: Vec<FieldError>,
) -> PageResult {
    let overview = state
        .service
        .linking_overview(&s.actor, partnership)
        .await?;
    let p = overview.partnership.0;
    let mut extracts = state.service.list_extracts(&s.actor).await?;
    extracts.retain(|e| e.partnership_id == p);
    // The upload offers the partnership's members (any other agency would be refused).
    let members: Vec<_> = state
        .service
        .list_partnerships(&s.actor)
        .await?
        .into_iter()
        .filter(|x| x.id == p)
        .flat_map(|x| x.members.into_iter().map(|m| m.id))
        .collect();
    let mut agencies = state.service.list_agencies(&s.actor).await?;
    agencies.retain(|a| members.contains(&a.id));
    let pending = state
        .service
        .review_queue(
            &s.actor,
            Some(p),
            wholeplace_store::ReviewStatus::Pending,
            1,
        )
        .await?
        .total;
    let form = shown.form;
    let columns = STAGED_FIELDS
        .iter()
        .zip(FIELD_LABELS)
        .map(|(f, label)| ColumnField {
            name: format!("column_{f}"),
            label,
            value: form
                .columns
                .iter()
                .find(|(k, _)| k == f)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        })
        .collect();
    let (lower, upper, second_review) = match shown.band {
        Some(b) => (b.lower, b.upper, !b.second_review.is_empty()),
        None => (
            pct_text(overview.band.0),
            pct_text(overview.band.1),
            overview.second_review,
        ),
    };
    let any_encoded = extracts.iter().any(|e| !e.encoded_columns.is_empty());
    let page = LinkingPage {
        partnership: (p.to_string(), overview.partnership.1.clone()),
        partnerships: overview
            .partnerships
            .iter()
            .map(|(id, name)| (id.to_string(), name.clone()))
            .collect(),
        any_encoded,
        layout: layout(state, s, "linking")
            .with_errors(errors)
            .with_flash(shown.imported),
        extracts: extracts
            .into_iter()
            .map(|e| ExtractRow {
                encoded: !e.encoded_columns.is_empty(),
                agency: e.agency_name,
                class: e.data_class.label(),
                file: e.file_name,
                records: e.records,
                when: format_time(e.imported_at),
                by: e.imported_by,
            })
            .collect(),
        staged: overview.staged,
        expected: overview
            .expected
            .map(|x| (x.false_matches, x.missed_matches, x.to_review)),
        runs: overview
            .runs
            .iter()
            .take(10)
            .map(|r| RunRow {
                id: r.id.to_string(),
                started: format_time(r.started_at),
                by: r.started_by.clone(),
                state: state_words(r.state),
                counts: (r.state == RunState::Finished).then(|| r.counts.clone()),
            })
            .collect(),
        running: overview.running.map(|(id, p)| Running {
            id: id.to_string(),
            percent: (p.done.min(p.total) * 100)
                .checked_div(p.total)
                .unwrap_or(0),
            stage: if p.stage.is_empty() {
                "Starting".to_owned()
            } else {
                p.stage
            },
            done: p.done,
            total: p.total,
        }),
        model_saved: overview.model_saved,
        agencies: options("Select", agencies.into_iter().map(|a| (a.id, a.name))),
        classes: vocabulary(DATA_CLASSES),
        form,
        columns,
        lower,
        upper,
        second_review,
        pending,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn linking(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<LinkingQuery>,
) -> PageResult {
    let p = page_partnership(&state, &s, &q.partnership).await?;
    linking_page(
        &state,
        &s,
        (StatusCode::OK, p),
        Shown::default(),
        Vec::new(),
    )
    .await
}

/// The upload of an agency's extract (multipart: the form token is checked by hand).
pub async fn upload_extract(
    State(state): State<AppState>,
    s: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let bad = |e: &(dyn std::error::Error + 'static)| crate::form::upload_error(e);
    let mut multipart = multipart.map_err(|e| bad(&e))?;
    let (mut csrf, mut form, mut file) = (
        String::new(),
        ExtractForm::default(),
        ExtractFile::default(),
    );
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "csrf_token" => csrf = field.text().await.map_err(|e| bad(&e))?,
            "partnership_id" => form.partnership_id = field.text().await.map_err(|e| bad(&e))?,
            "agency_id" => form.agency_id = field.text().await.map_err(|e| bad(&e))?,
            "data_class" => form.data_class = field.text().await.map_err(|e| bad(&e))?,
            "file" => {
                file.name = field.file_name().unwrap_or("").to_owned();
                file.bytes = field.bytes().await.map_err(|e| bad(&e))?.to_vec();
            }
            other => {
                if let Some(f) = other.strip_prefix("column_")
                    && STAGED_FIELDS.contains(&f)
                {
                    let v = field.text().await.map_err(|e| bad(&e))?;
                    if !v.trim().is_empty() {
                        form.columns.push((f.to_owned(), v.trim().to_owned()));
                    }
                }
            }
        }
    }
    check_csrf(&s.session, &csrf)?;
    let p = named_partnership(&form.partnership_id).unwrap_or_default();
    match state.service.import_extract(&s.actor, &form, &file).await {
        Ok(done) => {
            let shown = Shown {
                imported: Some(format!(
                    "{} record{} staged from {}",
                    done.records,
                    if done.records == 1 { "" } else { "s" },
                    file.name
                )),
                ..Default::default()
            };
            linking_page(&state, &s, (StatusCode::OK, p), shown, Vec::new()).await
        }
        Err(ServiceError::Validation(errors)) => {
            let shown = Shown {
                form,
                ..Default::default()
            };
            let status = problems_status(&errors);
            linking_page(&state, &s, (status, p), shown, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Starts a run of a partnership's extracts.
pub async fn run(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let p = named_partnership(form.get("partnership"))?;
    match state.service.start_linking(&s.actor, p).await {
        Ok(_) => {
            let p = state.service.linking_partnership(p).await?.0;
            Ok(Redirect::to(&linking_href(p)).into_response())
        }
        Err(ServiceError::Conflict(_)) => {
            let errors = vec![FieldError::new(
                "run",
                "A linking run is already in progress: wait for it to finish, or cancel it",
            )];
            let status = StatusCode::CONFLICT;
            linking_page(&state, &s, (status, p), Shown::default(), errors).await
        }
        Err(ServiceError::Validation(errors)) => {
            let status = problems_status(&errors);
            linking_page(&state, &s, (status, p), Shown::default(), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels a partnership's running job; with none running (it has just ended), back to the
/// page.
pub async fn cancel(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let p = named_partnership(form.get("partnership"))?;
    match state.service.cancel_linking(&s.actor, p).await {
        Ok(_) | Err(ServiceError::NotFound) => {
            let p = state.service.linking_partnership(p).await?.0;
            Ok(Redirect::to(&linking_href(p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a partnership's review band.
pub async fn band(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let p = named_partnership(form.get("partnership"))?;
    let f: ReviewBandForm = form.typed()?;
    saved(
        state.service.save_review_band(&s.actor, p, &f).await,
        |_| p.map(linking_href).unwrap_or_else(|| "/linking".to_owned()),
        |status, errors| {
            linking_page(
                &state,
                &s,
                (status, p),
                Shown {
                    band: Some(f.clone()),
                    ..Default::default()
                },
                errors,
            )
        },
    )
    .await
}

/// `?status=&page=` on the review queue.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReviewQuery {
    partnership: String,
    status: String,
    page: String,
}

/// One row of a pair's waterfall.
pub(crate) struct EvidenceRow {
    comparison: String,
    level: String,
    a: String,
    b: String,
    weight: String,
}

/// One pair as the queue shows it.
pub(crate) struct PairView {
    id: String,
    /// The people the two records are now, for opening them to merge or split.
    people: (String, String),
    probability: String,
    records: (String, String),
    prior: String,
    rows: Vec<EvidenceRow>,
    total: String,
    decided_by: String,
}

#[derive(Template)]
#[template(path = "linking_review.html")]
pub(crate) struct ReviewPage {
    layout: Layout,
    /// The partnership whose queue this is: (id, name).
    partnership: (String, String),
    status: &'static str,
    status_words: &'static str,
    pairs: Vec<PairView>,
    total: i64,
    page: i64,
    pages: i64,
    first: i64,
    last: i64,
}

fn bits(x: f64) -> String {
    format!("{x:+.2}")
}

fn pair(v: ReviewView) -> PairView {
    let item = v.item;
    let (records, prior, rows, total) = match v.evidence {
        Some(e) => (
            (
                format!("{} record {}", e.records.0.0, e.records.0.1),
                format!("{} record {}", e.records.1.0, e.records.1.1),
            ),
            bits(e.prior_weight),
            e.contributions
                .into_iter()
                .map(|c| EvidenceRow {
                    comparison: c.comparison,
                    level: c.level,
                    a: c.values.0,
                    b: c.values.1,
                    weight: bits(c.weight + c.tf_adjustment),
                })
                .collect(),
            bits(e.weight),
        ),
        None => (
            (format!("record {}", item.a), format!("record {}", item.b)),
            String::new(),
            Vec::new(),
            String::new(),
        ),
    };
    let person =
        |p: Option<wholeplace_domain::PersonId>| p.map(|p| p.to_string()).unwrap_or_default();
    PairView {
        people: (person(item.people.0), person(item.people.1)),
        id: item.id.to_string(),
        probability: pct_text(item.probability_ppm as f64 / 10_000.0),
        records,
        prior,
        rows,
        total,
        decided_by: item.decided_by.unwrap_or_default(),
    }
}

fn review_status(raw: &str) -> Result<wholeplace_store::ReviewStatus, crate::error::WebError> {
    match raw.trim() {
        "" => Ok(wholeplace_store::ReviewStatus::Pending),
        t => wholeplace_store::ReviewStatus::parse(t).ok_or_else(|| {
            crate::error::WebError::BadRequest(
                "Ask for the pairs waiting, accepted or rejected: status=pending, accepted or rejected.".to_owned(),
            )
        }),
    }
}

pub async fn review(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<ReviewQuery>,
) -> PageResult {
    let status = review_status(&q.status)?;
    let page = match q.page.trim() {
        "" => 1,
        t => t.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
            crate::error::WebError::BadRequest(
                "The page number must be a whole number from 1.".to_owned(),
            )
        })?,
    };
    let chosen = page_partnership(&state, &s, &q.partnership).await?;
    let queue = state
        .service
        .review_queue(&s.actor, chosen, status, page)
        .await?;
    let name = state
        .service
        .linking_partnership(Some(queue.partnership))
        .await?
        .1;
    let pages = ((queue.total + REVIEW_PAGE_SIZE - 1) / REVIEW_PAGE_SIZE).max(1);
    let first = (queue.page - 1) * REVIEW_PAGE_SIZE + 1;
    let p = ReviewPage {
        partnership: (queue.partnership.to_string(), name),
        layout: layout(&state, &s, "linking"),
        status: status.as_str(),
        status_words: match status {
            wholeplace_store::ReviewStatus::Pending => "waiting for review",
            wholeplace_store::ReviewStatus::Accepted => "accepted",
            wholeplace_store::ReviewStatus::Rejected => "rejected",
        },
        last: first + queue.items.len() as i64 - 1,
        first,
        pairs: queue.items.into_iter().map(pair).collect(),
        total: queue.total,
        page: queue.page,
        pages,
    };
    Ok(render(&p)?.into_response())
}

/// Accept, reject or undo a pair, then back to the page of the queue it was on.
pub async fn decide(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: ReviewItemId = parse_id(&id)?;
    let status = match form.get("decision") {
        "accept" => wholeplace_store::ReviewStatus::Accepted,
        "reject" => wholeplace_store::ReviewStatus::Rejected,
        "undo" => wholeplace_store::ReviewStatus::Pending,
        _ => {
            // The decision is checked after the role, so a refused role is told so.
            state
                .service
                .begin(
                    &s.actor,
                    wholeplace_service::AuditAction::LinkageReview,
                    Some(wholeplace_domain::RecordId::raw(id)),
                )
                .await?;
            return Err(crate::error::WebError::BadRequest(
                "Choose accept, reject or undo.".to_owned(),
            ));
        }
    };
    state.service.decide_review(&s.actor, id, status).await?;
    let back = review_status(form.get("from"))
        .unwrap_or(wholeplace_store::ReviewStatus::Pending)
        .as_str();
    let page = form.get("page").parse::<i64>().unwrap_or(1).max(1);
    let p = match named_partnership(form.get("partnership")) {
        Ok(Some(p)) => format!("partnership={p}&"),
        _ => String::new(),
    };
    Ok(Redirect::to(&format!("/linking/review?{p}status={back}&page={page}")).into_response())
}
