//! The JSON shapes of the API, described for the OpenAPI document. The store's rows and the
//! domain's records are turned into these at the edge, so the wire format is written down once
//! (here) and the domain crate stays free of web concerns.

use chrono::NaiveDate;
use klynge_domain::{Activity, OrganisationRecord, Registration};
use klynge_store::{
    ActivityRow, AgreementRow, ClusterFigures, ContactListRow, ContactRow, Dashboard, FollowUpRow,
    MemberParticipation, MembershipRow, OfficeRow, OrganisationHit, ParticipantRow,
    ReferralListRow, ReferralRow, TimelineEntry,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub display_name: String,
    /// operator, cluster_admin, cluster_staff, member or partner.
    pub role: String,
    pub cluster_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

/// A cluster's headline numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardBody {
    pub cluster_id: i64,
    pub members_now: i64,
    pub contacts: i64,
    pub activities: i64,
    pub published_activities: i64,
    pub participations: i64,
    pub participating_organisations: i64,
    pub interactions_last_90_days: i64,
    pub open_follow_ups: i64,
}

impl DashboardBody {
    pub fn new(cluster_id: i64, d: &Dashboard) -> Self {
        DashboardBody {
            cluster_id,
            members_now: d.members_now,
            contacts: d.contacts,
            activities: d.activities,
            published_activities: d.published_activities,
            participations: d.participations,
            participating_organisations: d.participating_organisations,
            interactions_last_90_days: d.interactions_last_90_days,
            open_follow_ups: d.open_follow_ups,
        }
    }
}

/// A page of a list: the items and where the next page starts (`null` on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub offset: u32,
    pub limit: u32,
    pub next_offset: Option<u32>,
}

impl<T: ToSchema> Page<T> {
    /// A page from the `limit + 1` rows asked for: the extra row only says that more follow.
    pub fn of<R>(mut rows: Vec<R>, offset: u32, limit: u32) -> Self
    where
        T: for<'a> From<&'a R>,
    {
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Page {
            items: rows.iter().map(T::from).collect(),
            offset,
            limit,
            next_offset: has_more.then(|| offset + limit),
        }
    }
}

/// One organisation in a search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationItem {
    pub id: i64,
    pub name: String,
    /// The organisation kind code: company, knowledge_institution, public_authority, municipality,
    /// region, business_hub, cluster_organisation, investor, industry_association or other.
    pub kind: String,
    pub cvr: Option<i64>,
    /// The municipality's name.
    pub municipality: Option<String>,
    pub employees_min: Option<i64>,
    pub employees_max: Option<i64>,
    pub industry_code: Option<String>,
    /// A member of the caller's cluster today.
    pub member: bool,
}

impl From<&OrganisationHit> for OrganisationItem {
    fn from(h: &OrganisationHit) -> Self {
        OrganisationItem {
            id: h.id.0,
            name: h.name.clone(),
            kind: h.kind.clone(),
            cvr: h.cvr,
            municipality: h.municipality.clone(),
            employees_min: h.employees_min,
            employees_max: h.employees_max,
            industry_code: h.industry_code.clone(),
            member: h.member,
        }
    }
}

/// An organisation as registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationBody {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// danish or foreign.
    pub registration: String,
    pub cvr: Option<String>,
    /// The four-digit municipality code (Danish organisations).
    pub municipality: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub vat: Option<String>,
    pub employees_min: Option<u32>,
    pub employees_max: Option<u32>,
    pub industry_code: Option<String>,
}

impl From<&OrganisationRecord> for OrganisationBody {
    fn from(r: &OrganisationRecord) -> Self {
        let o = &r.organisation;
        let reg = &o.registration;
        OrganisationBody {
            id: r.id.0,
            name: o.name.to_string(),
            kind: o.kind.code().to_string(),
            registration: match reg {
                Registration::Danish { .. } => "danish",
                Registration::Foreign { .. } => "foreign",
            }
            .to_string(),
            cvr: reg.cvr().map(|c| c.to_string()),
            municipality: reg.municipality().map(|m| m.to_string()),
            country: reg.country().to_string(),
            vat: reg.vat().map(|v| v.as_str().to_string()),
            employees_min: o.employment.map(|e| e.min()),
            employees_max: o.employment.and_then(|e| e.max()),
            industry_code: o.industry.map(|i| i.digits()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipItem {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub fee_tier: String,
}

impl From<&MembershipRow> for MembershipItem {
    fn from(m: &MembershipRow) -> Self {
        MembershipItem {
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            fee_tier: m.fee_tier.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactItem {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub job_title: Option<String>,
}

impl From<&ContactRow> for ContactItem {
    fn from(c: &ContactRow) -> Self {
        ContactItem {
            id: c.id.0,
            name: c.name.clone(),
            email: c.email.clone(),
            job_title: c.job_title.clone(),
        }
    }
}

/// One event on an organisation's timeline, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineItem {
    Interaction {
        id: i64,
        on: NaiveDate,
        kind: String,
        subject: String,
        notes: String,
        follow_up_on: Option<NaiveDate>,
    },
    Participation {
        activity_id: i64,
        on: NaiveDate,
        title: String,
        role: String,
    },
}

impl From<&TimelineEntry> for TimelineItem {
    fn from(e: &TimelineEntry) -> Self {
        match e {
            TimelineEntry::Interaction {
                id,
                on,
                kind,
                subject,
                notes,
                follow_up_on,
            } => TimelineItem::Interaction {
                id: id.0,
                on: *on,
                kind: kind.clone(),
                subject: subject.clone(),
                notes: notes.clone(),
                follow_up_on: *follow_up_on,
            },
            TimelineEntry::Participation {
                activity,
                on,
                title,
                role,
            } => TimelineItem::Participation {
                activity_id: activity.0,
                on: *on,
                title: title.clone(),
                role: role.clone(),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralItem {
    pub referred_on: NaiveDate,
    pub target: String,
    pub note: String,
}

impl From<&ReferralRow> for ReferralItem {
    fn from(r: &ReferralRow) -> Self {
        ReferralItem {
            referred_on: r.referred_on,
            target: r.target.clone(),
            note: r.note.clone(),
        }
    }
}

/// An organisation with what the caller's cluster knows of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDetail {
    pub organisation: OrganisationBody,
    pub municipality_name: Option<String>,
    pub memberships: Vec<MembershipItem>,
    pub contacts: Vec<ContactItem>,
    pub timeline: Vec<TimelineItem>,
    pub referrals: Vec<ReferralItem>,
}

/// The body of `POST /api/v1/organisations/{id}/interactions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInteraction {
    /// meeting, phone, email, visit or other.
    pub kind: String,
    /// A day: 2026-11-30, 30-11-2026 or 30.11.2026.
    pub occurred_on: String,
    /// 1 to 200 characters.
    pub subject: String,
    /// At most 10,000 characters.
    #[serde(default)]
    pub notes: String,
    /// A day on or after `occurred_on`.
    #[serde(default)]
    pub follow_up_on: Option<String>,
}

/// The id of a record just made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityItem {
    pub id: i64,
    pub title: String,
    pub activity_type: String,
    pub starts_on: NaiveDate,
    pub published: bool,
    pub participants: i64,
}

impl From<&ActivityRow> for ActivityItem {
    fn from(a: &ActivityRow) -> Self {
        ActivityItem {
            id: a.id.0,
            title: a.title.clone(),
            activity_type: a.activity_type.clone(),
            starts_on: a.starts_on,
            published: a.published,
            participants: a.participants,
        }
    }
}

/// An activity as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityBody {
    pub title: String,
    pub activity_type: String,
    pub funding_stream: String,
    pub format: String,
    pub municipality: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub published: bool,
    pub themes: Vec<String>,
    pub co_organiser_cluster_ids: Vec<i64>,
}

impl From<&Activity> for ActivityBody {
    fn from(a: &Activity) -> Self {
        ActivityBody {
            title: a.title.to_string(),
            activity_type: a.activity_type.code().to_string(),
            funding_stream: a.funding_stream.code().to_string(),
            format: a.format.code().to_string(),
            municipality: a.municipality.map(|m| m.to_string()),
            starts_on: a.period.from(),
            ends_on: a.period.to(),
            published: a.published,
            themes: a.themes.iter().map(|t| t.as_str().to_string()).collect(),
            co_organiser_cluster_ids: a.co_organisers.iter().map(|c| c.0).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantItem {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: String,
    pub person: Option<String>,
}

impl From<&ParticipantRow> for ParticipantItem {
    fn from(r: &ParticipantRow) -> Self {
        ParticipantItem {
            organisation_id: r.organisation.0,
            organisation_name: r.organisation_name.clone(),
            role: r.role.clone(),
            person: r.person.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDetail {
    pub activity: ActivityBody,
    pub participants: Vec<ParticipantItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberParticipationItem {
    pub activity_title: String,
    pub starts_on: NaiveDate,
    pub role: String,
}

impl From<&MemberParticipation> for MemberParticipationItem {
    fn from(p: &MemberParticipation) -> Self {
        MemberParticipationItem {
            activity_title: p.activity_title.clone(),
            starts_on: p.starts_on,
            role: p.role.clone(),
        }
    }
}

/// A member contact's own organisation and its participations in the cluster's activities.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    pub organisation: OrganisationBody,
    pub participations: Vec<MemberParticipationItem>,
}

/// One cluster's aggregates, as partners see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterFiguresItem {
    pub name: String,
    pub members_now: i64,
    pub activities: i64,
    pub participations: i64,
    pub participating_organisations: i64,
}

impl From<&ClusterFigures> for ClusterFiguresItem {
    fn from(c: &ClusterFigures) -> Self {
        ClusterFiguresItem {
            name: c.name.clone(),
            members_now: c.members_now,
            activities: c.activities,
            participations: c.participations,
            participating_organisations: c.participating_organisations,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterFiguresList {
    pub items: Vec<ClusterFiguresItem>,
}

/// A contact person of the caller's cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactListItem {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub job_title: Option<String>,
    pub organisation_id: i64,
    pub organisation_name: String,
}

impl From<&ContactListRow> for ContactListItem {
    fn from(c: &ContactListRow) -> Self {
        ContactListItem {
            id: c.id.0,
            name: c.name.clone(),
            email: c.email.clone(),
            job_title: c.job_title.clone(),
            organisation_id: c.organisation.0,
            organisation_name: c.organisation_name.clone(),
        }
    }
}

/// The body of `POST /api/v1/organisations/{id}/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// 1 to 200 characters.
    pub name: String,
    /// Unique among the cluster's contacts.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The day the person consented to being kept (GDPR), if consent is the basis.
    #[serde(default)]
    pub consent_given_on: Option<String>,
}

/// An interaction with a follow-up date.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpItem {
    pub interaction_id: i64,
    pub follow_up_on: NaiveDate,
    pub subject: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub overdue: bool,
}

impl From<&FollowUpRow> for FollowUpItem {
    fn from(f: &FollowUpRow) -> Self {
        FollowUpItem {
            interaction_id: f.interaction.0,
            follow_up_on: f.follow_up_on,
            subject: f.subject.clone(),
            organisation_id: f.organisation.0,
            organisation_name: f.organisation_name.clone(),
            overdue: f.overdue,
        }
    }
}

/// A referral made by the caller's cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralListItem {
    pub id: i64,
    pub referred_on: NaiveDate,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// cluster, business_hub or funding_programme.
    pub target_kind: String,
    pub target: String,
    pub note: String,
}

impl From<&ReferralListRow> for ReferralListItem {
    fn from(r: &ReferralListRow) -> Self {
        ReferralListItem {
            id: r.id.0,
            referred_on: r.referred_on,
            organisation_id: r.organisation.0,
            organisation_name: r.organisation_name.clone(),
            target_kind: r.target_kind.clone(),
            target: r.target.clone(),
            note: r.note.clone(),
        }
    }
}

/// An office of the caller's cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeItem {
    pub municipality_code: u16,
    /// own or co_located_business_hub.
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl From<&OfficeRow> for OfficeItem {
    fn from(o: &OfficeRow) -> Self {
        OfficeItem {
            municipality_code: o.municipality_code,
            kind: o.kind.clone(),
            valid_from: o.valid_from,
            valid_to: o.valid_to,
        }
    }
}

/// A cooperation agreement of the caller's cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementItem {
    pub title: String,
    pub partner_id: i64,
    pub partner_name: String,
    pub partner_municipality_code: Option<u16>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl From<&AgreementRow> for AgreementItem {
    fn from(a: &AgreementRow) -> Self {
        AgreementItem {
            title: a.title.clone(),
            partner_id: a.partner.0,
            partner_name: a.partner_name.clone(),
            partner_municipality_code: a.partner_municipality,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
        }
    }
}

/// A whole list (no paging: these lists are short).
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
}

/// The body of `POST /api/v1/activities/{id}/participants`: the organisation by id or by
/// CVR number (one of the two).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    #[serde(default)]
    pub organisation_id: Option<i64>,
    #[serde(default)]
    pub cvr: Option<String>,
    /// participant (default), speaker, co_organiser, project_partner or project_lead.
    #[serde(default)]
    pub role: Option<String>,
}
