//! One frame per tick, shared by every client: a `Bytes` clone is a reference-count increment, never
//! a copy. Late joiners get a join frame from the engine; laggards skip to the newest frame. Clients'
//! sockets are written by the [`writer_loops`]; recorders, the bus publisher and tests subscribe.

pub mod market_directory;
pub mod writer_loops;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, oneshot};

use writer_loops::WriterLoops;

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
    market: Arc<MarketFrames>,
    taps: Taps,
}

/// A market's last [`CLIENT_BUFFER_FRAMES`] frames: what a client that was away (joining, or in its
/// slow path) is sent to catch up — every frame after its last one while they are all here, else
/// the newest alone.
pub struct MarketFrames {
    /// This fan-out among the process's (the writer loops group clients by it).
    pub id: u64,
    recent: Mutex<VecDeque<Frame>>,
}

impl MarketFrames {
    fn new() -> Self {
        static IDS: AtomicU64 = AtomicU64::new(1);
        Self { id: IDS.fetch_add(1, Ordering::Relaxed), recent: Mutex::new(VecDeque::with_capacity(CLIENT_BUFFER_FRAMES)) }
    }

    fn push(&self, frame: Frame) {
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() >= CLIENT_BUFFER_FRAMES {
                recent.pop_front();
            }
            recent.push_back(frame);
        }
    }

    /// The frames after `seq`, oldest first, and whether some were already gone (then only the
    /// newest is given: a laggard skips to the newest book, it never replays stale ones).
    pub fn after(&self, seq: u64) -> (Vec<Frame>, bool) {
        let Ok(recent) = self.recent.lock() else { return (Vec::new(), false) };
        let Some(newest) = recent.back() else { return (Vec::new(), false) };
        if newest.seq <= seq {
            return (Vec::new(), false);
        }
        let first_kept = recent.front().map_or(0, |f| f.seq);
        if seq != 0 && first_kept > seq.saturating_add(1) {
            return (vec![newest.clone()], true);
        }
        if seq == 0 {
            return (vec![newest.clone()], false); // nothing sent yet: start at the newest
        }
        (recent.iter().filter(|f| f.seq > seq).cloned().collect(), false)
    }

    fn newest(&self) -> Option<Frame> {
        self.recent.lock().ok()?.back().cloned()
    }
}

/// Receivers of every frame in order (a recorder), see [`FanoutHandle::tap`].
type Taps = std::sync::Arc<std::sync::Mutex<Vec<mpsc::Sender<Frame>>>>;

/// The subscribing side, cloned into every client handler.
#[derive(Clone)]
pub struct FanoutHandle {
    frames: broadcast::Sender<Frame>,
    market: Arc<MarketFrames>,
    join_requests: mpsc::Sender<JoinRequest>,
    taps: Taps,
}

/// Create a fan-out. The returned receiver delivers join-frame requests to the tick loop.
pub fn fanout() -> (FanoutPublisher, FanoutHandle, mpsc::Receiver<JoinRequest>) {
    let (frames, _) = broadcast::channel(CLIENT_BUFFER_FRAMES);
    let market = Arc::new(MarketFrames::new());
    // Bounded: a burst of joiners waits for the tick loop instead of queueing without limit.
    let (snap_tx, snap_rx) = mpsc::channel(256);
    let taps = Taps::default();
    (
        FanoutPublisher { frames: frames.clone(), market: market.clone(), taps: taps.clone() },
        FanoutHandle { frames, market, join_requests: snap_tx, taps },
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
        WriterLoops::publish(self.market.id, &frame);
        self.market.push(frame.clone());
        // No receivers is fine: frames are not queued for clients that don't exist.
        let _ = self.frames.send(frame);
    }
}

impl Drop for FanoutPublisher {
    /// The market's clients in writer loops are handed back to their sessions, which end.
    fn drop(&mut self) {
        WriterLoops::close_market(self.market.id);
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
        self.market.newest()
    }

    /// This market's recent frames, for sessions and writer loops.
    pub fn market(&self) -> &Arc<MarketFrames> {
        &self.market
    }

    /// Ask the tick loop for the engine's join frame (its current state). `None` if there is none yet or the loop is gone.
    pub async fn join_frame(&self) -> Option<Frame> {
        let (tx, rx) = oneshot::channel();
        self.join_requests.send(tx).await.ok()?;
        rx.await.ok().flatten()
    }
}
