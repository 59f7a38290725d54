//! One WebSocket client's life: the join frame first, then every newer frame; skip ahead when lagging.
//! In steady state the client sits in a writer loop (`fanout::writer_loops`), which writes each frame
//! to its socket; this task reads the client (pongs, close, abuse) and takes the socket back to write
//! what only it writes — the join frame, pings, pongs, the close — and to finish a frame the socket
//! could not take at once (the slow path: awaiting writability within the send timeout, then
//! catching up, in order while the market still holds the frames, else skipping to the newest).
//! Generic over the socket ([`ClientSocket`]): tests drive it through Unix socket pairs.

use std::convert::Infallible;
use std::io::ErrorKind;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::fanout::writer_loops::{Handback, LoopClient, LoopSeat, WriterLoops};
use crate::fanout::{FanoutHandle, Frame};
use crate::http::client_socket::{shut_writes, ClientSocket};
use crate::metrics::Metrics;
use crate::websocket::{self, Inbound, InboundParser};

#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// A client whose socket does not accept a frame within this time is disconnected.
    pub send_timeout: Duration,
    /// Largest client message accepted; a bigger one closes the socket with 1009 (message too big).
    pub max_inbound_bytes: usize,
    /// How often the server pings each client (WebSocket ping frames).
    pub ping_interval: Duration,
    /// A client that sends nothing — not even the pong every WebSocket client answers a ping with —
    /// for this long is gone (a dead peer or a half-open connection) and is disconnected.
    pub pong_timeout: Duration,
    /// After a close frame the server stops writing and reads and discards what the client is still
    /// sending — for at most this long and [`SessionLimits::close_linger_bytes`] — before it drops
    /// the socket: a socket dropped with unread input answers with a TCP reset, and the client would
    /// see 1006 instead of the close code it was sent.
    pub close_linger: Duration,
    pub close_linger_bytes: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            send_timeout: Duration::from_secs(2),
            max_inbound_bytes: 4096,
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(45),
            close_linger: Duration::from_secs(2),
            close_linger_bytes: 4 << 20,
        }
    }
}

/// Why a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    ClientClosed,
    SendFailed,
    SendTimedOut,
    ServerShutdown,
    MessageTooBig,
    /// The client broke the WebSocket protocol (closed with 1002, or 1007 for bad UTF-8).
    ProtocolError,
    /// No pong (or any message) within `pong_timeout`.
    PongTimeout,
}

/// Bytes read from a client at a time: clients send little (pongs), and a bigger message is read in
/// pieces. On the stack of the read (never held across an await): an idle client costs no buffer.
pub const INBOUND_READ_BUFFER: usize = 4 * 1024;
/// Bytes read at a time while lingering after a close (its own, smaller, buffer for that moment).
const LINGER_READ_BUFFER: usize = 512;

/// Serve one client until it leaves, errors, is too slow, or the server stops. `socket` is past the
/// handshake; `early_input` is what the client sent with it.
pub async fn run_client_session<S: ClientSocket>(
    socket: S,
    early_input: &[u8],
    fanout: FanoutHandle,
    metrics: Arc<Metrics>,
    limits: SessionLimits,
) -> SessionEnd {
    // Capacity 2: a client is handed back at most once per time it joined a loop.
    let (back_tx, back_rx) = mpsc::channel(2);
    let mut session = Session { seat: None, back_rx, back_tx, socket: Arc::new(socket), fanout, metrics, limits, last_seq: 0 };
    match session.serve(early_input).await {
        Err(end) => end,
        Ok(never) => match never {},
    }
    // Dropping the session lets go of its seat: the loop drops its hold on the socket.
}

struct Session<S> {
    /// Where the client sits while its loop writes it (`None`: this task does).
    seat: Option<LoopSeat>,
    back_rx: mpsc::Receiver<Box<Handback>>,
    back_tx: mpsc::Sender<Box<Handback>>,
    socket: Arc<S>,
    fanout: FanoutHandle,
    metrics: Arc<Metrics>,
    limits: SessionLimits,
    /// The newest frame this client was sent whole.
    last_seq: u64,
}

impl<S: ClientSocket> Session<S> {
    async fn serve(&mut self, early_input: &[u8]) -> Result<Infallible, SessionEnd> {
        let limits = self.limits;
        let mut inbound = InboundParser::new(limits.max_inbound_bytes);
        inbound.feed(early_input);
        if let Some(join) = self.fanout.join_frame().await {
            self.write_frame(&join).await?;
            self.last_seq = join.seq;
        }
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + limits.ping_interval, limits.ping_interval);
        let mut heard = tokio::time::Instant::now();
        loop {
            while let Some(event) = inbound.next_event() {
                if let Some(end) = self.answer(event, &mut heard).await {
                    if matches!(end, SessionEnd::ClientClosed | SessionEnd::MessageTooBig | SessionEnd::ProtocolError) {
                        self.linger().await;
                    }
                    return Err(end);
                }
            }
            if self.seat.is_none() {
                self.catch_up_and_join().await?;
            }
            tokio::select! {
                _ = ping.tick() => {
                    if heard.elapsed() >= limits.pong_timeout {
                        tracing::info!(silent = ?heard.elapsed(), "client answered no ping: disconnecting");
                        return Err(SessionEnd::PongTimeout);
                    }
                    self.write_control(&websocket::ping()).await?;
                }
                back = self.back_rx.recv() => {
                    if let Some(seat) = self.seat.take() {
                        seat.settled();
                    }
                    self.handle(back).await?;
                }
                ready = self.socket.readable() => {
                    if ready.is_err() {
                        return Err(SessionEnd::ClientClosed);
                    }
                    let mut buf = [0u8; INBOUND_READ_BUFFER];
                    match self.socket.try_read(&mut buf) {
                        Ok(0) => return Err(SessionEnd::ClientClosed),
                        Ok(n) => inbound.feed(&buf[..n]),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(_) => return Err(SessionEnd::ClientClosed),
                    }
                }
            }
        }
    }

    /// Send what the market published since this client's last frame (in order, or the newest when
    /// some are gone), then hand the socket to a writer loop.
    async fn catch_up_and_join(&mut self) -> Result<(), SessionEnd> {
        let (frames, skipped) = self.fanout.market().after(self.last_seq);
        if skipped {
            self.metrics.lag_skips.fetch_add(1, Ordering::Relaxed);
        }
        for frame in frames {
            self.write_frame(&frame).await?;
            self.last_seq = frame.seq;
        }
        let client = LoopClient::new(self.socket.clone(), self.last_seq, self.back_tx.clone());
        match WriterLoops::get().join(self.fanout.market(), &self.metrics, client) {
            Ok(seat) => self.seat = Some(seat),
            Err(_) => {
                tracing::error!("no writer loop runs: disconnecting the client");
                return Err(SessionEnd::SendFailed);
            }
        }
        Ok(())
    }

    /// What the loop gave back. A frame it could not finish is finished here.
    async fn handle(&mut self, back: Option<Box<Handback>>) -> Result<(), SessionEnd> {
        match back.map(|b| *b) {
            Some(Handback::Slow { client, frame, written }) => {
                self.last_seq = client.last_seq;
                self.write_rest(&frame, written).await?;
                self.last_seq = frame.seq;
                Ok(())
            }
            Some(Handback::Taken(client)) => {
                self.last_seq = client.last_seq;
                Ok(())
            }
            Some(Handback::Failed(_)) => Err(SessionEnd::SendFailed),
            Some(Handback::Closed(_)) | None => Err(SessionEnd::ServerShutdown),
        }
    }

    /// Take the socket back from its loop (if it is in one) before this task writes to it.
    async fn reclaim(&mut self) -> Result<(), SessionEnd> {
        let Some(seat) = self.seat.take() else { return Ok(()) };
        seat.take();
        // The loop answers as soon as it wakes; the deadline only guards against a loop that died.
        let back = tokio::time::timeout(self.limits.send_timeout, self.back_rx.recv()).await.map_err(|_| SessionEnd::SendFailed)?;
        seat.settled();
        self.handle(back).await
    }

    /// Act on what the client sent; `Some` ends the session.
    async fn answer(&mut self, event: Inbound, heard: &mut tokio::time::Instant) -> Option<SessionEnd> {
        match event {
            Inbound::Pong => *heard = tokio::time::Instant::now(),
            Inbound::Ping(payload) => {
                *heard = tokio::time::Instant::now();
                if let Err(end) = self.write_control(&websocket::pong(&payload)).await {
                    return Some(end);
                }
            }
            Inbound::Message { .. } => {
                *heard = tokio::time::Instant::now();
                self.metrics.inbound_messages_ignored.fetch_add(1, Ordering::Relaxed);
            }
            Inbound::Close(code) => {
                // Echo the client's code (§5.5.1); it was checked to be one a peer may send.
                let _ = self.write_control(&websocket::close(code, "")).await;
                return Some(SessionEnd::ClientClosed);
            }
            Inbound::Fail(code) => {
                let (end, reason) = if code == websocket::CLOSE_MESSAGE_TOO_BIG {
                    self.metrics.closes_too_big.fetch_add(1, Ordering::Relaxed);
                    (SessionEnd::MessageTooBig, "message too big")
                } else {
                    self.metrics.closes_protocol_error.fetch_add(1, Ordering::Relaxed);
                    (SessionEnd::ProtocolError, if code == websocket::CLOSE_INVALID_PAYLOAD { "invalid UTF-8" } else { "protocol error" })
                };
                tracing::info!(code, reason, "client broke the protocol or a limit: closing");
                let _ = self.write_control(&websocket::close(code, reason)).await;
                return Some(end);
            }
        }
        None
    }

    /// The closing handshake's tail: no more writes (FIN), then read and discard until the client
    /// closes too, for a bounded time and byte count (a client still sending a message the server
    /// refused would otherwise get a reset, not the close frame).
    async fn linger(&mut self) {
        if self.reclaim().await.is_err() {
            return;
        }
        let mut buf = vec![0u8; LINGER_READ_BUFFER];
        shut_writes(&*self.socket);
        let mut left = self.limits.close_linger_bytes;
        let socket = &self.socket;
        let _ = tokio::time::timeout(self.limits.close_linger, async {
            while left > 0 {
                if socket.readable().await.is_err() {
                    return;
                }
                match socket.try_read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => left = left.saturating_sub(n),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => return,
                }
            }
        })
        .await;
    }

    /// A ping, pong or close: written by this task, with the socket out of its loop.
    async fn write_control(&mut self, bytes: &[u8]) -> Result<(), SessionEnd> {
        self.reclaim().await?;
        self.write_all(bytes).await
    }

    /// One frame's WebSocket message (the bytes every client gets), counted.
    async fn write_frame(&mut self, frame: &Frame) -> Result<(), SessionEnd> {
        self.write_rest(frame, 0).await
    }

    async fn write_rest(&mut self, frame: &Frame, written: usize) -> Result<(), SessionEnd> {
        self.write_all(frame.wire.get(written..).unwrap_or_default()).await?;
        self.metrics.frames_sent.fetch_add(1, Ordering::Relaxed);
        self.metrics.bytes_sent.fetch_add(frame.bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Write `bytes` whole within the send timeout. The common case — the socket takes it all at
    /// once — costs one write and no timer; only a socket that is behind gets a deadline.
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), SessionEnd> {
        let mut rest = bytes;
        let mut deadline = None;
        while !rest.is_empty() {
            match self.socket.try_write(rest) {
                Ok(0) => return Err(SessionEnd::SendFailed),
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    let at = *deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.limits.send_timeout);
                    match tokio::time::timeout_at(at, self.socket.writable()).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => return Err(SessionEnd::SendFailed),
                        Err(_) => {
                            self.metrics.slow_client_disconnects.fetch_add(1, Ordering::Relaxed);
                            return Err(SessionEnd::SendTimedOut);
                        }
                    }
                }
                Err(_) => return Err(SessionEnd::SendFailed),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixStream;

    fn limits() -> SessionLimits {
        SessionLimits { ping_interval: Duration::from_millis(50), pong_timeout: Duration::from_millis(200), ..Default::default() }
    }

    /// A masked client pong.
    const PONG: [u8; 6] = [0x8A, 0x80, 0, 0, 0, 0];

    fn start(handle: FanoutHandle, metrics: Arc<Metrics>, limits: SessionLimits) -> (tokio::task::JoinHandle<SessionEnd>, UnixStream) {
        let (server, client) = UnixStream::pair().unwrap();
        (tokio::spawn(async move { run_client_session(server, &[], handle, metrics, limits).await }), client)
    }

    /// What an idle client costs the server between reads is its session's state: the read buffer is
    /// on the stack of each read, not held across an await (it would add its 4 KiB here).
    #[tokio::test]
    async fn an_idle_session_holds_no_read_buffer() {
        let (_publisher, handle, _) = crate::fanout::fanout();
        let (server, _client) = UnixStream::pair().unwrap();
        let session = run_client_session(server, &[], handle, Arc::default(), limits());
        let size = std::mem::size_of_val(&session);
        assert!(size < INBOUND_READ_BUFFER, "a session's state is {size} bytes");
    }

    /// Pings go out on schedule, and a peer that never answers is disconnected (its socket closed:
    /// the writer loop lets go of it too).
    #[tokio::test]
    async fn pings_and_drops_a_silent_peer() {
        let (_publisher, handle, _) = crate::fanout::fanout(); // no tick loop: join_frame() is None
        let (session, mut client) = start(handle, Arc::default(), limits());
        let mut sent = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut sent)).await.expect("closed");
        let pings = sent.chunks(2).filter(|c| c == &[0x89, 0]).count();
        assert!(pings >= 3, "pinged every 50 ms until the timeout ({pings})");
        assert_eq!(session.await.unwrap(), SessionEnd::PongTimeout);
    }

    #[tokio::test]
    async fn a_peer_that_answers_stays() {
        let (_publisher, handle, _) = crate::fanout::fanout();
        let (session, mut client) = start(handle, Arc::default(), limits());
        let mut ping = [0u8; 2];
        for _ in 0..10 {
            client.read_exact(&mut ping).await.unwrap();
            assert_eq!(ping, [0x89, 0]);
            client.write_all(&PONG).await.unwrap();
        }
        assert!(!session.is_finished(), "10 pings answered over 500 ms > pong timeout: still connected");
        session.abort();
    }

    #[tokio::test]
    async fn join_frame_then_newer_frames_as_encoded_once() {
        let (publisher, handle, mut join_requests) = crate::fanout::fanout();
        tokio::spawn(async move {
            while let Some(reply) = join_requests.recv().await {
                let _ = reply.send(Some(Frame::new(1, b"snap")));
            }
        });
        let metrics = Arc::new(Metrics::default());
        let (_session, mut client) = start(handle, metrics.clone(), SessionLimits::default());
        let mut got = [0u8; 6];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"\x82\x04snap");
        // Frames published from now on reach the client whether its writer loop or its task writes them.
        for seq in 2..=50u64 {
            let frame = Frame::new(seq, format!("n{seq:03}").as_bytes());
            publisher.publish(frame.clone());
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(&got[..], &frame.wire[..], "frame {seq}: the fan-out's bytes, as they are, in order");
        }
        assert_eq!(metrics.frames_sent.load(Ordering::Relaxed), 50);
    }

    /// A client that reads nothing fills its socket: the loop hands it back, and its task gives up
    /// after the send timeout; one that then reads again gets the newest frames (skipping ahead).
    #[tokio::test]
    async fn a_full_socket_leaves_the_loop_and_times_out() {
        let (publisher, handle, _) = crate::fanout::fanout();
        let metrics = Arc::new(Metrics::default());
        let limits = SessionLimits { send_timeout: Duration::from_millis(300), ..Default::default() };
        let (session, _client) = start(handle, metrics.clone(), limits);
        let big = vec![7u8; 64 * 1024];
        let mut seq = 1;
        while !session.is_finished() {
            publisher.publish(Frame::new(seq, &big));
            seq += 1;
            tokio::time::sleep(Duration::from_millis(5)).await; // a tick
            assert!(seq < 10_000, "the session never timed out");
        }
        assert_eq!(session.await.unwrap(), SessionEnd::SendTimedOut);
        assert_eq!(metrics.slow_client_disconnects.load(Ordering::Relaxed), 1);
    }

    /// Read one server binary message; the number in its first 8 payload bytes.
    async fn read_numbered(client: &mut UnixStream) -> u64 {
        let mut head = [0u8; 2];
        client.read_exact(&mut head).await.unwrap();
        assert_eq!(head[0], 0x82, "a binary message");
        let len = match head[1] {
            126 => client.read_u16().await.unwrap() as usize,
            127 => client.read_u64().await.unwrap() as usize,
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        client.read_exact(&mut payload).await.unwrap();
        u64::from_le_bytes(payload[..8].try_into().unwrap())
    }

    async fn until(what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(tokio::time::Instant::now() < deadline, "never: {what}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// A client that stops reading leaves its writer loop when its socket is full (the slow path),
    /// and once it reads again it is caught up — skipping to the newest frame, never replaying stale
    /// ones — and back in its loop, every later frame in order.
    #[tokio::test]
    async fn a_stalled_reader_leaves_its_loop_catches_up_and_rejoins() {
        let (publisher, handle, _) = crate::fanout::fanout();
        let metrics = Arc::new(Metrics::default());
        let limits = SessionLimits { send_timeout: Duration::from_secs(30), ..Default::default() };
        let (session, mut client) = start(handle, metrics.clone(), limits);
        let frame = |seq: u64| {
            let mut payload = vec![0u8; 64 * 1024];
            payload[..8].copy_from_slice(&seq.to_le_bytes());
            Frame::new(seq, &payload)
        };
        let m = metrics.clone();
        until("the client joined a writer loop", || m.writer_loop_clients.load(Ordering::Relaxed) == 1).await;
        let mut seq = 0;
        while metrics.slow_path_entries.load(Ordering::Relaxed) == 0 {
            seq += 1;
            publisher.publish(frame(seq));
            tokio::time::sleep(Duration::from_millis(2)).await; // a tick
            assert!(seq < 5_000, "the socket never filled");
        }
        // Away for more frames than the market keeps: the client must skip ahead.
        for _ in 0..2 * crate::fanout::CLIENT_BUFFER_FRAMES {
            seq += 1;
            publisher.publish(frame(seq));
        }
        let mut got = Vec::new();
        while got.last() != Some(&seq) {
            got.push(read_numbered(&mut client).await);
        }
        assert!(got.windows(2).all(|w| w[0] < w[1]), "in order, no frame twice: {got:?}");
        assert!(got.len() < seq as usize, "frames were skipped, not replayed");
        assert!(metrics.lag_skips.load(Ordering::Relaxed) >= 1);
        let m = metrics.clone();
        until("the client is back in its loop", || m.writer_loop_clients.load(Ordering::Relaxed) == 1).await;
        let entries = metrics.slow_path_entries.load(Ordering::Relaxed);
        for _ in 0..20 {
            seq += 1;
            publisher.publish(frame(seq));
            assert_eq!(read_numbered(&mut client).await, seq, "every frame, in order, from the loop");
        }
        assert_eq!(metrics.slow_path_entries.load(Ordering::Relaxed), entries, "a reading client stays in its loop");
        assert!(!session.is_finished());
        session.abort();
    }

    #[tokio::test]
    async fn a_protocol_violation_and_an_oversized_message_get_their_close_codes() {
        for (input, code) in [(vec![0x82u8, 0x03, 1, 2, 3], 1002u16), (vec![0x82, 0xFE, 0x20, 0x00, 0, 0, 0, 0], 1009)] {
            let (_publisher, handle, _) = crate::fanout::fanout();
            let (session, mut client) = start(handle, Arc::default(), SessionLimits::default());
            client.write_all(&input).await.unwrap();
            let mut close = [0u8; 4];
            client.read_exact(&mut close).await.unwrap();
            assert_eq!((close[0], u16::from_be_bytes([close[2], close[3]])), (0x88, code));
            let end = session.await.unwrap();
            assert!(matches!(end, SessionEnd::ProtocolError | SessionEnd::MessageTooBig), "{end:?}");
        }
    }
}
