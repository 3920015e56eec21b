//! Table assignment, a post-pass per slot (objective 3): keep participants at
//! the table of their previous meeting where possible.
//!
//! Slots are processed in order. In slot `s` every candidate pair (meeting,
//! table) is weighted by how many of the meeting's participants sat at that
//! table in their previous meeting; pairs are taken greedily by weight (a
//! 1/2-approximation of the maximum-weight assignment), then the remaining
//! meetings get the lowest free tables. Pinned tables (re-scheduling) are kept.

use std::collections::HashSet;

use crate::model::{Instance, NONE};

/// Tables per meeting ([`NONE`] for unscheduled meetings). `pinned[m]` is a
/// table that must be kept, or [`NONE`].
pub(crate) fn assign(inst: &Instance, slot_of: &[u32], pinned: &[u32]) -> Vec<u32> {
    let mut by_slot: Vec<Vec<u32>> = vec![Vec::new(); inst.slots];
    for (m, &s) in slot_of.iter().enumerate() {
        if s != NONE {
            by_slot[s as usize].push(m as u32);
        }
    }
    let mut table = vec![NONE; slot_of.len()];
    let mut last_table = vec![NONE; inst.participant_ids.len()];
    let mut used: HashSet<u32> = HashSet::new();
    let mut pairs: Vec<(u32, u32, u32)> = Vec::new();
    for list in &by_slot {
        used.clear();
        pairs.clear();
        for &m in list {
            let t = pinned[m as usize];
            if t != NONE {
                table[m as usize] = t;
                used.insert(t);
            }
        }
        for &m in list {
            if table[m as usize] != NONE {
                continue;
            }
            let row = inst.members.row(m as usize);
            for (i, &p) in row.iter().enumerate() {
                let t = last_table[p as usize];
                if t == NONE || row[..i].iter().any(|&q| last_table[q as usize] == t) {
                    continue;
                }
                let w = row.iter().filter(|&&q| last_table[q as usize] == t).count() as u32;
                pairs.push((w, m, t));
            }
        }
        pairs.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        for &(_, m, t) in &pairs {
            if table[m as usize] == NONE && !used.contains(&t) {
                table[m as usize] = t;
                used.insert(t);
            }
        }
        let mut next = 0u32;
        for &m in list {
            if table[m as usize] == NONE {
                while used.contains(&next) {
                    next += 1;
                }
                table[m as usize] = next;
                used.insert(next);
            }
        }
        for &m in list {
            for &p in inst.members.row(m as usize) {
                last_table[p as usize] = table[m as usize];
            }
        }
    }
    table
}
