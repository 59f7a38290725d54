//! The single task that owns a [`ServerEngine`]: ingests source messages, serializes at most one
//! frame per tick into a reused builder, answers join-frame requests, and publishes.

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
}

impl Default for TickLoopConfig {
    fn default() -> Self {
        Self { tick_hz: DEFAULT_TICK_HZ, heartbeat: Duration::from_secs(1) }
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
    let mut last_sent: Option<Instant> = None;
    let (mut inbox_open, mut joins_open) = (true, true);

    while inbox_open || joins_open {
        tokio::select! {
            biased; // ticks first: a flood of source messages must not starve the frame rate
            _ = ticks.tick() => {
                // The first tick sends the engine's state whatever it is (resyncing until a book
                // arrives), so a client learns the status at once rather than waiting on silence.
                let heartbeat_due = last_sent.is_none_or(|t| t.elapsed() >= config.heartbeat);
                if dirty || heartbeat_due {
                    let started = Instant::now();
                    seq += 1;
                    // The one copy per tick: out of the reused builder into a shared, immutable
                    // WebSocket message (Frame::new), the same bytes for every client.
                    let frame = Frame::new(seq, engine.tick(&mut builder));
                    metrics.observe_tick(started.elapsed());
                    publisher.publish(frame);
                    metrics.frames_broadcast.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    dirty = false;
                    last_sent = Some(Instant::now());
                }
            }
            req = join_requests.recv(), if joins_open => match req {
                Some(reply) => {
                    let frame = if seq == 0 { None } else {
                        engine.join_frame(&mut join_builder).map(|b| Frame::new(seq, &b))
                    };
                    let _ = reply.send(frame); // the client may have left meanwhile
                }
                None => joins_open = false,
            },
            msg = inbox.recv(), if inbox_open => match msg {
                Some(msg) => dirty |= engine.ingest(&msg),
                None => {
                    // Every sender is gone: the source task ended or died. Its book is no longer
                    // updated, so it must not go on being shown as live.
                    tracing::warn!("source ended: its book is served as stale");
                    dirty |= engine.source_ended();
                    inbox_open = false;
                }
            },
        }
    }
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
        let config = TickLoopConfig { tick_hz: 50, heartbeat: Duration::from_secs(1) };
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
