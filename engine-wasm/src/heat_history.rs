//! The heatmap's history and painter: the server's heat columns kept in a ring (each `seq` once; a
//! jump is a gap, drawn as one), painted as RGBA into one buffer the component blits with
//! `putImageData` — never a `fillRect` per cell.
//!
//! - **Colour** is a log scale (the bins arrive as ln(1 + lots) already, see the schema) between the
//!   5th and 99th percentiles of the visible window's non-empty bins: one wall does not wash out the
//!   rest, and a thin book still shows its shape. The palette is the component's (CSS variables).
//! - **Incremental**: while the viewport and the scale stand, a paint scrolls the picture left by the
//!   new columns and draws only those; a change of viewport, scale or older columns redraws it all.
//! - **Honest**: a column whose book was ever resyncing or stale is hatched over grey, one with no
//!   book is hatched, a missing column stays transparent.
//! - **Prints** are kept with the column they arrived in (so a circle sits where the book was when
//!   the print was seen) and laid out as `[x, y, radius, side, notional]` for the overlay.

use tickframe_schema::{BookStatus, OrderbookFrame};

/// Default and largest number of columns kept.
pub const DEFAULT_CAPACITY: usize = 600;
pub const MAX_CAPACITY: usize = 3_600;
/// The quantisation scale of `heat_bins` (schema: q = round(ln(1 + lots) × 1024)).
pub const QUANT_SCALE: f64 = 1024.0;
/// Largest picture painted, in pixels (a 4K screen's worth).
pub const MAX_PIXELS: usize = 4096 * 2304;
/// Prints kept for the overlay.
pub const PRINT_CAPACITY: usize = 4_096;
/// Palette entries (RGBA each): the colour scale, low to high.
pub const PALETTE_LEN: usize = 256;

/// f64 slots per print mark in [`HeatHistory::print_marks`].
pub const MARK_STRIDE: usize = 5;
/// f64 slots per visible column in [`HeatHistory::touch_line`]: x (centre), best bid y, best ask y.
pub const TOUCH_STRIDE: usize = 3;

/// Indices into [`HeatHistory::info`].
pub mod heat_info {
    /// The newest column's `seq`, and the oldest kept (0 before any).
    pub const NEWEST_SEQ: usize = 0;
    pub const OLDEST_SEQ: usize = 1;
    /// Columns kept (gaps not counted).
    pub const COLUMNS: usize = 2;
    /// Bins per column, and the newest column's bin size and interval.
    pub const BINS: usize = 3;
    pub const BIN_SIZE: usize = 4;
    pub const INTERVAL_MS: usize = 5;
    /// The newest column's end (ms since the epoch), lowest price, best bid and ask.
    pub const NEWEST_END_MS: usize = 6;
    pub const NEWEST_LOW_PRICE: usize = 7;
    pub const NEWEST_BID: usize = 8;
    pub const NEWEST_ASK: usize = 9;
    /// Columns this client never saw (the `seq` jumped).
    pub const MISSED: usize = 10;
    /// The colour scale of the last paint: lots at its bottom and top (the window's p5 and p99).
    pub const SCALE_LOW_LOTS: usize = 11;
    pub const SCALE_HIGH_LOTS: usize = 12;
    /// +1 whenever the pixels changed; the last paint's column count drawn (all = a full redraw).
    pub const VERSION: usize = 13;
    pub const DRAWN_COLUMNS: usize = 14;
    /// The rightmost column's `seq` in the last paint.
    pub const RIGHT_SEQ: usize = 15;
    /// Print marks and touch points laid out by the last paint.
    pub const MARKS: usize = 16;
    pub const TOUCH_POINTS: usize = 17;
    /// The readout (`readout(x, y)`): the column's end (ms), the bin's price, its size (base units,
    /// NaN for no column), the column's status (0 live, 1 resyncing, 2 stale, −1 gap), its `seq`.
    pub const READOUT_END_MS: usize = 18;
    pub const READOUT_PRICE: usize = 19;
    pub const READOUT_SIZE: usize = 20;
    pub const READOUT_STATUS: usize = 21;
    pub const READOUT_SEQ: usize = 22;
    /// The lot size the sizes are in.
    pub const LOT_SIZE: usize = 23;
    /// Columns of the ring that were ever resyncing or stale, among those kept.
    pub const NOT_LIVE_COLUMNS: usize = 24;
    pub const LEN: usize = 25;
}

/// Offsets within a print mark's [`MARK_STRIDE`] slots.
pub mod mark {
    pub const X: usize = 0;
    pub const Y: usize = 1;
    pub const RADIUS: usize = 2;
    /// 0 taker buy, 1 taker sell.
    pub const SIDE: usize = 3;
    pub const NOTIONAL: usize = 4;
}

#[derive(Debug, Clone, Copy, Default)]
struct Column {
    seq: u64,
    end_ms: u64,
    low_price: f64,
    bin_size: f64,
    best_bid: f64,
    best_ask: f64,
    /// 0 live, 1 resyncing, 2 stale.
    status: u8,
    empty: bool,
}

#[derive(Debug, Clone, Copy)]
struct Print {
    column: u64,
    price: f64,
    size: f64,
    sell: bool,
}

/// What a paint draws: the picture's size, a column's width, the prices at its top and bottom edge,
/// and the rightmost column (`None`: the newest, following the market).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub width: usize,
    pub height: usize,
    pub column_px: usize,
    pub price_top: f64,
    pub price_bottom: f64,
    pub right_seq: Option<u64>,
}

impl Viewport {
    fn valid(&self) -> bool {
        self.width > 0
            && self.height > 0
            && self.width.saturating_mul(self.height) <= MAX_PIXELS
            && (1..=64).contains(&self.column_px)
            && self.price_top.is_finite()
            && self.price_bottom.is_finite()
            && self.price_top > self.price_bottom
    }
    fn columns(&self) -> usize {
        self.width.div_ceil(self.column_px)
    }
}

pub struct HeatHistory {
    capacity: usize,
    /// Slot `seq % capacity`; a slot whose `seq` is not the one asked for is a gap.
    columns: Vec<Column>,
    /// `capacity × bins` quantised sizes.
    bins: Vec<u16>,
    bin_count: usize,
    newest: u64,
    prints: Vec<Print>,
    print_head: usize,
    last_print_seq: u64,
    lot_size: f64,
    info: [f64; heat_info::LEN],
    palette: [[u8; 4]; PALETTE_LEN],
    hatch: [u8; 4],
    pixels: Vec<u8>,
    marks: Vec<f64>,
    touch: Vec<f64>,
    /// What the pixels show: the viewport, the scale (q at the bottom and top), the right column.
    painted: Option<(Viewport, u16, u16, u64)>,
    /// A column older than the painted right edge arrived (a join's history, a gap filled).
    older_changed: bool,
    /// Histogram scratch for the percentiles (q >> 6).
    histogram: Vec<u32>,
}

impl std::fmt::Debug for HeatHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeatHistory").field("newest", &self.newest).field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl Default for HeatHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl HeatHistory {
    pub fn new() -> Self {
        // A default palette (dark blue → cyan → yellow → white) until the component sets its theme's.
        let mut palette = [[0u8; 4]; PALETTE_LEN];
        for (i, p) in palette.iter_mut().enumerate() {
            let t = i as f64 / (PALETTE_LEN - 1) as f64;
            let ramp = |a: f64, b: f64, c: f64, d: f64| {
                let v = if t < 1.0 / 3.0 {
                    a + (b - a) * t * 3.0
                } else if t < 2.0 / 3.0 {
                    b + (c - b) * (t * 3.0 - 1.0)
                } else {
                    c + (d - c) * (t * 3.0 - 2.0)
                };
                v.round().clamp(0.0, 255.0) as u8
            };
            *p = [ramp(10.0, 0.0, 250.0, 255.0), ramp(20.0, 170.0, 220.0, 255.0), ramp(60.0, 220.0, 40.0, 255.0), 255];
        }
        Self {
            capacity: DEFAULT_CAPACITY,
            columns: Vec::new(),
            bins: Vec::new(),
            bin_count: 0,
            newest: 0,
            prints: Vec::new(),
            print_head: 0,
            last_print_seq: 0,
            lot_size: 1.0,
            info: [0.0; heat_info::LEN],
            palette,
            hatch: [128, 128, 128, 200],
            pixels: Vec::new(),
            marks: Vec::new(),
            touch: Vec::new(),
            painted: None,
            older_changed: false,
            histogram: vec![0; 1024],
        }
    }

    /// Keep `n` columns (1..=MAX_CAPACITY); forgets what was kept.
    pub fn set_capacity(&mut self, n: usize) {
        self.capacity = n.clamp(1, MAX_CAPACITY);
        self.clear();
    }

    /// Forget every column and print (a replay seek, a new stream).
    pub fn clear(&mut self) {
        self.columns.clear();
        self.bins.clear();
        self.bin_count = 0;
        self.newest = 0;
        self.prints.clear();
        self.print_head = 0;
        self.last_print_seq = 0;
        self.painted = None;
        let version = self.info[heat_info::VERSION];
        self.info = [0.0; heat_info::LEN];
        self.info[heat_info::VERSION] = version;
    }

    /// The palette: `PALETTE_LEN` RGBA entries, low to high, then one for the hatching (1028 bytes).
    pub fn set_palette(&mut self, rgba: &[u8]) {
        if rgba.len() < (PALETTE_LEN + 1) * 4 {
            return;
        }
        for (i, p) in self.palette.iter_mut().enumerate() {
            p.copy_from_slice(&rgba[i * 4..i * 4 + 4]);
        }
        self.hatch.copy_from_slice(&rgba[PALETTE_LEN * 4..PALETTE_LEN * 4 + 4]);
        self.painted = None;
    }

    pub fn info(&self) -> &[f64] {
        &self.info
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub fn print_marks(&self) -> &[f64] {
        &self.marks
    }

    pub fn touch_line(&self) -> &[f64] {
        &self.touch
    }

    fn slot(&self, seq: u64) -> Option<usize> {
        let i = (seq % self.capacity as u64) as usize;
        (seq > 0 && self.columns.get(i).is_some_and(|c| c.seq == seq)).then_some(i)
    }

    /// Take a verified frame's heat columns and prints.
    pub fn ingest(&mut self, frame: &OrderbookFrame<'_>) {
        self.lot_size = frame.lot_size();
        self.info[heat_info::LOT_SIZE] = self.lot_size;
        if let (Some(heat), Some(bins)) = (frame.heat(), frame.heat_bins()) {
            let mut offset = 0usize;
            for c in heat.iter() {
                let n = c.bin_count() as usize;
                let Some(end) = offset.checked_add(n).filter(|&e| e <= bins.len()) else {
                    break; // the bins do not hold this column: the rest of the frame's are left out
                };
                // Bins as many as this column's: a change of server settings starts the ring anew.
                if n != self.bin_count {
                    self.clear();
                    self.bin_count = n;
                }
                if c.seq().saturating_add(self.capacity as u64) <= self.newest || c.seq() == 0 {
                    offset = end;
                    continue; // older than the ring
                }
                if self.newest > 0 && c.seq() < self.newest.saturating_sub(100_000) {
                    self.clear(); // numbering went far back: a restarted stream
                    self.bin_count = n;
                }
                self.store(c, bins.iter().skip(offset).take(n));
                offset = end;
            }
            if !heat.is_empty() {
                self.recount();
            }
        }
        // Prints each once, with the column that is open as they arrive.
        let trade_seq = frame.trade_seq();
        if trade_seq < self.last_print_seq {
            self.prints.clear();
            self.print_head = 0;
            self.last_print_seq = 0;
        }
        if let Some(trades) = frame.trades() {
            for t in trades.iter().filter(|t| t.seq() > self.last_print_seq) {
                let p = Print { column: self.newest.saturating_add(1), price: t.price(), size: t.size(), sell: t.side().0 == 1 };
                if self.prints.len() < PRINT_CAPACITY {
                    self.prints.push(p);
                } else {
                    self.prints[self.print_head] = p;
                    self.print_head = (self.print_head + 1) % PRINT_CAPACITY;
                }
            }
        }
        self.last_print_seq = self.last_print_seq.max(trade_seq);
    }

    fn store(&mut self, c: &tickframe_schema::HeatColumn, q: impl Iterator<Item = u16>) {
        let seq = c.seq();
        if self.slot(seq).is_some() {
            return; // each seq once
        }
        if self.columns.is_empty() {
            self.columns = vec![Column::default(); self.capacity];
            self.bins = vec![0; self.capacity * self.bin_count];
        }
        let i = (seq % self.capacity as u64) as usize;
        let status = match c.status() {
            BookStatus::Live => 0,
            BookStatus::Resyncing => 1,
            _ => 2,
        };
        self.columns[i] = Column {
            seq,
            end_ms: c.end_ms(),
            low_price: c.low_price(),
            bin_size: c.bin_size(),
            best_bid: c.best_bid(),
            best_ask: c.best_ask(),
            status,
            empty: c.flags() & 1 != 0,
        };
        let n = self.bin_count;
        for (dst, v) in self.bins[i * n..(i + 1) * n].iter_mut().zip(q) {
            *dst = v;
        }
        if let Some((_, _, _, right)) = self.painted {
            if seq <= right {
                self.older_changed = true;
            }
        }
        if seq > self.newest {
            if self.newest > 0 && seq > self.newest.saturating_add(1) {
                self.info[heat_info::MISSED] += (seq - self.newest - 1) as f64;
            }
            self.newest = seq;
            let s = &mut self.info;
            s[heat_info::NEWEST_SEQ] = seq as f64;
            s[heat_info::BINS] = n as f64;
            s[heat_info::BIN_SIZE] = c.bin_size();
            s[heat_info::INTERVAL_MS] = c.interval_ms() as f64;
            s[heat_info::NEWEST_END_MS] = c.end_ms() as f64;
            s[heat_info::NEWEST_LOW_PRICE] = c.low_price();
            s[heat_info::NEWEST_BID] = c.best_bid();
            s[heat_info::NEWEST_ASK] = c.best_ask();
        }
    }

    /// The kept-column counts in the info (once per frame: a join frame's history is counted once).
    fn recount(&mut self) {
        let oldest = self.newest.saturating_sub(self.capacity as u64 - 1).max(1);
        let kept = (oldest..=self.newest).filter(|&s| self.slot(s).is_some());
        let (mut count, mut not_live, mut first) = (0.0, 0.0, 0u64);
        for s in kept {
            if first == 0 {
                first = s;
            }
            count += 1.0;
            if self.columns[(s % self.capacity as u64) as usize].status != 0 {
                not_live += 1.0;
            }
        }
        self.info[heat_info::OLDEST_SEQ] = first as f64;
        self.info[heat_info::COLUMNS] = count;
        self.info[heat_info::NOT_LIVE_COLUMNS] = not_live;
    }

    /// The colour scale of the visible columns: q at the 5th and 99th percentile of non-empty bins.
    fn scale(&mut self, right: u64, visible: usize) -> (u16, u16) {
        self.histogram.iter_mut().for_each(|h| *h = 0);
        let mut total = 0u32;
        let n = self.bin_count;
        for k in 0..visible as u64 {
            let Some(i) = right.checked_sub(k).and_then(|s| self.slot(s)) else { continue };
            for &q in &self.bins[i * n..(i + 1) * n] {
                if q > 0 {
                    self.histogram[(q >> 6) as usize] += 1;
                    total += 1;
                }
            }
        }
        if total == 0 {
            return (0, 1);
        }
        let at = |share: f64, h: &[u32]| {
            let want = (total as f64 * share).ceil().max(1.0) as u32;
            let mut seen = 0;
            for (b, &c) in h.iter().enumerate() {
                seen += c;
                if seen >= want {
                    return ((b as u32) << 6) as u16;
                }
            }
            u16::MAX
        };
        let low = at(0.05, &self.histogram);
        let high = (at(0.99, &self.histogram) as u32 + 63).min(u16::MAX as u32) as u16;
        (low, high.max(low.saturating_add(64)))
    }

    /// Paint `view` into the pixel buffer. Returns whether the pixels changed.
    pub fn paint(&mut self, view: Viewport) -> bool {
        self.marks.clear();
        self.touch.clear();
        if !view.valid() || self.bin_count == 0 {
            return false;
        }
        let visible = view.columns();
        let right = view.right_seq.unwrap_or(self.newest).min(self.newest.max(1));
        let len = view.width * view.height * 4;
        // Nothing new for the picture (most paints: a column comes every 100 ms, paints every 16 ms):
        // its scale is the one it was drawn with, not worth a pass over every visible bin.
        let (mut low, mut high) = match self.painted {
            Some((v, l, h, r))
                if v == Viewport { right_seq: v.right_seq, ..view } && r == right && !self.older_changed && self.pixels.len() == len =>
            {
                (l, h)
            }
            _ => self.scale(right, visible),
        };
        // The scale in use stands while the window's moves less than 3 % of its span: the picture
        // scrolls instead of being redrawn for every column.
        let incremental = match self.painted {
            Some((v, l, h, r))
                if v.width == view.width
                    && v.height == view.height
                    && v.column_px == view.column_px
                    && v.price_top == view.price_top
                    && v.price_bottom == view.price_bottom
                    && !self.older_changed
                    && self.pixels.len() == len
                    && right >= r
                    && right - r <= visible as u64 =>
            {
                let tolerance = (h.saturating_sub(l) as f64 * 0.03) as i32;
                if (low as i32 - l as i32).abs() <= tolerance && (high as i32 - h as i32).abs() <= tolerance {
                    (low, high) = (l, h);
                    Some(right - r)
                } else {
                    None
                }
            }
            _ => None,
        };
        let changed = match incremental {
            Some(0) => false,
            Some(k) => {
                // Scroll every row left by k columns, then draw the k new ones at the right.
                let shift = (k as usize * view.column_px).min(view.width) * 4;
                let row = view.width * 4;
                for y in 0..view.height {
                    self.pixels.copy_within(y * row + shift..(y + 1) * row, y * row);
                }
                for c in 0..k as usize {
                    self.draw_column(&view, right - c as u64, c, low, high);
                }
                self.info[heat_info::DRAWN_COLUMNS] = k as f64;
                true
            }
            None => {
                self.pixels.clear();
                self.pixels.resize(len, 0);
                for c in 0..visible {
                    let Some(seq) = right.checked_sub(c as u64) else { break };
                    self.draw_column(&view, seq, c, low, high);
                }
                self.info[heat_info::DRAWN_COLUMNS] = visible as f64;
                true
            }
        };
        self.older_changed = false;
        self.painted = Some((view, low, high, right));
        if changed {
            self.info[heat_info::VERSION] += 1.0;
        }
        self.info[heat_info::RIGHT_SEQ] = right as f64;
        self.info[heat_info::SCALE_LOW_LOTS] = (low as f64 / QUANT_SCALE).exp_m1();
        self.info[heat_info::SCALE_HIGH_LOTS] = (high as f64 / QUANT_SCALE).exp_m1();
        self.lay_out_overlay(&view, right, visible);
        changed
    }

    /// Draw column `seq` as the `c`-th from the right edge (0 = rightmost).
    fn draw_column(&mut self, view: &Viewport, seq: u64, c: usize, low: u16, high: u16) {
        let x1 = view.width.saturating_sub(c * view.column_px);
        let x0 = x1.saturating_sub(view.column_px);
        if x1 == 0 {
            return;
        }
        let row = view.width * 4;
        let clear = |px: &mut Vec<u8>| {
            for y in 0..view.height {
                px[y * row + x0 * 4..y * row + x1 * 4].fill(0);
            }
        };
        let Some(i) = self.slot(seq) else {
            clear(&mut self.pixels); // a gap stays a gap
            return;
        };
        let col = self.columns[i];
        let n = self.bin_count;
        let per_row = (view.price_top - view.price_bottom) / view.height as f64;
        let span = (high - low).max(1) as u32;
        let hatch = self.hatch;
        for y in 0..view.height {
            let price = view.price_top - (y as f64 + 0.5) * per_row;
            let b = ((price - col.low_price) / col.bin_size).round();
            let q = if col.empty || !(0.0..n as f64).contains(&b) { 0 } else { self.bins[i * n + b as usize] };
            let base = y * row;
            for x in x0..x1 {
                let stripe = (x + y) % 6 < 2;
                let rgba = if col.empty {
                    if stripe {
                        hatch
                    } else {
                        [0, 0, 0, 0]
                    }
                } else if q == 0 {
                    if col.status != 0 && stripe {
                        hatch
                    } else {
                        [0, 0, 0, 0]
                    }
                } else {
                    let idx = ((q.saturating_sub(low) as u32 * (PALETTE_LEN as u32 - 1)) / span).min(PALETTE_LEN as u32 - 1) as usize;
                    let p = self.palette[idx.max(1)];
                    if col.status == 0 {
                        p
                    } else if stripe {
                        hatch
                    } else {
                        // Greyed: the value's brightness without its hue.
                        let g = ((p[0] as u32 * 3 + p[1] as u32 * 6 + p[2] as u32) / 10) as u8;
                        [g, g, g, p[3]]
                    }
                };
                self.pixels[base + x * 4..base + x * 4 + 4].copy_from_slice(&rgba);
            }
        }
    }

    fn y_of(view: &Viewport, price: f64) -> f64 {
        (view.price_top - price) / (view.price_top - view.price_bottom) * view.height as f64
    }

    /// The best bid and ask per visible column, and the prints within the picture.
    fn lay_out_overlay(&mut self, view: &Viewport, right: u64, visible: usize) {
        let oldest = right.saturating_sub(visible as u64 - 1);
        for c in 0..visible {
            let Some(seq) = right.checked_sub(c as u64) else { break };
            let Some(i) = self.slot(seq) else { continue };
            let col = self.columns[i];
            let x = view.width as f64 - (c as f64 + 0.5) * view.column_px as f64;
            let y = |p: f64| if p > 0.0 { Self::y_of(view, p) } else { f64::NAN };
            self.touch.extend_from_slice(&[x, y(col.best_bid), y(col.best_ask)]);
        }
        self.info[heat_info::TOUCH_POINTS] = (self.touch.len() / TOUCH_STRIDE) as f64;
        // Radius by notional: the largest visible print gets 3 columns' width (at least 8 px).
        let in_view = |p: &Print| p.column >= oldest && p.column <= right.saturating_add(1);
        let largest = self.prints.iter().filter(|p| in_view(p)).map(|p| p.price * p.size).fold(0.0, f64::max);
        if largest <= 0.0 {
            self.info[heat_info::MARKS] = 0.0;
            return;
        }
        let max_r = (view.column_px as f64 * 3.0).max(8.0);
        for p in self.prints.iter().filter(|p| in_view(p)) {
            let notional = p.price * p.size;
            let c = right.saturating_add(1).saturating_sub(p.column) as f64; // the open column sits at the right edge
            let x = view.width as f64 - (c - 0.5) * view.column_px as f64;
            let y = Self::y_of(view, p.price);
            if !(0.0..=view.height as f64).contains(&y) || x < 0.0 {
                continue;
            }
            let r = (max_r * (notional / largest).sqrt()).max(1.5);
            self.marks.extend_from_slice(&[x.min(view.width as f64), y, r, if p.sell { 1.0 } else { 0.0 }, notional]);
        }
        self.info[heat_info::MARKS] = (self.marks.len() / MARK_STRIDE) as f64;
    }

    /// What is under pixel (x, y) of the last paint: into the `READOUT_*` slots.
    pub fn readout(&mut self, x: f64, y: f64) {
        let s = &mut self.info;
        (s[heat_info::READOUT_END_MS], s[heat_info::READOUT_PRICE], s[heat_info::READOUT_SIZE]) = (f64::NAN, f64::NAN, f64::NAN);
        (s[heat_info::READOUT_STATUS], s[heat_info::READOUT_SEQ]) = (-1.0, 0.0);
        let Some((view, _, _, right)) = self.painted else { return };
        if !(0.0..view.width as f64).contains(&x) || !(0.0..view.height as f64).contains(&y) {
            return;
        }
        // Pixel column px belongs to the c-th column from the right when px is in [w − (c+1)·cw, w − c·cw).
        let c = ((view.width - 1 - x.floor() as usize) / view.column_px) as u64;
        // The pixel row's centre, as the paint samples it.
        let price = view.price_top - (y.floor() + 0.5) / view.height as f64 * (view.price_top - view.price_bottom);
        let Some(seq) = right.checked_sub(c) else { return };
        self.info[heat_info::READOUT_SEQ] = seq as f64;
        let Some(i) = self.slot(seq) else {
            self.info[heat_info::READOUT_PRICE] = price;
            return;
        };
        let col = self.columns[i];
        let b = ((price - col.low_price) / col.bin_size).round();
        let n = self.bin_count;
        let s = &mut self.info;
        s[heat_info::READOUT_END_MS] = col.end_ms as f64;
        s[heat_info::READOUT_STATUS] = col.status as f64;
        if (0.0..n as f64).contains(&b) && !col.empty {
            s[heat_info::READOUT_PRICE] = col.low_price + b * col.bin_size;
            s[heat_info::READOUT_SIZE] = (self.bins[i * n + b as usize] as f64 / QUANT_SCALE).exp_m1() * self.lot_size;
        } else {
            s[heat_info::READOUT_PRICE] = price;
        }
    }
}
