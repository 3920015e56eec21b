//! Clusters: the cluster organisations that are Klynge's tenants.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::text::Name;

/// A URL-safe cluster handle such as `energy-cluster-denmark`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let ok = (2..=60).contains(&input.len())
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-')
            && !input.ends_with('-');
        if !ok {
            return Err(DomainError::InvalidValue {
                field: "cluster handle",
                input: input.to_string(),
                expected: "2-60 lower-case letters, digits and inner dashes, e.g. energy-cluster-denmark",
            });
        }
        Ok(Slug(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

/// A cluster organisation and the strength area (styrkeposition) it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub slug: Slug,
    pub name: Name,
    pub strength_area: Name,
    /// Emerging (spirende) clusters are smaller national clusters in a growing field.
    pub emerging: bool,
}
