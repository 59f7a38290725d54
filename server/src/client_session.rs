//! One WebSocket client's life: snapshot first, then every newer frame; skip ahead when lagging.
//! Generic over `Sink`/`Stream` so tests can drive it with channels instead of sockets.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use crate::fanout::{FanoutHandle, Frame};
use crate::metrics::Metrics;

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
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            send_timeout: Duration::from_secs(2),
            max_inbound_bytes: 4096,
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(45),
        }
    }
}

/// WebSocket close code for a message over the size limit (RFC 6455 §7.4.1).
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;
/// WebSocket close code for a protocol violation (RFC 6455 §7.4.1).
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
/// WebSocket close code for a text message that is not UTF-8 (RFC 6455 §7.4.1).
pub const CLOSE_INVALID_PAYLOAD: u16 = 1007;

/// What a failed read from the client means for the close frame it gets: the WebSocket layer
/// rejects a message over its hard cap or a frame that breaks the protocol as a read error, and the
/// client is owed a close code saying which (not a bare TCP reset).
pub trait InboundError {
    /// The close code to answer with; `None` = the connection itself failed (nothing to tell).
    fn close_code(&self) -> Option<u16>;
}

impl InboundError for std::convert::Infallible {
    fn close_code(&self) -> Option<u16> {
        match *self {}
    }
}

impl InboundError for axum::Error {
    fn close_code(&self) -> Option<u16> {
        use tungstenite::error::{Error, ProtocolError};
        let inner = std::error::Error::source(self)?;
        match inner.downcast_ref::<Error>()? {
            Error::Capacity(_) => Some(CLOSE_MESSAGE_TOO_BIG),
            Error::Protocol(ProtocolError::ResetWithoutClosingHandshake | ProtocolError::SendAfterClosing | ProtocolError::ReceivedAfterClosing) => {
                None
            }
            Error::Protocol(_) => Some(CLOSE_PROTOCOL_ERROR),
            Error::Utf8(_) => Some(CLOSE_INVALID_PAYLOAD),
            _ => None,
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

/// Serve one client until it leaves, errors, is too slow, or the server stops.
pub async fn run_client_session<S, R, E>(
    mut sink: S,
    mut inbound: R,
    fanout: FanoutHandle,
    metrics: Arc<Metrics>,
    limits: SessionLimits,
) -> SessionEnd
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: InboundError,
{
    // Subscribe before asking for the snapshot: every frame after the snapshot's seq is then in `rx`.
    let mut rx = fanout.subscribe();
    let mut last_seq = 0u64;
    if let Some(snapshot) = fanout.snapshot().await {
        if let Err(end) = send(&mut sink, &snapshot, &metrics, limits).await {
            return end;
        }
        last_seq = snapshot.seq;
    }
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + limits.ping_interval, limits.ping_interval);
    let mut heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = ping.tick() => {
                if heard.elapsed() >= limits.pong_timeout {
                    tracing::info!(silent = ?heard.elapsed(), "client answered no ping: disconnecting");
                    return SessionEnd::PongTimeout;
                }
                match tokio::time::timeout(limits.send_timeout, sink.send(Message::Ping(Default::default()))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return SessionEnd::SendFailed,
                    Err(_) => {
                        metrics.slow_client_disconnects.fetch_add(1, Ordering::Relaxed);
                        return SessionEnd::SendTimedOut;
                    }
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
                    continue; // already covered by the snapshot or the skip
                }
                if let Err(end) = send(&mut sink, &frame, &metrics, limits).await {
                    return end;
                }
                last_seq = frame.seq;
            }
            msg = inbound.next() => match msg {
                None | Some(Ok(Message::Close(_))) => return SessionEnd::ClientClosed,
                Some(Err(e)) => {
                    let Some(code) = e.close_code() else { return SessionEnd::ClientClosed };
                    let (end, reason) = if code == CLOSE_MESSAGE_TOO_BIG {
                        metrics.closes_too_big.fetch_add(1, Ordering::Relaxed);
                        (SessionEnd::MessageTooBig, "message too big")
                    } else {
                        metrics.closes_protocol_error.fetch_add(1, Ordering::Relaxed);
                        (SessionEnd::ProtocolError, "protocol error")
                    };
                    tracing::info!(code, reason, "client broke the protocol: closing");
                    close(&mut sink, code, reason, limits).await;
                    return end;
                }
                // Client pings are answered by the WebSocket layer; pongs answer ours.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => heard = tokio::time::Instant::now(),
                Some(Ok(m)) => {
                    let len = match &m { Message::Text(t) => t.len(), Message::Binary(b) => b.len(), _ => 0 };
                    if len > limits.max_inbound_bytes {
                        tracing::info!(len, limit = limits.max_inbound_bytes, "client message too big: closing with 1009");
                        metrics.closes_too_big.fetch_add(1, Ordering::Relaxed);
                        close(&mut sink, CLOSE_MESSAGE_TOO_BIG, "message too big", limits).await;
                        return SessionEnd::MessageTooBig;
                    }
                    heard = tokio::time::Instant::now();
                    metrics.inbound_messages_ignored.fetch_add(1, Ordering::Relaxed);
                }
            },
        }
    }
}

/// Send a close frame (best effort, bounded by the send timeout).
async fn close<S: Sink<Message> + Unpin>(sink: &mut S, code: u16, reason: &'static str, limits: SessionLimits) {
    let frame = Message::Close(Some(axum::extract::ws::CloseFrame { code, reason: reason.into() }));
    let _ = tokio::time::timeout(limits.send_timeout, sink.send(frame)).await;
}

async fn send<S: Sink<Message> + Unpin>(sink: &mut S, frame: &Frame, metrics: &Metrics, limits: SessionLimits) -> Result<(), SessionEnd> {
    // `Bytes::clone` shares the tick's allocation: no per-client copy.
    match tokio::time::timeout(limits.send_timeout, sink.send(Message::Binary(frame.bytes.clone()))).await {
        Ok(Ok(())) => {
            metrics.frames_sent.fetch_add(1, Ordering::Relaxed);
            metrics.bytes_sent.fetch_add(frame.bytes.len() as u64, Ordering::Relaxed);
            Ok(())
        }
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
    use futures_util::StreamExt;

    fn limits() -> SessionLimits {
        SessionLimits { ping_interval: Duration::from_millis(50), pong_timeout: Duration::from_millis(200), ..Default::default() }
    }

    /// Driven through plain channels (the session is generic over Sink/Stream): pings go out on
    /// schedule, and a peer that never answers is disconnected.
    #[tokio::test(start_paused = true)]
    async fn pings_and_drops_a_silent_peer() {
        let (_publisher, handle, _) = crate::fanout::fanout(); // no tick loop: snapshot() is None
        let (sink, mut sent) = futures_channel::mpsc::unbounded::<Message>();
        let silent = futures_util::stream::pending::<Result<Message, std::convert::Infallible>>();
        let session = tokio::spawn(run_client_session(sink, silent, handle, Arc::default(), limits()));
        let mut pings = 0;
        while let Some(m) = sent.next().await {
            if matches!(m, Message::Ping(_)) {
                pings += 1;
            }
        }
        assert!(pings >= 3, "pinged every 50 ms until the timeout ({pings})");
        assert_eq!(session.await.unwrap(), SessionEnd::PongTimeout);
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_answers_stays() {
        let (_publisher, handle, _) = crate::fanout::fanout(); // no tick loop: snapshot() is None
        let (sink, mut sent) = futures_channel::mpsc::unbounded::<Message>();
        let (pong_tx, pong_rx) = futures_channel::mpsc::unbounded::<Result<Message, std::convert::Infallible>>();
        let session = tokio::spawn(run_client_session(sink, pong_rx, handle, Arc::default(), limits()));
        let mut pings = 0;
        while pings < 10 {
            if let Some(Message::Ping(p)) = sent.next().await {
                pings += 1;
                pong_tx.unbounded_send(Ok(Message::Pong(p))).unwrap();
            }
        }
        assert!(!session.is_finished(), "10 pings answered over 500 ms > pong timeout: still connected");
        session.abort();
    }
}
