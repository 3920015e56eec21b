//! Time and iteration budget shared by the search phases.

use std::time::{Duration, Instant};

pub(crate) struct Budget {
    start: Instant,
    limit: Duration,
    max_iterations: Option<u64>,
    pub(crate) iterations: u64,
    cached_fraction: f64,
}

impl Budget {
    pub(crate) fn new(limit: Duration, max_iterations: Option<u64>) -> Self {
        Budget {
            start: Instant::now(),
            limit,
            max_iterations,
            iterations: 0,
            cached_fraction: 0.0,
        }
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
