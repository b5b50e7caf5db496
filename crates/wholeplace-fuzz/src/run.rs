//! Running a target: inputs made one by one from the seed corpus, each parsed inside
//! `catch_unwind` on a thread with the target's stack, timed, and every panic, slow input
//! (over the per-input budget) or hang saved with the seed and index that make it again.
//!
//! A panic is caught; an abort is not (a stack overflow, or an allocation that fails). So the
//! command line runs each target in a child process of its own and, when a child dies, replays
//! the inputs since its last checkpoint one by one in a fresh child to name the input that
//! killed it (see `main.rs`). The events a child prints are the lines of [`Event`].

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mutate::mutate;
use crate::rng::Rng;
use crate::targets::Target;

/// Makes input `i` of a target in the run with a seed: the seeds themselves first, then
/// mutations. Input `i` depends only on the seed, the target and `i`.
pub struct Generator {
    target: Target,
    seeds: Vec<Vec<u8>>,
    seed: u64,
}

impl Generator {
    /// The generator of `target`'s inputs for the run with `seed`.
    pub fn new(target: Target, seed: u64) -> Self {
        let mut seeds = (target.seeds)();
        if seeds.is_empty() {
            seeds.push(Vec::new());
        }
        Self {
            target,
            seeds,
            seed,
        }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The seed corpus.
    pub fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    /// Input number `i`.
    pub fn input(&self, i: u64) -> Vec<u8> {
        if let Some(s) = usize::try_from(i).ok().and_then(|i| self.seeds.get(i)) {
            return s.clone();
        }
        let mut rng = Rng::for_input(self.seed, self.target.name, i);
        let base = rng.pick(&self.seeds);
        match self.target.structured {
            Some(f) if rng.chance(1, 2) => f(&mut rng, base, &self.seeds, &self.target.grammar),
            _ => mutate(&mut rng, base, &self.seeds, &self.target.grammar),
        }
    }
}

/// What went wrong with an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The parser panicked (caught).
    Panic,
    /// The input took longer than the per-input budget.
    Slow,
    /// The input did not finish within the hang limit; the run of the target stopped.
    Hang,
    /// The process died on the input (an abort: stack overflow, failed allocation).
    Crash,
}

impl Kind {
    /// Its name in events and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::Slow => "slow",
            Kind::Hang => "hang",
            Kind::Crash => "crash",
        }
    }

    /// From [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Panic, Kind::Slow, Kind::Hang, Kind::Crash]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One kind of finding: the same kind at the same place counted once.
#[derive(Clone, Debug)]
pub struct Finding {
    /// What happened.
    pub kind: Kind,
    /// Where (a panic's location) or what (the time taken, an abort's message).
    pub key: String,
    /// The first input that showed it.
    pub index: u64,
    /// Where that input is saved.
    pub file: Option<PathBuf>,
    /// How many inputs showed it.
    pub count: u64,
}

/// Findings by kind and key.
#[derive(Clone, Debug, Default)]
pub struct Findings(pub BTreeMap<(Kind, String), Finding>);

impl Findings {
    /// Counts one occurrence; true when it is the first of its kind and key.
    pub fn add(&mut self, kind: Kind, key: &str, index: u64, file: Option<PathBuf>) -> bool {
        match self.0.get_mut(&(kind, key.to_owned())) {
            Some(f) => {
                f.count += 1;
                if f.file.is_none() {
                    f.file = file;
                }
                false
            }
            None => {
                self.0.insert(
                    (kind, key.to_owned()),
                    Finding {
                        kind,
                        key: key.to_owned(),
                        index,
                        file,
                        count: 1,
                    },
                );
                true
            }
        }
    }

    /// The number of distinct findings.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No findings.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Settings of one run of a target in this process.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The run's seed.
    pub seed: u64,
    /// The first input's index.
    pub start: u64,
    /// Stop after this many inputs.
    pub max_inputs: Option<u64>,
    /// Stop after this long.
    pub duration: Duration,
    /// Print a checkpoint (`at I`) every this many inputs; 1 names every input before it runs.
    pub checkpoint_every: u64,
    /// An input taking longer than this is a finding (slow).
    pub slow_after: Duration,
    /// An input taking longer than this stops the run (hang).
    pub hang_after: Duration,
    /// On a hang, exit the process with [`HANG_EXIT`] (the stuck thread cannot be stopped).
    pub exit_on_hang: bool,
    /// Findings are saved under `out_dir/<target>/`.
    pub out_dir: PathBuf,
}

/// The exit code of a child process that stopped on a hang.
pub const HANG_EXIT: i32 = 86;

/// What a run of a target in this process did.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Inputs run to the end.
    pub runs: u64,
    /// The index after the last input run.
    pub next: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// What was found.
    pub findings: Findings,
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the panic hook with one that keeps the message for the report instead of printing it.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let mut last = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
        *last = Some(info.to_string());
    }));
}

fn take_panic() -> String {
    LAST_PANIC
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_else(|| "panicked (no message)".into())
}

/// The part of a panic message that says where (`panicked at src/x.rs:1:2:`) and the first
/// words of what, numbers masked, so one bug counts once whatever the input.
fn panic_key(message: &str) -> String {
    let mut lines = message.lines();
    let at = lines.next().unwrap_or_default();
    let what: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .take(6)
        .map(mask_numbers)
        .collect();
    format!("{at} {}", what.join(" ")).trim().to_owned()
}

/// Each run of digits as one `#`, so messages that differ only in numbers read the same.
pub fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// The folder of a target's findings.
pub fn findings_dir(out_dir: &Path, target: &str) -> PathBuf {
    out_dir.join(target)
}

/// Saves an input and a note on how to reproduce it; returns the input's path.
pub fn save_finding(
    out_dir: &Path,
    target: &str,
    kind: Kind,
    seed: u64,
    index: u64,
    input: &[u8],
    message: &str,
) -> Option<PathBuf> {
    let dir = findings_dir(out_dir, target);
    std::fs::create_dir_all(&dir).ok()?;
    let stem = format!("{}-seed{seed}-input{index}", kind.as_str());
    let file = dir.join(format!("{stem}.bin"));
    std::fs::write(&file, input).ok()?;
    let note = format!(
        "target: {target}\nkind: {}\nseed: {seed}\ninput: {index}\nbytes: {}\n\n{message}\n\nreproduce:\n  cargo run --release -p wholeplace-fuzz -- --target {target} --replay {}\n  cargo run --release -p wholeplace-fuzz -- --target {target} --seed {seed} --input {index}\n",
        kind.as_str(),
        input.len(),
        file.display()
    );
    std::fs::write(dir.join(format!("{stem}.txt")), note).ok()?;
    Some(file)
}

/// An event line of a child process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// About to run inputs from this index.
    At(u64),
    /// A finding: kind, index, saved file (if saved now), key.
    Finding(Kind, u64, Option<PathBuf>, String),
    /// Finished; the next index.
    Done(u64),
}

impl Event {
    /// The line (without its newline).
    pub fn line(&self) -> String {
        match self {
            Event::At(i) => format!("at\t{i}"),
            Event::Finding(k, i, f, key) => format!(
                "finding\t{}\t{i}\t{}\t{key}",
                k.as_str(),
                f.as_ref()
                    .map(|f| f.display().to_string())
                    .unwrap_or_default()
            ),
            Event::Done(i) => format!("done\t{i}"),
        }
    }

    /// Reads a line.
    pub fn parse(line: &str) -> Option<Event> {
        let mut it = line.splitn(5, '\t');
        match it.next()? {
            "at" => Some(Event::At(it.next()?.parse().ok()?)),
            "done" => Some(Event::Done(it.next()?.parse().ok()?)),
            "finding" => {
                let kind = Kind::parse(it.next()?)?;
                let index = it.next()?.parse().ok()?;
                let file = it.next()?;
                let key = it.next().unwrap_or_default().to_owned();
                let file = (!file.is_empty()).then(|| PathBuf::from(file));
                Some(Event::Finding(kind, index, file, key))
            }
            _ => None,
        }
    }
}

struct Shared {
    /// The input running, and since when (nanoseconds after `base`, 0 when none is running).
    current: AtomicU64,
    started: AtomicU64,
    finished: AtomicBool,
    base: Instant,
}

/// Runs a target in this process: a worker thread with the target's stack runs the inputs; this
/// thread watches for hangs. Events go to `events` as they happen.
pub fn run_here(
    generator: Arc<Generator>,
    config: &RunConfig,
    events: Arc<Mutex<dyn Write + Send>>,
) -> Stats {
    let shared = Arc::new(Shared {
        current: AtomicU64::new(config.start),
        started: AtomicU64::new(0),
        finished: AtomicBool::new(false),
        base: Instant::now(),
    });
    let emit = {
        let events = Arc::clone(&events);
        move |e: Event| {
            let mut w = events.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(w, "{}", e.line());
            let _ = w.flush();
        }
    };
    let worker = {
        let generator = Arc::clone(&generator);
        let shared = Arc::clone(&shared);
        let config = config.clone();
        let emit = emit.clone();
        std::thread::Builder::new()
            .name(format!("fuzz-{}", generator.target().name))
            .stack_size(generator.target().stack_bytes)
            .spawn(move || worker(&generator, &config, &shared, &emit))
    };
    let Ok(worker) = worker else {
        return Stats::default();
    };
    // Watch for a hang.
    loop {
        if worker.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        let started = shared.started.load(Ordering::SeqCst);
        if started == 0 {
            continue;
        }
        let now = shared.base.elapsed().as_nanos() as u64;
        let took = Duration::from_nanos(now.saturating_sub(started));
        if took > config.hang_after && shared.started.load(Ordering::SeqCst) == started {
            let i = shared.current.load(Ordering::SeqCst);
            let input = generator.input(i);
            let name = generator.target().name;
            let message = format!(
                "input {i} of {name} had not finished after {:.1} s",
                took.as_secs_f64()
            );
            let file = save_finding(
                &config.out_dir,
                name,
                Kind::Hang,
                config.seed,
                i,
                &input,
                &message,
            );
            let key = format!("no end after {} s", config.hang_after.as_secs());
            emit(Event::Finding(Kind::Hang, i, file.clone(), key.clone()));
            if config.exit_on_hang {
                std::process::exit(HANG_EXIT);
            }
            // The stuck thread is left behind; the run of this target ends here.
            let mut findings = Findings::default();
            findings.add(Kind::Hang, &key, i, file);
            shared.finished.store(true, Ordering::SeqCst);
            return Stats {
                runs: i - config.start,
                next: i + 1,
                elapsed: shared.base.elapsed(),
                findings,
            };
        }
    }
    worker.join().unwrap_or_default()
}

fn worker(
    generator: &Generator,
    config: &RunConfig,
    shared: &Shared,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> Stats {
    let target = generator.target();
    let deadline = Instant::now() + config.duration;
    let mut stats = Stats::default();
    let mut i = config.start;
    let every = config.checkpoint_every.max(1);
    loop {
        if config.max_inputs.is_some_and(|m| i - config.start >= m)
            || (i - config.start).is_multiple_of(16) && Instant::now() >= deadline
        {
            break;
        }
        if (i - config.start).is_multiple_of(every) {
            emit(Event::At(i));
        }
        let input = generator.input(i);
        shared.current.store(i, Ordering::SeqCst);
        let t0 = Instant::now();
        shared.started.store(
            shared.base.elapsed().as_nanos() as u64 + 1,
            Ordering::SeqCst,
        );
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        shared.started.store(0, Ordering::SeqCst);
        let took = t0.elapsed();
        let mut found = |kind: Kind, key: String, message: String| {
            let first = !stats.findings.0.contains_key(&(kind, key.clone()));
            let file = if first {
                save_finding(
                    &config.out_dir,
                    target.name,
                    kind,
                    config.seed,
                    i,
                    &input,
                    &message,
                )
            } else {
                None
            };
            stats.findings.add(kind, &key, i, file.clone());
            emit(Event::Finding(kind, i, file, key));
        };
        if result.is_err() {
            let message = take_panic();
            found(Kind::Panic, panic_key(&message), message);
        }
        if took > config.slow_after {
            let secs = took.as_secs_f64();
            found(
                Kind::Slow,
                format!("over {:.1} s", config.slow_after.as_secs_f64()),
                format!("input {i} took {secs:.2} s ({} bytes)", input.len()),
            );
        }
        i += 1;
        stats.runs += 1;
    }
    stats.next = i;
    stats.elapsed = shared.base.elapsed();
    shared.finished.store(true, Ordering::SeqCst);
    emit(Event::Done(i));
    stats
}
