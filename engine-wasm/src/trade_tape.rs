//! The tape: every print the frames carried, each kept once (by the server's `seq`), in a ring of
//! the last N, and a view of it laid out as flat f64 rows for typed views — aggregated by a time
//! window the view picks (aggr's rule: same side within the window, an opposite print closes the
//! run), filtered by a minimum notional (exact, in integer ticks × lots), the largest flagged.
//!
//! Frames repeat the recent prints (the server's window), so a skipped frame or a late join loses
//! nothing inside the window; a jump in `seq` beyond it is a gap, marked on the row after it.
//! Steady state allocates nothing: the ring and the rows are sized with the capacity.

use crate::grouping::Increment;

/// Prints kept unless the view asks for another number (`set_capacity`).
pub const DEFAULT_CAPACITY: usize = 500;
/// The most prints a tape keeps (a view asking for more gets this many).
pub const MAX_CAPACITY: usize = 20_000;
/// Distinct prices the session's volume-at-price keeps; past it the price farthest from the last
/// trade is forgotten (counted), so a long session's memory stays bounded.
pub const MAX_VOLUME_PRICES: usize = 16_384;

/// Floats per row in [`TradeTape::rows`].
pub const ROW_STRIDE: usize = 8;

/// Offsets of a row's fields within its [`ROW_STRIDE`] slots.
pub mod row {
    /// Exchange time of the run's first print, ms since the Unix epoch.
    pub const TIME_MS: usize = 0;
    /// Price of the run's last print (how far a sweep reached).
    pub const PRICE: usize = 1;
    /// Size summed over the run, in the book's unit.
    pub const SIZE: usize = 2;
    /// Price × size summed over the run, in quote currency (exact in ticks × lots, then one rounding).
    pub const NOTIONAL: usize = 3;
    /// 0 taker buy, 1 taker sell.
    pub const SIDE: usize = 4;
    /// Bits of `row_flag`.
    pub const FLAGS: usize = 5;
    /// Prints in the run (a print the server aggregated counts once).
    pub const COUNT: usize = 6;
    /// The server's `seq` of the run's first print: stable while the run grows (a row key).
    pub const FIRST_SEQ: usize = 7;
}

/// Bits of a row's `FLAGS`.
pub mod row_flag {
    /// A print in the run was aggregated by the server (a burst larger than its window).
    pub const AGGREGATED: u32 = 1;
    /// Prints are missing before this row: the venue's ids skipped, the server dropped a burst's
    /// oldest prints, or this client missed more than the server's window.
    pub const GAP_BEFORE: u32 = 2;
    /// Notional at or above the view's large-print threshold.
    pub const LARGE: u32 = 4;
}

/// The wire's `Trade::flags` bits (schema/orderbook.fbs): the same bits as a row's, so a run's flags
/// are its prints' flags or-ed together.
const WIRE_AGGREGATED: u8 = row_flag::AGGREGATED as u8;
const WIRE_GAP_BEFORE: u8 = row_flag::GAP_BEFORE as u8;
const WIRE_FLAGS: u8 = WIRE_AGGREGATED | WIRE_GAP_BEFORE;

/// One print as kept: exact integers in the frame's tick and lot.
#[derive(Debug, Clone, Copy, Default)]
struct Print {
    ticks: i64,
    lots: i64,
    /// ticks × lots, exact, and as quote currency: computed once, at ingest (the view reads it
    /// at every layout).
    units: i128,
    notional: f64,
    time_ms: f64,
    seq: u64,
    sell: bool,
    flags: u8,
}

/// One print as the frame carries it (decoded by the engine from the wire's `Trade`).
#[derive(Debug, Clone, Copy)]
pub struct WirePrint {
    pub price: f64,
    pub size: f64,
    pub time_ms: f64,
    pub seq: u64,
    pub sell: bool,
    pub flags: u8,
}

/// How the view shows the tape (`TradeTape::set_view`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ViewSettings {
    /// 0: every print its own row; else prints of one side within this many ms of a run's first.
    window_ms: f64,
    /// Rows below this notional are left out (`None`: none), as an exact decimal.
    min_notional: Option<Decimal>,
    /// Rows at or above this notional are flagged large; `None`: the view's own 95th percentile.
    large_notional: Option<Decimal>,
}

#[derive(Debug)]
pub struct TradeTape {
    ring: Vec<Print>,
    /// Index of the oldest print in `ring` once it is full (it is filled in order until then).
    head: usize,
    capacity: usize,
    /// The last `seq` kept (0: none yet).
    last_seq: u64,
    price_step: Increment,
    size_step: Increment,
    view: ViewSettings,
    rows: Vec<[f64; ROW_STRIDE]>,
    rows_current: bool,
    /// Each row's exact ticks × lots, in row order, and a copy the large-print percentile reorders
    /// (both sized with the capacity).
    notionals: Vec<i128>,
    sorted: Vec<i128>,
    /// The session's traded size at each price, sorted by ticks: (ticks, (taker buy lots, taker
    /// sell lots)). A sorted vector, not a hash map: prints land near the touch, the ladder reads
    /// ranges, and it keeps the engine's wasm small (no hasher).
    volume_at: Vec<(i64, (i64, i64))>,
    /// Prints this client never saw: the `seq` jumped by more than one between kept prints.
    pub missed: u64,
    /// Prints whose price or size was not a whole number of the book's ticks or lots.
    pub inexact: u64,
    /// Prices the volume-at-price forgot to stay bounded.
    pub volume_evicted: u64,
    /// Rows in the current view.
    pub row_count: usize,
    /// The large-print threshold the view used, in quote currency.
    pub large_threshold: f64,
    /// +1 with every layout of the rows: a reader that saw this version has these rows.
    pub version: u64,
}

impl TradeTape {
    pub fn new() -> TradeTape {
        let mut t = TradeTape {
            ring: Vec::new(),
            head: 0,
            capacity: 0,
            last_seq: 0,
            price_step: Increment::new(1, 0),
            size_step: Increment::new(1, 0),
            view: ViewSettings { window_ms: 0.0, min_notional: None, large_notional: None },
            rows: Vec::new(),
            rows_current: false,
            notionals: Vec::new(),
            sorted: Vec::new(),
            volume_at: Vec::with_capacity(1024),
            missed: 0,
            inexact: 0,
            volume_evicted: 0,
            row_count: 0,
            large_threshold: 0.0,
            version: 0,
        };
        t.set_capacity(DEFAULT_CAPACITY);
        t
    }

    /// Keep the last `n` prints (1..=[`MAX_CAPACITY`]). Prints kept so far stay, newest first.
    pub fn set_capacity(&mut self, n: usize) {
        let n = n.clamp(1, MAX_CAPACITY);
        if n == self.capacity {
            return;
        }
        let kept: Vec<Print> = self.in_order().collect();
        let from = kept.len().saturating_sub(n);
        self.ring = Vec::with_capacity(n);
        self.ring.extend_from_slice(&kept[from..]);
        self.head = 0;
        self.capacity = n;
        self.rows = Vec::with_capacity(n);
        self.notionals = Vec::with_capacity(n);
        self.sorted = Vec::with_capacity(n);
        self.rows_current = false;
    }

    /// Forget every print and the session's volume (a new stream: replay seek back, a restarted
    /// server, another market).
    pub fn clear(&mut self) {
        self.ring.clear();
        self.head = 0;
        self.last_seq = 0;
        self.volume_at.clear();
        self.rows_current = false;
    }

    /// Take a frame's window of prints. `trade_seq` is the frame's last assigned `seq`: below the
    /// last one kept, the stream restarted and the tape is rebuilt from this frame. Prices and
    /// sizes become integers in the frame's tick and lot once, here. Returns whether the tape changed.
    pub fn ingest(&mut self, prints: impl Iterator<Item = WirePrint>, trade_seq: u64, price_step: Increment, size_step: Increment) -> bool {
        let mut changed = false;
        if trade_seq < self.last_seq || price_step != self.price_step || size_step != self.size_step {
            self.clear();
            self.price_step = price_step;
            self.size_step = size_step;
            changed = true;
        }
        for w in prints {
            if w.seq <= self.last_seq {
                continue; // repeated by the window: kept already
            }
            let mut flags = w.flags;
            if self.last_seq != 0 && w.seq > self.last_seq + 1 {
                self.missed = self.missed.saturating_add(w.seq - self.last_seq - 1);
                flags |= WIRE_GAP_BEFORE;
            }
            let (ticks, lots) = (price_step.count(w.price), size_step.count(w.size));
            if price_step.value(ticks) != w.price || size_step.value(lots) != w.size {
                self.inexact += 1;
            }
            self.last_seq = w.seq;
            let units = ticks as i128 * lots as i128;
            let notional = units_value(units, price_step, size_step);
            self.push(Print { ticks, lots, units, notional, time_ms: w.time_ms, seq: w.seq, sell: w.sell, flags });
            self.add_volume(ticks, lots, w.sell);
            changed = true;
        }
        changed
    }

    fn push(&mut self, p: Print) {
        if self.ring.len() < self.capacity {
            self.ring.push(p);
        } else {
            self.ring[self.head] = p;
            self.head = (self.head + 1) % self.capacity;
        }
        self.rows_current = false;
    }

    fn add_volume(&mut self, ticks: i64, lots: i64, sell: bool) {
        let mut at = self.volume_at.binary_search_by_key(&ticks, |e| e.0);
        if let Err(i) = at {
            let mut i = i;
            if self.volume_at.len() >= MAX_VOLUME_PRICES {
                // The price farthest from this trade (an end of the sorted list) is the least
                // likely on screen.
                let (lo, hi) = (self.volume_at[0].0, self.volume_at[self.volume_at.len() - 1].0);
                if ticks.abs_diff(lo) >= ticks.abs_diff(hi) {
                    self.volume_at.remove(0);
                    i = i.saturating_sub(1);
                } else {
                    self.volume_at.pop();
                    i = i.min(self.volume_at.len());
                }
                self.volume_evicted += 1;
            }
            self.volume_at.insert(i, (ticks, (0, 0)));
            at = Ok(i);
        }
        let Ok(i) = at else { return };
        let v = &mut self.volume_at[i].1;
        if sell {
            v.1 = v.1.saturating_add(lots);
        } else {
            v.0 = v.0.saturating_add(lots);
        }
    }

    /// Prints kept, oldest first.
    fn in_order(&self) -> impl Iterator<Item = Print> + '_ {
        let (newer, older) = self.ring.split_at(self.head.min(self.ring.len()));
        older.iter().chain(newer.iter()).copied()
    }

    /// Prints kept now.
    pub fn len(&self) -> usize {
        self.ring.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// The newest print kept: (price, side sell?, exchange time ms).
    pub fn last(&self) -> Option<(f64, bool, f64)> {
        let i = if self.ring.len() < self.capacity { self.ring.len().checked_sub(1)? } else { (self.head + self.capacity - 1) % self.capacity };
        let p = self.ring.get(i)?;
        Some((self.price_step.value(p.ticks), p.sell, p.time_ms))
    }

    /// Aggregate over `window_ms` (0: raw; negative or NaN: raw), leave out rows under
    /// `min_notional` (≤ 0: none), flag rows at or above `large_notional` (≤ 0: the view's own 95th
    /// percentile). Notionals are compared as exact decimals.
    pub fn set_view(&mut self, window_ms: f64, min_notional: f64, large_notional: f64) {
        let positive = |x: f64| (x.is_finite() && x > 0.0).then(|| Decimal::of(x)).flatten();
        let view = ViewSettings {
            window_ms: if window_ms.is_finite() { window_ms.max(0.0) } else { 0.0 },
            min_notional: positive(min_notional),
            large_notional: positive(large_notional),
        };
        if view != self.view {
            self.view = view;
            self.rows_current = false;
        }
    }

    /// The view's rows, newest first, [`ROW_STRIDE`] f64 each (`row_count` of them). Laid out when
    /// read, once per change; never grows memory (room is made with the capacity).
    pub fn rows(&mut self) -> &[f64] {
        self.refresh();
        self.rows.as_flattened()
    }

    /// Lay the rows out if prints or the view changed since; returns whether it did.
    pub fn refresh(&mut self) -> bool {
        if self.rows_current {
            return false;
        }
        self.rows_current = true;
        self.version += 1;
        let window = self.view.window_ms;
        let (price_step, size_step) = (self.price_step, self.size_step);
        // Runs oldest first; each run becomes a row when the next print does not join it.
        let mut rows = std::mem::take(&mut self.rows);
        let mut notionals = std::mem::take(&mut self.notionals);
        rows.clear();
        notionals.clear();
        let mut run: Option<Run> = None;
        let min = self.view.min_notional;
        let emit = |r: &Run, rows: &mut Vec<[f64; ROW_STRIDE]>, notionals: &mut Vec<i128>| {
            if let Some(m) = min {
                if !at_least(r.units, price_step, size_step, m) {
                    return;
                }
            }
            notionals.push(r.units);
            rows.push([
                r.time_ms,
                price_step.value(r.last_ticks),
                size_step.value(r.lots),
                r.notional.unwrap_or_else(|| units_value(r.units, price_step, size_step)),
                if r.sell { 1.0 } else { 0.0 },
                r.flags as f64,
                r.count as f64,
                r.first_seq as f64,
            ]);
        };
        for p in self.in_order() {
            let joins = match &run {
                // A gap starts a new row: it marks where prints are missing.
                Some(r) => window > 0.0 && r.sell == p.sell && p.flags & WIRE_GAP_BEFORE == 0 && p.time_ms - r.time_ms < window,
                None => false,
            };
            if joins {
                if let Some(r) = run.as_mut() {
                    r.last_ticks = p.ticks;
                    r.lots = r.lots.saturating_add(p.lots);
                    r.units = r.units.saturating_add(p.units);
                    r.notional = None; // a sum: converted once, when the row is written
                    r.count += 1;
                    r.flags |= p.flags & WIRE_FLAGS;
                }
            } else {
                if let Some(r) = run.take() {
                    emit(&r, &mut rows, &mut notionals);
                }
                run = Some(Run {
                    time_ms: p.time_ms,
                    first_seq: p.seq,
                    last_ticks: p.ticks,
                    lots: p.lots,
                    units: p.units,
                    notional: Some(p.notional),
                    count: 1,
                    sell: p.sell,
                    flags: p.flags & WIRE_FLAGS,
                });
            }
        }
        if let Some(r) = run.take() {
            emit(&r, &mut rows, &mut notionals);
        }
        self.row_count = rows.len();
        // Newest first.
        rows.reverse();
        notionals.reverse();
        // Large: at or above the view's threshold, or its own 95th percentile (one wall of prints
        // does not make everything else small; a quiet tape still flags its biggest).
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.clear();
        sorted.extend_from_slice(&notionals);
        // The top 5 % and above the median: a tape of equal prints has no large one.
        let percentile = (!sorted.is_empty()).then(|| {
            let n = sorted.len();
            let median = *sorted.select_nth_unstable(n / 2).1;
            let p95 = *sorted.select_nth_unstable((n * 95).div_ceil(100).min(n - 1)).1;
            p95.max(median.saturating_add(1))
        });
        self.sorted = sorted;
        self.large_threshold = match (self.view.large_notional, percentile) {
            (Some(m), _) => m.value(),
            (None, Some(u)) => units_value(u, price_step, size_step),
            (None, None) => 0.0,
        };
        for (r, &units) in rows.iter_mut().zip(notionals.iter()) {
            let large = match (self.view.large_notional, percentile) {
                (Some(m), _) => at_least(units, price_step, size_step, m),
                (None, Some(u)) => units >= u,
                (None, None) => false,
            };
            if large {
                r[row::FLAGS] = (r[row::FLAGS] as u32 | row_flag::LARGE) as f64;
            }
        }
        self.rows = rows;
        self.notionals = notionals;
        true
    }

    /// Every price with traded volume, in ticks, lowest first: (ticks, (taker buy lots, taker sell lots)).
    pub fn volume_prices(&self) -> impl Iterator<Item = (i64, (i64, i64))> + '_ {
        self.volume_at.iter().copied()
    }
}

impl Default for TradeTape {
    fn default() -> Self {
        Self::new()
    }
}

struct Run {
    time_ms: f64,
    first_seq: u64,
    last_ticks: i64,
    lots: i64,
    units: i128,
    /// A one-print run's notional as computed at ingest; `None` once prints were summed.
    notional: Option<f64>,
    count: u32,
    sell: bool,
    flags: u8,
}

/// `units` ticks × lots as quote currency: one rounding of the exact product.
fn units_value(units: i128, price_step: Increment, size_step: Increment) -> f64 {
    units as f64 * (price_step.units as f64 * size_step.units as f64) / 10f64.powi((price_step.decimals + size_step.decimals) as i32)
}

/// A threshold as the exact decimal its double prints as (what the user typed: 300.03, not
/// 300.02999999999997…): `units × 10^-decimals`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Decimal {
    units: i128,
    decimals: u32,
}

impl Decimal {
    /// The fewest decimals (up to 12) whose integer over that power of ten reads back as `x`
    /// exactly: what a user typed (300.03, 300.0300001). `None` for a value no notional has.
    fn of(x: f64) -> Option<Decimal> {
        let mut pow = 1.0f64;
        for decimals in 0..=12u32 {
            let units = (x * pow).round();
            if units.abs() < 1e30 && units / pow == x {
                return Some(Decimal { units: units as i128, decimals });
            }
            pow *= 10.0;
        }
        None
    }

    fn value(&self) -> f64 {
        self.units as f64 / 10f64.powi(self.decimals as i32)
    }
}

/// Whether `units` ticks × lots is at least the decimal `m`, exactly: both sides as integers over
/// one power of ten. Past i128 (no real print) the doubles decide.
fn at_least(units: i128, price_step: Increment, size_step: Increment, m: Decimal) -> bool {
    let d_units = price_step.decimals + size_step.decimals;
    let lhs = units.checked_mul(price_step.units as i128 * size_step.units as i128).and_then(|x| x.checked_mul(10i128.checked_pow(m.decimals)?));
    let rhs = 10i128.checked_pow(d_units).and_then(|p| m.units.checked_mul(p));
    match (lhs, rhs) {
        (Some(l), Some(r)) => l >= r,
        _ => units_value(units, price_step, size_step) >= m.value(),
    }
}
