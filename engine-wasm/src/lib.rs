//! tickframe-engine: the browser side of the wire. JS calls `ingest_frame` once per frame, then reads
//! the whole book through two typed views (`levels`, `summary`) over WASM memory: one boundary
//! crossing per frame, not one per field.

pub mod grouping;
pub mod market_engine;
pub mod trade_tape;

use wasm_bindgen::prelude::*;

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
