//! Independent checking of a [`Solution`] against every rule, written without
//! the solver's data structures so that it can catch their bugs.

use std::collections::{HashMap, HashSet};

use crate::error::Violation;
use crate::format::{Solution, Stats};
use crate::model::Instance;

/// Checks every rule and recomputes the stats. Returns the recomputed stats
/// (with the solution's `seconds`), or the first violation found, including
/// reported stats that differ from the recomputed ones or an upper bound below
/// the priority sum.
pub fn verify(inst: &Instance, sol: &Solution) -> Result<Stats, Violation> {
    let nm = inst.meeting_ids.len();
    let mut slot: Vec<Option<u32>> = vec![None; nm];
    let mut seen: HashSet<usize> = HashSet::new();
    let mut at_table: HashMap<(u32, u32), usize> = HashMap::new();
    for pl in &sol.scheduled {
        let Some(&m) = inst.meeting_index.get(&pl.meeting) else {
            return Err(Violation::UnknownMeeting(pl.meeting.clone()));
        };
        let m = m as usize;
        if !seen.insert(m) {
            return Err(Violation::Duplicate(pl.meeting.clone()));
        }
        if pl.slot as usize >= inst.slots || pl.table >= inst.tables {
            return Err(Violation::OutOfRange {
                meeting: pl.meeting.clone(),
                slot: pl.slot,
                table: pl.table,
            });
        }
        if let Some(other) = at_table.insert((pl.slot, pl.table), m) {
            return Err(Violation::TableClash {
                first: inst.meeting_ids[other].clone(),
                second: pl.meeting.clone(),
                slot: pl.slot,
                table: pl.table,
            });
        }
        let s = pl.slot as usize;
        // A fixed slot overrides `allowed` (see the crate docs).
        let allowed = inst.fixed[m] == Some(pl.slot)
            || crate::bits::test(&inst.allowed[m * inst.words..(m + 1) * inst.words], s);
        let available = inst
            .members
            .row(m)
            .iter()
            .all(|&p| crate::bits::test(inst.available_of(p as usize), s));
        if !allowed || !available {
            return Err(Violation::NotAllowed {
                meeting: pl.meeting.clone(),
                slot: pl.slot,
            });
        }
        if let Some(f) = inst.fixed[m]
            && f != pl.slot
        {
            return Err(Violation::NotFixedSlot {
                meeting: pl.meeting.clone(),
                slot: pl.slot,
                fixed: f,
            });
        }
        slot[m] = Some(pl.slot);
    }
    for id in &sol.unscheduled {
        let Some(&m) = inst.meeting_index.get(id) else {
            return Err(Violation::UnknownMeeting(id.clone()));
        };
        if !seen.insert(m as usize) {
            return Err(Violation::Duplicate(id.clone()));
        }
    }
    if let Some(m) = (0..nm).find(|m| !seen.contains(m)) {
        return Err(Violation::Missing(inst.meeting_ids[m].clone()));
    }

    // Participants: double booking, caps, breaks, idle slots.
    let mut per_participant: Vec<Vec<u32>> = vec![Vec::new(); inst.participant_ids.len()];
    for (m, s) in slot.iter().enumerate() {
        if let Some(s) = *s {
            for &p in inst.members.row(m) {
                per_participant[p as usize].push(s);
            }
        }
    }
    let (mut breaks, mut idle) = (0u64, 0u64);
    for (p, list) in per_participant.iter_mut().enumerate() {
        list.sort_unstable();
        if let Some(w) = list.windows(2).find(|w| w[0] == w[1]) {
            return Err(Violation::DoubleBooked {
                participant: inst.participant_ids[p].clone(),
                slot: w[0],
            });
        }
        let max = inst.max_meetings[p];
        if list.len() as u64 > u64::from(max) {
            return Err(Violation::OverCap {
                participant: inst.participant_ids[p].clone(),
                count: list.len() as u32,
                max,
            });
        }
        for w in list.windows(2) {
            if w[1] > w[0] + 1 {
                breaks += 1;
                idle += (w[0] + 1..w[1])
                    .filter(|&s| crate::bits::test(inst.available_of(p), s as usize))
                    .count() as u64;
            }
        }
    }
    for m in 0..nm {
        let Some(s) = slot[m] else { continue };
        for &q in inst.preds.row(m) {
            if let Some(sq) = slot[q as usize]
                && sq >= s
            {
                return Err(Violation::Order {
                    meeting: inst.meeting_ids[m].clone(),
                    slot: s,
                    after: inst.meeting_ids[q as usize].clone(),
                    after_slot: sq,
                });
            }
        }
    }
    let scheduled = sol.scheduled.len() as u64;
    let priority_sum: u64 = slot
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_some())
        .map(|(m, _)| u64::from(inst.priority[m]))
        .sum();
    let checks = [
        ("scheduled", sol.stats.scheduled, scheduled),
        ("priority_sum", sol.stats.priority_sum, priority_sum),
        ("breaks", sol.stats.breaks, breaks),
        ("idle_slots", sol.stats.idle_slots, idle),
    ];
    for (field, reported, actual) in checks {
        if reported != actual {
            return Err(Violation::Stats {
                field,
                reported,
                actual,
            });
        }
    }
    if sol.stats.breaks_lower_bound > breaks {
        return Err(Violation::Stats {
            field: "breaks_lower_bound above breaks",
            reported: sol.stats.breaks_lower_bound,
            actual: breaks,
        });
    }
    // The reported bound may be tighter than the combinatorial one (the
    // dual refinement, which depends on the search), never looser, and no
    // schedule is above a proven bound.
    let upper_bound = sol.stats.upper_bound;
    let combinatorial = crate::bound::upper_bound(inst);
    if upper_bound > combinatorial {
        return Err(Violation::Stats {
            field: "upper_bound above the combinatorial bound",
            reported: upper_bound,
            actual: combinatorial,
        });
    }
    if priority_sum > upper_bound {
        return Err(Violation::Stats {
            field: "upper_bound below priority_sum",
            reported: upper_bound,
            actual: priority_sum,
        });
    }
    Ok(Stats {
        scheduled,
        priority_sum,
        upper_bound,
        breaks,
        idle_slots: idle,
        breaks_lower_bound: sol.stats.breaks_lower_bound,
        seconds: sol.stats.seconds,
    })
}
