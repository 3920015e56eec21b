//! The mutable search state: a slot (or none) per meeting, with the indexes
//! that make every feasibility test and objective update O(meeting size).

use crate::bits;
use crate::model::{Instance, NONE};

/// An unordered set of indices with O(1) insert, remove and random pick.
#[derive(Debug, Clone)]
pub(crate) struct IndexSet {
    pub(crate) items: Vec<u32>,
    pos: Vec<u32>,
}

impl IndexSet {
    pub(crate) fn new(universe: usize) -> Self {
        IndexSet {
            items: Vec::new(),
            pos: vec![NONE; universe],
        }
    }

    pub(crate) fn insert(&mut self, x: u32) {
        if self.pos[x as usize] == NONE {
            self.pos[x as usize] = self.items.len() as u32;
            self.items.push(x);
        }
    }

    pub(crate) fn remove(&mut self, x: u32) {
        let i = self.pos[x as usize];
        if i != NONE {
            let last = self.items.len() - 1;
            self.items.swap(i as usize, last);
            self.pos[self.items[i as usize] as usize] = i;
            self.items.pop();
            self.pos[x as usize] = NONE;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct State<'a> {
    pub(crate) inst: &'a Instance,
    /// Slot per meeting, [`NONE`] if unscheduled.
    pub(crate) slot_of: Vec<u32>,
    /// `participants × slots`: the meeting a participant holds in a slot.
    pub(crate) occ: Vec<u32>,
    /// `participants × words`: slots in which a participant is busy.
    pub(crate) busy: Vec<u64>,
    /// Meetings per slot.
    pub(crate) load: Vec<u32>,
    /// Meetings per participant.
    pub(crate) count: Vec<u32>,
    /// Breaks per participant.
    pub(crate) pbreaks: Vec<u32>,
    pub(crate) breaks: u64,
    /// Idle slots inside each participant's span (first to last meeting).
    pidle: Vec<u32>,
    /// Total of `pidle`: a finer guide than breaks for the annealing, since
    /// shrinking a gap is progress towards closing it.
    pub(crate) idle: u64,
    pub(crate) priority: u64,
    /// Unscheduled meetings that have a non-empty domain.
    pub(crate) unscheduled: IndexSet,
    /// Participants with more breaks than their floor.
    pub(crate) with_breaks: IndexSet,
    /// Per participant, breaks it cannot avoid on its own (see `lower`); zero
    /// unless set before the first placement.
    pub(crate) floor: Vec<u32>,
    /// Meetings in each slot (one index set per slot would cost slots × M, so
    /// positions are shared: a meeting is in at most one slot).
    pub(crate) in_slot: Vec<Vec<u32>>,
    slot_pos: Vec<u32>,
    /// Meetings the search must not move (re-scheduling).
    pub(crate) pinned: Vec<bool>,
    /// The held meetings are final: nothing is inserted any more, and
    /// `floor` is the floor of the held meetings (see [`State::fix_held`]).
    pub(crate) held_fixed: bool,
}

impl<'a> State<'a> {
    pub(crate) fn new(inst: &'a Instance) -> Self {
        let np = inst.participant_ids.len();
        let nm = inst.meeting_ids.len();
        let mut unscheduled = IndexSet::new(nm);
        for m in 0..nm {
            if bits::count(inst.domain_of(m)) > 0 {
                unscheduled.insert(m as u32);
            }
        }
        State {
            inst,
            slot_of: vec![NONE; nm],
            occ: vec![NONE; np * inst.slots],
            busy: vec![0; np * inst.words],
            load: vec![0; inst.slots],
            count: vec![0; np],
            pbreaks: vec![0; np],
            breaks: 0,
            pidle: vec![0; np],
            idle: 0,
            priority: 0,
            unscheduled,
            with_breaks: IndexSet::new(np),
            floor: vec![0; np],
            held_fixed: false,
            in_slot: vec![Vec::new(); inst.slots],
            slot_pos: vec![NONE; nm],
            pinned: vec![false; nm],
        }
    }

    #[inline]
    pub(crate) fn occupant(&self, p: u32, s: usize) -> u32 {
        self.occ[p as usize * self.inst.slots + s]
    }

    #[inline]
    fn busy_of(&self, p: usize) -> &[u64] {
        &self.busy[p * self.inst.words..(p + 1) * self.inst.words]
    }

    fn refresh_breaks(&mut self, p: usize) {
        let i = bits::span_idle(self.busy_of(p));
        self.idle = self.idle + u64::from(i) - u64::from(self.pidle[p]);
        self.pidle[p] = i;
        let b = bits::breaks(self.busy_of(p));
        self.breaks = self.breaks + u64::from(b) - u64::from(self.pbreaks[p]);
        self.pbreaks[p] = b;
        if b > self.floor[p] {
            self.with_breaks.insert(p as u32);
        } else {
            self.with_breaks.remove(p as u32);
        }
    }

    /// Puts unscheduled `m` into slot `s`; the caller has checked feasibility.
    pub(crate) fn place(&mut self, m: usize, s: usize) {
        let inst = self.inst;
        debug_assert_eq!(self.slot_of[m], NONE);
        self.slot_of[m] = s as u32;
        for &p in inst.members.row(m) {
            let p = p as usize;
            self.occ[p * inst.slots + s] = m as u32;
            bits::set(&mut self.busy[p * inst.words..(p + 1) * inst.words], s);
            self.count[p] += 1;
            self.refresh_breaks(p);
        }
        self.load[s] += 1;
        self.priority += u64::from(inst.priority[m]);
        self.unscheduled.remove(m as u32);
        self.slot_pos[m] = self.in_slot[s].len() as u32;
        self.in_slot[s].push(m as u32);
    }

    /// Takes scheduled `m` out of its slot.
    pub(crate) fn remove(&mut self, m: usize) {
        let inst = self.inst;
        let s = self.slot_of[m] as usize;
        self.slot_of[m] = NONE;
        for &p in inst.members.row(m) {
            let p = p as usize;
            self.occ[p * inst.slots + s] = NONE;
            bits::clear(&mut self.busy[p * inst.words..(p + 1) * inst.words], s);
            self.count[p] -= 1;
            self.refresh_breaks(p);
        }
        self.load[s] -= 1;
        self.priority -= u64::from(inst.priority[m]);
        self.unscheduled.insert(m as u32);
        let i = self.slot_pos[m] as usize;
        let list = &mut self.in_slot[s];
        let last = list.len() - 1;
        list.swap(i, last);
        let moved = list[i];
        self.slot_pos[moved as usize] = i as u32;
        list.pop();
        self.slot_pos[m] = NONE;
    }

    /// Whether the `after` orders allow `m` in slot `s` given the current slots.
    #[inline]
    pub(crate) fn order_ok(&self, m: usize, s: usize) -> bool {
        let s = s as u32;
        self.inst
            .preds
            .row(m)
            .iter()
            .all(|&q| self.slot_of[q as usize] == NONE || self.slot_of[q as usize] < s)
            && self
                .inst
                .succs
                .row(m)
                .iter()
                .all(|&q| self.slot_of[q as usize] == NONE || self.slot_of[q as usize] > s)
    }

    /// Whether unscheduled `m` can be placed in `s` without moving anything.
    pub(crate) fn can_place(&self, m: usize, s: usize) -> bool {
        let inst = self.inst;
        inst.in_domain(m, s)
            && self.load[s] < inst.tables
            && inst.members.row(m).iter().all(|&p| {
                self.occupant(p, s) == NONE
                    && self.count[p as usize] < inst.max_meetings[p as usize]
            })
            && self.order_ok(m, s)
    }

    /// Change in total breaks if unscheduled `m` were placed in free slot `s`.
    pub(crate) fn place_delta(&mut self, m: usize, s: usize) -> i64 {
        let inst = self.inst;
        let mut d = 0i64;
        for &p in inst.members.row(m) {
            let p = p as usize;
            let w = &mut self.busy[p * inst.words..(p + 1) * inst.words];
            bits::set(w, s);
            d += i64::from(bits::breaks(w)) - i64::from(self.pbreaks[p]);
            bits::clear(w, s);
        }
        d
    }

    /// The feasible slot for unscheduled `m` with the fewest added breaks
    /// (ties broken by a random key), if any.
    pub(crate) fn best_free_slot(&mut self, m: usize, salt: u64) -> Option<usize> {
        let mut best: Option<(i64, u64, usize)> = None;
        let slots: Vec<usize> = bits::iter(self.inst.domain_of(m)).collect();
        for s in slots {
            if !self.can_place(m, s) {
                continue;
            }
            let d = self.place_delta(m, s);
            let key = (s as u64 ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            if best.is_none_or(|(bd, bk, _)| (d, key) < (bd, bk)) {
                best = Some((d, key, s));
            }
        }
        best.map(|(_, _, s)| s)
    }

    /// Makes the held meetings final: from now on the search only moves
    /// them, and each participant's floor becomes that of its held meetings
    /// (with fewer meetings held than requested it may be lower), so that the
    /// floors bound the breaks of every schedule the search can still reach.
    pub(crate) fn fix_held(&mut self) {
        let slots = self.snapshot();
        self.floor = crate::lower::held_floors(self.inst, &|m| slots[m] != NONE);
        self.held_fixed = true;
        self.restore(&slots);
    }

    /// No schedule the search can still reach has fewer breaks: every
    /// participant is at its floor and no meeting is left to insert.
    pub(crate) fn at_floors(&self) -> bool {
        self.with_breaks.is_empty() && (self.held_fixed || self.unscheduled.is_empty())
    }

    /// Snapshot of the slot assignment.
    pub(crate) fn snapshot(&self) -> Vec<u32> {
        self.slot_of.clone()
    }

    /// Resets the state to a snapshot taken from this instance.
    pub(crate) fn restore(&mut self, slots: &[u32]) {
        let pinned = std::mem::take(&mut self.pinned);
        let floor = std::mem::take(&mut self.floor);
        let held_fixed = self.held_fixed;
        *self = State::new(self.inst);
        self.pinned = pinned;
        self.floor = floor;
        self.held_fixed = held_fixed;
        for (m, &s) in slots.iter().enumerate() {
            if s != NONE {
                self.place(m, s as usize);
            }
        }
    }
}
