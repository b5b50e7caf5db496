//! In-process HTTP tests of retention, on SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is
//! set, always in CI) PostgreSQL: the privacy officer's rules and legal holds, the dry run that
//! changes nothing, and the disposal that keeps a held family's records, open involvements and
//! what an agreement's rule keeps longer; every run audited; bad input refused with the error
//! summary.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::StatusCode;
use common::{App, Browser, between};
use wholeplace_domain::{AgencyId, HouseholdId, PersonId};
use wholeplace_service::PersonForm;
use wholeplace_service::{Actor, AgreementForm, HouseholdForm, InvolvementForm, NewUserForm};
use wholeplace_store::FamilyEvent;
use wholeplace_store::prelude::FamilyStore;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    disposal_keeps_held_families_open_involvements_and_what_an_agreement_keeps_longer,
    retention_forms_refuse_bad_input_with_the_error_summary,
);

struct World {
    app: App,
    admin: Browser,
    council: AgencyId,
    held: HouseholdId,
    free: HouseholdId,
}

async fn family(app: &App, name: &str) -> (HouseholdId, PersonId) {
    let op = Actor::operator();
    let id = app
        .service
        .create_family(
            &op,
            &HouseholdForm {
                name: format!("The {name} family"),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let person = app
        .service
        .add_family_member(
            &op,
            id,
            &PersonForm {
                given_name: "Sam".into(),
                family_name: name.into(),
                relationship: "parent".into(),
                ..Default::default()
            },
        )
        .await
        .expect("member");
    (id, person)
}

async fn involvement(
    app: &App,
    (family, person): (HouseholdId, PersonId),
    agency: AgencyId,
    class: &str,
    ended_on: &str,
) {
    app.service
        .add_involvement_for_agency(
            &Actor::operator(),
            family,
            agency,
            &InvolvementForm {
                person_id: person.to_string(),
                service: "Support".into(),
                need: "parenting".into(),
                class: class.into(),
                started_on: "2010-01-05".into(),
                ended_on: ended_on.into(),
                units_per_year: "1".into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
}

async fn event(app: &App, family: HouseholdId, agency: AgencyId, class: &str, day: &str) {
    app.service
        .add_event_for_agency(
            &Actor::operator(),
            family,
            &FamilyEvent {
                person_id: None,
                agency_id: agency,
                agency_name: String::new(),
                day: day.into(),
                summary: "Visit".into(),
                class: wholeplace_domain::DataClass::of(class),
            },
        )
        .await
        .expect("event");
}

/// Two families with old records (the clock says 1 June 2026), and a police agreement between
/// the council and the police.
async fn world(db: TestDb) -> World {
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let s = &app.service;
    let council = s
        .create_agency(&op, "Kent County Council", "county_council")
        .await
        .expect("agency");
    let police = s
        .create_agency(&op, "Kent Police", "police")
        .await
        .expect("agency");
    let health = s
        .create_agency(&op, "Kent Community Health", "nhs_trust")
        .await
        .expect("agency");
    s.create_agreement(
        &op,
        &AgreementForm {
            title: "Police ISA".into(),
            parties: vec![council.to_string(), police.to_string()],
            classes: vec!["police".into()],
            purposes: vec!["safeguarding".into()],
            basis: "public_task".into(),
            condition: "substantial_public_interest".into(),
            starts_on: "2020-01-01".into(),
            review_on: "2030-01-01".into(),
            expires_on: "2030-12-31".into(),
            signatories: "Signed".into(),
        },
    )
    .await
    .expect("agreement");
    let held = family(&app, "Held").await;
    let free = family(&app, "Free").await;
    involvement(&app, free, police, "police", "2022-01-01").await;
    involvement(&app, free, health, "police", "2022-01-01").await;
    involvement(&app, free, council, "social_care", "").await;
    involvement(&app, free, council, "social_care", "2015-01-01").await;
    event(&app, free.0, police, "police", "2019-05-05").await;
    involvement(&app, held, council, "social_care", "2015-01-01").await;
    event(&app, held.0, council, "social_care", "2015-02-02").await;
    World {
        app,
        admin,
        council,
        held: held.0,
        free: free.0,
    }
}

/// (involvements, events) stored for a family, read from the store (reading adds no audit).
async fn records(app: &App, id: HouseholdId) -> (usize, usize) {
    let f = app
        .store
        .get_family(id)
        .await
        .expect("read")
        .expect("family");
    (f.involvements.len(), f.events.len())
}

async fn actions(app: &App, action: &str) -> Vec<String> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.event.action == action && e.event.allowed)
        .map(|e| e.event.detail)
        .collect()
}

async fn set_rules_and_hold(w: &World) {
    let agreement = w
        .app
        .service
        .list_agreements(&Actor::operator())
        .await
        .expect("agreements")[0]
        .agreement
        .id
        .to_string();
    for (class, agreement_id, years) in [
        ("police", "", "8"),
        ("police", agreement.as_str(), "2"),
        ("social_care", "", "3"),
    ] {
        let r = w
            .app
            .post_as(
                &w.admin,
                "/privacy/retention/rules",
                &[
                    ("class", class),
                    ("agreement_id", agreement_id),
                    ("keep_years", years),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = w
        .app
        .post_as(
            &w.admin,
            "/privacy/retention/holds",
            &[
                ("household_id", &w.held.to_string()),
                ("reason", "Care proceedings"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn disposal_keeps_held_families_open_involvements_and_what_an_agreement_keeps_longer(
    db: TestDb,
) {
    let w = world(db).await;
    let page = w.app.get_as(&w.admin, "/privacy").await;
    assert!(
        page.body.contains("href=\"/privacy/retention\""),
        "linked from /privacy"
    );
    let page = w.app.get_as(&w.admin, "/privacy/retention").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("There are no rules yet"),
        "{}",
        page.body
    );
    set_rules_and_hold(&w).await;
    let page = the_dry_run_counts_and_changes_nothing(&w).await;
    applying_disposes_of_what_is_due_and_nothing_else(&w).await;
    the_family_page_shows_the_hold_and_lifting_it_lets_records_go(&w, &page.body).await;
}

/// The page counts what a run today disposes of, by class and family id only; its body.
async fn the_dry_run_counts_and_changes_nothing(w: &World) -> common::Resp {
    let before = (records(&w.app, w.free).await, records(&w.app, w.held).await);
    assert_eq!(before, ((4, 1), (1, 1)));
    let page = w.app.get_as(&w.admin, "/privacy/retention").await;
    let report = between(&page.body, "id=\"report\"", "id=\"rules\"").expect("the report");
    assert!(report.contains("2 involvements and 1 event"), "{report}");
    assert!(report.contains(&format!("Family {}", w.free)), "{report}");
    assert!(
        !report.contains(&format!("Family {}", w.held)),
        "held: {report}"
    );
    assert!(!report.contains("The Free family"), "no names: {report}");
    assert!(
        page.body.contains("The Held family (family"),
        "the hold is listed"
    );
    let confirm = w.app.get_as(&w.admin, "/privacy/retention/apply").await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("Dispose of these records"));
    assert_eq!(
        (records(&w.app, w.free).await, records(&w.app, w.held).await),
        before,
        "a dry run changes nothing"
    );
    let dry_runs = actions(&w.app, "retention.dry_run").await;
    assert_eq!(dry_runs.len(), 3, "each dry run is audited: {dry_runs:?}");
    page
}

/// The free family's records past their period go, each under the rule that governs it.
async fn applying_disposes_of_what_is_due_and_nothing_else(w: &World) {
    let done = w
        .app
        .post_as(&w.admin, "/privacy/retention/apply", &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/privacy/retention?disposed=3");
    let after = w.app.get_as(&w.admin, done.location()).await;
    assert!(
        after
            .body
            .contains("3 records past their retention period were disposed of"),
        "{}",
        after.body
    );
    assert_eq!(
        records(&w.app, w.held).await,
        (1, 1),
        "the held family's records survive"
    );
    let free = w
        .app
        .store
        .get_family(w.free)
        .await
        .expect("read")
        .expect("family");
    let mut kept: Vec<(&str, Option<&str>)> = free
        .involvements
        .iter()
        .map(|i| (i.agency_name.as_str(), i.ended_on.as_deref()))
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            ("Kent Community Health", Some("2022-01-01")),
            ("Kent County Council", None)
        ],
        "the police's record went under the agreement's 2 years; health's is kept by the class's 8; the open one stays"
    );
    assert!(free.events.is_empty());
    let disposals = actions(&w.app, "retention.dispose").await;
    assert_eq!(disposals.len(), 1);
    assert!(
        disposals[0].contains("2 involvements and 1 event past their period"),
        "{disposals:?}"
    );
    assert_eq!(actions(&w.app, "retention.rule").await.len(), 3);
    assert_eq!(
        actions(&w.app, "retention.hold").await,
        [format!("set on family {}", w.held)]
    );
}

async fn the_family_page_shows_the_hold_and_lifting_it_lets_records_go(w: &World, before: &str) {
    let (_, otp) = w
        .app
        .service
        .create_user(
            &Actor::operator(),
            &NewUserForm {
                username: "worker".into(),
                display_name: "A worker".into(),
                role: "practitioner".into(),
                agency_ids: vec![w.council],
            },
        )
        .await
        .expect("practitioner");
    let worker = w.app.first_sign_in("worker", &otp).await;
    let held_page = w
        .app
        .get_as(&worker, &format!("/families/{}", w.held))
        .await;
    assert!(
        held_page
            .body
            .contains("Legal hold: records about this family are not disposed of")
    );
    let free_page = w
        .app
        .get_as(&worker, &format!("/families/{}", w.free))
        .await;
    assert!(!free_page.body.contains("Legal hold:"));
    let hold = between(before, "/privacy/retention/holds/", "/lift").expect("a lift form");
    let lifted = w
        .app
        .post_as(
            &w.admin,
            &format!("/privacy/retention/holds/{hold}/lift"),
            &[],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    let page = w.app.get_as(&w.admin, "/privacy/retention").await;
    assert!(
        !page.body.contains("/lift\""),
        "no hold in force: {}",
        page.body
    );
    assert_eq!(
        page.body.matches(" by admin</td>").count(),
        2,
        "who set it and who lifted it"
    );
    let report = between(&page.body, "id=\"report\"", "id=\"rules\"").expect("the report");
    assert!(report.contains("1 involvement and 1 event"), "{report}");
}

async fn retention_forms_refuse_bad_input_with_the_error_summary(db: TestDb) {
    let w = world(db).await;
    let r = w
        .app
        .post_as(
            &w.admin,
            "/privacy/retention/rules",
            &[
                ("class", "gossip"),
                ("agreement_id", "x"),
                ("keep_years", "0"),
            ],
        )
        .await;
    r.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the class of data the rule keeps",
            "Select an agreement from the list, or none for every agency",
            "a whole number from 1 to 100",
        ],
    );
    assert!(
        r.body.contains("href=\"#keep_years\""),
        "the summary links to the field"
    );
    let r = w
        .app
        .post_as(
            &w.admin,
            "/privacy/retention/rules",
            &[("class", "police"), ("keep_years", "2.5")],
        )
        .await;
    r.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["a whole number from 1 to 100"],
    );
    let r = w
        .app
        .post_as(
            &w.admin,
            "/privacy/retention/holds",
            &[("household_id", ""), ("reason", "")],
        )
        .await;
    r.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the family whose records are to be kept",
            "Enter why the family&#39;s records are kept",
        ],
    );
    assert!(
        actions(&w.app, "retention.rule").await.is_empty(),
        "nothing was set"
    );
    assert!(actions(&w.app, "retention.hold").await.is_empty());
}
