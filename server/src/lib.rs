//! # tickframe-server
//!
//! Order books in, one shared FlatBuffer frame per tick out, to every WebSocket client.
//!
//! ```text
//! source (simulator | exchange | capture) → inbox (bounded) → tick loop: ServerEngine::ingest / tick
//!   → Bytes (one allocation per tick) → fan-out (broadcast + latest) → client sessions → /ws
//! ```
//!
//! It is also a library: implement [`ServerEngine`] for your own state and serve it with the same
//! tick loop, fan-out, snapshots and limits:
//!
//! ```no_run
//! # use tickframe_server::*;
//! # async fn demo(my_engine: impl ServerEngine) -> std::io::Result<()> {
//! let (inbox_tx, inbox_rx) = tokio::sync::mpsc::channel(1024); // push raw messages into inbox_tx
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! serve(my_engine, inbox_rx, listener, ServeOptions::new("MY-SYMBOL"), std::future::pending()).await
//! # }
//! ```

pub mod adapters;
pub mod book;
pub mod check_capture;
pub mod client_session;
pub mod engine;
pub mod exchange;
pub mod fanout;
pub mod frame_builder;
pub mod http;
pub mod instrument;
pub mod metrics;
pub mod orderbook_engine;
pub mod recording;
pub mod sources;
pub mod tick_loop;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub use engine::ServerEngine;
pub use fanout::{FanoutHandle, Frame};
pub use http::ServerLimits;
pub use metrics::Metrics;
pub use tick_loop::TickLoopConfig;

/// Everything `serve` needs besides the engine and its inbox.
#[derive(Clone)]
pub struct ServeOptions {
    /// Symbol listed at /symbols.
    pub symbol: String,
    pub tick: TickLoopConfig,
    pub limits: ServerLimits,
    pub metrics: Arc<Metrics>,
    /// Called once, before serving, with a handle on the fan-out (e.g. to subscribe a recorder).
    pub on_fanout: Option<Arc<dyn Fn(FanoutHandle) + Send + Sync>>,
}

impl ServeOptions {
    pub fn new(symbol: impl Into<String>) -> Self {
        Self {
            symbol: symbol.into(),
            tick: TickLoopConfig::default(),
            limits: ServerLimits::default(),
            metrics: Arc::default(),
            on_fanout: None,
        }
    }
}

/// Run the tick loop for `engine` and serve `/ws`, `/healthz`, `/metrics`, `/symbols` on `listener`
/// until `shutdown` resolves.
pub async fn serve<E: ServerEngine>(
    engine: E,
    inbox: mpsc::Receiver<Bytes>,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (publisher, handle, snapshot_requests) = fanout::fanout();
    if let Some(hook) = &options.on_fanout {
        hook(handle.clone());
    }
    let tick = tokio::spawn(tick_loop::run_tick_loop(
        engine,
        inbox,
        snapshot_requests,
        publisher,
        options.metrics.clone(),
        options.tick,
    ));
    let state = http::AppState {
        symbol: options.symbol,
        fanout: handle,
        metrics: options.metrics,
        limits: Arc::new(options.limits),
    };
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    tick.abort();
    result
}
