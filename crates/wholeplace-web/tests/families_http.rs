//! In-process HTTP tests of families and lawful sharing, on SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) PostgreSQL: what two practitioners of
//! different agencies see of one family, that every read of personal data is audited exactly
//! once, emergency access and its review, and the rules an agreement must keep.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::StatusCode;
use common::{App, Browser, mono};
use wholeplace_domain::{AgencyId, HouseholdId};
use wholeplace_service::{
    Actor, AgreementForm, HouseholdForm, InvolvementForm, NewUserForm, PersonForm,
};
use wholeplace_store::prelude::FamilyStore;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    practitioners_of_two_agencies_see_different_parts_of_one_family,
    every_read_of_a_familys_records_is_audited_exactly_once,
    emergency_access_opens_the_records_and_reaches_the_privacy_officer,
    the_family_has_one_plan_kept_by_the_agencies_that_share_it,
    a_subject_access_pack_holds_every_record_about_one_person_and_no_one_else,
    an_agreement_needs_an_article_6_basis_and_special_data_an_article_9_condition,
);

struct World {
    app: App,
    admin: Browser,
    family: HouseholdId,
    council: Browser,
    police: Browser,
}

async fn practitioner(app: &App, name: &str, agency: AgencyId) -> Browser {
    let (_, otp) = app
        .service
        .create_user(
            &Actor::operator(),
            &NewUserForm {
                username: name.into(),
                display_name: format!("{name} person"),
                role: "practitioner".into(),
                agency_ids: vec![agency],
            },
        )
        .await
        .expect("practitioner");
    app.first_sign_in(name, &otp).await
}

/// A family with a council involvement (social care) and a police one, a member each; an
/// early-help agreement between the council and housing (not the police).
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
    let housing = s
        .create_agency(&op, "Town and Country Housing", "housing_association")
        .await
        .expect("agency");
    let family = s
        .create_family(
            &op,
            &HouseholdForm {
                name: "The Hill family".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let mut people = Vec::new();
    for (given, rel) in [("Dawn", "mother"), ("Kyle", "son")] {
        people.push(
            s.add_family_member(
                &op,
                family,
                &PersonForm {
                    given_name: given.into(),
                    family_name: "Hill".into(),
                    relationship: rel.into(),
                    nhs_number: if given == "Dawn" {
                        "9434765919".into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
            )
            .await
            .expect("member"),
        );
    }
    for (person, agency, service, need, class, code, units) in [
        (
            people[0],
            housing,
            "Rent arrears advice",
            "debt",
            "housing",
            "HO1.0.4",
            "6",
        ),
        (
            people[0],
            council,
            "Family key work",
            "parenting",
            "social_care",
            "SS18.2",
            "52",
        ),
        (
            people[1],
            police,
            "Anti-social behaviour: further action",
            "antisocial_behaviour",
            "police",
            "CR1.0",
            "4",
        ),
    ] {
        s.add_involvement_for_agency(
            &op,
            family,
            agency,
            &InvolvementForm {
                person_id: person.to_string(),
                service: service.into(),
                need: need.into(),
                class: class.into(),
                started_on: "2026-01-05".into(),
                unit_cost_code: code.into(),
                units_per_year: units.into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
    }
    s.create_agreement(
        &op,
        &AgreementForm {
            title: "Early help ISA".into(),
            parties: vec![council.to_string(), housing.to_string()],
            classes: vec!["identity".into(), "housing".into()],
            purposes: vec!["early_help".into()],
            basis: "public_task".into(),
            starts_on: "2020-01-01".into(),
            review_on: "2030-01-01".into(),
            expires_on: "2099-12-31".into(),
            signatories: "Director; Chief Executive".into(),
            ..Default::default()
        },
    )
    .await
    .expect("agreement");
    let council = practitioner(&app, "kcc.worker", council).await;
    let police = practitioner(&app, "police.officer", police).await;
    World {
        app,
        admin,
        family,
        council,
        police,
    }
}

async fn practitioners_of_two_agencies_see_different_parts_of_one_family(db: TestDb) {
    let w = world(db).await;
    let path = format!("/families/{}", w.family);
    let council = w.app.get_as(&w.council, &path).await;
    assert_eq!(council.status, StatusCode::OK, "{}", council.body);
    council.assert_styled_page();
    for seen in [
        "Dawn Hill",
        "Family key work",
        "Rent arrears advice",
        "Early help ISA",
    ] {
        assert!(council.body.contains(seen), "the council sees {seen}");
    }
    assert!(
        !council
            .body
            .contains("Anti-social behaviour: further action"),
        "not the police record"
    );
    assert!(
        !council.body.contains("Kyle Hill"),
        "Kyle is known to the council only through the police"
    );
    assert!(
        council
            .body
            .contains("1 further member you are not entitled to see"),
        "{}",
        council.body
    );
    assert!(
        council
            .body
            .contains("1 further involvement you are not entitled to see"),
        "{}",
        council.body
    );
    assert!(
        council.body.contains("£174.00 per session (HO1.0.4)"),
        "priced from the unit cost"
    );

    let police = w.app.get_as(&w.police, &path).await;
    assert_eq!(police.status, StatusCode::OK, "{}", police.body);
    assert!(
        police.body.contains("Kyle Hill")
            && police
                .body
                .contains("Anti-social behaviour: further action")
    );
    for hidden in [
        "Dawn Hill",
        "9434765919",
        "Rent arrears advice",
        "Family key work",
    ] {
        assert!(
            !police.body.contains(hidden),
            "the police may not see {hidden}"
        );
    }
    assert!(
        police
            .body
            .contains("2 further involvements you are not entitled to see")
    );
    assert!(
        police
            .body
            .contains("1 further member you are not entitled to see"),
        "{}",
        police.body
    );
    assert!(
        police.body.contains("£2,000.00"),
        "the force's own As Is: 4 x £500"
    );
}

/// Personal-data reads: each one is exactly one audit entry.
async fn every_read_of_a_familys_records_is_audited_exactly_once(db: TestDb) {
    let w = world(db).await;
    let made = w
        .app
        .post_as(&w.council, "/account/tokens", &[("token_name", "script")])
        .await;
    let token = mono(&made.body).expect("a token");
    let reads_of = |entries: &[wholeplace_store::AuditEntry]| {
        entries
            .iter()
            .filter(|e| e.event.actor == "kcc.worker" && e.event.record_type == "family")
            .count()
    };
    let id = w.family;
    for (what, path, api) in [
        ("list (HTML)", "/families".to_owned(), false),
        ("family (HTML)", format!("/families/{id}"), false),
        (
            "family for safeguarding (HTML)",
            format!("/families/{id}?purpose=safeguarding"),
            false,
        ),
        (
            "involvements (CSV)",
            format!("/families/{id}/involvements.csv"),
            false,
        ),
        ("list (JSON)", "/api/v1/families".to_owned(), true),
        ("family (JSON)", format!("/api/v1/families/{id}"), true),
    ] {
        let before = reads_of(&w.app.audit().await);
        let res = if api {
            w.app.get_bearer(&path, Some(&token)).await
        } else {
            w.app.get_as(&w.council, &path).await
        };
        assert_eq!(res.status, StatusCode::OK, "{what}: {}", res.body);
        let after = w.app.audit().await;
        assert_eq!(
            reads_of(&after) - before,
            1,
            "{what}: one audit entry for one read"
        );
        let newest = after
            .iter()
            .find(|e| e.event.actor == "kcc.worker" && e.event.record_type == "family")
            .expect("the entry");
        assert!(newest.event.allowed, "{what}");
        assert!(
            !newest.event.detail.contains("Dawn") && !newest.event.detail.contains("Hill"),
            "no personal detail in the log: {}",
            newest.event.detail
        );
    }
    let csv = w
        .app
        .get_as(&w.council, &format!("/families/{id}/involvements.csv"))
        .await;
    assert!(
        csv.body.starts_with("member,agency,service"),
        "{}",
        csv.body
    );
    assert!(
        !csv.body.contains("Anti-social behaviour"),
        "the CSV keeps the gate too"
    );

    // A family the reader's agency does not work with: refused, and the refusal audited once.
    let other = w
        .app
        .service
        .create_family(
            &Actor::operator(),
            &HouseholdForm {
                name: "Another family".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let before = w.app.audit().await.len();
    let refused = w
        .app
        .get_as(&w.council, &format!("/families/{other}"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("emergency access"),
        "{}",
        refused.body
    );
    let after = w.app.audit().await;
    assert_eq!(after.len() - before, 1);
    assert!(!after[0].event.allowed && after[0].event.action == "family.read");
}

async fn emergency_access_opens_the_records_and_reaches_the_privacy_officer(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let short = w
        .app
        .post_as(
            &w.police,
            &format!("/families/{id}/break-glass"),
            &[("reason", "urgent")],
        )
        .await;
    short.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Give your reason in at least 20 characters"],
    );
    let opened = w
        .app
        .post_as(
            &w.police,
            &format!("/families/{id}/break-glass"),
            &[(
                "reason",
                "Kyle missing overnight; need the family's contacts now",
            )],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = w.app.get_as(&w.police, &format!("/families/{id}")).await;
    assert!(
        page.body.contains("through emergency access"),
        "{}",
        page.body
    );
    for now_seen in ["Dawn Hill", "Rent arrears advice", "Family key work"] {
        assert!(page.body.contains(now_seen), "{now_seen}");
    }
    let admin = w.admin.clone();
    let queue = w.app.get_as(&admin, "/privacy").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("Kyle missing overnight") && queue.body.contains("police.officer"));
    let glass = w
        .app
        .service
        .list_break_glass(&Actor::operator(), None)
        .await
        .expect("queue");
    let reviewed = w
        .app
        .post_as(
            &admin,
            &format!("/privacy/{}/review", glass[0].id),
            &[("finding", "Justified: child missing")],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let queue = w.app.get_as(&admin, "/privacy").await;
    assert!(queue.body.contains("Justified: child missing"));
    let sample = w.app.get_as(&admin, "/privacy?sample=50").await;
    assert!(
        sample.body.contains("no emergency accesses in this sample"),
        "reviewed ones leave the sample"
    );
    let practitioner_queue = w.app.get_as(&w.police, "/privacy").await;
    assert_eq!(practitioner_queue.status, StatusCode::FORBIDDEN);
}

async fn an_agreement_needs_an_article_6_basis_and_special_data_an_article_9_condition(db: TestDb) {
    let w = world(db).await;
    let admin = w.admin.clone();
    let agencies = w
        .app
        .service
        .list_agencies(&Actor::operator())
        .await
        .expect("agencies");
    let (a, b) = (agencies[0].id.to_string(), agencies[1].id.to_string());
    let base = |extra: &[(&'static str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("title", "Health ISA".into()),
            ("parties", a.clone()),
            ("parties", b.clone()),
            ("classes", "identity".into()),
            ("classes", "health".into()),
            ("purposes", "safeguarding".into()),
            ("starts_on", "2026-01-01".into()),
            ("review_on", "2026-06-01".into()),
            ("expires_on", "2027-01-01".into()),
            ("signatories", "Director; Caldicott Guardian".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        f
    };
    let none = post(&w.app, &admin, base(&[])).await;
    none.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the Article 6 lawful basis for sharing",
            "Select the Article 9 condition",
        ],
    );
    let no_condition = post(&w.app, &admin, base(&[("basis", "public_task")])).await;
    no_condition.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Select the Article 9 condition"],
    );
    let saved = post(
        &w.app,
        &admin,
        base(&[
            ("basis", "public_task"),
            ("condition", "health_social_care"),
        ]),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // No rendered page calls a public-task sharing "consent".
    let register = w.app.get_as(&admin, "/sharing").await;
    let sections: Vec<&str> = register
        .body
        .split("<h2 class=\"govuk-heading-m\">")
        .skip(1)
        .collect();
    assert!(sections.len() >= 2, "both agreements listed");
    for s in sections {
        if s.contains("public task") {
            assert!(
                !s.to_lowercase().contains("consent"),
                "a public-task agreement called consent: {s}"
            );
        }
    }
    for (who, path) in [
        (&w.council, format!("/families/{}", w.family)),
        (&admin, "/about/roles".to_owned()),
    ] {
        let page = w.app.get_as(who, &path).await;
        assert!(
            !page.body.to_lowercase().contains("consent"),
            "{path} speaks of consent"
        );
    }
}

async fn post(app: &App, who: &Browser, fields: Vec<(&'static str, String)>) -> common::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_as(who, "/sharing", &pairs).await
}

async fn the_family_has_one_plan_kept_by_the_agencies_that_share_it(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let bad = w
        .app
        .post_as(
            &w.council,
            &format!("/families/{id}/goals"),
            &[
                ("goal", "Kyle goes to school every day"),
                ("score", "11"),
                ("review_on", ""),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "a whole number from 0 (nowhere near) to 10 (achieved)",
            "Enter the day the goal is reviewed",
        ],
    );
    let added = w
        .app
        .post_as(
            &w.council,
            &format!("/families/{id}/goals"),
            &[
                ("goal", "Dawn keeps her home"),
                ("worries", "Rent arrears"),
                ("score", "3"),
                ("review_on", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let goal = w
        .app
        .store
        .get_family(id)
        .await
        .expect("read")
        .expect("family")
        .plan[0]
        .id;
    let updated = w
        .app
        .post_as(
            &w.council,
            &format!("/families/{id}/plan"),
            &[
                ("goal_id", &goal.to_string()),
                ("action", "Agree a repayment plan"),
                ("owner", "Dawn and the housing officer"),
                ("due_on", "2027-01-15"),
                ("score", "5"),
            ],
        )
        .await;
    assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
    let page = w.app.get_as(&w.council, &format!("/families/{id}")).await;
    for seen in [
        "Dawn keeps her home",
        "5 out of 10",
        "Agree a repayment plan",
        "Kent County Council, review 2027-03-01",
    ] {
        assert!(page.body.contains(seen), "{seen}");
    }
    // The police are not party to an agreement covering the council's social care records.
    let police = w.app.get_as(&w.police, &format!("/families/{id}")).await;
    assert!(!police.body.contains("Dawn keeps her home"));
    assert!(
        police
            .body
            .contains("1 further goal you are not entitled to see"),
        "{}",
        police.body
    );
}

async fn a_subject_access_pack_holds_every_record_about_one_person_and_no_one_else(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let read = w.app.get_as(&w.council, &format!("/families/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    let family = w
        .app
        .store
        .get_family(id)
        .await
        .expect("read")
        .expect("family");
    let kyle = family
        .members
        .iter()
        .find(|m| m.person.given_name == "Kyle")
        .expect("Kyle")
        .person
        .id;
    let path = format!("/people/{kyle}/subject-access.json");
    let refused = w.app.get_as(&w.council, &path).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "practitioners do not make packs"
    );
    let before = w.app.audit().await.len();
    let pack = w.app.get_as(&w.admin, &path).await;
    assert_eq!(pack.status, StatusCode::OK, "{}", pack.body);
    assert!(
        pack.header("content-disposition")
            .contains("subject-access-person-")
    );
    let json = pack.json();
    assert_eq!(json["person"]["given_name"], "Kyle");
    let services: Vec<&str> = json["involvements"]
        .as_array()
        .expect("involvements")
        .iter()
        .map(|i| i["service"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        services,
        ["Anti-social behaviour: further action"],
        "every agency's records about Kyle (the police's too), none about Dawn"
    );
    assert!(!pack.body.contains("Dawn"), "no other member of the family");
    assert!(
        json["accesses"]
            .as_array()
            .expect("accesses")
            .iter()
            .any(|a| a["who"] == "kcc.worker" && a["action"] == "family.read"),
        "the council's read of the family is listed"
    );
    let after = w.app.audit().await;
    assert_eq!(after.len() - before, 1, "the pack is one audited read");
    assert_eq!(after[0].event.action, "person.subject_access");
}
