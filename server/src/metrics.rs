//! Server-wide counters, rendered as Prometheus text at /metrics.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::engine::orderbook_engine::EngineCounters;

/// Upper bounds of the tick-duration histogram buckets, in seconds.
pub const TICK_BUCKETS_SECONDS: [f64; 8] = [0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.01];

#[derive(Debug, Default)]
pub struct Metrics {
    pub clients: AtomicU64,
    pub clients_rejected: AtomicU64,
    /// WebSocket clients refused because their address holds its per-IP limit.
    pub clients_rejected_per_ip: AtomicU64,
    /// Open TCP connections (pending + upgraded), and those not upgraded yet (gauges).
    pub http_connections: AtomicU64,
    pub http_pending: AtomicU64,
    /// Pending connections closed to make room for a new one (oldest first).
    pub connections_evicted: AtomicU64,
    /// New connections closed at once: the descriptor budget was all WebSocket clients.
    pub connections_refused: AtomicU64,
    /// Connections closed for not completing their request headers in time.
    pub handshake_timeouts: AtomicU64,
    pub accept_errors: AtomicU64,
    /// Requests refused for a Host or Origin not on the allowlist.
    pub host_rejected: AtomicU64,
    pub origin_rejected: AtomicU64,
    /// Client sessions closed with 1009 (too big) / 1002 (protocol violation) / 1007 (bad UTF-8).
    pub closes_too_big: AtomicU64,
    pub closes_protocol_error: AtomicU64,
    /// The soft file-descriptor limit in force (gauge; 0 = unknown).
    pub fd_limit: AtomicU64,
    pub frames_broadcast: AtomicU64,
    pub frames_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub lag_skips: AtomicU64,
    pub slow_client_disconnects: AtomicU64,
    pub inbound_messages_ignored: AtomicU64,
    pub tick_nanos_total: AtomicU64,
    pub ticks_serialized: AtomicU64,
    /// Tick serialization time histogram: counts per bucket of [`TICK_BUCKETS_SECONDS`] (+Inf last).
    pub tick_buckets: [AtomicU64; TICK_BUCKETS_SECONDS.len() + 1],
    /// Every served engine's counters (summed at /metrics), see [`Metrics::register_engine`].
    pub engines: std::sync::Mutex<Vec<Arc<EngineCounters>>>,
    /// Exchange sources: book resyncs (gap, checksum mismatch, reconnect), checksum failures, reconnects.
    pub source_resyncs: AtomicU64,
    pub source_checksum_failures: AtomicU64,
    pub source_gaps: AtomicU64,
    pub source_errors: AtomicU64,
    pub source_messages: AtomicU64,
    pub source_reconnects: AtomicU64,
    /// Books resynced by the feed's rule (crossed, empty snapshot, a message that could not be applied).
    pub source_untrusted: AtomicU64,
    /// Times a live source sent no market data within its deadline (books marked stale, reconnect).
    pub source_data_timeouts: AtomicU64,
    /// Resyncs asked for again (no snapshot within the resync deadline), and reconnects after a
    /// retry got none either.
    pub source_resync_retries: AtomicU64,
    pub source_resync_reconnects: AtomicU64,
    /// `--record` / `--capture-out` writes that failed (the recording stops; the server goes on).
    pub record_failures: AtomicU64,
    /// Source tasks that died (panicked): their books are served as stale; the server goes on.
    pub source_task_failures: AtomicU64,
    /// This node is part of a cluster (`--publish` or a `nats://` source): /healthz reports the bus.
    pub bus_in_use: std::sync::atomic::AtomicBool,
    /// 1 while connected to NATS (gauge).
    pub bus_connected: AtomicU64,
    /// Times the NATS connection was lost, and re-established.
    pub bus_disconnects: AtomicU64,
    pub bus_reconnects: AtomicU64,
    /// Frames published to the bus (ingest) and received from it (edge).
    pub bus_frames_published: AtomicU64,
    pub bus_frames_received: AtomicU64,
    /// Frames not published: this node did not hold the lease, or the bus was away.
    pub bus_frames_withheld: AtomicU64,
    /// Bus messages that were not valid frames (or not on a book subject).
    pub bus_frames_rejected: AtomicU64,
    /// Frames an edge did not relay: older than what it relayed (a former ingest node's last words),
    /// or arriving faster than its relay could take them.
    pub bus_frames_dropped: AtomicU64,
    /// Times an edge marked a book stale: no frame from the bus within the data deadline.
    pub bus_stale_marks: AtomicU64,
    /// 1 while this ingest node holds the publishing lease (gauge); lease acquisitions and losses.
    pub lease_held: AtomicU64,
    pub lease_changes: AtomicU64,
    /// Symbols an edge relays (gauge), refused (count or byte limit), and evicted (idle on the bus).
    pub bus_symbols: AtomicU64,
    pub bus_symbols_refused: AtomicU64,
    pub bus_symbols_evicted: AtomicU64,
    /// Bytes of frames an edge holds (queued for relays + kept for clients), against its budget (gauge).
    pub edge_bytes_held: AtomicU64,
    /// Lease values that were not `node epoch` within the epoch bound (forged or corrupt): ignored.
    pub lease_values_rejected: AtomicU64,
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
        self.tick_nanos_total.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
        self.ticks_serialized.fetch_add(1, Ordering::Relaxed);
        let secs = d.as_secs_f64();
        let i = TICK_BUCKETS_SECONDS.iter().position(|&le| secs <= le).unwrap_or(TICK_BUCKETS_SECONDS.len());
        self.tick_buckets[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        fn line(out: &mut String, name: &str, kind: &str, help: &str, v: u64) {
            let _ = write!(out, "# HELP tickframe_{name} {help}\n# TYPE tickframe_{name} {kind}\ntickframe_{name} {v}\n");
        }
        line(&mut out, "clients", "gauge", "Connected WebSocket clients.", g(&self.clients));
        line(&mut out, "clients_rejected_total", "counter", "Connections refused at the client limit.", g(&self.clients_rejected));
        line(
            &mut out,
            "clients_rejected_per_ip_total",
            "counter",
            "WebSocket clients refused at the per-IP limit.",
            g(&self.clients_rejected_per_ip),
        );
        line(&mut out, "http_connections", "gauge", "Open TCP connections (not yet upgraded + WebSocket clients).", g(&self.http_connections));
        line(&mut out, "http_pending_connections", "gauge", "Connections that have not upgraded to a WebSocket.", g(&self.http_pending));
        line(
            &mut out,
            "connections_evicted_total",
            "counter",
            "Pending connections closed (oldest first) to make room.",
            g(&self.connections_evicted),
        );
        line(
            &mut out,
            "connections_refused_total",
            "counter",
            "Connections closed at accept: the budget was all clients.",
            g(&self.connections_refused),
        );
        line(
            &mut out,
            "handshake_timeouts_total",
            "counter",
            "Connections closed for not sending complete request headers in time.",
            g(&self.handshake_timeouts),
        );
        line(&mut out, "accept_errors_total", "counter", "accept() failures (e.g. out of descriptors).", g(&self.accept_errors));
        line(&mut out, "host_rejected_total", "counter", "Requests refused: Host not allowed.", g(&self.host_rejected));
        line(&mut out, "origin_rejected_total", "counter", "WebSocket handshakes refused: Origin not allowed.", g(&self.origin_rejected));
        line(&mut out, "closes_too_big_total", "counter", "Sessions closed with 1009: a client message over the limit.", g(&self.closes_too_big));
        line(
            &mut out,
            "closes_protocol_error_total",
            "counter",
            "Sessions closed with 1002/1007: a WebSocket protocol violation.",
            g(&self.closes_protocol_error),
        );
        line(
            &mut out,
            "source_task_failures_total",
            "counter",
            "Source tasks that died; their books are served as stale.",
            g(&self.source_task_failures),
        );
        line(
            &mut out,
            "source_data_timeouts_total",
            "counter",
            "Live sources silent (no market data, pings excepted) past their deadline.",
            g(&self.source_data_timeouts),
        );
        line(
            &mut out,
            "source_untrusted_books_total",
            "counter",
            "Books resynced as untrustworthy: crossed, empty snapshot, unappliable message.",
            g(&self.source_untrusted),
        );
        line(
            &mut out,
            "source_resync_retries_total",
            "counter",
            "Resyncs asked for again: no snapshot within the resync deadline.",
            g(&self.source_resync_retries),
        );
        line(
            &mut out,
            "source_resync_reconnects_total",
            "counter",
            "Reconnects because a retried resync got no snapshot either.",
            g(&self.source_resync_reconnects),
        );
        line(
            &mut out,
            "record_failures_total",
            "counter",
            "--record / --capture-out writes that failed (that recording stopped).",
            g(&self.record_failures),
        );
        if self.bus_in_use.load(Ordering::Relaxed) {
            line(&mut out, "bus_connected", "gauge", "1 while connected to NATS.", g(&self.bus_connected));
            line(&mut out, "bus_disconnects_total", "counter", "NATS connection losses.", g(&self.bus_disconnects));
            line(&mut out, "bus_reconnects_total", "counter", "NATS reconnections after a loss.", g(&self.bus_reconnects));
            line(&mut out, "bus_frames_published_total", "counter", "Frames published to the bus.", g(&self.bus_frames_published));
            line(&mut out, "bus_frames_received_total", "counter", "Frames received from the bus.", g(&self.bus_frames_received));
            line(
                &mut out,
                "bus_frames_withheld_total",
                "counter",
                "Frames not published: no lease, or the bus was away.",
                g(&self.bus_frames_withheld),
            );
            line(&mut out, "bus_frames_rejected_total", "counter", "Bus messages that were not valid frames.", g(&self.bus_frames_rejected));
            line(
                &mut out,
                "bus_frames_dropped_total",
                "counter",
                "Bus frames not relayed: older than the last relayed, or the relay was full.",
                g(&self.bus_frames_dropped),
            );
            line(&mut out, "bus_stale_marks_total", "counter", "Books marked stale: the bus was silent past the deadline.", g(&self.bus_stale_marks));
            line(&mut out, "lease_held", "gauge", "1 while this ingest node holds the publishing lease.", g(&self.lease_held));
            line(&mut out, "lease_changes_total", "counter", "Publishing lease acquisitions and losses.", g(&self.lease_changes));
            line(&mut out, "bus_symbols", "gauge", "Symbols this edge relays.", g(&self.bus_symbols));
            line(
                &mut out,
                "bus_symbols_refused_total",
                "counter",
                "Symbols not relayed: the symbol or byte limit was reached.",
                g(&self.bus_symbols_refused),
            );
            line(
                &mut out,
                "bus_symbols_evicted_total",
                "counter",
                "Symbols no longer relayed: idle on the bus too long.",
                g(&self.bus_symbols_evicted),
            );
            line(&mut out, "edge_bytes_held", "gauge", "Bytes of frames held by this edge (queued and kept for clients).", g(&self.edge_bytes_held));
            line(
                &mut out,
                "lease_values_rejected_total",
                "counter",
                "Lease values ignored: not a node and an epoch within the bound.",
                g(&self.lease_values_rejected),
            );
        }
        line(&mut out, "fd_limit", "gauge", "Soft file-descriptor limit in force (0 = unknown).", g(&self.fd_limit));
        line(&mut out, "frames_broadcast_total", "counter", "Frames serialized and broadcast (once per tick, shared).", g(&self.frames_broadcast));
        line(&mut out, "frames_sent_total", "counter", "Frames written to clients.", g(&self.frames_sent));
        line(&mut out, "bytes_sent_total", "counter", "Frame bytes written to clients.", g(&self.bytes_sent));
        line(&mut out, "lag_skips_total", "counter", "Times a lagging client skipped to the newest frame.", g(&self.lag_skips));
        line(
            &mut out,
            "slow_client_disconnects_total",
            "counter",
            "Clients dropped for exceeding the send timeout.",
            g(&self.slow_client_disconnects),
        );
        line(
            &mut out,
            "inbound_ignored_total",
            "counter",
            "Client messages ignored (the protocol is server-to-client).",
            g(&self.inbound_messages_ignored),
        );
        line(&mut out, "ticks_serialized_total", "counter", "Ticks that serialized a frame.", g(&self.ticks_serialized));
        let _ = write!(
            out,
            "# HELP tickframe_tick_duration_seconds Time to serialize one tick's frame.\n# TYPE tickframe_tick_duration_seconds histogram\n"
        );
        let mut cumulative = 0;
        for (i, le) in TICK_BUCKETS_SECONDS.iter().map(|b| b.to_string()).chain(["+Inf".to_string()]).enumerate() {
            cumulative += g(&self.tick_buckets[i]);
            let _ = writeln!(out, "tickframe_tick_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let _ = write!(
            out,
            "tickframe_tick_duration_seconds_sum {}\ntickframe_tick_duration_seconds_count {}\n",
            g(&self.tick_nanos_total) as f64 / 1e9,
            g(&self.ticks_serialized)
        );
        let engines = self.engines.lock().map(|e| e.clone()).unwrap_or_default();
        let sum = |f: fn(&EngineCounters) -> &AtomicU64| engines.iter().map(|e| g(f(e))).sum::<u64>();
        line(&mut out, "ingest_messages_total", "counter", "Messages ingested by the engines.", sum(|e| &e.messages));
        line(&mut out, "ingest_errors_total", "counter", "Engine messages rejected as malformed.", sum(|e| &e.errors));
        line(&mut out, "sequence_gaps_total", "counter", "Sequence gaps seen by the engines (book marked resyncing).", sum(|e| &e.gaps));
        line(&mut out, "source_messages_total", "counter", "Exchange messages received (WebSocket and REST).", g(&self.source_messages));
        line(&mut out, "source_errors_total", "counter", "Exchange messages that could not be applied.", g(&self.source_errors));
        line(&mut out, "source_gaps_total", "counter", "Exchange sequence gaps.", g(&self.source_gaps));
        line(&mut out, "resyncs_total", "counter", "Book resyncs (gap, checksum mismatch, bad message).", g(&self.source_resyncs));
        line(&mut out, "checksum_failures_total", "counter", "Exchange checksum mismatches.", g(&self.source_checksum_failures));
        line(&mut out, "source_reconnects_total", "counter", "Exchange WebSocket reconnects.", g(&self.source_reconnects));
        out
    }
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
}
