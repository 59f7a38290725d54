/** React binding for the tape: a slice of a store's `tape`, re-rendering only when that slice changes. */
import { useStore } from 'zustand';

import type { MarketStore } from './createMarketStore.js';
import type { TapePicture } from './tapePicture.js';

/**
 * Subscribe to a slice of a market store's tape (null before the first frame), for custom views:
 * `useTrades(store, (t) => t?.volumeDelta ?? 0)`. The tape object is new only when a print arrived
 * or the view changed, so `(t) => t` re-renders once per change, not per frame. Return stable
 * values from `selector`, as with `useMarket`.
 */
export function useTrades<T>(store: MarketStore, selector: (tape: TapePicture | null) => T): T {
  return useStore(store, (s) => selector(s.tape));
}
