//! `wholeplace linking`: agencies' extracts into staging and the linkage run, as the machine's
//! operator. `linking import --agency ID --class identity FILE` stages an extract for a
//! partnership's linkage (refused without an agreement in force covering it for linkage, or
//! when the agency is not a member of the partnership); `linking run` links the records staged
//! for a partnership into people and households with progress on standard error. Each takes
//! `--partnership ID`, which may be left out when there is only one. Prints counts only.

use clap::{Args, Subcommand};
use wholeplace_service::extracts::{ExtractFile, ExtractForm};
use wholeplace_service::{Actor, ServiceError};

/// Options of `wholeplace linking`.
#[derive(Args, Debug)]
pub struct LinkingArgs {
    #[command(subcommand)]
    command: LinkingCommand,
}

#[derive(Subcommand, Debug)]
enum LinkingCommand {
    /// Stage an agency's extract (CSV or XLSX) for linkage.
    Import {
        /// The partnership whose linkage the extract is for (see /partnerships); may be left
        /// out when there is only one.
        #[arg(long)]
        partnership: Option<String>,
        /// The agency's id (see /agencies); a member of the partnership.
        #[arg(long)]
        agency: String,
        /// The class of data, such as identity.
        #[arg(long, default_value = "identity")]
        class: String,
        /// A column for a field, as FIELD=COLUMN (given_name, family_name, date_of_birth, sex,
        /// house_number, street, town, postcode, nhs_number, ni_number, record_id); repeatable.
        #[arg(long = "column", value_name = "FIELD=COLUMN")]
        columns: Vec<String>,
        /// The extract.
        file: std::path::PathBuf,
    },
    /// Link the records staged for a partnership into people and households, and queue the
    /// uncertain pairs.
    Run {
        /// The partnership (see /partnerships); may be left out when there is only one.
        #[arg(long)]
        partnership: Option<String>,
    },
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(errs) => anyhow::anyhow!(
            "{}",
            errs.iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("\n       ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Runs `wholeplace linking`.
pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: LinkingArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let op = Actor::operator();
    let result = match args.command {
        LinkingCommand::Import {
            partnership,
            agency,
            class,
            columns,
            file,
        } => {
            let form = ExtractForm {
                partnership_id: partnership.unwrap_or_default(),
                agency_id: agency,
                data_class: class,
                columns: columns
                    .iter()
                    .filter_map(|c| c.split_once('='))
                    .map(|(f, c)| (f.to_owned(), c.to_owned()))
                    .collect(),
            };
            let name = file.display().to_string();
            let bytes = std::fs::read(&file)?;
            let done = service
                .import_extract(&op, &form, &ExtractFile { name, bytes })
                .await;
            done.map(|d| format!("Staged {} records as extract {}\n", d.records, d.id))
        }
        LinkingCommand::Run { partnership } => match partnership_arg(partnership.as_deref()) {
            Ok(p) => link(&service, &op, p).await,
            Err(e) => Err(e),
        },
    };
    store.close().await;
    print!("{}", result.map_err(explain)?);
    Ok(())
}

/// `--partnership` as an id.
fn partnership_arg(
    raw: Option<&str>,
) -> Result<Option<wholeplace_domain::PartnershipId>, ServiceError> {
    use wholeplace_domain::RecordId;
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .map(|n| Some(wholeplace_domain::PartnershipId::from_raw(n)))
            .ok_or_else(|| {
                ServiceError::Validation(vec![wholeplace_service::FieldError::new(
                    "partnership",
                    format!(
                        "--partnership {t}: give the partnership's number, such as --partnership 1"
                    ),
                )])
            }),
    }
}

async fn link(
    service: &wholeplace_service::Service,
    op: &Actor,
    partnership: Option<wholeplace_domain::PartnershipId>,
) -> Result<String, ServiceError> {
    let run = service.start_linking(op, partnership).await?;
    let mut last = String::new();
    service
        .wait_for_linking(|p| {
            let line = if p.total > 0 {
                format!("{}: {} of {}", p.stage, p.done, p.total)
            } else {
                p.stage.clone()
            };
            if line != last {
                eprintln!("  {line}");
                last = line;
            }
        })
        .await;
    let overview = service.linking_overview(op, partnership).await?;
    let r = overview
        .runs
        .iter()
        .find(|r| r.id == run)
        .ok_or(ServiceError::NotFound)?;
    let c = &r.counts;
    Ok(format!(
        "Run {run} {}: {} records, {} people ({} new), {} households, {} pairs to review; expected false matches {}, missed matches {}\n",
        r.state.as_str(),
        c.records,
        c.people,
        c.new_people,
        c.households,
        c.queued,
        c.expected_false,
        c.expected_missed
    ))
}
