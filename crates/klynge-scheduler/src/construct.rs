//! Phase 1: schedule as much priority as possible.
//!
//! A greedy pass places meetings hardest-first in the slot that adds the
//! fewest breaks. Then a tabu ejection search inserts the remaining meetings:
//! it puts an unscheduled meeting into the slot whose conflicts (meetings of
//! the same participants there, a full slot, a participant at its cap, broken
//! `after` orders) cost the least, ejects those conflicts, and re-inserts each
//! ejected meeting elsewhere when it fits. Ejected meetings may not return to
//! the slot they left for a few iterations, which turns plateau moves into
//! ejection chains instead of cycles.

use std::cmp::Reverse;

use crate::bits;
use crate::budget::Budget;
use crate::model::NONE;
use crate::rng::Rng;
use crate::state::State;

/// Greedy construction over all unscheduled, unpinned meetings.
pub(crate) fn greedy(st: &mut State, rng: &mut Rng) {
    let inst = st.inst;
    let mut order: Vec<u32> = st.unscheduled.items.clone();
    order.sort_by_cached_key(|&m| {
        let m = m as usize;
        let degree: usize = inst
            .members
            .row(m)
            .iter()
            .map(|&p| inst.meetings_of.row(p as usize).len())
            .sum();
        (
            Reverse(inst.priority[m]),
            inst.fixed[m].is_none(),
            bits::count(inst.domain_of(m)),
            Reverse(degree),
            rng.next_u64(),
        )
    });
    for m in order {
        let m = m as usize;
        if let Some(s) = st.best_free_slot(m, 0) {
            st.place(m, s);
        }
    }
}

/// Tabu state for the ejection search: a meeting may not re-enter the slot it
/// was ejected from until `until`.
struct Tabu {
    slot: Vec<u32>,
    until: Vec<u64>,
}

/// The conflicts of putting unscheduled `m` into slot `s`, and their estimated
/// cost (priority of conflicts that cannot simply move elsewhere). `None` when
/// a pinned meeting is in the way or no conflict set exists.
fn conflicts(st: &State, m: usize, s: usize, rng: &mut Rng, out: &mut Vec<u32>) -> Option<u64> {
    let inst = st.inst;
    out.clear();
    let s32 = s as u32;
    for &p in inst.members.row(m) {
        let x = st.occupant(p, s);
        if x != NONE && !out.contains(&x) {
            out.push(x);
        }
    }
    for &q in inst.preds.row(m) {
        let sq = st.slot_of[q as usize];
        if sq != NONE && sq >= s32 && !out.contains(&q) {
            out.push(q);
        }
    }
    for &q in inst.succs.row(m) {
        let sq = st.slot_of[q as usize];
        if sq != NONE && sq <= s32 && !out.contains(&q) {
            out.push(q);
        }
    }
    // Participants at their cap lose their cheapest other meeting.
    for &p in inst.members.row(m) {
        let p = p as usize;
        let cap = inst.max_meetings[p];
        let freed = out
            .iter()
            .filter(|&&x| inst.members.row(x as usize).contains(&(p as u32)))
            .count() as u32;
        if st.count[p] - freed >= cap {
            let victim = inst
                .meetings_of
                .row(p)
                .iter()
                .copied()
                .filter(|&x| {
                    st.slot_of[x as usize] != NONE && !st.pinned[x as usize] && !out.contains(&x)
                })
                .min_by_key(|&x| (inst.priority[x as usize], rng.next_u64() as u32))?;
            out.push(victim);
        }
    }
    // A full slot loses its cheapest (sampled) meeting.
    let freed = out
        .iter()
        .filter(|&&x| st.slot_of[x as usize] == s32)
        .count() as u32;
    if st.load[s] - freed >= inst.tables {
        let list = &st.in_slot[s];
        let mut victim: Option<(u64, u32)> = None;
        for _ in 0..8 {
            let x = list[rng.below(list.len())];
            if st.pinned[x as usize] || out.contains(&x) {
                continue;
            }
            let cost = if relocatable(st, x as usize, s) {
                0
            } else {
                u64::from(inst.priority[x as usize]) * 2 + 1
            };
            if victim.is_none_or(|(c, _)| cost < c) {
                victim = Some((cost, x));
            }
        }
        out.push(victim?.1);
    }
    let mut cost = 0u64;
    for &x in out.iter() {
        if st.pinned[x as usize] {
            return None;
        }
        if !relocatable(st, x as usize, s) {
            cost += u64::from(inst.priority[x as usize]);
        }
    }
    Some(cost)
}

/// Whether scheduled `x` could move to another slot than its own and `avoid`
/// without disturbing anything.
fn relocatable(st: &State, x: usize, avoid: usize) -> bool {
    let inst = st.inst;
    let own = st.slot_of[x] as usize;
    bits::iter(inst.domain_of(x)).any(|t| {
        t != own
            && t != avoid
            && st.load[t] < inst.tables
            && inst
                .members
                .row(x)
                .iter()
                .all(|&p| st.occupant(p, t) == NONE)
            && st.order_ok(x, t)
    })
}

/// Result of the ejection search: the best assignment found.
pub(crate) struct Best {
    pub(crate) slots: Vec<u32>,
    pub(crate) priority: u64,
    pub(crate) breaks: u64,
}

impl Best {
    pub(crate) fn of(st: &State) -> Self {
        Best {
            slots: st.snapshot(),
            priority: st.priority,
            breaks: st.breaks,
        }
    }

    pub(crate) fn improved_by(&self, st: &State) -> bool {
        (st.priority, Reverse(st.breaks)) > (self.priority, Reverse(self.breaks))
    }
}

/// Tabu ejection search until everything is scheduled, the bound is reached or
/// the budget fraction `until` is used. Leaves the best state in `st`.
pub(crate) fn eject_search(
    st: &mut State,
    rng: &mut Rng,
    budget: &mut Budget,
    upper_bound: u64,
    until: f64,
    report: &mut dyn FnMut(&State, &Budget),
) {
    let inst = st.inst;
    let nm = inst.meeting_ids.len();
    let mut best = Best::of(st);
    let mut tabu = Tabu {
        slot: vec![NONE; nm],
        until: vec![0; nm],
    };
    let mut conf = Vec::new();
    let mut chosen = Vec::new();
    let mut stale = 0u64;
    let patience = 2000 + 2 * nm as u64;
    let mut iter = 0u64;
    while !st.unscheduled.is_empty() && st.priority < upper_bound {
        if budget.tick() >= until {
            break;
        }
        iter += 1;
        if iter.is_multiple_of(1024) {
            report(st, budget);
        }
        // Prefer high priority: best of two random unscheduled meetings.
        let u = &st.unscheduled.items;
        let mut m = u[rng.below(u.len())] as usize;
        let m2 = u[rng.below(u.len())] as usize;
        if inst.priority[m2] > inst.priority[m] {
            m = m2;
        }
        let pm = u64::from(inst.priority[m]);
        let mut pick: Option<(u64, u64, usize)> = None;
        for s in bits::iter(inst.domain_of(m)) {
            if tabu.slot[m] == s as u32 && tabu.until[m] > iter {
                continue;
            }
            let Some(cost) = conflicts(st, m, s, rng, &mut conf) else {
                continue;
            };
            let key = (cost, rng.next_u64(), s);
            if pick.is_none_or(|p| key < p) {
                pick = Some(key);
                chosen.clone_from(&conf);
            }
        }
        let Some((cost, _, s)) = pick else {
            continue;
        };
        // Accept worsening moves only sometimes.
        if cost > pm && !rng.chance(0.02f64.powf((cost - pm) as f64)) {
            continue;
        }
        for &x in &chosen {
            st.remove(x as usize);
        }
        st.place(m, s);
        for &x in &chosen {
            let x = x as usize;
            if let Some(t) = st.best_free_slot(x, rng.next_u64()) {
                st.place(x, t);
            } else {
                tabu.slot[x] = s as u32;
                tabu.until[x] = iter + 5 + rng.below(10) as u64;
            }
        }
        if best.improved_by(st) {
            if st.priority > best.priority {
                stale = 0;
            }
            best = Best::of(st);
        } else {
            stale += 1;
            if stale > patience {
                st.restore(&best.slots);
                stale = 0;
            }
        }
    }
    if (st.priority, st.breaks) != (best.priority, best.breaks) {
        st.restore(&best.slots);
    }
}

/// Places any unscheduled meeting that fits without moving others.
pub(crate) fn insert_free(st: &mut State, rng: &mut Rng) -> bool {
    let mut any = false;
    let list = st.unscheduled.items.clone();
    for m in list {
        if let Some(s) = st.best_free_slot(m as usize, rng.next_u64()) {
            st.place(m as usize, s);
            any = true;
        }
    }
    any
}
