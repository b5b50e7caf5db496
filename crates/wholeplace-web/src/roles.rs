//! `/about/roles`: the role policy, rendered from the service's table
//! (`wholeplace_service::policy::POLICY`), so the page cannot drift from what is enforced.

use crate::AppState;
use crate::auth::MaybeSignedIn;
use crate::error::{WebError, render};
use crate::layout::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wholeplace_domain::Role;
use wholeplace_service::policy::{self, Access, DataClass};

/// A role, as the page shows it.
struct RoleColumn {
    name: &'static str,
    description: &'static str,
}

/// One line of the table: a class of data and an access, and for each role whether it may.
struct PolicyRow {
    class: &'static str,
    access: &'static str,
    allowed: Vec<bool>,
    /// The first line of a class (which carries the class name).
    first: bool,
}

/// A class of data and what it holds.
struct ClassNote {
    name: &'static str,
    description: &'static str,
}

#[derive(Template)]
#[template(path = "about_roles.html")]
struct AboutRoles {
    layout: Layout,
    roles: Vec<RoleColumn>,
    rows: Vec<PolicyRow>,
    classes: Vec<ClassNote>,
}

/// Roles, least trusted first.
fn roles() -> Vec<Role> {
    let mut r = Role::ALL.to_vec();
    r.reverse();
    r
}

pub async fn about_roles(
    State(state): State<AppState>,
    MaybeSignedIn(who): MaybeSignedIn,
) -> Result<Response, WebError> {
    let layout = match who {
        Some(s) => Layout::signed_in(&s.user, &s.session.csrf_token, "about", state.config.demo),
        None => Layout::anonymous("", state.config.demo),
    };
    let order = roles();
    let mut rows = Vec::new();
    for class in DataClass::ALL {
        for (i, access) in Access::ALL.into_iter().enumerate() {
            rows.push(PolicyRow {
                class: class.name(),
                access: access.name(),
                allowed: order
                    .iter()
                    .map(|r| policy::allows(*r, class, access))
                    .collect(),
                first: i == 0,
            });
        }
    }
    let page = AboutRoles {
        layout,
        roles: order
            .iter()
            .map(|r| RoleColumn {
                name: r.as_str(),
                description: r.description(),
            })
            .collect(),
        rows,
        classes: DataClass::ALL
            .into_iter()
            .map(|c| ClassNote {
                name: c.name(),
                description: c.description(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}
