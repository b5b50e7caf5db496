//! The roles a person can hold in wholeplace, from least to most trusted.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a signed-in person may do. Ordered: each role can do what the ones before it can,
/// except that practitioners (who work with families) and analysts have different reach into
/// personal data, decided case by case in the service layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the partnership's non-personal information.
    Viewer,
    /// Works with families: key workers, coordinators.
    Practitioner,
    /// Maintains evidence, resource maps and appraisals.
    Analyst,
    /// Manages users, reference data and the audit log.
    Administrator,
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role: choose administrator, analyst, practitioner or viewer")]
pub struct RoleError(pub String);

impl Role {
    /// All roles, most trusted first.
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Analyst,
        Role::Practitioner,
        Role::Viewer,
    ];

    /// The role's name as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Practitioner => "practitioner",
            Role::Analyst => "analyst",
            Role::Administrator => "administrator",
        }
    }

    /// One line on what the role may do, for forms and help.
    pub fn description(self) -> &'static str {
        match self {
            Role::Viewer => "reads the partnership's non-personal information",
            Role::Practitioner => "works with families and sees the records they are entitled to",
            Role::Analyst => "maintains resource maps, unit costs and appraisals",
            Role::Administrator => "manages users, reference data and the audit log",
        }
    }

    /// May this role change shared, non-personal information (places, budgets, appraisals)?
    pub fn can_edit_evidence(self) -> bool {
        matches!(self, Role::Analyst | Role::Administrator)
    }

    /// May this role manage users and read the audit log?
    pub fn is_admin(self) -> bool {
        self == Role::Administrator
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RoleError(s.trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!("Analyst".parse::<Role>(), Ok(Role::Analyst));
        assert!("superuser".parse::<Role>().is_err());
        assert!(Role::Administrator.is_admin() && !Role::Analyst.is_admin());
        assert!(Role::Analyst.can_edit_evidence() && !Role::Viewer.can_edit_evidence());
    }
}
