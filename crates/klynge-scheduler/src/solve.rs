//! The public entry points: [`schedule`] and [`reschedule`].

use std::sync::Arc;
use std::time::Duration;

use crate::bits;
use crate::budget::Budget;
use crate::construct::{eject_search, greedy};
use crate::format::{Placement, Solution, Stats};
use crate::improve::anneal;
use crate::model::{Instance, NONE};
use crate::rng::Rng;
use crate::state::State;

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Wall-clock limit for the whole call: the search stops 2 % of it (at
    /// most a second) early, so the best schedule found is returned within
    /// it. The greedy start is always completed, so a zero limit still gives
    /// a schedule.
    pub time_limit: Duration,
    /// Random seed. Runs with the same seed make the same choices; with a time
    /// limit the number of iterations (and so the result) depends on the speed
    /// of the machine, so set `max_iterations` for fully reproducible runs.
    pub seed: u64,
    /// Optional cap on search iterations (both phases together; each
    /// annealing thread counts its own).
    pub max_iterations: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_limit: Duration::from_secs(10),
            seed: 0,
            max_iterations: None,
        }
    }
}

/// Which part of the search is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Greedy start.
    Construct,
    /// Inserting unscheduled meetings (objective 1).
    Insert,
    /// Reducing breaks (objective 2).
    Improve,
    /// Finished.
    Done,
}

/// A progress report for a user interface, sent a few times per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Current phase.
    pub phase: Phase,
    /// Fraction of the budget used, 0 to 1.
    pub fraction: f64,
    /// Time since the start.
    pub elapsed: Duration,
    /// Meetings scheduled in the current state.
    pub scheduled: usize,
    /// Priority sum of the current state.
    pub priority_sum: u64,
    /// The proven upper bound.
    pub upper_bound: u64,
    /// Breaks of the current state.
    pub breaks: u64,
}

/// Schedules an instance. See the crate docs for the rules and objective.
pub fn schedule(inst: &Instance, options: &Options) -> Solution {
    solve(inst, options, &[], &mut |_| {})
}

/// [`schedule`] with a progress callback.
pub fn schedule_with_progress(
    inst: &Instance,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Solution {
    solve(inst, options, &[], progress)
}

/// Re-schedules after a change (typically a cancellation, where the caller
/// removed the cancelled meeting or participant from the instance).
///
/// Every meeting of `previous.scheduled` that still exists keeps its slot and
/// table; only the other meetings are placed around them. Previous placements
/// of meetings no longer in the instance are ignored. A previous placement that
/// is no longer valid in the new instance (slot now unavailable or not allowed,
/// table out of range, a clash with an earlier kept placement, over a cap or an
/// `after` order) is not kept: that meeting is treated as not yet scheduled.
/// The upper bound is that of the instance, ignoring the pins.
pub fn reschedule(inst: &Instance, previous: &Solution, options: &Options) -> Solution {
    reschedule_with_progress(inst, previous, options, &mut |_| {})
}

/// [`reschedule`] with a progress callback.
pub fn reschedule_with_progress(
    inst: &Instance,
    previous: &Solution,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Solution {
    let pins: Vec<(usize, usize, u32)> = previous
        .scheduled
        .iter()
        .filter_map(|pl| {
            let m = *inst.meeting_index.get(&pl.meeting)? as usize;
            Some((m, pl.slot as usize, pl.table))
        })
        .collect();
    solve(inst, options, &pins, progress)
}

fn solve(
    inst: &Instance,
    options: &Options,
    pins: &[(usize, usize, u32)],
    progress: &mut dyn FnMut(&Progress),
) -> Solution {
    // The search stops a little before the limit, so that joining the
    // threads, assigning tables and writing the answer end within it.
    let search_limit = options
        .time_limit
        .saturating_sub(finish_reserve(options.time_limit));
    let mut budget = Budget::new(search_limit, options.max_iterations);
    let mut rng = Rng::new(options.seed);
    let bound_parts = crate::bound::upper_bound_parts(inst);
    let upper_bound = bound_parts.0;
    // The bound progress reports show: the refined one once it is known.
    let reported_bound = std::cell::Cell::new(upper_bound);
    let mut st = State::new(inst);
    st.floor = crate::lower::floors(inst);
    let mut pinned_table = vec![NONE; inst.meeting_ids.len()];
    let mut used_tables = std::collections::HashSet::new();
    for &(m, s, t) in pins {
        let ok = s < inst.slots
            && t < inst.tables
            && st.slot_of[m] == NONE
            && st.can_place(m, s)
            && used_tables.insert((s, t));
        if ok {
            st.place(m, s);
            st.pinned[m] = true;
            pinned_table[m] = t;
        }
    }

    let mut last_report = Duration::ZERO;
    let mut report = |phase: Phase, st: &State, budget: &Budget, force: bool| {
        let elapsed = budget.elapsed();
        if force || elapsed >= last_report + Duration::from_millis(100) {
            last_report = elapsed;
            progress(&Progress {
                phase,
                fraction: if phase == Phase::Done {
                    1.0
                } else {
                    budget.cached_fraction()
                },
                elapsed,
                scheduled: st.load.iter().map(|&l| l as usize).sum(),
                priority_sum: st.priority,
                upper_bound: reported_bound.get(),
                breaks: st.breaks,
            });
        }
    };

    report(Phase::Construct, &st, &budget, true);
    greedy(&mut st, &mut rng);
    report(Phase::Insert, &st, &budget, true);
    eject_search(
        &mut st,
        &mut rng,
        &mut budget,
        upper_bound,
        0.5,
        &mut |st, b| report(Phase::Insert, st, b, false),
    );
    report(Phase::Improve, &st, &budget, true);
    // Independent annealing runs from the same start, keeping the best: the
    // outcome of one run varies a lot with the random choices, and a longer
    // single run rarely escapes its basin (measured on the 22-slot events).
    // With more than one core, a second thread does the same runs with other
    // random choices.
    let runs = restarts(inst);
    // The exact search runs beside the annealing on events small enough, and
    // only for time-limited runs (an iteration cap promises the same result
    // on every machine), on a set of held meetings that no longer changes:
    // every meeting that can be held is, or, on small events, the priority
    // has reached its proven bound (no insertion can raise it; the held set
    // is then fixed for the rest of the run, and the breaks are bounded for
    // that set).
    let exact = (st.unscheduled.is_empty()
        || (st.priority >= upper_bound && crate::exact::fits_partial(inst, &st)))
        && options.max_iterations.is_none()
        && crate::exact::fits(inst, &st);
    if exact && !st.unscheduled.is_empty() {
        st.fix_held();
    }
    let exact = exact && !st.with_breaks.is_empty();
    let floor_sum: u64 = st.floor.iter().map(|&f| u64::from(f)).sum();
    let shared = exact.then(|| {
        Arc::new(crate::exact::Shared::new(
            budget.stop_flag(),
            st.breaks,
            floor_sum,
        ))
    });
    if let Some(shared) = &shared {
        budget.share(Arc::clone(shared));
    }
    let annealing_threads = if exact {
        1
    } else if inst.meeting_ids.len() <= MAX_THREADED_MEETINGS {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    } else {
        1
    };
    let (best, exact_best, refined) = std::thread::scope(|scope| {
        // The bound's refinement needs only the priority, which the break
        // phase keeps: it runs beside the search (on large events the second
        // core is otherwise idle) and ends by itself.
        let (target, deadline) = (st.priority, budget.deadline());
        let refine = (target < upper_bound)
            .then(|| scope.spawn(move || crate::dual::refine(inst, bound_parts, target, deadline)));
        let exact_thread = shared.as_ref().map(|shared| {
            let start = st.clone();
            let deadline = budget.deadline();
            scope.spawn(move || crate::exact::search(&start, shared, deadline, options.seed))
        });
        let helpers: Vec<_> = (1..annealing_threads)
            .map(|t| {
                let mut st = st.clone();
                let mut budget = budget.fork();
                let mut rng =
                    Rng::new(options.seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                scope.spawn(move || {
                    anneal_runs(&mut st, &mut rng, &mut budget, runs, 1.0, &mut |_, _| {})
                })
            })
            .collect();
        // Beside the exact search the annealing has two runs, for a share of
        // the time: it finds good schedules fast and then stalls, where the
        // exact search's neighbourhood moves go on improving; this thread
        // then makes such moves too, from the best schedule either has.
        let mut best = if let Some(shared) = &shared {
            let now = budget.refresh();
            let until = now + ANNEAL_SHARE * (1.0 - now);
            let mut best = anneal_runs(
                &mut st,
                &mut rng,
                &mut budget,
                EXACT_ANNEAL_RUNS,
                until,
                &mut |st, b| report(Phase::Improve, st, b, false),
            );
            if budget.refresh() < 1.0 {
                st.restore(&best.2);
                if let Some(slots) =
                    crate::exact::improve(&st, shared, budget.deadline(), options.seed ^ 1)
                {
                    st.restore(&slots);
                    best = (st.priority, st.breaks, slots);
                }
            }
            best
        } else {
            anneal_runs(&mut st, &mut rng, &mut budget, runs, 1.0, &mut |st, b| {
                report(Phase::Improve, st, b, false)
            })
        };
        for h in helpers {
            // A helper that panicked contributes nothing; its panic is a bug
            // that the main thread's own run does not share.
            if let Ok(other) = h.join()
                && (other.0, std::cmp::Reverse(other.1)) > (best.0, std::cmp::Reverse(best.1))
            {
                best = other;
            }
        }
        let exact_best = exact_thread.and_then(|h| h.join().ok().flatten());
        let refined = refine.and_then(|h| h.join().ok());
        (best, exact_best, refined)
    });
    let upper_bound = refined.map_or(upper_bound, |r| r.min(upper_bound));
    reported_bound.set(upper_bound);
    if (best.0, best.1) != (st.priority, st.breaks) || st.snapshot() != best.2 {
        st.restore(&best.2);
    }
    if let Some(slots) = exact_best {
        let breaks = st.breaks;
        let kept = st.snapshot();
        st.restore(&slots);
        if st.breaks >= breaks {
            st.restore(&kept);
        }
    }
    let breaks_lower_bound = shared
        .as_ref()
        .map_or(0, |s| s.lower())
        .max(crate::lower::held_floor_sum(inst, &|m| {
            st.slot_of[m] != NONE
        }))
        .min(st.breaks);
    report(Phase::Done, &st, &budget, true);

    let tables = crate::tables::assign(inst, &st.slot_of, &pinned_table);
    let mut scheduled: Vec<Placement> = (0..inst.meeting_ids.len())
        .filter(|&m| st.slot_of[m] != NONE)
        .map(|m| Placement {
            meeting: inst.meeting_ids[m].clone(),
            slot: st.slot_of[m],
            table: tables[m],
        })
        .collect();
    scheduled.sort_by_key(|p| (p.slot, p.table));
    let unscheduled: Vec<String> = (0..inst.meeting_ids.len())
        .filter(|&m| st.slot_of[m] == NONE)
        .map(|m| inst.meeting_ids[m].clone())
        .collect();
    let stats = Stats {
        scheduled: scheduled.len() as u64,
        priority_sum: st.priority,
        upper_bound,
        breaks: st.breaks,
        idle_slots: idle_slots(&st),
        breaks_lower_bound,
        seconds: budget.elapsed().as_secs_f64(),
    };
    Solution {
        scheduled,
        unscheduled,
        stats,
    }
}

/// Share of the time left after the insertion phase that the annealing gets
/// when the exact search runs beside it.
/// (Measured on the 20 public instances, three seeds each: a quarter lost
/// tic-14crafc's optimum in half the runs, the whole time lost a break on
/// the crafb events. With the faster exact model: a tenth, with the thread
/// idle afterwards so the exact search has the machine to itself, found the
/// optimum of forum-13crafb and ticf-13crafb in 12 and 6 of 16 runs, this
/// share with the neighbourhood moves in 11 and 8, with fewer breaks when
/// missed: 5-12 against 9-13.)
const ANNEAL_SHARE: f64 = 0.6;

/// Annealing runs in that share.
const EXACT_ANNEAL_RUNS: usize = 2;

/// Annealing threads at most (the same runs with other random choices).
const MAX_THREADS: usize = 2;

/// Larger events anneal in one thread (a second state would double memory).
const MAX_THREADED_MEETINGS: usize = 5_000;

/// `runs` annealing runs from the current state, sharing the budget up to
/// the fraction `end`; returns the best (priority, breaks, slots). Stops
/// every thread sharing the budget once a schedule is proven optimal.
fn anneal_runs(
    st: &mut State,
    rng: &mut Rng,
    budget: &mut Budget,
    runs: usize,
    end: f64,
    report: &mut dyn FnMut(&State, &Budget),
) -> (u64, u64, Vec<u32>) {
    let start_slots = st.snapshot();
    let start_fraction = budget.refresh();
    let mut best: Option<(u64, u64, Vec<u32>)> = None;
    for k in 0..runs {
        if k > 0 {
            st.restore(&start_slots);
        }
        // The last run ends exactly at `end` (the budget never reports more
        // than 1).
        let until = if k + 1 == runs {
            end
        } else {
            start_fraction + (end - start_fraction) * (k + 1) as f64 / runs as f64
        };
        anneal(st, rng, budget, until, report);
        if best.as_ref().is_none_or(|b| {
            (st.priority, std::cmp::Reverse(st.breaks)) > (b.0, std::cmp::Reverse(b.1))
        }) {
            best = Some((st.priority, st.breaks, st.snapshot()));
        }
        // Every participant at its floor: no schedule has fewer breaks.
        if st.at_floors() {
            budget.stop_all();
            break;
        }
    }
    best.unwrap_or_else(|| (st.priority, st.breaks, st.snapshot()))
}

/// Time kept back from the search for finishing: 2 % of the limit, at most
/// a second (measured: the finishing steps after the search's deadline take
/// about 10 ms on the published events and 40 ms at 20,000 participants; on
/// a loaded machine a SAT solver in inprocessing noticed the deadline up to
/// 150 ms late, so 1 % still ended some 10 s runs at 10.05 s).
fn finish_reserve(limit: Duration) -> Duration {
    (limit / 50).min(Duration::from_secs(1))
}

/// Annealing runs for an instance: restarts pay off on small events only.
fn restarts(inst: &Instance) -> usize {
    if inst.meeting_ids.len() <= 5_000 {
        3
    } else {
        1
    }
}

/// Free, available slots between each participant's first and last meeting.
fn idle_slots(st: &State) -> u64 {
    let inst = st.inst;
    let mut idle = 0u64;
    for p in 0..inst.participant_ids.len() {
        let busy = &st.busy[p * inst.words..(p + 1) * inst.words];
        let (Some(first), Some(last)) = (bits::iter(busy).next(), bits::iter(busy).last()) else {
            continue;
        };
        let avail = inst.available_of(p);
        idle += (first..=last)
            .filter(|&s| !bits::test(busy, s) && bits::test(avail, s))
            .count() as u64;
    }
    idle
}
