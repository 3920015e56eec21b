//! A proven lower bound on breaks, one participant at a time.
//!
//! A participant's breaks depend only on which slots its meetings take. Alone,
//! ignoring every other participant, tables and `after` orders, its meetings
//! can be held without a break only if some window of consecutive slots has
//! exactly one of its meetings per slot, each in that meeting's domain (a
//! perfect matching of meetings to the window's slots); with one break only if
//! two windows separated by at least one slot admit such a matching. So each
//! participant has a *floor* of 0, 1 or (at least) 2 breaks, and the sum of the
//! floors bounds the breaks of every schedule holding the same meetings. The
//! bound is weak where breaks come from competition between participants, but
//! it is exact on the published events whose breaks come from forbidden slots
//! and morning-only or afternoon-only requests (forum-14, forumt-14).

use crate::bits;
use crate::format::Solution;
use crate::model::Instance;

/// Reusable buffers for the matchings.
#[derive(Default)]
pub(crate) struct Floors {
    /// The participant's meetings.
    meetings: Vec<usize>,
    /// `owner[j]`: meeting (index into `meetings`) matched to window slot `j`.
    owner: Vec<usize>,
    seen: Vec<bool>,
    window: Vec<usize>,
}

const FREE: usize = usize::MAX;

/// Above this many slots only the one-window test runs (the two-window test
/// is cubic in the slots); a participant failing it gets floor 1.
const MAX_TWO_WINDOW_SLOTS: usize = 64;

impl Floors {
    /// The floor (0, 1 or 2, where 2 means "at least 2") of participant `p`
    /// holding its meetings for which `held` is true.
    pub(crate) fn floor(&mut self, inst: &Instance, p: usize, held: &dyn Fn(usize) -> bool) -> u32 {
        self.collect(inst, p, held);
        let k = self.meetings.len();
        let n = inst.slots;
        if k <= 1 || k > n {
            return 0;
        }
        for a in 0..=n - k {
            self.window.clear();
            self.window.extend(a..a + k);
            if self.matches(inst) {
                return 0;
            }
        }
        if n > MAX_TWO_WINDOW_SLOTS {
            return 1;
        }
        // Two windows: `first` slots from `a`, the rest from `b > a + first`.
        for first in 1..k {
            let rest = k - first;
            for a in 0..n {
                if a + first + 1 + rest > n {
                    break;
                }
                for b in a + first + 1..=n - rest {
                    self.window.clear();
                    self.window.extend(a..a + first);
                    self.window.extend(b..b + rest);
                    if self.matches(inst) {
                        return 1;
                    }
                }
            }
        }
        2
    }

    /// The first slots of the windows of consecutive slots in which
    /// participant `p` could hold its meetings for which `held` is true
    /// without a break (on its own; see the module docs).
    pub(crate) fn windows(
        &mut self,
        inst: &Instance,
        p: usize,
        held: &dyn Fn(usize) -> bool,
    ) -> Vec<usize> {
        self.collect(inst, p, held);
        let k = self.meetings.len();
        let n = inst.slots;
        if k == 0 || k > n {
            return Vec::new();
        }
        (0..=n - k)
            .filter(|&a| {
                self.window.clear();
                self.window.extend(a..a + k);
                self.matches(inst)
            })
            .collect()
    }

    /// Participant `p`'s meetings for which `held` is true.
    fn collect(&mut self, inst: &Instance, p: usize, held: &dyn Fn(usize) -> bool) {
        self.meetings.clear();
        self.meetings.extend(
            inst.meetings_of
                .row(p)
                .iter()
                .map(|&m| m as usize)
                .filter(|&m| held(m)),
        );
    }

    /// Whether the meetings match the slots of `window` one to one.
    fn matches(&mut self, inst: &Instance) -> bool {
        let k = self.window.len();
        self.owner.clear();
        self.owner.resize(k, FREE);
        // Cheap refusal: a slot no meeting can use.
        if self.window.iter().any(|&s| {
            !self
                .meetings
                .iter()
                .any(|&m| bits::test(inst.domain_of(m), s))
        }) {
            return false;
        }
        for i in 0..self.meetings.len() {
            self.seen.clear();
            self.seen.resize(k, false);
            if !self.augment(inst, i) {
                return false;
            }
        }
        true
    }

    /// Kuhn's augmenting path from meeting `i`.
    fn augment(&mut self, inst: &Instance, i: usize) -> bool {
        let m = self.meetings[i];
        for j in 0..self.window.len() {
            if self.seen[j] || !bits::test(inst.domain_of(m), self.window[j]) {
                continue;
            }
            self.seen[j] = true;
            let o = self.owner[j];
            if o == FREE || self.augment(inst, o) {
                self.owner[j] = i;
                return true;
            }
        }
        false
    }
}

/// Per participant, the floor of its breaks when every meeting that has a
/// feasible slot is held (see the module docs).
pub(crate) fn floors(inst: &Instance) -> Vec<u32> {
    held_floors(inst, &|m| bits::count(inst.domain_of(m)) > 0)
}

/// A proven lower bound on the breaks of any schedule of `inst` that holds
/// the same meetings as `solution`: the sum over participants of the breaks
/// each needs on its own (no window of consecutive slots fits all its meetings,
/// because of forbidden slots and meeting windows). Weak where breaks come from
/// participants competing for slots; exact on events whose breaks are forced by
/// availability, such as the published forum-14 and forumt-14.
pub fn breaks_lower_bound(inst: &Instance, solution: &Solution) -> u64 {
    let mut held = vec![false; inst.meeting_ids.len()];
    for pl in &solution.scheduled {
        if let Some(&m) = inst.meeting_index.get(&pl.meeting) {
            held[m as usize] = true;
        }
    }
    held_floor_sum(inst, &|m| held[m])
}

/// Per participant, the floor of its breaks when the meetings for which
/// `held` is true are held.
pub(crate) fn held_floors(inst: &Instance, held: &dyn Fn(usize) -> bool) -> Vec<u32> {
    let mut f = Floors::default();
    (0..inst.participant_ids.len())
        .map(|p| f.floor(inst, p, held))
        .collect()
}

/// The sum of the participants' floors when the meetings for which `held` is
/// true are held.
pub(crate) fn held_floor_sum(inst: &Instance, held: &dyn Fn(usize) -> bool) -> u64 {
    held_floors(inst, held).iter().map(|&f| u64::from(f)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_the_runs_of_slots_a_participant_can_fill_without_a_break() {
        // h meets a and b; h is away in slot 1, and hb is an afternoon
        // meeting (slots 3 and 4): only slots 2–3 and 3–4 take both.
        let inst = Instance::from_json(
            r#"{"slots": 5, "tables": 2,
            "participants": [{"id": "h", "available": [0, 2, 3, 4]}, {"id": "a"}, {"id": "b"}],
            "meetings": [{"id": "ha", "with": ["h", "a"]},
                         {"id": "hb", "with": ["h", "b"], "allowed": [3, 4]}]}"#,
        )
        .unwrap_or_else(|e| panic!("test instance: {e}"));
        let mut floors = Floors::default();
        let all = |_: usize| true;
        assert_eq!(floors.windows(&inst, 0, &all), vec![2, 3]);
        assert_eq!(floors.floor(&inst, 0, &all), 0);
        // Without hb, h's one meeting fits any slot it attends.
        assert_eq!(floors.windows(&inst, 0, &|m| m == 0), vec![0, 2, 3, 4]);
    }
}
