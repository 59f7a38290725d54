//! `--source capture:<file>`: replay a capture (JSON Lines, see `exchange/capture.rs`) through the
//! venue at the recorded timing, `--speed` times faster, or as fast as possible.

use std::io::BufRead;
use std::time::Duration;

use tokio::time::Instant;

use crate::exchange::capture::{CaptureError, CaptureEvent, CaptureReader};
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::sources::capture_input::{self, CaptureInputs, ConnectionSelector, InTimeOrder, DEFAULT_REORDER_BYTES};
use crate::sources::venue_feed::VenueFeed;

/// Replay pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Recorded time divided by this factor (1 = as recorded).
    Times(f64),
    /// No waiting at all.
    Max,
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "max" {
            return Ok(Speed::Max);
        }
        match s.parse::<f64>() {
            Ok(x) if (MIN_SPEED..=MAX_SPEED).contains(&x) => Ok(Speed::Times(x)),
            _ => Err(format!("--speed takes a number from {MIN_SPEED} to {MAX_SPEED}, or `max`, not {s:?}")),
        }
    }
}

/// Slowest and fastest replay factors `--speed` accepts (`max` is as fast as the machine goes).
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 1_000_000.0;
/// Longest pause between two capture events a replay will wait out (in replay time). A timestamp
/// further out is not a quiet market but a broken line: it is skipped, counted and logged.
pub const MAX_REPLAY_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Replay `input` into `feed` in receive-time order ([`InTimeOrder`]). Reads on a blocking thread
/// (files can be large), a bounded channel of events between; returns when the capture ends or
/// every engine is gone.
pub async fn run_capture(mut feed: VenueFeed, input: impl BufRead + Send + 'static, speed: Speed) {
    // Owned events; 1024 lines of read-ahead at most.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<CaptureEvent<'static>>(1024);
    let reader = tokio::task::spawn_blocking(move || {
        let mut r = CaptureReader::new(input);
        // Connections' events are in blocks in the file: replay them in receive-time order.
        let mut order = InTimeOrder::new(DEFAULT_REORDER_BYTES);
        let mut skip_log = LogThrottle::default();
        while let Some(ev) = r.next_event() {
            let owned = match ev {
                Ok(ev) => match capture_input::owned(ev) {
                    Some(ev) => ev,
                    None => continue,
                },
                Err(CaptureError::Io(e)) => {
                    tracing::error!(error = %e, "capture unreadable: replay stops");
                    return;
                }
                Err(e) => {
                    if let LogDecision::Log { suppressed } = skip_log.check() {
                        tracing::warn!(error = %e, suppressed, "capture line skipped");
                    }
                    continue;
                }
            };
            for ev in order.push(owned) {
                if tx.blocking_send(ev).is_err() {
                    return;
                }
            }
        }
        while let Some(ev) = order.pop() {
            if tx.blocking_send(ev).is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    let mut first_ts: Option<f64> = None;
    let mut inputs = CaptureInputs::default();
    let mut connection = ConnectionSelector::default();
    let mut events = 0u64;
    let mut bad_time_log = LogThrottle::default();
    while let Some(ev) = rx.recv().await {
        let ts = capture_input::ts(&ev);
        if let Speed::Times(x) = speed {
            let t0 = *first_ts.get_or_insert(ts);
            // A timestamp that is not a number, or further than a day of replay time from the last
            // one, would be a wait of forever (or a panic in Duration): skip that event instead.
            let wait = Duration::try_from_secs_f64(((ts - t0) / x).max(0.0)).ok();
            let Some(wait) = wait.filter(|w| w.saturating_sub(started.elapsed()) <= MAX_REPLAY_WAIT) else {
                feed.metrics().source_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let LogDecision::Log { suppressed } = bad_time_log.check() {
                    tracing::warn!(ts, suppressed, "capture event with an out-of-range timestamp skipped");
                }
                continue;
            };
            tokio::time::sleep_until(started + wait).await;
        }
        events += 1;
        let Some(input) = inputs.input(&ev) else { continue };
        connection.select(&inputs, &ev, feed.venue_mut());
        // A capture cannot fetch or resubscribe: recovery comes from later messages, if any.
        let _ = feed.handle(input).await;
    }
    let _ = reader.await;
    tracing::info!(venue = feed.venue_name(), events, "capture replay finished: serving its last books as the capture left them");
    // Keep the feed (and so the engines' inboxes) open: an inbox that closes means a source that
    // died, and its book is then marked stale. A capture that played to its end did not die.
    std::future::pending::<()>().await;
}
