//! Each entity's column list and the values of one row, in the same order. Single inserts and
//! the bulk loader both use these, so a column is named in one place.

use klynge_domain::{
    Activity, Agreement, Cluster, Interaction, Membership, Office, Organisation, Participation,
    Person, Referral, ReferralTarget,
};

use crate::backend::Value;
use crate::{now, params};

pub(crate) const CLUSTER: &[&str] = &["slug", "name", "strength_area", "emerging", "created_at"];

pub(crate) fn cluster(c: &Cluster) -> Vec<Value> {
    params![
        c.slug.as_str(),
        c.name.as_str(),
        c.strength_area.as_str(),
        c.emerging,
        now()
    ]
}

pub(crate) const ORGANISATION: &[&str] = &[
    "name",
    "name_key",
    "kind",
    "cvr",
    "country",
    "vat",
    "municipality_code",
    "employees_min",
    "employees_max",
    "industry_classification",
    "industry_code",
    "created_at",
    "updated_at",
];

pub(crate) fn organisation(org: &Organisation) -> Vec<Value> {
    let reg = &org.registration;
    let stamp = now();
    params![
        org.name.as_str(),
        org.name.match_key(),
        org.kind.code(),
        reg.cvr().map(|c| i64::from(c.value())),
        reg.country().as_str(),
        reg.vat().map(|v| v.as_str().to_string()),
        reg.municipality().map(|m| i64::from(m.value())),
        org.employment.map(|e| i64::from(e.min())),
        org.employment.and_then(|e| e.max()).map(i64::from),
        org.industry.map(|i| i.classification().code().to_string()),
        org.industry.map(|i| i.digits()),
        stamp,
        stamp
    ]
}

pub(crate) const PERSON: &[&str] = &[
    "cluster_id",
    "organisation_id",
    "name",
    "email",
    "phone",
    "job_title",
    "consent_given_on",
    "created_at",
];

pub(crate) fn person(p: &Person) -> Vec<Value> {
    params![
        p.cluster.0,
        p.organisation.0,
        p.name.as_str(),
        p.email.as_ref().map(|e| e.as_str().to_string()),
        p.phone.clone(),
        p.job_title.clone(),
        p.consent_given_on,
        now()
    ]
}

pub(crate) const MEMBERSHIP: &[&str] = &[
    "cluster_id",
    "organisation_id",
    "valid_from",
    "valid_to",
    "fee_tier",
];

pub(crate) fn membership(m: &Membership) -> Vec<Value> {
    params![
        m.cluster.0,
        m.organisation.0,
        m.period.from(),
        m.period.to(),
        m.fee_tier.code()
    ]
}

pub(crate) const ACTIVITY: &[&str] = &[
    "cluster_id",
    "title",
    "activity_type",
    "funding_stream",
    "format",
    "municipality_code",
    "starts_on",
    "ends_on",
    "published",
];

pub(crate) fn activity(a: &Activity) -> Vec<Value> {
    params![
        a.cluster.0,
        a.title.as_str(),
        a.activity_type.code(),
        a.funding_stream.code(),
        a.format.code(),
        a.municipality.map(|m| i64::from(m.value())),
        a.period.from(),
        a.period.to(),
        a.published
    ]
}

pub(crate) const PARTICIPATION: &[&str] = &[
    "activity_id",
    "organisation_id",
    "person_id",
    "role",
    "dedication",
    "new_product_service_process",
    "new_knowledge_collaboration",
    "new_competences",
    "referral_received",
    "registered_on",
];

pub(crate) fn participation(p: &Participation) -> Vec<Value> {
    let o = p.outcomes;
    params![
        p.activity.0,
        p.organisation.0,
        p.person.map(|x| x.0),
        p.role.code(),
        p.dedication.map(|d| d.code().to_string()),
        o.new_product_service_process,
        o.new_knowledge_collaboration,
        o.new_competences,
        o.referral_received,
        p.registered_on
    ]
}

pub(crate) const INTERACTION: &[&str] = &[
    "cluster_id",
    "organisation_id",
    "person_id",
    "kind",
    "occurred_on",
    "subject",
    "notes",
    "follow_up_on",
];

pub(crate) fn interaction(i: &Interaction) -> Vec<Value> {
    params![
        i.cluster.0,
        i.organisation.0,
        i.person.map(|p| p.0),
        i.kind.code(),
        i.occurred_on,
        i.subject.as_str(),
        i.notes.as_str(),
        i.follow_up_on
    ]
}

pub(crate) const REFERRAL: &[&str] = &[
    "cluster_id",
    "organisation_id",
    "target_kind",
    "target_cluster_id",
    "target_organisation_id",
    "target_programme",
    "referred_on",
    "note",
];

pub(crate) fn referral(r: &Referral) -> Vec<Value> {
    let (cluster, org, programme) = match &r.target {
        ReferralTarget::Cluster { cluster } => (Some(cluster.0), None, None),
        ReferralTarget::BusinessHub { organisation } => (None, Some(organisation.0), None),
        ReferralTarget::FundingProgramme { programme } => (None, None, Some(programme.to_string())),
    };
    params![
        r.cluster.0,
        r.organisation.0,
        r.target.kind_code(),
        cluster,
        org,
        programme,
        r.referred_on,
        r.note.as_str()
    ]
}

pub(crate) const OFFICE: &[&str] = &[
    "cluster_id",
    "municipality_code",
    "kind",
    "valid_from",
    "valid_to",
];

pub(crate) fn office(o: &Office) -> Vec<Value> {
    params![
        o.cluster.0,
        i64::from(o.municipality.value()),
        o.kind.code(),
        o.period.from(),
        o.period.to()
    ]
}

pub(crate) const AGREEMENT: &[&str] = &[
    "cluster_id",
    "partner_organisation_id",
    "title",
    "valid_from",
    "valid_to",
];

pub(crate) fn agreement(a: &Agreement) -> Vec<Value> {
    params![
        a.cluster.0,
        a.partner.0,
        a.title.as_str(),
        a.period.from(),
        a.period.to()
    ]
}

/// `INSERT INTO table (cols) VALUES ($1, …) RETURNING id`.
pub(crate) fn insert_returning_id(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        columns.join(", "),
        placeholders.join(", ")
    )
}
