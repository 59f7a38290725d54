import { useEffect, useState } from 'react';
import { createMarketStore, type FrameSource, type MarketStore } from '../../components';

/** One market store per mounted story, disposed (socket, timers, WASM memory) on unmount. */
export function useStoryStore(makeSource: () => FrameSource, deps: unknown[] = []): MarketStore | null {
  const [store, setStore] = useState<MarketStore | null>(null);
  useEffect(() => {
    const s = createMarketStore({ source: makeSource() });
    setStore(s);
    return () => s.dispose();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return store;
}
