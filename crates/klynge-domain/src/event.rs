//! Matchmaking events (matchmaking-arrangementer, B2B-møder; issue 6): an event a cluster
//! organises, its slots and tables, the participants who register, the meeting requests
//! between them and the rules for placing a meeting by hand.
//!
//! The scheduler itself (`klynge-scheduler`) knows nothing of this module; the web layer
//! turns an event into the scheduler's input and its output back into placements.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{ClusterId, EventParticipantId, MeetingRequestId, OrganisationId};
use crate::text::{Email, Name};

crate::code_enum! {
    /// Where an event is in its life: draft → open for registration → scheduled →
    /// published → closed.
    pub enum EventStatus {
        Draft = "draft",
        /// Open for registration and meeting requests.
        Open = "open",
        /// A schedule exists; the organiser reviews it.
        Scheduled = "scheduled",
        /// Participants see their agenda.
        Published = "published",
        /// The event has taken place.
        Closed = "closed",
    }
}

impl EventStatus {
    /// Whether the organiser may set `next` by hand. `Scheduled` is only reached by running
    /// the scheduler, so it is not a manual step from `Open`.
    pub fn may_become(self, next: EventStatus) -> bool {
        use EventStatus::*;
        matches!(
            (self, next),
            (Draft, Open)
                | (Open, Draft)
                | (Scheduled, Open)
                | (Scheduled, Published)
                | (Published, Scheduled)
                | (Published, Closed)
        )
    }

    /// Whether participants may register, ask for meetings and answer requests.
    pub fn takes_requests(self) -> bool {
        matches!(
            self,
            EventStatus::Open | EventStatus::Scheduled | EventStatus::Published
        )
    }

    /// Whether the scheduler may be run (again).
    pub fn may_schedule(self) -> bool {
        matches!(
            self,
            EventStatus::Open | EventStatus::Scheduled | EventStatus::Published
        )
    }

    /// Whether participants see the event at all.
    pub fn visible_to_participants(self) -> bool {
        self != EventStatus::Draft
    }

    /// Whether participants see their agenda.
    pub fn agenda_published(self) -> bool {
        matches!(self, EventStatus::Published | EventStatus::Closed)
    }
}

impl Event {
    /// Whether the organiser may record who came: once the event is closed, or published
    /// and its day has passed (`today` is the Danish calendar day).
    pub fn takes_attendance(&self, today: NaiveDate) -> bool {
        match self.status {
            EventStatus::Closed => true,
            EventStatus::Published => self.held_on < today,
            _ => false,
        }
    }

    /// Whether registrations may still be changed or removed (not once it is closed).
    pub fn registrations_editable(&self) -> bool {
        self.status != EventStatus::Closed
    }
}

crate::code_enum! {
    /// Whether a placed meeting took place, as the organiser marks it after the event.
    pub enum Attendance {
        Held = "held",
        NoShow = "no_show",
    }
}

crate::code_enum! {
    /// The state of a meeting request.
    pub enum RequestStatus {
        Requested = "requested",
        Accepted = "accepted",
        Declined = "declined",
        Cancelled = "cancelled",
    }
}

impl RequestStatus {
    /// A request that still stands (blocks a duplicate).
    pub fn is_live(self) -> bool {
        matches!(self, RequestStatus::Requested | RequestStatus::Accepted)
    }

    /// Whether an answer may move a request from `self` to `next`.
    pub fn may_become(self, next: RequestStatus) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (Requested, Accepted)
                | (Requested, Declined)
                | (Requested, Cancelled)
                | (Accepted, Cancelled)
                | (Accepted, Declined)
                | (Declined, Accepted)
        )
    }
}

/// A time slot of the event day. A lunch break is either a gap between slots or a slot
/// flagged as a break (shown in the agenda, never used for a meeting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub is_break: bool,
}

/// A slot without a meeting inside a participant's day (see [`Event::gaps_between`]), by
/// its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// A break of the event (pause), for everyone.
    Break(u32),
    /// A meeting slot the participant has free (ventetid).
    Wait(u32),
}

impl Gap {
    pub fn position(self) -> u32 {
        match self {
            Gap::Break(p) | Gap::Wait(p) => p,
        }
    }
}

/// Why a slot list was refused; `line` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("no slots: expected at least one line like 09:00-09:20")]
    Empty,
    #[error("no meeting slots: expected at least one slot that is not a break")]
    OnlyBreaks,
    #[error(
        "line {line}: {input:?} is not a slot: expected a line like 09:00-09:20 (add \"pause\" for a break)"
    )]
    Format { line: usize, input: String },
    #[error("line {line}: the slot ends before it starts")]
    EndBeforeStart { line: usize },
    #[error("line {line}: the slot starts before the previous one ends")]
    Overlap { line: usize },
    #[error("too many slots: at most {max}")]
    TooMany { max: usize },
}

impl SlotError {
    /// The line the error is at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            SlotError::Format { line, .. }
            | SlotError::EndBeforeStart { line }
            | SlotError::Overlap { line } => Some(*line),
            _ => None,
        }
    }
}

/// The words that flag a slot line as a break.
const BREAK_WORDS: [&str; 5] = ["pause", "break", "frokost", "lunch", "frokostpause"];

fn parse_time(input: &str) -> Option<NaiveTime> {
    let (h, m) = input.split_once([':', '.'])?;
    let h: u32 = h.trim().parse().ok()?;
    let m: u32 = m.trim().parse().ok()?;
    if m > 59 {
        return None;
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

impl Slot {
    /// `HH:MM-HH:MM`, with ` pause` after a break.
    pub fn to_line(&self) -> String {
        format!(
            "{}-{}{}",
            self.starts_at.format("%H:%M"),
            self.ends_at.format("%H:%M"),
            if self.is_break { " pause" } else { "" }
        )
    }

    /// Parses slots written one per line: `09:00-09:20`, or `12:00-13:00 pause` for a break
    /// (also `break`, `frokost`, `lunch`). Blank lines are skipped. Slots must be in order and
    /// must not overlap.
    pub fn parse_lines(text: &str) -> Result<Vec<Slot>, SlotError> {
        let mut slots: Vec<Slot> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            let bad = || SlotError::Format {
                line,
                input: trimmed.to_string(),
            };
            let (times, rest) = match trimmed.split_once(char::is_whitespace) {
                Some((t, r)) => (t, r.trim()),
                None => (trimmed, ""),
            };
            let is_break = match rest.to_lowercase().as_str() {
                "" => false,
                w if BREAK_WORDS.contains(&w) => true,
                _ => return Err(bad()),
            };
            let (from, to) = times.split_once(['-', '–']).ok_or_else(bad)?;
            let starts_at = parse_time(from).ok_or_else(bad)?;
            let ends_at = parse_time(to).ok_or_else(bad)?;
            if ends_at <= starts_at {
                return Err(SlotError::EndBeforeStart { line });
            }
            if slots.last().is_some_and(|prev| starts_at < prev.ends_at) {
                return Err(SlotError::Overlap { line });
            }
            slots.push(Slot {
                starts_at,
                ends_at,
                is_break,
            });
        }
        Event::check_slots(&slots)?;
        Ok(slots)
    }
}

/// A matchmaking event of one cluster (the organiser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub cluster: ClusterId,
    pub name: Name,
    /// Where it is held (free text; may be empty).
    pub place: String,
    pub held_on: NaiveDate,
    /// In time order, not overlapping.
    pub slots: Vec<Slot>,
    /// Tables (locations) usable in every slot.
    pub tables: u32,
    /// Optional names of the first tables ("Bord 1", "Lokale A"); the rest are numbered.
    pub table_names: Vec<String>,
    pub status: EventStatus,
}

impl Event {
    pub const MAX_SLOTS: usize = 96;
    pub const MAX_TABLES: u32 = 2000;
    pub const MAX_PLACE_CHARS: usize = 300;

    fn check_slots(slots: &[Slot]) -> Result<(), SlotError> {
        if slots.is_empty() {
            return Err(SlotError::Empty);
        }
        if slots.len() > Self::MAX_SLOTS {
            return Err(SlotError::TooMany {
                max: Self::MAX_SLOTS,
            });
        }
        if slots.iter().all(|s| s.is_break) {
            return Err(SlotError::OnlyBreaks);
        }
        for (i, s) in slots.iter().enumerate() {
            if s.ends_at <= s.starts_at {
                return Err(SlotError::EndBeforeStart { line: i + 1 });
            }
            if i > 0 && s.starts_at < slots[i - 1].ends_at {
                return Err(SlotError::Overlap { line: i + 1 });
            }
        }
        Ok(())
    }

    /// Checks what the types do not: slots, tables, place and table names.
    pub fn validate(&self) -> Result<(), DomainError> {
        Self::check_slots(&self.slots).map_err(|e| DomainError::InvalidValue {
            field: "slots",
            input: e.to_string(),
            expected: "slots in time order, each ending after it starts",
        })?;
        if self.tables == 0 || self.tables > Self::MAX_TABLES {
            return Err(DomainError::InvalidValue {
                field: "tables",
                input: self.tables.to_string(),
                expected: "1 to 2000 tables",
            });
        }
        if self.place.chars().count() > Self::MAX_PLACE_CHARS
            || self.place.chars().any(char::is_control)
        {
            return Err(DomainError::InvalidValue {
                field: "place",
                input: self.place.clone(),
                expected: "a single line of at most 300 characters",
            });
        }
        if self.table_names.len() > self.tables as usize
            || self
                .table_names
                .iter()
                .any(|n| n.trim().is_empty() || n.chars().count() > 100 || n.contains('\n'))
        {
            return Err(DomainError::InvalidValue {
                field: "table_names",
                input: self.table_names.join(", "),
                expected: "at most one non-empty name of up to 100 characters per table",
            });
        }
        Ok(())
    }

    /// The positions of the slots that can hold meetings (not breaks), in order. The
    /// scheduler's slot `k` is the slot at position `meeting_slots()[k]`.
    pub fn meeting_slots(&self) -> Vec<u32> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_break)
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The slots a participant with meetings at the positions `busy` spends between its
    /// first and last meeting without one, in order: waits (free meeting slots) and the
    /// event's breaks. A printed agenda shows them, so nobody has to work out when they are
    /// free.
    pub fn gaps_between(&self, busy: &[u32]) -> Vec<Gap> {
        let (Some(&first), Some(&last)) = (busy.iter().min(), busy.iter().max()) else {
            return Vec::new();
        };
        (first + 1..last)
            .filter(|p| !busy.contains(p))
            .filter_map(|p| {
                let slot = self.slots.get(p as usize)?;
                Some(if slot.is_break {
                    Gap::Break(p)
                } else {
                    Gap::Wait(p)
                })
            })
            .collect()
    }

    /// The times a participant available in the slots at `positions` can meet, as spans
    /// (from, to): runs of meeting slots one after the other merge, and a break inside a run
    /// does not cut it (it is nobody's meeting time), so "15:00–17:00" instead of six slots.
    pub fn available_spans(&self, positions: &[u32]) -> Vec<(NaiveTime, NaiveTime)> {
        let mut spans: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        let mut open = false;
        for (p, slot) in self.slots.iter().enumerate() {
            if slot.is_break {
                continue;
            }
            if !positions.contains(&(p as u32)) {
                open = false;
                continue;
            }
            match spans.last_mut() {
                Some(last) if open => last.1 = slot.ends_at,
                _ => spans.push((slot.starts_at, slot.ends_at)),
            }
            open = true;
        }
        spans
    }

    /// Whether `position` is a slot that can hold a meeting.
    pub fn is_meeting_slot(&self, position: u32) -> bool {
        self.slots
            .get(position as usize)
            .is_some_and(|s| !s.is_break)
    }

    /// A table's own name, if the organiser gave it one.
    pub fn table_name(&self, table: u32) -> Option<&str> {
        self.table_names.get(table as usize).map(String::as_str)
    }

    /// A table's label: its name, or its number from 1.
    pub fn table_label(&self, table: u32) -> String {
        self.table_name(table)
            .map_or_else(|| (table + 1).to_string(), str::to_string)
    }

    /// The slots as the lines [`Slot::parse_lines`] reads.
    pub fn slot_lines(&self) -> String {
        self.slots
            .iter()
            .map(Slot::to_line)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Start and end of a slot in UTC (the event's times are Danish local time).
    pub fn slot_utc(&self, position: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let s = self.slots.get(position as usize)?;
        Some((
            copenhagen_to_utc(self.held_on.and_time(s.starts_at)),
            copenhagen_to_utc(self.held_on.and_time(s.ends_at)),
        ))
    }
}

#[cfg(test)]
mod attendance_tests {
    use super::*;

    fn event(status: EventStatus, held_on: NaiveDate) -> Event {
        Event {
            cluster: ClusterId(1),
            name: Name::parse("Dag").expect("name"),
            place: String::new(),
            held_on,
            slots: Slot::parse_lines("09:00-09:20").expect("slots"),
            tables: 1,
            table_names: Vec::new(),
            status,
        }
    }

    #[test]
    fn attendance_is_taken_after_the_event() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).expect("day");
        let next = day.succ_opt().expect("next day");
        assert!(!event(EventStatus::Published, day).takes_attendance(day));
        assert!(event(EventStatus::Published, day).takes_attendance(next));
        assert!(event(EventStatus::Closed, next).takes_attendance(day));
        assert!(!event(EventStatus::Scheduled, day).takes_attendance(next));
        assert!(!event(EventStatus::Closed, day).registrations_editable());
        assert!(event(EventStatus::Published, day).registrations_editable());
    }
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut d = next.pred_opt()?;
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt()?;
    }
    Some(d)
}

/// Danish local time (Europe/Copenhagen) to UTC: UTC+1, and UTC+2 in summer time, which runs
/// (EU rule, since 1996) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
/// Sunday of October. A local time in the skipped spring hour is read as winter time.
pub fn copenhagen_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let year = local.date().year();
    let dst = match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(start), Some(end)) => {
            let start = start.and_hms_opt(1, 0, 0).map(|t| t.and_utc());
            let end = end.and_hms_opt(1, 0, 0).map(|t| t.and_utc());
            start.zip(end)
        }
        _ => None,
    };
    let summer = (local - Duration::hours(2)).and_utc();
    match dst {
        Some((start, end)) if summer >= start && summer < end => summer,
        _ => (local - Duration::hours(1)).and_utc(),
    }
}

/// Priorities a meeting request may carry: 1 (nice to have) to 5 (must meet).
pub const MAX_PRIORITY: u32 = 5;
/// The longest message with a request.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// A person registered for an event on behalf of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventParticipant {
    pub organisation: OrganisationId,
    pub name: Name,
    pub email: Email,
    /// Slot positions the participant can attend; `None` means every slot.
    pub available: Option<Vec<u32>>,
    /// At most this many meetings; `None` means no cap.
    pub max_meetings: Option<u32>,
}

impl EventParticipant {
    /// Checks the availability against the event's slots: every slot must exist and hold
    /// meetings.
    pub fn validate(&self, event: &Event) -> Result<(), DomainError> {
        if let Some(bad) = self
            .available
            .iter()
            .flatten()
            .find(|p| !event.is_meeting_slot(**p))
        {
            return Err(DomainError::InvalidValue {
                field: "available",
                input: bad.to_string(),
                expected: "slots of the event that are not breaks",
            });
        }
        if self.max_meetings.is_some_and(|m| m > 1000) {
            return Err(DomainError::InvalidValue {
                field: "max_meetings",
                input: self.max_meetings.unwrap_or_default().to_string(),
                expected: "at most 1000",
            });
        }
        Ok(())
    }

    /// Whether the participant can attend the slot at `position`.
    pub fn is_available(&self, position: u32) -> bool {
        self.available
            .as_ref()
            .is_none_or(|slots| slots.contains(&position))
    }
}

/// A request from one participant to meet another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequest {
    pub from: EventParticipantId,
    pub to: EventParticipantId,
    pub message: String,
    /// 1 to [`MAX_PRIORITY`].
    pub priority: u32,
    pub status: RequestStatus,
}

impl MeetingRequest {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.from == self.to {
            return Err(DomainError::InvalidValue {
                field: "to",
                input: self.to.to_string(),
                expected: "another participant than the one asking",
            });
        }
        if !(1..=MAX_PRIORITY).contains(&self.priority) {
            return Err(DomainError::InvalidValue {
                field: "priority",
                input: self.priority.to_string(),
                expected: "a priority from 1 to 5",
            });
        }
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(DomainError::InvalidValue {
                field: "message",
                input: format!("{} characters", self.message.chars().count()),
                expected: "at most 2000 characters",
            });
        }
        Ok(())
    }
}

/// A meeting where it is held: an accepted request in a slot (position) at a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub request: MeetingRequestId,
    pub with: [EventParticipantId; 2],
    pub slot: u32,
    pub table: u32,
}

/// Why a meeting cannot be moved where the organiser asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveConflict {
    #[error("slot {0} is not a slot of the event")]
    UnknownSlot(u32),
    #[error("slot {0} is a break")]
    BreakSlot(u32),
    #[error("table {0} is not a table of the event")]
    UnknownTable(u32),
    #[error("the table is taken by another meeting in that slot")]
    TableTaken(MeetingRequestId),
    #[error("participant {0} already has a meeting in that slot")]
    DoubleBooked(EventParticipantId),
    #[error("participant {0} is not available in that slot")]
    Unavailable(EventParticipantId),
}

/// Checks moving `meeting` to `slot` and `table` against the other placements of the event
/// and the participants' availability (`available(participant, slot)`).
pub fn check_move(
    event: &Event,
    meeting: &Placement,
    slot: u32,
    table: u32,
    placements: &[Placement],
    available: impl Fn(EventParticipantId, u32) -> bool,
) -> Result<(), MoveConflict> {
    if slot as usize >= event.slots.len() {
        return Err(MoveConflict::UnknownSlot(slot));
    }
    if !event.is_meeting_slot(slot) {
        return Err(MoveConflict::BreakSlot(slot));
    }
    if table >= event.tables {
        return Err(MoveConflict::UnknownTable(table));
    }
    for p in meeting.with {
        if !available(p, slot) {
            return Err(MoveConflict::Unavailable(p));
        }
    }
    for other in placements
        .iter()
        .filter(|o| o.request != meeting.request && o.slot == slot)
    {
        if let Some(p) = meeting.with.iter().find(|p| other.with.contains(p)) {
            return Err(MoveConflict::DoubleBooked(*p));
        }
        if other.table == table {
            return Err(MoveConflict::TableTaken(other.request));
        }
    }
    Ok(())
}

/// A participant's day in a schedule: meetings, and the waits between the first and last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub meetings: u32,
    /// Runs of meeting slots without a meeting between two meetings (breaks in the sense of
    /// the scheduling literature; flagged break slots do not count).
    pub waits: u32,
    /// Meeting slots without a meeting between the first and the last meeting.
    pub idle_slots: u32,
}

/// The load of one participant given the slot positions of its meetings.
pub fn load(event: &Event, slots_of_meetings: &[u32]) -> Load {
    let meeting_slots = event.meeting_slots();
    let mut busy: Vec<usize> = slots_of_meetings
        .iter()
        .filter_map(|s| meeting_slots.iter().position(|m| m == s))
        .collect();
    busy.sort_unstable();
    busy.dedup();
    let mut l = Load {
        meetings: slots_of_meetings.len() as u32,
        ..Load::default()
    };
    for w in busy.windows(2) {
        let gap = (w[1] - w[0]) as u32;
        if gap > 1 {
            l.waits += 1;
            l.idle_slots += gap - 1;
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn event(lines: &str) -> Event {
        Event {
            cluster: ClusterId(1),
            name: Name::parse("B2B").unwrap(),
            place: String::new(),
            held_on: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap_or_default(),
            slots: Slot::parse_lines(lines).unwrap(),
            tables: 2,
            table_names: vec!["A".into()],
            status: EventStatus::Draft,
        }
    }

    #[test]
    fn slot_lines_parse_and_refuse() {
        let s = Slot::parse_lines("09:00-09:20\n9.20-9.40\n\n12:00-13:00 pause\n").unwrap();
        assert_eq!(s.len(), 3);
        assert!(s[2].is_break && !s[1].is_break);
        assert_eq!(s[1].starts_at, t(9, 20));
        assert_eq!(s[2].to_line(), "12:00-13:00 pause");
        assert_eq!(
            Slot::parse_lines("09:00-08:00"),
            Err(SlotError::EndBeforeStart { line: 1 })
        );
        assert_eq!(
            Slot::parse_lines("09:00-09:30\n09:20-09:40"),
            Err(SlotError::Overlap { line: 2 })
        );
        assert!(matches!(
            Slot::parse_lines("9-10"),
            Err(SlotError::Format { line: 1, .. })
        ));
        assert!(matches!(
            Slot::parse_lines("09:00-09:20 kaffe"),
            Err(SlotError::Format { .. })
        ));
        assert_eq!(Slot::parse_lines(" \n"), Err(SlotError::Empty));
        assert_eq!(
            Slot::parse_lines("12:00-13:00 frokost"),
            Err(SlotError::OnlyBreaks)
        );
    }

    #[test]
    fn statuses_move_by_the_rules() {
        assert!(EventStatus::Draft.may_become(EventStatus::Open));
        assert!(!EventStatus::Draft.may_become(EventStatus::Published));
        assert!(!EventStatus::Open.may_become(EventStatus::Published));
        assert!(EventStatus::Scheduled.may_become(EventStatus::Published));
        assert!(RequestStatus::Requested.may_become(RequestStatus::Accepted));
        assert!(!RequestStatus::Cancelled.may_become(RequestStatus::Accepted));
    }

    #[test]
    fn copenhagen_winter_and_summer_time() {
        let d = |y, m, day, h| {
            NaiveDate::from_ymd_opt(y, m, day)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        assert_eq!(
            copenhagen_to_utc(d(2026, 1, 15, 9)),
            d(2026, 1, 15, 8).and_utc()
        );
        assert_eq!(
            copenhagen_to_utc(d(2026, 6, 10, 9)),
            d(2026, 6, 10, 7).and_utc()
        );
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(
            copenhagen_to_utc(d(2026, 3, 28, 12)),
            d(2026, 3, 28, 11).and_utc()
        );
        assert_eq!(
            copenhagen_to_utc(d(2026, 3, 29, 12)),
            d(2026, 3, 29, 10).and_utc()
        );
        assert_eq!(
            copenhagen_to_utc(d(2026, 10, 25, 12)),
            d(2026, 10, 25, 11).and_utc()
        );
    }

    #[test]
    fn moves_are_checked() {
        let e = event("09:00-09:20\n09:20-09:40\n09:40-10:00 pause\n10:00-10:20");
        let p = |r, a, b, slot, table| Placement {
            request: MeetingRequestId(r),
            with: [EventParticipantId(a), EventParticipantId(b)],
            slot,
            table,
        };
        let all = [p(1, 1, 2, 0, 0), p(2, 3, 4, 0, 1), p(3, 1, 3, 1, 0)];
        let anyone = |_, _| true;
        assert_eq!(
            check_move(&e, &all[0], 1, 1, &all, anyone),
            Err(MoveConflict::DoubleBooked(EventParticipantId(1)))
        );
        assert_eq!(
            check_move(&e, &all[2], 0, 1, &all, anyone),
            Err(MoveConflict::DoubleBooked(EventParticipantId(1)))
        );
        assert_eq!(
            check_move(&e, &all[0], 2, 0, &all, anyone),
            Err(MoveConflict::BreakSlot(2))
        );
        assert_eq!(
            check_move(&e, &all[0], 9, 0, &all, anyone),
            Err(MoveConflict::UnknownSlot(9))
        );
        assert_eq!(
            check_move(&e, &all[0], 3, 2, &all, anyone),
            Err(MoveConflict::UnknownTable(2))
        );
        let p5 = p(4, 5, 6, 3, 0);
        assert_eq!(
            check_move(&e, &p5, 0, 1, &all, anyone),
            Err(MoveConflict::TableTaken(MeetingRequestId(2)))
        );
        assert_eq!(
            check_move(&e, &all[0], 3, 0, &all, |who, s| who.0 != 2 || s != 3),
            Err(MoveConflict::Unavailable(EventParticipantId(2)))
        );
        assert_eq!(check_move(&e, &all[0], 3, 1, &all, anyone), Ok(()));
        assert_eq!(e.table_label(0), "A");
        assert_eq!(e.table_label(1), "2");
        assert_eq!(e.table_name(0), Some("A"));
        assert_eq!(e.table_name(1), None);
    }

    #[test]
    fn gaps_are_the_free_slots_and_breaks_between_the_first_and_last_meeting() {
        let e = event("09:00-09:20\n09:20-09:40\n09:40-10:00 pause\n10:00-10:20\n10:20-10:40");
        assert_eq!(e.gaps_between(&[]), vec![]);
        assert_eq!(e.gaps_between(&[1]), vec![]);
        // Before the first and after the last meeting is not waiting.
        assert_eq!(e.gaps_between(&[1, 3]), vec![Gap::Break(2)]);
        assert_eq!(
            e.gaps_between(&[4, 0]),
            vec![Gap::Wait(1), Gap::Break(2), Gap::Wait(3)]
        );
        assert_eq!(Gap::Wait(3).position(), 3);
    }

    #[test]
    fn available_slots_merge_into_spans_across_breaks_but_not_across_absence() {
        let e = event("09:00-09:20\n09:20-09:40\n09:40-10:00 pause\n10:00-10:20\n10:20-10:40");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a time");
        assert_eq!(e.available_spans(&[]), vec![]);
        assert_eq!(e.available_spans(&[0, 1, 3, 4]), vec![(t(9, 0), t(10, 40))]);
        assert_eq!(
            e.available_spans(&[4, 0]),
            vec![(t(9, 0), t(9, 20)), (t(10, 20), t(10, 40))]
        );
        // A position out of range or of a break adds nothing.
        assert_eq!(e.available_spans(&[2, 9]), vec![]);
    }

    #[test]
    fn load_counts_waits_between_meetings_not_breaks() {
        let e = event("09:00-09:20\n09:20-09:40\n09:40-10:00 pause\n10:00-10:20\n10:20-10:40");
        assert_eq!(
            load(&e, &[1, 3]),
            Load {
                meetings: 2,
                waits: 0,
                idle_slots: 0
            }
        );
        assert_eq!(
            load(&e, &[0, 4]),
            Load {
                meetings: 2,
                waits: 1,
                idle_slots: 2
            }
        );
    }

    #[test]
    fn requests_and_participants_are_validated() {
        let e = event("09:00-09:20\n09:20-09:40 pause");
        let mut r = MeetingRequest {
            from: EventParticipantId(1),
            to: EventParticipantId(1),
            message: String::new(),
            priority: 3,
            status: RequestStatus::Requested,
        };
        assert!(r.validate().is_err());
        r.to = EventParticipantId(2);
        assert!(r.validate().is_ok());
        r.priority = 0;
        assert!(r.validate().is_err());
        let mut p = EventParticipant {
            organisation: OrganisationId(1),
            name: Name::parse("Anna").unwrap(),
            email: Email::parse("anna@example.dk").unwrap(),
            available: Some(vec![0]),
            max_meetings: None,
        };
        assert!(p.validate(&e).is_ok());
        p.available = Some(vec![1]);
        assert!(p.validate(&e).is_err());
        p.available = Some(vec![7]);
        assert!(p.validate(&e).is_err());
    }
}
