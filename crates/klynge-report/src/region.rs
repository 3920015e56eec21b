//! The regional engagement report (the North Jutland survey, `seeds/003`): presence, members
//! over and under 50 employees, unique companies and participants in activities held in the
//! region since a date, agreements by municipality and by cluster — each beside the national
//! figure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use klynge_domain::{ClusterId, OfficeKind, OrganisationKind, Region};
use serde::Serialize;

use crate::engine::{ReportPeriod, Scope, Snapshot, check_scope, municipality_label, region_of};
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
    let in_region =
        |m: Option<klynge_domain::MunicipalityCode>| m.is_some_and(|m| region_of(m, geo) == region);
    let orgs: std::collections::HashMap<i64, &klynge_store::kpi::OrganisationFact> =
        facts.organisations.iter().map(|o| (o.id, o)).collect();

    #[derive(Default)]
    struct Acc {
        own: bool,
        co: bool,
        members: BTreeSet<i64>,
        activities: u64,
        companies: BTreeSet<i64>,
        participants: u64,
        agreements: u64,
    }
    let mut regional: BTreeMap<ClusterId, Acc> = BTreeMap::new();
    let mut national: BTreeMap<ClusterId, Acc> = BTreeMap::new();
    for c in &facts.clusters {
        regional.insert(c.id, Acc::default());
        national.insert(c.id, Acc::default());
    }
    let in_force =
        |from: NaiveDate, to: Option<NaiveDate>| from <= until && to.is_none_or(|t| t >= until);

    for o in &facts.offices {
        // Presence: an office open at any time in the period.
        let overlaps = o.valid_from <= until && o.valid_to.is_none_or(|t| t >= since);
        if overlaps && in_region(Some(o.municipality)) {
            let acc = regional.entry(o.cluster).or_default();
            match o.kind {
                OfficeKind::Own => acc.own = true,
                OfficeKind::CoLocatedWithBusinessHub => acc.co = true,
            }
        }
    }
    for m in &facts.memberships {
        let Some(org) = orgs.get(&m.organisation) else {
            continue;
        };
        if !in_force(m.valid_from, m.valid_to) {
            continue;
        }
        national
            .entry(m.cluster)
            .or_default()
            .members
            .insert(org.id);
        if in_region(org.municipality) {
            regional
                .entry(m.cluster)
                .or_default()
                .members
                .insert(org.id);
        }
    }
    let mut held_in_region = vec![false; facts.activities.len()];
    for (i, a) in facts.activities.iter().enumerate() {
        if !period.contains(a.starts_on) {
            continue;
        }
        national.entry(a.cluster).or_default().activities += 1;
        if in_region(a.municipality) {
            held_in_region[i] = true;
            regional.entry(a.cluster).or_default().activities += 1;
        }
    }
    let mut year_companies: BTreeMap<i32, (BTreeSet<i64>, u64, BTreeSet<i64>)> = BTreeMap::new();
    for year in since.year()..=until.year() {
        year_companies.insert(year, Default::default());
    }
    let mut bars: BTreeMap<Region, BTreeSet<i64>> = Region::in_force_on(geo)
        .map(|r| (r, BTreeSet::new()))
        .collect();
    for &(ai, oi, _) in snapshot.parts() {
        let ai = ai as usize;
        let a = &facts.activities[ai];
        if !period.contains(a.starts_on) {
            continue;
        }
        let org = &facts.organisations[oi as usize];
        let company = org.kind == OrganisationKind::Company;
        let nat = national.entry(a.cluster).or_default();
        nat.participants += 1;
        if company {
            nat.companies.insert(org.id);
        }
        let year = year_companies.entry(a.starts_on.year()).or_default();
        if company {
            year.2.insert(org.id);
            if let Some(m) = a.municipality
                && let Some(set) = bars.get_mut(&region_of(m, geo))
            {
                set.insert(org.id);
            }
        }
        if held_in_region[ai] {
            let reg = regional.entry(a.cluster).or_default();
            reg.participants += 1;
            year.1 += 1;
            if company {
                reg.companies.insert(org.id);
                year.0.insert(org.id);
            }
        }
    }
    let mut agreements_by_municipality: BTreeMap<String, u64> = BTreeMap::new();
    for a in &facts.agreements {
        let Some(partner) = orgs.get(&a.partner) else {
            continue;
        };
        if !in_force(a.valid_from, a.valid_to) {
            continue;
        }
        national.entry(a.cluster).or_default().agreements += 1;
        if in_region(partner.municipality) {
            regional.entry(a.cluster).or_default().agreements += 1;
            *agreements_by_municipality
                .entry(municipality_label(partner.municipality))
                .or_default() += 1;
        }
    }

    let split = |set: &BTreeSet<i64>| {
        let mut s = SizeSplit::default();
        for id in set {
            s.add(orgs.get(id).and_then(|o| o.employees_min));
        }
        s
    };
    let mut clusters = Vec::new();
    let mut totals = EngagementTotals::default();
    let mut nat_totals = EngagementTotals::default();
    let (mut all_members, mut all_companies) = (BTreeSet::new(), BTreeSet::new());
    let (mut nat_members, mut nat_companies) = (BTreeSet::new(), BTreeSet::new());
    for c in &facts.clusters {
        let (Some(r), Some(n)) = (regional.get(&c.id), national.get(&c.id)) else {
            continue;
        };
        totals.clusters += 1;
        totals.clusters_with_presence += u64::from(r.own || r.co);
        totals.clusters_with_own_office += u64::from(r.own);
        totals.clusters_co_located += u64::from(r.co);
        totals.clusters_with_members += u64::from(!r.members.is_empty());
        totals.clusters_with_activities += u64::from(r.activities > 0);
        totals.clusters_with_agreements += u64::from(r.agreements > 0);
        totals.memberships += r.members.len() as u64;
        totals.activities += r.activities;
        totals.participants += r.participants;
        totals.agreements += r.agreements;
        all_members.extend(r.members.iter().copied());
        all_companies.extend(r.companies.iter().copied());
        nat_totals.clusters += 1;
        nat_totals.clusters_with_members += u64::from(!n.members.is_empty());
        nat_totals.clusters_with_activities += u64::from(n.activities > 0);
        nat_totals.clusters_with_agreements += u64::from(n.agreements > 0);
        nat_totals.memberships += n.members.len() as u64;
        nat_totals.activities += n.activities;
        nat_totals.participants += n.participants;
        nat_totals.agreements += n.agreements;
        nat_members.extend(n.members.iter().copied());
        nat_companies.extend(n.companies.iter().copied());
        clusters.push(ClusterEngagement {
            slug: c.slug.clone(),
            name: c.name.clone(),
            own_office: r.own,
            co_located: r.co,
            members: split(&r.members),
            activities: r.activities,
            unique_companies: r.companies.len() as u64,
            participants: r.participants,
            agreements: r.agreements,
            national_members: split(&n.members),
            national_activities: n.activities,
            national_unique_companies: n.companies.len() as u64,
            national_participants: n.participants,
            national_agreements: n.agreements,
        });
    }
    totals.members = split(&all_members);
    totals.unique_companies = all_companies.len() as u64;
    nat_totals.members = split(&nat_members);
    nat_totals.unique_companies = nat_companies.len() as u64;
    // Presence nationally: clusters with any office open in the period.
    let present: BTreeSet<ClusterId> = facts
        .offices
        .iter()
        .filter(|o| o.valid_from <= until && o.valid_to.is_none_or(|t| t >= since))
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
            .filter(|o| {
                o.kind == kind && o.valid_from <= until && o.valid_to.is_none_or(|t| t >= since)
            })
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
        by_region: bars
            .into_iter()
            .map(|(region, set)| RegionBar {
                region,
                unique_companies: set.len() as u64,
            })
            .collect(),
        by_year: year_companies
            .into_iter()
            .map(|(year, (companies, participants, national))| YearPoint {
                year,
                unique_companies: companies.len() as u64,
                participants,
                national_unique_companies: national.len() as u64,
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
