//! `wholeplace serve`: the web application, with graceful shutdown on SIGTERM or Ctrl-C.

use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use wholeplace_web::{AppState, WebConfig};

/// Options of `wholeplace serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "WHOLEPLACE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Folder with the built stylesheet and GOV.UK Frontend assets (made by `cargo xtask assets`),
    /// relative to the working directory.
    #[arg(long, env = "WHOLEPLACE_ASSETS_DIR", default_value = "target/assets")]
    assets_dir: PathBuf,

    /// Mark cookies Secure: set this when users reach the service over HTTPS (through a proxy).
    #[arg(long, env = "WHOLEPLACE_SECURE_COOKIES", default_value_t = false)]
    secure_cookies: bool,

    /// Load the demonstration partnership into an empty database and show the demonstration banner.
    #[arg(long, env = "WHOLEPLACE_DEMO", default_value_t = false)]
    demo: bool,

    /// Minutes a browser session may go unused before it ends (sessions also end 8 hours after
    /// sign-in).
    #[arg(long, env = "WHOLEPLACE_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=480))]
    session_idle_minutes: i64,

    /// Apply PostgreSQL migrations at start-up too (SQLite is always migrated).
    #[arg(long, env = "WHOLEPLACE_MIGRATE", default_value_t = false)]
    migrate: bool,
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: ServeArgs,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = wholeplace_service::ServiceConfig {
        session_idle_secs: args.session_idle_minutes * 60,
        ..wholeplace_service::ServiceConfig::default()
    };
    let (service, store, shown) =
        crate::open_service_with(url, data_dir, args.migrate, config).await?;
    let first_password = service.bootstrap_admin().await?;
    let demo_accounts = if args.demo {
        crate::demo::load_if_empty(&service).await?
    } else {
        None
    };
    if demo_accounts.is_some() {
        println!(
            "Loaded the demonstration partnership (Sherwood, Worcestershire, Shropshire) and the Hill family."
        );
    }
    let demo = args.demo
        || service
            .is_demo()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !args.assets_dir.join("wholeplace.css").exists() {
        tracing::warn!(folder = %args.assets_dir.display(), "stylesheet not found: pages will be unstyled; run `cargo xtask assets`");
    }
    let state = AppState {
        service: service.clone(),
        config: Arc::new(WebConfig {
            assets_dir: args.assets_dir.clone(),
            secure_cookies: args.secure_cookies,
            demo,
        }),
    };
    let app = wholeplace_web::router(state);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another server using it? Choose another with --listen",
                args.listen
            )
        })?;
    let local = listener.local_addr()?;
    let sweeper = {
        let service = service.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                if let Err(e) = service.sweep_sessions().await {
                    tracing::warn!(error = %e, "could not remove expired sessions");
                }
            }
        })
    };
    println!();
    println!("wholeplace is running at http://{local}/");
    println!("  database: {shown} ({})", service.backend());
    match &first_password {
        Some(pw) => {
            println!("  sign in as: admin");
            println!("  one-time password: {pw}");
            println!(
                "  (you will be asked to choose your own password; this one is not shown again)"
            );
        }
        None => println!(
            "  sign in with your account. Lost the administrator's password? Run: wholeplace user reset-password admin"
        ),
    }
    if let Some(accounts) = &demo_accounts {
        println!("  to see what each agency may see of the Hill family, sign in as:");
        crate::demo::print_accounts(accounts);
    }
    println!(
        "  stop with Ctrl-C. Started in {} ms.",
        started.elapsed().as_millis()
    );
    println!();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the web server stopped with an error")?;
    sweeper.abort();
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
