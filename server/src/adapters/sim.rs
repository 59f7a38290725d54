//! Adapter for the built-in simulator's JSON messages. Same shape of rules as a real venue:
//! a snapshot replaces the book, updates must follow with contiguous `seq`, a gap unsyncs the book.

use serde::{Deserialize, Serialize};

use super::{Adapter, AdapterError, Applied, BookTimes, InboxPrint};
use crate::book::{L2Book, Side};
use crate::instrument::Instrument;

/// The simulated instrument: SIM-USD, tick 0.01, lot 0.0001.
pub fn sim_instrument() -> Instrument {
    Instrument { symbol: "SIM-USD".into(), price_decimals: 2, tick_units: 1, size_decimals: 4, lot_units: 1 }
}

/// One simulator message, as JSON text on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SimMessage {
    /// The whole book: levels as `[price_ticks, size_lots]`; `time_ms` the simulated exchange's
    /// time (0: none, as older messages).
    Snapshot {
        seq: u64,
        bids: Vec<(i64, i64)>,
        asks: Vec<(i64, i64)>,
        #[serde(default, skip_serializing_if = "is_zero")]
        time_ms: u64,
    },
    /// Level changes as `[side, price_ticks, size_lots]`; size 0 deletes. `trades`: the prints
    /// that took liquidity in this step (the changes already include what they took).
    Update {
        seq: u64,
        changes: Vec<(SimSide, i64, i64)>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        trades: Vec<SimTrade>,
        #[serde(default, skip_serializing_if = "is_zero")]
        time_ms: u64,
    },
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

/// One simulated print: the taker's side, price in ticks, size in lots, the simulator's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimTrade {
    pub taker: SimTaker,
    pub price: i64,
    pub size: i64,
    pub time_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimTaker {
    Buy,
    Sell,
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
    /// Prints of applied updates, until the engine takes them.
    prints: Vec<InboxPrint>,
    /// The simulated exchange's time of the last applied message (µs; 0: none).
    exchange_us: u64,
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
            SimMessage::Snapshot { seq, bids, asks, time_ms } => {
                self.exchange_us = time_ms.saturating_mul(1000);
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
            SimMessage::Update { seq, changes, trades, time_ms } => {
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
                // Every print is checked before anything is applied: a malformed message changes
                // neither the book nor the sequence.
                if let Some(t) = trades.iter().find(|t| t.size <= 0 || t.price <= 0) {
                    return Err(AdapterError::Malformed(format!("a print of {} lots at {} ticks", t.size, t.price)));
                }
                self.last_seq = Some(seq);
                self.exchange_us = time_ms.saturating_mul(1000);
                let mut changed = false;
                for (side, p, s) in changes {
                    changed |= book.set(side.into(), p, s);
                }
                if !trades.is_empty() {
                    let inst = sim_instrument();
                    // Lots in 10^-12 units: positive i64 lots × 10^(12 − 4) fits an i128.
                    let e12_per_lot = 10i128.pow(12 - inst.size_decimals) * i128::from(inst.lot_units);
                    self.prints.extend(trades.iter().map(|t| InboxPrint {
                        price: inst.price(t.price),
                        size: inst.size(t.size),
                        size_e12: i128::from(t.size) * e12_per_lot,
                        time_ms: t.time_ms as f64,
                        buy: t.taker == SimTaker::Buy,
                        flags: 0,
                    }));
                }
                Ok(if changed { Applied::Changed } else { Applied::Unchanged })
            }
        }
    }

    fn take_prints(&mut self, out: &mut Vec<InboxPrint>) {
        out.append(&mut self.prints);
    }

    /// The simulated exchange's time; the receive time is the engine's (it reads the inbox).
    fn times(&self) -> Option<BookTimes> {
        (self.exchange_us > 0).then_some(BookTimes { exchange_us: self.exchange_us, received_us: 0 })
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
    fn an_updates_prints_go_to_the_engine_exactly_with_the_takers_side() {
        let (mut a, mut b) = (SimAdapter::new(), L2Book::new());
        apply(&mut a, &mut b, r#"{"type":"snapshot","seq":1,"bids":[[99,20000]],"asks":[[101,30000]]}"#).unwrap();
        let msg =
            r#"{"type":"update","seq":2,"changes":[["a",101,29000]],"trades":[{"taker":"buy","price":101,"size":1000,"time_ms":1767225600010}]}"#;
        apply(&mut a, &mut b, msg).unwrap();
        let mut got = Vec::new();
        a.take_prints(&mut got);
        assert_eq!(got.len(), 1);
        let p = got[0];
        assert_eq!((p.price, p.size, p.size_e12, p.time_ms, p.buy), (1.01, 0.1, 100_000_000_000, 1_767_225_600_010.0, true));
        a.take_prints(&mut got);
        assert_eq!(got.len(), 1, "taken once");
        // A print of nothing, or at no price, is malformed, and the message changes nothing.
        let bad = r#"{"type":"update","seq":3,"changes":[["b",99,1]],"trades":[{"taker":"sell","price":99,"size":0,"time_ms":1}]}"#;
        assert!(matches!(apply(&mut a, &mut b, bad), Err(AdapterError::Malformed(_))));
        assert_eq!(b.best_bid(), Some((99, 20000)), "the book as before the malformed message");
        let next = r#"{"type":"update","seq":3,"changes":[],"trades":[]}"#;
        assert_eq!(apply(&mut a, &mut b, next).unwrap(), Applied::Unchanged, "seq 3 is still the next one");
    }

    #[test]
    fn malformed_input_is_an_error() {
        let (mut a, mut b) = (SimAdapter::new(), L2Book::new());
        for bad in ["", "{", "null", r#"{"type":"nope"}"#, r#"{"type":"update","seq":"x"}"#, "\u{0}\u{ff}"] {
            assert!(matches!(apply(&mut a, &mut b, bad), Err(AdapterError::Malformed(_))), "{bad:?}");
        }
    }
}
