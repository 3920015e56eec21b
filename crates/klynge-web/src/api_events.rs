//! The API's matchmaking events (read-only): the organiser's events, one event with its
//! participants, requests and figures, and its schedule. Staff of the organising cluster
//! only, through the principal's [`klynge_store::EventsView`]; another cluster's event is 404.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use klynge_domain::EventId;
use klynge_store::{EventRecord, EventsView};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::{ApiResult, ok, parse_id, principal};
use crate::api_types::List;
use crate::error::{ApiError, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(events))
        .route("/api/v1/events/{id}", get(event))
        .route("/api/v1/events/{id}/schedule", get(schedule))
}

async fn events_of(state: &AppState, headers: &HeaderMap) -> Result<EventsView, ApiError> {
    principal(state, headers)
        .await?
        .events(&state.store)
        .ok_or_else(ApiError::forbidden)
}

/// A slot of the event day (Danish local time).
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotItem {
    /// Position in the event's slot list, from 0.
    pub position: u32,
    /// HH:MM
    pub starts_at: String,
    /// HH:MM
    pub ends_at: String,
    pub is_break: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub held_on: chrono::NaiveDate,
    /// draft, open, scheduled, published or closed.
    pub status: String,
    pub tables: u32,
    pub table_names: Vec<String>,
    pub slots: Vec<SlotItem>,
}

impl From<&EventRecord> for EventItem {
    fn from(r: &EventRecord) -> Self {
        let e = &r.event;
        EventItem {
            id: r.id.0,
            name: e.name.as_str().to_string(),
            place: e.place.clone(),
            held_on: e.held_on,
            status: e.status.code().to_string(),
            tables: e.tables,
            table_names: e.table_names.clone(),
            slots: e
                .slots
                .iter()
                .enumerate()
                .map(|(i, s)| SlotItem {
                    position: i as u32,
                    starts_at: s.starts_at.format("%H:%M").to_string(),
                    ends_at: s.ends_at.format("%H:%M").to_string(),
                    is_break: s.is_break,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventParticipantItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub country: String,
    /// Slot positions; absent means every slot.
    pub available: Option<Vec<u32>>,
    pub max_meetings: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRequestItem {
    pub id: i64,
    pub from: i64,
    pub to: i64,
    pub message: String,
    pub priority: u32,
    /// requested, accepted, declined or cancelled.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventFiguresItem {
    pub participants: i64,
    pub requested: i64,
    pub accepted: i64,
    pub scheduled: i64,
    /// Placed meetings the organiser marked as held.
    pub held: i64,
    /// Placed meetings the organiser marked as not held.
    pub no_show: i64,
    pub organisations: i64,
    pub countries: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventItem,
    pub participants: Vec<EventParticipantItem>,
    pub requests: Vec<MeetingRequestItem>,
    pub figures: EventFiguresItem,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementItem {
    pub request: i64,
    pub slot: u32,
    pub table: u32,
    pub table_label: String,
    /// The two participants' ids.
    pub participants: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleBody {
    pub event: i64,
    pub placements: Vec<PlacementItem>,
    pub priority_sum: Option<i64>,
    pub upper_bound: Option<i64>,
    pub breaks: Option<i64>,
    pub idle_slots: Option<i64>,
}

/// The caller's cluster's matchmaking events, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, body = List<EventItem>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn events(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let view = events_of(&state, &headers).await?;
    let records = view.events().await?;
    ok(List {
        items: records.iter().map(EventItem::from).collect::<Vec<_>>(),
    })
}

/// One event with its participants, meeting requests and figures.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events",
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = EventDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn event(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let view = events_of(&state, &headers).await?;
    let id = EventId(parse_id(&raw, "event")?);
    let record = view.event(id).await?;
    let participants = view.participants(id).await?;
    let requests = view.requests(id).await?;
    let f = view.figures(id).await?;
    ok(EventDetail {
        event: EventItem::from(&record),
        participants: participants
            .iter()
            .map(|p| EventParticipantItem {
                id: p.id.0,
                name: p.participant.name.as_str().to_string(),
                email: p.participant.email.as_str().to_string(),
                organisation_id: p.participant.organisation.0,
                organisation: p.organisation_name.clone(),
                country: p.country.clone(),
                available: p.participant.available.clone(),
                max_meetings: p.participant.max_meetings,
            })
            .collect(),
        requests: requests
            .iter()
            .map(|r| MeetingRequestItem {
                id: r.id.0,
                from: r.request.from.0,
                to: r.request.to.0,
                message: r.request.message.clone(),
                priority: r.request.priority,
                status: r.request.status.code().to_string(),
            })
            .collect(),
        figures: EventFiguresItem {
            participants: f.participants,
            requested: f.requested,
            accepted: f.accepted,
            scheduled: f.scheduled,
            held: f.held,
            no_show: f.no_show,
            organisations: f.organisations,
            countries: f.countries,
        },
    })
}

/// The event's schedule: each placed meeting's slot and table, and the last run's figures.
#[utoipa::path(get, path = "/api/v1/events/{id}/schedule", tag = "events",
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = ScheduleBody), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let view = events_of(&state, &headers).await?;
    let id = EventId(parse_id(&raw, "event")?);
    let record = view.event(id).await?;
    let placements = view.placements(id).await?;
    let figures = record.schedule;
    ok(ScheduleBody {
        event: id.0,
        placements: placements
            .iter()
            .map(|p| PlacementItem {
                request: p.request.0,
                slot: p.slot,
                table: p.table,
                table_label: record.event.table_label(p.table),
                participants: p.with.iter().map(|w| w.0).collect(),
            })
            .collect(),
        priority_sum: figures.map(|f| f.priority_sum),
        upper_bound: figures.map(|f| f.upper_bound),
        breaks: figures.map(|f| f.breaks),
        idle_slots: figures.map(|f| f.idle_slots),
    })
}
