//! `klynge reindex`: the marketplace's search index rebuilt from the database, in the data
//! directory beside the SQLite file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use klynge_market::MarketIndex;
use klynge_store::Store;

/// Where the index lives.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("market-index")
}

/// Opens (or creates) the index in the data directory and fills it from the store.
pub async fn reindex(store: &Store, data_dir: &Path) -> Result<(usize, usize)> {
    let dir = index_dir(data_dir);
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let (index, _) = MarketIndex::open(&dir)
        .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    let today = chrono::Utc::now().date_naive();
    Ok(klynge_market::sync::reindex(store, &index, today).await?)
}
