//! Outcomes at scale, on SQLite: an indicator's page whole (target: under 100 ms) for 400 places
//! x 20 periods of a rate with its counts and populations (so every figure has its interval and
//! the funnel plot is drawn) and five targets with their charts, through the router, the session,
//! the policy and the queries; and importing 1,000,000 figures from a CSV file (target: under
//! 5 s) through the service's one import: read, every row checked, written all or nothing.

#[path = "../tests/common/mod.rs"]
#[expect(dead_code, reason = "the benchmark uses part of the tests' harness")]
mod common;

use common::App;
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};
use wholeplace_service::{Actor, IndicatorForm, OutcomeFile, PlaceForm, TargetForm};

const PLACES: usize = 400;
const PERIODS: usize = 20;
const MILLION: usize = 1_000_000;

async fn setup() -> (App, common::Browser, Vec<i64>) {
    let app = App::new(wholeplace_store_tests::sqlite().await);
    let admin = app.admin().await;
    let op = Actor::operator();
    let mut places = Vec::new();
    for i in 0..PLACES {
        let id = app
            .service
            .create_place(
                &op,
                &PlaceForm {
                    name: format!("Ward {i:03}"),
                    level: "ward".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("place");
        places.push(id.get());
    }
    (app, admin, places)
}

async fn indicator(app: &App, name: &str) -> wholeplace_domain::IndicatorId {
    app.service
        .create_indicator(
            &Actor::operator(),
            &IndicatorForm {
                name: name.into(),
                definition: "Admissions per 100,000".into(),
                unit: "rate".into(),
                per: "100000".into(),
                polarity: "lower".into(),
                source: "Bench".into(),
                geography: "ward".into(),
                ..Default::default()
            },
        )
        .await
        .expect("indicator")
}

fn csv(places: &[i64], periods: usize) -> Vec<u8> {
    let mut out = String::from("place,period,value,numerator,denominator\n");
    for p in 0..periods {
        for (k, place) in places.iter().enumerate() {
            let n = 5 + (k * 7 + p * 3) % 90;
            let d = 8000 + k * 10;
            let rate = n as f64 / d as f64 * 100_000.0;
            out.push_str(&format!("{place},p{p:04},{rate:.1},{n},{d}\n"));
        }
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (app, admin, places) = rt.block_on(setup());
    let op = Actor::operator();
    let page_id = rt.block_on(indicator(&app, "Page"));
    let file = OutcomeFile {
        name: "figures.csv".into(),
        bytes: csv(&places, PERIODS),
    };
    rt.block_on(app.service.import_indicator_values(&op, page_id, &file))
        .expect("figures");
    for place in &places[..5] {
        let t = TargetForm {
            place: place.to_string(),
            baseline_value: "60".into(),
            baseline_period: "p0005".into(),
            baseline_source: "Bench".into(),
            target_value: "50".into(),
            target_date: "2030-03-31".into(),
            owner: "Bench".into(),
            tolerance: "5".into(),
            ..Default::default()
        };
        rt.block_on(app.service.create_target(&op, page_id, &t))
            .expect("target");
    }
    let path = format!("/outcomes/{page_id}");
    let first = rt.block_on(app.get_as(&admin, &path));
    assert_eq!(first.status, axum::http::StatusCode::OK);
    assert!(first.body.contains("Ward 399") && first.body.contains("p0019"));
    c.bench_function("indicator page, 400 places x 20 periods, 5 targets", |b| {
        b.iter(|| rt.block_on(app.get_as(&admin, &path)));
    });

    c.bench_function(
        "indicator report alone (the service's part of the page)",
        |b| {
            b.iter(|| rt.block_on(app.service.indicator_report(&op, page_id, None)));
        },
    );

    let million = OutcomeFile {
        name: "figures.csv".into(),
        bytes: csv(&places, MILLION / PLACES),
    };
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    let mut n = 0;
    group.bench_function("import 1,000,000 figures from CSV", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let id = rt.block_on(indicator(&app, &format!("Import {n}")));
                let start = Instant::now();
                let done = rt
                    .block_on(app.service.import_indicator_values(&op, id, &million))
                    .expect("import");
                total += start.elapsed();
                assert_eq!(done, MILLION);
            }
            total
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
