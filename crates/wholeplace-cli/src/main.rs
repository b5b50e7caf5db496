//! `wholeplace`: the one binary. Each subcommand parses its options here and calls the service
//! layer (or an engine's library: appraisal reports, record linkage); this is the only crate
//! that names the storage adapter, parses a command line or prints.

mod appraise;
mod audit;
mod data;
mod demo;
mod demo_family;
mod demo_outcomes;
mod demo_soft;
mod link;
mod linking;
mod pb;
mod places;
mod retention;
mod serve;
mod user;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use wholeplace_service::{Service, ServiceConfig, SystemClock};

/// wholeplace: the shared workspace and evidence engine for place-based partnerships.
#[derive(Parser, Debug)]
#[command(name = "wholeplace", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER:PASSWORD@HOST/DB. Default: an SQLite
    /// file in --data-dir.
    #[arg(
        long,
        env = "WHOLEPLACE_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Folder for the embedded SQLite database (used when --database-url is not given).
    #[arg(
        long,
        env = "WHOLEPLACE_DATA_DIR",
        global = true,
        default_value = "var"
    )]
    data_dir: PathBuf,

    /// Log filter, such as `info` or `wholeplace=debug,sqlx=warn`. Logs never hold personal data.
    #[arg(
        long,
        env = "WHOLEPLACE_LOG",
        global = true,
        default_value = "info,sqlx=warn"
    )]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web application (migrates an SQLite database first; creates the first administrator on an empty one).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations (SQLite or PostgreSQL) and exit.
    Migrate,
    /// Manage user accounts.
    User(user::UserArgs),
    /// Check the database: connect, report pending migrations and (SQLite) run an integrity check.
    Check,
    /// The audit log: verify its hash chain.
    Audit(audit::AuditArgs),
    /// Load the demonstration partnership (agencies from the pilots in the source documents).
    Demo(demo::DemoArgs),
    /// Places: import the shipped local authorities, list places.
    Places(places::PlacesArgs),
    /// The resource map's budget lines: import from and export to CSV or XLSX.
    Budget(places::BudgetArgs),
    /// Export every place-and-partner record to one XLSX workbook or a folder of CSV files.
    Export(data::ExportArgs),
    /// Import a workbook or CSV files in the export's shape (all or nothing, or --skip-invalid).
    Import(data::ImportArgs),
    /// Write the grants for 360Giving: the standard's JSON package (.json) or its spreadsheet
    /// columns (.csv), with the publisher's prefix and the organisations' identifiers.
    Grants(data::GrantsArgs),
    /// Dispose of records past their retention period: a dry run unless --apply.
    Retention(retention::RetentionArgs),
    /// Stage agencies' extracts and link them into people and households.
    Linking(linking::LinkingArgs),
    /// Appraise a model file: the cost-benefit case by agency (HM Treasury Green Book method).
    Appraise(appraise::AppraiseArgs),
    /// Search and show the unit-cost library (GMCA Unit Cost Database v1.4), or check a local one.
    UnitCosts(appraise::UnitCostsArgs),
    /// Link or deduplicate person records from agencies' CSV extracts.
    Link(link::LinkArgs),
    /// Generate synthetic UK-style person records with known truth (test and demo data).
    Synth(link::SynthArgs),
    /// Participatory budgeting: count a pabulib .pb file (greedy or the Method of Equal Shares), check one.
    Pb(pb::PbArgs),
}

/// Where the database is, as a URL, and a description that never shows a password.
pub(crate) fn database_url(
    cli_url: Option<&str>,
    data_dir: &std::path::Path,
) -> anyhow::Result<(String, String)> {
    match cli_url {
        Some(url) => {
            let shown = match url.split_once('@') {
                Some((_, host)) => format!(
                    "{}://…@{host}",
                    url.split("://").next().unwrap_or("postgres")
                ),
                None => url.to_owned(),
            };
            Ok((url.to_owned(), shown))
        }
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
            let path = data_dir.join("wholeplace.db");
            let shown = std::path::absolute(&path)
                .unwrap_or(path.clone())
                .display()
                .to_string();
            Ok((
                wholeplace_store_sql::sqlite_url_for_path(&path),
                format!("SQLite file {shown}"),
            ))
        }
    }
}

/// Opens the store and the service over it, with the default settings.
pub(crate) async fn open_service(
    cli_url: Option<&str>,
    data_dir: &std::path::Path,
    migrate: bool,
) -> anyhow::Result<(Service, wholeplace_store_sql::SqlStore, String)> {
    open_service_with(cli_url, data_dir, migrate, ServiceConfig::default()).await
}

/// Opens the store and the service over it.
pub(crate) async fn open_service_with(
    cli_url: Option<&str>,
    data_dir: &std::path::Path,
    migrate: bool,
    config: ServiceConfig,
) -> anyhow::Result<(Service, wholeplace_store_sql::SqlStore, String)> {
    let (url, shown) = database_url(cli_url, data_dir)?;
    let backend = wholeplace_store_sql::Backend::of_url(&url)?;
    // SQLite is migrated on every start; PostgreSQL only by `wholeplace migrate`, unless asked.
    let migrate = migrate || backend == wholeplace_store_sql::Backend::Sqlite;
    let store = wholeplace_store_sql::open(
        &url,
        &wholeplace_store_sql::OpenOptions {
            migrate,
            max_connections: 8,
        },
    )
    .await
    .with_context(|| format!("opening the database ({shown})"))?;
    let service = Service::new(Arc::new(store.clone()), Arc::new(SystemClock), config);
    Ok((service, store, shown))
}

async fn blocking(job: impl FnOnce() -> anyhow::Result<()> + Send + 'static) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(job)
        .await
        .context("the job stopped unexpectedly")?
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url.as_deref();
    match cli.command {
        Command::Serve(args) => serve::run(url, &cli.data_dir, args).await,
        Command::Migrate => {
            let (_, store, shown) = open_service(url, &cli.data_dir, false).await?;
            let applied = store.migrate().await?;
            if applied.is_empty() {
                println!("{shown}: up to date, no migrations to apply");
            } else {
                println!("{shown}: applied migrations {applied:?}");
            }
            store.close().await;
            Ok(())
        }
        Command::Check => {
            let (_, store, shown) = open_service(url, &cli.data_dir, false).await?;
            let result = store
                .integrity_check()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let journal = store
                .journal_mode()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.close().await;
            println!(
                "{shown}: integrity {result}{}",
                journal
                    .map(|j| format!(", journal mode {j}"))
                    .unwrap_or_default()
            );
            if result != "ok" {
                anyhow::bail!("the database failed its integrity check: restore it from a backup");
            }
            Ok(())
        }
        Command::User(args) => user::run(url, &cli.data_dir, args).await,
        Command::Audit(args) => audit::run(url, &cli.data_dir, args).await,
        Command::Demo(args) => demo::run(url, &cli.data_dir, args).await,
        Command::Places(args) => places::run_places(url, &cli.data_dir, args).await,
        Command::Budget(args) => places::run_budget(url, &cli.data_dir, args).await,
        Command::Grants(args) => data::run_grants(url, &cli.data_dir, args).await,
        Command::Export(args) => data::run_export(url, &cli.data_dir, args).await,
        Command::Import(args) => data::run_import(url, &cli.data_dir, args).await,
        Command::Retention(args) => retention::run(url, &cli.data_dir, args).await,
        Command::Linking(args) => linking::run(url, &cli.data_dir, args).await,
        // The engines' jobs are synchronous and CPU-bound: run them off the async workers.
        Command::Appraise(args) => blocking(move || appraise::run_appraise(&args)).await,
        Command::UnitCosts(args) => blocking(move || appraise::run_unit_costs(&args)).await,
        Command::Link(args) => blocking(move || link::run_link(&args)).await,
        Command::Synth(args) => blocking(move || link::run_synth(&args)).await,
        Command::Pb(args) => blocking(move || pb::run(&args)).await,
    }
}
