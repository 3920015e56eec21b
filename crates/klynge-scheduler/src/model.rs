//! The validated, indexed instance the algorithms work on.
//!
//! Participants and meetings are numbered `0..n` in input order; slot sets are
//! flat bitsets (`words` `u64`s per row); adjacency lists are compressed
//! (CSR) so 200,000 meetings cost a few megabytes.

use std::collections::HashMap;

use crate::bits;
use crate::error::ScheduleError;
use crate::format::InstanceInput;

/// Sentinel for "no value" in `u32` index arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// Compressed adjacency lists: row `i` is `items[start[i]..start[i + 1]]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Csr {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Builds rows from `(row, item)` pairs, keeping pair order within a row.
    pub(crate) fn from_pairs(rows: usize, pairs: &[(u32, u32)]) -> Self {
        let mut start = vec![0u32; rows + 1];
        for &(r, _) in pairs {
            start[r as usize + 1] += 1;
        }
        for i in 0..rows {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut items = vec![0u32; pairs.len()];
        for &(r, it) in pairs {
            items[fill[r as usize] as usize] = it;
            fill[r as usize] += 1;
        }
        Csr { start, items }
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[u32] {
        &self.items[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

/// A validated scheduling problem. Build it with [`Instance::from_json`] or
/// [`Instance::new`]; every index inside is guaranteed consistent.
#[derive(Debug, Clone)]
pub struct Instance {
    pub(crate) name: String,
    pub(crate) slots: usize,
    pub(crate) tables: u32,
    pub(crate) words: usize,
    pub(crate) participant_ids: Vec<String>,
    /// `participants × words`: slots each participant can attend.
    pub(crate) available: Vec<u64>,
    /// Per participant; [`NONE`] = no cap.
    pub(crate) max_meetings: Vec<u32>,
    pub(crate) meeting_ids: Vec<String>,
    pub(crate) priority: Vec<u32>,
    /// `meetings × words`: the meeting's `allowed` slots.
    pub(crate) allowed: Vec<u64>,
    pub(crate) fixed: Vec<Option<u32>>,
    /// Meeting → participants.
    pub(crate) members: Csr,
    /// Participant → meetings.
    pub(crate) meetings_of: Csr,
    /// Meeting → meetings that must come earlier.
    pub(crate) preds: Csr,
    /// Meeting → meetings that must come later.
    pub(crate) succs: Csr,
    /// `meetings × words`: slots the meeting can actually use
    /// (allowed ∩ every participant's availability ∩ fixed slot).
    pub(crate) domain: Vec<u64>,
    pub(crate) meeting_index: HashMap<String, u32>,
}

impl Instance {
    /// Parses and validates the JSON input format described in the crate docs.
    pub fn from_json(text: &str) -> Result<Instance, ScheduleError> {
        let input: InstanceInput = serde_json::from_str(text)?;
        Instance::new(&input)
    }

    /// Validates an input and builds the indexed instance.
    pub fn new(input: &InstanceInput) -> Result<Instance, ScheduleError> {
        crate::validate::build(input)
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Number of tables per slot.
    pub fn tables(&self) -> u32 {
        self.tables
    }

    /// Participant ids, in input order.
    pub fn participant_ids(&self) -> &[String] {
        &self.participant_ids
    }

    /// Meeting ids, in input order.
    pub fn meeting_ids(&self) -> &[String] {
        &self.meeting_ids
    }

    /// Number of meetings.
    pub fn meeting_count(&self) -> usize {
        self.meeting_ids.len()
    }

    /// Number of participants.
    pub fn participant_count(&self) -> usize {
        self.participant_ids.len()
    }

    /// Sum of all meetings' priorities.
    pub fn total_priority(&self) -> u64 {
        self.priority.iter().map(|&p| u64::from(p)).sum()
    }

    #[inline]
    pub(crate) fn domain_of(&self, m: usize) -> &[u64] {
        &self.domain[m * self.words..(m + 1) * self.words]
    }

    #[inline]
    pub(crate) fn available_of(&self, p: usize) -> &[u64] {
        &self.available[p * self.words..(p + 1) * self.words]
    }

    /// Breaks of participant `p` when meeting `m` is in slot `slots[m]`
    /// ([`NONE`]: not held); `busy` is a buffer of `words` words.
    pub(crate) fn breaks_in(&self, slots: &[u32], p: usize, busy: &mut [u64]) -> u32 {
        busy.fill(0);
        for &m in self.meetings_of.row(p) {
            let s = slots[m as usize];
            if s != NONE {
                bits::set(busy, s as usize);
            }
        }
        bits::breaks(busy)
    }

    #[inline]
    pub(crate) fn in_domain(&self, m: usize, s: usize) -> bool {
        bits::test(self.domain_of(m), s)
    }
}
