//! # klynge-scheduler: near-optimal B2B meeting scheduling
//!
//! A pure library (no I/O, no async) that schedules the meetings of a B2B
//! brokerage event into time slots and tables.
//!
//! ## Input format (JSON)
//! ```json
//! { "name": "…", "slots": 16, "tables": 60,
//!   "participants": [ {"id": "p1", "available": [0,1,2,3], "max_meetings": 8} ],
//!   "meetings": [ {"id": "m1", "with": ["p1","p2"], "priority": 3,
//!                  "allowed": [0,1,2], "fixed_slot": 2, "after": ["m0"]} ] }
//! ```
//! - `slots` (≥ 1, ≤ [`MAX_SLOTS`]): slots are numbered `0..slots`; `tables` (≥ 1):
//!   tables usable in every slot.
//! - Participant: unique `id`; `available` slots (default: all);
//!   `max_meetings` (default: no cap).
//! - Meeting: unique `id`; `with`: two or more distinct participant ids;
//!   `priority` (default 1); `allowed` slots (default: all); `fixed_slot`
//!   (the meeting is held in that slot or not at all; an explicit fixing by the
//!   organiser overrides `allowed`, the requested window, but never a
//!   participant's availability — the public benchmark's `fixed040` variants
//!   fix three morning-only meetings in the afternoon); `after`: meetings that,
//!   if scheduled, must be held in a strictly earlier slot.
//! - Unknown fields are rejected. [`Instance::from_json`] validates everything
//!   and returns a [`ScheduleError`] naming the offending item: unknown or
//!   duplicate ids, slots out of range, fewer than two distinct participants,
//!   `after` cycles, fixed slots where a participant is unavailable, two fixed
//!   meetings of one participant in one slot, more fixed meetings in a slot than
//!   tables, fixed slots against an `after` order, zero slots or tables.
//!
//! ## Rules
//! A participant has at most one meeting per slot, only in slots it is
//! available and the meeting allows; at most `tables` meetings per slot; at
//! most `max_meetings` per participant; fixed slots hold. `after` orders hold
//! between scheduled meetings: **a meeting whose predecessor is unscheduled may
//! still be scheduled** (the order only binds pairs that are both held).
//! A meeting whose participants share no slot is simply unscheduled.
//!
//! ## Objective (lexicographic)
//! 1. maximise the summed priority of scheduled meetings;
//! 2. minimise breaks: a break is a maximal run of idle slots between two
//!    consecutive meetings of a participant (unavailable slots count as idle, as
//!    in the literature);
//! 3. keep participants at the same table between consecutive meetings (a
//!    post-pass per slot, see `tables`).
//!
//! `idle_slots` reports the free *available* slots participants spend waiting
//! between their first and last meeting. `upper_bound` is a proven bound on
//! the priority sum ([`upper_bound`] explains the proof); where the schedule
//! does not meet it, a Lagrangian dual refined beside the search tightens it
//! (never above [`upper_bound`]).
//!
//! ## Output format (JSON, [`Solution`])
//! ```json
//! {"scheduled": [{"meeting": "m1", "slot": 3, "table": 0}], "unscheduled": ["m7"],
//!  "stats": {"scheduled": 1, "priority_sum": 3, "upper_bound": 4, "breaks": 0,
//!            "idle_slots": 0, "breaks_lower_bound": 0, "seconds": 0.5}}
//! ```
//!
//! ## Algorithm
//! Greedy construction, then a tabu ejection-chain search for objective 1
//! (up to half the time limit, stopping early when everything is scheduled or
//! the bound is reached), then simulated annealing for objective 2 (three
//! independent runs from the same start on events up to 5,000 meetings, the
//! best kept; with two or more cores a second thread makes the same runs with
//! other random choices), then table assignment. The annealing cost is
//! `4 · breaks + idle slots inside spans` (the idle term gives plateaus of
//! equal breaks a slope towards closing gaps); its moves are Kempe-chain slot
//! swaps and, 3 % of the time, large moves that re-assign all meetings of one
//! participant optimally (Hungarian method) or ruin and recreate the meetings
//! of two or three participants; 1 % of the moves permute whole slots (see
//! `lns`).
//!
//! Each participant has a *floor*: the breaks it needs on its own, when no
//! window of consecutive slots fits all its meetings (forbidden slots,
//! morning-only and afternoon-only requests; see [`breaks_lower_bound`]). The
//! search aims at participants above their floor and stops as soon as every
//! participant is at it, since no schedule holding the same meetings has
//! fewer breaks.
//!
//! On events of up to about 20,000 meeting-slot pairs where every meeting is
//! held (or up to 250 meetings are held and the priority has reached its
//! proven bound; the held meetings are then fixed), an **exact search** runs
//! in a second thread instead of a second annealing: a SAT model of the held
//! meetings under "at most k breaks" (CaDiCaL). From below it tries k = the
//! proven bound, starting at the floors; each k it refutes raises the bound,
//! reported as `stats.breaks_lower_bound`. From above it makes large neighbourhood moves:
//! all meetings but a neighbourhood stay where the best schedule has them, no
//! participant may get more breaks, the total must drop, and the solver
//! re-places the freed meetings. The annealing gets 60 % of the time (two
//! runs) and then makes the same moves in its own thread; the best schedule
//! either finds is kept, and the run ends early when it meets the bound (proven
//! optimal). Breaks that come from participants competing for slots and
//! tables are invisible to the floors and proven only this way.
//!
//! Deterministic for a given seed and iteration cap (the cap applies to each
//! annealing thread; the exact search, which runs by the clock, is left out
//! of capped runs); the best schedule found within the time limit is
//! returned. The bound's refinement also stops at the time limit, so on a
//! slow machine a capped run may report a looser (still proven) bound.
//!
//! ## Example
//! ```
//! use klynge_scheduler::{Instance, Options, schedule, verify};
//! let inst = Instance::from_json(r#"{"slots": 2, "tables": 1,
//!   "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
//!   "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "bc", "with": ["b", "c"]}]}"#)?;
//! let sol = schedule(&inst, &Options { time_limit: std::time::Duration::from_millis(50), ..Options::default() });
//! assert_eq!(sol.stats.scheduled, 2);
//! verify(&inst, &sol)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bits;
mod bound;
mod budget;
mod construct;
mod dual;
mod error;
mod exact;
mod format;
pub mod generate;
mod improve;
mod lns;
mod lower;
mod model;
mod neighbourhood;
mod rng;
mod solve;
mod state;
mod tables;
mod validate;
mod verify;

pub use bound::upper_bound;
pub use error::{ScheduleError, Violation};
pub use format::{InstanceInput, MeetingInput, ParticipantInput, Placement, Solution, Stats};
pub use lower::breaks_lower_bound;
pub use model::Instance;
pub use solve::{
    Options, Phase, Progress, reschedule, reschedule_with_progress, schedule,
    schedule_with_progress,
};
pub use validate::MAX_SLOTS;
pub use verify::verify;

impl Solution {
    /// The solution as pretty-printed JSON (the output format).
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
