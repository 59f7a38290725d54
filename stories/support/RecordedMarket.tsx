import type { ReactNode } from 'react';

import { ReplaySource, type MarketStore, useMarketStore } from '../../components';
import { useStoryMarket } from './MarketChoice';

/** Renders `children(store)` with a store replaying the market picked in the toolbar (a real one by default). */
export function RecordedMarket({ speed = 1, children }: { speed?: number; children: (store: MarketStore) => ReactNode }) {
  const { recording } = useStoryMarket();
  const store = useMarketStore(() => new ReplaySource({ recording, speed }), [speed, recording]);
  return store ? <>{children(store)}</> : null;
}
