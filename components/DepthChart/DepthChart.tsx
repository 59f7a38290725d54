'use client';
import { useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';

import { compactFormatter, decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import { labelDecimals } from './axisMarks.js';
import { depthModel, nearestPoint, stepPoint, type DepthPoint } from './depthModel.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './DepthChart.css';

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

  const model = useMemo(() => depthModel(book, width, height), [book, width, height]);
  const drawn = model.kind === 'drawn' ? model : null;

  const fmt = fixedFormatter(decimalsOf(book?.tickSize ?? 0.01), locale);
  const sizeFmt = fixedFormatter(decimalsOf(book?.lotSize ?? 1), locale);
  const points = drawn?.points ?? [];
  const selected = cursor !== null ? points[Math.min(cursor, points.length - 1)] : undefined;

  const select = (i: number | null) => {
    const next = i === null || points.length === 0 ? null : Math.max(0, Math.min(points.length - 1, i));
    setCursor(next);
    onHover?.(next === null ? null : points[next]);
  };
  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    if (!drawn) return;
    const rect = e.currentTarget.getBoundingClientRect();
    select(nearestPoint(drawn, ((e.clientX - rect.left) / rect.width) * width)); // in viewBox units, like drawn.x
  };
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') select(drawn && stepPoint(drawn, cursor, e.key));
    else if (e.key === 'Escape') select(null);
    else return;
    e.preventDefault();
  };

  const summary =
    book && drawn
      ? `Depth chart: bids from ${fmt.format(book.bids[0].price)} (${sizeFmt.format(book.bids[book.bids.length - 1].cumulative)} in view), asks from ${fmt.format(book.asks[0].price)} (${sizeFmt.format(book.asks[book.asks.length - 1].cumulative)}), mid ${fixedFormatter(decimalsOf(book.tickSize) + 1, locale).format(book.mid)}`
      : 'Depth chart';

  return (
    <div className={`tf-depth${stale ? ' tf-depth--stale' : ''}`} style={{ width }}>
      {model.kind === 'crossed' ? (
        <p role="alert" className="tf-depth__message">
          Crossed book (best bid ≥ best ask): depth hidden until it uncrosses
        </p>
      ) : !drawn || !book ? (
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
          <path d={drawn.bidArea} className="tf-depth__area tf-depth__area--bid" />
          <path d={drawn.askArea} className="tf-depth__area tf-depth__area--ask" />
          <path d={drawn.bidLine} className="tf-depth__line tf-depth__line--bid" />
          <path d={drawn.askLine} className="tf-depth__line tf-depth__line--ask" />
          {/* The spread: no liquidity between the touches; the mid price marked inside it. */}
          <rect
            className="tf-depth__spread"
            data-testid="depth-spread"
            x={drawn.spread.x}
            width={drawn.spread.width}
            y={0}
            height={drawn.plot.bottom}
          />
          <line className="tf-depth__mid" data-testid="depth-mid" x1={drawn.midX} x2={drawn.midX} y1={0} y2={drawn.plot.bottom} />
          <g className="tf-depth__axis tf-depth__axis--price" data-testid="depth-price-axis">
            <line x1={drawn.plot.left} x2={drawn.plot.right} y1={drawn.plot.bottom} y2={drawn.plot.bottom} />
            {drawn.priceMarks.marks.map((m) => (
              <text key={m.value} x={m.x} y={m.y} textAnchor={m.anchor} data-value={m.value}>
                {fixedFormatter(labelDecimals(drawn.priceMarks.step, decimalsOf(book.tickSize)), locale).format(m.value)}
              </text>
            ))}
          </g>
          <g className="tf-depth__axis tf-depth__axis--size" data-testid="depth-size-axis">
            <line x1={drawn.plot.left} x2={drawn.plot.left} y1={0} y2={drawn.plot.bottom} />
            {drawn.sizeMarks.marks.map((m) => (
              <text key={m.value} x={m.x} y={m.y} textAnchor={m.anchor} data-value={m.value}>
                {sizeLabel(m.value, drawn.sizeMarks.step, decimalsOf(book.lotSize), locale)}
              </text>
            ))}
          </g>
          {selected && <line x1={drawn.x(selected.price)} x2={drawn.x(selected.price)} y1={0} y2={drawn.plot.bottom} className="tf-depth__cursor" />}
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
