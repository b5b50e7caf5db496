//! `wholeplace pb`: participatory budgeting from the command line, so a result can be checked
//! outside the web application. `pb results FILE.pb` counts a pabulib file; `pb check FILE.pb`
//! lists the pabulib checker's errors.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use wholeplace_pb::{Lot, Rule};

#[derive(Debug, Clone, Args)]
pub struct PbArgs {
    #[command(subcommand)]
    pub command: PbCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PbCommand {
    /// Count a pabulib .pb file: the funded projects, each project's support and cost, and where
    /// the voters' shares of a project left out went.
    Results(ResultsArgs),
    /// List the pabulib checker's errors in a .pb file (none: the file is valid).
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    #[value(name = "greedy")]
    Greedy,
    #[value(name = "equalshares")]
    EqualShares,
    #[value(name = "equalshares/add1")]
    EqualSharesAdd1,
    #[value(name = "equalshares/add1-comparison")]
    EqualSharesAdd1Comparison,
}

impl From<RuleArg> for Rule {
    fn from(r: RuleArg) -> Rule {
        match r {
            RuleArg::Greedy => Rule::Greedy,
            RuleArg::EqualShares => Rule::EqualShares,
            RuleArg::EqualSharesAdd1 => Rule::EqualSharesAdd1,
            RuleArg::EqualSharesAdd1Comparison => Rule::EqualSharesAdd1Comparison,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(Debug, Clone, Args)]
pub struct ResultsArgs {
    /// The election, a pabulib .pb file.
    pub file: PathBuf,
    /// The rule (default: the file's META `rule`, else equalshares/add1).
    #[arg(long, env = "WHOLEPLACE_PB_RULE")]
    pub rule: Option<RuleArg>,
    /// Seed for the lot that breaks a tie left after cost and votes (without it such a tie is an error).
    #[arg(long, env = "WHOLEPLACE_PB_SEED")]
    pub seed: Option<u64>,
    #[arg(long, env = "WHOLEPLACE_PB_FORMAT", default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The pabulib .pb file.
    pub file: PathBuf,
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

pub fn run(args: &PbArgs) -> anyhow::Result<()> {
    match &args.command {
        PbCommand::Results(a) => results(a),
        PbCommand::Check(a) => {
            let errors = wholeplace_pb::check::check(&read(&a.file)?);
            for e in &errors {
                println!("{}: {}", e.kind, e.detail);
            }
            anyhow::ensure!(
                errors.is_empty(),
                "{} has {} errors",
                a.file.display(),
                errors.len()
            );
            println!("{}: no errors", a.file.display());
            Ok(())
        }
    }
}

fn results(a: &ResultsArgs) -> anyhow::Result<()> {
    let text = read(&a.file)?;
    let election = wholeplace_pb::parse(&text)
        .with_context(|| format!("{} is not a valid .pb file", a.file.display()))?;
    let outcome = wholeplace_pb::results(&election, a.rule.map(Rule::from), &Lot { seed: a.seed })?;
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&outcome)?),
        Format::Text => {
            println!(
                "{} ({} voters): {} of {} projects funded, {} of {} spent",
                outcome.rule.name(),
                outcome.voters,
                outcome.selected.len(),
                outcome.projects.len(),
                outcome.spent,
                outcome.budget
            );
            for p in &outcome.projects {
                let mark = if p.selected { "funded" } else { "not funded" };
                println!(
                    "{}\t{mark}\tcost {}\tvotes {}\tsupport {:.2}",
                    p.id, p.cost, p.votes, p.effective_support
                );
            }
        }
    }
    Ok(())
}
