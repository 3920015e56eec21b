//! Klynge's web layer: server-rendered pages (askama, Danish and English through Fluent), the
//! JSON API under `/api/v1`, sign-in and sessions, and the embedded stylesheet.
//!
//! Architecture invariants:
//! - only this crate knows HTTP; it reaches data only through `klynge-store`;
//! - pages and API handlers reach private data only through the views a signed-in
//!   [`klynge_store::Principal`] hands out (`staff`, `member`, `partner`, `operator`), which
//!   fix the cluster or organisation before any query runs (checked by a test that these
//!   modules never call `Store::cluster`);
//! - every visible string goes through the translations (`locales/`); every key exists in
//!   Danish and English (checked by a test);
//! - no page loads anything from another host.

pub mod api;
mod auth;
mod context;
mod error;
mod forms;
mod i18n;
mod imports;
mod pages;
pub mod users;

use std::future::Future;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use klynge_store::Store;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use auth::{MIN_PASSWORD_LEN, hash_password};
pub use klynge_domain::{ClusterId, OrganisationId};
pub use users::{
    AccountError, DEMO_PASSWORD, DemoAccount, add_user, create_demo_accounts, parse_role,
};

/// Largest request body accepted (forms and JSON).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Mark cookies `Secure` even without an `X-Forwarded-Proto: https` header (set when
    /// Klynge is served over TLS).
    pub secure_cookies: bool,
}

/// The application's routes over a store.
pub fn router(store: Store) -> Router {
    router_with(AppState {
        store,
        secure_cookies: std::env::var("KLYNGE_SECURE_COOKIES")
            .is_ok_and(|v| v == "1" || v == "true"),
    })
}

pub fn router_with(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(healthz))
        .route("/static/klynge.css", get(pages::stylesheet))
        .route("/language/{lang}", get(pages::language))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/tokens", post(pages::create_token))
        .route("/dashboard", get(pages::dashboard))
        .route("/organisations", get(pages::organisations))
        .route("/organisations/export", get(imports::export_organisations))
        .route("/organisations/{id}", get(pages::organisation))
        .route(
            "/organisations/{id}/interactions/new",
            get(pages::interaction_form).post(pages::add_interaction),
        )
        .route("/activities", get(pages::activities))
        .route("/activities/{id}", get(pages::activity))
        .route("/member", get(pages::member))
        .route("/partner", get(pages::partner))
        .route("/admin/users", get(pages::users))
        .route(
            "/imports",
            get(imports::upload_form)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES)),
        )
        .route("/imports/{token}", get(imports::preview))
        .route("/imports/{token}/commit", post(imports::commit))
        .route("/imports/{token}/progress", get(imports::progress))
        .merge(api::routes())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    store: Store,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.applied_migrations().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::{Lang, Tr};
    use klynge_domain::{InteractionKind, SizeClass};
    use klynge_store::{OrganisationSort, Role};

    /// Keys built at run time from codes ("kind-meeting", "role-member", …) exist for every
    /// code in both languages.
    #[test]
    fn keys_built_from_codes_exist() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            InteractionKind::ALL
                .iter()
                .map(|k| format!("kind-{}", k.code())),
        );
        keys.extend(SizeClass::ALL.iter().map(|k| format!("size-{}", k.code())));
        keys.extend(
            OrganisationSort::ALL
                .iter()
                .map(|k| format!("sort-{}", k.code())),
        );
        keys.extend(
            Role::ALL
                .iter()
                .map(|r| crate::pages::role_key(*r).to_string()),
        );
        for lang in [Lang::Da, Lang::En] {
            let t = Tr::new(lang);
            for k in &keys {
                assert_ne!(&t.get(k), k, "{k} is missing in {lang:?}");
            }
        }
    }

    /// The tenant rule at the source: handlers never build a cluster handle themselves.
    #[test]
    fn handlers_never_open_a_cluster_handle_directly() {
        for (name, text) in [
            ("pages.rs", include_str!("pages.rs")),
            ("api.rs", include_str!("api.rs")),
            ("context.rs", include_str!("context.rs")),
            ("imports.rs", include_str!("imports.rs")),
        ] {
            assert!(
                !text.contains(".cluster(") || !text.contains("store.cluster("),
                "{name} calls Store::cluster; use the principal's views"
            );
        }
    }
}
