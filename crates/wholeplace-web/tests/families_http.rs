//! In-process HTTP tests of families and lawful sharing, on SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) PostgreSQL: what two practitioners of
//! different agencies see of one family, that every read of personal data is audited exactly
//! once, emergency access and its review, the rules an agreement must keep, the family workbook,
//! and the API's changes to a family by the family page's rules.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, Resp, mono};
use serde_json::{Value, json};
use wholeplace_domain::{AgencyId, DataClass, HouseholdId, PersonId};
use wholeplace_service::{Actor, AgreementForm, HouseholdForm, InvolvementForm, PersonForm};
use wholeplace_store::prelude::FamilyStore;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    practitioners_of_two_agencies_see_different_parts_of_one_family,
    every_read_of_a_familys_records_is_audited_exactly_once,
    emergency_access_opens_the_records_and_reaches_the_privacy_officer,
    the_family_has_one_plan_kept_by_the_agencies_that_share_it,
    a_subject_access_pack_holds_every_record_about_one_person_and_no_one_else,
    an_agreement_needs_an_article_6_basis_and_special_data_an_article_9_condition,
    the_family_workbook_holds_what_the_reader_may_see_and_no_formula,
    the_api_records_an_involvement_by_the_family_pages_rules,
    the_api_keeps_the_familys_plan_by_the_family_pages_rules,
    the_api_opens_emergency_access_and_the_privacy_officer_reviews_it,
);

struct World {
    app: App,
    admin: Browser,
    family: HouseholdId,
    council: Browser,
    police: Browser,
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
    let council = app.practitioner("kcc.worker", council).await;
    let police = app.practitioner("police.officer", police).await;
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

/// A family member's person id, read from the store (so reading adds no audit entry).
async fn member(w: &World, given_name: &str) -> PersonId {
    w.app
        .store
        .get_family(w.family)
        .await
        .expect("read")
        .expect("family")
        .members
        .iter()
        .find(|m| m.person.given_name == given_name)
        .expect("the member")
        .person
        .id
}

/// A personal API token made on the account page.
async fn api_token(app: &App, who: &Browser) -> String {
    let made = app
        .post_as(who, "/account/tokens", &[("token_name", "script")])
        .await;
    mono(&made.body).expect("a token")
}

/// The police officer opens the family's records, giving a reason that names the child.
async fn police_break_glass(w: &World) {
    let opened = w
        .app
        .post_as(
            &w.police,
            &format!("/families/{}/break-glass", w.family),
            &[(
                "reason",
                "Kyle missing overnight; need the family's contacts now",
            )],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
}

/// Who reads in the audit test: an account, its browser and its API token.
struct Reader<'a> {
    name: &'static str,
    browser: &'a Browser,
    token: String,
}

/// Words about the family that no audit entry's detail may hold.
const PERSONAL: [&str; 5] = ["Dawn", "Hill", "Kyle", "9434765919", "missing"];

/// Reads `path` as `who` (through the API when it starts `/api/`) and checks that the read made
/// exactly one audit entry: by `who`, allowed, of `record_type`, with nothing personal in it.
async fn one_audited_read(w: &World, what: &str, who: &Reader<'_>, path: &str, record_type: &str) {
    let before = w.app.audit().await.len();
    let res = if path.starts_with("/api/") {
        w.app.get_bearer(path, Some(&who.token)).await
    } else {
        w.app.get_as(who.browser, path).await
    };
    assert_eq!(res.status, StatusCode::OK, "{what}: {}", res.body);
    let after = w.app.audit().await;
    assert_eq!(
        after.len() - before,
        1,
        "{what}: one audit entry for one read"
    );
    let entry = &after[0].event;
    assert!(
        entry.allowed && entry.actor == who.name && entry.record_type == record_type,
        "{what}: {entry:?}"
    );
    for word in PERSONAL {
        assert!(
            !entry.detail.contains(word),
            "{what}: no personal detail in the log: {}",
            entry.detail
        );
    }
}

/// Who reads in the audit test: a practitioner of the council, or the privacy officer.
#[derive(Clone, Copy)]
enum Who {
    Council,
    PrivacyOfficer,
}

/// Every read of a family's personal data, on pages, downloads and the API: what it is, who
/// reads, the path (`{id}` the family, `{kyle}` a member) and the record type its entry names.
#[rustfmt::skip]
const READS: &[(&str, Who, &str, &str)] = &[
    ("list (HTML)", Who::Council, "/families", "family"),
    ("family (HTML)", Who::Council, "/families/{id}", "family"),
    ("family for safeguarding (HTML)", Who::Council, "/families/{id}?purpose=safeguarding", "family"),
    ("involvements (CSV)", Who::Council, "/families/{id}/involvements.csv", "family"),
    ("the family workbook (XLSX)", Who::Council, "/families/{id}/family.xlsx", "family"),
    ("list (JSON)", Who::Council, "/api/v1/families", "family"),
    ("family (JSON)", Who::Council, "/api/v1/families/{id}", "family"),
    ("plan (JSON)", Who::Council, "/api/v1/families/{id}/plan?purpose=safeguarding", "family"),
    ("subject access pack (download)", Who::PrivacyOfficer, "/people/{kyle}/subject-access.json", "person"),
    ("subject access pack (JSON)", Who::PrivacyOfficer, "/api/v1/people/{kyle}/subject-access", "person"),
    ("the privacy officer's queue (HTML)", Who::PrivacyOfficer, "/privacy", "break_glass"),
    ("the privacy officer's queue (JSON)", Who::PrivacyOfficer, "/api/v1/break-glass", "break_glass"),
];

/// Personal-data reads, on pages, downloads and the API: each one is exactly one audit entry.
async fn every_read_of_a_familys_records_is_audited_exactly_once(db: TestDb) {
    let w = world(db).await;
    police_break_glass(&w).await;
    let council = Reader {
        name: "kcc.worker",
        browser: &w.council,
        token: api_token(&w.app, &w.council).await,
    };
    let admin = Reader {
        name: "admin",
        browser: &w.admin,
        token: api_token(&w.app, &w.admin).await,
    };
    let id = w.family;
    let kyle = member(&w, "Kyle").await;
    for (what, who, path, record_type) in READS {
        let who = match who {
            Who::Council => &council,
            Who::PrivacyOfficer => &admin,
        };
        let path = path
            .replace("{id}", &id.to_string())
            .replace("{kyle}", &kyle.to_string());
        one_audited_read(&w, what, who, &path, record_type).await;
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
    police_break_glass(&w).await;
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
    let kyle = member(&w, "Kyle").await;
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

    // The API's pack is the same use case: the same records, for the privacy officer only.
    let api_path = format!("/api/v1/people/{kyle}/subject-access");
    let council = api_token(&w.app, &w.council).await;
    let refused = w.app.get_bearer(&api_path, Some(&council)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let admin = api_token(&w.app, &w.admin).await;
    let api = w.app.get_bearer(&api_path, Some(&admin)).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let api = api.json();
    assert_eq!(api["person"]["given_name"], "Kyle");
    assert_eq!(
        api["involvements"][0]["service"],
        json["involvements"][0]["service"]
    );
    assert_eq!(api["families"][0]["relationship"], "son");
    assert!(
        !api.to_string().contains("Dawn"),
        "no other member of the family"
    );
}

/// A practitioner of an agency that does not work with the family, and their API token.
async fn outsider(w: &World) -> String {
    let fire = w
        .app
        .service
        .create_agency(&Actor::operator(), "Kent Fire and Rescue Service", "fire")
        .await
        .expect("agency");
    let officer = w.app.practitioner("fire.officer", fire).await;
    api_token(&w.app, &officer).await
}

async fn post_json(app: &App, token: &str, path: &str, body: Value) -> Resp {
    app.api(Method::POST, path, token, Some(body.to_string()))
        .await
}

/// The API's error envelope with `status`, naming `field` with a message holding `message`.
fn assert_problem(r: &Resp, status: StatusCode, field: &str, message: &str) {
    assert_eq!(r.status, status, "{field}: {}", r.body);
    let json = r.json();
    let named = json["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["field"] == field && f["message"].as_str().is_some_and(|m| m.contains(message)));
    assert!(named, "{field} named with '{message}': {}", r.body);
}

/// Refused (403) as the API says it, and the refusal audited once.
async fn assert_refused(w: &World, method: Method, path: &str, token: &str, body: Option<Value>) {
    let before = w.app.audit().await.len();
    let r = w
        .app
        .api(method, path, token, body.map(|b| b.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    assert_eq!(r.json()["error"]["code"], "forbidden");
    let after = w.app.audit().await;
    assert_eq!(after.len() - before, 1, "{path}: the refusal is audited");
    assert!(!after[0].event.allowed);
}

/// An agency of an account, by name.
async fn agency_of(w: &World, username: &str) -> AgencyId {
    w.app.user_named(username).await.agencies[0].id
}

/// A service name that a spreadsheet would run as a formula, were it written as one.
const FORMULA: &str = "=HYPERLINK(\"http://example.com\",\"x\")";

/// More of the family's records for the workbook: the council's goal, its involvement whose
/// service looks like a formula, and an event each by the council (about Dawn) and the police
/// (about Kyle).
async fn more_records(w: &World) {
    let id = w.family;
    let token = api_token(&w.app, &w.council).await;
    let (dawn, kyle) = (member(w, "Dawn").await, member(w, "Kyle").await);
    let involvement = json!({
        "person_id": dawn.get(), "service": FORMULA, "need": "parenting",
        "class_of_data": "social_care", "started_on": "2026-02-02", "units_per_year": "1"
    });
    let goal = json!({"goal": "Dawn keeps her home", "score": 3, "review_on": "2027-03-01"});
    for (what, body) in [("involvements", involvement), ("goals", goal)] {
        let path = format!("/api/v1/families/{id}/{what}");
        let made = post_json(&w.app, &token, &path, body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let events = [
        ("kcc.worker", dawn, "Home visit", "social_care"),
        ("police.officer", kyle, "Arrested for damage", "police"),
    ];
    for (who, person, summary, class) in events {
        let event = wholeplace_store::FamilyEvent {
            person_id: Some(person),
            agency_id: agency_of(w, who).await,
            agency_name: String::new(),
            day: "2026-03-01".into(),
            summary: summary.into(),
            class: DataClass::of(class),
        };
        w.app
            .service
            .add_event_for_agency(&Actor::operator(), id, &event)
            .await
            .expect("event");
    }
}

async fn the_family_workbook_holds_what_the_reader_may_see_and_no_formula(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    more_records(&w).await;
    let res = w
        .app
        .get_as(&w.council, &format!("/families/{id}/family.xlsx"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.header("content-type").contains("spreadsheetml"));
    assert!(
        res.header("content-disposition")
            .contains(&format!("family-{id}.xlsx"))
    );
    let sheet = |name: &str| wholeplace_tabular::read_xlsx(&res.bytes, name).expect(name);
    let column = |t: &wholeplace_tabular::Table, name: &str| -> Vec<String> {
        let c = t.column(name).expect(name);
        t.rows.iter().map(|r| r[c].clone()).collect()
    };
    assert_eq!(
        column(&sheet("members"), "given_name"),
        ["Dawn"],
        "not Kyle"
    );
    let involvements = sheet("involvements");
    let services = column(&involvements, "service");
    for seen in ["Family key work", "Rent arrears advice", FORMULA] {
        assert!(services.iter().any(|s| s == seen), "{seen} in {services:?}");
    }
    assert_eq!(services.len(), 3, "not the police's record: {services:?}");
    let mut annual_costs = column(&involvements, "annual_cost");
    annual_costs.sort();
    assert_eq!(
        annual_costs,
        ["0", "1044", "2964"],
        "a year: unpriced, 6 x £174 and 52 x £57, as numbers"
    );
    assert_eq!(column(&sheet("events"), "summary"), ["Home visit"]);
    assert_eq!(column(&sheet("plan"), "goal"), ["Dawn keeps her home"]);

    // Text that looks like a formula is a text cell; money is a number.
    let mut book = wholeplace_tabular::workbook::Workbook::open(
        &res.bytes,
        wholeplace_tabular::workbook::Limits::default(),
    )
    .expect("a workbook");
    assert_eq!(
        book.sheet_names(),
        ["members", "involvements", "events", "plan"]
    );
    let cells = book.sheet("involvements").expect("the sheet");
    use wholeplace_tabular::workbook::Data;
    assert!(
        cells
            .cells
            .values()
            .any(|d| *d == Data::String(FORMULA.to_owned())),
        "the formula is kept as text"
    );
    let annual = involvements.column("annual_cost").expect("column") as u32;
    assert!(
        matches!(cells.get(1, annual), Data::Float(_)),
        "{:?}",
        cells.get(1, annual)
    );
}

async fn the_api_records_an_involvement_by_the_family_pages_rules(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let token = api_token(&w.app, &w.council).await;
    let dawn = member(&w, "Dawn").await;
    let path = format!("/api/v1/families/{id}/involvements");
    let body = |changes: Value| {
        let mut b = json!({
            "person_id": dawn.get(), "service": "School attendance support",
            "need": "school_attendance", "class_of_data": "education",
            "started_on": "2026-02-02", "unit_cost_code": "SS18.2", "units_per_year": "12"
        });
        for (k, v) in changes.as_object().expect("an object") {
            b[k] = v.clone();
        }
        b
    };
    let made = post_json(&w.app, &token, &path, body(json!({}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(made.json()["id"].as_i64().is_some());
    let family = w
        .app
        .get_bearer(&format!("/api/v1/families/{id}"), Some(&token))
        .await;
    assert!(
        family.body.contains("School attendance support"),
        "{}",
        family.body
    );

    // The family page's rules and messages, each field named.
    for (changes, status, field, message) in [
        (
            json!({"ended_on": "2026-01-01"}),
            422,
            "ended_on",
            "The last day must be on or after the first",
        ),
        (
            json!({"unit_cost_code": "XX9.9"}),
            422,
            "unit_cost_code",
            "There is no unit cost XX9.9 in the library",
        ),
        (
            json!({"started_on": "2026-02-31"}),
            422,
            "started_on",
            "Enter a date as year-month-day",
        ),
        (
            json!({"started_on": "2 Feb 2026"}),
            422,
            "started_on",
            "Enter a date as year-month-day",
        ),
        (
            json!({"need": "Parenting"}),
            422,
            "need",
            "GET /api/v1/needs",
        ),
        (
            json!({"units_per_year": "-1"}),
            422,
            "units_per_year",
            "units a year",
        ),
        (
            json!({"person_id": 999_999}),
            409,
            "person_id",
            "Select the family member",
        ),
    ] {
        let r = post_json(&w.app, &token, &path, body(changes)).await;
        let status = StatusCode::from_u16(status).expect("a status");
        assert_problem(&r, status, field, message);
    }
    // An agency that does not work with the family records nothing about it.
    let fire = outsider(&w).await;
    assert_refused(&w, Method::POST, &path, &fire, Some(body(json!({})))).await;
}

async fn the_api_keeps_the_familys_plan_by_the_family_pages_rules(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let token = api_token(&w.app, &w.council).await;
    let goals = format!("/api/v1/families/{id}/goals");
    let plan = format!("/api/v1/families/{id}/plan");
    let goal = json!({
        "goal": "Dawn keeps her home", "worries": "Rent arrears", "score": 3,
        "review_on": "2027-03-01"
    });
    let made = post_json(&w.app, &token, &goals, goal.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let goal_id = made.json()["id"].as_i64().expect("the goal's id");
    let bad_goals = [
        (
            json!({"goal": "Kyle goes to school", "score": 11, "review_on": "2027-03-01"}),
            "score",
            "a whole number from 0",
        ),
        (
            json!({"goal": "Kyle goes to school", "score": 3, "review_on": "2027-02-30"}),
            "review_on",
            "Enter a date as year-month-day",
        ),
    ];
    for (body, field, message) in bad_goals {
        let r = post_json(&w.app, &token, &goals, body).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, field, message);
    }
    let action = json!({
        "goal_id": goal_id, "action": "Agree a repayment plan",
        "owner": "Dawn and the housing officer", "due_on": "2027-01-15", "score": 5
    });
    let r = post_json(&w.app, &token, &plan, action.clone()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for (body, status, field, message) in [
        (
            json!({"goal_id": goal_id, "action": "Call the landlord"}),
            422,
            "owner",
            "Give the action an owner and a day it is due by",
        ),
        (
            json!({"goal_id": goal_id}),
            422,
            "action",
            "Enter an action, or where the family puts the goal now",
        ),
        (
            json!({"goal_id": goal_id, "score": -1}),
            422,
            "score",
            "a whole number from 0 to 10",
        ),
        (
            json!({"goal_id": 999_999, "score": 2}),
            409,
            "goal_id",
            "Select the goal",
        ),
    ] {
        let r = post_json(&w.app, &token, &plan, body).await;
        let status = StatusCode::from_u16(status).expect("a status");
        assert_problem(&r, status, field, message);
    }
    let read = w.app.get_bearer(&plan, Some(&token)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let read = read.json();
    assert_eq!(read["withheld_goals"], 0);
    let g = &read["goals"][0];
    assert_eq!(g["goal"], "Dawn keeps her home");
    assert_eq!(g["score"], 5);
    assert_eq!(g["owner_agency"], "Kent County Council");
    assert_eq!(g["actions"][0]["action"], "Agree a repayment plan");
    // The police are not party to an agreement covering the council's social care records.
    let police = api_token(&w.app, &w.police).await;
    let theirs = w.app.get_bearer(&plan, Some(&police)).await.json();
    assert_eq!(theirs["goals"], json!([]));
    assert_eq!(theirs["withheld_goals"], 1);
    let bad = w
        .app
        .get_bearer(&format!("{plan}?purpose=gossip"), Some(&police))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    // An agency that does not work with the family neither reads nor changes the plan.
    let fire = outsider(&w).await;
    assert_refused(&w, Method::GET, &plan, &fire, None).await;
    assert_refused(&w, Method::POST, &goals, &fire, Some(goal)).await;
    assert_refused(&w, Method::POST, &plan, &fire, Some(action)).await;
}

async fn the_api_opens_emergency_access_and_the_privacy_officer_reviews_it(db: TestDb) {
    let w = world(db).await;
    let id = w.family;
    let fire = outsider(&w).await;
    let family = format!("/api/v1/families/{id}");
    let path = format!("{family}/break-glass");
    let short = post_json(&w.app, &fire, &path, json!({"reason": "urgent"})).await;
    assert_problem(
        &short,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason",
        "Give your reason in at least 20 characters",
    );
    assert_refused(&w, Method::GET, &family, &fire, None).await;
    let reason = "Kyle missing overnight; need the family's contacts now";
    let opened = post_json(&w.app, &fire, &path, json!({"reason": reason})).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
    let glass = opened.json()["id"].as_i64().expect("the access's id");
    let seen = w.app.get_bearer(&family, Some(&fire)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.json()["emergency_access"], true);
    assert_eq!(seen.json()["members"].as_array().map(Vec::len), Some(2));

    let admin = api_token(&w.app, &w.admin).await;
    let queue = w.app.get_bearer("/api/v1/break-glass", Some(&admin)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let first = &queue.json()[0];
    assert_eq!(first["id"], glass);
    assert_eq!(first["user"], "fire.officer");
    assert_eq!(first["reason"], reason);
    assert_eq!(first["family_id"], id.get());
    assert!(first["reviewed_by"].is_null() && first["finding"].is_null());
    let bad = w
        .app
        .get_bearer("/api/v1/break-glass?sample=0", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_refused(&w, Method::GET, "/api/v1/break-glass", &fire, None).await;

    let review = format!("/api/v1/break-glass/{glass}/review");
    let finding = json!({"finding": "Justified: child missing overnight"});
    assert_refused(&w, Method::POST, &review, &fire, Some(finding.clone())).await;
    let blank = post_json(&w.app, &admin, &review, json!({"finding": "  "})).await;
    assert_problem(
        &blank,
        StatusCode::UNPROCESSABLE_ENTITY,
        "finding",
        "Enter your finding",
    );
    let done = post_json(&w.app, &admin, &review, finding).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
    let queue = w
        .app
        .get_bearer("/api/v1/break-glass", Some(&admin))
        .await
        .json();
    assert_eq!(queue[0]["reviewed_by"], "admin");
    assert_eq!(queue[0]["finding"], "Justified: child missing overnight");
    let sample = w
        .app
        .get_bearer("/api/v1/break-glass?sample=100", Some(&admin))
        .await;
    assert_eq!(
        sample.json(),
        json!([]),
        "reviewed accesses leave the sample"
    );
}
