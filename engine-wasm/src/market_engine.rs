//! The engine's pure-Rust core (no JS types, so it is tested natively): frame verification,
//! sequence tracking, and the flat level layout JS reads through typed views.

use tickframe_schema::{decode_frame, BookStatus, FrameError, PriceLevel};

use crate::grouping::{group_levels, walk_changes, Increment};
use crate::heat_history::HeatHistory;
use crate::trade_tape::{TradeTape, WirePrint};

/// Floats per level in [`MarketEngine::levels`]: price, size, cumulative size from the touch, and the
/// change since the previous frame (0 same, 1 new, 2 size up, 3 size down; see `LevelChange`).
pub const LEVEL_STRIDE: usize = 4;

/// Offsets of a level's fields within its [`LEVEL_STRIDE`] slots.
pub mod level {
    pub const PRICE: usize = 0;
    pub const SIZE: usize = 1;
    /// Size from the touch to this level, inclusive.
    pub const CUMULATIVE: usize = 2;
    /// 0 same, 1 new, 2 size up, 3 size down (`LevelChange`).
    pub const CHANGE: usize = 3;
}

/// Indices into [`MarketEngine::summary`].
pub mod summary {
    pub const SEQUENCE: usize = 0;
    pub const TIMESTAMP_MS: usize = 1;
    pub const RECEIVED_MS: usize = 2;
    pub const LATENCY_MS: usize = 3;
    pub const TICK_SIZE: usize = 4;
    pub const LOT_SIZE: usize = 5;
    pub const BEST_BID: usize = 6;
    pub const BEST_ASK: usize = 7;
    pub const MID: usize = 8;
    pub const SPREAD: usize = 9;
    pub const BID_TOTAL: usize = 10;
    pub const ASK_TOTAL: usize = 11;
    pub const IMBALANCE: usize = 12;
    /// 0 live, 1 resyncing, 2 stale (as sent by the server).
    pub const STATUS: usize = 13;
    pub const HEARTBEAT: usize = 14;
    pub const BID_LEN: usize = 15;
    pub const ASK_LEN: usize = 16;
    pub const FRAMES: usize = 17;
    pub const GAPS: usize = 18;
    pub const DUPLICATES: usize = 19;
    pub const OUT_OF_ORDER: usize = 20;
    pub const ERRORS: usize = 21;
    pub const SMOOTH_SPREAD: usize = 22;
    pub const SMOOTH_IMBALANCE: usize = 23;
    /// Levels present in the previous frame and absent from this one, per side.
    pub const GONE_BIDS: usize = 24;
    pub const GONE_ASKS: usize = 25;
    /// 1 when no verified frame arrived within the stale threshold before the last `tick(now)`.
    pub const STALE: usize = 26;
    /// (bid − ask) / (bid + ask) size over the imbalance window (`set_imbalance_window`), and eased.
    pub const WINDOW_IMBALANCE: usize = 27;
    pub const SMOOTH_WINDOW_IMBALANCE: usize = 28;
    /// Times the sequence jumped too far to be this stream (a restarted server, another ingest
    /// node, a poisoned frame): tracking restarted at that frame instead of freezing on it.
    pub const RESTARTS: usize = 29;
    /// Frames dropped because they are another symbol's than the one expected (`set_expected_symbol`).
    pub const OTHER_SYMBOL: usize = 30;
    /// The server's last assigned print `seq` and its running totals since the stream started:
    /// taker-buy size, taker-sell size, prints, and their difference (cumulative volume delta,
    /// exact in lots), all as the newest frame sent them.
    pub const TRADE_SEQ: usize = 31;
    pub const BUY_VOLUME: usize = 32;
    pub const SELL_VOLUME: usize = 33;
    pub const TRADE_COUNT: usize = 34;
    pub const VOLUME_DELTA: usize = 35;
    /// The newest print kept: price, taker side (0 buy, 1 sell, −1 none yet), exchange time (ms).
    pub const LAST_TRADE_PRICE: usize = 36;
    pub const LAST_TRADE_SIDE: usize = 37;
    pub const LAST_TRADE_TIME_MS: usize = 38;
    /// Prints the tape keeps, and rows in its view (`set_tape_view`).
    pub const TAPE_PRINTS: usize = 39;
    pub const TAPE_ROWS: usize = 40;
    /// Prints this client never saw (the print `seq` jumped past the server's window).
    pub const TAPE_MISSED: usize = 41;
    /// The notional at or above which a row is flagged large (the view's, or its 95th percentile).
    pub const TAPE_LARGE_NOTIONAL: usize = 42;
    /// Prints whose price or size was not a whole number of the book's ticks or lots.
    pub const TAPE_INEXACT: usize = 43;
    /// +1 whenever the tape view was laid out anew: a reader that has this version has its rows.
    pub const TAPE_VERSION: usize = 44;
    /// Prices the session's volume-at-price forgot to stay bounded (the farthest from the trade).
    pub const TAPE_VOLUME_EVICTED: usize = 45;
    /// The exchange's time of the newest message in the book, ms since the epoch (µs kept as the
    /// fraction); 0 where the venue gives none.
    pub const EXCHANGE_TIME_MS: usize = 46;
    /// When the server read that message, ms since the epoch (0: not known).
    pub const SERVER_RECEIVED_MS: usize = 47;
    /// How long the book had been unchanged when the frame was built (ms).
    pub const BOOK_UNCHANGED_MS: usize = 48;
    /// Exchange → server: SERVER_RECEIVED_MS − EXCHANGE_TIME_MS (NaN unless both are known; negative
    /// when the exchange's clock is ahead of the server's).
    pub const EXCHANGE_LATENCY_MS: usize = 49;
    pub const LEN: usize = 50;
}

/// What happened to a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum IngestOutcome {
    /// Applied; the next expected sequence.
    Applied = 0,
    /// Applied, but frames were missed before it (each frame is a whole picture, so the book is right).
    AppliedAfterGap = 1,
    /// Same sequence as the last applied frame: ignored.
    Duplicate = 2,
    /// Older than the last applied frame: ignored, so the picture never goes back in time.
    OutOfOrder = 3,
}

/// A frame this far behind the last one is not a late frame of this stream (frames arrive in order on
/// one connection, and a reconnect resets tracking) but a new stream: a restarted server counting
/// from 1, or the frames that follow a poisoned sequence. At 100 Hz it is 10 s of frames.
pub const RESTART_BACKWARD_JUMP: u64 = 1_000;
/// A frame this far ahead is not a gap but a new stream (2^32 frames is over a year at 100 Hz).
pub const RESTART_FORWARD_JUMP: u64 = 1 << 32;

/// Floats per depth in [`MarketEngine::bar_scale`]: the largest size and the largest cumulative size
/// on either side within that many levels of the touch.
pub const BAR_SCALE_STRIDE: usize = 2;

/// Floats per level in [`MarketEngine::level_volume`]: the session's taker-buy and taker-sell size
/// traded at that level's prices.
pub const VOLUME_STRIDE: usize = 2;

/// Offsets of a level's fields within its [`VOLUME_STRIDE`] slots.
pub mod level_volume {
    pub const BUY: usize = 0;
    pub const SELL: usize = 1;
}

/// Offsets of a depth's fields within its [`BAR_SCALE_STRIDE`] slots.
pub mod bar_scale {
    /// The largest size on either side within that many levels of the touch.
    pub const SIZE: usize = 0;
    /// The largest cumulative size on either side within that many levels.
    pub const CUMULATIVE: usize = 1;
}

/// The summary slots (an array past 32 has no `Default`, so it is wrapped).
#[derive(Debug)]
struct Summary([f64; summary::LEN]);

impl Default for Summary {
    fn default() -> Self {
        Summary([0.0; summary::LEN])
    }
}

impl std::ops::Deref for Summary {
    type Target = [f64; summary::LEN];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Summary {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

#[derive(Debug, Default)]
pub struct MarketEngine {
    levels: Vec<f64>,
    /// Entry `d` (× `BAR_SCALE_STRIDE`): the bar scale for a view showing `d + 1` levels a side. One
    /// scale for both sides, so bars compare across the spread, whatever depth a component shows.
    bar_scale: Vec<f64>,
    /// Whether `bar_scale` matches `levels` (computed when read; its room is reserved with the picture).
    bar_scale_current: bool,
    /// Whether a frame's picture has set the eased windowed imbalance yet.
    window_eased: bool,
    /// Whether `levels` shows the last applied frame (it is laid out when read).
    picture_current: bool,
    summary: Summary,
    symbol: String,
    /// The market this engine shows (`set_expected_symbol`), as [`symbol_key`] spells it; empty: any.
    expected_key: String,
    last_seq: Option<u64>,
    /// Time constant for smoothed values, in ms (63% of a step after this long, at any frame rate).
    smoothing_ms: f64,
    last_tick_ms: Option<f64>,
    /// Silence (ms, receive clock) after which the book counts as stale.
    stale_after_ms: f64,
    /// When the last verified frame (applied, duplicate or heartbeat) arrived.
    last_heard_ms: Option<f64>,
    /// Group levels into buckets of this many ticks (1 = as sent).
    group_ticks: i64,
    /// The imbalance window: the top this-many levels a side, or (when 0) the levels within
    /// `imbalance_bps` basis points of mid.
    imbalance_levels: usize,
    imbalance_bps: f64,
    /// The last applied frame's levels as sent, in (ticks, lots): kept so a grouping change
    /// re-renders without a new frame.
    raw_bids: Vec<(i64, i64)>,
    raw_asks: Vec<(i64, i64)>,
    /// At grouping 1 the levels as sent are moved into `bids`/`asks` rather than copied; then `raw_*`
    /// are empty and a regroup copies them back first.
    raw_in_picture: bool,
    /// Grouped levels in integer (ticks, lots), this frame's and the previous one's, per side.
    bids: Vec<(i64, i64)>,
    asks: Vec<(i64, i64)>,
    prev_bids: Vec<(i64, i64)>,
    prev_asks: Vec<(i64, i64)>,
    /// Increments derived from the last tick/lot size seen (recomputed only when those change).
    increments: Option<(f64, f64, Increment, Increment)>,
    /// The prints the frames carried, each once, and the session's volume at each price.
    tape: TradeTape,
    /// The heat columns the frames carried, and the heatmap's pixels.
    heat: HeatHistory,
    /// Per laid-out level, the session's traded size there (`VOLUME_STRIDE` each); computed when read.
    level_volume: Vec<f64>,
    level_volume_current: bool,
}

impl MarketEngine {
    pub fn new() -> Self {
        let mut e = Self { smoothing_ms: 120.0, stale_after_ms: 3000.0, group_ticks: 1, imbalance_levels: 10, ..Default::default() };
        e.summary[summary::STALE] = 1.0;
        e.summary[summary::LAST_TRADE_SIDE] = -1.0;
        e
    }

    /// Verify and apply one frame. On error nothing changes except the error count: the last good
    /// picture stays.
    pub fn ingest_frame(&mut self, bytes: &[u8], received_ms: f64) -> Result<IngestOutcome, FrameError> {
        let frame = match decode_frame(bytes) {
            Ok(f) => f,
            Err(e) => {
                self.summary[summary::ERRORS] += 1.0;
                return Err(e);
            }
        };
        if let Err(why) = plausible(&frame) {
            self.summary[summary::ERRORS] += 1.0;
            return Err(FrameError::OutOfRange(why));
        }
        let symbol = frame.symbol().unwrap_or("");
        // The symbol as last accepted is compared first: a key (an allocation) only when it changes.
        if !self.expected_key.is_empty() && symbol != self.symbol && symbol_key(symbol) != self.expected_key {
            self.summary[summary::OTHER_SYMBOL] += 1.0;
            return Err(FrameError::OtherSymbol(symbol.chars().take(64).collect()));
        }
        // Another market mid-stream (a recording or a server without an expected symbol) is a new
        // stream under its own name, never the new book under the old one's label.
        if !self.symbol.is_empty() && symbol != self.symbol {
            self.last_seq = None;
            self.summary[summary::RESTARTS] += 1.0;
            self.tape.clear();
            self.heat.clear();
        }
        let seq = frame.sequence();
        // A jump too far either way is a new stream, not this one misbehaving: start tracking again
        // at this frame (counted), rather than drop every later frame as out of order and freeze.
        if let Some(last) = self.last_seq {
            if (seq < last && last - seq > RESTART_BACKWARD_JUMP) || (seq > last && seq - last > RESTART_FORWARD_JUMP) {
                self.last_seq = None;
                self.summary[summary::RESTARTS] += 1.0;
                self.tape.clear();
                self.heat.clear();
            }
        }
        let outcome = match self.last_seq {
            Some(last) if seq == last => IngestOutcome::Duplicate,
            Some(last) if seq < last => IngestOutcome::OutOfOrder,
            Some(last) if seq > last + 1 => IngestOutcome::AppliedAfterGap,
            _ => IngestOutcome::Applied,
        };
        let s = &mut self.summary;
        match outcome {
            IngestOutcome::Duplicate => {
                s[summary::DUPLICATES] += 1.0;
                return Ok(outcome);
            }
            IngestOutcome::OutOfOrder => {
                s[summary::OUT_OF_ORDER] += 1.0;
                return Ok(outcome);
            }
            IngestOutcome::AppliedAfterGap => s[summary::GAPS] += 1.0,
            IngestOutcome::Applied => {}
        }
        // Only an accepted frame says the book is fresh: duplicates and stale replays do not.
        self.last_heard_ms = Some(received_ms);
        s[summary::STALE] = 0.0;
        self.last_seq = Some(seq);

        // Doubles become exact integers once, here; everything after is integer maths. Grouping,
        // change flags and the f64 layout wait until the picture is read (`refresh`): a view reads
        // once per paint, and frames may come faster than that.
        let (price_step, size_step) = self.increments(frame.tick_size(), frame.lot_size());
        let convert = |l: &PriceLevel| (price_step.count(l.price()), size_step.count(l.size()));
        self.raw_bids.clear();
        self.raw_asks.clear();
        // Grouping by one tick only merges a repeated price: the levels as sent, ready to show.
        if let Some(v) = frame.bids() {
            group_levels(v.iter().map(convert), true, 1, &mut self.raw_bids);
        }
        if let Some(v) = frame.asks() {
            group_levels(v.iter().map(convert), false, 1, &mut self.raw_asks);
        }
        self.raw_in_picture = false;
        self.picture_current = false;
        if frame.symbol() != Some(self.symbol.as_str()) {
            self.symbol = frame.symbol().unwrap_or("").to_string();
        }
        let s = &mut self.summary;
        let first = s[summary::FRAMES] == 0.0;
        s[summary::SEQUENCE] = seq as f64;
        s[summary::TIMESTAMP_MS] = frame.timestamp_ms() as f64;
        s[summary::RECEIVED_MS] = received_ms;
        s[summary::LATENCY_MS] = received_ms - frame.timestamp_ms() as f64;
        let (exchange_us, server_us) = (frame.exchange_time_us(), frame.received_time_us());
        s[summary::EXCHANGE_TIME_MS] = exchange_us as f64 / 1000.0;
        s[summary::SERVER_RECEIVED_MS] = server_us as f64 / 1000.0;
        s[summary::BOOK_UNCHANGED_MS] = frame.book_unchanged_ms() as f64;
        // In integers first: two 1.7e15 µs doubles would lose the difference's last digits.
        s[summary::EXCHANGE_LATENCY_MS] =
            if exchange_us > 0 && server_us > 0 { (i128::from(server_us) - i128::from(exchange_us)) as f64 / 1000.0 } else { f64::NAN };
        s[summary::TICK_SIZE] = frame.tick_size();
        s[summary::LOT_SIZE] = frame.lot_size();
        s[summary::BEST_BID] = frame.best_bid();
        s[summary::BEST_ASK] = frame.best_ask();
        s[summary::MID] = frame.mid_price();
        s[summary::SPREAD] = frame.spread();
        s[summary::BID_TOTAL] = frame.bid_total_size();
        s[summary::ASK_TOTAL] = frame.ask_total_size();
        s[summary::IMBALANCE] = frame.imbalance();
        s[summary::STATUS] = match frame.status() {
            BookStatus::Live => 0.0,
            BookStatus::Resyncing => 1.0,
            _ => 2.0,
        };
        s[summary::HEARTBEAT] = if frame.heartbeat() { 1.0 } else { 0.0 };
        s[summary::FRAMES] += 1.0;
        if first {
            s[summary::SMOOTH_SPREAD] = s[summary::SPREAD];
            s[summary::SMOOTH_IMBALANCE] = s[summary::IMBALANCE];
        }
        self.ingest_prints(&frame, price_step, size_step);
        self.heat.ingest(&frame);
        Ok(outcome)
    }

    /// The frame's window of prints into the tape (each `seq` once) and its running totals.
    fn ingest_prints(&mut self, frame: &tickframe_schema::OrderbookFrame<'_>, price_step: Increment, size_step: Increment) {
        let prints = frame.trades().into_iter().flat_map(|v| v.iter()).map(|t| WirePrint {
            price: t.price(),
            size: t.size(),
            time_ms: t.time_ms(),
            seq: t.seq(),
            sell: t.side() == tickframe_schema::TradeSide::Sell,
            flags: t.flags(),
        });
        if self.tape.ingest(prints, frame.trade_seq(), price_step, size_step) {
            self.level_volume_current = false;
        }
        let s = &mut self.summary;
        s[summary::TRADE_SEQ] = frame.trade_seq() as f64;
        s[summary::BUY_VOLUME] = frame.buy_volume();
        s[summary::SELL_VOLUME] = frame.sell_volume();
        s[summary::TRADE_COUNT] = frame.trade_count() as f64;
        // Exact: both totals are whole lots, so their difference is too.
        s[summary::VOLUME_DELTA] = size_step.value(size_step.count(frame.buy_volume()) - size_step.count(frame.sell_volume()));
    }

    /// Show only `symbol`'s frames (compared as [`symbol_key`] spells them: `BTC/USD`, `btc-usd` and
    /// `XBTUSD` are one market); frames of any other symbol are dropped and counted
    /// (`summary::OTHER_SYMBOL`). Empty: any symbol.
    pub fn set_expected_symbol(&mut self, symbol: &str) {
        self.expected_key = symbol_key(symbol);
        if symbol_key(&self.symbol) != self.expected_key {
            self.symbol.clear(); // a market shown before is no shortcut past the new expectation
        }
    }

    /// Advance smoothed values to `now_ms` (the receive clock) with exponential easing — the same
    /// motion at any frame rate — and re-evaluate staleness.
    pub fn tick(&mut self, now_ms: f64) {
        self.refresh();
        self.summary[summary::STALE] = match self.last_heard_ms {
            Some(t) if now_ms - t <= self.stale_after_ms => 0.0,
            _ => 1.0,
        };
        let dt = self.last_tick_ms.map_or(0.0, |t| (now_ms - t).max(0.0));
        self.last_tick_ms = Some(now_ms);
        let k = if self.smoothing_ms <= 0.0 { 1.0 } else { 1.0 - (-dt / self.smoothing_ms).exp() };
        let s = &mut self.summary;
        s[summary::SMOOTH_SPREAD] += (s[summary::SPREAD] - s[summary::SMOOTH_SPREAD]) * k;
        s[summary::SMOOTH_IMBALANCE] += (s[summary::IMBALANCE] - s[summary::SMOOTH_IMBALANCE]) * k;
        s[summary::SMOOTH_WINDOW_IMBALANCE] += (s[summary::WINDOW_IMBALANCE] - s[summary::SMOOTH_WINDOW_IMBALANCE]) * k;
    }

    /// Measure the windowed imbalance over the top `levels` a side, or, with `levels` 0, over the
    /// levels within `bps` basis points of mid. The next picture uses it (eased from where it was).
    pub fn set_imbalance_window(&mut self, levels: u32, bps: f64) {
        self.imbalance_levels = levels as usize;
        self.imbalance_bps = if bps.is_finite() { bps.max(0.0) } else { 0.0 };
        self.picture_current = false;
    }

    /// Size imbalance over the configured window, from the grouped picture in exact lots.
    fn window_imbalance(&self, price_step: Increment) -> f64 {
        self.imbalance_in(price_step, self.imbalance_levels, self.imbalance_bps)
    }

    /// (bid − ask) / (bid + ask) size over any window — the top `levels` a side, or with `levels` 0
    /// the levels within `bps` of mid — of the current picture, in exact lots (not eased). For views
    /// that show a window other than the configured one; read it right after `tick(now)`.
    pub fn imbalance_over(&self, levels: u32, bps: f64) -> f64 {
        let price_step = self.increments.map_or(Increment::new(1, 0), |(_, _, step, _)| step);
        self.imbalance_in(price_step, levels as usize, if bps.is_finite() { bps.max(0.0) } else { 0.0 })
    }

    fn imbalance_in(&self, price_step: Increment, levels: usize, bps: f64) -> f64 {
        let mid = self.summary[summary::MID];
        let in_window = |i: usize, ticks: i64| {
            if levels > 0 {
                i < levels
            } else {
                mid > 0.0 && ((price_step.value(ticks) - mid).abs() / mid) * 1e4 <= bps
            }
        };
        let sum = |side: &[(i64, i64)]| -> i64 { side.iter().enumerate().take_while(|&(i, &(p, _))| in_window(i, p)).map(|(_, &(_, l))| l).sum() };
        let (b, a) = (sum(&self.bids), sum(&self.asks));
        if b + a > 0 {
            (b - a) as f64 / (b + a) as f64
        } else {
            0.0
        }
    }

    /// Group levels into buckets of `multiple` ticks (bids floor, asks ceil). 1 shows levels as sent.
    pub fn set_grouping(&mut self, multiple: u32) {
        self.group_ticks = multiple.max(1) as i64;
        self.regroup();
        // A new grouping is a new picture, not a change of every level.
        self.prev_bids.clone_from(&self.bids);
        self.prev_asks.clone_from(&self.asks);
        self.regroup();
    }

    /// The tick and lot increments for these sizes (recomputed only when they change).
    fn increments(&mut self, tick_size: f64, lot_size: f64) -> (Increment, Increment) {
        match self.increments {
            Some((t, l, price_step, size_step)) if t == tick_size && l == lot_size => (price_step, size_step),
            _ => {
                let (price_step, size_step) = (Increment::from_f64(tick_size), Increment::from_f64(lot_size));
                self.increments = Some((tick_size, lot_size, price_step, size_step));
                (price_step, size_step)
            }
        }
    }

    /// Bring the levels view up to the last applied frame: group, flag changes against the picture
    /// last read (so a change in a frame that was never painted still flashes), lay out. Every
    /// reader calls this first; JS does it through `tick(now)` before it makes any view, so a memory
    /// growth here never detaches one.
    pub fn refresh(&mut self) {
        if !self.picture_current {
            self.regroup();
        }
        if !self.tape.refresh() {
            return; // the tape's slots say what they said
        }
        let s = &mut self.summary;
        let (price, side, time) = match self.tape.last() {
            Some((price, sell, time)) => (price, if sell { 1.0 } else { 0.0 }, time),
            None => (0.0, -1.0, 0.0),
        };
        s[summary::LAST_TRADE_PRICE] = price;
        s[summary::LAST_TRADE_SIDE] = side;
        s[summary::LAST_TRADE_TIME_MS] = time;
        s[summary::TAPE_PRINTS] = self.tape.len() as f64;
        s[summary::TAPE_ROWS] = self.tape.row_count as f64;
        s[summary::TAPE_MISSED] = self.tape.missed as f64;
        s[summary::TAPE_LARGE_NOTIONAL] = self.tape.large_threshold;
        s[summary::TAPE_INEXACT] = self.tape.inexact as f64;
        s[summary::TAPE_VERSION] = self.tape.version as f64;
        s[summary::TAPE_VOLUME_EVICTED] = self.tape.volume_evicted as f64;
    }

    /// Rebuild the levels view from the levels as sent: exact integer ticks and lots throughout.
    /// The picture on screen becomes the previous one (for change flags); allocations are reused.
    fn regroup(&mut self) {
        let (price_step, size_step) = self.increments(self.summary[summary::TICK_SIZE], self.summary[summary::LOT_SIZE]);
        if self.raw_in_picture {
            // The levels as sent were moved into the picture: copy them back to regroup.
            self.raw_bids.clone_from(&self.bids);
            self.raw_asks.clone_from(&self.asks);
            self.raw_in_picture = false;
        }
        std::mem::swap(&mut self.bids, &mut self.prev_bids);
        std::mem::swap(&mut self.asks, &mut self.prev_asks);
        if self.group_ticks == 1 {
            // As sent (the usual case): the converted levels are the picture; move them in, and the
            // old previous picture's allocation becomes the next frame's conversion buffer.
            std::mem::swap(&mut self.bids, &mut self.raw_bids);
            std::mem::swap(&mut self.asks, &mut self.raw_asks);
            self.raw_bids.clear();
            self.raw_asks.clear();
            self.raw_in_picture = true;
        } else {
            self.bids.clear();
            self.asks.clear();
            group_levels(self.raw_bids.iter().copied(), true, self.group_ticks, &mut self.bids);
            group_levels(self.raw_asks.iter().copied(), false, self.group_ticks, &mut self.asks);
        }
        self.layout(price_step, size_step);
    }

    /// Write the flat f64 view JS reads: per level price, size, cumulative size and change flag.
    fn layout(&mut self, price_step: Increment, size_step: Increment) {
        // Sized once, then written in place: no capacity check per value.
        self.levels.resize((self.bids.len() + self.asks.len()) * LEVEL_STRIDE, 0.0);
        let (bid_out, ask_out) = self.levels.split_at_mut(self.bids.len() * LEVEL_STRIDE);
        for (is_bid, now, before, out, gone_slot) in
            [(true, &self.bids, &self.prev_bids, bid_out, summary::GONE_BIDS), (false, &self.asks, &self.prev_asks, ask_out, summary::GONE_ASKS)]
        {
            // One pass per side: change flag, cumulative size and the f64 layout together.
            let mut cumulative = 0i64;
            let mut slots = out.chunks_exact_mut(LEVEL_STRIDE);
            let gone = walk_changes(now, before, is_bid, |&(p, l), c| {
                cumulative += l;
                if let Some(slot) = slots.next() {
                    slot[level::PRICE] = price_step.value(p);
                    slot[level::SIZE] = size_step.value(l);
                    slot[level::CUMULATIVE] = size_step.value(cumulative);
                    slot[level::CHANGE] = c as u8 as f64;
                }
            });
            self.summary[gone_slot] = gone as f64;
        }
        self.summary[summary::BID_LEN] = self.bids.len() as f64;
        self.summary[summary::ASK_LEN] = self.asks.len() as f64;
        self.summary[summary::WINDOW_IMBALANCE] = self.window_imbalance(price_step);
        // The first picture of a real frame starts the eased value where it is, not from 0.
        let first_picture = !self.window_eased && self.summary[summary::FRAMES] > 0.0;
        if first_picture {
            self.window_eased = true;
            self.summary[summary::SMOOTH_WINDOW_IMBALANCE] = self.summary[summary::WINDOW_IMBALANCE];
        }
        // The bar scale is computed only if read (`bar_scale`), but its room is made here, with the
        // picture: reading it must never grow memory under views JS already holds.
        let want = self.bids.len().max(self.asks.len()) * BAR_SCALE_STRIDE;
        self.bar_scale.reserve(want.saturating_sub(self.bar_scale.len()));
        self.bar_scale_current = false;
        let want = (self.bids.len() + self.asks.len()) * VOLUME_STRIDE;
        self.level_volume.reserve(want.saturating_sub(self.level_volume.len()));
        self.level_volume_current = false;
        self.picture_current = true;
    }

    /// Running maxima from the touch over both sides, read from the laid-out doubles (so a scale is
    /// exactly the level it comes from; values are monotonic in lots, so the maxima agree).
    fn bar_scales(&mut self) {
        let deepest = self.bids.len().max(self.asks.len());
        self.bar_scale.resize(deepest * BAR_SCALE_STRIDE, 0.0);
        let (bids, asks) = self.levels.split_at(self.bids.len() * LEVEL_STRIDE);
        let (mut bid, mut ask) = (bids.chunks_exact(LEVEL_STRIDE), asks.chunks_exact(LEVEL_STRIDE));
        let (mut max_size, mut bid_cum, mut ask_cum) = (0.0f64, 0.0f64, 0.0f64);
        for out in self.bar_scale.chunks_exact_mut(BAR_SCALE_STRIDE) {
            if let Some(l) = bid.next() {
                max_size = max_size.max(l[level::SIZE]);
                bid_cum = l[level::CUMULATIVE];
            }
            if let Some(l) = ask.next() {
                max_size = max_size.max(l[level::SIZE]);
                ask_cum = l[level::CUMULATIVE];
            }
            out[bar_scale::SIZE] = max_size;
            out[bar_scale::CUMULATIVE] = bid_cum.max(ask_cum);
        }
    }

    /// Silence after which `tick` marks the book stale (the server heartbeats at least every second).
    pub fn set_stale_after_ms(&mut self, ms: f64) {
        self.stale_after_ms = if ms.is_finite() { ms.max(0.0) } else { 3000.0 };
    }

    pub fn set_smoothing_ms(&mut self, ms: f64) {
        self.smoothing_ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
    }

    /// Forget the sequence (a new connection may be a restarted server counting from 1 again).
    pub fn reset_sequence(&mut self) {
        self.last_seq = None;
    }

    /// The levels view, brought up to date first.
    pub fn levels(&mut self) -> &[f64] {
        self.refresh();
        &self.levels
    }
    /// See [`MarketEngine::bar_scale`]'s field: `BAR_SCALE_STRIDE` f64 per depth, deepest side's length.
    /// Computed when read, once per picture; never allocates (room is made with the picture).
    pub fn bar_scale(&mut self) -> &[f64] {
        self.refresh();
        if !self.bar_scale_current {
            self.bar_scales();
            self.bar_scale_current = true;
        }
        &self.bar_scale
    }
    /// Forget every print kept and the session's volume (a replay seek: the stream jumped).
    /// Take only a frame's heat columns and prints into the heatmap's history (a replay seek rebuilding
    /// the minutes before the seek point), after the same verification as `ingest_frame`.
    pub fn ingest_heat_only(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        let frame = decode_frame(bytes)?;
        plausible(&frame).map_err(FrameError::OutOfRange)?;
        self.heat.ingest(&frame);
        Ok(())
    }

    /// The heatmap's history and painter.
    pub fn heat(&mut self) -> &mut HeatHistory {
        &mut self.heat
    }

    pub fn reset_tape(&mut self) {
        self.tape.clear();
        self.level_volume_current = false;
    }

    /// Keep the last `n` prints (default 500, at most `trade_tape::MAX_CAPACITY`).
    pub fn set_tape_capacity(&mut self, n: u32) {
        self.tape.set_capacity(n as usize);
    }

    /// How the tape view aggregates, filters and flags (see `TradeTape::set_view`).
    pub fn set_tape_view(&mut self, window_ms: f64, min_notional: f64, large_notional: f64) {
        self.tape.set_view(window_ms, min_notional, large_notional);
    }

    /// The tape view's rows, newest first (`trade_tape::ROW_STRIDE` f64 each), brought up to date.
    pub fn tape_rows(&mut self) -> &[f64] {
        self.refresh();
        self.tape.rows()
    }

    /// Per laid-out level (bids then asks, as `levels`), the session's taker-buy and taker-sell size
    /// traded at its prices (`VOLUME_STRIDE` each). A print above the best bid and below the best ask
    /// belongs to no level. Computed when read; never grows memory (room is made with the picture).
    pub fn level_volume(&mut self) -> &[f64] {
        self.refresh();
        if !self.level_volume_current {
            self.level_volumes();
            self.level_volume_current = true;
        }
        &self.level_volume
    }

    fn level_volumes(&mut self) {
        let (nb, na) = (self.bids.len(), self.asks.len());
        self.level_volume.clear();
        self.level_volume.resize((nb + na) * VOLUME_STRIDE, 0.0);
        let price_step = self.increments.map_or(Increment::new(1, 0), |(_, _, step, _)| step);
        let size_step = self.increments.map_or(Increment::new(1, 0), |(_, _, _, step)| step);
        let g = self.group_ticks;
        // The touch as sent, in ticks: a print at or below the best bid is a bid level's, at or
        // above the best ask an ask level's (grouped as the picture groups: bids floor, asks ceil).
        let best_bid = (nb > 0).then(|| price_step.count(self.summary[summary::BEST_BID]));
        let best_ask = (na > 0).then(|| price_step.count(self.summary[summary::BEST_ASK]));
        for (ticks, (buy, sell)) in self.tape.volume_prices() {
            let slot = if best_bid.is_some_and(|b| ticks <= b) {
                let bucket = ticks.div_euclid(g) * g;
                // Bids are best (highest) first.
                self.bids.binary_search_by(|&(p, _)| bucket.cmp(&p)).ok()
            } else if best_ask.is_some_and(|a| ticks >= a) {
                let bucket = -((-ticks).div_euclid(g)) * g;
                self.asks.binary_search_by(|&(p, _)| p.cmp(&bucket)).ok().map(|i| nb + i)
            } else {
                None
            };
            if let Some(i) = slot {
                let out = &mut self.level_volume[i * VOLUME_STRIDE..(i + 1) * VOLUME_STRIDE];
                out[level_volume::BUY] += size_step.value(buy);
                out[level_volume::SELL] += size_step.value(sell);
            }
        }
    }

    /// The summary, brought up to date first (level counts come from the grouped picture).
    pub fn summary(&mut self) -> &[f64; summary::LEN] {
        self.refresh();
        &self.summary
    }
    pub fn symbol(&self) -> &str {
        &self.symbol
    }
}

/// Smallest and largest tick or lot size accepted: the engine recovers increments of up to 12
/// decimals (`Increment::from_f64`), and no market trades in steps of a trillion.
pub const MIN_INCREMENT: f64 = 1e-12;
pub const MAX_INCREMENT: f64 = 1e12;
/// A price or size must be at most this many increments: integers above it are not exact in f64.
const MAX_INCREMENTS: f64 = 9_007_199_254_740_992.0; // 2^53

/// A frame that verified may still carry numbers no market has — NaN, ∞, 0 or 1e−300 as a tick size,
/// an infinite or negative price — which would turn into garbage ticks or a "live" book of nonsense.
fn plausible(f: &tickframe_schema::OrderbookFrame<'_>) -> Result<(), &'static str> {
    let (tick, lot) = (f.tick_size(), f.lot_size());
    let increment = |x: f64| x.is_finite() && (MIN_INCREMENT..=MAX_INCREMENT).contains(&x);
    if !increment(tick) {
        return Err("tick size must be a finite number in [1e-12, 1e12]");
    }
    if !increment(lot) {
        return Err("lot size must be a finite number in [1e-12, 1e12]");
    }
    for side in [f.bids(), f.asks()].into_iter().flatten() {
        for l in side.iter() {
            let (p, q) = (l.price(), l.size());
            if !(p.is_finite() && p >= tick && p / tick <= MAX_INCREMENTS) {
                return Err("a level's price must be finite, at least one tick and at most 2^53 ticks");
            }
            if !(q.is_finite() && q >= 0.0 && q / lot <= MAX_INCREMENTS) {
                return Err("a level's size must be finite, not negative and at most 2^53 lots");
            }
        }
    }
    let summary = [f.best_bid(), f.best_ask(), f.mid_price(), f.spread(), f.bid_total_size(), f.ask_total_size(), f.imbalance()];
    if summary.iter().any(|x| !x.is_finite()) {
        return Err("best bid/ask, mid, spread, totals and imbalance must be finite");
    }
    Ok(())
}

/// The one spelling of a symbol two names are compared in: letters and digits, upper case, no `PERP`
/// suffix, `XBT` as `BTC` (the server's `instrument::symbol_key`, which `/ws?symbol=` matches with).
pub fn symbol_key(s: &str) -> String {
    let up: String = s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    let up = up.strip_suffix("PERP").map(String::from).unwrap_or(up);
    up.replace("XBT", "BTC")
}
