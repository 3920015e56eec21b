//! Error types: bad input ([`ScheduleError`]) and broken schedules ([`Violation`]).

use thiserror::Error;

/// Why an input cannot be scheduled. Every variant names the offending item
/// and says what was expected; no schedule is produced.
#[derive(Debug, Error)]
pub enum ScheduleError {
    /// The text is not valid JSON or does not match the input format.
    /// The message carries the parser's own text; it is not also given as a source, so that
    /// an error chain does not print it twice.
    #[error("invalid input JSON: {0}")]
    Json(serde_json::Error),
    /// `slots` is 0.
    #[error("`slots` is 0; expected at least 1 slot")]
    NoSlots,
    /// `slots` exceeds [`crate::MAX_SLOTS`].
    #[error("`slots` is {slots}; expected at most {max}")]
    TooManySlots {
        /// The given value.
        slots: u32,
        /// The supported maximum.
        max: u32,
    },
    /// `tables` is 0.
    #[error("`tables` is 0; expected at least 1 table")]
    NoTables,
    /// An id is the empty string.
    #[error("a {kind} has an empty id; expected a non-empty id")]
    EmptyId {
        /// "participant" or "meeting".
        kind: &'static str,
    },
    /// Two participants share an id.
    #[error("duplicate participant id {id:?}; expected unique ids")]
    DuplicateParticipant {
        /// The repeated id.
        id: String,
    },
    /// Two meetings share an id.
    #[error("duplicate meeting id {id:?}; expected unique ids")]
    DuplicateMeeting {
        /// The repeated id.
        id: String,
    },
    /// A slot number is not below `slots`.
    #[error("{field} of {owner:?} contains slot {slot}; expected a slot in 0..{slots}")]
    SlotOutOfRange {
        /// Which list: "available", "allowed" or "fixed_slot".
        field: &'static str,
        /// Participant or meeting id.
        owner: String,
        /// The bad slot.
        slot: u32,
        /// Number of slots.
        slots: u32,
    },
    /// A meeting names a participant that does not exist.
    #[error(
        "meeting {meeting:?} is with unknown participant {participant:?}; expected a participant id"
    )]
    UnknownParticipant {
        /// Meeting id.
        meeting: String,
        /// The unknown participant id.
        participant: String,
    },
    /// A meeting lists the same participant twice.
    #[error("meeting {meeting:?} lists participant {participant:?} more than once")]
    RepeatedParticipant {
        /// Meeting id.
        meeting: String,
        /// The repeated participant id.
        participant: String,
    },
    /// A meeting has fewer than two distinct participants.
    #[error("meeting {meeting:?} has {distinct} distinct participant(s); expected at least 2")]
    TooFewParticipants {
        /// Meeting id.
        meeting: String,
        /// Number of distinct participants.
        distinct: usize,
    },
    /// `after` names a meeting that does not exist.
    #[error("meeting {meeting:?} is after unknown meeting {after:?}; expected a meeting id")]
    UnknownPredecessor {
        /// Meeting id.
        meeting: String,
        /// The unknown id.
        after: String,
    },
    /// The `after` relation has a cycle (including a meeting after itself).
    #[error("`after` orders form a cycle: {}; expected an acyclic order", cycle.join(" -> "))]
    PrecedenceCycle {
        /// Meeting ids along the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A fixed slot is one in which a participant is not available.
    #[error(
        "meeting {meeting:?} is fixed to slot {slot}, but participant {participant:?} is not available then"
    )]
    FixedSlotUnavailable {
        /// Meeting id.
        meeting: String,
        /// The fixed slot.
        slot: u32,
        /// The unavailable participant.
        participant: String,
    },
    /// Two meetings of one participant are fixed to the same slot.
    #[error(
        "meetings {first:?} and {second:?} are both fixed to slot {slot} and share participant {participant:?}"
    )]
    FixedSlotClash {
        /// First meeting id.
        first: String,
        /// Second meeting id.
        second: String,
        /// The slot.
        slot: u32,
        /// The shared participant.
        participant: String,
    },
    /// More meetings are fixed to one slot than there are tables.
    #[error("{count} meetings are fixed to slot {slot}, but there are only {tables} tables")]
    FixedSlotOverTables {
        /// The slot.
        slot: u32,
        /// Number of meetings fixed there.
        count: usize,
        /// Number of tables.
        tables: u32,
    },
    /// Fixed slots contradict an `after` order.
    #[error(
        "meeting {meeting:?} (fixed to slot {slot}) must be after {after:?} (fixed to slot {after_slot})"
    )]
    FixedOrderContradiction {
        /// Meeting id.
        meeting: String,
        /// Its fixed slot.
        slot: u32,
        /// The predecessor id.
        after: String,
        /// The predecessor's fixed slot.
        after_slot: u32,
    },
}

/// A rule a [`crate::Solution`] breaks, found by [`crate::verify`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Violation {
    /// A placement names an unknown meeting.
    #[error("unknown meeting {0:?} in the schedule")]
    UnknownMeeting(String),
    /// A meeting appears more than once among scheduled and unscheduled.
    #[error("meeting {0:?} is listed more than once")]
    Duplicate(String),
    /// A meeting is neither scheduled nor unscheduled.
    #[error("meeting {0:?} is neither scheduled nor unscheduled")]
    Missing(String),
    /// A slot or table number is out of range.
    #[error("meeting {meeting:?} is at slot {slot}, table {table}, outside the event")]
    OutOfRange {
        /// Meeting id.
        meeting: String,
        /// Slot.
        slot: u32,
        /// Table.
        table: u32,
    },
    /// Two meetings at one table in one slot.
    #[error("meetings {first:?} and {second:?} share table {table} in slot {slot}")]
    TableClash {
        /// First meeting.
        first: String,
        /// Second meeting.
        second: String,
        /// Slot.
        slot: u32,
        /// Table.
        table: u32,
    },
    /// A meeting in a slot it does not allow or a participant cannot attend.
    #[error("meeting {meeting:?} is in slot {slot}, which is not allowed or not available")]
    NotAllowed {
        /// Meeting id.
        meeting: String,
        /// Slot.
        slot: u32,
    },
    /// A fixed meeting in another slot.
    #[error("meeting {meeting:?} is in slot {slot} but fixed to {fixed}")]
    NotFixedSlot {
        /// Meeting id.
        meeting: String,
        /// Slot used.
        slot: u32,
        /// Fixed slot.
        fixed: u32,
    },
    /// A participant in two meetings in one slot.
    #[error("participant {participant:?} has two meetings in slot {slot}")]
    DoubleBooked {
        /// Participant id.
        participant: String,
        /// Slot.
        slot: u32,
    },
    /// A participant above `max_meetings`.
    #[error("participant {participant:?} has {count} meetings, more than {max}")]
    OverCap {
        /// Participant id.
        participant: String,
        /// Meetings held.
        count: u32,
        /// The cap.
        max: u32,
    },
    /// An `after` order broken.
    #[error("meeting {meeting:?} (slot {slot}) is not after {after:?} (slot {after_slot})")]
    Order {
        /// Meeting id.
        meeting: String,
        /// Its slot.
        slot: u32,
        /// Predecessor id.
        after: String,
        /// Predecessor's slot.
        after_slot: u32,
    },
    /// The reported stats differ from the recomputed ones.
    #[error("reported {field} is {reported}, recomputed {actual}")]
    Stats {
        /// Which figure.
        field: &'static str,
        /// Value in the solution.
        reported: u64,
        /// Recomputed value.
        actual: u64,
    },
}

impl From<serde_json::Error> for ScheduleError {
    fn from(e: serde_json::Error) -> Self {
        ScheduleError::Json(e)
    }
}
