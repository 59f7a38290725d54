/**
 * The one owner of the engine's memory contract in TypeScript: where its input buffer, summary,
 * levels and bar scales live in WASM memory and how they are laid out (the layout is generated from
 * the Rust, `engineLayout.generated.ts`). Everything else reads the engine through these functions.
 *
 * Views are made per read: WASM memory growth detaches old ones, and nothing may run in the engine
 * between making a view and reading it.
 */
import { rejectedCode, type Engine } from './initEngine.js';
import {
  BAR_SCALE,
  BAR_SCALE_STRIDE,
  HEAT_INFO,
  LEVEL,
  LEVEL_STRIDE,
  LEVEL_VOLUME,
  MARK,
  MARK_STRIDE,
  PALETTE_LEN,
  ROW,
  ROW_FLAG,
  ROW_STRIDE,
  SUMMARY,
  TOUCH_STRIDE,
  VOLUME_STRIDE,
} from './engineLayout.generated.js';

export {
  BAR_SCALE_STRIDE,
  HEAT_INFO,
  LEVEL_STRIDE,
  LEVEL_VOLUME,
  MARK,
  MARK_STRIDE,
  PALETTE_LEN,
  ROW,
  ROW_FLAG,
  ROW_STRIDE,
  SUMMARY,
  TOUCH_STRIDE,
  VOLUME_STRIDE,
};

/**
 * `count` laid-out levels from `from`, read from a copy of the levels view (`levelsAndScales`), each
 * built by `make` from its fields (one object per level: the paint path allocates nothing else).
 */
export function readLevels<T>(
  levels: Float64Array,
  from: number,
  count: number,
  make: (price: number, size: number, cumulative: number, change: number) => T,
): T[] {
  const out: T[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = (from + i) * LEVEL_STRIDE;
    out[i] = make(levels[o + LEVEL.PRICE], levels[o + LEVEL.SIZE], levels[o + LEVEL.CUMULATIVE], levels[o + LEVEL.CHANGE]);
  }
  return out;
}

/** Depths in a bar-scale copy, and the scale for a view of `depth` levels a side (1-based). */
export function barScaleDepths(barScale: Float64Array): number {
  return barScale.length / BAR_SCALE_STRIDE;
}
export function barScaleAt(barScale: Float64Array, depth: number, by: 'size' | 'cumulative'): number {
  return barScale[(depth - 1) * BAR_SCALE_STRIDE + (by === 'size' ? BAR_SCALE.SIZE : BAR_SCALE.CUMULATIVE)];
}

/** The engine's summary: one f64 per `SUMMARY` slot. */
export function summaryView(engine: Engine, memory: WebAssembly.Memory): Float64Array {
  // The address first: asking for it brings the picture up to date, which may grow (detach) memory.
  const ptr = engine.summary_ptr();
  return new Float64Array(memory.buffer, ptr, SUMMARY.LEN);
}

/** The last picture's levels, bids then asks, `LEVEL_STRIDE` f64s each, and the bar scales for
 * depths 1..`depths` (`BAR_SCALE_STRIDE` each), copied: the engine rewrites both on its next tick. */
export function levelsAndScales(
  engine: Engine,
  memory: WebAssembly.Memory,
  levels: number,
  depths: number,
): { levels: Float64Array; barScale: Float64Array } {
  // Addresses first, views after: asking for an address may grow (detach) memory.
  const levelsPtr = engine.levels_ptr();
  const scalePtr = engine.bar_scale_ptr();
  return {
    levels: new Float64Array(memory.buffer, levelsPtr, levels * LEVEL_STRIDE),
    barScale: new Float64Array(memory.buffer, scalePtr, depths * BAR_SCALE_STRIDE).slice(),
  };
}

/** The session's traded size per laid-out level (bids then asks, `VOLUME_STRIDE` f64 each: taker
 * buy, taker sell), copied: the engine rewrites it with the next picture. */
export function levelVolume(engine: Engine, memory: WebAssembly.Memory, levels: number): Float64Array {
  const ptr = engine.level_volume_ptr();
  return new Float64Array(memory.buffer, ptr, levels * VOLUME_STRIDE).slice();
}

/** The tape view's `rows` rows, newest first (`ROW_STRIDE` f64 each), copied. */
export function tapeRows(engine: Engine, memory: WebAssembly.Memory, rows: number): Float64Array {
  const ptr = engine.tape_rows_ptr();
  return new Float64Array(memory.buffer, ptr, rows * ROW_STRIDE).slice();
}

/** The heatmap's info slots (`HEAT_INFO`), copied. */
export function heatInfo(engine: Engine, memory: WebAssembly.Memory): Float64Array {
  const ptr = engine.heat_info_ptr();
  return new Float64Array(memory.buffer, ptr, HEAT_INFO.LEN).slice();
}

/** The painted pixels as a view for `putImageData` (valid until the engine's next call: blit at once). */
export function heatPixels(engine: Engine, memory: WebAssembly.Memory): Uint8ClampedArray<ArrayBuffer> {
  const len = engine.heat_pixels_len();
  const ptr = engine.heat_pixels_ptr();
  return new Uint8ClampedArray(memory.buffer as ArrayBuffer, ptr, len);
}

/** The last paint's print marks (`MARK_STRIDE` each) and touch line (`TOUCH_STRIDE` per column), copied. */
export function heatOverlay(engine: Engine, memory: WebAssembly.Memory, marks: number, touch: number): { marks: Float64Array; touch: Float64Array } {
  const marksPtr = engine.heat_marks_ptr();
  const touchPtr = engine.heat_touch_ptr();
  return {
    marks: new Float64Array(memory.buffer, marksPtr, marks * MARK_STRIDE).slice(),
    touch: new Float64Array(memory.buffer, touchPtr, touch * TOUCH_STRIDE).slice(),
  };
}

/** Bytes the engine's palette takes: `PALETTE_LEN` RGBA entries and the hatching's. */
export const PALETTE_BYTES = (PALETTE_LEN + 1) * 4;

/**
 * Frames written straight into the engine's input buffer: no allocation per frame. The buffer only
 * grows and stays put until it does, so in steady state a frame is one copy and one call.
 */
export class EngineInput {
  private view: Uint8Array | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /** Ingest `bytes`: the engine's outcome code, or its error text when it rejected the frame. */
  ingest(bytes: Uint8Array, receivedMs: number): number | string {
    this.place(bytes);
    const code = this.engine.ingest_input(bytes.byteLength, receivedMs);
    return code === rejectedCode() ? this.engine.last_error() : code;
  }

  /** Only the frame's heat columns and prints into the heatmap's history (a seek's rebuild): 0, or the error text. */
  ingestHeat(bytes: Uint8Array): number | string {
    this.place(bytes);
    const code = this.engine.ingest_heat_input(bytes.byteLength);
    return code === rejectedCode() ? this.engine.last_error() : code;
  }

  private place(bytes: Uint8Array) {
    let view = this.view;
    if (!view || view.buffer !== this.memory.buffer || view.length < bytes.byteLength) {
      // Grow (or find) the buffer first: that call may move it or grow (detach) memory.
      const ptr = this.engine.input_buffer(bytes.byteLength);
      view = this.view = new Uint8Array(this.memory.buffer, ptr, Math.max(bytes.byteLength, view?.length ?? 0));
    }
    view.set(bytes);
  }
}
