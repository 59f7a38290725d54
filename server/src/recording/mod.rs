//! Recordings: what the server broadcast, frame by frame, in the append-only format specified in
//! `schema/README.md`. A crash loses at most the record being written; readers keep every whole
//! record of a truncated or corrupted file and say where they stopped.

pub mod recorder;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"TKFRREC\0";
/// Version written. 2: each record's CRC covers its receive time and its frame (everything a reader
/// uses). 1: the CRC covers the frame only; still read.
pub const VERSION: u16 = 2;
/// Header JSON and single frames above these sizes are treated as corruption (bounded readers).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
pub const MAX_FRAME_BYTES: usize = 1 << 20;
const RECORD_PREFIX: usize = 16;

/// Recording metadata, stored as JSON after the fixed header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingHeader {
    pub symbol: String,
    pub tick_size: f64,
    pub lot_size: f64,
    pub created_ms: u64,
    pub tick_hz: u32,
    /// FNV-1a 64 of the schema text the frames were built with, as 16 hex digits.
    pub schema_hash: String,
    /// Where the frames came from, as given to `--source` (`sim`, `kraken:BTC/USD`, `capture:<file>`).
    /// Optional: older recordings and `record-sim` do not carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Append-only writer. Each record is written with one `write_all` and flushed.
pub struct RecordingWriter<W: Write> {
    out: W,
}

impl<W: Write> RecordingWriter<W> {
    pub fn new(mut out: W, header: &RecordingHeader) -> io::Result<Self> {
        let json = serde_json::to_vec(header).map_err(io::Error::other)?;
        let mut head = Vec::with_capacity(16 + json.len());
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&(json.len() as u32).to_le_bytes());
        head.extend_from_slice(&json);
        out.write_all(&head)?;
        out.flush()?;
        Ok(Self { out })
    }

    pub fn append(&mut self, recv_time_ms: f64, frame: &[u8]) -> io::Result<()> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "frame larger than MAX_FRAME_BYTES"));
        }
        let mut rec = Vec::with_capacity(RECORD_PREFIX + frame.len());
        rec.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        rec.extend_from_slice(&record_crc(VERSION, &recv_time_ms.to_le_bytes(), frame).to_le_bytes());
        rec.extend_from_slice(&recv_time_ms.to_le_bytes());
        rec.extend_from_slice(frame);
        self.out.write_all(&rec)?;
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One record read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub recv_time_ms: f64,
    pub frame: &'a [u8],
}

/// Why reading stopped before the end of the data.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadStop {
    Truncated { offset: usize },
    BadChecksum { offset: usize },
    Oversized { offset: usize, len: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecordingError {
    BadMagic,
    UnsupportedVersion(u16),
    BadHeader(String),
}

impl std::fmt::Display for RecordingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadMagic => write!(f, "not a tickframe recording (bad magic)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported recording version {v}"),
            Self::BadHeader(e) => write!(f, "bad recording header: {e}"),
        }
    }
}

impl std::error::Error for RecordingError {}

/// A parsed recording: every whole, checksum-valid record, and where (if anywhere) reading stopped.
#[derive(Debug)]
pub struct Recording<'a> {
    pub header: RecordingHeader,
    pub records: Vec<Record<'a>>,
    pub stopped: Option<ReadStop>,
}

/// A record's CRC-32 (IEEE): over the receive time's 8 bytes and the frame (v2), or the frame only (v1).
fn record_crc(version: u16, recv_time: &[u8], frame: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    if version >= 2 {
        h.update(recv_time);
    }
    h.update(frame);
    h.finalize()
}

/// The header checks every reader makes (the TypeScript reader makes the same ones).
fn check_header(json: &[u8]) -> Result<RecordingHeader, RecordingError> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| RecordingError::BadHeader(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(RecordingError::BadHeader("not a JSON object".into()));
    }
    let header: RecordingHeader = serde_json::from_value(value).map_err(|e| RecordingError::BadHeader(e.to_string()))?;
    for (name, v) in [("tick_size", header.tick_size), ("lot_size", header.lot_size)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(RecordingError::BadHeader(format!("{name} must be a positive number, not {v}")));
        }
    }
    Ok(header)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub fn read_recording(data: &[u8]) -> Result<Recording<'_>, RecordingError> {
    if data.len() < 16 || &data[..8] != MAGIC {
        return Err(RecordingError::BadMagic);
    }
    let version = u16::from_le_bytes([data[8], data[9]]);
    if !(1..=VERSION).contains(&version) {
        return Err(RecordingError::UnsupportedVersion(version));
    }
    let hlen = u32_at(data, 12).unwrap_or(0) as usize;
    if hlen > MAX_HEADER_BYTES || data.len() < 16 + hlen {
        return Err(RecordingError::BadHeader(format!("header length {hlen} out of range")));
    }
    let header = check_header(&data[16..16 + hlen])?;
    let mut records = Vec::new();
    let mut at = 16 + hlen;
    let mut stopped = None;
    while at < data.len() {
        let (Some(len), Some(crc)) = (u32_at(data, at), u32_at(data, at + 4)) else {
            stopped = Some(ReadStop::Truncated { offset: at });
            break;
        };
        let len = len as usize;
        if len > MAX_FRAME_BYTES {
            stopped = Some(ReadStop::Oversized { offset: at, len });
            break;
        }
        let Some(body) = data.get(at + RECORD_PREFIX..at + RECORD_PREFIX + len) else {
            stopped = Some(ReadStop::Truncated { offset: at });
            break;
        };
        if record_crc(version, &data[at + 8..at + 16], body) != crc {
            stopped = Some(ReadStop::BadChecksum { offset: at });
            break;
        }
        let mut t = [0u8; 8];
        t.copy_from_slice(&data[at + 8..at + 16]);
        records.push(Record { recv_time_ms: f64::from_le_bytes(t), frame: body });
        at += RECORD_PREFIX + len;
    }
    Ok(Recording { header, records, stopped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> RecordingHeader {
        RecordingHeader { symbol: "S".into(), tick_size: 0.01, lot_size: 0.0001, created_ms: 1, tick_hz: 50, schema_hash: "0".into(), source: None }
    }

    #[test]
    fn round_trip_and_truncation_keeps_whole_records() {
        let mut w = RecordingWriter::new(Vec::new(), &header()).unwrap();
        w.append(10.0, b"one").unwrap();
        w.append(20.5, b"second").unwrap();
        let bytes = w.into_inner();
        let r = read_recording(&bytes).unwrap();
        assert_eq!(r.header, header());
        assert_eq!(r.records, vec![Record { recv_time_ms: 10.0, frame: b"one" }, Record { recv_time_ms: 20.5, frame: b"second" }]);
        assert_eq!(r.stopped, None);
        let cut = &bytes[..bytes.len() - 2];
        let r = read_recording(cut).unwrap();
        assert_eq!(r.records.len(), 1);
        assert!(matches!(r.stopped, Some(ReadStop::Truncated { .. })));
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        let r = read_recording(&bad).unwrap();
        assert_eq!(r.records.len(), 1);
        assert!(matches!(r.stopped, Some(ReadStop::BadChecksum { .. })));
        assert_eq!(read_recording(b"nope").unwrap_err(), RecordingError::BadMagic);
    }
}
