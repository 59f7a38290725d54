//! Heat columns: the book over time for a liquidity heatmap. Per interval (`--heat-interval-ms`),
//! the resting size of each price bin over a band around the mid, as the frames saw it.
//!
//! - **Bins** are whole multiples of the tick (a "nice" 1-2-5 count of ticks, chosen once from the
//!   band and the mid, so rows do not jump). A bid counts in the bin at or below its price, an ask
//!   in the bin at or above: the best bid's bin is always below the best ask's, binning never
//!   invents a cross.
//! - **Size per bin is the maximum over the interval** of the book as sampled at every frame the
//!   engine builds (20–100 Hz). The maximum, not a time-weighted mean: what a heatmap is read for is
//!   liquidity that was there and then pulled — a wall shown for 40 ms of a 100 ms column must not
//!   fade to 40 % of itself — and a maximum is exact in lots and costs one compare per bin.
//! - **Status** is the worst the book had in the interval: a column that was ever resyncing or stale
//!   is marked, never drawn as live.
//! - Sizes travel quantised on a log scale, 2 bytes a bin (`quantise`): one scale for
//!   every column and venue (within 0.05 % of 1 + lots: exact to the lot below 1,000 lots).
//!
//! Nothing here allocates after the first column: the history is a flat ring of `history × bins`.

use tickframe_schema::{BookStatus, HeatColumn};

use crate::book::L2Book;
use crate::instrument::Instrument;

/// Bits of [`HeatColumn::flags`].
pub mod flags {
    /// The book was empty or unknown for the whole interval.
    pub const EMPTY: u8 = 1;
}

/// The quantisation scale: q = round(ln(1 + lots) × QUANT_SCALE).
pub const QUANT_SCALE: f64 = 1024.0;

/// Default and limits of the heat columns' settings.
pub const DEFAULT_INTERVAL_MS: u32 = 100;
pub const MIN_INTERVAL_MS: u32 = 20;
pub const MAX_INTERVAL_MS: u32 = 10_000;
pub const DEFAULT_BINS: u16 = 256;
pub const MAX_BINS: u16 = 1024;
/// Default band: ±50 bps of the mid (±0.5 %), a trading view's worth of BTC-USD.
pub const DEFAULT_BAND_BPS: u32 = 50;
pub const DEFAULT_HISTORY: usize = 600;
/// A join frame's history is capped so it stays well under the 1 MiB frame limit every reader
/// enforces: 1,500 columns × (56 + 2 × 256) bytes ≈ 852 KB at the default bins.
pub const MAX_HISTORY_BYTES: usize = 900 * 1024;
/// After a stall (a capture's clock jumping), at most this many columns are filled with the book as
/// it stood; the rest are skipped (`seq` jumps: the client draws a gap).
pub const MAX_CATCH_UP: u64 = 50;

/// How wide the band is: ± so many ticks, or ± so many basis points of the mid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatBand {
    Ticks(u64),
    Bps(u32),
}

impl std::str::FromStr for HeatBand {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--heat-band {s:?}: expected e.g. 50bps or 2000ticks");
        if let Some(n) = s.strip_suffix("bps") {
            let n: u32 = n.parse().map_err(|_| bad())?;
            (1..=5_000).contains(&n).then_some(HeatBand::Bps(n)).ok_or_else(bad)
        } else if let Some(n) = s.strip_suffix("ticks") {
            let n: u64 = n.parse().map_err(|_| bad())?;
            (1..=1_000_000_000).contains(&n).then_some(HeatBand::Ticks(n)).ok_or_else(bad)
        } else {
            Err(bad())
        }
    }
}

/// The heat columns' settings (`--heat-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeatConfig {
    /// Column length in ms; 0 turns heat columns off (frames carry none).
    pub interval_ms: u32,
    pub bins: u16,
    pub band: HeatBand,
    /// Columns a join frame carries (and the server keeps).
    pub history: usize,
}

impl Default for HeatConfig {
    fn default() -> Self {
        Self { interval_ms: DEFAULT_INTERVAL_MS, bins: DEFAULT_BINS, band: HeatBand::Bps(DEFAULT_BAND_BPS), history: DEFAULT_HISTORY }
    }
}

impl HeatConfig {
    pub const OFF: HeatConfig = HeatConfig { interval_ms: 0, bins: DEFAULT_BINS, band: HeatBand::Bps(DEFAULT_BAND_BPS), history: 0 };

    /// The settings within their limits (the history bounded by the join frame's byte budget).
    pub fn clamped(self) -> Self {
        if self.interval_ms == 0 {
            return Self::OFF;
        }
        let bins = self.bins.clamp(8, MAX_BINS);
        let per_column = std::mem::size_of::<HeatColumn>() + 2 * bins as usize;
        Self {
            interval_ms: self.interval_ms.clamp(MIN_INTERVAL_MS, MAX_INTERVAL_MS),
            bins,
            band: self.band,
            history: self.history.clamp(1, MAX_HISTORY_BYTES / per_column),
        }
    }
}

/// `ln(1 + lots) × 1024`, rounded, saturating at `u16::MAX` (≈ 6e27 lots); 0 only for no size.
pub fn quantise(lots: i64) -> u16 {
    if lots <= 0 {
        return 0;
    }
    ((lots as f64).ln_1p() * QUANT_SCALE).round().clamp(1.0, u16::MAX as f64) as u16
}

/// The size in lots a quantised bin stands for.
pub fn dequantise(q: u16) -> f64 {
    (q as f64 / QUANT_SCALE).exp_m1()
}

/// A 1-2-5 number of ticks at least `ticks` (bins of 1, 2, 5, 10, 20, 50… ticks read as round prices).
fn nice_ticks(ticks: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let n = step.saturating_mul(m);
            if n >= ticks || n == u64::MAX {
                return n.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The columns being built and the recent ones, for one symbol.
pub struct HeatColumns {
    config: HeatConfig,
    /// Ticks per bin, chosen at the first column with a mid (again if the tick size changes), and
    /// the tick size it was chosen at.
    bin_ticks: Option<(i64, f64)>,
    /// The last column's number (+1 per interval).
    seq: u64,
    /// The open interval: its end (ms), its lowest bin's price (ticks), the per-bin maximum (lots),
    /// the worst status, the touch when last sampled, and whether any sample had a book.
    end_ms: Option<u64>,
    low_ticks: i64,
    acc: Vec<i64>,
    sums: Vec<i64>,
    worst: BookStatus,
    touch: (Option<i64>, Option<i64>),
    sampled: bool,
    had_book: bool,
    /// The closed columns: a ring of `history` columns, their bins in `ring_bins` (`history × bins`).
    ring: Vec<HeatColumn>,
    ring_bins: Vec<u16>,
    /// Columns closed so far (the ring's write position).
    closed: u64,
    /// Columns closed since the last [`HeatColumns::take_fresh`], for the next frame.
    fresh: Vec<HeatColumn>,
    fresh_bins: Vec<u16>,
    /// Intervals left out (a stall longer than [`MAX_CATCH_UP`] intervals): their `seq`s are skipped.
    pub skipped: u64,
}

/// Columns and their bins, oldest first, as a frame carries them.
#[derive(Debug, Clone, Copy)]
pub struct HeatView<'a> {
    pub columns: &'a [HeatColumn],
    pub bins: &'a [u16],
}

impl HeatColumns {
    pub fn new(config: HeatConfig) -> Self {
        let config = config.clamped();
        let bins = config.bins as usize;
        Self {
            config,
            bin_ticks: None,
            seq: 0,
            end_ms: None,
            low_ticks: 0,
            acc: vec![0; bins],
            sums: vec![0; bins],
            worst: BookStatus::Live,
            touch: (None, None),
            sampled: false,
            had_book: false,
            ring: Vec::with_capacity(config.history),
            ring_bins: Vec::with_capacity(config.history * bins),
            closed: 0,
            fresh: Vec::new(),
            fresh_bins: Vec::new(),
            skipped: 0,
        }
    }

    pub fn enabled(&self) -> bool {
        self.config.interval_ms > 0
    }

    pub fn config(&self) -> HeatConfig {
        self.config
    }

    /// Whether the open column ends at or before `now_ms` (the tick loop then builds a frame even
    /// when nothing else changed, so columns arrive on time).
    pub fn due(&self, now_ms: u64) -> bool {
        self.enabled() && self.end_ms.is_some_and(|end| now_ms >= end)
    }

    /// Sample the book as the frame built at `now_ms` shows it: close every interval that ended
    /// before it, then fold the book into the open one.
    pub fn sample(&mut self, now_ms: u64, book: &L2Book, inst: &Instrument, status: BookStatus) {
        if !self.enabled() {
            return;
        }
        let interval = u64::from(self.config.interval_ms);
        let end = *self.end_ms.get_or_insert_with(|| (now_ms - now_ms % interval).saturating_add(interval));
        if now_ms >= end {
            // The open interval ends with what it sampled (or, if no frame was built in it, the book
            // as it stands: nothing changed).
            if !self.sampled {
                self.open(book, inst, status);
                self.take(book, status);
            }
            self.close(inst);
            // Intervals no frame was built in stood as the book stands; after a long stall only the
            // newest are filled and the older skipped (`seq` jumps: a gap, not invented history).
            let rest = (now_ms - end) / interval;
            let filled = rest.min(MAX_CATCH_UP - 1);
            let skip = rest - filled;
            self.seq += skip;
            self.skipped += skip;
            for k in 0..filled {
                self.end_ms = Some(end.saturating_add((skip + 1 + k).saturating_mul(interval)));
                self.open(book, inst, status);
                self.take(book, status);
                self.close(inst);
            }
            self.end_ms = Some(end.saturating_add((rest + 1).saturating_mul(interval)));
        }
        if !self.sampled {
            self.open(book, inst, status);
        }
        self.take(book, status);
    }

    /// Start an interval: recentre the band on the mid.
    fn open(&mut self, book: &L2Book, inst: &Instrument, status: BookStatus) {
        self.acc.iter_mut().for_each(|a| *a = 0);
        self.worst = status;
        self.sampled = true;
        self.had_book = false;
        let (Some((bid, _)), Some((ask, _))) = (book.best_bid(), book.best_ask()) else {
            return; // no mid: the band stays where it was
        };
        let mid = bid / 2 + ask / 2;
        let bins = i64::from(self.config.bins);
        let tick = inst.tick_size();
        let bin = match self.bin_ticks {
            Some((t, at)) if at == tick => t,
            _ => {
                let half = match self.config.band {
                    HeatBand::Ticks(t) => t,
                    HeatBand::Bps(bps) => (mid.unsigned_abs().saturating_mul(u64::from(bps)) / 10_000).max(1),
                };
                let t = nice_ticks(half.saturating_mul(2).div_ceil(bins as u64)).min(1 << 40) as i64;
                self.bin_ticks = Some((t, tick));
                t
            }
        };
        self.low_ticks = mid.div_euclid(bin).saturating_sub(bins / 2).saturating_mul(bin);
    }

    /// Fold the book into the open interval: per-bin sums of this sample, then the maximum.
    fn take(&mut self, book: &L2Book, status: BookStatus) {
        self.worst = worse(self.worst, status);
        self.touch = (book.best_bid().map(|l| l.0), book.best_ask().map(|l| l.0));
        self.had_book |= !book.is_empty();
        let Some((bin, _)) = self.bin_ticks else { return };
        let n = self.sums.len() as i64;
        let low = self.low_ticks;
        self.sums.iter_mut().for_each(|s| *s = 0);
        // Bids round down to their bin, asks up. Both walks start at the touch and stop past the band.
        for (p, lots) in book.bids() {
            let i = p.saturating_sub(low).div_euclid(bin);
            if i < 0 {
                break;
            }
            if i < n {
                self.sums[i as usize] = self.sums[i as usize].saturating_add(lots);
            }
        }
        for (p, lots) in book.asks() {
            let d = p.saturating_sub(low);
            let i = d.div_euclid(bin) + i64::from(d.rem_euclid(bin) != 0);
            if i >= n {
                break;
            }
            if i >= 0 {
                self.sums[i as usize] = self.sums[i as usize].saturating_add(lots);
            }
        }
        for (a, s) in self.acc.iter_mut().zip(&self.sums) {
            *a = (*a).max(*s);
        }
    }

    /// Close the open interval into the ring and the fresh list.
    fn close(&mut self, inst: &Instrument) {
        let Some(end) = self.end_ms else { return };
        self.seq += 1;
        self.sampled = false;
        let (bin, _) = self.bin_ticks.unwrap_or((1, 0.0));
        let bins = self.acc.len();
        let price = |t: Option<i64>| t.map_or(0.0, |t| inst.price(t));
        let column = HeatColumn::new(
            self.seq,
            end,
            inst.price(self.low_ticks),
            inst.price(bin),
            price(self.touch.0),
            price(self.touch.1),
            bins as u16,
            self.worst,
            if self.had_book && self.bin_ticks.is_some() { 0 } else { flags::EMPTY },
            self.config.interval_ms,
        );
        let history = self.config.history;
        let slot = (self.closed % history as u64) as usize;
        self.closed += 1;
        if self.ring.len() < history {
            self.ring.push(column);
            self.ring_bins.extend(self.acc.iter().map(|&l| quantise(l)));
        } else {
            self.ring[slot] = column;
            for (q, &l) in self.ring_bins[slot * bins..(slot + 1) * bins].iter_mut().zip(&self.acc) {
                *q = quantise(l);
            }
        }
        // A frame carries what closed since the previous one; more than a history's worth is never kept.
        if self.fresh.len() >= history {
            self.fresh.remove(0);
            self.fresh_bins.drain(..bins);
        }
        self.fresh.push(column);
        self.fresh_bins.extend(self.acc.iter().map(|&l| quantise(l)));
    }

    /// The columns closed since the last call, for the frame being built (then forgotten).
    pub fn take_fresh(&mut self) -> Option<HeatView<'_>> {
        if self.fresh.is_empty() {
            return None;
        }
        Some(HeatView { columns: &self.fresh, bins: &self.fresh_bins })
    }

    /// Forget the fresh columns once a frame carried them.
    pub fn clear_fresh(&mut self) {
        self.fresh.clear();
        self.fresh_bins.clear();
    }

    /// The recent history, oldest first, as owned copies (a join frame: rare, so it may allocate).
    pub fn history(&self) -> (Vec<HeatColumn>, Vec<u16>) {
        let n = self.ring.len();
        let bins = self.config.bins as usize;
        let (mut columns, mut out) = (Vec::with_capacity(n), Vec::with_capacity(n * bins));
        if n == 0 {
            return (columns, out);
        }
        // Once the ring is full the oldest is the next slot to be written.
        let start = if n < self.config.history { 0 } else { (self.closed % n as u64) as usize };
        for k in 0..n {
            let slot = (start + k) % n;
            columns.push(self.ring[slot]);
            out.extend_from_slice(&self.ring_bins[slot * bins..(slot + 1) * bins]);
        }
        (columns, out)
    }
}

/// Stale over resyncing over live.
fn worse(a: BookStatus, b: BookStatus) -> BookStatus {
    let rank = |s: BookStatus| match s {
        BookStatus::Stale => 2,
        BookStatus::Resyncing => 1,
        _ => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Side;

    fn inst() -> Instrument {
        Instrument { symbol: "T".into(), price_decimals: 2, tick_units: 1, size_decimals: 0, lot_units: 1 }
    }

    /// Bins of 10 ticks (±40 ticks over 8 bins), one column per 100 ms.
    fn heat(history: usize) -> HeatColumns {
        HeatColumns::new(HeatConfig { interval_ms: 100, bins: 8, band: HeatBand::Ticks(40), history })
    }

    fn book(bids: &[(i64, i64)], asks: &[(i64, i64)]) -> L2Book {
        let mut b = L2Book::new();
        bids.iter().for_each(|&(p, s)| {
            b.set(Side::Bid, p, s);
        });
        asks.iter().for_each(|&(p, s)| {
            b.set(Side::Ask, p, s);
        });
        b
    }

    fn closed(h: &mut HeatColumns) -> Vec<(HeatColumn, Vec<f64>)> {
        let out = match h.take_fresh() {
            Some(v) => {
                let n = v.columns.first().map_or(0, |c| c.bin_count() as usize);
                v.columns.iter().zip(v.bins.chunks(n.max(1))).map(|(c, b)| (*c, b.iter().map(|&q| dequantise(q).round()).collect())).collect()
            }
            None => vec![],
        };
        h.clear_fresh();
        out
    }

    #[test]
    fn a_known_book_gives_known_bins_bids_rounded_down_asks_up_never_a_cross() {
        let mut h = heat(10);
        // Mid 1005 ticks: bins of 10 ticks from 960 (bin 0) to 1030 (bin 7).
        let b = book(&[(1004, 3), (1000, 2), (995, 7), (961, 1), (950, 9)], &[(1006, 5), (1010, 4), (1029, 6), (1031, 8)]);
        h.sample(1_000, &b, &inst(), BookStatus::Live);
        h.sample(1_100, &b, &inst(), BookStatus::Live);
        let cols = closed(&mut h);
        assert_eq!(cols.len(), 1);
        let (c, bins) = &cols[0];
        assert_eq!((c.seq(), c.end_ms(), c.interval_ms(), c.bin_count()), (1, 1_100, 100, 8));
        assert_eq!((c.low_price(), c.bin_size()), (9.60, 0.10));
        assert_eq!((c.best_bid(), c.best_ask()), (10.04, 10.06));
        // Bids down: 1004 and 1000 → bin 1000 (4); 995 → 990 (3); 961 → 960 (0); 950 is below the band.
        // Asks up: 1006 and 1010 → 1010 (5); 1029 → 1030 (7); 1031 → 1040, above the band.
        assert_eq!(bins, &vec![1.0, 0.0, 0.0, 7.0, 5.0, 9.0, 0.0, 6.0]);
        let top_bid_bin = c.low_price() + 4.0 * c.bin_size();
        assert!(top_bid_bin <= c.best_bid() && c.best_ask() <= c.low_price() + 5.0 * c.bin_size(), "the touch's bins do not cross");
    }

    #[test]
    fn the_size_per_bin_is_the_largest_sampled_in_the_interval_and_the_status_the_worst() {
        let mut h = heat(10);
        let wall = book(&[(1004, 1), (990, 500)], &[(1006, 1)]);
        let pulled = book(&[(1004, 1)], &[(1006, 1)]);
        h.sample(1_000, &pulled, &inst(), BookStatus::Live);
        h.sample(1_040, &wall, &inst(), BookStatus::Resyncing); // the wall, for 20 ms
        h.sample(1_060, &pulled, &inst(), BookStatus::Live);
        h.sample(1_100, &pulled, &inst(), BookStatus::Live);
        let cols = closed(&mut h);
        assert_eq!(cols[0].1[3], 500.0, "a wall pulled within the interval still shows at full size");
        assert_eq!(cols[0].0.status(), BookStatus::Resyncing, "an interval that was ever resyncing is marked");
        h.sample(1_200, &pulled, &inst(), BookStatus::Live);
        let next = closed(&mut h);
        assert_eq!((next[0].1[3], next[0].0.status()), (0.0, BookStatus::Live), "the next one is what stood then");
    }

    #[test]
    fn quiet_intervals_repeat_the_standing_book_and_a_long_stall_is_a_gap() {
        let mut h = heat(100);
        let b = book(&[(1004, 2)], &[(1006, 3)]);
        h.sample(1_000, &b, &inst(), BookStatus::Live);
        assert!(!h.due(1_099) && h.due(1_100), "due at the interval's end");
        h.sample(1_350, &b, &inst(), BookStatus::Live);
        let cols = closed(&mut h);
        assert_eq!(cols.iter().map(|c| (c.0.seq(), c.0.end_ms())).collect::<Vec<_>>(), vec![(1, 1_100), (2, 1_200), (3, 1_300)]);
        assert!(cols.iter().all(|c| c.1[4] == 2.0 && c.1[5] == 3.0));
        // Ten seconds of nothing: MAX_CATCH_UP columns filled, the rest skipped (seq jumps, a gap).
        h.sample(11_350, &b, &inst(), BookStatus::Live);
        let cols = closed(&mut h);
        assert_eq!(cols.len() as u64, MAX_CATCH_UP);
        assert_eq!(h.skipped, 100 - MAX_CATCH_UP);
        assert_eq!(cols.last().map(|c| c.0.seq()), Some(103), "the numbering counts the skipped intervals");
    }

    #[test]
    fn an_empty_or_unknown_book_is_flagged_not_drawn_as_empty_liquidity() {
        let mut h = heat(10);
        h.sample(1_000, &L2Book::new(), &inst(), BookStatus::Resyncing);
        h.sample(1_100, &L2Book::new(), &inst(), BookStatus::Resyncing);
        let cols = closed(&mut h);
        assert_eq!((cols[0].0.flags(), cols[0].0.status()), (flags::EMPTY, BookStatus::Resyncing));
    }

    #[test]
    fn the_history_is_the_newest_columns_oldest_first_across_the_rings_wrap() {
        let mut h = heat(4);
        for i in 0..=10u64 {
            let b = book(&[(1004, 1 + i as i64)], &[(1006, 1)]);
            h.sample(1_000 + 100 * i, &b, &inst(), BookStatus::Live);
        }
        let (cols, bins) = h.history();
        assert_eq!(cols.iter().map(|c| c.seq()).collect::<Vec<_>>(), vec![7, 8, 9, 10]);
        let bid_bin: Vec<f64> = bins.chunks(8).map(|b| dequantise(b[4]).round()).collect();
        assert_eq!(bid_bin, vec![7.0, 8.0, 9.0, 10.0], "each column's own bins");
    }

    #[test]
    fn quantised_sizes_are_within_half_a_permille_of_one_plus_the_lots_and_bins_are_round_tick_counts() {
        for lots in [1i64, 2, 3, 10, 999, 123_456, 10_i64.pow(12), 10_i64.pow(17)] {
            let back = dequantise(quantise(lots));
            assert!((back - lots as f64).abs() <= (1 + lots) as f64 * 5e-4, "{lots} → {back}");
        }
        assert_eq!(quantise(0), 0);
        assert_eq!(quantise(i64::MAX), 44_716, "i64::MAX lots fits in u16");
        assert_eq!([1, 2, 3, 6, 11, 40, 51].map(nice_ticks), [1, 2, 5, 10, 20, 50, 100]);
        // The default band on a 90,000.00 BTC-USD book: ±450 USD over 256 bins → 5 USD bins.
        let mut h = HeatColumns::new(HeatConfig::default());
        h.sample(0, &book(&[(8_999_999, 1)], &[(9_000_001, 1)]), &inst(), BookStatus::Live);
        assert_eq!(h.bin_ticks.map(|b| b.0), Some(500));
    }

    #[test]
    fn the_join_history_is_bounded_under_the_frame_limit() {
        let c = HeatConfig { history: 1_000_000, bins: MAX_BINS, ..HeatConfig::default() }.clamped();
        assert!(c.history * (56 + 2 * MAX_BINS as usize) <= MAX_HISTORY_BYTES);
        assert_eq!(HeatConfig { interval_ms: 0, ..HeatConfig::default() }.clamped(), HeatConfig::OFF);
        assert!("50bps".parse::<HeatBand>().is_ok() && "2000ticks".parse::<HeatBand>().is_ok() && "50".parse::<HeatBand>().is_err());
    }
}
