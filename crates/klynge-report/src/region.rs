//! The regional engagement report (the North Jutland survey, `seeds/003`): presence, members
//! over and under 50 employees, unique companies and participants in activities held in the
//! region since a date, agreements by municipality and by cluster — each beside the national
//! figure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use klynge_domain::{ClusterId, OfficeKind, OrganisationKind, Region};
use serde::Serialize;

use crate::engine::{Geo, ReportPeriod, Scope, Snapshot, check_scope, municipality_label};
use crate::error::ReportError;

/// Members split at 50 employees (the performance accounts' split; by the register interval's
/// lower bound), with unknown size apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SizeSplit {
    pub fifty_plus: u64,
    pub under_fifty: u64,
    pub unknown: u64,
}

impl SizeSplit {
    pub fn total(self) -> u64 {
        self.fifty_plus + self.under_fifty + self.unknown
    }

    fn add(&mut self, employees_min: Option<u32>) {
        match employees_min {
            Some(n) if n >= 50 => self.fifty_plus += 1,
            Some(_) => self.under_fifty += 1,
            None => self.unknown += 1,
        }
    }
}

/// One cluster's engagement in the region, with its national figures beside.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterEngagement {
    pub slug: String,
    pub name: String,
    pub own_office: bool,
    pub co_located: bool,
    pub members: SizeSplit,
    pub activities: u64,
    pub unique_companies: u64,
    pub participants: u64,
    pub agreements: u64,
    pub national_members: SizeSplit,
    pub national_activities: u64,
    pub national_unique_companies: u64,
    pub national_participants: u64,
    pub national_agreements: u64,
}

/// The region's totals: organisations counted once however many clusters they work with.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EngagementTotals {
    pub clusters: u64,
    pub clusters_with_presence: u64,
    pub clusters_with_own_office: u64,
    pub clusters_co_located: u64,
    pub clusters_with_members: u64,
    pub clusters_with_activities: u64,
    pub clusters_with_agreements: u64,
    /// Distinct member organisations.
    pub members: SizeSplit,
    /// Membership pairs (a member of two clusters twice), as the survey summed them.
    pub memberships: u64,
    pub activities: u64,
    pub unique_companies: u64,
    pub participants: u64,
    pub agreements: u64,
}

/// Unique companies in activities held in each region (bars).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionBar {
    pub region: Region,
    pub unique_companies: u64,
}

/// One year of the line chart: activities held in the region and nationally.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearPoint {
    pub year: i32,
    pub unique_companies: u64,
    pub participants: u64,
    pub national_unique_companies: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionReport {
    pub region: Region,
    pub since: NaiveDate,
    pub until: NaiveDate,
    /// Regions are those in force on this day (the report's last day).
    pub geography_date: NaiveDate,
    pub clusters: Vec<ClusterEngagement>,
    pub totals: EngagementTotals,
    pub national: EngagementTotals,
    /// Agreements in force on the last day with partners in the region, by municipality.
    pub agreements_by_municipality: Vec<(String, u64)>,
    pub by_region: Vec<RegionBar>,
    pub by_year: Vec<YearPoint>,
}

/// A set of organisations as bits over their positions in the snapshot: inserting and
/// counting a million participations costs a few bit operations each, where a tree of ids cost
/// an allocation and a search.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= *b;
        }
    }

    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// One cluster's running counts (in the region, or nationally).
struct Acc {
    own: bool,
    co: bool,
    members: Bits,
    activities: u64,
    companies: Bits,
    participants: u64,
    agreements: u64,
}

impl Acc {
    fn new(orgs: usize) -> Self {
        Acc {
            own: false,
            co: false,
            members: Bits::new(orgs),
            activities: 0,
            companies: Bits::new(orgs),
            participants: 0,
            agreements: 0,
        }
    }
}

/// What the participation pass needs of an activity, worked out once per activity.
#[derive(Clone, Copy)]
struct ActivityInfo {
    in_period: bool,
    held_in_region: bool,
    /// Position in the cluster list; `None` for a cluster the facts do not list.
    cluster: Option<usize>,
    /// Years since the report's first year.
    year: usize,
    /// Position in the bars (regions in force on the geography date) of where it was held.
    bar: Option<usize>,
}

/// Builds the regional engagement report for `region` from `since` to `until` (both included).
pub fn region_report(
    snapshot: &Snapshot,
    region: Region,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<RegionReport, ReportError> {
    let period = ReportPeriod::new(since, until)?;
    let geo = until;
    check_scope(Scope::Region(region), geo)?;
    let facts = snapshot.facts();
    let regions = Geo::on(geo);
    let in_region = |m: Option<klynge_domain::MunicipalityCode>| regions.in_region(m, region);
    let n_orgs = facts.organisations.len();
    let cluster_pos: HashMap<ClusterId, usize> = facts
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut regional: Vec<Acc> = facts.clusters.iter().map(|_| Acc::new(n_orgs)).collect();
    let mut national: Vec<Acc> = facts.clusters.iter().map(|_| Acc::new(n_orgs)).collect();
    let in_force =
        |from: NaiveDate, to: Option<NaiveDate>| from <= until && to.is_none_or(|t| t >= until);

    for o in &facts.offices {
        // Presence: an office open at any time in the period.
        let overlaps = o.valid_from <= until && o.valid_to.is_none_or(|t| t >= since);
        if overlaps
            && in_region(Some(o.municipality))
            && let Some(&c) = cluster_pos.get(&o.cluster)
        {
            match o.kind {
                OfficeKind::Own => regional[c].own = true,
                OfficeKind::CoLocatedWithBusinessHub => regional[c].co = true,
            }
        }
    }
    for m in &facts.memberships {
        let (Some(oi), Some(&c)) = (
            snapshot.org_position(m.organisation),
            cluster_pos.get(&m.cluster),
        ) else {
            continue;
        };
        if !in_force(m.valid_from, m.valid_to) {
            continue;
        }
        national[c].members.insert(oi);
        if in_region(facts.organisations[oi].municipality) {
            regional[c].members.insert(oi);
        }
    }
    let bars_regions: Vec<Region> = Region::in_force_on(geo).collect();
    let first_year = since.year();
    let activities: Vec<ActivityInfo> = facts
        .activities
        .iter()
        .map(|a| {
            let in_period = period.contains(a.starts_on);
            ActivityInfo {
                in_period,
                held_in_region: in_period && in_region(a.municipality),
                cluster: cluster_pos.get(&a.cluster).copied(),
                year: usize::try_from(a.starts_on.year() - first_year).unwrap_or(0),
                bar: a
                    .municipality
                    .and_then(|m| regions.region(m))
                    .and_then(|r| bars_regions.iter().position(|b| *b == r)),
            }
        })
        .collect();
    for info in &activities {
        if let (true, Some(c)) = (info.in_period, info.cluster) {
            national[c].activities += 1;
            if info.held_in_region {
                regional[c].activities += 1;
            }
        }
    }
    let years = usize::try_from(until.year() - first_year + 1).unwrap_or(1);
    // Per year: companies in activities held in the region, participants there, companies
    // nationally.
    let mut year_companies: Vec<(Bits, u64, Bits)> = (0..years)
        .map(|_| (Bits::new(n_orgs), 0, Bits::new(n_orgs)))
        .collect();
    let mut bars: Vec<Bits> = bars_regions.iter().map(|_| Bits::new(n_orgs)).collect();
    let is_company: Vec<bool> = facts
        .organisations
        .iter()
        .map(|o| o.kind == OrganisationKind::Company)
        .collect();
    for &(ai, oi, _) in snapshot.parts() {
        let info = activities[ai as usize];
        if !info.in_period {
            continue;
        }
        let oi = oi as usize;
        let company = is_company[oi];
        if let Some(c) = info.cluster {
            national[c].participants += 1;
            if company {
                national[c].companies.insert(oi);
            }
        }
        let year = &mut year_companies[info.year];
        if company {
            year.2.insert(oi);
            if let Some(b) = info.bar {
                bars[b].insert(oi);
            }
        }
        if info.held_in_region {
            year.1 += 1;
            if company {
                year.0.insert(oi);
            }
            if let Some(c) = info.cluster {
                regional[c].participants += 1;
                if company {
                    regional[c].companies.insert(oi);
                }
            }
        }
    }
    let mut agreements_by_municipality: BTreeMap<String, u64> = BTreeMap::new();
    for a in &facts.agreements {
        let (Some(oi), Some(&c)) = (
            snapshot.org_position(a.partner),
            cluster_pos.get(&a.cluster),
        ) else {
            continue;
        };
        if !in_force(a.valid_from, a.valid_to) {
            continue;
        }
        national[c].agreements += 1;
        let partner = &facts.organisations[oi];
        if in_region(partner.municipality) {
            regional[c].agreements += 1;
            *agreements_by_municipality
                .entry(municipality_label(partner.municipality))
                .or_default() += 1;
        }
    }

    let split = |set: &Bits| {
        let mut s = SizeSplit::default();
        for oi in set.ones() {
            s.add(facts.organisations[oi].employees_min);
        }
        s
    };
    let mut clusters = Vec::new();
    let mut totals = EngagementTotals::default();
    let mut nat_totals = EngagementTotals::default();
    let (mut all_members, mut all_companies) = (Bits::new(n_orgs), Bits::new(n_orgs));
    let (mut nat_members, mut nat_companies) = (Bits::new(n_orgs), Bits::new(n_orgs));
    for ((c, r), n) in facts.clusters.iter().zip(&regional).zip(&national) {
        totals.clusters += 1;
        totals.clusters_with_presence += u64::from(r.own || r.co);
        totals.clusters_with_own_office += u64::from(r.own);
        totals.clusters_co_located += u64::from(r.co);
        totals.clusters_with_members += u64::from(!r.members.is_empty());
        totals.clusters_with_activities += u64::from(r.activities > 0);
        totals.clusters_with_agreements += u64::from(r.agreements > 0);
        totals.memberships += r.members.len();
        totals.activities += r.activities;
        totals.participants += r.participants;
        totals.agreements += r.agreements;
        all_members.union_with(&r.members);
        all_companies.union_with(&r.companies);
        nat_totals.clusters += 1;
        nat_totals.clusters_with_members += u64::from(!n.members.is_empty());
        nat_totals.clusters_with_activities += u64::from(n.activities > 0);
        nat_totals.clusters_with_agreements += u64::from(n.agreements > 0);
        nat_totals.memberships += n.members.len();
        nat_totals.activities += n.activities;
        nat_totals.participants += n.participants;
        nat_totals.agreements += n.agreements;
        nat_members.union_with(&n.members);
        nat_companies.union_with(&n.companies);
        clusters.push(ClusterEngagement {
            slug: c.slug.clone(),
            name: c.name.clone(),
            own_office: r.own,
            co_located: r.co,
            members: split(&r.members),
            activities: r.activities,
            unique_companies: r.companies.len(),
            participants: r.participants,
            agreements: r.agreements,
            national_members: split(&n.members),
            national_activities: n.activities,
            national_unique_companies: n.companies.len(),
            national_participants: n.participants,
            national_agreements: n.agreements,
        });
    }
    totals.members = split(&all_members);
    totals.unique_companies = all_companies.len();
    nat_totals.members = split(&nat_members);
    nat_totals.unique_companies = nat_companies.len();
    // Presence nationally: clusters with any office open in the period.
    let open = |o: &&klynge_store::kpi::OfficeFact| {
        o.valid_from <= until && o.valid_to.is_none_or(|t| t >= since)
    };
    let present: BTreeSet<ClusterId> = facts
        .offices
        .iter()
        .filter(open)
        .map(|o| o.cluster)
        .collect();
    nat_totals.clusters_with_presence = present.len() as u64;
    for (kind, slot) in [
        (OfficeKind::Own, &mut nat_totals.clusters_with_own_office),
        (
            OfficeKind::CoLocatedWithBusinessHub,
            &mut nat_totals.clusters_co_located,
        ),
    ] {
        *slot = facts
            .offices
            .iter()
            .filter(open)
            .filter(|o| o.kind == kind)
            .map(|o| o.cluster)
            .collect::<BTreeSet<_>>()
            .len() as u64;
    }

    Ok(RegionReport {
        region,
        since,
        until,
        geography_date: geo,
        clusters,
        totals,
        national: nat_totals,
        agreements_by_municipality: agreements_by_municipality.into_iter().collect(),
        by_region: bars_regions
            .iter()
            .zip(&bars)
            .map(|(region, set)| RegionBar {
                region: *region,
                unique_companies: set.len(),
            })
            .collect(),
        by_year: year_companies
            .iter()
            .enumerate()
            .map(|(i, (companies, participants, national))| YearPoint {
                year: first_year + i as i32,
                unique_companies: companies.len(),
                participants: *participants,
                national_unique_companies: national.len(),
            })
            .collect(),
    })
}

impl RegionReport {
    /// The summary lines (translation key, the region's figure, the national figure), in the
    /// order every renderer shows them.
    pub fn summary_rows(&self) -> [(&'static str, u64, u64); 16] {
        let (r, c) = (&self.totals, &self.national);
        [
            ("clusters_total", r.clusters, c.clusters),
            (
                "presence",
                r.clusters_with_presence,
                c.clusters_with_presence,
            ),
            (
                "own_office",
                r.clusters_with_own_office,
                c.clusters_with_own_office,
            ),
            ("co_located", r.clusters_co_located, c.clusters_co_located),
            (
                "with_members",
                r.clusters_with_members,
                c.clusters_with_members,
            ),
            (
                "with_activities",
                r.clusters_with_activities,
                c.clusters_with_activities,
            ),
            (
                "with_agreements",
                r.clusters_with_agreements,
                c.clusters_with_agreements,
            ),
            ("members", r.members.total(), c.members.total()),
            ("fifty_plus", r.members.fifty_plus, c.members.fifty_plus),
            ("under_fifty", r.members.under_fifty, c.members.under_fifty),
            ("unknown_size", r.members.unknown, c.members.unknown),
            ("memberships", r.memberships, c.memberships),
            ("activities", r.activities, c.activities),
            ("unique_companies", r.unique_companies, c.unique_companies),
            ("participants", r.participants, c.participants),
            ("agreements", r.agreements, c.agreements),
        ]
    }
}
