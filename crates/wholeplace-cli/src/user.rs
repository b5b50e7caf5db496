//! `wholeplace user add|list|disable|enable|reset-password|token`: account management at the command line,
//! as the machine's operator (recorded in the audit log as `cli-operator`).

use clap::{Args, Subcommand};
use wholeplace_service::{Actor, NewUserForm, ServiceError};

/// Options of `wholeplace user`.
#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add an account; prints its one-time password.
    Add {
        /// Sign-in name (lower-case letters, digits, dots, hyphens, underscores).
        username: String,
        /// Name shown in the interface.
        #[arg(long)]
        name: String,
        /// administrator, analyst, practitioner or viewer.
        #[arg(long)]
        role: String,
        /// Agency name (repeat for several); see `wholeplace user agencies`.
        #[arg(long = "agency", required = true)]
        agencies: Vec<String>,
    },
    /// List accounts.
    List,
    /// List agencies users can belong to.
    Agencies,
    /// Disable an account: it can no longer sign in, its sessions end and its API tokens are revoked.
    Disable {
        /// Sign-in name.
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Sign-in name.
        username: String,
    },
    /// Set a new one-time password (printed) and end the account's sessions.
    ResetPassword {
        /// Sign-in name.
        username: String,
    },
    /// Make an API token for an account, for scripts, CI and checks: prints only the token, so
    /// `TOKEN=$(wholeplace user token admin)` works. It acts as that account until it expires.
    Token {
        /// Sign-in name of the account the token acts as.
        username: String,
        /// Days until the token stops working (1 to 365).
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        expires: i64,
        /// Its label on the account page.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(errs) => anyhow::anyhow!(
            "{}",
            errs.iter()
                .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                .collect::<Vec<_>>()
                .join("\n       ")
        ),
        ServiceError::NotFound => anyhow::anyhow!("no such user: see `wholeplace user list`"),
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: UserArgs,
) -> anyhow::Result<()> {
    let (service, store, _) = crate::open_service(url, data_dir, false).await?;
    let op = Actor::operator();
    let result = async {
        match args.command {
            UserCommand::Add {
                username,
                name,
                role,
                agencies,
            } => {
                let known = service.list_agencies(&Actor::operator()).await.map_err(explain)?;
                let mut ids = Vec::new();
                for a in &agencies {
                    let found = known.iter().find(|k| k.name.eq_ignore_ascii_case(a.trim()));
                    match found {
                        Some(k) => ids.push(k.id),
                        None => anyhow::bail!(
                            "--agency: there is no agency called '{a}'. Known agencies: {}",
                            known
                                .iter()
                                .map(|k| k.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                }
                let (user, password) = service
                    .create_user(
                        &op,
                        &NewUserForm {
                            username,
                            display_name: name,
                            role,
                            agency_ids: ids,
                        },
                    )
                    .await
                    .map_err(explain)?;
                println!(
                    "Added {} ({}). One-time password: {password}",
                    user.username, user.role
                );
                println!("They must choose their own password when they first sign in.");
            }
            UserCommand::List => {
                for u in service.list_users(&op).await.map_err(explain)? {
                    let status = if u.disabled {
                        "disabled"
                    } else if u.must_change_password {
                        "password to set"
                    } else {
                        "active"
                    };
                    let agencies: Vec<_> = u.agencies.iter().map(|a| a.name.as_str()).collect();
                    println!(
                        "{:<20} {:<14} {:<16} {} [{}]",
                        u.username,
                        u.role,
                        status,
                        u.display_name,
                        agencies.join(", ")
                    );
                }
            }
            UserCommand::Agencies => {
                for a in service.list_agencies(&Actor::operator()).await.map_err(explain)? {
                    println!("{} ({})", a.name, a.kind);
                }
            }
            UserCommand::Disable { username } => {
                let u = service.find_user(&op, &username).await.map_err(explain)?;
                service
                    .set_user_disabled(&op, u.id, true)
                    .await
                    .map_err(explain)?;
                println!(
                    "Disabled {}: signed out everywhere, API tokens revoked.",
                    u.username
                );
            }
            UserCommand::Enable { username } => {
                let u = service.find_user(&op, &username).await.map_err(explain)?;
                service
                    .set_user_disabled(&op, u.id, false)
                    .await
                    .map_err(explain)?;
                println!("Enabled {}.", u.username);
            }
            UserCommand::Token {
                username,
                expires,
                name,
            } => {
                let issued = service
                    .issue_api_token(&op, &username, &name, expires)
                    .await
                    .map_err(explain)?;
                println!("{}", issued.token);
                eprintln!(
                    "API token '{}' for {} ({}), expires {}. It is shown only this once; send it as \
                     `Authorization: Bearer <token>`. Revoke it on {}'s account page.",
                    issued.name,
                    issued.user.username,
                    issued.user.role,
                    wholeplace_service::clock::format_rfc3339(issued.expires_at),
                    issued.user.username,
                );
            }
            UserCommand::ResetPassword { username } => {
                let u = service.find_user(&op, &username).await.map_err(explain)?;
                let pw = service.reset_password(&op, u.id).await.map_err(explain)?;
                println!("New one-time password for {}: {pw}", u.username);
                println!("They must choose their own password when they next sign in.");
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}
