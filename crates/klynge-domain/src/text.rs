//! Small validated text types shared by the entities.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A required, trimmed, single-line text of at most 300 characters (names, titles).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let bad = |expected| DomainError::InvalidValue {
            field: "name",
            input: input.to_string(),
            expected,
        };
        if trimmed.is_empty() {
            return Err(bad("a non-empty name"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(bad("at most 300 characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(bad("a single line without control characters"));
        }
        Ok(Name(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key used to recognise the same organisation across imports: lower case, company-form
    /// suffixes (A/S, ApS, I/S, IVS, P/S) and punctuation dropped, whitespace collapsed.
    pub fn match_key(&self) -> String {
        let lowered = self.0.to_lowercase();
        let words: Vec<&str> = lowered
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '&'))
            .filter(|w| !w.is_empty())
            .filter(|w| {
                !matches!(
                    *w,
                    "a/s" | "aps" | "i/s" | "ivs" | "p/s" | "k/s" | "amba" | "a.m.b.a"
                )
            })
            .collect();
        words.join(" ")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Name {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}

/// An e-mail address with the shape `local@domain.tld` (syntax only; deliverability is not
/// something a parser can know).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let bad = || DomainError::InvalidValue {
            field: "e-mail",
            input: input.to_string(),
            expected: "an address like name@example.dk",
        };
        let (local, domain) = trimmed.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'));
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@');
        if !domain_ok || !local_ok || trimmed.len() > 254 {
            return Err(bad());
        }
        // Domains are case-insensitive; the local part is kept as written.
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A two-letter ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    pub const DENMARK: CountryCode = CountryCode(*b"DK");

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let upper = input.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(CountryCode([*a, *b])),
            _ => Err(DomainError::InvalidCountry {
                input: input.to_string(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            Name::parse("  Danfoss A/S ").unwrap().as_str(),
            "Danfoss A/S"
        );
        assert_eq!(Name::parse("Danfoss A/S").unwrap().match_key(), "danfoss");
        assert_eq!(Name::parse("DANFOSS").unwrap().match_key(), "danfoss");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse("a\nb").is_err());
        assert!(Name::parse(&"x".repeat(301)).is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Anna@Firma.DK").unwrap().as_str(),
            "Anna@firma.dk"
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@firma.dk",
            "anna@firma",
            "an na@firma.dk",
            "a@b..dk",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse("anna@københavn.dk").is_ok());
    }

    #[test]
    fn countries() {
        assert_eq!(CountryCode::parse("se").unwrap().as_str(), "SE");
        assert!(CountryCode::parse("SWE").is_err());
        assert!(CountryCode::parse("1E").is_err());
    }
}
