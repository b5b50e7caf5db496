//! The harness itself, tested: every target runs for a moment without the harness failing,
//! a panicking parser and a slow one are found and saved, and inputs are reproducible.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wholeplace_fuzz::mutate::Grammar;
use wholeplace_fuzz::run::{Event, Generator, Kind, RunConfig, Stats, quiet_panics, run_here};
use wholeplace_fuzz::targets::{self, Target};

fn out_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "wholeplace-fuzz-test-{}-{name}",
        std::process::id()
    ))
}

fn config(name: &str, inputs: u64, seconds: f64) -> RunConfig {
    RunConfig {
        seed: 42,
        start: 0,
        max_inputs: Some(inputs),
        duration: Duration::from_secs_f64(seconds),
        checkpoint_every: 64,
        slow_after: Duration::from_secs(1),
        hang_after: Duration::from_secs(30),
        exit_on_hang: false,
        out_dir: out_dir(name),
    }
}

fn run(target: Target, config: &RunConfig) -> (Stats, Vec<Event>) {
    let sink: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let stats = run_here(
        Arc::new(Generator::new(target, config.seed)),
        config,
        sink.clone(),
    );
    let text =
        String::from_utf8(sink.lock().map(|v| v.clone()).unwrap_or_default()).unwrap_or_default();
    (stats, text.lines().filter_map(Event::parse).collect())
}

#[test]
fn every_target_runs_its_seeds_and_some_mutations() {
    quiet_panics();
    for t in targets::all() {
        let seeds = (t.seeds)().len() as u64;
        assert!(seeds > 0, "{} has no seeds", t.name);
        let (stats, events) = run(t, &config(t.name, 150, 1.0));
        assert!(
            stats.runs > seeds,
            "{}: only {} inputs ran",
            t.name,
            stats.runs
        );
        assert_eq!(events.last(), Some(&Event::Done(stats.next)), "{}", t.name);
        // Findings are allowed here (they are what docs/FUZZING.md reports), but are shown.
        for f in stats.findings.0.values() {
            eprintln!("{}: {:?} {} (input {})", t.name, f.kind, f.key, f.index);
        }
        let _ = std::fs::remove_dir_all(out_dir(t.name));
    }
    targets::remove_scratch();
}

fn panics_on_boom(data: &[u8]) {
    if data.windows(4).any(|w| w == b"boom") {
        panic!("found boom");
    }
}

fn seeds_boom() -> Vec<Vec<u8>> {
    vec![b"fine".to_vec(), b"boom".to_vec()]
}

fn sleepy(data: &[u8]) {
    if data == b"slow" {
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn seeds_slow() -> Vec<Vec<u8>> {
    vec![b"slow".to_vec(), b"quick".to_vec()]
}

fn fake(name: &'static str, run: fn(&[u8]), seeds: fn() -> Vec<Vec<u8>>) -> Target {
    Target {
        name,
        entry: "test",
        stack_bytes: 1 << 20,
        grammar: Grammar::PLAIN,
        seeds,
        structured: None,
        run,
    }
}

#[test]
fn a_panic_is_caught_counted_once_and_saved_with_how_to_reproduce_it() {
    quiet_panics();
    let cfg = config("boom", 200, 5.0);
    let (stats, events) = run(fake("boom", panics_on_boom, seeds_boom), &cfg);
    assert_eq!(stats.runs, 200);
    assert_eq!(stats.findings.len(), 1);
    let f = stats.findings.0.values().next().cloned();
    let f = f.expect("one finding");
    assert_eq!(f.kind, Kind::Panic);
    assert_eq!(f.index, 1, "the second seed panics");
    assert!(f.key.contains("smoke.rs"), "{}", f.key);
    assert!(f.count >= 1);
    let file = f.file.expect("saved");
    assert_eq!(std::fs::read(&file).ok(), Some(b"boom".to_vec()));
    let note = std::fs::read_to_string(file.with_extension("txt")).unwrap_or_default();
    assert!(note.contains("--seed 42 --input 1"), "{note}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Finding(Kind::Panic, 1, Some(_), _)))
    );
    let _ = std::fs::remove_dir_all(out_dir("boom"));
}

#[test]
fn a_slow_input_is_a_finding() {
    quiet_panics();
    let mut cfg = config("slow", 2, 5.0);
    cfg.slow_after = Duration::from_millis(100);
    let (stats, _) = run(fake("slow", sleepy, seeds_slow), &cfg);
    let kinds: Vec<Kind> = stats.findings.0.values().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![Kind::Slow]);
    let _ = std::fs::remove_dir_all(out_dir("slow"));
}

#[test]
fn a_hang_stops_the_run_and_is_saved() {
    quiet_panics();
    fn stuck(data: &[u8]) {
        if data == b"slow" {
            std::thread::sleep(Duration::from_secs(3));
        }
    }
    let mut cfg = config("hang", 10, 5.0);
    cfg.hang_after = Duration::from_millis(200);
    let (stats, _) = run(fake("hang", stuck, seeds_slow), &cfg);
    let f: Vec<_> = stats.findings.0.values().collect();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].kind, f[0].index), (Kind::Hang, 0));
    assert!(f[0].file.as_ref().is_some_and(|p| p.exists()));
    let _ = std::fs::remove_dir_all(out_dir("hang"));
}

#[test]
fn an_input_is_made_again_from_its_seed_and_index() {
    for t in targets::all() {
        let a = Generator::new(t, 7);
        let b = Generator::new(t, 7);
        for i in [0, 5, 100, 1234] {
            assert_eq!(a.input(i), b.input(i), "{} input {i}", t.name);
        }
    }
}
