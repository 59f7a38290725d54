//! Heat columns over the real server replaying the shared Coinbase capture (../shared): every
//! interval's column arrives once, in the capture's time, its bins hold what the frames before it
//! showed (exact binning, bids down and asks up), and a late joiner gets the recent history at once.

use std::time::Duration;

use tickframe_schema::{decode_frame, BookStatus, OrderbookFrame};
use tickframe_server::engine::heat_columns::dequantise;
use tickframe_server::recording::read_recording;

mod support;
use support::{fixtures, next_binary, start};

/// The size in a column's bin `i` (lots → base units).
fn bin_size(f: &OrderbookFrame<'_>, offset: usize, i: usize) -> f64 {
    let q = f.heat_bins().expect("bins").get(offset + i);
    dequantise(q) * f.lot_size()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_sends_every_column_once_in_the_captures_time_and_a_late_joiner_gets_the_history() {
    let Some(dir) = fixtures() else { return };
    let capture = dir.join("coinbase-advanced-2026.capture.jsonl");
    let out = std::env::temp_dir().join(format!("tickframe-heat-{}.tfrec", std::process::id()));
    let server = start(&[
        "--source",
        &format!("capture:{}", capture.display()),
        "--capture-symbols",
        "BTC-USD",
        "--speed",
        "max",
        "--heat-history",
        "120",
        "--record",
        out.to_str().expect("a utf-8 temp path"),
    ]);
    // At max speed the ~25 s of market replay at once (then the capture's clock runs on at 1×).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let columns_in = |bytes: &[u8]| {
        read_recording(bytes).map_or(0, |r| r.records.iter().filter_map(|rec| decode_frame(rec.frame).ok()?.heat().map(|h| h.len())).sum::<usize>())
    };
    while columns_in(&std::fs::read(&out).unwrap_or_default()) < 200 {
        assert!(tokio::time::Instant::now() < deadline, "no 200 columns within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A late joiner: its join frame carries the newest 120 columns.
    let url = format!("ws://{}/ws?symbol=BTC-USD", server.1);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("connects");
    let join = next_binary(&mut ws).await;
    let join_seq = decode_frame(&join).expect("a valid join frame").sequence();
    // The recording up to the join frame's sequence (the recorder writes as the server sends).
    let bytes = loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        if read_recording(&bytes).ok().is_some_and(|r| r.records.iter().any(|rec| decode_frame(rec.frame).is_ok_and(|f| f.sequence() >= join_seq))) {
            break bytes;
        }
        assert!(tokio::time::Instant::now() < deadline, "the recording never reached the join frame's sequence");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    drop(server);
    let _ = std::fs::remove_file(&out);
    let recording = read_recording(&bytes).expect("a readable recording");
    let frames: Vec<OrderbookFrame<'_>> =
        recording.records.iter().map(|r| decode_frame(r.frame).expect("valid")).filter(|f| f.sequence() <= join_seq).collect();

    // Every column once, numbered without a gap, each interval 100 ms of the capture's clock (2026).
    let columns: Vec<_> = frames.iter().flat_map(|f| f.heat().into_iter().flatten()).collect();
    assert!(columns.len() >= 200, "{} columns", columns.len());
    let first = columns[0].seq();
    assert!(columns.iter().enumerate().all(|(i, c)| c.seq() == first + i as u64), "consecutive column numbers");
    assert!(columns.windows(2).all(|w| w[1].end_ms() == w[0].end_ms() + 100 && w[0].interval_ms() == 100));
    let year_2026 = 1_767_225_600_000..1_798_761_600_000;
    assert!(columns.iter().all(|c| year_2026.contains(&c.end_ms())), "the capture's time, not the replay's");
    let live: Vec<_> = columns.iter().filter(|c| c.status() == BookStatus::Live && c.flags() == 0).collect();
    assert!(live.len() > 100, "live columns with a book");

    // Each column's bins hold at least what the frame before the one carrying it showed: that book was
    // sampled into it, so each of its levels sits in the bin at or below (bids) or above (asks) its price.
    let mut checked = 0;
    for k in 1..frames.len() {
        let Some(heat) = frames[k].heat() else { continue };
        let (prev, carrier) = (&frames[k - 1], &frames[k]);
        let c = heat.get(heat.len() - 1);
        let before = prev.timestamp_ms();
        if c.status() != BookStatus::Live || before + 100 <= c.end_ms() || before >= c.end_ms() || heat.len() != 1 {
            continue; // the previous frame was not in this interval
        }
        let offset = 0;
        let n = c.bin_count() as usize;
        let tick = prev.tick_size();
        let bin_ticks = (c.bin_size() / tick).round() as i64;
        let low = (c.low_price() / tick).round() as i64;
        let mut sums = vec![0f64; n];
        for (levels, up) in [(prev.bids(), false), (prev.asks(), true)] {
            for l in levels.into_iter().flatten() {
                let p = (l.price() / tick).round() as i64 - low;
                let i = if up { p.div_euclid(bin_ticks) + i64::from(p.rem_euclid(bin_ticks) != 0) } else { p.div_euclid(bin_ticks) };
                if (0..n as i64).contains(&i) {
                    sums[i as usize] += l.size();
                }
            }
        }
        for (i, want) in sums.iter().enumerate() {
            let got = bin_size(carrier, offset, i);
            assert!(got >= want * (1.0 - 1e-3) - prev.lot_size(), "column {} bin {i}: {got} < the frame's {want}", c.seq());
        }
        // The touch's bins never cross.
        let bid_bin = ((c.best_bid() / tick).round() as i64 - low).div_euclid(bin_ticks);
        let ask_off = (c.best_ask() / tick).round() as i64 - low;
        let ask_bin = ask_off.div_euclid(bin_ticks) + i64::from(ask_off.rem_euclid(bin_ticks) != 0);
        assert!(bid_bin < ask_bin, "column {}: bid bin {bid_bin}, ask bin {ask_bin}", c.seq());
        checked += 1;
    }
    assert!(checked > 50, "{checked} columns checked against their books");

    // The join frame's history: the newest 120 columns sent before it, byte for byte.
    let j = decode_frame(&join).expect("a valid join frame");
    let history: Vec<_> = j.heat().expect("history").iter().collect();
    assert_eq!(history.len(), 120, "the configured history");
    assert_eq!(history.as_slice(), &columns[columns.len() - 120..], "the newest columns, oldest first");
    let recorded_bins: Vec<u16> = frames.iter().flat_map(|f| f.heat_bins().into_iter().flatten()).collect();
    let join_bins: Vec<u16> = j.heat_bins().expect("bins").iter().collect();
    let per = history[0].bin_count() as usize;
    assert_eq!(join_bins.as_slice(), &recorded_bins[recorded_bins.len() - 120 * per..], "and their bins");
    eprintln!("join frame {} bytes with {} columns of {per} bins", join.len(), history.len());
}
