//! The matchmaking marketplace's search and recommendations (issue 7).
//!
//! - [`MarketIndex`]: a tantivy index over organisations and posts, with Danish and English
//!   stemming, typo tolerance, phrases and prefixes, filters and highlighted snippets. The
//!   reading rule of [`klynge_domain::Audience`] is part of every query.
//! - [`recommend`]: pure scoring of candidates with the reasons shown to people; the index
//!   only supplies the candidates.
//! - [`query`]: the forgiving reader of search text (no syntax errors).
//!
//! Architecture invariant: no SQL and no HTTP here; the records come from klynge-store's types
//! and the audience from the principal's [`klynge_store::MarketView`].

pub mod analysis;
mod docs;
mod error;
mod filters;
mod index;
pub mod query;
pub mod recommend;
mod service;
pub mod sync;

pub use docs::{OrgFacts, PostDoc};
pub use error::{MarketError, Result};
pub use filters::{KindFilter, Scope, SearchRequest};
pub use index::{DocKey, Fragment, Hit, HitFacts, MarketIndex, SearchResults, fragments_html};
pub use recommend::{Lang, Reason, Recommendation};
pub use service::{Seed, recommend_for_organisation, recommend_for_post};
