//! Who is asking: the session cookie for pages, a bearer token (or the session) for the API.
//! Authentication happens here; authorisation happens in the service layer.

use crate::AppState;
use crate::error::WebError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::net::SocketAddr;
use wholeplace_service::{Actor, Service};
use wholeplace_store::{Session, User};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "wp_session";
/// The sign-in form's double-submit cookie.
pub const SIGNIN_CSRF_COOKIE: &str = "wp_signin";

/// A cookie's value from the request headers (parsed by the `cookie` crate, RFC 6265).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The client's address, as far as the server can tell.
pub fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// A signed-in page request: the user, their session and the actor the service needs.
pub struct SignedIn {
    /// Who.
    pub user: User,
    /// Their session.
    pub session: Session,
    /// For the service.
    pub actor: Actor,
}

/// Like [`SignedIn`], but lets through a user who must still change their password (for the
/// password page and signing out).
pub struct SignedInAllowingPasswordChange(pub SignedIn);

async fn load(parts: &mut Parts, service: &Service) -> Result<Option<SignedIn>, WebError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let found = service.session(&token).await?;
    if let Some((session, _)) = &found {
        parts
            .extensions
            .insert(ExpectedCsrf(session.csrf_token.clone()));
    }
    Ok(found.map(|(session, user)| {
        let actor = Actor::user(
            user.clone(),
            client_address(parts),
            Some(session.token_hash.clone()),
        );
        SignedIn {
            user,
            session,
            actor,
        }
    }))
}

fn path_and_query(parts: &Parts) -> String {
    if parts.method == axum::http::Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    }
}

impl FromRequestParts<AppState> for SignedInAllowingPasswordChange {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load(parts, &state.service).await? {
            Some(s) => Ok(Self(s)),
            None => Err(WebError::NotSignedIn(path_and_query(parts))),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedInAllowingPasswordChange(s) =
            SignedInAllowingPasswordChange::from_request_parts(parts, state).await?;
        if s.user.must_change_password {
            return Err(WebError::MustChangePassword);
        }
        Ok(s)
    }
}

/// Maybe signed in (for the sign-in page, which sends signed-in users home).
pub struct MaybeSignedIn(pub Option<SignedIn>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(load(parts, &state.service).await?))
    }
}

/// The signed-in session's form token, left in the request's extensions by [`SignedIn`] (and the
/// other session extractors) for [`crate::form::CsrfForm`] to check the body against.
#[derive(Clone, Debug)]
pub struct ExpectedCsrf(pub String);

/// Checks a submitted form token against the session's.
pub fn check_csrf(session: &Session, submitted: &str) -> Result<(), WebError> {
    if Service::csrf_ok(session, submitted) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// The client's address as an extractor.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(parts)))
    }
}
