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
    taps: Taps,
}

/// Receivers of every frame in order (a recorder), see [`FanoutHandle::tap`].
type Taps = std::sync::Arc<std::sync::Mutex<Vec<mpsc::Sender<Frame>>>>;

/// The subscribing side, cloned into every client handler.
#[derive(Clone)]
pub struct FanoutHandle {
    frames: broadcast::Sender<Frame>,
    latest: watch::Receiver<Option<Frame>>,
    join_requests: mpsc::Sender<JoinRequest>,
    taps: Taps,
}

/// Create a fan-out. The returned receiver delivers join-frame requests to the tick loop.
pub fn fanout() -> (FanoutPublisher, FanoutHandle, mpsc::Receiver<JoinRequest>) {
    let (frames, _) = broadcast::channel(CLIENT_BUFFER_FRAMES);
    let (latest_tx, latest_rx) = watch::channel(None);
    // Bounded: a burst of joiners waits for the tick loop instead of queueing without limit.
    let (snap_tx, snap_rx) = mpsc::channel(256);
    let taps = Taps::default();
    (
        FanoutPublisher { frames: frames.clone(), latest: latest_tx, taps: taps.clone() },
        FanoutHandle { frames, latest: latest_rx, join_requests: snap_tx, taps },
        snap_rx,
    )
}

impl FanoutPublisher {
    /// Publish without waiting: a tap that is full misses this frame (a live market never waits).
    pub fn publish(&self, frame: Frame) {
        for tap in self.open_taps() {
            let _ = tap.try_send(frame.clone());
        }
        self.broadcast(frame);
    }

    /// Publish, waiting until every tap has room: a source-clocked market (a capture replay) is
    /// recorded whole, its pace held back by the recorder rather than frames skipped.
    pub async fn publish_to_every_tap(&self, frame: Frame) {
        for tap in self.open_taps() {
            let _ = tap.send(frame.clone()).await;
        }
        self.broadcast(frame);
    }

    fn open_taps(&self) -> Vec<mpsc::Sender<Frame>> {
        let Ok(mut taps) = self.taps.lock() else { return Vec::new() };
        taps.retain(|t| !t.is_closed());
        taps.clone()
    }

    fn broadcast(&self, frame: Frame) {
        self.latest.send_replace(Some(frame.clone()));
        // No receivers is fine: frames are not queued for clients that don't exist.
        let _ = self.frames.send(frame);
    }
}

impl FanoutHandle {
    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.frames.subscribe()
    }

    /// Every frame from now on, in order, through a queue of `capacity` (a client subscribes and
    /// may skip; a recorder taps). A live market drops a frame for a full tap; a source-clocked one
    /// waits for it ([`FanoutPublisher::publish_to_every_tap`]).
    pub fn tap(&self, capacity: usize) -> mpsc::Receiver<Frame> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        if let Ok(mut taps) = self.taps.lock() {
            taps.push(tx);
        }
        rx
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
