//! Project automation, so that a newcomer needs only two commands:
//! `cargo xtask run` (build the front-end assets, then serve the demo on SQLite) and
//! `cargo xtask test` (build the assets, run every Rust test, then the browser tests).
//! Other tasks: `assets`, `browser-test`, `lint`, `fuzz` and `fuzz-api` (by hand: long).

mod fuzz_api;

mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs the npm packages (pinned by package-lock.json) when missing, and builds the stylesheet.
fn assets() -> Result<(), String> {
    let root = root();
    if !have("npm") {
        return Err("npm is needed to build the stylesheet (GOV.UK Frontend). Install Node.js and npm, e.g. apt-get install nodejs npm".into());
    }
    if !root
        .join("node_modules/govuk-frontend/package.json")
        .exists()
        || !root.join("node_modules/.bin/sass").exists()
    {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    let out = root.join("target/assets");
    std::fs::create_dir_all(out.join("govuk")).map_err(|e| e.to_string())?;
    run(Command::new("npm").args(["run", "--silent", "build:css"]))?;
    let dist = root.join("node_modules/govuk-frontend/dist/govuk");
    std::fs::copy(
        dist.join("govuk-frontend.min.js"),
        out.join("govuk/govuk-frontend.min.js"),
    )
    .map_err(|e| format!("copying GOV.UK Frontend's script: {e}"))?;
    Ok(())
}

/// Debian's Chromium for the browser tests, installed when missing (the tests need a real browser).
fn ensure_chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    if !have("apt-get") {
        return Err(
            "the browser tests need Chromium at /usr/bin/chromium (Debian package chromium)".into(),
        );
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The same build as `cargo test --workspace`, so after the Rust tests this compiles nothing:
/// the test build already made `target/debug/wholeplace` (the CLI's tests run it). A plain
/// `cargo build -p wholeplace-cli` selects other features and rebuilt 35 crates.
fn test_build() -> Result<(), String> {
    run(cargo().args(["test", "--workspace", "--no-run"]))
}

fn browser_test() -> Result<(), String> {
    ensure_chromium()?;
    test_build()?;
    run(Command::new("node").args(["--test", "--test-concurrency=1", "tests/browser/"]))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest: Vec<String> = args.iter().skip(1).cloned().collect();
    let result = match task {
        "assets" => assets(),
        "run" => assets().and_then(|()| {
            run(cargo()
                .args(["run", "-p", "wholeplace-cli", "--", "serve", "--demo"])
                .args(&rest))
        }),
        "test" => assets()
            .and_then(|()| {
                run(cargo()
                    .args(["test", "--workspace", "--no-fail-fast"])
                    .args(&rest))
            })
            .and_then(|()| browser_test()),
        "browser-test" => assets().and_then(|()| browser_test()),
        "fuzz-api" => fuzz_api::fuzz_api(&rest),
        "fuzz" => fuzz::fuzz(root(), cargo(), &rest),
        "lint" => run(cargo().args(["fmt", "--all", "--check"])).and_then(|()| {
            run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        }),
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|assets|browser-test|lint|fuzz|fuzz-api>\n  run           build the stylesheet and serve the demo on SQLite\n  test          every Rust test, then the browser tests\n  assets        build the stylesheet into target/assets\n  browser-test  only the browser tests\n  lint          rustfmt and clippy\n  fuzz          every parser's fuzz target for N seconds each [--seconds N] [--target NAME] [--seed S]\n  fuzz-api      the OpenAPI fuzzer (schemathesis) against a local server [--examples N] [--phases LIST]"
            );
            return if task == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
