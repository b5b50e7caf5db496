//! Soft outcomes and place perception through the pages, the downloads and the API: the
//! (S)WEMWBS licence gate (no form, score, API or export before an administrator records the
//! registration; its notice on the page, in every CSV and XLSX row and in the JSON after), ONS4
//! kept measure by measure with means to two decimals, a scale's distance travelled, and a survey
//! answered through its public link without signing in. On SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set) PostgreSQL.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, mono};
use wholeplace_service::{Actor, PlaceForm};
use wholeplace_store::prelude::{FamilyStore, SoftOutcomeStore};
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    the_wemwbs_gate_holds_on_every_output,
    ons4_and_scales_report_each_measure_and_the_distance_travelled,
    a_survey_is_answered_through_its_link_without_signing_in,
);

async fn person(app: &App) -> i64 {
    app.store
        .create_person(
            &wholeplace_store::NewPerson {
                given_name: "Ann".into(),
                family_name: "Reed".into(),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            &app.service_event("person.create"),
        )
        .await
        .expect("person")
        .get()
}

async fn the_wemwbs_gate_holds_on_every_output(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "wemwbs")])
        .await;
    let token = mono(&made.body).expect("token");
    let who = person(&app).await.to_string();
    let reading = serde_json::json!({
        "scale": "wemwbs", "person_id": who.parse::<i64>().expect("id"), "taken_on": "2024-05-01",
        "items": [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4]
    });

    // Without the registration: no form, score, API or export.
    let index = app.get_as(&admin, "/soft-outcomes").await;
    assert!(
        index
            .body
            .contains("not available until an administrator records the registration")
    );
    assert!(!index.body.contains("href=\"/soft-outcomes/wemwbs\""));
    for path in [
        "/soft-outcomes/wemwbs",
        "/soft-outcomes/wemwbs.csv",
        "/soft-outcomes/wemwbs.xlsx",
    ] {
        let r = app.get_as(&admin, path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            r.body.contains("record the registration"),
            "{path}: {}",
            r.body
        );
    }
    let posted = app
        .post_as(
            &admin,
            "/soft-outcomes/wemwbs",
            &[
                ("scale", "swemwbs"),
                ("person", &who),
                ("taken_on", "2024-05-01"),
                ("items", "3 3 3 3 3 3 3"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    let api = app
        .api(Method::GET, "/api/v1/wellbeing/wemwbs", &token, None)
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let api = app
        .api(
            Method::POST,
            "/api/v1/wellbeing/wemwbs",
            &token,
            Some(reading.to_string()),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let stored = app
        .store
        .wellbeing_readings(wholeplace_store::Instrument::Wemwbs)
        .await
        .expect("readings");
    assert!(stored.is_empty(), "nothing was recorded");

    // An analyst cannot record the registration.
    let analyst = app.user("analyst-w", "analyst").await;
    let refused = app
        .post_as(
            &analyst,
            "/soft-outcomes/wemwbs/registration",
            &[
                ("registered_by", "Me"),
                ("registered_on", "2024-04-01"),
                ("licence_reference", "X"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // With it: the form, the score, and the notice on every output.
    let done = app
        .post_as(
            &admin,
            "/soft-outcomes/wemwbs/registration",
            &[
                ("registered_by", "Wychavon DC"),
                ("registered_on", "2024-04-01"),
                ("licence_reference", "REG-77"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let api = app
        .api(
            Method::POST,
            "/api/v1/wellbeing/wemwbs",
            &token,
            Some(reading.to_string()),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let page = app.get_as(&admin, "/soft-outcomes/wemwbs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("REG-77") && page.body.contains("University of Warwick"));
    assert!(
        page.body.contains(">43<"),
        "14 items of 3 and one of 4 total 43: {}",
        page.body
    );
    let csv = app.get_as(&admin, "/soft-outcomes/wemwbs.csv").await;
    let rows: Vec<&str> = csv.body.lines().collect();
    assert_eq!(rows.len(), 2, "{}", csv.body);
    assert!(rows[0].ends_with("notice"));
    assert!(
        rows[1].contains("REG-77") && rows[1].contains(",43,"),
        "{}",
        rows[1]
    );
    let xlsx = app.get_as(&admin, "/soft-outcomes/wemwbs.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let table = wholeplace_tabular::read_xlsx(&xlsx.bytes, "wemwbs").expect("workbook");
    let notice_col = table.column("notice").expect("a notice column");
    assert!(table.rows.iter().all(|r| r[notice_col].contains("REG-77")));
    let json = app
        .api(Method::GET, "/api/v1/wellbeing/wemwbs", &token, None)
        .await;
    assert!(
        json.json()["notice"]
            .as_str()
            .expect("notice")
            .contains("REG-77")
    );
    assert_eq!(json.json()["readings"][0]["total"], 43);
}

async fn ons4_and_scales_report_each_measure_and_the_distance_travelled(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "ons4")])
        .await;
    let token = mono(&made.body).expect("token");
    let a = person(&app).await;
    let b = person(&app).await;
    for (who, on, answers) in [
        (a, "2024-01-01", [4, 5, 6, 7]),
        (a, "2024-06-01", [7, 8, 8, 2]),
        (b, "2024-02-01", [9, 9, 10, 0]),
    ] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/wellbeing/ons4",
                &token,
                Some(
                    serde_json::json!({
                        "person_id": who, "taken_on": on, "life_satisfaction": answers[0],
                        "worthwhile": answers[1], "happiness": answers[2], "anxiety": answers[3]
                    })
                    .to_string(),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let out_of_range = app
        .api(
            Method::POST,
            "/api/v1/wellbeing/ons4",
            &token,
            Some(serde_json::json!({"person_id": a, "taken_on": "2024-01-01", "life_satisfaction": 11, "worthwhile": 1, "happiness": 1, "anxiety": 1}).to_string()),
        )
        .await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = app
        .api(Method::GET, "/api/v1/wellbeing/ons4", &token, None)
        .await
        .json();
    let measures = v["measures"].as_array().expect("measures");
    assert_eq!(measures.len(), 4, "four measures, never one combined score");
    // Life satisfaction: 4, 7 and 9: mean 6.67; bands low, high, very high.
    assert_eq!(measures[0]["mean"], "6.67");
    let bands: Vec<u64> = measures[0]["bands"]
        .as_array()
        .expect("bands")
        .iter()
        .map(|b| b["answers"].as_u64().expect("n"))
        .collect();
    assert_eq!(bands, [1, 0, 1, 1]);
    // Anxiety: 7, 2 and 0: mean 3.00; very low, low, medium, high.
    assert_eq!(measures[3]["mean"], "3.00");
    let bands: Vec<u64> = measures[3]["bands"]
        .as_array()
        .expect("bands")
        .iter()
        .map(|b| b["answers"].as_u64().expect("n"))
        .collect();
    assert_eq!(bands, [1, 1, 0, 1]);
    assert_eq!(measures[0]["distance"]["mean_change"], "3.00");

    // A scale, a family's readings and the distance travelled.
    let family = app
        .service
        .create_family(
            &Actor::operator(),
            &wholeplace_service::HouseholdForm {
                name: "The Reeds".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let scale = app
        .api(
            Method::POST,
            "/api/v1/scales",
            &token,
            Some(serde_json::json!({"name": "Feeling safe", "high": 5, "anchors": ["Not at all", "Completely"]}).to_string()),
        )
        .await;
    assert_eq!(scale.status, StatusCode::CREATED, "{}", scale.body);
    let id = scale.json()["id"].as_i64().expect("id");
    for (on, score) in [("2024-01-01", 1), ("2024-09-01", 4)] {
        let r = app
            .post_as(
                &admin,
                &format!("/soft-outcomes/scales/{id}"),
                &[
                    ("family", &family.to_string()),
                    ("taken_on", on),
                    ("score", &score.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let too_high = app
        .post_as(
            &admin,
            &format!("/soft-outcomes/scales/{id}"),
            &[
                ("person", &a.to_string()),
                ("taken_on", "2024-01-01"),
                ("score", "6"),
            ],
        )
        .await;
    too_high.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Enter the score from 1 to 5: 6 is outside 1 to 5"],
    );
    let nobody = app
        .post_as(
            &admin,
            &format!("/soft-outcomes/scales/{id}"),
            &[
                ("person", "99999"),
                ("taken_on", "2024-01-01"),
                ("score", "3"),
            ],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::CONFLICT, "{}", nobody.body);
    let detail = app
        .api(Method::GET, &format!("/api/v1/scales/{id}"), &token, None)
        .await
        .json();
    assert_eq!(detail["travelled"][0]["change"], 3);
    assert_eq!(detail["cohort"]["mean_change"], "3.00");
    let page = app
        .get_as(&admin, &format!("/soft-outcomes/scales/{id}"))
        .await;
    assert!(
        page.body.contains(&format!("Family {family}")) && page.body.contains("+3"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("The Reeds"),
        "people and families by record number only"
    );
    let reads = app
        .audit()
        .await
        .iter()
        .filter(|e| e.event.action == "wellbeing.read" && e.event.allowed)
        .count();
    assert!(reads >= 3, "every read of readings is audited ({reads})");
    let viewer = app.user("viewer-w", "viewer").await;
    assert_eq!(
        app.get_as(&viewer, &format!("/soft-outcomes/scales/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn a_survey_is_answered_through_its_link_without_signing_in(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    app.service
        .create_place(
            &Actor::operator(),
            &PlaceForm {
                name: "Wychavon".into(),
                level: "district".into(),
                ..Default::default()
            },
        )
        .await
        .expect("place");
    let made = app
        .post_as(
            &admin,
            "/surveys",
            &[("place", "Wychavon"), ("name", "Place survey")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let survey = made.location().to_owned();
    let round = app
        .post_as(
            &admin,
            &format!("{survey}/rounds"),
            &[
                ("label", "Now"),
                ("opens_on", "2000-01-01"),
                ("closes_on", "2099-12-31"),
                ("invited", "3"),
                ("groups", "Evesham\nPershore"),
            ],
        )
        .await;
    assert_eq!(round.status, StatusCode::SEE_OTHER, "{}", round.body);
    let page = app.get_as(&admin, &survey).await;
    let link = common::between(&page.body, "href=\"/survey/", "\"").expect("the round's link");
    let public = format!("/survey/{link}");
    let open = app.get(&public, None).await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(
        open.body.contains("Moving around") && open.body.contains("Influence and sense of control")
    );
    let send = |fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let public = public.clone();
        async move {
            let body = serde_urlencoded::to_string(&fields).expect("form");
            app.post_raw(
                &public,
                None,
                "application/x-www-form-urlencoded",
                body.into_bytes(),
            )
            .await
        }
    };
    let bad = send(vec![("theme_1", "9"), ("group", "Mars")]).await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Choose a score for Moving around from 1 to 7",
            "Choose one of the groups listed, or leave it empty",
        ],
    );
    let script = send(vec![("theme_1", "4"), ("website", "http://spam")]).await;
    assert_eq!(script.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = send(vec![
        ("theme_1", "5"),
        ("theme_14", "3"),
        ("group", "Pershore"),
        ("good", "The park"),
    ])
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("Thank you"));
    assert!(
        send(vec![("theme_1", "7")])
            .await
            .body
            .contains("Thank you")
    );
    assert_eq!(
        app.get("/survey/ps_no-such-link", None).await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.get_as(&admin, &survey).await;
    assert!(
        page.body.contains("66.67%"),
        "two of three invited: {}",
        page.body
    );
    assert!(page.body.contains("The park"));
    assert!(page.body.contains("role=\"img\""), "a compass");
    let entry = app
        .audit()
        .await
        .into_iter()
        .rev()
        .find(|e| e.event.action == "survey.response")
        .expect("audited");
    assert_eq!(
        (entry.event.actor.as_str(), entry.event.address.as_str()),
        ("survey-link", "survey link"),
        "no address kept"
    );
}
