//! Time and iteration budget shared by the search phases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::exact::Shared;

/// One search thread's budget; [`Budget::fork`] gives another thread the same
/// clock and a shared stop flag, and its own iteration count.
pub(crate) struct Budget {
    start: Instant,
    limit: Duration,
    max_iterations: Option<u64>,
    pub(crate) iterations: u64,
    cached_fraction: f64,
    /// Set when a thread has proven its schedule optimal: every budget
    /// sharing it reports the whole budget used.
    stop: Arc<AtomicBool>,
    /// Shared with the exact search, when it runs: breaks found and proven.
    shared: Option<Arc<Shared>>,
}

impl Budget {
    pub(crate) fn new(limit: Duration, max_iterations: Option<u64>) -> Self {
        Budget {
            start: Instant::now(),
            limit,
            max_iterations,
            iterations: 0,
            cached_fraction: 0.0,
            stop: Arc::new(AtomicBool::new(false)),
            shared: None,
        }
    }

    /// A budget for another thread: same start, limit, stop flag and
    /// iterations so far; from here each counts its own (an iteration cap
    /// applies to each thread).
    pub(crate) fn fork(&self) -> Self {
        Budget {
            start: self.start,
            limit: self.limit,
            max_iterations: self.max_iterations,
            iterations: self.iterations,
            cached_fraction: self.cached_fraction,
            stop: Arc::clone(&self.stop),
            shared: self.shared.clone(),
        }
    }

    /// The stop flag every thread of this run shares.
    pub(crate) fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// The moment the budget's time runs out.
    pub(crate) fn deadline(&self) -> Instant {
        self.start + self.limit
    }

    /// Lets this budget tell the exact search about schedules found (and so
    /// stop when one meets its proven bound).
    pub(crate) fn share(&mut self, shared: Arc<Shared>) {
        self.shared = Some(shared);
    }

    /// A schedule (slot per meeting, every held meeting in one) with
    /// `breaks` was found.
    pub(crate) fn found(&self, breaks: u64, slots: &[u32]) {
        if let Some(shared) = &self.shared {
            shared.found_schedule(breaks, slots);
        }
    }

    /// Ends the search in every thread sharing this budget's stop flag.
    pub(crate) fn stop_all(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Counts one iteration and returns the used fraction of the budget in
    /// `[0, 1]`; the clock is read every 16 iterations.
    #[inline]
    pub(crate) fn tick(&mut self) -> f64 {
        self.iterations += 1;
        if self.iterations.is_multiple_of(16) {
            self.refresh();
        }
        self.cached_fraction
    }

    pub(crate) fn cached_fraction(&self) -> f64 {
        self.cached_fraction
    }

    pub(crate) fn refresh(&mut self) -> f64 {
        if self.stop.load(Ordering::Relaxed) {
            self.cached_fraction = 1.0;
            return 1.0;
        }
        let t = if self.limit.is_zero() {
            1.0
        } else {
            self.start.elapsed().as_secs_f64() / self.limit.as_secs_f64()
        };
        let i = self
            .max_iterations
            .map_or(0.0, |n| self.iterations as f64 / n.max(1) as f64);
        self.cached_fraction = t.max(i).min(1.0);
        self.cached_fraction
    }
}
