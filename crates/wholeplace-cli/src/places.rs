//! `wholeplace places ...` and `wholeplace budget import|export`: places and the resource map at
//! the command line, in the same CSV/XLSX shape the web application downloads.

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wholeplace_service::{Actor, ServiceError};
use wholeplace_tabular::Table;

/// Options of `wholeplace places`.
#[derive(Args, Debug)]
pub struct PlacesArgs {
    #[command(subcommand)]
    command: PlacesCommand,
}

#[derive(Subcommand, Debug)]
enum PlacesCommand {
    /// Create (or update) places for the 391 local authorities shipped in data/, with their profiles.
    ImportLocalAuthorities,
    /// List places.
    List,
    /// Add a partner agency.
    AddAgency {
        /// The agency's name.
        name: String,
        /// Its kind, such as county_council, police, nhs_icb, dwp, housing_association, voluntary.
        #[arg(long)]
        kind: String,
    },
}

/// Options of `wholeplace budget`.
#[derive(Args, Debug)]
pub struct BudgetArgs {
    #[command(subcommand)]
    command: BudgetCommand,
}

#[derive(Subcommand, Debug)]
enum BudgetCommand {
    /// Import budget lines from CSV or XLSX (columns: agency, place, service_area, financial_year,
    /// amount, spend_kind, source, confidence). All or nothing unless --skip-invalid.
    Import {
        /// The file (.csv or .xlsx).
        file: PathBuf,
        /// The sheet to read from a workbook.
        #[arg(long, default_value = "Budget lines")]
        sheet: String,
        /// Write the valid rows and put the invalid ones, with a reason column, in --rejected.
        #[arg(long)]
        skip_invalid: bool,
        /// Where to write rejected rows (CSV) with --skip-invalid.
        #[arg(long, default_value = "rejected-budget-lines.csv")]
        rejected: PathBuf,
    },
    /// Export every budget line to CSV or XLSX (by the file's extension), in the import's shape.
    Export {
        /// The file to write (.csv or .xlsx).
        file: PathBuf,
    },
}

pub(crate) fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(list) => anyhow!(
            "{}",
            list.into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
                .join("\n       ")
        ),
        other => anyhow!("{other}"),
    }
}

fn is_xlsx(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Reads a CSV or a workbook's sheet.
pub fn read_table(file: &Path, sheet: &str) -> anyhow::Result<(Table, String)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if is_xlsx(file) {
        let t = wholeplace_tabular::read_xlsx(&bytes, sheet)
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
        Ok((t, format!("{}, sheet '{sheet}'", file.display())))
    } else {
        let text = String::from_utf8(bytes).map_err(|_| {
            anyhow!(
                "{} is not UTF-8 text: save it as 'CSV UTF-8' or use .xlsx",
                file.display()
            )
        })?;
        let t =
            wholeplace_tabular::read_csv(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
        Ok((t, file.display().to_string()))
    }
}

pub async fn run_places(
    url: Option<&str>,
    data_dir: &Path,
    args: PlacesArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let op = Actor::operator();
    let result = async {
        match args.command {
            PlacesCommand::ImportLocalAuthorities => {
                let n = service.import_local_authorities(&op).await.map_err(explain)?;
                println!("{n} local authorities created or updated with their profiles (ONS, MHCLG; OGL v3).");
            }
            PlacesCommand::AddAgency { name, kind } => {
                let id = service.create_agency(&op, &name, &kind).await.map_err(explain)?;
                println!("added agency {id}: {name}");
            }
            PlacesCommand::List => {
                for p in service.list_places(&Actor::operator()).await.map_err(explain)? {
                    println!("{:>6}  {:<14} {:<10} {}", p.id, p.level, p.gss_code.unwrap_or_default(), p.name);
                }
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}

pub async fn run_budget(
    url: Option<&str>,
    data_dir: &Path,
    args: BudgetArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let op = Actor::operator();
    let result = async {
        match args.command {
            BudgetCommand::Import {
                file,
                sheet,
                skip_invalid,
                rejected,
            } => {
                let started = Instant::now();
                let (table, name) = read_table(&file, &sheet)?;
                eprintln!("read {} rows from {name}; checking them…", table.rows.len());
                let outcome = service
                    .import_budget_lines(&op, &name, &table, skip_invalid)
                    .await
                    .map_err(|e| match e {
                        ServiceError::Validation(_) => {
                            anyhow!("nothing was imported:\n       {}", explain(e))
                        }
                        other => explain(other),
                    })?;
                println!(
                    "{} new budget lines, {} already present (left alone), in {:.1} s",
                    outcome.imported,
                    outcome.already_present,
                    started.elapsed().as_secs_f64()
                );
                if !outcome.rejected.rows.is_empty() {
                    std::fs::write(&rejected, wholeplace_tabular::write_csv(&outcome.rejected))
                        .with_context(|| format!("cannot write {}", rejected.display()))?;
                    println!(
                        "{} rows were invalid and skipped: they are in {} with a reason column",
                        outcome.rejected.rows.len(),
                        rejected.display()
                    );
                }
            }
            BudgetCommand::Export { file } => {
                let table = service
                    .export_budget_lines(&Actor::operator())
                    .await
                    .map_err(explain)?;
                let bytes = if is_xlsx(&file) {
                    wholeplace_tabular::write_xlsx(&[("Budget lines", &table, &[4])])
                        .map_err(|e| anyhow!("{e}"))?
                } else if file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                {
                    wholeplace_tabular::write_csv(&table).into_bytes()
                } else {
                    bail!("name the file .csv or .xlsx");
                };
                std::fs::write(&file, bytes)
                    .with_context(|| format!("cannot write {}", file.display()))?;
                println!(
                    "exported {} budget lines to {}",
                    table.rows.len(),
                    file.display()
                );
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}
