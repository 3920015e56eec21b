//! The staff's cluster-wide lists: contacts, follow-ups, referrals, offices and agreements.
//! Like everything on [`StaffView`], each statement carries the view's own cluster.

use chrono::{Days, NaiveDate};
use klynge_domain::{
    ActivityId, InteractionId, OrganisationId, Participation, ParticipationId, Person, PersonId,
    Referral, ReferralId,
};

use crate::backend::AnyRow;
use crate::error::Result;
use crate::{StaffView, params};

/// A contact in the cluster's contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactListRow {
    pub id: PersonId,
    pub name: String,
    pub email: Option<String>,
    pub job_title: Option<String>,
    pub organisation: OrganisationId,
    pub organisation_name: String,
}

/// An interaction with a follow-up date (opfølgning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub interaction: InteractionId,
    pub follow_up_on: NaiveDate,
    pub subject: String,
    pub organisation: OrganisationId,
    pub organisation_name: String,
    /// The day has passed.
    pub overdue: bool,
}

/// A referral (henvisning) in the cluster's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralListRow {
    pub id: ReferralId,
    pub referred_on: NaiveDate,
    pub organisation: OrganisationId,
    pub organisation_name: String,
    /// cluster, business_hub or funding_programme.
    pub target_kind: String,
    pub target: String,
    pub note: String,
}

/// An office of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeRow {
    pub municipality_code: u16,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// A cooperation agreement of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    pub title: String,
    pub partner: OrganisationId,
    pub partner_name: String,
    pub partner_municipality: Option<u16>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// Follow-ups whose day passed more than this long ago no longer show.
const FOLLOW_UP_LOOKBACK_DAYS: u64 = 60;

/// The name of what a referral row points at (a cluster, a business hub or a programme).
pub(crate) fn referral_target(r: &AnyRow) -> Result<String> {
    Ok(r.get::<Option<String>>("cluster_name")?
        .or(r.get::<Option<String>>("organisation_name")?)
        .or(r.get::<Option<String>>("target_programme")?)
        .unwrap_or_default())
}

/// The columns [`referral_target`] reads, after `SELECT`; [`REFERRAL_FROM`] joins them.
pub(crate) const REFERRAL_COLUMNS: &str = "r.id, r.referred_on, r.note, r.target_kind, r.organisation_id, \
     c.name AS cluster_name, o.name AS organisation_name, r.target_programme";
pub(crate) const REFERRAL_FROM: &str = "FROM referrals r LEFT JOIN clusters c ON c.id = r.target_cluster_id \
     LEFT JOIN organisations o ON o.id = r.target_organisation_id";

/// `%text%` for a case-insensitive LIKE, with the LIKE wildcards in the text escaped.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

impl StaffView {
    /// The cluster's contacts by name, optionally those whose name or e-mail contains `text`;
    /// `limit + 1` rows are asked for by callers that want to know whether more follow.
    pub async fn contacts(
        &self,
        text: Option<&str>,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<ContactListRow>> {
        let mut pooled = self.store().acquire().await?;
        let cluster = self.cluster_id().0;
        let select = "SELECT p.id, p.name, p.email, p.job_title, p.organisation_id, o.name AS organisation_name \
                      FROM persons p JOIN organisations o ON o.id = p.organisation_id WHERE p.cluster_id = $1";
        let rows = match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => {
                let sql = format!(
                    "{select} AND (lower(p.name) LIKE $2 ESCAPE '\\' OR lower(p.email) LIKE $2 ESCAPE '\\') \
                     ORDER BY p.name, p.id LIMIT $3 OFFSET $4"
                );
                pooled
                    .conn()
                    .fetch_all(
                        &sql,
                        params![
                            cluster,
                            like_pattern(t),
                            i64::from(limit),
                            i64::from(offset)
                        ],
                    )
                    .await?
            }
            None => {
                let sql = format!("{select} ORDER BY p.name, p.id LIMIT $2 OFFSET $3");
                pooled
                    .conn()
                    .fetch_all(&sql, params![cluster, i64::from(limit), i64::from(offset)])
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(ContactListRow {
                    id: PersonId(r.get("id")?),
                    name: r.get("name")?,
                    email: r.get("email")?,
                    job_title: r.get("job_title")?,
                    organisation: OrganisationId(r.get("organisation_id")?),
                    organisation_name: r.get("organisation_name")?,
                })
            })
            .collect()
    }

    /// Adds a contact at an organisation to this cluster (the person must name this cluster).
    pub async fn add_contact(&self, person: &Person) -> Result<PersonId> {
        self.crm().add_person(person).await
    }

    /// One of the cluster's contacts (another cluster's is not found).
    pub async fn contact(&self, id: PersonId) -> Result<Person> {
        self.crm().person(id).await
    }

    /// Changes a contact (not the organisation it belongs to).
    pub async fn update_contact(&self, id: PersonId, person: &Person) -> Result<()> {
        self.crm().update_person(id, person).await
    }

    /// Deletes a contact; what it took part in stays, without the person.
    pub async fn delete_contact(&self, id: PersonId) -> Result<()> {
        self.crm().delete_person(id).await
    }

    /// Follow-ups from [`FOLLOW_UP_LOOKBACK_DAYS`] ago onwards, the earliest first.
    pub async fn follow_ups(&self, today: NaiveDate, limit: u32) -> Result<Vec<FollowUpRow>> {
        let since = today
            .checked_sub_days(Days::new(FOLLOW_UP_LOOKBACK_DAYS))
            .unwrap_or(today);
        let mut pooled = self.store().acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT i.id, i.follow_up_on, i.subject, i.organisation_id, o.name AS organisation_name \
                 FROM interactions i JOIN organisations o ON o.id = i.organisation_id \
                 WHERE i.cluster_id = $1 AND i.follow_up_on >= $2 ORDER BY i.follow_up_on, i.id LIMIT $3",
                params![self.cluster_id().0, since, i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| {
                let follow_up_on: NaiveDate = r.get("follow_up_on")?;
                Ok(FollowUpRow {
                    interaction: InteractionId(r.get("id")?),
                    follow_up_on,
                    subject: r.get("subject")?,
                    organisation: OrganisationId(r.get("organisation_id")?),
                    organisation_name: r.get("organisation_name")?,
                    overdue: follow_up_on < today,
                })
            })
            .collect()
    }

    /// The cluster's referrals, newest first.
    pub async fn referrals(&self, offset: u32, limit: u32) -> Result<Vec<ReferralListRow>> {
        let mut pooled = self.store().acquire().await?;
        let sql = format!(
            "SELECT {REFERRAL_COLUMNS}, ro.name AS referred_name {REFERRAL_FROM} \
             JOIN organisations ro ON ro.id = r.organisation_id \
             WHERE r.cluster_id = $1 ORDER BY r.referred_on DESC, r.id DESC LIMIT $2 OFFSET $3"
        );
        pooled
            .conn()
            .fetch_all(
                &sql,
                params![self.cluster_id().0, i64::from(limit), i64::from(offset)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ReferralListRow {
                    id: ReferralId(r.get("id")?),
                    referred_on: r.get("referred_on")?,
                    organisation: OrganisationId(r.get("organisation_id")?),
                    organisation_name: r.get("referred_name")?,
                    target_kind: r.get("target_kind")?,
                    target: referral_target(r)?,
                    note: r.get("note")?,
                })
            })
            .collect()
    }

    /// Records a referral of this cluster.
    pub async fn add_referral(&self, referral: &Referral) -> Result<ReferralId> {
        self.crm().add_referral(referral).await
    }

    /// One of the cluster's referrals (another cluster's is not found).
    pub async fn referral(&self, id: ReferralId) -> Result<Referral> {
        self.crm().referral(id).await
    }

    /// Changes a referral's target, day and note.
    pub async fn update_referral(&self, id: ReferralId, referral: &Referral) -> Result<()> {
        self.crm().update_referral(id, referral).await
    }

    /// Deletes one of the cluster's referrals.
    pub async fn delete_referral(&self, id: ReferralId) -> Result<()> {
        self.crm().delete_referral(id).await
    }

    /// The cluster's offices, by municipality.
    pub async fn offices(&self) -> Result<Vec<OfficeRow>> {
        let mut pooled = self.store().acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT municipality_code, kind, valid_from, valid_to FROM offices WHERE cluster_id = $1 \
                 ORDER BY municipality_code, valid_from",
                params![self.cluster_id().0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(OfficeRow {
                    municipality_code: u16::try_from(r.get::<i64>("municipality_code")?)
                        .unwrap_or_default(),
                    kind: r.get("kind")?,
                    valid_from: r.get("valid_from")?,
                    valid_to: r.get("valid_to")?,
                })
            })
            .collect()
    }

    /// The cluster's agreements with their partners, by title.
    pub async fn agreements(&self) -> Result<Vec<AgreementRow>> {
        let mut pooled = self.store().acquire().await?;
        pooled
            .conn()
            .fetch_all(
                "SELECT a.title, a.partner_organisation_id, o.name AS partner_name, o.municipality_code, a.valid_from, a.valid_to \
                 FROM agreements a JOIN organisations o ON o.id = a.partner_organisation_id WHERE a.cluster_id = $1 \
                 ORDER BY a.title, a.id",
                params![self.cluster_id().0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(AgreementRow {
                    title: r.get("title")?,
                    partner: OrganisationId(r.get("partner_organisation_id")?),
                    partner_name: r.get("partner_name")?,
                    partner_municipality: r
                        .get::<Option<i64>>("municipality_code")?
                        .and_then(|m| u16::try_from(m).ok()),
                    valid_from: r.get("valid_from")?,
                    valid_to: r.get("valid_to")?,
                })
            })
            .collect()
    }

    /// Adds an organisation to one of this cluster's activities.
    pub async fn add_participant(&self, participation: &Participation) -> Result<ParticipationId> {
        self.crm().add_participation(participation).await
    }

    /// Whether the organisation already takes part in the activity (any role).
    pub async fn takes_part(
        &self,
        activity: ActivityId,
        organisation: OrganisationId,
    ) -> Result<bool> {
        let mut pooled = self.store().acquire().await?;
        let n = pooled
            .conn()
            .fetch_i64(
                "SELECT COUNT(*) FROM participations p JOIN activities a ON a.id = p.activity_id \
                 WHERE a.cluster_id = $1 AND p.activity_id = $2 AND p.organisation_id = $3",
                params![self.cluster_id().0, activity.0, organisation.0],
            )
            .await?;
        Ok(n > 0)
    }
}
