//! Corrections to the people linkage formed (`/linking/people/{id}`, `/linking/corrections`):
//! a person's source records from each agency with the merge and split forms, and the list of
//! merges and splits with their lineage, where a second reviewer confirms a merge across data
//! classes and anyone allowed undoes one.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a page calls the use cases it shows; a post is the form, the service use
//! case and `page::saved`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use wholeplace_domain::{CorrectionId, PersonId};
use wholeplace_service::FieldError;
use wholeplace_service::clock::format_time;
use wholeplace_service::corrections::{MergeForm, SplitForm};
use wholeplace_store::{CorrectionKind, CorrectionState, PersonCorrection};

/// One correction as the pages list it.
pub(crate) struct CorrectionRow {
    id: String,
    what: String,
    reason: String,
    made: String,
    state: String,
    can_confirm: bool,
    can_undo: bool,
}

fn row(c: &PersonCorrection, me: &str) -> CorrectionRow {
    let what = match c.kind {
        CorrectionKind::Merge => format!(
            "Person {} merged into person {} ({} source record{}, {} involvement{}){}",
            c.other.map(|p| p.to_string()).unwrap_or_default(),
            c.person,
            c.records.len(),
            if c.records.len() == 1 { "" } else { "s" },
            c.involvements.len(),
            if c.involvements.len() == 1 { "" } else { "s" },
            if c.cross_class {
                "; across data classes"
            } else {
                ""
            }
        ),
        CorrectionKind::Split => format!(
            "{} source record{} split off person {}{}",
            c.records.len(),
            if c.records.len() == 1 { "" } else { "s" },
            c.person,
            c.other
                .map(|p| format!(" into person {p}"))
                .unwrap_or_default()
        ),
    };
    let state = match c.state {
        CorrectionState::Awaiting => "Waiting for a second reviewer".to_owned(),
        CorrectionState::Applied => match &c.confirmed_by {
            Some(by) => format!("Done; confirmed by {by}"),
            None => "Done".to_owned(),
        },
        CorrectionState::Undone | CorrectionState::Withdrawn => format!(
            "{} by {} on {}",
            if c.state == CorrectionState::Undone {
                "Undone"
            } else {
                "Withdrawn"
            },
            c.undone_by.clone().unwrap_or_default(),
            c.undone_at.map(format_time).unwrap_or_default()
        ),
    };
    CorrectionRow {
        id: c.id.to_string(),
        what,
        reason: c.reason.clone(),
        made: format!("{} on {}", c.made_by, format_time(c.made_at)),
        state,
        can_confirm: c.state == CorrectionState::Awaiting && c.made_by != me,
        can_undo: matches!(
            c.state,
            CorrectionState::Applied | CorrectionState::Awaiting
        ),
    }
}

/// One source record as the person's page shows it.
pub(crate) struct SourceRow {
    id: String,
    agency: String,
    class: &'static str,
    key: String,
    name: String,
    born: String,
    address: String,
    ids: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "linking_person.html")]
pub(crate) struct PersonPage {
    layout: Layout,
    id: String,
    name: String,
    records: Vec<SourceRow>,
    involvements: usize,
    households: Vec<String>,
    corrections: Vec<CorrectionRow>,
    other: String,
    merge_reason: String,
    split_reason: String,
}

/// What the person's page shows after a post: the forms as sent.
#[derive(Default)]
pub(crate) struct Sent {
    merge: MergeForm,
    split: SplitForm,
}

async fn person_page(
    state: &AppState,
    s: &SignedIn,
    person: PersonId,
    status: StatusCode,
    sent: Sent,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state.service.person_records(&s.actor, person).await?;
    let me = s.actor.name();
    let l = v.links;
    let p = PersonPage {
        layout: layout(state, s, "linking").with_errors(errors),
        id: person.to_string(),
        name: format!("{} {}", l.person.given_name, l.person.family_name),
        records: l
            .records
            .iter()
            .map(|r| {
                let v = &r.values;
                SourceRow {
                    id: r.id.to_string(),
                    agency: r.agency_name.clone(),
                    class: r.data_class.label(),
                    key: r.record_key.clone(),
                    name: format!("{} {}", v[0], v[1]),
                    born: v[2].clone(),
                    address: [&v[4], &v[5], &v[6], &v[7]]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    ids: [&v[8], &v[9]]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    checked: sent.split.records.contains(&r.id.to_string()),
                }
            })
            .collect(),
        involvements: l.involvements.len(),
        households: l.households.iter().map(|h| h.to_string()).collect(),
        corrections: v.corrections.iter().map(|c| row(c, &me)).collect(),
        other: sent.merge.other,
        merge_reason: sent.merge.reason,
        split_reason: sent.split.reason,
    };
    Ok((status, render(&p)?).into_response())
}

/// A person's source records, the merge and split forms, and the corrections touching them.
pub async fn person(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
) -> PageResult {
    let person: PersonId = parse_id(&id)?;
    person_page(
        &state,
        &s,
        person,
        StatusCode::OK,
        Sent::default(),
        Vec::new(),
    )
    .await
}

/// `?person=` on the corrections page's "open a person" form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FindQuery {
    person: String,
}

/// Opens a person by number.
pub async fn find(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PageQuery(q): PageQuery<FindQuery>,
) -> PageResult {
    state
        .service
        .begin(&s.actor, wholeplace_service::AuditAction::LinkageRead, None)
        .await?;
    let id: PersonId = q
        .person
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            WebError::BadRequest(
                "Enter a person's number, such as 42: it is shown on the family's page and in the corrections list.".to_owned(),
            )
        })?;
    Ok(Redirect::to(&format!("/linking/people/{id}")).into_response())
}

/// Merges another person into this one.
pub async fn merge(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let person: PersonId = parse_id(&id)?;
    let f: MergeForm = form.typed()?;
    saved(
        state.service.merge_people(&s.actor, person, &f).await,
        |_| format!("/linking/people/{person}#corrections"),
        |status, errors| {
            person_page(
                &state,
                &s,
                person,
                status,
                Sent {
                    merge: f.clone(),
                    ..Default::default()
                },
                errors,
            )
        },
    )
    .await
}

/// Splits the chosen source records off this person.
pub async fn split(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let person: PersonId = parse_id(&id)?;
    let f = SplitForm {
        records: form.all("records").into_iter().map(str::to_owned).collect(),
        reason: form.get("reason").to_owned(),
    };
    saved(
        state.service.split_person(&s.actor, person, &f).await,
        |_| format!("/linking/people/{person}#corrections"),
        |status, errors| {
            // Both forms have a reason: the split's is named apart so the summary links to it.
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "reason" => FieldError::new("split_reason", e.message),
                    _ => e,
                })
                .collect();
            person_page(
                &state,
                &s,
                person,
                status,
                Sent {
                    split: f.clone(),
                    ..Default::default()
                },
                errors,
            )
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "linking_corrections.html")]
pub(crate) struct CorrectionsPage {
    layout: Layout,
    corrections: Vec<CorrectionRow>,
}

async fn corrections_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let list = state.service.list_corrections(&s.actor).await?;
    let me = s.actor.name();
    let p = CorrectionsPage {
        layout: layout(state, s, "linking").with_errors(errors),
        corrections: list.iter().map(|c| row(c, &me)).collect(),
    };
    Ok((status, render(&p)?).into_response())
}

/// Every merge and split, newest first.
pub async fn corrections(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
) -> PageResult {
    corrections_page(&state, &s, StatusCode::OK, Vec::new()).await
}

/// Confirms a merge as its second reviewer.
pub async fn confirm(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let cid: CorrectionId = parse_id(&id)?;
    saved(
        state.service.confirm_correction(&s.actor, cid).await,
        |_| "/linking/corrections".to_owned(),
        |status, errors| corrections_page(&state, &s, status, errors),
    )
    .await
}

/// Undoes a correction (or withdraws one waiting for a second reviewer).
pub async fn undo(
    axum::extract::State(state): axum::extract::State<AppState>,
    s: SignedIn,
    PathSegment(id): PathSegment,
    CsrfForm(_form): CsrfForm,
) -> PageResult {
    let cid: CorrectionId = parse_id(&id)?;
    saved(
        state.service.undo_correction(&s.actor, cid).await,
        |_| "/linking/corrections".to_owned(),
        |status, errors| corrections_page(&state, &s, status, errors),
    )
    .await
}
