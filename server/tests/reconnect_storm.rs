//! A reconnect storm is not an attack: 5,000 WebSocket clients connecting at once (after a deploy, a
//! failover, a network blip) all get in, while 500 slowloris connections are held open a byte at a
//! time — the pending-connection cap (512) closes stalled connections for new ones, never the
//! handshakes still completing. The real binary, on 127.0.0.1, port 0.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::{http_get, start};

const CLIENTS: usize = 5_000;
const SLOWLORIS: usize = 500;
/// Every client upgraded within this of the storm's start: the time a person reloading after a
/// deploy would still call "it came back" (the kernel's SYN retries are 1, 3, 7 s after the first).
const BOUND: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_clients_connecting_at_once_all_get_in_while_slowloris_is_held() {
    // One address for all (a test has one), so the per-address limit is off; ticks slow, since
    // 5,000 clients on two cores shared with this test are the point, not the frame rate.
    let server = start(&["--max-clients-per-ip", "0", "--tick-hz", "20", "--handshake-timeout-ms", "10000"]);
    let addr = server.1.clone();

    // 500 slowloris: a request line, then one header byte every 500 ms, for as long as the server lets them.
    let closed_slow = Arc::new(AtomicUsize::new(0));
    let mut slow = Vec::new();
    for _ in 0..SLOWLORIS {
        let (addr, closed) = (addr.clone(), closed_slow.clone());
        slow.push(tokio::spawn(async move {
            let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await else { return };
            if s.write_all(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.is_err() {
                closed.fetch_add(1, Ordering::Relaxed);
                return;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if s.write_all(b"X").await.is_err() {
                    closed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await; // they are in, and stalled

    // The storm: every client at once; each must upgrade and get its first frame.
    let start_at = Instant::now();
    let url = format!("ws://{addr}/ws");
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let url = url.clone();
        clients.push(tokio::spawn(async move {
            let (mut ws, _) = tokio::time::timeout(BOUND, tokio_tungstenite::connect_async(&url))
                .await
                .map_err(|_| "not upgraded within the bound".to_string())?
                .map_err(|e| format!("refused: {e}"))?;
            let upgraded = start_at.elapsed();
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Binary(_)))) => Ok((upgraded, ws)),
                other => Err(format!("no first frame: {other:?}")),
            }
        }));
    }
    let mut upgraded = Vec::with_capacity(CLIENTS);
    let mut failures = Vec::new();
    let mut held = Vec::with_capacity(CLIENTS);
    for c in clients {
        match c.await.expect("client task") {
            Ok((t, ws)) => {
                upgraded.push(t);
                held.push(ws); // keep them connected until all are counted
            }
            Err(e) => failures.push(e),
        }
    }
    upgraded.sort();
    let slowest = upgraded.last().copied().unwrap_or_default();
    let p50 = upgraded.get(upgraded.len() / 2).copied().unwrap_or_default();
    eprintln!(
        "{} of {CLIENTS} upgraded; p50 {p50:?}, slowest {slowest:?}; slowloris closed so far: {}",
        upgraded.len(),
        closed_slow.load(Ordering::Relaxed)
    );
    assert!(failures.is_empty(), "{} of {CLIENTS} clients failed, e.g. {:?}", failures.len(), failures.first());
    assert!(slowest <= BOUND);

    // The server says what it did: it waited for handshakes instead of closing them, and closed stalled ones.
    let (_, metrics) = http_get(&addr, "/metrics").await.expect("metrics");
    let value =
        |name: &str| metrics.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok());
    eprintln!("accepts deferred {:?}, evicted {:?}", value("tickframe_accepts_deferred_total"), value("tickframe_connections_evicted_total"));
    drop(held);
    // Slowloris stays bounded: every one of them is closed (made room for, or at the handshake deadline).
    let deadline = Instant::now() + Duration::from_secs(20);
    while closed_slow.load(Ordering::Relaxed) < SLOWLORIS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(closed_slow.load(Ordering::Relaxed), SLOWLORIS, "every slowloris connection was closed by the server");
    slow.into_iter().for_each(|t| t.abort());
    drop(server);
}
