//! CVR numbers (Det Centrale Virksomhedsregister): the Danish company registration number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Weights of the modulus-11 check over the eight digits.
const WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];

/// A valid CVR number: eight digits, no leading zero, weighted sum divisible by 11.
///
/// Valid by construction: the only ways to get one are [`Cvr::parse`] and
/// [`Cvr::from_u32`], which both run the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cvr(u32);

impl Cvr {
    /// Parses user input. Accepts an optional `DK` prefix and spaces, dashes or dots between
    /// digits (as in "DK 13 58 56 28"), since that is how CVR numbers are printed.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let body = trimmed
            .strip_prefix("DK")
            .or_else(|| trimmed.strip_prefix("dk"))
            .unwrap_or(trimmed);
        let digits: String = body
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
            .collect();
        let invalid = |reason: &'static str| DomainError::InvalidCvr {
            input: input.to_string(),
            reason,
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("expected exactly 8 digits"));
        }
        let value: u32 = digits
            .parse()
            .map_err(|_| invalid("expected exactly 8 digits"))?;
        Self::check(value).map_err(invalid)
    }

    /// Builds a CVR from its numeric value (as stored in the database).
    pub fn from_u32(value: u32) -> Result<Self, DomainError> {
        Self::check(value).map_err(|reason| DomainError::InvalidCvr {
            input: value.to_string(),
            reason,
        })
    }

    fn check(value: u32) -> Result<Self, &'static str> {
        if !(10_000_000..=99_999_999).contains(&value) {
            return Err("expected 8 digits not starting with 0");
        }
        if !weighted_sum(value).is_multiple_of(11) {
            return Err("the check digit does not match (modulus 11)");
        }
        Ok(Cvr(value))
    }

    /// Completes seven leading digits (the first not 0) with the check digit, if one exists.
    /// Used by the demo generator to mint valid numbers; about one prefix in eleven has none.
    pub fn with_check_digit(first_seven: u32) -> Option<Self> {
        if !(1_000_000..=9_999_999).contains(&first_seven) {
            return None;
        }
        let partial = weighted_sum(first_seven * 10);
        // The last weight is 1, so the check digit is what brings the sum to a multiple of 11.
        let check = (11 - partial % 11) % 11;
        (check < 10).then(|| Cvr(first_seven * 10 + check))
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

fn weighted_sum(value: u32) -> u32 {
    let mut rest = value;
    let mut sum = 0;
    for weight in WEIGHTS.iter().rev() {
        sum += (rest % 10) * weight;
        rest /= 10;
    }
    sum
}

impl fmt::Display for Cvr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl FromStr for Cvr {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Cvr {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Cvr> for String {
    fn from(cvr: Cvr) -> String {
        cvr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shared reference vectors (a copy kept in `data/`; `reference_data_matches_shared`
    /// checks the copy against `../shared/reference` when that folder is present).
    #[test]
    fn reference_test_vectors() {
        let vectors = include_str!("../data/cvr-test-vectors.csv");
        let mut checked = 0;
        for line in vectors.lines().skip(1) {
            let mut fields = line.splitn(3, ',');
            let (Some(input), Some(expected)) = (fields.next(), fields.next()) else {
                panic!("malformed vector line {line:?}");
            };
            let parsed = Cvr::parse(input);
            match expected {
                "valid" => assert!(parsed.is_ok(), "{input} should parse: {parsed:?}"),
                "invalid" => assert!(parsed.is_err(), "{input} should be rejected"),
                other => panic!("unknown expectation {other}"),
            }
            checked += 1;
        }
        assert_eq!(checked, 9);
    }

    #[test]
    fn error_names_the_value() {
        let err = Cvr::parse("12345678").unwrap_err().to_string();
        assert!(err.contains("12345678"), "{err}");
        assert!(err.contains("modulus 11"), "{err}");
    }

    #[test]
    fn display_round_trips() {
        let cvr = Cvr::parse("DK 13585628").unwrap();
        assert_eq!(cvr.to_string(), "13585628");
        assert_eq!(Cvr::parse(&cvr.to_string()).unwrap(), cvr);
    }

    proptest! {
        /// Every 7-digit prefix either has no check digit or yields a CVR that parses back.
        #[test]
        fn minted_cvrs_parse(prefix in 1_000_000u32..=9_999_999) {
            if let Some(cvr) = Cvr::with_check_digit(prefix) {
                prop_assert_eq!(Cvr::parse(&cvr.to_string()).unwrap(), cvr);
                prop_assert_eq!(cvr.value() / 10, prefix);
            }
        }

        /// Changing any single digit of a valid CVR makes it invalid (mod-11 detects
        /// every single-digit error since all weights are coprime to 11).
        #[test]
        fn single_digit_errors_are_caught(prefix in 1_000_000u32..=9_999_999, pos in 0usize..8, delta in 1u32..10) {
            if let Some(cvr) = Cvr::with_check_digit(prefix) {
                let mut digits: Vec<u32> = cvr.to_string().bytes().map(|b| u32::from(b - b'0')).collect();
                digits[pos] = (digits[pos] + delta) % 10;
                let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
                prop_assert!(Cvr::parse(&text).is_err(), "{} accepted", text);
            }
        }

        /// Arbitrary strings never panic, and whatever parses is 8 digits with a valid check.
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,12}") {
            if let Ok(cvr) = Cvr::parse(&s) {
                prop_assert_eq!(weighted_sum(cvr.value()) % 11, 0);
                prop_assert!(cvr.value() >= 10_000_000);
            }
        }
    }
}
