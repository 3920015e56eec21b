//! Large moves for the break phase, used by the annealing next to the
//! Kempe-chain swaps (which move one or two meetings' worth of chain at a time
//! and so cannot close a gap that needs several meetings of one participant to
//! move together).
//!
//! - **Re-assign a participant.** Take all meetings of one participant out and
//!   put them back, either permuted over the slots it uses now or into a
//!   window of consecutive slots (which leaves it without breaks). Which
//!   meeting goes to which slot is an assignment problem (cost: breaks the
//!   placement adds for the other participants), solved exactly by the
//!   Hungarian method for every candidate set. The permutation matters for
//!   participants without breaks whose meetings pin their partners: one
//!   with ten afternoon meetings in ten afternoon slots decides, by the order
//!   of its meetings, whether each partner can join its morning run.
//! - **Ruin and recreate.** Take all meetings of two or three related
//!   participants out and re-insert them most-constrained first, each into the
//!   slot that adds the fewest breaks.
//! - **Permute whole slots.** Swap two slots' meetings, or shift a run of
//!   slots by one. Loads and clashes stay as they are; which of each
//!   participant's slots are adjacent changes for everyone at once.
//!
//! All moves keep every meeting scheduled or are undone; they return the
//! changes so the caller can accept or undo them.

use crate::bits;
use crate::model::NONE;
use crate::rng::Rng;
use crate::state::State;

/// Cost standing for "not allowed" in the assignment problems.
const FORBIDDEN: i64 = 1 << 40;

/// Participants with more meetings than this are not compacted (the
/// assignment is cubic in it).
const MAX_COMPACT: usize = 40;

/// Slot permutations moving more meetings than this are not tried (on large
/// events a slot holds thousands of meetings).
const MAX_SLOT_MOVE: usize = 400;

/// The meetings a large move changed: (meeting, old slot, new slot).
#[derive(Default)]
pub(crate) struct Changes {
    moved: Vec<(u32, u32, u32)>,
}

impl Changes {
    /// Puts every changed meeting back into its old slot.
    pub(crate) fn undo(&self, st: &mut State) {
        self.set(st, |&(_, old, _)| old);
    }

    /// Puts every changed meeting into its new slot again.
    pub(crate) fn redo(&self, st: &mut State) {
        self.set(st, |&(_, _, new)| new);
    }

    fn set(&self, st: &mut State, which: impl Fn(&(u32, u32, u32)) -> u32) {
        for &(m, _, _) in &self.moved {
            if st.slot_of[m as usize] != NONE {
                st.remove(m as usize);
            }
        }
        for c in &self.moved {
            let s = which(c);
            if s != NONE {
                st.place(c.0 as usize, s as usize);
            }
        }
    }
}

/// Reusable buffers for the large moves.
pub(crate) struct Lns {
    pub(crate) changes: Changes,
    mark: Vec<bool>,
    cost: Vec<i64>,
    assign: Vec<usize>,
}

impl Lns {
    pub(crate) fn new(meetings: usize) -> Self {
        Lns {
            changes: Changes::default(),
            mark: vec![false; meetings],
            cost: Vec::new(),
            assign: Vec::new(),
        }
    }

    /// Takes `ms` out, recording their slots.
    fn take_out(&mut self, st: &mut State, ms: &[u32]) {
        self.changes.moved.clear();
        for &m in ms {
            let s = st.slot_of[m as usize];
            self.changes.moved.push((m, s, NONE));
            st.remove(m as usize);
        }
    }

    /// Whether every moved meeting is placed and their `after` orders hold;
    /// records the new slots. Undoes the move and returns false otherwise.
    fn finish(&mut self, st: &mut State) -> bool {
        let ok = self.changes.moved.iter().all(|&(m, _, _)| {
            let s = st.slot_of[m as usize];
            s != NONE && st.order_ok(m as usize, s as usize)
        });
        for c in self.changes.moved.iter_mut() {
            c.2 = st.slot_of[c.0 as usize];
        }
        if !ok {
            self.changes.undo(st);
        }
        ok
    }

    /// Re-assigns all meetings of participant `p` at once: either to the slots
    /// `p` uses now (a permutation, which only changes things for the other
    /// participants) or to a window of consecutive slots (which leaves `p`
    /// without breaks), whichever adds the fewest breaks. For a fixed target
    /// set this is an assignment problem, solved exactly (Hungarian method).
    /// Returns false (state unchanged) when nothing fits.
    pub(crate) fn compact(&mut self, st: &mut State, p: usize) -> bool {
        let inst = st.inst;
        let ms: Vec<u32> = inst
            .meetings_of
            .row(p)
            .iter()
            .copied()
            .filter(|&m| st.slot_of[m as usize] != NONE)
            .collect();
        let k = ms.len();
        if !(2..=MAX_COMPACT).contains(&k) || ms.iter().any(|&m| st.pinned[m as usize]) {
            return false;
        }
        let current: Vec<usize> = ms
            .iter()
            .map(|&m| st.slot_of[m as usize] as usize)
            .collect();
        let current_breaks =
            i64::from(bits::breaks(&st.busy[p * inst.words..(p + 1) * inst.words]));
        self.take_out(st, &ms);
        // cost[i * slots + s]: breaks placing meeting i alone in s adds.
        let n = inst.slots;
        self.cost.clear();
        self.cost.resize(k * n, FORBIDDEN);
        for (i, &m) in ms.iter().enumerate() {
            let m = m as usize;
            for s in bits::iter(inst.domain_of(m)) {
                if st.can_place(m, s) {
                    self.cost[i * n + s] = st.place_delta(m, s);
                }
            }
        }
        let mut best: Option<(i64, Vec<usize>)> = None;
        let mut square = vec![0i64; k * k];
        let mut targets: Vec<(Vec<usize>, i64)> = vec![(current, current_breaks)];
        if current_breaks > 0 {
            for a in 0..=n.saturating_sub(k) {
                targets.push(((a..a + k).collect(), 0));
            }
        }
        for (set, own) in &targets {
            // Skip sets with a slot no meeting can use.
            if set
                .iter()
                .any(|&s| (0..k).all(|i| self.cost[i * n + s] >= FORBIDDEN))
            {
                continue;
            }
            for i in 0..k {
                for (j, &s) in set.iter().enumerate() {
                    square[i * k + j] = self.cost[i * n + s];
                }
            }
            let total = hungarian(&square, k, &mut self.assign);
            if total < FORBIDDEN && best.as_ref().is_none_or(|b| total + own < b.0) {
                best = Some((total + own, self.assign.iter().map(|&j| set[j]).collect()));
            }
        }
        let Some((_, slots)) = best else {
            self.changes.undo(st);
            return false;
        };
        for (i, &m) in ms.iter().enumerate() {
            if st.can_place(m as usize, slots[i]) {
                st.place(m as usize, slots[i]);
            }
        }
        self.finish(st)
    }

    /// Ruins the meetings of `p`, one of its partners and sometimes one more
    /// participant with breaks, then re-inserts them greedily.
    pub(crate) fn ruin_recreate(&mut self, st: &mut State, p: usize, rng: &mut Rng) -> bool {
        let inst = st.inst;
        let mut people = vec![p];
        let row = inst.meetings_of.row(p);
        if !row.is_empty() {
            let m = row[rng.below(row.len())] as usize;
            let mem = inst.members.row(m);
            let q = mem[rng.below(mem.len())] as usize;
            if q != p {
                people.push(q);
            }
        }
        if rng.chance(0.5) && !st.with_breaks.is_empty() {
            let r = st.with_breaks.items[rng.below(st.with_breaks.len())] as usize;
            if !people.contains(&r) {
                people.push(r);
            }
        }
        let mut ms: Vec<u32> = Vec::new();
        for &q in &people {
            for &m in inst.meetings_of.row(q) {
                let mu = m as usize;
                if st.slot_of[mu] != NONE && !st.pinned[mu] && !self.mark[mu] {
                    self.mark[mu] = true;
                    ms.push(m);
                }
            }
        }
        for &m in &ms {
            self.mark[m as usize] = false;
        }
        if ms.len() < 2 {
            return false;
        }
        self.take_out(st, &ms);
        let mut left = ms;
        while !left.is_empty() {
            // Most constrained first: fewest feasible slots.
            let mut pick: Option<(u32, u64, usize)> = None;
            for (i, &m) in left.iter().enumerate() {
                let m = m as usize;
                let free = bits::iter(inst.domain_of(m))
                    .filter(|&s| st.can_place(m, s))
                    .count() as u32;
                let key = (free, rng.next_u64(), i);
                if pick.is_none_or(|p| key < p) {
                    pick = Some(key);
                }
            }
            let Some((free, _, i)) = pick else { break };
            if free == 0 {
                break;
            }
            let m = left.swap_remove(i) as usize;
            if let Some(s) = st.best_free_slot(m, rng.next_u64()) {
                st.place(m, s);
            }
        }
        self.finish(st)
    }
}

impl Lns {
    /// Permutes whole slots: swaps the contents of two slots, or shifts the
    /// contents of a run of slots by one (the last slot's meetings go first,
    /// or the other way round). Every participant keeps one meeting per slot
    /// and every slot its load, so only domains and `after` orders can forbid
    /// it; what changes is which of a participant's slots are adjacent, for
    /// everyone at once. Returns false (state unchanged) when not allowed.
    pub(crate) fn permute_slots(&mut self, st: &mut State, rng: &mut Rng) -> bool {
        let inst = st.inst;
        let n = inst.slots;
        if n < 2 {
            return false;
        }
        let a = rng.below(n);
        let reach = 1 + rng.below(n.min(6));
        let b = if rng.chance(0.5) {
            a.saturating_sub(reach)
        } else {
            (a + reach).min(n - 1)
        };
        if a == b {
            return false;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let kind = if hi == lo + 1 { 0 } else { rng.below(3) };
        let map = |s: usize| -> usize {
            if s < lo || s > hi {
                return s;
            }
            match kind {
                0 => {
                    if s == lo {
                        hi
                    } else if s == hi {
                        lo
                    } else {
                        s
                    }
                }
                1 => {
                    if s == hi {
                        lo
                    } else {
                        s + 1
                    }
                }
                _ => {
                    if s == lo {
                        hi
                    } else {
                        s - 1
                    }
                }
            }
        };
        let moving: usize = (lo..=hi)
            .filter(|&s| map(s) != s)
            .map(|s| st.in_slot[s].len())
            .sum();
        if moving > MAX_SLOT_MOVE {
            return false;
        }
        let mut ms: Vec<u32> = Vec::with_capacity(moving);
        for s in lo..=hi {
            let to = map(s);
            if to == s {
                continue;
            }
            for &m in &st.in_slot[s] {
                let mu = m as usize;
                if st.pinned[mu] || !inst.in_domain(mu, to) {
                    return false;
                }
                ms.push(m);
            }
        }
        if ms.is_empty() {
            return false;
        }
        self.take_out(st, &ms);
        for c in self.changes.moved.iter() {
            st.place(c.0 as usize, map(c.1 as usize));
        }
        self.finish(st)
    }
}

/// Minimum-cost perfect assignment of a `k × k` cost matrix (Hungarian
/// method with potentials, O(k³)); `assign[row] = column`. Returns the cost.
fn hungarian(cost: &[i64], k: usize, assign: &mut Vec<usize>) -> i64 {
    const INF: i64 = i64::MAX / 4;
    let mut u = vec![0i64; k + 1];
    let mut v = vec![0i64; k + 1];
    // p[j]: row matched to column j (1-based, 0 = none).
    let mut p = vec![0usize; k + 1];
    let mut way = vec![0usize; k + 1];
    for i in 1..=k {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![INF; k + 1];
        let mut used = vec![false; k + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = INF;
            let mut j1 = 0usize;
            for j in 1..=k {
                if !used[j] {
                    let cur = cost[(i0 - 1) * k + (j - 1)] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=k {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    assign.clear();
    assign.resize(k, 0);
    let mut total = 0i64;
    for j in 1..=k {
        if p[j] != 0 {
            assign[p[j] - 1] = j - 1;
            total = total.saturating_add(cost[(p[j] - 1) * k + (j - 1)]);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::hungarian;

    #[test]
    fn hungarian_finds_the_cheapest_assignment() {
        let cost = [4, 1, 3, 2, 0, 5, 3, 2, 2];
        let mut a = Vec::new();
        assert_eq!(hungarian(&cost, 3, &mut a), 5);
        let mut cols = a.clone();
        cols.sort_unstable();
        assert_eq!(cols, vec![0, 1, 2]);
        let total: i64 = a.iter().enumerate().map(|(i, &j)| cost[i * 3 + j]).sum();
        assert_eq!(total, 5);
    }
}
