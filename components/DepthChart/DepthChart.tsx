'use client';
import { useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';

import { compactFormatter, decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import { labelDecimals, niceMarks } from './axisMarks.js';
import { barMax, type Level } from '../store/bookPicture.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './DepthChart.css';

/** A point under the cursor: a level and its side. */
export interface DepthPoint {
  side: 'bid' | 'ask';
  price: number;
  cumulative: number;
}

export interface DepthChartProps {
  store: MarketStore;
  /** Chart size in CSS pixels. Default 360 × 180. */
  width?: number;
  height?: number;
  /** Called when the hovered or keyboard-selected level changes (link it to a ladder), or null on leave. */
  onHover?: (point: DepthPoint | null) => void;
  /** Locale for number formatting. Default: the user's. */
  locale?: string;
}

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

/** Room for the cumulative-size axis (left) and the price axis (bottom), in px. */
const AXIS_LEFT = 44;
const AXIS_BOTTOM = 16;

/** Where a label at `x` hangs from, so it stays within [left, right]. */
function anchor(x: number, left: number, right: number): 'start' | 'middle' | 'end' {
  if (x - left < 30) return 'start';
  if (right - x < 30) return 'end';
  return 'middle';
}

/** Size labels: the lot's decimals where they fit, compact (12.3K) where the numbers are large. */
function sizeLabel(value: number, step: number, lotDecimals: number, locale?: string): string {
  if (value >= 10_000) return compactFormatter(locale).format(value);
  return fixedFormatter(labelDecimals(step, lotDecimals), locale).format(value);
}

/**
 * Cumulative depth of both sides as step curves, over a price axis (marks on whole multiples of the
 * tick size) and a cumulative-size axis, with the mid price marked and the spread shaded. A crossed
 * book (best bid ≥ best ask) is not drawn: the chart says so instead. Keyboard: focus the chart,
 * Left/Right step through levels.
 */
export function DepthChart({ store, width = 360, height = 180, onHover, locale }: DepthChartProps) {
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => !showsLive(s));
  const [cursor, setCursor] = useState<number | null>(null);

  const model = useMemo(() => {
    if (!book || book.bids.length === 0 || book.asks.length === 0) return null;
    if (book.bids[0].price >= book.asks[0].price) return { crossed: true as const };
    const lo = book.bids[book.bids.length - 1].price;
    const hi = book.asks[book.asks.length - 1].price;
    // The engine's one scale for both sides over the whole book.
    const maxCum = barMax(book, Math.max(book.bids.length, book.asks.length), 'cumulative') || 1;
    const plotW = Math.max(1, width - AXIS_LEFT);
    const plotH = Math.max(1, height - AXIS_BOTTOM);
    const x = (p: number) => AXIS_LEFT + ((p - lo) / (hi - lo || 1)) * plotW;
    const y = (c: number) => plotH - (c / maxCum) * (plotH - 4);
    const priceTicks = niceMarks(lo, hi, Math.max(2, Math.floor(plotW / 90)), book.tickSize);
    const sizeTicks = niceMarks(0, maxCum, Math.max(2, Math.floor(plotH / 40)));
    // All levels by price, for hover and keyboard stepping.
    const points: DepthPoint[] = [
      ...book.bids.map((l) => ({ side: 'bid' as const, price: l.price, cumulative: l.cumulative })).reverse(),
      ...book.asks.map((l) => ({ side: 'ask' as const, price: l.price, cumulative: l.cumulative })),
    ];
    return {
      crossed: false as const,
      x,
      y,
      plotH,
      points,
      priceTicks,
      sizeTicks,
      bidPath: stepPath(book.bids, x, y),
      askPath: stepPath(book.asks, x, y),
    };
  }, [book, width, height]);

  const fmt = fixedFormatter(decimalsOf(book?.tickSize ?? 0.01), locale);
  const sizeFmt = fixedFormatter(decimalsOf(book?.lotSize ?? 1), locale);
  const points = model && !model.crossed ? model.points : [];
  const selected = cursor !== null ? points[Math.min(cursor, points.length - 1)] : undefined;

  const select = (i: number | null) => {
    const next = i === null || points.length === 0 ? null : Math.max(0, Math.min(points.length - 1, i));
    setCursor(next);
    onHover?.(next === null ? null : points[next]);
  };
  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    if (!model || model.crossed) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - rect.left) / rect.width) * width; // in viewBox units, like model.x
    let best = 0;
    points.forEach((p, i) => {
      if (Math.abs(model.x(p.price) - px) < Math.abs(model.x(points[best].price) - px)) best = i;
    });
    select(best);
  };
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const mid = Math.floor(points.length / 2);
    if (e.key === 'ArrowLeft') select((cursor ?? mid) - 1);
    else if (e.key === 'ArrowRight') select((cursor ?? mid - 1) + 1);
    else if (e.key === 'Escape') select(null);
    else return;
    e.preventDefault();
  };

  const summary =
    book && model && !model.crossed
      ? `Depth chart: bids from ${fmt.format(book.bids[0].price)} (${sizeFmt.format(book.bids[book.bids.length - 1].cumulative)} in view), asks from ${fmt.format(book.asks[0].price)} (${sizeFmt.format(book.asks[book.asks.length - 1].cumulative)}), mid ${fixedFormatter(decimalsOf(book.tickSize) + 1, locale).format(book.mid)}`
      : 'Depth chart';

  return (
    <div className={`tf-depth${stale ? ' tf-depth--stale' : ''}`} style={{ width }}>
      {model?.crossed ? (
        <p role="alert" className="tf-depth__message">
          Crossed book (best bid ≥ best ask): depth hidden until it uncrosses
        </p>
      ) : !model ? (
        <p className="tf-depth__message">Waiting for a two-sided book…</p>
      ) : (
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={summary}
          tabIndex={0}
          onMouseMove={onMove}
          onMouseLeave={() => select(null)}
          onKeyDown={onKey}
          onBlur={() => select(null)}
        >
          <path
            d={`${model.bidPath}L${model.x(book!.bids[book!.bids.length - 1].price)},${model.plotH}Z`}
            className="tf-depth__area tf-depth__area--bid"
          />
          <path
            d={`${model.askPath}L${model.x(book!.asks[book!.asks.length - 1].price)},${model.plotH}Z`}
            className="tf-depth__area tf-depth__area--ask"
          />
          <path d={model.bidPath} className="tf-depth__line tf-depth__line--bid" />
          <path d={model.askPath} className="tf-depth__line tf-depth__line--ask" />
          {/* The spread: no liquidity between the touches; the mid price marked inside it. */}
          <rect
            className="tf-depth__spread"
            data-testid="depth-spread"
            x={model.x(book!.bids[0].price)}
            width={Math.max(0, model.x(book!.asks[0].price) - model.x(book!.bids[0].price))}
            y={0}
            height={model.plotH}
          />
          <line className="tf-depth__mid" data-testid="depth-mid" x1={model.x(book!.mid)} x2={model.x(book!.mid)} y1={0} y2={model.plotH} />
          <g className="tf-depth__axis tf-depth__axis--price" data-testid="depth-price-axis">
            <line x1={AXIS_LEFT} x2={width} y1={model.plotH} y2={model.plotH} />
            {model.priceTicks.values.map((v) => (
              // Labels near an edge are anchored to stay inside the chart.
              <text key={v} x={model.x(v)} y={height - 3} textAnchor={anchor(model.x(v), AXIS_LEFT, width)} data-value={v}>
                {fixedFormatter(labelDecimals(model.priceTicks.step, decimalsOf(book!.tickSize)), locale).format(v)}
              </text>
            ))}
          </g>
          <g className="tf-depth__axis tf-depth__axis--size" data-testid="depth-size-axis">
            <line x1={AXIS_LEFT} x2={AXIS_LEFT} y1={0} y2={model.plotH} />
            {model.sizeTicks.values.map((v) => (
              <text key={v} x={AXIS_LEFT - 4} y={Math.max(10, model.y(v) + 4)} textAnchor="end" data-value={v}>
                {sizeLabel(v, model.sizeTicks.step, decimalsOf(book!.lotSize), locale)}
              </text>
            ))}
          </g>
          {selected && <line x1={model.x(selected.price)} x2={model.x(selected.price)} y1={0} y2={model.plotH} className="tf-depth__cursor" />}
        </svg>
      )}
      <div className="tf-depth__readout" aria-live="polite" data-testid="depth-readout">
        {selected
          ? `${selected.side === 'bid' ? 'Bid' : 'Ask'} ${fmt.format(selected.price)} · cumulative ${sizeFmt.format(selected.cumulative)}`
          : '\u00a0'}
      </div>
    </div>
  );
}
