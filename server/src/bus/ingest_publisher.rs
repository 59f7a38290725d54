//! An ingest node's side of the bus: every frame a market broadcasts is published to its subject —
//! while this node holds the lease and the bus is there. The book and stamp are the engine's; only the
//! sequence moves into the node's epoch (see `stream_epoch`), so every edge relays identical bytes.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use flatbuffers::FlatBufferBuilder;
use tickframe_schema::frame_restamp::{restamp, Restamp};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::bus::book_subject::book_subject;
use crate::bus::ingest_lease::LeaseState;
use crate::bus::stream_epoch::sequence_in;
use crate::bus::Bus;
use crate::fanout::FanoutHandle;
use crate::metrics::Metrics;

/// A publish that has not been taken by the client within this long is given up (the next tick's
/// frame is a newer picture anyway).
pub const PUBLISH_DEADLINE: Duration = Duration::from_millis(250);

/// Publish one market's frames until its fan-out closes.
pub async fn publish_market(bus: Bus, symbol: String, fanout: FanoutHandle, lease: watch::Receiver<LeaseState>, metrics: Arc<Metrics>) {
    let subject = async_nats::Subject::from(book_subject(&symbol));
    let mut frames = fanout.subscribe();
    let mut builder = FlatBufferBuilder::with_capacity(64 * 1024);
    loop {
        let frame = match frames.recv().await {
            Ok(frame) => frame,
            // Behind: the newest frame is the one worth sending.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let epoch = lease.borrow().publishing_epoch(Instant::now());
        let (Some(epoch), true) = (epoch, bus.is_connected()) else {
            metrics.bus_frames_withheld.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let Ok(decoded) = tickframe_schema::decode_frame(&frame.bytes) else {
            // Not an order-book frame (a custom engine's): published as it is.
            publish(&bus, &subject, frame.bytes.clone(), &metrics).await;
            continue;
        };
        let stamp = Restamp { sequence: sequence_in(epoch, decoded.sequence()), ..Restamp::of(&decoded) };
        let bytes = bytes::Bytes::copy_from_slice(restamp(&decoded, stamp, &mut builder));
        publish(&bus, &subject, bytes, &metrics).await;
    }
}

async fn publish(bus: &Bus, subject: &async_nats::Subject, bytes: bytes::Bytes, metrics: &Metrics) {
    match tokio::time::timeout(PUBLISH_DEADLINE, bus.client.publish(subject.clone(), bytes)).await {
        Ok(Ok(())) => {
            metrics.bus_frames_published.fetch_add(1, Ordering::Relaxed);
        }
        _ => {
            metrics.bus_frames_withheld.fetch_add(1, Ordering::Relaxed);
        }
    }
}
