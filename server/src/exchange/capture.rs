//! Capture files: JSON Lines of WebSocket and REST traffic (cryptofeed's recorder, "format 2"):
//! `header`, `connect`, `send`, `recv`, `http` events. The reader is bounded (line length) and
//! skips what it cannot read with a counted error; the writer produces files others can read.

use std::borrow::Cow;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

/// Longest line accepted (REST snapshots of 5000 levels and exchangeInfo bodies fit easily).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// One line of a capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum CaptureEvent<'a> {
    Header {
        #[serde(default)]
        format: u32,
        #[serde(borrow)]
        exchange: Cow<'a, str>,
        #[serde(default)]
        config: serde_json::Value,
    },
    Connect {
        #[serde(borrow)]
        conn: Cow<'a, str>,
        ts: f64,
        #[serde(borrow, default)]
        addr: Cow<'a, str>,
    },
    Send {
        #[serde(borrow)]
        conn: Cow<'a, str>,
        ts: f64,
        #[serde(borrow, default)]
        addr: Cow<'a, str>,
        #[serde(borrow)]
        data: Cow<'a, str>,
    },
    Recv {
        #[serde(borrow)]
        conn: Cow<'a, str>,
        ts: f64,
        #[serde(borrow)]
        data: Cow<'a, str>,
    },
    Http {
        #[serde(borrow)]
        conn: Cow<'a, str>,
        ts: f64,
        #[serde(borrow)]
        url: Cow<'a, str>,
        #[serde(borrow)]
        data: Cow<'a, str>,
    },
}

/// Why a line was skipped.
#[derive(Debug)]
pub enum CaptureError {
    Io(std::io::Error),
    LineTooLong { line: u64 },
    Json { line: u64, error: serde_json::Error },
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureError::Io(e) => write!(f, "read error: {e}"),
            CaptureError::LineTooLong { line } => write!(f, "line {line}: longer than {MAX_LINE_BYTES} bytes"),
            CaptureError::Json { line, error } => write!(f, "line {line}: not a capture event: {error}"),
        }
    }
}

/// Reads events line by line, reusing one buffer.
pub struct CaptureReader<R> {
    input: R,
    line: Vec<u8>,
    line_no: u64,
}

impl<R: BufRead> CaptureReader<R> {
    pub fn new(input: R) -> Self {
        Self { input, line: Vec::new(), line_no: 0 }
    }

    /// The next event, `Some(Err)` for a line that is skipped, `None` at the end. Borrowed from the
    /// reader's buffer: handle it before asking for the next one.
    pub fn next_event(&mut self) -> Option<Result<CaptureEvent<'_>, CaptureError>> {
        loop {
            self.line.clear();
            let n = match std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut self.line) {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) => return Some(Err(CaptureError::Io(e))),
            };
            self.line_no += 1;
            if n > MAX_LINE_BYTES {
                // Drain the rest of the over-long line, then report it.
                let line = self.line_no;
                loop {
                    self.line.clear();
                    match std::io::Read::take(&mut self.input, 1 << 20).read_until(b'\n', &mut self.line) {
                        Ok(0) => break,
                        Ok(_) if self.line.last() == Some(&b'\n') => break,
                        Ok(_) => continue,
                        Err(e) => return Some(Err(CaptureError::Io(e))),
                    }
                }
                return Some(Err(CaptureError::LineTooLong { line }));
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = self.line_no;
            return Some(serde_json::from_slice(&self.line).map_err(|error| CaptureError::Json { line, error }));
        }
    }

    pub fn line_no(&self) -> u64 {
        self.line_no
    }
}

/// Writes events as JSON Lines, flushed per event so a killed process loses at most one line.
pub struct CaptureWriter<W: Write> {
    out: W,
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }

    pub fn write(&mut self, event: &CaptureEvent<'_>) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_skips_bad_lines() {
        let mut buf = Vec::new();
        let mut w = CaptureWriter::new(&mut buf);
        w.write(&CaptureEvent::Header { format: 2, exchange: "KRAKEN".into(), config: serde_json::json!({}) }).unwrap();
        w.write(&CaptureEvent::Recv { conn: "c1".into(), ts: 1.5, data: "[1,{\"a\":[]}]".into() }).unwrap();
        buf.extend_from_slice(b"not json\n\n{\"t\":\"http\",\"conn\":\"h\",\"ts\":2.0,\"url\":\"https://x\",\"data\":\"{}\"}\n");
        let mut r = CaptureReader::new(&buf[..]);
        assert!(matches!(r.next_event(), Some(Ok(CaptureEvent::Header { .. }))));
        match r.next_event() {
            Some(Ok(CaptureEvent::Recv { data, ts, .. })) => {
                assert_eq!(data, "[1,{\"a\":[]}]");
                assert_eq!(ts, 1.5);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(r.next_event(), Some(Err(CaptureError::Json { line: 3, .. }))));
        assert!(matches!(r.next_event(), Some(Ok(CaptureEvent::Http { .. }))));
        assert!(r.next_event().is_none());
    }
}
