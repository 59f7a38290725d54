//! Exchange sources end to end through the real binary, on 127.0.0.1 only: a capture replayed into
//! several symbols (`/ws?symbol=`, `/symbols`), and a live venue against the scripted exchange
//! (`support/scripted_exchange.rs`), which drops the connection: the source reconnects and resyncs, and
//! clients see the book marked resyncing in between, never a stale one shown as live; a print it
//! sends beside the book is counted, recorded by `--capture-out` and read back by `check-capture`.

use std::time::Duration;

use futures_util::StreamExt;
use tickframe_schema::{decode_frame, BookStatus};
use tickframe_server::exchange::capture::{CaptureEvent, CaptureWriter};
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::cluster::{eventually, metric};
use support::scripted_exchange::{fault_gate, scripted_exchange_with_inbox, Beat, Conn};
use support::{http_get, kraken_v2, start};

/// Frames for `symbol` until `pred` holds (or panic after `secs`).
async fn wait_for(addr: &str, symbol: &str, secs: u64, mut pred: impl FnMut(BookStatus, f64) -> bool) {
    let url = format!("ws://{addr}/ws?symbol={}", symbol.replace('/', "%2F"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.expect("condition reached in time").expect("open").expect("ok");
        if let Message::Binary(b) = msg {
            let f = decode_frame(&b).expect("valid frame");
            assert_eq!(f.symbol(), Some(symbol));
            if pred(f.status(), f.best_bid()) {
                return;
            }
        }
    }
}

/// A Kraken capture file in a temp folder: a header naming `symbols`, then `recvs` as (time, message).
fn kraken_capture(tag: &str, symbols: &[&str], recvs: &[(f64, String)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tf-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kraken.jsonl");
    let mut w = CaptureWriter::new(std::fs::File::create(&path).unwrap());
    w.write(&CaptureEvent::Header { format: 2, exchange: "KRAKEN".into(), config: serde_json::json!({ "l2_book": symbols }) }).unwrap();
    for (ts, data) in recvs {
        w.write(&CaptureEvent::Recv { conn: "ws.1".into(), ts: *ts, data: data.as_str().into() }).unwrap();
    }
    path
}

#[tokio::test]
async fn a_capture_replays_into_several_symbols_picked_by_query() {
    let eth = ([("2000.5", "1.0")], [("2001.0", "2.0")]);
    // Kraken prints every price and size of a pair with the same decimals (the checksum relies on it).
    let btc = ([("50000.0", "0.50")], [("50001.5", "0.25")]);
    let recvs: Vec<(f64, String)> = [("ETH/USD", eth), ("BTC/USD", btc)]
        .iter()
        .enumerate()
        .map(|(i, (sym, (b, a)))| (1.0 + i as f64, kraken_v2("snapshot", sym, b, a, (b, a))))
        .collect();
    let path = kraken_capture("capture", &["ETH/USD", "BTC/USD"], &recvs);
    let server = start(&["--source", &format!("capture:{}", path.display()), "--speed", "max"]);
    let symbols: Vec<String> = serde_json::from_str(&http_get(&server.1, "/symbols").await.unwrap().1).unwrap();
    assert_eq!(symbols, vec!["ETH/USD", "BTC/USD"]);
    wait_for(&server.1, "ETH/USD", 10, |s, bid| s == BookStatus::Live && bid == 2000.5).await;
    wait_for(&server.1, "BTC/USD", 10, |s, bid| s == BookStatus::Live && bid == 50000.0).await;
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/ws?symbol=NOPE", server.1)).await;
    assert!(refused.is_err(), "unknown symbol is refused");
}

#[tokio::test]
async fn a_capture_timestamp_out_of_range_is_skipped_not_a_panic() {
    let eth = ([("2000.5", "1.0")], [("2001.0", "2.0")]);
    let btc = ([("50000.0", "0.50")], [("50001.5", "0.25")]);
    // ETH's snapshot claims a receive time of 1e300 s: waiting for it would panic Duration (or take forever).
    let mut recvs = Vec::new();
    for (ts, (sym, (b, a))) in [(1e300, ("ETH/USD", eth)), (1.5, ("BTC/USD", btc))] {
        recvs.push((1.0, "{}".to_string()));
        recvs.push((ts, kraken_v2("snapshot", sym, &b, &a, (&b, &a))));
    }
    let path = kraken_capture("capture-ts", &["ETH/USD", "BTC/USD"], &recvs);
    let server = start(&["--source", &format!("capture:{}", path.display()), "--speed", "1"]);
    // The replay goes on past the broken line: BTC's snapshot is served, the task did not die.
    wait_for(&server.1, "BTC/USD", 10, |s, bid| s == BookStatus::Live && bid == 50000.0).await;
    let (status, body) = http_get(&server.1, "/healthz").await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok\n"));
}

#[tokio::test]
async fn a_recording_header_names_the_recorded_market_not_the_simulator() {
    let eth = ([("2000.5", "1.0")], [("2001.0", "2.0")]);
    let path = kraken_capture("capture-rec", &["ETH/USD"], &[(1.0, kraken_v2("snapshot", "ETH/USD", &eth.0, &eth.1, (&eth.0, &eth.1)))]);
    let rec = path.with_file_name("eth.tfrec");
    let source = format!("capture:{}", path.display());
    let server = start(&["--source", &source, "--speed", "max", "--record", rec.to_str().unwrap()]);
    wait_for(&server.1, "ETH/USD", 10, |s, bid| s == BookStatus::Live && bid == 2000.5).await;
    // Until the recorder has written a whole frame (a reader keeps every whole record of a file cut short).
    let recorded = |path: &std::path::Path| {
        std::fs::read(path).ok().filter(|b| tickframe_server::recording::read_recording(b).is_ok_and(|r| !r.records.is_empty()))
    };
    eventually(Duration::from_secs(10), "a frame recorded", || async { recorded(&rec).is_some() }).await;
    drop(server);
    let bytes = std::fs::read(&rec).unwrap();
    let recording = tickframe_server::recording::read_recording(&bytes).unwrap();
    let h = &recording.header;
    assert_eq!(h.symbol, "ETH/USD");
    assert_eq!(h.tick_size, 0.1, "the exchange's tick, not the simulator's 0.01");
    assert_eq!(h.source.as_deref(), Some(source.as_str()));
    let first = decode_frame(recording.records[0].frame).unwrap();
    assert_eq!((first.symbol(), first.tick_size(), first.lot_size()), (Some("ETH/USD"), h.tick_size, h.lot_size));
}

/// A capture holding Bybit spot and linear `BTCUSDT` on their two connections (the same topic names,
/// interleaved in time) is two markets in every path: `--source capture:` serves both live, and
/// `check-capture` applies both with no gap.
#[tokio::test]
async fn bybit_spot_and_linear_of_one_symbol_are_two_markets_in_every_path() {
    let dir = std::env::temp_dir().join(format!("tf-bybit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bybit.jsonl");
    let ob = |kind: &str, u: u64, b: &str, a: &str| {
        format!(r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1,"data":{{"s":"BTCUSDT","b":{b},"a":{a},"u":{u},"seq":9}},"cts":1}}"#)
    };
    {
        let mut w = CaptureWriter::new(std::fs::File::create(&path).unwrap());
        let config = serde_json::json!({ "l2_book": ["BTC-USDT", "BTC-USDT-PERP"] });
        w.write(&CaptureEvent::Header { format: 2, exchange: "BYBIT".into(), config }).unwrap();
        for (conn, addr) in [("ws.1", "wss://stream.bybit.com/v5/public/spot"), ("ws.2", "wss://stream.bybit.com/v5/public/linear")] {
            w.write(&CaptureEvent::Connect { conn: conn.into(), ts: 1.0, addr: addr.into() }).unwrap();
        }
        for (ts, conn, data) in [
            (1.1, "ws.1", ob("snapshot", 10, r#"[["100.5","1"]]"#, r#"[["100.6","1"]]"#)),
            (1.2, "ws.2", ob("snapshot", 500, r#"[["100.7","4"]]"#, r#"[["100.8","2"]]"#)),
            (1.3, "ws.1", ob("delta", 11, r#"[["100.55","3"]]"#, "[]")),
            (1.4, "ws.2", ob("delta", 501, r#"[["100.75","1"]]"#, "[]")),
        ] {
            w.write(&CaptureEvent::Recv { conn: conn.into(), ts, data: data.as_str().into() }).unwrap();
        }
    }
    let server = start(&["--source", &format!("capture:{}", path.display()), "--speed", "max"]);
    let symbols: Vec<String> = serde_json::from_str(&http_get(&server.1, "/symbols").await.unwrap().1).unwrap();
    assert_eq!(symbols, vec!["BTC-USDT", "BTC-USDT-PERP"]);
    wait_for(&server.1, "BTC-USDT", 10, |s, bid| s == BookStatus::Live && bid == 100.55).await;
    wait_for(&server.1, "BTC-USDT-PERP", 10, |s, bid| s == BookStatus::Live && bid == 100.75).await;
    assert_eq!(metric(&server.1, "source_gaps_total").await, Some(0), "neither stream's u was broken by the other's");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
        .args(["check-capture", "--exchange", "bybit"])
        .arg(&path)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &summary["summary"];
    assert_eq!(
        (s["book_updates"].as_u64(), s["snapshots"].as_u64(), s["gaps"].as_u64(), s["resyncs"].as_u64()),
        (Some(4), Some(2), Some(0), Some(0)),
        "{summary}"
    );
}

#[test]
fn a_replay_speed_out_of_range_is_a_clear_error_at_start() {
    for bad in ["1e-300", "0", "-1", "1e300", "NaN"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
            .args(["--listen", "127.0.0.1:0", "--source", "capture:/nonexistent", &format!("--speed={bad}")])
            .output()
            .unwrap();
        assert!(!out.status.success(), "--speed {bad} accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--speed takes a number"), "--speed {bad}");
    }
}

/// One Kraken v2 print (a taker buy), as the live test's exchange sends it beside the book.
const KRAKEN_PRINT: &str = r#"{"channel":"trade","type":"update","data":[{"symbol":"ETH/USD","side":"buy","price":100.75,"qty":0.5,"ord_type":"market","trade_id":77,"timestamp":"2023-09-25T07:49:37.7085Z"}]}"#;

#[tokio::test]
async fn a_live_source_reconnects_and_resyncs_after_the_exchange_drops_it() {
    // The exchange: the first connection sends a book and an update, and drops (no close frame)
    // when the test opens the gate; the second answers the resubscription a little later, as a real
    // exchange does (otherwise a fast reconnect can rebuild the book within one tick and no
    // resyncing frame is ever sent for the test to see — correct, but nothing to assert on).
    let dir = std::env::temp_dir().join(format!("tf-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (b1, a1) = ([("100.50", "1.0")], [("101.00", "1.0")]);
    let after = [("100.75", "2.0"), ("100.50", "1.0")];
    let first = Conn {
        after_go: Beat::Drop,
        ..Conn::new(
            2, // book and trade
            vec![
                kraken_v2("snapshot", "ETH/USD", &b1, &a1, (&b1, &a1)),
                KRAKEN_PRINT.to_string(),
                kraken_v2("update", "ETH/USD", &[("100.75", "2.0")], &[], (&after, &a1)),
            ],
        )
    };
    let fresh = ([("99.50", "3.0")], [("99.75", "1.0")]);
    let second = Conn { start_after_ms: 500, ..Conn::new(2, vec![kraken_v2("snapshot", "ETH/USD", &fresh.0, &fresh.1, (&fresh.0, &fresh.1))]) };
    let (gate, go) = fault_gate();
    let (exchange_url, mut subs_rx) = scripted_exchange_with_inbox(vec![first, second], go).await;
    let capture_out = dir.join("recorded.jsonl");
    let server = start(&[
        "--source",
        "kraken:ETH/USD",
        "--exchange-ws-url",
        &exchange_url,
        "--max-backoff-ms",
        "300",
        "--capture-out",
        capture_out.to_str().unwrap(),
    ]);
    // First connection: live, with the update applied.
    wait_for(&server.1, "ETH/USD", 10, |s, bid| s == BookStatus::Live && bid == 100.75).await;
    let sub = subs_rx.recv().await.unwrap();
    assert!(sub.contains(r#""channel":"book""#) && sub.contains("ETH/USD"), "{sub}");
    let trades = subs_rx.recv().await.unwrap();
    assert!(trades.contains(r#""channel":"trade""#) && trades.contains("ETH/USD"), "{trades}");
    // Then the drop: the book is marked resyncing, and after the reconnect it is live again with the
    // new connection's snapshot (never the old book shown as live).
    let mut saw_resync = false;
    wait_for(&server.1, "ETH/USD", 15, |s, bid| {
        let _ = gate.send(true); // this client is watching: now the exchange drops the connection
        saw_resync |= s == BookStatus::Resyncing;
        if s == BookStatus::Live && saw_resync {
            assert_eq!(bid, 99.5, "live again only with the fresh snapshot");
            return true;
        }
        false
    })
    .await;
    // And both again on the new connection.
    for _ in 0..2 {
        let sub = tokio::time::timeout(Duration::from_secs(5), subs_rx.recv()).await.expect("subscribed in time").expect("inbox open");
        assert!(sub.contains("subscribe") && sub.contains("ETH/USD"), "{sub}");
    }
    assert!(metric(&server.1, "source_reconnects_total").await >= Some(1), "a reconnect counted");
    assert_eq!(metric(&server.1, "source_trades_total").await, Some(1), "the print counted");

    // --capture-out recorded both connections in the capture format; check-capture replays it
    // through the same adapter: three book updates, every checksum good.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
        .args(["check-capture", "--exchange", "kraken", "--emit-trades"])
        .arg(&capture_out)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The print, recorded by --capture-out and read back exactly: the taker's side, the exchange's time.
    assert_eq!(
        lines[0]["trade"],
        serde_json::json!({"symbol": "ETH/USD", "trade_id": "77", "price": "100.75", "size": "0.5", "side": "buy", "time_ms": 1_695_628_177_708.5})
    );
    let summary = lines.last().unwrap();
    let s = &summary["summary"];
    assert_eq!(
        (s["book_updates"].as_u64(), s["checksum_ok"].as_u64(), s["checksum_failed"].as_u64(), s["errors"].as_u64(), s["trades"].as_u64()),
        (Some(3), Some(3), Some(0), Some(0), Some(1)),
        "{summary}"
    );
    let text = std::fs::read_to_string(&capture_out).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(r#""t":"connect""#)).count(), 2, "both connections recorded");
    assert!(text.lines().next().unwrap().contains(r#""t":"header""#));
}

/// A recording that cannot be written (a full disk: /dev/full) stops, is counted in /metrics, and
/// the server goes on serving.
#[tokio::test]
async fn a_failed_recording_is_counted_and_the_server_goes_on() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    let server = start(&["--record", "/dev/full", "--tick-hz", "50"]);
    eventually(Duration::from_secs(15), "a record failure counted", || async { metric(&server.1, "record_failures_total").await >= Some(1) }).await;
    wait_for(&server.1, "SIM-USD", 10, |s, _| s == BookStatus::Live).await;
}
