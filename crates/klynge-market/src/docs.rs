//! What the index is given: an organisation's shared facts and a post with its
//! organisation's facts, taken from the store's records.

use chrono::NaiveDate;
use klynge_domain::{
    ClusterId, CountryCode, MunicipalityCode, OrganisationId, OrganisationKind, Post, PostId,
    Region, SizeClass,
};
use klynge_store::{MarketOrganisation, PostRecord};

/// The facts of an organisation that search, filters and recommendations use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub municipality: Option<MunicipalityCode>,
    pub country: CountryCode,
    pub size: Option<SizeClass>,
    /// Industry code digits (DB07), e.g. "620100".
    pub industry: Option<String>,
    /// Clusters it is a member of; searchable only by a reader of the same cluster.
    pub member_of: Vec<ClusterId>,
}

impl OrgFacts {
    pub fn region_on(&self, day: NaiveDate) -> Option<Region> {
        self.municipality.map(|m| m.municipality().region_on(day))
    }
}

impl From<&MarketOrganisation> for OrgFacts {
    fn from(m: &MarketOrganisation) -> Self {
        let o = &m.record.organisation;
        OrgFacts {
            id: m.record.id,
            name: o.name.as_str().to_string(),
            kind: o.kind,
            municipality: o.registration.municipality(),
            country: o.registration.country(),
            size: o.employment.map(|e| e.size_class()),
            industry: o.industry.map(|i| i.digits()),
            member_of: m.member_of.clone(),
        }
    }
}

/// A post with the facts of its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDoc {
    pub id: PostId,
    pub post: Post,
    pub org: OrgFacts,
}

impl PostDoc {
    pub fn new(record: &PostRecord, org: OrgFacts) -> Self {
        PostDoc {
            id: record.id,
            post: record.post.clone(),
            org,
        }
    }
}
