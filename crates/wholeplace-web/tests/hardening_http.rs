//! In-process HTTP tests of what an attacker or a careless file can send: hostile workbooks,
//! control characters, bodies over the limit, and large honest uploads. On SQLite and PostgreSQL
//! (the two used to differ: PostgreSQL answered 500 to a NUL byte that SQLite stored).

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Browser, Resp, mono, multipart};
use wholeplace_service::Actor;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    hostile_workbooks_are_refused_and_the_server_carries_on,
    control_characters_are_refused_where_they_enter,
    bodies_over_the_limit_get_413_in_the_house_style,
    a_large_csv_imports_through_the_data_page,
    sessions_end_when_idle_and_are_listed_and_signed_out,
    a_password_reset_revokes_api_tokens,
    https_settings_add_hsts_and_assets_are_fingerprinted,
);

async fn upload(
    app: &App,
    who: &Browser,
    path: &str,
    field: &str,
    file: &str,
    bytes: &[u8],
) -> Resp {
    let (ct, body) = multipart(&[
        ("csrf_token", None, who.csrf.as_bytes()),
        (field, Some(file), bytes),
    ]);
    app.post_raw(path, Some(&who.cookie()), &ct, body).await
}

/// The workbook that used to abort the server: 1.6 KB, one cell at XFD1048576.
fn far_cell_workbook(sheet: &str) -> Vec<u8> {
    wholeplace_tabular::workbook::minimal_workbook_with_dimension(
        sheet,
        "A1:XFD1048576",
        r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
    )
}

async fn token(app: &App, who: &Browser) -> String {
    let made = app
        .post_as(who, "/account/tokens", &[("token_name", "hardening")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    mono(&made.body).expect("the token is shown")
}

async fn hostile_workbooks_are_refused_and_the_server_carries_on(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let data = upload(
        &app,
        &admin,
        "/data/import",
        "file",
        "far.xlsx",
        &far_cell_workbook("Budget lines"),
    )
    .await;
    data.assert_error_summary(StatusCode::BAD_REQUEST, &["column XFD", "columns A to SF"]);
    let model = upload(
        &app,
        &admin,
        "/appraisals/upload",
        "workbook",
        "far.xlsx",
        &far_cell_workbook("Appraisal"),
    )
    .await;
    assert!(
        model.status.is_client_error(),
        "{} {}",
        model.status,
        model.body
    );
    assert!(
        model.body.contains("has a value in row 1048576"),
        "{}",
        model.body
    );
    // A zip that is no workbook, and a workbook whose declared part count is absurd.
    let junk = upload(
        &app,
        &admin,
        "/data/import",
        "file",
        "junk.xlsx",
        b"PK\x03\x04 not really",
    )
    .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST, "{}", junk.body);
    let home = app.get_as(&admin, "/").await;
    assert_eq!(home.status, StatusCode::OK, "the server still answers");
}

async fn control_characters_are_refused_where_they_enter(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;

    // Signed out: the sign-in form's user name.
    let r = app.submit_sign_in("ad\0min", "whatever").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body
            .contains("The field &#39;username&#39; contains a control character"),
        "{}",
        r.body
    );
    r.assert_styled_page();

    // A query parameter, on a page and in the API.
    let r = app.get_as(&admin, "/audit?actor=a%00b").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("The query parameter &#39;actor&#39;"),
        "{}",
        r.body
    );
    let t = token(&app, &admin).await;
    let r = app.get_bearer("/api/v1/audit?actor=a%00b", Some(&t)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "actor");

    // A form field and a JSON field: nothing is stored.
    let r = app
        .post_as(
            &admin,
            "/agencies",
            &[("name", "Kent\0CC"), ("kind", "county_council")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("The field &#39;name&#39;") && r.body.contains("at character 5"),
        "{}",
        r.body
    );
    let r = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            &t,
            Some(r#"{"name": "Kent\u0000CC", "kind": "county_council"}"#.to_owned()),
        )
        .await;
    // The API's contract: a field that breaks its documented rule is a 422 naming the field.
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "name");
    // A path with a control character names nothing.
    let r = app.get_bearer("/api/v1/places/1%00", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "not_found");
    assert!(
        app.service
            .list_agencies(&Actor::operator())
            .await
            .expect("agencies")
            .iter()
            .all(|a| !a.name.contains('\0')),
        "nothing with a NUL was stored"
    );

    // A cell of an uploaded CSV, located by row and column.
    let csv = "name,kind\nKent CC,county_council\nSurrey\u{0}CC,county_council\n";
    let r = upload(
        &app,
        &admin,
        "/data/import",
        "file",
        "agencies.csv",
        csv.as_bytes(),
    )
    .await;
    r.assert_error_summary(
        StatusCode::BAD_REQUEST,
        &["row 3, column name: the cell contains a control character"],
    );

    // A model file may write NUL as an escape; its title is stored apart and audited, so refused.
    let model = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/appraisal/family-intervention.toml"
    ))
    .expect("example model")
    .replace(
        "title = \"Sherwood family intervention service\"",
        "title = \"Sherwood\\u0000family\"",
    );
    assert!(model.contains("\\u0000"));
    let r = upload(
        &app,
        &admin,
        "/appraisals/upload",
        "workbook",
        "model.toml",
        model.as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("contains a control character"),
        "{}",
        r.body
    );

    // Line breaks and tabs are text, not control characters.
    let r = app
        .post_as(
            &admin,
            "/agencies",
            &[("name", "Tab\tand line"), ("kind", "county_council")],
        )
        .await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert_ne!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

async fn bodies_over_the_limit_get_413_in_the_house_style(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let big = vec![b'a'; 64 * 1024 * 1024 + 1];

    // With a Content-Length over the limit.
    let (ct, body) = multipart(&[
        ("csrf_token", None, admin.csrf.as_bytes()),
        ("file", Some("big.csv"), &big),
    ]);
    let r = app
        .post_raw("/data/import", Some(&admin.cookie()), &ct, body)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    r.assert_styled_page();
    assert!(r.body.contains("64 MiB"), "{}", r.body);
    assert!(
        r.header("content-security-policy")
            .contains("default-src 'self'")
    );
    assert_eq!(r.header("x-content-type-options"), "nosniff");

    // Chunked, with no length given: the limit is met while reading.
    let (ct, body) = multipart(&[
        ("csrf_token", None, admin.csrf.as_bytes()),
        ("file", Some("big.csv"), &big),
    ]);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(1024 * 1024).map(|c| Ok(c.to_vec())).collect();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/data/import")
        .header(header::CONTENT_TYPE, ct)
        .header(header::COOKIE, admin.cookie())
        .body(Body::from_stream(futures_stream(chunks)))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    r.assert_styled_page();

    // The API answers in its envelope.
    let t = token(&app, &admin).await;
    let mut json = String::from(r#"{"name": ""#);
    json.push_str(&"a".repeat(64 * 1024 * 1024));
    json.push_str(r#"", "kind": "county_council"}"#);
    let r = app
        .api(Method::POST, "/api/v1/agencies", &t, Some(json))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_large");
    assert!(
        r.header("content-security-policy")
            .contains("default-src 'self'")
    );
}

/// A stream of ready chunks (a body without a length).
fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Chunks(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Chunks(chunks.into_iter())
}

async fn a_large_csv_imports_through_the_data_page(db: TestDb) {
    // Over the framework's 2 MB default body limit, which used to refuse it before the
    // application's own 64 MiB limit applied.
    let app = App::new(db);
    let admin = app.admin().await;
    let places = "name,level\nSherwood,ward\n";
    let r = upload(
        &app,
        &admin,
        "/data/import",
        "file",
        "places.csv",
        places.as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let agency = app
        .service
        .list_agencies(&Actor::operator())
        .await
        .expect("agencies")[0]
        .name
        .clone();
    let mut csv = String::from(
        "agency,place,place_level,service_area,financial_year,amount,spend_kind,source,confidence\n",
    );
    let lines = 30_000;
    for i in 0..lines {
        csv.push_str(&format!(
            "{agency},Sherwood,ward,social_services,2024/25,{}.{:02},revenue,\"budget book 2024/25, page {i}\",grade 2\n",
            1000 + i,
            i % 100
        ));
    }
    assert!(csv.len() > 2 * 1024 * 1024, "{} bytes", csv.len());
    let r = upload(
        &app,
        &admin,
        "/data/import",
        "file",
        "budget-lines.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(&format!("Budget lines: {lines}")),
        "{}",
        r.body
    );
}

async fn sessions_end_when_idle_and_are_listed_and_signed_out(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    // In use: a request every 20 minutes keeps the session (idle timeout 30 minutes).
    for _ in 0..3 {
        app.clock.advance(20 * 60);
        assert_eq!(app.get_as(&admin, "/account").await.status, StatusCode::OK);
    }
    // Unused for 31 minutes: it ends, and the ending is audited.
    app.clock.advance(31 * 60);
    let r = app.get_as(&admin, "/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/sign-in"), "{}", r.location());
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "session.idle_timeout")
    );

    // Signing in again from a browser that still holds a session ends that session.
    let first = app.sign_in("admin", common::PASSWORD).await;
    let (cookie, csrf) = app.sign_in_form().await;
    let again = app
        .post_form(
            "/sign-in",
            Some(&format!("wp_signin={cookie}; wp_session={}", first.session)),
            &[
                ("csrf_token", &csrf),
                ("username", "admin"),
                ("password", common::PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        app.get_as(&first, "/account").await.status,
        StatusCode::SEE_OTHER,
        "the replaced session no longer works"
    );

    // Two browsers: each lists both sessions, and one signs the other out.
    let a = app.sign_in("admin", common::PASSWORD).await;
    let b = app.sign_in("admin", common::PASSWORD).await;
    let page = app.get_as(&a, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Where you are signed in") && page.body.contains("This browser"));
    assert!(
        page.body.matches("/account/sessions/").count() >= 3,
        "two sessions and 'everywhere else'"
    );
    assert!(
        !page.body.contains(&a.session) && !page.body.contains(&b.session),
        "tokens never shown"
    );
    let r = app
        .post_as(&a, "/account/sessions/others/revoke", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get_as(&b, "/account").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get_as(&a, "/account").await.status, StatusCode::OK);
    // An unknown reference is a 404, not a 500.
    let r = app
        .post_as(&a, "/account/sessions/000000000000/revoke", &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn a_password_reset_revokes_api_tokens(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let val = app.user("val", "analyst").await;
    let t = token(&app, &val).await;
    assert_eq!(
        app.get_bearer("/api/v1/me", Some(&t)).await.status,
        StatusCode::OK
    );
    let id = app.user_named("val").await.id;
    let r = app
        .post_as(&admin, &format!("/users/{id}/reset-password"), &[])
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );
    assert_eq!(
        app.get_bearer("/api/v1/me", Some(&t)).await.status,
        StatusCode::UNAUTHORIZED,
        "a reset password's tokens stop working"
    );
}

async fn https_settings_add_hsts_and_assets_are_fingerprinted(db: TestDb) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("wholeplace.css"), "body{}").expect("css");
    let app = App::with_assets(db, true, dir.path().to_path_buf());
    let r = app.get("/sign-in", None).await;
    assert!(
        r.header("strict-transport-security")
            .starts_with("max-age=31536000")
    );
    let href = common::between(&r.body, "href=\"/assets/wholeplace.css?v=", "\"")
        .expect("fingerprinted link");
    let css = app
        .get(&format!("/assets/wholeplace.css?v={href}"), None)
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let plain = app.get("/assets/wholeplace.css", None).await;
    assert_eq!(plain.header("cache-control"), "no-cache");
    let stale = app.get("/assets/wholeplace.css?v=0000", None).await;
    assert_eq!(stale.header("cache-control"), "no-cache");
    assert!(
        stale
            .header("content-security-policy")
            .contains("default-src")
    );
}
