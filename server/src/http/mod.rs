//! HTTP surface: `/ws` (binary frames), `/healthz`, `/metrics`, `/symbols`.
//!
//! Everything between a TCP connection and a client session lives here too. A deployed server faces
//! the whole internet, so each resource a stranger can make it spend is bounded — descriptors
//! ([`fd_limit`]), connections that are not clients yet ([`connection_gate`]), time to finish a
//! handshake ([`listener`]), clients per address ([`client_slots`]), and which pages and names may
//! talk to it ([`origin`], [`host`]); then [`client_session`] serves one client. SECURITY.md lists
//! the limits and their defaults.

pub mod client_session;
pub mod client_socket;
pub mod client_wait;
pub mod client_slots;
pub mod connection_gate;
pub mod fd_limit;
pub mod host;
pub mod listener;
pub mod origin;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Json, Router};
use hyper_util::rt::TokioIo;

use crate::fanout::market_directory::MarketDirectory;
use crate::http::client_session::{run_client_session, SessionLimits};
use crate::http::client_slots::{ClientSlots, SlotRefused};
use crate::http::host::HostPolicy;
use crate::http::listener::{ConnectionHold, HttpTimeouts};
use crate::http::origin::OriginPolicy;
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
        .route("/time", get(time_handler))
        .layer(axum::middleware::from_fn_with_state(state.clone(), host_check))
        .with_state(state)
}

/// Every endpoint answers only the allowed `Host` names (DNS rebinding: see edge/host.rs).
/// A request must name exactly one Host (RFC 9112 §3.2: an HTTP/1.1 request without one, or any
/// request with two, gets 400 — two could make this check and a proxy behind it disagree).
async fn host_check(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let hosts = req.headers().get_all(header::HOST).iter().count();
    if hosts > 1 || (hosts == 0 && req.version() >= axum::http::Version::HTTP_11) {
        s.metrics.host_rejected.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::BAD_REQUEST, "exactly one Host header\n").into_response();
    }
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !s.hosts.allows(host) {
        s.metrics.host_rejected.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::MISDIRECTED_REQUEST, "host not allowed: see --allow-host\n").into_response();
    }
    next.run(req).await
}

/// `ok`, or 503 `degraded: …` while a node of a cluster has lost the bus, or while no book it
/// serves is live (every one stale or resyncing, or none has arrived yet): a load balancer sends new
/// clients to another node.
async fn healthz_handler(State(s): State<AppState>) -> Response {
    if s.metrics.bus_in_use.load(Ordering::Relaxed) && s.metrics.bus_connected.load(Ordering::Relaxed) == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "degraded: the bus (NATS) is disconnected\n").into_response();
    }
    if !s.markets.any_live() {
        return (StatusCode::SERVICE_UNAVAILABLE, "degraded: no book is live (stale, resyncing, or not yet received)\n").into_response();
    }
    "ok\n".into_response()
}

async fn metrics_handler(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

async fn symbols_handler(State(s): State<AppState>) -> Json<Vec<String>> {
    Json(s.markets.symbols())
}

/// `/time`: the server's clock for a browser estimating its offset (NTP's four timestamps: the
/// browser's send and receive times around this server's receive time `t1` and reply time `t2`, in
/// µs since the epoch). Any origin may read it — it is the time, and takes no credentials.
async fn time_handler() -> Response {
    let t1 = crate::clock::now_us();
    let body = format!("{{\"t1\":{t1},\"t2\":{}}}", crate::clock::now_us());
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], body)
        .into_response()
}

/// `/ws` query: which symbol's frames to receive.
#[derive(Debug, serde::Deserialize)]
pub struct WsQuery {
    pub symbol: Option<String>,
}

async fn ws_handler(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    hold: Option<Extension<ConnectionHold>>,
    Query(query): Query<WsQuery>,
    State(s): State<AppState>,
    mut req: Request,
) -> Response {
    // RFC 6455 §4.1: the opening handshake is an HTTP/1.1 (or later) GET. axum's `get` also
    // routes HEAD here, and hyper would upgrade a 1.0 request it cannot then serve.
    if req.method() != axum::http::Method::GET {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")], "the WebSocket handshake is a GET\n").into_response();
    }
    if req.version() < axum::http::Version::HTTP_11 {
        return (StatusCode::BAD_REQUEST, "the WebSocket handshake needs HTTP/1.1\n").into_response();
    }
    let headers = req.headers();
    let accept = match websocket_accept(headers) {
        Ok(accept) => accept,
        Err((StatusCode::UPGRADE_REQUIRED, why)) => {
            return (StatusCode::UPGRADE_REQUIRED, [(header::SEC_WEBSOCKET_VERSION, "13")], why).into_response()
        }
        Err(refusal) => return refusal.into_response(),
    };
    let Some((_, fanout)) = s.markets.find(query.symbol.as_deref()) else {
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
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let _slot = slot; // released when the session ends, however it ends
        let _hold = hold; // the socket stays counted as open while the session runs
        let Ok(upgraded) = upgrade.await else { return };
        let (metrics, limits) = (s.metrics.clone(), s.limits.session);
        // The listener serves plain TCP: take the socket back (a writer loop writes its descriptor).
        let end = match upgraded.downcast::<TokioIo<client_wait::WatchedStream>>() {
            Ok(parts) => {
                let tcp = parts.io.into_inner().into_inner();
                run_client_session(tcp, &parts.read_buf, fanout, metrics, limits).await
            }
            Err(_) => {
                tracing::error!(%peer, "upgraded connection is not the listener's TCP socket: closing");
                return;
            }
        };
        tracing::debug!(%peer, ?end, "client left");
    });
    (
        StatusCode::SWITCHING_PROTOCOLS,
        [
            (header::CONNECTION, HeaderValue::from_static("upgrade")),
            (header::UPGRADE, HeaderValue::from_static("websocket")),
            (header::SEC_WEBSOCKET_ACCEPT, accept),
        ],
    )
        .into_response()
}

/// Check a WebSocket handshake request (RFC 6455 §4.2.1) and compute its `Sec-WebSocket-Accept`.
fn websocket_accept(headers: &HeaderMap) -> Result<HeaderValue, (StatusCode, &'static str)> {
    use base64::Engine;
    use sha1::Digest;
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if !has(header::CONNECTION, "upgrade") || !has(header::UPGRADE, "websocket") {
        return Err((StatusCode::BAD_REQUEST, "expected a WebSocket upgrade\n"));
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
        return Err((StatusCode::UPGRADE_REQUIRED, "WebSocket version 13 only\n"));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|k| base64::engine::general_purpose::STANDARD.decode(k.as_bytes()).is_ok_and(|d| d.len() == 16));
    let Some(key) = key else {
        return Err((StatusCode::BAD_REQUEST, "missing or malformed Sec-WebSocket-Key\n"));
    };
    let mut sha = sha1::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(sha.finalize()))
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "accept key\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    const UPGRADE: [(&str, &str); 4] =
        [("connection", "Upgrade"), ("upgrade", "websocket"), ("sec-websocket-version", "13"), ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")];

    #[test]
    fn the_accept_key_is_rfc_6455s_sample() {
        // RFC 6455 §1.3: this key's accept value.
        assert_eq!(websocket_accept(&headers(&UPGRADE)).unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        // Tokens are case-insensitive and may come in lists.
        let mut h = headers(&UPGRADE[2..]);
        h.append("connection", HeaderValue::from_static("keep-alive, upgrade"));
        h.append("upgrade", HeaderValue::from_static("WebSocket"));
        assert!(websocket_accept(&h).is_ok());
    }

    #[test]
    fn a_request_that_is_not_a_version_13_upgrade_with_a_16_byte_key_is_refused() {
        assert_eq!(websocket_accept(&headers(&UPGRADE[1..])).unwrap_err().0, StatusCode::BAD_REQUEST, "no Connection: upgrade");
        assert_eq!(websocket_accept(&headers(&[UPGRADE[0], UPGRADE[2], UPGRADE[3]])).unwrap_err().0, StatusCode::BAD_REQUEST, "no Upgrade");
        let v8 = headers(&[UPGRADE[0], UPGRADE[1], ("sec-websocket-version", "8"), UPGRADE[3]]);
        assert_eq!(websocket_accept(&v8).unwrap_err().0, StatusCode::UPGRADE_REQUIRED);
        for key in ["c2hvcnQ=", "not base64!", ""] {
            let mut h = headers(&UPGRADE[..3]);
            h.append("sec-websocket-key", HeaderValue::from_str(key).unwrap());
            assert_eq!(websocket_accept(&h).unwrap_err().0, StatusCode::BAD_REQUEST, "key {key:?}");
        }
    }
}
