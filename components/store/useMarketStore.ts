'use client';
/** React binding for a store's lifetime: created after mount (never on the server), disposed on unmount. */
import { useEffect, useState } from 'react';

import type { FrameSource } from '../feed/FrameSource.js';
import { createMarketStore, type MarketStore, type MarketStoreOptions } from './createMarketStore.js';

/**
 * One market store for the lifetime of a component: `makeSource()` runs after mount, and the store
 * (its socket or replay timers, and its WASM memory) is disposed on unmount or when `deps` change.
 * Returns `null` until mounted — during server rendering and the first client render — so render
 * `store && <OrderbookLadder store={store} />`.
 * @param makeSource Builds the feed, e.g. `() => new WebSocketSource({ url })`.
 * @param deps Re-create the store (and source) when these change, as with `useEffect`.
 * @param options Passed to `createMarketStore` (everything but `source`).
 */
export function useMarketStore(
  makeSource: () => FrameSource,
  deps: readonly unknown[] = [],
  options?: Omit<MarketStoreOptions, 'source'>,
): MarketStore | null {
  const [store, setStore] = useState<MarketStore | null>(null);
  useEffect(() => {
    const s = createMarketStore({ ...options, source: makeSource() });
    // The store is made after mount (nothing connects during server rendering), so it reaches
    // render through state set here.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setStore(s);
    return () => {
      s.dispose();
      setStore(null);
    };
    // The caller's deps decide when a new feed is needed, as with useEffect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return store;
}
