//! An edge node's memory, bounded in bytes and not only in counts: what the bus may make it hold is
//! the frames queued for each relay plus the frames each relay keeps for its clients (the fan-out's
//! last [`CLIENT_BUFFER_FRAMES`]). Both are charged to one budget for the whole edge; a frame that
//! would go over it is dropped and counted, never buffered. Counts alone (64 frames × 10,000
//! symbols) let 1 MiB frames take an edge to gigabytes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::fanout::CLIENT_BUFFER_FRAMES;

/// The limits (defaults sized for a small VM: 256 MiB of frames in all).
#[derive(Debug, Clone, Copy)]
pub struct EdgeBudget {
    /// Largest frame relayed; a bigger one is rejected (a 1,000-level book is ~35 KB).
    pub max_frame_bytes: usize,
    /// Bytes waiting for one relay (a relay only forwards: it falls behind only when starved of CPU).
    pub relay_queue_bytes: usize,
    /// Bytes all relays together hold: queued frames and the frames each keeps for its clients.
    pub edge_bytes: usize,
    /// A symbol with no frame for this long is evicted (its clients closed, its slot freed), so a
    /// directory filled by symbols nobody publishes any more does not lock out new ones.
    pub idle_evict: Duration,
}

impl Default for EdgeBudget {
    fn default() -> Self {
        Self { max_frame_bytes: 256 << 10, relay_queue_bytes: 1 << 20, edge_bytes: 256 << 20, idle_evict: Duration::from_secs(3600) }
    }
}

/// Bytes charged against [`EdgeBudget::edge_bytes`], shared by the subscriber and every relay.
#[derive(Debug, Default)]
pub struct ByteBudget {
    limit: usize,
    used: AtomicUsize,
}

impl ByteBudget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self { limit, used: AtomicUsize::new(0) })
    }

    /// Take `n` bytes if they fit.
    pub fn try_charge(&self, n: usize) -> bool {
        self.used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| u.checked_add(n).filter(|&t| t <= self.limit)).is_ok()
    }

    /// Take `n` bytes whether or not they fit (what a relay already holds, e.g. its own stale mark).
    pub fn charge(&self, n: usize) {
        self.used.fetch_add(n, Ordering::AcqRel);
    }

    pub fn release(&self, n: usize) {
        let _ = self.used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| Some(u.saturating_sub(n)));
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// What one relay's fan-out holds: the sizes of the last [`CLIENT_BUFFER_FRAMES`] frames it
/// published (the broadcast buffer; the newest frame kept for late joiners is one of them).
#[derive(Debug, Default)]
pub struct HeldFrames {
    sizes: VecDeque<usize>,
    total: usize,
}

impl HeldFrames {
    /// A frame of `n` bytes was published: returns (bytes now held in addition, bytes no longer held).
    pub fn push(&mut self, n: usize) -> (usize, usize) {
        self.sizes.push_back(n);
        self.total += n;
        let mut freed = 0;
        while self.sizes.len() > CLIENT_BUFFER_FRAMES {
            let old = self.sizes.pop_front().unwrap_or(0);
            self.total -= old;
            freed += old;
        }
        (n, freed)
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_never_goes_over_its_limit_when_asked() {
        let b = ByteBudget::new(1000);
        assert!(b.try_charge(600));
        assert!(!b.try_charge(401));
        assert!(b.try_charge(400));
        assert!(!b.try_charge(usize::MAX), "no wrap");
        b.release(5000);
        assert_eq!(b.used(), 0, "release saturates");
    }

    #[test]
    fn held_frames_are_the_last_few_published() {
        let mut h = HeldFrames::default();
        for _ in 0..CLIENT_BUFFER_FRAMES {
            assert_eq!(h.push(100), (100, 0));
        }
        assert_eq!(h.push(10), (10, 100));
        assert_eq!(h.total(), 100 * (CLIENT_BUFFER_FRAMES - 1) + 10);
    }
}
