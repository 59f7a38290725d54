//! `tickframe-server`: serve order-book frames over WebSocket. Run with `--help` for every option.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tickframe_server::cli::check_capture::Emit;
use tickframe_server::cli::{run, ServeArgs};
use tickframe_server::engine::orderbook_engine::DEFAULT_DEPTH;
use tickframe_server::sources::simulator;
use tickframe_server::tick_loop::DEFAULT_TICK_HZ;

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
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(tickframe_server::venues::names()))]
        exchange: String,
        /// Only this symbol (as the venue writes it, or with any separators: XMR/USD = XMR-USD).
        #[arg(long)]
        symbol: Option<String>,
        /// Print one JSON line with the top of book after every applied book update.
        #[arg(long)]
        emit_top: bool,
        /// Print one JSON line per print, as the venue reported it: exact price and size, the taker's side, the exchange's time.
        #[arg(long)]
        emit_trades: bool,
        /// The capture file.
        file: PathBuf,
    },
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
        Some(Command::CheckCapture { exchange, symbol, emit_top, emit_trades, file }) => {
            check_capture(&exchange, symbol.as_deref(), Emit { top: emit_top, trades: emit_trades }, &file)
        }
        None => {
            // Every connection is a descriptor: take what the hard limit allows before listening.
            tickframe_server::http::fd_limit::raise_to_hard_limit();
            run(cli.serve).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tickframe-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn check_capture(exchange: &str, symbol: Option<&str>, emit: Emit, file: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut venue = tickframe_server::venues::by_name(exchange, tickframe_server::venues::CAPTURE_DEPTH)
        .ok_or_else(|| format!("unknown --exchange {exchange:?}"))?;
    let input = std::io::BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match tickframe_server::cli::check_capture::check_capture(venue.as_mut(), input, symbol, emit, &mut out) {
        // Output closed early (`| head`): not a problem with the input.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("{}: {e}", file.display()).into()),
        Ok(_) => Ok(()),
    }
}

fn record_sim(out: PathBuf, frames: u32, seed: u64, depth: usize, tick_hz: u32) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    simulator::record_simulation(file, frames, seed, depth, tick_hz)?;
    println!("wrote {frames} frames to {}", out.display());
    Ok(())
}
