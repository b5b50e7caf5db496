//! `wholeplace audit verify`: checks the audit log's hash chain, as the machine's operator
//! (the check is itself recorded in the audit log).

use clap::{Args, Subcommand};
use wholeplace_service::Actor;

/// Options of `wholeplace audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check every entry against the hash chain; exit 1 naming the first entry that does not verify.
    Verify {
        /// A chain hash recorded earlier (from /audit, the CSV export or this command) that must
        /// still be in the log: finds entries removed from its end or a rewritten log.
        #[arg(long, value_name = "HASH")]
        expect: Option<String>,
    },
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: AuditArgs,
) -> anyhow::Result<()> {
    let (service, store, shown) = crate::open_service(url, data_dir, false).await?;
    let result = async {
        match args.command {
            AuditCommand::Verify { expect } => {
                let outcome = service
                    .verify_audit_chain(&Actor::operator(), expect)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                match outcome {
                    Ok(v) => {
                        match v.head {
                            Some(h) => println!(
                                "{} entries verified, latest hash {} (entry {})",
                                v.entries, h.hash, h.id
                            ),
                            None => println!("0 entries verified: the audit log is empty"),
                        }
                        Ok(())
                    }
                    Err(broken) => Err(anyhow::anyhow!(
                        "the audit log of {shown} does not verify: {broken}"
                    )),
                }
            }
        }
    }
    .await;
    store.close().await;
    result
}
