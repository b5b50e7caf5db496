//! `/api/v1/me` and `/api/v1/users`: the caller's account and, for administrators, everyone's. Decided and audited by the same service use cases as the pages.
//!
//! Like every API module, its views copy a record into its JSON shape field by field and its
//! handlers are the service use case between `ApiCaller` and `Json`; views of different records
//! look alike because a struct literal has one shape, not because they share logic.

use super::*;

/// An account, without secrets.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) display_name: String,
    /// administrator, analyst, practitioner or viewer.
    pub(crate) role: String,
    pub(crate) disabled: bool,
    pub(crate) must_change_password: bool,
    pub(crate) agencies: Vec<AgencyView>,
    /// RFC 3339.
    pub(crate) created_at: String,
}

pub(crate) fn user_view(u: wholeplace_store::User) -> UserView {
    UserView {
        id: u.id.get(),
        username: u.username,
        display_name: u.display_name,
        role: u.role.as_str().to_owned(),
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        agencies: u
            .agencies
            .into_iter()
            .map(|a| AgencyView {
                id: a.id.get(),
                name: a.name,
                kind: a.kind.to_string(),
                identifiers: None,
            })
            .collect(),
        created_at: wholeplace_service::clock::format_rfc3339(u.created_at),
    }
}

/// The account the token belongs to.
#[utoipa::path(get, path = "/me", security(("token" = [])), responses((status = 200, body = UserView)))]
pub(crate) async fn me(ApiCaller(actor): ApiCaller) -> Result<Json<UserView>, ApiError> {
    let user = actor.user.ok_or(ApiError(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "No user".into(),
        vec![],
    ))?;
    Ok(Json(user_view(user)))
}

/// Every account (administrators only).
#[utoipa::path(get, path = "/users", security(("token" = [])), responses((status = 200, body = [UserView]), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn users(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(
        state
            .service
            .list_users(&actor)
            .await?
            .into_iter()
            .map(user_view)
            .collect(),
    ))
}
