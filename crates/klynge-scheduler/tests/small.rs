//! Hand-made instances with known optima.

mod common;

use common::{inst, quick};
use klynge_scheduler::{Instance, Options, breaks_lower_bound, schedule, upper_bound, verify};

fn slot_of(sol: &klynge_scheduler::Solution, id: &str) -> Option<u32> {
    sol.scheduled
        .iter()
        .find(|p| p.meeting == id)
        .map(|p| p.slot)
}

#[test]
fn path_needs_no_break() {
    let i = inst(
        r#"{"slots": 3, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "bc", "with": ["b", "c"]},
                     {"id": "cd", "with": ["c", "d"]}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.scheduled, 3);
    assert_eq!(stats.breaks, 0);
    assert_eq!(stats.idle_slots, 0);
    assert_eq!(slot_of(&sol, "bc"), Some(1));
}

#[test]
fn triangle_forces_one_break() {
    let i = inst(
        r#"{"slots": 3, "tables": 2,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "bc", "with": ["b", "c"]},
                     {"id": "ac", "with": ["a", "c"]}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.scheduled, 3);
    assert_eq!(stats.breaks, 1);
    assert_eq!(stats.idle_slots, 1);
}

#[test]
fn tables_force_an_unscheduled_meeting_and_the_bound_proves_it() {
    let i = inst(
        r#"{"slots": 1, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "meetings": [{"id": "ab", "with": ["a", "b"], "priority": 3},
                     {"id": "cd", "with": ["c", "d"]}]}"#,
    );
    assert_eq!(upper_bound(&i), 3);
    let sol = schedule(&i, &quick(100));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.priority_sum, 3);
    assert_eq!(stats.upper_bound, 3);
    assert_eq!(sol.unscheduled, vec!["cd".to_string()]);
    assert_eq!(sol.scheduled[0].table, 0);
}

#[test]
fn fixed_slot_and_after_are_honoured() {
    let i = inst(
        r#"{"slots": 4, "tables": 3,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "meetings": [{"id": "m1", "with": ["a", "b"], "fixed_slot": 2, "after": ["m0"]},
                     {"id": "m2", "with": ["a", "c"], "after": ["m1"]},
                     {"id": "m0", "with": ["b", "c"]}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    verify(&i, &sol).expect("valid");
    assert_eq!(slot_of(&sol, "m1"), Some(2));
    assert_eq!(slot_of(&sol, "m2"), Some(3));
    assert!(slot_of(&sol, "m0").is_some_and(|s| s < 2));
    // c meets in m0 (before 2) and m2 (slot 3): one break is unavoidable, and
    // m0 in slot 1 avoids a second one for b.
    assert_eq!(sol.stats.breaks, 1);
    assert_eq!(slot_of(&sol, "m0"), Some(1));
}

#[test]
fn max_meetings_is_honoured_and_keeps_the_higher_priority() {
    let i = inst(
        r#"{"slots": 4, "tables": 4,
        "participants": [{"id": "a", "max_meetings": 1}, {"id": "b"}, {"id": "c"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]},
                     {"id": "ac", "with": ["a", "c"], "priority": 2}]}"#,
    );
    assert_eq!(upper_bound(&i), 2);
    let sol = schedule(&i, &quick(100));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.priority_sum, 2);
    assert_eq!(sol.unscheduled, vec!["ab".to_string()]);
}

#[test]
fn unavailable_slots_are_honoured() {
    let i = inst(
        r#"{"slots": 3, "tables": 1,
        "participants": [{"id": "a", "available": [1]}, {"id": "b", "available": [0, 1]},
                         {"id": "c", "available": [2]}, {"id": "d"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "cb", "with": ["c", "b"]},
                     {"id": "cd", "with": ["c", "d"], "allowed": [0, 1, 2]}]}"#,
    );
    assert_eq!(upper_bound(&i), 2);
    let sol = schedule(&i, &quick(100));
    verify(&i, &sol).expect("valid");
    assert_eq!(slot_of(&sol, "ab"), Some(1));
    assert_eq!(slot_of(&sol, "cd"), Some(2));
    assert_eq!(sol.unscheduled, vec!["cb".to_string()]);
}

#[test]
fn more_than_64_slots_work() {
    let i = inst(
        r#"{"slots": 100, "tables": 1,
        "participants": [{"id": "a", "available": [70, 71, 99]}, {"id": "b"}, {"id": "c"}],
        "meetings": [{"id": "ab", "with": ["a", "b"], "allowed": [70, 99]},
                     {"id": "ac", "with": ["a", "c"], "fixed_slot": 71}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.scheduled, 2);
    assert_eq!(stats.breaks, 0);
    assert_eq!(slot_of(&sol, "ab"), Some(70));
}

#[test]
fn three_person_meetings_block_all_members() {
    let i = inst(
        r#"{"slots": 2, "tables": 5,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "meetings": [{"id": "abc", "with": ["a", "b", "c"]}, {"id": "cd", "with": ["c", "d"]},
                     {"id": "ad", "with": ["a", "d"]}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    let stats = verify(&i, &sol).expect("valid");
    // cd and ad share d, abc shares a member with both: only two fit in 2 slots.
    assert_eq!(stats.scheduled, 2);
}

#[test]
fn same_seed_and_iteration_cap_give_the_same_schedule() {
    let i = Instance::new(&klynge_scheduler::generate::brokerage_event(60, 3)).expect("valid");
    let o = Options {
        time_limit: std::time::Duration::from_secs(60),
        seed: 11,
        max_iterations: Some(20_000),
    };
    let (a, b) = (schedule(&i, &o), schedule(&i, &o));
    assert_eq!(a.scheduled, b.scheduled);
    verify(&i, &a).expect("valid");
}

#[test]
fn output_round_trips_as_json() {
    let i = inst(
        r#"{"slots": 2, "tables": 1, "participants": [{"id": "a"}, {"id": "b"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}]}"#,
    );
    let sol = schedule(&i, &quick(50));
    let json = sol.to_json();
    assert!(json.contains("\"priority_sum\": 1"));
    let back: klynge_scheduler::Solution = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, sol);
}

#[test]
fn progress_is_reported_and_ends_done() {
    let i = Instance::new(&klynge_scheduler::generate::brokerage_event(60, 1)).expect("valid");
    let mut phases = Vec::new();
    let mut last_bound = 0;
    let sol = klynge_scheduler::schedule_with_progress(&i, &quick(300), &mut |p| {
        phases.push(p.phase);
        last_bound = p.upper_bound;
    });
    verify(&i, &sol).expect("valid");
    assert_eq!(phases.first(), Some(&klynge_scheduler::Phase::Construct));
    assert_eq!(phases.last(), Some(&klynge_scheduler::Phase::Done));
    // The last report shows the bound the solution reports (refined or not).
    assert_eq!(last_bound, sol.stats.upper_bound);
}

#[test]
fn forced_breaks_are_proven_and_reached() {
    // `a` meets `b` only in slot 0 and `c` only in slot 2: one break it cannot
    // avoid. `d` must meet in slots 0, 2 and 4: two breaks at least (the bound
    // stops at "at least 2"; here it is exact).
    let i = inst(
        r#"{"slots": 5, "tables": 3,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"},
                         {"id": "e"}, {"id": "f"}, {"id": "g"}],
        "meetings": [{"id": "ab", "with": ["a", "b"], "allowed": [0]},
                     {"id": "ac", "with": ["a", "c"], "allowed": [2]},
                     {"id": "de", "with": ["d", "e"], "fixed_slot": 0},
                     {"id": "df", "with": ["d", "f"], "fixed_slot": 2},
                     {"id": "dg", "with": ["d", "g"], "fixed_slot": 4}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.scheduled, 5);
    assert_eq!(stats.breaks, 3);
    assert_eq!(breaks_lower_bound(&i, &sol), 3);
}

#[test]
fn lower_bound_counts_only_held_meetings() {
    // Unavailable slot 1 splits `a`'s day; without meeting `ac` it needs no break.
    let i = inst(
        r#"{"slots": 3, "tables": 2,
        "participants": [{"id": "a", "available": [0, 2]}, {"id": "b"}, {"id": "c"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "ac", "with": ["a", "c"]}]}"#,
    );
    let sol = schedule(&i, &quick(200));
    assert_eq!(verify(&i, &sol).expect("valid").breaks, 1);
    assert_eq!(breaks_lower_bound(&i, &sol), 1);
    let mut fewer = sol.clone();
    fewer.scheduled.retain(|p| p.meeting == "ab");
    assert_eq!(breaks_lower_bound(&i, &fewer), 0);
}

#[test]
fn exact_search_proves_breaks_that_only_the_tables_force() {
    // One table. `de` is fixed to slot 1, so `a`'s two meetings cannot be
    // adjacent: one break. Alone, `a` could use slots 0–1 or 1–2 (floor 0);
    // only the exact search, which sees the tables, proves the break needed.
    let i = inst(
        r#"{"slots": 3, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "ac", "with": ["a", "c"]},
                     {"id": "de", "with": ["d", "e"], "fixed_slot": 1}]}"#,
    );
    let sol = schedule(&i, &quick(2_000));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(stats.scheduled, 3);
    assert_eq!(stats.breaks, 1);
    assert_eq!(breaks_lower_bound(&i, &sol), 0, "the floors see no break");
    assert_eq!(sol.stats.breaks_lower_bound, 1, "proven optimal");
    // A claimed bound above the schedule's breaks is refused.
    let mut lying = sol.clone();
    lying.stats.breaks_lower_bound = 2;
    assert!(verify(&i, &lying).is_err());
}

#[test]
fn exact_search_bounds_the_breaks_of_the_held_meetings_when_not_all_fit() {
    // As above, and `fg` can only be in slot 1, where `de` takes the one
    // table: three of the four meetings fit, the priority reaches its bound,
    // and the exact search proves `a`'s break for the three held meetings.
    let i = inst(
        r#"{"slots": 3, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"},
                         {"id": "f"}, {"id": "g"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "ac", "with": ["a", "c"]},
                     {"id": "de", "with": ["d", "e"], "fixed_slot": 1},
                     {"id": "fg", "with": ["f", "g"], "allowed": [1]}]}"#,
    );
    let sol = schedule(&i, &quick(2_000));
    let stats = verify(&i, &sol).expect("valid");
    assert_eq!(sol.unscheduled, vec!["fg".to_string()]);
    assert_eq!((stats.priority_sum, stats.upper_bound), (3, 3));
    assert_eq!(stats.breaks, 1);
    assert_eq!(breaks_lower_bound(&i, &sol), 0, "the floors see no break");
    assert_eq!(
        sol.stats.breaks_lower_bound, 1,
        "proven optimal for these meetings"
    );
}
