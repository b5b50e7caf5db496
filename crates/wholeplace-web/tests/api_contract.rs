//! The API keeps its contract (issue 16): the OpenAPI document says what the server does, and no
//! input breaks a page for good. On SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set)
//! PostgreSQL.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, Resp, mono};
use serde_json::{Value, json};
use wholeplace_service::Actor;
use wholeplace_store::NewBudgetLine;
use wholeplace_store::prelude::*;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    the_document_says_every_status_the_router_answers,
    each_case_has_one_status_across_the_api,
    no_accepted_writes_can_make_a_place_fail_to_show,
);

async fn token(app: &App, who: &Browser, name: &str) -> String {
    let made = app
        .post_as(who, "/account/tokens", &[("token_name", name)])
        .await;
    mono(&made.body).expect("a token is shown")
}

async fn call(app: &App, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
    app.api(method, path, token, body.map(|j| j.to_string()))
        .await
}

async fn send(
    app: &App,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Resp {
    let mut b = axum::http::Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(path);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    app.send(b.body(axum::body::Body::from(body)).expect("request"))
        .await
}

fn documented(op: &Value, status: StatusCode) -> bool {
    op["responses"].get(status.as_str()).is_some()
}

/// Records to point at, and a valid body for each request schema.
struct Fixture {
    admin: String,
    viewer: String,
    agency: i64,
    partner: i64,
    place: i64,
    partnership: i64,
}

async fn fixture(app: &App) -> Fixture {
    let admin = app.admin().await;
    let admin_token = token(app, &admin, "admin").await;
    let viewer = app.user("vic", "viewer").await;
    let viewer_token = token(app, &viewer, "viewer").await;
    let agency = call(
        app,
        Method::POST,
        "/api/v1/agencies",
        &admin_token,
        Some(json!({"name": "Kent County Council", "kind": "county_council"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .expect("agency id");
    let partner = call(
        app,
        Method::POST,
        "/api/v1/agencies",
        &admin_token,
        Some(json!({"name": "Kent Police", "kind": "police"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .expect("agency id");
    let place = call(
        app,
        Method::POST,
        "/api/v1/places",
        &admin_token,
        Some(json!({"name": "Sherwood", "level": "ward"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .expect("place id");
    let partnership = app
        .service
        .create_partnership(
            &Actor::operator(),
            "Pilots",
            "",
            "",
            &[wholeplace_domain::AgencyId::new(agency)],
            &[],
        )
        .await
        .expect("partnership");
    Fixture {
        admin: admin_token,
        viewer: viewer_token,
        agency,
        partner,
        place,
        partnership: partnership.get(),
    }
}

fn valid_body(schema: &str, f: &Fixture) -> Value {
    match schema {
        "AgencyInput" => json!({"name": "Another agency", "kind": "police"}),
        "IdentifiersInput" => json!({"identifiers": ["GB-CHC-1234567", "GB-COH-01234567"]}),
        "PublisherInput" => json!({
            "prefix": "360G-contract", "name": "Contract partnership",
            "licence": "https://creativecommons.org/licenses/by/4.0/"
        }),
        "PlaceInput" => json!({"name": "Another place", "level": "estate"}),
        "BudgetLineInput" => {
            json!({"agency": f.agency.to_string(), "place": f.place.to_string(), "service_area": "health", "financial_year": "2024/25", "amount": "10.00"})
        }
        "ContactInput" => json!({"agency_id": f.agency, "name": "Sam"}),
        "IndicatorInput" => json!({
            "name": "Evictions", "definition": "Possession orders carried out", "unit": "count",
            "polarity": "lower", "source": "Ministry of Justice", "geography": "ward"
        }),
        "FigureInput" => json!({"place": "Sherwood", "period": "2012/13", "value": "12"}),
        "TargetInput" => json!({
            "place": "Sherwood", "baseline_value": "20", "baseline_period": "2011/12",
            "baseline_source": "Court records", "target_value": "15", "target_date": "2015-03-31",
            "owner": "Housing", "tolerance": "2"
        }),
        "ProjectInput" => {
            json!({"partnership_id": f.partnership, "name": "Pilot", "theme": "housing"})
        }
        "AppraisalInput" => json!({"model_toml": "[appraisal]\ntitle = \"T\"\n"}),
        "SnapshotInput" => json!({"approval": "Leaders board", "approved_on": "2026-11-30"}),
        "OutcomesInput" => json!({"outcomes": [{"line": 0, "year": 1, "value": 2.5}]}),
        "CohortInput" => {
            json!({"name": "Three needs", "needs": ["parenting", "debt"], "min_needs": 1, "weights": {"debt": 2}})
        }
        "AgreementInput" => json!({
            "title": "Early help", "party_ids": [f.agency, f.partner], "classes": ["identity"],
            "purposes": ["early_help"], "basis": "public_task", "starts_on": "2026-01-01",
            "review_on": "2026-06-01", "expires_on": "2027-01-01", "signatories": "Signed"
        }),
        "InvolvementInput" => json!({
            "person_id": 1, "service": "Family key work", "need": "parenting",
            "class_of_data": "social_care", "started_on": "2026-01-05",
            "unit_cost_code": "SS18.2", "units_per_year": "52"
        }),
        "EventInput" => json!({
            "summary": "Home visit", "class_of_data": "social_care", "day": "2026-05-01"
        }),
        "GoalInput" => {
            json!({"goal": "Kyle goes to school every day", "score": 3, "review_on": "2027-03-01"})
        }
        "ActionInput" => json!({
            "goal_id": 1, "action": "Agree a repayment plan", "owner": "Dawn",
            "due_on": "2027-01-15", "score": 5
        }),
        "BreakGlassInput" => {
            json!({"reason": "Kyle missing overnight; we need the family's contacts now"})
        }
        "ExtractInput" => json!({
            "agency_id": f.agency, "data_class": "identity",
            "csv": "record_id,first_name,surname\np1,Ann,Lee\n"
        }),
        "ReviewDecisionInput" => json!({"decision": "accept"}),
        "LinkageSettingsInput" => json!({"lower_percent": "50", "upper_percent": "95"}),
        "MergeInput" => json!({"other_person_id": 2, "reason": "Same NHS number"}),
        "SplitInput" => json!({"record_ids": [1], "reason": "Different dates of birth"}),
        "ReviewInput" => json!({"finding": "Justified: child missing overnight"}),
        "ScaleInput" => json!({
            "name": "Feeling safe", "high": 5, "anchors": ["Not at all safe", "Completely safe"]
        }),
        "ReadingInput" => json!({"person_id": 1, "taken_on": "2024-05-01", "score": 3}),
        "Ons4Input" => json!({
            "person_id": 1, "taken_on": "2024-05-01", "life_satisfaction": 7,
            "worthwhile": 8, "happiness": 6, "anxiety": 3
        }),
        "WemwbsInput" => json!({
            "scale": "swemwbs", "person_id": 1, "taken_on": "2024-05-01",
            "items": [3, 3, 4, 4, 3, 2, 5]
        }),
        "SurveyInput" => json!({"place": "Sherwood", "name": "Community survey"}),
        "RoundInput" => json!({
            "label": "Spring", "opens_on": "2024-03-01", "closes_on": "2024-04-30", "invited": 300
        }),
        "ResponseInput" => {
            json!({"received_on": "2024-03-14", "scores": [4, 5, null, 3, 6, 2, 4, 4, 5, 5, 6, 3, 4, 2]})
        }
        other => panic!("no example body for {other}: add one"),
    }
}

/// Every documented operation is asked the questions that give each status it can answer, and
/// each answer must be in the document; every method the document does not give a path is refused.
/// (The router is built from the same annotations as the document, so no route can be missing
/// from it.)
async fn the_document_says_every_status_the_router_answers(db: TestDb) {
    let app = App::new(db);
    let f = fixture(&app).await;
    let doc = wholeplace_web::api::document();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "the document lists the API");
    let mut probes = 0;
    for (path, item) in paths {
        let concrete = |id: i64| path.replace("{id}", &id.to_string());
        for method in ["get", "post", "put", "delete", "patch"] {
            let Some(op) = item.get(method) else {
                let r = send(
                    &app,
                    method,
                    &concrete(f.place),
                    Some(&f.admin),
                    None,
                    vec![],
                )
                .await;
                assert_eq!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}: not documented, so not routed"
                );
                continue;
            };
            let id = op["operationId"].as_str().unwrap_or(path);
            let check = |r: &Resp, what: &str| {
                assert!(
                    documented(op, r.status),
                    "{method} {path} ({id}) answered {} to {what}, which the document does not list: {}",
                    r.status,
                    r.body
                );
                assert!(
                    !r.status.is_server_error(),
                    "{method} {path}: {what}: {}",
                    r.body
                );
            };
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let body_schema = op
                .pointer("/requestBody/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .map(|r| r.trim_start_matches("#/components/schemas/").to_owned());
            let valid = body_schema
                .as_deref()
                .map(|s| serde_json::to_vec(&valid_body(s, &f)).expect("json"));
            let json_ct = valid.as_ref().map(|_| "application/json");
            let path_of_record = concrete(if path.contains("places") {
                f.place
            } else {
                f.agency
            });
            // Without a token.
            let r = send(
                &app,
                method,
                &path_of_record,
                None,
                json_ct,
                valid.clone().unwrap_or_default(),
            )
            .await;
            check(&r, "no token");
            if secured {
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} needs a token"
                );
            }
            // A record that does not exist.
            if path.contains("{id}") {
                for missing in ["999999999", "0", "abc", "3.5"] {
                    let r = send(
                        &app,
                        method,
                        &path.replace("{id}", missing),
                        Some(&f.admin),
                        json_ct,
                        valid.clone().unwrap_or_default(),
                    )
                    .await;
                    check(&r, "an id that names no record");
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{method} {path} with id {missing}"
                    );
                }
            }
            if let Some(valid) = &valid {
                let record = path_of_record.as_str();
                let r = send(&app, method, record, Some(&f.admin), None, valid.clone()).await;
                check(&r, "no content type");
                assert_eq!(
                    r.status,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "{method} {path}"
                );
                let r = send(
                    &app,
                    method,
                    record,
                    Some(&f.admin),
                    Some("text/plain"),
                    valid.clone(),
                )
                .await;
                check(&r, "a text body");
                assert_eq!(
                    r.status,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "{method} {path}"
                );
                for (bad, what) in [
                    (&b"{not json"[..], "bad JSON"),
                    (b"[]", "an array"),
                    (b"{}", "no fields"),
                    (b"", "an empty body"),
                ] {
                    let r = send(&app, method, record, Some(&f.admin), json_ct, bad.to_vec()).await;
                    check(&r, what);
                    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {path}: {what}");
                }
                let mut huge = valid.clone();
                huge.truncate(huge.len() - 1);
                huge.extend_from_slice(b", \"padding\": \"");
                huge.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
                huge.extend_from_slice(b"\"}");
                let r = send(&app, method, record, Some(&f.admin), json_ct, huge).await;
                check(&r, "a 3 MiB body");
                assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{method} {path}");
                let mut broken: Value = serde_json::from_slice(valid).expect("json");
                let first_rule = wholeplace_web::api::contract::FIELD_RULES
                    .iter()
                    .find(|r| Some(r.schema) == body_schema.as_deref())
                    .expect("a rule");
                broken[first_rule.field] = json!("   ");
                let r = send(
                    &app,
                    method,
                    record,
                    Some(&f.admin),
                    json_ct,
                    serde_json::to_vec(&broken).expect("json"),
                )
                .await;
                check(&r, "a field breaking its rule");
                assert_eq!(
                    r.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{method} {path}: {}",
                    r.body
                );
                assert_eq!(r.json()["error"]["fields"][0]["field"], first_rule.field);
            }
            if op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"))
            {
                let names: Vec<&str> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                for name in names {
                    let r = send(
                        &app,
                        method,
                        &format!("{path_of_record}?{name}=%FF%FE-not-a-value-{{}}"),
                        Some(&f.admin),
                        None,
                        vec![],
                    )
                    .await;
                    check(&r, "a strange query");
                }
            }
            // Allowed or refused for a viewer; with a valid body.
            if secured {
                let r = send(
                    &app,
                    method,
                    &path_of_record,
                    Some(&f.viewer),
                    json_ct,
                    valid.clone().unwrap_or_default(),
                )
                .await;
                check(&r, "a viewer");
                if method != "get" {
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path}: viewers change nothing: {}",
                        r.body
                    );
                }
            }
            probes += 1;
        }
    }
    assert!(probes >= 30, "{probes} operations probed");
}

async fn each_case_has_one_status_across_the_api(db: TestDb) {
    let app = App::new(db);
    let f = fixture(&app).await;
    let t = &f.admin;
    // A duplicate is 409 with the field named, whatever the record.
    let duplicates = [
        (
            "/api/v1/agencies",
            json!({"name": "Kent County Council", "kind": "police"}),
        ),
        (
            "/api/v1/places",
            json!({"name": "Sherwood", "level": "ward"}),
        ),
        (
            "/api/v1/contacts",
            json!({"agency_id": f.agency, "name": "Sam"}),
        ),
        (
            "/api/v1/projects",
            json!({"partnership_id": f.partnership, "name": "Pilot", "theme": "x"}),
        ),
    ];
    for (path, body) in &duplicates {
        let first = call(&app, Method::POST, path, t, Some(body.clone())).await;
        if !path.ends_with("agencies") && !path.ends_with("places") {
            assert_eq!(first.status, StatusCode::CREATED, "{path}: {}", first.body);
        }
        let again = call(&app, Method::POST, path, t, Some(body.clone())).await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "duplicate at {path}: {}",
            again.body
        );
        assert_eq!(again.json()["error"]["code"], "conflict");
        assert_eq!(
            again.json()["error"]["fields"][0]["field"],
            "name",
            "{path}"
        );
    }
    // A record named that does not exist is a conflict too; a field breaking a rule is 422.
    let r = call(
        &app,
        Method::POST,
        "/api/v1/contacts",
        t,
        Some(json!({"agency_id": 424242, "name": "Ann"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "agency_id");
    let r = call(
        &app,
        Method::POST,
        "/api/v1/agencies",
        t,
        Some(json!({"name": "X", "kind": "County council"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the API takes the documented words exactly: {}",
        r.body
    );
    // An id written 3.0 is an integer.
    let r = call(
        &app,
        Method::POST,
        "/api/v1/contacts",
        t,
        Some(json!({"agency_id": f.agency as f64, "name": "Float id"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(
        &app,
        Method::GET,
        &format!("/api/v1/places/{}.0", f.place),
        t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A number just short of a whole one is not an id (the JSON reader used to round
    // 0.9999999999999999 to 1 and answer with record 1; found by the API fuzzer).
    let r = call(
        &app,
        Method::GET,
        "/api/v1/agencies/0.9999999999999999",
        t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = send(
        &app,
        "POST",
        "/api/v1/contacts",
        Some(t),
        Some("application/json"),
        br#"{"agency_id": 0.9999999999999999, "name": "Nearly"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Oversized and non-JSON bodies.
    let r = send(
        &app,
        "POST",
        "/api/v1/agencies",
        Some(t),
        Some("application/json"),
        vec![b' '; 3 * 1024 * 1024],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "too_large");
    let r = send(
        &app,
        "POST",
        "/api/v1/agencies",
        Some(t),
        Some("application/x-www-form-urlencoded"),
        b"name=a&kind=police".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json()["error"]["code"], "unsupported_media_type");
    // A record in use cannot be deleted: 409.
    let line = call(
        &app,
        Method::POST,
        "/api/v1/budget-lines",
        t,
        Some(valid_body("BudgetLineInput", &f)),
    )
    .await;
    assert_eq!(line.status, StatusCode::CREATED, "{}", line.body);
    let line_id = line.json()["id"].as_i64().expect("a budget line's id");
    assert_eq!(
        line.header("location"),
        format!("/api/v1/budget-lines/{line_id}")
    );
    assert_eq!(
        call(&app, Method::GET, line.header("location"), t, None)
            .await
            .status,
        StatusCode::OK
    );
    let r = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/places/{}", f.place),
        t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Ids are never given twice.
    let made = call(
        &app,
        Method::POST,
        "/api/v1/agencies",
        t,
        Some(json!({"name": "Short-lived", "kind": "police"})),
    )
    .await;
    let first = made.json()["id"].as_i64().expect("id");
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/agencies/{first}"),
            t,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let next = call(
        &app,
        Method::POST,
        "/api/v1/agencies",
        t,
        Some(json!({"name": "Next", "kind": "police"})),
    )
    .await;
    assert!(
        next.json()["id"].as_i64().expect("id") > first,
        "agency id {first} given twice"
    );
}

async fn no_accepted_writes_can_make_a_place_fail_to_show(db: TestDb) {
    let app = App::new(db);
    let f = fixture(&app).await;
    let t = &f.admin;
    let line = |amount: &str| {
        let mut b = valid_body("BudgetLineInput", &f);
        b["amount"] = json!(amount);
        b
    };
    for too_large in ["92233720368547758.07", "1000000000000.01"] {
        let r = call(
            &app,
            Method::POST,
            "/api/v1/budget-lines",
            t,
            Some(line(too_large)),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{too_large}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["fields"][0]["field"], "amount");
        assert!(
            r.body.contains("1000000000000"),
            "the bound is said: {}",
            r.body
        );
    }
    // The form edge says the bound too.
    let form = wholeplace_service::BudgetForm {
        agency: f.agency.to_string(),
        place: f.place.to_string(),
        service_area: key("health"),
        financial_year: "2024/25".into(),
        amount: "£92,233,720,368,547,758.07".into(),
        ..Default::default()
    };
    match app.service.add_budget_line(&Actor::operator(), &form).await {
        Err(wholeplace_service::ServiceError::Validation(e)) => {
            assert!(e[0].message.contains("£1,000,000,000,000.00"), "{e:?}");
        }
        other => panic!("refused, not {other:?}"),
    }
    for _ in 0..3 {
        let r = call(
            &app,
            Method::POST,
            "/api/v1/budget-lines",
            t,
            Some(line("1000000000000.00")),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // Lines at the largest a row can hold (written before the bound, or by an import of old data)
    // still sum.
    let big = NewBudgetLine {
        agency_id: wholeplace_domain::AgencyId::new(f.agency),
        place_id: wholeplace_domain::PlaceId::new(f.place),
        service_area: key("health"),
        financial_year: fy(2024),
        amount: wholeplace_domain::Money::from_pence(i64::MAX),
        spend_kind: "revenue".into(),
        source: String::new(),
        confidence: String::new(),
    };
    let ev = wholeplace_store::AuditEvent {
        at: 1,
        actor_user_id: None,
        actor: "test".into(),
        action: "budget_line.import".into(),
        record_type: "budget_line".into(),
        record_id: None,
        address: String::new(),
        allowed: true,
        detail: String::new(),
    };
    app.store
        .insert_budget_lines(&[big.clone(), big], &ev)
        .await
        .expect("insert");
    let r = call(
        &app,
        Method::GET,
        &format!("/api/v1/places/{}", f.place),
        t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let expected = 3 * 100_000_000_000_000_i128 + 2 * i128::from(i64::MAX);
    assert!(
        r.body.contains(&format!("\"total_pence\":{expected}")),
        "{}",
        r.body
    );
    let admin = app.sign_in("admin", common::PASSWORD).await;
    let page = app.get_as(&admin, &format!("/places/{}", f.place)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let shown = wholeplace_domain::money::total_full_string(expected);
    assert!(
        page.body.contains(&shown),
        "the exact total {shown} is shown"
    );
}

/// A vocabulary key (place level, agency kind, service area) for a test's records.
fn key<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("a key of its vocabulary")
}

/// A financial year for a test's records, by its start year.
fn fy(start_year: i32) -> wholeplace_domain::FinancialYear {
    wholeplace_domain::FinancialYear::new(start_year).expect("a financial year")
}
