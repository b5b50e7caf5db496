//! The binary as a user meets it: its help, its start-up message, user management, and crash safety.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wholeplace");

fn wholeplace(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--log", "warn"])
        .args(args)
        .env_remove("WHOLEPLACE_DATABASE_URL")
        .output()
        .expect("run wholeplace")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts `serve` and waits for its start-up message; returns the child and what it printed.
fn serve(data_dir: &Path, port: u16) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "--log",
            "warn",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("WHOLEPLACE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut out = child.stdout.take().expect("stdout");
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0_u8; 4096];
    while !printed.contains("stop with Ctrl-C") {
        assert!(Instant::now() < deadline, "server did not start: {printed}");
        let n = out.read(&mut buf).expect("read stdout");
        assert!(n > 0, "server exited: {printed}");
        printed.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, printed)
}

/// One HTTP/1.1 request over a plain socket; returns the whole response text.
fn http(port: u16, request: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(request.as_bytes())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    Ok(resp)
}

#[test]
fn help_documents_every_command_and_its_environment_variable() {
    let out = Command::new(BIN).arg("--help").output().expect("help");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    insta::assert_snapshot!("help", text);
    let serve = String::from_utf8_lossy(
        &Command::new(BIN)
            .args(["serve", "--help"])
            .output()
            .expect("help")
            .stdout,
    )
    .to_string();
    insta::assert_snapshot!("serve_help", serve);
    for var in [
        "WHOLEPLACE_DATABASE_URL",
        "WHOLEPLACE_DATA_DIR",
        "WHOLEPLACE_LOG",
    ] {
        assert!(text.contains(var), "--help names {var}");
    }
    for var in [
        "WHOLEPLACE_LISTEN",
        "WHOLEPLACE_ASSETS_DIR",
        "WHOLEPLACE_SECURE_COOKIES",
        "WHOLEPLACE_DEMO",
    ] {
        assert!(serve.contains(var), "serve --help names {var}");
    }
}

#[test]
fn first_start_prints_where_to_go_and_a_one_time_password_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let (mut child, printed) = serve(dir.path(), port);
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/")),
        "{printed}"
    );
    assert!(printed.contains("sign in as: admin"), "{printed}");
    assert!(printed.contains("one-time password: "), "{printed}");
    assert!(printed.contains("wholeplace.db"), "{printed}");
    let health = http(
        port,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .expect("health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // SIGTERM stops it cleanly.
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let (mut again, printed) = serve(dir.path(), free_port());
    assert!(
        !printed.contains("one-time password"),
        "the password is shown only once: {printed}"
    );
    assert!(printed.contains("reset-password admin"), "{printed}");
    again.kill().expect("kill");
    let _ = again.wait();
}

#[test]
fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = wholeplace(dir.path(), &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wholeplace(
        dir.path(),
        &[
            "user",
            "add",
            "sam.jones",
            "--name",
            "Sam Jones",
            "--role",
            "analyst",
            "--agency",
            "Kent Police",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("One-time password: "), "{text}");
    let bad = wholeplace(
        dir.path(),
        &[
            "user",
            "add",
            "Bad Name!",
            "--name",
            "",
            "--role",
            "boss",
            "--agency",
            "Kent Police",
        ],
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        err.contains("--username") && err.contains("--role") && err.contains("--display-name"),
        "every problem is named: {err}"
    );
    let unknown = wholeplace(
        dir.path(),
        &[
            "user",
            "add",
            "kim",
            "--name",
            "Kim",
            "--role",
            "viewer",
            "--agency",
            "Nowhere Council",
        ],
    );
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no agency called 'Nowhere Council'")
    );
    let out = wholeplace(dir.path(), &["user", "disable", "sam.jones"]);
    assert!(out.status.success());
    let list =
        String::from_utf8_lossy(&wholeplace(dir.path(), &["user", "list"]).stdout).to_string();
    assert!(
        list.contains("sam.jones") && list.contains("disabled"),
        "{list}"
    );
    let reset = wholeplace(dir.path(), &["user", "reset-password", "sam.jones"]);
    assert!(String::from_utf8_lossy(&reset.stdout).contains("New one-time password for sam.jones"));
    let missing = wholeplace(dir.path(), &["user", "disable", "nobody"]);
    assert!(
        !missing.status.success()
            && String::from_utf8_lossy(&missing.stderr).contains("no such user")
    );
}

#[test]
fn a_bad_database_url_is_explained_without_showing_secrets() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(BIN)
        .args(["--database-url", "mysql://root:hunter2@db/x", "check"])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("sqlite: or postgres:"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password never appears: {err}"
    );
}

/// Sign-in attempts write (a failure record and an audit entry), so a stream of them keeps the
/// server writing while it is killed.
fn hammer_sign_in(port: u16, stop: &std::sync::atomic::AtomicBool) -> usize {
    let mut sent = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let Ok(page) = http(
            port,
            "GET /sign-in HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ) else {
            break;
        };
        let cookie = page
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: wp_signin="))
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .to_owned();
        let token = page
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap_or("")
            .to_owned();
        let body = format!("csrf_token={token}&next=%2F&username=user{sent}&password=wrong");
        let req = format!(
            "POST /sign-in HTTP/1.1\r\nHost: x\r\nCookie: wp_signin={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        if http(port, &req).is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[test]
fn sigkill_in_the_middle_of_writes_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let (mut child, _) = serve(dir.path(), port);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || hammer_sign_in(port, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    let _ = child.wait();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: usize = writers.into_iter().map(|w| w.join().expect("writer")).sum();
    assert!(
        sent > 5,
        "the server was writing when it was killed ({sent} sign-in attempts)"
    );
    let check = wholeplace(dir.path(), &["check"]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        text.contains("integrity ok") && text.contains("journal mode wal"),
        "{text}"
    );
    let port2 = free_port();
    let (mut again, _) = serve(dir.path(), port2);
    let health = http(
        port2,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .expect("health");
    assert!(
        health.starts_with("HTTP/1.1 200"),
        "restarts after the crash: {health}"
    );
    again.kill().expect("kill");
    let _ = again.wait();
}

fn budget_csv(rows: usize, bad_row: Option<usize>) -> String {
    let mut s = String::from(
        "agency,place,service_area,financial_year,amount,spend_kind,source,confidence\n",
    );
    let places = ["Tunbridge Wells", "Shropshire", "E06000001", "Worcester"];
    let services = ["health", "housing", "crime", "Social services"];
    for i in 0..rows {
        let amount = if Some(i) == bad_row {
            "12x".to_owned()
        } else {
            format!("{}.{:02}", 1000 + i * 7, i % 100)
        };
        let agency = if i % 2 == 0 {
            "Kent County Council"
        } else {
            "NHS West Kent"
        };
        s.push_str(&format!(
            "{agency},{},{},20{:02}/{:02},{amount},revenue,\"budget book, p.{i}\",grade 2\n",
            places[i % 4],
            services[i % 4],
            10 + i % 5,
            11 + i % 5
        ));
    }
    s
}

fn setup_places_db(dir: &Path) {
    for args in [
        &["places", "import-local-authorities"][..],
        &[
            "places",
            "add-agency",
            "Kent County Council",
            "--kind",
            "county_council",
        ],
        &["places", "add-agency", "NHS West Kent", "--kind", "nhs_icb"],
    ] {
        let out = wholeplace(dir, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn budget_lines_round_trip_through_xlsx_and_csv() {
    let work = tempfile::tempdir().expect("tmp");
    let (b, c) = (work.path().join("b"), work.path().join("c"));
    let input = work.path().join("input.csv");
    std::fs::write(&input, budget_csv(300, None)).expect("write");
    setup_places_db(&b);
    let out = wholeplace(&b, &["budget", "import", input.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("300 new budget lines, 0 already present")
    );
    let (b_csv, b_xlsx) = (work.path().join("b.csv"), work.path().join("b.xlsx"));
    assert!(
        wholeplace(&b, &["budget", "export", b_csv.to_str().expect("p")])
            .status
            .success()
    );
    assert!(
        wholeplace(&b, &["budget", "export", b_xlsx.to_str().expect("p")])
            .status
            .success()
    );
    setup_places_db(&c);
    let out = wholeplace(&c, &["budget", "import", b_xlsx.to_str().expect("p")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c_csv = work.path().join("c.csv");
    assert!(
        wholeplace(&c, &["budget", "export", c_csv.to_str().expect("p")])
            .status
            .success()
    );
    let (first, second) = (
        std::fs::read_to_string(&b_csv).expect("b"),
        std::fs::read_to_string(&c_csv).expect("c"),
    );
    assert_eq!(first.lines().count(), 301);
    assert_eq!(
        first, second,
        "export, import into an empty database, export again: identical"
    );
}

#[test]
fn budget_import_run_twice_stores_each_line_once() {
    // Re-running an import (after an interruption, say) used to store every line again and
    // double the place's totals.
    let work = tempfile::tempdir().expect("tmp");
    let db = work.path().join("db");
    let input = work.path().join("input.csv");
    std::fs::write(&input, budget_csv(120, None)).expect("write");
    setup_places_db(&db);
    let first = ok(&wholeplace(
        &db,
        &["budget", "import", input.to_str().expect("p")],
    ));
    assert!(
        first.contains("120 new budget lines, 0 already present"),
        "{first}"
    );
    let second = ok(&wholeplace(
        &db,
        &["budget", "import", input.to_str().expect("p")],
    ));
    assert!(
        second.contains("0 new budget lines, 120 already present"),
        "{second}"
    );
    let export = work.path().join("out.csv");
    ok(&wholeplace(
        &db,
        &["budget", "export", export.to_str().expect("p")],
    ));
    let text = std::fs::read_to_string(&export).expect("read");
    assert_eq!(
        text.lines().count(),
        121,
        "each line once, after the header"
    );
}

#[test]
fn hostile_workbooks_are_refused_not_fatal() {
    // A 1.6 KB workbook with one cell at XFD1048576 used to make the reader allocate 512 GiB
    // and abort the process (exit 134).
    let work = tempfile::tempdir().expect("tmp");
    let db = work.path().join("db");
    setup_places_db(&db);
    let far = work.path().join("far.xlsx");
    std::fs::write(
        &far,
        wholeplace_tabular::workbook::minimal_workbook(
            "Budget lines",
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
        ),
    )
    .expect("write");
    for args in [
        vec!["budget", "import", far.to_str().expect("p")],
        vec!["import", far.to_str().expect("p")],
    ] {
        let out = wholeplace(&db, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("column XFD"), "{args:?}: {err}");
    }
}

#[test]
fn one_bad_row_imports_nothing_and_says_where() {
    let dir = tempfile::tempdir().expect("tmp");
    setup_places_db(dir.path());
    let input = dir.path().join("bad.csv");
    std::fs::write(&input, budget_csv(1_000, Some(499))).expect("write");
    let out = wholeplace(
        dir.path(),
        &["budget", "import", input.to_str().expect("p")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("nothing was imported")
            && err.contains("row 501, column amount")
            && err.contains("'12x' is not an amount"),
        "{err}"
    );
    let export = dir.path().join("after.csv");
    assert!(
        wholeplace(
            dir.path(),
            &["budget", "export", export.to_str().expect("p")]
        )
        .status
        .success()
    );
    assert_eq!(
        std::fs::read_to_string(&export)
            .expect("read")
            .lines()
            .count(),
        1,
        "only the header: the database is unchanged"
    );
    // Asked to skip invalid rows, the good ones go in and the bad one comes back with its reason.
    let rejected = dir.path().join("rejected.csv");
    let out = wholeplace(
        dir.path(),
        &[
            "budget",
            "import",
            input.to_str().expect("p"),
            "--skip-invalid",
            "--rejected",
            rejected.to_str().expect("p"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("999 new budget lines, 0 already present")
    );
    let back = std::fs::read_to_string(&rejected).expect("rejected file");
    assert_eq!(back.lines().count(), 2);
    assert!(
        back.lines().next().expect("header").ends_with(",reason") && back.contains("column amount"),
        "{back}"
    );
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn everything_round_trips_through_one_workbook() {
    let work = tempfile::tempdir().expect("tmp");
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    ok(&wholeplace(&a, &["demo"]));
    let first = work.path().join("first.xlsx");
    let out = ok(&wholeplace(&a, &["export", first.to_str().expect("p")]));
    assert!(out.contains("in 11 sheets"), "{out}");
    ok(&wholeplace(&b, &["migrate"]));
    let out = ok(&wholeplace(&b, &["import", first.to_str().expect("p")]));
    assert!(
        out.contains("Budget lines") && out.contains("Grants"),
        "{out}"
    );
    let second = work.path().join("second.xlsx");
    ok(&wholeplace(&b, &["export", second.to_str().expect("p")]));
    let (x, y) = (
        std::fs::read(&first).expect("first"),
        std::fs::read(&second).expect("second"),
    );
    assert!(x.len() > 10_000, "a real workbook");
    assert_eq!(
        x, y,
        "export everything, import into an empty database, export again: identical"
    );
    // The same file again changes nothing.
    let out = ok(&wholeplace(&b, &["import", first.to_str().expect("p")]));
    assert!(out.contains("were already there"), "{out}");
    let third = work.path().join("third.xlsx");
    ok(&wholeplace(&b, &["export", third.to_str().expect("p")]));
    assert_eq!(
        x,
        std::fs::read(&third).expect("third"),
        "importing twice adds nothing"
    );

    // One CSV per sheet, and back.
    let dir = work.path().join("csv");
    ok(&wholeplace(&a, &["export", dir.to_str().expect("p")]));
    let places = std::fs::read_to_string(dir.join("places.csv")).expect("places.csv");
    assert!(places.starts_with("name,level,gss_code,gss_vintage,population,description"));
    assert!(places.contains("Sherwood,ward"));
    let agencies = std::fs::read_to_string(dir.join("agencies.csv")).expect("agencies.csv");
    assert!(agencies.starts_with("name,kind,identifiers"), "{agencies}");
    assert!(
        agencies.contains("Kent County Council,county_council,GB-LAE-KEN"),
        "the demo's agencies carry their registered identifiers: {agencies}"
    );
    let grants = std::fs::read_to_string(dir.join("grants.csv")).expect("grants.csv");
    assert!(
        grants
            .lines()
            .next()
            .is_some_and(|h| h.ends_with(",reference")),
        "{grants}"
    );
    let c = work.path().join("c");
    ok(&wholeplace(&c, &["migrate"]));
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path().display().to_string())
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    ok(&wholeplace(&c, &args));
    let fourth = work.path().join("fourth.xlsx");
    ok(&wholeplace(&c, &["export", fourth.to_str().expect("p")]));
    assert_eq!(
        x,
        std::fs::read(&fourth).expect("fourth"),
        "CSV files give the same data"
    );
}

#[test]
fn a_bad_row_in_any_sheet_imports_nothing_and_names_sheet_row_and_column() {
    let work = tempfile::tempdir().expect("tmp");
    let db = work.path().join("db");
    ok(&wholeplace(&db, &["migrate"]));
    let agencies = work.path().join("agencies.csv");
    std::fs::write(
        &agencies,
        "name,kind\nKent County Council,county_council\nSherwood Big Local,voluntary\n",
    )
    .expect("write");
    let places = work.path().join("places.csv");
    std::fs::write(&places, "name,level,gss_code,gss_vintage,population,description\nKent,county,E10000016,2023,1600000,\nSherwood,ward,,,8000,\nElsewhere,planet,,,,\n").expect("write");
    let lines = work.path().join("budget-lines.csv");
    std::fs::write(&lines, "agency,place,place_level,service_area,financial_year,amount,spend_kind,source,confidence\nKent County Council,Sherwood,ward,social_services,2012/13,9550000.00,revenue,seed,\nNobody,Sherwood,ward,housing,2012/13,1.00,revenue,,\n").expect("write");
    let paths = [&agencies, &places, &lines].map(|p| p.to_str().expect("p").to_owned());
    let out = wholeplace(&db, &["import", &paths[0], &paths[1], &paths[2]]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(
        err.contains("Places, row 4, column level: 'planet' is not a kind of place"),
        "{err}"
    );
    assert!(
        err.contains("Budget lines, row 3, column agency: there is no agency called 'Nobody'"),
        "{err}"
    );
    let after = work.path().join("after.xlsx");
    ok(&wholeplace(&db, &["export", after.to_str().expect("p")]));
    let csv_dir = work.path().join("after");
    ok(&wholeplace(&db, &["export", csv_dir.to_str().expect("p")]));
    assert_eq!(
        std::fs::read_to_string(csv_dir.join("agencies.csv"))
            .expect("read")
            .lines()
            .count(),
        1,
        "only the header: nothing was written"
    );

    // Skipping invalid rows: the good ones go in, the bad ones come back with a reason.
    let rejected = work.path().join("rejected");
    let out = ok(&wholeplace(
        &db,
        &[
            "import",
            &paths[0],
            &paths[1],
            &paths[2],
            "--skip-invalid",
            "--rejected",
            rejected.to_str().expect("p"),
        ],
    ));
    assert!(out.contains("invalid rows of Places were skipped"), "{out}");
    let back = std::fs::read_to_string(rejected.join("places.csv")).expect("rejected places");
    assert!(back.lines().next().expect("header").ends_with(",reason"));
    assert!(
        back.contains("Elsewhere,planet") && back.contains("column level"),
        "{back}"
    );
    let lines_back =
        std::fs::read_to_string(rejected.join("budget-lines.csv")).expect("rejected lines");
    assert_eq!(lines_back.lines().count(), 2, "{lines_back}");
    ok(&wholeplace(&db, &["export", csv_dir.to_str().expect("p")]));
    let exported = std::fs::read_to_string(csv_dir.join("budget-lines.csv")).expect("read");
    assert!(
        exported.contains("Kent County Council,Sherwood,ward,social_services,2012/13,9550000.00"),
        "{exported}"
    );

    let unknown = work.path().join("mystery.csv");
    std::fs::write(&unknown, "colour,size\nred,3\n").expect("write");
    let out = wholeplace(&db, &["import", unknown.to_str().expect("p")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell which sheet this is"));
}

fn wholeplace_at(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["--database-url", url, "--log", "warn"])
        .args(args)
        .output()
        .expect("run wholeplace")
}

/// The demonstration on each backend verifies; an entry edited directly in the database (with the
/// append-only triggers out of the way, as its administrator could) is named, exit code 1.
async fn audit_verify_names_an_entry_edited_in_the_database(db: wholeplace_store_tests::TestDb) {
    let postgres = db.url.starts_with("postgres");
    let url = db.url.clone();
    let fresh = wholeplace_at(&url, &["audit", "verify"]);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&fresh.stdout),
        "0 entries verified: the audit log is empty\n"
    );
    let demo = wholeplace_at(&url, &["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let ok = wholeplace_at(&url, &["audit", "verify"]);
    let text = String::from_utf8_lossy(&ok.stdout).to_string();
    assert!(
        ok.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        text.contains(" entries verified, latest hash ") && text.trim_end().ends_with(')'),
        "{text}"
    );
    let recorded = text
        .split("latest hash ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .expect("a hash")
        .to_owned();
    assert_eq!(recorded.len(), 64);
    let again = wholeplace_at(&url, &["audit", "verify", "--expect", &recorded]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let (off, on) = if postgres {
        (
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change",
        )
    } else {
        (
            "DROP TRIGGER audit_log_no_update",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        )
    };
    // One batch, so it runs on one connection.
    let sql = format!("{off}; UPDATE audit_log SET detail = 'nothing to see' WHERE id = 7; {on};");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(db.store.pool())
        .await
        .expect("administrator's SQL");
    let bad = wholeplace_at(&url, &["audit", "verify"]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(
        err.contains("entry 7 does not verify: its content does not match its chain hash"),
        "{err}"
    );
    assert!(bad.stdout.is_empty());
}

#[tokio::test]
async fn audit_verify_names_an_edited_entry_on_sqlite() {
    audit_verify_names_an_entry_edited_in_the_database(wholeplace_store_tests::sqlite().await)
        .await;
}

#[tokio::test]
#[cfg_attr(
    no_test_postgres,
    ignore = "WHOLEPLACE_TEST_POSTGRES_URL is not set, so PostgreSQL was not tested"
)]
async fn audit_verify_names_an_edited_entry_on_postgres() {
    audit_verify_names_an_entry_edited_in_the_database(
        wholeplace_store_tests::postgres_required().await,
    )
    .await;
}

#[test]
fn api_tokens_are_made_from_the_command_line_and_work_against_the_api() {
    let dir = tempfile::tempdir().expect("tmp");
    let demo = wholeplace(dir.path(), &["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let out = wholeplace(dir.path(), &["user", "token", "admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        token.starts_with("wp_") && token.ends_with('\n') && token.lines().count() == 1,
        "only the token on stdout: {token:?}"
    );
    let token = token.trim_end().to_owned();
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("'command line' for admin")
            && note.contains("expires ")
            && !note.contains(&token),
        "{note}"
    );

    let port = free_port();
    let (mut child, _) = serve(dir.path(), port);
    let get = |path: &str, token: &str| {
        http(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"),
        )
        .expect("request")
    };
    let me = get("/api/v1/me", &token);
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    assert!(me.contains("\"username\":\"admin\""), "{me}");
    let audit = get("/api/v1/audit?action=api_token.create&limit=5", &token);
    assert!(
        audit.contains("\"actor\":\"cli-operator\"")
            && audit.contains("expires after 30 days")
            && !audit.contains(&token),
        "audited, without the token: {audit}"
    );

    // While serving: a second token, named and for a week, also works.
    let week = wholeplace(
        dir.path(),
        &[
            "user",
            "token",
            "admin",
            "--expires",
            "7",
            "--name",
            "nightly check",
        ],
    );
    assert!(
        week.status.success(),
        "{}",
        String::from_utf8_lossy(&week.stderr)
    );
    let week_token = String::from_utf8_lossy(&week.stdout).trim_end().to_owned();
    assert!(get("/api/v1/me", &week_token).starts_with("HTTP/1.1 200"));
    child.kill().expect("kill");
    let _ = child.wait();

    for days in ["0", "366", "-1"] {
        let bad = wholeplace(
            dir.path(),
            &["user", "token", "admin", &format!("--expires={days}")],
        );
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            !bad.status.success() && bad.stdout.is_empty(),
            "{days}: {err}"
        );
        assert!(
            err.contains(
                "--expires: Enter the days the token lasts as a whole number from 1 to 365"
            ),
            "{days}: {err}"
        );
    }
    let unknown = wholeplace(dir.path(), &["user", "token", "nobody"]);
    assert!(!unknown.status.success() && unknown.stdout.is_empty());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such user"));
    let add = wholeplace(
        dir.path(),
        &[
            "user",
            "add",
            "old.account",
            "--name",
            "Old",
            "--role",
            "viewer",
            "--agency",
            "Kent Police",
        ],
    );
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert!(
        wholeplace(dir.path(), &["user", "disable", "old.account"])
            .status
            .success()
    );
    let disabled = wholeplace(dir.path(), &["user", "token", "old.account"]);
    let err = String::from_utf8_lossy(&disabled.stderr);
    assert!(
        !disabled.status.success() && disabled.stdout.is_empty(),
        "{err}"
    );
    assert!(err.contains("'old.account' is disabled"), "{err}");

    let verify = wholeplace(dir.path(), &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// The demonstration family's As Is cost reconciles to the penny with its involvements' unit
/// costs: each involvement is priced with its code's fiscal value in the shipped GMCA file (read
/// here on its own), and each agency's cost a year is the sum of unit cost times units.
#[tokio::test]
async fn the_demo_familys_as_is_cost_reconciles_with_its_unit_costs() {
    use wholeplace_store::prelude::*;
    let work = tempfile::tempdir().expect("tmp");
    ok(&wholeplace(work.path(), &["demo"]));
    let store = wholeplace_store_sql::open(
        &wholeplace_store_sql::sqlite_url_for_path(&work.path().join("wholeplace.db")),
        &wholeplace_store_sql::OpenOptions::default(),
    )
    .await
    .expect("open the demo database");
    let families = store.list_households().await.expect("families");
    let hill = families
        .iter()
        .find(|f| f.name == "The Hill family")
        .expect("the Hill family");
    let family = store
        .get_family(hill.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(family.members.len(), 5, "a mother and four children");
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/gmca-unit-cost-database/unit-costs.csv"
    ))
    .expect("the shipped unit costs");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (code_col, fiscal_col) = (col("code"), col("fiscal_value"));
    let fiscal: std::collections::HashMap<String, String> = reader
        .records()
        .map(|r| r.expect("row"))
        .map(|r| (r[code_col].to_owned(), r[fiscal_col].to_owned()))
        .collect();
    let mut by_agency: std::collections::BTreeMap<String, i64> = Default::default();
    for i in &family.involvements {
        let code = i
            .unit_cost_code
            .as_deref()
            .expect("every demo involvement is priced");
        let pounds: f64 = fiscal[code].parse().expect("a fiscal value");
        let pence = (pounds * 100.0).round() as i64;
        assert_eq!(i.unit_cost.pence(), pence, "{code} priced from the library");
        assert_eq!(
            i.units_per_year_hundredths % 100,
            0,
            "whole units in the demo"
        );
        let annual = pence * (i.units_per_year_hundredths / 100);
        assert_eq!(
            i.annual_cost().pence(),
            annual,
            "{code}: unit cost times units"
        );
        *by_agency.entry(i.agency_name.clone()).or_default() += annual;
    }
    let (rows, total) = wholeplace_service::families::cost_by_agency(&family.involvements);
    let shown: std::collections::BTreeMap<String, i64> =
        rows.into_iter().map(|(a, m)| (a, m.pence())).collect();
    assert_eq!(shown, by_agency, "the As Is by agency");
    assert_eq!(total.pence(), by_agency.values().sum::<i64>());
    assert_eq!(
        by_agency["Kent County Council"],
        (57 * 104 + 900 + 1_509) * 100,
        "a social worker 104 hours a year, a core assessment, the attendance service"
    );
    store.close().await;
}

/// `wholeplace retention`: a dry run by default that changes nothing; `--apply` disposes of an
/// old family's records past their period and keeps the held demonstration family's; never as
/// of a later day than today; counts and family ids only, no names; each run audited.
#[tokio::test]
async fn retention_is_a_dry_run_unless_applied_and_keeps_held_families() {
    use std::sync::Arc;
    use wholeplace_service::*;
    use wholeplace_store::prelude::*;
    let work = tempfile::tempdir().expect("tmp");
    ok(&wholeplace(work.path(), &["demo"]));
    let none = ok(&wholeplace(work.path(), &["retention"]));
    assert!(
        none.contains("no retention rules: every record is kept"),
        "{none}"
    );
    let store = wholeplace_store_sql::open(
        &wholeplace_store_sql::sqlite_url_for_path(&work.path().join("wholeplace.db")),
        &wholeplace_store_sql::OpenOptions::default(),
    )
    .await
    .expect("open the demo database");
    let service = Service::new(
        Arc::new(store.clone()),
        Arc::new(SystemClock),
        ServiceConfig::default(),
    );
    let op = Actor::operator();
    let agency = service
        .create_agency(&op, "Old Housing Trust", "housing_association")
        .await
        .expect("agency");
    let old = service
        .create_family(
            &op,
            &HouseholdForm {
                name: "The Oldfield family".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let person = service
        .add_family_member(
            &op,
            old,
            &PersonForm {
                given_name: "Olive".into(),
                family_name: "Oldfield".into(),
                relationship: "mother".into(),
                ..Default::default()
            },
        )
        .await
        .expect("member");
    service
        .add_involvement_for_agency(
            &op,
            old,
            agency,
            &InvolvementForm {
                person_id: person.to_string(),
                service: "Tenancy support".into(),
                need: "housing".into(),
                class: "housing".into(),
                started_on: "2010-01-01".into(),
                ended_on: "2012-01-01".into(),
                units_per_year: "1".into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
    let hill = store
        .list_households()
        .await
        .expect("families")
        .into_iter()
        .find(|f| f.name == "The Hill family")
        .expect("the Hill family")
        .id;
    for class in ["housing", "police", "social_care", "health", "education"] {
        let rule = RetentionRuleForm {
            class: class.into(),
            agreement_id: String::new(),
            keep_years: "1".into(),
        };
        service.set_retention_rule(&op, &rule).await.expect("rule");
    }
    let hold = LegalHoldForm {
        household_id: hill.to_string(),
        reason: "Care proceedings".into(),
    };
    service.set_legal_hold(&op, &hold).await.expect("hold");
    let records = |id| {
        let store = store.clone();
        async move {
            let f = store.get_family(id).await.expect("read").expect("family");
            (f.involvements.len(), f.events.len())
        }
    };
    let hill_before = records(hill).await;
    assert!(hill_before.1 > 0, "the demo family has events");

    let dry = ok(&wholeplace(
        work.path(),
        &["retention", "--today", "2040-01-01"],
    ));
    assert!(
        dry.starts_with("Dry run as of 2040-01-01: nothing was disposed of"),
        "{dry}"
    );
    assert!(
        dry.contains("past their period: 1 involvement(s), 0 event(s)"),
        "{dry}"
    );
    assert!(dry.contains(&format!("family {old}")), "{dry}");
    assert!(!dry.contains(&format!("family {hill} ")), "held: {dry}");
    assert!(
        !dry.contains("Oldfield") && !dry.contains("Hill"),
        "no names: {dry}"
    );
    assert_eq!(records(old).await, (1, 0), "a dry run changes nothing");

    let later = wholeplace(
        work.path(),
        &["retention", "--apply", "--today", "2040-01-01"],
    );
    let err = String::from_utf8_lossy(&later.stderr);
    assert!(!later.status.success() && later.stdout.is_empty(), "{err}");
    assert!(
        err.contains("--today: Records are disposed of as of today or an earlier day"),
        "{err}"
    );
    let bad = wholeplace(work.path(), &["retention", "--today", "01/01/2040"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--today: Enter the day as year-month-day")
    );

    let applied = ok(&wholeplace(work.path(), &["retention", "--apply"]));
    assert!(
        applied.starts_with("Disposed of the records past their retention period as of "),
        "{applied}"
    );
    assert!(
        applied.contains("past their period: 1 involvement(s), 0 event(s)"),
        "{applied}"
    );
    assert_eq!(
        records(old).await,
        (0, 0),
        "the old family's record is disposed of"
    );
    assert_eq!(
        records(hill).await,
        hill_before,
        "the held family's are kept"
    );
    let runs = |action: &str| {
        let store = store.clone();
        let action = action.to_owned();
        async move {
            store
                .list_audit(&wholeplace_store::AuditFilter {
                    action_prefix: Some(action),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .expect("audit")
                .1
        }
    };
    assert_eq!(
        runs("retention.dry_run").await,
        2,
        "each dry run is audited"
    );
    assert_eq!(runs("retention.dispose").await, 1);
    store.close().await;
}

#[test]
fn grants_are_written_for_360giving_as_its_json_package_or_spreadsheet() {
    let work = tempfile::tempdir().expect("tmp");
    let d = work.path().join("d");
    ok(&wholeplace(&d, &["demo"]));
    let json = work.path().join("grants.json");
    let out = ok(&wholeplace(&d, &["grants", json.to_str().expect("p")]));
    assert!(out.contains("wrote 10 grants for 360Giving"), "{out}");
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    let grants = package["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 10);
    assert!(
        package["license"]
            .as_str()
            .is_some_and(|l| l.starts_with("https://"))
    );
    assert!(
        grants.iter().all(|g| g["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("360G-wholeplacedemo-"))),
        "every grant id starts with the publisher's prefix"
    );
    let csv = work.path().join("grants.csv");
    ok(&wholeplace(&d, &["grants", csv.to_str().expect("p")]));
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(
        text.starts_with("Identifier,"),
        "{}",
        &text[..80.min(text.len())]
    );
    let bad = wholeplace(
        &d,
        &["grants", work.path().join("g.txt").to_str().expect("p")],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("name a .json file"));
}

/// The published elections from pabulib (Faliszewski, Flis, Peters, Pierczyński, Skowron,
/// Stolicki, Szufa and Talmon, "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023),
/// read from `../shared/data/pabulib` beside the workspace, never copied into the repository.
fn pabulib(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/pabulib")
        .join(name)
}

#[test]
fn pb_results_prints_the_funded_projects_as_json() {
    let file = pabulib("Netherlands_Assen_2024.pb");
    let run = |rule: &str| -> serde_json::Value {
        let out = Command::new(BIN)
            .args(["pb", "results"])
            .arg(&file)
            .args(["--rule", rule, "--format", "json"])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let text = std::fs::read_to_string(&file).expect("Assen 2024");
    let published: Vec<String> = {
        let mut v: Vec<String> = text
            .lines()
            .skip_while(|l| *l != "PROJECTS")
            .skip(2)
            .take_while(|l| *l != "VOTES")
            .filter(|l| l.split(';').nth(4) == Some("1"))
            .map(|l| l.split(';').next().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = v["selected"]
            .as_array()
            .expect("selected")
            .iter()
            .map(|x| x.as_str().expect("id").to_string())
            .collect();
        ids.sort();
        ids
    };
    let mes = run("equalshares/add1");
    assert_eq!(ids(&mes), published);
    let projects = mes["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 14);
    assert!(
        projects
            .iter()
            .all(|p| p["cost"].is_u64() && p["effective_support"].is_number())
    );
    assert_ne!(ids(&run("greedy")), published, "greedy differs on Assen");
    assert!(ids(&run("equalshares")).len() <= published.len());
}

#[test]
fn pb_results_explains_a_bad_file_and_a_bad_rule() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.pb");
    std::fs::write(&bad, "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;ten\nVOTES\nvoter_id;vote\nv;1\n")
        .expect("write");
    let out = Command::new(BIN)
        .args(["pb", "results"])
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 6, column 3"), "{err}");
    let out = Command::new(BIN)
        .args(["pb", "results"])
        .arg(&bad)
        .args(["--rule", "borda"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let out = Command::new(BIN)
        .args(["pb", "check"])
        .arg(pabulib("Poland_Swiecie_2023.pb"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
