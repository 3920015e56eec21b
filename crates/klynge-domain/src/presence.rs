//! A cluster's presence: offices, and collaboration agreements (samarbejdsaftaler).

use serde::{Deserialize, Serialize};

use crate::geography::MunicipalityCode;
use crate::ids::{ClusterId, OrganisationId};
use crate::period::Period;
use crate::text::Name;

crate::code_enum! {
    pub enum OfficeKind {
        Own = "own",
        /// Co-located with the regional business hub (erhvervshus).
        CoLocatedWithBusinessHub = "co_located_business_hub",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub cluster: ClusterId,
    pub municipality: MunicipalityCode,
    pub kind: OfficeKind,
    pub period: Period,
}

crate::code_enum! {
    /// The kind of partner an agreement is made with.
    pub enum AgreementPartnerKind {
        Municipality = "municipality",
        Region = "region",
        BusinessHub = "business_hub",
        KnowledgeInstitution = "knowledge_institution",
    }
}

impl AgreementPartnerKind {
    /// The organisation kind a partner of this kind must be registered as.
    pub fn organisation_kind(self) -> crate::OrganisationKind {
        match self {
            AgreementPartnerKind::Municipality => crate::OrganisationKind::Municipality,
            AgreementPartnerKind::Region => crate::OrganisationKind::Region,
            AgreementPartnerKind::BusinessHub => crate::OrganisationKind::BusinessHub,
            AgreementPartnerKind::KnowledgeInstitution => {
                crate::OrganisationKind::KnowledgeInstitution
            }
        }
    }

    pub fn for_organisation_kind(kind: crate::OrganisationKind) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.organisation_kind() == kind)
    }
}

/// A collaboration agreement between a cluster and a partner organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub cluster: ClusterId,
    pub partner: OrganisationId,
    pub title: Name,
    pub period: Period,
}
