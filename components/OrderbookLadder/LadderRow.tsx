'use client';
import { memo, type CSSProperties, type KeyboardEvent } from 'react';

import type { LadderRowModel } from './ladderModel.js';

export interface LadderRowProps {
  /** The row's index among the ladder's level rows (what the handlers receive). */
  index: number;
  row: LadderRowModel;
  /** Formatted in the ladder (its grouping's decimals), so equal text means an unchanged row. */
  priceText: string;
  sizeText: string;
  cumulativeText: string;
  /** The session's traded size at this level, formatted; undefined hides the column. */
  tradedText?: string;
  /** Show the row's change as a flash. */
  flash: boolean;
  stale: boolean;
  tabIndex: number;
  /** Stable callbacks (one per ladder), so a row re-renders only when its own props change. */
  register: (index: number, el: HTMLElement | null) => void;
  onActivate: (index: number) => void;
  onKey: (e: KeyboardEvent<HTMLDivElement>, index: number) => void;
}

/** One level of the ladder: price, size, cumulative, and its depth bar. Memoised: an unchanged level is not re-rendered. */
export const LadderRow = memo(function LadderRow({
  index,
  row,
  priceText,
  sizeText,
  cumulativeText,
  tradedText,
  flash,
  stale,
  tabIndex,
  register,
  onActivate,
  onKey,
}: LadderRowProps) {
  return (
    <div
      ref={(el) => register(index, el)}
      tabIndex={tabIndex}
      role="row"
      aria-rowindex={row.listIndex + 2}
      aria-disabled={stale || undefined}
      className={`tf-ladder__row tf-ladder__row--${row.side}${row.lastTrade ? ' tf-ladder__row--last-trade' : ''}`}
      data-last-trade={row.lastTrade ?? undefined}
      data-change={flash && row.change !== 'same' ? row.change : undefined}
      style={{ '--tf-bar': `${row.bar.toFixed(2)}%`, position: 'absolute', top: row.top, left: 0, right: 0 } as CSSProperties}
      data-testid={row.touch ? `best-${row.side}` : undefined}
      onClick={() => onActivate(index)}
      onKeyDown={(e) => onKey(e, index)}
    >
      <span role="gridcell" className="tf-ladder__price" aria-label={row.lastTrade ? `${priceText}, last trade (taker ${row.lastTrade})` : undefined}>
        {priceText}
      </span>
      <span role="gridcell" className="tf-ladder__size">
        {sizeText}
      </span>
      <span role="gridcell" className="tf-ladder__cum">
        {cumulativeText}
      </span>
      {tradedText !== undefined && (
        <span role="gridcell" className="tf-ladder__traded">
          {tradedText}
        </span>
      )}
    </div>
  );
}, sameRow);

/** Rows compare by what they draw: a new picture's row object for an unchanged level is the same row. */
function sameRow(a: LadderRowProps, b: LadderRowProps): boolean {
  return (
    a.index === b.index &&
    a.priceText === b.priceText &&
    a.sizeText === b.sizeText &&
    a.cumulativeText === b.cumulativeText &&
    a.tradedText === b.tradedText &&
    a.row.lastTrade === b.row.lastTrade &&
    a.flash === b.flash &&
    a.stale === b.stale &&
    a.tabIndex === b.tabIndex &&
    a.register === b.register &&
    a.onActivate === b.onActivate &&
    a.onKey === b.onKey &&
    a.row.side === b.row.side &&
    a.row.change === b.row.change &&
    a.row.listIndex === b.row.listIndex &&
    a.row.top === b.row.top &&
    a.row.bar === b.row.bar &&
    a.row.touch === b.row.touch
  );
}
