'use client';
import { decimalsOf, fixedFormatter, significantFormatter } from '../format/priceFormat.js';
import type { MarketStore } from '../store/createMarketStore.js';
import { showsLive } from '../store/showsLive.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './SpreadGauge.css';

export interface SpreadGaugeProps {
  store: MarketStore;
  /** Spread in basis points at or below which the gauge reads "tight". Default 2. */
  tightBps?: number;
  /** Spread in basis points at or above which the gauge reads "wide". Default 10. */
  wideBps?: number;
  /** Locale for number formatting. Default: the user's. */
  locale?: string;
}

export type SpreadLevel = 'tight' | 'normal' | 'wide';

/** Classify a spread in bps against the thresholds. */
export function spreadLevel(bps: number, tightBps: number, wideBps: number): SpreadLevel {
  return bps <= tightBps ? 'tight' : bps >= wideBps ? 'wide' : 'normal';
}

/**
 * The spread as price, basis points and percent of mid. The needle follows the engine's smoothed
 * spread (frame-rate-independent easing); the numbers are the latest frame's, exact.
 * Colours: `--tf-gauge-tight`, `--tf-gauge-normal`, `--tf-gauge-wide`.
 */
export function SpreadGauge({ store, tightBps = 2, wideBps = 10, locale }: SpreadGaugeProps) {
  const book = useMarket(store, (s) => s.book);
  const stale = useMarket(store, (s) => !showsLive(s));
  const twoSided = !!book && book.bids.length > 0 && book.asks.length > 0 && book.mid > 0;
  // Rounded to 1e-6 bps so float noise (0.1 / 100 → 9.999…) cannot flip a threshold.
  const bps = twoSided ? Math.round((book.spread / book.mid) * 1e10) / 1e6 : 0;
  const smoothBps = twoSided ? (book.smoothSpread / book.mid) * 1e4 : 0;
  const max = wideBps * 2;
  const level = spreadLevel(bps, tightBps, wideBps);
  const price = twoSided ? fixedFormatter(decimalsOf(book.tickSize), locale).format(book.spread) : '—';
  // A liquid market's one-tick spread is a few thousandths of a bp (BTC-USD: 0.0015): two
  // significant digits there, so it never reads as 0.00.
  const bpsText = !twoSided ? '—' : bps > 0 && bps < 0.1 ? significantFormatter(2, locale).format(bps) : fixedFormatter(2, locale).format(bps);
  const pctText = twoSided ? fixedFormatter(4, locale).format(bps / 100) : '—';
  return (
    <div className={`tf-gauge tf-gauge--${level}${stale ? ' tf-gauge--stale' : ''}`}>
      <div
        role="meter"
        aria-label="Spread in basis points"
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={Number(Math.min(max, bps).toFixed(2))}
        aria-valuetext={twoSided ? `${price} (${bpsText} bps, ${level})` : 'No two-sided book'}
        className="tf-gauge__track"
      >
        <div className="tf-gauge__fill" style={{ width: `${Math.min(100, (smoothBps / max) * 100)}%` }} />
      </div>
      <dl className="tf-gauge__values">
        <div>
          <dt>Spread</dt>
          <dd data-testid="spread-price">{price}</dd>
        </div>
        <div>
          <dt>bps</dt>
          <dd data-testid="spread-bps">{bpsText}</dd>
        </div>
        <div>
          <dt>%</dt>
          <dd data-testid="spread-pct">{pctText}</dd>
        </div>
      </dl>
    </div>
  );
}
