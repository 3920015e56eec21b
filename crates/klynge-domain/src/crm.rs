//! The cluster CRM: memberships, interactions and referrals. All private to one cluster.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{ClusterId, OrganisationId, PersonId};
use crate::period::Period;
use crate::text::Name;

crate::code_enum! {
    /// Membership fee tier (kontingentniveau).
    pub enum FeeTier {
        /// No fee (e.g. honorary or public partners); not a dedication basis.
        Free = "free",
        Small = "small",
        Medium = "medium",
        Large = "large",
        StrategicPartner = "strategic_partner",
    }
}

impl FeeTier {
    /// A paid membership makes the member a dedicated participant.
    pub fn is_paid(self) -> bool {
        self != FeeTier::Free
    }
}

/// An organisation's membership of a cluster over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub cluster: ClusterId,
    pub organisation: OrganisationId,
    pub period: Period,
    pub fee_tier: FeeTier,
}

crate::code_enum! {
    pub enum InteractionKind {
        Meeting = "meeting",
        Call = "call",
        Email = "email",
        Visit = "visit",
    }
}

/// A logged dialogue with an organisation (dialog), with an optional follow-up date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub cluster: ClusterId,
    pub organisation: OrganisationId,
    pub person: Option<PersonId>,
    pub kind: InteractionKind,
    pub occurred_on: NaiveDate,
    pub subject: Name,
    pub notes: String,
    pub follow_up_on: Option<NaiveDate>,
}

/// Where a referral (henvisning) sends an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ReferralTarget {
    Cluster {
        cluster: ClusterId,
    },
    /// An erhvervshus, registered as an organisation of kind business hub.
    BusinessHub {
        organisation: OrganisationId,
    },
    FundingProgramme {
        programme: Name,
    },
}

impl ReferralTarget {
    pub fn kind_code(&self) -> &'static str {
        match self {
            ReferralTarget::Cluster { .. } => "cluster",
            ReferralTarget::BusinessHub { .. } => "business_hub",
            ReferralTarget::FundingProgramme { .. } => "funding_programme",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub cluster: ClusterId,
    pub organisation: OrganisationId,
    pub target: ReferralTarget,
    pub referred_on: NaiveDate,
    pub note: String,
}
