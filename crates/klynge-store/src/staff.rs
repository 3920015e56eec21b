//! The views a [`Principal`](crate::Principal) hands out. Each holds the cluster or
//! organisation it was built for and puts it into every statement, so a handler cannot ask for
//! another cluster's private rows: there is no parameter to ask with.

use chrono::{Days, NaiveDate};
use klynge_domain::{
    ActivityId, ClusterId, Interaction, InteractionId, OrganisationId, OrganisationRecord,
    PersonId, ReferralId,
};

use crate::accounts::UserRecord;
use crate::error::{Result, StoreError};
use crate::{ClusterRecord, ClusterStore, Store, params};

fn today() -> NaiveDate {
    crate::now().date_naive()
}

/// A cluster's headline numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    pub members_now: i64,
    pub contacts: i64,
    pub activities: i64,
    pub published_activities: i64,
    pub participations: i64,
    pub participating_organisations: i64,
    pub interactions_last_90_days: i64,
    pub open_follow_ups: i64,
}

/// One membership row on an organisation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub fee_tier: String,
}

/// A contact on an organisation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: PersonId,
    pub name: String,
    pub email: Option<String>,
    pub job_title: Option<String>,
}

/// One event on an organisation's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineEntry {
    Interaction {
        id: InteractionId,
        on: NaiveDate,
        kind: String,
        subject: String,
        notes: String,
        follow_up_on: Option<NaiveDate>,
    },
    Participation {
        activity: ActivityId,
        on: NaiveDate,
        title: String,
        role: String,
    },
}

impl TimelineEntry {
    pub fn on(&self) -> NaiveDate {
        match self {
            TimelineEntry::Interaction { on, .. } | TimelineEntry::Participation { on, .. } => *on,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    pub id: ReferralId,
    pub referred_on: NaiveDate,
    pub target: String,
    pub note: String,
}

/// Everything a cluster's staff see about one organisation: the shared facts and the own
/// cluster's private records.
#[derive(Debug, Clone)]
pub struct OrganisationPage {
    pub record: OrganisationRecord,
    pub municipality_name: Option<String>,
    pub memberships: Vec<MembershipRow>,
    pub contacts: Vec<ContactRow>,
    pub timeline: Vec<TimelineEntry>,
    pub referrals: Vec<ReferralRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub title: String,
    pub activity_type: String,
    pub starts_on: NaiveDate,
    pub published: bool,
    pub participants: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub role: String,
    pub person: Option<String>,
}

/// The CRM of one cluster, for its staff. Built by [`crate::Principal::staff`].
#[derive(Clone)]
pub struct StaffView {
    store: Store,
    cluster: ClusterId,
}

impl StaffView {
    pub(crate) fn new(store: Store, cluster: ClusterId) -> Self {
        StaffView { store, cluster }
    }

    pub fn cluster_id(&self) -> ClusterId {
        self.cluster
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The tenant-scoped handle for the writes and reads it already offers.
    pub fn crm(&self) -> ClusterStore {
        ClusterStore::new(self.store.clone(), self.cluster)
    }

    pub async fn cluster(&self) -> Result<ClusterRecord> {
        cluster_record(&self.store, self.cluster).await
    }

    pub async fn dashboard(&self) -> Result<Dashboard> {
        let mut pooled = self.store.acquire().await?;
        let mut c = pooled.conn();
        let id = self.cluster.0;
        let today = today();
        let since = today.checked_sub_days(Days::new(90)).unwrap_or(today);
        Ok(Dashboard {
            members_now: c
                .fetch_i64(
                    "SELECT COUNT(DISTINCT organisation_id) FROM memberships WHERE cluster_id = $1 \
                     AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)",
                    params![id, today],
                )
                .await?,
            contacts: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM persons WHERE cluster_id = $1",
                    params![id],
                )
                .await?,
            activities: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM activities WHERE cluster_id = $1",
                    params![id],
                )
                .await?,
            published_activities: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM activities WHERE cluster_id = $1 AND published",
                    params![id],
                )
                .await?,
            participations: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM participations p JOIN activities a ON a.id = p.activity_id WHERE a.cluster_id = $1",
                    params![id],
                )
                .await?,
            participating_organisations: c
                .fetch_i64(
                    "SELECT COUNT(DISTINCT p.organisation_id) FROM participations p JOIN activities a ON a.id = p.activity_id \
                     WHERE a.cluster_id = $1",
                    params![id],
                )
                .await?,
            interactions_last_90_days: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM interactions WHERE cluster_id = $1 AND occurred_on >= $2",
                    params![id, since],
                )
                .await?,
            open_follow_ups: c
                .fetch_i64(
                    "SELECT COUNT(*) FROM interactions WHERE cluster_id = $1 AND follow_up_on >= $2",
                    params![id, today],
                )
                .await?,
        })
    }

    /// One organisation with this cluster's records about it. Unknown id: `NotFound`.
    pub async fn organisation(&self, id: OrganisationId) -> Result<OrganisationPage> {
        let record = self.store.organisation(id).await?;
        let mut pooled = self.store.acquire().await?;
        let mut c = pooled.conn();
        let cl = self.cluster.0;
        let municipality_name = record
            .organisation
            .registration
            .municipality()
            .map(|m| m.municipality().name.to_string());
        let memberships = c
            .fetch_all(
                "SELECT valid_from, valid_to, fee_tier FROM memberships WHERE cluster_id = $1 AND organisation_id = $2 \
                 ORDER BY valid_from DESC",
                params![cl, id.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(MembershipRow {
                    valid_from: r.get("valid_from")?,
                    valid_to: r.get("valid_to")?,
                    fee_tier: r.get("fee_tier")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let contacts = c
            .fetch_all(
                "SELECT id, name, email, job_title FROM persons WHERE cluster_id = $1 AND organisation_id = $2 ORDER BY name, id",
                params![cl, id.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ContactRow {
                    id: PersonId(r.get("id")?),
                    name: r.get("name")?,
                    email: r.get("email")?,
                    job_title: r.get("job_title")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut timeline = c
            .fetch_all(
                "SELECT id, occurred_on, kind, subject, notes, follow_up_on FROM interactions \
                 WHERE cluster_id = $1 AND organisation_id = $2 ORDER BY occurred_on DESC, id DESC LIMIT 200",
                params![cl, id.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(TimelineEntry::Interaction {
                    id: InteractionId(r.get("id")?),
                    on: r.get("occurred_on")?,
                    kind: r.get("kind")?,
                    subject: r.get("subject")?,
                    notes: r.get("notes")?,
                    follow_up_on: r.get("follow_up_on")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let participations = c
            .fetch_all(
                "SELECT a.id, a.starts_on, a.title, p.role FROM participations p JOIN activities a ON a.id = p.activity_id \
                 WHERE a.cluster_id = $1 AND p.organisation_id = $2 ORDER BY a.starts_on DESC LIMIT 200",
                params![cl, id.0],
            )
            .await?;
        for r in &participations {
            timeline.push(TimelineEntry::Participation {
                activity: ActivityId(r.get("id")?),
                on: r.get("starts_on")?,
                title: r.get("title")?,
                role: r.get("role")?,
            });
        }
        timeline.sort_by_key(|e| std::cmp::Reverse(e.on()));
        let referrals = c
            .fetch_all(
                &format!(
                    "SELECT {} {} WHERE r.cluster_id = $1 AND r.organisation_id = $2 ORDER BY r.referred_on DESC",
                    crate::staff_lists::REFERRAL_COLUMNS,
                    crate::staff_lists::REFERRAL_FROM
                ),
                params![cl, id.0],
            )
            .await?
            .iter()
            .map(|r| {
                let target = crate::staff_lists::referral_target(r)?;
                Ok(ReferralRow {
                    id: ReferralId(r.get("id")?),
                    referred_on: r.get("referred_on")?,
                    target,
                    note: r.get("note")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OrganisationPage {
            record,
            municipality_name,
            memberships,
            contacts,
            timeline,
            referrals,
        })
    }

    /// Records an interaction of this cluster (the organisation must exist; a contact must
    /// be one of this cluster's contacts at that organisation).
    pub async fn record_interaction(&self, interaction: &Interaction) -> Result<InteractionId> {
        if interaction.cluster != self.cluster {
            return Err(StoreError::OtherTenant {
                entity: "interaction",
                expected: self.cluster.0,
                found: interaction.cluster.0,
            });
        }
        if let Some(person) = interaction.person {
            let mut pooled = self.store.acquire().await?;
            let n = pooled
                .conn()
                .fetch_i64(
                    "SELECT COUNT(*) FROM persons WHERE id = $1 AND cluster_id = $2 AND organisation_id = $3",
                    params![person.0, self.cluster.0, interaction.organisation.0],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::not_found(
                    "contact",
                    format!(
                        "id {} at organisation {}",
                        person.0, interaction.organisation
                    ),
                ));
            }
        }
        self.crm().record_interaction(interaction).await
    }

    /// This cluster's activities, newest first, a page at a time.
    pub async fn activities(&self, offset: u32, limit: u32) -> Result<Vec<ActivityRow>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT a.id, a.title, a.activity_type, a.starts_on, a.published, \
                 (SELECT COUNT(*) FROM participations p WHERE p.activity_id = a.id) AS participants \
                 FROM activities a WHERE a.cluster_id = $1 ORDER BY a.starts_on DESC, a.id DESC LIMIT $2 OFFSET $3",
                params![self.cluster.0, i64::from(limit), i64::from(offset)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ActivityRow {
                    id: ActivityId(r.get("id")?),
                    title: r.get("title")?,
                    activity_type: r.get("activity_type")?,
                    starts_on: r.get("starts_on")?,
                    published: r.get("published")?,
                    participants: r.get("participants")?,
                })
            })
            .collect()
    }

    /// One of this cluster's activities with its participants. Another cluster's: `NotFound`.
    pub async fn activity(
        &self,
        id: ActivityId,
    ) -> Result<(klynge_domain::Activity, Vec<ParticipantRow>)> {
        let activity = self.crm().activity(id).await?;
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT p.organisation_id, o.name AS organisation_name, p.role, pe.name AS person_name \
                 FROM participations p JOIN activities a ON a.id = p.activity_id \
                 JOIN organisations o ON o.id = p.organisation_id \
                 LEFT JOIN persons pe ON pe.id = p.person_id AND pe.cluster_id = a.cluster_id \
                 WHERE p.activity_id = $1 AND a.cluster_id = $2 ORDER BY o.name_key, p.id",
                params![id.0, self.cluster.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ParticipantRow {
                    organisation: OrganisationId(r.get("organisation_id")?),
                    organisation_name: r.get("organisation_name")?,
                    role: r.get("role")?,
                    person: r.get("person_name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((activity, rows))
    }
}

async fn cluster_record(store: &Store, id: ClusterId) -> Result<ClusterRecord> {
    store
        .clusters()
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| StoreError::not_found("cluster", format!("id {id}")))
}

/// One participation of the member's organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberParticipation {
    pub activity_title: String,
    pub starts_on: NaiveDate,
    pub role: String,
}

/// A member contact's view: the own organisation in the own cluster only.
#[derive(Clone)]
pub struct MemberView {
    store: Store,
    cluster: ClusterId,
    organisation: OrganisationId,
}

impl MemberView {
    pub(crate) fn new(store: Store, cluster: ClusterId, organisation: OrganisationId) -> Self {
        MemberView {
            store,
            cluster,
            organisation,
        }
    }

    pub async fn cluster(&self) -> Result<ClusterRecord> {
        cluster_record(&self.store, self.cluster).await
    }

    pub fn cluster_id(&self) -> ClusterId {
        self.cluster
    }

    pub fn organisation_id(&self) -> OrganisationId {
        self.organisation
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub async fn organisation(&self) -> Result<OrganisationRecord> {
        self.store.organisation(self.organisation).await
    }

    pub async fn memberships(&self) -> Result<Vec<MembershipRow>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT valid_from, valid_to, fee_tier FROM memberships WHERE cluster_id = $1 AND organisation_id = $2 \
                 ORDER BY valid_from DESC",
                params![self.cluster.0, self.organisation.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(MembershipRow {
                    valid_from: r.get("valid_from")?,
                    valid_to: r.get("valid_to")?,
                    fee_tier: r.get("fee_tier")?,
                })
            })
            .collect()
    }

    pub async fn participations(&self) -> Result<Vec<MemberParticipation>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT a.title, a.starts_on, p.role FROM participations p JOIN activities a ON a.id = p.activity_id \
                 WHERE a.cluster_id = $1 AND p.organisation_id = $2 ORDER BY a.starts_on DESC, p.id DESC LIMIT 500",
                params![self.cluster.0, self.organisation.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(MemberParticipation {
                    activity_title: r.get("title")?,
                    starts_on: r.get("starts_on")?,
                    role: r.get("role")?,
                })
            })
            .collect()
    }
}

/// Aggregates of one cluster, as partners see them: counts, never rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFigures {
    pub name: String,
    pub members_now: i64,
    pub activities: i64,
    pub participations: i64,
    pub participating_organisations: i64,
}

/// Read-only aggregates across clusters.
#[derive(Clone)]
pub struct PartnerView {
    store: Store,
}

impl PartnerView {
    pub(crate) fn new(store: Store) -> Self {
        PartnerView { store }
    }

    pub async fn cluster_figures(&self) -> Result<Vec<ClusterFigures>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT c.name, \
                 (SELECT COUNT(DISTINCT m.organisation_id) FROM memberships m WHERE m.cluster_id = c.id \
                    AND m.valid_from <= $1 AND (m.valid_to IS NULL OR m.valid_to >= $1)) AS members_now, \
                 (SELECT COUNT(*) FROM activities a WHERE a.cluster_id = c.id) AS activities, \
                 (SELECT COUNT(*) FROM participations p JOIN activities a ON a.id = p.activity_id WHERE a.cluster_id = c.id) AS participations, \
                 (SELECT COUNT(DISTINCT p.organisation_id) FROM participations p JOIN activities a ON a.id = p.activity_id \
                    WHERE a.cluster_id = c.id) AS participating_organisations \
                 FROM clusters c ORDER BY c.name",
                params![today()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ClusterFigures {
                    name: r.get("name")?,
                    members_now: r.get("members_now")?,
                    activities: r.get("activities")?,
                    participations: r.get("participations")?,
                    participating_organisations: r.get("participating_organisations")?,
                })
            })
            .collect()
    }
}

/// Account administration.
#[derive(Clone)]
pub struct OperatorView {
    store: Store,
}

impl OperatorView {
    pub(crate) fn new(store: Store) -> Self {
        OperatorView { store }
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>> {
        self.store.all_users().await
    }

    pub async fn counts(&self) -> Result<crate::TableCounts> {
        self.store.counts().await
    }
}
