//! The prints a frame carries. Trades are events, and frames may be skipped (a laggard jumps to the
//! newest, a late joiner starts at it), so every frame repeats the recent prints, each with a
//! per-symbol `seq`, and the running totals. A print stays until it is older than [`WINDOW_MS`]
//! *and* has been in [`MIN_FRAMES`] frames (a quiet market sends a heartbeat a second: time alone
//! would let a client that reads one frame in ten miss it), at most [`MAX_WINDOW`] of them. A client
//! that reads one frame in `MIN_FRAMES`, or any frame within a second of a print, has seen it;
//! keeping each `seq` once rebuilds the tape. A burst of more new prints in one tick than the window holds is aggregated
//! (one time, side and price → one print, flagged); if still too many, the oldest new ones are
//! dropped, counted, and the first kept print is flagged as following a gap — never silently.

use std::collections::VecDeque;

use tickframe_schema::{Trade, TradeSide};

pub use crate::adapters::{InboxPrint, AGGREGATED, GAP_BEFORE};

/// How long a print stays in every frame (server time since it arrived).
pub const WINDOW_MS: u64 = 1000;
/// Most prints one frame carries: 256 × 40 bytes = 10 KiB on top of the book.
pub const MAX_WINDOW: usize = 256;
/// Frames a print is in at least, whatever the time.
pub const MIN_FRAMES: u32 = 16;

#[derive(Debug, Clone, Copy)]
struct Held {
    trade: Trade,
    arrived_ms: u64,
    /// Frames it has been in so far.
    frames: u32,
}

/// The recent prints and the totals, owned by one engine.
#[derive(Debug, Default)]
pub struct TradeWindow {
    pending: Vec<InboxPrint>,
    recent: VecDeque<Held>,
    /// For the frame builder: `recent` as one slice, refreshed on every roll.
    out: Vec<Trade>,
    last_seq: u64,
    buy_e12: i128,
    sell_e12: i128,
    count: u64,
    /// Prints dropped by a burst beyond the window even after aggregation.
    pub dropped: u64,
}

/// What a frame says about prints.
#[derive(Debug, Clone, Copy)]
pub struct TapeView<'a> {
    pub trades: &'a [Trade],
    pub trade_seq: u64,
    pub buy_volume: f64,
    pub sell_volume: f64,
    pub trade_count: u64,
    /// Prints this roll left out of the window (a burst too large even aggregated).
    pub dropped: u64,
}

fn e12_to_f64(v: i128) -> f64 {
    // Whole units and the fraction apart, so a large total keeps its cents.
    (v / 1_000_000_000_000) as f64 + (v % 1_000_000_000_000) as f64 / 1e12
}

impl TradeWindow {
    /// Where arriving prints go (in the venue's order); they get their `seq` at the next
    /// [`TradeWindow::roll`].
    pub fn inbox(&mut self) -> &mut Vec<InboxPrint> {
        &mut self.pending
    }

    /// Before a frame at server time `now_ms`: number the new prints, add them to the totals and the
    /// window, and let go of those older than the window. Returns what the frame carries.
    pub fn roll(&mut self, now_ms: u64) -> TapeView<'_> {
        let dropped_before = self.dropped;
        if !self.pending.is_empty() {
            let mut batch = std::mem::take(&mut self.pending);
            for p in &batch {
                if p.buy {
                    self.buy_e12 = self.buy_e12.saturating_add(p.size_e12);
                } else {
                    self.sell_e12 = self.sell_e12.saturating_add(p.size_e12);
                }
                self.count = self.count.saturating_add(1);
            }
            if batch.len() > MAX_WINDOW {
                batch = aggregate(batch);
            }
            if batch.len() > MAX_WINDOW {
                let drop = batch.len() - MAX_WINDOW;
                self.dropped = self.dropped.saturating_add(drop as u64);
                tracing::warn!(
                    dropped = drop,
                    window = MAX_WINDOW,
                    "a burst of prints larger than the window even aggregated: the oldest are only in the totals"
                );
                batch.drain(..drop);
                batch[0].flags |= GAP_BEFORE;
            }
            for p in batch {
                self.last_seq += 1;
                let side = if p.buy { TradeSide::Buy } else { TradeSide::Sell };
                self.recent.push_back(Held {
                    trade: Trade::new(p.price, p.size, p.time_ms, self.last_seq, side, p.flags),
                    arrived_ms: now_ms,
                    frames: 0,
                });
            }
        }
        let expired = |h: &Held| now_ms.saturating_sub(h.arrived_ms) > WINDOW_MS && h.frames >= MIN_FRAMES;
        while self.recent.len() > MAX_WINDOW || self.recent.front().is_some_and(expired) {
            self.recent.pop_front();
        }
        self.out.clear();
        for h in self.recent.iter_mut() {
            h.frames = h.frames.saturating_add(1);
            self.out.push(h.trade);
        }
        TapeView { dropped: self.dropped - dropped_before, ..self.view() }
    }

    /// What the last roll left (for a join frame between ticks).
    pub fn view(&self) -> TapeView<'_> {
        TapeView {
            trades: &self.out,
            trade_seq: self.last_seq,
            buy_volume: e12_to_f64(self.buy_e12),
            sell_volume: e12_to_f64(self.sell_e12),
            trade_count: self.count,
            dropped: 0,
        }
    }
}

/// Consecutive prints of one time, side and price become one (sizes summed exactly, flagged).
fn aggregate(batch: Vec<InboxPrint>) -> Vec<InboxPrint> {
    let mut out: Vec<InboxPrint> = Vec::with_capacity(MAX_WINDOW);
    for p in batch {
        match out.last_mut() {
            Some(last) if last.time_ms == p.time_ms && last.buy == p.buy && last.price == p.price => {
                last.size_e12 = last.size_e12.saturating_add(p.size_e12);
                last.size = e12_to_f64(last.size_e12);
                last.flags |= AGGREGATED | (p.flags & GAP_BEFORE);
            }
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(price: f64, size_e12: i128, time_ms: f64, buy: bool) -> InboxPrint {
        InboxPrint { price, size: e12_to_f64(size_e12), size_e12, time_ms, buy, flags: 0 }
    }

    #[test]
    fn numbers_prints_keeps_the_last_second_and_totals_exactly() {
        let mut w = TradeWindow::default();
        w.inbox().extend([print(100.0, 100_000_000_000, 1.0, true), print(99.5, 300_000_000_000, 2.0, false)]); // 0.1 buy, 0.3 sell
        let v = w.roll(10_000);
        assert_eq!(v.trades.iter().map(|t| t.seq()).collect::<Vec<_>>(), [1, 2]);
        assert_eq!((v.trade_seq, v.trade_count, v.buy_volume, v.sell_volume), (2, 2, 0.1, 0.3));
        assert_eq!(v.trades[1].side(), TradeSide::Sell);
        // A heartbeat a second and a bit later still carries both: they have been in too few frames.
        assert_eq!(w.roll(11_100).trades.len(), 2);
        for ms in 0..MIN_FRAMES as u64 {
            w.roll(11_200 + ms);
        }
        w.inbox().extend([print(100.0, 1, 3.0, true)]);
        let v = w.roll(12_000);
        assert_eq!(v.trades.iter().map(|t| t.seq()).collect::<Vec<_>>(), [3], "older than a second and in 16 frames: gone");
        assert_eq!(v.trade_count, 3, "the totals keep everything");
        // At 50 frames a second, a print is in 50 frames before the second is up.
        let mut w = TradeWindow::default();
        w.inbox().extend([print(1.0, 1, 1.0, true)]);
        let carried = (0..100u64).filter(|i| w.roll(i * 20).trades.len() == 1).count();
        assert_eq!(carried, 51, "in every frame of its first second (and the one at 1000 ms)");
    }

    #[test]
    fn a_burst_larger_than_the_window_is_aggregated_and_what_still_does_not_fit_is_marked() {
        let mut w = TradeWindow::default();
        // 600 prints: 300 at one time, side and price (one aggregate), then 300 distinct.
        let same = (0..300).map(|_| print(100.0, 1_000_000_000_000, 5.0, true));
        let distinct = (0..300).map(|i| print(100.0 + i as f64, 1_000_000_000_000, 6.0 + i as f64, false));
        w.inbox().extend(same.chain(distinct));
        let v = w.roll(1_000);
        assert_eq!(v.dropped, 45, "the roll says how many it left out");
        assert_eq!(v.trade_count, 600, "every print counted");
        assert_eq!((v.buy_volume, v.sell_volume), (300.0, 300.0), "and in the totals, exactly");
        assert_eq!(v.trades.len(), MAX_WINDOW);
        // 301 after aggregation: the 45 oldest (the aggregate and 44 more) dropped, the first kept marked.
        assert_eq!(w.dropped, 45);
        let v = w.view();
        assert_ne!(v.trades[0].flags() & GAP_BEFORE, 0);
        assert_eq!(v.trades.last().map(|t| t.seq()), Some(v.trade_seq));
    }

    #[test]
    fn aggregation_sums_a_run_of_one_time_side_and_price_exactly() {
        let runs = aggregate(vec![print(1.0, 1, 1.0, true), print(1.0, 2, 1.0, true), print(1.0, 4, 1.0, false), print(1.0, 8, 1.0, true)]);
        assert_eq!(runs.iter().map(|p| (p.size_e12, p.flags)).collect::<Vec<_>>(), [(3, AGGREGATED), (4, 0), (8, 0)]);
    }
}
