//! `wholeplace-fuzz`: runs the fuzz targets.
//!
//! ```text
//! wholeplace-fuzz [--target NAME|all] [--seconds N] [--seed S] [--out DIR]
//! wholeplace-fuzz --target NAME --replay FILE         run one saved input, panics shown
//! wholeplace-fuzz --target NAME --seed S --input I    make input I of seed S again and run it
//! wholeplace-fuzz --list
//! ```
//!
//! Each target runs in a child process (this binary with `--child`), so an abort (stack
//! overflow, failed allocation) is found too: the parent replays the inputs since the child's
//! last checkpoint one by one to name the input that killed it, then carries on after it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wholeplace_fuzz::run::{
    Event, Findings, Generator, HANG_EXIT, Kind, RunConfig, mask_numbers, quiet_panics, run_here,
    save_finding,
};
use wholeplace_fuzz::targets;

const CHECKPOINT: u64 = 256;
const SLOW_AFTER: Duration = Duration::from_secs(1);
const HANG_AFTER: Duration = Duration::from_secs(10);
const MAX_RESTARTS: usize = 20;

struct Args {
    target: String,
    seconds: f64,
    seed: u64,
    out: PathBuf,
    replay: Option<PathBuf>,
    input: Option<u64>,
    list: bool,
    child: bool,
    start: u64,
    count: Option<u64>,
    precise: bool,
}

fn default_out() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("fuzz-findings")
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        target: "all".into(),
        seconds: 10.0,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs()),
        out: default_out(),
        replay: None,
        input: None,
        list: false,
        child: false,
        start: 0,
        count: None,
        precise: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let num = |v: String, name: &str| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        match arg.as_str() {
            "--target" => a.target = value("--target")?,
            "--seconds" => {
                let v = value("--seconds")?;
                a.seconds = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or(format!("--seconds: `{v}` is not a number of seconds"))?;
            }
            "--seed" => a.seed = num(value("--seed")?, "--seed")?,
            "--out" => a.out = PathBuf::from(value("--out")?),
            "--replay" => a.replay = Some(PathBuf::from(value("--replay")?)),
            "--input" => a.input = Some(num(value("--input")?, "--input")?),
            "--list" => a.list = true,
            "--child" => a.child = true,
            "--start" => a.start = num(value("--start")?, "--start")?,
            "--count" => a.count = Some(num(value("--count")?, "--count")?),
            "--precise" => a.precise = true,
            "-h" | "--help" => {
                return Err(
                    "usage: wholeplace-fuzz [--target NAME|all] [--seconds N] [--seed S] [--out DIR]\n       wholeplace-fuzz --target NAME --replay FILE\n       wholeplace-fuzz --target NAME --seed S --input I\n       wholeplace-fuzz --list".into(),
                );
            }
            other => return Err(format!("unknown argument `{other}`; see --help")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if args.list {
        for t in targets::all() {
            println!("{:<16} {}", t.name, t.entry);
        }
        return ExitCode::SUCCESS;
    }
    if args.child {
        return child(&args);
    }
    if args.replay.is_some() || args.input.is_some() {
        return replay(&args);
    }
    let names: Vec<&'static str> = if args.target == "all" {
        targets::all().iter().map(|t| t.name).collect()
    } else {
        match targets::by_name(&args.target) {
            Some(t) => vec![t.name],
            None => {
                eprintln!("no target `{}`; --list names them", args.target);
                return ExitCode::FAILURE;
            }
        }
    };
    println!(
        "wholeplace-fuzz: seed {}, {} s per target, findings under {}",
        args.seed,
        args.seconds,
        args.out.display()
    );
    let mut any = false;
    for name in names {
        let (runs, elapsed, findings) = parent(&args, name);
        let rate = runs as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "{name:<16} {runs:>10} inputs in {:>6.1} s  {rate:>9.0} inputs/s  {} finding(s)",
            elapsed.as_secs_f64(),
            findings.len()
        );
        for f in findings.0.values() {
            any = true;
            println!(
                "    {} x{}: {} (input {}{})",
                f.kind.as_str(),
                f.count,
                f.key,
                f.index,
                f.file
                    .as_ref()
                    .map(|p| format!(", saved as {}", p.display()))
                    .unwrap_or_default()
            );
        }
    }
    if any {
        println!("reproduce a finding with: wholeplace-fuzz --target NAME --replay FILE");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one input in this process with the usual panic output (set RUST_BACKTRACE=1 for a trace).
fn replay(args: &Args) -> ExitCode {
    let Some(target) = targets::by_name(&args.target) else {
        eprintln!("name the target with --target (see --list)");
        return ExitCode::FAILURE;
    };
    let input = match (&args.replay, args.input) {
        (Some(p), _) => match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cannot read {}: {e}", p.display());
                return ExitCode::FAILURE;
            }
        },
        (None, Some(i)) => Generator::new(target, args.seed).input(i),
        (None, None) => return ExitCode::FAILURE,
    };
    eprintln!("{}: {} bytes", target.name, input.len());
    let run = target.run;
    let t0 = Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(target.stack_bytes)
        .spawn(move || std::panic::catch_unwind(|| run(&input)).is_ok());
    let ok = handle.is_ok_and(|h| h.join().unwrap_or(false));
    eprintln!(
        "{} in {:.3} s",
        if ok {
            "ran without panicking"
        } else {
            "PANICKED"
        },
        t0.elapsed().as_secs_f64()
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A child process: runs one target from `--start`, printing events on stdout.
fn child(args: &Args) -> ExitCode {
    let Some(target) = targets::by_name(&args.target) else {
        return ExitCode::FAILURE;
    };
    quiet_panics();
    let config = RunConfig {
        seed: args.seed,
        start: args.start,
        max_inputs: args.count,
        duration: Duration::from_secs_f64(args.seconds),
        checkpoint_every: if args.precise { 1 } else { CHECKPOINT },
        slow_after: SLOW_AFTER,
        hang_after: HANG_AFTER,
        exit_on_hang: true,
        out_dir: args.out.clone(),
    };
    let events = Arc::new(Mutex::new(std::io::stdout()));
    run_here(Arc::new(Generator::new(target, args.seed)), &config, events);
    targets::remove_scratch();
    ExitCode::SUCCESS
}

struct ChildRun {
    last_at: Option<u64>,
    done: Option<u64>,
    findings: Vec<(Kind, u64, Option<PathBuf>, String)>,
    exit: Option<i32>,
    stderr: String,
}

fn spawn_child(
    args: &Args,
    name: &str,
    start: u64,
    seconds: f64,
    count: Option<u64>,
    precise: bool,
) -> Option<ChildRun> {
    let exe = std::env::current_exe().ok()?;
    let mut cmd = Command::new(exe);
    cmd.args(["--child", "--target", name])
        .args(["--seed", &args.seed.to_string()])
        .args(["--start", &start.to_string()])
        .args(["--seconds", &format!("{seconds:.3}")])
        .arg("--out")
        .arg(&args.out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = count {
        cmd.args(["--count", &c.to_string()]);
    }
    if precise {
        cmd.arg("--precise");
    }
    let mut proc = cmd.spawn().ok()?;
    let mut err = proc.stderr.take()?;
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        let tail = s.len().saturating_sub(4000);
        String::from_utf8_lossy(&s[tail..]).into_owned()
    });
    let mut run = ChildRun {
        last_at: None,
        done: None,
        findings: Vec::new(),
        exit: None,
        stderr: String::new(),
    };
    for line in BufReader::new(proc.stdout.take()?).lines() {
        let Ok(line) = line else { break };
        match Event::parse(&line) {
            Some(Event::At(i)) => run.last_at = Some(i),
            Some(Event::Done(i)) => run.done = Some(i),
            Some(Event::Finding(k, i, f, key)) => run.findings.push((k, i, f, key)),
            None => {}
        }
    }
    let status = proc.wait().ok()?;
    run.exit = status.code();
    run.stderr = err_reader.join().unwrap_or_default();
    Some(run)
}

/// The last line of an abort's message that says what happened.
fn abort_key(stderr: &str, exit: Option<i32>) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| {
            l.contains("overflowed its stack")
                || l.contains("memory allocation")
                || l.contains("panicked")
                || l.contains("abort")
        })
        .map(mask_numbers)
        .unwrap_or_else(|| format!("the process died (exit {exit:?})"))
}

/// Runs one target for `--seconds` in child processes; returns inputs run, time, findings.
fn parent(args: &Args, name: &'static str) -> (u64, Duration, Findings) {
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(args.seconds);
    let mut findings = Findings::default();
    let mut runs = 0_u64;
    let mut start = 0_u64;
    for _ in 0..MAX_RESTARTS {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let Some(run) = spawn_child(args, name, start, left, None, false) else {
            eprintln!("{name}: cannot start a child process");
            break;
        };
        for (k, i, f, key) in &run.findings {
            findings.add(*k, key, *i, f.clone());
        }
        if let Some(next) = run.done {
            runs += next - start;
            break;
        }
        if run.exit == Some(HANG_EXIT) {
            let hung = run
                .findings
                .iter()
                .rev()
                .find(|f| f.0 == Kind::Hang)
                .map_or(start, |f| f.1);
            runs += hung - start;
            start = hung + 1;
            continue;
        }
        // The child died: find the input that killed it.
        let from = run.last_at.unwrap_or(start);
        runs += from - start;
        let precise = spawn_child(args, name, from, 600.0, Some(CHECKPOINT + 1), true);
        let generator = targets::by_name(name).map(|t| Generator::new(t, args.seed));
        match (precise, generator) {
            (Some(p), Some(g)) if p.done.is_none() && p.exit != Some(HANG_EXIT) => {
                let i = p.last_at.unwrap_or(from);
                let key = abort_key(&p.stderr, p.exit);
                let message = format!(
                    "the process died on this input (exit {:?}); its last words:\n{}",
                    p.exit, p.stderr
                );
                // One saved input per kind of abort; later ones are counted.
                let seen = findings.0.contains_key(&(Kind::Crash, key.clone()));
                let file = if seen {
                    None
                } else {
                    save_finding(
                        &args.out,
                        name,
                        Kind::Crash,
                        args.seed,
                        i,
                        &g.input(i),
                        &message,
                    )
                };
                findings.add(Kind::Crash, &key, i, file);
                runs += i - from + 1;
                start = i + 1;
            }
            _ => {
                // Not reproduced one by one: report the range.
                let key = format!(
                    "{} (inputs {from}..{} not reproduced one by one)",
                    abort_key(&run.stderr, run.exit),
                    from + CHECKPOINT
                );
                findings.add(Kind::Crash, &key, from, None);
                start = from + CHECKPOINT + 1;
            }
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    (runs, t0.elapsed(), findings)
}
