//! Signing in and out, one's own account (password, sessions, API tokens), and administrators'
//! pages for accounts.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::auth::{
    ClientAddr, MaybeSignedIn, SIGNIN_CSRF_COOKIE, SignedIn, SignedInAllowingPasswordChange,
    cookie, set_cookie,
};
use crate::error::{WebError, render};
use crate::form::{CsrfForm, FormFields};
use crate::layout::Layout;
use crate::page::*;
use crate::site::*;
use crate::{AppState, SESSION_COOKIE};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::collections::HashMap;
use wholeplace_domain::Role;
use wholeplace_service::clock::format_time;
use wholeplace_service::secret::random_token;
use wholeplace_service::{FieldError, NewUserForm, ServiceError};
use wholeplace_store::User;

pub(crate) fn agencies_text(u: &User) -> String {
    u.agencies
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Only local paths are followed after sign-in, never another site, and never anything that
/// cannot be a `Location` header (control characters would make the redirect fail).
pub(crate) fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    layout: Layout,
    username: String,
    next: String,
}

pub(crate) fn sign_in_response(
    state: &AppState,
    status: StatusCode,
    username: &str,
    next: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let csrf = random_token("");
    let page = SignInPage {
        layout: Layout::anonymous(&csrf, state.config.demo).with_errors(errors),
        username: username.to_owned(),
        next: next.to_owned(),
    };
    let mut r = (status, render(&page)?).into_response();
    let c = set_cookie(
        SIGNIN_CSRF_COOKIE,
        &csrf,
        Some(3600),
        state.config.secure_cookies,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        c.parse().map_err(|_| WebError::Internal("cookie".into()))?,
    );
    Ok(r)
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    MaybeSignedIn(who): MaybeSignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if who.is_some() {
        return Ok(see_other("/"));
    }
    let next = safe_next(q.get("next").map_or("/", String::as_str));
    sign_in_response(&state, StatusCode::OK, "", &next, Vec::new())
}

pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    form: FormFields,
) -> PageResult {
    let next = safe_next(form.get("next"));
    let username = form.get("username");
    let expected = cookie(&headers, SIGNIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty()
        || !wholeplace_service::secret::constant_time_eq(&expected, form.get("csrf_token"))
    {
        return Err(WebError::Csrf);
    }
    match state
        .service
        .sign_in(username, form.get("password"), &addr)
        .await
    {
        Ok(signed) => {
            if let Some(old) = cookie(&headers, crate::auth::SESSION_COOKIE) {
                state.service.end_replaced_session(&old).await?;
            }
            let to = if signed.user.must_change_password {
                "/account/password".to_owned()
            } else {
                next
            };
            let mut r = see_other(&to);
            let c = set_cookie(
                SESSION_COOKIE,
                &signed.token,
                None,
                state.config.secure_cookies,
            );
            r.headers_mut().append(
                header::SET_COOKIE,
                c.parse().map_err(|_| WebError::Internal("cookie".into()))?,
            );
            let clear = set_cookie(SIGNIN_CSRF_COOKIE, "", Some(0), state.config.secure_cookies);
            r.headers_mut().append(
                header::SET_COOKIE,
                clear
                    .parse()
                    .map_err(|_| WebError::Internal("cookie".into()))?,
            );
            Ok(r)
        }
        Err(ServiceError::Validation(errors)) => {
            sign_in_response(&state, problems_status(&errors), username, &next, errors)
        }
        Err(ServiceError::Unauthenticated(msg)) => sign_in_response(
            &state,
            StatusCode::UNAUTHORIZED,
            username,
            &next,
            vec![FieldError::new("username", msg)],
        ),
        Err(ServiceError::Throttled { retry_after_mins }) => sign_in_response(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            &next,
            vec![FieldError::new(
                "username",
                format!(
                    "There have been too many failed attempts to sign in to this account. Wait {retry_after_mins} minutes and try again, or ask your administrator to reset your password."
                ),
            )],
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    SignedInAllowingPasswordChange(s): SignedInAllowingPasswordChange,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    state.service.sign_out(&s.actor).await?;
    let mut r = see_other("/sign-in");
    let c = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies);
    r.headers_mut().append(
        header::SET_COOKIE,
        c.parse().map_err(|_| WebError::Internal("cookie".into()))?,
    );
    Ok(r)
}

pub(crate) struct TokenRow {
    id: wholeplace_domain::UserId,
    name: String,
    created: String,
    last_used: String,
    revoked: bool,
    /// When it stops working, if it has an end (tokens made with `wholeplace user token`).
    expires: Option<String>,
    expired: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    layout: Layout,
    username: String,
    display_name: String,
    role: Role,
    agencies: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    sessions: Vec<SessionRow>,
    idle_minutes: i64,
}

pub(crate) struct SessionRow {
    reference: String,
    started: String,
    last_used: String,
    current: bool,
}

pub(crate) async fn account_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    errors: Vec<FieldError>,
    new_token: Option<String>,
    flash: Option<String>,
) -> PageResult {
    let tokens = state
        .service
        .list_api_tokens(&s.actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: format_time(t.created_at),
            last_used: t
                .last_used_at
                .map_or_else(|| "Never".to_owned(), format_time),
            revoked: t.revoked_at.is_some(),
            expires: t.expires_at.map(format_time),
            expired: t.expires_at.is_some_and(|e| e <= state.service.now()),
        })
        .collect();
    let page = AccountPage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "account", state.config.demo)
            .with_errors(errors)
            .with_flash(flash),
        username: s.user.username.clone(),
        display_name: s.user.display_name.clone(),
        role: s.user.role,
        agencies: agencies_text(&s.user),
        tokens,
        new_token,
        sessions: state
            .service
            .list_own_sessions(&s.actor)
            .await?
            .into_iter()
            .map(|v| SessionRow {
                reference: v.reference,
                started: format_time(v.created_at),
                last_used: format_time(v.last_seen_at),
                current: v.current,
            })
            .collect(),
        idle_minutes: state.service.config().session_idle_secs / 60,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn account(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let flash = match q.get("done").map(String::as_str) {
        Some("password") => Some("Your password has been changed".to_owned()),
        Some("revoked") => Some("The API token has been revoked".to_owned()),
        Some("session") => Some("The session has been signed out".to_owned()),
        Some("sessions") => Some("Your other sessions have been signed out".to_owned()),
        _ => None,
    };
    account_page(&state, &s, StatusCode::OK, Vec::new(), None, flash).await
}

pub async fn create_token(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    match state
        .service
        .create_api_token(&s.actor, form.get("token_name"))
        .await
    {
        Ok(token) => account_page(&state, &s, StatusCode::OK, Vec::new(), Some(token), None).await,
        Err(ServiceError::Validation(errors)) => {
            account_page(&state, &s, problems_status(&errors), errors, None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.revoke_api_token(&s.actor, id).await?;
    Ok(see_other("/account?done=revoked"))
}

/// Signs out one of your own sessions (or, with the reference "others", every other one).
pub async fn revoke_session(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(reference): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    state
        .service
        .revoke_own_session(&s.actor, &reference)
        .await?;
    if reference == "others" {
        Ok(see_other("/account?done=sessions#sessions"))
    } else if s
        .actor
        .session_hash
        .as_deref()
        .is_some_and(|h| h.starts_with(&reference))
    {
        Ok(see_other("/sign-in"))
    } else {
        Ok(see_other("/account?done=session#sessions"))
    }
}

#[derive(Template)]
#[template(path = "password.html")]
pub(crate) struct PasswordPage {
    layout: Layout,
    forced: bool,
    fields: Vec<(&'static str, &'static str, &'static str, &'static str)>,
}

pub(crate) fn password_page_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = PasswordPage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "account", state.config.demo)
            .with_errors(errors),
        forced: s.user.must_change_password,
        fields: vec![
            (
                "current_password",
                "Current password",
                "",
                "current-password",
            ),
            (
                "new_password",
                "New password",
                "At least 12 characters. A few unrelated words make a strong password.",
                "new-password",
            ),
            (
                "confirm_password",
                "Type the new password again",
                "",
                "new-password",
            ),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn password_page(
    State(state): State<AppState>,
    SignedInAllowingPasswordChange(s): SignedInAllowingPasswordChange,
) -> PageResult {
    password_page_response(&state, &s, StatusCode::OK, Vec::new())
}

pub async fn change_password(
    State(state): State<AppState>,
    SignedInAllowingPasswordChange(s): SignedInAllowingPasswordChange,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    match state
        .service
        .change_password(
            &s.actor,
            form.get("current_password"),
            form.get("new_password"),
            form.get("confirm_password"),
        )
        .await
    {
        Ok(()) => Ok(see_other("/account?done=password")),
        Err(ServiceError::Validation(errors)) => {
            password_page_response(&state, &s, problems_status(&errors), errors)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) struct UserRow {
    id: wholeplace_domain::UserId,
    username: String,
    display_name: String,
    role: Role,
    agencies: String,
    disabled: bool,
    must_change: bool,
    created: String,
}

pub(crate) fn user_row(u: &User) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        agencies: agencies_text(u),
        disabled: u.disabled,
        must_change: u.must_change_password,
        created: format_time(u.created_at),
    }
}

#[derive(Template)]
#[template(path = "users.html")]
pub(crate) struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
}

pub async fn users(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let users = state.service.list_users(&s.actor).await?;
    let page = UsersPage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "users", state.config.demo),
        users: users.iter().map(user_row).collect(),
    };
    Ok(html(render(&page)?))
}

#[derive(Template)]
#[template(path = "user_new.html")]
pub(crate) struct NewUserPage {
    layout: Layout,
    username: String,
    display_name: String,
    role: String,
    roles: Vec<(&'static str, &'static str)>,
    agencies: Vec<(wholeplace_domain::AgencyId, String, bool)>,
}

pub(crate) async fn new_user_response(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    form: &NewUserForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let agencies = state
        .service
        .list_agencies(&s.actor)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name, form.agency_ids.contains(&a.id)))
        .collect();
    let page = NewUserPage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "users", state.config.demo)
            .with_errors(errors),
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        roles: Role::ALL
            .iter()
            .rev()
            .map(|r| (r.as_str(), r.description()))
            .collect(),
        agencies,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_user_page(State(state): State<AppState>, s: SignedIn) -> PageResult {
    if !s.user.role.is_admin() {
        // Let the service decide and record the refusal.
        state.service.list_users(&s.actor).await?;
    }
    new_user_response(
        &state,
        &s,
        StatusCode::OK,
        &NewUserForm::default(),
        Vec::new(),
    )
    .await
}

#[derive(Template)]
#[template(path = "user_show.html")]
pub(crate) struct UserPage {
    layout: Layout,
    user: UserRow,
    is_self: bool,
    one_time_password: Option<String>,
}

pub(crate) fn user_page(
    state: &AppState,
    s: &SignedIn,
    user: &User,
    one_time_password: Option<String>,
    flash: Option<String>,
) -> PageResult {
    let page = UserPage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "users", state.config.demo)
            .with_flash(flash),
        user: user_row(user),
        is_self: user.id == s.user.id,
        one_time_password,
    };
    Ok(html(render(&page)?))
}

pub async fn create_user(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let mut bad_agency = false;
    let agency_ids = form
        .all("agencies")
        .into_iter()
        .filter_map(|v| {
            let id = v.parse::<wholeplace_domain::AgencyId>().ok();
            bad_agency |= id.is_none();
            id
        })
        .collect();
    let new = NewUserForm {
        username: form.get("username").to_owned(),
        display_name: form.get("display_name").to_owned(),
        role: form.get("role").to_owned(),
        agency_ids,
    };
    if bad_agency {
        let errors = vec![FieldError::new("agencies", "Select agencies from the list")];
        return new_user_response(&state, &s, problems_status(&errors), &new, errors).await;
    }
    match state.service.create_user(&s.actor, &new).await {
        Ok((user, password)) => user_page(&state, &s, &user, Some(password), None),
        Err(ServiceError::Validation(errors)) => {
            new_user_response(&state, &s, problems_status(&errors), &new, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show_user(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let user = state.service.get_user(&s.actor, parse_id(&id)?).await?;
    let flash = match q.get("done").map(String::as_str) {
        Some("disabled") => {
            Some("The account has been disabled and signed out everywhere".to_owned())
        }
        Some("enabled") => Some("The account has been enabled".to_owned()),
        _ => None,
    };
    user_page(&state, &s, &user, None, flash)
}

pub(crate) async fn set_disabled(
    state: AppState,
    s: SignedIn,
    id: String,
    disabled: bool,
) -> PageResult {
    let id = parse_id(&id)?;
    match state
        .service
        .set_user_disabled(&s.actor, id, disabled)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/users/{id}?done={}",
            if disabled { "disabled" } else { "enabled" }
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn disable_user(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_): CsrfForm,
) -> PageResult {
    set_disabled(state, s, id, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_): CsrfForm,
) -> PageResult {
    set_disabled(state, s, id, false).await
}

pub async fn reset_password(
    State(state): State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let password = state.service.reset_password(&s.actor, id).await?;
    let user = state.service.get_user(&s.actor, id).await?;
    user_page(&state, &s, &user, Some(password), None)
}
