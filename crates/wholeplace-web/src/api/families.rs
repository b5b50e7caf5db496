//! `/api/v1/families`: the families the caller's agency works with, and one family as the caller
//! may see it (members, involvements, events, the As Is cost by agency), each record through the
//! service's access gate and each read recorded once in the audit log.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;
use wholeplace_service::AuditAction;

/// A family in the caller's list.
#[derive(Serialize, ToSchema)]
pub(crate) struct FamilySummaryView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) place: Option<String>,
    pub(crate) members: i64,
}

/// A member the caller may see.
#[derive(Serialize, ToSchema)]
pub(crate) struct MemberView {
    pub(crate) id: i64,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) relationship: String,
    pub(crate) date_of_birth: Option<String>,
    pub(crate) nhs_number: Option<String>,
}

/// An agency's involvement with a member, priced.
#[derive(Serialize, ToSchema)]
pub(crate) struct InvolvementView {
    pub(crate) person_id: i64,
    pub(crate) agency: String,
    pub(crate) service: String,
    pub(crate) need: String,
    pub(crate) class_of_data: String,
    pub(crate) started_on: String,
    pub(crate) ended_on: Option<String>,
    pub(crate) unit_cost_code: Option<String>,
    /// Pounds, as text with two decimals.
    pub(crate) unit_cost: String,
    pub(crate) unit: String,
    /// Units a year, in hundredths.
    pub(crate) units_per_year_hundredths: i64,
    /// Pounds a year, as text with two decimals.
    pub(crate) annual_cost: String,
}

/// One agency's As Is cost a year.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgencyCostView {
    pub(crate) agency: String,
    /// Pounds, as text with two decimals.
    pub(crate) annual_cost: String,
}

/// A family as the caller may see it, with how much is withheld.
#[derive(Serialize, ToSchema)]
pub(crate) struct FamilyDetailView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) purpose: String,
    pub(crate) members: Vec<MemberView>,
    pub(crate) involvements: Vec<InvolvementView>,
    pub(crate) cost_by_agency: Vec<AgencyCostView>,
    /// Pounds a year, as text with two decimals.
    pub(crate) total_cost: String,
    pub(crate) withheld_members: usize,
    pub(crate) withheld_involvements: usize,
    pub(crate) withheld_events: usize,
    /// The agreements that let the caller see other agencies' records.
    pub(crate) shared_under: Vec<String>,
    pub(crate) emergency_access: bool,
}

/// Why the records are read (`early_help`, `safeguarding` or `evaluation`; default `early_help`).
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct PurposeParams {
    #[serde(default)]
    pub(crate) purpose: String,
}

/// The families the caller's agency works with (an audited read; viewers are refused).
#[utoipa::path(get, path = "/families", security(("token" = [])), responses((status = 200, body = [FamilySummaryView]), (status = 403, description = "The token's account may not read families' records (viewers): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn families(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<FamilySummaryView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_families(&actor)
            .await?
            .into_iter()
            .map(|f| FamilySummaryView {
                id: f.id.get(),
                name: f.name,
                place: f.place_name,
                members: f.members,
            })
            .collect(),
    ))
}

/// One family as the caller may see it: each record through the access gate (the caller's
/// agency's involvement and an agreement in force for the purpose), one audit entry a call. A
/// caller whose agency does not work with the family is refused (403).
#[utoipa::path(get, path = "/families/{id}", params(("id" = i64, Path, minimum = 1, description = "Family id"), PurposeParams), security(("token" = [])), responses((status = 200, body = FamilyDetailView), (status = 403, description = "Not a practitioner's role, or the caller's agency does not work with this family", body = super::ErrorEnvelope)))]
pub(crate) async fn family(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<PurposeParams>,
) -> Result<Json<FamilyDetailView>, ApiError> {
    let v = state
        .service
        .family_view(&actor, path_id(&id)?, &q.purpose, AuditAction::FamilyRead)
        .await?;
    Ok(Json(FamilyDetailView {
        id: v.household.id.get(),
        name: v.household.name.clone(),
        purpose: v.purpose.as_str().to_owned(),
        members: v
            .members
            .iter()
            .map(|m| MemberView {
                id: m.person.id.get(),
                given_name: m.person.given_name.clone(),
                family_name: m.person.family_name.clone(),
                relationship: m.relationship.clone(),
                date_of_birth: m.person.date_of_birth.clone(),
                nhs_number: m.person.nhs_number.clone(),
            })
            .collect(),
        involvements: v
            .involvements
            .iter()
            .map(|i| InvolvementView {
                person_id: i.person_id.get(),
                agency: i.agency_name.clone(),
                service: i.service.clone(),
                need: i.need.clone(),
                class_of_data: i.class.as_str().to_owned(),
                started_on: i.started_on.clone(),
                ended_on: i.ended_on.clone(),
                unit_cost_code: i.unit_cost_code.clone(),
                unit_cost: pounds_text(i.unit_cost.pence()),
                unit: i.unit.clone(),
                units_per_year_hundredths: i.units_per_year_hundredths,
                annual_cost: pounds_text(i.annual_cost().pence()),
            })
            .collect(),
        cost_by_agency: v
            .cost_by_agency
            .iter()
            .map(|(a, m)| AgencyCostView {
                agency: a.clone(),
                annual_cost: pounds_text(m.pence()),
            })
            .collect(),
        total_cost: pounds_text(v.total_cost.pence()),
        withheld_members: v.hidden_members,
        withheld_involvements: v.hidden_involvements,
        withheld_events: v.hidden_events,
        shared_under: v.agreements_used.iter().map(|(_, t)| t.clone()).collect(),
        emergency_access: v.break_glass,
    }))
}
