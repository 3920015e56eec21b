//! The serde types of the JSON input and output format (see the crate docs).
//!
//! These are the *unvalidated* wire types: [`crate::Instance::new`] turns an
//! [`InstanceInput`] into a validated, indexed [`crate::Instance`].

use serde::{Deserialize, Serialize};

/// One scheduling problem as it arrives from JSON or from the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceInput {
    /// Free-form name of the event, echoed nowhere but useful in logs.
    #[serde(default)]
    pub name: String,
    /// Number of time slots; slots are numbered `0..slots`.
    pub slots: u32,
    /// Number of tables (locations) available in every slot.
    pub tables: u32,
    /// The participants (people or organisations) that meet.
    pub participants: Vec<ParticipantInput>,
    /// The requested meetings.
    pub meetings: Vec<MeetingInput>,
}

/// A participant of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// Unique id.
    pub id: String,
    /// Slots the participant can attend; `None` means every slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Vec<u32>>,
    /// Maximum number of meetings; `None` means no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_meetings: Option<u32>,
}

/// A requested meeting between two or more participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Unique id.
    pub id: String,
    /// Ids of the participants; at least two distinct ones.
    pub with: Vec<String>,
    /// Weight in the objective; default 1.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Slots the meeting may use; `None` means every slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<u32>>,
    /// The meeting must be held in exactly this slot (or not at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_slot: Option<u32>,
    /// Meetings that, when scheduled, must be held in a strictly earlier slot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

fn default_priority() -> u32 {
    1
}

/// The result of a scheduling run, exactly the JSON output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    /// Scheduled meetings, ordered by slot, then table.
    pub scheduled: Vec<Placement>,
    /// Ids of meetings that could not be scheduled, in input order.
    pub unscheduled: Vec<String>,
    /// Figures about the schedule.
    pub stats: Stats,
}

/// Where a meeting is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// Meeting id.
    pub meeting: String,
    /// Slot, from 0.
    pub slot: u32,
    /// Table, from 0.
    pub table: u32,
}

/// Figures about a schedule (recomputed independently by [`crate::verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Number of scheduled meetings.
    pub scheduled: u64,
    /// Summed priority of the scheduled meetings (objective 1, maximised).
    pub priority_sum: u64,
    /// A proven upper bound on `priority_sum`: [`crate::upper_bound`], or
    /// tighter where the dual refinement improved on it.
    pub upper_bound: u64,
    /// Total breaks over all participants (objective 2, minimised).
    pub breaks: u64,
    /// Free, available slots participants spend waiting between their first and last meeting.
    pub idle_slots: u64,
    /// A proven lower bound on `breaks` for the meetings this schedule holds:
    /// each participant's own floor (see [`crate::breaks_lower_bound`]), raised
    /// by the exact search where it ran. Equal to `breaks`: proven optimal.
    /// After [`crate::reschedule`] it holds for the schedules that keep the
    /// kept meetings where they are.
    #[serde(default)]
    pub breaks_lower_bound: u64,
    /// Wall-clock seconds the scheduler ran.
    pub seconds: f64,
}
