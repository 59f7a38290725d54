//! Bad input is logged, but a venue or a capture that turns bad sends thousands of messages a second:
//! one line each would flood the log (and the disk) while saying nothing new. A `LogThrottle` lets a
//! burst through, then stays quiet until the window ends and says how many it held back. Counters
//! still count every one.

use std::time::{Duration, Instant};

/// What to do with one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogDecision {
    /// Log it. `suppressed` is how many were held back since the last logged one (say so in the line).
    Log { suppressed: u64 },
    /// Stay quiet (the count is carried to the next logged line).
    Quiet,
}

#[derive(Debug, Clone)]
pub struct LogThrottle {
    burst: u32,
    window: Duration,
    window_start: Option<Instant>,
    logged_in_window: u32,
    suppressed: u64,
}

impl LogThrottle {
    /// At most `burst` lines per `window`.
    pub fn new(burst: u32, window: Duration) -> Self {
        Self { burst: burst.max(1), window, window_start: None, logged_in_window: 0, suppressed: 0 }
    }

    /// Decide for an occurrence now.
    pub fn check(&mut self) -> LogDecision {
        self.check_at(Instant::now())
    }

    /// Decide for an occurrence at `now` (tests drive the clock).
    pub fn check_at(&mut self, now: Instant) -> LogDecision {
        match self.window_start {
            Some(start) if now.duration_since(start) < self.window => {}
            _ => {
                self.window_start = Some(now);
                self.logged_in_window = 0;
            }
        }
        if self.logged_in_window < self.burst {
            self.logged_in_window += 1;
            LogDecision::Log { suppressed: std::mem::take(&mut self.suppressed) }
        } else {
            self.suppressed += 1;
            LogDecision::Quiet
        }
    }
}

impl Default for LogThrottle {
    /// 10 lines per 10 s.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_quiet_until_the_window_ends_with_the_held_back_count() {
        let mut t = LogThrottle::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        let first: Vec<_> = (0..1000).map(|i| t.check_at(t0 + Duration::from_millis(i))).collect();
        assert_eq!(&first[..3], &[LogDecision::Log { suppressed: 0 }; 3]);
        assert!(first[3..].iter().all(|d| *d == LogDecision::Quiet), "997 held back");
        // Next window: the first line carries the count, and the burst is allowed again.
        assert_eq!(t.check_at(t0 + Duration::from_secs(11)), LogDecision::Log { suppressed: 997 });
        assert_eq!(t.check_at(t0 + Duration::from_secs(11)), LogDecision::Log { suppressed: 0 });
    }
}
