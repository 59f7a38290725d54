/** React binding for latency: a store's `latency` (null before the first paint). */
import { useStore } from 'zustand';

import type { MarketStore } from './createMarketStore.js';
import type { Latency } from './latency.js';

/**
 * The newest painted frame's latency in three segments — exchange → server, server → browser
 * (on the server's clock, by the estimated offset), received → painted — each now and as p99 over
 * the last 10 s, with `clockUncertain` where clocks disagree. Re-renders once per painted frame.
 */
export function useLatency(store: MarketStore): Latency | null {
  return useStore(store, (s) => s.latency);
}
