//! `tickframe-server`: serve order-book frames over WebSocket. Run with `--help` for every option.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, Parser, Subcommand};
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::client_session::SessionLimits;
use tickframe_server::frame_builder::now_ms;
use tickframe_server::orderbook_engine::{OrderbookEngine, DEFAULT_DEPTH};
use tickframe_server::recording::RecordingWriter;
use tickframe_server::sources::simulator::{self, sim_instrument};
use tickframe_server::tick_loop::{TickLoopConfig, DEFAULT_TICK_HZ};
use tickframe_server::{serve, ServeOptions, ServerLimits};
use tokio::sync::mpsc;

#[derive(Parser, Debug)]
#[command(name = "tickframe-server", version, about = "Serve live order books as FlatBuffer frames over binary WebSocket.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a deterministic recording of simulator frames (simulated time, no sockets).
    RecordSim {
        /// Output file (tickframe recording format, see schema/README.md).
        #[arg(long)]
        out: PathBuf,
        /// Number of frames to record.
        #[arg(long, default_value_t = 250)]
        frames: u32,
        /// Simulator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Levels per side in each frame.
        #[arg(long, default_value_t = DEFAULT_DEPTH)]
        depth: usize,
        /// Frames per simulated second.
        #[arg(long, default_value_t = DEFAULT_TICK_HZ)]
        tick_hz: u32,
    },
    /// Replay a capture (JSON Lines, see the README) as fast as possible through a venue adapter —
    /// the same adapter and book code as the live path — and print a summary line of counters.
    /// Exits non-zero only when the file cannot be read.
    CheckCapture {
        /// The venue whose messages the capture holds.
        #[arg(long, value_parser = tickframe_server::adapters::VENUES)]
        exchange: String,
        /// Only this symbol (as the venue writes it, or with any separators: XMR/USD = XMR-USD).
        #[arg(long)]
        symbol: Option<String>,
        /// Print one JSON line with the top of book after every applied book update.
        #[arg(long)]
        emit_top: bool,
        /// The capture file.
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:9001")]
    listen: SocketAddr,
    /// Frames per second broadcast to clients (20–100).
    #[arg(long, default_value_t = DEFAULT_TICK_HZ, value_parser = clap::value_parser!(u32).range(20..=100))]
    tick_hz: u32,
    /// Levels per side in each frame (1–1000).
    #[arg(long, default_value_t = DEFAULT_DEPTH, value_parser = parse_depth)]
    depth: usize,
    /// Market data source. Only `sim` (the built-in simulator) in this version.
    #[arg(long, default_value = "sim")]
    source: String,
    /// Simulator seed (same seed, same market).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulator updates per second.
    #[arg(long, default_value_t = 100)]
    sim_rate: u32,
    /// Maximum concurrent WebSocket clients.
    #[arg(long, default_value_t = 10_000)]
    max_clients: u64,
    /// Disconnect a client whose socket does not take a frame within this many milliseconds.
    #[arg(long, default_value_t = 2000)]
    send_timeout_ms: u64,
    /// Largest client WebSocket message in bytes; bigger ones close the connection with 1009.
    #[arg(long, default_value_t = 4096)]
    max_inbound_bytes: usize,
    /// Allowed browser Origin (repeatable). Default: localhost origins only.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Record every broadcast frame to this file (tickframe recording format).
    #[arg(long)]
    record: Option<PathBuf>,
}

fn parse_depth(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(d) if (1..=1000).contains(&d) => Ok(d),
        _ => Err(format!("depth must be 1..=1000, got {s:?}")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr) // stdout is for output (check-capture's JSON lines, the listen address)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::RecordSim { out, frames, seed, depth, tick_hz }) => record_sim(out, frames, seed, depth, tick_hz),
        Some(Command::CheckCapture { exchange, symbol, emit_top, file }) => check_capture(&exchange, symbol.as_deref(), emit_top, &file),
        None => run(cli.serve).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tickframe-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn check_capture(exchange: &str, symbol: Option<&str>, emit_top: bool, file: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut venue = tickframe_server::adapters::venue_by_name(exchange).ok_or_else(|| format!("unknown --exchange {exchange:?}"))?;
    let input = std::io::BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match tickframe_server::check_capture::check_capture(venue.as_mut(), input, symbol, emit_top, &mut out) {
        // Output closed early (`| head`): not a problem with the input.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("{}: {e}", file.display()).into()),
        Ok(_) => Ok(()),
    }
}

async fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.source != "sim" {
        return Err(format!("unknown --source {:?} (this version serves `sim`)", args.source).into());
    }
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), args.depth);
    let mut options = ServeOptions::new(engine.symbol().to_string());
    options.metrics.engine.set(engine.counters()).ok();
    options.tick = TickLoopConfig { tick_hz: args.tick_hz, ..Default::default() };
    options.limits = ServerLimits {
        max_clients: args.max_clients,
        allowed_origins: args.allow_origins,
        session: SessionLimits { send_timeout: Duration::from_millis(args.send_timeout_ms), max_inbound_bytes: args.max_inbound_bytes },
        ..Default::default()
    };
    if let Some(path) = args.record.clone() {
        let file = std::fs::File::create(&path).map_err(|e| format!("--record {}: {e}", path.display()))?;
        let writer = RecordingWriter::new(std::io::BufWriter::new(file), &simulator::sim_recording_header(args.tick_hz, now_ms()))?;
        let writer = std::sync::Mutex::new(Some(writer));
        options.on_fanout = Some(Arc::new(move |handle| {
            if let Some(w) = writer.lock().ok().and_then(|mut w| w.take()) {
                tokio::spawn(record_frames(handle, w));
            }
        }));
    }

    let (inbox_tx, inbox_rx) = mpsc::channel::<Bytes>(1024);
    tokio::spawn(simulator::run(args.seed, args.sim_rate, inbox_tx));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    // Machine-readable first line: tests and `npm start` parse it.
    println!("tickframe-server listening on http://{addr} (WebSocket: ws://{addr}/ws)");
    tracing::info!(%addr, tick_hz = args.tick_hz, depth = args.depth, source = %args.source, "serving");
    serve(engine, inbox_rx, listener, options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn record_frames<W: std::io::Write + Send + 'static>(handle: tickframe_server::FanoutHandle, mut w: RecordingWriter<W>) {
    let mut rx = handle.subscribe();
    loop {
        match rx.recv().await {
            Ok(frame) => {
                if let Err(e) = w.append(now_ms() as f64, &frame.bytes) {
                    tracing::error!(error = %e, "recording stopped: write failed");
                    return;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "recorder fell behind; frames skipped");
            }
            Err(_) => return,
        }
    }
}

fn record_sim(out: PathBuf, frames: u32, seed: u64, depth: usize, tick_hz: u32) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    simulator::record_simulation(file, frames, seed, depth, tick_hz)?;
    println!("wrote {frames} frames to {}", out.display());
    Ok(())
}
