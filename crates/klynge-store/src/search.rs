//! Organisation search for a cluster's staff: the shared registry filtered by name (prefix of
//! the match key, so the name index serves it), CVR, municipality, region, size class,
//! industry (code prefix) and kind, optionally only the own cluster's current members; sorted
//! and paged. The "member" flag and filter use the staff view's own cluster, so a search
//! cannot reveal another cluster's memberships.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use klynge_domain::{Cvr, Name, OrganisationId, OrganisationKind, Region, SizeClass};

use crate::backend::Value;
use crate::error::Result;
use crate::staff::StaffView;

/// Sort orders of the organisation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrganisationSort {
    #[default]
    Name,
    Cvr,
    Municipality,
    Employees,
}

impl OrganisationSort {
    pub const ALL: [OrganisationSort; 4] = [
        OrganisationSort::Name,
        OrganisationSort::Cvr,
        OrganisationSort::Municipality,
        OrganisationSort::Employees,
    ];
    pub fn code(self) -> &'static str {
        match self {
            OrganisationSort::Name => "name",
            OrganisationSort::Cvr => "cvr",
            OrganisationSort::Municipality => "municipality",
            OrganisationSort::Employees => "employees",
        }
    }
    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == input)
    }
    fn order_by(self, descending: bool) -> &'static str {
        match (self, descending) {
            (OrganisationSort::Name, false) => "o.name_key ASC, o.id ASC",
            (OrganisationSort::Name, true) => "o.name_key DESC, o.id DESC",
            (OrganisationSort::Cvr, false) => "o.cvr ASC, o.id ASC",
            (OrganisationSort::Cvr, true) => "o.cvr DESC, o.id DESC",
            (OrganisationSort::Municipality, false) => {
                "o.municipality_code ASC, o.name_key ASC, o.id ASC"
            }
            (OrganisationSort::Municipality, true) => {
                "o.municipality_code DESC, o.name_key DESC, o.id DESC"
            }
            (OrganisationSort::Employees, false) => "o.employees_min ASC, o.id ASC",
            (OrganisationSort::Employees, true) => "o.employees_min DESC, o.id DESC",
        }
    }
}

/// What to look for. Every field is optional; all given ones must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationQuery {
    /// Beginning of the name (compared as the registry's match key does: without case and
    /// company-form suffixes).
    pub name: Option<Name>,
    pub cvr: Option<Cvr>,
    pub municipality: Option<klynge_domain::MunicipalityCode>,
    /// Region the registered municipality belongs to on `on`.
    pub region: Option<Region>,
    pub size: Option<SizeClass>,
    /// Industry code prefix, e.g. "62" or "620100".
    pub industry: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub members_only: bool,
    pub sort: OrganisationSort,
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
    /// The day for "current member" and region membership.
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationHit {
    pub id: OrganisationId,
    pub name: String,
    pub kind: String,
    pub cvr: Option<i64>,
    pub municipality: Option<String>,
    pub employees_min: Option<i64>,
    pub employees_max: Option<i64>,
    pub industry_code: Option<String>,
    pub member: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationPageOfHits {
    pub hits: Vec<OrganisationHit>,
    pub has_more: bool,
}

/// The smallest string greater than every string that starts with `prefix` (in code point
/// order), so that `key >= prefix AND key < upper` is an index range.
pub(crate) fn prefix_upper(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

pub(crate) fn size_bounds(size: SizeClass) -> (i64, Option<i64>) {
    match size {
        SizeClass::Micro => (0, Some(9)),
        SizeClass::Small => (10, Some(49)),
        SizeClass::Medium => (50, Some(249)),
        SizeClass::Large => (250, None),
    }
}

impl StaffView {
    /// One page of the organisations the query matches (at most 200 per page).
    pub async fn search_organisations(
        &self,
        q: &OrganisationQuery,
    ) -> Result<OrganisationPageOfHits> {
        self.search(q, 200).await
    }

    /// Every organisation the query matches, in its order (offset and limit ignored): what
    /// an export of the filtered list writes.
    pub async fn all_matching_organisations(
        &self,
        q: &OrganisationQuery,
    ) -> Result<Vec<OrganisationHit>> {
        let all = OrganisationQuery {
            offset: 0,
            limit: i32::MAX as u32 - 1,
            ..q.clone()
        };
        Ok(self.search(&all, i32::MAX as u32 - 1).await?.hits)
    }

    async fn search(
        &self,
        q: &OrganisationQuery,
        max_limit: u32,
    ) -> Result<OrganisationPageOfHits> {
        let on = q.on.unwrap_or_else(|| crate::now().date_naive());
        if let Some(directory) = self.store().fresh_directory().await? {
            let members = self.current_member_ids(on).await?;
            return Ok(directory.search(q, on, max_limit, &members));
        }
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |v: Value| {
            values.push(v);
            format!("${}", values.len())
        };
        let cluster = bind(self.cluster_id().0.into());
        let day = bind(on.into());
        let member_exists = format!(
            "EXISTS (SELECT 1 FROM memberships m WHERE m.organisation_id = o.id AND m.cluster_id = {cluster} \
             AND m.valid_from <= {day} AND (m.valid_to IS NULL OR m.valid_to >= {day}))"
        );
        let mut filters: Vec<String> = Vec::new();
        if let Some(name) = &q.name {
            let key = name.match_key();
            if !key.is_empty() {
                let lower = bind(key.clone().into());
                match prefix_upper(&key) {
                    Some(upper) => {
                        let upper = bind(upper.into());
                        filters.push(format!("o.name_key >= {lower} AND o.name_key < {upper}"));
                    }
                    None => filters.push(format!("o.name_key >= {lower}")),
                }
            }
        }
        if let Some(cvr) = q.cvr {
            filters.push(format!("o.cvr = {}", bind(i64::from(cvr.value()).into())));
        }
        if let Some(m) = q.municipality {
            filters.push(format!(
                "o.municipality_code = {}",
                bind(i64::from(m.value()).into())
            ));
        }
        if let Some(region) = q.region {
            let code = bind(region.code().into());
            filters.push(format!(
                "o.municipality_code IN (SELECT mr.municipality_code FROM municipality_regions mr WHERE mr.region_code = {code} \
                 AND (mr.valid_from IS NULL OR mr.valid_from <= {day}) AND (mr.valid_to IS NULL OR mr.valid_to >= {day}))"
            ));
        }
        if let Some(size) = q.size {
            let (min, max) = size_bounds(size);
            let min = bind(min.into());
            // Most organisations are micro or small: filtering through the employees index
            // then sorting them all is slower than walking the sort order and skipping, so
            // the index (`+` hides the column from the planner) serves only the rare large
            // class and sorting by size.
            let column = if size == SizeClass::Large || q.sort == OrganisationSort::Employees {
                "o.employees_min"
            } else {
                "+o.employees_min"
            };
            match max {
                Some(max) => {
                    let max = bind(max.into());
                    filters.push(format!("{column} >= {min} AND {column} <= {max}"));
                }
                None => filters.push(format!("{column} >= {min}")),
            }
        }
        if let Some(industry) = q
            .industry
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let lower = bind(industry.to_string().into());
            match prefix_upper(industry) {
                Some(upper) => {
                    let upper = bind(upper.into());
                    filters.push(format!(
                        "o.industry_code >= {lower} AND o.industry_code < {upper}"
                    ));
                }
                None => filters.push(format!("o.industry_code >= {lower}")),
            }
        }
        if let Some(kind) = q.kind {
            filters.push(format!("o.kind = {}", bind(kind.code().into())));
        }
        if q.members_only {
            filters.push(member_exists.clone());
        }
        let limit = q.limit.clamp(1, max_limit);
        let limit_p = bind(i64::from(limit + 1).into());
        let offset_p = bind(i64::from(q.offset).into());
        let where_clause = if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", filters.join(" AND "))
        };
        let sql = format!(
            "SELECT o.id, o.name, o.kind, o.cvr, mu.name AS municipality, o.employees_min, o.employees_max, o.industry_code, \
             CASE WHEN {member_exists} THEN 1 ELSE 0 END AS member \
             FROM organisations o LEFT JOIN municipalities mu ON mu.code = o.municipality_code \
             {where_clause} ORDER BY {order} LIMIT {limit_p} OFFSET {offset_p}",
            order = q.sort.order_by(q.descending)
        );
        let mut pooled = self.store().acquire().await?;
        let rows = pooled.conn().fetch_all(&sql, values).await?;
        let mut hits = rows
            .iter()
            .map(|r| {
                Ok(OrganisationHit {
                    id: OrganisationId(r.get("id")?),
                    name: r.get("name")?,
                    kind: r.get("kind")?,
                    cvr: r.get("cvr")?,
                    municipality: r.get("municipality")?,
                    employees_min: r.get("employees_min")?,
                    employees_max: r.get("employees_max")?,
                    industry_code: r.get("industry_code")?,
                    member: r.get::<i32>("member")? != 0,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let has_more = hits.len() > limit as usize;
        hits.truncate(limit as usize);
        Ok(OrganisationPageOfHits { hits, has_more })
    }
}

impl StaffView {
    /// The ids of the organisations that are the cluster's members on `on`; kept for a moment
    /// (see [`crate::recent`]), since every search of the cluster's staff asks.
    async fn current_member_ids(&self, on: NaiveDate) -> Result<Arc<HashSet<i64>>> {
        let store = self.store();
        let key = (self.cluster_id().0, on);
        if let Some(found) = store.kept.members.get(&key, &store.kept.writes) {
            return Ok(found);
        }
        let ticket = store.kept.writes.ticket();
        let mut pooled = store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT DISTINCT organisation_id FROM memberships WHERE cluster_id = $1 \
                 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)",
                vec![self.cluster_id().0.into(), on.into()],
            )
            .await?;
        let found = Arc::new(
            rows.iter()
                .map(|r| Ok(r.get::<i64>("organisation_id")?))
                .collect::<Result<HashSet<i64>>>()?,
        );
        store.kept.members.put(key, ticket, found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper;

    #[test]
    fn prefix_upper_bounds_every_extension() {
        assert_eq!(prefix_upper("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper("").as_deref(), None);
        let upper = prefix_upper("æbl").unwrap_or_default();
        // Every extension of the prefix sorts below the bound; the next prefix does not.
        for extension in ["æbl", "æble", "æblf", "æblzzz"] {
            assert!(*extension < *upper, "{extension} should sort below {upper}");
        }
        assert!(*"æbm" >= *upper);
    }
}
