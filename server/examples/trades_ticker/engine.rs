//! A last-trades ticker: a `ServerEngine` of its own, fed by Binance `aggTrade` messages, serving
//! its own FlatBuffer table (trades.fbs) through tickframe's tick loop, fan-out, join frames and limits.

use std::collections::VecDeque;

use flatbuffers::FlatBufferBuilder;
use serde::Deserialize;
use tickframe_server::exchange::decimal::Decimal;
use tickframe_server::ServerEngine;

// flatc's output, byte for byte (a test checks drift): never formatted or linted.
#[rustfmt::skip]
#[allow(dead_code, unused_imports, clippy::all, mismatched_lifetime_syntaxes)]
#[path = "trades_generated.rs"]
pub mod trades_generated;
#[allow(unused_imports)] // root_as_trades_frame: for readers (the tests)
pub use trades_generated::trades_ticker::{root_as_trades_frame, Trade, TradesFrame, TradesFrameArgs};

/// Trades kept and sent per frame.
pub const KEEP: usize = 20;

#[derive(Deserialize)]
struct AggTrade<'a> {
    e: &'a str,
    s: &'a str,
    p: &'a str,
    q: &'a str,
    #[serde(rename = "T")]
    time_ms: u64,
    m: bool,
}

pub struct TradesTicker {
    symbol: String,
    trades: VecDeque<Trade>,
    sequence: u64,
    changed: bool,
    pub rejected: u64,
    clock: fn() -> u64,
}

impl TradesTicker {
    pub fn new(symbol: &str, clock: fn() -> u64) -> Self {
        Self { symbol: symbol.to_string(), trades: VecDeque::with_capacity(KEEP), sequence: 0, changed: false, rejected: 0, clock }
    }

    fn build<'a>(&self, b: &'a mut FlatBufferBuilder<'static>, sequence: u64) -> &'a [u8] {
        b.reset();
        let symbol = b.create_string(&self.symbol);
        let trades: Vec<Trade> = self.trades.iter().copied().collect();
        let trades = b.create_vector(&trades);
        let frame = TradesFrame::create(
            b,
            &TradesFrameArgs {
                sequence,
                timestamp_ms: (self.clock)(),
                symbol: Some(symbol),
                last_price: self.trades.front().map_or(0.0, |t| t.price()),
                volume: self.trades.iter().map(|t| t.size()).sum(),
                trades: Some(trades),
            },
        );
        b.finish(frame, Some("TFTR"));
        b.finished_data()
    }
}

impl ServerEngine for TradesTicker {
    fn ingest(&mut self, msg: &[u8]) -> bool {
        // Combined-stream envelope or a bare event; anything else is counted, never a panic.
        let value: serde_json::Value = match serde_json::from_slice(msg) {
            Ok(v) => v,
            Err(e) => {
                self.rejected += 1;
                tracing::warn!(error = %e, "not JSON");
                return false;
            }
        };
        let event = value.get("data").unwrap_or(&value);
        let Ok(t) = AggTrade::deserialize(event) else {
            return false; // another event type: not a trade
        };
        if t.e != "aggTrade" || t.s != self.symbol {
            return false;
        }
        // Exact text → the double nearest it, once (what a frame carries).
        let (Ok(p), Ok(q)) = (Decimal::parse(t.p), Decimal::parse(t.q)) else {
            self.rejected += 1;
            tracing::warn!(price = t.p, size = t.q, "bad trade numbers");
            return false;
        };
        let to_f64 = |d: Decimal| d.mantissa as f64 / 10f64.powi(d.decimals as i32);
        if self.trades.len() == KEEP {
            self.trades.pop_back();
        }
        self.trades.push_front(Trade::new(to_f64(p), to_f64(q), t.time_ms, t.m));
        self.changed = true;
        true
    }

    fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
        self.sequence += 1;
        self.changed = false;
        let seq = self.sequence;
        self.build(b, seq)
    }

    fn join_frame(&self, b: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>> {
        (self.sequence > 0).then(|| self.build(b, self.sequence).to_vec())
    }
}
