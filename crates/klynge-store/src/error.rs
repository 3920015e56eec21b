use thiserror::Error;

/// What went wrong in the store. Messages name the value and say what was expected; database
/// URLs are shown without their password.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "invalid database URL {url:?}: expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    InvalidUrl { url: String },
    #[error("cannot open database {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("migrating database {url} failed: {reason}")]
    Migration { url: String, reason: String },
    #[error("no {entity} with {key}: expected an existing {entity}")]
    NotFound { entity: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "{entity} belongs to cluster {found}, not to cluster {expected} whose data this handle may touch"
    )]
    OtherTenant {
        entity: &'static str,
        expected: i64,
        found: i64,
    },
    #[error("stored {table} row {id} is not valid: {reason}")]
    Corrupt {
        table: &'static str,
        id: i64,
        reason: String,
    },
    /// The text of the driver's error is in the message (not also a source, so that an error
    /// chain does not print it twice).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, key: impl std::fmt::Display) -> Self {
        StoreError::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
