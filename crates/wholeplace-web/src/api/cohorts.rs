//! `/api/v1/cohorts`: an analyst's saved rules for finding the families to work with, the
//! families they find (pseudonymous, with every part of each score, for analysts; by name and
//! only their own agency's, for practitioners), and an appraisal started from a cohort. Decided
//! and audited by the same service use cases as the pages.

use super::*;
use std::collections::BTreeMap;
use wholeplace_service::CohortForm;

/// A cohort's rules and weights.
#[derive(Serialize, ToSchema)]
pub(crate) struct CohortRulesView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    /// Need keys the rule counts.
    pub(crate) needs: Vec<String>,
    pub(crate) min_needs: i64,
    pub(crate) agency_id: Option<i64>,
    pub(crate) place_id: Option<i64>,
    pub(crate) cost_points_per_thousand: i64,
    /// Points for each need (need key to points).
    pub(crate) weights: BTreeMap<String, i64>,
}

/// One family of a cohort as an analyst sees it: scores are in hundredths of a point.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScoredFamilyView {
    /// The family's pseudonym in this cohort.
    pub(crate) reference: String,
    pub(crate) score_hundredths: i64,
    pub(crate) annual_cost_pence: i64,
    pub(crate) cost_part_hundredths: i64,
    /// Each need the family has, with its part (hundredths of a point).
    pub(crate) need_parts: BTreeMap<String, i64>,
    /// The cost a year by agency, in pence.
    pub(crate) cost_by_agency_pence: BTreeMap<String, i64>,
}

/// A cohort and the families it finds today, as the caller may see them.
#[derive(Serialize, ToSchema)]
pub(crate) struct CohortDetail {
    pub(crate) cohort: CohortRulesView,
    /// How many families it finds.
    pub(crate) families: usize,
    /// Analysts and administrators: every family, highest score first.
    pub(crate) scored: Option<Vec<ScoredFamilyView>>,
    /// Analysts and administrators: the cohort's cost a year by agency, in pence.
    pub(crate) cost_by_agency_pence: Option<BTreeMap<String, i64>>,
    /// Practitioners: the families in it their agency works with (id, name).
    pub(crate) yours: Vec<(i64, String)>,
}

/// A cohort to save, or its new rules.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CohortInput {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    /// Need keys the rule counts.
    #[serde(default)]
    pub(crate) needs: Vec<String>,
    #[serde(default)]
    pub(crate) min_needs: i64,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) agency_id: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) place_id: Option<i64>,
    #[serde(default)]
    pub(crate) cost_points_per_thousand: i64,
    /// Points for each need (need key to a whole number from 0 to 100).
    #[serde(default)]
    pub(crate) weights: BTreeMap<String, i64>,
}

impl CohortInput {
    fn form(self) -> CohortForm {
        let opt = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
        CohortForm {
            name: self.name,
            description: self.description,
            needs: self.needs,
            min_needs: self.min_needs.to_string(),
            agency_id: opt(self.agency_id),
            place_id: opt(self.place_id),
            cost_points_per_thousand: self.cost_points_per_thousand.to_string(),
            weights: self
                .weights
                .into_iter()
                .map(|(k, w)| (k, w.to_string()))
                .collect(),
        }
    }
}

fn rules_view(c: wholeplace_store::Cohort) -> CohortRulesView {
    CohortRulesView {
        id: c.id.get(),
        name: c.name,
        description: c.description,
        needs: c.needs.iter().map(|n| n.as_str().to_owned()).collect(),
        min_needs: c.min_needs,
        agency_id: c.agency_id.map(|a| a.get()),
        place_id: c.place_id.map(|p| p.get()),
        cost_points_per_thousand: c.cost_points_per_thousand,
        weights: c
            .weights
            .iter()
            .map(|(n, w)| (n.as_str().to_owned(), *w))
            .collect(),
    }
}

fn pence_by(rows: &[(String, wholeplace_domain::Money)]) -> BTreeMap<String, i64> {
    rows.iter().map(|(a, m)| (a.clone(), m.pence())).collect()
}

/// Every saved cohort's rules (practitioners, analysts and administrators).
#[utoipa::path(get, path = "/cohorts", security(("token" = [])), responses((status = 200, body = [CohortRulesView]), (status = 403, description = "The token's account may not read cohorts (viewers): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn cohorts(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<CohortRulesView>>, ApiError> {
    let all = state.service.list_cohorts(&actor).await?;
    Ok(Json(all.into_iter().map(rules_view).collect()))
}

/// Saves a cohort (analysts and administrators). A name already taken, or an agency or place
/// that does not exist, is a conflict (409).
#[utoipa::path(post, path = "/cohorts", request_body = CohortInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn create_cohort(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(b): ApiJson<CohortInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state.service.create_cohort(&actor, &b.form()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

/// A cohort and the families it finds today: analysts and administrators see every family under
/// a pseudonym with every part of its score; practitioners see by name only the families their
/// agency works with. Each read is audited once.
#[utoipa::path(get, path = "/cohorts/{id}", params(("id" = i64, Path, minimum = 1, description = "Cohort id")), security(("token" = [])), responses((status = 200, body = CohortDetail), (status = 403, description = "The token's account may not read cohorts (viewers): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn cohort(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CohortDetail>, ApiError> {
    let v = state.service.cohort_view(&actor, path_id(&id)?).await?;
    Ok(Json(CohortDetail {
        families: v.families,
        scored: v.scored.map(|rows| {
            rows.into_iter()
                .map(|f| ScoredFamilyView {
                    reference: f.reference,
                    score_hundredths: f.score.total,
                    annual_cost_pence: f.score.annual_cost.pence(),
                    cost_part_hundredths: f.score.cost_part,
                    need_parts: f
                        .score
                        .need_parts
                        .iter()
                        .map(|(n, p)| (n.as_str().to_owned(), *p))
                        .collect(),
                    cost_by_agency_pence: pence_by(&f.cost_by_agency),
                })
                .collect()
        }),
        cost_by_agency_pence: v.cost_by_agency.as_deref().map(pence_by),
        yours: v.yours.into_iter().map(|(h, n)| (h.get(), n)).collect(),
        cohort: rules_view(v.cohort),
    }))
}

/// Replaces a cohort's rules and weights (analysts and administrators).
#[utoipa::path(put, path = "/cohorts/{id}", params(("id" = i64, Path, minimum = 1, description = "Cohort id")), request_body = CohortInput, security(("token" = [])), responses((status = 204, description = "Changed"), (status = 409, body = super::ErrorEnvelope)))]
pub(crate) async fn update_cohort(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CohortInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    state.service.update_cohort(&actor, id, &b.form()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a cohort (analysts and administrators); appraisals started from it stay.
#[utoipa::path(delete, path = "/cohorts/{id}", params(("id" = i64, Path, minimum = 1, description = "Cohort id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_cohort(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_cohort(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts an appraisal whose As Is is the cohort's priced jigsaw today, by agency (analysts and
/// administrators): the new appraisal's id.
#[utoipa::path(post, path = "/cohorts/{id}/appraisal", params(("id" = i64, Path, minimum = 1, description = "Cohort id")), security(("token" = [])), responses((status = 201, body = Created)))]
pub(crate) async fn start_appraisal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let aid = state
        .service
        .appraisal_from_cohort(&actor, path_id(&id)?)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid.get() })))
}
