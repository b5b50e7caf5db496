//! Merges and splits of people formed by linkage, on SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set) PostgreSQL: through the pages (forms, located errors,
//! lineage, undo), the second reviewer for a merge across data classes (its author cannot
//! confirm it), the API, and the next linking run keeping to each correction.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser};
use wholeplace_domain::{AgencyId, PersonId};
use wholeplace_service::extracts::{ExtractFile, ExtractForm};
use wholeplace_service::{Actor, AgreementForm};
use wholeplace_store::prelude::*;
use wholeplace_store::{CorrectionState, StagedRecord};
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    the_pages_merge_split_and_undo_and_the_next_run_keeps_to_them,
    a_merge_across_data_classes_waits_for_someone_else_to_confirm_it,
    the_api_merges_splits_and_undoes,
);

const HEADER: &str = "record_id,given_name,family_name,date_of_birth,sex,house_number,street,town,postcode,nhs_number,ni_number\n";

/// Two agencies under one agreement covering identity and police data, each with an extract:
/// the council's holds Ann Lee twice (one moved house, a typo in the surname) and her son; the
/// police's holds Ann once more.
async fn staged(app: &App, police_class: &str) -> (AgencyId, AgencyId) {
    let op = Actor::operator();
    let council = app
        .service
        .create_agency(&op, "Shire Council", "county_council")
        .await
        .expect("council");
    let police = app
        .service
        .create_agency(&op, "Shire Police", "police")
        .await
        .expect("police");
    let form = AgreementForm {
        title: "Linkage ISA".into(),
        parties: vec![council.to_string(), police.to_string()],
        classes: vec!["identity".into(), "police".into()],
        purposes: vec!["linkage".into()],
        basis: "public_task".into(),
        condition: "substantial_public_interest".into(),
        starts_on: "2020-01-01".into(),
        review_on: "2030-01-01".into(),
        expires_on: "2030-12-31".into(),
        signatories: "Signed".into(),
    };
    app.service
        .create_agreement(&op, &form)
        .await
        .expect("agreement");
    app.partnership("Shire partnership", &[council, police])
        .await;
    let extracts = [
        (
            council,
            "identity",
            "c1,Ann,Lee,1980-02-01,F,1,High Street,Shiretown,ST1 1AA,4857773456,\n\
             c2,Ann,Leee,1980-02-01,F,9,Mill Lane,Shiretown,ST2 2BB,,\n\
             c3,Kyle,Lee,2010-06-15,M,1,High Street,Shiretown,ST1 1AA,,\n",
        ),
        (
            police,
            police_class,
            "p1,Ann,Lee,1980-02-01,F,1,High Street,Shiretown,ST1 1AA,,\n",
        ),
    ];
    for (agency, class, rows) in extracts {
        let form = ExtractForm {
            partnership_id: String::new(),
            agency_id: agency.to_string(),
            data_class: class.into(),
            columns: Vec::new(),
        };
        let file = ExtractFile {
            name: format!("{class}.csv"),
            bytes: format!("{HEADER}{rows}").into_bytes(),
        };
        app.service
            .import_extract(&op, &form, &file)
            .await
            .expect("import");
    }
    (council, police)
}

async fn run(app: &App) {
    app.service
        .start_linking(&Actor::operator(), None)
        .await
        .expect("start");
    app.service.wait_for_linking(|_| {}).await;
}

/// Each staged record's person, by the agency's record id.
async fn people(app: &App) -> std::collections::BTreeMap<String, PersonId> {
    let recs: Vec<StagedRecord> = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("records");
    recs.into_iter()
        .map(|r| (r.values[0].clone(), r.person_id.expect("linked")))
        .collect()
}

fn record_ids(html: &str) -> Vec<String> {
    html.match_indices("name=\"records\" type=\"checkbox\" value=\"")
        .map(|(i, m)| {
            html[i + m.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn merge(app: &App, who: &Browser, kept: PersonId, other: PersonId, reason: &str) {
    let other = other.to_string();
    let done = app
        .post_as(
            who,
            &format!("/linking/people/{kept}/merge"),
            &[("other", &other), ("reason", reason)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

async fn the_pages_merge_split_and_undo_and_the_next_run_keeps_to_them(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    staged(&app, "identity").await;
    run(&app).await;
    // Four records are too few to train on: the engine keeps every record apart.
    let before = people(&app).await;
    let (ann, moved, police_ann) = (before["c1"], before["c2"], before["p1"]);
    assert_eq!(
        before
            .values()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        4,
        "{before:?}"
    );
    let ana = app.user("ana", "analyst").await;

    let page = app.get_as(&ana, &format!("/linking/people/{ann}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_styled_page();
    assert!(page.body.contains("Shire Council") && page.body.contains("High Street"));

    // Located errors: no reason, no such person, the same person.
    let bad = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/merge"),
            &[("other", "999999"), ("reason", "")],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Enter why", "There is no person 999999"],
    );
    let own = ann.to_string();
    let bad = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/merge"),
            &[("other", &own), ("reason", "x")],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["cannot be merged with themselves"],
    );

    // Merge the police record's person and the moved record's person into Ann.
    merge(
        &app,
        &ana,
        ann,
        police_ann,
        "Same date of birth and address",
    )
    .await;
    merge(
        &app,
        &ana,
        ann,
        moved,
        "Same NHS number; moved from Mill Lane",
    )
    .await;
    let now = people(&app).await;
    assert_eq!((now["c2"], now["p1"]), (ann, ann));
    let page = app.get_as(&ana, &format!("/linking/people/{ann}")).await;
    assert_eq!(record_ids(&page.body).len(), 3, "c1, c2 and p1 are Ann's");
    assert!(page.body.contains("Same NHS number; moved from Mill Lane"));
    assert!(page.body.contains("Shire Police"));

    // The next run keeps the merges, though the engine alone links none of them.
    run(&app).await;
    let now = people(&app).await;
    assert_eq!(
        (now["c2"], now["p1"]),
        (ann, ann),
        "the run kept the merges"
    );

    // Split the police record off again; every record cannot be split off.
    let ids = record_ids(&page.body);
    let all: Vec<(&str, &str)> = ids
        .iter()
        .map(|i| ("records", i.as_str()))
        .chain([("reason", "x")])
        .collect();
    let bad = app
        .post_as(&ana, &format!("/linking/people/{ann}/split"), &all)
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Leave at least one source record"],
    );
    let none = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/split"),
            &[("reason", "")],
        )
        .await;
    none.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Choose one or more", "Enter why"],
    );
    let recs = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("r");
    let p1 = recs
        .iter()
        .find(|r| r.values[0] == "p1")
        .expect("p1")
        .id
        .to_string();
    let split = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/split"),
            &[
                ("records", &p1),
                ("reason", "Different person: police checked"),
            ],
        )
        .await;
    assert_eq!(split.status, StatusCode::SEE_OTHER, "{}", split.body);
    let split_off = people(&app).await["p1"];
    assert!(![ann, police_ann].contains(&split_off), "a new person");
    run(&app).await;
    let now = people(&app).await;
    assert_eq!(
        (now["p1"], now["c2"]),
        (split_off, ann),
        "the run kept the split"
    );

    // Undo goes newest first: the first merge cannot be undone before the split.
    let list = app
        .service
        .list_corrections(&Actor::operator())
        .await
        .expect("list");
    let ids: Vec<_> = list.iter().map(|c| c.id).collect();
    let early = app
        .post_as(&ana, &format!("/linking/corrections/{}/undo", ids[2]), &[])
        .await;
    early.assert_error_summary(StatusCode::UNPROCESSABLE_ENTITY, &["came later"]);
    for id in &ids {
        let undone = app
            .post_as(&ana, &format!("/linking/corrections/{id}/undo"), &[])
            .await;
        assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    }
    assert_eq!(people(&app).await, before, "all moved back");
    let left = app.store.person_links(split_off).await.expect("l");
    assert!(left.is_none(), "the split-off person is gone: {left:?}");
    let list_page = app.get_as(&ana, "/linking/corrections").await;
    assert_eq!(list_page.status, StatusCode::OK);
    assert!(
        list_page.body.contains("Undone by ana"),
        "{}",
        list_page.body
    );
    let audit = app.audit().await;
    for action in ["linkage.merge", "linkage.split", "linkage.undo"] {
        assert!(
            audit
                .iter()
                .any(|e| e.event.action == action && e.event.allowed),
            "{action}"
        );
    }
    assert!(
        audit.iter().all(|e| !e.event.detail.contains("Ann")),
        "no name reaches the audit log"
    );
}

async fn a_merge_across_data_classes_waits_for_someone_else_to_confirm_it(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    staged(&app, "police").await;
    run(&app).await;
    let before = people(&app).await;
    let (ann, moved) = (before["c1"], before["c2"]);
    let police_ann = before["p1"];
    assert_ne!(
        police_ann, ann,
        "different classes are linked apart here too"
    );
    let ana: Browser = app.user("ana", "analyst").await;
    let bea: Browser = app.user("bea", "analyst").await;
    let other = police_ann.to_string();
    let asked = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/merge"),
            &[
                ("other", &other),
                ("reason", "Same date of birth and address"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    assert_eq!(people(&app).await["p1"], police_ann, "nothing moves yet");
    let c = app
        .service
        .list_corrections(&Actor::operator())
        .await
        .expect("l")[0]
        .clone();
    assert_eq!((c.state, c.cross_class), (CorrectionState::Awaiting, true));
    // Another correction of the same people waits for it.
    let m = moved.to_string();
    let blocked = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/merge"),
            &[("other", &m), ("reason", "Same NHS number")],
        )
        .await;
    blocked.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["waiting for a second reviewer"],
    );
    // Its author cannot confirm it, and is not offered to.
    let mine = app.get_as(&ana, "/linking/corrections").await;
    assert!(
        !mine.body.contains("as second reviewer</button>"),
        "{}",
        mine.body
    );
    let refused = app
        .post_as(&ana, &format!("/linking/corrections/{}/confirm", c.id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "linkage.confirm" && !e.event.allowed)
    );
    let theirs = app.get_as(&bea, "/linking/corrections").await;
    assert!(theirs.body.contains("as second reviewer</button>"));
    let ok = app
        .post_as(&bea, &format!("/linking/corrections/{}/confirm", c.id), &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        people(&app).await["p1"],
        ann,
        "confirmed, the records moved"
    );
    let done = app.store.get_correction(c.id).await.expect("g").expect("c");
    assert_eq!(done.confirmed_by.as_deref(), Some("bea"));
    // With the setting off, the same merge is done at once.
    let band = app
        .post_as(&ana, "/linking/band", &[("lower", "50"), ("upper", "95")])
        .await;
    assert_eq!(band.status, StatusCode::SEE_OTHER, "{}", band.body);
    assert!(
        !app.store
            .linkage_settings(app.first_partnership().await)
            .await
            .expect("s")
            .second_review
    );
    app.post_as(&ana, &format!("/linking/corrections/{}/undo", c.id), &[])
        .await;
    let again = app
        .post_as(
            &ana,
            &format!("/linking/people/{ann}/merge"),
            &[("other", &other), ("reason", "Same date of birth")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(people(&app).await["p1"], ann);
}

async fn the_api_merges_splits_and_undoes(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    staged(&app, "identity").await;
    run(&app).await;
    let before = people(&app).await;
    let (ann, moved, police_ann) = (before["c1"], before["c2"], before["p1"]);
    let ana = app.user("ana", "analyst").await;
    merge(
        &app,
        &ana,
        ann,
        police_ann,
        "Same date of birth and address",
    )
    .await;
    let made = app
        .post_as(&ana, "/account/tokens", &[("token_name", "fix")])
        .await;
    let token = common::mono(&made.body).expect("a token");
    let got = app
        .api(
            Method::GET,
            &format!("/api/v1/linkage/people/{ann}"),
            &token,
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let records = got.json()["records"].as_array().expect("records").clone();
    assert_eq!(records.len(), 2, "{}", got.body);
    assert_eq!(records[0]["values"]["record_id"], "c1");
    let bad = app
        .api(
            Method::POST,
            &format!("/api/v1/linkage/people/{ann}/merge"),
            &token,
            Some(serde_json::json!({"other_person_id": ann.get(), "reason": "x"}).to_string()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "other");
    let merged = app
        .api(
            Method::POST,
            &format!("/api/v1/linkage/people/{ann}/merge"),
            &token,
            Some(
                serde_json::json!({"other_person_id": moved.get(), "reason": "Same NHS number"})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(merged.status, StatusCode::CREATED, "{}", merged.body);
    assert_eq!(merged.json()["state"], "applied");
    let p1 = records
        .iter()
        .find(|r| r["values"]["record_id"] == "p1")
        .expect("p1")["id"]
        .clone();
    let split = app
        .api(
            Method::POST,
            &format!("/api/v1/linkage/people/{ann}/split"),
            &token,
            Some(serde_json::json!({"record_ids": [p1], "reason": "Different person"}).to_string()),
        )
        .await;
    assert_eq!(split.status, StatusCode::CREATED, "{}", split.body);
    let list = app
        .api(Method::GET, "/api/v1/linkage/corrections", &token, None)
        .await;
    let list = list.json();
    assert_eq!(list.as_array().map(Vec::len), Some(3));
    assert_eq!(list[0]["kind"], "split");
    assert_eq!(list[1]["other_person_id"], moved.get());
    for c in list.as_array().expect("list") {
        let undo = app
            .api(
                Method::POST,
                &format!("/api/v1/linkage/corrections/{}/undo", c["id"]),
                &token,
                None,
            )
            .await;
        assert_eq!(undo.status, StatusCode::NO_CONTENT, "{}", undo.body);
    }
    let again = app
        .api(
            Method::POST,
            &format!("/api/v1/linkage/corrections/{}/undo", list[0]["id"]),
            &token,
            None,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(people(&app).await, before, "everything is back");
}
