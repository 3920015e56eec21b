//! The shared registry: clusters and organisations, visible to every cluster.

use klynge_domain::{
    Cluster, ClusterId, Cvr, Name, Organisation, OrganisationId, OrganisationRecord, Slug,
};

use crate::backend::{AnyRow, Conn};
use crate::decode::{self, ORGANISATION_COLUMNS};
use crate::error::{Result, StoreError};
use crate::rows::{self, insert_returning_id};
use crate::{ClusterStore, Store, params};

/// A stored cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRecord {
    pub id: ClusterId,
    pub cluster: Cluster,
}

/// Row counts per table, for summaries and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub clusters: i64,
    pub organisations: i64,
    pub persons: i64,
    pub memberships: i64,
    pub activities: i64,
    pub participations: i64,
    pub interactions: i64,
    pub referrals: i64,
    pub offices: i64,
    pub agreements: i64,
}

fn cluster_from_row(row: &AnyRow) -> Result<ClusterRecord> {
    let id: i64 = row.get("id")?;
    let corrupt = |e: klynge_domain::DomainError| StoreError::Corrupt {
        table: "clusters",
        id,
        reason: e.to_string(),
    };
    Ok(ClusterRecord {
        id: ClusterId(id),
        cluster: Cluster {
            slug: Slug::parse(&row.get::<String>("slug")?).map_err(corrupt)?,
            name: Name::parse(&row.get::<String>("name")?).map_err(corrupt)?,
            strength_area: Name::parse(&row.get::<String>("strength_area")?).map_err(corrupt)?,
            emerging: row.get("emerging")?,
        },
    })
}

/// Maps a unique-constraint violation to a conflict message; passes other errors through.
pub(crate) fn conflict_or(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(err),
    }
}

impl Store {
    pub async fn create_cluster(&self, cluster: &Cluster) -> Result<ClusterId> {
        let mut tx = self.begin().await?;
        let id = tx
            .conn()
            .fetch_i64(
                &insert_returning_id("clusters", rows::CLUSTER),
                rows::cluster(cluster),
            )
            .await
            .map_err(|e| {
                conflict_or(e, || {
                    format!("a cluster with the handle {} already exists", cluster.slug)
                })
            })?;
        tx.commit().await?;
        Ok(ClusterId(id))
    }

    pub async fn clusters(&self) -> Result<Vec<ClusterRecord>> {
        let mut conn = self.acquire().await?;
        let rows = conn
            .conn()
            .fetch_all(
                "SELECT id, slug, name, strength_area, emerging FROM clusters ORDER BY name",
                vec![],
            )
            .await?;
        rows.iter().map(cluster_from_row).collect()
    }

    pub async fn cluster_by_slug(&self, slug: &str) -> Result<ClusterRecord> {
        let mut conn = self.acquire().await?;
        let row = conn
            .conn()
            .fetch_optional(
                "SELECT id, slug, name, strength_area, emerging FROM clusters WHERE slug = $1",
                params![slug],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("cluster", format!("handle {slug:?}")))?;
        cluster_from_row(&row)
    }

    /// The handle through which one cluster's private data is read and written.
    pub async fn cluster(&self, id: ClusterId) -> Result<ClusterStore> {
        let mut conn = self.acquire().await?;
        let exists = conn
            .conn()
            .fetch_i64("SELECT COUNT(*) FROM clusters WHERE id = $1", params![id.0])
            .await?;
        if exists == 0 {
            return Err(StoreError::not_found("cluster", format!("id {id}")));
        }
        Ok(ClusterStore::new(self.clone(), id))
    }

    /// Adds an organisation to the shared registry. A CVR (or a foreign VAT number) that is
    /// already registered is a conflict that names the existing organisation.
    pub async fn create_organisation(&self, org: &Organisation) -> Result<OrganisationId> {
        let mut tx = self.begin().await?;
        let id = insert_organisation(&mut tx.conn(), org).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn organisation(&self, id: OrganisationId) -> Result<OrganisationRecord> {
        let mut conn = self.acquire().await?;
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE id = $1");
        let row = conn
            .conn()
            .fetch_optional(&sql, params![id.0])
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", format!("id {id}")))?;
        decode::organisation(&row)
    }

    pub async fn organisation_by_cvr(&self, cvr: Cvr) -> Result<Option<OrganisationRecord>> {
        let mut conn = self.acquire().await?;
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE cvr = $1");
        let row = conn
            .conn()
            .fetch_optional(&sql, params![i64::from(cvr.value())])
            .await?;
        row.as_ref().map(decode::organisation).transpose()
    }

    /// Organisations whose name matches as the import deduplication does (see
    /// [`Name::match_key`]), optionally within one municipality.
    pub async fn organisations_by_name(&self, name: &Name) -> Result<Vec<OrganisationRecord>> {
        let mut conn = self.acquire().await?;
        let sql = format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE name_key = $1 ORDER BY id"
        );
        let rows = conn
            .conn()
            .fetch_all(&sql, params![name.match_key()])
            .await?;
        rows.iter().map(decode::organisation).collect()
    }

    pub async fn counts(&self) -> Result<TableCounts> {
        let mut conn = self.acquire().await?;
        let mut c = conn.conn();
        let mut count = async |table: &str| {
            c.fetch_i64(&format!("SELECT COUNT(*) FROM {table}"), vec![])
                .await
        };
        Ok(TableCounts {
            clusters: count("clusters").await?,
            organisations: count("organisations").await?,
            persons: count("persons").await?,
            memberships: count("memberships").await?,
            activities: count("activities").await?,
            participations: count("participations").await?,
            interactions: count("interactions").await?,
            referrals: count("referrals").await?,
            offices: count("offices").await?,
            agreements: count("agreements").await?,
        })
    }
}

pub(crate) async fn insert_organisation(
    conn: &mut Conn<'_>,
    org: &Organisation,
) -> Result<OrganisationId> {
    let sql = insert_returning_id("organisations", rows::ORGANISATION);
    let id = conn
        .fetch_i64(&sql, rows::organisation(org))
        .await
        .map_err(|e| {
            conflict_or(e, || {
                match (org.registration.cvr(), org.registration.vat()) {
                    (Some(cvr), _) => {
                        format!("an organisation with CVR {cvr} is already registered")
                    }
                    (_, Some(vat)) => format!(
                        "an organisation with VAT number {} in {} is already registered",
                        vat.as_str(),
                        org.registration.country()
                    ),
                    _ => format!("organisation {} conflicts with an existing one", org.name),
                }
            })
        })?;
    Ok(OrganisationId(id))
}
