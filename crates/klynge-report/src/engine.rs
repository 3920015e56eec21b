//! The KPI engine: pure counting over a [`Snapshot`] of facts. No SQL, no HTTP, no clock (the
//! caller says what "today" is). The counting rules are in the crate docs (`lib.rs`) and in
//! [`crate::rules`]; each rule is implemented once, here.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use klynge_domain::{
    ClusterId, FundingStream, Municipality, MunicipalityCode, OfficeKind, OrganisationKind, Region,
    SizeClass,
};
use klynge_store::kpi::{KpiFacts, flag};
use serde::Serialize;

use crate::error::ReportError;

/// What a report counts: the whole country, a region, a municipality or one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Scope {
    National,
    Region(Region),
    Municipality(MunicipalityCode),
    Cluster(ClusterId),
}

/// A report period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ReportPeriod {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ReportError> {
        if to < from {
            return Err(ReportError::InvertedPeriod { from, to });
        }
        Ok(ReportPeriod { from, to })
    }

    /// A calendar year.
    pub fn year(year: i32) -> Result<Self, ReportError> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ReportError::BadYear { year })?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(ReportError::BadYear { year })?;
        Ok(ReportPeriod { from, to })
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    pub fn days(self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length that ends the day before this one starts.
    pub fn previous(self) -> ReportPeriod {
        let len = Duration::days(self.days());
        ReportPeriod {
            from: self.from - len,
            to: self.from - Duration::days(1),
        }
    }
}

/// The facts, indexed for counting. Build once, count many reports.
pub struct Snapshot {
    facts: KpiFacts,
    org_index: HashMap<i64, usize>,
    /// Participations resolved to (activity index, organisation index, flags).
    parts: Vec<(u32, u32, u8)>,
}

impl Snapshot {
    pub fn new(facts: KpiFacts) -> Result<Self, ReportError> {
        let org_index: HashMap<i64, usize> = facts
            .organisations
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i))
            .collect();
        let activity_index: HashMap<i64, usize> = facts
            .activities
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        let mut parts = Vec::with_capacity(facts.participations.len());
        for p in &facts.participations {
            let a = *activity_index
                .get(&p.activity)
                .ok_or(ReportError::Dangling {
                    what: "activity",
                    id: p.activity,
                })?;
            let o = *org_index
                .get(&p.organisation)
                .ok_or(ReportError::Dangling {
                    what: "organisation",
                    id: p.organisation,
                })?;
            parts.push((a as u32, o as u32, p.flags));
        }
        Ok(Snapshot {
            facts,
            org_index,
            parts,
        })
    }

    /// Participations resolved to (activity index, organisation index, flags).
    pub(crate) fn parts(&self) -> &[(u32, u32, u8)] {
        &self.parts
    }

    pub fn facts(&self) -> &KpiFacts {
        &self.facts
    }

    pub fn cluster_by_slug(
        &self,
        slug: &str,
    ) -> Result<&klynge_store::kpi::ClusterFact, ReportError> {
        self.facts
            .clusters
            .iter()
            .find(|c| c.slug == slug)
            .ok_or_else(|| ReportError::UnknownCluster {
                input: slug.to_string(),
                known: self
                    .facts
                    .clusters
                    .iter()
                    .map(|c| c.slug.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn org(&self, id: i64) -> Option<&klynge_store::kpi::OrganisationFact> {
        self.org_index
            .get(&id)
            .map(|&i| &self.facts.organisations[i])
    }
}

/// The region a municipality belongs to on the report's geography date.
pub fn region_of(municipality: MunicipalityCode, geography_date: NaiveDate) -> Region {
    municipality.municipality().region_on(geography_date)
}

/// Where an organisation sits in the geography of the report: its registered address.
fn located_in(scope: Scope, municipality: Option<MunicipalityCode>, geo: NaiveDate) -> bool {
    match scope {
        Scope::National | Scope::Cluster(_) => true,
        Scope::Region(r) => municipality.is_some_and(|m| region_of(m, geo) == r),
        Scope::Municipality(wanted) => municipality == Some(wanted),
    }
}

fn of_cluster(scope: Scope, cluster: ClusterId) -> bool {
    match scope {
        Scope::Cluster(c) => c == cluster,
        _ => true,
    }
}

/// Size class label as used in tables: a [`SizeClass`] code or "unknown".
pub fn size_label(employees_min: Option<u32>) -> &'static str {
    employees_min.map_or("unknown", |n| SizeClass::of_employees(n).code())
}

/// Region label of an organisation: a region code, "abroad" or "unknown".
pub fn region_label(
    foreign: bool,
    municipality: Option<MunicipalityCode>,
    geo: NaiveDate,
) -> &'static str {
    if foreign {
        "abroad"
    } else {
        municipality.map_or("unknown", |m| region_of(m, geo).code())
    }
}

/// The figures of one scope over one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Distinct organisations that are members of a cluster in scope on the last day.
    pub members: u64,
    /// Cluster–organisation membership pairs on the last day (a member of two clusters twice).
    pub memberships: u64,
    pub members_by_size: BTreeMap<String, u64>,
    pub members_by_region: BTreeMap<String, u64>,
    /// Memberships that started in the period.
    pub new_memberships: u64,
    /// Memberships whose last day was the day before a day of the period.
    pub lost_memberships: u64,
    pub participations: u64,
    pub unique_organisations: u64,
    pub unique_companies: u64,
    /// Participating companies with a known size class.
    pub companies_with_size: u64,
    pub sme_companies: u64,
    /// `sme_companies / companies_with_size`; `None` when no company has a known size.
    pub sme_share: Option<f64>,
    pub dedicated_organisations: u64,
    pub organisations_without_cvr: u64,
    pub foreign_organisations: u64,
    pub outcome_new_product_service_process: u64,
    pub outcome_new_knowledge_collaboration: u64,
    pub outcome_new_competences: u64,
    pub outcome_referral_received: u64,
    pub unique_organisations_by_region: BTreeMap<String, u64>,
    pub unique_organisations_by_size: BTreeMap<String, u64>,
    pub activities: u64,
    pub activities_by_category: BTreeMap<String, u64>,
    pub activities_by_type: BTreeMap<String, u64>,
    pub activities_by_theme: BTreeMap<String, u64>,
    pub activities_by_funding_stream: BTreeMap<String, u64>,
    pub activities_by_format: BTreeMap<String, u64>,
    pub participations_by_funding_stream: BTreeMap<String, u64>,
    pub offices_own: u64,
    pub offices_co_located: u64,
    pub agreements: u64,
    /// Agreements in force on the last day, by the partner's municipality (code, four digits).
    pub agreements_by_municipality: BTreeMap<String, u64>,
}

/// A KPI query: scope, period, and optionally one funding stream (for the funder report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KpiQuery {
    pub scope: Scope,
    pub period: ReportPeriod,
    pub funding_stream: Option<FundingStream>,
}

/// One scope's figures with the previous period and the national total beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    pub query: KpiQuery,
    /// The date whose regions place organisations (the period's last day).
    pub geography_date: NaiveDate,
    pub current: Kpis,
    pub previous: Kpis,
    pub national: Kpis,
}

/// Checks that a region scope names a region in force on the geography date.
pub fn check_scope(scope: Scope, geography_date: NaiveDate) -> Result<(), ReportError> {
    if let Scope::Region(region) = scope
        && !region.is_valid_on(geography_date)
    {
        let in_force: Vec<&str> = Region::in_force_on(geography_date)
            .map(|r| r.name_da())
            .collect();
        return Err(ReportError::RegionNotInForce {
            region: region.name_da(),
            date: geography_date,
            in_force: in_force.join(", "),
        });
    }
    Ok(())
}

/// The KPI report: current period, previous period and national total.
pub fn kpi_report(snapshot: &Snapshot, query: KpiQuery) -> Result<KpiReport, ReportError> {
    let geo = query.period.to;
    check_scope(query.scope, geo)?;
    let current = kpis(snapshot, query, geo);
    let previous = kpis(
        snapshot,
        KpiQuery {
            period: query.period.previous(),
            ..query
        },
        geo,
    );
    let national = kpis(
        snapshot,
        KpiQuery {
            scope: Scope::National,
            ..query
        },
        geo,
    );
    Ok(KpiReport {
        query,
        geography_date: geo,
        current,
        previous,
        national,
    })
}

fn in_force_on(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| t >= day)
}

/// Counts one scope over one period, placing organisations by the regions of `geo`.
pub fn kpis(snapshot: &Snapshot, query: KpiQuery, geo: NaiveDate) -> Kpis {
    let KpiQuery {
        scope,
        period,
        funding_stream,
    } = query;
    let facts = &snapshot.facts;
    let mut k = Kpis::default();
    let last = period.to;

    // Members (stock on the last day) and membership flows.
    let mut member_seen: HashMap<i64, ()> = HashMap::new();
    for m in &facts.memberships {
        if !of_cluster(scope, m.cluster) {
            continue;
        }
        let Some(org) = snapshot.org(m.organisation) else {
            continue;
        };
        if !located_in(scope, org.municipality, geo) {
            continue;
        }
        if period.contains(m.valid_from) {
            k.new_memberships += 1;
        }
        if m.valid_to
            .and_then(|t| t.succ_opt())
            .is_some_and(|d| period.contains(d))
        {
            k.lost_memberships += 1;
        }
        if in_force_on(m.valid_from, m.valid_to, last) {
            k.memberships += 1;
            if member_seen.insert(org.id, ()).is_none() {
                k.members += 1;
                *k.members_by_size
                    .entry(size_label(org.employees_min).to_string())
                    .or_default() += 1;
                *k.members_by_region
                    .entry(region_label(org.foreign, org.municipality, geo).to_string())
                    .or_default() += 1;
            }
        }
    }

    // Activities in scope: the organiser's for a cluster; held there for a geography.
    let activity_in_scope: Vec<bool> = facts
        .activities
        .iter()
        .map(|a| {
            period.contains(a.starts_on)
                && funding_stream.is_none_or(|s| s == a.funding_stream)
                && match scope {
                    Scope::National => true,
                    Scope::Cluster(c) => a.cluster == c,
                    Scope::Region(_) | Scope::Municipality(_) => {
                        located_in(scope, a.municipality, geo)
                    }
                }
        })
        .collect();
    for (a, _) in facts
        .activities
        .iter()
        .zip(&activity_in_scope)
        .filter(|(_, in_scope)| **in_scope)
    {
        k.activities += 1;
        *k.activities_by_type
            .entry(a.activity_type.code().to_string())
            .or_default() += 1;
        *k.activities_by_category
            .entry(a.activity_type.category().code().to_string())
            .or_default() += 1;
        *k.activities_by_funding_stream
            .entry(a.funding_stream.code().to_string())
            .or_default() += 1;
        *k.activities_by_format
            .entry(a.format.code().to_string())
            .or_default() += 1;
        for theme in &a.themes {
            *k.activities_by_theme.entry(theme.clone()).or_default() += 1;
        }
    }

    // Participations: in the period by the activity's start date; for a cluster, in its
    // activities; for a geography, of organisations registered there (wherever the activity).
    const SEEN: u8 = 0x80;
    let mut per_org = vec![0u8; facts.organisations.len()];
    let mut by_stream = [0u64; 8];
    for &(ai, oi, flags) in &snapshot.parts {
        let a = &facts.activities[ai as usize];
        if !period.contains(a.starts_on)
            || !of_cluster(scope, a.cluster)
            || funding_stream.is_some_and(|s| s != a.funding_stream)
        {
            continue;
        }
        let org = &facts.organisations[oi as usize];
        if !located_in(scope, org.municipality, geo) {
            continue;
        }
        k.participations += 1;
        by_stream[stream_index(a.funding_stream)] += 1;
        per_org[oi as usize] |= flags | SEEN;
    }
    for (i, stream) in FundingStream::ALL.iter().enumerate() {
        if by_stream[i] > 0 {
            k.participations_by_funding_stream
                .insert(stream.code().to_string(), by_stream[i]);
        }
    }
    for (org, &f) in facts.organisations.iter().zip(&per_org) {
        if f & SEEN == 0 {
            continue;
        }
        k.unique_organisations += 1;
        *k.unique_organisations_by_region
            .entry(region_label(org.foreign, org.municipality, geo).to_string())
            .or_default() += 1;
        *k.unique_organisations_by_size
            .entry(size_label(org.employees_min).to_string())
            .or_default() += 1;
        if org.kind == OrganisationKind::Company {
            k.unique_companies += 1;
            if let Some(n) = org.employees_min {
                k.companies_with_size += 1;
                if SizeClass::of_employees(n).is_sme() {
                    k.sme_companies += 1;
                }
            }
        }
        if !org.has_cvr {
            k.organisations_without_cvr += 1;
        }
        if org.foreign {
            k.foreign_organisations += 1;
        }
        let count = |bit: u8| u64::from(f & bit != 0);
        k.dedicated_organisations += count(flag::DEDICATED);
        k.outcome_new_product_service_process += count(flag::NEW_PRODUCT_SERVICE_PROCESS);
        k.outcome_new_knowledge_collaboration += count(flag::NEW_KNOWLEDGE_COLLABORATION);
        k.outcome_new_competences += count(flag::NEW_COMPETENCES);
        k.outcome_referral_received += count(flag::REFERRAL_RECEIVED);
    }
    k.sme_share =
        (k.companies_with_size > 0).then(|| k.sme_companies as f64 / k.companies_with_size as f64);

    // Offices and agreements: stock on the last day.
    for o in &facts.offices {
        if of_cluster(scope, o.cluster)
            && located_in(scope, Some(o.municipality), geo)
            && in_force_on(o.valid_from, o.valid_to, last)
        {
            match o.kind {
                OfficeKind::Own => k.offices_own += 1,
                OfficeKind::CoLocatedWithBusinessHub => k.offices_co_located += 1,
            }
        }
    }
    for a in &facts.agreements {
        let Some(partner) = snapshot.org(a.partner) else {
            continue;
        };
        if of_cluster(scope, a.cluster)
            && located_in(scope, partner.municipality, geo)
            && in_force_on(a.valid_from, a.valid_to, last)
        {
            k.agreements += 1;
            *k.agreements_by_municipality
                .entry(municipality_label(partner.municipality))
                .or_default() += 1;
        }
    }
    k
}

fn stream_index(stream: FundingStream) -> usize {
    FundingStream::ALL
        .iter()
        .position(|s| *s == stream)
        .unwrap_or(0)
}

/// "0851 Aalborg", or "unknown" without a municipality.
pub fn municipality_label(m: Option<MunicipalityCode>) -> String {
    m.map_or_else(
        || "unknown".to_string(),
        |code| format!("{code} {}", code.municipality().name),
    )
}

/// Municipalities of a region on a date, for tables that list every municipality.
pub fn municipalities_of(region: Region, date: NaiveDate) -> Vec<&'static Municipality> {
    Municipality::in_region_on(region, date).collect()
}
