//! The engine ingests frames built by the real server code, tracks sequences, and rejects garbage
//! without panicking or losing the last good picture.

use flatbuffers::FlatBufferBuilder;
use tickframe_engine::{summary as s, IngestOutcome, MarketEngine, BAR_SCALE_STRIDE, LEVEL_STRIDE};
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::engine::ServerEngine;
use tickframe_server::sources::simulator::{sim_instrument, MarketSimulator};

fn server_frames(n: usize) -> Vec<Vec<u8>> {
    let mut sim = MarketSimulator::new(9);
    let mut e = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 50).with_clock(|| 1_000);
    e.ingest(&sim.snapshot_message());
    let mut b = FlatBufferBuilder::new();
    (0..n)
        .map(|_| {
            e.ingest(&sim.step());
            e.tick(&mut b).to_vec()
        })
        .collect()
}

#[test]
fn ingests_server_frames_into_the_typed_layout() {
    let frames = server_frames(3);
    let mut m = MarketEngine::new();
    assert_eq!(m.ingest_frame(&frames[0], 1_005.0).unwrap(), IngestOutcome::Applied);
    let f = tickframe_schema::decode_frame(&frames[0]).unwrap();
    let sum = m.summary();
    assert_eq!(sum[s::BEST_BID], f.best_bid());
    assert_eq!(sum[s::BEST_ASK], f.best_ask());
    assert_eq!(sum[s::LATENCY_MS], 5.0);
    assert_eq!(sum[s::BID_LEN], 50.0);
    assert_eq!(m.symbol(), "SIM-USD");
    let lv = m.levels();
    assert_eq!(lv.len(), 100 * LEVEL_STRIDE);
    assert_eq!(lv[0], f.best_bid());
    assert_eq!(lv[50 * LEVEL_STRIDE], f.best_ask());
    let bids = f.bids().unwrap();
    // Cumulative size is summed in exact lots (0.0001), not in floating point.
    let lots: i64 = bids.iter().map(|l| (l.size() * 10_000.0).round() as i64).sum();
    assert_eq!(lv[49 * LEVEL_STRIDE + 2], lots as f64 / 10_000.0, "cumulative");
}

#[test]
fn gaps_duplicates_and_out_of_order_are_counted() {
    let frames = server_frames(4);
    let mut m = MarketEngine::new();
    m.ingest_frame(&frames[0], 0.0).unwrap();
    assert_eq!(m.ingest_frame(&frames[0], 0.0).unwrap(), IngestOutcome::Duplicate);
    assert_eq!(m.ingest_frame(&frames[2], 0.0).unwrap(), IngestOutcome::AppliedAfterGap);
    assert_eq!(m.ingest_frame(&frames[1], 0.0).unwrap(), IngestOutcome::OutOfOrder);
    assert_eq!(m.summary()[s::SEQUENCE], 3.0, "the picture never goes back in time");
    assert_eq!(m.ingest_frame(&frames[3], 0.0).unwrap(), IngestOutcome::Applied);
    let sum = m.summary();
    assert_eq!((sum[s::GAPS], sum[s::DUPLICATES], sum[s::OUT_OF_ORDER], sum[s::FRAMES]), (1.0, 1.0, 1.0, 3.0));
}

#[test]
fn garbage_is_rejected_and_the_last_good_state_kept() {
    let frames = server_frames(1);
    let mut m = MarketEngine::new();
    m.ingest_frame(&frames[0], 0.0).unwrap();
    let (levels, best_bid) = (m.levels().to_vec(), m.summary()[s::BEST_BID]);
    let mut truncated = frames[0].clone();
    truncated.truncate(frames[0].len() / 2);
    let mut flipped = frames[0].clone();
    for i in (0..flipped.len()).step_by(7) {
        flipped[i] ^= 0x5a;
    }
    let mut rejected = 0.0;
    for bad in [&b""[..], b"hello", &[0u8; 100][..], &truncated, &flipped] {
        if m.ingest_frame(bad, 0.0).is_err() {
            rejected += 1.0;
        }
    }
    assert!(rejected >= 4.0);
    assert_eq!(m.summary()[s::ERRORS], rejected);
    assert_eq!(m.levels(), &levels[..]);
    assert_eq!(m.summary()[s::BEST_BID], best_bid);
    // Every single-byte corruption of a frame is handled without a panic.
    for i in 0..frames[0].len() {
        let mut c = frames[0].clone();
        c[i] = c[i].wrapping_add(0x81);
        let _ = MarketEngine::new().ingest_frame(&c, 0.0);
    }
}

#[test]
fn smoothing_is_frame_rate_independent() {
    let frames = server_frames(1);
    let (mut a, mut b) = (MarketEngine::new(), MarketEngine::new());
    for m in [&mut a, &mut b] {
        m.ingest_frame(&frames[0], 0.0).unwrap();
        m.tick(0.0);
    }
    // Move the target by hand via a second frame from a different book.
    let other = {
        let mut sim = MarketSimulator::new(77);
        let mut e = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 50).with_clock(|| 1_000);
        e.ingest(&sim.snapshot_message());
        for _ in 0..500 {
            e.ingest(&sim.step());
        }
        let mut fb = FlatBufferBuilder::new();
        e.tick(&mut fb);
        e.tick(&mut fb).to_vec() // sequence 2: follows
    };
    a.ingest_frame(&other, 0.0).unwrap();
    b.ingest_frame(&other, 0.0).unwrap();
    for i in 1..=60 {
        a.tick(i as f64 * (1000.0 / 60.0));
    }
    for i in 1..=144 {
        b.tick(i as f64 * (1000.0 / 144.0));
    }
    let (x, y) = (a.summary()[s::SMOOTH_IMBALANCE], b.summary()[s::SMOOTH_IMBALANCE]);
    assert!((x - y).abs() < 1e-9, "{x} vs {y}");
}

#[test]
fn stale_after_a_configurable_silence_and_live_again_on_any_verified_frame() {
    let frames = server_frames(2);
    let mut m = MarketEngine::new();
    m.tick(0.0);
    assert_eq!(m.summary()[s::STALE], 1.0, "no frame yet: stale");
    m.set_stale_after_ms(500.0);
    m.ingest_frame(&frames[0], 1_000.0).unwrap();
    m.tick(1_400.0);
    assert_eq!(m.summary()[s::STALE], 0.0);
    m.tick(1_501.0);
    assert_eq!(m.summary()[s::STALE], 1.0, "501 ms of silence > 500 ms");
    // A duplicate is not an accepted frame: it says nothing about the book now.
    assert_eq!(m.ingest_frame(&frames[0], 1_600.0).unwrap(), IngestOutcome::Duplicate);
    m.tick(1_700.0);
    assert_eq!(m.summary()[s::STALE], 1.0);
    // The next frame (a heartbeat is one too: it has its own sequence) is.
    m.ingest_frame(&frames[1], 1_800.0).unwrap();
    m.tick(1_850.0);
    assert_eq!(m.summary()[s::STALE], 0.0);
    // Garbage is not.
    assert!(m.ingest_frame(b"not a frame at all", 2_500.0).is_err());
    m.tick(2_500.0);
    assert_eq!(m.summary()[s::STALE], 1.0);
}

/// A frame of the simulator's book with the given sequence.
fn frame_with_seq(seq: u64) -> Vec<u8> {
    use tickframe_server::book::{L2Book, Side};
    use tickframe_server::engine::frame_builder::{FrameBuilder, FrameMeta};
    let mut book = L2Book::new();
    book.set(Side::Bid, 99_990, 10_000);
    book.set(Side::Ask, 100_010, 20_000);
    let mut b = FlatBufferBuilder::new();
    let meta = FrameMeta { sequence: seq, timestamp_ms: 1_000, status: tickframe_schema::BookStatus::Live, heartbeat: false, ..Default::default() };
    FrameBuilder::default().build(&mut b, &book, &sim_instrument(), 10, meta).to_vec()
}

#[test]
fn a_poisoned_sequence_or_a_restarted_server_restarts_tracking_instead_of_freezing() {
    let mut m = MarketEngine::new();
    for seq in 1..=5 {
        m.ingest_frame(&frame_with_seq(seq), seq as f64).unwrap();
    }
    // One valid frame claiming u64::MAX (a poisoned frame, or a bug upstream) ...
    m.ingest_frame(&frame_with_seq(u64::MAX), 6.0).unwrap();
    // ... and the stream goes on: every following frame is applied, not dropped as out of order.
    for seq in 6..=10 {
        assert_eq!(m.ingest_frame(&frame_with_seq(seq), seq as f64 + 1.0).unwrap(), IngestOutcome::Applied, "seq {seq}");
    }
    assert_eq!(m.summary()[s::SEQUENCE], 10.0);
    assert_eq!(m.summary()[s::RESTARTS], 2.0, "into the poisoned frame and out of it");
    // A jump of 2^40 forward, then the server restarts counting from 1.
    m.ingest_frame(&frame_with_seq(10 + (1 << 40)), 20.0).unwrap();
    assert_eq!(m.ingest_frame(&frame_with_seq(1), 21.0).unwrap(), IngestOutcome::Applied);
    assert_eq!(m.ingest_frame(&frame_with_seq(2), 22.0).unwrap(), IngestOutcome::Applied);
    assert_eq!(m.summary()[s::RESTARTS], 4.0);
    // A frame a little late is still out of order (the picture never goes back in time).
    assert_eq!(m.ingest_frame(&frame_with_seq(3), 23.0).unwrap(), IngestOutcome::Applied);
    assert_eq!(m.ingest_frame(&frame_with_seq(2), 24.0).unwrap(), IngestOutcome::OutOfOrder);
    // The store's staleness follows accepted frames only: after the restart it stays fresh.
    m.set_stale_after_ms(500.0);
    m.tick(300.0);
    assert_eq!(m.summary()[s::STALE], 0.0);
}

#[test]
fn one_bar_scale_for_both_sides_at_every_depth() {
    let frames = server_frames(2);
    let mut m = MarketEngine::new();
    m.ingest_frame(&frames[0], 0.0).unwrap();
    let _ = m.bar_scale(); // computed for the first frame: the next must not see it
    m.ingest_frame(&frames[1], 0.0).unwrap();
    let scale = m.bar_scale().to_vec();
    let nb = m.summary()[s::BID_LEN] as usize;
    let lv = m.levels();
    let level = |i: usize| &lv[i * LEVEL_STRIDE..(i + 1) * LEVEL_STRIDE];
    assert_eq!(scale.len(), 50 * BAR_SCALE_STRIDE);
    for d in 1..=50 {
        // Within d levels of the touch, on either side: the biggest level and the deeper cumulative.
        let sizes = (0..d).flat_map(|i| [level(i)[1], level(nb + i)[1]]);
        let max_size = sizes.fold(0.0, f64::max);
        let max_cum = level(d - 1)[2].max(level(nb + d - 1)[2]);
        assert_eq!(scale[(d - 1) * BAR_SCALE_STRIDE], max_size, "size scale at depth {d}");
        assert_eq!(scale[(d - 1) * BAR_SCALE_STRIDE + 1], max_cum, "cumulative scale at depth {d}");
    }
}

#[test]
fn windowed_imbalance_over_top_levels_or_bps_from_mid_and_eased() {
    let frames = server_frames(3);
    let mut m = MarketEngine::new();
    m.set_smoothing_ms(100.0);
    m.set_imbalance_window(3, 0.0);
    m.ingest_frame(&frames[0], 0.0).unwrap();
    m.tick(0.0);
    let nb = m.summary()[s::BID_LEN] as usize;
    let lv = m.levels().to_vec();
    let size = |i: usize| lv[i * LEVEL_STRIDE + 1];
    let price = |i: usize| lv[i * LEVEL_STRIDE];
    let ratio = |b: f64, a: f64| (b - a) / (b + a);
    let top3 = ratio((0..3).map(size).sum(), (0..3).map(|i| size(nb + i)).sum());
    let sum = m.summary();
    assert!((sum[s::WINDOW_IMBALANCE] - top3).abs() < 1e-12, "{} vs {top3}", sum[s::WINDOW_IMBALANCE]);
    assert_eq!(sum[s::SMOOTH_WINDOW_IMBALANCE], sum[s::WINDOW_IMBALANCE], "the first picture starts the eased value");

    // Within 5 bps of mid instead.
    m.set_imbalance_window(0, 5.0);
    m.tick(0.0);
    let mid = m.summary()[s::MID];
    let near = |i: usize| ((price(i) - mid).abs() / mid) * 1e4 <= 5.0;
    let b: f64 = (0..nb).filter(|&i| near(i)).map(size).sum();
    let a: f64 = (nb..lv.len() / LEVEL_STRIDE).filter(|&i| near(i)).map(size).sum();
    assert!((m.summary()[s::WINDOW_IMBALANCE] - ratio(b, a)).abs() < 1e-12);

    // Eased toward a new value: 63 % of the way after one time constant, whatever the frame rate.
    let before = m.summary()[s::SMOOTH_WINDOW_IMBALANCE];
    m.set_imbalance_window(1, 0.0);
    m.tick(0.0);
    let target = m.summary()[s::WINDOW_IMBALANCE];
    for t in 1..=10 {
        m.tick(t as f64 * 10.0);
    }
    let eased = m.summary()[s::SMOOTH_WINDOW_IMBALANCE];
    let expected = before + (target - before) * (1.0 - (-1.0f64).exp());
    assert!((eased - expected).abs() < 1e-9, "{eased} vs {expected}");
}

#[test]
fn imbalance_over_any_window_matches_the_configured_window_measurement() {
    let frames = server_frames(3);
    let mut m = MarketEngine::new();
    m.ingest_frame(&frames[2], 0.0).unwrap();
    m.tick(0.0);
    // Asked for a window without configuring it: the same exact-lot number the configured path gives.
    for (levels, bps) in [(1, 0.0), (3, 0.0), (50, 0.0), (0, 2.0), (0, 25.0)] {
        let asked = m.imbalance_over(levels, bps);
        m.set_imbalance_window(levels, bps);
        m.tick(0.0);
        assert_eq!(asked, m.summary()[s::WINDOW_IMBALANCE], "window ({levels} levels, {bps} bps)");
        assert!((-1.0..=1.0).contains(&asked));
    }
}

/// A frame that verifies but carries a tick or lot size, price or size no market has.
fn implausible(tick: f64, lot: f64, price: f64, size: f64) -> Vec<u8> {
    use tickframe_schema::{finish_orderbook_frame_buffer, OrderbookFrame, OrderbookFrameArgs, PriceLevel};
    let mut b = FlatBufferBuilder::new();
    let symbol = b.create_string("X-USD");
    let bids = b.create_vector(&[PriceLevel::new(price, size)]);
    let asks = b.create_vector(&[PriceLevel::new(101.0, 1.0)]);
    let f = OrderbookFrame::create(
        &mut b,
        &OrderbookFrameArgs {
            sequence: 9,
            timestamp_ms: 1_000,
            symbol: Some(symbol),
            tick_size: tick,
            lot_size: lot,
            best_bid: 99.0,
            best_ask: 101.0,
            bids: Some(bids),
            asks: Some(asks),
            ..Default::default()
        },
    );
    finish_orderbook_frame_buffer(&mut b, f);
    b.finished_data().to_vec()
}

#[test]
fn frames_with_numbers_no_market_has_are_rejected_and_counted_never_live() {
    let mut m = MarketEngine::new();
    m.ingest_frame(&frame_with_seq(1), 0.0).unwrap();
    let good = m.summary()[s::BEST_BID];
    let bad = [
        implausible(f64::NAN, 1.0, 99.0, 1.0),
        implausible(f64::INFINITY, 1.0, 99.0, 1.0),
        implausible(0.0, 1.0, 99.0, 1.0),
        implausible(1e-300, 1.0, 99.0, 1.0),
        implausible(-0.01, 1.0, 99.0, 1.0),
        implausible(0.01, f64::NAN, 99.0, 1.0),
        implausible(0.01, 0.0, 99.0, 1.0),
        implausible(0.01, 1.0, f64::NAN, 1.0),
        implausible(0.01, 1.0, f64::INFINITY, 1.0),
        implausible(0.01, 1.0, 0.0, 1.0),
        implausible(0.01, 1.0, -5.0, 1.0),
        implausible(0.01, 1.0, 1e300, 1.0),
        implausible(0.01, 1.0, 1e-300, 1.0),
        implausible(0.01, 1.0, 99.0, f64::NAN),
        implausible(0.01, 1.0, 99.0, -1.0),
    ];
    for (i, frame) in bad.iter().enumerate() {
        let err = m.ingest_frame(frame, 0.0).expect_err("rejected");
        assert!(err.to_string().contains("out of range"), "case {i}: {err}");
    }
    assert_eq!(m.summary()[s::ERRORS], bad.len() as f64, "every one counted");
    assert_eq!(m.summary()[s::BEST_BID], good, "the last good picture stays");
    assert_eq!(m.summary()[s::FRAMES], 1.0);
    // A plausible frame of the same shape is applied.
    assert!(m.ingest_frame(&implausible(0.01, 1.0, 99.0, 1.0), 0.0).is_ok());
}
