//! HTTP surface: `/ws` (binary frames), `/healthz`, `/metrics`, `/symbols`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Json, Router};

use crate::client_session::{run_client_session, SessionLimits};
use crate::edge::client_slots::{ClientSlots, SlotRefused};
use crate::edge::host::HostPolicy;
use crate::edge::listener::{ConnectionHold, HttpTimeouts};
use crate::edge::origin::OriginPolicy;
use crate::market_directory::MarketDirectory;
use crate::metrics::Metrics;

/// Limits applied at the HTTP edge (see `edge/` and SECURITY.md).
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// WebSocket clients at once (also capped by the descriptor budget).
    pub max_clients: u64,
    /// WebSocket clients per remote address; 0 = no limit (behind a proxy every client has its address).
    pub max_clients_per_ip: u32,
    /// Connections that have not upgraded to a WebSocket (plain HTTP, handshakes in progress); when
    /// full, the oldest is closed to make room.
    pub max_pending_connections: usize,
    /// Handshake deadline, plain-HTTP connection lifetime, largest request head.
    pub http: HttpTimeouts,
    /// Exact `scheme://host[:port]` origins allowed to open `/ws`; empty = localhost pages only.
    /// Requests without Origin (non-browsers) pass.
    pub allowed_origins: Vec<String>,
    /// `Host` values the HTTP endpoints answer (`host` or `host:port`); empty = loopback names when
    /// listening on a loopback address, any otherwise.
    pub allowed_hosts: Vec<String>,
    pub session: SessionLimits,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_clients: 10_000,
            max_clients_per_ip: 64,
            max_pending_connections: 512,
            http: HttpTimeouts::default(),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            session: SessionLimits::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Served symbols and their fan-outs (the first is the default).
    pub markets: Arc<MarketDirectory>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<ServerLimits>,
    pub clients: Arc<ClientSlots>,
    pub origins: Arc<OriginPolicy>,
    pub hosts: Arc<HostPolicy>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(healthz_handler))
        .route("/metrics", get(metrics_handler))
        .route("/symbols", get(symbols_handler))
        .layer(axum::middleware::from_fn_with_state(state.clone(), host_check))
        .with_state(state)
}

/// Every endpoint answers only the allowed `Host` names (DNS rebinding: see edge/host.rs).
async fn host_check(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !s.hosts.allows(host) {
        s.metrics.host_rejected.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::MISDIRECTED_REQUEST, "host not allowed: see --allow-host\n").into_response();
    }
    next.run(req).await
}

/// `ok`, or 503 `degraded: …` while a node of a cluster has lost the bus (its books are stale):
/// a load balancer sends new clients to another edge.
async fn healthz_handler(State(s): State<AppState>) -> Response {
    if s.metrics.bus_in_use.load(Ordering::Relaxed) && s.metrics.bus_connected.load(Ordering::Relaxed) == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "degraded: the bus (NATS) is disconnected\n").into_response();
    }
    "ok\n".into_response()
}

async fn metrics_handler(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

async fn symbols_handler(State(s): State<AppState>) -> Json<Vec<String>> {
    Json(s.markets.symbols())
}

/// `/ws` query: which symbol's frames to receive.
#[derive(Debug, serde::Deserialize)]
pub struct WsQuery {
    pub symbol: Option<String>,
}

async fn ws_handler(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    hold: Option<Extension<ConnectionHold>>,
    Query(query): Query<WsQuery>,
    State(s): State<AppState>,
) -> Response {
    let fanout = s.markets.find(query.symbol.as_deref());
    let Some(fanout) = fanout else {
        return (StatusCode::NOT_FOUND, format!("unknown symbol {:?}: see /symbols\n", query.symbol.unwrap_or_default())).into_response();
    };
    if !s.origins.allows(headers.get(header::ORIGIN).map(|o| o.as_bytes())) {
        s.metrics.origin_rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%peer, origin = ?headers.get(header::ORIGIN), "refused WebSocket: origin not allowed");
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    // Take a slot before upgrading so the counts can never exceed the limits.
    let slot = match s.clients.try_acquire(peer.ip()) {
        Ok(slot) => slot,
        Err(SlotRefused::ServerFull) => return (StatusCode::SERVICE_UNAVAILABLE, "too many clients\n").into_response(),
        Err(SlotRefused::AddressFull) => {
            tracing::info!(%peer, "refused WebSocket: per-address client limit");
            return (StatusCode::TOO_MANY_REQUESTS, "too many clients from this address\n").into_response();
        }
    };
    // The WebSocket layer's own cap is a backstop; messages between the session limit and this one are
    // read and answered with a 1009 close by the session.
    let hard_cap = (s.limits.session.max_inbound_bytes * 16).max(64 * 1024);
    ws.max_message_size(hard_cap)
        .max_frame_size(hard_cap)
        // Clients send little (pongs). tungstenite zero-fills its whole free read buffer before every
        // read attempt, and the session polls the read side once per frame sent: at the default
        // 128 KiB that memset was half the server's CPU under load, and 128 KiB of RSS per client.
        .read_buffer_size(INBOUND_READ_BUFFER)
        // Frames are flushed one by one; this only bounds what a failing socket can pile up.
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| async move {
            let _slot = slot; // released when the session ends, however it ends
            let _hold = hold; // the socket stays counted as open while the session runs
            use futures_util::StreamExt;
            let (sink, stream) = socket.split();
            let end = run_client_session(sink, stream, fanout, s.metrics.clone(), s.limits.session).await;
            tracing::debug!(%peer, ?end, "client left");
        })
}

/// Read buffer per client (grows for a larger message, up to the hard cap, and back).
const INBOUND_READ_BUFFER: usize = 4 * 1024;
/// Most a client's WebSocket write buffer may hold before sends fail.
const MAX_WRITE_BUFFER: usize = 1 << 20;
