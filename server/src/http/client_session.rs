//! One WebSocket client's life: the join frame first, then every newer frame; skip ahead when lagging.
//! Generic over the socket's read and write halves (`AsyncRead`/`AsyncWrite`), so tests drive it
//! through in-memory pipes. Frames go out as the fan-out encoded them: the same bytes for everyone.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::broadcast::error::RecvError;

use crate::fanout::{FanoutHandle, Frame};
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

/// Read buffer per client: clients send little (pongs), and a bigger message is read in pieces.
pub const INBOUND_READ_BUFFER: usize = 4 * 1024;

/// Serve one client until it leaves, errors, is too slow, or the server stops. `reader` and `writer`
/// are the socket's halves after the handshake; `early_input` is what the client sent with it.
pub async fn run_client_session<R, W>(
    mut reader: R,
    mut writer: W,
    early_input: &[u8],
    fanout: FanoutHandle,
    metrics: Arc<Metrics>,
    limits: SessionLimits,
) -> SessionEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut inbound = InboundParser::new(limits.max_inbound_bytes);
    inbound.feed(early_input);
    // Subscribe before asking for the join frame: every frame after its seq is then in `rx`.
    let mut rx = fanout.subscribe();
    let mut last_seq = 0u64;
    if let Some(join) = fanout.join_frame().await {
        if let Err(end) = send_frame(&mut writer, &join, &metrics, limits).await {
            return end;
        }
        last_seq = join.seq;
    }
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + limits.ping_interval, limits.ping_interval);
    let mut heard = tokio::time::Instant::now();
    let mut buf = vec![0u8; INBOUND_READ_BUFFER];
    loop {
        while let Some(event) = inbound.next_event() {
            if let Some(end) = answer(event, &mut writer, &mut heard, &metrics, limits).await {
                if matches!(end, SessionEnd::ClientClosed | SessionEnd::MessageTooBig | SessionEnd::ProtocolError) {
                    linger(&mut reader, &mut writer, &mut buf, limits).await;
                }
                return end;
            }
        }
        tokio::select! {
            _ = ping.tick() => {
                if heard.elapsed() >= limits.pong_timeout {
                    tracing::info!(silent = ?heard.elapsed(), "client answered no ping: disconnecting");
                    return SessionEnd::PongTimeout;
                }
                if let Err(end) = send(&mut writer, &websocket::ping(), &metrics, limits).await {
                    return end;
                }
            }
            frame = rx.recv() => {
                let frame = match frame {
                    Ok(f) => f,
                    Err(RecvError::Lagged(_)) => {
                        // Jump to the tail and send the newest frame: never replay stale books.
                        metrics.lag_skips.fetch_add(1, Ordering::Relaxed);
                        rx = rx.resubscribe();
                        match fanout.latest() { Some(f) => f, None => continue }
                    }
                    Err(RecvError::Closed) => return SessionEnd::ServerShutdown,
                };
                if frame.seq <= last_seq {
                    continue; // already covered by the join frame or the skip
                }
                if let Err(end) = send_frame(&mut writer, &frame, &metrics, limits).await {
                    return end;
                }
                last_seq = frame.seq;
            }
            read = reader.read(&mut buf) => match read {
                Ok(0) | Err(_) => return SessionEnd::ClientClosed,
                Ok(n) => inbound.feed(&buf[..n]),
            },
        }
    }
}

/// Act on what the client sent; `Some` ends the session.
async fn answer<W: AsyncWrite + Unpin>(
    event: Inbound,
    writer: &mut W,
    heard: &mut tokio::time::Instant,
    metrics: &Metrics,
    limits: SessionLimits,
) -> Option<SessionEnd> {
    match event {
        Inbound::Pong => *heard = tokio::time::Instant::now(),
        Inbound::Ping(payload) => {
            *heard = tokio::time::Instant::now();
            if let Err(end) = send(writer, &websocket::pong(&payload), metrics, limits).await {
                return Some(end);
            }
        }
        Inbound::Message { .. } => {
            *heard = tokio::time::Instant::now();
            metrics.inbound_messages_ignored.fetch_add(1, Ordering::Relaxed);
        }
        Inbound::Close(code) => {
            // Echo the client's code (§5.5.1); it was checked to be one a peer may send.
            let _ = send(writer, &websocket::close(code, ""), metrics, limits).await;
            return Some(SessionEnd::ClientClosed);
        }
        Inbound::Fail(code) => {
            let (end, reason) = if code == websocket::CLOSE_MESSAGE_TOO_BIG {
                metrics.closes_too_big.fetch_add(1, Ordering::Relaxed);
                (SessionEnd::MessageTooBig, "message too big")
            } else {
                metrics.closes_protocol_error.fetch_add(1, Ordering::Relaxed);
                (SessionEnd::ProtocolError, if code == websocket::CLOSE_INVALID_PAYLOAD { "invalid UTF-8" } else { "protocol error" })
            };
            tracing::info!(code, reason, "client broke the protocol or a limit: closing");
            let _ = send(writer, &websocket::close(code, reason), metrics, limits).await;
            return Some(end);
        }
    }
    None
}

/// The closing handshake's tail: no more writes (FIN), then read and discard until the client
/// closes too, for a bounded time and byte count (a client still sending a message the server
/// refused would otherwise get a reset, not the close frame).
async fn linger<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(reader: &mut R, writer: &mut W, buf: &mut [u8], limits: SessionLimits) {
    let _ = tokio::time::timeout(limits.send_timeout, writer.shutdown()).await;
    let mut left = limits.close_linger_bytes;
    let _ = tokio::time::timeout(limits.close_linger, async {
        while left > 0 {
            match reader.read(buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

/// Send one frame's WebSocket message (the bytes every client gets), counted.
async fn send_frame<W: AsyncWrite + Unpin>(writer: &mut W, frame: &Frame, metrics: &Metrics, limits: SessionLimits) -> Result<(), SessionEnd> {
    send(writer, &frame.wire, metrics, limits).await?;
    metrics.frames_sent.fetch_add(1, Ordering::Relaxed);
    metrics.bytes_sent.fetch_add(frame.bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// Write `bytes` whole within the send timeout. The common case — the socket takes it all at once —
/// costs one write and no timer; only a socket that is behind gets a deadline.
async fn send<W: AsyncWrite + Unpin>(writer: &mut W, bytes: &[u8], metrics: &Metrics, limits: SessionLimits) -> Result<(), SessionEnd> {
    let written = match writer.write(bytes).now_or_never() {
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(SessionEnd::SendFailed),
        None => 0,
    };
    if written == bytes.len() {
        return Ok(());
    }
    match tokio::time::timeout(limits.send_timeout, writer.write_all(&bytes[written..])).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(SessionEnd::SendFailed),
        Err(_) => {
            metrics.slow_client_disconnects.fetch_add(1, Ordering::Relaxed);
            Err(SessionEnd::SendTimedOut)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits { ping_interval: Duration::from_millis(50), pong_timeout: Duration::from_millis(200), ..Default::default() }
    }

    /// A masked client pong.
    const PONG: [u8; 6] = [0x8A, 0x80, 0, 0, 0, 0];

    /// Driven through in-memory pipes: pings go out on schedule, and a peer that never answers is
    /// disconnected.
    #[tokio::test(start_paused = true)]
    async fn pings_and_drops_a_silent_peer() {
        let (_publisher, handle, _) = crate::fanout::fanout(); // no tick loop: join_frame() is None
        let (server, mut client) = tokio::io::duplex(1 << 16);
        let (r, w) = tokio::io::split(server);
        let session = tokio::spawn(async move { run_client_session(r, w, &[], handle, Arc::default(), limits()).await });
        let mut sent = Vec::new();
        let _ = client.read_to_end(&mut sent).await;
        let pings = sent.chunks(2).filter(|c| c == &[0x89, 0]).count();
        assert!(pings >= 3, "pinged every 50 ms until the timeout ({pings})");
        assert_eq!(session.await.unwrap(), SessionEnd::PongTimeout);
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_answers_stays() {
        let (_publisher, handle, _) = crate::fanout::fanout();
        let (server, mut client) = tokio::io::duplex(1 << 16);
        let (r, w) = tokio::io::split(server);
        let session = tokio::spawn(async move { run_client_session(r, w, &[], handle, Arc::default(), limits()).await });
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
        let (server, mut client) = tokio::io::duplex(1 << 16);
        let (r, w) = tokio::io::split(server);
        let metrics = Arc::new(Metrics::default());
        let m = metrics.clone();
        tokio::spawn(async move { run_client_session(r, w, &[], handle, m, SessionLimits::default()).await });
        let mut got = [0u8; 6];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"\x82\x04snap");
        let frame = Frame::new(2, b"next");
        publisher.publish(frame.clone());
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..], &frame.wire[..], "the fan-out's bytes, as they are");
        assert_eq!(metrics.frames_sent.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_protocol_violation_and_an_oversized_message_get_their_close_codes() {
        for (input, code) in [(vec![0x82u8, 0x03, 1, 2, 3], 1002u16), (vec![0x82, 0xFE, 0x20, 0x00, 0, 0, 0, 0], 1009)] {
            let (_publisher, handle, _) = crate::fanout::fanout();
            let (server, mut client) = tokio::io::duplex(1 << 16);
            let (r, w) = tokio::io::split(server);
            let session = tokio::spawn(async move { run_client_session(r, w, &[], handle, Arc::default(), SessionLimits::default()).await });
            client.write_all(&input).await.unwrap();
            let mut close = [0u8; 4];
            client.read_exact(&mut close).await.unwrap();
            assert_eq!((close[0], u16::from_be_bytes([close[2], close[3]])), (0x88, code));
            let end = session.await.unwrap();
            assert!(matches!(end, SessionEnd::ProtocolError | SessionEnd::MessageTooBig), "{end:?}");
        }
    }
}
