//! Lawful sharing: the register of information-sharing agreements (`/sharing`), recording and
//! withdrawing one, and the privacy officer's queue of emergency accesses (`/privacy`).
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::sharing::{ARTICLE_6_BASES, ARTICLE_9_CONDITIONS, DATA_CLASSES, PURPOSES};
use wholeplace_service::{
    Access, AgreementForm, AgreementView, AuditAction, DataClass, FieldError,
};
use wholeplace_store::BreakGlass;

/// One agreement as the register lists it.
pub(crate) struct AgreementRow {
    id: String,
    title: String,
    parties: String,
    classes: String,
    purposes: String,
    basis: &'static str,
    condition: &'static str,
    dates: String,
    status: &'static str,
    warning: Option<String>,
    withdrawn: bool,
}

#[derive(Template)]
#[template(path = "sharing.html")]
pub(crate) struct SharingPage {
    layout: Layout,
    rows: Vec<AgreementRow>,
    warnings: usize,
    can_change: bool,
}

fn row(v: AgreementView) -> AgreementRow {
    let a = v.agreement;
    let labels = |keys: Vec<&'static str>| keys.join("; ");
    AgreementRow {
        id: a.id.to_string(),
        parties: a
            .parties
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        classes: labels(a.classes.iter().map(|c| c.label()).collect()),
        purposes: labels(a.purposes.iter().map(|p| p.label()).collect()),
        basis: a.basis.words(),
        condition: a.condition.map_or("None needed", |c| c.label()),
        dates: format!(
            "{} to {} (review {})",
            a.starts_on, a.expires_on, a.review_on
        ),
        status: if a.withdrawn_on.is_some() {
            "Withdrawn"
        } else if v.in_force {
            "In force"
        } else {
            "Not in force"
        },
        withdrawn: a.withdrawn_on.is_some(),
        warning: v.warning,
        title: a.title,
    }
}

pub async fn sharing(State(state): State<AppState>, s: SignedIn) -> PageResult {
    let views = state.service.list_agreements(&s.actor).await?;
    let rows: Vec<AgreementRow> = views.into_iter().map(row).collect();
    let page = SharingPage {
        layout: layout(&state, &s, "sharing"),
        warnings: rows.iter().filter(|r| r.warning.is_some()).count(),
        rows,
        can_change: state
            .service
            .may(&s.actor, DataClass::SharingAgreements, Access::Change),
    };
    Ok(render(&page)?.into_response())
}

async fn agreement_form(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &AgreementForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let agencies = state.service.list_agencies(&s.actor).await?;
    let terms = |t: &[(&str, &str)]| {
        t.iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
            .collect::<Vec<_>>()
    };
    let with_none = |first: &str, t: &[(&str, &str)]| {
        std::iter::once((String::new(), first.to_owned()))
            .chain(terms(t))
            .collect::<Vec<_>>()
    };
    let page = FormPage {
        layout: layout(state, s, "sharing").with_errors(errors),
        heading: "Record an information-sharing agreement".into(),
        intro: vec![
            "Record the agreement the parties signed. Sharing between agencies relies on an agreement in force that covers both agencies, the class of data and the purpose.".into(),
            "The lawful basis is the UK GDPR's Article 6 basis for sharing. Consent is rarely the right basis for agencies sharing to help a family: use it only where the family's consent is the basis, and record each person's consent.".into(),
        ],
        back: ("/sharing".into(), "Back to agreements".into()),
        action: "/sharing".into(),
        fields: vec![
            Field::text("title", "Title", "Such as 'Sherwood early help information-sharing agreement'", &f.title),
            Field::checkboxes(
                "parties",
                "Parties",
                "The agencies that signed it",
                agencies.into_iter().map(|a| (a.id.to_string(), a.name)).collect(),
                &f.parties,
            ),
            Field::checkboxes("classes", "Classes of data", "Health, social care and police data need an Article 9 condition too", terms(DATA_CLASSES), &f.classes),
            Field::checkboxes("purposes", "Purposes", "", terms(PURPOSES), &f.purposes),
            Field::select("basis", "Article 6 lawful basis", with_none("Select", ARTICLE_6_BASES), &f.basis),
            Field::select(
                "condition",
                "Article 9 condition (for special category or criminal offence data)",
                with_none("None", ARTICLE_9_CONDITIONS),
                &f.condition,
            ),
            Field::text("starts_on", "First day in force", "As year-month-day, such as 2026-04-01", &f.starts_on).narrow(),
            Field::text("review_on", "Review day", "Owners are warned 60 days before", &f.review_on).narrow(),
            Field::text("expires_on", "Last day in force", "Sharing stops after this day", &f.expires_on).narrow(),
            Field::text("signatories", "Signatories", "Who signed for each party", &f.signatories),
        ],
        submit: "Record agreement",
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

/// The agreement form's fields, the ticked boxes included.
fn agreement_fields(
    form: &crate::form::FormFields,
) -> Result<AgreementForm, crate::error::WebError> {
    let mut f: AgreementForm = form.typed()?;
    let all = |name: &str| form.all(name).into_iter().map(str::to_owned).collect();
    f.parties = all("parties");
    f.classes = all("classes");
    f.purposes = all("purposes");
    Ok(f)
}

pub async fn new_agreement(State(state): State<AppState>, s: SignedIn) -> PageResult {
    state
        .service
        .begin(&s.actor, AuditAction::AgreementCreate, None)
        .await?;
    agreement_form(
        &state,
        &s,
        StatusCode::OK,
        &AgreementForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_agreement(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f = agreement_fields(&form)?;
    saved(
        state.service.create_agreement(&s.actor, &f).await,
        |_| "/sharing".to_owned(),
        |status, errors| agreement_form(&state, &s, status, &f, errors),
    )
    .await
}

pub async fn withdraw_agreement(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    state.service.withdraw_agreement(&s.actor, id).await?;
    Ok(axum::response::Redirect::to("/sharing").into_response())
}

/// `?sample=N` on the privacy queue.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SampleQuery {
    sample: String,
}

/// A sample of the privacy queue as asked for (the page's `?sample=` and the API's): empty for
/// every access, or a whole percentage from 1 to 100; anything else is a request the queue
/// cannot read, with what to ask instead.
pub(crate) fn sample_percent(raw: &str) -> Result<Option<u8>, String> {
    match raw.trim() {
        "" => Ok(None),
        t => t
            .parse::<u8>()
            .ok()
            .filter(|p| (1..=100).contains(p))
            .map(Some)
            .ok_or_else(|| "Give the sample as a whole percentage from 1 to 100.".to_owned()),
    }
}

#[derive(Template)]
#[template(path = "privacy.html")]
pub(crate) struct PrivacyPage {
    layout: Layout,
    accesses: Vec<(BreakGlass, String)>,
    sample: String,
}

pub(crate) async fn privacy_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    sample: &str,
    errors: Vec<FieldError>,
) -> PageResult {
    let percent = sample_percent(sample).map_err(crate::error::WebError::BadRequest)?;
    let accesses = state
        .service
        .list_break_glass(&s.actor, percent)
        .await?
        .into_iter()
        .map(|b| {
            let at = wholeplace_service::clock::format_time(b.at);
            (b, at)
        })
        .collect();
    let page = PrivacyPage {
        layout: layout(state, s, "privacy").with_errors(errors),
        accesses,
        sample: sample.trim().to_owned(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn privacy(
    State(state): State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<SampleQuery>,
) -> PageResult {
    privacy_page(&state, &s, StatusCode::OK, &q.sample, Vec::new()).await
}

pub async fn review(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let finding = form.get("finding").to_owned();
    saved(
        state
            .service
            .review_break_glass(&s.actor, id, &finding)
            .await,
        |_| "/privacy".to_owned(),
        |status, errors| privacy_page(&state, &s, status, "", errors),
    )
    .await
}
