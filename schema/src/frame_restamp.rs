//! A frame with new metadata and the same book: the bus uses it to give an ingest node's frames its
//! stream's sequence, and an edge to say *stale* about the last frame it relayed.

use flatbuffers::FlatBufferBuilder;

use crate::{finish_orderbook_frame_buffer, BookStatus, HeatColumn, OrderbookFrame, OrderbookFrameArgs};

/// What a restamp changes; everything else (symbol, sizes, levels, derived numbers) is copied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Restamp {
    pub sequence: u64,
    pub timestamp_ms: u64,
    pub status: BookStatus,
    pub heartbeat: bool,
}

impl Restamp {
    /// The frame's own metadata (to change one field of it).
    pub fn of(frame: &OrderbookFrame<'_>) -> Self {
        Self { sequence: frame.sequence(), timestamp_ms: frame.timestamp_ms(), status: frame.status(), heartbeat: frame.heartbeat() }
    }
}

/// Re-encode `frame` into `b` (reset first) with `stamp`'s metadata, and return the finished bytes.
pub fn restamp<'a>(frame: &OrderbookFrame<'_>, stamp: Restamp, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
    restamp_with_heat(frame, stamp, None, b)
}

/// [`restamp`], with `heat` (columns and their bins) in place of the frame's own heat columns: an
/// edge's join frame carries the history it kept.
pub fn restamp_with_heat<'a>(
    frame: &OrderbookFrame<'_>,
    stamp: Restamp,
    heat: Option<(&[HeatColumn], &[u16])>,
    b: &'a mut FlatBufferBuilder<'static>,
) -> &'a [u8] {
    b.reset();
    let symbol = frame.symbol().map(|s| b.create_string(s));
    // Levels are 16-byte structs, pushed straight from the old buffer into the new one.
    let bids = frame.bids().map(|v| b.create_vector_from_iter(v.iter().copied()));
    let asks = frame.asks().map(|v| b.create_vector_from_iter(v.iter().copied()));
    // The recent prints travel with the book: an edge drops none of them.
    let trades = frame.trades().map(|v| b.create_vector_from_iter(v.iter().copied()));
    // And the heat columns: a relayed frame's column is not lost at the edge either.
    let (heat, heat_bins) = match heat {
        Some((columns, bins)) => (Some(b.create_vector(columns)), Some(b.create_vector(bins))),
        None => (frame.heat().map(|v| b.create_vector_from_iter(v.iter().copied())), frame.heat_bins().map(|v| b.create_vector_from_iter(v.iter()))),
    };
    let out = OrderbookFrame::create(
        b,
        &OrderbookFrameArgs {
            sequence: stamp.sequence,
            timestamp_ms: stamp.timestamp_ms,
            symbol,
            tick_size: frame.tick_size(),
            lot_size: frame.lot_size(),
            best_bid: frame.best_bid(),
            best_ask: frame.best_ask(),
            mid_price: frame.mid_price(),
            spread: frame.spread(),
            bids,
            asks,
            bid_total_size: frame.bid_total_size(),
            ask_total_size: frame.ask_total_size(),
            imbalance: frame.imbalance(),
            status: stamp.status,
            heartbeat: stamp.heartbeat,
            trades,
            trade_seq: frame.trade_seq(),
            buy_volume: frame.buy_volume(),
            sell_volume: frame.sell_volume(),
            trade_count: frame.trade_count(),
            exchange_time_us: frame.exchange_time_us(),
            received_time_us: frame.received_time_us(),
            // Since the same moment (the book's last change), whichever stamp came before: an edge
            // saying stale later has seen it unchanged for that much longer, and restamps compose.
            book_unchanged_ms: stamp.timestamp_ms.saturating_sub(frame.timestamp_ms().saturating_sub(frame.book_unchanged_ms())),
            heat,
            heat_bins,
        },
    );
    finish_orderbook_frame_buffer(b, out);
    b.finished_data()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_frame, HeatColumn, PriceLevel, Trade, TradeSide};

    fn frame(b: &mut FlatBufferBuilder<'static>) -> Vec<u8> {
        let symbol = b.create_string("BTC/USD");
        let bids = b.create_vector(&[PriceLevel::new(100.5, 2.0), PriceLevel::new(100.0, 1.0)]);
        let asks = b.create_vector(&[PriceLevel::new(101.0, 3.0)]);
        let trades = b.create_vector(&[Trade::new(100.75, 0.5, 1.7e12, 9, TradeSide::Sell, 2)]);
        let heat = b.create_vector(&[HeatColumn::new(4, 900, 99.0, 0.5, 100.5, 101.0, 3, BookStatus::Live, 0, 100)]);
        let heat_bins = b.create_vector(&[710u16, 0, 1125]);
        let f = OrderbookFrame::create(
            b,
            &OrderbookFrameArgs {
                sequence: 7,
                timestamp_ms: 1_000,
                symbol: Some(symbol),
                tick_size: 0.5,
                lot_size: 1.0,
                best_bid: 100.5,
                best_ask: 101.0,
                mid_price: 100.75,
                spread: 0.5,
                bids: Some(bids),
                asks: Some(asks),
                bid_total_size: 3.0,
                ask_total_size: 3.0,
                imbalance: 0.0,
                status: BookStatus::Live,
                heartbeat: true,
                trades: Some(trades),
                trade_seq: 9,
                buy_volume: 2.5,
                sell_volume: 1.25,
                trade_count: 9,
                exchange_time_us: 1_700_000_000_000_250,
                received_time_us: 1_700_000_000_000_900,
                book_unchanged_ms: 300,
                heat: Some(heat),
                heat_bins: Some(heat_bins),
            },
        );
        finish_orderbook_frame_buffer(b, f);
        b.finished_data().to_vec()
    }

    #[test]
    fn changes_the_stamp_and_keeps_the_book() {
        let mut b = FlatBufferBuilder::new();
        let original = frame(&mut b);
        let before = decode_frame(&original).unwrap();
        let stamp = Restamp { sequence: 1 << 33, timestamp_ms: 2_000, status: BookStatus::Stale, heartbeat: false };
        let bytes = restamp(&before, stamp, &mut b).to_vec();
        let after = decode_frame(&bytes).unwrap();
        assert_eq!(Restamp::of(&after), stamp);
        assert_eq!(after.symbol(), before.symbol());
        assert_eq!(after.bids().unwrap().iter().collect::<Vec<_>>(), before.bids().unwrap().iter().collect::<Vec<_>>());
        assert_eq!(after.asks().unwrap().iter().collect::<Vec<_>>(), before.asks().unwrap().iter().collect::<Vec<_>>());
        assert_eq!(after.trades().unwrap().iter().collect::<Vec<_>>(), before.trades().unwrap().iter().collect::<Vec<_>>(), "the prints too");
        assert_eq!(after.heat().unwrap().iter().collect::<Vec<_>>(), before.heat().unwrap().iter().collect::<Vec<_>>(), "the heat columns too");
        assert_eq!(after.heat_bins().unwrap().iter().collect::<Vec<_>>(), vec![710, 0, 1125]);
        assert_eq!((after.trade_seq(), after.buy_volume(), after.sell_volume(), after.trade_count()), (9, 2.5, 1.25, 9));
        assert_eq!((after.exchange_time_us(), after.received_time_us()), (1_700_000_000_000_250, 1_700_000_000_000_900), "the times too");
        assert_eq!(after.book_unchanged_ms(), 1_300, "a stamp 1 s later has seen the book unchanged 1 s longer");
        for (x, y) in [(after.tick_size(), 0.5), (after.mid_price(), 100.75), (after.spread(), 0.5), (after.bid_total_size(), 3.0)] {
            assert_eq!(x, y);
        }
        // The same stamp gives the same bytes: two edges restamping one frame agree byte for byte.
        assert_eq!(restamp(&before, stamp, &mut b), &bytes[..]);
        // With another history of heat columns in place of the frame's own.
        let history = [
            HeatColumn::new(1, 100, 99.0, 0.5, 100.5, 101.0, 1, BookStatus::Stale, 0, 100),
            HeatColumn::new(2, 200, 99.0, 0.5, 100.5, 101.0, 1, BookStatus::Live, 0, 100),
        ];
        let joined = restamp_with_heat(&before, stamp, Some((&history, &[5, 6])), &mut b).to_vec();
        let j = decode_frame(&joined).unwrap();
        assert_eq!(j.heat().unwrap().iter().copied().collect::<Vec<_>>(), history.to_vec());
        assert_eq!(j.heat_bins().unwrap().iter().collect::<Vec<_>>(), vec![5, 6]);
        assert_eq!(j.bids().unwrap().len(), 2, "and the same book");
    }
}
