//! `/api/v1/sharing-agreements`: the register of information-sharing agreements, and recording
//! one (administrators). No agreement without an Article 6 basis; none covering special category
//! or criminal offence data without an Article 9 condition.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;
use wholeplace_service::AgreementForm;

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
    let id = state.service.create_agreement(&actor, &f).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}
