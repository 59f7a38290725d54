//! From `--source`s to what the server runs: one market (engine + inbox) per served symbol, and the
//! source tasks that feed them.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::adapters::book_image::BookImageAdapter;
use crate::adapters::sim::SimAdapter;
use crate::engine::heat_columns::HeatConfig;
use crate::engine::orderbook_engine::OrderbookEngine;
use crate::exchange::capture::{CaptureEvent, CaptureReader, CaptureWriter};
use crate::instrument::Instrument;
use crate::metrics::Metrics;
use crate::sources::capture_source::{self, Speed};
use crate::sources::live_source::{self, LiveOptions};
use crate::sources::simulator::{self, sim_instrument};
use crate::sources::source_spec::SourceSpec;
use crate::sources::venue_feed::{FeedTarget, VenueFeed};
use crate::Market;

/// How sources run (from the command line; tests set what they need).
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Levels per side in each frame; live venues subscribe at (at least) this depth.
    pub depth: usize,
    /// Simulator seed and updates per second.
    pub seed: u64,
    pub sim_rate: u32,
    /// The simulator's prints per update: `None` now and then (about one update in three), `Some(n)`
    /// exactly `n` (0: a book without prints; the benchmark's knob for a full window).
    pub sim_prints: Option<u32>,
    /// Capture replay pace.
    pub speed: Speed,
    /// Venue for captures whose header does not name one.
    pub capture_exchange: Option<String>,
    /// Serve only these symbols of a capture (default: its header's).
    pub capture_symbols: Vec<String>,
    /// Record the (one) live source's raw traffic here, in the capture format.
    pub capture_out: Option<PathBuf>,
    /// Point live sources elsewhere (tests, proxies): WebSocket URL, REST scheme and host.
    pub exchange_ws_url: Option<String>,
    pub exchange_rest_url: Option<String>,
    /// Overrides the venue's own data deadline.
    pub data_deadline: Option<Duration>,
    pub rest_timeout: Duration,
    /// See [`LiveOptions::resync_deadline`].
    pub resync_deadline: Duration,
    /// Overrides the venue's own quiet time for a book (`LiveEndpoint::book_quiet`).
    pub book_quiet: Option<Duration>,
    /// See [`LiveOptions::confirm_deadline`].
    pub confirm_deadline: Duration,
    pub max_backoff: Duration,
    /// The servers' tick rate: a capture replay ticks on the capture's clock at this rate.
    pub tick_hz: u32,
    /// Heat columns for heatmaps (`--heat-*`).
    pub heat: HeatConfig,
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            depth: crate::engine::orderbook_engine::DEFAULT_DEPTH,
            seed: 1,
            sim_rate: 100,
            sim_prints: None,
            speed: Speed::Times(1.0),
            capture_exchange: None,
            capture_symbols: vec![],
            capture_out: None,
            exchange_ws_url: None,
            exchange_rest_url: None,
            data_deadline: None,
            rest_timeout: live_source::LiveOptions::DEFAULT_REST_TIMEOUT,
            resync_deadline: live_source::DEFAULT_RESYNC_DEADLINE,
            book_quiet: None,
            confirm_deadline: live_source::DEFAULT_CONFIRM_DEADLINE,
            max_backoff: live_source::Backoff::default().max,
            tick_hz: crate::tick_loop::DEFAULT_TICK_HZ,
            heat: HeatConfig::default(),
        }
    }
}

pub type SourceTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Markets to serve and the tasks that feed them.
#[derive(Default)]
pub struct Sources {
    pub markets: Vec<Market>,
    pub tasks: Vec<SourceTask>,
}

/// Build every source. Errors name the source and what is wrong with it.
pub fn build(specs: &[SourceSpec], opts: &SourceOptions, metrics: &Arc<Metrics>) -> Result<Sources, String> {
    let live = specs.iter().filter(|s| matches!(s, SourceSpec::Live { .. })).count();
    if opts.capture_out.is_some() && live != 1 {
        return Err("--capture-out records one live source: give exactly one `<venue>:<symbol>` --source".into());
    }
    let mut out = Sources::default();
    for spec in specs {
        match spec {
            SourceSpec::Simulator => {
                let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), opts.depth).with_heat(opts.heat);
                metrics.register_engine(engine.counters());
                let (tx, rx) = mpsc::channel::<Bytes>(1024);
                out.markets.push(Market::new(engine.symbol().to_string(), engine, rx));
                out.tasks.push(Box::pin(simulator::run(opts.seed, opts.sim_rate, opts.sim_prints, tx)));
            }
            SourceSpec::Capture { path } => {
                let (exchange, header_symbols) = capture_header(path)?;
                let name = match &opts.capture_exchange {
                    Some(v) => v.clone(),
                    None => crate::venues::by_cryptofeed_id(&exchange)
                        .ok_or_else(|| format!("{}: unknown exchange {exchange:?}: pass --capture-exchange", path.display()))?
                        .to_string(),
                };
                let venue =
                    crate::venues::by_name(&name, crate::venues::CAPTURE_DEPTH).ok_or_else(|| format!("unknown --capture-exchange {name:?}"))?;
                let symbols = if opts.capture_symbols.is_empty() { header_symbols } else { opts.capture_symbols.clone() };
                if symbols.is_empty() {
                    return Err(format!("{}: no symbols in the header: pass --capture-symbols", path.display()));
                }
                let first = out.markets.len();
                let feed = VenueFeed::new(venue, venue_markets(&symbols, opts, metrics, &mut out.markets), metrics.clone());
                // A replay runs on the capture's clock: its frames say when the market happened.
                for m in &mut out.markets[first..] {
                    m.clocked_by_source = true;
                }
                let input = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?);
                out.tasks.push(Box::pin(capture_source::run_capture(feed, input, opts.speed, opts.tick_hz)));
            }
            SourceSpec::Bus { .. } => {
                return Err("a nats:// --source makes this node an edge: give it no other --source".into());
            }
            SourceSpec::Live { venue: name, symbols } => {
                let mut venue = crate::venues::by_name(name, opts.depth).ok_or_else(|| format!("unknown venue {name:?}"))?;
                venue.check_symbols(symbols).map_err(|e| format!("--source {name}:{}: {e}", symbols.join(",")))?;
                let mut endpoint = venue.endpoint(symbols);
                // The venue's own URL says which category its books are (before a test overrides it).
                venue.select_connection(&endpoint.ws_url);
                if let Some(url) = &opts.exchange_ws_url {
                    endpoint.ws_url = url.clone();
                }
                if let Some(d) = opts.data_deadline {
                    endpoint.data_deadline = d.max(Duration::from_millis(100));
                }
                if let Some(q) = opts.book_quiet {
                    endpoint.book_quiet = q.max(Duration::from_millis(100));
                }
                let mut live = LiveOptions::new(endpoint);
                live.rest_base = opts.exchange_rest_url.clone();
                live.rest_timeout = opts.rest_timeout.max(Duration::from_millis(100));
                live.resync_deadline = opts.resync_deadline;
                live.confirm_deadline = opts.confirm_deadline.max(Duration::from_millis(100));
                live.backoff.max = opts.max_backoff.max(Duration::from_millis(10));
                live.backoff.initial = live.backoff.initial.min(live.backoff.max);
                if let Some(path) = &opts.capture_out {
                    let file = std::fs::File::create(path).map_err(|e| format!("--capture-out {}: {e}", path.display()))?;
                    live.capture_out = Some(CaptureWriter::new(Box::new(std::io::BufWriter::new(file))));
                }
                let feed = VenueFeed::new(venue, venue_markets(symbols, opts, metrics, &mut out.markets), metrics.clone());
                out.tasks.push(Box::pin(live_source::run_live(feed, live)));
            }
        }
    }
    Ok(out)
}

/// Read a capture's header line: (exchange, l2_book symbols).
fn capture_header(path: &Path) -> Result<(String, Vec<String>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = CaptureReader::new(std::io::BufReader::new(file));
    match reader.next_event() {
        Some(Ok(CaptureEvent::Header { exchange, config, .. })) => {
            let symbols = config["l2_book"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default();
            Ok((exchange.into_owned(), symbols))
        }
        _ => Err(format!("{}: no capture header on the first line", path.display())),
    }
}

/// Engines fed by a venue: one per symbol, each behind a bounded inbox. An exchange book's scale
/// comes from its first prices, so the instrument starts at whole units.
fn venue_markets(symbols: &[String], opts: &SourceOptions, metrics: &Arc<Metrics>, markets: &mut Vec<Market>) -> Vec<FeedTarget> {
    symbols
        .iter()
        .map(|symbol| {
            let (tx, rx) = mpsc::channel::<Bytes>(64);
            let instrument = Instrument { symbol: symbol.clone(), price_decimals: 0, tick_units: 1, size_decimals: 0, lot_units: 1 };
            let engine = OrderbookEngine::new(BookImageAdapter::new(), instrument, opts.depth).with_heat(opts.heat);
            metrics.register_engine(engine.counters());
            markets.push(Market::new(symbol.clone(), engine, rx));
            FeedTarget { symbol: symbol.clone(), inbox: tx }
        })
        .collect()
}

/// Run every source task; one that dies drops its inboxes (so its books go stale in the tick loop),
/// and is logged and counted here while the server keeps serving everything else.
pub fn spawn_supervised(tasks: Vec<SourceTask>, metrics: &Arc<Metrics>) {
    for t in tasks {
        let task = tokio::spawn(t);
        let metrics = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = task.await {
                if e.is_panic() {
                    metrics.source_task_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::error!(error = %e, "a source task died: its books are served as stale");
                }
            }
        });
    }
}
