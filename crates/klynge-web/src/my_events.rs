//! The participant's side of matchmaking events: a member contact of an organisation that is
//! registered for an event sees it, asks other participants for meetings, answers the
//! requests made to its own participants and, once the organiser has published the
//! schedule, reads its agenda (printable) or downloads it as an `.ics` calendar. Everything
//! goes through the member's [`ParticipantEvents`] view.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use klynge_domain::{EventId, EventParticipantId, Gap, MeetingRequestId, RequestStatus};
use klynge_store::{EventRecord, ParticipantEvents, ParticipantRecord, RequestRecord, StoreError};

use crate::context::Ctx;
use crate::error::PageError;
use crate::event_pages::{
    EventRow, RequestForm, event_id, event_rows, parse_request_status, participant_choices,
    request_conflict, request_status_label, sides, slot_label, status_label, table_caption,
};
use crate::i18n::Tr;
use crate::ics;
use crate::pages::{Chrome, parse_id, render, see_other};

fn participant_view(ctx: &Ctx) -> Result<ParticipantEvents, PageError> {
    ctx.principal()?
        .participant_events(&ctx.state.store)
        .ok_or(PageError::Forbidden)
}

#[derive(Template)]
#[template(path = "my_events.html")]
struct MyEventsPage {
    chrome: Chrome,
    rows: Vec<EventRow>,
}

pub async fn my_events(ctx: Ctx) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let records = view
        .events()
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        MyEventsPage {
            chrome: ctx.chrome("/my/events"),
            rows: event_rows(&ctx.tr(), &records),
        },
    ))
}

/// A request as the participant sees it.
struct MyRequest {
    id: i64,
    from: String,
    to: String,
    message: String,
    status: String,
    /// Made to one of the own participants and still open to an answer.
    may_answer: bool,
    may_decline: bool,
    /// Made by one of the own participants and not yet withdrawn.
    may_cancel: bool,
}

/// One meeting on the agenda, or (on the printable agenda) a slot without one.
struct AgendaRow {
    time: String,
    table: String,
    who: String,
    with: String,
    message: String,
    /// A wait or a break, not a meeting.
    gap: bool,
}

#[derive(Template)]
#[template(path = "my_event.html")]
struct MyEventPage {
    chrome: Chrome,
    id: i64,
    name: String,
    held_on: String,
    place: String,
    status: String,
    takes_requests: bool,
    published: bool,
    from_choices: Vec<(i64, String)>,
    to_choices: Vec<(i64, String)>,
    requests: Vec<MyRequest>,
    agenda: Vec<AgendaRow>,
    req: RequestForm,
}

struct Loaded {
    record: EventRecord,
    participants: Vec<ParticipantRecord>,
    requests: Vec<RequestRecord>,
    agenda: Vec<RequestRecord>,
}

async fn load(ctx: &Ctx, view: &ParticipantEvents, id: EventId) -> Result<Loaded, PageError> {
    let err = |e| PageError::store(e, ctx.lang);
    Ok(Loaded {
        record: view.event(id).await.map_err(err)?,
        participants: view.participants(id).await.map_err(err)?,
        requests: view.requests(id).await.map_err(err)?,
        agenda: view.agenda(id).await.map_err(err)?,
    })
}

fn is_own(view: &ParticipantEvents, l: &Loaded, id: klynge_domain::EventParticipantId) -> bool {
    l.participants
        .iter()
        .any(|p| p.id == id && p.participant.organisation == view.organisation())
}

/// One placed meeting of the agenda: the request, the own participant in it, its slot and
/// its row.
struct AgendaEntry<'a> {
    request: &'a RequestRecord,
    own: EventParticipantId,
    slot: u32,
    row: AgendaRow,
}

/// The placed meetings of the agenda, in slot order.
fn agenda_entries<'a>(t: &Tr, view: &ParticipantEvents, l: &'a Loaded) -> Vec<AgendaEntry<'a>> {
    let e = &l.record.event;
    l.agenda
        .iter()
        .filter_map(|r| {
            let (slot, table) = r.placement?;
            let (from, to) = sides(r);
            let (own, who, with) = if is_own(view, l, r.request.from) {
                (r.request.from, r.from_name.clone(), to)
            } else {
                (r.request.to, r.to_name.clone(), from)
            };
            let row = AgendaRow {
                time: slot_label(e.slots.get(slot as usize)?),
                table: table_caption(t, e, table),
                who,
                with,
                message: r.request.message.clone(),
                gap: false,
            };
            Some(AgendaEntry {
                request: r,
                own,
                slot,
                row,
            })
        })
        .collect()
}

fn agenda_rows(t: &Tr, view: &ParticipantEvents, l: &Loaded) -> Vec<AgendaRow> {
    agenda_entries(t, view, l)
        .into_iter()
        .map(|entry| entry.row)
        .collect()
}

/// The agenda to print: the meetings, and between each own participant's first and last
/// meeting its waits and the event's breaks (a break once, however many of the own
/// participants it falls between meetings of).
fn agenda_with_gaps(t: &Tr, view: &ParticipantEvents, l: &Loaded) -> Vec<AgendaRow> {
    let e = &l.record.event;
    let entries = agenda_entries(t, view, l);
    let mut busy: BTreeMap<EventParticipantId, (String, Vec<u32>)> = BTreeMap::new();
    for entry in &entries {
        busy.entry(entry.own)
            .or_insert_with(|| (entry.row.who.clone(), Vec::new()))
            .1
            .push(entry.slot);
    }
    let mut gaps: BTreeMap<(u32, Option<EventParticipantId>), AgendaRow> = BTreeMap::new();
    for (&own, (name, slots)) in &busy {
        for gap in e.gaps_between(slots) {
            let Some(slot) = e.slots.get(gap.position() as usize) else {
                continue;
            };
            let (key, who, with) = match gap {
                Gap::Break(p) => ((p, None), String::new(), t.get("schedule-break")),
                Gap::Wait(p) => ((p, Some(own)), name.clone(), t.get("agenda-wait")),
            };
            gaps.entry(key).or_insert_with(|| AgendaRow {
                time: slot_label(slot),
                table: String::new(),
                who,
                with,
                message: String::new(),
                gap: true,
            });
        }
    }
    let mut rows: Vec<(u32, AgendaRow)> = entries.into_iter().map(|x| (x.slot, x.row)).collect();
    rows.extend(gaps.into_iter().map(|((slot, _), row)| (slot, row)));
    // Stable: within a slot the meetings stay in their order, the gaps after them.
    rows.sort_by_key(|(slot, _)| *slot);
    rows.into_iter().map(|(_, row)| row).collect()
}

fn my_event_page(ctx: &Ctx, view: &ParticipantEvents, l: &Loaded, req: RequestForm) -> MyEventPage {
    let t = ctx.tr();
    let e = &l.record.event;
    let (own, others): (Vec<_>, Vec<_>) = l
        .participants
        .iter()
        .partition(|p| p.participant.organisation == view.organisation());
    let own: Vec<ParticipantRecord> = own.into_iter().cloned().collect();
    let others: Vec<ParticipantRecord> = others.into_iter().cloned().collect();
    MyEventPage {
        chrome: ctx.chrome("/my/events"),
        id: l.record.id.0,
        name: e.name.as_str().to_string(),
        held_on: t.date(&e.held_on),
        place: e.place.clone(),
        status: status_label(&t, e.status),
        takes_requests: e.status.takes_requests(),
        published: e.status.agenda_published(),
        from_choices: participant_choices(&own),
        to_choices: participant_choices(&others),
        requests: l
            .requests
            .iter()
            .map(|r| {
                let to_own = is_own(view, l, r.request.to);
                let from_own = is_own(view, l, r.request.from);
                let s = r.request.status;
                let (from, to) = sides(r);
                MyRequest {
                    id: r.id.0,
                    from,
                    to,
                    message: r.request.message.clone(),
                    status: request_status_label(&t, s),
                    may_answer: to_own && s.may_become(RequestStatus::Accepted),
                    may_decline: to_own && s.may_become(RequestStatus::Declined),
                    may_cancel: from_own && s.may_become(RequestStatus::Cancelled),
                }
            })
            .collect(),
        agenda: agenda_rows(&t, view, l),
        req,
    }
}

pub async fn my_event(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let page = my_event_page(
        &ctx,
        &view,
        &l,
        RequestForm {
            priority: "3".into(),
            ..RequestForm::default()
        },
    );
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn add_request(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let fields = ctx.form(&body)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let mut f = RequestForm::from_fields(&fields);
    let org = view.organisation();
    if let Some(request) = f.validate(&t, &l.participants, |p| p.participant.organisation == org) {
        match view.add_request(id, &request).await {
            Ok(_) => return Ok(see_other(&format!("/my/events/{}#requests", id.0))),
            Err(StoreError::Conflict(_)) => {
                f.errors
                    .insert("to", request_conflict(&t, l.record.event.status));
            }
            Err(e) => return Err(PageError::store(e, ctx.lang)),
        }
    }
    let page = my_event_page(&ctx, &view, &l, f);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub async fn answer_request(
    ctx: Ctx,
    Path((raw, raw_request)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let fields = ctx.form(&body)?;
    let id = event_id(&ctx, &raw)?;
    let request = MeetingRequestId(parse_id(&raw_request, ctx.lang)?);
    let Some(next) = parse_request_status(&fields) else {
        return Err(PageError::NotFound(ctx.lang));
    };
    match view.answer_request(id, request, next).await {
        Ok(()) | Err(StoreError::Conflict(_)) => {
            Ok(see_other(&format!("/my/events/{}#requests", id.0)))
        }
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

#[derive(Template)]
#[template(path = "my_agenda.html")]
struct AgendaPage {
    chrome: Chrome,
    id: i64,
    name: String,
    held_on: String,
    place: String,
    published: bool,
    agenda: Vec<AgendaRow>,
}

pub async fn agenda(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let e = &l.record.event;
    let page = AgendaPage {
        chrome: ctx.chrome("/my/events"),
        id: id.0,
        name: e.name.as_str().to_string(),
        held_on: t.date(&e.held_on),
        place: e.place.clone(),
        published: e.status.agenda_published(),
        agenda: agenda_with_gaps(&t, &view, &l),
    };
    Ok(render(&ctx, StatusCode::OK, page))
}

/// `GET /my/events/{id}/agenda.ics`: the own meetings as an iCalendar file (empty of
/// meetings until the schedule is published).
pub async fn agenda_ics(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let view = participant_view(&ctx)?;
    let raw = raw.strip_suffix(".ics").unwrap_or(&raw);
    let id = event_id(&ctx, raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let e = &l.record.event;
    let events: Vec<ics::IcsEvent> = agenda_entries(&t, &view, &l)
        .into_iter()
        .filter_map(
            |AgendaEntry {
                 request: r,
                 slot,
                 row,
                 ..
             }| {
                let (start, end) = e.slot_utc(slot)?;
                let location = if e.place.is_empty() {
                    row.table
                } else {
                    format!("{}, {}", row.table, e.place)
                };
                Some(ics::IcsEvent {
                    uid: format!("klynge-event-{}-meeting-{}@klynge", id.0, r.id.0),
                    start,
                    end,
                    summary: t
                        .with_args("event-ics-summary", &[("who", row.who), ("with", row.with)]),
                    location,
                    description: row.message,
                })
            },
        )
        .collect();
    let body = ics::calendar(e.name.as_str(), &events, chrono::Utc::now());
    let file = format!("attachment; filename=\"klynge-event-{}.ics\"", id.0);
    Ok(ctx.finish(
        (
            StatusCode::OK,
            [
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/calendar; charset=utf-8"),
                ),
                (
                    CONTENT_DISPOSITION,
                    HeaderValue::from_str(&file).unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            body,
        )
            .into_response(),
    ))
}
