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
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self { send_timeout: Duration::from_secs(2), max_inbound_bytes: 4096 }
    }
}

/// WebSocket close code for a message over the size limit (RFC 6455 §7.4.1).
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

/// Why a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    ClientClosed,
    SendFailed,
    SendTimedOut,
    ServerShutdown,
    MessageTooBig,
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
    loop {
        tokio::select! {
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
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return SessionEnd::ClientClosed,
                // Pings are answered by the WebSocket layer; the protocol has no client messages yet.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(m)) => {
                    let len = match &m { Message::Text(t) => t.len(), Message::Binary(b) => b.len(), _ => 0 };
                    if len > limits.max_inbound_bytes {
                        tracing::warn!(len, limit = limits.max_inbound_bytes, "client message too big: closing with 1009");
                        let close = Message::Close(Some(axum::extract::ws::CloseFrame {
                            code: CLOSE_MESSAGE_TOO_BIG,
                            reason: "message too big".into(),
                        }));
                        let _ = tokio::time::timeout(limits.send_timeout, sink.send(close)).await;
                        return SessionEnd::MessageTooBig;
                    }
                    metrics.inbound_messages_ignored.fetch_add(1, Ordering::Relaxed);
                }
            },
        }
    }
}

async fn send<S: Sink<Message> + Unpin>(
    sink: &mut S,
    frame: &Frame,
    metrics: &Metrics,
    limits: SessionLimits,
) -> Result<(), SessionEnd> {
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
