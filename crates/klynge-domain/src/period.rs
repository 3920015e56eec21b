//! Date periods with an open end, as memberships, agreements and offices have them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A period of whole days: from `from` up to and including `to`; `to = None` is open-ended.
/// Invariant: `from <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    from: NaiveDate,
    to: Option<NaiveDate>,
}

impl Period {
    pub fn new(from: NaiveDate, to: Option<NaiveDate>) -> Result<Self, DomainError> {
        match to {
            Some(to) if to < from => Err(DomainError::InvertedPeriod {
                from: from.to_string(),
                to: to.to_string(),
            }),
            _ => Ok(Period { from, to }),
        }
    }

    pub fn open(from: NaiveDate) -> Self {
        Period { from, to: None }
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> Option<NaiveDate> {
        self.to
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }

    /// Whether the two periods share at least one day.
    pub fn overlaps(self, other: Period) -> bool {
        let ends_after_other_starts = self.to.is_none_or(|to| to >= other.from);
        let starts_before_other_ends = other.to.is_none_or(|to| self.from <= to);
        ends_after_other_starts && starts_before_other_ends
    }
}

/// Parses a date in ISO form (2025-03-31) or Danish forms (31-03-2025, 31.03.2025, 31/03/2025).
pub fn parse_date(input: &str) -> Result<NaiveDate, DomainError> {
    let text = input.trim();
    for format in ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            return Ok(date);
        }
    }
    Err(DomainError::InvalidValue {
        field: "date",
        input: input.to_string(),
        expected: "a date as 2025-03-31 or 31-03-2025",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn periods() {
        let p = Period::new(d("2024-01-01"), Some(d("2024-12-31"))).unwrap();
        assert!(p.contains(d("2024-06-01")));
        assert!(!p.contains(d("2025-01-01")));
        assert!(p.overlaps(Period::open(d("2024-12-31"))));
        assert!(!p.overlaps(Period::open(d("2025-01-01"))));
        assert!(Period::new(d("2024-01-02"), Some(d("2024-01-01"))).is_err());
    }

    #[test]
    fn date_forms() {
        assert_eq!(d("31-03-2025"), d("2025-03-31"));
        assert_eq!(d("31.03.2025"), d("2025-03-31"));
        let err = parse_date("31-02-2025").unwrap_err().to_string();
        assert!(err.contains("31-02-2025"), "{err}");
    }
}
