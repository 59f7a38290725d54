'use client';
import { memo, type CSSProperties, type KeyboardEvent } from 'react';

import type { TapeRowModel } from './tapeModel.js';

export interface TapeRowProps {
  row: TapeRowModel;
  /** Formatted in the tape (the market's decimals, the tape's clock), so equal text means an unchanged row. */
  timeText: string;
  priceText: string;
  sizeText: string;
  /** What a screen reader hears for the row. */
  label: string;
  stale: boolean;
  tabIndex: number;
  /** Stable callbacks (one per tape), so a row re-renders only when its own props change. */
  register: (index: number, el: HTMLElement | null) => void;
  onKey: (e: KeyboardEvent<HTMLDivElement>, index: number) => void;
  onFocusRow: (index: number) => void;
}

/** One print (or run) of the tape: time, price, size, side in colour and glyph, its notional bar. */
export const TapeRow = memo(function TapeRow({
  row,
  timeText,
  priceText,
  sizeText,
  label,
  stale,
  tabIndex,
  register,
  onKey,
  onFocusRow,
}: TapeRowProps) {
  const classes = ['tf-tape__row', `tf-tape__row--${row.side}`, row.large && 'tf-tape__row--large', row.gapBefore && 'tf-tape__row--gap']
    .filter(Boolean)
    .join(' ');
  return (
    <div
      ref={(el) => register(row.index, el)}
      role="row"
      aria-rowindex={row.index + 2}
      aria-label={label}
      aria-disabled={stale || undefined}
      tabIndex={tabIndex}
      className={classes}
      data-side={row.side}
      data-large={row.large || undefined}
      data-gap={row.gapBefore || undefined}
      data-aggregated={row.aggregated || undefined}
      data-seq={row.firstSeq}
      title={
        row.gapBefore
          ? 'Prints are missing before this one'
          : row.aggregated
            ? 'Prints of one time, side and price, summed by the server (a burst)'
            : undefined
      }
      style={{ '--tf-bar': `${row.bar.toFixed(2)}%`, position: 'absolute', top: row.top, left: 0, right: 0 } as CSSProperties}
      onKeyDown={(e) => onKey(e, row.index)}
      onFocus={() => onFocusRow(row.index)}
    >
      <span role="gridcell" className="tf-tape__time">
        {timeText}
      </span>
      <span role="gridcell" className="tf-tape__price">
        <span aria-hidden="true" className="tf-tape__glyph">
          {row.side === 'buy' ? '▲' : '▼'}
        </span>
        {priceText}
      </span>
      <span role="gridcell" className="tf-tape__size">
        {sizeText}
        {row.count > 1 && <span className="tf-tape__count">×{row.count}</span>}
      </span>
    </div>
  );
}, sameRow);

function sameRow(a: TapeRowProps, b: TapeRowProps): boolean {
  return (
    a.timeText === b.timeText &&
    a.priceText === b.priceText &&
    a.sizeText === b.sizeText &&
    a.label === b.label &&
    a.stale === b.stale &&
    a.tabIndex === b.tabIndex &&
    a.register === b.register &&
    a.onKey === b.onKey &&
    a.onFocusRow === b.onFocusRow &&
    a.row.index === b.row.index &&
    a.row.top === b.row.top &&
    a.row.bar === b.row.bar &&
    a.row.side === b.row.side &&
    a.row.large === b.row.large &&
    a.row.gapBefore === b.row.gapBefore &&
    a.row.aggregated === b.row.aggregated &&
    a.row.count === b.row.count
  );
}
