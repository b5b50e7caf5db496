//! `/api/v1/grants`: grants in the 360Giving shape. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// A grant with its recorded changes.
#[derive(Serialize, ToSchema)]
pub(crate) struct GrantView {
    pub(crate) id: i64,
    /// The grant's own reference: its 360Giving identifier is the publisher's prefix, a hyphen
    /// and this.
    pub(crate) reference: String,
    pub(crate) funder: String,
    pub(crate) title: String,
    pub(crate) purpose: String,
    /// Pounds as first awarded.
    pub(crate) amount: String,
    /// First and last financial years, such as 2009/10.
    pub(crate) start_year: String,
    pub(crate) end_year: String,
    pub(crate) conditions: String,
    pub(crate) recipients: Vec<String>,
    pub(crate) places: Vec<String>,
    /// Each change: from year, new amount and reason.
    pub(crate) changes: Vec<(String, String, String)>,
}

/// Every grant.
#[utoipa::path(get, path = "/grants", security(("token" = [])), responses((status = 200, body = [GrantView])))]
pub(crate) async fn grants(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<GrantView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_grants(&actor)
            .await?
            .into_iter()
            .map(|g| GrantView {
                id: g.id.get(),
                reference: g.reference,
                funder: g.funder.name,
                title: g.title,
                purpose: g.purpose,
                amount: pounds_text(g.amount.pence()),
                start_year: g.start_year.to_string(),
                end_year: g.end_year.to_string(),
                conditions: g.conditions,
                recipients: g.recipients.into_iter().map(|a| a.name).collect(),
                places: g.places.into_iter().map(|p| p.1).collect(),
                changes: g
                    .changes
                    .into_iter()
                    .map(|c| {
                        (
                            c.from_year.to_string(),
                            pounds_text(c.new_amount.pence()),
                            c.reason,
                        )
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// Deletes a grant with its changes (analysts and administrators).
#[utoipa::path(delete, path = "/grants/{id}", params(("id" = i64, Path, minimum = 1, description = "Grant id")), security(("token" = [])), responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_grant(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_grant(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The partnership's 360Giving publisher.
#[derive(Serialize, Deserialize, ToSchema)]
pub(crate) struct PublisherInput {
    /// The prefix 360Giving registered for the publisher, such as 360G-wholeplace.
    pub(crate) prefix: String,
    /// The publisher's name.
    pub(crate) name: String,
    /// The publisher's registered identifier, such as GB-LAE-KEN (empty if none).
    #[serde(default)]
    pub(crate) identifier: String,
    /// The publisher's website, starting https:// (empty if none).
    #[serde(default)]
    pub(crate) website: String,
    /// The canonical address of the open licence: one of
    /// https://creativecommons.org/licenses/by/4.0/,
    /// https://creativecommons.org/publicdomain/zero/1.0/ or
    /// https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/.
    pub(crate) licence: String,
}

impl From<wholeplace_store::GrantPublisher> for PublisherInput {
    fn from(p: wholeplace_store::GrantPublisher) -> Self {
        let f = wholeplace_service::PublisherForm::from_publisher(&p);
        Self {
            prefix: f.prefix,
            name: f.name,
            identifier: f.identifier,
            website: f.website,
            licence: f.licence,
        }
    }
}

/// The 360Giving publisher (404 until one is recorded).
#[utoipa::path(get, path = "/grants/publisher", security(("token" = [])), responses((status = 200, body = PublisherInput), (status = 404, description = "No 360Giving publisher is recorded yet", body = super::ErrorEnvelope)))]
pub(crate) async fn publisher(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<PublisherInput>, ApiError> {
    let p = state
        .service
        .grant_publisher(&actor)
        .await?
        .ok_or(wholeplace_service::ServiceError::NotFound)?;
    Ok(Json(p.into()))
}

/// Records the 360Giving publisher (analysts and administrators).
#[utoipa::path(put, path = "/grants/publisher", request_body = PublisherInput, security(("token" = [])), responses((status = 200, body = PublisherInput)))]
pub(crate) async fn update_publisher(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiJson(input): ApiJson<PublisherInput>,
) -> Result<Json<PublisherInput>, ApiError> {
    let f = wholeplace_service::PublisherForm {
        prefix: input.prefix,
        name: input.name,
        identifier: input.identifier,
        website: input.website,
        licence: input.licence,
    };
    let p = state.service.set_grant_publisher(&actor, &f).await?;
    Ok(Json(p.into()))
}

/// The grants as the 360Giving data standard's JSON grant package (`grants`, `license`,
/// `publisher`, `issued`): one 360Giving grant per recipient, identified by the publisher's
/// prefix and the grant's reference, organisations by their registered identifiers (or the
/// publisher's own `360G-` identifier for one with none), beneficiary locations with their GSS
/// codes. A 422 names the missing publisher prefix until one is recorded.
#[utoipa::path(get, path = "/grants/360giving", security(("token" = [])), responses((status = 200, description = "A 360Giving grant package", body = Object), (status = 422, description = "No 360Giving publisher is recorded yet", body = super::ErrorEnvelope)))]
pub(crate) async fn package(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.service.grants_360giving_package(&actor).await?))
}
