//! # tickframe-server
//!
//! Order books in, one shared FlatBuffer frame per tick out, to every WebSocket client.
//!
//! ```text
//! source (simulator | exchange | capture) → inbox (bounded) → tick loop: ServerEngine::ingest / tick
//!   → Bytes (one allocation per tick) → fan-out → writer loops (one per core: every client socket) → /ws
//! ```
//!
//! It is also a library: implement [`ServerEngine`] for your own state and serve it with the same
//! tick loop, fan-out, join frames and limits. The engine owns its state on one task (no locks);
//! `ingest` says whether anything visible changed, `tick` serializes into the reused builder:
//!
//! ```no_run
//! use flatbuffers::FlatBufferBuilder;
//! use tickframe_server::{serve, ServeOptions, ServerEngine};
//!
//! /// Counts messages; each frame is a FlatBuffer vector holding the count.
//! struct Counter { seen: u64, seq: u64 }
//!
//! impl ServerEngine for Counter {
//!     fn ingest(&mut self, _msg: &[u8]) -> bool { self.seen += 1; true }
//!     fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
//!         self.seq += 1;
//!         b.reset();
//!         let v = b.create_vector(&[self.seq, self.seen]);
//!         b.finish_minimal(v);
//!         b.finished_data()
//!     }
//!     fn join_frame(&self, _b: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>> { None }
//! }
//!
//! # async fn demo() -> std::io::Result<()> {
//! let (inbox, rx) = tokio::sync::mpsc::channel(1024); // your source sends raw messages into `inbox`
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! serve(Counter { seen: 0, seq: 0 }, rx, listener, ServeOptions::new("COUNT"), std::future::pending()).await
//! # }
//! ```
//!
//! A complete one — a last-trades ticker from Binance's trade stream, with its own schema and
//! tests — is `server/examples/trades_ticker` (`cargo run -p tickframe-server --example trades_ticker`).
//! Several symbols: [`serve_markets`] with one [`Market`] each.

// The layout, in the order a frame travels (ARCHITECTURE.md has the map):
// `cli/` parses the command line and starts everything; `sources/` builds what `--source` names and
// feeds `venues/` (one file per exchange), which keep exact books with `exchange/`'s decimals and
// captures; `adapters/` decode a market's inbox into its `engine/` (the ServerEngine trait, the order
// book engine, the frame builder), run by `tick_loop`; `fanout/` shares each frame with every client
// (and lists the markets); `http/` accepts connections within its limits and serves one client session
// each, speaking `websocket`; `recording/` writes and reads recordings; `bus/` carries frames between
// ingest and edge nodes over NATS. `book` and `instrument` are the model; `clock`, `metrics` and
// `log_throttle` serve every stage. The binaries are in `bin/`: `tickframe-server.rs` parses the
// command line and calls `cli::run`, as mini-redis's do.

// Stages, in flow order.
pub mod cli;
pub mod sources;
pub mod venues;
pub mod exchange;
pub mod adapters;
pub mod engine;
pub mod tick_loop;
pub mod fanout;
pub mod http;
pub mod websocket;
pub mod recording;
pub mod bus;

// The model.
pub mod book;
pub mod instrument;

// Shared by every stage.
pub mod clock;
pub mod log_throttle;
pub mod metrics;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub use engine::ServerEngine;
pub use fanout::market_directory::MarketDirectory;
pub use fanout::{FanoutHandle, Frame};
pub use http::ServerLimits;
pub use metrics::Metrics;
pub use tick_loop::TickLoopConfig;

/// One symbol served: its engine and the inbox its source feeds.
pub struct Market {
    pub symbol: String,
    pub engine: Box<dyn ServerEngine>,
    pub inbox: mpsc::Receiver<Bytes>,
    /// Its source sends the time ([`tick_loop::source_time`]) and its ticks follow it (a capture
    /// replay), instead of the wall clock.
    pub clocked_by_source: bool,
}

impl Market {
    pub fn new(symbol: impl Into<String>, engine: impl ServerEngine, inbox: mpsc::Receiver<Bytes>) -> Self {
        Self { symbol: symbol.into(), engine: Box::new(engine), inbox, clocked_by_source: false }
    }
}

/// See [`ServeOptions::on_fanout`].
pub type FanoutHook = Arc<dyn Fn(&str, FanoutHandle) + Send + Sync>;

/// Everything `serve` needs besides the engine and its inbox.
#[derive(Clone)]
pub struct ServeOptions {
    /// Symbol listed at /symbols (for [`serve`]; [`serve_markets`] takes each market's own).
    pub symbol: String,
    pub tick: TickLoopConfig,
    pub limits: ServerLimits,
    pub metrics: Arc<Metrics>,
    /// Called once per market, before serving, with its symbol and a handle on its fan-out (e.g. to
    /// subscribe a recorder).
    pub on_fanout: Option<FanoutHook>,
}

impl ServeOptions {
    pub fn new(symbol: impl Into<String>) -> Self {
        Self { symbol: symbol.into(), tick: TickLoopConfig::default(), limits: ServerLimits::default(), metrics: Arc::default(), on_fanout: None }
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
    let market = Market::new(options.symbol.clone(), engine, inbox);
    serve_markets(vec![market], listener, options, shutdown).await
}

/// Serve several symbols: one tick loop and fan-out per market; a client picks one with
/// `/ws?symbol=<symbol>` (the first market without it), and `/symbols` lists them.
pub async fn serve_markets(
    markets: Vec<Market>,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut fanouts = Vec::with_capacity(markets.len());
    let mut ticks = Vec::with_capacity(markets.len());
    for m in markets {
        let (publisher, handle, join_requests) = fanout::fanout();
        if let Some(hook) = &options.on_fanout {
            hook(&m.symbol, handle.clone());
        }
        let tick = TickLoopConfig { clocked_by_source: m.clocked_by_source, ..options.tick };
        ticks.push(tokio::spawn(tick_loop::run_tick_loop(m.engine, m.inbox, join_requests, publisher, options.metrics.clone(), tick)));
        fanouts.push((m.symbol, handle));
    }
    if fanouts.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "no market to serve"));
    }
    let result = serve_directory(Arc::new(MarketDirectory::new(fanouts)), listener, options, shutdown).await;
    for t in ticks {
        t.abort();
    }
    result
}

/// Serve `/ws`, `/healthz`, `/metrics`, `/symbols` for the markets in `directory` (which may grow
/// while serving, as on an edge node) until `shutdown` resolves. The limits, Origin and Host rules are
/// the same whoever produces the frames.
pub async fn serve_directory(
    directory: Arc<MarketDirectory>,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = options.limits;
    let bad_config = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let origins = http::origin::OriginPolicy::new(&limits.allowed_origins).map_err(bad_config)?;
    let listen_is_loopback = listener.local_addr()?.ip().is_loopback();
    let hosts = http::host::HostPolicy::new(&limits.allowed_hosts, listen_is_loopback).map_err(bad_config)?;
    // Size the caps to the descriptors we have, keeping a reserve, so `accept` never runs out and
    // a server full of clients still answers /healthz and /metrics (pending connections have room
    // of their own, and the oldest is closed for a new one).
    let fd_limit = http::fd_limit::soft_limit();
    options.metrics.fd_limit.store(fd_limit.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    let max_open = fd_limit.map_or(u64::MAX, |l| l.saturating_sub(http::fd_limit::FD_RESERVE).max(8));
    let max_pending = limits.max_pending_connections.clamp(1, (max_open / 2).max(1) as usize);
    let max_clients = limits.max_clients.min(max_open.saturating_sub(max_pending as u64).max(1));
    if max_clients < limits.max_clients {
        tracing::warn!(asked = limits.max_clients, allowed = max_clients, ?fd_limit, "max clients lowered to fit the file-descriptor limit");
    }
    let gate = http::connection_gate::ConnectionGate::new(max_open, max_pending, options.metrics.clone());
    let clients = http::client_slots::ClientSlots::new(max_clients, limits.max_clients_per_ip, options.metrics.clone());
    let http_timeouts = limits.http;
    let state = http::AppState {
        markets: directory,
        metrics: options.metrics.clone(),
        limits: Arc::new(limits),
        clients,
        origins: Arc::new(origins),
        hosts: Arc::new(hosts),
    };
    http::listener::serve_http(listener, http::router(state), gate, http_timeouts, options.metrics, shutdown).await
}
