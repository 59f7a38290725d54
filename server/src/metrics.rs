//! Server-wide counters, rendered as Prometheus text at /metrics. Each is declared once, in the
//! table below: its field, its exported name (stable: dashboards and tests read them), its kind and its
//! help text, which is also its documentation (docs/metrics.md is generated from the table and checked
//! against it by `metrics_doc_is_the_table`). Only the histograms and the engines' summed counters
//! are written by hand.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::engine::orderbook_engine::EngineCounters;

/// Upper bounds of the tick-duration histogram buckets, in seconds.
pub const TICK_BUCKETS_SECONDS: [f64; 8] = [0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.01];
/// Upper bounds of the exchange→server latency buckets, in seconds.
pub const EXCHANGE_LATENCY_BUCKETS_SECONDS: [f64; 12] = [0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// A Prometheus histogram over fixed buckets (lock-free: one atomic add per bucket hit).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Counts per bucket of `bounds`, +Inf last (not cumulative: summed when rendered).
    buckets: Vec<AtomicU64>,
    nanos_total: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self { bounds, buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(), nanos_total: AtomicU64::new(0), count: AtomicU64::new(0) }
    }

    pub fn observe(&self, d: std::time::Duration) {
        self.nanos_total.fetch_add(d.as_nanos().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        let secs = d.as_secs_f64();
        let i = self.bounds.iter().position(|&le| secs <= le).unwrap_or(self.bounds.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
    }

    /// The `_bucket`, `_sum` and `_count` lines, with `labels` (`venue="kraken",` or empty) first.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, le) in self.bounds.iter().map(|b| b.to_string()).chain(["+Inf".to_string()]).enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "tickframe_{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
        }
        let braces = if labels.is_empty() { String::new() } else { format!("{{{}}}", labels.trim_end_matches(',')) };
        let _ = writeln!(out, "tickframe_{name}_sum{braces} {}", self.nanos_total.load(Ordering::Relaxed) as f64 / 1e9);
        let _ = writeln!(out, "tickframe_{name}_count{braces} {}", self.count.load(Ordering::Relaxed));
    }
}

const TICK_HELP: &str = "Time to serialize one tick's frame.";
const EXCHANGE_LATENCY_HELP: &str =
    "Exchange to server: a book message's receive time minus the exchange's time in it, per venue (clocks ahead counted apart).";

/// Which nodes export a metric: every node, or only those on the bus (`--publish`, a `nats://` source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Always,
    Bus,
}

/// One declared metric: field, exported name (without the `tickframe_` prefix), kind, help, when shown.
#[derive(Debug, Clone, Copy)]
pub struct Declared {
    pub field: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub help: &'static str,
    pub shown: Shown,
}

macro_rules! declare_metrics {
    ($($shown:ident $field:ident: $kind:ident $name:literal, $help:literal;)*) => {
        /// Every counter and gauge of the server (see the table in this file).
        #[derive(Debug)]
        pub struct Metrics {
            $(#[doc = $help] pub $field: AtomicU64,)*
            /// Tick serialization time, over [`TICK_BUCKETS_SECONDS`].
            pub tick_duration: Histogram,
            /// Exchange→server latency per venue, over [`EXCHANGE_LATENCY_BUCKETS_SECONDS`].
            pub exchange_latency: std::sync::Mutex<Vec<(&'static str, Arc<Histogram>)>>,
            /// Every served engine's counters (summed at /metrics), see [`Metrics::register_engine`].
            pub engines: std::sync::Mutex<Vec<Arc<EngineCounters>>>,
            /// This node is part of a cluster (`--publish` or a `nats://` source): /healthz reports the bus.
            pub bus_in_use: AtomicBool,
        }

        impl Default for Metrics {
            fn default() -> Self {
                Self {
                    $($field: AtomicU64::new(0),)*
                    tick_duration: Histogram::new(&TICK_BUCKETS_SECONDS),
                    exchange_latency: Default::default(),
                    engines: Default::default(),
                    bus_in_use: AtomicBool::new(false),
                }
            }
        }

        /// The table, for docs and tests.
        pub const DECLARED: &[Declared] = &[$(Declared { field: stringify!($field), name: $name, kind: stringify!($kind), help: $help, shown: shown!($shown) },)*];

        impl Metrics {
            fn render_declared(&self, out: &mut String) {
                let bus = self.bus_in_use.load(Ordering::Relaxed);
                $(if bus || shown!($shown) == Shown::Always {
                    line(out, $name, stringify!($kind), $help, self.$field.load(Ordering::Relaxed));
                })*
            }
        }
    };
}

macro_rules! shown {
    (always) => {
        Shown::Always
    };
    (bus) => {
        Shown::Bus
    };
}

#[rustfmt::skip]
declare_metrics! {
    always clients: gauge "clients", "Connected WebSocket clients.";
    always clients_rejected: counter "clients_rejected_total", "Connections refused at the client limit.";
    always clients_rejected_per_ip: counter "clients_rejected_per_ip_total", "WebSocket clients refused at the per-IP limit.";
    always http_connections: gauge "http_connections", "Open TCP connections (not yet upgraded + WebSocket clients).";
    always http_pending: gauge "http_pending_connections", "Connections that have not upgraded to a WebSocket.";
    always connections_evicted: counter "connections_evicted_total", "Pending connections closed (oldest first, stalled ones only) to make room.";
    always accepts_deferred: counter "accepts_deferred_total", "Times the accept loop waited: every pending connection was still completing its handshake (a reconnect storm).";
    always connections_refused: counter "connections_refused_total", "Connections closed at accept: the budget was all clients.";
    always handshake_timeouts: counter "handshake_timeouts_total", "Connections closed for not sending complete request headers in time.";
    always accept_errors: counter "accept_errors_total", "accept() failures (e.g. out of descriptors).";
    always host_rejected: counter "host_rejected_total", "Requests refused: Host not allowed.";
    always origin_rejected: counter "origin_rejected_total", "WebSocket handshakes refused: Origin not allowed.";
    always closes_too_big: counter "closes_too_big_total", "Sessions closed with 1009: a client message over the limit.";
    always closes_protocol_error: counter "closes_protocol_error_total", "Sessions closed with 1002/1007: a WebSocket protocol violation.";
    always source_task_failures: counter "source_task_failures_total", "Source tasks that died; their books are served as stale.";
    always source_data_timeouts: counter "source_data_timeouts_total", "Live sources silent (no market data, pings excepted) past their deadline.";
    always source_untrusted: counter "source_untrusted_books_total", "Books resynced as untrustworthy: crossed, empty snapshot, unappliable message.";
    always source_resync_retries: counter "source_resync_retries_total", "Resyncs asked for again: no snapshot within the resync deadline.";
    always source_resync_reconnects: counter "source_resync_reconnects_total", "Reconnects because a retried resync got no snapshot either.";
    always source_trades: counter "source_trades_total", "Prints received from venues (repeats dropped).";
    always source_trade_gaps: counter "source_trade_gaps_total", "Gaps in a venue's consecutive trade ids: prints never received.";
    always source_trade_duplicates: counter "source_trade_duplicates_total", "Prints dropped as repeats of ones already seen (a subscribe snapshot, a reconnect).";
    always source_exchange_time_ahead: counter "exchange_time_ahead_total", "Book messages stamped by the exchange after the server read them (the clocks disagree; kept out of the latency histogram).";
    always source_exchange_time_rejected: counter "exchange_time_rejected_total", "Exchange times ignored: over a minute ahead of the receive time, or before the book's last (the time shown never goes back).";
    always source_book_confirms: counter "book_confirms_total", "Quiet books asked for a fresh snapshot to confirm them (no update for the venue's quiet time).";
    always source_books_frozen: counter "books_frozen_total", "Quiet books marked stale and resynced: not confirmed within the deadline.";
    always record_failures: counter "record_failures_total", "--record / --capture-out writes that failed (that recording stopped).";
    bus bus_connected: gauge "bus_connected", "1 while connected to NATS.";
    bus bus_disconnects: counter "bus_disconnects_total", "NATS connection losses.";
    bus bus_reconnects: counter "bus_reconnects_total", "NATS reconnections after a loss.";
    bus bus_frames_published: counter "bus_frames_published_total", "Frames published to the bus.";
    bus bus_frames_received: counter "bus_frames_received_total", "Frames received from the bus.";
    bus bus_frames_withheld: counter "bus_frames_withheld_total", "Frames not published: no lease, or the bus was away.";
    bus bus_frames_rejected: counter "bus_frames_rejected_total", "Bus messages that were not valid frames.";
    bus bus_frames_dropped: counter "bus_frames_dropped_total", "Bus frames not relayed: older than the last relayed, or the relay was full.";
    bus bus_stale_marks: counter "bus_stale_marks_total", "Books marked stale: the bus was silent past the deadline.";
    bus lease_held: gauge "lease_held", "1 while this ingest node holds the publishing lease.";
    bus lease_changes: counter "lease_changes_total", "Publishing lease acquisitions and losses.";
    bus bus_symbols: gauge "bus_symbols", "Symbols this edge relays.";
    bus bus_symbols_refused: counter "bus_symbols_refused_total", "Symbols not relayed: the symbol or byte limit was reached.";
    bus bus_symbols_evicted: counter "bus_symbols_evicted_total", "Symbols no longer relayed: idle on the bus too long.";
    bus edge_bytes_held: gauge "edge_bytes_held", "Bytes of frames held by this edge (queued and kept for clients).";
    bus lease_values_rejected: counter "lease_values_rejected_total", "Lease values ignored: not a node and an epoch within the bound.";
    always fd_limit: gauge "fd_limit", "Soft file-descriptor limit in force (0 = unknown).";
    always frames_broadcast: counter "frames_broadcast_total", "Frames serialized and broadcast (once per tick, shared).";
    always frames_sent: counter "frames_sent_total", "Frames written to clients.";
    always bytes_sent: counter "bytes_sent_total", "Frame bytes written to clients.";
    always lag_skips: counter "lag_skips_total", "Times a lagging client skipped to the newest frame.";
    always writer_loop_clients: gauge "writer_loop_clients", "Clients whose frames a writer loop writes (the others are joining or on their slow path).";
    always slow_path_entries: counter "slow_path_entries_total", "Times a client's socket took only part of a frame (or none) and it left its writer loop for its slow path.";
    always slow_client_disconnects: counter "slow_client_disconnects_total", "Clients dropped for exceeding the send timeout.";
    always inbound_messages_ignored: counter "inbound_ignored_total", "Client messages ignored (the protocol is server-to-client).";
    always ticks_serialized: counter "ticks_serialized_total", "Ticks that serialized a frame.";
    always source_messages: counter "source_messages_total", "Exchange messages received (WebSocket and REST).";
    always source_errors: counter "source_errors_total", "Exchange messages that could not be applied.";
    always source_gaps: counter "source_gaps_total", "Exchange sequence gaps.";
    always source_resyncs: counter "resyncs_total", "Book resyncs (gap, checksum mismatch, bad message).";
    always source_checksum_failures: counter "checksum_failures_total", "Exchange checksum mismatches.";
    always source_reconnects: counter "source_reconnects_total", "Exchange WebSocket reconnects.";
}

fn line(out: &mut String, name: &str, kind: &str, help: &str, v: u64) {
    let _ = write!(out, "# HELP tickframe_{name} {help}\n# TYPE tickframe_{name} {kind}\ntickframe_{name} {v}\n");
}

impl Metrics {
    /// Include an engine's ingest counters in /metrics.
    pub fn register_engine(&self, counters: Arc<EngineCounters>) {
        if let Ok(mut e) = self.engines.lock() {
            e.push(counters);
        }
    }

    /// Record one tick's serialization time.
    pub fn observe_tick(&self, d: std::time::Duration) {
        self.ticks_serialized.fetch_add(1, Ordering::Relaxed);
        self.tick_duration.observe(d);
    }

    /// The exchange→server latency histogram of `venue` (made on first use; a feed keeps it).
    pub fn exchange_latency(&self, venue: &'static str) -> Arc<Histogram> {
        let Ok(mut all) = self.exchange_latency.lock() else { return Arc::new(Histogram::new(&EXCHANGE_LATENCY_BUCKETS_SECONDS)) };
        if let Some((_, h)) = all.iter().find(|(v, _)| *v == venue) {
            return h.clone();
        }
        let h = Arc::new(Histogram::new(&EXCHANGE_LATENCY_BUCKETS_SECONDS));
        all.push((venue, h.clone()));
        h
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_declared(&mut out);
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = write!(out, "# HELP tickframe_tick_duration_seconds {TICK_HELP}\n# TYPE tickframe_tick_duration_seconds histogram\n");
        self.tick_duration.render(&mut out, "tick_duration_seconds", "");
        let _ =
            write!(out, "# HELP tickframe_exchange_latency_seconds {EXCHANGE_LATENCY_HELP}\n# TYPE tickframe_exchange_latency_seconds histogram\n");
        for (venue, h) in self.exchange_latency.lock().map(|l| l.clone()).unwrap_or_default() {
            h.render(&mut out, "exchange_latency_seconds", &format!("venue=\"{venue}\","));
        }
        let engines = self.engines.lock().map(|e| e.clone()).unwrap_or_default();
        let sum = |f: fn(&EngineCounters) -> &AtomicU64| engines.iter().map(|e| g(f(e))).sum::<u64>();
        line(&mut out, "ingest_messages_total", "counter", "Messages ingested by the engines.", sum(|e| &e.messages));
        line(&mut out, "ingest_errors_total", "counter", "Engine messages rejected as malformed.", sum(|e| &e.errors));
        line(&mut out, "sequence_gaps_total", "counter", "Sequence gaps seen by the engines (book marked resyncing).", sum(|e| &e.gaps));
        line(&mut out, "prints_dropped_total", "counter", PRINTS_DROPPED_HELP, sum(|e| &e.prints_dropped));
        out
    }
}

const PRINTS_DROPPED_HELP: &str = "Prints left out of the frames' window by a burst too large even aggregated (still in the totals).";

/// docs/metrics.md as the table says it.
pub fn metrics_doc() -> String {
    let mut out = String::from(
        "# Metrics\n\nWhat `tickframe-server` exports at `/metrics` (Prometheus text). Generated from the table in \
         `server/src/metrics.rs` (`cargo test -p tickframe-server metrics_doc` checks it; \
         `TICKFRAME_WRITE_METRICS_DOC=1` rewrites it). *bus*: only on ingest and edge nodes.\n\n\
         | metric | kind | shown | meaning |\n|---|---|---|---|\n",
    );
    for d in DECLARED {
        let shown = if d.shown == Shown::Bus { "bus" } else { "always" };
        let _ = writeln!(out, "| `tickframe_{}` | {} | {shown} | {} |", d.name, d.kind, d.help.replace('|', "\\|"));
    }
    out.push_str(
        "| `tickframe_tick_duration_seconds` | histogram | always | Time to serialize one tick's frame. |\n\
         | `tickframe_exchange_latency_seconds` | histogram (label `venue`) | always | Exchange to server: a book message's receive time minus the exchange's time in it, per venue (clocks ahead counted apart). |\n\
         | `tickframe_ingest_messages_total` | counter | always | Messages ingested by the engines. |\n\
         | `tickframe_ingest_errors_total` | counter | always | Engine messages rejected as malformed. |\n\
         | `tickframe_sequence_gaps_total` | counter | always | Sequence gaps seen by the engines (book marked resyncing). |\n",
    );
    let _ = writeln!(out, "| `tickframe_prints_dropped_total` | counter | always | {PRINTS_DROPPED_HELP} |");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_histogram_is_cumulative_prometheus_text() {
        let m = Metrics::default();
        m.observe_tick(std::time::Duration::from_micros(10));
        m.observe_tick(std::time::Duration::from_micros(300));
        m.observe_tick(std::time::Duration::from_millis(50));
        let text = m.render();
        assert!(text.contains("tickframe_tick_duration_seconds_bucket{le=\"0.000025\"} 1\n"), "{text}");
        assert!(text.contains("tickframe_tick_duration_seconds_bucket{le=\"0.0005\"} 2\n"));
        assert!(text.contains("tickframe_tick_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("tickframe_tick_duration_seconds_count 3\n"));
        assert!(text.contains("# TYPE tickframe_clients gauge"));
    }

    #[test]
    fn every_metric_is_declared_once_and_bus_metrics_only_on_the_bus() {
        let mut names: Vec<&str> = DECLARED.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DECLARED.len(), "an exported name is declared twice");
        for d in DECLARED {
            assert!(d.kind != "counter" || d.name.ends_with("_total"), "{}: a counter's name ends in _total", d.name);
        }
        let m = Metrics::default();
        m.source_resyncs.fetch_add(3, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains("tickframe_resyncs_total 3\n"));
        assert!(!text.contains("tickframe_bus_connected"), "bus metrics only on bus nodes");
        m.bus_in_use.store(true, Ordering::Relaxed);
        assert!(m.render().contains("tickframe_bus_connected 0\n"));
    }

    #[test]
    fn metrics_doc_is_the_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/metrics.md");
        if std::env::var_os("TICKFRAME_WRITE_METRICS_DOC").is_some() {
            std::fs::write(&path, metrics_doc()).expect("write docs/metrics.md");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(committed, metrics_doc(), "docs/metrics.md differs from the table: run with TICKFRAME_WRITE_METRICS_DOC=1");
    }
}
