//! A tighter upper bound on the priority sum: the Lagrangian bound of
//! `bound` (relaxation 3) with the split of each meeting's priority among its
//! participants chosen by subgradient steps instead of equal shares.
//!
//! For `λ ≥ 0` and any shares `w[m,p]` with `Σ_{p∈m} w[m,p] = pr_m − λ`
//! (negative shares allowed), every schedule `x` satisfies
//! `Σ pr·x = λ·Σx + Σ_p Σ_{m∋p} w[m,p]·x_m ≤ λ·C + Σ_p g_p(w[·,p])`, where `C`
//! is the most meetings the slots can hold and `g_p` the heaviest set of
//! `p`'s meetings that fits `p` alone ([`Greedy::best_set`]): `p`'s held
//! meetings are such a set. So every step gives a proven bound and the least
//! one seen is kept; nothing needs to converge. Equal shares are where the
//! steps start, so the result is never above `bound`'s.
//!
//! A step moves share to the participants that left a meeting out from those
//! that took it (the subgradient, projected so the shares keep their sum),
//! with Polyak's step towards the priority of a schedule found; `λ` stays at
//! `bound`'s best (moved by its own subgradient too, it dominated every step
//! and the shares barely moved: the 2,000-participant event's bound went from
//! 12,095 to 12,136 instead of to 11,939, its schedule's priority and so
//! proven optimal, in about 40 steps).

use std::time::Instant;

use crate::bound::Greedy;
use crate::model::Instance;

/// Steps at most.
const STEPS: u32 = 300;

/// Steps without a better bound before the step size halves.
const HALVE_AFTER: u32 = 10;

/// The least bound found within [`STEPS`] steps from `bound`'s (`parts`:
/// its bound, the slots' capacity `C` and its best `λ`), stopping early once
/// it reaches `target` (the priority of a schedule, which no bound is below)
/// or at `deadline` (on the largest events a step takes tens of
/// milliseconds).
pub(crate) fn refine(
    inst: &Instance,
    parts: (u64, u64, u32),
    target: u64,
    deadline: Instant,
) -> u64 {
    let (start, capacity, lambda) = parts;
    if start <= target {
        return start;
    }
    let nm = inst.meeting_ids.len();
    // Shares are stored per meeting, one per member in member order.
    let mut offset = Vec::with_capacity(nm + 1);
    offset.push(0usize);
    for m in 0..nm {
        offset.push(offset[m] + inst.members.row(m).len());
    }
    let lambda = f64::from(lambda);
    let mut share: Vec<f64> = (0..nm)
        .flat_map(|m| {
            let k = inst.members.row(m).len();
            std::iter::repeat_n(f64::from(inst.priority[m]) / k as f64, k)
        })
        .collect();
    let mut taken = vec![false; share.len()];
    let mut means = vec![0f64; nm];
    let mut greedy = Greedy::new(inst);
    let capacity_f = capacity as f64;
    let mut best = start;
    let mut theta = 1.0f64;
    let mut since_better = 0;
    for _ in 0..STEPS {
        if Instant::now() >= deadline {
            break;
        }
        taken.fill(false);
        let mut value = lambda * capacity_f;
        for p in 0..inst.participant_ids.len() {
            let index = |m: u32| -> usize {
                let m = m as usize;
                let i = inst.members.row(m).iter().position(|&q| q as usize == p);
                offset[m] + i.unwrap_or(0)
            };
            let weight = |m: u32| -> f64 {
                share[index(m)] - lambda / inst.members.row(m as usize).len() as f64
            };
            value += greedy.best_set(inst, p, &weight, &mut |m| taken[index(m)] = true);
        }
        // Guard against float rounding before flooring (a schedule's
        // priority is an integer).
        let bound = (value + 1e-6).floor().max(0.0) as u64;
        if bound < best {
            best = bound;
            since_better = 0;
        } else {
            since_better += 1;
            if since_better % HALVE_AFTER == 0 {
                theta /= 2.0;
            }
        }
        if best <= target {
            break;
        }
        // The subgradient: per share, taken minus the meeting's mean taken.
        for (m, mean) in means.iter_mut().enumerate() {
            let taken = &taken[offset[m]..offset[m + 1]];
            *mean = taken.iter().filter(|&&t| t).count() as f64 / taken.len() as f64;
        }
        let gradient = |i: usize, m: usize| f64::from(u8::from(taken[i])) - means[m];
        let norm: f64 = (0..nm)
            .flat_map(|m| (offset[m]..offset[m + 1]).map(move |i| (i, m)))
            .map(|(i, m)| gradient(i, m).powi(2))
            .sum();
        if norm == 0.0 {
            break;
        }
        let step = theta * (value - target as f64).max(1.0) / norm;
        for m in 0..nm {
            let (a, b) = (offset[m], offset[m + 1]);
            for (i, w) in (a..b).zip(&mut share[a..b]) {
                *w -= step * gradient(i, m);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use std::time::Duration;

    /// The best priority of any schedule, by trying every slot (or none)
    /// for every meeting.
    fn optimum(inst: &Instance) -> u64 {
        fn go(inst: &Instance, m: usize, busy: &mut Vec<bool>, load: &mut Vec<u32>) -> u64 {
            if m == inst.meeting_ids.len() {
                return 0;
            }
            let mut best = go(inst, m + 1, busy, load);
            let n = inst.slots;
            for s in 0..n {
                let members = inst.members.row(m);
                let free = inst.in_domain(m, s)
                    && load[s] < inst.tables
                    && members.iter().all(|&p| !busy[p as usize * n + s]);
                if free {
                    members
                        .iter()
                        .for_each(|&p| busy[p as usize * n + s] = true);
                    load[s] += 1;
                    let with = u64::from(inst.priority[m]) + go(inst, m + 1, busy, load);
                    best = best.max(with);
                    members
                        .iter()
                        .for_each(|&p| busy[p as usize * n + s] = false);
                    load[s] -= 1;
                }
            }
            best
        }
        let n = inst.slots;
        go(
            inst,
            0,
            &mut vec![false; inst.participant_ids.len() * n],
            &mut vec![0; n],
        )
    }

    fn random_instance(rng: &mut Rng) -> Instance {
        let participants = 3 + rng.below(3);
        let slots = 2 + rng.below(2);
        let ps: Vec<String> = (0..participants)
            .map(|p| {
                let busy = if rng.chance(0.3) {
                    format!(r#", "available": [{}]"#, rng.below(slots))
                } else {
                    String::new()
                };
                format!(r#"{{"id": "p{p}"{busy}}}"#)
            })
            .collect();
        let ms: Vec<String> = (0..4 + rng.below(4))
            .map(|k| {
                let a = rng.below(participants);
                let b = (a + 1 + rng.below(participants - 1)) % participants;
                format!(
                    r#"{{"id": "m{k}", "with": ["p{a}", "p{b}"], "priority": {}}}"#,
                    1 + rng.below(5)
                )
            })
            .collect();
        let json = format!(
            r#"{{"slots": {slots}, "tables": {}, "participants": [{}], "meetings": [{}]}}"#,
            1 + rng.below(2),
            ps.join(","),
            ms.join(",")
        );
        Instance::from_json(&json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn the_refined_bound_is_never_below_the_optimum_nor_above_the_start() {
        let mut rng = Rng::new(11);
        let mut tighter = 0;
        for _ in 0..300 {
            let inst = random_instance(&mut rng);
            let parts = crate::bound::upper_bound_parts(&inst);
            let best = optimum(&inst);
            // Target 0: every step is taken, the hardest test of validity.
            let deadline = Instant::now() + Duration::from_secs(60);
            let refined = refine(&inst, parts, 0, deadline);
            assert!(refined >= best, "bound {refined} below the optimum {best}");
            assert!(refined <= parts.0);
            tighter += usize::from(refined < parts.0);
        }
        // The steps must actually do something on some of these.
        assert!(tighter > 0, "the refinement never improved on the start");
    }
}
