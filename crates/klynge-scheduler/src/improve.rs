//! Phase 2: minimise breaks while keeping every scheduled meeting.
//!
//! Simulated annealing over slot assignments. The move is a Kempe-chain swap
//! between two slots `a` and `b`: starting from one or two seed meetings,
//! collect every meeting in `a` or `b` connected to them through a shared
//! participant and exchange the slots of the whole chain. Participants in the
//! chain keep one meeting per slot by construction, participants outside it are
//! untouched; a chain of one meeting is a plain move to a free slot, two seeds
//! give a swap. Domains, table capacity and `after` orders are checked before
//! the move, so every visited state is feasible. Unscheduled meetings are
//! offered a free slot now and then, since moves may open room for them.

use crate::bits;
use crate::budget::Budget;
use crate::construct::{Best, insert_free};
use crate::lns::Lns;
use crate::model::NONE;
use crate::rng::Rng;
use crate::state::State;

/// Share of iterations spent on the large moves of [`crate::lns`].
const LARGE_MOVE_RATE: f64 = 0.03;

/// Share of iterations spent on whole-slot permutations (see
/// [`Lns::permute_slots`]).
const SLOT_MOVE_RATE: f64 = 0.01;

/// Weight of a break against one idle slot in the annealing cost.
const BREAK_WEIGHT: i64 = 4;

/// Longest chain considered; longer chains rarely improve and cost time.
const MAX_CHAIN: usize = 200;

struct Chain {
    mark: Vec<u32>,
    stamp: u32,
    /// (meeting, slot it moves to).
    moves: Vec<(u32, u32)>,
    /// The two slots of the chain.
    pair: (u32, u32),
}

impl Chain {
    fn new(meetings: usize) -> Self {
        Chain {
            mark: vec![0; meetings],
            stamp: 0,
            moves: Vec::new(),
            pair: (0, 0),
        }
    }

    /// Builds the chain between slots `a` and `b` from `seeds`; returns false
    /// if it is infeasible (pinned, out of domain, capacity, order, too long).
    fn build(&mut self, st: &State, seeds: &[u32], a: u32, b: u32) -> bool {
        let inst = st.inst;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.iter_mut().for_each(|x| *x = 0);
            self.stamp = 1;
        }
        self.moves.clear();
        for &x in seeds {
            if self.mark[x as usize] != self.stamp {
                self.mark[x as usize] = self.stamp;
                let to = if st.slot_of[x as usize] == a { b } else { a };
                self.moves.push((x, to));
            }
        }
        let mut i = 0;
        let (mut into_a, mut into_b) = (0u32, 0u32);
        while i < self.moves.len() {
            let (x, to) = self.moves[i];
            i += 1;
            let x = x as usize;
            if st.pinned[x] || !inst.in_domain(x, to as usize) {
                return false;
            }
            if to == a {
                into_a += 1;
            } else {
                into_b += 1;
            }
            let back = if to == a { b } else { a };
            for &p in inst.members.row(x) {
                let y = st.occupant(p, to as usize);
                if y != NONE && self.mark[y as usize] != self.stamp {
                    self.mark[y as usize] = self.stamp;
                    self.moves.push((y, back));
                    if self.moves.len() > MAX_CHAIN {
                        return false;
                    }
                }
            }
        }
        let (a_us, b_us) = (a as usize, b as usize);
        if st.load[a_us] - into_b + into_a > inst.tables
            || st.load[b_us] - into_a + into_b > inst.tables
        {
            return false;
        }
        let new_slot = |q: u32| -> u32 {
            let sq = st.slot_of[q as usize];
            if self.mark[q as usize] == self.stamp {
                if sq == a { b } else { a }
            } else {
                sq
            }
        };
        self.moves.iter().all(|&(x, to)| {
            inst.preds.row(x as usize).iter().all(|&q| {
                let sq = new_slot(q);
                sq == NONE || sq < to
            }) && inst.succs.row(x as usize).iter().all(|&q| {
                let sq = new_slot(q);
                sq == NONE || sq > to
            })
        })
    }

    /// Applies the chain; applying it again undoes it.
    fn apply(&mut self, st: &mut State) {
        for &(x, _) in &self.moves {
            st.remove(x as usize);
        }
        for &(x, to) in &self.moves {
            st.place(x as usize, to as usize);
        }
        let (a, b) = self.pair;
        for (_, to) in self.moves.iter_mut() {
            *to = if *to == a { b } else { a };
        }
    }
}

/// Picks a meeting to move: mostly one of a participant with breaks.
fn pick_meeting(st: &State, rng: &mut Rng) -> Option<usize> {
    let inst = st.inst;
    if !st.with_breaks.is_empty() && rng.chance(0.7) {
        let p = st.with_breaks.items[rng.below(st.with_breaks.len())] as usize;
        let row = inst.meetings_of.row(p);
        for _ in 0..4 {
            let m = row[rng.below(row.len())] as usize;
            if st.slot_of[m] != NONE && !st.pinned[m] {
                return Some(m);
            }
        }
    }
    for _ in 0..8 {
        let s = rng.below(inst.slots);
        let list = &st.in_slot[s];
        if !list.is_empty() {
            let m = list[rng.below(list.len())] as usize;
            if !st.pinned[m] {
                return Some(m);
            }
        }
    }
    None
}

/// Picks the slot to swap with: often one next to a participant's meetings.
fn pick_target(st: &State, m: usize, rng: &mut Rng) -> Option<usize> {
    let inst = st.inst;
    let own = st.slot_of[m] as usize;
    let dom = inst.domain_of(m);
    if rng.chance(0.5) {
        let row = inst.members.row(m);
        let p = row[rng.below(row.len())] as usize;
        let busy = &st.busy[p * inst.words..(p + 1) * inst.words];
        let mut cands = [0usize; 8];
        let mut n = 0;
        for s in bits::iter(busy) {
            for t in [s.wrapping_sub(1), s + 1] {
                if t < inst.slots && t != own && !bits::test(busy, t) && bits::test(dom, t) && n < 8
                {
                    cands[n] = t;
                    n += 1;
                }
            }
        }
        if n > 0 {
            return Some(cands[rng.below(n)]);
        }
    }
    let k = bits::count(dom) as usize;
    if k < 2 {
        return None;
    }
    let t = bits::iter(dom).nth(rng.below(k))?;
    (t != own).then_some(t)
}

/// Simulated annealing on breaks until the budget fraction reaches `until`. Leaves
/// the best state found in `st` (priority never decreases).
pub(crate) fn anneal(
    st: &mut State,
    rng: &mut Rng,
    budget: &mut Budget,
    until: f64,
    report: &mut dyn FnMut(&State, &Budget),
) {
    let inst = st.inst;
    let mut chain = Chain::new(inst.meeting_ids.len());
    let mut lns = Lns::new(inst.meeting_ids.len());
    let mut best = Best::of(st);
    // Whether the current state equals `best` but is not yet saved in it.
    let mut unsaved = false;
    let start = budget.refresh();
    // Cost = BREAK_WEIGHT · breaks + idle slots inside spans: shrinking a gap
    // is progress towards closing it, so plateaus of equal breaks get a slope.
    let w = BREAK_WEIGHT;
    let (t_hi, t_lo) = (0.6f64 * w as f64, 0.02f64 * w as f64);
    let mut temp = t_hi;
    let mut iter = 0u64;
    let mut seeds: Vec<u32> = Vec::with_capacity(2);
    loop {
        let f = budget.tick();
        if f >= until {
            break;
        }
        iter += 1;
        if iter.is_multiple_of(256) {
            let phase = ((f - start) / (until - start).max(1e-9)).clamp(0.0, 1.0);
            temp = t_hi * (t_lo / t_hi).powf(phase);
            if iter.is_multiple_of(4096) {
                report(st, budget);
            }
            if iter.is_multiple_of(65536)
                && !st.held_fixed
                && !st.unscheduled.is_empty()
                && insert_free(st, rng)
            {
                unsaved = false;
                if best.improved_by(st) {
                    best = Best::of(st);
                }
            }
        }
        if st.at_floors() {
            break;
        }
        let slot_move = rng.chance(SLOT_MOVE_RATE);
        if slot_move || (!st.with_breaks.is_empty() && rng.chance(LARGE_MOVE_RATE)) {
            let before = (st.breaks as i64, st.idle as i64);
            let applied = if slot_move {
                lns.permute_slots(st, rng)
            } else {
                let mut p = st.with_breaks.items[rng.below(st.with_breaks.len())] as usize;
                if rng.chance(0.5) {
                    // A partner of a participant with breaks: re-ordering its
                    // meetings may free the right slot for that participant.
                    let row = inst.meetings_of.row(p);
                    let m = row[rng.below(row.len())] as usize;
                    let mem = inst.members.row(m);
                    p = mem[rng.below(mem.len())] as usize;
                }
                if rng.chance(0.7) {
                    lns.compact(st, p)
                } else {
                    lns.ruin_recreate(st, p, rng)
                }
            };
            if !applied {
                continue;
            }
            let db = st.breaks as i64 - before.0;
            let delta = db * w + (st.idle as i64 - before.1);
            // Large moves are taken only when they do not worsen the cost:
            // accepting them hot scatters good structure (measured).
            if delta <= 0 {
                if db > 0 && unsaved {
                    lns.changes.undo(st);
                    best = Best::of(st);
                    lns.changes.redo(st);
                    unsaved = false;
                }
                if best.improved_by(st) {
                    best.priority = st.priority;
                    best.breaks = st.breaks;
                    unsaved = true;
                    budget.found(st.breaks, &st.slot_of);
                }
            } else {
                lns.changes.undo(st);
            }
            continue;
        }
        let Some(m) = pick_meeting(st, rng) else {
            continue;
        };
        let Some(b) = pick_target(st, m, rng) else {
            continue;
        };
        let a = st.slot_of[m];
        seeds.clear();
        seeds.push(m as u32);
        if rng.chance(0.3) && !st.in_slot[b].is_empty() {
            let list = &st.in_slot[b];
            seeds.push(list[rng.below(list.len())]);
        }
        chain.pair = (a, b as u32);
        if !chain.build(st, &seeds, a, b as u32) {
            continue;
        }
        let before = (st.breaks as i64, st.idle as i64);
        chain.apply(st);
        let db = st.breaks as i64 - before.0;
        let delta = db * w + (st.idle as i64 - before.1);
        if delta <= 0 || rng.unit() < (-(delta as f64) / temp).exp() {
            if db > 0 && unsaved {
                // Leaving the best state: save it first (undo, copy, redo).
                chain.apply(st);
                best = Best::of(st);
                chain.apply(st);
                unsaved = false;
            }
            if best.improved_by(st) {
                best.priority = st.priority;
                best.breaks = st.breaks;
                unsaved = true;
                budget.found(st.breaks, &st.slot_of);
            }
        } else {
            chain.apply(st);
        }
    }
    if !unsaved && (st.priority, st.breaks) != (best.priority, best.breaks) {
        st.restore(&best.slots);
    }
}
