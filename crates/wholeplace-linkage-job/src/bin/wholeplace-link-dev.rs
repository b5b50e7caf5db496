//! A development entry point for `link` and `synth` until they are wired into `wholeplace`.

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
