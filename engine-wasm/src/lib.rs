//! tickframe-engine: the browser side of the wire. JS calls `ingest_frame` once per frame, then reads
//! the whole book through two typed views (`levels`, `summary`) over WASM memory: one boundary
//! crossing per frame, not one per field.

pub mod grouping;
pub mod heat_history;
pub mod market_engine;
pub mod trade_tape;

use wasm_bindgen::prelude::*;

pub use heat_history::{heat_info, Viewport, MARK_STRIDE, TOUCH_STRIDE};
pub use market_engine::{summary, IngestOutcome, MarketEngine, BAR_SCALE_STRIDE, LEVEL_STRIDE, VOLUME_STRIDE};
pub use trade_tape::ROW_STRIDE;

/// The engine handle JS holds. Free it with `.free()` (the store's `dispose()` does).
#[wasm_bindgen]
pub struct Engine {
    core: MarketEngine,
    /// Reused landing buffer for frames: JS copies a frame straight into WASM memory, no allocation.
    input: Vec<u8>,
    /// Why the last `ingest_input` returned `REJECTED`.
    last_error: String,
}

/// `ingest_input`'s code for a frame that failed verification (after `IngestOutcome`'s codes).
#[wasm_bindgen]
pub fn rejected_code() -> u8 {
    REJECTED
}
const REJECTED: u8 = 255;

#[wasm_bindgen]
impl Engine {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Engine {
        Engine { core: MarketEngine::new(), input: Vec::new(), last_error: String::new() }
    }

    /// Verify and apply one frame. Returns the outcome code (see `IngestOutcome`); throws on a frame
    /// that fails verification, leaving the last good state in place.
    pub fn ingest_frame(&mut self, bytes: &[u8], received_ms: f64) -> Result<u8, JsError> {
        self.core.ingest_frame(bytes, received_ms).map(|o| o as u8).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Make room for a frame of `len` bytes in the reused input buffer and return its address.
    /// JS writes the frame there (re-creating its view first: this call may grow memory), then calls
    /// `ingest_input`. The buffer only grows (to at most 1 MiB), so steady state costs nothing here;
    /// a larger frame is rejected by `ingest_input`.
    pub fn input_buffer(&mut self, len: usize) -> usize {
        if self.input.len() < len {
            self.input.resize(len.min(1 << 20), 0);
        }
        self.input.as_ptr() as usize
    }

    /// `ingest_frame` for the first `len` bytes of the input buffer. Returns the `IngestOutcome` code,
    /// or `rejected_code()` (see `last_error()`): a plain number, so the hot path throws nothing.
    pub fn ingest_input(&mut self, len: usize, received_ms: f64) -> u8 {
        let Some(bytes) = self.input.get(..len) else {
            self.last_error = format!("frame of {len} bytes is larger than the input buffer");
            return REJECTED;
        };
        match self.core.ingest_frame(bytes, received_ms) {
            Ok(outcome) => outcome as u8,
            Err(e) => {
                self.last_error = e.to_string();
                REJECTED
            }
        }
    }

    /// Why the last `ingest_input` was rejected.
    pub fn last_error(&self) -> String {
        self.last_error.clone()
    }

    /// Advance smoothed values and staleness to `now_ms` (the clock frames' receive times use; call
    /// once per animation frame).
    pub fn tick(&mut self, now_ms: f64) {
        self.core.tick(now_ms);
    }

    /// Group levels into buckets of `multiple` ticks (bids floor, asks ceil); 1 = as sent.
    pub fn set_grouping(&mut self, multiple: u32) {
        self.core.set_grouping(multiple);
    }

    /// Silence (ms) after which `tick(now)` marks the book stale (summary slot `STALE`).
    pub fn set_stale_after_ms(&mut self, ms: f64) {
        self.core.set_stale_after_ms(ms);
    }

    /// The window for the windowed imbalance: the top `levels` a side, or (levels 0) the levels within
    /// `bps` basis points of mid.
    pub fn set_imbalance_window(&mut self, levels: u32, bps: f64) {
        self.core.set_imbalance_window(levels, bps);
    }

    /// The imbalance over any window of the current picture, in exact lots (not eased): the top
    /// `levels` a side, or (levels 0) the levels within `bps` basis points of mid.
    pub fn imbalance_over(&self, levels: u32, bps: f64) -> f64 {
        self.core.imbalance_over(levels, bps)
    }

    pub fn set_smoothing_ms(&mut self, ms: f64) {
        self.core.set_smoothing_ms(ms);
    }

    /// Show only this symbol's frames (see `MarketEngine::set_expected_symbol`); "" for any.
    pub fn set_expected_symbol(&mut self, symbol: &str) {
        self.core.set_expected_symbol(symbol);
    }

    pub fn reset_sequence(&mut self) {
        self.core.reset_sequence();
    }

    /// Byte offset in WASM memory of the levels array: bids (best first) then asks, `LEVEL_STRIDE` f64 each.
    pub fn levels_ptr(&mut self) -> usize {
        self.core.levels().as_ptr() as usize
    }

    /// Byte offset in WASM memory of the bar scales: per depth d (1-based), `bar_scale_stride()` f64s —
    /// the largest size and the largest cumulative size on either side within d levels of the touch.
    /// As many depths as the deeper side has levels.
    pub fn bar_scale_ptr(&mut self) -> usize {
        self.core.bar_scale().as_ptr() as usize
    }

    /// Byte offset in WASM memory of the summary array (`summary::LEN` f64s).
    pub fn summary_ptr(&mut self) -> usize {
        self.core.summary().as_ptr() as usize
    }

    pub fn symbol(&self) -> String {
        self.core.symbol().to_string()
    }

    /// Forget every print kept (a replay seek): the next frames' windows rebuild the tape.
    pub fn reset_tape(&mut self) {
        self.core.reset_tape();
    }

    /// Keep the last `n` prints on the tape (default 500).
    pub fn set_tape_capacity(&mut self, n: u32) {
        self.core.set_tape_capacity(n);
    }

    /// The tape view: aggregate prints of one side within `window_ms` of a run's first (0: raw),
    /// leave out rows under `min_notional` (0: none), flag rows at or above `large_notional`
    /// (0: the view's own 95th percentile). Notionals in quote currency, compared exactly.
    pub fn set_tape_view(&mut self, window_ms: f64, min_notional: f64, large_notional: f64) {
        self.core.set_tape_view(window_ms, min_notional, large_notional);
    }

    /// Byte offset in WASM memory of the tape view: `summary::TAPE_ROWS` rows, newest first,
    /// `tape_row_stride()` f64 each.
    pub fn tape_rows_ptr(&mut self) -> usize {
        self.core.tape_rows().as_ptr() as usize
    }

    /// `ingest_input`, taking only the frame's heat columns and prints into the heatmap's history (a
    /// replay seek rebuilding the minutes before it). Returns 0, or `rejected_code()`.
    pub fn ingest_heat_input(&mut self, len: usize) -> u8 {
        let Some(bytes) = self.input.get(..len) else { return REJECTED };
        match self.core.ingest_heat_only(bytes) {
            Ok(()) => 0,
            Err(e) => {
                self.last_error = e.to_string();
                REJECTED
            }
        }
    }

    /// Keep the last `n` heat columns (default 600, at most 3600); forgets the history.
    pub fn set_heat_capacity(&mut self, n: u32) {
        self.core.heat().set_capacity(n as usize);
    }

    /// Forget the heat history (a replay seek; the frames that follow rebuild it).
    pub fn reset_heat(&mut self) {
        self.core.heat().clear();
    }

    /// The heatmap's colours: 256 RGBA entries low to high, then the hatching's (1028 bytes).
    pub fn set_heat_palette(&mut self, rgba: &[u8]) {
        self.core.heat().set_palette(rgba);
    }

    /// Paint the heatmap: `width × height` pixels, a column `column_px` wide, prices `price_top` at
    /// the top edge and `price_bottom` at the bottom, the rightmost column `right_seq` (0: the newest).
    /// Returns whether the pixels changed (only then does the component blit them).
    pub fn paint_heat(&mut self, width: u32, height: u32, column_px: u32, price_top: f64, price_bottom: f64, right_seq: f64) -> bool {
        let right_seq = (right_seq.is_finite() && right_seq >= 1.0).then_some(right_seq as u64);
        let view = Viewport { width: width as usize, height: height as usize, column_px: column_px as usize, price_top, price_bottom, right_seq };
        self.core.heat().paint(view)
    }

    /// Byte offset in WASM memory of the painted RGBA pixels (`width × height × 4` bytes).
    pub fn heat_pixels_ptr(&mut self) -> usize {
        self.core.heat().pixels().as_ptr() as usize
    }

    pub fn heat_pixels_len(&mut self) -> usize {
        self.core.heat().pixels().len()
    }

    /// Byte offset in WASM memory of the heat info (`heat_info::LEN` f64s).
    pub fn heat_info_ptr(&mut self) -> usize {
        self.core.heat().info().as_ptr() as usize
    }

    /// Byte offset of the last paint's print marks (`heat_mark_stride()` f64 each, `heat_info::MARKS` of them).
    pub fn heat_marks_ptr(&mut self) -> usize {
        self.core.heat().print_marks().as_ptr() as usize
    }

    /// Byte offset of the last paint's touch line (`heat_touch_stride()` f64 per column).
    pub fn heat_touch_ptr(&mut self) -> usize {
        self.core.heat().touch_line().as_ptr() as usize
    }

    /// What is under pixel (x, y) of the last paint, into the heat info's `READOUT_*` slots.
    pub fn heat_readout(&mut self, x: f64, y: f64) {
        self.core.heat().readout(x, y);
    }

    /// Byte offset in WASM memory of the traded volume per laid-out level (as `levels`),
    /// `volume_stride()` f64 each: the session's taker-buy and taker-sell size at that level.
    pub fn level_volume_ptr(&mut self) -> usize {
        self.core.level_volume().as_ptr() as usize
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// Number of f64 per level in the levels view.
#[wasm_bindgen]
pub fn level_stride() -> usize {
    LEVEL_STRIDE
}

/// Number of f64 per depth in the bar-scale view.
#[wasm_bindgen]
pub fn bar_scale_stride() -> usize {
    BAR_SCALE_STRIDE
}

/// Number of f64 slots in the summary view.
#[wasm_bindgen]
pub fn summary_len() -> usize {
    summary::LEN
}

/// Number of f64 per row in the tape view.
#[wasm_bindgen]
pub fn tape_row_stride() -> usize {
    ROW_STRIDE
}

/// Number of f64 per level in the traded-volume view.
#[wasm_bindgen]
pub fn volume_stride() -> usize {
    VOLUME_STRIDE
}

/// Number of f64 slots in the heat info view.
#[wasm_bindgen]
pub fn heat_info_len() -> usize {
    heat_info::LEN
}

/// Number of f64 per print mark in the heat marks view.
#[wasm_bindgen]
pub fn heat_mark_stride() -> usize {
    MARK_STRIDE
}

/// Number of f64 per column in the heat touch view.
#[wasm_bindgen]
pub fn heat_touch_stride() -> usize {
    TOUCH_STRIDE
}
