//! `/api/v1/linkage/people` and `/api/v1/linkage/corrections`: a person's source records, merges
//! and splits of people with their lineage, the second reviewer's confirmation and undo. Decided
//! and audited by the same service use cases as the pages; analysts and administrators only.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`.

use super::*;
use wholeplace_domain::{CorrectionId, PersonId};
use wholeplace_service::clock::format_rfc3339;
use wholeplace_service::corrections::{MergeForm, SplitForm};
use wholeplace_store::{PersonCorrection, STAGED_FIELDS};

/// One of a person's source records: an agency's record that linkage found to be them.
#[derive(Serialize, ToSchema)]
pub(crate) struct SourceRecordView {
    pub(crate) id: i64,
    pub(crate) extract_id: i64,
    pub(crate) agency_id: i64,
    pub(crate) agency_name: String,
    /// The extract's class of data (a key of the sharing vocabulary).
    pub(crate) data_class: String,
    /// The values, by field name (`record_id`, `given_name`, ... `ni_number`).
    pub(crate) values: std::collections::BTreeMap<String, String>,
}

/// A merge or split with its lineage.
#[derive(Serialize, ToSchema)]
pub(crate) struct CorrectionView {
    pub(crate) id: i64,
    /// `merge` or `split`.
    pub(crate) kind: String,
    /// The person kept (a merge) or split from (a split).
    pub(crate) person_id: i64,
    /// The person merged away, or split off.
    pub(crate) other_person_id: Option<i64>,
    /// The source records moved.
    pub(crate) record_ids: Vec<i64>,
    /// The involvements a merge moved.
    pub(crate) involvement_ids: Vec<i64>,
    /// The households whose membership a merge moved or dropped.
    pub(crate) household_ids: Vec<i64>,
    pub(crate) reason: String,
    /// Whether the two sides' records came from different data classes.
    pub(crate) cross_class: bool,
    /// `awaiting` (a second reviewer), `applied`, `undone` or `withdrawn`.
    pub(crate) state: String,
    pub(crate) made_by: String,
    /// RFC 3339.
    pub(crate) made_at: String,
    pub(crate) confirmed_by: Option<String>,
    pub(crate) undone_by: Option<String>,
    /// RFC 3339.
    pub(crate) undone_at: Option<String>,
}

fn correction_view(c: PersonCorrection) -> CorrectionView {
    CorrectionView {
        id: c.id.get(),
        kind: c.kind.as_str().to_owned(),
        person_id: c.person.get(),
        other_person_id: c.other.map(|p| p.get()),
        record_ids: c.records.iter().map(|r| r.get()).collect(),
        involvement_ids: c.involvements.iter().map(|r| r.get()).collect(),
        household_ids: c.memberships.iter().map(|(h, _, _)| h.get()).collect(),
        reason: c.reason,
        cross_class: c.cross_class,
        state: c.state.as_str().to_owned(),
        made_by: c.made_by,
        made_at: format_rfc3339(c.made_at),
        confirmed_by: c.confirmed_by,
        undone_by: c.undone_by,
        undone_at: c.undone_at.map(format_rfc3339),
    }
}

/// A person's source records and the corrections touching them.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonRecordsView {
    pub(crate) person_id: i64,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) records: Vec<SourceRecordView>,
    /// Involvements recorded against the person.
    pub(crate) involvements: usize,
    pub(crate) household_ids: Vec<i64>,
    pub(crate) corrections: Vec<CorrectionView>,
}

/// A merge: the person to merge into the one in the path, and why.
#[derive(Deserialize, ToSchema)]
pub(crate) struct MergeInput {
    #[schema(minimum = 1)]
    pub(crate) other_person_id: i64,
    pub(crate) reason: String,
}

/// A split: the path's person's source records that are someone else, and why.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SplitInput {
    pub(crate) record_ids: Vec<i64>,
    pub(crate) reason: String,
}

/// A correction made.
#[derive(Serialize, ToSchema)]
pub(crate) struct CorrectionMade {
    pub(crate) id: i64,
    /// `applied`, or `awaiting` a second reviewer.
    pub(crate) state: String,
}

/// A person's source records from each agency and the merges and splits touching them
/// (analysts and administrators; each read audited).
#[utoipa::path(get, path = "/linkage/people/{id}", params(("id" = i64, Path, minimum = 1, description = "Person id")), security(("token" = [])), responses((status = 200, body = PersonRecordsView), (status = 403, description = "The token's account may not read linkage (analysts and administrators do): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn person(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<PersonRecordsView>, ApiError> {
    let id: PersonId = path_id(&id)?;
    let v = state.service.person_records(&actor, id).await?;
    let l = v.links;
    Ok(Json(PersonRecordsView {
        person_id: l.person.id.get(),
        given_name: l.person.given_name,
        family_name: l.person.family_name,
        records: l
            .records
            .into_iter()
            .map(|r| SourceRecordView {
                id: r.id.get(),
                extract_id: r.extract_id.get(),
                agency_id: r.agency_id.get(),
                agency_name: r.agency_name,
                data_class: r.data_class.as_str().to_owned(),
                values: std::iter::once(("record_id".to_owned(), r.record_key))
                    .chain(
                        STAGED_FIELDS
                            .iter()
                            .skip(1)
                            .zip(r.values)
                            .map(|(f, v)| ((*f).to_owned(), v)),
                    )
                    .collect(),
            })
            .collect(),
        involvements: l.involvements.len(),
        household_ids: l.households.iter().map(|h| h.get()).collect(),
        corrections: v.corrections.into_iter().map(correction_view).collect(),
    }))
}

async fn made(
    state: &AppState,
    actor: &Actor,
    id: CorrectionId,
) -> Result<CorrectionMade, ApiError> {
    let c = state.service.get_correction(actor, id).await?;
    Ok(CorrectionMade {
        id: id.get(),
        state: c.state.as_str().to_owned(),
    })
}

/// Merges another person into the path's person: their source records, involvements and
/// household memberships move (analysts and administrators; audited). Across data classes it
/// may wait for a second reviewer (`state: awaiting`).
#[utoipa::path(post, path = "/linkage/people/{id}/merge", params(("id" = i64, Path, minimum = 1, description = "The person kept")), request_body = MergeInput, security(("token" = [])), responses((status = 201, body = CorrectionMade)))]
pub(crate) async fn merge(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MergeInput>,
) -> Result<(StatusCode, Json<CorrectionMade>), ApiError> {
    let id: PersonId = path_id(&id)?;
    let form = MergeForm {
        other: b.other_person_id.to_string(),
        reason: b.reason,
    };
    let cid = state.service.merge_people(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(made(&state, &actor, cid).await?)))
}

/// Splits the chosen source records off the path's person into a new person (analysts and
/// administrators; audited).
#[utoipa::path(post, path = "/linkage/people/{id}/split", params(("id" = i64, Path, minimum = 1, description = "The person split from")), request_body = SplitInput, security(("token" = [])), responses((status = 201, body = CorrectionMade)))]
pub(crate) async fn split(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SplitInput>,
) -> Result<(StatusCode, Json<CorrectionMade>), ApiError> {
    let id: PersonId = path_id(&id)?;
    let form = SplitForm {
        records: b.record_ids.iter().map(i64::to_string).collect(),
        reason: b.reason,
    };
    let cid = state.service.split_person(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(made(&state, &actor, cid).await?)))
}

/// Every merge and split, newest first, with its lineage (analysts and administrators).
#[utoipa::path(get, path = "/linkage/corrections", security(("token" = [])), responses((status = 200, body = Vec<CorrectionView>), (status = 403, description = "The token's account may not read linkage (analysts and administrators do): see /about/roles", body = super::ErrorEnvelope)))]
pub(crate) async fn corrections(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<CorrectionView>>, ApiError> {
    let list = state.service.list_corrections(&actor).await?;
    Ok(Json(list.into_iter().map(correction_view).collect()))
}

/// Confirms a merge waiting for a second reviewer; its author cannot (403).
#[utoipa::path(post, path = "/linkage/corrections/{id}/confirm", params(("id" = i64, Path, minimum = 1, description = "Correction id")), security(("token" = [])), responses((status = 204, description = "Confirmed and applied")))]
pub(crate) async fn confirm(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: CorrectionId = path_id(&id)?;
    state.service.confirm_correction(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Undoes a merge or split (newest first), or withdraws one waiting for a second reviewer.
#[utoipa::path(post, path = "/linkage/corrections/{id}/undo", params(("id" = i64, Path, minimum = 1, description = "Correction id")), security(("token" = [])), responses((status = 204, description = "Undone")))]
pub(crate) async fn undo(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: CorrectionId = path_id(&id)?;
    state.service.undo_correction(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
