//! `wholeplace appraise` and `wholeplace unit-costs`: their options (every one can also be set
//! from a WHOLEPLACE_ variable), and the commands themselves: read the files named, call the
//! appraisal-report library, and write its output to a file or standard output.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use wholeplace_appraisal::unitcost::local_unit_costs_from_csv;
use wholeplace_appraisal::{DeflatorSeries, Engine, Query};
use wholeplace_appraisal_report::{
    build_report_from, model_xlsx, read_model, report_html_document, report_json, report_xlsx,
    text_summary,
};

/// Output formats of `appraise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal summary.
    Text,
    /// JSON.
    Json,
    /// Standalone HTML report with charts.
    Html,
    /// XLSX results workbook (needs --output).
    Xlsx,
    /// The model itself as an XLSX model workbook (needs --output): a template to fill in.
    ModelXlsx,
}

/// `wholeplace appraise MODEL`: run an appraisal model.
#[derive(Debug, Clone, Args)]
pub struct AppraiseArgs {
    /// The model file: .toml, or an .xlsx model workbook (see docs/APPRAISAL-MODEL.md).
    #[arg(env = "WHOLEPLACE_APPRAISAL_MODEL")]
    pub model: PathBuf,
    /// Output format.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "WHOLEPLACE_APPRAISAL_FORMAT"
    )]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short, env = "WHOLEPLACE_APPRAISAL_OUTPUT")]
    pub output: Option<PathBuf>,
    /// Monte Carlo draws (0: none).
    #[arg(long, default_value_t = 0, env = "WHOLEPLACE_APPRAISAL_DRAWS")]
    pub draws: u32,
    /// Seed for Monte Carlo (same seed, same result).
    #[arg(long, default_value_t = 1, env = "WHOLEPLACE_APPRAISAL_SEED")]
    pub seed: u64,
    /// Override the model's price base, e.g. 2014/15.
    #[arg(long, env = "WHOLEPLACE_APPRAISAL_PRICE_BASE")]
    pub price_base: Option<String>,
    /// A newer deflator series (CSV with financial_year and index columns).
    #[arg(long, env = "WHOLEPLACE_APPRAISAL_DEFLATORS")]
    pub deflators: Option<PathBuf>,
    /// Keep every Monte Carlo draw in JSON output (memory grows with draws).
    #[arg(long, env = "WHOLEPLACE_APPRAISAL_KEEP_DRAWS")]
    pub keep_draws: bool,
}

/// `wholeplace unit-costs`: browse and import unit costs.
#[derive(Debug, Clone, Args)]
pub struct UnitCostsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: UnitCostsCommand,
}

/// Unit-cost subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum UnitCostsCommand {
    /// Search by words, theme and agency.
    Search {
        /// Words that must all appear.
        #[arg(env = "WHOLEPLACE_UNIT_COSTS_QUERY", default_value = "")]
        query: String,
        /// Theme (Crime, Health, Housing ...).
        #[arg(long, env = "WHOLEPLACE_UNIT_COSTS_THEME")]
        theme: Option<String>,
        /// Agency (NHS, DWP, Police ...).
        #[arg(long, env = "WHOLEPLACE_UNIT_COSTS_AGENCY")]
        agency: Option<String>,
    },
    /// Show one unit cost with every field.
    Show {
        /// The code, e.g. CR1.0.
        #[arg(env = "WHOLEPLACE_UNIT_COSTS_CODE")]
        code: String,
        /// Also show the values uprated to this price base.
        #[arg(long, env = "WHOLEPLACE_UNIT_COSTS_PRICE_BASE")]
        price_base: Option<String>,
    },
    /// Validate a partner's local unit-cost CSV or a deflator CSV and print what would be loaded.
    Import {
        /// The CSV file.
        #[arg(env = "WHOLEPLACE_UNIT_COSTS_FILE")]
        file: PathBuf,
        /// Write a normalised copy here.
        #[arg(long, env = "WHOLEPLACE_UNIT_COSTS_NORMALISED")]
        write: Option<PathBuf>,
    },
}

fn engine(deflators: Option<&PathBuf>) -> anyhow::Result<Engine> {
    let mut e = Engine::shipped().context("reading the shipped unit-cost library")?;
    if let Some(p) = deflators {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        e.load_deflators(DeflatorSeries::from_csv(&p.display().to_string(), &text)?);
    }
    Ok(e)
}

/// Runs `wholeplace appraise`.
pub fn run_appraise(args: &AppraiseArgs) -> anyhow::Result<()> {
    let e = engine(args.deflators.as_ref())?;
    let (file, input) = read_model(&args.model, &e)?;
    let binary = matches!(args.format, Format::Xlsx | Format::ModelXlsx);
    if binary && args.output.is_none() {
        bail!(
            "--format xlsx and --format model-xlsx write a workbook: give the file with --output FILE.xlsx"
        );
    }
    let out: Vec<u8> = if args.format == Format::ModelXlsx {
        model_xlsx(&file).map_err(|m| anyhow::anyhow!(m))?
    } else {
        let report = build_report_from(
            &e,
            file,
            input.source(),
            args.price_base.as_deref(),
            args.draws,
            args.seed,
            args.keep_draws,
        )
        .with_context(|| format!("in {}", args.model.display()))?;
        match args.format {
            Format::Text => text_summary(&report).into_bytes(),
            Format::Json => report_json(&report).into_bytes(),
            Format::Html => report_html_document(&report).into_bytes(),
            Format::Xlsx | Format::ModelXlsx => {
                report_xlsx(&report, report.model.as_ref()).map_err(|m| anyhow::anyhow!(m))?
            }
        }
    };
    match &args.output {
        Some(p) => std::fs::write(p, out).with_context(|| format!("writing {}", p.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&out)
                .context("writing to standard output")?;
        }
    }
    Ok(())
}

/// Runs `wholeplace unit-costs`.
pub fn run_unit_costs(args: &UnitCostsArgs) -> anyhow::Result<()> {
    let e = engine(None)?;
    match &args.command {
        UnitCostsCommand::Search {
            query,
            theme,
            agency,
        } => search_unit_costs(&e, query, theme.as_deref(), agency.as_deref()),
        UnitCostsCommand::Show { code, price_base } => {
            show_unit_cost(&e, code, price_base.as_deref())
        }
        UnitCostsCommand::Import { file, write } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let header = text.lines().next().unwrap_or("").to_ascii_lowercase();
            if header.contains("index") && header.contains("financial_year") {
                import_deflators(file, &text, write.as_deref())
            } else {
                import_local_unit_costs(&e, &text, write.as_deref())
            }
        }
    }
}

/// `unit-costs search`: lists the unit costs that match.
fn search_unit_costs(
    e: &Engine,
    query: &str,
    theme: Option<&str>,
    agency: Option<&str>,
) -> anyhow::Result<()> {
    let hits = e.library.search(&Query {
        text: query.to_owned(),
        theme: theme.map(str::to_owned),
        agency: agency.map(str::to_owned),
    });
    for u in &hits {
        let f = u
            .fiscal
            .map(|f| format!("£{:.2} ({})", f.pounds, f.price_year))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<10} {:<18} {:<22} {:<24} {}",
            u.code, u.theme, f, u.unit, u.description
        );
    }
    println!(
        "{} match(es). {}",
        hits.len(),
        wholeplace_appraisal::ATTRIBUTION
    );
    Ok(())
}

/// `unit-costs show`: one unit cost in full, uprated to `price_base` if given.
fn show_unit_cost(e: &Engine, code: &str, price_base: Option<&str>) -> anyhow::Result<()> {
    let u = e
        .library
        .get(code)
        .with_context(|| wholeplace_appraisal::prepare::unknown_code(&e.library, code))?;
    println!(
        "{} — {}\nTheme: {} / {} / {}\nUnit: {}\nAgency: {} / {}\nRAG: {}\nSource: {}",
        u.code,
        u.description,
        u.theme,
        u.category,
        u.detail,
        u.unit,
        u.agency_level1,
        u.agency_level2,
        u.rag,
        u.source
    );
    for (k, v) in [
        ("Fiscal", u.fiscal),
        ("Economic", u.economic),
        ("Social", u.social),
    ] {
        if let Some(v) = v {
            let up = match price_base {
                Some(pb) => {
                    let y = pb
                        .parse()
                        .map_err(|e| anyhow::anyhow!("--price-base: {e}"))?;
                    let x = e.current.uprate(v, y)?;
                    format!(
                        " = {} in {} prices ({})",
                        x.money(),
                        y,
                        e.current.describe(v.price_year, y)
                    )
                }
                None => String::new(),
            };
            println!("{k}: {} in {} prices{up}", v.money(), v.price_year);
        }
    }
    for p in &u.fiscal_parts {
        println!(
            "  fiscal part: {} to {}{}",
            p.value.money(),
            p.agency,
            if p.transfer {
                " (transfer payment: not public value)"
            } else {
                ""
            }
        );
    }
    println!(
        "Transfer share: {:.1}% ({:?})",
        u.transfer_share * 100.0,
        u.transfer_rule
    );
    if let Some(h) = &u.headline {
        println!("Constituent of: {h}");
    }
    if !u.constituents.is_empty() {
        println!("Constituents: {}", u.constituents.join(", "));
    }
    println!(
        "Comment: {}\n{}",
        u.comment,
        wholeplace_appraisal::ATTRIBUTION
    );
    Ok(())
}

/// `unit-costs import` of a deflator series: summarises it and, with `write`, writes it out.
fn import_deflators(file: &Path, text: &str, write: Option<&Path>) -> anyhow::Result<()> {
    let d = DeflatorSeries::from_csv(&file.display().to_string(), text)?;
    println!(
        "Deflator series: {} years, {} to {}",
        d.index.len(),
        d.first_year().map(|y| y.to_string()).unwrap_or_default(),
        d.last_year().map(|y| y.to_string()).unwrap_or_default()
    );
    if let Some(w) = write {
        let mut out = String::from("financial_year,index,status\n");
        for (y, v) in &d.index {
            out.push_str(&format!(
                "{y},{v},{}\n",
                d.status.get(y).cloned().unwrap_or_default()
            ));
        }
        std::fs::write(w, out)?;
    }
    Ok(())
}

/// `unit-costs import` of local unit costs: lists them and, with `write`, writes them out.
fn import_local_unit_costs(e: &Engine, text: &str, write: Option<&Path>) -> anyhow::Result<()> {
    let local = local_unit_costs_from_csv(text)
        .map_err(|errs| anyhow::anyhow!("{} problem(s):\n  {}", errs.len(), errs.join("\n  ")))?;
    let lib = e
        .library
        .clone()
        .with_local(&local)
        .map_err(|errs| anyhow::anyhow!("{}", errs.join("\n")))?;
    for l in &local {
        println!(
            "{:<12} {:<40} {} {}",
            l.code,
            l.description,
            l.agency,
            l.overrides
                .as_ref()
                .map(|o| format!("(overrides {o})"))
                .unwrap_or_default()
        );
    }
    println!(
        "{} local unit cost(s) would be loaded; library becomes: {}",
        local.len(),
        lib.version
    );
    if let Some(w) = write {
        let mut out = String::from(
            "code,description,unit,theme,agency,fiscal,economic,social,price_year,transfer_share,source,grade,partner,overrides\n",
        );
        let q = wholeplace_appraisal::csvtext::quote;
        let n = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        for l in &local {
            out.push_str(
                &[
                    q(&l.code),
                    q(&l.description),
                    q(&l.unit),
                    q(&l.theme),
                    q(&l.agency),
                    n(l.fiscal),
                    n(l.economic),
                    n(l.social),
                    l.price_year.to_string(),
                    l.transfer_share.to_string(),
                    q(&l.source),
                    l.grade.to_string(),
                    q(&l.partner),
                    q(l.overrides.as_deref().unwrap_or("")),
                ]
                .join(","),
            );
            out.push('\n');
        }
        std::fs::write(w, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

    /// The command line end to end: TOML -> model workbook -> results workbook, and JSON from the
    /// workbook equal to JSON from the TOML.
    #[test]
    fn appraise_writes_and_reads_workbooks() {
        let dir = std::env::temp_dir().join(format!("wholeplace-appraise-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let toml = dir.join("model.toml");
        std::fs::write(&toml, EXAMPLE).expect("write");
        let args = |model: &std::path::Path, format: Format, out: Option<&str>| AppraiseArgs {
            model: model.to_owned(),
            format,
            output: out.map(|o| dir.join(o)),
            draws: 50,
            seed: 4,
            price_base: None,
            deflators: None,
            keep_draws: false,
        };
        run_appraise(&args(&toml, Format::ModelXlsx, Some("model.xlsx"))).expect("model-xlsx");
        let xlsx = dir.join("model.xlsx");
        run_appraise(&args(&xlsx, Format::Xlsx, Some("results.xlsx"))).expect("xlsx");
        run_appraise(&args(&xlsx, Format::Json, Some("from-xlsx.json"))).expect("json");
        run_appraise(&args(&toml, Format::Json, Some("from-toml.json"))).expect("json");
        let read = |n: &str| std::fs::read(dir.join(n)).expect("read");
        assert!(read("results.xlsx").starts_with(b"PK"));
        assert_eq!(read("from-xlsx.json"), read("from-toml.json"));
        let err = run_appraise(&args(&toml, Format::Xlsx, None)).expect_err("needs --output");
        assert!(err.to_string().contains("--output"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
