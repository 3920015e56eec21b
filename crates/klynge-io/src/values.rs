//! Reading one row's cells into domain values, collecting an error per bad cell.

use chrono::NaiveDate;
use klynge_domain::{Cvr, Email, Municipality, MunicipalityCode, Name, Taxonomy, parse_date};

use crate::mapping::{Field, Mapping};
use crate::messages::{ErrorKind, RowError};
use crate::source::Row;

pub(crate) struct Cells<'a> {
    mapping: &'a Mapping,
    row: &'a Row,
    pub errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    pub fn new(mapping: &'a Mapping, row: &'a Row) -> Self {
        Cells {
            mapping,
            row,
            errors: Vec::new(),
        }
    }

    /// The trimmed cell of `field`, if the column is mapped and the cell is not empty.
    pub fn text(&self, field: Field) -> Option<&'a str> {
        let column = self.mapping.column_of(field)?;
        let cell = self.row.cells.get(column)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    pub fn error(&mut self, field: Field, kind: ErrorKind) {
        let column = self
            .mapping
            .column_of(field)
            .and_then(|c| self.mapping.headers.get(c).cloned());
        self.errors.push(RowError {
            row: self.row.number,
            column,
            field: Some(field),
            kind,
        });
    }

    /// Parses the cell of `field` if present; a bad value is recorded and gives `None`.
    pub fn parse<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, ErrorKind>,
    ) -> Option<T> {
        let text = self.text(field)?;
        match parse(text) {
            Ok(v) => Some(v),
            Err(kind) => {
                self.error(field, kind);
                None
            }
        }
    }

    /// Like [`Cells::parse`], but an absent value is an error too.
    pub fn required<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, ErrorKind>,
    ) -> Option<T> {
        if self.text(field).is_none() {
            self.error(field, ErrorKind::Required);
            return None;
        }
        self.parse(field, parse)
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

pub(crate) fn name(text: &str) -> Result<Name, ErrorKind> {
    Name::parse(text).map_err(|_| ErrorKind::InvalidText {
        value: text.to_string(),
    })
}

pub(crate) fn cvr(text: &str) -> Result<Cvr, ErrorKind> {
    // Spreadsheets sometimes prefix it: "DK12345678".
    let stripped = text
        .trim()
        .strip_prefix("DK")
        .or_else(|| text.trim().strip_prefix("dk"))
        .unwrap_or(text);
    Cvr::parse(stripped).map_err(|_| ErrorKind::InvalidCvr {
        value: text.to_string(),
    })
}

pub(crate) fn municipality(text: &str) -> Result<MunicipalityCode, ErrorKind> {
    // Names like "Københavns Kommune" are common in exports.
    let bare = text
        .trim()
        .strip_suffix(" Kommune")
        .or_else(|| text.trim().strip_suffix(" kommune"))
        .unwrap_or(text);
    Municipality::find(bare)
        .or_else(|_| Municipality::find(text))
        .map(|m| m.code)
        .map_err(|_| ErrorKind::UnknownMunicipality {
            value: text.to_string(),
        })
}

pub(crate) fn date(text: &str) -> Result<NaiveDate, ErrorKind> {
    // A spreadsheet date cell may come with a time ("2025-03-31 00:00:00").
    let day = text.split_whitespace().next().unwrap_or(text);
    let day = day.split('T').next().unwrap_or(day);
    if let Some(date) = ten_character_date(day) {
        return Ok(date);
    }
    parse_date(day).map_err(|_| ErrorKind::InvalidDate {
        value: text.to_string(),
    })
}

/// The common shapes "2025-03-31", "31-03-2025", "31.03.2025" and "31/03/2025" read
/// directly: the general parser tries strftime patterns one after another, which cost more
/// than any other check of a million-row import. Anything else goes to the general parser.
fn ten_character_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = if b[4] == b'-' && b[7] == b'-' {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if matches!(b[2], b'-' | b'.' | b'/') && b[5] == b[2] {
        (num(6..10)?, num(3..5)?, num(0..2)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

pub(crate) fn email(text: &str) -> Result<Email, ErrorKind> {
    Email::parse(text).map_err(|_| ErrorKind::InvalidEmail {
        value: text.to_string(),
    })
}

pub(crate) fn boolean(text: &str) -> Result<bool, ErrorKind> {
    // Every accepted word is ASCII, so comparing without regard to ASCII case accepts what
    // lowercasing would, without a new string per cell.
    let word = text.trim();
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
    if is(&["ja", "j", "yes", "y", "x", "1", "true", "sand", "sandt"]) {
        Ok(true)
    } else if is(&["nej", "n", "no", "0", "false", "falsk", "-"]) {
        Ok(false)
    } else {
        Err(ErrorKind::InvalidBool {
            value: text.to_string(),
        })
    }
}

/// A taxonomy value by its code, forgiving case, spaces and dashes ("Strategic partner").
pub(crate) fn code<T: Taxonomy>(text: &str) -> Result<T, ErrorKind> {
    // The cell as a code, compared character by character (no new string per cell).
    let wanted = || {
        text.trim()
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
    };
    let trimmed = text.trim();
    let ascii = |code: &str| {
        code.len() == trimmed.len()
            && code.bytes().zip(trimmed.bytes()).all(|(c, t)| {
                c == match t {
                    b' ' | b'-' => b'_',
                    t => t.to_ascii_lowercase(),
                }
            })
    };
    T::ALL
        .iter()
        .copied()
        .find(|v| {
            if trimmed.is_ascii() {
                ascii(v.code())
            } else {
                wanted().eq(v.code().chars())
            }
        })
        .ok_or_else(|| ErrorKind::UnknownCode {
            value: text.to_string(),
            expected: T::ALL
                .iter()
                .map(|v| v.code())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct reading agrees with the general parser on every shape it takes.
    #[test]
    fn the_fast_date_shapes_agree_with_the_general_parser() {
        for text in [
            "2025-03-31",
            "31-03-2025",
            "31.03.2025",
            "31/03/2025",
            "29-02-2024",
            "29-02-2025",
            "31.02.2025",
            "2025-13-01",
            "00-01-2025",
            "31-03.2025",
            "3a-03-2025",
        ] {
            assert_eq!(ten_character_date(text), parse_date(text).ok(), "{text}");
        }
        assert_eq!(boolean(" JA "), Ok(true));
        assert_eq!(boolean("Nej"), Ok(false));
        assert!(boolean("måske").is_err());
        assert_eq!(
            code::<klynge_domain::ParticipantRole>("Project-Partner"),
            Ok(klynge_domain::ParticipantRole::ProjectPartner)
        );
        assert!(code::<klynge_domain::ParticipantRole>("partnerx").is_err());
        assert_eq!(
            date("31.03.2025 00:00:00").ok(),
            NaiveDate::from_ymd_opt(2025, 3, 31)
        );
    }
}
