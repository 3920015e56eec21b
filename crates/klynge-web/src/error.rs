//! One mapping from failures to answers. Pages get an HTML page in the user's language (or a
//! redirect to sign-in); the API gets `application/problem+json` (RFC 9457). A store error
//! "not found" is a 404, bad input a 400/409; only a real fault is a 500, logged with its
//! cause and never shown.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use klynge_store::StoreError;
use serde::Serialize;

use crate::i18n::{Lang, Tr};

#[derive(Debug)]
pub enum PageError {
    SignInNeeded,
    Forbidden,
    NotFound(Lang),
    Csrf,
    Internal(String, Lang),
}

impl PageError {
    /// Classifies a store error for a page in `lang`.
    pub fn store(e: StoreError, lang: Lang) -> PageError {
        match e {
            StoreError::NotFound { .. } | StoreError::OtherTenant { .. } => {
                PageError::NotFound(lang)
            }
            other => PageError::Internal(other.to_string(), lang),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    title: String,
    message: String,
}

fn error_page(status: StatusCode, lang: Lang, title: &str, message: &str) -> Response {
    let t = Tr::new(lang);
    let page = ErrorPage {
        title: t.get(title),
        message: t.get(message),
        t,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, t.get(message)).into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignInNeeded => Redirect::to("/sign-in").into_response(),
            // The language of these pages is Danish unless known; the page has the switch.
            PageError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                Lang::Da,
                "error-forbidden-title",
                "error-forbidden",
            ),
            PageError::NotFound(lang) => error_page(
                StatusCode::NOT_FOUND,
                lang,
                "error-not-found-title",
                "error-not-found",
            ),
            PageError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                Lang::Da,
                "error-bad-request-title",
                "error-csrf",
            ),
            PageError::Internal(cause, lang) => {
                tracing::error!(%cause, "request failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang,
                    "error-internal-title",
                    "error-internal",
                )
            }
        }
    }
}

/// An API failure as `application/problem+json` (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// What was wrong, naming the value and what was expected.
    pub detail: String,
}

pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            title,
            detail: detail.into(),
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "expected an API token: Authorization: Bearer <token>",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role does not give access to this resource",
        )
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad request", detail)
    }
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid content", detail)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } | StoreError::OtherTenant { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not found", e.to_string())
            }
            StoreError::Invalid(m) => ApiError::unprocessable(m),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            other => {
                tracing::error!(cause = %other, "API request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error",
                    "an error occurred on the server; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}
