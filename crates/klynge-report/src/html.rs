//! The printable HTML of the regional engagement report: one self-contained page (inline CSS,
//! inline SVG charts, no script, nothing from another host). The web layer can serve the same
//! string. Every text goes through [`crate::i18n`]; every value through [`escape`].

use std::fmt::Write;

use crate::chart;
use crate::error::ReportError;
use crate::i18n::{Lang, t};
use crate::region::{RegionReport, SizeSplit};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Thousands separated as in the language: 15.600 (da), 15,600 (en).
pub fn number(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let sep = if lang == Lang::Da { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

pub(crate) fn date(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Da => d.format("%d-%m-%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

pub(crate) fn region_name(region: klynge_domain::Region, lang: Lang) -> &'static str {
    match lang {
        Lang::Da => region.name_da(),
        Lang::En => region.name_en(),
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:2px solid #1f4e79}\
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\
th,td{border:1px solid #c8c8c8;padding:.25em .5em;text-align:right}\
th{background:#1f4e79;color:#fff}td:first-child,th:first-child{text-align:left}\
.muted{color:#555}.charts svg{max-width:100%;height:auto;page-break-inside:avoid}\
@media print{body{margin:0}h2{page-break-after:avoid}table{page-break-inside:avoid}}";

/// Renders the regional engagement report as one printable HTML page.
pub fn render_region_report_html(report: &RegionReport, lang: Lang) -> Result<String, ReportError> {
    let tr = |k| t(lang, k);
    let n = |v: u64| number(v, lang);
    let region = region_name(report.region, lang);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} {}</title><style>{STYLE}</style></head><body>",
        lang.code(),
        escape(tr("title")),
        escape(region)
    );
    let _ = write!(
        h,
        "<h1>{} {}</h1><p class=\"muted\">{}: {} – {}. {} {}.</p>",
        escape(tr("title")),
        escape(region),
        escape(tr("period")),
        date(report.since, lang),
        date(report.until, lang),
        escape(tr("geography")),
        date(report.geography_date, lang)
    );

    // Summary: the region beside the country.
    let rows = report.summary_rows();
    let _ = write!(
        h,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(tr("summary")),
        escape(tr("measure")),
        escape(region),
        escape(tr("national"))
    );
    for (key, a, b) in rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(tr(key)),
            n(a),
            n(b)
        );
    }
    h.push_str("</tbody></table>");

    // Per cluster.
    let _ = write!(h, "<h2>{}</h2><table><thead><tr>", escape(tr("clusters")));
    for key in [
        "cluster",
        "own_office",
        "co_located",
        "fifty_plus",
        "under_fifty",
        "unknown_size",
        "activities",
        "unique_companies",
        "participants",
        "agreements",
    ] {
        let _ = write!(h, "<th>{}</th>", escape(tr(key)));
    }
    let _ = write!(
        h,
        "<th>{} ({})</th><th>{} ({})</th></tr></thead><tbody>",
        escape(tr("unique_companies")),
        escape(tr("national")),
        escape(tr("participants")),
        escape(tr("national"))
    );
    let yes_no = |b: bool| escape(tr(if b { "yes" } else { "no" }));
    let split = |s: SizeSplit| {
        format!(
            "<td>{}</td><td>{}</td><td>{}</td>",
            n(s.fifty_plus),
            n(s.under_fifty),
            n(s.unknown)
        )
    };
    for cl in &report.clusters {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&cl.name),
            yes_no(cl.own_office),
            yes_no(cl.co_located),
            split(cl.members),
            n(cl.activities),
            n(cl.unique_companies),
            n(cl.participants),
            n(cl.agreements),
            n(cl.national_unique_companies),
            n(cl.national_participants)
        );
    }
    h.push_str("</tbody></table>");

    // Agreements by municipality and by cluster.
    let _ = write!(
        h,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(tr("agreements_by_municipality")),
        escape(tr("municipality")),
        escape(tr("count"))
    );
    if report.agreements_by_municipality.is_empty() {
        let _ = write!(
            h,
            "<tr><td colspan=\"2\">{}</td></tr>",
            escape(tr("no_rows"))
        );
    }
    for (m, count) in &report.agreements_by_municipality {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", escape(m), n(*count));
    }
    let _ = write!(
        h,
        "</tbody></table><h3>{}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(tr("agreements_by_cluster")),
        escape(tr("cluster")),
        escape(region),
        escape(tr("national"))
    );
    for cl in report.clusters.iter().filter(|c| c.agreements > 0) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&cl.name),
            n(cl.agreements),
            n(cl.national_agreements)
        );
    }
    h.push_str("</tbody></table>");

    // Charts, rendered to SVG on the server.
    let bars: Vec<(String, u64)> = report
        .by_region
        .iter()
        .map(|b| (short_region(b.region, lang), b.unique_companies))
        .collect();
    let years: Vec<(i32, u64)> = report
        .by_year
        .iter()
        .map(|p| (p.year, p.unique_companies))
        .collect();
    let national_years: Vec<(i32, u64)> = report
        .by_year
        .iter()
        .map(|p| (p.year, p.national_unique_companies))
        .collect();
    let _ = write!(
        h,
        "<div class=\"charts\"><h2>{}</h2>",
        escape(tr("chart_regions"))
    );
    h.push_str(&chart::bars(tr("chart_regions"), &bars)?);
    let _ = write!(h, "<h2>{}</h2>", escape(tr("chart_years")));
    h.push_str(&chart::lines(
        tr("chart_years"),
        &[
            (region.to_string(), years),
            (tr("national").to_string(), national_years),
        ],
    )?);
    h.push_str("</div>");

    let _ = write!(h, "<h2>{}</h2>", escape(tr("how_we_count")));
    for paragraph in crate::rules(lang) {
        let _ = write!(h, "<p>{}</p>", escape(&paragraph.replace("**", "")));
    }
    h.push_str("</body></html>");
    Ok(h)
}

/// "Nordjylland" rather than "Region Nordjylland" under a bar.
fn short_region(region: klynge_domain::Region, lang: Lang) -> String {
    let name = region_name(region, lang);
    name.strip_prefix("Region ").unwrap_or(name).to_string()
}
