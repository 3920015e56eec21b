//! Attendance (issue 6): after the event — closed, or published and its day passed — the
//! organiser marks each placed meeting held or not held (no-show); the figure "held" counts
//! the meetings marked held.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{Attendance, MeetingRequestId};
use klynge_store::EventFigures;

use crate::context::Ctx;
use crate::error::PageError;
use crate::event_pages::{
    event_id, events_view, organiser_form, sides, slot_label, store_err, table_caption,
};
use crate::forms;
use crate::pages::{Chrome, parse_id, render, see_other};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) struct AttendanceRow {
    pub request: i64,
    pub time: String,
    pub table: String,
    pub who: String,
    pub with: String,
    pub mark_label: String,
    /// The marks that can be set from here: (`attendance` value, button label).
    pub actions: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "event_attendance.html")]
struct AttendancePage {
    chrome: Chrome,
    id: i64,
    name: String,
    open: bool,
    message: Option<String>,
    figures: EventFigures,
    rows: Vec<AttendanceRow>,
}

pub async fn page(
    ctx: Ctx,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let record = view.event(id).await.map_err(store_err(&ctx))?;
    let requests = view.requests(id).await.map_err(store_err(&ctx))?;
    let figures = view.figures(id).await.map_err(store_err(&ctx))?;
    let t = ctx.tr();
    let e = &record.event;
    let mut placed: Vec<_> = requests
        .iter()
        .filter_map(|r| r.placement.map(|p| (p, r)))
        .collect();
    placed.sort_by_key(|(p, r)| (*p, r.id.0));
    let rows = placed
        .into_iter()
        .map(|((slot, table), r)| {
            let (who, with) = sides(r);
            let mark = r.attendance.map_or("none", |a| a.code());
            AttendanceRow {
                request: r.id.0,
                time: e
                    .slots
                    .get(slot as usize)
                    .map(slot_label)
                    .unwrap_or_default(),
                table: table_caption(&t, e, table),
                who,
                with,
                mark_label: match r.attendance {
                    None => t.get("attendance-unmarked"),
                    Some(a) => t.label("attendance", a.code()),
                },
                actions: ["held", "no_show", "none"]
                    .into_iter()
                    .filter(|code| *code != mark)
                    .map(|code| (code, t.label("attendance-set", code)))
                    .collect(),
            }
        })
        .collect();
    let message = match forms::text(&forms::from_query(query.as_deref()), "error").as_str() {
        "not-yet" => Some(t.get("attendance-not-yet")),
        "invalid" => Some(t.get("attendance-invalid")),
        _ => None,
    };
    let page = AttendancePage {
        chrome: ctx.chrome("/events"),
        id: id.0,
        name: e.name.as_str().to_string(),
        open: e.takes_attendance(today()),
        message,
        figures,
        rows,
    };
    Ok(render(&ctx, StatusCode::OK, page))
}

/// Marks one meeting: `attendance` is `held`, `no_show` or `none` (clears the mark).
pub async fn mark(
    ctx: Ctx,
    Path((raw, raw_request)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let request = MeetingRequestId(parse_id(&raw_request, ctx.lang)?);
    let code = forms::text(&fields, "attendance");
    let attendance = match code.as_str() {
        "none" => None,
        other => match Attendance::from_code(other) {
            Ok(a) => Some(a),
            Err(_) => {
                return Ok(see_other(&format!(
                    "/events/{}/attendance?error=invalid",
                    id.0
                )));
            }
        },
    };
    match view.set_attendance(id, request, attendance, today()).await {
        Ok(()) => Ok(see_other(&format!(
            "/events/{}/attendance#meeting-{}",
            id.0, request.0
        ))),
        Err(klynge_store::StoreError::Conflict(_)) => Ok(see_other(&format!(
            "/events/{}/attendance?error=not-yet",
            id.0
        ))),
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}
