//! Property test: on random small instances the schedule always verifies and
//! never beats the upper bound.

use std::time::Duration;

use klynge_scheduler::{
    Instance, InstanceInput, MeetingInput, Options, ParticipantInput, breaks_lower_bound,
    reschedule, schedule, upper_bound, verify,
};
use proptest::prelude::*;

fn instance() -> impl Strategy<Value = InstanceInput> {
    (1u32..7, 1u32..4, 2usize..7)
        .prop_flat_map(|(slots, tables, np)| {
            let participant = (
                proptest::option::weighted(
                    0.4,
                    proptest::collection::vec(0..slots, 0..slots as usize + 1),
                ),
                proptest::option::weighted(0.3, 0u32..4),
            );
            let meeting = (
                proptest::collection::vec(0..np, 2..4),
                1u32..4,
                proptest::option::weighted(
                    0.3,
                    proptest::collection::vec(0..slots, 1..slots as usize + 1),
                ),
                proptest::option::weighted(0.15, 0..slots),
                proptest::collection::vec(any::<prop::sample::Index>(), 0..2),
            );
            (
                Just((slots, tables)),
                proptest::collection::vec(participant, np),
                proptest::collection::vec(meeting, 0..12),
            )
        })
        .prop_map(|((slots, tables), ps, ms)| {
            let participants = ps
                .into_iter()
                .enumerate()
                .map(|(i, (available, max_meetings))| ParticipantInput {
                    id: format!("p{i}"),
                    available,
                    max_meetings,
                })
                .collect();
            let meetings = ms
                .into_iter()
                .enumerate()
                .map(|(i, (mut with, priority, allowed, fixed_slot, after))| {
                    with.sort_unstable();
                    with.dedup();
                    // Only earlier meetings as predecessors: acyclic by construction.
                    let after = if i == 0 {
                        Vec::new()
                    } else {
                        after.iter().map(|ix| format!("m{}", ix.index(i))).collect()
                    };
                    MeetingInput {
                        id: format!("m{i}"),
                        with: with.iter().map(|p| format!("p{p}")).collect(),
                        priority,
                        allowed,
                        fixed_slot,
                        after,
                    }
                })
                .collect();
            InstanceInput {
                name: "prop".into(),
                slots,
                tables,
                participants,
                meetings,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn schedules_verify_and_respect_the_bound(input in instance(), seed in 0u64..1000) {
        // Random fixed slots may contradict each other; those inputs must be
        // rejected with an error, never a panic.
        let Ok(inst) = Instance::new(&input) else { return Ok(()); };
        let opts = Options { time_limit: Duration::from_secs(5), seed, max_iterations: Some(3000) };
        let sol = schedule(&inst, &opts);
        let stats = verify(&inst, &sol);
        prop_assert!(stats.is_ok(), "{:?}", stats);
        prop_assert!(sol.stats.priority_sum <= upper_bound(&inst));
        prop_assert!(breaks_lower_bound(&inst, &sol) <= sol.stats.breaks);
        prop_assert_eq!(sol.scheduled.len() + sol.unscheduled.len(), inst.meeting_count());

        // Re-scheduling the same instance keeps everything in place.
        let again = reschedule(&inst, &sol, &opts);
        prop_assert!(verify(&inst, &again).is_ok());
        for p in &sol.scheduled {
            prop_assert!(again.scheduled.contains(p), "{:?} moved", p);
        }
    }
}
