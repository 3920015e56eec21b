//! Activities typed by the cluster toolbox (klyngernes værktøjskasse), and participation in them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::geography::MunicipalityCode;
use crate::ids::{ActivityId, ClusterId, OrganisationId, PersonId};
use crate::period::Period;
use crate::text::Name;

crate::code_enum! {
    /// The toolbox categories of the national cluster programme.
    pub enum ToolboxCategory {
        Matchmaking = "matchmaking",
        Transformation = "transformation",
        InnovationProject = "innovation_project",
        KnowledgeDissemination = "knowledge_dissemination",
        Internationalisation = "internationalisation",
        AccessToFinance = "access_to_finance",
        IncubationEntrepreneurship = "incubation_entrepreneurship",
        BrandingCommunication = "branding_communication",
        CompetenceDevelopment = "competence_development",
    }
}

crate::code_enum! {
    /// The activity type: a toolbox category and, where the toolbox splits it, the sub-type.
    pub enum ActivityType {
        MatchmakingCompanyKnowledge = "matchmaking.company_knowledge",
        MatchmakingCompanyPublic = "matchmaking.company_public",
        MatchmakingB2b = "matchmaking.b2b",
        MatchmakingCompanyCapital = "matchmaking.company_capital",
        TransformationDigitalisation = "transformation.digitalisation",
        TransformationCircularEconomy = "transformation.circular_economy",
        TransformationIndustry40 = "transformation.industry_4_0",
        TransformationSdg = "transformation.sdg",
        TransformationClimate = "transformation.climate",
        ResearchProject = "innovation_project.research_project",
        PreProject = "innovation_project.pre_project",
        FeasibilityStudy = "innovation_project.feasibility_study",
        BubbleProject = "innovation_project.bubble_project",
        KnowledgeSharing = "knowledge_dissemination.sharing",
        KnowledgeBridging = "knowledge_dissemination.bridging",
        Internationalisation = "internationalisation",
        AccessToFinance = "access_to_finance",
        IncubationEntrepreneurship = "incubation_entrepreneurship",
        /// Includes technology and trend scouting.
        BrandingCommunication = "branding_communication",
        CompetenceDevelopment = "competence_development",
    }
}

impl ActivityType {
    pub fn category(self) -> ToolboxCategory {
        use ActivityType::*;
        match self {
            MatchmakingCompanyKnowledge
            | MatchmakingCompanyPublic
            | MatchmakingB2b
            | MatchmakingCompanyCapital => ToolboxCategory::Matchmaking,
            TransformationDigitalisation
            | TransformationCircularEconomy
            | TransformationIndustry40
            | TransformationSdg
            | TransformationClimate => ToolboxCategory::Transformation,
            ResearchProject | PreProject | FeasibilityStudy | BubbleProject => {
                ToolboxCategory::InnovationProject
            }
            KnowledgeSharing | KnowledgeBridging => ToolboxCategory::KnowledgeDissemination,
            Internationalisation => ToolboxCategory::Internationalisation,
            AccessToFinance => ToolboxCategory::AccessToFinance,
            IncubationEntrepreneurship => ToolboxCategory::IncubationEntrepreneurship,
            BrandingCommunication => ToolboxCategory::BrandingCommunication,
            CompetenceDevelopment => ToolboxCategory::CompetenceDevelopment,
        }
    }
}

crate::code_enum! {
    /// Who pays for an activity (finansieringskilde).
    pub enum FundingStream {
        /// Knowledge-based activities funded by the Ministry of Higher Education and Science.
        Ufm = "ufm",
        /// Business-oriented activities funded by the Danish Board of Business Development.
        Deb = "deb",
        Own = "own",
        Eu = "eu",
        Other = "other",
    }
}

crate::code_enum! {
    pub enum ActivityFormat {
        Physical = "physical",
        Online = "online",
        Hybrid = "hybrid",
    }
}

/// A theme an activity works with, e.g. "circular-economy": lower-case letters, digits and
/// dashes, at most 60 characters, so that themes group reliably in reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Theme(String);

impl Theme {
    pub fn parse(input: &str) -> Result<Self, crate::DomainError> {
        let slug: String = input
            .trim()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        let ok = !slug.is_empty()
            && slug.chars().count() <= 60
            && slug.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(crate::DomainError::InvalidValue {
                field: "theme",
                input: input.to_string(),
                expected: "a short label of letters, digits and dashes, e.g. circular-economy",
            });
        }
        Ok(Theme(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Theme {
    type Error = crate::DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Theme> for String {
    fn from(t: Theme) -> String {
        t.0
    }
}

/// An activity a cluster runs: an event, network, project or programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub cluster: ClusterId,
    pub title: Name,
    pub activity_type: ActivityType,
    pub funding_stream: FundingStream,
    pub format: ActivityFormat,
    /// Where it takes place (None for online-only or abroad).
    pub municipality: Option<MunicipalityCode>,
    pub period: Period,
    /// Unpublished activities are private to the cluster.
    pub published: bool,
    pub themes: Vec<Theme>,
    /// Other clusters that co-organise it.
    pub co_organisers: Vec<ClusterId>,
}

crate::code_enum! {
    pub enum ParticipantRole {
        Participant = "participant",
        Speaker = "speaker",
        CoOrganiser = "co_organiser",
        ProjectPartner = "project_partner",
        ProjectLead = "project_lead",
    }
}

crate::code_enum! {
    /// Why a participant counts as dedicated in the national performance accounts.
    pub enum DedicationBasis {
        WrittenAgreement = "written_agreement",
        ExpressionOfInterest = "expression_of_interest",
        ProjectParticipation = "project_participation",
        MembershipFee = "membership_fee",
    }
}

/// What a participation led to, as the performance accounts ask it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outcomes {
    /// New or improved product, service or process.
    pub new_product_service_process: bool,
    /// New collaboration with a knowledge institution.
    pub new_knowledge_collaboration: bool,
    pub new_competences: bool,
    pub referral_received: bool,
}

/// An organisation (and optionally a person) taking part in an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participation {
    pub activity: ActivityId,
    pub organisation: OrganisationId,
    pub person: Option<PersonId>,
    pub role: ParticipantRole,
    pub dedication: Option<DedicationBasis>,
    pub outcomes: Outcomes,
    pub registered_on: NaiveDate,
}

impl Participation {
    /// Dedicated participant (dedikeret deltager): any of the four bases.
    pub fn is_dedicated(&self) -> bool {
        self.dedication.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_category_and_every_category_a_type() {
        for category in ToolboxCategory::ALL {
            assert!(
                ActivityType::ALL.iter().any(|t| t.category() == *category),
                "{category}"
            );
        }
        for t in ActivityType::ALL {
            assert!(t.code().starts_with(t.category().code()), "{t}");
        }
    }

    #[test]
    fn codes_round_trip_and_reject_unknown() {
        for t in ActivityType::ALL {
            assert_eq!(ActivityType::from_code(t.code()).unwrap(), *t);
        }
        let err = FundingStream::from_code("ministry")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ministry") && err.contains("ufm"), "{err}");
    }

    #[test]
    fn themes() {
        assert_eq!(
            Theme::parse("Circular economy").unwrap().as_str(),
            "circular-economy"
        );
        assert!(Theme::parse("<script>").is_err());
    }
}
