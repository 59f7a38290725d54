//! Faults a live exchange really produces, scripted by an in-test exchange on 127.0.0.1: what a
//! client of tickframe-server sees must never be a wrong or frozen book labelled live. Each test
//! asserts the status sequence a client receives (live → stale/resyncing → live) and that the book
//! after recovery is the exchange's new book exactly.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tickframe_schema::{decode_frame, BookStatus};
use tokio_tungstenite::tungstenite::Message;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("TF_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split(' ').next()).expect("address printed").to_string();
    Server(child, addr)
}

type Levels<'a> = &'a [(&'a str, &'a str)];

/// A Kraken v2 book message with the checksum of the book after it (top 10 a side).
fn kraken(kind: &str, symbol: &str, bids: Levels, asks: Levels, book_after: (Levels, Levels)) -> String {
    let strip = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
    let (ab, aa) = book_after;
    let text: String = aa.iter().take(10).chain(ab.iter().take(10)).map(|(p, q)| strip(p) + &strip(q)).collect();
    let levels = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"{{"price":{p},"qty":{q}}}"#)).collect::<Vec<_>>().join(",");
    format!(
        r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"{symbol}","bids":[{}],"asks":[{}],"checksum":{},"timestamp":"t"}}]}}"#,
        levels(bids),
        levels(asks),
        crc32fast::hash(text.as_bytes())
    )
}

/// What the exchange does on a connection once it has the subscription and sent the snapshot.
#[derive(Clone, Copy)]
enum After {
    /// Nothing at all: the socket stays open, silent.
    Silence,
    /// Answers nothing but WebSocket pings every 200 ms and Kraken's `ping` with `pong`.
    PingsOnly,
    /// Kraken's data heartbeat every 200 ms: a quiet market, not a dead one.
    Heartbeats,
}

/// An exchange whose N-th connection sends `snapshots[N]` and then behaves as `after[N]`.
async fn exchange(snapshots: Vec<String>, after: Vec<After>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for (snapshot, after) in snapshots.into_iter().zip(after) {
            let Ok((tcp, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
                let _subscription = ws.next().await;
                if ws.send(Message::text(snapshot)).await.is_err() {
                    return;
                }
                let mut every = tokio::time::interval(Duration::from_millis(200));
                loop {
                    tokio::select! {
                        _ = every.tick() => {
                            let sent = match after {
                                After::Silence => Ok(()),
                                After::PingsOnly => ws.send(Message::Ping(Default::default())).await,
                                After::Heartbeats => ws.send(Message::text(r#"{"channel":"heartbeat"}"#)).await,
                            };
                            if sent.is_err() {
                                return;
                            }
                        }
                        msg = ws.next() => match msg {
                            Some(Ok(Message::Text(t))) if t.contains("ping") && matches!(after, After::PingsOnly) => {
                                let _ = ws.send(Message::text(r#"{"method":"pong"}"#)).await;
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

/// Statuses (deduplicated in order) a client sees for `symbol` until `done` holds; the last frame's best bid.
async fn watch(addr: &str, symbol: &str, secs: u64, mut done: impl FnMut(&[BookStatus], f64) -> bool) -> (Vec<BookStatus>, f64) {
    let url = format!("ws://{addr}/ws?symbol={}", symbol.replace('/', "%2F"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut seen: Vec<BookStatus> = Vec::new();
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.unwrap_or_else(|_| panic!("timed out; statuses seen: {seen:?}"));
        if let Some(Ok(Message::Binary(b))) = msg {
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
    kraken("snapshot", "ETH/USD", b, a, (b, a))
}

/// Live on the first connection's book; then the fault; then live again only on the second
/// connection's book (99.5), having passed through a not-live status.
async fn goes_stale_then_recovers_exactly(first: After) {
    let ws = exchange(vec![snapshot("100.5", "101.0"), snapshot("99.50", "99.75")], vec![first, After::Heartbeats]).await;
    let server = start(&["--source", "kraken:ETH/USD", "--exchange-ws-url", &ws, "--data-deadline-ms", "1000", "--max-backoff-ms", "200"]);
    let (seen, _) = watch(&server.1, "ETH/USD", 10, |s, bid| s.last() == Some(&BookStatus::Live) && bid == 100.5).await;
    assert_eq!(seen.last(), Some(&BookStatus::Live));
    let started = std::time::Instant::now();
    let (seen, bid) = watch(&server.1, "ETH/USD", 15, |s, bid| s.len() > 2 && s.last() == Some(&BookStatus::Live) && bid == 99.5).await;
    assert_eq!(seen[0], BookStatus::Live);
    assert!(seen.contains(&BookStatus::Stale), "the silent book was marked stale: {seen:?}");
    assert!(!seen[1..seen.len() - 1].contains(&BookStatus::Live), "never live in between: {seen:?}");
    assert_eq!(bid, 99.5, "the new connection's book, exactly");
    eprintln!("stale → live again after {:?}: {seen:?}", started.elapsed());
}

#[tokio::test]
async fn kraken_silence_is_stale_within_the_data_deadline_then_resynced() {
    goes_stale_then_recovers_exactly(After::Silence).await;
}

#[tokio::test]
async fn kraken_answering_only_pings_is_stale_not_live() {
    goes_stale_then_recovers_exactly(After::PingsOnly).await;
}

#[tokio::test]
async fn kraken_heartbeats_keep_a_quiet_book_live() {
    let ws = exchange(vec![snapshot("100.5", "101.0")], vec![After::Heartbeats]).await;
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
