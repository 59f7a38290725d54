//! One frame per tick, shared by every client: a `Bytes` clone is a reference-count increment, never
//! a copy. Late joiners get a join frame from the engine; laggards skip to the newest frame.

pub mod market_directory;

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// A broadcast frame. `seq` is the tick loop's count of broadcast frames: clients use it to forward
/// only what follows their join frame (no gap, no duplicate), whatever the engine's own encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub seq: u64,
    pub bytes: Bytes,
    /// The WebSocket message carrying `bytes` (header + payload), encoded once for every client.
    pub wire: Bytes,
}

impl Frame {
    /// The one copy of a frame: `payload` goes into its WebSocket message, and `bytes` is that
    /// message's payload part (same allocation).
    pub fn new(seq: u64, payload: &[u8]) -> Self {
        let wire = crate::websocket::binary_message(payload);
        let bytes = wire.slice(wire.len() - payload.len()..);
        Self { seq, bytes, wire }
    }
}

/// A client's request for the engine's current state.
pub type JoinRequest = oneshot::Sender<Option<Frame>>;

/// Frames in flight per client before it counts as lagging. Small on purpose: a laggard should skip
/// ahead, not replay seconds of stale books (tokio's broadcast resumes at the *oldest* retained value).
pub const CLIENT_BUFFER_FRAMES: usize = 8;

/// The publishing side, owned by the tick loop.
pub struct FanoutPublisher {
    frames: broadcast::Sender<Frame>,
    latest: watch::Sender<Option<Frame>>,
}

/// The subscribing side, cloned into every client handler.
#[derive(Clone)]
pub struct FanoutHandle {
    frames: broadcast::Sender<Frame>,
    latest: watch::Receiver<Option<Frame>>,
    join_requests: mpsc::Sender<JoinRequest>,
}

/// Create a fan-out. The returned receiver delivers join-frame requests to the tick loop.
pub fn fanout() -> (FanoutPublisher, FanoutHandle, mpsc::Receiver<JoinRequest>) {
    let (frames, _) = broadcast::channel(CLIENT_BUFFER_FRAMES);
    let (latest_tx, latest_rx) = watch::channel(None);
    // Bounded: a burst of joiners waits for the tick loop instead of queueing without limit.
    let (snap_tx, snap_rx) = mpsc::channel(256);
    (FanoutPublisher { frames: frames.clone(), latest: latest_tx }, FanoutHandle { frames, latest: latest_rx, join_requests: snap_tx }, snap_rx)
}

impl FanoutPublisher {
    pub fn publish(&self, frame: Frame) {
        self.latest.send_replace(Some(frame.clone()));
        // No receivers is fine: frames are not queued for clients that don't exist.
        let _ = self.frames.send(frame);
    }
}

impl FanoutHandle {
    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.frames.subscribe()
    }

    /// The newest broadcast frame.
    pub fn latest(&self) -> Option<Frame> {
        self.latest.borrow().clone()
    }

    /// Ask the tick loop for the engine's join frame (its current state). `None` if there is none yet or the loop is gone.
    pub async fn join_frame(&self) -> Option<Frame> {
        let (tx, rx) = oneshot::channel();
        self.join_requests.send(tx).await.ok()?;
        rx.await.ok().flatten()
    }
}
