//! An edge node's side of the bus: subscribe to the book subjects (all, or the symbols asked for),
//! start a relay and a fan-out for each symbol as it first appears (so `/symbols` is what the bus
//! carries), and hand each relay JetStream's newest frame on start and after every reconnect.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::bus::book_subject::{self, book_subject, symbol_of};
use crate::bus::edge_relay::{run_relay, RelayInput};
use crate::bus::newest_frames::{newest_frames, MAX_SYMBOLS};
use crate::bus::Bus;
use crate::fanout::fanout;
use crate::market_directory::MarketDirectory;
use crate::metrics::Metrics;

/// Frames waiting per relay (a relay only forwards; it falls behind only when starved of CPU).
const RELAY_QUEUE: usize = 64;

#[derive(Debug, Clone)]
pub struct EdgeOptions {
    /// Only these symbols (empty: every symbol on the bus).
    pub symbols: Vec<String>,
    /// No frame for a symbol within this long: its book is marked stale at the clients.
    pub deadline: Duration,
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
    let mut edge = Edge { relays: HashMap::new(), options, directory, metrics };
    // Asked-for symbols are listed (and joinable) before their first frame.
    for symbol in edge.options.symbols.clone() {
        edge.relay_for(&book_subject(&symbol));
    }
    let mut connections = bus.connections.clone();
    connections.mark_changed(); // fetch the newest frames once now
    loop {
        tokio::select! {
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

struct Edge {
    relays: HashMap<String, mpsc::Sender<RelayInput>>,
    options: EdgeOptions,
    directory: Arc<MarketDirectory>,
    metrics: Arc<Metrics>,
}

impl Edge {
    fn route(&mut self, subject: &str, input: RelayInput) {
        let Some(tx) = self.relay_for(subject) else {
            self.metrics.bus_frames_rejected.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(input) {
            self.metrics.bus_frames_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The relay for a subject, started on first sight. `None`: not a book subject, or too many.
    fn relay_for(&mut self, subject: &str) -> Option<mpsc::Sender<RelayInput>> {
        if let Some(tx) = self.relays.get(subject) {
            return Some(tx.clone());
        }
        let symbol = symbol_of(subject)?;
        if self.relays.len() >= MAX_SYMBOLS {
            tracing::warn!(%subject, "symbol limit reached: not relayed");
            return None;
        }
        let (tx, rx) = mpsc::channel(RELAY_QUEUE);
        let (publisher, handle, snapshot_requests) = fanout();
        tokio::spawn(run_relay(symbol.clone(), rx, snapshot_requests, publisher, self.options.deadline, self.metrics.clone()));
        tracing::info!(%symbol, "relaying a new symbol from the bus");
        self.directory.add(symbol, handle);
        self.relays.insert(subject.to_string(), tx.clone());
        Some(tx)
    }
}
