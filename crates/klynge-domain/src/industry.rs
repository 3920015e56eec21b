//! Industry codes (branchekoder) with their classification: DB07 today (Danish extension of
//! NACE Rev. 2), DB25 next (NACE Rev. 2.1). A code is stored with its classification because
//! the same digits can mean different things in the two.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::code_enum! {
    /// The classification an industry code belongs to.
    pub enum IndustryClassification {
        /// Dansk Branchekode 2007 (NACE Rev. 2).
        Db07 = "db07",
        /// Dansk Branchekode 2025 (NACE Rev. 2.1).
        Db25 = "db25",
    }
}

/// A six-digit industry code in a named classification, whose first two digits are a valid
/// NACE division of that classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndustryCode {
    classification: IndustryClassification,
    code: u32,
}

impl IndustryCode {
    /// Parses "620100" or "62.01.00" in the given classification.
    pub fn parse(classification: IndustryClassification, input: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::InvalidValue {
            field: "industry code",
            input: input.to_string(),
            expected: "six digits whose first two are a NACE division, e.g. 620100",
        };
        let digits: String = input.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let code: u32 = digits.parse().map_err(|_| bad())?;
        let parsed = IndustryCode {
            classification,
            code,
        };
        parsed.section().map(|_| parsed).ok_or_else(bad)
    }

    pub fn classification(self) -> IndustryClassification {
        self.classification
    }

    /// The six digits as printed (leading zeros kept).
    pub fn digits(self) -> String {
        format!("{:06}", self.code)
    }

    /// The two-digit NACE division.
    pub fn division(self) -> u8 {
        // Six digits, so the division is below 100 and fits.
        u8::try_from(self.code / 10_000).unwrap_or(0)
    }

    /// The NACE section letter (A–U for DB07, A–V for DB25).
    pub fn section(self) -> Option<char> {
        let table: &[(u8, u8, char)] = match self.classification {
            IndustryClassification::Db07 => NACE_REV2_SECTIONS,
            IndustryClassification::Db25 => NACE_REV21_SECTIONS,
        };
        let division = self.division();
        table
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&division))
            .map(|(_, _, s)| *s)
    }
}

/// NACE Rev. 2 (DB07) sections by division range.
const NACE_REV2_SECTIONS: &[(u8, u8, char)] = &[
    (1, 3, 'A'),
    (5, 9, 'B'),
    (10, 33, 'C'),
    (35, 35, 'D'),
    (36, 39, 'E'),
    (41, 43, 'F'),
    (45, 47, 'G'),
    (49, 53, 'H'),
    (55, 56, 'I'),
    (58, 63, 'J'),
    (64, 66, 'K'),
    (68, 68, 'L'),
    (69, 75, 'M'),
    (77, 82, 'N'),
    (84, 84, 'O'),
    (85, 85, 'P'),
    (86, 88, 'Q'),
    (90, 93, 'R'),
    (94, 96, 'S'),
    (97, 98, 'T'),
    (99, 99, 'U'),
];

/// NACE Rev. 2.1 (DB25) sections by division range: information and communication is split
/// (J publishing/broadcasting, K telecommunication and IT) and later letters shift by one.
const NACE_REV21_SECTIONS: &[(u8, u8, char)] = &[
    (1, 3, 'A'),
    (5, 9, 'B'),
    (10, 33, 'C'),
    (35, 35, 'D'),
    (36, 39, 'E'),
    (41, 43, 'F'),
    (46, 47, 'G'),
    (49, 53, 'H'),
    (55, 56, 'I'),
    (58, 60, 'J'),
    (61, 63, 'K'),
    (64, 66, 'L'),
    (68, 68, 'M'),
    (69, 75, 'N'),
    (77, 82, 'O'),
    (84, 84, 'P'),
    (85, 85, 'Q'),
    (86, 88, 'R'),
    (90, 93, 'S'),
    (94, 96, 'T'),
    (97, 98, 'U'),
    (99, 99, 'V'),
];

/// DB07 section names (Danish, as Danmarks Statistik words them, and English).
pub fn db07_section_name(section: char) -> Option<(&'static str, &'static str)> {
    Some(match section {
        'A' => (
            "Landbrug, jagt, skovbrug og fiskeri",
            "Agriculture, forestry and fishing",
        ),
        'B' => ("Råstofindvinding", "Mining and quarrying"),
        'C' => ("Fremstillingsvirksomhed", "Manufacturing"),
        'D' => (
            "El-, gas- og fjernvarmeforsyning",
            "Electricity, gas, steam and air conditioning supply",
        ),
        'E' => (
            "Vandforsyning, kloakvæsen, affaldshåndtering",
            "Water supply, sewerage and waste management",
        ),
        'F' => ("Bygge og anlæg", "Construction"),
        'G' => ("Handel", "Wholesale and retail trade"),
        'H' => ("Transport og godshåndtering", "Transportation and storage"),
        'I' => (
            "Overnatningsfaciliteter og restauration",
            "Accommodation and food service",
        ),
        'J' => (
            "Information og kommunikation",
            "Information and communication",
        ),
        'K' => (
            "Finansiering og forsikring",
            "Financial and insurance activities",
        ),
        'L' => ("Fast ejendom", "Real estate activities"),
        'M' => (
            "Liberale, videnskabelige og tekniske tjenesteydelser",
            "Professional, scientific and technical activities",
        ),
        'N' => (
            "Administrative tjenesteydelser og hjælpetjenester",
            "Administrative and support service activities",
        ),
        'O' => (
            "Offentlig administration, forsvar og socialsikring",
            "Public administration and defence",
        ),
        'P' => ("Undervisning", "Education"),
        'Q' => ("Sundhed og socialvæsen", "Human health and social work"),
        'R' => (
            "Kultur, forlystelser og sport",
            "Arts, entertainment and recreation",
        ),
        'S' => ("Andre serviceydelser", "Other service activities"),
        'T' => (
            "Private husholdninger med ansat medhjælp",
            "Activities of households as employers",
        ),
        'U' => (
            "Ekstraterritoriale organisationer",
            "Extraterritorial organisations",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let it = IndustryCode::parse(IndustryClassification::Db07, "62.01.00").unwrap();
        assert_eq!(it.section(), Some('J'));
        assert_eq!(it.digits(), "620100");
        let it25 = IndustryCode::parse(IndustryClassification::Db25, "620100").unwrap();
        assert_eq!(it25.section(), Some('K'));
        let farm = IndustryCode::parse(IndustryClassification::Db07, "011100").unwrap();
        assert_eq!(farm.section(), Some('A'));
        assert_eq!(farm.digits(), "011100");
        assert!(IndustryCode::parse(IndustryClassification::Db07, "040000").is_err());
        assert!(IndustryCode::parse(IndustryClassification::Db25, "451100").is_err());
        assert!(IndustryCode::parse(IndustryClassification::Db07, "62010").is_err());
        for s in 'A'..='U' {
            assert!(db07_section_name(s).is_some());
        }
    }
}
