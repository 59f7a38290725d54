//! `--record`: one market's broadcast frames to a recording file (tickframe recording format,
//! `recording.rs`), exactly as clients received them.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::clock::now_ms;
use crate::metrics::Metrics;
use crate::recording::{RecordingHeader, RecordingWriter};
use crate::{FanoutHandle, FanoutHook};

/// A fan-out hook that records the first market it is given (a recording holds one symbol's
/// frames). `sources` are the `--source`s as given, for the header's `source`.
pub fn record_first_market(path: &Path, tick_hz: u32, sources: Vec<String>, metrics: Arc<Metrics>) -> Result<FanoutHook, String> {
    let file = std::fs::File::create(path).map_err(|e| format!("--record {}: {e}", path.display()))?;
    let out = std::sync::Mutex::new(Some(std::io::BufWriter::new(file)));
    Ok(Arc::new(move |symbol: &str, handle| {
        if let Some(out) = out.lock().ok().and_then(|mut o| o.take()) {
            let source = sources.iter().find(|s| s.contains(symbol)).or(sources.first()).cloned().unwrap_or_default();
            tokio::spawn(record_frames(handle, out, tick_hz, source, metrics.clone()));
        }
    }))
}

/// Record one market's broadcast frames. The header is written with the first frame, from the frame
/// itself: its symbol, tick and lot are the recorded market's (a live book's tick is known only once
/// the exchange has sent prices), and `source` says where it came from.
/// A failed write stops the recording (counted in `tickframe_record_failures_total`); the server goes on.
pub async fn record_frames<W: std::io::Write + Send + 'static>(handle: FanoutHandle, out: W, tick_hz: u32, source: String, metrics: Arc<Metrics>) {
    let mut rx = handle.subscribe();
    let mut writer: Option<RecordingWriter<W>> = None;
    let mut out = Some(out);
    loop {
        let frame = match rx.recv().await {
            Ok(frame) => frame,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "recorder fell behind; frames skipped");
                continue;
            }
            Err(_) => return,
        };
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
        if let Err(e) = w.append(now_ms() as f64, &frame.bytes) {
            metrics.record_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "recording stopped: write failed");
            return;
        }
    }
}

/// The header for a recording that starts with `frame`: its symbol, tick and lot, if it has prices.
pub fn recording_header(frame: &[u8], tick_hz: u32, source: &str) -> Option<RecordingHeader> {
    let f = tickframe_schema::decode_frame(frame).ok()?;
    if f.bids().map_or(0, |v| v.len()) + f.asks().map_or(0, |v| v.len()) == 0 {
        return None;
    }
    Some(RecordingHeader {
        symbol: f.symbol().unwrap_or_default().to_string(),
        tick_size: f.tick_size(),
        lot_size: f.lot_size(),
        created_ms: now_ms(),
        tick_hz,
        schema_hash: tickframe_schema::SCHEMA_HASH.to_string(),
        source: Some(source.to_string()),
    })
}
