//! A proven upper bound on the achievable priority sum.
//!
//! The bound is the minimum of three relaxations (the third is on
//! `lagrangian_bound`), each of which drops some rules,
//! so every feasible schedule satisfies both:
//!
//! 1. **Slot capacity (a flow relaxation).** Keep only "a meeting uses one slot
//!    of its domain" and "slot `s` holds at most `cap_s` meetings", where
//!    `cap_s = min(tables, ⌊n_s / 2⌋)` and `n_s` is the number of participants
//!    that could meet in `s` (a meeting occupies a table and at least two
//!    participants). The meeting sets that fit form a transversal matroid, so the
//!    greedy algorithm by priority is optimal: its value is
//!    `Σ_k p_k · (r_k − r_{k−1})`, where `r_k` is the maximum flow (meetings →
//!    slots) using only meetings of priority ≥ `p_k`. Meetings with equal domains
//!    are merged into one flow node, so the flow is tiny.
//! 2. **Participant load.** For one participant `p`, the meetings it can hold
//!    together must fit into distinct slots of their domains and number at most
//!    `max_meetings`: again a (truncated) transversal matroid, so a greedy with
//!    augmenting paths gives `best_p`, and `lost_p = total_p − best_p` is a lower
//!    bound on the priority of `p`'s meetings that any schedule leaves out. Let
//!    `D` be the unscheduled set of any schedule and `ov(m)` the number of
//!    participants of `m` with `lost_p > 0`. Then
//!    `Σ_p lost_p ≤ Σ_{m∈D} pr(m)·ov(m) ≤ pr(D) + Σ_{m: ov(m)≥2} pr(m)(ov(m)−1)`,
//!    so `pr(D) ≥ Σ_p lost_p − Σ_{m: ov(m)≥2} pr(m)(ov(m)−1)`; also
//!    `pr(D) ≥ max_p lost_p`. The bound is the total priority minus the larger.
//!
//! Meetings with an empty domain can never be held and are left out of both.
//! When every meeting is scheduled, the bound equals the priority sum.

use crate::bits;
use crate::model::{Instance, NONE};

/// A proven upper bound on the summed priority of any feasible schedule.
pub fn upper_bound(inst: &Instance) -> u64 {
    upper_bound_parts(inst).0
}

/// The bound of [`upper_bound`], the most meetings the slots can hold and
/// the multiplier `λ` at which the Lagrangian bound is least (where
/// `dual::refine` starts).
pub(crate) fn upper_bound_parts(inst: &Instance) -> (u64, u64, u32) {
    let (flow, capacity) = slot_capacity_bound(inst);
    let load = participant_bound(inst);
    let (lagrange, lambda) = lagrangian_bound(inst, capacity);
    (flow.min(load).min(lagrange), capacity, lambda)
}

/// Relaxation 3, combining both: for any `λ ≥ 0` and any feasible selection
/// `x`, `Σ pr·x = λ·Σx + Σ (pr − λ)·x ≤ λ·C + Σ_m (pr_m − λ)⁺ x_m`, where `C`
/// is the most meetings the slots can hold (relaxation 1 with unit weights).
/// Splitting each meeting's weight equally among its `k_m` participants,
/// `Σ_m w_m x_m = Σ_p Σ_{m∋p} (w_m / k_m) x_m ≤ Σ_p g_p`, where `g_p` is the best
/// weight of a set of `p`'s meetings that fits `p` alone (the greedy on `p`'s
/// transversal matroid, optimal for any weights). The bound is convex and
/// piecewise linear in `λ` with kinks at priorities, so `λ` is tried at 0 and
/// at (up to 32 of) the distinct priorities.
fn lagrangian_bound(inst: &Instance, capacity: u64) -> (u64, u32) {
    let mut lambdas: Vec<u32> = inst.priority.clone();
    lambdas.sort_unstable();
    lambdas.dedup();
    if lambdas.len() > 32 {
        let step = lambdas.len() / 32 + 1;
        lambdas = lambdas.into_iter().step_by(step).collect();
    }
    lambdas.insert(0, 0);
    let mut best = (u64::MAX, 0);
    let mut greedy = Greedy::new(inst);
    for &lambda in &lambdas {
        // Weights (pr − λ)⁺ / k in floating point; the total is floored at the
        // end (safe: the priority sum is an integer), after a tiny guard so that
        // rounding errors cannot push it below the exact value's floor.
        let weight = |m: u32| -> f64 {
            let m = m as usize;
            f64::from(inst.priority[m].saturating_sub(lambda)) / inst.members.row(m).len() as f64
        };
        let sum: f64 = (0..inst.participant_ids.len())
            .map(|p| greedy.best_set(inst, p, &weight, &mut |_| {}))
            .sum();
        let value = u64::from(lambda) * capacity + (sum + 1e-6).floor() as u64;
        if value < best.0 {
            best = (value, lambda);
        }
    }
    best
}

/// Reusable buffers for [`Greedy::best_set`].
pub(crate) struct Greedy {
    meetings: Vec<(f64, u32)>,
    slot_owner: Vec<u32>,
    seen: Vec<bool>,
}

impl Greedy {
    pub(crate) fn new(inst: &Instance) -> Self {
        Greedy {
            meetings: Vec::new(),
            slot_owner: vec![NONE; inst.slots],
            seen: vec![false; inst.slots],
        }
    }

    /// The heaviest set of `p`'s meetings that fits `p` alone (distinct slots
    /// of their domains, at most `max_meetings`) under `weight`, of which
    /// only positive weights count: the greedy on `p`'s truncated transversal
    /// matroid, optimal for any weights. Calls `take` with each meeting of the
    /// set and returns the set's weight.
    pub(crate) fn best_set(
        &mut self,
        inst: &Instance,
        p: usize,
        weight: &dyn Fn(u32) -> f64,
        take: &mut dyn FnMut(u32),
    ) -> f64 {
        self.meetings.clear();
        self.meetings.extend(
            inst.meetings_of
                .row(p)
                .iter()
                .filter(|&&m| schedulable(inst, m as usize))
                .map(|&m| (weight(m), m))
                .filter(|&(w, _)| w > 0.0),
        );
        self.meetings.sort_by(|a, b| b.0.total_cmp(&a.0));
        let cap = (inst.max_meetings[p] as usize).min(inst.slots);
        self.slot_owner.fill(NONE);
        let (mut matched, mut sum) = (0usize, 0f64);
        for &(w, m) in &self.meetings {
            if matched >= cap {
                break;
            }
            self.seen.fill(false);
            if try_match(inst, m as usize, &mut self.slot_owner, &mut self.seen) {
                matched += 1;
                sum += w;
                take(m);
            }
        }
        sum
    }
}

fn schedulable(inst: &Instance, m: usize) -> bool {
    bits::count(inst.domain_of(m)) > 0
}

/// Returns the priority bound and `C`, the most meetings the slots can hold.
fn slot_capacity_bound(inst: &Instance) -> (u64, u64) {
    let s_count = inst.slots;
    // n_s: participants with some meeting whose domain contains s.
    let mut reach = vec![0u64; inst.words];
    let mut n_s = vec![0u64; s_count];
    for p in 0..inst.participant_ids.len() {
        reach.iter_mut().for_each(|w| *w = 0);
        for &m in inst.meetings_of.row(p) {
            for (r, d) in reach.iter_mut().zip(inst.domain_of(m as usize)) {
                *r |= d;
            }
        }
        for s in bits::iter(&reach) {
            n_s[s] += 1;
        }
    }
    let cap: Vec<u64> = n_s
        .iter()
        .map(|&n| (n / 2).min(u64::from(inst.tables)))
        .collect();

    // Group meetings by (priority, domain).
    let mut order: Vec<usize> = (0..inst.meeting_ids.len())
        .filter(|&m| schedulable(inst, m))
        .collect();
    order.sort_by(|&a, &b| {
        inst.priority[b]
            .cmp(&inst.priority[a])
            .then_with(|| inst.domain_of(a).cmp(inst.domain_of(b)))
    });
    let mut classes: std::collections::HashMap<&[u64], usize> = Default::default();
    let mut flow = Flow::new(s_count);
    for (s, &c) in cap.iter().enumerate() {
        flow.set_sink_cap(s, c);
    }
    let mut total = 0u64;
    let mut prev_rank = 0u64;
    let mut i = 0;
    while i < order.len() {
        let pr = inst.priority[order[i]];
        let mut j = i;
        while j < order.len() && inst.priority[order[j]] == pr {
            let d = inst.domain_of(order[j]);
            let node = match classes.get(d) {
                Some(&n) => n,
                None => {
                    let n = flow.add_class(&bits::iter(d).collect::<Vec<_>>());
                    classes.insert(d, n);
                    n
                }
            };
            flow.add_source_cap(node, 1);
            j += 1;
        }
        let rank = flow.augment();
        total += u64::from(pr) * (rank - prev_rank);
        prev_rank = rank;
        i = j;
    }
    (total, prev_rank)
}

/// A small incremental max-flow: source → class nodes → slot nodes → sink.
/// Augmenting paths by BFS; the graph has few nodes (distinct domains + slots),
/// and capacities are counts, so each augmentation pushes a bottleneck amount.
struct Flow {
    slots: usize,
    /// Per class: source capacity, flow from source.
    src_cap: Vec<u64>,
    src_flow: Vec<u64>,
    /// Per class: its slots, and the flow class → slot.
    class_slots: Vec<Vec<usize>>,
    class_flow: Vec<Vec<u64>>,
    sink_cap: Vec<u64>,
    sink_flow: Vec<u64>,
    /// Per slot: the classes that reach it (for residual back edges).
    slot_classes: Vec<Vec<(usize, usize)>>,
    value: u64,
}

impl Flow {
    fn new(slots: usize) -> Self {
        Flow {
            slots,
            src_cap: Vec::new(),
            src_flow: Vec::new(),
            class_slots: Vec::new(),
            class_flow: Vec::new(),
            sink_cap: vec![0; slots],
            sink_flow: vec![0; slots],
            slot_classes: vec![Vec::new(); slots],
            value: 0,
        }
    }

    fn set_sink_cap(&mut self, s: usize, c: u64) {
        self.sink_cap[s] = c;
    }

    fn add_class(&mut self, slots: &[usize]) -> usize {
        let c = self.src_cap.len();
        self.src_cap.push(0);
        self.src_flow.push(0);
        for (k, &s) in slots.iter().enumerate() {
            self.slot_classes[s].push((c, k));
        }
        self.class_slots.push(slots.to_vec());
        self.class_flow.push(vec![0; slots.len()]);
        c
    }

    fn add_source_cap(&mut self, c: usize, amount: u64) {
        self.src_cap[c] += amount;
    }

    /// Augments to a maximum flow and returns its value.
    fn augment(&mut self) -> u64 {
        let nc = self.src_cap.len();
        loop {
            // BFS over class nodes [0, nc) and slot nodes [nc, nc + slots).
            let n = nc + self.slots;
            let mut prev = vec![NONE as usize; n];
            let mut queue = std::collections::VecDeque::new();
            for (c, p) in prev.iter_mut().enumerate().take(nc) {
                if self.src_flow[c] < self.src_cap[c] {
                    *p = n; // from source
                    queue.push_back(c);
                }
            }
            let mut end = None;
            while let Some(v) = queue.pop_front() {
                if v < nc {
                    for (k, &s) in self.class_slots[v].iter().enumerate() {
                        let _ = k;
                        let u = nc + s;
                        if prev[u] == NONE as usize {
                            prev[u] = v;
                            queue.push_back(u);
                        }
                    }
                } else {
                    let s = v - nc;
                    if self.sink_flow[s] < self.sink_cap[s] {
                        end = Some(s);
                        break;
                    }
                    for &(c, k) in &self.slot_classes[s] {
                        if self.class_flow[c][k] > 0 && prev[c] == NONE as usize {
                            prev[c] = v;
                            queue.push_back(c);
                        }
                    }
                }
            }
            let Some(s_end) = end else {
                return self.value;
            };
            // Bottleneck along the path.
            let mut amount = self.sink_cap[s_end] - self.sink_flow[s_end];
            let mut v = nc + s_end;
            loop {
                let u = prev[v];
                if u == n {
                    amount = amount.min(self.src_cap[v] - self.src_flow[v]);
                    break;
                }
                if v >= nc {
                    // class u -> slot v: forward edge, unbounded capacity.
                } else {
                    // slot u -> class v: residual of class v -> slot u.
                    let k = self.slot_index(v, u - nc);
                    amount = amount.min(self.class_flow[v][k]);
                }
                v = u;
            }
            // Apply.
            self.sink_flow[s_end] += amount;
            let mut v = nc + s_end;
            loop {
                let u = prev[v];
                if u == n {
                    self.src_flow[v] += amount;
                    break;
                }
                if v >= nc {
                    let k = self.slot_index(u, v - nc);
                    self.class_flow[u][k] += amount;
                } else {
                    let k = self.slot_index(v, u - nc);
                    self.class_flow[v][k] -= amount;
                }
                v = u;
            }
            self.value += amount;
        }
    }

    fn slot_index(&self, c: usize, s: usize) -> usize {
        self.class_slots[c]
            .iter()
            .position(|&x| x == s)
            .unwrap_or(0)
    }
}

fn participant_bound(inst: &Instance) -> u64 {
    let np = inst.participant_ids.len();
    let total: u64 = (0..inst.meeting_ids.len())
        .filter(|&m| schedulable(inst, m))
        .map(|m| u64::from(inst.priority[m]))
        .sum();
    let mut lost = vec![0u64; np];
    let mut slot_owner = vec![NONE; inst.slots];
    for (p, lost_p) in lost.iter_mut().enumerate() {
        let mut ms: Vec<u32> = inst
            .meetings_of
            .row(p)
            .iter()
            .copied()
            .filter(|&m| schedulable(inst, m as usize))
            .collect();
        ms.sort_by_key(|&m| std::cmp::Reverse(inst.priority[m as usize]));
        let cap = inst.max_meetings[p] as usize;
        slot_owner.iter_mut().for_each(|o| *o = NONE);
        let mut matched = 0usize;
        let mut reach = vec![0u64; inst.words];
        for &m in &ms {
            for (r, d) in reach.iter_mut().zip(inst.domain_of(m as usize)) {
                *r |= d;
            }
        }
        let usable = (bits::count(&reach) as usize).min(cap);
        let mut p_total = 0u64;
        let mut p_best = 0u64;
        for &m in &ms {
            p_total += u64::from(inst.priority[m as usize]);
            if matched >= usable {
                continue;
            }
            let mut seen = vec![false; inst.slots];
            if try_match(inst, m as usize, &mut slot_owner, &mut seen) {
                matched += 1;
                p_best += u64::from(inst.priority[m as usize]);
            }
        }
        *lost_p = p_total - p_best;
    }
    let sum: u64 = lost.iter().sum();
    let max = lost.iter().copied().max().unwrap_or(0);
    let mut overlap = 0u64;
    for m in 0..inst.meeting_ids.len() {
        let ov = inst
            .members
            .row(m)
            .iter()
            .filter(|&&p| lost[p as usize] > 0)
            .count() as u64;
        if ov >= 2 {
            overlap += u64::from(inst.priority[m]) * (ov - 1);
        }
    }
    let dropped = max.max(sum.saturating_sub(overlap));
    total - dropped.min(total)
}

/// Kuhn's augmenting path for bipartite matching meetings → slots.
fn try_match(inst: &Instance, m: usize, owner: &mut [u32], seen: &mut [bool]) -> bool {
    for s in bits::iter(inst.domain_of(m)) {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        if owner[s] == NONE || try_match(inst, owner[s] as usize, owner, seen) {
            owner[s] = m as u32;
            return true;
        }
    }
    false
}
