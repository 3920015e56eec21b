//! Turns an [`InstanceInput`] into an [`Instance`], rejecting anything that
//! is not a well-formed problem with an error naming the offending item.

use std::collections::HashMap;

use crate::bits;
use crate::error::ScheduleError;
use crate::format::InstanceInput;
use crate::model::{Csr, Instance, NONE};

/// The largest supported number of slots. Bitsets grow with the slot count, so
/// there is no 64-slot limit; this cap only keeps memory bounded on absurd input.
pub const MAX_SLOTS: u32 = 4096;

fn slot_set(
    list: Option<&[u32]>,
    slots: u32,
    words: usize,
    field: &'static str,
    owner: &str,
) -> Result<Vec<u64>, ScheduleError> {
    let mut w = vec![0u64; words];
    match list {
        None => (0..slots as usize).for_each(|s| bits::set(&mut w, s)),
        Some(list) => {
            for &s in list {
                if s >= slots {
                    return Err(ScheduleError::SlotOutOfRange {
                        field,
                        owner: owner.to_string(),
                        slot: s,
                        slots,
                    });
                }
                bits::set(&mut w, s as usize);
            }
        }
    }
    Ok(w)
}

pub(crate) fn build(input: &InstanceInput) -> Result<Instance, ScheduleError> {
    if input.slots == 0 {
        return Err(ScheduleError::NoSlots);
    }
    if input.slots > MAX_SLOTS {
        return Err(ScheduleError::TooManySlots {
            slots: input.slots,
            max: MAX_SLOTS,
        });
    }
    if input.tables == 0 {
        return Err(ScheduleError::NoTables);
    }
    let slots = input.slots;
    let words = bits::words_for(slots as usize);

    // Participants.
    let np = input.participants.len();
    let mut participant_index: HashMap<&str, u32> = HashMap::with_capacity(np);
    let mut available = Vec::with_capacity(np * words);
    let mut max_meetings = Vec::with_capacity(np);
    for (i, p) in input.participants.iter().enumerate() {
        if p.id.is_empty() {
            return Err(ScheduleError::EmptyId {
                kind: "participant",
            });
        }
        if participant_index.insert(&p.id, i as u32).is_some() {
            return Err(ScheduleError::DuplicateParticipant { id: p.id.clone() });
        }
        available.extend(slot_set(
            p.available.as_deref(),
            slots,
            words,
            "available",
            &p.id,
        )?);
        max_meetings.push(p.max_meetings.unwrap_or(NONE));
    }

    // Meetings: ids first, so `after` can refer forwards.
    let nm = input.meetings.len();
    let mut meeting_index: HashMap<String, u32> = HashMap::with_capacity(nm);
    for (i, m) in input.meetings.iter().enumerate() {
        if m.id.is_empty() {
            return Err(ScheduleError::EmptyId { kind: "meeting" });
        }
        if meeting_index.insert(m.id.clone(), i as u32).is_some() {
            return Err(ScheduleError::DuplicateMeeting { id: m.id.clone() });
        }
    }

    let mut member_pairs = Vec::with_capacity(nm * 2);
    let mut pred_pairs = Vec::new();
    let mut allowed = Vec::with_capacity(nm * words);
    let mut domain = Vec::with_capacity(nm * words);
    let mut fixed = Vec::with_capacity(nm);
    let mut priority = Vec::with_capacity(nm);
    for (i, m) in input.meetings.iter().enumerate() {
        let mut seen: Vec<u32> = Vec::with_capacity(m.with.len());
        for pid in &m.with {
            let Some(&p) = participant_index.get(pid.as_str()) else {
                return Err(ScheduleError::UnknownParticipant {
                    meeting: m.id.clone(),
                    participant: pid.clone(),
                });
            };
            if seen.contains(&p) {
                if m.with.len() <= 2 {
                    return Err(ScheduleError::TooFewParticipants {
                        meeting: m.id.clone(),
                        distinct: 1,
                    });
                }
                return Err(ScheduleError::RepeatedParticipant {
                    meeting: m.id.clone(),
                    participant: pid.clone(),
                });
            }
            seen.push(p);
        }
        if seen.len() < 2 {
            return Err(ScheduleError::TooFewParticipants {
                meeting: m.id.clone(),
                distinct: seen.len(),
            });
        }
        let allow = slot_set(m.allowed.as_deref(), slots, words, "allowed", &m.id)?;
        let mut dom = allow.clone();
        if let Some(f) = m.fixed_slot {
            if f >= slots {
                return Err(ScheduleError::SlotOutOfRange {
                    field: "fixed_slot",
                    owner: m.id.clone(),
                    slot: f,
                    slots,
                });
            }
            for &p in &seen {
                let av = &available[p as usize * words..(p as usize + 1) * words];
                if !bits::test(av, f as usize) {
                    return Err(ScheduleError::FixedSlotUnavailable {
                        meeting: m.id.clone(),
                        slot: f,
                        participant: input.participants[p as usize].id.clone(),
                    });
                }
            }
            dom.iter_mut().for_each(|w| *w = 0);
            bits::set(&mut dom, f as usize);
        }
        for &p in &seen {
            let av = &available[p as usize * words..(p as usize + 1) * words];
            for (d, a) in dom.iter_mut().zip(av) {
                *d &= a;
            }
            member_pairs.push((i as u32, p));
        }
        for a in &m.after {
            let Some(&q) = meeting_index.get(a) else {
                return Err(ScheduleError::UnknownPredecessor {
                    meeting: m.id.clone(),
                    after: a.clone(),
                });
            };
            pred_pairs.push((i as u32, q));
        }
        allowed.extend(allow);
        domain.extend(dom);
        fixed.push(m.fixed_slot);
        priority.push(m.priority);
    }
    pred_pairs.sort_unstable();
    pred_pairs.dedup();
    let members = Csr::from_pairs(nm, &member_pairs);
    let meetings_of = Csr::from_pairs(
        np,
        &member_pairs
            .iter()
            .map(|&(m, p)| (p, m))
            .collect::<Vec<_>>(),
    );
    let preds = Csr::from_pairs(nm, &pred_pairs);
    let succs = Csr::from_pairs(
        nm,
        &pred_pairs.iter().map(|&(m, q)| (q, m)).collect::<Vec<_>>(),
    );

    let inst = Instance {
        name: input.name.clone(),
        slots: slots as usize,
        tables: input.tables,
        words,
        participant_ids: input.participants.iter().map(|p| p.id.clone()).collect(),
        available,
        max_meetings,
        meeting_ids: input.meetings.iter().map(|m| m.id.clone()).collect(),
        priority,
        allowed,
        fixed,
        members,
        meetings_of,
        preds,
        succs,
        domain,
        meeting_index,
    };
    check_acyclic(&inst)?;
    check_fixed(&inst)?;
    Ok(inst)
}

/// Rejects cyclic `after` orders (iterative DFS, reports one cycle).
fn check_acyclic(inst: &Instance) -> Result<(), ScheduleError> {
    let n = inst.meeting_ids.len();
    // 0 = new, 1 = on stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut parent = vec![NONE; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let row = inst.preds.row(v);
            if *next < row.len() {
                let w = row[*next] as usize;
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        parent[w] = v as u32;
                        stack.push((w, 0));
                    }
                    1 => {
                        // Cycle w -> ... -> v -> w along `after` edges.
                        let mut cycle = vec![inst.meeting_ids[w].clone()];
                        let mut path = vec![v];
                        let mut u = v;
                        while u != w {
                            u = parent[u] as usize;
                            path.push(u);
                        }
                        path.pop();
                        cycle.extend(path.iter().rev().map(|&u| inst.meeting_ids[u].clone()));
                        cycle.push(inst.meeting_ids[w].clone());
                        return Err(ScheduleError::PrecedenceCycle { cycle });
                    }
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Rejects fixed slots that contradict each other: two fixed meetings of one
/// participant in one slot, more fixed meetings in a slot than tables, or fixed
/// slots against an `after` order.
fn check_fixed(inst: &Instance) -> Result<(), ScheduleError> {
    let mut per_slot = vec![0usize; inst.slots];
    let mut owner: HashMap<(u32, u32), usize> = HashMap::new();
    for (m, f) in inst.fixed.iter().enumerate() {
        let Some(f) = *f else { continue };
        per_slot[f as usize] += 1;
        if per_slot[f as usize] > inst.tables as usize {
            return Err(ScheduleError::FixedSlotOverTables {
                slot: f,
                count: per_slot[f as usize],
                tables: inst.tables,
            });
        }
        for &p in inst.members.row(m) {
            if let Some(&other) = owner.get(&(p, f)) {
                return Err(ScheduleError::FixedSlotClash {
                    first: inst.meeting_ids[other].clone(),
                    second: inst.meeting_ids[m].clone(),
                    slot: f,
                    participant: inst.participant_ids[p as usize].clone(),
                });
            }
            owner.insert((p, f), m);
        }
        for &q in inst.preds.row(m) {
            if let Some(qf) = inst.fixed[q as usize]
                && qf >= f
            {
                return Err(ScheduleError::FixedOrderContradiction {
                    meeting: inst.meeting_ids[m].clone(),
                    slot: f,
                    after: inst.meeting_ids[q as usize].clone(),
                    after_slot: qf,
                });
            }
        }
    }
    Ok(())
}
