//! The accept loop's limits (`server/src/http/`) under abuse, on real sockets (port 0, 127.0.0.x
//! only) — each rule tested here and nowhere else: idle and slowloris
//! connections are closed by the handshake deadline, oversized headers are refused, a flood of idle
//! sockets cannot keep `/healthz` out (also at a low descriptor limit, where the server raises its
//! own soft limit first), total and per-address client limits, the default and exact Origin
//! entries, and the Host allowlist. (Close codes for bad messages: `ws_conformance.rs`.)

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::http::connection_gate::IDLE_AFTER;
use tickframe_server::sources::simulator::{self, sim_instrument};
use tickframe_server::{serve, ServeOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn start_with(options: ServeOptions) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 20);
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(simulator::run(5, 100, None, tx));
    tokio::spawn(serve(engine, rx, listener, options, std::future::pending()));
    // Ready once the simulator's first book is live (/healthz says degraded until then).
    let deadline = Instant::now() + Duration::from_secs(10);
    // (A server that answers other Host names only says 421: nothing to wait for there.)
    while ![200, 421].contains(&get(addr, "/healthz", "127.0.0.1").await.0) {
        assert!(Instant::now() < deadline, "the simulator's book never went live");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    addr
}

/// Read until the server closes the connection; `Err` if it is still open after `limit`.
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline.into(), tcp.read(&mut buf)).await {
            Err(_) => return Err(format!("still open after {limit:?} (read {} bytes)", got.len())),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// One HTTP/1.1 GET over a fresh connection; the status code and body.
async fn get(addr: SocketAddr, path: &str, host: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let raw = closed_within(&mut tcp, Duration::from_secs(20)).await.expect("a response");
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

fn quick_handshake(mut options: ServeOptions, ms: u64) -> ServeOptions {
    options.limits.http.handshake = Duration::from_millis(ms);
    options
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_handshake_deadline() {
    let addr = start_with(quick_handshake(ServeOptions::new("SIM-USD"), 1000)).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    closed_within(&mut idle, Duration::from_secs(6)).await.unwrap();
}

#[tokio::test]
async fn a_header_sent_a_byte_at_a_time_is_closed_at_the_handshake_deadline() {
    let addr = start_with(quick_handshake(ServeOptions::new("SIM-USD"), 1000)).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = tcp.into_split();
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        for b in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'a')) {
            if wr.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(6), async { while rd.read(&mut buf).await.is_ok_and(|n| n > 0) {} }).await;
    drip.abort();
    assert!(closed.is_ok(), "a slowloris header was still being read after {:?}", started.elapsed());
}

#[tokio::test]
async fn an_oversized_request_head_is_refused_not_buffered() {
    // A long handshake deadline: what closes this connection must be the size cap.
    let addr = start_with(quick_handshake(ServeOptions::new("SIM-USD"), 60_000)).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ").await.unwrap();
    let chunk = vec![b'a'; 8 * 1024];
    for _ in 0..16 {
        if tcp.write_all(&chunk).await.is_err() {
            break; // already closed
        }
    }
    let reply = closed_within(&mut tcp, Duration::from_secs(5)).await.unwrap();
    let text = String::from_utf8_lossy(&reply);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 431"), "got {text:?}");
}

#[tokio::test]
async fn idle_sockets_beyond_the_pending_cap_cannot_keep_healthz_out() {
    let mut options = quick_handshake(ServeOptions::new("SIM-USD"), 60_000);
    options.limits.max_pending_connections = 16;
    let metrics = options.metrics.clone();
    let addr = start_with(options).await;
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // Idle sockets are closed for new connections once they have kept the server waiting IDLE_AFTER
    // (a reconnect storm's clients are not): 48 beyond the cap of 16 take three rounds of it.
    let bound = IDLE_AFTER * 3 + Duration::from_secs(8);
    let (status, body) = tokio::time::timeout(bound, get(addr, "/healthz", "127.0.0.1")).await.expect("healthz answered");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert!(metrics.connections_evicted.load(Ordering::Relaxed) >= 48, "the oldest idle sockets made room");
    assert!(metrics.http_pending.load(Ordering::Relaxed) <= 16);
}

/// `tickframe-server` under a descriptor limit set with prlimit(1); stopped on drop.
struct LimitedServer {
    child: tokio::process::Child,
    addr: SocketAddr,
}

impl LimitedServer {
    async fn start(soft: u64, hard: u64) -> Self {
        let mut child = tokio::process::Command::new("prlimit")
            .arg(format!("--nofile={soft}:{hard}"))
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_tickframe-server"))
            .args(["--listen", "127.0.0.1:0", "--handshake-timeout-ms", "60000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("prlimit (util-linux) runs tickframe-server");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("http://").nth(1) {
                    return rest.split(' ').next().unwrap().parse().unwrap();
                }
            }
            panic!("server exited before printing its address");
        })
        .await
        .expect("server started");
        Self { child, addr }
    }

    async fn metric(&self, name: &str) -> u64 {
        let (_, body) = get(self.addr, "/metrics", "127.0.0.1").await;
        body.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} in /metrics"))
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[tokio::test]
async fn the_server_raises_its_descriptor_limit_to_the_hard_limit() {
    let server = LimitedServer::start(256, 4096).await;
    assert_eq!(server.metric("tickframe_fd_limit").await, 4096);
}

#[tokio::test]
async fn more_idle_sockets_than_descriptors_leave_healthz_and_clients_reachable() {
    let server = LimitedServer::start(256, 256).await;
    let mut idle = Vec::new();
    for _ in 0..400 {
        match TcpStream::connect(server.addr).await {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    let (status, _) =
        tokio::time::timeout(IDLE_AFTER * 3 + Duration::from_secs(8), get(server.addr, "/healthz", "127.0.0.1")).await.expect("healthz answered");
    assert_eq!(status, 200);
    let (mut ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr)))
        .await
        .expect("handshake in time")
        .expect("a WebSocket client still gets in");
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a frame");
    assert!(matches!(first, Some(Ok(Message::Binary(_)))));
    assert!(server.metric("tickframe_connections_evicted_total").await > 0);
}

/// A WebSocket client connecting from `from` (any 127.0.0.x address).
#[tokio::test]
async fn the_client_limit_refuses_extra_connections_and_frees_slots() {
    let mut options = ServeOptions::new("SIM-USD");
    options.limits.max_clients = 2;
    let metrics = options.metrics.clone();
    let addr = start_with(options).await;
    let (a, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let (_b, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    assert!(tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.is_err());
    assert_eq!(metrics.clients_rejected.load(Ordering::Relaxed), 1);
    drop(a);
    // The slot is freed when the server notices the close: retry until then (bounded).
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.is_err() {
        assert!(Instant::now() < deadline, "a freed slot is reusable");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connect_from(from: &str, addr: SocketAddr) -> Result<(), String> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let tcp = socket.connect(addr).await.map_err(|e| e.to_string())?;
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), tcp).await.map_err(|e| e.to_string())?;
    std::mem::forget(ws); // keep the slot for the rest of the test
    Ok(())
}

#[tokio::test]
async fn one_address_cannot_take_every_client_slot() {
    let mut options = ServeOptions::new("SIM-USD");
    options.limits.max_clients_per_ip = 2;
    let metrics = options.metrics.clone();
    let addr = start_with(options).await;
    connect_from("127.0.0.2", addr).await.unwrap();
    connect_from("127.0.0.2", addr).await.unwrap();
    let third = connect_from("127.0.0.2", addr).await.unwrap_err();
    assert!(third.contains("429"), "{third}");
    connect_from("127.0.0.3", addr).await.expect("another address still gets in");
    assert_eq!(metrics.clients_rejected_per_ip.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn by_default_a_foreign_origin_is_refused_and_localhost_accepted() {
    let addr = start_with(ServeOptions::new("SIM-USD")).await;
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "http://localhost:6006".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_ok());
}

#[tokio::test]
async fn origin_entries_match_scheme_host_and_port_exactly() {
    let mut options = ServeOptions::new("SIM-USD");
    options.limits.allowed_origins = vec!["https://app.example".into()];
    let metrics = options.metrics.clone();
    let addr = start_with(options).await;
    let with_origin = |origin: &'static str| {
        let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
        req.headers_mut().insert("Origin", origin.parse().unwrap());
        req
    };
    assert!(tokio_tungstenite::connect_async(with_origin("https://app.example")).await.is_ok());
    assert!(tokio_tungstenite::connect_async(with_origin("http://app.example")).await.is_err(), "another scheme");
    assert!(tokio_tungstenite::connect_async(with_origin("https://app.example:8443")).await.is_err(), "another port");
    assert_eq!(metrics.origin_rejected.load(Ordering::Relaxed), 2);
}

#[test]
fn a_bare_host_origin_entry_is_refused_at_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
        .args(["--listen", "127.0.0.1:0", "--allow-origin", "app.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("scheme://host[:port]"));
}

#[tokio::test]
async fn the_host_header_is_checked_against_rebinding() {
    let addr = start_with(ServeOptions::new("SIM-USD")).await;
    assert_eq!(get(addr, "/metrics", "rebind.evil.example:9001").await.0, 421);
    assert_eq!(get(addr, "/metrics", &addr.to_string()).await.0, 200);
    assert_eq!(get(addr, "/healthz", &format!("localhost:{}", addr.port())).await.0, 200);

    let mut options = ServeOptions::new("SIM-USD");
    options.limits.allowed_hosts = vec!["md.example".into()];
    let addr = start_with(options).await;
    assert_eq!(get(addr, "/metrics", "md.example").await.0, 200);
    assert_eq!(get(addr, "/metrics", &addr.to_string()).await.0, 421);
}

#[tokio::test]
async fn healthz_is_degraded_while_no_book_is_live() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 20);
    let (_source, rx) = tokio::sync::mpsc::channel(16); // a source that never delivers a book
    tokio::spawn(serve(engine, rx, listener, ServeOptions::new("SIM-USD"), std::future::pending()));
    let (status, body) = get(addr, "/healthz", "127.0.0.1").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("degraded: no book is live"), "{body}");
}
