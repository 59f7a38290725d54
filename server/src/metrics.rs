//! Server-wide counters, rendered as Prometheus text at /metrics.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::orderbook_engine::EngineCounters;

#[derive(Debug, Default)]
pub struct Metrics {
    pub clients: AtomicU64,
    pub clients_rejected: AtomicU64,
    pub frames_broadcast: AtomicU64,
    pub frames_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub lag_skips: AtomicU64,
    pub slow_client_disconnects: AtomicU64,
    pub inbound_messages_ignored: AtomicU64,
    pub tick_nanos_total: AtomicU64,
    pub ticks_serialized: AtomicU64,
    pub engine: std::sync::OnceLock<Arc<EngineCounters>>,
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut line = |name: &str, kind: &str, help: &str, v: u64| {
            let _ = write!(out, "# HELP tickframe_{name} {help}\n# TYPE tickframe_{name} {kind}\ntickframe_{name} {v}\n");
        };
        line("clients", "gauge", "Connected WebSocket clients.", g(&self.clients));
        line("clients_rejected_total", "counter", "Connections refused at the client limit.", g(&self.clients_rejected));
        line("frames_broadcast_total", "counter", "Frames serialized and broadcast (once per tick, shared).", g(&self.frames_broadcast));
        line("frames_sent_total", "counter", "Frames written to clients.", g(&self.frames_sent));
        line("bytes_sent_total", "counter", "Frame bytes written to clients.", g(&self.bytes_sent));
        line("lag_skips_total", "counter", "Times a lagging client skipped to the newest frame.", g(&self.lag_skips));
        line("slow_client_disconnects_total", "counter", "Clients dropped for exceeding the send timeout.", g(&self.slow_client_disconnects));
        line("inbound_ignored_total", "counter", "Client messages ignored (the protocol is server-to-client).", g(&self.inbound_messages_ignored));
        line("tick_seconds_sum_nanos", "counter", "Total nanoseconds spent serializing ticks.", g(&self.tick_nanos_total));
        line("ticks_serialized_total", "counter", "Ticks that serialized a frame.", g(&self.ticks_serialized));
        if let Some(e) = self.engine.get() {
            line("ingest_messages_total", "counter", "Source messages ingested.", g(&e.messages));
            line("ingest_errors_total", "counter", "Source messages rejected as malformed.", g(&e.errors));
            line("sequence_gaps_total", "counter", "Source sequence gaps (book marked resyncing).", g(&e.gaps));
        }
        out
    }
}
