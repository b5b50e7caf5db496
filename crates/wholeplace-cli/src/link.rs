//! `wholeplace link` and `wholeplace synth`: their options (every one can also be set from a
//! WHOLEPLACE_ variable), progress and notes on standard error, and the calls to the
//! linkage-job library that read the inputs and write the outputs.

use std::path::PathBuf;
use std::sync::Mutex;

use clap::{Args, ValueEnum};
use wholeplace_linkage::{LinkType, Progress};
use wholeplace_linkage_job::{JobProgress, LinkOptions, LinkOutcome, SynthOptions};

/// Dedupe or link, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Find duplicates within and across all inputs.
    Dedupe,
    /// Only link records of different inputs (agencies' extracts).
    Link,
}

/// `wholeplace link`: link or deduplicate person records.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// Configuration file (TOML); without one, columns are recognised from the headers.
    #[arg(long, env = "WHOLEPLACE_LINK_CONFIG")]
    pub config: Option<PathBuf>,
    /// CSV files to link (one per agency) or deduplicate.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Directory for pairs.csv, clusters.csv, weak_links.csv and report.html.
    #[arg(
        long,
        env = "WHOLEPLACE_LINK_OUTPUT_DIR",
        default_value = "linkage-output"
    )]
    pub output_dir: PathBuf,
    /// Deduplicate or link (overrides the configuration; default dedupe).
    #[arg(long, value_enum, env = "WHOLEPLACE_LINK_MODE")]
    pub mode: Option<Mode>,
    /// Match probability at which records are joined (overrides the configuration; default 0.5).
    #[arg(long, env = "WHOLEPLACE_LINK_THRESHOLD")]
    pub threshold: Option<f64>,
    /// Save the trained model (settings and parameters) as JSON here.
    #[arg(long, env = "WHOLEPLACE_LINK_SAVE_MODEL")]
    pub save_model: Option<PathBuf>,
    /// Use this saved model instead of training.
    #[arg(long, env = "WHOLEPLACE_LINK_MODEL")]
    pub model: Option<PathBuf>,
    /// Use a Splink settings JSON (with trained m and u) unchanged instead of training.
    #[arg(long, env = "WHOLEPLACE_LINK_SPLINK_SETTINGS")]
    pub splink_settings: Option<PathBuf>,
    /// Encode the inputs' identifiers with the secret key into <output-dir>/<name>.encoded.csv
    /// instead of linking (run by each agency locally).
    #[arg(long, env = "WHOLEPLACE_LINK_ENCODE", requires = "key_file")]
    pub encode: bool,
    /// The inputs are encoded files (from --encode); link them without seeing identifiers.
    #[arg(long, env = "WHOLEPLACE_LINK_ENCODED", conflicts_with = "encode")]
    pub encoded: bool,
    /// File holding the shared secret key (at least 16 bytes) for --encode.
    #[arg(long, env = "WHOLEPLACE_LINK_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// clusters.csv of an earlier run: link the inputs into those entities, keeping their ids
    /// (needs --model). The earlier run's inputs must be given first, in the same order.
    #[arg(long, env = "WHOLEPLACE_LINK_EXISTING_CLUSTERS", requires = "model")]
    pub existing_clusters: Option<PathBuf>,
    /// Truth file (CSV: source, record_id, entity) to measure accuracy against.
    #[arg(long, env = "WHOLEPLACE_LINK_TRUTH")]
    pub truth: Option<PathBuf>,
    /// Split weak clusters at their weak links before writing clusters.
    #[arg(long, env = "WHOLEPLACE_LINK_SPLIT_WEAK")]
    pub split_weak: bool,
    /// Print nothing but errors.
    #[arg(long, short, env = "WHOLEPLACE_LINK_QUIET")]
    pub quiet: bool,
}

/// `wholeplace synth`: write synthetic UK-style extracts with known truth.
#[derive(Debug, Clone, Args)]
pub struct SynthArgs {
    /// Number of people.
    #[arg(long, env = "WHOLEPLACE_SYNTH_PEOPLE", default_value_t = 10_000)]
    pub people: usize,
    /// Seed: the same seed writes the same files.
    #[arg(long, env = "WHOLEPLACE_SYNTH_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Number of agencies (files).
    #[arg(long, env = "WHOLEPLACE_SYNTH_SOURCES", default_value_t = 1)]
    pub sources: usize,
    /// Probability of each further duplicate of a person within one file (default 0.4 for one
    /// file, 0.1 for several).
    #[arg(long, env = "WHOLEPLACE_SYNTH_DUPLICATE_RATE")]
    pub duplicate_rate: Option<f64>,
    /// Scale of corruption (0 = clean copies, 1 = realistic).
    #[arg(long, env = "WHOLEPLACE_SYNTH_CORRUPTION", default_value_t = 1.0)]
    pub corruption: f64,
    /// Directory for <agency>.csv files and truth.csv.
    #[arg(long, env = "WHOLEPLACE_SYNTH_OUTPUT_DIR", default_value = "synthetic")]
    pub output_dir: PathBuf,
}

/// Progress on stderr: one line per stage step, throttled by the engine; notes unless quiet.
struct StderrProgress {
    quiet: bool,
    last: Mutex<String>,
    start: std::time::Instant,
}

impl Progress for StderrProgress {
    fn stage(&self, name: &str, done: u64, total: u64) {
        if self.quiet {
            return;
        }
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let line = format!("{name}: {pct}%");
        if let Ok(mut l) = self.last.lock()
            && *l != line
        {
            eprintln!("{line} ({:.2} s)", self.start.elapsed().as_secs_f64());
            *l = line;
        }
    }
    fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}

impl JobProgress for StderrProgress {
    fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

impl LinkArgs {
    /// The library's options (all but `--quiet`, which is this command's).
    fn options(&self) -> LinkOptions {
        LinkOptions {
            config: self.config.clone(),
            inputs: self.inputs.clone(),
            output_dir: self.output_dir.clone(),
            mode: self.mode.map(|m| match m {
                Mode::Dedupe => LinkType::Dedupe,
                Mode::Link => LinkType::Link,
            }),
            threshold: self.threshold,
            save_model: self.save_model.clone(),
            model: self.model.clone(),
            splink_settings: self.splink_settings.clone(),
            encode: self.encode,
            encoded: self.encoded,
            key_file: self.key_file.clone(),
            existing_clusters: self.existing_clusters.clone(),
            truth: self.truth.clone(),
            split_weak: self.split_weak,
        }
    }
}

/// Runs `wholeplace link`.
///
/// # Errors
/// With the file, line or key at fault and how to fix it.
pub fn run_link(args: &LinkArgs) -> anyhow::Result<()> {
    let progress = StderrProgress {
        quiet: args.quiet,
        last: Mutex::new(String::new()),
        start: std::time::Instant::now(),
    };
    let outcome = wholeplace_linkage_job::link(&args.options(), &progress)?;
    let dir = args.output_dir.display();
    progress.note(&match outcome {
        LinkOutcome::Encoded { records } => format!("wrote {records} encoded records to {dir}"),
        LinkOutcome::Linked {
            records,
            entities,
            households,
            weak_links,
        } => format!(
            "{records} records, {entities} entities, {households} households, {weak_links} weak links; wrote {dir}"
        ),
    });
    Ok(())
}

/// Runs `wholeplace synth`.
///
/// # Errors
/// When an option is out of range or the output directory cannot be written.
pub fn run_synth(args: &SynthArgs) -> anyhow::Result<()> {
    let records = wholeplace_linkage_job::synth(&SynthOptions {
        people: args.people,
        seed: args.seed,
        sources: args.sources,
        duplicate_rate: args.duplicate_rate,
        corruption: args.corruption,
        output_dir: args.output_dir.clone(),
    })?;
    eprintln!(
        "wrote {records} records of {} people to {}",
        args.people,
        args.output_dir.display()
    );
    Ok(())
}
