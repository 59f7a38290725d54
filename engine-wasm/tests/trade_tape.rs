//! The tape in the browser engine, fed frames built by the server's own frame builder: each print
//! kept once however frames repeat it, aggregation by aggr's rule, the exact minimum-notional filter,
//! large prints, cumulative volume delta, gaps, restarts, the bounded ring and volume per level.

use flatbuffers::FlatBufferBuilder;
use tickframe_engine::trade_tape::{row, row_flag, DEFAULT_CAPACITY, ROW_STRIDE};
use tickframe_engine::{summary as s, MarketEngine, VOLUME_STRIDE};
use tickframe_schema::{BookStatus, Trade, TradeSide};
use tickframe_server::book::{L2Book, Side};
use tickframe_server::engine::frame_builder::{FrameBuilder, FrameMeta};
use tickframe_server::engine::trade_window::TapeView;
use tickframe_server::sources::simulator::sim_instrument;

/// A print: (price, size, exchange time ms, seq, taker sells?, wire flags).
type P = (f64, f64, f64, u64, bool, u8);

/// A frame of a one-level-a-side SIM-USD book (tick 0.01, lot 0.0001) carrying `prints` as its window
/// and totals (buy, sell) in book units.
fn frame(seq: u64, prints: &[P], totals: (f64, f64)) -> Vec<u8> {
    let mut book = L2Book::new();
    book.set(Side::Bid, 99_990, 10_000); // 999.90 × 1.0000
    book.set(Side::Bid, 99_980, 10_000);
    book.set(Side::Ask, 100_010, 20_000); // 1000.10 × 2.0000
    let trades: Vec<Trade> = prints
        .iter()
        .map(|&(price, size, time, seq, sell, flags)| Trade::new(price, size, time, seq, if sell { TradeSide::Sell } else { TradeSide::Buy }, flags))
        .collect();
    let trade_seq = prints.last().map_or(0, |p| p.3);
    let tape = TapeView { trades: &trades, trade_seq, buy_volume: totals.0, sell_volume: totals.1, trade_count: trade_seq.max(1), dropped: 0 };
    let mut b = FlatBufferBuilder::new();
    let meta = FrameMeta { sequence: seq, timestamp_ms: 1_000 + seq, status: BookStatus::Live, heartbeat: false, ..Default::default() };
    FrameBuilder::default().build_with_tape(&mut b, &book, &sim_instrument(), 10, meta, Some(tape)).to_vec()
}

fn buy(seq: u64, time: f64, price: f64, size: f64) -> P {
    (price, size, time, seq, false, 0)
}
fn sell(seq: u64, time: f64, price: f64, size: f64) -> P {
    (price, size, time, seq, true, 0)
}

/// The view's rows as (first seq, price, size, side sell?, flags, count), newest first.
fn rows(m: &mut MarketEngine) -> Vec<(u64, f64, f64, bool, u32, u32)> {
    m.tick(0.0);
    m.tape_rows()
        .chunks_exact(ROW_STRIDE)
        .map(|r| (r[row::FIRST_SEQ] as u64, r[row::PRICE], r[row::SIZE], r[row::SIDE] == 1.0, r[row::FLAGS] as u32, r[row::COUNT] as u32))
        .collect()
}

fn seqs(m: &mut MarketEngine) -> Vec<u64> {
    rows(m).iter().map(|r| r.0).collect()
}

/// A stream of frames whose windows overlap: frame k carries prints k-2..=k (a window of three).
fn overlapping(n: u64) -> Vec<Vec<u8>> {
    (1..=n)
        .map(|k| {
            let window: Vec<P> = (k.saturating_sub(2).max(1)..=k).map(|i| buy(i, i as f64 * 1000.0, 1000.10, 0.0001 * i as f64)).collect();
            frame(k, &window, (0.0, 0.0))
        })
        .collect()
}

#[test]
fn each_print_is_kept_once_however_many_frames_repeat_it() {
    let mut m = MarketEngine::new();
    for (i, f) in overlapping(6).iter().enumerate() {
        m.ingest_frame(f, i as f64).unwrap();
    }
    assert_eq!(seqs(&mut m), [6, 5, 4, 3, 2, 1], "newest first, each once");
    assert_eq!(m.summary()[s::TAPE_PRINTS], 6.0);
    assert_eq!(m.summary()[s::TAPE_MISSED], 0.0);
}

#[test]
fn a_client_that_skips_frames_inside_the_window_ends_with_the_same_tape() {
    let frames = overlapping(9);
    let mut every = MarketEngine::new();
    let mut skipping = MarketEngine::new();
    for (i, f) in frames.iter().enumerate() {
        every.ingest_frame(f, i as f64).unwrap();
        if i % 3 == 2 {
            skipping.ingest_frame(f, i as f64).unwrap(); // one frame in three: windows still overlap
        }
    }
    assert_eq!(rows(&mut skipping), rows(&mut every));
    assert_eq!(skipping.summary()[s::TAPE_MISSED], 0.0);
}

#[test]
fn a_jump_past_the_window_is_counted_and_marked_on_the_row_after_it() {
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame(1, &[buy(1, 0.0, 1000.10, 0.1), buy(2, 1.0, 1000.10, 0.1)], (0.2, 0.0)), 0.0).unwrap();
    // Prints 3..=6 were only in frames this client never read.
    m.ingest_frame(&frame(9, &[sell(7, 9.0, 999.90, 0.1)], (0.2, 0.1)), 1.0).unwrap();
    let r = rows(&mut m);
    assert_eq!(r[0].0, 7);
    assert_ne!(r[0].4 & row_flag::GAP_BEFORE, 0, "the row after the hole says so");
    assert_eq!(r[1].4 & row_flag::GAP_BEFORE, 0);
    assert_eq!(m.summary()[s::TAPE_MISSED], 4.0);
    // The server's own gap flag (the venue's ids skipped) comes through as well.
    m.ingest_frame(&frame(10, &[(999.90, 0.1, 10.0, 8, true, 2)], (0.2, 0.2)), 2.0).unwrap();
    assert_ne!(rows(&mut m)[0].4 & row_flag::GAP_BEFORE, 0);
}

#[test]
fn aggregation_merges_one_sides_run_within_the_window_and_an_opposite_print_closes_it() {
    let prints = [
        buy(1, 1_000.0, 1000.10, 0.1),
        buy(2, 1_050.0, 1000.20, 0.2),
        sell(3, 1_060.0, 999.90, 0.5), // closes the buy run
        buy(4, 1_090.0, 1000.10, 0.3), // a new run, although within 100 ms of the first
        buy(5, 1_189.0, 1000.30, 0.1), // 99 ms after print 4: joins it
        buy(6, 1_190.0, 1000.30, 0.1), // 100 ms after print 4: a new run (the window is half-open)
    ];
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame(1, &prints, (0.0, 0.0)), 0.0).unwrap();
    m.set_tape_view(0.0, 0.0, 0.0);
    assert_eq!(rows(&mut m).len(), 6, "raw: a row per print");
    m.set_tape_view(100.0, 0.0, 0.0);
    let r = rows(&mut m);
    assert_eq!(r.iter().map(|r| (r.0, r.5)).collect::<Vec<_>>(), [(6, 1), (4, 2), (3, 1), (1, 2)]);
    // A run shows its last price (how far it reached) and its summed size, exactly.
    assert_eq!((r[1].1, r[1].2), (1000.30, 0.4));
    assert_eq!((r[3].1, r[3].2), (1000.20, 0.3));
    m.set_tape_view(1000.0, 0.0, 0.0);
    assert_eq!(seqs(&mut m), [4, 3, 1]);
    m.set_tape_view(10.0, 0.0, 0.0);
    assert_eq!(seqs(&mut m), [5, 4, 3, 2, 1], "only prints 5 and 6 are within 10 ms");
}

#[test]
fn the_minimum_notional_is_exact_at_the_boundary() {
    // 1000.10 × 0.3 = 300.03 exactly; in doubles the product is 300.03000000000003.
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame(1, &[buy(1, 0.0, 1000.10, 0.3), buy(2, 500.0, 1000.10, 0.2999)], (0.0, 0.0)), 0.0).unwrap();
    m.set_tape_view(0.0, 300.03, 0.0);
    assert_eq!(seqs(&mut m), [1], "exactly the minimum stays, a lot less goes");
    m.set_tape_view(0.0, 300.0300001, 0.0);
    assert!(seqs(&mut m).is_empty());
    // The filter applies to runs: two small buys together pass.
    m.set_tape_view(1000.0, 500.0, 0.0);
    assert_eq!(rows(&mut m).iter().map(|r| (r.0, r.5)).collect::<Vec<_>>(), [(1, 2)]);
    let notional = m.tape_rows()[row::NOTIONAL];
    assert_eq!(notional, 599.95999, "1000.10 × 0.5999, one rounding");
}

#[test]
fn the_largest_prints_are_flagged() {
    let mut prints: Vec<P> = (1..=40).map(|i| buy(i, i as f64 * 1000.0, 1000.10, 0.01)).collect();
    prints.push(sell(41, 50_000.0, 999.90, 2.0));
    prints.push(buy(42, 51_000.0, 1000.10, 1.0));
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame(1, &prints, (0.0, 0.0)), 0.0).unwrap();
    let large: Vec<u64> = rows(&mut m).iter().filter(|r| r.4 & row_flag::LARGE != 0).map(|r| r.0).collect();
    assert_eq!(large, [42, 41], "the view's 95th percentile and above");
    // A threshold the view chooses, compared exactly: 1000.10 × 1.0 = 1000.10.
    m.set_tape_view(0.0, 0.0, 1000.10);
    let large: Vec<u64> = rows(&mut m).iter().filter(|r| r.4 & row_flag::LARGE != 0).map(|r| r.0).collect();
    assert_eq!(large, [42, 41]);
    assert_eq!(m.summary()[s::TAPE_LARGE_NOTIONAL], 1000.10);
    m.set_tape_view(0.0, 0.0, 1000.11);
    let large: Vec<u64> = rows(&mut m).iter().filter(|r| r.4 & row_flag::LARGE != 0).map(|r| r.0).collect();
    assert_eq!(large, [41]);
}

#[test]
fn cumulative_volume_delta_comes_from_the_servers_totals_exactly() {
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame(1, &[buy(1, 0.0, 1000.10, 0.3), sell(2, 1.0, 999.90, 0.1)], (0.3, 0.1)), 0.0).unwrap();
    let sum = m.summary();
    assert_eq!((sum[s::BUY_VOLUME], sum[s::SELL_VOLUME], sum[s::TRADE_COUNT], sum[s::TRADE_SEQ]), (0.3, 0.1, 2.0, 2.0));
    assert_eq!(sum[s::VOLUME_DELTA], 0.2, "0.3 − 0.1 in lots, not 0.19999999999999998");
    assert_eq!((sum[s::LAST_TRADE_PRICE], sum[s::LAST_TRADE_SIDE], sum[s::LAST_TRADE_TIME_MS]), (999.90, 1.0, 1.0));
}

#[test]
fn a_stream_that_starts_over_rebuilds_the_tape() {
    let mut m = MarketEngine::new();
    for (i, f) in overlapping(6).iter().enumerate() {
        m.ingest_frame(f, i as f64).unwrap();
    }
    // A replay seek back (or a restarted server): sequences restart, print numbers go back.
    m.reset_sequence();
    m.ingest_frame(&overlapping(2)[1], 10.0).unwrap();
    assert_eq!(seqs(&mut m), [2, 1], "the tape of the new stream only");
    assert_eq!(m.summary()[s::TAPE_MISSED], 0.0);
}

#[test]
fn the_ring_keeps_the_newest_prints_and_allocates_nothing_in_steady_state() {
    let mut m = MarketEngine::new();
    let frame_of = |k: u64| frame(k, &[buy(k, k as f64 * 1000.0, 1000.10, 0.0001)], (0.0, 0.0));
    for k in 1..=DEFAULT_CAPACITY as u64 {
        m.ingest_frame(&frame_of(k), k as f64).unwrap();
    }
    m.tick(0.0);
    let before = m.tape_rows().as_ptr();
    for k in DEFAULT_CAPACITY as u64 + 1..=DEFAULT_CAPACITY as u64 + 120 {
        m.ingest_frame(&frame_of(k), k as f64).unwrap();
        m.tick(k as f64);
    }
    let r = seqs(&mut m);
    assert_eq!(r.len(), DEFAULT_CAPACITY);
    assert_eq!((r[0], r[DEFAULT_CAPACITY - 1]), (620, 121));
    assert_eq!(m.tape_rows().as_ptr(), before, "the rows never moved: no reallocation");
    m.set_tape_capacity(50);
    assert_eq!(seqs(&mut m)[..2], [620, 619]);
    assert_eq!(seqs(&mut m).len(), 50);
}

#[test]
fn the_ladder_gets_the_sessions_volume_at_each_level() {
    let mut m = MarketEngine::new();
    let prints =
        [buy(1, 0.0, 1000.10, 0.3), buy(2, 1.0, 1000.10, 0.2), sell(3, 2.0, 999.90, 0.1), sell(4, 3.0, 999.80, 0.4), buy(5, 4.0, 1000.00, 9.0)];
    m.ingest_frame(&frame(1, &prints, (0.0, 0.0)), 0.0).unwrap();
    m.tick(0.0);
    let v: Vec<(f64, f64)> = m.level_volume().chunks_exact(VOLUME_STRIDE).map(|c| (c[0], c[1])).collect();
    // Levels: bids 999.90, 999.80; asks 1000.10. The print at 1000.00 is inside the spread: no level's.
    assert_eq!(v, [(0.0, 0.1), (0.0, 0.4), (0.5, 0.0)]);
    // Grouped by 100 ticks (1.00): the bids 999.90 and 999.80 fall in one bucket (999.00), the ask
    // in 1001.00.
    m.set_grouping(100);
    m.tick(1.0);
    let v: Vec<(f64, f64)> = m.level_volume().chunks_exact(VOLUME_STRIDE).map(|c| (c[0], c[1])).collect();
    assert_eq!(v, [(0.0, 0.5), (0.5, 0.0)]);
}
