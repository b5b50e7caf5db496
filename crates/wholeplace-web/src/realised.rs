//! Forecast against realised savings: an appraisal's approved snapshots
//! (`/appraisals/{id}/snapshots`, with the form that freezes one) and each snapshot's variance by
//! agency and year with the outcomes achieved entered line by line and year by year
//! (`/appraisals/{id}/snapshots/{sid}`, and its `variance.csv`).
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a page calls the use cases it shows; a post is the form, the service use
//! case and `page::saved`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_appraisal::realised::{Cell, pounds};
use wholeplace_domain::{AppraisalId, SnapshotId};
use wholeplace_service::FieldError;
use wholeplace_service::clock::format_time;
use wholeplace_service::realised::{OutcomesForm, RealisedView, SnapshotForm, outcome_field};

/// One snapshot as the list shows it.
pub(crate) struct SnapshotRow {
    id: String,
    option: String,
    approval: String,
    approved_on: String,
    by: String,
    when: String,
}

#[derive(Template)]
#[template(path = "snapshots.html")]
pub(crate) struct SnapshotsPage {
    layout: Layout,
    id: AppraisalId,
    title: String,
    snapshots: Vec<SnapshotRow>,
    /// The options of the model: (number from 1, name).
    options: Vec<(String, String)>,
    form: SnapshotForm,
    can_edit: bool,
}

async fn snapshots_page(
    state: &AppState,
    s: &SignedIn,
    id: AppraisalId,
    status: StatusCode,
    form: SnapshotForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let stored = state.service.appraisal(&s.actor, id).await?;
    let snapshots = state.service.list_snapshots(&s.actor, id).await?;
    let options = wholeplace_appraisal::parse_model_toml(&stored.model_toml)
        .map(|m| {
            wholeplace_appraisal::prepare::option_names(&m)
                .into_iter()
                .enumerate()
                .map(|(i, n)| ((i + 1).to_string(), n))
                .collect()
        })
        .unwrap_or_default();
    let page = SnapshotsPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        id,
        title: stored.title,
        snapshots: snapshots
            .into_iter()
            .map(|x| SnapshotRow {
                id: x.id.to_string(),
                option: x.option_name,
                approval: x.approval,
                approved_on: x.approved_on,
                by: x.created_by,
                when: format_time(x.created_at),
            })
            .collect(),
        options,
        form,
        can_edit: s.user.role.can_edit_evidence(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn snapshots(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
) -> PageResult {
    let id = parse_id(&id)?;
    snapshots_page(
        &state,
        &s,
        id,
        StatusCode::OK,
        SnapshotForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_snapshot(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id: AppraisalId = parse_id(&id)?;
    let f: SnapshotForm = form.typed()?;
    saved(
        state.service.create_snapshot(&s.actor, id, &f).await,
        |sid| format!("/appraisals/{id}/snapshots/{sid}"),
        |status, errors| snapshots_page(&state, &s, id, status, f.clone(), errors),
    )
    .await
}

/// One cell of money as the report shows it.
pub(crate) struct MoneyCell {
    forecast: String,
    realised: String,
    variance: String,
    /// The variance is below zero (fewer savings than forecast).
    short: bool,
}

fn money(c: &Cell) -> MoneyCell {
    let gbp = |p: i64| {
        let text = pounds(p.abs());
        let (whole, pence) = text.split_once('.').unwrap_or((&text, "00"));
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{}£{grouped}.{pence}", if p < 0 { "−" } else { "" })
    };
    MoneyCell {
        forecast: gbp(c.forecast),
        realised: c
            .realised
            .map(gbp)
            .unwrap_or_else(|| "not yet reported".into()),
        variance: c.variance().map(gbp).unwrap_or_default(),
        short: c.variance().is_some_and(|v| v < 0),
    }
}

/// One agency's row.
pub(crate) struct AgencyLine {
    agency: String,
    years: Vec<MoneyCell>,
    total: MoneyCell,
}

/// One input of the outcomes form.
pub(crate) struct OutcomeInput {
    name: String,
    forecast: String,
    value: String,
}

/// One outcome line with an input per year.
pub(crate) struct OutcomeLineRow {
    name: String,
    counted_as: String,
    inputs: Vec<OutcomeInput>,
}

#[derive(Template)]
#[template(path = "snapshot.html")]
pub(crate) struct SnapshotPage {
    layout: Layout,
    id: AppraisalId,
    sid: SnapshotId,
    title: String,
    option: String,
    approval: String,
    approved_on: String,
    price_base: String,
    library: String,
    years: Vec<String>,
    reported: Vec<bool>,
    agencies: Vec<AgencyLine>,
    year_totals: Vec<MoneyCell>,
    total: MoneyCell,
    lines: Vec<OutcomeLineRow>,
    can_edit: bool,
}

fn number_text(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

async fn snapshot_page(
    state: &AppState,
    s: &SignedIn,
    (id, sid): (AppraisalId, SnapshotId),
    status: StatusCode,
    typed: Option<&OutcomesForm>,
    errors: Vec<FieldError>,
) -> PageResult {
    let v: RealisedView = state.service.realised(&s.actor, sid).await?;
    if v.stored.appraisal_id != id {
        return Err(WebError::NotFound);
    }
    let r = &v.report;
    let typed_value = |name: &str| {
        typed.and_then(|f| {
            f.values
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    };
    let lines = r
        .lines
        .iter()
        .enumerate()
        .map(|(l, line)| OutcomeLineRow {
            name: line.name.clone(),
            counted_as: line.counted_as.clone(),
            inputs: r
                .years
                .iter()
                .enumerate()
                .map(|(t, _)| {
                    let name = outcome_field(l, t);
                    OutcomeInput {
                        value: typed_value(&name).unwrap_or_else(|| {
                            line.observed[t].map(number_text).unwrap_or_default()
                        }),
                        forecast: number_text(line.forecast.get(t).copied().unwrap_or(0.0)),
                        name,
                    }
                })
                .collect(),
        })
        .collect();
    let page = SnapshotPage {
        layout: layout(state, s, "appraisals").with_errors(errors),
        id,
        sid,
        title: v.forecast.title.clone(),
        option: v.stored.option_name.clone(),
        approval: v.stored.approval.clone(),
        approved_on: v.stored.approved_on.clone(),
        price_base: v.forecast.price_base.clone(),
        library: v.forecast.library_version.clone(),
        years: r.years.clone(),
        reported: r.reported.clone(),
        agencies: r
            .agencies
            .iter()
            .map(|a| AgencyLine {
                agency: a.agency.clone(),
                years: a.years.iter().map(money).collect(),
                total: money(&a.total),
            })
            .collect(),
        year_totals: r.year_totals.iter().map(money).collect(),
        total: money(&r.total),
        lines,
        can_edit: s.user.role.can_edit_evidence(),
    };
    Ok((status, render(&page)?).into_response())
}

fn ids(raw: &(String, String)) -> Result<(AppraisalId, SnapshotId), WebError> {
    Ok((parse_id(&raw.0)?, parse_id(&raw.1)?))
}

pub async fn snapshot(
    State(state): State<AppState>,
    s: SignedIn,
    Path(raw): Path<(String, String)>,
) -> PageResult {
    snapshot_page(&state, &s, ids(&raw)?, StatusCode::OK, None, Vec::new()).await
}

pub async fn record_outcomes(
    State(state): State<AppState>,
    s: SignedIn,
    Path(raw): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let (id, sid) = ids(&raw)?;
    let f = OutcomesForm {
        values: form
            .pairs()
            .iter()
            .filter(|(k, _)| k.starts_with("obs_"))
            .cloned()
            .collect(),
    };
    let snap = state.service.realised(&s.actor, sid).await?;
    if snap.stored.appraisal_id != id {
        return Err(WebError::NotFound);
    }
    saved(
        state.service.record_outcomes(&s.actor, sid, &f).await,
        |_| format!("/appraisals/{id}/snapshots/{sid}#variance"),
        |status, errors| snapshot_page(&state, &s, (id, sid), status, Some(&f), errors),
    )
    .await
}

pub async fn variance_csv(
    State(state): State<AppState>,
    s: SignedIn,
    Path(raw): Path<(String, String)>,
) -> PageResult {
    let (id, sid) = ids(&raw)?;
    let snap = state.service.realised(&s.actor, sid).await?;
    if snap.stored.appraisal_id != id {
        return Err(WebError::NotFound);
    }
    let body = state.service.realised_csv(&s.actor, sid).await?;
    Ok(download(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("appraisal-{id}-snapshot-{sid}-variance.csv"),
    ))
}
