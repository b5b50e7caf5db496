//! Outcomes through the pages, the downloads and the API: indicators, figures entered and
//! imported (a bad row named by row and column, nothing imported), a target refused without its
//! baseline, red/amber/green, and small-number suppression alike in HTML, CSV and XLSX. On SQLite
//! and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set) PostgreSQL.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, mono, multipart};
use wholeplace_service::{Actor, PlaceForm};
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    indicators_targets_and_suppression_through_pages_downloads_and_api,
);

async fn add_indicator(app: &App, admin: &Browser, fields: &[(&str, &str)]) -> String {
    let made = app.post_as(admin, "/outcomes", fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    made.location().to_owned()
}

async fn import(app: &App, admin: &Browser, at: &str, name: &str, csv: &str) -> common::Resp {
    let (ct, body) = multipart(&[
        ("csrf_token", None, admin.csrf.as_bytes()),
        ("file", Some(name), csv.as_bytes()),
    ]);
    app.post_raw(&format!("{at}/import"), Some(&admin.cookie()), &ct, body)
        .await
}

async fn indicators_targets_and_suppression_through_pages_downloads_and_api(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    for name in ["Sherwood", "Broadwater"] {
        app.service
            .create_place(
                &op,
                &PlaceForm {
                    name: name.into(),
                    level: "ward".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("place");
    }
    let count = add_indicator(
        &app,
        &admin,
        &[
            ("name", "Evictions"),
            ("definition", "Possession orders carried out"),
            ("unit", "count"),
            ("polarity", "lower"),
            ("source", "Ministry of Justice"),
            ("geography", "ward"),
            ("origin", "national"),
        ],
    )
    .await;
    let rate = add_indicator(
        &app,
        &admin,
        &[
            ("name", "Drug-related hospital admissions"),
            ("definition", "Admissions with a drug-related diagnosis"),
            ("unit", "rate"),
            ("per", "100000"),
            ("polarity", "lower"),
            ("source", "Hospital Episode Statistics"),
            ("geography", "ward"),
        ],
    )
    .await;

    // A bad row: named by row and column, and nothing imported.
    let bad = import(
        &app,
        &admin,
        &count,
        "evictions.csv",
        "place,period,value\nSherwood,2011/12,20\nNowhere,2012/13,lots\n",
    )
    .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Row 3, column &#39;place&#39;: There is no place called &#39;Nowhere&#39;",
            "Row 3, column &#39;value&#39;: Enter a number",
        ],
    );
    let empty = app.get_as(&admin, &count).await;
    assert!(empty.body.contains("No figures yet"), "{}", empty.body);

    let good = import(
        &app,
        &admin,
        &count,
        "evictions.csv",
        "place,period,value,illustrative\nSherwood,2011/12,20,yes\nSherwood,2012/13,17,yes\nBroadwater,2012/13,3,yes\n",
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let one = app
        .post_as(
            &admin,
            &format!("{rate}/figures"),
            &[
                ("place", "Sherwood"),
                ("period", "2012/13"),
                ("value", "30"),
                ("numerator", "3"),
                ("denominator", "10000"),
            ],
        )
        .await;
    assert_eq!(one.status, StatusCode::SEE_OTHER, "{}", one.body);

    // A target needs every part.
    let refused = app
        .post_as(
            &admin,
            &format!("{count}/targets"),
            &[("place", "Sherwood")],
        )
        .await;
    refused.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter the baseline figure",
            "Enter where the baseline figure comes from",
            "Enter who answers for the target",
            "Enter the tolerance",
        ],
    );
    let target = app
        .post_as(
            &admin,
            &format!("{count}/targets"),
            &[
                ("place", "Sherwood"),
                ("baseline_value", "20"),
                ("baseline_period", "2011/12"),
                ("baseline_source", "County court records"),
                ("target_value", "15"),
                ("target_date", "2015-03-31"),
                ("owner", "Town and Country Housing"),
                ("tolerance", "2"),
            ],
        )
        .await;
    assert_eq!(target.status, StatusCode::SEE_OTHER, "{}", target.body);

    // The page: red (17 against 15 with a tolerance of 2 is amber; exactly on it), the chart
    // with labelled axes, the small count as <5.
    let page = app.get_as(&admin, &count).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Amber: within tolerance"),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Period</text>"), "{}", page.body);
    assert!(page.body.contains("&lt;5"), "{}", page.body);
    assert!(page.body.contains("illustrative"), "{}", page.body);
    let rate_page = app.get_as(&admin, &rate).await;
    assert!(rate_page.body.contains("suppressed"), "{}", rate_page.body);
    assert!(
        !rate_page.body.contains(">30.0<"),
        "a rate from a count under 5 is withheld"
    );

    // Every download says the same.
    let csv = app.get_as(&admin, "/outcomes/figures.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("Broadwater,2012/13,count,<5"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("Sherwood,2012/13,rate,suppressed,<5"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains(",30.0,"), "{}", csv.body);
    let xlsx = app.get_as(&admin, "/outcomes.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let sheet = wholeplace_tabular::read_xlsx(&xlsx.bytes, "figures").expect("figures sheet");
    let value = sheet.column("value").expect("value column");
    let cells: Vec<&str> = sheet.rows.iter().map(|r| r[value].as_str()).collect();
    assert!(
        cells.contains(&"<5") && cells.contains(&"suppressed"),
        "{cells:?}"
    );
    assert!(
        !cells.contains(&"30.0") && !cells.contains(&"3"),
        "{cells:?}"
    );
    let targets = app.get_as(&admin, "/outcomes/targets.csv").await;
    assert!(targets.body.contains(",amber,"), "{}", targets.body);

    // The API, and the IATI-like export.
    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "outcomes")])
        .await;
    let token = mono(&made.body).expect("token");
    let list = app.api(Method::GET, "/api/v1/targets", &token, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()[0]["rag"], "amber");
    let iati = app
        .api(Method::GET, "/api/v1/outcomes/iati", &token, None)
        .await;
    assert_eq!(iati.status, StatusCode::OK);
    assert!(iati.body.contains("\"<5\""), "{}", iati.body);

    // A viewer reads but may not change.
    let viewer = app.user("val", "viewer").await;
    assert_eq!(app.get_as(&viewer, &count).await.status, StatusCode::OK);
    let no = app
        .post_as(
            &viewer,
            &format!("{count}/figures"),
            &[("place", "Sherwood"), ("period", "2013/14"), ("value", "1")],
        )
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    // Bad input never answers 500.
    for path in [
        "/outcomes/abc",
        "/outcomes/0",
        "/outcomes/999999",
        "/outcomes/1?place=x",
    ] {
        let r = app.get_as(&admin, path).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
    }
}
