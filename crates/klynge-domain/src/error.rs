use thiserror::Error;

/// Why a value was rejected. Every message names the value and says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid CVR number {input:?}: {reason}")]
    InvalidCvr { input: String, reason: &'static str },
    #[error(
        "unknown municipality {input:?}: expected one of the 98 municipality codes (e.g. 0101) or names"
    )]
    UnknownMunicipality { input: String },
    #[error(
        "unknown region {input:?}: expected a region code (e.g. 1081) or name (e.g. Region Nordjylland)"
    )]
    UnknownRegion { input: String },
    #[error("unknown {taxonomy} {input:?}: expected one of {expected}")]
    UnknownCode {
        taxonomy: &'static str,
        input: String,
        expected: String,
    },
    #[error(
        "invalid country code {input:?}: expected a two-letter ISO 3166-1 code such as SE or DE"
    )]
    InvalidCountry { input: String },
    #[error("invalid {field} {input:?}: {expected}")]
    InvalidValue {
        field: &'static str,
        input: String,
        expected: &'static str,
    },
    #[error("invalid period: ends {to} before it starts {from}")]
    InvertedPeriod { from: String, to: String },
}
