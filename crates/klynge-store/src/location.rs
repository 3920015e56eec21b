//! Where the database is: `sqlite:PATH` or `postgres://…`.

use std::fmt;
use std::path::PathBuf;

use crate::error::StoreError;

/// A parsed database location. Displaying it never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(url::Url),
}

impl DatabaseUrl {
    /// Accepts `sqlite:PATH`, `sqlite://PATH`, `postgres://…` and `postgresql://…`.
    pub fn parse(input: &str) -> Result<Self, StoreError> {
        let invalid = || StoreError::InvalidUrl { url: redact(input) };
        let trimmed = input.trim();
        if let Some(rest) = trimmed.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(invalid());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            let url = url::Url::parse(trimmed).map_err(|_| invalid())?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid());
            }
            return Ok(DatabaseUrl::Postgres(url));
        }
        Err(invalid())
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url.as_str())),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Replaces a password in a URL by `***`, so that errors and logs can show the URL.
pub fn redact(input: &str) -> String {
    match url::Url::parse(input) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => input.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/k.sqlite").unwrap(),
            DatabaseUrl::Sqlite("data/k.sqlite".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/k.sqlite").unwrap(),
            DatabaseUrl::Sqlite("/tmp/k.sqlite".into())
        );
        assert!(DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/x").is_ok());
        for bad in [
            "mysql://x",
            "sqlite:",
            "data.sqlite",
            "postgres://",
            "sqlite::memory:",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn passwords_are_hidden() {
        let url = DatabaseUrl::parse("postgres://u:secret@h/db").unwrap();
        assert!(!url.to_string().contains("secret"));
        let err = DatabaseUrl::parse("mysql://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}
