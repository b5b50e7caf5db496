//! The home page, the about pages, health, static files and the fallbacks for unknown pages and
//! methods.

use crate::AppState;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::{WebError, render};
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

pub(crate) fn html(page: Html<String>) -> Response {
    page.into_response()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    layout: Layout,
    display_name: String,
    summary: Vec<(String, String, String)>,
    next_steps: Vec<(String, String)>,
    /// Information-sharing agreements of the reader's agencies that need their owners now
    /// (title, warning).
    agreement_warnings: Vec<(String, String)>,
    /// An administrator is warned of every agreement, not only their agency's.
    is_admin: bool,
}

pub async fn home(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let o = state.service.overview(&s.actor).await?;
    let is_admin = s.user.role.is_admin();
    let mut summary = vec![
        (
            "Partner agencies".to_owned(),
            o.agencies.to_string(),
            String::new(),
        ),
        (
            "People with accounts".to_owned(),
            o.users.to_string(),
            if is_admin {
                "/users".to_owned()
            } else {
                String::new()
            },
        ),
    ];
    if is_admin {
        summary.push((
            "Audit log entries".to_owned(),
            o.audit_entries.to_string(),
            "/audit".to_owned(),
        ));
    }
    let mut next_steps = Vec::new();
    if is_admin {
        next_steps.push((
            "/users/new".to_owned(),
            "Add the people who will use wholeplace, with their role and agency".to_owned(),
        ));
        next_steps.push((
            "/audit".to_owned(),
            "Check who has signed in and what changed".to_owned(),
        ));
    }
    next_steps.push((
        "/account".to_owned(),
        "Create an API token to use the partnership's data from a script".to_owned(),
    ));
    next_steps.push((
        "/about/data".to_owned(),
        "Read about the reference data wholeplace ships".to_owned(),
    ));
    let page = HomePage {
        layout: Layout::signed_in(&s.user, &s.session.csrf_token, "home", state.config.demo),
        display_name: s.user.display_name.clone(),
        summary,
        next_steps,
        agreement_warnings: state.service.agreement_warnings(&s.actor).await?,
        is_admin,
    };
    Ok(html(render(&page)?))
}

#[derive(Template)]
#[template(path = "about_data.html")]
pub(crate) struct AboutData {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "about_accessibility.html")]
pub(crate) struct AboutAccessibility {
    layout: Layout,
}

pub(crate) async fn about_layout(state: &AppState, who: Option<SignedIn>) -> Layout {
    match who {
        Some(s) => Layout::signed_in(&s.user, &s.session.csrf_token, "about", state.config.demo),
        None => Layout::anonymous("", state.config.demo),
    }
}

pub async fn about_data(
    State(state): State<AppState>,
    MaybeSignedIn(who): MaybeSignedIn,
) -> PageResult {
    Ok(html(render(&AboutData {
        layout: about_layout(&state, who).await,
    })?))
}

pub async fn about_accessibility(
    State(state): State<AppState>,
    MaybeSignedIn(who): MaybeSignedIn,
) -> PageResult {
    Ok(html(render(&AboutAccessibility {
        layout: about_layout(&state, who).await,
    })?))
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.service.health().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            "ok\n",
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain")],
            "database unavailable\n",
        )
            .into_response(),
    }
}

pub async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
        .into_response()
}

pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/favicon.svg"),
    )
        .into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// A route asked with a method it does not have (a GET of a form's action, say).
pub async fn method_not_allowed() -> Response {
    crate::error::message_page(
        StatusCode::METHOD_NOT_ALLOWED,
        "This page cannot be used that way",
        vec!["The web address is right, but it does not accept that kind of request. Go back and use the page's links and buttons.".to_owned()],
        Some(("/", "Go to the home page")),
    )
}
