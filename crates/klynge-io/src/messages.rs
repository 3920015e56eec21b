//! Row errors and their messages in Danish and English. The catalogue is keyed by
//! [`ErrorKind`]; every message names the value and says what was expected.

use std::fmt;

use crate::mapping::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn parse(input: &str) -> Option<Lang> {
        match input.trim().to_ascii_lowercase().as_str() {
            "da" | "dansk" | "danish" => Some(Lang::Da),
            "en" | "english" | "engelsk" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Why a row (or one cell of it) was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A required column is missing from the file or its cell is empty.
    Required,
    InvalidCvr {
        value: String,
    },
    UnknownMunicipality {
        value: String,
    },
    InvalidDate {
        value: String,
    },
    InvalidEmail {
        value: String,
    },
    /// A text that is empty after trimming, too long or has line breaks.
    InvalidText {
        value: String,
    },
    InvalidNumber {
        value: String,
    },
    InvalidBool {
        value: String,
    },
    InvalidCountry {
        value: String,
    },
    /// A value outside a taxonomy; `expected` lists the accepted codes.
    UnknownCode {
        value: String,
        expected: String,
    },
    /// Ends before it starts.
    InvertedPeriod {
        from: String,
        to: String,
    },
    UnknownOrganisation {
        value: String,
    },
    /// A name that matches several organisations: give the CVR or the municipality.
    AmbiguousOrganisation {
        value: String,
        count: usize,
    },
    UnknownActivity {
        value: String,
    },
    AmbiguousActivity {
        value: String,
        count: usize,
    },
    UnknownContact {
        value: String,
    },
    /// The same record appears earlier in the file with other values.
    DuplicateInFile {
        first_row: usize,
    },
    /// A row the reader could not split into cells.
    Unreadable {
        reason: String,
    },
}

/// A bad row: its number as the spreadsheet shows it (the header is row 1), the column's
/// header (when one cell is to blame) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: Option<String>,
    pub field: Option<Field>,
    pub kind: ErrorKind,
}

impl RowError {
    /// The message in `lang`, with the row and column: "Række 4, kolonne «CVR»: …".
    pub fn message(&self, lang: Lang) -> String {
        let place = match (&self.column, lang) {
            (Some(c), Lang::Da) => format!("Række {}, kolonne «{c}»", self.row),
            (Some(c), Lang::En) => format!("Row {}, column \"{c}\"", self.row),
            (None, Lang::Da) => format!("Række {}", self.row),
            (None, Lang::En) => format!("Row {}", self.row),
        };
        format!("{place}: {}", self.kind.message(lang, self.field))
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl ErrorKind {
    /// The message without its place.
    pub fn message(&self, lang: Lang, field: Option<Field>) -> String {
        use ErrorKind::*;
        let field_name = field.map(|f| f.label(lang)).unwrap_or("");
        match (self, lang) {
            (Required, Lang::Da) => {
                format!("«{field_name}» skal udfyldes")
            }
            (Required, Lang::En) => format!("\"{field_name}\" is required"),
            (InvalidCvr { value }, Lang::Da) => format!(
                "ugyldigt CVR-nummer «{value}»: forventede 8 cifre, der ikke starter med 0, og hvor kontrolcifferet stemmer (modulus 11)"
            ),
            (InvalidCvr { value }, Lang::En) => format!(
                "invalid CVR number \"{value}\": expected 8 digits, not starting with 0, whose check digit matches (modulus 11)"
            ),
            (UnknownMunicipality { value }, Lang::Da) => format!(
                "ukendt kommune «{value}»: forventede et af de 98 kommunenavne (fx Køge) eller en kommunekode (fx 0259)"
            ),
            (UnknownMunicipality { value }, Lang::En) => format!(
                "unknown municipality \"{value}\": expected one of the 98 municipality names (e.g. Køge) or codes (e.g. 0259)"
            ),
            (InvalidDate { value }, Lang::Da) => format!(
                "ugyldig dato «{value}»: forventede fx 31-03-2025, 31.03.2025 eller 2025-03-31"
            ),
            (InvalidDate { value }, Lang::En) => format!(
                "invalid date \"{value}\": expected e.g. 31-03-2025, 31.03.2025 or 2025-03-31"
            ),
            (InvalidEmail { value }, Lang::Da) => {
                format!("ugyldig e-mailadresse «{value}»: forventede fx navn@firma.dk")
            }
            (InvalidEmail { value }, Lang::En) => {
                format!("invalid e-mail address \"{value}\": expected e.g. name@company.dk")
            }
            (InvalidText { value }, Lang::Da) => format!(
                "ugyldig tekst «{value}» i «{field_name}»: forventede én linje på højst 300 tegn"
            ),
            (InvalidText { value }, Lang::En) => format!(
                "invalid text \"{value}\" in \"{field_name}\": expected one line of at most 300 characters"
            ),
            (InvalidNumber { value }, Lang::Da) => format!(
                "ugyldigt tal «{value}» i «{field_name}»: forventede et helt tal eller et interval som 10-49"
            ),
            (InvalidNumber { value }, Lang::En) => format!(
                "invalid number \"{value}\" in \"{field_name}\": expected a whole number or a range such as 10-49"
            ),
            (InvalidBool { value }, Lang::Da) => {
                format!("ugyldig værdi «{value}» i «{field_name}»: forventede ja eller nej")
            }
            (InvalidBool { value }, Lang::En) => {
                format!("invalid value \"{value}\" in \"{field_name}\": expected yes or no")
            }
            (InvalidCountry { value }, Lang::Da) => format!(
                "ugyldig landekode «{value}»: forventede en landekode på to bogstaver som SE eller DE"
            ),
            (InvalidCountry { value }, Lang::En) => format!(
                "invalid country code \"{value}\": expected a two-letter code such as SE or DE"
            ),
            (UnknownCode { value, expected }, Lang::Da) => {
                format!("ukendt værdi «{value}» i «{field_name}»: forventede en af {expected}")
            }
            (UnknownCode { value, expected }, Lang::En) => {
                format!("unknown value \"{value}\" in \"{field_name}\": expected one of {expected}")
            }
            (InvertedPeriod { from, to }, Lang::Da) => {
                format!("slutdatoen {to} ligger før startdatoen {from}")
            }
            (InvertedPeriod { from, to }, Lang::En) => {
                format!("the end date {to} is before the start date {from}")
            }
            (UnknownOrganisation { value }, Lang::Da) => format!(
                "ingen organisation «{value}» i registret: importér organisationen først, eller ret CVR-nummer/navn"
            ),
            (UnknownOrganisation { value }, Lang::En) => format!(
                "no organisation \"{value}\" in the registry: import the organisation first, or correct the CVR number or name"
            ),
            (AmbiguousOrganisation { value, count }, Lang::Da) => format!(
                "navnet «{value}» passer på {count} organisationer: angiv CVR-nummer eller kommune"
            ),
            (AmbiguousOrganisation { value, count }, Lang::En) => format!(
                "the name \"{value}\" matches {count} organisations: give the CVR number or the municipality"
            ),
            (UnknownActivity { value }, Lang::Da) => format!(
                "ingen aktivitet «{value}» i klyngen: forventede et aktivitets-id eller en titel på en eksisterende aktivitet"
            ),
            (UnknownActivity { value }, Lang::En) => format!(
                "no activity \"{value}\" in the cluster: expected the id or title of an existing activity"
            ),
            (AmbiguousActivity { value, count }, Lang::Da) => {
                format!("titlen «{value}» passer på {count} aktiviteter: angiv aktivitets-id")
            }
            (AmbiguousActivity { value, count }, Lang::En) => {
                format!("the title \"{value}\" matches {count} activities: give the activity id")
            }
            (UnknownContact { value }, Lang::Da) => format!(
                "ingen kontaktperson med e-mail «{value}» i klyngen: importér kontakterne først"
            ),
            (UnknownContact { value }, Lang::En) => format!(
                "no contact with the e-mail \"{value}\" in the cluster: import the contacts first"
            ),
            (DuplicateInFile { first_row }, Lang::Da) => format!(
                "samme post som række {first_row}, men med andre værdier: ret eller slet en af rækkerne"
            ),
            (DuplicateInFile { first_row }, Lang::En) => format!(
                "the same record as row {first_row}, with other values: correct or delete one of the rows"
            ),
            (Unreadable { reason }, Lang::Da) => format!("rækken kan ikke læses: {reason}"),
            (Unreadable { reason }, Lang::En) => format!("the row cannot be read: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_name_the_place_and_the_value() {
        let e = RowError {
            row: 4,
            column: Some("CVR-nr.".into()),
            field: Some(Field::Cvr),
            kind: ErrorKind::InvalidCvr {
                value: "12345678".into(),
            },
        };
        let da = e.message(Lang::Da);
        let en = e.message(Lang::En);
        assert!(
            da.starts_with("Række 4, kolonne «CVR-nr.»: ugyldigt CVR-nummer «12345678»"),
            "{da}"
        );
        assert!(
            en.starts_with("Row 4, column \"CVR-nr.\": invalid CVR number \"12345678\""),
            "{en}"
        );
        let required = RowError {
            row: 2,
            column: None,
            field: Some(Field::Name),
            kind: ErrorKind::Required,
        };
        assert_eq!(required.message(Lang::Da), "Række 2: «Navn» skal udfyldes");
        assert_eq!(required.message(Lang::En), "Row 2: \"Name\" is required");
    }
}
