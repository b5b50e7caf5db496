//! `cargo xtask fuzz --seconds N [--seed S] [--target NAME]`: builds the fuzzer in release mode
//! and runs every target (or one) for N seconds each. See docs/FUZZING.md.

use std::path::PathBuf;
use std::process::Command;

/// Builds `wholeplace-fuzz` in release mode and runs it with `args` (default: every target,
/// 60 seconds each).
pub fn fuzz(root: PathBuf, cargo: Command, args: &[String]) -> Result<(), String> {
    let mut build = cargo;
    build
        .current_dir(&root)
        .args(["build", "--release", "-p", "wholeplace-fuzz"]);
    eprintln!("xtask: {build:?}");
    let status = build
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building wholeplace-fuzz failed ({status})"));
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target_dir.join("release").join("wholeplace-fuzz");
    let mut run = Command::new(&bin);
    run.current_dir(&root);
    if !args.iter().any(|a| a == "--seconds") {
        run.args(["--seconds", "60"]);
    }
    if !args.iter().any(|a| a == "--target") {
        run.args(["--target", "all"]);
    }
    run.args(args);
    eprintln!("xtask: {run:?}");
    let status = run
        .status()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the fuzzer reported findings or failed ({status}); inputs are saved under {}",
            target_dir.join("fuzz-findings").display()
        ))
    }
}
