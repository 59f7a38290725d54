//! The standard [`ServerEngine`]: an adapter feeding an exact L2 book, rendered by [`FrameBuilder`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flatbuffers::FlatBufferBuilder;
use tickframe_schema::BookStatus;

use crate::adapters::{Adapter, Applied, BookTimes};
use crate::book::L2Book;
use crate::clock::now_ms;
use crate::engine::frame_builder::{FrameBuilder, FrameMeta, FrameParts};
use crate::engine::heat_columns::{HeatColumns, HeatConfig, HeatView};
use crate::engine::trade_window::TradeWindow;
use crate::engine::ServerEngine;
use crate::instrument::Instrument;
use crate::log_throttle::{LogDecision, LogThrottle};

/// Counters an engine exposes for /metrics. Shared, lock-free.
#[derive(Debug, Default)]
pub struct EngineCounters {
    pub messages: AtomicU64,
    pub errors: AtomicU64,
    pub gaps: AtomicU64,
    /// Prints left out of every frame's window by a burst too large even aggregated (in the totals only).
    pub prints_dropped: AtomicU64,
}

/// Default and maximum number of levels per side in a frame.
pub const DEFAULT_DEPTH: usize = 50;
pub const MAX_DEPTH: usize = 1000;

pub struct OrderbookEngine<A: Adapter> {
    adapter: A,
    book: L2Book,
    instrument: Instrument,
    depth: usize,
    sequence: u64,
    status: BookStatus,
    /// Whether visible state changed since the last tick (a tick without change is a heartbeat).
    changed: bool,
    frames: FrameBuilder,
    counters: Arc<EngineCounters>,
    clock: fn() -> u64,
    /// Rejected messages are all counted; a flood of them is not all logged.
    reject_log: LogThrottle,
    /// The recent prints every frame repeats, and the totals.
    tape: TradeWindow,
    /// The newest applied message's times (the exchange time never goes backwards).
    times: BookTimes,
    /// When the book last changed (µs, the receive time of the message that changed it).
    changed_us: u64,
    /// A source-clocked market's time (a capture replay's), set by its tick loop; `None`: the clock.
    source_time_ms: Option<u64>,
    /// The book over time, for heatmaps (off unless [`OrderbookEngine::with_heat`]).
    heat: HeatColumns,
}

impl<A: Adapter> OrderbookEngine<A> {
    pub fn new(adapter: A, instrument: Instrument, depth: usize) -> Self {
        Self {
            adapter,
            book: L2Book::new(),
            instrument,
            depth: depth.clamp(1, MAX_DEPTH),
            sequence: 0,
            // Nothing is trusted until the source's first snapshot.
            status: BookStatus::Resyncing,
            changed: false,
            frames: FrameBuilder::default(),
            counters: Arc::default(),
            clock: now_ms,
            reject_log: LogThrottle::default(),
            tape: TradeWindow::default(),
            times: BookTimes::default(),
            changed_us: 0,
            source_time_ms: None,
            heat: HeatColumns::new(HeatConfig::OFF),
        }
    }

    /// Build heat columns with these settings ([`HeatConfig::OFF`]: none).
    pub fn with_heat(mut self, config: HeatConfig) -> Self {
        self.heat = HeatColumns::new(config);
        self
    }

    /// Replace the wall clock (recordings and tests use simulated time).
    pub fn with_clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    pub fn counters(&self) -> Arc<EngineCounters> {
        self.counters.clone()
    }

    pub fn book(&self) -> &L2Book {
        &self.book
    }

    pub fn status(&self) -> BookStatus {
        self.status
    }

    pub fn symbol(&self) -> &str {
        &self.instrument.symbol
    }

    fn now_ms(&self) -> u64 {
        self.source_time_ms.unwrap_or_else(self.clock)
    }

    fn meta(&self, heartbeat: bool) -> FrameMeta {
        let timestamp_ms = self.now_ms();
        FrameMeta {
            sequence: self.sequence,
            timestamp_ms,
            status: self.status,
            heartbeat,
            exchange_time_us: self.times.exchange_us,
            received_time_us: self.times.received_us,
            book_unchanged_ms: if self.changed_us == 0 { 0 } else { timestamp_ms.saturating_sub(self.changed_us / 1000) },
        }
    }
}

impl<A: Adapter> ServerEngine for OrderbookEngine<A> {
    fn ingest(&mut self, msg: &[u8]) -> bool {
        self.counters.messages.fetch_add(1, Ordering::Relaxed);
        let changed = match self.adapter.apply(msg, &mut self.book) {
            Ok(Applied::Changed) => {
                self.status = BookStatus::Live;
                true
            }
            Ok(Applied::Unchanged) => false,
            Ok(Applied::Gap { expected, got }) => {
                self.counters.gaps.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(symbol = %self.instrument.symbol, expected, got, "sequence gap: book marked resyncing");
                let was = self.status;
                self.status = BookStatus::Resyncing;
                was != BookStatus::Resyncing
            }
            Ok(Applied::Resyncing) => {
                let was = self.status;
                self.status = BookStatus::Resyncing;
                was != BookStatus::Resyncing
            }
            Ok(Applied::Stale) => {
                let was = self.status;
                self.status = BookStatus::Stale;
                was != BookStatus::Stale
            }
            Err(e) => {
                self.counters.errors.fetch_add(1, Ordering::Relaxed);
                if let LogDecision::Log { suppressed } = self.reject_log.check() {
                    tracing::warn!(symbol = %self.instrument.symbol, error = %e, bytes = msg.len(), suppressed, "rejected source message");
                }
                false
            }
        };
        // The times of what was just applied (a rejected message changes none of them).
        let received_us = match self.adapter.times() {
            Some(t) => {
                self.times.exchange_us = self.times.exchange_us.max(t.exchange_us);
                if t.received_us > 0 {
                    t.received_us
                } else {
                    self.now_ms().saturating_mul(1000)
                }
            }
            None => self.now_ms().saturating_mul(1000),
        };
        if changed {
            self.times.received_us = received_us;
            self.changed_us = received_us;
        } else if self.adapter.times().is_some() {
            self.times.received_us = self.times.received_us.max(received_us);
        }
        if let Some((pd, sd)) = self.adapter.scale() {
            if (pd, sd) != (self.instrument.price_decimals, self.instrument.size_decimals) {
                // Tick and lot are one unit of the book's decimal scale.
                (self.instrument.price_decimals, self.instrument.tick_units) = (pd, 1);
                (self.instrument.size_decimals, self.instrument.lot_units) = (sd, 1);
            }
        }
        // Prints are news even when the book did not move: the next tick sends them.
        let before = self.tape.inbox().len();
        self.adapter.take_prints(self.tape.inbox());
        let printed = self.tape.inbox().len() > before;
        self.changed |= changed || printed;
        changed || printed
    }

    fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
        self.sequence += 1;
        let meta = self.meta(!self.changed);
        self.changed = false;
        let tape = self.tape.roll(meta.timestamp_ms);
        if tape.dropped > 0 {
            self.counters.prints_dropped.fetch_add(tape.dropped, Ordering::Relaxed);
        }
        self.heat.sample(meta.timestamp_ms, &self.book, &self.instrument, self.status);
        let parts = FrameParts { book: &self.book, inst: &self.instrument, depth: self.depth, meta, tape: Some(tape), heat: self.heat.take_fresh() };
        let bytes = self.frames.build_frame(b, parts);
        self.heat.clear_fresh();
        bytes
    }

    fn tick_due(&self) -> bool {
        self.heat.due(self.now_ms())
    }

    fn set_source_time(&mut self, ms: u64) {
        self.source_time_ms = Some(ms);
    }

    fn source_ended(&mut self) -> bool {
        let was = self.status;
        self.status = BookStatus::Stale;
        was != BookStatus::Stale
    }

    fn join_frame(&self, b: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>> {
        if self.sequence == 0 {
            return None; // no frame has gone out yet: the first tick is the client's first frame
        }
        // Join frames are rare (one per joining client): fresh scratch buffers keep `&self` honest.
        let tape = Some(self.tape.view());
        // And the recent heat columns: a late joiner's heatmap starts with history, not a blank.
        let (columns, bins) = self.heat.history();
        let heat = Some(HeatView { columns: &columns, bins: &bins });
        let parts = FrameParts { book: &self.book, inst: &self.instrument, depth: self.depth, meta: self.meta(false), tape, heat };
        Some(FrameBuilder::default().build_frame(b, parts).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sim::SimAdapter;
    use crate::book::Side;
    use crate::sources::simulator::{sim_instrument, MarketSimulator};
    use tickframe_schema::decode_frame;

    fn engine() -> OrderbookEngine<SimAdapter> {
        OrderbookEngine::new(SimAdapter::new(), sim_instrument(), DEFAULT_DEPTH).with_clock(|| 1_700_000_000_000)
    }

    #[test]
    fn frames_carry_the_sources_exchange_time_their_receive_time_and_how_long_the_book_was_unchanged() {
        let mut sim = MarketSimulator::new(1);
        sim.set_time_ms(1_699_999_999_990); // the simulated exchange made these 10 ms before the engine read them
        let mut e = engine(); // its clock: 1_700_000_000_000
        e.ingest(&sim.snapshot_message());
        let mut b = FlatBufferBuilder::new();
        let f = decode_frame(e.tick(&mut b)).unwrap();
        assert_eq!((f.exchange_time_us(), f.received_time_us()), (1_699_999_999_990_000, 1_700_000_000_000_000));
        assert_eq!(f.book_unchanged_ms(), 0, "it changed at this tick's time");
        // A source-clocked engine 2.5 s later, the book untouched: unchanged for 2.5 s.
        e.set_source_time(1_700_000_002_500);
        let f = decode_frame(e.tick(&mut b)).unwrap();
        assert_eq!((f.timestamp_ms(), f.book_unchanged_ms()), (1_700_000_002_500, 2_500));
    }

    #[test]
    fn a_ticks_frame_decodes_back_to_the_book_it_came_from() {
        let mut sim = MarketSimulator::new(1);
        let mut e = engine();
        assert!(e.ingest(&sim.snapshot_message()));
        for _ in 0..100 {
            e.ingest(&sim.step());
        }
        let mut b = FlatBufferBuilder::new();
        let bytes = e.tick(&mut b).to_vec();
        let f = decode_frame(&bytes).unwrap();
        let inst = sim_instrument();
        assert_eq!(f.sequence(), 1);
        assert_eq!(f.timestamp_ms(), 1_700_000_000_000);
        assert_eq!(f.symbol(), Some("SIM-USD"));
        assert_eq!(f.tick_size(), 0.01);
        assert_eq!(f.status(), BookStatus::Live);
        assert!(!f.heartbeat());
        let (bids, asks) = (f.bids().unwrap(), f.asks().unwrap());
        assert_eq!(bids.len(), 50);
        assert_eq!(asks.len(), 50);
        for (lvl, (p, s)) in bids.iter().zip(e.book().bids()) {
            assert_eq!((lvl.price(), lvl.size()), (inst.price(p), inst.size(s)));
        }
        for (lvl, (p, s)) in asks.iter().zip(e.book().asks()) {
            assert_eq!((lvl.price(), lvl.size()), (inst.price(p), inst.size(s)));
        }
        let (bb, ba) = (e.book().best_bid().unwrap().0, e.book().best_ask().unwrap().0);
        assert_eq!(f.best_bid(), inst.price(bb));
        assert_eq!(f.best_ask(), inst.price(ba));
        assert_eq!(f.spread(), inst.price(ba - bb));
        assert_eq!(f.mid_price(), inst.price(bb + ba) / 2.0);
        let bid_lots: i64 = e.book().bids().take(50).map(|l| l.1).sum();
        let ask_lots: i64 = e.book().asks().take(50).map(|l| l.1).sum();
        assert_eq!(f.bid_total_size(), inst.size(bid_lots));
        assert_eq!(f.ask_total_size(), inst.size(ask_lots));
        assert_eq!(f.imbalance(), (bid_lots - ask_lots) as f64 / (bid_lots + ask_lots) as f64);
    }

    #[test]
    fn heartbeat_when_unchanged_and_join_frame_carries_last_sequence() {
        let sim = MarketSimulator::new(1);
        let mut e = engine();
        let mut b = FlatBufferBuilder::new();
        assert!(e.join_frame(&mut b).is_none(), "no join frame before the first frame");
        e.ingest(&sim.snapshot_message());
        e.tick(&mut b);
        let second = decode_frame(e.tick(&mut b)).unwrap();
        assert!(second.heartbeat());
        assert_eq!(second.sequence(), 2);
        let mut sb = FlatBufferBuilder::new();
        let snap = e.join_frame(&mut sb).unwrap();
        assert_eq!(decode_frame(&snap).unwrap().sequence(), 2);
        assert_eq!(decode_frame(e.tick(&mut b)).unwrap().sequence(), 3);
    }

    #[test]
    fn bad_input_and_gaps_are_counted_and_flagged_never_panic() {
        let mut sim = MarketSimulator::new(3);
        let mut e = engine();
        assert!(!e.ingest(b"\xff not json"));
        assert_eq!(e.counters().errors.load(Ordering::Relaxed), 1);
        e.ingest(&sim.snapshot_message());
        assert_eq!(e.status(), BookStatus::Live);
        sim.step();
        assert!(e.ingest(&sim.step()), "gap is a visible change: status flips");
        assert_eq!(e.status(), BookStatus::Resyncing);
        assert_eq!(e.counters().gaps.load(Ordering::Relaxed), 1);
        let mut b = FlatBufferBuilder::new();
        assert_eq!(decode_frame(e.tick(&mut b)).unwrap().status(), BookStatus::Resyncing);
        e.ingest(&sim.snapshot_message());
        assert_eq!(e.status(), BookStatus::Live);
        assert!(e.book().len(Side::Bid) >= 50);
    }
}
