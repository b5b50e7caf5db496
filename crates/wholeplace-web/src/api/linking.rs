//! `/api/v1/extracts` and `/api/v1/linkage`: agencies' extracts staged for linkage (an extract
//! sent as CSV text in JSON), the linking job (start, state and progress, cancel) and the review
//! queue (paged, each pair with its evidence; accept, reject, undo). Decided and audited by the
//! same service use cases as the pages; analysts and administrators only.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`.

use super::*;
use std::collections::BTreeMap;
use wholeplace_service::clock::format_rfc3339;
use wholeplace_service::extracts::{ExtractFile, ExtractForm};
use wholeplace_store::ReviewStatus;

/// An extract staged for linkage.
#[derive(Serialize, ToSchema)]
pub(crate) struct ExtractView {
    pub(crate) id: i64,
    /// The partnership whose linkage it is staged for.
    pub(crate) partnership_id: i64,
    pub(crate) agency_id: i64,
    pub(crate) agency_name: String,
    /// The class of data (a key of the sharing vocabulary).
    pub(crate) data_class: String,
    pub(crate) file_name: String,
    pub(crate) records: i64,
    /// RFC 3339.
    pub(crate) imported_at: String,
    pub(crate) imported_by: String,
}

/// An agency's extract to stage: its CSV text (with a header row), checked against the
/// agreements in force like an upload on the page.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ExtractInput {
    /// The partnership whose linkage the extract is for; the agency must be one of its members.
    /// May be left out when there is only one partnership.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) partnership_id: Option<i64>,
    #[schema(minimum = 1)]
    pub(crate) agency_id: i64,
    /// The class of data it holds (a key of the sharing vocabulary, such as `identity`).
    pub(crate) data_class: String,
    /// The CSV text, header row first.
    pub(crate) csv: String,
    /// The file's name, for the list of extracts (default `extract.csv`).
    #[serde(default)]
    pub(crate) file_name: String,
    /// The column of each field, by field name (`record_id`, `given_name`, `family_name`,
    /// `date_of_birth`, `sex`, `house_number`, `street`, `town`, `postcode`, `nhs_number`,
    /// `ni_number`); a field left out uses the agency's saved choice or the usual header.
    #[serde(default)]
    pub(crate) columns: BTreeMap<String, String>,
}

/// An extract staged.
#[derive(Serialize, ToSchema)]
pub(crate) struct ExtractImportedView {
    pub(crate) id: i64,
    pub(crate) records: usize,
    /// The column used for each field, saved for the agency's next extract of the class.
    pub(crate) columns: BTreeMap<String, String>,
}

/// What a run found, as counts.
#[derive(Serialize, ToSchema)]
pub(crate) struct RunCountsView {
    pub(crate) records: i64,
    pub(crate) pairs: i64,
    pub(crate) people: i64,
    pub(crate) new_people: i64,
    pub(crate) households: i64,
    pub(crate) queued: i64,
    /// Expected false matches among the pairs linked without review.
    pub(crate) expected_false: i64,
    /// Expected missed matches among the pairs below the review band.
    pub(crate) expected_missed: i64,
    /// Whether this run trained the model (rather than reusing the saved one).
    pub(crate) trained: bool,
}

/// A run of the linking job.
#[derive(Serialize, ToSchema)]
pub(crate) struct RunView {
    pub(crate) id: i64,
    /// The partnership whose extracts it linked.
    pub(crate) partnership_id: i64,
    /// `running`, `finished`, `cancelled` or `failed`.
    pub(crate) state: String,
    pub(crate) started_by: String,
    /// RFC 3339.
    pub(crate) started_at: String,
    /// RFC 3339, once ended.
    pub(crate) ended_at: Option<String>,
    pub(crate) counts: RunCountsView,
}

/// Where the running job is.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProgressView {
    pub(crate) run_id: i64,
    /// The stage, in words.
    pub(crate) stage: String,
    pub(crate) done: u64,
    /// Units in the stage (0 when unknown).
    pub(crate) total: u64,
}

/// A partnership's linking job: the run in progress, the runs, the review band.
#[derive(Serialize, ToSchema)]
pub(crate) struct LinkageView {
    /// The partnership whose linkage this is.
    pub(crate) partnership_id: i64,
    pub(crate) partnership_name: String,
    /// The run in progress, if any.
    pub(crate) running: Option<ProgressView>,
    /// Runs, newest first.
    pub(crate) runs: Vec<RunView>,
    /// Pairs from this match probability (per cent) are queued for review.
    pub(crate) review_lower_percent: f64,
    /// Pairs from this match probability (per cent) are linked without review.
    pub(crate) review_upper_percent: f64,
    /// Whether a merge of people whose records come from different data classes waits for a
    /// second reviewer.
    pub(crate) second_review: bool,
    /// What the saved band gives on the last finished run's pairs.
    pub(crate) expected: Option<BandView>,
    pub(crate) model_saved: bool,
    pub(crate) staged_records: usize,
}

/// What a review band gives on the last finished run's pairs.
#[derive(Serialize, ToSchema)]
pub(crate) struct BandView {
    /// Expected false matches among the pairs linked without review.
    pub(crate) false_matches: i64,
    /// Expected missed matches among the pairs below the lower threshold.
    pub(crate) missed_matches: i64,
    /// Pairs between the thresholds.
    pub(crate) to_review: i64,
}

/// The review band and the second-reviewer rule, as the linking page's form sets them.
#[derive(Deserialize, ToSchema)]
pub(crate) struct LinkageSettingsInput {
    /// The partnership whose settings these are (may be left out when there is only one).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) partnership_id: Option<i64>,
    /// Pairs from this match probability (per cent, 0 to 100, such as "50") are queued for
    /// review.
    pub(crate) lower_percent: String,
    /// Pairs from this match probability (per cent, above the lower, such as "95") are linked
    /// without review.
    pub(crate) upper_percent: String,
    /// Whether a merge across data classes waits for a second reviewer (default true).
    #[serde(default = "yes")]
    pub(crate) second_review: bool,
}

fn yes() -> bool {
    true
}

/// A run started.
#[derive(Serialize, ToSchema)]
pub(crate) struct RunStarted {
    pub(crate) id: i64,
}

/// One record of a pair: the agency's source and its record id.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecordRefView {
    pub(crate) source: String,
    pub(crate) record_id: String,
}

/// One field's part in a pair's weight.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContributionView {
    pub(crate) comparison: String,
    /// How well the values agree.
    pub(crate) level: String,
    pub(crate) value_a: String,
    pub(crate) value_b: String,
    /// Bits, `log2(m/u)`.
    pub(crate) weight: f64,
    /// The term-frequency adjustment, in bits.
    pub(crate) tf_adjustment: f64,
}

/// A pair in the review queue with its evidence (the waterfall).
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewItemView {
    pub(crate) id: i64,
    pub(crate) probability_ppm: i64,
    /// `pending`, `accepted` or `rejected`.
    pub(crate) status: String,
    pub(crate) decided_by: Option<String>,
    pub(crate) records: Vec<RecordRefView>,
    /// The people the two records are now (open them at /linkage/people/{id} to merge or split).
    pub(crate) person_ids: Vec<Option<i64>>,
    /// The prior, in bits.
    pub(crate) prior_weight: Option<f64>,
    pub(crate) contributions: Vec<ContributionView>,
    /// The total, in bits.
    pub(crate) weight: Option<f64>,
}

/// A page of the review queue.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewPageView {
    /// The partnership whose queue this is.
    pub(crate) partnership_id: i64,
    /// Pairs with the status asked for.
    pub(crate) total: i64,
    pub(crate) page: i64,
    pub(crate) page_size: i64,
    pub(crate) items: Vec<ReviewItemView>,
}

/// Which pairs, which page.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReviewParams {
    /// The partnership whose queue (may be left out when there is only one).
    #[param(minimum = 1)]
    pub(crate) partnership: Option<i64>,
    /// `pending` (the default), `accepted` or `rejected`.
    pub(crate) status: Option<ReviewStatusParam>,
    /// The page, from 1 (the default).
    #[param(minimum = 1)]
    pub(crate) page: Option<i64>,
}

/// Which partnership's linkage.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PartnershipParams {
    /// The partnership (may be left out when there is only one; with several, a 422 names
    /// them).
    #[param(minimum = 1)]
    pub(crate) partnership: Option<i64>,
}

fn partnership(id: Option<i64>) -> Option<wholeplace_domain::PartnershipId> {
    id.map(<wholeplace_domain::PartnershipId as wholeplace_domain::RecordId>::from_raw)
}

/// A review status.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReviewStatusParam {
    Pending,
    Accepted,
    Rejected,
}

/// A decision on a pair.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReviewDecisionInput {
    /// `accept` (the same person), `reject` (different people) or `undo`.
    pub(crate) decision: String,
}

/// The extracts staged, newest first (analysts and administrators; audited).
#[utoipa::path(get, path = "/extracts", security(("token" = [])), responses((status = 200, body = [ExtractView]), (status = 403, description = "The token's account may not read linkage (analysts and administrators do): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn extracts(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<ExtractView>>, ApiError> {
    let all = state.service.list_extracts(&actor).await?;
    Ok(Json(
        all.into_iter()
            .map(|e| ExtractView {
                id: e.id.get(),
                partnership_id: e.partnership_id.get(),
                agency_id: e.agency_id.get(),
                agency_name: e.agency_name,
                data_class: e.data_class.as_str().to_owned(),
                file_name: e.file_name,
                records: e.records,
                imported_at: format_rfc3339(e.imported_at),
                imported_by: e.imported_by,
            })
            .collect(),
    ))
}

/// Stages an agency's extract (analysts and administrators). Refused (422, and the refusal
/// audited) unless an agreement in force has the agency as a party and covers the class of data
/// and linkage; every row is checked and a problem names its row and column; all or nothing.
#[utoipa::path(post, path = "/extracts", request_body = ExtractInput, security(("token" = [])), responses((status = 201, body = ExtractImportedView)))]
pub(crate) async fn import_extract(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<ExtractInput>,
) -> Result<(StatusCode, Json<ExtractImportedView>), ApiError> {
    let form = ExtractForm {
        partnership_id: b.partnership_id.map(|p| p.to_string()).unwrap_or_default(),
        agency_id: b.agency_id.to_string(),
        data_class: b.data_class,
        columns: b.columns.into_iter().collect(),
    };
    let name = if b.file_name.trim().is_empty() {
        "extract.csv".to_owned()
    } else {
        b.file_name.trim().to_owned()
    };
    // The text is CSV whatever the name says.
    let file = ExtractFile {
        name: if name.to_lowercase().ends_with(".xlsx") {
            format!("{name}.csv")
        } else {
            name
        },
        bytes: b.csv.into_bytes(),
    };
    let done = state.service.import_extract(&actor, &form, &file).await?;
    Ok((
        StatusCode::CREATED,
        Json(ExtractImportedView {
            id: done.id.get(),
            records: done.records,
            columns: done.columns.into_iter().collect(),
        }),
    ))
}

fn run_view(r: wholeplace_store::LinkageRun) -> RunView {
    let c = r.counts;
    RunView {
        id: r.id.get(),
        partnership_id: r.partnership_id.get(),
        state: r.state.as_str().to_owned(),
        started_by: r.started_by,
        started_at: format_rfc3339(r.started_at),
        ended_at: r.ended_at.map(format_rfc3339),
        counts: RunCountsView {
            records: c.records,
            pairs: c.pairs,
            people: c.people,
            new_people: c.new_people,
            households: c.households,
            queued: c.queued,
            expected_false: c.expected_false,
            expected_missed: c.expected_missed,
            trained: c.trained,
        },
    }
}

/// A partnership's linking job: the run in progress and its progress, the runs, the review
/// band (analysts and administrators).
#[utoipa::path(get, path = "/linkage/runs", params(PartnershipParams), security(("token" = [])), responses((status = 200, body = LinkageView), (status = 403, description = "The token's account may not read linkage (analysts and administrators do): see /about/roles", body = super::ErrorEnvelope), (status = 422, description = "No partnership named when there are several, or no such partnership", body = super::ErrorEnvelope)))]
pub(crate) async fn runs(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<PartnershipParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<LinkageView>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    overview(&state, &actor, partnership(p.partnership)).await
}

async fn overview(
    state: &AppState,
    actor: &wholeplace_service::Actor,
    p: Option<wholeplace_domain::PartnershipId>,
) -> Result<Json<LinkageView>, ApiError> {
    let o = state.service.linking_overview(actor, p).await?;
    Ok(Json(LinkageView {
        partnership_id: o.partnership.0.get(),
        partnership_name: o.partnership.1,
        running: o.running.map(|(id, p)| ProgressView {
            run_id: id.get(),
            stage: p.stage,
            done: p.done,
            total: p.total,
        }),
        runs: o.runs.into_iter().map(run_view).collect(),
        review_lower_percent: o.band.0,
        review_upper_percent: o.band.1,
        second_review: o.second_review,
        expected: o.expected.map(|x| BandView {
            false_matches: x.false_matches,
            missed_matches: x.missed_matches,
            to_review: x.to_review,
        }),
        model_saved: o.model_saved,
        staged_records: o.staged,
    }))
}

/// Sets the review band and the second-reviewer rule (analysts and administrators; audited);
/// answers the linking job's view with what the new band gives on the last run's pairs.
#[utoipa::path(put, path = "/linkage/settings", request_body = LinkageSettingsInput, security(("token" = [])), responses((status = 200, body = LinkageView)))]
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<LinkageSettingsInput>,
) -> Result<Json<LinkageView>, ApiError> {
    let form = wholeplace_service::linking::ReviewBandForm {
        lower: b.lower_percent,
        upper: b.upper_percent,
        second_review: if b.second_review { "yes" } else { "" }.to_owned(),
    };
    let p = partnership(b.partnership_id);
    state.service.save_review_band(&actor, p, &form).await?;
    overview(&state, &actor, p).await
}

/// Starts linking the records staged for a partnership in the background (analysts and
/// administrators): 202 with the run's id; follow it at GET /linkage/runs. One run at a time
/// per partnership: 409 while one runs; 422 when no extract is staged for it.
#[utoipa::path(post, path = "/linkage/runs", params(PartnershipParams), security(("token" = [])), responses((status = 202, body = RunStarted), (status = 409, description = "A run is in progress", body = super::ErrorEnvelope), (status = 422, description = "No extract is staged, or no partnership named when there are several", body = super::ErrorEnvelope)))]
pub(crate) async fn start_run(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<PartnershipParams>, axum::extract::rejection::QueryRejection>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let id = state
        .service
        .start_linking(&actor, partnership(p.partnership))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(RunStarted { id: id.get() })))
}

/// Asks a partnership's run in progress to stop at its next stage; nothing of it is written
/// (analysts and administrators). 404 when no run is in progress.
#[utoipa::path(post, path = "/linkage/runs/current/cancel", params(PartnershipParams), security(("token" = [])), responses((status = 202, body = RunStarted), (status = 404, description = "No run is in progress", body = super::ErrorEnvelope)))]
pub(crate) async fn cancel_run(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<PartnershipParams>, axum::extract::rejection::QueryRejection>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let id = state
        .service
        .cancel_linking(&actor, partnership(p.partnership))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(RunStarted { id: id.get() })))
}

/// A page of the review queue, most probable first, each pair with its field-by-field evidence
/// (analysts and administrators; each read audited).
#[utoipa::path(get, path = "/linkage/review", params(ReviewParams), security(("token" = [])), responses((status = 200, body = ReviewPageView), (status = 403, description = "The token's account may not read linkage (analysts and administrators do): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    params: Result<Query<ReviewParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReviewPageView>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let status = match p.status.unwrap_or(ReviewStatusParam::Pending) {
        ReviewStatusParam::Pending => ReviewStatus::Pending,
        ReviewStatusParam::Accepted => ReviewStatus::Accepted,
        ReviewStatusParam::Rejected => ReviewStatus::Rejected,
    };
    let q = state
        .service
        .review_queue(
            &actor,
            partnership(p.partnership),
            status,
            p.page.unwrap_or(1).max(1),
        )
        .await?;
    Ok(Json(ReviewPageView {
        partnership_id: q.partnership.get(),
        total: q.total,
        page: q.page,
        page_size: wholeplace_service::linking::REVIEW_PAGE_SIZE,
        items: q
            .items
            .into_iter()
            .map(|v| {
                let i = v.item;
                let e = v.evidence;
                ReviewItemView {
                    person_ids: vec![i.people.0.map(|p| p.get()), i.people.1.map(|p| p.get())],
                    id: i.id.get(),
                    probability_ppm: i.probability_ppm,
                    status: i.status.as_str().to_owned(),
                    decided_by: i.decided_by,
                    records: e
                        .as_ref()
                        .map(|e| {
                            let ((sa, ia), (sb, ib)) = e.records.clone();
                            vec![
                                RecordRefView {
                                    source: sa,
                                    record_id: ia,
                                },
                                RecordRefView {
                                    source: sb,
                                    record_id: ib,
                                },
                            ]
                        })
                        .unwrap_or_default(),
                    prior_weight: e.as_ref().map(|e| e.prior_weight),
                    weight: e.as_ref().map(|e| e.weight),
                    contributions: e
                        .map(|e| {
                            e.contributions
                                .into_iter()
                                .map(|c| ContributionView {
                                    comparison: c.comparison,
                                    level: c.level,
                                    value_a: c.values.0,
                                    value_b: c.values.1,
                                    weight: c.weight,
                                    tf_adjustment: c.tf_adjustment,
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect(),
    }))
}

/// Accepts or rejects a pair, or undoes the decision (analysts and administrators; audited); it
/// takes effect at the next run.
#[utoipa::path(post, path = "/linkage/review/{id}", params(("id" = i64, Path, minimum = 1, description = "Review item id")), request_body = ReviewDecisionInput, security(("token" = [])), responses((status = 204, description = "Decided")))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewDecisionInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let status = match b.decision.trim() {
        "accept" => ReviewStatus::Accepted,
        "reject" => ReviewStatus::Rejected,
        _ => ReviewStatus::Pending,
    };
    state.service.decide_review(&actor, id, status).await?;
    Ok(StatusCode::NO_CONTENT)
}
