//! In-process HTTP tests of the appraisal pages, their downloads and API, and the unit-cost
//! library, on SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) PostgreSQL.
//! None of them may give a 500.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, Resp, mono, multipart};
use wholeplace_service::Actor;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    the_example_appraisal_reads_runs_and_downloads,
    an_appraisal_is_built_through_the_forms,
    models_are_uploaded_as_workbook_or_text,
    viewers_read_but_cannot_change_appraisals,
    the_api_stores_reads_changes_and_deletes,
    the_unit_cost_library_is_browsable,
);

const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");
const WORKBOOK: &[u8] = include_bytes!("../../../examples/appraisal/family-intervention.xlsx");

async fn example(app: &App) -> wholeplace_domain::AppraisalId {
    app.service
        .create_appraisal_from_text(&Actor::operator(), "", EXAMPLE)
        .await
        .expect("the example model is stored")
}

fn assert_redirect_to_appraisal(r: &Resp) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r
        .location()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    loc.strip_prefix("/appraisals/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirect to an appraisal, got {loc}"))
}

async fn token(app: &App, who: &Browser) -> String {
    let made = app
        .post_as(
            who,
            "/account/tokens",
            &[("token_name", "appraisal script")],
        )
        .await;
    mono(&made.body).expect("the token is shown")
}

async fn api(app: &App, method: Method, path: &str, token: &str, json: Option<&str>) -> Resp {
    app.api(method, path, token, json.map(str::to_owned)).await
}

async fn upload(app: &App, who: &Browser, csrf: &str, file: &str, bytes: &[u8]) -> Resp {
    let (ct, body) = multipart(&[
        ("csrf_token", None, csrf.as_bytes()),
        ("partnership_id", None, b""),
        ("workbook", Some(file), bytes),
    ]);
    app.post_raw("/appraisals/upload", Some(&who.cookie()), &ct, body)
        .await
}

async fn the_example_appraisal_reads_runs_and_downloads(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let id = example(&app).await;

    let list = app.get_as(&admin, "/appraisals").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Sherwood family intervention service"));
    list.assert_styled_page();

    let page = app.get_as(&admin, &format!("/appraisals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Net present budget impact"));
    assert!(page.body.matches("<svg class=\"wp-chart\"").count() >= 3);
    assert!(
        page.body.contains("How this was calculated") || page.body.contains("How each figure"),
        "the drill-down is on the page"
    );
    assert!(
        !page.body.contains("id=\"problems\""),
        "the example is complete"
    );

    // Monte Carlo: the same seed gives the same page; another seed another result.
    let run = |seed: u32| {
        let app = &app;
        let admin = &admin;
        async move {
            app.get_as(admin, &format!("/appraisals/{id}?draws=300&seed={seed}"))
                .await
        }
    };
    let (a, b, c) = (run(5).await, run(5).await, run(6).await);
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("Uncertainty (300 draws)"));
    let section =
        |r: &Resp| r.body[r.body.find("Uncertainty (300 draws)").expect("section")..].to_owned();
    assert_eq!(section(&a), section(&b), "same seed, same result");
    assert_ne!(section(&a), section(&c), "another seed, other draws");
    for bad in ["draws=lots", "draws=999999", "seed=-1", "draws=1e3"] {
        let r = app.get_as(&admin, &format!("/appraisals/{id}?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            r.body.contains("must be a whole number"),
            "{bad}: {}",
            r.body
        );
    }

    // Downloads.
    let json = app
        .get_as(&admin, &format!("/appraisals/{id}/results.json"))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.header("content-type").starts_with("application/json"));
    let v = json.json();
    assert_eq!(
        v["results"]["title"],
        "Sherwood family intervention service"
    );
    assert!(v["results"]["options"][0]["summary"]["npbi"].is_number());
    let model = app
        .get_as(&admin, &format!("/appraisals/{id}/model.toml"))
        .await;
    assert_eq!(model.body, EXAMPLE, "the model file is what was stored");
    assert!(model.header("content-disposition").contains("attachment"));
    for (file, ct) in [
        ("results.xlsx", "spreadsheetml"),
        ("model.xlsx", "spreadsheetml"),
        ("report.html", "text/html"),
    ] {
        let r = app
            .get_as(&admin, &format!("/appraisals/{id}/{file}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        assert!(r.header("content-type").contains(ct), "{file}");
        if file.ends_with(".xlsx") {
            assert!(r.body.starts_with("PK"), "{file} is a zip package");
        } else {
            assert!(r.body.contains("<svg"), "the report has its charts");
        }
    }
    for path in [
        format!("/appraisals/{id}/secrets.txt"),
        format!("/appraisals/{}/results.json", id.get() + 100),
        "/appraisals/abc".to_owned(),
        "/appraisals/99999999999999999999".to_owned(),
    ] {
        assert_eq!(
            app.get_as(&admin, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

async fn an_appraisal_is_built_through_the_forms(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let new = app.get_as(&admin, "/appraisals/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(
        new.body.contains("enctype=\"multipart/form-data\""),
        "the upload form is offered"
    );

    let bad = app
        .post_as(
            &admin,
            "/appraisals",
            &[
                ("title", " "),
                ("price_base", "2015"),
                ("start_year", "2019/20"),
                ("horizon_years", "0"),
                ("partnership_id", "77"),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter a title for the appraisal",
            "Enter the price base as a financial year, such as 2024/25",
            "Enter how many years to appraise, a whole number from 1 to 100",
            "Choose a partnership from the list",
        ],
    );
    assert!(
        app.service
            .list_appraisals(&Actor::operator())
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );

    let made = app
        .post_as(
            &admin,
            "/appraisals",
            &[
                ("title", "Rent arrears early help"),
                ("price_base", "2019/20"),
                ("start_year", "2019/20"),
                ("horizon_years", "4"),
                ("partnership_id", ""),
            ],
        )
        .await;
    let id = assert_redirect_to_appraisal(&made);
    let page = app.get_as(&admin, &format!("/appraisals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"problems\""));
    assert!(page.body.contains("add at least one [[costs]]"));

    let cost_path = format!("/appraisals/{id}/costs");
    let bad_cost = app
        .post_as(
            &admin,
            &cost_path,
            &[
                ("name", "Officer"),
                ("agency", "Housing"),
                ("kind", "revenue"),
                ("grade", "9"),
                ("price_year", "2019/20"),
                ("amounts", "40000, lots"),
            ],
        )
        .await;
    bad_cost.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Choose a confidence grade from 1 (independently audited) to 6 (opinion)",
            "Amount 2 (lots) is not a sum of money: give pounds for year 0, year 1 ... separated by commas, such as 120000, 120000, 60000",
        ],
    );
    let cost = app
        .post_as(
            &admin,
            &cost_path,
            &[
                ("name", "Tenancy support officer"),
                ("agency", "Town and Country Housing"),
                ("kind", "revenue"),
                ("grade", "3"),
                ("price_year", "2019/20"),
                ("amounts", "40000, 40000, 40000, 40000"),
            ],
        )
        .await;
    assert_eq!(cost.status, StatusCode::SEE_OTHER, "{}", cost.body);

    let outcome_path = format!("/appraisals/{id}/outcomes");
    let unknown = app
        .post_as(
            &admin,
            &outcome_path,
            &[
                ("name", "Evictions avoided"),
                ("unit_costs", "ZZ99.9"),
                ("cohort", "60"),
                ("impact", "0.25"),
                ("deadweight", "0.2"),
                ("duration_years", "2"),
                ("grade", "4"),
            ],
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown code is refused on the form"
    );
    assert!(unknown.body.contains("ZZ99.9"), "{}", unknown.body);
    assert!(
        unknown.body.contains("href=\"#unit_costs\""),
        "the error points at the field"
    );
    let outcome = app
        .post_as(
            &admin,
            &outcome_path,
            &[
                ("name", "Evictions avoided"),
                ("unit_costs", "HO1.0"),
                ("cohort", "60"),
                ("impact", "triangular(0.15, 0.25, 0.35)"),
                ("deadweight", "0.2"),
                ("duration_years", "2"),
                ("grade", "4"),
            ],
        )
        .await;
    assert_eq!(outcome.status, StatusCode::SEE_OTHER, "{}", outcome.body);
    let done = app.get_as(&admin, &format!("/appraisals/{id}")).await;
    assert!(
        !done.body.contains("id=\"problems\""),
        "complete now: {}",
        done.body
    );
    assert!(
        done.body.contains("Evictions avoided") && done.body.contains("Net present budget impact")
    );

    // The text editor: a broken model is refused with its line, and nothing changes.
    let before = app
        .service
        .appraisal(&Actor::operator(), wholeplace_domain::AppraisalId::new(id))
        .await
        .expect("stored")
        .model_toml;
    let broken = app
        .post_as(
            &admin,
            &format!("/appraisals/{id}/edit"),
            &[
                ("partnership_id", ""),
                (
                    "model_toml",
                    "[appraisal]\ntitle = \"x\"\nhorizon_years = \"five\"\n",
                ),
            ],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("line "), "{}", broken.body);
    assert_eq!(
        app.service
            .appraisal(&Actor::operator(), wholeplace_domain::AppraisalId::new(id))
            .await
            .expect("stored")
            .model_toml,
        before
    );

    let actions: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "appraisal.create").count(),
        1
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "appraisal.update").count(),
        2,
        "two lines added"
    );

    // Deleting asks first.
    let confirm = app
        .get_as(&admin, &format!("/appraisals/{id}/delete"))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("Are you sure you want to delete this appraisal?")
    );
    assert!(
        app.service
            .appraisal(&Actor::operator(), wholeplace_domain::AppraisalId::new(id))
            .await
            .is_ok(),
        "asking deletes nothing"
    );
    let deleted = app
        .post_as(&admin, &format!("/appraisals/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&admin, &format!("/appraisals/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn models_are_uploaded_as_workbook_or_text(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let id = assert_redirect_to_appraisal(
        &upload(&app, &admin, &admin.csrf, "model.xlsx", WORKBOOK).await,
    );
    let page = app.get_as(&admin, &format!("/appraisals/{id}")).await;
    assert!(
        page.body.contains("Net present budget impact"),
        "the uploaded workbook runs"
    );

    let text = assert_redirect_to_appraisal(
        &upload(&app, &admin, &admin.csrf, "model.toml", EXAMPLE.as_bytes()).await,
    );
    assert_ne!(text, id);

    let garbage = upload(
        &app,
        &admin,
        &admin.csrf,
        "model.xlsx",
        b"this is not a workbook",
    )
    .await;
    assert_eq!(
        garbage.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        garbage.body
    );
    assert!(garbage.body.contains("govuk-error-summary"));
    let empty = upload(&app, &admin, &admin.csrf, "model.xlsx", b"").await;
    empty.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Choose a model workbook (.xlsx) or model file (.toml) to upload"],
    );
    let bad_toml = upload(&app, &admin, &admin.csrf, "model.toml", b"[appraisal\n").await;
    assert_eq!(bad_toml.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_toml.body.contains("line 1"), "{}", bad_toml.body);

    let forged = upload(&app, &admin, "not-the-token", "model.xlsx", WORKBOOK).await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    assert!(forged.status.is_client_error());
    let not_multipart = app
        .post_raw(
            "/appraisals/upload",
            Some(&admin.cookie()),
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(not_multipart.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.service
            .list_appraisals(&Actor::operator())
            .await
            .expect("list")
            .len(),
        2,
        "only the two good uploads"
    );
}

async fn viewers_read_but_cannot_change_appraisals(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let id = example(&app).await;
    let viewer = app.user("viewer1", "viewer").await;
    for path in [
        "/appraisals".to_owned(),
        format!("/appraisals/{id}"),
        format!("/appraisals/{id}/results.xlsx"),
        "/unit-costs".to_owned(),
    ] {
        assert_eq!(
            app.get_as(&viewer, &path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let page = app.get_as(&viewer, &format!("/appraisals/{id}")).await;
    assert!(
        !page.body.contains("Add a cost line"),
        "no change buttons for a viewer"
    );
    for path in [
        "/appraisals/new".to_owned(),
        format!("/appraisals/{id}/edit"),
        format!("/appraisals/{id}/delete"),
        format!("/appraisals/{id}/costs/new"),
    ] {
        assert_eq!(
            app.get_as(&viewer, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let before = app.audit().await.len();
    let r = app
        .post_as(&viewer, &format!("/appraisals/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_as(
            &viewer,
            "/appraisals",
            &[
                ("title", "x"),
                ("price_base", "2019/20"),
                ("start_year", "2019/20"),
                ("horizon_years", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let refusals: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .take(app.audit().await.len() - before)
        .collect();
    assert_eq!(refusals.len(), 2);
    assert!(
        refusals
            .iter()
            .all(|e| !e.event.allowed && e.event.action.starts_with("appraisal."))
    );
    assert!(
        app.service.appraisal(&Actor::operator(), id).await.is_ok(),
        "still there"
    );
}

async fn the_api_stores_reads_changes_and_deletes(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let t = token(&app, &admin).await;
    let body = serde_json::json!({ "model_toml": EXAMPLE }).to_string();
    let made = api(&app, Method::POST, "/api/v1/appraisals", &t, Some(&body)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["id"].as_i64().expect("id");

    let list = api(&app, Method::GET, "/api/v1/appraisals", &t, None).await;
    assert_eq!(list.json()[0]["id"], id);
    assert_eq!(list.json()[0]["problems"], 0);
    assert!(list.json()[0]["headline"]["npbi_pounds"].is_number());

    let one = api(
        &app,
        Method::GET,
        &format!("/api/v1/appraisals/{id}?draws=200&seed=3"),
        &t,
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let v = one.json();
    assert_eq!(v["model_toml"], EXAMPLE);
    assert_eq!(v["results"]["monte_carlo"]["draws"], 200);
    assert_eq!(
        v["results"]["results"]["options"][0]["summary"]["npbi"],
        list.json()[0]["headline"]["npbi_pounds"],
        "the list and the detail agree"
    );
    let too_many = api(
        &app,
        Method::GET,
        &format!("/api/v1/appraisals/{id}?draws=50000"),
        &t,
        None,
    )
    .await;
    assert_eq!(
        too_many.status,
        StatusCode::BAD_REQUEST,
        "outside the documented range of the query"
    );
    assert_eq!(too_many.json()["error"]["fields"][0]["field"], "draws");

    let broken =
        serde_json::json!({ "model_toml": "[appraisal]\nhorizon_years = []\n" }).to_string();
    let r = api(
        &app,
        Method::PUT,
        &format!("/api/v1/appraisals/{id}"),
        &t,
        Some(&broken),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "model_toml");
    let r = api(
        &app,
        Method::PUT,
        &format!("/api/v1/appraisals/{id}"),
        &t,
        Some("{not json"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let renamed = EXAMPLE.replace(
        "title = \"Sherwood family intervention service\"",
        "title = \"Renamed\"",
    );
    let ok = serde_json::json!({ "model_toml": renamed }).to_string();
    let r = api(
        &app,
        Method::PUT,
        &format!("/api/v1/appraisals/{id}"),
        &t,
        Some(&ok),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.service
            .appraisal(&Actor::operator(), wholeplace_domain::AppraisalId::new(id))
            .await
            .expect("stored")
            .title,
        "Renamed"
    );

    let viewer = app.user("viewer2", "viewer").await;
    let vt = token(&app, &viewer).await;
    let r = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/appraisals/{id}"),
        &vt,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/appraisals/{id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(
        &app,
        Method::GET,
        &format!("/api/v1/appraisals/{id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");

    let costs = api(&app, Method::GET, "/api/v1/unit-costs?q=eviction", &t, None).await;
    assert_eq!(costs.status, StatusCode::OK);
    let codes: Vec<String> = costs
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(codes.contains(&"HO1.0".to_owned()), "{codes:?}");
}

async fn the_unit_cost_library_is_browsable(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let all = app.get_as(&admin, "/unit-costs").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.body.contains("CC BY 4.0"),
        "attribution wherever values are shown"
    );
    assert!(all.body.contains("first 100 shown"));
    let found = app.get_as(&admin, "/unit-costs?q=eviction").await;
    assert!(found.body.contains("href=\"/unit-costs/HO1.0\""));
    let one = app.get_as(&admin, "/unit-costs/HO1.0").await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        one.body
            .contains("Average fiscal cost of a complex eviction")
    );
    assert!(
        one.body.contains("£6,680.00 in 2010/11 prices"),
        "{}",
        one.body
    );
    assert!(one.body.contains("CC BY 4.0"));
    assert_eq!(
        app.get_as(&admin, "/unit-costs/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
    let hostile = app
        .get_as(
            &admin,
            "/unit-costs?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&theme=%22%3E",
        )
        .await;
    assert_eq!(hostile.status, StatusCode::OK);
    assert!(
        !hostile.body.contains("<script>alert(1)"),
        "the query is escaped"
    );
    assert!(hostile.body.contains("0 unit costs"));
}
