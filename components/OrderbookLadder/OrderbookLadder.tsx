'use client';
import { useCallback, useMemo, useRef, type KeyboardEvent } from 'react';

import { useRovingFocus } from '../a11y/useRovingFocus.js';
import { useThrottledAnnouncement } from '../a11y/useThrottledAnnouncement.js';
import { decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import { barMax, type Level } from '../store/bookPicture.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './OrderbookLadder.css';
import { useAutoCentre } from './useAutoCentre.js';
import { useVirtualRows } from './useVirtualRows.js';

/** What `onLevelClick` receives. */
export interface LevelClick {
  side: 'bid' | 'ask';
  price: number;
  size: number;
  cumulative: number;
}

export interface OrderbookLadderProps {
  /** The market store feeding this ladder (`createMarketStore`). */
  store: MarketStore;
  /** Levels shown per side (scrollable; only visible rows are rendered). Default 50. */
  depth?: number;
  /** Height of the scrolling viewport in px. Default 480. */
  height?: number;
  /** Row height in px (rows are fixed-height so the list can be virtualized). Default 20. */
  rowHeight?: number;
  /** Briefly highlight levels that are new or changed size. Off under `prefers-reduced-motion`. Default true. */
  flash?: boolean;
  /** Depth bars proportional to each level's size or to cumulative size. Default `'cumulative'`. */
  barMode?: 'size' | 'cumulative';
  /** Called when a level is clicked or activated with Enter/Space. Not called while the book is stale. */
  onLevelClick?: (level: LevelClick) => void;
  /** Locale for number formatting. Default: the user's. */
  locale?: string;
  /** Accessible name of the ladder. Default `"Order book <symbol>"`. */
  label?: string;
  /** Minimum interval between screen-reader announcements of the touch, in ms. Default 2000. */
  announceEveryMs?: number;
  /** Grouping choices offered, in multiples of the tick. `[]` hides the control. Default [1, 5, 10, 50, 100]. */
  groupings?: number[];
}

interface Row extends LevelClick {
  key: string;
  change: Level['change'];
}

/**
 * Price ladder: asks above, bids below, a spread/mid row between. Keyboard: Arrow keys, Home/End
 * move between levels (roving tabindex); Enter or Space activates. A stale or disconnected book is
 * dimmed and its clicks disabled. Composed from hooks: virtual rows and auto-centre (this folder),
 * roving focus and throttled announcements (`components/a11y/`).
 */
export function OrderbookLadder({
  store,
  depth = 50,
  height = 480,
  rowHeight = 20,
  flash = true,
  barMode = 'cumulative',
  onLevelClick,
  locale,
  label,
  announceEveryMs = 2000,
  groupings = [1, 5, 10, 50, 100],
}: OrderbookLadderProps) {
  const grouping = useMarket(store, (s) => s.grouping);
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => !showsLive(s));

  const rows = useMemo<Row[]>(() => {
    if (!book) return [];
    const toRow =
      (side: 'bid' | 'ask') =>
      (l: Level): Row => ({ key: `${side}${l.price}`, side, ...l });
    const asks = book.asks.slice(0, depth).map(toRow('ask')).reverse();
    const bids = book.bids.slice(0, depth).map(toRow('bid'));
    return [...asks, ...bids];
  }, [book, depth]);

  // Decimals follow the grouping (0.01 × 10 → 1 decimal): fixed, so distinct levels never print alike.
  const tickSize = book?.tickSize ?? 0.01;
  const priceFmt = fixedFormatter(decimalsOf(tickSize * grouping), locale);
  const sizeFmt = fixedFormatter(decimalsOf(book?.lotSize ?? 1), locale);
  // One scale for both sides (the engine's, for the depth shown), so bars compare across the spread.
  const barFull = book ? barMax(book, depth, barMode) : 0;
  const scale = barFull > 0 ? 100 / barFull : 0;

  const activate = useCallback(
    (row: Row) => {
      if (stale || !onLevelClick) return;
      onLevelClick({ side: row.side, price: row.price, size: row.size, cumulative: row.cumulative });
    },
    [stale, onLevelClick],
  );

  const asksShown = rows.filter((r) => r.side === 'ask').length;
  // Layout: one list of asks, the spread row, then bids; row i of `rows` sits at list index i (+1 below the spread).
  const listIndex = (i: number) => (i < asksShown ? i : i + 1);
  const totalRows = rows.length + 1;
  const viewport = useRef<HTMLDivElement | null>(null);
  const virtual = useVirtualRows(viewport, { totalRows, rowHeight, height });
  const centre = useAutoCentre(asksShown * rowHeight + rowHeight / 2 - height / 2, (top) => virtual.scrollTo(top), [height, rowHeight, totalRows]);
  const roving = useRovingFocus(rows.length, (i) => {
    // A level moved to by keyboard is scrolled into view (and so rendered), leaving auto-centre.
    if (!virtual.inView(listIndex(i))) {
      centre.stop();
      virtual.scrollTo(listIndex(i) * rowHeight - height / 2);
    }
  });
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>, i: number) => {
    if (roving.onKey(e, i)) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(rows[i]);
    }
  };

  const announcement = useThrottledAnnouncement(
    book && book.bids.length && book.asks.length
      ? `Best bid ${priceFmt.format(book.bestBid)}, best ask ${priceFmt.format(book.bestAsk)}, spread ${priceFmt.format(book.spread)}`
      : 'No book',
    announceEveryMs,
  );

  const name = label ?? `Order book ${book?.symbol ?? ''}`.trim();
  // Virtualization: only rows within the viewport (plus overscan) exist in the DOM, and the tab stop.
  const visible = (i: number) => virtual.isRendered(listIndex(i)) || i === roving.focusIndex;

  const renderRow = (row: Row, i: number) => {
    const isTouch = (row.side === 'ask' && i === asksShown - 1) || (row.side === 'bid' && i === asksShown);
    const bar = (barMode === 'size' ? row.size : row.cumulative) * scale;
    return (
      <div
        key={row.key}
        ref={roving.ref(i)}
        tabIndex={roving.tabIndex(i)}
        role="row"
        aria-rowindex={listIndex(i) + 2}
        aria-disabled={stale || undefined}
        className={`tf-ladder__row tf-ladder__row--${row.side}`}
        data-change={flash && row.change !== 'same' ? row.change : undefined}
        style={{ '--tf-bar': `${bar.toFixed(2)}%`, position: 'absolute', top: listIndex(i) * rowHeight, left: 0, right: 0 } as React.CSSProperties}
        data-testid={isTouch ? `best-${row.side}` : undefined}
        onClick={() => {
          roving.setFocus(i);
          activate(row);
        }}
        onKeyDown={(e) => onKeyDown(e, i)}
      >
        <span role="gridcell" className="tf-ladder__price">
          {priceFmt.format(row.price)}
        </span>
        <span role="gridcell" className="tf-ladder__size">
          {sizeFmt.format(row.size)}
        </span>
        <span role="gridcell" className="tf-ladder__cum">
          {sizeFmt.format(row.cumulative)}
        </span>
      </div>
    );
  };

  return (
    <div className={`tf-ladder${stale ? ' tf-ladder--stale' : ''}`} data-stale={stale || undefined} data-sequence={book?.sequence}>
      {groupings.length > 0 && (
        <label className="tf-ladder__grouping">
          Group
          <select value={grouping} onChange={(e) => store.setGrouping(Number(e.target.value))}>
            {groupings.map((g) => (
              <option key={g} value={g}>
                {fixedFormatter(decimalsOf(tickSize * g), locale).format(tickSize * g)}
              </option>
            ))}
          </select>
        </label>
      )}
      <div role="grid" aria-label={name} aria-rowcount={totalRows + 1} className="tf-ladder__grid">
        <div role="row" aria-rowindex={1} className="tf-ladder__head">
          <span role="columnheader">Price</span>
          <span role="columnheader">Size</span>
          <span role="columnheader">Total</span>
        </div>
        <div
          ref={viewport}
          className="tf-ladder__viewport"
          style={{ height, '--tf-row-height': `${rowHeight}px` } as React.CSSProperties}
          onScroll={() => virtual.onScroll(() => centre.on && centre.stop())}
          role="rowgroup"
        >
          <div style={{ position: 'relative', height: totalRows * rowHeight }}>
            {rows.map((r, i) => (visible(i) ? renderRow(r, i) : null))}
            {book && (
              <div
                role="row"
                aria-rowindex={asksShown + 2}
                className="tf-ladder__spread"
                data-testid="spread-row"
                style={{ position: 'absolute', top: asksShown * rowHeight, left: 0, right: 0 }}
              >
                <span role="gridcell">{book.bids.length && book.asks.length ? `Spread ${priceFmt.format(book.spread)}` : '—'}</span>
                <span role="gridcell" className="tf-ladder__mid">
                  {book.mid ? `Mid ${fixedFormatter(decimalsOf(book.tickSize) + 1, locale).format(book.mid)}` : ''}
                </span>
              </div>
            )}
          </div>
          {!book && (
            <div role="row" className="tf-ladder__empty">
              <span role="gridcell">Waiting for data…</span>
            </div>
          )}
        </div>
      </div>
      {!centre.on && (
        <button type="button" className="tf-ladder__recentre" onClick={centre.resume}>
          Re-centre
        </button>
      )}
      <div className="tf-visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </div>
  );
}
