//! `link` and `synth` alone, for benchmarks: it builds without the web and storage stack. Users run
//! the same commands as `wholeplace link` and `wholeplace synth`.

use clap::{Parser, Subcommand};
use wholeplace_linkage_job::{LinkArgs, SynthArgs, run_link, run_synth};

/// Record linkage (development binary).
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Link or deduplicate CSV extracts.
    Link(LinkArgs),
    /// Write synthetic extracts.
    Synth(SynthArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Link(a) => run_link(&a),
        Command::Synth(a) => run_synth(&a),
    }
}
