//! `cargo xtask fuzz-api [--examples N] [--phases LIST]`: the OpenAPI-driven fuzzer
//! (schemathesis, pinned) against a fresh local server, once with an administrator's token and
//! once with a viewer's, every check and every phase (examples, coverage, fuzzing, stateful).
//! Long: run by hand, not by `cargo xtask test`; results go in docs/FUZZING.md ("API").
//!
//! It installs schemathesis into a virtual environment under `~/.cache/wholeplace` when missing,
//! builds and starts `wholeplace serve` on 127.0.0.1 with a new SQLite database and the
//! demonstration data, signs in the first administrator and a new viewer through the sign-in form
//! and makes each an API token (`fuzz_api_token.py`), then runs `st run` twice. Only ever a local
//! server. Exceptions to the default checks are in `schemathesis.toml` at the repository root,
//! each with its reason.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCHEMATHESIS: &str = "4.32.5";

fn venv() -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let dir = Path::new(&home)
        .join(".cache/wholeplace")
        .join(format!("schemathesis-{SCHEMATHESIS}"));
    if !dir.join("bin/st").exists() {
        std::fs::create_dir_all(dir.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
        super::run(Command::new("python3").args(["-m", "venv"]).arg(&dir))?;
        super::run(
            Command::new(dir.join("bin/pip"))
                .args(["install", "--quiet"])
                .arg(format!("schemathesis=={SCHEMATHESIS}")),
        )?;
    }
    Ok(dir)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// The server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("debug/wholeplace")
}

/// Runs the fuzzer; `args` are the task's own arguments.
pub fn fuzz_api(args: &[String]) -> Result<(), String> {
    let root = super::root();
    let mut examples = "30".to_owned();
    let mut phases = "examples,coverage,fuzzing,stateful".to_owned();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--examples" => examples = it.next().ok_or("--examples N")?.clone(),
            "--phases" => phases = it.next().ok_or("--phases LIST")?.clone(),
            other => return Err(format!("fuzz-api: unknown option {other}")),
        }
    }
    let venv = venv()?;
    super::run(super::cargo().args(["build", "-p", "wholeplace-cli"]))?;
    let data = root
        .join("target/fuzz-api")
        .join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let bin = binary(&root);
    let mut child = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("WHOLEPLACE_LOG", "error")
        .current_dir(&root)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no server output")?;
    let server = Server(child);
    let mut admin_otp = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(pw) = line.trim().strip_prefix("one-time password: ") {
            admin_otp = Some(pw.to_owned());
        }
        if line.trim().is_empty() && admin_otp.is_some() {
            break;
        }
    }
    let admin_otp = admin_otp.ok_or("the server printed no one-time password")?;
    let viewer = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "user",
            "add",
            "fuzz-viewer",
            "--name",
            "Fuzz viewer",
            "--role",
            "viewer",
            "--agency",
            "Partnership office",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    let viewer_out = String::from_utf8_lossy(&viewer.stdout);
    let viewer_otp = viewer_out
        .split("One-time password: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .filter(|_| viewer.status.success())
        .ok_or_else(|| {
            format!(
                "creating the viewer failed: {viewer_out}{}",
                String::from_utf8_lossy(&viewer.stderr)
            )
        })?
        .to_owned();
    let script = root.join("xtask/src/fuzz_api_token.py");
    let token = |user: &str, otp: &str| -> Result<String, String> {
        let out = Command::new(venv.join("bin/python"))
            .arg(&script)
            .args([&base, user, otp])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "signing in {user}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let admin = token("admin", &admin_otp)?;
    let viewer = token("fuzz-viewer", &viewer_otp)?;
    let mut failed = Vec::new();
    for (who, t) in [("administrator", admin), ("viewer", viewer)] {
        eprintln!("xtask: fuzz-api as {who} ({phases}, {examples} examples an operation)");
        let started = Instant::now();
        let status = Command::new(venv.join("bin/st"))
            .args(["run", &format!("{base}/api/v1/openapi.json")])
            .args(["--url", &base, "--checks", "all", "--phases", &phases])
            .args([
                "--max-examples",
                &examples,
                "--seed",
                "16",
                "--workers",
                "2",
            ])
            .args([
                "--continue-on-failure",
                "--no-color",
                "--request-timeout",
                "30",
            ])
            .args(["-H", &format!("Authorization: Bearer {t}")])
            .args(["--report", "junit", "--report-dir"])
            .arg(data.join(format!("report-{who}")))
            .current_dir(&root)
            .status()
            .map_err(|e| e.to_string())?;
        eprintln!(
            "xtask: fuzz-api as {who} took {:.0} s",
            started.elapsed().as_secs_f64()
        );
        if !status.success() {
            failed.push(who);
        }
    }
    drop(server);
    std::thread::sleep(Duration::from_millis(100));
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "schemathesis reported failures as {}",
            failed.join(" and ")
        ))
    }
}
