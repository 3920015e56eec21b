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
mod api_crm;
mod api_events;
mod api_types;
mod auth;
mod context;
mod crm_contacts;
mod crm_pages;
mod crm_referrals;
mod error;
mod event_attendance;
mod event_pages;
mod event_participants;
mod event_run;
mod forms;
mod i18n;
mod ics;
mod imports;
mod market;
mod market_api;
mod market_pages;
mod my_events;
mod pages;
mod reports;
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
    /// The report facts kept in the process (issue 5), so that report pages are warm.
    pub reports: reports::ReportCache,
    /// The marketplace's search index (issue 7), following every write of posts and
    /// organisations.
    pub market: MarketState,
}

pub use event_run::{RunError, schedule_now};
pub use market::MarketState;
pub use reports::ReportCache;

fn secure_cookies() -> bool {
    std::env::var("KLYNGE_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true")
}

/// The application's routes over a store, with a marketplace index in memory (built in the
/// background).
pub fn router(store: Store) -> Result<Router, klynge_market::MarketError> {
    let market = MarketState::in_memory()?;
    market.start(store.clone());
    Ok(router_with(AppState {
        store,
        secure_cookies: secure_cookies(),
        reports: ReportCache::default(),
        market,
    }))
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
        .route(
            "/organisations/{id}/contacts/new",
            get(crm_contacts::contact_form).post(crm_contacts::add_contact),
        )
        .route(
            "/organisations/{id}/referrals/new",
            get(crm_referrals::referral_form).post(crm_referrals::add_referral),
        )
        .route("/contacts", get(crm_contacts::contacts))
        .route(
            "/contacts/{id}/edit",
            get(crm_contacts::edit_contact_form).post(crm_contacts::update_contact),
        )
        .route(
            "/contacts/{id}/delete",
            get(crm_contacts::delete_contact_form).post(crm_contacts::delete_contact),
        )
        .route("/follow-ups", get(crm_pages::follow_ups))
        .route("/referrals", get(crm_referrals::referrals))
        .route(
            "/referrals/{id}/edit",
            get(crm_referrals::edit_referral_form).post(crm_referrals::update_referral),
        )
        .route(
            "/referrals/{id}/delete",
            get(crm_referrals::delete_referral_form).post(crm_referrals::delete_referral),
        )
        .route("/presence", get(crm_pages::presence))
        .route("/activities", get(pages::activities))
        .route("/activities/{id}", get(crm_pages::activity))
        .route(
            "/activities/{id}/participants",
            post(crm_pages::add_participant),
        )
        .route("/member", get(pages::member))
        .route("/partner", get(pages::partner))
        .route("/admin/users", get(pages::users))
        .route("/reports", get(reports::kpi_page))
        .route("/reports/kpi.xlsx", get(reports::kpi_xlsx))
        .route("/reports/kpi.json", get(reports::kpi_json))
        .route("/reports/region", get(reports::region_page))
        .route("/reports/region/print", get(reports::region_print))
        .route("/reports/region.xlsx", get(reports::region_xlsx))
        .route("/reports/region.json", get(reports::region_json))
        .route("/reports/counting", get(reports::counting))
        .route(
            "/imports",
            get(imports::upload_form)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES)),
        )
        .route("/imports/{token}", get(imports::preview))
        .route("/imports/{token}/commit", post(imports::commit))
        .route("/imports/{token}/progress", get(imports::progress))
        .route("/events", get(event_pages::events))
        .route(
            "/events/new",
            get(event_pages::new_event_form).post(event_pages::create_event),
        )
        .route("/events/{id}", get(event_pages::event))
        .route(
            "/events/{id}/edit",
            get(event_pages::edit_event_form).post(event_pages::update_event),
        )
        .route("/events/{id}/status", post(event_pages::set_status))
        .route(
            "/events/{id}/participants",
            post(event_pages::add_participant),
        )
        .route(
            "/events/{id}/participants/{participant}/edit",
            get(event_participants::edit_form).post(event_participants::update),
        )
        .route(
            "/events/{id}/participants/{participant}/remove",
            get(event_participants::remove_form).post(event_participants::remove),
        )
        .route("/events/{id}/attendance", get(event_attendance::page))
        .route(
            "/events/{id}/attendance/{request}",
            post(event_attendance::mark),
        )
        .route("/events/{id}/requests", post(event_pages::add_request))
        .route(
            "/events/{id}/requests/{request}",
            post(event_pages::set_request_status),
        )
        .route("/events/{id}/schedule", get(event_pages::schedule))
        .route(
            "/events/{id}/schedule/run",
            post(event_pages::run_scheduler),
        )
        .route("/events/{id}/schedule/progress", get(event_pages::progress))
        .route(
            "/events/{id}/schedule/move",
            post(event_pages::move_meeting),
        )
        .route("/my/events", get(my_events::my_events))
        .route("/my/events/{id}", get(my_events::my_event))
        .route("/my/events/{id}/requests", post(my_events::add_request))
        .route(
            "/my/events/{id}/requests/{request}",
            post(my_events::answer_request),
        )
        .route("/my/events/{id}/agenda", get(my_events::agenda))
        .route("/my/events/{id}/agenda.ics", get(my_events::agenda_ics))
        .route("/market", get(market_pages::search))
        .route("/market/moderation", get(market_pages::moderation))
        .route(
            "/market/posts/new",
            get(market_pages::new_form).post(market_pages::create),
        )
        .route("/market/posts/{id}", get(market_pages::post_page))
        .route(
            "/market/posts/{id}/edit",
            get(market_pages::edit_form).post(market_pages::update),
        )
        .route("/market/posts/{id}/status", post(market_pages::set_status))
        .merge(api::routes())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight. The marketplace
/// index is kept in memory and built from the store in the background.
pub async fn serve(
    store: Store,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let market = MarketState::in_memory().map_err(std::io::Error::other)?;
    serve_with(store, market, listener, shutdown).await
}

/// Serves with the given marketplace index (the binary opens it in `DATA_DIR/market-index`);
/// a new or empty index is built from the store in the background.
pub async fn serve_with(
    store: Store,
    market: MarketState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let reports = ReportCache::default();
    reports.warm(store.clone());
    // Organisation searches from memory once the registry is loaded (SQL until then).
    store.enable_directory();
    market.start(store.clone());
    let state = AppState {
        store,
        secure_cookies: secure_cookies(),
        reports,
        market,
    };
    axum::serve(listener, router_with(state))
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
            ("api_events.rs", include_str!("api_events.rs")),
            ("context.rs", include_str!("context.rs")),
            ("reports.rs", include_str!("reports.rs")),
            ("market.rs", include_str!("market.rs")),
            ("market_pages.rs", include_str!("market_pages.rs")),
            ("market_api.rs", include_str!("market_api.rs")),
            ("imports.rs", include_str!("imports.rs")),
            ("event_pages.rs", include_str!("event_pages.rs")),
            (
                "event_participants.rs",
                include_str!("event_participants.rs"),
            ),
            ("event_attendance.rs", include_str!("event_attendance.rs")),
            ("event_run.rs", include_str!("event_run.rs")),
            ("my_events.rs", include_str!("my_events.rs")),
        ] {
            assert!(
                !text.contains(".cluster(") || !text.contains("store.cluster("),
                "{name} calls Store::cluster; use the principal's views"
            );
        }
    }
}
