//! Adapter for the built-in simulator's JSON messages. Same shape of rules as a real venue:
//! a snapshot replaces the book, updates must follow with contiguous `seq`, a gap unsyncs the book.

use serde::{Deserialize, Serialize};

use super::{Adapter, AdapterError, Applied};
use crate::book::{L2Book, Side};

/// One simulator message, as JSON text on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SimMessage {
    /// The whole book: levels as `[price_ticks, size_lots]`.
    Snapshot { seq: u64, bids: Vec<(i64, i64)>, asks: Vec<(i64, i64)> },
    /// Level changes as `[side, price_ticks, size_lots]`; size 0 deletes.
    Update { seq: u64, changes: Vec<(SimSide, i64, i64)> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SimSide {
    #[serde(rename = "b")]
    Bid,
    #[serde(rename = "a")]
    Ask,
}

impl From<SimSide> for Side {
    fn from(s: SimSide) -> Side {
        match s {
            SimSide::Bid => Side::Bid,
            SimSide::Ask => Side::Ask,
        }
    }
}

/// Tracks sequence continuity of the simulator feed.
#[derive(Debug, Default)]
pub struct SimAdapter {
    /// `seq` of the last applied message; `None` until a snapshot arrives (or after a gap).
    last_seq: Option<u64>,
}

impl SimAdapter {
    pub fn new() -> Self {
        Self::default()
    }
    /// Whether the book currently mirrors the source.
    pub fn synced(&self) -> bool {
        self.last_seq.is_some()
    }
}

impl Adapter for SimAdapter {
    fn apply(&mut self, msg: &[u8], book: &mut L2Book) -> Result<Applied, AdapterError> {
        let msg: SimMessage = serde_json::from_slice(msg).map_err(|e| AdapterError::Malformed(e.to_string()))?;
        match msg {
            SimMessage::Snapshot { seq, bids, asks } => {
                book.clear();
                for (p, s) in bids {
                    book.set(Side::Bid, p, s);
                }
                for (p, s) in asks {
                    book.set(Side::Ask, p, s);
                }
                self.last_seq = Some(seq);
                Ok(Applied::Changed)
            }
            SimMessage::Update { seq, changes } => {
                let Some(last) = self.last_seq else {
                    // Not synced: updates before a snapshot are meaningless.
                    return Ok(Applied::Unchanged);
                };
                if seq <= last {
                    return Ok(Applied::Unchanged); // duplicate or replayed: already applied
                }
                if seq != last + 1 {
                    self.last_seq = None;
                    return Ok(Applied::Gap { expected: last + 1, got: seq });
                }
                self.last_seq = Some(seq);
                let mut changed = false;
                for (side, p, s) in changes {
                    changed |= book.set(side.into(), p, s);
                }
                Ok(if changed { Applied::Changed } else { Applied::Unchanged })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(a: &mut SimAdapter, b: &mut L2Book, json: &str) -> Result<Applied, AdapterError> {
        a.apply(json.as_bytes(), b)
    }

    #[test]
    fn snapshot_then_contiguous_updates_then_gap() {
        let (mut a, mut b) = (SimAdapter::new(), L2Book::new());
        assert_eq!(apply(&mut a, &mut b, r#"{"type":"update","seq":1,"changes":[["b",1,1]]}"#).unwrap(), Applied::Unchanged);
        assert_eq!(b.len(Side::Bid), 0, "updates before a snapshot are not applied");
        apply(&mut a, &mut b, r#"{"type":"snapshot","seq":5,"bids":[[99,2]],"asks":[[101,3]]}"#).unwrap();
        assert_eq!(apply(&mut a, &mut b, r#"{"type":"update","seq":6,"changes":[["b",100,1]]}"#).unwrap(), Applied::Changed);
        assert_eq!(b.best_bid(), Some((100, 1)));
        assert_eq!(apply(&mut a, &mut b, r#"{"type":"update","seq":6,"changes":[["b",100,9]]}"#).unwrap(), Applied::Unchanged);
        assert_eq!(b.best_bid(), Some((100, 1)), "a duplicate is not re-applied");
        assert_eq!(apply(&mut a, &mut b, r#"{"type":"update","seq":8,"changes":[]}"#).unwrap(), Applied::Gap { expected: 7, got: 8 });
        assert!(!a.synced());
    }

    #[test]
    fn malformed_input_is_an_error() {
        let (mut a, mut b) = (SimAdapter::new(), L2Book::new());
        for bad in ["", "{", "null", r#"{"type":"nope"}"#, r#"{"type":"update","seq":"x"}"#, "\u{0}\u{ff}"] {
            assert!(matches!(apply(&mut a, &mut b, bad), Err(AdapterError::Malformed(_))), "{bad:?}");
        }
    }
}
