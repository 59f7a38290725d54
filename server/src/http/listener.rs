//! The accept loop: hyper with a timer (so the header timeout fires), one task per connection,
//! admission through the [`ConnectionGate`]. `axum::serve` runs hyper without a timer, so a peer that
//! never finishes its request headers would be held forever; this loop is what bounds every
//! connection in time before it becomes a WebSocket client.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::client_wait::WatchedStream;
use super::connection_gate::{Admission, ConnectionGate, OpenConnection, Room};
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::metrics::Metrics;

/// Time limits of a connection before it is a WebSocket client.
#[derive(Debug, Clone, Copy)]
pub struct HttpTimeouts {
    /// From accept to complete request headers (the WebSocket handshake included): hyper's header
    /// read timeout. Slowloris peers and idle sockets are closed after it.
    pub handshake: Duration,
    /// Longest a plain HTTP connection stays open (keep-alive included); then it is closed after
    /// its current request. Upgraded WebSockets are not affected.
    pub http_lifetime: Duration,
    /// Largest request head (request line + headers); a bigger one gets 431 and the connection closes.
    pub max_request_head_bytes: usize,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        Self { handshake: Duration::from_secs(10), http_lifetime: Duration::from_secs(60), max_request_head_bytes: 16 * 1024 }
    }
}

/// Keeps a connection's socket counted as open while a request (or the WebSocket it became) holds it.
#[derive(Clone, Debug)]
pub struct ConnectionHold(#[allow(dead_code)] pub Arc<OpenConnection>);

/// Serve `router` on `listener` until `shutdown` resolves; then let in-flight HTTP requests finish
/// (up to the handshake timeout). Upgraded WebSockets end with their fan-outs.
pub async fn serve_http(
    listener: TcpListener,
    router: Router,
    gate: Arc<ConnectionGate>,
    timeouts: HttpTimeouts,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut tasks = JoinSet::new();
    let mut accept_errors = LogThrottle::default();
    loop {
        // Room first: while the pending set is full of handshakes still completing (a reconnect
        // storm), new connections wait in the kernel's accept queue rather than close one of them.
        loop {
            let wait = match gate.make_room() {
                Room::Free => break,
                Room::Wait(d) => d,
            };
            tokio::select! {
                _ = gate.freed.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = &mut shutdown => {
                    let _ = stop_tx.send(true);
                    let _ = tokio::time::timeout(timeouts.handshake, async { while tasks.join_next().await.is_some() {} }).await;
                    return Ok(());
                }
            }
            while tasks.try_join_next().is_some() {}
        }
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE/ENFILE and friends: the descriptor budget leaves room, but another
                    // process or a burst can still exhaust it. Back off briefly; never exit.
                    metrics.accept_errors.fetch_add(1, Ordering::Relaxed);
                    if let LogDecision::Log { suppressed } = accept_errors.check() {
                        tracing::warn!(error = %e, held_back = suppressed, "accept failed");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(admission) = gate.admit() else {
            continue; // every open connection is a client; `tcp` is dropped (closed) here
        };
        // TCP_NODELAY: a frame is one small write per tick; Nagle would hold it behind the previous
        // frame's ACK, and the peer's delayed ACK turns that into tens of milliseconds.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        tasks.spawn(serve_connection(tcp, peer, admission, router.clone(), timeouts, stop_rx.clone(), metrics.clone()));
        while tasks.try_join_next().is_some() {}
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(timeouts.handshake, async { while tasks.join_next().await.is_some() {} }).await;
    Ok(())
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    admission: Admission,
    router: Router,
    timeouts: HttpTimeouts,
    mut stop: tokio::sync::watch::Receiver<bool>,
    metrics: Arc<Metrics>,
) {
    let Admission { evicted, wait, pending, open } = admission;
    let hold = ConnectionHold(open);
    let service = tower::ServiceExt::map_request(router, move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(hold.clone());
        req
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.handshake)
        .max_buf_size(timeouts.max_request_head_bytes.max(8192))
        // Reads noted: a connection that keeps the server waiting for its request is the gate's to close.
        .serve_connection(TokioIo::new(WatchedStream::new(tcp, wait)), TowerToHyperService::new(service))
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let lifetime = tokio::time::sleep(timeouts.http_lifetime);
    tokio::select! {
        done = conn.as_mut() => {
            if let Err(e) = done {
                if e.is_timeout() {
                    metrics.handshake_timeouts.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = evicted.notified() => tracing::debug!(%peer, "pending connection closed to make room"),
        _ = lifetime => finish(conn, timeouts.handshake).await,
        _ = stop.changed() => finish(conn, timeouts.handshake).await,
    }
    drop(pending);
}

/// Close after the request in flight, if any, within `deadline`.
async fn finish<F>(mut conn: std::pin::Pin<&mut hyper::server::conn::http1::UpgradeableConnection<TokioIo<WatchedStream>, F>>, deadline: Duration)
where
    F: hyper::service::HttpService<Incoming>,
    F::ResBody: 'static,
    <F::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(deadline, conn).await;
}
