//! The organiser's matchmaking event screens (issue 6): the event list and form, the event
//! page (registrations, meeting requests, figures, status), running the scheduler with a
//! progress page, the schedule as a grid of slots × tables with each participant's load, and
//! moving a meeting by hand. Every handler takes the cluster from the signed-in staff
//! member's [`EventsView`]; another cluster's event is a 404.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveTime;
use klynge_domain::{
    CountryCode, Cvr, Email, Event, EventId, EventParticipant, EventParticipantId, EventStatus,
    MeetingRequest, MeetingRequestId, MoveConflict, Name, Organisation, OrganisationId,
    OrganisationKind, Registration, RequestStatus, Slot, SlotError, parse_date,
};
use klynge_store::{
    EventFigures, EventRecord, EventsView, ParticipantRecord, RequestRecord, StoreError,
};

use crate::context::Ctx;
use crate::error::PageError;
use crate::event_run;
use crate::forms;
use crate::i18n::Tr;
use crate::pages::{Chrome, parse_id, render, see_other};

pub(crate) type Errors = HashMap<&'static str, String>;

const MAX_SHORT_TEXT: usize = 200;

pub(crate) fn events_view(ctx: &Ctx) -> Result<EventsView, PageError> {
    ctx.principal()?
        .events(&ctx.state.store)
        .ok_or(PageError::Forbidden)
}

/// A form sent to an organiser's screen: the staff member's view and the fields, once the
/// form token is checked.
pub(crate) fn organiser_form(
    ctx: &Ctx,
    body: &Bytes,
) -> Result<(EventsView, forms::Fields), PageError> {
    let view = events_view(ctx)?;
    let fields = forms::from_body(body);
    ctx.check_csrf(fields.get("csrf"))?;
    Ok((view, fields))
}

pub(crate) fn store_err(ctx: &Ctx) -> impl Fn(StoreError) -> PageError + '_ {
    |e| PageError::store(e, ctx.lang)
}

/// "09:00–09:20".
pub(crate) fn slot_label(slot: &Slot) -> String {
    time_span_label(slot.starts_at, slot.ends_at)
}

/// "09:00–10:40".
fn time_span_label(from: NaiveTime, to: NaiveTime) -> String {
    format!("{}–{}", from.format("%H:%M"), to.format("%H:%M"))
}

/// A table as the pages show one: its name ("Lokale B"), or "Bord 5" for a numbered one.
pub(crate) fn table_caption(t: &Tr, event: &Event, table: u32) -> String {
    match event.table_name(table) {
        Some(name) => name.to_string(),
        None => t.with("event-table", "table", &(table + 1).to_string()),
    }
}

/// A participant as the pages show one: "Name (Organisation)".
pub(crate) fn who(p: &ParticipantRecord) -> String {
    format!("{} ({})", p.participant.name, p.organisation_name)
}

/// The asking and the asked side of a request, each as "Name (Organisation)".
pub(crate) fn sides(r: &RequestRecord) -> (String, String) {
    (
        format!("{} ({})", r.from_name, r.from_organisation),
        format!("{} ({})", r.to_name, r.to_organisation),
    )
}

/// The message for a request the store refused as a conflict: a duplicate while the event
/// takes requests, else the event no longer takes any.
pub(crate) fn request_conflict(t: &Tr, status: EventStatus) -> String {
    t.get(if status.takes_requests() {
        "event-request-duplicate"
    } else {
        "event-request-closed"
    })
}

pub(crate) fn status_label(t: &Tr, status: EventStatus) -> String {
    t.label("event-status", status.code())
}

pub(crate) fn request_status_label(t: &Tr, status: RequestStatus) -> String {
    t.label("request-status", status.code())
}

fn required_name(errors: &mut Errors, t: &Tr, field: &'static str, value: &str) -> Option<Name> {
    if value.chars().count() > MAX_SHORT_TEXT {
        errors.insert(
            field,
            t.with("field-too-long", "max", &MAX_SHORT_TEXT.to_string()),
        );
        return None;
    }
    let name = Name::parse(value).ok();
    if name.is_none() {
        errors.insert(field, t.get("field-required"));
    }
    name
}

// ----- the list and the event form -----

/// One event in a list.
pub(crate) struct EventRow {
    pub id: i64,
    pub name: String,
    pub held_on: String,
    pub place: String,
    pub status: String,
}

pub(crate) fn event_rows(t: &Tr, records: &[EventRecord]) -> Vec<EventRow> {
    records
        .iter()
        .map(|r| EventRow {
            id: r.id.0,
            name: r.event.name.as_str().to_string(),
            held_on: t.date(&r.event.held_on),
            place: r.event.place.clone(),
            status: status_label(t, r.event.status),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    chrome: Chrome,
    rows: Vec<EventRow>,
}

pub async fn events(ctx: Ctx) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let records = view.events().await.map_err(store_err(&ctx))?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        EventsPage {
            chrome: ctx.chrome("/events"),
            rows: event_rows(&ctx.tr(), &records),
        },
    ))
}

/// The event form's fields as typed, and the messages at them.
#[derive(Debug, Default)]
pub struct EventForm {
    pub name: String,
    pub place: String,
    pub held_on: String,
    pub slots: String,
    pub tables: String,
    pub table_names: String,
    pub errors: Errors,
}

impl EventForm {
    fn from_fields(fields: &forms::Fields) -> Self {
        let raw = |k: &str| fields.get(k).cloned().unwrap_or_default();
        EventForm {
            name: forms::text(fields, "name"),
            place: forms::text(fields, "place"),
            held_on: forms::text(fields, "held_on"),
            slots: raw("slots").trim().to_string(),
            tables: forms::text(fields, "tables"),
            table_names: raw("table_names").trim().to_string(),
            errors: Errors::new(),
        }
    }

    fn of(t: &Tr, event: &Event) -> Self {
        EventForm {
            name: event.name.as_str().to_string(),
            place: event.place.clone(),
            held_on: t.date_input(&event.held_on),
            slots: event.slot_lines(),
            tables: event.tables.to_string(),
            table_names: event.table_names.join("\n"),
            errors: Errors::new(),
        }
    }

    fn new_default() -> Self {
        EventForm {
            slots: "09:00-09:20\n09:20-09:40\n09:40-10:00\n10:00-10:20\n10:20-10:40\n12:00-13:00 pause\n13:00-13:20\n13:20-13:40".into(),
            tables: "10".into(),
            ..EventForm::default()
        }
    }

    fn validate(&mut self, t: &Tr, view: &EventsView, status: EventStatus) -> Option<Event> {
        let name = required_name(&mut self.errors, t, "name", &self.name);
        if self.place.chars().count() > Event::MAX_PLACE_CHARS {
            self.errors.insert(
                "place",
                t.with("field-too-long", "max", &Event::MAX_PLACE_CHARS.to_string()),
            );
        }
        let held_on = if self.held_on.is_empty() {
            self.errors.insert("held_on", t.get("field-required"));
            None
        } else {
            let d = parse_date(&self.held_on).ok();
            if d.is_none() {
                self.errors.insert(
                    "held_on",
                    t.with("field-date-invalid", "value", &self.held_on),
                );
            }
            d
        };
        let slots = match Slot::parse_lines(&self.slots) {
            Ok(s) => Some(s),
            Err(e) => {
                self.errors.insert("slots", slot_message(t, &e));
                None
            }
        };
        let tables = match self.tables.parse::<u32>() {
            Ok(n) if (1..=Event::MAX_TABLES).contains(&n) => Some(n),
            _ => {
                self.errors.insert("tables", t.get("event-tables-invalid"));
                None
            }
        };
        let table_names: Vec<String> = self
            .table_names
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if table_names.iter().any(|n| n.chars().count() > 100)
            || tables.is_some_and(|n| table_names.len() > n as usize)
        {
            self.errors
                .insert("table_names", t.get("event-table-names-invalid"));
        }
        if !self.errors.is_empty() {
            return None;
        }
        let event = Event {
            cluster: view.cluster_id(),
            name: name?,
            place: self.place.clone(),
            held_on: held_on?,
            slots: slots?,
            tables: tables?,
            table_names,
            status,
        };
        match event.validate() {
            Ok(()) => Some(event),
            Err(_) => {
                self.errors.insert("place", t.get("event-place-invalid"));
                None
            }
        }
    }
}

fn slot_message(t: &Tr, e: &SlotError) -> String {
    let line = e.line().unwrap_or(0).to_string();
    match e {
        SlotError::Empty => t.get("event-slots-empty"),
        SlotError::OnlyBreaks => t.get("event-slots-only-breaks"),
        SlotError::Format { .. } => t.with("event-slot-format", "line", &line),
        SlotError::EndBeforeStart { .. } => t.with("event-slot-end-before-start", "line", &line),
        SlotError::Overlap { .. } => t.with("event-slot-overlap", "line", &line),
        SlotError::TooMany { max } => t.with("event-slots-too-many", "max", &max.to_string()),
    }
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventFormPage {
    chrome: Chrome,
    action: String,
    heading: String,
    f: EventForm,
}

pub async fn new_event_form(ctx: Ctx) -> Result<Response, PageError> {
    events_view(&ctx)?;
    let t = ctx.tr();
    Ok(render(
        &ctx,
        StatusCode::OK,
        EventFormPage {
            chrome: ctx.chrome("/events"),
            action: "/events/new".into(),
            heading: t.get("event-new"),
            f: EventForm::new_default(),
        },
    ))
}

pub async fn create_event(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let t = ctx.tr();
    let mut f = EventForm::from_fields(&fields);
    if let Some(event) = f.validate(&t, &view, EventStatus::Draft) {
        let id = view.create_event(&event).await.map_err(store_err(&ctx))?;
        return Ok(see_other(&format!("/events/{}", id.0)));
    }
    Ok(render(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        EventFormPage {
            chrome: ctx.chrome("/events"),
            action: "/events/new".into(),
            heading: t.get("event-new"),
            f,
        },
    ))
}

pub(crate) fn event_id(ctx: &Ctx, raw: &str) -> Result<EventId, PageError> {
    Ok(EventId(parse_id(raw, ctx.lang)?))
}

pub async fn edit_event_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let record = view.event(id).await.map_err(store_err(&ctx))?;
    let t = ctx.tr();
    Ok(render(
        &ctx,
        StatusCode::OK,
        EventFormPage {
            chrome: ctx.chrome("/events"),
            action: format!("/events/{}/edit", id.0),
            heading: t.with("event-edit", "name", record.event.name.as_str()),
            f: EventForm::of(&t, &record.event),
        },
    ))
}

pub async fn update_event(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let record = view.event(id).await.map_err(store_err(&ctx))?;
    let t = ctx.tr();
    let mut f = EventForm::from_fields(&fields);
    if let Some(event) = f.validate(&t, &view, record.event.status) {
        match view.update_event(id, &event).await {
            Ok(()) => return Ok(see_other(&format!("/events/{}", id.0))),
            Err(StoreError::Conflict(_)) => {
                f.errors.insert("slots", t.get("event-slots-scheduled"));
            }
            Err(e) => return Err(PageError::store(e, ctx.lang)),
        }
    }
    Ok(render(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        EventFormPage {
            chrome: ctx.chrome("/events"),
            action: format!("/events/{}/edit", id.0),
            heading: t.with("event-edit", "name", record.event.name.as_str()),
            f,
        },
    ))
}

// ----- the event page -----

/// A registration form's fields.
#[derive(Debug, Default)]
pub struct ParticipantForm {
    pub name: String,
    pub email: String,
    pub cvr: String,
    pub organisation_id: String,
    pub org_name: String,
    pub country: String,
    pub max_meetings: String,
    /// Slot positions ticked.
    pub available: Vec<u32>,
    pub errors: Errors,
}

impl ParticipantForm {
    /// Reads the person (name, e-mail), availability (one checkbox per meeting slot, named
    /// `slot-POSITION`) and meeting cap of a registration form; a bad field gets its message.
    pub(crate) fn read_person(
        &mut self,
        fields: &forms::Fields,
        t: &Tr,
        e: &Event,
    ) -> (Option<Name>, Option<Email>, Option<u32>) {
        self.name = forms::text(fields, "name");
        self.email = forms::text(fields, "email");
        self.max_meetings = forms::text(fields, "max_meetings");
        let name = required_name(&mut self.errors, t, "name", &self.name);
        let email = match Email::parse(&self.email) {
            Ok(m) => Some(m),
            Err(_) if self.email.is_empty() => {
                self.errors.insert("email", t.get("field-required"));
                None
            }
            Err(_) => {
                self.errors
                    .insert("email", t.with("field-email-invalid", "value", &self.email));
                None
            }
        };
        let mut unknown_slot = false;
        self.available.clear();
        for key in fields.keys() {
            if let Some(pos) = key.strip_prefix("slot-") {
                match pos.parse::<u32>() {
                    Ok(p) if e.is_meeting_slot(p) => self.available.push(p),
                    _ => unknown_slot = true,
                }
            }
        }
        self.available.sort_unstable();
        if unknown_slot {
            self.errors.insert("available", t.get("event-slot-unknown"));
        }
        let max_meetings = if self.max_meetings.is_empty() {
            None
        } else {
            match self.max_meetings.parse::<u32>() {
                Ok(m) if (1..=1000).contains(&m) => Some(m),
                _ => {
                    self.errors
                        .insert("max_meetings", t.get("event-max-meetings-invalid"));
                    None
                }
            }
        };
        (name, email, max_meetings)
    }

    /// Puts a registration the store refused at its field: a conflict is the e-mail
    /// already registered, invalid input an unknown slot; any other error is the page's.
    pub(crate) fn refused(
        &mut self,
        t: &Tr,
        e: StoreError,
        lang: crate::i18n::Lang,
    ) -> Result<(), PageError> {
        match e {
            StoreError::Conflict(_) => {
                self.errors
                    .insert("email", t.with("event-email-taken", "value", &self.email));
            }
            StoreError::Invalid(_) => {
                self.errors.insert("available", t.get("event-slot-unknown"));
            }
            other => return Err(PageError::store(other, lang)),
        }
        Ok(())
    }

    /// The ticked slots as availability: `None` (every slot) when none or all are ticked.
    pub(crate) fn availability(&self, e: &Event) -> Option<Vec<u32>> {
        (!self.available.is_empty() && self.available.len() < e.meeting_slots().len())
            .then(|| self.available.clone())
    }

    /// The slots as checkboxes, ticked as the form has them (all when none are).
    pub(crate) fn slot_choices(&self, e: &Event) -> Vec<SlotChoice> {
        let all_checked = self.available.is_empty();
        e.slots
            .iter()
            .enumerate()
            .map(|(i, s)| SlotChoice {
                position: i as u32,
                label: slot_label(s),
                is_break: s.is_break,
                checked: all_checked || self.available.contains(&(i as u32)),
            })
            .collect()
    }
}

/// A meeting request form's fields.
#[derive(Debug, Default)]
pub struct RequestForm {
    pub from: String,
    pub to: String,
    pub priority: String,
    pub message: String,
    pub errors: Errors,
}

impl RequestForm {
    pub(crate) fn from_fields(fields: &forms::Fields) -> Self {
        RequestForm {
            from: forms::text(fields, "from"),
            to: forms::text(fields, "to"),
            priority: forms::text(fields, "priority"),
            message: fields
                .get("message")
                .map(|m| m.trim().to_string())
                .unwrap_or_default(),
            errors: Errors::new(),
        }
    }

    /// Checks the form against the event's participants (`may_ask`: who may be the asker).
    pub(crate) fn validate(
        &mut self,
        t: &Tr,
        participants: &[ParticipantRecord],
        may_ask: impl Fn(&ParticipantRecord) -> bool,
    ) -> Option<MeetingRequest> {
        let find = |raw: &str| {
            raw.parse::<i64>()
                .ok()
                .and_then(|id| participants.iter().find(|p| p.id.0 == id))
        };
        let from = find(&self.from).filter(|p| may_ask(p));
        if from.is_none() {
            self.errors.insert("from", t.get("event-request-choose"));
        }
        let to = find(&self.to);
        if to.is_none() {
            self.errors.insert("to", t.get("event-request-choose"));
        }
        if let (Some(a), Some(b)) = (from, to)
            && a.id == b.id
        {
            self.errors.insert("to", t.get("event-request-self"));
        }
        let priority = match self.priority.parse::<u32>() {
            Ok(p) if (1..=klynge_domain::event::MAX_PRIORITY).contains(&p) => Some(p),
            _ if self.priority.is_empty() => Some(3),
            _ => {
                self.errors
                    .insert("priority", t.get("event-priority-invalid"));
                None
            }
        };
        if self.message.chars().count() > klynge_domain::event::MAX_MESSAGE_CHARS {
            self.errors.insert(
                "message",
                t.with(
                    "field-too-long",
                    "max",
                    &klynge_domain::event::MAX_MESSAGE_CHARS.to_string(),
                ),
            );
        }
        if !self.errors.is_empty() {
            return None;
        }
        Some(MeetingRequest {
            from: from?.id,
            to: to?.id,
            message: self.message.replace('\r', ""),
            priority: priority?,
            status: RequestStatus::Requested,
        })
    }
}

/// A slot as a choice in a form.
pub(crate) struct SlotChoice {
    pub position: u32,
    pub label: String,
    pub is_break: bool,
    pub checked: bool,
}

pub(crate) struct ParticipantView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub country: String,
    pub availability: String,
    pub max_meetings: String,
}

pub(crate) fn participant_views(
    t: &Tr,
    event: &Event,
    participants: &[ParticipantRecord],
) -> Vec<ParticipantView> {
    participants
        .iter()
        .map(|p| ParticipantView {
            id: p.id.0,
            name: p.participant.name.as_str().to_string(),
            email: p.participant.email.as_str().to_string(),
            organisation: p.organisation_name.clone(),
            country: p.country.clone(),
            availability: match &p.participant.available {
                None => t.get("event-available-all"),
                Some(v) => event
                    .available_spans(v)
                    .iter()
                    .map(|(from, to)| time_span_label(*from, *to))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            max_meetings: p
                .participant
                .max_meetings
                .map(|m| m.to_string())
                .unwrap_or_default(),
        })
        .collect()
}

pub(crate) struct RequestView {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub message: String,
    pub priority: u32,
    pub status: String,
    pub placement: String,
    pub can_accept: bool,
    pub can_decline: bool,
    pub can_cancel: bool,
}

pub(crate) fn request_views(t: &Tr, event: &Event, requests: &[RequestRecord]) -> Vec<RequestView> {
    requests
        .iter()
        .map(|r| {
            let s = r.request.status;
            let (from, to) = sides(r);
            RequestView {
                id: r.id.0,
                from,
                to,
                message: r.request.message.clone(),
                priority: r.request.priority,
                status: request_status_label(t, s),
                placement: r
                    .placement
                    .and_then(|(slot, table)| {
                        let label = slot_label(event.slots.get(slot as usize)?);
                        Some(t.with_args(
                            "event-placed-at",
                            &[("slot", label), ("table", table_caption(t, event, table))],
                        ))
                    })
                    .unwrap_or_default(),
                can_accept: s.may_become(RequestStatus::Accepted),
                can_decline: s.may_become(RequestStatus::Declined),
                can_cancel: s.may_become(RequestStatus::Cancelled),
            }
        })
        .collect()
}

/// Participants as choices: (id, "name (organisation)").
pub(crate) fn participant_choices(participants: &[ParticipantRecord]) -> Vec<(i64, String)> {
    participants.iter().map(|p| (p.id.0, who(p))).collect()
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    chrome: Chrome,
    id: i64,
    name: String,
    held_on: String,
    place: String,
    status: String,
    slots: Vec<SlotChoice>,
    figures: EventFigures,
    countries: String,
    next_statuses: Vec<(String, String)>,
    participants: Vec<ParticipantView>,
    requests: Vec<RequestView>,
    from_choices: Vec<(i64, String)>,
    to_choices: Vec<(i64, String)>,
    reg: ParticipantForm,
    req: RequestForm,
    may_schedule: bool,
    has_schedule: bool,
    takes_requests: bool,
    /// Registrations may be changed (not once the event is closed).
    editable: bool,
    /// Attendance may be recorded (after the event).
    takes_attendance: bool,
    message: Option<String>,
}

struct Loaded {
    record: EventRecord,
    participants: Vec<ParticipantRecord>,
    requests: Vec<RequestRecord>,
    figures: EventFigures,
}

async fn load(ctx: &Ctx, view: &EventsView, id: EventId) -> Result<Loaded, PageError> {
    let record = view.event(id).await.map_err(store_err(ctx))?;
    let participants = view.participants(id).await.map_err(store_err(ctx))?;
    let requests = view.requests(id).await.map_err(store_err(ctx))?;
    let figures = view.figures(id).await.map_err(store_err(ctx))?;
    Ok(Loaded {
        record,
        participants,
        requests,
        figures,
    })
}

fn event_page(
    ctx: &Ctx,
    l: Loaded,
    reg: ParticipantForm,
    req: RequestForm,
    message: Option<String>,
) -> EventPage {
    let t = ctx.tr();
    let e = &l.record.event;
    let mut countries: Vec<&str> = l.participants.iter().map(|p| p.country.as_str()).collect();
    countries.sort_unstable();
    countries.dedup();
    EventPage {
        chrome: ctx.chrome("/events"),
        id: l.record.id.0,
        name: e.name.as_str().to_string(),
        held_on: t.date(&e.held_on),
        place: e.place.clone(),
        status: status_label(&t, e.status),
        slots: reg.slot_choices(e),
        figures: l.figures,
        countries: countries.join(", "),
        next_statuses: EventStatus::ALL
            .iter()
            .filter(|s| e.status.may_become(**s))
            .map(|s| (s.code().to_string(), t.label("event-to", s.code())))
            .collect(),
        participants: participant_views(&t, e, &l.participants),
        requests: request_views(&t, e, &l.requests),
        from_choices: participant_choices(&l.participants),
        to_choices: participant_choices(&l.participants),
        reg,
        req,
        may_schedule: e.status.may_schedule(),
        has_schedule: l.record.schedule.is_some(),
        takes_requests: e.status.takes_requests(),
        editable: e.registrations_editable(),
        takes_attendance: e.takes_attendance(chrono::Utc::now().date_naive()),
        message,
    }
}

pub async fn event(
    ctx: Ctx,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let q = forms::from_query(query.as_deref());
    let message = match forms::text(&q, "error").as_str() {
        "status" => Some(t.get("event-status-refused")),
        "request" => Some(t.get("event-request-refused")),
        "empty" => Some(t.get("event-schedule-nothing")),
        "schedule" => Some(t.get("event-schedule-invalid")),
        _ => None,
    };
    let page = event_page(
        &ctx,
        l,
        ParticipantForm::default(),
        RequestForm {
            priority: "3".into(),
            ..RequestForm::default()
        },
        message,
    );
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn set_status(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let Ok(next) = EventStatus::from_code(&forms::text(&fields, "status")) else {
        return Ok(see_other(&format!("/events/{}?error=status", id.0)));
    };
    match view.set_status(id, next).await {
        Ok(()) => Ok(see_other(&format!("/events/{}", id.0))),
        Err(StoreError::Conflict(_)) => Ok(see_other(&format!("/events/{}?error=status", id.0))),
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

/// The organisation named by the registration form, created in the shared registry when it
/// is a foreign one not seen before. Nothing is created unless every other field is valid.
async fn resolve_organisation(
    ctx: &Ctx,
    f: &mut ParticipantForm,
    t: &Tr,
    create: bool,
) -> Result<Option<OrganisationId>, PageError> {
    let store = &ctx.state.store;
    if !f.cvr.is_empty() {
        let Ok(cvr) = Cvr::parse(&f.cvr) else {
            f.errors
                .insert("cvr", t.with("event-cvr-invalid", "value", &f.cvr));
            return Ok(None);
        };
        return match store
            .organisation_by_cvr(cvr)
            .await
            .map_err(store_err(ctx))?
        {
            Some(o) => Ok(Some(o.id)),
            None => {
                f.errors
                    .insert("cvr", t.with("event-cvr-unknown", "value", &f.cvr));
                Ok(None)
            }
        };
    }
    if !f.organisation_id.is_empty() {
        let id = f.organisation_id.parse::<i64>().ok().filter(|n| *n > 0);
        let found = match id {
            Some(id) => match store.organisation(OrganisationId(id)).await {
                Ok(o) => Some(o.id),
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(PageError::store(e, ctx.lang)),
            },
            None => None,
        };
        if found.is_none() {
            f.errors.insert(
                "organisation_id",
                t.with("event-organisation-unknown", "value", &f.organisation_id),
            );
        }
        return Ok(found);
    }
    if !f.org_name.is_empty() {
        let name = required_name(&mut f.errors, t, "org_name", &f.org_name);
        let country = match CountryCode::parse(&f.country) {
            Ok(c) if c == CountryCode::DENMARK => {
                f.errors.insert("country", t.get("event-country-danish"));
                None
            }
            Ok(c) => Some(c),
            Err(_) => {
                f.errors.insert(
                    "country",
                    t.with("event-country-invalid", "value", &f.country),
                );
                None
            }
        };
        let (Some(name), Some(country)) = (name, country) else {
            return Ok(None);
        };
        if !create {
            return Ok(Some(OrganisationId(0)));
        }
        let known = store
            .organisations_by_name(&name)
            .await
            .map_err(store_err(ctx))?;
        if let Some(o) = known
            .iter()
            .find(|o| o.organisation.registration.country() == country)
        {
            return Ok(Some(o.id));
        }
        let registration = Registration::foreign(country, None)
            .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
        let id = store
            .create_organisation(&Organisation {
                name,
                kind: OrganisationKind::Company,
                registration,
                employment: None,
                industry: None,
            })
            .await
            .map_err(store_err(ctx))?;
        return Ok(Some(id));
    }
    f.errors.insert("cvr", t.get("event-organisation-needed"));
    Ok(None)
}

pub async fn add_participant(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let e = &l.record.event;
    let mut f = ParticipantForm {
        cvr: forms::text(&fields, "cvr"),
        organisation_id: forms::text(&fields, "organisation_id"),
        org_name: forms::text(&fields, "org_name"),
        country: forms::text(&fields, "country"),
        ..ParticipantForm::default()
    };
    let (name, email, max_meetings) = f.read_person(&fields, &t, e);
    // Check the organisation without creating anything first.
    resolve_organisation(&ctx, &mut f, &t, false).await?;
    if f.errors.is_empty() {
        let organisation = resolve_organisation(&ctx, &mut f, &t, true).await?;
        if let (Some(organisation), Some(name), Some(email)) = (organisation, name, email) {
            let participant = EventParticipant {
                organisation,
                name,
                email,
                available: f.availability(e),
                max_meetings,
            };
            match view.add_participant(id, &participant).await {
                Ok(_) => return Ok(see_other(&format!("/events/{}#participants", id.0))),
                Err(e) => f.refused(&t, e, ctx.lang)?,
            }
        }
    }
    let page = event_page(&ctx, l, f, RequestForm::default(), None);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub async fn add_request(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let mut f = RequestForm::from_fields(&fields);
    if let Some(request) = f.validate(&t, &l.participants, |_| true) {
        match view.add_request(id, &request).await {
            Ok(_) => return Ok(see_other(&format!("/events/{}#requests", id.0))),
            Err(StoreError::Conflict(_)) => {
                f.errors
                    .insert("to", request_conflict(&t, l.record.event.status));
            }
            Err(e) => return Err(PageError::store(e, ctx.lang)),
        }
    }
    let page = event_page(&ctx, l, ParticipantForm::default(), f, None);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub(crate) fn parse_request_status(fields: &forms::Fields) -> Option<RequestStatus> {
    RequestStatus::from_code(&forms::text(fields, "status")).ok()
}

pub async fn set_request_status(
    ctx: Ctx,
    Path((raw, raw_request)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let request = MeetingRequestId(parse_id(&raw_request, ctx.lang)?);
    let Some(next) = parse_request_status(&fields) else {
        return Ok(see_other(&format!("/events/{}?error=request", id.0)));
    };
    match view.set_request_status(id, request, next).await {
        Ok(()) => Ok(see_other(&format!("/events/{}#requests", id.0))),
        Err(StoreError::Conflict(_)) => Ok(see_other(&format!("/events/{}?error=request", id.0))),
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

// ----- running the scheduler -----

pub async fn run_scheduler(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    if !l.record.event.status.may_schedule() {
        return Ok(see_other(&format!("/events/{}?error=status", id.0)));
    }
    let built = event_run::build_input(&l.record, &l.participants, &l.requests);
    if built.input.meetings.is_empty() {
        return Ok(see_other(&format!("/events/{}?error=empty", id.0)));
    }
    let instance = match klynge_scheduler::Instance::new(&built.input) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(event = id.0, error = %e, "event cannot be scheduled");
            return Ok(see_other(&format!("/events/{}?error=schedule", id.0)));
        }
    };
    let keep = if forms::text(&fields, "mode") == "keep" {
        let placements = view.placements(id).await.map_err(store_err(&ctx))?;
        Some(built.previous(&placements))
    } else {
        None
    };
    event_run::start(view, id, built, instance, keep);
    Ok(see_other(&format!("/events/{}/schedule/progress", id.0)))
}

#[derive(Template)]
#[template(path = "event_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    id: i64,
    name: String,
    running: bool,
    percent: u64,
    phase: String,
    meetings: usize,
    scheduled: usize,
    priority_sum: u64,
    upper_bound: u64,
    breaks: u64,
    failure: Option<String>,
}

pub async fn progress(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let record = view.event(id).await.map_err(store_err(&ctx))?;
    let t = ctx.tr();
    let Some(job) = event_run::job(&view, id) else {
        return Ok(see_other(&format!("/events/{}/schedule", id.0)));
    };
    if matches!(job.done, Some(Ok(()))) {
        return Ok(see_other(&format!("/events/{}/schedule", id.0)));
    }
    let phase = match job.phase {
        None | Some(klynge_scheduler::Phase::Construct) => "construct",
        Some(klynge_scheduler::Phase::Insert) => "insert",
        Some(klynge_scheduler::Phase::Improve) => "improve",
        Some(klynge_scheduler::Phase::Done) => "done",
    };
    let page = ProgressPage {
        chrome: ctx.chrome("/events"),
        id: id.0,
        name: record.event.name.as_str().to_string(),
        running: job.done.is_none(),
        percent: job.percent,
        phase: t.label("scheduler-phase", phase),
        meetings: job.meetings,
        scheduled: job.scheduled,
        priority_sum: job.priority_sum,
        upper_bound: job.upper_bound,
        breaks: job.breaks,
        failure: match &job.done {
            Some(Err(_)) => Some(t.get("event-schedule-failed")),
            _ => None,
        },
    };
    Ok(render(&ctx, StatusCode::OK, page))
}

// ----- the schedule grid and manual moves -----

pub(crate) struct Cell {
    pub request: i64,
    pub text: String,
}

pub(crate) struct GridRow {
    pub label: String,
    pub is_break: bool,
    pub cells: Vec<Option<Cell>>,
}

pub(crate) struct LoadRow {
    pub name: String,
    pub organisation: String,
    pub meetings: u32,
    pub max_meetings: String,
    pub waits: u32,
    pub idle_slots: u32,
}

#[derive(Debug, Default)]
pub struct MoveForm {
    pub meeting: String,
    pub slot: String,
    pub table: String,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "event_schedule.html")]
struct SchedulePage {
    chrome: Chrome,
    id: i64,
    name: String,
    status: String,
    tables: Vec<String>,
    grid: Vec<GridRow>,
    loads: Vec<LoadRow>,
    unplaced: Vec<String>,
    placed: Vec<(i64, String)>,
    slot_choices: Vec<(u32, String)>,
    scheduled: usize,
    priority_sum: i64,
    upper_bound: i64,
    percent_of_bound: String,
    breaks: i64,
    /// Proven: no schedule of these meetings has fewer breaks.
    breaks_lower_bound: Option<u64>,
    idle_slots: i64,
    has_schedule: bool,
    may_publish: bool,
    may_reschedule: bool,
    m: MoveForm,
    moved: bool,
}

fn person_label(p: Option<&ParticipantRecord>) -> String {
    p.map(who).unwrap_or_default()
}

fn schedule_page(ctx: &Ctx, l: &Loaded, m: MoveForm, moved: bool) -> SchedulePage {
    let t = ctx.tr();
    let e = &l.record.event;
    let live = crate::event_run::breaks_and_lower_bound(&l.record, &l.participants, &l.requests);
    let by_id: HashMap<EventParticipantId, &ParticipantRecord> =
        l.participants.iter().map(|p| (p.id, p)).collect();
    let meeting_text = |r: &RequestRecord| {
        format!(
            "{} · {}",
            person_label(by_id.get(&r.request.from).copied()),
            person_label(by_id.get(&r.request.to).copied())
        )
    };
    let mut grid: Vec<GridRow> = e
        .slots
        .iter()
        .map(|s| GridRow {
            label: slot_label(s),
            is_break: s.is_break,
            cells: (0..e.tables).map(|_| None).collect(),
        })
        .collect();
    let mut slots_of: HashMap<EventParticipantId, Vec<u32>> = HashMap::new();
    let mut placed = Vec::new();
    let mut unplaced = Vec::new();
    for r in &l.requests {
        match r.placement {
            Some((slot, table)) => {
                if let Some(cell) = grid
                    .get_mut(slot as usize)
                    .and_then(|row| row.cells.get_mut(table as usize))
                {
                    *cell = Some(Cell {
                        request: r.id.0,
                        text: meeting_text(r),
                    });
                }
                for p in [r.request.from, r.request.to] {
                    slots_of.entry(p).or_default().push(slot);
                }
                let at = e
                    .slots
                    .get(slot as usize)
                    .map(slot_label)
                    .unwrap_or_default();
                placed.push((r.id.0, format!("{at}: {}", meeting_text(r))));
            }
            None if r.request.status == RequestStatus::Accepted => {
                unplaced.push(meeting_text(r));
            }
            None => {}
        }
    }
    placed.sort_by(|a, b| a.1.cmp(&b.1));
    let loads = l
        .participants
        .iter()
        .map(|p| {
            let load = klynge_domain::event::load(e, slots_of.get(&p.id).map_or(&[], |v| v));
            LoadRow {
                name: p.participant.name.as_str().to_string(),
                organisation: p.organisation_name.clone(),
                meetings: load.meetings,
                max_meetings: p
                    .participant
                    .max_meetings
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                waits: load.waits,
                idle_slots: load.idle_slots,
            }
        })
        .collect();
    let figures = l.record.schedule;
    let (priority_sum, upper_bound) = figures.map_or((0, 0), |f| (f.priority_sum, f.upper_bound));
    SchedulePage {
        chrome: ctx.chrome("/events"),
        id: l.record.id.0,
        name: e.name.as_str().to_string(),
        status: status_label(&t, e.status),
        tables: (0..e.tables).map(|i| table_caption(&t, e, i)).collect(),
        grid,
        loads,
        unplaced,
        scheduled: placed.len(),
        placed,
        slot_choices: e
            .meeting_slots()
            .into_iter()
            .filter_map(|p| Some((p, slot_label(e.slots.get(p as usize)?))))
            .collect(),
        priority_sum,
        upper_bound,
        percent_of_bound: if upper_bound > 0 {
            format!("{:.1}", priority_sum as f64 * 100.0 / upper_bound as f64)
        } else {
            "–".into()
        },
        breaks: live
            .map(|(b, _)| b as i64)
            .unwrap_or_else(|| figures.map_or(0, |f| f.breaks)),
        breaks_lower_bound: live.map(|(_, lower)| lower),
        idle_slots: figures.map_or(0, |f| f.idle_slots),
        has_schedule: figures.is_some(),
        may_publish: e.status.may_become(EventStatus::Published),
        may_reschedule: e.status.may_schedule() && figures.is_some(),
        m,
        moved,
    }
}

pub async fn schedule(
    ctx: Ctx,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let view = events_view(&ctx)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let moved = forms::text(&forms::from_query(query.as_deref()), "moved") == "1";
    let page = schedule_page(&ctx, &l, MoveForm::default(), moved);
    Ok(render(&ctx, StatusCode::OK, page))
}

fn conflict_message(t: &Tr, l: &Loaded, c: &MoveConflict) -> (&'static str, String) {
    let who = |p: &EventParticipantId| person_label(l.participants.iter().find(|r| r.id == *p));
    match c {
        MoveConflict::UnknownSlot(_) => ("slot", t.get("event-move-unknown-slot")),
        MoveConflict::BreakSlot(_) => ("slot", t.get("event-move-break")),
        MoveConflict::UnknownTable(_) => ("table", t.get("event-move-unknown-table")),
        MoveConflict::TableTaken(r) => {
            let other = l
                .requests
                .iter()
                .find(|x| x.id == *r)
                .map(|x| format!("{} · {}", x.from_name, x.to_name))
                .unwrap_or_default();
            ("table", t.with("event-move-table-taken", "meeting", &other))
        }
        MoveConflict::DoubleBooked(p) => {
            ("slot", t.with("event-move-double-booked", "name", &who(p)))
        }
        MoveConflict::Unavailable(p) => ("slot", t.with("event-move-unavailable", "name", &who(p))),
    }
}

pub async fn move_meeting(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (view, fields) = organiser_form(&ctx, &body)?;
    let id = event_id(&ctx, &raw)?;
    let l = load(&ctx, &view, id).await?;
    let t = ctx.tr();
    let mut m = MoveForm {
        meeting: forms::text(&fields, "meeting"),
        slot: forms::text(&fields, "slot"),
        table: forms::text(&fields, "table"),
        errors: Errors::new(),
    };
    let meeting = m
        .meeting
        .parse::<i64>()
        .ok()
        .map(MeetingRequestId)
        .filter(|r| {
            l.requests
                .iter()
                .any(|x| x.id == *r && x.placement.is_some())
        });
    if meeting.is_none() {
        m.errors.insert("meeting", t.get("event-move-choose"));
    }
    let slot = m.slot.parse::<u32>().ok();
    if slot.is_none() {
        m.errors.insert("slot", t.get("event-move-unknown-slot"));
    }
    // Tables are shown from 1.
    let table = m.table.parse::<u32>().ok().and_then(|n| n.checked_sub(1));
    if table.is_none() {
        m.errors.insert("table", t.get("event-move-unknown-table"));
    }
    if let (Some(meeting), Some(slot), Some(table)) = (meeting, slot, table) {
        match view
            .move_meeting(id, meeting, slot, table)
            .await
            .map_err(store_err(&ctx))?
        {
            Ok(()) => return Ok(see_other(&format!("/events/{}/schedule?moved=1", id.0))),
            Err(conflict) => {
                let (field, message) = conflict_message(&t, &l, &conflict);
                m.errors.insert(field, message);
            }
        }
    }
    let page = schedule_page(&ctx, &l, m, false);
    Ok(render(&ctx, StatusCode::CONFLICT, page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// Labels built from codes (statuses, transitions, scheduler phases) exist in both
    /// languages.
    #[test]
    fn labels_built_from_codes_exist() {
        let mut keys: Vec<String> = Vec::new();
        for s in EventStatus::ALL {
            keys.push(format!("event-status-{}", s.code()));
            keys.push(format!("event-to-{}", s.code()));
        }
        for s in RequestStatus::ALL {
            keys.push(format!("request-status-{}", s.code()));
        }
        for p in ["construct", "insert", "improve", "done"] {
            keys.push(format!("scheduler-phase-{p}"));
        }
        for a in klynge_domain::Attendance::ALL {
            keys.push(format!("attendance-{}", a.code()));
            keys.push(format!("attendance-set-{}", a.code()));
        }
        keys.push("attendance-set-none".into());
        for lang in [Lang::Da, Lang::En] {
            let t = Tr::new(lang);
            for k in &keys {
                assert_ne!(&t.get(k), k, "{k} is missing in {lang:?}");
            }
            let placed = t.with_args(
                "event-placed-at",
                &[("slot", "09:00–09:20".into()), ("table", "A".into())],
            );
            assert!(
                placed.contains("09:00–09:20") && placed.ends_with('A'),
                "{placed}"
            );
            let summary = t.with_args(
                "event-ics-summary",
                &[("who", "Anna".into()), ("with", "Bo".into())],
            );
            assert!(
                summary.contains("Anna") && summary.contains("Bo"),
                "{summary}"
            );
        }
    }

    #[test]
    fn slot_errors_have_messages_with_the_line() {
        let t = Tr::new(Lang::En);
        let e = Slot::parse_lines("09:00-09:20\n10:00-09:00").err();
        let message = e.as_ref().map(|e| slot_message(&t, e)).unwrap_or_default();
        assert!(message.contains("Line 2"), "{message}");
    }
}
