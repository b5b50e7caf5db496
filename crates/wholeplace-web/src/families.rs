//! Families: the list of the families the reader's agency works with, a family's page (the
//! service jigsaw, its members, the timeline of involvements and events, the As Is cost by
//! agency), adding families, members, involvements, goals and actions of the plan, the
//! involvements as CSV and everything the reader may see as a workbook (`family.xlsx`), a
//! person's subject access pack, and emergency access. What a reader sees is decided by the
//! service's access gate; every read is audited there.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::render;
use crate::family_records::{Kind, links};
use crate::fields::{Field, FormPage};
use crate::form::CsrfForm;
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::HouseholdId;
use wholeplace_domain::sharing::{DATA_CLASSES, PURPOSES};
use wholeplace_service::{
    Access, ActionForm, AuditAction, BreakGlassForm, DataClass, FamilySummary, FamilyView,
    FieldError, GoalForm, HouseholdForm, InvolvementForm, NeedView, PersonForm, units_text,
};

/// The purpose a family page is read for (`?purpose=`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PurposeQuery {
    purpose: String,
}

#[derive(Template)]
#[template(path = "families.html")]
pub(crate) struct FamiliesPage {
    layout: Layout,
    families: Vec<FamilySummary>,
    can_add: bool,
    fields: Vec<Field>,
}

pub(crate) async fn families_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &HouseholdForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let families = state.service.list_families(&s.actor).await?;
    let places = state.service.list_places(&s.actor).await?;
    let page = FamiliesPage {
        layout: layout(state, s, "families").with_errors(errors),
        families,
        can_add: state
            .service
            .may(&s.actor, DataClass::CaseRecords, Access::Change),
        fields: vec![
            Field::text(
                "name",
                "What the partnership calls the family",
                "Such as 'The Hill family'",
                &f.name,
            ),
            Field::select(
                "place_id",
                "Where they live (optional)",
                options("None", places.into_iter().map(|p| (p.id, p.name))),
                &f.place_id,
            ),
            Field::text("address", "Address (optional)", "", &f.address),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn families(State(state): State<AppState>, s: SignedIn) -> PageResult {
    families_page(
        &state,
        &s,
        StatusCode::OK,
        &HouseholdForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_family(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let f: HouseholdForm = form.typed()?;
    saved(
        state.service.create_family(&s.actor, &f).await,
        |id| format!("/families/{id}"),
        |status, errors| families_page(&state, &s, status, &f, errors),
    )
    .await
}

/// One involvement as the family page lists it.
pub(crate) struct InvolvementRow {
    who: String,
    agency: String,
    service: String,
    need: String,
    class: &'static str,
    lead_worker: String,
    started_on: String,
    ended_on: String,
    unit_cost: String,
    units: String,
    annual: String,
}

#[derive(Template)]
#[template(path = "family.html")]
pub(crate) struct FamilyPage {
    layout: Layout,
    v: FamilyView,
    purposes: Vec<(String, String)>,
    needs: Vec<String>,
    jigsaw: Vec<(String, Vec<Vec<String>>)>,
    rows: Vec<InvolvementRow>,
    events: Vec<(String, String, String, String)>,
    costs: Vec<(String, String)>,
    total: String,
    can_change: bool,
    privacy_officer: bool,
    /// May see people's source records from linkage (and correct them).
    linkage: bool,
    legal_hold: bool,
    member_fields: Vec<Field>,
    involvement_fields: Vec<Field>,
    goal_fields: Vec<Field>,
    action_fields: Vec<Field>,
    /// Links to the record forms, by the section they belong to.
    team_links: Vec<(String, &'static str)>,
    sharing_links: Vec<(String, &'static str)>,
    involvement_links: Vec<(String, &'static str)>,
    timeline_links: Vec<(String, &'static str)>,
    /// The latest word on taking part, as a sentence.
    taking_part: String,
    /// Whether any agreement rests on consent (or a member's receipt is held): only then does
    /// the page speak of consent, so a public-task sharing is never called consent.
    consent_in_use: bool,
}

/// The forms a family's page holds, as sent back after a problem (or empty).
#[derive(Clone, Default)]
pub(crate) struct FamilyForms {
    person: PersonForm,
    involvement: InvolvementForm,
    goal: GoalForm,
    action: ActionForm,
}

/// A need's label in the partnership's taxonomy (its key when it is no longer there).
fn need_label(needs: &[NeedView], key: &str) -> String {
    needs
        .iter()
        .find(|n| n.key == key)
        .map_or_else(|| key.to_owned(), |n| n.label.clone())
}

fn involvement_rows(v: &FamilyView, needs: &[NeedView]) -> Vec<InvolvementRow> {
    v.involvements
        .iter()
        .map(|i| InvolvementRow {
            who: v.name_of(Some(i.person_id)),
            agency: i.agency_name.clone(),
            service: i.service.clone(),
            need: need_label(needs, &i.need),
            class: i.class.label(),
            lead_worker: i.lead_worker.clone(),
            started_on: i.started_on.clone(),
            ended_on: i.ended_on.clone().unwrap_or_default(),
            unit_cost: match &i.unit_cost_code {
                Some(code) => format!("{} {} ({code})", i.unit_cost, i.unit.to_lowercase()),
                None => "Not priced".to_owned(),
            },
            units: units_text(i.units_per_year_hundredths),
            annual: i.annual_cost().to_string(),
        })
        .collect()
}

pub(crate) async fn family_page(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    purpose: &str,
    status: StatusCode,
    forms: FamilyForms,
    errors: Vec<FieldError>,
) -> PageResult {
    let v = state
        .service
        .family_view(&s.actor, id, purpose, AuditAction::FamilyRead)
        .await?;
    let taxonomy = state.service.needs().await?;
    let (needs, jigsaw) = v.jigsaw(&taxonomy);
    let rows = involvement_rows(&v, &taxonomy);
    let events = v
        .events
        .iter()
        .map(|e| {
            (
                e.day.clone(),
                v.name_of(e.person_id),
                e.agency_name.clone(),
                e.summary.clone(),
            )
        })
        .collect();
    let costs = v
        .cost_by_agency
        .iter()
        .map(|(a, m)| (a.clone(), m.to_string()))
        .collect();
    let members: Vec<(String, String)> = v
        .members
        .iter()
        .map(|m| {
            (
                m.person.id.to_string(),
                format!("{} {}", m.person.given_name, m.person.family_name),
            )
        })
        .collect();
    let agencies: Vec<(String, String)> = s
        .user
        .agencies
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    let consent_in_use =
        !v.consents.is_empty() || !state.service.consent_agreements(&s.actor).await?.is_empty();
    let consent_kinds: &[Kind] = if consent_in_use {
        &[Kind::Consent, Kind::WithdrawConsent]
    } else {
        &[]
    };
    let page = FamilyPage {
        layout: layout(state, s, "families").with_errors(errors),
        purposes: PURPOSES
            .iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
            .collect(),
        needs,
        jigsaw,
        rows,
        events,
        costs,
        total: v.total_cost.to_string(),
        can_change: state
            .service
            .may(&s.actor, DataClass::CaseRecords, Access::Change),
        privacy_officer: state
            .service
            .may(&s.actor, DataClass::PrivacyAlerts, Access::Read),
        linkage: state
            .service
            .may(&s.actor, DataClass::Linkage, Access::Read),
        legal_hold: state.service.on_legal_hold(&s.actor, id).await?,
        member_fields: person_fields(&forms.person),
        action_fields: action_fields(&forms.action, &v),
        goal_fields: goal_fields(&forms.goal, agencies.clone()),
        involvement_fields: involvement_fields(&forms.involvement, members, agencies, &taxonomy),
        team_links: links(id, &[Kind::Handover, Kind::Move]),
        sharing_links: links(
            id,
            &[&[Kind::Participation], consent_kinds, &[Kind::Refusal]].concat(),
        ),
        consent_in_use,
        involvement_links: links(id, &[Kind::EndInvolvement]),
        timeline_links: links(id, &[Kind::Event]),
        taking_part: taking_part(&v),
        v,
    };
    Ok((status, render(&page)?).into_response())
}

/// The family's latest word on taking part, as the page says it.
fn taking_part(v: &FamilyView) -> String {
    match v.participation.last() {
        None => "Not recorded yet".to_owned(),
        Some(p) if p.agreed => format!("Agreed on {} ({})", p.day, p.how),
        Some(p) => format!("Declined or stopped on {} ({})", p.day, p.how),
    }
}

fn goal_fields(f: &GoalForm, agencies: Vec<(String, String)>) -> Vec<Field> {
    let area = |name, label, hint: &str, value: &str| Field {
        rows: 3,
        ..Field::text(name, label, hint, value)
    };
    let mut fields = vec![
        area(
            "goal",
            "The goal, in the family's own words",
            "Such as 'Kyle goes to school every day'",
            &f.goal,
        ),
        area(
            "worries",
            "What we are worried about (optional)",
            "",
            &f.worries,
        ),
        area(
            "strengths",
            "What is going well (optional)",
            "",
            &f.strengths,
        ),
        area(
            "next_steps",
            "What needs to happen next (optional)",
            "",
            &f.next_steps,
        ),
        Field::text(
            "score",
            "Where the family puts it now, 0 to 10",
            "0 is nowhere near, 10 is achieved",
            &f.score,
        )
        .narrow(),
        Field::text(
            "review_on",
            "Review day",
            "As year-month-day, such as 2027-03-01",
            &f.review_on,
        )
        .narrow(),
    ];
    if agencies.len() > 1 {
        fields.push(Field::select(
            "agency_id",
            "Owner agency",
            std::iter::once((String::new(), "Select".to_owned()))
                .chain(agencies)
                .collect(),
            &f.agency_id,
        ));
    }
    fields
}

fn action_fields(f: &ActionForm, v: &FamilyView) -> Vec<Field> {
    vec![
        Field::select(
            "goal_id",
            "Goal",
            std::iter::once((String::new(), "Select".to_owned()))
                .chain(v.plan.iter().map(|g| (g.id.to_string(), g.goal.clone())))
                .collect(),
            &f.goal_id,
        ),
        Field::text(
            "action",
            "Action (optional)",
            "What is to be done",
            &f.action,
        ),
        Field::text("owner", "Who does it", "A name or a role", &f.owner),
        Field::text(
            "due_on",
            "Due by",
            "As year-month-day, such as 2027-01-15",
            &f.due_on,
        )
        .narrow(),
        Field::text(
            "score",
            "Where the family puts the goal now (optional)",
            "0 to 10: a review of the goal. Leave empty to add an action only",
            &f.score,
        )
        .narrow(),
        Field {
            rows: 2,
            ..Field::text(
                "note",
                "What was said at the review (optional)",
                "",
                &f.note,
            )
        },
        Field::text(
            "next_review_on",
            "Next review day (optional)",
            "As year-month-day; leave empty to keep the day set",
            &f.next_review_on,
        )
        .narrow(),
    ]
}

fn person_fields(f: &PersonForm) -> Vec<Field> {
    vec![
        Field::text("given_name", "Given name", "", &f.given_name),
        Field::text("family_name", "Family name", "", &f.family_name),
        Field::text(
            "relationship",
            "How they belong to the household",
            "Such as 'mother', 'son' or 'partner'",
            &f.relationship,
        ),
        Field::text(
            "date_of_birth",
            "Date of birth (optional)",
            "As year-month-day, such as 2011-09-14",
            &f.date_of_birth,
        )
        .narrow(),
        Field::text(
            "nhs_number",
            "NHS number (optional)",
            "10 digits, such as 943 476 5919",
            &f.nhs_number,
        )
        .narrow(),
        Field::text(
            "ni_number",
            "National Insurance number (optional)",
            "Such as AB 12 34 56 C",
            &f.ni_number,
        )
        .narrow(),
    ]
}

fn involvement_fields(
    f: &InvolvementForm,
    members: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    needs: &[NeedView],
) -> Vec<Field> {
    let vocab = |terms: &[(&str, &str)]| {
        std::iter::once((String::new(), "Select".to_owned()))
            .chain(
                terms
                    .iter()
                    .map(|(k, l)| ((*k).to_owned(), (*l).to_owned())),
            )
            .collect::<Vec<_>>()
    };
    let mut fields = vec![Field::select(
        "person_id",
        "Family member",
        std::iter::once((String::new(), "Select".to_owned()))
            .chain(members)
            .collect(),
        &f.person_id,
    )];
    if agencies.len() > 1 {
        fields.push(Field::select(
            "agency_id",
            "Your agency",
            std::iter::once((String::new(), "Select".to_owned()))
                .chain(agencies)
                .collect(),
            &f.agency_id,
        ));
    }
    fields.extend([
        Field::text(
            "service",
            "Service",
            "Such as 'Early help family support'",
            &f.service,
        ),
        Field::text("lead_worker", "Lead worker (optional)", "", &f.lead_worker),
        Field::select(
            "need",
            "Presenting need",
            options("Select", needs.iter().map(|n| (&n.key, n.label.clone()))),
            &f.need,
        ),
        Field::select(
            "class",
            "Class of data the record is",
            vocab(DATA_CLASSES),
            &f.class,
        ),
        Field::text(
            "started_on",
            "First day",
            "As year-month-day, such as 2026-01-05",
            &f.started_on,
        )
        .narrow(),
        Field::text(
            "ended_on",
            "Last day (optional)",
            "Leave empty while it goes on",
            &f.ended_on,
        )
        .narrow(),
        Field::text(
            "unit_cost_code",
            "Unit cost code (optional)",
            "The code of a unit cost in the library, such as SS18.2 (social worker, per hour)",
            &f.unit_cost_code,
        )
        .narrow(),
        Field::text(
            "units_per_year",
            "Units a year",
            "Such as 52 for weekly, or 1.5",
            &f.units_per_year,
        )
        .narrow(),
    ]);
    fields
}

pub async fn family(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PurposeQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    family_page(
        &state,
        &s,
        id,
        &q.purpose,
        StatusCode::OK,
        FamilyForms::default(),
        Vec::new(),
    )
    .await
}

/// The end of every form posted on a family's page: back to the page (at `anchor`) when saved,
/// or the page again with the form as sent and its problems.
async fn family_form_saved<T>(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    result: wholeplace_service::ServiceResult<T>,
    anchor: &str,
    forms: FamilyForms,
) -> PageResult {
    saved(
        result,
        |_| format!("/families/{id}{anchor}"),
        |status, errors| family_page(state, s, id, "", status, forms, errors),
    )
    .await
}

pub async fn add_member(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: PersonForm = form.typed()?;
    let result = state.service.add_family_member(&s.actor, id, &f).await;
    let forms = FamilyForms {
        person: f,
        ..FamilyForms::default()
    };
    family_form_saved(&state, &s, id, result, "", forms).await
}

pub async fn add_involvement(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: InvolvementForm = form.typed()?;
    let result = state.service.add_involvement(&s.actor, id, &f).await;
    let forms = FamilyForms {
        involvement: f,
        ..FamilyForms::default()
    };
    family_form_saved(&state, &s, id, result, "", forms).await
}

pub async fn add_goal(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: GoalForm = form.typed()?;
    let result = state.service.add_goal(&s.actor, id, &f).await;
    let forms = FamilyForms {
        goal: f,
        ..FamilyForms::default()
    };
    family_form_saved(&state, &s, id, result, "#plan", forms).await
}

pub async fn update_plan(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: ActionForm = form.typed()?;
    let result = state.service.update_plan(&s.actor, id, &f).await;
    let forms = FamilyForms {
        action: f,
        ..FamilyForms::default()
    };
    family_form_saved(&state, &s, id, result, "#plan", forms).await
}

/// One person's subject access pack, as JSON (the privacy officer; an audited read of its own).
pub async fn subject_access(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id: wholeplace_domain::PersonId = parse_id(&id)?;
    let pack = state.service.subject_access(&s.actor, id).await?;
    let body = serde_json::to_vec_pretty(&pack)
        .map_err(|e| wholeplace_service::ServiceError::Internal(e.to_string()))?;
    Ok(download(
        body,
        "application/json",
        &format!("subject-access-person-{id}.json"),
    ))
}

/// The family as the reader may see it, read for a download (one audited read).
async fn exported(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    q: &PurposeQuery,
) -> Result<FamilyView, crate::error::WebError> {
    let id: HouseholdId = parse_id(id)?;
    Ok(state
        .service
        .family_view(&s.actor, id, &q.purpose, AuditAction::FamilyExport)
        .await?)
}

/// The involvements the reader may see, as CSV (an audited read of its own).
pub async fn involvements_csv(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PurposeQuery>,
) -> PageResult {
    let v = exported(&state, &s, &id, &q).await?;
    let body = wholeplace_tabular::write_csv(&v.involvements_table()).into_bytes();
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        &format!("family-{}-involvements.csv", v.household.id),
    ))
}

/// Everything about the family the reader may see, as one workbook: members, involvements with
/// their annual cost, events and the plan (an audited read of its own).
pub async fn family_xlsx(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PurposeQuery>,
) -> PageResult {
    let v = exported(&state, &s, &id, &q).await?;
    Ok(download(
        v.workbook()?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("family-{}.xlsx", v.household.id),
    ))
}

fn break_glass_form(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    f: &BreakGlassForm,
    errors: Vec<FieldError>,
) -> FormPage {
    FormPage {
        layout: layout(state, s, "families").with_errors(errors),
        heading: "Ask for emergency access".into(),
        intro: vec![
            "Use this only when a child or adult is at risk and you need this family's records now, beyond what the information-sharing agreements let you see.".into(),
            "Give your reason. You will see every record about the family for 24 hours. Your access and your reason are recorded in the audit log and sent to the privacy officer, who reviews it.".into(),
        ],
        back: (format!("/families/{id}"), "Back to the family".into()),
        action: format!("/families/{id}/break-glass"),
        fields: vec![Field {
            rows: 4,
            ..Field::text(
                "reason",
                "Your reason",
                "Who is at risk, and why you need these records now (at least 20 characters)",
                &f.reason,
            )
        }],
        submit: "Open the records for 24 hours",
        upload: None,
    }
}

pub async fn new_break_glass(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = begin_on(&state, &s, AuditAction::FamilyBreakGlass, &id).await?;
    let page = break_glass_form(&state, &s, id, &BreakGlassForm::default(), Vec::new());
    Ok(render(&page)?.into_response())
}

pub async fn break_glass(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f: BreakGlassForm = form.typed()?;
    saved(
        state.service.break_glass(&s.actor, id, &f).await,
        |_| format!("/families/{id}"),
        |status, errors| async move {
            let page = break_glass_form(&state, &s, id, &f, errors);
            Ok((status, render(&page)?).into_response())
        },
    )
    .await
}
