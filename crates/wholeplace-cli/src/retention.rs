//! `wholeplace retention`: what the retention rules dispose of, as the machine's operator. A dry
//! run unless `--apply`; either way the run is recorded in the audit log. It prints counts only,
//! by class of data and by family id, never a name.

use clap::Args;
use wholeplace_service::clock::day_of;
use wholeplace_service::{Actor, RetentionReport, ServiceError};

/// Options of `wholeplace retention`.
#[derive(Args, Debug)]
pub struct RetentionArgs {
    /// Dispose of the records past their retention period (without it: a dry run that changes
    /// nothing).
    #[arg(long)]
    apply: bool,
    /// Measure the periods to this day instead of today (UTC), such as 2030-04-01; with
    /// --apply, today or an earlier day only.
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(errs) => anyhow::anyhow!(
            "{}",
            errs.iter()
                .map(|e| match e.field.as_str() {
                    "today" => format!("--today: {}", e.message),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n       ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// The report as lines of text: counts, class keys and family ids only.
fn render(r: &RetentionReport) -> String {
    let mut lines = vec![if r.applied {
        format!(
            "Disposed of the records past their retention period as of {}:",
            r.today
        )
    } else {
        format!(
            "Dry run as of {}: nothing was disposed of (run with --apply to dispose of these records)",
            r.today
        )
    }];
    if r.rules == 0 {
        lines.push(
            "  no retention rules: every record is kept (set rules at /privacy/retention)".into(),
        );
    }
    lines.push(format!(
        "  {} rule(s); {} family(ies) on legal hold, whose records are kept",
        r.rules, r.holds
    ));
    lines.push(format!(
        "  past their period: {} involvement(s), {} event(s)",
        r.involvements, r.events
    ));
    if r.total() > 0 {
        lines.push("  by class of data:".into());
        lines.extend(
            r.by_class
                .iter()
                .map(|(c, n)| format!("    {:<20}{n:>6}", c.as_str())),
        );
        lines.push("  by family id:".into());
        lines.extend(r.by_household.iter().map(|(h, n)| {
            let family = h.map_or_else(|| "in no family".to_owned(), |h| format!("family {h}"));
            format!("    {family:<20}{n:>6}")
        }));
    }
    lines.join("\n") + "\n"
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: RetentionArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let today = args.today.unwrap_or_else(|| day_of(service.now()));
    let result = service
        .retention_report(&Actor::operator(), &today, args.apply)
        .await;
    store.close().await;
    print!("{}", render(&result.map_err(explain)?));
    Ok(())
}
