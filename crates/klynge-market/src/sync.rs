//! Keeping the index in step with the store: a full rebuild (`klynge reindex`, and at start
//! when the index is new) and the updates after each write, which the write paths (web
//! handlers, CLI) call once the store has committed.

use std::collections::HashMap;

use chrono::NaiveDate;
use klynge_domain::{OrganisationId, PostId};
use klynge_store::Store;

use crate::docs::{OrgFacts, PostDoc};
use crate::error::{MarketError, Result};
use crate::index::MarketIndex;

fn store_error(e: klynge_store::StoreError) -> MarketError {
    MarketError::Store(e.to_string())
}

/// Rebuilds the whole index from the store. Returns (organisations, posts) indexed.
pub async fn reindex(
    store: &Store,
    index: &MarketIndex,
    today: NaiveDate,
) -> Result<(usize, usize)> {
    let orgs: Vec<OrgFacts> = store
        .market_organisations(today)
        .await
        .map_err(store_error)?
        .iter()
        .map(OrgFacts::from)
        .collect();
    let by_id: HashMap<OrganisationId, &OrgFacts> = orgs.iter().map(|o| (o.id, o)).collect();
    let posts: Vec<PostDoc> = store
        .market_posts_for_index()
        .await
        .map_err(store_error)?
        .iter()
        .filter_map(|r| {
            by_id
                .get(&r.post.organisation)
                .map(|o| PostDoc::new(r, (*o).clone()))
        })
        .collect();
    index.rebuild(&orgs, &posts, today)
}

/// After a post was created or changed: indexes its current state (or removes it if it is
/// gone).
pub async fn post_written(
    store: &Store,
    index: &MarketIndex,
    id: PostId,
    today: NaiveDate,
) -> Result<()> {
    match store.market_post_for_index(id).await.map_err(store_error)? {
        Some(record) => {
            let org = store
                .market_organisation(record.post.organisation, today)
                .await
                .map_err(store_error)?;
            index.upsert_post(&PostDoc::new(&record, OrgFacts::from(&org)), today)
        }
        None => index.delete_post(id),
    }
}

/// After an organisation's facts or memberships changed: indexes it and its posts again.
pub async fn organisation_written(
    store: &Store,
    index: &MarketIndex,
    id: OrganisationId,
    today: NaiveDate,
) -> Result<()> {
    let org = OrgFacts::from(
        &store
            .market_organisation(id, today)
            .await
            .map_err(store_error)?,
    );
    index.upsert_organisation(&org, today)?;
    for record in store
        .market_posts_of_organisation(id)
        .await
        .map_err(store_error)?
        .iter()
    {
        index.upsert_post(&PostDoc::new(record, org.clone()), today)?;
    }
    Ok(())
}
