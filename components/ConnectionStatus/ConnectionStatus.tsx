'use client';
import type { MarketState, MarketStore } from '../store/createMarketStore.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './ConnectionStatus.css';

export type FeedHealth = 'live' | 'stale' | 'resyncing' | 'reconnecting' | 'down';

/** One word for the feed's health, from transport state, silence and the server's book status. */
export function feedHealth(s: Pick<MarketState, 'connection' | 'stale' | 'book'>): FeedHealth {
  if (s.connection === 'closed' || s.connection === 'idle') return 'down';
  if (s.connection === 'connecting' || s.connection === 'reconnecting') return 'reconnecting';
  if (s.book?.status === 'resyncing') return 'resyncing';
  if (s.stale || !s.book || s.book.status === 'stale') return 'stale';
  return 'live';
}

export interface ConnectionStatusProps {
  store: MarketStore;
}

/** Live / stale / resyncing / reconnecting / down, with latency and gap counts. Announced politely. */
export function ConnectionStatus({ store }: ConnectionStatusProps) {
  const health = useMarket(store, feedHealth);
  const latency = useMarket(store, (s) => (s.book ? Math.max(0, Math.round(s.book.latencyMs)) : null));
  const gaps = useMarket(store, (s) => s.stats.gaps);
  const errors = useMarket(store, (s) => s.rejected);
  return (
    <div role="status" className={`tf-conn tf-conn--${health}`} data-health={health}>
      <span className="tf-conn__dot" aria-hidden="true" />
      <span className="tf-conn__label">{health}</span>
      {latency !== null && <span className="tf-conn__meta">{latency} ms</span>}
      <span className="tf-conn__meta">{gaps} gaps</span>
      {errors > 0 && <span className="tf-conn__meta">{errors} bad frames</span>}
    </div>
  );
}
