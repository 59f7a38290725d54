/**
 * DepthChart's model: every coordinate the chart draws, computed from one book picture and a size.
 * Pure and framework-free (as lightweight-charts' models are); `DepthChart.tsx` only draws what this returns.
 */
import { barMax, type BookPicture, type Level } from '../store/bookPicture.js';
import { niceMarks } from './axisMarks.js';

/** A point under the cursor: a level and its side. */
export interface DepthPoint {
  side: 'bid' | 'ask';
  price: number;
  cumulative: number;
}

/** Room for the cumulative-size axis (left) and the price axis (bottom), in px. */
export const AXIS_LEFT = 44;
export const AXIS_BOTTOM = 16;
/** Headroom above the tallest curve, so its top edge is not clipped. */
const TOP_PAD = 4;
/** A label within this many px of an edge hangs inwards from it. */
const LABEL_EDGE = 30;
/** About one price mark per this many px of plot width, one size mark per this many px of height. */
const PX_PER_PRICE_MARK = 90;
const PX_PER_SIZE_MARK = 40;
/** Size labels are drawn this far left of the axis and below their mark (half a line), and never above this y. */
const SIZE_LABEL_GAP = 4;
const SIZE_LABEL_DROP = 4;
const SIZE_LABEL_MIN_Y = 10;
/** Price labels sit this far above the chart's bottom edge. */
const PRICE_LABEL_LIFT = 3;

/** One axis mark: its value and where it is drawn. */
export interface AxisMark {
  value: number;
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
}

/** Everything DepthChart draws for a two-sided, uncrossed book. */
export interface DepthGeometry {
  kind: 'drawn';
  width: number;
  height: number;
  plot: { left: number; right: number; bottom: number };
  /** Price → x and cumulative size → y, in viewBox units. */
  x: (price: number) => number;
  y: (cumulative: number) => number;
  /** Step curves from each touch outwards, and the same closed down to the axis for the shaded areas. */
  bidLine: string;
  askLine: string;
  bidArea: string;
  askArea: string;
  /** The spread's band between the touches, and the mid price's x inside it. */
  spread: { x: number; width: number };
  midX: number;
  priceMarks: { step: number; marks: AxisMark[] };
  sizeMarks: { step: number; marks: AxisMark[] };
  /** All levels in price order (bids far → near, then asks near → far), for hover and keyboard stepping. */
  points: DepthPoint[];
}

/** Why nothing is drawn: no two-sided book yet, or a crossed one (best bid ≥ best ask). */
export type DepthModel = { kind: 'waiting' } | { kind: 'crossed' } | DepthGeometry;

/** SVG step path for one side's cumulative curve, from the touch outwards. */
export function stepPath(levels: Level[], x: (p: number) => number, y: (c: number) => number): string {
  if (levels.length === 0) return '';
  let d = `M${x(levels[0].price).toFixed(1)},${y(0).toFixed(1)}`;
  let prev = 0;
  for (const l of levels) {
    const px = x(l.price).toFixed(1);
    d += `L${px},${y(prev).toFixed(1)}L${px},${y(l.cumulative).toFixed(1)}`;
    prev = l.cumulative;
  }
  return d;
}

/** Where a label at `x` hangs from, so it stays within [left, right]. */
export function labelAnchor(x: number, left: number, right: number): 'start' | 'middle' | 'end' {
  if (x - left < LABEL_EDGE) return 'start';
  if (right - x < LABEL_EDGE) return 'end';
  return 'middle';
}

/** The chart's geometry for `book` at `width` × `height` CSS px. */
export function depthModel(book: BookPicture | null, width: number, height: number): DepthModel {
  if (!book || book.bids.length === 0 || book.asks.length === 0) return { kind: 'waiting' };
  if (book.bids[0].price >= book.asks[0].price) return { kind: 'crossed' };
  const lo = book.bids[book.bids.length - 1].price;
  const hi = book.asks[book.asks.length - 1].price;
  // The engine's one scale for both sides over the whole book.
  const maxCum = barMax(book, Math.max(book.bids.length, book.asks.length), 'cumulative') || 1;
  const plotW = Math.max(1, width - AXIS_LEFT);
  const bottom = Math.max(1, height - AXIS_BOTTOM);
  const x = (p: number) => AXIS_LEFT + ((p - lo) / (hi - lo || 1)) * plotW;
  const y = (c: number) => bottom - (c / maxCum) * (bottom - TOP_PAD);
  const bidLine = stepPath(book.bids, x, y);
  const askLine = stepPath(book.asks, x, y);
  const price = niceMarks(lo, hi, Math.max(2, Math.floor(plotW / PX_PER_PRICE_MARK)), book.tickSize);
  const size = niceMarks(0, maxCum, Math.max(2, Math.floor(bottom / PX_PER_SIZE_MARK)));
  const bidX = x(book.bids[0].price);
  return {
    kind: 'drawn',
    width,
    height,
    plot: { left: AXIS_LEFT, right: width, bottom },
    x,
    y,
    bidLine,
    askLine,
    bidArea: `${bidLine}L${x(lo)},${bottom}Z`,
    askArea: `${askLine}L${x(hi)},${bottom}Z`,
    spread: { x: bidX, width: Math.max(0, x(book.asks[0].price) - bidX) },
    midX: x(book.mid),
    priceMarks: {
      step: price.step,
      marks: price.values.map((value) => ({
        value,
        x: x(value),
        y: height - PRICE_LABEL_LIFT,
        anchor: labelAnchor(x(value), AXIS_LEFT, width),
      })),
    },
    sizeMarks: {
      step: size.step,
      marks: size.values.map((value) => ({
        value,
        x: AXIS_LEFT - SIZE_LABEL_GAP,
        y: Math.max(SIZE_LABEL_MIN_Y, y(value) + SIZE_LABEL_DROP),
        anchor: 'end' as const,
      })),
    },
    points: [
      ...book.bids.map((l) => ({ side: 'bid' as const, price: l.price, cumulative: l.cumulative })).reverse(),
      ...book.asks.map((l) => ({ side: 'ask' as const, price: l.price, cumulative: l.cumulative })),
    ],
  };
}

/** Index of the level drawn nearest to `px` (viewBox units), or -1 when there are none. */
export function nearestPoint(model: DepthGeometry, px: number): number {
  let best = -1;
  let bestDistance = Infinity;
  model.points.forEach((p, i) => {
    const distance = Math.abs(model.x(p.price) - px);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

/** The level a keyboard step lands on: from the middle when nothing is selected, clamped to the ends. */
export function stepPoint(model: DepthGeometry, cursor: number | null, key: 'ArrowLeft' | 'ArrowRight'): number | null {
  const n = model.points.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const next = key === 'ArrowLeft' ? (cursor ?? mid) - 1 : (cursor ?? mid - 1) + 1;
  return Math.max(0, Math.min(n - 1, next));
}
