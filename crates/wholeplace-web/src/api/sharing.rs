//! `/api/v1/sharing-agreements`: the register of information-sharing agreements, and recording
//! one (administrators). No agreement without an Article 6 basis; none covering special category
//! or criminal offence data without an Article 9 condition. `/api/v1/break-glass`: the privacy
//! officer's queue of emergency accesses (or a sample of it), and their review (the `/privacy`
//! page's use cases).
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;
use wholeplace_service::AgreementForm;
use wholeplace_service::clock::format_rfc3339;

/// An information-sharing agreement.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgreementView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) parties: Vec<String>,
    pub(crate) classes: Vec<String>,
    pub(crate) purposes: Vec<String>,
    /// The Article 6 basis key, such as `public_task`.
    pub(crate) basis: String,
    /// The Article 9 condition key, when one is named.
    pub(crate) condition: Option<String>,
    pub(crate) starts_on: String,
    pub(crate) review_on: String,
    pub(crate) expires_on: String,
    pub(crate) withdrawn_on: Option<String>,
    pub(crate) in_force: bool,
    /// What its owners must know now (review or expiry within 60 days, or past).
    pub(crate) warning: Option<String>,
}

/// An agreement to record.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AgreementInput {
    pub(crate) title: String,
    /// Party agency ids (at least two).
    pub(crate) party_ids: Vec<i64>,
    /// Data class keys: identity, social_care, health, police, education, benefits, housing.
    pub(crate) classes: Vec<String>,
    /// Purpose keys: early_help, safeguarding, evaluation.
    pub(crate) purposes: Vec<String>,
    /// Article 6 basis key: consent, contract, legal_obligation, vital_interests, public_task,
    /// legitimate_interests.
    pub(crate) basis: String,
    /// Article 9 condition key, needed for health, social_care and police data.
    #[serde(default)]
    pub(crate) condition: String,
    pub(crate) starts_on: String,
    pub(crate) review_on: String,
    pub(crate) expires_on: String,
    pub(crate) signatories: String,
}

/// Every agreement, with warnings for their owners.
#[utoipa::path(get, path = "/sharing-agreements", security(("token" = [])), responses((status = 200, body = [AgreementView])))]
pub(crate) async fn agreements(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<AgreementView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_agreements(&actor)
            .await?
            .into_iter()
            .map(|v| {
                let a = v.agreement;
                AgreementView {
                    id: a.id.get(),
                    title: a.title,
                    parties: a.parties.into_iter().map(|p| p.name).collect(),
                    classes: a.classes.iter().map(|c| c.as_str().to_owned()).collect(),
                    purposes: a.purposes.iter().map(|p| p.as_str().to_owned()).collect(),
                    basis: a.basis.as_str().to_owned(),
                    condition: a.condition.map(|c| c.as_str().to_owned()),
                    starts_on: a.starts_on,
                    review_on: a.review_on,
                    expires_on: a.expires_on,
                    withdrawn_on: a.withdrawn_on,
                    in_force: v.in_force,
                    warning: v.warning,
                }
            })
            .collect(),
    ))
}

/// Records an agreement (administrators, as the privacy officer).
#[utoipa::path(post, path = "/sharing-agreements", request_body = AgreementInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_agreement(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(a): ApiJson<AgreementInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = AgreementForm {
        title: a.title,
        parties: a.party_ids.iter().map(i64::to_string).collect(),
        classes: a.classes,
        purposes: a.purposes,
        basis: a.basis,
        condition: a.condition,
        starts_on: a.starts_on,
        review_on: a.review_on,
        expires_on: a.expires_on,
        signatories: a.signatories,
    };
    Ok(created_within(
        state.service.create_agreement(&actor, &f).await?,
    ))
}

/// An emergency access to a family's records, as the privacy officer reviews it.
#[derive(Serialize, ToSchema)]
pub(crate) struct BreakGlassView {
    pub(crate) id: i64,
    /// The account that opened the records.
    pub(crate) user: String,
    pub(crate) family_id: i64,
    /// Why, in their words.
    pub(crate) reason: String,
    /// When, RFC 3339.
    pub(crate) at: String,
    /// Who reviewed it (absent until it is reviewed).
    pub(crate) reviewed_by: Option<String>,
    /// The reviewer's finding (absent until it is reviewed).
    pub(crate) finding: Option<String>,
}

/// Which part of the queue.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SampleParams {
    /// A sample of the accesses not yet reviewed, as a whole percentage from 1 to 100 (the
    /// same accesses each time for one percentage, so a sample can be worked through); absent for
    /// every access.
    #[serde(default)]
    #[param(value_type = i64, minimum = 1, maximum = 100)]
    pub(crate) sample: String,
}

/// The privacy officer's queue (administrators): every emergency access, newest first, or a
/// sample of those not yet reviewed; one audit entry a call.
#[utoipa::path(get, path = "/break-glass", params(SampleParams), security(("token" = [])), responses((status = 200, body = [BreakGlassView]), (status = 403, description = "Not the privacy officer (administrators)", body = super::ErrorEnvelope)))]
pub(crate) async fn break_glass_queue(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Query(q): Query<SampleParams>,
) -> Result<Json<Vec<BreakGlassView>>, ApiError> {
    let percent = crate::sharing::sample_percent(&q.sample)
        .map_err(|m| ApiError(StatusCode::BAD_REQUEST, "bad_request", m, vec![]))?;
    Ok(Json(
        state
            .service
            .list_break_glass(&actor, percent)
            .await?
            .into_iter()
            .map(|b| {
                let reviewed = b.reviewed_by.is_some();
                BreakGlassView {
                    id: b.id.get(),
                    user: b.username,
                    family_id: b.household_id.get(),
                    reason: b.reason,
                    at: format_rfc3339(b.at),
                    reviewed_by: b.reviewed_by,
                    finding: reviewed.then_some(b.finding),
                }
            })
            .collect(),
    ))
}

/// The privacy officer's finding on an emergency access.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReviewInput {
    /// Such as "Justified: child missing overnight".
    pub(crate) finding: String,
}

/// Records the privacy officer's finding on an emergency access (administrators).
#[utoipa::path(post, path = "/break-glass/{id}/review", params(("id" = i64, Path, minimum = 1, description = "Emergency access id")), request_body = ReviewInput, security(("token" = [])), responses((status = 204, description = "Recorded")))]
pub(crate) async fn review_break_glass(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReviewInput>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .review_break_glass(&actor, path_id(&id)?, &r.finding)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
