//! The organiser changes or removes a registration (issue 6): the person, availability and
//! meeting cap of a participant, and removal after a confirmation page, which withdraws the
//! participant's meeting requests and takes its meetings out of the schedule in one
//! transaction (`EventsView::remove_participant`). Both are refused once the event is closed.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{EventId, EventParticipant, EventParticipantId};
use klynge_store::{EventRecord, EventsView, ParticipantRecord, RequestRecord, StoreError};

use crate::context::Ctx;
use crate::error::PageError;
use crate::event_pages::{
    ParticipantForm, SlotChoice, event_id, events_view, organiser_form, slot_label, store_err, who,
};
use crate::i18n::Tr;
use crate::pages::{Chrome, parse_id, render, see_other};

#[derive(Template)]
#[template(path = "event_participant.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    participant: i64,
    event_name: String,
    heading: String,
    organisation: String,
    editable: bool,
    slots: Vec<SlotChoice>,
    f: ParticipantForm,
}

#[derive(Template)]
#[template(path = "event_participant_remove.html")]
struct RemovePage {
    chrome: Chrome,
    id: i64,
    participant: i64,
    event_name: String,
    /// What removing does, with the participant's name and counts.
    confirm: String,
    editable: bool,
    refused: bool,
}

struct Loaded {
    record: EventRecord,
    participant: ParticipantRecord,
    /// The participant's requests, made and received.
    requests: Vec<RequestRecord>,
}

async fn load(ctx: &Ctx, view: &EventsView, raw: &str, raw_p: &str) -> Result<Loaded, PageError> {
    let id: EventId = event_id(ctx, raw)?;
    let pid = EventParticipantId(parse_id(raw_p, ctx.lang)?);
    let record = view.event(id).await.map_err(store_err(ctx))?;
    let participant = view.participant(id, pid).await.map_err(store_err(ctx))?;
    let requests = view
        .requests(id)
        .await
        .map_err(store_err(ctx))?
        .into_iter()
        .filter(|r| r.request.from == pid || r.request.to == pid)
        .collect();
    Ok(Loaded {
        record,
        participant,
        requests,
    })
}

fn edit_page(ctx: &Ctx, l: &Loaded, f: ParticipantForm) -> EditPage {
    let t = ctx.tr();
    let e = &l.record.event;
    EditPage {
        chrome: ctx.chrome("/events"),
        id: l.record.id.0,
        participant: l.participant.id.0,
        event_name: e.name.as_str().to_string(),
        heading: t.with("event-participant-edit", "name", &who(&l.participant)),
        organisation: l.participant.organisation_name.clone(),
        editable: e.registrations_editable(),
        slots: f.slot_choices(e),
        f,
    }
}

pub async fn edit_form(
    ctx: Ctx,
    Path((raw, raw_p)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let l = load(&ctx, &view, &raw, &raw_p).await?;
    let p = &l.participant.participant;
    let f = ParticipantForm {
        name: p.name.as_str().to_string(),
        email: p.email.as_str().to_string(),
        max_meetings: p.max_meetings.map(|m| m.to_string()).unwrap_or_default(),
        available: p.available.clone().unwrap_or_default(),
        ..ParticipantForm::default()
    };
    let page = edit_page(&ctx, &l, f);
    Ok(render(&ctx, StatusCode::OK, page))
}

/// Messages for a change the participant's placed meetings do not allow.
fn placed_conflicts(t: &Tr, l: &Loaded, new: &EventParticipant, f: &mut ParticipantForm) {
    let e = &l.record.event;
    let placed: Vec<u32> = l
        .requests
        .iter()
        .filter_map(|r| r.placement)
        .map(|(s, _)| s)
        .collect();
    if let Some(slot) = placed.iter().find(|s| !new.is_available(**s)) {
        let label = e
            .slots
            .get(*slot as usize)
            .map(slot_label)
            .unwrap_or_default();
        f.errors.insert(
            "available",
            t.with("event-participant-placed-slot", "slot", &label),
        );
    }
    if new.max_meetings.is_some_and(|m| placed.len() > m as usize) {
        f.errors.insert(
            "max_meetings",
            t.with(
                "event-participant-placed-cap",
                "count",
                &placed.len().to_string(),
            ),
        );
    }
}

pub async fn update(
    ctx: Ctx,
    Path((raw, raw_p)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let l = load(&ctx, &view, &raw, &raw_p).await?;
    let t = ctx.tr();
    let e = &l.record.event;
    let mut f = ParticipantForm::default();
    let (name, email, max_meetings) = f.read_person(&fields, &t, e);
    if !e.registrations_editable() {
        let page = edit_page(&ctx, &l, f);
        return Ok(render(&ctx, StatusCode::CONFLICT, page));
    }
    if let (Some(name), Some(email), true) = (name, email, f.errors.is_empty()) {
        let participant = EventParticipant {
            organisation: l.participant.participant.organisation,
            name,
            email,
            available: f.availability(e),
            max_meetings,
        };
        placed_conflicts(&t, &l, &participant, &mut f);
        if f.errors.is_empty() {
            match view
                .update_participant(l.record.id, l.participant.id, &participant)
                .await
            {
                Ok(()) => {
                    return Ok(see_other(&format!(
                        "/events/{}#participants",
                        l.record.id.0
                    )));
                }
                Err(e) => f.refused(&t, e, ctx.lang)?,
            }
        }
    }
    let page = edit_page(&ctx, &l, f);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

fn remove_page(ctx: &Ctx, l: &Loaded, refused: bool) -> RemovePage {
    let meetings = l.requests.iter().filter(|r| r.placement.is_some()).count();
    RemovePage {
        chrome: ctx.chrome("/events"),
        id: l.record.id.0,
        participant: l.participant.id.0,
        event_name: l.record.event.name.as_str().to_string(),
        confirm: ctx.tr().with_args(
            "event-participant-remove-confirm",
            &[
                ("name", who(&l.participant)),
                ("requests", l.requests.len().to_string()),
                ("meetings", meetings.to_string()),
            ],
        ),
        editable: l.record.event.registrations_editable(),
        refused,
    }
}

pub async fn remove_form(
    ctx: Ctx,
    Path((raw, raw_p)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let l = load(&ctx, &view, &raw, &raw_p).await?;
    let page = remove_page(&ctx, &l, false);
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn remove(
    ctx: Ctx,
    Path((raw, raw_p)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, _) = organiser_form(&ctx, &body)?;
    let l = load(&ctx, &view, &raw, &raw_p).await?;
    match view.remove_participant(l.record.id, l.participant.id).await {
        Ok(()) => Ok(see_other(&format!(
            "/events/{}#participants",
            l.record.id.0
        ))),
        Err(StoreError::Conflict(_)) => {
            let page = remove_page(&ctx, &l, true);
            Ok(render(&ctx, StatusCode::CONFLICT, page))
        }
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}
