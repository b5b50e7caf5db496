//! In-process HTTP tests of every page and route, on SQLite and (when
//! `WHOLEPLACE_TEST_POSTGRES_URL` is set, always in CI) on PostgreSQL. They drive the whole router
//! with `tower::ServiceExt::oneshot`, including the failures: signed out, wrong role, missing or
//! wrong form token, bad forms, bad queries, unknown addresses. None of them may give a 500.

#[expect(dead_code, reason = "each test binary uses part of the shared harness")]
mod common;

use axum::http::StatusCode;
use common::{App, Browser, PASSWORD, Resp, START, mono};
use wholeplace_store::prelude::*;
use wholeplace_store_tests::TestDb;

wholeplace_store_tests::both_backends!(
    signed_out_requests_go_to_sign_in,
    public_pages_and_health,
    every_page_renders_for_an_administrator,
    sign_in_succeeds_and_fails_politely,
    sign_in_returns_to_a_local_next_only,
    sign_in_refuses_a_missing_or_wrong_form_token,
    sign_in_is_throttled_and_the_throttle_lifts,
    a_new_password_is_required_before_anything_else,
    password_change_lists_every_problem_then_succeeds,
    every_post_refuses_a_missing_or_wrong_form_token,
    other_roles_are_refused_and_the_refusal_is_audited,
    administrator_creates_users,
    administrator_disables_enables_and_resets,
    bad_ids_are_not_found,
    audit_page_filters_and_refuses_bad_dates,
    audit_csv_is_csv_and_guards_formulas,
    audit_page_csv_and_api_show_the_latest_chain_hash,
    api_tokens_work_until_revoked,
    api_errors_use_the_envelope,
    security_headers_are_on_every_response,
    session_cookie_flags,
    sessions_expire_after_eight_hours,
    sign_out_ends_the_session,
    garbage_bodies_never_give_500,
);

fn assert_redirect(r: &Resp, to: &str) {
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "expected a redirect to {to}: {}",
        r.body
    );
    assert_eq!(r.location(), to);
}

fn assert_forbidden(r: &Resp) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    r.assert_styled_page();
}

fn assert_csrf_refused(r: &Resp) {
    assert_forbidden(r);
    assert!(r.body.contains("This form has expired"), "{}", r.body);
    assert!(
        r.set_cookie("wp_session").is_none(),
        "no session may be set by a refused form"
    );
}

fn envelope_code(r: &Resp) -> String {
    assert!(
        r.header("content-type").starts_with("application/json"),
        "content-type {}",
        r.header("content-type")
    );
    r.json()["error"]["code"]
        .as_str()
        .expect("an error code")
        .to_owned()
}

/// The id in the first `action="/account/tokens/ID/revoke"` of a page.
fn revoke_id(html: &str) -> String {
    common::between(html, "action=\"/account/tokens/", "/revoke\"").expect("a revoke form")
}

// ---------- signed out ----------

async fn signed_out_requests_go_to_sign_in(db: TestDb) {
    let app = App::new(db);
    assert_redirect(&app.get("/", None).await, "/sign-in");
    for (path, next) in [
        ("/account", "%2Faccount"),
        ("/account/password", "%2Faccount%2Fpassword"),
        ("/users", "%2Fusers"),
        ("/users/new", "%2Fusers%2Fnew"),
        ("/users/1", "%2Fusers%2F1"),
        ("/audit", "%2Faudit"),
        (
            "/audit?actor=admin&outcome=refused",
            "%2Faudit%3Factor%3Dadmin%26outcome%3Drefused",
        ),
        ("/audit.csv", "%2Faudit.csv"),
    ] {
        let r = app.get(path, None).await;
        assert_redirect(&r, &format!("/sign-in?next={next}"));
    }
    // A stale or made-up cookie is the same as none.
    assert_redirect(
        &app.get("/users", Some("wp_session=made-up")).await,
        "/sign-in?next=%2Fusers",
    );
    let long = format!("wp_session={}", "x".repeat(4000));
    assert_redirect(
        &app.get("/account", Some(&long)).await,
        "/sign-in?next=%2Faccount",
    );
    // Forms posted without a session go to sign in too (with nowhere to come back to).
    for path in [
        "/sign-out",
        "/account/password",
        "/account/tokens",
        "/account/tokens/1/revoke",
        "/users",
        "/users/1/disable",
        "/users/1/enable",
        "/users/1/reset-password",
    ] {
        let r = app.post_form(path, None, &[("csrf_token", "x")]).await;
        assert_redirect(&r, "/sign-in");
    }
}

async fn public_pages_and_health(db: TestDb) {
    let app = App::new(db);
    for path in ["/sign-in", "/about/data", "/about/accessibility"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.assert_styled_page();
        assert!(!r.title().starts_with("Error:"), "{path}");
    }
    let h = app.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.body.trim(), "ok");
    let js = app.get("/static/app.js", None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.header("content-type").starts_with("text/javascript"));
    let icon = app.get("/static/favicon.svg", None).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), "image/svg+xml");
    let missing = app.get("/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.assert_styled_page();
    assert!(missing.body.contains("Page not found"));
    let missing_asset = app.get("/assets/does-not-exist.css", None).await;
    assert_eq!(missing_asset.status, StatusCode::NOT_FOUND);
    // Signed in, the about pages show the navigation and the sign-in page sends you home.
    let admin = app.admin().await;
    let about = app.get_as(&admin, "/about/data").await;
    assert_eq!(about.status, StatusCode::OK);
    assert!(about.body.contains("Your account (admin)"));
    assert_redirect(&app.get_as(&admin, "/sign-in").await, "/");
    let nope = app.get_as(&admin, "/nope").await;
    assert_eq!(nope.status, StatusCode::NOT_FOUND);
}

async fn every_page_renders_for_an_administrator(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let id = app.user_named("admin").await.id;
    for (path, heading) in [
        ("/", "Administrator"),
        ("/account", "Your account"),
        ("/account/password", "current_password"),
        ("/users", "admin"),
        ("/users/new", "Partnership office"),
        (&format!("/users/{id}"), "Administrator"),
        ("/audit", "Audit log"),
        ("/about/data", "Unit Cost Database"),
        ("/about/accessibility", "ccessibility"),
        ("/places", "Places"),
        ("/places/new", "Add a place"),
        ("/agencies", "Partner agencies"),
        ("/funding", "Partnerships and funding"),
        ("/budget-lines/new", "Add a budget line"),
        ("/contacts", "Add a contact"),
        ("/projects", "Add a pilot or project"),
        ("/data", "Import and export"),
        ("/appraisals", "Start an appraisal"),
        ("/appraisals/new", "Upload model"),
        ("/unit-costs", "CC BY 4.0"),
    ] {
        let r = app.get_as(&admin, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.assert_styled_page();
        assert!(
            !r.title().starts_with("Error:") && r.title().ends_with("wholeplace"),
            "{path}: {}",
            r.title()
        );
        assert!(r.body.contains(heading), "{path} lacks {heading:?}");
        // Every signed-in page can sign out, with this session's token.
        assert!(
            r.body.contains("action=\"/sign-out\"") && r.csrf() == admin.csrf,
            "{path}"
        );
        assert!(
            r.body.contains("href=\"/users\"") && r.body.contains("href=\"/audit\""),
            "{path}: administrators see their links"
        );
    }
}

// ---------- signing in ----------

async fn sign_in_succeeds_and_fails_politely(db: TestDb) {
    let app = App::new(db);
    let otp = app
        .service
        .bootstrap_admin()
        .await
        .expect("bootstrap")
        .expect("first start");

    // Nothing entered: both problems, at once.
    let r = app.submit_sign_in("", "").await;
    r.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter your username",
            "Enter your password",
            "href=\"#username\"",
            "href=\"#password\"",
        ],
    );
    assert!(r.set_cookie("wp_session").is_none());
    // A fresh form token comes with the error page, so the next try works.
    assert!(r.cookie_value("wp_signin").is_some_and(|c| c == r.csrf()));

    // Wrong password: the same answer as an unknown name, and the name is kept.
    let wrong = app.submit_sign_in("admin", "not the password").await;
    wrong.assert_error_summary(
        StatusCode::UNAUTHORIZED,
        &["The username or password is not right"],
    );
    assert!(
        wrong.body.contains("value=\"admin\""),
        "the username is kept"
    );
    assert!(
        !wrong.body.contains("not the password"),
        "a password is never echoed"
    );
    let unknown = app.submit_sign_in("nobody", "not the password").await;
    unknown.assert_error_summary(
        StatusCode::UNAUTHORIZED,
        &["The username or password is not right"],
    );

    // Right password (names are not case-sensitive): a session, and the form cookie cleared.
    let ok = app.submit_sign_in("  Admin ", &otp).await;
    assert_redirect(&ok, "/account/password");
    let session = ok.set_cookie("wp_session").expect("session cookie");
    assert!(!session.starts_with("wp_session=;"));
    assert!(
        ok.set_cookie("wp_signin")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );

    let audit = app.audit().await;
    let sign_ins: Vec<_> = audit
        .iter()
        .filter(|e| e.event.action == "session.sign_in")
        .collect();
    assert_eq!(
        sign_ins.len(),
        3,
        "two failures and one success: {sign_ins:?}"
    );
    assert!(sign_ins[0].event.allowed);
    assert!(sign_ins[1..].iter().all(|e| !e.event.allowed));
    assert!(audit.iter().all(|e| !e.event.detail.contains(&otp) && !e.event.detail.contains("not the password")));
}

/// Submits the sign-in form as admin with a `next` field.
async fn sign_in_with_next(app: &App, next: &str) -> Resp {
    let (cookie, csrf) = app.sign_in_form().await;
    app.post_form(
        "/sign-in",
        Some(&format!("wp_signin={cookie}")),
        &[
            ("csrf_token", &csrf),
            ("username", "admin"),
            ("password", PASSWORD),
            ("next", next),
        ],
    )
    .await
}

async fn sign_in_returns_to_a_local_next_only(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let page = app
        .get("/sign-in?next=%2Faudit%3Foutcome%3Drefused", None)
        .await;
    assert_eq!(
        common::hidden_value(&page.body, "next").as_deref(),
        Some("/audit?outcome=refused")
    );
    for (next, expected) in [
        ("/audit?outcome=refused", "/audit?outcome=refused"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        // Control characters cannot go into a Location header: they must not make a 500.
        ("/\r\nSet-Cookie: evil=1", "/"),
    ] {
        let r = sign_in_with_next(&app, next).await;
        assert_redirect(&r, expected);
    }
    // NUL and DEL are refused at the edge, naming the field, before anything is done.
    for next in ["/audit\u{0}", "/audit\u{7f}"] {
        let r = sign_in_with_next(&app, next).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(
            r.body
                .contains("The field &#39;next&#39; contains a control character")
        );
        assert!(r.set_cookie("wp_session").is_none(), "not signed in");
    }
    let crlf = app
        .get("/sign-in?next=%2Faudit%0D%0ASet-Cookie:%20x=1", None)
        .await;
    assert_eq!(crlf.status, StatusCode::OK);
    assert_eq!(
        common::hidden_value(&crlf.body, "next").as_deref(),
        Some("/")
    );
    let evil = app.get("/sign-in?next=https://evil.example/", None).await;
    assert_eq!(
        common::hidden_value(&evil.body, "next").as_deref(),
        Some("/")
    );
}

async fn sign_in_refuses_a_missing_or_wrong_form_token(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    let before = app.audit().await.len();
    let (cookie, csrf) = app.sign_in_form().await;
    let (_, other_csrf) = app.sign_in_form().await;
    let good = [("username", "admin"), ("password", PASSWORD)];
    let with = |token: &'static str| -> Vec<(&'static str, &'static str)> {
        let mut f = good.to_vec();
        f.push(("csrf_token", token));
        f
    };
    let cookie_header = format!("wp_signin={cookie}");
    // No cookie at all.
    assert_csrf_refused(
        &app.post_form(
            "/sign-in",
            None,
            &[
                ("csrf_token", &csrf),
                ("username", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await,
    );
    // Cookie but no field.
    assert_csrf_refused(&app.post_form("/sign-in", Some(&cookie_header), &good).await);
    // Cookie and an empty field; cookie and an empty cookie.
    assert_csrf_refused(
        &app.post_form("/sign-in", Some(&cookie_header), &with(""))
            .await,
    );
    assert_csrf_refused(
        &app.post_form("/sign-in", Some("wp_signin="), &with(""))
            .await,
    );
    // Cookie and another form's token.
    assert_csrf_refused(
        &app.post_form(
            "/sign-in",
            Some(&cookie_header),
            &[
                ("csrf_token", &other_csrf),
                ("username", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await,
    );
    // Nothing was attempted, so nothing was recorded and no failure counted.
    assert_eq!(app.audit().await.len(), before);
    let ok = app
        .post_form(
            "/sign-in",
            Some(&cookie_header),
            &[
                ("csrf_token", &csrf),
                ("username", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_redirect(&ok, "/");
}

async fn sign_in_is_throttled_and_the_throttle_lifts(db: TestDb) {
    let app = App::new(db);
    let _admin = app.admin().await;
    for _ in 0..5 {
        let r = app.submit_sign_in("admin", "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    app.clock.advance(60);
    // Now even the right password is refused, with a message saying what to do.
    let r = app.submit_sign_in("admin", PASSWORD).await;
    r.assert_error_summary(
        StatusCode::TOO_MANY_REQUESTS,
        &["too many failed attempts", "Wait 15 minutes"],
    );
    assert!(r.set_cookie("wp_session").is_none());
    let last = app.audit().await.into_iter().next().expect("an entry");
    assert_eq!(
        (
            last.event.action.as_str(),
            last.event.allowed,
            last.event.actor.as_str()
        ),
        ("session.sign_in", false, "admin")
    );
    assert!(last.event.detail.contains("throttled"), "{:?}", last.event);
    // Other accounts are not affected.
    assert_eq!(
        app.submit_sign_in("someone-else", "wrong password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Still within the window (15 minutes from the first failure): still refused.
    app.clock.advance(13 * 60);
    assert_eq!(
        app.submit_sign_in("admin", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // After the window: the right password works again.
    app.clock.advance(2 * 60 + 1);
    assert_redirect(&app.submit_sign_in("admin", PASSWORD).await, "/");
}

async fn a_new_password_is_required_before_anything_else(db: TestDb) {
    let app = App::new(db);
    let otp = app
        .service
        .bootstrap_admin()
        .await
        .expect("bootstrap")
        .expect("first start");
    let who = app.sign_in("admin", &otp).await;
    for path in [
        "/",
        "/account",
        "/users",
        "/users/new",
        "/audit",
        "/audit.csv",
        "/users/1",
    ] {
        assert_redirect(&app.get_as(&who, path).await, "/account/password");
    }
    for path in ["/users", "/account/tokens", "/users/1/reset-password"] {
        assert_redirect(&app.post_as(&who, path, &[]).await, "/account/password");
    }
    let page = app.get_as(&who, "/account/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("current_password")
            && page.body.contains("new_password")
            && page.body.contains("confirm_password")
    );
    // Signing out is allowed.
    let out = app.post_as(&who, "/sign-out", &[]).await;
    assert_redirect(&out, "/sign-in");
    assert_redirect(
        &app.get_as(&who, "/account/password").await,
        "/sign-in?next=%2Faccount%2Fpassword",
    );
}

async fn password_change_lists_every_problem_then_succeeds(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let elsewhere = app.sign_in("admin", PASSWORD).await;

    let r = app
        .post_as(
            &admin,
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "short"),
                ("confirm_password", "different"),
            ],
        )
        .await;
    r.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Your current password is not right",
            "Password must be at least 12 characters long",
            "The two new passwords do not match",
            "href=\"#current_password\"",
            "href=\"#new_password\"",
            "href=\"#confirm_password\"",
        ],
    );
    assert!(
        r.body.contains("govuk-input--error") || r.body.contains("govuk-form-group--error"),
        "inline errors too"
    );
    let empty = app.post_as(&admin, "/account/password", &[]).await;
    empty.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter your current password",
            "Password must be at least 12 characters long",
        ],
    );
    let same = app
        .post_as(
            &admin,
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    same.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Choose a password different from your current one"],
    );

    let new = "a different long passphrase";
    let ok = app
        .post_as(
            &admin,
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_redirect(&ok, "/account?done=password");
    let account = app.get_as(&admin, "/account?done=password").await;
    assert_eq!(account.status, StatusCode::OK, "this session goes on");
    assert!(account.body.contains("Your password has been changed"));
    // Other sessions end; the old password no longer works; the new one does.
    assert_redirect(&app.get_as(&elsewhere, "/").await, "/sign-in");
    assert_eq!(
        app.submit_sign_in("admin", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_redirect(&app.submit_sign_in("admin", new).await, "/");
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "user.change_password" && e.event.allowed)
    );
}

// ---------- form tokens on every change ----------

async fn every_post_refuses_a_missing_or_wrong_form_token(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let other = app.user("olive", "analyst").await;
    let olive = app.user_named("olive").await;
    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "script")])
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let token_id = revoke_id(&made.body);

    let agency = app.agency().await.to_string();
    let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/sign-out".to_owned(), vec![]),
        (
            "/account/password".to_owned(),
            vec![
                ("current_password", PASSWORD),
                ("new_password", "another long password"),
                ("confirm_password", "another long password"),
            ],
        ),
        ("/account/tokens".to_owned(), vec![("token_name", "sneaky")]),
        (format!("/account/tokens/{token_id}/revoke"), vec![]),
        (
            "/users".to_owned(),
            vec![
                ("username", "mallory"),
                ("display_name", "Mallory"),
                ("role", "administrator"),
                ("agencies", &agency),
            ],
        ),
        (format!("/users/{}/disable", olive.id), vec![]),
        (format!("/users/{}/enable", olive.id), vec![]),
        (format!("/users/{}/reset-password", olive.id), vec![]),
    ];
    let before = app.audit().await;
    let hash_before = app.user_named("admin").await.password_hash;
    for (path, fields) in &routes {
        // Missing.
        let r = app.post_form(path, Some(&admin.cookie()), fields).await;
        assert_csrf_refused(&r);
        // Wrong: made up, empty, and another session's (valid, but not this session's).
        for token in ["not-the-token", "", other.csrf.as_str()] {
            let mut f = vec![("csrf_token", token)];
            f.extend_from_slice(fields);
            let r = app.post_form(path, Some(&admin.cookie()), &f).await;
            assert_csrf_refused(&r);
        }
        // The right token from a different session's cookie is wrong too.
        let mut f = vec![("csrf_token", admin.csrf.as_str())];
        f.extend_from_slice(fields);
        let r = app.post_form(path, Some(&other.cookie()), &f).await;
        assert_csrf_refused(&r);
    }
    // Nothing changed: no audit entries, the admin still signed in with the same password, olive
    // still enabled and signed in, no new user, the token still works.
    assert_eq!(app.audit().await, before);
    assert_eq!(app.user_named("admin").await.password_hash, hash_before);
    assert!(!app.user_named("olive").await.disabled);
    assert!(!app.user_exists("mallory").await);
    assert_eq!(app.get_as(&admin, "/").await.status, StatusCode::OK);
    assert_eq!(app.get_as(&other, "/").await.status, StatusCode::OK);
    let account = app.get_as(&admin, "/account").await;
    assert!(
        !account.body.contains("sneaky") && !account.body.contains("Revoked"),
        "{}",
        account.body
    );
}

// ---------- roles ----------

async fn other_roles_are_refused_and_the_refusal_is_audited(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let admin_id = app.user_named("admin").await.id;
    let agency = app.agency().await.to_string();
    for role in ["viewer", "analyst", "practitioner"] {
        let name = format!("{role}1");
        let who = app.user(&name, role).await;
        let own_id = app.user_named(&name).await.id;
        let home = app.get_as(&who, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(
            !home.body.contains("href=\"/users\"") && !home.body.contains("href=\"/audit\""),
            "no admin links for {role}"
        );
        for path in [
            "/users",
            "/users/new",
            "/audit",
            "/audit.csv",
            "/audit?outcome=refused",
            &format!("/users/{admin_id}"),
        ] {
            let r = app.get_as(&who, path).await;
            assert_forbidden(&r);
            assert!(
                r.body
                    .contains(&format!("Your role ({role}) cannot do this")),
                "{path}: {}",
                r.body
            );
        }
        let own = app.get_as(&who, &format!("/users/{own_id}")).await;
        assert_eq!(
            own.status,
            StatusCode::OK,
            "anyone may see their own account"
        );
        let create = app
            .post_as(
                &who,
                "/users",
                &[
                    ("username", "sneaky"),
                    ("display_name", "Sneaky"),
                    ("role", "administrator"),
                    ("agencies", &agency),
                ],
            )
            .await;
        assert_forbidden(&create);
        for action in ["disable", "enable", "reset-password"] {
            assert_forbidden(
                &app.post_as(&who, &format!("/users/{admin_id}/{action}"), &[])
                    .await,
            );
        }
        // The API says the same.
        let made = app
            .post_as(&who, "/account/tokens", &[("token_name", "mine")])
            .await;
        let token = mono(&made.body).expect("a token");
        for path in ["/api/v1/users", "/api/v1/audit"] {
            let r = app.get_bearer(path, Some(&token)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert_eq!(envelope_code(&r), "forbidden");
        }
        let me = app.get_bearer("/api/v1/me", Some(&token)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["role"], role);

        let refused: Vec<(String, String)> = app
            .audit()
            .await
            .into_iter()
            .filter(|e| e.event.actor == name && !e.event.allowed)
            .map(|e| (e.event.action, e.event.detail))
            .collect();
        for action in [
            "user.list",
            "audit.view",
            "user.view",
            "user.create",
            "user.disable",
            "user.enable",
            "user.reset_password",
        ] {
            assert!(
                refused
                    .iter()
                    .any(|(a, d)| a == action && d == "role not permitted"),
                "{role}: no refused {action} in {refused:?}"
            );
        }
    }
    // Nothing was done to the administrator, and nobody was created.
    let a = app.user_named("admin").await;
    assert!(!a.disabled && !a.must_change_password);
    assert!(!app.user_exists("sneaky").await);
    assert_eq!(app.get_as(&admin, "/users").await.status, StatusCode::OK);
}

// ---------- users ----------

async fn administrator_creates_users(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let agency = app.agency().await.to_string();
    let page = app.get_as(&admin, "/users/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Partnership office")
            && page.body.contains(&format!("value=\"{agency}\""))
    );

    let empty = app.post_as(&admin, "/users", &[]).await;
    empty.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Enter a username",
            "name as it should be shown",
            "Select a role",
            "Select at least one agency",
        ],
    );
    let bad = app
        .post_as(
            &admin,
            "/users",
            &[
                ("username", "Jo Bloggs"),
                ("display_name", "Jo"),
                ("role", "king"),
                ("agencies", "999999"),
            ],
        )
        .await;
    bad.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Username must be up to 64 letters",
            "Select agencies from the list",
        ],
    );
    assert!(
        bad.body.contains("value=\"Jo Bloggs\""),
        "what was typed is shown back"
    );
    let not_number = app
        .post_as(
            &admin,
            "/users",
            &[
                ("username", "jo"),
                ("display_name", "Jo"),
                ("role", "viewer"),
                ("agencies", "abc"),
            ],
        )
        .await;
    not_number.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Select agencies from the list"],
    );
    let long_name = "n".repeat(201);
    let too_long = app
        .post_as(
            &admin,
            "/users",
            &[
                ("username", "jo"),
                ("display_name", &long_name),
                ("role", "viewer"),
                ("agencies", &agency),
            ],
        )
        .await;
    too_long.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Name must be 200 characters or fewer"],
    );
    assert!(!app.user_exists("jo").await);

    let ok = app
        .post_as(
            &admin,
            "/users",
            &[
                ("username", "Jo.Bloggs"),
                ("display_name", "Jo Bloggs"),
                ("role", "practitioner"),
                ("agencies", &agency),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("One-time password for jo.bloggs"));
    let otp = mono(&ok.body).expect("the one-time password is shown");
    assert_eq!(otp.len(), 19, "four groups of four: {otp}");
    let jo = app.user_named("jo.bloggs").await;
    assert!(jo.must_change_password && !jo.disabled);
    // It is shown once: the user's page does not show it.
    let show = app.get_as(&admin, &format!("/users/{}", jo.id)).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(!show.body.contains(&otp));
    let list = app.get_as(&admin, "/users").await;
    assert!(list.body.contains("jo.bloggs"));

    let dup = app
        .post_as(
            &admin,
            "/users",
            &[
                ("username", "jo.bloggs"),
                ("display_name", "Another Jo"),
                ("role", "viewer"),
                ("agencies", &agency),
            ],
        )
        .await;
    dup.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["There is already a user called", "jo.bloggs"],
    );

    // The new person can sign in with it, and must choose a password.
    assert_redirect(
        &app.submit_sign_in("jo.bloggs", &otp).await,
        "/account/password",
    );
    let created: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.event.action == "user.create" && e.event.actor == "admin")
        .collect();
    assert_eq!(created.len(), 1);
    assert!(created[0].event.allowed);
    assert!(!created[0].event.detail.contains(&otp));
}

async fn administrator_disables_enables_and_resets(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let viv = app.user("viv", "viewer").await;
    let id = app.user_named("viv").await.id;
    let made = app
        .post_as(&viv, "/account/tokens", &[("token_name", "viv script")])
        .await;
    let token = mono(&made.body).expect("token");

    assert_redirect(
        &app.post_as(&admin, &format!("/users/{id}/disable"), &[])
            .await,
        &format!("/users/{id}?done=disabled"),
    );
    let shown = app
        .get_as(&admin, &format!("/users/{id}?done=disabled"))
        .await;
    assert!(
        shown.body.contains("The account has been disabled") && shown.body.contains("Disabled")
    );
    assert!(app.user_named("viv").await.disabled);
    // Signed out everywhere, cannot sign in, and the API token stops working.
    assert_redirect(&app.get_as(&viv, "/").await, "/sign-in");
    assert_eq!(
        app.submit_sign_in("viv", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_bearer("/api/v1/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );

    assert_redirect(
        &app.post_as(&admin, &format!("/users/{id}/enable"), &[])
            .await,
        &format!("/users/{id}?done=enabled"),
    );
    assert!(!app.user_named("viv").await.disabled);
    let viv = app.sign_in("viv", PASSWORD).await;
    assert_eq!(app.get_as(&viv, "/").await.status, StatusCode::OK);

    let reset = app
        .post_as(&admin, &format!("/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let otp = mono(&reset.body).expect("a new one-time password");
    assert_redirect(&app.get_as(&viv, "/").await, "/sign-in");
    assert_eq!(
        app.submit_sign_in("viv", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_redirect(&app.submit_sign_in("viv", &otp).await, "/account/password");

    // An administrator cannot disable themself: a polite refusal, not a 500, with the status
    // the service's answer table gives a validation refusal (the API's too).
    let admin_id = app.user_named("admin").await.id;
    let own = app
        .post_as(&admin, &format!("/users/{admin_id}/disable"), &[])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
    own.assert_styled_page();
    assert!(own.body.contains("You cannot disable your own account"));
    assert!(!app.user_named("admin").await.disabled);
    let own_page = app.get_as(&admin, &format!("/users/{admin_id}")).await;
    assert!(
        !own_page.body.contains("/disable\""),
        "no disable button on your own page"
    );

    let actions: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| {
            e.event.actor == "admin" && e.event.record_id.as_deref() == Some(&id.to_string())
        })
        .map(|e| e.event.action)
        .collect();
    for a in ["user.disable", "user.enable", "user.reset_password"] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
}

async fn bad_ids_are_not_found(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    for id in [
        "999999",
        "99999999999999999999999",
        "abc",
        "-1",
        "1.5",
        "%20",
        "0x10",
    ] {
        let r = app.get_as(&admin, &format!("/users/{id}")).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "GET /users/{id}: {}",
            r.body
        );
        r.assert_styled_page();
        for action in ["disable", "enable", "reset-password"] {
            let r = app
                .post_as(&admin, &format!("/users/{id}/{action}"), &[])
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "POST /users/{id}/{action}: {}",
                r.body
            );
        }
        let r = app
            .post_as(&admin, &format!("/account/tokens/{id}/revoke"), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "revoke {id}: {}", r.body);
    }
    // An id that is not even text is not found either, in the service's style.
    let r = app.get_as(&admin, "/users/%FF").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    r.assert_styled_page();
    for path in [
        "/users/%FF/disable",
        "/users/%FF/enable",
        "/users/%FF/reset-password",
        "/account/tokens/%FF/revoke",
    ] {
        let r = app.post_as(&admin, path, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        r.assert_styled_page();
    }
    // Nothing was recorded as done to a record that does not exist.
    assert!(
        app.audit()
            .await
            .iter()
            .all(|e| e.event.record_id.as_deref() != Some("999999"))
    );
}

// ---------- audit log ----------

async fn audit_page_filters_and_refuses_bad_dates(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let _ = app.submit_sign_in("ghost", "wrong password").await;
    let all = app.get_as(&admin, "/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.body.contains("session.sign_in")
            && all.body.contains("ghost")
            && all.body.contains("user.change_password")
    );

    let refused = app.get_as(&admin, "/audit?outcome=refused").await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused.body.contains("ghost") && !refused.body.contains("user.change_password"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("<option value=\"refused\" selected>"),
        "the filter is shown back"
    );

    let by_actor = app.get_as(&admin, "/audit?actor=GHOST").await;
    assert!(by_actor.body.contains("ghost") && !by_actor.body.contains("user.change_password"));
    let by_action = app.get_as(&admin, "/audit?action=user.change").await;
    assert!(by_action.body.contains("user.change_password") && !by_action.body.contains("ghost"));

    // Dates: the day before START and the day itself include everything; the day after, nothing.
    let today = app
        .get_as(&admin, "/audit?from=2026-06-01&to=2026-06-01")
        .await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.body.contains("ghost"));
    let later = app.get_as(&admin, "/audit?from=2026-06-02").await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(
        later.body.contains("Showing 0 of 0 entries"),
        "{}",
        later.body
    );
    let earlier = app.get_as(&admin, "/audit?to=2026-05-31").await;
    assert!(earlier.body.contains("Showing 0 of 0 entries"));

    let bad = app
        .get_as(&admin, "/audit?from=yesterday&to=2026-13-45")
        .await;
    bad.assert_error_summary(
        StatusCode::BAD_REQUEST,
        &[
            "Enter the date as year-month-day",
            "yesterday",
            "2026-13-45",
            "href=\"#from\"",
            "href=\"#to\"",
        ],
    );
    assert!(
        bad.body.contains("value=\"yesterday\""),
        "what was typed is shown back"
    );
    let bad_csv = app.get_as(&admin, "/audit.csv?from=31/12/2026").await;
    assert_eq!(bad_csv.status, StatusCode::BAD_REQUEST);
    bad_csv.assert_styled_page();
    // Odd paging and repeated fields are never a 500.
    for q in [
        "page=abc",
        "page=-3",
        "page=99999999999999999999",
        "outcome=maybe",
        "from=%FF",
        "actor=a&actor=b",
    ] {
        let r = app.get_as(&admin, &format!("/audit?{q}")).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "/audit?{q}: {}",
            r.status
        );
        let r = app.get_as(&admin, &format!("/audit.csv?{q}")).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "/audit.csv?{q}: {}",
            r.status
        );
    }
    // A query the form could not have sent still gets a page in the service's style.
    for path in ["/audit?actor=a&actor=b", "/audit.csv?from=a&from=b"] {
        let r = app.get_as(&admin, path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        r.assert_styled_page();
    }
    // Looking is itself recorded.
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "audit.view" && e.event.actor == "admin" && e.event.allowed)
    );
}

async fn audit_csv_is_csv_and_guards_formulas(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    for name in ["=cmd|' /c calc'!a0", "+1+1", "@sum(a1)", "-2"] {
        assert_eq!(
            app.submit_sign_in(name, "whatever it is").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.get_as(&admin, "/audit.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert!(r.header("content-disposition").starts_with("attachment"));
    let mut lines = r.body.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,time_utc,actor,actor_user_id,action,record_type,record_id,address,allowed,detail,chain_hash"
        )
    );
    assert!(r.body.contains(",'=cmd|' /c calc'!a0,"), "{}", r.body);
    assert!(
        r.body.contains(",'+1+1,") && r.body.contains(",'@sum(a1),") && r.body.contains(",'-2,"),
        "{}",
        r.body
    );
    for line in r.body.lines().skip(1) {
        for cell in line.split(',') {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?} in {line}"
            );
        }
    }
    assert!(r.body.contains("2026-06-01T09:00:00Z"));
    let filtered = app.get_as(&admin, "/audit.csv?outcome=allowed").await;
    assert!(!filtered.body.contains("=cmd"));
    let rows: Vec<&str> = filtered.body.lines().skip(1).collect();
    let (head_row, entry_rows) = rows.split_last().expect("rows");
    assert!(
        entry_rows.iter().all(|l| l.contains(",true,")),
        "{}",
        filtered.body
    );
    assert!(
        head_row.contains(",audit.chain_head,"),
        "the last row is the chain head: {}",
        filtered.body
    );
}

async fn audit_page_csv_and_api_show_the_latest_chain_hash(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let page = app.get_as(&admin, "/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    // The page's own look is recorded before the head is read, so the head is that entry.
    let head = app
        .store
        .audit_head()
        .await
        .expect("head")
        .expect("entries");
    assert_eq!(head.hash.len(), 64);
    assert!(
        page.body.contains(&format!("of entry {},", head.id))
            && page
                .body
                .contains(&format!("id=\"chain-hash\">{}</span>", head.hash)),
        "{}",
        page.body
    );

    let csv = app.get_as(&admin, "/audit.csv?outcome=refused").await;
    let head = app
        .store
        .audit_head()
        .await
        .expect("head")
        .expect("entries");
    let last = csv.body.lines().last().expect("a last row");
    assert!(
        last.starts_with(',')
            && last.contains(&format!(",audit.chain_head,audit_log,{},", head.id))
            && last.ends_with(&format!(",{}", head.hash)),
        "the whole log's head even when filtered: {last}"
    );
    let newest = &app.audit().await[0];
    assert_eq!(newest.hash.as_deref(), Some(head.hash.as_str()));

    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "chain check")])
        .await;
    let token = mono(&made.body).expect("the token is shown");
    let api = app.get_bearer("/api/v1/audit?limit=3", Some(&token)).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let body = api.json();
    let head = app
        .store
        .audit_head()
        .await
        .expect("head")
        .expect("entries");
    assert_eq!(body["chain_head"]["id"], head.id);
    assert_eq!(body["chain_head"]["chain_hash"], head.hash.as_str());
    assert_eq!(body["entries"][0]["chain_hash"], head.hash.as_str());
    assert!(
        app.service
            .verify_audit_chain(&wholeplace_service::Actor::operator(), Some(head.hash))
            .await
            .expect("verify")
            .is_ok()
    );
    // A token made at the command line shows when it expires on its owner's account page.
    let issued = app
        .service
        .issue_api_token(
            &wholeplace_service::Actor::operator(),
            "admin",
            "nightly",
            7,
        )
        .await
        .expect("issue");
    let account = app.get_as(&admin, "/account").await;
    assert!(
        account
            .body
            .contains("nightly<br><span class=\"govuk-body-s\">Expires ")
            && !account.body.contains(&issued.token),
        "{}",
        account.body
    );
}

// ---------- API ----------

async fn api_tokens_work_until_revoked(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let empty = app
        .post_as(&admin, "/account/tokens", &[("token_name", "  ")])
        .await;
    empty.assert_error_summary(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Enter a name for the token"],
    );

    let made = app
        .post_as(&admin, "/account/tokens", &[("token_name", "board report")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let token = mono(&made.body).expect("the token is shown");
    assert!(token.starts_with("wp_"));
    let account = app.get_as(&admin, "/account").await;
    assert!(
        account.body.contains("board report") && !account.body.contains(&token),
        "shown once only"
    );
    assert!(
        app.audit()
            .await
            .iter()
            .all(|e| !e.event.detail.contains(&token)
                && e.event.record_id.as_deref() != Some(token.as_str()))
    );

    let me = app.get_bearer("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert!(me.header("content-type").starts_with("application/json"));
    let body = me.json();
    assert_eq!(body["username"], "admin");
    assert_eq!(body["role"], "administrator");
    assert_eq!(body["agencies"][0]["name"], "Partnership office");
    assert!(!me.body.contains("argon2") && !me.body.contains("password_hash"));
    let users = app.get_bearer("/api/v1/users", Some(&token)).await;
    assert_eq!(users.status, StatusCode::OK);
    assert_eq!(users.json().as_array().map(Vec::len), Some(1));
    let audit = app
        .get_bearer("/api/v1/audit?limit=2&action=session.", Some(&token))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let page = audit.json();
    assert!(page["total"].as_i64().is_some_and(|t| t >= 1));
    let entries = page["entries"].as_array().expect("entries");
    assert!(!entries.is_empty() && entries.len() <= 2);
    assert!(entries.iter().all(|e| {
        e["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("session."))
    }));
    // Last used is shown.
    assert!(!app.get_as(&admin, "/account").await.body.contains("Never"));

    for (header, what) in [
        (None, "no token"),
        (Some("wp_not-a-real-token"), "unknown token"),
        (Some("not-even-prefixed"), "bad shape"),
    ] {
        let r = app.get_bearer("/api/v1/me", header).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(envelope_code(&r), "unauthenticated", "{what}");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // A session cookie is not an API credential; nor is another scheme.
    assert_eq!(
        app.get_as(&admin, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let basic = app
        .send(
            axum::http::Request::get("/api/v1/me")
                .header("authorization", format!("Basic {token}"))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);

    // Someone else cannot revoke it.
    let ana = app.user("ana", "analyst").await;
    let id = revoke_id(&app.get_as(&admin, "/account").await.body);
    assert_eq!(
        app.post_as(&ana, &format!("/account/tokens/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_bearer("/api/v1/me", Some(&token)).await.status,
        StatusCode::OK
    );

    assert_redirect(
        &app.post_as(&admin, &format!("/account/tokens/{id}/revoke"), &[])
            .await,
        "/account?done=revoked",
    );
    let after = app.get_as(&admin, "/account?done=revoked").await;
    assert!(
        after.body.contains("The API token has been revoked") && after.body.contains("Revoked")
    );
    let r = app.get_bearer("/api/v1/me", Some(&token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(envelope_code(&r), "unauthenticated");
    // Revoking twice: not found, not a 500.
    assert_eq!(
        app.post_as(&admin, &format!("/account/tokens/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "api_token.revoke"
                && e.event.record_id.as_deref() == Some(id.as_str()))
    );
}

async fn api_errors_use_the_envelope(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let token = mono(
        &app.post_as(&admin, "/account/tokens", &[("token_name", "t")])
            .await
            .body,
    )
    .expect("token");
    for q in ["limit=abc", "allowed=maybe", "offset=1.5"] {
        let r = app
            .get_bearer(&format!("/api/v1/audit?{q}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        assert_eq!(envelope_code(&r), "bad_request", "{q}");
    }
    // Out-of-range numbers are clamped, not errors.
    for q in [
        "limit=0",
        "limit=1000000",
        "offset=-5",
        "offset=9223372036854775807",
    ] {
        let r = app
            .get_bearer(&format!("/api/v1/audit?{q}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    }
    let unknown = app.get_bearer("/api/v1/unknown", Some(&token)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(envelope_code(&unknown), "not_found");
    let unknown_anon = app.get_bearer("/api/v1/nothing/here", None).await;
    assert_eq!(unknown_anon.status, StatusCode::NOT_FOUND);
    assert_eq!(envelope_code(&unknown_anon), "not_found");

    let health = app.get_bearer("/api/v1/health", None).await;
    assert_eq!(health.status, StatusCode::OK);
    let h = health.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["database"], app.service.backend());

    let doc = app.get_bearer("/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.header("content-type").starts_with("application/json"));
    assert_eq!(doc.json()["openapi"], "3.1.0");
    assert_eq!(doc.body, wholeplace_web::api::openapi_json());
}

// ---------- security ----------

async fn security_headers_are_on_every_response(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let responses = [
        app.get("/sign-in", None).await,
        app.get_as(&admin, "/").await,
        app.get("/nope", None).await,
        app.get("/users", None).await,
        app.get_bearer("/api/v1/me", None).await,
        app.get("/healthz", None).await,
        app.post_form("/sign-in", None, &[]).await,
    ];
    for r in &responses {
        let csp = r.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("object-src 'none'"),
            "{csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert!(!r.header("referrer-policy").is_empty());
        assert_eq!(r.header("x-frame-options"), "DENY");
    }
    // Pages are not cached; the signed-in home page has no inline script or style.
    assert_eq!(responses[1].header("cache-control"), "no-store");
    let home = &responses[1].body;
    assert!(
        !home.contains("<script>")
            && !home.contains("<style")
            && !home.contains(" style=\"")
            && !home.contains("onclick=")
    );
}

async fn session_cookie_flags(db: TestDb) {
    let app = App::new(db);
    let otp = app
        .service
        .bootstrap_admin()
        .await
        .expect("bootstrap")
        .expect("first start");
    let page = app.get("/sign-in", None).await;
    let signin_cookie = page.set_cookie("wp_signin").expect("wp_signin");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(signin_cookie.contains(flag), "{signin_cookie}");
    }
    assert!(!signin_cookie.contains("Secure"));
    let ok = app.submit_sign_in("admin", &otp).await;
    let session = ok.set_cookie("wp_session").expect("wp_session");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{session}");
    }
    assert!(
        !session.contains("Secure"),
        "not Secure unless configured: {session}"
    );
    assert!(
        !session.contains("Max-Age"),
        "a browser-session cookie: {session}"
    );

    // Served over TLS: every cookie is Secure.
    let secure = App::with_config(wholeplace_store_tests::sqlite().await, true);
    let otp = secure
        .service
        .bootstrap_admin()
        .await
        .expect("bootstrap")
        .expect("first start");
    let page = secure.get("/sign-in", None).await;
    assert!(
        page.set_cookie("wp_signin")
            .is_some_and(|c| c.contains("; Secure"))
    );
    let ok = secure.submit_sign_in("admin", &otp).await;
    let session = ok.set_cookie("wp_session").expect("wp_session");
    assert!(
        session.contains("; Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        ok.set_cookie("wp_signin")
            .is_some_and(|c| c.contains("; Secure"))
    );
    let who = Browser {
        session: ok.cookie_value("wp_session").expect("session"),
        csrf: String::new(),
    };
    let csrf = secure.get_as(&who, "/account/password").await.csrf();
    let out = secure
        .post_as(&Browser { csrf, ..who }, "/sign-out", &[])
        .await;
    assert!(
        out.set_cookie("wp_session")
            .is_some_and(|c| c.contains("Max-Age=0") && c.contains("; Secure"))
    );
}

async fn sessions_expire_after_eight_hours(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    // In use all along (a page every 20 minutes, within the idle timeout): the absolute limit.
    for _ in 0..23 {
        app.clock.advance(20 * 60);
        assert_eq!(app.get_as(&admin, "/").await.status, StatusCode::OK);
    }
    app.clock.advance(8 * 3600 - 60 - 23 * 20 * 60);
    assert_eq!(
        app.get_as(&admin, "/").await.status,
        StatusCode::OK,
        "still live just before eight hours"
    );
    app.clock.advance(61);
    assert_redirect(&app.get_as(&admin, "/").await, "/sign-in");
    assert_redirect(
        &app.get_as(&admin, "/users").await,
        "/sign-in?next=%2Fusers",
    );
    assert_redirect(
        &app.post_as(&admin, "/account/tokens", &[("token_name", "late")])
            .await,
        "/sign-in",
    );
    assert_eq!(
        app.audit()
            .await
            .iter()
            .filter(|e| e.event.action == "api_token.create")
            .count(),
        0
    );
    // Signing in again works, at the new time.
    let again = app.sign_in("admin", PASSWORD).await;
    assert_eq!(app.get_as(&again, "/").await.status, StatusCode::OK);
    assert!(START + 8 * 3600 < app.service.now());
}

async fn sign_out_ends_the_session(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let elsewhere = app.sign_in("admin", PASSWORD).await;
    let out = app.post_as(&admin, "/sign-out", &[]).await;
    assert_redirect(&out, "/sign-in");
    assert!(
        out.set_cookie("wp_session")
            .is_some_and(|c| c.starts_with("wp_session=;") && c.contains("Max-Age=0"))
    );
    // The old cookie, replayed, no longer works; the other session does.
    assert_redirect(&app.get_as(&admin, "/").await, "/sign-in");
    assert_redirect(&app.post_as(&admin, "/sign-out", &[]).await, "/sign-in");
    assert_eq!(app.get_as(&elsewhere, "/").await.status, StatusCode::OK);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.event.action == "session.sign_out" && e.event.actor == "admin")
    );
}

async fn garbage_bodies_never_give_500(db: TestDb) {
    let app = App::new(db);
    let admin = app.admin().await;
    let bodies: [(&str, Vec<u8>); 5] = [
        (
            "application/x-www-form-urlencoded",
            b"%%%&&==\xff\xfe".to_vec(),
        ),
        ("application/json", br#"{"csrf_token": 1}"#.to_vec()),
        ("text/plain", b"\0\0\0".to_vec()),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--".to_vec(),
        ),
        ("application/x-www-form-urlencoded", vec![b'a'; 200_000]),
    ];
    let routes = [
        "/sign-in",
        "/sign-out",
        "/account/password",
        "/account/tokens",
        "/account/tokens/1/revoke",
        "/users",
        "/users/1/disable",
        "/users/1/enable",
        "/users/1/reset-password",
    ];
    for path in routes {
        for (ct, body) in &bodies {
            for cookie in [None, Some(admin.cookie())] {
                let r = app
                    .post_raw(path, cookie.as_deref(), ct, body.clone())
                    .await;
                assert!(
                    !r.status.is_server_error(),
                    "POST {path} ({ct}): {}",
                    r.status
                );
                assert!(
                    [
                        StatusCode::SEE_OTHER,
                        StatusCode::BAD_REQUEST,
                        StatusCode::FORBIDDEN
                    ]
                    .contains(&r.status),
                    "POST {path} ({ct}): {} {}",
                    r.status,
                    r.body
                );
            }
        }
    }
    // Methods that a route does not have are refused, not errors.
    for (method, path) in [
        ("GET", "/sign-out"),
        ("DELETE", "/users"),
        ("PUT", "/account/tokens"),
    ] {
        let r = app
            .send(
                axum::http::Request::builder()
                    .method(method)
                    .uri(path)
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        r.assert_styled_page();
        assert!(
            !r.header("allow").is_empty(),
            "{method} {path} says what is allowed"
        );
    }
    for (method, path) in [
        ("POST", "/api/v1/me"),
        ("DELETE", "/api/v1/users"),
        ("PUT", "/api/v1/openapi.json"),
    ] {
        let r = app
            .send(
                axum::http::Request::builder()
                    .method(method)
                    .uri(path)
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(envelope_code(&r), "method_not_allowed", "{method} {path}");
    }
    // Still fine afterwards.
    assert_eq!(app.get_as(&admin, "/").await.status, StatusCode::OK);
    assert!(!app.user_named("admin").await.disabled);
}

// ---------- OpenAPI ----------

#[test]
fn openapi_document_is_3_1_and_unchanged() {
    let doc = wholeplace_web::api::openapi_json();
    let value: serde_json::Value = serde_json::from_str(&doc).expect("the document is JSON");
    assert_eq!(value["openapi"], "3.1.0");
    for path in [
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        assert!(
            value["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    assert_eq!(
        value["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    insta::assert_snapshot!(doc);
}
