//! The demonstration family: seed 003's Sherwood case study (a mother and four children, and
//! behind each problem a different agency), with invented names as in the seed, priced with the
//! shipped GMCA unit costs; two information-sharing agreements between the agencies the seed
//! names; and a practitioner account for Kent County Council and one for Kent Police, so the
//! scoping can be seen: each sees a different part of the same family.

use crate::demo::err;
use wholeplace_domain::{AgencyId, HouseholdId, PersonId, PlaceId};
use wholeplace_service::clock::day_of;
use wholeplace_service::{
    ActionForm, Actor, AgreementForm, GoalForm, HouseholdForm, InvolvementForm, NewUserForm,
    ParticipationForm, PersonForm, RefusalForm, Service,
};

/// A demonstration account: sign-in name, agency, one-time password.
pub type DemoAccount = (String, String, String);

/// The family's members: given name, date of birth, relationship.
const MEMBERS: [(&str, &str, &str, &str); 5] = [
    ("Dawn", "1991-03-02", "mother", "9434765919"),
    ("Kyle", "2011-09-14", "son", ""),
    ("Jade", "2013-05-30", "daughter", ""),
    ("Liam", "2017-01-21", "son", ""),
    ("Ruby", "2023-06-11", "daughter", ""),
];

/// The involvements: member, agency, service, need, class, unit-cost code, units a year.
const INVOLVEMENTS: [(&str, &str, &str, &str, &str, &str, &str); 10] = [
    (
        "Jade",
        "Kent County Council",
        "Children and Families: child in need",
        "child_protection",
        "social_care",
        "SS18.2",
        "104",
    ),
    (
        "Jade",
        "Kent County Council",
        "Child protection core assessment",
        "child_protection",
        "social_care",
        "SS4.0",
        "1",
    ),
    (
        "Kyle",
        "Kent County Council",
        "Attendance service",
        "school_attendance",
        "education",
        "E&S1.0",
        "1",
    ),
    (
        "Kyle",
        "Kent Police",
        "Anti-social behaviour: further action",
        "antisocial_behaviour",
        "police",
        "CR1.0",
        "4",
    ),
    (
        "Kyle",
        "Kent Police",
        "Arrest, detained",
        "offending",
        "police",
        "CR7.0",
        "1",
    ),
    (
        "Dawn",
        "Jobcentre Plus",
        "Jobseeker advice",
        "worklessness",
        "benefits",
        "E&E1.9",
        "12",
    ),
    (
        "Dawn",
        "Town and Country Housing",
        "Housing and rent arrears advice",
        "debt",
        "housing",
        "HO1.0.4",
        "6",
    ),
    (
        "Dawn",
        "Tunbridge Wells Borough Council",
        "Neighbourhood mediation",
        "antisocial_behaviour",
        "housing",
        "CR1.4",
        "3",
    ),
    (
        "Dawn",
        "National Health Service (West Kent)",
        "GP consultations",
        "mental_health",
        "health",
        "HE20.2",
        "10",
    ),
    (
        "Ruby",
        "National Health Service (West Kent)",
        "Health visitor",
        "physical_health",
        "health",
        "HE23.3",
        "12",
    ),
];

/// Adds the family, its agreements and the practitioners; gives the practitioners' accounts.
pub async fn load(
    service: &Service,
    op: &Actor,
    agencies: &[wholeplace_store::Agency],
    sherwood: PlaceId,
) -> anyhow::Result<Vec<DemoAccount>> {
    let agency = |name: &str| -> anyhow::Result<AgencyId> {
        agencies
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.id)
            .ok_or_else(|| anyhow::anyhow!("demo agency {name} missing"))
    };
    agreements(service, op, &agency).await?;
    let mut accounts = Vec::new();
    let mut kcc_worker = None;
    for (username, display, agency_name) in [
        (
            "kcc.worker",
            "Sam Okafor (Kent County Council)",
            "Kent County Council",
        ),
        (
            "police.officer",
            "PC Lee Grant (Kent Police)",
            "Kent Police",
        ),
    ] {
        let (user, password) = service
            .create_user(
                op,
                &NewUserForm {
                    username: username.into(),
                    display_name: display.into(),
                    role: "practitioner".into(),
                    agency_ids: vec![agency(agency_name)?],
                },
            )
            .await
            .map_err(err)?;
        if kcc_worker.is_none() {
            kcc_worker = Some(user.clone());
        }
        accounts.push((username.to_owned(), agency_name.to_owned(), password));
    }
    let lead = Actor::user(
        kcc_worker.ok_or_else(|| anyhow::anyhow!("no lead practitioner"))?,
        "demo",
        None,
    );
    let hid = family(service, &lead, op, &agency, sherwood).await?;
    plan(service, &lead, hid).await?;
    cohort(service, op, sherwood).await?;
    Ok(accounts)
}

/// A cohort in the Supporting Families style: families in Sherwood with at least three of six
/// needs, scored on both of Sherwood's drivers (a point per £1,000 a year of existing
/// interventions, and the partnership's weights of the needs).
async fn cohort(service: &Service, op: &Actor, sherwood: PlaceId) -> anyhow::Result<()> {
    let needs = [
        ("child_protection", "5"),
        ("antisocial_behaviour", "3"),
        ("school_attendance", "3"),
        ("worklessness", "2"),
        ("debt", "2"),
        ("mental_health", "3"),
    ];
    let form = wholeplace_service::cohorts::CohortForm {
        name: "Three or more needs in Sherwood".into(),
        description: "Supporting Families style: at least three of six needs, scored on the cost of existing interventions and the needs".into(),
        needs: needs.iter().map(|(n, _)| (*n).to_owned()).collect(),
        min_needs: "3".into(),
        agency_id: String::new(),
        place_id: sherwood.to_string(),
        cost_points_per_thousand: "1".into(),
        weights: needs
            .iter()
            .map(|(n, w)| ((*n).to_owned(), (*w).to_owned()))
            .collect(),
    };
    service.create_cohort(op, &form).await.map_err(err)?;
    Ok(())
}

/// The agreements: early help between the council, the borough, the housing association,
/// Jobcentre Plus and the NHS; health for safeguarding between the council and the NHS; record
/// linkage of identity data between the council and the borough (so a newcomer can try linking
/// their extracts at `/linking`; linkage opens no family's records). Kent Police is party to
/// none, so its officer sees only the force's own records.
async fn agreements(
    service: &Service,
    op: &Actor,
    agency: &dyn Fn(&str) -> anyhow::Result<AgencyId>,
) -> anyhow::Result<()> {
    let day = |days: i64| day_of(service.now() + days * 86_400);
    let ids = |names: &[&str]| -> anyhow::Result<Vec<String>> {
        names
            .iter()
            .map(|n| agency(n).map(|a| a.to_string()))
            .collect()
    };
    let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for f in [
        AgreementForm {
            title: "Sherwood early help information-sharing agreement".into(),
            parties: ids(&[
                "Kent County Council",
                "Tunbridge Wells Borough Council",
                "Town and Country Housing",
                "Jobcentre Plus",
                "National Health Service (West Kent)",
            ])?,
            classes: keys(&["identity", "social_care", "education", "housing", "benefits"]),
            purposes: keys(&["early_help", "safeguarding"]),
            basis: "public_task".into(),
            condition: "substantial_public_interest".into(),
            starts_on: day(-250),
            review_on: day(45),
            expires_on: day(480),
            signatories: "Director of Children's Services, KCC; Chief Executive, TWBC; Director of Housing, Town and Country Housing; District Manager, Jobcentre Plus; Caldicott Guardian, NHS West Kent".into(),
        },
        AgreementForm {
            title: "Sherwood health safeguarding information-sharing agreement".into(),
            parties: ids(&["Kent County Council", "National Health Service (West Kent)"])?,
            classes: keys(&["identity", "health"]),
            purposes: keys(&["safeguarding"]),
            basis: "public_task".into(),
            condition: "health_social_care".into(),
            starts_on: day(-250),
            review_on: day(200),
            expires_on: day(480),
            signatories: "Director of Children's Services, KCC; Caldicott Guardian, NHS West Kent".into(),
        },
        AgreementForm {
            title: "Sherwood record linkage agreement".into(),
            parties: ids(&["Kent County Council", "Tunbridge Wells Borough Council"])?,
            classes: keys(&["identity"]),
            purposes: keys(&["linkage"]),
            basis: "public_task".into(),
            condition: String::new(),
            starts_on: day(-250),
            review_on: day(200),
            expires_on: day(480),
            signatories: "Director of Children's Services, KCC; Chief Executive, TWBC".into(),
        },
    ] {
        service.create_agreement(op, &f).await.map_err(err)?;
    }
    Ok(())
}

/// The family, its members, the agencies' involvements and a few events.
async fn family(
    service: &Service,
    lead: &Actor,
    op: &Actor,
    agency: &dyn Fn(&str) -> anyhow::Result<AgencyId>,
    sherwood: PlaceId,
) -> anyhow::Result<HouseholdId> {
    let hid = service
        .create_family(
            lead,
            &HouseholdForm {
                name: "The Hill family".into(),
                place_id: sherwood.to_string(),
                address:
                    "Sherwood, Tunbridge Wells (an invented family, after seed 003's case study)"
                        .into(),
            },
        )
        .await
        .map_err(err)?;
    let mut people: Vec<(&str, PersonId)> = Vec::new();
    for (given, dob, relationship, nhs) in MEMBERS {
        let id = service
            .add_family_member(
                lead,
                hid,
                &PersonForm {
                    given_name: given.into(),
                    family_name: "Hill".into(),
                    date_of_birth: dob.into(),
                    nhs_number: nhs.into(),
                    ni_number: String::new(),
                    relationship: relationship.into(),
                },
            )
            .await
            .map_err(err)?;
        people.push((given, id));
    }
    let start = day_of(service.now() - 200 * 86_400);
    for (who, agency_name, service_name, need, class, code, units) in INVOLVEMENTS {
        let person = people
            .iter()
            .find(|(n, _)| *n == who)
            .map(|(_, id)| *id)
            .ok_or_else(|| anyhow::anyhow!("demo member {who} missing"))?;
        service
            .add_involvement_for_agency(
                op,
                hid,
                agency(agency_name)?,
                &InvolvementForm {
                    person_id: person.to_string(),
                    agency_id: String::new(),
                    service: service_name.into(),
                    lead_worker: String::new(),
                    need: need.into(),
                    class: class.into(),
                    started_on: start.clone(),
                    ended_on: String::new(),
                    unit_cost_code: code.into(),
                    units_per_year: units.into(),
                },
            )
            .await
            .map_err(err)?;
    }
    let events = [
        (
            Some("Kyle"),
            "Kent Police",
            -150,
            "Police called to a noise complaint at the address; Kyle warned",
            "police",
        ),
        (
            Some("Jade"),
            "Kent County Council",
            -120,
            "Home visit by the social worker",
            "social_care",
        ),
        (
            Some("Kyle"),
            "Kent County Council",
            -90,
            "School attendance meeting with Dawn",
            "education",
        ),
        (
            Some("Dawn"),
            "Town and Country Housing",
            -60,
            "Notice of seeking possession for rent arrears",
            "housing",
        ),
        (
            None,
            "Kent County Council",
            -30,
            "Team around the family meeting",
            "social_care",
        ),
    ];
    for (who, agency_name, days, summary, class) in events {
        let person_id = match who {
            Some(n) => people.iter().find(|(g, _)| *g == n).map(|(_, id)| *id),
            None => None,
        };
        service
            .add_event_for_agency(
                op,
                hid,
                &wholeplace_store::FamilyEvent {
                    person_id,
                    agency_id: agency(agency_name)?,
                    agency_name: String::new(),
                    day: day_of(service.now() + days * 86_400),
                    summary: summary.into(),
                    class: wholeplace_domain::DataClass::of(class),
                },
            )
            .await
            .map_err(err)?;
    }
    Ok(hid)
}

/// The family's one plan, agreed with the family: two goals in their words, each with an action.
async fn plan(service: &Service, lead: &Actor, hid: HouseholdId) -> anyhow::Result<()> {
    let day = |days: i64| day_of(service.now() + days * 86_400);
    for (goal, worries, strengths, next_steps, score, action, owner, due) in [
        (
            "Kyle goes to school every day",
            "Kyle missed 31 days last term and was arrested in the summer",
            "Kyle likes football and gets on with his form tutor",
            "Meet the school with Dawn and Kyle; a youth worker through the football club",
            "3",
            "Attendance meeting at school with Dawn and Kyle",
            "Attendance officer, Kent County Council",
            14,
        ),
        (
            "We keep our home",
            "Rent arrears of £1,900 and a notice of seeking possession",
            "Dawn has kept every appointment with the housing officer",
            "A repayment plan Dawn can afford; check benefits are right",
            "4",
            "Agree a repayment plan with Town and Country Housing",
            "Dawn, with the housing officer",
            21,
        ),
    ] {
        let id = service
            .add_goal(
                lead,
                hid,
                &GoalForm {
                    goal: goal.into(),
                    worries: worries.into(),
                    strengths: strengths.into(),
                    next_steps: next_steps.into(),
                    score: score.into(),
                    agency_id: String::new(),
                    review_on: day(60),
                },
            )
            .await
            .map_err(err)?;
        service
            .update_plan(
                lead,
                hid,
                &ActionForm {
                    goal_id: id.to_string(),
                    action: action.into(),
                    owner: owner.into(),
                    due_on: day(due),
                    ..ActionForm::default()
                },
            )
            .await
            .map_err(err)?;
        if score == "3" {
            // The first review: the family moved the goal on.
            service
                .update_plan(
                    lead,
                    hid,
                    &ActionForm {
                        goal_id: id.to_string(),
                        score: "4".into(),
                        note: "Kyle went to school every day last week".into(),
                        ..ActionForm::default()
                    },
                )
                .await
                .map_err(err)?;
        }
    }
    records(service, lead, hid).await
}

/// What the lead practitioner keeps beyond the plan: the family's agreement to take part (not
/// the lawful basis) and a decision not to share.
async fn records(service: &Service, lead: &Actor, hid: HouseholdId) -> anyhow::Result<()> {
    let day = |days: i64| day_of(service.now() + days * 86_400);
    service
        .record_participation(
            lead,
            hid,
            &ParticipationForm {
                agreed: "yes".into(),
                day: day(-100),
                how: "At a home visit with the lead practitioner; Dawn spoke for the family".into(),
            },
        )
        .await
        .map_err(err)?;
    let police = service
        .list_agencies(lead)
        .await
        .map_err(err)?
        .into_iter()
        .find(|a| a.name == "Kent Police")
        .ok_or_else(|| anyhow::anyhow!("the demo has no Kent Police"))?;
    service
        .record_refusal(
            lead,
            hid,
            &RefusalForm {
                requester_id: police.id.to_string(),
                class: "social_care".into(),
                reason: "The police asked for the children's social care records; the team around the family meeting shares what the police need, so the records are not sent".into(),
                day: day(-20),
                ..RefusalForm::default()
            },
        )
        .await
        .map_err(err)
}
