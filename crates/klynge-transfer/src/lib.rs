//! The import pipeline between a spreadsheet file and the store, written once for the command
//! line (`klynge import`) and the web's upload screens:
//!
//! read ([`klynge_io::source`]) → map ([`Mapping`]) → validate and deduplicate ([`Planner`]
//! against [`Known`], loaded here) → write ([`Importer`], one transaction).
//!
//! Every row is planned before the transaction commits; when a row has errors the importer is
//! dropped at once (rolled back) and the remaining rows are only validated, so that the
//! answer lists every bad row — unless the caller asked to import the valid rows.
//!
//! The caller chooses the tenant: a [`ClusterStore`] it obtained by its own rules (the CLI by
//! `--cluster`, the web from the signed-in staff member's view), or none for the registry.

use klynge_domain::{ActivityId, MembershipId, OrganisationId, ParticipationId, PersonId};
use klynge_io::plan::{Plan, PlanError, Planned};
use klynge_io::source::{Source, SourceError};
use klynge_io::{Entity, Known, Lang, Mapping, Planner, RowError, Summary};
use klynge_store::{ClusterStore, Importer, Store, StoreError};
use thiserror::Error;

/// The first row errors an outcome keeps; [`Summary::invalid`] counts them all.
pub const MAX_ERRORS_KEPT: usize = 1000;

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 10_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Validate and count only; nothing is written.
    pub dry_run: bool,
    /// Write the valid rows even when other rows have errors.
    pub import_valid_rows: bool,
}

/// What an import did or would do.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub summary: Summary,
    /// The first errors (at most [`MAX_ERRORS_KEPT`]), in row order.
    pub errors: Vec<RowError>,
    /// Whether the rows were committed.
    pub written: bool,
}

/// Where a running import is, for a progress bar or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Data rows read so far.
    pub rows: usize,
    /// Position in the input, in the unit of [`klynge_io::source::total`] (bytes for CSV,
    /// rows for workbooks).
    pub position: u64,
    /// All rows are read; the transaction is being committed.
    pub committing: bool,
}

#[derive(Debug, Error)]
pub enum TransferError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{}", .0.message(Lang::En))]
    Plan(PlanError),
    #[error("the import was rolled back: {0}")]
    Store(#[from] StoreError),
    /// The reading thread stopped unexpectedly (a bug); nothing was written.
    #[error("the import stopped unexpectedly and was rolled back: {0}")]
    Stopped(String),
}

impl TransferError {
    /// The message in `lang` (file-level problems are translated; store faults are not shown
    /// to users by the web anyway).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            TransferError::Plan(e) => e.message(lang),
            other => other.to_string(),
        }
    }
}

/// Loads what an import of `entity` compares against: the registry's organisations and, for a
/// cluster's data, the records of that cluster the planner deduplicates against or resolves.
pub async fn load_known(
    store: &Store,
    cluster: Option<&ClusterStore>,
    entity: Entity,
) -> Result<Known, StoreError> {
    let mut known = Known::new(cluster.map(ClusterStore::cluster_id));
    for org in store.all_organisations().await? {
        known.add_organisation(org);
    }
    let Some(c) = cluster else {
        return Ok(known);
    };
    match entity {
        Entity::Organisations => {}
        Entity::Contacts => {
            for (id, p) in c.all_persons().await? {
                known.add_person(id, p);
            }
        }
        Entity::Memberships => {
            for (id, m) in c.all_memberships().await? {
                known.add_membership(id, m);
            }
        }
        Entity::Activities => {
            for (id, a) in c.all_activities().await? {
                known.add_activity(id, a);
            }
        }
        Entity::Participations => {
            for (id, p) in c.all_persons().await? {
                known.add_person(id, p);
            }
            for (id, a) in c.all_activities().await? {
                known.add_activity(id, a);
            }
            for (id, p) in c.all_participations().await? {
                known.add_participation(id, p);
            }
        }
    }
    Ok(known)
}

/// Hands one planned row to the importer.
pub async fn write(importer: &mut Importer, planned: Planned) -> Result<(), StoreError> {
    match planned {
        Planned::Organisation(Plan::Create(o)) => importer.create_organisation(&o).await,
        Planned::Organisation(Plan::Update(id, o)) => {
            importer.update_organisation(OrganisationId(id), &o).await
        }
        Planned::Contact(Plan::Create(p)) => importer.create_person(&p).await,
        Planned::Contact(Plan::Update(id, p)) => importer.update_person(PersonId(id), &p).await,
        Planned::Membership(Plan::Create(m)) => importer.create_membership(&m).await,
        Planned::Membership(Plan::Update(id, m)) => {
            importer.update_membership(MembershipId(id), &m).await
        }
        Planned::Activity(Plan::Create(a)) => importer.create_activity(&a).await,
        Planned::Activity(Plan::Update(id, a)) => {
            importer.update_activity(ActivityId(id), &a).await
        }
        Planned::Participation(Plan::Create(p)) => importer.create_participation(&p).await,
        Planned::Participation(Plan::Update(id, p)) => {
            importer.update_participation(ParticipationId(id), &p).await
        }
        Planned::Organisation(Plan::Skip)
        | Planned::Contact(Plan::Skip)
        | Planned::Membership(Plan::Skip)
        | Planned::Activity(Plan::Skip)
        | Planned::Participation(Plan::Skip) => Ok(()),
    }
}

/// Rows handed from the planning thread to the writer at a time.
const BATCH: usize = 1024;

/// What the planning thread hands to the writer.
enum Item {
    Row(Result<Planned, Vec<RowError>>),
    Progress(Progress),
}

/// Runs an import of `source` with `mapping`: every row is validated; the rows are written in
/// one transaction that commits only when no row had errors (or `import_valid_rows`) and not
/// `dry_run`. `progress` hears about every [`PROGRESS_EVERY`] rows and the commit.
///
/// Reading and validating run on a thread of their own while the rows planned so far are
/// written, so that the CPU work of checking a row overlaps with the database's work of
/// storing the previous ones; a bounded channel between them keeps the memory bounded.
///
/// `cluster` must be given for every entity but organisations (the shared registry).
pub async fn run(
    store: &Store,
    cluster: Option<&ClusterStore>,
    mut source: Source,
    mapping: Mapping,
    options: ImportOptions,
    mut progress: impl FnMut(Progress),
) -> Result<ImportOutcome, TransferError> {
    let entity = mapping.entity;
    // A cluster's rows go through the cluster's importer only; organisations into the registry.
    let cluster = if entity.needs_cluster() {
        cluster
    } else {
        None
    };
    let known = load_known(store, cluster, entity).await?;
    // File-level problems (missing columns, no cluster) are reported before anything starts.
    Planner::new(mapping.clone(), &known).map_err(TransferError::Plan)?;
    let mut importer = if options.dry_run {
        None
    } else {
        Some(match cluster {
            Some(c) => c.importer().await?,
            None => store.registry_importer().await?,
        })
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Item>>(8);
    let planning = tokio::task::spawn_blocking(move || -> Result<(Summary, u64), PlanError> {
        let mut planner = Planner::new(mapping, &known)?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut since_tick = 0usize;
        // One row's cells, overwritten by each row read.
        let mut row = klynge_io::source::Row {
            number: 0,
            cells: Vec::new(),
        };
        while let Some(next) = source.read_row(&mut row) {
            let planned = match next {
                Ok(()) => planner.plan(&row),
                Err(e) => {
                    let row = match &e {
                        SourceError::Csv { row, .. } => *row,
                        _ => 0,
                    };
                    Err(planner.unreadable(row, e.to_string()))
                }
            };
            batch.push(Item::Row(planned));
            since_tick += 1;
            if since_tick == PROGRESS_EVERY {
                since_tick = 0;
                batch.push(Item::Progress(Progress {
                    rows: planner.summary().rows,
                    position: source.position(),
                    committing: false,
                }));
            }
            if batch.len() >= BATCH
                && tx
                    .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                // The writer stopped (a store error); it reports why.
                break;
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok((planner.summary(), source.position()))
    });
    let mut errors = Vec::new();
    while let Some(batch) = rx.recv().await {
        for item in batch {
            match item {
                Item::Row(Ok(p)) => {
                    if let Some(importer) = importer.as_mut() {
                        write(importer, p).await?;
                    }
                }
                Item::Row(Err(row_errors)) => {
                    // Nothing will be written: roll back now and only validate the rest.
                    if !options.import_valid_rows {
                        importer = None;
                    }
                    let room = MAX_ERRORS_KEPT.saturating_sub(errors.len());
                    errors.extend(row_errors.into_iter().take(room));
                }
                Item::Progress(p) => progress(p),
            }
        }
    }
    let (summary, position) = planning
        .await
        .map_err(|e| TransferError::Stopped(e.to_string()))?
        .map_err(TransferError::Plan)?;
    let written = match importer {
        Some(importer) if summary.invalid == 0 || options.import_valid_rows => {
            progress(Progress {
                rows: summary.rows,
                position,
                committing: true,
            });
            importer.commit().await?;
            true
        }
        _ => false,
    };
    Ok(ImportOutcome {
        summary,
        errors,
        written,
    })
}
