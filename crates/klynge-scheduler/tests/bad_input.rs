//! Bad input gives the expected error, naming the offending value.

use klynge_scheduler::{Instance, ScheduleError};

fn err(json: &str) -> ScheduleError {
    match Instance::from_json(json) {
        Ok(_) => panic!("expected an error for {json}"),
        Err(e) => e,
    }
}

fn with_meetings(meetings: &str) -> String {
    format!(
        r#"{{"slots": 4, "tables": 2,
        "participants": [{{"id": "a"}}, {{"id": "b", "available": [0, 1]}}, {{"id": "c"}}],
        "meetings": {meetings}}}"#
    )
}

#[test]
fn malformed_json_and_unknown_fields() {
    assert!(matches!(err("{"), ScheduleError::Json(_)));
    let e = err(r#"{"slots": 1, "tables": 1, "participants": [], "meetings": [], "colour": 1}"#);
    assert!(matches!(e, ScheduleError::Json(_)));
    assert!(e.to_string().contains("colour"), "{e}");
    let e = err(
        r#"{"slots": 1, "tables": 1, "participants": [{"id": "a", "avail": [0]}], "meetings": []}"#,
    );
    assert!(e.to_string().contains("avail"), "{e}");
    assert!(matches!(
        err(r#"{"slots": -1, "tables": 1, "participants": [], "meetings": []}"#),
        ScheduleError::Json(_)
    ));
}

#[test]
fn zero_slots_or_tables() {
    let e = err(r#"{"slots": 0, "tables": 1, "participants": [], "meetings": []}"#);
    assert!(matches!(e, ScheduleError::NoSlots));
    assert!(e.to_string().contains("slots"));
    let e = err(r#"{"slots": 2, "tables": 0, "participants": [], "meetings": []}"#);
    assert!(matches!(e, ScheduleError::NoTables));
    let e = err(r#"{"slots": 100000, "tables": 1, "participants": [], "meetings": []}"#);
    assert!(matches!(
        e,
        ScheduleError::TooManySlots { slots: 100000, .. }
    ));
}

#[test]
fn duplicate_ids() {
    let e = err(
        r#"{"slots": 2, "tables": 1, "participants": [{"id": "a"}, {"id": "a"}], "meetings": []}"#,
    );
    assert!(matches!(&e, ScheduleError::DuplicateParticipant { id } if id == "a"));
    assert!(e.to_string().contains("\"a\""));
    let e = err(&with_meetings(
        r#"[{"id": "m", "with": ["a", "c"]}, {"id": "m", "with": ["a", "b"]}]"#,
    ));
    assert!(matches!(&e, ScheduleError::DuplicateMeeting { id } if id == "m"));
    assert!(e.to_string().contains("\"m\""));
    let e = err(r#"{"slots": 2, "tables": 1, "participants": [{"id": ""}], "meetings": []}"#);
    assert!(matches!(
        e,
        ScheduleError::EmptyId {
            kind: "participant"
        }
    ));
}

#[test]
fn slots_out_of_range() {
    let e = err(
        r#"{"slots": 2, "tables": 1, "participants": [{"id": "a", "available": [0, 2]}], "meetings": []}"#,
    );
    assert!(
        matches!(&e, ScheduleError::SlotOutOfRange { field: "available", owner, slot: 2, slots: 2 } if owner == "a")
    );
    assert!(e.to_string().contains("slot 2"), "{e}");
    let e = err(&with_meetings(
        r#"[{"id": "m", "with": ["a", "c"], "allowed": [7]}]"#,
    ));
    assert!(matches!(
        &e,
        ScheduleError::SlotOutOfRange {
            field: "allowed",
            slot: 7,
            ..
        }
    ));
    let e = err(&with_meetings(
        r#"[{"id": "m", "with": ["a", "c"], "fixed_slot": 4}]"#,
    ));
    assert!(matches!(
        &e,
        ScheduleError::SlotOutOfRange {
            field: "fixed_slot",
            slot: 4,
            ..
        }
    ));
}

#[test]
fn participants_of_meetings() {
    let e = err(&with_meetings(r#"[{"id": "m", "with": ["a", "zed"]}]"#));
    assert!(
        matches!(&e, ScheduleError::UnknownParticipant { meeting, participant } if meeting == "m" && participant == "zed")
    );
    assert!(e.to_string().contains("zed"));
    let e = err(&with_meetings(r#"[{"id": "m", "with": ["a"]}]"#));
    assert!(matches!(
        &e,
        ScheduleError::TooFewParticipants { distinct: 1, .. }
    ));
    assert!(e.to_string().contains("\"m\""));
    let e = err(&with_meetings(r#"[{"id": "m", "with": ["a", "a"]}]"#));
    assert!(matches!(
        &e,
        ScheduleError::TooFewParticipants { distinct: 1, .. }
    ));
    let e = err(&with_meetings(r#"[{"id": "m", "with": []}]"#));
    assert!(matches!(
        &e,
        ScheduleError::TooFewParticipants { distinct: 0, .. }
    ));
    let e = err(&with_meetings(r#"[{"id": "m", "with": ["a", "b", "a"]}]"#));
    assert!(
        matches!(&e, ScheduleError::RepeatedParticipant { participant, .. } if participant == "a")
    );
}

#[test]
fn precedences() {
    let e = err(&with_meetings(
        r#"[{"id": "m", "with": ["a", "c"], "after": ["nope"]}]"#,
    ));
    assert!(matches!(&e, ScheduleError::UnknownPredecessor { after, .. } if after == "nope"));
    assert!(e.to_string().contains("nope"));
    let e = err(&with_meetings(
        r#"[{"id": "x", "with": ["a", "c"], "after": ["z"]},
            {"id": "y", "with": ["a", "b"], "after": ["x"]},
            {"id": "z", "with": ["b", "c"], "after": ["y"]}]"#,
    ));
    let ScheduleError::PrecedenceCycle { cycle } = &e else {
        panic!("expected a cycle, got {e}");
    };
    assert_eq!(cycle.len(), 4);
    assert_eq!(cycle.first(), cycle.last());
    assert!(e.to_string().contains("->"), "{e}");
    let e = err(&with_meetings(
        r#"[{"id": "s", "with": ["a", "c"], "after": ["s"]}]"#,
    ));
    assert!(matches!(&e, ScheduleError::PrecedenceCycle { cycle } if cycle == &["s", "s"]));
}

#[test]
fn contradictory_fixed_slots() {
    // A fixed slot overrides `allowed` (documented), but not availability.
    let ok = Instance::from_json(&with_meetings(
        r#"[{"id": "m", "with": ["a", "c"], "allowed": [0, 1], "fixed_slot": 3}]"#,
    ));
    assert!(ok.is_ok());

    let e = err(&with_meetings(
        r#"[{"id": "m", "with": ["a", "b"], "fixed_slot": 3}]"#,
    ));
    assert!(
        matches!(&e, ScheduleError::FixedSlotUnavailable { participant, slot: 3, .. } if participant == "b")
    );
    assert!(e.to_string().contains("\"b\""));
    let e = err(&with_meetings(
        r#"[{"id": "x", "with": ["a", "c"], "fixed_slot": 1}, {"id": "y", "with": ["a", "b"], "fixed_slot": 1}]"#,
    ));
    assert!(
        matches!(&e, ScheduleError::FixedSlotClash { participant, slot: 1, .. } if participant == "a")
    );
    let e = err(&with_meetings(
        r#"[{"id": "x", "with": ["a", "c"], "fixed_slot": 1}, {"id": "y", "with": ["a", "b"], "fixed_slot": 0, "after": ["x"]}]"#,
    ));
    assert!(
        matches!(&e, ScheduleError::FixedOrderContradiction { meeting, after, .. } if meeting == "y" && after == "x")
    );
    let e = err(r#"{"slots": 2, "tables": 1,
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "meetings": [{"id": "x", "with": ["a", "b"], "fixed_slot": 0},
                     {"id": "y", "with": ["c", "d"], "fixed_slot": 0}]}"#);
    assert!(matches!(
        &e,
        ScheduleError::FixedSlotOverTables {
            slot: 0,
            count: 2,
            tables: 1
        }
    ));
}
