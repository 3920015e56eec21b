//! The marketplace's offers and needs (`market_posts`). Writes go through the views a
//! [`Principal`](crate::Principal) hands out: cluster staff post and moderate for their own
//! cluster, a member contact posts for its own organisation. Reads for a person go through a
//! [`MarketView`] whose [`Audience`] is taken from the principal, and apply
//! [`Audience::may_read`]; a post the audience may not read is "not found".
//!
//! The search index reads everything ([`Store::market_posts_for_index`]) and applies the
//! same rule to every query (klynge-market).

use chrono::{DateTime, NaiveDate, Utc};
use klynge_domain::{
    Audience, ClusterId, CountryCode, OrganisationId, OrganisationRecord, Post, PostId, PostStatus,
    Theme,
};

use crate::backend::{AnyRow, Conn};
use crate::decode::{self, ORGANISATION_COLUMNS, corrupt, taxonomy};
use crate::error::{Result, StoreError};
use crate::staff::{MemberView, StaffView};
use crate::{ClusterStore, Store, params};

/// A stored post with the name of its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRecord {
    pub id: PostId,
    pub post: Post,
    pub organisation_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An organisation as the marketplace indexes it: the shared facts and the clusters it is a
/// member of today (used only to filter by the reader's own cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketOrganisation {
    pub record: OrganisationRecord,
    pub member_of: Vec<ClusterId>,
}

const POST_COLUMNS: &str = "p.id, p.cluster_id, p.organisation_id, p.direction, p.kind, p.title, \
     p.description, p.keywords, p.themes, p.industries, p.countries, p.expires_on, p.status, \
     p.visibility, p.created_at, p.updated_at, o.name AS organisation_name";

fn lines(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().replace('\n', " "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').filter(|s| !s.is_empty())
}

fn post_from_row(row: &AnyRow) -> Result<PostRecord> {
    let id: i64 = row.get("id")?;
    const T: &str = "market_posts";
    let themes = split(&row.get::<String>("themes")?)
        .map(|t| Theme::parse(t).map_err(|e| corrupt(T, id, e)))
        .collect::<Result<Vec<_>>>()?;
    let countries = split(&row.get::<String>("countries")?)
        .map(|c| CountryCode::parse(c).map_err(|e| corrupt(T, id, e)))
        .collect::<Result<Vec<_>>>()?;
    Ok(PostRecord {
        id: PostId(id),
        post: Post {
            cluster: ClusterId(row.get("cluster_id")?),
            organisation: OrganisationId(row.get("organisation_id")?),
            direction: taxonomy(row, "direction", T, id)?,
            kind: taxonomy(row, "kind", T, id)?,
            title: row.get("title")?,
            description: row.get("description")?,
            keywords: split(&row.get::<String>("keywords")?)
                .map(str::to_string)
                .collect(),
            themes,
            industries: split(&row.get::<String>("industries")?)
                .map(str::to_string)
                .collect(),
            countries,
            expires_on: row.get::<Option<NaiveDate>>("expires_on")?,
            status: taxonomy(row, "status", T, id)?,
            visibility: taxonomy(row, "visibility", T, id)?,
        },
        organisation_name: row.get("organisation_name")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn invalid(e: klynge_domain::DomainError) -> StoreError {
    StoreError::Invalid(e.to_string())
}

async fn insert_post(conn: &mut Conn<'_>, post: &Post) -> Result<PostId> {
    post.validate().map_err(invalid)?;
    let n = conn
        .fetch_i64(
            "SELECT COUNT(*) FROM organisations WHERE id = $1",
            params![post.organisation.0],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::not_found(
            "organisation",
            format!("id {}", post.organisation),
        ));
    }
    let now = crate::now();
    let id = conn
        .fetch_i64(
            "INSERT INTO market_posts (cluster_id, organisation_id, direction, kind, title, description, \
             keywords, themes, industries, countries, expires_on, status, visibility, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            post_values(post, now, now),
        )
        .await?;
    Ok(PostId(id))
}

fn post_values(
    post: &Post,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
) -> Vec<crate::backend::Value> {
    params![
        post.cluster.0,
        post.organisation.0,
        post.direction.code(),
        post.kind.code(),
        post.title.clone(),
        post.description.clone(),
        lines(&post.keywords),
        lines(post.themes.iter().map(Theme::as_str)),
        lines(&post.industries),
        lines(post.countries.iter().map(CountryCode::as_str)),
        post.expires_on,
        post.status.code(),
        post.visibility.code(),
        created,
        updated
    ]
}

/// Replaces a post's contents, keeping its id, cluster and organisation (checked by the
/// caller) and its creation time.
async fn update_post(conn: &mut Conn<'_>, id: PostId, post: &Post) -> Result<()> {
    post.validate().map_err(invalid)?;
    conn.execute(
        "UPDATE market_posts SET direction = $1, kind = $2, title = $3, description = $4, keywords = $5, \
         themes = $6, industries = $7, countries = $8, expires_on = $9, status = $10, visibility = $11, \
         updated_at = $12 WHERE id = $13 AND cluster_id = $14 AND organisation_id = $15",
        params![
            post.direction.code(),
            post.kind.code(),
            post.title.clone(),
            post.description.clone(),
            lines(&post.keywords),
            lines(post.themes.iter().map(Theme::as_str)),
            lines(&post.industries),
            lines(post.countries.iter().map(CountryCode::as_str)),
            post.expires_on,
            post.status.code(),
            post.visibility.code(),
            crate::now(),
            id.0,
            post.cluster.0,
            post.organisation.0
        ],
    )
    .await?;
    Ok(())
}

fn other_tenant(expected: ClusterId, found: ClusterId) -> StoreError {
    StoreError::OtherTenant {
        entity: "post",
        expected: expected.0,
        found: found.0,
    }
}

impl Store {
    /// A post by id, whoever may read it (for the index and for views that check the rule).
    async fn post_record(&self, id: PostId) -> Result<Option<PostRecord>> {
        let mut pooled = self.acquire().await?;
        let row = pooled
            .conn()
            .fetch_optional(
                &format!(
                    "SELECT {POST_COLUMNS} FROM market_posts p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE p.id = $1"
                ),
                params![id.0],
            )
            .await?;
        row.as_ref().map(post_from_row).transpose()
    }

    /// One post as stored, for updating the search index after a write (the index applies the
    /// reading rule to every query). Not for showing to a person: use a [`MarketView`].
    pub async fn market_post_for_index(&self, id: PostId) -> Result<Option<PostRecord>> {
        self.post_record(id).await
    }

    /// Every post, for a full reindex.
    pub async fn market_posts_for_index(&self) -> Result<Vec<PostRecord>> {
        let mut pooled = self.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {POST_COLUMNS} FROM market_posts p JOIN organisations o ON o.id = p.organisation_id \
                     ORDER BY p.id"
                ),
                vec![],
            )
            .await?
            .iter()
            .map(post_from_row)
            .collect()
    }

    /// Every post of one organisation, for indexing them again after its facts changed.
    pub async fn market_posts_of_organisation(
        &self,
        id: OrganisationId,
    ) -> Result<Vec<PostRecord>> {
        let mut pooled = self.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {POST_COLUMNS} FROM market_posts p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE p.organisation_id = $1 ORDER BY p.id"
                ),
                params![id.0],
            )
            .await?
            .iter()
            .map(post_from_row)
            .collect()
    }

    /// Every organisation with the clusters it is a member of on `on`, for a full reindex.
    pub async fn market_organisations(&self, on: NaiveDate) -> Result<Vec<MarketOrganisation>> {
        let mut pooled = self.acquire().await?;
        let mut conn = pooled.conn();
        let mut members: std::collections::HashMap<i64, Vec<ClusterId>> = Default::default();
        for r in conn
            .fetch_all(
                "SELECT DISTINCT organisation_id, cluster_id FROM memberships \
                 WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)",
                params![on],
            )
            .await?
        {
            members
                .entry(r.get("organisation_id")?)
                .or_default()
                .push(ClusterId(r.get("cluster_id")?));
        }
        let rows = conn
            .fetch_all(
                &format!("SELECT {ORGANISATION_COLUMNS} FROM organisations ORDER BY id"),
                vec![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let record = decode::organisation(r)?;
                let member_of = members.remove(&record.id.0).unwrap_or_default();
                Ok(MarketOrganisation { record, member_of })
            })
            .collect()
    }

    /// One organisation with its memberships on `on`, for updating the index after a write.
    pub async fn market_organisation(
        &self,
        id: OrganisationId,
        on: NaiveDate,
    ) -> Result<MarketOrganisation> {
        let record = self.organisation(id).await?;
        let mut pooled = self.acquire().await?;
        let member_of = pooled
            .conn()
            .fetch_all(
                "SELECT DISTINCT cluster_id FROM memberships WHERE organisation_id = $1 \
                 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) ORDER BY cluster_id",
                params![id.0, on],
            )
            .await?
            .iter()
            .map(|r| Ok(ClusterId(r.get("cluster_id")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(MarketOrganisation { record, member_of })
    }
}

/// What a signed-in person (or an anonymous visitor) may read of the marketplace. Built by
/// [`crate::Principal::market`] or [`MarketView::public`].
#[derive(Clone)]
pub struct MarketView {
    store: Store,
    audience: Audience,
    today: NaiveDate,
}

impl MarketView {
    pub(crate) fn new(store: Store, audience: Audience) -> Self {
        MarketView {
            store,
            audience,
            today: crate::now().date_naive(),
        }
    }

    /// The view of a visitor who is not signed in: public posts only.
    pub fn public(store: &Store) -> Self {
        MarketView::new(store.clone(), Audience::Public)
    }

    /// The audience to hand to the search index: taken from the principal, never the request.
    pub fn audience(&self) -> Audience {
        self.audience
    }

    /// A post the audience may read; any other is "not found".
    pub async fn post(&self, id: PostId) -> Result<PostRecord> {
        match self.store.post_record(id).await? {
            Some(r) if self.audience.may_read(&r.post, self.today) => Ok(r),
            _ => Err(StoreError::not_found("post", format!("id {id}"))),
        }
    }

    /// Whether the audience may edit (and for staff, moderate) the post.
    pub fn may_edit(&self, post: &Post) -> bool {
        self.audience.may_edit(post)
    }
}

impl ClusterStore {
    /// Posts an offer or need for any organisation, through this cluster (staff, the demo
    /// load and imports).
    pub async fn create_post(&self, post: &Post) -> Result<PostId> {
        if post.cluster != self.cluster_id() {
            return Err(other_tenant(self.cluster_id(), post.cluster));
        }
        let mut tx = self.store().begin().await?;
        let id = insert_post(&mut tx.conn(), post).await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl StaffView {
    /// Posts an offer or need for any organisation, through this cluster.
    pub async fn create_post(&self, post: &Post) -> Result<PostId> {
        self.crm().create_post(post).await
    }

    /// One of this cluster's posts in any state; another cluster's is "not found".
    pub async fn own_post(&self, id: PostId) -> Result<PostRecord> {
        match self.store().post_record(id).await? {
            Some(r) if r.post.cluster == self.cluster_id() => Ok(r),
            _ => Err(StoreError::not_found("post", format!("id {id}"))),
        }
    }

    /// Replaces one of this cluster's posts (the organisation stays).
    pub async fn update_post(&self, id: PostId, post: &Post) -> Result<()> {
        let current = self.own_post(id).await?;
        if post.cluster != self.cluster_id() {
            return Err(other_tenant(self.cluster_id(), post.cluster));
        }
        if post.organisation != current.post.organisation {
            return Err(StoreError::Invalid(format!(
                "post {id} belongs to organisation {}: expected the same organisation, got {}",
                current.post.organisation, post.organisation
            )));
        }
        let mut tx = self.store().begin().await?;
        update_post(&mut tx.conn(), id, post).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moderation: sets the state of one of this cluster's posts.
    pub async fn set_post_status(&self, id: PostId, status: PostStatus) -> Result<()> {
        let mut post = self.own_post(id).await?.post;
        post.status = status;
        let mut tx = self.store().begin().await?;
        update_post(&mut tx.conn(), id, &post).await?;
        tx.commit().await?;
        Ok(())
    }

    /// This cluster's posts, newest first, optionally in one state.
    pub async fn cluster_posts(
        &self,
        status: Option<PostStatus>,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<PostRecord>> {
        let mut pooled = self.store().acquire().await?;
        let status_filter = if status.is_some() {
            "AND p.status = $4"
        } else {
            ""
        };
        let mut values = params![
            self.cluster_id().0,
            i64::from(limit.clamp(1, 500)),
            i64::from(offset)
        ];
        if let Some(s) = status {
            values.push(s.code().into());
        }
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {POST_COLUMNS} FROM market_posts p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE p.cluster_id = $1 {status_filter} ORDER BY p.updated_at DESC, p.id DESC LIMIT $2 OFFSET $3"
                ),
                values,
            )
            .await?
            .iter()
            .map(post_from_row)
            .collect()
    }
}

impl MemberView {
    fn check_own(&self, post: &Post) -> Result<()> {
        if post.cluster != self.cluster_id() {
            return Err(other_tenant(self.cluster_id(), post.cluster));
        }
        if post.organisation != self.organisation_id() {
            return Err(StoreError::Invalid(format!(
                "a member contact posts for its own organisation {}: got organisation {}",
                self.organisation_id(),
                post.organisation
            )));
        }
        if matches!(post.status, PostStatus::Hidden | PostStatus::Expired) {
            return Err(StoreError::Invalid(format!(
                "a member may save a post as draft or published, not {}",
                post.status
            )));
        }
        Ok(())
    }

    /// Posts an offer or need for the own organisation (as a draft or published).
    pub async fn create_post(&self, post: &Post) -> Result<PostId> {
        self.check_own(post)?;
        let mut tx = self.store().begin().await?;
        let id = insert_post(&mut tx.conn(), post).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The own organisation's post in this cluster, in any state; any other is "not found".
    pub async fn own_post(&self, id: PostId) -> Result<PostRecord> {
        match self.store().post_record(id).await? {
            Some(r)
                if r.post.cluster == self.cluster_id()
                    && r.post.organisation == self.organisation_id() =>
            {
                Ok(r)
            }
            _ => Err(StoreError::not_found("post", format!("id {id}"))),
        }
    }

    /// Replaces the own organisation's post. A post staff have hidden stays hidden.
    pub async fn update_post(&self, id: PostId, post: &Post) -> Result<()> {
        let current = self.own_post(id).await?;
        if current.post.status == PostStatus::Hidden {
            return Err(StoreError::Invalid(format!(
                "post {id} was hidden by the cluster's staff: ask them to publish it again"
            )));
        }
        self.check_own(post)?;
        let mut tx = self.store().begin().await?;
        update_post(&mut tx.conn(), id, post).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The own organisation's posts in this cluster, newest first.
    pub async fn own_posts(&self) -> Result<Vec<PostRecord>> {
        let mut pooled = self.store().acquire().await?;
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {POST_COLUMNS} FROM market_posts p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE p.cluster_id = $1 AND p.organisation_id = $2 ORDER BY p.updated_at DESC, p.id DESC LIMIT 500"
                ),
                params![self.cluster_id().0, self.organisation_id().0],
            )
            .await?
            .iter()
            .map(post_from_row)
            .collect()
    }
}
