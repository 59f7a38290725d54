'use client';
import { useCallback, useEffect, useMemo, useRef, type KeyboardEvent } from 'react';

import { useRovingFocus } from '../a11y/useRovingFocus.js';
import { useThrottledAnnouncement } from '../a11y/useThrottledAnnouncement.js';
import { decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './OrderbookLadder.css';
import { GroupingSelect } from './GroupingSelect.js';
import { LadderRow } from './LadderRow.js';
import { ladderModel } from './ladderModel.js';
import { SpreadRow } from './SpreadRow.js';
import { useAutoCentre } from './useAutoCentre.js';
import { useVirtualRows } from '../virtual/useVirtualRows.js';

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
  /** Mark the level the last trade printed in (◆, in the taker's colour). Default true. */
  showLastTrade?: boolean;
  /** A fourth column: the session's size traded at each level (taker buys + sells, book units, since the store started). Default false. */
  showTraded?: boolean;
}

/**
 * Price ladder: asks above, bids below, a spread/mid row between. Keyboard: Arrow keys, Home/End
 * move between levels (roving tabindex); Enter or Space activates. A stale or disconnected book is
 * dimmed and its clicks disabled. Composed of parts — its model (`ladderModel.ts`), memoised
 * `LadderRow`s, a `SpreadRow` and a `GroupingSelect` — and hooks: virtual rows and auto-centre (this
 * folder), roving focus and throttled announcements (`components/a11y/`).
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
  showLastTrade = true,
  showTraded = false,
}: OrderbookLadderProps) {
  const grouping = useMarket(store, (s) => s.grouping);
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => !showsLive(s));
  const last = useMarket(store, (s) => (showLastTrade ? (s.tape?.last ?? null) : null));

  const model = useMemo(
    () => ladderModel(book, { depth, rowHeight, height, barMode, grouping, lastTrade: last }),
    [book, depth, rowHeight, height, barMode, grouping, last],
  );
  const { rows, totalRows } = model;

  // Decimals follow the grouping (0.01 × 10 → 1 decimal): fixed, so distinct levels never print alike.
  const tickSize = book?.tickSize ?? 0.01;
  const priceFmt = fixedFormatter(decimalsOf(tickSize * grouping), locale);
  const sizeFmt = fixedFormatter(decimalsOf(book?.lotSize ?? 1), locale);

  const viewport = useRef<HTMLDivElement | null>(null);
  const virtual = useVirtualRows(viewport, { totalRows, rowHeight, height });
  const centre = useAutoCentre(model.centreTop, (top) => virtual.scrollTo(top), [height, rowHeight, totalRows]);
  const roving = useRovingFocus(rows.length, (i) => {
    // A level moved to by keyboard is scrolled into view (and so rendered), leaving auto-centre.
    const at = rows[i]?.listIndex ?? 0;
    if (!virtual.inView(at)) {
      centre.stop();
      virtual.scrollTo(at * rowHeight - height / 2);
    }
  });

  // The rows' handlers are stable (so memoised rows stay put) and read this render's state through a ref.
  const latest = useRef({ rows, stale, onLevelClick, roving });
  useEffect(() => {
    latest.current = { rows, stale, onLevelClick, roving };
  });
  const activate = useCallback((i: number) => {
    const { rows, stale, onLevelClick } = latest.current;
    const row = rows[i];
    if (stale || !onLevelClick || !row) return;
    onLevelClick({ side: row.side, price: row.price, size: row.size, cumulative: row.cumulative });
  }, []);
  const onActivate = useCallback(
    (i: number) => {
      latest.current.roving.setFocus(i);
      activate(i);
    },
    [activate],
  );
  const onKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>, i: number) => {
      if (latest.current.roving.onKey(e, i)) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        activate(i);
      }
    },
    [activate],
  );

  const announcement = useThrottledAnnouncement(
    book && book.bids.length && book.asks.length
      ? `Best bid ${priceFmt.format(book.bestBid)}, best ask ${priceFmt.format(book.bestAsk)}, spread ${priceFmt.format(book.spread)}`
      : 'No book',
    announceEveryMs,
  );

  const name = label ?? `Order book ${book?.symbol ?? ''}`.trim();
  // Virtualization: only rows within the viewport (plus overscan) exist in the DOM, and the tab stop.
  const visible = (i: number) => virtual.isRendered(rows[i].listIndex) || i === roving.focusIndex;

  return (
    <div
      className={`tf-ladder${stale ? ' tf-ladder--stale' : ''}${showTraded ? ' tf-ladder--traded' : ''}`}
      data-stale={stale || undefined}
      data-sequence={book?.sequence}
    >
      {groupings.length > 0 && (
        <GroupingSelect value={grouping} choices={groupings} tickSize={tickSize} locale={locale} onChange={(g) => store.setGrouping(g)} />
      )}
      <div role="grid" aria-label={name} aria-rowcount={totalRows + 1} className="tf-ladder__grid">
        <div role="row" aria-rowindex={1} className="tf-ladder__head">
          <span role="columnheader">Price</span>
          <span role="columnheader">Size</span>
          <span role="columnheader">Total</span>
          {showTraded && <span role="columnheader">Traded</span>}
        </div>
        <div
          ref={viewport}
          className="tf-ladder__viewport"
          style={{ height, '--tf-row-height': `${rowHeight}px` } as React.CSSProperties}
          onScroll={() => virtual.onScroll(() => centre.on && centre.stop())}
          role="rowgroup"
        >
          <div style={{ position: 'relative', height: totalRows * rowHeight }}>
            {rows.map((row, i) =>
              visible(i) ? (
                <LadderRow
                  key={row.key}
                  index={i}
                  row={row}
                  priceText={priceFmt.format(row.price)}
                  sizeText={sizeFmt.format(row.size)}
                  cumulativeText={sizeFmt.format(row.cumulative)}
                  tradedText={showTraded ? (row.traded > 0 ? sizeFmt.format(row.traded) : '') : undefined}
                  flash={flash}
                  stale={stale}
                  tabIndex={roving.tabIndex(i)}
                  register={roving.register}
                  onActivate={onActivate}
                  onKey={onKey}
                />
              ) : null,
            )}
            {book && (
              <SpreadRow
                listIndex={model.spreadIndex}
                top={model.spreadTop}
                spreadText={book.bids.length && book.asks.length ? `Spread ${priceFmt.format(book.spread)}` : '—'}
                midText={book.mid ? `Mid ${fixedFormatter(decimalsOf(book.tickSize) + 1, locale).format(book.mid)}` : ''}
              />
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
