//! `klynge demo`: generate the demo data and load it in one transaction, with a progress bar
//! when stderr is a terminal.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use klynge_demo::{DemoData, Scale};
use klynge_domain::{ClusterId, EventStatus, MeetingRequest, OrganisationId};
use klynge_store::{BulkLoader, Role, Store};

/// Rows per bulk call, so the progress bar moves smoothly.
const CHUNK: usize = 20_000;

/// What a load did, for the summary line.
pub struct LoadReport {
    pub rows: usize,
    pub generate: Duration,
    pub load: Duration,
    /// What was loaded, for [`load_events`].
    pub data: DemoData,
}

/// Refuses to load into a database that already holds clusters or organisations: demo ids
/// are assigned by the generator and would collide.
pub async fn ensure_empty(store: &Store) -> Result<()> {
    let counts = store.counts().await?;
    if counts.clusters > 0 || counts.organisations > 0 {
        bail!(
            "database {} already holds {} clusters and {} organisations: expected an empty database for the demo \
             (leave out --database to use a fresh demo file)",
            store.url(),
            counts.clusters,
            counts.organisations
        );
    }
    Ok(())
}

pub async fn load(store: &Store, seed: u64, scale: Scale) -> Result<LoadReport> {
    let started = Instant::now();
    let spinner =
        ProgressBar::new_spinner().with_message("Genererer demodata / generating demo data");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let data = tokio::task::spawn_blocking(move || klynge_demo::generate(seed, scale))
        .await
        .context("the demo generator stopped unexpectedly")?;
    spinner.finish_and_clear();
    let generate = started.elapsed();

    let loading = Instant::now();
    let rows = data.row_count();
    let bar = ProgressBar::new(rows as u64).with_style(
        ProgressStyle::with_template(
            "{msg:>16} [{bar:40}] {human_pos}/{human_len} rows, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut loader = store.bulk_loader().await?;
    insert_all(&mut loader, &data, &bar).await?;
    bar.set_message("committing");
    loader.commit().await.context("committing the demo data")?;
    bar.finish_and_clear();
    // Marketplace offers and needs go through the tenant handle like any cluster's posts.
    let today = chrono::Utc::now().date_naive();
    for post in klynge_demo::market_posts(&data, seed, today) {
        store
            .cluster(post.cluster)
            .await?
            .create_post(&post)
            .await
            .context("loading the demo marketplace posts")?;
    }
    Ok(LoadReport {
        rows,
        generate,
        load: loading.elapsed(),
        data,
    })
}

/// What [`load_events`] stored.
#[derive(Debug, Default)]
pub struct EventsReport {
    pub events: usize,
    pub participants: usize,
    pub requests: usize,
    pub scheduled: usize,
}

/// Scheduler iterations for a demo event: a fixed number, so the same seed gives the same
/// schedule on any machine (the time limit is only a safety net).
const DEMO_SCHEDULER_ITERATIONS: u64 = 50_000;

/// The demo matchmaking events of the clusters that have demo staff accounts, stored
/// through each cluster's organiser view like any event: registered, requested, and the
/// B2B day scheduled by the scheduler and published. A demo member account's organisation
/// is registered for its cluster's events, so it has an agenda at `/my/events`.
pub async fn load_events(
    store: &Store,
    seed: u64,
    data: &DemoData,
    accounts: &[klynge_web::DemoAccount],
) -> Result<EventsReport> {
    let mut clusters: Vec<(ClusterId, Option<OrganisationId>)> = Vec::new();
    for a in accounts {
        if let (Role::ClusterStaff, Some(c)) = (a.role, a.cluster)
            && !clusters.iter().any(|(k, _)| *k == c)
        {
            let member = accounts
                .iter()
                .find(|m| m.role == Role::Member && m.cluster == Some(c))
                .and_then(|m| m.organisation);
            clusters.push((c, member));
        }
    }
    let today = chrono::Utc::now().date_naive();
    let mut report = EventsReport::default();
    for demo in klynge_demo::demo_events(data, seed, today, &clusters) {
        let view = store.cluster(demo.event.cluster).await?.events();
        let target = demo.event.status;
        let id = view
            .create_event(&klynge_domain::Event {
                status: EventStatus::Open,
                ..demo.event.clone()
            })
            .await
            .with_context(|| format!("creating the demo event {}", demo.event.name))?;
        let mut ids = Vec::with_capacity(demo.participants.len());
        for p in &demo.participants {
            ids.push(
                view.add_participant(id, p)
                    .await
                    .with_context(|| format!("registering {} for the demo event", p.email))?,
            );
        }
        for r in &demo.requests {
            view.add_request(
                id,
                &MeetingRequest {
                    from: ids[r.from],
                    to: ids[r.to],
                    message: r.message.clone(),
                    priority: r.priority,
                    status: r.status,
                },
            )
            .await
            .context("adding a demo meeting request")?;
        }
        if target != EventStatus::Open {
            let options = klynge_scheduler::Options {
                time_limit: Duration::from_secs(20),
                seed,
                max_iterations: Some(DEMO_SCHEDULER_ITERATIONS),
            };
            klynge_web::schedule_now(&view, id, options)
                .await
                .with_context(|| format!("scheduling the demo event {}", demo.event.name))?;
            report.scheduled += view.placements(id).await?.len();
            view.set_status(id, target).await?;
        }
        report.events += 1;
        report.participants += demo.participants.len();
        report.requests += demo.requests.len();
    }
    Ok(report)
}

/// Feeds every table to the loader in chunks, parents before children.
async fn insert_all(loader: &mut BulkLoader, data: &DemoData, bar: &ProgressBar) -> Result<()> {
    macro_rules! load_table {
        ($label:literal, $items:expr, $method:ident) => {
            bar.set_message($label);
            for chunk in $items.chunks(CHUNK) {
                loader
                    .$method(chunk)
                    .await
                    .context(concat!("loading ", $label))?;
                bar.inc(chunk.len() as u64);
            }
        };
    }
    load_table!("clusters", data.clusters, clusters);
    load_table!("organisations", data.organisations, organisations);
    load_table!("contacts", data.persons, persons);
    load_table!("memberships", data.memberships, memberships);
    load_table!("activities", data.activities, activities);
    load_table!("participations", data.participations, participations);
    load_table!("interactions", data.interactions, interactions);
    load_table!("referrals", data.referrals, referrals);
    load_table!("offices", data.offices, offices);
    load_table!("agreements", data.agreements, agreements);
    Ok(())
}
