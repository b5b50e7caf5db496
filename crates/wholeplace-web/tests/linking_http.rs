//! Linkage in the product, on SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set) PostgreSQL:
//! agencies' extracts from the synthetic data generator imported under an agreement (and
//! refused, audited, without one), linked as a background job into people and households (a
//! re-run keeps people's ids), households measured against the generator's household truth
//! (B-cubed F1), and the review queue's decisions audited and undone.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::StatusCode;
use common::{App, Browser, multipart};
use std::collections::HashMap;
use wholeplace_domain::{AgencyId, PersonId};
use wholeplace_linkage::synth::{COLUMNS, SynthConfig, generate};
use wholeplace_service::extracts::{ExtractFile, ExtractForm};
use wholeplace_service::{Actor, AgreementForm, ServiceError};
use wholeplace_store::ReviewStatus;
use wholeplace_store::prelude::*;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    extracts_link_into_people_and_households_with_a_review_queue,
    an_extract_without_an_agreement_is_refused_and_the_refusal_audited,
    the_pages_upload_run_and_review,
    the_upload_page_refuses_an_extract_without_an_agreement,
    the_api_stages_runs_and_reviews,
    extracts_of_encodings_link_without_an_identifier_reaching_the_service,
    each_partnership_links_its_own_extracts_with_its_own_band_and_queue,
);

/// Synthetic extracts: per source, the CSV and each record's (record id, true household).
fn synthetic(people: usize, sources: usize) -> Vec<(String, Vec<(String, u64)>)> {
    let mut files: Vec<(String, Vec<(String, u64)>)> =
        vec![(COLUMNS.join(",") + "\n", Vec::new()); sources];
    generate(&SynthConfig::new(people, 11, sources), |r| {
        let (csv, truth) = &mut files[r.source];
        let cells: Vec<String> = std::iter::once(&r.record_id)
            .chain(r.values.iter())
            .map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
        truth.push((r.record_id.clone(), r.household));
    });
    files
}

async fn agencies(app: &App) -> (AgencyId, AgencyId) {
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
    app.partnership("Shire partnership", &[council, police])
        .await;
    (council, police)
}

async fn agreement(app: &App, parties: &[AgencyId]) {
    let form = AgreementForm {
        title: "Linkage ISA".into(),
        parties: parties.iter().map(ToString::to_string).collect(),
        classes: vec!["identity".into()],
        purposes: vec!["linkage".into()],
        basis: "public_task".into(),
        condition: String::new(),
        starts_on: "2020-01-01".into(),
        review_on: "2030-01-01".into(),
        expires_on: "2030-12-31".into(),
        signatories: "Signed".into(),
    };
    app.service
        .create_agreement(&Actor::operator(), &form)
        .await
        .expect("agreement");
}

fn form(agency: AgencyId) -> ExtractForm {
    ExtractForm {
        partnership_id: String::new(),
        agency_id: agency.to_string(),
        data_class: "identity".into(),
        columns: Vec::new(),
    }
}

fn file(name: &str, csv: &str) -> ExtractFile {
    ExtractFile {
        name: name.into(),
        bytes: csv.as_bytes().to_vec(),
    }
}

async fn run(app: &App) {
    let op = Actor::operator();
    app.service.start_linking(&op, None).await.expect("start");
    let mut seen = 0;
    app.service.wait_for_linking(|_| seen += 1).await;
    assert!(seen > 0, "progress was readable while the run ran");
}

/// B-cubed precision and recall of predicted against true clusters, over the same items.
fn b_cubed(pred: &[u64], truth: &[u64]) -> (f64, f64) {
    let mut joint: HashMap<(u64, u64), f64> = HashMap::new();
    let (mut ps, mut ts): (HashMap<u64, f64>, HashMap<u64, f64>) = Default::default();
    for (p, t) in pred.iter().zip(truth) {
        *joint.entry((*p, *t)).or_default() += 1.0;
        *ps.entry(*p).or_default() += 1.0;
        *ts.entry(*t).or_default() += 1.0;
    }
    let n = pred.len() as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for ((p, t), k) in &joint {
        precision += k * k / ps[p];
        recall += k * k / ts[t];
    }
    (precision / n, recall / n)
}

/// Each staged record's predicted household (its person's linked household, or the person
/// alone) and true household.
async fn households(app: &App, truth: &HashMap<(AgencyId, String), u64>) -> (Vec<u64>, Vec<u64>) {
    let records = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("records");
    let mut of_person: HashMap<PersonId, u64> = HashMap::new();
    let (mut pred, mut real) = (Vec::new(), Vec::new());
    for r in &records {
        let p = r.person_id.expect("every record is a person");
        if let std::collections::hash_map::Entry::Vacant(slot) = of_person.entry(p) {
            let hh = app.store.households_of(p).await.expect("households");
            slot.insert(
                hh.first()
                    .map_or(1 << 40 | p.get() as u64, |h| h.get() as u64),
            );
        }
        pred.push(of_person[&p]);
        real.push(truth[&(r.agency_id, r.values[0].clone())]);
    }
    (pred, real)
}

async fn extracts_link_into_people_and_households_with_a_review_queue(db: TestDb) {
    let app = App::new(db);
    let (council, police) = agencies(&app).await;
    agreement(&app, &[council, police]).await;
    let op = Actor::operator();
    let mut truth = HashMap::new();
    for ((csv, rows), agency) in synthetic(1500, 2).into_iter().zip([council, police]) {
        let done = app
            .service
            .import_extract(&op, &form(agency), &file("extract.csv", &csv))
            .await
            .expect("import");
        assert_eq!(done.records, rows.len());
        truth.extend(rows.into_iter().map(|(id, h)| ((agency, id), h)));
    }
    run(&app).await;
    let runs = app
        .store
        .list_linkage_runs(app.first_partnership().await)
        .await
        .expect("runs");
    assert_eq!(
        runs[0].state,
        wholeplace_store::RunState::Finished,
        "{runs:?}"
    );
    assert!(runs[0].counts.trained);
    // The band's expectations, from the run's pairs by probability: the saved band's match the
    // run's own counts; a wider band, saved, shows more to review before any run.
    let saved = app
        .service
        .linking_overview(&op, None)
        .await
        .expect("o")
        .expected
        .expect("e");
    assert_eq!(saved.to_review, runs[0].counts.queued);
    assert!((saved.false_matches - runs[0].counts.expected_false).abs() <= 1);
    assert!((saved.missed_matches - runs[0].counts.expected_missed).abs() <= 1);
    let wider = wholeplace_service::linking::ReviewBandForm {
        lower: "20".into(),
        upper: "99.9".into(),
        second_review: "yes".into(),
    };
    app.service
        .save_review_band(&op, None, &wider)
        .await
        .expect("band");
    let now = app
        .service
        .linking_overview(&op, None)
        .await
        .expect("o")
        .expected
        .expect("e");
    assert!(now.to_review > saved.to_review, "{now:?} against {saved:?}");
    assert!(now.false_matches <= saved.false_matches);
    let back = wholeplace_service::linking::ReviewBandForm {
        lower: "50".into(),
        upper: "95".into(),
        second_review: "yes".into(),
    };
    app.service
        .save_review_band(&op, None, &back)
        .await
        .expect("band");
    let (pred, real) = households(&app, &truth).await;
    let (p, r) = b_cubed(&pred, &real);
    let f1 = 2.0 * p * r / (p + r);
    assert!(
        f1 >= 0.90,
        "households B-cubed F1 {f1:.3} (precision {p:.3}, recall {r:.3})"
    );
    let before: Vec<_> = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("r")
        .iter()
        .map(|r| r.person_id)
        .collect();
    let queue = app
        .service
        .review_queue(&op, None, ReviewStatus::Pending, 1)
        .await
        .expect("queue");
    assert_eq!(queue.total, runs[0].counts.queued);
    if let Some(item) = queue.items.first() {
        assert!(item.evidence.is_some(), "each pair carries its waterfall");
        let id = item.item.id;
        app.service
            .decide_review(&op, id, ReviewStatus::Rejected)
            .await
            .expect("reject");
        app.service
            .decide_review(&op, id, ReviewStatus::Pending)
            .await
            .expect("undo");
        app.service
            .decide_review(&op, id, ReviewStatus::Accepted)
            .await
            .expect("accept");
    }
    run(&app).await;
    let runs = app
        .store
        .list_linkage_runs(app.first_partnership().await)
        .await
        .expect("runs");
    assert!(!runs[0].counts.trained, "the saved model is reused");
    let after = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("r");
    let kept = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| **b == a.person_id)
        .count();
    assert!(
        kept * 100 >= after.len() * 99,
        "people keep their ids: {kept} of {}",
        after.len()
    );
    let audit = app.audit().await;
    for action in [
        "extract.import",
        "linkage.run",
        "linkage.finish",
        "linkage.review",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.event.action == action && e.event.allowed),
            "{action}"
        );
    }
}

async fn an_extract_without_an_agreement_is_refused_and_the_refusal_audited(db: TestDb) {
    let app = App::new(db);
    let (council, police) = agencies(&app).await;
    let health = app
        .service
        .create_agency(&Actor::operator(), "Shire Health", "nhs_trust")
        .await
        .expect("health");
    agreement(&app, &[council, health]).await;
    let op = Actor::operator();
    let csv = "record_id,first_name,surname,dob\np1,Ann,Lee,01/02/1980\n";
    let refused = app
        .service
        .import_extract(&op, &form(police), &file("p.csv", csv))
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Validation(_))),
        "{refused:?}"
    );
    let audit = app.audit().await;
    let entry = audit
        .iter()
        .find(|e| e.event.action == "extract.import" && !e.event.allowed)
        .expect("the refusal is audited");
    assert!(
        entry.event.detail.contains("no agreement in force"),
        "{}",
        entry.event.detail
    );
    assert!(!entry.event.detail.contains("Lee") && !entry.event.detail.contains("1980"));
    assert!(app.store.list_extracts().await.expect("e").is_empty());
    // Located errors, and all or nothing.
    let bad = "record_id,first_name,surname,dob\np1,Ann,Lee,01/02/1980\np1,Bo,Lee,31/02/1980\n";
    let Err(ServiceError::Validation(problems)) = app
        .service
        .import_extract(&op, &form(council), &file("c.csv", bad))
        .await
    else {
        panic!("a bad extract is refused")
    };
    let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        text.iter().any(|m| m.starts_with("Row 3, column 'dob'")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|m| m.starts_with("Row 3: the record id")),
        "{text:?}"
    );
    assert!(app.store.list_extracts().await.expect("e").is_empty());
    let ok = app
        .service
        .import_extract(&op, &form(council), &file("c.csv", csv))
        .await;
    assert_eq!(ok.expect("imported").records, 1);
}

/// Uploads an extract through the page's multipart form.
async fn upload(app: &App, who: &Browser, agency: AgencyId, name: &str, csv: &str) -> common::Resp {
    let agency = agency.to_string();
    let (content_type, body) = multipart(&[
        ("csrf_token", None, who.csrf.as_bytes()),
        ("agency_id", None, agency.as_bytes()),
        ("data_class", None, b"identity".as_slice()),
        ("column_given_name", None, b"".as_slice()),
        ("file", Some(name), csv.as_bytes()),
    ]);
    app.post_raw(
        "/linking/extracts",
        Some(&who.cookie()),
        &content_type,
        body,
    )
    .await
}

/// Decides on a pair through the queue page's form.
async fn decide(app: &App, who: &Browser, id: &str, decision: &str) -> common::Resp {
    app.post_as(
        who,
        &format!("/linking/review/{id}"),
        &[("decision", decision), ("from", "pending"), ("page", "1")],
    )
    .await
}

/// The ids of the pairs a review page offers, in its order.
fn pair_ids(html: &str) -> Vec<String> {
    html.split("action=\"/linking/review/")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect()
}

async fn the_pages_upload_run_and_review(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let (council, police) = agencies(&app).await;
    agreement(&app, &[council, police]).await;
    let analyst = app.user("ana", "analyst").await;
    let page = app.get_as(&analyst, "/linking").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("href=\"/linking\""),
        "the nav offers Linking"
    );
    assert!(page.body.contains("No extract is staged yet"));
    for ((csv, rows), (agency, name)) in synthetic(1500, 2)
        .into_iter()
        .zip([(council, "council.csv"), (police, "police.csv")])
    {
        let res = upload(&app, &analyst, agency, name, &csv).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.body
                .contains(&format!("{} records staged from {name}", rows.len())),
            "{}",
            res.body
        );
    }
    let page = app.get_as(&analyst, "/linking").await;
    assert!(page.body.contains("Shire Police") && page.body.contains("police.csv"));
    assert!(
        page.body.contains("2 extracts, newest first"),
        "{}",
        page.body
    );
    // A practitioner does not see the page or its nav item.
    let practitioner = app.user("pat", "practitioner").await;
    let refused = app.get_as(&practitioner, "/linking").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let home = app.get_as(&practitioner, "/").await;
    assert!(!home.body.contains("href=\"/linking\""));

    let res = app.post_as(&analyst, "/linking/run", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let shire = app.first_partnership().await;
    assert_eq!(res.location(), format!("/linking?partnership={shire}"));
    let again = app.post_as(&analyst, "/linking/run", &[]).await;
    assert!(
        again.status == StatusCode::CONFLICT || again.status == StatusCode::SEE_OTHER,
        "{}",
        again.status
    );
    if again.status == StatusCode::CONFLICT {
        assert!(again.body.contains("already in progress"), "{}", again.body);
        assert!(
            again.body.contains("data-wp-poll"),
            "the progress shows while it runs"
        );
    }
    app.service.wait_for_linking(|_| {}).await;
    let page = app.get_as(&analyst, "/linking").await;
    assert!(page.body.contains("Finished"), "{}", page.body);
    assert!(page.body.contains("Expected false matches"));
    assert!(!page.body.contains("data-wp-poll"));

    // The band: bad input is shown again with its problem; good input is saved.
    let bad = app
        .post_as(
            &analyst,
            "/linking/band",
            &[("lower", "90"), ("upper", "50")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("govuk-error-summary") && bad.body.contains("below the upper"));

    let queue = app.get_as(&analyst, "/linking/review").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let ids = pair_ids(&queue.body);
    assert!(ids.len() >= 2, "the queue lists pairs: {}", queue.body);
    assert!(ids.len() <= 20, "a page holds at most 20 pairs");
    assert!(queue.body.contains("The evidence for pair"));
    assert!(queue.body.contains("Weight (bits)") && queue.body.contains(">Prior<"));
    assert!(
        queue.body.contains("href=\"/linking/people/"),
        "each record's person can be opened to merge or split"
    );
    let res = decide(&app, &analyst, &ids[0], "accept").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/linking/review?status=pending&page=1");
    let accepted = app
        .get_as(&analyst, "/linking/review?status=accepted")
        .await;
    assert_eq!(pair_ids(&accepted.body), vec![ids[0].clone()]);
    assert!(accepted.body.contains("Undo"));
    assert!(
        accepted.body.contains("decided by ana"),
        "{}",
        accepted.body
    );
    let res = decide(&app, &analyst, &ids[0], "undo").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let accepted = app
        .get_as(&analyst, "/linking/review?status=accepted")
        .await;
    assert!(pair_ids(&accepted.body).is_empty());
    let res = decide(&app, &analyst, &ids[1], "reject").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let rejected = app
        .get_as(&analyst, "/linking/review?status=rejected")
        .await;
    assert_eq!(pair_ids(&rejected.body), vec![ids[1].clone()]);
    let bad = app.get_as(&analyst, "/linking/review?status=maybe").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let audit = app.audit().await;
    let reviews: Vec<&str> = audit
        .iter()
        .filter(|e| e.event.action == "linkage.review" && e.event.actor == "ana")
        .map(|e| e.event.detail.as_str())
        .collect();
    assert_eq!(reviews, ["rejected", "undone", "accepted"], "newest first");
}

async fn the_upload_page_refuses_an_extract_without_an_agreement(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let (council, police) = agencies(&app).await;
    agreement(&app, &[council, app.agency().await]).await;
    let analyst = app.user("ana", "analyst").await;
    let csv = "record_id,first_name,surname,dob\np1,Ann,Lee,01/02/1980\n";
    let res = upload(&app, &analyst, police, "p.csv", csv).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("govuk-error-summary"));
    assert!(
        res.body
            .contains("No information-sharing agreement in force has this agency as a party"),
        "{}",
        res.body
    );
    assert!(res.body.contains("href=\"#agency_id\""));
    assert!(res.body.contains("No extract is staged yet"));
    let refusal = app
        .audit()
        .await
        .into_iter()
        .find(|e| e.event.action == "extract.import" && !e.event.allowed)
        .expect("the refusal is audited");
    assert_eq!(refusal.event.actor, "ana");
    // A located error from the page: a bad date names its row and column.
    let bad = "record_id,first_name,surname,dob\np1,Ann,Lee,31/02/1980\n";
    let res = upload(&app, &analyst, council, "c.csv", bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Row 2, column &#x27;dob&#x27;")
            || res.body.contains("Row 2, column 'dob'")
            || res.body.contains("Row 2, column &#39;dob&#39;"),
        "{}",
        res.body
    );
    // An upload with a stale form token changes nothing.
    let stale = Browser {
        csrf: "stale".into(),
        ..analyst.clone()
    };
    let res = upload(&app, &stale, council, "c.csv", csv).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(app.store.list_extracts().await.expect("e").is_empty());
    let res = upload(&app, &analyst, council, "c.csv", csv).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("1 record staged from c.csv"));
}

/// Two partnerships share an agency: each links only the extracts staged for it (the same
/// people staged for both become different people in each), runs of the two go on at once,
/// each keeps its own band and queue, an agency stages only for a partnership it is a member
/// of, and with several partnerships a request must say which.
async fn each_partnership_links_its_own_extracts_with_its_own_band_and_queue(db: TestDb) {
    use axum::http::Method;
    let app = App::new(db);
    let _admin = app.admin().await;
    let op = Actor::operator();
    let (council, police) = agencies(&app).await;
    let shire = app.first_partnership().await;
    let vale = app.partnership("Vale partnership", &[council]).await;
    agreement(&app, &[council, police]).await;
    let files = synthetic(400, 2);
    let for_ = |p: wholeplace_domain::PartnershipId, agency: AgencyId| ExtractForm {
        partnership_id: p.to_string(),
        ..form(agency)
    };
    // Not a member, and no partnership named among two: refused, nothing staged.
    let outsider = app
        .service
        .import_extract(&op, &for_(vale, police), &file("p.csv", &files[1].0))
        .await;
    let Err(ServiceError::Validation(errs)) = outsider else {
        panic!("{outsider:?}")
    };
    assert!(
        errs.iter().any(|e| e.field == "agency_id"
            && e.message
                .contains("Shire Police is not a member of Vale partnership")),
        "{errs:?}"
    );
    let unnamed = app
        .service
        .import_extract(&op, &form(council), &file("c.csv", &files[0].0))
        .await;
    let Err(ServiceError::Validation(errs)) = unnamed else {
        panic!("{unnamed:?}")
    };
    assert_eq!(errs[0].field, "partnership_id", "{errs:?}");
    assert!(app.store.list_extracts().await.expect("e").is_empty());
    // The council's extract staged for both; the police's for Shire only.
    for (p, agency, i) in [(shire, council, 0), (shire, police, 1), (vale, council, 0)] {
        app.service
            .import_extract(&op, &for_(p, agency), &file("x.csv", &files[i].0))
            .await
            .expect("staged");
    }
    let shire_records = files[0].1.len() + files[1].1.len();
    // Vale's band is its own.
    let band = |lower: &str, upper: &str| wholeplace_service::linking::ReviewBandForm {
        lower: lower.into(),
        upper: upper.into(),
        second_review: "yes".into(),
    };
    app.service
        .save_review_band(&op, Some(vale), &band("10", "20"))
        .await
        .expect("vale band");
    // Both run at once: one partnership's run never waits for the other's.
    app.service
        .start_linking(&op, Some(shire))
        .await
        .expect("shire starts");
    app.service
        .start_linking(&op, Some(vale))
        .await
        .expect("vale starts while shire may still run");
    app.service.wait_for_linking(|_| {}).await;
    let shire_view = app
        .service
        .linking_overview(&op, Some(shire))
        .await
        .expect("shire");
    let vale_view = app
        .service
        .linking_overview(&op, Some(vale))
        .await
        .expect("vale");
    assert_eq!(
        shire_view.band,
        (50.0, 95.0),
        "Shire keeps the default band"
    );
    assert_eq!(vale_view.band, (10.0, 20.0));
    assert_eq!(
        (shire_view.runs.len(), vale_view.runs.len()),
        (1, 1),
        "one run each"
    );
    assert_eq!(shire_view.runs[0].counts.records as usize, shire_records);
    assert_eq!(vale_view.runs[0].counts.records as usize, files[0].1.len());
    assert_eq!(
        (shire_view.staged, vale_view.staged),
        (shire_records, files[0].1.len())
    );
    // The same people staged for both are different people in each.
    let people = |records: Vec<wholeplace_store::StagedRecord>| {
        records
            .iter()
            .map(|r| r.person_id.expect("linked"))
            .collect::<std::collections::HashSet<_>>()
    };
    let in_shire = people(app.store.staged_records(shire).await.expect("r"));
    let in_vale = people(app.store.staged_records(vale).await.expect("r"));
    assert!(!in_vale.is_empty());
    assert!(
        in_shire.is_disjoint(&in_vale),
        "no person joins records of the two partnerships"
    );
    // Each queue holds its own pairs only.
    let vale_queue = app
        .service
        .review_queue(&op, Some(vale), ReviewStatus::Pending, 1)
        .await
        .expect("vale queue");
    assert!(
        vale_queue
            .items
            .iter()
            .all(|i| i.item.partnership_id == vale)
    );
    let shire_queue = app
        .service
        .review_queue(&op, Some(shire), ReviewStatus::Pending, 1)
        .await
        .expect("shire queue");
    assert!(
        shire_queue
            .items
            .iter()
            .all(|i| i.item.partnership_id == shire)
    );
    // The API: with two partnerships a request names one, and the problem lists them.
    let analyst = app.user("ana", "analyst").await;
    let made = app
        .post_as(&analyst, "/account/tokens", &[("token_name", "linking")])
        .await;
    let token = common::mono(&made.body).expect("a token");
    let unnamed = app
        .api(Method::GET, "/api/v1/linkage/runs", &token, None)
        .await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = unnamed.json()["error"]["fields"][0]["message"].to_string();
    assert!(
        message.contains(&format!("{shire} (Shire partnership)"))
            && message.contains(&format!("{vale} (Vale partnership)")),
        "{message}"
    );
    let named = app
        .api(
            Method::GET,
            &format!("/api/v1/linkage/runs?partnership={vale}"),
            &token,
            None,
        )
        .await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.body);
    assert_eq!(named.json()["partnership_name"], "Vale partnership");
    assert_eq!(named.json()["review_lower_percent"], 10.0);
    // The page shows the partnership chosen, and a choice of the other.
    let page = app
        .get_as(&analyst, &format!("/linking?partnership={vale}"))
        .await;
    assert!(page.body.contains("Vale partnership") && page.body.contains("Shire partnership"));
    assert!(
        page.body.contains("1 extract, newest first"),
        "{}",
        page.body
    );
    let bad = app.get_as(&analyst, "/linking?partnership=nine").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

async fn the_api_stages_runs_and_reviews(db: TestDb) {
    use axum::http::Method;
    let app = App::new(db);
    let _admin = app.admin().await;
    let (council, police) = agencies(&app).await;
    let analyst = app.user("ana", "analyst").await;
    let made = app
        .post_as(&analyst, "/account/tokens", &[("token_name", "linking")])
        .await;
    let token = common::mono(&made.body).expect("a token");
    let body = |agency: AgencyId, csv: &str| {
        serde_json::json!({"agency_id": agency.get(), "data_class": "identity", "csv": csv, "file_name": "api.csv"})
            .to_string()
    };
    let files = synthetic(1500, 2);
    let refused = app
        .api(
            Method::POST,
            "/api/v1/extracts",
            &token,
            Some(body(council, &files[0].0)),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["error"]["fields"][0]["field"], "agency_id");
    agreement(&app, &[council, police]).await;
    for ((csv, rows), agency) in files.iter().zip([council, police]) {
        let res = app
            .api(
                Method::POST,
                "/api/v1/extracts",
                &token,
                Some(body(agency, csv)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["records"], rows.len());
    }
    let list = app.api(Method::GET, "/api/v1/extracts", &token, None).await;
    assert_eq!(list.json().as_array().map(Vec::len), Some(2));
    let started = app
        .api(Method::POST, "/api/v1/linkage/runs", &token, None)
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    app.service.wait_for_linking(|_| {}).await;
    let runs = app
        .api(Method::GET, "/api/v1/linkage/runs", &token, None)
        .await;
    assert_eq!(runs.json()["runs"][0]["state"], "finished", "{}", runs.body);
    assert!(runs.json()["running"].is_null());
    let cancel = app
        .api(
            Method::POST,
            "/api/v1/linkage/runs/current/cancel",
            &token,
            None,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    let queue = app
        .api(Method::GET, "/api/v1/linkage/review?page=1", &token, None)
        .await;
    let q = queue.json();
    assert!(q["total"].as_i64().unwrap_or(0) >= 1, "{}", queue.body);
    let first = &q["items"][0];
    assert!(
        !first["contributions"]
            .as_array()
            .expect("evidence")
            .is_empty()
    );
    let id = first["id"].as_i64().expect("id");
    let decided = app
        .api(
            Method::POST,
            &format!("/api/v1/linkage/review/{id}"),
            &token,
            Some(r#"{"decision": "reject"}"#.into()),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
    let rejected = app
        .api(
            Method::GET,
            "/api/v1/linkage/review?status=rejected",
            &token,
            None,
        )
        .await;
    assert_eq!(rejected.json()["items"][0]["id"], id);
    let bad = app
        .api(
            Method::GET,
            "/api/v1/linkage/review?status=maybe",
            &token,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// Each agency encodes its own extract with the key they share (`wholeplace link --encode`), and
/// only the encodings are uploaded: the service stages no identifier, refuses a file that
/// carries one beside the encodings, and links the encodings into people.
async fn extracts_of_encodings_link_without_an_identifier_reaching_the_service(db: TestDb) {
    let app = App::new(db);
    let (council, police) = agencies(&app).await;
    agreement(&app, &[council, police]).await;
    let dir = tempfile::tempdir().expect("dir");
    let mut plain = Vec::new();
    let mut truth: HashMap<String, u64> = HashMap::new();
    let mut files: Vec<String> = vec![COLUMNS.join(",") + "\n"; 2];
    generate(&SynthConfig::new(1500, 11, 2), |r| {
        let cells: Vec<String> = std::iter::once(&r.record_id)
            .chain(r.values.iter())
            .map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .collect();
        files[r.source].push_str(&cells.join(","));
        files[r.source].push('\n');
        truth.insert(format!("{}:{}", r.source, r.record_id), r.person);
    });
    for (i, csv) in files.iter().enumerate() {
        let path = dir.path().join(format!("agency{i}.csv"));
        std::fs::write(&path, csv).expect("write");
        plain.push(path);
    }
    let key = dir.path().join("key.txt");
    std::fs::write(&key, "a key the two agencies hold, not the partnership").expect("key");
    let out = dir.path().join("encoded");
    let options = wholeplace_linkage_job::LinkOptions {
        inputs: plain,
        output_dir: out.clone(),
        encode: true,
        key_file: Some(key),
        ..Default::default()
    };
    wholeplace_linkage_job::link(&options, &wholeplace_linkage::NoProgress).expect("encode");
    let op = Actor::operator();
    let encoded: Vec<String> = (0..2)
        .map(|i| {
            std::fs::read_to_string(out.join(format!("agency{i}.encoded.csv"))).expect("encoded")
        })
        .collect();
    // A file with an identifier beside the encodings is refused, naming the column.
    let mixed: String = encoded[0]
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let (id, rest) = l.split_once(',').expect("columns");
            let extra = if i == 0 { "surname" } else { "Smith" };
            format!("{id},{extra},{rest}\n")
        })
        .collect();
    let refused = app
        .service
        .import_extract(&op, &form(council), &file("mixed.csv", &mixed))
        .await;
    let Err(ServiceError::Validation(problems)) = refused else {
        panic!("a mixed file is refused: {refused:?}");
    };
    assert!(
        problems[0]
            .message
            .contains("Column 'surname' is not an encoding"),
        "{problems:?}"
    );
    for (csv, agency) in encoded.iter().zip([council, police]) {
        let done = app
            .service
            .import_extract(&op, &form(agency), &file("encoded.csv", csv))
            .await
            .expect("import");
        assert!(done.records > 1000);
    }
    let staged = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("staged");
    assert!(
        staged
            .iter()
            .all(|r| !r.encoding.is_empty() && r.values[1..].iter().all(String::is_empty)),
        "no identifier is staged"
    );
    let first_name = files[0]
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(1))
        .unwrap_or_default();
    assert!(
        staged
            .iter()
            .all(|r| !r.encoding.contains(first_name.trim_matches('"')))
    );
    run(&app).await;
    let runs = app
        .store
        .list_linkage_runs(app.first_partnership().await)
        .await
        .expect("runs");
    assert_eq!(
        runs[0].state,
        wholeplace_store::RunState::Finished,
        "{runs:?}"
    );
    assert_eq!(runs[0].counts.households, 0, "no address, no household");
    // The people formed, against the generator's truth (pairwise within the two extracts).
    let agency_of = |a: AgencyId| usize::from(a != council);
    let after = app
        .store
        .staged_records(app.first_partnership().await)
        .await
        .expect("r");
    let (mut pred, mut real) = (Vec::new(), Vec::new());
    for r in &after {
        pred.push(r.person_id.expect("linked").get() as u64);
        real.push(truth[&format!("{}:{}", agency_of(r.agency_id), r.values[0])]);
    }
    let (p, r) = b_cubed(&pred, &real);
    let f1 = 2.0 * p * r / (p + r);
    eprintln!("encoded people B-cubed precision {p:.3} recall {r:.3} F1 {f1:.3}");
    // Encodings alone over-link relatives who share a surname and an address (the engine's
    // level today, shown on the linking page; issue 15's second pass): recall is high, and
    // precision is held at the level measured so that it cannot silently fall.
    assert!(
        r >= 0.90 && p >= 0.45,
        "people from encodings: B-cubed precision {p:.3}, recall {r:.3}, F1 {f1:.3}"
    );
    let queue = app
        .service
        .review_queue(&op, None, ReviewStatus::Pending, 1)
        .await
        .expect("queue");
    if let Some(item) = queue.items.first() {
        let e = item.evidence.as_ref().expect("evidence");
        assert!(e.contributions.iter().all(|c| c.values.0 == "(encoded)"));
    }
}
