/** React binding: a thin `useSyncExternalStore` over the vanilla store (via zustand's `useStore`). */
import { useStore } from 'zustand';
import type { MarketState, MarketStore } from './createMarketStore.js';

/**
 * Subscribe to a slice of a market store. Return stable values from `selector` (a field, or use
 * zustand's `useShallow`): a new object on every call re-renders on every store change.
 */
export function useMarket<T>(store: MarketStore, selector: (s: MarketState) => T): T {
  return useStore(store, selector);
}
