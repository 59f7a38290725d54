//! A capture replay runs on the capture's clock (#23): the real server replays the shared Kraken
//! capture (April 2021) with `--record`, twice, at different speeds. The recording's header and
//! every frame say when the market happened — not when the test ran — and the two recordings hold
//! the same frames, byte for byte, up to the capture's end.

use std::time::Duration;

use tickframe_server::recording::read_recording;

mod support;
use support::{fixtures, start};

const CAPTURE: &str = "kraken-v1-2021.capture.jsonl";

/// The capture's first and last receive times, in ms (its `ts` fields).
fn capture_span(path: &std::path::Path) -> (f64, f64) {
    let text = std::fs::read_to_string(path).expect("capture readable");
    let ts: Vec<f64> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("ts").and_then(|t| t.as_f64()))
        .map(|s| s * 1000.0)
        .collect();
    (ts.iter().copied().fold(f64::INFINITY, f64::min), ts.iter().copied().fold(0.0, f64::max))
}

/// Replay the capture at `speed` with `--record`, until the recording holds a heartbeat past the
/// capture's end (the replay played it all); return the recording's bytes.
async fn record(capture: &std::path::Path, speed: &str, end_ms: f64) -> Vec<u8> {
    let out = tempfile_path(speed);
    let source = format!("capture:{}", capture.display());
    let server = start(&[
        "--source",
        &source,
        "--capture-symbols",
        "BTC-CHF",
        "--speed",
        speed,
        "--tick-hz",
        "20",
        "--depth",
        "10",
        "--record",
        out.to_str().unwrap(),
    ]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        let done = read_recording(&bytes).ok().is_some_and(|r| r.records.last().is_some_and(|rec| rec.recv_time_ms > end_ms + 1500.0));
        if done {
            drop(server);
            let _ = std::fs::remove_file(&out);
            return bytes;
        }
        assert!(tokio::time::Instant::now() < deadline, "the replay at --speed {speed} did not reach the capture's end within 90 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tempfile_path(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tickframe-capture-clock-{}-{tag}.tfrec", std::process::id()))
}

#[tokio::test]
async fn a_capture_replay_is_recorded_in_the_markets_time_and_the_same_at_any_speed() {
    let Some(dir) = fixtures() else { return };
    let capture = dir.join(CAPTURE);
    let (start_ms, end_ms) = capture_span(&capture);
    let fast = record(&capture, "20", end_ms).await;
    let faster = record(&capture, "max", end_ms).await;
    let (a, b) = (read_recording(&fast).unwrap(), read_recording(&faster).unwrap());
    // The header says when the market happened: April 2021, within the capture's span.
    assert!(
        a.header.created_ms as f64 >= start_ms - 1.0 && a.header.created_ms as f64 <= end_ms,
        "created {} not in the capture's span",
        a.header.created_ms
    );
    assert_eq!(a.header.created_ms, b.header.created_ms);
    // Every frame's time and record time are the capture's clock, on the 20 Hz boundaries.
    let in_capture = |r: &tickframe_server::recording::Recording<'_>| -> Vec<Vec<u8>> {
        r.records.iter().filter(|rec| rec.recv_time_ms <= end_ms).map(|rec| rec.frame.to_vec()).collect()
    };
    for rec in &a.records {
        let f = tickframe_schema::decode_frame(rec.frame).unwrap();
        assert_eq!(f.timestamp_ms() as f64, rec.recv_time_ms, "a record's time is its frame's");
        assert!(f.timestamp_ms() as f64 >= start_ms - 50.0, "frame at {} before the capture began", f.timestamp_ms());
        assert_eq!(f.timestamp_ms() % 50, 0, "on the capture clock's 20 Hz boundaries");
        if f.received_time_us() > 0 {
            assert!(f.received_time_us() as f64 / 1000.0 <= f.timestamp_ms() as f64, "a book message read after its frame was built");
            // Kraken v1 stamps each level: its time is the market's, within seconds of the capture's.
            assert!((f.exchange_time_us() as f64 / 1000.0 - f.received_time_us() as f64 / 1000.0).abs() < 60_000.0);
        }
    }
    let (fa, fb) = (in_capture(&a), in_capture(&b));
    assert!(fa.len() > 100, "{} frames within the capture", fa.len());
    assert!(fa == fb, "the same capture gives the same frames at --speed 20 and max ({} vs {} frames)", fa.len(), fb.len());
}

/// The exchange→server latency per venue is a Prometheus histogram at /metrics: replaying the
/// Kraken capture fills `venue="kraken"` (cumulative buckets, a count and a sum).
#[tokio::test]
async fn exchange_latency_is_a_histogram_per_venue_in_metrics() {
    let Some(dir) = fixtures() else { return };
    let source = format!("capture:{}", dir.join(CAPTURE).display());
    let server = start(&["--source", &source, "--capture-symbols", "BTC-CHF", "--speed", "max"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let text = loop {
        let (_, text) = support::http_get(&server.1, "/metrics").await.expect("/metrics answers");
        let count = text
            .lines()
            .find_map(|l| l.strip_prefix("tickframe_exchange_latency_seconds_count{venue=\"kraken\"} "))
            .and_then(|n| n.parse::<u64>().ok());
        if count.is_some_and(|n| n > 100) {
            break text;
        }
        assert!(tokio::time::Instant::now() < deadline, "no kraken latency observations within 30 s:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(text.contains("# TYPE tickframe_exchange_latency_seconds histogram"));
    let buckets: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with("tickframe_exchange_latency_seconds_bucket{venue=\"kraken\",le="))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), tickframe_server::metrics::EXCHANGE_LATENCY_BUCKETS_SECONDS.len() + 1);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "cumulative: {buckets:?}");
    assert!(text.contains("tickframe_exchange_latency_seconds_sum{venue=\"kraken\"} "));
    assert!(text.contains("tickframe_exchange_time_ahead_total "), "clocks ahead are counted apart");
}
