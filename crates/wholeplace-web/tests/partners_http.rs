//! In-process HTTP tests of contacts, projects, and importing and exporting every record, on
//! SQLite and (when `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) PostgreSQL.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::{Method, StatusCode};
use common::{App, Browser, Resp, mono, multipart};
use wholeplace_service::Actor;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    contacts_are_added_listed_with_an_audit_and_deleted_after_asking,
    projects_are_added_with_their_place_or_theme,
    everything_is_exported_and_imported_on_the_data_page,
    records_are_changed_and_deleted_after_asking,
    the_api_creates_changes_and_deletes_records,
    grants_changes_and_partnerships_are_recorded_through_forms,
    places_relate_in_more_than_one_hierarchy_and_agencies_cover_them,
    the_workbook_keeps_every_rule_the_forms_keep,
);

async fn import(app: &App, who: &Browser, file: &str, bytes: &[u8], skip: bool) -> Resp {
    import_with_token(app, who, &who.csrf, file, bytes, skip).await
}

async fn import_with_token(
    app: &App,
    who: &Browser,
    token: &str,
    file: &str,
    bytes: &[u8],
    skip: bool,
) -> Resp {
    let mut fields: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("csrf_token", None, token.as_bytes()),
        ("file", Some(file), bytes),
    ];
    if skip {
        fields.push(("skip_invalid", None, b"yes"));
    }
    let (ct, body) = multipart(&fields);
    app.post_raw("/data/import", Some(&who.cookie()), &ct, body)
        .await
}

async fn contacts_are_added_listed_with_an_audit_and_deleted_after_asking(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let agency = app.agency().await.to_string();
    let bad = app
        .post_as(
            &admin,
            "/contacts",
            &[
                ("agency_id", "999999"),
                ("name", " "),
                ("email", "not-an-address"),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the contact&#39;s agency",
            "Enter the contact&#39;s name",
            "Enter an email address in the correct format, like name@example.org",
        ],
    );
    let ok = app
        .post_as(
            &admin,
            "/contacts",
            &[
                ("agency_id", &agency),
                ("name", "Sam Example"),
                ("role", "Identified link"),
                ("email", "sam@example.org"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let dup = app
        .post_as(
            &admin,
            "/contacts",
            &[("agency_id", &agency), ("name", "Sam Example")],
        )
        .await;
    assert_eq!(
        dup.status,
        StatusCode::CONFLICT,
        "a second contact of the same name at the agency"
    );

    let reads_before = app
        .audit()
        .await
        .iter()
        .filter(|e| e.event.action == "contact.list")
        .count();
    let page = app.get_as(&admin, "/contacts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sam Example") && page.body.contains("sam@example.org"));
    let reads_after = app
        .audit()
        .await
        .iter()
        .filter(|e| e.event.action == "contact.list")
        .count();
    assert_eq!(
        reads_after,
        reads_before + 1,
        "every view of contacts is audited"
    );

    let practitioner = app.user("practitioner1", "practitioner").await;
    let seen = app.get_as(&practitioner, "/contacts").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Sam Example"), "{}", seen.body);
    assert!(!seen.body.contains("Add a contact"));
    let viewer = app.user("viewer1", "viewer").await;
    // The agencies page links to contacts only for roles that may read them.
    let agencies = app.get_as(&viewer, "/agencies").await;
    assert_eq!(agencies.status, StatusCode::OK);
    assert!(
        !agencies.body.contains("href=\"/contacts\""),
        "{}",
        agencies.body
    );
    assert!(
        app.get_as(&admin, "/agencies")
            .await
            .body
            .contains("href=\"/contacts\"")
    );
    let hidden = app.get_as(&viewer, "/contacts").await;
    assert_eq!(
        hidden.status,
        StatusCode::FORBIDDEN,
        "contacts are personal data: {}",
        hidden.body
    );
    let refused = app
        .post_as(
            &viewer,
            "/contacts",
            &[("agency_id", &agency), ("name", "Sneaky")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let id = app
        .service
        .list_contacts(&Actor::operator())
        .await
        .expect("list")[0]
        .id;
    let confirm = app.get_as(&admin, &format!("/contacts/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("Are you sure you want to delete this contact?")
    );
    assert_eq!(
        app.get_as(&viewer, &format!("/contacts/{id}/delete"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let gone = app
        .post_as(&admin, &format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(
        app.service
            .list_contacts(&Actor::operator())
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        app.post_as(&admin, &format!("/contacts/{id}/delete"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_as(&admin, "/contacts/abc/delete").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn projects_are_added_with_their_place_or_theme(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let agency = app.agency().await;
    let p = app
        .service
        .create_partnership(
            &Actor::operator(),
            "Shropshire pilots",
            "",
            "",
            &[agency],
            &[],
        )
        .await
        .expect("partnership")
        .to_string();
    let bad = app
        .post_as(
            &admin,
            "/projects",
            &[
                ("partnership_id", ""),
                ("name", "x"),
                ("start_date", "1 April 2013"),
                ("end_date", ""),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the partnership the project belongs to",
            "Select the place the project works in, or give its theme",
            "Enter a date as year-month-day, such as 2013-04-01",
        ],
    );
    let backwards = app
        .post_as(
            &admin,
            "/projects",
            &[
                ("partnership_id", &p),
                ("name", "Oswestry"),
                ("theme", "substance misuse"),
                ("start_date", "2013-04-01"),
                ("end_date", "2012-04-01"),
            ],
        )
        .await;
    backwards.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["The end date must be on or after the start date"],
    );
    let ok = app
        .post_as(
            &admin,
            "/projects",
            &[
                ("partnership_id", &p),
                ("name", "Oswestry substance misuse pilot"),
                ("theme", "Transient singles"),
                ("lead_agency_id", &agency.to_string()),
                ("start_date", "2012-01-01"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get_as(&admin, "/projects").await;
    assert!(
        page.body.contains("Oswestry substance misuse pilot")
            && page.body.contains("Transient singles")
            && page.body.contains("From 2012-01-01")
    );
    let viewer = app.user("viewer2", "viewer").await;
    assert_eq!(
        app.post_as(
            &viewer,
            "/projects",
            &[("partnership_id", &p), ("name", "y"), ("theme", "t")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn everything_is_exported_and_imported_on_the_data_page(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let page = app.get_as(&admin, "/data").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_styled_page();

    let places = "name,level,gss_code,gss_vintage,population,description\nKent,county,E10000016,2023,1600000,\nSherwood,ward,,,8000,\nElsewhere,planet,,,,\n";
    let failed = import(&app, &admin, "places.csv", places.as_bytes(), false).await;
    failed.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Places, row 4, column level: &#39;planet&#39; is not a kind of place: use one of"],
    );
    assert!(
        app.service
            .list_places(&Actor::operator())
            .await
            .expect("places")
            .is_empty(),
        "one bad row writes nothing"
    );

    let skipped = import(&app, &admin, "places.csv", places.as_bytes(), true).await;
    assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.body);
    assert!(skipped.body.contains("Places: 2"));
    assert!(skipped.body.contains("1 invalid row skipped") && skipped.body.contains("Elsewhere"));
    assert_eq!(
        app.service
            .list_places(&Actor::operator())
            .await
            .expect("places")
            .len(),
        2
    );

    let csv = app.get_as(&admin, "/data/places.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("name,level,gss_code") && csv.body.contains("Sherwood,ward"));
    let xlsx = app.get_as(&admin, "/data/everything.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.header("content-type").contains("spreadsheetml") && xlsx.body.starts_with("PK"));
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "dataset.export"),
        "exports are audited (contacts are personal data)"
    );
    assert_eq!(
        app.get_as(&admin, "/data/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );

    let again = import(&app, &admin, "places.csv", csv.body.as_bytes(), false).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        app.service
            .list_places(&Actor::operator())
            .await
            .expect("places")
            .len(),
        2,
        "importing an export again adds nothing"
    );

    let garbage = import(&app, &admin, "everything.xlsx", b"not a workbook", false).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert!(garbage.body.contains("govuk-error-summary"));
    let nameless = import(&app, &admin, "mystery.csv", b"colour,size\nred,3\n", false).await;
    nameless.assert_error_summary(
        StatusCode::BAD_REQUEST,
        &["Cannot tell which sheet mystery.csv is"],
    );
    let empty = import(&app, &admin, "places.csv", b"", false).await;
    empty.assert_error_summary(
        StatusCode::BAD_REQUEST,
        &["Choose a workbook (.xlsx) or CSV file to import"],
    );

    let viewer = app.user("viewer3", "viewer").await;
    let refused = import(&app, &viewer, "places.csv", places.as_bytes(), true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let before = app
        .service
        .list_places(&Actor::operator())
        .await
        .expect("places")
        .len();
    let forged = import_with_token(
        &app,
        &admin,
        "not-the-token",
        "places.csv",
        b"name,level\nForged,ward\n",
        false,
    )
    .await;
    assert!(forged.status.is_client_error(), "{}", forged.status);
    assert_eq!(
        app.service
            .list_places(&Actor::operator())
            .await
            .expect("places")
            .len(),
        before,
        "a forged form writes nothing"
    );
}

async fn records_are_changed_and_deleted_after_asking(db: TestDb) {
    use wholeplace_service::{BudgetForm, PlaceForm};
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let place = app
        .service
        .create_place(
            &op,
            &PlaceForm {
                name: "Sherwood".into(),
                level: key("ward"),
                population: "8000".into(),
                ..Default::default()
            },
        )
        .await
        .expect("place");
    let agency = app
        .service
        .create_agency(&op, "Kent County Council", "county_council")
        .await
        .expect("agency");
    let line = BudgetForm {
        agency: agency.to_string(),
        place: place.to_string(),
        service_area: key("social_services"),
        financial_year: "2012/13".into(),
        amount: "9550000".into(),
        ..Default::default()
    };
    app.service.add_budget_line(&op, &line).await.expect("line");
    let line_id = app
        .service
        .place_view(&Actor::operator(), place)
        .await
        .expect("view")
        .lines[0]
        .id;

    // A place.
    let edit = app.get_as(&admin, &format!("/places/{place}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"Sherwood\""));
    let bad = app
        .post_as(
            &admin,
            &format!("/places/{place}/edit"),
            &[("name", ""), ("level", "planet"), ("population", "many")],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter the place&#39;s name, up to 200 characters",
            "&#39;planet&#39; is not a kind of place",
            "Population must be a whole number, such as 118,054",
        ],
    );
    assert!(
        bad.body.contains("<title>Error: Change Sherwood"),
        "the heading names the place as stored, not the blank name sent: {}",
        bad.title()
    );
    let ok = app
        .post_as(
            &admin,
            &format!("/places/{place}/edit"),
            &[
                ("name", "Sherwood ward"),
                ("level", "ward"),
                ("population", "8,100"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let v = app
        .service
        .place_view(&Actor::operator(), place)
        .await
        .expect("view");
    assert_eq!(
        (v.place.name.as_str(), v.place.population),
        ("Sherwood ward", Some(8100))
    );
    let ask = app.get_as(&admin, &format!("/places/{place}/delete")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body
            .contains("Are you sure you want to delete Sherwood ward?")
    );
    let refused = app
        .post_as(&admin, &format!("/places/{place}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("cannot be deleted while there are budget lines"),
        "{}",
        refused.body
    );
    assert!(
        app.service
            .place_view(&Actor::operator(), place)
            .await
            .is_ok(),
        "still there"
    );

    // A budget line.
    let edit = app
        .get_as(&admin, &format!("/budget-lines/{line_id}/edit"))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("Change a budget line") && edit.body.contains("value=\"9550000.00\"")
    );
    let bad = app
        .post_as(
            &admin,
            &format!("/budget-lines/{line_id}/edit"),
            &[
                ("agency", &agency.to_string()),
                ("place", &place.to_string()),
                ("service_area", "social_services"),
                ("financial_year", "2012/13"),
                ("amount", "lots"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post_as(
            &admin,
            &format!("/budget-lines/{line_id}/edit"),
            &[
                ("agency", &agency.to_string()),
                ("place", &place.to_string()),
                ("service_area", "social_services"),
                ("financial_year", "2013/14"),
                ("amount", "9,000,000"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), format!("/places/{place}"));
    let l = app
        .service
        .budget_line(&Actor::operator(), line_id)
        .await
        .expect("line");
    assert_eq!(
        (l.amount.pence(), l.financial_year.start_year()),
        (900_000_000, 2013)
    );
    let ask = app
        .get_as(&admin, &format!("/budget-lines/{line_id}/delete"))
        .await;
    assert!(
        ask.body
            .contains("Are you sure you want to delete this budget line?")
            && ask.body.contains("£9,000,000.00")
    );
    assert_eq!(
        app.post_as(&admin, &format!("/budget-lines/{line_id}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        app.service
            .budget_line(&Actor::operator(), line_id)
            .await
            .is_err(),
        "deleted"
    );

    // Now the place can go.
    assert_eq!(
        app.post_as(&admin, &format!("/places/{place}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_as(&admin, &format!("/places/{place}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Agencies: one a user belongs to cannot go; a renamed one can.
    let office = app
        .service
        .list_agencies(&Actor::operator())
        .await
        .expect("agencies")
        .into_iter()
        .find(|a| a.name == "Partnership office")
        .expect("the administrator's agency")
        .id;
    let refused = app
        .post_as(&admin, &format!("/agencies/{office}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("cannot be deleted while there are users"),
        "{}",
        refused.body
    );
    let clash = app
        .post_as(
            &admin,
            &format!("/agencies/{agency}/edit"),
            &[("name", "Partnership office"), ("kind", "county_council")],
        )
        .await;
    clash.assert_error_summary(
        StatusCode::CONFLICT,
        &["There is already an agency called &#39;Partnership office&#39;"],
    );
    assert!(
        !clash.title().contains("Change Partnership office"),
        "the heading names the agency as stored, not the clashing name sent: {}",
        clash.title()
    );
    let ok = app
        .post_as(
            &admin,
            &format!("/agencies/{agency}/edit"),
            &[("name", "Kent CC"), ("kind", "county_council")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(
        app.get_as(&admin, "/agencies")
            .await
            .body
            .contains("Kent CC")
    );

    // A grant.
    let grant = app
        .service
        .create_grant(
            &op,
            &wholeplace_store::NewGrant {
                funder_agency_id: agency,
                title: "Prevention fund".into(),
                purpose: String::new(),
                amount: wholeplace_domain::Money::from_pence(100),
                start_year: fy(2012),
                end_year: fy(2013),
                conditions: String::new(),
                recipient_ids: vec![office],
                place_ids: vec![],
            },
        )
        .await
        .expect("grant");
    let ask = app.get_as(&admin, &format!("/grants/{grant}/delete")).await;
    assert!(
        ask.body
            .contains("Are you sure you want to delete &#39;Prevention fund&#39;?"),
        "{}",
        ask.body
    );
    assert_eq!(
        app.post_as(&admin, &format!("/grants/{grant}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        app.service
            .list_grants(&Actor::operator())
            .await
            .expect("grants")
            .is_empty()
    );
    assert_eq!(
        app.post_as(&admin, &format!("/agencies/{agency}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Viewers may not; bad ids are not found.
    let viewer = app.user("viewer4", "viewer").await;
    assert_eq!(
        app.get_as(&viewer, &format!("/agencies/{office}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(&viewer, &format!("/agencies/{office}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for path in [
        "/places/abc/edit",
        "/places/999999/delete",
        "/budget-lines/999999/edit",
        "/grants/999999/delete",
        "/agencies/999999/edit",
    ] {
        assert_eq!(
            app.get_as(&admin, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let actions: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.event.allowed)
        .map(|e| e.event.action)
        .collect();
    for a in [
        "place.update",
        "place.delete",
        "budget_line.update",
        "budget_line.delete",
        "agency.update",
        "agency.delete",
        "grant.delete",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} is audited");
    }
}

async fn call(
    app: &App,
    method: Method,
    path: &str,
    token: &str,
    json: Option<serde_json::Value>,
) -> Resp {
    app.api(method, path, token, json.map(|j| j.to_string()))
        .await
}

async fn the_api_creates_changes_and_deletes_records(db: TestDb) {
    use serde_json::json;
    let app = App::new(db);
    let admin = app.admin().await;
    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "records")])
        .await;
    let t = mono(&made.body).expect("token");

    let a = call(
        &app,
        Method::POST,
        "/api/v1/agencies",
        &t,
        Some(json!({"name": "Kent County Council", "kind": "county_council"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let agency = a.json()["id"].as_i64().expect("id");
    let bad = call(
        &app,
        Method::POST,
        "/api/v1/agencies",
        &t,
        Some(json!({"name": "X", "kind": "pirate"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "kind");

    let p = call(
        &app,
        Method::POST,
        "/api/v1/places",
        &t,
        Some(json!({"name": "Sherwood", "level": "ward", "population": "8000"})),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let place = p.json()["id"].as_i64().expect("id");
    let r = call(
        &app,
        Method::PUT,
        &format!("/api/v1/places/{place}"),
        &t,
        Some(json!({"name": "Sherwood", "level": "ward", "population": "8100"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/places/{place}"),
            &t,
            None
        )
        .await
        .json()["place"]["population"],
        8100
    );

    let line = call(&app, Method::POST, "/api/v1/budget-lines", &t, Some(json!({"agency": "Kent County Council", "place": "Sherwood", "service_area": "social_services", "financial_year": "2012/13", "amount": "9550000"}))).await;
    assert_eq!(line.status, StatusCode::CREATED, "{}", line.body);
    let id = app
        .service
        .place_view(&Actor::operator(), wholeplace_domain::PlaceId::new(place))
        .await
        .expect("view")
        .lines[0]
        .id;
    let got = call(
        &app,
        Method::GET,
        &format!("/api/v1/budget-lines/{id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(got.json()["amount"], "9550000.00");
    let r = call(&app, Method::PUT, &format!("/api/v1/budget-lines/{id}"), &t, Some(json!({"agency": "Kent County Council", "place": "Sherwood", "service_area": "social_services", "financial_year": "2012/13", "amount": "9000000"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/budget-lines/{id}"),
            &t,
            None
        )
        .await
        .json()["amount"],
        "9000000.00"
    );

    let refused = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/places/{place}"),
        &t,
        None,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "in use: {}",
        refused.body
    );
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/budget-lines/{id}"),
            &t,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/places/{place}"),
            &t,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    let c = call(
        &app,
        Method::POST,
        "/api/v1/contacts",
        &t,
        Some(json!({"agency_id": agency, "name": "Sam Example", "role": "Identified link"})),
    )
    .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let listed = call(&app, Method::GET, "/api/v1/contacts", &t, None).await;
    assert_eq!(listed.json()[0]["name"], "Sam Example");
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "contact.list"),
        "reading contacts is audited"
    );

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
    let j = call(&app, Method::POST, "/api/v1/projects", &t, Some(json!({"partnership_id": partnership, "name": "Oswestry", "theme": "substance misuse", "start_date": "2012-01-01"}))).await;
    assert_eq!(j.status, StatusCode::CREATED, "{}", j.body);
    assert_eq!(
        call(&app, Method::GET, "/api/v1/projects", &t, None)
            .await
            .json()[0]["name"],
        "Oswestry"
    );
    assert_eq!(
        call(&app, Method::GET, "/api/v1/partnerships", &t, None)
            .await
            .json()[0]["members"][0]["name"],
        "Kent County Council"
    );
    assert_eq!(
        call(&app, Method::GET, "/api/v1/grants", &t, None)
            .await
            .json(),
        json!([])
    );
    let r = call(
        &app,
        Method::PUT,
        &format!("/api/v1/agencies/{agency}"),
        &t,
        Some(json!({"name": "Kent CC", "kind": "county_council"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&app, Method::DELETE, "/api/v1/agencies/999999", &t, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            "/api/v1/places/1",
            &t,
            Some(json!({"wrong": true}))
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let viewer = app.user("viewer5", "viewer").await;
    let vm = app
        .post_as(&viewer, "/account/tokens", &[("token_name", "v")])
        .await;
    let vt = mono(&vm.body).expect("token");
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v1/agencies",
            &vt,
            Some(json!({"name": "Y", "kind": "police"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::GET, "/api/v1/agencies", &vt, None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn grants_changes_and_partnerships_are_recorded_through_forms(db: TestDb) {
    use wholeplace_service::PlaceForm;
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let funder = app
        .service
        .create_agency(&op, "Worcestershire Partnership", "voluntary")
        .await
        .expect("agency")
        .to_string();
    let lsp = app
        .service
        .create_agency(&op, "Bromsgrove Partnership", "voluntary")
        .await
        .expect("agency")
        .to_string();
    app.service
        .create_place(
            &op,
            &PlaceForm {
                name: "Bromsgrove area of high need".into(),
                level: key("neighbourhood"),
                ..Default::default()
            },
        )
        .await
        .expect("place");
    assert_eq!(
        app.get_as(&admin, "/grants/new").await.status,
        StatusCode::OK
    );
    let bad = app
        .post_as(
            &admin,
            "/grants",
            &[
                ("funder_id", ""),
                ("title", "x"),
                ("amount", "lots"),
                ("start_year", "2009"),
                ("end_year", "2014/15"),
                ("places", "Atlantis"),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Select the funder",
            "Enter an amount in pounds, such as 500,000",
            "Enter a financial year, such as 2009/10",
            "There is no place called &#39;Atlantis&#39;",
        ],
    );
    let none = app
        .post_as(
            &admin,
            "/grants",
            &[
                ("funder_id", &funder),
                ("title", "Reward grant"),
                ("amount", "500,000"),
                ("start_year", "2009/10"),
                ("end_year", "2014/15"),
            ],
        )
        .await;
    none.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Select at least one recipient"],
    );
    let ok = app
        .post_as(
            &admin,
            "/grants",
            &[
                ("funder_id", &funder),
                ("title", "Reward grant"),
                ("amount", "500,000"),
                ("start_year", "2009/10"),
                ("end_year", "2014/15"),
                ("recipients", &lsp),
                ("places", "Bromsgrove area of high need"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let grant = app
        .service
        .list_grants(&Actor::operator())
        .await
        .expect("grants")[0]
        .clone();
    assert_eq!(
        (
            grant.amount.pence(),
            grant.places.len(),
            grant.recipients.len()
        ),
        (50_000_000, 1, 1)
    );

    let path = format!("/grants/{}/change", grant.id);
    assert!(
        app.get_as(&admin, &path)
            .await
            .body
            .contains("Record a change to &#39;Reward grant&#39;")
    );
    let outside = app
        .post_as(
            &admin,
            &path,
            &[
                ("from_year", "2020/21"),
                ("new_amount", "400000"),
                ("reason", "cut"),
            ],
        )
        .await;
    outside.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["The change must start within the grant&#39;s years"],
    );
    let cut = app
        .post_as(
            &admin,
            &path,
            &[
                ("from_year", "2011/12"),
                ("new_amount", "400,000"),
                ("reason", "20% cut due to pressure on public funding"),
            ],
        )
        .await;
    assert_eq!(cut.status, StatusCode::SEE_OTHER, "{}", cut.body);
    let grant = app
        .service
        .list_grants(&Actor::operator())
        .await
        .expect("grants")[0]
        .clone();
    assert_eq!(
        grant.amount.pence(),
        50_000_000,
        "the award is kept: a cut is a change, not an overwrite"
    );
    assert_eq!(grant.changes.len(), 1);
    assert_eq!(
        (
            grant.changes[0].from_year.start_year(),
            grant.changes[0].new_amount.pence()
        ),
        (2011, 40_000_000)
    );
    let funding = app.get_as(&admin, "/funding").await;
    assert!(
        funding
            .body
            .contains("20% cut due to pressure on public funding")
    );

    assert_eq!(
        app.get_as(&admin, "/partnerships/new").await.status,
        StatusCode::OK
    );
    let p = app
        .post_as(
            &admin,
            "/partnerships",
            &[
                ("name", "Worcestershire Areas of High Need"),
                ("governance", "LSP boards"),
                ("members", &funder),
                ("members", &lsp),
                ("places", "Bromsgrove area of high need"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let again = app
        .post_as(
            &admin,
            "/partnerships",
            &[("name", "Worcestershire Areas of High Need")],
        )
        .await;
    again.assert_error_summary(
        StatusCode::CONFLICT,
        &["There is already a partnership called &#39;Worcestershire Areas of High Need&#39;"],
    );
    let ps = app
        .service
        .list_partnerships(&Actor::operator())
        .await
        .expect("partnerships");
    assert_eq!(
        (ps.len(), ps[0].members.len(), ps[0].places.len()),
        (1, 2, 1)
    );
    // Changing a grant keeps its recorded changes; changing a partnership replaces its members.
    let edit = app
        .get_as(&admin, &format!("/grants/{}/edit", grant.id))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("value=\"500000.00\"") && edit.body.contains("checked"),
        "the form is filled in"
    );
    let renamed = app
        .post_as(
            &admin,
            &format!("/grants/{}/edit", grant.id),
            &[
                ("funder_id", &funder),
                ("title", "Reward grant (Bromsgrove)"),
                ("amount", "500000"),
                ("start_year", "2009/10"),
                ("end_year", "2014/15"),
                ("recipients", &lsp),
                ("recipients", &funder),
                ("places", ""),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let g = app
        .service
        .list_grants(&Actor::operator())
        .await
        .expect("grants")[0]
        .clone();
    assert_eq!(
        (
            g.title.as_str(),
            g.recipients.len(),
            g.places.len(),
            g.changes.len()
        ),
        ("Reward grant (Bromsgrove)", 2, 0, 1)
    );
    let empty = app
        .post_as(
            &admin,
            &format!("/grants/{}/edit", grant.id),
            &[
                ("funder_id", &funder),
                ("title", ""),
                ("amount", "500000"),
                ("start_year", "2009/10"),
                ("end_year", "2014/15"),
                ("recipients", &lsp),
            ],
        )
        .await;
    empty.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Enter the grant&#39;s title"],
    );
    let pid = ps[0].id;
    assert!(
        app.get_as(&admin, &format!("/partnerships/{pid}/edit"))
            .await
            .body
            .contains("value=\"Worcestershire Areas of High Need\"")
    );
    let changed = app
        .post_as(
            &admin,
            &format!("/partnerships/{pid}/edit"),
            &[
                ("name", "Worcestershire AHN"),
                ("governance", "LSP boards"),
                ("members", &lsp),
                ("places", ""),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let p = app
        .service
        .list_partnerships(&Actor::operator())
        .await
        .expect("partnerships")[0]
        .clone();
    assert_eq!(
        (p.name.as_str(), p.members.len(), p.places.len()),
        ("Worcestershire AHN", 1, 0)
    );
    assert_eq!(
        app.get_as(&admin, "/grants/999999/edit").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_as(&admin, "/partnerships/999999/edit", &[("name", "x")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let viewer = app.user("viewer6", "viewer").await;
    assert_eq!(
        app.get_as(&viewer, &format!("/partnerships/{pid}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(
            &viewer,
            &path,
            &[
                ("from_year", "2011/12"),
                ("new_amount", "1"),
                ("reason", "x")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn places_relate_in_more_than_one_hierarchy_and_agencies_cover_them(db: TestDb) {
    use wholeplace_service::PlaceForm;
    let app = App::new(db);
    let admin = app.admin().await;
    let op = Actor::operator();
    let mk = |name: &str, level: &str| PlaceForm {
        name: name.into(),
        level: key(level),
        ..Default::default()
    };
    let district = app
        .service
        .create_place(&op, &mk("Tunbridge Wells", "district"))
        .await
        .expect("place");
    let ward = app
        .service
        .create_place(&op, &mk("Sherwood", "ward"))
        .await
        .expect("place");
    let police = app
        .service
        .create_place(&op, &mk("Sherwood police neighbourhood", "police_area"))
        .await
        .expect("place");

    assert_eq!(
        app.get_as(&admin, &format!("/places/{ward}/relations"))
            .await
            .status,
        StatusCode::OK
    );
    let bad = app
        .post_as(
            &admin,
            &format!("/places/{ward}/relations"),
            &[("how", "beside"), ("other_id", &ward.to_string())],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Select a different place", "Select how the places relate"],
    );
    let inside = app
        .post_as(
            &admin,
            &format!("/places/{ward}/relations"),
            &[("how", "inside"), ("other_id", &district.to_string())],
        )
        .await;
    assert_eq!(inside.status, StatusCode::SEE_OTHER, "{}", inside.body);
    let overlaps = app
        .post_as(
            &admin,
            &format!("/places/{police}/relations"),
            &[("how", "overlaps"), ("other_id", &ward.to_string())],
        )
        .await;
    assert_eq!(overlaps.status, StatusCode::SEE_OTHER, "{}", overlaps.body);
    let v = app
        .service
        .place_view(&Actor::operator(), ward)
        .await
        .expect("view");
    let parents: Vec<(&str, &str)> = v
        .parents
        .iter()
        .map(|r| (r.place.name.as_str(), r.relation.as_str()))
        .collect();
    assert!(
        parents.contains(&("Tunbridge Wells", "contains"))
            && parents.contains(&("Sherwood police neighbourhood", "overlaps")),
        "{parents:?}"
    );

    let agency = app.agency().await.to_string();
    let none = app
        .post_as(
            &admin,
            &format!("/places/{ward}/coverage"),
            &[("agency_id", "")],
        )
        .await;
    none.assert_error_summary(StatusCode::UNPROCESSABLE_ENTITY, &["Select the agency"]);
    let ok = app
        .post_as(
            &admin,
            &format!("/places/{ward}/coverage"),
            &[("agency_id", &agency)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(
        app.get_as(&admin, &format!("/places/{ward}"))
            .await
            .body
            .contains("Partnership office")
    );
    assert_eq!(
        app.post_as(&admin, "/places/999999/coverage", &[("agency_id", &agency)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let viewer = app.user("viewer7", "viewer").await;
    assert_eq!(
        app.post_as(
            &viewer,
            &format!("/places/{ward}/coverage"),
            &[("agency_id", &agency)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
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

/// A sheet of the everything-workbook from CSV text.
fn sheet(name: &str, csv: &str) -> (String, wholeplace_tabular::Table) {
    (
        name.to_owned(),
        wholeplace_tabular::read_csv(csv).expect("test CSV"),
    )
}

/// Each record's one parser serves the forms and the workbook alike: rows the forms would refuse
/// are refused by the import too, with the forms' words, on the sheet's row and column. (The
/// workbook used to take a negative population, a grant of £0 or with no recipient, a change
/// outside its grant's years or without a reason, and a project with neither place nor theme.)
async fn the_workbook_keeps_every_rule_the_forms_keep(db: TestDb) {
    let app = App::new(db);
    let op = Actor::operator();
    let agencies = sheet(
        "Agencies",
        "name,kind\nFunder,county_council\nDoer,voluntary\n",
    );
    let partnerships = sheet(
        "Partnerships",
        "name,description,governance,members,places\nPilots,,,Doer,\n",
    );
    let grant_header =
        "funder,title,purpose,amount,start_year,end_year,conditions,recipients,places";
    let long_name = "x".repeat(201);
    let cases: Vec<(Vec<(String, wholeplace_tabular::Table)>, String)> = vec![
        (
            vec![sheet("Places", "name,level,gss_code,gss_vintage,population,description\nMinus,ward,,,-5,\n")],
            "Places, row 2, column population: Population must be a whole number".into(),
        ),
        (
            vec![sheet("Places", &format!("name,level\n{long_name},ward\n"))],
            "Places, row 2, column name: Enter the place's name, up to 200 characters".into(),
        ),
        (
            vec![agencies.clone(), sheet("Grants", &format!("{grant_header}\nFunder,Nothing,,0,2024/25,2024/25,,Doer,\n"))],
            "Grants, row 2, column amount: The amount must be more than £0".into(),
        ),
        (
            vec![agencies.clone(), sheet("Grants", &format!("{grant_header}\nFunder,Nobody's,,10,2024/25,2024/25,,,\n"))],
            "Grants, row 2, column recipients: Select at least one recipient".into(),
        ),
        (
            vec![
                agencies.clone(),
                sheet("Grants", &format!("{grant_header}\nFunder,Hubs,,10,2024/25,2025/26,,Doer,\n")),
                sheet("Grant changes", "funder,title,from_year,new_amount,reason\nFunder,Hubs,2030/31,5,cut\n"),
            ],
            "Grant changes, row 2, column from_year: The change must start within the grant's years".into(),
        ),
        (
            vec![
                agencies.clone(),
                sheet("Grants", &format!("{grant_header}\nFunder,Hubs,,10,2024/25,2025/26,,Doer,\n")),
                sheet("Grant changes", "funder,title,from_year,new_amount,reason\nFunder,Hubs,2025/26,5,\n"),
            ],
            "Grant changes, row 2, column reason: Give the reason for the change".into(),
        ),
        (
            vec![agencies.clone(), partnerships.clone(), sheet("Projects", "partnership,name\nPilots,Nowhere\n")],
            "Projects, row 2, column place: Select the place the project works in, or give its theme".into(),
        ),
    ];
    for (sheets, expected) in cases {
        let err = app
            .service
            .import_dataset(&op, &sheets, false)
            .await
            .expect_err("the row breaks a rule the forms keep");
        let wholeplace_service::ServiceError::Validation(problems) = err else {
            panic!("a row's problem is a validation error, not {err:?}");
        };
        assert!(
            problems.iter().any(|p| p.message.starts_with(&expected)),
            "expected {expected:?} in {problems:?}"
        );
    }
    assert!(
        app.service
            .list_places(&op)
            .await
            .expect("places")
            .is_empty()
            && app
                .service
                .list_grants(&op)
                .await
                .expect("grants")
                .is_empty(),
        "nothing of a refused workbook is written"
    );
}
