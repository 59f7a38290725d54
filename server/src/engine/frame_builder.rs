//! Renders an [`L2Book`] as one `OrderbookFrame`: the derived numbers (spread, mid, totals,
//! imbalance) are computed here, once, on the server, from exact integer ticks and lots.

use flatbuffers::FlatBufferBuilder;
use tickframe_schema::{finish_orderbook_frame_buffer, BookStatus, OrderbookFrame, OrderbookFrameArgs, PriceLevel};

use crate::book::L2Book;
use crate::engine::heat_columns::HeatView;
use crate::engine::trade_window::TapeView;
use crate::instrument::Instrument;

/// Per-frame metadata that is not part of the book itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameMeta {
    pub sequence: u64,
    pub timestamp_ms: u64,
    pub status: BookStatus,
    pub heartbeat: bool,
    /// See the schema's fields of these names.
    pub exchange_time_us: u64,
    pub received_time_us: u64,
    pub book_unchanged_ms: u64,
}

/// What one frame is made of.
pub struct FrameParts<'a> {
    pub book: &'a L2Book,
    pub inst: &'a Instrument,
    pub depth: usize,
    pub meta: FrameMeta,
    pub tape: Option<TapeView<'a>>,
    pub heat: Option<HeatView<'a>>,
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
        self.build_with_tape(b, book, inst, depth, meta, None)
    }

    /// The same, with the recent prints and the totals (a market without prints writes none of
    /// these fields: its frames are byte for byte what they were before prints existed).
    pub fn build_with_tape<'a>(
        &mut self,
        b: &'a mut FlatBufferBuilder<'static>,
        book: &L2Book,
        inst: &Instrument,
        depth: usize,
        meta: FrameMeta,
        tape: Option<TapeView<'_>>,
    ) -> &'a [u8] {
        self.build_frame(b, FrameParts { book, inst, depth, meta, tape, heat: None })
    }

    /// The same, with heat columns (a market without them writes neither heat field).
    pub fn build_frame<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>, parts: FrameParts<'_>) -> &'a [u8] {
        let FrameParts { book, inst, depth, meta, tape, heat } = parts;
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
        let tape = tape.filter(|t| t.trade_count > 0);
        let trades = tape.filter(|t| !t.trades.is_empty()).map(|t| b.create_vector(t.trades));
        let heat = heat.filter(|h| !h.columns.is_empty());
        let heat_columns = heat.map(|h| b.create_vector(h.columns));
        let heat_bins = heat.map(|h| b.create_vector(h.bins));
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
                trades,
                trade_seq: tape.map_or(0, |t| t.trade_seq),
                buy_volume: tape.map_or(0.0, |t| t.buy_volume),
                sell_volume: tape.map_or(0.0, |t| t.sell_volume),
                trade_count: tape.map_or(0, |t| t.trade_count),
                exchange_time_us: meta.exchange_time_us,
                received_time_us: meta.received_time_us,
                book_unchanged_ms: meta.book_unchanged_ms,
                heat: heat_columns,
                heat_bins,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::orderbook_engine::MAX_DEPTH;
    use crate::engine::trade_window::MAX_WINDOW;
    use tickframe_schema::{Trade, TradeSide};

    /// The worst case a frame can be: a full book at the deepest depth and a full window of prints.
    /// (ARCHITECTURE.md states these numbers; the edge's frame limit and the browser's are above them.)
    #[test]
    fn the_worst_case_frame_size_is_what_the_docs_say() {
        let inst = Instrument { symbol: "X".repeat(32), price_decimals: 2, tick_units: 1, size_decimals: 8, lot_units: 1 };
        let mut book = L2Book::new();
        for i in 0..MAX_DEPTH as i64 {
            book.set(crate::book::Side::Bid, 1_000_000 - i, 1 + i);
            book.set(crate::book::Side::Ask, 1_000_001 + i, 1 + i);
        }
        let trades: Vec<Trade> = (0..MAX_WINDOW as u64).map(|i| Trade::new(100.0, 1.0, 1.7e12, i + 1, TradeSide::Buy, 0)).collect();
        let tape =
            TapeView { trades: &trades, trade_seq: MAX_WINDOW as u64, buy_volume: 1.0, sell_volume: 1.0, trade_count: MAX_WINDOW as u64, dropped: 0 };
        let meta = FrameMeta {
            sequence: u64::MAX,
            timestamp_ms: u64::MAX,
            status: BookStatus::Live,
            heartbeat: false,
            exchange_time_us: u64::MAX,
            received_time_us: u64::MAX,
            book_unchanged_ms: u64::MAX,
        };
        let mut b = FlatBufferBuilder::new();
        let mut fb = FrameBuilder::default();
        let deepest = fb.build_with_tape(&mut b, &book, &inst, MAX_DEPTH, meta, Some(tape)).len();
        assert!(deepest <= 43 * 1024, "{deepest} bytes at {MAX_DEPTH} levels and {MAX_WINDOW} prints");
        let default = fb.build_with_tape(&mut b, &book, &inst, 50, meta, Some(tape)).len();
        assert!(default <= 12 * 1024 + 512, "{default} bytes at 50 levels and {MAX_WINDOW} prints");
        let no_prints = fb.build(&mut b, &book, &inst, 50, meta).len();
        let extra = default - no_prints;
        assert!((MAX_WINDOW * 40..=MAX_WINDOW * 40 + 96).contains(&extra), "{extra}: 40 bytes a print, and under 100 for the vector and four totals");
        eprintln!("worst case: {deepest} bytes at {MAX_DEPTH} levels, {default} at 50 levels, a full window adding {extra}");
    }
}
