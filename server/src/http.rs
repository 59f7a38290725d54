//! HTTP surface: `/ws` (binary frames), `/healthz`, `/metrics`, `/symbols`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::client_session::{run_client_session, SessionLimits};
use crate::fanout::FanoutHandle;
use crate::metrics::Metrics;

/// Limits applied at the HTTP edge.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub max_clients: u64,
    /// Allowed `Origin` hosts; empty = localhost origins only. Requests without Origin (non-browsers) pass.
    pub allowed_origins: Vec<String>,
    pub session: SessionLimits,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self { max_clients: 10_000, allowed_origins: Vec::new(), session: SessionLimits::default() }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Served symbols and their fan-outs, in the order given (the first is the default).
    pub markets: Arc<Vec<(String, FanoutHandle)>>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<ServerLimits>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_handler))
        .route("/symbols", get(symbols_handler))
        .with_state(state)
}

async fn metrics_handler(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

async fn symbols_handler(State(s): State<AppState>) -> Json<Vec<String>> {
    Json(s.markets.iter().map(|(sym, _)| sym.clone()).collect())
}

/// `/ws` query: which symbol's frames to receive.
#[derive(Debug, serde::Deserialize)]
pub struct WsQuery {
    pub symbol: Option<String>,
}

fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let host = origin.split("://").nth(1).unwrap_or("");
    let hostname = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    if allowed.is_empty() {
        matches!(hostname.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    } else {
        allowed.iter().any(|a| a == origin || a == host || *a == hostname)
    }
}

async fn ws_handler(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<WsQuery>,
    State(s): State<AppState>,
) -> Response {
    let fanout = match &query.symbol {
        None => s.markets.first().map(|(_, f)| f.clone()),
        Some(want) => s.markets.iter().find(|(sym, _)| sym == want || crate::check_capture::same_symbol(sym, want)).map(|(_, f)| f.clone()),
    };
    let Some(fanout) = fanout else {
        return (StatusCode::NOT_FOUND, format!("unknown symbol {:?}: see /symbols\n", query.symbol.unwrap_or_default())).into_response();
    };
    if !origin_allowed(&headers, &s.limits.allowed_origins) {
        tracing::warn!(%peer, origin = ?headers.get(header::ORIGIN), "refused WebSocket: origin not allowed");
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    // Reserve a slot before upgrading so the count can never exceed the limit.
    let n = s.metrics.clients.fetch_add(1, Ordering::AcqRel);
    if n >= s.limits.max_clients {
        s.metrics.clients.fetch_sub(1, Ordering::AcqRel);
        s.metrics.clients_rejected.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "too many clients\n").into_response();
    }
    let slot = ClientSlot(s.metrics.clone());
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

/// Decrements the client count on drop (including when the upgrade never completes).
struct ClientSlot(Arc<Metrics>);

impl Drop for ClientSlot {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_origins_by_default() {
        let h = |o: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ORIGIN, o.parse().unwrap());
            m
        };
        assert!(origin_allowed(&HeaderMap::new(), &[]));
        assert!(origin_allowed(&h("http://localhost:6006"), &[]));
        assert!(origin_allowed(&h("http://127.0.0.1:6006"), &[]));
        assert!(origin_allowed(&h("http://[::1]:6006"), &[]));
        assert!(!origin_allowed(&h("https://evil.example"), &[]));
        assert!(!origin_allowed(&h("http://localhost.evil.example"), &[]));
        assert!(origin_allowed(&h("https://app.example"), &["https://app.example".into()]));
    }
}
