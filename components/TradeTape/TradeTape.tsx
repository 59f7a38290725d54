'use client';
import { useCallback, useEffect, useLayoutEffect, useRef, type KeyboardEvent } from 'react';

import { useRovingFocus } from '../a11y/useRovingFocus.js';
import { useThrottledAnnouncement } from '../a11y/useThrottledAnnouncement.js';
import { ROW, ROW_FLAG, ROW_STRIDE } from '../engine/engineMemory.js';
import { decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import { formatClock } from '../format/timeFormat.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import type { TapePicture } from '../store/tapePicture.js';
import '../theme/tickframe.css';
import { useVirtualRows } from '../virtual/useVirtualRows.js';
import { TapeControls } from './TapeControls.js';
import { TapeRow } from './TapeRow.js';
import { rowIndexOf, tapeModel } from './tapeModel.js';
import './TradeTape.css';

export interface TradeTapeProps {
  /** The market store feeding this tape (`createMarketStore`); its `tapeView` decides aggregation and filter. */
  store: MarketStore;
  /** Height of the scrolling viewport in px. Default 360. */
  height?: number;
  /** Row height in px (rows are fixed-height so the list can be virtualized). Default 20. */
  rowHeight?: number;
  /** IANA time zone the exchange's trade times are shown in, as `HH:MM:SS.mmm`. Default `'UTC'`. */
  timeZone?: string;
  /** Locale for number formatting. Default: the user's. */
  locale?: string;
  /** Accessible name of the tape. Default `"Trades <symbol>"`. */
  label?: string;
  /** Aggregation windows offered, in ms (0 = every print). `[]` hides the control. Default [0, 10, 100, 1000]. */
  aggregations?: number[];
  /** Minimum notionals offered, in quote currency (0 = all). `[]` hides the control. Default [0, 1000, 10000, 100000, 1000000]. */
  minNotionals?: number[];
  /** Minimum interval between screen-reader announcements of large prints, in ms. Default 3000. */
  announceEveryMs?: number;
  /** A line under the controls with the stream's taker-buy and taker-sell volume and their
   * difference (cumulative volume delta), in the book's unit, from the server's running totals. Default true. */
  showTotals?: boolean;
}

/** `useLayoutEffect` in the browser (scroll anchoring before paint), `useEffect` on a server. */
const useBrowserLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Time and sales: the newest print on top; time in the exchange's clock (ms shown), price in the
 * market's decimals, size, the taker's side in the bid/ask colours (and ▲/▼), a notional bar; large
 * prints emphasised and announced (throttled), a marked line where prints are missing. Aggregation
 * and the minimum notional are computed in the engine (the store's `tapeView`). Keyboard: Arrow
 * keys, Home/End, PageUp/PageDown move between rows. Scrolled away from the top, the rows in view
 * stay put as prints arrive; "Newest" returns. A stale feed greys the tape like every component.
 */
export function TradeTape({
  store,
  height = 360,
  rowHeight = 20,
  timeZone = 'UTC',
  locale,
  label,
  aggregations = [0, 10, 100, 1000],
  minNotionals = [0, 1_000, 10_000, 100_000, 1_000_000],
  announceEveryMs = 3000,
  showTotals = true,
}: TradeTapeProps) {
  const tape = useMarket(store, (s) => s.tape);
  const view = useMarket(store, (s) => s.tapeView);
  const tickSize = useMarket(store, (s) => s.book?.tickSize ?? 0.01);
  const lotSize = useMarket(store, (s) => s.book?.lotSize ?? 0.0001);
  const symbol = useMarket(store, (s) => s.book?.symbol ?? '');
  const stale = useMarket(store, (s) => !showsLive(s));

  const priceFmt = fixedFormatter(decimalsOf(tickSize), locale);
  const sizeFmt = fixedFormatter(decimalsOf(lotSize), locale);
  const totalRows = tape?.count ?? 0;

  const viewport = useRef<HTMLDivElement | null>(null);
  const virtual = useVirtualRows(viewport, { totalRows, rowHeight, height });
  const roving = useRovingFocus(totalRows, (i) => {
    if (!virtual.inView(i)) virtual.scrollTo(i < virtual.scrollTop / rowHeight ? i * rowHeight : (i + 1) * rowHeight - height);
  });
  // Only rows within the viewport (plus overscan) and the tab stop exist in the DOM.
  const model = tapeModel(tape, { first: virtual.first, last: virtual.last, rowHeight, keep: roving.focusIndex });

  // Scroll anchoring: while the user reads older prints, new ones arriving on top must not move
  // the rows under their eyes. The row at the top of the viewport is found again by its number.
  const anchor = useRef<{ seq: number; index: number } | null>(null);
  useBrowserLayoutEffect(() => {
    const a = anchor.current;
    if (!tape || !a || virtual.scrollTop <= 0) return;
    const now = rowIndexOf(tape, a.seq);
    if (now > a.index) virtual.scrollTo(virtual.scrollTop + (now - a.index) * rowHeight);
    anchor.current = now >= 0 ? { seq: a.seq, index: now } : null;
    // Only a new tape moves rows.
  }, [tape]);
  const onScroll = () =>
    virtual.onScroll(() => {
      const el = viewport.current;
      if (!el || !tape) return;
      const i = Math.floor(el.scrollTop / rowHeight);
      anchor.current = el.scrollTop > 0 && i < tape.count ? { seq: tape.data[i * ROW_STRIDE + ROW.FIRST_SEQ], index: i } : null;
    });
  const toNewest = () => {
    anchor.current = null;
    virtual.scrollTo(0);
  };

  const latest = useRef(roving);
  useEffect(() => {
    latest.current = roving;
  });
  const onKey = useCallback((e: KeyboardEvent<HTMLDivElement>, i: number) => {
    latest.current.onKey(e, i);
  }, []);
  const onFocusRow = useCallback((i: number) => latest.current.setFocus(i), []);

  const announcement = useThrottledAnnouncement(largePrintText(tape, priceFmt, sizeFmt), announceEveryMs);
  const name = label ?? `Trades ${symbol}`.trim();

  return (
    <div className={`tf-tape${stale ? ' tf-tape--stale' : ''}`} data-stale={stale || undefined} data-trade-seq={tape?.tradeSeq}>
      <TapeControls
        windowMs={view.windowMs ?? 0}
        minNotional={view.minNotional ?? 0}
        windows={aggregations}
        minNotionals={minNotionals}
        locale={locale}
        onChange={(v) => store.setTapeView(v)}
      />
      {showTotals && tape && tape.tradeCount > 0 && (
        <div className="tf-tape__totals" data-testid="tape-totals">
          <span className="tf-tape__buy">Buy {sizeFmt.format(tape.buyVolume)}</span>
          <span className="tf-tape__sell">Sell {sizeFmt.format(tape.sellVolume)}</span>
          <span title="Cumulative volume delta: taker buys − taker sells since the stream started">
            Δ {tape.volumeDelta > 0 ? '+' : ''}
            {sizeFmt.format(tape.volumeDelta)}
          </span>
        </div>
      )}
      <div role="grid" aria-label={name} aria-rowcount={totalRows + 1} className="tf-tape__grid">
        <div role="row" aria-rowindex={1} className="tf-tape__head">
          <span role="columnheader">Time</span>
          <span role="columnheader">Price</span>
          <span role="columnheader">Size</span>
        </div>
        <div
          ref={viewport}
          className="tf-tape__viewport"
          style={{ height, '--tf-row-height': `${rowHeight}px` } as React.CSSProperties}
          onScroll={onScroll}
          role="rowgroup"
        >
          <div style={{ position: 'relative', height: totalRows * rowHeight }}>
            {model.rows.map((row) => {
              const timeText = formatClock(row.timeMs, timeZone);
              const priceText = priceFmt.format(row.price);
              const sizeText = sizeFmt.format(row.size);
              const what = `${row.large ? 'Large ' : ''}${row.side === 'buy' ? 'buy' : 'sell'} ${sizeText} at ${priceText}, ${timeText}${
                row.count > 1 ? `, ${row.count} prints` : ''
              }${row.gapBefore ? ', prints missing before it' : ''}`;
              return (
                <TapeRow
                  key={row.key}
                  row={row}
                  timeText={timeText}
                  priceText={priceText}
                  sizeText={sizeText}
                  label={what}
                  stale={stale}
                  tabIndex={roving.tabIndex(row.index)}
                  register={roving.register}
                  onKey={onKey}
                  onFocusRow={onFocusRow}
                />
              );
            })}
          </div>
          {totalRows === 0 && (
            <div role="row" className="tf-tape__empty">
              <span role="gridcell">{tape ? 'No trades yet' : 'Waiting for data…'}</span>
            </div>
          )}
        </div>
      </div>
      {virtual.scrollTop > 0 && (
        <button type="button" className="tf-tape__newest" onClick={toNewest}>
          Newest
        </button>
      )}
      <div className="tf-visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </div>
  );
}

/** The newest large print among the newest rows, as a sentence ('' when there is none). */
function largePrintText(tape: TapePicture | null, priceFmt: Intl.NumberFormat, sizeFmt: Intl.NumberFormat): string {
  if (!tape) return '';
  for (let i = 0; i < Math.min(tape.count, 20); i++) {
    const o = i * ROW_STRIDE;
    if (tape.data[o + ROW.FLAGS] & ROW_FLAG.LARGE) {
      const side = tape.data[o + ROW.SIDE] === 1 ? 'sell' : 'buy';
      return `Large ${side} ${sizeFmt.format(tape.data[o + ROW.SIZE])} at ${priceFmt.format(tape.data[o + ROW.PRICE])}`;
    }
  }
  return '';
}
