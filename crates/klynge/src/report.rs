//! `klynge report …`: reads the KPI facts from the store, counts them with klynge-report and
//! writes HTML, XLSX or JSON. Every argument is checked before anything is read or written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use klynge_domain::{Region, parse_date};
use klynge_report::engine::Snapshot;
use klynge_report::{Lang, funder_report, region_report, render_region_report_html, to_json};
use klynge_store::Store;

pub struct RegionArgs {
    pub region: String,
    pub since: String,
    pub until: Option<String>,
    pub format: String,
    pub out: Option<PathBuf>,
    pub lang: String,
}

fn lang(input: &str) -> Result<Lang> {
    Lang::parse(input).with_context(|| format!("unknown language {input:?}: expected da or en"))
}

/// Writes to the file, or to standard output when there is none (text formats only).
fn emit(bytes: &[u8], out: Option<&Path>) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(bytes)
                .context("cannot write to standard output")
        }
    }
}

pub async fn region(store: &Store, args: RegionArgs, today: chrono::NaiveDate) -> Result<()> {
    let region = Region::parse(&args.region)?;
    let since = parse_date(&args.since)?;
    let until = match &args.until {
        Some(u) => parse_date(u)?,
        None => today,
    };
    let lang = lang(&args.lang)?;
    let format = args.format.trim().to_ascii_lowercase();
    if !["html", "xlsx", "json"].contains(&format.as_str()) {
        bail!(
            "unknown format {:?}: expected html, xlsx or json",
            args.format
        );
    }
    if format == "xlsx" && args.out.is_none() {
        bail!("the xlsx format needs --out FILE (a spreadsheet is not written to a terminal)");
    }
    if since > until {
        bail!("--since {since} is after the report's last day {until}: expected an earlier date");
    }
    let snapshot = Snapshot::new(store.kpi_facts().await?)?;
    let report = region_report(&snapshot, region, since, until)?;
    let bytes = match format.as_str() {
        "html" => render_region_report_html(&report, lang)?.into_bytes(),
        "xlsx" => klynge_report::xlsx::region_report_xlsx(&report, lang)?,
        _ => to_json(&report)?.into_bytes(),
    };
    emit(&bytes, args.out.as_deref())
}

pub async fn funder(
    store: &Store,
    cluster: &str,
    year: &str,
    out: Option<PathBuf>,
    lang_code: &str,
) -> Result<()> {
    let year: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .with_context(|| format!("invalid year {year:?}: expected a year such as 2025"))?;
    let lang = lang(lang_code)?;
    let out = out.context("the funder report is a spreadsheet: give --out FILE.xlsx")?;
    let snapshot = Snapshot::new(store.kpi_facts().await?)?;
    let report = funder_report(&snapshot, cluster, year)?;
    let bytes = klynge_report::xlsx::funder_report_xlsx(&report, lang)?;
    emit(&bytes, Some(&out))
}
