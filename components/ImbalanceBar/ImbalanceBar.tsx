'use client';
import type { Level } from '../store/bookSnapshot.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './ImbalanceBar.css';

/** Which levels count: the top N of each side, or those within X basis points of mid. */
export type ImbalanceWindow = { levels: number } | { bps: number };

export interface ImbalanceBarProps {
  store: MarketStore;
  /** The window the imbalance is measured over. Default `{ levels: 10 }`. */
  window?: ImbalanceWindow;
}

/** (bid − ask) / (bid + ask) over the window, in [-1, 1]; 0 for an empty window. */
export function windowImbalance(bids: Level[], asks: Level[], mid: number, window: ImbalanceWindow): number {
  const inWindow = (l: Level, i: number) =>
    'levels' in window ? i < window.levels : mid > 0 && (Math.abs(l.price - mid) / mid) * 1e4 <= window.bps;
  const sum = (levels: Level[]) => levels.reduce((s, l, i) => (inWindow(l, i) ? s + l.size : s), 0);
  const b = sum(bids);
  const a = sum(asks);
  return b + a > 0 ? (b - a) / (b + a) : 0;
}

function windowLabel(w: ImbalanceWindow): string {
  return 'levels' in w ? `top ${w.levels} levels` : `within ${w.bps} bps of mid`;
}

/**
 * Bid/ask size imbalance over an explicit window, as a bar from the centre: green to the right when
 * bids dominate, red to the left when asks do. The bar eases (CSS, off with reduced motion).
 */
export function ImbalanceBar({ store, window = { levels: 10 } }: ImbalanceBarProps) {
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => s.stale);
  const value = book ? windowImbalance(book.bids, book.asks, book.mid, window) : 0;
  const pct = Math.round(value * 100);
  const label = `Imbalance, ${windowLabel(window)}`;
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
