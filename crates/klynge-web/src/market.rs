//! The marketplace's search index in the server (issue 7): opened from
//! `DATA_DIR/market-index` by the binary (in memory when no directory is given), built in the
//! background at start when it is new or empty, and updated after every write of a post or an
//! organisation, so that a search right after a write finds it.
//!
//! The full build and the updates after writes take one lock in turn: an update waits for a
//! build that is running (which may have read the store before the write) and is applied after
//! it, so no write is lost under a rebuild.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use klynge_domain::{OrganisationId, PostId};
use klynge_market::{MarketError, MarketIndex, sync};
use klynge_store::Store;
use tokio::sync::Mutex;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The index and what keeps it in step with the store; cheap to clone.
#[derive(Clone)]
pub struct MarketState {
    index: Arc<MarketIndex>,
    sync: Arc<Mutex<()>>,
    ready: Arc<AtomicBool>,
    needs_build: bool,
}

impl MarketState {
    fn new(index: MarketIndex, needs_build: bool) -> Self {
        let needs_build = needs_build || index.is_empty();
        MarketState {
            index: Arc::new(index),
            sync: Arc::new(Mutex::new(())),
            ready: Arc::new(AtomicBool::new(!needs_build)),
            needs_build,
        }
    }

    /// An index in memory, built from the store at start (tests, and a server without a data
    /// directory).
    pub fn in_memory() -> Result<Self, MarketError> {
        Ok(Self::new(MarketIndex::in_memory()?, true))
    }

    /// The index in `dir` (created when missing or of an older version; then it is built at
    /// start, as it is when it is empty).
    pub fn open(dir: &Path) -> Result<Self, MarketError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| MarketError::Index(format!("{}: {e}", dir.display())))?;
        let (index, created) = MarketIndex::open(dir)?;
        Ok(Self::new(index, created))
    }

    pub fn index(&self) -> &MarketIndex {
        &self.index
    }

    /// Whether the first build has finished (before, searches may miss documents).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Starts the build in the background when the index needs one. The lock is taken before
    /// this returns, so every write after the server starts is applied after the build.
    pub fn start(&self, store: Store) {
        if !self.needs_build {
            return;
        }
        let Ok(guard) = self.sync.clone().try_lock_owned() else {
            return;
        };
        let index = self.index.clone();
        let ready = self.ready.clone();
        let handle = tokio::runtime::Handle::current();
        // The build is CPU work between two reads of the store: a thread of its own keeps the
        // server's workers free.
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            match handle.block_on(sync::reindex(&store, &index, today())) {
                Ok((orgs, posts)) => tracing::info!(
                    orgs,
                    posts,
                    seconds = started.elapsed().as_secs_f64(),
                    "market index built"
                ),
                Err(e) => tracing::error!(error = %e, "building the market index failed"),
            }
            ready.store(true, Ordering::Release);
            drop(guard);
        });
    }

    /// Waits at most `max` for the first build (a search right after start).
    pub async fn wait_ready(&self, max: Duration) {
        if self.is_ready() {
            return;
        }
        let _ = tokio::time::timeout(max, self.sync.lock()).await;
    }

    /// Rebuilds the whole index (after an import of organisations or memberships).
    pub async fn rebuild(&self, store: &Store) -> Result<(usize, usize), MarketError> {
        let _guard = self.sync.lock().await;
        let result = sync::reindex(store, &self.index, today()).await;
        self.ready.store(true, Ordering::Release);
        result
    }

    /// After a post was created, changed or moderated. A failure is logged: the write is
    /// committed, and `klynge reindex` repairs the index.
    pub async fn post_written(&self, store: &Store, id: PostId) {
        let _guard = self.sync.lock().await;
        if let Err(e) = sync::post_written(store, &self.index, id, today()).await {
            tracing::error!(post = id.0, error = %e, "updating the market index failed");
        }
    }

    /// After an organisation's facts or memberships changed.
    pub async fn organisation_written(&self, store: &Store, id: OrganisationId) {
        let _guard = self.sync.lock().await;
        if let Err(e) = sync::organisation_written(store, &self.index, id, today()).await {
            tracing::error!(organisation = id.0, error = %e, "updating the market index failed");
        }
    }
}
