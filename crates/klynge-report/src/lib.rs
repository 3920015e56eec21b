//! Klynge's performance accounting: the KPI engine, the regional engagement report, the funder
//! report, charts, and their rendering as HTML, XLSX and JSON.
//!
//! Architecture invariant: the engine ([`engine`], [`region`], [`funder`]) is pure. It counts a
//! [`engine::Snapshot`] of facts that the store reads (`klynge_store::kpi::KpiFacts`, plain
//! data); it runs no SQL, speaks no HTTP and reads no clock — the caller says what "today" is.
//! Rendering ([`html`], [`xlsx`], [`chart`]) turns a report into a `String` or bytes; writing
//! files is the caller's job.
//!
//! # How we count
//!
//! These rules are the single source of the figures; [`rules`] gives the same text, in Danish
//! and English, for the "how we count" page.
#![doc = include_str!("../COUNTING.md")]

pub mod chart;
pub mod engine;
mod error;
pub mod funder;
pub mod html;
pub mod i18n;
pub mod region;
pub mod xlsx;

pub use engine::{KpiQuery, KpiReport, Kpis, ReportPeriod, Scope, Snapshot, kpi_report, kpis};
pub use error::ReportError;
pub use funder::{FunderReport, funder_report};
pub use html::render_region_report_html;
pub use i18n::Lang;
pub use region::{RegionReport, region_report};

/// The counting rules as (Danish, English) paragraphs, for the "how we count" page.
pub fn rules(lang: Lang) -> Vec<&'static str> {
    let text = match lang {
        Lang::Da => include_str!("../COUNTING.da.md"),
        Lang::En => include_str!("../COUNTING.md"),
    };
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
        .collect()
}

/// Serialises any report as pretty JSON.
pub fn to_json<T: serde::Serialize>(report: &T) -> Result<String, ReportError> {
    serde_json::to_string_pretty(report).map_err(|e| ReportError::Json(e.to_string()))
}
