//! Forecast against realised savings through the pages, the download and the API, on SQLite and
//! (when `WHOLEPLACE_TEST_POSTGRES_URL` is set) PostgreSQL: the example appraisal frozen as
//! approved, its forecast reconciled with the engine's own yearly streams, outcomes achieved
//! recorded (a bad figure named by line and year, nothing of that form kept), the variance by
//! agency and year, the CSV identical on a second run, a later change to the model leaving the
//! frozen forecast alone, and the appraisal kept while it has one.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, mono};
use wholeplace_service::Actor;
use wholeplace_service::realised::outcome_field;
use wholeplace_store_tests::TestDb;

const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

wholeplace_store_tests::both_backends!(an_approved_forecast_meets_what_was_realised,);

async fn an_approved_forecast_meets_what_was_realised(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let id = app
        .service
        .create_appraisal_from_text(&op, "", EXAMPLE)
        .await
        .expect("appraisal");
    let list = app
        .get_as(&admin, &format!("/appraisals/{id}/snapshots"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body
            .contains("No forecast of this appraisal has been frozen yet")
    );
    // The approval and its day are required.
    let refused = app
        .post_as(
            &admin,
            &format!("/appraisals/{id}/snapshots"),
            &[("option", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Say who approved the appraisal and how")
    );
    let made = app
        .post_as(
            &admin,
            &format!("/appraisals/{id}/snapshots"),
            &[
                ("option", "1"),
                ("approval", "Leaders board, minute 12"),
                ("approved_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at = made.location().to_owned();
    let sid: wholeplace_domain::SnapshotId =
        at.rsplit('/').next().expect("id").parse().expect("id");
    let page = app.get_as(&admin, &at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("not yet reported"),
        "nothing observed yet"
    );

    // The frozen forecast is the engine's: each year's total, in pence, is the engine's
    // undiscounted fiscal stream of that year to within the rounding of its cells.
    let view = app.service.realised(&op, sid).await.expect("view");
    let engine = wholeplace_service::appraisals::engine().expect("engine");
    let file = wholeplace_appraisal::parse_model_toml(EXAMPLE).expect("model");
    let prepared = engine.prepare(&file, Some(EXAMPLE)).expect("prepared");
    let results = wholeplace_appraisal::appraise_figures(&prepared);
    let years = &results.options[0].years;
    let cells = (view.forecast.lines.len() * view.forecast.agencies.len()) as i64;
    assert_eq!(view.report.years.len(), years.len());
    for (t, y) in years.iter().enumerate() {
        let engine_pence = (y.fiscal * 100.0).round() as i64;
        let ours = view.report.year_totals[t].forecast;
        assert!(
            (ours - engine_pence).abs() <= cells,
            "year {t}: {ours} p against the engine's {engine_pence} p"
        );
        let cashable = (y.cashable * 100.0).round() as i64;
        assert!((view.report.year_totals[t].forecast_cashable - cashable).abs() <= cells);
    }
    // And it reconciles: agencies sum to each year, years to each agency, both to the total.
    let by_agency: i64 = view.report.agencies.iter().map(|a| a.total.forecast).sum();
    let by_year: i64 = view.report.year_totals.iter().map(|c| c.forecast).sum();
    assert_eq!(
        (by_agency, by_year),
        (view.report.total.forecast, view.report.total.forecast)
    );
    assert!(view.report.total.forecast > 0);

    // A bad figure is named by its line and year; nothing of the form is kept.
    let line0 = view.forecast.lines[0].name.clone();
    let first_year = view.report.years[0].clone();
    let bad = app
        .post_as(
            &admin,
            &at,
            &[(&outcome_field(0, 1), "4"), (&outcome_field(0, 0), "-3")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains(&format!("{line0} in {first_year}: enter the net outcomes")),
        "{}",
        bad.body
    );
    let unchanged = app.service.realised(&op, sid).await.expect("view");
    assert!(unchanged.stored.observed.is_empty(), "all or nothing");

    // Every line achieves exactly its forecast in every year: no variance, to the penny.
    let mut fields: Vec<(String, String)> = Vec::new();
    for (l, line) in view.forecast.lines.iter().enumerate() {
        for (t, n) in line.forecast_outcomes.iter().enumerate() {
            fields.push((outcome_field(l, t), format!("{n}")));
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = app.post_as(&admin, &at, &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let met = app.service.realised(&op, sid).await.expect("view");
    // Outcomes are kept in thousandths: the variance is exactly what rounding each forecast to
    // three places moves, cell by cell, in pence (zero where the forecast is that exact).
    let kept = |n: f64| (n * 1000.0).round() / 1000.0;
    let pence = |x: f64| (x * 100.0).round() as i64;
    let rounding: i64 = met
        .forecast
        .lines
        .iter()
        .flat_map(|l| {
            l.forecast_outcomes.iter().flat_map(move |n| {
                l.values
                    .iter()
                    .map(move |(_, v)| pence(kept(*n) * v) - pence(n * v))
            })
        })
        .sum();
    assert_eq!(met.report.total.variance(), Some(rounding));
    assert!(met.report.reported.iter().all(|r| *r));

    // Half the first line's outcomes in year 1: the shortfall is that line's value, in pence.
    let half = view.forecast.lines[0].forecast_outcomes[1] / 2.0;
    app.service
        .record_outcomes(
            &op,
            sid,
            &wholeplace_service::realised::OutcomesForm {
                values: vec![(outcome_field(0, 1), format!("{half}"))],
            },
        )
        .await
        .expect("half");
    let short = app.service.realised(&op, sid).await.expect("view");
    let (now, before) = (
        kept(half),
        kept(view.forecast.lines[0].forecast_outcomes[1]),
    );
    let expected: i64 = view.forecast.lines[0]
        .values
        .iter()
        .map(|(_, v)| ((now * v) * 100.0).round() as i64 - ((before * v) * 100.0).round() as i64)
        .sum();
    assert_eq!(
        short.report.year_totals[1].variance().expect("reported")
            - met.report.year_totals[1].variance().expect("reported"),
        expected
    );
    assert!(expected < 0);

    // The CSV is the same bytes on a second run.
    let csv = app.get_as(&admin, &format!("{at}/variance.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("agency,financial_year,forecast,realised,variance,")
    );
    assert!(csv.body.contains("all agencies,all years,"));
    let again = app.get_as(&admin, &format!("{at}/variance.csv")).await;
    assert_eq!(csv.body, again.body);

    // A later change to the model leaves the frozen forecast alone.
    let changed = EXAMPLE.replace("horizon_years = 5 ", "horizon_years = 7 ");
    assert_ne!(changed, EXAMPLE);
    app.service
        .update_appraisal_text(&op, id, "", &changed)
        .await
        .expect("changed");
    let still = app.service.realised(&op, sid).await.expect("view");
    assert_eq!(still.forecast, short.forecast);

    // The appraisal is kept while it has a frozen forecast.
    let delete = app
        .post_as(&admin, &format!("/appraisals/{id}/delete"), &[])
        .await;
    assert_ne!(
        delete.status,
        StatusCode::SEE_OTHER,
        "refused: {}",
        delete.body
    );
    assert!(app.service.appraisal(&op, id).await.is_ok());

    // A viewer reads but does not record; the API answers in pence.
    let viewer = app.user("val", "viewer").await;
    assert_eq!(app.get_as(&viewer, &at).await.status, StatusCode::OK);
    let refused = app
        .post_as(&viewer, &at, &[(&outcome_field(0, 0), "1")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let analyst = app.user("ana", "analyst").await;
    let made = app
        .post_as(&analyst, "/account/tokens", &[("token_name", "realised")])
        .await;
    let token = mono(&made.body).expect("a token");
    let api = app
        .api(
            Method::GET,
            &format!("/api/v1/snapshots/{sid}"),
            &token,
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(
        api.json()["total"]["forecast_pence"],
        short.report.total.forecast
    );
    let put = app
        .api(
            Method::PUT,
            &format!("/api/v1/snapshots/{sid}/outcomes"),
            &token,
            Some(r#"{"outcomes": [{"line": 0, "year": 0, "value": null}, {"line": 99, "year": 0, "value": 1}]}"#.into()),
        )
        .await;
    assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", put.body);
    let cleared = app
        .api(
            Method::PUT,
            &format!("/api/v1/snapshots/{sid}/outcomes"),
            &token,
            Some(r#"{"outcomes": [{"line": 0, "year": 0, "value": null}]}"#.into()),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(cleared.json()["reported"][0], false);
    let listed = app
        .api(
            Method::GET,
            &format!("/api/v1/appraisals/{id}/snapshots"),
            &token,
            None,
        )
        .await;
    assert_eq!(listed.json()[0]["approval"], "Leaders board, minute 12");
}
