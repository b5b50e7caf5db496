//! In-process HTTP tests of cohorts, on SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set,
//! always in CI) PostgreSQL: an analyst sees every family the rules find under a pseudonym with
//! every part of its score and never a name; a practitioner sees by name only the families their
//! agency works with; each read is audited exactly once with nothing personal; the appraisal
//! started from a cohort has an As Is that reconciles to the penny with the cohort's priced
//! involvements, by agency.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, mono};
use std::collections::BTreeMap;
use wholeplace_domain::{AgencyId, AppraisalId, HouseholdId};
use wholeplace_service::{Actor, HouseholdForm, InvolvementForm, NewUserForm, PersonForm};
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    analysts_see_pseudonymous_scores_and_practitioners_their_own_families,
    a_cohorts_appraisal_reconciles_to_the_penny_with_its_involvements,
    the_api_builds_a_cohort_and_starts_its_appraisal,
);

struct World {
    app: App,
    analyst: Browser,
    council: Browser,
    council_id: AgencyId,
}

async fn user(app: &App, name: &str, role: &str, agency: AgencyId) -> Browser {
    let (_, otp) = app
        .service
        .create_user(
            &Actor::operator(),
            &NewUserForm {
                username: name.into(),
                display_name: format!("{name} person"),
                role: role.into(),
                agency_ids: vec![agency],
            },
        )
        .await
        .expect("user");
    app.first_sign_in(name, &otp).await
}

/// A family with one member and the involvements given (agency, need, unit cost, units a year).
async fn family(
    app: &App,
    name: &str,
    involvements: &[(AgencyId, &str, &str, &str)],
) -> HouseholdId {
    let op = Actor::operator();
    let s = &app.service;
    let family = s
        .create_family(
            &op,
            &HouseholdForm {
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let person = s
        .add_family_member(
            &op,
            family,
            &PersonForm {
                given_name: "Dawn".into(),
                family_name: name.into(),
                relationship: "mother".into(),
                ..Default::default()
            },
        )
        .await
        .expect("member");
    for (agency, need, code, units) in involvements {
        s.add_involvement_for_agency(
            &op,
            family,
            *agency,
            &InvolvementForm {
                person_id: person.to_string(),
                service: format!("Service for {need}"),
                need: (*need).into(),
                class: "social_care".into(),
                started_on: "2020-01-05".into(),
                unit_cost_code: (*code).into(),
                units_per_year: (*units).into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
    }
    family
}

/// Three families: the Hills (council parenting and housing debt), the Oaks (police only, one
/// need) and the Ashes (council parenting, police anti-social behaviour, 1.5 units a year).
async fn world(db: TestDb) -> World {
    let app = App::new(db);
    let _admin = app.admin().await;
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
    family(
        &app,
        "Hill",
        &[
            (council, "parenting", "SS18.2", "52"),
            (housing, "debt", "HO1.0.4", "6"),
        ],
    )
    .await;
    family(
        &app,
        "Oak",
        &[(police, "antisocial_behaviour", "CR1.0", "4")],
    )
    .await;
    family(
        &app,
        "Ash",
        &[
            (council, "parenting", "SS18.2", "10.5"),
            (police, "antisocial_behaviour", "CR1.0", "1.5"),
        ],
    )
    .await;
    let analyst = user(&app, "ana.lyst", "analyst", council).await;
    let council_worker = user(&app, "kcc.worker", "practitioner", council).await;
    World {
        app,
        analyst,
        council: council_worker,
        council_id: council,
    }
}

/// Saves "Two needs" (at least 2 of parenting, debt, anti-social behaviour; 2 points per
/// £1,000; debt 5, parenting 3) as the analyst: its id.
async fn two_needs(w: &World) -> String {
    let res = w
        .app
        .post_as(
            &w.analyst,
            "/cohorts",
            &[
                ("name", "Two needs"),
                ("needs", "parenting"),
                ("needs", "debt"),
                ("needs", "antisocial_behaviour"),
                ("min_needs", "2"),
                ("cost_points_per_thousand", "2"),
                ("weight_debt", "5"),
                ("weight_parenting", "3"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().trim_start_matches("/cohorts/").to_owned()
}

async fn reads_of(app: &App, id: &str) -> Vec<wholeplace_store::AuditEntry> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.event.action == "cohort.view" && e.event.record_id.as_deref() == Some(id))
        .collect()
}

async fn analysts_see_pseudonymous_scores_and_practitioners_their_own_families(db: TestDb) {
    let w = world(db).await;
    let id = two_needs(&w).await;
    let page = w.app.get_as(&w.analyst, &format!("/cohorts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_styled_page();
    // The Hills and the Ashes have two of the needs; the Oaks one.
    assert!(
        page.body.contains("2 families, highest score first"),
        "{}",
        page.body
    );
    for name in ["Hill", "Ash", "Oak", "Dawn"] {
        assert!(
            !page.body.contains(name),
            "the analyst sees no name: {name}"
        );
    }
    assert!(page.body.contains("F-"), "pseudonyms");
    assert!(
        page.body.contains("Debt and rent arrears (5.00)"),
        "each need's part"
    );
    let reads = reads_of(&w.app, &id).await;
    assert_eq!(reads.len(), 1, "one audit entry for one read");
    assert_eq!(reads[0].event.detail, "2 families scored under pseudonyms");

    let mine = w.app.get_as(&w.council, &format!("/cohorts/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(
        mine.body.contains("Hill") && mine.body.contains("Ash"),
        "{}",
        mine.body
    );
    assert!(!mine.body.contains("F-"), "practitioners see no scores");
    assert_eq!(reads_of(&w.app, &id).await.len(), 2);

    let refused = w
        .app
        .post_as(&w.council, "/cohorts", &[("name", "Mine")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = w
        .app
        .post_as(
            &w.analyst,
            "/cohorts",
            &[("name", ""), ("min_needs", "3"), ("weight_debt", "x")],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter a name for the cohort",
            "A family cannot have more of the needs than are ticked",
            "Enter the points for the need as a whole number from 0 to 100",
        ],
    );
    let _ = w.council_id;
}

/// The cohort's cost by agency (pence), as its API shows the analyst.
async fn cohort_costs(w: &World, token: &str, id: &str) -> BTreeMap<String, i64> {
    let res = w
        .app
        .api(Method::GET, &format!("/api/v1/cohorts/{id}"), token, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    serde_json::from_value(res.json()["cost_by_agency_pence"].clone()).expect("costs")
}

async fn a_cohorts_appraisal_reconciles_to_the_penny_with_its_involvements(db: TestDb) {
    let w = world(db).await;
    let id = two_needs(&w).await;
    let made = w
        .app
        .post_as(&w.analyst, "/account/tokens", &[("token_name", "t")])
        .await;
    let token = mono(&made.body).expect("token");
    let want = cohort_costs(&w, &token, &id).await;
    assert_eq!(want.len(), 3, "{want:?}");
    let started = w
        .app
        .post_as(&w.analyst, &format!("/cohorts/{id}/appraisal"), &[])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let aid: AppraisalId = started
        .location()
        .trim_start_matches("/appraisals/")
        .parse()
        .expect("appraisal id");
    let actor = Actor::user(w.app.user_named("ana.lyst").await, "test", None);
    let view = w
        .app
        .service
        .appraisal_view(&actor, aid, 0, 0)
        .await
        .expect("view");
    assert!(view.problems.is_empty(), "{:?}", view.problems);
    let as_is = view.report.expect("report").results.as_is.expect("As Is");
    let got: BTreeMap<String, i64> = as_is
        .by_agency
        .iter()
        .map(|(a, pounds)| (a.clone(), (pounds * 100.0).round() as i64))
        .collect();
    assert_eq!(got, want, "the As Is by agency reconciles to the penny");
    let page = w
        .app
        .get_as(&w.analyst, &format!("/appraisals/{aid}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

async fn the_api_builds_a_cohort_and_starts_its_appraisal(db: TestDb) {
    let w = world(db).await;
    let made = w
        .app
        .post_as(&w.analyst, "/account/tokens", &[("token_name", "t")])
        .await;
    let token = mono(&made.body).expect("token");
    let body = serde_json::json!({
        "name": "Police and council", "needs": ["parenting", "antisocial_behaviour"],
        "min_needs": 2, "cost_points_per_thousand": 1, "weights": {"parenting": 4}
    })
    .to_string();
    let res = w
        .app
        .api(Method::POST, "/api/v1/cohorts", &token, Some(body.clone()))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_i64().expect("id");
    let again = w
        .app
        .api(Method::POST, "/api/v1/cohorts", &token, Some(body))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let v = w
        .app
        .api(Method::GET, &format!("/api/v1/cohorts/{id}"), &token, None)
        .await
        .json();
    assert_eq!(v["families"], 1, "{v}");
    let f = &v["scored"][0];
    let total = f["score_hundredths"].as_i64().expect("score");
    let parts = f["cost_part_hundredths"].as_i64().expect("cost part")
        + f["need_parts"]
            .as_object()
            .expect("need parts")
            .values()
            .filter_map(serde_json::Value::as_i64)
            .sum::<i64>();
    assert_eq!(total, parts, "the score is the sum of its parts");
    let started = w
        .app
        .api(
            Method::POST,
            &format!("/api/v1/cohorts/{id}/appraisal"),
            &token,
            None,
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let gone = w
        .app
        .api(
            Method::DELETE,
            &format!("/api/v1/cohorts/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
}
