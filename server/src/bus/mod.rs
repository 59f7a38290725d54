//! Beyond one machine, over NATS: ingest nodes (`--publish nats://…`) publish every frame their
//! markets broadcast, unchanged but for the stream's sequence, to `tickframe.book.<symbol>`; edge
//! nodes (`--source nats://…`) subscribe and fan the same bytes out to their WebSocket clients.
//!
//! ```text
//! ingest: sources → engines → tick loop → fan-out ─┬→ local /ws clients
//!                                                 └→ ingest_publisher (holds the ingest_lease) → NATS
//! NATS: core subject per symbol, and a JetStream stream keeping the newest frame per subject
//! edge:  NATS → edge_subscriber → edge_relay (per symbol: latest, stale past the deadline) → fan-out → /ws
//! ```

pub mod book_subject;
pub mod bus_connection;
pub mod edge_budget;
pub mod edge_node;
pub mod edge_relay;
pub mod edge_subscriber;
pub mod ingest_lease;
pub mod ingest_node;
pub mod ingest_publisher;
pub mod newest_frames;
pub mod stream_epoch;

pub use bus_connection::{connect, Bus};
