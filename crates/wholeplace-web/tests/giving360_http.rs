//! Organisations' registered identifiers and the 360Giving export, through the pages, the API and
//! the everything workbook, on SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in
//! CI) PostgreSQL.
//!
//! The export is checked as a funder publishing to GrantNav would: converted to JSON (the JSON
//! package itself) and held to the 360Giving package and grant schemas' rules, written out below
//! field by field (`check_package`, `check_grant`), and to the standard's identifier rules: every
//! grant id starts with the publisher's prefix, every organisation id is a recognised org-id
//! scheme's or the publisher's own `360G-` fallback. The schema files themselves are not vendored
//! (see `check_package`).

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, mono, multipart};
use serde_json::{Value, json};
use wholeplace_domain::OrgIdentifier;
use wholeplace_service::Actor;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    identifiers_are_checked_by_scheme_on_the_page_and_the_api,
    the_360giving_package_keeps_the_standards_rules_and_its_ids_are_stable,
);

async fn token(app: &App, who: &Browser) -> String {
    let made = app
        .post_as(who, "/account/tokens", &[("token_name", "giving")])
        .await;
    mono(&made.body).expect("token")
}

async fn call(app: &App, method: Method, path: &str, t: &str, body: Option<Value>) -> common::Resp {
    app.api(method, path, t, body.map(|b| b.to_string())).await
}

async fn identifiers_are_checked_by_scheme_on_the_page_and_the_api(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let agency = app.agency().await;
    let page = app
        .get_as(&admin, &format!("/agencies/{agency}/identifiers"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Identifiers, one a line"),
        "{}",
        page.body
    );

    // An unknown scheme, a charity number of the wrong form and a GSS code: each named, on its
    // line, in the error summary; nothing is written.
    let bad = app
        .post_as(
            &admin,
            &format!("/agencies/{agency}/identifiers"),
            &[("identifiers", "XX-FOO-123\nGB-CHC-12AB\r\nE10000016")],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Identifier 1: &#39;XX-FOO&#39; is not an identifier scheme this system knows",
            "Identifier 2: &#39;GB-CHC-12AB&#39; is not a Charity Commission for England and Wales identifier",
            "Identifier 3: &#39;E10000016&#39; is a GSS area code",
        ],
    );
    assert!(bad.body.contains("XX-FOO-123"), "the typed text is kept");

    let ok = app
        .post_as(
            &admin,
            &format!("/agencies/{agency}/identifiers"),
            &[("identifiers", " gb-lae-ken \n\nGB-GOR-E12")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let list = app.get_as(&admin, "/agencies").await;
    assert!(
        list.body.contains("GB-LAE-KEN; GB-GOR-E12"),
        "{}",
        list.body
    );
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "agency.identifiers"
                && e.event.detail == "GB-LAE-KEN; GB-GOR-E12"),
        "the change is audited"
    );

    // The API: the same rules and messages, the identifiers in the agency's view.
    let t = token(&app, &admin).await;
    let path = format!("/api/v1/agencies/{agency}/identifiers");
    let bad = call(
        &app,
        Method::PUT,
        &path,
        &t,
        Some(json!({"identifiers": ["GB-XYZ-1"]})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "identifiers");
    assert!(
        bad.json()["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'GB-XYZ' is not an identifier scheme")),
        "{}",
        bad.body
    );
    let put = call(
        &app,
        Method::PUT,
        &path,
        &t,
        Some(json!({"identifiers": ["GB-CHC-1234567", "gb-coh-sc123456"]})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.json(), json!(["GB-CHC-1234567", "GB-COH-SC123456"]));
    let got = call(
        &app,
        Method::GET,
        &format!("/api/v1/agencies/{agency}"),
        &t,
        None,
    )
    .await;
    assert_eq!(
        got.json()["identifiers"],
        json!(["GB-CHC-1234567", "GB-COH-SC123456"])
    );
    let missing = call(
        &app,
        Method::PUT,
        "/api/v1/agencies/999999/identifiers",
        &t,
        Some(json!({"identifiers": []})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The document describes them.
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert!(doc["paths"]["/api/v1/agencies/{id}/identifiers"]["put"].is_object());
    assert!(doc["components"]["schemas"]["AgencyView"]["properties"]["identifiers"].is_object());
    assert!(doc["paths"]["/api/v1/grants/360giving"]["get"].is_object());
}

/// Agencies, places (one with a GSS code) and grants (one with two recipients) as the operator.
async fn seed(app: &App) {
    let op = Actor::operator();
    let s = &app.service;
    let kcc = s
        .create_agency(&op, "Kent County Council", "county_council")
        .await
        .expect("kcc");
    s.set_agency_identifiers(&op, kcc, &["GB-LAE-KEN"])
        .await
        .expect("ids");
    let trust = s
        .create_agency(&op, "Sherwood Trust", "voluntary")
        .await
        .expect("trust");
    s.set_agency_identifiers(&op, trust, &["GB-CHC-1234567", "GB-COH-01234567"])
        .await
        .expect("ids");
    let group = s
        .create_agency(&op, "Sherwood Big Local", "voluntary")
        .await
        .expect("group");
    let ward = s
        .create_place(
            &op,
            &wholeplace_service::PlaceForm {
                name: "Sherwood".into(),
                level: "ward".into(),
                gss_code: "E05005163".into(),
                gss_vintage: "2023".into(),
                ..Default::default()
            },
        )
        .await
        .expect("ward");
    let estate = s
        .create_place(
            &op,
            &wholeplace_service::PlaceForm {
                name: "Ramslye".into(),
                level: "estate".into(),
                ..Default::default()
            },
        )
        .await
        .expect("estate");
    let grant = |title: &str, recipients: Vec<_>, places: Vec<_>| wholeplace_store::NewGrant {
        funder_agency_id: kcc,
        title: title.into(),
        purpose: format!("{title}: the purpose"),
        amount: wholeplace_domain::Money::from_pence(1_250_050),
        start_year: "2012/13".parse().expect("year"),
        end_year: "2013/14".parse().expect("year"),
        conditions: String::new(),
        recipient_ids: recipients,
        place_ids: places,
    };
    s.create_grant(
        &op,
        &grant("Prevention fund", vec![trust], vec![ward, estate]),
    )
    .await
    .expect("grant");
    s.create_grant(
        &op,
        &grant("Community chest", vec![trust, group], vec![estate]),
    )
    .await
    .expect("grant");
}

/// The ISO 4217 currencies a UK partnership's grants may be in (the schema's enum holds every
/// ISO 4217 code; these are the ones this export could give).
const CURRENCIES: &[&str] = &["GBP", "EUR", "USD"];

/// The 360Giving `geoCodeType` codelist's codes.
const GEO_CODE_TYPES: &[&str] = &[
    "OA", "LSOA", "MSOA", "PAR", "WD", "UA", "NMD", "MD", "LONB", "CTY", "RGN", "WPC", "CSP",
    "PFA", "CCG", "DZ", "IG", "CA",
];

fn is_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && s[..4].bytes().all(|c| c.is_ascii_digit())
            && s[5..7].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
            && s[8..].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
    })
}

fn is_uri(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(' ')
    })
}

/// The 360Giving package schema's rules (`360-giving-package-schema.json`, 360Giving Data
/// Standard, CC BY 4.0): an object whose required `grants` is an array of at least one grant,
/// no two alike; `issued` a date (YYYY-MM-DD); `publisher` an object with a string `name`
/// (required), string `identifier`, `website` a URI; `license` a URI; `title` and `identifier`
/// strings; `version`, when given, major.minor. The schema files are not vendored here: they
/// could be read but not copied into the repository from where this was written, and nothing in
/// their place is passed off as them; these are their rules as they state them.
fn check_package(p: &Value, prefix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    need(p.is_object(), "the package is an object");
    let grants = p["grants"].as_array();
    need(
        grants.is_some_and(|g| !g.is_empty()),
        "grants: an array of at least one",
    );
    need(is_date(&p["issued"]), "issued: a date");
    need(
        p["publisher"]["name"].is_string(),
        "publisher.name: required string",
    );
    if !p["publisher"]["website"].is_null() {
        need(
            is_uri(&p["publisher"]["website"]),
            "publisher.website: a URI",
        );
    }
    need(is_uri(&p["license"]), "license: a URI");
    need(
        p["title"].is_string() && p["identifier"].is_string(),
        "title, identifier: strings",
    );
    if let Some(v) = p["version"].as_str() {
        need(
            v.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && (a.to_owned() + b).bytes().all(|c| c.is_ascii_digit())
            }),
            "version: major.minor",
        );
    }
    let grants = grants.cloned().unwrap_or_default();
    let mut ids: Vec<&str> = grants.iter().filter_map(|g| g["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != grants.len() {
        problems.push("grants: every grant id unique".into());
    }
    for g in &grants {
        problems.extend(check_grant(g, prefix));
    }
    problems
}

/// The 360Giving grant schema's rules (`360-giving-schema.json`) for the fields this export gives:
/// required `id`, `title`, `description` (strings), `currency` (ISO 4217), `amountAwarded` (a
/// number), `awardDate` (a date), `recipientOrganization` and `fundingOrganization` (arrays of at
/// least one organisation, each with string `id` and `name`); `plannedDates` events with date
/// `startDate`/`endDate`; `beneficiaryLocation` locations with string `name`, `geoCode` and a
/// `geoCodeType` from its codelist. And the standard's identifier rules: the grant id starts with
/// the publisher's prefix; an organisation id is a recognised org-id scheme's or the prefix's.
fn check_grant(g: &Value, prefix: &str) -> Vec<String> {
    let id = g["id"].as_str().unwrap_or("(no id)").to_owned();
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(format!("{id}: {what}"));
        }
    };
    for f in ["id", "title", "description"] {
        need(g[f].as_str().is_some_and(|s| !s.trim().is_empty()), f);
    }
    need(
        g["currency"]
            .as_str()
            .is_some_and(|c| CURRENCIES.contains(&c)),
        "currency",
    );
    need(g["amountAwarded"].is_number(), "amountAwarded: a number");
    need(is_date(&g["awardDate"]), "awardDate: a date");
    need(
        id.starts_with(&format!("{prefix}-")),
        "the id starts with the publisher's prefix",
    );
    for e in g["plannedDates"].as_array().into_iter().flatten() {
        need(
            is_date(&e["startDate"]) && is_date(&e["endDate"]),
            "plannedDates: dates",
        );
    }
    for key in ["recipientOrganization", "fundingOrganization"] {
        let orgs = g[key].as_array().cloned().unwrap_or_default();
        need(!orgs.is_empty(), key);
        for o in orgs {
            need(o["name"].is_string(), "an organisation's name");
            let oid = o["id"].as_str().unwrap_or_default();
            need(
                OrgIdentifier::parse(oid).is_ok_and(|i| i.to_string() == oid)
                    || oid.starts_with(&format!("{prefix}-")),
                &format!("organisation id {oid}: a recognised org-id scheme or the 360G fallback"),
            );
        }
    }
    for l in g["beneficiaryLocation"].as_array().into_iter().flatten() {
        need(l["name"].is_string(), "a location's name");
        if !l["geoCode"].is_null() {
            need(l["geoCode"].is_string(), "geoCode: a string");
            need(
                l["geoCodeType"]
                    .as_str()
                    .is_some_and(|t| GEO_CODE_TYPES.contains(&t)),
                "geoCodeType: from the codelist",
            );
        }
    }
    problems
}

fn grant_ids(p: &Value) -> Vec<String> {
    p["grants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["id"].as_str().map(str::to_owned))
        .collect()
}

async fn the_360giving_package_keeps_the_standards_rules_and_its_ids_are_stable(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    seed(&app).await;

    // Without a publisher: the page asks for one and the downloads say why they cannot be made.
    let funding = app.get_as(&admin, "/funding").await;
    assert!(
        funding.body.contains("Record the 360Giving publisher"),
        "{}",
        funding.body
    );
    let refused = app.get_as(&admin, "/grants.json").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("360Giving publisher prefix"),
        "{}",
        refused.body
    );

    // The publisher's form: every problem at once, then saved (and audited).
    let bad = app
        .post_as(
            &admin,
            "/funding/publisher",
            &[
                ("prefix", "wholeplace"),
                ("name", " "),
                ("website", "example.org"),
                ("licence", ""),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter the prefix 360Giving registered for the partnership",
            "Enter the publisher&#39;s name",
            "Enter the website&#39;s full address",
            "Select the open licence",
        ],
    );
    let ok = app
        .post_as(
            &admin,
            "/funding/publisher",
            &[
                ("prefix", "360G-sherwood"),
                ("name", "Sherwood partnership"),
                ("identifier", "GB-LAE-KEN"),
                ("website", "https://sherwood.example.org/"),
                ("licence", "https://creativecommons.org/licenses/by/4.0/"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "grant.publisher")
    );

    let got = app.get_as(&admin, "/grants.json").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.header("content-type").starts_with("application/json"));
    let package: Value = serde_json::from_str(&got.body).expect("JSON");
    let problems = check_package(&package, "360G-sherwood");
    assert!(problems.is_empty(), "{problems:#?}\n{package:#}");
    assert_eq!(
        package["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(package["publisher"]["identifier"], "GB-LAE-KEN");

    let grants = package["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 3, "one 360Giving grant per recipient");
    let prevention = grants
        .iter()
        .find(|g| g["title"] == "Prevention fund")
        .expect("grant");
    assert_eq!(prevention["amountAwarded"], json!(12500.5));
    assert_eq!(
        prevention["recipientOrganization"][0]["id"], "GB-CHC-1234567",
        "the first identifier"
    );
    assert_eq!(prevention["fundingOrganization"][0]["id"], "GB-LAE-KEN");
    assert_eq!(
        prevention["beneficiaryLocation"],
        json!([{"name": "Ramslye"}, {"name": "Sherwood", "geoCode": "E05005163", "geoCodeType": "WD"}])
    );
    let group = grants
        .iter()
        .find(|g| g["recipientOrganization"][0]["name"] == "Sherwood Big Local")
        .expect("grant to the group");
    assert_eq!(
        group["recipientOrganization"][0]["id"], "360G-sherwood-org-sherwood-big-local",
        "an organisation with no registered identifier gets the publisher's own"
    );
    assert!(
        group["id"]
            .as_str()
            .is_some_and(|i| i.ends_with("-sherwood-big-local"))
    );

    // The spreadsheet form says the same.
    let csv = app.get_as(&admin, "/grants.csv").await;
    assert!(csv.body.starts_with("Identifier,Title,"), "{}", csv.body);
    assert!(
        csv.body.contains("Beneficiary Location:1:Geographic Code"),
        "{}",
        csv.body
    );
    for id in grant_ids(&package) {
        assert!(csv.body.contains(&id), "{id} in the CSV");
    }

    // The API gives the same package.
    let t = token(&app, &admin).await;
    let api = call(&app, Method::GET, "/api/v1/grants/360giving", &t, None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(grant_ids(&api.json()), grant_ids(&package));

    // Ids stay the same across exports, and across the everything workbook into another database.
    let again: Value =
        serde_json::from_str(&app.get_as(&admin, "/grants.json").await.body).expect("JSON");
    assert_eq!(grant_ids(&again), grant_ids(&package));
    let workbook = app.get_as(&admin, "/data/everything.xlsx").await;
    assert_eq!(workbook.status, StatusCode::OK);
    let other = App::new(wholeplace_store_tests::sqlite().await);
    let other_admin = other.admin().await;
    let (ct, body) = multipart(&[
        ("csrf_token", None, other_admin.csrf.as_bytes()),
        ("file", Some("everything.xlsx"), workbook.bytes.as_slice()),
    ]);
    let imported = other
        .post_raw("/data/import", Some(&other_admin.cookie()), &ct, body)
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    // A database whose own grant already has one of those references refuses the workbook (two
    // grants cannot share a 360Giving identifier), saying which, and writes nothing.
    let clash = App::new(wholeplace_store_tests::sqlite().await);
    let clash_admin = clash.admin().await;
    let op = Actor::operator();
    let a = clash
        .service
        .create_agency(&op, "Early funder", "police")
        .await
        .expect("agency");
    let earlier = wholeplace_store::NewGrant {
        funder_agency_id: a,
        title: "Earlier grant".into(),
        purpose: String::new(),
        amount: wholeplace_domain::Money::from_pence(100),
        start_year: "2012/13".parse().expect("year"),
        end_year: "2012/13".parse().expect("year"),
        conditions: String::new(),
        recipient_ids: vec![a],
        place_ids: vec![],
    };
    clash
        .service
        .create_grant(&op, &earlier)
        .await
        .expect("grant");
    let (ct, body) = multipart(&[
        ("csrf_token", None, clash_admin.csrf.as_bytes()),
        ("file", Some("everything.xlsx"), workbook.bytes.as_slice()),
    ]);
    let refused = clash
        .post_raw("/data/import", Some(&clash_admin.cookie()), &ct, body)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("a grant with the reference &#39;1&#39;"),
        "{}",
        refused.body
    );
    other
        .post_as(
            &other_admin,
            "/funding/publisher",
            &[
                ("prefix", "360G-sherwood"),
                ("name", "Sherwood partnership"),
                ("licence", "https://creativecommons.org/licenses/by/4.0/"),
            ],
        )
        .await;
    let moved: Value =
        serde_json::from_str(&other.get_as(&other_admin, "/grants.json").await.body).expect("JSON");
    let moved_ids = grant_ids(&moved);
    for id in grant_ids(&package) {
        assert!(
            moved_ids.contains(&id),
            "{id} after the workbook: {moved_ids:?}"
        );
    }
    let recipients = |p: &Value| -> Vec<String> {
        p["grants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                g["recipientOrganization"][0]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    for r in recipients(&package) {
        assert!(recipients(&moved).contains(&r), "{r} after the workbook");
    }
}
