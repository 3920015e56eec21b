//! What every page handler needs to know about the request: the language, the session (if
//! any), the anonymous form token, and whether cookies must be `Secure`.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use klynge_store::{MemberView, OperatorView, PartnerView, Principal, Session, StaffView};

use crate::AppState;
use crate::auth;
use crate::error::PageError;
use crate::forms;
use crate::i18n::{Lang, Tr};

pub const SESSION_COOKIE: &str = "klynge_session";
pub const LANG_COOKIE: &str = "klynge_lang";
/// Double-submit token for forms shown before sign-in (the sign-in form itself).
pub const PRE_CSRF_COOKIE: &str = "klynge_form";

/// One cookie value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always HttpOnly and SameSite=Lax on the whole site; Secure when
/// the request came over TLS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub struct Ctx {
    pub lang: Lang,
    pub session: Option<Session>,
    pub session_digest: Option<String>,
    /// The anonymous form token, and whether it must be set as a cookie with the answer.
    pub pre_csrf: String,
    pub pre_csrf_is_new: bool,
    pub secure: bool,
    pub state: AppState,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    pub fn principal(&self) -> Result<&Principal, PageError> {
        self.session
            .as_ref()
            .map(|s| &s.principal)
            .ok_or(PageError::SignInNeeded)
    }

    pub fn staff(&self) -> Result<StaffView, PageError> {
        self.principal()?
            .staff(&self.state.store)
            .ok_or(PageError::Forbidden)
    }

    pub fn member(&self) -> Result<MemberView, PageError> {
        self.principal()?
            .member(&self.state.store)
            .ok_or(PageError::Forbidden)
    }

    pub fn partner(&self) -> Result<PartnerView, PageError> {
        self.principal()?
            .partner(&self.state.store)
            .ok_or(PageError::Forbidden)
    }

    pub fn operator(&self) -> Result<OperatorView, PageError> {
        self.principal()?
            .operator(&self.state.store)
            .ok_or(PageError::Forbidden)
    }

    /// The token a form must carry: the session's, or before sign-in the anonymous one.
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .unwrap_or(&self.pre_csrf)
    }

    /// Refuses a state-changing form whose token does not match.
    /// A submitted form's fields, once its form token is checked.
    pub fn form(&self, body: &axum::body::Bytes) -> Result<forms::Fields, PageError> {
        let fields = forms::from_body(body);
        self.check_csrf(fields.get("csrf"))?;
        Ok(fields)
    }

    pub fn check_csrf(&self, submitted: Option<&String>) -> Result<(), PageError> {
        match submitted {
            Some(token) if !self.pre_csrf_is_new || self.session.is_some() => {
                if auth::same_secret(token, self.csrf()) {
                    Ok(())
                } else {
                    Err(PageError::Csrf)
                }
            }
            _ => Err(PageError::Csrf),
        }
    }

    /// Adds the anonymous form cookie to an answer when it was made for this request.
    pub fn finish(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if self.pre_csrf_is_new {
            response.headers_mut().append(
                SET_COOKIE,
                set_cookie(PRE_CSRF_COOKIE, &self.pre_csrf, 86_400, self.secure),
            );
        }
        response
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let headers = &parts.headers;
        let lang = cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_default();
        let secure = state.secure_cookies
            || headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        let session_digest = cookie(headers, SESSION_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(auth::digest);
        let session = match &session_digest {
            Some(d) => state.store.session(d).await.map_err(|e| {
                PageError::Internal(format!("reading the session failed: {e}"), lang)
            })?,
            None => None,
        };
        let (pre_csrf, pre_csrf_is_new) = match cookie(headers, PRE_CSRF_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(t) => (t.to_string(), false),
            None => (auth::random_token(), true),
        };
        Ok(Ctx {
            lang,
            session,
            session_digest,
            pre_csrf,
            pre_csrf_is_new,
            secure,
            state: state.clone(),
        })
    }
}
