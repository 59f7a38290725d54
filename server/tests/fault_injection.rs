//! Faults a live exchange really produces, scripted by an in-test exchange on 127.0.0.1: what a
//! client of tickframe-server sees must never be a wrong or frozen book labelled live. Each test
//! asserts the status sequence a client receives (live → stale/resyncing → live) and that the book
//! after recovery is the exchange's new book exactly.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tickframe_schema::{decode_frame, BookStatus};
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::{kraken_v2, start, Levels, Server};

/// What a connection sends every 200 ms (before the test opens the fault gate, and after).
#[derive(Clone)]
enum Beat {
    /// Nothing at all: the socket stays open, silent.
    Nothing,
    /// WebSocket pings only (and Kraken's `ping` answered with `pong`): alive, but no market data.
    Pings,
    /// This text: a venue's data heartbeat (a quiet market, not a dead one).
    Text(String),
}

/// The fault starts when the test says so (`go`), once its client has seen the live book: until
/// then every connection sends its `before_go` beat (data heartbeats), so a slow machine cannot make
/// the test miss a phase.
type Go = tokio::sync::watch::Receiver<bool>;

fn fault_gate() -> (tokio::sync::watch::Sender<bool>, Go) {
    tokio::sync::watch::channel(false)
}

const KRAKEN_HEARTBEAT: &str = r#"{"channel":"heartbeat"}"#;

/// A Kraken connection: one subscription, `snapshot`, heartbeats until the gate opens, then `after_go`.
/// A reconnect is answered a little later, as a real exchange does: otherwise the whole
/// stale → resync → live round can fit in one tick and no client sees it.
fn kraken_conn(snapshot: String, after_go: Beat, reconnect: bool) -> Conn {
    Conn {
        wait_for_subscription: 1,
        script: vec![snapshot],
        on_resubscribe: vec![],
        start_after_ms: if reconnect { 500 } else { 0 },
        before_go: Beat::Text(KRAKEN_HEARTBEAT.into()),
        after_go,
    }
}

/// Statuses (deduplicated in order) a client sees for `symbol` until `done` holds; the last frame's best bid.
async fn watch(addr: &str, symbol: &str, secs: u64, mut done: impl FnMut(&[BookStatus], f64) -> bool) -> (Vec<BookStatus>, f64) {
    let url = format!("ws://{addr}/ws?symbol={}", symbol.replace('/', "%2F"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut seen: Vec<BookStatus> = Vec::new();
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.unwrap_or_else(|_| panic!("timed out; statuses seen: {seen:?}"));
        let b = match msg {
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(_)) => continue,
            other => panic!("the server closed this client ({other:?}); statuses seen: {seen:?}"),
        };
        {
            let f = decode_frame(&b).expect("valid frame");
            if seen.last() != Some(&f.status()) {
                seen.push(f.status());
            }
            if done(&seen, f.best_bid()) {
                return (seen, f.best_bid());
            }
        }
    }
}

fn snapshot(bid: &'static str, ask: &'static str) -> String {
    let (b, a): (Levels, Levels) = (&[(bid, "1.0")], &[(ask, "2.0")]);
    kraken_v2("snapshot", "ETH/USD", b, a, (b, a))
}

/// Live on the first connection's book; then the fault; then live again only on the second
/// connection's book (99.5), having passed through a not-live status.
async fn goes_stale_then_recovers_exactly(first: Beat) {
    let (go, gate) = fault_gate();
    let heartbeats = Beat::Text(KRAKEN_HEARTBEAT.into());
    let ws = scripted_exchange(
        vec![kraken_conn(snapshot("100.5", "101.0"), first, false), kraken_conn(snapshot("99.50", "99.75"), heartbeats, true)],
        gate,
    )
    .await;
    let server = start(&["--source", "kraken:ETH/USD", "--exchange-ws-url", &ws, "--data-deadline-ms", "1000", "--max-backoff-ms", "200"]);
    let seen = live_then_not_live_then_exact(&server, "ETH/USD", 100.5, 99.5, &go).await;
    assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Stale, BookStatus::Live]), "the silent book stays stale until it is live again: {seen:?}");
}

#[tokio::test]
async fn kraken_silence_is_stale_within_the_data_deadline_then_resynced() {
    goes_stale_then_recovers_exactly(Beat::Nothing).await;
}

#[tokio::test]
async fn kraken_answering_only_pings_is_stale_not_live() {
    goes_stale_then_recovers_exactly(Beat::Pings).await;
}

#[tokio::test]
async fn kraken_heartbeats_keep_a_quiet_book_live() {
    let (_go, gate) = fault_gate();
    let ws = scripted_exchange(vec![kraken_conn(snapshot("100.5", "101.0"), Beat::Text(KRAKEN_HEARTBEAT.into()), false)], gate).await;
    let server = start(&["--source", "kraken:ETH/USD", "--exchange-ws-url", &ws, "--data-deadline-ms", "1000"]);
    watch(&server.1, "ETH/USD", 10, |s, bid| s.last() == Some(&BookStatus::Live) && bid == 100.5).await;
    // Three deadlines of a quiet market: heartbeats only, and the book stays live throughout.
    let quiet = tokio::time::sleep(Duration::from_secs(3));
    tokio::pin!(quiet);
    let url = format!("ws://{}/ws?symbol=ETH%2FUSD", server.1);
    let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    loop {
        tokio::select! {
            _ = &mut quiet => break,
            msg = client.next() => if let Some(Ok(Message::Binary(b))) = msg {
                assert_eq!(decode_frame(&b).unwrap().status(), BookStatus::Live, "a quiet book with heartbeats is live");
            },
        }
    }
}

// ── Every venue: a scripted exchange (WebSocket + REST) per scenario ──────────────────────────

/// One connection of a scripted exchange: what it sends (after the subscription, if the venue
/// subscribes by message), what it answers a resubscription with, and what it does afterwards.
struct Conn {
    /// Subscription messages the venue sends on connect, to wait for (Coinbase sends two).
    wait_for_subscription: usize,
    script: Vec<String>,
    /// Sent (once, 500 ms later, as a real exchange takes a moment) when a `"subscribe"` arrives
    /// after the initial ones: the answer to a resubscription.
    on_resubscribe: Vec<String>,
    /// Wait this long before the script (so a test's client is already watching, or a reconnect
    /// is answered a little later).
    start_after_ms: u64,
    /// Sent every 200 ms once the script is out: until the test opens the fault gate, and after.
    before_go: Beat,
    after_go: Beat,
}

async fn scripted_exchange(conns: Vec<Conn>, go: Go) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for conn in conns {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let go = go.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
                for _ in 0..conn.wait_for_subscription {
                    let _ = ws.next().await;
                }
                tokio::time::sleep(Duration::from_millis(conn.start_after_ms)).await;
                for m in &conn.script {
                    if ws.send(Message::text(m.clone())).await.is_err() {
                        return;
                    }
                }
                let mut every = tokio::time::interval(Duration::from_millis(200));
                let mut answered = false;
                loop {
                    tokio::select! {
                        _ = every.tick() => {
                            let sent = match if *go.borrow() { &conn.after_go } else { &conn.before_go } {
                                Beat::Nothing => Ok(()),
                                Beat::Pings => ws.send(Message::Ping(Default::default())).await,
                                Beat::Text(t) => ws.send(Message::text(t.clone())).await,
                            };
                            if sent.is_err() { return; }
                        },
                        msg = ws.next() => match msg {
                            Some(Ok(Message::Text(t))) if t.contains(r#""method":"ping""#) && matches!(conn.after_go, Beat::Pings) => {
                                let _ = ws.send(Message::text(r#"{"method":"pong"}"#)).await;
                            }
                            Some(Ok(Message::Text(t))) if t.contains(r#""subscribe""#) && !answered => {
                                answered = true;
                                tokio::time::sleep(Duration::from_millis(500)).await;
                                for m in &conn.on_resubscribe {
                                    if ws.send(Message::text(m.clone())).await.is_err() { return; }
                                }
                            }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                    }
                }
            });
        }
    });
    format!("ws://{addr}")
}

/// What a scripted REST endpoint answers, request by request (the last one repeats).
#[derive(Clone)]
enum Rest {
    Status(u16),
    Body(&'static str),
}

async fn scripted_rest(replies: Vec<Rest>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else { return };
            let reply = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            let mut buf = vec![0u8; 8192];
            let _ = tcp.read(&mut buf).await;
            let (status, body) = match reply {
                Rest::Status(code) => (code, "error"),
                Rest::Body(b) => (200, b),
            };
            let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = tcp.write_all(resp.as_bytes()).await;
        }
    });
    format!("http://{addr}")
}

/// One client watching throughout: live with `first_bid`, then a not-live status (never live in
/// between), then live again with exactly `recovered_bid`. The statuses seen, deduplicated.
async fn live_then_not_live_then_exact(
    server: &Server,
    symbol: &str,
    first_bid: f64,
    recovered_bid: f64,
    go: &tokio::sync::watch::Sender<bool>,
) -> Vec<BookStatus> {
    let (mut was_live, mut went_down, mut live_in_between) = (false, false, false);
    let (seen, bid) = watch(&server.1, symbol, 20, |s, bid| {
        let live = s.last() == Some(&BookStatus::Live);
        was_live |= live && bid == first_bid;
        if was_live {
            let _ = go.send(true); // this client saw the live book: now the fault
        }
        went_down |= was_live && !live;
        live_in_between |= went_down && live && bid != recovered_bid;
        went_down && live && bid == recovered_bid
    })
    .await;
    assert!(was_live && went_down, "{seen:?}");
    assert!(!live_in_between, "nothing but the recovered book is live after the fault: {seen:?}");
    assert_eq!(bid, recovered_bid);
    seen
}

/// Watched from before the exchange speaks: live on the first book, then the gap, which must never
/// be served as live (`post_gap_bid`), then live again with exactly `recovered_bid`.
async fn a_gap_is_never_served_live(server: &Server, symbol: &str, post_gap_bid: f64, recovered_bid: f64) {
    let (mut live_before, mut served_post_gap, mut not_live_after_live) = (false, false, false);
    let (seen, bid) = watch(&server.1, symbol, 15, |s, bid| {
        let live = s.last() == Some(&BookStatus::Live);
        served_post_gap |= live && bid == post_gap_bid;
        not_live_after_live |= live_before && !live;
        live_before |= live && bid != recovered_bid;
        live && bid == recovered_bid && live_before
    })
    .await;
    assert!(!served_post_gap, "the book after the gap was served as live: {seen:?}");
    assert!(not_live_after_live, "the gap was served as not live: {seen:?}");
    assert_eq!(bid, recovered_bid, "the resubscription's snapshot, exactly");
}

mod coinbase {
    use super::*;

    fn msg(seq: u64, kind: &str, updates: &[(&str, &str, &str)]) -> String {
        let ups: Vec<String> =
            updates.iter().map(|(side, p, q)| format!(r#"{{"side":"{side}","price_level":"{p}","new_quantity":"{q}"}}"#)).collect();
        format!(r#"{{"channel":"l2_data","sequence_num":{seq},"events":[{{"type":"{kind}","product_id":"BTC-USD","updates":[{}]}}]}}"#, ups.join(","))
    }

    #[tokio::test]
    async fn a_sequence_gap_resyncs_by_resubscribing_and_the_new_snapshot_is_exact() {
        let ws = scripted_exchange(
            vec![Conn {
                wait_for_subscription: 2,
                script: vec![
                    msg(0, "snapshot", &[("bid", "100.00", "1"), ("offer", "100.50", "1")]),
                    msg(1, "update", &[("bid", "100.10", "2")]),
                    msg(3, "update", &[("bid", "100.20", "2")]), // seq 2 lost
                ],
                on_resubscribe: vec![msg(4, "snapshot", &[("bid", "99.00", "3"), ("offer", "99.50", "1")])],
                start_after_ms: 1500,
                before_go: Beat::Nothing,
                after_go: Beat::Nothing,
            }],
            fault_gate().1,
        )
        .await;
        let server = start(&["--source", "coinbase:BTC-USD", "--exchange-ws-url", &ws]);
        a_gap_is_never_served_live(&server, "BTC-USD", 100.2, 99.0).await;
    }

    #[tokio::test]
    async fn silence_after_heartbeats_stop_is_stale_then_a_new_connection_resyncs() {
        let heartbeat = r#"{"channel":"heartbeats","events":[{"heartbeat_counter":1}]}"#.to_string();
        let (go, gate) = fault_gate();
        let ws = scripted_exchange(
            vec![
                Conn {
                    wait_for_subscription: 1,
                    script: vec![msg(0, "snapshot", &[("bid", "100.00", "1"), ("offer", "100.50", "1")])],
                    on_resubscribe: vec![],
                    start_after_ms: 0,
                    before_go: Beat::Text(heartbeat.clone()),
                    after_go: Beat::Nothing, // after the gate: silent, no heartbeat, no data
                },
                Conn {
                    wait_for_subscription: 1,
                    script: vec![msg(0, "snapshot", &[("bid", "98.00", "1"), ("offer", "98.50", "1")])],
                    on_resubscribe: vec![],
                    start_after_ms: 500, // a reconnect is answered a little later (see `kraken_conn`)
                    before_go: Beat::Text(heartbeat.clone()),
                    after_go: Beat::Text(heartbeat),
                },
            ],
            gate,
        )
        .await;
        let server = start(&["--source", "coinbase:BTC-USD", "--exchange-ws-url", &ws, "--data-deadline-ms", "1000", "--max-backoff-ms", "200"]);
        let seen = live_then_not_live_then_exact(&server, "BTC-USD", 100.0, 98.0, &go).await;
        assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Stale, BookStatus::Live]), "stale until live again: {seen:?}");
    }
}

mod binance {
    use super::*;

    fn diff(first: u64, last: u64, bid: &str) -> String {
        format!(
            r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{first},"u":{last},"b":[["{bid}","1"]],"a":[]}}}}"#
        )
    }
    const SNAPSHOT: &str = r#"{"lastUpdateId":100,"bids":[["100.00","1.0"]],"asks":[["100.50","1.5"]]}"#;

    async fn server_with(rest: Vec<Rest>, diffs: Vec<String>) -> Server {
        let ws = scripted_exchange(
            vec![Conn {
                wait_for_subscription: 0,
                script: diffs,
                on_resubscribe: vec![],
                start_after_ms: 0,
                before_go: Beat::Nothing,
                after_go: Beat::Nothing,
            }],
            fault_gate().1,
        )
        .await;
        let rest = scripted_rest(rest).await;
        start(&["--source", "binance:BTCUSDT", "--exchange-ws-url", &ws, "--exchange-rest-url", &rest, "--data-deadline-ms", "60000"])
    }

    #[tokio::test]
    async fn a_rest_500_is_retried_and_the_book_goes_live_exactly() {
        let server = server_with(vec![Rest::Status(500), Rest::Body(SNAPSHOT)], vec![diff(101, 101, "100.10")]).await;
        let (_, bid) = watch(&server.1, "BTCUSDT", 10, |s, bid| s.last() == Some(&BookStatus::Live) && bid == 100.1).await;
        assert_eq!(bid, 100.1, "the snapshot plus the buffered diff");
    }

    #[tokio::test]
    async fn an_empty_snapshot_is_never_live_and_is_asked_for_again() {
        let empty = r#"{"lastUpdateId":100,"bids":[],"asks":[]}"#;
        let server = server_with(vec![Rest::Body(empty), Rest::Body(SNAPSHOT)], vec![diff(101, 101, "100.10")]).await;
        let (seen, bid) = watch(&server.1, "BTCUSDT", 10, |s, bid| s.last() == Some(&BookStatus::Live) && bid == 100.1).await;
        assert_eq!(bid, 100.1);
        assert!(!seen[..seen.len() - 1].contains(&BookStatus::Live), "the empty book was never live: {seen:?}");
    }
}

mod bybit {
    use super::*;

    fn msg(kind: &str, u: u64, bid: &str) -> String {
        format!(
            r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1,"data":{{"s":"BTCUSDT","b":[["{bid}","1"]],"a":[["101.00","1"]],"u":{u},"seq":{u}}}}}"#
        )
    }

    #[tokio::test]
    async fn an_update_id_gap_resubscribes_and_the_new_snapshot_is_exact() {
        let ws = scripted_exchange(
            vec![Conn {
                wait_for_subscription: 1,
                script: vec![msg("snapshot", 10, "100.00"), msg("delta", 11, "100.10"), msg("delta", 13, "100.20")],
                on_resubscribe: vec![msg("snapshot", 20, "99.00")],
                start_after_ms: 1500,
                before_go: Beat::Nothing,
                after_go: Beat::Nothing,
            }],
            fault_gate().1,
        )
        .await;
        let server = start(&["--source", "bybit:BTCUSDT", "--exchange-ws-url", &ws, "--data-deadline-ms", "60000"]);
        a_gap_is_never_served_live(&server, "BTCUSDT", 100.2, 99.0).await;
    }
}

mod okx {
    use super::*;

    fn msg(action: &str, seq: i64, prev: i64, bid: &str) -> String {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[["101.0","1","0","1"]],"bids":[["{bid}","1","0","1"]],"ts":"1","checksum":0,"seqId":{seq},"prevSeqId":{prev}}}]}}"#
        )
    }

    #[tokio::test]
    async fn a_broken_seq_chain_resubscribes_and_the_new_snapshot_is_exact() {
        let ws = scripted_exchange(
            vec![Conn {
                wait_for_subscription: 1,
                script: vec![msg("snapshot", 10, -1, "100.0"), msg("update", 11, 10, "100.1"), msg("update", 13, 12, "100.2")],
                on_resubscribe: vec![msg("snapshot", 20, -1, "99.0")],
                start_after_ms: 1500,
                before_go: Beat::Nothing,
                after_go: Beat::Nothing,
            }],
            fault_gate().1,
        )
        .await;
        let server = start(&["--source", "okx:BTC-USDT", "--exchange-ws-url", &ws, "--data-deadline-ms", "60000"]);
        a_gap_is_never_served_live(&server, "BTC-USDT", 100.2, 99.0).await;
    }
}
