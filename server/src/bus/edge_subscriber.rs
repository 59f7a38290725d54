//! An edge node's side of the bus: subscribe to the book subjects (all, or the symbols asked for),
//! start a relay and a fan-out for each symbol as it first appears (so `/symbols` is what the bus
//! carries), and hand each relay JetStream's newest frame on start and after every reconnect.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::bus::book_subject::{self, book_subject, symbol_of};
use crate::bus::edge_budget::{ByteBudget, EdgeBudget};
use crate::bus::edge_relay::{run_relay, RelayAccount, RelayInput};
use crate::bus::newest_frames::{newest_frames, MAX_SYMBOLS};
use crate::bus::Bus;
use crate::fanout::fanout;
use crate::fanout::market_directory::{self as directory, MarketDirectory};
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::metrics::Metrics;

/// Frames waiting per relay (also bounded in bytes: [`EdgeBudget::relay_queue_bytes`]).
const RELAY_QUEUE: usize = 64;

#[derive(Debug, Clone)]
pub struct EdgeOptions {
    /// Only these symbols (empty: every symbol on the bus). The first is the default market.
    pub symbols: Vec<String>,
    /// No frame for a symbol within this long: its book is marked stale at the clients.
    pub deadline: Duration,
    pub budget: EdgeBudget,
}

/// Subscribe and relay until the bus client is dropped. The markets appear in `directory`.
/// `ready` fires once the first newest frames are in (or could not be had).
pub async fn run_edge(
    bus: Bus,
    options: EdgeOptions,
    directory: Arc<MarketDirectory>,
    metrics: Arc<Metrics>,
    ready: tokio::sync::oneshot::Sender<()>,
) -> Result<(), String> {
    let mut ready = Some(ready);
    let subjects: Vec<String> =
        if options.symbols.is_empty() { vec![book_subject::ALL.into()] } else { options.symbols.iter().map(|s| book_subject(s)).collect() };
    let mut subscriptions = Vec::with_capacity(subjects.len());
    for subject in &subjects {
        subscriptions.push(bus.client.subscribe(subject.clone()).await.map_err(|e| format!("subscribe {subject}: {e}"))?);
    }
    let mut messages = futures_util::stream::select_all(subscriptions);
    let mut edge = Edge::new(options, directory, metrics);
    let mut sweep = tokio::time::interval((edge.options.budget.idle_evict / 4).clamp(Duration::from_millis(50), Duration::from_secs(60)));
    // Asked-for symbols are listed (and joinable) before their first frame.
    for symbol in edge.options.symbols.clone() {
        edge.relay_for(&book_subject(&symbol), 0);
    }
    let mut connections = bus.connections.clone();
    connections.mark_changed(); // fetch the newest frames once now
    loop {
        tokio::select! {
            _ = sweep.tick() => edge.evict_idle(),
            msg = messages.next() => match msg {
                Some(msg) => edge.route(msg.subject.as_str(), RelayInput::Live(msg.payload)),
                None => return Err("bus subscription ended".into()),
            },
            changed = connections.changed() => {
                if changed.is_err() {
                    return Err("bus client closed".into());
                }
                connections.borrow_and_update();
                for subject in &subjects {
                    match newest_frames(&bus, subject).await {
                        Ok(frames) => frames.into_iter().for_each(|(subject, bytes)| edge.route(&subject, RelayInput::Newest(bytes))),
                        Err(e) => tracing::warn!(error = %e, "newest frames not available: waiting for live ones"),
                    }
                }
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
        }
    }
}

/// One symbol's relay, as the subscriber sees it.
struct RelaySlot {
    symbol: String,
    tx: mpsc::Sender<RelayInput>,
    account: RelayAccount,
    /// When a frame for it last came from the bus (idle symbols are evicted).
    last_seen: Instant,
}

pub(crate) struct Edge {
    relays: HashMap<String, RelaySlot>,
    options: EdgeOptions,
    directory: Arc<MarketDirectory>,
    metrics: Arc<Metrics>,
    budget: Arc<ByteBudget>,
    full_log: LogThrottle,
    over_budget_log: LogThrottle,
}

impl Edge {
    pub(crate) fn new(options: EdgeOptions, directory: Arc<MarketDirectory>, metrics: Arc<Metrics>) -> Self {
        let budget = ByteBudget::new(options.budget.edge_bytes);
        Self {
            relays: HashMap::new(),
            options,
            directory,
            metrics,
            budget,
            full_log: LogThrottle::default(),
            over_budget_log: LogThrottle::default(),
        }
    }

    /// Queue a bus message for its symbol's relay, if it fits every bound; otherwise drop and count.
    pub(crate) fn route(&mut self, subject: &str, input: RelayInput) {
        let n = match &input {
            RelayInput::Live(b) | RelayInput::Newest(b) => b.len(),
        };
        let limits = self.options.budget;
        if n > limits.max_frame_bytes {
            self.metrics.bus_frames_rejected.fetch_add(1, Ordering::Relaxed);
            self.over_budget(subject, "frame larger than the edge's max frame size");
            return;
        }
        let Some(slot) = self.relay_for(subject, n) else {
            self.metrics.bus_frames_rejected.fetch_add(1, Ordering::Relaxed);
            return;
        };
        slot.last_seen = Instant::now();
        let (tx, account) = (slot.tx.clone(), slot.account.clone());
        let queued_ok =
            account.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| q.checked_add(n).filter(|&t| t <= limits.relay_queue_bytes)).is_ok();
        if !queued_ok {
            self.metrics.bus_frames_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if !self.budget.try_charge(n) {
            let _ = account.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(n)));
            self.metrics.bus_frames_dropped.fetch_add(1, Ordering::Relaxed);
            self.over_budget(subject, "edge byte budget full");
            return;
        }
        if tx.try_send(input).is_err() {
            let _ = account.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(n)));
            self.budget.release(n);
            self.metrics.bus_frames_dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.metrics.edge_bytes_held.store(self.budget.used() as u64, Ordering::Relaxed);
    }

    fn over_budget(&mut self, subject: &str, why: &str) {
        if let LogDecision::Log { suppressed } = self.over_budget_log.check() {
            tracing::warn!(%subject, why, suppressed, "bus frame not relayed");
        }
    }

    /// The relay for a subject, started on first sight. `None`: not a book subject, or no room (by
    /// count, or by bytes for its first frame of `need` bytes).
    fn relay_for(&mut self, subject: &str, need: usize) -> Option<&mut RelaySlot> {
        if self.relays.contains_key(subject) {
            return self.relays.get_mut(subject);
        }
        let symbol = symbol_of(subject)?;
        if self.relays.len() >= MAX_SYMBOLS.min(directory::MAX_SYMBOLS) || self.budget.used().saturating_add(need) > self.budget.limit() {
            self.metrics.bus_symbols_refused.fetch_add(1, Ordering::Relaxed);
            if let LogDecision::Log { suppressed } = self.full_log.check() {
                tracing::warn!(%subject, suppressed, symbols = self.relays.len(), bytes = self.budget.used(), "symbol or byte limit reached: not relayed");
            }
            return None;
        }
        let (tx, rx) = mpsc::channel(RELAY_QUEUE);
        let (publisher, handle, join_requests) = fanout();
        let account = RelayAccount { budget: self.budget.clone(), queued: Arc::default() };
        tokio::spawn(run_relay(symbol.clone(), rx, join_requests, publisher, self.options.deadline, self.metrics.clone(), account.clone()));
        tracing::info!(%symbol, "relaying a new symbol from the bus");
        if !self.directory.add(symbol.clone(), handle) {
            return None; // full: the relay ends with its sender dropped here
        }
        self.metrics.bus_symbols.store(self.relays.len() as u64 + 1, Ordering::Relaxed);
        Some(self.relays.entry(subject.to_string()).or_insert(RelaySlot { symbol, tx, account, last_seen: Instant::now() }))
    }

    /// Stop relaying symbols the bus has not carried for [`EdgeBudget::idle_evict`] (asked-for
    /// symbols stay): their relays end, their clients are closed, their bytes and slots are free.
    pub(crate) fn evict_idle(&mut self) {
        let idle = self.options.budget.idle_evict;
        let asked = &self.options.symbols;
        let gone: Vec<String> = self
            .relays
            .iter()
            .filter(|(_, r)| r.last_seen.elapsed() >= idle && !asked.contains(&r.symbol))
            .map(|(subject, _)| subject.clone())
            .collect();
        for subject in gone {
            if let Some(slot) = self.relays.remove(&subject) {
                self.directory.remove(&slot.symbol);
                self.metrics.bus_symbols_evicted.fetch_add(1, Ordering::Relaxed);
                tracing::info!(symbol = %slot.symbol, ?idle, "symbol idle on the bus: no longer relayed");
            }
        }
        self.metrics.bus_symbols.store(self.relays.len() as u64, Ordering::Relaxed);
        self.metrics.edge_bytes_held.store(self.budget.used() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn edge(budget: EdgeBudget) -> (Edge, Arc<MarketDirectory>, Arc<Metrics>) {
        let (directory, metrics) = (Arc::new(MarketDirectory::with_default(None)), Arc::new(Metrics::default()));
        let options = EdgeOptions { symbols: vec!["KEEP".into()], deadline: Duration::from_secs(3), budget };
        (Edge::new(options, directory.clone(), metrics.clone()), directory, metrics)
    }

    /// A rogue publisher floods 1,000 symbols with 200 KiB messages: the edge holds no more than
    /// its budget, refuses what does not fit (counted), and keeps serving what it has.
    #[tokio::test(start_paused = true)]
    async fn a_flood_of_symbols_and_big_frames_stays_within_the_byte_budget() {
        let budget = EdgeBudget { edge_bytes: 8 << 20, max_frame_bytes: 256 << 10, ..Default::default() };
        let (mut edge, directory, metrics) = edge(budget);
        let big = Bytes::from(vec![0u8; 200 << 10]);
        for i in 0..1000 {
            edge.route(&book_subject(&format!("S{i}")), RelayInput::Live(big.clone()));
            assert!(edge.budget.used() <= budget.edge_bytes, "held {} > budget", edge.budget.used());
        }
        edge.route(&book_subject("HUGE"), RelayInput::Live(Bytes::from(vec![0u8; 300 << 10])));
        assert!(directory.len() < 1000, "not every symbol got in ({})", directory.len());
        assert!(metrics.bus_symbols_refused.load(Ordering::Relaxed) > 0);
        assert!(metrics.bus_frames_rejected.load(Ordering::Relaxed) >= 1, "the frame over the max size");
        // The relays take their queues (not frames: the fuzzed bytes are rejected) and release them.
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(edge.budget.used(), 0, "rejected frames are held by nobody");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_symbols_are_evicted_so_new_ones_get_in() {
        let (mut edge, directory, metrics) = edge(EdgeBudget { idle_evict: Duration::from_secs(60), ..Default::default() });
        edge.route(&book_subject("OLD"), RelayInput::Live(Bytes::from_static(b"x")));
        edge.relay_for(&book_subject("KEEP"), 0);
        assert_eq!(directory.symbols(), vec!["KEEP".to_string(), "OLD".to_string()]);
        tokio::time::advance(Duration::from_secs(61)).await;
        edge.route(&book_subject("NEW"), RelayInput::Live(Bytes::from_static(b"x")));
        edge.evict_idle();
        assert_eq!(directory.symbols(), vec!["KEEP".to_string(), "NEW".to_string()], "asked-for symbols stay");
        assert_eq!(metrics.bus_symbols_evicted.load(Ordering::Relaxed), 1);
    }
}
