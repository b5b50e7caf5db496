//! `wholeplace export` and `wholeplace import`: every place-and-partner record (agencies, places,
//! relations, profiles, coverage, contacts, partnerships, projects, budget lines, grants and their
//! changes) as one XLSX workbook or one CSV file per sheet, in the same shape both ways.

use crate::places::explain;
use anyhow::{Context, anyhow, bail};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wholeplace_service::dataset::{
    SHEETS, dataset_xlsx, read_dataset_workbook, sheet_for_headers, sheet_named,
};
use wholeplace_service::{Actor, ServiceError};
use wholeplace_tabular::Table;

/// Options of `wholeplace export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Where to write: a .xlsx workbook with a sheet per kind of record, or a folder that gets one
    /// CSV file per sheet (agencies.csv, places.csv, budget-lines.csv ...).
    pub target: PathBuf,
}

/// Options of `wholeplace import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A .xlsx workbook as exported, or CSV files named after their sheets (places.csv,
    /// budget-lines.csv ...; a CSV with another name is matched to a sheet by its header row).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the valid rows and skip invalid ones (otherwise one bad row writes nothing).
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: the folder for the refused rows, one CSV per sheet with a reason column.
    #[arg(long, default_value = "rejected")]
    pub rejected: PathBuf,
}

/// Options of `wholeplace grants`.
#[derive(Args, Debug)]
pub struct GrantsArgs {
    /// Where to write: a .json file gets the 360Giving JSON package (grants, licence, publisher),
    /// a .csv file the standard's spreadsheet columns.
    pub target: PathBuf,
}

fn csv_name(sheet: &str) -> String {
    format!("{}.csv", sheet.to_lowercase().replace(' ', "-"))
}

fn read_files(files: &[PathBuf]) -> anyhow::Result<Vec<(String, Table)>> {
    let mut sheets = Vec::new();
    for f in files {
        let is_xlsx = f
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if is_xlsx {
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            sheets.extend(
                read_dataset_workbook(&bytes).map_err(|e| anyhow!("{}: {e}", f.display()))?,
            );
            continue;
        }
        let text = std::fs::read_to_string(f).with_context(|| {
            format!("cannot read {} (CSV files must be UTF-8 text)", f.display())
        })?;
        let table =
            wholeplace_tabular::read_csv(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?;
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let def = sheet_named(stem).or_else(|| sheet_for_headers(&table.headers)).ok_or_else(|| {
            anyhow!(
                "{}: cannot tell which sheet this is: name the file after its sheet ({}) or give it that sheet's header row",
                f.display(),
                SHEETS.iter().map(|s| csv_name(s.name)).collect::<Vec<_>>().join(", ")
            )
        })?;
        sheets.push((def.name.to_owned(), table));
    }
    Ok(sheets)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub async fn run_export(
    url: Option<&str>,
    data_dir: &Path,
    args: ExportArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let result = async {
        let tables = service
            .export_dataset(&Actor::operator())
            .await
            .map_err(explain)?;
        let rows: usize = tables.iter().map(|(_, t)| t.rows.len()).sum();
        if args
            .target
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            write(&args.target, &dataset_xlsx(&tables).map_err(explain)?)?;
        } else if args.target.extension().is_some() {
            bail!("name a .xlsx workbook, or a folder for CSV files");
        } else {
            std::fs::create_dir_all(&args.target)
                .with_context(|| format!("cannot create the folder {}", args.target.display()))?;
            for (def, t) in &tables {
                write(
                    &args.target.join(csv_name(def.name)),
                    wholeplace_tabular::write_csv(t).as_bytes(),
                )?;
            }
        }
        println!(
            "exported {rows} rows in {} sheets to {}",
            tables.len(),
            args.target.display()
        );
        Ok(())
    }
    .await;
    store.close().await;
    result
}

pub async fn run_import(
    url: Option<&str>,
    data_dir: &Path,
    args: ImportArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let result = async {
        let started = Instant::now();
        let sheets = read_files(&args.files)?;
        let rows: usize = sheets.iter().map(|(_, t)| t.rows.len()).sum();
        eprintln!(
            "read {rows} rows from {} sheets; checking them…",
            sheets.len()
        );
        let outcome = service
            .import_dataset(&Actor::operator(), &sheets, args.skip_invalid)
            .await
            .map_err(|e| match e {
                ServiceError::Validation(_) => {
                    anyhow!("nothing was imported:\n       {}", explain(e))
                }
                other => explain(other),
            })?;
        for (sheet, n) in outcome.counts.written.iter().filter(|(_, n)| *n > 0) {
            println!("{sheet:<26} {n:>8}");
        }
        if outcome.counts.already_present > 0 {
            println!(
                "{} budget lines or grants were already there and were left as they are",
                outcome.counts.already_present
            );
        }
        println!("imported in {:.1} s", started.elapsed().as_secs_f64());
        if !outcome.rejected.is_empty() {
            std::fs::create_dir_all(&args.rejected)
                .with_context(|| format!("cannot create the folder {}", args.rejected.display()))?;
            for (sheet, t) in &outcome.rejected {
                let path = args.rejected.join(csv_name(sheet));
                write(&path, wholeplace_tabular::write_csv(t).as_bytes())?;
                println!(
                    "{} invalid rows of {sheet} were skipped: they are in {} with a reason column",
                    t.rows.len(),
                    path.display()
                );
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}

pub async fn run_grants(
    url: Option<&str>,
    data_dir: &Path,
    args: GrantsArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let result = async {
        let op = Actor::operator();
        let ext = args
            .target
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase);
        let grants = match ext.as_deref() {
            Some("json") => {
                let package = service
                    .grants_360giving_package(&op)
                    .await
                    .map_err(explain)?;
                let n = package["grants"].as_array().map_or(0, Vec::len);
                write(&args.target, serde_json::to_string_pretty(&package)?.as_bytes())?;
                n
            }
            Some("csv") => {
                let table = service.grants_360giving(&op).await.map_err(explain)?;
                write(&args.target, wholeplace_tabular::write_csv(&table).as_bytes())?;
                table.rows.len()
            }
            _ => bail!(
                "{}: name a .json file (the 360Giving JSON package) or a .csv file (its spreadsheet columns)",
                args.target.display()
            ),
        };
        println!(
            "wrote {grants} grants for 360Giving to {}",
            args.target.display()
        );
        Ok(())
    }
    .await;
    store.close().await;
    result
}
