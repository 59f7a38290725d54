'use client';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';

import { useThrottledAnnouncement } from '../a11y/useThrottledAnnouncement.js';
import { decimalsOf, fixedFormatter } from '../format/priceFormat.js';
import { formatClock } from '../format/timeFormat.js';
import type { MarketStore } from '../store/createMarketStore.js';
import type { HeatPaint } from '../store/heatPicture.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import { drawOverlay, type OverlayColours } from './heatOverlay.js';
import { HeatmapControls } from './HeatmapControls.js';
import { themePalette } from './heatPalette.js';
import {
  BIN_PX_STEPS,
  COLUMN_PX_STEPS,
  followWindow,
  heatAxes,
  heatSummary,
  panWindow,
  readoutText,
  zoomStep,
  type PriceWindow,
} from './heatmapModel.js';
import './LiquidityHeatmap.css';

export interface LiquidityHeatmapProps {
  /** The market store feeding the heatmap (`createMarketStore`); the server sends the heat columns. */
  store: MarketStore;
  /** Picture width in px. Default 600 (300 columns of 2 px: 30 s at the server's default 100 ms). */
  width?: number;
  /** Picture height in px. Default 320. */
  height?: number;
  /** Width of one column (one heat interval) in px: the time zoom. Default 2. */
  columnPx?: number;
  /** Pixels per price bin: the price zoom. Default 2. Ignored when `pricePerPx` is given. */
  binPx?: number;
  /**
   * Price per pixel row, to line the heatmap up with an `OrderbookLadder` beside it: its row height
   * (px) covers `grouping × tickSize`, so pass `grouping * tickSize / rowHeight`. Default: from `binPx`.
   */
  pricePerPx?: number;
  /**
   * A fixed price window (top and bottom edge, quote currency) instead of following the mid: to line
   * the rows up exactly with a view beside it. Default: follow the mid.
   */
  priceRange?: PriceWindow;
  /** Start following the market (the newest column at the right edge, centred on the mid). Default true. */
  follow?: boolean;
  /** Draw the prints as circles (area by notional, colour by the taker's side). Default true. */
  showTrades?: boolean;
  /** Draw the best bid and ask lines. Default true. */
  showTouch?: boolean;
  /** Columns the engine keeps (the history you can scroll back through). Default 600. */
  capacity?: number;
  /** IANA time zone of the readout's time (the frames' clock: a replay's is the recording's). Default `'UTC'`. */
  timeZone?: string;
  /** Locale for numbers. Default: the user's. */
  locale?: string;
  /** Accessible name. Default `"Liquidity heatmap <symbol>"`. */
  label?: string;
  /** Show the follow / zoom buttons. Default true. */
  showControls?: boolean;
  /** Price labels at the right edge (whole bins) and time labels along the bottom (`timeZone`). Default true. */
  showAxes?: boolean;
  /**
   * Called after each paint with its main-thread time (ms: the engine's paint, the blit and the
   * overlay) and whether the pixels changed — for a performance panel or a benchmark. Default none.
   */
  onPaint?: (ms: number, pixelsChanged: boolean) => void;
}

/** The end time of the picture's rightmost column (its right edge), from the newest column's end. */
function rightEndMs(p: HeatPaint): number {
  return p.state.newestEndMs - (p.state.newestSeq - p.state.rightSeq) * p.state.intervalMs;
}

/** Under `prefers-reduced-motion` the picture moves at most this often (ms): steps, not a scroll. */
const REDUCED_MOTION_PAINT_MS = 1000;

function overlayColours(el: Element): OverlayColours {
  const s = getComputedStyle(el);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    bid: v('--tf-heat-bid-line', v('--tf-bid', '#26a69a')),
    ask: v('--tf-heat-ask-line', v('--tf-ask', '#ef5350')),
    buy: v('--tf-heat-buy', v('--tf-bid', '#26a69a')),
    sell: v('--tf-heat-sell', v('--tf-ask', '#ef5350')),
    crosshair: v('--tf-heat-crosshair', v('--tf-fg', '#d9dee4')),
    label: v('--tf-fg', '#d9dee4'),
    labelBg: v('--tf-heat-label-bg', 'rgba(0, 0, 0, 0.55)'),
    font: `11px ${v('--tf-font', 'monospace')}`,
  };
}

/**
 * The book over time: each column one server heat interval (time on x, newest at the right), each
 * row a price (y), colour the largest size resting there during the interval on a log scale between
 * the window's 5th and 99th percentiles (theme: `--tf-heat-0`…`--tf-heat-4`). Time the book was
 * resyncing or stale is hatched and grey, missing intervals stay blank. The best bid and ask are
 * lines, prints are circles. The engine paints the pixels (one blit per change); this component
 * draws only the overlay.
 *
 * Keyboard on the picture: ←/→ and ↑/↓ move the readout cursor a column or a bin; F or Space
 * follows / pauses; Home returns to the newest; PageUp/PageDown pan the price while paused; + / −
 * zoom the price, ] / [ the time. The pointer shows a crosshair and the same readout.
 */
export function LiquidityHeatmap({
  store,
  width = 600,
  height = 320,
  columnPx: columnPxProp = 2,
  binPx: binPxProp = 2,
  pricePerPx,
  priceRange,
  follow = true,
  showTrades = true,
  showTouch = true,
  capacity = 600,
  timeZone = 'UTC',
  locale,
  label,
  showControls = true,
  showAxes = true,
  onPaint,
}: LiquidityHeatmapProps) {
  const symbol = useMarket(store, (s) => s.book?.symbol ?? '');
  const tickSize = useMarket(store, (s) => s.book?.tickSize ?? 0.01);
  const lotSize = useMarket(store, (s) => s.book?.lotSize ?? 0.0001);
  const stale = useMarket(store, (s) => !showsLive(s));
  const [columnPx, setColumnPx] = useState(columnPxProp);
  const [binPx, setBinPx] = useState(binPxProp);
  const [following, setFollowing] = useState(follow);
  const [summary, setSummary] = useState('');
  const [readout, setReadout] = useState('');

  const root = useRef<HTMLDivElement | null>(null);
  const base = useRef<HTMLCanvasElement | null>(null);
  const overlay = useRef<HTMLCanvasElement | null>(null);
  const windowRef = useRef<PriceWindow | null>(null);
  const pausedAt = useRef(0);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const lastPaint = useRef<{ at: number; paint: HeatPaint | null }>({ at: -Infinity, paint: null });
  const colours = useRef<OverlayColours | null>(null);
  const reducedMotion = useRef(false);
  const summaryAt = useRef(-Infinity);
  const summaryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (summaryTimer.current !== null) clearTimeout(summaryTimer.current);
    },
    [],
  );
  // The fixed window by value: a new object with the same prices is the same window.
  const [rangeTop, rangeBottom] = [priceRange?.top, priceRange?.bottom];

  const priceFmt = fixedFormatter(decimalsOf(tickSize), locale);
  const sizeFmt = fixedFormatter(Math.min(8, decimalsOf(lotSize)), locale);
  const fmtPrice = useCallback((p: number) => priceFmt.format(p), [priceFmt]);
  const fmtSize = useCallback((q: number) => sizeFmt.format(q), [sizeFmt]);
  const fmtTime = useCallback((ms: number) => formatClock(ms, timeZone), [timeZone]);
  // Axis labels to the second: HH:MM:SS of the readout's clock.
  const fmtAxisTime = useCallback((ms: number) => formatClock(ms, timeZone).slice(0, 8), [timeZone]);

  useEffect(() => store.heatmap.setCapacity(capacity), [store, capacity]);

  // The theme's palette and line colours (again when the theme attribute of an ancestor changes).
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const apply = () => {
      store.heatmap.setPalette(themePalette(el));
      colours.current = overlayColours(el);
      lastPaint.current.at = -Infinity;
    };
    apply();
    reducedMotion.current = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (typeof MutationObserver !== 'function') return;
    const observer = new MutationObserver(apply);
    observer.observe(document.documentElement, { attributes: true, subtree: true, attributeFilter: ['data-theme', 'class', 'style'] });
    return () => observer.disconnect();
  }, [store]);

  const updateReadout = useCallback(() => {
    const at = pointer.current;
    if (!at) return setReadout('');
    const r = store.heatmap.readout(at.x, at.y);
    setReadout(r ? readoutText(r, fmtPrice, fmtSize, fmtTime) : '');
  }, [store, fmtPrice, fmtSize, fmtTime]);

  const paint = useCallback(
    (force: boolean) => {
      const canvas = base.current;
      const over = overlay.current;
      if (!canvas || !over) return;
      const now = performance.now();
      if (!force && reducedMotion.current && now - lastPaint.current.at < REDUCED_MOTION_PAINT_MS) return;
      const state = store.heatmap.state();
      if (!state) return;
      if (state.columns === 0 || state.binSize <= 0) {
        // Nothing kept (before the first column, or a seek to the start): an empty picture, said so.
        if (lastPaint.current.paint) {
          canvas.getContext('2d')?.clearRect(0, 0, width, height);
          over.getContext('2d')?.clearRect(0, 0, width, height);
          lastPaint.current = { at: now, paint: null };
        }
        setSummary(heatSummary(state, symbol, null, fmtPrice, fmtSize));
        return;
      }
      const ppp = pricePerPx && pricePerPx > 0 ? pricePerPx : state.binSize / binPx;
      const book = store.getState().book;
      const mid =
        book && book.mid > 0 ? book.mid : (state.newestBid + state.newestAsk) / 2 || state.newestLowPrice + (state.bins * state.binSize) / 2;
      if (rangeTop !== undefined && rangeBottom !== undefined && rangeTop > rangeBottom) windowRef.current = { top: rangeTop, bottom: rangeBottom };
      else if (following || !windowRef.current) windowRef.current = followWindow(windowRef.current, mid, height, ppp, state.binSize);
      const w = windowRef.current;
      const p = store.heatmap.paint({ width, height, columnPx, priceTop: w.top, priceBottom: w.bottom, rightSeq: following ? 0 : pausedAt.current });
      if (!p) return;
      const ctx = canvas.getContext('2d');
      const octx = over.getContext('2d');
      if (ctx && (p.changed || force) && p.pixels.length === width * height * 4) ctx.putImageData(new ImageData(p.pixels, width, height), 0, 0);
      if (octx && colours.current) {
        const axes = showAxes ? heatAxes(w, height, p.state.binSize, rightEndMs(p), p.state.intervalMs, width, columnPx) : null;
        drawOverlay(octx, p, width, height, colours.current, {
          showTouch,
          showTrades,
          crosshair: pointer.current,
          axes: axes && {
            prices: axes.prices.map((m) => ({ y: m.y, text: fmtPrice(m.value) })),
            times: axes.times.map((m) => ({ x: m.x, text: fmtAxisTime(m.ms) })),
          },
        });
      }
      lastPaint.current = { at: now, paint: p };
      // The newest column painted, on the element (no render): tests and tools can read what is shown.
      if (root.current) root.current.dataset.newestColumn = String(p.state.rightSeq);
      onPaint?.(performance.now() - now, p.changed);
      // The summary for screen readers changes with every column: it is re-rendered at most once a
      // second (the heatmap adds no commit of its own to a paint), and once more after the last paint.
      const refresh = () => {
        summaryAt.current = performance.now();
        const last = lastPaint.current.paint;
        if (last && windowRef.current) setSummary(heatSummary(last.state, symbol, windowRef.current, fmtPrice, fmtSize));
      };
      if (summaryTimer.current !== null) clearTimeout(summaryTimer.current);
      summaryTimer.current = null;
      if (now - summaryAt.current >= 1000 || force) refresh();
      else summaryTimer.current = setTimeout(refresh, 1000);
      if (pointer.current) updateReadout();
    },
    [
      store,
      width,
      height,
      columnPx,
      binPx,
      pricePerPx,
      rangeTop,
      rangeBottom,
      following,
      showTouch,
      showTrades,
      symbol,
      fmtPrice,
      fmtSize,
      fmtAxisTime,
      showAxes,
      updateReadout,
      onPaint,
    ],
  );

  // One paint per store publish (the store publishes once per animation frame with new frames).
  useEffect(() => store.subscribe(() => paint(false)), [store, paint]);
  // And once more in the next animation frame whenever a setting changed (zoom, pause, size, theme).
  useEffect(() => {
    const id = requestAnimationFrame(() => paint(true));
    return () => cancelAnimationFrame(id);
  }, [paint]);

  const setFollow = (f: boolean) => {
    if (!f) pausedAt.current = lastPaint.current.paint?.state.rightSeq || store.heatmap.state()?.newestSeq || 0;
    setFollowing(f);
  };
  const zoomPrice = (dir: 1 | -1) => setBinPx((b) => zoomStep(BIN_PX_STEPS, b, dir));
  const zoomTime = (dir: 1 | -1) => setColumnPx((c) => zoomStep(COLUMN_PX_STEPS, c, dir));

  const onMouseMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    pointer.current = { x: ((e.clientX - r.left) * width) / (r.width || width), y: ((e.clientY - r.top) * height) / (r.height || height) };
    paint(true);
  };
  const onMouseLeave = () => {
    pointer.current = null;
    setReadout('');
    paint(true);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const binRows = Math.max(1, pricePerPx && lastPaint.current.paint ? lastPaint.current.paint.state.binSize / pricePerPx : binPx);
    const cursor = pointer.current ?? { x: width - columnPx / 2, y: height / 2 };
    let handled = true;
    switch (e.key) {
      case 'ArrowLeft':
        pointer.current = { ...cursor, x: Math.max(0, cursor.x - columnPx) };
        break;
      case 'ArrowRight':
        pointer.current = { ...cursor, x: Math.min(width - 1, cursor.x + columnPx) };
        break;
      case 'ArrowUp':
        pointer.current = { ...cursor, y: Math.max(0, cursor.y - binRows) };
        break;
      case 'ArrowDown':
        pointer.current = { ...cursor, y: Math.min(height - 1, cursor.y + binRows) };
        break;
      case 'f':
      case 'F':
      case ' ':
        setFollow(!following);
        break;
      case 'Home':
        setFollow(true);
        break;
      case 'PageUp':
      case 'PageDown':
        if (windowRef.current && !following) {
          const ppp = (windowRef.current.top - windowRef.current.bottom) / height;
          windowRef.current = panWindow(windowRef.current, (e.key === 'PageUp' ? 1 : -1) * (height / 4), ppp);
        }
        break;
      case '+':
      case '=':
        zoomPrice(1);
        break;
      case '-':
        zoomPrice(-1);
        break;
      case ']':
        zoomTime(1);
        break;
      case '[':
        zoomTime(-1);
        break;
      case 'Escape':
        pointer.current = null;
        setReadout('');
        break;
      default:
        handled = false;
    }
    if (!handled) return;
    e.preventDefault();
    paint(true);
    updateReadout();
  };

  const announced = useThrottledAnnouncement(readout, 250);
  const name = label ?? `Liquidity heatmap ${symbol}`.trim();
  return (
    <div ref={root} className={`tf-heatmap${stale ? ' tf-heatmap--stale' : ''}`} style={{ width }}>
      {showControls && <HeatmapControls following={following} onFollow={setFollow} onZoomPrice={zoomPrice} onZoomTime={zoomTime} />}
      {/* A 2-D picture with a keyboard cursor: the application role hands it the arrow keys (the
          linter does not count that role as interactive). */}
      {/* eslint-disable jsx-a11y/no-noninteractive-element-interactions, jsx-a11y/no-noninteractive-tabindex */}
      <div
        className="tf-heatmap__picture"
        style={{ width, height }}
        tabIndex={0}
        role="application"
        aria-label={name}
        aria-roledescription="heatmap"
        onKeyDown={onKeyDown}
      >
        <canvas ref={base} className="tf-heatmap__pixels" width={width} height={height} role="img" aria-label={summary || name} />
        <canvas
          ref={overlay}
          className="tf-heatmap__overlay"
          width={width}
          height={height}
          aria-hidden="true"
          onMouseMove={onMouseMove}
          onMouseLeave={onMouseLeave}
          data-testid="heatmap-overlay"
        />
        {stale && <span className="tf-heatmap__badge">stale</span>}
        {!following && <span className="tf-heatmap__badge tf-heatmap__badge--paused">paused</span>}
      </div>
      {/* eslint-enable jsx-a11y/no-noninteractive-element-interactions, jsx-a11y/no-noninteractive-tabindex */}
      <div className="tf-heatmap__readout" aria-live="polite" data-testid="heatmap-readout">
        {announced}
      </div>
    </div>
  );
}
