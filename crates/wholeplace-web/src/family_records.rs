//! The forms that keep a family's record beyond involvements and the plan, one page each at
//! `/families/{id}/records/{kind}`: the family's agreement to take part, a consent receipt and its
//! withdrawal, a decision not to share, a handover of the lead practitioner, a move, the end of an
//! involvement, and an event on the timeline. One pair of handlers serves every kind: the kind
//! names its heading, its fields and its use case; the service decides and audits.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{WebError, render};
use crate::fields::{Field, FormPage};
use crate::form::{CsrfForm, FormFields};
use crate::page::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_domain::HouseholdId;
use wholeplace_domain::sharing::{DATA_CLASSES, PURPOSES};
use wholeplace_service::{
    AuditAction, ConsentForm, EndInvolvementForm, EventForm, FamilyView, FieldError, HandoverForm,
    MoveForm, ParticipationForm, RefusalForm, ServiceResult, WithdrawConsentForm,
};

/// A kind of record kept on a family's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Participation,
    Consent,
    WithdrawConsent,
    Refusal,
    Handover,
    Move,
    EndInvolvement,
    Event,
}

impl Kind {
    /// Every kind, in the order the family page offers them.
    pub(crate) const ALL: [Kind; 8] = [
        Kind::Event,
        Kind::EndInvolvement,
        Kind::Participation,
        Kind::Consent,
        Kind::WithdrawConsent,
        Kind::Refusal,
        Kind::Handover,
        Kind::Move,
    ];

    /// The path segment.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Kind::Participation => "participation",
            Kind::Consent => "consent",
            Kind::WithdrawConsent => "withdraw-consent",
            Kind::Refusal => "decision-not-to-share",
            Kind::Handover => "handover",
            Kind::Move => "move",
            Kind::EndInvolvement => "end-involvement",
            Kind::Event => "event",
        }
    }

    /// The link text on the family page and the form's heading.
    pub(crate) fn heading(self) -> &'static str {
        match self {
            Kind::Participation => "Record the family's agreement to take part",
            Kind::Consent => "Record a consent",
            Kind::WithdrawConsent => "Record that consent was withdrawn",
            Kind::Refusal => "Record a decision not to share",
            Kind::Handover => "Hand over the lead",
            Kind::Move => "Record a move",
            Kind::EndInvolvement => "End your agency's involvement",
            Kind::Event => "Add an event to the timeline",
        }
    }

    fn parse(slug: &str) -> Result<Kind, WebError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.slug() == slug)
            .ok_or(WebError::NotFound)
    }

    fn action(self) -> AuditAction {
        match self {
            Kind::Participation => AuditAction::FamilyParticipation,
            Kind::Consent => AuditAction::ConsentRecord,
            Kind::WithdrawConsent => AuditAction::ConsentWithdraw,
            Kind::Refusal => AuditAction::SharingRefusal,
            Kind::Handover => AuditAction::FamilyHandover,
            Kind::Move => AuditAction::FamilyMove,
            Kind::EndInvolvement => AuditAction::InvolvementEnd,
            Kind::Event => AuditAction::FamilyEvent,
        }
    }

    /// Where on the family page the saved record shows.
    fn anchor(self) -> &'static str {
        match self {
            Kind::Event => "#timeline",
            Kind::EndInvolvement => "#involvements",
            Kind::Participation | Kind::Consent | Kind::WithdrawConsent | Kind::Refusal => {
                "#sharing"
            }
            Kind::Handover | Kind::Move => "#team",
        }
    }

    fn intro(self) -> Vec<String> {
        let lines: &[&str] = match self {
            Kind::Participation => &[
                "Whether the family agreed to work with the team around them, and how they told you. Record it again if they change their mind.",
                "This is not the lawful basis for sharing their records between agencies: that is set by the information-sharing agreements, and most rest on public task, not consent.",
            ],
            Kind::Consent => &[
                "A consent receipt, only for an agreement whose lawful basis is consent (Article 6(1)(a)): who consented, to which agreement and purposes, when and how.",
                "While the receipt stands, that agreement covers the person's records; once it is withdrawn, it no longer does.",
            ],
            Kind::WithdrawConsent => &[
                "From the day consent is withdrawn, the agreement that rests on it no longer lets other agencies see the person's records.",
            ],
            Kind::Refusal => &[
                "Record your agency's decision not to share a class of data about this family with an agency that asked for it, and why, so the decision can be reviewed.",
            ],
            Kind::Handover => &[
                "The new lead practitioner becomes the family's single point of contact. The handover is kept on the family's record.",
            ],
            Kind::Move => &["The family's old address is kept as a former address."],
            Kind::EndInvolvement => &[
                "An ended involvement stays on the family's record with its last day; it no longer counts in what the family costs today.",
            ],
            Kind::Event => &[
                "A visit, meeting or incident your agency records. Say what happened in a few words: the timeline is read by the agencies that share this family's records.",
            ],
        };
        lines.iter().map(|l| (*l).to_owned()).collect()
    }

    fn submit(self) -> &'static str {
        match self {
            Kind::Handover => "Hand over",
            Kind::EndInvolvement => "End the involvement",
            Kind::Event => "Add the event",
            _ => "Save",
        }
    }
}

/// The links to the kinds' forms for one section of a family's page (href, text).
pub(crate) fn links(id: HouseholdId, kinds: &[Kind]) -> Vec<(String, &'static str)> {
    kinds
        .iter()
        .map(|k| (format!("/families/{id}/records/{}", k.slug()), k.heading()))
        .collect()
}

const TODAY_HINT: &str = "As year-month-day, such as 2026-11-30. Leave empty for today";

/// What the form pages choose from.
struct Choices {
    members: Vec<(String, String)>,
    own_agencies: Vec<(String, String)>,
    view: Option<FamilyView>,
}

fn vocab(terms: &[(&str, &str)]) -> Vec<(String, String)> {
    options("Select", terms.iter().map(|(k, l)| (*k, (*l).to_owned())))
}

fn area(name: &'static str, label: &'static str, hint: &str, value: &str) -> Field {
    Field {
        rows: 3,
        ..Field::text(name, label, hint, value)
    }
}

/// A day field, empty meaning today.
fn day_field(f: &FormFields, name: &'static str, label: &'static str) -> Field {
    Field::text(name, label, TODAY_HINT, f.get(name)).narrow()
}

/// The consent receipt's fields: who, which agreement resting on consent, the purposes, when, how.
async fn consent_fields(
    state: &AppState,
    s: &SignedIn,
    f: &FormFields,
    c: &Choices,
) -> Result<Vec<Field>, WebError> {
    let agreements = state.service.consent_agreements(&s.actor).await?;
    Ok(vec![
        Field::select(
            "person_id",
            "Who consented",
            options("Select", c.members.clone()),
            f.get("person_id"),
        ),
        Field {
            hint: if agreements.is_empty() {
                "No agreement in the register rests on consent, so no receipt is needed.".into()
            } else {
                String::new()
            },
            ..Field::select(
                "agreement_id",
                "The agreement (lawful basis: consent)",
                options(
                    "Select",
                    agreements.iter().map(|(id, t, _)| (*id, t.clone())),
                ),
                f.get("agreement_id"),
            )
        },
        Field::checkboxes(
            "purposes",
            "What they consented to",
            "Only purposes the agreement covers",
            PURPOSES
                .iter()
                .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
                .collect(),
            &f.all("purposes")
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ),
        day_field(f, "given_on", "The day consent was given"),
        area(
            "how",
            "How consent was given",
            "Such as 'signed form at the family hub'",
            f.get("how"),
        ),
    ])
}

/// The withdrawal's fields: which open consent, when, how.
fn withdraw_fields(f: &FormFields, c: &Choices) -> Vec<Field> {
    let open = c.view.iter().flat_map(|v| {
        v.consents
            .iter()
            .filter(|x| x.withdrawn_on.is_none())
            .map(|x| {
                (
                    x.id,
                    format!(
                        "{}: {} (given {})",
                        v.name_of(Some(x.person_id)),
                        x.agreement_title,
                        x.given_on
                    ),
                )
            })
    });
    vec![
        Field::select(
            "consent_id",
            "The consent withdrawn",
            options("Select", open),
            f.get("consent_id"),
        ),
        day_field(f, "day", "The day it was withdrawn"),
        area(
            "how",
            "How it was withdrawn",
            "Such as 'by phone to the lead practitioner'",
            f.get("how"),
        ),
    ]
}

/// The kind's fields, holding the values sent (`f`), with what they choose from.
async fn fields(
    state: &AppState,
    s: &SignedIn,
    kind: Kind,
    f: &FormFields,
    c: &Choices,
) -> Result<Vec<Field>, WebError> {
    let day = |name, label| day_field(f, name, label);
    let mut out = Vec::new();
    if matches!(kind, Kind::Refusal | Kind::Event) && c.own_agencies.len() > 1 {
        out.push(Field::select(
            "agency_id",
            "Your agency",
            options("Select", c.own_agencies.clone()),
            f.get("agency_id"),
        ));
    }
    match kind {
        Kind::Participation => out.extend([
            Field::select(
                "agreed",
                "The family's decision",
                vec![
                    (String::new(), "Select".into()),
                    ("yes".into(), "They agreed to take part".into()),
                    (
                        "no".into(),
                        "They declined, or no longer wish to take part".into(),
                    ),
                ],
                f.get("agreed"),
            ),
            day("day", "The day they told you"),
            area(
                "how",
                "How they told you",
                "Such as 'at a home visit with the lead practitioner'",
                f.get("how"),
            ),
        ]),
        Kind::Consent => out.extend(consent_fields(state, s, f, c).await?),
        Kind::WithdrawConsent => out.extend(withdraw_fields(f, c)),
        Kind::Refusal => {
            let agencies = state.service.list_agencies(&s.actor).await?;
            out.extend([
                Field::select(
                    "requester_id",
                    "The agency that asked",
                    options("Select", agencies.into_iter().map(|a| (a.id, a.name))),
                    f.get("requester_id"),
                ),
                Field::select(
                    "class",
                    "The data asked for",
                    vocab(DATA_CLASSES),
                    f.get("class"),
                ),
                area(
                    "reason",
                    "Why it is not shared",
                    "Such as 'not needed for the plan; the school will share attendance only'",
                    f.get("reason"),
                ),
                day("day", "The day of the decision"),
            ]);
        }
        Kind::Handover => {
            let candidates = state.service.lead_candidates(&s.actor).await?;
            out.extend([
                Field::select(
                    "to_user_id",
                    "The new lead practitioner",
                    options("Select", candidates.into_iter().map(|x| (x.id, x.label))),
                    f.get("to_user_id"),
                ),
                area(
                    "note",
                    "What they need to know (optional)",
                    "Keep to what the handover needs",
                    f.get("note"),
                ),
            ]);
        }
        Kind::Move => out.extend([
            area("address", "The new address", "", f.get("address")),
            day("day", "The day they moved"),
        ]),
        Kind::EndInvolvement => {
            let readers: Vec<_> = s.user.agencies.iter().map(|a| a.id).collect();
            let open = c.view.iter().flat_map(|v| {
                v.involvements
                    .iter()
                    .filter(|i| i.ended_on.is_none() && readers.contains(&i.agency_id))
                    .map(|i| {
                        (
                            i.id,
                            format!(
                                "{}: {} (since {})",
                                v.name_of(Some(i.person_id)),
                                i.service,
                                i.started_on
                            ),
                        )
                    })
            });
            out.extend([
                Field::select(
                    "involvement_id",
                    "The involvement",
                    options("Select", open),
                    f.get("involvement_id"),
                ),
                day("ended_on", "Its last day"),
            ]);
        }
        Kind::Event => out.extend([
            Field::select(
                "person_id",
                "Who it concerns",
                options("The whole family", c.members.clone()),
                f.get("person_id"),
            ),
            day("day", "The day"),
            area(
                "summary",
                "What happened",
                "Such as 'Home visit: school attendance discussed'",
                f.get("summary"),
            ),
            Field::select(
                "class",
                "The class of data it is",
                vocab(DATA_CLASSES),
                f.get("class"),
            ),
        ]),
    }
    Ok(out)
}

/// What the kind's form chooses from: the family as the reader may see it (an audited read)
/// when the form names its members or records.
async fn choices(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    kind: Kind,
) -> Result<Choices, WebError> {
    let needs_family = matches!(
        kind,
        Kind::Consent | Kind::WithdrawConsent | Kind::EndInvolvement | Kind::Event
    );
    let view = if needs_family {
        Some(
            state
                .service
                .family_view(&s.actor, id, "", AuditAction::FamilyRead)
                .await?,
        )
    } else {
        None
    };
    let members = view
        .iter()
        .flat_map(|v| {
            v.members.iter().map(|m| {
                (
                    m.person.id.to_string(),
                    format!("{} {}", m.person.given_name, m.person.family_name),
                )
            })
        })
        .collect();
    Ok(Choices {
        members,
        own_agencies: s
            .user
            .agencies
            .iter()
            .map(|a| (a.id.to_string(), a.name.clone()))
            .collect(),
        view,
    })
}

async fn form_page(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    kind: Kind,
    f: &FormFields,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> PageResult {
    let c = choices(state, s, id, kind).await?;
    let page = FormPage {
        layout: layout(state, s, "families").with_errors(errors),
        heading: kind.heading().into(),
        intro: kind.intro(),
        back: (format!("/families/{id}"), "Back to the family".into()),
        action: format!("/families/{id}/records/{}", kind.slug()),
        fields: fields(state, s, kind, f, &c).await?,
        submit: kind.submit(),
        upload: None,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn record_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, kind)): Path<(String, String)>,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let id = begin_on(&state, &s, kind.action(), &id).await?;
    form_page(
        &state,
        &s,
        id,
        kind,
        &FormFields::default(),
        StatusCode::OK,
        Vec::new(),
    )
    .await
}

/// Runs the kind's use case on the form sent.
async fn record(
    state: &AppState,
    s: &SignedIn,
    id: HouseholdId,
    kind: Kind,
    form: &FormFields,
) -> Result<ServiceResult<()>, WebError> {
    let svc = &state.service;
    let a = &s.actor;
    Ok(match kind {
        Kind::Participation => {
            svc.record_participation(a, id, &form.typed::<ParticipationForm>()?)
                .await
        }
        Kind::Consent => {
            let f = ConsentForm {
                purposes: form
                    .all("purposes")
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                ..form.typed()?
            };
            svc.record_consent(a, id, &f).await.map(|_| ())
        }
        Kind::WithdrawConsent => {
            svc.withdraw_consent(a, id, &form.typed::<WithdrawConsentForm>()?)
                .await
        }
        Kind::Refusal => {
            svc.record_refusal(a, id, &form.typed::<RefusalForm>()?)
                .await
        }
        Kind::Handover => svc.hand_over(a, id, &form.typed::<HandoverForm>()?).await,
        Kind::Move => svc.move_family(a, id, &form.typed::<MoveForm>()?).await,
        Kind::EndInvolvement => {
            svc.end_involvement(a, id, &form.typed::<EndInvolvementForm>()?)
                .await
        }
        Kind::Event => svc.add_event(a, id, &form.typed::<EventForm>()?).await,
    })
}

pub async fn save_record(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, kind)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let id: HouseholdId = parse_id(&id)?;
    let result = record(&state, &s, id, kind, &form).await?;
    saved(
        result,
        |_| format!("/families/{id}{}", kind.anchor()),
        |status, errors| form_page(&state, &s, id, kind, &form, status, errors),
    )
    .await
}
