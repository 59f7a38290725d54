//! The newest frame of every symbol, kept by JetStream: a stream over `tickframe.book.>` holding one
//! message per subject. Ingest nodes publish on core NATS (no acks on the hot path); the stream
//! captures each publish and keeps only the last, so an edge that starts or reconnects serves late
//! joiners at once, and an ingest node taking over learns the epoch to go above.

use std::time::Duration;

use async_nats::jetstream::stream::{self, DiscardPolicy, StorageType, Stream};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::bus::Bus;
use crate::bus::{book_subject, stream_epoch};

/// The JetStream stream's name.
pub const STREAM: &str = "TICKFRAME_BOOKS";
/// Every JetStream request here has this deadline.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(2);
/// At most this many symbols are read back (bounds a cold start's work).
pub const MAX_SYMBOLS: usize = 10_000;
/// The stream's byte bound (newest frames of every symbol together).
pub const MAX_BYTES: i64 = 256 << 20;
/// A subject's newest frame is dropped this long after it was published.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// The largest frame the stream stores (NATS's default max payload is 1 MiB as well).
pub const MAX_FRAME_BYTES: i32 = 1 << 20;

/// Create the stream if it is not there (file storage: the newest frames survive a NATS restart).
pub async fn ensure_stream(bus: &Bus) -> Result<Stream, String> {
    let config = stream::Config {
        name: STREAM.into(),
        subjects: vec![book_subject::ALL.into()],
        max_messages_per_subject: 1,
        discard: DiscardPolicy::Old,
        storage: StorageType::File,
        allow_direct: true,
        // Frames are pictures, never deduplicated by id: keep the window (and its memory) small.
        duplicate_window: Duration::from_secs(1),
        // Bounded on disk and in every cold edge's start: a symbol not published for a day is gone,
        // and the whole stream never holds more than MAX_BYTES (oldest subjects go first).
        max_bytes: MAX_BYTES,
        max_age: MAX_AGE,
        max_message_size: MAX_FRAME_BYTES,
        ..Default::default()
    };
    tokio::time::timeout(REQUEST_DEADLINE, bus.jetstream.get_or_create_stream(config))
        .await
        .map_err(|_| "JetStream did not answer (is nats-server running with -js?)".to_string())?
        .map_err(|e| format!("JetStream stream {STREAM}: {e}"))
}

/// The newest frame of each subject matching `filter` (at most [`MAX_SYMBOLS`]), as (subject, bytes).
/// A subject that cannot be read is left out (and logged): its next frame arrives within a heartbeat.
pub async fn newest_frames(bus: &Bus, filter: &str) -> Result<Vec<(String, Bytes)>, String> {
    let stream = ensure_stream(bus).await?;
    let subjects: Vec<String> = tokio::time::timeout(REQUEST_DEADLINE, async {
        let mut found = Vec::new();
        let mut list = stream.info_with_subjects(filter).await.map_err(|e| e.to_string())?;
        while let Some(item) = list.next().await {
            found.push(item.map_err(|e| e.to_string())?.0);
            if found.len() >= MAX_SYMBOLS {
                break;
            }
        }
        Ok::<_, String>(found)
    })
    .await
    .map_err(|_| "JetStream did not list the stream's subjects in time".to_string())??;
    let mut out = Vec::with_capacity(subjects.len());
    for subject in subjects {
        match tokio::time::timeout(REQUEST_DEADLINE, stream.direct_get_last_for_subject(subject.clone())).await {
            Ok(Ok(message)) => out.push((subject, message.payload)),
            Ok(Err(e)) => tracing::warn!(%subject, error = %e, "newest frame not readable"),
            Err(_) => tracing::warn!(%subject, "newest frame: JetStream did not answer in time"),
        }
    }
    Ok(out)
}

/// The highest stream epoch among the newest frames of `symbols` on the bus (0 when there is none):
/// an ingest node that starts publishing them takes one above it, so its frames never look older
/// than what browsers saw. One direct read per symbol; a symbol never published has no frame.
pub async fn highest_epoch(bus: &Bus, symbols: &[String]) -> Result<u64, String> {
    let stream = ensure_stream(bus).await?;
    let mut highest = 0;
    for symbol in symbols {
        let subject = book_subject::book_subject(symbol);
        match tokio::time::timeout(REQUEST_DEADLINE, stream.direct_get_last_for_subject(subject)).await {
            Ok(Ok(message)) => {
                // A frame past the bounds is forged or corrupt (edges refuse it too): not an epoch to beat.
                match tickframe_schema::decode_frame(&message.payload) {
                    Ok(f) if stream_epoch::in_bounds(f.sequence()) => highest = highest.max(stream_epoch::epoch_of(f.sequence())),
                    _ => tracing::warn!(%symbol, "newest frame on the bus is not a frame within the epoch bounds: ignored"),
                }
            }
            Ok(Err(e)) if e.kind() == async_nats::jetstream::stream::DirectGetErrorKind::NotFound => {}
            Ok(Err(e)) => return Err(format!("newest frame of {symbol}: {e}")),
            Err(_) => return Err(format!("newest frame of {symbol}: JetStream did not answer in time")),
        }
    }
    Ok(highest)
}
