//! An edge node's tick loop for one symbol: frames from the bus go out to its clients byte for byte;
//! late joiners get the newest one; a frame older than what was relayed (a former ingest node's last
//! words after a failover) is dropped; and when the bus falls silent past the data deadline the
//! clients are told the book is stale.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use flatbuffers::FlatBufferBuilder;
use tickframe_schema::frame_restamp::{restamp, restamp_with_heat, Restamp};
use tickframe_schema::{BookStatus, HeatColumn};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::bus::edge_budget::{ByteBudget, HeldFrames};
use crate::bus::stream_epoch::{epoch_of, in_bounds, MAX_SEQUENCE};
use crate::clock::now_ms;
use crate::fanout::{FanoutPublisher, Frame, JoinRequest};
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::metrics::Metrics;

/// Default data deadline on an edge: ingest nodes send a frame (a heartbeat at least) every second,
/// so three missed ones mean the bus or the ingest side is gone.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3);

/// What reaches a relay from the bus.
#[derive(Debug)]
pub enum RelayInput {
    /// Published just now.
    Live(Bytes),
    /// JetStream's newest frame (a cold start or a reconnect): used only if nothing newer came.
    Newest(Bytes),
}

impl RelayInput {
    fn len(&self) -> usize {
        match self {
            RelayInput::Live(b) | RelayInput::Newest(b) => b.len(),
        }
    }
}

/// A relay's share of the edge's byte budget: what is queued for it (charged by the subscriber,
/// released here on receipt) and the frames its fan-out holds (charged here).
#[derive(Debug, Clone, Default)]
pub struct RelayAccount {
    pub budget: Arc<ByteBudget>,
    pub queued: Arc<AtomicUsize>,
}

/// Relay one symbol until its input closes.
pub async fn run_relay(
    symbol: String,
    mut input: mpsc::Receiver<RelayInput>,
    mut join_requests: mpsc::Receiver<JoinRequest>,
    publisher: FanoutPublisher,
    deadline: Duration,
    metrics: Arc<Metrics>,
    account: RelayAccount,
) {
    let mut relay = Relay {
        symbol,
        publisher,
        deadline,
        metrics,
        latest: None,
        last_sequence: 0,
        local_seq: 0,
        heard: Instant::now(),
        stale: false,
        builder: FlatBufferBuilder::new(),
        bad_input: LogThrottle::default(),
        held: HeldFrames::default(),
        account,
        heat: EdgeHeat::default(),
        join_cache: None,
    };
    loop {
        let stale_due = relay.heard + deadline;
        tokio::select! {
            biased;
            msg = input.recv() => {
                let Some(msg) = msg else {
                    relay.account.budget.release(relay.held.total());
                    relay.heat.clear(&relay.account.budget);
                    return;
                };
                let n = msg.len();
                let _ = relay.account.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(n)));
                relay.account.budget.release(n);
                match msg {
                    RelayInput::Live(bytes) => relay.offer(bytes, false),
                    RelayInput::Newest(bytes) => relay.offer(bytes, true),
                }
            }
            Some(reply) = join_requests.recv() => {
                let _ = reply.send(relay.join_frame());
            }
            _ = tokio::time::sleep_until(stale_due), if relay.latest.is_some() && !relay.stale => relay.mark_stale(),
        }
    }
}

struct Relay {
    symbol: String,
    publisher: FanoutPublisher,
    deadline: Duration,
    metrics: Arc<Metrics>,
    /// The newest relayed frame (what a late joiner gets), with the local count the fan-out orders by.
    latest: Option<Frame>,
    /// The stream sequence of the newest relayed frame.
    last_sequence: u64,
    local_seq: u64,
    /// When the last frame was relayed (the data deadline runs from here).
    heard: Instant,
    /// Whether the newest relayed frame is this edge's own "stale".
    stale: bool,
    builder: FlatBufferBuilder<'static>,
    bad_input: LogThrottle,
    /// The frames the fan-out holds for clients, charged to the edge's budget.
    held: HeldFrames,
    account: RelayAccount,
    /// The heat columns the relayed frames carried, for late joiners' history.
    heat: EdgeHeat,
    /// The last join frame built (joiners between two relayed frames share it).
    join_cache: Option<Frame>,
}

/// Heat columns an edge keeps for its late joiners: the newest [`EDGE_HEAT_HISTORY`] relayed, each
/// `seq` once, their bytes charged to the edge's budget (a column that does not fit is not kept).
#[derive(Default)]
struct EdgeHeat {
    columns: std::collections::VecDeque<(HeatColumn, Vec<u16>)>,
    bytes: usize,
}

/// Columns an edge keeps per symbol: the ingest side's default history (`--heat-history`).
pub const EDGE_HEAT_HISTORY: usize = crate::engine::heat_columns::DEFAULT_HISTORY;

impl EdgeHeat {
    fn size(bins: usize) -> usize {
        std::mem::size_of::<HeatColumn>() + 2 * bins
    }

    fn take(&mut self, frame: &tickframe_schema::OrderbookFrame<'_>, budget: &ByteBudget) {
        let (Some(heat), Some(bins)) = (frame.heat(), frame.heat_bins()) else { return };
        let mut at = 0usize;
        for c in heat.iter() {
            let n = c.bin_count() as usize;
            let Some(end) = at.checked_add(n).filter(|&e| e <= bins.len()) else { return };
            // A column numbered far below the newest is another stream's (a new ingest node): start again.
            if c.seq().saturating_add(EDGE_HEAT_HISTORY as u64) <= self.newest() {
                self.clear(budget);
            }
            if c.seq() > self.newest() && budget.try_charge(Self::size(n)) {
                self.columns.push_back((*c, (at..end).map(|i| bins.get(i)).collect()));
                self.bytes += Self::size(n);
                while self.columns.len() > EDGE_HEAT_HISTORY {
                    if let Some((_, old)) = self.columns.pop_front() {
                        self.bytes -= Self::size(old.len());
                        budget.release(Self::size(old.len()));
                    }
                }
            }
            at = end;
        }
    }

    fn newest(&self) -> u64 {
        self.columns.back().map_or(0, |(k, _)| k.seq())
    }

    fn clear(&mut self, budget: &ByteBudget) {
        budget.release(self.bytes);
        self.columns.clear();
        self.bytes = 0;
    }
}

impl Relay {
    /// What a late joiner gets: the newest relayed frame, with the heat history in place of its own
    /// columns (one column at most) when this edge kept any.
    fn join_frame(&mut self) -> Option<Frame> {
        let latest = self.latest.as_ref()?;
        if self.heat.columns.len() <= 1 {
            return Some(latest.clone());
        }
        if let Some(cached) = self.join_cache.as_ref().filter(|f| f.seq == latest.seq) {
            return Some(cached.clone());
        }
        let frame = tickframe_schema::decode_frame(&latest.bytes).ok()?;
        let columns: Vec<HeatColumn> = self.heat.columns.iter().map(|(c, _)| *c).collect();
        let bins: Vec<u16> = self.heat.columns.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        let bytes = restamp_with_heat(&frame, Restamp::of(&frame), Some((&columns, &bins)), &mut self.builder);
        let joined = Frame::new(latest.seq, bytes);
        self.join_cache = Some(joined.clone());
        Some(joined)
    }

    fn offer(&mut self, bytes: Bytes, newest: bool) {
        self.metrics.bus_frames_received.fetch_add(1, Ordering::Relaxed);
        let frame = match tickframe_schema::decode_frame(&bytes) {
            Ok(f) => f,
            Err(e) => {
                self.reject(&format!("not a frame: {e:?}"));
                return;
            }
        };
        let (sequence, timestamp_ms) = (frame.sequence(), frame.timestamp_ms());
        if frame.symbol() != Some(self.symbol.as_str()) {
            self.reject("frame for another symbol on this subject");
            return;
        }
        if !in_bounds(sequence) {
            self.reject("sequence beyond the highest epoch (forged or corrupt)");
            return;
        }
        if newest && self.latest.is_some() {
            return; // something at least as new already came live
        }
        if self.latest.is_some() && !self.accepts(sequence) {
            self.metrics.bus_frames_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.heat.take(&frame, &self.account.budget);
        self.relay(&bytes, sequence);
        // A stored frame from an ingest node that has since gone quiet is not a live book.
        if newest && now_ms().saturating_sub(timestamp_ms) > self.deadline.as_millis() as u64 {
            self.mark_stale();
        }
    }

    /// Newer in the same epoch, or any frame of a newer epoch (another ingest node took over). After
    /// the bus has been silent past the deadline, any frame: the stream it carried is gone (its node
    /// died, the bus lost its memory of it) — or it was a forged frame far ahead of the real stream,
    /// which would otherwise hold every later honest frame off as "older" for good. So one forged
    /// frame costs at most one deadline of stale book. Never the sequence just relayed: the stale
    /// mark took the next one, and an ingest node's frames held in its client while the bus was
    /// away arrive with it when the bus is back (clients would see one sequence twice).
    fn accepts(&self, sequence: u64) -> bool {
        let (epoch, current) = (epoch_of(sequence), epoch_of(self.last_sequence));
        epoch > current
            || (epoch == current && sequence > self.last_sequence)
            || (self.heard.elapsed() >= self.deadline && sequence != self.last_sequence)
    }

    fn relay(&mut self, payload: &[u8], sequence: u64) {
        self.local_seq += 1;
        let frame = Frame::new(self.local_seq, payload);
        let (added, freed) = self.held.push(frame.wire.len());
        self.account.budget.charge(added);
        self.account.budget.release(freed);
        self.latest = Some(frame.clone());
        self.publisher.publish(frame);
        self.metrics.frames_broadcast.fetch_add(1, Ordering::Relaxed);
        self.last_sequence = sequence;
        self.heard = Instant::now();
        self.stale = false;
    }

    /// Tell clients the newest book is stale: the same book, the next sequence, this edge's time.
    /// Every edge makes the same sequence from the same frame, so a browser moving between them
    /// sees one stream.
    fn mark_stale(&mut self) {
        let Some(latest) = &self.latest else { return };
        let Ok(frame) = tickframe_schema::decode_frame(&latest.bytes) else { return };
        let stamp = Restamp {
            sequence: frame.sequence().saturating_add(1).min(MAX_SEQUENCE),
            timestamp_ms: now_ms(),
            status: BookStatus::Stale,
            heartbeat: false,
        };
        let bytes = Bytes::copy_from_slice(restamp(&frame, stamp, &mut self.builder));
        let heard = self.heard;
        self.relay(&bytes, stamp.sequence);
        self.heard = heard; // our own frame is not news from the bus
        self.stale = true;
        self.metrics.bus_stale_marks.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(symbol = %self.symbol, deadline = ?self.deadline, "no frame from the bus within the deadline: book marked stale");
    }

    fn reject(&mut self, why: &str) {
        self.metrics.bus_frames_rejected.fetch_add(1, Ordering::Relaxed);
        if let LogDecision::Log { suppressed } = self.bad_input.check() {
            tracing::warn!(symbol = %self.symbol, why, suppressed, "bus message rejected");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::stream_epoch::sequence_in;
    use crate::fanout::fanout;
    use tickframe_schema::{finish_orderbook_frame_buffer, HeatColumn, OrderbookFrame, OrderbookFrameArgs, PriceLevel};

    fn frame(sequence: u64, timestamp_ms: u64) -> Bytes {
        let mut b = FlatBufferBuilder::new();
        let symbol = b.create_string("X-USD");
        let bids = b.create_vector(&[PriceLevel::new(99.0, 1.0)]);
        let asks = b.create_vector(&[PriceLevel::new(101.0, 1.0)]);
        let f = OrderbookFrame::create(
            &mut b,
            &OrderbookFrameArgs {
                sequence,
                timestamp_ms,
                symbol: Some(symbol),
                tick_size: 1.0,
                lot_size: 1.0,
                best_bid: 99.0,
                best_ask: 101.0,
                bids: Some(bids),
                asks: Some(asks),
                ..Default::default()
            },
        );
        finish_orderbook_frame_buffer(&mut b, f);
        Bytes::copy_from_slice(b.finished_data())
    }

    /// A relay for X-USD with a 3 s deadline: its input, a subscriber to its fan-out, the fan-out, its metrics.
    fn start_relay() -> (mpsc::Sender<RelayInput>, tokio::sync::broadcast::Receiver<Frame>, crate::fanout::FanoutHandle, Arc<Metrics>) {
        let (tx, rx) = mpsc::channel(16);
        let (publisher, handle, snaps) = fanout();
        let out = handle.subscribe();
        let metrics = Arc::new(Metrics::default());
        tokio::spawn(run_relay("X-USD".into(), rx, snaps, publisher, Duration::from_secs(3), metrics.clone(), RelayAccount::default()));
        (tx, out, handle, metrics)
    }

    fn seq_status(f: &Frame) -> (u64, BookStatus) {
        let d = tickframe_schema::decode_frame(&f.bytes).unwrap();
        (d.sequence(), d.status())
    }

    #[tokio::test(start_paused = true)]
    async fn forwards_newer_drops_a_former_nodes_frames_and_says_stale_after_the_deadline() {
        let (tx, mut out, handle, metrics) = start_relay();
        let now = now_ms();
        tx.send(RelayInput::Live(frame(sequence_in(2, 10), now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(2, 10), BookStatus::Live));
        // A former ingest node's frame (older epoch) and a repeat are dropped; a JetStream copy is not
        // needed once live frames flow; the next frame of the stream goes on.
        tx.send(RelayInput::Live(frame(sequence_in(1, 500), now))).await.unwrap();
        tx.send(RelayInput::Live(frame(sequence_in(2, 10), now))).await.unwrap();
        tx.send(RelayInput::Newest(frame(sequence_in(2, 9), now))).await.unwrap();
        tx.send(RelayInput::Live(frame(sequence_in(2, 11), now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(2, 11), BookStatus::Live));
        assert_eq!(metrics.bus_frames_dropped.load(Ordering::Relaxed), 2);
        // Silence: the same book, stale, as the next sequence; a late joiner gets that.
        let stale = out.recv().await.unwrap();
        assert_eq!(seq_status(&stale), (sequence_in(2, 12), BookStatus::Stale));
        assert_eq!(handle.join_frame().await.map(|f| seq_status(&f)), Some((sequence_in(2, 12), BookStatus::Stale)));
        // The ingest node's frame with the stale mark's sequence (held while the bus was away):
        // dropped, so no client sees a sequence twice.
        tx.send(RelayInput::Live(frame(sequence_in(2, 12), now))).await.unwrap();
        // After that silence an older epoch is a new stream (the bus forgot the newer one): accepted.
        tx.send(RelayInput::Live(frame(sequence_in(1, 3), now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(1, 3), BookStatus::Live));
        assert_eq!(metrics.bus_frames_dropped.load(Ordering::Relaxed), 3);
        // Not a frame, or another symbol's: rejected and counted, never relayed.
        tx.send(RelayInput::Live(Bytes::from_static(b"garbage"))).await.unwrap();
        tx.send(RelayInput::Live(frame(sequence_in(1, 4), now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(1, 4), BookStatus::Live));
        assert_eq!(metrics.bus_frames_rejected.load(Ordering::Relaxed), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn one_forged_frame_costs_at_most_one_deadline_and_nothing_wraps() {
        let (tx, mut out, _handle, metrics) = start_relay();
        let now = now_ms();
        tx.send(RelayInput::Live(frame(sequence_in(2, 10), now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()).0, sequence_in(2, 10));
        // A rogue publisher: the current epoch with the counter far ahead.
        let forged = sequence_in(2, (1 << 33) - 2);
        tx.send(RelayInput::Live(frame(forged, now))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()).0, forged);
        // The honest stream goes on; its frames look older, so they are dropped — until the deadline.
        let started = Instant::now();
        let mut counter = 11;
        let recovered = loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.send(RelayInput::Live(frame(sequence_in(2, counter), now_ms()))).await.unwrap();
            counter += 1;
            if let Ok(f) = out.try_recv() {
                let (sequence, status) = seq_status(&f);
                if status == BookStatus::Live && epoch_of(sequence) == 2 && sequence < forged {
                    break started.elapsed();
                }
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the symbol stayed frozen on the forged frame");
        };
        assert!(recovered <= Duration::from_secs(3) + Duration::from_millis(250), "honest frames again after {recovered:?}");
        // Sequences past the epoch bound are refused and counted; the stale restamp saturates.
        let before = metrics.bus_frames_rejected.load(Ordering::Relaxed);
        tx.send(RelayInput::Live(frame(u64::MAX, now_ms()))).await.unwrap();
        tx.send(RelayInput::Live(frame(MAX_SEQUENCE + 1, now_ms()))).await.unwrap();
        tx.send(RelayInput::Live(frame(MAX_SEQUENCE, now_ms()))).await.unwrap();
        let mut last = 0;
        while let Ok(Ok(f)) = tokio::time::timeout(Duration::from_secs(5), out.recv()).await {
            let (sequence, status) = seq_status(&f);
            last = sequence;
            if status == BookStatus::Stale {
                break;
            }
        }
        assert_eq!(metrics.bus_frames_rejected.load(Ordering::Relaxed) - before, 2);
        assert_eq!(last, MAX_SEQUENCE, "the stale mark after the highest sequence stays at the bound");
    }

    /// A frame carrying heat column `column` (4 bins).
    fn heat_frame(sequence: u64, column: u64) -> Bytes {
        let mut b = FlatBufferBuilder::new();
        let symbol = b.create_string("X-USD");
        let heat = b.create_vector(&[HeatColumn::new(column, column * 100, 98.0, 1.0, 99.0, 101.0, 4, BookStatus::Live, 0, 100)]);
        let bins = b.create_vector(&[column as u16, 1, 2, 3]);
        let f = OrderbookFrame::create(
            &mut b,
            &OrderbookFrameArgs {
                sequence,
                timestamp_ms: now_ms(),
                symbol: Some(symbol),
                tick_size: 1.0,
                lot_size: 1.0,
                heat: Some(heat),
                heat_bins: Some(bins),
                ..Default::default()
            },
        );
        finish_orderbook_frame_buffer(&mut b, f);
        Bytes::copy_from_slice(b.finished_data())
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_joiner_on_an_edge_gets_the_heat_history_the_edge_kept() {
        let (tx, rx) = mpsc::channel(16);
        let (publisher, handle, snaps) = fanout();
        let mut out = handle.subscribe();
        let account = RelayAccount { budget: ByteBudget::new(1 << 20), ..Default::default() };
        let budget = account.budget.clone();
        tokio::spawn(run_relay("X-USD".into(), rx, snaps, publisher, Duration::from_secs(3), Arc::default(), account));
        for k in 1..=EDGE_HEAT_HISTORY as u64 + 20 {
            let f = heat_frame(sequence_in(1, k), k);
            budget.charge(f.len()); // as the subscriber does for what it queues
            tx.send(RelayInput::Live(f)).await.unwrap();
            out.recv().await.unwrap();
        }
        let join = handle.join_frame().await.expect("a join frame");
        let j = tickframe_schema::decode_frame(&join.bytes).unwrap();
        let seqs: Vec<u64> = j.heat().unwrap().iter().map(|c| c.seq()).collect();
        assert_eq!(seqs, (21..=EDGE_HEAT_HISTORY as u64 + 20).collect::<Vec<_>>(), "the newest columns, oldest first, each once");
        let bins: Vec<u16> = j.heat_bins().unwrap().iter().collect();
        assert_eq!(&bins[..8], &[21, 1, 2, 3, 22, 1, 2, 3], "each with its own bins");
        assert_eq!(j.sequence(), sequence_in(1, EDGE_HEAT_HISTORY as u64 + 20), "the newest frame's sequence: the next broadcast follows it");
        // A relayed frame itself is forwarded byte for byte (one column, not the history).
        let f = heat_frame(sequence_in(1, 1_000), 1_000);
        budget.charge(f.len());
        tx.send(RelayInput::Live(f)).await.unwrap();
        let next = out.recv().await.unwrap();
        assert_eq!(tickframe_schema::decode_frame(&next.bytes).unwrap().heat().unwrap().len(), 1);
        // The history is charged to the edge's budget (600 columns of 4 bins, and the frames held).
        assert!(budget.used() >= EDGE_HEAT_HISTORY * (56 + 8), "{} bytes charged", budget.used());
        // A budget with no room keeps no history: joiners get the newest frame as it is.
        let (tx, rx) = mpsc::channel(16);
        let (publisher, handle, snaps) = fanout();
        let mut out = handle.subscribe();
        tokio::spawn(run_relay("X-USD".into(), rx, snaps, publisher, Duration::from_secs(3), Arc::default(), RelayAccount::default()));
        for k in 1..=5 {
            tx.send(RelayInput::Live(heat_frame(sequence_in(1, k), k))).await.unwrap();
            out.recv().await.unwrap();
        }
        let join = handle.join_frame().await.expect("a join frame");
        assert_eq!(tickframe_schema::decode_frame(&join.bytes).unwrap().heat().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stored_frame_older_than_the_deadline_is_served_as_stale() {
        let (tx, mut out, _handle, _metrics) = start_relay();
        tx.send(RelayInput::Newest(frame(sequence_in(1, 7), now_ms() - 60_000))).await.unwrap();
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(1, 7), BookStatus::Live));
        assert_eq!(seq_status(&out.recv().await.unwrap()), (sequence_in(1, 8), BookStatus::Stale), "at once, not after the deadline");
    }
}
