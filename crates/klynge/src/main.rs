//! The `klynge` binary: command line, configuration and wiring. Thin on purpose: the work is
//! in the library crates.

mod accounts;
mod cli;
mod report;
mod schedule;

use klynge::demo;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use klynge_store::{DatabaseUrl, Store};
use tokio::net::TcpListener;

use cli::{Cli, Command, DemoScale};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::User { action } => accounts::run(&cli.database, &cli.data_dir, action).await,
        Command::Migrate => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::connect(&url).await?;
            let applied = store.migrate().await?;
            let versions = store.applied_migrations().await?;
            println!(
                "{url}: {} migration(s) applied now; schema at version {}",
                applied.len(),
                versions.last().copied().unwrap_or_default()
            );
            store.close().await;
            Ok(())
        }
        Command::Reindex => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::open(&url).await?;
            let started = std::time::Instant::now();
            let (orgs, posts) = klynge::market::reindex(&store, &cli.data_dir).await?;
            println!(
                "{}: indexed {orgs} organisations and {posts} posts in {:.1} s",
                klynge::market::index_dir(&cli.data_dir).display(),
                started.elapsed().as_secs_f64()
            );
            store.close().await;
            Ok(())
        }
        Command::Report { report } => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::open(&url).await?;
            let result = match report {
                cli::ReportCommand::Region {
                    region,
                    since,
                    until,
                    format,
                    out,
                    lang,
                } => {
                    let today = chrono::Local::now().date_naive();
                    let args = report::RegionArgs {
                        region,
                        since,
                        until,
                        format,
                        out,
                        lang,
                    };
                    report::region(&store, args, today).await
                }
                cli::ReportCommand::Funder {
                    cluster,
                    year,
                    out,
                    lang,
                } => report::funder(&store, &cluster, &year, out, &lang).await,
            };
            store.close().await;
            result
        }
        Command::Import {
            entity,
            file,
            cluster,
            map,
            dry_run,
            import_valid_rows,
            lang,
        } => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::open(&url).await?;
            let result = klynge::transfer::run_import(
                &store,
                klynge::transfer::ImportRequest {
                    entity: entity.into(),
                    file,
                    cluster,
                    overrides: map,
                    dry_run,
                    import_valid_rows,
                    lang: lang.into(),
                    progress: true,
                },
                &cli.data_dir,
            )
            .await;
            store.close().await;
            result
        }
        Command::Export {
            entity,
            cluster,
            format,
            out,
            separator,
            no_bom,
            lang,
        } => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::open(&url).await?;
            let format = match format {
                cli::ExportFormatArg::Xlsx => klynge::transfer::ExportFormat::Xlsx,
                cli::ExportFormatArg::Csv => klynge::transfer::ExportFormat::Csv(
                    klynge::transfer::csv_options(&separator, !no_bom)?,
                ),
            };
            let rows = klynge::transfer::export(
                &store,
                entity.into(),
                cluster.as_deref(),
                format,
                &out,
                lang.into(),
            )
            .await;
            store.close().await;
            println!("{} rows → {}", rows?, out.display());
            Ok(())
        }
        Command::Schedule {
            input,
            time_limit,
            seed,
        } => schedule::run(&input, time_limit, seed),
        Command::Serve { listen } => {
            let url = database_url(cli.database.as_deref(), &cli.data_dir, "klynge.sqlite")?;
            let store = Store::open(&url).await?;
            serve(store, &cli.data_dir, listen).await
        }
        Command::Demo {
            listen,
            seed,
            scale,
            load_only,
        } => {
            let url = match cli.database.as_deref() {
                Some(explicit) => DatabaseUrl::parse(explicit)?,
                None => fresh_demo_file(&cli.data_dir)?,
            };
            let store = Store::open(&url).await?;
            demo::ensure_empty(&store).await?;
            let scale = match scale {
                DemoScale::Small => klynge_demo::Scale::Small,
                DemoScale::National => klynge_demo::Scale::National,
            };
            let report = demo::load(&store, seed, scale).await?;
            let demo_accounts = klynge_web::create_demo_accounts(&store).await?;
            let started = std::time::Instant::now();
            let events = demo::load_events(&store, seed, &report.data, &demo_accounts).await?;
            println!(
                "Matchmaking: {} demo events ({} participants, {} meeting requests, {} meetings scheduled) in {:.1} s",
                events.events,
                events.participants,
                events.requests,
                events.scheduled,
                started.elapsed().as_secs_f64()
            );
            let (_, posts) = klynge::market::reindex(&store, &cli.data_dir).await?;
            println!(
                "Marketplace: {posts} demo offers and needs, search index in {}",
                klynge::market::index_dir(&cli.data_dir).display()
            );
            let counts = store.counts().await?;
            println!(
                "Demo data (seed {seed}) in {url}: {} rows in {:.1} s (generated in {:.1} s, loaded in {:.1} s): \
                 {} clusters, {} organisations, {} contacts, {} memberships, {} activities, {} participations, \
                 {} interactions, {} referrals, {} offices, {} agreements",
                report.rows,
                (report.generate + report.load).as_secs_f64(),
                report.generate.as_secs_f64(),
                report.load.as_secs_f64(),
                counts.clusters,
                counts.organisations,
                counts.persons,
                counts.memberships,
                counts.activities,
                counts.participations,
                counts.interactions,
                counts.referrals,
                counts.offices,
                counts.agreements
            );
            drop(report);
            accounts::print_demo_accounts(&demo_accounts);
            if load_only {
                store.close().await;
                return Ok(());
            }
            serve(store, &cli.data_dir, listen).await
        }
    }
}

/// The database to use: the explicit URL, else a SQLite file in the data directory (created
/// if missing).
fn database_url(explicit: Option<&str>, data_dir: &Path, file: &str) -> Result<DatabaseUrl> {
    if let Some(url) = explicit {
        return Ok(DatabaseUrl::parse(url)?);
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    Ok(DatabaseUrl::Sqlite(data_dir.join(file)))
}

/// The default demo database: `DATA_DIR/demo.sqlite`, made anew on every run.
fn fresh_demo_file(data_dir: &Path) -> Result<DatabaseUrl> {
    let url = database_url(None, data_dir, "demo.sqlite")?;
    if let DatabaseUrl::Sqlite(path) = &url {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let file = PathBuf::from(name);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot replace the old demo file {}", file.display())
                    });
                }
            }
        }
    }
    Ok(url)
}

async fn serve(store: Store, data_dir: &Path, listen: std::net::SocketAddr) -> Result<()> {
    let dir = klynge::market::index_dir(data_dir);
    let market = klynge_web::MarketState::open(&dir)
        .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}: expected a free address and port"))?;
    let address = listener.local_addr().unwrap_or(listen);
    println!(
        "Klynge serves {} on http://{address}/ (Ctrl-C stops)",
        store.url()
    );
    klynge_web::serve_with(store.clone(), market, listener, shutdown_signal())
        .await
        .context("the web server stopped")?;
    store.close().await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
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
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
