//! The review queue's page, whole (target: under 50 ms at 10,000 items): an analyst's request
//! through the router, the session, the policy, the audit entry, the two queries and 20 pairs
//! rendered with their field-by-field evidence, on SQLite, with 10,000 pairs waiting; the first
//! page and one near the end.

#[path = "../tests/common/mod.rs"]
#[expect(dead_code, reason = "the benchmark uses part of the tests' harness")]
mod common;

use common::App;
use criterion::{Criterion, criterion_group, criterion_main};
use wholeplace_domain::DataClass;
use wholeplace_linkage::Explanation;
use wholeplace_linkage::model::Contribution;
use wholeplace_service::Actor;
use wholeplace_store::prelude::*;
use wholeplace_store::{LinkResult, NewExtract, NewReviewItem, RunCounts};

const PAIRS: usize = 10_000;

/// A waterfall like the engine's: ten comparisons.
fn evidence(i: usize) -> String {
    let fields = [
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "house_number",
        "street",
        "town",
        "postcode",
        "nhs_number",
        "ni_number",
    ];
    let e = Explanation {
        records: (
            ("agency-2".into(), format!("c{i}")),
            ("agency-3".into(), format!("p{i}")),
        ),
        prior_weight: -14.2,
        contributions: fields
            .iter()
            .map(|f| Contribution {
                comparison: (*f).to_owned(),
                level: "Jaro-Winkler >= 0.92".into(),
                values: (format!("value {i}"), format!("valeu {i}")),
                m: 0.9,
                u: 0.01,
                weight: 6.49,
                tf_adjustment: -0.3,
            })
            .collect(),
        weight: 1.5,
        probability: 0.74,
    };
    serde_json::to_string(&e).expect("json")
}

async fn queue() -> (App, common::Browser) {
    let app = App::new(wholeplace_store_tests::sqlite().await);
    let _admin = app.admin().await;
    let ev = app.service_event("extract.import");
    let agency = app.agency().await;
    let partnership = app.partnership("Bench partnership", &[agency]).await;
    let records = (0..2 * PAIRS)
        .map(|i| {
            let mut v: wholeplace_store::StagedValues = Default::default();
            v[0] = format!("r{i}");
            v[1] = "Ann".into();
            v[2] = "Lee".into();
            v
        })
        .collect();
    app.store
        .create_extract(
            &NewExtract {
                partnership_id: partnership,
                agency_id: agency,
                data_class: DataClass::of("identity"),
                file_name: "bench.csv".into(),
                imported_at: 1,
                imported_by: "bench".into(),
                records,
                encoded_columns: Vec::new(),
                encodings: Vec::new(),
            },
            &ev,
        )
        .await
        .expect("extract");
    let staged = app
        .store
        .staged_records(partnership)
        .await
        .expect("records");
    let run = app
        .store
        .start_linkage_run(partnership, &app.service_event("linkage.run"))
        .await
        .expect("run");
    let review = (0..PAIRS)
        .map(|i| NewReviewItem {
            a: staged[2 * i].id,
            b: staged[2 * i + 1].id,
            probability_ppm: 500_000 + (i as i64 * 37) % 450_000,
            evidence: evidence(i),
        })
        .collect();
    let result = LinkResult {
        model: "{}".into(),
        people: Vec::new(),
        households: Vec::new(),
        review,
        counts: RunCounts::default(),
        ended_at: 2,
    };
    app.store
        .finish_linkage_run(run, &result, &app.service_event("linkage.finish"))
        .await
        .expect("finish");
    let pending = app
        .service
        .review_queue(
            &Actor::operator(),
            None,
            wholeplace_store::ReviewStatus::Pending,
            1,
        )
        .await
        .expect("queue")
        .total;
    assert_eq!(pending, PAIRS as i64);
    let analyst = app.user("ana", "analyst").await;
    (app, analyst)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (app, analyst) = rt.block_on(queue());
    for (name, path) in [
        (
            "review queue page 1 of 500, 10,000 pairs",
            "/linking/review",
        ),
        (
            "review queue page 490 of 500, 10,000 pairs",
            "/linking/review?status=pending&page=490",
        ),
    ] {
        let first = rt.block_on(app.get_as(&analyst, path));
        assert_eq!(first.status, axum::http::StatusCode::OK, "{}", first.body);
        assert!(first.body.contains("of 10000 waiting for review"), "{path}");
        c.bench_function(name, |b| {
            b.iter(|| rt.block_on(app.get_as(&analyst, path)));
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
