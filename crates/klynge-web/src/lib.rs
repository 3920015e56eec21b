//! Klynge's web layer. For now: a start page that shows what the database holds, and
//! `/healthz`. The web issue fills it with sign-in, the CRM screens and the JSON API.
//!
//! Architecture invariant: only this crate knows HTTP; it reaches data only through
//! `klynge-store`.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use klynge_store::Store;
use tokio::net::TcpListener;

/// The application's routes over a store.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(start_page))
        .route("/healthz", get(healthz))
        .with_state(store)
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

async fn healthz(State(store): State<Store>) -> Response {
    match store.applied_migrations().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn start_page(State(store): State<Store>) -> Response {
    match store.counts().await {
        Ok(c) => {
            // Only numbers and fixed text go into this page, so nothing needs escaping.
            let rows = [
                ("Klynger", "Clusters", c.clusters),
                ("Organisationer", "Organisations", c.organisations),
                ("Kontaktpersoner", "Contacts", c.persons),
                ("Medlemskaber", "Memberships", c.memberships),
                ("Aktiviteter", "Activities", c.activities),
                ("Deltagelser", "Participations", c.participations),
                ("Dialoger", "Interactions", c.interactions),
                ("Henvisninger", "Referrals", c.referrals),
                ("Kontorer", "Offices", c.offices),
                ("Samarbejdsaftaler", "Agreements", c.agreements),
            ];
            let table: String = rows
                .iter()
                .map(|(da, en, n)| format!("<tr><th scope=\"row\">{da} <span lang=\"en\">({en})</span></th><td>{n}</td></tr>"))
                .collect();
            Html(format!(
                "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>Klynge</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2a33}}\
                 th{{text-align:left;font-weight:normal;padding:.25rem 1rem .25rem 0}}td{{text-align:right}}span{{color:#5b6b75}}</style></head>\
                 <body><h1>Klynge</h1><p>Platformen for klyngeorganisationer og deres økosystem. \
                 Databasen ({backend}) indeholder:</p><table>{table}</table></body></html>",
                backend = store.backend_name()
            ))
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "start page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Databasen svarer ikke / the database does not answer",
            )
                .into_response()
        }
    }
}
