//! The organisation directory: the shared registry held in memory for the search screens.
//!
//! At 300,000 organisations the SQL search costs 2–40 ms a query, which 32 concurrent staff
//! users on a small server turn into queueing. The registry is shared (no cluster's private
//! data), changes rarely and fits in a few tens of megabytes, so a server keeps it in memory
//! in each sort order and answers the same queries as [`crate::search`] by walking that order.
//!
//! Freshness: every search first reads the registry's fingerprint — the highest id and the
//! latest `updated_at` of `organisations`, two index lookups, kept for a moment between
//! writes (see [`crate::recent`]). Organisations are never deleted,
//! and every write stamps `updated_at`, so a changed fingerprint means a changed registry. A
//! stale directory is never used: the search falls back to SQL while a new one loads in the
//! background. Memberships (cluster-private) are not held here; the staff view reads its
//! cluster's own from the database (a kept read, like the fingerprint).
//!
//! Order: text by code point (as SQLite compares), and a missing value (no CVR, municipality
//! or employee count) before any value, as SQLite sorts NULL.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use klynge_domain::{Municipality, MunicipalityCode, OrganisationId};

use crate::Store;
use crate::error::Result;
use crate::search::{
    OrganisationHit, OrganisationPageOfHits, OrganisationQuery, OrganisationSort, prefix_upper,
    size_bounds,
};

/// What identifies one state of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    max_id: Option<i64>,
    last_update: Option<DateTime<Utc>>,
}

/// One organisation as the search shows it.
#[derive(Debug)]
struct Entry {
    id: i64,
    name: Box<str>,
    name_key: Box<str>,
    kind: Box<str>,
    cvr: Option<i64>,
    municipality: Option<u16>,
    employees_min: Option<i64>,
    employees_max: Option<i64>,
    industry_code: Option<Box<str>>,
}

/// The registry in memory, with one permutation per sort order.
#[derive(Debug)]
pub struct Directory {
    fingerprint: Fingerprint,
    entries: Vec<Entry>,
    by_name: Vec<u32>,
    by_cvr: Vec<u32>,
    by_municipality: Vec<u32>,
    by_employees: Vec<u32>,
    /// Position of each organisation id in `entries`.
    position: HashMap<i64, u32>,
}

/// The server's directory and whether a load is running.
#[derive(Debug, Default)]
pub(crate) struct DirectoryCache {
    enabled: AtomicBool,
    loading: AtomicBool,
    current: RwLock<Option<Arc<Directory>>>,
}

impl Store {
    /// Keeps the organisation directory in memory for searches from now on, and starts
    /// loading it. For long-running servers; one-shot commands do not need it.
    pub fn enable_directory(&self) {
        self.directory.enabled.store(true, Ordering::SeqCst);
        self.reload_directory_in_background();
    }

    /// Whether searches are answered from an up-to-date directory right now (starts a
    /// reload when it is enabled but stale).
    pub async fn directory_ready(&self) -> Result<bool> {
        Ok(self.fresh_directory().await?.is_some())
    }

    /// Loads the directory now.
    async fn load_directory(&self) -> Result<()> {
        let directory = Directory::load(self).await?;
        if let Ok(mut current) = self.directory.current.write() {
            *current = Some(Arc::new(directory));
        }
        Ok(())
    }

    fn reload_directory_in_background(&self) {
        if self.directory.loading.swap(true, Ordering::SeqCst) {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(e) = store.load_directory().await {
                tracing::warn!(error = %e, "loading the organisation directory failed");
            }
            store.directory.loading.store(false, Ordering::SeqCst);
        });
    }

    /// The directory if it is enabled, loaded and up to date; otherwise `None` (and a load is
    /// started when it is enabled but stale).
    pub(crate) async fn fresh_directory(&self) -> Result<Option<Arc<Directory>>> {
        if !self.directory.enabled.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let held = self
            .directory
            .current
            .read()
            .ok()
            .and_then(|current| current.clone());
        let Some(held) = held else {
            self.reload_directory_in_background();
            return Ok(None);
        };
        if self.registry_fingerprint().await? == held.fingerprint {
            Ok(Some(held))
        } else {
            self.reload_directory_in_background();
            Ok(None)
        }
    }
}

impl Store {
    /// The registry's fingerprint, kept for a moment (see [`crate::recent`]).
    async fn registry_fingerprint(&self) -> Result<Fingerprint> {
        let kept = &self.kept;
        if let Some(found) = kept.registry.get(&(), &kept.writes) {
            return Ok(found);
        }
        let ticket = kept.writes.ticket();
        let found = fingerprint(self).await?;
        kept.registry.put((), ticket, found);
        Ok(found)
    }
}

async fn fingerprint(store: &Store) -> Result<Fingerprint> {
    let mut pooled = store.acquire().await?;
    // Two scalar subqueries: each is one index lookup (one query with both aggregates would
    // scan the table).
    let row = pooled
        .conn()
        .fetch_optional(
            "SELECT (SELECT MAX(id) FROM organisations) AS max_id, \
             (SELECT MAX(updated_at) FROM organisations) AS last_update",
            Vec::new(),
        )
        .await?;
    Ok(match row {
        Some(r) => Fingerprint {
            max_id: r.get("max_id")?,
            last_update: r.get("last_update")?,
        },
        None => Fingerprint {
            max_id: None,
            last_update: None,
        },
    })
}

impl Directory {
    /// Reads the whole registry. The fingerprint is read first, so a write during the load
    /// makes the directory look stale at once rather than hiding the write.
    pub async fn load(store: &Store) -> Result<Directory> {
        let fingerprint = fingerprint(store).await?;
        let mut pooled = store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, name, name_key, kind, cvr, municipality_code, employees_min, \
                 employees_max, industry_code FROM organisations",
                Vec::new(),
            )
            .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(Entry {
                    id: r.get("id")?,
                    name: r.get::<String>("name")?.into(),
                    name_key: r.get::<String>("name_key")?.into(),
                    kind: r.get::<String>("kind")?.into(),
                    cvr: r.get("cvr")?,
                    municipality: r
                        .get::<Option<i64>>("municipality_code")?
                        .and_then(|c| u16::try_from(c).ok()),
                    employees_min: r.get("employees_min")?,
                    employees_max: r.get("employees_max")?,
                    industry_code: r.get::<Option<String>>("industry_code")?.map(Into::into),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Directory::new(fingerprint, entries))
    }

    fn new(fingerprint: Fingerprint, entries: Vec<Entry>) -> Directory {
        let order = |key: &dyn Fn(&Entry, &Entry) -> std::cmp::Ordering| {
            let mut positions: Vec<u32> = (0..entries.len() as u32).collect();
            positions.sort_unstable_by(|&a, &b| key(&entries[a as usize], &entries[b as usize]));
            positions
        };
        let by_name = order(&|a, b| (&a.name_key, a.id).cmp(&(&b.name_key, b.id)));
        let by_cvr = order(&|a, b| (a.cvr, a.id).cmp(&(b.cvr, b.id)));
        let by_municipality = order(&|a, b| {
            (a.municipality, &a.name_key, a.id).cmp(&(b.municipality, &b.name_key, b.id))
        });
        let by_employees = order(&|a, b| (a.employees_min, a.id).cmp(&(b.employees_min, b.id)));
        let position = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i as u32))
            .collect();
        Directory {
            position,
            fingerprint,
            entries,
            by_name,
            by_cvr,
            by_municipality,
            by_employees,
        }
    }

    /// Organisations held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One page of the organisations `q` matches, in its order, as the SQL search gives it.
    /// `members` is the searching cluster's current members (what the member flag shows and
    /// "members only" keeps).
    pub(crate) fn search(
        &self,
        q: &OrganisationQuery,
        on: NaiveDate,
        max_limit: u32,
        members: &HashSet<i64>,
    ) -> OrganisationPageOfHits {
        let filter = Filter::new(q, on);
        let limit = q.limit.clamp(1, max_limit) as usize;
        let wanted = q.offset as usize + limit + 1;
        let order = self.walk_order(q.sort, &filter);
        // Membership by position: one lookup per member, not one hash per organisation.
        let mut is_member = vec![false; self.entries.len()];
        for id in members {
            if let Some(&i) = self.position.get(id) {
                is_member[i as usize] = true;
            }
        }
        let matching = |&&i: &&u32| {
            let e = &self.entries[i as usize];
            filter.matches(e) && (!q.members_only || is_member[i as usize])
        };
        let found: Vec<u32> = if q.descending {
            order
                .iter()
                .rev()
                .filter(matching)
                .take(wanted)
                .copied()
                .collect()
        } else {
            order
                .iter()
                .filter(matching)
                .take(wanted)
                .copied()
                .collect()
        };
        let mut hits: Vec<OrganisationHit> = found
            .into_iter()
            .skip(q.offset as usize)
            .map(|i| (&self.entries[i as usize], is_member[i as usize]))
            .map(|(e, member)| OrganisationHit {
                id: OrganisationId(e.id),
                name: e.name.to_string(),
                kind: e.kind.to_string(),
                cvr: e.cvr,
                municipality: e.municipality.and_then(municipality_name),
                employees_min: e.employees_min,
                employees_max: e.employees_max,
                industry_code: e.industry_code.as_deref().map(str::to_string),
                member,
            })
            .collect();
        let has_more = hits.len() > limit;
        hits.truncate(limit);
        OrganisationPageOfHits { hits, has_more }
    }
}

impl Directory {
    /// The part of a sort order the search walks: all of it, or the shortest contiguous
    /// range that holds every match — a name prefix is a range of the name order, and one
    /// municipality is a range of the municipality order, which inside one municipality is
    /// the name order.
    fn walk_order(&self, sort: OrganisationSort, filter: &Filter) -> &[u32] {
        let name_range = |order: &'_ [u32], lower: &str, upper: Option<&str>| -> (usize, usize) {
            let from = order.partition_point(|&i| &*self.entries[i as usize].name_key < lower);
            let to = match upper {
                Some(u) => order.partition_point(|&i| &*self.entries[i as usize].name_key < u),
                None => order.len(),
            };
            (from, to.max(from))
        };
        let municipality_range = |m: u16| -> (usize, usize) {
            let order = &self.by_municipality;
            let key = |i: u32| self.entries[i as usize].municipality;
            let from = order.partition_point(|&i| key(i) < Some(m));
            let to = order.partition_point(|&i| key(i) <= Some(m));
            (from, to.max(from))
        };
        match sort {
            OrganisationSort::Name => {
                let by_name = filter
                    .name
                    .as_ref()
                    .map(|(lower, upper)| name_range(&self.by_name, lower, upper.as_deref()));
                let by_municipality = filter.municipality.map(municipality_range);
                match (by_name, by_municipality) {
                    (Some((a, b)), Some((c, d))) if d - c < b - a => &self.by_municipality[c..d],
                    (Some((a, b)), _) => &self.by_name[a..b],
                    (None, Some((c, d))) => &self.by_municipality[c..d],
                    (None, None) => &self.by_name,
                }
            }
            OrganisationSort::Municipality => match filter.municipality.map(municipality_range) {
                Some((c, d)) => &self.by_municipality[c..d],
                None => &self.by_municipality,
            },
            OrganisationSort::Cvr => &self.by_cvr,
            OrganisationSort::Employees => &self.by_employees,
        }
    }
}

fn municipality_name(code: u16) -> Option<String> {
    MunicipalityCode::new(code)
        .ok()
        .map(|c| c.municipality().name.clone())
}

/// The query's conditions, prepared once per search.
struct Filter {
    /// Name-key range `[lower, upper)`.
    name: Option<(String, Option<String>)>,
    cvr: Option<i64>,
    municipality: Option<u16>,
    /// Municipalities of the region on the day, indexed by code.
    region: Option<Vec<bool>>,
    employees: Option<(i64, Option<i64>)>,
    industry: Option<(String, Option<String>)>,
    kind: Option<&'static str>,
}

impl Filter {
    fn new(q: &OrganisationQuery, on: NaiveDate) -> Filter {
        let name = q
            .name
            .as_ref()
            .map(|n| n.match_key())
            .filter(|k| !k.is_empty())
            .map(|k| {
                let upper = prefix_upper(&k);
                (k, upper)
            });
        let region = q.region.map(|region| {
            let mut inside = vec![false; 10_000];
            for m in Municipality::in_region_on(region, on) {
                if let Some(slot) = inside.get_mut(usize::from(m.code.value())) {
                    *slot = true;
                }
            }
            inside
        });
        let industry = q
            .industry
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| (s.to_string(), prefix_upper(s)));
        Filter {
            name,
            cvr: q.cvr.map(|c| i64::from(c.value())),
            municipality: q.municipality.map(|m| m.value()),
            region,
            employees: q.size.map(size_bounds),
            industry,
            kind: q.kind.map(|k| k.code()),
        }
    }

    fn matches(&self, e: &Entry) -> bool {
        in_range(Some(&e.name_key), &self.name)
            && self.cvr.is_none_or(|c| e.cvr == Some(c))
            && self.municipality.is_none_or(|m| e.municipality == Some(m))
            && self.region.as_ref().is_none_or(|inside| {
                e.municipality
                    .is_some_and(|m| inside.get(usize::from(m)).copied().unwrap_or(false))
            })
            && self.employees.is_none_or(|(min, max)| {
                e.employees_min
                    .is_some_and(|n| n >= min && max.is_none_or(|max| n <= max))
            })
            && in_range(e.industry_code.as_deref(), &self.industry)
            && self.kind.is_none_or(|k| *e.kind == *k)
    }
}

/// Whether `value` lies in `[lower, upper)`; no range admits everything, a missing value
/// nothing.
fn in_range(value: Option<&str>, range: &Option<(String, Option<String>)>) -> bool {
    match range {
        None => true,
        Some((lower, upper)) => {
            value.is_some_and(|v| v >= lower.as_str() && upper.as_deref().is_none_or(|u| v < u))
        }
    }
}
