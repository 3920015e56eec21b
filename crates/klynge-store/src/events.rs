//! Matchmaking events (issue 6): events, their participants, meeting requests and the
//! placements of a schedule. Everything is private to the organising cluster and reached
//! through two views a [`Principal`](crate::Principal) hands out:
//! [`EventsView`] for the organiser's staff (every event of the own cluster) and
//! [`ParticipantEvents`] for a member contact (events of the own cluster where the own
//! organisation is registered, and only its own requests and agenda). Every statement carries
//! the view's cluster; an event of another cluster is "not found".

use chrono::{DateTime, NaiveDate, Utc};
use klynge_domain::{
    Attendance, ClusterId, Email, Event, EventId, EventParticipant, EventParticipantId,
    EventStatus, MeetingRequest, MeetingRequestId, MoveConflict, Name, OrganisationId, Placement,
    RequestStatus, Slot, check_move,
};

use crate::backend::{AnyRow, Conn};
use crate::decode::{corrupt, taxonomy};
use crate::error::{Result, StoreError};
use crate::registry::conflict_or;
use crate::{Store, params};

/// A stored event with the figures of its last scheduler run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: EventId,
    pub event: Event,
    pub schedule: Option<ScheduleFigures>,
}

/// What the last scheduler run reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleFigures {
    pub scheduled_at: DateTime<Utc>,
    pub priority_sum: i64,
    pub upper_bound: i64,
    pub breaks: i64,
    pub idle_slots: i64,
    /// Proven: no schedule of the meetings the run held has fewer breaks.
    pub breaks_lower_bound: i64,
    /// Identifies the run's scheduler input and the meetings it placed (the web layer
    /// computes it); the bound above holds while the event's own fingerprint is this one.
    pub fingerprint: i64,
}

/// A registered participant with the name and country of its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRecord {
    pub id: EventParticipantId,
    pub participant: EventParticipant,
    pub organisation_name: String,
    /// ISO country code of the organisation ("DK" for Danish ones).
    pub country: String,
}

/// A meeting request with the names of both sides and where it is placed, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: MeetingRequestId,
    pub request: MeetingRequest,
    pub from_name: String,
    pub from_organisation: String,
    pub to_name: String,
    pub to_organisation: String,
    /// (slot position, table) when the meeting is in the schedule.
    pub placement: Option<(u32, u32)>,
    /// Whether the placed meeting took place, once the organiser has marked it.
    pub attendance: Option<Attendance>,
}

/// The organiser's figures for an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFigures {
    pub participants: i64,
    /// All requests ever made (whatever their state now).
    pub requested: i64,
    pub accepted: i64,
    pub scheduled: i64,
    /// Placed meetings the organiser marked as held.
    pub held: i64,
    /// Placed meetings the organiser marked as not held (someone did not come).
    pub no_show: i64,
    pub organisations: i64,
    pub countries: i64,
}

const EVENT_COLUMNS: &str = "e.id, e.cluster_id, e.name, e.place, e.held_on, e.slots, e.tables, \
     e.table_names, e.status, e.scheduled_at, e.priority_sum, e.upper_bound, e.breaks, e.idle_slots, \
     e.breaks_lower_bound, e.schedule_fingerprint";

const PARTICIPANT_SELECT: &str = "SELECT p.id, p.organisation_id, p.name, p.email, p.available, \
     p.max_meetings, o.name AS organisation_name, o.country \
     FROM event_participants p JOIN organisations o ON o.id = p.organisation_id";

const REQUEST_SELECT: &str = "SELECT r.id, r.from_participant, r.to_participant, r.message, \
     r.priority, r.status, pf.name AS from_name, ofr.name AS from_organisation, pt.name AS to_name, \
     ot.name AS to_organisation, m.slot, m.table_no, m.attendance \
     FROM meeting_requests r \
     JOIN event_participants pf ON pf.id = r.from_participant \
     JOIN organisations ofr ON ofr.id = pf.organisation_id \
     JOIN event_participants pt ON pt.id = r.to_participant \
     JOIN organisations ot ON ot.id = pt.organisation_id \
     LEFT JOIN meeting_placements m ON m.request_id = r.id";

fn lines(items: &[String]) -> String {
    items
        .iter()
        .map(|s| s.replace('\n', " "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn u32_of(v: i64, table: &'static str, id: i64) -> Result<u32> {
    u32::try_from(v).map_err(|e| corrupt(table, id, e))
}

fn event_from_row(row: &AnyRow) -> Result<EventRecord> {
    const T: &str = "events";
    let id: i64 = row.get("id")?;
    let slots = Slot::parse_lines(&row.get::<String>("slots")?).map_err(|e| corrupt(T, id, e))?;
    let schedule = match row.get::<Option<DateTime<Utc>>>("scheduled_at")? {
        Some(at) => Some(ScheduleFigures {
            scheduled_at: at,
            priority_sum: row.get::<Option<i64>>("priority_sum")?.unwrap_or(0),
            upper_bound: row.get::<Option<i64>>("upper_bound")?.unwrap_or(0),
            breaks: row.get::<Option<i64>>("breaks")?.unwrap_or(0),
            idle_slots: row.get::<Option<i64>>("idle_slots")?.unwrap_or(0),
            breaks_lower_bound: row.get::<Option<i64>>("breaks_lower_bound")?.unwrap_or(0),
            fingerprint: row.get::<Option<i64>>("schedule_fingerprint")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(EventRecord {
        id: EventId(id),
        event: Event {
            cluster: ClusterId(row.get("cluster_id")?),
            name: Name::parse(&row.get::<String>("name")?).map_err(|e| corrupt(T, id, e))?,
            place: row.get("place")?,
            held_on: row.get::<NaiveDate>("held_on")?,
            slots,
            tables: u32_of(row.get("tables")?, T, id)?,
            table_names: row
                .get::<String>("table_names")?
                .split('\n')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            status: taxonomy(row, "status", T, id)?,
        },
        schedule,
    })
}

fn available_text(available: &Option<Vec<u32>>) -> Option<String> {
    available
        .as_ref()
        .map(|v| v.iter().map(u32::to_string).collect::<Vec<_>>().join(" "))
}

fn participant_from_row(row: &AnyRow) -> Result<ParticipantRecord> {
    const T: &str = "event_participants";
    let id: i64 = row.get("id")?;
    let available = row
        .get::<Option<String>>("available")?
        .map(|text| {
            text.split_whitespace()
                .map(|s| s.parse::<u32>().map_err(|e| corrupt(T, id, e)))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let max_meetings = row
        .get::<Option<i64>>("max_meetings")?
        .map(|m| u32_of(m, T, id))
        .transpose()?;
    Ok(ParticipantRecord {
        id: EventParticipantId(id),
        participant: EventParticipant {
            organisation: OrganisationId(row.get("organisation_id")?),
            name: Name::parse(&row.get::<String>("name")?).map_err(|e| corrupt(T, id, e))?,
            email: Email::parse(&row.get::<String>("email")?).map_err(|e| corrupt(T, id, e))?,
            available,
            max_meetings,
        },
        organisation_name: row.get("organisation_name")?,
        country: row.get("country")?,
    })
}

fn request_from_row(row: &AnyRow) -> Result<RequestRecord> {
    const T: &str = "meeting_requests";
    let id: i64 = row.get("id")?;
    let placement = match (
        row.get::<Option<i64>>("slot")?,
        row.get::<Option<i64>>("table_no")?,
    ) {
        (Some(s), Some(t)) => Some((u32_of(s, T, id)?, u32_of(t, T, id)?)),
        _ => None,
    };
    Ok(RequestRecord {
        id: MeetingRequestId(id),
        request: MeetingRequest {
            from: EventParticipantId(row.get("from_participant")?),
            to: EventParticipantId(row.get("to_participant")?),
            message: row.get("message")?,
            priority: u32_of(row.get("priority")?, T, id)?,
            status: taxonomy(row, "status", T, id)?,
        },
        from_name: row.get("from_name")?,
        from_organisation: row.get("from_organisation")?,
        to_name: row.get("to_name")?,
        to_organisation: row.get("to_organisation")?,
        placement,
        attendance: row
            .get::<Option<String>>("attendance")?
            .map(|code| Attendance::from_code(&code).map_err(|e| corrupt(T, id, e)))
            .transpose()?,
    })
}

fn invalid(e: impl ToString) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Queries shared by both views; each takes the cluster from its view.
async fn load_event(conn: &mut Conn<'_>, cluster: ClusterId, id: EventId) -> Result<EventRecord> {
    let row = conn
        .fetch_optional(
            &format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = $1 AND e.cluster_id = $2"),
            params![id.0, cluster.0],
        )
        .await?
        .ok_or_else(|| StoreError::not_found("event", format!("id {id}")))?;
    event_from_row(&row)
}

async fn load_participants(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
) -> Result<Vec<ParticipantRecord>> {
    conn.fetch_all(
        &format!("{PARTICIPANT_SELECT} WHERE p.event_id = $1 AND p.cluster_id = $2 ORDER BY o.name, p.name, p.id"),
        params![event.0, cluster.0],
    )
    .await?
    .iter()
    .map(participant_from_row)
    .collect()
}

async fn load_participant(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
    id: EventParticipantId,
) -> Result<ParticipantRecord> {
    let row = conn
        .fetch_optional(
            &format!(
                "{PARTICIPANT_SELECT} WHERE p.id = $1 AND p.event_id = $2 AND p.cluster_id = $3"
            ),
            params![id.0, event.0, cluster.0],
        )
        .await?
        .ok_or_else(|| StoreError::not_found("participant", format!("id {id}")))?;
    participant_from_row(&row)
}

/// The event, refused (conflict) once it is closed: registrations no longer change.
async fn load_editable(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
) -> Result<EventRecord> {
    let record = load_event(conn, cluster, event).await?;
    if !record.event.registrations_editable() {
        return Err(StoreError::Conflict(format!(
            "event {event} is {} and its registrations can no longer change",
            record.event.status
        )));
    }
    Ok(record)
}

async fn load_requests(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
) -> Result<Vec<RequestRecord>> {
    conn.fetch_all(
        &format!("{REQUEST_SELECT} WHERE r.event_id = $1 AND r.cluster_id = $2 ORDER BY r.id"),
        params![event.0, cluster.0],
    )
    .await?
    .iter()
    .map(request_from_row)
    .collect()
}

async fn load_placements(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
) -> Result<Vec<Placement>> {
    let rows = conn
        .fetch_all(
            "SELECT m.request_id, m.slot, m.table_no, r.from_participant, r.to_participant \
             FROM meeting_placements m JOIN meeting_requests r ON r.id = m.request_id \
             WHERE m.event_id = $1 AND m.cluster_id = $2 ORDER BY m.slot, m.table_no",
            params![event.0, cluster.0],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get("request_id")?;
            Ok(Placement {
                request: MeetingRequestId(id),
                with: [
                    EventParticipantId(r.get("from_participant")?),
                    EventParticipantId(r.get("to_participant")?),
                ],
                slot: u32_of(r.get("slot")?, "meeting_placements", id)?,
                table: u32_of(r.get("table_no")?, "meeting_placements", id)?,
            })
        })
        .collect()
}

async fn insert_request(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
    request: &MeetingRequest,
) -> Result<MeetingRequestId> {
    request.validate().map_err(invalid)?;
    let record = load_event(conn, cluster, event).await?;
    if !record.event.status.takes_requests() {
        return Err(StoreError::Conflict(format!(
            "event {event} does not take meeting requests while it is {}",
            record.event.status
        )));
    }
    for p in [request.from, request.to] {
        let n = conn
            .fetch_i64(
                "SELECT COUNT(*) FROM event_participants WHERE id = $1 AND event_id = $2 AND cluster_id = $3",
                params![p.0, event.0, cluster.0],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::not_found("participant", format!("id {p}")));
        }
    }
    let live = conn
        .fetch_i64(
            "SELECT COUNT(*) FROM meeting_requests WHERE event_id = $1 AND cluster_id = $2 \
             AND status IN ('requested', 'accepted') \
             AND ((from_participant = $3 AND to_participant = $4) OR (from_participant = $4 AND to_participant = $3))",
            params![event.0, cluster.0, request.from.0, request.to.0],
        )
        .await?;
    if live > 0 {
        return Err(StoreError::Conflict(format!(
            "participants {} and {} already have a request to meet",
            request.from, request.to
        )));
    }
    let now = crate::now();
    let id = conn
        .fetch_i64(
            "INSERT INTO meeting_requests (event_id, cluster_id, from_participant, to_participant, message, \
             priority, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                event.0,
                cluster.0,
                request.from.0,
                request.to.0,
                request.message.clone(),
                i64::from(request.priority),
                request.status.code(),
                now,
                now
            ],
        )
        .await?;
    Ok(MeetingRequestId(id))
}

async fn update_request_status(
    conn: &mut Conn<'_>,
    cluster: ClusterId,
    event: EventId,
    request: MeetingRequestId,
    next: RequestStatus,
) -> Result<()> {
    let row = conn
        .fetch_optional(
            "SELECT status FROM meeting_requests WHERE id = $1 AND event_id = $2 AND cluster_id = $3",
            params![request.0, event.0, cluster.0],
        )
        .await?
        .ok_or_else(|| StoreError::not_found("meeting request", format!("id {request}")))?;
    let now: RequestStatus = taxonomy(&row, "status", "meeting_requests", request.0)?;
    if now == next {
        return Ok(());
    }
    if !now.may_become(next) {
        return Err(StoreError::Conflict(format!(
            "meeting request {request} is {now} and cannot become {next}"
        )));
    }
    if next != RequestStatus::Accepted {
        conn.execute(
            "DELETE FROM meeting_placements WHERE request_id = $1 AND cluster_id = $2",
            params![request.0, cluster.0],
        )
        .await?;
    }
    conn.execute(
        "UPDATE meeting_requests SET status = $1, updated_at = $2 WHERE id = $3 AND cluster_id = $4",
        params![next.code(), crate::now(), request.0, cluster.0],
    )
    .await?;
    Ok(())
}

/// The matchmaking events of one cluster, for its staff (the organiser). Built by
/// [`crate::Principal::events`].
#[derive(Clone)]
pub struct EventsView {
    store: Store,
    cluster: ClusterId,
}

impl EventsView {
    pub(crate) fn new(store: Store, cluster: ClusterId) -> Self {
        EventsView { store, cluster }
    }

    pub fn cluster_id(&self) -> ClusterId {
        self.cluster
    }

    fn own(&self, event: &Event) -> Result<()> {
        if event.cluster != self.cluster {
            return Err(StoreError::OtherTenant {
                entity: "event",
                expected: self.cluster.0,
                found: event.cluster.0,
            });
        }
        event.validate().map_err(invalid)
    }

    /// The cluster's events, newest day first.
    pub async fn events(&self) -> Result<Vec<EventRecord>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events e WHERE e.cluster_id = $1 ORDER BY e.held_on DESC, e.id DESC"
                ),
                params![self.cluster.0],
            )
            .await?
            .iter()
            .map(event_from_row)
            .collect()
    }

    pub async fn event(&self, id: EventId) -> Result<EventRecord> {
        let mut pooled = self.store.acquire().await?;
        load_event(&mut pooled.conn(), self.cluster, id).await
    }

    pub async fn create_event(&self, event: &Event) -> Result<EventId> {
        self.own(event)?;
        let mut pooled = self.store.acquire().await?;
        let now = crate::now();
        let id = pooled
            .conn()
            .fetch_i64(
                "INSERT INTO events (cluster_id, name, place, held_on, slots, tables, table_names, status, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                params![
                    self.cluster.0,
                    event.name.as_str(),
                    event.place.clone(),
                    event.held_on,
                    event.slot_lines(),
                    i64::from(event.tables),
                    lines(&event.table_names),
                    event.status.code(),
                    now,
                    now
                ],
            )
            .await?;
        Ok(EventId(id))
    }

    /// Changes an event's name, place, day, slots and tables (not its status). Refused while a
    /// schedule exists that the new slots or tables would break; participants' availability
    /// is kept for the slots that still hold meetings.
    pub async fn update_event(&self, id: EventId, event: &Event) -> Result<()> {
        self.own(event)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let old = load_event(&mut conn, self.cluster, id).await?;
        let placements = load_placements(&mut conn, self.cluster, id).await?;
        if let Some(p) = placements
            .iter()
            .find(|p| !event.is_meeting_slot(p.slot) || p.table >= event.tables)
        {
            return Err(StoreError::Conflict(format!(
                "meeting request {} is placed in slot {} at table {}, which the new slots or tables do not have",
                p.request,
                p.slot + 1,
                p.table + 1
            )));
        }
        conn.execute(
            "UPDATE events SET name = $1, place = $2, held_on = $3, slots = $4, tables = $5, table_names = $6, \
             updated_at = $7 WHERE id = $8 AND cluster_id = $9",
            params![
                event.name.as_str(),
                event.place.clone(),
                event.held_on,
                event.slot_lines(),
                i64::from(event.tables),
                lines(&event.table_names),
                crate::now(),
                id.0,
                self.cluster.0
            ],
        )
        .await?;
        if old.event.slots != event.slots {
            for p in load_participants(&mut conn, self.cluster, id).await? {
                if let Some(av) = &p.participant.available {
                    let kept: Vec<u32> = av
                        .iter()
                        .copied()
                        .filter(|s| event.is_meeting_slot(*s))
                        .collect();
                    if kept.len() != av.len() {
                        conn.execute(
                            "UPDATE event_participants SET available = $1 WHERE id = $2 AND cluster_id = $3",
                            params![available_text(&Some(kept)), p.id.0, self.cluster.0],
                        )
                        .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves the event to `next` by hand (see [`EventStatus::may_become`]); publishing needs
    /// a schedule.
    pub async fn set_status(&self, id: EventId, next: EventStatus) -> Result<()> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let record = load_event(&mut conn, self.cluster, id).await?;
        let now = record.event.status;
        if now == next {
            return Ok(());
        }
        if !now.may_become(next) {
            return Err(StoreError::Conflict(format!(
                "event {id} is {now} and cannot become {next}"
            )));
        }
        conn.execute(
            "UPDATE events SET status = $1, updated_at = $2 WHERE id = $3 AND cluster_id = $4",
            params![next.code(), crate::now(), id.0, self.cluster.0],
        )
        .await?;
        Ok(())
    }

    pub async fn participants(&self, event: EventId) -> Result<Vec<ParticipantRecord>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        load_event(&mut conn, self.cluster, event).await?;
        load_participants(&mut conn, self.cluster, event).await
    }

    /// Registers a participant; the organisation must exist in the registry. The same e-mail
    /// twice for one event is a conflict.
    pub async fn add_participant(
        &self,
        event: EventId,
        participant: &EventParticipant,
    ) -> Result<EventParticipantId> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let record = load_event(&mut conn, self.cluster, event).await?;
        participant.validate(&record.event).map_err(invalid)?;
        let n = conn
            .fetch_i64(
                "SELECT COUNT(*) FROM organisations WHERE id = $1",
                params![participant.organisation.0],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::not_found(
                "organisation",
                format!("id {}", participant.organisation),
            ));
        }
        let id = conn
            .fetch_i64(
                "INSERT INTO event_participants (event_id, cluster_id, organisation_id, name, email, available, \
                 max_meetings, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                params![
                    event.0,
                    self.cluster.0,
                    participant.organisation.0,
                    participant.name.as_str(),
                    participant.email.as_str(),
                    available_text(&participant.available),
                    participant.max_meetings.map(i64::from),
                    crate::now()
                ],
            )
            .await
            .map_err(|e| {
                conflict_or(e, || {
                    format!(
                        "{} is already registered for event {event}",
                        participant.email
                    )
                })
            })?;
        Ok(EventParticipantId(id))
    }

    pub async fn participant(
        &self,
        event: EventId,
        id: EventParticipantId,
    ) -> Result<ParticipantRecord> {
        let mut pooled = self.store.acquire().await?;
        load_participant(&mut pooled.conn(), self.cluster, event, id).await
    }

    /// Changes a registration: the person (name and e-mail), availability and meeting cap;
    /// the organisation stays the one registered. Refused once the event is closed, for an
    /// e-mail already registered, and when the new availability or cap would leave out a
    /// meeting already placed (move or cancel that meeting first).
    pub async fn update_participant(
        &self,
        event: EventId,
        id: EventParticipantId,
        participant: &EventParticipant,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let record = load_editable(&mut conn, self.cluster, event).await?;
        participant.validate(&record.event).map_err(invalid)?;
        load_participant(&mut conn, self.cluster, event, id).await?;
        let placed: Vec<Placement> = load_placements(&mut conn, self.cluster, event)
            .await?
            .into_iter()
            .filter(|p| p.with.contains(&id))
            .collect();
        if let Some(p) = placed.iter().find(|p| !participant.is_available(p.slot)) {
            return Err(StoreError::Conflict(format!(
                "participant {id} has meeting {} in slot {}, which the new availability leaves out",
                p.request,
                p.slot + 1
            )));
        }
        if let Some(max) = participant.max_meetings
            && placed.len() > max as usize
        {
            return Err(StoreError::Conflict(format!(
                "participant {id} has {} meetings placed, more than the new cap of {max}",
                placed.len()
            )));
        }
        conn.execute(
            "UPDATE event_participants SET name = $1, email = $2, available = $3, max_meetings = $4 \
             WHERE id = $5 AND event_id = $6 AND cluster_id = $7",
            params![
                participant.name.as_str(),
                participant.email.as_str(),
                available_text(&participant.available),
                participant.max_meetings.map(i64::from),
                id.0,
                event.0,
                self.cluster.0
            ],
        )
        .await
        .map_err(|e| {
            conflict_or(e, || {
                format!(
                    "{} is already registered for event {event}",
                    participant.email
                )
            })
        })?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a registration in one transaction: the participant's meetings leave the
    /// schedule and its meeting requests (made and received) are withdrawn with it. Refused
    /// once the event is closed.
    pub async fn remove_participant(&self, event: EventId, id: EventParticipantId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        load_editable(&mut conn, self.cluster, event).await?;
        load_participant(&mut conn, self.cluster, event, id).await?;
        let theirs = "SELECT r.id FROM meeting_requests r WHERE r.event_id = $2 AND r.cluster_id = $3 \
             AND (r.from_participant = $1 OR r.to_participant = $1)";
        conn.execute(
            &format!(
                "DELETE FROM meeting_placements WHERE cluster_id = $3 AND event_id = $2 AND request_id IN ({theirs})"
            ),
            params![id.0, event.0, self.cluster.0],
        )
        .await?;
        conn.execute(
            "DELETE FROM meeting_requests WHERE event_id = $2 AND cluster_id = $3 \
             AND (from_participant = $1 OR to_participant = $1)",
            params![id.0, event.0, self.cluster.0],
        )
        .await?;
        conn.execute(
            "DELETE FROM event_participants WHERE id = $1 AND event_id = $2 AND cluster_id = $3",
            params![id.0, event.0, self.cluster.0],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks whether a placed meeting took place (`None` clears the mark). Only after the
    /// event: closed, or published and `today` after its day.
    pub async fn set_attendance(
        &self,
        event: EventId,
        request: MeetingRequestId,
        attendance: Option<Attendance>,
        today: NaiveDate,
    ) -> Result<()> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let record = load_event(&mut conn, self.cluster, event).await?;
        if !record.event.takes_attendance(today) {
            return Err(StoreError::Conflict(format!(
                "event {event} is {} on {}: attendance is recorded after the event",
                record.event.status, record.event.held_on
            )));
        }
        let n = conn
            .execute(
                "UPDATE meeting_placements SET attendance = $1 WHERE request_id = $2 AND event_id = $3 AND cluster_id = $4",
                params![
                    attendance.map(|a| a.code().to_string()),
                    request.0,
                    event.0,
                    self.cluster.0
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::not_found(
                "placed meeting",
                format!("id {request}"),
            ));
        }
        Ok(())
    }

    pub async fn requests(&self, event: EventId) -> Result<Vec<RequestRecord>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        load_event(&mut conn, self.cluster, event).await?;
        load_requests(&mut conn, self.cluster, event).await
    }

    /// Adds a request on behalf of a participant. Refused: a request to oneself (invalid), a
    /// participant of another event (not found), a second live request between the same two
    /// (conflict), an event that takes no requests (conflict).
    pub async fn add_request(
        &self,
        event: EventId,
        request: &MeetingRequest,
    ) -> Result<MeetingRequestId> {
        let mut tx = self.store.begin().await?;
        let id = insert_request(&mut tx.conn(), self.cluster, event, request).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Accepts, declines or cancels a request; a meeting that is no longer accepted leaves
    /// the schedule.
    pub async fn set_request_status(
        &self,
        event: EventId,
        request: MeetingRequestId,
        next: RequestStatus,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        update_request_status(&mut tx.conn(), self.cluster, event, request, next).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn placements(&self, event: EventId) -> Result<Vec<Placement>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        load_event(&mut conn, self.cluster, event).await?;
        load_placements(&mut conn, self.cluster, event).await
    }

    /// Replaces the schedule with the scheduler's placements (request, slot position, table)
    /// in one transaction and marks the event scheduled. Every request must be an accepted
    /// request of the event and every placement fit the event's slots and tables.
    pub async fn save_schedule(
        &self,
        event: EventId,
        placements: &[(MeetingRequestId, u32, u32)],
        figures: &ScheduleFigures,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let record = load_event(&mut conn, self.cluster, event).await?;
        if !record.event.status.may_schedule() {
            return Err(StoreError::Conflict(format!(
                "event {event} is {} and cannot be scheduled",
                record.event.status
            )));
        }
        let requests = load_requests(&mut conn, self.cluster, event).await?;
        let accepted: std::collections::HashSet<MeetingRequestId> = requests
            .iter()
            .filter(|r| r.request.status == RequestStatus::Accepted)
            .map(|r| r.id)
            .collect();
        // Attendance already marked stays with its meeting when that meeting is placed
        // again (a re-schedule on the day, after a cancellation).
        let marks: std::collections::HashMap<MeetingRequestId, Attendance> = requests
            .iter()
            .filter_map(|r| Some((r.id, r.attendance?)))
            .collect();
        conn.execute(
            "DELETE FROM meeting_placements WHERE event_id = $1 AND cluster_id = $2",
            params![event.0, self.cluster.0],
        )
        .await?;
        for (request, slot, table) in placements {
            if !accepted.contains(request) {
                return Err(StoreError::not_found(
                    "accepted meeting request",
                    format!("id {request}"),
                ));
            }
            if !record.event.is_meeting_slot(*slot) || *table >= record.event.tables {
                return Err(invalid(format!(
                    "meeting request {request}: slot {slot} or table {table} is not in the event"
                )));
            }
            conn.execute(
                "INSERT INTO meeting_placements \
                 (request_id, event_id, cluster_id, slot, table_no, attendance) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                params![
                    request.0,
                    event.0,
                    self.cluster.0,
                    i64::from(*slot),
                    i64::from(*table),
                    marks.get(request).map(|a| a.code().to_string())
                ],
            )
            .await
            .map_err(|e| {
                conflict_or(e, || {
                    format!("two meetings at table {table} in slot {slot}")
                })
            })?;
        }
        conn.execute(
            "UPDATE events SET status = $1, scheduled_at = $2, priority_sum = $3, upper_bound = $4, \
             breaks = $5, idle_slots = $6, breaks_lower_bound = $7, schedule_fingerprint = $8, \
             updated_at = $9 WHERE id = $10 AND cluster_id = $11",
            params![
                EventStatus::Scheduled.code(),
                figures.scheduled_at,
                figures.priority_sum,
                figures.upper_bound,
                figures.breaks,
                figures.idle_slots,
                figures.breaks_lower_bound,
                figures.fingerprint,
                crate::now(),
                event.0,
                self.cluster.0
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a placed meeting to another slot and table. A conflict (double-booked,
    /// unavailable, table taken, no such slot or table) is returned as `Ok(Err(_))` and
    /// nothing is written.
    pub async fn move_meeting(
        &self,
        event: EventId,
        request: MeetingRequestId,
        slot: u32,
        table: u32,
    ) -> Result<std::result::Result<(), MoveConflict>> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let record = load_event(&mut conn, self.cluster, event).await?;
        let placements = load_placements(&mut conn, self.cluster, event).await?;
        let meeting = placements
            .iter()
            .find(|p| p.request == request)
            .copied()
            .ok_or_else(|| StoreError::not_found("placed meeting", format!("id {request}")))?;
        let participants = load_participants(&mut conn, self.cluster, event).await?;
        let available = |who: EventParticipantId, s: u32| {
            participants
                .iter()
                .find(|p| p.id == who)
                .is_some_and(|p| p.participant.is_available(s))
        };
        if let Err(conflict) =
            check_move(&record.event, &meeting, slot, table, &placements, available)
        {
            return Ok(Err(conflict));
        }
        conn.execute(
            "UPDATE meeting_placements SET slot = $1, table_no = $2 WHERE request_id = $3 AND cluster_id = $4",
            params![i64::from(slot), i64::from(table), request.0, self.cluster.0],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The organiser's figures, read in one statement.
    pub async fn figures(&self, event: EventId) -> Result<EventFigures> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        load_event(&mut conn, self.cluster, event).await?;
        const SCOPE: &str = "event_id = $1 AND cluster_id = $2";
        let row = conn
            .fetch_optional(
                &format!(
                    "SELECT \
                     (SELECT COUNT(*) FROM event_participants WHERE {SCOPE}) AS participants, \
                     (SELECT COUNT(*) FROM meeting_requests WHERE {SCOPE}) AS requested, \
                     (SELECT COUNT(*) FROM meeting_requests WHERE {SCOPE} AND status = 'accepted') AS accepted, \
                     (SELECT COUNT(*) FROM meeting_placements WHERE {SCOPE}) AS scheduled, \
                     (SELECT COUNT(*) FROM meeting_placements WHERE {SCOPE} AND attendance = 'held') AS held, \
                     (SELECT COUNT(*) FROM meeting_placements WHERE {SCOPE} AND attendance = 'no_show') AS no_show, \
                     (SELECT COUNT(DISTINCT organisation_id) FROM event_participants WHERE {SCOPE}) AS organisations, \
                     (SELECT COUNT(DISTINCT o.country) FROM event_participants p \
                      JOIN organisations o ON o.id = p.organisation_id \
                      WHERE p.event_id = $1 AND p.cluster_id = $2) AS countries"
                ),
                params![event.0, self.cluster.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("event", format!("id {event}")))?;
        Ok(EventFigures {
            participants: row.get("participants")?,
            requested: row.get("requested")?,
            accepted: row.get("accepted")?,
            scheduled: row.get("scheduled")?,
            held: row.get("held")?,
            no_show: row.get("no_show")?,
            organisations: row.get("organisations")?,
            countries: row.get("countries")?,
        })
    }
}

/// The events a member contact takes part in: events of the own cluster (not drafts) where
/// the own organisation has a registered participant. Built by
/// [`crate::Principal::participant_events`].
#[derive(Clone)]
pub struct ParticipantEvents {
    store: Store,
    cluster: ClusterId,
    organisation: OrganisationId,
}

impl ParticipantEvents {
    pub(crate) fn new(store: Store, cluster: ClusterId, organisation: OrganisationId) -> Self {
        ParticipantEvents {
            store,
            cluster,
            organisation,
        }
    }

    pub fn organisation(&self) -> OrganisationId {
        self.organisation
    }

    pub async fn events(&self) -> Result<Vec<EventRecord>> {
        let mut pooled = self.store.acquire().await?;
        pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events e WHERE e.cluster_id = $1 AND e.status <> 'draft' \
                     AND EXISTS (SELECT 1 FROM event_participants p WHERE p.event_id = e.id \
                     AND p.cluster_id = $1 AND p.organisation_id = $2) ORDER BY e.held_on DESC, e.id DESC"
                ),
                params![self.cluster.0, self.organisation.0],
            )
            .await?
            .iter()
            .map(event_from_row)
            .collect()
    }

    async fn visible(&self, conn: &mut Conn<'_>, id: EventId) -> Result<EventRecord> {
        let record = load_event(conn, self.cluster, id).await?;
        let mine = conn
            .fetch_i64(
                "SELECT COUNT(*) FROM event_participants WHERE event_id = $1 AND cluster_id = $2 AND organisation_id = $3",
                params![id.0, self.cluster.0, self.organisation.0],
            )
            .await?;
        if mine == 0 || !record.event.status.visible_to_participants() {
            return Err(StoreError::not_found("event", format!("id {id}")));
        }
        Ok(record)
    }

    pub async fn event(&self, id: EventId) -> Result<EventRecord> {
        let mut pooled = self.store.acquire().await?;
        self.visible(&mut pooled.conn(), id).await
    }

    /// Everyone registered for the event (whom one can ask to meet).
    pub async fn participants(&self, event: EventId) -> Result<Vec<ParticipantRecord>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        self.visible(&mut conn, event).await?;
        load_participants(&mut conn, self.cluster, event).await
    }

    /// Requests made by or to the own organisation's participants.
    pub async fn requests(&self, event: EventId) -> Result<Vec<RequestRecord>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        self.visible(&mut conn, event).await?;
        let own = self.own_ids(&mut conn, event).await?;
        Ok(load_requests(&mut conn, self.cluster, event)
            .await?
            .into_iter()
            .filter(|r| own.contains(&r.request.from) || own.contains(&r.request.to))
            .collect())
    }

    async fn own_ids(
        &self,
        conn: &mut Conn<'_>,
        event: EventId,
    ) -> Result<Vec<EventParticipantId>> {
        conn.fetch_all(
            "SELECT id FROM event_participants WHERE event_id = $1 AND cluster_id = $2 AND organisation_id = $3",
            params![event.0, self.cluster.0, self.organisation.0],
        )
        .await?
        .iter()
        .map(|row| Ok(EventParticipantId(row.get("id")?)))
        .collect()
    }

    /// Asks to meet someone, from one of the own organisation's participants.
    pub async fn add_request(
        &self,
        event: EventId,
        request: &MeetingRequest,
    ) -> Result<MeetingRequestId> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        self.visible(&mut conn, event).await?;
        if !self
            .own_ids(&mut conn, event)
            .await?
            .contains(&request.from)
        {
            return Err(StoreError::not_found(
                "own participant",
                format!("id {}", request.from),
            ));
        }
        let request = MeetingRequest {
            status: RequestStatus::Requested,
            ..request.clone()
        };
        let id = insert_request(&mut conn, self.cluster, event, &request).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Answers a request made to one of the own participants (accept or decline), or
    /// withdraws one of the own requests (cancel).
    pub async fn answer_request(
        &self,
        event: EventId,
        request: MeetingRequestId,
        next: RequestStatus,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let record = self.visible(&mut conn, event).await?;
        if !record.event.status.takes_requests() {
            return Err(StoreError::Conflict(format!(
                "event {event} does not take answers while it is {}",
                record.event.status
            )));
        }
        let own = self.own_ids(&mut conn, event).await?;
        let r = load_requests(&mut conn, self.cluster, event)
            .await?
            .into_iter()
            .find(|r| r.id == request)
            .ok_or_else(|| StoreError::not_found("meeting request", format!("id {request}")))?;
        let allowed = match next {
            RequestStatus::Accepted | RequestStatus::Declined => own.contains(&r.request.to),
            RequestStatus::Cancelled => own.contains(&r.request.from),
            RequestStatus::Requested => false,
        };
        if !allowed {
            return Err(StoreError::not_found(
                "meeting request",
                format!("id {request}"),
            ));
        }
        update_request_status(&mut conn, self.cluster, event, request, next).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The own participants' placed meetings, once the agenda is published (empty before).
    pub async fn agenda(&self, event: EventId) -> Result<Vec<RequestRecord>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let record = self.visible(&mut conn, event).await?;
        if !record.event.status.agenda_published() {
            return Ok(Vec::new());
        }
        let own = self.own_ids(&mut conn, event).await?;
        let mut rows: Vec<RequestRecord> = load_requests(&mut conn, self.cluster, event)
            .await?
            .into_iter()
            .filter(|r| r.placement.is_some())
            .filter(|r| own.contains(&r.request.from) || own.contains(&r.request.to))
            .collect();
        rows.sort_by_key(|r| r.placement);
        Ok(rows)
    }
}
