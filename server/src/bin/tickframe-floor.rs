//! `tickframe-floor`: the floor a fan-out is measured against in `npm run bench:server` — a plain
//! loop (one thread, no async runtime, no per-client state beyond a socket) writing the same
//! WebSocket message to every client socket on each tick, by one non-blocking `send` per socket
//! (`--mode write`) or by one io_uring submission of all the sends (`--mode uring`). It speaks just
//! enough WebSocket for tickframe-loadgen to connect (the handshake, then binary messages, never
//! reading again); its message is a real 50-level frame, re-serialized each tick with the tick's
//! sequence and time, so the load generator measures latency and skips as for any contestant.
//! Prints `ws://ADDR/ws` when listening.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, ValueEnum};
use flatbuffers::FlatBufferBuilder;
use tickframe_server::adapters::book_image::{encode_image, BookImageAdapter};
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::exchange::exchange_book::ExchangeBook;
use tickframe_server::instrument::Instrument;
use tickframe_server::ServerEngine;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// One non-blocking send(2) per socket per tick.
    Write,
    /// One io_uring submission of every socket's send per tick (falls back to `write` where io_uring is refused).
    Uring,
}

#[derive(Parser, Debug)]
#[command(name = "tickframe-floor", about = "The fan-out floor: the same message to N loopback sockets per tick, no WebSocket server, no runtime.")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    #[arg(long, default_value_t = 50)]
    tick_hz: u32,
    /// Levels a side in the frame (50: the size tickframe-server's simulator frames have).
    #[arg(long, default_value_t = 50)]
    depth: usize,
    #[arg(long, value_enum, default_value_t = Mode::Write)]
    mode: Mode,
}

/// A connected client: its socket and what is left of a message it took only part of.
struct Client {
    socket: TcpStream,
    rest: Vec<u8>,
}

fn main() {
    let args = Args::parse();
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tickframe-floor: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("ws://{addr}/ws");
    let _ = std::io::stdout().flush();
    let joined: Arc<Mutex<Vec<Client>>> = Arc::default();
    let j = joined.clone();
    std::thread::spawn(move || accept_loop(&listener, &j));
    let mut engine = frame_engine(args.depth);
    let mut builder = FlatBufferBuilder::with_capacity(64 * 1024);
    let mut clients: Vec<Client> = Vec::new();
    let mut sender = Sender::new(args.mode);
    let period = Duration::from_secs_f64(1.0 / f64::from(args.tick_hz.max(1)));
    let mut next = Instant::now();
    loop {
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if let Ok(mut j) = joined.lock() {
            clients.append(&mut j);
        }
        let message = tickframe_server::websocket::binary_message(engine.tick(&mut builder));
        sender.send_all(&mut clients, &message);
    }
}

/// An engine over a fixed 50-level (or `depth`) book, clocked by the wall clock: each tick is a
/// real frame with its own sequence and `timestamp_ms`.
fn frame_engine(depth: usize) -> impl ServerEngine {
    let book = ExchangeBook::sample(depth);
    let inst = Instrument { symbol: "FLOOR".into(), price_decimals: 2, tick_units: 1, size_decimals: 4, lot_units: 1 };
    let now_ms = || SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut engine = OrderbookEngine::new(BookImageAdapter::new(), inst, depth).with_clock(now_ms);
    engine.ingest(&encode_image(&book, depth, true, Default::default()));
    engine
}

fn accept_loop(listener: &TcpListener, joined: &Mutex<Vec<Client>>) {
    for socket in listener.incoming().flatten() {
        match handshake(socket) {
            Ok(socket) => {
                if let Ok(mut j) = joined.lock() {
                    j.push(Client { socket, rest: Vec::new() });
                }
            }
            Err(e) => eprintln!("tickframe-floor: handshake failed: {e}"),
        }
    }
}

/// The WebSocket opening handshake (RFC 6455 §4.2), just enough for a client to connect.
fn handshake(mut socket: TcpStream) -> std::io::Result<TcpStream> {
    use base64::Engine;
    use sha1::Digest;
    socket.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf)?;
        if n == 0 || head.len() > 16 * 1024 {
            return Err(std::io::Error::other("no complete request head"));
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let key = text
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("sec-websocket-key")).map(|(_, v)| v.trim().to_owned()))
        .ok_or_else(|| std::io::Error::other("no Sec-WebSocket-Key"))?;
    let accept = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
    write!(socket, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")?;
    socket.set_nodelay(true)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// How a tick's sends go to the kernel.
enum Sender {
    Write,
    #[cfg(target_os = "linux")]
    Uring(Box<io_uring::IoUring>),
}

impl Sender {
    fn new(mode: Mode) -> Self {
        match mode {
            Mode::Write => Sender::Write,
            #[cfg(target_os = "linux")]
            Mode::Uring => match io_uring::IoUring::new(4096) {
                Ok(ring) => Sender::Uring(Box::new(ring)),
                Err(e) => {
                    eprintln!("tickframe-floor: io_uring refused ({e}): sending by write");
                    Sender::Write
                }
            },
            #[cfg(not(target_os = "linux"))]
            Mode::Uring => Sender::Write,
        }
    }

    /// The message to every client; a client still behind on the last one skips this one. Clients
    /// whose socket failed are dropped.
    fn send_all(&mut self, clients: &mut Vec<Client>, message: &[u8]) {
        // Finish what is owed first (rare: a socket that was full on the last tick).
        clients.retain_mut(|c| c.rest.is_empty() || finish(c));
        match self {
            Sender::Write => clients.retain_mut(|c| !c.rest.is_empty() || sent(c, message, send_now(&c.socket, message))),
            #[cfg(target_os = "linux")]
            Sender::Uring(ring) => send_batched(ring, clients, message),
        }
    }
}

/// One send's outcome: bytes taken, or the error.
type Outcome = Result<usize, std::io::Error>;

fn send_now(socket: &TcpStream, bytes: &[u8]) -> Outcome {
    // SAFETY: a live socket and slice; MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE.
    let n = unsafe { libc::send(socket.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    usize::try_from(n).map_err(|_| std::io::Error::last_os_error())
}

/// Account for a send of `message`; false drops the client (its socket failed). Nothing taken (the
/// socket is full) skips the message; part of it taken leaves the rest owed.
fn sent(c: &mut Client, message: &[u8], outcome: Outcome) -> bool {
    match outcome {
        Ok(n) => {
            if n > 0 && n < message.len() {
                c.rest = message[n..].to_vec();
            }
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

fn finish(c: &mut Client) -> bool {
    match send_now(&c.socket, &c.rest) {
        Ok(n) => {
            c.rest.drain(..n.min(c.rest.len()));
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// All of a tick's sends in as few submissions as the ring holds (one, up to 4096 clients).
#[cfg(target_os = "linux")]
fn send_batched(ring: &mut io_uring::IoUring, clients: &mut Vec<Client>, message: &[u8]) {
    use io_uring::{opcode, types};
    let capacity = ring.params().sq_entries() as usize;
    let mut results: Vec<i32> = vec![-libc::EAGAIN; clients.len()];
    let ready: Vec<usize> = (0..clients.len()).filter(|&i| clients[i].rest.is_empty()).collect();
    for chunk in ready.chunks(capacity) {
        let mut pushed = 0;
        for &i in chunk {
            let send = opcode::Send::new(types::Fd(clients[i].socket.as_raw_fd()), message.as_ptr(), message.len() as u32)
                .flags(libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
                .build()
                .user_data(i as u64);
            // SAFETY: `message` and the sockets outlive the submission: it is waited for below.
            if unsafe { ring.submission().push(&send) }.is_ok() {
                pushed += 1;
            }
        }
        if let Err(e) = ring.submit_and_wait(pushed) {
            eprintln!("tickframe-floor: io_uring submit failed: {e}");
        }
        for cqe in ring.completion() {
            if let Some(r) = results.get_mut(cqe.user_data() as usize) {
                *r = cqe.result();
            }
        }
    }
    let mut i = 0;
    clients.retain_mut(|c| {
        let r = results[i];
        i += 1;
        let outcome = usize::try_from(r).map_err(|_| std::io::Error::from_raw_os_error(r.saturating_neg()));
        !c.rest.is_empty() || sent(c, message, outcome)
    });
}
