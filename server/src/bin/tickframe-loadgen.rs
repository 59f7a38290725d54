//! `tickframe-loadgen`: N WebSocket clients on loopback against a tickframe-server, measuring per-frame
//! latency (frame `timestamp_ms` → client receive), frames received and frames skipped; or, with
//! `--raw-tcp`, the ceiling: the same sockets and frame size written by a minimal TCP program with no
//! WebSocket, no framing beyond a length prefix, each frame stamped with its send time in µs so the
//! ceiling's latency is measured too. Prints one JSON line.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug)]
#[command(name = "tickframe-loadgen", about = "WebSocket load generator and raw-TCP ceiling for tickframe-server benchmarks.")]
struct Args {
    /// Server WebSocket URL (ignored with --raw-tcp).
    #[arg(long, default_value = "ws://127.0.0.1:9001/ws")]
    url: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Measurement length after all clients connected.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Raw-TCP ceiling mode: serve `--frame-bytes` frames at `--hz` to `--clients` sockets itself.
    #[arg(long)]
    raw_tcp: bool,
    #[arg(long, default_value_t = 1800)]
    frame_bytes: usize,
    #[arg(long, default_value_t = 50)]
    hz: u32,
    /// Processes whose CPU time (user and kernel, from /proc) over the measurement window is
    /// reported as `cpu` — the server under test, measured over exactly the window the deliveries are.
    #[arg(long = "cpu-pid")]
    cpu_pids: Vec<u32>,
}

/// User and kernel CPU seconds of `pids` together, from /proc/<pid>/stat (Linux; zero elsewhere).
fn cpu_times(pids: &[u32]) -> (f64, f64) {
    const CLK_TCK: f64 = 100.0; // USER_HZ
    pids.iter().fold((0.0, 0.0), |(u, s), pid| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis: state is 3rd, utime 14th, stime 15th.
        let rest: Vec<&str> = stat.rsplit_once(") ").map_or("", |(_, r)| r).split(' ').collect();
        let field = |i: usize| rest.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / CLK_TCK;
        (u + field(11), s + field(12))
    })
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

#[derive(Default)]
struct Stats {
    frames: AtomicU64,
    skipped: AtomicU64,
    bytes: AtomicU64,
}

/// Per-client latency samples in µs, merged at the end (bounded: at most 20 000 per client).
const MAX_SAMPLES: usize = 20_000;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let stats = Arc::new(Stats::default());
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (lat_tx, mut lat_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u32>>();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    // Stop = the flag (seen by a busy client after its current frame) + a wake-up (for an idle one).
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = if args.raw_tcp {
        match spawn_raw_server(args.clients, args.frame_bytes, args.hz).await {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("tickframe-loadgen: cannot open the raw-TCP ceiling's loopback listener: {e}");
                std::process::exit(1);
            }
        }
    } else {
        args.url.clone()
    };
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (stats, measuring, lat_tx, ready_tx, stop, url) =
            (stats.clone(), measuring.clone(), lat_tx.clone(), ready_tx.clone(), stop.clone(), url.clone());
        let stopping = stopping.clone();
        let raw = args.raw_tcp;
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::with_capacity(1024);
            if raw {
                let Ok(s) = tokio::net::TcpStream::connect(&url).await else { return };
                // Buffered like a WebSocket client's reader: one read syscall for many frames.
                let mut s = tokio::io::BufReader::with_capacity(64 * 1024, s);
                let _ = ready_tx.send(());
                let mut buf = vec![0u8; 1 << 20];
                while !stopping.load(Ordering::Relaxed) {
                    tokio::select! {
                        _ = stop.notified() => break,
                        r = read_frame(&mut s, &mut buf) => match r {
                            Some(n) => if measuring.load(Ordering::Relaxed) {
                                let at = now_us();
                                stats.frames.fetch_add(1, Ordering::Relaxed);
                                stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
                                // The ceiling's frames carry their send time in µs in the first 8 bytes.
                                if lat.len() < MAX_SAMPLES && n >= 8 {
                                    let sent = u64::from_le_bytes(buf[..8].try_into().unwrap_or_default());
                                    lat.push(at.saturating_sub(sent).min(u32::MAX as u64) as u32);
                                }
                            },
                            None => break,
                        }
                    }
                }
            } else {
                // A small read buffer: tungstenite zero-fills the free buffer before each read, and
                // the default 128 KiB would make the load generator, not the server, the bottleneck.
                let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024);
                let Ok((mut ws, _)) = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true).await else { return };
                let _ = ready_tx.send(());
                let mut last_seq = 0u64;
                while !stopping.load(Ordering::Relaxed) {
                    tokio::select! {
                        _ = stop.notified() => break,
                        m = ws.next() => match m {
                            Some(Ok(Message::Binary(b))) => {
                                let at = now_us();
                                let Ok(f) = tickframe_schema::decode_frame(&b) else { continue };
                                let seq = f.sequence();
                                if measuring.load(Ordering::Relaxed) {
                                    stats.frames.fetch_add(1, Ordering::Relaxed);
                                    stats.bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
                                    if last_seq > 0 && seq > last_seq + 1 {
                                        stats.skipped.fetch_add(seq - last_seq - 1, Ordering::Relaxed);
                                    }
                                    if lat.len() < MAX_SAMPLES {
                                        lat.push(at.saturating_sub(f.timestamp_ms() * 1000).min(u32::MAX as u64) as u32);
                                    }
                                }
                                last_seq = seq;
                            }
                            Some(Ok(_)) => {}
                            _ => break,
                        }
                    }
                }
            }
            let _ = lat_tx.send(lat);
        }));
    }
    drop((lat_tx, ready_tx));
    // Wait for every client to connect (or 30 s), then measure.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut connected = 0;
    while connected < args.clients {
        match tokio::time::timeout_at(deadline.into(), ready_rx.recv()).await {
            Ok(Some(())) => connected += 1,
            _ => break,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // settle: snapshots, first frames
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    let cpu0 = cpu_times(&args.cpu_pids);
    tokio::time::sleep(Duration::from_secs_f64(args.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let cpu1 = cpu_times(&args.cpu_pids);
    let elapsed = t0.elapsed().as_secs_f64();
    stopping.store(true, Ordering::Relaxed);
    stop.notify_waiters();
    // Every client hands in its samples as it stops (a stuck one is abandoned after 5 s).
    let _ = tokio::time::timeout(Duration::from_secs(5), futures_util::future::join_all(tasks)).await;
    let mut all: Vec<u32> = Vec::new();
    while let Ok(v) = lat_rx.try_recv() {
        all.extend(v);
    }
    all.sort_unstable();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).map_or(0.0, |v| *v as f64 / 1000.0);
    let frames = stats.frames.load(Ordering::Relaxed);
    let out = serde_json::json!({
        "mode": if args.raw_tcp { "raw-tcp" } else { "websocket" },
        "clients": args.clients,
        "connected": connected,
        "seconds": elapsed,
        "frames": frames,
        "deliveries_per_s": frames as f64 / elapsed,
        "bytes_per_s": stats.bytes.load(Ordering::Relaxed) as f64 / elapsed,
        "skipped_frames": stats.skipped.load(Ordering::Relaxed),
        "latency_ms": { "p50": pct(0.5), "p99": pct(0.99), "max": all.last().map_or(0.0, |v| *v as f64 / 1000.0), "samples": all.len() },
        "cpu": { "user_s": cpu1.0 - cpu0.0, "system_s": cpu1.1 - cpu0.1 },
    });
    println!("{out}");
    std::process::exit(0); // raw-mode writers are still running
}

/// Read one length-prefixed frame; its size, or None at the end.
async fn read_frame(s: &mut tokio::io::BufReader<tokio::net::TcpStream>, buf: &mut [u8]) -> Option<usize> {
    let n = s.read_u32_le().await.ok()? as usize;
    if n > buf.len() {
        return None;
    }
    s.read_exact(&mut buf[..n]).await.ok()?;
    Some(n)
}

/// The ceiling: accept `clients` sockets, then write one `frame_bytes` buffer to each at `hz`,
/// sharing one allocation — a tick loop with nothing else in it.
async fn spawn_raw_server(clients: usize, frame_bytes: usize, hz: u32) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let (tx, _) = tokio::sync::broadcast::channel::<bytes::Bytes>(8);
    let tx2 = tx.clone();
    tokio::spawn(async move {
        for _ in 0..clients {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let _ = s.set_nodelay(true);
            let mut rx = tx2.subscribe();
            tokio::spawn(async move {
                loop {
                    match rx.recv().await {
                        Ok(frame) => {
                            if s.write_all(&frame).await.is_err() {
                                return;
                            }
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => rx = rx.resubscribe(),
                        Err(_) => return,
                    }
                }
            });
        }
    });
    tokio::spawn(async move {
        let frame_bytes = frame_bytes.max(8);
        let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / hz.max(1) as f64));
        loop {
            every.tick().await;
            // One allocation per tick shared by every socket, stamped like a tick's timestamp_ms but in µs.
            let mut frame = Vec::with_capacity(frame_bytes + 4);
            frame.extend_from_slice(&(frame_bytes as u32).to_le_bytes());
            frame.extend_from_slice(&now_us().to_le_bytes());
            frame.resize(frame_bytes + 4, 0xAB);
            let _ = tx.send(bytes::Bytes::from(frame));
        }
    });
    Ok(addr)
}
