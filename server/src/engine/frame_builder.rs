//! Renders an [`L2Book`] as one `OrderbookFrame`: the derived numbers (spread, mid, totals,
//! imbalance) are computed here, once, on the server, from exact integer ticks and lots.

use flatbuffers::FlatBufferBuilder;
use tickframe_schema::{finish_orderbook_frame_buffer, BookStatus, OrderbookFrame, OrderbookFrameArgs, PriceLevel};

use crate::book::L2Book;
use crate::instrument::Instrument;

/// Per-frame metadata that is not part of the book itself.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeta {
    pub sequence: u64,
    pub timestamp_ms: u64,
    pub status: BookStatus,
    pub heartbeat: bool,
}

/// Builds frames, reusing its level scratch buffers between calls so a tick allocates nothing once warm.
#[derive(Debug, Default)]
pub struct FrameBuilder {
    bids: Vec<PriceLevel>,
    asks: Vec<PriceLevel>,
}

impl FrameBuilder {
    /// Reset `b`, serialize the top `depth` levels of `book` into it, finish, and return the bytes.
    pub fn build<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>, book: &L2Book, inst: &Instrument, depth: usize, meta: FrameMeta) -> &'a [u8] {
        b.reset();
        let bid_lots = fill(&mut self.bids, book.bids().take(depth), inst);
        let ask_lots = fill(&mut self.asks, book.asks().take(depth), inst);

        let (best_bid, best_ask) = (book.best_bid().map(|l| l.0), book.best_ask().map(|l| l.0));
        let (mid_price, spread) = match (best_bid, best_ask) {
            // Sum in ticks (exact) and halve in f64: one rounding, at the end.
            (Some(bid), Some(ask)) => (inst.price(bid + ask) / 2.0, inst.price(ask - bid)),
            _ => (0.0, 0.0),
        };
        let total = bid_lots + ask_lots;
        let imbalance = if total > 0 { (bid_lots - ask_lots) as f64 / total as f64 } else { 0.0 };

        let symbol = b.create_string(&inst.symbol);
        let bids = b.create_vector(&self.bids);
        let asks = b.create_vector(&self.asks);
        let frame = OrderbookFrame::create(
            b,
            &OrderbookFrameArgs {
                sequence: meta.sequence,
                timestamp_ms: meta.timestamp_ms,
                symbol: Some(symbol),
                tick_size: inst.tick_size(),
                lot_size: inst.lot_size(),
                best_bid: best_bid.map_or(0.0, |p| inst.price(p)),
                best_ask: best_ask.map_or(0.0, |p| inst.price(p)),
                mid_price,
                spread,
                bids: Some(bids),
                asks: Some(asks),
                bid_total_size: inst.size(bid_lots),
                ask_total_size: inst.size(ask_lots),
                imbalance,
                status: meta.status,
                heartbeat: meta.heartbeat,
            },
        );
        finish_orderbook_frame_buffer(b, frame);
        b.finished_data()
    }
}

/// Fill `out` with levels and return the summed size in lots (exact).
fn fill(out: &mut Vec<PriceLevel>, levels: impl Iterator<Item = (i64, i64)>, inst: &Instrument) -> i64 {
    out.clear();
    let mut lots = 0;
    for (p, s) in levels {
        lots += s;
        out.push(PriceLevel::new(inst.price(p), inst.size(s)));
    }
    lots
}
