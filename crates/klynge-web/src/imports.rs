//! Import screens for a cluster's staff and admins, and the export of the organisations list.
//!
//! 1. `GET /imports`: choose what the file holds and upload it (multipart, up to
//!    [`MAX_UPLOAD_BYTES`], a raised limit on this route only);
//! 2. `GET /imports/{token}`: the first rows with the detected column mapping, a select per
//!    column to change it (the form comes back here), and the dry run's counts and bad rows;
//! 3. `POST /imports/{token}/commit`: the import runs in a background task (with the explicit
//!    "import the valid rows" choice when rows have errors);
//! 4. `GET /imports/{token}/progress`: refreshes itself until the import is done, then shows
//!    the result.
//!
//! The uploaded file is kept between the steps in a temporary directory under a random token
//! bound to the user who uploaded it; anyone else gets "not found". The rows go into the
//! signed-in staff member's own cluster through the principal's view (`StaffView::crm`),
//! never a cluster named by the request; organisations go into the shared registry. The same
//! pipeline as `klynge import` does the work (`klynge_transfer`).

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use klynge_io::export::{Cell, CsvOptions, Sheet};
use klynge_io::plan::PlanError;
use klynge_io::source::{self, SourceError};
use klynge_io::{Entity, Field, Mapping};
use klynge_store::UserId;
use klynge_transfer::{ImportOptions, ImportOutcome, TransferError};
use tokio::io::AsyncWriteExt;

use crate::auth;
use crate::context::Ctx;
use crate::error::PageError;
use crate::forms::{self, Fields};
use crate::i18n::{Lang, Tr};
use crate::pages::{Chrome, render, search_query, see_other};

/// Largest file the upload accepts.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 10;
/// Bad rows listed on a page (all are counted).
const ERRORS_SHOWN: usize = 200;
/// How long an upload is kept after it arrived.
const UPLOAD_TTL: Duration = Duration::from_secs(3 * 3600);

/// An uploaded file waiting for its preview, commit or result.
struct Upload {
    user: UserId,
    entity: Entity,
    file_name: String,
    path: PathBuf,
    arrived: Instant,
    job: Option<Arc<Mutex<Job>>>,
}

/// A running or finished import.
#[derive(Default)]
struct Job {
    rows: usize,
    position: u64,
    total: u64,
    committing: bool,
    /// The outcome, or the message of a file-level failure.
    done: Option<Result<ImportOutcome, String>>,
}

/// The uploads of this process, by token. An upload lives in memory and in a temporary file;
/// a restart forgets it, which only means uploading again.
static UPLOADS: LazyLock<Mutex<HashMap<String, Upload>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn uploads() -> std::sync::MutexGuard<'static, HashMap<String, Upload>> {
    // A panic while holding the lock leaves a usable map: every entry is complete.
    UPLOADS.lock().unwrap_or_else(|p| p.into_inner())
}

fn upload_dir() -> PathBuf {
    std::env::temp_dir().join("klynge-uploads")
}

/// Forgets expired uploads and deletes their files.
fn sweep() {
    let mut map = uploads();
    let expired: Vec<String> = map
        .iter()
        .filter(|(_, u)| u.arrived.elapsed() > UPLOAD_TTL)
        .map(|(k, _)| k.clone())
        .collect();
    for token in expired {
        if let Some(u) = map.remove(&token) {
            let _ = std::fs::remove_file(&u.path);
        }
    }
}

/// An upload as a handler sees it: entity, file name, path and job.
type Found = (Entity, String, PathBuf, Option<Arc<Mutex<Job>>>);

/// The upload's entity, name, path and job, if `token` is this user's.
fn lookup(token: &str, user: UserId) -> Option<Found> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let map = uploads();
    let u = map.get(token).filter(|u| u.user == user)?;
    Some((u.entity, u.file_name.clone(), u.path.clone(), u.job.clone()))
}

fn lock(job: &Mutex<Job>) -> std::sync::MutexGuard<'_, Job> {
    job.lock().unwrap_or_else(|p| p.into_inner())
}

fn io_lang(lang: Lang) -> klynge_io::Lang {
    match lang {
        Lang::Da => klynge_io::Lang::Da,
        Lang::En => klynge_io::Lang::En,
    }
}

fn entity_key(entity: Entity) -> String {
    format!("import-entity-{}", entity.code())
}

// ----- 1. upload -----

#[derive(Template)]
#[template(path = "import_upload.html")]
struct UploadPage {
    chrome: Chrome,
    entities: Vec<(String, String)>,
    entity: String,
    error: Option<String>,
    max_mb: usize,
}

fn upload_page(ctx: &Ctx, status: StatusCode, entity: &str, error: Option<String>) -> Response {
    let t = ctx.tr();
    render(
        ctx,
        status,
        UploadPage {
            chrome: ctx.chrome("/imports"),
            entities: Entity::ALL
                .iter()
                .map(|e| (e.code().to_string(), t.get(&entity_key(*e))))
                .collect(),
            entity: entity.to_string(),
            error,
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        },
    )
}

pub async fn upload_form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.staff()?;
    Ok(upload_page(&ctx, StatusCode::OK, "", None))
}

/// Why an upload was refused, before the file was kept.
enum Refusal {
    TooLarge,
    Broken,
    NoFile,
    Entity,
    Csrf,
    Unreadable(String),
}

pub async fn upload(
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let principal = ctx.principal()?.id();
    let t = ctx.tr();
    sweep();
    let token = auth::random_token();
    let dir = upload_dir();
    let path = dir.join(&token);
    let mut entity_code = String::new();
    let result = receive(&ctx, multipart, &dir, &path, &mut entity_code).await;
    let refuse = |status: StatusCode, message: String| {
        let _ = std::fs::remove_file(&path);
        Ok(upload_page(&ctx, status, &entity_code, Some(message)))
    };
    let file_name = match result {
        Ok(name) => name,
        Err(Refusal::Csrf) => {
            let _ = std::fs::remove_file(&path);
            return Err(PageError::Csrf);
        }
        Err(Refusal::TooLarge) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                t.with(
                    "import-too-large",
                    "max",
                    &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string(),
                ),
            );
        }
        Err(Refusal::Broken) => {
            return refuse(StatusCode::BAD_REQUEST, t.get("import-upload-broken"));
        }
        Err(Refusal::NoFile) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, t.get("import-no-file"));
        }
        Err(Refusal::Entity) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("import-choose-entity"),
            );
        }
        Err(Refusal::Unreadable(reason)) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.with("import-unreadable", "reason", &reason),
            );
        }
    };
    let Some(entity) = Entity::parse(&entity_code) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("import-choose-entity"),
        );
    };
    // The format is recognised now, so that a file that is no spreadsheet is refused here.
    if let Err(e) = source::open(&path) {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.with("import-unreadable", "reason", &e.to_string()),
        );
    }
    tracing::info!(
        cluster = staff.cluster_id().0,
        entity = entity.code(),
        file = %file_name,
        "import file uploaded"
    );
    uploads().insert(
        token.clone(),
        Upload {
            user: principal,
            entity,
            file_name,
            path,
            arrived: Instant::now(),
            job: None,
        },
    );
    Ok(ctx.finish(see_other(&format!("/imports/{token}"))))
}

/// Reads the form: the token and entity fields, and the file streamed to `path`.
async fn receive(
    ctx: &Ctx,
    multipart: Result<Multipart, MultipartRejection>,
    dir: &FsPath,
    path: &FsPath,
    entity: &mut String,
) -> Result<String, Refusal> {
    let mut multipart = multipart.map_err(|_| Refusal::Broken)?;
    let too_large_or_broken = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::TooLarge
        } else {
            Refusal::Broken
        }
    };
    let mut csrf_ok = false;
    let mut file_name = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| too_large_or_broken(e.status()))?
    {
        match field.name().unwrap_or_default() {
            "csrf" => {
                let token = field
                    .text()
                    .await
                    .map_err(|e| too_large_or_broken(e.status()))?;
                csrf_ok = ctx.check_csrf(Some(&token)).is_ok();
            }
            "entity" => {
                *entity = field
                    .text()
                    .await
                    .map_err(|e| too_large_or_broken(e.status()))?
                    .trim()
                    .to_string();
            }
            "file" => {
                // The token must come first: nothing is written for a forged form.
                if !csrf_ok {
                    return Err(Refusal::Csrf);
                }
                let name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                    .unwrap_or_default();
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| Refusal::Unreadable(e.to_string()))?;
                let mut file = tokio::fs::File::create(path)
                    .await
                    .map_err(|e| Refusal::Unreadable(e.to_string()))?;
                let mut size = 0usize;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| too_large_or_broken(e.status()))?
                {
                    size += chunk.len();
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
                }
                file.flush()
                    .await
                    .map_err(|e| Refusal::Unreadable(e.to_string()))?;
                if size == 0 {
                    return Err(Refusal::NoFile);
                }
                file_name = Some(name);
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(Refusal::Csrf);
    }
    if Entity::parse(entity).is_none() {
        return Err(Refusal::Entity);
    }
    file_name.ok_or(Refusal::NoFile)
}

// ----- 2. preview and dry run -----

/// One column of the preview: its header, the field it maps to and the choices.
struct ColumnView {
    name: String,
    header: String,
    selected: String,
    error: Option<String>,
}

struct ErrorView {
    row: usize,
    column: String,
    message: String,
}

struct SummaryView {
    rows: usize,
    created: usize,
    updated: usize,
    skipped: usize,
    invalid: usize,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    token: String,
    intro: String,
    columns: Vec<ColumnView>,
    options: Vec<(String, String)>,
    rows: Vec<Vec<String>>,
    problem: Option<String>,
    summary: Option<SummaryView>,
    errors: Vec<ErrorView>,
    more_errors: usize,
    can_commit: bool,
}

/// The mapping from the form's `c0`, `c1`, … (one per column; `-` ignores a column), on top
/// of the detected one; a field chosen twice or unknown is reported at its column.
fn mapping_from(
    entity: Entity,
    headers: &[String],
    fields: &Fields,
    t: &Tr,
) -> (Mapping, HashMap<usize, String>) {
    let mut mapping = Mapping::detect(entity, headers);
    let mut errors = HashMap::new();
    let chosen: Vec<Option<String>> = (0..headers.len())
        .map(|i| fields.get(&format!("c{i}")).map(|v| v.trim().to_string()))
        .collect();
    if chosen.iter().all(Option::is_none) {
        return (mapping, errors);
    }
    for (i, choice) in chosen.iter().enumerate() {
        let field = match choice.as_deref() {
            None | Some("" | "-") => None,
            Some(code) => match entity.fields().iter().copied().find(|f| f.code() == code) {
                Some(f) => Some(f),
                None => {
                    errors.insert(i, t.with("import-unknown-field", "value", code));
                    None
                }
            },
        };
        mapping.columns[i] = field;
    }
    for i in 0..headers.len() {
        if let Some(f) = mapping.columns[i]
            && mapping.columns[..i].contains(&Some(f))
        {
            errors.insert(i, t.get("import-field-twice"));
        }
    }
    (mapping, errors)
}

fn mapping_query(mapping: &Mapping) -> String {
    mapping
        .columns
        .iter()
        .enumerate()
        .map(|(i, f)| format!("c{i}={}", f.map_or("-", Field::code)))
        .collect::<Vec<_>>()
        .join("&")
}

fn error_views(outcome: &ImportOutcome, lang: Lang) -> Vec<ErrorView> {
    outcome
        .errors
        .iter()
        .take(ERRORS_SHOWN)
        .map(|e| {
            let message = e.kind.message(io_lang(lang), e.field);
            ErrorView {
                row: e.row,
                column: e.column.clone().unwrap_or_default(),
                message,
            }
        })
        .collect()
}

fn summary_view(outcome: &ImportOutcome) -> SummaryView {
    let s = outcome.summary;
    SummaryView {
        rows: s.rows,
        created: s.created,
        updated: s.updated,
        skipped: s.skipped,
        invalid: s.invalid,
    }
}

/// A file-level failure in the user's language.
fn transfer_message(e: &TransferError, t: &Tr) -> String {
    match e {
        TransferError::Plan(PlanError::MissingColumns { missing, .. }) => {
            t.with("import-missing-columns", "missing", missing)
        }
        TransferError::Source(e) => t.with("import-unreadable", "reason", &e.to_string()),
        TransferError::Plan(PlanError::NoCluster(_))
        | TransferError::Store(_)
        | TransferError::Stopped(_) => t.get("import-failed"),
    }
}

pub async fn preview(
    ctx: Ctx,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let user = ctx.principal()?.id();
    let t = ctx.tr();
    let Some((entity, file_name, path, job)) = lookup(&token, user) else {
        return Err(PageError::NotFound(ctx.lang));
    };
    if job.is_some() {
        return Ok(see_other(&format!("/imports/{token}/progress")));
    }
    let not_readable = |e: SourceError| PageError::Internal(e.to_string(), ctx.lang);
    let mut source = source::open(&path).map_err(not_readable)?;
    let fields = forms::from_query(raw.as_deref());
    let (mapping, column_errors) = mapping_from(entity, &source.headers, &fields, &t);
    let mut rows = Vec::new();
    while rows.len() < PREVIEW_ROWS {
        match source.next_row() {
            Some(Ok(row)) => rows.push(row.cells),
            Some(Err(_)) => continue,
            None => break,
        }
    }
    let columns = mapping
        .headers
        .iter()
        .zip(&mapping.columns)
        .enumerate()
        .map(|(i, (h, f))| ColumnView {
            name: format!("c{i}"),
            header: h.clone(),
            selected: f.map_or("-", Field::code).to_string(),
            error: column_errors.get(&i).cloned(),
        })
        .collect();
    let options = entity
        .fields()
        .iter()
        .map(|f| (f.code().to_string(), f.label(io_lang(ctx.lang)).to_string()))
        .collect();
    // The dry run: the same pipeline as the import, writing nothing.
    let (problem, summary, errors, more_errors, can_commit) = if column_errors.is_empty() {
        let dry = source::open(&path).map_err(not_readable)?;
        let crm = staff.crm();
        let options = ImportOptions {
            dry_run: true,
            import_valid_rows: false,
        };
        match klynge_transfer::run(
            &ctx.state.store,
            Some(&crm),
            dry,
            mapping.clone(),
            options,
            |_| {},
        )
        .await
        {
            Ok(outcome) => {
                let shown = error_views(&outcome, ctx.lang);
                let more = outcome.summary.invalid.saturating_sub(shown.len());
                let writable = outcome.summary.created + outcome.summary.updated > 0;
                (None, Some(summary_view(&outcome)), shown, more, writable)
            }
            Err(TransferError::Store(e)) => return Err(PageError::store(e, ctx.lang)),
            Err(e) => (Some(transfer_message(&e, &t)), None, Vec::new(), 0, false),
        }
    } else {
        (Some(t.get("form-has-errors")), None, Vec::new(), 0, false)
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        &ctx,
        status,
        PreviewPage {
            chrome: ctx.chrome("/imports"),
            token,
            intro: t.with_args(
                "import-preview-intro",
                &[
                    ("file", file_name),
                    ("entity", t.get(&entity_key(entity))),
                    ("format", source.format.to_string()),
                ],
            ),
            columns,
            options,
            rows,
            problem,
            summary,
            errors,
            more_errors,
            can_commit,
        },
    ))
}

// ----- 3. commit in the background -----

pub async fn commit(
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let user = ctx.principal()?.id();
    let fields = ctx.form(&body)?;
    let t = ctx.tr();
    let Some((entity, _, path, job)) = lookup(&token, user) else {
        return Err(PageError::NotFound(ctx.lang));
    };
    if job.is_some() {
        return Ok(see_other(&format!("/imports/{token}/progress")));
    }
    let source = source::open(&path).map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
    let (mapping, column_errors) = mapping_from(entity, &source.headers, &fields, &t);
    if !column_errors.is_empty() {
        return Ok(see_other(&format!(
            "/imports/{token}?{}",
            mapping_query(&mapping)
        )));
    }
    let import_valid_rows = forms::flag(&fields, "valid_rows");
    let job = Arc::new(Mutex::new(Job::default()));
    {
        let mut map = uploads();
        match map.get_mut(&token) {
            Some(u) if u.job.is_none() => u.job = Some(job.clone()),
            // A second click while the first was being handled.
            _ => return Ok(see_other(&format!("/imports/{token}/progress"))),
        }
    }
    let store = ctx.state.store.clone();
    let market = ctx.state.market.clone();
    let crm = staff.crm();
    let lang = ctx.lang;
    let cluster = crm.cluster_id().0;
    tokio::spawn(async move {
        let result = async {
            let source = source::open(&path)?;
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            lock(&job).total = source::total(&source, len);
            let options = ImportOptions {
                dry_run: false,
                import_valid_rows,
            };
            klynge_transfer::run(&store, Some(&crm), source, mapping, options, |p| {
                let mut j = lock(&job);
                j.rows = p.rows;
                j.position = p.position;
                j.committing = p.committing;
            })
            .await
        }
        .await;
        let done = match result {
            Ok(outcome) => {
                tracing::info!(
                    cluster,
                    entity = entity.code(),
                    written = outcome.written,
                    created = outcome.summary.created,
                    updated = outcome.summary.updated,
                    invalid = outcome.summary.invalid,
                    "web import finished"
                );
                // The marketplace indexes organisations and their memberships: follow the
                // import (one rebuild rather than one update per row).
                if outcome.written
                    && matches!(entity, Entity::Organisations | Entity::Memberships)
                    && let Err(e) = market.rebuild(&store).await
                {
                    tracing::error!(error = %e, "rebuilding the market index after an import failed");
                }
                Ok(outcome)
            }
            Err(e) => {
                tracing::error!(cluster, error = %e, "web import failed");
                Err(transfer_message(&e, &Tr::new(lang)))
            }
        };
        lock(&job).done = Some(done);
        let _ = tokio::fs::remove_file(&path).await;
    });
    Ok(see_other(&format!("/imports/{token}/progress")))
}

// ----- 4. progress and result -----

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    intro: String,
    running: bool,
    percent: u64,
    rows: usize,
    committing: bool,
    failure: Option<String>,
    summary: Option<SummaryView>,
    written: bool,
    errors: Vec<ErrorView>,
    more_errors: usize,
}

pub async fn progress(ctx: Ctx, Path(token): Path<String>) -> Result<Response, PageError> {
    ctx.staff()?;
    let user = ctx.principal()?.id();
    let t = ctx.tr();
    let Some((entity, file_name, _, job)) = lookup(&token, user) else {
        return Err(PageError::NotFound(ctx.lang));
    };
    let Some(job) = job else {
        return Ok(see_other(&format!("/imports/{token}")));
    };
    let page = {
        let j = lock(&job);
        let percent = j
            .position
            .saturating_mul(100)
            .checked_div(j.total)
            .map_or(0, |p| p.min(100));
        let mut page = ProgressPage {
            chrome: ctx.chrome("/imports"),
            intro: t.with_args(
                "import-progress-intro",
                &[("file", file_name), ("entity", t.get(&entity_key(entity)))],
            ),
            running: j.done.is_none(),
            percent,
            rows: j.rows,
            committing: j.committing,
            failure: None,
            summary: None,
            written: false,
            errors: Vec::new(),
            more_errors: 0,
        };
        match &j.done {
            None => {}
            Some(Err(message)) => page.failure = Some(message.clone()),
            Some(Ok(outcome)) => {
                page.errors = error_views(outcome, ctx.lang);
                page.more_errors = outcome.summary.invalid.saturating_sub(page.errors.len());
                page.summary = Some(summary_view(outcome));
                page.written = outcome.written;
            }
        }
        page
    };
    Ok(render(&ctx, StatusCode::OK, page))
}

// ----- export of the organisations list -----

/// `GET /organisations/export?format=xlsx|csv&…`: the organisations the search form's filters
/// match (all pages), as a workbook or a CSV file for Danish Excel.
pub async fn export_organisations(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let t = ctx.tr();
    let fields = forms::from_query(raw.as_deref());
    let (form, query) = search_query(&fields, &t);
    if !form.errors.is_empty() {
        // The list page shows the messages at the fields.
        return Ok(see_other(&format!(
            "/organisations?{}",
            raw.unwrap_or_default()
        )));
    }
    let xlsx = match forms::text(&fields, "format").as_str() {
        "xlsx" | "" => true,
        "csv" => false,
        _ => return Err(PageError::NotFound(ctx.lang)),
    };
    let hits = staff
        .all_matching_organisations(&query)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let lang = io_lang(ctx.lang);
    let mut headers: Vec<String> = [
        Field::Name,
        Field::Cvr,
        Field::Municipality,
        Field::Kind,
        Field::Employees,
        Field::Industry,
    ]
    .iter()
    .map(|f| f.label(lang).to_string())
    .collect();
    headers.push(t.get("col-member"));
    let rows = hits
        .into_iter()
        .map(|h| {
            let text = |s: Option<String>| s.map_or(Cell::Empty, Cell::Text);
            let employees = h.employees_min.map(|min| match h.employees_max {
                Some(max) if max == min => max.to_string(),
                Some(max) => format!("{min}-{max}"),
                None => format!("{min}+"),
            });
            vec![
                Cell::Text(h.name),
                h.cvr.map_or(Cell::Empty, Cell::Int),
                text(h.municipality),
                Cell::Text(h.kind),
                text(employees),
                text(h.industry_code),
                Cell::Bool(h.member),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: t.get("orgs-title"),
        headers,
        rows,
    };
    let failed = |e: klynge_io::export::ExportError| PageError::Internal(e.to_string(), ctx.lang);
    let (bytes, content_type, ext) = if xlsx {
        (
            klynge_io::export::write_xlsx(&sheet, lang).map_err(failed)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        let mut out = Vec::new();
        klynge_io::export::write_csv(&sheet, &mut out, CsvOptions::default(), lang)
            .map_err(failed)?;
        (out, "text/csv; charset=utf-8", "csv")
    };
    let name = format!(
        "{}-{}.{ext}",
        t.get("import-export-file-name"),
        chrono::Utc::now().date_naive()
    );
    Ok(ctx.finish((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entity names are built from codes; each exists in both languages.
    #[test]
    fn entity_keys_exist() {
        for lang in [Lang::Da, Lang::En] {
            let t = Tr::new(lang);
            for e in Entity::ALL {
                let key = entity_key(e);
                assert_ne!(t.get(&key), key, "{key} is missing in {lang:?}");
            }
        }
    }

    #[test]
    fn mapping_choices_override_the_detected_ones_and_report_twice_chosen_fields() {
        let t = Tr::new(Lang::En);
        let headers: Vec<String> = ["Firma", "Nummer", "Navn"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut fields = Fields::new();
        fields.insert("c0".into(), "name".into());
        fields.insert("c1".into(), "cvr".into());
        fields.insert("c2".into(), "-".into());
        let (m, errors) = mapping_from(Entity::Organisations, &headers, &fields, &t);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.columns, vec![Some(Field::Name), Some(Field::Cvr), None]);
        fields.insert("c2".into(), "cvr".into());
        let (_, errors) = mapping_from(Entity::Organisations, &headers, &fields, &t);
        assert!(errors.contains_key(&2), "{errors:?}");
        fields.insert("c2".into(), "shoe".into());
        let (_, errors) = mapping_from(Entity::Organisations, &headers, &fields, &t);
        assert!(errors.contains_key(&2), "{errors:?}");
    }
}
