//! Klynge's storage: one API over two backends, SQLite (one file, the default) and PostgreSQL.
//!
//! Architecture invariants:
//! - only this crate knows SQL; callers speak in domain types;
//! - private data of a cluster (contacts, memberships, activities, participations,
//!   interactions, referrals, offices, agreements) is reached only through a [`ClusterStore`],
//!   which adds the cluster to every query;
//! - writes that belong together run in one transaction;
//! - both backends share one migration history (`migrations/sqlite` and `migrations/postgres`
//!   hold the same versions; a test checks it).

mod accounts;
pub mod backend;
mod bulk;
mod decode;
mod directory;
mod error;
mod events;
mod import;
mod introspect;
pub mod kpi;
mod location;
mod market;
mod open;
mod recent;
mod reference;
mod registry;
mod rows;
mod search;
mod staff;
mod staff_lists;
mod tenant;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{NewUser, Principal, Role, Session, UserId, UserRecord, normalise_login};
pub use bulk::{BulkLoader, BulkTable};
pub use directory::Directory;
pub use error::{Result, StoreError};
pub use events::{
    EventFigures, EventRecord, EventsView, ParticipantEvents, ParticipantRecord, RequestRecord,
    ScheduleFigures,
};
pub use import::{ImportWrites, Importer};
pub use location::{DatabaseUrl, redact};
pub use market::{MarketOrganisation, MarketView, PostRecord};
pub use registry::{ClusterRecord, TableCounts};
pub use search::{OrganisationHit, OrganisationPageOfHits, OrganisationQuery, OrganisationSort};
pub use staff::{
    ActivityRow, ClusterFigures, ContactRow, Dashboard, MemberParticipation, MemberView,
    MembershipRow, OperatorView, OrganisationPage, ParticipantRow, PartnerView, ReferralRow,
    StaffView, TimelineEntry,
};
pub use staff_lists::{AgreementRow, ContactListRow, FollowUpRow, OfficeRow, ReferralListRow};
pub use tenant::ClusterStore;

use backend::{PooledConn, Tx};

/// A handle on the database. Cheap to clone (it holds a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    url: DatabaseUrl,
    /// The organisation directory of a server (see [`directory`]); off unless enabled.
    directory: std::sync::Arc<directory::DirectoryCache>,
    /// Reads repeated by every request, kept for a moment (see [`recent`]).
    kept: std::sync::Arc<Kept>,
}

/// The store's kept reads, and the count of writes that invalidates them.
#[derive(Debug)]
pub(crate) struct Kept {
    writes: std::sync::Arc<recent::Writes>,
    /// Session by token digest, with its expiry (`None`: no such live session).
    sessions: recent::RecentReads<String, Option<(Session, DateTime<Utc>)>>,
    /// Principal by API token digest.
    api_principals: recent::RecentReads<String, Option<Principal>>,
    /// A cluster's member organisations on a day.
    members: recent::RecentReads<
        (i64, chrono::NaiveDate),
        std::sync::Arc<std::collections::HashSet<i64>>,
    >,
    /// The registry's fingerprint (whether the directory is current).
    registry: recent::RecentReads<(), directory::Fingerprint>,
}

impl Default for Kept {
    fn default() -> Self {
        Kept {
            writes: Default::default(),
            sessions: recent::RecentReads::new(10_000),
            api_principals: recent::RecentReads::new(1_000),
            members: recent::RecentReads::new(1_000),
            registry: recent::RecentReads::new(1),
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "SQLite",
            Pool::Postgres(_) => "PostgreSQL",
        }
    }

    pub(crate) async fn acquire(&self) -> Result<PooledConn> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => PooledConn::sqlite(pool.acquire().await?, self.writes()),
            Pool::Postgres(pool) => PooledConn::postgres(pool.acquire().await?, self.writes()),
        })
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so that two writers queue instead of failing when one upgrades.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => {
                Tx::sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, self.writes())
            }
            Pool::Postgres(pool) => Tx::postgres(pool.begin().await?, self.writes()),
        })
    }

    fn writes(&self) -> std::sync::Arc<recent::Writes> {
        self.kept.writes.clone()
    }

    /// Closes the pool; on SQLite this also checkpoints the write-ahead log.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}
