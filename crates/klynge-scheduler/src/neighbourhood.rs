//! Which meetings the exact search's neighbourhood moves free (see
//! `exact`): the rest stay in the slots of the best schedule known.
//!
//! Two shapes, drawn at random:
//! - **related participants**: a participant with more breaks than its floor,
//!   then partners of the participants taken so far, each bringing all its
//!   meetings, until the target size is reached. Breaks that come from
//!   competition are resolved among the participants that compete;
//! - **a window of consecutive slots**: every meeting in it, so that whole
//!   runs of slots can be re-ordered for everyone at once.

use crate::model::{Instance, NONE};
use crate::rng::Rng;

/// Chooses neighbourhoods for one instance; buffers are reused.
pub(crate) struct Neighbourhoods {
    /// Freed meetings of the last choice, by meeting.
    pub(crate) free: Vec<bool>,
    taken: Vec<bool>,
    frontier: Vec<u32>,
    busy: Vec<u64>,
}

impl Neighbourhoods {
    pub(crate) fn new(inst: &Instance) -> Self {
        Neighbourhoods {
            free: vec![false; inst.meeting_ids.len()],
            taken: vec![false; inst.participant_ids.len()],
            frontier: Vec::new(),
            busy: vec![0; inst.words],
        }
    }

    /// Frees about `target` of the meetings held in `slots` (slot per
    /// meeting, [`NONE`] if not held); `floor` gives each participant's own
    /// floor of breaks. Returns how many were freed.
    pub(crate) fn choose(
        &mut self,
        inst: &Instance,
        slots: &[u32],
        floor: &[u32],
        target: usize,
        rng: &mut Rng,
    ) -> usize {
        self.free.fill(false);
        if rng.chance(0.75) {
            self.related(inst, slots, floor, target, rng)
        } else {
            self.window(inst, slots, target, rng)
        }
    }

    fn related(
        &mut self,
        inst: &Instance,
        slots: &[u32],
        floor: &[u32],
        target: usize,
        rng: &mut Rng,
    ) -> usize {
        self.taken.fill(false);
        self.frontier.clear();
        let above: Vec<u32> = (0..inst.participant_ids.len())
            .filter(|&p| inst.breaks_in(slots, p, &mut self.busy) > floor[p])
            .map(|p| p as u32)
            .collect();
        let start = if above.is_empty() {
            rng.below(inst.participant_ids.len()) as u32
        } else {
            above[rng.below(above.len())]
        };
        self.frontier.push(start);
        let mut freed = 0;
        while freed < target && !self.frontier.is_empty() {
            let p = self.frontier.swap_remove(rng.below(self.frontier.len())) as usize;
            if self.taken[p] {
                continue;
            }
            self.taken[p] = true;
            for &m in inst.meetings_of.row(p) {
                let m = m as usize;
                if slots[m] == NONE {
                    continue;
                }
                if !self.free[m] {
                    self.free[m] = true;
                    freed += 1;
                }
                for &q in inst.members.row(m) {
                    if !self.taken[q as usize] {
                        self.frontier.push(q);
                    }
                }
            }
        }
        freed
    }

    fn window(&mut self, inst: &Instance, slots: &[u32], target: usize, rng: &mut Rng) -> usize {
        let mut per_slot = vec![0usize; inst.slots];
        for &s in slots.iter().filter(|&&s| s != NONE) {
            per_slot[s as usize] += 1;
        }
        let first = rng.below(inst.slots);
        let (mut lo, mut hi) = (first, first + 1);
        let mut freed = per_slot[first];
        // Grow the window on a random side until it holds the target.
        while freed < target && (lo > 0 || hi < inst.slots) {
            if hi == inst.slots || (lo > 0 && rng.chance(0.5)) {
                lo -= 1;
                freed += per_slot[lo];
            } else {
                freed += per_slot[hi];
                hi += 1;
            }
        }
        for (m, &s) in slots.iter().enumerate() {
            if s != NONE && (lo..hi).contains(&(s as usize)) {
                self.free[m] = true;
            }
        }
        freed
    }
}
