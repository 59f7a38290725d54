//! `tickframe-server`'s serving options (`--listen`, `--source`, limits…), parsed by clap, and what
//! they become: the server's and the sources' options. The binary parses, then calls [`run`].

pub mod check_capture;

use crate::fanout::writer_loops::WriterIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::bus::edge_budget::EdgeBudget;
use crate::bus::ingest_lease::LeaseConfig;
use crate::engine::heat_columns::{self, HeatBand, HeatConfig};
use crate::engine::orderbook_engine::{DEFAULT_DEPTH, MAX_DEPTH};
use crate::http::client_session::SessionLimits;
use crate::http::listener::HttpTimeouts;
use crate::recording::recorder;
use crate::sources::capture_source::Speed;
use crate::sources::live_source::{Backoff, DEFAULT_CONFIRM_DEADLINE, DEFAULT_RESYNC_DEADLINE};
use crate::sources::{self, SourceOptions, SourceSpec, Sources};
use crate::tick_loop::{TickLoopConfig, DEFAULT_TICK_HZ, MAX_TICK_HZ, MIN_TICK_HZ};
use crate::{serve_markets, FanoutHook, ServeOptions, ServerLimits};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:9001")]
    pub listen: SocketAddr,
    /// Frames per second broadcast to clients (20–100).
    #[arg(long, default_value_t = DEFAULT_TICK_HZ, value_parser = clap::value_parser!(u32).range(MIN_TICK_HZ as i64..=MAX_TICK_HZ as i64))]
    pub tick_hz: u32,
    /// Levels per side in each frame (1–1000).
    #[arg(long, default_value_t = DEFAULT_DEPTH, value_parser = parse_depth)]
    pub depth: usize,
    /// Market data source (repeatable): see `source_help` (the venue list comes from the registry).
    #[arg(long = "source", default_values_t = [SourceSpec::Simulator], help = source_help())]
    pub sources: Vec<SourceSpec>,
    /// Heat columns (a liquidity heatmap's data): one per symbol every this many ms (20–10000; 0: none).
    #[arg(long, default_value_t = heat_columns::DEFAULT_INTERVAL_MS)]
    pub heat_interval_ms: u32,
    /// Price bins per heat column (8–1024).
    #[arg(long, default_value_t = heat_columns::DEFAULT_BINS)]
    pub heat_bins: u16,
    /// The heat columns' band around the mid: `<n>bps` or `<n>ticks` either side.
    #[arg(long, default_value = "50bps")]
    pub heat_band: HeatBand,
    /// Heat columns a late joiner gets at once (bounded so its join frame stays under 1 MiB).
    #[arg(long, default_value_t = heat_columns::DEFAULT_HISTORY)]
    pub heat_history: usize,
    /// Capture replay speed: a factor (2 = twice as fast) or `max`.
    #[arg(long, default_value = "1", value_parser = parse_speed)]
    pub speed: Speed,
    /// Venue for `capture:` sources whose header does not say (binance, kraken, …).
    #[arg(long)]
    pub capture_exchange: Option<String>,
    /// Serve only these symbols of a capture (comma-separated). Default: the header's l2_book list.
    #[arg(long, value_delimiter = ',')]
    pub capture_symbols: Vec<String>,
    /// Record a live source's raw traffic to this file (capture format; `check-capture` reads it).
    #[arg(long)]
    pub capture_out: Option<PathBuf>,
    /// Override a live source's WebSocket URL (testing against a local server or a proxy).
    #[arg(long)]
    pub exchange_ws_url: Option<String>,
    /// Override the scheme and host of a live source's REST snapshot URLs.
    #[arg(long)]
    pub exchange_rest_url: Option<String>,
    /// A live source that sends no market data (pings and pongs do not count) for this many
    /// milliseconds has its books marked stale and is reconnected. Default per venue: 5000 where the
    /// venue sends data heartbeats every second (coinbase, kraken), 10000 otherwise.
    #[arg(long)]
    pub data_deadline_ms: Option<u64>,
    /// A book not live this many milliseconds after its resync began is asked for again; after as
    /// long again the source reconnects (a venue that ignores a resubscribe cannot hold it forever).
    #[arg(long, default_value_t = ms(DEFAULT_RESYNC_DEADLINE))]
    pub resync_deadline_ms: u64,
    /// A live book with no update for this many milliseconds (heartbeats keep the connection, not
    /// the book) is confirmed by a fresh snapshot. Default per venue: 15000 for coinbase and kraken,
    /// 30000 otherwise.
    #[arg(long)]
    pub book_quiet_ms: Option<u64>,
    /// A quiet book not confirmed within this many milliseconds is stale, and resynced.
    #[arg(long, default_value_t = ms(DEFAULT_CONFIRM_DEADLINE))]
    pub confirm_deadline_ms: u64,
    /// A REST snapshot request that has not completed in this many milliseconds fails (and is
    /// retried, as a 5xx is).
    #[arg(long, default_value_t = ms(SourceOptions::default().rest_timeout))]
    pub rest_timeout_ms: u64,
    /// Maximum reconnect backoff for live sources, in milliseconds (exponential with full jitter).
    #[arg(long, default_value_t = ms(Backoff::default().max))]
    pub max_backoff_ms: u64,
    /// Simulator seed (same seed, same market).
    #[arg(long, default_value_t = SourceOptions::default().seed)]
    pub seed: u64,
    /// Simulator updates per second.
    #[arg(long, default_value_t = SourceOptions::default().sim_rate)]
    pub sim_rate: u32,
    /// Simulator prints per update (default: now and then, about one update in three; 0: none).
    #[arg(long)]
    pub sim_prints: Option<u32>,
    /// Threads that write frames to clients' sockets (writer loops; 0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub writer_loops: usize,
    /// How writer loops send: `write` (one send(2) per socket) or `uring` (a frame's sends as io_uring
    /// submissions of up to 256; falls back to `write` where io_uring is refused).
    #[arg(long, default_value = "uring", value_parser = parse_writer_io)]
    pub writer_io: WriterIo,
    /// Maximum concurrent WebSocket clients.
    #[arg(long, default_value_t = ServerLimits::default().max_clients)]
    pub max_clients: u64,
    /// Disconnect a client whose socket does not take a frame within this many milliseconds.
    #[arg(long, default_value_t = ms(SessionLimits::default().send_timeout))]
    pub send_timeout_ms: u64,
    /// Interval between the server's WebSocket pings to each client, in milliseconds.
    #[arg(long, default_value_t = ms(SessionLimits::default().ping_interval))]
    pub ping_interval_ms: u64,
    /// Disconnect a client silent (no pong, no message) for this many milliseconds.
    #[arg(long, default_value_t = ms(SessionLimits::default().pong_timeout))]
    pub pong_timeout_ms: u64,
    /// Largest client WebSocket message in bytes; bigger ones close the connection with 1009.
    #[arg(long, default_value_t = SessionLimits::default().max_inbound_bytes)]
    pub max_inbound_bytes: usize,
    /// Maximum WebSocket clients per remote address (0 = no limit; use 0 behind a reverse proxy
    /// that does not pass client addresses).
    #[arg(long, default_value_t = ServerLimits::default().max_clients_per_ip)]
    pub max_clients_per_ip: u32,
    /// Maximum connections that have not upgraded to a WebSocket; when full, the oldest stalled one
    /// is closed for a new one (see SECURITY.md), and while none has stalled new ones wait.
    #[arg(long, default_value_t = ServerLimits::default().max_pending_connections)]
    pub max_pending_connections: usize,
    /// A connection must send complete request headers (e.g. the WebSocket handshake) within this
    /// many milliseconds of being accepted.
    #[arg(long, default_value_t = ms(HttpTimeouts::default().handshake))]
    pub handshake_timeout_ms: u64,
    /// Allowed browser Origin, exactly `scheme://host[:port]` (repeatable), e.g.
    /// `--allow-origin https://app.example`. Default: pages on localhost, 127.0.0.1 or [::1].
    #[arg(long = "allow-origin", value_parser = parse_origin)]
    pub allow_origins: Vec<String>,
    /// Host names the HTTP endpoints answer, `host` or `host:port` (repeatable). Default: loopback
    /// names when listening on a loopback address (DNS-rebinding protection), any otherwise.
    #[arg(long = "allow-host")]
    pub allow_hosts: Vec<String>,
    /// Edge node: bytes of frames all relays together may hold (queued + kept for clients), in MiB.
    #[arg(long, default_value_t = EdgeBudget::default().edge_bytes >> 20)]
    pub edge_budget_mib: usize,
    /// Edge node: largest frame relayed from the bus, in KiB (a 1,000-level book is ~35 KiB).
    #[arg(long, default_value_t = EdgeBudget::default().max_frame_bytes >> 10)]
    pub edge_max_frame_kib: usize,
    /// Edge node: a symbol the bus has not carried for this many seconds is no longer relayed.
    #[arg(long, default_value_t = EdgeBudget::default().idle_evict.as_secs())]
    pub edge_idle_evict_s: u64,
    /// Record every broadcast frame to this file (tickframe recording format).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Be an ingest node: publish every frame to NATS at this URL (`nats://host:port`), on
    /// `tickframe.book.<symbol>`, while this node holds its group's lease. Needs JetStream (`-js`).
    #[arg(long, value_name = "NATS_URL")]
    pub publish: Option<String>,
    /// Ingest nodes with the same sources share a group: one of them publishes, the others stand by.
    #[arg(long, default_value = "default", value_parser = parse_group)]
    pub ingest_group: String,
    /// This node's name in the lease and the bus's connection list (default: host name and pid).
    #[arg(long)]
    pub node_name: Option<String>,
    /// The ingest lease's time to live, in milliseconds: a standby takes over within about this long
    /// (plus a sixth of it) after the active node stops renewing.
    #[arg(long, default_value_t = ms(crate::bus::ingest_lease::DEFAULT_TTL), value_parser = clap::value_parser!(u64).range(500..=60_000))]
    pub lease_ttl_ms: u64,
}

fn parse_group(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?}: a group is 1–64 letters, digits, '-' or '_'"))
    }
}

fn parse_origin(s: &str) -> Result<String, String> {
    crate::http::origin::Origin::parse(s).map(|_| s.to_string())
}

fn parse_speed(s: &str) -> Result<Speed, String> {
    s.parse()
}

fn parse_depth(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(d) if (1..=MAX_DEPTH).contains(&d) => Ok(d),
        _ => Err(format!("depth must be 1..={MAX_DEPTH}, got {s:?}")),
    }
}

/// A default duration as the milliseconds a flag takes: every default is the named constant's.
fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// `--source`'s help, with the venues from the registry (never a list kept by hand).
fn source_help() -> String {
    format!(
        "Market data source (repeatable; every symbol is served, pick one with /ws?symbol=): `sim` (built-in simulator, SIM-USD); \
         `<venue>:<symbol>[,<symbol>…]` live, venue one of {} (e.g. `kraken:BTC/USD`, `binance:BTCUSDT,ETHUSDT`); `capture:<file>` \
         replays a capture (its header names the venue and symbols) at recorded timing (see --speed)",
        crate::venues::names().collect::<Vec<_>>().join(", ")
    )
}

/// Serve: build the sources, start recording if asked, bind, print the address line, run until Ctrl-C.
pub async fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    crate::fanout::writer_loops::configure(args.writer_loops, args.writer_io);
    let mut options = ServeOptions::new("");
    options.tick = TickLoopConfig { tick_hz: args.tick_hz, ..Default::default() };
    options.limits = ServerLimits {
        max_clients: args.max_clients,
        max_clients_per_ip: args.max_clients_per_ip,
        max_pending_connections: args.max_pending_connections,
        http: HttpTimeouts { handshake: Duration::from_millis(args.handshake_timeout_ms.max(100)), ..Default::default() },
        allowed_origins: args.allow_origins.clone(),
        allowed_hosts: args.allow_hosts.clone(),
        session: SessionLimits {
            send_timeout: Duration::from_millis(args.send_timeout_ms),
            max_inbound_bytes: args.max_inbound_bytes,
            ping_interval: Duration::from_millis(args.ping_interval_ms.max(100)),
            pong_timeout: Duration::from_millis(args.pong_timeout_ms.max(200)),
            ..SessionLimits::default()
        },
    };
    let source_options = SourceOptions {
        depth: args.depth,
        seed: args.seed,
        sim_rate: args.sim_rate,
        sim_prints: args.sim_prints,
        speed: args.speed,
        capture_exchange: args.capture_exchange.clone(),
        capture_symbols: args.capture_symbols.clone(),
        capture_out: args.capture_out.clone(),
        exchange_ws_url: args.exchange_ws_url.clone(),
        exchange_rest_url: args.exchange_rest_url.clone(),
        data_deadline: args.data_deadline_ms.map(Duration::from_millis),
        resync_deadline: Duration::from_millis(args.resync_deadline_ms.max(100)),
        book_quiet: args.book_quiet_ms.map(Duration::from_millis),
        confirm_deadline: Duration::from_millis(args.confirm_deadline_ms),
        rest_timeout: Duration::from_millis(args.rest_timeout_ms),
        max_backoff: Duration::from_millis(args.max_backoff_ms),
        tick_hz: args.tick_hz,
        heat: HeatConfig { interval_ms: args.heat_interval_ms, bins: args.heat_bins, band: args.heat_band, history: args.heat_history },
    };
    if let Some(SourceSpec::Bus { url, symbols }) = args.sources.iter().find(|s| matches!(s, SourceSpec::Bus { .. })) {
        if args.sources.len() > 1 || args.publish.is_some() || args.record.is_some() {
            return Err("a nats:// --source makes this node an edge: no other --source, --publish or --record".into());
        }
        let deadline = args.data_deadline_ms.map_or(crate::bus::edge_relay::DEFAULT_DEADLINE, |ms| Duration::from_millis(ms.max(100)));
        let edge = crate::bus::edge_subscriber::EdgeOptions {
            symbols: symbols.clone(),
            deadline,
            budget: crate::bus::edge_budget::EdgeBudget {
                max_frame_bytes: args.edge_max_frame_kib.clamp(1, 1024) << 10,
                edge_bytes: args.edge_budget_mib.clamp(1, 1 << 20) << 20,
                idle_evict: Duration::from_secs(args.edge_idle_evict_s.max(1)),
                ..Default::default()
            },
        };
        let node = crate::bus::edge_node::EdgeNode::start(url, &node_name(&args), edge, options.metrics.clone()).await?;
        let listener = bind_and_announce(&args).await?;
        return Ok(node.serve(listener, options, ctrl_c()).await?);
    }
    let Sources { markets, tasks } = sources::build(&args.sources, &source_options, &options.metrics)?;
    let mut hooks = Vec::new();
    if let Some(path) = &args.record {
        hooks.push(recorder::record_first_market(path, args.tick_hz, args.sources.iter().map(|s| s.to_string()).collect(), options.metrics.clone())?);
    }
    let ingest = match &args.publish {
        Some(url) => {
            let lease = LeaseConfig {
                group: args.ingest_group.clone(),
                node: node_name(&args),
                ttl: Duration::from_millis(args.lease_ttl_ms),
                symbols: markets.iter().map(|m| m.symbol.clone()).collect(),
            };
            let node = crate::bus::ingest_node::IngestNode::start(url, lease, options.metrics.clone()).await?;
            hooks.push(node.fanout_hook());
            Some(node)
        }
        None => None,
    };
    options.on_fanout = combine_hooks(hooks);
    let symbols: Vec<String> = markets.iter().map(|m| m.symbol.clone()).collect();
    sources::spawn_supervised(tasks, &options.metrics);
    let listener = bind_and_announce(&args).await?;
    tracing::info!(tick_hz = args.tick_hz, depth = args.depth, ?symbols, "serving");
    serve_markets(markets, listener, options, ctrl_c()).await?;
    if let Some(node) = ingest {
        node.stop().await; // hand the lease over at once rather than after its TTL
    }
    Ok(())
}

/// Bind `--listen` and print the address line (machine-readable: tests and `npm start` parse it).
async fn bind_and_announce(args: &ServeArgs) -> Result<tokio::net::TcpListener, String> {
    let listener = listen(args.listen).map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("tickframe-server listening on http://{addr} (WebSocket: ws://{addr}/ws)");
    tracing::info!(%addr, "listening");
    Ok(listener)
}

/// Connections the kernel queues before they are accepted (capped by `net.core.somaxconn`): a
/// reconnect storm waits there while the pending set is full of handshakes still completing.
pub const ACCEPT_BACKLOG: u32 = 4096;

/// Bind and listen with [`ACCEPT_BACKLOG`] (tokio's `bind` listens with 1024).
pub fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

/// Resolves on Ctrl-C or SIGTERM (a supervisor's stop): both end the server cleanly.
async fn ctrl_c() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
    }
}

fn parse_writer_io(s: &str) -> Result<WriterIo, String> {
    match s {
        "write" => Ok(WriterIo::Write),
        "uring" => Ok(WriterIo::Uring),
        _ => Err(format!("{s:?}: expected write or uring")),
    }
}

/// `--node-name`, or host name and pid.
fn node_name(args: &ServeArgs) -> String {
    args.node_name.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        format!("{}-{}", if host.is_empty() { "node" } else { &host }, std::process::id())
    })
}

/// One fan-out hook calling each of `hooks` in turn.
fn combine_hooks(hooks: Vec<FanoutHook>) -> Option<FanoutHook> {
    match hooks.len() {
        0 => None,
        1 => hooks.into_iter().next(),
        _ => Some(std::sync::Arc::new(move |symbol: &str, handle: crate::FanoutHandle| hooks.iter().for_each(|h| h(symbol, handle.clone())))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn source_help_names_every_registered_venue() {
        let help = Cli::command().render_help().to_string();
        for venue in crate::venues::names() {
            assert!(help.contains(venue), "--help does not name {venue}");
        }
    }

    #[test]
    fn flag_defaults_are_the_libraries_defaults() {
        let a = Cli::parse_from(["tickframe-server"]).serve;
        let (limits, session) = (ServerLimits::default(), SessionLimits::default());
        assert_eq!(
            (a.max_clients, a.max_clients_per_ip, a.max_pending_connections),
            (limits.max_clients, limits.max_clients_per_ip, limits.max_pending_connections)
        );
        assert_eq!(Duration::from_millis(a.send_timeout_ms), session.send_timeout);
        assert_eq!(Duration::from_millis(a.pong_timeout_ms), session.pong_timeout);
        assert_eq!(a.max_inbound_bytes, session.max_inbound_bytes);
        assert_eq!((a.tick_hz, a.depth), (DEFAULT_TICK_HZ, DEFAULT_DEPTH));
        assert!(Cli::try_parse_from(["tickframe-server", "--tick-hz", &(MAX_TICK_HZ + 1).to_string()]).is_err());
        assert!(Cli::try_parse_from(["tickframe-server", "--depth", &(MAX_DEPTH + 1).to_string()]).is_err());
    }
}
