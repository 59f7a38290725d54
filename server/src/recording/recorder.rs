//! `--record`: one market's broadcast frames to a recording file (tickframe recording format,
//! `recording.rs`), exactly as clients received them.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::metrics::Metrics;
use crate::recording::{RecordingHeader, RecordingWriter};
use crate::{FanoutHook, Frame};

/// A fan-out hook that records the first market it is given (a recording holds one symbol's
/// frames). `sources` are the `--source`s as given, for the header's `source`.
pub fn record_first_market(path: &Path, tick_hz: u32, sources: Vec<String>, metrics: Arc<Metrics>) -> Result<FanoutHook, String> {
    let file = std::fs::File::create(path).map_err(|e| format!("--record {}: {e}", path.display()))?;
    let out = std::sync::Mutex::new(Some(std::io::BufWriter::new(file)));
    Ok(Arc::new(move |symbol: &str, handle| {
        if let Some(out) = out.lock().ok().and_then(|mut o| o.take()) {
            let source = sources.iter().find(|s| s.contains(symbol)).or(sources.first()).cloned().unwrap_or_default();
            // Tapped here, before the market's first tick: the recording starts with its first frame.
            tokio::spawn(record_frames(handle.tap(RECORDER_QUEUE), out, tick_hz, source, metrics.clone()));
        }
    }))
}

/// Frames queued for the recorder: a live market that outruns it for this long skips frames (each
/// is a whole picture); a capture replay waits for it instead, so its recording is whole.
pub const RECORDER_QUEUE: usize = 256;

/// Record one market's broadcast frames (a [`crate::FanoutHandle::tap`]). The header is written with the first frame, from the frame
/// itself: its symbol, tick and lot are the recorded market's (a live book's tick is known only once
/// the exchange has sent prices), and `source` says where it came from.
/// A failed write stops the recording (counted in `tickframe_record_failures_total`); the server goes on.
pub async fn record_frames<W: std::io::Write + Send + 'static>(
    mut frames: tokio::sync::mpsc::Receiver<Frame>,
    out: W,
    tick_hz: u32,
    source: String,
    metrics: Arc<Metrics>,
) {
    let mut writer: Option<RecordingWriter<W>> = None;
    let mut out = Some(out);
    let mut last_seq = 0u64;
    while let Some(frame) = frames.recv().await {
        // A live market never waits for its recorder: a full queue skips frames (each a whole
        // picture), said here so a recording with holes is never a surprise.
        if last_seq > 0 && frame.seq > last_seq + 1 {
            tracing::warn!(skipped = frame.seq - last_seq - 1, "recorder fell behind; frames skipped");
        }
        last_seq = frame.seq;
        let w = match (writer.as_mut(), out.take()) {
            (Some(w), _) => w,
            (None, Some(o)) => match recording_header(&frame.bytes, tick_hz, &source) {
                // Before the first prices a live book's tick is not known yet: start with them.
                None => {
                    out = Some(o);
                    continue;
                }
                Some(header) => match RecordingWriter::new(o, &header) {
                    Ok(w) => writer.insert(w),
                    Err(e) => {
                        metrics.record_failures.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(error = %e, "recording not started: header write failed");
                        return;
                    }
                },
            },
            (None, None) => return,
        };
        // The frame's own time: the wall clock live, the capture's clock in a replay (so a
        // recording of a replay says when the market happened, and is the same every time).
        let at_ms = tickframe_schema::decode_frame(&frame.bytes).map_or(0, |f| f.timestamp_ms());
        if let Err(e) = w.append(at_ms as f64, &frame.bytes) {
            metrics.record_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "recording stopped: write failed");
            return;
        }
    }
}

/// The header for a recording that starts with `frame`: its symbol, tick and lot, if it has prices,
/// created at the frame's time (a capture replay's is the capture's).
pub fn recording_header(frame: &[u8], tick_hz: u32, source: &str) -> Option<RecordingHeader> {
    let f = tickframe_schema::decode_frame(frame).ok()?;
    if f.bids().map_or(0, |v| v.len()) + f.asks().map_or(0, |v| v.len()) == 0 {
        return None;
    }
    Some(RecordingHeader {
        symbol: f.symbol().unwrap_or_default().to_string(),
        tick_size: f.tick_size(),
        lot_size: f.lot_size(),
        created_ms: f.timestamp_ms(),
        tick_hz,
        schema_hash: tickframe_schema::SCHEMA_HASH.to_string(),
        source: Some(source.to_string()),
    })
}
