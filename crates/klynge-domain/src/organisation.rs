//! Organisations (aktører) and their contacts. Facts about an organisation are shared across
//! clusters; a contact person's record belongs to the cluster that keeps it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cvr::Cvr;
use crate::error::DomainError;
use crate::geography::MunicipalityCode;
use crate::ids::{ClusterId, OrganisationId};
use crate::industry::IndustryCode;
use crate::size::Employment;
use crate::text::{CountryCode, Email, Name};

crate::code_enum! {
    /// What kind of actor an organisation is.
    pub enum OrganisationKind {
        Company = "company",
        /// University, GTS institute, university college, business academy.
        KnowledgeInstitution = "knowledge_institution",
        PublicAuthority = "public_authority",
        Municipality = "municipality",
        Region = "region",
        /// Erhvervshus.
        BusinessHub = "business_hub",
        ClusterOrganisation = "cluster_organisation",
        Investor = "investor",
        IndustryAssociation = "industry_association",
        Other = "other",
    }
}

/// A foreign organisation's VAT number as written (letters and digits, at most 20).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);

impl VatNumber {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect::<String>()
            .to_uppercase();
        if cleaned.is_empty()
            || cleaned.len() > 20
            || !cleaned.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(DomainError::InvalidValue {
                field: "VAT number",
                input: input.to_string(),
                expected: "letters and digits, at most 20, e.g. SE556012345601",
            });
        }
        Ok(VatNumber(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for VatNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<VatNumber> for String {
    fn from(v: VatNumber) -> String {
        v.0
    }
}

/// Where an organisation is registered. A Danish organisation is identified by CVR when it has
/// one (an association or a person may not) and located by its registered municipality; a
/// foreign one by country and, where known, its VAT number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "registration", rename_all = "snake_case")]
pub enum Registration {
    Danish {
        cvr: Option<Cvr>,
        municipality: Option<MunicipalityCode>,
    },
    Foreign {
        country: CountryCode,
        vat: Option<VatNumber>,
    },
}

impl Registration {
    /// A foreign registration; Denmark is not foreign.
    pub fn foreign(country: CountryCode, vat: Option<VatNumber>) -> Result<Self, DomainError> {
        if country == CountryCode::DENMARK {
            return Err(DomainError::InvalidValue {
                field: "country",
                input: country.to_string(),
                expected: "a country other than DK for a foreign organisation",
            });
        }
        Ok(Registration::Foreign { country, vat })
    }

    pub fn cvr(&self) -> Option<Cvr> {
        match self {
            Registration::Danish { cvr, .. } => *cvr,
            Registration::Foreign { .. } => None,
        }
    }

    pub fn municipality(&self) -> Option<MunicipalityCode> {
        match self {
            Registration::Danish { municipality, .. } => *municipality,
            Registration::Foreign { .. } => None,
        }
    }

    pub fn country(&self) -> CountryCode {
        match self {
            Registration::Danish { .. } => CountryCode::DENMARK,
            Registration::Foreign { country, .. } => *country,
        }
    }

    pub fn vat(&self) -> Option<&VatNumber> {
        match self {
            Registration::Danish { .. } => None,
            Registration::Foreign { vat, .. } => vat.as_ref(),
        }
    }
}

/// An organisation's shared registry facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: Name,
    pub kind: OrganisationKind,
    pub registration: Registration,
    pub employment: Option<Employment>,
    pub industry: Option<IndustryCode>,
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRecord {
    pub id: OrganisationId,
    #[serde(flatten)]
    pub organisation: Organisation,
}

/// A contact person (kontaktperson) at an organisation, kept by one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub cluster: ClusterId,
    pub organisation: OrganisationId,
    pub name: Name,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    /// The day the person consented to being kept in the cluster's CRM (GDPR); `None` means
    /// the cluster keeps the record on another lawful basis, or must ask.
    pub consent_given_on: Option<NaiveDate>,
}
