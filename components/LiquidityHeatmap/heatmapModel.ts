/**
 * The heatmap's geometry, pure: zoom steps, the price window (following the market with hysteresis,
 * or panned by hand), price ↔ pixel row, and the texts a screen reader hears. The engine computes
 * every pixel and mark; this decides only what window it is asked to draw.
 */
import { niceMarks } from '../DepthChart/axisMarks.js';
import type { HeatReadout, HeatState } from '../store/heatPicture.js';

/** Column widths (px per heat interval) the time zoom steps through. */
export const COLUMN_PX_STEPS = [1, 2, 3, 4, 6, 8, 12] as const;
/** Pixels per price bin the price zoom steps through. */
export const BIN_PX_STEPS = [1, 2, 3, 4, 6, 8, 12, 16] as const;

/** The next step from `current` in `dir` (+1 in, −1 out), clamped to the steps. */
export function zoomStep(steps: readonly number[], current: number, dir: 1 | -1): number {
  let i = steps.findIndex((s) => s >= current);
  if (i < 0) i = steps.length - 1;
  return steps[Math.max(0, Math.min(steps.length - 1, i + dir))];
}

/** Prices at the picture's top and bottom edge. */
export interface PriceWindow {
  top: number;
  bottom: number;
}

/**
 * The window following `mid`: centred on it, recentred only when it leaves the middle half (so the
 * picture scrolls in time instead of being redrawn for every move of the touch), its centre on a
 * whole bin so rows keep their prices.
 */
export function followWindow(prev: PriceWindow | null, mid: number, heightPx: number, pricePerPx: number, binSize: number): PriceWindow {
  const span = heightPx * pricePerPx;
  if (prev && Math.abs(prev.top - prev.bottom - span) < span * 1e-9) {
    const quarter = span / 4;
    if (mid <= prev.top - quarter && mid >= prev.bottom + quarter) return prev;
  }
  const centre = binSize > 0 ? Math.round(mid / binSize) * binSize : mid;
  return { top: centre + span / 2, bottom: centre - span / 2 };
}

/** The window moved by `rows` pixel rows (positive: up, to higher prices). */
export function panWindow(w: PriceWindow, rows: number, pricePerPx: number): PriceWindow {
  const d = rows * pricePerPx;
  return { top: w.top + d, bottom: w.bottom + d };
}

/** Pixel row of `price` (0 at the top), and back. */
export function yOfPrice(w: PriceWindow, heightPx: number, price: number): number {
  return ((w.top - price) / (w.top - w.bottom)) * heightPx;
}
export function priceOfY(w: PriceWindow, heightPx: number, y: number): number {
  return w.top - (y / heightPx) * (w.top - w.bottom);
}

/** What a screen reader hears for the picture as a whole. */
export function heatSummary(
  s: HeatState,
  symbol: string,
  w: PriceWindow | null,
  fmtPrice: (p: number) => string,
  fmtSize: (q: number) => string,
): string {
  if (s.columns === 0 || !w) return `Liquidity heatmap${symbol ? ` of ${symbol}` : ''}: waiting for heat columns`;
  const seconds = Math.round((s.columns * s.intervalMs) / 1000);
  const parts = [
    `Liquidity heatmap of ${symbol || 'the market'}: the last ${seconds} s in ${s.columns} columns of ${s.intervalMs} ms`,
    `prices ${fmtPrice(w.bottom)} to ${fmtPrice(w.top)}, bins of ${fmtPrice(s.binSize)}`,
    `colour from ${fmtSize(s.scaleLow)} to ${fmtSize(s.scaleHigh)} or more resting`,
  ];
  if (s.newestBid > 0 && s.newestAsk > 0) parts.push(`best bid ${fmtPrice(s.newestBid)}, best ask ${fmtPrice(s.newestAsk)}`);
  if (s.notLive > 0) parts.push(`${s.notLive} intervals resyncing or stale (hatched)`);
  if (s.missed > 0) parts.push(`${s.missed} intervals missing`);
  return parts.join('; ') + '.';
}

/** The readout line for the cell under the crosshair or keyboard cursor. */
export function readoutText(
  r: HeatReadout,
  fmtPrice: (p: number) => string,
  fmtSize: (q: number) => string,
  fmtTime: (ms: number) => string,
): string {
  if (r.seq === 0) return '';
  if (r.status === 'gap') return `${fmtPrice(r.price)}: no data for this interval`;
  const size = Number.isFinite(r.size) ? fmtSize(r.size) : '—';
  const status = r.status === 'live' ? '' : ` (${r.status})`;
  return `${fmtTime(r.endMs)} · ${fmtPrice(r.price)} · ${size} resting${status}`;
}

/** Time steps the time axis picks from (ms): round seconds and minutes. */
const TIME_STEPS = [1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/** Where the axes' labels go: prices at pixel rows (multiples of the bin size), times at pixel columns. */
export interface HeatAxes {
  prices: { y: number; value: number }[];
  times: { x: number; ms: number }[];
}

/**
 * The axis marks for a picture whose right edge is the end of the column ending at `rightEndMs`:
 * about one price label per 40 px (whole bins, so every label is a bin's price) and one time label
 * per ~120 px on a round second or minute.
 */
export function heatAxes(
  w: PriceWindow,
  heightPx: number,
  binSize: number,
  rightEndMs: number,
  intervalMs: number,
  widthPx: number,
  columnPx: number,
): HeatAxes {
  const prices = niceMarks(w.bottom, w.top, Math.max(1, Math.floor(heightPx / 40)), binSize > 0 ? binSize : 0).values.map((value) => ({
    y: yOfPrice(w, heightPx, value),
    value,
  }));
  const times: HeatAxes['times'] = [];
  if (intervalMs > 0 && columnPx > 0 && Number.isFinite(rightEndMs) && rightEndMs > 0) {
    const msPerPx = intervalMs / columnPx;
    const step = TIME_STEPS.find((s) => s / msPerPx >= 120) ?? TIME_STEPS[TIME_STEPS.length - 1];
    const leftMs = rightEndMs - widthPx * msPerPx;
    for (let t = Math.ceil(leftMs / step) * step; t <= rightEndMs; t += step) times.push({ x: widthPx - (rightEndMs - t) / msPerPx, ms: t });
  }
  return { prices, times };
}
