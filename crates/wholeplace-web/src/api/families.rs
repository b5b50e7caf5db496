//! `/api/v1/families` and `/api/v1/people`: the families the caller's agency works with, one
//! family and its plan as the caller may see them (each record through the service's access gate,
//! each read recorded once in the audit log), recording an involvement, a goal or an action of the
//! plan, emergency access, and a person's subject access pack (the privacy officer). Each
//! handler calls the use case the family page calls, with the same rules and messages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;
use wholeplace_service::subject_access::SubjectAccessPack;
use wholeplace_service::{
    ActionForm, AuditAction, BreakGlassForm, FamilyView, GoalForm, InvolvementForm,
};
use wholeplace_store::{FamilyEvent, Goal, Involvement, Person};

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

fn involvement_view(i: &Involvement) -> InvolvementView {
    InvolvementView {
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
    }
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
    /// The timeline, the family's word on taking part, consents, decisions not to share,
    /// handovers and former addresses, as the caller may see them.
    pub(crate) records: super::family_records::FamilyRecordsView,
}

/// Why the records are read.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PurposeParams {
    /// Why the records are read (the schema lists the words and says what they do).
    #[param(schema_with = purpose_schema)]
    pub(crate) purpose: Option<String>,
}

/// The purposes' keys, as the query's schema lists them.
fn purpose_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Why the records are read: early_help (the default), safeguarding or evaluation. Other agencies' records are shown only under an agreement in force that covers the purpose.",
        ))
        .enum_values(Some(
            wholeplace_domain::sharing::PURPOSES.iter().map(|(k, _)| *k),
        ))
        .build()
}

/// The family as the caller may see it, read for the query's purpose (one audited read). The
/// API takes the documented words exactly: any other purpose is a query it cannot read (400).
async fn gated_view(
    state: &AppState,
    actor: &Actor,
    id: &str,
    q: &PurposeParams,
) -> Result<FamilyView, ApiError> {
    let id = path_id(id)?;
    let purpose = match q.purpose.as_deref() {
        None => "",
        Some(p)
            if wholeplace_domain::sharing::PURPOSES
                .iter()
                .any(|(k, _)| *k == p) =>
        {
            p
        }
        Some(_) => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The query string is not valid: give the purpose as early_help, safeguarding or evaluation.".into(),
                vec![],
            ));
        }
    };
    Ok(state
        .service
        .family_view(actor, id, purpose, AuditAction::FamilyRead)
        .await?)
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
    let v = gated_view(&state, &actor, &id, &q).await?;
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
        involvements: v.involvements.iter().map(involvement_view).collect(),
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
        records: super::family_records::records_view(&v),
    }))
}

/// An involvement to record for the caller's agency, priced from the unit-cost library.
#[derive(Deserialize, ToSchema)]
pub(crate) struct InvolvementInput {
    /// The family member (a person id, from `GET /families/{id}`).
    #[schema(minimum = 1)]
    pub(crate) person_id: i64,
    /// The caller's agency it is recorded for: needed only when the caller's account belongs to
    /// several agencies.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) agency_id: Option<i64>,
    /// The service, such as "Early help family support".
    pub(crate) service: String,
    /// The lead worker.
    #[serde(default)]
    pub(crate) lead_worker: String,
    /// The presenting need (a key of the need taxonomy).
    pub(crate) need: String,
    /// The class of data the record is.
    pub(crate) class_of_data: String,
    /// First day, YYYY-MM-DD.
    pub(crate) started_on: String,
    /// Last day, YYYY-MM-DD, on or after the first; empty while it goes on.
    #[serde(default)]
    pub(crate) ended_on: String,
    /// A code of the unit-cost library (`GET /unit-costs`) with a fiscal value, such as
    /// `SS18.2`; empty when not priced.
    #[serde(default)]
    pub(crate) unit_cost_code: String,
    /// Units a year, such as "52" (weekly) or "1.5".
    pub(crate) units_per_year: String,
}

/// Records the caller's agency's involvement with a member of the family, priced from the
/// unit-cost library: the rules and messages of the family page's form.
#[utoipa::path(post, path = "/families/{id}/involvements", params(("id" = i64, Path, minimum = 1, description = "Family id")), request_body = InvolvementInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, description = "The person is not a member of this family, or the agency is not one of the caller's", body = super::ErrorEnvelope)))]
pub(crate) async fn add_involvement(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<InvolvementInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = InvolvementForm {
        person_id: i.person_id.to_string(),
        agency_id: i.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        service: i.service,
        lead_worker: i.lead_worker,
        need: i.need,
        class: i.class_of_data,
        started_on: i.started_on,
        ended_on: i.ended_on,
        unit_cost_code: i.unit_cost_code,
        units_per_year: i.units_per_year,
    };
    // The contract holds `class_of_data` to the vocabulary the service reads `class` by, so the
    // service's problems name the API's fields.
    let made = state
        .service
        .add_involvement(&actor, path_id(&id)?, &f)
        .await?;
    Ok(created_within(made))
}

/// An action of a goal.
#[derive(Serialize, ToSchema)]
pub(crate) struct ActionView {
    pub(crate) action: String,
    /// Who does it (a name or a role).
    pub(crate) owner: String,
    /// By when, YYYY-MM-DD.
    pub(crate) due_on: String,
}

/// A goal of the family's one plan.
#[derive(Serialize, ToSchema)]
pub(crate) struct GoalView {
    pub(crate) id: i64,
    /// The goal, in the family's words.
    pub(crate) goal: String,
    pub(crate) worries: String,
    pub(crate) strengths: String,
    pub(crate) next_steps: String,
    /// Where the family puts it now, 0 (nowhere near) to 10 (achieved).
    pub(crate) score: i64,
    /// The agency that owns the goal.
    pub(crate) owner_agency: String,
    /// When it is next reviewed, YYYY-MM-DD.
    pub(crate) review_on: String,
    pub(crate) actions: Vec<ActionView>,
    /// Its reviews, oldest first.
    pub(crate) reviews: Vec<ReviewView>,
}

/// A review of a goal.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewView {
    /// The day, YYYY-MM-DD.
    pub(crate) day: String,
    /// Where the family put the goal, 0 to 10.
    pub(crate) score: i64,
    /// What was said.
    pub(crate) note: String,
    /// Who recorded it.
    pub(crate) reviewed_by: String,
}

fn goal_view(g: &Goal) -> GoalView {
    GoalView {
        id: g.id.get(),
        goal: g.goal.clone(),
        worries: g.worries.clone(),
        strengths: g.strengths.clone(),
        next_steps: g.next_steps.clone(),
        score: g.score,
        owner_agency: g.owner_agency.clone(),
        review_on: g.review_on.clone(),
        reviews: g
            .reviews
            .iter()
            .map(|r| ReviewView {
                day: r.day.clone(),
                score: r.score,
                note: r.note.clone(),
                reviewed_by: r.reviewed_by.clone(),
            })
            .collect(),
        actions: g
            .actions
            .iter()
            .map(|a| ActionView {
                action: a.action.clone(),
                owner: a.owner.clone(),
                due_on: a.due_on.clone(),
            })
            .collect(),
    }
}

/// The family's one plan as the caller may see it.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlanView {
    pub(crate) family_id: i64,
    pub(crate) purpose: String,
    pub(crate) goals: Vec<GoalView>,
    /// Goals owned by agencies whose records the caller may not see.
    pub(crate) withheld_goals: usize,
}

/// The family's one plan as the caller may see it: each goal is a social care record of the
/// agency that owns it, through the access gate like the family's other records; one audit
/// entry a call. A caller whose agency does not work with the family is refused (403).
#[utoipa::path(get, path = "/families/{id}/plan", params(("id" = i64, Path, minimum = 1, description = "Family id"), PurposeParams), security(("token" = [])), responses((status = 200, body = PlanView), (status = 403, description = "Not a practitioner's role, or the caller's agency does not work with this family", body = super::ErrorEnvelope)))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<PurposeParams>,
) -> Result<Json<PlanView>, ApiError> {
    let v = gated_view(&state, &actor, &id, &q).await?;
    Ok(Json(PlanView {
        family_id: v.household.id.get(),
        purpose: v.purpose.as_str().to_owned(),
        goals: v.plan.iter().map(goal_view).collect(),
        withheld_goals: v.hidden_goals,
    }))
}

/// An action to add to a goal, a new score for it, or both.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ActionInput {
    /// The goal (an id from `GET /families/{id}/plan`).
    #[schema(minimum = 1)]
    pub(crate) goal_id: i64,
    /// What is to be done (empty when only the score is recorded).
    #[serde(default)]
    pub(crate) action: String,
    /// Who does it: needed with an action.
    #[serde(default)]
    pub(crate) owner: String,
    /// By when, YYYY-MM-DD: needed with an action.
    #[serde(default)]
    pub(crate) due_on: String,
    /// Where the family puts the goal now, 0 to 10 (absent or null to keep the score): a
    /// review of the goal.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub(crate) score: Option<i64>,
    /// What was said at the review.
    #[serde(default)]
    pub(crate) note: String,
    /// The next review day, YYYY-MM-DD, today or later (absent to keep the day set).
    #[serde(default)]
    pub(crate) next_review_on: String,
}

/// Adds an action to a goal of the family's plan, records where the goal stands now, or both:
/// the rules and messages of the family page's form.
#[utoipa::path(post, path = "/families/{id}/plan", params(("id" = i64, Path, minimum = 1, description = "Family id")), request_body = ActionInput, security(("token" = [])), responses((status = 204, description = "Recorded"), (status = 409, description = "The goal is not one of this family's", body = super::ErrorEnvelope)))]
pub(crate) async fn update_plan(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<ActionInput>,
) -> Result<StatusCode, ApiError> {
    let f = ActionForm {
        goal_id: a.goal_id.to_string(),
        action: a.action,
        owner: a.owner,
        due_on: a.due_on,
        score: a.score.map(|s| s.to_string()).unwrap_or_default(),
        note: a.note,
        next_review_on: a.next_review_on,
    };
    state.service.update_plan(&actor, path_id(&id)?, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A goal to add to the family's one plan, owned by the caller's agency.
#[derive(Deserialize, ToSchema)]
pub(crate) struct GoalInput {
    /// The goal, in the family's own words, such as "Kyle goes to school every day".
    pub(crate) goal: String,
    #[serde(default)]
    pub(crate) worries: String,
    #[serde(default)]
    pub(crate) strengths: String,
    #[serde(default)]
    pub(crate) next_steps: String,
    /// Where the family puts it now, 0 (nowhere near) to 10 (achieved).
    #[schema(minimum = 0, maximum = 10)]
    pub(crate) score: i64,
    /// The owner agency, one of the caller's: needed only when the caller's account belongs to
    /// several agencies.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) agency_id: Option<i64>,
    /// When it is reviewed, YYYY-MM-DD.
    pub(crate) review_on: String,
}

/// Adds a goal to the family's one plan, owned by the caller's agency: the rules and messages
/// of the family page's form.
#[utoipa::path(post, path = "/families/{id}/goals", params(("id" = i64, Path, minimum = 1, description = "Family id")), request_body = GoalInput, security(("token" = [])), responses((status = 201, body = Created), (status = 409, description = "The agency is not one of the caller's", body = super::ErrorEnvelope)))]
pub(crate) async fn add_goal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(g): ApiJson<GoalInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = GoalForm {
        goal: g.goal,
        worries: g.worries,
        strengths: g.strengths,
        next_steps: g.next_steps,
        score: g.score.to_string(),
        agency_id: g.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        review_on: g.review_on,
    };
    let made = state.service.add_goal(&actor, path_id(&id)?, &f).await?;
    Ok(created_within(made))
}

/// Why the caller needs a family's records now, beyond what the agreements let them see.
#[derive(Deserialize, ToSchema)]
pub(crate) struct BreakGlassInput {
    /// Who is at risk and why the records are needed now, in at least 20 characters.
    pub(crate) reason: String,
}

/// Opens every record about the family to the caller for 24 hours, with a written reason, when a
/// child or adult is at risk: the access and its reason are recorded in the audit log and reach
/// the privacy officer's queue (`GET /break-glass`). The new access's id.
#[utoipa::path(post, path = "/families/{id}/break-glass", params(("id" = i64, Path, minimum = 1, description = "Family id")), request_body = BreakGlassInput, security(("token" = [])), responses((status = 201, body = Created)))]
pub(crate) async fn break_glass(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BreakGlassInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let f = BreakGlassForm { reason: b.reason };
    let made = state.service.break_glass(&actor, path_id(&id)?, &f).await?;
    Ok(created_within(made))
}

/// A person, as the subject access pack names them.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonView {
    pub(crate) id: i64,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) date_of_birth: Option<String>,
    pub(crate) nhs_number: Option<String>,
    pub(crate) ni_number: Option<String>,
}

fn person_view(p: &Person) -> PersonView {
    PersonView {
        id: p.id.get(),
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        date_of_birth: p.date_of_birth.clone(),
        nhs_number: p.nhs_number.clone(),
        ni_number: p.ni_number.clone(),
    }
}

/// A family the person belongs to.
#[derive(Serialize, ToSchema)]
pub(crate) struct PackFamilyView {
    pub(crate) id: i64,
    pub(crate) name: String,
    /// How the person belongs to it.
    pub(crate) relationship: String,
}

/// An agency's event about the person.
#[derive(Serialize, ToSchema)]
pub(crate) struct EventView {
    /// YYYY-MM-DD.
    pub(crate) day: String,
    pub(crate) person_id: Option<i64>,
    pub(crate) agency: String,
    pub(crate) class_of_data: String,
    pub(crate) summary: String,
}

pub(crate) fn event_view(e: &FamilyEvent) -> EventView {
    EventView {
        day: e.day.clone(),
        person_id: e.person_id.map(|p| p.get()),
        agency: e.agency_name.clone(),
        class_of_data: e.class.as_str().to_owned(),
        summary: e.summary.clone(),
    }
}

/// One access to the person's families' records, from the audit log.
#[derive(Serialize, ToSchema)]
pub(crate) struct AccessView {
    /// RFC 3339.
    pub(crate) at: String,
    /// The account name.
    pub(crate) who: String,
    /// What, such as `family.read`.
    pub(crate) action: String,
    pub(crate) allowed: bool,
    /// What was shown, or why it was refused.
    pub(crate) detail: String,
}

/// Everything held about one person: every agency's records, whatever the agreements allow.
#[derive(Serialize, ToSchema)]
pub(crate) struct SubjectAccessView {
    /// RFC 3339.
    pub(crate) generated_at: String,
    /// What the pack holds and what was left out.
    pub(crate) notes: Vec<String>,
    pub(crate) person: PersonView,
    pub(crate) families: Vec<PackFamilyView>,
    pub(crate) involvements: Vec<InvolvementView>,
    pub(crate) events: Vec<EventView>,
    /// The goals of the person's families' plans, as written.
    pub(crate) plan_goals: Vec<GoalView>,
    /// Every access to the person's families' records, oldest first.
    pub(crate) accesses: Vec<AccessView>,
}

fn subject_access_view(pack: &SubjectAccessPack) -> SubjectAccessView {
    SubjectAccessView {
        generated_at: pack.generated_at.clone(),
        notes: pack.notes.clone(),
        person: person_view(&pack.person),
        families: pack
            .households
            .iter()
            .map(|h| PackFamilyView {
                id: h.id.get(),
                name: h.name.clone(),
                relationship: h.relationship.clone(),
            })
            .collect(),
        involvements: pack.involvements.iter().map(involvement_view).collect(),
        events: pack.events.iter().map(event_view).collect(),
        plan_goals: pack.plan_goals.iter().map(goal_view).collect(),
        accesses: pack
            .accesses
            .iter()
            .map(|a| AccessView {
                at: a.at.clone(),
                who: a.who.clone(),
                action: a.action.clone(),
                allowed: a.allowed,
                detail: a.detail.clone(),
            })
            .collect(),
    }
}

/// One person's subject access pack (the privacy officer: administrators): every agency's
/// involvements and events about them, their families' plan and every access to their families'
/// records, other members left out; itself one audited read. The same pack as the family page's
/// download, `/people/{id}/subject-access.json`.
#[utoipa::path(get, path = "/people/{id}/subject-access", params(("id" = i64, Path, minimum = 1, description = "Person id")), security(("token" = [])), responses((status = 200, body = SubjectAccessView), (status = 403, description = "Not the privacy officer (administrators)", body = super::ErrorEnvelope)))]
pub(crate) async fn subject_access(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SubjectAccessView>, ApiError> {
    let pack = state.service.subject_access(&actor, path_id(&id)?).await?;
    Ok(Json(subject_access_view(&pack)))
}
