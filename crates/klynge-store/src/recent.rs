//! Recent reads kept for a moment, for the reads every request of a server repeats: the
//! session behind a cookie, the principal behind an API token, whether the organisation
//! directory is current, a cluster's member set.
//!
//! A kept read is used only while both hold:
//! - no write has gone through this store (any clone) since the read began — writes made
//!   here are seen at once;
//! - it began less than [`REUSE_FOR`] ago — this bounds how late a change made by another
//!   process (the command line, a second server on the same database) is seen.
//!
//! Any write forgets everything (a generation counter), which is coarse but cheap: writes are
//! rare next to the reads this serves, and a forgotten read is simply read again.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a kept read may stand in for the database.
pub(crate) const REUSE_FOR: Duration = Duration::from_secs(1);

/// Counts the writes made through one store and its clones.
#[derive(Debug, Default)]
pub(crate) struct Writes(AtomicU64);

impl Writes {
    /// Called after a statement that may have changed rows, and after a commit.
    pub(crate) fn record(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    /// Taken before a read whose result is to be kept.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket {
            generation: self.0.load(Ordering::Acquire),
            started: Instant::now(),
        }
    }

    fn generation(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// When a read began, in writes and in time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    generation: u64,
    started: Instant,
}

impl Ticket {
    fn still_good(&self, writes: &Writes) -> bool {
        self.generation == writes.generation() && self.started.elapsed() < REUSE_FOR
    }
}

/// Kept reads by key, at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct RecentReads<K, V> {
    entries: Mutex<HashMap<K, (Ticket, V)>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> RecentReads<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        RecentReads {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The kept read for `key`, if it is still good.
    pub(crate) fn get<Q>(&self, key: &Q, writes: &Writes) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.lock().ok()?;
        let (ticket, value) = entries.get(key)?;
        ticket.still_good(writes).then(|| value.clone())
    }

    /// Keeps `value`, read under `ticket`.
    pub(crate) fn put(&self, key: K, ticket: Ticket, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, (t, _)| t.started.elapsed() < REUSE_FOR);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (ticket, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_forgets_what_was_read_before_it() {
        let writes = Writes::default();
        let reads = RecentReads::new(4);
        let ticket = writes.ticket();
        reads.put("a", ticket, 1);
        assert_eq!(reads.get(&"a", &writes), Some(1));
        writes.record();
        assert_eq!(reads.get(&"a", &writes), None);
    }

    #[test]
    fn a_write_during_the_read_makes_it_unusable() {
        let writes = Writes::default();
        let reads = RecentReads::new(4);
        let ticket = writes.ticket();
        writes.record(); // committed while the read ran: the read may not have seen it
        reads.put("a", ticket, 1);
        assert_eq!(reads.get(&"a", &writes), None);
    }

    #[test]
    fn reads_expire_and_the_capacity_holds() {
        let writes = Writes::default();
        let reads = RecentReads::new(2);
        if let Some(started) = Instant::now().checked_sub(REUSE_FOR) {
            let old = Ticket {
                generation: 0,
                started,
            };
            reads.put("old", old, 0);
            assert_eq!(reads.get(&"old", &writes), None);
        }
        reads.put("a", writes.ticket(), 1);
        reads.put("b", writes.ticket(), 2);
        assert!(reads.entries.lock().map(|e| e.len() <= 2).unwrap_or(false));
        assert_eq!(reads.get(&"b", &writes), Some(2));
    }
}
