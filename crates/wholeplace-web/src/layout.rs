//! What every page's frame needs: who is signed in, the navigation, the form token, errors.

use std::sync::OnceLock;
use wholeplace_service::FieldError;

static ASSET_VERSION: OnceLock<String> = OnceLock::new();

/// Fingerprints the stylesheet and script once, at start-up: the pages ask for
/// `/assets/wholeplace.css?v=FINGERPRINT`, which may be cached for a year.
pub fn set_asset_version(assets_dir: &std::path::Path) {
    ASSET_VERSION.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(std::fs::read(assets_dir.join("wholeplace.css")).unwrap_or_default());
        h.update(std::fs::read(assets_dir.join("govuk/govuk-frontend.min.js")).unwrap_or_default());
        h.update(include_str!("../static/app.js"));
        hex::encode(&h.finalize()[..8])
    });
}

/// The assets' fingerprint ("dev" before [`set_asset_version`]).
pub fn asset_version() -> &'static str {
    ASSET_VERSION.get().map_or("dev", String::as_str)
}
use wholeplace_store::User;

/// One navigation link.
#[derive(Clone, Debug)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// The current section.
    pub active: bool,
}

/// The page frame's data.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The signed-in user.
    pub user: Option<User>,
    /// The navigation for that user.
    pub nav: Vec<NavItem>,
    /// The token forms echo back.
    pub csrf: String,
    /// Errors for the summary and the fields.
    pub errors: Vec<FieldError>,
    /// Any errors at all (prefixes the title with "Error:").
    pub has_errors: bool,
    /// A success message.
    pub flash: Option<String>,
    /// Show the demonstration-data tag.
    pub demo: bool,
}

impl Layout {
    /// The assets' fingerprint, for the links in the page's head.
    pub fn asset_version(&self) -> &'static str {
        asset_version()
    }

    /// The frame for a signed-in user, with `section` marked current in the navigation.
    pub fn signed_in(user: &User, csrf: &str, section: &str, demo: bool) -> Self {
        let item = |href: &'static str, label: &'static str, key: &str| NavItem {
            href,
            label,
            active: section == key,
        };
        let mut nav = vec![
            item("/", "Home", "home"),
            item("/places", "Places", "places"),
            item("/agencies", "Agencies", "agencies"),
            item("/funding", "Funding", "funding"),
            item("/outcomes", "Outcomes", "outcomes"),
            item("/appraisals", "Appraisals", "appraisals"),
            item("/unit-costs", "Unit costs", "unit-costs"),
        ];
        if user.role != wholeplace_domain::Role::Viewer {
            nav.insert(1, item("/families", "Families", "families"));
            nav.insert(2, item("/cohorts", "Cohorts", "cohorts"));
        }
        if wholeplace_service::policy::allows(
            user.role,
            wholeplace_service::DataClass::Linkage,
            wholeplace_service::Access::Read,
        ) {
            nav.push(item("/linking", "Linking", "linking"));
        }
        nav.push(item("/sharing", "Sharing", "sharing"));
        if user.role.is_admin() {
            nav.push(item("/privacy", "Privacy", "privacy"));
            nav.push(item("/users", "Users", "users"));
            nav.push(item("/audit", "Audit log", "audit"));
        }
        Self {
            user: Some(user.clone()),
            nav,
            csrf: csrf.to_owned(),
            demo,
            ..Default::default()
        }
    }

    /// The frame for someone not signed in.
    pub fn anonymous(csrf: &str, demo: bool) -> Self {
        Self {
            csrf: csrf.to_owned(),
            demo,
            ..Default::default()
        }
    }

    /// With these errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.has_errors = !errors.is_empty();
        self.errors = errors;
        self
    }

    /// With a success message.
    pub fn with_flash(mut self, flash: Option<String>) -> Self {
        self.flash = flash;
        self
    }

    /// The first error for a field.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
