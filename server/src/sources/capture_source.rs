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
pub async fn run_capture(mut feed: VenueFeed, input: impl BufRead + Send + 'static, speed: Speed, tick_hz: u32) {
    let tick_us = 1_000_000 / u64::from(tick_hz.clamp(crate::tick_loop::MIN_TICK_HZ, crate::tick_loop::MAX_TICK_HZ));
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
    let mut pace = Pace { speed, started: Instant::now(), first_us: None };
    let mut inputs = CaptureInputs::default();
    let mut connection = ConnectionSelector::default();
    let mut events = 0u64;
    let mut bad_time_log = LogThrottle::default();
    // The capture's clock as last told to the engines (µs): they tick on it, not on the wall clock.
    let mut clock_us: Option<u64> = None;
    // The tick boundary after the last event, until the engines have been told it (so that event's
    // frame goes out then, not with the next event or heartbeat).
    let mut publish_by: Option<u64> = None;
    while let Some(ev) = rx.recv().await {
        let ts = capture_input::ts(&ev);
        // A timestamp that is not a time, or further than a day of replay time from the start, would
        // be a wait of forever (or a panic in Duration): skip that event instead.
        let Some(us) = capture_us(ts).filter(|&us| pace.wait(us).is_some()) else {
            feed.metrics().source_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let LogDecision::Log { suppressed } = bad_time_log.check() {
                tracing::warn!(ts, suppressed, "capture event with an out-of-range timestamp skipped");
            }
            continue;
        };
        // Before the event: the boundary after the last one, then (a quiet stretch) a heartbeat
        // once a second of capture time.
        while let Some(last) = clock_us {
            let next = publish_by.unwrap_or(last.saturating_add(HEARTBEAT_US));
            if us <= next {
                break;
            }
            pace.sleep_until(next).await;
            feed.send_source_time(next).await;
            (clock_us, publish_by) = (Some(next), None);
        }
        pace.sleep_until(us).await;
        if clock_us.is_none_or(|last| us > last) {
            // The frames up to the event's time hold what came before it.
            feed.send_source_time(us).await;
            clock_us = Some(us);
            publish_by = publish_by.filter(|&b| us < b);
        }
        events += 1;
        let Some(input) = inputs.input(&ev) else { continue };
        connection.select(&inputs, &ev, feed.venue_mut());
        // A capture cannot fetch or resubscribe: recovery comes from later messages, if any.
        let _ = feed.handle_at(input, us).await;
        publish_by = Some((us / tick_us + 1) * tick_us);
    }
    let _ = reader.await;
    tracing::info!(venue = feed.venue_name(), events, "capture replay finished: serving its last books as the capture left them");
    // Keep the feed (and so the engines' inboxes) open: an inbox that closes means a source that
    // died, and its book is then marked stale. A capture that played to its end did not die: its
    // clock goes on (at the replay's pace, or the wall's after `max`), so heartbeats go on.
    pace.speed = match speed {
        Speed::Max => Speed::Times(1.0),
        s => s,
    };
    let mut t = clock_us.unwrap_or(0);
    if let Some(b) = publish_by {
        feed.send_source_time(b).await; // the last event's frame
        t = b;
    }
    pace.restart_at(t);
    while !feed.engines_gone() {
        t = t.saturating_add(HEARTBEAT_US);
        pace.sleep_until(t).await;
        feed.send_source_time(t).await;
    }
}

/// The heartbeat interval on the capture's clock (the tick loop's default heartbeat).
const HEARTBEAT_US: u64 = 1_000_000;

/// A capture time (seconds, as the capture writes it) in µs, if it is one.
fn capture_us(ts: f64) -> Option<u64> {
    let us = (ts * 1e6).round();
    (0.0..1e18).contains(&us).then_some(us as u64)
}

/// Capture time → wall time: the first event at `started`, the rest `speed` times faster.
struct Pace {
    speed: Speed,
    started: Instant,
    first_us: Option<u64>,
}

impl Pace {
    /// How long after the start `us` is due (`Some(0)` as fast as possible), or `None` when it is
    /// further than [`MAX_REPLAY_WAIT`] from now.
    fn wait(&mut self, us: u64) -> Option<Duration> {
        let Speed::Times(x) = self.speed else { return Some(Duration::ZERO) };
        let t0 = *self.first_us.get_or_insert(us);
        let wait = Duration::try_from_secs_f64((us.saturating_sub(t0) as f64 / 1e6 / x).max(0.0)).ok()?;
        (wait.saturating_sub(self.started.elapsed()) <= MAX_REPLAY_WAIT).then_some(wait)
    }

    async fn sleep_until(&mut self, us: u64) {
        if let Some(wait) = self.wait(us) {
            tokio::time::sleep_until(self.started + wait).await;
        }
    }

    /// From now on, `us` is now.
    fn restart_at(&mut self, us: u64) {
        (self.started, self.first_us) = (Instant::now(), Some(us));
    }
}
