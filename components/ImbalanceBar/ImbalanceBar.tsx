'use client';
import type { Level } from '../store/bookSnapshot.js';
import type { ImbalanceWindow, MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './ImbalanceBar.css';

export type { ImbalanceWindow };

export interface ImbalanceBarProps {
  store: MarketStore;
  /**
   * The window the imbalance is measured over. Default: the store's `imbalanceWindow`, which the
   * engine measures in exact lots and eases in `tick(now)`. Another window is measured here from the
   * picture, and the bar eases by CSS.
   */
  window?: ImbalanceWindow;
}

/** (bid − ask) / (bid + ask) over the window, in [-1, 1]; 0 for an empty window. */
export function windowImbalance(bids: Level[], asks: Level[], mid: number, window: ImbalanceWindow): number {
  const inWindow = (l: Level, i: number) => ('levels' in window ? i < window.levels : mid > 0 && (Math.abs(l.price - mid) / mid) * 1e4 <= window.bps);
  const sum = (levels: Level[]) => levels.reduce((s, l, i) => (inWindow(l, i) ? s + l.size : s), 0);
  const b = sum(bids);
  const a = sum(asks);
  return b + a > 0 ? (b - a) / (b + a) : 0;
}

function sameWindow(a: ImbalanceWindow, b: ImbalanceWindow): boolean {
  return 'levels' in a ? 'levels' in b && a.levels === b.levels : 'bps' in b && a.bps === b.bps;
}

function windowLabel(w: ImbalanceWindow): string {
  return 'levels' in w ? `top ${w.levels} levels` : `within ${w.bps} bps of mid`;
}

/**
 * Bid/ask size imbalance over an explicit window, as a bar from the centre: green to the right when
 * bids dominate, red to the left when asks do. The bar and the figure move smoothly (the engine's
 * frame-rate-independent easing), and the bar's CSS transition is off with reduced motion.
 */
export function ImbalanceBar({ store, window }: ImbalanceBarProps) {
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => !showsLive(s));
  const storeWindow = useMarket(store, (s) => s.imbalanceWindow);
  const own = window !== undefined && !sameWindow(window, storeWindow);
  const shown = own ? window : storeWindow;
  const value = !book ? 0 : own ? windowImbalance(book.bids, book.asks, book.mid, window) : book.smoothWindowImbalance;
  const label = `Imbalance, ${windowLabel(shown)}`;
  const pct = Math.round(value * 100);
  return (
    <div className={`tf-imbalance${stale ? ' tf-imbalance--stale' : ''}`}>
      <div className="tf-imbalance__label">
        <span>{label}</span>
        <span data-testid="imbalance-value">{book ? `${pct > 0 ? '+' : ''}${pct}%` : '—'}</span>
      </div>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={-100}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct > 0 ? 'bids' : pct < 0 ? 'asks' : 'balanced'} ${Math.abs(pct)}%`}
        className="tf-imbalance__track"
      >
        <div
          className={`tf-imbalance__fill tf-imbalance__fill--${value >= 0 ? 'bid' : 'ask'}`}
          style={{ width: `${Math.abs(value) * 50}%`, [value >= 0 ? 'left' : 'right']: '50%' }}
        />
      </div>
    </div>
  );
}
