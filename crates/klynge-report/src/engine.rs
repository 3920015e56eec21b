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

/// Positions of facts by their database id: a table when the ids are dense (as the store hands
/// them out), a hash map otherwise.
struct IdIndex {
    base: i64,
    dense: Vec<u32>,
    sparse: HashMap<i64, u32>,
}

impl IdIndex {
    const NONE: u32 = u32::MAX;

    fn new(ids: impl ExactSizeIterator<Item = i64> + Clone) -> Self {
        let len = ids.len();
        let (lo, hi) = ids.clone().fold((i64::MAX, i64::MIN), |(lo, hi), id| {
            (lo.min(id), hi.max(id))
        });
        let span = hi.checked_sub(lo).and_then(|s| usize::try_from(s).ok());
        match span {
            Some(span) if span < 4 * len + 1024 => {
                let mut dense = vec![Self::NONE; span + 1];
                for (i, id) in ids.enumerate() {
                    dense[(id - lo) as usize] = i as u32;
                }
                IdIndex {
                    base: lo,
                    dense,
                    sparse: HashMap::new(),
                }
            }
            _ => IdIndex {
                base: 0,
                dense: Vec::new(),
                sparse: ids.enumerate().map(|(i, id)| (id, i as u32)).collect(),
            },
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        if self.dense.is_empty() {
            return self.sparse.get(&id).map(|&i| i as usize);
        }
        let slot = id
            .checked_sub(self.base)
            .and_then(|o| usize::try_from(o).ok())?;
        match self.dense.get(slot) {
            Some(&i) if i != Self::NONE => Some(i as usize),
            _ => None,
        }
    }
}

/// Regions by municipality code on one date: a table lookup per fact instead of a search of
/// the municipality list.
pub(crate) struct Geo {
    regions: Vec<Option<Region>>,
}

impl Geo {
    pub(crate) fn on(date: NaiveDate) -> Self {
        let mut regions = vec![None; 1024];
        for m in klynge_domain::geography::municipalities() {
            if let Some(slot) = regions.get_mut(usize::from(m.code.value())) {
                *slot = Some(m.region_on(date));
            }
        }
        Geo { regions }
    }

    pub(crate) fn region(&self, m: MunicipalityCode) -> Option<Region> {
        self.regions.get(usize::from(m.value())).copied().flatten()
    }

    pub(crate) fn in_region(&self, m: Option<MunicipalityCode>, region: Region) -> bool {
        m.is_some_and(|m| self.region(m) == Some(region))
    }

    /// Region label of an organisation: a region code, "abroad" or "unknown".
    fn label(&self, foreign: bool, m: Option<MunicipalityCode>) -> &'static str {
        if foreign {
            "abroad"
        } else {
            m.and_then(|m| self.region(m))
                .map_or("unknown", |r| r.code())
        }
    }

    fn located_in(&self, scope: Scope, m: Option<MunicipalityCode>) -> bool {
        match scope {
            Scope::National | Scope::Cluster(_) => true,
            Scope::Region(r) => self.in_region(m, r),
            Scope::Municipality(wanted) => m == Some(wanted),
        }
    }
}

/// The facts, indexed for counting. Build once, count many reports.
pub struct Snapshot {
    facts: KpiFacts,
    org_index: IdIndex,
    /// Participations resolved to (activity index, organisation index, flags).
    parts: Vec<(u32, u32, u8)>,
}

impl Snapshot {
    pub fn new(facts: KpiFacts) -> Result<Self, ReportError> {
        let org_index = IdIndex::new(facts.organisations.iter().map(|o| o.id));
        let activity_index = IdIndex::new(facts.activities.iter().map(|a| a.id));
        let mut parts = Vec::with_capacity(facts.participations.len());
        for p in &facts.participations {
            let a = activity_index
                .get(p.activity)
                .ok_or(ReportError::Dangling {
                    what: "activity",
                    id: p.activity,
                })?;
            let o = org_index.get(p.organisation).ok_or(ReportError::Dangling {
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

    /// The position of an organisation in `facts().organisations`.
    pub(crate) fn org_position(&self, id: i64) -> Option<usize> {
        self.org_index.get(id)
    }

    fn org(&self, id: i64) -> Option<&klynge_store::kpi::OrganisationFact> {
        self.org_index.get(id).map(|i| &self.facts.organisations[i])
    }
}

/// The region a municipality belongs to on the report's geography date.
pub fn region_of(municipality: MunicipalityCode, geography_date: NaiveDate) -> Region {
    municipality.municipality().region_on(geography_date)
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

/// Counts per label, with labels that are `&'static str` (no allocation per fact).
#[derive(Default)]
struct Tally(Vec<(&'static str, u64)>);

impl Tally {
    fn add(&mut self, label: &'static str) {
        match self.0.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => self.0.push((label, 1)),
        }
    }

    fn into_map(self) -> BTreeMap<String, u64> {
        self.0
            .into_iter()
            .map(|(l, n)| (l.to_string(), n))
            .collect()
    }
}

/// Counts one scope over one period, placing organisations by the regions of `geo`.
pub fn kpis(snapshot: &Snapshot, query: KpiQuery, geo: NaiveDate) -> Kpis {
    let KpiQuery {
        scope,
        period,
        funding_stream,
    } = query;
    let facts = &snapshot.facts;
    let regions = Geo::on(geo);
    let mut k = Kpis::default();
    let last = period.to;
    // Whether each organisation is registered in the scope's geography (always, for the
    // country and for a cluster): computed once per report instead of once per fact.
    let org_in_scope: Vec<bool> = facts
        .organisations
        .iter()
        .map(|o| regions.located_in(scope, o.municipality))
        .collect();

    // Members (stock on the last day) and membership flows.
    let mut member_seen = vec![false; facts.organisations.len()];
    let (mut by_size, mut by_region) = (Tally::default(), Tally::default());
    for m in &facts.memberships {
        if !of_cluster(scope, m.cluster) {
            continue;
        }
        let Some(oi) = snapshot.org_position(m.organisation) else {
            continue;
        };
        if !org_in_scope[oi] {
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
            if !std::mem::replace(&mut member_seen[oi], true) {
                let org = &facts.organisations[oi];
                k.members += 1;
                by_size.add(size_label(org.employees_min));
                by_region.add(regions.label(org.foreign, org.municipality));
            }
        }
    }
    k.members_by_size = by_size.into_map();
    k.members_by_region = by_region.into_map();

    // Activities in scope: the organiser's for a cluster; held there for a geography.
    let (mut by_type, mut by_category, mut by_stream_a, mut by_format) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    for a in &facts.activities {
        let in_scope = period.contains(a.starts_on)
            && funding_stream.is_none_or(|s| s == a.funding_stream)
            && match scope {
                Scope::National => true,
                Scope::Cluster(c) => a.cluster == c,
                Scope::Region(_) | Scope::Municipality(_) => {
                    regions.located_in(scope, a.municipality)
                }
            };
        if !in_scope {
            continue;
        }
        k.activities += 1;
        by_type.add(a.activity_type.code());
        by_category.add(a.activity_type.category().code());
        by_stream_a.add(a.funding_stream.code());
        by_format.add(a.format.code());
        for theme in &a.themes {
            *k.activities_by_theme.entry(theme.clone()).or_default() += 1;
        }
    }
    k.activities_by_type = by_type.into_map();
    k.activities_by_category = by_category.into_map();
    k.activities_by_funding_stream = by_stream_a.into_map();
    k.activities_by_format = by_format.into_map();

    // Participations: in the period by the activity's start date; for a cluster, in its
    // activities; for a geography, of organisations registered there (wherever the activity).
    // Each activity's test is done once: `stream + 1`, or 0 when its participations do not count.
    let activity_counts: Vec<u8> = facts
        .activities
        .iter()
        .map(|a| {
            let counts = period.contains(a.starts_on)
                && of_cluster(scope, a.cluster)
                && funding_stream.is_none_or(|s| s == a.funding_stream);
            if counts {
                stream_index(a.funding_stream) as u8 + 1
            } else {
                0
            }
        })
        .collect();
    const SEEN: u8 = 0x80;
    let mut per_org = vec![0u8; facts.organisations.len()];
    let mut by_stream = vec![0u64; FundingStream::ALL.len() + 1];
    for &(ai, oi, flags) in &snapshot.parts {
        let stream = activity_counts[ai as usize];
        if stream == 0 || !org_in_scope[oi as usize] {
            continue;
        }
        by_stream[usize::from(stream)] += 1;
        per_org[oi as usize] |= flags | SEEN;
    }
    k.participations = by_stream.iter().sum();
    for (i, stream) in FundingStream::ALL.iter().enumerate() {
        if by_stream[i + 1] > 0 {
            k.participations_by_funding_stream
                .insert(stream.code().to_string(), by_stream[i + 1]);
        }
    }
    let (mut org_region, mut org_size) = (Tally::default(), Tally::default());
    for (org, &f) in facts.organisations.iter().zip(&per_org) {
        if f & SEEN == 0 {
            continue;
        }
        k.unique_organisations += 1;
        org_region.add(regions.label(org.foreign, org.municipality));
        org_size.add(size_label(org.employees_min));
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
    k.unique_organisations_by_region = org_region.into_map();
    k.unique_organisations_by_size = org_size.into_map();
    k.sme_share =
        (k.companies_with_size > 0).then(|| k.sme_companies as f64 / k.companies_with_size as f64);

    // Offices and agreements: stock on the last day.
    for o in &facts.offices {
        if of_cluster(scope, o.cluster)
            && regions.located_in(scope, Some(o.municipality))
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
            && regions.located_in(scope, partner.municipality)
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

/// One figure of a KPI table: a count, or a share (none when there is nothing to divide by).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    Count(u64),
    Share(Option<f64>),
}

impl Kpis {
    /// The headline figures as (label key in [`crate::i18n`], figure), in the order every
    /// renderer shows them.
    pub fn headline(&self) -> Vec<(&'static str, Figure)> {
        use Figure::{Count, Share};
        vec![
            ("kpi_members", Count(self.members)),
            ("kpi_memberships", Count(self.memberships)),
            ("kpi_new_memberships", Count(self.new_memberships)),
            ("kpi_lost_memberships", Count(self.lost_memberships)),
            ("unique_organisations", Count(self.unique_organisations)),
            ("unique_companies", Count(self.unique_companies)),
            ("sme_share", Share(self.sme_share)),
            ("dedicated", Count(self.dedicated_organisations)),
            ("participations", Count(self.participations)),
            ("kpi_without_cvr", Count(self.organisations_without_cvr)),
            ("kpi_foreign", Count(self.foreign_organisations)),
            (
                "outcome_product",
                Count(self.outcome_new_product_service_process),
            ),
            (
                "outcome_knowledge",
                Count(self.outcome_new_knowledge_collaboration),
            ),
            ("outcome_competences", Count(self.outcome_new_competences)),
            ("outcome_referral", Count(self.outcome_referral_received)),
            ("kpi_activities", Count(self.activities)),
            ("kpi_offices_own", Count(self.offices_own)),
            ("kpi_offices_co_located", Count(self.offices_co_located)),
            ("agreements", Count(self.agreements)),
        ]
    }

    /// The breakdowns as (title key in [`crate::i18n`], counts by code or label).
    pub fn breakdowns(&self) -> Vec<(&'static str, &BTreeMap<String, u64>)> {
        vec![
            ("kpi_members_by_size", &self.members_by_size),
            ("kpi_members_by_region", &self.members_by_region),
            ("kpi_unique_by_region", &self.unique_organisations_by_region),
            ("kpi_unique_by_size", &self.unique_organisations_by_size),
            ("kpi_activities_by_category", &self.activities_by_category),
            ("kpi_activities_by_type", &self.activities_by_type),
            ("kpi_activities_by_theme", &self.activities_by_theme),
            (
                "kpi_activities_by_funding_stream",
                &self.activities_by_funding_stream,
            ),
            ("kpi_activities_by_format", &self.activities_by_format),
            (
                "kpi_participations_by_funding_stream",
                &self.participations_by_funding_stream,
            ),
            (
                "agreements_by_municipality",
                &self.agreements_by_municipality,
            ),
        ]
    }
}

/// One row of a breakdown: (code, current, previous period, national).
pub type BreakdownRow = (String, u64, u64, u64);

impl KpiReport {
    /// Headline rows: (label key, current, previous period, national).
    pub fn headline_rows(&self) -> Vec<(&'static str, Figure, Figure, Figure)> {
        self.current
            .headline()
            .into_iter()
            .zip(self.previous.headline())
            .zip(self.national.headline())
            .map(|(((key, c), (_, p)), (_, n))| (key, c, p, n))
            .collect()
    }

    /// Breakdown tables: (title key, rows of (code, current, previous, national)), every code
    /// that occurs in any of the three columns.
    pub fn breakdown_rows(&self) -> Vec<(&'static str, Vec<BreakdownRow>)> {
        self.current
            .breakdowns()
            .into_iter()
            .zip(self.previous.breakdowns())
            .zip(self.national.breakdowns())
            .map(|(((key, c), (_, p)), (_, n))| {
                let codes: std::collections::BTreeSet<&String> =
                    c.keys().chain(p.keys()).chain(n.keys()).collect();
                let get = |m: &BTreeMap<String, u64>, k: &String| m.get(k).copied().unwrap_or(0);
                let rows = codes
                    .into_iter()
                    .map(|k| (k.clone(), get(c, k), get(p, k), get(n, k)))
                    .collect();
                (key, rows)
            })
            .collect()
    }
}
