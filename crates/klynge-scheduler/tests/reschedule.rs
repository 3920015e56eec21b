//! Re-scheduling after cancellations keeps unaffected meetings in place.

mod common;

use klynge_scheduler::{Instance, Placement, generate, reschedule, schedule, verify};

#[test]
fn cancellations_keep_every_unaffected_meeting_in_place() {
    let mut input = generate::brokerage_event(60, 5);
    let inst = Instance::new(&input).expect("valid");
    let first = schedule(&inst, &common::quick(500));
    verify(&inst, &first).expect("valid");

    // Cancel three scheduled meetings and one participant (with its meetings),
    // and add a new request.
    let cancelled: Vec<String> = first
        .scheduled
        .iter()
        .take(3)
        .map(|p| p.meeting.clone())
        .collect();
    let gone = input.participants.remove(5).id;
    input
        .meetings
        .retain(|m| !cancelled.contains(&m.id) && !m.with.contains(&gone));
    input.meetings.push(klynge_scheduler::MeetingInput {
        id: "new".into(),
        with: vec!["p1".into(), "p2".into()],
        priority: 3,
        allowed: None,
        fixed_slot: None,
        after: Vec::new(),
    });
    let inst2 = Instance::new(&input).expect("still valid");
    let second = reschedule(&inst2, &first, &common::quick(500));
    verify(&inst2, &second).expect("valid");

    let kept: Vec<&Placement> = first
        .scheduled
        .iter()
        .filter(|p| inst2.meeting_ids().contains(&p.meeting))
        .collect();
    assert!(kept.len() > 100);
    let kept_count = kept.len() as u64;
    for p in kept {
        assert!(second.scheduled.contains(p), "{p:?} moved");
    }
    // Kept meetings plus possibly some that fit now.
    assert!(second.stats.scheduled >= kept_count);
}

#[test]
fn reschedule_fills_freed_room() {
    let json = r#"{"slots": 1, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "meetings": [{"id": "ab", "with": ["a", "b"], "priority": 2}, {"id": "cd", "with": ["c", "d"]}]}"#;
    let inst = common::inst(json);
    let first = schedule(&inst, &common::quick(100));
    assert_eq!(first.unscheduled, vec!["cd".to_string()]);
    // ab is cancelled: cd takes its place.
    let inst2 =
        common::inst(&json.replace(r#"{"id": "ab", "with": ["a", "b"], "priority": 2}, "#, ""));
    let second = reschedule(&inst2, &first, &common::quick(100));
    verify(&inst2, &second).expect("valid");
    assert_eq!(second.scheduled.len(), 1);
    assert_eq!(second.scheduled[0].meeting, "cd");
}

#[test]
fn invalid_previous_placements_are_released() {
    let json = r#"{"slots": 2, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}],
        "meetings": [{"id": "ab", "with": ["a", "b"]}]}"#;
    let inst = common::inst(json);
    let mut prev = schedule(&inst, &common::quick(50));
    prev.scheduled[0].slot = 1;
    // a is now only available in slot 0, so the old slot 1 cannot be kept.
    let inst2 = common::inst(&json.replace(r#"{"id": "a"}"#, r#"{"id": "a", "available": [0]}"#));
    let second = reschedule(&inst2, &prev, &common::quick(50));
    verify(&inst2, &second).expect("valid");
    assert_eq!(second.scheduled[0].slot, 0);
}
