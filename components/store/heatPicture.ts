/**
 * The heatmap's side of the engine: the viewport a paint draws, what it gives back (the pixels to
 * blit, the overlay's coordinates, the scale), and the readout under a pointer. The engine computes
 * every coordinate; the component only draws them.
 */
import type { Engine } from '../engine/initEngine.js';
import { HEAT_INFO as H, heatInfo, heatOverlay, heatPixels } from '../engine/engineMemory.js';

/** What one paint draws. */
export interface HeatViewport {
  /** Picture size in device pixels. */
  width: number;
  height: number;
  /** Width of one column (one heat interval), px. Default 2. */
  columnPx: number;
  /** Prices at the top and bottom edge (quote currency). */
  priceTop: number;
  priceBottom: number;
  /** The column at the right edge (its `seq`); absent or 0: the newest (following the market). */
  rightSeq?: number;
}

/** The history the engine keeps, as the last frame left it. */
export interface HeatState {
  /** Newest and oldest column kept (`seq`, 0 before any), and how many are kept. */
  newestSeq: number;
  oldestSeq: number;
  columns: number;
  bins: number;
  /** Price width of a bin, and a column's length (ms). */
  binSize: number;
  intervalMs: number;
  /** The newest column: its end (ms since the epoch, the frames' clock), lowest price, touch. */
  newestEndMs: number;
  newestLowPrice: number;
  newestBid: number;
  newestAsk: number;
  /** Intervals this client never received (a gap in the numbering). */
  missed: number;
  /** Kept columns whose book was ever resyncing or stale. */
  notLive: number;
  /** The last paint's colour scale, in base units at its foot and head (the window's p5 and p99). */
  scaleLow: number;
  scaleHigh: number;
  /** +1 whenever the pixels changed. */
  version: number;
  /** The last paint's rightmost column. */
  rightSeq: number;
}

/** One paint's result. `pixels` is a view into the engine's memory: blit it at once, keep nothing. */
export interface HeatPaint {
  changed: boolean;
  pixels: Uint8ClampedArray<ArrayBuffer>;
  state: HeatState;
  /** Print circles, `MARK_STRIDE` f64 each: x, y, radius, side (0 buy, 1 sell), notional. */
  marks: Float64Array;
  /** Best bid and ask per visible column, `TOUCH_STRIDE` f64 each: x, bid y, ask y (NaN: none). */
  touch: Float64Array;
}

/** What is under a point of the last paint. */
export interface HeatReadout {
  /** The column's `seq` (0: none there), its end (ms; NaN for a gap) and status. */
  seq: number;
  endMs: number;
  status: 'live' | 'resyncing' | 'stale' | 'gap';
  /** The bin's price, and the largest size resting in it during the interval (NaN: no data). */
  price: number;
  size: number;
}

export function readHeatState(info: Float64Array): HeatState {
  return {
    newestSeq: info[H.NEWEST_SEQ],
    oldestSeq: info[H.OLDEST_SEQ],
    columns: info[H.COLUMNS],
    bins: info[H.BINS],
    binSize: info[H.BIN_SIZE],
    intervalMs: info[H.INTERVAL_MS],
    newestEndMs: info[H.NEWEST_END_MS],
    newestLowPrice: info[H.NEWEST_LOW_PRICE],
    newestBid: info[H.NEWEST_BID],
    newestAsk: info[H.NEWEST_ASK],
    missed: info[H.MISSED],
    notLive: info[H.NOT_LIVE_COLUMNS],
    scaleLow: info[H.SCALE_LOW_LOTS] * info[H.LOT_SIZE],
    scaleHigh: info[H.SCALE_HIGH_LOTS] * info[H.LOT_SIZE],
    version: info[H.VERSION],
    rightSeq: info[H.RIGHT_SEQ],
  };
}

/** Paint `v` in the engine and read back what a component draws. */
export function paintHeat(engine: Engine, memory: WebAssembly.Memory, v: HeatViewport): HeatPaint {
  const w = Math.max(1, Math.floor(v.width));
  const h = Math.max(1, Math.floor(v.height));
  const changed = engine.paint_heat(w, h, Math.max(1, Math.floor(v.columnPx)), v.priceTop, v.priceBottom, v.rightSeq ?? 0);
  const info = heatInfo(engine, memory);
  const overlay = heatOverlay(engine, memory, info[H.MARKS], info[H.TOUCH_POINTS]);
  // Last: the other reads may grow (detach) memory, the pixels' view must be made after them.
  return { changed, pixels: heatPixels(engine, memory), state: readHeatState(info), ...overlay };
}

const STATUS: HeatReadout['status'][] = ['live', 'resyncing', 'stale'];

export function readHeatReadout(engine: Engine, memory: WebAssembly.Memory, x: number, y: number): HeatReadout {
  engine.heat_readout(x, y);
  const info = heatInfo(engine, memory);
  return {
    seq: info[H.READOUT_SEQ],
    endMs: info[H.READOUT_END_MS],
    status: STATUS[info[H.READOUT_STATUS]] ?? 'gap',
    price: info[H.READOUT_PRICE],
    size: info[H.READOUT_SIZE],
  };
}
