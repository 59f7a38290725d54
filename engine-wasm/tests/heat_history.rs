//! The heatmap in the browser engine, fed frames built by the server's own engine and frame builder:
//! a known bin's pixel has the palette's colour for its size, the colour scale is the window's
//! percentiles (one wall does not wash out the rest), the ring wraps and the picture scrolls (a scroll
//! is pixel for pixel the full redraw), resyncing and stale columns are marked, gaps stay gaps, and a
//! seek's heat-only rebuild is the live history.

use flatbuffers::FlatBufferBuilder;
use tickframe_engine::heat_history::{heat_info as h, mark, Viewport, MARK_STRIDE, PALETTE_LEN};
use tickframe_engine::MarketEngine;
use tickframe_schema::{BookStatus, HeatColumn, Trade, TradeSide};
use tickframe_server::book::{L2Book, Side};
use tickframe_server::engine::frame_builder::{FrameBuilder, FrameMeta, FrameParts};
use tickframe_server::engine::heat_columns::{quantise, HeatBand, HeatConfig, HeatView};
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::engine::trade_window::TapeView;
use tickframe_server::engine::ServerEngine;
use tickframe_server::sources::simulator::{sim_instrument, MarketSimulator};

const BINS: usize = 16;

/// A frame carrying columns `(seq, status, lots per bin)`: bins of 0.10 from 999.20 (tick 0.01).
fn frame(seq: u64, columns: &[(u64, BookStatus, [i64; BINS])], prints: &[(u64, f64, f64, bool)]) -> Vec<u8> {
    let mut book = L2Book::new();
    book.set(Side::Bid, 99_990, 10_000);
    book.set(Side::Ask, 100_010, 10_000);
    let cols: Vec<HeatColumn> =
        columns.iter().map(|&(s, status, _)| HeatColumn::new(s, 1_000 + 100 * s, 999.2, 0.1, 999.9, 1000.1, BINS as u16, status, 0, 100)).collect();
    let bins: Vec<u16> = columns.iter().flat_map(|c| c.2.map(quantise)).collect();
    let trades: Vec<Trade> =
        prints.iter().map(|&(s, p, q, sell)| Trade::new(p, q, 1.0, s, if sell { TradeSide::Sell } else { TradeSide::Buy }, 0)).collect();
    let trade_seq = prints.last().map_or(0, |p| p.0);
    let tape = TapeView { trades: &trades, trade_seq, buy_volume: 0.0, sell_volume: 0.0, trade_count: trade_seq, dropped: 0 };
    let meta = FrameMeta { sequence: seq, timestamp_ms: 1_000 + seq, status: BookStatus::Live, ..Default::default() };
    let mut b = FlatBufferBuilder::new();
    let parts =
        FrameParts { book: &book, inst: &sim_instrument(), depth: 10, meta, tape: Some(tape), heat: Some(HeatView { columns: &cols, bins: &bins }) };
    FrameBuilder::default().build_frame(&mut b, parts).to_vec()
}

fn ramp(top: i64) -> [i64; BINS] {
    std::array::from_fn(|i| 1 + (i as i64 * top) / BINS as i64)
}

/// A palette where entry i is (i, 255 − i, 0, 255) and the hatching (1, 2, 3, 4): colours that say their index.
fn palette() -> Vec<u8> {
    let mut p: Vec<u8> = (0..PALETTE_LEN).flat_map(|i| [i as u8, 255 - i as u8, 0, 255]).collect();
    p.extend([1, 2, 3, 4]);
    p
}

/// One pixel per bin row and column: 16 rows from 999.20 + 15 × 0.10 (top) down to 999.20.
fn view(width: usize) -> Viewport {
    Viewport { width, height: BINS, column_px: 1, price_top: 999.2 + 1.55, price_bottom: 999.2 - 0.05, right_seq: None }
}

fn pixel(e: &mut MarketEngine, width: usize, x: usize, y: usize) -> [u8; 4] {
    let i = (y * width + x) * 4;
    e.heat().pixels()[i..i + 4].try_into().expect("4 bytes")
}

fn engine() -> MarketEngine {
    let mut e = MarketEngine::new();
    e.heat().set_palette(&palette());
    e
}

#[test]
fn a_known_bins_pixel_has_the_colour_of_its_size_on_the_windows_scale() {
    let mut e = engine();
    // Three columns of a ramp 1..=1000 lots; bin 15 (top row) is the largest.
    for s in 1..=3 {
        e.ingest_frame(&frame(s, &[(s, BookStatus::Live, ramp(1_000))], &[]), 0.0).expect("valid");
    }
    assert!(e.heat().paint(view(3)));
    let info = e.heat().info().to_vec();
    assert_eq!((info[h::NEWEST_SEQ], info[h::COLUMNS], info[h::BINS]), (3.0, 3.0, 16.0));
    // The scale runs from the window's 5th to its 99th percentile (log lots): the bottom bin (1 lot)
    // is at the scale's foot, the top bin at its head.
    let (lo, hi) = (info[h::SCALE_LOW_LOTS], info[h::SCALE_HIGH_LOTS]);
    assert!(lo <= 1.0 && hi >= 900.0, "scale {lo}..{hi}");
    let top = pixel(&mut e, 3, 2, 0);
    let bottom = pixel(&mut e, 3, 2, 15);
    assert!(top[0] >= 250, "the largest bin is at the palette's top: {top:?}");
    assert!(bottom[0] <= 5, "the smallest at its foot: {bottom:?}");
    // A middle bin: its palette index is its place on the log scale.
    let q = |lots: f64| (lots.ln_1p() * 1024.0).round();
    let (qlo, qhi) = (q(lo), q(hi));
    let row = 7; // bin 8 from the bottom: 1 + 8 × 1000 / 16 = 501 lots
    let want = ((q(501.0) - qlo) * 255.0 / (qhi - qlo)).floor();
    assert!((pixel(&mut e, 3, 1, row)[0] as f64 - want).abs() <= 1.0, "bin of 501 lots → index {want}, got {:?}", pixel(&mut e, 3, 1, row));
}

#[test]
fn one_wall_does_not_wash_out_the_rest() {
    let mut e = engine();
    let mut bins = [100i64; BINS];
    bins[3] = 1_000_000_000; // one wall, 10^7 × the rest
    bins[0] = 1;
    for s in 1..=40 {
        e.ingest_frame(&frame(s, &[(s, BookStatus::Live, if s == 20 { bins } else { [100; BINS] })], &[]), 0.0).expect("valid");
    }
    e.heat().paint(view(40));
    // Ordinary liquidity (100 lots) still reads as liquidity, not as the palette's foot.
    let ordinary = pixel(&mut e, 40, 30, 8);
    assert!(ordinary[0] > 100, "100-lot bins are bright on the window's own scale: {ordinary:?}");
    assert!(e.heat().info()[h::SCALE_HIGH_LOTS] < 1e6, "the p99 ignores the single wall");
}

#[test]
fn the_ring_wraps_and_a_scroll_is_pixel_for_pixel_the_full_redraw() {
    let mut live = engine();
    live.heat().set_capacity(8);
    // Columns that differ (bin 5 grows) on a scale that stands: scrolls, not redraws.
    let col = |s: u64| {
        let mut bins = ramp(1_000);
        bins[5] = 100 + 10 * s as i64;
        (s, BookStatus::Live, bins)
    };
    for s in 1..=6 {
        live.ingest_frame(&frame(s, &[col(s)], &[]), 0.0).expect("valid");
    }
    live.heat().paint(view(6));
    for s in 7..=12 {
        live.ingest_frame(&frame(s, &[col(s)], &[]), 0.0).expect("valid");
        live.heat().paint(view(6));
        assert_eq!(live.heat().info()[h::DRAWN_COLUMNS], 1.0, "one new column: one drawn, the rest scrolled");
    }
    assert_eq!((live.heat().info()[h::OLDEST_SEQ], live.heat().info()[h::COLUMNS]), (5.0, 8.0), "8 kept: 5..=12");
    // A fresh engine given the same columns at once draws everything: the same pixels.
    let mut fresh = engine();
    fresh.heat().set_capacity(8);
    let all: Vec<_> = (5..=12).map(col).collect();
    fresh.ingest_frame(&frame(1, &all, &[]), 0.0).expect("valid");
    fresh.heat().paint(view(6));
    assert_eq!(fresh.heat().info()[h::DRAWN_COLUMNS], 6.0);
    // (Both use the scale they painted with; the live one kept its own while it moved < 3 %.)
    if live.heat().info()[h::SCALE_HIGH_LOTS] == fresh.heat().info()[h::SCALE_HIGH_LOTS] {
        assert_eq!(live.heat().pixels(), fresh.heat().pixels());
    } else {
        // Redraw the live one fully at its scale's end state and compare that.
        let mut v = view(6);
        v.height += 1;
        live.heat().paint(v);
        fresh.heat().paint(v);
        assert_eq!(live.heat().pixels(), fresh.heat().pixels());
    }
}

#[test]
fn resyncing_and_stale_columns_are_marked_and_gaps_stay_gaps() {
    let mut e = engine();
    let frames = [
        frame(1, &[(1, BookStatus::Live, ramp(500))], &[]),
        frame(2, &[(2, BookStatus::Resyncing, ramp(500))], &[]),
        frame(3, &[(3, BookStatus::Live, ramp(500))], &[]),
        // seq 4 never arrives (a laggard skipped its frame)
        frame(5, &[(5, BookStatus::Stale, ramp(500))], &[]),
        frame(6, &[(6, BookStatus::Live, ramp(500))], &[]),
    ];
    for f in &frames {
        e.ingest_frame(f, 0.0).expect("valid");
    }
    assert_eq!(e.heat().info()[h::MISSED], 1.0);
    assert_eq!(e.heat().info()[h::NOT_LIVE_COLUMNS], 2.0);
    e.heat().paint(view(6));
    let column = |e: &mut MarketEngine, x: usize| (0..BINS).map(|y| pixel(e, 6, x, y)).collect::<Vec<_>>();
    // x = 5 is seq 6 (newest) … x = 0 is seq 1.
    let gap = column(&mut e, 3);
    assert!(gap.iter().all(|p| *p == [0, 0, 0, 0]), "the missing column is transparent");
    for x in [1, 4] {
        let marked = column(&mut e, x);
        assert!(marked.contains(&[1, 2, 3, 4]), "hatched");
        assert!(marked.iter().all(|p| *p == [1, 2, 3, 4] || (p[0] == p[1] && p[1] == p[2])), "and grey: never the live colours");
    }
    let live = column(&mut e, 5);
    assert!(live.iter().all(|p| p[3] == 255 && p[1] == 255 - p[0]), "a live column is the palette's");
    // The readout says what is under the pointer.
    e.heat().readout(3.0, 0.0);
    let i = e.heat().info().to_vec();
    assert_eq!((i[h::READOUT_SEQ], i[h::READOUT_STATUS]), (4.0, -1.0), "a gap");
    e.heat().readout(5.0, 0.0);
    let i = e.heat().info().to_vec();
    assert_eq!((i[h::READOUT_SEQ], i[h::READOUT_STATUS], i[h::READOUT_END_MS]), (6.0, 0.0, 1_600.0));
    assert!((i[h::READOUT_PRICE] - 10.007e2).abs() < 1e-9, "the top bin's price: {}", i[h::READOUT_PRICE]);
    let want = ramp(500)[15] as f64 * 0.0001;
    assert!((i[h::READOUT_SIZE] - want).abs() <= want * 1e-3, "{} vs {want}", i[h::READOUT_SIZE]);
}

#[test]
fn prints_are_circles_in_the_column_they_arrived_sized_by_notional() {
    let mut e = engine();
    e.ingest_frame(&frame(1, &[(1, BookStatus::Live, ramp(10))], &[(1, 999.9, 1.0, true)]), 0.0).expect("valid");
    e.ingest_frame(&frame(2, &[(2, BookStatus::Live, ramp(10))], &[(1, 999.9, 1.0, true), (2, 1000.1, 4.0, false)]), 0.0).expect("valid");
    e.heat().paint(Viewport { column_px: 4, ..view(40) });
    let marks = e.heat().print_marks().to_vec();
    assert_eq!(marks.len(), 2 * MARK_STRIDE, "each print once (the second frame repeats the first)");
    let (a, b) = (&marks[..MARK_STRIDE], &marks[MARK_STRIDE..]);
    assert_eq!((a[mark::SIDE], b[mark::SIDE]), (1.0, 0.0));
    assert!(b[mark::RADIUS] > a[mark::RADIUS] * 1.9, "4× the notional, twice the radius");
    assert!(a[mark::X] < b[mark::X], "the earlier print sits in the earlier column");
    assert!(b[mark::Y] < a[mark::Y], "the higher price higher up");
}

#[test]
fn a_seeks_heat_only_rebuild_is_the_live_history_and_the_server_engine_feeds_it() {
    // The server's own engine with heat columns, fed the simulator: frames at 50 Hz for 3 s.
    let heat = HeatConfig { interval_ms: 100, bins: 64, band: HeatBand::Ticks(200), history: 50 };
    static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_700_000_000_000);
    let mut server = OrderbookEngine::new(tickframe_server::adapters::sim::SimAdapter::new(), sim_instrument(), 20)
        .with_clock(|| CLOCK.load(std::sync::atomic::Ordering::Relaxed))
        .with_heat(heat);
    let mut sim = MarketSimulator::new(5);
    server.ingest(&sim.snapshot_message());
    let mut b = FlatBufferBuilder::new();
    let mut frames = Vec::new();
    for _ in 0..150 {
        for _ in 0..3 {
            server.ingest(&sim.step());
        }
        CLOCK.fetch_add(20, std::sync::atomic::Ordering::Relaxed);
        frames.push(server.tick(&mut b).to_vec());
    }
    let mut live = engine();
    frames.iter().for_each(|f| {
        live.ingest_frame(f, 0.0).expect("valid");
    });
    let info = live.heat().info().to_vec();
    assert!(info[h::COLUMNS] >= 29.0 && info[h::MISSED] == 0.0, "every column of 3 s: {info:?}");
    // A seek: forget, then heat-only over the frames before the point, then the frame at it.
    let mut seeked = engine();
    seeked.heat().clear();
    frames[..149].iter().for_each(|f| seeked.ingest_heat_only(f).expect("valid"));
    seeked.ingest_frame(&frames[149], 0.0).expect("valid");
    let v = Viewport {
        width: 60,
        height: 64,
        column_px: 2,
        price_top: info[h::NEWEST_LOW_PRICE] + 6.4,
        price_bottom: info[h::NEWEST_LOW_PRICE],
        right_seq: None,
    };
    live.heat().paint(v);
    seeked.heat().paint(v);
    assert_eq!(live.heat().pixels(), seeked.heat().pixels(), "the rebuilt picture is the live one");
    assert!(live.heat().pixels().chunks(4).filter(|p| p[3] == 255).count() > 500, "and it shows a book");
    // A late joiner's join frame carries the history at once.
    let join = server.join_frame(&mut FlatBufferBuilder::new()).expect("a join frame");
    let mut joiner = engine();
    joiner.ingest_frame(&join, 0.0).expect("valid");
    assert_eq!(joiner.heat().info()[h::COLUMNS], info[h::COLUMNS].min(50.0), "the joiner has the history at once");
}
