//! The report pages (issue 5): KPI tables with the previous period and the national total
//! beside, server-rendered SVG charts, the regional engagement report as a printable page, XLSX
//! and JSON downloads, and "how we count".
//!
//! Who sees what: partners and operators any scope (the country, a region, a municipality, any
//! cluster: aggregates, as on `/partner`); cluster staff only their own cluster (with the
//! national total beside, an aggregate) and, in the engagement report, only their own cluster's
//! row beside the region's and the country's totals; members nothing. The figures come from one
//! [`Snapshot`] kept in the server ([`ReportCache`]), so a request does not read the database
//! beyond a cheap check that it has not changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use klynge_domain::{ClusterId, Municipality, Region, parse_date};
use klynge_report::engine::{Figure, KpiQuery, KpiReport, ReportPeriod, Scope, Snapshot, kpis};
use klynge_report::{RegionReport, ReportError, chart, region_report};
use klynge_store::Store;
use klynge_store::kpi::KpiFingerprint;
use tokio::sync::Mutex;

use crate::context::Ctx;
use crate::error::PageError;
use crate::forms::{self, Fields};
use crate::i18n::{Lang, Tr};
use crate::pages::Chrome;

/// How long a snapshot is trusted when the tables' row counts and highest ids are unchanged
/// (edits in place do not change them).
const SNAPSHOT_LIFETIME: Duration = Duration::from_secs(300);

/// The report facts of the server process: read once, reused while the database has not
/// changed. Cheap to clone.
#[derive(Clone, Default)]
pub struct ReportCache {
    inner: Arc<Mutex<Option<Cached>>>,
}

struct Cached {
    snapshot: Arc<Snapshot>,
    fingerprint: KpiFingerprint,
    read_at: Instant,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Store(#[from] klynge_store::StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl ReportCache {
    /// The current snapshot: the kept one when the tables have not changed (one small query),
    /// otherwise read anew. Concurrent requests wait for one read rather than each reading.
    pub async fn snapshot(&self, store: &Store) -> Result<Arc<Snapshot>, CacheError> {
        let fingerprint = store.kpi_fingerprint().await?;
        let mut kept = self.inner.lock().await;
        if let Some(c) = kept.as_ref()
            && c.fingerprint == fingerprint
            && c.read_at.elapsed() < SNAPSHOT_LIFETIME
        {
            return Ok(c.snapshot.clone());
        }
        let started = Instant::now();
        let snapshot = Arc::new(Snapshot::new(store.kpi_facts().await?)?);
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "read the report facts"
        );
        *kept = Some(Cached {
            snapshot: snapshot.clone(),
            fingerprint,
            read_at: Instant::now(),
        });
        Ok(snapshot)
    }

    /// Forgets the snapshot (after a write that changes what reports count).
    pub async fn invalidate(&self) {
        *self.inner.lock().await = None;
    }

    /// Reads the snapshot in the background, so that the first report request is warm.
    pub fn warm(&self, store: Store) {
        let cache = self.clone();
        tokio::spawn(async move {
            if let Err(e) = cache.snapshot(&store).await {
                tracing::warn!(error = %e, "could not read the report facts at start");
            }
        });
    }
}

/// What the signed-in user may count.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Partners and operators: every scope.
    Any,
    /// Cluster staff: their own cluster.
    Cluster(ClusterId),
}

fn access(ctx: &Ctx) -> Result<Access, PageError> {
    let principal = ctx.principal()?;
    if principal.partner(&ctx.state.store).is_some() {
        Ok(Access::Any)
    } else if let Some(staff) = principal.staff(&ctx.state.store) {
        Ok(Access::Cluster(staff.cluster_id()))
    } else {
        Err(PageError::Forbidden)
    }
}

async fn snapshot(ctx: &Ctx) -> Result<Arc<Snapshot>, PageError> {
    ctx.state
        .reports
        .snapshot(&ctx.state.store)
        .await
        .map_err(|e| PageError::Internal(format!("reading the report facts failed: {e}"), ctx.lang))
}

fn report_lang(lang: Lang) -> klynge_report::Lang {
    match lang {
        Lang::Da => klynge_report::Lang::Da,
        Lang::En => klynge_report::Lang::En,
    }
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn region_name(region: Region, lang: Lang) -> &'static str {
    match lang {
        Lang::Da => region.name_da(),
        Lang::En => region.name_en(),
    }
}

fn render(ctx: &Ctx, status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => ctx.finish((status, Html(html))),
        Err(e) => PageError::Internal(format!("template failed: {e}"), ctx.lang).into_response(),
    }
}

/// A file to download, never cached by a shared cache (the figures may be a cluster's).
fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        body,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const JSON: &str = "application/json";

/// A report failure that is the user's input (a region not in force on the last day, an
/// inverted period) goes to the field (`None`); anything else is a fault.
fn field_or_fault(
    e: ReportError,
    field: &'static str,
    f: &mut FormState,
    ctx: &Ctx,
) -> Option<PageError> {
    match e {
        ReportError::RegionNotInForce { .. } => {
            f.errors
                .push((field, ctx.tr().get("reports-region-not-in-force")));
            None
        }
        ReportError::InvertedPeriod { .. } => {
            f.errors
                .push((field, ctx.tr().get("reports-period-inverted")));
            None
        }
        other => Some(PageError::Internal(
            format!("building the report failed: {other}"),
            ctx.lang,
        )),
    }
}

/// The fields of a report form, as typed, and the messages at them.
#[derive(Default)]
pub struct FormState {
    pub scope: String,
    pub municipality: String,
    pub from: String,
    pub to: String,
    pub region: String,
    pub since: String,
    pub until: String,
    pub errors: Vec<(&'static str, String)>,
}

impl FormState {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn has(&self, field: &str) -> bool {
        self.error(field).is_some()
    }
}

fn date_field(
    fields: &Fields,
    name: &'static str,
    default: NaiveDate,
    f: &mut FormState,
    t: &Tr,
) -> (String, Option<NaiveDate>) {
    let raw = forms::text(fields, name);
    if raw.is_empty() {
        return (default.to_string(), Some(default));
    }
    match parse_date(&raw) {
        Ok(d) => (raw, Some(d)),
        Err(_) => {
            f.errors
                .push((name, t.with("reports-date-invalid", "value", &raw)));
            (raw, None)
        }
    }
}

// ----- the KPI page -----

/// One row of a figure table: label, the scope's figure, the previous period, the country.
pub struct Row {
    pub label: String,
    pub current: String,
    pub previous: String,
    pub national: String,
}

pub struct Table {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct KpiPage {
    chrome: Chrome,
    f: FormState,
    scopes: Vec<(String, String)>,
    /// Present when the form was valid.
    result: Option<KpiView>,
}

pub struct KpiView {
    pub scope_name: String,
    pub period: String,
    pub previous: String,
    pub geography: String,
    pub headline: Vec<Row>,
    pub breakdowns: Vec<Table>,
    pub chart_regions: String,
    pub chart_years: String,
    pub query: String,
}

/// The scope choices the user may make: (value, label).
fn scope_choices(
    access: Access,
    snapshot: &Snapshot,
    geo: NaiveDate,
    lang: Lang,
) -> Vec<(String, String)> {
    let t = Tr::new(lang);
    let mut out = Vec::new();
    match access {
        Access::Any => {
            out.push(("national".to_string(), t.get("reports-scope-national")));
            for r in Region::in_force_on(geo) {
                out.push((
                    format!("region:{}", r.code()),
                    region_name(r, lang).to_string(),
                ));
            }
            out.push((
                "municipality".to_string(),
                t.get("reports-scope-municipality"),
            ));
            for c in &snapshot.facts().clusters {
                out.push((format!("cluster:{}", c.slug), c.name.clone()));
            }
        }
        Access::Cluster(own) => {
            for c in snapshot.facts().clusters.iter().filter(|c| c.id == own) {
                out.push((format!("cluster:{}", c.slug), c.name.clone()));
            }
        }
    }
    out
}

/// Validated KPI form: the query and the name of the scope.
struct KpiForm {
    query: KpiQuery,
    scope_name: String,
}

fn kpi_form(
    fields: &Fields,
    access: Access,
    snapshot: &Snapshot,
    lang: Lang,
) -> (FormState, Option<KpiForm>) {
    let t = Tr::new(lang);
    let mut f = FormState::default();
    let last_year = today().year() - 1;
    let (from_raw, from) = date_field(
        fields,
        "from",
        NaiveDate::from_ymd_opt(last_year, 1, 1).unwrap_or_default(),
        &mut f,
        &t,
    );
    let (to_raw, to) = date_field(
        fields,
        "to",
        NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or_default(),
        &mut f,
        &t,
    );
    f.from = from_raw;
    f.to = to_raw;
    let period = match (from, to) {
        (Some(from), Some(to)) => match ReportPeriod::new(from, to) {
            Ok(p) => Some(p),
            Err(_) => {
                f.errors.push(("to", t.get("reports-period-inverted")));
                None
            }
        },
        _ => None,
    };
    let own_slug = match access {
        Access::Cluster(own) => snapshot
            .facts()
            .clusters
            .iter()
            .find(|c| c.id == own)
            .map(|c| format!("cluster:{}", c.slug)),
        Access::Any => None,
    };
    f.scope = forms::text(fields, "scope");
    if f.scope.is_empty() {
        f.scope = own_slug.clone().unwrap_or_else(|| "national".to_string());
    }
    f.municipality = forms::text(fields, "municipality");
    let scope: Option<(Scope, String)> = match (access, f.scope.as_str()) {
        (Access::Cluster(own), s) => {
            if own_slug.as_deref() == Some(s) {
                let name = snapshot
                    .facts()
                    .clusters
                    .iter()
                    .find(|c| c.id == own)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                Some((Scope::Cluster(own), name))
            } else {
                None
            }
        }
        (Access::Any, "national") => Some((Scope::National, t.get("reports-scope-national"))),
        (Access::Any, "municipality") => match Municipality::find(&f.municipality) {
            Ok(m) => Some((Scope::Municipality(m.code), m.name.clone())),
            Err(_) => {
                let message = if f.municipality.is_empty() {
                    t.get("reports-municipality-required")
                } else {
                    t.with("reports-municipality-invalid", "value", &f.municipality)
                };
                f.errors.push(("municipality", message));
                return (f, None);
            }
        },
        (Access::Any, s) => {
            if let Some(code) = s.strip_prefix("region:") {
                Region::parse(code)
                    .ok()
                    .map(|r| (Scope::Region(r), region_name(r, lang).to_string()))
            } else if let Some(slug) = s.strip_prefix("cluster:") {
                snapshot
                    .cluster_by_slug(slug)
                    .ok()
                    .map(|c| (Scope::Cluster(c.id), c.name.clone()))
            } else {
                None
            }
        }
    };
    let Some((scope, scope_name)) = scope else {
        f.errors
            .push(("scope", t.with("reports-scope-invalid", "value", &f.scope)));
        return (f, None);
    };
    if let (Scope::Region(r), Some(p)) = (scope, period)
        && !r.is_valid_on(p.to)
    {
        f.errors
            .push(("scope", t.get("reports-region-not-in-force")));
        return (f, None);
    }
    match period {
        Some(period) if f.errors.is_empty() => {
            let form = KpiForm {
                query: KpiQuery {
                    scope,
                    period,
                    funding_stream: None,
                },
                scope_name,
            };
            (f, Some(form))
        }
        _ => (f, None),
    }
}

fn figure(f: Figure, t: &Tr) -> String {
    match f {
        Figure::Count(n) => t.num(&i64::try_from(n).unwrap_or(i64::MAX)),
        Figure::Share(Some(share)) => {
            let text = format!("{:.1} %", share * 100.0);
            match t.lang {
                Lang::Da => text.replace('.', ","),
                Lang::En => text,
            }
        }
        Figure::Share(None) => "–".to_string(),
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", forms::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn kpi_view(
    snapshot: &Snapshot,
    form: &KpiForm,
    f: &FormState,
    lang: Lang,
) -> Result<KpiView, ReportError> {
    let t = Tr::new(lang);
    let rl = report_lang(lang);
    let report: KpiReport = klynge_report::kpi_report(snapshot, form.query)?;
    let date = |d: NaiveDate| t.date(&d);
    let headline = report
        .headline_rows()
        .into_iter()
        .map(|(key, c, p, n)| Row {
            label: klynge_report::i18n::t(rl, key).to_string(),
            current: figure(c, &t),
            previous: figure(p, &t),
            national: figure(n, &t),
        })
        .collect();
    let num = |n: u64| figure(Figure::Count(n), &t);
    let breakdowns = report
        .breakdown_rows()
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(key, rows)| Table {
            title: klynge_report::i18n::t(rl, key).to_string(),
            rows: rows
                .into_iter()
                .map(|(code, c, p, n)| Row {
                    label: klynge_report::i18n::label(rl, &code),
                    current: num(c),
                    previous: num(p),
                    national: num(n),
                })
                .collect(),
        })
        .collect();
    // Charts: participating organisations by region in the period, and per calendar year over
    // the five years up to the period's last year.
    let geo = report.geography_date;
    let bars: Vec<(String, u64)> = Region::in_force_on(geo)
        .map(|r| {
            let name = region_name(r, lang);
            (
                name.strip_prefix("Region ").unwrap_or(name).to_string(),
                report
                    .current
                    .unique_organisations_by_region
                    .get(r.code())
                    .copied()
                    .unwrap_or(0),
            )
        })
        .collect();
    let last_year = form.query.period.to.year();
    let mut years = Vec::new();
    let mut national_years = Vec::new();
    for year in last_year - 4..=last_year {
        let period = ReportPeriod::year(year)?;
        let q = KpiQuery {
            period,
            ..form.query
        };
        years.push((year, kpis(snapshot, q, geo).unique_organisations));
        if !matches!(form.query.scope, Scope::National) {
            let n = KpiQuery {
                scope: Scope::National,
                ..q
            };
            national_years.push((year, kpis(snapshot, n, geo).unique_organisations));
        }
    }
    let mut series = vec![(form.scope_name.clone(), years)];
    if !national_years.is_empty() {
        series.push((t.get("reports-scope-national"), national_years));
    }
    let chart_title = |key| klynge_report::i18n::t(rl, key);
    let previous = report.query.period.previous();
    Ok(KpiView {
        scope_name: form.scope_name.clone(),
        period: format!(
            "{} – {}",
            date(report.query.period.from),
            date(report.query.period.to)
        ),
        previous: format!("{} – {}", date(previous.from), date(previous.to)),
        geography: date(geo),
        headline,
        breakdowns,
        chart_regions: chart::bars(chart_title("kpi_chart_regions"), &bars)?,
        chart_years: chart::lines(chart_title("kpi_chart_years"), &series)?,
        query: query_string(&[
            ("scope", &f.scope),
            ("municipality", &f.municipality),
            ("from", &f.from),
            ("to", &f.to),
        ]),
    })
}

/// `GET /reports`: the KPI page.
pub async fn kpi_page(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let access = access(&ctx)?;
    let snapshot = snapshot(&ctx).await?;
    let fields = forms::from_query(raw.as_deref());
    let (mut f, form) = kpi_form(&fields, access, &snapshot, ctx.lang);
    let geo = form.as_ref().map_or_else(today, |k| k.query.period.to);
    let scopes = scope_choices(access, &snapshot, geo, ctx.lang);
    let result = match &form {
        Some(form) => match kpi_view(&snapshot, form, &f, ctx.lang) {
            Ok(view) => Some(view),
            Err(e) => {
                if let Some(fault) = field_or_fault(e, "scope", &mut f, &ctx) {
                    return Err(fault);
                }
                None
            }
        },
        None => None,
    };
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &ctx,
        status,
        KpiPage {
            chrome: ctx.chrome("/reports"),
            f,
            scopes,
            result,
        },
    ))
}

/// `GET /reports/kpi.xlsx` and `/reports/kpi.json`: the same figures as files. Bad input
/// shows the page with the messages.
async fn kpi_file(ctx: Ctx, raw: Option<String>, xlsx: bool) -> Result<Response, PageError> {
    let access = access(&ctx)?;
    let snapshot = snapshot(&ctx).await?;
    let fields = forms::from_query(raw.as_deref());
    let (_, form) = kpi_form(&fields, access, &snapshot, ctx.lang);
    let Some(form) = form else {
        return kpi_page(ctx, RawQuery(raw)).await;
    };
    let report = match klynge_report::kpi_report(&snapshot, form.query) {
        Ok(r) => r,
        Err(ReportError::RegionNotInForce { .. }) => return kpi_page(ctx, RawQuery(raw)).await,
        Err(e) => return Err(PageError::Internal(e.to_string(), ctx.lang)),
    };
    let fault = |e: ReportError| PageError::Internal(e.to_string(), ctx.lang);
    let stem = format!(
        "klynge-kpi-{}-{}",
        form.query.period.from, form.query.period.to
    );
    if xlsx {
        let bytes =
            klynge_report::xlsx::kpi_report_xlsx(&report, &form.scope_name, report_lang(ctx.lang))
                .map_err(fault)?;
        Ok(download(XLSX, &format!("{stem}.xlsx"), bytes))
    } else {
        let json = klynge_report::to_json(&report).map_err(fault)?;
        Ok(download(JSON, &format!("{stem}.json"), json.into_bytes()))
    }
}

pub async fn kpi_xlsx(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    kpi_file(ctx, raw, true).await
}

pub async fn kpi_json(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    kpi_file(ctx, raw, false).await
}

// ----- the regional engagement report -----

#[derive(Template)]
#[template(path = "reports_region.html")]
struct RegionPage {
    chrome: Chrome,
    f: FormState,
    regions: Vec<(String, String)>,
    /// The report's body (tables and charts), rendered by klynge-report with every value
    /// escaped; and the query string of the downloads.
    result: Option<(String, String)>,
}

fn region_form(fields: &Fields, lang: Lang) -> (FormState, Option<(Region, NaiveDate, NaiveDate)>) {
    let t = Tr::new(lang);
    let mut f = FormState::default();
    let (since_raw, since) = date_field(
        fields,
        "since",
        NaiveDate::from_ymd_opt(today().year() - 1, 1, 1).unwrap_or_default(),
        &mut f,
        &t,
    );
    let (until_raw, until) = date_field(fields, "until", today(), &mut f, &t);
    f.since = since_raw;
    f.until = until_raw;
    f.region = forms::text(fields, "region");
    if f.region.is_empty() {
        f.region = Region::in_force_on(today())
            .next()
            .map(|r| r.code().to_string())
            .unwrap_or_default();
    }
    let region = match Region::parse(&f.region) {
        Ok(r) => Some(r),
        Err(_) => {
            f.errors.push((
                "region",
                t.with("reports-region-invalid", "value", &f.region),
            ));
            None
        }
    };
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        f.errors.push(("until", t.get("reports-period-inverted")));
    }
    if let (Some(r), Some(u)) = (region, until)
        && !r.is_valid_on(u)
    {
        f.errors
            .push(("region", t.get("reports-region-not-in-force")));
    }
    match (region, since, until) {
        (Some(r), Some(s), Some(u)) if f.errors.is_empty() => (f, Some((r, s, u))),
        _ => (f, None),
    }
}

/// The engagement report as this user may see it: staff keep only their own cluster's row
/// (the region's and the country's totals are aggregates).
fn region_for(
    snapshot: &Snapshot,
    access: Access,
    region: Region,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<RegionReport, ReportError> {
    let mut report = region_report(snapshot, region, since, until)?;
    if let Access::Cluster(own) = access {
        let slug = snapshot
            .facts()
            .clusters
            .iter()
            .find(|c| c.id == own)
            .map(|c| c.slug.clone());
        report.clusters.retain(|c| Some(&c.slug) == slug.as_ref());
    }
    Ok(report)
}

/// The `<body>` of a whole HTML document.
fn body_of(document: &str) -> &str {
    let start = document.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = document.rfind("</body>").unwrap_or(document.len());
    document.get(start..end).unwrap_or_default()
}

pub async fn region_page(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let access = access(&ctx)?;
    let fields = forms::from_query(raw.as_deref());
    let (mut f, valid) = region_form(&fields, ctx.lang);
    let geo = valid.map_or_else(today, |(_, _, u)| u);
    let regions = Region::in_force_on(geo)
        .map(|r| (r.code().to_string(), region_name(r, ctx.lang).to_string()))
        .collect();
    let mut result = None;
    if let Some((region, since, until)) = valid {
        let snapshot = snapshot(&ctx).await?;
        match region_for(&snapshot, access, region, since, until) {
            Ok(report) => {
                let html = klynge_report::render_region_report_html(&report, report_lang(ctx.lang))
                    .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
                let query = query_string(&[
                    ("region", &f.region),
                    ("since", &f.since),
                    ("until", &f.until),
                ]);
                result = Some((body_of(&html).to_string(), query));
            }
            Err(e) => {
                if let Some(fault) = field_or_fault(e, "region", &mut f, &ctx) {
                    return Err(fault);
                }
            }
        }
    }
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &ctx,
        status,
        RegionPage {
            chrome: ctx.chrome("/reports/region"),
            f,
            regions,
            result,
        },
    ))
}

#[derive(Clone, Copy)]
enum RegionFormat {
    Html,
    Xlsx,
    Json,
}

async fn region_file(
    ctx: Ctx,
    raw: Option<String>,
    format: RegionFormat,
) -> Result<Response, PageError> {
    let access = access(&ctx)?;
    let fields = forms::from_query(raw.as_deref());
    let (_, valid) = region_form(&fields, ctx.lang);
    let Some((region, since, until)) = valid else {
        return region_page(ctx, RawQuery(raw)).await;
    };
    let snapshot = snapshot(&ctx).await?;
    let report = match region_for(&snapshot, access, region, since, until) {
        Ok(r) => r,
        Err(ReportError::RegionNotInForce { .. } | ReportError::InvertedPeriod { .. }) => {
            return region_page(ctx, RawQuery(raw)).await;
        }
        Err(e) => return Err(PageError::Internal(e.to_string(), ctx.lang)),
    };
    let fault = |e: ReportError| PageError::Internal(e.to_string(), ctx.lang);
    let lang = report_lang(ctx.lang);
    let stem = format!("klynge-{}-{since}", region.code());
    Ok(match format {
        RegionFormat::Html => {
            let html = klynge_report::render_region_report_html(&report, lang).map_err(fault)?;
            ctx.finish(Html(html))
        }
        RegionFormat::Xlsx => download(
            XLSX,
            &format!("{stem}.xlsx"),
            klynge_report::xlsx::region_report_xlsx(&report, lang).map_err(fault)?,
        ),
        RegionFormat::Json => download(
            JSON,
            &format!("{stem}.json"),
            klynge_report::to_json(&report).map_err(fault)?.into_bytes(),
        ),
    })
}

/// `GET /reports/region/print`: the printable page, a whole document of its own.
pub async fn region_print(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    region_file(ctx, raw, RegionFormat::Html).await
}

pub async fn region_xlsx(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    region_file(ctx, raw, RegionFormat::Xlsx).await
}

pub async fn region_json(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    region_file(ctx, raw, RegionFormat::Json).await
}

// ----- how we count -----

#[derive(Template)]
#[template(path = "reports_counting.html")]
struct CountingPage {
    chrome: Chrome,
    /// (bold lead, the rest of the paragraph).
    rules: Vec<(String, String)>,
}

/// `GET /reports/counting`: the counting rules in the user's language, for anyone.
pub async fn counting(ctx: Ctx) -> Result<Response, PageError> {
    let rules = klynge_report::rules(report_lang(ctx.lang))
        .into_iter()
        .map(|p| {
            let p = p.replace('\n', " ");
            match p.strip_prefix("**").and_then(|rest| rest.split_once("**")) {
                Some((lead, rest)) => (lead.to_string(), rest.trim().to_string()),
                None => (String::new(), p),
            }
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        CountingPage {
            chrome: ctx.chrome("/reports/counting"),
            rules,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_of_a_document_is_what_lies_between_the_body_tags() {
        assert_eq!(
            body_of("<html><body><h1>x</h1></body></html>"),
            "<h1>x</h1>"
        );
        assert_eq!(body_of("no tags"), "no tags");
    }

    #[test]
    fn shares_use_the_languages_decimal_mark() {
        assert_eq!(
            figure(Figure::Share(Some(0.4567)), &Tr::new(Lang::Da)),
            "45,7 %"
        );
        assert_eq!(
            figure(Figure::Share(Some(0.4567)), &Tr::new(Lang::En)),
            "45.7 %"
        );
        assert_eq!(figure(Figure::Share(None), &Tr::new(Lang::En)), "–");
        assert_eq!(figure(Figure::Count(1234), &Tr::new(Lang::Da)), "1.234");
    }
}
