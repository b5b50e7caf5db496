//! In-process HTTP tests of what a family's record keeps beyond involvements, on SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) PostgreSQL: consent receipts open and
//! close an agreement that rests on consent, the family's agreement to take part is kept apart
//! from the lawful basis, decisions not to share, handovers, moves, ended involvements, events and
//! goal reviews, each refused with a located error when wrong and audited without personal words.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::StatusCode;
use common::{App, Browser};
use wholeplace_domain::{AgencyId, AgreementId, HouseholdId, PersonId};
use wholeplace_service::{
    Actor, AgreementForm, GoalForm, HouseholdForm, InvolvementForm, PersonForm,
};
use wholeplace_store::prelude::FamilyStore;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    an_agreement_that_rests_on_consent_follows_the_persons_consent,
    the_team_keeps_the_familys_record,
    a_review_of_a_goal_keeps_its_history,
    the_partnership_renames_a_need_and_adds_its_own,
    owners_are_warned_of_an_agreement_due_for_review_on_their_home_page,
);

struct World {
    app: App,
    admin: Browser,
    family: HouseholdId,
    ann: PersonId,
    by_consent: AgreementId,
    public_task: AgreementId,
    council: Browser,
    school: Browser,
    police: Browser,
}

async fn agreement(app: &App, title: &str, parties: [AgencyId; 2], basis: &str) -> AgreementId {
    app.service
        .create_agreement(
            &Actor::operator(),
            &AgreementForm {
                title: title.into(),
                parties: parties.iter().map(ToString::to_string).collect(),
                classes: vec!["identity".into(), "education".into()],
                purposes: vec!["early_help".into()],
                basis: basis.into(),
                starts_on: "2020-01-01".into(),
                review_on: "2090-01-01".into(),
                expires_on: "2099-12-31".into(),
                signatories: "Head teacher; Director".into(),
                ..Default::default()
            },
        )
        .await
        .expect("agreement")
}

/// Ann Oak, with the council's key work and the school's attendance record; an agreement between
/// the council and the school that rests on consent, and a public-task one between the council
/// and the police.
async fn world(db: TestDb) -> World {
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let s = &app.service;
    let council = s
        .create_agency(&op, "Kent County Council", "county_council")
        .await
        .expect("agency");
    let school = s
        .create_agency(&op, "Sherwood Primary", "school")
        .await
        .expect("agency");
    let police = s
        .create_agency(&op, "Kent Police", "police")
        .await
        .expect("agency");
    let family = s
        .create_family(
            &op,
            &HouseholdForm {
                name: "The Oak family".into(),
                address: "1 Old Road".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let ann = s
        .add_family_member(
            &op,
            family,
            &PersonForm {
                given_name: "Ann".into(),
                family_name: "Oak".into(),
                relationship: "mother".into(),
                ..Default::default()
            },
        )
        .await
        .expect("member");
    for (agency, service, class) in [
        (council, "Family key work", "social_care"),
        (school, "Attendance support", "education"),
    ] {
        s.add_involvement_for_agency(
            &op,
            family,
            agency,
            &InvolvementForm {
                person_id: ann.to_string(),
                service: service.into(),
                need: "parenting".into(),
                class: class.into(),
                started_on: "2026-01-05".into(),
                unit_cost_code: "SS18.2".into(),
                units_per_year: "12".into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
    }
    let by_consent = agreement(&app, "Attendance, by consent", [council, school], "consent").await;
    let public_task = agreement(&app, "Council and police", [council, police], "public_task").await;
    World {
        admin,
        family,
        ann,
        by_consent,
        public_task,
        council: app.practitioner("kcc.worker", council).await,
        school: app.practitioner("school.worker", school).await,
        police: app.practitioner("police.officer", police).await,
        app,
    }
}

impl World {
    async fn record(&self, who: &Browser, kind: &str, fields: &[(&str, &str)]) -> common::Resp {
        self.app
            .post_as(
                who,
                &format!("/families/{}/records/{kind}", self.family),
                fields,
            )
            .await
    }

    async fn page(&self, who: &Browser) -> String {
        let page = self
            .app
            .get_as(who, &format!("/families/{}", self.family))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.body
    }
}

async fn an_agreement_that_rests_on_consent_follows_the_persons_consent(db: TestDb) {
    let w = world(db).await;
    assert!(
        !w.page(&w.council).await.contains("Attendance support"),
        "without Ann's consent the school's record stays with the school"
    );
    let form = w
        .app
        .get_as(
            &w.council,
            &format!("/families/{}/records/consent", w.family),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Attendance, by consent") && !form.body.contains("Council and police")
    );

    // A public-task agreement needs no receipt: refused, with the reason, on the field.
    let (ann, consent, public) = (
        w.ann.to_string(),
        w.by_consent.to_string(),
        w.public_task.to_string(),
    );
    let refused = w
        .record(
            &w.council,
            "consent",
            &[
                ("person_id", &ann),
                ("agreement_id", &public),
                ("purposes", "early_help"),
                ("how", "Signed form"),
            ],
        )
        .await;
    assert!(
        refused.status == StatusCode::CONFLICT
            || refused.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.status
    );
    assert!(
        refused.body.contains("lawful basis is consent"),
        "{}",
        refused.body
    );
    let missing = w
        .record(
            &w.council,
            "consent",
            &[("person_id", &ann), ("agreement_id", &consent)],
        )
        .await;
    missing.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Tick each purpose the person consented to",
            "Say how consent was given",
        ],
    );

    let given = w
        .record(
            &w.council,
            "consent",
            &[
                ("person_id", &ann),
                ("agreement_id", &consent),
                ("purposes", "early_help"),
                ("given_on", "2026-02-01"),
                ("how", "Signed form at the family hub"),
            ],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    let page = w.page(&w.council).await;
    assert!(
        page.contains("Attendance support"),
        "consent given: the school's record is shared"
    );
    assert!(page.contains("Signed form at the family hub") && page.contains("Not withdrawn"));

    let f = w
        .app
        .store
        .get_family(w.family)
        .await
        .expect("read")
        .expect("family");
    let receipt = f.consents[0].id.to_string();
    let withdrawn = w
        .record(
            &w.council,
            "withdraw-consent",
            &[
                ("consent_id", &receipt),
                ("day", "2026-03-01"),
                ("how", "By phone"),
            ],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let page = w.page(&w.council).await;
    assert!(
        !page.contains("Attendance support"),
        "withdrawn: the flow stops"
    );
    assert!(
        page.contains("2026-03-01: By phone"),
        "the receipt keeps its withdrawal"
    );
    let again = w
        .record(
            &w.council,
            "withdraw-consent",
            &[("consent_id", &receipt), ("how", "Again")],
        )
        .await;
    assert!(
        again
            .body
            .contains("Select a consent that has not been withdrawn")
    );
    // The person's subject access pack holds the receipt and its withdrawal.
    let pack = w
        .app
        .get_as(&w.admin, &format!("/people/{}/subject-access.json", w.ann))
        .await;
    assert_eq!(pack.status, StatusCode::OK);
    let consents = &pack.json()["consents"];
    assert_eq!(consents[0]["how"], "Signed form at the family hub");
    assert_eq!(consents[0]["withdrawn_on"], "2026-03-01");
    let audit = w.app.audit().await;
    let consent_entries: Vec<_> = audit
        .iter()
        .filter(|e| e.event.action.starts_with("family.consent"))
        .collect();
    assert_eq!(
        consent_entries.len(),
        2,
        "one entry for the receipt, one for its withdrawal"
    );
    assert!(
        consent_entries
            .iter()
            .all(|e| !e.event.detail.contains("Ann") && !e.event.detail.contains("Signed"))
    );
}

async fn the_team_keeps_the_familys_record(db: TestDb) {
    let w = world(db).await;
    // Taking part is not the lawful basis, and the page says so.
    let said = w
        .record(
            &w.council,
            "participation",
            &[
                ("agreed", "yes"),
                ("day", "2026-02-01"),
                ("how", "At a home visit"),
            ],
        )
        .await;
    assert_eq!(said.status, StatusCode::SEE_OTHER, "{}", said.body);
    let page = w.page(&w.council).await;
    assert!(page.contains("Agreed on 2026-02-01 (At a home visit)"));
    assert!(page.contains("It is not the lawful basis for sharing their records"));
    let future = w
        .record(
            &w.council,
            "participation",
            &[("agreed", "no"), ("day", "2999-01-01"), ("how", "Letter")],
        )
        .await;
    future.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["The day cannot be in the future"],
    );

    // A decision not to share: seen by the agencies it concerns, not by others.
    let council_id = w.app.user_named("kcc.worker").await.agencies[0]
        .id
        .to_string();
    let refusal = w
        .record(
            &w.school,
            "decision-not-to-share",
            &[
                ("requester_id", &council_id),
                ("class", "education"),
                ("reason", "Attendance only; the plan needs no more"),
            ],
        )
        .await;
    assert_eq!(refusal.status, StatusCode::SEE_OTHER, "{}", refusal.body);
    assert!(
        w.page(&w.council)
            .await
            .contains("Attendance only; the plan needs no more")
    );

    // Handover, move, an event and the end of an involvement.
    let second = w
        .app
        .service
        .lead_candidates(&Actor::operator())
        .await
        .expect("candidates");
    let school_worker = second
        .iter()
        .find(|c| c.label.starts_with("school.worker"))
        .expect("the school's practitioner")
        .id
        .to_string();
    let handed = w
        .record(
            &w.council,
            "handover",
            &[("to_user_id", &school_worker), ("note", "Moving teams")],
        )
        .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.body);
    let moved = w
        .record(
            &w.council,
            "move",
            &[("address", "2 New Street"), ("day", "2026-04-01")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let event = w
        .record(
            &w.council,
            "event",
            &[
                ("day", "2026-04-02"),
                ("summary", "Home visit after the move"),
                ("class", "social_care"),
            ],
        )
        .await;
    assert_eq!(event.status, StatusCode::SEE_OTHER, "{}", event.body);
    let f = w
        .app
        .store
        .get_family(w.family)
        .await
        .expect("read")
        .expect("family");
    let (ours, theirs) = {
        let council = f
            .involvements
            .iter()
            .find(|i| i.service == "Family key work")
            .expect("council");
        let school = f
            .involvements
            .iter()
            .find(|i| i.service == "Attendance support")
            .expect("school");
        (council.id.to_string(), school.id.to_string())
    };
    let not_ours = w
        .record(
            &w.council,
            "end-involvement",
            &[("involvement_id", &theirs)],
        )
        .await;
    assert!(
        not_ours.body.contains("involvements that has not ended"),
        "another agency's involvement is not the reader's to end"
    );
    let early = w
        .record(
            &w.council,
            "end-involvement",
            &[("involvement_id", &ours), ("ended_on", "2025-01-01")],
        )
        .await;
    early.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["An involvement cannot end before it started"],
    );
    let ended = w
        .record(
            &w.council,
            "end-involvement",
            &[("involvement_id", &ours), ("ended_on", "2026-05-30")],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);

    let page = w.page(&w.council).await;
    for seen in [
        "school.worker person",
        "Moving teams",
        "1 Old Road",
        "until 2026-04-01",
        "2 New Street",
        "Home visit after the move",
        "2026-01-05 to 2026-05-30",
    ] {
        assert!(page.contains(seen), "{seen}");
    }

    // The API shows the same records and records an event by the page's rules.
    let token = w
        .app
        .post_as(&w.council, "/account/tokens", &[("token_name", "script")])
        .await;
    let token = common::mono(&token.body).expect("a token");
    let api = w
        .app
        .get_bearer(&format!("/api/v1/families/{}", w.family), Some(&token))
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let records = &api.json()["records"];
    assert_eq!(records["taking_part"][0]["agreed"], true);
    assert_eq!(records["former_addresses"][0]["address"], "1 Old Road");
    assert_eq!(records["handovers"][0]["note"], "Moving teams");
    assert!(
        records["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["summary"] == "Home visit after the move")
    );
    let events = format!("/api/v1/families/{}/events", w.family);
    let bad = w
        .app
        .api(
            axum::http::Method::POST,
            &events,
            &token,
            Some(r#"{"summary": "Call", "class_of_data": "gossip"}"#.into()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "class_of_data");
    let good = w
        .app
        .api(
            axum::http::Method::POST,
            &events,
            &token,
            Some(r#"{"summary": "Call about the move", "class_of_data": "social_care"}"#.into()),
        )
        .await;
    assert_eq!(good.status, StatusCode::NO_CONTENT, "{}", good.body);

    // Others: the police are not involved (refused), an unknown kind is not a page.
    let refused = w
        .record(&w.police, "move", &[("address", "3 Elsewhere")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = w
        .app
        .get_as(
            &w.council,
            &format!("/families/{}/records/nonsense", w.family),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let audit = w.app.audit().await;
    for action in [
        "family.participation",
        "family.refusal",
        "family.handover",
        "family.move",
        "involvement.end",
    ] {
        let e: Vec<_> = audit
            .iter()
            .filter(|e| e.event.action == action && e.event.allowed)
            .collect();
        assert_eq!(e.len(), 1, "{action}: one entry");
        assert!(
            !e[0].event.detail.contains("Oak") && !e[0].event.detail.contains("New Street"),
            "{action}: no personal words in {}",
            e[0].event.detail
        );
    }
}

async fn a_review_of_a_goal_keeps_its_history(db: TestDb) {
    let w = world(db).await;
    let council = w.app.user_named("kcc.worker").await;
    let actor = Actor {
        user: Some(council),
        ..Actor::operator()
    };
    let goal = w
        .app
        .service
        .add_goal(
            &actor,
            w.family,
            &GoalForm {
                goal: "Ann sleeps through the night".into(),
                score: "2".into(),
                review_on: "2099-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .expect("goal")
        .to_string();
    let path = format!("/families/{}/plan", w.family);
    for (score, note) in [
        ("4", "Better since the new routine"),
        ("6", "Most nights now"),
    ] {
        let r = w
            .app
            .post_as(
                &w.council,
                &path,
                &[
                    ("goal_id", &goal),
                    ("score", score),
                    ("note", note),
                    ("next_review_on", "2099-06-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = w.page(&w.council).await;
    assert!(page.contains("6 out of 10") && page.contains("review 2099-06-01"));
    assert!(
        page.contains("4 out of 10, Better since the new routine")
            && page.contains("6 out of 10, Most nights now"),
        "both reviews are kept"
    );
    let past = w
        .app
        .post_as(
            &w.council,
            &path,
            &[
                ("goal_id", &goal),
                ("score", "7"),
                ("next_review_on", "2000-01-01"),
            ],
        )
        .await;
    past.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["The next review day must be today or later"],
    );
}

async fn the_partnership_renames_a_need_and_adds_its_own(db: TestDb) {
    let w = world(db).await;
    for (key, label) in [("parenting", "Parenting support"), ("", "Food poverty")] {
        let r = w
            .app
            .post_as(&w.admin, "/needs", &[("key", key), ("label", label)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let again = w
        .app
        .post_as(
            &w.admin,
            "/needs",
            &[("key", ""), ("label", "Food poverty")],
        )
        .await;
    again.assert_error_summary(
        StatusCode::CONFLICT,
        &["There is already a need of that name: rename it instead"],
    );
    let listed = w.app.get_as(&w.council, "/needs").await;
    assert!(
        listed.body.contains("Parenting support")
            && listed.body.contains("Parenting and family relationships")
            && listed.body.contains(", renamed"),
        "the shipped wording is kept beside the partnership's"
    );
    assert!(listed.body.contains("Added by the partnership"));

    // The council's practitioner records an involvement against the new need.
    let ann = w.ann.to_string();
    let r = w
        .app
        .post_as(
            &w.council,
            &format!("/families/{}/involvements", w.family),
            &[
                ("person_id", ann.as_str()),
                ("service", "Food bank referral"),
                ("need", "food_poverty"),
                ("class", "social_care"),
                ("started_on", "2026-02-01"),
                ("unit_cost_code", "SS18.2"),
                ("units_per_year", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = w.page(&w.council).await;
    assert!(
        page.contains(">Food poverty</th>"),
        "the jigsaw has the new need's column"
    );
    assert!(
        page.contains(">Parenting support</th>"),
        "and the shipped need in the partnership's words"
    );
    let unknown = w
        .app
        .post_as(
            &w.council,
            &format!("/families/{}/involvements", w.family),
            &[
                ("person_id", ann.as_str()),
                ("service", "Something"),
                ("need", "not_a_need"),
                ("class", "social_care"),
                ("started_on", "2026-02-01"),
                ("unit_cost_code", "SS18.2"),
                ("units_per_year", "2"),
            ],
        )
        .await;
    unknown.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Select the presenting need"],
    );
    let token = w
        .app
        .post_as(&w.council, "/account/tokens", &[("token_name", "script")])
        .await;
    let token = common::mono(&token.body).expect("a token");
    let api = w.app.get_bearer("/api/v1/needs", Some(&token)).await;
    assert_eq!(api.status, StatusCode::OK);
    let needs = api.json();
    let food = needs
        .as_array()
        .expect("a list")
        .iter()
        .find(|n| n["key"] == "food_poverty")
        .expect("the partnership's need");
    assert_eq!(
        (food["label"].as_str(), food["shipped"].as_bool()),
        (Some("Food poverty"), Some(false))
    );
}

async fn owners_are_warned_of_an_agreement_due_for_review_on_their_home_page(db: TestDb) {
    let w = world(db).await;
    let home = w.app.get_as(&w.council, "/").await;
    assert!(!home.body.contains("need attention") && !home.body.contains("needs attention"));
    let council = w.app.user_named("kcc.worker").await.agencies[0].id;
    let school = w.app.user_named("school.worker").await.agencies[0].id;
    w.app
        .service
        .create_agreement(
            &Actor::operator(),
            &AgreementForm {
                title: "Attendance data, reviewed yearly".into(),
                parties: vec![council.to_string(), school.to_string()],
                classes: vec!["education".into()],
                purposes: vec!["early_help".into()],
                basis: "public_task".into(),
                starts_on: "2020-01-01".into(),
                review_on: "2026-07-01".into(),
                expires_on: "2099-12-31".into(),
                signatories: "Head teacher; Director".into(),
                ..Default::default()
            },
        )
        .await
        .expect("agreement");
    let home = w.app.get_as(&w.council, "/").await;
    assert!(
        home.body
            .contains("1 information-sharing agreement your agency is party to needs attention"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("Attendance data, reviewed yearly: Review due in 30 days, on 2026-07-01")
    );
    let police = w.app.get_as(&w.police, "/").await;
    assert!(
        !police.body.contains("Attendance data, reviewed yearly"),
        "the police are not party to it"
    );
}
