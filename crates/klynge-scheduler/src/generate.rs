//! A deterministic generator of instances shaped like real brokerage events,
//! for benchmarks and tests. Pure: the same arguments give the same instance.
//!
//! Shape, per the brief of the matchmaking feature:
//! - 12 slots up to 100 participants, 14 up to 1,000, 16 beyond; the first half
//!   is the morning, the second the afternoon. The lunch break lies between the
//!   two halves in wall-clock time and takes no slot index, so it is not a
//!   break in the objective (a participant meeting at the last morning and first
//!   afternoon slot simply has lunch in between).
//! - About 4 requests per participant at 60, 2.3 at 300, 4.5 at 2,000 and 10 at
//!   20,000 participants (240, 700, 9,000, 200,000 requests), without duplicate
//!   pairs. Requesters are uniform; the requested side is 70 % uniform and 30 %
//!   Zipf-like (weight 1/rank^0.9), so a few participants are requested by many.
//! - 6 % of participants attend only the morning and 6 % only the afternoon.
//! - 10 % have `max_meetings` between 4 and 8.
//! - Priorities 1 (60 %), 2 (25 %) or 3 (15 %).
//! - Tables bind: 90 % of the meetings per slot one could hope to hold, i.e.
//!   of `Σ_p min(requests of p, slots of p) / 2 / slots`.

use std::collections::HashSet;

use crate::format::{InstanceInput, MeetingInput, ParticipantInput};
use crate::rng::Rng;

/// Requests per participant, calibrated to the event sizes in the brief.
fn request_count(participants: usize) -> usize {
    match participants {
        0..=100 => participants * 4,
        101..=1000 => participants * 7 / 3,
        1001..=5000 => participants * 9 / 2,
        _ => participants * 10,
    }
}

/// A brokerage event with `participants` participants (at least 2).
pub fn brokerage_event(participants: usize, seed: u64) -> InstanceInput {
    let n = participants.max(2);
    let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let slots: u32 = match n {
        0..=100 => 12,
        101..=1000 => 14,
        _ => 16,
    };
    let morning = slots / 2;
    let mut people = Vec::with_capacity(n);
    let mut slot_count = Vec::with_capacity(n);
    for i in 0..n {
        let r = rng.unit();
        let available = if r < 0.06 {
            Some((0..morning).collect::<Vec<_>>())
        } else if r < 0.12 {
            Some((morning..slots).collect())
        } else {
            None
        };
        slot_count.push(available.as_ref().map_or(slots as usize, Vec::len));
        let max_meetings = rng.chance(0.10).then(|| 4 + rng.below(5) as u32);
        people.push(ParticipantInput {
            id: format!("p{}", i + 1),
            available,
            max_meetings,
        });
    }
    // Zipf-like popularity over a random permutation of participants.
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        perm.swap(i, rng.below(i + 1));
    }
    let mut cumulative = Vec::with_capacity(n);
    let mut acc = 0.0;
    for rank in 0..n {
        acc += 1.0 / ((rank + 1) as f64).powf(0.9);
        cumulative.push(acc);
    }
    let target = request_count(n).min(n * (n - 1) / 2);
    let mut pairs: HashSet<(usize, usize)> = HashSet::with_capacity(target);
    let mut meetings = Vec::with_capacity(target);
    let mut degree = vec![0usize; n];
    let mut attempts = 0usize;
    while meetings.len() < target && attempts < target * 50 {
        attempts += 1;
        let a = rng.below(n);
        let b = if rng.chance(0.7) {
            rng.below(n)
        } else {
            let x = rng.unit() * acc;
            perm[cumulative.partition_point(|&c| c < x).min(n - 1)]
        };
        if a == b || !pairs.insert((a.min(b), a.max(b))) {
            continue;
        }
        degree[a] += 1;
        degree[b] += 1;
        let r = rng.unit();
        let priority = if r < 0.60 {
            1
        } else if r < 0.85 {
            2
        } else {
            3
        };
        meetings.push(MeetingInput {
            id: format!("m{}", meetings.len() + 1),
            with: vec![format!("p{}", a + 1), format!("p{}", b + 1)],
            priority,
            allowed: None,
            fixed_slot: None,
            after: Vec::new(),
        });
    }
    let holdable: usize = (0..n)
        .map(|p| {
            let cap = people[p].max_meetings.map_or(usize::MAX, |c| c as usize);
            degree[p].min(slot_count[p]).min(cap)
        })
        .sum();
    let tables = ((holdable as f64 / 2.0 / f64::from(slots)) * 0.9)
        .ceil()
        .max(1.0) as u32;
    InstanceInput {
        name: format!("brokerage-{n}-{seed}"),
        slots,
        tables,
        participants: people,
        meetings,
    }
}
