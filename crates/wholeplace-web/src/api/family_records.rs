//! The family's record beyond involvements and the plan, in the JSON API: the timeline's events,
//! the family's word on taking part, consent receipts, decisions not to share, handovers and
//! former addresses as `GET /families/{id}` shows them (what the caller may see, read through the
//! same audited family view), and `POST /families/{id}/events` for the caller's agency.
//!
//! Like every API module, its views copy a record into its JSON shape field by field; views of
//! different records look alike because a struct literal has one shape, not because they share
//! logic.

use super::families::{EventView, event_view};
use super::*;
use wholeplace_service::{EventForm, FamilyView};

/// The family's word on taking part (not a lawful basis for sharing).
#[derive(Serialize, ToSchema)]
pub(crate) struct ParticipationView {
    /// Whether they agreed to take part (false: declined or stopped).
    pub(crate) agreed: bool,
    pub(crate) day: String,
    pub(crate) how: String,
    pub(crate) recorded_by: String,
}

/// A member's consent to an agreement that rests on consent.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsentView {
    pub(crate) id: i64,
    pub(crate) person_id: i64,
    pub(crate) agreement: String,
    pub(crate) purposes: Vec<String>,
    pub(crate) given_on: String,
    pub(crate) how: String,
    pub(crate) withdrawn_on: Option<String>,
    pub(crate) withdrawal_how: String,
}

/// A decision not to share.
#[derive(Serialize, ToSchema)]
pub(crate) struct RefusalView {
    /// The agency that holds the data and decided.
    pub(crate) decided_by_agency: String,
    /// The agency that asked.
    pub(crate) asked_by_agency: String,
    pub(crate) class_of_data: String,
    pub(crate) reason: String,
    pub(crate) day: String,
}

/// A handover of the lead practitioner.
#[derive(Serialize, ToSchema)]
pub(crate) struct HandoverView {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) day: String,
    pub(crate) note: String,
}

/// A former address.
#[derive(Serialize, ToSchema)]
pub(crate) struct FormerAddressView {
    pub(crate) address: String,
    /// The day they moved away.
    pub(crate) until_on: String,
}

/// The family's record beyond involvements and the plan, as the caller may see it.
#[derive(Serialize, ToSchema)]
pub(crate) struct FamilyRecordsView {
    pub(crate) address: String,
    pub(crate) lead_practitioner: Option<String>,
    pub(crate) events: Vec<EventView>,
    pub(crate) taking_part: Vec<ParticipationView>,
    pub(crate) consents: Vec<ConsentView>,
    pub(crate) decisions_not_to_share: Vec<RefusalView>,
    pub(crate) handovers: Vec<HandoverView>,
    pub(crate) former_addresses: Vec<FormerAddressView>,
}

/// The family's record beyond involvements and the plan, from the gated view.
pub(crate) fn records_view(v: &FamilyView) -> FamilyRecordsView {
    FamilyRecordsView {
        address: v.household.address.clone(),
        lead_practitioner: v.household.lead_name.clone(),
        events: v.events.iter().map(event_view).collect(),
        taking_part: v
            .participation
            .iter()
            .map(|p| ParticipationView {
                agreed: p.agreed,
                day: p.day.clone(),
                how: p.how.clone(),
                recorded_by: p.recorded_by.clone(),
            })
            .collect(),
        consents: v
            .consents
            .iter()
            .map(|c| ConsentView {
                id: c.id.get(),
                person_id: c.person_id.get(),
                agreement: c.agreement_title.clone(),
                purposes: c.purposes.iter().map(|p| p.as_str().to_owned()).collect(),
                given_on: c.given_on.clone(),
                how: c.how.clone(),
                withdrawn_on: c.withdrawn_on.clone(),
                withdrawal_how: c.withdrawal_how.clone(),
            })
            .collect(),
        decisions_not_to_share: v
            .refusals
            .iter()
            .map(|r| RefusalView {
                decided_by_agency: r.holder_agency.clone(),
                asked_by_agency: r.requester_agency.clone(),
                class_of_data: r.class.as_str().to_owned(),
                reason: r.reason.clone(),
                day: r.day.clone(),
            })
            .collect(),
        handovers: v
            .handovers
            .iter()
            .map(|h| HandoverView {
                from: h.from_name.clone(),
                to: h.to_name.clone(),
                day: h.day.clone(),
                note: h.note.clone(),
            })
            .collect(),
        former_addresses: v
            .former_addresses
            .iter()
            .map(|a| FormerAddressView {
                address: a.address.clone(),
                until_on: a.until_on.clone(),
            })
            .collect(),
    }
}

/// An event to add to the family's timeline for the caller's agency.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EventInput {
    /// The member it concerns (a person id), or absent for the whole family.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) person_id: Option<i64>,
    /// The caller's agency: needed only when the caller's account belongs to several agencies.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub(crate) agency_id: Option<i64>,
    /// The day, YYYY-MM-DD, today or earlier (absent for today).
    #[serde(default)]
    pub(crate) day: String,
    /// What happened, in a few words.
    pub(crate) summary: String,
    /// The class of data the record is, such as social_care.
    pub(crate) class_of_data: String,
}

/// Adds an event to the family's timeline for the caller's agency: the rules and messages of the
/// family page's form.
#[utoipa::path(post, path = "/families/{id}/events", params(("id" = i64, Path, minimum = 1, description = "Family id")), request_body = EventInput, security(("token" = [])), responses((status = 204, description = "Recorded"), (status = 409, description = "The person is not a member of this family, or the agency not the caller's", body = super::ErrorEnvelope)))]
pub(crate) async fn add_event(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(e): ApiJson<EventInput>,
) -> Result<StatusCode, ApiError> {
    let f = EventForm {
        person_id: e.person_id.map(|p| p.to_string()).unwrap_or_default(),
        agency_id: e.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        day: e.day,
        summary: e.summary,
        class: e.class_of_data,
    };
    // The contract holds `class_of_data` to the vocabulary the service reads `class` by, so the
    // service's problems name the API's fields.
    state.service.add_event(&actor, path_id(&id)?, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}
