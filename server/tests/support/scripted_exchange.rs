//! An exchange a test scripts, on 127.0.0.1 port 0: WebSocket connections (one [`Conn`] per
//! accepted connection, in order) and a REST endpoint answering request by request. The fault
//! starts when the test opens the gate ([`fault_gate`]) — once its client has seen the live book —
//! so a slow machine cannot make a test miss a phase.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

/// What a connection sends every 100 ms once its script is out.
#[derive(Clone)]
pub enum Beat {
    /// Nothing at all: the socket stays open, silent.
    Nothing,
    /// WebSocket pings only (and Kraken's `ping` answered with `pong`): alive, but no market data.
    Pings,
    /// Market data that leaves the book as it is (a heartbeat, or an update re-stating a level),
    /// numbered from [`Conn::beat_from`]: a quiet market, not a dead one.
    Data(Arc<dyn Fn(u64) -> String + Send + Sync>),
    /// The connection drops (no close frame, as a network failure does).
    Drop,
}

/// One connection of the scripted exchange.
pub struct Conn {
    /// Subscription messages the server sends on connect, waited for before the script.
    pub subscriptions: usize,
    /// Wait this long before the script (a reconnect is answered a little later, as a real
    /// exchange's is; otherwise a whole stale → resync → live round can fit in one tick).
    pub start_after_ms: u64,
    /// The book, sent once.
    pub script: Vec<String>,
    /// The first number a [`Beat::Data`] beat is given.
    pub beat_from: u64,
    /// Until the gate opens.
    pub before_go: Beat,
    /// Sent once when the gate opens: the fault.
    pub on_go: Vec<String>,
    /// After the gate opens.
    pub after_go: Beat,
    /// Sent (once, 500 ms later) when a resubscription arrives after the initial subscriptions.
    pub on_resubscribe: Vec<String>,
}

impl Conn {
    /// A connection that sends `script` and then nothing.
    pub fn new(subscriptions: usize, script: Vec<String>) -> Self {
        Self {
            subscriptions,
            start_after_ms: 0,
            script,
            beat_from: 0,
            before_go: Beat::Nothing,
            on_go: vec![],
            after_go: Beat::Nothing,
            on_resubscribe: vec![],
        }
    }
}

pub type Go = tokio::sync::watch::Receiver<bool>;

pub fn fault_gate() -> (tokio::sync::watch::Sender<bool>, Go) {
    tokio::sync::watch::channel(false)
}

/// Every text message the scripted exchange received (subscriptions, pings), in order.
pub type Inbox = tokio::sync::mpsc::UnboundedReceiver<String>;

/// Serve `conns` in order; returns the `ws://` URL.
pub async fn scripted_exchange(conns: Vec<Conn>, go: Go) -> String {
    scripted_exchange_with_inbox(conns, go).await.0
}

/// Serve `conns` in order; returns the `ws://` URL and what the exchange received.
pub async fn scripted_exchange_with_inbox(conns: Vec<Conn>, go: Go) -> (String, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (inbox, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for conn in conns {
            let Ok((tcp, _)) = listener.accept().await else { return };
            tokio::spawn(serve(conn, tcp, go.clone(), inbox.clone()));
        }
    });
    (format!("ws://{addr}"), received)
}

async fn serve(conn: Conn, tcp: tokio::net::TcpStream, go: Go, inbox: tokio::sync::mpsc::UnboundedSender<String>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
    for _ in 0..conn.subscriptions {
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            let _ = inbox.send(t.to_string()); // nobody listening is fine
        }
    }
    tokio::time::sleep(Duration::from_millis(conn.start_after_ms)).await;
    for m in &conn.script {
        if ws.send(Message::text(m.clone())).await.is_err() {
            return;
        }
    }
    let mut every = tokio::time::interval(Duration::from_millis(100));
    let (mut n, mut gone, mut answered) = (conn.beat_from, false, false);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let went = *go.borrow();
                if went && !gone {
                    gone = true;
                    for m in &conn.on_go {
                        if ws.send(Message::text(m.clone())).await.is_err() { return; }
                    }
                }
                let sent = match if went { &conn.after_go } else { &conn.before_go } {
                    Beat::Nothing => Ok(()),
                    Beat::Pings => ws.send(Message::Ping(Default::default())).await,
                    Beat::Data(f) => {
                        n += 1;
                        ws.send(Message::text(f(n - 1))).await
                    }
                    Beat::Drop => return,
                };
                if sent.is_err() { return; }
            },
            msg = ws.next() => {
                let Some(Ok(msg)) = msg else { return };
                let Message::Text(t) = msg else { continue };
                let _ = inbox.send(t.to_string()); // nobody listening is fine
                if t.contains(r#""method":"ping""#) && matches!(conn.after_go, Beat::Pings) {
                    let _ = ws.send(Message::text(r#"{"method":"pong"}"#)).await;
                } else if t.contains("subscribe") && !answered && !conn.on_resubscribe.is_empty() {
                    answered = true;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    for m in &conn.on_resubscribe {
                        if ws.send(Message::text(m.clone())).await.is_err() { return; }
                    }
                }
            },
        }
    }
}

/// What the scripted REST endpoint answers (300 ms later), request by request (the last one repeats).
#[derive(Clone)]
pub enum Rest {
    Status(u16),
    Body(String),
    /// Read the request and never answer (the server's REST timeout must fire).
    Hang,
}

/// Serve `replies` in order; returns the `http://` base URL.
pub async fn scripted_rest(replies: Vec<Rest>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else { return };
            let reply = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = tcp.read(&mut buf).await;
                let (status, body) = match reply {
                    Rest::Status(code) => (code, "error".to_string()),
                    Rest::Body(b) => (200, b),
                    Rest::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        return;
                    }
                };
                // A real exchange takes a moment: otherwise a whole resync could fit in one tick.
                tokio::time::sleep(Duration::from_millis(300)).await;
                let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = tcp.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}
