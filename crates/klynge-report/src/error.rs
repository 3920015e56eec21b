use chrono::NaiveDate;
use thiserror::Error;

/// What went wrong building or writing a report. Messages name the value and what was expected.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error(
        "the period ends ({to}) before it starts ({from}): expected an end on or after the start"
    )]
    InvertedPeriod { from: NaiveDate, to: NaiveDate },
    #[error("year {year} is out of range: expected a year such as 2025")]
    BadYear { year: i32 },
    #[error(
        "{region} is not in force on {date} (the report's last day, whose regions place every organisation): expected one of {in_force}"
    )]
    RegionNotInForce {
        region: &'static str,
        date: NaiveDate,
        in_force: String,
    },
    #[error("no cluster {input:?}: expected one of {known}")]
    UnknownCluster { input: String, known: String },
    #[error("the facts refer to {what} {id}, which they do not contain")]
    Dangling { what: &'static str, id: i64 },
    #[error("cannot write the spreadsheet: {0}")]
    Xlsx(String),
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    #[error("cannot write JSON: {0}")]
    Json(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}
