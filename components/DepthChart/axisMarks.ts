/**
 * Axis marks a person reads at a glance: steps of 1, 2 or 5 × 10ⁿ, and on the price axis whole
 * multiples of the instrument's tick size, so every label is a price the book can hold.
 */
import { decimalsOf } from '../format/priceFormat.js';

/** Tick values within [lo, hi], about `count` of them, on a step that is a multiple of `increment`. */
export function niceMarks(lo: number, hi: number, count: number, increment = 0): { values: number[]; step: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi) || count < 1) return { values: [], step: 0 };
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude) as number;
  if (increment > 0) step = Math.max(increment, Math.round(step / increment) * increment);
  // Integer arithmetic in units of `step`'s decimals, so 0.1 + 0.2 never prints 0.30000000000000004.
  const d = decimalsOf(step);
  const scale = 10 ** d;
  const first = Math.ceil((lo * scale) / Math.round(step * scale)) * Math.round(step * scale);
  const values: number[] = [];
  for (let v = first; v <= hi * scale + 1e-9; v += Math.round(step * scale)) values.push(v / scale);
  return { values, step };
}

/** Decimals for labels on this step, never more than the instrument's own. */
export function labelDecimals(step: number, instrumentDecimals: number): number {
  return Math.min(decimalsOf(step), instrumentDecimals);
}
