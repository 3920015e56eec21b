//! The exact search for breaks: a SAT model (solved by CaDiCaL) of "the
//! meetings the schedule holds, each in some slot, with at most k breaks".
//! It runs in its own thread beside the annealing, on events small enough
//! (see [`fits`]), and works from below: it tries k = the best proven lower
//! bound first, then larger k up to one below the best schedule known, each
//! for a slice of conflicts that doubles every round. A refuted k raises the
//! proven lower bound to k + 1; a schedule found for k is better than any
//! known. The search ends when the bound meets the best schedule (proven
//! optimal), at the deadline, or when another thread has proven optimality.
//!
//! Measured on the published 21–22-slot events (the hard ones): "at most k"
//! is refuted quickly for small k (forum-13crafb: at least 5 breaks in about
//! a second, where each participant's own floor only gives 3), and some
//! optima are found (forum-13crafc: 1 break, about 8 s), while the annealing
//! stays the better way to good schedules on the larger events. Searching
//! from above (at most best − 1, guided by the best schedule's phases) found
//! nothing within 10 s on any of them.
//!
//! The model, with `x[m,s]` per held meeting `m` and slot `s` of its domain:
//! - every meeting in exactly one slot (a pinned meeting in its own);
//! - per participant and slot at most one meeting, and `busy[p,s]` true
//!   exactly when it has one;
//! - per slot at most `tables` meetings (a sequential counter);
//! - `after` orders between held meetings;
//! - `seen[p,s]`: `p` is busy in some slot up to `s` (forced true when so;
//!   set true otherwise it only adds breaks);
//! - `brk[p,s]`: a break of `p` ends in `s` (busy in `s`, idle in `s − 1`,
//!   seen by `s − 1`); the breaks are summed by a sequential counter whose
//!   output "more than k" is assumed false.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use cadical_sys::{CaDiCal, Status, Terminator};

use crate::bits;
use crate::model::{Instance, NONE};
use crate::state::State;

/// Events with more slot variables than this are left to the annealing (the
/// model would be large and the search slow).
const MAX_SLOT_VARIABLES: usize = 20_000;

/// Conflicts for one attempt at one k in the first round (doubled each round).
const FIRST_SLICE: i32 = 10_000;

/// What the threads of one run share about breaks.
pub(crate) struct Shared {
    /// Set when the run is over (optimal, or another reason to stop).
    pub(crate) stop: Arc<AtomicBool>,
    /// Breaks of the best schedule any thread has found.
    pub(crate) best: AtomicU64,
    /// A proven lower bound on the breaks of the held meetings.
    pub(crate) lower: AtomicU64,
}

impl Shared {
    pub(crate) fn new(stop: Arc<AtomicBool>, best: u64, lower: u64) -> Self {
        Shared {
            stop,
            best: AtomicU64::new(best),
            lower: AtomicU64::new(lower),
        }
    }

    /// A thread found a schedule with `breaks`.
    pub(crate) fn found(&self, breaks: u64) {
        self.best.fetch_min(breaks, Ordering::Relaxed);
        self.check();
    }

    fn proved(&self, lower: u64) {
        self.lower.fetch_max(lower, Ordering::Relaxed);
        self.check();
    }

    /// Stops every thread once the best schedule meets the bound.
    fn check(&self) {
        if self.best.load(Ordering::Relaxed) <= self.lower.load(Ordering::Relaxed) {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    pub(crate) fn lower(&self) -> u64 {
        self.lower.load(Ordering::Relaxed)
    }
}

/// Whether the exact search runs for the meetings held in `st`.
pub(crate) fn fits(inst: &Instance, st: &State) -> bool {
    let vars: usize = (0..inst.meeting_ids.len())
        .filter(|&m| st.slot_of[m] != NONE)
        .map(|m| bits::count(inst.domain_of(m)) as usize)
        .sum();
    vars <= MAX_SLOT_VARIABLES && i32::try_from(vars * 16).is_ok()
}

/// Stops the solver at the deadline or when the run is over.
struct Stop {
    deadline: Instant,
    stop: Arc<AtomicBool>,
}

impl Terminator for Stop {
    fn terminated(&mut self) -> bool {
        self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }
}

/// The clause database being built.
struct Cnf {
    solver: CaDiCal,
    vars: i32,
}

impl Cnf {
    fn var(&mut self) -> i32 {
        self.vars += 1;
        self.vars
    }

    fn clause(&mut self, lits: &[i32]) {
        for &l in lits {
            self.solver.add(l);
        }
        self.solver.add(0);
    }

    /// At most one of `lits` (pairwise for a few, a sequential counter above).
    fn at_most_one(&mut self, lits: &[i32]) {
        if lits.len() <= 5 {
            for i in 0..lits.len() {
                for j in i + 1..lits.len() {
                    self.clause(&[-lits[i], -lits[j]]);
                }
            }
            return;
        }
        // `prev`: one of the literals before this one is true.
        let mut prev = 0;
        for (i, &l) in lits.iter().enumerate() {
            if prev != 0 {
                self.clause(&[-l, -prev]);
            }
            if i + 1 == lits.len() {
                break;
            }
            let seen = self.var();
            self.clause(&[-l, seen]);
            if prev != 0 {
                self.clause(&[-prev, seen]);
            }
            prev = seen;
        }
    }

    /// A sequential counter over `lits` up to `k + 1`: `out[j]` (`j` in
    /// `0..=k`, fewer if there are fewer literals) is forced true when more
    /// than `j` of `lits` are true, so `out[j]` false means "at most `j`".
    fn counter(&mut self, lits: &[i32], k: usize) -> Vec<i32> {
        // row[j]: more than j of the literals so far are true.
        let mut row: Vec<i32> = Vec::new();
        for &l in lits {
            let width = (row.len() + 1).min(k + 1);
            let next: Vec<i32> = (0..width).map(|_| self.var()).collect();
            self.clause(&[-l, next[0]]);
            for j in 0..row.len() {
                self.clause(&[-row[j], next[j]]);
                if j + 1 < width {
                    self.clause(&[-l, -row[j], next[j + 1]]);
                }
            }
            row = next;
        }
        row
    }
}

/// The model of one held-meeting set.
struct Model {
    cnf: Cnf,
    held: Vec<usize>,
    /// `x[m * slots + s]`, 0 where `s` is outside `m`'s domain.
    x: Vec<i32>,
    /// `more_than[k]`: the schedule has more than `k` breaks.
    more_than: Vec<i32>,
}

impl Model {
    fn build(st: &State, max_breaks: u64) -> Model {
        let inst = st.inst;
        let n = inst.slots;
        let held: Vec<usize> = (0..inst.meeting_ids.len())
            .filter(|&m| st.slot_of[m] != NONE)
            .collect();
        let mut cnf = Cnf {
            solver: CaDiCal::new(),
            vars: 0,
        };
        // Tuned for finding schedules; auxiliary variables are tried false
        // first (no break, nothing counted).
        cnf.solver.configure("sat");
        cnf.solver.set("phase", 0);
        let mut x = vec![0i32; inst.meeting_ids.len() * n];
        for &m in &held {
            for s in bits::iter(inst.domain_of(m)) {
                x[m * n + s] = cnf.var();
            }
        }
        let slot_vars = |m: usize, x: &[i32]| -> Vec<i32> {
            x[m * n..(m + 1) * n]
                .iter()
                .copied()
                .filter(|&v| v != 0)
                .collect()
        };
        for &m in &held {
            let lits = slot_vars(m, &x);
            cnf.clause(&lits);
            cnf.at_most_one(&lits);
            if st.pinned[m] {
                cnf.clause(&[x[m * n + st.slot_of[m] as usize]]);
            }
        }
        let tables = inst.tables as usize;
        for s in 0..n {
            let lits: Vec<i32> = held
                .iter()
                .map(|&m| x[m * n + s])
                .filter(|&v| v != 0)
                .collect();
            if lits.len() > tables {
                let out = cnf.counter(&lits, tables);
                cnf.clause(&[-out[tables]]);
            }
        }
        for &m in &held {
            for &q in inst.preds.row(m) {
                let q = q as usize;
                if st.slot_of[q] == NONE {
                    continue;
                }
                // q before m: not q in t and m in s with t >= s.
                for s in 0..n {
                    let xm = x[m * n + s];
                    for t in s..n {
                        let xq = x[q * n + t];
                        if xm != 0 && xq != 0 {
                            cnf.clause(&[-xm, -xq]);
                        }
                    }
                }
            }
        }
        let mut breaks: Vec<i32> = Vec::new();
        for p in 0..inst.participant_ids.len() {
            let mine: Vec<usize> = inst
                .meetings_of
                .row(p)
                .iter()
                .map(|&m| m as usize)
                .filter(|&m| st.slot_of[m] != NONE)
                .collect();
            let mut busy = vec![0i32; n];
            for (s, b) in busy.iter_mut().enumerate() {
                let lits: Vec<i32> = mine
                    .iter()
                    .map(|&m| x[m * n + s])
                    .filter(|&v| v != 0)
                    .collect();
                cnf.at_most_one(&lits);
                if mine.len() < 2 || lits.is_empty() {
                    continue;
                }
                let v = cnf.var();
                for &l in &lits {
                    cnf.clause(&[-l, v]);
                }
                let mut back = lits;
                back.push(-v);
                cnf.clause(&back);
                *b = v;
            }
            if mine.len() < 2 {
                continue;
            }
            // `seen`: the variable "busy in some slot up to s − 1" (0: false).
            let mut seen = 0i32;
            for s in 0..n {
                let b = busy[s];
                if s >= 2 && b != 0 && seen != 0 {
                    let brk = cnf.var();
                    match busy[s - 1] {
                        0 => cnf.clause(&[-b, -seen, brk]),
                        before => cnf.clause(&[-b, before, -seen, brk]),
                    }
                    breaks.push(brk);
                }
                seen = match (seen, b) {
                    (0, b) => b,
                    (prev, 0) => prev,
                    (prev, b) => {
                        let v = cnf.var();
                        cnf.clause(&[-prev, v]);
                        cnf.clause(&[-b, v]);
                        v
                    }
                };
            }
        }
        let more_than = cnf.counter(&breaks, usize::try_from(max_breaks).unwrap_or(usize::MAX));
        Model {
            cnf,
            held,
            x,
            more_than,
        }
    }

    /// The slots of the model's current satisfying assignment.
    fn read(&mut self, slots: &mut [u32], n: usize) {
        for &m in &self.held {
            for s in 0..n {
                let v = self.x[m * n + s];
                if v != 0 && self.cnf.solver.val(v) > 0 {
                    slots[m] = s as u32;
                }
            }
        }
    }
}

/// Searches schedules of the meetings held in `st` with fewer breaks than
/// `shared.best`, raising `shared.lower` as bounds are refuted, until the
/// deadline or the shared stop. Returns the best schedule it found (slot per
/// meeting), if better than `st`'s. `st` is not changed.
pub(crate) fn search(st: &State, shared: &Shared, deadline: Instant) -> Option<Vec<u32>> {
    let inst = st.inst;
    let n = inst.slots;
    let start_best = shared.best.load(Ordering::Relaxed);
    if start_best <= shared.lower() {
        return None;
    }
    let mut model = Model::build(st, start_best);
    model.cnf.solver.connect_terminator(Stop {
        deadline,
        stop: Arc::clone(&shared.stop),
    });
    let mut slots = st.slot_of.clone();
    let mut found: Option<Vec<u32>> = None;
    let mut slice = FIRST_SLICE;
    loop {
        let mut k = shared.lower();
        while k < shared.best.load(Ordering::Relaxed) {
            let Some(&over) = model.more_than.get(k as usize) else {
                return found;
            };
            model.cnf.solver.assume(-over);
            model.cnf.solver.limit("conflicts", slice);
            match model.cnf.solver.solve() {
                Status::SATISFIABLE => {
                    model.read(&mut slots, n);
                    let breaks = count_breaks(inst, &slots);
                    shared.found(breaks);
                    found = Some(slots.clone());
                    // Looser bounds are now pointless: start the round again.
                    break;
                }
                Status::UNSATISFIABLE => {
                    shared.proved(k + 1);
                    k += 1;
                }
                Status::UNKNOWN => {
                    if shared.stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                        return found;
                    }
                    k += 1;
                }
            }
        }
        if shared.stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
            return found;
        }
        slice = slice.saturating_mul(2);
    }
}

/// Breaks of a slot assignment (the state's own count, from scratch).
fn count_breaks(inst: &Instance, slots: &[u32]) -> u64 {
    let mut busy = vec![0u64; inst.words];
    let mut total = 0u64;
    for p in 0..inst.participant_ids.len() {
        busy.fill(0);
        for &m in inst.meetings_of.row(p) {
            let s = slots[m as usize];
            if s != NONE {
                bits::set(&mut busy, s as usize);
            }
        }
        total += u64::from(bits::breaks(&busy));
    }
    total
}
