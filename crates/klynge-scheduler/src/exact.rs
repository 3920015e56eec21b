//! The exact search for breaks: a SAT model (solved by CaDiCaL) of "the
//! meetings the schedule holds, each in some slot, with few breaks". It runs
//! on events small enough (see [`fits`]) and serves two threads:
//! - **from below** ([`search`], its own thread beside the annealing): a
//!   core-guided MaxSAT search ([`Cores`]); every refutation raises the
//!   proven bound by one, and the first schedule it finds is optimal;
//! - **from above** ([`improve`], the annealing thread once its share of the
//!   time is spent): large neighbourhood moves ([`Improver`]); every held
//!   meeting outside a neighbourhood is assumed in its slot of the best
//!   schedule known, nobody may get more breaks than there and the total must
//!   drop; a few thousand conflicts decide.
//!
//! The search ends when the bound meets the best schedule (proven optimal),
//! at the deadline, or when another thread has proven optimality.
//!
//! Measured on the 20 published events, 10 s on two cores (`run_file`): the
//! core-guided search proves the optimum of all 20 in nearly every run; the
//! hard ones are forum-13crafb and ticf-13crafb (6 and 3 breaks), where the
//! last solve, the one that yields the schedule, takes 20,000 to 80,000
//! conflicts depending on the model's details (the cores, their counters),
//! while the solver's own seed changes little (see the README for the
//! figures). The implied window and
//! seat constraints below made the difference: without them the third core
//! of forum-13crafb took 640,000 conflicts (70 s), with them 20,000. The
//! window pairs and the model without the total count then took the median
//! time to the optimum of those two from 12 and 17 s to 9 and 11 s (30 s
//! runs, seeds 1–8). The linear search "at most k" it replaces never found
//! either optimum within 10 s.
//!
//! The model, with `x[m,s]` per held meeting `m` and slot `s` of its domain:
//! - every meeting in exactly one slot (a pinned meeting in its own);
//! - per participant and slot at most one meeting, and `busy[p,s]` true
//!   exactly when it has one; exactly as many busy slots as meetings (implied,
//!   but the solver would not find the counting argument itself);
//! - per slot at most `tables` meetings (a sequential counter), added only
//!   for slots that a solution overfills ([`Model::solve`]), and with it the
//!   implied "the busy participants fit the seats of the slot's tables";
//! - `after` orders between held meetings;
//! - `seen[p,s]`: `p` is busy in some slot up to `s` (forced true when so;
//!   set true otherwise it only adds breaks);
//! - `brk[p,s]`: a break of `p` ends in `s` (busy in `s`, idle in `s − 1`,
//!   seen by `s − 1`); the breaks are counted per participant by sequential
//!   counters whose outputs "more than k" are assumed false (no count of
//!   all breaks: "fewer in all" is "nobody worse and someone better");
//! - implied, per participant: without a break its meetings fill one of the
//!   windows of consecutive slots where they fit (a variable per window),
//!   and the slots every such window covers are busy;
//! - implied, per meeting: its participants take no two windows that leave
//!   it no slot in both.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cadical_sys::{CaDiCal, Status, Terminator};

use crate::bits;
use crate::model::{Instance, NONE};
use crate::neighbourhood::Neighbourhoods;
use crate::rng::Rng;
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
    /// The best schedule found (breaks, slot per meeting), for the threads to
    /// continue from each other's progress.
    schedule: Mutex<Option<(u64, Vec<u32>)>>,
}

impl Shared {
    pub(crate) fn new(stop: Arc<AtomicBool>, best: u64, lower: u64) -> Self {
        Shared {
            stop,
            best: AtomicU64::new(best),
            lower: AtomicU64::new(lower),
            schedule: Mutex::new(None),
        }
    }

    /// A thread found a schedule (slot per meeting) with `breaks`.
    pub(crate) fn found_schedule(&self, breaks: u64, slots: &[u32]) {
        // A poisoned lock only means another thread panicked mid-update; the
        // schedule is then simply not shared.
        if let Ok(mut kept) = self.schedule.lock()
            && kept.as_ref().is_none_or(|(b, _)| breaks < *b)
        {
            *kept = Some((breaks, slots.to_vec()));
        }
        self.best.fetch_min(breaks, Ordering::Relaxed);
        self.check();
    }

    /// The shared schedule, if it has fewer breaks than `breaks`.
    pub(crate) fn schedule_better_than(&self, breaks: u64) -> Option<(u64, Vec<u32>)> {
        if self.best.load(Ordering::Relaxed) >= breaks {
            return None;
        }
        let kept = self.schedule.lock().ok()?;
        kept.as_ref().filter(|(b, _)| *b < breaks).cloned()
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

/// Held meetings at most for the exact search on an event where not every
/// request is held. Such events have tables that bind, which the model
/// handles worst: on generated events of 150-300 participants (322-616
/// held) it found no core in 10 s, and the annealing, without its second
/// thread, ended with more breaks (51-56 against 48-49 at 300). On eight
/// generated events of 35-50 participants (120-168 held), 10 s, seeds 0-2,
/// interleaved: 126 breaks in all against 142 with two annealing threads
/// (fewer in 15 runs, more in 2), 8 of 24 runs proven optimal and ended
/// early, the bound 1-5 instead of 0.
const MAX_PARTIAL_HELD: usize = 250;

/// Whether the exact search runs for the meetings held in `st` when some
/// requests are not held (see [`MAX_PARTIAL_HELD`]).
pub(crate) fn fits_partial(inst: &Instance, st: &State) -> bool {
    (0..inst.meeting_ids.len())
        .filter(|&m| st.slot_of[m] != NONE)
        .count()
        <= MAX_PARTIAL_HELD
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
    /// `own_more[p][j]`: participant `p` has more than `j` breaks (every `j`
    /// below its meetings' count, so the count is exact).
    own_more: Vec<Vec<i32>>,
    floor: Vec<u32>,
    floor_sum: u64,
    /// `busy[p * slots + s]`: participant `p` has a meeting in slot `s`
    /// (0 where it has fewer than two meetings or none can be there).
    busy: Vec<i32>,
    /// Participants per meeting.
    sizes: Vec<usize>,
    slots: usize,
    tables: u32,
    /// Slots whose table capacity is in the model (see [`Model::solve`]).
    capped: Vec<bool>,
    /// Meetings per slot in the last solution (a buffer).
    load: Vec<u32>,
}

impl Model {
    /// The model has no count of all breaks: both searches bound the
    /// participants' own counts, and without the total's long counter chain
    /// the solver does about a quarter more conflicts per second.
    fn build(st: &State, seed: u64) -> Model {
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
        // The solver's own random choices (kept positive).
        cnf.solver.set("seed", (seed & 0x3FFF_FFFF) as i32);
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
        let floor_sum: u64 = st.floor.iter().map(|&f| u64::from(f)).sum();
        let mut floors = crate::lower::Floors::default();
        let mut busy_of = vec![0i32; inst.participant_ids.len() * n];
        let mut breaks: Vec<i32> = Vec::new();
        let mut own_more: Vec<Vec<i32>> = vec![Vec::new(); inst.participant_ids.len()];
        // Per participant: its windows without a break (start, length, variable).
        let mut windows: Vec<Vec<(usize, usize, i32)>> =
            vec![Vec::new(); inst.participant_ids.len()];
        for (p, own) in own_more.iter_mut().enumerate() {
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
            // Implied: exactly as many busy slots as held meetings (a
            // counting argument the solver does not find on its own).
            let lits: Vec<i32> = busy.iter().copied().filter(|&v| v != 0).collect();
            let d = mine.len();
            if let Some(&more) = cnf.counter(&lits, d).get(d) {
                cnf.clause(&[-more]);
            }
            let idle: Vec<i32> = lits.iter().map(|&v| -v).collect();
            let spare = idle.len().saturating_sub(d);
            if let Some(&more) = cnf.counter(&idle, spare).get(spare) {
                cnf.clause(&[-more]);
            }
            // `seen`: the variable "busy in some slot up to s − 1" (0: false).
            let mut seen = 0i32;
            let first_break = breaks.len();
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
            // d meetings have at most d − 1 breaks between them.
            *own = cnf.counter(&breaks[first_break..], d - 1);
            // Implied: without a break, the meetings fill one of the windows
            // of d consecutive slots where they fit (a variable per window),
            // busy in it and idle outside. The solver would otherwise see a
            // break coming only once the slots around it are decided.
            if let Some(&some) = own.first() {
                let starts = floors.windows(inst, p, &|m| st.slot_of[m] != NONE);
                // Slots every window covers: busy without a break (which
                // the seat count per slot then sees at once).
                if let (Some(&first), Some(&last)) = (starts.first(), starts.last())
                    && last < first + d
                {
                    for &b in &busy[last..first + d] {
                        if b != 0 {
                            cnf.clause(&[some, b]);
                        }
                    }
                }
                let mut any = vec![some];
                for a in starts {
                    let w = cnf.var();
                    any.push(w);
                    windows[p].push((a, d, w));
                    for (s, &b) in busy.iter().enumerate() {
                        let inside = (a..a + d).contains(&s);
                        match (b, inside) {
                            (0, true) => cnf.clause(&[-w]),
                            (0, false) => {}
                            (b, true) => cnf.clause(&[-w, b]),
                            (b, false) => cnf.clause(&[-w, -b]),
                        }
                    }
                }
                cnf.clause(&any);
            }
            busy_of[p * n..(p + 1) * n].copy_from_slice(&busy);
        }
        // Implied: two participants of a meeting cannot take windows that
        // leave the meeting no slot in both (the solver would see it only
        // once both windows are chosen).
        for &m in &held {
            let members = inst.members.row(m);
            for (i, &p) in members.iter().enumerate() {
                for &q in &members[i + 1..] {
                    let (p, q) = (p as usize, q as usize);
                    for &(a, da, wa) in &windows[p] {
                        for &(b, db, wb) in &windows[q] {
                            let (lo, hi) = (a.max(b), (a + da).min(b + db));
                            let fits = (lo..hi).any(|s| x[m * n + s] != 0);
                            if !fits {
                                cnf.clause(&[-wa, -wb]);
                            }
                        }
                    }
                }
            }
        }
        Model {
            cnf,
            held,
            x,
            own_more,
            floor: st.floor.clone(),
            floor_sum,
            busy: busy_of,
            sizes: (0..inst.meeting_ids.len())
                .map(|m| inst.members.row(m).len())
                .collect(),
            slots: n,
            tables: inst.tables,
            capped: vec![false; n],
            load: vec![0; n],
        }
    }

    /// The model of the meetings held in `st` (see [`Model::build`]), stopped
    /// at `deadline` or the run's shared stop.
    fn for_run(st: &State, shared: &Shared, deadline: Instant, seed: u64) -> Model {
        let mut model = Model::build(st, seed);
        model.cnf.solver.connect_terminator(Stop {
            deadline,
            stop: Arc::clone(&shared.stop),
        });
        model
    }

    /// Adds "at most `tables` meetings in slot `s`" (a sequential counter).
    fn cap(&mut self, s: usize) {
        let n = self.slots;
        let lits: Vec<i32> = self
            .held
            .iter()
            .map(|&m| self.x[m * n + s])
            .filter(|&v| v != 0)
            .collect();
        let tables = self.tables as usize;
        if let Some(&more) = self.cnf.counter(&lits, tables).get(tables) {
            self.cnf.clause(&[-more]);
        }
        // Implied: the participants busy in the slot fit at its tables,
        // which the windows of participants without a break fill before
        // any meeting is placed.
        let mut sizes: Vec<usize> = self
            .held
            .iter()
            .filter(|&&m| self.x[m * n + s] != 0)
            .map(|&m| self.sizes[m])
            .collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let seats: usize = sizes.iter().take(tables).sum();
        let busy: Vec<i32> = self
            .busy
            .iter()
            .skip(s)
            .step_by(n)
            .copied()
            .filter(|&v| v != 0)
            .collect();
        if let Some(&more) = self.cnf.counter(&busy, seats).get(seats) {
            self.cnf.clause(&[-more]);
        }
        self.capped[s] = true;
    }

    /// Solves under `assumptions` within `conflicts`. Table capacity is
    /// added lazily: most slots never fill, and the counters of all of them
    /// would double the model, so a solution over capacity in some slot adds
    /// that slot's constraint and the solve is repeated.
    fn solve(&mut self, assumptions: &[i32], conflicts: i32) -> Status {
        loop {
            for &l in assumptions {
                self.cnf.solver.assume(l);
            }
            self.cnf.solver.limit("conflicts", conflicts);
            let status = self.cnf.solver.solve();
            if status != Status::SATISFIABLE {
                return status;
            }
            let n = self.slots;
            self.load.fill(0);
            for i in 0..self.held.len() {
                let m = self.held[i];
                for s in 0..n {
                    let v = self.x[m * n + s];
                    if v != 0 && self.cnf.solver.val(v) > 0 {
                        self.load[s] += 1;
                    }
                }
            }
            let over: Vec<usize> = (0..n)
                .filter(|&s| self.load[s] > self.tables && !self.capped[s])
                .collect();
            if over.is_empty() {
                return status;
            }
            for s in over {
                self.cap(s);
            }
        }
    }

    /// Sets every slot variable's phase to the schedule `slots`, so the
    /// solver's decisions start from it.
    fn guide(&mut self, slots: &[u32]) {
        let n = self.slots;
        for &m in &self.held {
            for s in 0..n {
                let v = self.x[m * n + s];
                if v != 0 {
                    self.cnf
                        .solver
                        .phase(if slots[m] as usize == s { v } else { -v });
                }
            }
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
/// `shared.best` from below ([`Cores`]), raising `shared.lower` as bounds
/// are refuted, until the deadline or the shared stop. Returns the best
/// schedule it found (slot per meeting), if better than `st`'s. `st` is not
/// changed.
pub(crate) fn search(
    st: &State,
    shared: &Shared,
    deadline: Instant,
    seed: u64,
) -> Option<Vec<u32>> {
    let inst = st.inst;
    let n = inst.slots;
    let start_best = shared.best.load(Ordering::Relaxed);
    if start_best <= shared.lower() {
        return None;
    }
    let floor_sum: u64 = st.floor.iter().map(|&f| u64::from(f)).sum();
    let over = |shared: &Shared| shared.stop.load(Ordering::Relaxed) || Instant::now() >= deadline;
    let mut slots = st.slot_of.clone();
    let mut found: Option<Vec<u32>> = None;
    let mut model = Model::for_run(st, shared, deadline, seed);
    let mut cores = Cores::new(&model);
    let mut slice = FIRST_SLICE;
    loop {
        let best = shared.best.load(Ordering::Relaxed);
        if over(shared) || shared.lower() >= best {
            return found;
        }
        match cores.step(&mut model, slice, best) {
            Step::Core => shared.proved(floor_sum + cores.found),
            Step::Schedule => {
                model.read(&mut slots, n);
                let breaks = count_breaks(inst, &slots);
                if breaks < best {
                    found = Some(slots.clone());
                    shared.found_schedule(breaks, &slots);
                }
                // Optimal unless a counter was cut short; then this search
                // has nothing more to say.
                if breaks > floor_sum + cores.found {
                    return found;
                }
            }
            // The solver keeps what it learnt; the next call gets longer.
            Step::Unknown => slice = slice.saturating_mul(2),
        }
    }
}

/// What one call of the core-guided search came to.
enum Step {
    /// A refutation: the lower bound rose by one.
    Core,
    /// A schedule satisfying every soft literal (read it from the model).
    Schedule,
    /// Out of conflicts (or stopped).
    Unknown,
}

/// The search from below, core-guided (the OLL algorithm of MaxSAT): the
/// breaks above the floors are the sum of unit "soft" literals "participant
/// `p` has more than `j` breaks" (`j` from its floor up, outputs of its own
/// counter), all assumed false. A refutation names a core, a set of soft literals of
/// which one is true in every better schedule: the bound rises by one, each
/// literal of the core gives way to its counter's next output, and a new
/// counter over the core adds its own "more than one" as a soft literal. A
/// schedule found under all of them has exactly as many breaks as the bound,
/// so is optimal. Where the linear search "at most k"
/// refutes every way to spread k breaks at once, the cores pin down which
/// participants compete, one refutation at a time.
struct Cores {
    /// Outputs of the counters: the participants' own, then one per core.
    counters: Vec<Vec<i32>>,
    /// Soft literals, as (counter, output) pairs.
    softs: Vec<(usize, usize)>,
    /// Cores found: the bound above the floors' sum.
    found: u64,
}

/// Trimming rounds per core (solving again under the core alone).
const TRIM_ROUNDS: usize = 3;

/// A core's counter counts at least this far (or all of it), whatever the
/// breaks left between the bound and the best schedule. Cut at that reach,
/// the model depended on how far the annealing had got when the core was
/// found, so the search differed from run to run with the same seed; on
/// ticf-13crafb (a last core of 38 members) its last solve took 3 to 12 s.
/// Counted in full the search is the same in every run of a seed, and there
/// took 3.5-6.1 s in 16 of 16 seeds (median 3.8 s).
const FULL_COUNT: usize = 64;

impl Cores {
    fn new(model: &Model) -> Self {
        let mut cores = Cores {
            counters: Vec::new(),
            softs: Vec::new(),
            found: 0,
        };
        for (p, own) in model.own_more.iter().enumerate() {
            let j = model.floor[p] as usize;
            if j < own.len() {
                cores.softs.push((cores.counters.len(), j));
            }
            cores.counters.push(own.clone());
        }
        cores
    }

    fn lit(&self, (c, j): (usize, usize)) -> i32 {
        self.counters[c][j]
    }

    /// The soft literals `which` (indices into `softs`) assumed false.
    fn assumptions(&self, which: &[usize]) -> Vec<i32> {
        which.iter().map(|&i| -self.lit(self.softs[i])).collect()
    }

    /// The soft literals of `core` (indices into `softs`) that the last
    /// refutation used.
    fn failed(&self, model: &mut Model, core: &[usize]) -> Vec<usize> {
        core.iter()
            .copied()
            .filter(|&i| model.cnf.solver.failed(-self.lit(self.softs[i])))
            .collect()
    }

    /// One solve under every soft literal; `best`: the breaks of the best
    /// schedule known (how far a new core's counter need count).
    fn step(&mut self, model: &mut Model, conflicts: i32, best: u64) -> Step {
        let all: Vec<usize> = (0..self.softs.len()).collect();
        let assumptions = self.assumptions(&all);
        match model.solve(&assumptions, conflicts) {
            Status::SATISFIABLE => return Step::Schedule,
            Status::UNKNOWN => return Step::Unknown,
            Status::UNSATISFIABLE => {}
        }
        let mut core = self.failed(model, &all);
        // Trimming: the refutation under fewer assumptions often needs
        // fewer, and a smaller core relaxes less.
        for _ in 0..TRIM_ROUNDS {
            if core.is_empty() {
                break;
            }
            let assumptions = self.assumptions(&core);
            if model.solve(&assumptions, conflicts) != Status::UNSATISFIABLE {
                break;
            }
            let trimmed = self.failed(model, &core);
            if trimmed.len() == core.len() {
                break;
            }
            core = trimmed;
        }
        if core.is_empty() {
            // No assumption took part: the held meetings have no schedule
            // at all, which the start schedule contradicts; nothing to learn.
            return Step::Unknown;
        }
        self.found += 1;
        // A new counter need reach no further than the breaks left between
        // the bound and the best schedule, but see FULL_COUNT.
        let reach = usize::try_from(best.saturating_sub(model.floor_sum + self.found))
            .unwrap_or(usize::MAX)
            .max(FULL_COUNT);
        let pairs: Vec<(usize, usize)> = core.iter().map(|&i| self.softs[i]).collect();
        self.relax(model, &pairs, reach);
        Step::Core
    }

    /// Relaxes the soft literals `core`: each gives way to its counter's
    /// next output, and a new counter over them (up to `reach`) adds "more
    /// than one of them" as a soft literal.
    fn relax(&mut self, model: &mut Model, core: &[(usize, usize)], reach: usize) {
        let lits: Vec<i32> = core.iter().map(|&s| self.lit(s)).collect();
        let mut softs = Vec::with_capacity(self.softs.len() + 1);
        for &(c, j) in &self.softs {
            if !core.contains(&(c, j)) {
                softs.push((c, j));
            } else if j + 1 < self.counters[c].len() {
                softs.push((c, j + 1));
            }
        }
        let outputs = if lits.len() > 1 && reach > 0 {
            model.cnf.counter(&lits, reach.min(lits.len() - 1))
        } else {
            Vec::new()
        };
        if outputs.len() > 1 {
            softs.push((self.counters.len(), 1));
        }
        self.counters.push(outputs);
        self.softs = softs;
    }
}

/// Neighbourhood moves alone from the best schedule known (`st` or a
/// better shared one) until the deadline or the shared stop, for a thread
/// whose annealing has stalled. Returns the best schedule it found, if
/// better than `st`'s.
pub(crate) fn improve(
    st: &State,
    shared: &Shared,
    deadline: Instant,
    seed: u64,
) -> Option<Vec<u32>> {
    let best = shared.best.load(Ordering::Relaxed).min(st.breaks);
    if best <= shared.lower() {
        return None;
    }
    let mut model = Model::for_run(st, shared, deadline, seed);
    let mut improver = Improver::new(st, seed);
    improver.run(&mut model, shared, deadline);
    improver.found
}

/// Conflicts for one neighbourhood move.
const NEIGHBOURHOOD_CONFLICTS: i32 = 3_000;

/// The exact search from above: large neighbourhood moves solved by the SAT
/// model. All held meetings but a neighbourhood (see `neighbourhood`) are
/// assumed in their slots of the best schedule known (the annealing's or the
/// search's own), "no participant more than in the best, and one fewer"
/// is assumed too, and the solver gets a few thousand conflicts
/// to re-place the freed meetings. A refuted
/// neighbourhood proves nothing about the whole, so the next one is larger;
/// one that runs out of conflicts makes the next smaller. Every slot variable
/// is guided towards the best schedule (its phase), so the solver starts
/// from it.
struct Improver<'a> {
    inst: &'a Instance,
    rng: Rng,
    hoods: Neighbourhoods,
    /// The best schedule known to this thread and its breaks.
    best: Vec<u32>,
    best_breaks: u64,
    /// Phases and `better` set for `best_breaks` (`u64::MAX`: not yet).
    phased: u64,
    /// Activates the clause "some participant has fewer breaks than in
    /// the best schedule" (0: not yet made).
    better: i32,
    /// The best schedule this thread found itself, if better than its start.
    found: Option<Vec<u32>>,
    held: usize,
    /// Target share of the held meetings to free.
    fraction: f64,
    assumptions: Vec<i32>,
    /// Breaks of each participant in `best` (set with the phases).
    own: Vec<u32>,
}

impl<'a> Improver<'a> {
    fn new(st: &State<'a>, seed: u64) -> Self {
        Improver {
            inst: st.inst,
            rng: Rng::new(seed ^ 0xE1AC_7000),
            hoods: Neighbourhoods::new(st.inst),
            best: st.slot_of.clone(),
            best_breaks: st.breaks,
            phased: u64::MAX,
            better: 0,
            found: None,
            held: st.slot_of.iter().filter(|&&s| s != NONE).count(),
            fraction: 0.3,
            assumptions: Vec::new(),
            own: vec![0; st.inst.participant_ids.len()],
        }
    }

    /// A schedule of the held meetings found by this thread.
    fn offer(&mut self, slots: &[u32], breaks: u64, shared: &Shared) {
        if breaks < self.best_breaks {
            self.best.copy_from_slice(slots);
            self.best_breaks = breaks;
            self.found = Some(slots.to_vec());
            shared.found_schedule(breaks, slots);
        }
    }

    fn run(&mut self, model: &mut Model, shared: &Shared, until: Instant) {
        let n = self.inst.slots;
        while Instant::now() < until && !shared.stop.load(Ordering::Relaxed) {
            // Another thread's better schedule becomes the base.
            if let Some((breaks, slots)) = shared.schedule_better_than(self.best_breaks) {
                self.best = slots;
                self.best_breaks = breaks;
            }
            if self.best_breaks <= shared.lower() {
                return;
            }
            if self.phased != self.best_breaks {
                model.guide(&self.best);
                self.phased = self.best_breaks;
                let mut busy = vec![0u64; self.inst.words];
                for (p, own) in self.own.iter_mut().enumerate() {
                    *own = self.inst.breaks_in(&self.best, p, &mut busy);
                }
                self.better = better_clause(model, &self.own);
            }
            let target = ((self.held as f64 * self.fraction) as usize).max(2);
            self.hoods
                .choose(self.inst, &self.best, &model.floor, target, &mut self.rng);
            self.assumptions.clear();
            for &m in &model.held {
                if !self.hoods.free[m] {
                    self.assumptions
                        .push(model.x[m * n + self.best[m] as usize]);
                }
            }
            self.assumptions.push(self.better);
            // Nobody worse than now: the participants' own counters then
            // propagate at once, where a total would say little until
            // nearly every meeting is placed (measured: this alone took
            // forum-13crafb from 7-10 breaks to 7 in four of four runs).
            // With it, "someone better" is "fewer breaks in all".
            for (p, own) in model.own_more.iter().enumerate() {
                if let Some(&worse) = own.get(self.own[p] as usize) {
                    self.assumptions.push(-worse);
                }
            }
            let res = model.solve(&self.assumptions, NEIGHBOURHOOD_CONFLICTS);
            match res {
                Status::SATISFIABLE => {
                    let mut slots = self.best.clone();
                    model.read(&mut slots, n);
                    let breaks = count_breaks(self.inst, &slots);
                    self.offer(&slots, breaks, shared);
                }
                Status::UNSATISFIABLE => self.fraction = (self.fraction * 1.1).min(1.0),
                Status::UNKNOWN => self.fraction = (self.fraction * 0.93).max(0.05),
            }
        }
    }
}

/// Adds "some participant has fewer breaks than `own`" under a new
/// activation literal, which it returns (the clause holds only while that is
/// assumed). Participants at their floor cannot do better and are left out.
fn better_clause(model: &mut Model, own: &[u32]) -> i32 {
    let act = model.cnf.var();
    let mut clause = vec![-act];
    for (p, counts) in model.own_more.iter().enumerate() {
        if own[p] > model.floor[p]
            && let Some(&now) = counts.get(own[p] as usize - 1)
        {
            // Not "more than own − 1": fewer than now.
            clause.push(-now);
        }
    }
    model.cnf.clause(&clause);
    act
}

/// Breaks of a slot assignment (the state's own count, from scratch).
fn count_breaks(inst: &Instance, slots: &[u32]) -> u64 {
    let mut busy = vec![0u64; inst.words];
    (0..inst.participant_ids.len())
        .map(|p| u64::from(inst.breaks_in(slots, p, &mut busy)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Placement, Solution, Stats};
    use std::time::Duration;

    fn instance(json: &str) -> Instance {
        Instance::from_json(json).unwrap_or_else(|e| panic!("test instance: {e}"))
    }

    /// A state with the meetings in the given slots (by meeting index).
    fn state<'a>(inst: &'a Instance, slots: &[usize]) -> State<'a> {
        let mut st = State::new(inst);
        st.floor = crate::lower::floors(inst);
        for (m, &s) in slots.iter().enumerate() {
            assert!(st.can_place(m, s), "meeting {m} cannot go into slot {s}");
            st.place(m, s);
        }
        st
    }

    /// Checks `slots` with the independent verifier and returns its breaks.
    fn verified_breaks(inst: &Instance, slots: &[u32]) -> u64 {
        let tables = crate::tables::assign(inst, slots, &vec![NONE; slots.len()]);
        let scheduled = (0..slots.len())
            .map(|m| Placement {
                meeting: inst.meeting_ids[m].clone(),
                slot: slots[m],
                table: tables[m],
            })
            .collect();
        let sol = Solution {
            scheduled,
            unscheduled: Vec::new(),
            stats: Stats {
                scheduled: slots.len() as u64,
                priority_sum: slots.len() as u64,
                upper_bound: slots.len() as u64,
                breaks: count_breaks(inst, slots),
                idle_slots: 0,
                breaks_lower_bound: 0,
                seconds: 0.0,
            },
        };
        match crate::verify::verify(inst, &sol) {
            Ok(stats) => stats.breaks,
            Err(v) => panic!("the exact search's schedule does not verify: {v}"),
        }
    }

    fn shared_for(st: &State) -> Shared {
        let floor_sum = st.floor.iter().map(|&f| u64::from(f)).sum();
        Shared::new(Arc::new(AtomicBool::new(false)), st.breaks, floor_sum)
    }

    #[test]
    fn neighbourhood_moves_close_the_gaps_of_a_bad_schedule() {
        // h meets four partners in six slots; the start puts its meetings in
        // slots 0, 2, 4 and 5 (two breaks), and b and c also meet each other.
        let inst = instance(
            r#"{"slots": 6, "tables": 2,
            "participants": [{"id": "h"}, {"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
            "meetings": [{"id": "ha", "with": ["h", "a"]}, {"id": "hb", "with": ["h", "b"]},
                         {"id": "hc", "with": ["h", "c"]}, {"id": "hd", "with": ["h", "d"]},
                         {"id": "bc", "with": ["b", "c"]}]}"#,
        );
        let st = state(&inst, &[0, 2, 4, 5, 3]);
        assert_eq!(st.breaks, 2);
        let shared = shared_for(&st);
        let deadline = Instant::now() + Duration::from_secs(5);
        let Some(slots) = improve(&st, &shared, deadline, 7) else {
            panic!("no better schedule found");
        };
        let breaks = verified_breaks(&inst, &slots);
        assert_eq!(breaks, 0, "slots {slots:?}");
        assert_eq!(shared.best.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_search_from_below_proves_the_triangle_needs_a_break() {
        // Three participants meeting pairwise in three slots: each alone could
        // hold its two meetings back to back (floors 0), but not all three.
        let inst = instance(
            r#"{"slots": 3, "tables": 3,
            "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "bc", "with": ["b", "c"]},
                         {"id": "ac", "with": ["a", "c"]}]}"#,
        );
        let st = state(&inst, &[0, 1, 2]);
        assert_eq!(st.breaks, 1);
        assert_eq!(st.floor, vec![0, 0, 0]);
        let shared = shared_for(&st);
        let found = search(&st, &shared, Instant::now() + Duration::from_secs(5), 0);
        assert!(found.is_none(), "nothing better than one break exists");
        assert_eq!(shared.lower(), 1);
        assert!(
            shared.stop.load(Ordering::Relaxed),
            "proven optimal ends the run"
        );
    }

    #[test]
    fn table_capacity_holds_although_it_is_added_lazily() {
        // One table, three slots: one meeting per slot. a's two meetings
        // start apart; closing the gap needs cd out of the way, and a model
        // without the capacity would rather stack it onto a's meetings.
        let inst = instance(
            r#"{"slots": 3, "tables": 1,
            "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}],
            "meetings": [{"id": "ab", "with": ["a", "b"]}, {"id": "cd", "with": ["c", "d"]},
                         {"id": "ae", "with": ["a", "e"]}]}"#,
        );
        let st = state(&inst, &[0, 1, 2]);
        assert_eq!(st.breaks, 1);
        let shared = shared_for(&st);
        let deadline = Instant::now() + Duration::from_secs(5);
        let Some(slots) = improve(&st, &shared, deadline, 3) else {
            panic!("no better schedule found");
        };
        assert_eq!(verified_breaks(&inst, &slots), 0, "slots {slots:?}");
        let mut per_slot = [0; 3];
        for &s in &slots {
            per_slot[s as usize] += 1;
        }
        assert_eq!(per_slot, [1, 1, 1]);
    }
}
