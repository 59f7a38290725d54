//! A seeded, deterministic market simulator: a random-walk mid with a book of 55–120 levels a side,
//! emitting simulator-protocol messages (see `adapters::sim`) at a fixed rate.

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::adapters::sim::{SimMessage, SimSide, SimTaker, SimTrade};
use crate::book::{L2Book, Side};

/// The simulator's instrument (its messages' ticks and lots), defined beside its messages.
pub use crate::adapters::sim::sim_instrument;

/// SplitMix64: tiny, fast, and stable across versions (a dependency's RNG could change its stream).
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi]`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Minimum levels kept on each side, and the furthest level from mid (in ticks) kept in the book.
const MIN_LEVELS: usize = 55;
const MAX_OFFSET: i64 = 120;

/// Deterministic order-book simulator. Same seed, same messages.
#[derive(Debug, Clone)]
pub struct MarketSimulator {
    rng: SplitMix64,
    /// Prints draw from their own stream, so the book's walk is the same with or without them.
    trade_rng: SplitMix64,
    book: L2Book,
    mid: i64,
    seq: u64,
    /// The simulated exchange's clock (ms since the Unix epoch): +10 ms a step (100 updates/s), or
    /// set by the live source to the wall clock before each step.
    time_ms: u64,
    /// Prints per step: `None` now and then, `Some(n)` exactly `n` (capped by the touch's size).
    prints_per_step: Option<u32>,
}

/// The simulated clock's start: 2026-01-01T00:00:00Z (what `record_simulation` stamps frames from).
pub const SIM_START_MS: u64 = 1_767_225_600_000;
/// Simulated time per step.
const STEP_MS: u64 = 10;

impl MarketSimulator {
    pub fn new(seed: u64) -> Self {
        let mut sim = Self {
            rng: SplitMix64(seed),
            trade_rng: SplitMix64(seed ^ 0x7472_6164_6573), // "trades"
            book: L2Book::new(),
            mid: 100_000,
            seq: 0,
            time_ms: SIM_START_MS,
            prints_per_step: None,
        };
        let mut scratch = Vec::new();
        sim.refill(&mut scratch);
        sim
    }

    /// The whole current book as a snapshot message.
    pub fn snapshot_message(&self) -> Vec<u8> {
        let msg = SimMessage::Snapshot { seq: self.seq, bids: self.book.bids().collect(), asks: self.book.asks().collect(), time_ms: self.time_ms };
        encode(&msg)
    }

    /// Advance the market one step and return the update message describing it.
    pub fn step(&mut self) -> Vec<u8> {
        let mut changes = Vec::new();
        if self.rng.chance(0.2) {
            self.mid += self.rng.range(-2, 2);
        }
        // Keep the book uncrossed around the new mid: drop levels on the wrong side of it.
        let stale_bids: Vec<i64> = self.book.bids().take_while(|(p, _)| *p >= self.mid).map(|l| l.0).collect();
        let stale_asks: Vec<i64> = self.book.asks().take_while(|(p, _)| *p <= self.mid).map(|l| l.0).collect();
        for p in stale_bids {
            self.change(&mut changes, SimSide::Bid, p, 0);
        }
        for p in stale_asks {
            self.change(&mut changes, SimSide::Ask, p, 0);
        }
        for _ in 0..self.rng.range(1, 4) {
            let side = if self.rng.chance(0.5) { SimSide::Bid } else { SimSide::Ask };
            // Activity concentrates near the touch: the min of two uniforms skews towards 1.
            let offset = self.rng.range(1, 80).min(self.rng.range(1, 80));
            let size = if self.rng.chance(0.2) { 0 } else { self.rng.range(1, 50_000) };
            let price = match side {
                SimSide::Bid => self.mid - offset,
                SimSide::Ask => self.mid + offset,
            };
            self.change(&mut changes, side, price, size);
        }
        self.refill(&mut changes);
        self.time_ms += STEP_MS;
        let trades = self.trade(&mut changes);
        self.seq += 1;
        encode(&SimMessage::Update { seq: self.seq, changes, trades, time_ms: self.time_ms })
    }

    /// Print exactly `n` times a step (0: never), instead of now and then — the benchmark's knob.
    pub fn with_prints_per_step(mut self, n: Option<u32>) -> Self {
        self.prints_per_step = n.map(|n| n.min(64));
        self
    }

    /// Set the simulated exchange's clock (the live source: the wall clock, before a step).
    pub fn set_time_ms(&mut self, ms: u64) {
        self.time_ms = ms;
    }

    /// Now and then a taker lifts the best ask or hits the best bid — sometimes several prints at
    /// one time and price, as a venue splits a sweep — taking part of the level (never all of it,
    /// so the book's depth stays as the walk made it).
    fn trade(&mut self, changes: &mut Vec<(SimSide, i64, i64)>) -> Vec<SimTrade> {
        let mut trades = Vec::new();
        let (buy, prints) = match self.prints_per_step {
            Some(0) => return trades,
            Some(n) => (self.trade_rng.chance(0.5), n as i64),
            None => {
                if !self.trade_rng.chance(0.3) {
                    return trades;
                }
                let buy = self.trade_rng.chance(0.5);
                (buy, if self.trade_rng.chance(0.15) { self.trade_rng.range(2, 5) } else { 1 })
            }
        };
        let touch = if buy { self.book.best_ask() } else { self.book.best_bid() };
        let Some((price, mut resting)) = touch else { return trades };
        let side = if buy { SimSide::Ask } else { SimSide::Bid };
        for _ in 0..prints {
            if resting < 2 {
                break;
            }
            // Mostly small, now and then a large one (sizes skew towards small like real tapes).
            let cap = if self.trade_rng.chance(0.05) { 20_000 } else { 2_000 };
            let size = self.trade_rng.range(1, cap).min(self.trade_rng.range(1, cap)).min(resting - 1);
            resting -= size;
            let taker = if buy { SimTaker::Buy } else { SimTaker::Sell };
            trades.push(SimTrade { taker, price, size, time_ms: self.time_ms });
        }
        if !trades.is_empty() {
            self.change(changes, side, price, resting);
        }
        trades
    }

    fn change(&mut self, out: &mut Vec<(SimSide, i64, i64)>, side: SimSide, price: i64, size: i64) {
        if self.book.set(side.into(), price, size) {
            out.push((side, price, size));
        }
    }

    /// Top each side up to MIN_LEVELS and drop levels beyond MAX_OFFSET, so depth stays realistic and bounded.
    fn refill(&mut self, out: &mut Vec<(SimSide, i64, i64)>) {
        for (side, sim_side, sign) in [(Side::Bid, SimSide::Bid, -1), (Side::Ask, SimSide::Ask, 1)] {
            while self.book.len(side) < MIN_LEVELS {
                let price = self.mid + sign * self.rng.range(1, MAX_OFFSET);
                let size = self.rng.range(1, 50_000);
                self.change(out, sim_side, price, size);
            }
            let far: Vec<i64> = match side {
                Side::Bid => self.book.bids().filter(|(p, _)| self.mid - p > MAX_OFFSET).map(|l| l.0).collect(),
                Side::Ask => self.book.asks().filter(|(p, _)| p - self.mid > MAX_OFFSET).map(|l| l.0).collect(),
            };
            for p in far {
                self.change(out, sim_side, p, 0);
            }
        }
    }

    pub fn book(&self) -> &L2Book {
        &self.book
    }
}

fn encode(msg: &SimMessage) -> Vec<u8> {
    // Serializing plain integers and enums into a Vec cannot fail.
    serde_json::to_vec(msg).unwrap_or_default()
}

/// Run the simulator as a live source: a snapshot, then one update every `1/rate_hz` seconds, until the
/// inbox closes. The inbox is bounded, so a slow consumer slows the simulator instead of growing memory.
pub async fn run(seed: u64, rate_hz: u32, prints_per_step: Option<u32>, inbox: mpsc::Sender<Bytes>) {
    let mut sim = MarketSimulator::new(seed).with_prints_per_step(prints_per_step);
    if inbox.send(Bytes::from(sim.snapshot_message())).await.is_err() {
        return;
    }
    let mut every = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / rate_hz.max(1) as f64));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        // Prints carry the exchange's time: for the simulator, the wall clock of its step.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        sim.set_time_ms(now);
        if inbox.send(Bytes::from(sim.step())).await.is_err() {
            return;
        }
    }
}

/// The recording header for frames of the simulated instrument.
pub fn sim_recording_header(tick_hz: u32, created_ms: u64) -> crate::recording::RecordingHeader {
    let inst = sim_instrument();
    crate::recording::RecordingHeader {
        symbol: inst.symbol.clone(),
        tick_size: inst.tick_size(),
        lot_size: inst.lot_size(),
        created_ms,
        tick_hz,
        schema_hash: tickframe_schema::SCHEMA_HASH.to_string(),
        source: None,
    }
}

/// Write a deterministic recording of `frames` simulator frames in simulated time: frame i is stamped
/// 2026-01-01T00:00:00Z + i/tick_hz s and "received" 0–3 ms later. Same arguments, same bytes
/// (the committed fixtures and test vectors are made with it).
pub fn record_simulation<W: std::io::Write>(out: W, frames: u32, seed: u64, depth: usize, tick_hz: u32) -> std::io::Result<()> {
    use crate::engine::orderbook_engine::OrderbookEngine;
    use crate::engine::ServerEngine;
    use crate::recording::RecordingWriter;
    use std::sync::atomic::{AtomicU64, Ordering};

    static CLOCK: AtomicU64 = AtomicU64::new(0);
    const START_MS: u64 = SIM_START_MS;
    let tick_hz = tick_hz.clamp(20, 100);
    let inst = sim_instrument();
    let header = sim_recording_header(tick_hz, START_MS);
    let mut w = RecordingWriter::new(out, &header)?;
    let mut sim = MarketSimulator::new(seed);
    let mut engine = OrderbookEngine::new(crate::adapters::sim::SimAdapter::new(), inst, depth).with_clock(|| CLOCK.load(Ordering::Relaxed));
    engine.ingest(&sim.snapshot_message());
    let mut b = flatbuffers::FlatBufferBuilder::new();
    let per_frame = (100 / tick_hz).max(1); // simulator at 100 updates/s
    for i in 0..frames as u64 {
        for _ in 0..per_frame {
            engine.ingest(&sim.step());
        }
        let t = START_MS + i * (1000 / tick_hz as u64);
        CLOCK.store(t, Ordering::Relaxed);
        w.append((t + i % 4) as f64, engine.tick(&mut b))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::{sim::SimAdapter, Adapter};

    #[test]
    fn committed_recording_test_vector_is_reproducible() {
        // schema/test-vectors/recording-v2.tfrec is read by the TypeScript reader and writer tests too.
        let mut fresh = Vec::new();
        record_simulation(&mut fresh, 3, 3, 5, 50).unwrap();
        let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/test-vectors/recording-v2.tfrec")).unwrap();
        assert_eq!(
            fresh, committed,
            "regenerate with: tickframe-server record-sim --out schema/test-vectors/recording-v2.tfrec --frames 3 --seed 3 --depth 5 \
             && node scripts/make-recording-vectors.mjs"
        );
        let rec = crate::recording::read_recording(&committed).unwrap();
        assert_eq!(rec.records.len(), 3);
        assert_eq!(rec.records[1].recv_time_ms, 1_767_225_600_021.0);
        // The version-1 vector (CRC over the frame only) is still read, to the same records.
        let v1 = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/test-vectors/recording-v1.tfrec")).unwrap();
        let old = crate::recording::read_recording(&v1).unwrap();
        assert_eq!((old.records, old.stopped), (rec.records, None));
    }

    #[test]
    fn prints_take_liquidity_at_the_touch_on_the_takers_side() {
        let mut sim = MarketSimulator::new(5);
        let mut seen = 0;
        for _ in 0..500 {
            let (bid, ask) = (sim.book().best_bid(), sim.book().best_ask());
            let msg: SimMessage = serde_json::from_slice(&sim.step()).unwrap();
            let SimMessage::Update { trades, .. } = msg else { panic!("an update") };
            for t in trades {
                seen += 1;
                // The walk may move the touch first; a print is at the touch after the walk, on
                // the taker's side: a buy lifts the ask, a sell hits the bid.
                let touch = if t.taker == SimTaker::Buy { sim.book().best_ask() } else { sim.book().best_bid() };
                assert_eq!(touch.map(|l| l.0), Some(t.price), "before: bid {bid:?} ask {ask:?}");
                assert!(t.size > 0);
            }
        }
        assert!(seen > 100, "the simulator prints: {seen} in 500 steps");
    }

    #[test]
    fn same_seed_same_messages_different_seed_different() {
        let (mut a, mut b, mut c) = (MarketSimulator::new(7), MarketSimulator::new(7), MarketSimulator::new(8));
        assert_eq!(a.snapshot_message(), b.snapshot_message());
        let (sa, sb, sc): (Vec<_>, Vec<_>, Vec<_>) =
            ((0..200).map(|_| a.step()).collect(), (0..200).map(|_| b.step()).collect(), (0..200).map(|_| c.step()).collect());
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
    }

    #[test]
    fn book_stays_deep_uncrossed_and_replayable() {
        let mut sim = MarketSimulator::new(42);
        let (mut adapter, mut mirror) = (SimAdapter::new(), L2Book::new());
        adapter.apply(&sim.snapshot_message(), &mut mirror).unwrap();
        let mut level_changes = 0;
        for _ in 0..5_000 {
            let msg = sim.step();
            if let Ok(SimMessage::Update { changes, .. }) = serde_json::from_slice::<SimMessage>(&msg) {
                level_changes += changes.len();
            }
            adapter.apply(&msg, &mut mirror).unwrap();
            assert!(!sim.book().is_crossed());
            assert!(sim.book().len(Side::Bid) >= 50 && sim.book().len(Side::Ask) >= 50);
        }
        // Messages alone rebuild the simulator's book exactly.
        assert_eq!(&mirror, sim.book());
        // One message per step at >= 100 steps/s; each carries at least one level change.
        assert!(level_changes >= 5_000, "{level_changes} level changes in 5000 steps");
    }
}
