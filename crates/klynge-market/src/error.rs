use thiserror::Error;

/// What went wrong in the marketplace's index or in a request to it.
#[derive(Debug, Error)]
pub enum MarketError {
    /// A filter name or value the search does not know; the message says what it expected.
    #[error("{0}")]
    InvalidFilter(String),
    /// The index on disk could not be opened, read or written.
    #[error("search index: {0}")]
    Index(String),
    /// Reading the records to index failed.
    #[error("{0}")]
    Store(String),
}

impl From<tantivy::TantivyError> for MarketError {
    fn from(e: tantivy::TantivyError) -> Self {
        MarketError::Index(e.to_string())
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for MarketError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        MarketError::Index(e.to_string())
    }
}

pub type Result<T, E = MarketError> = std::result::Result<T, E>;
