//! The single task that owns a [`ServerEngine`]: ingests source messages, serializes at most one
//! frame per tick into a reused builder, answers join-frame requests, and publishes.
//!
//! Ticks come from the wall clock, or — for a market clocked by its source (a capture replay) —
//! from the source's own time: the source sends [`source_time`] messages through the inbox, in
//! order with its data, and a tick happens when that time crosses the next tick boundary. The
//! frames then depend only on the capture (not on how fast the machine replays it), and say when
//! the market happened.

use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use flatbuffers::FlatBufferBuilder;
use tokio::sync::mpsc;

use crate::engine::ServerEngine;
use crate::fanout::{FanoutPublisher, Frame, JoinRequest};
use crate::metrics::Metrics;

/// Tick-rate bounds (Hz) and default.
pub const MIN_TICK_HZ: u32 = 20;
pub const MAX_TICK_HZ: u32 = 100;
pub const DEFAULT_TICK_HZ: u32 = 50;

#[derive(Debug, Clone, Copy)]
pub struct TickLoopConfig {
    pub tick_hz: u32,
    /// A frame goes out at least this often even when nothing changed, so clients can tell live from stale.
    pub heartbeat: Duration,
    /// Tick on the source's [`source_time`] messages instead of the wall clock.
    pub clocked_by_source: bool,
}

impl Default for TickLoopConfig {
    fn default() -> Self {
        Self { tick_hz: DEFAULT_TICK_HZ, heartbeat: Duration::from_secs(1), clocked_by_source: false }
    }
}

const SOURCE_TIME_MAGIC: &[u8; 4] = b"TFST";

/// An inbox message saying "the source's clock now reads `us`" (µs since the epoch), for a market
/// whose tick loop is clocked by its source. Everything the source sent before it happened earlier.
pub fn source_time(us: u64) -> Bytes {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(SOURCE_TIME_MAGIC);
    out.extend_from_slice(&us.to_le_bytes());
    Bytes::from(out)
}

/// The time a [`source_time`] message carries, if `msg` is one.
fn read_source_time(msg: &[u8]) -> Option<u64> {
    let rest = msg.strip_prefix(SOURCE_TIME_MAGIC)?;
    Some(u64::from_le_bytes(rest.try_into().ok()?))
}

/// Tick boundaries on a source's clock: the frame for boundary `k·period` holds everything the
/// source sent before it.
struct SourceTicks {
    period_us: u64,
    heartbeat_us: u64,
    /// The next boundary (µs), once the first time has arrived.
    next_us: Option<u64>,
    /// The source time of the last frame sent.
    last_sent_us: Option<u64>,
}

impl SourceTicks {
    /// The boundary the source's clock crossed (the frame time, µs), if it crossed one.
    fn crossed(&mut self, now_us: u64) -> Option<u64> {
        let next = *self.next_us.get_or_insert(now_us - now_us % self.period_us);
        if now_us < next {
            return None;
        }
        let boundary = now_us - now_us % self.period_us;
        self.next_us = Some(boundary.saturating_add(self.period_us));
        Some(boundary)
    }

    fn heartbeat_due(&self, at_us: u64) -> bool {
        self.last_sent_us.is_none_or(|t| at_us.saturating_sub(t) >= self.heartbeat_us)
    }
}

/// Run until `inbox` closes and every join-frame requester is gone.
pub async fn run_tick_loop<E: ServerEngine>(
    mut engine: E,
    mut inbox: mpsc::Receiver<Bytes>,
    mut join_requests: mpsc::Receiver<JoinRequest>,
    publisher: FanoutPublisher,
    metrics: std::sync::Arc<Metrics>,
    config: TickLoopConfig,
) {
    let hz = config.tick_hz.clamp(MIN_TICK_HZ, MAX_TICK_HZ);
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / hz as f64));
    // After a stall, tick once and carry on: bursting missed ticks would send identical frames.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut builder = FlatBufferBuilder::with_capacity(64 * 1024);
    let mut join_builder = FlatBufferBuilder::with_capacity(64 * 1024);
    let mut dirty = false;
    let mut seq = 0u64;
    let mut join_cache: Option<(u64, Frame)> = None;
    let mut last_sent: Option<Instant> = None;
    let (mut inbox_open, mut joins_open) = (true, true);
    let mut source_ticks = config.clocked_by_source.then(|| SourceTicks {
        period_us: 1_000_000 / u64::from(hz),
        heartbeat_us: config.heartbeat.as_micros().min(u128::from(u64::MAX)) as u64,
        next_us: None,
        last_sent_us: None,
    });

    while inbox_open || joins_open {
        tokio::select! {
            biased; // ticks first: a flood of source messages must not starve the frame rate
            _ = ticks.tick(), if source_ticks.is_none() => {
                // The first tick sends the engine's state whatever it is (resyncing until a book
                // arrives), so a client learns the status at once rather than waiting on silence.
                let heartbeat_due = last_sent.is_none_or(|t| t.elapsed() >= config.heartbeat);
                if dirty || heartbeat_due || engine.tick_due() {
                    seq += 1;
                    publisher.publish(serialize_tick(&mut engine, &mut builder, seq, &metrics));
                    dirty = false;
                    last_sent = Some(Instant::now());
                }
            }
            req = join_requests.recv(), if joins_open => match req {
                Some(reply) => {
                    // Joiners within one tick share one join frame (its bytes are shared like any
                    // frame's): a reconnect storm builds it once per tick, not once per client.
                    let frame = if seq == 0 { None } else {
                        match join_cache.as_ref().filter(|(at, _)| *at == seq) {
                            Some((_, f)) => Some(f.clone()),
                            None => {
                                let f = engine.join_frame(&mut join_builder).map(|b| Frame::new(seq, &b));
                                join_cache = f.clone().map(|f| (seq, f));
                                f
                            }
                        }
                    };
                    let _ = reply.send(frame); // the client may have left meanwhile
                }
                None => joins_open = false,
            },
            msg = inbox.recv(), if inbox_open => match msg {
                Some(msg) => match (source_ticks.as_mut(), read_source_time(&msg)) {
                    (Some(clock), Some(now_us)) => {
                        let Some(at_us) = clock.crossed(now_us) else { continue };
                        engine.set_source_time(at_us / 1000);
                        if dirty || clock.heartbeat_due(at_us) || engine.tick_due() {
                            seq += 1;
                            let frame = serialize_tick(&mut engine, &mut builder, seq, &metrics);
                            publisher.publish_to_every_tap(frame).await;
                            dirty = false;
                            clock.last_sent_us = Some(at_us);
                        }
                    }
                    _ => dirty |= engine.ingest(&msg),
                },
                None => {
                    // Every sender is gone: the source task ended or died. Its book is no longer
                    // updated, so it must not go on being shown as live.
                    tracing::warn!("source ended: its book is served as stale");
                    dirty |= engine.source_ended();
                    inbox_open = false;
                    // A source-clocked market's clock stopped with its source: say stale now, and
                    // keep the heartbeats going on the wall clock's ticks.
                    if source_ticks.take().is_some() && dirty {
                        seq += 1;
                        publisher.publish_to_every_tap(serialize_tick(&mut engine, &mut builder, seq, &metrics)).await;
                        dirty = false;
                        last_sent = Some(Instant::now());
                    }
                }
            },
        }
    }
}

/// Serialize one frame. The one copy per tick: out of the reused builder into a shared, immutable
/// WebSocket message (`Frame::new`), the same bytes for every client.
fn serialize_tick<E: ServerEngine>(engine: &mut E, builder: &mut FlatBufferBuilder<'static>, seq: u64, metrics: &Metrics) -> Frame {
    let started = Instant::now();
    let frame = Frame::new(seq, engine.tick(builder));
    metrics.observe_tick(started.elapsed());
    metrics.frames_broadcast.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fanout::fanout;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts ticks and checks the builder handed in is the same one every time.
    struct CountingEngine {
        ticks: Arc<AtomicUsize>,
        builder_addr: Option<usize>,
    }

    impl ServerEngine for CountingEngine {
        fn ingest(&mut self, msg: &[u8]) -> bool {
            msg != b"same"
        }
        fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
            let addr = b as *const _ as usize;
            assert_eq!(*self.builder_addr.get_or_insert(addr), addr, "the builder is reused");
            self.ticks.fetch_add(1, Ordering::Relaxed);
            b.reset();
            let s = b.create_string("frame");
            b.finish_minimal(s);
            b.finished_data()
        }
        fn join_frame(&self, _: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>> {
            None
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_that_ends_leaves_its_book_stale_not_live() {
        use crate::adapters::sim::SimAdapter;
        use crate::engine::orderbook_engine::OrderbookEngine;
        use crate::sources::simulator::{sim_instrument, MarketSimulator};
        let (tx, rx) = mpsc::channel(16);
        let (publisher, handle, snaps) = fanout();
        let mut frames = handle.subscribe();
        let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 10);
        tokio::spawn(run_tick_loop(engine, rx, snaps, publisher, Arc::default(), TickLoopConfig::default()));
        tx.send(Bytes::from(MarketSimulator::new(1).snapshot_message())).await.unwrap();
        let status = |f: &Frame| tickframe_schema::decode_frame(&f.bytes).unwrap().status();
        assert_eq!(status(&frames.recv().await.unwrap()), tickframe_schema::BookStatus::Resyncing, "the first tick: no book yet");
        assert_eq!(status(&frames.recv().await.unwrap()), tickframe_schema::BookStatus::Live);
        drop(tx); // the source task died (or returned): nothing will update this book again
        assert_eq!(status(&frames.recv().await.unwrap()), tickframe_schema::BookStatus::Stale);
    }

    #[tokio::test(start_paused = true)]
    async fn serializes_only_on_change_plus_heartbeats() {
        let ticks = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel(16);
        let (publisher, handle, snaps) = fanout();
        let mut frames = handle.subscribe();
        let config = TickLoopConfig { tick_hz: 50, heartbeat: Duration::from_secs(1), clocked_by_source: false };
        tokio::spawn(run_tick_loop(CountingEngine { ticks: ticks.clone(), builder_addr: None }, rx, snaps, publisher, Arc::default(), config));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 1, "the first tick publishes the state, whatever it is");
        tx.send(Bytes::from_static(b"change")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 2, "one change, one frame; idle ticks serialize nothing");
        tx.send(Bytes::from_static(b"same")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 2, "an unchanged ingest serializes nothing");
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 3, "a heartbeat after 1 s of silence");
        assert_eq!(frames.recv().await.unwrap().seq, 1);
        assert_eq!(frames.recv().await.unwrap().seq, 2);
        assert_eq!(frames.recv().await.unwrap().seq, 3);
    }
}

#[cfg(test)]
mod source_clock_tests {
    use super::*;
    use crate::adapters::sim::SimAdapter;
    use crate::engine::orderbook_engine::OrderbookEngine;
    use crate::fanout::fanout;
    use crate::sources::simulator::{sim_instrument, MarketSimulator};
    use std::sync::Arc;

    /// Frames of a source-clocked loop fed `script` (`Ok`: a source message, `Err(us)`: a time).
    async fn frames_of(script: &[Result<Bytes, u64>]) -> Vec<(u64, bool)> {
        let (tx, rx) = mpsc::channel(1024);
        let (publisher, handle, snaps) = fanout();
        let mut frames = handle.tap(4); // every frame, the loop waiting for this reader
        let engine =
            OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 10).with_clock(|| panic!("a source-clocked market never reads the wall clock"));
        let config = TickLoopConfig { clocked_by_source: true, ..Default::default() };
        let task = tokio::spawn(run_tick_loop(engine, rx, snaps, publisher, Arc::default(), config));
        let script = script.to_vec();
        let feeder = tokio::spawn(async move {
            for step in script {
                tx.send(match step {
                    Ok(msg) => msg,
                    Err(us) => source_time(us),
                })
                .await
                .unwrap();
            }
        });
        let mut out = Vec::new();
        while let Ok(Some(f)) = tokio::time::timeout(Duration::from_secs(5), frames.recv()).await {
            let d = tickframe_schema::decode_frame(&f.bytes).unwrap();
            if d.status() == tickframe_schema::BookStatus::Stale {
                assert_eq!(d.timestamp_ms(), out.last().map_or(0, |f: &(u64, bool)| f.0), "the source ended: stale at once, at its last time");
                break;
            }
            out.push((d.timestamp_ms(), d.heartbeat()));
        }
        feeder.await.unwrap();
        task.abort();
        out
    }

    #[tokio::test]
    async fn a_source_clocked_market_ticks_on_the_sources_time_and_heartbeats_on_it() {
        let t0 = 1_618_000_000_000_000u64; // µs, April 2021
        let mut sim = MarketSimulator::new(3);
        let mut script = vec![Err(t0), Ok(Bytes::from(sim.snapshot_message())), Err(t0 + 5_000)];
        // Updates 7 ms apart for 100 ms: one frame per 20 ms boundary crossed with a change.
        for i in 1..=14u64 {
            script.push(Err(t0 + 5_000 + i * 7_000));
            script.push(Ok(Bytes::from(sim.step())));
        }
        // The source tells the boundary after its last event (so that event goes out), then, quiet,
        // the time once a second: each is a heartbeat.
        script.extend([Err(t0 + 120_000), Err(t0 + 1_200_000), Err(t0 + 2_200_000), Err(t0 + 2_210_000)]);
        let frames = frames_of(&script).await;
        let ms = |us: u64| us / 1000;
        assert_eq!(frames[0], (ms(t0), true), "the first time sends the state at once");
        assert!(frames.iter().all(|(t, _)| *t >= ms(t0) && t % 20 == 0), "every frame on a 20 ms boundary of the capture's clock: {frames:?}");
        assert!(frames.windows(2).all(|w| w[0].0 < w[1].0), "one frame per boundary, in order");
        let quiet: Vec<_> = frames.iter().filter(|(t, _)| *t >= ms(t0 + 1_200_000)).collect();
        assert_eq!(quiet, [&(ms(t0 + 1_200_000), true), &(ms(t0 + 2_200_000), true)], "heartbeats a second apart, not at 2.21 s");
        // The same script gives the same frames, however fast it was fed.
        assert_eq!(frames_of(&script).await, frames);
    }
}
