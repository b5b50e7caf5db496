//! The harness for the in-process HTTP tests: an application over a fresh test database with a
//! clock the test can move, and a tiny "browser" that keeps a session cookie and its form token.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tower::ServiceExt;
use wholeplace_service::{Actor, Clock, NewUserForm, Service, ServiceConfig};
use wholeplace_store::prelude::*;
use wholeplace_store::{AuditEntry, AuditFilter, User};
use wholeplace_store_sql::SqlStore;
use wholeplace_store_tests::TestDb;
use wholeplace_web::{AppState, WebConfig, router};

/// A clock the test sets and moves.
#[derive(Debug)]
pub struct TestClock(AtomicI64);

impl TestClock {
    /// Moves time forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// 1 June 2026, 09:00 UTC.
pub const START: i64 = 1_780_304_400;

/// The password every test account ends up with.
pub const PASSWORD: &str = "correct horse battery staple";

/// An application on a fresh database.
pub struct App {
    /// The service the router uses (for set-up and for checking what happened).
    pub service: Service,
    /// The store underneath (for checks that must not themselves add audit entries).
    pub store: SqlStore,
    /// The clock.
    pub clock: Arc<TestClock>,
    router: Router,
    _db: TestDb,
}

/// A response, read whole.
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text.
    pub body: String,
    /// Body as sent (for downloads that are not text, such as workbooks).
    pub bytes: Vec<u8>,
}

impl Resp {
    /// A header's value, or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The redirect target.
    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// Every `Set-Cookie` value.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The `Set-Cookie` value for one cookie.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// A cookie's value as set by this response.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        self.set_cookie(name).and_then(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .map(|(_, v)| v.to_owned())
        })
    }

    /// The first hidden `csrf_token` in the page.
    pub fn csrf(&self) -> String {
        hidden_value(&self.body, "csrf_token").expect("the page has a csrf_token field")
    }

    /// The page's `<title>`.
    pub fn title(&self) -> String {
        between(&self.body, "<title>", "</title>").unwrap_or_default()
    }

    /// Asserts a page with the GOV.UK error summary and an "Error:" title.
    pub fn assert_error_summary(&self, status: StatusCode, messages: &[&str]) {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(
            self.body.contains("govuk-error-summary"),
            "no error summary: {}",
            self.body
        );
        assert!(
            self.title().starts_with("Error: "),
            "title is {:?}",
            self.title()
        );
        for m in messages {
            assert!(self.body.contains(m), "missing {m:?} in {}", self.body);
        }
    }

    /// Asserts the page is one of ours (the service's HTML frame), not a bare framework error.
    pub fn assert_styled_page(&self) {
        assert!(
            self.header("content-type").starts_with("text/html"),
            "content-type {}",
            self.header("content-type")
        );
        assert!(
            self.body.contains("govuk-template"),
            "not a styled page: {}",
            self.body
        );
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// The value of the first `<input ... name="NAME" value="...">` in `html`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The text between two markers.
pub fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_owned())
}

/// Text inside `<span class="wp-mono">…</span>` (one-time passwords and new API tokens).
pub fn mono(html: &str) -> Option<String> {
    between(html, "<span class=\"wp-mono\">", "</span>")
}

/// A signed-in browser: the session cookie and the session's form token.
#[derive(Clone, Debug)]
pub struct Browser {
    /// `wp_session` value.
    pub session: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Browser {
    /// The `Cookie` header value.
    pub fn cookie(&self) -> String {
        format!("wp_session={}", self.session)
    }
}

impl App {
    /// An application over `db`, with the default web settings.
    pub fn new(db: TestDb) -> Self {
        Self::with_config(db, false)
    }

    /// An application over `db`, marking cookies Secure when asked.
    pub fn with_config(db: TestDb, secure_cookies: bool) -> Self {
        Self::with_assets(
            db,
            secure_cookies,
            std::env::temp_dir().join("wholeplace-web-tests-no-assets"),
        )
    }

    /// An application over `db` serving `/assets` from `assets_dir`.
    pub fn with_assets(db: TestDb, secure_cookies: bool, assets_dir: std::path::PathBuf) -> Self {
        let clock = Arc::new(TestClock(AtomicI64::new(START)));
        let store = db.store.clone();
        let service = Service::new(
            Arc::new(db.store.clone()),
            clock.clone(),
            ServiceConfig::default(),
        );
        let config = WebConfig {
            assets_dir,
            secure_cookies,
            demo: false,
        };
        let router = router(AppState {
            service: service.clone(),
            config: Arc::new(config),
        });
        Self {
            service,
            store,
            clock,
            router,
            _db: db,
        }
    }

    /// Sends a request through the whole router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// GET with optional cookies.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    /// GET as a signed-in browser.
    pub async fn get_as(&self, who: &Browser, path: &str) -> Resp {
        self.get(path, Some(&who.cookie())).await
    }

    /// POST a url-encoded form with optional cookies.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("encode form");
        self.post_raw(
            path,
            cookie,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await
    }

    /// POST any body with any content type.
    pub async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).expect("request")).await
    }

    /// POST a form as a signed-in browser, adding its CSRF token.
    pub async fn post_as(&self, who: &Browser, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf_token", who.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, Some(&who.cookie()), &all).await
    }

    /// GET with a bearer token.
    pub async fn get_bearer(&self, path: &str, token: Option<&str>) -> Resp {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    /// Fetches the sign-in page: its double-submit cookie and form token.
    pub async fn sign_in_form(&self) -> (String, String) {
        let page = self.get("/sign-in", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let cookie = page
            .cookie_value("wp_signin")
            .expect("the sign-in page sets wp_signin");
        let csrf = page.csrf();
        assert_eq!(cookie, csrf, "double-submit cookie and field match");
        (cookie, csrf)
    }

    /// Submits the sign-in form as a fresh browser would.
    pub async fn submit_sign_in(&self, username: &str, password: &str) -> Resp {
        let (cookie, csrf) = self.sign_in_form().await;
        self.post_form(
            "/sign-in",
            Some(&format!("wp_signin={cookie}")),
            &[
                ("csrf_token", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// Signs in successfully and returns the browser (its form token read from a page it may see).
    pub async fn sign_in(&self, username: &str, password: &str) -> Browser {
        let r = self.submit_sign_in(username, password).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            r.body
        );
        let session = r.cookie_value("wp_session").expect("a session cookie");
        let who = Browser {
            session,
            csrf: String::new(),
        };
        let page = self.get_as(&who, "/account/password").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        Browser {
            csrf: page.csrf(),
            ..who
        }
    }

    /// Signs in with a one-time password and sets [`PASSWORD`].
    pub async fn first_sign_in(&self, username: &str, one_time: &str) -> Browser {
        let who = self.sign_in(username, one_time).await;
        let r = self
            .post_as(
                &who,
                "/account/password",
                &[
                    ("current_password", one_time),
                    ("new_password", PASSWORD),
                    ("confirm_password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/account?done=password");
        who
    }

    /// Creates the first administrator, signs in and sets the password.
    pub async fn admin(&self) -> Browser {
        let otp = self
            .service
            .bootstrap_admin()
            .await
            .expect("bootstrap")
            .expect("an empty database");
        self.first_sign_in("admin", &otp).await
    }

    /// The first agency's id.
    pub async fn agency(&self) -> wholeplace_domain::AgencyId {
        self.service
            .list_agencies(&Actor::operator())
            .await
            .expect("agencies")
            .first()
            .expect("an agency")
            .id
    }

    /// Makes a partnership of `members` (for linking their extracts).
    pub async fn partnership(
        &self,
        name: &str,
        members: &[wholeplace_domain::AgencyId],
    ) -> wholeplace_domain::PartnershipId {
        self.service
            .create_partnership(&Actor::operator(), name, "", "", members, &[])
            .await
            .expect("partnership")
    }

    /// The first partnership's id (the one extracts go to when none is named).
    pub async fn first_partnership(&self) -> wholeplace_domain::PartnershipId {
        self.service
            .list_partnerships(&Actor::operator())
            .await
            .expect("partnerships")
            .first()
            .expect("a partnership")
            .id
    }

    /// Creates a user with `role` through the service and signs them in with [`PASSWORD`].
    /// Needs an agency (call [`App::admin`] first).
    pub async fn user(&self, username: &str, role: &str) -> Browser {
        let otp = self.create_user(username, role).await.1;
        self.first_sign_in(username, &otp).await
    }

    /// Creates a practitioner of `agency` through the service and signs them in.
    pub async fn practitioner(&self, name: &str, agency: wholeplace_domain::AgencyId) -> Browser {
        let form = NewUserForm {
            username: name.into(),
            display_name: format!("{name} person"),
            role: "practitioner".into(),
            agency_ids: vec![agency],
        };
        let (_, otp) = self
            .service
            .create_user(&Actor::operator(), &form)
            .await
            .expect("practitioner");
        self.first_sign_in(name, &otp).await
    }

    /// Creates a user through the service as the operator.
    pub async fn create_user(&self, username: &str, role: &str) -> (User, String) {
        let form = NewUserForm {
            username: username.to_owned(),
            display_name: format!("{username} person"),
            role: role.to_owned(),
            agency_ids: vec![self.agency().await],
        };
        self.service
            .create_user(&Actor::operator(), &form)
            .await
            .expect("create user")
    }

    /// An audit event for a test's own write straight to the store.
    pub fn service_event(&self, action: &str) -> wholeplace_store::AuditEvent {
        wholeplace_store::AuditEvent {
            at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            actor_user_id: None,
            actor: "test".into(),
            action: action.into(),
            record_type: action.split('.').next().unwrap_or_default().into(),
            record_id: None,
            address: "test".into(),
            allowed: true,
            detail: String::new(),
        }
    }

    /// Every audit entry, newest first, read from the store (so reading adds nothing).
    pub async fn audit(&self) -> Vec<AuditEntry> {
        self.store
            .list_audit(&AuditFilter {
                limit: 10_000,
                ..Default::default()
            })
            .await
            .expect("list audit")
            .0
    }

    /// Is there an account with this name?
    pub async fn user_exists(&self, username: &str) -> bool {
        self.store
            .user_by_username(username)
            .await
            .expect("read user")
            .is_some()
    }

    /// A user by name, read from the store.
    pub async fn user_named(&self, username: &str) -> User {
        self.store
            .user_by_username(username)
            .await
            .expect("read user")
            .expect("user exists")
    }
}

/// A `multipart/form-data` body: each field is a name, a file name for files, and its bytes.
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "wholeplace-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl App {
    /// An API call with a bearer token and, optionally, a JSON body (sent as given, so it may
    /// be malformed on purpose).
    pub async fn api(&self, method: Method, path: &str, token: &str, json: Option<String>) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if json.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        let body = json.map(Body::from).unwrap_or_default();
        self.send(b.body(body).expect("request")).await
    }
}
