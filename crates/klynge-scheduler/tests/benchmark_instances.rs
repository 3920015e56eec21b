//! The public B2B benchmark: every file parses; the originals are fully
//! scheduled and verify.

mod common;

use klynge_scheduler::{Instance, breaks_lower_bound, schedule, verify};

#[test]
fn all_140_instances_parse() {
    let dir = common::instances_dir();
    let mut count = 0;
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable instance");
            if let Err(e) = Instance::from_json(&text) {
                panic!("{} does not parse: {e}", path.display());
            }
            count += 1;
        }
    }
    assert_eq!(count, 140);
}

#[test]
fn originals_are_fully_scheduled_and_verify() {
    let dir = common::instances_dir();
    // Debug builds are slow: a representative subset there, all 20 in release.
    let subset = ["tic-12crafc", "forum-13", "forumt-14crafe", "ticf-14crafa"];
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".original.json"))
        .filter(|n| {
            !cfg!(debug_assertions) || subset.iter().any(|s| n.starts_with(&format!("{s}.")))
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), if cfg!(debug_assertions) { 4 } else { 20 });
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).expect("readable instance");
        let inst = common::inst(&text);
        let sol = schedule(&inst, &common::quick(1000));
        let stats = verify(&inst, &sol).unwrap_or_else(|v| panic!("{name}: {v}"));
        assert_eq!(stats.scheduled as usize, inst.meeting_count(), "{name}");
        assert_eq!(stats.upper_bound, stats.priority_sum, "{name}");
        assert!(sol.unscheduled.is_empty(), "{name}");
        assert!(breaks_lower_bound(&inst, &sol) <= stats.breaks, "{name}");
    }
}
