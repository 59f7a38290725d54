'use client';
import { useEffect } from 'react';

import type { MarketStore } from '../store/createMarketStore.js';
import { imbalanceKey, type ImbalanceWindow } from '../store/imbalanceWindow.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './ImbalanceBar.css';

export type { ImbalanceWindow };

export interface ImbalanceBarProps {
  store: MarketStore;
  /**
   * The window the imbalance is measured over. Default: the store's `imbalanceWindow`, which the
   * engine measures in exact lots and eases in `tick(now)`. Another window is measured by the engine
   * too, in exact lots on the same picture (`store.measureImbalance`); its bar eases by CSS.
   */
  window?: ImbalanceWindow;
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
  const ownKey = window !== undefined && imbalanceKey(window) !== imbalanceKey(storeWindow) ? imbalanceKey(window) : null;
  const shown = ownKey && window ? window : storeWindow;
  // A window of its own is measured by the engine for as long as this bar shows it.
  useEffect(() => (ownKey && window ? store.measureImbalance(window) : undefined), [store, ownKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const value = !book ? 0 : ownKey ? (book.imbalances[ownKey] ?? 0) : book.smoothWindowImbalance;
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
